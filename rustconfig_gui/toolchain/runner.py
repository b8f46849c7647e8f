"""Running a remedy that needs no root, with one click.

Only the argument list a remedy carries (``Remedy.run``) is run, only for
rustup and cargo, never through a shell and never with ``sudo``.  The child
gets its own process group; its output (stdout and stderr, merged in order of
arrival) is streamed line by line; Cancel and the timeout kill the whole
group.  The outcome is a value: what ran, where, how it ended, what it said.
"""

from __future__ import annotations

import os
import selectors
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from rustconfig_gui.host import hostexec
from rustconfig_gui.toolchain.remedies import RUNNABLE_PROGRAMS, Remedy

__all__ = ["RunOutcome", "RemedyRunner", "NotRunnable"]

# cargo builds bindgen from source: minutes on a slow machine
DEFAULT_TIMEOUT = 1800.0
MAX_LINES = 5000


class NotRunnable(ValueError):
    """The remedy is for copying only (root, a shell, or another program)."""


@dataclass
class RunOutcome:
    argv: list[str]
    cwd: str
    returncode: int | None
    lines: list[str] = field(default_factory=list)
    seconds: float = 0.0
    timed_out: bool = False
    cancelled: bool = False
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out and not self.cancelled and self.error is None

    def summary(self) -> str:
        cmd = " ".join(self.argv)
        if self.error:
            return f"{cmd}: {self.error}"
        if self.cancelled:
            return f"{cmd} was cancelled."
        if self.timed_out:
            return f"{cmd} did not finish in time and was stopped."
        if self.returncode == 0:
            return f"{cmd} finished ({self.seconds:.1f} s)."
        return f"{cmd} failed with exit status {self.returncode}."


def check_runnable(remedy: Remedy) -> list[str]:
    argv = list(remedy.run or ())
    if not argv:
        raise NotRunnable(f"'{remedy.command or remedy.title}' is for copying; it is not run from here.")
    if argv[0] not in RUNNABLE_PROGRAMS or "sudo" in argv:
        raise NotRunnable(f"'{' '.join(argv)}' needs root or a shell; copy it and run it yourself.")
    return argv


class RemedyRunner:
    """Runs one remedy; ``run()`` blocks (call it from a worker) and returns a :class:`RunOutcome`."""

    def __init__(self, remedy: Remedy, *, cwd: str | os.PathLike[str] | None = None,
                 env: Mapping[str, str] | None = None, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.argv = check_runnable(remedy)
        self.cwd = str(remedy.cwd or cwd or os.getcwd())
        self.env = dict(os.environ if env is None else env)
        # rustup and cargo print progress bars only to a terminal; plain lines here
        self.env.setdefault("CARGO_TERM_PROGRESS_WHEN", "never")
        self.env["RUSTUP_TERM_PROGRESS_WHEN"] = "never"
        self.timeout = timeout

    def run(self, on_line: Callable[[str], None] | None = None,
            cancelled: Callable[[], bool] | None = None, *, poll: float = 0.05) -> RunOutcome:
        start = time.monotonic()
        out = RunOutcome(self.argv, self.cwd, None)
        # inside Flatpak rustup and cargo are the host's, like the tree's make
        if hostexec.in_flatpak():
            exe = hostexec.host_which(self.argv[0])
        else:
            exe = shutil.which(self.argv[0], path=self.env.get("PATH", os.defpath))
        if exe is None:
            out.error = f"{self.argv[0]} is not installed (not on PATH)"
            return out
        if not os.path.isdir(self.cwd):
            out.error = f"the folder {self.cwd} does not exist"
            return out
        try:
            hc = hostexec.host_command([exe, *self.argv[1:]], env=self.env, cwd=self.cwd)
            proc = subprocess.Popen(hc.args, cwd=hc.cwd, env=hc.env, stdin=subprocess.DEVNULL,
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        except OSError as e:
            out.error = e.strerror or str(e)
            return out

        def emit(raw: bytes) -> None:
            text = raw.decode("utf-8", "replace").rstrip("\r")
            # rustup redraws lines with \r: keep the last state of each
            text = text.rsplit("\r", 1)[-1]
            if len(out.lines) < MAX_LINES:
                out.lines.append(text)
            if on_line is not None:
                on_line(text)

        assert proc.stdout is not None
        sel = selectors.DefaultSelector()
        sel.register(proc.stdout, selectors.EVENT_READ)
        partial = b""
        deadline = start + self.timeout
        try:
            while True:
                events = sel.select(timeout=poll)
                if events:
                    chunk = os.read(proc.stdout.fileno(), 65536)
                    if not chunk:
                        break
                    *complete, partial = (partial + chunk).split(b"\n")
                    for raw in complete:
                        emit(raw)
                if cancelled is not None and cancelled():
                    out.cancelled = True
                    break
                if time.monotonic() > deadline:
                    out.timed_out = True
                    break
        finally:
            # done or stopped: nothing of its group may outlive it
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            if partial:
                emit(partial)
            sel.close()
            proc.stdout.close()
            proc.wait()
        out.returncode = proc.returncode
        out.seconds = time.monotonic() - start
        return out
