"""Plans that make an entry available ("Make available…", ``rustconfig fix``).

For a target — a symbol and a wanted value (``RUST=y``, ``SAMPLE_RUST_MINIMAL=m``,
a string or number), "visible", a choice or a menu — the planner proposes a
few plans, smallest first.  A plan is an ordered list of steps of two kinds:

* **config steps**: set a symbol, or choose a member of a choice, exactly as
  menuconfig would (``Evaluator.set_value``/``choose``, so ranges, choices,
  select and imply hold; a selected symbol is lowered by lowering what
  selects it);
* **outside steps** the configuration cannot do: fix the Rust toolchain,
  reload with ``LLVM=1``, use another ARCH, install pahole, each with
  concrete commands.

Candidates come from the why engine's tree of reasons (every unmet term is
followed down to a leaf: a setting, a choice, a probe, the toolchain, an
architecture), explored with all alternatives of an ``||`` followed.  The
search takes the first candidate at every state (a greedy dive) and queues
the alternatives met on the way for later dives, so the first plan costs a
handful of re-evaluations and alternatives come after it.

Every plan is **verified**: its steps are applied to a copy of the current
configuration (``snapshot``/``restore``), every value is computed again, and
the target must be reached (steps the target turns out not to need are dropped
first).  Outside steps are verified by assuming their
effect (``Evaluator.assume``: RUST_IS_AVAILABLE computed as y, PAHOLE_VERSION
as the version needed, …), and the plan says so.  Side effects are every
other symbol whose value the plan changes, Rust-related ones marked.
"""

from __future__ import annotations

import dataclasses
import re
import shlex
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from kconfiglib import BOOL, HEX, INT, TRISTATE, Choice, MenuNode, Symbol

from rustconfig_gui.explain import why
from rustconfig_gui.explain.plans import SCHEMA, ApplyReport, Change, FixResult, Plan, Step, Target, normal_text
from rustconfig_gui.explain.planvalues import Before, before_values, may_differ
from rustconfig_gui.explain.rustclass import is_rust_related
from rustconfig_gui.explain.text import format_plan, format_result
from rustconfig_gui.explain.why import Reason
from rustconfig_gui.kconfig.loader import LoadedTree
from rustconfig_gui.toolchain import remedies as rt
from rustconfig_gui.toolchain.doctor import DoctorReport
from rustconfig_gui.toolchain.findings import Finding, Remedy
from rustconfig_gui.toolchain.rustavailable import ProbeResult

_TRI = ("n", "m", "y")
_WANTED = {"n": (0, 0), "m": (1, 1), "y": (2, 2), "any": (0, 2), "m or y": (1, 2), "n or m": (0, 1)}
_LLVM_SYMBOLS = frozenset({"CC_IS_CLANG", "AS_IS_LLVM", "LD_IS_LLD"})
_GNU_SYMBOLS = frozenset({"CC_IS_GCC", "AS_IS_GNU", "LD_IS_BFD"})
# kinds of outside steps
OUTSIDE_KINDS = ("toolchain", "llvm", "gnu", "arch", "pahole", "compiler", "environment")

# search limits: states explained per target, steps per plan, alternatives per "one of"
MAX_EXPANSIONS = 60
MAX_STEPS = 40
MAX_ALTERNATIVES = 4
# sub-explanations of a leaf the why engine did not follow (depth limit, "explained above")
_MAX_NESTING = 3


def make_target(lt: LoadedTree, item: Symbol | Choice | MenuNode, want: str | None = None) -> Target:
    """A target with a checked wanted value; ``want=None`` picks y for bool/tristate, else visible."""
    if item.__class__ is MenuNode and item.item.__class__ in (Symbol, Choice):
        item = item.item
    if item.__class__ is Symbol:
        if not item.nodes:
            raise ValueError(f"{item.name} is not defined in this tree")
        if want is None or want.strip() == "":
            want = "y" if item.orig_type in (BOOL, TRISTATE) else "visible"
        return Target(item, why.parse_want(item, want))
    if item.__class__ is Choice:
        w = (want or "visible").strip()
        if w != "visible" and not any(s.name == w for s in item.syms):
            raise ValueError(f"{w} is not a member of this choice")
        return Target(item, w)
    if want not in (None, "", "visible"):
        raise ValueError("a menu or comment can only be made visible")
    return Target(item, "visible")


def find_target(lt: LoadedTree, spec: str) -> Target:
    """``SYMBOL[=VALUE]`` (``CONFIG_`` prefix allowed), or the prompt of a menu, comment or choice."""
    name, sep, value = spec.partition("=")
    name = name.strip()
    if name.startswith("CONFIG_"):
        name = name[len("CONFIG_"):]
    sym = lt.sym(name)
    if sym is not None:
        return make_target(lt, sym, value.strip() if sep else None)
    for node in lt.ev.walk():
        if not node.prompt or node.item.__class__ is Symbol:
            continue
        prompt = str(node.prompt[0])
        if prompt == spec:
            return make_target(lt, node.item if node.item.__class__ is Choice else node, None)
        if sep and prompt == name and node.item.__class__ is Choice:
            # "Kernel compression mode=KERNEL_XZ": a member of the choice
            return make_target(lt, node.item, value.strip())
    raise ValueError(f"'{name}' is neither a symbol nor the prompt of a menu or choice in this tree")


# -- candidate moves from the tree of reasons ------------------------------------------------------


@dataclass(frozen=True)
class _Move:
    kind: str                 # set, choose, or an outside kind
    sym: Symbol
    value: str                # set: the value; choose: "y"; outside: the value assumed
    reason: Reason = field(compare=False, hash=False)
    # the target's unmet condition it serves, and the symbol whose condition it meets
    top: Reason | None = field(default=None, compare=False, hash=False)
    owner: str = field(default="", compare=False, hash=False)

    @property
    def outside(self) -> bool:
        return self.kind not in ("set", "choose")

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind if not self.outside else "assume", self.sym.name, self.value)


@dataclass(frozen=True)
class _Ctx:
    top: Reason
    owner: str


class _Explorer(why.ReasonSearch):
    """The why engine, following every alternative of an ``||`` (the planner weighs them)."""

    def direct(self, e: Any, lo: int, hi: int) -> bool:
        # below the depth limit nothing counts as "directly settable", so every
        # alternative gets its own reasons; at the limit a setting is still offered
        if self.depth < self.max_depth:
            return False
        return super().direct(e, lo, hi)


def _is_extra(r: Reason) -> bool:
    """An "or …" reason attached to an AND list: an alternative to the whole list."""
    return (r.kind == "any" and r.text.startswith("or ")) or (r.kind == "hidden" and r.text.startswith("or make"))


def _is_or(r: Reason) -> bool:
    return r.kind in ("any", "no-prompt")


def _wanted(r: Reason, default: tuple[int, int] = (1, 2)) -> tuple[int, int]:
    return _WANTED.get(r.wanted or "", default)


class _Candidates:
    """Next moves for one state: the greedy first, then alternatives from every "one of"."""

    def __init__(self, planner: _Planner) -> None:
        self.p = planner
        self.lt = planner.lt
        self.ev = planner.lt.ev
        self.dead: list[Reason] = []

    # structure ---------------------------------------------------------------

    def alts(self, r: Reason, nesting: int = 0, need_lo: int = 1, ctx: _Ctx | None = None) -> list[_Move] | None:
        """Moves that make progress on ``r``; [] when none now, None when nothing can."""
        if r.satisfied:
            return []
        if ctx is None:
            ctx = _Ctx(top=r, owner=r.symbol or "")
        elif ctx.top.symbol is not None and ctx.top.symbol == self.p.target_symbol and ctx.top is not r:
            # below the target's own reason, each of its conditions is what a step is for
            ctx = _Ctx(top=r, owner=r.symbol or ctx.owner)
        elif r.symbol and r.version_check is None:
            ctx = _Ctx(top=ctx.top, owner=r.symbol)
        leaf = self.leaf_kind(r)
        if leaf is not None:
            return self.leaf_moves(r, leaf, nesting, need_lo, ctx)
        kids = [c for c in r.children if not c.satisfied]
        if _is_or(r):
            lo = _wanted(r, (need_lo, 2))[0]
            return self.any_of(kids, nesting, lo, ctx)
        return self.all_of(kids, nesting, need_lo, ctx)

    def all_of(self, kids: list[Reason], nesting: int, need_lo: int = 1,
               ctx: _Ctx | None = None) -> list[_Move] | None:
        main = [c for c in kids if not _is_extra(c)]
        extras = [c for c in kids if _is_extra(c)]
        if len(main) > 1 and all(c.kind == "definition" for c in main):
            # a symbol defined in several places is visible through any of them
            main_moves = self.any_of(main, nesting, need_lo, ctx)
        elif any(self.is_dead(c) for c in main):
            for c in main:
                self.note_dead(c)
            main_moves = None
        else:
            main_moves = []
            for c in main:
                m = self.alts(c, nesting, need_lo, ctx)
                if m is None:
                    main_moves = None
                    break
                if m:
                    main_moves = m
                    break
        extra_moves: list[_Move] | None = None
        for c in extras:
            m = self.alts(c, nesting, need_lo, ctx)
            if m is not None:
                extra_moves = (extra_moves or []) + m
        if main_moves is None and extra_moves is None:
            return None
        return (main_moves or []) + (extra_moves or [])

    def any_of(self, kids: list[Reason], nesting: int, need_lo: int, ctx: _Ctx | None) -> list[_Move] | None:
        out: list[_Move] = []
        alive = False
        taken = 0
        for c in kids:
            if taken >= MAX_ALTERNATIVES:
                alive = True
                break
            m = self.alts(c, nesting, need_lo, ctx)
            if m is None:
                continue
            alive = True
            if m:
                out += m
                taken += 1
        return out if alive else None

    def note_dead(self, r: Reason) -> None:
        """Remember the leaves that make ``r`` impossible (for saying why nothing works)."""
        if not self.is_dead(r):
            return
        leaf = self.leaf_kind(r)
        if leaf is not None:
            self.dead.append(r)
            return
        for c in r.children:
            if not c.satisfied:
                self.note_dead(c)

    def is_dead(self, r: Reason) -> bool:
        """Nothing at all can satisfy ``r`` (a structural check, without sub-explanations)."""
        if r.satisfied:
            return False
        leaf = self.leaf_kind(r)
        if leaf is not None:
            return leaf == "dead"
        kids = [c for c in r.children if not c.satisfied]
        if _is_or(r):
            return all(self.is_dead(c) for c in kids)
        main = [c for c in kids if not _is_extra(c)]
        extras = [c for c in kids if _is_extra(c)]
        if len(main) > 1 and all(c.kind == "definition" for c in main):
            main_dead = all(self.is_dead(c) for c in main)
        else:
            main_dead = any(self.is_dead(c) for c in main)
        return main_dead and all(self.is_dead(c) for c in extras)

    # leaves ---------------------------------------------------------------------

    def leaf_kind(self, r: Reason) -> str | None:
        """How a reason is acted on: move, outside, sub (explain again), wait, dead; None to descend."""
        if r.action:
            return "move"
        if r.version_check is not None:
            return "outside"
        if r.kind in ("probe", "environment", "arch"):
            return "outside"
        if r.kind in ("truncated", "seen"):
            return "sub" if r.symbol else "dead"
        if r.kind in ("select", "implied") and not r.children:
            return "sub" if r.symbol else "dead"
        if r.kind == "cycle":
            return "wait"
        if r.kind == "constant" and not r.children:
            return "probe-constant"
        if r.kind == "compare":
            return "dead"
        if not r.children:
            return "dead"
        return None

    def leaf_moves(self, r: Reason, leaf: str, nesting: int, need_lo: int, ctx: _Ctx) -> list[_Move] | None:
        if leaf == "dead":
            self.dead.append(r)
            return None
        if leaf == "probe-constant":
            m = self.p.probe_constant_move(r, ctx)
            if m is None:
                self.dead.append(r)
                return None
            return [m]
        if leaf == "wait":
            return []
        if leaf == "move":
            moves = self.action_moves(r)
            return [dataclasses.replace(m, top=ctx.top) for m in moves] if moves else moves
        if leaf == "outside":
            m = self.p.outside_move(r)
            if m is None:
                self.dead.append(r)
                return None
            return [dataclasses.replace(m, top=ctx.top, owner=ctx.owner)]
        # sub: a symbol the engine did not follow here; explain it on its own
        sym = self.lt.sym(r.symbol or "")
        if sym is None or nesting >= _MAX_NESTING or sym.orig_type not in (BOOL, TRISTATE):
            return []
        if r.kind in ("select", "implied"):
            lo, hi = max(need_lo, 1), 2
        else:
            lo, hi = _wanted(r, (1, 2))
        w = self.p.explorer()
        sub = w.tri_reason(sym, lo, hi)
        if sub.satisfied:
            return []
        return self.alts(sub, nesting + 1, lo, _Ctx(top=ctx.top, owner=sym.name))

    def action_moves(self, r: Reason) -> list[_Move] | None:
        action = r.action or ""
        m = re.fullmatch(r"set (\S+) to (.*)", action, re.S)
        if m:
            sym = self.lt.sym(m.group(1))
            if sym is None:
                return None
            return [_Move("set", sym, m.group(2), r)]
        m = re.fullmatch(r"choose (\S+) in .*", action, re.S)
        if m:
            sym = self.lt.sym(m.group(1))
            return [_Move("choose", sym, "y", r)] if sym is not None else None
        if action.startswith("choose another member of"):
            sym = self.lt.sym(r.symbol or "")
            if sym is None or sym.choice is None:
                return None
            default = self.ev.choice_default(sym.choice)
            others = [s for s in sym.choice.syms if s is not sym and self.ev.visibility(s)]
            others.sort(key=lambda s: 0 if s is default else 1)
            return [_Move("choose", s, "y", r) for s in others] or None
        return None


# -- the planner ------------------------------------------------------------------------------


class _Planner:
    def __init__(self, lt: LoadedTree, target: Target, probe: ProbeResult | DoctorReport | None,
                 max_plans: int, max_expansions: int) -> None:
        self.lt = lt
        self.ev = lt.ev
        self.target = target
        self.probe = probe
        self.max_plans = max_plans
        self.max_expansions = max_expansions
        self.expansions = 0
        self.start = lt.ev.snapshot()
        self.start_assumed = dict(lt.ev.assumed)
        # the values computed so far go back with the input (reset): nobody computes them again
        self.start_values = lt.ev.held() if not self.start_assumed else None
        self.tree = lt.tree
        goal = target.member() or target.item
        self.goal_symbols = {goal} if goal.__class__ is Symbol else set()
        self.target_symbol = goal.name if goal.__class__ is Symbol else None

    def explorer(self) -> _Explorer:
        return _Explorer(self.lt)

    # state -------------------------------------------------------------------------

    def reset(self) -> None:
        self.ev.restore(self.start, self.start_values)
        for s, v in self.start_assumed.items():
            self.ev.assume(s, v)

    def apply(self, move: _Move) -> bool:
        ev = self.ev
        if move.outside:
            ev.assume(move.sym, move.value)
            return True
        if move.kind == "choose":
            if move.sym.choice is None or not ev.visibility(move.sym):
                return False
            ev.choose(move.sym)
            return True
        return ev.set_value(move.sym, move.value)

    def replay(self, moves: Iterable[_Move]) -> bool:
        self.reset()
        return all(self.apply(m) for m in moves)

    # reasons ---------------------------------------------------------------------------

    def root_reasons(self, w: _Explorer) -> list[Reason]:
        """The unmet conditions of the target in the current state (an AND list)."""
        t = self.target
        ev = self.ev
        it = t.item
        member = t.member()
        if member is not None:
            it, want = member, "y"
        else:
            want = t.want
        if it.__class__ is MenuNode:
            return w.terms_reasons(w.terms.menu_terms(it), 1)
        if it.__class__ is Choice:
            return w.nodes_blockers([n for n in it.nodes if n.prompt], 1)
        sym: Symbol = it
        prompted = [n for n in sym.nodes if n.prompt]
        if want == "visible":
            if not prompted:
                return [Reason(kind="no-prompt", text=f"{sym.name} has no prompt: it is never shown, only computed",
                               symbol=sym.name, value=ev.str_value(sym))]
            return w.nodes_blockers(prompted, 1)
        if sym.orig_type in (BOOL, TRISTATE):
            v = _TRI.index(want)
            if v == 1 and ev.sym_type(sym) == BOOL:
                modules = self.lt.kconf.modules
                if sym.orig_type == TRISTATE and modules.nodes and ev.tri(modules) != 2:
                    # a tristate acts as bool until module support is on
                    return [w.tri_reason(modules, 2, 2)]
                return [Reason(kind="value", text=f"{sym.name} is bool: it can be n or y, never m",
                               symbol=sym.name, value=ev.str_value(sym), wanted="m")]
            return [w.tri_reason(sym, v, v)]
        text = normal_text(sym, want)
        if ev.visibility(sym):
            if sym.orig_type in (INT, HEX) and not ev.string_within_range(sym, want):
                rng = ev.active_range(sym)
                return [Reason(kind="range", text=f"{want} is outside the range {rng[0]}..{rng[1]}" if rng else
                               f"{want} is not a valid value of {sym.name}", symbol=sym.name, value=ev.str_value(sym))]
            return [Reason(kind="user", text=f"set {sym.name} to {text}", symbol=sym.name, value=ev.str_value(sym),
                           action=f"set {sym.name} to {want}")]
        if not prompted:
            return [Reason(kind="no-prompt", text=f"{sym.name} has no prompt; its value is computed",
                           symbol=sym.name, value=ev.str_value(sym))]
        return w.nodes_blockers(prompted, 1)

    def candidates(self, moves: list[_Move]) -> tuple[list[_Move], _Candidates]:
        w = self.explorer()
        reasons = self.root_reasons(w)
        c = _Candidates(self)
        found = c.all_of([r for r in reasons if not r.satisfied], 0) or []
        # a symbol is set once per plan, a choice chosen once
        done = {m.sym: m for m in moves}
        chosen = {m.sym.choice for m in moves if m.kind == "choose"}
        out: list[_Move] = []
        keys = set()
        for m in found:
            prev = done.get(m.sym)
            if prev is not None:
                continue
            if m.kind == "choose" and m.sym.choice in chosen:
                continue
            if m.kind == "set" and m.sym.choice is not None:
                continue
            if m.key in keys:
                continue
            keys.add(m.key)
            out.append(m)
        return out, c

    # search ------------------------------------------------------------------------------

    def search(self) -> tuple[list[list[_Move]], list[Reason]]:
        found: list[list[_Move]] = []
        seen: set[frozenset[tuple[str, str, str]]] = {frozenset()}
        agenda: deque[list[_Move]] = deque([[]])
        dead: list[Reason] = []
        wanted = self.max_plans * 2
        while agenda and len(found) < wanted and self.expansions < self.max_expansions:
            moves = agenda.popleft()
            if not self.replay(moves):
                continue
            while self.expansions < self.max_expansions:
                if self.target.reached(self.lt):
                    found.append(moves)
                    break
                if len(moves) >= MAX_STEPS:
                    break
                cands, info = self.candidates(moves)
                self.expansions += 1
                if not moves:
                    dead = info.dead
                state = self.ev.snapshot()
                assumed = dict(self.ev.assumed)
                nxt = None
                for m in cands:
                    key = frozenset(x.key for x in moves) | {m.key}
                    if key in seen:
                        continue
                    if nxt is None:
                        if self.apply(m):
                            seen.add(key)
                            nxt = m
                        else:
                            self.ev.restore(state)
                            for s, v in assumed.items():
                                self.ev.assume(s, v)
                    else:
                        # tried in a later dive
                        seen.add(key)
                        agenda.append([*moves, m])
                if nxt is None:
                    break
                moves = [*moves, nxt]
        return found, dead

    # outside steps -------------------------------------------------------------------------

    def outside_move(self, r: Reason) -> _Move | None:
        vc = r.version_check
        if vc is not None:
            sym = self.lt.sym(vc.symbol)
            value = _version_value(vc, r.wanted != "false")
            if sym is None or value is None:
                return None
            name = vc.symbol
            if name.startswith("PAHOLE"):
                kind = "pahole"
            elif name.startswith(("RUSTC", "BINDGEN")):
                kind = "toolchain"
            else:
                kind = "compiler"
            return _Move(kind, sym, value, r)
        sym = self.lt.sym(r.symbol or "")
        if sym is None:
            # a constant a probe left in an expression: only another toolchain changes it
            return None
        lo, hi = _wanted(r)
        raising = self.ev.tri(sym) < lo
        if r.kind == "arch":
            return _Move("arch", sym, _TRI[max(lo, 1)], r) if raising else None
        if sym.orig_type not in (BOOL, TRISTATE):
            return None
        value = _TRI[2 if lo >= 1 and sym.orig_type == BOOL else lo] if raising else _TRI[hi]
        if r.kind == "probe":
            if not raising:
                # a probe that passes is never turned off by making the toolchain worse
                return None
            macro = r.probe.macro if r.probe is not None else ""
            if sym.name == "RUST_IS_AVAILABLE" or "rust_is_available" in macro:
                return _Move("toolchain", sym, value, r)
            return _Move("toolchain" if re.search(r"rustc|bindgen", macro) else "compiler", sym, value, r)
        if sym.name in _LLVM_SYMBOLS:
            return _Move("llvm" if raising else "gnu", sym, value, r)
        if sym.name in _GNU_SYMBOLS:
            return _Move("gnu" if raising else "llvm", sym, value, r)
        if (r.env_hint or "").startswith("comes from the architecture"):
            return _Move("arch", sym, value, r)
        return _Move("environment", sym, value, r)

    def probe_constant_move(self, r: Reason, ctx: _Ctx) -> _Move | None:
        """A failed ``$(cc-option,…)``-like probe left n in the ``depends on`` of ``ctx.owner``:
        the step is a toolchain that passes it, assumed to make the owner y."""
        owner = self.lt.sym(ctx.owner)
        if owner is None or owner.orig_type not in (BOOL, TRISTATE) or any(n.prompt for n in owner.nodes):
            return None
        w = self.explorer()
        for node in owner.nodes:
            for ln, text in w.src.entry(node):
                if "$(" not in text or not re.match(r"(depends\s+on|def_bool|def_tristate|default)\b", text):
                    continue
                failed = [c for c in self.lt.trace.at(node.filename, ln) if c.status != 0 or c.output == "n"]
                if failed:
                    call = failed[-1]
                    probe = why.ProbeInfo(macro=why.line_macros(text), source_line=text,
                                          location=f"{node.filename}:{ln}", command=call.command,
                                          status=call.status, output=call.output, stderr=call.stderr)
                    leaf = dataclasses.replace(r, kind="probe", symbol=owner.name, probe=probe,
                                               location=probe.location)
                    kind = "toolchain" if re.search(r"rustc|bindgen", text) else "compiler"
                    return _Move(kind, owner, "y", leaf, top=ctx.top, owner=owner.name)
        return None

    # plans ------------------------------------------------------------------------------------

    def finish(self, found: list[list[_Move]], before: Before) -> list[Plan]:
        plans: list[tuple[tuple[Any, ...], Plan]] = []
        keys: set[frozenset[tuple[str, str, str]]] = set()
        for moves in found:
            ordered = [m for m in moves if m.outside] + [m for m in moves if not m.outside]
            if not self.replay(ordered) or not self.target.reached(self.lt):
                ordered = list(moves)
            ordered = self.minimize(ordered)
            key = frozenset(m.key for m in ordered)
            if key in keys:
                continue
            keys.add(key)
            plan = self.verify(ordered, before)
            # equal sizes keep the order of discovery, which follows the Kconfig text
            rank = (plan.other_tree, not plan.verified, len(plan.steps), len(plan.outside_steps))
            plans.append((rank, plan))
        plans.sort(key=lambda x: x[0])
        return [p for _, p in plans[:self.max_plans]]

    def minimize(self, moves: list[_Move]) -> list[_Move]:
        """Drop steps the target turns out not to need (a dive may take a detour)."""
        i = 0
        while i < len(moves) and len(moves) > 1:
            trial = moves[:i] + moves[i + 1:]
            if self.replay(trial) and self.target.reached(self.lt):
                moves = trial
            else:
                i += 1
        return moves

    def verify(self, moves: list[_Move], before: Before) -> Plan:
        steps = [s for m in moves for s in (self.toolchain_steps(m, before) if m.kind == "toolchain"
                                            and m.sym.name == "RUST_IS_AVAILABLE" else None) or [self.step(m, before)]]
        ok = self.replay(moves) and self.target.reached(self.lt)
        result = self.target.value(self.lt)
        touched = {m.sym for m in moves} | self.goal_symbols
        ev = self.ev
        changes = []
        other_tree = any(m.kind == "arch" for m in moves)
        # on another architecture nearly everything differs: its side effects show once it is loaded
        if ok and not other_tree:
            # only what the plan's input reaches can differ (in menu order, as every symbol would be)
            differ = may_differ(self.lt, self.start, self.start_assumed)
            for s in self.lt.kconf.unique_defined_syms:
                if s in touched or differ is not None and s not in differ:
                    continue
                after = ev.str_value(s)
                if after != before[s]:
                    changes.append(Change(s.name, before[s], after, is_rust_related(self.lt, s)))
        assumes = {m.sym.name: m.value for m in moves if m.outside}
        label = self.target.label
        if not ok:
            note = "not verified: applied to a copy of the configuration, the target was not reached"
        elif other_tree:
            note = (f"checked on this tree with {_assume_text(assumes)} assumed; on the other "
                    "architecture the other values differ: load it and plan again")
        elif assumes:
            note = (f"verified for its configuration part, assuming the outside steps succeed "
                    f"({_assume_text(assumes)}): then {label} holds")
        else:
            note = f"verified: applied to a copy of the current configuration, {label} holds"
        return Plan(steps=steps, verified=ok, result=result, side_effects=changes, assumes=assumes, note=note,
                    other_tree=other_tree)

    def step(self, m: _Move, before: Before) -> Step:
        r = m.reason
        sym = m.sym
        rust = is_rust_related(self.lt, sym)
        loc = self._def_loc(sym)
        because = _because(m.top or r)
        if m.kind == "set":
            shown = m.value if m.value != "" else '""'
            return Step("set", f"set {sym.name} to {shown}" + _prompt_suffix(sym), sym.name, m.value,
                        before.get(sym), rust=rust, location=loc, because=because, short=f"{sym.name}={shown}")
        if m.kind == "choose":
            choice = sym.choice
            prompt = next((str(n.prompt[0]) for n in choice.nodes if n.prompt), "choice")
            return Step("choose", f"choose {sym.name} in '{prompt}'" + _prompt_suffix(sym), sym.name, "y",
                        before.get(sym), rust=rust, location=loc, because=because, short=f"choose {sym.name}")
        text, commands, details = self.outside_text(m)
        return Step(m.kind, text, sym.name, m.value, before.get(sym), outside=True, rust=rust,
                    location=r.location or loc, because=because, commands=commands, details=details,
                    short=self.outside_short(m))

    def outside_short(self, m: _Move) -> str:
        vc = m.reason.version_check
        if m.kind == "pahole" and vc is not None:
            return f"pahole {_version_span(vc, m.reason.wanted != 'false', m.value)}"
        if vc is not None:
            return f"{vc.symbol} {_version_span(vc, m.reason.wanted != 'false', m.value)}"
        return {"toolchain": "fix the Rust toolchain", "llvm": "LLVM=1", "gnu": "without LLVM=1",
                "arch": "another ARCH", "compiler": "another compiler",
                }.get(m.kind, f"{m.sym.name}={m.value} from the toolchain")

    def _def_loc(self, sym: Symbol) -> str | None:
        node = next((n for n in sym.nodes if n.prompt), sym.nodes[0] if sym.nodes else None)
        return f"{node.filename}:{node.linenr}" if node is not None else None

    # commands ----------------------------------------------------------------------------------

    def cli(self, *, llvm: bool | None = None, arch: str | None = None, extra: Iterable[str] = (),
            make_vars: dict[str, str] | None = None) -> str:
        t = self.tree
        parts = ["rustconfig", "fix", shlex.quote(str(t.source))]
        a = arch or t.arch
        if a:
            parts += ["--arch", a]
        if t.llvm if llvm is None else llvm:
            parts.append("--llvm")
        if t.build is not None:
            parts += ["-O", shlex.quote(str(t.build))]
        if t.cross_compile:
            parts += ["--cross-compile", t.cross_compile]
        merged = dict(t.make_vars)
        for k in make_vars or {}:
            merged.pop(k, None)
        parts += [f"--make-var {shlex.quote(f'{k}={v}')}" for k, v in merged.items()]
        # values that are placeholders or shell expansions for the user to fill in stay unquoted
        parts += [f"--make-var {k}={v}" for k, v in (make_vars or {}).items()]
        parts += list(extra)
        parts.append(shlex.quote(self.target.label if self.target.kind == "symbol" else
                                 str(self.target_spec())))
        return " ".join(parts)

    def target_spec(self) -> str:
        it = self.target.item
        if it.__class__ is Symbol:
            return f"{it.name}={self.target.want}"
        nodes = it.nodes if it.__class__ is Choice else [it]
        return next((str(n.prompt[0]) for n in nodes if n.prompt), "")

    def probe_cli(self, *, doctor: bool = False) -> str:
        t = self.tree
        parts = ["rustconfig", "doctor" if doctor else "probe", shlex.quote(str(t.source))]
        if t.arch:
            parts += ["--arch", t.arch]
        if t.llvm:
            parts.append("--llvm")
        if t.build is not None:
            parts += ["-O", shlex.quote(str(t.build))]
        if t.cross_compile:
            parts += ["--cross-compile", shlex.quote(t.cross_compile)]
        parts += [f"--make-var {shlex.quote(f'{k}={v}')}" for k, v in self.probe_vars().items()]
        return " ".join(parts)

    def make_cmd(self, goal: str, *, llvm: bool | None = None) -> str:
        t = self.tree
        args = ["make", "-C", shlex.quote(str(t.source))]
        if t.build is not None:
            args.append(f"O={shlex.quote(str(t.build))}")
        for a in t.make_arguments():
            if a == "LLVM=1" and llvm is False:
                continue
            args.append(shlex.quote(a))
        if llvm and not t.llvm:
            args.append("LLVM=1")
        args.append(goal)
        return " ".join(args)

    def outside_text(self, m: _Move) -> tuple[str, list[Remedy], list[str]]:
        r = m.reason
        env = self.lt.env.variables
        name = m.sym.name
        if m.kind in ("compiler", "toolchain") and r.kind == "probe" and name != "RUST_IS_AVAILABLE" \
                and r.probe is not None:
            p = r.probe
            tool = "Rust toolchain" if m.kind == "toolchain" else "C compiler"
            text = f"Use a {tool} that passes {p.macro} ({name}, {p.location})"
            cmds = [rt.remedy("plan-probe", command=p.command)] if p.command else []
            if "cc-option" in p.macro and not self.tree.llvm:
                cmds.append(rt.remedy("plan-llvm-probe", command=self.cli(llvm=True)))
            cmds.append(rt.remedy("plan-other-cc", command=self.cli(make_vars={"CC": "/path/to/cc"})))
            details = [f"it answered {p.output!r} (exit status {p.status}) when the tree was loaded"]
            return text, cmds, details
        if m.kind == "toolchain" and r.version_check is None:
            return self.toolchain_text()
        if r.version_check is not None:
            vc = r.version_check
            want_true = r.wanted != "false"
            span = _version_span(vc, want_true, m.value)
            newer = _version_relation(vc, want_true) in (">=", ">")
            found = vc.found_version or vc.found
            if m.kind == "pahole":
                who = m.owner if m.owner and m.owner != name else name
                text = f"Install pahole {span} (found {found if found != 'not found' else 'none'}) for {who}"
                cmds = [*(rt.remedy(f"pahole-{fam}") for fam in rt.DISTRO_LINES),
                        rt.remedy("plan-other-pahole", command=self.cli(make_vars={"PAHOLE": "/path/to/pahole"}))]
                return text, cmds, [f"now PAHOLE={env.get('PAHOLE', 'pahole')}"]
            if vc.symbol.startswith("BINDGEN"):
                text = f"Use bindgen {span} (found {found})"
                minimum = why.decode_version(vc.symbol, m.value) if newer else None
                cmds = [*rt.bindgen_install(self.remedy_context({"bindgen": minimum} if minimum else {}),
                                            newer=True),
                        rt.remedy("plan-with-it", command=self.cli(make_vars={"BINDGEN": "$HOME/.cargo/bin/bindgen"}))]
                return text, cmds, [f"now BINDGEN={env.get('BINDGEN', 'bindgen')}"]
            if vc.symbol.startswith("RUSTC"):
                text = f"Use a Rust compiler with {vc.symbol} {span} (found {found})"
                if newer:
                    pick = rt.remedy("rustup-override")
                elif vc.symbol == "RUSTC_VERSION":
                    version = why.decode_version(vc.symbol, m.value)
                    pick = rt.remedy("rustup-override-version", version=version)
                else:
                    pick = rt.remedy("rustup-pick", symbol=vc.symbol, span=span)
                cmds = [pick, rt.remedy("rust-src-pinned"),
                        rt.remedy("plan-with-it", command=self.cli(make_vars={"RUSTC": '"$(rustup which rustc)"'}))]
                return text, cmds, [f"now RUSTC={env.get('RUSTC', 'rustc')}"]
            text = f"Use a compiler with {vc.symbol} {span} (found {found})"
            return text, [rt.remedy("plan-cc", command=self.cli(make_vars={"CC": "/path/to/cc"}))], \
                [f"now CC={env.get('CC', '')}"]
        if m.kind == "llvm":
            text = f"Build with clang and the LLVM tools (LLVM=1): {name} must be y"
            cmds = [rt.remedy("plan-llvm", command=self.cli(llvm=True)),
                    rt.remedy("configure-with", command=self.make_cmd("olddefconfig", llvm=True))]
            return text, cmds, [f"now CC={env.get('CC', '')}"]
        if m.kind == "gnu":
            text = f"Build with gcc and GNU binutils (without LLVM=1): {name} must be {m.value}"
            cmds = [rt.remedy("plan-gnu", command=self.cli(llvm=False)),
                    rt.remedy("configure-with", command=self.make_cmd("olddefconfig", llvm=False))]
            return text, cmds, [f"now CC={env.get('CC', '')}"]
        if m.kind == "arch":
            arches = r.arches or []
            names = []
            for a in arches:
                arch = _arch_name(a.arch, a.condition)
                if arch not in names:
                    names.append(arch)
            if not arches:
                # a value computed from $(ARCH) itself, e.g. 64BIT
                text = f"Use another architecture: {name} comes from ARCH (now ARCH={self.lt.arch})"
                return text, [rt.remedy("plan-arch", command=self.cli(arch="ARCH"))], []
            listed = ", ".join(names)
            text = f"Use an architecture that provides {name} ({listed}); ARCH={self.lt.arch} does not"
            cmds = [rt.remedy("plan-arch-named", arch=a, command=self.cli(arch=a)) for a in names]
            details = [f"arch/{a.arch}: select {name}" + (f" if {a.condition}" if a.condition else "")
                       + f"  ({a.location})" for a in arches]
            return text, cmds, details
        hint = r.env_hint or "comes from the toolchain make was given"
        text = f"{name} must be {m.value}: {hint}"
        return text, [rt.remedy("plan-tools", command=self.cli())], []

    def remedy_context(self, mins: dict[str, str] | None = None) -> rt.Context:
        """For the remedies table: this machine, the tree's folder."""
        import os

        machine = rt.Machine(rt.read_os_release(), dict(os.environ))
        return rt.Context(machine, mins or {}, False, dict(self.tree.make_vars), str(self.tree.objtree))

    def probe_vars(self) -> dict[str, str]:
        """The make variables the toolchain was last checked with (what the user typed), else the tree's."""
        probe = self.probe
        if isinstance(probe, DoctorReport):
            return dict(probe.tree.make_vars)
        if isinstance(probe, ProbeResult):
            names = {k for k, _ in self.tree.make_vars} | {"RUSTC", "BINDGEN", "CC", "LIBCLANG_PATH", "RUST_LIB_SRC",
                                                          "KRUSTFLAGS", "HOSTCC", "LD"}
            given = dict(self.tree.make_vars)
            for arg in probe.argv:
                k, sep, v = arg.partition("=")
                if sep and k in names:
                    given[k] = v
            return given
        return dict(self.tree.make_vars)

    def toolchain_problems(self) -> list[Finding]:
        """Every problem the doctor found (all at once), or the script's errors (its first one)."""
        probe = self.probe
        if isinstance(probe, DoctorReport):
            return probe.findings()
        if isinstance(probe, ProbeResult):
            return [f for f in probe.findings if f.severity == "error"] or \
                [f for f in probe.findings if f.severity == "warning"]
        return []

    def toolchain_steps(self, m: _Move, before: Before) -> list[Step] | None:
        """With the doctor's report: one outside step per problem, each with its own remedies."""
        probe = self.probe
        if not isinstance(probe, DoctorReport) or probe.script is not None and probe.script.available:
            return None
        problems = probe.findings()
        if not problems:
            return None
        base = self.step(m, before)
        check = rt.remedy("check-again", command=self.probe_cli(doctor=True))
        steps = []
        for i, f in enumerate(problems):
            last = i == len(problems) - 1
            short = f"{f.tool or 'toolchain'}: {f.kind.replace(f'{f.tool}-', '').replace('-', ' ')}"
            versions = ""
            if f.found_version or f.required_version:
                a, b = f.version_labels
                versions = f" ({a} {f.found_version or '?'}, {b} {f.required_version or '?'})"
            steps.append(dataclasses.replace(
                base, text=f.message + versions, commands=list(f.remedies) + ([check] if last else []),
                details=[], short=short, kind="toolchain"))
        return steps

    def toolchain_text(self) -> tuple[str, list[Remedy], list[str]]:
        env = self.lt.env.variables
        now = f"RUSTC={env.get('RUSTC', 'rustc')}, BINDGEN={env.get('BINDGEN', 'bindgen')}"
        check = rt.remedy("check-again", command=self.probe_cli())
        probe = self.probe
        if probe is not None:
            available = probe.available if isinstance(probe, ProbeResult) else \
                (probe.script.available if probe.script is not None else probe.ok)
            if available:
                return ("Load the tree again: make rustavailable passes now, but the tree was loaded when it "
                        "did not", [rt.remedy("plan-reload", command=self.cli())], [now])
            bad = self.toolchain_problems()
            if bad:
                first = bad[0]
                more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
                cmds = [rem for f in bad for rem in f.remedies if rem.command]
                details = [f.message for f in bad[1:]]
                return f"Fix the Rust toolchain: {first.message}{more}", cmds + [check], details
        return ("Fix the Rust toolchain: scripts/rust_is_available.sh does not accept it "
                f"({now}); see what it reports",
                [rt.remedy("see-reports", command=self.probe_cli(doctor=True)),
                 rt.remedy("make-rustavailable", command=self.make_cmd("rustavailable"))], [])


def _version_relation(vc: why.VersionCheck, want_true: bool) -> str:
    """The relation the symbol must have to the needed number for the check to come out as wanted."""
    if want_true:
        return vc.op
    return {">=": "<", ">": "<=", "<=": ">", "<": ">=", "=": "!=", "!=": "="}[vc.op]


def _version_value(vc: why.VersionCheck, want_true: bool) -> str | None:
    try:
        needed = int(vc.needed)
    except ValueError:
        return None
    op = _version_relation(vc, want_true)
    value = {">=": needed, ">": needed + 1, "<=": needed, "<": needed - 1, "=": needed,
             "!=": needed + 1}[op]
    return str(max(value, 0))


def _version_span(vc: why.VersionCheck, want_true: bool, value: str) -> str:
    """"1.81.0 or newer", "exactly 12", … for the value a version check needs."""
    op = _version_relation(vc, want_true)
    shown = why.decode_version(vc.symbol, value) or value
    if op in (">=", ">"):
        return f"{shown} or newer"
    if op in ("<=", "<"):
        return f"{shown} or older"
    if op == "=":
        return f"exactly {shown}"
    return f"other than {why.decode_version(vc.symbol, vc.needed) or vc.needed}"


def _arch_name(srcarch: str, condition: str) -> str:
    if srcarch == "x86":
        return "i386" if condition and "64" not in condition else "x86_64"
    return srcarch


def _assume_text(assumes: dict[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in assumes.items())


def _because(r: Reason) -> str:
    return r.text + (f" ({r.location})" if r.location else "")


def _prompt_suffix(sym: Symbol) -> str:
    prompt = next((str(n.prompt[0]) for n in sym.nodes if n.prompt), None)
    return f" ({prompt})" if prompt else ""


# -- public API ----------------------------------------------------------------------------------


def plan_fix(lt: LoadedTree, target: Target | Symbol | Choice | MenuNode, want: str | None = None, *,
             probe: ProbeResult | DoctorReport | None = None, max_plans: int = 3,
             max_expansions: int = MAX_EXPANSIONS) -> FixResult:
    """Up to ``max_plans`` verified plans that bring ``target`` to ``want``, smallest first.

    ``probe``, a finished ``make rustavailable``, names the toolchain fix.
    The configuration is left exactly as it was.
    """
    t0 = time.monotonic()
    tgt = target if isinstance(target, Target) else make_target(lt, target, want)
    planner = _Planner(lt, tgt, probe, max_plans, max_expansions)
    try:
        value = tgt.value(lt)
        exp = _explain(lt, tgt)
        if tgt.reached(lt):
            return FixResult(target=tgt.label, kind=tgt.kind, want=tgt.want, value=value, already=True, plans=[],
                             possible_here=True, why_not="", summary=exp.summary, explored=0,
                             seconds=time.monotonic() - t0)
        before = before_values(lt)
        found, dead = planner.search()
        plans = planner.finish(found, before)
    finally:
        planner.reset()
    here = [p for p in plans if not p.other_tree]
    why_not = ""
    if not here:
        why_not = _why_not(tgt, exp, plans, dead, lt.tree.llvm)
    if here:
        first = here[0]
        summary = f"{exp.summary}; {len(here)} plan{'s' if len(here) != 1 else ''}, the smallest: " + \
            ", ".join(s.short for s in first.steps[:5]) + (" …" if len(first.steps) > 5 else "")
    else:
        summary = f"{exp.summary}; {why_not}"
    return FixResult(target=tgt.label, kind=tgt.kind, want=tgt.want, value=value, already=False, plans=plans,
                     possible_here=bool(here), why_not=why_not, summary=summary, explored=planner.expansions,
                     seconds=time.monotonic() - t0)


def _explain(lt: LoadedTree, t: Target) -> why.Explanation:
    member = t.member()
    if member is not None:
        return why.explain(lt, member, "y")
    return why.explain(lt, t.item, t.want)


def _dead_text(r: Reason, llvm: bool) -> str:
    p = r.probe
    if p is None:
        return r.text
    text = f"{p.macro} gave {p.output or 'n'} when the tree was loaded ({p.location})"
    if r.kind == "probe" and "cc-option" in p.macro and not llvm:
        text += "; a compiler that passes it is needed (clang may: load the tree with LLVM=1)"
    elif r.kind == "probe":
        text += "; only another toolchain changes it"
    return text


def _why_not(t: Target, exp: why.Explanation, plans: list[Plan], dead: list[Reason], llvm: bool) -> str:
    if plans:
        arch = next(s for p in plans for s in p.outside_steps if s.kind == "arch")
        return f"nothing can reach it on this tree: {arch.text}"
    if dead:
        texts = []
        for r in dead:
            text = _dead_text(r, llvm)
            if text not in texts:
                texts.append(text)
        more = f" (and {len(texts) - 3} more)" if len(texts) > 3 else ""
        return "nothing can reach it on this tree: " + "; ".join(texts[:3]) + more
    return "nothing can reach it on this tree: no combination of settings found by the planner reaches it"


def apply_plan(lt: LoadedTree, plan: Plan, target: Target | None = None) -> ApplyReport:
    """Apply the config steps that can be made now, in order; those that wait for an outside
    step (a symbol still hidden until the toolchain is fixed) are returned as pending.
    ``before`` is the configuration as it was, for undo."""
    ev = lt.ev
    before = ev.snapshot()
    applied: list[Step] = []
    pending: list[Step] = []
    for s in plan.config_steps:
        sym = lt.sym(s.symbol or "")
        ok = False
        if sym is not None:
            if s.kind == "choose":
                ok = sym.choice is not None and bool(ev.visibility(sym))
                if ok:
                    ev.choose(sym)
            else:
                ok = ev.set_value(sym, s.value or "")
        (applied if ok else pending).append(s)
    reached = target.reached(lt) if target is not None else None
    return ApplyReport(applied=applied, pending=pending, before=before, reached=reached)


__all__ = [
    "ApplyReport", "Change", "FixResult", "OUTSIDE_KINDS", "Plan", "SCHEMA", "Step", "Target",
    "apply_plan", "find_target", "format_plan", "format_result", "make_target", "plan_fix",
]
