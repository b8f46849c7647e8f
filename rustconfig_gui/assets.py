"""Files shipped under ``resources/`` (demo tree, presets, icons).

Installed, they are the package ``rustconfig_gui.resources``; in a source
checkout the top-level ``resources/`` folder is used directly.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parent.parent / "resources"


def resources_root() -> Path:
    try:
        root = importlib.resources.files("rustconfig_gui.resources")
    except ModuleNotFoundError:
        return _CHECKOUT
    path = Path(str(root))
    return path if path.is_dir() else _CHECKOUT


def demo_tree() -> Path:
    """The bundled kernel-like demo tree."""
    return resources_root() / "demo-tree"
