"""What the new tree changed in a configuration from an older kernel.

Three lists from :class:`~rustconfig_gui.workspace.upgrade.UpgradeReport`: values
the tree computes differently from what the file says (with the kind of change
and its reason from the why engine, Rust ones first and marked), options the
tree no longer has, and values it refused.  Activating a row selects the
option in the tree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from rustconfig_gui.workspace.upgrade import UpgradeReport

SECTIONS = ("changed", "gone", "refused")


def _table(headers: list[str], name: str) -> QTreeWidget:
    t = QTreeWidget()
    t.setAccessibleName(name)
    t.setRootIsDecorated(False)
    t.setAlternatingRowColors(True)
    t.setUniformRowHeights(True)
    t.setHeaderLabels(headers)
    t.header().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    return t


class UpgradeChangesDialog(QDialog):
    def __init__(self, parent: QWidget | None, report: UpgradeReport, *,
                 goto: Callable[[str], Any] | None = None, review: Callable[[], Any] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("UpgradeChangesDialog")
        self.setWindowTitle("What the new tree changed")
        self.report = report
        self._goto = goto
        self.resize(1100, 600)

        self.summary = QLabel(report.summary())
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Summary")
        self.tabs = QTabWidget()

        self.changed = _table(["Option", "In the file", "Now", "Kind", "Why"], "Values changed")
        for c in sorted(report.changed, key=lambda c: not c.rust):
            it = QTreeWidgetItem([("[Rust] " if c.rust else "") + f"CONFIG_{c.name}", c.written, c.now,
                                  c.kind, c.reason])
            it.setData(0, Qt.ItemDataRole.UserRole, c.name)
            it.setToolTip(4, c.reason)
            self.changed.addTopLevelItem(it)
        for col, width in enumerate((300, 150, 150, 100)):
            self.changed.setColumnWidth(col, width)

        self.gone = _table(["Option", "In the file", "Line"], "Options gone")
        for g in report.gone:
            it = QTreeWidgetItem([f"CONFIG_{g.name}", g.written, str(g.line)])
            it.setData(0, Qt.ItemDataRole.UserRole, None)
            self.gone.addTopLevelItem(it)
        self.gone.setColumnWidth(0, 360)

        self.refused = _table(["Option", "Why", "Line"], "Values refused")
        for r in report.refused:
            it = QTreeWidgetItem([("[Rust] " if r.rust else "") + f"CONFIG_{r.name}", r.message, str(r.line)])
            it.setData(0, Qt.ItemDataRole.UserRole, r.name)
            self.refused.addTopLevelItem(it)
        self.refused.setColumnWidth(0, 300)
        self.refused.setColumnWidth(1, 520)

        self.tables = {"changed": self.changed, "gone": self.gone, "refused": self.refused}
        for key, title, n in (("changed", "Values changed", len(report.changed)),
                              ("gone", "Options gone", len(report.gone)),
                              ("refused", "Values refused", len(report.refused))):
            t = self.tables[key]
            t.itemActivated.connect(self._activated)
            self.tabs.addTab(t, f"{title} ({n})")

        buttons = QHBoxLayout()
        self.review_button = QPushButton(f"Review {len(report.new)} new options…")
        self.review_button.setEnabled(review is not None and bool(report.new))
        if review is not None:
            self.review_button.clicked.connect(review)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        buttons.addWidget(self.review_button)
        buttons.addStretch(1)
        buttons.addWidget(close)

        lay = QVBoxLayout(self)
        lay.addWidget(self.summary)
        lay.addWidget(self.tabs, 1)
        lay.addLayout(buttons)

    def show_section(self, section: str) -> None:
        if section in SECTIONS:
            self.tabs.setCurrentIndex(SECTIONS.index(section))

    def _activated(self, item: QTreeWidgetItem, _column: int) -> None:
        name = item.data(0, Qt.ItemDataRole.UserRole)
        if name and self._goto is not None:
            self._goto(name)


__all__ = ["UpgradeChangesDialog"]
