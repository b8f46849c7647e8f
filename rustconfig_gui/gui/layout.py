"""Layout that fits the window: the options tree's columns, search results, docks.

Column widths of the options tree come from its content and the window.

Option | Value | Symbol: the Value column fits the widest value on the rows
that are shown (expanded menus; a hidden row's reason may be cut), the
Symbol column the longest name, each up to a share of the width; a longer
name is elided in the middle (``RUST_…_ALLOW``) and its tooltip is the whole
name.  The Option column gets the rest, and never less than a minimum: the
Symbol column gives way first.  Widths follow the view's width (window size,
docks, the splitter) and what is expanded; a column the user resized keeps
its width until another tree is shown.  The rows are measured in short slices
between events (the columns keep their widths until a measurement ends).
"""

from __future__ import annotations

import time
from collections.abc import Generator

from PySide6.QtCore import QAbstractItemModel, QEvent, QModelIndex, QObject, QPersistentModelIndex, QSize, Qt, QTimer
from PySide6.QtGui import QFontMetrics, QHelpEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QHeaderView,
    QMainWindow,
    QPushButton,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionButton,
    QStyleOptionViewItem,
    QStylePainter,
    QToolTip,
    QTreeView,
    QWidget,
)

Index = QModelIndex | QPersistentModelIndex

# shares of the view's width and bounds, in average character widths
SYMBOL_MAX_SHARE = 0.30
SYMBOL_MIN_CHARS = 12
VALUE_MAX_SHARE = 0.30
VALUE_MIN_CHARS = 8
OPTION_MIN_CHARS = 38
# the tree is not usable narrower than this (Option + Value + Symbol at their minimum, roughly)
TREE_MIN_CHARS = 90
DETAILS_MIN_CHARS = 36
# a dock on the side takes this share of the window at most (at least what its content needs)
DOCK_SHARE = 0.3
# the tree is comfortable at this much more than its minimum width
COMFORTABLE = 1.25
# a pass over the expanded rows stops here (a fully expanded tree has ~20k rows)
MAX_ROWS_MEASURED = 20_000
# measuring runs in slices of this long on the GUI thread (Show all with many menus
# open is thousands of rows: ~20 ms and more in one go)
MEASURE_SLICE_S = 0.008
# rows the model moves itself (after an edit) are measured again this long after the
# last such move: a burst of edits is measured once, after the rows are painted
REMEASURE_AFTER_EDIT_MS = 250
# a model's role for a Value cell's value alone (without a hidden row's reason or
# what selects it), if it answers one: cheaper than the text shown, and measured
VALUE_ONLY_ROLE = Qt.ItemDataRole.UserRole + 6


def text_margin(view: QWidget) -> int:
    """Space the style leaves around a cell's text (both sides), with room to spare."""
    style = view.style()
    margin = style.pixelMetric(style.PixelMetric.PM_FocusFrameHMargin, None, view) + 1
    return 2 * margin + view.fontMetrics().horizontalAdvance("  ")


class ElideDelegate(QStyledItemDelegate):
    """Text elided (in the middle by default); the tooltip of an elided cell is its
    whole text.  With ``fill``, items are never wider than the view (a list without
    a horizontal scroll bar)."""

    def __init__(self, view: QAbstractItemView, mode: Qt.TextElideMode = Qt.TextElideMode.ElideMiddle,
                 fill: bool = False) -> None:
        super().__init__(view)
        self.view = view
        self.mode = mode
        self.fill = fill

    def initStyleOption(self, option: QStyleOptionViewItem, index: Index) -> None:  # noqa: N802 - Qt API
        super().initStyleOption(option, index)
        option.textElideMode = self.mode

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:  # noqa: N802 - Qt API
        hint = super().sizeHint(option, index)
        if self.fill:
            hint.setWidth(min(hint.width(), max(1, self.view.viewport().width() - 2)))
        return hint

    def is_elided(self, view: QAbstractItemView, index: Index) -> bool:
        text = index.data(Qt.ItemDataRole.DisplayRole)
        if not text:
            return False
        width = view.visualRect(index).width()
        icon = view.iconSize().width() + 4 if index.data(Qt.ItemDataRole.DecorationRole) is not None else 0
        return QFontMetrics(view.font()).horizontalAdvance(str(text)) + text_margin(view) + icon > width

    def helpEvent(self, event: QHelpEvent, view: QAbstractItemView, option: QStyleOptionViewItem,  # noqa: N802
                  index: Index) -> bool:
        if event.type() == QEvent.Type.ToolTip and index.isValid() and self.is_elided(view, index):
            text = str(index.data(Qt.ItemDataRole.DisplayRole))
            extra = index.data(Qt.ItemDataRole.ToolTipRole)
            QToolTip.showText(event.globalPos(), text + (f"\n\n{extra}" if extra else ""), view)
            return True
        return super().helpEvent(event, view, option, index)


class ColumnFitter(QObject):
    """Keeps the columns of ``view`` fitted (see the module's text)."""

    def __init__(self, view: QTreeView, option_col: int = 0, value_col: int = 1, symbol_col: int = 2) -> None:
        super().__init__(view)
        self.view = view
        self.cols = (option_col, value_col, symbol_col)
        self.delegate = ElideDelegate(view)
        view.setItemDelegateForColumn(symbol_col, self.delegate)
        # a value cut at the end has its whole text as tooltip
        self.value_delegate = ElideDelegate(view, Qt.TextElideMode.ElideRight)
        view.setItemDelegateForColumn(value_col, self.value_delegate)
        header = view.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(option_col, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(value_col, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(symbol_col, QHeaderView.ResizeMode.Interactive)
        header.sectionResized.connect(self._on_user_resize)
        view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        view.setMinimumWidth(self.chars(TREE_MIN_CHARS))
        self.user_sized: set[int] = set()
        self._fitting = False
        self._symbol_need = self._value_need = 0
        self._measure = True
        self._walk: Generator[None, None, tuple[int, int]] | None = None  # a measurement under way
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(0)
        self.timer.timeout.connect(self.fit)
        self.later = QTimer(self)
        self.later.setSingleShot(True)
        self.later.setInterval(REMEASURE_AFTER_EDIT_MS)
        self.later.timeout.connect(self.remeasure)
        view.viewport().installEventFilter(self)
        view.expanded.connect(self.remeasure)
        view.collapsed.connect(self.remeasure)
        self._model: QAbstractItemModel | None = None
        self.watch_model()

    def chars(self, n: int) -> int:
        return self.view.fontMetrics().averageCharWidth() * n

    def watch_model(self) -> None:
        """Follow the view's model (call again after ``setModel``)."""
        model = self.view.model()
        if model is None or model is self._model:
            return
        self._model = model
        model.modelReset.connect(self._on_reset)
        model.layoutChanged.connect(self.remeasure_later)
        model.rowsInserted.connect(self.remeasure_later)
        model.rowsRemoved.connect(self.remeasure_later)

    def _on_reset(self) -> None:
        self.user_sized.clear()
        self.remeasure()

    def remeasure(self, *_args: object) -> None:
        self.later.stop()
        self._measure = True
        self.timer.start()

    def remeasure_later(self, *_args: object) -> None:
        """Rows came or went in the model (an edit): a measurement under way is
        dropped (its indexes moved) and the rows are measured again a moment
        after the last such change; the columns keep their widths until then."""
        self._walk = None
        self._measure = False
        self.later.start()

    @property
    def busy(self) -> bool:
        """A measurement is due or under way."""
        return self._measure or self._walk is not None or self.later.isActive() or self.timer.isActive()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() in (QEvent.Type.Resize, QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.timer.start()
        return False

    def _on_user_resize(self, logical: int, _old: int, _new: int) -> None:
        if not self._fitting and logical != self.cols[0]:
            self.user_sized.add(logical)

    # -- measuring ---------------------------------------------------------------------

    def measure(self) -> tuple[int, int]:
        """Widths of the widest value (without a hidden row's reason) and the widest
        symbol name on the rows shown now (expanded menus), in one go."""
        walk = self._measuring()
        while True:
            try:
                next(walk)
            except StopIteration as done:
                return done.value

    def _measuring(self) -> Generator[None, None, tuple[int, int]]:
        """:meth:`measure` a few rows at a time (yields between them; returns the widths).
        Only stepped while the model is unchanged: every change that moves rows
        (reset, rows in or out, layout, expand, collapse) starts a new one."""
        model = self.view.model()
        if model is None:
            return 0, 0
        fm = QFontMetrics(self.view.font())
        _, vcol, scol = self.cols
        widest_value = widest_symbol = 0
        stack = [QModelIndex()]
        seen = 0
        while stack and seen < MAX_ROWS_MEASURED:
            parent = stack.pop()
            rows = model.rowCount(parent)
            seen += rows
            for r in range(rows):
                name = model.index(r, scol, parent).data(Qt.ItemDataRole.DisplayRole)
                if name:
                    widest_symbol = max(widest_symbol, fm.horizontalAdvance(name))
                cell = model.index(r, vcol, parent)
                value = cell.data(VALUE_ONLY_ROLE)
                if value is None:
                    value = value_part(cell.data(Qt.ItemDataRole.DisplayRole))
                if value:
                    widest_value = max(widest_value, fm.horizontalAdvance(value))
                child = model.index(r, 0, parent)
                if self.view.isExpanded(child):
                    stack.append(child)
                if r % 32 == 31:
                    yield
            yield
        return widest_value, widest_symbol

    def _measure_slice(self) -> bool:
        """Go on measuring for a slice of time; True when the widths are known."""
        if self._measure:
            self._measure = False
            self._walk = self._measuring()
        if self._walk is None:
            return True
        end = time.monotonic() + MEASURE_SLICE_S
        try:
            next(self._walk)  # some progress in every slice
            while time.monotonic() < end:
                next(self._walk)
        except StopIteration as done:
            self._walk = None
            self._value_need, self._symbol_need = done.value
            return True
        return False

    # -- fitting -----------------------------------------------------------------------

    def widths(self, available: int) -> tuple[int, int, int]:
        """(option, value, symbol) for a view ``available`` pixels wide: values are
        shown whole first, then names (elided in the middle), then the prompts."""
        margin = text_margin(self.view)
        min_value, min_symbol, min_option = (self.chars(VALUE_MIN_CHARS), self.chars(SYMBOL_MIN_CHARS),
                                             self.chars(OPTION_MIN_CHARS))
        value = max(min_value, min(self._value_need + margin, int(available * VALUE_MAX_SHARE)))
        symbol = max(min_symbol, min(self._symbol_need + margin, int(available * SYMBOL_MAX_SHARE)))
        short = min_option - (available - value - symbol)
        if short > 0:
            give = min(short, symbol - min_symbol)
            symbol -= give
            short -= give
        if short > 0:
            value -= min(short, value - min_value)
        return available - value - symbol, value, symbol

    def fit(self) -> None:
        view = self.view
        if view.model() is None:
            return
        self.watch_model()
        if not self._measure_slice():
            self.timer.start()  # the next slice after the events waiting now
        _, value, symbol = self.widths(view.viewport().width())
        header = view.header()
        self._fitting = True
        try:
            _, vcol, scol = self.cols
            if vcol not in self.user_sized:
                header.resizeSection(vcol, value)
            if scol not in self.user_sized:
                header.resizeSection(scol, symbol)
        finally:
            self._fitting = False


def value_part(text: object) -> str:
    """A Value cell without what follows the value: a hidden row's reason
    ("n   · needs X") or the symbols that select it ("y (selected by …)")."""
    if not text:
        return ""
    t = str(text)
    if t.startswith("·"):
        return ""
    t = t.split("   · ", 1)[0]
    return t.split(" (selected by ", 1)[0]


def install_columns(view: QTreeView) -> ColumnFitter:
    """Fit the options tree's columns from now on."""
    fitter = ColumnFitter(view)
    fitter.fit()
    return fitter


class SearchResultsFit(QObject):
    """Search results: never a horizontal scroll bar (long lines are elided, their
    tooltip is the whole line), and when they appear, room for several rows."""

    ROWS = 7
    MIN_ROWS = 4

    def __init__(self, results: QAbstractItemView, splitter: QSplitter) -> None:
        super().__init__(results)
        self.results = results
        self.splitter = splitter
        results.setItemDelegate(ElideDelegate(results, Qt.TextElideMode.ElideRight, fill=True))
        results.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        results.setMinimumHeight(self.rows_height(self.MIN_ROWS))
        self._viewport = results.viewport()
        results.installEventFilter(self)
        self._viewport.installEventFilter(self)

    def rows_height(self, rows: int) -> int:
        r = self.results
        row = max(r.sizeHintForRow(0), r.fontMetrics().height() + 6, r.iconSize().height() + 4)
        return row * rows + 2 * r.frameWidth()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if obj is self.results and event.type() == QEvent.Type.Show:
            QTimer.singleShot(0, self.make_room)
        elif obj is self._viewport and event.type() == QEvent.Type.Resize:
            # items follow the width (elided again)
            self.results.doItemsLayout()
        return False

    def make_room(self) -> None:
        sizes = self.splitter.sizes()
        index = self.splitter.indexOf(self.results)
        if index < 0 or len(sizes) < 2:
            return
        total = sum(sizes)
        want = min(self.rows_height(self.ROWS), total // 2)
        if sizes[index] >= want:
            return
        other = 1 - index if len(sizes) == 2 else index + 1
        sizes[other] = max(0, total - want)
        sizes[index] = want
        self.splitter.setSizes(sizes)


def keep_usable_width(tree: QWidget, details: QWidget) -> None:
    """Docks never squeeze the options tree or the details below a usable width."""
    tree.setMinimumWidth(tree.fontMetrics().averageCharWidth() * TREE_MIN_CHARS)
    details.setMinimumWidth(details.fontMetrics().averageCharWidth() * DETAILS_MIN_CHARS)


class DockRoom(QObject):
    """A side dock takes its room from the details panel before the tree: when it
    opens on a narrow window, the tree keeps a comfortable width as far as the
    details' minimum allows (on a wide one the splitter shares the loss); when it
    closes, the splitter gets its sizes back."""

    def __init__(self, window: QMainWindow, dock: QDockWidget, splitter: QSplitter, tree_index: int = 0) -> None:
        super().__init__(dock)
        self.window = window
        self.dock = dock
        self.splitter = splitter
        self.tree_index = tree_index
        self.before: list[int] | None = None
        # the sizes while the dock is closed (when it says it opened, the splitter has shrunk already)
        self.closed_sizes: list[int] = splitter.sizes()
        splitter.installEventFilter(self)
        splitter.splitterMoved.connect(lambda *_: self._remember())
        dock.visibilityChanged.connect(self._on_visible)

    def _remember(self) -> None:
        if not self.dock.isVisible():
            self.closed_sizes = self.splitter.sizes()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.Resize:
            self._remember()
        return False

    def _on_visible(self, visible: bool) -> None:
        if visible and self.before is None:
            self.before = list(self.closed_sizes)
            hint = self.dock.sizeHint().width()
            width = max(self.dock.minimumSizeHint().width(), min(int(self.window.width() * DOCK_SHARE), hint))
            self.window.resizeDocks([self.dock], [width], Qt.Orientation.Horizontal)
            QTimer.singleShot(0, self.keep_tree)
        elif not visible and self.before is not None:
            before, self.before = self.before, None
            QTimer.singleShot(0, lambda: self.splitter.setSizes(before))

    def keep_tree(self) -> None:
        if self.before is None:
            return
        sizes = self.splitter.sizes()
        if len(sizes) != 2:
            return
        total = sum(sizes)
        other = 1 - self.tree_index
        details = self.splitter.widget(other)
        details_min = details.minimumWidth() if details is not None else 0
        # where there is room (the splitter's own share is comfortable) nothing changes;
        # else the tree gets back up to a comfortable width, from the details
        tree_widget = self.splitter.widget(self.tree_index)
        comfortable = int((tree_widget.minimumWidth() if tree_widget is not None else 0) * COMFORTABLE)
        tree = max(sizes[self.tree_index], min(self.before[self.tree_index], comfortable))
        tree = min(tree, total - details_min)
        sizes[self.tree_index] = tree
        sizes[other] = total - tree
        self.splitter.setSizes(sizes)


class ElidedButton(QPushButton):
    """A button whose long text (a command) is drawn elided in the middle to the width it is
    given, so it never widens its panel; ``text()`` stays whole (and the tooltip shows it)."""

    MIN_CHARS = 16

    def _least(self) -> int:
        return self.fontMetrics().averageCharWidth() * self.MIN_CHARS

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        # QPushButton's own minimumSizeHint asks sizeHint: both from the whole text here
        return QSize(self._least(), QPushButton.sizeHint(self).height())

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        hint = QPushButton.sizeHint(self)
        return QSize(min(hint.width(), self._least() * 3), hint.height())

    def paintEvent(self, _event: object) -> None:  # noqa: N802 - Qt API
        option = QStyleOptionButton()
        self.initStyleOption(option)
        room = max(0, self.width() - 2 * self.fontMetrics().averageCharWidth() - 12)
        option.text = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideMiddle, room)
        painter = QStylePainter(self)
        painter.drawControl(QStyle.ControlElement.CE_PushButton, option)
