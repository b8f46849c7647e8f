"""Loading a tree in a worker thread, with progress and Cancel."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rustconfig_gui.explain.overview import RustOverviewData, rust_blockers, rust_overview
from rustconfig_gui.explain.rustclass import rust_node_ids, rust_symbols
from rustconfig_gui.gui.jobs import JobRunner
from rustconfig_gui.kconfig import configfile
from rustconfig_gui.kconfig.loader import LoadedTree, load_tree, store_parse
from rustconfig_gui.kconfig.memory import (
    collector_paused,
    exempt_long_lived,
    give_back_free_memory,
    retire,
)
from rustconfig_gui.kconfig.parsecache import ParseCache
from rustconfig_gui.kconfig.semantics import Evaluator
from rustconfig_gui.kconfig.shell.cache import ProbeCache
from rustconfig_gui.kconfig.tree import KernelTree
from rustconfig_gui.workspace.search import SearchIndex


@dataclass
class LoadRequest:
    tree: KernelTree
    config: Path | None = None     # an explicit config file to read
    prefer_defconfig: bool = False  # no .config: start from the arch defconfig (demo tree)
    carried: Evaluator | None = None  # a copy of the current (unsaved) values, kept over a reload
    use_caches: bool = True  # probe results and parses (kconfig/shell/cache.py, kconfig/parsecache.py)


@dataclass
class LoadOutcome:
    loaded: LoadedTree
    config_source: Path | None
    report: configfile.ConfigReadReport | None
    # built here, not on the GUI thread
    index: SearchIndex
    rust_syms: frozenset
    overview: RustOverviewData
    rust_nodes: frozenset
    parse_cache: ParseCache | None = None


def load_work(req: LoadRequest):
    """The loading job: parse in the worker, read the starting configuration."""

    def work(report, stopped) -> LoadOutcome:
        # a full collection mid-parse would hold the GIL, and the GUI thread, for 100+ ms
        with collector_paused():
            outcome = _load(report, stopped)
            exempt_long_lived()
        return outcome

    def _load(report, stopped) -> LoadOutcome:
        # probe results and the parse are reused while what they depend on is unchanged
        parse_cache = ParseCache() if req.use_caches else None
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
        # what the window needs first, computed here so showing the tree is quick
        lt.evaluate_shown()
        lt.reverse  # noqa: B018 - a cached property, built here
        rust_syms = frozenset(rust_symbols(lt))
        overview = rust_overview(lt, rust_syms, rust_blockers(lt))
        return LoadOutcome(lt, source, report_, SearchIndex(lt.kconf), rust_syms, overview,
                           rust_node_ids(lt, rust_syms), parse_cache)

    return work


def retire_work(lt: LoadedTree):
    """Taking apart a tree the window no longer shows (kconfig/memory.py)."""

    def work(report, stopped) -> None:
        retire(lt, stopped)

    return work


def store_parse_work(outcome: LoadOutcome):
    """Writing a fresh parse to the parse cache, after the tree is shown."""

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

    def load(self, request: LoadRequest) -> bool:
        return self.start(load_work(request))
