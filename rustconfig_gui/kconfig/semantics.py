"""Symbol values exactly as the kernel's C ``conf`` computes them.

kconfiglib parses the Kconfig tree; this module evaluates it.  kconfiglib's
own evaluation follows the C tools of 2019 and differs from every current
kernel (implied symbols, the 6.11 choice rework, int/hex defaults, range
clamping).  Rather than patch its classes (its code tests ``__class__ is
Symbol`` in many places, so subclasses are not an option), :class:`Evaluator`
ports ``scripts/kconfig/symbol.c`` and ``expr.c`` onto kconfiglib's parsed
data, switching behaviour by the version of the tree being loaded.

Values are cached until the next change, as C caches them with
``SYMBOL_VALID``.  C forgets every value on any change
(``sym_clear_all_valid``); an edit here forgets only the values that can
depend on the edited symbol (kconfiglib's ``_dependents`` graph, followed
transitively), so the rest of a 19k-symbol tree stays computed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import kconfiglib
from kconfiglib import (
    AND,
    BOOL,
    COMMENT,
    EQUAL,
    GREATER,
    GREATER_EQUAL,
    HEX,
    INT,
    LESS,
    LESS_EQUAL,
    MENU,
    NOT,
    OR,
    STRING,
    TRISTATE,
    UNEQUAL,
    UNKNOWN,
    Choice,
    MenuNode,
    Symbol,
)

_BOOL_TRI = (BOOL, TRISTATE)
_TRI_STR = ("n", "m", "y")
_LLONG_MAX = (1 << 63) - 1
_LLONG_MIN = -(1 << 63)
_ULLONG_MAX = (1 << 64) - 1
# How many dependents an edit may reach before forgetting everything is cheaper
# (measured on 7.2: ~1 µs per item reached to follow and forget; everything: ~1 ms)
PARTIAL_LIMIT = 1000
# no user value (refresh_after_input)
_NO_INPUT = object()


@dataclass(frozen=True)
class Semantics:
    """Rules that changed between kernel versions (of scripts/kconfig)."""

    # 6.11: choices are no longer symbols with a value; members are chosen by a
    # priority list (user 'y' first, then the default unless set to n, ...).
    choice_rework: bool
    # 6.12: int/hex without a default are "0"/"0x0" instead of "".
    numeric_zero_default: bool
    # 5.18 ("kconfig: fix missing '# end of' for empty menu"): a visible menu
    # without entries gets its "# end of" line too; 5.10's conf_write only
    # writes it when walking back up out of a menu's entries.
    end_of_empty_menus: bool = True

    @classmethod
    def for_version(cls, version: tuple[int, ...]) -> Semantics:
        return cls(
            choice_rework=version >= (6, 11),
            numeric_zero_default=version >= (6, 12),
            end_of_empty_menus=version >= (5, 18),
        )


def strtoll(text: str, base: int) -> tuple[int, int, bool]:
    """C ``strtoll``/``strtoull`` prefix parse: (value, chars used, overflow)."""
    m = _STRTO_RE[base].match(text)
    if not m:
        return 0, 0, False
    sign, prefix, digits = m.group(1), m.group(2), m.group(3)
    if base == 0:
        if prefix:
            real_base = 16
        elif digits.startswith("0") and len(digits) > 1:
            # octal: consume only octal digits
            om = re.match(r"0[0-7]*", digits)
            assert om is not None
            digits = om.group(0)
            real_base = 8
        else:
            real_base = 10
    else:
        real_base = base
    value = int(digits, real_base)
    if sign == "-":
        value = -value
    used = m.start(3) + len(digits)
    return value, used, False


_STRTO_RE = {
    10: re.compile(r"[ \t\n\v\f\r]*([+-]?)()(\d+)"),
    16: re.compile(r"[ \t\n\v\f\r]*([+-]?)(0[xX](?=[0-9a-fA-F]))?([0-9a-fA-F]+)"),
    0: re.compile(r"[ \t\n\v\f\r]*([+-]?)(0[xX](?=[0-9a-fA-F]))?([0-9a-fA-F]+|\d+)"),
}


def c_strtoll(text: str, base: int) -> int:
    """``strtoll(text, NULL, base)`` with C's saturation."""
    value, _, _ = strtoll(text, base)
    return max(_LLONG_MIN, min(_LLONG_MAX, value))


def _parse_kind(text: str, typ: int) -> tuple[str, int]:
    """``expr_parse_string`` of expr.c: ('s'igned, 'u'nsigned or 'str', value)."""
    if typ in _BOOL_TRI:
        return "s", {"n": 0, "m": 1, "y": 2}.get(text, -1)
    if typ == INT:
        base, kind = 10, "s"
    elif typ == HEX:
        base, kind = 16, "u"
    else:
        base, kind = 0, "s"
    if base == 0:
        m = _STRTO_RE[0].match(text)
        if m and not m.group(2) and m.group(3) and not m.group(3).isdigit():
            # base 0 without 0x: decimal digits only
            m2 = re.match(r"[ \t\n\v\f\r]*[+-]?\d+", text)
            used = m2.end() if m2 else 0
            value = int(text[:used]) if used else 0
        else:
            value, used, _ = strtoll(text, 0)
    else:
        value, used, _ = strtoll(text, base)
    overflow = (value > _ULLONG_MAX if kind == "u" else not _LLONG_MIN <= value <= _LLONG_MAX)
    if overflow or used == 0 or used != len(text) or text[used - 1] not in "0123456789abcdefABCDEF":
        return "str", 0
    if kind == "u":
        value &= _ULLONG_MAX
    return kind, value


def string_valid(typ: int, text: str) -> bool:
    """``sym_string_valid`` of symbol.c: is ``text`` well-formed for the type."""
    if typ == STRING:
        return True
    if typ == INT:
        return re.fullmatch(r"-?(0|[1-9][0-9]*)", text) is not None
    if typ == HEX:
        return re.fullmatch(r"(0[xX])?[0-9a-fA-F]+", text) is not None
    if typ in _BOOL_TRI:
        return text[:1] in ("y", "Y", "m", "M", "n", "N")
    return False


@dataclass(frozen=True)
class UserState:
    """A copy of all user input (values and choice priorities)."""

    user: dict[Symbol, int | str]
    choice_order: dict[Choice, list[Symbol]]
    choice_user_sel: dict[Choice, Symbol]
    choice_user_tri: dict[Choice, int]


@dataclass(frozen=True)
class HeldValues:
    """Copies of every value an evaluator had computed (:meth:`Evaluator.held`)."""

    caches: tuple[dict[Any, Any], ...]
    write: frozenset[Symbol]
    modules_val: int


class Evaluator:
    """The C ``conf`` value engine over one parsed kconfiglib tree."""

    def __init__(self, kconf: kconfiglib.Kconfig, semantics: Semantics,
                 transitional: frozenset[Symbol] = frozenset()) -> None:
        self.kconf = kconf
        self.sem = semantics
        self.transitional = transitional
        # before 5.18: the 'option defconfig_list' symbol is SYMBOL_NO_WRITE
        # (menu_add_option_defconfig_list), so .config never gets its line
        self.no_write: Symbol | None = kconf.defconfig_list
        # S_DEF_USER: symbol -> tristate int (bool/tristate) or str
        self.user: dict[Symbol, int | str] = {}
        # 6.11+: per-choice member priority list (user-set members move first)
        self.choice_order: dict[Choice, list[Symbol]] = {
            c: list(c.syms) for c in kconf.unique_choices
        }
        # 6.1: per-choice user selection and mode
        self.choice_user_sel: dict[Choice, Symbol] = {}
        self.choice_user_tri: dict[Choice, int] = {}
        self._tri: dict[Symbol, int] = {}
        self._str: dict[Symbol, str] = {}
        self._vis: dict[Symbol, int] = {}
        self._write: set[Symbol] = set()
        self._dir: dict[Symbol, int] = {}
        self._rev: dict[Symbol, int] = {}
        self._imp: dict[Symbol, int] = {}
        self._choice_sel: dict[Choice, Symbol | None] = {}
        self._choice_tri: dict[Choice, int] = {}
        self._menu_vis: dict[MenuNode, bool] = {}
        # what-if values of computed symbols (see assume()); empty outside plan checks
        self.assumed: dict[Symbol, str] = {}
        self.generation = 0
        self.modules_val = 0
        self.invalidate()

    # -- cache ---------------------------------------------------------------

    def invalidate(self) -> None:
        """``sym_clear_all_valid``: forget every computed value."""
        self._forget_all()
        # C computes MODULES first so every later type check sees it
        self.modules_val = self.tri(self.kconf.modules) if self.kconf.modules.nodes else 0

    def _forget_all(self) -> None:
        self._tri.clear()
        self._str.clear()
        self._vis.clear()
        self._write.clear()
        self._dir.clear()
        self._rev.clear()
        self._imp.clear()
        self._choice_sel.clear()
        self._choice_tri.clear()
        self._menu_vis.clear()
        self.generation += 1

    def invalidate_from(self, changed: Iterable[Symbol | Choice]) -> None:
        """Forget what can depend on ``changed`` (whose user input changed).

        Every value is a function of the user input through defaults, selects,
        implies, ranges, prompt conditions and choices, all of which kconfiglib
        records as ``_dependents`` (choice members and their choice both ways);
        what no path leads to keeps its value.  Most options reach a handful of
        others; a few (NET, PCI, EXPERT) reach half the tree, and following
        those costs more than computing again what is on screen, so past
        :data:`PARTIAL_LIMIT` everything goes, as it does when MODULES' value
        (every tristate's type) changes.
        """
        seen: set[object] = set(changed)
        frontier = set(seen)
        while frontier:
            reached: set[object] = set()
            for item in frontier:
                reached.update(item._dependents)  # type: ignore[attr-defined]
            frontier = reached - seen
            seen |= frontier
            if len(seen) > PARTIAL_LIMIT:
                self.invalidate()
                return
        # a menu's visibility is cheap to compute again from the symbols it reads
        self._menu_vis.clear()
        for cache in (self._tri, self._str, self._vis, self._dir, self._rev, self._imp,
                      self._choice_sel, self._choice_tri):
            for item in seen:
                cache.pop(item, None)  # type: ignore[call-overload]
        self._write.difference_update(seen)
        self.generation += 1
        modules = self.kconf.modules
        if modules in seen and modules.nodes:
            old = self.modules_val
            self.modules_val = self.tri(modules)
            if self.modules_val != old:
                self.invalidate()

    # -- expressions ---------------------------------------------------------

    def expr(self, e: object) -> int:
        """``expr_calc_value``."""
        # the hottest code of the tool: symbols first, and no min()/max() calls
        cls = e.__class__
        if cls is Symbol:
            v = self._tri.get(e)  # type: ignore[call-overload]
            if v is None:
                self._calc(e)  # type: ignore[arg-type]
                v = self._tri[e]  # type: ignore[index]
            return v  # type: ignore[no-any-return]
        if cls is tuple:
            op = e[0]  # type: ignore[index]
            if op is AND:
                a = self.expr(e[1])  # type: ignore[index]
                if a == 0:
                    return 0
                b = self.expr(e[2])  # type: ignore[index]
                return a if a < b else b
            if op is OR:
                a = self.expr(e[1])  # type: ignore[index]
                if a == 2:
                    return 2
                b = self.expr(e[2])  # type: ignore[index]
                return a if a > b else b
            if op is NOT:
                return 2 - self.expr(e[1])  # type: ignore[index]
            return self._compare(op, e[1], e[2])  # type: ignore[index]
        if cls is Choice:
            return self._choice_as_dep(e)  # type: ignore[arg-type]
        return self.tri(e)  # type: ignore[arg-type]

    def _compare(self, op: int, a: Symbol, b: Symbol) -> int:
        s1, s2 = self.str_value(a), self.str_value(b)
        t1, t2 = self._raw_type(a), self._raw_type(b)
        k1 = k2 = "str"
        v1 = v2 = 0
        if t1 != STRING or t2 != STRING:
            k1, v1 = _parse_kind(s1, t1)
            k2, v2 = _parse_kind(s2, t2)
        if k1 == "str" or k2 == "str":
            res = (s1.encode() > s2.encode()) - (s1.encode() < s2.encode())
        elif k1 == "u" or k2 == "u":
            u1, u2 = v1 & _ULLONG_MAX, v2 & _ULLONG_MAX
            res = (u1 > u2) - (u1 < u2)
        else:
            res = (v1 > v2) - (v1 < v2)
        if op is EQUAL:
            ok = res == 0
        elif op is UNEQUAL:
            ok = res != 0
        elif op is LESS:
            ok = res < 0
        elif op is LESS_EQUAL:
            ok = res <= 0
        elif op is GREATER:
            ok = res > 0
        elif op is GREATER_EQUAL:
            ok = res >= 0
        else:  # pragma: no cover - kconfiglib has no other relations
            raise ValueError(op)
        return 2 if ok else 0

    @staticmethod
    def _raw_type(sym: Symbol) -> int:
        if sym.is_constant:
            # n/m/y are tristate constants in C; other constants are S_UNKNOWN
            return TRISTATE if sym.name in ("n", "m", "y") and sym.kconfig.const_syms.get(sym.name) is sym else UNKNOWN
        return sym.orig_type

    # -- types and visibility -------------------------------------------------

    def sym_type(self, sym: Symbol) -> int:
        """``sym_get_type``: tristate becomes bool without modules."""
        t = sym.orig_type
        if t == TRISTATE:
            if not self.sem.choice_rework and sym.choice is not None and self.visibility(sym) == 2:
                return BOOL
            if self.modules_val == 0:
                return BOOL
        return t

    def visibility(self, sym: Symbol) -> int:
        v = self._vis.get(sym)
        if v is None:
            self._calc_visibility(sym)
            v = self._vis[sym]
        return v

    def _calc_visibility(self, sym: Symbol) -> None:
        if sym in self.transitional:
            # 6.18+: visible so a value read from an old .config counts
            self._vis[sym] = 2
            self._dir[sym] = self._rev[sym] = self._imp[sym] = 0
            return
        tri = 0
        old_choice = sym.choice is not None and not self.sem.choice_rework
        for node in sym.nodes:
            if node.prompt:
                pv = self.expr(node.prompt[1])
                if old_choice and sym.orig_type == TRISTATE and pv == 1 and self.choice_tri(sym.choice) == 2:
                    pv = 0
                tri = max(tri, pv)
        if old_choice and sym.choice.orig_type == TRISTATE and sym.orig_type != TRISTATE \
                and self.choice_tri(sym.choice) != 2:
            # bool members of a tristate choice are only visible in y mode
            tri = 0
        if tri == 1 and (sym.orig_type != TRISTATE or self.modules_val == 0):
            tri = 2
        self._vis[sym] = tri
        if sym.choice is not None:
            # C leaves these unset for choice members
            self._dir[sym] = self._rev[sym] = self._imp[sym] = 0
            return
        is_bool = self.sym_type(sym) == BOOL
        d = self.expr(sym.direct_dep) if sym.direct_dep is not None else 2
        if d == 1 and is_bool:
            d = 2
        r = self.expr(sym.rev_dep)
        if r == 1 and is_bool:
            r = 2
        i = self.expr(sym.weak_rev_dep)
        if i == 1 and is_bool:
            i = 2
        self._dir[sym], self._rev[sym], self._imp[sym] = d, r, i

    def dir_dep(self, sym: Symbol) -> int:
        self.visibility(sym)
        return self._dir[sym]

    def rev_dep(self, sym: Symbol) -> int:
        self.visibility(sym)
        return self._rev[sym]

    def implied(self, sym: Symbol) -> int:
        self.visibility(sym)
        return self._imp[sym]

    # -- values ---------------------------------------------------------------

    def tri(self, sym: Symbol) -> int:
        """The tristate value (``curr.tri``): 0, 1 or 2."""
        v = self._tri.get(sym)
        if v is None:
            self._calc(sym)
            v = self._tri[sym]
        return v

    def str_value(self, sym: Symbol) -> str:
        """``sym_get_string_value``."""
        if sym.orig_type in _BOOL_TRI:
            return _TRI_STR[self.tri(sym)]
        v = self._str.get(sym)
        if v is None:
            self._calc(sym)
            v = self._str[sym]
        return v

    def written(self, sym: Symbol) -> bool:
        """``SYMBOL_WRITE``: does .config get a line for this symbol."""
        if sym not in self._tri:
            self._calc(sym)
        return sym in self._write

    def has_user(self, sym: Symbol) -> bool:
        return sym in self.user

    def _calc(self, sym: Symbol) -> None:
        typ = sym.orig_type
        if sym.is_constant or typ == UNKNOWN:
            if sym.is_constant and self._raw_type(sym) == TRISTATE:
                self._tri[sym] = ("n", "m", "y").index(sym.name)
            else:
                self._tri[sym] = 0
            self._str[sym] = sym.name
            return

        if typ == INT:
            newstr = "0" if self.sem.numeric_zero_default else ""
        elif typ == HEX:
            newstr = "0x0" if self.sem.numeric_zero_default else ""
        else:
            newstr = ""
        write = False
        vis = self.visibility(sym)
        if vis:
            write = True
        # value seen by recursive calls
        self._tri[sym] = 0
        self._str[sym] = newstr if typ not in _BOOL_TRI else "n"
        self._write.discard(sym)
        newtri = 0

        if typ in _BOOL_TRI:
            if sym.choice is not None and self.sem.choice_rework:
                sel = self.choice_selection(sym.choice)
                newtri = 2 if (sel is sym and vis) else 0
                if vis:
                    write = True
            elif sym.choice is not None and vis == 2 and not (
                    sym.orig_type == TRISTATE and self.choice_tri(sym.choice) != 2):
                newtri = 2 if self.choice_selection(sym.choice) is sym else 0
            elif sym.choice is not None:
                # member of an m-mode (or hidden) choice, pre-6.11 rules
                uv = self.user.get(sym)
                newtri = 1 if (vis and uv) else 0
            else:
                uv = self.user.get(sym)
                if vis and uv is not None:
                    newtri = min(int(uv), vis)
                else:
                    # visibility() above has set _rev/_imp/_dir
                    if self._rev[sym]:
                        write = True
                    for default, cond in sym.defaults:
                        cv = self.expr(cond)
                        if cv:
                            newtri = min(self.expr(default), cv)
                            if newtri:
                                write = True
                            break
                    imp = self._imp[sym]
                    if imp:
                        write = True
                        newtri = min(max(newtri, imp), self._dir[sym])
                rev = self._rev[sym]
                if rev > newtri:
                    newtri = rev
            if newtri == 1 and self.sym_type(sym) == BOOL:
                newtri = 2
            self._tri[sym] = newtri
            self._str[sym] = _TRI_STR[newtri]
        else:
            val = newstr
            uv = self.user.get(sym)
            if vis and uv is not None:
                val = str(uv)
            else:
                for default, cond in sym.defaults:
                    if self.expr(cond):
                        write = True
                        val = self.str_value(default)
                        break
            val = self._validate_range(sym, val)
            self._str[sym] = val
            self._tri[sym] = 0
        # transitional symbols feed old values into defaults; never written
        if write and sym not in self.transitional and sym is not self.no_write:
            self._write.add(sym)
        if self.assumed:
            forced = self.assumed.get(sym)
            if forced is not None:
                if typ in _BOOL_TRI:
                    self._tri[sym] = _TRI_STR.index(forced)
                self._str[sym] = forced

    def _validate_range(self, sym: Symbol, val: str) -> str:
        """``sym_validate_range``: clamp to the active range's bound text."""
        if sym.orig_type == INT:
            base = 10
        elif sym.orig_type == HEX:
            base = 16
        else:
            return val
        for low, high, cond in sym.ranges:  # noqa: B007 - the active range is used below
            if self.expr(cond):
                break
        else:
            return val
        v = c_strtoll(val, base)
        if v >= self._range_val(low, base):
            if v <= self._range_val(high, base):
                return val
            return self.str_value(high)
        return self.str_value(low)

    def _range_val(self, sym: Symbol, base: int) -> int:
        s = self.str_value(sym)
        if not sym.is_constant:
            if sym.orig_type == INT:
                base = 10
            elif sym.orig_type == HEX:
                base = 16
        return c_strtoll(s, base)

    # -- choices ----------------------------------------------------------------

    def _choice_as_dep(self, choice: Choice) -> int:
        if self.sem.choice_rework:
            # 6.11+: members depend on the choice's dependencies, not its value
            v = 0
            for node in choice.nodes:
                v = max(v, self.expr(node.dep))
            return v
        return self.choice_tri(choice)

    def choice_visibility(self, choice: Choice) -> int:
        vis = 0
        for node in choice.nodes:
            if node.prompt:
                vis = max(vis, self.expr(node.prompt[1]))
        if vis == 1 and (choice.orig_type != TRISTATE or self.modules_val == 0):
            vis = 2
        return vis

    def choice_tri(self, choice: Choice) -> int:
        """Pre-6.11 value (mode) of a choice; 6.11+ choices are bool y when visible."""
        v = self._choice_tri.get(choice)
        if v is not None:
            return v
        self._choice_tri[choice] = 0
        vis = self.choice_visibility(choice)
        if self.sem.choice_rework:
            v = 2 if vis else 0
        else:
            v = 0 if choice.is_optional else 1
            uv = self.choice_user_tri.get(choice)
            if uv is not None:
                v = max(v, uv)
            v = min(v, vis)
            if v == 1 and (choice.orig_type == BOOL or self.modules_val == 0):
                v = 2
        self._choice_tri[choice] = v
        return v

    def choice_default(self, choice: Choice) -> Symbol | None:
        """``sym_choice_default``."""
        for sym, cond in choice.defaults:
            if self.expr(cond) and self.visibility(sym):
                return sym
        for sym in choice.syms:
            if self.visibility(sym):
                return sym
        return None

    def choice_selection(self, choice: Choice) -> Symbol | None:
        if choice in self._choice_sel:
            return self._choice_sel[choice]
        self._choice_sel[choice] = None
        if self.sem.choice_rework:
            res = self._calc_choice_611(choice)
        else:
            res = None
            if self.choice_tri(choice) == 2:
                us = self.choice_user_sel.get(choice)
                if us is not None and self.visibility(us):
                    res = us
                else:
                    res = self.choice_default(choice)
        self._choice_sel[choice] = res
        return res

    def _calc_choice_611(self, choice: Choice) -> Symbol | None:
        """``sym_calc_choice`` of 6.11+."""
        order = self.choice_order[choice]
        res = None
        for sym in order:
            if not self.visibility(sym):
                continue
            if self.user.get(sym) == 2:
                res = sym
                break
        if res is None:
            res = self.choice_default(choice)
            if res is not None and self.user.get(res) == 0:
                res = None
        if res is None:
            for sym in choice.syms:
                if self.visibility(sym) and sym not in self.user:
                    res = sym
                    break
        if res is None:
            for sym in reversed(order):
                if self.visibility(sym):
                    res = sym
                    break
        return res

    # -- user input ---------------------------------------------------------------

    def set_user(self, sym: Symbol, value: int | str) -> None:
        """Record a user value the way ``conf_set_sym_val`` stores it."""
        self.user[sym] = value
        if sym.choice is not None:
            if self.sem.choice_rework:
                # a member read from a .config gets the highest priority
                order = self.choice_order[sym.choice]
                order.remove(sym)
                order.insert(0, sym)
            else:
                c = sym.choice
                if value == 2:
                    self.choice_user_sel[c] = sym
                self.choice_user_tri[c] = max(self.choice_user_tri.get(c, 0), int(value))

    # -- edits, as the interactive front ends of the C tool make them ---------------

    def tristate_within_range(self, sym: Symbol, val: int) -> bool:
        """``sym_tristate_within_range``: may the user set ``val`` now?"""
        vis = self.visibility(sym)
        if vis == 0 or sym.orig_type not in _BOOL_TRI:
            return False
        if self.sym_type(sym) == BOOL and val == 1:
            return False
        rev = self.rev_dep(sym)
        if vis <= rev:
            return False
        return rev <= val <= vis

    def assignable(self, sym: Symbol) -> tuple[int, ...]:
        """The tristate values the user can choose (empty when none)."""
        if sym.choice is not None:
            return (2,) if self.visibility(sym) else ()
        return tuple(v for v in (0, 1, 2) if self.tristate_within_range(sym, v))

    def string_within_range(self, sym: Symbol, text: str) -> bool:
        """``sym_string_within_range`` for string/int/hex."""
        if sym.orig_type == STRING:
            return True
        if not string_valid(sym.orig_type, text):
            return False
        if sym.orig_type not in (INT, HEX):
            return False
        base = 10 if sym.orig_type == INT else 16
        for low, high, cond in sym.ranges:
            if self.expr(cond):
                v = c_strtoll(text, base)
                return self._range_val(low, base) <= v <= self._range_val(high, base)
        return True

    def active_range(self, sym: Symbol) -> tuple[str, str] | None:
        for low, high, cond in sym.ranges:
            if self.expr(cond):
                return self.str_value(low), self.str_value(high)
        return None

    def set_value(self, sym: Symbol, value: int | str) -> bool:
        """Set a user value like ``sym_set_tristate_value``/``sym_set_string_value``/
        ``choice_set_value``; False (and nothing changed) when not allowed."""
        if sym.orig_type in _BOOL_TRI:
            val = int(value) if not isinstance(value, str) else {"n": 0, "m": 1, "y": 2}.get(value[:1].lower(), -1)
            if sym.choice is not None:
                if val != 2 or not self.visibility(sym):
                    return False
                self.choose(sym)
                return True
            if not self.tristate_within_range(sym, val):
                return False
            self.user[sym] = val
            self.invalidate_from((sym,))
            return True
        text = str(value)
        if "\n" in text:
            # no .config line can hold it: written out, the rest would become lines of their own
            return False
        if not self.string_within_range(sym, text):
            return False
        if sym.orig_type == HEX and text[:2].lower() != "0x":
            text = "0x" + text
        self.user[sym] = text
        self.invalidate_from((sym,))
        return True

    def choose(self, sym: Symbol) -> None:
        """Make ``sym`` the selected member of its choice (``choice_set_value``)."""
        choice = sym.choice
        if self.sem.choice_rework:
            order = self.choice_order[choice]
            # every visible member gets a user value; the chosen one goes first
            # every visible member gets a user value and moves to the front in
            # menu order, as list_move() does in the C loop
            for m in choice.syms:
                if self.visibility(m):
                    self.user[m] = 2 if m is sym else 0
                    order.remove(m)
                    order.insert(0, m)
        else:
            self.user[sym] = 2
            self.choice_user_sel[choice] = sym
            self.choice_user_tri[choice] = 2
        self.invalidate_from((choice, *choice.syms))

    def unset(self, sym: Symbol) -> None:
        """Forget the user value (the symbol goes back to its default)."""
        self.user.pop(sym, None)
        self.invalidate_from((sym,) if sym.choice is None else (sym, sym.choice))

    def snapshot(self) -> UserState:
        """Every user input, to return to later (undo, trial applications)."""
        return UserState(dict(self.user), {c: list(o) for c, o in self.choice_order.items()},
                         dict(self.choice_user_sel), dict(self.choice_user_tri))

    def assume(self, sym: Symbol, value: str) -> None:
        """Evaluate as if ``sym`` had computed ``value`` ("n"/"m"/"y" or the text of a
        string/int/hex), whatever its defaults, selects or user value say.

        Only for checking a plan whose steps lie outside the configuration (a
        working toolchain makes RUST_IS_AVAILABLE y, a newer pahole raises
        PAHOLE_VERSION): every other value is then computed from it as usual.
        Never part of a saved configuration; :meth:`restore` drops all assumptions.
        """
        if sym.orig_type in _BOOL_TRI and value not in _TRI_STR:
            raise ValueError(f"{sym.name} is bool/tristate: assume n, m or y, not {value!r}")
        self.assumed[sym] = value
        # only ``sym``'s own value is forced: what can read it is forgotten
        self.invalidate_from((sym,))

    def held(self) -> HeldValues:
        """A copy of the values computed so far, to put back with :meth:`restore`
        together with the input they were computed from (a trial that changes
        the input and goes back need not compute everything again)."""
        return HeldValues(tuple(dict(c) for c in self._caches()), frozenset(self._write), self.modules_val)

    def _caches(self) -> tuple[dict[Any, Any], ...]:
        return (self._tri, self._str, self._vis, self._dir, self._rev, self._imp, self._choice_sel,
                self._choice_tri, self._menu_vis)

    def restore(self, state: UserState, held: HeldValues | None = None) -> None:
        """Back to the input ``state`` (no assumptions); with ``held``, the values
        :meth:`held` copied while that was the input (and nothing was assumed)."""
        self.assumed = {}
        self.user = dict(state.user)
        self.choice_order = {c: list(o) for c, o in state.choice_order.items()}
        self.choice_user_sel = dict(state.choice_user_sel)
        self.choice_user_tri = dict(state.choice_user_tri)
        if held is None:
            self.invalidate()
            return
        for cache, copy in zip(self._caches(), held.caches):
            cache.clear()
            cache.update(copy)
        self._write = set(held.write)
        self.modules_val = held.modules_val
        self.generation += 1

    def clear_user(self, *, refresh: bool = True) -> None:
        """Drop every user input; ``refresh=False``: see :meth:`refresh_after_input`."""
        self.user.clear()
        self.choice_user_sel.clear()
        self.choice_user_tri.clear()
        self.choice_order = {c: list(c.syms) for c in self.kconf.unique_choices}
        if refresh:
            self.invalidate()

    def refresh_after_input(self, before: UserState, generation: int) -> None:
        """Forget what the user input changed since ``before`` can reach.

        For input changed without refreshing (``clear_user(refresh=False)``,
        ``set_user``) while the values computed for ``before`` are still held
        (``generation`` is still :attr:`generation`).  A symbol given a user
        value that leaves it at the value it holds, every other value staying,
        changes nothing; nor does a choice whose selection stays.  Merging a
        saved configuration over itself (``merge_config.sh``, presets) gives
        thousands of symbols such a value: all of them would otherwise be
        computed again.  What is left is forgotten with what it reaches
        (:meth:`invalidate_from`); the values then are those a full
        evaluation gives, as long as no symbol depends on itself (the C tool
        warns about those).  Pre-6.11 rules (choice modes, ranges checked
        while reading) and assumptions forget everything.
        """
        if generation != self.generation or not self.sem.choice_rework or self.assumed:
            self.invalidate()
            return
        changed: list[Symbol | Choice] = []
        choices: set[Choice] = set()
        old_user, new_user = before.user, self.user
        for sym in old_user.keys() | new_user.keys():
            new = new_user.get(sym, _NO_INPUT)
            if old_user.get(sym, _NO_INPUT) == new:
                continue
            if sym.choice is not None:
                choices.add(sym.choice)
            elif not self._value_stands(sym, new):
                changed.append(sym)
        for choice, order in self.choice_order.items():
            if order != before.choice_order.get(choice):
                choices.add(choice)
        for choice in choices:
            if not self._selection_stands(choice):
                changed.append(choice)
                changed.extend(choice.syms)
        self.invalidate_from(changed)

    def _value_stands(self, sym: Symbol, uv: int | str | object) -> bool:
        """Would ``sym`` (not a choice member) keep the value held for it with the
        user value ``uv`` (or none), every other value staying as held?"""
        vis = self._vis.get(sym)
        held = self._tri.get(sym)
        if vis is None or held is None:
            return False
        if not vis:
            return True  # a hidden symbol's user value is not read (_calc)
        if uv is _NO_INPUT:
            return False  # its defaults decide now: computed again
        if sym.orig_type in _BOOL_TRI:
            newtri = int(uv)  # type: ignore[arg-type]
            if vis < newtri:
                newtri = vis
            rev = self._rev[sym]
            if rev > newtri:
                newtri = rev
            if newtri == 1 and self.sym_type(sym) == BOOL:
                newtri = 2
            return newtri == held
        return self._validate_range(sym, str(uv)) == self._str.get(sym)

    def _selection_stands(self, choice: Choice) -> bool:
        """Would a 6.11+ ``choice`` select the member it holds with the user input now?"""
        held = self._choice_sel.get(choice, _NO_INPUT)
        if held is _NO_INPUT or any(m not in self._vis for m in choice.syms):
            return False
        return self._calc_choice_611(choice) is held

    # -- helpers for writers and the UI ------------------------------------------

    def menu_is_visible(self, node: MenuNode) -> bool:
        """``menu_is_visible`` for menus and comments (no symbol)."""
        seen = self._menu_vis.get(node)
        if seen is None:
            seen = self._menu_vis[node] = self._menu_is_visible(node)
        return seen

    def _menu_is_visible(self, node: MenuNode) -> bool:
        if not node.prompt:
            return False
        if node.item is MENU and node.visibility is not self.kconf.y:
            if self.expr(node.visibility) == 0:
                return False
        if node.item.__class__ is Symbol or node.item.__class__ is Choice:
            vis = self.expr(node.prompt[1])
            if vis:
                return True
            # a hidden entry shows only for a visible child: without children its
            # value (which can need every symbol selecting it) decides nothing
            if node.list is None or node.item.__class__ is Choice:
                return False
            if self.tri(node.item) == 0:
                return False
            child = node.list
            while child:
                if self.menu_is_visible(child):
                    return True
                child = child.next
            return False
        return self.expr(node.prompt[1]) != 0

    def is_changeable(self, sym: Symbol) -> bool:
        """``sym_is_changeable``."""
        return self.visibility(sym) > self.rev_dep(sym)

    def string_default(self, sym: Symbol) -> str:
        """``sym_get_string_default`` (used by savedefconfig)."""
        self.visibility(sym)
        val = 0
        s = ""
        for default, cond in sym.defaults:
            cv = self.expr(cond)
            if cv:
                if sym.orig_type in _BOOL_TRI:
                    val = min(self.expr(default), cv)
                else:
                    s = self.str_value(default)
                break
        val = max(val, self.rev_dep(sym))
        if val == 1 and sym.choice is None and self.modules_val == 0:
            val = 2
        if sym.orig_type == BOOL and val == 1:
            val = 2
        if val < self.implied(sym):
            val = self.implied(sym)
        if sym.orig_type in _BOOL_TRI:
            return _TRI_STR[val]
        if self.sem.numeric_zero_default:
            if sym.orig_type == INT and not s:
                return "0"
            if sym.orig_type == HEX and not s:
                return "0x0"
        return s

    def walk(self, node: MenuNode | None = None) -> Iterator[MenuNode]:
        """Depth-first over all menu nodes below ``node`` (``menu_for_each_entry``)."""
        start = node or self.kconf.top_node
        cur = start.list
        while cur:
            yield cur
            if cur.list:
                cur = cur.list
                continue
            while cur is not None and cur.next is None:
                cur = cur.parent
                if cur is start:
                    return
            if cur is None:
                return
            cur = cur.next


def is_comment_or_menu(node: MenuNode) -> bool:
    return node.item is MENU or node.item is COMMENT
