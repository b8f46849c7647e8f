"""The Compare configurations dialog: added, removed and changed symbols,
Rust rows highlighted, filtered by text."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QFont, QIcon
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from rustconfig_gui.errors import ConfigFileError
from rustconfig_gui.gui.style import style_for
from rustconfig_gui.kconfig.configfile import decode_config_bytes
from rustconfig_gui.workspace.diffconfig import ConfigDiff, DiffRow, diff_configs

# (old text, new text, old label, new label), or None when a side is unavailable
Comparison = tuple[str, str, str, str]
Source = Callable[[], Comparison]

_KIND_TEXT = {"added": "+ added", "removed": "− removed", "changed": "changed"}


def read_text(path: str | Path) -> str:
    p = Path(path)
    try:
        return decode_config_bytes(p.read_bytes(), str(p))[0]
    except FileNotFoundError:
        raise ConfigFileError(f"{p} does not exist.") from None
    except OSError as e:
        raise ConfigFileError(f"{p} cannot be read: {e.strerror}.") from None


class DiffDialog(QDialog):
    """A table of the differences between two configurations.

    Comparisons are offered in a drop-down (:meth:`add_source`); "Two files…"
    is always there.  :meth:`set_texts` shows any two texts directly.
    """

    COLUMNS = ("Change", "Symbol", "Old value", "New value")

    def __init__(self, parent: QWidget | None = None, rust_names: Iterable[str] = frozenset(),
                 rust_icon: QIcon | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Compare configurations")
        self.rust_names = frozenset(rust_names)
        self.rust_icon = rust_icon or QIcon()
        self.diff = ConfigDiff()
        self._sources: list[tuple[str, Source]] = []

        lay = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel("Compare:"))
        self.source = QComboBox()
        self.source.setAccessibleName("Comparison")
        self.source.setPlaceholderText("Choose what to compare")
        self.source.addItem("Two files…")
        self.source.setCurrentIndex(-1)
        self.source.activated.connect(self._on_source)
        top.addWidget(self.source, 1)
        lay.addLayout(top)

        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.caption.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.caption)

        row = QHBoxLayout()
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter by symbol or value")
        self.filter.setAccessibleName("Filter")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._fill)
        row.addWidget(self.filter, 1)
        self.rust_only = QCheckBox("Rust-related only")
        self.rust_only.toggled.connect(self._fill)
        row.addWidget(self.rust_only)
        lay.addLayout(row)

        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setAccessibleName("Differences")
        self.table.setHorizontalHeaderLabels(list(self.COLUMNS))
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.resizeSection(1, 300)
        header.resizeSection(2, 200)
        lay.addWidget(self.table, 1)

        self.counts = QLabel()
        self.counts.setAccessibleName("Counts")
        lay.addWidget(self.counts)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("Copy as text")
        self.copy_button.clicked.connect(self._copy)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.resize(900, 600)

    # -- what is compared ------------------------------------------------------------

    def add_source(self, label: str, source: Source) -> None:
        """Offer a comparison; ``source()`` returns (old, new, old label, new label)
        or raises ConfigFileError with one sentence."""
        self._sources.append((label, source))
        self.source.insertItem(self.source.count() - 1, label)

    def show_source(self, index: int) -> bool:
        """Run comparison ``index`` of :meth:`add_source`; False (and a message) when it cannot."""
        try:
            a, b, la, lb = self._sources[index][1]()
        except ConfigFileError as e:
            self.set_diff(ConfigDiff(), "", "")
            self.caption.setText(style_for(self).span("bad", _esc(str(e))))
            ok = False
        else:
            self.set_diff(diff_configs(a, b, self.rust_names), la, lb)
            ok = True
        self.source.setCurrentIndex(index)
        return ok

    def _on_source(self, index: int) -> None:
        if index < len(self._sources):
            self.show_source(index)
            return
        a, _ = QFileDialog.getOpenFileName(self, "Old configuration")
        if not a:
            return
        b, _ = QFileDialog.getOpenFileName(self, "New configuration", str(Path(a).parent))
        if b:
            self.compare_files(a, b)

    def compare_files(self, a: str | Path, b: str | Path) -> bool:
        try:
            self.set_texts(read_text(a), read_text(b), str(a), str(b))
        except ConfigFileError as e:
            self.caption.setText(style_for(self).span("bad", _esc(str(e))))
            return False
        self.source.setCurrentIndex(self.source.count() - 1)
        return True

    def set_texts(self, a_text: str, b_text: str, a_label: str, b_label: str) -> None:
        """Show the differences of two texts (the drop-down then shows none of its entries)."""
        self.source.setCurrentIndex(-1)
        self.set_diff(diff_configs(a_text, b_text, self.rust_names), a_label, b_label)

    def set_diff(self, diff: ConfigDiff, a_label: str, b_label: str) -> None:
        self.diff = diff
        if a_label or b_label:
            self.caption.setText(f"Old: <b>{_esc(a_label)}</b><br>New: <b>{_esc(b_label)}</b>")
        self._fill()

    # -- the table -------------------------------------------------------------------

    def visible_rows(self) -> list[DiffRow]:
        return self.diff.filtered(self.filter.text().strip(), rust_only=self.rust_only.isChecked()).rows()

    def _fill(self) -> None:
        rows = self.visible_rows()
        self.table.setSortingEnabled(False)
        self.table.setRowCount(len(rows))
        st = style_for(self.table)
        tint = QBrush(st.rust_tint())
        bold = QFont(self.table.font())
        bold.setBold(True)
        gray = QBrush(st.color("muted"))
        for i, r in enumerate(rows):
            cells = [_KIND_TEXT[r.kind], r.name, "—" if r.old is None else r.old, "—" if r.new is None else r.new]
            for col, text in enumerate(cells):
                it = QTableWidgetItem(text)
                if col >= 2 and (r.old if col == 2 else r.new) is None:
                    it.setForeground(gray)
                    it.setToolTip("not in this configuration")
                if r.rust:
                    it.setBackground(tint)
                    if col == 1:
                        it.setIcon(self.rust_icon)
                        it.setFont(bold)
                        it.setToolTip("Rust-related")
                it.setData(Qt.ItemDataRole.UserRole, r)
                self.table.setItem(i, col, it)
        d = self.diff
        shown = "" if len(rows) == len(d) else f" — showing {len(rows)}"
        self.counts.setText(f"{d.summary()}{shown}")

    def row_at(self, i: int) -> DiffRow | None:
        it = self.table.item(i, 0)
        return it.data(Qt.ItemDataRole.UserRole) if it is not None else None

    def _copy(self) -> None:
        from PySide6.QtGui import QGuiApplication

        text = ConfigDiff(*([r for r in self.visible_rows() if r.kind == k] for k in ("added", "removed", "changed")))
        QGuiApplication.clipboard().setText(text.text())


def _esc(s: str) -> str:
    import html

    return html.escape(s)


__all__ = ["DiffDialog", "read_text"]
