"""The window opens (offscreen) and the command answers --version."""

from __future__ import annotations

import subprocess
import sys

from rustconfig_gui.gui.app import MainWindow


def test_main_window_opens(qtbot):
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    assert w.windowTitle().startswith("rustconfig-gui")


def test_gui_version():
    r = subprocess.run([sys.executable, "-m", "rustconfig_gui.gui.app", "--version"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("rustconfig-gui ")
