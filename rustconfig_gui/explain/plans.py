"""What the fix planner answers: a :class:`Plan` of :class:`Step` s (with the
values it changes besides, :class:`Change`), a :class:`FixResult` for one
:class:`Target`, and what :func:`~rustconfig_gui.explain.fix.apply_plan` did
(:class:`ApplyReport`).  Plain data (``to_dict`` for JSON); the text rendering
is :mod:`rustconfig_gui.explain.text`."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from kconfiglib import BOOL, COMMENT, HEX, TRISTATE, Choice, MenuNode, Symbol

from rustconfig_gui.explain.text import format_result
from rustconfig_gui.kconfig.loader import LoadedTree
from rustconfig_gui.kconfig.semantics import UserState
from rustconfig_gui.toolchain.findings import Remedy

SCHEMA = 1

_TRI = ("n", "m", "y")


# -- results ---------------------------------------------------------------------------------


@dataclass
class Step:
    """One step of a plan."""

    kind: str                  # set, choose; or an outside kind: toolchain, llvm, gnu, arch, pahole, ...
    text: str                  # one line for people
    symbol: str | None = None
    value: str | None = None   # the value set; for an outside step, the value it is assumed to give
    before: str | None = None  # the symbol's value now
    outside: bool = False
    rust: bool = False
    location: str | None = None
    because: str = ""          # the unmet condition it removes
    commands: list[Remedy] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    short: str = ""            # a few words: "MODVERSIONS=n", "fix the Rust toolchain"


@dataclass
class Change:
    """A value the plan changes besides its own steps."""

    symbol: str
    before: str
    after: str
    rust: bool


@dataclass
class Plan:
    steps: list[Step]
    verified: bool
    result: str                       # the target's value once the plan is applied
    side_effects: list[Change]
    assumes: dict[str, str]           # values the outside steps are assumed to give
    note: str
    other_tree: bool = False          # needs another ARCH: the config part is for that tree

    @property
    def config_steps(self) -> list[Step]:
        return [s for s in self.steps if not s.outside]

    @property
    def outside_steps(self) -> list[Step]:
        return [s for s in self.steps if s.outside]

    @property
    def size(self) -> int:
        return len(self.steps)

    @property
    def rust_side_effects(self) -> int:
        return sum(1 for c in self.side_effects if c.rust)

    def headline(self) -> str:
        n = len(self.steps)
        parts = [f"{n} step{'s' if n != 1 else ''}"]
        if self.outside_steps:
            k = len(self.outside_steps)
            parts.append(f"{k} outside the configuration")
        if self.other_tree:
            parts.append("other values known once that ARCH is loaded")
            return ", ".join(parts)
        effects = len(self.side_effects)
        parts.append(f"{effects} other value{'s' if effects != 1 else ''} change"
                     + (f" ({self.rust_side_effects} Rust)" if self.rust_side_effects else ""))
        return ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class FixResult:
    target: str
    kind: str                  # symbol, choice, menu, comment
    want: str
    value: str                 # the target's value now
    already: bool
    plans: list[Plan]
    possible_here: bool        # some plan works on this tree (possibly after outside steps)
    why_not: str               # when nothing reaches the target on this tree: why
    summary: str
    explored: int              # states explained
    seconds: float

    @property
    def verified(self) -> list[Plan]:
        return [p for p in self.plans if p.verified]

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["schema"] = SCHEMA
        return d

    def text(self, *, effects: int = 12) -> str:
        return format_result(self, effects=effects)


@dataclass
class ApplyReport:
    """What :func:`apply_plan` did: steps applied now, steps that wait for the outside steps."""

    applied: list[Step]
    pending: list[Step]
    before: UserState
    reached: bool | None       # the target holds now (None: no target given)


# -- the target -----------------------------------------------------------------------------


@dataclass
class Target:
    item: Symbol | Choice | MenuNode
    want: str

    @property
    def kind(self) -> str:
        if self.item.__class__ is Symbol:
            return "symbol"
        if self.item.__class__ is Choice:
            return "choice"
        return "comment" if self.item.item is COMMENT else "menu"

    @property
    def label(self) -> str:
        it = self.item
        if it.__class__ is Symbol:
            return f"{it.name}={self.want}"
        if it.__class__ is Choice:
            prompt = next((str(n.prompt[0]) for n in it.nodes if n.prompt), it.name or "choice")
            return f"choice '{prompt}'" + ("" if self.want == "visible" else f"={self.want}")
        prompt = str(it.prompt[0]) if it.prompt else "menu"
        return f"{self.kind} '{prompt}' visible"

    def member(self) -> Symbol | None:
        if self.item.__class__ is Choice and self.want != "visible":
            return next((s for s in self.item.syms if s.name == self.want), None)
        return None

    def value(self, lt: LoadedTree) -> str:
        ev = lt.ev
        it = self.item
        if it.__class__ is Symbol:
            if self.want == "visible":
                return "visible" if ev.visibility(it) else "hidden"
            return ev.str_value(it)
        if it.__class__ is Choice:
            if self.want == "visible":
                return "visible" if ev.choice_visibility(it) else "hidden"
            sel = ev.choice_selection(it)
            return sel.name if sel is not None and ev.tri(sel) == 2 else ""
        return "visible" if ev.menu_is_visible(it) else "hidden"

    def reached(self, lt: LoadedTree) -> bool:
        ev = lt.ev
        it = self.item
        if it.__class__ is Symbol:
            if self.want == "visible":
                return bool(ev.visibility(it)) and any(n.prompt for n in it.nodes)
            if it.orig_type in (BOOL, TRISTATE):
                return ev.tri(it) == _TRI.index(self.want)
            return ev.str_value(it) == normal_text(it, self.want)
        if it.__class__ is Choice:
            if self.want == "visible":
                return bool(ev.choice_visibility(it))
            m = self.member()
            return m is not None and ev.choice_selection(it) is m and ev.tri(m) == 2
        return ev.menu_is_visible(it)


def normal_text(sym: Symbol, text: str) -> str:
    # set_value stores hex with its 0x prefix
    if sym.orig_type == HEX and text[:2].lower() != "0x":
        return "0x" + text
    return text
