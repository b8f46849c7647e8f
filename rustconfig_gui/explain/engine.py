"""The reason search: why an expression, a symbol or a condition is not what is
wanted, followed through the symbols it names down to what the user can act
on (a value to set, a choice to make, a shell probe, the toolchain, an
architecture), and where a current value comes from (provenance).

Each term is evaluated with the C tool's rules
(:class:`~rustconfig_gui.kconfig.semantics.Evaluator`); locations come from
:class:`~rustconfig_gui.explain.sources.KconfigSources`, the terms of an entry's
conditions from :class:`~rustconfig_gui.explain.terms.EntryTerms`.
"""

from __future__ import annotations

from typing import Any

import kconfiglib
from kconfiglib import AND, BOOL, HEX, INT, NOT, OR, TRISTATE, Choice, MenuNode, Symbol, expr_str, split_expr

from rustconfig_gui.explain.exprs import (
    MIRROR,
    OP_TEXT,
    TRI,
    choice_name,
    cmp_range,
    decode_version,
    expr_with_values,
    is_const,
    node_loc,
    range_text,
    type_name,
)
from rustconfig_gui.explain.reasons import ProbeInfo, Reason, VersionCheck
from rustconfig_gui.explain.sources import KconfigSources
from rustconfig_gui.explain.terms import EntryTerms, Term
from rustconfig_gui.explain.text import one_line_from, value_brief
from rustconfig_gui.kconfig.loader import LoadedTree

MAX_DEPTH = 10

_RANK = {"user": 0, "choose": 0, "range": 0, "environment": 2, "version": 2, "probe": 3, "arch": 4,
         "compare": 5,
         "alternative": 5, "seen": 5, "cycle": 6, "truncated": 6, "no-prompt": 6, "constant": 6}


def _shown(value: str) -> str:
    """A value in a sentence: the empty string as ``""`` (as in the summary line)."""
    return value if value != "" else '""'


def _rank(r: Reason, depth: int = 0) -> float:
    """How directly the user can act on an unmet reason: lower comes first
    (a setting deep down a chain comes after one at hand)."""
    if r.satisfied:
        return 9.0
    if r.kind in _RANK and not r.children:
        return _RANK[r.kind] + depth / 100
    ranks = [_rank(c, depth + 1) for c in r.children if not c.satisfied]
    if r.kind in _RANK:
        ranks.append(_RANK[r.kind] + depth / 100)
    return min(ranks) if ranks else 6.0


def ordered(reasons: list[Reason]) -> list[Reason]:
    unmet = sorted((r for r in reasons if not r.satisfied), key=_rank)
    return unmet + [r for r in reasons if r.satisfied]


class ReasonSearch:
    """One search through a loaded tree (it remembers what it explained already)."""

    def __init__(self, lt: LoadedTree) -> None:
        self.lt = lt
        self.ev = lt.ev
        self.kconf = lt.kconf
        self.y = lt.kconf.y
        self.src = KconfigSources(lt)
        self.terms = EntryTerms(lt, self.src)
        self.stack: set[Symbol | Choice] = set()
        self.depth = 0
        self.max_depth = MAX_DEPTH
        self.done: dict[tuple[Any, int, int], float] = {}

    # -- reasons for terms --------------------------------------------------------------

    def term_reason(self, term: Term, need: int) -> Reason:
        v = self.ev.expr(term.expr)
        sat = v >= need
        e = expr_with_values(term.expr, self.ev)
        if term.kind == "depends":
            text = f"depends on {e}"
        elif term.kind == "if":
            text = f"inside {term.where}"
        elif term.kind == "menu":
            text = f"inside {term.where}, which depends on {e}"
        elif term.kind == "choice":
            text = f"member of {term.where}"
        elif term.kind == "visible-if":
            text = f"{term.where} is visible only if {e}"
        else:
            text = f"prompt shown only if {e}"
        r = Reason(kind=term.kind, text=text, value=TRI[v], wanted=range_text(need, 2), satisfied=sat,
                   location=term.location, expr=expr_str(term.expr))
        if not sat:
            child = self.expr_reason(term.expr, need, 2, term.location)
            r.children = child.children if child.kind == "all" else [child]
            r.children = ordered(r.children)
        return r

    def terms_reasons(self, terms: list[Term], need: int) -> list[Reason]:
        # explore terms the user can set directly first, so that a symbol met
        # again deeper down is the one marked "explained above"
        unique: dict[str, Term] = {}
        for t in terms:
            unique.setdefault(expr_str(t.expr), t)
        terms = list(unique.values())
        order = sorted(range(len(terms)), key=lambda i: 0 if self._settable(terms[i].expr) else 1)
        reasons: list[Reason | None] = [None] * len(terms)
        for i in order:
            reasons[i] = self.term_reason(terms[i], need)
        return ordered([r for r in reasons if r is not None])

    def _settable(self, e: Any) -> bool:
        while e.__class__ is tuple and e[0] is NOT:
            e = e[1]
        return e.__class__ is Symbol and not is_const(e) and bool(self.ev.visibility(e)) \
            and any(n.prompt for n in e.nodes)

    def nodes_blockers(self, nodes: list[MenuNode], need: int, *, prompt: bool = True) -> list[Reason]:
        groups = []
        for n in nodes:
            terms = self.terms.prompt_terms(n) if prompt else self.terms.dep_terms(n)
            groups.append((n, self.terms_reasons(terms, need)))
        if len(groups) == 1:
            return groups[0][1]
        out = []
        for n, reasons in groups:
            sat = all(r.satisfied for r in reasons)
            out.append(Reason(kind="definition", text=f"definition at {node_loc(n)}", satisfied=sat,
                              location=node_loc(n), children=[r for r in reasons if not r.satisfied] or reasons))
        return ordered(out)

    # -- expressions ------------------------------------------------------------------------

    def expr_reason(self, e: Any, lo: int, hi: int, loc: str | None = None) -> Reason:
        """Why ``e`` is not within [lo, hi] (a satisfied expression is not explored)."""
        ev = self.ev
        v = ev.expr(e)
        sat = lo <= v <= hi
        if e.__class__ is Symbol:
            if is_const(e):
                r = Reason(kind="constant", text=f"{e.name} (a constant)", value=TRI[v], satisfied=sat,
                           wanted=range_text(lo, hi), expr=e.name, location=loc)
                origin = self.const_origin(e, loc)
                if origin:
                    r.kind, r.probe = origin[0], origin[1]
                    r.text = f"a probe run while loading gave {e.name}"
                return r
            if e.orig_type in (BOOL, TRISTATE):
                return self.tri_reason(e, lo, hi)
            return Reason(kind="value", text=f"{e.name} is a {type_name(e)} symbol, which counts as n here",
                          symbol=e.name, value=ev.str_value(e), satisfied=sat, location=self.def_loc(e))
        if e.__class__ is Choice:
            return self.choice_dep_reason(e, lo, hi)
        if sat:
            return Reason(kind="all", text=expr_str(e), expr=expr_str(e), value=TRI[v], satisfied=True)
        op = e[0]
        if op is NOT:
            return self.expr_reason(e[1], 2 - hi, 2 - lo, loc)
        if op is AND or op is OR:
            # constants that no probe produced (kconfiglib's propagated "y") say nothing
            parts = [p for p in split_expr(e, op) if not (is_const(p) and not self.const_origin(p, loc))]
            parts = parts or split_expr(e, op)
            plo, phi = (lo, 2) if v < lo else (0, hi)
            # AND needs every part >= lo (or one part <= hi); OR the other way round
            every = (op is AND) == (v < lo)
            if every:
                kids = [self.expr_reason(p, plo, phi, loc) for p in parts]
                return Reason(kind="all", text=f"all of: {expr_str(e)}", expr=expr_str(e), value=TRI[v],
                              wanted=range_text(lo, hi), children=ordered(kids))
            # one alternative is enough: when some can be set directly, follow only those
            direct = [p for p in parts if self.direct(p, plo, phi)]
            kids = []
            for p in parts:
                if direct and not any(p is d for d in direct):
                    pv = ev.expr(p)
                    note = self.shallow_note(p, plo, phi)
                    kids.append(Reason(kind="alternative",
                                       text=f"or {expr_with_values(p, ev)}{f': {note}' if note else ''}",
                                       expr=expr_str(p), value=TRI[pv], wanted=range_text(plo, phi),
                                       satisfied=plo <= pv <= phi))
                else:
                    kids.append(self.expr_reason(p, plo, phi, loc))
            return Reason(kind="any", text=f"one of: {expr_str(e)}", expr=expr_str(e), value=TRI[v],
                          wanted=range_text(lo, hi), children=ordered(kids))
        return self.compare_reason(e, want_true=lo >= 1, loc=loc)

    def shallow_note(self, e: Any, lo: int, hi: int) -> str:
        """A few words on an alternative that is not followed."""
        while e.__class__ is tuple and e[0] is NOT:
            e, lo, hi = e[1], 2 - hi, 2 - lo
        if e.__class__ is not Symbol or is_const(e) or e.orig_type not in (BOOL, TRISTATE):
            return ""
        sub = ReasonSearch(self.lt)
        sub.max_depth = 2
        r = sub.tri_reason(e, lo, hi)
        if r.kind == "hidden":
            return f"{e.name} is hidden, " + one_line_from(r.children)
        return value_brief(r) if r.kind not in ("symbol", "seen", "cycle", "truncated") else ""

    def const_origin(self, sym: Symbol, loc: str | None) -> tuple[str, ProbeInfo, str | None] | None:
        """The probe that left the constant ``sym`` on the Kconfig line ``loc``, if any."""
        if not loc:
            return None
        fname, _, line = loc.rpartition(":")
        if not line.isdigit() or not self.lt.trace.at(fname, int(line)):
            return None
        return self.src.macro_origin(sym, fname, int(line), None)

    def direct(self, e: Any, lo: int, hi: int) -> bool:
        """Can the user bring ``e`` into [lo, hi] by setting one visible symbol?"""
        while e.__class__ is tuple and e[0] is NOT:
            e, lo, hi = e[1], 2 - hi, 2 - lo
        if e.__class__ is tuple and e[0] in OP_TEXT:
            # X = n, X != y, …: a range of X
            for sym, const, flip in ((e[1], e[2], False), (e[2], e[1], True)):
                if sym.__class__ is Symbol and is_const(const) and const.name in TRI:
                    rng = cmp_range(e[0], TRI.index(const.name), flip, lo >= 1)
                    if rng is not None:
                        e, (lo, hi) = sym, rng
                        break
            else:
                return False
        if e.__class__ is not Symbol or is_const(e) or e.orig_type not in (BOOL, TRISTATE):
            return False
        if not any(n.prompt for n in e.nodes) or not self.ev.visibility(e):
            return False
        if e.choice is not None:
            return True
        return any(lo <= v <= hi for v in self.ev.assignable(e))

    def compare_reason(self, e: Any, want_true: bool, loc: str | None) -> Reason:
        ev = self.ev
        op, a, b = e
        v = ev.expr(e)
        # a bool/tristate compared with n/m/y is a wanted range of that symbol
        for sym, const, flip in ((a, b, False), (b, a, True)):
            if (sym.__class__ is Symbol and not is_const(sym) and sym.orig_type in (BOOL, TRISTATE)
                    and is_const(const) and const.name in TRI):
                c = TRI.index(const.name)
                rng = cmp_range(op, c, flip, want_true)
                if rng is not None:
                    return self.tri_reason(sym, *rng)
        # two bool/tristate symbols (TCG_TPM >= TRUSTED_KEYS): move either one
        if all(s.__class__ is Symbol and not is_const(s) and s.orig_type in (BOOL, TRISTATE) for s in (a, b)):
            kids = []
            for sym, other, flip in ((a, b, False), (b, a, True)):
                rng = cmp_range(op, ev.tri(other), flip, want_true)
                if rng is not None:
                    kids.append(self.tri_reason(sym, *rng))
            if kids:
                return Reason(kind="any", text=f"one of: {expr_str(e)}", expr=expr_str(e), value=TRI[v],
                              wanted="true" if want_true else "false", children=ordered(kids), location=loc)
        sides = [s for s in (a, b) if s.__class__ is Symbol and not is_const(s)]
        sa, sb = ev.str_value(a), ev.str_value(b)
        r = Reason(kind="compare", text=f"{expr_str(e)} is {'false' if v == 0 else 'true'} ({sa} {OP_TEXT[op]} {sb})",
                   expr=expr_str(e), value=f"{sa} {OP_TEXT[op]} {sb}", wanted="true" if want_true else "false",
                   satisfied=(v == 2) == want_true, location=loc)
        for s, found, needed in ((a, sa, sb), (b, sb, sa)):
            if s.__class__ is Symbol and not is_const(s) and s.name.endswith("VERSION") and s.orig_type in (INT, HEX):
                shown_op = OP_TEXT[op] if s is a else OP_TEXT[MIRROR[op]]
                r.kind = "version"
                r.version_check = VersionCheck(
                    symbol=s.name, op=shown_op, found=found, needed=needed,
                    found_version=decode_version(s.name, found), needed_version=decode_version(s.name, needed),
                    satisfied=r.satisfied)
                fv = r.version_check.found_version
                nv = r.version_check.needed_version
                r.text = (f"{s.name} {shown_op} {needed}{f' ({nv})' if nv else ''} is not met: found {found}"
                          f"{f' ({fv})' if fv else ''}")
                break
        if not r.satisfied:
            r.children = [self.provenance(s, want_up=None) for s in sides]
        return r

    def choice_dep_reason(self, choice: Choice, lo: int, hi: int) -> Reason:
        v = self.ev.expr(choice)
        sat = lo <= v <= hi
        node = next((n for n in choice.nodes if n.prompt), choice.nodes[0])
        r = Reason(kind="choice", text=f"{choice_name(choice)} is {'hidden' if v == 0 else TRI[v]}",
                   value=TRI[v], wanted=range_text(lo, hi), satisfied=sat, location=node_loc(node))
        if sat or choice in self.stack:
            return r
        self.stack.add(choice)
        try:
            # 6.11+: members follow the choice's dependencies; before, its mode
            prompt = not self.ev.sem.choice_rework
            r.children = self.nodes_blockers([n for n in choice.nodes if n.prompt or not prompt],
                                              max(lo, 1), prompt=prompt)
        finally:
            self.stack.discard(choice)
        return r

    # -- symbols -------------------------------------------------------------------------

    def def_loc(self, item: Symbol | Choice) -> str:
        nodes = item.nodes
        node = next((n for n in nodes if n.prompt), nodes[0]) if nodes else None
        return node_loc(node) if node is not None else ""

    def tri_reason(self, sym: Symbol, lo: int, hi: int) -> Reason:
        ev = self.ev
        cur = ev.tri(sym)
        if ev.sym_type(sym) == BOOL:
            # a bool is never m: "at least m" means y, "at most m" means n
            if lo == 1:
                lo = 2
            if hi == 1:
                hi = 0
            if lo > hi:
                return Reason(kind="value", text=f"{sym.name} is bool and can never be m", symbol=sym.name,
                              value=TRI[cur], wanted="m", location=self.def_loc(sym))
        sat = lo <= cur <= hi
        r = Reason(kind="symbol", text=f"{sym.name} is {TRI[cur]}", symbol=sym.name, value=TRI[cur],
                   wanted=range_text(lo, hi), satisfied=sat, location=self.def_loc(sym))
        if sat:
            return r
        key = (sym, lo, hi)
        if sym in self.stack:
            r.kind = "cycle"
            r.text = f"{sym.name} is {TRI[cur]}; it is already being explained above (circular dependency)"
            return r
        if key in self.done:
            r.kind = "seen"
            r.text = f"{sym.name} is {TRI[cur]}, needs {range_text(lo, hi)} (explained above)"
            return r
        if self.depth >= self.max_depth:
            if self.direct(sym, lo, hi):
                value = max(v for v in self.ev.assignable(sym) if lo <= v <= hi) if sym.choice is None else 2
                r.kind = "choose" if sym.choice is not None else "user"
                r.action = (f"choose {sym.name} in {choice_name(sym.choice)}" if sym.choice is not None
                            else f"set {sym.name} to {TRI[value]}")
                r.text = f"{sym.name} is {TRI[cur]}: {r.action}"
                return r
            r.kind = "truncated"
            r.text = f"{sym.name} is {TRI[cur]}, needs {range_text(lo, hi)} (not followed further)"
            return r
        self.stack.add(sym)
        self.depth += 1
        try:
            if cur < lo:
                self._raise(sym, r, lo, hi)
            else:
                self._lower(sym, r, lo, hi)
        finally:
            self.depth -= 1
            self.stack.discard(sym)
            self.done[key] = _rank(r)
        r.children = ordered(r.children)
        return r

    def _selectors(self, sym: Symbol, expr: Any, word: str, min_value: int, max_value: int = 2) -> list[Reason]:
        out = []
        for t in split_expr(expr, OR):
            if t is self.kconf.n:
                continue
            v = self.ev.expr(t)
            if not min_value <= v <= max_value:
                continue
            selector = t if t.__class__ is Symbol else split_expr(t, AND)[0]
            sel_name = getattr(selector, "name", expr_str(selector))
            where = self.src.select_line(selector, sym.name, word) if selector.__class__ is Symbol else None
            verb = "selected" if word == "select" else "implied"
            out.append(Reason(kind="select" if word == "select" else "implied",
                              text=f"{verb} by {sel_name}: {expr_str(t)} [={TRI[v]}]", symbol=sel_name,
                              value=TRI[v], location=where or (self.def_loc(selector)
                                                                if selector.__class__ is Symbol else None),
                              expr=expr_str(t)))
        return out

    def _raise(self, sym: Symbol, r: Reason, lo: int, hi: int) -> None:
        """Why ``sym`` is below ``lo``: fills ``r``."""
        ev = self.ev
        vis = ev.visibility(sym)
        prompted = [n for n in sym.nodes if n.prompt]
        if sym.choice is not None:
            self._raise_member(sym, r, vis, prompted)
        elif prompted:
            self._raise_prompted(sym, r, lo, vis, prompted)
        else:
            # no prompt: only defaults, select and imply give it a value
            self._raise_unprompted(sym, r, lo)

    def _raise_member(self, sym: Symbol, r: Reason, vis: int, prompted: list[MenuNode]) -> None:
        """A choice member: choose it, or what hides it."""
        if vis:
            sel = self.ev.choice_selection(sym.choice)
            r.kind = "choose"
            r.action = f"choose {sym.name} in {choice_name(sym.choice)}"
            r.text = (f"{sym.name} is not the selected member of {choice_name(sym.choice)}"
                      f"{f' ({sel.name} is)' if sel is not None else ''}: choose it")
        else:
            r.kind = "hidden"
            r.text = f"{sym.name} is hidden"
            r.children = self.nodes_blockers(prompted or sym.nodes, 1)

    def _raise_prompted(self, sym: Symbol, r: Reason, lo: int, vis: int, prompted: list[MenuNode]) -> None:
        """A symbol with a prompt: set it, or what hides it (and what could select it)."""
        ev = self.ev
        cur = ev.tri(sym)
        if vis >= lo:
            value = lo if lo in ev.assignable(sym) else max(ev.assignable(sym) or (lo,))
            r.kind = "user"
            r.action = f"set {sym.name} to {TRI[value]}"
            r.text = f"{sym.name} is {TRI[cur]}: set it to {TRI[value]}"
            path = self.terms.menu_path(prompted[0])
            if path:
                r.text += f" ({' -> '.join(path)})"
            return
        r.kind = "hidden"
        r.text = f"{sym.name} is hidden" if vis == 0 else f"{sym.name} can only be {TRI[vis]}"
        need = lo if ev.sym_type(sym) == TRISTATE else 1
        r.children = self.nodes_blockers(prompted, need)
        sel = self._selectors(sym, sym.rev_dep, "select", 0, lo - 1)
        if sel:
            r.children.append(Reason(kind="any", text="or have it selected by one of:", children=sel,
                                     value=TRI[ev.rev_dep(sym)], wanted=range_text(lo, 2)))

    def _raise_unprompted(self, sym: Symbol, r: Reason, lo: int) -> None:
        """A symbol without a prompt: the architectures that select it, or its
        defaults, selects and implies."""
        ev = self.ev
        cur = ev.tri(sym)
        r.kind = "no-prompt"
        r.text = f"{sym.name} is {TRI[cur]} and has no prompt"
        own_selectors = [t for t in split_expr(sym.rev_dep, OR) if t is not self.kconf.n]
        if self._raise_by_arch(sym, r, lo, own_selectors):
            return
        active = self._active_default(sym)
        if active is not None:
            if self._raise_default(sym, r, lo, active):
                return
        elif sym.defaults:
            r.children.append(self._no_default_applies(sym))
        sel = self._selectors(sym, sym.rev_dep, "select", 0, lo - 1)
        if sel:
            if not sym.defaults:
                for s, t in zip(sel, [t for t in own_selectors if ev.expr(t) < lo]):
                    s.children = [self.expr_reason(t, lo, 2, s.location)]
            r.children.append(Reason(kind="any", text="selected by none of:" if not sym.defaults else
                                     "or have it selected by one of:", children=sel,
                                     value=TRI[ev.rev_dep(sym)], wanted=range_text(lo, 2)))
        imp = self._selectors(sym, sym.weak_rev_dep, "imply", 0, lo - 1)
        if imp and ev.dir_dep(sym) >= lo:
            r.children.append(Reason(kind="any", text="or have it implied by one of:", children=imp,
                                     value=TRI[ev.implied(sym)], wanted=range_text(lo, 2)))
        if not r.children:
            r.text = f"{sym.name} is {TRI[cur]}: it has no prompt, no default and nothing selects it"

    def _raise_by_arch(self, sym: Symbol, r: Reason, lo: int, own_selectors: list[Any]) -> bool:
        """Fill ``r`` when only architecture code selects ``sym`` (and it has no default)."""
        arches = self.src.arch_selects(sym.name)
        only_arch = all(
            all(n.filename.startswith("arch/") for n in getattr(split_expr(t, AND)[0], "nodes", []))
            for t in own_selectors)
        if not (arches and not sym.defaults and only_arch):
            return False
        cur = self.ev.tri(sym)
        r.kind = "arch"
        r.arches = arches
        listed = ", ".join(f"{a.arch}{f' (if {a.condition})' if a.condition else ''}" for a in arches)
        r.text = f"{sym.name} is {TRI[cur]}: only architecture code selects it ({listed})"
        if not any(a.current for a in arches):
            r.text += f"; ARCH={self.lt.arch} is not one of them"
        r.children = [self.expr_reason(t, lo, 2, self.src.select_line(split_expr(t, AND)[0], sym.name))
                      for t in own_selectors]
        return True

    def _raise_default(self, sym: Symbol, r: Reason, lo: int, active: tuple[MenuNode, int, Any, Any]) -> bool:
        """The active default that gives too little; True when a macro computed it (``r`` is then complete)."""
        ev = self.ev
        node, line, d, cond = self._default_at(active)
        if self._computed_by_macro(r, sym, ev.tri(sym), node, line, want_up=True):
            return True
        dv, cv = ev.expr(d), ev.expr(cond)
        dr = Reason(kind="default", text=f"default {expr_str(d)}"
                    + (f" if {expr_str(cond)}" if cond is not self.y else "") + f" gives {TRI[min(dv, cv)]}",
                    value=TRI[min(dv, cv)], wanted=range_text(lo, 2), location=node_loc(node, line),
                    expr=expr_str(d))
        if dv < lo:
            dr.children.append(self.expr_reason(d, lo, 2, node_loc(node, line)))
        if cv < lo:
            dr.children.append(self.expr_reason(cond, lo, 2, node_loc(node, line)))
        r.children.append(dr)
        return False

    def _no_default_applies(self, sym: Symbol) -> Reason:
        """Every default of ``sym``, none of whose conditions holds."""
        ev = self.ev
        alts = []
        for node in sym.nodes:
            dl = self.src.default_lines(node)
            for i, (d, cond) in enumerate(node.defaults):
                line = dl[i] if i < len(dl) else node.linenr
                alts.append(Reason(kind="default", text=f"default {expr_str(d)} if {expr_str(cond)}",
                                   value=TRI[ev.expr(cond)], location=node_loc(node, line), expr=expr_str(cond),
                                   children=[self.expr_reason(cond, 1, 2, node_loc(node, line))]))
        return Reason(kind="any", text="no default applies; one of these needs its condition:",
                      children=ordered(alts), value="n", wanted="m or y")

    def _lower(self, sym: Symbol, r: Reason, lo: int, hi: int) -> None:
        ev = self.ev
        cur = ev.tri(sym)
        vis = ev.visibility(sym)
        prompted = [n for n in sym.nodes if n.prompt]
        if sym.choice is not None:
            r.kind = "choose"
            r.action = f"choose another member of {choice_name(sym.choice)}"
            r.text = f"{sym.name} is the selected member of {choice_name(sym.choice)}: choose another one"
            return
        rev = ev.rev_dep(sym)
        if rev > hi:
            r.kind = "selected"
            r.text = f"{sym.name} is forced to {TRI[rev]} by select"
            for s, t in zip(self._selectors(sym, sym.rev_dep, "select", hi + 1),
                            [t for t in split_expr(sym.rev_dep, OR) if ev.expr(t) > hi]):
                s.children = [self.expr_reason(t, 0, hi, s.location)]
                r.children.append(s)
            return
        allowed = [v for v in ev.assignable(sym) if lo <= v <= hi]
        if prompted and vis and allowed:
            r.kind = "user"
            r.action = f"set {sym.name} to {TRI[max(allowed)]}"
            r.text = f"{sym.name} is {TRI[cur]}: set it to {TRI[max(allowed)]}"
            path = self.terms.menu_path(prompted[0])
            if path:
                r.text += f" ({' -> '.join(path)})"
            return
        r.kind = "default"
        r.text = f"{sym.name} is {TRI[cur]} by default" + (" and has no prompt" if not prompted else ", hidden")
        imp = ev.implied(sym)
        if imp > hi:
            for s, t in zip(self._selectors(sym, sym.weak_rev_dep, "imply", hi + 1),
                            [t for t in split_expr(sym.weak_rev_dep, OR) if ev.expr(t) > hi]):
                s.children = [self.expr_reason(t, 0, hi, s.location)]
                r.children.append(s)
        active = self._active_default(sym)
        if active is not None:
            node, line, d, cond = self._default_at(active)
            if self._computed_by_macro(r, sym, cur, node, line, want_up=False):
                return
            dv, cv = ev.expr(d), ev.expr(cond)
            dr = Reason(kind="default", text=f"default {expr_str(d)}"
                        + (f" if {expr_str(cond)}" if cond is not self.y else "") + f" gives {TRI[min(dv, cv)]}",
                        value=TRI[min(dv, cv)], wanted=range_text(lo, hi), location=node_loc(node, line))
            alts = []
            if cond is not self.y:
                alts.append(self.expr_reason(cond, 0, hi, node_loc(node, line)))
            if not is_const(d) if d.__class__ is Symbol else True:
                alts.append(self.expr_reason(d, 0, hi, node_loc(node, line)))
            if len(alts) == 1:
                dr.children = alts
            elif alts:
                dr.children = [Reason(kind="any", text="one of:", children=ordered(alts))]
            r.children.append(dr)
        if prompted and vis == 0:
            r.children.append(Reason(kind="hidden", text=f"or make {sym.name} visible and set it to {TRI[hi]}:",
                                     children=self.nodes_blockers(prompted, 1), value="n", wanted="m or y"))

    def _default_at(self, active: tuple[Any, int, Any, Any]) -> tuple[Any, int, Any, Any]:
        """(node, line of the default, value, condition) for an active default."""
        node, idx, d, cond = active
        dl = self.src.default_lines(node)
        return node, (dl[idx] if idx < len(dl) else node.linenr), d, cond

    def _computed_by_macro(self, r: Reason, sym: Symbol, cur: int, node: MenuNode, line: int,
                           want_up: bool) -> bool:
        """Fill ``r`` when the active default was computed by a probe or the toolchain."""
        origin = self.src.macro_origin(sym, node.filename, line, want_up=want_up)
        if origin is None:
            return False
        r.kind, r.probe, r.env_hint = origin
        r.location = node_loc(node, line)
        what = "the toolchain" if r.kind == "environment" else "a shell probe"
        r.text = f"{sym.name} is {TRI[cur]}: computed by {what} when the tree was loaded"
        return True

    def _active_default(self, sym: Symbol) -> tuple[MenuNode, int, Any, Any] | None:
        for node in sym.nodes:
            for i, (d, cond) in enumerate(node.defaults):
                if self.ev.expr(cond):
                    return node, i, d, cond
        return None

    # -- where the current value comes from (explain_set) ------------------------------

    def provenance(self, sym: Symbol, want_up: bool | None = None) -> Reason:
        ev = self.ev
        val = ev.str_value(sym)
        r = Reason(kind="value", text=f"{sym.name} = {_shown(val)}", symbol=sym.name, value=val,
                   satisfied=False, location=self.def_loc(sym))
        if sym in self.stack:
            r.kind = "cycle"
            r.text += " (already being explained above)"
            return r
        if self.depth >= self.max_depth:
            r.kind = "truncated"
            return r
        self.stack.add(sym)
        self.depth += 1
        try:
            r.children = self._provenance_children(sym, want_up)
        finally:
            self.depth -= 1
            self.stack.discard(sym)
        if len(r.children) == 1 and not r.children[0].children and r.children[0].kind in (
                "probe", "environment", "user-value", "user"):
            # a single leaf: fold it into this node
            leaf = r.children[0]
            r.kind, r.probe, r.env_hint, r.action = leaf.kind, leaf.probe, leaf.env_hint, leaf.action
            r.text = f"{sym.name} = {_shown(val)}: {leaf.text}"
            r.location = leaf.location or r.location
            r.children = []
            r.satisfied = leaf.satisfied
        elif r.kind == "value":
            # a value explained by facts that hold (a select, a default, …) is itself a fact
            r.satisfied = bool(r.children) and all(c.satisfied for c in r.children)
        return r

    def _provenance_children(self, sym: Symbol, want_up: bool | None) -> list[Reason]:
        out = self._provenance_reasons(sym, want_up)
        for c in out:
            # what holds is marked so; only "hidden"/"no default applies" remain open
            if c.kind not in ("hidden", "any"):
                c.satisfied = True
        return out

    def _provenance_reasons(self, sym: Symbol, want_up: bool | None) -> list[Reason]:
        ev = self.ev
        out: list[Reason] = []
        vis = ev.visibility(sym)
        user = ev.user.get(sym)
        is_tri = sym.orig_type in (BOOL, TRISTATE)
        if sym.choice is not None:
            sel = ev.choice_selection(sym.choice)
            if sel is not None and sel is sym:
                how = "chosen by you" if ev.user.get(sym) == 2 else "the choice's default"
                out.append(Reason(kind="choice", text=f"selected member of {choice_name(sym.choice)} ({how})",
                                  location=self.def_loc(sym.choice)))
            else:
                out.append(Reason(kind="choice", text=f"not the selected member of {choice_name(sym.choice)}"
                                  + (f" ({sel.name} is)" if sel is not None else " (the choice is hidden)"),
                                  location=self.def_loc(sym.choice)))
            return out
        if is_tri:
            out += self._selectors(sym, sym.rev_dep, "select", 1)
        if vis and user is not None:
            shown = TRI[int(user)] if is_tri else str(user)
            out.append(Reason(kind="user-value", text=f"set to {_shown(shown)} in the configuration (your value)",
                              value=shown, location=self.def_loc(sym)))
            if is_tri and ev.tri(sym) > int(user):
                out.append(Reason(kind="selected", text=f"raised to {TRI[ev.tri(sym)]} by select"))
            return out
        if is_tri and ev.implied(sym):
            out += self._selectors(sym, sym.weak_rev_dep, "imply", 1)
        active = self._active_default(sym)
        if active is not None:
            node, idx, d, cond = active
            dl = self.src.default_lines(node)
            line = dl[idx] if idx < len(dl) else node.linenr
            origin = self.src.macro_origin(sym, node.filename, line, want_up)
            text = f"default {expr_str(d)}" + (f" if {expr_str(cond)}" if cond is not self.y else "")
            dr = Reason(kind="default", text=text, location=node_loc(node, line), expr=expr_str(d),
                        value=ev.str_value(d) if not is_tri else TRI[min(ev.expr(d), ev.expr(cond))])
            if origin is not None:
                dr.kind, dr.probe, dr.env_hint = origin
                what = "the toolchain" if dr.kind == "environment" else "a shell probe"
                dr.text = f"{dr.probe.source_line}: computed by {what} when the tree was loaded"
            else:
                for s in sorted(kconfiglib.expr_items(d), key=lambda s: s.name or ""):
                    if s.__class__ is Symbol and not is_const(s):
                        dr.children.append(self.provenance(s, want_up))
            out.append(dr)
            rng = ev.active_range(sym)
            if rng and sym.orig_type in (INT, HEX) and ev.str_value(sym) != ev.str_value(d):
                out.append(Reason(kind="range", text=f"clamped to the range {rng[0]}..{rng[1]}"))
        elif not out:
            if vis == 0 and any(n.prompt for n in sym.nodes):
                out.append(Reason(kind="hidden", text=f"{sym.name} is hidden, and no default applies",
                                  children=self.nodes_blockers([n for n in sym.nodes if n.prompt], 1)))
            elif sym.defaults:
                # every default's condition is n (they carry the entry's dependencies)
                alts = []
                for node in sym.nodes:
                    dl = self.src.default_lines(node)
                    for i, (d, cond) in enumerate(node.defaults):
                        line = dl[i] if i < len(dl) else node.linenr
                        alts.append(Reason(kind="default", text=f"default {expr_str(d)} if {expr_str(cond)}",
                                           value=TRI[ev.expr(cond)], location=node_loc(node, line),
                                           expr=expr_str(cond),
                                           children=[self.expr_reason(cond, 1, 2, node_loc(node, line))]))
                out.append(Reason(kind="any", text="no default applies; one of these needs its condition:",
                                  children=ordered(alts), value="n", wanted="m or y"))
            else:
                out.append(Reason(kind="default", text="no default applies"))
        return out
