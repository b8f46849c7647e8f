"""The presets, save-fragment and compare dialogs, and applying as one undoable
step in the real window (demo tree with a fake toolchain; 6.12's own fragments)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from fakes import fake_toolchain
from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import QDialogButtonBox

from rustconfig_gui.assets import demo_tree
from rustconfig_gui.errors import ConfigFileError
from rustconfig_gui.explain.rustclass import rust_symbols
from rustconfig_gui.gui.dialogs.diff import DiffDialog
from rustconfig_gui.gui.dialogs.presets import (
    PresetsDialog,
    SaveFragmentDialog,
    install_preset_actions,
    report_html,
)
from rustconfig_gui.gui.style import style_for
from rustconfig_gui.kconfig import configfile
from rustconfig_gui.kconfig.loader import LoadedTree, load_tree
from rustconfig_gui.kconfig.tree import KernelTree
from rustconfig_gui.workspace import fragments, presets
from rustconfig_gui.workspace.session import Session

LOAD_TIMEOUT = 120_000


def shot(widget, name: str, tmp_path: Path) -> Path:
    """Render the widget to a PNG (RUSTCONFIG_SCREENSHOTS keeps them somewhere to look at)."""
    folder = Path(os.environ.get("RUSTCONFIG_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    img = widget.grab()
    assert not img.isNull() and img.width() > 300 and img.height() > 200
    assert img.save(str(path))
    return path


@pytest.fixture()
def demo_lt(tmp_path: Path, make_env) -> LoadedTree:
    tools = fake_toolchain(tmp_path / "tools")
    lt = load_tree(KernelTree(demo_tree(), build=tmp_path / "build", make_vars=tools.make_vars), base_env=make_env)
    lt.defconfig()
    return lt


def test_presets_dialog_orders_applies_and_undoes(qtbot, demo_lt: LoadedTree, tree_612: Path, tmp_path: Path):
    lt = demo_lt
    presets.save_user_preset("log-17", "# title: Bigger log\nCONFIG_LOG_BUF_SHIFT=17\nCONFIG_NOT_IN_DEMO=y\n")
    frags = presets.builtin_presets() + presets.user_presets() + presets.tree_fragments(tree_612, "x86")
    session = Session(lt)
    reports: list[presets.ApplyReport] = []

    def apply(chosen):
        reports.append(session.apply_fragments(chosen))
        return reports[-1]

    dlg = PresetsDialog(None, frags, apply=apply)
    qtbot.addWidget(dlg)
    groups = [dlg.tree.topLevelItem(i).text(0) for i in range(dlg.tree.topLevelItemCount())]
    assert groups == ["Built-in presets", "Your presets", "This tree's fragments"]
    assert dlg.tree.topLevelItem(0).child(0).text(0) == "Rust support"
    assert dlg.item_for("kernel/configs/rust.config") is not None
    assert not dlg.apply_button.isEnabled()

    # checked in this order, then reordered; unchecking takes one out
    for name in ("rust-hacking", "log-17", "rust-support", "kernel/configs/nopm.config"):
        assert dlg.set_checked(name)
    assert [f.name for f in dlg.checked_fragments()] == ["rust-hacking", "log-17", "rust-support", "nopm"]
    assert dlg.move_row(2, -2) and not dlg.move_row(0, -1)
    assert dlg.set_checked("kernel/configs/nopm.config", False)
    assert [f.name for f in dlg.checked_fragments()] == ["rust-support", "rust-hacking", "log-17"]
    assert dlg.apply_button.isEnabled() and dlg.apply_button.text() == "Apply 3 presets"
    dlg._describe(dlg.item_for("log-17"))
    assert "CONFIG_LOG_BUF_SHIFT=17" in dlg.details.toPlainText()

    before = lt.config_text()
    report = dlg.apply_checked()
    assert report is dlg.report is reports[0]
    # the demo's defconfig keeps MODVERSIONS=y, so Rust support does not take, and says why
    assert {n.request.name for n in report.not_applied} == {"RUST", "RUST_DEBUG_ASSERTIONS",
                                                            "RUST_OVERFLOW_CHECKS"}
    shown = dlg.report_view.toPlainText()
    assert "Not applied" in shown and "MODVERSIONS" in shown
    assert "CONFIG_NOT_IN_DEMO=y" in shown and "Not in this tree" in shown
    assert "CONFIG_LOG_BUF_SHIFT=17" in lt.config_text().splitlines()
    after = lt.config_text()
    shot(dlg, "presets-dialog.png", tmp_path)

    assert session.undo_label.startswith("Apply Rust support")
    session.undo()
    assert lt.config_text() == before
    session.redo()
    assert lt.config_text() == after


def test_report_html_lists_every_section(demo_lt: LoadedTree, tmp_path: Path):
    lt = demo_lt
    a = tmp_path / "a.config"
    a.write_text("CONFIG_LOG_BUF_SHIFT=13\nCONFIG_SYSVIPC=y\n")
    b = tmp_path / "b.config"
    b.write_bytes(b"CONFIG_LOG_BUF_SHIFT=14\ngarbage\nCONFIG_GONE=y\nCONFIG_RUST=y\n")
    report = presets.apply_fragments(lt, [presets.Fragment.from_file(a), presets.Fragment.from_file(b)])
    html = report_html(report)
    for part in ("Not applied", "Not in this tree", "Overridden by a later fragment", "Lines not taken",
                 "Changed values", f"{b}:2", "CONFIG_LOG_BUF_SHIFT=13", "sym:RUST"):
        assert part in html, part


def test_save_fragment_dialog_sources(qtbot, demo_lt: LoadedTree, tmp_path: Path):
    lt = demo_lt
    ev = lt.ev
    opened = ev.snapshot()
    start_file = lt.defconfig_path()
    assert ev.set_value(lt.sym("MODVERSIONS"), 0)
    assert ev.set_value(lt.sym("LOG_BUF_SHIFT"), "16")
    assert ev.set_value(lt.sym("SAMPLE_RUST_PRINT"), 1)
    edited = lt.config_text()
    rust = frozenset(rust_symbols(lt))
    dlg = SaveFragmentDialog(None, lt, opened, start_file.read_text(), rust, start_label=start_file.name)
    qtbot.addWidget(dlg)
    dlg.title.setText("Demo with Rust")
    dlg.description.setText("MODVERSIONS off, bigger log")

    dlg.set_source("changes")
    text = dlg.fragment_text()
    assert text.startswith("# title: Demo with Rust\n# description: MODVERSIONS off, bigger log\n")
    lines = [a.text for a in presets.scan_assignments(text)]
    # the three edits, and what the defconfig asked for that turning MODVERSIONS off lets through
    # (RUST=y and its samples), and the QR code panic screen DRM_PANIC implies, which the
    # configuration as saved at the start records as not set
    assert lines == ["CONFIG_LOG_BUF_SHIFT=16", "CONFIG_RUST=y", "# CONFIG_MODVERSIONS is not set",
                     "CONFIG_DRM_PANIC_SCREEN_QR_CODE=y", "CONFIG_SAMPLES_RUST=y", "CONFIG_SAMPLE_RUST_MINIMAL=m",
                     "CONFIG_SAMPLE_RUST_PRINT=m"]
    assert dlg.preview.toPlainText() == text
    shot(dlg, "save-fragment-dialog.png", tmp_path)

    dlg.set_source("rust-changes")
    # the demo's defconfig keeps MODVERSIONS=y: the sample needs it off there, and says so
    rust_text = dlg.fragment_text()
    assert [a.text for a in presets.scan_assignments(rust_text)] == ["# CONFIG_MODVERSIONS is not set",
                                                                    "CONFIG_SAMPLE_RUST_PRINT=m"]
    assert "# needed by CONFIG_SAMPLE_RUST_PRINT=m\n# CONFIG_MODVERSIONS is not set\n" in rust_text
    assert "every line sticks" in dlg.note.text()
    dlg.set_base(None)
    assert [a.name for a in presets.scan_assignments(dlg.fragment_text())] == ["SAMPLE_RUST_PRINT"]
    dlg.set_base("defconfig")
    # the defconfig file itself asks for RUST=y and the samples: over it, the edits alone do
    edits = ["CONFIG_LOG_BUF_SHIFT=16", "# CONFIG_MODVERSIONS is not set", "CONFIG_SAMPLE_RUST_PRINT=m"]
    dlg.set_source("start")
    assert "x86_64_defconfig" in dlg.source.currentText()
    assert [a.text for a in presets.scan_assignments(dlg.fragment_text())] == edits
    dlg.set_source("defconfig")
    from_defconfig = dlg.fragment_text()
    assert [a.text for a in presets.scan_assignments(from_defconfig)] == edits
    dlg.set_source("minimal")
    assert dlg.fragment_text() == lt.min_config_text() and not dlg.save_button.isEnabled()
    exported = dlg.export_to(tmp_path / "defconfig")
    assert exported.read_text() == lt.min_config_text()

    dlg.set_source("changes")
    path = dlg.save_preset("demo-rust")
    assert path == presets.user_preset_dir() / "demo-rust.config"
    [saved] = [f for f in presets.user_presets() if f.name == "demo-rust"]
    assert saved.title == "Demo with Rust"
    with pytest.raises(ConfigFileError):
        dlg.save_preset("no/slashes")
    # without a start state, the sources that need one are not offered
    bare = SaveFragmentDialog(None, lt)
    qtbot.addWidget(bare)
    model = bare.source.model()
    offered = {bare.source.itemData(i) for i in range(bare.source.count()) if model.item(i).isEnabled()}
    qtbot.waitUntil(lambda: not bare.runner.busy and not dlg.runner.busy, timeout=60_000)
    assert offered == {"defconfig", "minimal"}

    # applied over the opened configuration it gives the edited one; the other one does
    # when merged into the defconfig file (merge_config.sh arch/x86/configs/x86_64_defconfig frag)
    ev.restore(opened)
    assert presets.apply_fragments(lt, [presets.Fragment(text, "changes")]).ok
    assert lt.config_text() == edited
    merged = presets.merged_text(start_file.read_text(), [presets.Fragment(from_defconfig, "from-defconfig")])
    configfile.read_config_text(ev, merged, "merged")
    assert lt.config_text() == edited


def test_diff_dialog_table_highlight_and_filter(qtbot, demo_lt: LoadedTree, tmp_path: Path):
    lt = demo_lt
    old = lt.config_text()
    presets.apply_fragments(lt, presets.find_presets("rust-samples"))
    lt.ev.set_value(lt.sym("MODVERSIONS"), 0)
    lt.ev.set_value(lt.sym("LOG_BUF_SHIFT"), "20")
    new = lt.config_text()
    names = {s.name for s in rust_symbols(lt)}
    dlg = DiffDialog(None, names)
    qtbot.addWidget(dlg)
    dlg.set_texts(old, new, "defconfig", "edited")
    n = dlg.table.rowCount()
    assert n == len(dlg.diff) > 3
    rows = [dlg.row_at(i) for i in range(n)]
    assert [r.kind for r in rows] == sorted((r.kind for r in rows), key=["removed", "changed", "added"].index)
    for i, r in enumerate(rows):
        tinted = dlg.table.item(i, 1).background().color() == style_for(dlg.table).rust_tint()
        assert tinted == (r.name in names), r.name
    assert any(r.name == "RUST" for r in rows) and any(r.name == "LOG_BUF_SHIFT" for r in rows)
    assert "Rust-related" in dlg.counts.text()
    shot(dlg, "diff-dialog.png", tmp_path)

    dlg.filter.setText("log_buf")
    assert [dlg.row_at(i).name for i in range(dlg.table.rowCount())] == ["LOG_BUF_SHIFT"]
    assert dlg.table.item(0, 2).text() == "18" and dlg.table.item(0, 3).text() == "20"
    assert "showing 1" in dlg.counts.text()
    dlg.filter.clear()
    dlg.rust_only.setChecked(True)
    assert dlg.table.rowCount() == len(dlg.diff.rust_rows) > 0

    def broken():
        raise ConfigFileError("/nowhere/.config does not exist.")

    dlg.add_source("from nowhere", broken)
    assert dlg.source.itemText(dlg.source.count() - 1) == "Two files…"
    assert not dlg.show_source(0) and dlg.table.rowCount() == 0
    assert "does not exist" in dlg.caption.text()
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_text(old)
    b.write_text(new)
    dlg.rust_only.setChecked(False)
    assert dlg.compare_files(a, b) and dlg.table.rowCount() == len(dlg.diff)


def test_window_menu_applies_undoes_and_compares(qtbot, window, tmp_path: Path):
    tools = fake_toolchain(tmp_path / "tools")
    build = tmp_path / "build"
    ctl = install_preset_actions(window)
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus.index("&File") < menus.index("&Edit") < menus.index("&View") < menus.index("&Presets")
    assert not ctl.act_apply.isEnabled()
    with qtbot.waitSignal(window.treeLoaded, timeout=LOAD_TIMEOUT):
        assert window.open_tree(KernelTree(demo_tree(), build=build, make_vars=tools.make_vars),
                                prefer_defconfig=True)
    lt = window.lt
    assert ctl.act_apply.isEnabled() and not window.act_undo.isEnabled()
    assert window.save()
    on_disk = (build / ".config").read_text()

    dlg = ctl.presets_dialog()
    qtbot.addWidget(dlg)
    assert dlg.item_for("rust-support") is not None
    off = tmp_path / "off.config"
    off.write_text("# CONFIG_MODVERSIONS is not set\n")
    assert dlg.add_file(off) is not None
    assert dlg.set_checked("rust-samples")
    report = dlg.apply_checked()
    # the file's MODVERSIONS=n comes first, so Rust and its samples take
    assert report is ctl.last_report and report.ok, report.text()
    assert window.modified and lt.ev.str_value(lt.sym("SAMPLES_RUST")) == "y"
    assert window.act_undo.isEnabled() and window.act_undo.text().startswith("Undo Apply off, Rust samples")
    applied = lt.config_text()

    # a later edit is its own step
    assert window.model.set_symbol_value(lt.sym("LOG_BUF_SHIFT"), "19")
    edited = lt.config_text()
    window.undo()
    assert lt.config_text() == applied
    window.act_undo.trigger()
    assert lt.config_text() == on_disk
    window.redo()
    window.act_redo.trigger()
    assert lt.config_text() == edited

    # compare with the file on disk
    diff = ctl.diff_dialog()
    qtbot.addWidget(diff)
    names = {diff.row_at(i).name for i in range(diff.table.rowCount())}
    assert {"MODVERSIONS", "SAMPLES_RUST", "LOG_BUF_SHIFT"} <= names
    assert not diff.show_source(1)  # no .config.old yet

    save = ctl.save_dialog()
    qtbot.addWidget(save)
    save.set_source("changes")
    assert {a.name for a in presets.scan_assignments(save.fragment_text())} >= {"MODVERSIONS", "LOG_BUF_SHIFT"}

    # loading another file is one step too: undo brings the edits back
    assert window.load_config(build / ".config")
    assert lt.config_text() == on_disk
    assert window.act_undo.text() == "Undo Open .config"
    window.undo()
    assert lt.config_text() == edited
    window.redo()
    assert lt.config_text() == on_disk and not window.act_redo.isEnabled()



def test_typing_in_save_fragment_runs_no_fragment_work_per_key(qtbot, demo_lt: LoadedTree, monkeypatch):
    lt = demo_lt
    opened = lt.ev.snapshot()
    assert lt.ev.set_value(lt.sym("MODVERSIONS"), 0)
    assert lt.ev.set_value(lt.sym("SAMPLE_RUST_PRINT"), 1)
    calls: list[tuple[str, bool]] = []

    def counted(name, fn):
        def wrapper(*args, **kwargs):
            calls.append((name, threading.current_thread() is threading.main_thread()))
            return fn(*args, **kwargs)
        return wrapper

    # the core functions that work a fragment out, counted wherever they run
    for mod, name in ((fragments, "make_fragment"), (fragments, "complete_fragment"), (fragments, "chosen_text"),
                      (presets, "fragment_from_changes"), (presets, "touched_symbols"), (presets, "fragment_for"),
                      (presets, "apply_fragments")):
        monkeypatch.setattr(mod, name, counted(name, getattr(mod, name)))
    dlg = SaveFragmentDialog(None, lt, opened, None, frozenset(rust_symbols(lt)))
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.set_source("rust-changes")

    def ready() -> bool:
        return dlg.computed is not None and dlg.computed.spec == dlg.spec() and not dlg.runner.busy

    qtbot.waitUntil(ready, timeout=60_000)
    # worked out once per choice, in a worker, never on the GUI thread
    assert calls and not any(on_gui for _, on_gui in calls), calls
    assert [n for n, _ in calls].count("make_fragment") == 2   # the first source, then Rust-related values
    done = len(calls)

    title = "Rust print sample for the lab!"
    assert len(title) == 30
    dlg.title.setFocus()
    qtbot.keyClicks(dlg.title, title)
    qtbot.keyClick(dlg.title, Qt.Key.Key_Tab)
    assert dlg.description.hasFocus()
    qtbot.keyClicks(dlg.description, "With what it needs, checked.")
    assert len(calls) == done and not dlg.runner.busy
    text = dlg.preview.toPlainText()
    assert text.startswith(f"# title: {title}\n# description: With what it needs, checked.\n# saved from ")
    assert text.endswith("# needed by CONFIG_SAMPLE_RUST_PRINT=m\n# CONFIG_MODVERSIONS is not set\n"
                         "CONFIG_SAMPLE_RUST_PRINT=m\n")
    assert dlg.fragment_text() == text and len(calls) == done
    # Enter in the name saves it as a preset; the dialog stays open
    dlg.name.setFocus()
    qtbot.keyClicks(dlg.name, "lab-rust")
    qtbot.keyClick(dlg.name, Qt.Key.Key_Return)
    saved = presets.user_preset_dir() / "lab-rust.config"
    assert saved.read_text() == text and dlg.isVisible()
    assert "Saved as" in dlg.note.text()


def test_grouped_report_offers_make_available_per_cause(qtbot, window, tmp_path: Path):
    tools = fake_toolchain(tmp_path / "tools")
    ctl = window.presets_ui
    with qtbot.waitSignal(window.treeLoaded, timeout=LOAD_TIMEOUT):
        assert window.open_tree(KernelTree(demo_tree(), build=tmp_path / "build", make_vars=tools.make_vars),
                                prefer_defconfig=True)
    dlg = ctl.presets_dialog()
    qtbot.addWidget(dlg)
    dlg.resize(1280, 800)
    dlg.show()
    for name in ("rust-hacking", "rust-samples"):
        assert dlg.set_checked(name)
    report = dlg.apply_checked()
    # the demo's defconfig keeps MODVERSIONS=y: one cause for every Rust value, one link
    [group] = report.groups
    assert group.roots == ["RUST=y"] and group.fix == "RUST=y" and group.dependents == 4
    assert "MODVERSIONS=n" in group.cause and not group.outside
    html = dlg.report_view.toHtml()
    assert html.count("fix:RUST=y") == 1 and "Make available" in html
    shown = dlg.report_view.toPlainText()
    assert shown.count("Why:") == 1 and "4 values need RUST=y" in shown
    shot(dlg, "presets-grouped.png", tmp_path)
    # the link, as a click on it delivers it
    dlg.report_view.anchorClicked.emit(QUrl("fix:RUST=y"))
    fixdlg = window.fix_ui.dialog
    assert fixdlg is not None and fixdlg.target.label == "RUST=y"
    fixdlg.close()


def test_save_fragment_checks_on_recent_trees(qtbot, demo_lt: LoadedTree, tree_61: Path, tree_612: Path,
                                              tmp_path: Path):
    lt = demo_lt
    opened = lt.ev.snapshot()
    assert lt.ev.set_value(lt.sym("MODVERSIONS"), 0)
    assert lt.ev.set_value(lt.sym("SAMPLE_RUST_PRINT"), 1)
    others = [KernelTree(tree_612, arch="x86_64", make_vars=lt.tree.make_vars),
              KernelTree(tree_61, arch="x86_64", make_vars=lt.tree.make_vars)]
    dlg = SaveFragmentDialog(None, lt, opened, None, frozenset(rust_symbols(lt)), other_trees=others)
    qtbot.addWidget(dlg)
    dlg.resize(1280, 800)
    dlg.show()
    dlg.set_source("rust-changes")
    assert dlg.wait()
    assert dlg.check_button.isVisible() and dlg.check_button.isEnabled()
    qtbot.mouseClick(dlg.check_button, Qt.MouseButton.LeftButton)
    assert not dlg.check_button.isEnabled()
    qtbot.waitUntil(lambda: dlg.checks is not None and not dlg.check_runner.busy, timeout=300_000)
    by = {c.version.rsplit(".", 1)[0]: c for c in dlg.checks}
    assert set(by) == {"6.12", "6.1"} and not any(c.sticks for c in dlg.checks)
    # 6.1 has no such sample; on 6.12 the sample needs the samples menu and Rust, which the demo had on
    assert [m.name for m in by["6.1"].report.missing] == ["SAMPLE_RUST_PRINT"]
    assert "needs" in by["6.12"].phrase() and "RUST=y" in by["6.12"].phrase()
    shown = dlg.check_view.text()
    assert "SAMPLE_RUST_PRINT does not exist" in shown and f"on {by['6.1'].name}" in shown
    assert dlg.check_button.isEnabled()
    shot(dlg, "save-fragment-checked.png", tmp_path)


def test_presets_dialog_by_keyboard_alone(qtbot, demo_lt: LoadedTree, tmp_path: Path):
    """Opened, the first preset is current and its lines are shown; Space checks it and
    Enter applies (never "Add a fragment file…"); the report then gets most of the room."""
    session = Session(demo_lt)
    dlg = PresetsDialog(None, presets.builtin_presets(), apply=session.apply_fragments)
    qtbot.addWidget(dlg)
    dlg.resize(820, 720)
    dlg.show()
    qtbot.waitExposed(dlg)
    dlg.activateWindow()
    dlg.tree.setFocus()
    qtbot.waitUntil(lambda: dlg.tree.hasFocus())
    assert dlg.tree.currentItem() is dlg.item_for("rust-support")
    assert "CONFIG_RUST=y" in dlg.details.toPlainText()
    top_before, report_before = dlg.body.sizes()
    assert top_before > report_before
    qtbot.keyClick(dlg.tree, Qt.Key.Key_Space)
    assert [f.name for f in dlg.checked_fragments()] == ["rust-support"]
    qtbot.keyClick(dlg.tree, Qt.Key.Key_Return)
    assert dlg.report is not None and dlg.isVisible()
    assert "Rust support" in dlg.report_view.toPlainText()
    top, report = dlg.body.sizes()
    assert report > top
    shot(dlg, "presets-dialog-keyboard.png", tmp_path)
    # Enter on a button that has the focus presses that button: Close closes, nothing is applied again
    applied = len(session.history.commands)
    close = dlg.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Close)
    close.setFocus()
    qtbot.waitUntil(close.hasFocus)
    qtbot.keyClick(close, Qt.Key.Key_Return)
    assert not dlg.isVisible() and len(session.history.commands) == applied
