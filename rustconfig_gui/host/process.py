"""Running a child in its own process group, so a hung tool can be killed whole.

Killing only ``make`` or ``sh`` would leave the tool they started running (and
holding our pipes open); every child here gets a new session and the whole
group is killed on timeout or cancel.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
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


def run(command: str | Sequence[str], *, shell: bool = False, env: dict[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None, timeout: float | None = None,
        cancelled: Callable[[], bool] | None = None, poll: float = 0.1) -> Finished:
    """Run to completion, collecting output; kill the group on timeout/cancel."""
    start = time.monotonic()
    # inside Flatpak the tree's make and toolchain are the host's
    hc = hostexec.host_command(command, shell=shell, env=env, cwd=cwd)
    proc = subprocess.Popen(hc.args, shell=hc.shell, env=hc.env, cwd=hc.cwd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = None if timeout is None else start + timeout
    while True:
        try:
            out, err = proc.communicate(timeout=poll)
            break
        except subprocess.TimeoutExpired:
            stop_cancel = cancelled is not None and cancelled()
            stop_time = deadline is not None and time.monotonic() > deadline
            if stop_cancel or stop_time:
                kill_group(proc)
                proc.communicate()
                raise (Cancelled() if stop_cancel else Timeout()) from None
    return Finished(proc.returncode, out, err, time.monotonic() - start)
