"""The toolchain doctor on the real 6.1, 6.12 and 7.2 trees, with fake machines.

A fake machine (tests/fakes.py) is real executables on PATH: rustup's proxy and
toolchains in a temporary HOME, a fake rustup and cargo that log their argv and
do what they are asked, a distribution's bindgen and apt-cache.  make, the
kernel's scripts and the shell are real.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fakes import Machine, fake_machine, write_script

from devtools.cref import clean_env
from rustconfig_gui.kconfig.tree import KernelTree
from rustconfig_gui.toolchain.doctor import DoctorReport, clear_cache, run_doctor
from rustconfig_gui.toolchain.remedies import Remedy
from rustconfig_gui.toolchain.rustavailable import ProbeRequest

STABLE = "stable-x86_64-unknown-linux-gnu"


@pytest.fixture(scope="module")
def trees(tree_61, tree_612, tree_72) -> dict[str, Path]:
    return {"6.1": tree_61, "6.12": tree_612, "7.2": tree_72}


def doctor(m: Machine, tree: Path, *, env: dict[str, str] | None = None, script: bool = True,
           **overrides: str) -> DoctorReport:
    base = clean_env(m.env)
    base.update(env or {})
    req = ProbeRequest(KernelTree(tree, arch="x86_64"), overrides=overrides, base_env=base)
    return run_doctor(req, os_release=m.os_release, script=script)


def problems(r: DoctorReport) -> list[str]:
    return [c.key for c in r.problems]


def commands(r: DoctorReport, key: str) -> list[str]:
    c = r.check(key)
    assert c is not None, (key, [x.key for x in r.checks])
    return [x.command or "" for x in c.remedies]


def remedies(r: DoctorReport, key: str) -> list[Remedy]:
    c = r.check(key)
    assert c is not None, (key, [x.key for x in r.checks])
    return c.remedies


def script_first(r: DoctorReport, kind: str) -> Remedy:
    """The first remedy of the script's own finding ``kind`` (parsed from make rustavailable)."""
    assert r.script is not None
    found = [f for f in r.script.findings if f.kind == kind]
    assert found, (kind, [f.kind for f in r.script.findings])
    return found[0].remedies[0]


def test_three_problems_in_one_run(tmp_path, trees):
    # rustc too old, bindgen too old, no rust-src: the script stops at the first
    m = fake_machine(tmp_path, rustc_version="1.70.0")
    r = doctor(m, trees["6.12"])
    assert problems(r) == ["rustc-too-old", "bindgen-too-old", "rust-src-missing"]
    rc = r.check("rustc-too-old")
    assert (rc.found, rc.required) == ("1.70.0", "1.78.0")
    bg = r.check("bindgen-too-old")
    assert (bg.found, bg.required) == ("0.60.1", "0.65.1")
    assert r.check("libclang-version").found == "14.0.6"
    # the verdict is the script's: it names only the first problem, and the two agree
    assert r.script is not None and not r.script.available
    assert [f.kind for f in r.script.findings if f.severity == "error"] == ["rustc-too-old"]
    assert r.disagreements() == []


def test_rustup_rustc_without_rust_src_gets_rustup_and_no_apt(tmp_path, trees):
    m = fake_machine(tmp_path, bindgen=None)
    m.distro_bindgen("0.71.1", "18.1.8")
    r = doctor(m, trees["6.12"])
    assert problems(r) == ["rust-src-missing"]
    assert r.check("rustc-found").message.endswith("(managed by rustup).")
    first = remedies(r, "rust-src-missing")[0]
    assert first.command == f"rustup component add rust-src --toolchain {STABLE}"
    assert first.run == ("rustup", "component", "add", "rust-src", "--toolchain", STABLE)
    assert not any("apt" in c for c in commands(r, "rust-src-missing"))
    # the script agrees, and after the component is added (the fake rustup adds it) both pass
    assert not r.script.available
    subprocess.run(first.run, env=m.env, check=True, capture_output=True)
    assert m.calls() == [f"rustup component add rust-src --toolchain {STABLE}"]
    again = doctor(m, trees["6.12"])
    assert problems(again) == [] and again.ok and again.script.available
    assert again.disagreements() == []


def test_bookworm_bindgen_gets_cargo_and_says_why_not_apt(tmp_path, trees):
    m = fake_machine(tmp_path, rust_src=True)
    r = doctor(m, trees["6.12"])
    assert problems(r) == ["bindgen-too-old"]
    rems = remedies(r, "bindgen-too-old")
    assert rems[0].command == "cargo install --locked bindgen-cli" and rems[0].runnable
    assert not any("apt install bindgen" in c for c in commands(r, "bindgen-too-old"))
    assert any(x.title.startswith("Debian 12's bindgen is 0.60.1; this tree needs ≥ 0.65.1") for x in rems)
    # cargo's folder is first on PATH here: no PATH advice
    assert not any("PATH" in x.title for x in rems)
    # the script's own finding (the probe's parser) gives the same advice for this machine
    [f] = [x for x in r.script.findings if x.kind == "bindgen-too-old"]
    script_cmds = [x.command or "" for x in f.remedies]
    assert script_cmds[0] == "cargo install --locked bindgen-cli"
    assert not any("apt install bindgen" in c for c in script_cmds)
    assert f.remedies[1].title.startswith("Debian 12's bindgen is 0.60.1")
    # on another distribution, its own line stays (Fedora's package is not judged here)
    assert "sudo dnf install bindgen-cli" in script_cmds
    # on 6.1 the distribution's 0.60.1 passes (a pin: only "tested with" 0.56.0)
    r61 = doctor(m, trees["6.1"])
    w = r61.check("bindgen-too-new")
    assert w.status == "warning" and w.labels == ("found", "tested with") and (w.found, w.required) == \
        ("0.60.1", "0.56.0")
    assert r61.check("rustc-too-new").labels == ("found", "tested with")
    assert r61.script.available and r61.ok


def test_debian_13_package_is_proposed_when_new_enough(tmp_path, trees):
    m = fake_machine(tmp_path, rust_src=True, os_release='ID=debian\nVERSION_ID="13"\n',
                     apt={"bindgen": "0.71.1-4"}, with_rustup=False)
    m.add_toolchain(STABLE, "1.95.0", rust_src=True)
    write_script(m.distro_bin / "rustc", "#!/bin/sh\nexec " + str(m.toolchain_dir(STABLE) / "bin/rustc") + ' "$@"\n')
    r = doctor(m, trees["6.12"])
    cmds = commands(r, "bindgen-too-old")
    assert "sudo apt install bindgen" in cmds
    # no cargo on this machine: say how to get it before the cargo command, which cannot run here
    rems = remedies(r, "bindgen-too-old")
    assert rems[0].title.startswith("cargo is not installed") and "sh.rustup.rs" in (rems[1].command or "")
    assert not rems[2].runnable and rems[2].command == "cargo install --locked bindgen-cli"


def test_explicit_rustc_causes_get_remedies_about_that_path(tmp_path, trees):
    m = fake_machine(tmp_path, rust_src=True, bindgen="0.71.1", libclang="18.1.8")
    missing = str(tmp_path / "opt" / "rustc")
    r = doctor(m, trees["6.12"], RUSTC=missing)
    assert problems(r)[0] == "rustc-not-found"
    first = remedies(r, "rustc-not-found")[0]
    assert first.title.startswith(f"RUSTC={missing} is what make was told to use")
    # the script's own finding (the probe's parser) puts the same remedy first
    assert script_first(r, "rustc-not-found").title.startswith(f"RUSTC={missing} is what make was told to use")
    # the rustc on PATH is offered next, by its path
    assert remedies(r, "rustc-not-found")[1].command == f"make RUSTC={m.cargo_bin / 'rustc'} rustavailable"
    # the library source cannot be looked for without a rustc
    assert r.check("rust-src").status == "skipped"
    # not executable: chmod of that file
    plain = tmp_path / "plain-rustc"
    plain.write_text("#!/bin/sh\necho rustc 1.90.0\n")
    r = doctor(m, trees["6.12"], RUSTC=str(plain))
    f = r.check("rustc-failed")
    assert f is not None and "exit status 126" in f.message
    assert remedies(r, "rustc-failed")[0].title.startswith(f"RUSTC={plain}")
    assert f"chmod +x {plain}" in commands(r, "rustc-failed")
    # the script says the same (code 126)
    assert [x.kind for x in r.script.findings if x.severity == "error"] == ["rustc-failed"]
    # broken: exits 3
    broken = write_script(tmp_path / "broken-rustc", "#!/bin/sh\necho 'error: broken install' >&2\nexit 3\n")
    r = doctor(m, trees["6.12"], RUSTC=str(broken))
    f = r.check("rustc-failed")
    assert f.status == "error" and "exit status 3" in f.message and "error: broken install" in f.details
    assert remedies(r, "rustc-failed")[0].title.startswith(f"RUSTC={broken}")
    assert "rustup default stable" not in commands(r, "rustc-failed")


def test_rustup_toolchain_naming_an_uninstalled_toolchain(tmp_path, trees):
    m = fake_machine(tmp_path, rust_src=True, bindgen="0.71.1", libclang="18.1.8")
    r = doctor(m, trees["6.12"], env={"RUSTUP_TOOLCHAIN": "1.80.0"})
    f = r.check("rustc-failed")
    assert f is not None and "error: toolchain '1.80.0' is not installed" in f.details
    first = remedies(r, "rustc-failed")[0]
    assert first.command == "rustup toolchain install 1.80.0" and first.runnable
    assert script_first(r, "rustc-failed").command == "rustup toolchain install 1.80.0"
    assert "rustup default stable" not in commands(r, "rustc-failed")
    # no default toolchain at all: then `rustup default stable` is the remedy
    m.set_default(None)
    r = doctor(m, trees["6.12"])
    assert commands(r, "rustc-failed")[0] == "rustup default stable"


def test_rust_lib_src_and_krustflags_are_named(tmp_path, trees):
    m = fake_machine(tmp_path, rust_src=True, bindgen="0.71.1", libclang="18.1.8")
    wrong = tmp_path / "nolib"
    wrong.mkdir()
    r = doctor(m, trees["6.12"], env={"RUST_LIB_SRC": str(wrong)})
    assert problems(r) == ["rust-src-missing"]
    assert r.check("rust-src-missing").path == f"{wrong}/core/src/lib.rs"
    first = remedies(r, "rust-src-missing")[0]
    assert first.title.startswith(f"RUST_LIB_SRC={wrong} has no core/src/lib.rs") and \
        first.command == "unset RUST_LIB_SRC"
    assert not r.script.available and r.disagreements() == []
    assert script_first(r, "rust-src-missing").command == "unset RUST_LIB_SRC"
    sysroot = tmp_path / "other-sysroot"
    sysroot.mkdir()
    r = doctor(m, trees["6.12"], env={"KRUSTFLAGS": f"--sysroot={sysroot}"})
    assert problems(r) == ["rust-src-missing"]
    assert remedies(r, "rust-src-missing")[0].title.startswith(f"KRUSTFLAGS has --sysroot={sysroot}")
    assert not r.script.available
    assert script_first(r, "rust-src-missing").title.startswith(f"KRUSTFLAGS has --sysroot={sysroot}")


def test_invalid_libclang_path_is_named(tmp_path, trees):
    m = fake_machine(tmp_path, rust_src=True, bindgen=None)
    # clang-sys panics when LIBCLANG_PATH holds no libclang (bindgen exits 101)
    write_script(m.distro_bin / "bindgen", """#!/bin/sh
case "$1" in
--version) echo "bindgen 0.71.1" ;;
*.h)
	if [ -n "$LIBCLANG_PATH" ] && ! ls "$LIBCLANG_PATH"/libclang*.so* >/dev/null 2>&1; then
		echo "thread 'main' panicked: Unable to find libclang: couldn't find any valid shared libraries" >&2
		exit 101
	fi
	echo "$1:2:9: warning: clang version 18.1.8 [-W#pragma-messages]" >&2 ;;
esac
""")
    bad = tmp_path / "no-llvm"
    bad.mkdir()
    r = doctor(m, trees["6.12"], env={"LIBCLANG_PATH": str(bad)})
    f = r.check("libclang-failed")
    assert f is not None and f"LIBCLANG_PATH={bad} holds no libclang" in f.message
    first = remedies(r, "libclang-failed")[0]
    assert first.title.startswith(f"LIBCLANG_PATH={bad} holds no libclang") and first.command == "unset LIBCLANG_PATH"
    assert [x.kind for x in r.script.findings if x.severity == "error"] == ["libclang-failed"]
    assert script_first(r, "libclang-failed").command == "unset LIBCLANG_PATH"


def test_answers_are_cached_by_identity_and_never_stale(tmp_path, trees):
    clear_cache()
    m = fake_machine(tmp_path)
    first = doctor(m, trees["6.12"], script=False)
    assert first.tool_runs > 0 and first.cached_runs == 0
    again = doctor(m, trees["6.12"], script=False)
    assert again.tool_runs == 0 and again.cached_runs == first.tool_runs
    assert problems(again) == problems(first) == ["bindgen-too-old", "rust-src-missing"]
    # cargo installs a new bindgen first on PATH: another program, asked afresh
    subprocess.run(["cargo", "install", "--locked", "bindgen-cli"], env=m.env, check=True, capture_output=True)
    # the library source is a file check, never cached
    m.core(STABLE).parent.mkdir(parents=True)
    m.core(STABLE).write_text("")
    fixed = doctor(m, trees["6.12"], script=False)
    assert problems(fixed) == [] and fixed.tool_runs > 0
    # the same path with other contents: asked again
    m.distro_bindgen("0.64.0")
    os.remove(m.cargo_bin / "bindgen")
    worse = doctor(m, trees["6.12"], script=False)
    assert problems(worse) == ["bindgen-too-old"] and worse.check("bindgen-too-old").found == "0.64.0"
    # a new default toolchain behind the same proxy: rustup's settings are part of the identity
    m.add_toolchain("1.70.0", "1.70.0", rust_src=True)
    m.set_default("1.70.0")
    older = doctor(m, trees["6.12"], script=False)
    assert older.check("rustc-too-old").found == "1.70.0"


def test_llvm_on_72_names_clang_and_libclang(tmp_path, trees):
    if shutil.which("clang") is None:
        pytest.skip("needs clang")
    m = fake_machine(tmp_path, rust_src=True, bindgen="0.71.1", libclang="14.0.6")
    base = clean_env(m.env)
    req = ProbeRequest(KernelTree(trees["7.2"], arch="x86_64", llvm=True), base_env=base)
    r = run_doctor(req, os_release=m.os_release)
    assert "libclang-too-old" in problems(r)
    clang_major = int(subprocess.run(["clang", "-dumpversion"], capture_output=True, text=True).stdout.split(".")[0])
    cc = r.check("cc-too-old") if clang_major < 17 else r.check("cc-version")
    assert cc is not None and not cc.by_script
    if clang_major < 17:
        assert cc.required == "17.0.1" and any("LLVM=1" in x.title or "without LLVM=1" in x.title
                                               for x in cc.remedies)
        # the script does not check the C compiler: the doctor's extra check is no disagreement
        assert r.disagreements() == []


def test_this_machine_names_bindgen_and_rust_src_together(trees):
    """The real toolchain here (rustup's stable without rust-src, Debian's bindgen 0.60.1)."""
    env = clean_env()
    rustc = shutil.which("rustc", path=env.get("PATH"))
    bindgen = shutil.which("bindgen", path=env.get("PATH"))
    if rustc is None or bindgen is None:
        pytest.skip("needs rustc and bindgen")
    version = subprocess.run([bindgen, "--version"], capture_output=True, text=True, env=env).stdout
    sysroot = subprocess.run([rustc, "--print", "sysroot"], capture_output=True, text=True, env=env).stdout.strip()
    if "0.60.1" not in version or Path(sysroot, "lib/rustlib/src/rust/library/core/src/lib.rs").exists():
        pytest.skip("not the machine this was written for")
    r = run_doctor(ProbeRequest(KernelTree(trees["6.12"]), base_env=env))
    assert {"bindgen-too-old", "rust-src-missing"} <= set(problems(r))
    assert commands(r, "bindgen-too-old")[0] == "cargo install --locked bindgen-cli"
    assert commands(r, "rust-src-missing")[0].startswith("rustup component add rust-src")


def test_cli_doctor(tmp_path, trees):
    m = fake_machine(tmp_path, rustc_version="1.70.0")
    env = clean_env(m.env)
    env["PYTHONPATH"] = os.pathsep.join(sys.path)
    run = subprocess.run([sys.executable, "-m", "rustconfig_gui", "doctor", str(trees["6.12"]), "--arch", "x86_64"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 3, run.stderr
    out = run.stdout
    assert "The doctor: 3 problems (3 errors)" in out
    for text in ("too old: 1.70.0 is below the minimum 1.78.0", "0.60.1 is below the minimum 0.65.1",
                 "Rust's 'core' library was not found", "cargo install --locked bindgen-cli [runs without root]",
                 "The tree's script (make rustavailable, the verdict Kconfig reads): Rust is not available"):
        assert text in out, out
    run = subprocess.run([sys.executable, "-m", "rustconfig_gui", "doctor", str(trees["6.12"]), "--json",
                          "--make-var", f"BINDGEN={tmp_path / 'nowhere'}"],
                         capture_output=True, text=True, env=env, timeout=120)
    doc = json.loads(run.stdout)
    keys = [c["key"] for c in doc["checks"] if c["status"] == "error"]
    assert keys == ["rustc-too-old", "bindgen-not-found", "rust-src-missing"]
    assert doc["script"]["available"] is False and doc["disagreements"] == []
    assert doc["variables"]["BINDGEN"] == str(tmp_path / "nowhere")


def test_probe_display_passing_pins_and_one_available_line(trees):
    """6.1's pins pass: shown as 'tested with', not 'required'; "Rust is available" printed once."""
    env = clean_env()
    if not (Path("/usr/bin/rustc").exists() and Path("/usr/bin/bindgen").exists()):
        pytest.skip("needs Debian's rustc and bindgen")
    env["PYTHONPATH"] = os.pathsep.join(sys.path)
    run = subprocess.run([sys.executable, "-m", "rustconfig_gui", "probe", str(trees["6.1"]), "--make-var",
                          "RUSTC=/usr/bin/rustc", "--make-var", "BINDGEN=/usr/bin/bindgen"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "found 1.63.0, tested with 1.62.0" in run.stdout
    assert "required 1.62.0" not in run.stdout
    assert run.stdout.lower().count("rust is available") == 1, run.stdout


def test_libclang_clang_mismatch_is_labelled_both_ways():
    from rustconfig_gui.toolchain.findings import parse_probe_output

    lines = ["***", "*** libclang (used by the Rust bindings generator 'bindgen')",
             "*** version does not match Clang's. This may be a problem.",
             "***   libclang version: 19.1.7", "***   Clang version:    14.0.6", "***"]
    [f] = parse_probe_output(lines, (6, 12, 0), {"llvm": "13.0.1"})
    assert f.kind == "libclang-version-mismatch"
    assert (f.found_version, f.required_version, f.version_labels) == ("19.1.7", "14.0.6", ("libclang", "Clang"))


def test_disagreement_with_a_patched_script_is_shown(tmp_path):
    """A vendor's script that lets everything pass: the verdict stays the script's, the doctor says so."""
    from rustconfig_gui.assets import demo_tree

    src = tmp_path / "linux"
    shutil.copytree(demo_tree(), src)
    script = src / "scripts" / "rust_is_available.sh"
    text = script.read_text()
    # keep the messages (the doctor reads which checks the script has), never fail
    script.write_text(text.replace("set -e", "exit 0\nset -e", 1))
    m = fake_machine(tmp_path / "m", rustc_version="1.85.0")
    r = doctor(m, src)
    assert problems(r) == ["bindgen-too-old", "rust-src-missing"]
    assert r.script.available and r.available
    [d] = r.disagreements()
    assert d.startswith("The tree's script says Rust is available, but the doctor finds") and "0.60.1" in d
    # the other way round: the script fails on its own although every check passes
    script.write_text(text.replace("set -e", "echo '*** Vendor check failed.' >&2; exit 1\nset -e", 1))
    good = fake_machine(tmp_path / "good", rustc_version="1.85.0", rust_src=True, bindgen="0.71.1",
                        libclang="18.1.8")
    r = doctor(good, src)
    assert problems(r) == [] and not r.script.available
    [d] = r.disagreements()
    assert "but each check of the doctor passes" in d


def test_without_rustup_the_remedies_say_how_to_get_it(tmp_path, trees):
    m = fake_machine(tmp_path, with_rustup=False, default=None, bindgen="0.71.1", libclang="18.1.8")
    r = doctor(m, trees["6.12"], RUSTC="rustc-not-installed")
    cmds = commands(r, "rustc-not-found")
    install = next(i for i, c in enumerate(cmds) if "sh.rustup.rs" in c)
    assert all(i > install for i, c in enumerate(cmds) if c.startswith("rustup "))
    # Debian 12's rustc (1.63.0) is too old for 6.12: said, not proposed
    assert any(x.title.startswith("Debian 12's rustc is 1.63.0; this tree needs ≥ 1.78.0")
               for x in remedies(r, "rustc-not-found"))
    assert not any("apt install rustc" in c for c in cmds)
    # nothing here can run without rustup: the install line is for copying
    assert not any(x.runnable for x in remedies(r, "rustc-not-found"))


def _buggy_bindgen(m: Machine, version: str, libclang: str) -> None:
    """A bindgen with every bug the scripts test for: fails on the 0.66 header, drops the concat
    and libclang-22 outputs."""
    write_script(m.distro_bin / "bindgen", f"""#!/bin/sh
case "$1" in
--version) echo "bindgen {version}" ;;
*rust_is_available_bindgen_0_66.h) echo "error: bindgen 0.66 bug" >&2; exit 1 ;;
*rust_is_available_bindgen_libclang.h) echo "$1:2:9: warning: clang version {libclang} [-W#pragma-messages]" >&2 ;;
*.h) echo "/* nothing */" ;;
esac
""")


@pytest.mark.parametrize("version,bindgen,libclang,expected", [
    ("6.12", "0.66.1", "18.1.8", ["bindgen-0.66-bug"]),
    # 7.2's script dropped the 0.66 check (and its minimum is above it anyway)
    ("7.2", "0.66.1", "18.1.8", ["bindgen-too-old"]),
    ("6.12", "0.69.4", "19.1.7", ["bindgen-libclang19-bug"]),
    ("6.12", "0.71.1", "22.1.0", ["bindgen-libclang22-bug"]),
    ("7.2", "0.71.1", "22.1.0", ["bindgen-libclang22-bug"]),
    # 6.1 knows none of these bugs; its pin only makes them 'newer than tested'
    ("6.1", "0.66.1", "19.1.7", ["rustc-too-new", "bindgen-too-new"]),
])
def test_known_bad_bindgen_versions_follow_the_trees_script(tmp_path, trees, version, bindgen, libclang, expected):
    m = fake_machine(tmp_path, rust_src=True, rustc_version="1.85.0", bindgen=None)
    _buggy_bindgen(m, bindgen, libclang)
    r = doctor(m, trees[version])
    assert problems(r) == expected
    # the script says the same (its warnings, or its first error)
    script = [f.kind for f in r.script.findings if f.severity in ("error", "warning")]
    assert script == expected
    assert r.disagreements() == []


def test_clang_against_libclang_and_the_llvm_minimum(tmp_path, trees):
    m = fake_machine(tmp_path, rust_src=True, rustc_version="1.85.0", bindgen="0.71.1", libclang="19.1.7")

    def clang(version: str) -> str:
        major, minor, patch = version.split(".")
        return str(write_script(tmp_path / f"clang-{version}", f"""#!/bin/sh
case "$*" in
*-E*) cat >/dev/null; echo "Clang {major} {minor} {patch}" ;;
*--version*) echo "clang version {version}" ;;
*) exit 1 ;;
esac
"""))

    r = doctor(m, trees["6.12"], CC=clang("18.1.8"))
    assert problems(r) == ["libclang-version-mismatch"]
    w = r.check("libclang-version-mismatch")
    assert (w.found, w.required, w.labels) == ("19.1.7", "18.1.8", ("libclang", "Clang"))
    assert [f.kind for f in r.script.findings if f.severity == "warning"] == ["libclang-version-mismatch"]
    assert any(x.command == "make LLVM=-19 rustavailable" for x in w.remedies)
    # a Clang below 7.2's LLVM minimum: the doctor's own check (the script does not make it)
    r = doctor(m, trees["7.2"], CC=clang("16.0.6"))
    cc = r.check("cc-too-old")
    assert cc is not None and (cc.found, cc.required) == ("16.0.6", "17.0.1") and not cc.by_script
    # cc-version.sh fails for it, so the script (and the doctor) skip the libclang/Clang comparison
    assert "libclang-version-mismatch" not in problems(r) and r.disagreements() == []
    # (cc-version.sh's own message still reaches the script's output, as a warning: it does not fail on it)
    assert [f.kind for f in r.script.findings if f.severity == "warning"] == ["cc-too-old"]


def _running(pid: int, marker: str) -> bool:
    """Running, not a zombie (an orphan's parent here may never reap it), and still one of ours
    (the fake bindgen's path or its sleep in the command line: a pid may be used again)."""
    from test_probe import _alive

    return _alive(pid, marker)


def _survivors(pids: list[int], marker: str) -> list[int]:
    """The pids still running once a SIGKILL sent to their groups has had time to land."""
    import time
    for _ in range(200):
        left = [p for p in pids if _running(p, marker)]
        if not left:
            return []
        time.sleep(0.05)
    return left


def _hanging_bindgen(m: Machine, pids: Path) -> None:
    write_script(m.distro_bin / "bindgen", f"#!/bin/sh\nsleep 1000 &\necho $! >> {pids}\necho $$ >> {pids}\nwait\n")


def _wait_for_lines(path: Path, count: int, proc: subprocess.Popen[bytes] | None = None) -> list[int]:
    import time
    for _ in range(2400):  # the runs start side by side; a busy machine may take a while
        pids = [int(x) for x in path.read_text().split()] if path.exists() else []
        if len(pids) >= count or (proc is not None and proc.poll() is not None):
            return pids
        time.sleep(0.05)
    return [int(x) for x in path.read_text().split()] if path.exists() else []


@pytest.mark.parametrize("signum", [15, 2])
def test_a_signal_while_tools_run_side_by_side_leaves_no_child(tmp_path, trees, signum):
    import signal

    m = fake_machine(tmp_path, rust_src=True, bindgen=None)
    pids = tmp_path / "pids"
    _hanging_bindgen(m, pids)
    env = clean_env(m.env)
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    proc = subprocess.Popen([sys.executable, "-m", "rustconfig_gui", "doctor", str(trees["7.2"]), "--arch", "x86_64"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        # the doctor's 'bindgen --version' and its libclang header run, and the script's 'bindgen --version'
        started = _wait_for_lines(pids, 6, proc)
        assert len(started) == 6, proc.communicate(timeout=5)
        proc.send_signal(signal.Signals(signum))
        proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode != 0
    assert _survivors(started, str(tmp_path)) == []


def test_cancel_stops_the_script_and_the_runs_started_ahead(tmp_path, trees):
    import threading

    m = fake_machine(tmp_path, rust_src=True, bindgen=None)
    pids = tmp_path / "pids"
    _hanging_bindgen(m, pids)
    stop = threading.Event()
    watcher = threading.Thread(target=lambda: (_wait_for_lines(pids, 6), stop.set()))
    watcher.start()
    req = ProbeRequest(KernelTree(trees["7.2"], arch="x86_64"), base_env=clean_env(m.env))
    try:
        with pytest.raises(Exception) as raised:
            run_doctor(req, os_release=m.os_release, cancelled=stop.is_set)
    finally:
        stop.set()
        watcher.join()
    assert type(raised.value).__name__ == "Cancelled"
    started = [int(x) for x in pids.read_text().split()]
    assert len(started) == 6 and _survivors(started, str(tmp_path)) == []
    assert not [t for t in threading.enumerate() if t.name.startswith(("doctor-tool", "doctor-script"))]
