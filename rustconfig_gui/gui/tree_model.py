"""``ConfigModel``: a thin Qt adapter over the loaded tree's menu entries.

There is no second copy of the Kconfig data: items are kconfiglib menu
nodes (plus one synthetic "Computed (no prompt)" group), values come from
the core's Evaluator on each ``data()`` call.  Indexes carry ``id(item)``
rather than the object itself: PySide's ``internalPointer`` does not own a
reference, and the objects are kept alive by the loaded tree and ``_items``.  The model only remembers, per
parent the view has asked about, which children it currently shows, so that
after an edit it can tell the view exactly which rows appeared or vanished.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Any, TypeAlias

from kconfiglib import BOOL, HEX, INT, STRING, TRISTATE, Choice, MenuNode, Symbol
from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QIcon

from rustconfig_gui.explain.rustclass import rust_node_ids
from rustconfig_gui.explain.sources import KconfigSources
from rustconfig_gui.gui.jobs import SlicedSteps

# a Value cell's value alone: no hidden row's reason, no "(selected by …)" (the column's width)
from rustconfig_gui.gui.layout import VALUE_ONLY_ROLE
from rustconfig_gui.gui.style import style_for
from rustconfig_gui.kconfig import menutree
from rustconfig_gui.kconfig.loader import LoadedTree
from rustconfig_gui.kconfig.menutree import ComputedGroup, Kind
from rustconfig_gui.kconfig.newoptions import is_new
from rustconfig_gui.workspace.session import Change, Session
from rustconfig_gui.workspace.upgrade import marks_new, new_node_ids

Index: TypeAlias = QModelIndex | QPersistentModelIndex

NODE_ROLE = Qt.ItemDataRole.UserRole + 1
SYMBOL_ROLE = Qt.ItemDataRole.UserRole + 2
RUST_ROLE = Qt.ItemDataRole.UserRole + 3
HIDDEN_ROLE = Qt.ItemDataRole.UserRole + 4
REASON_ROLE = Qt.ItemDataRole.UserRole + 5

_R = Qt.ItemDataRole
# the roles data() answers; a view asks a dozen per cell on every paint
_ANSWERED_ROLES = frozenset({
    _R.DisplayRole, _R.EditRole, _R.CheckStateRole, _R.ForegroundRole, _R.BackgroundRole,
    _R.DecorationRole, _R.FontRole, _R.ToolTipRole, _R.AccessibleTextRole,
    NODE_ROLE, SYMBOL_ROLE, RUST_ROLE, HIDDEN_ROLE, REASON_ROLE, VALUE_ONLY_ROLE,
})

# the roles as plain names: each ``Qt.ItemDataRole.X`` is an enum lookup, and data()
# compares several per call, ~1,500 calls per paint
_DISPLAY, _EDIT, _CHECK = _R.DisplayRole, _R.EditRole, _R.CheckStateRole
_FG, _BG, _DECO, _FONT = _R.ForegroundRole, _R.BackgroundRole, _R.DecorationRole, _R.FontRole
_TIP, _ACCESS = _R.ToolTipRole, _R.AccessibleTextRole


_FONTS: dict[str, QFont] = {}


def _font(style: str) -> QFont:
    """A font that sets only bold or italic (the view resolves the rest from its own
    font), made once: the view copies what data() gives."""
    f = _FONTS.get(style)
    if f is None:
        f = _FONTS[style] = QFont()
        if style == "bold":
            f.setBold(True)
        else:
            f.setItalic(True)
    return f


def _same_items(a: list[Any], b: list[Any]) -> bool:
    return len(a) == len(b) and all(x is y for x, y in zip(a, b))


_F = Qt.ItemFlag
# flags() answers from these: combining enum members costs microseconds each in Python
_FLAGS_NONE = _F.NoItemFlags
_FLAGS_BASE = _F.ItemIsEnabled | _F.ItemIsSelectable
_FLAGS_LEAF = _FLAGS_BASE | _F.ItemNeverHasChildren
_FLAGS_CHECKABLE = _FLAGS_BASE | _F.ItemIsUserCheckable
_FLAGS_CHECKABLE_LEAF = _FLAGS_CHECKABLE | _F.ItemNeverHasChildren
_FLAGS_EDITABLE = _FLAGS_BASE | _F.ItemIsEditable
_FLAGS_EDITABLE_LEAF = _FLAGS_EDITABLE | _F.ItemNeverHasChildren

_TRI_CHECK = {0: Qt.CheckState.Unchecked, 1: Qt.CheckState.PartiallyChecked, 2: Qt.CheckState.Checked}

Item: TypeAlias = MenuNode | ComputedGroup
ReasonFn: TypeAlias = Callable[[LoadedTree, MenuNode], str]


class ConfigModel(QAbstractItemModel):
    COL_OPTION, COL_VALUE, COL_SYMBOL = range(3)
    HEADERS = ("Option", "Value", "Symbol")

    #: a user edit changed the configuration (symbol or choice member)
    valueEdited = Signal(object)
    #: an edit was refused; one sentence why
    editRejected = Signal(str)
    #: values of shown rows may have changed (cheaper than dataChanged over every row)
    valuesChanged = Signal()
    #: rows of menus off screen are about to come or go, after those on screen did
    offScreenRowsAboutToChange = Signal()
    offScreenRowsChanged = Signal()
    #: a refresh after a change is complete: every known parent shows the rows it should
    refreshed = Signal()

    REFRESH_SLICE = 0.008  # seconds of row computation per turn of the event loop
    # The turn of an edit itself may take longer: finishing there (as most edits
    # do, ~13 ms when a whole menu goes) saves painting an in-between state.
    EDIT_SLICE = 0.020
    # expand arrows of collapsed rows are checked after the edit's paint
    RECHECK_DELAY_MS = 30
    # the menus off screen are brought up to date this long after those on screen
    PAINT_FIRST_MS = 16

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.lt: LoadedTree | None = None
        # a refresh in progress: parents still to compute, and what each should show
        self._todo: deque[Item | None] | None = None
        self._done: set[int] = set()
        self._first: list[Item | None] = []
        self._first_applied = False
        self._values_told = True
        #: the parents whose rows are on screen, ancestors first (the view's owner
        #: knows): after an edit their rows are brought up to date before the others
        self.parents_on_screen: Callable[[], list[Item | None]] = lambda: []
        #: the rows on screen (their ids), when the view's owner knows them (it notes
        #: them while listing ``parents_on_screen``): only their expand arrows are
        #: checked with the edit, the other rows' a moment later
        self.rows_on_screen: frozenset[int] | None = None
        self._wanted: dict[int, list[Item]] = {}
        # one-line hidden reasons for painting, per evaluation generation
        self._reasons: dict[MenuNode, str] = {}
        self._reasons_generation = -1
        self._reasons_todo: list[MenuNode] = []
        self._reasons_timer = QTimer(self)
        self._reasons_timer.setSingleShot(True)
        self._reasons_timer.setInterval(0)
        self._reasons_timer.timeout.connect(self._fill_reasons)
        # the Kconfig files a reason reads are read and split first, in slices between
        # events (a long file takes 5-10 ms: more than a slice).  Not on a worker: its
        # Python would hold the GIL that every row of a paint beside it needs.
        self._reader = SlicedSteps(self)
        self._shut = False
        self._reader.done.connect(self._reasons_timer.start)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(0)
        self._refresh_timer.timeout.connect(lambda: self._continue_refresh(self.REFRESH_SLICE))
        self._recheck_todo: deque[int] = deque()
        self._recheck_changed = False
        self._recheck_timer = QTimer(self)
        self._recheck_timer.setSingleShot(True)
        self._recheck_timer.setInterval(0)
        self._recheck_timer.timeout.connect(self._continue_recheck)
        self.show_all = False
        self.rust_lens = False
        self.new_marks = False
        # "New options only": the entries marked (NEW) when it was turned on, and their menus
        self.new_only = False
        self._new_entries: frozenset[int] = frozenset()
        self._new_nodes: frozenset[int] = frozenset()
        self.rust_syms: frozenset[Symbol] = frozenset()
        self._rust_nodes: frozenset[int] = frozenset()  # ids of nodes with Rust inside (lens)
        self.group: ComputedGroup | None = None
        self.rust_icon = QIcon()
        self.reason_fn: ReasonFn = lambda lt, node: menutree.first_blocker(lt.ev, node)
        #: every edit goes through the session; its change notification refreshes the rows in place
        self.session: Session | None = None
        self._unsubscribe: Callable[[], None] | None = None
        # parent item (None = root) -> children currently shown, and their rows
        self._kids: dict[int, list[Item]] = {}
        # parents asked only whether they have rows: (parent, the answer given)
        self._has_kids: dict[int, tuple[Item | None, bool]] = {}
        self._rows: dict[int, dict[int, int]] = {}
        # child item id -> its parent's index, while no row moves (the view asks ~500
        # times per paint: each row's ancestors, for the branch lines)
        self._parents: dict[int, QModelIndex] = {}
        self._items: dict[int, Item] = {}

    # -- content --------------------------------------------------------------

    def set_session(self, session: Session) -> None:
        """Edit through ``session`` and follow its changes (a model without one makes its own)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
        self.session = session
        self._unsubscribe = session.subscribe(self._on_change)
        self.reason_fn = lambda _lt, node: session.hidden_reason(node)

    def _on_change(self, change: Change) -> None:
        # a new tree comes with set_tree (its Rust classification is the loader's)
        if change.everything or not change.values or self.lt is None or self.session is None \
                or self.session.lt is not self.lt:
            return
        # another configuration file (a load, Revert, their undo): "(NEW)" follows it
        marks = marks_new(self.lt)
        if marks != self.new_marks:
            self.new_marks = marks
            self.valuesChanged.emit()
        self.refresh_soon()

    def set_tree(self, lt: LoadedTree | None, rust_syms: frozenset[Symbol] = frozenset(),
                 rust_nodes: frozenset[int] | None = None) -> None:
        """``rust_nodes``: :func:`rust_node_ids` if already computed (by the loading worker)."""
        self.beginResetModel()
        self._todo = None  # a reset supersedes a refresh in progress
        self._wanted, self._first = {}, []  # and holds no entry of the old tree
        self.lt = lt
        self.rust_syms = rust_syms
        self._kids.clear()
        self._has_kids.clear()
        self._recheck_todo.clear()
        self._drop_rows(None)
        self._items.clear()
        self._rust_nodes = frozenset()
        self._reasons.clear()
        self._reasons_todo.clear()
        self._reader.stop()  # files of the old tree
        self._reasons_generation = -1
        self.group = None
        if lt is not None and (self.session is None or self.session.lt is not lt):
            self.set_session(Session(lt))
        # menuconfig's "(NEW)": shown entries the loaded .config gave no value (kconfig/newoptions.py)
        self.new_marks = lt is not None and marks_new(lt)
        self._take_new_nodes()  # ids of the tree replaced mean nothing in this one
        if lt is not None:
            promptless = tuple(s for s in lt.symbols if s in rust_syms and not any(n.prompt for n in s.nodes))
            self.group = ComputedGroup("Computed (no prompt)", promptless)
            self._rust_nodes = rust_node_ids(lt, rust_syms) if rust_nodes is None else rust_nodes
        self.endResetModel()

    def set_mode(self, *, show_all: bool | None = None, rust_lens: bool | None = None,
                 new_only: bool | None = None) -> None:
        self.beginResetModel()
        self._todo = None  # a reset supersedes a refresh in progress
        if show_all is not None:
            self.show_all = show_all
        if rust_lens is not None:
            self.rust_lens = rust_lens
        if new_only is not None:
            self.new_only = new_only
            # taken when turned on: an answered option stays in the list while it is reviewed
            self._take_new_nodes()
        self._kids.clear()
        self._has_kids.clear()
        self._recheck_todo.clear()
        self._drop_rows(None)
        self.endResetModel()

    def _take_new_nodes(self) -> None:
        if self.new_only and self.lt is not None:
            self._new_entries, self._new_nodes = new_node_ids(self.lt)
        else:
            self._new_entries, self._new_nodes = frozenset(), frozenset()

    def is_new_entry(self, node: MenuNode) -> bool:
        """Was ``node`` marked (NEW) when "New options only" was turned on?"""
        return id(node) in self._new_entries

    # -- structure ---------------------------------------------------------------

    def _wanted_children(self, item: Item | None, first_only: bool = False) -> list[Item]:
        """The rows ``item`` should have now (with ``first_only``, at most the first)."""
        lt = self.lt
        if lt is None:
            return []
        if isinstance(item, ComputedGroup):
            return [s.nodes[0] for s in item.symbols[:1 if first_only else None]]
        node = lt.kconf.top_node if item is None else item
        out: list[Item] = []
        for child in menutree.static_children(node):
            if self.rust_lens and id(child) not in self._rust_nodes:
                continue
            if self.new_only and id(child) not in self._new_nodes:
                continue
            if not self.show_all and not menutree.is_shown(lt.ev, child):
                continue
            out.append(child)
            if first_only:
                return out
        if item is None and self.group and self.group.symbols and (self.show_all or self.rust_lens) \
                and not self.new_only:
            out.append(self.group)
        return out

    def _children(self, item: Item | None) -> list[Item]:
        key = id(item) if item is not None else 0
        kids = self._kids.get(key)
        if kids is None:
            kids = self._wanted_children(item)
            self._kids[key] = kids
            self._drop_rows(key)
            for k in kids:
                self._items[id(k)] = k
            if item is not None:
                self._items[id(item)] = item
        return kids

    def _drop_rows(self, key: int | None) -> None:
        """The rows of parent ``key`` (None: of every parent) may have moved."""
        if key is None:
            self._rows.clear()
        else:
            self._rows.pop(key, None)
        self._parents.clear()

    def _row_of(self, parent: Item | None, item: Item) -> int:
        key = id(parent) if parent is not None else 0
        rows = self._rows.get(key)
        if rows is None:
            rows = {id(k): i for i, k in enumerate(self._children(parent))}
            self._rows[key] = rows
        return rows.get(id(item), -1)

    def _parent_item(self, item: Item) -> Item | None:
        lt = self.lt
        if isinstance(item, ComputedGroup) or lt is None:
            return None
        if self.group is not None and item.prompt is None and item.item in self.group.symbols:
            return self.group
        cur = item.parent
        while cur is not None and cur is not lt.kconf.top_node and cur.prompt is None:
            cur = cur.parent
        return None if cur is None or cur is lt.kconf.top_node else cur

    def parent_item(self, item: Item) -> Item | None:
        """The row above ``item`` in this tree (None: the top level)."""
        return self._parent_item(item)

    def known_parents(self) -> list[Item]:
        """The entries whose rows the view has listed (every expanded one among them)."""
        return [it for key in self._kids if key and (it := self._items.get(key)) is not None]

    def item(self, index: Index) -> Item | None:
        if not index.isValid():
            return None
        return self._items.get(index.internalId())

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if column < 0 or column > 2 or row < 0:
            return QModelIndex()
        kids = self._children(self.item(parent))
        if row >= len(kids):
            return QModelIndex()
        return self.createIndex(row, column, id(kids[row]))

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid():
            return QModelIndex()
        key = index.internalId()
        known = self._parents.get(key)
        if known is not None:
            return known
        item = self._items.get(key)
        if item is None:
            return QModelIndex()
        p = self._parent_item(item)
        if p is None:
            return QModelIndex()
        row = self._row_of(self._parent_item(p), p)
        if row < 0:
            return QModelIndex()
        self._items[id(p)] = p
        found = self._parents[key] = self.createIndex(row, 0, id(p))
        return found

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() and parent.column() != 0:
            return 0
        return len(self._children(self.item(parent)))

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        # Without listing them: the view asks this of every row it shows, and a
        # list kept for each (~500 on 7.2's Device Drivers) would be computed
        # again after every edit, though only expanded rows show theirs.
        if parent.isValid() and parent.column() != 0:
            return False
        item = self.item(parent)
        key = id(item) if item is not None else 0
        kids = self._kids.get(key)
        if kids is not None:
            return bool(kids)
        known = self._has_kids.get(key)
        if known is None:
            known = self._has_kids[key] = (item, bool(self._wanted_children(item, first_only=True)))
        return known[1]

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 3

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < 3:
            return self.HEADERS[section]
        return None

    def index_for_node(self, node: MenuNode) -> QModelIndex:
        """The index of ``node`` in the current view, or invalid when not shown."""
        chain: list[Item] = []
        cur: Item | None = node
        while cur is not None:
            chain.append(cur)
            cur = self._parent_item(cur)
        parent: Item | None = None
        index = QModelIndex()
        for it in reversed(chain):
            row = self._row_of(parent, it)
            if row < 0:
                return QModelIndex()
            index = self.index(row, 0, index)
            parent = it
        return index

    # -- data ---------------------------------------------------------------------

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if role not in _ANSWERED_ROLES or not index.isValid():
            return None
        item = self._items.get(index.internalId())
        if item is None or self.lt is None:
            return None
        return self._answer(item, index.column(), role, None)

    def multiData(self, index: Index, roleDataSpan: Any) -> None:  # noqa: N802, N803 - Qt API
        # The delegate asks seven roles of every cell it paints in one call (Qt's own
        # multiData calls data() for each): the cell's entry and whether it is hidden
        # are found once, not seven times.
        item = self._items.get(index.internalId()) if index.isValid() else None
        if item is None or self.lt is None:
            for rd in roleDataSpan:
                rd.setData(None)
            return
        col = index.column()
        hidden = None if isinstance(item, ComputedGroup) else \
            item.prompt is None or not menutree.is_shown(self.lt.ev, item)
        answered = _ANSWERED_ROLES
        for rd in roleDataSpan:
            role = rd.role()
            rd.setData(self._answer(item, col, role, hidden) if role in answered else None)

    def _answer(self, item: Item, col: int, role: int, hidden: bool | None) -> Any:
        """What ``data()`` says for ``role`` of ``item``'s cell in ``col``; ``hidden``:
        whether the row is hidden, when known."""
        lt = self.lt
        assert lt is not None
        if isinstance(item, ComputedGroup):
            if role == _DISPLAY and col == 0:
                return item.title
            if role == _TIP:
                return "Symbols without a prompt: their values are computed (by the architecture, "\
                       "the toolchain probes or other symbols), never set by hand."
            if role == _FONT:
                return _font("italic")
            return None
        ev = lt.ev
        sym = item.item if item.item.__class__ is Symbol else None
        kind = menutree.kind(item)
        if role == NODE_ROLE:
            return item
        if role == SYMBOL_ROLE:
            return sym
        if role == RUST_ROLE:
            return id(item) in self._rust_nodes and (sym in self.rust_syms if sym else True)
        if role == VALUE_ONLY_ROLE:
            return self._value_text(item, sym, selectors=False) if col == self.COL_VALUE else None
        if hidden is None:
            hidden = item.prompt is None or not menutree.is_shown(ev, item)
        if role == HIDDEN_ROLE:
            return hidden
        if role == REASON_ROLE:
            return self.reason_fn(lt, item) if hidden and item.prompt is not None else ""
        if role == _DISPLAY:
            if col == self.COL_OPTION:
                text = menutree.prompt_text(item)
                if self.new_marks and is_new(ev, item):
                    return f"{text} (NEW)"
                return f"*** {text} ***" if kind is Kind.COMMENT else text
            if col == self.COL_VALUE:
                value = self._value_text(item, sym)
                if hidden and item.prompt is not None:
                    reason = self._painted_reason(item)
                    return f"{value}   · {reason}" if value else f"· {reason}"
                return value
            if col == self.COL_SYMBOL:
                if sym is not None:
                    return sym.name
                if kind is Kind.CHOICE and item.item.name:
                    return item.item.name
                return ""
        if role == _EDIT and col == self.COL_VALUE and sym is not None:
            return ev.str_value(sym)
        if role == _CHECK and col == self.COL_OPTION and sym is not None \
                and sym.orig_type in (BOOL, TRISTATE):
            return _TRI_CHECK[ev.tri(sym)]
        if role == _FG:
            if hidden or (sym is not None and sym.orig_type in (BOOL, TRISTATE) and not self._changeable(sym)):
                # secondary text, still readable (4.5:1) on the palette's base
                return style_for().brush("muted")
            return None
        if role == _BG:
            if sym is not None and sym in self.rust_syms:
                return style_for().brush("rust_tint")
            return None
        if role == _DECO and col == self.COL_OPTION:
            if sym is not None and sym in self.rust_syms:
                return self.rust_icon
            return None
        if role == _FONT:
            if kind in (Kind.MENU, Kind.MENUCONFIG) and col == self.COL_OPTION:
                return _font("bold")
            if kind is Kind.COMMENT or (hidden and col == self.COL_VALUE):
                return _font("italic")
            return None
        if role == _TIP:
            return self._tooltip(item, sym, hidden)
        if role == _ACCESS:
            return f"{menutree.prompt_text(item)}: {self._value_text(item, sym) or kind.value}"
        return None

    def _painted_reason(self, item: MenuNode) -> str:
        """The one-line reason a row is hidden, for painting: from a cache, else
        "…" now and the reason a moment later (a reason can read Kconfig files
        and take a few ms; a screenful of them must not hold up a paint)."""
        assert self.lt is not None
        if self._reasons_generation != self.lt.ev.generation:
            self._reasons.clear()
            self._reasons_generation = self.lt.ev.generation
        reason = self._reasons.get(item)
        if reason is None:
            self._reasons_todo.append(item)
            self._reasons_timer.start()
            return "…"
        return reason

    def shutdown(self) -> None:
        """The window closes: the file reader stops, and none starts again."""
        self._shut = True
        self._reasons_timer.stop()
        self._reader.stop()

    def _fill_reasons(self) -> None:
        if self.lt is None:
            self._reasons_todo.clear()
            return
        if self._reader.running:
            return  # the reasons follow once it has read the files
        src = KconfigSources(self.lt)
        unread = src.unread_files(self._reasons_todo)
        if unread and not self._shut:
            self._reader.start(src.read_steps(unread))
            return
        end = time.monotonic() + self.REFRESH_SLICE
        done = []
        while self._reasons_todo and time.monotonic() < end:
            item = self._reasons_todo.pop(0)
            if item not in self._reasons:
                self._reasons[item] = self.reason_fn(self.lt, item)
                done.append(item)
        for item in done:
            idx = self.index_for_node(item)
            if idx.isValid():
                cell = self.index(idx.row(), self.COL_VALUE, idx.parent())
                self.dataChanged.emit(cell, cell, [Qt.ItemDataRole.DisplayRole])
        if self._reasons_todo:
            self._reasons_timer.start()

    def _changeable(self, sym: Symbol) -> bool:
        assert self.lt is not None
        return len(self.lt.ev.assignable(sym)) > 1 or (sym.choice is not None and bool(self.lt.ev.visibility(sym)))

    def _value_text(self, item: MenuNode, sym: Symbol | None, selectors: bool = True) -> str:
        assert self.lt is not None
        ev = self.lt.ev
        if sym is not None:
            if sym.orig_type in (BOOL, TRISTATE):
                v = ev.str_value(sym)
                if selectors and menutree.is_forced(ev, sym):
                    by = [s.name for s, _ in self.lt.reverse.active_selectors(ev, sym)]
                    return f"{v} (selected by {', '.join(by[:2])}{'…' if len(by) > 2 else ''})" if by else v
                return v
            if sym.orig_type == STRING:
                return f'"{ev.str_value(sym)}"'
            return ev.str_value(sym)
        if item.item.__class__ is Choice:
            return menutree.node_value_text(ev, item)
        return ""

    def _tooltip(self, item: MenuNode, sym: Symbol | None, hidden: bool) -> str:
        assert self.lt is not None
        lines = []
        if sym is not None:
            lines.append(f"CONFIG_{sym.name} ({menutree.TYPE_NAMES.get(sym.orig_type, 'unknown')})")
            if sym in self.rust_syms:
                lines.append("Rust-related option")
            if menutree.is_forced(self.lt.ev, sym):
                by = [s.name for s, _ in self.lt.reverse.active_selectors(self.lt.ev, sym)]
                lines.append("Forced by select: " + ", ".join(by))
        if hidden and item.prompt is not None:
            lines.append("Hidden: " + self.reason_fn(self.lt, item))
        return "\n".join(lines) or menutree.prompt_text(item)

    def flags(self, index: Index) -> Qt.ItemFlag:
        # The view asks the flags of every expanded row on each relayout (~1,000 calls
        # after a row comes or goes), so they must not need values, and are built once:
        # a locked box is greyed (ForegroundRole) and a click on it is refused with the
        # reason (cycle()).  A node without sub-entries is a leaf for good: the view
        # then never asks whether it has children.
        item = self._items.get(index.internalId()) if index.isValid() else None
        if item is None:
            return _FLAGS_NONE if not index.isValid() else _FLAGS_BASE
        if isinstance(item, ComputedGroup) or self.lt is None:
            return _FLAGS_BASE
        leaf = item.list is None
        sym = item.item
        if sym.__class__ is not Symbol or item.prompt is None:
            return _FLAGS_LEAF if leaf else _FLAGS_BASE
        col = index.column()
        if col == self.COL_OPTION and sym.orig_type in (BOOL, TRISTATE):
            return _FLAGS_CHECKABLE_LEAF if leaf else _FLAGS_CHECKABLE
        if col == self.COL_VALUE and sym.orig_type in (STRING, INT, HEX) and self.lt.ev.visibility(sym):
            return _FLAGS_EDITABLE_LEAF if leaf else _FLAGS_EDITABLE
        return _FLAGS_LEAF if leaf else _FLAGS_BASE

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        item = self.item(index)
        if item is None or isinstance(item, ComputedGroup) or self.lt is None:
            return False
        sym = item.item if item.item.__class__ is Symbol else None
        if sym is None:
            return False
        ev = self.lt.ev
        if role == Qt.ItemDataRole.CheckStateRole and index.column() == self.COL_OPTION:
            return self.cycle(sym)
        if role == Qt.ItemDataRole.EditRole and index.column() == self.COL_VALUE:
            text = str(value).strip()
            if sym.orig_type == STRING and len(text) >= 2 and text[0] == text[-1] == '"':
                text = text[1:-1]
            if text == ev.str_value(sym):
                return False
            assert self.session is not None
            if not self.session.set_value(sym, text):
                self.editRejected.emit(self.refusal(sym, text))
                return False
            self.valueEdited.emit(sym)
            return True
        return False

    def refusal(self, sym: Symbol, text: str) -> str:
        assert self.lt is not None
        ev = self.lt.ev
        if not ev.visibility(sym):
            return f"{sym.name} cannot be changed now: it is hidden."
        rng = ev.active_range(sym)
        kind = menutree.TYPE_NAMES.get(sym.orig_type, "value")
        if sym.orig_type in (INT, HEX) and rng:
            return f"{text!r} is not accepted for {sym.name}: it must be a {kind} in [{rng[0]}, {rng[1]}]."
        return f"{text!r} is not a valid {kind} for {sym.name}."

    def cycle(self, sym: Symbol) -> bool:
        """Click/space: the next allowed value, or select the choice member."""
        assert self.lt is not None and self.session is not None
        ev = self.lt.ev
        if sym.choice is not None:
            if not ev.visibility(sym) or ev.choice_selection(sym.choice) is sym:
                return False
            self.session.choose(sym)
        else:
            nxt = menutree.next_tristate(ev, sym)
            if nxt is None:
                self.editRejected.emit(self.locked_reason(sym))
                return False
            self.session.set_value(sym, nxt)
        self.valueEdited.emit(sym)
        return True

    def set_symbol_value(self, sym: Symbol, value: int | str) -> bool:
        """An edit through the session (as a click or a typed value makes it)."""
        assert self.lt is not None and self.session is not None
        if not self.session.set_value(sym, value):
            return False
        self.valueEdited.emit(sym)
        return True

    def locked_reason(self, sym: Symbol) -> str:
        assert self.lt is not None
        ev = self.lt.ev
        if menutree.is_forced(ev, sym):
            by = [s.name for s, _ in self.lt.reverse.active_selectors(ev, sym)]
            return f"{sym.name} is forced to {ev.str_value(sym)} by select from {', '.join(by)}."
        if not ev.visibility(sym):
            return f"{sym.name} is hidden: {self.reason_fn(self.lt, sym.nodes[0])}."
        return f"{sym.name} has only one possible value now ({ev.str_value(sym)})."

    # -- after edits: tell the view exactly what changed ---------------------------

    def refresh(self) -> None:
        """Re-evaluate which rows are shown under every parent the view knows,
        now (bulk changes and tests)."""
        self._start_refresh()
        self._continue_refresh(None)

    def refresh_soon(self) -> None:
        """As :meth:`refresh`, without holding the GUI thread: which rows each
        known parent should show is computed in slices of a few ms on the event
        loop, then applied in one go (one relayout of the view, not one per
        slice).  Until then the rows are those of before the edit, with their
        new values."""
        self._start_refresh()
        self._continue_refresh(self.EDIT_SLICE)

    @property
    def refreshing(self) -> bool:
        return self._todo is not None

    def _start_refresh(self) -> None:
        if self.lt is None:
            self._todo = None
            return
        self._todo = deque([None])
        self._wanted = {}
        self._done = set()
        self._first = [p for p in self.parents_on_screen() if (id(p) if p is not None else 0) in self._kids]
        self._first_applied = False
        self._values_told = False

    def _tell_values(self) -> None:
        # Values may have changed anywhere: a view repaints what is on screen, and
        # rows coming on screen later are painted with current values anyway.  Not
        # when rows came or went: the view lays its rows out again and repaints
        # then, and an earlier repaint would only paint the screen twice.
        if not self._values_told:
            self._values_told = True
            self.valuesChanged.emit()

    def _continue_refresh(self, budget: float | None) -> None:
        todo = self._todo
        if todo is None:
            return
        if self._first:
            # the menus on screen first, applied at once: what the user looks at is
            # right after one paint, whatever the edit reached elsewhere
            first, self._first = self._first, []
            moved = False
            for parent in first:
                key = id(parent) if parent is not None else 0
                if key in self._kids:  # not gone with a menu removed just before
                    new = self._wanted[key] = self._wanted_children(parent)
                    moved |= self._sync_children(parent, new)
            self._first_applied = True
            # and the expand arrows of their closed rows on screen (a relayout asks for
            # them again); those of rows off screen follow with the other menus
            arrows = False
            screen = self.rows_on_screen
            for parent in first:
                for kid in self._kids.get(id(parent) if parent is not None else 0, ()):
                    if screen is None or id(kid) in screen:
                        arrows |= self._recheck_arrow(id(kid))
            if arrows and not moved:
                self.layoutAboutToBeChanged.emit()
                self.layoutChanged.emit()
            elif not moved:
                self._tell_values()
            if budget is not None:
                # the others after the view's relayout and paint (its timers are 0 ms too)
                self._refresh_timer.start(self.PAINT_FIRST_MS)
                return
        end = time.monotonic() + budget if budget is not None else None
        computed = False
        while todo:
            parent = todo.popleft()
            key = id(parent) if parent is not None else 0
            if key in self._done or key not in self._kids:
                continue
            self._done.add(key)
            computed = True
            known = self._wanted.get(key)
            new = known if known is not None else self._wanted.setdefault(key, self._wanted_children(parent))
            todo.extend(k for k in new if id(k) in self._kids)
            if end is not None and time.monotonic() > end:
                # the rows come later: the new values now
                self._tell_values()
                self._refresh_timer.start(0)
                return
        if computed and budget is not None and self._first_applied:
            # the menus off screen: their rows come (and the view lays them out) in
            # a turn of their own, not after a slice of computing in this one
            self._refresh_timer.start(0)
            return
        self._todo = None
        # apply, parents before their children (the order they were computed in)
        changes = [(key, new) for key, new in self._wanted.items()
                   if key in self._kids and not _same_items(self._kids[key], new)]
        anchored = bool(changes) and self._first_applied
        if anchored:
            self.offScreenRowsAboutToChange.emit()
        moved = False
        for key, new in changes:
            if key in self._kids:
                moved |= self._sync_children(None if key == 0 else self._items[key], new)
        if anchored:
            self.offScreenRowsChanged.emit()
        if not moved:
            self._tell_values()
        self._wanted = {}
        # forget parents no longer reachable from the root
        reachable = {0}
        stack = [0]
        while stack:
            for kid in self._kids.get(stack.pop(), []):
                if id(kid) in self._kids and id(kid) not in reachable:
                    reachable.add(id(kid))
                    stack.append(id(kid))
        for key in list(self._kids):
            if key not in reachable:
                self._kids.pop(key, None)
                self._drop_rows(key)
        self._recheck_has_children()
        self.refreshed.emit()

    def _recheck_has_children(self) -> None:
        """Rows whose expand arrow may have to appear or go after an edit: checked
        in slices after the rows on screen are up to date."""
        self._recheck_todo = deque(self._has_kids)
        self._recheck_changed = False
        self._recheck_timer.start(self.RECHECK_DELAY_MS)

    def _continue_recheck(self) -> None:
        todo = self._recheck_todo
        end = time.monotonic() + self.REFRESH_SLICE
        while todo:
            self._recheck_changed |= self._recheck_arrow(todo.popleft())
            if time.monotonic() > end:
                self._recheck_timer.start(0)
                return
        if self._recheck_changed:
            self._recheck_changed = False
            # the view keeps each row's answer until it lays the rows out again
            self.layoutAboutToBeChanged.emit()
            self.layoutChanged.emit()

    def _recheck_arrow(self, key: int) -> bool:
        """Whether a row asked only if it has rows still has some; True if that changed."""
        known = self._has_kids.get(key)
        if known is None:
            return False
        if key in self._kids:
            del self._has_kids[key]  # listed since: rowCount answers
            return False
        item, had = known
        has = bool(self._wanted_children(item, first_only=True))
        if has != had:
            self._has_kids[key] = (item, has)
        return has != had

    def _sync_children(self, parent: Item | None, new: list[Item]) -> bool:
        """Insert and remove rows of ``parent`` until it shows ``new``; True if any did."""
        key = id(parent) if parent is not None else 0
        cur = self._kids[key]
        if _same_items(cur, new):
            return False
        parent_index = QModelIndex() if parent is None else self.index_for_node(parent)  # type: ignore[arg-type]
        if parent is not None and not parent_index.isValid():
            return False
        if isinstance(parent, ComputedGroup):
            full: list[Item] = list(new)
        else:
            assert self.lt is not None
            node = self.lt.kconf.top_node if parent is None else parent
            full = list(menutree.static_children(node))
            if parent is None and self.group is not None:
                full.append(self.group)
        wanted = {id(x) for x in new}
        i = 0
        for it in full:
            present = i < len(cur) and cur[i] is it
            if present and id(it) in wanted:
                i += 1
            elif present:
                self.beginRemoveRows(parent_index, i, i)
                del cur[i]
                self._drop_rows(key)
                self._forget(it)
                self.endRemoveRows()
            elif id(it) in wanted:
                self.beginInsertRows(parent_index, i, i)
                cur.insert(i, it)
                self._items[id(it)] = it
                self._drop_rows(key)
                self.endInsertRows()
                i += 1
        return True

    def _forget(self, item: Item) -> None:
        self._has_kids.pop(id(item), None)
        kids = self._kids.pop(id(item), None)
        self._drop_rows(id(item))
        for k in kids or []:
            self._forget(k)
