"""The Toolchain panel's doctor, its one-click fixes and the fix dialog's Run buttons, in the real
window with the demo tree and a fake machine (rustup, cargo: scripts on PATH that log their argv)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fakes import Machine, fake_machine, wait_gone
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QLabel, QLineEdit

from rustconfig_gui.assets import demo_tree
from rustconfig_gui.gui.mainwindow import MainWindow
from rustconfig_gui.gui.style import MIN_CONTRAST, contrast
from rustconfig_gui.kconfig.tree import KernelTree
from rustconfig_gui.toolchain.doctor import clear_cache

STABLE = "stable-x86_64-unknown-linux-gnu"


@pytest.fixture
def machine(tmp_path: Path, monkeypatch) -> Machine:
    """rustc 1.85 from rustup without rust-src, bindgen 0.71.1: only rust-src is missing."""
    m = fake_machine(tmp_path / "machine", rustc_version="1.85.0", bindgen="0.71.1", libclang="18.1.8")
    for k, v in m.env.items():
        if k != "LC_ALL":
            monkeypatch.setenv(k, v)
    monkeypatch.delenv("RUSTUP_TOOLCHAIN", raising=False)
    clear_cache()
    return m


def open_demo(qtbot, window: MainWindow, tmp_path: Path, m: Machine) -> None:
    window.toolchain.os_release = str(m.os_release)
    with qtbot.waitSignal(window.treeLoaded, timeout=120_000):
        window.open_tree(KernelTree(demo_tree(), build=tmp_path / "build"), prefer_defconfig=True)


def settle(qtbot, window: MainWindow) -> None:
    """Wait for the work a load leaves behind (storing the parse, retiring the old tree)."""
    qtbot.waitUntil(lambda: not any(r.busy for r in (window.loader, window.parse_writer, window.retirer,
                                                     window.indexer)), timeout=120_000)


def test_run_streams_then_checks_again_and_reloads_keeping_an_edit(qtbot, window: MainWindow, tmp_path: Path,
                                                                   machine: Machine):
    open_demo(qtbot, window, tmp_path, machine)
    lt = window.lt
    assert lt.ev.str_value(lt.sym("RUST_IS_AVAILABLE")) == "n"
    assert window.model.set_symbol_value(lt.sym("MODVERSIONS"), 0)
    panel = window.toolchain
    with qtbot.waitSignal(panel.runner.finished, timeout=60_000) as sig:
        window.show_toolchain()
    report = sig.args[0]
    assert [c.key for c in report.problems] == ["rust-src-missing"] and not report.available
    assert "The doctor found 1 problem" in panel.findings.toPlainText()
    [(button, remedy)] = panel.fix_buttons
    assert button.text() == f"Run: rustup component add rust-src --toolchain {STABLE}"
    lines: list[str] = []
    panel.fixer.line.connect(lines.append)
    outcomes = []
    panel.fixer.finished.connect(outcomes.append)
    with qtbot.waitSignal(window.treeLoaded, timeout=120_000):
        button.click()
    # the fake rustup's own lines, streamed in order, before it finished
    assert lines == ["info: downloading component 'rust-src'", "info: installing component 'rust-src'"]
    assert outcomes[0].ok and outcomes[0].lines == lines
    assert machine.calls() == [f"rustup component add rust-src --toolchain {STABLE}"]
    assert "info: installing component 'rust-src'" in panel.log.toPlainText()
    # checked again (no problem left), then reloaded with the user's values
    assert panel.report is not report and panel.report.problems == [] and panel.report.available
    lt = window.lt
    assert lt.ev.str_value(lt.sym("RUST_IS_AVAILABLE")) == "y"
    assert lt.ev.str_value(lt.sym("MODVERSIONS")) == "n"
    assert window.modified
    settle(qtbot, window)


def test_cancel_kills_the_fixs_process_group(qtbot, window: MainWindow, tmp_path: Path, monkeypatch):
    m = fake_machine(tmp_path / "machine", rustc_version="1.85.0", bindgen="0.71.1", libclang="18.1.8",
                     rustup_hang=True)
    for k, v in m.env.items():
        if k != "LC_ALL":
            monkeypatch.setenv(k, v)
    clear_cache()
    open_demo(qtbot, window, tmp_path, m)
    panel = window.toolchain
    with qtbot.waitSignal(panel.runner.finished, timeout=60_000):
        window.show_toolchain()
    [(button, _remedy)] = panel.fix_buttons
    loads = []
    window.treeLoaded.connect(lambda: loads.append(1))
    button.click()
    assert panel.fixer.busy and panel.cancel_button.isEnabled() and not panel.check_button.isEnabled()
    pids = m.root / "pids"
    qtbot.waitUntil(lambda: pids.exists() and len(pids.read_text().split()) == 2, timeout=30_000)
    qtbot.waitUntil(lambda: "info: syncing channel updates" in panel.log.toPlainText(), timeout=10_000)
    with qtbot.waitSignal(panel.fixer.finished, timeout=10_000) as sig:
        panel.cancel_button.click()
    assert sig.args[0].cancelled and not sig.args[0].ok
    for pid in pids.read_text().split():
        wait_gone(int(pid), "the fake rustup")
    # nothing was fixed: no second check, no reload
    assert not panel.runner.busy and loads == [] and panel.check_button.isEnabled()
    assert "was cancelled" in panel.log.toPlainText()
    settle(qtbot, window)


def test_fix_dialog_lists_the_doctors_findings_with_run_or_copy(qtbot, window: MainWindow, tmp_path: Path,
                                                               monkeypatch):
    # two problems at once: bindgen too old (Debian 12's 0.60.1) and no rust-src
    m = fake_machine(tmp_path / "machine", rustc_version="1.85.0", bindgen="0.60.1", libclang="18.1.8")
    for k, v in m.env.items():
        if k != "LC_ALL":
            monkeypatch.setenv(k, v)
    clear_cache()
    open_demo(qtbot, window, tmp_path, m)
    with qtbot.waitSignal(window.toolchain.runner.finished, timeout=60_000):
        window.show_toolchain()
    dlg = window.fix_ui.open_for_rust()
    assert dlg is not None
    qtbot.waitUntil(lambda: not dlg.planning, timeout=60_000)  # planned on a worker
    steps = dlg.current_plan().outside_steps
    assert [s.kind for s in steps] == ["toolchain", "toolchain"]
    assert "0.60.1 is below the minimum 0.65.1" in steps[0].text and "core" in steps[1].text
    assert len(dlg.checks) == 2
    runs = [r.command for _b, r in dlg.run_buttons]
    assert runs == ["cargo install --locked bindgen-cli", f"rustup component add rust-src --toolchain {STABLE}"]
    copies = [c for _b, c in dlg.copy_buttons]
    # the distribution's package is no remedy here (too old), and root commands have Copy only
    assert not any("apt install bindgen" in c for c in copies)
    assert any(c.startswith("rustconfig doctor") for c in copies)
    # readable at the dialog's size: notes in a secondary colour with text contrast (not greyed out),
    # each command field as wide as the text beside the tick boxes, a long list scrolls under the plans
    notes = [n for n in dlg.checklist.findChildren(QLabel) if "so the package will not do" in n.text()]
    assert notes and all(n.isEnabled() for n in notes)
    colour = QColor(re.search(r"color:(#[0-9a-fA-F]{6})", notes[0].text()).group(1))
    assert contrast(colour, dlg.palette().color(QPalette.ColorRole.Window)) >= MIN_CONTRAST
    fields = dlg.checklist.findChildren(QLineEdit)
    step_text = [w for w in dlg.checklist.findChildren(QLabel) if w.text() == steps[1].text]
    assert fields and step_text and min(f.width() for f in fields) >= step_text[0].width() * 0.6
    assert dlg.details.height() >= 150
    button = dlg.run_buttons[0][0]
    reports = []
    window.toolchain.runner.finished.connect(reports.append)
    assert not dlg.checks[0].isChecked()
    with qtbot.waitSignal(window.treeLoaded, timeout=120_000):
        button.click()
        assert dlg.checks[0].isChecked()
    assert m.calls() == ["cargo install --locked bindgen-cli"]
    # checked again: only rust-src is left; after the reload the dialog plans again on the new parse
    assert [c.key for c in reports[0].problems] == ["rust-src-missing"]
    again = window.fix_ui.dialog
    assert again is not None and again is not dlg and again.lt is window.lt
    qtbot.waitUntil(lambda: not again.planning, timeout=60_000)
    assert [s.short for s in again.current_plan().outside_steps] == ["rust-src: missing"]
    assert [r.command for _b, r in again.run_buttons] == [f"rustup component add rust-src --toolchain {STABLE}"]
    settle(qtbot, window)


def test_check_again_keeps_the_bindgen_typed_in_the_panel(qtbot, window: MainWindow, tmp_path: Path, machine: Machine):
    open_demo(qtbot, window, tmp_path, machine)
    panel = window.toolchain
    window.show_toolchain(run=False)
    typed = str(machine.distro_bin / "bindgen")
    panel.bindgen.setText(typed)
    with qtbot.waitSignal(panel.runner.finished, timeout=60_000) as sig:
        panel.check_button.click()
    assert sig.args[0].variables["BINDGEN"] == typed
    dlg = window.fix_ui.open_for_rust()
    qtbot.waitUntil(lambda: not dlg.planning, timeout=60_000)
    check = [c for _b, c in dlg.copy_buttons if c.startswith("rustconfig doctor")]
    assert check and f"--make-var BINDGEN={typed}" in check[-1]
    dlg.close()
    settle(qtbot, window)


def test_fix_dialog_checks_the_toolchain_when_nobody_did(qtbot, window: MainWindow, tmp_path: Path,
                                                        machine: Machine):
    open_demo(qtbot, window, tmp_path, machine)
    assert window.toolchain.report is None
    shown: list[list[str]] = []
    with qtbot.waitSignal(window.toolchain.runner.finished, timeout=60_000):
        dlg = window.fix_ui.open_for_rust()
        dlg.planned.connect(lambda r: shown.append([s.short for s in r.plans[0].steps if s.outside]))
    qtbot.waitUntil(lambda: not dlg.planning, timeout=60_000)
    # until the check is back: one step that says how to check (unless the check won the race
    # with the first plan, whose answer is then dropped as one for an older question)
    assert shown[-1] == ["rust-src: missing"] and all(s == ["fix the Rust toolchain"] for s in shown[:-1])
    assert [s.short for s in dlg.current_plan().outside_steps] == ["rust-src: missing"]
    assert len(dlg.run_buttons) == 1
    dlg.close()
    settle(qtbot, window)
