"""Running a child in its own process group, so a hung tool can be killed whole.

Killing only ``make`` or ``sh`` would leave the tool they started running (and
holding our pipes open); every child here gets a new session and the whole
group is killed on timeout or cancel.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from rustconfig_gui.host import hostexec


class Timeout(Exception):
    """The child did not finish in time; its process group was killed."""


class Cancelled(Exception):
    """``cancelled()`` became true; the child's process group was killed."""


@dataclass
class Finished:
    returncode: int
    stdout: bytes
    stderr: bytes
    seconds: float


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


# Every child group that runs now, so a signal handler can end them all at once:
# a group of its own does not see the terminal's Ctrl+C, nor our SIGTERM.
_live: dict[int, subprocess.Popen[bytes]] = {}
_live_lock = threading.RLock()  # re-entered when a signal handler interrupts a holder
_stopping = threading.Event()


@contextlib.contextmanager
def tracked(proc: subprocess.Popen[bytes]) -> Iterator[subprocess.Popen[bytes]]:
    """Register ``proc``'s group for :func:`stop_all` while the block runs; kill it when the block
    is left by an exception (KeyboardInterrupt included)."""
    register(proc)
    try:
        if _stopping.is_set():
            raise Cancelled()
        yield proc
    except BaseException:
        kill_group(proc)
        raise
    finally:
        unregister(proc)


def register(proc: subprocess.Popen[bytes]) -> None:
    """``proc`` leads a group of its own that :func:`stop_all` must kill (if it already ran, at once)."""
    with _live_lock:
        _live[proc.pid] = proc
    if _stopping.is_set():
        kill_group(proc)


def unregister(proc: subprocess.Popen[bytes]) -> None:
    with _live_lock:
        _live.pop(proc.pid, None)


def stopping() -> bool:
    """:func:`stop_all` was called: the process is ending, start nothing new."""
    return _stopping.is_set()


def stop_all() -> int:
    """Kill every running child group (the process is ending: Ctrl+C, SIGTERM); later
    :func:`run` calls raise :class:`Cancelled` at once.  Safe in a signal handler.
    Returns how many groups were killed."""
    _stopping.set()
    with _live_lock:
        procs = list(_live.values())
    for proc in procs:
        kill_group(proc)
    return len(procs)


def resume() -> None:
    """Allow children again after :func:`stop_all` (tests, a window that goes on)."""
    _stopping.clear()


def run(command: str | Sequence[str], *, shell: bool = False, env: dict[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None, timeout: float | None = None,
        cancelled: Callable[[], bool] | None = None, poll: float = 0.1) -> Finished:
    """Run to completion, collecting output; kill the group on timeout/cancel."""
    start = time.monotonic()
    # inside Flatpak the tree's make and toolchain are the host's
    hc = hostexec.host_command(command, shell=shell, env=env, cwd=cwd)
    if _stopping.is_set():
        raise Cancelled()
    proc = subprocess.Popen(hc.args, shell=hc.shell, env=hc.env, cwd=hc.cwd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = None if timeout is None else start + timeout
    with tracked(proc):
        try:
            while True:
                try:
                    out, err = proc.communicate(timeout=poll)
                    break
                except subprocess.TimeoutExpired:
                    stop_cancel = _stopping.is_set() or (cancelled is not None and cancelled())
                    stop_time = deadline is not None and time.monotonic() > deadline
                    if stop_cancel or stop_time:
                        kill_group(proc)
                        proc.communicate()
                        raise (Cancelled() if stop_cancel else Timeout()) from None
        except BaseException:
            # Ctrl+C (KeyboardInterrupt) in this thread: the group goes with us
            kill_group(proc)
            with contextlib.suppress(Exception):
                proc.communicate(timeout=5)
            raise
    return Finished(proc.returncode, out, err, time.monotonic() - start)
