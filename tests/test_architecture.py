"""The core never imports Qt (the same rule lint-imports enforces in CI)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import rustconfig_gui

PACKAGE = Path(rustconfig_gui.__file__).parent
QT_FREE = ["host", "kconfig", "toolchain", "explain", "workspace", "cli.py", "assets.py", "errors.py"]
FORBIDDEN = ("PySide6", "shiboken6", "rustconfig_gui.gui")


def _imports(path: Path) -> set[str]:
    """Absolute names of every module ``path`` imports (relative ones resolved)."""
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    package = list(rel.parts[:-1]) if rel.name != "__init__" else list(rel.parts[:-1])
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
                names.add(mod)
                names.update(f"{mod}.{a.name}" for a in node.names)
            else:
                names.add(node.module or "")
    return names


def test_no_qt_imports_in_the_core():
    files = []
    for part in QT_FREE:
        p = PACKAGE / part
        files += sorted(p.rglob("*.py")) if p.is_dir() else [p]
    assert len(files) > 5
    for f in files:
        bad = [n for n in _imports(f) if n.startswith(FORBIDDEN)]
        assert not bad, f"{f.relative_to(PACKAGE)} imports {bad}"


def test_core_imports_without_qt_loaded():
    code = ("import sys, rustconfig_gui.kconfig.loader, rustconfig_gui.workspace.presets,"
            " rustconfig_gui.workspace.session, rustconfig_gui.cli, devtools.parity;"
            "bad=[m for m in sys.modules if m.startswith(('PySide6','shiboken6'))];"
            "print(bad); sys.exit(1 if bad else 0)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PACKAGE.parent)
    assert r.returncode == 0, r.stdout + r.stderr
