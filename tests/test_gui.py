"""The real window, driven with pytest-qt, on the demo tree and on real 6.12."""

from __future__ import annotations

import os
from pathlib import Path

from fakes import fake_toolchain
from kconfiglib import Symbol
from PySide6.QtCore import QModelIndex, QPoint, QSettings, Qt
from PySide6.QtWidgets import QAbstractItemView

from devtools.cref import Build, CConf
from rustconfig_gui.assets import demo_tree
from rustconfig_gui.explain.rustclass import rust_symbols
from rustconfig_gui.gui.mainwindow import MainWindow
from rustconfig_gui.gui.tree_model import HIDDEN_ROLE, REASON_ROLE, ConfigModel
from rustconfig_gui.kconfig import configfile
from rustconfig_gui.kconfig.loader import load_tree
from rustconfig_gui.kconfig.tree import KernelTree

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
    model.set_tree(lt, frozenset(rust_symbols(lt)))
    qtmodeltester.check(model)
    model.set_mode(show_all=True)
    qtmodeltester.check(model)
    model.set_mode(rust_lens=True)
    qtmodeltester.check(model)


def test_collapsed_rows_are_not_listed_and_their_expand_arrow_follows_edits(qtbot, tmp_path: Path):
    lt = load_tree(demo(tmp_path))
    lt.defconfig()
    model = ConfigModel()
    model.set_tree(lt, frozenset(rust_symbols(lt)))
    net = lt.sym("NETDEVICES")
    assert lt.ev.tri(net) == 2
    index = model.index_for_node(net.nodes[0])
    assert index.isValid() and model.hasChildren(index)
    # answered without listing the rows, so an edit does not compute them again
    assert id(net.nodes[0]) not in model._kids
    layouts: list[int] = []
    model.layoutChanged.connect(lambda *_: layouts.append(1))
    model.set_symbol_value(net, 0)
    qtbot.waitUntil(lambda: not model.refreshing and not model._recheck_todo and len(layouts) == 1, timeout=5000)
    assert not model.hasChildren(index)
    model.set_symbol_value(net, 2)
    qtbot.waitUntil(lambda: not model.refreshing and not model._recheck_todo and len(layouts) == 2, timeout=5000)
    assert model.hasChildren(index) and model.rowCount(index) > 0
    # listed from now on: an edit inserts and removes its rows
    model.set_symbol_value(net, 0)
    qtbot.waitUntil(lambda: not model.refreshing and model.rowCount(index) == 0, timeout=5000)
    assert not model.hasChildren(index)


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
    cell = window.model.index(idx.row(), 1, idx.parent())
    # painted rows get their reason a moment after the first paint
    with qtbot.waitSignal(window.model.dataChanged, timeout=5_000):
        assert cell.data().endswith("· …")
    assert "needs" in cell.data()
    assert "needs" in idx.data(REASON_ROLE)
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
    assert ev.str_value(lt.sym("RUST_IS_AVAILABLE")) == "y"
    modversions = lt.sym("MODVERSIONS")
    assert window.select_symbol("MODVERSIONS")
    idx = window.view.currentIndex()
    with qtbot.waitSignal(window.model.valueEdited):
        qtbot.keyClick(window.view, Qt.Key.Key_Space)
    assert ev.str_value(modversions) == "n"
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
    assert window.lt.ev.str_value(sym) != "99"


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



def test_second_open_reads_the_stored_parse_unless_caches_are_off(qtbot, window: MainWindow, tmp_path: Path):
    from rustconfig_gui.kconfig.parsecache import ParseCache

    tools = fake_toolchain(tmp_path / "tools")
    tree = KernelTree(demo_tree(), build=tmp_path / "demo-build", make_vars=tools.make_vars)
    ParseCache().clear()
    open_and_wait(qtbot, window, tree, prefer_defconfig=True)
    assert not window.lt.timings.parse_cached
    # the parse is written by a worker a moment after the tree is shown
    qtbot.waitUntil(lambda: ParseCache().entries() == 1 and not window.parse_writer.busy, timeout=LOAD_TIMEOUT)
    # the window takes a replaced tree apart (kconfig/memory.py): keep what is compared
    first_kconf, first_text = id(window.lt.kconf), window.lt.config_text()
    open_and_wait(qtbot, window, tree, prefer_defconfig=True)
    assert window.lt.timings.parse_cached and id(window.lt.kconf) != first_kconf
    assert window.lt.config_text() == first_text

    window.act_caches.trigger()
    assert not window.act_caches.isChecked()
    open_and_wait(qtbot, window, tree, prefer_defconfig=True)
    assert not window.lt.timings.parse_cached
    assert all(not c.cached for c in window.lt.trace.calls)
    window.act_caches.trigger()
    window.clear_caches()
    assert ParseCache().entries() == 0
    assert "stored parses" in window.statusBar().currentMessage()


def test_reload_keeps_unsaved_values_through_a_copy(qtbot, window: MainWindow, tmp_path: Path):
    tools = fake_toolchain(tmp_path / "tools")
    tree = KernelTree(demo_tree(), build=tmp_path / "demo-build", make_vars=tools.make_vars)
    open_and_wait(qtbot, window, tree, prefer_defconfig=True)
    window.model.set_symbol_value(window.lt.sym("LOG_BUF_SHIFT"), "15")
    assert window.isWindowModified()
    with qtbot.waitSignal(window.treeLoaded, timeout=LOAD_TIMEOUT):
        assert window.reload_with(tree)
    assert window.lt.ev.str_value(window.lt.sym("LOG_BUF_SHIFT")) == "15"
    assert window.isWindowModified()


def test_replaced_tree_is_freed_without_the_cyclic_collector(qtbot, window: MainWindow, tmp_path: Path):
    import gc
    import weakref

    tree = demo(tmp_path)
    open_and_wait(qtbot, window, tree, prefer_defconfig=True)
    first = weakref.ref(window.lt.kconf)
    loaded = weakref.ref(window.lt)
    open_and_wait(qtbot, window, tree, prefer_defconfig=True)
    assert first() is not window.lt.kconf
    gc.disable()
    try:
        qtbot.waitUntil(lambda: not window.retirer.busy and not window._to_retire, timeout=LOAD_TIMEOUT)
        qtbot.waitUntil(lambda: first() is None and loaded() is None, timeout=5000)
    finally:
        gc.enable()
    # the tree in use is untouched
    assert window.lt.sym("RUST") is not None and window.lt.config_text()


def test_enter_before_results_jumps_when_they_arrive(qtbot, window: MainWindow, tmp_path: Path):
    open_and_wait(qtbot, window, demo(tmp_path), prefer_defconfig=True)
    window.focus_search()
    qtbot.keyClicks(window.search, "MODVERSIONS")
    qtbot.keyClick(window.search, Qt.Key.Key_Return)  # the search has not run yet
    qtbot.waitUntil(lambda: window.current_node() is not None
                    and window.current_node().item is window.lt.sym("MODVERSIONS"), timeout=5_000)
    assert not window.searcher.busy


def test_cancelled_load_keeps_the_shown_tree_searchable(qtbot, window: MainWindow, tmp_path: Path,
                                                        tree_612: Path):
    open_and_wait(qtbot, window, demo(tmp_path), prefer_defconfig=True)
    shown = window.lt
    with qtbot.waitSignal(window.loader.cancelled, timeout=LOAD_TIMEOUT):
        window.open_tree(KernelTree(tree_612))
        # while loading, the old tree's index is let go (two trees are in memory)
        assert window.index is None and not window.search.isEnabled()
        qtbot.waitUntil(lambda: window.progress.format() != "loading…", timeout=LOAD_TIMEOUT)
        window.cancel_button.click()
    assert window.lt is shown
    qtbot.waitUntil(lambda: window.index is not None and window.search.isEnabled(), timeout=10_000)
    qtbot.keyClicks(window.search, "MODVERSIONS")
    qtbot.waitUntil(lambda: window.results.count() > 0, timeout=5_000)


def test_background_work_does_not_start_after_close(qtbot, tmp_path: Path):
    from PySide6.QtCore import QSettings

    w = MainWindow(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    w.show()
    open_and_wait(qtbot, w, demo(tmp_path), prefer_defconfig=True)
    open_and_wait(qtbot, w, demo(tmp_path), prefer_defconfig=True)
    started: list[str] = []
    w.parse_writer.started.connect(lambda: started.append("parse"))
    w.retirer.started.connect(lambda: started.append("retire"))
    w.close()  # before the delayed parse writing and retirement start
    qtbot.wait(w.BACKGROUND_DELAY_MS + 300)
    assert started == []
    assert not (w.parse_writer.busy or w.retirer.busy or w.loader.busy)


def test_an_edit_updates_the_menus_on_screen_first_and_keeps_the_top_row(qtbot, window: MainWindow,
                                                                          tree_612: Path, tmp_path: Path):
    open_and_wait(qtbot, window, KernelTree(tree_612, build=tmp_path / "b", arch="x86_64"), prefer_defconfig=True)
    view, model, lt = window.view, window.model, window.lt
    window.resize(1000, 700)
    # "File systems" at the top: the menus NET empties (its own, Device Drivers' network
    # drivers) are above the screen
    fs = next(model.index(r, 0) for r in range(model.rowCount()) if model.index(r, 0).data() == "File systems")
    assert view.isExpanded(fs)
    view.scrollTo(fs, QAbstractItemView.ScrollHint.PositionAtTop)
    qtbot.wait(100)
    top = model.item(view.indexAt(QPoint(0, 0)))
    assert top is model.item(fs)
    on_screen = window._parents_on_screen()
    assert model.item(fs) in on_screen
    net = lt.sym("NET")
    rows_before = sum(len(kids) for kids in model._kids.values())

    arrows_before = {key: has for key, (_, has) in model._has_kids.items()}
    model.set_symbol_value(net, 0)
    # before the event loop turns: the menus on screen show what they now should,
    # closed rows on screen included (whether they have rows of their own)
    changed_arrows = 0
    screen = model.rows_on_screen
    assert screen and model.item(fs) is not None and id(model.item(fs)) in screen
    for parent in on_screen:
        assert model._children(parent) == model._wanted_children(parent)
        for kid in model._children(parent):
            if id(kid) in model._has_kids and id(kid) in screen:
                has = model._has_kids[id(kid)][1]
                assert has == bool(model._wanted_children(kid, first_only=True)), kid
                changed_arrows += has != arrows_before.get(id(kid), has)
    assert changed_arrows, "NET=n empties a closed menu on screen (Caches)"
    assert model.refreshing, "the menus off screen come a moment later"
    qtbot.waitUntil(lambda: not model.refreshing, timeout=5000)
    for key, kids in model._kids.items():
        assert kids == model._wanted_children(None if key == 0 else model._items[key])
    # the closed rows off screen a moment later (NET's own row above the screen among them)
    qtbot.waitUntil(lambda: not model._recheck_timer.isActive(), timeout=5000)
    for _key, (kid, has) in model._has_kids.items():
        assert has == bool(model._wanted_children(kid, first_only=True)), kid
    assert sum(len(kids) for kids in model._kids.values()) < rows_before - 20
    # rows went above the screen, and what the user looked at did not move
    qtbot.wait(50)
    assert model.item(view.indexAt(QPoint(0, 0))) is top
