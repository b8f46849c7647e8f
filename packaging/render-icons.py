"""Render the app icon into the hicolor layout that desktops, Flatpak and distributions install.

    python packaging/render-icons.py [--check]

The SVG in resources/icons/ is the single source: it is copied to
``icons/hicolor/scalable/apps/APP_ID.svg`` and rendered to PNG at each size
with Qt's SVG renderer.  ``--check`` only reports what is missing or stale
(exit status 1), without writing.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

APP_ID = "io.github.rustconfig_gui.RustconfigGui"
SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
HERE = Path(__file__).resolve().parent
SOURCE = HERE.parent / "resources" / "icons" / "rustconfig-gui.svg"
HICOLOR = HERE / "icons" / "hicolor"


def svg_target() -> Path:
    return HICOLOR / "scalable" / "apps" / f"{APP_ID}.svg"


def png_target(size: int) -> Path:
    return HICOLOR / f"{size}x{size}" / "apps" / f"{APP_ID}.png"


def render(size: int):
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(SOURCE))
    if not renderer.isValid():
        raise SystemExit(f"{SOURCE} is not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return image


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="report missing or stale icons, write nothing")
    args = ap.parse_args(argv)
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 (QImage/QPainter need it)
    problems = []
    svg = svg_target()
    if not svg.is_file() or svg.read_bytes() != SOURCE.read_bytes():
        problems.append(f"{svg} differs from {SOURCE}")
        if not args.check:
            svg.parent.mkdir(parents=True, exist_ok=True)
            svg.write_bytes(SOURCE.read_bytes())
    for size in SIZES:
        out = png_target(size)
        if args.check:
            from PySide6.QtGui import QImage

            img = QImage(str(out))
            if img.isNull() or (img.width(), img.height()) != (size, size):
                problems.append(f"{out} is missing or not {size}x{size}")
            continue
        out.parent.mkdir(parents=True, exist_ok=True)
        if not render(size).save(str(out), "PNG"):
            raise SystemExit(f"cannot write {out}")
    if args.check:
        for p in problems:
            print(p, file=sys.stderr)
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
