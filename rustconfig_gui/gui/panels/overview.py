"""The Rust overview strip at the top of the window."""

from __future__ import annotations

import html

from kconfiglib import Symbol
from PySide6.QtGui import QTextDocumentFragment
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel

from rustconfig_gui.explain.overview import RustOverviewData, rust_overview
from rustconfig_gui.gui.style import on_palette_change, style_for
from rustconfig_gui.kconfig.loader import LoadedTree


class RustOverview(QFrame):
    """Toolchain state, whether "Rust support" is visible/enabled, Rust options on."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("RustOverview")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName("Rust overview")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(8, 4, 8, 4)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextFormat(self.label.textFormat().RichText)
        self.label.setAccessibleName("Rust status")
        lay.addWidget(self.label, 1)
        self.linkActivated = self.label.linkActivated
        self.last: RustOverviewData | None = None
        on_palette_change(self, self._render_again)

    def _render_again(self) -> None:
        if self.last is not None:
            self.show_data(self.last, again=True)

    # two lines of text whatever the state says: the tree below never jumps
    LINES = 2

    def stable_height(self) -> int:
        lay = self.layout()
        assert lay is not None
        m = lay.contentsMargins()
        items = [item for i in range(lay.count()) if (item := lay.itemAt(i)) is not None]
        others = [item.sizeHint().height() for item in items if item.widget() is not self.label]
        text = self.LINES * self.label.fontMetrics().lineSpacing()
        return max([text, *others]) + m.top() + m.bottom() + 2 * self.frameWidth()

    def _fix_height(self) -> None:
        self.setFixedHeight(self.stable_height())

    def showEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt API
        self._fix_height()
        super().showEvent(event)

    def changeEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt API
        if event.type() in (event.Type.FontChange, event.Type.StyleChange):
            self._fix_height()
        super().changeEvent(event)

    def update_from(self, lt: LoadedTree, rust_syms: frozenset[Symbol], blockers: list[str] | None = None) -> None:
        self.show_data(rust_overview(lt, rust_syms, blockers))

    def show_data(self, d: RustOverviewData, again: bool = False) -> None:
        """``again``: render even if ``d`` is what is shown (the palette changed)."""
        if d == self.last and not again:
            return  # an edit that changed nothing here: no relayout of the label
        self.last = d
        st = style_for(self)
        parts = []
        if d.predates:
            # a tree before Rust: the one sentence, nothing about options or a toolchain
            self.label.setText(f"<b>{html.escape(d.predates)}</b>")
            self.label.setToolTip(d.predates)
            self._fix_height()
            return
        if not d.has_rust_symbol:
            parts.append("<b>Rust support:</b> this tree has no <code>RUST</code> option.")
        else:
            if d.rust_visible:
                state = st.span("ok", "enabled") if d.rust_value == "y" else "available, off"
                parts.append(f"<b><a href='sym:RUST'>Rust support</a>:</b> {state}")
            else:
                why = "; ".join(html.escape(b) for b in d.blockers) or "hidden"
                parts.append(f"<b><a href='sym:RUST'>Rust support</a>:</b> "
                             f"{st.span('bad', 'hidden')} — {why}")
        if d.probe_result is not None:
            ok = d.probe_result == "y"
            tool = st.span("ok", "passes") if ok else st.span("bad", "fails")
            parts.append(f"<b>Toolchain:</b> <a href='sym:RUST_IS_AVAILABLE'>rust_is_available.sh</a> {tool}"
                         + (f" (rustc {d.rustc_version})" if d.rustc_version else "")
                         + " — <a href='probe:'>check the toolchain</a>")
        parts.append(f"<b>Rust options on:</b> {d.options_on} of {d.options_total}")
        self.label.setText(" &nbsp;•&nbsp; ".join(parts))
        # more than fits on two lines stays readable in the tooltip
        self.label.setToolTip(QTextDocumentFragment.fromHtml(" • ".join(parts)).toPlainText())
        self._fix_height()
