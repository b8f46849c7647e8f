"""Paths as the user gave them, and one plain per-user data folder."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from rustconfig_gui import cli
from rustconfig_gui.assets import demo_tree
from rustconfig_gui.gui.mainwindow import MainWindow
from rustconfig_gui.kconfig.tree import KernelTree
from rustconfig_gui.workspace.datadir import data_dir, demo_build_dir

LOAD_TIMEOUT = 120_000


def linked(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A symlink to a copy of the demo tree, and a symlinked build folder: (link, build link, real build)."""
    real = tmp_path / "real-kernel"
    shutil.copytree(demo_tree(), real, symlinks=True)
    link = tmp_path / "kernel"
    link.symlink_to(real, target_is_directory=True)
    real_build = tmp_path / "real-build"
    real_build.mkdir()
    build_link = tmp_path / "build"
    build_link.symlink_to(real_build, target_is_directory=True)
    return link, build_link, real_build


def test_a_symlinked_tree_keeps_the_path_it_was_opened_by(tmp_path: Path):
    link, build_link, real_build = linked(tmp_path)
    t = KernelTree(link, build=build_link)
    # make, caches and comparisons use the real folders
    assert t.source == (tmp_path / "real-kernel").resolve() and t.build == real_build.resolve()
    assert t == KernelTree(tmp_path / "real-kernel", build=real_build)
    # what is shown is what was given
    assert t.shown_source == link and t.shown_build == build_link
    assert t.shown(t.config_path) == build_link / ".config"
    assert t.shown(t.source / "Kconfig") == link / "Kconfig"
    assert t.shown(Path("/etc/kernel-config")) == Path("/etc/kernel-config")
    assert t.describe().startswith(f"{link} O={build_link}")
    # a relative path is shown absolute, without resolving links
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        assert KernelTree(Path("kernel")).shown_source == link
    finally:
        os.chdir(cwd)


def test_window_title_and_recent_trees_show_the_given_path(qtbot, window: MainWindow, tmp_path: Path):
    link, build_link, real_build = linked(tmp_path)
    with qtbot.waitSignal(window.treeLoaded, timeout=LOAD_TIMEOUT):
        assert window.open_tree(KernelTree(link, build=build_link), prefer_defconfig=True)
    title = window.windowTitle()
    assert title.startswith(f"{build_link / '.config'}[*]")
    assert str(real_build) not in title
    assert window.recent_trees()[0]["source"] == str(link)
    assert window.recent_trees()[0]["build"] == str(build_link)


def test_cli_info_shows_the_given_path(tmp_path: Path, capsys):
    link, build_link, _ = linked(tmp_path)
    assert cli.main(["info", str(link), "-O", str(build_link)]) == 0
    out = capsys.readouterr().out
    assert f"  source        {link}\n" in out and f"  build (O=)    {build_link}\n" in out


def test_demo_build_folder_is_one_plain_per_user_folder(window: MainWindow, monkeypatch, tmp_path: Path):
    # conftest points XDG_DATA_HOME at a private folder
    expected = Path(os.environ["XDG_DATA_HOME"]) / "rustconfig-gui" / "demo-build"
    assert demo_build_dir() == expected and data_dir() == expected.parent
    assert window.demo_tree_spec().shown_build == expected
    assert "rustconfig-gui/rustconfig-gui" not in str(window.demo_tree_spec().build)
    monkeypatch.setenv("XDG_DATA_HOME", "relative/data")  # not absolute: ignored, per XDG
    assert data_dir() == Path.home() / ".local" / "share" / "rustconfig-gui"
