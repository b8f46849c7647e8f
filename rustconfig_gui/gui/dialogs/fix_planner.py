"""Planning for the "Make available…" dialog on a worker thread.

The planner (:func:`rustconfig_gui.explain.fix.plan_fix`) tries its steps on the
evaluator it is given (``set_value``, ``choose``, ``assume``, then ``restore``),
so it must never run on the window's evaluator while the GUI thread edits it.
Blocking edits while a plan runs would make the tree wait for the dialog; so the
worker plans on an evaluator of its own over the same parse (the parse is never
written after loading, see ``LoadedTree.values_copy``): the GUI thread hands it a
snapshot of the user input (a copy of four dicts) with a generation number, the
worker restores it and plans on it, and the answer goes back with its generation.

* A request cancels the running plan at once (it stops at its next trial step)
  and starts a moment later (:data:`PLAN_DELAY_MS`), from the state as it is
  then: the window brings the rows on screen up to date after an edit first,
  without a worker taking the GIL from it at every model call, and a burst of
  edits is planned once.  One plan runs at a time: only the newest state is
  planned.
* An answer for an older generation is dropped.
* :meth:`FixPlanner.stop` cancels and joins (the dialog calls it when it is
  hidden or closed, the window when it closes): no thread outlives the dialog.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kconfiglib import Symbol
from PySide6.QtCore import QObject, QTimer, Signal

from rustconfig_gui.errors import LoadCancelled
from rustconfig_gui.gui.jobs import JobRunner
from rustconfig_gui.host.lazy import LazyModule
from rustconfig_gui.kconfig.loader import LoadedTree
from rustconfig_gui.kconfig.semantics import Evaluator, UserState

if TYPE_CHECKING:
    from rustconfig_gui.explain import fix
    from rustconfig_gui.explain.fix import FixResult, Target
    from rustconfig_gui.toolchain.doctor import DoctorReport
    from rustconfig_gui.toolchain.rustavailable import ProbeResult
else:  # imported by the first plan, not while the window starts
    fix = LazyModule("rustconfig_gui.explain.fix")

#: how long after a request (the dialog opened, an edit) the plan starts
PLAN_DELAY_MS = 250


class PlanningEvaluator(Evaluator):
    """The worker's own evaluator over the window's parse.  A cancelled plan ends at
    its next trial step (``LoadCancelled``), not after the whole search."""

    def __init__(self, model: Evaluator) -> None:
        super().__init__(model.kconf, model.sem, model.transitional)
        self.stopped: Callable[[], bool] = lambda: False

    def _check(self) -> None:
        if self.stopped():
            raise LoadCancelled()

    def set_value(self, sym: Symbol, value: int | str) -> bool:
        self._check()
        return super().set_value(sym, value)

    def choose(self, sym: Symbol) -> None:
        self._check()
        super().choose(sym)

    def assume(self, sym: Symbol, value: str) -> None:
        self._check()
        super().assume(sym, value)


@dataclass(frozen=True)
class PlanRequest:
    """What to plan, and from which state (taken on the GUI thread)."""

    generation: int
    target: Target
    state: UserState
    assumed: dict[Symbol, str]
    probe: ProbeResult | DoctorReport | None


@dataclass(frozen=True)
class PlanAnswer:
    generation: int
    result: FixResult


def planning_copy(lt: LoadedTree) -> LoadedTree:
    """``lt`` with an evaluator of its own (the parse, the reverse dependencies and
    the rest shared: nothing writes them after loading)."""
    twin = copy.copy(lt)
    twin.ev = PlanningEvaluator(lt.ev)
    return twin


def plan_work(twin: LoadedTree, req: PlanRequest) -> Callable[[Callable[[Any], None], Callable[[], bool]], Any]:
    """The job: the request's state restored in the worker's own evaluator, then planned."""
    def work(_report: Callable[[Any], None], stopped: Callable[[], bool]) -> PlanAnswer:
        ev = twin.ev
        assert isinstance(ev, PlanningEvaluator)
        ev.stopped = stopped
        ev.restore(req.state)
        for sym, value in req.assumed.items():
            ev.assume(sym, value)
        if stopped():
            raise LoadCancelled()
        return PlanAnswer(req.generation, fix.plan_fix(twin, req.target, probe=req.probe))
    return work


class FixPlanner(QObject):
    """Plans for one loaded tree on a worker; ``planned`` carries the newest answer only."""

    planned = Signal(object)  # PlanAnswer
    failed = Signal(str)
    started = Signal(int)  # the generation a worker plans now

    def __init__(self, lt: LoadedTree, parent: QObject | None = None, *, delay_ms: int = PLAN_DELAY_MS) -> None:
        super().__init__(parent)
        self.lt = lt
        self.runner = JobRunner(self)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.runner.cancelled.connect(self._on_cancelled)
        self.generation = 0
        self._pending: PlanRequest | None = None
        self._twin: LoadedTree | None = None
        self._wanted: tuple[Target, ProbeResult | DoctorReport | None] | None = None
        self._delay = QTimer(self)
        self._delay.setSingleShot(True)
        self._delay.setInterval(delay_ms)
        self._delay.timeout.connect(self._take_request)

    @property
    def busy(self) -> bool:
        """A plan is being made or waits to start."""
        return self._delay.isActive() or self.runner.busy or self._pending is not None

    def request(self, target: Target, probe: ProbeResult | DoctorReport | None) -> int:
        """Plan ``target`` a moment from now, from the configuration as it is then; any
        answer for an earlier request is dropped.  The generation the answer will have."""
        self.generation += 1
        self._wanted = (target, probe)
        self._pending = None
        if self.runner.busy:
            self.runner.cancel()  # planned from an older state: stop it now
        self._delay.start()
        return self.generation

    def _take_request(self) -> None:
        if self._wanted is None:
            return
        (target, probe), self._wanted = self._wanted, None
        ev = self.lt.ev
        req = PlanRequest(self.generation, target, ev.snapshot(), dict(ev.assumed), probe)
        if self.runner.busy:
            # the running plan is for an older state: stop it, start this one once it has ended
            self._pending = req
            self.runner.cancel()
        else:
            self._start(req)

    def _start(self, req: PlanRequest) -> None:
        if self._twin is None:
            self._twin = planning_copy(self.lt)
        started = self.runner.start(plan_work(self._twin, req))
        assert started, "one plan at a time"
        self.started.emit(req.generation)

    def _next(self) -> bool:
        req, self._pending = self._pending, None
        if req is None:
            return False
        self._start(req)
        return True

    def _on_finished(self, answer: PlanAnswer) -> None:
        if self._next() or answer.generation != self.generation:
            return  # planned from an older state
        self.planned.emit(answer)

    def _on_cancelled(self) -> None:
        self._next()

    def _on_failed(self, message: str) -> None:
        if not self._next() and not self._delay.isActive():
            self.failed.emit(message)

    def stop(self) -> None:
        """Cancel and wait for the worker (the dialog hidden, the window closing).  An
        answer still on its way is dropped; a later :meth:`request` starts afresh."""
        self._pending = None
        self._wanted = None
        self._delay.stop()
        self.generation += 1
        self.runner.shutdown()  # an outcome still on its way is dropped by the runner
        # its computed values go with it (a closed dialog is kept by the window until the next)
        self._twin = None


__all__ = ["FixPlanner", "PlanAnswer", "PlanRequest", "PlanningEvaluator", "plan_work", "planning_copy"]
