"""menuconfig's help text of an entry exactly as the C tools print it (``menu_get_ext_help``).

``make helpnewconfig`` prints it for every new option: the help text as the
C lexer reads it (:mod:`.ksource`), then ``get_symbol_str``'s block with
dependencies in C's order and form and Location lines along C's menu tree
(:mod:`.cmenu`), each symbol followed by its value.
"""

from __future__ import annotations

from kconfiglib import (
    AND,
    BOOL,
    EQUAL,
    GREATER,
    GREATER_EQUAL,
    HEX,
    INT,
    LESS,
    LESS_EQUAL,
    NOT,
    OR,
    STRING,
    TRISTATE,
    UNEQUAL,
    Choice,
    MenuNode,
    Symbol,
)

from rustconfig_gui.kconfig.cexpr import and_leaves, ends_with, or_terms, same_terms
from rustconfig_gui.kconfig.cmenu import CDeps, CTree
from rustconfig_gui.kconfig.configfile import CONFIG_
from rustconfig_gui.kconfig.ksource import KconfigText, raw_prompt
from rustconfig_gui.kconfig.semantics import Evaluator

NO_HELP = "There is no help available for this option."
TYPE_NAMES = {BOOL: "bool", TRISTATE: "tristate", INT: "integer", HEX: "hex", STRING: "string"}
_REL_TEXT = {EQUAL: "=", UNEQUAL: "!=", LESS: "<", LESS_EQUAL: "<=", GREATER: ">", GREATER_EQUAL: ">="}
# expr_compare_type's precedence: a child is bracketed when it binds looser than its parent
_RANK = {OR: 0, AND: 1, NOT: 2, EQUAL: 3, UNEQUAL: 3, LESS: 4, LESS_EQUAL: 4, GREATER: 4, GREATER_EQUAL: 4}


def c_expr_text(ev: Evaluator, e: object, prev: int | None = None) -> str:
    """``expr_gstr_print``: an expression with `` [=value]`` after each typed symbol."""
    cls = e.__class__
    if cls is Symbol or cls is Choice:
        return _sym_text(ev, e)  # type: ignore[arg-type]
    op = e[0]  # type: ignore[index]
    rank = _RANK[op]
    if op is AND or op is OR:
        joiner = " && " if op is AND else " || "
        text = c_expr_text(ev, e[1], op) + joiner + c_expr_text(ev, e[2], op)  # type: ignore[index]
    elif op is NOT:
        text = "!" + c_expr_text(ev, e[1], NOT)  # type: ignore[index]
    else:
        text = _sym_text(ev, e[1]) + _REL_TEXT[op] + _sym_text(ev, e[2])  # type: ignore[index]
    if prev is not None and _RANK[prev] > rank:
        return f"({text})"
    return text


def _sym_text(ev: Evaluator, s: Symbol | Choice) -> str:
    if s.__class__ is Choice:
        return "<choice>"
    sym: Symbol = s  # type: ignore[assignment]
    kconf = ev.kconf
    if sym.is_constant:
        if sym.name in ("n", "m", "y") and kconf.const_syms.get(sym.name) is sym:
            return f"{sym.name} [={sym.name}]"
        return sym.name
    if sym.orig_type not in TYPE_NAMES:
        return sym.name
    return f"{sym.name} [={ev.str_value(sym)}]"


def _menu_prompt(node: MenuNode) -> str:
    if node.prompt:
        return str(node.prompt[0])
    return getattr(node.item, "name", "") or ""


def writer_for(ev: Evaluator) -> HelpWriter:
    """A :class:`HelpWriter` for ``ev``.  What it caches (C's dependencies and menu
    tree, file texts) depends on the parse only and is built once per evaluator."""
    return HelpWriter(ev)


class HelpWriter:
    """menuconfig's help screen of an entry (``menu_get_ext_help``), as C prints it."""

    def __init__(self, ev: Evaluator) -> None:
        self.ev = ev
        # kept on the evaluator, not on the parse: a parse being stored (parsecache) is never
        # written to by another thread; what it holds refers to the parse, never back to ``ev``
        got: tuple[KconfigText, CDeps, CTree] | None = getattr(ev, "_c_menu", None)
        if got is None:
            text = KconfigText(ev.kconf.srctree)
            deps = CDeps(ev, text)
            got = (text, deps, CTree(ev, deps))
            ev._c_menu = got  # type: ignore[attr-defined]
        self.helps, self.deps, self.tree = got

    def ext_help(self, node: MenuNode) -> str:
        item = node.item
        text = self.helps.help(node)
        head = ""
        if text is not None:
            name = getattr(item, "name", None)
            if item.__class__ is Symbol and name:
                head = f"{CONFIG_}{name}:\n\n"
        else:
            text = NO_HELP
        return head + text + "\n" + self.symbol_info(item)

    def prompt_lines(self, node: MenuNode) -> list[str]:
        ev, deps = self.ev, self.deps
        out = [f"  Prompt: {raw_prompt(self.helps, node)}"]
        dep = deps.dep(node)
        if dep is not deps.y:
            out.append(f"  Depends on: {c_expr_text(ev, dep)}")
        vis = deps.visible(node)
        if not same_terms(and_leaves(dep), and_leaves(vis)):
            out.append(f"  Visible if: {c_expr_text(ev, vis)}")
        chain: list[MenuNode] = []
        cur: MenuNode | None = node
        top = ev.kconf.top_node
        while cur is not None and cur is not top and len(chain) < 8:
            chain.append(cur)
            cur = self.tree.parent(cur)
        out.append("  Location:")
        for j, m in enumerate(reversed(chain)):
            title = raw_prompt(self.helps, m) if m.prompt else _menu_prompt(m)
            out.append(" " * (2 * j + 4) + f"-> {title}{self._sym_suffix(m)}")
        return out

    def _sym_suffix(self, node: MenuNode) -> str:
        item = node.item
        if item.__class__ is Symbol:
            return f" ({item.name} [={self.ev.str_value(item)}])"
        if item.__class__ is Choice:
            value = "n" if self.ev.sem.choice_rework else ("n", "m", "y")[self.ev.choice_tri(item)]
            return f" (<choice> [={value}])"
        return ""

    def symbol_info(self, item: Symbol | Choice) -> str:
        """``get_symbol_str``: the "Symbol:/Type/Defined at/…" block."""
        ev, deps = self.ev, self.deps
        out: list[str] = []
        sym: Symbol | None = item if item.__class__ is Symbol else None  # type: ignore[assignment]
        if sym is not None:
            out.append(f"Symbol: {sym.name} [={ev.str_value(sym)}]")
            out.append(f"Type  : {TYPE_NAMES.get(sym.orig_type, 'unknown')}")
            if sym.orig_type in (INT, HEX):
                for low, high, cond in sym.ranges:
                    if ev.expr(cond):
                        out.append(f"Range : [{_sym_text(ev, low)} {_sym_text(ev, high)}]")
                        break
        for node in item.nodes:
            if node.prompt:
                out.append(f"Defined at {node.filename}:{node.linenr}")
                out += self.prompt_lines(node)
        for node in item.nodes:
            if not node.prompt:
                out.append(f"Defined at {node.filename}:{node.linenr}")
                dep = deps.dep(node)
                if dep is not deps.y:
                    out.append(f"  Depends on: {c_expr_text(ev, dep)}")
        if sym is not None:
            if sym.selects:
                out.append("Selects: " + " && ".join(_sym_text(ev, t) for t, _ in sym.selects))
            out += self._revdep_lines(sym.rev_dep, "Selected by")
            if sym.implies:
                out.append("Implies: " + " && ".join(_sym_text(ev, t) for t, _ in sym.implies))
            out += self._revdep_lines(sym.weak_rev_dep, "Implied by")
        elif not ev.sem.choice_rework and not item.is_optional:  # type: ignore[union-attr]
            # before 6.11 menu_finalize keeps a choice from n: rev_dep = <its prompt's visibility> && m
            prompted = next((n for n in item.nodes if n.prompt), None)
            if prompted is not None:
                term = deps.cx.and_(deps.visible(prompted), ev.kconf.m)
                out.append(f"Selected by [{('n', 'm', 'y')[ev.expr(term)]}]:")
                out.append(f"  - {c_expr_text(ev, term)}")
        return "".join(line + "\n" for line in out) + "\n\n"

    def _revdep_lines(self, e: object, title: str) -> list[str]:
        ev = self.ev
        if e is ev.kconf.n:
            return []
        out: list[str] = []
        terms = list(or_terms(e))
        for want, name in ((2, "y"), (1, "m"), (0, "n")):
            hit = [t for t in terms if ev.expr(t) == want]
            if hit:
                out.append(f"{title} [{name}]:")
                out += [f"  - {self._select_text(t)}" for t in hit]
        return out

    def _select_text(self, t: object) -> str:
        """One ``select``/``imply`` term as C builds it: ``SELECTOR && <its visibility>``."""
        if t.__class__ is not tuple or t[0] is not AND or t[1].__class__ is not Symbol:  # type: ignore[index]
            return c_expr_text(self.ev, t)
        selector: Symbol = t[1]  # type: ignore[index,assignment]
        cond = t[2]  # type: ignore[index]
        for node in selector.nodes:
            if node.dep is self.deps.y or ends_with(cond, node.dep):
                return c_expr_text(self.ev, self.deps.cx.and_(selector, self.deps.cond(node, cond)))
        return c_expr_text(self.ev, t)


__all__ = ["NO_HELP", "TYPE_NAMES", "HelpWriter", "c_expr_text", "writer_for"]
