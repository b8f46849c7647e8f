"""Loading a tree in a worker thread, with progress and Cancel."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..core import configfile
from ..core.loader import LoadedTree, load_tree
from ..core.probecache import ProbeCache
from ..core.tree import KernelTree
from .jobs import JobRunner


@dataclass
class LoadRequest:
    tree: KernelTree
    config: Path | None = None     # an explicit config file to read
    prefer_defconfig: bool = False  # no .config: start from the arch defconfig (demo tree)
    config_text: str | None = None  # carry the current (unsaved) values over a reload
    use_probe_cache: bool = True


@dataclass
class LoadOutcome:
    loaded: LoadedTree
    config_source: Path | None
    report: configfile.ConfigReadReport | None


def load_work(req: LoadRequest):
    """The loading job: parse in the worker, read the starting configuration."""

    def work(report, stopped) -> LoadOutcome:
        # probe results are reused while the tools they ran are unchanged (core/probecache.py)
        lt = load_tree(req.tree, progress=lambda f, p: report((f, p)), cancelled=stopped,
                       probe_cache=ProbeCache() if req.use_probe_cache else None)
        source: Path | None = None
        if req.config_text is not None:
            report_ = configfile.read_config_text(lt.ev, req.config_text, "(current configuration)")
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
        return LoadOutcome(lt, source, report_)

    return work


class TreeLoader(JobRunner):
    """Loads one tree at a time off the GUI thread; ``progress`` carries
    (files parsed, probes run), ``finished`` a :class:`LoadOutcome`."""

    def load(self, request: LoadRequest) -> bool:
        return self.start(load_work(request))
