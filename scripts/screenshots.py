"""Render the real window offscreen at 1280x800 and save PNGs for the README.

    python scripts/screenshots.py [--tree 6.12] [--out docs/screenshots] [--scale 2] [--size 1920x1080]

Uses the bundled demo tree and a real Debian kernel tree (fetched into the
cache like the tests do).  The settings used are temporary, never the user's.
Besides the README's shots it writes the main window, search results, the
Toolchain panel, the fix dialog and the presets dialog in a light and a dark
palette (``main-light.png`` …; ``--scale 2`` adds ``-2x`` to the names).
"""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_home = tempfile.mkdtemp(prefix="rustconfig-shots-")
atexit.register(shutil.rmtree, _home, ignore_errors=True)
os.environ["XDG_CONFIG_HOME"] = os.path.join(_home, "config")
os.environ["XDG_DATA_HOME"] = os.path.join(_home, "data")

from PySide6.QtCore import QEventLoop, QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from rustconfig_gui.gui.mainwindow import MainWindow  # noqa: E402
from rustconfig_gui.kconfig.tree import KernelTree  # noqa: E402


def wait_loaded(app: QApplication, w: MainWindow, tree: KernelTree, **kw) -> None:
    loop = QEventLoop()
    w.treeLoaded.connect(loop.quit)
    w.loader.failed.connect(lambda msg: (print(msg, file=sys.stderr), loop.quit()))
    w.open_tree(tree, **kw)
    QTimer.singleShot(300_000, loop.quit)
    loop.exec()


def settle(ms: int, until=lambda: False) -> None:
    """Run the event loop for ``ms`` or until ``until()``: searches, row reasons
    and the like arrive a moment after the action that asked for them."""
    loop = QEventLoop()
    poll = QTimer()
    poll.timeout.connect(lambda: until() and loop.quit())
    poll.start(20)
    QTimer.singleShot(ms, loop.quit)
    loop.exec()
    poll.stop()


def shot(app: QApplication, w: MainWindow, path: Path) -> None:
    settle(400)
    path.parent.mkdir(parents=True, exist_ok=True)
    w.grab().save(str(path))
    print(path)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tree", default="6.12", help="Debian kernel series for the real-tree shot")
    ap.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    ap.add_argument("--scale", type=float, default=1.0, help="device pixel ratio (QT_SCALE_FACTOR)")
    ap.add_argument("--size", default="1280x800", help="window size in device-independent pixels: "
                    "1280x800 or 1920x1080")
    ap.add_argument("--only-palettes", action="store_true", help="only the light/dark set, not the README's")
    args = ap.parse_args()
    if args.scale != 1.0:
        os.environ["QT_SCALE_FACTOR"] = f"{args.scale:g}"
    app = QApplication(sys.argv[:1])
    from devtools.screens import render
    from devtools.trees import ensure_tree

    tag = "-".join(t for t in (args.size if args.size != "1280x800" else "",
                               f"{args.scale:g}x" if args.scale != 1.0 else "") if t)
    render(args.out, ensure_tree(args.tree), size=args.size, tag=tag, settings_dir=Path(_home))
    if args.only_palettes:
        return 0
    app.setApplicationName("rustconfig-gui")
    w = MainWindow(QSettings(os.path.join(_home, "s.ini"), QSettings.Format.IniFormat))
    w.resize(1280, 800)
    w.show()
    wait_loaded(app, w, w.demo_tree_spec(), prefer_defconfig=True)
    w.act_show_all.trigger()
    w.select_symbol("RUST")
    shot(app, w, args.out / "demo-rust-hidden.png")
    w.act_lens.trigger()
    w.select_symbol("SAMPLE_RUST_MINIMAL")
    shot(app, w, args.out / "demo-rust-lens.png")
    w.act_lens.trigger()

    src = ensure_tree(args.tree)
    with tempfile.TemporaryDirectory() as build:
        wait_loaded(app, w, KernelTree(src, build=Path(build), arch="x86_64"), prefer_defconfig=True)
        w.select_symbol("RUST")
        shot(app, w, args.out / f"linux-{args.tree}-rust.png")
        w.focus_search()
        w.search.setText("rust")
        settle(5000, until=lambda: w.results.count() > 0 and not w.searcher.busy)
        shot(app, w, args.out / f"linux-{args.tree}-search.png")
    w.modified = False
    w.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
