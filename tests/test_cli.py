"""``rustconfig`` in a terminal, on real trees, checked against the kernel's own targets."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from devtools.cref import Build, CConf, clean_env
from rustconfig_gui.kconfig import configfile


def rustconfig(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rustconfig_gui", *args], capture_output=True, text=True,
                          env=env or clean_env())


def test_info_json(tree_612: Path):
    r = rustconfig("info", str(tree_612), "--arch", "x86_64", "--json")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["version"].startswith("6.12.") and info["arch"] == "x86_64" and info["srcarch"] == "x86"
    assert info["symbols"] > 15000 and info["kconfig_files"] > 1000
    assert 80 <= info["macro_calls"] <= 130
    assert info["load_seconds"] > 0 and info["defconfig"] == "x86_64_defconfig"


@pytest.mark.parametrize("version", ["6.1", "7.2"])
def test_info_text_loads_without_errors(version: str, request):
    tree = request.getfixturevalue({"6.1": "tree_61", "7.2": "tree_72"}[version])
    r = rustconfig("info", str(tree))
    assert r.returncode == 0 and not r.stderr, r.stderr
    assert f"version       {version}." in r.stdout and "shell macros" in r.stdout


def test_errors_are_one_sentence(tmp_path: Path, tree_612: Path):
    r = rustconfig("info", str(tmp_path))
    assert r.returncode == 1
    assert r.stderr.strip() == f"rustconfig: {tmp_path} is not a Linux kernel source tree (no top-level Kconfig " \
                               "and Makefile)."
    r = rustconfig("info", str(tree_612), "--arch", "vax")
    assert r.returncode == 1 and r.stderr.startswith("rustconfig: Unknown ARCH 'vax'")
    assert "Traceback" not in r.stderr


def test_defconfig_olddefconfig_savedefconfig_match_make(tree_612: Path, tmp_path: Path):
    cc = CConf(Build(tree_612, arch="x86_64"))
    c_def = cc.defconfig()
    build = tmp_path / "build"
    r = rustconfig("defconfig", str(tree_612), "--arch", "x86_64", "-O", str(build))
    assert r.returncode == 0, r.stderr
    ours = (build / ".config").read_text()
    assert configfile.strip_header(ours) == configfile.strip_header(c_def)

    # olddefconfig keeps .config.old like the kernel
    (build / ".config").write_text(ours.replace("CONFIG_MODULES=y", "# CONFIG_MODULES is not set"))
    r = rustconfig("olddefconfig", str(tree_612), "--arch", "x86_64", "-O", str(build))
    assert r.returncode == 0, r.stderr
    assert (build / ".config.old").read_text().count("# CONFIG_MODULES is not set") == 1
    c_old = cc.olddefconfig((build / ".config.old").read_text())
    assert configfile.strip_header((build / ".config").read_text()) == configfile.strip_header(c_old)

    r = rustconfig("savedefconfig", str(tree_612), "--arch", "x86_64", "-O", str(build))
    assert r.returncode == 0, r.stderr
    assert (build / "defconfig").read_text() == cc.savedefconfig((build / ".config").read_text())


def test_version_and_help():
    r = rustconfig("--version")
    assert r.returncode == 0 and r.stdout.startswith("rustconfig ")
    r = rustconfig("--help")
    assert "olddefconfig" in r.stdout and "savedefconfig" in r.stdout


def test_info_reuses_a_stored_parse_until_told_not_to(tmp_path: Path):
    from rustconfig_gui.assets import demo_tree
    from rustconfig_gui.kconfig.parsecache import ParseCache

    env = dict(clean_env(), XDG_CACHE_HOME=str(tmp_path / "cache"))
    args = ("info", str(demo_tree()), "--build", str(tmp_path / "build"), "--json")
    first = json.loads(rustconfig(*args, env=env).stdout)
    # the parse is stored by a child that outlives the command (the answer never waits for it)
    ParseCache(tmp_path / "cache" / "rustconfig-gui" / "parses").wait_for_writers()
    second = json.loads(rustconfig(*args, env=env).stdout)
    assert not first["parse_cached"] and second["parse_cached"]
    assert second["symbols"] == first["symbols"] and second["macro_calls"] == first["macro_calls"]
    assert not json.loads(rustconfig(*args, "--no-cache", env=env).stdout)["parse_cached"]
    r = rustconfig("cache", "clear", env=env)
    assert "removed 1 stored parses" in r.stdout, r.stdout
    assert not json.loads(rustconfig(*args, env=env).stdout)["parse_cached"]
