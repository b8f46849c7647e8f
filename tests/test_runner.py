"""One-click remedies in the Qt-free core: only rustup/cargo argument lists, own process group,
streamed output, cancel and timeout kill the group (fake rustup and cargo on PATH)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from fakes import fake_machine, wait_gone

from rustconfig_gui.toolchain.remedies import Remedy, remedy
from rustconfig_gui.toolchain.runner import NotRunnable, RemedyRunner

STABLE = "stable-x86_64-unknown-linux-gnu"


def test_only_rustup_and_cargo_without_root_run():
    assert remedy("rust-src").run == ("rustup", "component", "add", "rust-src")
    assert remedy("cargo-bindgen").run == ("cargo", "install", "--locked", "bindgen-cli")
    for key, fields in (("distro-bindgen-debian", {}), ("llvm-apt", {"major": 17}), ("rustup-install", {}),
                        ("chmod", {"path": "/x"}), ("rustup-which", {})):
        r = remedy(key, **fields)
        assert r.run is None and not r.runnable
        with pytest.raises(NotRunnable):
            RemedyRunner(r)
    with pytest.raises(NotRunnable, match="needs root"):
        RemedyRunner(Remedy("x", "sudo rustup update", ("sudo", "rustup", "update")))


def test_streams_and_succeeds(tmp_path: Path):
    m = fake_machine(tmp_path)
    lines: list[str] = []
    out = RemedyRunner(remedy("rust-src-toolchain", toolchain=STABLE), cwd=tmp_path, env=m.env).run(lines.append)
    assert out.ok and out.returncode == 0 and lines == out.lines
    assert lines == ["info: downloading component 'rust-src'", "info: installing component 'rust-src'"]
    assert m.core(STABLE).exists()
    assert m.calls() == [f"rustup component add rust-src --toolchain {STABLE}"]
    done = RemedyRunner(remedy("cargo-bindgen"), cwd=tmp_path, env=m.env).run()
    assert done.ok and (m.cargo_bin / "bindgen").exists() and "Installed package" in done.lines[-1]


def test_failure_missing_program_and_folder(tmp_path: Path):
    m = fake_machine(tmp_path)
    bad = RemedyRunner(remedy("rustup-toolchain-install", toolchain="x"), cwd=tmp_path, env=m.env)
    bad.argv = ["rustup", "frobnicate"]
    out = bad.run()
    assert not out.ok and out.returncode == 1 and "failed with exit status 1" in out.summary()
    none = fake_machine(tmp_path / "bare", with_rustup=False)
    out = RemedyRunner(remedy("rust-src"), cwd=tmp_path, env={**none.env, "PATH": str(none.distro_bin)}).run()
    assert out.error == "rustup is not installed (not on PATH)" and not out.ok
    out = RemedyRunner(remedy("rust-src"), cwd=tmp_path / "missing", env=m.env).run()
    assert out.error is not None and "does not exist" in out.error


def test_cancel_and_timeout_kill_the_group(tmp_path: Path):
    m = fake_machine(tmp_path, rustup_hang=True)
    stop = threading.Event()
    seen: list[str] = []

    def line(text: str) -> None:
        seen.append(text)
        stop.set()

    out = RemedyRunner(remedy("rust-src"), cwd=tmp_path, env=m.env).run(line, stop.is_set)
    assert out.cancelled and not out.ok and seen == ["info: syncing channel updates"]
    for pid in (tmp_path / "pids").read_text().split():
        wait_gone(int(pid), "the fake rustup")
    (tmp_path / "pids").unlink()
    out = RemedyRunner(remedy("rust-src"), cwd=tmp_path, env=m.env, timeout=1.0).run()
    assert out.timed_out and "did not finish in time" in out.summary()
    for pid in (tmp_path / "pids").read_text().split():
        wait_gone(int(pid), "the fake rustup")
