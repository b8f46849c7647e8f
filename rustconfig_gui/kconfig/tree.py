"""A kernel source tree and the environment its own ``make`` gives Kconfig."""

from __future__ import annotations

import os
import re
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rustconfig_gui.errors import LoadCancelled, ProbeTimeout, TreeError
from rustconfig_gui.host import hostexec, process
from rustconfig_gui.host.paths import os_error_sentence, show_path

# ``scripts/subarch.include`` of the kernel: uname -m -> SUBARCH
_SUBARCH_RULES: tuple[tuple[str, str], ...] = (
    (r"i.86", "x86"),
    (r"x86_64", "x86"),
    (r"sun4u", "sparc64"),
    (r"arm.*", "arm"),
    (r"sa110", "arm"),
    (r"s390x", "s390"),
    (r"parisc64", "parisc"),
    (r"ppc.*", "powerpc"),
    (r"mips.*", "mips"),
    (r"sh[234].*", "sh"),
    (r"aarch64.*", "arm64"),
    (r"riscv.*", "riscv"),
    (r"loongarch.*", "loongarch"),
)

# ARCH values the top Makefile maps to another SRCARCH
_ARCH_ALIASES = {
    "i386": "x86",
    "x86_64": "x86",
    "sparc32": "sparc",
    "sparc64": "sparc",
    "parisc64": "parisc",
}

# Variables whose absence from our run would change what Kconfig computes.
KCONFIG_ENV_REQUIRED = ("srctree", "ARCH", "SRCARCH", "KERNELVERSION", "CC")


# The kernel's Makefile refuses whitespace and ':' in its source and output
# folders, and passes $(srctree)/$(objtree) to the shell unquoted in recipes
# and Kconfig macros: with any of these in the path, make or Kconfig fail with
# a message about something else (measured on 6.12 and the demo tree).
_PATH_BREAKERS = " \t\n:'\"$;&|()<>`\\*?"
_PATH_BREAKER_NAMES = {" ": "a space", "\t": "a tab", "\n": "a line break", ":": "a colon"}


def path_breakers(path: str | os.PathLike[str]) -> list[str]:
    """The characters of ``path`` that the kernel's build cannot take in a folder name."""
    text = os.fspath(path)
    return [c for c in dict.fromkeys(text) if c in _PATH_BREAKERS]


def check_kbuild_path(path: Path, what: str) -> None:
    """:class:`TreeError` when ``path`` (a source or O= folder) cannot work with the kernel's build."""
    bad = path_breakers(path)
    if bad:
        names = ", ".join(_PATH_BREAKER_NAMES.get(c, f"'{c}'" if c != "'" else '"\'"') for c in bad)
        raise TreeError(f"The kernel's build cannot use {what} {path}: its path contains {names}, "
                        "which the kernel's Makefile and Kconfig do not quote; move it to a path without them.")


def host_arch(machine: str | None = None) -> str:
    """The kernel's SUBARCH for this host (what ``make`` uses without ARCH=)."""
    m = machine or os.uname().machine  # what the Makefile's `uname -m` prints
    for pattern, arch in _SUBARCH_RULES:
        if re.fullmatch(pattern, m):
            return arch
    return m


@dataclass(frozen=True)
class KernelTree:
    """Where a kernel lives and how it is to be configured.

    ``build`` is the ``O=`` folder holding ``.config``; without it the
    source folder is used, as the kernel does for in-tree builds.
    """

    source: Path
    build: Path | None = None
    arch: str | None = None
    llvm: bool = False
    cross_compile: str | None = None
    make_vars: tuple[tuple[str, str], ...] = ()
    make: str = "make"
    # the folders as the user gave them (absolute, symlinks kept), for what is shown:
    # ``source``/``build`` are resolved for make, caches and comparisons
    shown_source: Path | None = field(default=None, compare=False, repr=False)
    shown_build: Path | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        given = Path(os.path.abspath(Path(self.source).expanduser()))
        if self.shown_source is None:
            object.__setattr__(self, "shown_source", given)
        object.__setattr__(self, "source", given.resolve())
        if self.build is not None:
            given_b = Path(os.path.abspath(Path(self.build).expanduser()))
            if self.shown_build is None:
                object.__setattr__(self, "shown_build", given_b)
            object.__setattr__(self, "build", given_b.resolve())

    def shown(self, path: Path) -> Path:
        """``path`` with the resolved build or source folder it lies in written as
        the user gave that folder (a symlinked tree keeps the name it was opened by)."""
        for real, given in ((self.build, self.shown_build), (self.source, self.shown_source)):
            if real is None or given is None:
                continue
            try:
                rel = Path(path).relative_to(real)
            except ValueError:
                continue
            return given / rel
        return Path(path)

    @property
    def objtree(self) -> Path:
        return self.build if self.build is not None else self.source

    @property
    def config_path(self) -> Path:
        return self.objtree / ".config"

    @property
    def effective_arch(self) -> str:
        return self.arch or host_arch()

    @property
    def srcarch(self) -> str:
        a = self.effective_arch
        return _ARCH_ALIASES.get(a, a)

    def make_arguments(self) -> list[str]:
        """Variables for the tree's make, as an argument list (never a shell string)."""
        args: list[str] = []
        if self.arch:
            args.append(f"ARCH={self.arch}")
        if self.llvm:
            args.append("LLVM=1")
        if self.cross_compile:
            args.append(f"CROSS_COMPILE={self.cross_compile}")
        args += [f"{k}={v}" for k, v in self.make_vars]
        return args

    def describe(self) -> str:
        parts = [str(self.shown_source or self.source)]
        if self.build:
            parts.append(f"O={self.shown_build or self.build}")
        parts += self.make_arguments()
        return " ".join(parts)

    def validate(self) -> None:
        """One clear sentence for each way this cannot be a configurable tree."""
        try:
            self._validate()
        except OSError as e:
            # a folder on the way that may not be entered: stat() itself is refused
            raise TreeError(os_error_sentence(e, "Cannot open the tree:")) from None

    def _validate(self) -> None:
        src = self.source
        if not src.is_dir():
            raise TreeError(f"{show_path(src)} does not exist or is not a folder.")
        if not (src / "Kconfig").is_file() or not (src / "Makefile").is_file():
            raise TreeError(
                f"{src} is not a Linux kernel source tree (no top-level Kconfig and Makefile)."
            )
        if not (src / "scripts" / "kconfig").is_dir():
            raise TreeError(f"{src} is not a Linux kernel source tree (no scripts/kconfig).")
        if not (src / "scripts" / "Kconfig.include").is_file():
            raise TreeError(
                f"{src} is too old: its Kconfig has no macro language "
                "(scripts/Kconfig.include, Linux 4.18 and later)."
            )
        check_kbuild_path(src, "the source folder")
        if self.arch is not None:
            check_arch(src, self.arch, self.srcarch)
        if self.build is not None and self.build.exists() and not self.build.is_dir():
            raise TreeError(f"The build folder {self.build} exists and is not a folder.")
        if self.build is not None:
            check_kbuild_path(self.build, "the build folder")
        for what, folder in (("source", src), ("build", self.build)):
            if folder is not None and folder.is_dir() and not os.access(folder, os.R_OK | os.X_OK):
                raise TreeError(f"The {what} folder {show_path(folder)} cannot be opened: permission denied "
                                "(it must be readable and enterable).")
        if hostexec.host_which(self.make) is None:
            raise TreeError(f"'{self.make}' was not found on PATH; install GNU make to load a kernel tree.")


def check_arch(src: Path, arch: str, srcarch: str) -> None:
    if not (src / "arch" / srcarch / "Kconfig").is_file():
        known = sorted(p.name for p in (src / "arch").iterdir()
                       if (p / "Kconfig").is_file()) if (src / "arch").is_dir() else []
        raise TreeError(
            f"Unknown ARCH '{arch}' for this tree "
            f"(arch/{srcarch}/Kconfig is missing; known: {', '.join(known)})."
        )


@dataclass
class KconfigEnvironment:
    """What the tree's ``make`` exports to ``conf``, captured once per load."""

    variables: dict[str, str]
    defconfig: str | None = None
    make_command: list[str] = field(default_factory=list)

    @property
    def version_text(self) -> str:
        return self.variables.get("KERNELVERSION", "")

    @property
    def version(self) -> tuple[int, ...]:
        return parse_kernel_version(self.version_text)


def parse_kernel_version(text: str) -> tuple[int, ...]:
    m = re.match(r"(\d+)\.(\d+)(?:\.(\d+))?", text)
    if not m:
        return (0, 0, 0)
    return tuple(int(x) if x else 0 for x in m.groups())


_ENV_GOAL = "rustconfig-envconfig"
_RECIPE_FAILED = re.compile(r"^make(\[\d+\])?: \*\*\* \[[^\]]*\] Error \d+$")
_CLEAN_VARS = ("KCONFIG_CONFIG", "KBUILD_DEFCONFIG", "KBUILD_KCONFIG", "O", "KBUILD_OUTPUT",
               "MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES")


def make_environment(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment we start the tree's make with: ours, minus make's own state."""
    env = dict(os.environ if base is None else base)
    for k in _CLEAN_VARS:
        env.pop(k, None)
    env["LC_ALL"] = "C"
    return env


def capture_environment(tree: KernelTree, timeout: float = 120.0,
                        base_env: dict[str, str] | None = None,
                        cancelled: Callable[[], bool] | None = None) -> KconfigEnvironment:
    """Ask the tree's make what environment it hands to ``conf``.

    A goal ending in ``config`` is routed like the kernel's own config targets,
    so no .config is needed; running in an empty ``O=`` folder writes nothing
    into the tree.
    """
    tree.validate()
    # in a Flatpak the host's make cannot see the sandbox's private /tmp
    scratch = None
    if hostexec.in_flatpak():
        scratch = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "rustconfig-gui"
        scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rustconfig-env-", dir=scratch) as odir:
        # NUL-separated so values with newlines survive
        recipe = "\t@env -0; printf '__RUSTCONFIG_DEFCONFIG__=%s\\0' '$(KBUILD_DEFCONFIG)'"
        cmd = [tree.make, "-s", "-C", str(tree.source), f"O={odir}",
               *tree.make_arguments(), "--eval", f"{_ENV_GOAL}:\n{recipe}", _ENV_GOAL]
        try:
            done = process.run(cmd, env=make_environment(base_env), timeout=timeout, cancelled=cancelled)
        except FileNotFoundError:
            raise TreeError(f"'{tree.make}' was not found; install GNU make.") from None
        except process.Cancelled:
            raise LoadCancelled() from None  # the process is ending (a signal): make was killed
        except process.Timeout:
            raise ProbeTimeout(
                f"The tree's make did not answer within {timeout:.0f} s and was stopped; "
                "a tool it runs (CC, RUSTC, BINDGEN, …) may hang.") from None
    stdout = os.fsdecode(done.stdout)  # the real bytes of paths (srctree, O=)
    stderr = done.stderr.decode("utf-8", "replace")
    if done.returncode != 0:
        lines = [ln for ln in stderr.splitlines() if "overriding recipe" not in ln
                 and "ignoring old recipe" not in ln]
        # "make: *** [Makefile:236: __sub-make] Error 2" only repeats that a
        # recipe failed; the line before it says why
        causes = [ln for ln in lines if not _RECIPE_FAILED.match(ln.strip())]
        lines = causes or lines
        detail = lines[-1].strip() if lines else f"exit status {done.returncode}"
        raise TreeError(f"The tree's make could not prepare Kconfig: {detail}")
    variables: dict[str, str] = {}
    defconfig = None
    for line in stdout.split("\0"):
        line = line.lstrip("\n")
        if line.startswith("__RUSTCONFIG_DEFCONFIG__="):
            defconfig = line.split("=", 1)[1] or None
            continue
        name, sep, value = line.partition("=")
        if sep and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            variables[name] = value
    missing = [v for v in KCONFIG_ENV_REQUIRED if not variables.get(v)]
    if missing:
        raise TreeError(
            "The tree's make did not export " + ", ".join(missing)
            + "; it does not look like a Linux kernel Makefile."
        )
    # without ARCH= the tree's make chose it (from uname -m, or its own default)
    check_arch(tree.source, variables["ARCH"], variables["SRCARCH"])
    return KconfigEnvironment(variables=variables, defconfig=defconfig, make_command=cmd)


class EnvironmentCapture:
    """:func:`capture_environment` of ``tree`` started now, in a thread: make
    runs (a child, on another core) while the caller goes on, e.g. importing
    what the command needs.  :meth:`result` waits for it and gives the
    environment or raises what the capture raised; :meth:`cancel` stops make
    and waits for the thread (a capture nobody takes must leave nothing
    running)."""

    def __init__(self, tree: KernelTree, timeout: float = 120.0) -> None:
        self.tree, self.timeout = tree, timeout
        self.seconds = 0.0  # how long the capture took
        self._stop = threading.Event()
        # set when the thread is done, its temporary folder removed: waited for instead of
        # Thread.join(), which, interrupted by a signal handler's exception, marks a thread
        # that still runs as stopped (seen on CPython 3.11), so a second join returns at once
        self._done = threading.Event()
        self._env: KconfigEnvironment | None = None
        self._error: BaseException | None = None
        self._t0 = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="rustconfig-environment", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._env = capture_environment(self.tree, timeout=self.timeout, cancelled=self._stop.is_set)
        except BaseException as e:  # noqa: BLE001 - raised again by result()
            self._error = e
        finally:
            self.seconds = time.monotonic() - self._t0
            self._done.set()

    def matches(self, tree: KernelTree, timeout: float) -> bool:
        return tree == self.tree and timeout == self.timeout and not self._stop.is_set()

    def result(self) -> KconfigEnvironment:
        try:
            self._done.wait()
        except BaseException:
            # interrupted (a signal's exception in this thread): make is stopped and the
            # thread ends, its temporary folder with it, before the exception goes on
            self.cancel()
            raise
        if self._error is not None:
            raise self._error
        assert self._env is not None
        return self._env

    def cancel(self) -> None:
        """Stop make (its process group is killed within 0.1 s) and wait for the thread."""
        self._stop.set()
        self._done.wait()
