"""The Presets menu in the main window: Apply presets, Save fragment, Compare.  The dialogs
(gui/dialogs/presets.py, diff.py) and the presets and fragments they read are imported
when a dialog first opens, not while the window starts."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog

from rustconfig_gui.host.lazy import LazyModule
from rustconfig_gui.kconfig.semantics import UserState
from rustconfig_gui.kconfig.tree import KernelTree
from rustconfig_gui.workspace.session import Change, Session

if TYPE_CHECKING:
    from rustconfig_gui.gui.dialogs import presets as dialogs
    from rustconfig_gui.gui.dialogs.presets import PresetsDialog, SaveFragmentDialog
    from rustconfig_gui.workspace import presets
    from rustconfig_gui.workspace.presets import ApplyReport, Fragment
else:
    dialogs = LazyModule("rustconfig_gui.gui.dialogs.presets")
    presets = LazyModule("rustconfig_gui.workspace.presets")


class PresetsController(QObject):
    """The Presets menu: Apply presets (one step of the session's history), Save
    fragment, Compare.  Speaks to the :class:`Session` it is given; from the
    window it needs only a status line, a way to select a symbol, the Rust
    symbols and icon, and the parent for its dialogs."""

    def __init__(self, parent: Any, session: Session, *, select_symbol: Callable[[str], Any],
                 status: Callable[[str, int], None], rust_syms: Callable[[], frozenset[Any]],
                 rust_icon: Callable[[], Any] = lambda: None,
                 open_fix: Callable[[Any], Any] | None = None,
                 recent_trees: Callable[[], list[dict[str, str]]] | None = None) -> None:
        super().__init__(parent)
        self.open_fix = open_fix
        self.recent_trees = recent_trees
        self.parent_widget = parent
        self.session = session
        self.select_symbol = select_symbol
        self.status = status
        self.rust_syms = rust_syms
        self.rust_icon = rust_icon
        self.opened: UserState | None = None
        self.start_text: str | None = None
        self.start_label = ""
        self.last_report: ApplyReport | None = None

        def act(text: str, slot: Callable[[], Any], shortcut: Any = None) -> QAction:
            a = QAction(text, parent)
            if shortcut is not None:
                a.setShortcut(QKeySequence(shortcut))
            a.triggered.connect(slot)
            return a

        self.act_apply = act("Apply presets…", self.open_apply_dialog)
        self.act_save = act("Save fragment…", self.open_save_dialog)
        self.act_diff = act("Compare configurations…", self.open_diff_dialog)
        for a in (self.act_apply, self.act_save, self.act_diff):
            a.setEnabled(False)
        session.subscribe(self._on_change)

    def add_menus(self, bar: Any) -> None:
        menu = bar.addMenu("&Presets")
        menu.addAction(self.act_apply)
        menu.addAction(self.act_save)
        menu.addSeparator()
        menu.addAction(self.act_diff)

    # -- state ---------------------------------------------------------------------------

    def _on_change(self, change: Change) -> None:
        # a new parse (a reload too): "changes since opened" start from its values
        if change.everything:
            self.on_tree_loaded()

    def on_tree_loaded(self) -> None:
        lt = self.session.lt
        if lt is None:
            return
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
        for a in (self.act_apply, self.act_save, self.act_diff):
            a.setEnabled(True)

    # -- actions ---------------------------------------------------------------------------

    def apply(self, fragments: list[Fragment]) -> ApplyReport | None:
        """Apply as one step of the session's history; the report of it."""
        if self.session.lt is None:
            return None
        report = self.session.apply_fragments(fragments)
        self.last_report = report
        self.status(f"Presets applied: {report.summary()}.", 15000)
        return report

    def presets_dialog(self) -> PresetsDialog:
        frags = presets.all_presets(self.session.lt)
        return dialogs.PresetsDialog(self.parent_widget, frags, apply=self.apply, link=self._link)

    def _link(self, link: str) -> None:
        if link.startswith("sym:"):
            self.select_symbol(link[4:])
        elif link.startswith("fix:"):
            self.make_available(link[4:])

    def make_available(self, spec: str) -> Any:
        """"Make available…" for a group of values not applied: the fix dialog for its root."""
        from rustconfig_gui.explain import fix

        lt = self.session.lt
        if self.open_fix is None or lt is None:
            return None
        try:
            target = fix.find_target(lt, spec)
        except ValueError as e:
            self.status(str(e), 8000)
            return None
        return self.open_fix(target)

    def save_dialog(self) -> SaveFragmentDialog:
        assert self.session.lt is not None
        return dialogs.SaveFragmentDialog(self.parent_widget, self.session.lt, self.opened, self.start_text,
                                  self.rust_syms(), self.start_label, self.other_trees())

    def other_trees(self) -> list[KernelTree]:
        """The recent trees other than this one, with this tree's make variables (its toolchain)."""
        lt = self.session.lt
        if lt is None or self.recent_trees is None:
            return []
        from rustconfig_gui.gui.dialogs.open_tree import tree_from_dict

        out = []
        for entry in self.recent_trees():
            t = tree_from_dict(entry)
            if (t.source, t.arch, t.llvm) == (lt.tree.source, lt.tree.arch, lt.tree.llvm):
                continue
            out.append(dataclasses.replace(t, make_vars=lt.tree.make_vars, build=None))
        return out

    def diff_dialog(self) -> Any:
        from rustconfig_gui.gui.dialogs.diff import DiffDialog, read_text

        lt = self.session.lt
        assert lt is not None and self.session.target is not None
        dlg = DiffDialog(self.parent_widget, {s.name for s in self.rust_syms()}, self.rust_icon())
        path: Path = self.session.target
        old = path.with_name(path.name + ".old")
        dlg.add_source(f"{path} → current configuration",
                       lambda: (read_text(path), lt.config_text(), str(path), "current configuration (unsaved)"))
        dlg.add_source(f"{old} → current configuration",
                       lambda: (read_text(old), lt.config_text(), str(old), "current configuration (unsaved)"))
        dlg.add_source(f"{old} → {path}", lambda: (read_text(old), read_text(path), str(old), str(path)))
        dlg.show_source(0)
        return dlg

    def open_apply_dialog(self) -> None:
        if self.session.lt is not None:
            _show(self.presets_dialog())

    def open_save_dialog(self) -> None:
        if self.session.lt is not None:
            _show(self.save_dialog())

    def open_diff_dialog(self) -> None:
        if self.session.lt is not None:
            _show(self.diff_dialog())


def _show(dialog: QDialog) -> None:
    # not modal: the tree stays usable (a reason's link selects its symbol)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    dialog.raise_()


def install_preset_actions(window: Any) -> PresetsController:
    """Add the Presets menu to a MainWindow, working on its session."""
    ctl = PresetsController(window, window.session, select_symbol=window.select_symbol,
                            status=window.statusBar().showMessage, rust_syms=lambda: window.rust_syms,
                            rust_icon=lambda: getattr(window.model, "rust_icon", None),
                            open_fix=lambda target: window.fix_ui.open_dialog(target),
                            recent_trees=window.recent_trees)
    ctl.add_menus(window.menuBar())
    if window.lt is not None:
        ctl.on_tree_loaded()
    return ctl


__all__ = ["PresetsController", "install_preset_actions"]
