"""What the options tree paints: the answers the delegate gets in one call per cell,
and the parents the view asks for while rows come and go, on real 7.2 with Debian's
configuration (many nested menus, rows that appear and vanish with each edit)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, QModelRoleData, QModelRoleDataSpan, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QFont, QPalette
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem, QTreeView

from devtools.trees import ensure_distro_config
from rustconfig_gui.explain.rustclass import rust_symbols
from rustconfig_gui.gui.tree_model import _ANSWERED_ROLES, SYMBOL_ROLE, ConfigModel
from rustconfig_gui.kconfig.loader import LoadedTree, load_tree
from rustconfig_gui.kconfig.tree import KernelTree

# menus whose rows depend on edits, and the options that make them come and go
OPEN = ("NET", "USB_SUPPORT", "SOUND", "BLOCK", "NETDEVICES", "WLAN", "CRYPTO", "FILE_SYSTEMS")
EDITS = ("NET", "USB", "SOUND", "PCI", "BLOCK", "MODULES", "EXT4_FS", "IPV6", "WLAN", "INET", "CRYPTO_USER")


@pytest.fixture(scope="module")
def lt_72(tree_72: Path, tmp_path_factory: pytest.TempPathFactory) -> LoadedTree:
    lt = load_tree(KernelTree(tree_72, build=tmp_path_factory.mktemp("b72"), arch="x86_64"))
    lt.read_config(ensure_distro_config("7.2"))
    return lt


def listed(model: ConfigModel, parent: QModelIndex = QModelIndex()) -> Iterator[tuple[QModelIndex, QModelIndex]]:  # noqa: B008
    """(row, its parent) for every row the model has listed, walking down from the top."""
    for r in range(model.rowCount(parent)):
        idx = model.index(r, 0, parent)
        yield idx, parent
        item = model.item(idx)
        if item is not None and id(item) in model._kids:
            yield from listed(model, idx)


def open_menus(model: ConfigModel, lt: LoadedTree) -> None:
    for name in OPEN:
        sym = lt.sym(name)
        if sym is None:
            continue
        for node in sym.nodes:
            idx = model.index_for_node(node)
            if idx.isValid():
                model.rowCount(idx)  # what expanding it in the view does


def settled(qtbot, model: ConfigModel) -> None:
    qtbot.waitUntil(lambda: not model.refreshing, timeout=10_000)


def test_parents_stay_right_while_rows_come_and_go(qtbot, lt_72: LoadedTree):
    model = ConfigModel()
    model.set_tree(lt_72, frozenset(rust_symbols(lt_72)))
    open_menus(model, lt_72)
    rng = random.Random(72)
    moved = 0
    rows = model.rowsInserted, model.rowsRemoved
    counts: list[int] = []
    for signal in rows:
        signal.connect(lambda *_: counts.append(1))
    for step in range(16):
        pairs = list(listed(model))
        assert len(pairs) > 100
        for idx, parent in pairs:
            # asked twice: the second answer comes from what the model remembers
            assert model.parent(idx) == parent, f"step {step}: {model.item(idx)}"
            assert model.parent(idx) == parent
            assert model.index(idx.row(), 0, parent) == idx
        name = rng.choice(EDITS)
        sym = lt_72.sym(name)
        if sym is None or len(lt_72.ev.assignable(sym)) < 2:
            continue
        values = [v for v in lt_72.ev.assignable(sym) if v != lt_72.ev.tri(sym)]
        before = len(counts)
        model.set_symbol_value(sym, rng.choice(values))
        settled(qtbot, model)
        open_menus(model, lt_72)
        moved += len(counts) > before
    assert moved >= 4, "the edits moved too few rows to test anything"
    model.shutdown()


def _cell_via_multidata(model: ConfigModel, idx: QModelIndex, role: int) -> object:
    rd = QModelRoleData(role)
    model.multiData(idx, QModelRoleDataSpan(rd))
    return rd.data()


def test_each_cell_answers_the_same_in_one_call_as_role_by_role(qtbot, lt_72: LoadedTree):
    model = ConfigModel()
    model.set_tree(lt_72, frozenset(rust_symbols(lt_72)))
    model.set_mode(show_all=True)  # hidden rows too: their reasons and colours
    open_menus(model, lt_72)
    checked = 0
    roles = sorted(int(r) for r in _ANSWERED_ROLES) + [int(Qt.ItemDataRole.TextAlignmentRole)]
    for idx, _parent in list(listed(model))[:1500]:
        for col in range(3):
            cell = idx.siblingAtColumn(col)
            for role in roles:
                one = model.data(cell, role)
                many = _cell_via_multidata(model, cell, role)
                if isinstance(one, QBrush | QFont):
                    assert one == many, (cell.data(), col, role)
                else:
                    assert (one if one is not None else None) == many, (cell.data(), col, role)
                checked += 1
    assert checked > 10_000
    model.shutdown()


class Recorder(QStyledItemDelegate):
    """What the delegate has to paint with, after Qt asked the model in one call."""

    def __init__(self, view: QTreeView) -> None:
        super().__init__(view)
        self.seen: dict[tuple[int, int], tuple[str, object, bool, bool]] = {}

    def initStyleOption(self, option: QStyleOptionViewItem,  # noqa: N802 - Qt API
                        index: QModelIndex | QPersistentModelIndex) -> None:
        super().initStyleOption(option, index)
        self.seen[(int(index.internalId()), index.column())] = (
            option.text, option.checkState if option.features & option.ViewItemFeature.HasCheckIndicator else None,
            option.font.bold(), option.font.italic())


def test_the_delegate_paints_what_data_says(qtbot, lt_72: LoadedTree):
    model = ConfigModel()
    model.set_tree(lt_72, frozenset(rust_symbols(lt_72)))
    view = QTreeView()
    qtbot.addWidget(view)
    view.setModel(model)
    recorder = Recorder(view)
    view.setItemDelegate(recorder)
    view.resize(900, 1200)
    view.show()
    qtbot.waitExposed(view)
    for name in ("NET", "WLAN"):
        sym = lt_72.sym(name)
        assert sym is not None
        idx = model.index_for_node(sym.nodes[0])
        view.expand(idx)
        view.scrollTo(idx)
    view.viewport().grab()
    assert len(recorder.seen) > 60
    for (key, col), (text, check, bold, italic) in recorder.seen.items():
        item = model._items[key]
        idx = model.index_for_node(item).siblingAtColumn(col)  # type: ignore[arg-type]
        assert text == (model.data(idx, Qt.ItemDataRole.DisplayRole) or "")
        state = model.data(idx, Qt.ItemDataRole.CheckStateRole)
        assert check == (Qt.CheckState(state) if state is not None else None)
        font = model.data(idx, Qt.ItemDataRole.FontRole)
        assert (bold, italic) == ((font.bold(), font.italic()) if font is not None else (False, False))
    model.shutdown()


@pytest.mark.parametrize("name", ["light", "dark"])
def test_the_options_tree_draws_clear_check_boxes_without_a_python_style(qtbot, window, tmp_path: Path, name: str):
    """The window's options tree paints with a style that calls no Python per primitive
    drawn; its unchecked boxes still have a frame of 3:1 against the base (light and dark)."""
    from PySide6.QtWidgets import QApplication, QProxyStyle, QStyle

    from devtools.screens import dark_palette, light_palette
    from rustconfig_gui.assets import demo_tree
    from rustconfig_gui.gui.style import MIN_CONTROL_CONTRAST, contrast

    old = QApplication.palette()
    QApplication.setPalette(light_palette() if name == "light" else dark_palette())
    try:
        with qtbot.waitSignal(window.treeLoaded, timeout=120_000):
            assert window.open_tree(KernelTree(demo_tree(), build=tmp_path / "demo"), prefer_defconfig=True)
        view = window.view
        assert not isinstance(view.style(), QProxyStyle)
        model = window.model
        boxes = [i for i, _p in listed(model) if model.data(i, Qt.ItemDataRole.CheckStateRole) is not None
                 and len(window.lt.ev.assignable(model.data(i, SYMBOL_ROLE))) > 1]
        idx = boxes[0]
        sym = model.data(idx, SYMBOL_ROLE)
        if window.lt.ev.tri(sym):
            assert model.set_symbol_value(sym, 0)
            qtbot.waitUntil(lambda: not model.refreshing)
            idx = model.index_for_node(model.item(idx))
        assert model.data(idx, Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Unchecked
        view.scrollTo(idx)
        qtbot.wait(50)
        opt = QStyleOptionViewItem()
        opt.initFrom(view.viewport())
        opt.rect = view.visualRect(idx)
        opt.features |= QStyleOptionViewItem.ViewItemFeature.HasCheckIndicator
        box = view.style().subElementRect(QStyle.SubElement.SE_ItemViewItemCheckIndicator, opt, view)
        assert box.width() > 4
        img = view.viewport().grab().toImage()
        base = view.palette().color(QPalette.ColorRole.Base)
        # the row may be an alternate row: judge against the colour behind the box
        behind = img.pixelColor(box.left() - 2, box.center().y())
        best = max(contrast(img.pixelColor(x, y), behind)
                   for x in range(box.left(), box.right() + 1) for y in range(box.top(), box.bottom() + 1))
        assert best >= MIN_CONTROL_CONTRAST, f"{name}: {sym.name}'s box has only {best:.2f}:1 (base {base.name()})"
    finally:
        QApplication.setPalette(old)


def test_a_click_on_a_check_box_toggles_its_option_and_a_click_beside_it_does_not(qtbot, window, tmp_path: Path):
    """With the mouse, as a user does: the box the delegate draws is where a click toggles."""
    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QStyle

    from rustconfig_gui.assets import demo_tree

    with qtbot.waitSignal(window.treeLoaded, timeout=120_000):
        assert window.open_tree(KernelTree(demo_tree(), build=tmp_path / "demo"), prefer_defconfig=True)
    view, model = window.view, window.model
    sym = window.lt.sym("SYSVIPC")
    idx = model.index_for_node(next(n for n in sym.nodes if n.prompt))
    view.scrollTo(idx)
    opt = QStyleOptionViewItem()
    opt.initFrom(view.viewport())
    opt.rect = view.visualRect(idx)
    opt.features |= QStyleOptionViewItem.ViewItemFeature.HasCheckIndicator
    box = view.style().subElementRect(QStyle.SubElement.SE_ItemViewItemCheckIndicator, opt, view)
    before = window.lt.ev.tri(sym)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=box.center())
    qtbot.waitUntil(lambda: window.lt.ev.tri(sym) != before, timeout=5000)
    after = window.lt.ev.tri(sym)
    # on the prompt's text: the row becomes current, the value stays
    text_at = QPoint(box.right() + 40, box.center().y())
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=text_at)
    qtbot.wait(100)
    assert window.lt.ev.tri(sym) == after
    assert model.item(view.currentIndex()) is model.item(idx)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=box.center())
    qtbot.waitUntil(lambda: window.lt.ev.tri(sym) == before, timeout=5000)


def test_the_recovery_copy_is_made_between_events_and_is_the_text_of_its_start(qtbot, lt_72: LoadedTree):
    # Its text is made in slices of the GUI thread (a worker making it held the GIL
    # each painted row needs), the file written on a worker.
    from rustconfig_gui.gui.recovery_copy import RecoveryCopy
    from rustconfig_gui.kconfig import configfile
    from rustconfig_gui.workspace import recovery

    lt = lt_72
    steps = list(configfile.config_text_steps(lt.values_copy()))
    assert steps.count(None) >= 10 and steps[-1] == configfile.config_text(lt.ev)
    values = lt.values_copy()
    expected = configfile.config_text(values)
    path = recovery.recovery_path(lt.tree)
    copy = RecoveryCopy()
    busy: list[bool] = []
    copy.busyChanged.connect(busy.append)
    assert copy.start(lt.tree, values, lt.tree.config_path, None)
    assert copy.busy and busy == [True] and not path.exists()  # nothing is made inside start()
    assert not copy.start(lt.tree, values, lt.tree.config_path, None)  # one at a time
    sym = lt.sym("NET")
    old = lt.ev.tri(sym)
    try:
        # an edit while the text is made: the copy is of the values it was started with
        lt.ev.set_value(sym, 0 if old else 2)
        qtbot.waitUntil(lambda: not copy.busy, timeout=30_000)
    finally:
        lt.ev.set_value(sym, old)
    assert busy == [True, False]
    assert path.read_text() == expected and "CONFIG_NET=y" in expected
    recovery.clear_recovery(lt.tree)
    copy.shutdown()
