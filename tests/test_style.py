"""Colours: one palette-aware place, readable (WCAG AA) on light and dark palettes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fakes import fake_toolchain
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from devtools.screens import dark_palette, light_palette
from rustconfig_gui.assets import demo_tree
from rustconfig_gui.explain.overview import RustOverviewData
from rustconfig_gui.explain.rustclass import rust_symbols
from rustconfig_gui.gui import style
from rustconfig_gui.gui.panels.info import info_html
from rustconfig_gui.gui.panels.overview import RustOverview
from rustconfig_gui.gui.panels.why import explanation_for, why_html
from rustconfig_gui.gui.style import MIN_CONTRAST, ROLES, Style, contrast, style_for
from rustconfig_gui.kconfig.loader import LoadedTree, load_tree
from rustconfig_gui.kconfig.tree import KernelTree

GUI = Path(__file__).resolve().parent.parent / "rustconfig_gui" / "gui"


PALETTES = {"light": light_palette, "dark": dark_palette}


@pytest.fixture(params=sorted(PALETTES))
def palette(request, qapp):
    """The application runs with this palette for the test, then gets its own back."""
    old = QApplication.palette()
    p = PALETTES[request.param]()
    QApplication.setPalette(p)
    yield request.param, p
    QApplication.setPalette(old)


def test_every_colour_of_the_style_is_readable_on_the_base_and_window(palette):
    name, p = palette
    s = Style.of(p)
    assert s.dark == (name == "dark")
    base = p.color(QPalette.ColorRole.Base)
    window = p.color(QPalette.ColorRole.Window)
    assert set(ROLES) <= set(s.colors)
    for role in ROLES:
        for bg in (base, window):
            ratio = contrast(s.color(role), bg)
            assert ratio >= MIN_CONTRAST, f"{role} {s.hex(role)} on {bg.name()} ({name}): {ratio:.2f}:1"
    # the secondary text of hidden Rust rows: on the rust tint over the (alternate) base
    tint = s.rust_tint()
    for row in (base, p.color(QPalette.ColorRole.AlternateBase)):
        under = style.blend(row, QColor(tint.red(), tint.green(), tint.blue()), tint.alphaF())
        assert contrast(s.color("muted"), under) >= MIN_CONTRAST, (name, under.name())
    # the colours still say different things: not all pushed to the text colour
    assert len({s.hex(r) for r in ("ok", "bad", "warn", "info", "rust")}) == 5


def test_a_low_contrast_palette_still_gets_readable_colours(qapp):
    # mid-grey base: neither the light nor the dark starting colours pass as they are
    p = light_palette()
    p.setColor(QPalette.ColorRole.Base, QColor("#c8c8c8"))
    p.setColor(QPalette.ColorRole.Window, QColor("#c0c0c0"))
    s = Style.of(p)
    for role in ROLES:
        assert contrast(s.color(role), QColor("#c0c0c0")) >= MIN_CONTRAST, role


def test_contrast_formula_matches_wcag():
    assert contrast(QColor("#000000"), QColor("#ffffff")) == pytest.approx(21.0)
    assert contrast(QColor("#777777"), QColor("#ffffff")) == pytest.approx(4.48, abs=0.01)


_LITERALS = [
    re.compile(r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b(?![\w-])"),      # #rrggbb, #rgb
    re.compile(r"\bQColor\("),                                       # QColor(r, g, b) / QColor("name")
    re.compile(r"\brgba?\("),                                        # css rgb()/rgba()
    re.compile(r"color\s*:\s*(?!\{)[a-zA-Z]+"),                      # color:gray, background-color:red
    re.compile(r"Qt\.GlobalColor|Qt\.(?:red|green|blue|gray|darkGray|black|white|yellow)\b"),
]


def test_no_colour_literals_outside_the_style_module():
    found = []
    for path in sorted(GUI.rglob("*.py")):
        if path.name == "style.py":
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if line.lstrip().startswith("#"):
                continue  # a comment
            if any(rx.search(line) for rx in _LITERALS):
                found.append(f"{path.relative_to(GUI)}:{n}: {line.strip()}")
    assert not found, "colour literals outside gui/style.py:\n" + "\n".join(found)


@pytest.fixture(scope="module")
def demo_lt(tmp_path_factory, make_env) -> LoadedTree:
    tmp = tmp_path_factory.mktemp("style")
    tools = fake_toolchain(tmp / "tools")
    lt = load_tree(KernelTree(demo_tree(), build=tmp / "build", make_vars=tools.make_vars), base_env=make_env)
    lt.defconfig()
    return lt


_COLOR_RX = re.compile(r"(?<![-\w])color\s*:\s*(#[0-9a-fA-F]{6})")


def test_every_colour_in_the_panels_html_comes_from_the_style_and_is_readable(palette, demo_lt: LoadedTree):
    name, p = palette
    lt = demo_lt
    s = style_for()
    allowed = {s.hex(r) for r in ROLES}
    rust = frozenset(rust_symbols(lt))
    pages = []
    for node in lt.ev.walk():
        if node.item.__class__.__name__ == "Symbol" or node.prompt:
            pages.append(info_html(lt, node, rust, why_html=why_html(explanation_for(lt, node), set())))
    ov = RustOverview()
    for data in (RustOverviewData(True, True, "y", probe_result="y"),
                 RustOverviewData(True, False, "n", blockers=["needs RUST_IS_AVAILABLE"], probe_result="n")):
        ov.show_data(data)
        pages.append(ov.label.text())
    used = {c.lower() for page in pages for c in _COLOR_RX.findall(page)}
    assert used, "the panels use no colour at all?"
    assert used <= allowed, f"colours not from the style ({name}): {used - allowed}"
    base = p.color(QPalette.ColorRole.Base)
    for c in used:
        assert contrast(QColor(c), base) >= MIN_CONTRAST, (name, c)


def test_panels_render_again_when_the_palette_changes(qtbot):
    old = QApplication.palette()
    ov = RustOverview()
    qtbot.addWidget(ov)
    ov.show_data(RustOverviewData(True, True, "y", probe_result="y"))
    light_text = ov.label.text()
    try:
        QApplication.setPalette(dark_palette())
        ok_dark = style.style_for().hex("ok")
        qtbot.waitUntil(lambda: ok_dark in ov.label.text())
        assert ov.label.text() != light_text
    finally:
        QApplication.setPalette(old)


def test_unchecked_check_boxes_have_a_clear_frame(palette, qtbot):
    """An unchecked box in an item view, drawn through the style the app uses: its frame
    has at least 3:1 (WCAG's minimum for the parts of a control) against the base colour."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QStyle, QStyleOptionViewItem, QTreeWidget, QTreeWidgetItem

    name, p = palette
    view = QTreeWidget()
    qtbot.addWidget(view)
    proxy = style.ClearCheckBoxes("Fusion")
    view.setStyle(proxy)
    view.setPalette(p)
    item = QTreeWidgetItem(["an option"])
    item.setCheckState(0, Qt.CheckState.Unchecked)
    view.addTopLevelItem(item)
    view.resize(300, 100)
    view.show()
    qtbot.waitExposed(view)
    rect = view.visualItemRect(item)
    opt = QStyleOptionViewItem()
    opt.initFrom(view.viewport())
    opt.rect = rect
    opt.features |= QStyleOptionViewItem.ViewItemFeature.HasCheckIndicator
    box = proxy.subElementRect(QStyle.SubElement.SE_ItemViewItemCheckIndicator, opt, view)
    img = view.viewport().grab().toImage()
    base = p.color(QPalette.ColorRole.Base)
    best = max(contrast(img.pixelColor(x, y), base)
               for x in range(box.left(), box.right() + 1) for y in range(box.top(), box.bottom() + 1))
    assert best >= style.MIN_CONTROL_CONTRAST, f"{name}: the box's frame has only {best:.2f}:1"


def test_links_are_made_readable_in_a_dark_palette_with_default_links(qapp):
    p = dark_palette()
    p.setColor(QPalette.ColorRole.Link, QColor("#0000ff"))  # Qt's default, on dark grey
    base = p.color(QPalette.ColorRole.Base)
    assert contrast(p.color(QPalette.ColorRole.Link), base) < MIN_CONTRAST
    fixed = style.readable_links(p)
    assert fixed is not None
    assert contrast(fixed.color(QPalette.ColorRole.Link), base) >= MIN_CONTRAST
    assert style.readable_links(fixed) is None  # nothing more to do
    # Fusion's light palette: its blue links pass; its magenta visited links (3.1:1) do not
    light = light_palette()
    fixed = style.readable_links(light) or light
    assert fixed.color(QPalette.ColorRole.Link) == light.color(QPalette.ColorRole.Link)
    for role in (QPalette.ColorRole.Link, QPalette.ColorRole.LinkVisited):
        assert contrast(fixed.color(role), fixed.color(QPalette.ColorRole.Base)) >= MIN_CONTRAST


def test_a_palette_hook_keeps_no_widget_alive_in_a_cycle(qtbot):
    """A widget owns its hook; the hook must not hold the widget's wrapper back (a cycle the
    collector would take apart after Qt deleted the widget, which crashed the process)."""
    import gc

    from PySide6.QtWidgets import QWidget

    from rustconfig_gui.gui.style import on_palette_change

    class Panel(QWidget):
        def render_again(self) -> None:
            pass

    gc.collect()
    panel = Panel()
    on_palette_change(panel, panel.render_again)
    del panel
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        assert not [o for o in gc.garbage if isinstance(o, Panel)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
