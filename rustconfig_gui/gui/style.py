"""Every colour the panels and dialogs use, in one place, from the palette.

Colours are chosen per light or dark palette (dark: the base colour is dark)
and then checked against the palette's base, alternate-base and window
colours and the Rust rows' tint over them: a colour with less than
:data:`MIN_CONTRAST` (WCAG AA for text) against any of them is moved towards
black or white (secondary text: towards the text colour) until it has it.  Nothing else in
``rustconfig_gui/gui`` names a colour; HTML panels ask :func:`style_for` for
the ones they use and render again when the palette changes
(:func:`on_palette_change`).
"""

from __future__ import annotations

import html
import inspect
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, QTimer
from PySide6.QtGui import QBrush, QColor, QGuiApplication, QIcon, QPalette, QPixmap
from PySide6.QtWidgets import (
    QApplication,
    QProxyStyle,
    QStyle,
    QStyledItemDelegate,
    QStyleFactory,
    QStyleOption,
    QStyleOptionViewItem,
    QWidget,
)

# WCAG 2.x AA for normal text
MIN_CONTRAST = 4.5
# WCAG 2.x for the outline of a control (a check box's frame)
MIN_CONTROL_CONTRAST = 3.0

#: what each colour says; the same names in every panel
ROLES = ("ok", "bad", "warn", "info", "rust", "muted")

# Starting points, light and dark (Material-like hues). The contrast check
# below has the last word, so a custom palette still gets readable text.
_LIGHT = {
    "ok": "#2e7d32",    # green: passes, enabled, holds
    "bad": "#c62828",   # red: fails, hidden, errors
    "warn": "#a04a00",  # dark orange: waiting, partly
    "info": "#1565c0",  # blue: information
    "rust": "#b7410e",  # rust: Rust-related
}
_DARK = {
    "ok": "#81c784",
    "bad": "#ff8a80",
    "warn": "#ffb74d",
    "info": "#90caf9",
    "rust": "#ff9e6e",
}
# the rust tint behind Rust rows: the hue of "rust", this opaque (0-255)
_TINT_ALPHA = {False: 48, True: 72}


def luminance(c: QColor) -> float:
    """WCAG relative luminance of an opaque colour."""

    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())


def contrast(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio (1 to 21)."""
    la, lb = luminance(a), luminance(b)
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


def blend(a: QColor, b: QColor, t: float) -> QColor:
    """``a`` moved the fraction ``t`` of the way to ``b``."""
    return QColor.fromRgbF(a.redF() + (b.redF() - a.redF()) * t, a.greenF() + (b.greenF() - a.greenF()) * t,
                           a.blueF() + (b.blueF() - a.blueF()) * t)


def readable(fg: QColor, backgrounds: list[QColor], minimum: float = MIN_CONTRAST,
             towards: QColor | None = None) -> QColor:
    """``fg``, or the nearest colour on the way to ``towards`` (default: black on
    light backgrounds, white on dark ones) with ``minimum`` against every background."""
    if all(contrast(fg, bg) >= minimum for bg in backgrounds):
        return fg
    if towards is None:
        dark = sum(luminance(bg) for bg in backgrounds) / len(backgrounds) < 0.18
        towards = QColor(255, 255, 255) if dark else QColor(0, 0, 0)
    best = fg
    for step in range(1, 21):
        best = blend(fg, towards, step / 20)
        if all(contrast(best, bg) >= minimum for bg in backgrounds):
            break
    return best


def is_dark(palette: QPalette) -> bool:
    """A dark palette: its base (or, for panels, window) colour is dark."""
    base = palette.color(QPalette.ColorRole.Base)
    window = palette.color(QPalette.ColorRole.Window)
    return min(base.lightnessF(), window.lightnessF()) < 0.5 and base.lightnessF() < 0.5


@dataclass(frozen=True)
class Style:
    """The colours for one palette."""

    dark: bool
    colors: dict[str, QColor]
    base: QColor
    window: QColor
    backgrounds: tuple[QColor, ...] = ()
    # brushes made once per palette: a model hands one to every muted or Rust cell it paints
    _brushes: dict[str, QBrush] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, palette: QPalette) -> Style:
        dark = is_dark(palette)
        base = palette.color(QPalette.ColorRole.Base)
        window = palette.color(QPalette.ColorRole.Window)
        text = palette.color(QPalette.ColorRole.Text)
        alternate = palette.color(QPalette.ColorRole.AlternateBase)
        # Rust rows: the rust tint over the base and over the alternate rows
        tint = QColor(_DARK["rust"] if dark else _LIGHT["rust"])
        t = _TINT_ALPHA[dark] / 255
        backgrounds = [base, window, alternate, blend(base, tint, t), blend(alternate, tint, t)]
        colors = {name: readable(QColor(value), backgrounds) for name, value in (_DARK if dark else _LIGHT).items()}
        # secondary text (locations, notes): half way to the base colour, then as readable as needed
        colors["muted"] = readable(blend(text, base, 0.45), backgrounds, towards=text)
        return cls(dark, colors, base, window, tuple(backgrounds))

    def color(self, role: str) -> QColor:
        return QColor(self.colors[role])

    def brush(self, role: str) -> QBrush:
        """A brush of ``role``'s colour (``"rust_tint"``: :meth:`rust_tint`), shared: not to be changed."""
        b = self._brushes.get(role)
        if b is None:
            b = self._brushes[role] = QBrush(self.rust_tint() if role == "rust_tint" else self.color(role))
        return b

    def hex(self, role: str) -> str:
        return self.colors[role].name()

    def css(self, role: str) -> str:
        """``color:#rrggbb`` for a style attribute."""
        return f"color:{self.hex(role)}"

    def span(self, role: str, text: str, bold: bool = False, escape: bool = False) -> str:
        """``text`` (HTML unless ``escape``) in the colour of ``role``."""
        body = html.escape(text) if escape else text
        weight = "; font-weight:bold" if bold else ""
        return f"<span style='{self.css(role)}{weight}'>{body}</span>"

    def rust_tint(self) -> QColor:
        """The translucent background of Rust rows (text on it stays the palette's)."""
        c = QColor(_DARK["rust"] if self.dark else _LIGHT["rust"])
        c.setAlpha(_TINT_ALPHA[self.dark])
        return c

    def rust_tint_css(self) -> str:
        c = self.rust_tint()
        return f"background-color:rgba({c.red()},{c.green()},{c.blue()},{c.alphaF():.2f})"


_cache: dict[int, Style] = {}


def style_for(widget: QWidget | None = None) -> Style:
    """The colours for ``widget``'s palette (default: the application's)."""
    palette = widget.palette() if widget is not None else QGuiApplication.palette()
    key = palette.cacheKey()
    s = _cache.get(key)
    if s is None:
        if len(_cache) > 32:
            _cache.clear()
        s = _cache[key] = Style.of(palette)
    return s


class _PaletteHook(QObject):
    """Calls back (once per burst, on the next turn of the event loop) when the
    palette of the watched widget or of the application changes."""

    def __init__(self, widget: QWidget, callback: Callable[[], None]) -> None:
        super().__init__(widget)
        # a bound method is held weakly: the hook (owned by the widget) must not keep the
        # widget's wrapper alive in a cycle the collector later takes apart after Qt deleted it
        self._callback: Callable[[], Callable[[], None] | None] = (
            weakref.WeakMethod(callback) if inspect.ismethod(callback) else (lambda: callback))
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._fire)
        widget.installEventFilter(self)

    def _fire(self) -> None:
        callback = self._callback()
        if callback is not None:
            callback()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._timer.start()
        return False


def on_palette_change(widget: QWidget, callback: Callable[[], None]) -> None:
    """Run ``callback`` after ``widget``'s palette changed (e.g. to render HTML again)."""
    _PaletteHook(widget, callback)


# the window colour a check box is drawn with, per (text, base) colour: worked out
# once, not for every box of every paint (~50 per paint of the options tree)
_CHECK_WINDOW: dict[tuple[int, int], QColor] = {}


def check_window(palette: QPalette) -> QColor:
    """The window colour to draw a check box with on ``palette``'s base: Fusion draws
    the box's frame from it (window.darker(140).lighter(110)), faint on white and nearly
    invisible on dark grey; this one gives the frame 3:1 against the base."""
    base = palette.color(QPalette.ColorRole.Base)
    text = palette.color(QPalette.ColorRole.Text)
    key = (text.rgba(), base.rgba())
    window = _CHECK_WINDOW.get(key)
    if window is None:
        # a frame between the text and the base colour, readable on the base
        frame = readable(blend(text, base, 0.55), [base], MIN_CONTROL_CONTRAST, towards=text)
        window = _CHECK_WINDOW[key] = frame.lighter(127)  # 140 / 110
    return window


class ClearCheckBoxes(QProxyStyle):
    """Check boxes (in item views and on their own) with a clear frame (see
    :func:`check_window`).  The application uses it around its style (see
    :func:`install`).  Python sees every primitive a widget with it draws: the
    options tree uses :class:`ClearCheckDelegate` and a plain style instead."""

    def drawPrimitive(self, element: QStyle.PrimitiveElement, option: QStyleOption,  # noqa: N802 - Qt API
                      painter, widget: QWidget | None = None) -> None:
        if element in (QStyle.PrimitiveElement.PE_IndicatorItemViewItemCheck,
                       QStyle.PrimitiveElement.PE_IndicatorCheckBox):
            pal = QPalette(option.palette)
            pal.setColor(QPalette.ColorRole.Window, check_window(pal))
            opt = type(option)(option)
            opt.palette = pal
            super().drawPrimitive(element, opt, painter, widget)
            return
        super().drawPrimitive(element, option, painter, widget)


class ClearCheckDelegate(QStyledItemDelegate):
    """An item delegate whose check boxes have a clear frame (see :func:`check_window`)
    in any style: for a view that paints often, one call per cell instead of one per
    primitive drawn (a Python proxy style)."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex,  # noqa: N802
                        ) -> None:
        super().initStyleOption(option, index)
        if option.features & QStyleOptionViewItem.ViewItemFeature.HasCheckIndicator:
            pal = option.palette
            pal.setColor(QPalette.ColorRole.Window, check_window(pal))
            option.palette = pal


_PLAIN = "rustconfig-plain-style"


def plain_style() -> QStyle:
    """A style like the application's without :class:`ClearCheckBoxes` around it (no
    Python call per primitive drawn), one per application, which owns it."""
    app = QApplication.instance()
    assert app is not None
    current = QApplication.style()
    base = current.baseStyle() if isinstance(current, QProxyStyle) else current
    made = app.findChild(QStyle, _PLAIN)
    if made is None or made.name() != base.name():
        made = QStyleFactory.create(base.name()) or QStyleFactory.create("Fusion")
        made.setObjectName(_PLAIN)
        made.setParent(app)
    return made


def readable_links(palette: QPalette) -> QPalette | None:
    """``palette`` with its link colours made readable on its base colour (a dark
    palette that keeps Qt's default dark blue links), or None when they are."""
    base = palette.color(QPalette.ColorRole.Base)
    changed = QPalette(palette)
    fixed = False
    for role, fallback in ((QPalette.ColorRole.Link, "info"), (QPalette.ColorRole.LinkVisited, "rust")):
        c = palette.color(role)
        if contrast(c, base) < MIN_CONTRAST:
            better = readable(c, [base])
            if contrast(better, base) < MIN_CONTRAST:
                better = Style.of(palette).color(fallback)
            changed.setColor(role, better)
            fixed = True
    return changed if fixed else None


class _LinkKeeper(QObject):
    """Keeps the application's link colours readable after every palette change."""

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self.app = app
        self.check()
        app.installEventFilter(self)

    def check(self) -> None:
        better = readable_links(self.app.palette())
        if better is not None:
            self.app.setPalette(better)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if obj is self.app and event.type() == QEvent.Type.ApplicationPaletteChange:
            QTimer.singleShot(0, self.check)
        return False


def install(app: QApplication) -> None:
    """Clear check boxes everywhere in ``app`` (around the style it has), and links
    readable in any palette."""
    if not isinstance(app.style(), ClearCheckBoxes):
        app.setStyle(ClearCheckBoxes(app.style().name()))
    if app.findChild(_LinkKeeper) is None:
        _LinkKeeper(app)


def blank_icon(size: int = 16) -> QIcon:
    """A transparent icon: keeps the text of rows without an icon in line with those that have one."""
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(0, 0, 0, 0))
    return QIcon(pixmap)
