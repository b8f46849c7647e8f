"""Opening a tree from what its last load left behind.

A load asks the tree's make for its environment (0.1–0.4 s), re-checks every
probe a stored parse ran (rust_is_available.sh alone is ~0.2 s; it is never
in the probe cache) and only then reads the stored parse.  The last load of
each tree (same source, build folder and make arguments) leaves a small
record next to the stored parses: make's environment and every probe's
command and result, in order.  With it:

* :func:`load_ahead` (the command line): make's environment is captured in a
  thread while every probe of the record is started and the stored parse is
  read; the answer is used only when the environment and every probe turn
  out as recorded — otherwise the ordinary load goes on from there.  It
  never answers differently from a load from nothing.
* :func:`show_stored` (the window): the stored parse with the recorded
  environment and probe results, without running anything, so the tree is on
  screen at once; :func:`recheck` then does what a load does (make's
  environment, every probe through the probe cache, every Kconfig file's
  size and mtime) and says whether the tree shown is still the tree a load
  would give.  The window reloads when it is not.

Records are JSON written to a temporary file and renamed into place.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rustconfig_gui.errors import LoadCancelled
from rustconfig_gui.kconfig.parsecache import ParseCache, code_fingerprint
from rustconfig_gui.kconfig.parser import KernelKconfig, Progress
from rustconfig_gui.kconfig.shell.cache import ProbeCache
from rustconfig_gui.kconfig.shell.runner import MacroCall, MacroTrace, ProbeOutcome, ShellProbes
from rustconfig_gui.kconfig.tree import EnvironmentCapture, KconfigEnvironment, KernelTree, capture_environment

FORMAT = 1


@dataclass
class LastLoad:
    """What the last load of a tree saw: make's environment and every probe, in order."""

    env: KconfigEnvironment
    calls: list[MacroCall]

    def outcomes(self) -> dict[str, ProbeOutcome]:
        return {c.command: ProbeOutcome(c.output.encode("utf-8", "surrogateescape"), c.stderr.encode(
            "utf-8", "surrogateescape"), c.status, 0.0, cached=True) for c in self.calls}


def record_path(tree: KernelTree, parse_cache: ParseCache) -> Path:
    h = hashlib.sha256(code_fingerprint().encode())
    for part in (str(tree.source), str(tree.objtree), tree.make, *tree.make_arguments()):
        h.update(part.encode("utf-8", "surrogateescape") + b"\0")
    return parse_cache.root / f"{h.hexdigest()[:32]}.last.json"


def read_last_load(tree: KernelTree, parse_cache: ParseCache) -> LastLoad | None:
    """The record of ``tree``'s last load, or None (none, unreadable, other format)."""
    try:
        with open(record_path(tree, parse_cache), encoding="utf-8", errors="surrogateescape") as f:
            data = json.load(f)
        if data.get("format") != FORMAT or data.get("fingerprint") != code_fingerprint():
            return None
        env = KconfigEnvironment(variables=dict(data["variables"]), defconfig=data["defconfig"],
                                 make_command=list(data["make_command"]))
        calls = [MacroCall(command=c[0], filename=c[1], line=int(c[2]), output=c[3], status=int(c[4]),
                           seconds=0.0, stderr=c[5], source_line=c[6], cached=True) for c in data["calls"]]
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        return None  # a damaged record only costs the time it would have saved
    return LastLoad(env, calls)


def remember_load(tree: KernelTree, env: KconfigEnvironment, trace: MacroTrace, parse_cache: ParseCache) -> bool:
    """Keep ``env`` and ``trace`` as ``tree``'s last load; False when it could not be written."""
    data = {
        "format": FORMAT, "fingerprint": code_fingerprint(),
        "variables": env.variables, "defconfig": env.defconfig, "make_command": env.make_command,
        "calls": [(c.command, c.filename, c.line, c.output, c.status, c.stderr, c.source_line)
                  for c in trace.calls],
    }
    target = record_path(tree, parse_cache)
    text = json.dumps(data, ensure_ascii=False).encode("utf-8", "surrogateescape")
    tmp = ""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            with open(target, "rb") as f:
                if f.read() == text:
                    return True  # already there: no write
        except OSError:
            pass
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-last-", suffix=".json")
        with os.fdopen(fd, "wb") as f:
            f.write(text)
        os.replace(tmp, target)
    except OSError:
        if tmp:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        return False
    _prune(target.parent)
    return True


KEEP_RECORDS = 32


def _prune(root: Path) -> None:
    try:
        records = sorted(root.glob("*.last.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in records[KEEP_RECORDS:]:
            old.unlink()
    except OSError:
        pass


def same_environment(a: KconfigEnvironment, b: KconfigEnvironment) -> bool:
    """Whether make handed conf the same environment both times (the scratch
    ``O=`` folder make ran in, named differently each time, aside)."""
    return a.defconfig == b.defconfig and _without_scratch(a) == _without_scratch(b)


def environment_difference(a: KconfigEnvironment, b: KconfigEnvironment) -> str:
    va, vb = _without_scratch(a), _without_scratch(b)
    names = sorted(k for k in {*va, *vb} if va.get(k) != vb.get(k))
    return f"${names[0]}" if names else "KBUILD_DEFCONFIG"


# Variables our own process or its shell set that no kernel tool reads: the command
# line and the window (PySide6 sets PYSIDE6_OPTION_*) must find each other's record.
_NOT_READ = frozenset({"_", "SHLVL", "OLDPWD"})
_NOT_READ_PREFIXES = ("PYSIDE6_", "QT_")


def _without_scratch(env: KconfigEnvironment) -> dict[str, str]:
    scratch = env.variables.get("O", "")
    return {k: v.replace(scratch, "<O>") if scratch else v for k, v in env.variables.items()
            if k not in _NOT_READ and not k.startswith(_NOT_READ_PREFIXES)}


class ReplayedProbes(ShellProbes):
    """Answers each recorded command with its recorded result, running nothing
    (a command the record does not hold runs as usual)."""

    def __init__(self, env: dict[str, str], cwd: str, srctree: str, outcomes: dict[str, ProbeOutcome],
                 **kwargs: Any) -> None:
        super().__init__(env, cwd, srctree, **kwargs)
        self.outcomes = outcomes

    def _execute(self, command: str) -> ProbeOutcome:
        known = self.outcomes.get(command)
        return known if known is not None else super()._execute(command)


def show_stored(tree: KernelTree, parse_cache: ParseCache, *, progress: Progress | None = None,
                cancelled: Callable[[], bool] | None = None) -> tuple[KconfigEnvironment, KernelKconfig] | None:
    """The stored parse of ``tree`` as its last load left it, nothing run; None
    when there is no record or no stored parse that matches it.  Not checked:
    :func:`recheck` says whether it is still what a load gives."""
    last = read_last_load(tree, parse_cache)
    if last is None:
        return None
    tree.validate()
    shell = ReplayedProbes(last.env.variables, str(tree.objtree), str(tree.source), last.outcomes(),
                           cancelled=cancelled)
    try:
        kconf = parse_cache.load(shell, progress=progress)
    finally:
        shell.close()
    return (last.env, kconf) if kconf is not None else None


def program_of(command: str) -> str:
    """The program a probe's command runs, for a message (``rust_is_available.sh``, ``gcc``)."""
    words = [w.strip(";&|(){}'\"") for w in command.split()]
    words = [w for w in words if w and "=" not in w]
    named = next((w for w in words if "/" in w), words[0] if words else command)
    return os.path.basename(named) or named


@dataclass
class Recheck:
    """What a load would see now, against the tree shown."""

    changed: str  # "" when the tree shown is what a load gives now; else the first difference
    env: KconfigEnvironment | None = None
    trace: MacroTrace | None = None  # the probes as run now (times, stderr), when unchanged


def recheck(tree: KernelTree, env: KconfigEnvironment, calls: list[MacroCall],
            file_stamps: dict[str, tuple[int, int]], *, probe_cache: ProbeCache | None = None,
            timeout: float = 120.0, cancelled: Callable[[], bool] | None = None) -> Recheck:
    """Compare a tree shown from :func:`show_stored` (its environment, its
    probes in order, its Kconfig files' size and mtime) with what loading it
    now would read; probes run through the probe cache."""
    now = capture_environment(tree, timeout=timeout)
    if not same_environment(now, env):
        return Recheck(f"make's {environment_difference(now, env)} changed", now)
    for rel, stamp in file_stamps.items():
        try:
            st = os.stat(os.path.join(str(tree.source), rel))
        except OSError:
            return Recheck(f"{rel} is gone", now)
        if (st.st_size, st.st_mtime_ns) != tuple(stamp):
            return Recheck(f"{rel} changed", now)
    shell = ShellProbes(now.variables, str(tree.objtree), str(tree.source), cache=probe_cache,
                        timeout=timeout, cancelled=cancelled)
    try:
        ran = shell.run_many([(c.command, c.filename, c.line, c.source_line) for c in calls])
    except BaseException:
        shell.close(abandon=True)
        raise
    shell.close()
    for was, call in zip(calls, ran):
        if call.output != was.output:
            return Recheck(f"{program_of(call.command)} at {call.location} prints something else", now)
    return Recheck("", now, MacroTrace(ran))


@dataclass
class Ahead:
    env: KconfigEnvironment  # make's environment now
    shell: ShellProbes  # the load goes on with this one
    kconf: KernelKconfig | None  # the stored parse, checked
    checked: bool  # the parse cache was asked with this environment (no need to ask again)
    environment_seconds: float


def load_ahead(tree: KernelTree, parse_cache: ParseCache,
               shell_for: Callable[[dict[str, str], Callable[[], bool] | None], ShellProbes], *,
               timeout: float, progress: Progress | None = None,
               environment: EnvironmentCapture | None = None) -> Ahead | None:
    """Make's environment captured while the recorded probes run and the stored
    parse is read; None without a record.  The parse is returned only when the
    environment is the recorded one and every probe printed what the parse
    read (the parse cache's own check).  ``environment``: the capture already
    started for ``tree`` (else one is started here)."""
    last = read_last_load(tree, parse_cache)
    if last is None:
        return None
    result: Future[tuple[KconfigEnvironment, float]] = Future()
    differs = threading.Event()

    def capture() -> None:
        t0 = time.monotonic()
        try:
            if environment is not None:
                env, seconds = environment.result(), environment.seconds
            else:
                env = capture_environment(tree, timeout=timeout)
                seconds = time.monotonic() - t0
            if not same_environment(env, last.env):
                differs.set()  # what runs with the recorded environment stops: of no use
            result.set_result((env, seconds))
        except BaseException as e:  # noqa: BLE001 - raised again in the loading thread
            result.set_exception(e)

    thread = threading.Thread(target=capture, name="rustconfig-environment", daemon=True)
    thread.start()
    shell = shell_for(last.env.variables, differs.is_set)
    try:
        for call in last.calls:
            shell.start(call.command)
        try:
            kconf = parse_cache.load(shell, progress=progress)
        except LoadCancelled:
            if not differs.is_set():
                raise  # cancelled by the caller
            kconf = None
        env, seconds = result.result()
    except BaseException:
        shell.close(abandon=True)
        thread.join()
        raise
    thread.join()
    if same_environment(env, last.env):
        return Ahead(env, shell, kconf, True, seconds)
    # probes ran with another environment: of no use to the load that follows
    shell.close(abandon=True)
    return Ahead(env, shell_for(env.variables, None), None, False, seconds)


__all__ = ["Ahead", "LastLoad", "Recheck", "ReplayedProbes", "load_ahead", "read_last_load", "recheck",
           "remember_load", "show_stored"]
