"""The undo history of a :class:`~rustconfig_gui.workspace.session.Session`.

Every change to the configuration is one :class:`Command`: what the user input
(``Evaluator.user`` and the choice priorities) was before and after, kept as
the entries that differ (a :class:`Delta`), not as two copies of a 6,000-value
configuration, and which file the values came from and are saved to.  Undo
and redo put the entries back and forget only the values that can depend on
them (``Evaluator.invalidate_from``), as an edit does.

The history is bounded: at most :data:`MAX_STEPS` steps and :data:`MAX_ENTRIES`
entries (the entries of the deltas, and the values a report keeps: a plan's or a
preset's report holds whole copies of the user input, ~10,000 entries, ~0.3 MB on
a distribution's configuration); past either, the oldest steps are dropped first.
Only the newest :data:`KEEP_REPORTS` steps keep their reports.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kconfiglib import Choice, Symbol

from rustconfig_gui.kconfig.semantics import Evaluator, UserState

#: "no entry" in a delta (a symbol without a user value, a choice without a user selection)
ABSENT: Any = object()

#: the most steps the history keeps (the oldest go first)
MAX_STEPS = 500
#: the most entries it keeps: ~115 bytes each measured with a distribution's
#: configuration read on 7.2 (10,133 entries, 1.1 MB with its read report)
MAX_ENTRIES = 200_000
#: how many of the newest steps keep what the change reported
KEEP_REPORTS = 20

_serials = itertools.count(1)


def next_serial() -> int:
    """A new identity for a state of the configuration (see :attr:`History.state_id`)."""
    return next(_serials)


def _dict_delta(a: dict[Any, Any], b: dict[Any, Any]) -> dict[Any, tuple[Any, Any]]:
    out: dict[Any, tuple[Any, Any]] = {}
    for k, v in a.items():
        w = b.get(k, ABSENT)
        if w is ABSENT or w != v:
            out[k] = (v, w)
    for k, w in b.items():
        if k not in a:
            out[k] = (ABSENT, w)
    return out


def _apply_dict(d: dict[Any, Any], delta: dict[Any, tuple[Any, Any]], forward: bool) -> None:
    for k, (old, new) in delta.items():
        v = new if forward else old
        if v is ABSENT:
            d.pop(k, None)
        else:
            d[k] = list(v) if isinstance(v, list) else v


@dataclass(frozen=True)
class Delta:
    """The user input entries that differ between two states of one tree."""

    user: dict[Symbol, tuple[Any, Any]] = field(default_factory=dict)
    choice_order: dict[Choice, tuple[Any, Any]] = field(default_factory=dict)
    choice_user_sel: dict[Choice, tuple[Any, Any]] = field(default_factory=dict)
    choice_user_tri: dict[Choice, tuple[Any, Any]] = field(default_factory=dict)

    @classmethod
    def between(cls, before: UserState, after: UserState) -> Delta:
        order = {c: (list(o), list(after.choice_order.get(c, ())))
                 for c, o in before.choice_order.items() if after.choice_order.get(c) != o}
        return cls(_dict_delta(before.user, after.user), order,
                   _dict_delta(before.choice_user_sel, after.choice_user_sel),
                   _dict_delta(before.choice_user_tri, after.choice_user_tri))

    def __bool__(self) -> bool:
        return bool(self.user or self.choice_order or self.choice_user_sel or self.choice_user_tri)

    @property
    def size(self) -> int:
        """Entries kept (a choice's order counts its members, both sides)."""
        return (len(self.user) + sum(len(a) + len(b) for a, b in self.choice_order.values())
                + len(self.choice_user_sel) + len(self.choice_user_tri))

    def inputs(self) -> frozenset[Symbol | Choice]:
        """The symbols and choices whose user input differs."""
        out: set[Symbol | Choice] = set(self.user)
        for c in (*self.choice_order, *self.choice_user_sel, *self.choice_user_tri):
            out.add(c)
            out.update(c.syms)
        return frozenset(out)

    def apply(self, ev: Evaluator, forward: bool) -> frozenset[Symbol | Choice]:
        """Put the entries of one side into ``ev``; the inputs that changed."""
        _apply_dict(ev.user, self.user, forward)
        _apply_dict(ev.choice_order, self.choice_order, forward)
        _apply_dict(ev.choice_user_sel, self.choice_user_sel, forward)
        _apply_dict(ev.choice_user_tri, self.choice_user_tri, forward)
        changed = self.inputs()
        if ev.assumed:
            ev.assumed = {}
            ev.invalidate()
        elif changed:
            ev.invalidate_from(changed)
        return changed

    def translated(self, sym: Callable[[Symbol], Symbol | None],
                   choice: Callable[[Choice], Choice | None]) -> Delta:
        """The same entries in another parse of the tree (a reload): symbols by name,
        choices by their members; entries the new parse lacks are dropped."""
        def value(v: Any) -> Any:
            if isinstance(v, list):
                return [m for m in (sym(s) for s in v) if m is not None]
            if isinstance(v, Symbol):
                return sym(v)
            return v

        def move(d: dict[Any, tuple[Any, Any]], key: Callable[[Any], Any]) -> dict[Any, tuple[Any, Any]]:
            out = {}
            for k, (a, b) in d.items():
                nk = key(k)
                if nk is not None:
                    out[nk] = (value(a), value(b))
            return out

        return Delta(move(self.user, sym), move(self.choice_order, choice), move(self.choice_user_sel, choice),
                     move(self.choice_user_tri, choice))


@dataclass(frozen=True)
class Files:
    """Where the values came from (``source``, None: Kconfig defaults or a reload's
    current values) and where Save writes (``target``)."""

    source: Path | None
    target: Path | None


@dataclass
class Command:
    """One change, as the history keeps it."""

    kind: str          # see session.ChangeKind
    label: str         # "change LOG_BUF_SHIFT", "Apply Rust support", "Load .config"…
    delta: Delta
    files_before: Files
    files_after: Files
    report: Any = None  # what the change reported (an apply or read report), for the dialogs
    #: the state the command leaves (see :attr:`History.state_id`)
    serial: int = field(default_factory=next_serial)

    @property
    def size(self) -> int:
        """Entries this step keeps: its delta's and its report's (see :func:`report_size`)."""
        return self.delta.size + report_size(self.report)


def state_size(state: UserState) -> int:
    return (len(state.user) + sum(len(o) for o in state.choice_order.values()) + len(state.choice_user_sel)
            + len(state.choice_user_tri))


def report_size(report: Any) -> int:
    """Entries a report keeps: the copies of the user input it holds (a plan's or a
    preset's ``before``/``after``) and its list of issues."""
    if report is None:
        return 0
    size = 1
    for name in ("before", "after"):
        state = getattr(report, name, None)
        if isinstance(state, UserState):
            size += state_size(state)
    issues = getattr(report, "issues", None)
    if isinstance(issues, list):
        size += len(issues)
    return size


class History:
    """Undo and redo of :class:`Command` objects, with the state last saved; bounded
    (see the module's docstring: ``max_steps``, ``max_entries``, ``keep_reports``)."""

    def __init__(self, *, max_steps: int = MAX_STEPS, max_entries: int = MAX_ENTRIES,
                 keep_reports: int = KEEP_REPORTS) -> None:
        self.commands: list[Command] = []
        self.pos = 0  # commands[:pos] are done
        self.base = next_serial()  # the state before the first command
        self.clean: int | None = self.base
        self.max_steps = max_steps
        self.max_entries = max_entries
        self.keep_reports = keep_reports
        #: steps dropped from the start since the last reset (undo stops short of them)
        self.dropped = 0

    @property
    def state_id(self) -> int:
        """Identifies the current state: equal ids, equal configuration."""
        return self.commands[self.pos - 1].serial if self.pos else self.base

    def push(self, cmd: Command) -> None:
        if self.clean in {c.serial for c in self.commands[self.pos:]}:
            self.clean = None  # the saved state was undone and is dropped now: unreachable
        del self.commands[self.pos:]
        self.commands.append(cmd)
        self.pos += 1
        self._bound()

    @property
    def size(self) -> int:
        """Entries kept by all steps (see :attr:`Command.size`)."""
        return sum(c.size for c in self.commands)

    def _bound(self) -> None:
        """After a push (every step done, none to redo): reports only on the newest
        steps, then the oldest steps dropped while over either limit; the newest
        step always stays, however large."""
        if self.keep_reports >= 0:
            for c in self.commands[:max(0, len(self.commands) - self.keep_reports)]:
                c.report = None
        sizes = [c.size for c in self.commands]
        total = sum(sizes)
        drop = 0
        while len(self.commands) - drop > 1 and (len(self.commands) - drop > self.max_steps
                                                  or total > self.max_entries):
            total -= sizes[drop]
            drop += 1
        if drop:
            # the state the first kept step starts from is the new start of the history;
            # a saved state dropped with them stays unreachable (the values stay modified)
            self.base = self.commands[drop - 1].serial
            del self.commands[:drop]
            self.pos -= drop
            self.dropped += drop

    def reset(self) -> None:
        self.commands.clear()
        self.pos = 0
        self.base = next_serial()
        self.clean = self.base
        self.dropped = 0

    @property
    def can_undo(self) -> bool:
        return self.pos > 0

    @property
    def can_redo(self) -> bool:
        return self.pos < len(self.commands)

    def to_undo(self) -> Command | None:
        return self.commands[self.pos - 1] if self.pos else None

    def to_redo(self) -> Command | None:
        return self.commands[self.pos] if self.pos < len(self.commands) else None

    def translate(self, sym: Callable[[Symbol], Symbol | None], choice: Callable[[Choice], Choice | None]) -> None:
        for c in self.commands:
            c.delta = c.delta.translated(sym, choice)
            # a report speaks of the old parse, which is taken apart once replaced
            c.report = None


def translators(new_syms: dict[str, Symbol], new_choices: Iterable[Choice]
                ) -> tuple[Callable[[Symbol], Symbol | None], Callable[[Choice], Choice | None]]:
    """Map a symbol (by name) and a choice (by its members' names) of one parse to another's."""
    by_members = {tuple(s.name for s in c.syms): c for c in new_choices}

    def sym(s: Symbol) -> Symbol | None:
        n = new_syms.get(s.name)
        return n if n is not None and n.nodes else None

    def choice(c: Choice) -> Choice | None:
        return by_members.get(tuple(s.name for s in c.syms))

    return sym, choice


__all__ = ["ABSENT", "Command", "Delta", "Files", "History", "KEEP_REPORTS", "MAX_ENTRIES", "MAX_STEPS",
           "next_serial", "report_size", "state_size", "translators"]
