"""``rustconfig-gui``: the desktop window."""

from __future__ import annotations

import argparse
import configparser
import os
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rustconfig_gui import __version__

if TYPE_CHECKING:
    from rustconfig_gui.kconfig.tree import KernelTree
    from rustconfig_gui.workspace.opening import EarlyLoad


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


def caches_setting() -> bool | None:
    """The window's "Reuse unchanged probe results and parses" (``load/use_caches``),
    read without Qt from the file QSettings keeps it in on Linux, so that the first
    load can start before Qt is imported.  None when the file cannot be read for sure
    (the first load then starts with the window, as any later one)."""
    base = os.environ.get("XDG_CONFIG_HOME", "")
    folder = Path(base) if os.path.isabs(base) else Path.home() / ".config"
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    try:
        if not parser.read(folder / "rustconfig-gui" / "rustconfig-gui.conf", encoding="utf-8"):
            return True  # no settings yet: the default
        value = parser.get("load", "use_caches", fallback="true")
    except (configparser.Error, OSError, UnicodeError):
        return None
    return {"true": True, "false": False}.get(value.strip().lower())


HANDLED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class _EarlySignals:
    """SIGINT, SIGTERM and SIGHUP before the window takes them over: the early load's
    probes are killed at once and the signal is kept; ``main`` ends at its next step
    (raising from the handler could land inside Qt building the window)."""

    def __init__(self) -> None:
        self.received: int | None = None
        self.early: EarlyLoad | None = None
        self.previous: dict[int, Any] = {}
        if threading.current_thread() is threading.main_thread():
            self.previous = {s: signal.signal(s, self._note) for s in HANDLED}

    def _note(self, signum: int, _frame: object) -> None:
        from rustconfig_gui.host import process

        if self.received is None:
            self.received = signum
        process.stop_all()  # every child group: the early load's make and probes
        if self.early is not None:
            self.early.cancel()

    def handed_over(self) -> dict[int, Any] | None:
        """The handlers to put back when the window's own are uninstalled; ours are no longer needed."""
        previous, self.previous = self.previous, {}
        return previous or None

    def restore(self) -> None:
        for s, handler in self.previous.items():
            signal.signal(s, handler)
        self.previous = {}


def start_early(args: argparse.Namespace) -> tuple[KernelTree | None, EarlyLoad | None]:
    """The tree to open, and its load started now, on a thread, before Qt is imported:
    the probes (children, on the other cores) and the parse run while the window is
    built.  (None, None) when the window should start the load itself."""
    use_caches = caches_setting()
    if use_caches is None:
        return None, None
    from rustconfig_gui.kconfig.tree import KernelTree
    from rustconfig_gui.workspace.opening import EarlyLoad, LoadRequest

    try:
        if args.tree is not None:
            tree = KernelTree(args.tree, build=args.build, arch=args.arch, llvm=args.llvm,
                              cross_compile=args.cross_compile, make_vars=tuple(args.make_vars))
            prefer_defconfig = False
        else:
            from rustconfig_gui.assets import demo_tree
            from rustconfig_gui.workspace.datadir import demo_build_dir

            tree, prefer_defconfig = KernelTree(demo_tree(), build=demo_build_dir()), True
    except Exception:  # the window says what is wrong with it, as before
        return None, None
    if use_caches and stored_load(tree):
        # shown from the stored parse at once: nothing runs beside it, and reading it only
        # competes with building the window for the interpreter (measured: no gain)
        return tree, None
    request = LoadRequest(tree, config=args.config, prefer_defconfig=prefer_defconfig, use_caches=use_caches)
    return tree, EarlyLoad(request)


def stored_load(tree: KernelTree) -> bool:
    """The window will show ``tree`` from a stored parse first (a record of its last load exists)."""
    from rustconfig_gui.kconfig.lastload import read_last_load
    from rustconfig_gui.kconfig.parsecache import ParseCache

    return read_last_load(tree, ParseCache()) is not None


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    early: EarlyLoad | None = None
    pending = _EarlySignals()  # until the window takes them over
    try:
        tree, early = start_early(args)
        pending.early = early
        if pending.received is None:
            window, app = _window()
        if pending.received is not None:
            return 128 + pending.received
        from rustconfig_gui.gui import signals
        from rustconfig_gui.kconfig.tree import KernelTree

        # Ctrl+C asks to save as menuconfig does; SIGTERM keeps the edits and leaves no child running
        signals.install(window, restore=pending.handed_over())
        if pending.received is not None:  # came just before the window's handlers took over
            return 128 + pending.received
        if tree is None:
            tree = (KernelTree(args.tree, build=args.build, arch=args.arch, llvm=args.llvm,
                               cross_compile=args.cross_compile, make_vars=tuple(args.make_vars))
                    if args.tree is not None else window.demo_tree_spec())
        window.open_tree(tree, config=args.config, prefer_defconfig=args.tree is None, early=early)
    finally:
        if early is not None and not early.adopted:
            early.cancel()
            early.join()
        pending.restore()
    return int(app.exec())


def _window():
    """The application and its main window, shown."""
    from PySide6.QtWidgets import QApplication

    from rustconfig_gui.gui.mainwindow import MainWindow

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
    return window, app


if __name__ == "__main__":
    sys.exit(main())
