"""The command answers --version/--help without opening a window."""

from __future__ import annotations

import subprocess
import sys


def test_gui_version_and_help():
    r = subprocess.run([sys.executable, "-m", "rustconfig_gui.gui.app", "--version"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("rustconfig-gui ")
    r = subprocess.run([sys.executable, "-m", "rustconfig_gui.gui.app", "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "--llvm" in r.stdout and "demo tree" in r.stdout
