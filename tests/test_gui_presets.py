"""The presets, save-fragment and compare dialogs, and applying as one undoable
step in the real window (demo tree with a fake toolchain; 6.12's own fragments)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fakes import fake_toolchain
from PySide6.QtGui import QUndoStack

from rustconfig_gui.assets import demo_tree
from rustconfig_gui.errors import ConfigFileError
from rustconfig_gui.explain.rustclass import rust_symbols
from rustconfig_gui.gui.dialogs.diff import DiffDialog
from rustconfig_gui.gui.dialogs.presets import (
    ApplyPresetsCommand,
    PresetsDialog,
    SaveFragmentDialog,
    install_preset_actions,
    report_html,
)
from rustconfig_gui.gui.tree_model import RUST_TINT
from rustconfig_gui.kconfig import configfile
from rustconfig_gui.kconfig.loader import LoadedTree, load_tree
from rustconfig_gui.kconfig.tree import KernelTree
from rustconfig_gui.workspace import presets

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
    stack = QUndoStack()
    commands: list[ApplyPresetsCommand] = []

    def apply(chosen):
        cmd = ApplyPresetsCommand(lt, chosen)
        stack.push(cmd)
        commands.append(cmd)
        return cmd.report

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
    assert report is dlg.report is commands[0].report
    # the demo's defconfig keeps MODVERSIONS=y, so Rust support does not take, and says why
    assert {n.request.name for n in report.not_applied} == {"RUST", "RUST_DEBUG_ASSERTIONS",
                                                            "RUST_OVERFLOW_CHECKS"}
    shown = dlg.report_view.toPlainText()
    assert "Not applied" in shown and "MODVERSIONS" in shown
    assert "CONFIG_NOT_IN_DEMO=y" in shown and "Not in this tree" in shown
    assert "CONFIG_LOG_BUF_SHIFT=17" in lt.config_text().splitlines()
    after = lt.config_text()
    shot(dlg, "presets-dialog.png", tmp_path)

    stack.undo()
    assert lt.config_text() == before
    stack.redo()
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
    assert [a.name for a in presets.scan_assignments(dlg.fragment_text())] == ["SAMPLE_RUST_PRINT"]
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
        tinted = dlg.table.item(i, 1).background().color() == RUST_TINT
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
    assert ctl.act_apply.isEnabled() and not ctl.act_undo.isEnabled()
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
    assert ctl.act_undo.isEnabled() and ctl.act_undo.text().startswith("Undo Apply off, Rust samples")
    applied = lt.config_text()

    # a later edit is its own step
    assert window.model.set_symbol_value(lt.sym("LOG_BUF_SHIFT"), "19")
    edited = lt.config_text()
    ctl.undo()
    assert lt.config_text() == applied
    ctl.undo()
    assert lt.config_text() == on_disk
    ctl.redo()
    ctl.redo()
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

    # loading another file replaces the configuration: the history no longer applies
    window.load_config(build / ".config")
    assert lt.config_text() == on_disk
    ctl.undo()
    assert lt.config_text() == on_disk and not ctl.act_undo.isEnabled()
    assert "nothing to undo" in window.statusBar().currentMessage()
