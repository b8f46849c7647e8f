"""Layout that fits at 1280x800 (and, run again in a child process, at 1920x1080 with
a device pixel ratio of 2): names visible or elided with a tooltip, values whole,
the tree usable with the Toolchain panel open, search results several rows high,
an overview of one height whatever Rust's state."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QModelIndex, Qt
from PySide6.QtGui import QFontMetrics, QHelpEvent
from PySide6.QtWidgets import QApplication, QToolTip

from rustconfig_gui.explain.overview import RustOverviewData
from rustconfig_gui.gui.layout import (
    OPTION_MIN_CHARS,
    SYMBOL_MIN_CHARS,
    VALUE_MAX_SHARE,
    text_margin,
    value_part,
)
from rustconfig_gui.gui.mainwindow import MainWindow
from rustconfig_gui.gui.tree_model import ConfigModel
from rustconfig_gui.kconfig.tree import KernelTree

LOAD_TIMEOUT = 120_000
# the window size in device-independent pixels (the HiDPI run sets it, and QT_SCALE_FACTOR)
SIZE = tuple(int(x) for x in os.environ.get("RUSTCONFIG_TEST_WINDOW", "1280x800").split("x"))
REPO = Path(__file__).resolve().parent.parent
OPTION, VALUE, SYMBOL = ConfigModel.COL_OPTION, ConfigModel.COL_VALUE, ConfigModel.COL_SYMBOL


def shown_rows(w: MainWindow) -> list[QModelIndex]:
    """Every row of expanded menus, top to bottom (what scrolling shows)."""
    rows = []
    index = w.model.index(0, 0, QModelIndex())
    while index.isValid():
        rows.append(index)
        index = w.view.indexBelow(index)
    return rows


def tooltip_at(w: MainWindow, index: QModelIndex) -> str:
    """The tooltip a person gets by resting the pointer on the cell."""
    view = w.view
    view.scrollTo(index)
    QApplication.processEvents()
    rect = view.visualRect(index)
    assert rect.isValid() and view.viewport().rect().contains(rect.center())
    pos = rect.center()
    QToolTip.hideText()
    QApplication.sendEvent(view.viewport(), QHelpEvent(QEvent.Type.ToolTip, pos, view.viewport().mapToGlobal(pos)))
    return QToolTip.text()


@pytest.fixture()
def win_612(qtbot, window: MainWindow, tree_612: Path, tmp_path: Path) -> MainWindow:
    window.resize(*SIZE)
    with qtbot.waitSignal(window.treeLoaded, timeout=LOAD_TIMEOUT):
        assert window.open_tree(KernelTree(tree_612, build=tmp_path / "b", arch="x86_64"), prefer_defconfig=True)
    window.act_show_all.setChecked(True)
    window.model.set_mode(show_all=True)
    window.view.expandToDepth(1)
    qtbot.waitUntil(lambda: not window.columns.timer.isActive())
    QApplication.processEvents()
    return window


def check_names_and_values(w: MainWindow) -> tuple[int, int]:
    """(names shown whole, names elided with a tooltip); values are whole unless
    longer than the Value column's share of the width (then with a tooltip)."""
    view = w.view
    fm = QFontMetrics(view.font())
    margin = text_margin(view)
    sym_width = view.columnWidth(SYMBOL)
    val_width = view.columnWidth(VALUE)
    available = view.viewport().width()
    whole = elided = 0
    for idx in shown_rows(w):
        name = idx.siblingAtColumn(SYMBOL).data()
        if name:
            if fm.horizontalAdvance(name) + margin <= sym_width:
                whole += 1
            else:
                elided += 1
                assert tooltip_at(w, idx.siblingAtColumn(SYMBOL)).startswith(name), name
        value = value_part(idx.siblingAtColumn(VALUE).data())
        if value and fm.horizontalAdvance(value) + margin > val_width:
            # only a value longer than the column's share of the width may be cut
            # (a long string, a choice's long prompt), and its tooltip is all of it
            assert fm.horizontalAdvance(value) + margin > available * VALUE_MAX_SHARE - 1, (value, val_width)
            assert tooltip_at(w, idx.siblingAtColumn(VALUE)).startswith(idx.siblingAtColumn(VALUE).data())
    return whole, elided


@pytest.mark.slow
def test_every_shown_name_is_whole_or_elided_with_a_tooltip(qtbot, win_612: MainWindow):
    w = win_612
    assert (w.width(), w.height()) == SIZE
    whole, elided = check_names_and_values(w)
    assert whole > 100
    # the column fits the names of an expanded tree: eliding is the exception
    assert elided <= whole // 20
    # no horizontal scrolling in the tree: the three columns fit its width
    header = w.view.header()
    assert sum(header.sectionSize(c) for c in (OPTION, VALUE, SYMBOL)) <= w.view.viewport().width()
    assert header.sectionSize(OPTION) >= w.view.fontMetrics().averageCharWidth() * OPTION_MIN_CHARS


@pytest.mark.slow
def test_toolchain_panel_leaves_the_tree_usable(qtbot, win_612: MainWindow):
    w = win_612
    before = w.view.width()
    w.show_toolchain(run=False)
    qtbot.waitUntil(lambda: w.toolchain_dock.isVisible())
    qtbot.waitUntil(lambda: not w.columns.timer.isActive())
    QApplication.processEvents()
    assert w.view.width() < before  # the dock took its room from the window
    chars = w.view.fontMetrics().averageCharWidth()
    assert w.view.columnWidth(SYMBOL) >= chars * SYMBOL_MIN_CHARS
    assert w.view.columnWidth(OPTION) >= chars * OPTION_MIN_CHARS
    check_names_and_values(w)
    header = w.view.header()
    assert sum(header.sectionSize(c) for c in (OPTION, VALUE, SYMBOL)) <= w.view.viewport().width()


@pytest.mark.slow
def test_search_results_are_several_rows_without_a_horizontal_scroll_bar(qtbot, win_612: MainWindow):
    w = win_612
    # a splitter state that left the results two rows high
    w.vsplit.setSizes([40, 600])
    w.focus_search()
    qtbot.keyClicks(w.search, "rust")
    qtbot.waitUntil(lambda: w.results.isVisible() and w.results.count() > 10, timeout=20_000)
    qtbot.waitUntil(lambda: w.results.height() >= w.results_fit.rows_height(w.results_fit.ROWS) - 2)
    row = w.results.sizeHintForRow(0)
    assert w.results.viewport().height() // row >= 6
    assert not w.results.horizontalScrollBar().isVisible()
    # a line too long for the list is elided; its tooltip is the whole line
    fm = QFontMetrics(w.results.font())
    long_rows = [i for i in range(w.results.count())
                 if fm.horizontalAdvance(w.results.item(i).text()) > w.results.viewport().width()]
    assert long_rows
    item = w.results.item(long_rows[0])
    w.results.scrollToItem(item)
    QApplication.processEvents()
    pos = w.results.visualItemRect(item).center()
    QToolTip.hideText()
    QApplication.sendEvent(w.results.viewport(), QHelpEvent(QEvent.Type.ToolTip, pos,
                                                            w.results.viewport().mapToGlobal(pos)))
    assert QToolTip.text().startswith(item.text())
    # Down from the search field still walks the list
    qtbot.keyClick(w.search, Qt.Key.Key_Down)
    assert w.results.currentRow() == 1


def test_overview_keeps_its_height_whatever_rust_state(qtbot, window: MainWindow):
    ov = window.overview
    ov.show_data(RustOverviewData(True, True, "y", probe_result="y", rustc_version="1.85.0",
                                  options_on=3, options_total=17))
    QApplication.processEvents()
    h = ov.height()
    long_blockers = ["depends on RUST_IS_AVAILABLE [=n]", "depends on !MODVERSIONS [=y]",
                     "depends on !DEBUG_INFO_BTF [=y] || (PAHOLE_HAS_LANG_EXCLUDE [=n] && !LTO [=n])"]
    for data in (RustOverviewData(True, False, "n", blockers=long_blockers, probe_result="n"),
                 RustOverviewData(False, False, "n"),
                 RustOverviewData(True, True, "n", probe_result="y")):
        ov.show_data(data)
        QApplication.processEvents()
        assert ov.height() == h
        if data.blockers:
            # what may not fit on two lines is in the tooltip
            assert "PAHOLE_HAS_LANG_EXCLUDE" in ov.label.toolTip()
    assert h >= 2 * ov.label.fontMetrics().lineSpacing()


@pytest.mark.slow
def test_the_same_on_a_hidpi_screen(qapp):
    """1920x1080 device-independent pixels at a device pixel ratio of 2 (a 4K screen at 200 %)."""
    if os.environ.get("RUSTCONFIG_TEST_WINDOW"):
        pytest.skip("this is the child run")
    env = dict(os.environ, QT_SCALE_FACTOR="2", RUSTCONFIG_TEST_WINDOW="1920x1080", QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(Path(__file__))],
                          cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "6 passed" in proc.stdout or "5 passed, 1 skipped" in proc.stdout, proc.stdout[-500:]


def test_device_pixel_ratio_is_the_scale_factor(qtbot, window: MainWindow):
    """In the HiDPI child run the window really is drawn at 2x."""
    want = float(os.environ.get("QT_SCALE_FACTOR", "1"))
    assert window.devicePixelRatio() == want


@pytest.mark.slow
def test_many_rows_are_measured_in_slices_to_the_same_widths(qtbot, win_612: MainWindow, monkeypatch):
    """Show all with menus open is thousands of rows: measured a few rows per turn of the
    event loop (no long stall), ending with the widths a measurement in one go gives."""
    import rustconfig_gui.gui.layout as layout

    w = win_612
    fitter = w.columns
    assert (fitter._value_need, fitter._symbol_need) == fitter.measure()
    monkeypatch.setattr(layout, "MEASURE_SLICE_S", 0.0)  # one step per slice
    w.view.expandToDepth(2)
    slices = 0
    while fitter.timer.isActive() or fitter._walk is not None or fitter._measure:
        fitter.timer.stop()
        fitter.fit()
        slices += 1
        assert slices < 100_000
    assert slices > 10
    assert (fitter._value_need, fitter._symbol_need) == fitter.measure()
    check_names_and_values(w)
