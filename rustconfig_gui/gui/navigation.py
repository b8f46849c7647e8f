"""Keeping the user's place in the tree, and moving it: the current row, the
menus opened and the row at the top survive every change, undo, mode switch
and reload; links, Back/Forward and the Show all / Rust lens modes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

from kconfiglib import MenuNode, Symbol
from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPersistentModelIndex, QPoint, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QAbstractItemView, QTreeView

from rustconfig_gui.gui.panels.info import info_html
from rustconfig_gui.gui.panels.why import explanation_for, toggle, why_html
from rustconfig_gui.gui.tree_model import NODE_ROLE, ConfigModel
from rustconfig_gui.kconfig.menutree import ComputedGroup

Item: TypeAlias = MenuNode | ComputedGroup


def _key_part(node: MenuNode) -> str:
    name = node.item.name if node.item.__class__ is Symbol else ""
    return f"{name}:{node.prompt[0] if node.prompt else ''}"


def node_key(item: Item) -> tuple[str, ...]:
    """What identifies an entry in another parse of the same tree (after a reload):
    its symbol's name or its prompt, and those of the menus around it."""
    if isinstance(item, ComputedGroup):
        return ("<computed>",)
    out: list[str] = []
    cur: MenuNode | None = item
    while cur is not None and cur.parent is not None:
        out.append(_key_part(cur))
        cur = cur.parent
    return tuple(reversed(out))


def find_by_key(top: MenuNode, key: tuple[str, ...]) -> MenuNode | None:
    """The first entry in menu order (``Kconfig.node_iter()``) whose :func:`node_key`
    is ``key``: only the menus on its path are looked into (a reload keeps the
    user's place without a key for each of the ~20,000 entries)."""
    if not key:
        return top

    def under(parent: MenuNode, depth: int) -> MenuNode | None:
        child = parent.list
        while child is not None:
            if _key_part(child) == key[depth]:
                if depth + 1 == len(key):
                    return child
                found = under(child, depth + 1)
                if found is not None:
                    return found
            child = child.next
        return None

    return under(top, 0)


@dataclass
class Place:
    """Where the user is: the menus open (outermost first), the current row, the top row."""

    expanded: list[Item] = field(default_factory=list)
    current: Item | None = None
    top: Item | None = None

    def moved_to(self, top: MenuNode, group: ComputedGroup | None) -> Place:
        """The same place among the entries of another parse (``top``: its top menu)."""

        def find(item: Item | None) -> Item | None:
            if item is None:
                return None
            key = node_key(item)
            if key == ("<computed>",):
                return group
            return find_by_key(top, key)

        return Place([m for m in (find(e) for e in self.expanded) if m is not None],
                     find(self.current), find(self.top))


def _depth(item: Item) -> int:
    d, cur = 0, getattr(item, "parent", None)
    while cur is not None:
        d, cur = d + 1, cur.parent
    return d


def capture_place(view: QTreeView, model: ConfigModel) -> Place:
    expanded: list[Item] = []
    for item in model.known_parents():
        idx = model.index_for_node(item)  # type: ignore[arg-type]
        if idx.isValid() and view.isExpanded(idx):
            expanded.append(item)
    expanded.sort(key=_depth)
    cur = view.currentIndex()
    top = view.indexAt(QPoint(0, 0))
    return Place(expanded, model.item(cur) if cur.isValid() else None, model.item(top) if top.isValid() else None)


def shown_or_ancestor(model: ConfigModel, item: Item | None) -> QModelIndex:
    """The row of ``item``, or of its nearest ancestor shown; invalid when none is."""
    cur = item
    while cur is not None:
        idx = model.index_for_node(cur)  # type: ignore[arg-type]
        if idx.isValid():
            return idx
        cur = model.parent_item(cur)
    return QModelIndex()


def restore_place(view: QTreeView, model: ConfigModel, place: Place, *, top: bool = True) -> None:
    for item in place.expanded:
        idx = model.index_for_node(item)  # type: ignore[arg-type]
        if idx.isValid() and not view.isExpanded(idx):
            view.expand(idx)
    if place.current is not None:
        idx = shown_or_ancestor(model, place.current)
        up = idx.parent()
        while up.isValid():
            if not view.isExpanded(up):
                view.expand(up)
            up = up.parent()
        if idx.isValid() and model.item(view.currentIndex()) is not model.item(idx):
            view.selectionModel().setCurrentIndex(
                idx, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
    if top and place.top is not None:
        idx = shown_or_ancestor(model, place.top)
        if idx.isValid() and model.item(view.indexAt(QPoint(0, 0))) is not model.item(idx):
            view.scrollTo(idx, QAbstractItemView.ScrollHint.PositionAtTop)


if TYPE_CHECKING:  # the window these methods belong to (mypy sees its Qt base)
    from PySide6.QtWidgets import QMainWindow as _Window
else:
    _Window = object


class NavigationMixin(_Window):
    """Place, modes, selection, links and history for the main window."""

    model: ConfigModel
    view: QTreeView
    lt: Any
    history: list[MenuNode]
    history_pos: int
    _navigating: bool
    _info_node: MenuNode | None
    _why_open: set[str]
    _place_before_lens: Place | None
    _pending_place: Place | None
    _notice_html: str
    # the page the details show now (and the revision of the document it made)
    _info_shown: str = ""
    _info_revision = -1
    _top_row: QPersistentModelIndex | None
    info: Any
    toolchain: Any
    toolchain_dock: Any
    rust_syms: frozenset[Symbol]
    act_show_all: Any
    act_lens: Any

    # -- the user's place ---------------------------------------------------------------

    def capture_place(self) -> Place:
        return capture_place(self.view, self.model)

    def restore_place(self, place: Place, *, top: bool = True) -> None:
        navigating = self._navigating
        self._navigating = True  # a place put back is not a step of Back/Forward
        try:
            restore_place(self.view, self.model, place, top=top)
        finally:
            self._navigating = navigating
        self._show_info(self.view.currentIndex())

    def _set_mode(self, menus_only: bool = False, **mode: bool) -> None:
        """Show all / Rust lens without losing the menus opened, the current row or the top row
        (``menus_only``: the menus alone, for a caller that makes another row current and
        scrolls to it next: the details of the row before and a scroll are not worked out for nothing)."""
        # a reset ends a refresh in progress: the place noted before that change is put back here
        place, self._pending_place = self._pending_place or self.capture_place(), None
        self.model.set_mode(**mode)
        self.restore_place(Place(place.expanded) if menus_only else place)

    # -- view modes --------------------------------------------------------------------

    def _toggle_show_all(self, on: bool) -> None:
        self._set_mode(show_all=on)

    def _toggle_lens(self, on: bool) -> None:
        """On from any row: a Rust row stays current, otherwise the nearest Rust entry
        (or "Rust support") becomes current.  Off: the menus open before come back."""
        # a reset ends a refresh in progress: the place noted before that change is put back here
        place, self._pending_place = self._pending_place or self.capture_place(), None
        if on:
            self._place_before_lens = place
        self.model.set_mode(rust_lens=on)
        if on:
            self.view.expandAll()
            place = Place([], place.current, place.top)
        elif self._place_before_lens is not None:
            # the menus open before the lens, and the way to the row chosen in it
            before, self._place_before_lens = self._place_before_lens, None
            place = Place(before.expanded, place.current, place.top)
        self.restore_place(place)
        if on and place.current is not None and self.model.item(self.view.currentIndex()) is not place.current:
            self._select_nearest_rust(place.current)

    def _select_nearest_rust(self, item: Item) -> None:
        """The first Rust entry in the nearest menu still shown, else "Rust support"; when
        that is hidden too (a menu listed for hidden Rust entries only, e.g. "General setup"
        on 6.12 with MODVERSIONS=y), Show all goes on so its row and why it is hidden show."""
        anc = shown_or_ancestor(self.model, item)
        target = self.model.index(0, 0, anc) if anc.isValid() else QModelIndex()
        if not target.isValid():
            rust = self.lt.sym("RUST") if self.lt is not None else None
            if rust is not None:
                target = self.model.index_for_node(rust.nodes[0])
                if not target.isValid() and not self.act_show_all.isChecked():
                    self.act_show_all.setChecked(True)
                    self._set_mode(show_all=True)
                    self.view.expandAll()
                    target = self.model.index_for_node(rust.nodes[0])
                    if target.isValid():
                        self.statusBar().showMessage(
                            "Rust support is hidden: Show all is on to show it and why (see the details).", 8000)
        if target.isValid():
            self.view.selectionModel().setCurrentIndex(
                target, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
            self.view.scrollTo(target)

    def current_node(self) -> MenuNode | None:
        idx = self.view.currentIndex()
        node = idx.data(NODE_ROLE) if idx.isValid() else None
        return node if isinstance(node, MenuNode) else None

    def _parents_on_screen(self) -> list[Any]:
        """The menus whose rows are on screen, outermost first: an edit brings
        their rows up to date before those of any other."""
        view, model = self.view, self.model
        bottom = view.viewport().height()
        found: dict[int, tuple[int, Any]] = {}  # menu -> (depth, item)
        rows: set[int] = set()
        model.rows_on_screen = None
        index = view.indexAt(QPoint(0, 0))
        while index.isValid() and view.visualRect(index).top() < bottom:
            rows.add(index.internalId())
            # the row's menu and the menus around that, and the row itself when open
            cur = index if view.isExpanded(index) else index.parent()
            while True:
                item = model.item(cur)  # None: the top level
                key = id(item) if item is not None else 0
                if key in found:
                    break
                depth, up = 0, cur
                while up.isValid():
                    depth, up = depth + 1, up.parent()
                found[key] = (depth, item)
                if not cur.isValid():
                    break
                cur = cur.parent()
            index = view.indexBelow(index)
        model.rows_on_screen = frozenset(rows)  # the model checks their expand arrows first
        return [item for _, item in sorted(found.values(), key=lambda d: d[0])]

    def _keep_top_row(self) -> None:
        # rows coming or going above the screen would otherwise move what is on it
        self._top_row = QPersistentModelIndex(self.view.indexAt(QPoint(0, 0)))

    def _back_to_top_row(self) -> None:
        top, self._top_row = self._top_row, None
        if top is not None and top.isValid():
            self.view.scrollTo(self.model.index(top.row(), 0, top.parent()),
                               QAbstractItemView.ScrollHint.PositionAtTop)

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not self._navigating and self._pending_place is None:
            self._notice_html = ""  # a notice (lines not taken) stays until the user moves on
        self._show_info(current)
        node = current.data(NODE_ROLE) if current.isValid() else None
        if self._navigating or self._pending_place is not None:
            return
        if isinstance(node, MenuNode) and (self.history_pos < 0 or self.history[self.history_pos] is not node):
            del self.history[self.history_pos + 1:]
            self.history.append(node)
            self.history_pos = len(self.history) - 1

    def show_notice(self, html_text: str) -> None:
        """HTML shown above the current entry's details until the user selects another row."""
        self._notice_html = html_text
        self._show_info(self.view.currentIndex())

    def _show_info(self, index: QModelIndex) -> None:
        if self.lt is None:
            return
        node = index.data(NODE_ROLE) if index.isValid() else None
        scroll = self.info.verticalScrollBar().value()
        body = ""
        if isinstance(node, MenuNode):
            if node is not self._info_node:
                self._why_open = set()
                self._info_node = node
            exp = explanation_for(self.lt, node)
            section = why_html(exp, self._why_open, self.toolchain.result, self.lt)
            body = info_html(self.lt, node, self.rust_syms, why_html=section)
        elif not self._notice_html:
            return
        text = self._notice_html + body
        if text == self._info_shown and self.info.document().revision() == self._info_revision:
            return  # an edit elsewhere: laying the same page out again costs ms and moves nothing
        self.info.setHtml(text)
        self._info_shown, self._info_revision = text, self.info.document().revision()
        self.info.verticalScrollBar().setValue(scroll)

    def select_node(self, node: MenuNode, record: bool = True) -> bool:
        """Jump to an entry: open its menus (the others stay as they are), switch to
        show-all if it is hidden; out of the Rust lens only for an entry it leaves out."""
        idx = self.model.index_for_node(node)
        if not idx.isValid() and not self.act_show_all.isChecked():
            self.act_show_all.setChecked(True)
            # the row is made current and scrolled to below; a row that stays out
            # (a filter leaves it out) gets the rest of the place back there
            before = self._pending_place = self._pending_place or self.capture_place()
            self._set_mode(show_all=True, menus_only=True)
            idx = self.model.index_for_node(node)
            if not idx.isValid():
                self.restore_place(before)
        if not idx.isValid() and self.model.new_only:
            upgrade = getattr(self, "upgrade_ui", None)
            if upgrade is not None:
                upgrade.act_new_only.setChecked(False)  # turns the filter off, keeping the place
            else:
                self._set_mode(new_only=False)
            self.statusBar().showMessage("New options only is off: that entry is not new.", 6000)
            idx = self.model.index_for_node(node)
        if not idx.isValid() and self.act_lens.isChecked():
            self.act_lens.setChecked(False)
            self._toggle_lens(False)
            self.statusBar().showMessage("The Rust lens is off: that entry is not Rust-related.", 6000)
            idx = self.model.index_for_node(node)
        if not idx.isValid():
            return False
        parent = idx.parent()
        while parent.isValid():
            self.view.expand(parent)
            parent = parent.parent()
        navigating = self._navigating
        self._navigating = navigating or not record
        try:
            self.view.selectionModel().setCurrentIndex(
                idx, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        finally:
            self._navigating = navigating
        self.view.scrollTo(idx, QTreeView.ScrollHint.PositionAtCenter)
        return True

    def select_symbol(self, name: str) -> bool:
        if self.lt is None:
            return False
        sym = self.lt.sym(name)
        if sym is None:
            self.statusBar().showMessage(f"{name} is not defined in this tree.", 5000)
            return False
        node = next((n for n in sym.nodes if n.prompt), sym.nodes[0])
        return self.select_node(node)

    def show_toolchain(self, run: bool = True) -> None:
        self.toolchain_dock.show()
        self.toolchain_dock.raise_()
        if run and not self.toolchain.runner.busy:
            self.toolchain.run_check()

    def _on_link(self, link: str) -> None:
        if link.startswith("why:"):
            toggle(self._why_open, link)
            self._show_info(self.view.currentIndex())
        elif link == "probe:":
            self.show_toolchain()
        elif link.startswith("sym:"):
            if self.select_symbol(link[4:]):
                # the keyboard goes where the user looks: the row jumped to
                self.view.setFocus()
        elif link.startswith(("http://", "https://", "file:")):
            QDesktopServices.openUrl(QUrl(link))

    def go_back(self) -> None:
        if self.history_pos > 0:
            self.history_pos -= 1
            self._goto_history()

    def go_forward(self) -> None:
        if self.history_pos + 1 < len(self.history):
            self.history_pos += 1
            self._goto_history()

    def _goto_history(self) -> None:
        self.select_node(self.history[self.history_pos], record=False)
        self.view.setFocus()
