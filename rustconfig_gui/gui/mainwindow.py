"""The main window: tree, info panel, search, Rust overview, files."""

from __future__ import annotations

from pathlib import Path

from kconfiglib import MenuNode, Symbol
from PySide6.QtCore import (
    QByteArray,
    QPersistentModelIndex,
    QSettings,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QCloseEvent, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDockWidget,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTextBrowser,
    QToolBar,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from rustconfig_gui.assets import demo_tree, resources_root
from rustconfig_gui.explain.overview import rust_blockers
from rustconfig_gui.gui.dialogs.fix_actions import install_fix_actions
from rustconfig_gui.gui.dialogs.presets_actions import install_preset_actions
from rustconfig_gui.gui.files import FilesMixin, issues_html
from rustconfig_gui.gui.jobs import JobRunner, SlicedSteps, share_gil_with_gui_thread
from rustconfig_gui.gui.layout import DockRoom, SearchResultsFit, install_columns, keep_usable_width
from rustconfig_gui.gui.navigation import NavigationMixin, Place
from rustconfig_gui.gui.panels.build_with import install_build_with
from rustconfig_gui.gui.panels.follow import BeforePaint
from rustconfig_gui.gui.panels.overview import RustOverview
from rustconfig_gui.gui.panels.toolchain import ToolchainPanel
from rustconfig_gui.gui.panels.why import loaded_has_rust
from rustconfig_gui.gui.recent_trees import RECENT_KEYS, path_setting, recent_label, tree_from_dict, tree_to_dict
from rustconfig_gui.gui.recovery_copy import RecoveryCopy
from rustconfig_gui.gui.search_panel import SearchMixin
from rustconfig_gui.gui.style import ClearCheckDelegate, on_palette_change, plain_style
from rustconfig_gui.gui.tree_model import ConfigModel
from rustconfig_gui.gui.upgrade_ui import install_upgrade_actions
from rustconfig_gui.gui.workers import (
    EarlyLoad,
    LoadOutcome,
    LoadRequest,
    TreeLoader,
    TreeRechecker,
    preimport_pending,
    preimport_work,
    retire_work,
    store_parse_work,
)
from rustconfig_gui.host.paths import show_path, show_text
from rustconfig_gui.kconfig.loader import LoadedTree
from rustconfig_gui.kconfig.parsecache import ParseCache
from rustconfig_gui.kconfig.shell.cache import ProbeCache
from rustconfig_gui.kconfig.tree import KernelTree
from rustconfig_gui.workspace.datadir import demo_build_dir
from rustconfig_gui.workspace.ondisk import Seen
from rustconfig_gui.workspace.search import SearchIndex
from rustconfig_gui.workspace.session import Change, ChangeKind, Session

MAX_RECENT = 8


# a recovery copy is written this long after the last of a burst of changes
RECOVERY_AFTER_MS = 1000

class MainWindow(FilesMixin, NavigationMixin, SearchMixin, QMainWindow):
    """The window: its parts listen to one :class:`Session` (``self.session``), the
    only path by which the configuration changes.  Files (gui/files.py), the
    user's place and links (gui/navigation.py) and search (gui/search_panel.py)
    live in units of their own."""

    treeLoaded = Signal()

    def __init__(self, settings: QSettings | None = None) -> None:
        super().__init__()
        self.settings = settings or QSettings()
        self.setObjectName("MainWindow")
        self.session = Session()
        # the window hears of a change before the model moves rows: it notes the user's place first
        self.session.subscribe(self._on_session_change)
        self.tree: KernelTree | None = None
        self.rust_syms: frozenset[Symbol] = frozenset()
        self.rust_nodes: frozenset[int] = frozenset()
        self.index: SearchIndex | None = None
        self.history: list[MenuNode] = []
        self.history_pos = -1
        self._navigating = False
        self._keep = False
        self._info_node: MenuNode | None = None
        self._why_open: set[str] = set()
        self._notice_html = ""
        # the place to put back once the rows follow a change; the place before the lens
        self._pending_place: Place | None = None
        self._place_before_lens: Place | None = None
        # each save target as this window last read or wrote it (the on-disk check of Save)
        self._seen: dict[Path, Seen] = {}
        # overview and details follow a change (one update for all the changes of one
        # event), after the rows on screen and before the next paint (gui/panels/follow.py)
        self.after_edit = BeforePaint(self._after_edit, self)
        # unsaved values go to a recovery copy soon after every change (coalesced, in a worker)
        self.recovery_timer = QTimer(self)
        self.recovery_timer.setSingleShot(True)
        self.recovery_timer.setInterval(RECOVERY_AFTER_MS)
        self.recovery_timer.timeout.connect(self.write_recovery_now)
        self._recovery_again = False  # a change came while a recovery copy was being written
        self._ask_on_close = True  # False: SIGTERM closes without the unsaved-changes question
        self._saving = False
        self._closed = False
        share_gil_with_gui_thread()
        self.loader = TreeLoader(self)
        # work that follows a load or an edit and must not hold the GUI thread
        self.parse_writer = JobRunner(self)
        self.recovery_writer = RecoveryCopy(self)
        self.retirer = JobRunner(self)
        self.searcher = JobRunner(self)
        self.indexer = JobRunner(self)
        # what the first screen does not need, imported on a worker once it is up
        self.preimporter = JobRunner(self)
        self.indexer.finished.connect(self._on_index)
        # which entries are shown, beyond the first screen (the loading worker computed that)
        self.shown_values = SlicedSteps(self)
        self.searcher.finished.connect(self._on_search_done)
        self._search_wanted: str | None = None
        self._search_activate = False
        self._to_retire: list[LoadedTree] = []
        # a tree is taken apart only once no writer still reads it
        for job in (self.retirer, self.parse_writer, self.recovery_writer, self.indexer):
            job.busyChanged.connect(self._writer_busy_changed)
        self.recovery_writer.finished.connect(self._recovery_written)
        self.recovery_writer.failed.connect(
            lambda msg: self.statusBar().showMessage(f"Could not keep a recovery copy: {msg}", 8000))
        self.loader.progress.connect(lambda fp: self._on_progress(*fp))
        self.loader.finished.connect(self._on_loaded)
        self.loader.failed.connect(self._on_failed)
        self.loader.cancelled.connect(self._on_cancelled)
        self.loader.busyChanged.connect(self._on_busy)
        self.rechecker = TreeRechecker(self)  # a tree shown as last loaded is checked behind it
        self.model = ConfigModel(self)
        self.model.set_session(self.session)
        self.model.rust_icon = QIcon(str(resources_root() / "icons" / "rust-option.svg"))
        self.model.refreshed.connect(self._after_refresh)
        self.model.editRejected.connect(lambda msg: self.statusBar().showMessage(msg, 8000))
        self._build_ui()
        self._restore_settings()
        self._update_title()

    @property
    def lt(self) -> LoadedTree | None:
        """The tree shown (the session's)."""
        return self.session.lt  # type: ignore[no-any-return]

    @property
    def modified(self) -> bool:
        return bool(self.session.modified)

    @modified.setter
    def modified(self, value: bool) -> None:
        self.session.set_modified(value)

    # -- construction ---------------------------------------------------------------

    def _build_ui(self) -> None:
        self.resize(1280, 800)
        icon = QIcon(str(resources_root() / "icons" / "rustconfig-gui.svg"))
        self.setWindowIcon(icon)

        tb = QToolBar("Main")
        tb.setObjectName("MainToolbar")
        self.addToolBar(tb)

        def act(text: str, slot, shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
                checkable: bool = False) -> QAction:
            a = QAction(text, self)
            if shortcut is not None:
                a.setShortcut(QKeySequence(shortcut))
            a.setCheckable(checkable)
            a.triggered.connect(slot)
            return a

        self.act_open = act("Open kernel tree…", self.open_tree_dialog, QKeySequence.StandardKey.Open)
        self.act_demo = act("Open demo tree", lambda: self.open_tree(self.demo_tree_spec(), prefer_defconfig=True))
        self.act_save = act("Save", self.save, QKeySequence.StandardKey.Save)
        self.act_save_as = act("Save as…", self.save_as, QKeySequence.StandardKey.SaveAs)
        self.act_load = act("Load config…", self.load_config_dialog)
        self.act_revert = act("Revert", self.revert)
        self.act_show_all = act("Show all options", self._toggle_show_all, "Ctrl+H", checkable=True)
        self.act_lens = act("Rust lens", self._toggle_lens, "Ctrl+R", checkable=True)
        self.act_find = act("Find…", self.focus_search, QKeySequence.StandardKey.Find)
        self.act_undo = act("Undo", self.undo, QKeySequence.StandardKey.Undo)
        self.act_redo = act("Redo", self.redo, QKeySequence.StandardKey.Redo)
        # the platform's Redo, and both usual spellings of it whatever the platform says
        redo_keys = QKeySequence.keyBindings(QKeySequence.StandardKey.Redo)
        for extra in ("Ctrl+Shift+Z", "Ctrl+Y"):
            if QKeySequence(extra) not in redo_keys:
                redo_keys.append(QKeySequence(extra))
        self.act_redo.setShortcuts(redo_keys)
        self.act_back = act("Back", self.go_back, "Alt+Left")
        self.act_forward = act("Forward", self.go_forward, "Alt+Right")
        self.act_quit = act("Quit", self.close, QKeySequence.StandardKey.Quit)
        for a in (self.act_open, self.act_save, self.act_load):
            tb.addAction(a)
        tb.addSeparator()
        tb.addAction(self.act_show_all)
        tb.addAction(self.act_lens)
        tb.addSeparator()
        tb.addAction(self.act_back)
        tb.addAction(self.act_forward)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search symbols, prompts, help (Ctrl+F)")
        self.search.setAccessibleName("Search")
        self.search.setClearButtonEnabled(True)
        self.search.setMaximumWidth(380)
        # search when typing pauses, not on every keystroke
        self.search_timer = QTimer(self)
        self.search_timer.setSingleShot(True)
        self.search_timer.setInterval(150)
        self.search_timer.timeout.connect(lambda: self._on_search_text(self.search.text()))
        self.search.textChanged.connect(lambda _t: self.search_timer.start())
        self.search.returnPressed.connect(self._search_enter)
        tb.addWidget(self.search)

        menu = self.menuBar().addMenu("&File")
        menu.addAction(self.act_open)
        menu.addAction(self.act_demo)
        self.recent_menu = menu.addMenu("Recent trees")
        menu.addSeparator()
        for a in (self.act_save, self.act_save_as, self.act_load, self.act_revert):
            menu.addAction(a)
        menu.addSeparator()
        menu.addAction(self.act_quit)
        self.edit_menu = self.menuBar().addMenu("&Edit")
        self.edit_menu.addAction(self.act_undo)
        self.edit_menu.addAction(self.act_redo)
        view = self.view_menu = self.menuBar().addMenu("&View")
        for a in (self.act_show_all, self.act_lens, self.act_find, self.act_back, self.act_forward):
            view.addAction(a)
        tools = self.menuBar().addMenu("&Tools")
        self.act_caches = act("Reuse unchanged probe results and parses", self._toggle_caches, checkable=True)
        self.act_caches.setToolTip("Loading re-runs only the toolchain probes whose tools changed and reads "
                                   "a stored parse when nothing it depends on changed.")
        self.act_clear_caches = act("Clear cached probe results and parses", self.clear_caches)
        tools.addAction(self.act_caches)
        tools.addAction(self.act_clear_caches)
        self.tools_menu = tools

        # central: a message page (loading / errors) and the work area
        self.stack = QStackedWidget()
        self.message = QLabel()
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setAccessibleName("Status message")
        self.message.setMargin(40)
        self.stack.addWidget(self.message)

        work = QWidget()
        lay = QVBoxLayout(work)
        lay.setContentsMargins(4, 4, 4, 4)
        self.overview = RustOverview()
        self.overview.linkActivated.connect(self._on_link)
        lay.addWidget(self.overview)
        self.recovery_bar = QFrame()
        self.recovery_bar.setFrameShape(QFrame.Shape.StyledPanel)
        self.recovery_bar.setAccessibleName("Recovered changes")
        bar = QHBoxLayout(self.recovery_bar)
        bar.setContentsMargins(8, 2, 8, 2)
        self.recovery_label = QLabel()
        self.recovery_label.setWordWrap(True)  # a note about a damaged file must not widen the window
        self.recovery_restore = QPushButton("Restore them")
        self.recovery_restore.clicked.connect(self.restore_recovery)
        self.recovery_discard = QPushButton("Discard")
        self.recovery_discard.clicked.connect(self.discard_recovery)
        bar.addWidget(self.recovery_label, 1)
        bar.addWidget(self.recovery_restore)
        bar.addWidget(self.recovery_discard)
        self.recovery_bar.hide()
        lay.addWidget(self.recovery_bar)

        self.vsplit = QSplitter(Qt.Orientation.Vertical)
        self.results = QListWidget()
        self.results.setAccessibleName("Search results")
        self.results.itemActivated.connect(self._on_result)
        self.results.hide()
        self.view = QTreeView()
        self.view.setAccessibleName("Configuration options")
        self.view.setModel(self.model)
        self.view.setUniformRowHeights(True)
        self.view.setAlternatingRowColors(True)
        self.view.setEditTriggers(QTreeView.EditTrigger.DoubleClicked | QTreeView.EditTrigger.EditKeyPressed
                                  | QTreeView.EditTrigger.SelectedClicked)
        # widths from the content and the window; clearly drawn check boxes (gui/layout.py, gui/style.py)
        self.columns = install_columns(self.view)
        # painted often: a style without a Python call per primitive, and clear check boxes
        # from the options column's delegate
        self.view.setStyle(plain_style())
        self.view.setItemDelegateForColumn(ConfigModel.COL_OPTION, ClearCheckDelegate(self.view))
        self.view.selectionModel().currentChanged.connect(self._on_current)
        self.model.valuesChanged.connect(self.view.viewport().update)
        self.model.parents_on_screen = self._parents_on_screen
        self._top_row: QPersistentModelIndex | None = None
        self.model.offScreenRowsAboutToChange.connect(self._keep_top_row)
        self.model.offScreenRowsChanged.connect(self._back_to_top_row)
        self.vsplit.addWidget(self.results)
        self.vsplit.addWidget(self.view)
        self.vsplit.setStretchFactor(1, 1)
        self.results_fit = SearchResultsFit(self.results, self.vsplit)

        self.info = QTextBrowser()
        self.info.setAccessibleName("Details")
        self.info.setOpenLinks(False)
        self.info.anchorClicked.connect(lambda url: self._on_link(url.toString()))
        on_palette_change(self.info, self._show_current_info)

        self.hsplit = QSplitter(Qt.Orientation.Horizontal)
        self.hsplit.addWidget(self.vsplit)
        self.hsplit.addWidget(self.info)
        self.hsplit.setStretchFactor(0, 3)
        self.hsplit.setStretchFactor(1, 2)
        self.hsplit.setSizes([780, 480])
        keep_usable_width(self.vsplit, self.info)
        lay.addWidget(self.hsplit, 1)
        self.stack.addWidget(work)
        self.setCentralWidget(self.stack)

        self.toolchain = ToolchainPanel()
        self.toolchain.reloadRequested.connect(self.reload_with)
        # the Why section shows the latest findings next to the probe they explain
        self.toolchain.runner.finished.connect(lambda _r: self._show_info(self.view.currentIndex()))
        self.toolchain_dock = QDockWidget("Toolchain (make rustavailable)", self)
        self.toolchain_dock.setObjectName("ToolchainDock")
        self.toolchain_dock.setWidget(self.toolchain)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.toolchain_dock)
        self.toolchain_dock.hide()
        self.toolchain_room = DockRoom(self, self.toolchain_dock, self.hsplit)
        view.addSeparator()
        view.addAction(self.toolchain_dock.toggleViewAction())

        # presets, fragments and diffs (gui/dialogs/presets.py)
        self.presets_ui = install_preset_actions(self)
        # "Make available…" on entries and in the Rust overview (gui/dialogs/fix.py)
        self.fix_ui = install_fix_actions(self)
        self.build_with = install_build_with(self)
        # new options, their review and what a newer tree changed (gui/upgrade_ui.py)
        self.upgrade_ui = install_upgrade_actions(self)
        self.upgrade_ui.runner.busyChanged.connect(self._writer_busy_changed)

        self.progress = QProgressBar()
        self.progress.setMaximumWidth(260)
        self.progress.setTextVisible(True)
        self.progress.setAccessibleName("Loading progress")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAccessibleName("Cancel loading")
        self.cancel_button.clicked.connect(self.loader.cancel)
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.cancel_button)
        self.progress.hide()
        self.cancel_button.hide()
        self._set_enabled(False)
        self._update_undo_actions()

    def _set_enabled(self, loaded: bool) -> None:
        for a in (self.act_save, self.act_save_as, self.act_load, self.act_revert, self.act_show_all,
                  self.act_lens, self.act_find, self.act_back, self.act_forward):
            a.setEnabled(loaded)
        self.search.setEnabled(loaded)

    # -- settings -------------------------------------------------------------------

    def _restore_settings(self) -> None:
        s = self.settings
        geo = s.value("window/geometry")
        if isinstance(geo, QByteArray):
            self.restoreGeometry(geo)
        for key, splitter in (("window/hsplit", self.hsplit), ("window/vsplit", self.vsplit)):
            state = s.value(key)
            if isinstance(state, QByteArray):
                splitter.restoreState(state)
        self.act_show_all.setChecked(bool(s.value("view/show_all", False, type=bool)))
        self.act_lens.setChecked(bool(s.value("view/rust_lens", False, type=bool)))
        self.act_caches.setChecked(bool(s.value("load/use_caches", True, type=bool)))
        self.model.set_mode(show_all=self.act_show_all.isChecked(), rust_lens=self.act_lens.isChecked())
        self._fill_recent()

    def _save_settings(self) -> None:
        s = self.settings
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/hsplit", self.hsplit.saveState())
        s.setValue("window/vsplit", self.vsplit.saveState())
        s.setValue("view/show_all", self.act_show_all.isChecked())
        s.setValue("view/rust_lens", self.act_lens.isChecked())
        s.setValue("load/use_caches", self.act_caches.isChecked())
        s.sync()

    def recent_trees(self) -> list[dict[str, str]]:
        size = self.settings.beginReadArray("recent")
        out = []
        # a damaged or hand-edited settings file may claim any size: only MAX_RECENT are ever written
        for i in range(max(0, min(size, MAX_RECENT))):
            self.settings.setArrayIndex(i)
            out.append({k: str(self.settings.value(k, "")) for k in RECENT_KEYS})
        self.settings.endArray()
        return out

    def _remember(self, tree: KernelTree) -> None:
        entry = tree_to_dict(tree)
        items = [entry] + [r for r in self.recent_trees() if r != entry]
        items = items[:MAX_RECENT]
        self.settings.beginWriteArray("recent", len(items))
        for i, r in enumerate(items):
            self.settings.setArrayIndex(i)
            for k, v in r.items():
                self.settings.setValue(k, v)
        self.settings.endArray()
        self._fill_recent()

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for r in self.recent_trees():
            a = self.recent_menu.addAction(recent_label(r))
            a.triggered.connect(lambda _=False, r=r: self.open_tree(tree_from_dict(r)))
        self.recent_menu.setEnabled(bool(self.recent_menu.actions()))

    # -- opening trees ----------------------------------------------------------------

    def demo_tree_spec(self) -> KernelTree:
        return KernelTree(demo_tree(), build=demo_build_dir())

    def open_tree_dialog(self) -> None:
        from rustconfig_gui.gui.dialogs.open_tree import OpenTreeDialog  # its first use

        dlg = OpenTreeDialog(self, self.tree if self.tree and self.tree.source != demo_tree() else None)
        try:
            if dlg.exec() == QDialog.DialogCode.Accepted:
                self.open_tree(dlg.tree())
        finally:
            dlg.deleteLater()  # one dialog per use, not one more child of the window each time

    def open_tree(self, tree: KernelTree, config: Path | None = None, prefer_defconfig: bool = False,
                  keep_values: bool = False, early: EarlyLoad | None = None) -> bool:
        """Load ``tree`` (with ``early``: the same load started before the window, taken over)."""
        if self.loader.busy:
            self.statusBar().showMessage("A tree is loading; cancel it first.", 5000)
            return False
        if not keep_values and not self.maybe_save():
            return False
        self._keep = keep_values and self.lt is not None
        # the text of the current values is written in the worker, from a copy
        carried = self.lt.values_copy() if self._keep and self.lt is not None else None
        self._pending = tree
        self.message.setText(f"Loading {show_text(tree.describe())} …\n\nKconfig probes the toolchain (compiler, "
                             "rustc, bindgen); this takes a few seconds.")
        # two trees are in memory until the new one is shown: let the old one's
        # search index go now (searching comes back with the new tree)
        self._drop_index()
        self.stack.setCurrentIndex(0 if self.lt is None else 1)
        self.loader.load(LoadRequest(tree, config=config, prefer_defconfig=prefer_defconfig,
                                     carried=carried, use_caches=self.act_caches.isChecked()), early=early)
        return True

    def reload_with(self, tree: KernelTree) -> bool:
        """Re-parse (e.g. after a toolchain fix) keeping the current values and file."""
        return self.open_tree(tree, keep_values=True)

    def _on_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self.act_open.setEnabled(not busy)
        if busy:
            stored = self.settings.value(f"files/{path_setting(self._pending.source)}", 0, type=int)
            expected = stored if isinstance(stored, int) else 0
            self.progress.setRange(0, expected or 0)
            self.progress.setValue(0)
            self.progress.setFormat("loading…")

    def _on_progress(self, files: int, probes: int) -> None:
        if self.progress.maximum():
            self.progress.setValue(min(files, self.progress.maximum()))
        self.progress.setFormat(f"{files} files, {probes} probes")


    def _on_failed(self, message: str) -> None:
        if self.rechecker.load_failed(message):
            return
        self._restore_index()
        self.statusBar().showMessage("Loading failed.", 10000)
        if self.lt is None:
            self.message.setText(f"<b>Could not open the tree.</b><br><br>{message}")
            self.stack.setCurrentIndex(0)
        else:
            QMessageBox.warning(self, "Could not open the tree", message)

    def _on_cancelled(self) -> None:
        if self.rechecker.load_failed("Loading was cancelled."):
            return
        self._restore_index()
        self.statusBar().showMessage("Loading cancelled.", 5000)
        if self.lt is None:
            self.message.setText("Loading was cancelled. Use File → Open kernel tree… to start again.")

    def _on_loaded(self, outcome: LoadOutcome) -> None:
        lt = outcome.loaded
        old = self.lt
        kept = self._keep and old is not None
        # a reload keeps the user's place: the same entries in the new parse
        place = self.capture_place() if kept else None
        if old is not None and old is not lt:
            self._to_retire.append(old)
        self.tree = lt.tree
        self.rust_syms = outcome.rust_syms
        self.index = outcome.index
        self.rust_nodes = outcome.rust_nodes
        self._pending_place = None
        self._place_before_lens = None
        self._notice_html = ""
        if kept:
            self.session.reload(lt)
        else:
            self.session.set_tree(lt, source=outcome.config_source)
        self.model.set_tree(lt, self.rust_syms, self.rust_nodes)
        self.settings.setValue(f"files/{path_setting(lt.tree.source)}", lt.kconf.files_parsed)
        if lt.tree.source != demo_tree():
            self._remember(lt.tree)
        self.history.clear()
        self.history_pos = -1
        self.toolchain.set_tree(lt.tree, lt.env.variables)
        self.toolchain.set_loaded_has_rust(loaded_has_rust(lt))
        self.stack.setCurrentIndex(1)
        self._set_enabled(True)
        self.view.expandToDepth(0)
        if place is not None:
            self.restore_place(place.moved_to(lt.kconf.top_node, self.model.group))
        self.overview.show_data(outcome.overview)
        self.fix_ui.update_button()
        self._update_title()
        src = outcome.config_source
        issue_count = outcome.report.issue_count if outcome.report else 0
        msg = f"Loaded {lt.title} in {lt.timings.total:.1f} s ({len(lt.trace.calls)} probes)"
        if lt.timings.parse_miss.startswith("damaged"):
            msg += "; a damaged stored parse was removed and the tree parsed again"
        if kept:
            msg += "; your current values were kept"
        else:
            msg += (f"; configuration from {show_path(lt.tree.shown(src))}" if src else
                    "; no configuration file (Kconfig defaults)")
        if issue_count and outcome.report is not None:
            msg += f"; {issue_count} line{'s' if issue_count != 1 else ''} of it not taken (see Details)"
            self.show_notice(issues_html("Lines of the configuration that were not taken", outcome.report))
        self.statusBar().showMessage(msg, 15000)
        if not kept:
            target = self.session.target
            self._seen = {target: Seen.look(target, src)} if target is not None else {}
            self._offer_recovery()
        self.rechecker.loaded(outcome)
        # the rest of the tree's shown entries and values, after the first paint, between events
        self.shown_values.start(lt.shown_steps(), self.SHOWN_VALUES_DELAY_MS)
        # the search index, after the first layout and paint (a worker beside them makes them wait for the GIL)
        QTimer.singleShot(self.BACKGROUND_DELAY_MS // 2, self._restore_index)
        self.treeLoaded.emit()
        # Writing the parse and taking the old tree apart compete with the GUI thread for
        # the GIL: let the new tree be laid out and painted first.
        QTimer.singleShot(self.BACKGROUND_DELAY_MS, lambda: self._after_load(outcome))

    BACKGROUND_DELAY_MS = 700
    SHOWN_VALUES_DELAY_MS = 150

    def _after_load(self, outcome: LoadOutcome) -> None:
        if outcome.loaded is not self.lt or self._closed:
            return  # another tree came in meanwhile, or the window closed
        if outcome.parse_cache is not None and not outcome.loaded.timings.unchecked:
            self.parse_writer.start(store_parse_work(outcome))
        if preimport_pending():
            self.preimporter.start(preimport_work())
        # everything that showed the old tree has moved to the new one
        self._retire_next()

    def _show_current_info(self) -> None:
        """The details again (the palette changed: their colours come from it)."""
        self._show_info(self.view.currentIndex())

    def _writer_busy_changed(self, busy: bool) -> None:
        if not busy:
            self._retire_next()

    def _retire_next(self) -> None:
        if self._closed:
            return  # the process ends; no thread may outlive the window
        if self._to_retire and not any(j.busy for j in (self.retirer, self.parse_writer, self.recovery_writer,
                                                        self.upgrade_ui.runner, self.indexer)):
            self.retirer.start(retire_work(self._to_retire.pop(0)))

    def _toggle_caches(self, on: bool) -> None:
        self.settings.setValue("load/use_caches", on)

    def clear_caches(self) -> None:
        probes, parses = ProbeCache().clear(), ParseCache().clear()
        self.statusBar().showMessage(f"Removed {probes} cached probe results and {parses} stored parses.", 8000)

    # -- recovery of unsaved edits -----------------------------------------------------


    # -- editing and files ---------------------------------------------------------------

    def _on_session_change(self, change: Change) -> None:
        """The one place the window hears of a change: every part follows it."""
        if change.values and not change.everything and self.lt is not None:
            if change.kind is not ChangeKind.EDIT:
                # the model moves rows next: note where the user is, to put it back after
                if self._pending_place is None:
                    self._pending_place = self.capture_place()
            # a notice (lines of a file not taken) was about the values before
            self._notice_html = ""
            # the panels after the rows on screen, before the next paint
            self.after_edit.start()
        self._recovery_follows(change)
        self._update_title()
        self._update_undo_actions()

    def _after_refresh(self) -> None:
        """The rows follow the change: the current row, the menus open and the top row as before."""
        place, self._pending_place = self._pending_place, None
        if place is not None:
            self.restore_place(place)

    def _after_edit(self) -> None:
        if self.lt is not None:
            self._update_overview()
            self.fix_ui.update_button()
            self.toolchain.set_loaded_has_rust(loaded_has_rust(self.lt))
            self._show_info(self.view.currentIndex())
            # an open "Make available…" dialog greys its plans and plans again on its
            # worker: its own window, painted after the rows (as 30 ms after them before)
            QTimer.singleShot(0, self.fix_ui.configuration_changed)

    # -- undo ------------------------------------------------------------------------------

    def undo(self) -> None:
        cmd = self.session.undo()
        if cmd is not None:
            self.statusBar().showMessage(f"Undone: {cmd.label}.", 5000)

    def redo(self) -> None:
        cmd = self.session.redo()
        if cmd is not None:
            self.statusBar().showMessage(f"Redone: {cmd.label}.", 5000)

    def _update_undo_actions(self) -> None:
        s = self.session
        self.act_undo.setEnabled(s.can_undo)
        self.act_redo.setEnabled(s.can_redo)
        self.act_undo.setText(f"Undo {s.undo_label}" if s.can_undo else "Undo")
        self.act_redo.setText(f"Redo {s.redo_label}" if s.can_redo else "Redo")

    def _update_overview(self) -> None:
        """The overview leads with what blocks "Rust support", from the why engine."""
        assert self.lt is not None
        self.overview.update_from(self.lt, self.rust_syms, rust_blockers(self.lt))

    def _update_title(self) -> None:
        if self.lt is None:
            self.setWindowTitle("rustconfig-gui")
            return
        # the file Save writes, and where the values came from when that is another file
        where, source = self.session.target, self.session.source
        came = f" (values from {show_text(source.name)})" if source is not None and source != where else ""
        shown = show_path(self.lt.tree.shown(where)) if where is not None else ""
        self.setWindowTitle(f"{shown}[*]{came} — {self.lt.title} — rustconfig-gui")
        self.setWindowModified(self.modified)



    def close_without_asking(self) -> None:
        """Close now (SIGTERM): unsaved values stay in the recovery copy, no question (gui/signals.py)."""
        self._ask_on_close = False
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        if self._ask_on_close and not self.maybe_save():
            event.ignore()
            return
        self._closed = True
        self.shown_values.stop()
        self.recovery_timer.stop()  # the copy is written, saved or discarded by now
        self.loader.shutdown()
        self.rechecker.shutdown()
        self.parse_writer.shutdown()
        self.recovery_writer.shutdown()
        self.retirer.shutdown()
        self.searcher.shutdown()
        self.indexer.shutdown()
        self.preimporter.shutdown()
        self.toolchain.shutdown()
        self.build_with.shutdown()
        self.fix_ui.shutdown()
        self.model.shutdown()
        self._save_settings()
        event.accept()

    # -- view modes, selection, info ------------------------------------------------------


    # -- search --------------------------------------------------------------------------


