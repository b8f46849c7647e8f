"""The menu tree and dependencies as C's ``menu_finalize`` builds them (``scripts/kconfig/menu.c``).

Both kconfiglib and C derive them from the same Kconfig, differently enough
to show: the order and form of dependencies, and how far automatic submenus
reach.  :class:`CDeps` and :class:`CTree` recover C's forms from kconfiglib's
parse and the Kconfig text (:mod:`.ksource`); they depend on the parse only.
"""

from __future__ import annotations

from kconfiglib import (
    AND,
    Choice,
    MenuNode,
    Symbol,
)

from rustconfig_gui.kconfig.cexpr import (
    CExpr,
    and_leaves,
    contains_symbol,
    depends_on_symbol,
    ends_with,
    expr_eq,
    strip_tail,
)
from rustconfig_gui.kconfig.ksource import KconfigText
from rustconfig_gui.kconfig.semantics import Evaluator


class CDeps:
    """Dependencies in the form the C tools build and print them.

    kconfiglib and ``menu_finalize`` combine the same terms differently:
    kconfiglib writes ``own && inherited``, C writes ``inherited && own``
    and rewrites the result (:class:`CExpr`); C's choice members inherit the
    choice's dependencies, not the choice.  The entry's own terms are told
    from the inherited ones by the ``depends on`` lines in its Kconfig file.
    """

    def __init__(self, ev: Evaluator, helps: KconfigText) -> None:
        # the parse and the rules only: no evaluator, whose values come and go
        self.kconf = ev.kconf
        self.choice_rework = ev.sem.choice_rework
        self.helps = helps
        self.y = ev.kconf.y
        self.cx = CExpr(ev.kconf)
        self._memo: dict[int, object] = {}


    @staticmethod
    def container(node: MenuNode) -> MenuNode | None:
        p = node.parent
        while p is not None and p.item.__class__ is Symbol:
            p = p.parent
        return p

    def _base(self, cont: MenuNode | None) -> tuple[object, object]:
        """kconfiglib's inherited object for children of ``cont``, and C's."""
        if cont is None:
            return self.y, self.y
        if cont.item.__class__ is Choice:
            if self.choice_rework:
                return cont.item, self.dep(cont)
            return cont.item, cont.item
        return cont.dep, self.dep(cont)

    def _own_split(self, node: MenuNode) -> tuple[object, object]:
        """(own dependency, inherited rest) of kconfiglib's ``node.dep``."""
        dep = node.dep
        total, macros = self.helps.own_depends(node)
        for k in range(total, total - macros - 1, -1):
            if k <= 0:
                return self.y, dep
            if dep.__class__ is tuple and dep[0] is AND and len(and_leaves(dep[1])) == k:  # type: ignore[index]
                return dep[1], dep[2]  # type: ignore[index]
            if len(and_leaves(dep)) == k:
                return dep, self.y
        return dep, self.y

    def dep(self, node: MenuNode) -> object:
        """C's ``menu->dep`` (kconfiglib's y for none)."""
        key = id(node)
        got = self._memo.get(key)
        if got is not None:
            return got
        if node is self.kconf.top_node:
            out: object = self.y
        else:
            base, base_c = self._base(self.container(node))
            if node.dep is base:
                own, rest = self.y, node.dep
            else:
                own, rest = self._own_split(node)
            out = self.cx.combine(self._inherited(rest, base, base_c, self._outer_if_terms(node, rest, base)), own)
        self._memo[key] = out
        return out

    def _inherited(self, r: object, base: object, base_c: object, outer: int = 1) -> object:
        """C's form of ``r``: the ``if`` blocks between the entry and its menu (``base``),
        innermost first.  Where the menu has no dependencies kconfiglib leaves no
        trace of where the outermost ``if`` begins: ``outer`` is how many terms it has."""
        if r is self.y:
            return self.y
        if r is base:
            return base_c
        if r.__class__ is tuple and r[0] is AND:  # type: ignore[index]
            if not ends_with(r, base) and len(and_leaves(r)) <= outer:
                return self.cx.combine(self.y, r)
            return self.cx.combine(self._inherited(r[2], base, base_c, outer), r[1])  # type: ignore[index]
        return self.cx.combine(self.y, r)

    def _outer_if_terms(self, node: MenuNode, rest: object, base: object) -> int:
        """Terms of the outermost ``if`` when ``rest`` holds only ``if`` conditions whose
        lines are all in the entry's own file; 1 otherwise."""
        if rest is self.y or ends_with(rest, base):
            return 1
        ifs = self.helps.enclosing_ifs(node)
        if ifs and sum(ifs) == len(and_leaves(rest)):
            return ifs[0]
        return 1

    def visible(self, node: MenuNode) -> object:
        """C's prompt visibility (``prop->visible.expr``)."""
        pl = and_leaves(node.prompt[1])
        dl = [] if node.dep is self.y else and_leaves(node.dep)
        extra = [e for e in (pl[:len(pl) - len(dl)] if dl else pl) if e is not self.y]
        cond: object = self.y
        for e in extra:
            cond = self.cx.and_(cond, e)
        return self.cx.combine(self.dep(node), cond)

    def cond(self, node: MenuNode, cond: object) -> object:
        """C's condition of a ``select``/``imply`` of ``node`` (kconfiglib's ``cond && node.dep``)."""
        extra = [] if cond is node.dep else strip_tail(cond, node.dep, self.y)
        own: object = self.y
        for e in extra:
            own = self.cx.and_(own, e)
        return self.cx.combine(self.dep(node), own)


class CTree:
    """The menu tree as C's ``menu_finalize`` builds it.

    Both put the entries that follow a symbol and depend on it below it
    ("automatic submenus"), but C goes on past a follower that only
    contains the symbol (``A || B``) when its dependencies are a superset
    of the symbol's; kconfiglib stops there.  This decides the Location
    lines of a help text and which entries ``check_conf`` visits below a
    hidden one.
    """

    def __init__(self, ev: Evaluator, deps: CDeps) -> None:
        self.kconf = ev.kconf
        self.deps = deps
        self._children: dict[int, list[MenuNode]] = {}
        self._parent: dict[int, MenuNode] = {}
        self._moved: dict[int, list[MenuNode]] = {}

    def children(self, node: MenuNode) -> list[MenuNode]:
        got = self._children.get(id(node))
        if got is not None:
            return got
        kids = []
        cur = node.list
        while cur is not None:
            kids.append(cur)
            cur = cur.next
        kids += self._moved.pop(id(node), [])
        if node.item.__class__ is not Choice:
            kids = self._extend(kids)
        self._children[id(node)] = kids
        for k in kids:
            self._parent[id(k)] = node
        return kids

    def _extend(self, kids: list[MenuNode]) -> list[MenuNode]:
        out: list[MenuNode] = []
        i = 0
        while i < len(kids):
            s = kids[i]
            out.append(s)
            i += 1
            if s.item.__class__ is not Symbol or s.prompt is None:
                continue
            taken = []
            while i < len(kids) and self._qualifies(kids[i], s):
                taken.append(kids[i])
                i += 1
            if taken:
                self._moved.setdefault(id(s), []).extend(taken)
                for t in taken:
                    self._parent[id(t)] = s
        return out

    def _qualifies(self, m: MenuNode, s: MenuNode) -> bool:
        sym: Symbol = s.item  # type: ignore[assignment]
        raw = m.prompt[1] if m.prompt else m.dep
        if not contains_symbol(raw, sym):
            return False
        deps = self.deps
        dep = deps.visible(m) if m.prompt else deps.dep(m)
        if not contains_symbol(dep, sym):
            return False
        if depends_on_symbol(dep, sym, self.kconf):
            return True
        have = and_leaves(dep)
        return all(any(expr_eq(a, b) for b in have) for a in and_leaves(deps.visible(s)))

    def parent(self, node: MenuNode) -> MenuNode | None:
        got = self._parent.get(id(node))
        if got is not None:
            return got
        chain = []
        p = node.parent
        while p is not None:
            chain.append(p)
            p = p.parent
        for p in reversed(chain):
            self.children(p)
            got = self._parent.get(id(node))
            if got is not None:
                return got
        return node.parent


__all__ = ["CDeps", "CTree"]
