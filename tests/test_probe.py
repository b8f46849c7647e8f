"""``make rustavailable`` of the real 6.1, 6.12 and 7.2 trees, with fake and real toolchains.

The fakes are small shell scripts passed as RUSTC=/BINDGEN=/CC= on make's
command line; everything else (make, the kernel's scripts, the shell) is real.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devtools.cref import clean_env
from rustconfig_gui.errors import TreeError
from rustconfig_gui.kconfig.tree import KernelTree
from rustconfig_gui.toolchain.findings import (
    Finding,
    findings_to_json,
    min_tool_versions,
    parse_probe_output,
)
from rustconfig_gui.toolchain.rustavailable import (
    ProbeRequest,
    ProbeResult,
    check_can_probe,
    kernel_version,
    result_to_json,
    run_probe,
)

VERSIONS = ("6.1", "6.12", "7.2")
FIXTURE = {"6.1": "tree_61", "6.12": "tree_612", "7.2": "tree_72"}

# libclang recent enough for every tree's minimum, below the ranges the
# bindgen-bug checks (>= 19.1, >= 22) look at
GOOD_LIBCLANG = "18.1.8"


def _script(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def _printf(lines: list[str], fd: int = 1) -> str:
    if not lines:
        return ":"
    quoted = " ".join("'" + x.replace("'", "'\\''") + "'" for x in lines)
    return f"printf '%s\\n' {quoted}" + (f" >&{fd}" if fd != 1 else "")


class Fakes:
    """A fake toolchain in a temp folder; every knob is one scenario's deviation."""

    def __init__(self, root: Path, mins: dict[str, str]):
        self.root = root
        self.mins = mins
        self.pidfile = root / "pids"
        self.sysroot = root / "sysroot"
        core = self.sysroot / "lib/rustlib/src/rust/library/core/src"
        core.mkdir(parents=True)
        (core / "lib.rs").write_text("// core\n")
        self.count = 0

    def _name(self, base: str) -> Path:
        self.count += 1
        return self.root / f"{base}{self.count}"

    def rustc(self, version: str | None = None, *, out: list[str] | None = None, code: int = 0,
              sysroot: Path | None = None, sysroot_stderr: list[str] | None = None, hang: bool = False) -> str:
        version = version or self.mins["rustc"]
        out = out if out is not None else [f"rustc {version} (0123456789 2024-01-01)"]
        hang_cmd = (f"sleep 1000 & echo $! >> '{self.pidfile}'; echo $$ >> '{self.pidfile}'; wait\n"
                    if hang else "")
        body = (
            'case " $* " in\n'
            f'  *" --print sysroot "*) {_printf(sysroot_stderr or [], 2)}; echo \'{sysroot or self.sysroot}\';'
            ' exit 0 ;;\n'
            "esac\n"
            f"{hang_cmd}"
            f"{_printf(out)}\n"
            f"exit {code}\n")
        return str(_script(self._name("rustc"), body))

    def bindgen(self, version: str | None = None, *, out: list[str] | None = None, code: int = 0,
                libclang: str | None = GOOD_LIBCLANG, libclang_stderr: list[str] | None = None,
                libclang_code: int = 0, b066_code: int = 0, b066_stderr: list[str] | None = None,
                concat_out: list[str] | None = None, l22_out: list[str] | None = None,
                l22_stderr: list[str] | None = None, hang: bool = False) -> str:
        version = version or self.mins["bindgen"]
        out = out if out is not None else [f"bindgen {version}"]
        if libclang_stderr is None:
            # what bindgen prints for the header's #pragma message (measured with 0.60.1)
            libclang_stderr = [f"clang diag: scripts/rust_is_available_bindgen_libclang.h:2:9: warning: "
                               f"clang version {libclang}  [-W#pragma-messages]"]
        hang_cmd = (f"sleep 1000 & echo $! >> '{self.pidfile}'; echo $$ >> '{self.pidfile}'; wait\n"
                    if hang else "")
        body = (
            f"{hang_cmd}"
            'case "$*" in\n'
            f"  *--version*) {_printf(out)}; exit {code} ;;\n"
            f"  *rust_is_available_bindgen_libclang.h*) {_printf(libclang_stderr, 2)}; exit {libclang_code} ;;\n"
            f"  *rust_is_available_bindgen_0_66.h*) {_printf(b066_stderr or [], 2)}; exit {b066_code} ;;\n"
            f"  *rust_is_available_bindgen_libclang_concat.h*) {_printf(concat_out or [])}; exit 0 ;;\n"
            f"  *rust_is_available_bindgen_libclang_22.h*) {_printf(l22_stderr or [], 2)}; "
            f"{_printf(l22_out or [])}; exit 0 ;;\n"
            "esac\n"
            "exit 0\n")
        return str(_script(self._name("bindgen"), body))

    def clang(self, version: str = "18.1.8") -> str:
        major, minor, patch = version.split(".")
        body = ('case "$*" in\n'
                f'  *-E*) cat >/dev/null; echo "Clang {major} {minor} {patch}" ;;\n'
                f'  *--version*) echo "clang version {version}" ;;\n'
                "  *) exit 1 ;;\n"
                "esac\n")
        return str(_script(self._name("clang"), body))

    def pids(self) -> list[int]:
        if not self.pidfile.exists():
            return []
        return [int(x) for x in self.pidfile.read_text().split()]


def _alive(pid: int, marker: str) -> bool:
    """Running (not a zombie) and still one of ours: cmdline mentions the fake folder or sleep."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state != "Z" and (marker in cmdline or cmdline.startswith("sleep 1000"))


@pytest.fixture(scope="module")
def trees(request) -> dict[str, Path]:
    return {v: request.getfixturevalue(FIXTURE[v]) for v in VERSIONS}


@pytest.fixture(scope="module")
def mins(trees) -> dict[str, dict[str, str]]:
    return {v: min_tool_versions(trees[v], srcarch="x86", arch="x86_64") for v in VERSIONS}


@pytest.fixture
def fakes_for(tmp_path, mins):
    def make(version: str) -> Fakes:
        root = tmp_path / f"fake-{version}"
        root.mkdir()
        return Fakes(root, mins[version])
    return make


def probe(tree: Path, *, build: Path | None = None, env_extra: dict[str, str] | None = None,
          timeout: float = 60.0, on_line=None, cancelled=None, **overrides: str) -> ProbeResult:
    req = ProbeRequest(KernelTree(tree, build=build, arch="x86_64"), overrides=overrides,
                       env_extra=env_extra or {}, timeout=timeout, base_env=clean_env())
    return run_probe(req, on_line=on_line, cancelled=cancelled)


def kinds(result: ProbeResult) -> list[str]:
    return [f.kind for f in result.findings]


def one(result: ProbeResult, kind: str) -> Finding:
    found = [f for f in result.findings if f.kind == kind]
    assert len(found) == 1, (kind, kinds(result), result.lines)
    return found[0]


def commands(f: Finding) -> list[str]:
    return [r.command or "" for r in f.remedies]


# ---------------------------------------------------------------------------
# the tree's numbers


def test_min_tool_versions_and_kernel_version(trees, mins):
    assert mins["6.1"] == {"rustc": "1.62.0", "bindgen": "0.56.0", "llvm": "11.0.0"}
    assert mins["6.12"] == {"rustc": "1.78.0", "bindgen": "0.65.1", "llvm": "13.0.1"}
    assert mins["7.2"] == {"rustc": "1.85.0", "bindgen": "0.71.1", "llvm": "17.0.1"}
    # SRCARCH changes the answers the way the script's case statement says
    assert min_tool_versions(trees["6.12"], srcarch="s390")["llvm"] == "15.0.0"
    assert min_tool_versions(trees["7.2"], srcarch="s390")["rustc"] == "1.96.0"
    assert kernel_version(trees["6.1"])[:2] == (6, 1)
    assert kernel_version(trees["6.12"])[:2] == (6, 12)
    assert kernel_version(trees["7.2"])[:2] == (7, 2)


def test_argv_and_environment(tmp_path: Path, trees):
    tree = KernelTree(trees["6.12"], build=tmp_path / "out", arch="arm64", llvm=True,
                      make_vars=(("RUSTC", "/opt/a/rustc"), ("HOSTCC", "gcc")))
    req = ProbeRequest(tree, overrides={"RUSTC": "/opt/b/rustc", "BINDGEN": "/opt/b/bindgen"},
                       env_extra={"RUST_LIB_SRC": "/src/lib"},
                       base_env={"PATH": "/usr/bin:/bin", "MAKEFLAGS": "-j9", "LANG": "de_DE.UTF-8",
                                 "KRUSTFLAGS": "--sysroot=/x"})
    assert req.argv() == ["make", "-C", str(trees["6.12"]), f"O={tmp_path / 'out'}", "ARCH=arm64", "LLVM=1",
                          "RUSTC=/opt/b/rustc", "HOSTCC=gcc", "BINDGEN=/opt/b/bindgen", "rustavailable"]
    env = req.environment()
    assert env["LC_ALL"] == "C" and env["RUSTUP_AUTO_INSTALL"] == "0" and env["RUST_LIB_SRC"] == "/src/lib"
    assert env["KRUSTFLAGS"] == "--sysroot=/x" and env["PATH"] == "/usr/bin:/bin"
    # an outer make's flags would leak its jobserver into ours
    assert "MAKEFLAGS" not in env
    with pytest.raises(ValueError):
        ProbeRequest(tree, overrides={"A B": "x"}).argv()


# ---------------------------------------------------------------------------
# the real Debian toolchain


def test_debian_toolchain_on_61_is_available_with_too_new_warnings(trees):
    r = probe(trees["6.1"], RUSTC="/usr/bin/rustc", BINDGEN="/usr/bin/bindgen")
    assert r.available and r.returncode == 0 and not r.timed_out
    assert kinds(r) == ["rustc-too-new", "bindgen-too-new", "available"]
    w1 = one(r, "rustc-too-new")
    assert (w1.severity, w1.tool, w1.path, w1.found_version, w1.required_version) == \
        ("warning", "rustc", "/usr/bin/rustc", "1.63.0", "1.62.0")
    # 6.1 wants the exact pinned versions: the remedies name them
    assert "rustup override set 1.62.0" in commands(w1)
    assert "cargo install --locked --version 0.56.0 bindgen" in commands(one(r, "bindgen-too-new"))


@pytest.mark.parametrize("version,minimum", [("6.12", "1.78.0"), ("7.2", "1.85.0")])
def test_debian_toolchain_rustc_too_old(trees, version, minimum):
    r = probe(trees[version], RUSTC="/usr/bin/rustc", BINDGEN="/usr/bin/bindgen")
    assert not r.available and r.returncode == 2
    f = one(r, "rustc-too-old")
    assert (f.severity, f.found_version, f.required_version, f.path) == ("error", "1.63.0", minimum, "/usr/bin/rustc")
    assert "rustup override set stable" in commands(f)
    assert kinds(r) == ["rustc-too-old", "make-error"]
    # the trailer is in the output but is no finding of its own
    assert "*** Please see Documentation/rust/quick-start.rst for details" in r.stream("stderr")
    assert not any("quick-start" in f.message for f in r.findings)


# ---------------------------------------------------------------------------
# fake toolchains: every kind on every tree that has it


@pytest.mark.parametrize("version", VERSIONS)
def test_fake_baseline_is_available(trees, fakes_for, version):
    fk = fakes_for(version)
    r = probe(trees[version], RUSTC=fk.rustc(), BINDGEN=fk.bindgen())
    assert r.available and r.returncode == 0, r.lines
    assert kinds(r) == ["available"]
    assert "Rust is available!" in r.stream("stdout")


@pytest.mark.parametrize("version", VERSIONS)
def test_rustc_not_found(trees, fakes_for, version, tmp_path):
    fk = fakes_for(version)
    missing = str(tmp_path / "no" / "rustc")
    r = probe(trees[version], RUSTC=missing, BINDGEN=fk.bindgen())
    f = one(r, "rustc-not-found")
    assert f.severity == "error" and f.path == missing and f.required_version == fk.mins["rustc"]
    assert not r.available
    if version == "6.1":
        assert "rustup override set 1.62.0" in commands(f)
    else:
        assert "rustup override set stable" in commands(f)
    assert "sudo dnf install rust rust-src bindgen-cli rustfmt clippy" in commands(f)


@pytest.mark.parametrize("version", VERSIONS)
def test_bindgen_not_found(trees, fakes_for, version, tmp_path):
    fk = fakes_for(version)
    missing = str(tmp_path / "no" / "bindgen")
    r = probe(trees[version], RUSTC=fk.rustc(), BINDGEN=missing)
    f = one(r, "bindgen-not-found")
    assert f.path == missing and f.tool == "bindgen"
    expected = {"6.1": "cargo install --locked --version 0.56.0 bindgen",
                "6.12": "cargo install --locked bindgen-cli",
                "7.2": "cargo install --locked bindgen-cli"}[version]
    assert expected in commands(f)


@pytest.mark.parametrize("version", VERSIONS)
def test_rustc_fails_with_code_and_output(trees, fakes_for, version):
    fk = fakes_for(version)
    # the captured output may itself contain *** lines; they stay details
    out = ["error: no default toolchain configured", "***", "*** not a script message"]
    rustc = fk.rustc(out=out, code=3)
    r = probe(trees[version], RUSTC=rustc, BINDGEN=fk.bindgen())
    f = one(r, "rustc-failed")
    assert f.path == rustc and "exit status 3" in f.message
    assert f.details == out
    assert "rustup default stable" in commands(f)
    assert "unrecognised" not in kinds(r)


@pytest.mark.parametrize("version", VERSIONS)
def test_rustc_garbage_output(trees, fakes_for, version):
    fk = fakes_for(version)
    rustc = fk.rustc(out=["this is not a compiler"])
    r = probe(trees[version], RUSTC=rustc, BINDGEN=fk.bindgen())
    assert not r.available
    if version == "6.1":
        # 6.1 dies in shell arithmetic (dash wording; make says Error 2)
        f = one(r, "shell-arithmetic-error")
        assert f.tool == "rustc" and "arithmetic expression" in f.details[0]
        assert any("Error 2" in d for d in one(r, "make-error").details)
    else:
        f = one(r, "rustc-unexpected-output")
        assert f.details == ["this is not a compiler"] and f.path == rustc


def test_61_shell_arithmetic_error_bash_wording(trees, fakes_for):
    fk = fakes_for("6.1")
    r = probe(trees["6.1"], RUSTC=fk.rustc(out=["garbage"]), BINDGEN=fk.bindgen(), CONFIG_SHELL="/bin/bash")
    f = one(r, "shell-arithmetic-error")
    assert "syntax error: operand expected" in f.details[0] and f.tool == "rustc"


def test_61_shell_arithmetic_error_names_the_tool_from_earlier_messages(trees, fakes_for):
    fk = fakes_for("6.1")
    # rustc 1.63.0 prints the "too new" warning first, so the unreadable version is bindgen's
    r = probe(trees["6.1"], RUSTC=fk.rustc("1.63.0"), BINDGEN=fk.bindgen(out=["garbage"]))
    assert kinds(r)[:2] == ["rustc-too-new", "shell-arithmetic-error"]
    assert one(r, "shell-arithmetic-error").tool == "bindgen"
    # and with both warnings printed, it was libclang's
    r = probe(trees["6.1"], RUSTC=fk.rustc("1.63.0"), BINDGEN=fk.bindgen("0.60.1", libclang_stderr=["no version"]))
    assert kinds(r)[:3] == ["rustc-too-new", "bindgen-too-new", "shell-arithmetic-error"]
    assert one(r, "shell-arithmetic-error").tool == "libclang"


@pytest.mark.parametrize("version", VERSIONS)
def test_rustc_too_old(trees, fakes_for, version):
    fk = fakes_for(version)
    r = probe(trees[version], RUSTC=fk.rustc("1.50.0"), BINDGEN=fk.bindgen())
    f = one(r, "rustc-too-old")
    assert (f.found_version, f.required_version) == ("1.50.0", fk.mins["rustc"])
    override = "rustup override set 1.62.0" if version == "6.1" else "rustup override set stable"
    assert override in commands(f)


@pytest.mark.parametrize("version", VERSIONS)
def test_newer_rustc_and_bindgen_warn_only_on_61(trees, fakes_for, version):
    fk = fakes_for(version)
    r = probe(trees[version], RUSTC=fk.rustc("1.99.0"), BINDGEN=fk.bindgen("0.72.0"))
    assert r.available
    if version == "6.1":
        assert kinds(r) == ["rustc-too-new", "bindgen-too-new", "available"]
        w2 = one(r, "bindgen-too-new")
        assert (w2.found_version, w2.required_version) == ("0.72.0", "0.56.0")
    else:
        assert kinds(r) == ["available"]


@pytest.mark.parametrize("version", VERSIONS)
def test_bindgen_fails(trees, fakes_for, version):
    fk = fakes_for(version)
    bindgen = fk.bindgen(out=["oops"], code=3)
    r = probe(trees[version], RUSTC=fk.rustc(), BINDGEN=bindgen)
    f = one(r, "bindgen-failed")
    assert f.path == bindgen and "exit status 3" in f.message and f.details == ["oops"]


@pytest.mark.parametrize("version", VERSIONS)
def test_bindgen_garbage_output(trees, fakes_for, version):
    fk = fakes_for(version)
    r = probe(trees[version], RUSTC=fk.rustc(), BINDGEN=fk.bindgen(out=["nonsense 1"]))
    if version == "6.1":
        assert "shell-arithmetic-error" in kinds(r)
    else:
        assert one(r, "bindgen-unexpected-output").details == ["nonsense 1"]


@pytest.mark.parametrize("version", VERSIONS)
def test_bindgen_too_old(trees, fakes_for, version):
    fk = fakes_for(version)
    r = probe(trees[version], RUSTC=fk.rustc(), BINDGEN=fk.bindgen("0.50.0"))
    f = one(r, "bindgen-too-old")
    assert (f.found_version, f.required_version) == ("0.50.0", fk.mins["bindgen"])


@pytest.mark.parametrize("version", VERSIONS)
def test_libclang_fails(trees, fakes_for, version):
    fk = fakes_for(version)
    panic = ["thread 'main' panicked at 'Unable to find libclang: \"couldn't find any valid shared libraries\"'",
             "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace"]
    r = probe(trees[version], RUSTC=fk.rustc(), BINDGEN=fk.bindgen(libclang_stderr=panic, libclang_code=101))
    f = one(r, "libclang-failed")
    assert f.details == panic and "exit status 101" in f.message and f.tool == "libclang"
    assert any(c.startswith("make LIBCLANG_PATH=") for c in commands(f))


@pytest.mark.parametrize("version", VERSIONS)
def test_libclang_unexpected_output(trees, fakes_for, version):
    fk = fakes_for(version)
    r = probe(trees[version], RUSTC=fk.rustc(), BINDGEN=fk.bindgen(libclang_stderr=["warning: nothing useful"]))
    if version == "6.1":
        assert "shell-arithmetic-error" in kinds(r)
    else:
        assert one(r, "libclang-unexpected-output").details == ["warning: nothing useful"]


@pytest.mark.parametrize("version,old", [("6.1", "10.0.0"), ("6.12", "13.0.0"), ("7.2", "16.0.6")])
def test_libclang_too_old(trees, fakes_for, version, old):
    fk = fakes_for(version)
    r = probe(trees[version], RUSTC=fk.rustc(), BINDGEN=fk.bindgen(libclang=old))
    f = one(r, "libclang-too-old")
    assert (f.found_version, f.required_version) == (old, fk.mins["llvm"])


@pytest.mark.parametrize("version", VERSIONS)
def test_rust_src_missing_in_sysroot_and_wrong_rust_lib_src(trees, fakes_for, version, tmp_path):
    fk = fakes_for(version)
    empty = tmp_path / "empty-sysroot"
    empty.mkdir()
    r = probe(trees[version], RUSTC=fk.rustc(sysroot=empty), BINDGEN=fk.bindgen())
    f = one(r, "rust-src-missing")
    assert f.path == f"{empty}/lib/rustlib/src/rust/library/core/src/lib.rs"
    assert "rustup component add rust-src" in commands(f) and not r.available

    r = probe(trees[version], RUSTC=fk.rustc(), BINDGEN=fk.bindgen(), env_extra={"RUST_LIB_SRC": str(tmp_path / "x")})
    assert one(r, "rust-src-missing").path == f"{tmp_path / 'x'}/core/src/lib.rs"

    # a rustup toolchain without the component: the remedy names that toolchain
    toolchain = tmp_path / ".rustup" / "toolchains" / "1.78.0-x86_64-unknown-linux-gnu"
    toolchain.mkdir(parents=True)
    r = probe(trees[version], RUSTC=fk.rustc(sysroot=toolchain), BINDGEN=fk.bindgen())
    assert commands(one(r, "rust-src-missing"))[0] == \
        "rustup component add rust-src --toolchain 1.78.0-x86_64-unknown-linux-gnu"


@pytest.mark.parametrize("version", VERSIONS)
def test_bindgen_066_bug_only_on_612(trees, fakes_for, version):
    fk = fakes_for(version)
    r = probe(trees[version], RUSTC=fk.rustc(), BINDGEN=fk.bindgen("0.66.0", b066_code=1))
    assert r.available == (version != "7.2")
    if version == "6.12":
        f = one(r, "bindgen-0.66-bug")
        assert f.severity == "warning" and f.found_version == "0.66.0"
        assert kinds(r) == ["bindgen-0.66-bug", "available"]
    elif version == "6.1":
        assert kinds(r) == ["bindgen-too-new", "available"]
    else:
        # 7.2 dropped the check; its minimum is past 0.66 anyway
        assert kinds(r) == ["bindgen-too-old", "make-error"]


def test_bindgen_libclang19_bug_on_612(trees, fakes_for):
    fk = fakes_for("6.12")
    r = probe(trees["6.12"], RUSTC=fk.rustc(), BINDGEN=fk.bindgen("0.69.4", libclang="19.1.0"))
    f = one(r, "bindgen-libclang19-bug")
    assert (f.found_version, f.required_version, f.severity) == ("0.69.4", "0.69.5", "warning")
    assert r.available
    # patched (prints foofoo): no warning
    r = probe(trees["6.12"], RUSTC=fk.rustc(),
              BINDGEN=fk.bindgen("0.69.4", libclang="19.1.0", concat_out=["pub static mut foofoo: c_int;"]))
    assert kinds(r) == ["available"]


@pytest.mark.parametrize("version", ["6.12", "7.2"])
def test_bindgen_libclang22_bug(trees, fakes_for, version):
    fk = fakes_for(version)
    r = probe(trees[version], RUSTC=fk.rustc(), BINDGEN=fk.bindgen("0.72.0", libclang="22.1.0"))
    f = one(r, "bindgen-libclang22-bug")
    assert (f.found_version, f.required_version) == ("0.72.0", "0.72.1") and r.available
    assert "cargo install --locked bindgen-cli" in commands(f)


@pytest.mark.parametrize("version", VERSIONS)
def test_libclang_clang_mismatch(trees, fakes_for, version):
    fk = fakes_for(version)
    r = probe(trees[version], RUSTC=fk.rustc(), BINDGEN=fk.bindgen(libclang="17.0.6"), CC=fk.clang("18.1.8"))
    f = one(r, "libclang-version-mismatch")
    assert (f.found_version, f.required_version, f.severity) == ("17.0.6", "18.1.8", "warning")
    assert "make LLVM=-17 rustavailable" in commands(f)
    assert r.available


@pytest.mark.parametrize("version", VERSIONS)
def test_unknown_c_compiler_is_info_even_on_success(trees, fakes_for, version, tmp_path):
    fk = fakes_for(version)
    cc = str(tmp_path / "nonexistent" / "clang")
    r = probe(trees[version], RUSTC=fk.rustc(), BINDGEN=fk.bindgen(), CC=cc)
    f = one(r, "unknown-c-compiler")
    assert f.severity == "info" and f.path == cc and r.available


def test_c_compiler_too_old_on_72(trees, fakes_for):
    fk = fakes_for("7.2")
    r = probe(trees["7.2"], RUSTC=fk.rustc(), BINDGEN=fk.bindgen(), CC=fk.clang("14.0.6"))
    f = one(r, "cc-too-old")
    assert (f.found_version, f.required_version, f.tool) == ("14.0.6", "17.0.1", "cc")
    # the script goes on (the pipeline hides cc-version.sh's status) and skips the Clang comparison
    assert r.available and "libclang-version-mismatch" not in kinds(r)


@pytest.mark.parametrize("version", ["6.12", "7.2"])
def test_rustfmt_notice(trees, fakes_for, version):
    fk = fakes_for(version)
    notice = ["Failed to run rustfmt: No such file or directory (os error 2) (non-fatal, continuing)"]
    if version == "6.12":
        bindgen = fk.bindgen("0.66.0", b066_stderr=notice)
    else:
        bindgen = fk.bindgen("0.72.0", libclang="22.1.0", l22_stderr=notice, l22_out=["pub foo: c_int,"])
    r = probe(trees[version], RUSTC=fk.rustc(), BINDGEN=bindgen)
    assert kinds(r) == ["rustfmt-notice", "available"]
    assert one(r, "rustfmt-notice").details == notice


@pytest.mark.parametrize("version", VERSIONS)
def test_unrecognised_star_text_is_kept_verbatim(trees, fakes_for, version):
    fk = fakes_for(version)
    odd = ["***", "*** Something new the script might say one day.", "***   Detail: 42"]
    r = probe(trees[version], RUSTC=fk.rustc(sysroot_stderr=odd), BINDGEN=fk.bindgen())
    f = one(r, "unrecognised")
    assert f.details == odd[1:] and "Something new the script might say one day." in f.message
    assert r.available


@pytest.mark.parametrize("version", ["6.12", "7.2"])
def test_environment_variable_not_set_when_run_directly(trees, version):
    script = trees[version] / "scripts" / "rust_is_available.sh"
    base = {k: v for k, v in clean_env().items() if k not in ("RUSTC", "BINDGEN", "CC")}
    for env, var in ((base, "RUSTC"), ({**base, "RUSTC": "rustc"}, "BINDGEN"),
                     ({**base, "RUSTC": "rustc", "BINDGEN": "bindgen"}, "CC")):
        done = subprocess.run(["sh", str(script)], env=env, capture_output=True, text=True)
        assert done.returncode == 1
        findings = parse_probe_output([("stderr", x) for x in done.stderr.splitlines()], (6, 12, 0), {})
        assert [f.kind for f in findings] == ["env-var-not-set"], done.stderr
        assert var in findings[0].message and findings[0].remedies[0].command == "make rustavailable"


def test_make_error_lines_with_build_folder(trees, fakes_for, tmp_path):
    fk = fakes_for("6.12")
    r = probe(trees["6.12"], build=tmp_path / "out", RUSTC=fk.rustc("1.50.0"), BINDGEN=fk.bindgen())
    f = one(r, "make-error")
    # make[2], make[1] and make each report it; one finding carries all three lines
    assert len(f.details) == 3 and f.severity == "info"
    assert any(x.startswith("make[1]: Entering directory") for x in r.stream("stdout"))
    assert kinds(r) == ["rustc-too-old", "make-error"]


def test_no_rule_to_make_target(tmp_path: Path):
    (tmp_path / "Makefile").write_text("all:\n\t@echo hi\n")
    r = run_probe(ProbeRequest(KernelTree(tmp_path), base_env=clean_env()))
    assert r.returncode == 2 and not r.available
    f = one(r, "no-rule-to-make-target")
    assert f.severity == "error" and f.details == ["make: *** No rule to make target 'rustavailable'.  Stop."]


def test_localized_make_lines_are_tolerated():
    lines = [("stdout", "make: Verzeichnis „/src/linux“ wird betreten"),
             ("stderr", "***"), ("stderr", "*** Rust compiler 'rustc' is too old."),
             ("stderr", "***   Your version:    1.63.0"), ("stderr", "***   Minimum version: 1.78.0"),
             ("stderr", "***"),
             ("stderr", "make[1]: *** [/src/linux/Makefile:1801: rustavailable] Fehler 1"),
             ("stderr", "make: *** [Makefile:236: __sub-make] Fehler 2"),
             ("stdout", "make: Verzeichnis „/src/linux“ wird verlassen")]
    assert [f.kind for f in parse_probe_output(lines, (6, 12, 0), {})] == ["rustc-too-old", "make-error"]
    f = parse_probe_output([("stderr", "make: *** Keine Regel, um „rustavailable“ zu erstellen.  Schluss.")])
    assert [x.kind for x in f] == ["no-rule-to-make-target"]


# ---------------------------------------------------------------------------
# the process: streaming, timeout, cancel, nothing left behind


@pytest.mark.parametrize("version", ["6.1", "6.12"])
def test_hanging_rustc_times_out_and_leaves_nothing(trees, fakes_for, version):
    fk = fakes_for(version)
    r = probe(trees[version], timeout=3, RUSTC=fk.rustc(hang=True), BINDGEN=fk.bindgen())
    assert r.timed_out and not r.available and not r.cancelled
    assert "timed-out" in kinds(r)
    pids = fk.pids()
    assert pids, "the fake rustc never ran"
    assert not [p for p in pids if _alive(p, str(fk.root))]


def test_cancel_from_a_line_stops_a_hanging_bindgen(trees, fakes_for):
    fk = fakes_for("6.1")
    seen: list[tuple[str, str]] = []
    stop = threading.Event()

    def on_line(stream: str, text: str) -> None:
        seen.append((stream, text))
        if "is too new" in text:
            stop.set()

    def cancelled() -> bool:
        # once the warning was streamed and the hanging bindgen has recorded itself and its sleeper
        return stop.is_set() and len(fk.pids()) == 2

    # the W1 lines arrive while bindgen hangs: without streaming this would end in the timeout
    r = probe(trees["6.1"], on_line=on_line, cancelled=cancelled, timeout=120,
              RUSTC=fk.rustc("1.63.0"), BINDGEN=fk.bindgen(hang=True))
    assert r.cancelled and not r.timed_out and not r.available
    assert kinds(r)[0] == "rustc-too-new" and kinds(r)[-1] == "cancelled"
    assert seen == r.lines
    assert fk.pids() and not [p for p in fk.pids() if _alive(p, str(fk.root))]


def test_lines_arrive_in_order_per_stream(trees, fakes_for):
    fk = fakes_for("6.12")
    out = [f"line {i:04d}" for i in range(400)]
    seen: list[tuple[str, str]] = []
    r = probe(trees["6.12"], on_line=lambda s, t: seen.append((s, t)),
              RUSTC=fk.rustc(out=out, code=1), BINDGEN=fk.bindgen())
    assert seen == r.lines
    err = [t for s, t in seen if s == "stderr"]
    start = err.index("line 0000")
    assert err[start:start + 400] == out
    assert one(r, "rustc-failed").details == out


def test_a_background_child_of_a_tool_is_killed(trees, fakes_for, tmp_path):
    fk = fakes_for("6.1")
    pidfile = tmp_path / "bg"
    # a rustc that leaves a sleeper behind (not holding our pipes) and answers normally
    rustc = _script(tmp_path / "rustc-bg", (
        f"sleep 1000 </dev/null >/dev/null 2>&1 & echo $! >> '{pidfile}'\n"
        'case " $* " in\n'
        f'  *" --print sysroot "*) echo \'{fk.sysroot}\' ;;\n'
        "  *) echo 'rustc 1.62.0 (0 2022-01-01)' ;;\n"
        "esac\n"))
    r = probe(trees["6.1"], RUSTC=str(rustc), BINDGEN=fk.bindgen())
    assert r.available
    pids = [int(x) for x in pidfile.read_text().split()]
    assert pids and not [p for p in pids if _alive(p, "sleep 1000")]


def test_check_can_probe(tmp_path: Path, trees):
    with pytest.raises(TreeError, match="not a Linux kernel source tree"):
        check_can_probe(KernelTree(tmp_path))
    with pytest.raises(TreeError, match="does not exist"):
        check_can_probe(KernelTree(tmp_path / "missing"))
    fake = tmp_path / "linux-5.10"
    (fake / "scripts" / "kconfig").mkdir(parents=True)
    (fake / "scripts" / "Kconfig.include").write_text("")
    (fake / "Kconfig").write_text("mainmenu \"x\"\n")
    (fake / "Makefile").write_text("VERSION = 5\nPATCHLEVEL = 10\nSUBLEVEL = 0\nall:\n\t@true\n")
    with pytest.raises(TreeError) as err:
        check_can_probe(KernelTree(fake))
    assert str(err.value) == f"Linux 5.10 in {fake} has no 'rustavailable' make target; " \
                             "Rust support arrived in Linux 6.1."
    with pytest.raises(TreeError, match="'no-such-make' was not found"):
        check_can_probe(KernelTree(trees["6.12"], make="no-such-make"))
    check_can_probe(KernelTree(trees["6.12"]))


def test_run_probe_without_make(trees):
    with pytest.raises(TreeError, match="'no-such-make' was not found"):
        run_probe(ProbeRequest(KernelTree(trees["6.12"], make="no-such-make"), base_env=clean_env()))


# ---------------------------------------------------------------------------
# the parser on its own


def test_json_is_stable(trees, fakes_for):
    fk = fakes_for("6.12")
    r = probe(trees["6.12"], RUSTC=fk.rustc("1.50.0"), BINDGEN=fk.bindgen())
    doc = json.loads(result_to_json(r))
    assert doc["available"] is False and doc["returncode"] == 2
    assert [f["kind"] for f in doc["findings"]] == ["rustc-too-old", "make-error"]
    # RUSTC= was given explicitly: pointing it elsewhere comes first, then rustup's override
    assert doc["findings"][0]["remedies"][0]["command"] == "make RUSTC=/path/to/rustc rustavailable"
    assert doc["findings"][0]["remedies"][1] == {"title": "With rustup, in the kernel folder: use the current "
                                                          "stable rustc", "command": "rustup override set stable",
                                                 "run": ["rustup", "override", "set", "stable"]}
    assert findings_to_json(r.findings) == findings_to_json(r.findings)
    assert list(json.loads(findings_to_json(r.findings))["findings"][0]) == sorted(
        json.loads(findings_to_json(r.findings))["findings"][0])


def test_other_unknown_lines_are_kept_and_ordered():
    lines = ["something from a tool", "***", "*** Rust compiler 'x' could not be found.", "***", "*** odd"]
    fs = parse_probe_output(lines, (6, 12, 0), {"rustc": "1.78.0"})
    assert [(f.kind, f.severity) for f in fs] == [("unrecognised", "info"), ("rustc-not-found", "error"),
                                                  ("unrecognised", "warning")]
    assert fs[0].details == ["something from a tool"] and fs[2].details == ["*** odd"]


_line = st.one_of(
    st.text(max_size=80),
    st.sampled_from(["***", "*** Rust compiler 'r' is too old.", "***   Your version:    1.2.3",
                     "*** Running 'b' to check the libclang version (used by the Rust",
                     "*** bindings generator) failed with code 1. This may be caused by",
                     "*** Running 'r' to check the Rust compiler version failed with", "*** code x.",
                     "*** Please see Documentation/rust/quick-start.rst for details",
                     "make: *** [Makefile:1: rustavailable] Error 1", "Rust is available!",
                     "./scripts/rust_is_available.sh: 19: arithmetic expression: expecting primary: \"\"",
                     "*** C compiler is too old.", "***   Your Clang version:", "x: unknown C compiler"]))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["stdout", "stderr", "other"]), _line), max_size=40),
       st.tuples(st.integers(0, 9), st.integers(0, 30), st.integers(0, 300)),
       st.dictionaries(st.sampled_from(["rustc", "bindgen", "llvm", "x"]), st.text(max_size=10), max_size=4))
def test_parser_never_raises(lines, version, mins):
    findings = parse_probe_output(lines, version, mins)
    for f in findings:
        assert f.severity in ("error", "warning", "info") and f.kind and isinstance(f.message, str)
    json.loads(findings_to_json(findings))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=40), st.binary(max_size=20), st.integers(), st.none()), max_size=10))
def test_parser_takes_odd_items(items):
    parse_probe_output(items)
    parse_probe_output([("stderr", x) for x in items])


def test_cli_probe(trees, fakes_for):
    fk = fakes_for("6.12")
    base = [sys.executable, "-m", "rustconfig_gui", "probe", str(trees["6.12"]), "--arch", "x86_64"]
    env = clean_env()
    r = subprocess.run([*base, "--make-var", f"RUSTC={fk.rustc()}", "--make-var", f"BINDGEN={fk.bindgen()}"],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    assert "Rust is available" in r.stdout
    r = subprocess.run([*base, "--make-var", f"RUSTC={fk.rustc('1.50.0')}", "--make-var",
                        f"BINDGEN={fk.bindgen()}", "--json"], capture_output=True, text=True, env=env)
    assert r.returncode == 3, r.stderr
    doc = json.loads(r.stdout)
    assert doc["findings"][0]["kind"] == "rustc-too-old" and doc["available"] is False
    r = subprocess.run([*base, "--make-var", f"RUSTC={fk.rustc('1.50.0')}"], capture_output=True, text=True, env=env)
    assert r.returncode == 3
    assert "error: " in r.stdout and "1.50.0" in r.stdout and "1.78.0" in r.stdout
    assert "rustup override set stable" in r.stdout
    r = subprocess.run([sys.executable, "-m", "rustconfig_gui", "probe", os.devnull], capture_output=True, text=True,
                       env=env)
    assert r.returncode == 1 and r.stderr.startswith("rustconfig: ") and "Traceback" not in r.stderr
