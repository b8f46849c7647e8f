"""Screenshots of the main window, search, Toolchain panel, fix dialog and presets
dialog at 1280x800 and at 2x, light and dark, written by the real script (to a
temporary folder, or to $RUSTCONFIG_SCREENSHOTS to look at them)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from devtools.screens import dark_palette, light_palette
from rustconfig_gui.gui.style import luminance

REPO = Path(__file__).resolve().parent.parent
SHOTS = ("main", "search", "toolchain", "fix", "presets")


def mean_luminance(img: QImage) -> float:
    """Average over a grid of pixels (enough to tell a light window from a dark one)."""
    step = max(1, img.width() // 64)
    values = [luminance(img.pixelColor(x, y)) for x in range(0, img.width(), step)
              for y in range(0, img.height(), step)]
    return sum(values) / len(values)


@pytest.mark.slow
@pytest.mark.parametrize("scale", [1, 2])
def test_screenshots_light_and_dark(tmp_path: Path, scale: int):
    out = Path(os.environ.get("RUSTCONFIG_SCREENSHOTS", tmp_path))
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(REPO), TMPDIR=str(scratch))
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / "screenshots.py"), "--out", str(out),
                           "--only-palettes", "--scale", str(scale)],
                          capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert list(scratch.iterdir()) == []  # its settings and build folders are gone
    tag = "" if scale == 1 else "-2x"
    for name in SHOTS:
        light = QImage(str(out / f"{name}-light{tag}.png"))
        dark = QImage(str(out / f"{name}-dark{tag}.png"))
        assert not light.isNull() and not dark.isNull(), name
        if name != "fix" and name != "presets":
            # the window itself: 1280x800 device-independent pixels at the scale
            assert (light.width(), light.height()) == (1280 * scale, 800 * scale)
        # the palette reached what is drawn (a light window is light, a dark one dark)
        assert mean_luminance(light) > 0.5 > mean_luminance(dark) + 0.2, name
    # the reference palettes are what the shots use
    assert light_palette().base().color().lightnessF() > 0.9 > 0.3 > dark_palette().base().color().lightnessF()
