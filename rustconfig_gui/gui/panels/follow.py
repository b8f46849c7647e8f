"""The panels beside the rows follow a change before the window is next painted."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal


class BeforePaint(QObject):
    """Runs ``fn`` once for any number of :meth:`start` calls, queued: after the
    event being handled now (an edit, with the rows on screen brought up to
    date), before the window is painted again.  Qt asks for a paint with an
    event of low priority; a queued call is an event of normal priority, so it
    comes first: the panels never show a word of before the change next to the
    rows that show it (a timer would run after that paint).  Same use as a
    single-shot ``QTimer``: ``start``, ``stop``, ``isActive``."""

    _go = Signal()

    def __init__(self, fn: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._fn = fn
        self._due = False
        self._go.connect(self._run, Qt.ConnectionType.QueuedConnection)

    def start(self) -> None:
        if not self._due:
            self._due = True
            self._go.emit()

    def stop(self) -> None:
        self._due = False

    def isActive(self) -> bool:  # noqa: N802 - as QTimer
        return self._due

    def _run(self) -> None:
        if self._due:
            self._due = False
            self._fn()
