"""The real window, driven with pytest-qt, on the demo tree and on real 6.12."""

from __future__ import annotations

import os
from pathlib import Path

from fakes import fake_toolchain
from kconfiglib import Symbol
from PySide6.QtCore import QModelIndex, QSettings, Qt

from rustconfig_gui.assets import demo_tree
from rustconfig_gui.core import configfile
from rustconfig_gui.core.loader import load_tree
from rustconfig_gui.core.tree import KernelTree
from rustconfig_gui.devtools.cref import Build, CConf
from rustconfig_gui.gui.mainwindow import MainWindow
from rustconfig_gui.gui.model import HIDDEN_ROLE, ConfigModel
from rustconfig_gui.gui.rust import rust_symbols_for

LOAD_TIMEOUT = 120_000


def open_and_wait(qtbot, w: MainWindow, tree: KernelTree, **kw) -> None:
    with qtbot.waitSignal(w.treeLoaded, timeout=LOAD_TIMEOUT):
        assert w.open_tree(tree, **kw)


def demo(tmp_path: Path) -> KernelTree:
    return KernelTree(demo_tree(), build=tmp_path / "demo-build")


def row_of(w: MainWindow, name: str) -> QModelIndex:
    sym = w.lt.sym(name)
    node = next(n for n in sym.nodes if n.prompt)
    return w.model.index_for_node(node)


def test_settings_are_not_the_users(qtbot):
    # conftest points XDG_CONFIG_HOME at a temporary folder for the whole run
    assert QSettings().fileName().startswith(os.environ["XDG_CONFIG_HOME"])


def test_model_passes_qtmodeltester(qtmodeltester, tmp_path: Path):
    lt = load_tree(demo(tmp_path))
    lt.defconfig()
    model = ConfigModel()
    model.set_tree(lt, rust_symbols_for(lt))
    qtmodeltester.check(model)
    model.set_mode(show_all=True)
    qtmodeltester.check(model)
    model.set_mode(rust_lens=True)
    qtmodeltester.check(model)


def test_demo_window_loads_in_a_worker_and_explains_hidden_rust(qtbot, window: MainWindow, tmp_path: Path):
    open_and_wait(qtbot, window, demo(tmp_path), prefer_defconfig=True)
    assert window.stack.currentIndex() == 1
    assert "Kernel Configuration" in window.windowTitle()
    rust = window.lt.sym("RUST")
    assert rust in window.rust_syms
    # the demo defconfig keeps MODVERSIONS=y, so "Rust support" is hidden
    assert not row_of(window, "RUST").isValid()
    window.act_show_all.trigger()
    idx = row_of(window, "RUST")
    assert idx.isValid() and idx.data(HIDDEN_ROLE)
    value = window.model.index(idx.row(), 1, idx.parent()).data()
    assert "needs" in value
    # the overview says why
    assert "hidden" in window.overview.label.text()


def test_search_jumps_and_history(qtbot, window: MainWindow, tmp_path: Path):
    open_and_wait(qtbot, window, demo(tmp_path), prefer_defconfig=True)
    window.focus_search()
    qtbot.keyClicks(window.search, "RUST")
    # results come when typing pauses
    qtbot.waitUntil(lambda: window.results.count() > 3, timeout=5_000)
    assert window.results.isVisible()
    first = window.results.item(0).data(Qt.ItemDataRole.UserRole)
    assert first.name == "RUST"
    qtbot.keyClick(window.search, Qt.Key.Key_Return)
    # RUST is hidden: the jump switched to "show all" and selected it
    assert window.act_show_all.isChecked()
    assert window.current_node().item is window.lt.sym("RUST")
    assert window.select_symbol("MODVERSIONS")
    assert window.current_node().item.name == "MODVERSIONS"
    window.go_back()
    assert window.current_node().item.name == "RUST"
    window.go_forward()
    assert window.current_node().item.name == "MODVERSIONS"
    assert "CONFIG_MODVERSIONS" in window.info.toPlainText()


def test_edit_reveals_rust_and_saves_atomically(qtbot, window: MainWindow, tmp_path: Path):
    tools = fake_toolchain(tmp_path / "tools")
    tree = KernelTree(demo_tree(), build=tmp_path / "demo-build", make_vars=tools.make_vars)
    open_and_wait(qtbot, window, tree, prefer_defconfig=True)
    lt = window.lt
    ev = lt.ev
    assert ev.str(lt.sym("RUST_IS_AVAILABLE")) == "y"
    modversions = lt.sym("MODVERSIONS")
    assert window.select_symbol("MODVERSIONS")
    idx = window.view.currentIndex()
    with qtbot.waitSignal(window.model.valueEdited):
        qtbot.keyClick(window.view, Qt.Key.Key_Space)
    assert ev.str(modversions) == "n"
    assert window.isWindowModified()
    assert row_of(window, "RUST").isValid()
    assert idx.isValid()
    target = tmp_path / "demo-build" / ".config"
    assert window.save()
    assert not window.isWindowModified()
    assert "# CONFIG_MODVERSIONS is not set" in target.read_text()
    window.model.set_symbol_value(lt.sym("LOG_BUF_SHIFT"), "15")
    assert window.save()
    assert (tmp_path / "demo-build" / ".config.old").read_text().count("CONFIG_LOG_BUF_SHIFT=15") == 0
    assert "CONFIG_LOG_BUF_SHIFT=15" in target.read_text()


def test_int_out_of_range_is_refused_with_a_sentence(qtbot, window: MainWindow, tmp_path: Path):
    open_and_wait(qtbot, window, demo(tmp_path), prefer_defconfig=True)
    sym = window.lt.sym("LOG_BUF_SHIFT")
    idx = row_of(window, "LOG_BUF_SHIFT")
    vidx = window.model.index(idx.row(), 1, idx.parent())
    with qtbot.waitSignal(window.model.editRejected) as sig:
        assert not window.model.setData(vidx, "99")
    assert "LOG_BUF_SHIFT" in sig.args[0] and "[12, 25]" in sig.args[0]
    assert window.lt.ev.str(sym) != "99"


def test_load_error_is_one_sentence_in_the_window(qtbot, window: MainWindow, tmp_path: Path):
    with qtbot.waitSignal(window.loader.failed, timeout=LOAD_TIMEOUT):
        window.open_tree(KernelTree(tmp_path))
    assert "is not a Linux kernel source tree" in window.message.text()
    assert window.stack.currentIndex() == 0


def test_cancel_stops_a_real_load(qtbot, window: MainWindow, tree_612: Path):
    with qtbot.waitSignal(window.loader.cancelled, timeout=LOAD_TIMEOUT):
        window.open_tree(KernelTree(tree_612))
        qtbot.waitUntil(lambda: window.progress.format() != "loading…", timeout=LOAD_TIMEOUT)
        window.cancel_button.click()
    assert not window.loader.busy and window.lt is None


def _user_fragment(lt, syms: list[Symbol]) -> str:
    """The user's choices as .config lines (what menuconfig would have recorded)."""
    lines = []
    for s in syms:
        v = lt.ev.user[s]
        if isinstance(v, int):
            lines.append(f"CONFIG_{s.name}={'nmy'[v]}" if v else f"# CONFIG_{s.name} is not set")
        else:
            lines.append(f"CONFIG_{s.name}={v}")
    return "\n".join(lines) + "\n"


def test_real_612_edits_save_what_conf_would(qtbot, window: MainWindow, tree_612: Path, tmp_path: Path):
    build = tmp_path / "build"
    build.mkdir()
    cc = CConf(Build(tree_612, arch="x86_64"))
    start = cc.defconfig()
    (build / ".config").write_text(start)
    tree = KernelTree(tree_612, build=build, arch="x86_64")
    open_and_wait(qtbot, window, tree)
    lt = window.lt
    ev = lt.ev
    edits = []
    # a bool, a tristate to m, an int, a choice member
    for name, value in (("MODVERSIONS", 2), ("BTRFS_FS", 1), ("LOG_BUF_SHIFT", "17")):
        sym = lt.sym(name)
        assert window.model.set_symbol_value(sym, value), name
        edits.append(sym)
    choice_member = lt.sym("CC_OPTIMIZE_FOR_SIZE")
    idx = row_of(window, "CC_OPTIMIZE_FOR_SIZE")
    assert idx.isValid()
    assert window.model.setData(idx, Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
    assert ev.tri(choice_member) == 2
    edits += [s for s in choice_member.choice.syms if s in ev.user]
    assert window.save()
    ours = (build / ".config").read_text()
    # the same choices given to the kernel's own conf
    c_text = cc.olddefconfig(start + _user_fragment(lt, edits))
    assert configfile.strip_header(ours) == configfile.strip_header(c_text)
    assert "CONFIG_BTRFS_FS=m" in ours and "CONFIG_CC_OPTIMIZE_FOR_SIZE=y" in ours
    assert (build / ".config.old").read_text() == start

