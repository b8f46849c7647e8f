"""Writing the recovery copy of unsaved values behind the window."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from rustconfig_gui.gui.jobs import JobRunner, SlicedSteps
from rustconfig_gui.kconfig import configfile
from rustconfig_gui.kconfig.tree import KernelTree
from rustconfig_gui.workspace.recovery import write_recovery


class RecoveryCopy(QObject):
    """Writes one recovery copy at a time: its text is made in slices of the GUI
    thread, the file is written on a worker.

    The text (~10,000 symbols on a distribution's configuration) is Python work of
    tens of ms.  On a worker beside the GUI thread it holds the GIL that each row
    of a paint needs: such a paint took 35-45 ms instead of 10.  ``busy`` covers
    both parts, as the values copy it reads belongs to the tree being shown.
    """

    finished = Signal(object)
    failed = Signal(str)
    busyChanged = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._text = SlicedSteps(self)
        self._text.done.connect(self._write)
        self._writer = JobRunner(self)
        self._writer.finished.connect(lambda result: self._end(self.finished, result))
        self._writer.failed.connect(lambda msg: self._end(self.failed, msg))
        self._job: tuple[KernelTree, Path, int | None, list[str]] | None = None

    @property
    def busy(self) -> bool:
        return self._job is not None

    def start(self, tree: KernelTree, values: Any, target: Path, since: int | None) -> bool:
        """Write ``values`` (a copy: :meth:`LoadedTree.values_copy`) as ``tree``'s
        recovery copy for ``target``; False (nothing started) while one is written."""
        if self.busy:
            return False
        text: list[str] = []
        self._job = (tree, target, since, text)

        def steps() -> Iterator[None]:
            for piece in configfile.config_text_steps(values):
                if piece is not None:
                    text.append(piece)
                yield None

        self._text.start(steps())
        self.busyChanged.emit(True)
        return True

    def _write(self) -> None:
        if self._job is None:
            return
        tree, target, since, text = self._job
        body = "".join(text)

        def work(report: Any = None, stopped: Any = None) -> Path | None:
            return write_recovery(tree, body, target, since=since)

        self._writer.start(work)

    def _end(self, signal: Any, arg: object) -> None:
        self._job = None
        self.busyChanged.emit(False)
        signal.emit(arg)

    def drop_for_newer(self) -> None:
        """A newer copy is about to be written at once (SIGTERM, an unhandled error):
        a text being made is dropped and a write under way is waited for, so that
        an older copy never lands after the newer one."""
        if self._job is None:
            return
        self._text.stop()
        self._writer.shutdown()  # the write under way ends here; its outcome goes nowhere
        self._job = None
        self.busyChanged.emit(False)

    def shutdown(self) -> None:
        """The window closes: a text being made is dropped, a write is waited for."""
        self._text.stop()
        self._writer.shutdown()
        self._job = None


__all__ = ["RecoveryCopy"]
