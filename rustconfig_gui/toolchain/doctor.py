"""The toolchain doctor: every check of the tree's ``rust_is_available.sh``, each on its own.

The kernel's script stops at its first error, so a user with two problems
needs two round trips.  The doctor makes the same checks independently —
rustc found / runs / version, bindgen found / runs / version and the versions
the script warns about, libclang through bindgen, the standard library source,
clang against libclang — with the tree's own minimums
(``scripts/min-tool-version.sh``) and only the checks this tree's script has
(read from its text: 6.1 pins versions, 6.12 knows three bindgen bugs, 7.2
one).  Two checks the script does not make are added and marked so: the C
compiler's version (``scripts/cc-version.sh``, what LLVM=1 needs) and the
exit status of ``rustc --print sysroot``.

The values make gives the script (RUSTC, BINDGEN, CC, KRUSTFLAGS, …) come from
the tree's own make; the script stays the verdict (Kconfig reads only it):
its run is part of the report, and where the two disagree the report says so.

Tool answers are cached by the identity of what answered (path, size, mtime,
inode of the program; rustup's settings and toolchains for a rustup proxy;
the libclang files for bindgen; the environment values they read), so a
cached answer is never one the tool would not give now.  File checks (the
library source) are never cached.

Nothing waits for what it does not need: the script's ``make rustavailable``
runs in a thread of its own from the start (beside make's environment and the
checks), and once make's values are known the tool runs every check starts
with (each tool's version, libclang through bindgen, the C compiler's version,
rustc's sysroot) start side by side; a run no check then asks for is stopped.
What apt would install is asked once for every package and kept on disk while
apt's state is the same (:mod:`rustconfig_gui.toolchain.aptpolicy`).
"""

from __future__ import annotations

import glob
import os
import re
import shlex
import shutil
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from rustconfig_gui.host import process
from rustconfig_gui.kconfig.tree import KernelTree, capture_environment
from rustconfig_gui.toolchain import remedies as rem
from rustconfig_gui.toolchain.findings import Finding, min_tool_versions
from rustconfig_gui.toolchain.remedies import Context, Machine, Remedy, read_os_release, vt
from rustconfig_gui.toolchain.rustavailable import ProbeRequest, ProbeResult, kernel_version, run_probe

__all__ = ["Check", "DoctorReport", "ScriptFeatures", "clear_cache", "report_to_dict", "run_doctor"]

STATUSES = ("error", "warning", "ok", "skipped", "info")
# environment values the tools read (rustup, clang-sys, the kernel's scripts)
_ENV_KEYS = ("PATH", "HOME", "RUSTUP_HOME", "CARGO_HOME", "RUSTUP_TOOLCHAIN", "LIBCLANG_PATH", "LLVM_CONFIG_PATH",
             "CLANG_PATH", "LD_LIBRARY_PATH", "SRCARCH", "ARCH", "KRUSTFLAGS", "RUST_LIB_SRC",
             "RUSTUP_AUTO_INSTALL", "LC_ALL")
_VERSION = r"([0-9]+\.[0-9]+\.[0-9]+)"
CORE_SUFFIX = "core/src/lib.rs"
LIB_UNDER_SYSROOT = "lib/rustlib/src/rust/library"


@dataclass
class Check:
    """One check: what was looked at, what was found, what this tree requires."""

    key: str
    tool: str
    title: str
    status: str
    message: str
    found: str | None = None
    required: str | None = None
    # how found/required are labelled ("tested with" on 6.1's pins, "Clang" for the mismatch)
    labels: tuple[str, str] = ("found", "required")
    path: str | None = None
    details: list[str] = field(default_factory=list)
    remedies: list[Remedy] = field(default_factory=list)
    ref: str | None = None
    # False: the tree's script does not make this check (the doctor adds it)
    by_script: bool = True

    @property
    def problem(self) -> bool:
        return self.status in ("error", "warning")

    def finding(self) -> Finding:
        severity = {"error": "error", "warning": "warning"}.get(self.status, "info")
        return Finding(kind=self.key, severity=severity, tool=self.tool, message=self.message, path=self.path,
                       found_version=self.found, required_version=self.required, details=list(self.details),
                       remedies=list(self.remedies), ref=self.ref, version_labels=self.labels)


@dataclass(frozen=True)
class ScriptFeatures:
    """Which checks this tree's ``rust_is_available.sh`` makes (6.1, 6.12 and 7.2 differ)."""

    pinned: bool = False
    version_workaround: bool = False
    bug_066: bool = False
    bug_concat: bool = False
    bug_22: bool = False
    strict_output: bool = True

    @classmethod
    def of(cls, src: Path) -> ScriptFeatures:
        scripts = src / "scripts"
        try:
            text = (scripts / "rust_is_available.sh").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return cls()
        return cls(pinned="is too new" in text,
                   version_workaround="workaround-for-0.69.0" in text,
                   bug_066="rust_is_available_bindgen_0_66.h" in text and (scripts / _H066).is_file(),
                   bug_concat="rust_is_available_bindgen_libclang_concat.h" in text
                   and (scripts / _HCONCAT).is_file(),
                   bug_22="rust_is_available_bindgen_libclang_22.h" in text and (scripts / _H22).is_file(),
                   strict_output="did not return an expected output" in text)


_HLIB = "rust_is_available_bindgen_libclang.h"
_H066 = "rust_is_available_bindgen_0_66.h"
_HCONCAT = "rust_is_available_bindgen_libclang_concat.h"
_H22 = "rust_is_available_bindgen_libclang_22.h"


@dataclass
class DoctorReport:
    tree: KernelTree
    tree_version: tuple[int, ...]
    mins: dict[str, str]
    variables: dict[str, str]
    checks: list[Check]
    features: ScriptFeatures
    machine: Machine
    script: ProbeResult | None = None
    seconds: float = 0.0
    tool_runs: int = 0
    cached_runs: int = 0

    @property
    def problems(self) -> list[Check]:
        return [c for c in self.checks if c.problem]

    @property
    def errors(self) -> list[Check]:
        return [c for c in self.checks if c.status == "error"]

    @property
    def ok(self) -> bool:
        return not any(c.status == "error" and c.by_script for c in self.checks)

    @property
    def available(self) -> bool:
        """The verdict: the tree's script when it ran, else the doctor's own."""
        return self.script.available if self.script is not None else self.ok

    def check(self, key: str) -> Check | None:
        return next((c for c in self.checks if c.key == key), None)

    def findings(self) -> list[Finding]:
        return [c.finding() for c in self.problems]

    def disagreements(self) -> list[str]:
        """Where the doctor and the tree's own script disagree, one sentence each."""
        s = self.script
        if s is None or s.timed_out or s.cancelled:
            return []
        mine = [c for c in self.checks if c.status == "error" and c.by_script]
        out: list[str] = []
        if s.available and mine:
            out.append("The tree's script says Rust is available, but the doctor finds "
                       + "; ".join(c.message for c in mine))
        if not s.available and not mine:
            why = next((f.message for f in s.findings if f.severity == "error"), "its output")
            out.append(f"The tree's script says Rust is not available ({why}), but each check of the doctor passes.")
        if not s.available and mine:
            tools = {c.tool for c in mine}
            for f in s.findings:
                if f.severity == "error" and f.tool in ("rustc", "bindgen", "libclang", "rust-src") \
                        and f.tool not in tools:
                    out.append(f"The tree's script reports a problem with {f.tool} ({f.message}) that the doctor "
                               "does not find.")
        return out


# ---------------------------------------------------------------------------
# running tools, cached by identity

_TOOL_CACHE: dict[tuple[object, ...], process.Finished] = {}
_ENV_CACHE: dict[tuple[object, ...], dict[str, str]] = {}
_CACHE_LIMIT = 512


def clear_cache() -> None:
    _TOOL_CACHE.clear()
    _ENV_CACHE.clear()


def _stat(path: str | os.PathLike[str] | None) -> tuple[object, ...]:
    if not path:
        return ()
    try:
        st = os.stat(path)
    except OSError:
        return (str(path), None)
    return (str(path), st.st_size, st.st_mtime_ns, st.st_ino)


def _libclang_files(env: dict[str, str]) -> tuple[object, ...]:
    places = ["/usr/lib/llvm-*/lib/libclang*.so*", "/usr/lib/*/libclang*.so*", "/usr/lib/libclang*.so*",
              "/usr/lib64/libclang*.so*", "/usr/local/lib/libclang*.so*"]
    for var in ("LIBCLANG_PATH",):
        if env.get(var):
            places.append(os.path.join(env[var], "libclang*.so*"))
            places.append(env[var])
    files = sorted({f for p in places for f in glob.glob(p)})
    return tuple(_stat(f) for f in files)


def _rustup_state(env: dict[str, str], cwd: str) -> tuple[object, ...]:
    home = Path(env.get("HOME") or os.path.expanduser("~"))
    rustup_home = Path(env.get("RUSTUP_HOME") or home / ".rustup")
    state: list[object] = [_stat(rustup_home / "settings.toml"), _stat(rustup_home / "toolchains")]
    d = Path(cwd)
    for folder in (d, *d.parents):
        for name in ("rust-toolchain", "rust-toolchain.toml"):
            if (folder / name).exists():
                state.append(_stat(folder / name))
    return tuple(state)


Call = tuple[list[str], str, tuple[str, ...]]  # argv, kind, files it reads


class _Tools:
    """Runs each tool once per identity; counts runs and cache hits.

    :meth:`ahead` starts runs the checks will ask for side by side; :meth:`run` then waits for
    that run instead of starting its own, and :meth:`close` stops the ones no check asked for."""

    def __init__(self, env: dict[str, str], cwd: str, timeout: float,
                 cancelled: Callable[[], bool] | None) -> None:
        self.env = env
        self.cwd = cwd
        self.timeout = timeout
        self.cancelled = cancelled
        self.runs = 0
        self.hits = 0
        self._ahead: dict[tuple[object, ...], Future[tuple[process.Finished, bool]]] = {}
        self._pool: ThreadPoolExecutor | None = None
        self._closing = threading.Event()

    def which(self, name: str) -> str | None:
        """As the script's ``command -v``: a name with a slash is found when it exists (running a
        file that is not executable then fails with 126, as in the script)."""
        if not name:
            return None
        if "/" in name:
            return name if os.path.exists(name) else None
        return shutil.which(name, path=self.env.get("PATH", os.defpath))

    def _ident(self, argv: list[str], kind: str, files: tuple[str, ...]) -> tuple[object, ...]:
        exe = self.which(argv[0])
        ident: tuple[object, ...] = (tuple(argv), _stat(exe), tuple(self.env.get(k) for k in _ENV_KEYS),
                                     tuple(_stat(f) for f in files))
        if kind == "rustc":
            ident += (_rustup_state(self.env, self.cwd),)
        elif kind == "bindgen":
            ident += (_libclang_files(self.env),)
        if exe is None:
            ident += (self.cwd,)
        return ident

    def _stopped(self) -> bool:
        return self._closing.is_set() or (self.cancelled is not None and self.cancelled())

    def _execute(self, argv: list[str]) -> tuple[process.Finished, bool]:
        """The tool's answer, and whether it may be kept (a timeout is not: the next run may answer)."""
        try:
            done = process.run(argv, env=self.env, cwd=self.cwd, timeout=self.timeout, cancelled=self._stopped)
        except FileNotFoundError:
            done = process.Finished(127, b"", f"{argv[0]}: not found".encode(), 0.0)
        except PermissionError:
            done = process.Finished(126, b"", f"{argv[0]}: permission denied".encode(), 0.0)
        except process.Timeout:
            return process.Finished(-9, b"", f"{argv[0]} did not answer within {self.timeout:g} s".encode(),
                                    self.timeout), False
        return done, True

    def ahead(self, calls: list[Call]) -> None:
        """Start these runs now, side by side; :meth:`run` takes their answers."""
        for argv, kind, files in calls:
            ident = self._ident(argv, kind, files)
            if ident in _TOOL_CACHE or ident in self._ahead:
                continue
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="doctor-tool")
            self._ahead[ident] = self._pool.submit(self._execute, argv)

    def close(self) -> None:
        """Stop the runs started ahead that no check asked for, and wait for every thread."""
        self._closing.set()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self._ahead.clear()

    def run(self, argv: list[str], *, kind: str, files: tuple[str, ...] = ()) -> process.Finished:
        ident = self._ident(argv, kind, files)
        got = _TOOL_CACHE.get(ident)
        if got is not None:
            self.hits += 1
            return got
        self.runs += 1
        started = self._ahead.pop(ident, None)
        done, keep = started.result() if started is not None else self._execute(argv)
        if keep:
            if len(_TOOL_CACHE) > _CACHE_LIMIT:
                _TOOL_CACHE.clear()
            _TOOL_CACHE[ident] = done
        return done


def _lines(data: bytes) -> list[str]:
    return [ln.rstrip("\r") for ln in data.decode("utf-8", "replace").splitlines()]


# ---------------------------------------------------------------------------
# the doctor


def _make_values(tree: KernelTree, env: dict[str, str], timeout: float) -> dict[str, str]:
    """What the tree's make exports to its recipes (the script's environment), cached by its inputs."""
    key = (str(tree.source), str(tree.build), tuple(tree.make_arguments()), tree.make,
           tuple(sorted(env.items())), _stat(tree.source / "Makefile"))
    got = _ENV_CACHE.get(key)
    if got is None:
        got = capture_environment(tree, timeout=timeout, base_env=env).variables
        if len(_ENV_CACHE) > 64:
            _ENV_CACHE.clear()
        _ENV_CACHE[key] = got
    return dict(got)


class _Doctor:
    def __init__(self, request: ProbeRequest, os_release: str | os.PathLike[str],
                 cancelled: Callable[[], bool] | None) -> None:
        self.request = request
        tree = request.tree
        merged = dict(tree.make_vars)
        merged.update(request.overrides)
        self.tree = replace(tree, make_vars=tuple(merged.items()))
        self.src = tree.source
        env = request.environment()
        self.values = _make_values(self.tree, env, request.timeout)
        # the script's environment: make's exports, with our locale and no rustup auto-install
        self.env = dict(self.values)
        self.env["LC_ALL"] = "C"
        self.env["RUSTUP_AUTO_INSTALL"] = "0"
        run_dir = tree.objtree if tree.objtree.is_dir() else tree.source
        self.tools = _Tools(self.env, str(run_dir), min(request.timeout, 60.0), cancelled)
        self.features = ScriptFeatures.of(self.src)
        self.version = kernel_version(self.src)
        self.mins = min_tool_versions(self.src, srcarch=self.values.get("SRCARCH") or tree.srcarch,
                                      arch=self.values.get("ARCH") or tree.effective_arch)
        self.machine = Machine(read_os_release(os_release), self.env, use_caches=request.use_caches)
        explicit = {k: v for k, v in merged.items()}
        for k in ("RUST_LIB_SRC", "KRUSTFLAGS", "LIBCLANG_PATH", "RUSTUP_TOOLCHAIN"):
            if env.get(k):
                explicit.setdefault(k, env[k])
        self.ctx = Context(self.machine, self.mins, self.features.pinned, explicit, str(run_dir))
        self.checks: list[Check] = []
        self.rustc_version: str | None = None
        self.rustc_runs = False
        self.bindgen_version: str | None = None
        self.libclang_version: str | None = None

    def add(self, check: Check) -> Check:
        self.checks.append(check)
        return check

    def scripts(self, name: str) -> str:
        return str(self.src / "scripts" / name)

    # -- the tool runs every check starts with ---------------------------------------
    def rustc_version_call(self) -> Call:
        return [self.values.get("RUSTC", "rustc"), "--version"], "rustc", ()

    def sysroot_call(self) -> Call:
        flags = self.env.get("KRUSTFLAGS", "")
        try:
            words = shlex.split(flags)
        except ValueError:
            words = flags.split()
        return [self.values.get("RUSTC", "rustc"), *words, "--print", "sysroot"], "rustc", ()

    def bindgen_version_call(self) -> Call:
        argv = [self.values.get("BINDGEN", "bindgen"), "--version"]
        return argv + (["workaround-for-0.69.0"] if self.features.version_workaround else []), "bindgen", ()

    def libclang_call(self) -> Call:
        header = self.scripts(_HLIB)
        return [self.values.get("BINDGEN", "bindgen"), header], "bindgen", (header,)

    def cc_call(self) -> Call | None:
        cc = self.values.get("CC", "")
        if not cc:
            return None
        script = self.scripts("cc-version.sh")
        try:
            words = shlex.split(cc)
        except ValueError:
            words = cc.split()
        if not words:
            return None
        return ["sh", script, *words], "cc", (script, self.scripts("min-tool-version.sh"),
                                             self.tools.which(words[0]) or "")

    def start_ahead(self) -> None:
        """Start, side by side, the runs the checks will ask for whatever the answers (the tool is
        there): its version, libclang through bindgen, the C compiler's version, rustc's sysroot."""
        calls: list[Call] = []
        if self.tools.which(self.values.get("RUSTC", "rustc")):
            calls.append(self.rustc_version_call())
            if not self.env.get("RUST_LIB_SRC"):
                calls.append(self.sysroot_call())
        if self.tools.which(self.values.get("BINDGEN", "bindgen")):
            calls += [self.libclang_call(), self.bindgen_version_call()]
        cc = self.cc_call()
        if cc is not None:
            calls.append(cc)
        self.tools.ahead(calls)

    # -- rustc ----------------------------------------------------------------
    def rustc(self) -> None:
        rustc = self.values.get("RUSTC", "rustc")
        minimum = self.mins.get("rustc")
        exe = self.tools.which(rustc)
        if exe is None:
            self.add(Check("rustc-not-found", "rustc", "rustc found", "error",
                           f"The Rust compiler '{rustc}' could not be found.", required=minimum, path=rustc,
                           remedies=rem.rustc_missing(self.ctx, rustc), ref="F4"))
            return
        origin = self.machine.origin(exe)
        self.add(Check("rustc-found", "rustc", "rustc found", "ok", f"rustc is {exe} ({_ORIGIN[origin]}).",
                       path=exe))
        argv, kind, _ = self.rustc_version_call()
        done = self.tools.run(argv, kind=kind)
        out = _lines(done.stdout)
        err = _lines(done.stderr)
        if done.returncode != 0:
            self.add(Check("rustc-failed", "rustc", "rustc runs", "error",
                           f"Running the Rust compiler '{rustc}' with --version failed with exit status "
                           f"{done.returncode}.", path=rustc, required=minimum, details=out + err,
                           remedies=rem.rustc_fails(self.ctx, rustc, done.returncode, out + err), ref="F6"))
            return
        self.rustc_runs = True
        m = re.match(rf".*rustc {_VERSION}", out[0]) if out else None
        if m is None:
            note = "" if self.features.strict_output else " (this tree's script then stops with a shell error)"
            self.add(Check("rustc-unexpected-output", "rustc", "rustc version", "error",
                           f"'{rustc} --version' did not print a 'rustc X.Y.Z' version{note}.", path=rustc,
                           details=out + err, remedies=rem.rustc_unexpected(self.ctx, rustc),
                           ref="F7" if self.features.strict_output else "N4"))
            return
        found = self.rustc_version = m.group(1)
        if minimum and vt(found) < vt(minimum):
            self.add(Check("rustc-too-old", "rustc", "rustc version", "error",
                           f"The Rust compiler '{rustc}' is too old: {found} is below the minimum {minimum}.",
                           found=found, required=minimum, path=rustc,
                           remedies=rem.rustc_too_old(self.ctx, rustc, found), ref="F8"))
        elif self.features.pinned and minimum and vt(found) > vt(minimum):
            self.add(Check("rustc-too-new", "rustc", "rustc version", "warning",
                           f"The Rust compiler '{rustc}' is {found}, newer than the {minimum} this kernel was "
                           "tested with; it may or may not work.", found=found, required=minimum,
                           labels=("found", "tested with"), path=rustc,
                           remedies=rem.rustc_too_new(self.ctx, minimum), ref="W1"))
        else:
            self.add(Check("rustc-version", "rustc", "rustc version", "ok", f"rustc {found} (minimum {minimum}).",
                           found=found, required=minimum, path=rustc))

    # -- bindgen --------------------------------------------------------------
    def bindgen(self) -> None:
        bindgen = self.values.get("BINDGEN", "bindgen")
        minimum = self.mins.get("bindgen")
        exe = self.tools.which(bindgen)
        if exe is None:
            self.add(Check("bindgen-not-found", "bindgen", "bindgen found", "error",
                           f"The Rust bindings generator '{bindgen}' could not be found.", required=minimum,
                           path=bindgen, ref="F5",
                           remedies=rem.bindgen_explicit(self.ctx, bindgen) + rem.bindgen_install(self.ctx)))
            return
        origin = self.machine.origin(exe)
        self.add(Check("bindgen-found", "bindgen", "bindgen found", "ok", f"bindgen is {exe} ({_ORIGIN[origin]}).",
                       path=exe))
        argv, kind, _ = self.bindgen_version_call()
        done = self.tools.run(argv, kind=kind)
        out, err = _lines(done.stdout), _lines(done.stderr)
        if done.returncode != 0:
            self.add(Check("bindgen-failed", "bindgen", "bindgen runs", "error",
                           f"Running the Rust bindings generator '{bindgen}' with --version failed with exit "
                           f"status {done.returncode}.", path=bindgen, details=out + err, ref="F9",
                           remedies=rem.bindgen_explicit(self.ctx, bindgen)
                           + [rem.remedy("see-version", path=rem.q(bindgen))] + rem.bindgen_install(self.ctx)))
            return
        m = re.match(rf".*bindgen {_VERSION}", out[0]) if out else None
        if m is None:
            self.add(Check("bindgen-unexpected-output", "bindgen", "bindgen version", "error",
                           f"'{bindgen} --version' did not print a 'bindgen X.Y.Z' version.", path=bindgen,
                           details=out + err, ref="F10" if self.features.strict_output else "N4",
                           remedies=rem.bindgen_explicit(self.ctx, bindgen)
                           + [rem.remedy("see-version", path=rem.q(bindgen))] + rem.bindgen_install(self.ctx)))
            return
        found = self.bindgen_version = m.group(1)
        if minimum and vt(found) < vt(minimum):
            self.add(Check("bindgen-too-old", "bindgen", "bindgen version", "error",
                           f"The Rust bindings generator '{bindgen}' is too old: {found} is below the minimum "
                           f"{minimum}.", found=found, required=minimum, path=bindgen, ref="F11",
                           remedies=rem.bindgen_explicit(self.ctx, bindgen) + rem.bindgen_install(self.ctx)))
        elif self.features.pinned and minimum and vt(found) > vt(minimum):
            self.add(Check("bindgen-too-new", "bindgen", "bindgen version", "warning",
                           f"The Rust bindings generator '{bindgen}' is {found}, newer than the {minimum} this "
                           "kernel was tested with; it may or may not work.", found=found, required=minimum,
                           labels=("found", "tested with"), path=bindgen, ref="W2",
                           remedies=rem.bindgen_install(self.ctx, package=False)))
        else:
            self.add(Check("bindgen-version", "bindgen", "bindgen version", "ok",
                           f"bindgen {found} (minimum {minimum}).", found=found, required=minimum, path=bindgen))
        if self.features.bug_066 and vt(found) in ((0, 66, 0), (0, 66, 1)):
            header = self.scripts(_H066)
            probe = self.tools.run([bindgen, header], kind="bindgen", files=(header,))
            if probe.returncode != 0:
                self.add(Check("bindgen-0.66-bug", "bindgen", "bindgen 0.66 bug", "warning",
                               f"The Rust bindings generator '{bindgen}' {found} has a known bug (rust-bindgen PR "
                               "2567) that this tree's test header triggers.", found=found, path=bindgen, ref="W3",
                               details=_lines(probe.stderr)[-6:],
                               remedies=rem.bindgen_install(self.ctx, newer=True)))

    # -- libclang through bindgen ----------------------------------------------
    def libclang(self) -> None:
        bindgen = self.values.get("BINDGEN", "bindgen")
        minimum = self.mins.get("llvm")
        if self.tools.which(bindgen) is None:
            self.add(Check("libclang", "libclang", "libclang", "skipped",
                           "libclang is found through bindgen, which could not be found.", required=minimum))
            return
        argv, kind, files = self.libclang_call()
        header = files[0]
        done = self.tools.run(argv, kind=kind, files=files)
        err = _lines(done.stderr)
        if done.returncode != 0:
            lp = self.env.get("LIBCLANG_PATH")
            why = f"; LIBCLANG_PATH={lp} holds no libclang" if lp and not rem.libclang_path_valid(lp) else ""
            self.add(Check("libclang-failed", "libclang", "libclang found", "error",
                           f"Running '{bindgen}' on a test header failed with exit status {done.returncode}; it "
                           f"could not load libclang{why}.", path=bindgen, required=minimum, details=err[-12:],
                           remedies=rem.libclang_failed(self.ctx, minimum), ref="F12"))
            return
        found = None
        for line in err:
            m = re.search(rf"clang version {_VERSION}", line)
            if m:
                found = m.group(1)
        if found is None:
            self.add(Check("libclang-unexpected-output", "libclang", "libclang version", "error",
                           f"Running '{bindgen}' on a test header did not report a 'clang version X.Y.Z'.",
                           path=bindgen, details=err[-12:], ref="F13",
                           remedies=[rem.remedy("see-header", path=rem.q(bindgen), header=rem.q(header))]
                           + rem.bindgen_install(self.ctx)))
            return
        self.libclang_version = found
        if minimum and vt(found) < vt(minimum):
            self.add(Check("libclang-too-old", "libclang", "libclang version", "error",
                           f"The libclang used by '{bindgen}' is too old: {found} is below the minimum {minimum}.",
                           found=found, required=minimum, path=bindgen,
                           remedies=rem.libclang_too_old(self.ctx, minimum), ref="F14"))
        else:
            self.add(Check("libclang-version", "libclang", "libclang version", "ok",
                           f"bindgen uses libclang {found} (minimum {minimum}).", found=found, required=minimum))
        bv = self.bindgen_version
        if bv is None:
            return
        if self.features.bug_concat and vt(found) >= (19, 1, 0) and vt(bv) < (0, 69, 5):
            header = self.scripts(_HCONCAT)
            probe = self.tools.run([bindgen, header], kind="bindgen", files=(header,))
            if b"foofoo" not in probe.stdout:
                self.add(Check("bindgen-libclang19-bug", "bindgen", "bindgen with libclang ≥ 19.1", "warning",
                               f"The Rust bindings generator '{bindgen}' {bv} (< 0.69.5) with libclang {found} has "
                               "a known bug (rust-bindgen PR 2824) that this tree's test header triggers.",
                               found=bv, required="0.69.5", path=bindgen, ref="W4",
                               remedies=rem.bindgen_install(self.ctx, newer=True)))
        if self.features.bug_22 and vt(found) >= (22, 0, 0) and vt(bv) < (0, 72, 1):
            header = self.scripts(_H22)
            probe = self.tools.run([bindgen, header], kind="bindgen", files=(header,))
            if b"pub foo" not in probe.stdout:
                self.add(Check("bindgen-libclang22-bug", "bindgen", "bindgen with libclang ≥ 22", "warning",
                               f"The Rust bindings generator '{bindgen}' {bv} (< 0.72.1) with libclang {found} has "
                               "a known bug (rust-bindgen PR 3278) that this tree's test header triggers.",
                               found=bv, required="0.72.1", path=bindgen, ref="W5",
                               remedies=rem.bindgen_install(self.ctx, newer=True)))

    # -- the C compiler ----------------------------------------------------------
    def cc(self) -> None:
        cc = self.values.get("CC", "")
        if not cc:
            return
        call = self.cc_call()
        if call is None:
            return
        argv, kind, files = call
        words = argv[2:]
        done = self.tools.run(argv, kind=kind, files=files)
        out, err = _lines(done.stdout), _lines(done.stderr)
        name = out[0].split()[0] if out and out[0].split() else None
        if any("unknown C compiler" in ln for ln in err):
            self.add(Check("unknown-c-compiler", "cc", "C compiler", "info",
                           f"The C compiler '{cc}' was not recognised, so the libclang/Clang comparison is skipped.",
                           path=cc, details=err, ref="N1", remedies=rem.for_cc_too_old()))
            return
        clang = "clang" in cc or any("Clang" in ln for ln in err) or name == "Clang"
        if done.returncode != 0 and any("too old" in ln for ln in err):
            vals = dict(re.findall(r"\*\*\*\s+(Your|Minimum) \S+ version:\s+(\S+)", "\n".join(err)))
            if clang:
                remedies = rem.clang_too_old(self.ctx, vals.get("Minimum"))
                label = "Clang (LLVM=1)" if self.tree.llvm else "Clang"
            else:
                remedies = rem.for_cc_too_old()
                label = "GCC"
            self.add(Check("cc-too-old", "cc", "C compiler version", "error",
                           f"The C compiler '{cc}' ({label} {vals.get('Your', '?')}) is older than this kernel's "
                           f"minimum {vals.get('Minimum', '?')}; the kernel will not build with it.",
                           found=vals.get("Your"), required=vals.get("Minimum"), path=cc, details=err,
                           remedies=remedies, by_script=False))
            if not clang:
                return
        elif done.returncode != 0:
            self.add(Check("cc-version", "cc", "C compiler version", "warning",
                           f"scripts/cc-version.sh could not identify '{cc}' (exit status {done.returncode}).",
                           path=cc, details=err, by_script=False))
            return
        else:
            self.add(Check("cc-version", "cc", "C compiler version", "ok", f"C compiler: {' '.join(out)}.",
                           path=cc, by_script=False))
        if name != "Clang":
            # the script compares only when cc-version.sh names Clang (not when it fails)
            return
        ver = self.tools.run([*words, "--version"], kind="cc")
        first = _lines(ver.stdout)[:1]
        m = re.search(rf"version {_VERSION}", first[0]) if first else None
        clang_version = m.group(1) if m else ""
        lib = self.libclang_version
        if lib is None:
            return
        if clang_version != lib:
            self.add(Check("libclang-version-mismatch", "libclang", "libclang matches Clang", "warning",
                           f"bindgen's libclang {lib} does not match the C compiler's Clang {clang_version or '?'}; "
                           "this may be a problem.", found=lib, required=clang_version or None,
                           labels=("libclang", "Clang"), path=cc, ref="W6",
                           remedies=rem.libclang_mismatch(self.ctx, lib, clang_version)))

    # -- the standard library source ------------------------------------------------
    def rust_src(self) -> None:
        rustc = self.values.get("RUSTC", "rustc")
        lib_src = self.env.get("RUST_LIB_SRC")
        flags = self.env.get("KRUSTFLAGS", "")
        sysroot = None
        if not lib_src:
            if not self.rustc_runs:
                self.add(Check("rust-src", "rust-src", "standard library source", "skipped",
                               "The library source is found through rustc --print sysroot, which needs a rustc "
                               "that runs."))
                return
            argv, kind, _ = self.sysroot_call()
            done = self.tools.run(argv, kind=kind)
            if done.returncode != 0:
                self.add(Check("rustc-sysroot-failed", "rust-src", "rustc --print sysroot", "error",
                               f"'{rustc} {flags + ' ' if flags else ''}--print sysroot' failed with exit status "
                               f"{done.returncode}; the tree's script then stops without a message.",
                               path=rustc, details=_lines(done.stderr)[-8:],
                               remedies=[rem.remedy("krustflags-sysroot", value=rem.q(flags))] if flags else []))
                return
            sysroot = _lines(done.stdout)[0] if done.stdout.strip() else ""
            base = f"{sysroot}/{LIB_UNDER_SYSROOT}"
        else:
            base = lib_src
        core = f"{base}/{CORE_SUFFIX}"
        if os.path.exists(core):
            self.add(Check("rust-src", "rust-src", "standard library source", "ok",
                           f"The 'core' library source is at {core}.", path=core))
            return
        rustc_exe = self.tools.which(rustc)
        self.add(Check("rust-src-missing", "rust-src", "standard library source", "error",
                       f"The source of Rust's 'core' library was not found at '{core}'.", path=core, ref="F15",
                       remedies=rem.rust_src_missing(self.ctx, core, sysroot, rustc_exe, self.rustc_version)))

    def run(self) -> list[Check]:
        self.start_ahead()
        try:
            self.rustc()
            self.bindgen()
            self.libclang()
            self.cc()
            self.rust_src()
        finally:
            self.tools.close()
        return self.checks


_ORIGIN = {"rustup": "managed by rustup", "cargo": "installed with cargo", "distro": "from the distribution",
           "other": "installed by hand", "missing": "missing"}


class _ScriptRun:
    """``make rustavailable`` in a thread of its own, started at once."""

    def __init__(self, request: ProbeRequest, on_line: Callable[[str, str], None] | None,
                 cancelled: Callable[[], bool] | None) -> None:
        self._stopping = threading.Event()
        self._cancelled = cancelled
        self._result: ProbeResult | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._work, args=(request, on_line), name="doctor-script",
                                        daemon=True)
        self._thread.start()

    def _stopped(self) -> bool:
        return self._stopping.is_set() or (self._cancelled is not None and self._cancelled())

    def _work(self, request: ProbeRequest, on_line: Callable[[str, str], None] | None) -> None:
        try:
            self._result = run_probe(request, on_line=on_line, cancelled=self._stopped)
        except BaseException as e:  # handed to the caller's thread
            self._error = e

    def stop(self) -> None:
        """The checks failed: the script's make is killed (its group) and its answer not wanted."""
        self._stopping.set()

    def join(self) -> None:
        self._thread.join()

    def result(self) -> ProbeResult:
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result


def run_doctor(request: ProbeRequest, *, os_release: str | os.PathLike[str] = "/etc/os-release",
               script: bool = True, cancelled: Callable[[], bool] | None = None,
               on_line: Callable[[str, str], None] | None = None) -> DoctorReport:
    """Every check of the tree's script, each on its own, and (``script``) the script's own verdict."""
    start = time.monotonic()
    # the script's own run needs nothing the checks find: it runs beside them
    verdict_run = _ScriptRun(replace(request, os_release=str(os_release)), on_line, cancelled) if script else None
    try:
        doc = _Doctor(request, os_release, cancelled)
        checks = doc.run()
    except BaseException:
        if verdict_run is not None:
            verdict_run.stop()
        raise
    finally:
        if verdict_run is not None:
            verdict_run.join()
    verdict = verdict_run.result() if verdict_run is not None else None
    return DoctorReport(tree=request.tree, tree_version=doc.version, mins=doc.mins,
                        variables={k: doc.values[k] for k in ("RUSTC", "BINDGEN", "CC", "KRUSTFLAGS", "RUST_LIB_SRC",
                                                               "LIBCLANG_PATH", "RUSTUP_TOOLCHAIN", "LLVM", "ARCH")
                                   if doc.values.get(k)},
                        checks=checks, features=doc.features, machine=doc.machine, script=verdict,
                        seconds=time.monotonic() - start, tool_runs=doc.tools.runs, cached_runs=doc.tools.hits)


def report_to_dict(report: DoctorReport) -> dict[str, object]:
    from rustconfig_gui.toolchain.findings import finding_to_dict

    s = report.script
    return {
        "tree": str(report.tree.source),
        "tree_version": ".".join(str(x) for x in report.tree_version),
        "min_versions": report.mins,
        "variables": report.variables,
        "distribution": report.machine.distro.short_name,
        "ok": report.ok,
        "checks": [{"key": c.key, "tool": c.tool, "title": c.title, "status": c.status, "message": c.message,
                    "found": c.found, "required": c.required, "labels": list(c.labels), "path": c.path,
                    "by_script": c.by_script, "ref": c.ref,
                    "remedies": finding_to_dict(c.finding())["remedies"]} for c in report.checks],
        "script": None if s is None else {
            "available": s.available, "returncode": s.returncode, "timed_out": s.timed_out,
            "findings": [finding_to_dict(f) for f in s.findings]},
        "disagreements": report.disagreements(),
        "seconds": round(report.seconds, 3),
        "tool_runs": report.tool_runs,
        "cached_runs": report.cached_runs,
    }
