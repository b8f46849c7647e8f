"""What the window computes before its first paint and what it leaves for after.

The loading worker evaluates the entries the first screen shows
(``LoadedTree.evaluate_first_screen``); the window computes the rest of the
tree's shown entries after its first paint, in short slices between events
(``LoadedTree.shown_steps`` on ``gui/jobs.py`` ``SlicedSteps``).  The values are
cached by the evaluator, so the order they are computed in must not change any
answer: checked against an evaluator of the same values that computes
everything in menu order.
"""

from __future__ import annotations

from pathlib import Path

from fakes import fake_toolchain
from PySide6.QtCore import Qt

from devtools.cref import clean_env
from rustconfig_gui.assets import demo_tree
from rustconfig_gui.kconfig.loader import LoadedTree, load_tree
from rustconfig_gui.kconfig.tree import KernelTree

LOAD_TIMEOUT = 120_000


def _same_answers(lt: LoadedTree) -> None:
    """Every entry's visibility and every symbol's value as an evaluator computing them in menu order has them."""
    fresh = lt.values_copy()
    nodes = list(lt.ev.walk())
    assert [lt.ev.menu_is_visible(n) for n in nodes] == [fresh.menu_is_visible(n) for n in nodes]
    syms = lt.symbols
    assert [lt.ev.str_value(s) for s in syms] == [fresh.str_value(s) for s in syms]


def test_first_screen_then_the_rest_answer_as_one_evaluation(tree_61: Path):
    lt = load_tree(KernelTree(tree_61, arch="x86_64"), base_env=clean_env())
    lt.defconfig()
    lt.evaluate_first_screen()
    # the first screen is a part of the tree: most entries are left for later
    entries = sum(1 for _ in lt.ev.walk())
    assert 0 < len(lt.ev._menu_vis) < entries / 3
    assert sum(1 for _ in lt.shown_steps()) == entries
    assert len(lt.ev._menu_vis) == entries
    _same_answers(lt)


def test_window_computes_the_rest_after_the_first_screen(qtbot, window, tmp_path: Path):
    tc = fake_toolchain(tmp_path / "tc", rustc_version="1.85.0")
    tree = KernelTree(demo_tree(), build=tmp_path / "build", make_vars=tc.make_vars)
    with qtbot.waitSignal(window.treeLoaded, timeout=LOAD_TIMEOUT):
        assert window.open_tree(tree, prefer_defconfig=True)
    # not before the tree is shown: after its first paint, between events
    assert window.shown_values.running
    # keys pressed meanwhile: moving, opening a menu, toggling an entry
    view = window.view
    view.setFocus()
    view.setCurrentIndex(window.model.index(0, 0))
    before = window.session.state_id
    for key in (Qt.Key.Key_Down, Qt.Key.Key_Right, Qt.Key.Key_Down, Qt.Key.Key_Down, Qt.Key.Key_Space):
        qtbot.keyClick(view.viewport(), key)
    if window.shown_values.running:
        with qtbot.waitSignal(window.shown_values.done, timeout=LOAD_TIMEOUT):
            pass
    assert window.session.state_id != before, "the space bar toggled the entry"
    assert not window.shown_values.running
    _same_answers(window.lt)
    # an edit after it: the same answers again
    sym = window.lt.sym("RUST")
    assert sym is not None
    window.model.set_symbol_value(sym, "n")
    _same_answers(window.lt)
