"""The menu tree as the kernel's front ends show it, Qt-free.

Views (the Qt model, tests, the CLI) ask here which entries exist under a
menu entry, which are shown in a given mode, and how each reads; values
come from the :class:`~rustconfig_gui.kconfig.semantics.Evaluator`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum

from kconfiglib import (
    AND,
    BOOL,
    COMMENT,
    HEX,
    INT,
    MENU,
    STRING,
    TRISTATE,
    Choice,
    MenuNode,
    Symbol,
    expr_str,
    split_expr,
)

from rustconfig_gui.kconfig.semantics import Evaluator

TYPE_NAMES = {BOOL: "bool", TRISTATE: "tristate", STRING: "string", INT: "int", HEX: "hex"}


class Kind(Enum):
    MENU = "menu"
    MENUCONFIG = "menuconfig"
    SYMBOL = "symbol"
    CHOICE = "choice"
    COMMENT = "comment"
    GROUP = "group"


@dataclass(frozen=True, eq=False)
class ComputedGroup:
    """A synthetic entry listing symbols that have no prompt (computed values)."""

    title: str
    symbols: tuple[Symbol, ...]


def kind(node: MenuNode) -> Kind:
    item = node.item
    if item is MENU:
        return Kind.MENU
    if item is COMMENT:
        return Kind.COMMENT
    if item.__class__ is Choice:
        return Kind.CHOICE
    return Kind.MENUCONFIG if node.is_menuconfig else Kind.SYMBOL


def static_children(node: MenuNode) -> list[MenuNode]:
    """Every child entry with a prompt, in Kconfig order (promptless definitions
    are not entries a user sees)."""
    out = []
    cur = node.list
    while cur is not None:
        if cur.prompt is not None:
            out.append(cur)
        elif cur.list is not None:
            # a promptless node that still parents prompted entries
            out.extend(static_children(cur))
        cur = cur.next
    return out


def prompt_text(node: MenuNode) -> str:
    return str(node.prompt[0]) if node.prompt else (getattr(node.item, "name", "") or "")


def symbol_of(node: MenuNode) -> Symbol | None:
    return node.item if node.item.__class__ is Symbol else None


def is_shown(ev: Evaluator, node: MenuNode) -> bool:
    """Would menuconfig show this entry (``menu_is_visible``)?"""
    return ev.menu_is_visible(node)


def node_value_text(ev: Evaluator, node: MenuNode) -> str:
    item = node.item
    if item.__class__ is Symbol:
        return ev.str_value(item)
    if item.__class__ is Choice:
        sel = ev.choice_selection(item)
        return prompt_text(sel.nodes[0]) if sel is not None and sel.nodes and sel.nodes[0].prompt else ""
    return ""


def menu_path(node: MenuNode) -> list[str]:
    """Prompts of the enclosing entries, outermost first (the Location: line)."""
    path = []
    cur = node.parent
    while cur is not None and cur.parent is not None:
        if cur.prompt:
            path.append(prompt_text(cur))
        cur = cur.parent
    return list(reversed(path))


class ReverseDeps:
    """Who selects and who implies each symbol (built once per parse)."""

    def __init__(self, kconf: object) -> None:
        self._sel: dict[Symbol, list[Symbol]] = {}
        self._imp: dict[Symbol, list[Symbol]] = {}
        for s in kconf.unique_defined_syms:  # type: ignore[attr-defined]
            for t, _ in s.selects:
                self._sel.setdefault(t, []).append(s)
            for t, _ in s.implies:
                self._imp.setdefault(t, []).append(s)

    def selected_by(self, sym: Symbol) -> list[Symbol]:
        return self._sel.get(sym, [])

    def implied_by(self, sym: Symbol) -> list[Symbol]:
        return self._imp.get(sym, [])

    def active_selectors(self, ev: Evaluator, sym: Symbol) -> list[tuple[Symbol, int]]:
        """Symbols whose ``select`` of ``sym`` is in effect now, with its strength."""
        out = []
        for other in self.selected_by(sym):
            for target, cond in other.selects:
                if target is sym:
                    v = min(ev.tri(other), ev.expr(cond))
                    if v:
                        out.append((other, v))
        return out


def is_forced(ev: Evaluator, sym: Symbol) -> bool:
    """A value the user cannot change because a ``select`` holds it."""
    return sym.orig_type in (BOOL, TRISTATE) and ev.rev_dep(sym) > 0 and ev.rev_dep(sym) >= ev.visibility(sym)


def next_tristate(ev: Evaluator, sym: Symbol) -> int | None:
    """The value a click/space gives: the next allowed one in n → m → y → n."""
    allowed = ev.assignable(sym)
    if len(allowed) < 2:
        return None
    cur = ev.tri(sym)
    for step in (1, 2, 3):
        cand = (cur + step) % 3
        if cand in allowed:
            return cand
    return None


def walk_symbols_nodes(root: MenuNode, pred: Callable[[MenuNode], bool]) -> Iterator[MenuNode]:
    for child in static_children(root):
        if pred(child):
            yield child
        yield from walk_symbols_nodes(child, pred)


def term_text(ev: Evaluator, term: object) -> str:
    """A dependency term with the values that decide it: ``RUST_IS_AVAILABLE (n)``,
    ``!MODVERSIONS (MODVERSIONS=y)``, ``RUSTC_VERSION >= 107800 (RUSTC_VERSION=106300)``."""
    if term.__class__ is Symbol:
        return f"{term.name} ({ev.str_value(term)})"  # type: ignore[attr-defined]
    if term.__class__ is Choice:
        return "its choice to be visible"
    syms = [s for s in _symbols_in(term) if not s.is_constant]
    values = ", ".join(f"{s.name}={ev.str_value(s)}" for s in syms[:3])
    return f"{expr_str(term)} ({values})" if values else expr_str(term)


def _symbols_in(expr: object) -> list[Symbol]:
    if expr.__class__ is tuple:
        out: list[Symbol] = []
        for part in expr[1:]:  # type: ignore[index]
            out.extend(_symbols_in(part))
        return list(dict.fromkeys(out))
    return [expr] if expr.__class__ is Symbol else []  # type: ignore[list-item]


def first_blocker(ev: Evaluator, node: MenuNode) -> str:
    """One line for a hidden row: the first unmet term of what makes it visible."""
    if node.prompt is None:
        return "has no prompt (computed)"
    cond = node.prompt[1]
    for term in split_expr(cond, AND):
        if ev.expr(term) == 0:
            return f"needs {term_text(ev, term)}"
    if node.item is MENU and node.visibility is not None and ev.expr(node.visibility) == 0:
        return f"needs {term_text(ev, node.visibility)} (visible if)"
    item = node.item
    if item.__class__ is Symbol and item.choice is not None:
        return "its choice is hidden"
    if item.__class__ is Symbol and ev.tri(item) == 0 and node.is_menuconfig:
        return "is off and has nothing visible inside"
    return "hidden"



