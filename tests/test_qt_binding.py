"""The Qt binding the app runs on keeps Python's reference counts straight.

PySide6 6.12.0 drops a reference to None each time a Python ``data()``
returns None through C++; after some thousand rows the interpreter aborts.
pyproject.toml excludes that release; this test catches any other.
"""

from __future__ import annotations

import subprocess
import sys

CODE = r"""
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtCore import QAbstractListModel, QModelIndex, Qt
from PySide6.QtWidgets import QApplication
app = QApplication([])
class M(QAbstractListModel):
    def rowCount(self, parent=QModelIndex()):
        return 3
    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        return None
m = M()
idx = m.index(0, 0)
before = sys.getrefcount(None)
for _ in range(1000):
    idx.data(Qt.ItemDataRole.WhatsThisRole)
print(sys.getrefcount(None) - before)
"""


def test_data_returning_none_keeps_refcounts():
    r = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert abs(int(r.stdout.strip().splitlines()[-1])) < 50
