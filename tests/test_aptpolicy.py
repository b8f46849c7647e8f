"""The package manager's answer: asked once for every package, kept on disk while apt's state is the same.

The fake apt (tests/fakes.py) is real executables on PATH: ``apt-cache`` answers from its database
file and logs each run, ``apt-config`` says where that database and apt's other state live.  The
doctor, make and the kernel's scripts are real; so is this machine's apt where it is installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fakes import Machine, fake_machine

from devtools.cref import clean_env
from rustconfig_gui.kconfig.tree import KernelTree
from rustconfig_gui.toolchain import aptpolicy
from rustconfig_gui.toolchain.doctor import DoctorReport, clear_cache, run_doctor
from rustconfig_gui.toolchain.rustavailable import ProbeRequest

ALL = ["bindgen", "clang", "libclang-dev", "rust-src", "rustc"]
TOO_OLD = "Debian 12's bindgen is 0.60.1; this tree needs ≥ 0.71.1, so the package will not do"


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    clear_cache()


def doctor(m: Machine, tree: Path, *, caches: bool = True) -> DoctorReport:
    req = ProbeRequest(KernelTree(tree, arch="x86_64"), base_env=clean_env(m.env), use_caches=caches)
    return run_doctor(req, os_release=m.os_release)


def bindgen_advice(r: DoctorReport) -> list[str]:
    """What the doctor's check and the script's own finding say of the distribution's bindgen."""
    c = r.check("bindgen-too-old")
    assert c is not None, [x.key for x in r.checks]
    assert r.script is not None
    [f] = [x for x in r.script.findings if x.kind == "bindgen-too-old"]
    return [x.title if "Debian 12's" in x.title else x.command or "" for x in (*c.remedies, *f.remedies)
            if "Debian 12's" in x.title or "apt install bindgen" in (x.command or "")]


def test_one_apt_run_for_every_package_then_none(tmp_path, tree_72):
    m = fake_machine(tmp_path / "m", rust_src=True)
    first = doctor(m, tree_72)
    # the doctor (bindgen and libclang too old) and the script's finding both needed apt: one run for all
    assert m.apt_calls() == ["apt-cache policy " + " ".join(ALL)]
    assert bindgen_advice(first) == [TOO_OLD, TOO_OLD]
    assert any("Debian 12's libclang is 14.0" in x.title for x in first.check("libclang-too-old").remedies)
    again = doctor(m, tree_72)
    assert len(m.apt_calls()) == 1
    assert [(c.key, c.message, c.remedies) for c in again.checks] == \
        [(c.key, c.message, c.remedies) for c in first.checks]
    assert [f.remedies for f in again.script.findings] == [f.remedies for f in first.script.findings]


def test_the_stored_answer_follows_the_package_database(tmp_path, tree_72):
    m = fake_machine(tmp_path / "m", rust_src=True)
    assert bindgen_advice(doctor(m, tree_72)) == [TOO_OLD, TOO_OLD]
    # a newer bindgen becomes the candidate: apt is asked again, and the package is proposed
    m.set_candidates({"bindgen": "0.71.1-4", "libclang-dev": "1:19.0-63"})
    r = doctor(m, tree_72)
    assert len(m.apt_calls()) == 2
    assert bindgen_advice(r) == ["sudo apt install bindgen", "sudo apt install bindgen"]
    assert not any("libclang is 14.0" in x.title for x in r.check("libclang-too-old").remedies)
    # the same contents, only touched: asked again, the same answer
    st = m.apt_status.stat()
    os.utime(m.apt_status, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert bindgen_advice(doctor(m, tree_72)) == ["sudo apt install bindgen", "sudo apt install bindgen"]
    assert len(m.apt_calls()) == 3
    doctor(m, tree_72)
    assert len(m.apt_calls()) == 3


@pytest.mark.parametrize("change", ["lists", "sources", "preferences", "config"])
def test_apt_state_beside_the_database_asks_again(tmp_path, change):
    m = fake_machine(tmp_path / "m")
    path = m.env["PATH"]
    first = aptpolicy.candidates(ALL, path)
    assert first["bindgen"] == "0.60.1-2+b2" and first["rustc"] == "1.63.0+dfsg1-2"
    assert aptpolicy.candidates(ALL, path) == first and len(m.apt_calls()) == 1
    if change == "lists":
        (m.apt_root / "state/lists/deb.debian.org_debian_dists_bookworm-backports_main_binary-amd64_Packages") \
            .write_text("")
    elif change == "sources":
        (m.apt_root / "etc/sources.list.d/llvm.list").write_text("deb http://apt.llvm.org/bookworm/ llvm main\n")
    elif change == "preferences":
        (m.apt_root / "etc/preferences.d/pin").write_text("Package: bindgen\nPin: release a=bookworm-backports\n")
    else:
        # what apt-config prints (a default release, say) is part of the key
        script = (m.distro_bin / "apt-config").read_text()
        (m.distro_bin / "apt-config").write_text(script.replace('APT::Architecture "amd64";',
                                                                'APT::Default-Release "bookworm-backports";'))
    assert aptpolicy.candidates(ALL, path) == first
    assert len(m.apt_calls()) == 2


def test_no_cache_asks_every_time_and_stores_nothing(tmp_path, tree_72):
    m = fake_machine(tmp_path / "m", rust_src=True)
    a = doctor(m, tree_72, caches=False)
    b = doctor(m, tree_72, caches=False)
    # nothing on disk to share: the doctor and the script's finding each ask
    assert len(m.apt_calls()) == 4
    assert bindgen_advice(a) == bindgen_advice(b) == [TOO_OLD, TOO_OLD]
    assert not (tmp_path / "xdg-cache").exists() or not any((tmp_path / "xdg-cache").rglob("*.json"))


def test_without_apt_config_apt_cache_runs_each_time(tmp_path):
    m = fake_machine(tmp_path / "m")
    os.remove(m.distro_bin / "apt-config")
    # this machine's own apt-config would describe another apt than the fake one: keep it off PATH
    tools = tmp_path / "tools"
    tools.mkdir()
    os.symlink(shutil.which("sed") or "/bin/sed", tools / "sed")
    path = f"{m.distro_bin}:{tools}"
    assert aptpolicy.state_key(ALL, path) is None
    assert aptpolicy.candidates(ALL, path)["bindgen"] == "0.60.1-2+b2"
    m.set_candidates({"bindgen": "0.71.1-4"})
    got = aptpolicy.candidates(ALL, path)
    assert got["bindgen"] == "0.71.1-4" and got["rustc"] is None
    assert len(m.apt_calls()) == 2


def test_a_half_written_entry_is_not_an_answer(tmp_path):
    m = fake_machine(tmp_path / "m")
    path = m.env["PATH"]
    aptpolicy.candidates(ALL, path)
    [entry] = list((tmp_path / "xdg-cache").rglob("*.json"))
    entry.write_text(entry.read_text()[:40])
    assert aptpolicy.candidates(ALL, path)["bindgen"] == "0.60.1-2+b2"
    assert len(m.apt_calls()) == 2


def test_parse_policy_names_and_unknown_packages():
    text = ("bindgen:\n  Installed: 0.60.1-2+b2\n  Candidate: 0.60.1-2+b2\n  Version table:\n"
            " *** 0.60.1-2+b2 500\n        500 http://deb.debian.org/debian bookworm/main amd64 Packages\n"
            "clang:amd64:\n  Installed: (none)\n  Candidate: 1:14.0-55.7~deb12u1\n"
            "rust-src:\n  Installed: (none)\n  Candidate: (none)\n")
    assert aptpolicy.parse_policy(text, ["bindgen", "clang", "rust-src", "nosuch"]) == {
        "bindgen": "0.60.1-2+b2", "clang": "1:14.0-55.7~deb12u1", "rust-src": None, "nosuch": None}


@pytest.mark.skipif(shutil.which("apt-cache") is None or shutil.which("apt-config") is None,
                    reason="this machine has no apt")
def test_this_machines_apt_batched_equals_one_by_one():
    path = os.environ["PATH"]
    names = ["bindgen", "libclang-dev", "rustconfig-gui-no-such-package"]
    batched = aptpolicy.candidates(names, path, cache=False)
    for name in names:
        alone = subprocess.run(["apt-cache", "policy", name], capture_output=True, text=True,
                               env={"PATH": path, "LC_ALL": "C"}, check=True).stdout
        assert batched[name] == aptpolicy.parse_policy(alone, [name])[name]
    # the key is stable while nothing changes, and the stored answer is the one apt gives now
    assert aptpolicy.state_key(names, path) == aptpolicy.state_key(names, path)
    assert aptpolicy.candidates(names, path) == batched
    assert aptpolicy.candidates(names, path) == batched


def test_cli_doctor_second_run_asks_no_apt(tmp_path, tree_72):
    m = fake_machine(tmp_path / "m", rust_src=True)
    env = clean_env(m.env)
    env["XDG_CACHE_HOME"] = str(tmp_path / "xdg-cache")
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    argv = [sys.executable, "-m", "rustconfig_gui", "doctor", str(tree_72), "--arch", "x86_64"]

    def run(*extra: str) -> str:
        done = subprocess.run([*argv, *extra], capture_output=True, text=True, env=env, timeout=300)
        assert done.returncode == 3, done.stderr
        return done.stdout

    if not Path("/etc/os-release").read_text().lower().count("debian"):
        pytest.skip("the CLI reads this machine's /etc/os-release: apt is asked on Debian and Ubuntu")
    first = run()
    assert "so the package will not do" in first and len(m.apt_calls()) == 1
    assert run() == first and len(m.apt_calls()) == 1
    assert run("--no-cache") == first and len(m.apt_calls()) == 3
    m.set_candidates({"bindgen": "0.71.1-4"})
    assert "sudo apt install bindgen" in run() and len(m.apt_calls()) == 4
