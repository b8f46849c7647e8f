"""The search box and its results list: searching in a worker, the newest text
winning, Enter jumping to the first result (the menus the user opened stay open)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidgetItem

from rustconfig_gui.gui.workers import index_work
from rustconfig_gui.kconfig.loader import LoadedTree
from rustconfig_gui.workspace.search import Hit, SearchIndex

if TYPE_CHECKING:  # the window these methods belong to (mypy sees its Qt base)
    from PySide6.QtWidgets import QMainWindow as _Window
else:
    _Window = object


class SearchMixin(_Window):
    """Search for the main window (uses its ``search``, ``results``, ``searcher``,
    ``indexer``, ``search_timer``, ``index`` and ``select_node``)."""

    lt: Any
    index: SearchIndex | None
    _search_wanted: str | None
    _search_activate: bool
    _closed: bool
    search: Any
    results: Any
    searcher: Any
    indexer: Any
    search_timer: Any
    loader: Any
    rust_syms: frozenset[Any]
    model: Any
    view: Any
    if TYPE_CHECKING:
        def select_node(self, node: Any, record: bool = True) -> bool: ...

    def _drop_index(self) -> None:
        self.index = None
        self._search_wanted = None
        self.search.setEnabled(False)

    def _restore_index(self) -> None:
        """After a failed or cancelled load: the shown tree's search index again, built in a worker."""
        if self.lt is None or self.index is not None or self._closed:
            return  # (closed: a timer set at the last load must not start a thread that outlives the window)
        lt = self.lt
        self.indexer.start(index_work(lt))

    def _on_index(self, answer: tuple[LoadedTree, SearchIndex]) -> None:
        lt, index = answer
        if lt is self.lt and self.index is None:
            self.index = index
            self.search.setEnabled(True)
            if self.search.text().strip() and not self.search_timer.isActive():
                self._on_search_text(self.search.text())  # typed before the index was ready
        elif not self.loader.busy:
            self._restore_index()  # another tree came while this one was indexed

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _on_search_text(self, text: str) -> None:
        """Search in a worker (one-letter queries over ~19k symbols take ~100 ms);
        the newest text wins, older answers are dropped."""
        if not text.strip() or self.index is None:
            self._search_wanted = None
            self.results.clear()
            self.results.hide()
            return
        self._search_wanted = text
        if self.searcher.busy:
            return  # _on_search_done starts the newest text
        index = self.index
        self.searcher.start(lambda _report, _stopped: (text, index, index.search(text, limit=100)))

    def _on_search_done(self, answer: tuple[str, SearchIndex, list[Hit]]) -> None:
        text, index, hits = answer
        if index is not self.index or text != self._search_wanted:
            if self._search_wanted:
                self._on_search_text(self._search_wanted)
            return
        self.results.clear()
        if self.model.new_only:
            # "New options only" holds for the results too
            hits = [h for h in hits if self.model.is_new_entry(h.node)]
        for h in hits:
            label = f"{h.name or h.prompt}"
            if h.name and h.prompt and h.prompt != h.name:
                label += f" — {h.prompt}"
            label += f"    [{' → '.join(h.path)}]" if h.path else ""
            it = QListWidgetItem(label)
            it.setData(Qt.ItemDataRole.UserRole, h)
            if self.lt and h.name and self.lt.sym(h.name) in self.rust_syms:
                it.setIcon(self.model.rust_icon)
            self.results.addItem(it)
        self.results.setVisible(bool(hits))
        if hits:
            self.results.setCurrentRow(0)
        else:
            self.statusBar().showMessage(f"No option matches “{text}”.", 4000)
        if self._search_activate:
            self._search_activate = False
            if self.results.currentItem() is not None:
                self._on_result(self.results.currentItem())

    def _search_enter(self) -> None:
        if self.search_timer.isActive() or self.searcher.busy:
            # Enter before the results are in: jump to the first one when they come
            self.search_timer.stop()
            self._search_activate = True
            self._on_search_text(self.search.text())
            return
        it = self.results.currentItem()
        if it is not None:
            self._on_result(it)

    def _on_result(self, item: QListWidgetItem) -> None:
        hit: Hit = item.data(Qt.ItemDataRole.UserRole)
        self.select_node(hit.node)
        self.view.setFocus()

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self.search.hasFocus() and event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self.results.count():
            row = self.results.currentRow() + (1 if event.key() == Qt.Key.Key_Down else -1)
            self.results.setCurrentRow(max(0, min(row, self.results.count() - 1)))
            return
        super().keyPressEvent(event)
