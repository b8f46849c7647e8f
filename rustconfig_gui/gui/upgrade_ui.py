"""Moving to a newer kernel in the window: a summary bar, the new-options review and
the list of what the new tree changed (Tools menu), kept up to date after each load.

The report (:mod:`rustconfig_gui.workspace.upgrade`) is computed in a worker on a
copy of the values, so a large tree stays responsive while it is made.  Answers
in the review go through :func:`set_value_undoably`, the one place this feature
changes a value.
"""

from __future__ import annotations

import dataclasses
import html
from pathlib import Path
from typing import Any

from kconfiglib import Symbol
from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from rustconfig_gui.errors import ConfigFileError
from rustconfig_gui.gui.jobs import JobRunner
from rustconfig_gui.kconfig import configfile
from rustconfig_gui.kconfig.configfile import ConfigReadReport
from rustconfig_gui.kconfig.loader import LoadedTree
from rustconfig_gui.workspace.upgrade import UpgradeReport, marks_new, upgrade_report


def set_value_undoably(window: Any, sym: Symbol, value: int | str) -> bool:
    """Set ``sym`` as an edit in the tree does: one step of the session's history."""
    return bool(window.session.set_value(sym, value))


def report_work(lt: LoadedTree, rep: ConfigReadReport):
    """The upgrade report of the configuration just loaded, on a copy of its values."""
    copy = dataclasses.replace(lt, ev=lt.values_copy())

    def work(_report, _stopped) -> tuple[LoadedTree, ConfigReadReport, UpgradeReport]:
        try:
            text, _ = configfile.decode_config_bytes(configfile.read_config_bytes(rep.filename), rep.filename)
        except ConfigFileError:
            text = ""
        return lt, rep, upgrade_report(copy, rep, text)

    return work


class UpgradeBar(QFrame):
    """"This configuration was written by 6.12.118 …" with links into the lists."""

    linkActivated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName("Configuration from an older kernel")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(8, 2, 8, 2)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.linkActivated.connect(self.linkActivated)
        self.dismiss = QPushButton("Dismiss")
        self.dismiss.clicked.connect(self.hide)
        lay.addWidget(self.label, 1)
        lay.addWidget(self.dismiss)
        self.hide()

    def show_report(self, report: UpgradeReport) -> None:
        name = html.escape(Path(report.filename).name)
        self.label.setText(
            f"<b>{name}</b> was written by Linux {html.escape(report.from_version or '?')}; on "
            f"{html.escape(report.to_version)}: <a href='upgrade:new'>{len(report.new)} new options</a> "
            f"({report.new_rust} Rust-related), <a href='upgrade:changed'>{len(report.changed)} values "
            f"changed</a>, <a href='upgrade:gone'>{len(report.gone)} options gone</a>"
            + (f", <a href='upgrade:refused'>{len(report.refused)} values refused</a>" if report.refused else "")
            + ".")
        self.show()


class UpgradeController(QObject):
    """Tools → Review new options… / What the new tree changed…, and the summary bar, for a
    MainWindow (uses its ``lt``, ``model``, ``tools_menu``, ``recovery_bar``,
    ``select_symbol()``, ``statusBar()`` and ``treeLoaded``)."""

    reportReady = Signal(object)

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.w = window
        self.report: UpgradeReport | None = None
        self._for: ConfigReadReport | None = None
        self.runner = JobRunner(self)
        self.runner.finished.connect(self._on_report)
        self._start_later = QTimer(self)
        self._start_later.setSingleShot(True)
        self._start_later.setInterval(window.BACKGROUND_DELAY_MS // 2)
        self._start_later.timeout.connect(self._start_report)
        self.review: Any = None
        self.changes: Any = None
        self.act_review = QAction("Review new options…", window)
        self.act_review.triggered.connect(lambda: self.open_review())
        self.act_changes = QAction("What the new tree changed…", window)
        self.act_changes.triggered.connect(lambda: self.open_changes())
        # the tree shows only the entries marked (NEW) and their menus; with the lens, the Rust ones
        self.act_new_only = QAction("New options only", window)
        self.act_new_only.setCheckable(True)
        self.act_new_only.setShortcut("Ctrl+Shift+N")
        self.act_new_only.setStatusTip("Show only the options marked (NEW) (combines with the Rust lens and search)")
        self.act_new_only.toggled.connect(self._toggle_new_only)
        self.act_new_only.setEnabled(False)
        for a in (self.act_review, self.act_changes):
            a.setEnabled(False)
        self.bar = UpgradeBar()
        self.bar.linkActivated.connect(self.on_link)
        window.treeLoaded.connect(self.refresh)
        window.treeLoaded.connect(self._follow_marks)
        # Load configuration…, Revert and their undo give the tree another configuration report
        window.session.subscribe(self._on_change)
        window.installEventFilter(self)

    def install(self) -> None:
        menu = self.w.tools_menu
        menu.addSeparator()
        menu.addAction(self.act_review)
        menu.addAction(self.act_changes)
        self.w.view_menu.addAction(self.act_new_only)

    def _toggle_new_only(self, on: bool) -> None:
        if on and not self.w.model.new_marks:
            self.act_new_only.setChecked(False)
            return
        if on != self.w.model.new_only:
            self.w._set_mode(new_only=on)

    def _follow_marks(self) -> None:
        """Another configuration (a load, Revert, their undo) or tree: the filter takes its marks."""
        marks = bool(self.w.model.new_marks)
        self.act_new_only.setEnabled(marks)
        if self.act_new_only.isChecked():
            if marks:
                self.w._set_mode(new_only=True)
            else:
                self.act_new_only.setChecked(False)
        # the bar goes below the recovery bar, above the tree
        lay = self.w.recovery_bar.parentWidget().layout()
        lay.insertWidget(lay.indexOf(self.w.recovery_bar) + 1, self.bar)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if obj is self.w and event.type() == QEvent.Type.Close:
            self._start_later.stop()
            self.runner.shutdown()
        return False

    # -- the report ----------------------------------------------------------------------

    def _on_change(self, _change: Any) -> None:
        before = self._for
        self._maybe_refresh()
        if self._for is not before:
            self._follow_marks()
        # an answer, an edit in the tree, an undo: the review's marks and details follow
        if self.review is not None and self.review.isVisible():
            self.review.refresh_states()

    def _maybe_refresh(self) -> None:
        lt = self.w.lt
        if lt is not None and lt.config_report is not self._for:
            self.refresh()

    def refresh(self) -> None:
        lt = self.w.lt
        self.bar.hide()
        self.report = None
        self._drop_dialogs()
        rep = lt.config_report if lt is not None else None
        self._for = rep
        for a in (self.act_review, self.act_changes):
            a.setEnabled(False)
        # a tree started from its defconfig has nothing new, nothing changed (marks_new)
        if lt is None or rep is None or not marks_new(lt) or self.runner.busy:
            return
        # after the tree is laid out and painted: a worker beside the first paint makes
        # the GUI thread wait for the GIL (~100 ms with a distribution's configuration)
        self._start_later.start()

    def _start_report(self) -> None:
        lt, rep = self.w.lt, self._for
        if lt is None or rep is None or lt.config_report is not rep or self.runner.busy:
            return  # another configuration came meanwhile (its refresh starts it), or one is running
        self.runner.start(report_work(lt, rep))

    def _drop_dialogs(self) -> None:
        """They show options of the configuration (and parse) that was replaced."""
        for dlg in (self.review, self.changes):
            if dlg is not None:
                dlg.close()
                dlg.deleteLater()
        self.review = self.changes = None

    def _on_report(self, answer: tuple[LoadedTree, ConfigReadReport, UpgradeReport]) -> None:
        lt, rep, report = answer
        if lt is not self.w.lt or rep is not lt.config_report:
            self.refresh()  # the configuration changed meanwhile: the newest wins
            return
        self.report = report
        for a in (self.act_review, self.act_changes):
            a.setEnabled(True)
        if report.from_version is not None and report.from_version != report.to_version:
            self.bar.show_report(report)
        self.reportReady.emit(report)

    # -- dialogs ---------------------------------------------------------------------------

    def on_link(self, link: str) -> None:
        if link == "upgrade:new":
            self.open_review()
        elif link.startswith("upgrade:"):
            self.open_changes(link.split(":", 1)[1])
        elif link.startswith("sym:"):
            self.w.select_symbol(link[4:])

    def open_review(self) -> Any:
        from rustconfig_gui.gui.dialogs.new_options import NewOptionsDialog

        if self.w.lt is None or self.report is None:
            return None
        if self.review is None or self.review.source is not self.report.new:
            self.review = NewOptionsDialog(self.w, self.w.lt, self.report.new,
                                           answer=lambda sym, value: set_value_undoably(self.w, sym, value),
                                           rust_icon=getattr(self.w.model, "rust_icon", None),
                                           goto=self.w.select_symbol)
        _bring_up(self.review)
        return self.review

    def open_changes(self, section: str = "changed") -> Any:
        from rustconfig_gui.gui.dialogs.upgrade_changes import UpgradeChangesDialog

        if self.w.lt is None or self.report is None:
            return None
        if self.changes is None or self.changes.report is not self.report:
            self.changes = UpgradeChangesDialog(self.w, self.report, goto=self.w.select_symbol,
                                                review=self.open_review)
        self.changes.show_section(section)
        _bring_up(self.changes)
        return self.changes


def _bring_up(dialog: QWidget) -> None:
    # not modal: the tree stays usable (a row's link selects its option there)
    if dialog.isVisible():
        dialog.raise_()
    else:
        dialog.show()


def install_upgrade_actions(window: Any) -> UpgradeController:
    ctl = UpgradeController(window)
    ctl.install()
    return ctl


__all__ = ["UpgradeBar", "UpgradeController", "install_upgrade_actions", "report_work", "set_value_undoably"]
