"""Every remedy text in one table, and which of them fit this machine.

The texts are data (:data:`TEXTS`); the functions below only choose among
them: where each tool comes from (rustup, cargo, the distribution, an
explicit path), which distribution this is (``/etc/os-release``), and what
version its package manager would install — a distribution package whose
version the tree rejects is never proposed, the remedy says why instead.

Remedies that need no root (rustup and cargo commands) carry ``run``, the
argument list a runner may start with one click; everything else is for
copying.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from rustconfig_gui.toolchain import aptpolicy
from rustconfig_gui.toolchain.remedy_texts import (
    DISTRO_LINES,
    FAMILIES,
    FAMILY_NAMES,
    KNOWN_PACKAGE_VERSIONS,
    TEXTS,
    family_name,
)

__all__ = ["DISTRO_LINES", "RUNNABLE_PROGRAMS", "TEXTS", "Context", "Distro", "Machine", "Remedy", "copy_only",
           "family_name", "read_os_release", "remedy"]

# programs a remedy may run without asking for root
RUNNABLE_PROGRAMS = ("rustup", "cargo")


@dataclass(frozen=True)
class Remedy:
    title: str
    command: str | None = None
    # the argument list to run it with one click (no shell, no root); None: copy only
    run: tuple[str, ...] | None = None
    # where to run it (rustup overrides are per folder)
    cwd: str | None = None

    @property
    def runnable(self) -> bool:
        return self.run is not None


def remedy(key: str, *, cwd: str | None = None, **fields: object) -> Remedy:
    """The remedy ``key`` of :data:`TEXTS` with its fields filled in (paths shell-quoted by the caller)."""
    title, command = TEXTS[key]
    values = {k: str(v) for k, v in fields.items()}
    text = title.format(**values)
    cmd = command.format(**values) if command is not None else None
    run: tuple[str, ...] | None = None
    if cmd is not None and not re.search(r"[|;&$<>`]|\bsudo\b", cmd):
        try:
            words = shlex.split(cmd)
        except ValueError:
            # unbalanced quotes (a value from outside): for copying only
            words = []
        if words and words[0] in RUNNABLE_PROGRAMS:
            run = tuple(words)
    return Remedy(text, cmd, run, cwd if run is not None else None)


def copy_only(r: Remedy) -> Remedy:
    """The same text without the one-click run (its program is not on this machine)."""
    return Remedy(r.title, r.command)


def q(text: str) -> str:
    """Shell-quote a path only when it needs it."""
    if re.fullmatch(r"[A-Za-z0-9_./=:@%+,~-]+", text):
        return text
    return shlex.quote(text)


# ---------------------------------------------------------------------------
# distributions

_TOOL_WORDS = {"rustc": "rustc", "rust-src": "rust-src", "bindgen": "bindgen", "libclang": "libclang",
               "llvm": "clang/LLVM"}


@dataclass(frozen=True)
class Distro:
    id: str = ""
    like: tuple[str, ...] = ()
    version_id: str = ""
    pretty: str = ""

    @property
    def family(self) -> str | None:
        for name in (self.id, *self.like):
            if name in ("debian", "ubuntu"):
                return "debian"
            if name in ("fedora", "rhel", "centos"):
                return "fedora"
            if name in ("arch", "archlinux"):
                return "arch"
            if name.startswith(("opensuse", "suse", "sles")):
                return "suse"
        return None

    @property
    def short_name(self) -> str:
        """'Debian 12', 'Ubuntu 24.04', … for sentences."""
        base = {"debian": "Debian", "ubuntu": "Ubuntu", "fedora": "Fedora", "arch": "Arch Linux"}.get(self.id)
        if base is None:
            return self.pretty or (self.family and FAMILY_NAMES[self.family]) or "This distribution"
        return f"{base} {self.version_id}".strip()


def read_os_release(path: str | os.PathLike[str] = "/etc/os-release") -> Distro:
    values: dict[str, str] = {}
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return Distro()
    for line in text.splitlines():
        name, sep, value = line.partition("=")
        if sep:
            try:
                parts = shlex.split(value)
            except ValueError:
                parts = [value]
            values[name.strip()] = parts[0] if parts else ""
    return Distro(id=values.get("ID", "").lower(), like=tuple(values.get("ID_LIKE", "").lower().split()),
                  version_id=values.get("VERSION_ID", ""), pretty=values.get("PRETTY_NAME", ""))


def vt(text: str | None) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", text or "")[:3])


def _upstream(version: str) -> str:
    """'1:14.0-55.7~deb12u1' -> '14.0', '0.60.1-2+b2' -> '0.60.1'."""
    v = version.split(":", 1)[-1]
    m = re.match(r"\d+(?:\.\d+)*", v)
    return m.group(0) if m else v


# ---------------------------------------------------------------------------
# this machine


@dataclass
class Machine:
    """What the remedies depend on: the distribution, rustup/cargo, their folders, the environment."""

    distro: Distro = field(default_factory=Distro)
    env: Mapping[str, str] = field(default_factory=dict)
    # False: ask the package manager now, neither reading nor storing its answer on disk
    use_caches: bool = True
    _apt: dict[str, str | None] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def path(self) -> str:
        return self.env.get("PATH", os.defpath)

    @property
    def home(self) -> Path:
        return Path(self.env.get("HOME") or os.path.expanduser("~"))

    @property
    def cargo_home(self) -> Path:
        return Path(self.env.get("CARGO_HOME") or self.home / ".cargo")

    @property
    def rustup_home(self) -> Path:
        return Path(self.env.get("RUSTUP_HOME") or self.home / ".rustup")

    def which(self, name: str) -> str | None:
        return shutil.which(name, path=self.path)

    @property
    def rustup(self) -> str | None:
        return self.which("rustup")

    @property
    def cargo(self) -> str | None:
        return self.which("cargo")

    def origin(self, path: str | None) -> str:
        """'rustup' (a rustup proxy or toolchain), 'cargo' (cargo install), 'distro', 'other' or 'missing'."""
        if not path:
            return "missing"
        p = Path(path)
        resolved = p.resolve() if p.exists() else p
        bindir = self.cargo_home / "bin"
        if p.parent == bindir or resolved.parent == bindir.resolve():
            rustup = self.rustup
            if p.name in ("rustc", "cargo", "rustdoc", "rustfmt") or (
                    rustup and p.exists() and _same_file(p, Path(rustup))):
                return "rustup"
            return "cargo"
        toolchains = self.rustup_home / "toolchains"
        if _under(resolved, toolchains) or _under(p, toolchains):
            return "rustup"
        if _under(resolved, Path("/usr")) and not _under(resolved, Path("/usr/local")) or \
                str(resolved).startswith(("/bin/", "/lib")):
            return "distro"
        return "other"

    def package_version(self, tool: str) -> str | None:
        """The version the distribution's own package would install (None: not known)."""
        fam = self.distro.family
        if fam is None:
            return None
        package = FAMILIES[fam][tool].split()[0]
        if fam == "debian":
            got = self.apt_candidates().get(package)
            if got is not None:
                return _upstream(got)
        return KNOWN_PACKAGE_VERSIONS.get((self.distro.id, self.distro.version_id), {}).get(tool)

    def apt_candidates(self) -> dict[str, str | None]:
        """What apt would install of every package a remedy may name, asked once for this machine."""
        if self._apt is None:
            names = [FAMILIES["debian"][tool].split()[0] for tool in _TOOL_WORDS]
            self._apt = aptpolicy.candidates(names, self.path, cache=self.use_caches)
        return self._apt

    def package(self, tool: str, minimum: str | None, *, what: str | None = None) -> list[Remedy]:
        """Install ``tool`` from the distribution, or say why its package will not do."""
        fam = self.distro.family
        word = what or _TOOL_WORDS.get(tool, tool)
        if fam is None:
            return []
        info = FAMILIES[fam]
        name = self.distro.short_name
        version = self.package_version(tool)
        if version is not None and minimum and vt(version) < vt(minimum)[:len(vt(version))]:
            return [remedy("pkg-too-old", distro=name, what=word, version=version, minimum=minimum)]
        if version is None and minimum:
            return [remedy("pkg-unknown", distro=name, what=word, minimum=minimum, install=info["install"],
                           packages=info[tool])]
        return [remedy("pkg", distro=name, what=word, install=info["install"], packages=info[tool])]

    def package_ok(self, tool: str, minimum: str | None) -> bool:
        version = self.package_version(tool)
        return version is None or not minimum or vt(version) >= vt(minimum)[:len(vt(version))]


def _first_on_path(path: str, first: Path, other: Path) -> bool:
    """Whether ``first`` comes before ``other`` on PATH (what cargo installs then wins)."""
    dirs = [Path(d) for d in path.split(os.pathsep) if d]
    return first in dirs and (other not in dirs or dirs.index(first) < dirs.index(other))


def _under(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
        return True
    except ValueError:
        return False


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or os.path.samefile(a, b)
    except OSError:
        return False


# ---------------------------------------------------------------------------
# the choices, one function per problem


@dataclass
class Context:
    """What a remedy needs to know about the run: the tree's numbers, make's values, the machine."""

    machine: Machine
    mins: Mapping[str, str] = field(default_factory=dict)
    pinned: bool = False
    # make variables as given explicitly (RUSTC=, BINDGEN=, LLVM=, …), and the environment's values
    explicit: Mapping[str, str] = field(default_factory=dict)
    # the folder make runs the tools in (objtree): where a rustup override must be set
    run_dir: str | None = None
    # the rustup toolchain the resolved rustc belongs to, if any
    toolchain: str | None = None

    @property
    def env(self) -> Mapping[str, str]:
        return self.machine.env


def rustup_first(ctx: Context) -> list[Remedy]:
    """rustup's rustc in the tree's folder: the override (pinned on 6.1), with rust-src."""
    m = ctx.machine
    if not m.rustup:
        want = ctx.mins.get("rustc") if ctx.pinned else "stable"
        # rustup is not here yet: nothing to run with one click
        return [remedy("rustup-install"),
                copy_only(remedy("rustup-install-then", toolchain=f"{want} --component rust-src"))]
    out: list[Remedy] = []
    if ctx.pinned and ctx.mins.get("rustc"):
        v = ctx.mins["rustc"]
        out.append(remedy("rustup-toolchain-install-src", toolchain=v))
        out.append(_override(ctx, v, pinned=True))
    else:
        out.append(_override(ctx, "stable"))
    return out


def _override(ctx: Context, toolchain: str, pinned: bool = False) -> Remedy:
    if ctx.run_dir:
        if pinned:
            title = TEXTS["rustup-override-pinned"][0].format(version=toolchain)
        elif toolchain == "stable":
            title = TEXTS["rustup-override"][0]
        else:
            title = TEXTS["rustup-override-at"][0].format(toolchain=toolchain, path=ctx.run_dir)
        r = remedy("rustup-override-at", toolchain=toolchain, path=q(ctx.run_dir))
        return Remedy(title, r.command, r.run)
    return remedy("rustup-override-pinned", version=toolchain) if pinned else remedy("rustup-override")


def rustc_missing(ctx: Context, path: str) -> list[Remedy]:
    out: list[Remedy] = []
    explicit = ctx.explicit.get("RUSTC")
    if explicit:
        out.append(remedy("explicit-rustc", path=q(explicit)))
        found = ctx.machine.which("rustc")
        if found and found != explicit:
            out.append(remedy("explicit-rustc-path", found=q(found)))
    if ctx.machine.rustup:
        out.append(remedy("rustup-toolchain-install-src", toolchain=ctx.mins.get("rustc") if ctx.pinned else "stable"))
        out.append(remedy("rustup-default", toolchain=ctx.mins.get("rustc") if ctx.pinned else "stable"))
    else:
        out += rustup_first(ctx)
    out += ctx.machine.package("rustc", ctx.mins.get("rustc"))
    return out


_NO_DEFAULT = re.compile(r"no (?:override and no )?default toolchain|no default is configured", re.IGNORECASE)
_NOT_INSTALLED = re.compile(r"toolchain '([^']+)' is not installed", re.IGNORECASE)


def rustc_fails(ctx: Context, path: str, code: int | None, output: list[str]) -> list[Remedy]:
    text = "\n".join(output)
    out: list[Remedy] = []
    explicit = ctx.explicit.get("RUSTC")
    if explicit:
        out.append(remedy("explicit-rustc", path=q(explicit)))
    if code == 126:
        out.append(remedy("chmod", path=q(path)))
    if code == 127:
        out.append(remedy("ldd", path=q(path)))
    env_tc = ctx.env.get("RUSTUP_TOOLCHAIN")
    missing = _NOT_INSTALLED.search(text)
    if env_tc and ctx.machine.rustup:
        out.append(remedy("rustup-toolchain-env", toolchain=env_tc))
        out.append(remedy("rustup-toolchain-env-unset"))
    elif missing and ctx.machine.rustup:
        out.append(remedy("rustup-toolchain-install", toolchain=missing.group(1).split()[0]))
    elif _NO_DEFAULT.search(text) and ctx.machine.rustup:
        out.append(remedy("rustup-default", toolchain="stable"))
    elif ctx.machine.rustup and not explicit:
        out += [remedy("rustup-show"), remedy("rustup-default", toolchain="stable")]
    out.append(remedy("see-version", path=q(path)))
    return out


def rustc_unexpected(ctx: Context, path: str) -> list[Remedy]:
    out = [remedy("see-version", path=q(path))]
    out.insert(0 if ctx.explicit.get("RUSTC") else 1, remedy("explicit-rustc", path=q(path)))
    return out + rustup_first(ctx)[:1]


def rustc_too_old(ctx: Context, path: str, found: str | None) -> list[Remedy]:
    out: list[Remedy] = []
    m = ctx.machine
    explicit = ctx.explicit.get("RUSTC")
    origin = m.origin(m.which(path) or path)
    env_tc = ctx.env.get("RUSTUP_TOOLCHAIN")
    if explicit and origin != "rustup":
        # an override only reaches the rustup proxy, not an explicit RUSTC=
        out.append(remedy("explicit-rustc", path=q(explicit)))
        if m.rustup:
            out.append(remedy("rustup-which"))
    if env_tc and origin == "rustup":
        out.append(remedy("rustup-toolchain-env-newer", toolchain=env_tc))
    out += rustup_first(ctx)
    if m.rustup and not ctx.pinned:
        out.append(remedy("rustup-update"))
    if origin != "rustup":
        out += m.package("rustc", ctx.mins.get("rustc"))
    return out


def rustc_too_new(ctx: Context, expected: str | None) -> list[Remedy]:
    if not expected:
        return []
    if not ctx.machine.rustup:
        return [remedy("rustup-install"),
                copy_only(remedy("rustup-install-then", toolchain=f"{expected} --component rust-src"))]
    return [remedy("rustup-toolchain-install-src", toolchain=expected), _override(ctx, expected, pinned=True)]


def bindgen_install(ctx: Context, *, newer: bool = False, package: bool = True) -> list[Remedy]:
    """cargo first (what the kernel's docs say), the distribution's package only if its version will do."""
    m = ctx.machine
    v = ctx.mins.get("bindgen")
    if v and vt(v) < (0, 61) and not newer:
        # the command-line tool was still in the "bindgen" crate before 0.61
        first = remedy("cargo-bindgen-crate", version=v)
    elif ctx.pinned and v and not newer:
        first = remedy("cargo-bindgen-version", version=v)
    else:
        first = remedy("cargo-bindgen")
    out = [first]
    if not m.cargo:
        out = [remedy("cargo-missing"), remedy("rustup-install"), copy_only(first)]
    bindir = m.cargo_home / "bin"
    current = m.which("bindgen")
    if current and Path(current).parent != bindir and not _first_on_path(m.path, bindir, Path(current).parent):
        out.append(remedy("cargo-bin-path", bindir=q(str(bindir))))
    if package:
        out += m.package("bindgen", v)
    return out


def bindgen_explicit(ctx: Context, path: str) -> list[Remedy]:
    explicit = ctx.explicit.get("BINDGEN")
    if not explicit:
        return []
    out = [remedy("explicit-bindgen", path=q(explicit))]
    found = ctx.machine.which("bindgen")
    if found and found != explicit:
        out.append(remedy("explicit-bindgen-path", found=q(found)))
    return out


def rust_src_missing(ctx: Context, core: str | None, sysroot: str | None, rustc: str | None,
                     rustc_version: str | None = None) -> list[Remedy]:
    out: list[Remedy] = []
    m = ctx.machine
    lib_src = ctx.env.get("RUST_LIB_SRC") or ctx.explicit.get("RUST_LIB_SRC")
    if lib_src:
        out.append(remedy("rust-lib-src-wrong", value=q(lib_src)))
    sys_flag = krustflags_sysroot(ctx.env.get("KRUSTFLAGS", "") or ctx.explicit.get("KRUSTFLAGS", ""))
    if sys_flag and not lib_src:
        out.append(remedy("krustflags-sysroot", value=q(sys_flag)))
    toolchain = None
    if sysroot:
        mt = re.search(r"/toolchains/([^/]+)/?$", sysroot)
        if mt:
            toolchain = mt.group(1)
    origin = m.origin(rustc) if rustc else "missing"
    if toolchain and m.rustup:
        out.append(remedy("rust-src-toolchain", toolchain=toolchain))
    elif origin == "rustup" and m.rustup:
        out.append(remedy("rust-src"))
    elif sysroot == "/usr" or origin == "distro":
        out += m.package("rust-src", rustc_version, what="rust-src (of the same version as rustc)")
    elif sysroot:
        out.append(remedy("rust-src-unpack", path=q(rustc or "rustc"), version=rustc_version or "X.Y.Z",
                          sysroot=q(sysroot)))
    if not lib_src:
        out.append(remedy("rust-lib-src"))
    return out


def krustflags_sysroot(flags: str) -> str | None:
    try:
        words = shlex.split(flags)
    except ValueError:
        words = flags.split()
    for i, w in enumerate(words):
        if w.startswith("--sysroot="):
            return w.split("=", 1)[1]
        if w == "--sysroot" and i + 1 < len(words):
            return words[i + 1]
    return None


def llvm_lib_dirs() -> list[str]:
    """Debian/Ubuntu install each LLVM under /usr/lib/llvm-N; newest first."""
    import glob
    dirs = [d for d in glob.glob("/usr/lib/llvm-*/lib") if glob.glob(os.path.join(d, "libclang*.so*"))]
    return sorted(dirs, key=vt, reverse=True)


def libclang_path_valid(value: str) -> bool:
    import glob
    p = Path(value)
    if p.is_file():
        return "libclang" in p.name
    return bool(glob.glob(str(p / "libclang*.so*")))


def libclang_failed(ctx: Context, minimum: str | None) -> list[Remedy]:
    out: list[Remedy] = []
    lp = ctx.env.get("LIBCLANG_PATH") or ctx.explicit.get("LIBCLANG_PATH")
    if lp and not libclang_path_valid(lp):
        out.append(remedy("libclang-path-wrong", value=q(lp)))
    out += ctx.machine.package("libclang", minimum)
    dirs = [d for d in llvm_lib_dirs() if not minimum or vt(d)[:1] >= vt(minimum)[:1]]
    if dirs and dirs[0] != lp:
        out.append(remedy("libclang-path", path=dirs[0]))
    return out


def libclang_too_old(ctx: Context, minimum: str | None) -> list[Remedy]:
    out: list[Remedy] = []
    major = vt(minimum)[0] if minimum else None
    lp = ctx.env.get("LIBCLANG_PATH") or ctx.explicit.get("LIBCLANG_PATH")
    newer = [d for d in llvm_lib_dirs() if major is None or vt(d)[:1] >= (major,)]
    if lp:
        out.append(remedy("libclang-path-wrong", value=q(lp)) if not libclang_path_valid(lp) else
                   Remedy(f"LIBCLANG_PATH={lp} picks this libclang: point it at a newer one", None))
    if newer:
        out.append(remedy("libclang-path", path=newer[0]))
    out += ctx.machine.package("libclang", minimum)
    if ctx.machine.distro.family == "debian" and major and not newer:
        out.append(remedy("llvm-apt", major=major))
    return out


def libclang_mismatch(ctx: Context, libclang: str | None, clang: str | None) -> list[Remedy]:
    lmaj = vt(libclang)[0] if vt(libclang) else None
    cmaj = vt(clang)[0] if vt(clang) else None
    out: list[Remedy] = []
    if cmaj and os.path.isdir(f"/usr/lib/llvm-{cmaj}/lib"):
        out.append(remedy("libclang-path-major", major=cmaj))
    elif cmaj:
        out += ctx.machine.package("libclang", f"{cmaj}", what=f"libclang {cmaj}")
    if lmaj:
        out.append(remedy("llvm-suffix", major=lmaj))
    return out


def clang_too_old(ctx: Context, minimum: str | None) -> list[Remedy]:
    out: list[Remedy] = []
    major = vt(minimum)[0] if minimum else None
    for n in range(40, (major or 99) - 1, -1):
        exe = ctx.machine.which(f"clang-{n}")
        if exe:
            out.append(remedy("llvm-suffix", major=n))
            break
    out += ctx.machine.package("llvm", minimum)
    if ctx.machine.distro.family == "debian" and major:
        out.append(remedy("llvm-apt", major=major))
    out.append(remedy("llvm-drop"))
    return out


def for_cc_too_old() -> list[Remedy]:
    return [remedy("use-gcc"), remedy("use-llvm")]
