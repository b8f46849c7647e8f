"""The "Make available…" dialog and its hook-up, on the demo tree (its own real make and
scripts) with stand-in rustc/bindgen scripts that pass or fail its rust_is_available.sh."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes import Toolchain, fake_toolchain
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from rustconfig_gui.assets import demo_tree
from rustconfig_gui.explain import fix
from rustconfig_gui.gui.dialogs.fix import (
    FixDialog,
    install_fix_actions,
    target_for_node,
)
from rustconfig_gui.kconfig.loader import LoadedTree, load_tree
from rustconfig_gui.kconfig.tree import KernelTree
from rustconfig_gui.workspace.session import Session

LOAD_TIMEOUT = 120_000
DEBIAN_RUSTC = "/usr/bin/rustc"  # 1.63: the demo's rust_is_available.sh wants a newer one

@pytest.fixture(scope="module")
def tools(tmp_path_factory: pytest.TempPathFactory) -> Toolchain:
    return fake_toolchain(tmp_path_factory.mktemp("rust-tools"))


def demo(tmp_path: Path, make_vars: tuple[tuple[str, str], ...]) -> KernelTree:
    return KernelTree(demo_tree(), build=tmp_path / "demo-build", make_vars=make_vars)


@pytest.fixture()
def working(tmp_path: Path, tools: Toolchain) -> LoadedTree:
    lt = load_tree(demo(tmp_path, tools.make_vars))
    lt.defconfig()
    return lt


def shot(widget, folder: Path, name: str) -> Path:
    """The widget as rendered, for a person to look at (pytest --basetemp keeps it)."""
    path = folder / name
    QApplication.processEvents()  # let layouts settle after the last change
    assert widget.grab().save(str(path)) and path.stat().st_size > 0
    return path


def planned(qtbot, dlg: FixDialog) -> fix.FixResult:
    """The dialog plans on a worker: wait for the answer on screen."""
    qtbot.waitUntil(lambda: not dlg.planning, timeout=60_000)
    assert dlg.fix_result is not None
    return dlg.fix_result


def undoable(session: Session):
    def apply(plan: fix.Plan, target: fix.Target):
        return session.apply_plan(plan, target)
    return apply


def test_plans_apply_as_one_undoable_step(qtbot, working: LoadedTree, tmp_path: Path):
    lt = working
    rust, modv = lt.sym("RUST"), lt.sym("MODVERSIONS")
    assert lt.ev.str_value(rust) == "n" and lt.ev.str_value(modv) == "y"
    original = lt.config_text()
    stack = Session(lt)
    dlg = FixDialog(None, lt, fix.make_target(lt, rust, "y"), apply=undoable(stack))
    qtbot.addWidget(dlg)
    dlg.show()
    planned(qtbot, dlg)
    # the demo's RUST: depends on !MODVERSIONS || GENDWARFKSYMS, two ways
    assert dlg.plans.count() == len(dlg.fix_result.plans) >= 2
    assert "MODVERSIONS=n" in dlg.plans.item(0).text()
    assert "GENDWARFKSYMS" in dlg.plans.item(1).text()
    assert "set MODVERSIONS to n" in dlg.details.toPlainText()
    assert "Side effects" in dlg.details.toPlainText()
    assert not dlg.outside_box.isVisibleTo(dlg) and dlg.apply_button.isEnabled()
    shot(dlg, tmp_path, "fix-dialog-demo.png")
    assert lt.config_text() == original  # planning alone changes nothing

    # Enter in the list of plans applies the chosen one (not Close)
    dlg.plans.setFocus()
    qtbot.keyClick(dlg.plans, Qt.Key.Key_Return)
    report = dlg.last_report
    assert report is not None and report.reached and not report.pending and dlg.isVisible()
    assert lt.ev.str_value(rust) == "y" and lt.ev.str_value(modv) == "n"
    assert "holds now" in dlg.status.text() and not dlg.apply_button.isEnabled()
    assert len(stack.history.commands) == 1 and stack.undo_label == "Make RUST=y available"
    stack.undo()
    assert lt.config_text() == original
    stack.redo()
    assert lt.ev.str_value(rust) == "y"
    # the second plan, from the start again
    stack.undo()
    dlg.replan()
    # until the answer is back the plans of before are greyed out and cannot be applied
    assert dlg.planning and not dlg.apply_button.isEnabled() and not dlg.plans.isEnabled()
    assert dlg.apply_selected() is None
    planned(qtbot, dlg)
    plan = dlg.select_plan(1)
    assert [s.short for s in plan.steps][-1] == "choose GENDWARFKSYMS"
    dlg.apply_selected()
    assert [lt.ev.str_value(s) for s in (rust, lt.sym("GENDWARFKSYMS"), modv)] == ["y", "y", "y"]


def test_outside_steps_checklist_with_copy_buttons(qtbot, tmp_path: Path, tools: Toolchain):
    lt = load_tree(demo(tmp_path, (("RUSTC", DEBIAN_RUSTC), ("BINDGEN", str(tools.bindgen)))))
    lt.defconfig()
    assert lt.ev.str_value(lt.sym("RUST_IS_AVAILABLE")) == "n"
    stack = Session(lt)
    dlg = FixDialog(None, lt, fix.make_target(lt, lt.sym("RUST"), "y"), apply=undoable(stack))
    qtbot.addWidget(dlg)
    dlg.show()
    planned(qtbot, dlg)
    plan = dlg.current_plan()
    assert plan.steps[0].kind == "toolchain" and plan.verified
    assert dlg.outside_box.isVisibleTo(dlg)
    assert [c.text() for c in dlg.checks] == ["fix the Rust toolchain"]
    commands = [c.command for c in plan.steps[0].commands]
    assert [text for _, text in dlg.copy_buttons] == commands
    assert any(c.startswith("rustconfig doctor ") and f"RUSTC={DEBIAN_RUSTC}" in c for c in commands)
    button, text = dlg.copy_buttons[0]
    button.click()
    assert QGuiApplication.clipboard().text() == text == dlg.copied
    dlg.checks[0].setChecked(True)
    shot(dlg, tmp_path, "fix-dialog-outside-steps.png")
    # Apply makes what it can now; RUST follows once the toolchain works
    report = dlg.apply_selected()
    assert [s.symbol for s in report.applied] == ["MODVERSIONS"] and not report.reached
    assert "once the outside steps are done" in dlg.status.text()
    stack.undo()
    assert lt.ev.str_value(lt.sym("MODVERSIONS")) == "y"


def test_wanted_value_replans(qtbot, working: LoadedTree):
    lt = working
    dlg = FixDialog(None, lt, fix.make_target(lt, lt.sym("RUST"), "y"))
    qtbot.addWidget(dlg)
    assert not dlg.apply_button.isVisible()  # no apply callback: plans only
    planned(qtbot, dlg)
    assert dlg.set_want("n")
    assert planned(qtbot, dlg).already and dlg.plans.count() == 0
    assert "Nothing to do" in dlg.details.toPlainText()
    assert dlg.set_want("visible")
    assert planned(qtbot, dlg).want == "visible" and dlg.fix_result.plans
    assert not dlg.set_want("maybe")
    assert dlg.target.want == "visible"


def test_impossible_target_says_why(qtbot, working: LoadedTree):
    lt = working
    dlg = FixDialog(None, lt, fix.make_target(lt, lt.sym("RUSTC_VERSION")))
    qtbot.addWidget(dlg)
    planned(qtbot, dlg)
    assert dlg.plans.count() == 0
    text = dlg.details.toPlainText()
    assert "Nothing can reach RUSTC_VERSION=visible" in text and "has no prompt" in text


def test_window_hook(qtbot, window, tmp_path: Path, tools: Toolchain):
    ctl = install_fix_actions(window)
    with qtbot.waitSignal(window.treeLoaded, timeout=LOAD_TIMEOUT):
        assert window.open_tree(demo(tmp_path, tools.make_vars), prefer_defconfig=True)
    lt = window.lt
    edit = next(a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == "Edit")
    assert ctl.act_fix in edit.actions() and ctl.act_fix.isEnabled() and window.act_undo in edit.actions()
    # the overview offers it while Rust support is off
    assert ctl.rust_button.isVisibleTo(window)
    ctl.rust_button.click()
    dlg = ctl.dialog
    assert dlg is not None and dlg.isVisible() and dlg.target.label == "RUST=y"
    planned(qtbot, dlg)
    shot(window, tmp_path, "fix-window.png")
    report = dlg.apply_selected()
    assert report.reached and lt.ev.str_value(lt.sym("RUST")) == "y"
    assert window.modified and not ctl.rust_button.isVisibleTo(window)
    assert window.current_node().item is lt.sym("RUST")
    window.act_undo.trigger()
    assert lt.ev.str_value(lt.sym("RUST")) == "n" and ctl.rust_button.isVisibleTo(window)
    # the action works on the selected entry
    assert window.select_symbol("SAMPLE_RUST_MINIMAL")
    ctl.act_fix.trigger()
    assert ctl.dialog is not dlg and ctl.dialog.target.label == "SAMPLE_RUST_MINIMAL=y"
    # the previous dialog (its tree, its plans) is gone, not kept as a hidden child of the window
    from PySide6.QtCore import QCoreApplication, QEvent

    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert [d for d in window.findChildren(type(dlg)) if d is not ctl.dialog] == []
    planned(qtbot, ctl.dialog)
    node = window.current_node()
    assert target_for_node(lt, node).item is lt.sym("SAMPLE_RUST_MINIMAL")
    ctl.dialog.close()


def test_window_hook_shares_the_windows_undo(qtbot, window, tmp_path: Path, tools: Toolchain):
    # the window's own controller: Edit -> Undo of the window takes a plan back, like any change
    ctl = window.fix_ui
    with qtbot.waitSignal(window.treeLoaded, timeout=LOAD_TIMEOUT):
        assert window.open_tree(demo(tmp_path, tools.make_vars), prefer_defconfig=True)
    lt = window.lt
    rust = lt.sym("RUST")
    edit = next(a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == "Edit")
    assert ctl.act_fix in edit.actions() and window.act_undo in edit.actions()
    dlg = ctl.open_for_rust()
    planned(qtbot, dlg)
    dlg.apply_selected()
    assert lt.ev.str_value(rust) == "y" and window.modified and len(window.session.history.commands) == 1
    assert window.act_undo.isEnabled() and "Make RUST=y available" in window.act_undo.text()
    window.act_undo.trigger()
    assert lt.ev.str_value(rust) == "n" and ctl.rust_button.isVisibleTo(window)
    # the open dialog plans again from the configuration as it is now: no value of before
    qtbot.waitUntil(lambda: "now <code>n</code>" in dlg.heading.text() and dlg.apply_button.isEnabled())
    window.act_redo.trigger()
    assert lt.ev.str_value(rust) == "y" and not ctl.rust_button.isVisibleTo(window)
    qtbot.waitUntil(lambda: dlg.fix_result.already)
    ctl.dialog.close()
