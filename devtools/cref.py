"""Run the kernel's own C ``conf`` through the tree's make: the parity reference.

The Python Kconfig engine is checked against what ``make *config`` produces
for the same tree, architecture and toolchain.  Each :class:`Build` gets a
persistent ``O=`` folder under ``<cache>/cbuild/`` so ``scripts/kconfig/conf``
is compiled once and reused by every later call.

Determinism: make and Kconfig read many environment variables (``ARCH``,
``CC``, ``RUSTC``, ``KCONFIG_*``, ...) and the locale changes tool output, so
make runs in a cleaned environment with ``LC_ALL=C``.  Anything that should
influence the result goes through :attr:`Build.make_vars` instead, which
makes it part of the ``O=`` folder name as well.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import pwd
import re
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from devtools.trees import cache_root

__all__ = ["Build", "CConf", "CConfError", "clean_env"]

# Exact names dropped from the environment.  ARCH, LLVM and CROSS_COMPILE
# change results or break the run outright; the toolchain names are assigned
# by the top Makefile (so the environment loses today) but are dropped anyway
# so that no tree or make version can pick them up.
_DROP_NAMES = frozenset(
    {
        "ARCH", "SRCARCH", "SUBARCH", "O", "srctree", "objtree", "CONFIG_",
        "LLVM", "LLVM_IAS", "CROSS_COMPILE", "CC", "LD", "AR", "NM", "OBJCOPY",
        "OBJDUMP", "READELF", "STRIP", "HOSTCC", "HOSTCXX", "HOSTLD", "HOSTAR",
        "HOSTPKG_CONFIG", "HOSTCFLAGS", "HOSTCXXFLAGS", "HOSTLDFLAGS",
        "RUSTC", "BINDGEN", "RUSTFMT", "HOSTRUSTC", "RUST_LIB_SRC",
        "KCFLAGS", "KCPPFLAGS", "KAFLAGS", "KRUSTFLAGS", "PAHOLE", "PERL",
        "PYTHON3", "LEX", "YACC", "AWK", "INSTALLKERNEL", "LOCALVERSION",
        # An outer make (e.g. tests started from a Makefile) would otherwise
        # leak its flags and jobserver into ours.
        "MAKEFLAGS", "MFLAGS", "GNUMAKEFLAGS", "MAKELEVEL", "MAKEFILES", "MAKEOVERRIDES",
    }
)
_DROP_PREFIXES = ("KCONFIG_", "KBUILD_")


class CConfError(RuntimeError):
    """``make`` failed; carries the command and the tail of its stderr."""

    def __init__(self, cmd: list[str], returncode: int, stderr: str) -> None:
        self.cmd = cmd
        self.returncode = returncode
        self.stderr = stderr
        tail = "\n".join(stderr.rstrip().splitlines()[-15:])
        super().__init__(f"{' '.join(cmd)} exited with status {returncode}:\n{tail}")


@dataclass(frozen=True)
class Build:
    """Which tree and which make settings a reference run uses.

    ``arch=None`` leaves ARCH unset, so the kernel picks the host's.
    ``make_vars`` are extra ``NAME=value`` make arguments (e.g. RUSTC=...).
    """

    src: Path
    arch: str | None = None
    llvm: bool = False
    make_vars: tuple[tuple[str, str], ...] = ()


def clean_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: os.environ) without build-affecting variables, with LC_ALL=C."""
    env = dict(os.environ if base is None else base)
    for name in list(env):
        if name in _DROP_NAMES or name.startswith(_DROP_PREFIXES):
            del env[name]
    env["LC_ALL"] = "C"
    # Kconfig probes `rustc --version`; a rustup proxy finds its toolchains via
    # $HOME, so a test that points HOME at a temp dir would silently turn
    # RUSTC_VERSION into 0.  Anchor rustup to the account's real home instead.
    if "RUSTUP_HOME" not in env:
        with contextlib.suppress(KeyError):
            rustup_home = Path(pwd.getpwuid(os.getuid()).pw_dir) / ".rustup"
            if rustup_home.is_dir():
                env["RUSTUP_HOME"] = str(rustup_home)
    return env


def _workdir_name(build: Build) -> str:
    src = Path(build.src).resolve()
    # The hash separates equal folder names in different places and any
    # make_vars; the readable parts make the folder easy to find.
    key = repr((str(src), build.arch, build.llvm, build.make_vars)).encode()
    digest = hashlib.sha256(key).hexdigest()[:10]
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", src.name)
    return f"{safe}-{build.arch or 'host'}-{'llvm' if build.llvm else 'gcc'}-{digest}"


class CConf:
    """The C configurator of one :class:`Build`, run via ``make O=<workdir>``.

    Every call starts from a clean slate (no stale ``.config``), so results
    depend only on the tree, the build settings and the input text.
    ``last_seconds``/``last_stderr`` describe the most recent make run.
    """

    def __init__(self, build: Build, workdir: Path | None = None) -> None:
        src = Path(build.src)
        if not (src / "Makefile").is_file() or not (src / "Kconfig").is_file():
            raise ValueError(f"{src} is not a kernel source tree (no Makefile/Kconfig)")
        self.build = build
        self.workdir = Path(workdir) if workdir is not None else cache_root() / "cbuild" / _workdir_name(build)
        self.last_seconds: float | None = None
        self.last_stderr: str = ""
        self.last_command: list[str] = []

    def make_args(self, target: str) -> list[str]:
        b = self.build
        args = ["make", "-s", "-C", str(b.src), f"O={self.workdir}"]
        if b.arch:
            args.append(f"ARCH={b.arch}")
        if b.llvm:
            args.append("LLVM=1")
        args.extend(f"{name}={value}" for name, value in b.make_vars)
        args.append(target)
        return args

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        # One O= folder holds one .config at a time; parallel pytest workers
        # sharing a Build must take turns.
        self.workdir.parent.mkdir(parents=True, exist_ok=True)
        with open(self.workdir.with_name(self.workdir.name + ".lock"), "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def run(self, target: str, config_text: str | None = None) -> str:
        """Run ``make <target>`` and return the resulting config text.

        Stale ``.config``, ``.config.old`` and ``defconfig`` are removed first;
        ``config_text`` (if given) becomes the input ``.config``.  Returns
        ``O/defconfig`` for savedefconfig, else ``O/.config``.

        Without ``config_text``, targets that read an existing config (like
        olddefconfig) fall back to Kconfig's defconfig list, which on a
        native build includes the host's /boot/config-$(uname -r).
        """
        with self._locked():
            odir = self.workdir
            odir.mkdir(parents=True, exist_ok=True)
            for name in (".config", ".config.old", "defconfig"):
                (odir / name).unlink(missing_ok=True)
            if config_text is not None:
                (odir / ".config").write_text(config_text)
            cmd = self.make_args(target)
            self.last_command = cmd
            t0 = time.monotonic()
            proc = subprocess.run(
                cmd, env=clean_env(), stdin=subprocess.DEVNULL, capture_output=True, text=True
            )
            self.last_seconds = time.monotonic() - t0
            self.last_stderr = proc.stderr
            if proc.returncode != 0:
                raise CConfError(cmd, proc.returncode, proc.stderr or proc.stdout)
            out = odir / ("defconfig" if target == "savedefconfig" else ".config")
            try:
                return out.read_text()
            except FileNotFoundError:
                raise CConfError(cmd, 0, f"{out} was not written\n{proc.stderr}") from None

    def output(self, target: str, config_text: str, env: dict[str, str] | None = None) -> tuple[str, str, str]:
        """Run ``make <target>`` on ``config_text`` and return (stdout, stderr, the
        resulting .config or "" when the target writes none).

        For the targets that print rather than write (listnewconfig,
        helpnewconfig) and for conf's warnings on stderr; ``env`` adds
        variables such as ``KCONFIG_WARN_CHANGED_INPUT`` after the cleaning.
        """
        with self._locked():
            odir = self.workdir
            odir.mkdir(parents=True, exist_ok=True)
            for name in (".config", ".config.old", "defconfig"):
                (odir / name).unlink(missing_ok=True)
            (odir / ".config").write_text(config_text)
            before = (odir / ".config").stat().st_mtime_ns
            cmd = self.make_args(target)
            self.last_command = cmd
            run_env = clean_env()
            run_env.update(env or {})
            t0 = time.monotonic()
            proc = subprocess.run(cmd, env=run_env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
            self.last_seconds = time.monotonic() - t0
            self.last_stderr = proc.stderr
            if proc.returncode != 0:
                raise CConfError(cmd, proc.returncode, proc.stderr or proc.stdout)
            cfg = odir / ".config"
            written = cfg.read_text() if cfg.stat().st_mtime_ns != before or (odir / ".config.old").exists() else ""
            return proc.stdout, proc.stderr, written

    def defconfig(self) -> str:
        return self.run("defconfig")

    def olddefconfig(self, config_text: str) -> str:
        return self.run("olddefconfig", config_text)

    def savedefconfig(self, config_text: str) -> str:
        return self.run("savedefconfig", config_text)

    def allmodconfig(self) -> str:
        return self.run("allmodconfig")

    def allnoconfig(self) -> str:
        return self.run("allnoconfig")

    def allyesconfig(self) -> str:
        return self.run("allyesconfig")
