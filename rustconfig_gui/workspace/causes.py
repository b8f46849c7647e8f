"""Requested values that did not take, grouped by what stops them.

When a fragment asks for ``RUST=y`` and five Rust options, and Rust support
is hidden because the toolchain fails, the five options fail only because
``RUST`` does: one cause, not six.  A requested value *needs* another
requested value when that one's symbol appears, unmet, in the why engine's
reasons for it; following those needs to the end gives the requests that
fail on their own (the roots), and every request is grouped under its
roots.  Each root's cause is one sentence from the fix planner's smallest
plan: what outside the configuration it needs (the toolchain, LLVM=1,
another ARCH, …) and which settings, so the report can offer one
"Make available…" per group.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from kconfiglib import BOOL, TRISTATE

from rustconfig_gui.explain import fix, why

if TYPE_CHECKING:
    from rustconfig_gui.explain.why import Explanation
    from rustconfig_gui.kconfig.loader import LoadedTree
    from rustconfig_gui.toolchain.rustavailable import ProbeResult

# what an outside step of a plan is about, as the report names it
OUTSIDE_LABELS = {
    "toolchain": "the toolchain",
    "compiler": "the C compiler",
    "pahole": "pahole",
    "llvm": "needs LLVM=1",
    "gnu": "needs a build without LLVM=1",
    "arch": "the architecture",
    "environment": "the build environment",
}


class _Requested(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def value(self) -> str: ...

    @property
    def line_text(self) -> str: ...


class _Failed(Protocol):
    @property
    def request(self) -> _Requested: ...

    @property
    def explanation(self) -> Explanation | None: ...


@dataclass
class CauseGroup:
    """Requests that fail for one cause: the roots, and those that need them."""

    roots: list[str]            # "RUST=y": requests that fail on their own
    members: list[str]          # every request of the group (symbol names), roots first
    lines: list[str]            # their fragment lines, in the same order
    cause: str                  # one sentence: "Rust support is hidden: RUST_IS_AVAILABLE=n (the toolchain)"
    outside: list[str] = field(default_factory=list)   # kinds of outside steps: toolchain, arch, …
    fix: str | None = None      # the target "Make available…" plans for (None: no plan on this tree)
    plan: list[str] = field(default_factory=list)      # the smallest plan, step by step (short)
    command: str = ""           # the same plans on the command line

    @property
    def dependents(self) -> int:
        return len(self.members) - len(self.roots)

    @property
    def outside_only(self) -> bool:
        """Only steps outside the configuration stand in the way."""
        return bool(self.outside) and len(self.plan) == len(self.outside)

    def headline(self) -> str:
        root = " and ".join(self.roots)
        k = self.dependents
        if k == 0:
            return f"{root} does not take; {self.cause}"
        return f"{k} value{'s' if k != 1 else ''} need{'s' if k == 1 else ''} {root}; {self.cause}"

    def to_dict(self) -> dict[str, Any]:
        return {"roots": self.roots, "symbols": self.members, "lines": self.lines, "cause": self.cause,
                "headline": self.headline(), "outside": self.outside, "fix": self.fix, "plan": self.plan,
                "outside_only": self.outside_only, "command": self.command}


def _needs(item: _Failed, names: set[str]) -> list[str]:
    exp = item.explanation
    if exp is None:
        return []
    own = item.request.name
    found: dict[str, None] = {}
    for reason in exp.reasons:
        for r in reason.walk():
            if not r.satisfied and r.symbol in names and r.symbol != own:
                found.setdefault(r.symbol, None)
    return list(found)


def _roots(name: str, needs: dict[str, list[str]], trail: tuple[str, ...] = ()) -> list[str]:
    deps = [d for d in needs.get(name, []) if d not in trail]
    if not deps:
        return [name]
    out: dict[str, None] = {}
    for d in deps:
        for r in _roots(d, needs, (*trail, name)):
            out.setdefault(r, None)
    return list(out)


def group_failures(lt: LoadedTree, failed: Sequence[_Failed], *, probe: ProbeResult | None = None,
                   plans: bool = True) -> list[CauseGroup]:
    """Group ``failed`` (each with the why engine's explanation, in the state
    after applying) by their roots; with ``plans`` each root's cause comes
    from the fix planner's smallest plan.  The configuration is left as it is."""
    by_name = {f.request.name: f for f in failed}
    names = set(by_name)
    needs = {n: _needs(f, names) for n, f in by_name.items()}
    order = list(by_name)
    keyed: dict[tuple[str, ...], list[str]] = {}
    for n in order:
        roots = tuple(sorted(_roots(n, needs), key=order.index))
        keyed.setdefault(roots, []).append(n)
    groups: list[CauseGroup] = []
    causes: dict[str, tuple[str, list[str], str | None, list[str]]] = {}
    for roots, members in keyed.items():
        ordered = [r for r in roots if r in members] + [m for m in members if m not in roots]
        for r in roots:
            if r not in causes:
                causes[r] = _cause(lt, by_name[r], probe, plans)
        texts = [causes[r][0] for r in roots]
        outside = [k for r in roots for k in causes[r][1]]
        fixes = [causes[r][2] for r in roots]
        steps = [s for r in roots for s in causes[r][3]]
        groups.append(CauseGroup(
            roots=[f"{r}={by_name[r].request.value or chr(34) * 2}" for r in roots], members=ordered,
            lines=[by_name[m].request.line_text for m in ordered], cause="; ".join(texts),
            outside=list(dict.fromkeys(outside)), fix=fixes[0] if len(fixes) == 1 else None, plan=steps,
            command=fix_command(lt, fixes[0]) if len(fixes) == 1 and fixes[0] else ""))
    # the biggest group first, then as the requests came
    groups.sort(key=lambda g: (-len(g.members), order.index(g.members[0])))
    return groups


def plan_needs(lt: LoadedTree, target: fix.Target, probe: ProbeResult | None = None,
               ) -> tuple[fix.Plan | None, list[fix.Step], fix.FixResult, list[list[fix.Step]]]:
    """The smallest plan for ``target``, and the settings it needs whatever the outside
    steps turn out to be.

    A plan that needs a toolchain that passes may also work around the toolchain
    at hand (a rustc too old for a mitigation turns the mitigation off); a toolchain
    that passes need not be that one.  So when the smallest plan has outside steps,
    the settings kept are those every plan with outside steps found shares; the
    rest of each such plan is returned as an alternative ("one of").
    """
    result = fix.plan_fix(lt, target, probe=probe, max_plans=1)
    here = [p for p in result.plans if not p.other_tree]
    if not here:
        return None, [], result, []
    plan = here[0]
    if not plan.outside_steps:
        return plan, plan.config_steps, result, []
    more = fix.plan_fix(lt, target, probe=probe, max_plans=3)
    plans = [p for p in more.plans if not p.other_tree and p.outside_steps] or [plan]
    common = set.intersection(*({(s.kind, s.symbol, s.value) for s in p.config_steps} for p in plans))
    alternatives = [[s for s in p.config_steps if (s.kind, s.symbol, s.value) not in common] for p in plans]
    alternatives = [a for a in alternatives if a]
    return plan, [s for s in plan.config_steps if (s.kind, s.symbol, s.value) in common], result, alternatives


def fix_command(lt: LoadedTree, target: str | None) -> str:
    """``rustconfig fix`` for ``target`` on this tree, as it was loaded."""
    if not target:
        return ""
    t = lt.tree
    parts = ["rustconfig", "fix", shlex.quote(str(t.source))]
    if t.arch:
        parts += ["--arch", t.arch]
    if t.llvm:
        parts.append("--llvm")
    if t.build is not None:
        parts += ["-O", shlex.quote(str(t.build))]
    parts += [f"--make-var {shlex.quote(f'{k}={v}')}" for k, v in t.make_vars]
    parts.append(shlex.quote(target))
    return " ".join(parts)


def _cause(lt: LoadedTree, item: _Failed, probe: ProbeResult | None,
           plans: bool) -> tuple[str, list[str], str | None, list[str]]:
    """(sentence, outside kinds, fix target, plan steps) of a request that fails on its own."""
    ev = lt.ev
    req = item.request
    sym = lt.sym(req.name)
    if sym is None:
        return f"{req.name} is not in this tree", [], None, []
    prompt = next((str(n.prompt[0]) for n in sym.nodes if n.prompt), None)
    actual = ev.str_value(sym)
    if prompt and not ev.visibility(sym):
        head = f"{prompt} is hidden"
    elif sym.orig_type in (BOOL, TRISTATE) and req.value == "m" and ev.sym_type(sym) == BOOL:
        head = f"{req.name} can only be n or y here"
    else:
        head = f"{req.name} is {actual or chr(34) * 2}"
    brief = why.one_line_from(item.explanation.reasons) if item.explanation is not None else ""
    if not plans:
        return (f"{head}: {brief}" if brief else head), [], None, []
    try:
        target = fix.make_target(lt, sym, req.value)
        plan, settings, result, alternatives = plan_needs(lt, target, probe)
    except ValueError as e:
        return f"{head}: {e}", [], None, []
    if plan is None:
        return f"{head}: {result.why_not or brief}", [], None, []
    parts = []
    for s in plan.outside_steps:
        label = OUTSIDE_LABELS.get(s.kind, s.kind)
        if s.kind == "toolchain" and s.symbol and not s.short.startswith(s.symbol):
            parts.append(f"{s.symbol}={s.before} ({label})")
        else:
            parts.append(f"{s.short} ({label})")
    others = [s.short for s in settings if s.symbol != req.name]
    if others:
        parts.append("needs " + ", ".join(others))
    if alternatives:
        parts.append("and one of: " + " | ".join(
            ", ".join(s.short for s in alt) for alt in alternatives))
    text = f"{head}: {', '.join(parts) if parts else brief}"
    return text, [s.kind for s in plan.outside_steps], target.label, \
        [s.short for s in plan.outside_steps] + [s.short for s in settings]


__all__ = ["CauseGroup", "OUTSIDE_LABELS", "fix_command", "group_failures", "plan_needs"]
