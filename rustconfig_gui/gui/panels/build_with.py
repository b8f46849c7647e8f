""""Build with: make -C … O=… LLVM=1 RUSTC=…": the make command a .config made with overrides needs.

A .config computed with ``RUSTC=``/``BINDGEN=``/``LLVM=1``/``CROSS_COMPILE`` … holds
what Kconfig saw with those tools; a plain ``make`` re-runs Kconfig with the
tools on PATH and silently drops what they do not allow (CONFIG_RUST first of
all).  The bar shows the command to build with, with Copy; the save question
repeats the warning.
"""

from __future__ import annotations

import html
import shlex
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton

from rustconfig_gui.kconfig.tree import KernelTree


def build_command(tree: KernelTree, goal: str = "") -> str:
    args = ["make", "-C", shlex.quote(str(tree.source))]
    if tree.build is not None:
        args.append(shlex.quote(f"O={tree.build}"))
    args += [shlex.quote(a) for a in tree.make_arguments()]
    if goal:
        args.append(goal)
    return " ".join(args)


class BuildWithBar(QFrame):
    """Shown while the tree has make settings of its own; says when CONFIG_RUST depends on them."""

    def __init__(self, window: Any) -> None:
        super().__init__()
        self.w = window
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName("Build with")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(6, 2, 6, 2)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.label, 1)
        self.copy_button = QPushButton("Copy")
        self.copy_button.setAccessibleName("Copy the build command")
        self.copy_button.clicked.connect(self.copy)
        lay.addWidget(self.copy_button)
        self.command = ""
        self.hide()
        window.treeLoaded.connect(self.update_bar)
        window.model.valueEdited.connect(lambda _sym: self.update_bar())
        window.model.modelReset.connect(self.update_bar)

    def rust_depends(self) -> bool:
        lt = self.w.lt
        rust = lt.sym("RUST") if lt is not None else None
        return rust is not None and lt.ev.str(rust) == "y"

    def update_bar(self) -> None:
        lt = self.w.lt
        tree = lt.tree if lt is not None else None
        if tree is None or not tree.make_arguments():
            self.command = ""
            self.hide()
            return
        self.command = build_command(tree)
        given = " ".join(tree.make_arguments())
        esc = html.escape
        why = (f" — CONFIG_RUST=y holds with {esc(given)}; a plain <code>make</code> would drop it"
               if self.rust_depends() else f" — this configuration was made with {esc(given)}")
        self.label.setText(f"<b>Build with:</b> <code>{esc(self.command)}</code>{why}")
        self.setToolTip("Kconfig runs again at build time with the tools make is given: build with the same "
                        "settings, or the saved .config changes under you.")
        self.show()

    def warning(self) -> str:
        """For the save question: empty unless the saved file depends on the tree's make settings."""
        if not self.command:
            return ""
        if self.rust_depends():
            return (f"CONFIG_RUST=y depends on the make settings this tree was loaded with: build with\n"
                    f"{self.command}\nA plain make would drop it.")
        return f"This configuration was made with the tree's make settings: build with\n{self.command}"

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.command)
        self.w.statusBar().showMessage("Build command copied.", 4000)


def install_build_with(window: Any) -> BuildWithBar:
    bar = BuildWithBar(window)
    lay = window.overview.parentWidget().layout()
    lay.insertWidget(lay.indexOf(window.overview) + 1, bar)
    return bar
