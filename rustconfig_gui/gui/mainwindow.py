"""The main window: tree, info panel, search, Rust overview, files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kconfiglib import MenuNode, Symbol
from PySide6.QtCore import (
    QByteArray,
    QDateTime,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QSettings,
    Qt,
    QTimer,
    QUrl,
    Signal,
)
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
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
from rustconfig_gui.errors import ConfigFileError
from rustconfig_gui.explain import why
from rustconfig_gui.explain.overview import rust_blockers
from rustconfig_gui.gui.dialogs.fix import install_fix_actions
from rustconfig_gui.gui.dialogs.presets import install_preset_actions
from rustconfig_gui.gui.jobs import JobRunner, run_and_wait, share_gil_with_gui_thread
from rustconfig_gui.gui.panels.info import info_html
from rustconfig_gui.gui.panels.overview import RustOverview
from rustconfig_gui.gui.panels.toolchain import ToolchainPanel
from rustconfig_gui.gui.panels.why import explanation_for, toggle, why_html
from rustconfig_gui.gui.tree_model import NODE_ROLE, ConfigModel
from rustconfig_gui.gui.workers import (
    LoadOutcome,
    LoadRequest,
    TreeLoader,
    TreeRechecker,
    index_work,
    retire_work,
    store_parse_work,
)
from rustconfig_gui.kconfig import configfile, menutree
from rustconfig_gui.kconfig.loader import LoadedTree
from rustconfig_gui.kconfig.parsecache import ParseCache
from rustconfig_gui.kconfig.shell.cache import ProbeCache
from rustconfig_gui.kconfig.tree import KernelTree
from rustconfig_gui.workspace.recovery import (
    FileStamp,
    clear_recovery,
    read_recovery,
    write_recovery,
)
from rustconfig_gui.workspace.search import Hit, SearchIndex

MAX_RECENT = 8


def tree_to_dict(tree: KernelTree) -> dict[str, str]:
    return {"source": str(tree.source), "build": str(tree.build or ""), "arch": tree.arch or "",
            "llvm": "1" if tree.llvm else ""}


def tree_from_dict(d: dict[str, str]) -> KernelTree:
    return KernelTree(Path(d["source"]), build=Path(d["build"]) if d.get("build") else None,
                      arch=d.get("arch") or None, llvm=bool(d.get("llvm")))


class OpenTreeDialog(QDialog):
    """Folder chooser plus the make settings a tree is loaded with."""

    def __init__(self, parent: QWidget | None = None, tree: KernelTree | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Open kernel tree")
        form = QFormLayout(self)
        self.source = QLineEdit(str(tree.source) if tree else "")
        self.source.setAccessibleName("Kernel source folder")
        browse = QPushButton("Browse…")
        browse.clicked.connect(lambda: self._pick(self.source))
        row = QHBoxLayout()
        row.addWidget(self.source)
        row.addWidget(browse)
        form.addRow("Source folder:", row)
        self.build = QLineEdit(str(tree.build) if tree and tree.build else "")
        self.build.setPlaceholderText("same as source (in-tree build)")
        self.build.setAccessibleName("Build folder (O=)")
        browse_b = QPushButton("Browse…")
        browse_b.clicked.connect(lambda: self._pick(self.build))
        row_b = QHBoxLayout()
        row_b.addWidget(self.build)
        row_b.addWidget(browse_b)
        form.addRow("Build folder (O=):", row_b)
        self.arch = QComboBox()
        self.arch.setEditable(True)
        self.arch.setAccessibleName("ARCH")
        self.arch.addItem("")
        self.arch.lineEdit().setPlaceholderText("host default")
        if tree and tree.arch:
            self.arch.setCurrentText(tree.arch)
        self.source.textChanged.connect(self._fill_arches)
        self._fill_arches(self.source.text())
        form.addRow("ARCH:", self.arch)
        self.llvm = QCheckBox("LLVM=1 (build with clang and LLVM tools)")
        self.llvm.setChecked(bool(tree and tree.llvm))
        form.addRow("", self.llvm)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.resize(560, 0)

    def _pick(self, field: QLineEdit) -> None:
        d = QFileDialog.getExistingDirectory(self, "Choose a folder", field.text() or str(Path.home()))
        if d:
            field.setText(d)

    def _fill_arches(self, src: str) -> None:
        current = self.arch.currentText()
        self.arch.clear()
        self.arch.addItem("")
        arch_dir = Path(src) / "arch"
        if arch_dir.is_dir():
            names = sorted(p.name for p in arch_dir.iterdir() if (p / "Kconfig").is_file())
            self.arch.addItems(names + (["x86_64", "i386"] if "x86" in names else []))
        self.arch.setCurrentText(current)

    def tree(self) -> KernelTree:
        return KernelTree(Path(self.source.text().strip()),
                          build=Path(self.build.text().strip()) if self.build.text().strip() else None,
                          arch=self.arch.currentText().strip() or None, llvm=self.llvm.isChecked())


# the overview and details panel are updated this long after an edit
AFTER_EDIT_MS = 30

class MainWindow(QMainWindow):
    treeLoaded = Signal()

    def __init__(self, settings: QSettings | None = None) -> None:
        super().__init__()
        self.settings = settings or QSettings()
        self.setObjectName("MainWindow")
        self.lt = None
        self.tree: KernelTree | None = None
        self.config_path: Path | None = None
        self.rust_syms: frozenset[Symbol] = frozenset()
        self.rust_nodes: frozenset[int] = frozenset()
        self.index: SearchIndex | None = None
        self.history: list[MenuNode] = []
        self.history_pos = -1
        self._navigating = False
        self._keep = False
        self._info_node: MenuNode | None = None
        self._why_open: set[str] = set()
        # what the config file looked like when read/written (None: it did not exist)
        self._disk_stamp: FileStamp | None = None
        # overview and details follow an edit (coalesced: one update for a burst of
        # edits), after the rows on screen show it
        self.after_edit = QTimer(self)
        self.after_edit.setSingleShot(True)
        self.after_edit.setInterval(AFTER_EDIT_MS)
        self.after_edit.timeout.connect(self._after_edit)
        self.recovery_timer = QTimer(self)
        self.recovery_timer.setInterval(30_000)
        self.recovery_timer.timeout.connect(self.write_recovery_now)
        self.recovery_timer.start()
        self._modified = False
        self._edits = 0  # counts edits, so a save that ran while one happened does not hide it
        self._saving = False
        self._closed = False
        share_gil_with_gui_thread()
        self.loader = TreeLoader(self)
        # work that follows a load or an edit and must not hold the GUI thread
        self.parse_writer = JobRunner(self)
        self.recovery_writer = JobRunner(self)
        self.retirer = JobRunner(self)
        self.searcher = JobRunner(self)
        self.indexer = JobRunner(self)
        self.indexer.finished.connect(self._on_index)
        self.searcher.finished.connect(self._on_search_done)
        self._search_wanted: str | None = None
        self._search_activate = False
        self._to_retire: list[LoadedTree] = []
        # a tree is taken apart only once no writer still reads it
        for job in (self.retirer, self.parse_writer, self.recovery_writer, self.indexer):
            job.busyChanged.connect(lambda busy: busy or self._retire_next())
        self.recovery_writer.failed.connect(
            lambda msg: self.statusBar().showMessage(f"Could not keep a recovery copy: {msg}", 8000))
        self.loader.progress.connect(lambda fp: self._on_progress(*fp))
        self.loader.finished.connect(self._on_loaded)
        self.loader.failed.connect(self._on_failed)
        self.loader.cancelled.connect(self._on_cancelled)
        self.loader.busyChanged.connect(self._on_busy)
        self.rechecker = TreeRechecker(self)  # a tree shown as last loaded is checked behind it
        self.model = ConfigModel(self)
        self.model.rust_icon = QIcon(str(resources_root() / "icons" / "rust-option.svg"))
        self.model.valueEdited.connect(self._on_edited)
        self.model.editRejected.connect(lambda msg: self.statusBar().showMessage(msg, 8000))
        self._build_ui()
        self._restore_settings()
        self._update_title()

    @property
    def modified(self) -> bool:
        return self._modified

    @modified.setter
    def modified(self, value: bool) -> None:
        if value:
            self._edits += 1
        self._modified = value

    # -- construction ---------------------------------------------------------------

    def _build_ui(self) -> None:
        self.resize(1280, 800)
        icon = QIcon(str(resources_root() / "icons" / "rustconfig-gui.svg"))
        self.setWindowIcon(icon)

        tb = QToolBar("Main")
        tb.setObjectName("MainToolbar")
        self.addToolBar(tb)

        def act(text: str, slot, shortcut: QKeySequence | str | None = None, checkable: bool = False) -> QAction:
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
        view = self.menuBar().addMenu("&View")
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
        header = self.view.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(0, 460)
        header.resizeSection(1, 260)
        self.view.selectionModel().currentChanged.connect(self._on_current)
        self.model.valuesChanged.connect(self.view.viewport().update)
        self.model.parents_on_screen = self._parents_on_screen
        self._top_row: QPersistentModelIndex | None = None
        self.model.offScreenRowsAboutToChange.connect(self._keep_top_row)
        self.model.offScreenRowsChanged.connect(self._back_to_top_row)
        self.vsplit.addWidget(self.results)
        self.vsplit.addWidget(self.view)
        self.vsplit.setStretchFactor(1, 1)

        self.info = QTextBrowser()
        self.info.setAccessibleName("Details")
        self.info.setOpenLinks(False)
        self.info.anchorClicked.connect(lambda url: self._on_link(url.toString()))

        self.hsplit = QSplitter(Qt.Orientation.Horizontal)
        self.hsplit.addWidget(self.vsplit)
        self.hsplit.addWidget(self.info)
        self.hsplit.setStretchFactor(0, 3)
        self.hsplit.setStretchFactor(1, 2)
        self.hsplit.setSizes([780, 480])
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
        view.addSeparator()
        view.addAction(self.toolchain_dock.toggleViewAction())

        # presets, fragments, diffs, and undo for edits (gui/dialogs/presets.py)
        self.presets_ui = install_preset_actions(self)
        # "Make available…" on entries and in the Rust overview (gui/dialogs/fix.py), on the same undo stack
        self.fix_ui = install_fix_actions(self, stack=self.presets_ui.stack, changed=self.presets_ui.config_replaced)

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
        self.act_show_all.setChecked(s.value("view/show_all", False, type=bool))
        self.act_lens.setChecked(s.value("view/rust_lens", False, type=bool))
        self.act_caches.setChecked(s.value("load/use_caches", True, type=bool))
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
        for i in range(size):
            self.settings.setArrayIndex(i)
            out.append({k: str(self.settings.value(k, "")) for k in ("source", "build", "arch", "llvm")})
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
            label = r["source"] + (f"  O={r['build']}" if r["build"] else "") + \
                (f"  ARCH={r['arch']}" if r["arch"] else "") + ("  LLVM=1" if r["llvm"] else "")
            a = self.recent_menu.addAction(label)
            a.triggered.connect(lambda _=False, r=r: self.open_tree(tree_from_dict(r)))
        self.recent_menu.setEnabled(bool(self.recent_menu.actions()))

    # -- opening trees ----------------------------------------------------------------

    def demo_tree_spec(self) -> KernelTree:
        from PySide6.QtCore import QStandardPaths

        data = Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation))
        return KernelTree(demo_tree(), build=data / "demo-build")

    def open_tree_dialog(self) -> None:
        dlg = OpenTreeDialog(self, self.tree if self.tree and self.tree.source != demo_tree() else None)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self.open_tree(dlg.tree())

    def open_tree(self, tree: KernelTree, config: Path | None = None, prefer_defconfig: bool = False,
                  keep_values: bool = False) -> bool:
        if self.loader.busy:
            self.statusBar().showMessage("A tree is loading; cancel it first.", 5000)
            return False
        if not keep_values and not self.maybe_save():
            return False
        self._keep = keep_values and self.lt is not None
        # the text of the current values is written in the worker, from a copy
        carried = self.lt.values_copy() if self._keep and self.lt is not None else None
        self._pending = tree
        self.message.setText(f"Loading {tree.describe()} …\n\nKconfig probes the toolchain (compiler, rustc, "
                             "bindgen); this takes a few seconds.")
        # two trees are in memory until the new one is shown: let the old one's
        # search index go now (searching comes back with the new tree)
        self._drop_index()
        self.stack.setCurrentIndex(0 if self.lt is None else 1)
        self.loader.load(LoadRequest(tree, config=config, prefer_defconfig=prefer_defconfig,
                                     carried=carried, use_caches=self.act_caches.isChecked()))
        return True

    def reload_with(self, tree: KernelTree) -> bool:
        """Re-parse (e.g. after a toolchain fix) keeping the current values and file."""
        return self.open_tree(tree, keep_values=True)

    def _on_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self.act_open.setEnabled(not busy)
        if busy:
            expected = self.settings.value(f"files/{self._pending.source}", 0, type=int)
            self.progress.setRange(0, expected or 0)
            self.progress.setValue(0)
            self.progress.setFormat("loading…")

    def _on_progress(self, files: int, probes: int) -> None:
        if self.progress.maximum():
            self.progress.setValue(min(files, self.progress.maximum()))
        self.progress.setFormat(f"{files} files, {probes} probes")

    def _drop_index(self) -> None:
        self.index = None
        self._search_wanted = None
        self.search.setEnabled(False)

    def _restore_index(self) -> None:
        """After a failed or cancelled load: the shown tree's search index again, built in a worker."""
        if self.lt is None or self.index is not None:
            return
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
        kept = self._keep
        if self.lt is not None and self.lt is not lt:
            self._to_retire.append(self.lt)
        self.lt = lt
        self.tree = lt.tree
        if not kept or self.config_path is None:
            self.config_path = lt.tree.config_path
        self.rust_syms = outcome.rust_syms
        self.index = outcome.index
        self.model.reason_fn = _reason
        self.rust_nodes = outcome.rust_nodes
        self.model.set_tree(lt, self.rust_syms, self.rust_nodes)
        self.settings.setValue(f"files/{lt.tree.source}", lt.kconf.files_parsed)
        if lt.tree.source != demo_tree():
            self._remember(lt.tree)
        self.history.clear()
        self.history_pos = -1
        if not kept:
            self.modified = False
        self.toolchain.set_tree(lt.tree, lt.env.variables)
        self.stack.setCurrentIndex(1)
        self._set_enabled(True)
        self.view.expandToDepth(0)
        self.overview.show_data(outcome.overview)
        self._update_title()
        src = outcome.config_source
        issues = outcome.report.issues if outcome.report else []
        issue_count = outcome.report.issue_count if outcome.report else 0
        msg = f"Loaded {lt.title} in {lt.timings.total:.1f} s ({len(lt.trace.calls)} probes)"
        if kept:
            msg += "; your current values were kept"
        else:
            msg += f"; configuration from {src}" if src else "; no configuration file (Kconfig defaults)"
        if issue_count:
            msg += f"; {issue_count} line{'s' if issue_count != 1 else ''} of it not taken (see Details)"
            self.info.setHtml("<h3>Lines of the configuration that were not taken</h3><ul>"
                              + "".join(f"<li>{_html(str(i))}</li>" for i in issues[:200]) + "</ul>")
        self.statusBar().showMessage(msg, 15000)
        if not kept:
            self._disk_stamp = FileStamp.of(self.config_path) if src == self.config_path else None
            self._offer_recovery()
        self.rechecker.loaded(outcome)
        # the search index, after the first layout and paint (a worker beside them makes them wait for the GIL)
        QTimer.singleShot(self.BACKGROUND_DELAY_MS // 2, self._restore_index)
        self.treeLoaded.emit()
        # Writing the parse and taking the old tree apart compete with the GUI thread for
        # the GIL: let the new tree be laid out and painted first.
        QTimer.singleShot(self.BACKGROUND_DELAY_MS, lambda: self._after_load(outcome))

    BACKGROUND_DELAY_MS = 700

    def _after_load(self, outcome: LoadOutcome) -> None:
        if outcome.loaded is not self.lt or self._closed:
            return  # another tree came in meanwhile, or the window closed
        if outcome.parse_cache is not None and not outcome.loaded.timings.unchecked:
            self.parse_writer.start(store_parse_work(outcome))
        # everything that showed the old tree has moved to the new one
        self._retire_next()

    def _retire_next(self) -> None:
        if self._closed:
            return  # the process ends; no thread may outlive the window
        if self._to_retire and not any(j.busy for j in (self.retirer, self.parse_writer, self.recovery_writer,
                                                        self.indexer)):
            self.retirer.start(retire_work(self._to_retire.pop(0)))

    def _toggle_caches(self, on: bool) -> None:
        self.settings.setValue("load/use_caches", on)

    def clear_caches(self) -> None:
        probes, parses = ProbeCache().clear(), ParseCache().clear()
        self.statusBar().showMessage(f"Removed {probes} cached probe results and {parses} stored parses.", 8000)

    # -- recovery of unsaved edits -----------------------------------------------------

    def write_recovery_now(self, wait: bool = False) -> None:
        """Keep the unsaved values in a recovery file; in a worker unless ``wait``."""
        if self.lt is None or not self.modified:
            return
        tree, values = self.lt.tree, self.lt.values_copy()
        target = self.config_path or tree.config_path

        def work(report=None, stopped=None) -> None:  # noqa: ANN001 - JobRunner's work signature
            write_recovery(tree, configfile.config_text(values), target)

        try:
            if wait:
                work()
            else:
                self.recovery_writer.start(work)
        except (OSError, ConfigFileError) as e:
            self.statusBar().showMessage(f"Could not keep a recovery copy: {e}", 8000)

    def _offer_recovery(self) -> None:
        assert self.lt is not None
        rec = read_recovery(self.lt.tree)
        if rec is None:
            self.recovery_bar.hide()
            return
        when = QDateTime.fromSecsSinceEpoch(int(rec.saved_at)).toString("yyyy-MM-dd hh:mm")
        self._recovered = rec
        self.recovery_label.setText(f"Unsaved changes to this tree from {when} were kept after the app "
                                    "closed unexpectedly.")
        self.recovery_bar.show()

    def restore_recovery(self) -> None:
        rec = getattr(self, "_recovered", None)
        if self.lt is None or rec is None:
            return
        report = configfile.read_config_text(self.lt.ev, rec.text, "(recovered changes)")
        self._after_bulk_change()
        self.modified = True
        self._update_title()
        self.recovery_bar.hide()
        self.statusBar().showMessage(f"Restored {report.assignments} values; save to keep them.", 8000)

    def discard_recovery(self) -> None:
        if self.lt is not None:
            clear_recovery(self.lt.tree)
        self.recovery_bar.hide()

    def on_unhandled_exception(self, exc_type, exc, tb) -> None:  # noqa: ANN001 - sys.excepthook signature
        """Keep the edits, then show what happened with a way to save."""
        import traceback

        self.write_recovery_now(wait=True)
        box = QMessageBox(QMessageBox.Icon.Critical, "Unexpected error",
                          f"{exc_type.__name__}: {exc}\n\nYour unsaved changes were kept in a recovery file "
                          "and will be offered the next time you open this tree.", parent=self)
        box.setDetailedText("".join(traceback.format_exception(exc_type, exc, tb)))
        save_as = box.addButton("Save as…", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Close)
        save_as.clicked.connect(self.save_as)
        box.setObjectName("UnexpectedError")
        box.open()

    # -- editing and files ---------------------------------------------------------------

    def _on_edited(self, sym: Symbol) -> None:
        self.modified = True
        self._update_title()
        # each its own turn of the event loop: input and painting go in between
        self.after_edit.start()

    def _after_edit(self) -> None:
        if self.lt is not None:
            self._update_overview()
            QTimer.singleShot(0, lambda: self._show_info(self.view.currentIndex()))

    def _update_overview(self) -> None:
        """The overview leads with what blocks "Rust support", from the why engine."""
        assert self.lt is not None
        self.overview.update_from(self.lt, self.rust_syms, rust_blockers(self.lt))

    def _update_title(self) -> None:
        if self.lt is None:
            self.setWindowTitle("rustconfig-gui")
            return
        where = self.config_path or self.lt.tree.config_path
        self.setWindowTitle(f"{where}[*] — {self.lt.title} — rustconfig-gui")
        self.setWindowModified(self.modified)

    def save(self) -> bool:
        if self.lt is None:
            return False
        path = self.config_path or self.lt.tree.config_path
        if self.changed_on_disk(path):
            self._ask_disk_changed(path)
            return False
        return self._write(path)

    def changed_on_disk(self, path: Path) -> bool:
        """Did another program (make menuconfig…) write the file since we read it?"""
        if not path.exists():
            return False
        return self._disk_stamp is None or self._disk_stamp.changed(path)

    def _ask_disk_changed(self, path: Path) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, "Configuration changed on disk",
                          f"{path} was changed by another program since it was loaded here.", parent=self)
        box.setInformativeText("Reload it (your changes here are dropped), overwrite it with your "
                               "configuration, or save yours under another name.")
        box.setObjectName("ChangedOnDisk")
        reload_b = box.addButton("Reload", QMessageBox.ButtonRole.DestructiveRole)
        overwrite = box.addButton("Overwrite", QMessageBox.ButtonRole.AcceptRole)
        save_as = box.addButton("Save as…", QMessageBox.ButtonRole.ActionRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        reload_b.clicked.connect(lambda: self.load_config(path))
        overwrite.clicked.connect(lambda: self._write(path))
        save_as.clicked.connect(self.save_as)
        box.open()

    def save_as(self) -> bool:
        if self.lt is None:
            return False
        name, _ = QFileDialog.getSaveFileName(self, "Save configuration as", str(self.config_path or ""))
        return bool(name) and self._write(Path(name), adopt=True)

    def _write(self, path: Path, adopt: bool = False) -> bool:
        assert self.lt is not None
        if self._saving:
            return False
        values, edits = self.lt.values_copy(), self._edits
        self._saving = True
        try:
            # text, fsync and rename off the GUI thread: the window keeps painting
            run_and_wait(lambda: configfile.write_atomic(path, configfile.config_text(values)))
        except ConfigFileError as e:
            QMessageBox.critical(self, "Not saved", f"{e}\n\nYour changes are still here; use Save as… to save "
                                                    "them elsewhere.")
            return False
        finally:
            self._saving = False
        if adopt or path == self.config_path:
            self.config_path = path
            # an edit made while writing is not in the file
            self._modified = self._edits != edits
            self._disk_stamp = FileStamp.of(path)
            clear_recovery(self.lt.tree)
        self._update_title()
        self.statusBar().showMessage(f"Saved {path} (previous version kept as {path.name}.old)", 8000)
        return True

    def load_config_dialog(self) -> None:
        if self.lt is None or not self.maybe_save():
            return
        name, _ = QFileDialog.getOpenFileName(self, "Load configuration", str(self.lt.tree.objtree))
        if name:
            self.load_config(Path(name))

    def load_config(self, path: Path) -> None:
        assert self.lt is not None
        try:
            report = self.lt.read_config(path)
        except ConfigFileError as e:
            QMessageBox.warning(self, "Could not load configuration", str(e))
            return
        self.config_path = path
        self.modified = False
        self._disk_stamp = FileStamp.of(path)
        clear_recovery(self.lt.tree)
        self._after_bulk_change()
        msg = f"Loaded {path}"
        if report.issue_count:
            msg += f"; {report.issue_count} line{'s' if report.issue_count != 1 else ''} not taken"
            self.info.setHtml("<h3>Lines not taken</h3><ul>" +
                              "".join(f"<li>{_html(str(i))}</li>" for i in report.issues[:200]) + "</ul>")
        self.statusBar().showMessage(msg, 10000)

    def revert(self) -> None:
        if self.lt is None:
            return
        path = self.config_path or self.lt.tree.config_path
        if path.is_file():
            self.load_config(path)
        else:
            self.lt.ev.clear_user()
            self.lt.ev.invalidate()
            self.modified = False
            self._after_bulk_change()

    def _after_bulk_change(self) -> None:
        assert self.lt is not None
        self.model.set_tree(self.lt, self.rust_syms, self.rust_nodes)
        self.view.expandToDepth(0)
        self._update_overview()
        self._update_title()

    def maybe_save(self) -> bool:
        if not self.modified:
            return True
        box = QMessageBox(QMessageBox.Icon.Question, "Unsaved changes",
                          "The configuration has unsaved changes. Save them?",
                          QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                          | QMessageBox.StandardButton.Cancel, self)
        answer = box.exec()
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        if answer == QMessageBox.StandardButton.Discard and self.lt is not None:
            clear_recovery(self.lt.tree)
        return answer == QMessageBox.StandardButton.Discard

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        if not self.maybe_save():
            event.ignore()
            return
        self._closed = True
        self.loader.shutdown()
        self.rechecker.shutdown()
        self.parse_writer.shutdown()
        self.recovery_writer.shutdown()
        self.retirer.shutdown()
        self.searcher.shutdown()
        self.indexer.shutdown()
        self.toolchain.shutdown()
        self._save_settings()
        event.accept()

    # -- view modes, selection, info ------------------------------------------------------

    def _toggle_show_all(self, on: bool) -> None:
        node = self.current_node()
        self.model.set_mode(show_all=on)
        self.view.expandToDepth(0)
        if node is not None:
            self.select_node(node, record=False)

    def _toggle_lens(self, on: bool) -> None:
        node = self.current_node()
        self.model.set_mode(rust_lens=on)
        if on:
            self.view.expandAll()
        else:
            self.view.expandToDepth(0)
        if node is not None:
            self.select_node(node, record=False)

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
        index = view.indexAt(QPoint(0, 0))
        while index.isValid() and view.visualRect(index).top() < bottom:
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
        self._show_info(current)
        node = current.data(NODE_ROLE) if current.isValid() else None
        if self._navigating:
            return
        if isinstance(node, MenuNode) and (self.history_pos < 0 or self.history[self.history_pos] is not node):
            del self.history[self.history_pos + 1:]
            self.history.append(node)
            self.history_pos = len(self.history) - 1

    def _show_info(self, index: QModelIndex) -> None:
        if self.lt is None or not index.isValid():
            return
        node = index.data(NODE_ROLE)
        if isinstance(node, MenuNode):
            if node is not self._info_node:
                self._why_open = set()
                self._info_node = node
            scroll = self.info.verticalScrollBar().value()
            exp = explanation_for(self.lt, node)
            section = why_html(exp, self._why_open, self.toolchain.result)
            self.info.setHtml(info_html(self.lt, node, self.rust_syms, why_html=section))
            self.info.verticalScrollBar().setValue(scroll)

    def select_node(self, node: MenuNode, record: bool = True) -> bool:
        """Jump to an entry: expand its menus, switch to show-all if it is hidden."""
        idx = self.model.index_for_node(node)
        if not idx.isValid() and not self.act_show_all.isChecked():
            self.act_show_all.setChecked(True)
            self.model.set_mode(show_all=True)
            idx = self.model.index_for_node(node)
        if not idx.isValid() and self.act_lens.isChecked():
            self.act_lens.setChecked(False)
            self.model.set_mode(rust_lens=False)
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
            self.select_symbol(link[4:])
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

    # -- search --------------------------------------------------------------------------

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


def _html(s: str) -> str:
    import html

    return html.escape(s)


def _reason(lt, node: MenuNode) -> str:
    """The one-line reason on a hidden row, from the why engine."""
    item = node.item
    if item.__class__ is Symbol:
        return why.one_line_reason(lt, item)
    return menutree.first_blocker(lt.ev, node)

