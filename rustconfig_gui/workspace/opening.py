"""Opening a tree for the window, without Qt: the load itself, and a load
started at process start, before Qt is imported, that the window takes over.

A cold open is mostly the parse and the toolchain probes it starts (children,
on the other cores); the interpreter importing Qt and building the window can
run beside them instead of before them (:class:`EarlyLoad`).  The window's
loading job (``gui/workers.py`` ``TreeLoader``) either runs :func:`load_work`
or adopts an early load of the same request: from then on it gets its
progress, its Cancel stops it, and its outcome or error is the job's.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rustconfig_gui.explain.overview import RustOverviewData, rust_blockers, rust_overview
from rustconfig_gui.explain.rustclass import rust_node_ids, rust_symbols
from rustconfig_gui.kconfig import configfile
from rustconfig_gui.kconfig.loader import LoadedTree, load_tree, open_stored
from rustconfig_gui.kconfig.memory import collector_paused, exempt_long_lived
from rustconfig_gui.kconfig.parsecache import ParseCache
from rustconfig_gui.kconfig.semantics import Evaluator
from rustconfig_gui.kconfig.shell.cache import ProbeCache
from rustconfig_gui.kconfig.tree import KernelTree
from rustconfig_gui.workspace.search import SearchIndex

Report = Callable[[Any], None]
Stopped = Callable[[], bool]

# progress at most this often: every value is a signal to the GUI thread, which
# repaints the bar; per parsed file (~1,700 on 7.2) that took the GIL from the parse
PROGRESS_INTERVAL = 0.1


def throttled(report: Report, interval: float = PROGRESS_INTERVAL) -> Report:
    """``report`` for at most one value per ``interval`` seconds (the first at once)."""
    last = -interval

    def send(value: Any) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= interval:
            last = now
            report(value)

    return send


@dataclass
class LoadRequest:
    tree: KernelTree
    config: Path | None = None     # an explicit config file to read
    prefer_defconfig: bool = False  # no .config: start from the arch defconfig (demo tree)
    carried: Evaluator | None = None  # a copy of the current (unsaved) values, kept over a reload
    use_caches: bool = True  # probe results and parses (kconfig/shell/cache.py, kconfig/parsecache.py)
    # show the tree as its last load left it, then check it (kconfig/lastload.py; TreeRechecker)
    stored_first: bool = True


@dataclass
class LoadOutcome:
    loaded: LoadedTree
    config_source: Path | None
    report: configfile.ConfigReadReport | None
    # built here, not on the GUI thread (None: built by another job once the tree is shown)
    index: SearchIndex | None
    rust_syms: frozenset[Any]
    overview: RustOverviewData
    rust_nodes: frozenset[Any]
    parse_cache: ParseCache | None = None
    request: LoadRequest | None = None


def load_work(req: LoadRequest) -> Callable[[Report, Stopped], LoadOutcome]:
    """The loading job: parse in the worker, read the starting configuration."""

    def work(report: Report, stopped: Stopped) -> LoadOutcome:
        report = throttled(report)
        # a full collection mid-parse would hold the GIL, and the GUI thread, for 100+ ms
        with collector_paused():
            outcome = _load(report, stopped)
            exempt_long_lived()
        return outcome

    def _load(report: Report, stopped: Stopped) -> LoadOutcome:
        # probe results and the parse are reused while what they depend on is unchanged
        parse_cache = ParseCache() if req.use_caches else None
        lt = None
        if parse_cache is not None and req.stored_first and req.carried is None:
            lt = open_stored(req.tree, parse_cache, progress=lambda f, p: report((f, p)), cancelled=stopped)
        if lt is None:
            lt = load_tree(req.tree, progress=lambda f, p: report((f, p)), cancelled=stopped,
                           probe_cache=ProbeCache() if req.use_caches else None, parse_cache=parse_cache)
        source: Path | None = None
        report_: configfile.ConfigReadReport | None
        if req.carried is not None:
            report_ = configfile.read_config_text(lt.ev, configfile.config_text(req.carried),
                                                  "(current configuration)")
        elif req.config is not None:
            report_ = lt.read_config(req.config)
            source = req.config
        elif req.tree.config_path.is_file():
            report_ = lt.read_config(req.tree.config_path)
            source = req.tree.config_path
        elif req.prefer_defconfig and lt.defconfig_path() is not None:
            report_ = lt.defconfig()
            source = lt.defconfig_path()
        else:
            report_ = lt.read_initial_config()
            source = Path(report_.filename) if report_ is not None else None
        # what the window's first screen needs, computed here so showing the tree is quick
        # (the window computes the rest after its first paint: LoadedTree.shown_steps)
        lt.evaluate_first_screen()
        lt.reverse  # noqa: B018 - a cached property, built here
        rust_syms = frozenset(rust_symbols(lt))
        overview = rust_overview(lt, rust_syms, rust_blockers(lt))
        # the search index is built after the tree is on screen (MainWindow._restore_index)
        return LoadOutcome(lt, source, report_, None, rust_syms, overview,
                           rust_node_ids(lt, rust_syms), parse_cache, req)

    return work


class EarlyLoad:
    """A window's first load, started on a thread of its own before the window
    exists; :meth:`adopt` (a job's work function) takes it over.

    Whoever starts one must see it end: :meth:`adopt` it, or :meth:`cancel`
    and :meth:`join` it (``gui/app.py`` does, whatever happens)."""

    def __init__(self, request: LoadRequest) -> None:
        self.request = request
        self._stop = threading.Event()
        self._done = threading.Event()
        self._report: Report | None = None
        self._result: LoadOutcome | None = None
        self._error: BaseException | None = None
        self.adopted = False
        self._thread = threading.Thread(target=self._run, name="early-load")
        self._thread.start()

    def _run(self) -> None:
        try:
            self._result = load_work(self.request)(self._forward, self._stop.is_set)
        except BaseException as e:  # handed to the job that adopts this load
            self._error = e
        finally:
            self._done.set()

    def _forward(self, value: Any) -> None:
        report = self._report
        if report is not None:
            report(value)

    def matches(self, request: LoadRequest) -> bool:
        """``request`` is what this load does (the same tree, file and options)."""
        return request == self.request

    def cancel(self) -> None:
        self._stop.set()

    def join(self) -> None:
        self._thread.join()

    def take(self) -> Callable[[Report, Stopped], LoadOutcome]:
        """For the job that takes this load over: its work function (:meth:`adopt`).
        From this call on, ending this load is that job's business."""
        self.adopted = True
        return self.adopt

    def adopt(self, report: Report, stopped: Stopped) -> LoadOutcome:
        """The job's work: this load's progress goes to ``report`` from now on,
        ``stopped()`` cancels it; returns its outcome or raises its error."""
        self._report = report
        while not self._done.wait(0.05):
            if stopped():
                self._stop.set()
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result
