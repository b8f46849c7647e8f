"""New options: what ``make listnewconfig``/``helpnewconfig`` print and menuconfig marks "(NEW)".

The kernel's rule (``check_conf`` of ``scripts/kconfig/conf.c``, the "(NEW)"
suffix of ``mconf.c``/``nconf.c``): an entry that is shown (``menu_is_visible``)
whose symbol has no value from the loaded ``.config`` (``sym_has_value``: no
user value) and that the user can change (``sym_is_changeable``).  Before
6.11 a choice was a symbol of its own, and a shown choice in y mode without
a value counted as well (``helpnewconfig`` prints it; ``listnewconfig`` only
prints named symbols).

The texts are byte for byte what the C tools print: ``listnewconfig`` is
``print_symbol_for_listconfig`` (``CONFIG_X=n`` included), ``helpnewconfig``
is ``menu_get_ext_help`` (:mod:`.helptext`) between ``-----`` lines.  The
list of values conf changed (7.2's ``KCONFIG_WARN_CHANGED_INPUT``) is here
too: what did not survive as written.
"""

from __future__ import annotations

from kconfiglib import (
    BOOL,
    STRING,
    TRISTATE,
    Choice,
    MenuNode,
    Symbol,
)

from rustconfig_gui.kconfig.cmenu import CTree
from rustconfig_gui.kconfig.configfile import CONFIG_, escape_string
from rustconfig_gui.kconfig.helptext import TYPE_NAMES, writer_for
from rustconfig_gui.kconfig.semantics import Evaluator

# -- the rule -----------------------------------------------------------------------


def has_value(ev: Evaluator, item: Symbol | Choice) -> bool:
    """``sym_has_value``: the loaded .config (or an edit since) gave it a value."""
    if item.__class__ is Choice:
        return _choice_has_value(ev, item)  # type: ignore[arg-type]
    return item in ev.user or _value_from_transitional(ev, item)  # type: ignore[arg-type]


def _choice_has_value(ev: Evaluator, choice: Choice) -> bool:
    """Before 6.11 (a choice is a symbol): reading a config gives every choice a
    value, and ``sym_calc_choice`` takes it away unless each visible member has one."""
    return all(m in ev.user for m in choice.syms if ev.visibility(m))


def _value_from_transitional(ev: Evaluator, sym: Symbol) -> bool:
    """6.18+ ``sym_calc_value``: a symbol whose active default is a single
    transitional symbol with a user value counts as having a user value."""
    if not ev.transitional or sym.choice is not None:
        return False
    for default, cond in sym.defaults:
        if ev.expr(cond):
            return default.__class__ is Symbol and default in ev.transitional and default in ev.user
    return False


def _counts(ev: Evaluator, node: MenuNode) -> bool:
    """The test inside ``check_conf`` for an entry already known to be shown."""
    item = node.item
    if item.__class__ is Symbol:
        return not has_value(ev, item) and ev.is_changeable(item)  # type: ignore[arg-type]
    if item.__class__ is Choice and not ev.sem.choice_rework:
        return not _choice_has_value(ev, item) and (
            ev.choice_visibility(item) > 0 or ev.choice_tri(item) == 2)
    return False


def is_new(ev: Evaluator, node: MenuNode) -> bool:
    """Would menuconfig write "(NEW)" after this entry?"""
    item = node.item
    if item.__class__ is not Symbol and item.__class__ is not Choice:
        return False
    return ev.menu_is_visible(node) and _counts(ev, node)


def new_nodes(ev: Evaluator, tree: CTree | None = None) -> list[MenuNode]:
    """The entries ``check_conf`` visits as new, in its order: a walk over C's
    menu tree (:class:`~.helptext.CTree`) where a hidden entry hides
    everything below it."""
    if tree is None:
        tree = writer_for(ev).tree
    out: list[MenuNode] = []
    stack = list(reversed(tree.children(ev.kconf.top_node)))
    while stack:
        cur = stack.pop()
        if not ev.menu_is_visible(cur):
            continue
        if _counts(ev, cur):
            out.append(cur)
        stack.extend(reversed(tree.children(cur)))
    return out


def new_symbols(ev: Evaluator) -> list[Symbol]:
    """The named symbols ``listnewconfig`` lists, each once, in its order."""
    return [n.item for n in new_nodes(ev) if n.item.__class__ is Symbol]


# -- listnewconfig ------------------------------------------------------------------


def listconfig_line(ev: Evaluator, sym: Symbol) -> str:
    """``print_symbol_for_listconfig``: ``CONFIG_X=value`` (n included), strings escaped."""
    val = ev.str_value(sym)
    if sym.orig_type == STRING:
        val = escape_string(val)
    return f"{CONFIG_}{sym.name}={val}\n"


def listnewconfig_text(ev: Evaluator) -> str:
    return "".join(listconfig_line(ev, n.item) for n in new_nodes(ev)
                   if n.item.__class__ is Symbol and n.item.orig_type in TYPE_NAMES)


# -- helpnewconfig --------------------------------------------------------------------

def helpnewconfig_text(ev: Evaluator) -> str:
    writer = writer_for(ev)
    return "".join(f"-----\n\n{writer.ext_help(n)}\n-----\n" for n in new_nodes(ev, writer.tree))


# -- KCONFIG_WARN_CHANGED_INPUT -----------------------------------------------------------


def user_value_text(ev: Evaluator, sym: Symbol) -> str:
    """``sym_get_user_value_string``: the value the .config gave."""
    uv = ev.user.get(sym)
    if sym.orig_type in (BOOL, TRISTATE):
        return ("n", "m", "y")[uv] if isinstance(uv, int) and 0 <= uv <= 2 else "n"
    return "" if uv is None else str(uv)


def user_value_changed(ev: Evaluator, sym: Symbol) -> bool:
    """``sym_user_value_changed``: the computed value differs from the user value."""
    if sym not in ev.user or sym.orig_type not in TYPE_NAMES:
        return False
    if sym.orig_type in (BOOL, TRISTATE):
        return ev.user[sym] != ev.tri(sym)
    return user_value_text(ev, sym) != ev.str_value(sym)


def changed_input(ev: Evaluator) -> list[Symbol]:
    """The symbols ``conf_write`` names under "user-provided values changed by
    Kconfig" (7.2's ``KCONFIG_WARN_CHANGED_INPUT``), in its order."""
    out: list[Symbol] = []
    seen: set[Symbol] = set()
    for node in ev.walk():
        sym = node.item
        if sym.__class__ is not Symbol or sym in seen:
            continue
        seen.add(sym)
        if user_value_changed(ev, sym):
            out.append(sym)
    return out


def changed_input_text(ev: Evaluator) -> str:
    """The warning block as conf prints it on stderr ("" when nothing changed)."""
    syms = changed_input(ev)
    if not syms:
        return ""
    lines = ["warning: user-provided values changed by Kconfig:\n"]
    lines += [f"  {CONFIG_}{s.name}: {user_value_text(ev, s)} -> {ev.str_value(s)}\n" for s in syms]
    return "".join(lines)


__all__ = ["changed_input", "changed_input_text", "has_value", "helpnewconfig_text", "is_new", "listconfig_line",
           "listnewconfig_text", "new_nodes", "new_symbols", "user_value_changed", "user_value_text"]
