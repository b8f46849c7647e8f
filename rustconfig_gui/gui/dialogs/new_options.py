"""The guided review of new options: Rust-related first, then by menu.

Each option shows its help, its default, the value the kernel takes without an
answer and its Why.  Answering (the n/m/y buttons or keys, a text for
string/int/hex, or Enter to keep the kernel's value, as ``make oldconfig``
does) sets the value through the ``answer`` callable given by the window, one
undoable step each, and moves on to the next unanswered option.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from kconfiglib import BOOL, TRISTATE, Choice, Symbol
from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QIcon, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from rustconfig_gui.gui.panels.why import explanation_for, toggle, why_html
from rustconfig_gui.gui.style import blank_icon
from rustconfig_gui.kconfig.helptext import NO_HELP
from rustconfig_gui.kconfig.loader import LoadedTree
from rustconfig_gui.workspace.upgrade import NewOption, review_order

_TRI = ("n", "m", "y")
_EMPTY = '""'


class NewOptionsDialog(QDialog):
    """Next/previous through the new options, each answered in place."""

    def __init__(self, parent: QWidget | None, lt: LoadedTree, new: list[NewOption], *,
                 answer: Callable[[Symbol, int | str], bool], rust_icon: QIcon | None = None,
                 goto: Callable[[str], Any] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("NewOptionsDialog")
        self.setWindowTitle("Review new options")
        self.lt = lt
        self.source = new
        self.options = review_order(new)
        self._answer = answer
        self._goto = goto
        self._expanded: set[str] = set()
        self.rust_icon = rust_icon or QIcon()
        self._blank_icon = blank_icon()  # keeps the names of other rows in line with the Rust ones
        self.resize(1060, 660)

        top = QHBoxLayout()
        self.progress = QLabel()
        self.progress.setAccessibleName("Progress")
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter by name or prompt")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._fill)
        self.rust_only = QCheckBox("Rust-related only")
        self.rust_only.toggled.connect(self._fill)
        self.hide_answered = QCheckBox("Hide answered")
        self.hide_answered.toggled.connect(self._fill)
        top.addWidget(self.progress, 1)
        top.addWidget(self.filter, 1)
        top.addWidget(self.rust_only)
        top.addWidget(self.hide_answered)

        self.list = QListWidget()
        self.list.setAccessibleName("New options")
        self.list.currentRowChanged.connect(self._show_current)
        self.list.installEventFilter(self)
        self.list.setIconSize(QSize(16, 16))
        self.list.setUniformItemSizes(True)
        self.details = QTextBrowser()
        self.details.setAccessibleName("Option details")
        self.details.setOpenLinks(False)
        self.details.anchorClicked.connect(lambda url: self._on_link(url.toString()))

        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.details, 1)
        row = QHBoxLayout()
        self.answer_label = QLabel("Answer:")
        row.addWidget(self.answer_label)
        self.tri_buttons = []
        for v, text in enumerate(_TRI):
            b = QPushButton(text)
            b.setAccessibleName(f"Answer {_TRI[v]}")
            b.clicked.connect(lambda _c=False, v=v: self.answer_current(v))
            self.tri_buttons.append(b)
            row.addWidget(b)
        self.text_edit = QLineEdit()
        self.text_edit.setAccessibleName("Answer text")
        self.text_edit.returnPressed.connect(lambda: self.answer_current(self.text_edit.text()))
        self.set_button = QPushButton("&Set")
        self.set_button.clicked.connect(lambda: self.answer_current(self.text_edit.text()))
        row.addWidget(self.text_edit, 1)
        row.addWidget(self.set_button)
        self.keep = QPushButton()
        self.keep.setDefault(True)
        self.keep.clicked.connect(self.keep_current)
        row.addWidget(self.keep)
        rl.addLayout(row)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.list)
        split.addWidget(right)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setSizes([400, 640])

        nav = QHBoxLayout()
        self.prev_button = QPushButton("◀ &Previous")
        self.prev_button.clicked.connect(lambda: self.step(-1))
        self.next_button = QPushButton("&Next ▶")
        self.next_button.clicked.connect(lambda: self.step(1))
        self.status = QLabel()
        self.status.setAccessibleName("Last answer")
        keys = QLabel("n / m / y answer · Enter keeps the kernel's value · Ctrl+← / Ctrl+→")
        keys.setEnabled(False)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        nav.addWidget(self.prev_button)
        nav.addWidget(self.next_button)
        nav.addWidget(self.status, 1)
        nav.addWidget(keys)
        nav.addWidget(close)

        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(split, 1)
        lay.addLayout(nav)
        QShortcut(QKeySequence("Ctrl+Right"), self, lambda: self.step(1))
        QShortcut(QKeySequence("Ctrl+Left"), self, lambda: self.step(-1))
        self._fill()
        # keys answer from the start: n, m, y, Enter (keep), Ctrl+Left/Right
        self.list.setFocus()

    # -- state -------------------------------------------------------------------------

    def answered(self, opt: NewOption) -> bool:
        item = opt.node.item if opt.node is not None else None
        if item.__class__ is Choice:
            return item in self.lt.ev.choice_user_tri
        return item in self.lt.ev.user

    def shown(self) -> list[NewOption]:
        text = self.filter.text().strip().lower()
        out = []
        for o in self.options:
            if self.rust_only.isChecked() and not o.rust:
                continue
            if self.hide_answered.isChecked() and self.answered(o) and o is not self.current():
                continue
            if text and text not in (o.name or "").lower() and text not in o.prompt.lower():
                continue
            out.append(o)
        return out

    def current(self) -> NewOption | None:
        it = self.list.currentItem() if hasattr(self, "list") else None
        return it.data(Qt.ItemDataRole.UserRole) if it is not None else None

    def _fill(self) -> None:
        cur = self.current()
        self._shown = self.shown()
        self.list.blockSignals(True)
        self.list.clear()
        row = 0
        for i, o in enumerate(self._shown):
            it = QListWidgetItem(self._label(o))
            it.setData(Qt.ItemDataRole.UserRole, o)
            it.setIcon(self.rust_icon if o.rust else self._blank_icon)
            self.list.addItem(it)
            if o is cur:
                row = i
        self.list.blockSignals(False)
        if self._shown:
            self.list.setCurrentRow(row)
        self._show_current()

    def _label(self, o: NewOption) -> str:
        name = f"CONFIG_{o.name}" if o.name else "(choice)"
        mark = "✓ " if self.answered(o) else ""
        return f"{mark}{name} — {o.prompt}"

    def refresh_states(self) -> None:
        """After an answer or an undo in the window: marks, progress and details."""
        for i in range(self.list.count()):
            it = self.list.item(i)
            it.setText(self._label(it.data(Qt.ItemDataRole.UserRole)))
        self._show_current()

    # -- showing ---------------------------------------------------------------------------

    def progress_text(self) -> str:
        o = self.current()
        total = len(self.options)
        done = sum(1 for x in self.options if self.answered(x))
        pos = self.options.index(o) + 1 if o is not None else 0
        rust = sum(1 for x in self.options if x.rust)
        return f"{pos} of {total} · {done} answered · {rust} Rust-related"

    def _show_current(self, *_args: Any) -> None:
        self.progress.setText(self.progress_text())
        o = self.current()
        row = self.list.currentRow()
        self.prev_button.setEnabled(row > 0)
        self.next_button.setEnabled(0 <= row < self.list.count() - 1)
        if o is None or o.node is None:
            self.details.setHtml("<p>No new options to show.</p>" if not self.options else
                                 "<p>No new option matches the filter.</p>")
            self._answer_controls(None)
            return
        self.details.setHtml(self.details_html(o))
        self._answer_controls(o)

    def details_html(self, o: NewOption) -> str:
        esc = html.escape
        lt = self.lt
        node = o.node
        assert node is not None
        item = node.item
        title = f"CONFIG_{o.name}" if o.name else "choice"
        out = [f"<h3 style='margin-bottom:2px'>{esc(o.prompt)}{' (Rust)' if o.rust else ''}</h3>",
               f"<p style='margin-top:0'><code>{esc(title)}</code> · {esc(o.type)} · "
               f"{esc(' → '.join(o.menu) or 'main menu')} · <a href='sym:{esc(o.name or '')}'>show in tree</a></p>"]
        if item.__class__ is Symbol:
            now = lt.ev.str_value(item)
            out.append(f"<p><b>The kernel takes:</b> <code>{esc(now or _EMPTY)}</code>"
                       f" &nbsp; <b>Default:</b> <code>{esc(o.default or _EMPTY)}</code>"
                       + (" &nbsp; <b>Answered</b>" if self.answered(o) else "") + "</p>")
        help_text = node.help or NO_HELP
        out.append(f"<pre style='white-space:pre-wrap'>{esc(help_text)}</pre>")
        out.append(why_html(explanation_for(lt, node), self._expanded))
        return "".join(out)

    def _answer_controls(self, o: NewOption | None) -> None:
        item = o.node.item if o is not None and o.node is not None else None
        is_tri = isinstance(item, Symbol) and item.orig_type in (BOOL, TRISTATE)
        ev = self.lt.ev
        allowed = ev.assignable(item) if is_tri else ()
        for v, b in enumerate(self.tri_buttons):
            b.setVisible(is_tri)
            b.setEnabled(v in allowed)
        is_text = item.__class__ is Symbol and not is_tri
        self.text_edit.setVisible(is_text)
        self.set_button.setVisible(is_text)
        if is_text:
            self.text_edit.setText(ev.str_value(item))
        self.answer_label.setVisible(item is not None)
        self.keep.setVisible(item.__class__ is Symbol)
        if item.__class__ is Symbol:
            self.keep.setText(f"&Keep {ev.str_value(item) or _EMPTY}")

    # -- answering ----------------------------------------------------------------------------

    def keep_current(self) -> bool:
        """Enter: take the kernel's value as the answer (``make oldconfig``'s empty answer)."""
        o = self.current()
        if o is None or o.node is None or o.node.item.__class__ is not Symbol:
            return False
        sym: Symbol = o.node.item
        ev = self.lt.ev
        if sym.choice is not None:
            # a choice is answered as a whole: keep the member it selects now
            return self.answer_current(2, ev.choice_selection(sym.choice) or sym)
        value: int | str = ev.tri(sym) if sym.orig_type in (BOOL, TRISTATE) else ev.str_value(sym)
        return self.answer_current(value)

    def answer_current(self, value: int | str, sym: Symbol | None = None) -> bool:
        """Answer the option shown (or ``sym``, the member a choice keeps) and move on."""
        o = self.current()
        if o is None or o.node is None or o.node.item.__class__ is not Symbol:
            return False
        sym = sym or o.node.item
        if not self._answer(sym, value):
            self.status.setText(f"{html.escape(str(value))!s} is not accepted for {sym.name} now.")
            return False
        self.status.setText(f"CONFIG_{sym.name} = {self.lt.ev.str_value(sym)}")
        self.refresh_states()
        self.next_unanswered()
        return True

    def next_unanswered(self) -> None:
        row = self.list.currentRow()
        for i in range(row + 1, self.list.count()):
            if not self.answered(self.list.item(i).data(Qt.ItemDataRole.UserRole)):
                self.list.setCurrentRow(i)
                return
        self.refresh_states()

    def step(self, delta: int) -> None:
        row = self.list.currentRow() + delta
        if 0 <= row < self.list.count():
            self.list.setCurrentRow(row)

    def select(self, name: str) -> bool:
        for i in range(self.list.count()):
            if self.list.item(i).data(Qt.ItemDataRole.UserRole).name == name:
                self.list.setCurrentRow(i)
                return True
        return False

    def _on_link(self, link: str) -> None:
        if link.startswith("why:"):
            toggle(self._expanded, link)
            self._show_current()
        elif link.startswith("sym:") and self._goto is not None and len(link) > 4:
            self._goto(link[4:])

    def answer_key(self, event: QKeyEvent) -> bool:
        """n, m, y answer as in menuconfig; Enter keeps the kernel's value."""
        key = event.text().lower()
        if key in _TRI and event.modifiers() in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier):
            v = _TRI.index(key)
            if self.tri_buttons[v].isVisible() and self.tri_buttons[v].isEnabled():
                self.answer_current(v)
            return True
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.keep_current()
            return True
        return False

    def eventFilter(self, obj: Any, event: Any) -> bool:  # noqa: N802 - Qt API
        if obj is self.list and event.type() == QEvent.Type.KeyPress and self.answer_key(event):
            return True
        return super().eventFilter(obj, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        if not self.text_edit.hasFocus() and not self.filter.hasFocus() and self.answer_key(event):
            return
        super().keyPressEvent(event)


__all__ = ["NewOptionsDialog"]
