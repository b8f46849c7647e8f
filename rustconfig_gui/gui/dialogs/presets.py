"""Presets in the window: the Apply presets dialog with its report, the Save
fragment dialog, and applying as one undoable step."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QKeyEvent, QStandardItemModel
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
from rustconfig_gui.gui.dialogs.enter import enter_presses, press_focused
from rustconfig_gui.gui.dialogs.presets_actions import PresetsController, install_preset_actions
from rustconfig_gui.gui.jobs import JobRunner
from rustconfig_gui.gui.style import on_palette_change, style_for
from rustconfig_gui.host.lazy import LazyModule
from rustconfig_gui.kconfig.configfile import write_atomic
from rustconfig_gui.kconfig.loader import LoadedTree
from rustconfig_gui.kconfig.semantics import UserState
from rustconfig_gui.kconfig.tree import KernelTree

if TYPE_CHECKING:
    from rustconfig_gui.workspace import fragments, presets
    from rustconfig_gui.workspace.presets import ApplyReport, Fragment
else:  # imported when a presets dialog first needs them, not while the window starts
    fragments = LazyModule("rustconfig_gui.workspace.fragments")
    presets = LazyModule("rustconfig_gui.workspace.presets")

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
        k = len(report.groups)
        out.append("<h3>Not applied" + (f": {k} cause{'s' if k != 1 else ''}" if k else "") + "</h3>")
        for g, items in report.grouped():
            roots = {r.partition("=")[0] for r in g.roots} if g is not None else set()
            if g is not None:
                link = f" &nbsp;<a href='fix:{esc(g.fix)}'>Make available…</a>" if g.fix else ""
                out.append(f"<p><b>{esc(g.headline())}</b>{link}</p>")
            out.append("<ul>")
            for n in items:
                item = (f"<li><a href='sym:{esc(n.request.name)}'><code>{esc(n.request.line_text)}</code></a>"
                        f" {st.span('muted', f'({esc(n.request.where)})')}")
                if g is None or n.request.name in roots:
                    now = n.actual_line or f"{n.actual or chr(34) * 2} (no line in .config)"
                    item += f"<br>now: <code>{esc(now)}</code><br><b>Why:</b> {esc(n.reason)}"
                out.append(item + "</li>")
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
    values = [r for r in rows if presets.is_value_change(r.old, r.new)]
    not_set = [r for r in rows if not presets.is_value_change(r.old, r.new)]
    if values:
        out.append(f"<h3>Changed values ({len(values)})</h3><table cellspacing='2'>")
        for r in values[:changes_limit]:
            style = f" style='{st.rust_tint_css()}'" if r.rust else ""
            old = "—" if r.old is None else r.old
            new = "—" if r.new is None else r.new
            out.append(f"<tr{style}><td><a href='sym:{esc(r.name)}'>{esc(r.name)}</a></td>"
                       f"<td>{esc(old)} → {esc(new)}</td></tr>")
        out.append("</table>")
        if len(values) > changes_limit:
            out.append(f"<p>… and {len(values) - changes_limit} more.</p>")
    if not_set:
        came = [r.name for r in not_set if r.new is not None]
        went = [r.name for r in not_set if r.new is None]
        muted = st.css("muted")
        out.append(f"<h3>'is not set' lines ({len(not_set)})</h3><p style='{muted}'>")
        if came:
            out.append(f"added (now shown, off): {esc(', '.join(came[:changes_limit]))}"
                       + (" …" if len(came) > changes_limit else "") + "<br>")
        if went:
            out.append(f"removed (now hidden): {esc(', '.join(went[:changes_limit]))}"
                       + (" …" if len(went) > changes_limit else ""))
        out.append("</p>")
    return "".join(out)


# -- Apply presets ----------------------------------------------------------------------------


class PresetsDialog(QDialog):
    """Built-in, user and tree presets with checkboxes; the checked ones are
    applied in the order shown on the right (later ones win)."""

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        if not press_focused(self, event):
            super().keyPressEvent(event)

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
        for b in (self.up, self.down):
            row.addWidget(b)
        rl.addLayout(row)
        split.addWidget(right)
        split.setSizes([460, 300])

        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setAccessibleName("Preset contents")
        self.details.setPlaceholderText("The lines of the selected preset appear here.")
        self.details.setMaximumHeight(130)

        self.report_view = QTextBrowser()
        on_palette_change(self.report_view, self._render_report)
        self.report_view.setAccessibleName("Report")
        self.report_view.setOpenLinks(False)
        self.report_view.anchorClicked.connect(self._on_link)
        self.report_view.setPlaceholderText("The report appears here after Apply.")

        # the presets take the room until there is a report; the report then takes most of it
        # (the divider moves either way)
        lower = QWidget()
        low = QVBoxLayout(lower)
        low.setContentsMargins(0, 0, 0, 0)
        low.addWidget(self.details)
        low.addWidget(self.report_view, 1)
        self.body = QSplitter(Qt.Orientation.Vertical)
        self.body.setChildrenCollapsible(False)
        self.body.addWidget(split)
        self.body.addWidget(lower)
        self.body.setStretchFactor(0, 3)
        self.body.setStretchFactor(1, 2)
        lay.addWidget(self.body, 1)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.apply_button = QPushButton("Apply")
        self.apply_button.setDefault(True)
        self.apply_button.clicked.connect(self.apply_checked)
        buttons.addButton(self.apply_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        enter_presses(self.apply_button, add, self.up, self.down, buttons)

        self._groups: dict[str, QTreeWidgetItem] = {}
        for f in fragments:
            self.add_fragment(f)
        self.tree.expandAll()
        # the first preset is the current row: its lines are shown, Space checks it
        first = next(iter(self.items()), None)
        if first is not None:
            self.tree.setCurrentItem(first)
        self._update_buttons()
        self.resize(820, 720)
        self.body.setSizes([420, 200])

    # -- the list ----------------------------------------------------------------------

    def _render_report(self) -> None:
        if self.report is not None:
            self.report_view.setHtml(report_html(self.report))

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
            frag = presets.Fragment.from_file(path)
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
        enter_presses(self.apply_button)  # a button disabled meanwhile gives it up
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
        first = self.report is None
        self.report = report
        self.report_view.setHtml(report_html(report))
        if first:
            # the first report: most of the room goes to it, the presets keep a few rows
            total = sum(self.body.sizes())
            self.body.setSizes([min(260, total // 3), total - min(260, total // 3)])

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
BASES: tuple[tuple[str | None, str], ...] = (
    ("defconfig", "the tree's defconfig"),
    ("start", "the configuration file loaded at start"),
    (None, "nothing: keep only the chosen lines"),
)


class SaveFragmentDialog(QDialog):
    """Save a fragment (or the minimal config) to the preset folder or a file.

    The fragment's lines, with what they need on the chosen base and the proof
    that they stick there, are worked out once per choice of source and base,
    in a worker on a copy of the values; Title and Description only change the
    header in front of them."""

    check_view: QLabel

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        if not press_focused(self, event):
            super().keyPressEvent(event)

    def __init__(self, parent: QWidget | None, lt: LoadedTree, opened: UserState | None = None,
                 start_text: str | None = None, rust_syms: frozenset[Any] = frozenset(),
                 start_label: str = "", other_trees: Sequence[KernelTree] = ()) -> None:
        super().__init__(parent)
        self.setWindowTitle("Save fragment")
        self.other_trees = list(other_trees)
        self.checks: list[fragments.TreeCheck] | None = None
        self.check_runner = JobRunner(self)
        self.check_runner.progress.connect(lambda text: self.check_view.setText(html.escape(f"Checking: {text}…")))
        self.check_runner.finished.connect(self._on_checked)
        self.check_runner.failed.connect(
            lambda message: self.check_view.setText(style_for(self).span("bad", html.escape(message))))
        self.check_runner.busyChanged.connect(lambda _busy: self._enable_buttons())
        self.lt = lt
        self.opened = opened
        self.start_text = start_text
        self.rust_syms = rust_syms
        self.given = fragments.SaveInput(opened, start_text, start_label, rust_syms)
        self.saved_path: Path | None = None
        self.computed: fragments.Saved | None = None
        self.runner = JobRunner(self)
        self.runner.finished.connect(self._on_computed)
        self.runner.failed.connect(self._on_failed)
        form = QFormLayout(self)
        self.source = QComboBox()
        self.source.setAccessibleName("What to save")
        def named(key: str | None, label: str) -> str:
            """The file behind "the file loaded at start" and "the defconfig", when there is one."""
            if key == "start" and start_label:
                return f"{label} ({start_label})"
            if key == "defconfig" and lt.defconfig_path() is not None:
                return f"{label} ({lt.defconfig_name})"
            return label

        for key, label in SOURCES:
            self.source.addItem(named(key, label), key)
        self.source.currentIndexChanged.connect(self._recompute)
        form.addRow("Save:", self.source)
        self.base = QComboBox()
        self.base.setAccessibleName("Add what the lines need on")
        self.base.setToolTip("Values the chosen lines need on this file (parents such as SAMPLES=y, RUST=y and "
                             "what RUST needs there) are added, each with a comment naming the lines that need "
                             "it; then the fragment merged onto it with merge_config.sh and olddefconfig must "
                             "give every line")
        for base, text in BASES:
            self.base.addItem(named(base, text), base)
        self.base.currentIndexChanged.connect(self._recompute)
        form.addRow("Add what they need on:", self.base)
        self.title = QLineEdit()
        self.title.setAccessibleName("Title")
        self.title.setPlaceholderText("shown in the presets list")
        self.title.textChanged.connect(self._render)
        form.addRow("Title:", self.title)
        self.description = QLineEdit()
        self.description.setAccessibleName("Description")
        self.description.textChanged.connect(self._render)
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
        self.note.setTextFormat(Qt.TextFormat.RichText)
        self.note.setAccessibleName("Whether the fragment sticks")
        form.addRow(self.note)
        check_row = QHBoxLayout()
        self.check_button = QPushButton("Check on recent trees")
        self.check_button.setToolTip("Merge the fragment onto the defconfig of each tree opened recently "
                                     "(merge_config.sh's rules, then olddefconfig) and say where it sticks: "
                                     + ", ".join(_tree_label(t) for t in self.other_trees))
        self.check_button.clicked.connect(self.check_on_trees)
        check_row.addWidget(self.check_button)
        self.check_view = QLabel()
        self.check_view.setWordWrap(True)
        self.check_view.setTextFormat(Qt.TextFormat.RichText)
        self.check_view.setAccessibleName("Where the fragment sticks")
        check_row.addWidget(self.check_view, 1)
        form.addRow(check_row)
        name_row = QHBoxLayout()
        self.name = QLineEdit()
        self.name.setAccessibleName("Preset name")
        self.name.setPlaceholderText("my-rust-setup")
        name_row.addWidget(self.name, 1)
        self.save_button = QPushButton("Save as preset")
        self.save_button.clicked.connect(self._save_clicked)
        self.name.returnPressed.connect(self._save_clicked)  # Enter in the name saves
        name_row.addWidget(self.save_button)
        form.addRow("Preset name:", name_row)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.export_button = QPushButton("Export…")
        self.export_button.clicked.connect(self._export_clicked)
        buttons.addButton(self.export_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        # Enter in a field presses no button (in the name it saves, above; Escape closes)
        enter_presses(None, buttons, self.check_button, self.save_button)
        form.addRow(buttons)
        self._enable_choices()
        self._recompute()
        self.resize(760, 620)

    def _enable_choices(self) -> None:
        available = {"changes": self.opened is not None, "rust-changes": self.opened is not None,
                     "defconfig": self.lt.defconfig_path() is not None, "start": self.start_text is not None,
                     "minimal": True, None: True}
        for combo in (self.source, self.base):
            model = combo.model()
            assert isinstance(model, QStandardItemModel)
            for i in range(combo.count()):
                model.item(i).setEnabled(available[combo.itemData(i)])
            if not available[combo.currentData()]:
                combo.setCurrentIndex(next(i for i in range(combo.count()) if available[combo.itemData(i)]))

    def set_source(self, key: str) -> None:
        self.source.setCurrentIndex(self.source.findData(key))

    def set_base(self, key: str | None) -> None:
        self.base.setCurrentIndex(self.base.findData(key))

    def spec(self) -> fragments.SaveSpec:
        return fragments.SaveSpec(self.source.currentData(), self.base.currentData())

    # -- the lines: once per source and base, in a worker ------------------------------------

    def _current(self) -> fragments.Saved | None:
        c = self.computed
        return c if c is not None and c.spec == self.spec() else None

    def _recompute(self) -> None:
        minimal = self.source.currentData() == "minimal"
        self.base.setEnabled(not minimal)
        if self._current() is not None:
            self._render()
            return
        if self.runner.busy:
            # the job running is for an earlier choice: this one starts when it ends
            return
        spec = self.spec()
        work_lt = fragments.detached(self.lt)
        given = self.given
        self.runner.start(lambda _report, _stopped: fragments.make_fragment(work_lt, spec, given))
        self.preview.setPlainText("")
        self.preview.setPlaceholderText("Working out the fragment and whether it sticks…")
        self.note.setText("Working out what the lines need…")
        self._enable_buttons()

    def _on_computed(self, saved: fragments.Saved) -> None:
        self.computed = saved
        if saved.spec != self.spec():
            self._recompute()
        else:
            self._render()

    def _on_failed(self, message: str) -> None:
        self.note.setText(style_for(self).span("bad", html.escape(message)))
        self._enable_buttons()

    def wait(self, timeout_ms: int = 120_000) -> bool:
        """Until the lines for the current choice are worked out (tests, scripts)."""
        from PySide6.QtCore import QDeadlineTimer, QEventLoop

        deadline = QDeadlineTimer(timeout_ms)
        loop = QEventLoop()
        while self._current() is None and not deadline.hasExpired():
            if not self.runner.busy and self._current() is None:
                self._recompute()
            loop.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)
        return self._current() is not None

    def _head(self) -> str:
        return presets.header(self.lt, self.title.text().strip(), self.description.text().strip())

    def fragment_text(self) -> str:
        """What Save and Export write (worked out here if the worker has not yet)."""
        saved = self._current()
        if saved is None:
            saved = fragments.make_fragment(fragments.detached(self.lt), self.spec(), self.given)
            self.computed = saved
            self._render()
        # byte for byte what make savedefconfig writes: no header
        return saved.body if saved.minimal else self._head() + saved.body

    def _render(self) -> None:
        saved = self._current()
        if saved is None:
            return
        text = saved.body if saved.minimal else self._head() + saved.body
        self.preview.setPlainText(text)
        self.note.setText(_note_html(saved))
        self._enable_buttons()

    def _enable_buttons(self) -> None:
        saved = self._current()
        self.save_button.setEnabled(saved is not None and not saved.minimal)
        self.export_button.setEnabled(saved is not None)
        self.check_button.setEnabled(saved is not None and not saved.minimal and bool(self.other_trees)
                                     and not self.check_runner.busy)
        self.check_button.setVisible(bool(self.other_trees))

    # -- other trees --------------------------------------------------------------------------

    def check_on_trees(self) -> bool:
        """Check the fragment on the recent trees, in a worker (each loaded, checked, let go)."""
        saved = self._current()
        if saved is None or saved.minimal or not self.other_trees:
            return False
        frag = presets.Fragment(saved.body, "fragment", origin="generated")
        trees = list(self.other_trees)
        self.checks = None
        return self.check_runner.start(
            lambda report, stopped: fragments.check_on_trees(frag, trees, stopped=stopped, progress=report))

    def _on_checked(self, checks: list[fragments.TreeCheck]) -> None:
        self.checks = checks
        esc = html.escape
        good = all(c.sticks for c in checks)
        rows = [style_for(self).span("ok" if good else "bad", esc(fragments.check_summary(checks)))]
        self.check_view.setText("<br>".join(rows))
        self.check_view.setToolTip("\n".join(f"{c.name} ({c.source}): " + ("every line sticks" if c.sticks else
                                                                           c.phrase()) for c in checks))

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
        self.note.setText(f"Saved as {html.escape(str(path))}; it is now listed under Your presets.")

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
        self.note.setText(f"Exported to {html.escape(str(path))}.")

    def closeEvent(self, event: Any) -> None:  # noqa: N802 (Qt's name)
        self.runner.shutdown()
        self.check_runner.shutdown()
        super().closeEvent(event)

    def done(self, result: int) -> None:
        self.runner.shutdown()
        self.check_runner.shutdown()
        super().done(result)


def _tree_label(tree: KernelTree) -> str:
    return str(tree.source) + (f" ARCH={tree.arch}" if tree.arch else "") + (" LLVM=1" if tree.llvm else "")


def _note_html(saved: fragments.Saved) -> str:
    esc = html.escape
    n = sum(1 for _ in presets.scan_assignments(saved.body))
    lines = f"{n} line{'s' if n != 1 else ''}."
    if saved.minimal:
        return lines + " Byte for byte what 'make savedefconfig' writes for this configuration."
    if n == 0:
        return "No lines: nothing to record for this choice."
    done = saved.completion
    if done is None:
        return lines + " Only the chosen lines; the header records the tree's version, ARCH and the date."
    added = len(done.added)
    out = [f"{n} line{'s' if n != 1 else ''}"
           + (f", {added} added: what the chosen lines need on {esc(done.base_label)} (each with a comment)."
              if added else ".")]
    if done.sticks:
        out.append(f"<span style='{style_for().css('ok')}'>Checked: merged onto {esc(done.base_label)} with "
                   "merge_config.sh's rules, then olddefconfig, every line sticks.</span>")
    else:
        out.append(f"<span style='{style_for().css('bad')}'>Merged onto {esc(done.base_label)}, not every line "
                   "sticks:</span><ul style='margin:0'>")
        out += [f"<li><code>{esc(', '.join(b.lines))}</code><br>{esc(b.reason)}</li>" for b in done.blocked]
        if done.missing:
            out.append(f"<li>not in Linux {esc(done.version)}: <code>{esc(', '.join(done.missing))}</code></li>")
        out.append("</ul>")
    out += [f"<br>{esc(c)}" for c in done.conflicts]
    return " ".join(out)


__all__ = ["PresetsController", "PresetsDialog", "SaveFragmentDialog", "install_preset_actions", "report_html"]
