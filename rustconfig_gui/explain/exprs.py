"""Small helpers on kconfiglib's objects and expressions, shared by the why
engine's parts: names, locations, tristate ranges, and expressions printed the
way menuconfig prints them."""

from __future__ import annotations

from typing import Any

import kconfiglib
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
    STRING,
    TRISTATE,
    UNEQUAL,
    Choice,
    MenuNode,
    Symbol,
    expr_str,
)

TRI = ("n", "m", "y")
TYPE_NAMES = {BOOL: "bool", TRISTATE: "tristate", STRING: "string", INT: "int", HEX: "hex"}
OP_TEXT = {EQUAL: "=", UNEQUAL: "!=", LESS: "<", LESS_EQUAL: "<=", GREATER: ">", GREATER_EQUAL: ">="}


def is_const(sym: Any) -> bool:
    # undefined symbols such as the "109500" of "default 109500" act as constants
    return sym.__class__ is Symbol and (sym.is_constant or not sym.nodes)


def ends_with(e: Any, base: Any) -> bool:
    """Is ``base`` the innermost right operand of the AND chain ``e``?"""
    while True:
        if e is base:
            return True
        if e.__class__ is tuple and e[0] is AND:
            e = e[2]
            continue
        return False


def names_of(expr: Any) -> set[str]:
    return {s.name for s in kconfiglib.expr_items(expr) if s.__class__ is Symbol and not is_const(s)}


def node_loc(node: MenuNode, line: int | None = None) -> str:
    return f"{node.filename}:{line if line is not None else node.linenr}"


def type_name(sym: Symbol) -> str:
    return TYPE_NAMES.get(sym.orig_type, "unknown")


def range_text(lo: int, hi: int) -> str:
    if lo == hi:
        return TRI[lo]
    if hi == 2:
        return "m or y" if lo == 1 else "any"
    return "n or m" if lo == 0 else "m"


def prompt_of(item: Symbol | Choice) -> str | None:
    for n in item.nodes:
        if n.prompt:
            return str(n.prompt[0])
    return None


def choice_name(choice: Choice) -> str:
    p = prompt_of(choice)
    return f"choice '{p}'" if p else (f"choice {choice.name}" if choice.name else "choice")


def decode_version(symbol: str, value: str) -> str:
    """The x.y.z a ``*_VERSION`` number stands for ("" when it is not one)."""
    try:
        v = int(value, 0)
    except ValueError:
        return ""
    if v == 0:
        return "not found"
    # scripts/rustc-version.sh: 100000 * major + 100 * minor + patch
    if symbol == "RUSTC_VERSION":
        return f"{v // 100000}.{(v // 100) % 1000}.{v % 100}"
    if v >= 10000:
        return f"{v // 10000}.{(v // 100) % 100}.{v % 100}"
    if symbol == "PAHOLE_VERSION":
        return f"{v // 100}.{v % 100}"
    return ""


MIRROR = {EQUAL: EQUAL, UNEQUAL: UNEQUAL, LESS: GREATER, LESS_EQUAL: GREATER_EQUAL,
           GREATER: LESS, GREATER_EQUAL: LESS_EQUAL}


def cmp_range(op: int, c: int, flip: bool, want_true: bool) -> tuple[int, int] | None:
    """The tristate range of X for which ``X op c`` (``c op X`` when flipped) is ``want_true``."""
    if flip:
        op = MIRROR[op]
    ok = [x for x in (0, 1, 2) if tri_cmp(op, x, c) == want_true]
    if not ok or ok != list(range(ok[0], ok[-1] + 1)):
        return None
    return ok[0], ok[-1]


def tri_cmp(op: int, x: int, c: int) -> bool:
    return {EQUAL: x == c, UNEQUAL: x != c, LESS: x < c, LESS_EQUAL: x <= c,
            GREATER: x > c, GREATER_EQUAL: x >= c}[op]


def expr_equal(a: Any, b: Any) -> bool:
    """Structural equality of two kconfiglib expressions (C's ``expr_eq`` for printing)."""
    if a is b:
        return True
    if a.__class__ is tuple and b.__class__ is tuple:
        return len(a) == len(b) and a[0] is b[0] and all(expr_equal(x, y) for x, y in zip(a[1:], b[1:]))
    return False


def expr_with_values(e: Any, ev: Any) -> str:
    """An expression as menuconfig prints it: ``SYM [=value]`` after each symbol."""
    def sym_str(s: Any) -> str:
        if s.__class__ is Symbol and not is_const(s):
            return f"{s.name} [={ev.str_value(s)}]"
        if s.__class__ is Choice:
            return "<choice>"
        return kconfiglib.standard_sc_expr_str(s)
    return expr_str(e, sym_str)
