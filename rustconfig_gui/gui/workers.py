"""Loading a tree in a worker thread, with progress and Cancel."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from rustconfig_gui.gui.jobs import JobRunner
from rustconfig_gui.host import lazy
from rustconfig_gui.kconfig.loader import LoadedTree, Recheck, checked, recheck_stored, store_parse
from rustconfig_gui.kconfig.memory import (
    collector_paused,
    exempt_long_lived,
    give_back_free_memory,
    retire,
)
from rustconfig_gui.kconfig.shell.cache import ProbeCache
from rustconfig_gui.workspace.opening import EarlyLoad, LoadOutcome, LoadRequest, load_work
from rustconfig_gui.workspace.search import SearchIndex

__all__ = ["EarlyLoad", "LoadOutcome", "LoadRequest", "TreeLoader", "TreeRechecker", "index_work", "load_work",
           "preimport_pending", "preimport_work", "retire_work", "store_parse_work"]


def index_work(lt: LoadedTree):
    """The search index of a tree on screen, built after its first paint.  Like a
    load: the collector paused (a full collection would hold the GIL, and the GUI
    thread, while ~100k new objects are made), the index then exempted from it."""

    def work(report, stopped) -> tuple[LoadedTree, SearchIndex]:
        with collector_paused():
            index = SearchIndex(lt.kconf)
            exempt_long_lived()
        return lt, index

    return work


# the window's own Qt modules are imported on the GUI thread, on their first use
_GUI_MODULES = ("rustconfig_gui.gui.",)


def preimport_pending() -> list[str]:
    """The modules :func:`preimport_work` would import now."""
    return lazy.pending(skip=_GUI_MODULES)


def preimport_work():
    """The modules imported on first use (host/lazy.py), imported on a worker after
    the first screen: a first check or dialog then finds them.  Only the Qt-free
    ones."""

    def work(report, stopped) -> list[str]:
        return lazy.import_pending(stopped, skip=_GUI_MODULES)

    return work


def retire_work(lt: LoadedTree):
    """Taking apart a tree the window no longer shows (kconfig/memory.py)."""

    def work(report, stopped) -> None:
        retire(lt, stopped)

    return work


def store_parse_work(outcome: LoadOutcome):
    """Writing a fresh parse to the parse cache, and what the load saw for the
    next one (kconfig/lastload.py), after the tree is shown."""

    def work(report, stopped) -> bool:
        if outcome.parse_cache is None:
            return False
        # the pickler keeps what it wrote alive until it is done: nothing for the collector to find
        with collector_paused():
            stored = store_parse(outcome.loaded, outcome.parse_cache, stopped)
        give_back_free_memory()  # the pickler's working set
        return stored

    return work


class TreeLoader(JobRunner):
    """Loads one tree at a time off the GUI thread; ``progress`` carries
    (files parsed, probes run), ``finished`` a :class:`LoadOutcome`."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.full_load_next = False  # the next load checks everything before showing (TreeRechecker)

    def load(self, request: LoadRequest, early: EarlyLoad | None = None) -> bool:
        """Load ``request``; ``early``: a load of it already running (gui/app.py), taken over
        instead of starting another (cancelled if it loads something else)."""
        if self.full_load_next:
            request = replace(request, stored_first=False)
        if early is not None and not (early.matches(request) and not self.busy):
            early.cancel()
            early.join()
            early = None
        started = self.start(early.take() if early is not None else load_work(request))
        if started:
            self.full_load_next = False
        return started


def recheck_work(lt: LoadedTree, check: Callable[[Callable[[], bool]], Recheck]):
    def work(report, stopped) -> tuple[LoadedTree, Recheck]:
        return lt, check(stopped)

    return work


class TreeRechecker(QObject):
    """A tree shown as its last load left it (LoadRequest.stored_first) is
    checked behind it: make's environment, every Kconfig file and every probe
    (kconfig/lastload.py).  Unchanged: the tree stays, with the probes as they
    ran now.  Changed, or the check failed: the tree is loaded again, keeping
    the values the user had and any edit made meanwhile, and the status bar
    says why.  The window calls :meth:`loaded` for each tree it shows and
    :meth:`shutdown` when it closes."""

    changed = Signal(str)  # the reload started, and why
    confirmed = Signal()  # the tree shown is what a load gives
    START_DELAY_MS = 250

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.job = JobRunner(self)
        self.job.finished.connect(self._on_checked)
        self.job.failed.connect(self._on_check_failed)
        self.job.cancelled.connect(self._start_pending)
        self._checked_tree: LoadedTree | None = None  # what the running check is about
        self.checking: LoadOutcome | None = None
        self.reloading = False
        self.reason = ""
        # edits made while the tree is loaded again: (symbol name, user value), applied to the new tree
        self.edits_during_reload: dict[str, int | str] | None = None
        self._reloaded_from: LoadedTree | None = None

    def loaded(self, outcome: LoadOutcome) -> None:
        """The window shows ``outcome``'s tree."""
        lt = outcome.loaded
        if self.reloading:
            self.window.statusBar().showMessage(
                f"Loaded {lt.title} again ({self.reason} since it was last opened); the tree shown is up to date.",
                15000)
        self.reloading = False
        self._apply_edits_made_meanwhile(lt)
        if not lt.timings.unchecked:
            self.checking = None
            return
        self.checking = outcome
        if self.job.busy:
            self.job.cancel()  # about another tree: this check starts when it has stopped (never waited for here)
        else:
            # a worker beside the first layout and paint makes them wait for the GIL at every model call
            QTimer.singleShot(self.START_DELAY_MS, self._start_pending)
        self.window.statusBar().showMessage(
            f"Opened {lt.title} as last loaded ({lt.timings.total:.1f} s); checking the toolchain and "
            "Kconfig files…", 15000)

    def shutdown(self) -> None:
        self.job.shutdown()

    def _start_pending(self) -> None:
        outcome = self.checking
        if outcome is None or outcome.loaded is not self.window.lt or self.job.busy:
            return
        self._checked_tree = outcome.loaded
        self.job.start(recheck_work(outcome.loaded, recheck_stored(outcome.loaded, ProbeCache())))

    def _current(self, lt: LoadedTree | None) -> bool:
        """Whether a check about ``lt`` is the one wanted now (else the wanted one starts)."""
        outcome = self.checking
        if outcome is not None and outcome.loaded is lt and lt is self.window.lt:
            return True
        self._start_pending()
        return False

    def _on_check_failed(self, message: str) -> None:
        if self._current(self._checked_tree):
            self._reload(f"checking it failed: {message}")

    def _on_checked(self, answer: tuple[LoadedTree, Recheck]) -> None:
        lt, result = answer
        if not self._current(lt):
            return  # about a tree no longer shown
        outcome = self.checking
        assert outcome is not None
        if result.changed:
            self._reload(result.changed)
            return
        checked(outcome.loaded, result)
        self.checking = None
        self.window.statusBar().showMessage(
            f"Loaded {outcome.loaded.title}: toolchain and Kconfig files checked, unchanged since last "
            "loaded.", 8000)
        self.confirmed.emit()

    def _reload(self, why: str) -> None:
        outcome, self.checking = self.checking, None
        window = self.window
        if outcome is None or outcome.loaded is not window.lt or window.loader.busy:
            return
        req = outcome.request or LoadRequest(outcome.loaded.tree)
        self.window.loader.full_load_next = True
        # with edits: the values as they are now; without: read again as at first
        keep = bool(window.modified)
        self._reloaded_from = outcome.loaded
        self.edits_during_reload = {}
        window.model.valueEdited.connect(self._record_edit)
        if keep:
            started = window.open_tree(req.tree, keep_values=True)
        else:
            started = window.open_tree(req.tree, config=req.config, prefer_defconfig=req.prefer_defconfig)
        if not started:
            window.loader.full_load_next = False
            self._stop_recording()
            return
        self.reloading = True
        self.reason = why
        window.statusBar().showMessage(f"Changed since this tree was last opened: {why}. Loading it again"
                                       + (", keeping your changes…" if keep else "…"), 15000)
        self.changed.emit(why)

    def load_failed(self, message: str) -> bool:
        """The window's load failed or was cancelled: True when it was the
        reload of a tree found changed, handled here (the tree shown is not
        what the tree gives now, so it does not stay on screen)."""
        if not self.reloading:
            return False
        self.reloading = False
        self._stop_recording()
        window = self.window
        window.message.setText("<b>The tree could not be loaded again after its toolchain or Kconfig files "
                               f"changed.</b><br><br>{message}")
        window.stack.setCurrentIndex(0)
        window._set_enabled(False)
        window.statusBar().showMessage("Loading failed.", 10000)
        return True

    def _record_edit(self, sym: Any) -> None:
        old = self._reloaded_from
        if self.edits_during_reload is not None and old is not None and sym in old.ev.user:
            self.edits_during_reload[sym.name] = old.ev.user[sym]

    def _stop_recording(self) -> None:
        if self.edits_during_reload is not None:
            self.window.model.valueEdited.disconnect(self._record_edit)
        self.edits_during_reload = None
        self._reloaded_from = None

    def _apply_edits_made_meanwhile(self, lt: LoadedTree) -> None:
        edits = self.edits_during_reload
        if edits is None or lt is self._reloaded_from:
            return
        self._stop_recording()
        for name, value in edits.items():
            sym = lt.sym(name)
            if sym is not None:
                self.window.model.set_symbol_value(sym, value)
