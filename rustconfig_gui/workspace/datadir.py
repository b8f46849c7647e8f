"""The per-user data folder: ``$XDG_DATA_HOME/rustconfig-gui`` (default ``~/.local/share``).

One plain folder for everything the app keeps per user (presets, recovery
copies, the demo tree's build folder); an XDG value that is not an absolute
path is ignored, as the XDG specification says.
"""

from __future__ import annotations

import os
from pathlib import Path

APP_DIR = "rustconfig-gui"


def data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME", "")
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".local" / "share"
    return root / APP_DIR


def demo_build_dir() -> Path:
    """The build folder (O=) of the bundled demo tree, whose source is read-only when installed."""
    return data_dir() / "demo-build"
