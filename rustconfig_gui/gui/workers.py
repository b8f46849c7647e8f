"""Loading a tree in a worker thread, with progress and Cancel."""

from __future__ import annotations

import threading
import traceback
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal, Slot

from ..core import configfile
from ..core.errors import LoadCancelled, RustconfigError
from ..core.loader import LoadedTree, load_tree
from ..core.tree import KernelTree


@dataclass
class LoadRequest:
    tree: KernelTree
    config: Path | None = None     # an explicit config file to read
    prefer_defconfig: bool = False  # no .config: start from the arch defconfig (demo tree)
    config_text: str | None = None  # carry the current (unsaved) values over a reload


@dataclass
class LoadOutcome:
    loaded: LoadedTree
    config_source: Path | None
    report: configfile.ConfigReadReport | None


class _LoadJob(QObject):
    progress = Signal(int, int)
    done = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, request: LoadRequest) -> None:
        super().__init__()
        self.request = request
        self.stop = threading.Event()

    @Slot()
    def run(self) -> None:
        req = self.request
        try:
            lt = load_tree(req.tree, progress=lambda f, p: self.progress.emit(f, p), cancelled=self.stop.is_set)
            source: Path | None = None
            report = None
            if req.config_text is not None:
                report = configfile.read_config_text(lt.ev, req.config_text, "(current configuration)")
                source = None
            elif req.config is not None:
                report = lt.read_config(req.config)
                source = req.config
            elif req.tree.config_path.is_file():
                report = lt.read_config(req.tree.config_path)
                source = req.tree.config_path
            elif req.prefer_defconfig and lt.defconfig_path() is not None:
                report = lt.defconfig()
                source = lt.defconfig_path()
            else:
                report = lt.read_initial_config()
                source = Path(report.filename) if report is not None else None
            self.done.emit(LoadOutcome(lt, source, report))
        except LoadCancelled:
            self.cancelled.emit()
        except RustconfigError as e:
            self.failed.emit(str(e))
        except Exception as e:  # a bug: still one sentence in the window, details for a report
            tb = traceback.format_exc(limit=3)
            self.failed.emit(f"Loading failed unexpectedly: {e.__class__.__name__}: {e}\n{tb}")


class TreeLoader(QObject):
    """Runs one load at a time on a QThread; the GUI thread only gets signals."""

    progress = Signal(int, int)   # files parsed, probes run
    loaded = Signal(object)       # LoadOutcome
    failed = Signal(str)
    cancelled = Signal()
    busyChanged = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: QThread | None = None
        self._job: _LoadJob | None = None

    @property
    def busy(self) -> bool:
        return self._thread is not None

    def start(self, request: LoadRequest) -> bool:
        if self.busy:
            return False
        thread = QThread()
        job = _LoadJob(request)
        job.moveToThread(thread)
        thread.started.connect(job.run)
        job.progress.connect(self.progress)
        job.done.connect(self._on_done)
        job.failed.connect(self._on_failed)
        job.cancelled.connect(self._on_cancelled)
        self._thread, self._job = thread, job
        thread.start()
        self.busyChanged.emit(True)
        return True

    def cancel(self) -> None:
        if self._job is not None:
            self._job.stop.set()

    def _finish(self) -> None:
        thread = self._thread
        self._thread = None
        self._job = None
        if thread is not None:
            thread.quit()
            thread.wait()
        self.busyChanged.emit(False)

    def _on_done(self, outcome: LoadOutcome) -> None:
        self._finish()
        self.loaded.emit(outcome)

    def _on_failed(self, message: str) -> None:
        self._finish()
        self.failed.emit(message)

    def _on_cancelled(self) -> None:
        self._finish()
        self.cancelled.emit()

    def shutdown(self) -> None:
        """Cancel and wait (window closing): no thread outlives the window."""
        if self._job is not None:
            self._job.stop.set()
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait()
            self._thread = None
            self._job = None
