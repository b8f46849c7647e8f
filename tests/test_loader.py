"""Loading real trees: macro trace, progress, cancel, hung probes, Kconfig errors."""

from __future__ import annotations

import stat
import time
from pathlib import Path

import pytest
from fakes import wait_gone

from rustconfig_gui.errors import KconfigSyntaxError, LoadCancelled, ProbeTimeout
from rustconfig_gui.kconfig.loader import LoadedTree, load_kconfig_dir, load_tree
from rustconfig_gui.kconfig.tree import KernelTree


@pytest.fixture(scope="module")
def loaded_612(tree_612: Path, make_env: dict[str, str]) -> LoadedTree:
    return load_tree(KernelTree(tree_612, arch="x86_64"), base_env=make_env)


def test_macro_trace_records_every_shell_call(loaded_612: LoadedTree):
    calls = loaded_612.trace.calls
    assert 80 <= len(calls) <= 130
    rust = [c for c in calls if "rust_is_available.sh" in c.command]
    assert len(rust) == 1
    call = rust[0]
    assert call.filename == "init/Kconfig"
    assert "$(success,$(srctree)/scripts/rust_is_available.sh)" in call.source_line
    assert str(loaded_612.tree.source) in call.command  # expanded $(srctree)
    assert call.output in ("y", "n") and call.status == 0 and call.seconds >= 0
    # the line really is the RUST_IS_AVAILABLE definition
    lines = (loaded_612.tree.source / "init/Kconfig").read_text().splitlines()
    assert "rust_is_available.sh" in lines[call.line - 1]
    assert loaded_612.sym("RUST_IS_AVAILABLE") is not None


def test_rustc_version_comes_from_the_probe(loaded_612: LoadedTree):
    calls = [c for c in loaded_612.trace.calls if "rustc-version.sh" in c.command]
    assert calls, "RUSTC_VERSION is computed by scripts/rustc-version.sh"
    sym = loaded_612.sym("RUSTC_VERSION")
    assert sym is not None
    assert loaded_612.ev.str_value(sym) == (calls[0].output or "0")


def test_progress_reports_files_and_probes(tree_612: Path, make_env: dict[str, str]):
    seen: list[tuple[int, int]] = []
    lt = load_tree(KernelTree(tree_612), base_env=make_env, progress=lambda f, p: seen.append((f, p)))
    assert seen[-1][0] == lt.kconf.files_parsed == len(lt.kconf.kconfig_filenames)
    assert seen[-1][1] == len(lt.trace.calls)
    assert all(a <= b for a, b in zip(seen, seen[1:]))


def test_cancel_stops_loading(tree_612: Path, make_env: dict[str, str]):
    calls = {"n": 0}

    def cancelled() -> bool:
        calls["n"] += 1
        return calls["n"] > 50

    with pytest.raises(LoadCancelled):
        load_tree(KernelTree(tree_612), base_env=make_env, cancelled=cancelled)


def _script(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def test_hanging_probe_is_killed_with_its_process_group(tree_612: Path, make_env, tmp_path: Path):
    # bindgen is first run by Kconfig probes, never by the Makefile
    pidfile = tmp_path / "pid"
    hang = _script(tmp_path / "bindgen", f'echo $$ > "{pidfile}"\nexec sleep 600\n')
    tree = KernelTree(tree_612, make_vars=(("BINDGEN", str(hang)),))
    t0 = time.monotonic()
    with pytest.raises(ProbeTimeout) as e:
        load_tree(tree, base_env=make_env, probe_timeout=3)
    assert time.monotonic() - t0 < 60
    msg = str(e.value)
    # the rustavailable check is the first probe to run bindgen
    assert msg.startswith("init/Kconfig:") and "did not finish in 3 s" in msg
    assert "rust_is_available.sh" in msg
    wait_gone(int(pidfile.read_text()))


def test_hanging_compiler_stops_the_environment_query(tree_612: Path, make_env, tmp_path: Path):
    # the top Makefile itself runs $(RUSTC) --version
    pidfile = tmp_path / "pid"
    hang = _script(tmp_path / "rustc", f'echo $$ > "{pidfile}"\nexec sleep 600\n')
    with pytest.raises(ProbeTimeout, match="make did not answer within 3 s"):
        load_tree(KernelTree(tree_612, make_vars=(("RUSTC", str(hang)),)), base_env=make_env, probe_timeout=3)
    wait_gone(int(pidfile.read_text()))


def test_kconfig_syntax_error_names_file_and_line(tmp_path: Path):
    (tmp_path / "Kconfig").write_text('mainmenu "t"\nsource "sub/Kconfig"\n')
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "Kconfig").write_text("config A\n\tbool \"a\"\n\tfrobnicate A\n")
    with pytest.raises(KconfigSyntaxError) as e:
        load_kconfig_dir(tmp_path, (6, 12, 0))
    assert e.value.filename == "sub/Kconfig" and e.value.line == 3
    assert str(e.value).startswith("sub/Kconfig:3: ")


def test_missing_source_file_is_reported(tmp_path: Path):
    (tmp_path / "Kconfig").write_text('mainmenu "t"\nsource "nope/Kconfig"\n')
    with pytest.raises(KconfigSyntaxError) as e:
        load_kconfig_dir(tmp_path, (6, 12, 0))
    assert "Kconfig:2" in str(e.value) and "nope/Kconfig" in str(e.value)


def test_non_utf8_kconfig_is_a_clear_error(tmp_path: Path):
    (tmp_path / "Kconfig").write_bytes(b'mainmenu "t"\nconfig A\n\tbool "caf\xe9"\n')
    with pytest.raises(KconfigSyntaxError, match="UTF-8") as e:
        load_kconfig_dir(tmp_path, (6, 12, 0))
    assert str(e.value).startswith("Kconfig:3: ")


def test_7_2_uses_new_constructs(tree_72: Path, make_env: dict[str, str]):
    lt = load_tree(KernelTree(tree_72), base_env=make_env)
    rw = lt.kconf.rewrites
    assert rw.modules and rw.transitional and rw.conditional_depends
    assert lt.ev.transitional
    for sym in lt.ev.transitional:
        assert not lt.ev.written(sym)
