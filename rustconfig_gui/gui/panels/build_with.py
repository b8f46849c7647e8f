""""Build with: make -C … O=… LLVM=1 RUSTC=…": the make command a .config made with overrides needs.

A .config computed with ``RUSTC=``/``BINDGEN=``/``LLVM=1``/``CROSS_COMPILE`` … holds
what Kconfig saw with those tools; a plain ``make`` re-runs Kconfig with the
tools on PATH and silently drops what they do not allow (CONFIG_RUST first of
all).  The bar shows the command to build with, with Copy.  Whether a plain
``make`` would really drop CONFIG_RUST is measured: the tree's own ``make
rustavailable`` runs once without the settings (only ARCH kept), in a worker;
the bar and the save question say so when it fails.
"""

from __future__ import annotations

import html
import shlex
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton

from rustconfig_gui.gui.jobs import JobRunner
from rustconfig_gui.host.lazy import LazyModule
from rustconfig_gui.kconfig.tree import KernelTree

if TYPE_CHECKING:
    from rustconfig_gui.toolchain import rustavailable
    from rustconfig_gui.toolchain.rustavailable import ProbeResult
else:  # imported by the first check, not while the window starts
    rustavailable = LazyModule("rustconfig_gui.toolchain.rustavailable")


def plain_tree(tree: KernelTree) -> KernelTree:
    """What a plain ``make -C SRC O=BUILD ARCH=…`` uses: no LLVM=, CROSS_COMPILE or other variables."""
    return KernelTree(tree.source, build=tree.build, arch=tree.arch, make=tree.make)


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
        # None: not known (yet); True/False: make rustavailable without the settings passes/fails
        self.plain_available: bool | None = None
        self.checker = JobRunner(self)
        self.checker.finished.connect(self._on_plain)
        self.hide()
        window.treeLoaded.connect(self._on_loaded)
        window.model.valueEdited.connect(lambda _sym: self.update_bar())
        window.model.modelReset.connect(self.update_bar)

    def _on_loaded(self) -> None:
        lt = self.w.lt
        self.plain_available = None
        self.checker.cancel()
        if lt is not None and lt.tree.make_arguments() and lt.sym("RUST_IS_AVAILABLE") is not None \
                and lt.ev.str_value(lt.sym("RUST_IS_AVAILABLE")) == "y":
            request = rustavailable.ProbeRequest(plain_tree(lt.tree), timeout=60.0)
            self.checker.start(lambda _report, stopped: (lt.tree, rustavailable.run_probe(request, cancelled=stopped)))
        self.update_bar()

    def _on_plain(self, answer: tuple[KernelTree, ProbeResult]) -> None:
        tree, result = answer
        lt = self.w.lt
        if lt is not None and lt.tree == tree and not result.timed_out and not result.cancelled:
            self.plain_available = result.available
        self.update_bar()

    def rust_depends(self) -> bool:
        """CONFIG_RUST=y, and a plain make's own check of the toolchain fails."""
        lt = self.w.lt
        rust = lt.sym("RUST") if lt is not None else None
        return rust is not None and lt.ev.str_value(rust) == "y" and self.plain_available is False

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
        why = (f" — CONFIG_RUST=y holds only with {esc(given)}: without them make rustavailable fails, so a "
               "plain <code>make</code> would drop it" if self.rust_depends()
               else f" — this configuration was made with {esc(given)}")
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

    def shutdown(self) -> None:
        self.checker.shutdown()

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.command)
        self.w.statusBar().showMessage("Build command copied.", 4000)


def install_build_with(window: Any) -> BuildWithBar:
    bar = BuildWithBar(window)
    lay = window.overview.parentWidget().layout()
    lay.insertWidget(lay.indexOf(window.overview) + 1, bar)
    return bar
