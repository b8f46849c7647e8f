"""``rustconfig-gui``: the desktop window."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rustconfig_gui import __version__


def _make_var(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name or not name.replace("_", "").isalnum() or name[0].isdigit():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got '{text}'")
    return name, value


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="rustconfig-gui",
        description="Browse, edit and save a Linux kernel configuration, with every Rust option highlighted. "
                    "Without TREE the bundled demo tree opens.")
    p.add_argument("tree", nargs="?", type=Path, help="kernel source folder")
    p.add_argument("--arch", help="ARCH as given to make (default: the host's)")
    p.add_argument("--llvm", action="store_true", help="load as with LLVM=1")
    p.add_argument("-O", "--build", type=Path, help="build folder (make O=), holds .config")
    p.add_argument("--cross-compile", help="CROSS_COMPILE prefix, e.g. aarch64-linux-gnu-")
    p.add_argument("--make-var", dest="make_vars", action="append", type=_make_var, default=[],
                   metavar="NAME=VALUE", help="make variable for the tree, e.g. RUSTC=/path/rustc or "
                                             "LIBCLANG_PATH=/usr/lib/llvm-18/lib (repeatable)")
    p.add_argument("--config", type=Path, help="configuration file to load instead of BUILD/.config")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    # Qt is imported only when a window is wanted (--help/--version stay instant)
    from PySide6.QtWidgets import QApplication

    from rustconfig_gui.gui import signals
    from rustconfig_gui.gui.mainwindow import MainWindow
    from rustconfig_gui.kconfig.tree import KernelTree

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("rustconfig-gui")
    app.setOrganizationName("rustconfig-gui")
    app.setApplicationVersion(__version__)
    QApplication.setDesktopFileName("io.github.rustconfig_gui.RustconfigGui")
    from rustconfig_gui.gui.style import install as install_style

    assert isinstance(app, QApplication)
    install_style(app)
    window = MainWindow()
    window.show()
    sys.excepthook = window.on_unhandled_exception
    # Ctrl+C asks to save as menuconfig does; SIGTERM keeps the edits and leaves no child running
    signals.install(window)
    if args.tree is not None:
        window.open_tree(KernelTree(args.tree, build=args.build, arch=args.arch, llvm=args.llvm,
                                    cross_compile=args.cross_compile, make_vars=tuple(args.make_vars)),
                         config=args.config)
    else:
        window.open_tree(window.demo_tree_spec(), config=args.config, prefer_defconfig=True)
    return int(app.exec())


if __name__ == "__main__":
    sys.exit(main())
