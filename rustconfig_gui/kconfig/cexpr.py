"""Expressions as the C tools rewrite them (``scripts/kconfig/expr.c``), on kconfiglib's tuples.

``menu_finalize`` builds every dependency with ``expr_transform`` and
``expr_eliminate_dups`` (``expr_join_and``/``expr_join_or``,
``expr_eliminate_yn``); menuconfig's help screens print the result.
"""

from __future__ import annotations

from collections.abc import Iterator

from kconfiglib import (
    AND,
    BOOL,
    EQUAL,
    GREATER,
    GREATER_EQUAL,
    LESS,
    LESS_EQUAL,
    NOT,
    OR,
    TRISTATE,
    UNEQUAL,
    Symbol,
)


def and_leaves(e: object) -> list[object]:
    if e.__class__ is tuple and e[0] is AND:  # type: ignore[index]
        return and_leaves(e[1]) + and_leaves(e[2])  # type: ignore[index]
    return [e]


class CExpr:
    """The C tools' expression rewriting used when they build dependencies:
    ``expr_transform``, ``expr_eliminate_dups`` (with ``expr_join_and``/
    ``expr_join_or``) and ``expr_eliminate_yn`` of scripts/kconfig/expr.c,
    on kconfiglib's expression tuples."""

    def __init__(self, kconf: object) -> None:
        self.y = kconf.y  # type: ignore[attr-defined]
        self.n = kconf.n  # type: ignore[attr-defined]
        self.m = kconf.m  # type: ignore[attr-defined]

    def and_(self, a: object, b: object) -> object:
        """``expr_alloc_and`` (no dependency is kconfiglib's y, C's NULL)."""
        if a is self.y:
            return b
        if b is self.y:
            return a
        return (AND, a, b)

    @staticmethod
    def _bool(s: object) -> bool:
        return s.__class__ is Symbol and s.orig_type == BOOL and not s.is_constant  # type: ignore[attr-defined]

    def transform(self, e: object) -> object:
        if e.__class__ is not tuple:
            return e
        op = e[0]  # type: ignore[index]
        if op is AND or op is OR:
            e = (op, self.transform(e[1]), self.transform(e[2]))  # type: ignore[index]
        elif op is NOT:
            e = (NOT, self.transform(e[1]))  # type: ignore[index]
        if op is EQUAL and self._bool(e[1]):  # type: ignore[index]
            if e[2] is self.n:  # type: ignore[index]
                return (NOT, e[1])  # type: ignore[index]
            if e[2] is self.m:  # type: ignore[index]
                return self.n
            if e[2] is self.y:  # type: ignore[index]
                return e[1]  # type: ignore[index]
        elif op is UNEQUAL and self._bool(e[1]):  # type: ignore[index]
            if e[2] is self.n:  # type: ignore[index]
                return e[1]  # type: ignore[index]
            if e[2] is self.m:  # type: ignore[index]
                return self.y
            if e[2] is self.y:  # type: ignore[index]
                return (NOT, e[1])  # type: ignore[index]
        elif op is NOT:
            inner = e[1]  # type: ignore[index]
            if inner.__class__ is tuple:
                iop = inner[0]
                if iop is NOT:
                    return inner[1]
                if iop is EQUAL or iop is UNEQUAL:
                    return (UNEQUAL if iop is EQUAL else EQUAL, inner[1], inner[2])
                if iop is LESS_EQUAL or iop is GREATER_EQUAL:
                    return (GREATER if iop is LESS_EQUAL else LESS, inner[1], inner[2])
                if iop is LESS or iop is GREATER:
                    return (GREATER_EQUAL if iop is LESS else LESS_EQUAL, inner[1], inner[2])
                if iop is OR:
                    return self.transform((AND, (NOT, inner[1]), (NOT, inner[2])))
                if iop is AND:
                    return self.transform((OR, (NOT, inner[1]), (NOT, inner[2])))
            elif inner is self.y:
                return self.n
            elif inner is self.m:
                return self.m
            elif inner is self.n:
                return self.y
        return e

    def eliminate_dups(self, e: object) -> object:
        while True:
            self._count = 0
            if e.__class__ is tuple and e[0] in (AND, OR):  # type: ignore[index]
                op = e[0]  # type: ignore[index]
                left = self.eliminate_dups(e[1])  # type: ignore[index]
                right = self.eliminate_dups(e[2])  # type: ignore[index]
                left, right = self._dups1(op, left, right)
                e = (op, left, right)
            e = self.eliminate_yn(e)
            if not self._count:
                return e

    def _dups1(self, op: object, e1: object, e2: object) -> tuple[object, object]:
        if e1.__class__ is tuple and e1[0] is op:  # type: ignore[index]
            left, e2 = self._dups1(op, e1[1], e2)  # type: ignore[index]
            right, e2 = self._dups1(op, e1[2], e2)  # type: ignore[index]
            return (op, left, right), e2
        if e2.__class__ is tuple and e2[0] is op:  # type: ignore[index]
            e1, left = self._dups1(op, e1, e2[1])  # type: ignore[index]
            e1, right = self._dups1(op, e1, e2[2])  # type: ignore[index]
            return e1, (op, left, right)
        tmp = self.join_or(e1, e2) if op is OR else self.join_and(e1, e2)
        if tmp is not None:
            self._count += 1
            return (self.n if op is OR else self.y), tmp
        return e1, e2

    def _leaf_sym(self, e1: object, e2: object) -> Symbol | None:
        kinds = (EQUAL, UNEQUAL, NOT)
        for e in (e1, e2):
            if e.__class__ is tuple and e[0] not in kinds:  # type: ignore[index]
                return None
            if e.__class__ is not tuple and e.__class__ is not Symbol:
                return None
        if e1.__class__ is tuple and e1[0] is NOT:  # type: ignore[index]
            t = e1[1]  # type: ignore[index]
            if t.__class__ is tuple and t[0] not in (EQUAL, UNEQUAL):
                return None
            s1 = t[1] if t.__class__ is tuple else t
        else:
            s1 = e1[1] if e1.__class__ is tuple else e1  # type: ignore[index]
        if e2.__class__ is tuple and e2[0] is NOT:  # type: ignore[index]
            if e2[1].__class__ is not Symbol:  # type: ignore[index]
                return None
            s2 = e2[1]  # type: ignore[index]
        else:
            s2 = e2[1] if e2.__class__ is tuple else e2  # type: ignore[index]
        if s1 is not s2 or s1.__class__ is not Symbol or s1.orig_type not in (BOOL, TRISTATE):
            return None
        return s1  # type: ignore[return-value]

    @staticmethod
    def _is(e: object, op: object, right: object) -> bool:
        return e.__class__ is tuple and e[0] is op and e[2] is right  # type: ignore[index]

    def join_or(self, e1: object, e2: object) -> object | None:
        if expr_eq(e1, e2):
            return e1
        sym = self._leaf_sym(e1, e2)
        if sym is None:
            return None
        y, m, n = self.y, self.m, self.n
        if sym.orig_type == TRISTATE:
            for a, b, res in ((y, m, n), (y, n, m), (m, n, y)):
                if (self._is(e1, EQUAL, a) and self._is(e2, EQUAL, b)) or \
                        (self._is(e1, EQUAL, b) and self._is(e2, EQUAL, a)):
                    return (UNEQUAL, sym, res)
        if sym.orig_type == BOOL:
            if (e1.__class__ is tuple and e1[0] is NOT and e1[1].__class__ is Symbol  # type: ignore[index]
                    and e2.__class__ is Symbol) or \
                    (e2.__class__ is tuple and e2[0] is NOT and e2[1].__class__ is Symbol  # type: ignore[index]
                     and e1.__class__ is Symbol):
                return y
        return None

    def join_and(self, e1: object, e2: object) -> object | None:
        if expr_eq(e1, e2):
            return e1
        sym = self._leaf_sym(e1, e2)
        if sym is None:
            return None
        y, m, n = self.y, self.m, self.n
        s1, s2 = e1.__class__ is Symbol, e2.__class__ is Symbol
        if (s1 and self._is(e2, EQUAL, y)) or (s2 and self._is(e1, EQUAL, y)):
            return (EQUAL, sym, y)
        if (s1 and self._is(e2, UNEQUAL, n)) or (s2 and self._is(e1, UNEQUAL, n)):
            return sym
        if (s1 and self._is(e2, UNEQUAL, m)) or (s2 and self._is(e1, UNEQUAL, m)):
            return (EQUAL, sym, y)
        if sym.orig_type == TRISTATE:
            for a, b in ((e1, e2), (e2, e1)):
                if a.__class__ is tuple and b.__class__ is tuple and a[0] is EQUAL and b[0] is UNEQUAL \
                        and a[2].is_constant and b[2].is_constant:  # type: ignore[index]
                    return (EQUAL, sym, a[2]) if a[2] is not b[2] else n  # type: ignore[index]
            for a, b, res in ((y, n, m), (y, m, n), (m, n, y)):
                if (self._is(e1, UNEQUAL, a) and self._is(e2, UNEQUAL, b)) or \
                        (self._is(e1, UNEQUAL, b) and self._is(e2, UNEQUAL, a)):
                    return (EQUAL, sym, res)
        return None

    def eliminate_yn(self, e: object) -> object:
        if e.__class__ is not tuple or e[0] not in (AND, OR):  # type: ignore[index]
            return e
        op = e[0]  # type: ignore[index]
        left = self.eliminate_yn(e[1])  # type: ignore[index]
        right = self.eliminate_yn(e[2])  # type: ignore[index]
        y, n = self.y, self.n
        if op is AND:
            if left is n or right is n:
                return n
            if left is y:
                return right
            if right is y:
                return left
        else:
            if left is y or right is y:
                return y
            if left is n:
                return right
            if right is n:
                return left
        return (op, left, right)

    def combine(self, parent: object, own: object) -> object:
        """``expr_eliminate_dups(expr_alloc_and(parent, expr_transform(own)))``."""
        own = self.transform(own) if own is not self.y else own
        return self.eliminate_dups(self.and_(parent, own))


def contains_symbol(e: object, sym: Symbol) -> bool:
    """``expr_contains_symbol``."""
    if e is sym:
        return True
    if e.__class__ is tuple:
        return any(contains_symbol(x, sym) for x in e[1:])  # type: ignore[index]
    return False


def depends_on_symbol(e: object, sym: Symbol, kconf: object) -> bool:
    """``expr_depends_symbol``: an AND term that is ``sym``, ``sym=y/m`` or ``sym!=n``."""
    if e is sym:
        return True
    if e.__class__ is not tuple:
        return False
    op = e[0]  # type: ignore[index]
    if op is AND:
        return depends_on_symbol(e[1], sym, kconf) or depends_on_symbol(e[2], sym, kconf)  # type: ignore[index]
    if op is EQUAL and e[1] is sym:  # type: ignore[index]
        return e[2] is kconf.y or e[2] is kconf.m  # type: ignore[attr-defined,index]
    if op is UNEQUAL and e[1] is sym:  # type: ignore[index]
        return e[2] is kconf.n  # type: ignore[attr-defined,index]
    return False


def ends_with(e: object, base: object) -> bool:
    while True:
        if e is base:
            return True
        if e.__class__ is tuple and e[0] is AND:  # type: ignore[index]
            e = e[2]  # type: ignore[index]
            continue
        return False


def expr_eq(a: object, b: object) -> bool:
    if a is b:
        return True
    if a.__class__ is tuple and b.__class__ is tuple:
        return len(a) == len(b) and a[0] is b[0] and all(  # type: ignore[arg-type,index]
            expr_eq(x, y) for x, y in zip(a[1:], b[1:]))  # type: ignore[index]
    return False


def or_terms(e: object) -> Iterator[object]:
    if e.__class__ is tuple and e[0] is OR:  # type: ignore[index]
        yield from or_terms(e[1])  # type: ignore[index]
        yield from or_terms(e[2])  # type: ignore[index]
    else:
        yield e


def strip_tail(cond: object, dep: object, y: object) -> list[object]:
    """The terms of ``cond`` = ``extra && dep`` before ``dep``."""
    if dep is y:
        return and_leaves(cond)
    out: list[object] = []
    e = cond
    while e is not dep and e.__class__ is tuple and e[0] is AND:  # type: ignore[index]
        out += and_leaves(e[1])  # type: ignore[index]
        e = e[2]  # type: ignore[index]
    return out


def same_terms(a: list[object], b: list[object]) -> bool:
    """C's ``expr_eq`` on two AND chains: the same terms in any order."""
    if len(a) != len(b):
        return False
    rest = list(b)
    for t in a:
        for i, u in enumerate(rest):
            if expr_eq(t, u):
                del rest[i]
                break
        else:
            return False
    return True


__all__ = ["CExpr", "and_leaves", "contains_symbol", "depends_on_symbol", "ends_with", "expr_eq", "or_terms",
           "same_terms", "strip_tail"]
