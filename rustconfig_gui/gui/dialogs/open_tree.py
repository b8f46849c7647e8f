"""The Open dialog: a kernel folder and the build settings it is configured with, and how
those settings are remembered with each recent tree (so a restart keeps them)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from rustconfig_gui.gui.recent_trees import (
    RECENT_KEYS,
    TOOL_VARIABLES,
    make_vars_text,
    parse_make_vars,
    path_setting,
    recent_label,
    setting_path,
    tree_from_dict,
    tree_to_dict,
)
from rustconfig_gui.kconfig.tree import KernelTree


class OpenTreeDialog(QDialog):
    """Folder chooser plus the make settings a tree is loaded (and built) with."""

    def __init__(self, parent: QWidget | None = None, tree: KernelTree | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Open kernel tree")
        form = QFormLayout(self)
        self.source = QLineEdit(str(tree.source) if tree else "")
        self.source.setAccessibleName("Kernel source folder")
        browse = QPushButton("Browse…")
        browse.clicked.connect(lambda: self._pick(self.source))
        row = QHBoxLayout()
        row.addWidget(self.source)
        row.addWidget(browse)
        label = QLabel("&Source folder:")
        label.setBuddy(self.source)
        form.addRow(label, row)
        self.build = QLineEdit(str(tree.build) if tree and tree.build else "")
        self.build.setPlaceholderText("same as source (in-tree build)")
        self.build.setAccessibleName("Build folder (O=)")
        browse_b = QPushButton("Browse…")
        browse_b.clicked.connect(lambda: self._pick(self.build))
        row_b = QHBoxLayout()
        row_b.addWidget(self.build)
        row_b.addWidget(browse_b)
        label_b = QLabel("&Build folder (O=):")
        label_b.setBuddy(self.build)
        form.addRow(label_b, row_b)
        self.arch = QComboBox()
        self.arch.setEditable(True)
        self.arch.setAccessibleName("ARCH")
        self.arch.addItem("")
        arch_edit = self.arch.lineEdit()
        if arch_edit is not None:
            arch_edit.setPlaceholderText("host default")
        if tree and tree.arch:
            self.arch.setCurrentText(tree.arch)
        self.source.textChanged.connect(self._fill_arches)
        self._fill_arches(self.source.text())
        form.addRow("&ARCH:", self.arch)
        self.llvm = QCheckBox("LLVM=1 (build with clang and LLVM tools)")
        self.llvm.setChecked(bool(tree and tree.llvm))
        form.addRow("", self.llvm)
        self.cross_compile = QLineEdit(tree.cross_compile or "" if tree else "")
        self.cross_compile.setPlaceholderText("e.g. aarch64-linux-gnu- (none: the host's tools)")
        self.cross_compile.setAccessibleName("CROSS_COMPILE")
        form.addRow("&CROSS_COMPILE:", self.cross_compile)
        given = dict(tree.make_vars) if tree else {}
        hints = {"RUSTC": "rustc from PATH", "BINDGEN": "bindgen from PATH",
                 "LIBCLANG_PATH": "where bindgen finds libclang (folder)",
                 "RUST_LIB_SRC": "Rust library source (default: rustc's sysroot)"}
        self.tools: dict[str, QLineEdit] = {}
        for name in TOOL_VARIABLES:
            edit = QLineEdit(given.get(name, ""))
            edit.setPlaceholderText(hints[name])
            edit.setAccessibleName(name)
            self.tools[name] = edit
            form.addRow({"RUSTC": "&RUSTC:", "BINDGEN": "BI&NDGEN:"}.get(name, f"{name}:"), edit)
        self.other = QLineEdit(make_vars_text([(k, v) for k, v in given.items() if k not in TOOL_VARIABLES]))
        self.other.setPlaceholderText("NAME=VALUE …, e.g. CC=clang-18 HOSTCC=gcc")
        self.other.setAccessibleName("Other make variables")
        form.addRow("&Other make variables:", self.other)
        note = QLabel("Given to the tree's make on its command line (<code>make RUSTC=…</code>) and remembered "
                      "with the tree.<br>A .config made with them needs them at build time too.")
        form.addRow(note)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setAccessibleName("Error")
        self.error.hide()
        form.addRow(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.resize(640, 0)

    def _pick(self, field: QLineEdit) -> None:
        d = QFileDialog.getExistingDirectory(self, "Choose a folder", field.text() or str(Path.home()))
        if d:
            field.setText(d)

    def _fill_arches(self, src: str) -> None:
        current = self.arch.currentText()
        self.arch.clear()
        self.arch.addItem("")
        arch_dir = Path(src) / "arch"
        if arch_dir.is_dir():
            names = sorted(p.name for p in arch_dir.iterdir() if (p / "Kconfig").is_file())
            self.arch.addItems(names + (["x86_64", "i386"] if "x86" in names else []))
        self.arch.setCurrentText(current)

    def make_vars(self) -> tuple[tuple[str, str], ...]:
        """The typed variables (ValueError: one sentence)."""
        pairs = [(name, e.text().strip()) for name, e in self.tools.items() if e.text().strip()]
        other = parse_make_vars(self.other.text())
        named = {k for k, _ in pairs}
        return tuple(pairs) + tuple((k, v) for k, v in other if k not in named)

    def accept(self) -> None:
        try:
            self.make_vars()
        except ValueError as e:
            # bad input: one sentence, nothing typed is lost
            self.error.setText(str(e))
            self.error.show()
            self.other.setFocus()
            return
        super().accept()

    def tree(self) -> KernelTree:
        return KernelTree(Path(self.source.text().strip()),
                          build=Path(self.build.text().strip()) if self.build.text().strip() else None,
                          arch=self.arch.currentText().strip() or None, llvm=self.llvm.isChecked(),
                          cross_compile=self.cross_compile.text().strip() or None, make_vars=self.make_vars())


__all__ = ["RECENT_KEYS", "TOOL_VARIABLES", "OpenTreeDialog", "make_vars_text", "parse_make_vars", "path_setting",
           "recent_label", "setting_path", "tree_from_dict", "tree_to_dict"]
