"""The conditions of an entry, each with where it is written: the AND terms of
its dependencies (its own ``depends on`` lines, the ``if`` blocks and menus
around it, the choice it belongs to), of its prompt's visibility (``visible
if`` of the menus above), and the facts menuconfig's help screen shows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kconfiglib import AND, HEX, INT, MENU, OR, Choice, MenuNode, Symbol, split_expr

from rustconfig_gui.explain.exprs import (
    TRI,
    choice_name,
    ends_with,
    expr_equal,
    expr_with_values,
    names_of,
    node_loc,
    type_name,
)
from rustconfig_gui.explain.reasons import MenuconfigFacts, PromptFacts, Relation
from rustconfig_gui.explain.sources import DEPENDS_RE, KconfigSources, line_words
from rustconfig_gui.kconfig.loader import LoadedTree


@dataclass
class Term:
    expr: Any
    kind: str          # depends, if, menu, choice, visible-if, prompt-if
    location: str
    where: str         # the menu, if block or choice it comes from ("" for the entry itself)


class EntryTerms:
    """The terms of entries' conditions in one loaded tree, located in the Kconfig text."""

    def __init__(self, lt: LoadedTree, src: KconfigSources) -> None:
        self.ev = lt.ev
        self.kconf = lt.kconf
        self.y = lt.kconf.y
        self.src = src

    # -- menu structure ---------------------------------------------------------------

    @staticmethod
    def container(node: MenuNode) -> MenuNode | None:
        p = node.parent
        while p is not None and p.item.__class__ is Symbol:
            p = p.parent
        return p

    def base(self, c: MenuNode) -> Any:
        b = c.item if c.item.__class__ is Choice else c.dep
        return None if b is self.y else b

    def where(self, c: MenuNode) -> str:
        if c.item.__class__ is Choice:
            return choice_name(c.item)
        if c.item is MENU:
            return f"menu '{c.prompt[0]}'"
        if c is self.kconf.top_node:
            return "the main menu"
        return f"'{c.prompt[0]}'" if c.prompt else "the menu"

    def inherited_origin(self, t: Any, cont: MenuNode) -> Term:
        c = cont
        while True:
            if c.item.__class__ is Choice and t is c.item:
                return Term(t, "choice", node_loc(c), choice_name(c.item))
            up = self.container(c)
            if up is None:
                break
            b = self.base(up)
            if b is not None and any(x is t for x in split_expr(b, AND)):
                c = up
                continue
            break
        ln = self.src.depends_line(c, t)
        if ln is not None:
            return Term(t, "menu", node_loc(c, ln), self.where(c))
        names = names_of(t)
        for fname, ln, text in self.src.enclosing_ifs(c):
            if names and names <= line_words(text[2:]):
                return Term(t, "if", f"{fname}:{ln}", f"'{text}'")
        return Term(t, "menu", node_loc(c), self.where(c))

    def dep_terms(self, node: MenuNode) -> list[Term]:
        """The AND terms of ``node.dep``, each with where it is written.

        kconfiglib builds ``node.dep`` as ``own && inherited`` (``_propagate_deps``),
        where ``own`` chains the entry's ``depends on`` lines and ``inherited`` is
        the dependency of the enclosing ``if`` blocks and menu."""
        if node.dep is self.y:
            return []
        cont = self.container(node)
        b = self.base(cont) if cont is not None else None
        base_ids = {id(x) for x in split_expr(b, AND)} if b is not None else set()
        own_lines = [(ln, t) for ln, t in self.src.entry(node) if DEPENDS_RE.match(t)]
        ifs = self.src.enclosing_ifs(node)
        dep = node.dep
        if not own_lines or (b is not None and dep is b):
            # (own "depends on" lines that were all "y", e.g. a passing $(cc-option,…), vanish)
            own, inherited = None, dep
        elif (b is not None or ifs) and dep.__class__ is tuple and dep[0] is AND \
                and (b is None or ends_with(dep[2], b)):
            own, inherited = dep[1], dep[2]
        elif b is not None and not ifs and not ends_with(dep, b):
            own, inherited = dep, None
        elif b is not None and dep.__class__ is tuple and dep[0] is AND and ends_with(dep, b):
            # no own terms survived, only if blocks and the menu
            own, inherited = None, dep
        else:
            own, inherited = dep, None
        out = []
        if own is not None:
            for t in split_expr(own, AND):
                ln = self.src.depends_line(node, t)
                out.append(Term(t, "depends", node_loc(node, ln if ln is not None else own_lines[0][0]), ""))
        if inherited is not None:
            for t in split_expr(inherited, AND):
                if t is self.y:
                    continue
                if id(t) in base_ids and cont is not None:
                    out.append(self.inherited_origin(t, cont))
                    continue
                names = names_of(t)
                hit = next(((f, ln, text) for f, ln, text in ifs if names and names <= line_words(text[2:])),
                           ifs[0] if ifs else None)
                if hit is not None:
                    out.append(Term(t, "if", f"{hit[0]}:{hit[1]}", f"'{hit[2]}'"))
                else:
                    out.append(Term(t, "depends", node_loc(node), ""))
        return out

    def prompt_terms(self, node: MenuNode) -> list[Term]:
        """The AND terms of a node's prompt condition (its visibility), classified."""
        terms = self.dep_terms(node)
        if not node.prompt:
            return terms
        dep_ids = {id(x) for x in split_expr(node.dep, AND)}
        vis_origin: dict[int, MenuNode] = {}
        p = node.parent
        while p is not None:
            if p.item is MENU and p.visibility is not self.y:
                for x in split_expr(p.visibility, AND):
                    vis_origin.setdefault(id(x), p)
            p = p.parent
        for t in split_expr(node.prompt[1], AND):
            if t is self.y or id(t) in dep_ids:
                continue
            m = vis_origin.get(id(t))
            if m is not None:
                terms.append(Term(t, "visible-if", node_loc(m, self.src.visible_if_line(m)), self.where(m)))
            else:
                terms.append(Term(t, "prompt-if", node_loc(node, self.src.prompt_line(node)), ""))
        return terms

    def menu_terms(self, node: MenuNode) -> list[Term]:
        """Why a menu or comment is shown: its dependencies and every ``visible if`` above it."""
        terms = self.dep_terms(node)
        p: MenuNode | None = node
        while p is not None:
            if p.item is MENU and p.visibility is not self.y:
                for x in split_expr(p.visibility, AND):
                    terms.append(Term(x, "visible-if", node_loc(p, self.src.visible_if_line(p)), self.where(p)))
            p = p.parent
        return terms

    def menu_path(self, node: MenuNode) -> list[str]:
        steps = []
        p = node
        while p is not None and p is not self.kconf.top_node:
            if p.prompt:
                text = str(p.prompt[0])
                if p.item.__class__ is Symbol:
                    text += f" ({p.item.name} [={self.ev.str_value(p.item)}])"
                elif p.item.__class__ is Choice:
                    text += " (<choice>)"
                steps.append(text)
            p = p.parent
        return list(reversed(steps))

    # -- menuconfig's ? screen -------------------------------------------------------------------

    def facts(self, sym: Symbol) -> MenuconfigFacts:
        ev = self.ev
        prompts = []
        definitions = []
        for node in sym.nodes:
            if node.prompt:
                dep = None if node.dep is self.y else expr_with_values(node.dep, ev)
                vis = node.prompt[1]
                visible_if = None if expr_equal(vis, node.dep) else expr_with_values(vis, ev)
                prompts.append(PromptFacts(prompt=str(node.prompt[0]), defined_at=node_loc(node), depends_on=dep,
                                           visible_if=visible_if, location=self.menu_path(node)))
            else:
                definitions.append((node_loc(node), None if node.dep is self.y else expr_with_values(node.dep, ev)))
        selected_by: dict[str, list[Relation]] = {}
        implied_by: dict[str, list[Relation]] = {}
        for expr, word, into in ((sym.rev_dep, "select", selected_by), (sym.weak_rev_dep, "imply", implied_by)):
            for t in split_expr(expr, OR):
                if t is self.kconf.n:
                    continue
                selector = t if t.__class__ is Symbol else split_expr(t, AND)[0]
                where = self.src.select_line(selector, sym.name, word) if selector.__class__ is Symbol else None
                into.setdefault(TRI[ev.expr(t)], []).append(Relation(
                    expr=expr_with_values(t, ev), value=TRI[ev.expr(t)],
                    symbol=getattr(selector, "name", ""), location=where or ""))
        rng = None
        if sym.orig_type in (INT, HEX):
            for low, high, cond in sym.ranges:
                if ev.expr(cond):
                    rng = f"[{low.name} {high.name}]"
                    break
        return MenuconfigFacts(
            symbol=sym.name, value=ev.str_value(sym), type=type_name(sym), range=rng, prompts=prompts,
            definitions=definitions, selects=[t.name for t, _ in sym.selects],
            selected_by=selected_by, implies=[t.name for t, _ in sym.implies], implied_by=implied_by)
