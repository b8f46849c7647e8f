"""Work off the GUI thread: JobRunner and run_and_wait with real threads."""

from __future__ import annotations

import os
import threading
import time

import pytest
from PySide6.QtCore import QTimer

from rustconfig_gui.errors import ConfigFileError, LoadCancelled
from rustconfig_gui.gui.jobs import JobRunner, run_and_wait


def running_threads() -> list[threading.Thread]:
    """Threads still running besides this one.  A thread Python did not start (a QThread
    that once ran Python code) stays listed after it ended, so those count only while
    their OS thread exists."""
    def alive(t: threading.Thread) -> bool:
        if isinstance(t, threading._DummyThread):  # noqa: SLF001 - how threading lists foreign threads
            return os.path.exists(f"/proc/self/task/{t.native_id}")
        return t.is_alive()

    return [t for t in threading.enumerate() if t is not threading.main_thread() and alive(t)]


def test_run_and_wait_returns_the_result_from_another_thread(qtbot):
    where: list[str] = []

    def work() -> int:
        where.append(threading.current_thread().name)
        return 42

    assert run_and_wait(work) == 42
    assert where == ["run_and_wait"]
    assert not running_threads()


def test_run_and_wait_keeps_the_gui_thread_running(qtbot):
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    release = threading.Event()
    # the work only ends once the GUI thread has shown it is alive
    QTimer.singleShot(50, release.set)
    assert run_and_wait(lambda: release.wait(10)) is True
    timer.stop()
    assert len(ticks) >= 3


def test_run_and_wait_raises_the_work_error(qtbot):
    def work() -> None:
        raise ConfigFileError("disk full")

    with pytest.raises(ConfigFileError, match="disk full"):
        run_and_wait(work)
    assert not running_threads()


def test_job_runner_streams_progress_then_finishes(qtbot):
    runner = JobRunner()

    def work(report, stopped):
        report((12, 3))
        return "done"

    with qtbot.waitSignals([runner.started, runner.progress, runner.finished], order="strict", timeout=5000,
                           check_params_cbs=[None, lambda v: v == (12, 3), lambda v: v == "done"]):
        assert runner.start(work)
    assert not runner.busy


def test_job_runner_cancel_ends_as_cancelled(qtbot):
    runner = JobRunner()
    started = threading.Event()

    def work(report, stopped):
        started.set()
        while not stopped():
            time.sleep(0.01)
        raise LoadCancelled()

    with qtbot.waitSignal(runner.cancelled, timeout=5000):
        runner.start(work)
        assert not runner.start(work), "never two jobs at once"
        started.wait(5)
        runner.cancel()
    assert not runner.busy


def test_a_job_shut_down_before_its_outcome_arrived_is_heard_of_no_more(qtbot):
    # Its outcome is already queued to the GUI thread when the runner shuts it down
    # (a newer recovery copy written at once, a plan no longer wanted): it must not
    # end the next job, nor be reported as if it were that job's.
    from PySide6.QtCore import QEventLoop

    runner = JobRunner()
    heard: list[object] = []
    runner.finished.connect(heard.append)
    runner.failed.connect(heard.append)
    busy: list[bool] = []
    runner.busyChanged.connect(busy.append)

    ended = threading.Event()

    def old(report, stopped):
        ended.set()
        return "old"

    assert runner.start(old)
    assert ended.wait(10)
    runner.shutdown()  # joins: the outcome is emitted, not yet delivered (this thread ran no event)
    assert heard == [] and not runner.busy
    release = threading.Event()

    def new(report, stopped):
        release.wait(10)
        return "new"

    assert runner.start(new)
    loop = QEventLoop()
    QTimer.singleShot(200, loop.quit)
    loop.exec()  # the old outcome is delivered now
    assert heard == [] and runner.busy  # the new job was neither ended nor joined by it
    release.set()
    qtbot.waitUntil(lambda: heard == ["new"], timeout=10_000)
    assert busy == [True, True, False] and not runner.busy
    assert not running_threads()


def test_a_failure_of_a_job_shut_down_is_dropped_too(qtbot):
    from PySide6.QtCore import QEventLoop

    runner = JobRunner()
    heard: list[object] = []
    runner.failed.connect(heard.append)

    ended = threading.Event()

    def failing(report, stopped):
        ended.set()
        raise ConfigFileError("disk full")

    assert runner.start(failing)
    assert ended.wait(10)
    runner.shutdown()
    loop = QEventLoop()
    QTimer.singleShot(100, loop.quit)
    loop.exec()
    assert heard == []
    with qtbot.waitSignal(runner.failed, timeout=5000, check_params_cb=lambda m: "disk full" in m):
        assert runner.start(failing)
