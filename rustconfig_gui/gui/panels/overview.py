"""The Rust overview strip at the top of the window."""

from __future__ import annotations

import html

from kconfiglib import Symbol
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel

from rustconfig_gui.explain.overview import RustOverviewData, rust_overview
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

    def update_from(self, lt: LoadedTree, rust_syms: frozenset[Symbol], blockers: list[str] | None = None) -> None:
        self.show_data(rust_overview(lt, rust_syms, blockers))

    def show_data(self, d: RustOverviewData) -> None:
        self.last = d
        parts = []
        if not d.has_rust_symbol:
            parts.append("<b>Rust support:</b> this tree has no <code>RUST</code> option.")
        else:
            if d.rust_visible:
                state = "<span style='color:#2e7d32'>enabled</span>" if d.rust_value == "y" else "available, off"
                parts.append(f"<b><a href='sym:RUST'>Rust support</a>:</b> {state}")
            else:
                why = "; ".join(html.escape(b) for b in d.blockers) or "hidden"
                parts.append(f"<b><a href='sym:RUST'>Rust support</a>:</b> "
                             f"<span style='color:#c62828'>hidden</span> — {why}")
        if d.probe_result is not None:
            ok = d.probe_result == "y"
            tool = "<span style='color:#2e7d32'>passes</span>" if ok else \
                "<span style='color:#c62828'>fails</span>"
            parts.append(f"<b>Toolchain:</b> <a href='sym:RUST_IS_AVAILABLE'>rust_is_available.sh</a> {tool}"
                         + (f" (rustc {d.rustc_version})" if d.rustc_version else "")
                         + " — <a href='probe:'>check the toolchain</a>")
        parts.append(f"<b>Rust options on:</b> {d.options_on} of {d.options_total}")
        self.label.setText(" &nbsp;•&nbsp; ".join(parts))
