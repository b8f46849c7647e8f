"""The window after opening an older kernel's config on 7.2: (NEW) marks, the review, the changes.

Debian's 6.12 config with Rust switched on (and MODVERSIONS off, as 6.12 needed
for Rust), on the real 7.2 tree with a stand-in toolchain its make accepts: the
marks in the tree are exactly ``make listnewconfig``'s list, the review walks
every new option with the Rust ones first, and an answer is one undoable step.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from fakes import Toolchain, fake_toolchain
from kconfiglib import Symbol
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from devtools.cref import Build, CConf
from devtools.trees import ensure_distro_config, ensure_tree
from rustconfig_gui.gui.mainwindow import MainWindow
from rustconfig_gui.kconfig import newoptions
from rustconfig_gui.kconfig.tree import KernelTree

LOAD_TIMEOUT = 120_000
REPORT_TIMEOUT = 60_000


@pytest.fixture(scope="module")
def tools(tmp_path_factory: pytest.TempPathFactory) -> Toolchain:
    return fake_toolchain(tmp_path_factory.mktemp("rust-tools"))


@pytest.fixture(scope="module")
def old_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    text = ensure_distro_config("6.12").read_text()
    # 6.12 hid RUST behind MODVERSIONS, so Debian's file does not mention it
    assert not re.search(r"^(# )?CONFIG_RUST[= ]", text, re.M)
    text += "CONFIG_RUST=y\n"
    text = re.sub(r"^CONFIG_MODVERSIONS=y$", "# CONFIG_MODVERSIONS is not set", text, flags=re.M)
    assert "CONFIG_RUST=y" in text and "# CONFIG_MODVERSIONS is not set" in text
    path = tmp_path_factory.mktemp("old") / "config-6.12-rust"
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def c_list(tools: Toolchain, old_config: Path, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    cc = CConf(Build(ensure_tree("7.2"), arch="x86_64", make_vars=tools.make_vars),
               workdir=tmp_path_factory.mktemp("cconf-72"))
    out, _, _ = cc.output("listnewconfig", old_config.read_text())
    return [ln.split("=", 1)[0].removeprefix("CONFIG_") for ln in out.splitlines()]


def shot(widget, name: str, tmp_path: Path) -> Path:
    """The widget as rendered, for a person to look at (RUSTCONFIG_SHOTS keeps them)."""
    folder = Path(os.environ.get("RUSTCONFIG_SHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    QApplication.processEvents()
    assert widget.grab().save(str(path)) and path.stat().st_size > 0
    return path


def open_upgrade(qtbot, window: MainWindow, tools: Toolchain, old_config: Path, tmp_path: Path):
    window.resize(1280, 800)
    tree = KernelTree(ensure_tree("7.2"), build=tmp_path / "build", arch="x86_64", make_vars=tools.make_vars)
    ctl = window.upgrade_ui
    with qtbot.waitSignal(ctl.reportReady, timeout=LOAD_TIMEOUT + REPORT_TIMEOUT):
        assert window.open_tree(tree, config=old_config)
    return ctl


@pytest.mark.slow
def test_new_marks_review_and_changes(qtbot, window: MainWindow, tools: Toolchain, old_config: Path,
                                      c_list: list[str], tmp_path: Path):
    ctl = open_upgrade(qtbot, window, tools, old_config, tmp_path)
    lt = window.lt
    report = ctl.report
    assert [n.name for n in report.new] == c_list
    assert report.new_rust > 0
    # the bar names the older kernel and the counts, with links into the lists
    assert ctl.bar.isVisible()
    text = ctl.bar.label.text()
    assert f"Linux {report.from_version}" in text and f"{len(c_list)} new options" in text
    assert f"{report.new_rust} Rust-related" in text

    # (NEW) in the tree: exactly the entries make listnewconfig lists
    model = window.model
    marked = []
    for node in lt.ev.walk():
        if node.prompt is None or not lt.ev.menu_is_visible(node):
            continue
        idx = model.index_for_node(node)
        if idx.isValid() and str(idx.data()).endswith(" (NEW)"):
            marked.append(node.item.name)
    assert marked == c_list
    window.select_symbol(next(n.name for n in report.new if n.rust))
    shot(window, "upgrade-window.png", tmp_path)

    # the review: Rust first, every new option reachable with Next
    dlg = ctl.open_review()
    qtbot.waitExposed(dlg)
    assert dlg.progress.text().startswith(f"1 of {len(c_list)} ")
    rust_first = [o.name for o in dlg.options[:report.new_rust]]
    assert rust_first == [n.name for n in report.new if n.rust]
    shot(dlg, "review-first.png", tmp_path)
    seen = [dlg.current().name]
    while dlg.next_button.isEnabled():
        QTest.mouseClick(dlg.next_button, Qt.MouseButton.LeftButton)
        seen.append(dlg.current().name)
    assert sorted(seen) == sorted(c_list) and len(seen) == len(c_list)
    assert dlg.progress.text().startswith(f"{len(c_list)} of {len(c_list)} ")

    # filters combine: Rust-related only, then a text
    dlg.rust_only.setChecked(True)
    assert dlg.list.count() == report.new_rust
    dlg.filter.setText(rust_first[-1])
    assert dlg.list.count() == 1 and dlg.current().name == rust_first[-1]
    dlg.filter.clear()
    dlg.rust_only.setChecked(False)
    assert dlg.list.count() == len(c_list)
    # Ctrl+Right / Ctrl+Left step like Next / Previous
    dlg.list.setCurrentRow(0)
    QTest.keyClick(dlg, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)
    assert dlg.list.currentRow() == 1
    QTest.keyClick(dlg, Qt.Key.Key_Left, Qt.KeyboardModifier.ControlModifier)
    assert dlg.list.currentRow() == 0

    # an answer by key, as in menuconfig: one undoable step
    dlg.list.setCurrentRow(0)
    dlg.list.setFocus()
    first = dlg.current()
    sym = first.node.item
    assert sym not in lt.ev.user
    allowed = lt.ev.assignable(sym)
    key = "ny"[allowed[-1] == 2] if allowed else None
    assert key is not None
    QTest.keyClick(dlg.list, key)
    assert lt.ev.user.get(sym) == (2 if key == "y" else 0)
    assert dlg.current() is not first  # moved on to the next unanswered one
    assert " 1 answered" in dlg.progress.text()
    idx = model.index_for_node(first.node)
    assert not str(idx.data()).endswith("(NEW)")
    shot(dlg, "review-answered.png", tmp_path)
    window.undo()
    qtbot.waitUntil(lambda: sym not in lt.ev.user, timeout=5000)
    # the review follows the undo by itself
    assert " 0 answered" in dlg.progress.text()
    assert str(model.index_for_node(first.node).data()).endswith(" (NEW)")
    # Enter keeps the kernel's value, and that too is an answer
    dlg.list.setCurrentRow(0)
    kept = lt.ev.str_value(sym)
    QTest.keyClick(dlg.list, Qt.Key.Key_Return)
    assert sym in lt.ev.user and lt.ev.str_value(sym) == kept
    # a choice member: Enter keeps the member the choice selects now, for the whole choice
    member = next(o for o in dlg.options if o.node.item.choice is not None and o.node.item not in lt.ev.user)
    choice = member.node.item.choice
    selected = lt.ev.choice_selection(choice)
    assert dlg.select(member.name)
    QTest.keyClick(dlg.list, Qt.Key.Key_Return)
    assert lt.ev.choice_selection(choice) is selected
    assert all(m in lt.ev.user for m in choice.syms if lt.ev.visibility(m))
    dlg.close()

    # what the new tree changed: conf's list of changed input, each with a reason
    changes = ctl.open_changes("changed")
    qtbot.waitExposed(changes)
    assert changes.changed.topLevelItemCount() == len(report.changed) > 0
    assert [changes.changed.topLevelItem(i).text(0).removeprefix("[Rust] ").removeprefix("CONFIG_")
            for i in range(len(report.changed))] == [c.name for c in sorted(report.changed, key=lambda c: not c.rust)]
    shot(changes, "changes.png", tmp_path)
    item = changes.changed.topLevelItem(0)
    changes.changed.itemActivated.emit(item, 0)
    current = window.current_node()
    assert current is not None and current.item.name == item.data(0, Qt.ItemDataRole.UserRole)
    changes.show_section("gone")
    assert changes.gone.topLevelItemCount() == len(report.gone)
    changes.close()

    # the same in a dark palette
    app = QApplication.instance()
    old = app.palette()
    dark = QPalette()
    for role, color in ((QPalette.ColorRole.Window, "#2b2b2b"), (QPalette.ColorRole.Base, "#1e1e1e"),
                        (QPalette.ColorRole.AlternateBase, "#262626"), (QPalette.ColorRole.Text, "#e0e0e0"),
                        (QPalette.ColorRole.WindowText, "#e0e0e0"), (QPalette.ColorRole.Button, "#353535"),
                        (QPalette.ColorRole.ButtonText, "#e0e0e0"), (QPalette.ColorRole.Highlight, "#2f65ca"),
                        (QPalette.ColorRole.Link, "#8ab4f8")):
        dark.setColor(role, color)
    app.setPalette(dark)
    try:
        shot(window, "upgrade-window-dark.png", tmp_path)
        dlg = ctl.open_review()
        shot(dlg, "review-dark.png", tmp_path)
        dlg.close()
    finally:
        app.setPalette(old)


def test_marks_rule_is_conf_rule_on_the_demo_tree(qtbot, window: MainWindow, tmp_path: Path):
    """No marks for a tree started from its defconfig (make defconfig writes a full .config)."""
    from rustconfig_gui.assets import demo_tree

    tree = KernelTree(demo_tree(), build=tmp_path / "demo-build")
    with qtbot.waitSignal(window.treeLoaded, timeout=LOAD_TIMEOUT):
        assert window.open_tree(tree, prefer_defconfig=True)
    assert not window.model.new_marks
    # the same tree from a .config that leaves things out: conf's rule marks what it left out
    assert not window.upgrade_ui.act_review.isEnabled()
    cfg = tmp_path / "partial.config"
    cfg.write_text("CONFIG_MODULES=y\n")
    with qtbot.waitSignal(window.upgrade_ui.reportReady, timeout=REPORT_TIMEOUT):
        window.load_config(cfg)
    assert window.model.new_marks
    # no header naming a kernel: the review is there, the bar is not
    assert window.upgrade_ui.act_review.isEnabled() and not window.upgrade_ui.bar.isVisible()
    ev = window.lt.ev
    marked = {n.item.name for n in ev.walk() if n.prompt and ev.menu_is_visible(n)
              and str(window.model.index_for_node(n).data()).endswith(" (NEW)")}
    assert marked == {s.name for s in newoptions.new_symbols(ev)} and marked


def _shown_nodes(model) -> list:
    """Every row the model shows (all menus walked, whatever the view has open)."""
    out, todo = [], [model.index(r, 0) for r in range(model.rowCount())]
    while todo:
        idx = todo.pop()
        out.append(model.item(idx))
        todo += [model.index(r, 0, idx) for r in range(model.rowCount(idx))]
    return out


def test_new_options_only_filter_with_the_lens_and_search(qtbot, window: MainWindow, tmp_path: Path):
    from rustconfig_gui.assets import demo_tree

    tree = KernelTree(demo_tree(), build=tmp_path / "demo-build")
    with qtbot.waitSignal(window.treeLoaded, timeout=LOAD_TIMEOUT):
        assert window.open_tree(tree, prefer_defconfig=True)
    act = window.upgrade_ui.act_new_only
    assert not act.isEnabled()  # started from the defconfig: nothing is new
    cfg = tmp_path / "partial.config"
    cfg.write_text("CONFIG_MODULES=y\nCONFIG_NET=y\n")
    with qtbot.waitSignal(window.upgrade_ui.reportReady, timeout=REPORT_TIMEOUT):
        window.load_config(cfg)
    assert act.isEnabled()
    ev, model = window.lt.ev, window.model
    new = {s.name for s in newoptions.new_symbols(ev)}
    assert new
    qtbot.keyClick(window.view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert act.isChecked() and model.new_only
    shown = _shown_nodes(model)
    leaves = {n.item.name for n in shown if n.item.__class__ is Symbol and newoptions.is_new(ev, n)}
    # every new option is there, and every row is new or a menu on the way to one
    assert leaves == new
    for n in shown:
        assert newoptions.is_new(ev, n) or any(newoptions.is_new(ev, m) for m in _below(n)), n
    # with the lens: the Rust ones among them
    window.act_lens.trigger()
    rust = window.rust_syms
    both = _shown_nodes(model)
    assert both and len(both) < len(shown)
    for n in both:
        around = [n, *_below(n)]
        assert any(newoptions.is_new(ev, m) for m in around), n
        assert any(m.item in rust for m in around), n
    shown_ids = {id(n) for n in both}
    assert all(id(n) in shown_ids for n in shown if n.item in rust and newoptions.is_new(ev, n))
    window.act_lens.trigger()
    # search lists only new entries while the filter is on
    window.focus_search()
    qtbot.keyClicks(window.search, "support")
    qtbot.waitUntil(lambda: window.results.count() > 0, timeout=10_000)
    names = {window.results.item(i).data(Qt.ItemDataRole.UserRole).node for i in range(window.results.count())}
    assert names and all(newoptions.is_new(ev, n) for n in names)
    # a link to an entry that is not new turns the filter off and shows it
    old = next(s for s in window.lt.kconf.unique_defined_syms if s.nodes and s.nodes[0].prompt
               and ev.menu_is_visible(s.nodes[0])
               and not any(newoptions.is_new(ev, m) for m in [s.nodes[0], *_below(s.nodes[0])]))
    assert window.model.index_for_node(old.nodes[0]).isValid() is False
    assert window.select_symbol(old.name)
    assert not act.isChecked() and not model.new_only and window.current_node() is old.nodes[0]


def _below(node) -> list:
    out, todo = [], [node.list] if node.list else []
    while todo:
        n = todo.pop()
        out.append(n)
        if n.list:
            todo.append(n.list)
        if n.next:
            todo.append(n.next)
    return out
