"""Running the tree's own ``make rustavailable`` and explaining its answer.

The kernel's Makefile honours ``RUSTC=``/``BINDGEN=`` only on make's command
line (it assigns them itself, overriding the environment), so every choice
goes into the argument list.  make runs in its own session; on timeout or
cancel the whole process group is killed, and so is anything a tool left
running after make exited.
"""

from __future__ import annotations

import os
import re
import selectors
import subprocess
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from rustconfig_gui.errors import TreeError
from rustconfig_gui.host import hostexec, process
from rustconfig_gui.kconfig.tree import KernelTree, make_environment
from rustconfig_gui.toolchain.findings import (
    AVAILABLE_TEXT,
    Finding,
    Remedy,
    findings_to_json,
    min_tool_versions,
    parse_probe_output,
)

__all__ = ["ProbeRequest", "ProbeResult", "check_can_probe", "kernel_version", "run_probe", "result_to_json"]

TARGET = "rustavailable"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# after make exited or was killed, how long pipes held open by an escaped process are still read
_DRAIN_SECONDS = 5.0
# A tool that floods its output (100 MB measured 437 MB of memory and a million
# log lines; one 100 MB line took 76 s to join) must not fill memory or the log:
# the first and the last lines are kept (the script's own messages come last),
# and a line is cut after MAX_LINE_BYTES.
KEEP_HEAD_LINES = 2000
KEEP_TAIL_LINES = 2000
MAX_LINE_BYTES = 8192
# the stream of the line that stands for the lines left out
NOTE_STREAM = "note"


@dataclass
class ProbeRequest:
    """One run of ``make rustavailable`` for ``tree``.

    ``overrides`` are make variables for this run only (RUSTC, BINDGEN, CC,
    …) and win over the tree's own ``make_vars``; ``env_extra`` goes into
    the environment (RUST_LIB_SRC, LIBCLANG_PATH, KRUSTFLAGS, …).
    ``base_env`` replaces ``os.environ`` as the starting environment.
    """

    tree: KernelTree
    overrides: dict[str, str] = field(default_factory=dict)
    env_extra: dict[str, str] = field(default_factory=dict)
    timeout: float = 60.0
    base_env: Mapping[str, str] | None = None
    # which distribution the remedies are for
    os_release: str = "/etc/os-release"
    # False: nothing is read from or stored in the disk caches (the package manager's answer)
    use_caches: bool = True

    def make_variables(self) -> dict[str, str]:
        t = self.tree
        merged: dict[str, str] = {}
        if t.arch:
            merged["ARCH"] = t.arch
        if t.llvm:
            merged["LLVM"] = "1"
        if t.cross_compile:
            merged["CROSS_COMPILE"] = t.cross_compile
        for name, value in (*t.make_vars, *self.overrides.items()):
            if not _NAME.fullmatch(name):
                raise ValueError(f"'{name}' is not a make variable name")
            merged[name] = value
        return merged

    def argv(self) -> list[str]:
        t = self.tree
        argv = [t.make, "-C", str(t.source)]
        if t.build is not None:
            argv.append(f"O={t.build}")
        argv += [f"{k}={v}" for k, v in self.make_variables().items()]
        argv.append(TARGET)
        return argv

    def environment(self) -> dict[str, str]:
        env = make_environment(dict(os.environ if self.base_env is None else self.base_env))
        env["LC_ALL"] = "C"
        # a rustup proxy must not start downloading a toolchain named by an override
        env["RUSTUP_AUTO_INSTALL"] = "0"
        env.update(self.env_extra)
        return env

    def value(self, name: str, default: str | None = None) -> str | None:
        """A make variable as this run sets it (None: the Makefile's own default)."""
        return self.make_variables().get(name, default)


@dataclass
class ProbeResult:
    """One finished run.  ``returncode`` is make's, negative when its group was killed
    (timeout, cancel); ``lines`` are ``(stream, text)`` in the order they were read
    (at most the first KEEP_HEAD_LINES and the last KEEP_TAIL_LINES, with one
    NOTE_STREAM line between them counting what was left out)."""

    argv: list[str]
    returncode: int | None
    lines: list[tuple[str, str]]
    seconds: float
    timed_out: bool
    cancelled: bool
    findings: list[Finding]
    available: bool
    tree_version: tuple[int, ...] = (0, 0, 0)
    min_versions: dict[str, str] = field(default_factory=dict)

    def stream(self, name: str) -> list[str]:
        return [text for s, text in self.lines if s == name]

    def kinds(self) -> list[str]:
        return [f.kind for f in self.findings]


def kernel_version(src: str | os.PathLike[str]) -> tuple[int, int, int]:
    """VERSION.PATCHLEVEL.SUBLEVEL from the top Makefile, (0, 0, 0) if unreadable."""
    values = {"VERSION": 0, "PATCHLEVEL": 0, "SUBLEVEL": 0}
    try:
        with open(Path(src) / "Makefile", encoding="utf-8", errors="replace") as fh:
            for _, line in zip(range(20), fh):
                m = re.match(r"^(VERSION|PATCHLEVEL|SUBLEVEL)\s*=\s*(\d+)", line)
                if m:
                    values[m.group(1)] = int(m.group(2))
    except OSError:
        pass
    return values["VERSION"], values["PATCHLEVEL"], values["SUBLEVEL"]


def _has_target(makefile: Path) -> bool:
    try:
        text = makefile.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return re.search(rf"^{TARGET}\s*:", text, re.MULTILINE) is not None


def check_can_probe(tree: KernelTree) -> None:
    """Raise :class:`TreeError` (one sentence) when ``make rustavailable`` cannot run here."""
    src = tree.source
    if not src.is_dir():
        raise TreeError(f"{src} does not exist or is not a folder.")
    if not (src / "Kconfig").is_file() or not (src / "Makefile").is_file():
        raise TreeError(f"{src} is not a Linux kernel source tree (no top-level Kconfig and Makefile).")
    if not _has_target(src / "Makefile"):
        v = kernel_version(src)
        which = f"Linux {v[0]}.{v[1]}" if v[0] else "This tree"
        raise TreeError(f"{which} in {src} has no 'rustavailable' make target; "
                        "Rust support arrived in Linux 6.1.")
    # the rest of the tree checks (scripts/, ARCH, make on PATH)
    tree.validate()


def _exited(pid: int) -> bool:
    """Whether ``pid`` has exited, without reaping it (its group id stays ours)."""
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, 9)
    except (ProcessLookupError, PermissionError):
        pass


class LineSplitter:
    """One stream's bytes in, complete lines out as ``(first bytes, bytes cut)``:
    a line longer than ``limit`` keeps its first ``limit`` bytes and only the
    count of the rest, so memory stays bounded however the chunks fall."""

    def __init__(self, limit: int = MAX_LINE_BYTES) -> None:
        self.limit = limit
        self.partial = b""
        self.cut = 0

    def feed(self, chunk: bytes) -> list[tuple[bytes, int]]:
        *complete, rest = (self.partial + chunk).split(b"\n")
        out: list[tuple[bytes, int]] = []
        for raw in complete:
            out.append((raw[:self.limit], self.cut + max(0, len(raw) - self.limit)))
            self.cut = 0
        if len(rest) > self.limit:
            self.cut += len(rest) - self.limit
            rest = rest[:self.limit]
        self.partial = rest
        return out

    def close(self) -> list[tuple[bytes, int]]:
        """The unterminated last line, if any."""
        out = [(self.partial, self.cut)] if self.partial or self.cut else []
        self.partial, self.cut = b"", 0
        return out


class _KeptLines:
    """The first KEEP_HEAD_LINES lines (streamed as they come) and the last
    KEEP_TAIL_LINES (streamed at the end, after a line counting the ones between)."""

    def __init__(self, on_line: Callable[[str, str], None] | None) -> None:
        self.lines: list[tuple[str, str]] = []
        self.tail: deque[tuple[str, str]] = deque(maxlen=KEEP_TAIL_LINES)
        self.dropped = 0
        self.on_line = on_line

    def add(self, stream: str, text: str) -> None:
        if len(self.lines) < KEEP_HEAD_LINES:
            self._keep(stream, text)
            return
        if len(self.tail) == self.tail.maxlen:
            self.dropped += 1
        self.tail.append((stream, text))

    def finish(self) -> list[tuple[str, str]]:
        if self.dropped:
            self._keep(NOTE_STREAM, f"[{self.dropped} lines of output left out here]")
        while self.tail:
            self._keep(*self.tail.popleft())
        return self.lines

    def _keep(self, stream: str, text: str) -> None:
        self.lines.append((stream, text))
        if self.on_line is not None:
            self.on_line(stream, text)


def run_probe(request: ProbeRequest, on_line: Callable[[str, str], None] | None = None,
              cancelled: Callable[[], bool] | None = None, *, poll: float = 0.05) -> ProbeResult:
    """Run ``make rustavailable``, streaming each line to ``on_line(stream, text)`` as it arrives."""
    argv = request.argv()
    env = request.environment()
    src = request.tree.source
    start = time.monotonic()
    try:
        # inside Flatpak the tree's make and toolchain are the host's
        hc = hostexec.host_command(argv, env=env)
        proc = subprocess.Popen(hc.args, env=hc.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, start_new_session=True)
    except FileNotFoundError:
        raise TreeError(f"'{request.tree.make}' was not found; install GNU make.") from None
    except PermissionError:
        raise TreeError(f"'{request.tree.make}' cannot be run (permission denied).") from None

    kept = _KeptLines(on_line)
    splitters = {"stdout": LineSplitter(), "stderr": LineSplitter()}
    timed_out = was_cancelled = False
    group_killed = False
    stop_at: float | None = None
    deadline = start + request.timeout

    def emit(stream: str, pieces: list[tuple[bytes, int]]) -> None:
        for raw, cut in pieces:
            text = raw.decode("utf-8", "replace").rstrip("\r")
            kept.add(stream, f"{text} [{cut} more bytes of this line left out]" if cut else text)

    sel = selectors.DefaultSelector()
    assert proc.stdout is not None and proc.stderr is not None
    # a signal handler ending the process kills this group too (host/process.py)
    process.register(proc)
    sel.register(proc.stdout, selectors.EVENT_READ, "stdout")
    sel.register(proc.stderr, selectors.EVENT_READ, "stderr")
    try:
        while sel.get_map():
            for key, _ in sel.select(timeout=poll):
                stream = key.data
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    sel.unregister(key.fileobj)
                    emit(stream, splitters[stream].close())
                    continue
                emit(stream, splitters[stream].feed(chunk))
            now = time.monotonic()
            if not group_killed:
                if process.stopping() or (cancelled is not None and cancelled()):
                    was_cancelled = True
                elif now > deadline:
                    timed_out = True
                if was_cancelled or timed_out or _exited(proc.pid):
                    # make is done or must stop: nothing of its group may outlive it
                    _kill_group(proc.pid)
                    group_killed = True
                    stop_at = now + _DRAIN_SECONDS
            elif stop_at is not None and now > stop_at:
                # something escaped the group and still holds our pipes
                break
    finally:
        if not group_killed:
            _kill_group(proc.pid)
        for stream, splitter in splitters.items():
            emit(stream, splitter.close())
        lines = kept.finish()
        sel.close()
        proc.stdout.close()
        proc.stderr.close()
        proc.wait()
        process.unregister(proc)
    seconds = time.monotonic() - start

    version = kernel_version(src)
    mins = min_tool_versions(src, srcarch=request.tree.srcarch, arch=request.tree.effective_arch)
    findings = parse_probe_output(lines, version, mins, env=env, make_vars=request.make_variables(),
                                  os_release=request.os_release, use_caches=request.use_caches)
    returncode = proc.returncode
    said_ok = any(s == "stdout" and t.strip() == AVAILABLE_TEXT for s, t in lines)
    available = not timed_out and not was_cancelled and returncode == 0 and said_ok
    findings += _run_findings(request, returncode, timed_out, was_cancelled, findings)
    return ProbeResult(argv=argv, returncode=returncode, lines=lines, seconds=seconds, timed_out=timed_out,
                       cancelled=was_cancelled, findings=findings, available=available,
                       tree_version=version, min_versions=mins)


def _run_findings(request: ProbeRequest, returncode: int | None, timed_out: bool, cancelled: bool,
                  findings: list[Finding]) -> list[Finding]:
    rustc = request.value("RUSTC") or "rustc"
    bindgen = request.value("BINDGEN") or "bindgen"
    if timed_out:
        return [Finding(
            kind="timed-out", severity="error", tool=None,
            message=f"make rustavailable did not finish within {request.timeout:g} s and was stopped; "
                    "a tool it runs (rustc, bindgen, the C compiler) may hang.",
            remedies=[Remedy("See whether rustc answers", f"{rustc} --version"),
                      Remedy("See whether bindgen answers", f"{bindgen} --version")])]
    if cancelled:
        return [Finding(kind="cancelled", severity="info", tool=None, message="The check was cancelled.")]
    if returncode not in (0, None) and not any(f.severity == "error" for f in findings):
        return [Finding(
            kind="probe-failed", severity="error", tool=None,
            message=f"make rustavailable failed with exit status {returncode} without a message this program "
                    "recognises; see its output.")]
    return []


def result_to_json(result: ProbeResult, *, indent: int | None = 2) -> str:
    """The whole run in a stable JSON form (keys sorted)."""
    return findings_to_json(
        result.findings, indent=indent,
        argv=result.argv, returncode=result.returncode, available=result.available,
        timed_out=result.timed_out, cancelled=result.cancelled, seconds=round(result.seconds, 3),
        tree_version=".".join(str(x) for x in result.tree_version), min_versions=result.min_versions,
        lines=[{"stream": s, "text": t} for s, t in result.lines])
