"""A loaded tree is left out of later collections only in the rustconfig process itself,
never in a program that calls the command line's main() (its trees must be freed)."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

import pytest

from rustconfig_gui import cli

_AS_COMMAND = """
import gc, sys
from rustconfig_gui import cli
sys.argv = ["rustconfig", *sys.argv[1:]]
code = cli._main(None)
print("frozen", gc.get_freeze_count(), "code", code)
"""


def test_tree_is_exempt_only_in_the_command(tree_61: Path, capsys: pytest.CaptureFixture[str]):
    args = ["rust-status", str(tree_61), "--arch", "x86_64", "--no-cache"]
    frozen = gc.get_freeze_count()
    assert cli.main(args) == 0
    assert "Rust" in capsys.readouterr().out
    assert gc.get_freeze_count() == frozen
    out = subprocess.run([sys.executable, "-c", _AS_COMMAND, *args], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    words = out.stdout.split()
    assert words[-2:] == ["code", "0"]
    # the parsed tree: hundreds of thousands of objects
    assert int(words[words.index("frozen") + 1]) > 100_000
