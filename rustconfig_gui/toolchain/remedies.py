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
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

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


# key -> (title, command).  ``{name}`` fields are filled in by remedy(); a
# command whose first word is in RUNNABLE_PROGRAMS becomes runnable.
TEXTS: dict[str, tuple[str, str | None]] = {
    # rustup itself
    "rustup-install": ("Install rustup, Rust's toolchain installer (into your home, no root needed), "
                       "then open a new shell",
                       "curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y"),
    "rustup-install-then": ("…then install the toolchain this tree needs", "rustup toolchain install {toolchain}"),
    "rustup-show": ("With rustup: see the active toolchain and any override", "rustup show"),
    "rustup-default": ("With rustup and no default toolchain: set one", "rustup default {toolchain}"),
    "rustup-toolchain-install": ("With rustup: install the toolchain {toolchain}",
                                 "rustup toolchain install {toolchain}"),
    "rustup-toolchain-install-src": ("With rustup: install the toolchain {toolchain} with its library source",
                                     "rustup toolchain install {toolchain} --component rust-src"),
    "rustup-override": ("With rustup, in the kernel folder: use the current stable rustc",
                        "rustup override set stable"),
    "rustup-override-pinned": ("With rustup, in the kernel folder: use exactly rustc {version}, the version this "
                               "tree lists", "rustup override set {version}"),
    "rustup-override-at": ("With rustup, for the folder make runs rustc in: use the toolchain {toolchain}",
                           "rustup override set {toolchain} --path {path}"),
    "rustup-update": ("With rustup: update the toolchains", "rustup update"),
    "rustup-which": ("Then load the tree with rustup's rustc", "make RUSTC=\"$(rustup which rustc)\" rustavailable"),
    "rust-src": ("With rustup: add the standard library source", "rustup component add rust-src"),
    "rust-src-toolchain": ("With rustup: add the standard library source to the toolchain {toolchain}",
                           "rustup component add rust-src --toolchain {toolchain}"),
    "rust-src-pinned": ("…and add its library source", "rustup component add rust-src"),
    "rust-src-unpack": ("This rustc ({path}) is not managed by rustup: unpack the rust-src of the same version "
                        "into its sysroot", "tar -xf rust-src-{version}.tar.xz -C {sysroot}/lib/rustlib/src/rust"),
    "rustfmt": ("With rustup", "rustup component add rustfmt"),
    # RUSTUP_TOOLCHAIN and overrides
    "rustup-toolchain-env": ("RUSTUP_TOOLCHAIN={toolchain} beats every default and override: install that "
                             "toolchain", "rustup toolchain install {toolchain}"),
    "rustup-toolchain-env-unset": ("…or stop naming it (remove RUSTUP_TOOLCHAIN from the environment)",
                                   "unset RUSTUP_TOOLCHAIN"),
    "rustup-toolchain-env-newer": ("RUSTUP_TOOLCHAIN={toolchain} picks this rustc and beats any override: name a "
                                   "newer toolchain, or unset it", "export RUSTUP_TOOLCHAIN=stable"),
    # bindgen
    "cargo-bindgen": ("Install the current bindgen with cargo",
                      "cargo install --locked bindgen-cli"),
    "cargo-bindgen-version": ("Install bindgen {version} with cargo", "cargo install --locked --version {version} "
                                                                      "bindgen-cli"),
    "cargo-bindgen-crate": ("Install bindgen {version} with cargo", "cargo install --locked --version {version} "
                                                                    "bindgen"),
    "cargo-missing": ("cargo is not installed: install rustup first (it brings cargo)", None),
    "cargo-bin-path": ("cargo installs into {bindir}: put it first on PATH, or name it explicitly",
                       "make BINDGEN={bindir}/bindgen rustavailable"),
    # explicit paths given to make
    "explicit-rustc": ("RUSTC={path} is what make was told to use: point RUSTC= at a rustc that works",
                       "make RUSTC=/path/to/rustc rustavailable"),
    "explicit-rustc-path": ("…or drop RUSTC= and use the rustc on PATH ({found})", "make RUSTC={found} rustavailable"),
    "explicit-bindgen": ("BINDGEN={path} is what make was told to use: point BINDGEN= at a bindgen that works",
                         "make BINDGEN=/path/to/bindgen rustavailable"),
    "explicit-bindgen-path": ("…or drop BINDGEN= and use the bindgen on PATH ({found})",
                              "make BINDGEN={found} rustavailable"),
    "chmod": ("The file is not executable: make it so", "chmod +x {path}"),
    "ldd": ("It or a library it needs is missing: check its shared libraries", "ldd {path}"),
    "see-version": ("See what it says", "{path} --version"),
    "see-header": ("See what it reports", "{path} {header}"),
    # the standard library source
    "rust-lib-src-wrong": ("RUST_LIB_SRC={value} has no core/src/lib.rs: unset it (the kernel then uses rustc's "
                           "sysroot) or point it at a library folder", "unset RUST_LIB_SRC"),
    "rust-lib-src": ("…or point the kernel at a library source folder",
                     "make RUST_LIB_SRC=/path/to/rust/library rustavailable"),
    "krustflags-sysroot": ("KRUSTFLAGS has --sysroot={value}, which has no library source: drop that flag or "
                           "use a sysroot with lib/rustlib/src/rust/library", "unset KRUSTFLAGS"),
    # libclang and clang
    "libclang-path-wrong": ("LIBCLANG_PATH={value} holds no libclang: unset it or point it at a folder with "
                            "libclang.so", "unset LIBCLANG_PATH"),
    "libclang-path": ("Tell bindgen where libclang is", "make LIBCLANG_PATH={path} rustavailable"),
    "libclang-path-major": ("Have bindgen use Clang {major}'s libclang",
                            "make LIBCLANG_PATH=/usr/lib/llvm-{major}/lib LLVM=1 rustavailable"),
    "llvm-suffix": ("…or build with the Clang matching libclang {major}", "make LLVM=-{major} rustavailable"),
    "llvm-drop": ("…or build without LLVM=1 (gcc)", "make rustavailable"),
    "use-gcc": ("Use GCC", "make CC=gcc rustavailable"),
    "use-llvm": ("…or a newer Clang", "make LLVM=1 rustavailable"),
    "llvm-apt": ("Install a newer LLVM from apt.llvm.org (its script asks for root)",
                 "wget https://apt.llvm.org/llvm.sh && sudo bash llvm.sh {major}"),
    # distributions (root: copy only)
    "pkg": ("{distro}: install {what}", "{install} {packages}"),
    "pkg-too-old": ("{distro}'s {what} is {version}; this tree needs ≥ {minimum}, so the package will not do", None),
    "pkg-unknown": ("{distro}: install {what} (check that its version is ≥ {minimum})", "{install} {packages}"),
    # the distributions' own lines, as the kernel's quick-start lists them
    "distro-rust-debian": ("Debian testing or newer / Ubuntu{note}",
                           "sudo apt install rustc rust-src bindgen rustfmt rust-clippy"),
    "distro-rust-fedora": ("Fedora{note}", "sudo dnf install rust rust-src bindgen-cli rustfmt clippy"),
    "distro-rust-arch": ("Arch Linux{note}", "sudo pacman -S rust rust-src rust-bindgen"),
    "distro-bindgen-debian": ("Debian testing or newer / Ubuntu", "sudo apt install bindgen"),
    "distro-bindgen-fedora": ("Fedora", "sudo dnf install bindgen-cli"),
    "distro-bindgen-arch": ("Arch Linux", "sudo pacman -S rust-bindgen"),
    "distro-libclang-debian": ("Debian / Ubuntu: install libclang", "sudo apt install libclang-dev"),
    "distro-libclang-fedora": ("Fedora", "sudo dnf install clang-devel"),
    "distro-libclang-arch": ("Arch Linux", "sudo pacman -S clang"),
    "libclang-major-debian": ("Debian / Ubuntu: install libclang {major} and have bindgen use it",
                              "sudo apt install libclang-{major}-dev"),
    "rust-src-debian": ("Debian / Ubuntu: the distribution's rust-src package", "sudo apt install rust-src"),
    "rustfmt-debian": ("Debian / Ubuntu", "sudo apt install rustfmt"),
    # what make is pointed at
    "rustc-exists": ("…or point make at a rustc that exists", "make RUSTC=/path/to/rustc rustavailable"),
    "bindgen-exists": ("…or point make at a bindgen that exists", "make BINDGEN=/path/to/bindgen rustavailable"),
    "rustc-real": ("Point make at a real rustc", "make RUSTC=/path/to/rustc rustavailable"),
    "bindgen-real": ("Point make at a real bindgen", "make BINDGEN=/path/to/bindgen rustavailable"),
    "rustc-use-rustup": ("…and let make use rustup's rustc instead of {path}", "make RUSTC=rustc rustavailable"),
    "real-tools": ("Point make at real tools", "make RUSTC=/path/to/rustc BINDGEN=/path/to/bindgen rustavailable"),
    "see-prints": ("See what it prints", "{path} --version"),
    "see-tools": ("See what the tools print", "rustc --version; bindgen --version"),
    "rustup-override-exact": ("With rustup, in the kernel folder: use exactly rustc {version}",
                              "rustup override set {version}"),
    "cargo-bindgen-exact": ("Install exactly bindgen {version}", "cargo install --locked --version {version} {crate}"),
    "cargo-bindgen-other": ("Install another bindgen version", "cargo install --locked bindgen-cli"),
    "cargo-bindgen-atleast": ("Install bindgen {version} or newer", "cargo install --locked bindgen-cli"),
    "libclang-older": ("…or have bindgen use an older libclang", "{command}"),
    "cc-known": ("Use a C compiler the kernel knows", "make CC=gcc rustavailable"),
    "cc-clang": ("…or Clang", "make LLVM=1 rustavailable"),
    "open-kernel-tree": ("Open the top folder of a Linux 6.1 or later source tree", None),
    # the fix planner's outside steps
    "plan-probe": ("Run the probe to see its answer", "{command}"),
    "plan-llvm-probe": ("Clang may pass it: load the tree with LLVM=1 and plan again", "{command}"),
    "plan-other-cc": ("Or load the tree with another compiler and plan again", "{command}"),
    "plan-cc": ("Load the tree with another compiler, then plan again", "{command}"),
    "pahole-debian": ("Debian / Ubuntu", "sudo apt install pahole"),
    "pahole-fedora": ("Fedora", "sudo dnf install dwarves"),
    "pahole-arch": ("Arch Linux", "sudo pacman -S pahole"),
    "plan-other-pahole": ("Or point make at another pahole, then plan again", "{command}"),
    "plan-with-it": ("Then load the tree with it", "{command}"),
    "rustup-override-version": ("With rustup, in the kernel folder: use rustc {version}",
                                "rustup override set {version}"),
    "rustup-pick": ("With rustup, in the kernel folder: pick a rustc whose {symbol} is {span}",
                    "rustup toolchain list"),
    "plan-llvm": ("Load the tree with LLVM=1 and plan again", "{command}"),
    "plan-gnu": ("Load the tree without LLVM=1 and plan again", "{command}"),
    "configure-with": ("Configure with it", "{command}"),
    "plan-arch": ("Load the tree with another ARCH and plan again", "{command}"),
    "plan-arch-named": ("Load the tree with ARCH={arch} and plan again", "{command}"),
    "plan-tools": ("Load the tree with other tools and plan again", "{command}"),
    "plan-reload": ("Load it and plan again", "{command}"),
    "see-reports": ("See what it reports", "{command}"),
    # generic
    "check-again": ("Check the toolchain again", "{command}"),
    "kbuild": ("Run the check through the kernel's make", "make rustavailable"),
    "make-rustavailable": ("Or ask the tree's make", "{command}"),
}


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

# how each family installs, and the names of its packages
_FAMILIES: dict[str, dict[str, str]] = {
    "debian": {"install": "sudo apt install", "rustc": "rustc", "rust-src": "rust-src", "bindgen": "bindgen",
               "libclang": "libclang-dev", "llvm": "clang lld llvm"},
    "fedora": {"install": "sudo dnf install", "rustc": "rust", "rust-src": "rust-src", "bindgen": "bindgen-cli",
               "libclang": "clang-devel", "llvm": "clang lld llvm"},
    "arch": {"install": "sudo pacman -S", "rustc": "rust", "rust-src": "rust-src", "bindgen": "rust-bindgen",
             "libclang": "clang", "llvm": "clang lld llvm"},
    "suse": {"install": "sudo zypper install", "rustc": "rust", "rust-src": "rust-src", "bindgen": "rust-bindgen",
             "libclang": "clang-devel", "llvm": "clang lld llvm"},
}
_FAMILY_NAMES = {"debian": "Debian / Ubuntu", "fedora": "Fedora", "arch": "Arch Linux", "suse": "openSUSE"}
# the families the generic lines cover, in the order shown
DISTRO_LINES = ("debian", "fedora", "arch")


def family_name(family: str) -> str:
    """How the generic lines begin for ``family`` ('Debian', 'Fedora', …)."""
    return {"debian": "Debian", "fedora": "Fedora", "arch": "Arch Linux", "suse": "openSUSE"}[family]

# What each release's own package installs, for when its package manager cannot be
# asked (measured: Debian 12 here with apt-cache policy; the others from their archives).
KNOWN_PACKAGE_VERSIONS: dict[tuple[str, str], dict[str, str]] = {
    ("debian", "12"): {"rustc": "1.63.0", "rust-src": "1.63.0", "bindgen": "0.60.1", "libclang": "14.0.6",
                       "llvm": "14.0.6"},
    ("debian", "13"): {"rustc": "1.85.0", "rust-src": "1.85.0", "bindgen": "0.71.1", "libclang": "19.1.7",
                       "llvm": "19.1.7"},
    ("ubuntu", "24.04"): {"rustc": "1.75.0", "rust-src": "1.75.0", "bindgen": "0.66.1", "libclang": "18.1.3",
                          "llvm": "18.1.3"},
}

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
            return self.pretty or (self.family and _FAMILY_NAMES[self.family]) or "This distribution"
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


@lru_cache(maxsize=64)
def _apt_candidate(package: str, path: str) -> str | None:
    exe = shutil.which("apt-cache", path=path)
    if exe is None:
        return None
    try:
        done = subprocess.run([exe, "policy", package], capture_output=True, text=True, timeout=10,
                              env={"PATH": path, "LC_ALL": "C"}, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    m = re.search(r"^\s*Candidate:\s*(\S+)", done.stdout, re.MULTILINE)
    if not m or m.group(1) == "(none)":
        return None
    return _upstream(m.group(1))


# ---------------------------------------------------------------------------
# this machine


@dataclass
class Machine:
    """What the remedies depend on: the distribution, rustup/cargo, their folders, the environment."""

    distro: Distro = field(default_factory=Distro)
    env: Mapping[str, str] = field(default_factory=dict)

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
        package = _FAMILIES[fam][tool].split()[0]
        if fam == "debian":
            got = _apt_candidate(package, self.path)
            if got is not None:
                return got
        return KNOWN_PACKAGE_VERSIONS.get((self.distro.id, self.distro.version_id), {}).get(tool)

    def package(self, tool: str, minimum: str | None, *, what: str | None = None) -> list[Remedy]:
        """Install ``tool`` from the distribution, or say why its package will not do."""
        fam = self.distro.family
        word = what or _TOOL_WORDS.get(tool, tool)
        if fam is None:
            return []
        info = _FAMILIES[fam]
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
