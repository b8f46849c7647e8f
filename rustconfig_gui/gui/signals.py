"""Signals to the window's process: Ctrl+C in its terminal, SIGTERM, SIGHUP.

* **Ctrl+C** (SIGINT) asks whether to save, as ``menuconfig`` does, by closing
  the window the ordinary way (Save / Discard / Cancel; Cancel goes on).  A
  second Ctrl+C while that question is open ends the window like SIGTERM.
* **SIGTERM / SIGHUP** (logout, ``kill``, a closed terminal) end it at once
  without a question: every child process group is killed (the tree's make,
  the probes, ``make rustavailable``), the unsaved values are written to this
  window's recovery copy first, and the exit status is 128 + the signal.

Python runs a signal handler only when the interpreter gets control; Qt's event
loop is C++.  :func:`signal.set_wakeup_fd` writes each signal's number to a
socket that a :class:`QSocketNotifier` watches, so the handler runs at once.
"""

from __future__ import annotations

import contextlib
import signal
import socket
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QSocketNotifier
from PySide6.QtWidgets import QApplication

from rustconfig_gui.host import process

if TYPE_CHECKING:
    from rustconfig_gui.gui.mainwindow import MainWindow

HANDLED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class SignalHandler(QObject):
    """Installed for one window by :func:`install`; :meth:`uninstall` puts the previous handlers back."""

    def __init__(self, window: MainWindow, restore: dict[int, Any] | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.asking = False
        self.received: list[int] = []
        self._read, self._write = socket.socketpair()
        self._read.setblocking(False)
        self._write.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._write.fileno(), warn_on_full_buffer=False)
        self._previous: dict[int, Any] = {s: signal.signal(s, self._note) for s in HANDLED}
        if restore is not None:  # what was there before a provisional handler (gui/app.py)
            self._previous.update(restore)
        self._notifier = QSocketNotifier(self._read.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._drain)

    def _note(self, signum: int, _frame: object) -> None:
        # runs in the main thread whenever Python gets control; the socket wakes Qt's loop
        self.received.append(signum)

    def _drain(self) -> None:
        with contextlib.suppress(BlockingIOError, InterruptedError):
            while self._read.recv(64):
                pass
        while self.received:
            self.handle(self.received.pop(0))

    def handle(self, signum: int) -> None:
        if signum == signal.SIGINT and not self.asking:
            self.ask_and_close()
        else:
            self.terminate(signum)

    def ask_and_close(self) -> None:
        """Ctrl+C: the window's own close, which asks about unsaved changes."""
        self.asking = True
        try:
            self.window.close()
        finally:
            self.asking = False

    def terminate(self, signum: int) -> None:
        """End now: children killed, unsaved values kept as a recovery copy, no question."""
        process.stop_all()
        self.window.loader.cancel()
        self.window.write_recovery_now(wait=True)
        self.window.close_without_asking()
        app = QApplication.instance()
        if app is not None:
            app.exit(128 + signum)

    def uninstall(self) -> None:
        self._notifier.setEnabled(False)
        for s, handler in self._previous.items():
            signal.signal(s, handler)
        signal.set_wakeup_fd(self._previous_fd)
        self._read.close()
        self._write.close()


def install(window: MainWindow, restore: dict[int, Any] | None = None) -> SignalHandler:
    """Handle Ctrl+C, SIGTERM and SIGHUP for ``window`` (from the main thread);
    ``restore``: the handlers to put back when it is uninstalled, if not those in place now."""
    return SignalHandler(window, restore)
