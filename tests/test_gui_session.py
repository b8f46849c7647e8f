"""The window follows the session: the user's place survives every change, undo,
mode switch and reload; every panel shows current values; saves go where the
title says.  On real 6.12 with Debian's distribution config, and the demo tree."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from fakes import fake_toolchain
from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QMessageBox, QStyleFactory, QTextBrowser

from devtools.trees import ensure_distro_config
from rustconfig_gui.assets import demo_tree
from rustconfig_gui.explain.overview import rust_blockers
from rustconfig_gui.gui.mainwindow import MainWindow
from rustconfig_gui.gui.navigation import capture_place, node_key
from rustconfig_gui.gui.panels.info import info_html
from rustconfig_gui.gui.panels.overview import RustOverview
from rustconfig_gui.gui.panels.why import explanation_for, why_html
from rustconfig_gui.kconfig.tree import KernelTree
from rustconfig_gui.workspace import presets
from rustconfig_gui.workspace.session import LoadMode

LOAD_TIMEOUT = 180_000


def open_and_wait(qtbot, w: MainWindow, tree: KernelTree, **kw) -> None:
    with qtbot.waitSignal(w.treeLoaded, timeout=LOAD_TIMEOUT):
        assert w.open_tree(tree, **kw)


def settle(qtbot, w: MainWindow) -> None:
    """Until the rows, the place and the panels have followed the last change."""
    qtbot.waitUntil(lambda: not w.model.refreshing and w._pending_place is None
                    and not w.after_edit.isActive(), timeout=30_000)
    QApplication.processEvents()  # the details panel follows one turn later


def place_of(w: MainWindow) -> tuple[frozenset, object, object]:
    p = capture_place(w.view, w.model)
    return frozenset(id(e) for e in p.expanded), p.current, p.top


def keys_of(w: MainWindow) -> tuple[frozenset, tuple, tuple]:
    p = capture_place(w.view, w.model)
    return frozenset(node_key(e) for e in p.expanded), node_key(p.current), node_key(p.top)


def shown_text(html: str) -> str:
    b = QTextBrowser()
    b.setHtml(html)
    return b.toPlainText()


def panels_are_current(w: MainWindow) -> None:
    """The details, its Why section, the overview, the title and the fix button as they would
    be computed now, from the current values."""
    lt, node = w.lt, w.current_node()
    assert node is not None
    section = why_html(explanation_for(lt, node), w._why_open, w.toolchain.result, lt)
    expected = shown_text(w._notice_html + info_html(lt, node, w.rust_syms, why_html=section))
    assert w.info.toPlainText() == expected
    fresh = RustOverview()
    fresh.update_from(lt, w.rust_syms, rust_blockers(lt))
    assert w.overview.label.text() == fresh.label.text()
    assert w.windowTitle().startswith(str(w.session.target)) and w.isWindowModified() == w.modified
    rust = lt.sym("RUST")
    assert w.fix_ui.rust_button.isVisibleTo(w) == (lt.ev.str_value(rust) != "y")
    assert w.act_undo.isEnabled() == w.session.can_undo and w.act_redo.isEnabled() == w.session.can_redo


def shot(w: MainWindow, folder: Path, name: str) -> Path:
    folder = Path(os.environ.get("RUSTCONFIG_SCREENSHOTS", folder))
    folder.mkdir(parents=True, exist_ok=True)
    QApplication.processEvents()
    path = folder / name
    img = w.grab()
    assert not img.isNull() and img.width() >= 1200
    assert img.save(str(path))
    return path


def dark_palette() -> QPalette:
    p = QPalette()
    for role, color in ((QPalette.ColorRole.Window, "#2b2b2b"), (QPalette.ColorRole.WindowText, "#e6e6e6"),
                        (QPalette.ColorRole.Base, "#1e1e1e"), (QPalette.ColorRole.AlternateBase, "#262626"),
                        (QPalette.ColorRole.Text, "#e6e6e6"), (QPalette.ColorRole.Button, "#353535"),
                        (QPalette.ColorRole.ButtonText, "#e6e6e6"), (QPalette.ColorRole.Highlight, "#2f65ca"),
                        (QPalette.ColorRole.HighlightedText, "#ffffff"), (QPalette.ColorRole.Link, "#6fa8ff")):
        p.setColor(role, QColor(color))
    return p


@pytest.fixture()
def distro_612(tree_612: Path, tmp_path: Path) -> KernelTree:
    build = tmp_path / "build"
    build.mkdir()
    shutil.copyfile(ensure_distro_config("6.12"), build / ".config")
    return KernelTree(tree_612, build=build, arch="x86_64")


def test_the_place_survives_every_change_on_612_with_debians_config(qtbot, window: MainWindow,
                                                                     distro_612: KernelTree, tmp_path: Path):
    w = window
    w.resize(1280, 800)
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    open_and_wait(qtbot, w, distro_612)
    lt = w.lt
    assert w.windowTitle().startswith(str(distro_612.build / ".config"))
    # three nested menus open (Device Drivers > Network device support > Ethernet driver support
    # > Intel devices), a row deep inside current, scrolled so a row above it is at the top
    e1000e = lt.sym("E1000E")
    assert lt.ev.str_value(e1000e) == "m"
    assert w.select_node(e1000e.nodes[0])
    settle(qtbot, w)
    intel = w.model.index_for_node(lt.sym("NET_VENDOR_INTEL").nodes[0])
    ethernet = intel.parent()
    assert w.view.isExpanded(intel) and w.view.isExpanded(ethernet) and w.view.isExpanded(ethernet.parent())
    top_row = w.view.indexAbove(w.view.indexAbove(w.view.indexAbove(intel)))
    w.view.scrollTo(top_row, w.view.ScrollHint.PositionAtTop)
    w.view.setFocus()
    before = place_of(w)
    assert before[1] is e1000e.nodes[0] and before[2] is w.model.item(top_row) and len(before[0]) >= 4
    panels_are_current(w)

    resets: list[int] = []
    w.model.modelAboutToBeReset.connect(lambda: resets.append(1))

    def same_place(what: str) -> None:
        settle(qtbot, w)
        assert place_of(w) == before, what
        panels_are_current(w)

    # an edit of the current row from the keyboard (Space), undo, redo
    qtbot.keyClick(w.view, Qt.Key.Key_Space)
    assert lt.ev.str_value(e1000e) == "y" and w.modified
    same_place("edit")
    w.act_undo.trigger()
    assert lt.ev.str_value(e1000e) == "m"
    same_place("undo")
    w.act_redo.trigger()
    assert lt.ev.str_value(e1000e) == "y"
    same_place("redo")

    # a fix plan ("Make Rust available…": the toolchain here fails, MODVERSIONS=n is what can be made)
    modv = lt.sym("MODVERSIONS")
    assert lt.ev.str_value(modv) == "y"
    dlg = w.fix_ui.open_for_rust()
    qtbot.waitUntil(lambda: not dlg.planning, timeout=60_000)  # planned on a worker
    plan = dlg.current_plan()
    assert plan is not None and "MODVERSIONS" in {s.symbol for s in plan.config_steps}
    report = dlg.apply_selected()
    assert report is not None and lt.ev.str_value(modv) == "n"
    same_place("plan")
    # the dialog plans again from the configuration as it is: MODVERSIONS is no longer in its steps
    qtbot.waitUntil(lambda: dlg.current_plan() is not None
                    and "MODVERSIONS" not in {s.symbol for s in dlg.current_plan().config_steps})
    dlg.close()
    w.act_undo.trigger()
    assert lt.ev.str_value(modv) == "y"
    same_place("undo of the plan")

    # a preset
    frag = tmp_path / "quiet.config"
    frag.write_text("CONFIG_LOG_BUF_SHIFT=19\n# CONFIG_NET_VENDOR_AMD is not set\n")
    report = w.presets_ui.apply([presets.Fragment.from_file(frag)])
    assert report is not None and report.ok and lt.ev.str_value(lt.sym("LOG_BUF_SHIFT")) == "19"
    same_place("preset")

    # Revert: the file again
    w.revert()
    assert lt.ev.str_value(lt.sym("LOG_BUF_SHIFT")) != "19" and lt.ev.str_value(e1000e) == "m" and not w.modified
    same_place("revert")
    # every one of these moved rows in place: no model reset
    assert not resets

    # Show all and back: hidden rows come and go around the place
    w.act_show_all.trigger()
    assert w.model.show_all
    settle(qtbot, w)
    assert place_of(w)[:2] == before[:2] and place_of(w)[2] is before[2]
    w.act_show_all.trigger()
    same_place("show all off")

    # the lens from a non-Rust row: on, it stays on, a Rust entry near the row is current
    w.act_lens.trigger()
    settle(qtbot, w)
    assert w.act_lens.isChecked() and w.model.rust_lens
    current = w.current_node()
    assert current is not None and w.model.index_for_node(current).isValid()
    panels_are_current(w)
    shot(w, tmp_path, "session-612-lens.png")
    w.act_lens.trigger()
    settle(qtbot, w)
    assert not w.act_lens.isChecked()
    # off: the menus the user had open are open again, the Rust entry chosen stays current
    assert before[0] <= place_of(w)[0] and w.current_node() is current
    panels_are_current(w)

    # back to the deep row; a search result hidden here: show all comes on, no menu closes
    assert w.select_node(e1000e.nodes[0])
    w.view.scrollTo(w.model.index_for_node(before[2]), w.view.ScrollHint.PositionAtTop)
    settle(qtbot, w)
    assert place_of(w) == before
    hidden = lt.sym("RUST")
    assert not w.model.index_for_node(hidden.nodes[0]).isValid()
    w.activateWindow()  # after the fix dialog
    qtbot.waitUntil(w.isActiveWindow)
    w.info.setFocus()  # the link is clicked in the details panel
    qtbot.waitUntil(lambda: QApplication.focusWidget() is w.info)
    w.info.anchorClicked.emit(QUrl("sym:RUST"))
    settle(qtbot, w)
    assert w.current_node() is hidden.nodes[0] and before[0] <= place_of(w)[0]
    # the keyboard is where the user looks: on the row jumped to
    assert QApplication.focusWidget() is w.view
    w.go_back()
    settle(qtbot, w)
    assert w.current_node() is e1000e.nodes[0]
    w.act_show_all.trigger()
    w.view.scrollTo(w.model.index_for_node(before[2]), w.view.ScrollHint.PositionAtTop)
    settle(qtbot, w)
    assert place_of(w) == before

    # reload keeping the values: the same place in the new parse
    shift = lt.ev.str_value(lt.sym("LOG_BUF_SHIFT"))
    assert shift != "20"
    assert w.model.set_symbol_value(lt.sym("LOG_BUF_SHIFT"), "20")
    settle(qtbot, w)
    keys = keys_of(w)
    with qtbot.waitSignal(w.treeLoaded, timeout=LOAD_TIMEOUT):
        assert w.reload_with(distro_612)
    settle(qtbot, w)
    assert w.lt is not lt and w.lt.ev.str_value(w.lt.sym("LOG_BUF_SHIFT")) == "20" and w.modified
    assert keys_of(w) == keys
    panels_are_current(w)
    # and the history goes on in the new parse
    w.act_undo.trigger()  # the reload
    w.act_undo.trigger()  # LOG_BUF_SHIFT=20
    settle(qtbot, w)
    assert w.lt.ev.str_value(w.lt.sym("LOG_BUF_SHIFT")) == shift
    assert keys_of(w) == keys
    panels_are_current(w)

    # the window after the sequence, light and dark
    app = QApplication.instance()
    shot(w, tmp_path, "session-612-light.png")
    old_style, old_palette = app.style().name(), app.palette()
    app.setStyle(QStyleFactory.create("Fusion"))
    app.setPalette(dark_palette())
    try:
        shot(w, tmp_path, "session-612-dark.png")
    finally:
        app.setStyle(QStyleFactory.create(old_style))
        app.setPalette(old_palette)


def _answer(box_name: str, button_text: str, seen: list[str]) -> None:
    """Answer the question box ``box_name`` when it shows (it runs its own event loop)."""
    def click() -> None:
        box = next((b for b in QApplication.topLevelWidgets()
                    if isinstance(b, QMessageBox) and b.objectName() == box_name and b.isVisible()), None)
        if box is None:
            QTimer.singleShot(10, click)
            return
        seen.append(box.text() + "\n" + box.informativeText())
        next(b for b in box.buttons() if b.text().replace("&", "") == button_text).click()
    QTimer.singleShot(0, click)


def test_load_config_start_from_saves_to_the_build_folder_and_open_saves_back(qtbot, window: MainWindow,
                                                                               tmp_path: Path):
    w = window
    tools = fake_toolchain(tmp_path / "tools")
    build = tmp_path / "build"
    tree = KernelTree(demo_tree(), build=build, make_vars=tools.make_vars)
    open_and_wait(qtbot, w, tree, prefer_defconfig=True)
    lt = w.lt
    target = build / ".config"
    assert not target.exists() and w.windowTitle().startswith(str(target))
    # a first save: nothing was there to keep as .config.old
    assert w.save()
    msg = w.statusBar().currentMessage()
    assert msg == f"Saved {target}." and not (build / ".config.old").exists()

    copy = tmp_path / "elsewhere" / "distro.config"
    copy.parent.mkdir()
    copy.write_text(target.read_text().replace("CONFIG_LOG_BUF_SHIFT=18", "CONFIG_LOG_BUF_SHIFT=14"))
    copy_text = copy.read_text()
    # Load config… asks how to use the file; Start from takes its values
    seen: list[str] = []
    _answer("LoadMode", "Start from", seen)
    assert w.ask_load_mode(copy) is LoadMode.START
    assert str(target) in seen[0]
    assert w.load_config(copy, LoadMode.START)
    assert lt.ev.str_value(lt.sym("LOG_BUF_SHIFT")) == "14" and w.modified
    assert w.windowTitle().startswith(str(target)) and str(target) in w.statusBar().currentMessage()
    assert "(values from distro.config)" in w.windowTitle()
    # the plan of the issue: apply a plan, then Save writes the build folder's .config
    rust = lt.sym("RUST")
    dlg = w.fix_ui.open_for_rust()
    qtbot.waitUntil(lambda: not dlg.planning, timeout=60_000)
    assert dlg.apply_selected().reached
    dlg.close()
    # the unsaved-changes question names where Save writes
    _answer("UnsavedChanges", "Cancel", seen)
    assert not w.maybe_save()
    assert str(target) in seen[-1]
    assert w.save()
    assert "CONFIG_LOG_BUF_SHIFT=14" in target.read_text() and "CONFIG_RUST=y" in target.read_text()
    assert copy.read_text() == copy_text and not (copy.parent / "distro.config.old").exists()
    assert "kept as .config.old" in w.statusBar().currentMessage()

    # Open: edit that file, Save writes it
    assert w.load_config(copy, LoadMode.OPEN)
    assert w.windowTitle().startswith(str(copy)) and not w.modified
    assert lt.ev.str_value(rust) == "n"
    assert w.model.set_symbol_value(lt.sym("LOG_BUF_SHIFT"), "15")
    saved_build = target.read_text()
    assert w.save()
    assert "CONFIG_LOG_BUF_SHIFT=15" in copy.read_text() and target.read_text() == saved_build
    assert (copy.parent / "distro.config.old").read_text() == copy_text
    # undo of Open: back to the build folder's file as the target
    w.act_undo.trigger()
    w.act_undo.trigger()
    assert w.windowTitle().startswith(str(target)) and lt.ev.str_value(rust) == "y"
    # the details panel shows the lines of a loaded file that were not taken, until the user moves on
    bad = tmp_path / "bad.config"
    bad.write_text("CONFIG_LOG_BUF_SHIFT=16\nCONFIG_NOT_IN_DEMO=y\n")
    assert w.load_config(bad, LoadMode.START)
    settle(qtbot, w)
    assert "NOT_IN_DEMO" in w.info.toPlainText()
    good = tmp_path / "good.config"
    good.write_text("CONFIG_LOG_BUF_SHIFT=17\n")
    assert w.load_config(good, LoadMode.START)
    settle(qtbot, w)
    assert "NOT_IN_DEMO" not in w.info.toPlainText()


def test_toolchain_notice_follows_the_loaded_tree(qtbot, window: MainWindow, tmp_path: Path):
    from rustconfig_gui.gui.panels.toolchain import findings_html
    w = window
    tools = fake_toolchain(tmp_path / "tools")
    open_and_wait(qtbot, w, KernelTree(demo_tree(), build=tmp_path / "b", make_vars=tools.make_vars),
                  prefer_defconfig=True)
    assert w.lt.ev.str_value(w.lt.sym("RUST_IS_AVAILABLE")) == "y" and w.toolchain.loaded_has_rust
    w.show_toolchain()
    qtbot.waitUntil(lambda: w.toolchain.result is not None, timeout=LOAD_TIMEOUT)
    assert w.toolchain.result.available
    text = w.toolchain.findings.toPlainText()
    assert "Reload Kconfig" not in text and "already uses it" in text
    assert "Reload Kconfig" in shown_text(findings_html(w.toolchain.result, False))


def test_a_hidden_search_result_opens_no_menu_closes_none(qtbot, window: MainWindow, tmp_path: Path):
    w = window
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    # the real toolchain fails the demo's probe: "Rust support" is hidden
    open_and_wait(qtbot, w, KernelTree(demo_tree(), build=tmp_path / "b"), prefer_defconfig=True)
    lt = w.lt
    rust = lt.sym("RUST")
    assert not w.model.index_for_node(rust.nodes[0]).isValid()
    # the user opened a menu somewhere else and stands in it
    assert w.select_node(lt.sym("NR_CPUS").nodes[0])
    settle(qtbot, w)
    opened = place_of(w)[0]
    assert opened
    w.focus_search()
    qtbot.keyClicks(w.search, "RUST")
    qtbot.waitUntil(lambda: w.results.count() > 0, timeout=10_000)
    row = next(i for i in range(w.results.count())
               if w.results.item(i).data(Qt.ItemDataRole.UserRole).node is rust.nodes[0])
    w.results.setCurrentRow(row)
    qtbot.keyClick(w.search, Qt.Key.Key_Return)
    settle(qtbot, w)
    assert w.current_node() is rust.nodes[0] and w.act_show_all.isChecked()
    assert opened <= place_of(w)[0]
    assert QApplication.focusWidget() is w.view
    # Back: the row before, in a window that still shows all
    w.go_back()
    assert w.current_node() is lt.sym("NR_CPUS").nodes[0] and opened <= place_of(w)[0]


def test_undo_and_redo_from_the_keyboard_keep_the_row(qtbot, window: MainWindow, tmp_path: Path):
    w = window
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    open_and_wait(qtbot, w, KernelTree(demo_tree(), build=tmp_path / "b"), prefer_defconfig=True)
    lt = w.lt
    ipc = lt.sym("SYSVIPC")
    assert w.select_node(ipc.nodes[0])
    w.view.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is w.view)
    was = lt.ev.str_value(ipc)
    settle(qtbot, w)   # the expand arrows of closed rows are rechecked after a load
    before = place_of(w)
    qtbot.keyClick(w.view, Qt.Key.Key_Space)
    assert lt.ev.str_value(ipc) != was and w.act_undo.text() == "Undo change SYSVIPC"
    qtbot.keyClick(w.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert lt.ev.str_value(ipc) == was and not w.modified
    settle(qtbot, w)
    assert place_of(w) == before
    qtbot.keyClick(w.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert lt.ev.str_value(ipc) != was and w.modified
    settle(qtbot, w)
    assert place_of(w) == before
    panels_are_current(w)


def test_bounded_undo_history_from_the_keyboard(qtbot, window: MainWindow, tmp_path: Path):
    """Past the history's bound the oldest steps go: Undo stops there (disabled), and the
    values stay modified (the loaded file's state went with the oldest steps)."""
    w = window
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    open_and_wait(qtbot, w, KernelTree(demo_tree(), build=tmp_path / "b"), prefer_defconfig=True)
    w.session.history.max_steps = 2
    lt = w.lt
    ipc = lt.sym("SYSVIPC")
    assert w.select_node(ipc.nodes[0])
    w.view.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is w.view)
    settle(qtbot, w)
    values = [lt.ev.str_value(ipc)]
    for _ in range(3):
        qtbot.keyClick(w.view, Qt.Key.Key_Space)
        values.append(lt.ev.str_value(ipc))
        settle(qtbot, w)
    assert values[1] != values[0] and w.modified and len(w.session.history.commands) == 2
    for i in (2, 1):
        assert w.act_undo.isEnabled()
        qtbot.keyClick(w.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        assert lt.ev.str_value(ipc) == values[i]
        settle(qtbot, w)
    # nothing older is kept: Undo is off, and the values are not those of the file
    assert not w.act_undo.isEnabled() and w.act_undo.text() == "Undo"
    qtbot.keyClick(w.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert lt.ev.str_value(ipc) == values[1] and w.modified and w.isWindowModified()
    assert w.act_redo.isEnabled()
    qtbot.keyClick(w.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert lt.ev.str_value(ipc) == values[2]
    settle(qtbot, w)
    panels_are_current(w)


def test_lens_from_a_non_rust_row_lands_on_hidden_rust_support_on_612(qtbot, window: MainWindow,
                                                                        distro_612: KernelTree):
    """Debian's 6.12 config has MODVERSIONS=y: "Rust support" is hidden, and "General setup"
    is in the lens for it alone.  Ctrl+R from a General setup row lands on Rust support (Show
    all on), its details saying why it is hidden, not on an empty menu."""
    w = window
    w.resize(1280, 800)
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    open_and_wait(qtbot, w, distro_612)
    lt = w.lt
    rust = lt.sym("RUST")
    assert not lt.ev.visibility(rust) and not w.act_show_all.isChecked()
    assert w.select_node(lt.sym("LOG_BUF_SHIFT").nodes[0])
    w.view.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is w.view)
    settle(qtbot, w)
    qtbot.keyClick(w.view, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, w)
    assert w.act_lens.isChecked() and w.act_show_all.isChecked()
    assert w.current_node() is rust.nodes[0]
    assert "Rust support is hidden" in w.statusBar().currentMessage()
    assert "RUST is hidden" in w.info.toPlainText()
    panels_are_current(w)
