"""A full structural dump of a parsed tree, to compare two parses of it.

Every menu node (in menu order, with its place in the tree), every symbol and
choice in the order kconfiglib registered them, every property and expression
(symbols by name and kind), help texts, locations, warnings in order, the
preprocessor's variables, the macro trace, file stamps and the source
rewrites.  Sets whose order is that of object ids (``_dependents``) are dumped
sorted.  Two parses are the same parse when their dumps are equal.
"""

from __future__ import annotations

from typing import Any

import kconfiglib

from rustconfig_gui.kconfig.parser import TRANSIENT, KernelKconfig, slot_names

_SYMBOL_SKIP = frozenset({
    # values computed on demand (caches), not parse results
    "_cached_str_val", "_cached_tri_val", "_cached_vis", "_cached_assignable", "_write_to_conf",
    "_was_set", "user_value", "_cached_selection", "user_selection",
    # back references dumped elsewhere
    "kconfig", "nodes", "_dependents", "choice", "syms",
})
_NODE_SKIP = frozenset({"kconfig", "item", "parent", "list", "next"})


def _atom(e: Any) -> Any:
    if e.__class__ is kconfiglib.Symbol:
        return ("const" if e.is_constant else "sym", e.name)
    if e.__class__ is kconfiglib.Choice:
        return ("choice", e.name, _loc(e))
    if e.__class__ is kconfiglib.MenuNode:
        return ("node", e.filename, e.linenr)
    return e


def expr(e: Any) -> Any:
    """An expression with every symbol and choice spelled out (kind and name), flat
    (prefix order, "(" and ")" around each tuple or list: some are thousands deep)."""
    if e.__class__ is not tuple and e.__class__ is not list:
        return _atom(e)
    out: list[Any] = []
    stack: list[Any] = [e]
    close = object()
    while stack:
        x = stack.pop()
        if x is close:
            out.append(")")
        elif x.__class__ is tuple or x.__class__ is list:
            out.append("(")
            stack.append(close)
            stack.extend(reversed(x))
        else:
            out.append(_atom(x))
    return tuple(out)


def _loc(item: Any) -> Any:
    return tuple((n.filename, n.linenr) for n in item.nodes)


def _slots(obj: Any, skip: frozenset[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in slot_names(type(obj)):
        if name in skip:
            continue
        try:
            out[name] = expr(getattr(obj, name))
        except AttributeError:
            out[name] = "<unset>"
    return out


def _item(item: Any) -> Any:
    if item.__class__ is kconfiglib.Symbol:
        return expr(item)
    if item.__class__ is kconfiglib.Choice:
        return ("choice", item.name, _loc(item))
    return item  # MENU, COMMENT


def dump(kconf: KernelKconfig) -> dict[str, Any]:
    nodes: list[Any] = []
    stack: list[tuple[Any, int]] = [(kconf.top_node, 0)]
    while stack:
        node, depth = stack.pop()
        nodes.append((depth, _item(node.item), _slots(node, _NODE_SKIP),
                      node.parent is not None and (node.parent.filename, node.parent.linenr)))
        if node.next is not None:
            stack.append((node.next, depth))
        if node.list is not None:
            stack.append((node.list, depth + 1))

    def symbol(s: Any) -> Any:
        return (s.name, _slots(s, _SYMBOL_SKIP), _loc(s),
                sorted(map(repr, map(expr, s._dependents))),
                s.choice is not None and _item(s.choice))

    def choice(c: Any) -> Any:
        return (c.name, _slots(c, _SYMBOL_SKIP), _loc(c), [expr(s) for s in c.syms],
                sorted(map(repr, map(expr, c._dependents))))

    return {
        "nodes": nodes,
        "syms": [symbol(s) for s in kconf.syms.values()],
        "const_syms": [symbol(s) for s in kconf.const_syms.values()],
        "defined": [expr(s) for s in kconf.unique_defined_syms],
        "choices": [choice(c) for c in kconf.choices],
        "menus": [(n.filename, n.linenr) for n in kconf.menus],
        "comments": [(n.filename, n.linenr) for n in kconf.comments],
        "warnings": list(kconf.warnings),
        "variables": [(v.name, v.value, v.expanded_value if not v.is_recursive else None, v.is_recursive)
                      for v in kconf.variables.values()],
        "env_vars": sorted(kconf.env_vars),
        "kconfig_filenames": list(kconf.kconfig_filenames),
        "file_stamps": dict(kconf.file_stamps),
        "trace": [(c.command, c.filename, c.line, c.source_line, c.output, c.status)
                  for c in kconf.trace.calls],
        "rewrites": repr(kconf.rewrites),
        "late": [(lv.placeholder, lv.filename, lv.line, lv.text, lv.quoted,
                  [(expr(o) if o.__class__ is not kconfiglib.MenuNode else ("node", o.filename, o.linenr), i)
                   for o, i, _ in lv.sites]) for lv in kconf.late_values or ()],
        "transitional": sorted(s.name for s in kconf.transitional_syms),
        "other": (kconf.defconfig_list and kconf.defconfig_list.name, kconf.modules.name,
                  kconf.mainmenu_text, kconf.parse_env_vars and sorted(kconf.parse_env_vars),
                  kconf.parse_calls, kconf.files_parsed),
    }


_KCONFIGLIB = (kconfiglib.Symbol, kconfiglib.Choice, kconfiglib.MenuNode, kconfiglib.Variable)
# values computed on demand, the probes as run (their times), the parser's own working state
_SHARING_SKIP = frozenset({"_cached_str_val", "_cached_tri_val", "_cached_vis", "_cached_assignable", "user_value",
                           "_was_set", "_write_to_conf", "trace"}) | TRANSIENT


def sharing(kconf: KernelKconfig) -> list[Any]:
    """Which objects of a parse are one object: every container and kconfiglib object
    reached from ``kconf``, numbered in the order a fixed walk first meets it, each with
    the numbers (or, for strings and numbers, the values) of what it holds.  Equal for
    two parses when they share objects alike (code compares conditions with ``is``:
    ``cond is node.dep``)."""
    numbers: dict[int, int] = {}
    order: list[Any] = []

    def ref(o: Any) -> Any:
        if o is None or isinstance(o, (bool, int, float, str, type)):
            return o
        if callable(o) and not isinstance(o, _KCONFIGLIB):
            return repr(o)
        n = numbers.get(id(o))
        if n is None:
            n = numbers[id(o)] = len(order)
            order.append(o)
        return ("#", n)

    out: list[Any] = []
    ref(kconf)
    i = 0
    while i < len(order):
        o = order[i]
        i += 1
        if o.__class__ in (list, tuple):
            out.append((o.__class__.__name__, [ref(x) for x in o]))
        elif isinstance(o, (set, frozenset)):
            out.append((o.__class__.__name__, sorted(repr(ref(x)) for x in o)))
        elif isinstance(o, dict):
            out.append(("dict", [(ref(k), ref(v)) for k, v in o.items()]))
        else:
            held: list[Any] = []
            for name in slot_names(type(o)):
                if name not in _SHARING_SKIP:
                    held.append((name, ref(getattr(o, name)) if hasattr(o, name) else "<unset>"))
            d = getattr(o, "__dict__", None) or {}
            held += [(k, ref(v)) for k, v in d.items() if k not in _SHARING_SKIP and not k.startswith("_rc_")]
            out.append((type(o).__name__, held))
    return out


def first_difference(a: dict[str, Any], b: dict[str, Any]) -> str:
    """Where two dumps first differ ("" when they are equal)."""
    for key in a.keys() | b.keys():
        x, y = a.get(key), b.get(key)
        if x == y:
            continue
        if isinstance(x, list) and isinstance(y, list):
            for i, (p, q) in enumerate(zip(x, y)):
                if p != q:
                    return f"{key}[{i}]: {p!r:.600} != {q!r:.600}"
            return f"{key}: {len(x)} entries != {len(y)}"
        return f"{key}: {x!r:.600} != {y!r:.600}"
    return ""
