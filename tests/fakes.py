"""Fake toolchains: real executable scripts standing in for rustc and bindgen.

They answer exactly what the kernel's (and the demo tree's)
scripts/rust_is_available.sh asks, with versions chosen by the test.
"""

from __future__ import annotations

import os
import shlex
import stat
import time
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass
class Toolchain:
    rustc: Path
    bindgen: Path
    sysroot: Path

    @property
    def make_vars(self) -> tuple[tuple[str, str], ...]:
        return (("RUSTC", str(self.rustc)), ("BINDGEN", str(self.bindgen)))


def write_script(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def fake_toolchain(root: Path, rustc_version: str = "1.85.0", bindgen_version: str = "0.71.1",
                   libclang_version: str = "19.1.7", with_core: bool = True) -> Toolchain:
    """``rustc`` and ``bindgen`` answering exactly what the demo's scripts ask.

    rustc: ``--version``, ``--version --verbose`` (with an LLVM line) and
    ``--print sysroot`` (a folder that holds, or not, the 'core' source).
    bindgen: ``--version …`` and a header, for which it reports its libclang
    version on stderr as bindgen does for the header's ``#pragma message``.
    """
    root.mkdir(parents=True, exist_ok=True)
    sysroot = root / "sysroot"
    core = sysroot / "lib/rustlib/src/rust/library/core/src/lib.rs"
    core.parent.mkdir(parents=True)
    if with_core:
        core.write_text("#![no_std]\n")
    rustc = write_script(root / "rustc", f"""#!/bin/sh
case "$*" in
--version)
	echo "rustc {rustc_version} (4d91de4e4 2025-02-17)" ;;
"--version --verbose")
	echo "rustc {rustc_version} (4d91de4e4 2025-02-17)"
	echo "release: {rustc_version}"
	echo "LLVM version: {libclang_version}" ;;
"--print sysroot")
	echo {shlex.quote(str(sysroot))} ;;
*)
	echo "fake rustc: unexpected arguments: $*" >&2
	exit 1 ;;
esac
""")
    bindgen = write_script(root / "bindgen", f"""#!/bin/sh
case "$1" in
--version)
	echo "bindgen {bindgen_version}" ;;
*.h)
	echo "$1:2:9: warning: clang version {libclang_version} [-W#pragma-messages], err: false" >&2 ;;
*)
	echo "fake bindgen: unexpected arguments: $*" >&2
	exit 1 ;;
esac
""")
    return Toolchain(rustc=rustc, bindgen=bindgen, sysroot=sysroot)


def wait_gone(pid: int, what: str = "the hung tool") -> None:
    """Fail unless process ``pid`` is gone within a few seconds."""
    for _ in range(50):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    pytest.fail(f"{what} (pid {pid}) is still running")


# ---------------------------------------------------------------------------
# a whole machine: rustup with its proxies and toolchains, cargo, a distribution's bindgen


def _rustc_script(version: str, sysroot: Path) -> str:
    """A toolchain's rustc: ``--version``, ``--print sysroot`` (honouring ``--sysroot``)."""
    return f"""#!/bin/sh
sysroot={shlex.quote(str(sysroot))}
want=""
for a in "$@"; do
	case "$a" in
	--sysroot=*) sysroot="${{a#--sysroot=}}" ;;
	--version) want=version ;;
	sysroot) want=sysroot ;;
	esac
done
case "$want" in
version) echo "rustc {version} (4d91de4e4 2025-02-17)" ;;
sysroot) echo "$sysroot" ;;
*) echo "fake rustc: unexpected arguments: $*" >&2; exit 1 ;;
esac
"""


def _bindgen_script(version: str, libclang: str) -> str:
    return f"""#!/bin/sh
case "$1" in
--version) echo "bindgen {version}" ;;
*.h) echo "$1:2:9: warning: clang version {libclang} [-W#pragma-messages], err: false" >&2 ;;
*) echo "fake bindgen: unexpected arguments: $*" >&2; exit 1 ;;
esac
"""


@dataclass
class Machine:
    """HOME with ~/.cargo/bin (rustup, its rustc proxy, cargo) and ~/.rustup/toolchains, a folder
    standing for the distribution's binaries (bindgen, apt-cache), an os-release file, and a log
    of every rustup/cargo command line.  ``env`` is the environment to run things in."""

    root: Path
    home: Path
    cargo_bin: Path
    rustup_home: Path
    distro_bin: Path
    os_release: Path
    log: Path
    env: dict[str, str]

    def toolchain_dir(self, name: str) -> Path:
        return self.rustup_home / "toolchains" / name

    def core(self, name: str) -> Path:
        return self.toolchain_dir(name) / "lib/rustlib/src/rust/library/core/src/lib.rs"

    def add_toolchain(self, name: str, version: str, *, rust_src: bool = False) -> Path:
        d = self.toolchain_dir(name)
        (d / "bin").mkdir(parents=True, exist_ok=True)
        (d / "lib/rustlib").mkdir(parents=True, exist_ok=True)
        write_script(d / "bin" / "rustc", _rustc_script(version, d))
        if rust_src:
            self.core(name).parent.mkdir(parents=True, exist_ok=True)
            self.core(name).write_text("#![no_std]\n")
        return d / "bin" / "rustc"

    def set_default(self, name: str | None) -> None:
        text = f'default_toolchain = "{name}"\n' if name else ""
        (self.rustup_home / "settings.toml").write_text(text)

    def distro_bindgen(self, version: str = "0.60.1", libclang: str = "14.0.6") -> Path:
        return write_script(self.distro_bin / "bindgen", _bindgen_script(version, libclang))

    def calls(self) -> list[str]:
        return self.log.read_text().splitlines() if self.log.exists() else []

    @property
    def apt_root(self) -> Path:
        return self.root / "apt"

    @property
    def apt_status(self) -> Path:
        """The fake apt's package database: what apt-cache answers (one NAME=VERSION a line)."""
        return self.apt_root / "dpkg" / "status"

    @property
    def apt_log(self) -> Path:
        return self.root / "apt-calls.log"

    def set_candidates(self, candidates: dict[str, str]) -> None:
        self.apt_status.parent.mkdir(parents=True, exist_ok=True)
        self.apt_status.write_text("".join(f"{name}={v}\n" for name, v in candidates.items()))

    def apt_calls(self) -> list[str]:
        return self.apt_log.read_text().splitlines() if self.apt_log.exists() else []


def fake_machine(root: Path, *, default: str | None = "stable-x86_64-unknown-linux-gnu",
                 rustc_version: str = "1.95.0", rust_src: bool = False, bindgen: str | None = "0.60.1",
                 libclang: str = "14.0.6", os_release: str = 'ID=debian\nVERSION_ID="12"\n'
                 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n', apt: dict[str, str] | None = None,
                 rustup_hang: bool = False, cargo_bindgen: str = "0.71.1", with_rustup: bool = True) -> Machine:
    """Debian-12-like by default: rustup's stable rustc without rust-src, the distribution's bindgen 0.60.1.

    The fake ``rustup`` logs its argv and does what it is asked (``component add rust-src`` really
    adds the 'core' source, ``toolchain install`` a toolchain); with ``rustup_hang`` it prints a
    line, records its pid in ``root/pids`` and sleeps.  ``cargo install … bindgen-cli`` puts a
    bindgen ``cargo_bindgen`` into ~/.cargo/bin.  ``apt`` is the fake apt-cache's candidates.
    """
    home = root / "home"
    cargo_bin = home / ".cargo" / "bin"
    rustup_home = home / ".rustup"
    distro_bin = root / "distro-bin"
    for d in (cargo_bin, rustup_home / "toolchains", distro_bin):
        d.mkdir(parents=True, exist_ok=True)
    log = root / "calls.log"
    osr = root / "os-release"
    osr.write_text(os_release)
    m = Machine(root, home, cargo_bin, rustup_home, distro_bin, osr, log, {})
    env = {"PATH": f"{cargo_bin}:{distro_bin}:/usr/bin:/bin", "HOME": str(home), "CARGO_HOME": str(home / ".cargo"),
           "RUSTUP_HOME": str(rustup_home), "LC_ALL": "C"}
    m.env = env
    if default:
        m.add_toolchain(default, rustc_version, rust_src=rust_src)
    m.set_default(default)
    q = shlex.quote
    if with_rustup:
        # the proxy: RUSTUP_TOOLCHAIN, else the default; as rustup words its errors
        write_script(cargo_bin / "rustc", f"""#!/bin/sh
RUSTUP_HOME=${{RUSTUP_HOME:-{q(str(rustup_home))}}}
tc="$RUSTUP_TOOLCHAIN"
if [ -z "$tc" ]; then
	tc=$(sed -n 's/^default_toolchain = "\\(.*\\)"$/\\1/p' "$RUSTUP_HOME/settings.toml" 2>/dev/null)
fi
if [ -z "$tc" ]; then
	printf '%s%s\n' "error: rustup could not choose a version of rustc to run, because one wasn't specified " \
		"explicitly, and no default is configured." >&2
	exit 1
fi
if [ ! -x "$RUSTUP_HOME/toolchains/$tc/bin/rustc" ]; then
	echo "error: toolchain '$tc' is not installed" >&2
	exit 1
fi
exec "$RUSTUP_HOME/toolchains/$tc/bin/rustc" "$@"
""")
        # both pids are on record before the first line: a test may cancel as soon as it reads it
        hang = ("sleep 1000 & echo $! >> " + q(str(root / "pids")) + f"\necho $$ >> {q(str(root / 'pids'))}\n"
                'echo "info: syncing channel updates"\nwait\n') if rustup_hang else ""
        write_script(cargo_bin / "rustup", f"""#!/bin/sh
echo "rustup $*" >> {q(str(log))}
RUSTUP_HOME=${{RUSTUP_HOME:-{q(str(rustup_home))}}}
default=$(sed -n 's/^default_toolchain = "\\(.*\\)"$/\\1/p' "$RUSTUP_HOME/settings.toml" 2>/dev/null)
{hang}case "$1 $2" in
"component add")
	tc="${{RUSTUP_TOOLCHAIN:-$default}}"
	[ "$4" = "--toolchain" ] && tc="$5"
	echo "info: downloading component '$3'"
	echo "info: installing component '$3'"
	mkdir -p "$RUSTUP_HOME/toolchains/$tc/lib/rustlib/src/rust/library/core/src"
	echo '#![no_std]' > "$RUSTUP_HOME/toolchains/$tc/lib/rustlib/src/rust/library/core/src/lib.rs" ;;
"toolchain install")
	echo "info: syncing channel updates for '$3'"
	mkdir -p "$RUSTUP_HOME/toolchains/$3/bin"
	echo "  $3 installed" ;;
"override set")
	echo "info: override toolchain for '${{5:-$PWD}}' set to '$3'" ;;
"default "*)
	echo "default_toolchain = \\"$2\\"" > "$RUSTUP_HOME/settings.toml" ;;
"which rustc")
	echo "$RUSTUP_HOME/toolchains/${{RUSTUP_TOOLCHAIN:-$default}}/bin/rustc" ;;
*)
	echo "fake rustup: $*" >&2; exit 1 ;;
esac
""")
        write_script(cargo_bin / "cargo", f"""#!/bin/sh
echo "cargo $*" >> {q(str(log))}
case "$*" in
*bindgen-cli*)
	echo "    Updating crates.io index"
	echo "  Installing bindgen-cli v{cargo_bindgen}"
	cat > {q(str(cargo_bin / "bindgen"))} <<'EOS'
{_bindgen_script(cargo_bindgen, libclang)}EOS
	chmod +x {q(str(cargo_bin / "bindgen"))}
	echo "   Installed package \\`bindgen-cli v{cargo_bindgen}\\` (executable \\`bindgen\\`)" ;;
*) echo "fake cargo: $*" >&2; exit 1 ;;
esac
""")
    if bindgen:
        m.distro_bindgen(bindgen, libclang)
    candidates = apt if apt is not None else {"bindgen": "0.60.1-2+b2", "rustc": "1.63.0+dfsg1-2",
                                               "rust-src": "1.63.0+dfsg1-2", "libclang-dev": "1:14.0-55.7~deb12u1",
                                               "clang": "1:14.0-55.7~deb12u1"}
    m.set_candidates(candidates)
    for d in ("state/lists", "etc/sources.list.d", "etc/preferences.d", "etc/apt.conf.d"):
        (m.apt_root / d).mkdir(parents=True, exist_ok=True)
    (m.apt_root / "state/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages").write_text("")
    (m.apt_root / "etc/sources.list").write_text("deb http://deb.debian.org/debian bookworm main\n")
    # apt-cache: as apt's, what it says comes from its database (NAME=VERSION lines); it logs each argv
    write_script(distro_bin / "apt-cache", f"""#!/bin/sh
echo "apt-cache $*" >> {q(str(m.apt_log))}
[ "$1" = policy ] || exit 100
shift
for p in "$@"; do
	v=$(sed -n "s/^$p=//p" {q(str(m.apt_status))})
	[ -n "$v" ] || continue
	echo "$p:"
	echo "  Installed: (none)"
	echo "  Candidate: $v"
	echo "  Version table:"
done
""")
    # apt-config: where that database and apt's other state live
    r = str(m.apt_root)
    write_script(distro_bin / "apt-config", f"""#!/bin/sh
[ "$1" = dump ] || exit 100
cat <<'EOF'
APT::Architecture "amd64";
Dir "/";
Dir::State "{r}/state/";
Dir::State::lists "lists/";
Dir::State::status "{m.apt_status}";
Dir::Etc "{r}/etc/";
Dir::Etc::sourcelist "sources.list";
Dir::Etc::sourceparts "sources.list.d";
Dir::Etc::preferences "preferences";
Dir::Etc::preferencesparts "preferences.d";
Dir::Etc::main "apt.conf";
Dir::Etc::parts "apt.conf.d";
EOF
""")
    return m
