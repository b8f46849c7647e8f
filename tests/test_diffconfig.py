"""Config diffs, checked against the kernel's own scripts/diffconfig on real configs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from devtools.cref import Build, CConf, clean_env
from devtools.trees import ensure_distro_config
from rustconfig_gui.assets import demo_tree
from rustconfig_gui.explain.rustclass import name_is_rust
from rustconfig_gui.workspace.diffconfig import (
    RUST_MARK,
    DiffRow,
    diff_configs,
    read_values,
)


def kernel_diffconfig(src: Path, *args: str) -> str:
    r = subprocess.run([sys.executable, str(src / "scripts/diffconfig"), *args], capture_output=True, text=True,
                       env=clean_env())
    assert r.returncode == 0, r.stderr
    return r.stdout


def rustconfig(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rustconfig_gui", *args], capture_output=True, text=True,
                          env=clean_env())


@pytest.fixture(scope="module")
def configs(tree_612: Path, tmp_path_factory) -> tuple[Path, Path]:
    """Linux 6.12's x86_64 defconfig (by the kernel's conf) and Debian's amd64 config."""
    d = tmp_path_factory.mktemp("diff")
    a = d / "defconfig.config"
    a.write_text(CConf(Build(tree_612, arch="x86_64")).defconfig())
    b = d / "debian.config"
    b.write_bytes(ensure_distro_config("6.12").read_bytes())
    return a, b


@pytest.mark.slow
def test_text_is_scripts_diffconfig(tree_612: Path, configs: tuple[Path, Path]):
    a, b = configs
    diff = diff_configs(a.read_text(), b.read_text())
    assert len(diff.added) > 1000 and len(diff.changed) > 100 and diff.removed
    assert diff.text(mark_rust=False) == kernel_diffconfig(tree_612, str(a), str(b))
    assert diff.text(merge_style=True) == kernel_diffconfig(tree_612, "-m", str(a), str(b))
    back = diff_configs(b.read_text(), a.read_text())
    assert back.text(mark_rust=False) == kernel_diffconfig(tree_612, str(b), str(a))
    assert [r.name for r in back.added] == [r.name for r in diff.removed]


@pytest.mark.slow
def test_cli_diff_matches_and_marks_rust(tree_612: Path, configs: tuple[Path, Path]):
    a, b = configs
    r = rustconfig("diff", str(a), str(b), "--no-mark")
    assert r.returncode == 0, r.stderr
    assert r.stdout == kernel_diffconfig(tree_612, str(a), str(b))
    r = rustconfig("diff", str(a), str(b))
    marked = [line for line in r.stdout.splitlines() if line.endswith(RUST_MARK)]
    assert marked and all(name_is_rust(line[1:].split()[0]) for line in marked)
    unmarked = [line for line in r.stdout.splitlines() if not line.endswith(RUST_MARK)]
    assert not any(name_is_rust(line[1:].split()[0]) for line in unmarked)
    r = rustconfig("diff", str(a), str(b), "--json", "--rust-only")
    d = json.loads(r.stdout)
    rows = d["added"] + d["removed"] + d["changed"]
    assert rows and all(x["rust"] for x in rows)
    assert {x["kind"] for x in d["changed"]} == {"changed"}
    r = rustconfig("diff", str(a), str(b), "--filter", "log_buf")
    assert r.stdout.splitlines() and all("LOG_BUF" in line for line in r.stdout.splitlines())


def test_rows_values_and_filter():
    a = ('CONFIG_A=y\nCONFIG_RUST=y\n# CONFIG_GONE is not set\nCONFIG_S="x y"\nCONFIG_N=1\n'
         "CONFIG_BROKEN_NO_EQUALS\n# just a comment\n# CONFIG_ODD is not set at all\n")
    b = 'CONFIG_A=m\n# CONFIG_RUST is not set\nCONFIG_S="x z"\nCONFIG_N=1\nCONFIG_NEW=0x10\nCONFIG_SAMPLE_RUST_X=m\n'
    assert read_values(a) == {"A": "y", "RUST": "y", "GONE": "n", "S": '"x y"', "N": "1"}
    d = diff_configs(a, b, rust_names={"RUST", "SAMPLE_RUST_X"})
    assert d.removed == [DiffRow("GONE", "n", None)]
    assert d.changed == [DiffRow("A", "y", "m"), DiffRow("RUST", "y", "n", True), DiffRow("S", '"x y"', '"x z"')]
    assert d.added == [DiffRow("NEW", None, "0x10"), DiffRow("SAMPLE_RUST_X", None, "m", True)]
    assert d.text().splitlines() == ["-GONE n", " A y -> m", f" RUST y -> n{RUST_MARK}", ' S "x y" -> "x z"',
                                     "+NEW 0x10", f"+SAMPLE_RUST_X m{RUST_MARK}"]
    assert d.text(merge_style=True).splitlines() == ["CONFIG_A=m", "# CONFIG_RUST is not set", 'CONFIG_S="x z"',
                                                     "CONFIG_NEW=0x10", "CONFIG_SAMPLE_RUST_X=m"]
    assert d.summary() == "2 added, 1 removed, 3 changed (2 Rust-related)"
    assert [r.name for r in d.filtered("x z").rows()] == ["S"]
    assert [r.name for r in d.filtered("config_new").rows()] == ["NEW"]
    assert [r.name for r in d.filtered(rust_only=True).rows()] == ["RUST", "SAMPLE_RUST_X"]
    j = json.loads(d.to_json())
    assert j["changed"][1] == {"symbol": "RUST", "kind": "changed", "old": "y", "new": "n", "rust": True}
    assert len(diff_configs(a, a)) == 0


def test_cli_tree_classification_marks_rust_dependents(tmp_path: Path):
    # DRM_PANIC_SCREEN_QR_CODE has no Rust word in its name but depends on RUST
    base = (demo_tree() / "arch/x86/configs/x86_64_defconfig").read_text()
    a = tmp_path / "a"
    a.write_text(base)
    b = tmp_path / "b"
    b.write_text(base + "CONFIG_DRM_PANIC_SCREEN_QR_CODE=y\nCONFIG_TMPFS=n\n")
    r = rustconfig("diff", str(a), str(b))
    assert r.stdout.splitlines() == [" TMPFS y -> n", "+DRM_PANIC_SCREEN_QR_CODE y"]
    r = rustconfig("diff", str(a), str(b), "--tree", str(demo_tree()), "--arch", "x86_64")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [" TMPFS y -> n", f"+DRM_PANIC_SCREEN_QR_CODE y{RUST_MARK}"]
    r = rustconfig("diff", str(a), str(tmp_path / "missing"))
    assert r.returncode == 1 and r.stderr.startswith("rustconfig: ") and "cannot be read" in r.stderr
