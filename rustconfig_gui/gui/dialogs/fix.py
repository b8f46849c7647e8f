""""Make available…": the planner's plans, their steps and side effects, Apply as one
undoable change, and the steps outside the configuration as a checklist with copy buttons.

The plans are made on a worker (:mod:`rustconfig_gui.gui.dialogs.fix_planner`): the
dialog opens at once and says it is planning; after a change of the configuration it
plans again, and until the new answer is back it shows no plan of before (the plans
are greyed out and Apply is off).  The window's part (the action, the overview's button:
:mod:`rustconfig_gui.gui.dialogs.fix_actions`) imports this module when a dialog first opens."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import TYPE_CHECKING

from kconfiglib import BOOL, TRISTATE, Choice, Symbol
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication, QHideEvent, QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from rustconfig_gui.gui.dialogs.enter import enter_presses, press_focused
from rustconfig_gui.gui.dialogs.fix_actions import FixController, install_fix_actions, target_for_node
from rustconfig_gui.gui.dialogs.fix_planner import FixPlanner, PlanAnswer
from rustconfig_gui.gui.style import on_palette_change, style_for
from rustconfig_gui.host.lazy import LazyModule
from rustconfig_gui.kconfig.loader import LoadedTree

if TYPE_CHECKING:
    from rustconfig_gui.explain import fix
    from rustconfig_gui.explain.fix import ApplyReport, FixResult, Plan, Target
    from rustconfig_gui.toolchain import doctor
    from rustconfig_gui.toolchain.doctor import DoctorReport
    from rustconfig_gui.toolchain.remedies import Remedy
    from rustconfig_gui.toolchain.rustavailable import ProbeResult

    ApplyFn = Callable[[Plan, Target], ApplyReport | None]
else:  # the planner and the doctor are imported when first needed, not while the window starts
    fix = LazyModule("rustconfig_gui.explain.fix")
    doctor = LazyModule("rustconfig_gui.toolchain.doctor")
RunFn = Callable[["Remedy"], bool]


# -- html -------------------------------------------------------------------------------------


def _esc(s: str) -> str:
    return html.escape(s)


def plan_html(plan: Plan, *, effects_limit: int = 300) -> str:
    """Steps, the note on verification and every side effect (Rust ones first)."""
    st = style_for()
    color = st.css("ok" if plan.verified else "bad")
    out = [f"<p style='{color}'><b>{_esc(plan.note[0].upper() + plan.note[1:])}</b></p>", "<ol>"]
    for s in plan.steps:
        where = "outside the configuration" if s.outside else "configuration"
        sym = f" <a href='sym:{_esc(s.symbol)}'>→&nbsp;{_esc(s.symbol)}</a>" if s.symbol and not s.outside else ""
        now = f", now {_esc(s.before or chr(34) * 2)}" if s.before is not None and not s.outside else ""
        out.append(f"<li><b>{_esc(s.text)}</b>{sym} {st.span('muted', f'[{where}{now}]')}")
        if s.because:
            out.append("<br>" + st.span("muted", f"for: {_esc(s.because)}"))
        for d in s.details:
            out.append("<br>" + st.span("muted", _esc(d)))
        for rem in s.commands:
            if rem.command:
                out.append(f"<br>→ {_esc(rem.title)}: <code>{_esc(rem.command)}</code>")
        out.append("</li>")
    out.append("</ol>")
    if plan.other_tree:
        out.append("<p>Side effects show once the tree is loaded with the other architecture.</p>")
    elif plan.side_effects:
        rust = [c for c in plan.side_effects if c.rust]
        other = [c for c in plan.side_effects if not c.rust]
        out.append(f"<p><b>Side effects:</b> {len(plan.side_effects)} other value"
                   f"{'s' if len(plan.side_effects) != 1 else ''} change, {len(rust)} of them Rust-related.</p>")
        out.append("<table cellspacing='0' cellpadding='2'>")
        for c in (rust + other)[:effects_limit]:
            mark = st.span("rust", "Rust") if c.rust else ""
            out.append(f"<tr><td><a href='sym:{_esc(c.symbol)}'>{_esc(c.symbol)}</a></td>"
                       f"<td>{_esc(c.before or chr(34) * 2)} → <b>{_esc(c.after or chr(34) * 2)}</b></td>"
                       f"<td>{mark}</td></tr>")
        out.append("</table>")
        if len(plan.side_effects) > effects_limit:
            out.append(f"<p>… and {len(plan.side_effects) - effects_limit} more</p>")
    else:
        out.append("<p><b>Side effects:</b> none; no other value changes.</p>")
    return "".join(out)


def result_html(r: FixResult) -> str:
    if r.already:
        return f"<p style='{style_for().css('ok')}'><b>{_esc(r.summary)}.</b> Nothing to do.</p>"
    if not r.plans:
        return (f"<p style='{style_for().css('bad')}'><b>Nothing can reach {_esc(r.target)} on this tree.</b></p>"
                f"<p>{_esc(r.why_not)}</p>")
    return ""


def plan_label(i: int, p: Plan) -> str:
    mark = "✔" if p.verified else "✖"
    tail = " — another ARCH" if p.other_tree else (" — needs outside steps" if p.outside_steps else "")
    return f"{mark} Plan {i}: {p.headline()}{tail}\n    " + ", ".join(s.short for s in p.steps)


# -- the dialog ----------------------------------------------------------------------------------


def wanted_values(target: Target) -> list[str]:
    it = target.item
    if it.__class__ is Symbol:
        if it.orig_type in (BOOL, TRISTATE):
            return ["y", "m", "n", "visible"] if it.orig_type == TRISTATE else ["y", "n", "visible"]
        return ["visible"] + ([target.want] if target.want != "visible" else [])
    if it.__class__ is Choice:
        return ["visible"] + [s.name for s in it.syms]
    return ["visible"]


class FixDialog(QDialog):
    """Plans for one target.  ``apply(plan, target)`` makes the config steps (one undoable
    change in the window); without it the Apply button is hidden.  Planning runs on a
    worker: ``planned`` tells when an answer is on screen, :attr:`planning` whether one
    is still awaited."""

    planned = Signal(object)  # FixResult

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        if not press_focused(self, event):
            super().keyPressEvent(event)

    def __init__(self, parent: QWidget | None, lt: LoadedTree, target: Target, *,
                 probe: ProbeResult | DoctorReport | None = None, apply: ApplyFn | None = None,
                 link: Callable[[str], None] | None = None, run: RunFn | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("FixDialog")
        self.lt = lt
        self.target = target
        self.probe = probe
        self.apply_fn = apply
        self.link_fn = link
        self.run_fn = run
        self.fix_result: FixResult | None = None
        self.last_report: ApplyReport | None = None
        self.copied: str | None = None
        # the session's state the plans are (being) made for (set by the controller)
        self.state_id: int | None = None
        self.planner = FixPlanner(lt, self)
        self.planner.planned.connect(self._on_planned)
        self.planner.failed.connect(self._on_plan_failed)
        self._replan_on_show = False
        self._hidden = False  # hidden after being shown: plans again once shown again

        lay = QVBoxLayout(self)
        top = QHBoxLayout()
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.heading.setAccessibleName("Target")
        top.addWidget(self.heading, 1)
        top.addWidget(QLabel("Wanted:"))
        self.want = QComboBox()
        self.want.setAccessibleName("Wanted value")
        self.want.setEditable(target.item.__class__ is Symbol and target.item.orig_type not in (BOOL, TRISTATE))
        self.want.addItems(wanted_values(target))
        self.want.setCurrentText(target.want)
        self.want.activated.connect(lambda _i: self.set_want(self.want.currentText()))
        edit = self.want.lineEdit()
        if edit is not None:
            edit.returnPressed.connect(lambda: self.set_want(self.want.currentText()))
        top.addWidget(self.want)
        lay.addLayout(top)

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setAccessibleName("Summary")
        lay.addWidget(self.summary)

        split = QSplitter(Qt.Orientation.Horizontal)
        self.plans = QListWidget()
        self.plans.setAccessibleName("Plans")
        self.plans.setWordWrap(True)
        self.plans.currentRowChanged.connect(self._show_plan)
        split.addWidget(self.plans)
        self.details = QTextBrowser()
        on_palette_change(self.details, self._rerender)
        self.details.setAccessibleName("Plan details")
        self.details.setOpenLinks(False)
        self.details.anchorClicked.connect(lambda url: self._on_link(url.toString()))
        split.addWidget(self.details)
        split.setSizes([330, 520])

        self.outside_box = QGroupBox("Outside the configuration — do these, then reload the tree")
        self.outside_box.setAccessibleName("Outside steps")
        box_lay = QVBoxLayout(self.outside_box)
        box_lay.setContentsMargins(4, 4, 4, 4)
        self.checklist = QWidget()
        self.checklist_layout = QGridLayout(self.checklist)
        self.checklist_layout.setContentsMargins(0, 0, 0, 0)
        # a long checklist scrolls inside its box; the plans above keep their room
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.checklist)
        box_lay.addWidget(scroll)
        # plans and checklist share the height; the user moves the line between them
        self.vsplit = QSplitter(Qt.Orientation.Vertical)
        self.vsplit.setChildrenCollapsible(False)
        self.vsplit.addWidget(split)
        self.vsplit.addWidget(self.outside_box)
        self.vsplit.setStretchFactor(0, 1)
        self.vsplit.setStretchFactor(1, 1)
        self.vsplit.setSizes([300, 300])
        lay.addWidget(self.vsplit, 1)
        self.checks: list[QCheckBox] = []
        self.copy_buttons: list[tuple[QPushButton, str]] = []
        self.run_buttons: list[tuple[QPushButton, Remedy]] = []

        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Apply result")
        lay.addWidget(self.status)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.apply_button = QPushButton("Apply")
        self.apply_button.setDefault(True)
        self.apply_button.clicked.connect(self.apply_selected)
        self.apply_button.setVisible(apply is not None)
        buttons.addButton(self.apply_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.replan_button = QPushButton("Plan again")
        self.replan_button.setToolTip("Plan from the configuration as it is now")
        self.replan_button.clicked.connect(self.replan)
        buttons.addButton(self.replan_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        enter_presses(self.apply_button, buttons)  # the chosen plan, wherever the focus is
        self.resize(920, 720)
        self.replan()

    # -- planning ----------------------------------------------------------------------------

    def set_want(self, want: str) -> bool:
        try:
            target = fix.make_target(self.lt, self.target.item, want)
        except ValueError as e:
            self.status.setText(style_for(self).span("bad", _esc(str(e))))
            return False
        self.target = target
        self.replan()
        return True

    @property
    def runner(self) -> FixPlanner:
        return self.planner

    @property
    def planning(self) -> bool:
        """An answer for the configuration as it is now is still awaited."""
        return self.planner.busy

    def replan(self) -> None:
        """Plan again from the configuration as it is now (on the worker); meanwhile the
        plans of before are greyed out and cannot be applied."""
        if self._hidden:
            self._replan_on_show = True  # nobody sees it now: plan when shown again
            return
        self._show_planning()
        self.planner.request(self.target, self.probe)

    def _show_planning(self) -> None:
        again = self.fix_result is not None
        self.setWindowTitle(f"Make available — {self.target.label}")
        value = self.target.value(self.lt)
        self.heading.setText(f"<b>{_esc(self.target.label)}</b> &nbsp; now <code>{_esc(value or chr(34) * 2)}</code>")
        self.summary.setText(style_for(self).span(
            "muted", "Planning again for the configuration as it is now…" if again else "Planning…"))
        for w in (self.plans, self.details, self.outside_box):
            w.setEnabled(False)  # greyed out, links and buttons off
        # a palette may keep the disabled highlight as bright as the enabled one
        self.plans.blockSignals(True)
        self.plans.clearSelection()
        self.plans.blockSignals(False)
        # the details' colours and links would still read as current: they go until the answer
        self.details.setHtml(f"<p>{style_for(self).span('muted', 'Planning…')}</p>")
        self.apply_button.setEnabled(False)
        self.apply_button.setToolTip("Wait for the plans of the configuration as it is now")
        self.setCursor(Qt.CursorShape.BusyCursor)

    def _ready(self) -> None:
        for w in (self.plans, self.details, self.outside_box):
            w.setEnabled(True)
        self.unsetCursor()

    def _on_plan_failed(self, message: str) -> None:
        self._ready()
        self.summary.setText(style_for(self).span("bad", _esc(f"Planning failed: {(message.splitlines() or [''])[0]}")))
        self.plans.clear()
        self.details.clear()
        self._fill_checklist(None)
        self.apply_button.setEnabled(False)
        self.fix_result = None

    def _on_planned(self, answer: PlanAnswer) -> None:
        self._ready()
        self.show_result(answer.result)
        self.planned.emit(answer.result)

    def show_result(self, r: FixResult) -> None:
        self.fix_result = r
        self.setWindowTitle(f"Make available — {r.target}")
        self.heading.setText(f"<b>{_esc(r.target)}</b> &nbsp; now <code>{_esc(r.value or chr(34) * 2)}</code>")
        self.summary.setText(r.summary)
        self.plans.blockSignals(True)
        self.plans.clear()
        for i, p in enumerate(r.plans, 1):
            it = QListWidgetItem(plan_label(i, p))
            it.setToolTip(p.note)
            self.plans.addItem(it)
        if r.plans:
            self.plans.setCurrentRow(0)
        self.plans.blockSignals(False)
        if r.plans:
            self._show_plan(0)
        else:
            self.details.setHtml(result_html(r))
            self._fill_checklist(None)
            self.apply_button.setEnabled(False)
            self.apply_button.setToolTip("No plan to apply")

    # -- the worker follows the dialog ----------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        self._hidden = False
        if self._replan_on_show:
            self._replan_on_show = False
            self.replan()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 - Qt API
        # hidden (Close, Escape, the window closing): no worker goes on planning for it
        if self.planner.busy:
            self._replan_on_show = True
        self._hidden = True
        self.planner.stop()
        super().hideEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        self.planner.stop()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop planning and wait for the worker (the window is closing)."""
        self.planner.stop()

    # -- one plan ----------------------------------------------------------------------------

    def current_plan(self) -> Plan | None:
        row = self.plans.currentRow()
        if self.fix_result is None or not 0 <= row < len(self.fix_result.plans):
            return None
        return self.fix_result.plans[row]

    def select_plan(self, index: int) -> Plan | None:
        self.plans.setCurrentRow(index)
        return self.current_plan()

    def _rerender(self) -> None:
        """The plan's colours follow a palette change."""
        if self.planning:
            self.details.setHtml(f"<p>{style_for(self).span('muted', 'Planning…')}</p>")
            return
        plan = self.current_plan()
        if plan is not None:
            self.details.setHtml(plan_html(plan))
            self._fill_checklist(plan)  # its notes' colour
        elif (result := getattr(self, "fix_result", None)) is not None:
            self.details.setHtml(result_html(result))

    def _show_plan(self, row: int) -> None:
        plan = self.current_plan()
        if plan is None:
            return
        self.details.setHtml(plan_html(plan))
        self._fill_checklist(plan)
        can = bool(plan.config_steps) and plan.verified and not plan.other_tree
        self.apply_button.setEnabled(can)
        enter_presses(self.apply_button)  # a button disabled meanwhile gives it up
        if plan.other_tree:
            self.apply_button.setToolTip("This plan is for another architecture: load the tree with it first")
        elif not plan.config_steps:
            self.apply_button.setToolTip("This plan has no configuration steps")
        elif plan.outside_steps:
            self.apply_button.setToolTip("Applies the configuration steps that can be made now; "
                                         "the others wait for the outside steps")
        else:
            self.apply_button.setToolTip(f"Make the {len(plan.config_steps)} configuration changes "
                                         "(one step to undo)")

    def _fill_checklist(self, plan: Plan | None) -> None:
        grid = self.checklist_layout
        while grid.count():
            item = grid.takeAt(0)
            w = item.widget() if item is not None else None
            if w is not None:
                # gone at once, not only at the next event loop turn
                w.hide()
                w.setParent(None)
                w.deleteLater()
        self.checks = []
        self.copy_buttons = []
        self.run_buttons = []
        steps = plan.outside_steps if plan is not None else []
        self.outside_box.setVisible(bool(steps))
        row = 0
        muted = style_for(self).css("muted")
        # column 0: the step's tick box; 1: its text, each command's title and the command; 2: Copy; 3: Run
        for s in steps:
            if row:
                grid.setRowMinimumHeight(row, 6)  # a gap between steps
                row += 1
            check = QCheckBox(s.short)
            check.setAccessibleName(f"Done: {s.text}")
            check.setToolTip("Tick when done; nothing here changes the tree")
            font = check.font()
            font.setBold(True)
            check.setFont(font)
            grid.addWidget(check, row, 0, Qt.AlignmentFlag.AlignTop)
            text = QLabel(s.text)
            text.setWordWrap(True)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            grid.addWidget(text, row, 1, 1, 3)
            self.checks.append(check)
            row += 1
            for c in s.commands:
                if not c.command:
                    # a note (why a package is not proposed, what to do first): text only, secondary
                    note = QLabel(f"<i style='{muted}'>{_esc(c.title)}</i>")
                    note.setWordWrap(True)
                    note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                    note.setAccessibleName(c.title)
                    grid.addWidget(note, row, 1, 1, 3)
                    row += 1
                    continue
                # the title on a line of its own, the command below it: both keep their width
                title = QLabel(c.title + ":")
                title.setWordWrap(True)
                grid.addWidget(title, row, 1, 1, 3)
                row += 1
                cmd = QLineEdit(c.command)
                cmd.setReadOnly(True)
                cmd.setCursorPosition(0)
                cmd.setToolTip(c.command)
                cmd.setAccessibleName(c.title)
                button = QPushButton("Copy")
                button.setAccessibleName(f"Copy: {c.title}")
                button.clicked.connect(lambda _=False, text=c.command: self.copy(text))
                grid.addWidget(cmd, row, 1)
                grid.addWidget(button, row, 2)
                self.copy_buttons.append((button, c.command))
                if c.runnable and self.run_fn is not None:
                    # needs no root: run here (the Toolchain panel shows its output, checks again, reloads)
                    run = QPushButton("Run")
                    run.setAccessibleName(f"Run: {c.title}")
                    run.setToolTip("Runs without root; the output is in the Toolchain panel; on success the "
                                   "toolchain is checked again and Kconfig reloaded with your values")
                    run.clicked.connect(lambda _=False, rem=c, check=check: self.run(rem, check))
                    grid.addWidget(run, row, 3)
                    self.run_buttons.append((run, c))
                row += 1
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(row, 1)

    def run(self, remedy: Remedy, check: QCheckBox | None = None) -> bool:
        if self.run_fn is None:
            return False
        started = self.run_fn(remedy)
        self.status.setText(f"Running {_esc(remedy.command or '')} — see the Toolchain panel." if started else
                            "Another check or fix is running; wait for it first.")
        if started and check is not None:
            check.setChecked(True)
        return started

    def copy(self, text: str) -> None:
        QGuiApplication.clipboard().setText(text)
        self.copied = text
        self.status.setText("Copied to the clipboard.")

    # -- apply ---------------------------------------------------------------------------

    def apply_selected(self) -> ApplyReport | None:
        plan = self.current_plan()
        if plan is None or self.apply_fn is None or not plan.config_steps or self.planning:
            return None  # a plan of before is never applied
        report = self.apply_fn(plan, self.target)
        self.last_report = report
        if report is None:
            return None
        self.status.setText(apply_text(report, self.target, plan))
        self.apply_button.setEnabled(False)
        return report

    def _on_link(self, link: str) -> None:
        if self.link_fn is not None:
            self.link_fn(link)


def apply_text(report: ApplyReport, target: Target, plan: Plan) -> str:
    done = ", ".join(_esc(s.short) for s in report.applied) or "nothing"
    st = style_for()
    out = f"Applied {len(report.applied)} change{'s' if len(report.applied) != 1 else ''}: {done}."
    if report.pending:
        waiting = ", ".join(_esc(s.short) for s in report.pending)
        out += (f" <span style='{st.css('warn')}'>Waiting for the outside steps: {waiting}</span> — do them, "
                "reload the tree, and plan again.")
    elif report.reached:
        out += " " + st.span("ok", f"{_esc(target.label)} holds now.")
    elif plan.outside_steps:
        out += (f" <span style='{st.css('warn')}'>{_esc(target.label)} follows once the outside steps are done "
                "and the tree is reloaded.</span>")
    return out + " Edit → Undo takes it back."



__all__ = ["FixController", "FixDialog", "apply_text", "install_fix_actions", "plan_html",
           "plan_label", "result_html", "target_for_node", "wanted_values"]
