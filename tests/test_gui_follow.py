"""The panels beside the rows follow an edit before the window is painted again:
the first paint of the rows after Space already has the details, the Why
section and the overview of the new value (never a word of before).  Hidden
rows' reasons read their Kconfig files on a worker first, with the same
answer.  On the demo tree (the real toolchain fails its probe: "Rust support"
is hidden)."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QApplication, QTextBrowser

from rustconfig_gui.assets import demo_tree
from rustconfig_gui.explain import sources, why
from rustconfig_gui.explain.overview import rust_blockers
from rustconfig_gui.gui.mainwindow import MainWindow
from rustconfig_gui.gui.panels.follow import BeforePaint
from rustconfig_gui.gui.panels.info import info_html
from rustconfig_gui.gui.panels.overview import RustOverview
from rustconfig_gui.gui.panels.why import explanation_for, why_html
from rustconfig_gui.kconfig.tree import KernelTree

LOAD_TIMEOUT = 180_000


def shown_text(html: str) -> str:
    b = QTextBrowser()
    b.setHtml(html)
    return b.toPlainText()


def panels_now(w: MainWindow) -> tuple[str, str]:
    """(details, overview) as the window shows them."""
    return w.info.toPlainText(), w.overview.label.text()


def panels_from_values(w: MainWindow) -> tuple[str, str]:
    """(details, overview) computed now from the current values."""
    lt, node = w.lt, w.current_node()
    section = why_html(explanation_for(lt, node), w._why_open, w.toolchain.result, lt)
    fresh = RustOverview()
    fresh.update_from(lt, w.rust_syms, rust_blockers(lt))
    return shown_text(w._notice_html + info_html(lt, node, w.rust_syms, why_html=section)), fresh.label.text()


class FirstPaint(QObject):
    """Notes what the panels show when the rows are first painted after :meth:`arm`."""

    def __init__(self, w: MainWindow) -> None:
        super().__init__()
        self.w = w
        self.seen: tuple[tuple[str, str], tuple[str, str]] | None = None
        self.armed = False
        w.view.viewport().installEventFilter(self)

    def arm(self) -> None:
        self.seen, self.armed = None, True

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if self.armed and event.type() == QEvent.Type.Paint:
            self.armed = False
            self.seen = (panels_now(self.w), panels_from_values(self.w))
        return False


def open_demo(qtbot, w: MainWindow, tmp_path: Path) -> None:
    w.resize(1280, 800)
    with qtbot.waitSignal(w.treeLoaded, timeout=LOAD_TIMEOUT):
        assert w.open_tree(KernelTree(demo_tree(), build=tmp_path / "b"), prefer_defconfig=True)


def settle(qtbot, w: MainWindow) -> None:
    qtbot.waitUntil(lambda: not w.model.refreshing and w._pending_place is None
                    and not w.after_edit.isActive(), timeout=30_000)
    QApplication.processEvents()


def test_the_first_paint_after_space_shows_the_new_value_in_the_details_and_overview(qtbot, window: MainWindow,
                                                                                      tmp_path: Path):
    w = window
    open_demo(qtbot, w, tmp_path)
    lt = w.lt
    modv = lt.sym("MODVERSIONS")
    assert w.select_node(modv.nodes[0])
    w.view.setFocus()
    settle(qtbot, w)
    watch = FirstPaint(w)
    for _ in range(2):  # on and back
        was = lt.ev.str_value(modv)
        old_details = w.info.toPlainText()
        watch.arm()
        qtbot.keyClick(w.view, Qt.Key.Key_Space)
        now = lt.ev.str_value(modv)
        assert now != was
        qtbot.waitUntil(lambda: watch.seen is not None, timeout=10_000)
        shown, computed = watch.seen
        assert shown == computed
        assert f"Value: {now}" in shown[0] and f"Value: {was}" not in shown[0] and shown[0] != old_details
        settle(qtbot, w)
        assert panels_now(w) == panels_from_values(w)


def test_an_edit_elsewhere_updates_the_why_of_hidden_rust_before_the_next_paint(qtbot, window: MainWindow,
                                                                                tmp_path: Path):
    w = window
    open_demo(qtbot, w, tmp_path)
    lt = w.lt
    rust, modv = lt.sym("RUST"), lt.sym("MODVERSIONS")
    assert w.select_symbol("RUST") and w.act_show_all.isChecked()
    settle(qtbot, w)
    assert "Why" in w.info.toPlainText() and not lt.ev.visibility(rust)
    watch = FirstPaint(w)
    for value in (0 if lt.ev.tri(modv) else 2, lt.ev.tri(modv)):
        before = panels_now(w)
        watch.arm()
        assert w.model.set_symbol_value(modv, value)
        qtbot.waitUntil(lambda: watch.seen is not None, timeout=10_000)
        shown, computed = watch.seen
        assert shown == computed and shown != before  # the Why's MODVERSIONS term turned over
        settle(qtbot, w)


def test_before_paint_runs_once_for_many_starts_after_the_handler(qtbot):
    ran: list[int] = []
    bp = BeforePaint(lambda: ran.append(len(ran)))
    bp.start()
    bp.start()
    assert bp.isActive() and ran == []  # not inside the handler that asked
    qtbot.waitUntil(lambda: not bp.isActive())
    QApplication.processEvents()
    assert ran == [0]
    bp.start()
    bp.stop()
    QApplication.processEvents()
    assert ran == [0] and not bp.isActive()


def test_reasons_read_on_a_worker_are_the_reasons_read_in_place(qtbot, window: MainWindow, tmp_path: Path):
    w = window
    open_demo(qtbot, w, tmp_path)
    lt = w.lt
    hidden = [s for s in lt.symbols if s.nodes and s.nodes[0].prompt and not lt.ev.visibility(s)]
    assert len(hidden) >= 5
    sources._SOURCES.pop(lt.kconf, None)
    in_place = {s.name: why.one_line_reason(lt, s) for s in hidden}
    sources._SOURCES.pop(lt.kconf, None)
    src = sources.KconfigSources(lt)
    names = src.unread_files([s.nodes[0] for s in hidden])
    assert names and all(isinstance(n, str) for n in names)
    reader = threading.Thread(target=src.read_files, args=(names,))
    reader.start()
    reader.join()
    assert src.unread_files([s.nodes[0] for s in hidden]) == []
    assert {s.name: why.one_line_reason(lt, s) for s in hidden} == in_place


def test_hidden_rows_show_their_reasons_after_the_files_are_read(qtbot, window: MainWindow, tmp_path: Path):
    w = window
    open_demo(qtbot, w, tmp_path)
    lt = w.lt
    sources._SOURCES.pop(lt.kconf, None)
    assert w.select_symbol("RUST") and w.act_show_all.isChecked()
    settle(qtbot, w)
    idx = w.model.index_for_node(lt.sym("RUST").nodes[0])
    cell = w.model.index(idx.row(), w.model.COL_VALUE, idx.parent())
    expected = why.one_line_reason(lt, lt.sym("RUST"))
    qtbot.waitUntil(lambda: expected in str(cell.data()), timeout=10_000)
    assert not w.model._reader.running
