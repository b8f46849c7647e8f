"""``rustconfig-gui``: the desktop window."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

from .. import __version__


class MainWindow(QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("rustconfig-gui")
        label = QLabel("Open a kernel tree to begin.")
        label.setAccessibleName("Welcome")
        self.setCentralWidget(label)
        self.resize(1280, 800)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    if "--version" in argv[1:]:
        print(f"rustconfig-gui {__version__}")
        return 0
    app = QApplication.instance() or QApplication(argv)
    app.setApplicationName("rustconfig-gui")
    app.setOrganizationName("rustconfig-gui")
    window = MainWindow()
    window.show()
    return int(app.exec())


if __name__ == "__main__":
    sys.exit(main())
