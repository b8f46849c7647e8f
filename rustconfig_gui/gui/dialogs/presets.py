"""Presets in the window: the Apply presets dialog with its report, the Save
fragment dialog, and applying as one undoable step."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QFont, QKeySequence, QStandardItemModel, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from rustconfig_gui.errors import ConfigFileError
from rustconfig_gui.gui.style import on_palette_change, style_for
from rustconfig_gui.kconfig.configfile import write_atomic
from rustconfig_gui.kconfig.loader import LoadedTree
from rustconfig_gui.kconfig.semantics import UserState
from rustconfig_gui.workspace import presets
from rustconfig_gui.workspace.presets import ApplyReport, Fragment

FRAGMENT_ROLE = Qt.ItemDataRole.UserRole + 1
GROUPS = (("builtin", "Built-in presets"), ("user", "Your presets"), ("tree", "This tree's fragments"),
          ("file", "Other files"))


# -- the report -------------------------------------------------------------------------------


def report_html(report: ApplyReport, *, changes_limit: int = 200) -> str:
    esc = html.escape
    ok = report.ok and not report.warnings
    st = style_for()
    color = st.css("ok" if ok else "bad" if report.not_applied or report.missing else "warn")
    out = [f"<p style='{color}'><b>{esc(report.summary())}.</b></p>",
           "<p>Nothing is saved until you save the configuration; Edit → Undo takes it back.</p>"]
    if report.not_applied:
        out.append("<h3>Not applied</h3><ul>")
        for n in report.not_applied:
            now = n.actual_line or f"{n.actual or chr(34) * 2} (no line in .config)"
            out.append(f"<li><a href='sym:{esc(n.request.name)}'><code>{esc(n.request.line_text)}</code></a>"
                       f" {st.span('muted', f'({esc(n.request.where)})')}<br>"
                       f"now: <code>{esc(now)}</code><br><b>Why:</b> {esc(n.reason)}</li>")
        out.append("</ul>")
    if report.missing:
        out.append(f"<h3>Not in this tree (Linux {esc(report.version)})</h3><ul>")
        out += [f"<li><code>{esc(m.line_text)}</code> {st.span('muted', f'({esc(m.label)}:{m.line})')}</li>"
                for m in report.missing]
        out.append("</ul>")
    if report.overridden:
        out.append("<h3>Overridden by a later fragment</h3><ul>")
        out += [f"<li><code>{esc(o.earlier)}</code> {st.span('muted', f'({esc(o.earlier_where)})')} "
                f"→ <code>{esc(o.later)}</code> {st.span('muted', f'({esc(o.later_where)})')}</li>"
                for o in report.overridden]
        out.append("</ul>")
    if report.warnings:
        out.append("<h3>Lines not taken</h3><ul>")
        out += [f"<li>{esc(str(i))}</li>" for i in report.warnings]
        out.append("</ul>")
    rows = report.changes.rows()
    if rows:
        out.append(f"<h3>Changed values ({esc(report.changes.summary())})</h3><table cellspacing='2'>")
        for r in rows[:changes_limit]:
            style = f" style='{st.rust_tint_css()}'" if r.rust else ""
            old = "—" if r.old is None else r.old
            new = "—" if r.new is None else r.new
            out.append(f"<tr{style}><td><a href='sym:{esc(r.name)}'>{esc(r.name)}</a></td>"
                       f"<td>{esc(old)} → {esc(new)}</td></tr>")
        out.append("</table>")
        if len(rows) > changes_limit:
            out.append(f"<p>… and {len(rows) - changes_limit} more.</p>")
    return "".join(out)


# -- undo -------------------------------------------------------------------------------------


class ApplyPresetsCommand(QUndoCommand):
    """Applying fragments as one step: the first redo applies them, later
    redos and undos put back the complete user input (``ev.restore``)."""

    def __init__(self, lt: LoadedTree, fragments: Sequence[Fragment],
                 on_change: Callable[[], None] | None = None, parent: QUndoCommand | None = None) -> None:
        titles = ", ".join(f.title for f in fragments) or "no presets"
        super().__init__(f"Apply {titles}", parent)
        self.lt = lt
        self.fragments = list(fragments)
        self.on_change = on_change
        self.report: ApplyReport | None = None

    def redo(self) -> None:
        if self.report is None:
            self.report = presets.apply_fragments(self.lt, self.fragments)
        else:
            self.lt.ev.restore(self.report.after)
        if self.on_change is not None:
            self.on_change()

    def undo(self) -> None:
        assert self.report is not None
        self.lt.ev.restore(self.report.before)
        if self.on_change is not None:
            self.on_change()


class SnapshotCommand(QUndoCommand):
    """Any other change, recorded as the user input before and after it."""

    def __init__(self, lt: LoadedTree, text: str, before: UserState, after: UserState,
                 on_change: Callable[[], None] | None = None) -> None:
        super().__init__(text)
        self.lt = lt
        self.before = before
        self.after = after
        self.on_change = on_change
        self._done = True  # pushed after the change was made

    def redo(self) -> None:
        if self._done:
            self._done = False
            return
        self.lt.ev.restore(self.after)
        if self.on_change is not None:
            self.on_change()

    def undo(self) -> None:
        self.lt.ev.restore(self.before)
        if self.on_change is not None:
            self.on_change()


# -- Apply presets ----------------------------------------------------------------------------


class PresetsDialog(QDialog):
    """Built-in, user and tree presets with checkboxes; the checked ones are
    applied in the order shown on the right (later ones win)."""

    def __init__(self, parent: QWidget | None = None, fragments: Sequence[Fragment] = (),
                 apply: Callable[[list[Fragment]], ApplyReport | None] | None = None,
                 link: Callable[[str], None] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Apply presets")
        self.apply_fn = apply
        self.link_fn = link
        self.report: ApplyReport | None = None
        lay = QVBoxLayout(self)
        intro = QLabel("Check the presets to apply. They are merged in the order on the right, like the "
                       "kernel's merge_config.sh: a later preset wins, then every other value is worked out "
                       "as by 'make olddefconfig'.")
        intro.setWordWrap(True)
        lay.addWidget(intro)

        split = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        self.tree = QTreeWidget()
        self.tree.setAccessibleName("Available presets")
        self.tree.setHeaderLabels(["Preset", "File"])
        self.tree.setColumnWidth(0, 260)
        self.tree.itemChanged.connect(self._on_item_changed)
        self.tree.currentItemChanged.connect(lambda cur, _prev: self._describe(cur))
        ll.addWidget(self.tree, 1)
        add = QPushButton("Add a fragment file…")
        add.clicked.connect(self._add_file_dialog)
        ll.addWidget(add)
        split.addWidget(left)

        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(QLabel("Apply in this order:"))
        self.order = QListWidget()
        self.order.setAccessibleName("Order of application")
        self.order.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.order.currentItemChanged.connect(lambda cur, _prev: self._describe(cur))
        rl.addWidget(self.order, 1)
        row = QHBoxLayout()
        self.up = QPushButton("Move up")
        self.up.clicked.connect(lambda: self.move_current(-1))
        self.down = QPushButton("Move down")
        self.down.clicked.connect(lambda: self.move_current(1))
        row.addWidget(self.up)
        row.addWidget(self.down)
        rl.addLayout(row)
        split.addWidget(right)
        split.setSizes([460, 300])
        lay.addWidget(split, 2)

        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setAccessibleName("Preset contents")
        self.details.setMaximumHeight(130)
        lay.addWidget(self.details)

        self.report_view = QTextBrowser()
        on_palette_change(self.report_view, lambda: self.report is not None
                          and self.report_view.setHtml(report_html(self.report)))
        self.report_view.setAccessibleName("Report")
        self.report_view.setOpenLinks(False)
        self.report_view.anchorClicked.connect(self._on_link)
        self.report_view.setPlaceholderText("The report appears here after Apply.")
        lay.addWidget(self.report_view, 2)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.apply_button = QPushButton("Apply")
        self.apply_button.setDefault(True)
        self.apply_button.clicked.connect(self.apply_checked)
        buttons.addButton(self.apply_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)

        self._groups: dict[str, QTreeWidgetItem] = {}
        for f in fragments:
            self.add_fragment(f)
        self.tree.expandAll()
        self._update_buttons()
        self.resize(820, 720)

    # -- the list ----------------------------------------------------------------------

    def _group(self, origin: str) -> QTreeWidgetItem:
        g = self._groups.get(origin)
        if g is None:
            title = dict(GROUPS).get(origin, origin)
            g = QTreeWidgetItem([title])
            g.setFlags(Qt.ItemFlag.ItemIsEnabled)
            f = g.font(0)
            f.setBold(True)
            g.setFont(0, f)
            rank = [o for o, _ in GROUPS]
            pos = sum(1 for o in self._groups if (rank.index(o) if o in rank else 99)
                      < (rank.index(origin) if origin in rank else 99))
            self.tree.insertTopLevelItem(pos, g)
            self._groups[origin] = g
        return g

    def add_fragment(self, frag: Fragment, checked: bool = False) -> QTreeWidgetItem:
        self.tree.blockSignals(True)
        try:
            it = QTreeWidgetItem([frag.title, _short(frag)])
            it.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsUserCheckable)
            it.setCheckState(0, Qt.CheckState.Unchecked)
            it.setData(0, FRAGMENT_ROLE, frag)
            tip = frag.description or frag.label
            it.setToolTip(0, tip)
            it.setToolTip(1, str(frag.path) if frag.path else frag.label)
            self._group(frag.origin).addChild(it)
            self._group(frag.origin).setExpanded(True)
        finally:
            self.tree.blockSignals(False)
        if checked:
            it.setCheckState(0, Qt.CheckState.Checked)
        return it

    def add_file(self, path: str | Path, checked: bool = True) -> Fragment | None:
        try:
            frag = Fragment.from_file(path)
        except ConfigFileError as e:
            self.report_view.setHtml(f"<p style='{style_for(self).css('bad')}'>{html.escape(str(e))}</p>")
            return None
        self.add_fragment(frag, checked=checked)
        return frag

    def _add_file_dialog(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Add a config fragment", "",
                                              "Config fragments (*.config);;All files (*)")
        if name:
            self.add_file(name)

    def items(self) -> list[QTreeWidgetItem]:
        """Every preset row, group by group."""
        out: list[QTreeWidgetItem] = []
        for i in range(self.tree.topLevelItemCount()):
            g = self.tree.topLevelItem(i)
            if g is not None:
                out += [c for j in range(g.childCount()) if (c := g.child(j)) is not None]
        return out

    def item_for(self, name: str) -> QTreeWidgetItem | None:
        """The row of a preset by name (``rust-support``), label or title."""
        for it in self.items():
            f: Fragment = it.data(0, FRAGMENT_ROLE)
            if name in (f.name, f.label, f.title):
                return it
        return None

    def set_checked(self, name: str, on: bool = True) -> bool:
        it = self.item_for(name)
        if it is None:
            return False
        it.setCheckState(0, Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
        return True

    def _on_item_changed(self, it: QTreeWidgetItem, column: int) -> None:
        frag = it.data(0, FRAGMENT_ROLE)
        if column != 0 or frag is None:
            return
        row = self._order_row(frag)
        if it.checkState(0) == Qt.CheckState.Checked and row < 0:
            o = QListWidgetItem(f"{frag.title}  ({_short(frag)})")
            o.setData(FRAGMENT_ROLE, frag)
            o.setToolTip(frag.description or frag.label)
            self.order.addItem(o)
        elif it.checkState(0) != Qt.CheckState.Checked and row >= 0:
            self.order.takeItem(row)
        self._update_buttons()

    def _order_row(self, frag: Fragment) -> int:
        for i in range(self.order.count()):
            if self.order.item(i).data(FRAGMENT_ROLE) is frag:
                return i
        return -1

    def checked_fragments(self) -> list[Fragment]:
        """The checked presets in the order they will be applied."""
        return [self.order.item(i).data(FRAGMENT_ROLE) for i in range(self.order.count())]

    def move_row(self, row: int, delta: int) -> bool:
        new = row + delta
        if not (0 <= row < self.order.count() and 0 <= new < self.order.count()):
            return False
        it = self.order.takeItem(row)
        self.order.insertItem(new, it)
        self.order.setCurrentRow(new)
        return True

    def move_current(self, delta: int) -> bool:
        return self.move_row(self.order.currentRow(), delta)

    def _update_buttons(self) -> None:
        n = self.order.count()
        self.apply_button.setEnabled(n > 0 and self.apply_fn is not None)
        self.apply_button.setText("Apply" if n < 2 else f"Apply {n} presets")
        self.up.setEnabled(n > 1)
        self.down.setEnabled(n > 1)

    def _describe(self, it: Any) -> None:
        if it is None:
            return
        frag = it.data(0, FRAGMENT_ROLE) if isinstance(it, QTreeWidgetItem) else it.data(FRAGMENT_ROLE)
        if frag is None:
            return
        body = "".join(f"{a.text}\n" for a in frag.assignments)
        head = f"{frag.title} — {frag.label}\n" + (f"{frag.description}\n" if frag.description else "")
        self.details.setPlainText(head + "\n" + (body or "(no assignments)\n"))

    # -- applying ----------------------------------------------------------------------

    def apply_checked(self) -> ApplyReport | None:
        frags = self.checked_fragments()
        if not frags or self.apply_fn is None:
            return None
        report = self.apply_fn(frags)
        if report is not None:
            self.show_report(report)
        return report

    def show_report(self, report: ApplyReport) -> None:
        self.report = report
        self.report_view.setHtml(report_html(report))

    def _on_link(self, url: Any) -> None:
        if self.link_fn is not None:
            self.link_fn(url.toString())


def _short(frag: Fragment) -> str:
    """The file as a list shows it: tree-relative for the tree's and built-in ones, else the name."""
    if frag.origin in ("user", "file") and frag.path is not None:
        return frag.path.name
    return frag.label


# -- Save fragment ----------------------------------------------------------------------------


SOURCES = (
    ("changes", "Changes since the tree was opened"),
    ("rust-changes", "Rust-related values you changed"),
    ("defconfig", "Differences from the arch's defconfig"),
    ("start", "Differences from the configuration file loaded at start"),
    ("minimal", "Minimal config (what 'make savedefconfig' writes)"),
)


class SaveFragmentDialog(QDialog):
    """Save a fragment (or the minimal config) to the preset folder or a file."""

    def __init__(self, parent: QWidget | None, lt: LoadedTree, opened: UserState | None = None,
                 start_text: str | None = None, rust_syms: frozenset[Any] = frozenset(),
                 start_label: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Save fragment")
        self.lt = lt
        self.opened = opened
        self.start_text = start_text
        self.rust_syms = rust_syms
        self.saved_path: Path | None = None
        form = QFormLayout(self)
        self.source = QComboBox()
        self.source.setAccessibleName("What to save")
        for key, label in SOURCES:
            if key == "start" and start_label:
                label += f" ({start_label})"
            elif key == "defconfig" and lt.defconfig_path() is not None:
                label += f" ({lt.defconfig_name})"
            self.source.addItem(label, key)
        self.source.currentIndexChanged.connect(self._refresh)
        form.addRow("Save:", self.source)
        self.title = QLineEdit()
        self.title.setAccessibleName("Title")
        self.title.setPlaceholderText("shown in the presets list")
        self.title.textChanged.connect(self._refresh)
        form.addRow("Title:", self.title)
        self.description = QLineEdit()
        self.description.setAccessibleName("Description")
        self.description.textChanged.connect(self._refresh)
        form.addRow("Description:", self.description)
        self.preview = QPlainTextEdit()
        self.preview.setReadOnly(True)
        self.preview.setAccessibleName("Fragment preview")
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.preview.setFont(mono)
        form.addRow(self.preview)
        self.note = QLabel()
        self.note.setWordWrap(True)
        form.addRow(self.note)
        name_row = QHBoxLayout()
        self.name = QLineEdit()
        self.name.setAccessibleName("Preset name")
        self.name.setPlaceholderText("my-rust-setup")
        name_row.addWidget(self.name, 1)
        self.save_button = QPushButton("Save as preset")
        self.save_button.clicked.connect(self._save_clicked)
        name_row.addWidget(self.save_button)
        form.addRow("Preset name:", name_row)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.export_button = QPushButton("Export…")
        self.export_button.clicked.connect(self._export_clicked)
        buttons.addButton(self.export_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self._enable_sources()
        self._refresh()
        self.resize(720, 560)

    def _enable_sources(self) -> None:
        model = self.source.model()
        assert isinstance(model, QStandardItemModel)
        available = {"changes": self.opened is not None, "rust-changes": self.opened is not None,
                     "defconfig": self.lt.defconfig_path() is not None, "start": self.start_text is not None,
                     "minimal": True}
        for i in range(self.source.count()):
            model.item(i).setEnabled(available[self.source.itemData(i)])
        if not available[self.source.currentData()]:
            self.source.setCurrentIndex(next(i for i in range(self.source.count())
                                             if available[self.source.itemData(i)]))

    def set_source(self, key: str) -> None:
        self.source.setCurrentIndex(self.source.findData(key))

    def fragment_text(self) -> str:
        """What Save and Export write."""
        key = self.source.currentData()
        lt = self.lt
        if key == "minimal":
            # byte for byte what make savedefconfig writes: no header
            return lt.min_config_text()
        head = presets.header(lt, self.title.text().strip(), self.description.text().strip())
        if key == "changes" and self.opened is not None:
            return presets.fragment_from_changes(lt, self.opened, header=head)
        if key == "rust-changes" and self.opened is not None:
            syms = [s for s in presets.touched_symbols(lt, self.opened) if s in self.rust_syms]
            return presets.fragment_for(lt, syms, header=head)
        if key == "defconfig":
            path = lt.defconfig_path()
            base = path.read_bytes().decode("utf-8", "replace") if path is not None else ""
            return presets.fragment_from_base(lt, base, header=head)
        if key == "start" and self.start_text is not None:
            return presets.fragment_from_base(lt, self.start_text, header=head)
        return head

    def _refresh(self) -> None:
        text = self.fragment_text()
        self.preview.setPlainText(text)
        n = sum(1 for _ in presets.scan_assignments(text))
        minimal = self.source.currentData() == "minimal"
        self.note.setText(f"{n} line{'s' if n != 1 else ''}." + (
            " Byte for byte what 'make savedefconfig' writes for this configuration." if minimal else
            " The header records the tree's version, ARCH and the date."))
        self.save_button.setEnabled(not minimal)

    def save_preset(self, name: str) -> Path:
        path = presets.save_user_preset(name, self.fragment_text())
        self.saved_path = path
        return path

    def export_to(self, path: str | Path) -> Path:
        p = Path(path)
        write_atomic(p, self.fragment_text(), keep_old=False)
        self.saved_path = p
        return p

    def _save_clicked(self) -> None:
        try:
            path = self.save_preset(self.name.text().strip() or "untitled")
        except ConfigFileError as e:
            QMessageBox.warning(self, "Not saved", str(e))
            return
        self.note.setText(f"Saved as {path}; it is now listed under Your presets.")

    def _export_clicked(self) -> None:
        suggested = "defconfig" if self.source.currentData() == "minimal" else \
            (self.name.text().strip() or "fragment") + ".config"
        name, _ = QFileDialog.getSaveFileName(self, "Export fragment", str(Path.home() / suggested))
        if not name:
            return
        try:
            path = self.export_to(name)
        except ConfigFileError as e:
            QMessageBox.warning(self, "Not saved", str(e))
            return
        self.note.setText(f"Exported to {path}.")


# -- in the main window -----------------------------------------------------------------------


class PresetsController(QObject):
    """The Presets menu, Edit → Undo/Redo and the state they need, for a
    MainWindow (uses its ``lt``, ``model``, ``rust_syms``, ``config_path``,
    ``modified``, ``statusBar()``, ``select_symbol()``, ``_after_bulk_change()``,
    ``_update_title()`` and ``treeLoaded``)."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.w = window
        self.stack = QUndoStack(self)
        self.opened: UserState | None = None
        self.start_text: str | None = None
        self.start_label = ""
        self._last: UserState | None = None
        self.last_report: ApplyReport | None = None

        def act(text: str, slot: Callable[[], Any], shortcut: Any = None) -> QAction:
            a = QAction(text, window)
            if shortcut is not None:
                a.setShortcut(QKeySequence(shortcut))
            a.triggered.connect(slot)
            return a

        self.act_undo = act("Undo", self.undo, QKeySequence.StandardKey.Undo)
        self.act_redo = act("Redo", self.redo, QKeySequence.StandardKey.Redo)
        self.act_apply = act("Apply presets…", self.open_apply_dialog)
        self.act_save = act("Save fragment…", self.open_save_dialog)
        self.act_diff = act("Compare configurations…", self.open_diff_dialog)
        self.stack.canUndoChanged.connect(self.act_undo.setEnabled)
        self.stack.canRedoChanged.connect(self.act_redo.setEnabled)
        self.stack.undoTextChanged.connect(lambda t: self.act_undo.setText(f"Undo {t}" if t else "Undo"))
        self.stack.redoTextChanged.connect(lambda t: self.act_redo.setText(f"Redo {t}" if t else "Redo"))
        self.act_undo.setEnabled(False)
        self.act_redo.setEnabled(False)
        for a in (self.act_apply, self.act_save, self.act_diff):
            a.setEnabled(False)
        window.treeLoaded.connect(self.on_tree_loaded)
        window.model.valueEdited.connect(self.on_value_edited)

    def add_menus(self) -> None:
        bar = self.w.menuBar()
        # Edit goes between File and View, where menus usually have it
        view = next((a for a in bar.actions() if a.text() == "&View"), None)
        edit = QMenu("&Edit", bar)
        if view is not None:
            bar.insertMenu(view, edit)
        else:
            bar.addMenu(edit)
        edit.addAction(self.act_undo)
        edit.addAction(self.act_redo)
        menu = bar.addMenu("&Presets")
        menu.addAction(self.act_apply)
        menu.addAction(self.act_save)
        menu.addSeparator()
        menu.addAction(self.act_diff)

    # -- state ---------------------------------------------------------------------------

    def on_tree_loaded(self) -> None:
        lt = self.w.lt
        # snapshots hold the symbols of one parse; a new parse starts over
        self.stack.clear()
        self.opened = lt.ev.snapshot()
        # the file the configuration came from, as it is on disk
        self.start_text, self.start_label = None, ""
        rep = lt.config_report
        if rep is not None and Path(rep.filename).is_file():
            try:
                self.start_text = Path(rep.filename).read_bytes().decode("utf-8", "replace")
                self.start_label = Path(rep.filename).name
            except OSError:
                pass
        self._last = self.opened
        for a in (self.act_apply, self.act_save, self.act_diff):
            a.setEnabled(True)

    def on_value_edited(self, sym: Any) -> None:
        lt = self.w.lt
        if lt is None or self._last is None:
            return
        now = lt.ev.snapshot()
        name = getattr(sym, "name", "value")
        self.stack.push(SnapshotCommand(lt, f"change {name}", self._last, now, self.config_replaced))
        self._last = now

    def config_replaced(self) -> None:
        self._last = self.w.lt.ev.snapshot()
        self.w.modified = True
        self.w._after_bulk_change()

    def _in_step(self) -> bool:
        """True when the configuration is still what the undo history last left;
        after Load config or Revert it is not, and the history no longer applies."""
        lt = self.w.lt
        if lt is None or self._last is None:
            return False
        if lt.ev.snapshot() != self._last:
            self.stack.clear()
            self._last = lt.ev.snapshot()
            self.w.statusBar().showMessage("The configuration was replaced since; nothing to undo.", 8000)
            return False
        return True

    def undo(self) -> None:
        if self._in_step():
            self.stack.undo()

    def redo(self) -> None:
        if self._in_step():
            self.stack.redo()

    # -- actions ---------------------------------------------------------------------------

    def apply(self, fragments: list[Fragment]) -> ApplyReport | None:
        """Apply as one undoable step; the report of it."""
        lt = self.w.lt
        if lt is None:
            return None
        if self._last is not None and lt.ev.snapshot() != self._last:
            self.stack.clear()
        cmd = ApplyPresetsCommand(lt, fragments, self.config_replaced)
        self.stack.push(cmd)
        self.last_report = cmd.report
        if cmd.report is not None:
            self.w.statusBar().showMessage(f"Presets applied: {cmd.report.summary()}.", 15000)
        return cmd.report

    def presets_dialog(self) -> PresetsDialog:
        frags = presets.all_presets(self.w.lt)
        return PresetsDialog(self.w, frags, apply=self.apply, link=self._link)

    def _link(self, link: str) -> None:
        if link.startswith("sym:"):
            self.w.select_symbol(link[4:])

    def save_dialog(self) -> SaveFragmentDialog:
        return SaveFragmentDialog(self.w, self.w.lt, self.opened, self.start_text, self.w.rust_syms,
                                  self.start_label)

    def diff_dialog(self) -> Any:
        from rustconfig_gui.gui.dialogs.diff import DiffDialog, read_text

        w = self.w
        lt = w.lt
        dlg = DiffDialog(w, {s.name for s in w.rust_syms}, getattr(w.model, "rust_icon", None))
        path: Path = w.config_path or lt.tree.config_path
        old = path.with_name(path.name + ".old")
        dlg.add_source(f"{path} → current configuration",
                       lambda: (read_text(path), lt.config_text(), str(path), "current configuration (unsaved)"))
        dlg.add_source(f"{old} → current configuration",
                       lambda: (read_text(old), lt.config_text(), str(old), "current configuration (unsaved)"))
        dlg.add_source(f"{old} → {path}", lambda: (read_text(old), read_text(path), str(old), str(path)))
        dlg.show_source(0)
        return dlg

    def open_apply_dialog(self) -> None:
        if self.w.lt is not None:
            _show(self.presets_dialog())

    def open_save_dialog(self) -> None:
        if self.w.lt is not None:
            _show(self.save_dialog())

    def open_diff_dialog(self) -> None:
        if self.w.lt is not None:
            _show(self.diff_dialog())


def _show(dialog: QDialog) -> None:
    # not modal: the tree stays usable (a reason's link selects its symbol)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    dialog.raise_()


def install_preset_actions(window: Any) -> PresetsController:
    """Add Edit → Undo/Redo and the Presets menu to a MainWindow."""
    ctl = PresetsController(window)
    ctl.add_menus()
    return ctl


__all__ = ["ApplyPresetsCommand", "PresetsController", "PresetsDialog", "SaveFragmentDialog", "SnapshotCommand",
           "install_preset_actions", "report_html"]
