"""Screenshots of the real window and its dialogs, light and dark, for people to look at.

Used by ``scripts/screenshots.py`` (docs/screenshots) and by the tests (a
temporary folder).  The scale is the process's: run with ``QT_SCALE_FACTOR=2``
for HiDPI shots (Qt reads it when the application starts).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory, QWidget

from rustconfig_gui.kconfig.tree import KernelTree

# window sizes in device-independent pixels: a 1280x800 laptop, and a 4K
# screen at 200 % (1920x1080 of them)
SIZES = {"1280x800": (1280, 800), "1920x1080": (1920, 1080)}


def light_palette() -> QPalette:
    return QStyleFactory.create("Fusion").standardPalette()


def dark_palette() -> QPalette:
    """A dark Fusion palette as desktop themes and users set it up."""
    p = QPalette()
    r = QPalette.ColorRole
    for role, value in ((r.Window, "#353535"), (r.WindowText, "#ffffff"), (r.Base, "#2a2a2a"),
                        (r.AlternateBase, "#323232"), (r.ToolTipBase, "#2a2a2a"), (r.ToolTipText, "#ffffff"),
                        (r.Text, "#ffffff"), (r.Button, "#353535"), (r.ButtonText, "#ffffff"),
                        (r.BrightText, "#ff5252"), (r.Link, "#64b5f6"), (r.LinkVisited, "#ba68c8"),
                        (r.Highlight, "#2a82da"), (r.HighlightedText, "#ffffff"), (r.PlaceholderText, "#9e9e9e"),
                        (r.Light, "#505050"), (r.Midlight, "#424242"), (r.Mid, "#2f2f2f"), (r.Dark, "#232323"),
                        (r.Shadow, "#141414")):
        p.setColor(role, QColor(value))
    for role in (r.Text, r.WindowText, r.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#7a7a7a"))
    return p


PALETTES: dict[str, Callable[[], QPalette]] = {"light": light_palette, "dark": dark_palette}


def settle(ms: int, until: Callable[[], bool] = lambda: False) -> None:
    """Run the event loop for ``ms`` or until ``until()`` holds."""
    loop = QEventLoop()
    poll = QTimer()
    def check() -> None:
        if until():
            loop.quit()

    poll.timeout.connect(check)
    poll.start(20)
    QTimer.singleShot(ms, loop.quit)
    loop.exec()
    poll.stop()


def wait_loaded(w, tree: KernelTree, **kw) -> bool:  # noqa: ANN001 - a MainWindow
    loop = QEventLoop()
    ok: list[bool] = []
    def loaded() -> None:
        ok.append(True)
        loop.quit()

    def failed(msg: str) -> None:
        print(msg, file=sys.stderr)
        loop.quit()

    w.treeLoaded.connect(loaded)
    w.loader.failed.connect(failed)
    if not w.open_tree(tree, **kw):
        return False
    QTimer.singleShot(300_000, loop.quit)
    loop.exec()
    return bool(ok)


def save(widget: QWidget, path: Path) -> Path:
    settle(300)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not widget.grab().save(str(path)):
        raise OSError(f"could not write {path}")
    return path


def render(out: Path, source: Path, *, size: str = "1280x800", palettes: tuple[str, ...] = ("light", "dark"),
           tag: str = "", log: Callable[[str], None] = print, settings_dir: Path | None = None) -> list[Path]:
    """Main window (with search results), Toolchain panel, fix dialog and presets
    dialog on the kernel tree ``source``, in each palette; returns the PNGs."""
    from PySide6.QtCore import QSettings

    from rustconfig_gui.gui.mainwindow import MainWindow

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    from rustconfig_gui.gui.style import install

    install(app)  # as the application does
    old_palette = app.palette()
    own_folder = settings_dir is None
    folder = Path(settings_dir or tempfile.mkdtemp(prefix="rustconfig-shots-"))
    w = MainWindow(QSettings(str(folder / "shots.ini"), QSettings.Format.IniFormat))
    w.resize(*SIZES[size])
    w.show()
    written: list[Path] = []
    suffix = f"-{tag}" if tag else ""
    try:
        with tempfile.TemporaryDirectory() as build:
            if not wait_loaded(w, KernelTree(source, build=Path(build), arch="x86_64"), prefer_defconfig=True):
                raise RuntimeError(f"{source} did not load")
            for name in palettes:
                app.setPalette(PALETTES[name]())
                settle(100)
                w.toolchain_dock.hide()
                w.select_symbol("RUST")
                written.append(save(w, out / f"main-{name}{suffix}.png"))
                w.focus_search()
                w.search.setText("rust")
                settle(5000, until=lambda: w.results.count() > 0 and not w.searcher.busy)
                written.append(save(w, out / f"search-{name}{suffix}.png"))
                w.search.clear()
                settle(300)
                w.show_toolchain(run=w.toolchain.result is None)
                settle(60_000, until=lambda: not w.toolchain.runner.busy)
                written.append(save(w, out / f"toolchain-{name}{suffix}.png"))
                w.toolchain_dock.hide()
                dlg = w.fix_ui.open_for_rust()
                if dlg is not None:
                    runner = getattr(dlg, "runner", None)
                    settle(30_000, until=lambda r=runner: not getattr(r, "busy", False))  # type: ignore[misc]
                    written.append(save(dlg, out / f"fix-{name}{suffix}.png"))
                    dlg.close()
                pd = w.presets_ui.presets_dialog()
                pd.show()
                written.append(save(pd, out / f"presets-{name}{suffix}.png"))
                pd.close()
                pd.deleteLater()
            for p in written:
                log(str(p))
    finally:
        app.setPalette(old_palette)
        w.modified = False
        w.close()
        w.deleteLater()
        if own_folder:
            shutil.rmtree(folder, ignore_errors=True)
        settle(50)
    return written
