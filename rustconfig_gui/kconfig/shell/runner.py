"""Running a parse's ``$(shell,…)`` macros: :class:`ShellProbes`, and the
records of what ran (:class:`MacroCall`, :class:`MacroTrace`).

Each command runs once per load, as a child process in its own process group,
through the probe cache; commands can be started ahead of need (the lookahead,
late values) on a small pool of threads that only wait for their child.
"""

from __future__ import annotations

import functools
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field

from rustconfig_gui.errors import LoadCancelled, ProbeTimeout
from rustconfig_gui.host import process
from rustconfig_gui.kconfig.shell.cache import CachedResult, ProbeCache
from rustconfig_gui.kconfig.shell.pool import NEEDED_DURING_PARSE, ProbePool


@dataclass
class MacroCall:
    """One ``$(shell,…)`` run during parsing."""

    command: str
    filename: str
    line: int
    output: str
    status: int
    seconds: float
    stderr: str = ""
    source_line: str = ""
    # the result came from the probe cache (``seconds`` is then the lookup time)
    cached: bool = False

    @property
    def location(self) -> str:
        return f"{self.filename}:{self.line}"


@dataclass
class MacroTrace:
    calls: list[MacroCall] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return sum(c.seconds for c in self.calls)

    def at(self, filename: str, line: int) -> list[MacroCall]:
        return [c for c in self.calls if c.filename == filename and c.line == line]

@dataclass(frozen=True)
class ProbeOutcome:
    """What one probe printed and returned."""

    stdout: bytes
    stderr: bytes
    returncode: int
    seconds: float
    cached: bool = False

    @property
    def output(self) -> str:
        """The text ``$(shell,…)`` expands to: as do_shell() in preprocess.c,
        newlines become spaces, trailing ones go."""
        text = self.stdout.decode("utf-8", "replace")
        return "\n".join(text.splitlines()).rstrip("\n").replace("\n", " ")


def _default_width() -> int:
    return max(2, min(8, 2 * (os.cpu_count() or 1)))


class ShellProbes:
    """Runs ``$(shell,…)`` commands as conf would, through the probe cache.

    Each command runs once per load.  Commands can be started ahead of need
    (``start``: the lookahead, late values), up to ``width`` at a time, each a
    child process; ``run`` waits for a started one, or runs it at once.
    ``close`` ends the load's probing.  Shared by the parser and by the parse
    cache, which re-checks a cached parse's probes before trusting it.
    """

    def __init__(self, env: dict[str, str], cwd: str, srctree: str, *,
                 cache: ProbeCache | None = None, timeout: float = 120.0,
                 cancelled: Callable[[], bool] | None = None, width: int | None = None) -> None:
        self.env, self.cwd, self.srctree = env, cwd, srctree
        self.cache = cache
        self.timeout = timeout
        self.cancelled = cancelled or (lambda: False)
        self.width = width or _default_width()
        self._lock = threading.Lock()
        self._runs: dict[str, Future[ProbeOutcome]] = {}
        self._pool: ProbePool | None = None
        self._closed = False
        self._abandoned = False
        # every command a child process was started for, in order
        self.processes: list[str] = []

    def stopping(self) -> bool:
        return self._abandoned or self.cancelled()

    def start(self, command: str, priority: int = NEEDED_DURING_PARSE) -> Future[ProbeOutcome]:
        """``command``'s run, started in the background unless it was started
        already; lower ``priority`` runs first."""
        with self._lock:
            future = self._runs.get(command)
            if future is not None:
                return future
            if not self._closed:
                if self._pool is None:
                    self._pool = ProbePool(self.width)
                future = self._pool.submit(priority, functools.partial(self._execute, command))
                self._runs[command] = future
                return future
            future = self._runs[command] = Future()
            future.set_running_or_notify_cancel()
        self._run_into(future, command)
        return future

    def run_many(self, probes: list[tuple[str, str, int, str]]) -> list[MacroCall]:
        """Independent probes side by side (each a child process; threads only wait)."""
        for command, *_ in probes[1:]:
            self.start(command)
        return [self.run(*p) for p in probes]

    def run(self, command: str, filename: str, line: int, source_line: str = "") -> MacroCall:
        if self.cancelled():
            raise LoadCancelled()
        with self._lock:
            future = self._runs.get(command)
            if future is None:
                future = self._runs[command] = Future()
                mine = future.set_running_or_notify_cancel()
            else:
                # started ahead but still queued: run it now rather than wait for its turn
                mine = self._pool is not None and self._pool.claim(future)
        if mine:
            self._run_into(future, command)
        try:
            outcome = future.result()
        except process.Cancelled:
            raise LoadCancelled() from None
        except process.Timeout:
            raise ProbeTimeout(
                f"{filename}:{line}: the probe '{command}' did not finish in "
                f"{self.timeout:.0f} s and was killed with its child processes."
            ) from None
        return _call(command, filename, line, source_line, outcome)

    def close(self, *, abandon: bool = False) -> None:
        """End this load's probing: probes still queued are dropped; running
        ones finish, or with ``abandon`` (the load failed) are killed."""
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if abandon:
            self._abandoned = True
        if pool is not None:
            pool.shutdown()

    def _run_into(self, future: Future[ProbeOutcome], command: str) -> None:
        try:
            future.set_result(self._execute(command))
        except BaseException as e:  # noqa: BLE001 - handed to whoever waits for it
            future.set_exception(e)

    def _execute(self, command: str) -> ProbeOutcome:
        if self.stopping():
            raise process.Cancelled()
        t0 = time.monotonic()
        cache = self.cache
        key = cache.key(command, self.env, self.cwd, self.srctree) if cache else None
        hit = cache.get(key) if cache and key else None
        if hit is not None:
            return ProbeOutcome(hit.stdout, hit.stderr, hit.returncode, time.monotonic() - t0, cached=True)
        self.processes.append(command)
        done = process.run(command, shell=True, env=self.env, cwd=self.cwd,
                           timeout=self.timeout, cancelled=self.stopping)
        if cache and key:
            cache.put(key, CachedResult(done.stdout, done.stderr, done.returncode, done.seconds))
        return ProbeOutcome(done.stdout, done.stderr, done.returncode, done.seconds)


def _call(command: str, filename: str, line: int, source_line: str, outcome: ProbeOutcome) -> MacroCall:
    return MacroCall(command=command, filename=filename, line=line, output=outcome.output,
                     status=outcome.returncode, seconds=outcome.seconds,
                     stderr=outcome.stderr.decode("utf-8", "replace"),
                     source_line=source_line.strip(), cached=outcome.cached)

