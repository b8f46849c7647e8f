"""Test set-up: offscreen Qt, private settings, real kernel trees from the cache."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

# Before any Qt import: no display needed, and never the user's real settings.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_SETTINGS_HOME = tempfile.mkdtemp(prefix="rustconfig-test-home-")
atexit.register(shutil.rmtree, _SETTINGS_HOME, ignore_errors=True)
os.environ["XDG_CONFIG_HOME"] = os.path.join(_SETTINGS_HOME, "config")
os.environ["XDG_DATA_HOME"] = os.path.join(_SETTINGS_HOME, "data")
os.environ["XDG_CACHE_HOME"] = os.path.join(_SETTINGS_HOME, "cache")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from devtools.cref import clean_env  # noqa: E402
from devtools.trees import ensure_tree  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def tree_61() -> Path:
    return ensure_tree("6.1")


@pytest.fixture(scope="session")
def tree_612() -> Path:
    return ensure_tree("6.12")


@pytest.fixture(scope="session")
def tree_72() -> Path:
    return ensure_tree("7.2")


@pytest.fixture(scope="session")
def make_env() -> dict[str, str]:
    """The environment both our loader and the C reference start make from."""
    return clean_env()


@pytest.fixture()
def window(qtbot, tmp_path: Path):
    """The real main window with its own settings file, shown offscreen."""
    from PySide6.QtCore import QSettings

    from rustconfig_gui.gui.mainwindow import MainWindow

    w = MainWindow(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    # closed here, not by qtbot: an unsaved-changes question would block a headless run
    w.show()
    yield w
    w.modified = False
    w.close()
    assert not w.loader.busy and not w.toolchain.runner.busy
    # loads exempt what is alive from the cyclic collector (kconfig/memory.py); give it back
    import gc

    gc.unfreeze()
