"""Running one piece of core work at a time on a QThread.

The work is a plain function ``work(report, stopped) -> result``: it calls
``report(value)`` to stream progress (delivered to the GUI thread as
``progress``), polls ``stopped()`` to honour Cancel, and returns its result
(``finished``).  A :class:`LoadCancelled` ends as ``cancelled``; any other
:class:`RustconfigError` as ``failed`` with its one sentence.
"""

from __future__ import annotations

import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from PySide6.QtCore import QEventLoop, QObject, QThread, QTimer, Signal, Slot

from rustconfig_gui.errors import LoadCancelled, RustconfigError
from rustconfig_gui.host.paths import os_error_sentence

Work = Callable[[Callable[[Any], None], Callable[[], bool]], Any]
T = TypeVar("T")

# How long a thread may keep the GIL while another waits for it (Python's default: 5 ms).
GIL_SWITCH_INTERVAL = 0.0001


def share_gil_with_gui_thread() -> None:
    """Let the GUI thread win the GIL back quickly from a busy worker.

    Qt calls into the model (rowCount, data, flags…) thousands of times
    while laying out a tree, taking the GIL for each call; with a worker
    parsing or pickling, each call can wait a whole switch interval.  At 5 ms
    a relayout of a few hundred rows then takes seconds; at 0.5 ms it does not.
    """
    sys.setswitchinterval(GIL_SWITCH_INTERVAL)


class SlicedSteps(QObject):
    """Runs the steps of an iterator on the GUI thread, a slice of at most
    ``SLICE_S`` at a time with events (input, painting) in between: for short
    pieces of work that must not run beside the GUI thread (they fill the
    evaluator's caches, which only the GUI thread may touch once a tree is shown).
    ``start`` replaces what was running; ``done`` follows the last step."""

    SLICE_S = 0.008
    done = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._steps: Iterator[object] | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._slice)

    @property
    def running(self) -> bool:
        return self._steps is not None

    def start(self, steps: Iterator[object], delay_ms: int = 0) -> None:
        self._steps = steps
        self._timer.start(delay_ms)

    def stop(self) -> None:
        self._steps = None
        self._timer.stop()

    def _slice(self) -> None:
        steps = self._steps
        if steps is None:
            return
        end = time.monotonic() + self.SLICE_S
        for _ in steps:
            if time.monotonic() >= end:
                self._timer.start(0)  # the next slice after the events waiting now
                return
        self._steps = None
        self.done.emit()


class _Finished(QObject):
    done = Signal()


def run_and_wait(fn: Callable[[], T]) -> T:
    """``fn()`` on a worker thread while the GUI thread goes on painting and
    taking input; returns its result or raises its exception.  For short work
    whose caller needs the answer (saving: text, fsync, rename)."""
    loop = QEventLoop()
    finished = _Finished()
    # queued to the GUI thread: quit() runs inside exec() even if fn ends first
    finished.done.connect(loop.quit)
    box: dict[str, Any] = {}

    def body() -> None:
        try:
            box["value"] = fn()
        except BaseException as e:  # handed back to the caller below
            box["error"] = e
        finally:
            finished.done.emit()

    thread = threading.Thread(target=body, name="run_and_wait")
    thread.start()
    loop.exec()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


class _Job(QObject):
    # each outcome carries the job's serial: its runner takes only its current job's
    progress = Signal(object)
    done = Signal(int, object)
    failed = Signal(int, str)
    cancelled = Signal(int)

    def __init__(self, work: Work, serial: int) -> None:
        super().__init__()
        self.work = work
        self.serial = serial
        self.stop = threading.Event()

    @Slot()
    def run(self) -> None:
        try:
            result = self.work(self.progress.emit, self.stop.is_set)
        except LoadCancelled:
            self.cancelled.emit(self.serial)
        except RustconfigError as e:
            self.failed.emit(self.serial, str(e))
        except OSError as e:
            self.failed.emit(self.serial, os_error_sentence(e))
        except Exception as e:  # a bug: still one sentence in the window, details for a report
            self.failed.emit(self.serial,
                             f"Unexpected error: {e.__class__.__name__}: {e}\n{traceback.format_exc(limit=3)}")
        else:
            self.done.emit(self.serial, result)


class JobRunner(QObject):
    started = Signal()
    progress = Signal(object)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    busyChanged = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: QThread | None = None
        self._job: _Job | None = None
        self._serial = 0

    @property
    def busy(self) -> bool:
        return self._thread is not None

    def start(self, work: Work) -> bool:
        """False (and nothing started) while another job runs: never doubled."""
        if self.busy:
            return False
        thread = QThread()
        self._serial += 1
        job = _Job(work, self._serial)
        job.moveToThread(thread)
        thread.started.connect(job.run)
        job.progress.connect(self.progress)
        # bound methods of this GUI-thread object: queued, never run in the worker
        job.done.connect(self._on_done)
        job.failed.connect(self._on_failed)
        job.cancelled.connect(self._on_cancelled)
        self._thread, self._job = thread, job
        thread.start()
        self.started.emit()
        self.busyChanged.emit(True)
        return True

    def cancel(self) -> None:
        if self._job is not None:
            self._job.stop.set()

    def _join(self) -> None:
        # the job stays referenced until its thread has ended: dropped earlier, the
        # QObject whose run() the worker is still in could be freed under it
        thread, job = self._thread, self._job
        self._thread = self._job = None
        if thread is not None:
            thread.quit()
            thread.wait()
        del job

    def _end(self, serial: int, signal: Any, *args: Any) -> None:
        job = self._job
        if job is None or job.serial != serial:
            return  # a job shut down before its outcome arrived: the outcome goes nowhere
        self._join()
        self.busyChanged.emit(False)
        signal.emit(*args)

    @Slot(int, object)
    def _on_done(self, serial: int, result: Any) -> None:
        self._end(serial, self.finished, result)

    @Slot(int, str)
    def _on_failed(self, serial: int, message: str) -> None:
        self._end(serial, self.failed, message)

    @Slot(int)
    def _on_cancelled(self, serial: int) -> None:
        self._end(serial, self.cancelled)

    def shutdown(self) -> None:
        """Cancel and wait (window closing, a newer job replacing this one): no
        thread outlives its owner, and the job's outcome, if still on its way to
        this thread, is dropped (a later :meth:`start` hears only its own)."""
        self.cancel()
        self._join()
