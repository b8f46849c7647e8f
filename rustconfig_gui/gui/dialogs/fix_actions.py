""""Make available…" in the main window: the action on the current entry (Edit menu and the
tree's context menu), the Rust overview's button, and Apply as one step of the session's
history.  The dialog itself (gui/dialogs/fix.py), the planner and the doctor are imported
when a dialog first opens, not while the window starts."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kconfiglib import Choice, MenuNode, Symbol
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QPushButton

from rustconfig_gui.host.lazy import LazyModule
from rustconfig_gui.kconfig.loader import LoadedTree
from rustconfig_gui.workspace.session import Change, Session

if TYPE_CHECKING:
    from rustconfig_gui.explain import fix
    from rustconfig_gui.explain.fix import ApplyReport, Plan, Target
    from rustconfig_gui.gui.dialogs import fix as dialogs
    from rustconfig_gui.gui.dialogs.fix import FixDialog
    from rustconfig_gui.toolchain import doctor
    from rustconfig_gui.toolchain.doctor import DoctorReport
    from rustconfig_gui.toolchain.remedies import Remedy
    from rustconfig_gui.toolchain.rustavailable import ProbeResult
else:
    fix = LazyModule("rustconfig_gui.explain.fix")
    dialogs = LazyModule("rustconfig_gui.gui.dialogs.fix")
    doctor = LazyModule("rustconfig_gui.toolchain.doctor")


def target_for_node(lt: LoadedTree, node: MenuNode | None) -> Target | None:
    if node is None:
        return None
    item = node.item
    try:
        if item.__class__ is Symbol:
            return fix.make_target(lt, item)
        if item.__class__ is Choice:
            return fix.make_target(lt, item, "visible")
        if node.prompt is not None:
            return fix.make_target(lt, node, "visible")
    except ValueError:
        return None
    return None


class FixController(QObject):
    """"Make available…": an action on the current entry (menu and the tree's context menu), a
    "Make Rust available…" button in the Rust overview, and Apply as one step of the session's
    history.  Speaks to the :class:`Session`; from the window it is given the tree view (for its
    context menu), the overview's layout (for the button), and three callables: the current entry,
    selecting a symbol, the status line; and the latest toolchain check as a callable."""

    def __init__(self, parent: Any, session: Session, *, view: Any, overview_layout: Any,
                 current_node: Callable[[], MenuNode | None], select_symbol: Callable[[str], Any],
                 status: Callable[[str, int], None],
                 toolchain: Any = None, show_toolchain: Callable[[], Any] | None = None) -> None:
        super().__init__(parent)
        self.parent_widget = parent
        self.session = session
        self.view = view
        self.current_node = current_node
        self.select_symbol = select_symbol
        self.status = status
        # the Toolchain panel: its latest check (the doctor's report or the script's result) and
        # the remedies it runs
        self.toolchain = toolchain
        self.show_toolchain = show_toolchain
        self.dialog: FixDialog | None = None
        self._applying = False
        self._reopen: tuple[str, str] | None = None
        self.act_fix = QAction("Make available…", parent)
        self.act_fix.setShortcut(QKeySequence("Ctrl+Shift+M"))
        self.act_fix.setStatusTip("Plans that make the selected entry available, smallest first")
        self.act_fix.triggered.connect(self.open_for_current)
        self.act_fix.setEnabled(False)

        self.rust_button = QPushButton("Make Rust available…")
        self.rust_button.setAccessibleName("Make Rust support available")
        self.rust_button.setToolTip("Plans that turn on Rust support (RUST=y), smallest first")
        self.rust_button.clicked.connect(self.open_for_rust)
        self.rust_button.hide()
        if overview_layout is not None:
            overview_layout.addWidget(self.rust_button)

        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(self._context_menu)
        session.subscribe(self._on_change)

    def add_menus(self, bar: Any) -> None:
        """The action into the Edit menu (made here when there is none)."""
        edit = next((a.menu() for a in bar.actions() if a.menu() is not None
                     and a.text().replace("&", "") == "Edit"), None)
        if edit is None:
            edit = bar.addMenu("&Edit")
        edit.addSeparator()
        edit.addAction(self.act_fix)

    # -- state -----------------------------------------------------------------------------

    def _on_change(self, change: Change) -> None:
        if change.everything:
            self.on_tree_loaded()
        elif change.values:
            self.update_button()
            # at once: the open dialog shows no plan of before from now on
            self.configuration_changed()

    def on_tree_loaded(self) -> None:
        self.act_fix.setEnabled(self.session.lt is not None)
        reopen, self._reopen = self._reopen, None
        if self.dialog is not None:
            self.dialog.close()
            self.dialog = None
        self.update_button()
        lt = self.session.lt
        if reopen is not None and lt is not None and lt.sym(reopen[0]) is not None:
            # a fix ran from the dialog: its plans were for the old parse; plan again on the new one
            try:
                self.open_dialog(fix.make_target(lt, lt.sym(reopen[0]), reopen[1]))
            except ValueError:
                pass

    def update_button(self) -> None:
        lt = self.session.lt
        rust = lt.sym("RUST") if lt is not None else None
        self.rust_button.setVisible(lt is not None and rust is not None and lt.ev.str_value(rust) != "y")

    def configuration_changed(self) -> None:
        """After a change made elsewhere (an edit, undo, a preset): the open dialog plans
        from the configuration as it is now (on its worker), so it shows no value of
        before; once per state of the configuration."""
        dlg = self.dialog
        if dlg is None or not dlg.isVisible() or self._applying or dlg.lt is not self.session.lt:
            return
        if dlg.state_id == self.session.state_id:
            return  # planned (or being planned) for this state already
        dlg.state_id = self.session.state_id
        dlg.replan()

    def shutdown(self) -> None:
        """The window closes: the dialog's worker is stopped and joined."""
        if self.dialog is not None:
            self.dialog.shutdown()

    # -- actions ---------------------------------------------------------------------------

    def probe(self) -> ProbeResult | DoctorReport | None:
        panel = self.toolchain
        report = getattr(panel, "report", None)
        lt = self.session.lt
        if isinstance(report, doctor.DoctorReport) and lt is not None:
            return report if report.tree.source == lt.tree.source else None
        result = getattr(panel, "result", None)
        tree = getattr(panel, "tree", None)
        if result is None or lt is None or tree is None:
            return None
        # findings of a probe for another source tree say nothing about this one
        return result if tree.source == lt.tree.source else None

    def open_dialog(self, target: Target) -> FixDialog:
        if self.dialog is not None:
            # the previous dialog goes: it holds its tree (the one shown then) and its plans
            self.dialog.close()
            self.dialog.deleteLater()
        assert self.session.lt is not None, "a target belongs to a loaded tree"
        panel = self.toolchain
        probe = self.probe()
        self.dialog = dialogs.FixDialog(self.parent_widget, self.session.lt, target, probe=probe, apply=self.apply,
                                link=self._link, run=self._run_remedy if panel is not None else None)
        self.dialog.state_id = self.session.state_id
        self.dialog.show()
        if probe is None and panel is not None and target.item.__class__ is Symbol \
                and target.item.name in ("RUST", "RUST_IS_AVAILABLE") and self.session.lt is not None \
                and self.session.lt.ev.str_value(self.session.lt.sym("RUST_IS_AVAILABLE")) != "y":
            # the toolchain was not checked yet: check it, then show every problem as an outside step
            dialog = self.dialog
            def replan(_report: object) -> None:
                panel.runner.finished.disconnect(replan)
                if self.dialog is dialog:
                    dialog.probe = self.probe()
                    dialog.replan()
            panel.runner.finished.connect(replan)
            if not panel.runner.busy and not panel.run_check():
                panel.runner.finished.disconnect(replan)
        return self.dialog

    def open_for_current(self) -> FixDialog | None:
        lt = self.session.lt
        if lt is None:
            return None
        target = target_for_node(lt, self.current_node())
        if target is None:
            self.status("Select an option, choice or menu first.", 5000)
            return None
        return self.open_dialog(target)

    def open_for_rust(self) -> FixDialog | None:
        lt = self.session.lt
        rust = lt.sym("RUST") if lt is not None else None
        if lt is None or rust is None:
            return None
        return self.open_dialog(fix.make_target(lt, rust, "y"))

    def apply(self, plan: Plan, target: Target) -> ApplyReport | None:
        if self.session.lt is None:
            return None
        self._applying = True
        try:
            report = self.session.apply_plan(plan, target)
        finally:
            self._applying = False
        if self.dialog is not None:
            # what the dialog shows now is the apply's report, no plan of any state
            self.dialog.state_id = None
        self.status(
            f"Made {len(report.applied)} change{'s' if len(report.applied) != 1 else ''} for {target.label}"
            + (f"; {len(report.pending)} wait for the outside steps" if report.pending else ""), 10000)
        if target.item.__class__ is Symbol and report.reached:
            self.select_symbol(target.item.name)
        return report

    def _run_remedy(self, remedy: Remedy) -> bool:
        if self.toolchain is None:
            return False
        if self.show_toolchain is not None:
            self.show_toolchain()
        started = bool(self.toolchain.run_remedy(remedy))
        dlg = self.dialog
        if started and dlg is not None and dlg.target.item.__class__ is Symbol:
            # after the fix, the check and the reload: the same question on the new parse
            self._reopen = (dlg.target.item.name, dlg.target.want)
            fixer = self.toolchain.fixer

            def done(outcome: Any) -> None:
                fixer.finished.disconnect(done)
                if not outcome.ok:
                    self._reopen = None
            fixer.finished.connect(done)
        return started

    def _link(self, link: str) -> None:
        if link.startswith("sym:"):
            self.select_symbol(link[4:])

    def _context_menu(self, pos: Any) -> None:
        idx = self.view.indexAt(pos)
        if not idx.isValid() or self.session.lt is None:
            return
        self.view.setCurrentIndex(idx)
        menu = QMenu(self.view)
        menu.addAction(self.act_fix)
        menu.popup(self.view.viewport().mapToGlobal(pos))


def install_fix_actions(window: Any) -> FixController:
    """Add "Make available…" to a MainWindow (Edit menu, the tree's context menu, the Rust
    overview's button), working on the window's session."""
    toolchain = getattr(window, "toolchain", None)
    show = getattr(window, "show_toolchain", None)
    ctl = FixController(window, window.session, view=window.view, overview_layout=window.overview.layout(),
                        current_node=window.current_node, select_symbol=window.select_symbol,
                        status=window.statusBar().showMessage, toolchain=toolchain,
                        show_toolchain=(lambda: show(run=False)) if show is not None else None)
    ctl.add_menus(window.menuBar())
    if window.lt is not None:
        ctl.on_tree_loaded()
    return ctl


__all__ = ["FixController", "install_fix_actions", "target_for_node"]
