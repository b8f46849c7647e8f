"""rustconfig asks the tree's make for its environment before it imports the parser
(kconfig/tree.py EnvironmentCapture): the load takes that capture over, and a capture
no load takes leaves no make running."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from fakes import wait_gone, write_script

from rustconfig_gui import cli
from rustconfig_gui.errors import LoadCancelled
from rustconfig_gui.kconfig import loader, tree
from rustconfig_gui.kconfig.parsecache import ParseCache
from rustconfig_gui.kconfig.tree import EnvironmentCapture, KernelTree


def _count_captures(monkeypatch: pytest.MonkeyPatch) -> list[KernelTree]:
    """Every capture of make's environment, whoever runs it (the real function is called)."""
    seen: list[KernelTree] = []
    real = tree.capture_environment

    def counted(t: KernelTree, *args, **kwargs):
        seen.append(t)
        return real(t, *args, **kwargs)

    monkeypatch.setattr(tree, "capture_environment", counted)
    monkeypatch.setattr(loader, "capture_environment", counted)
    return seen


@pytest.mark.parametrize("caches", [False, True])
def test_the_load_takes_over_the_capture_started_first(tree_61: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str], caches: bool):
    seen = _count_captures(monkeypatch)
    monkeypatch.setattr(cli, "EnvironmentCapture", _Recording)
    _Recording.made = []
    args = ["info", str(tree_61), "--arch", "x86_64", "-O", str(tmp_path / "b"), "--json"]
    runs = 2 if caches else 1  # with the caches, the second run reads the stored parse (load_ahead)
    for _ in range(runs):
        assert cli.main(args + ([] if caches else ["--no-cache"])) == 0
        info = json.loads(capsys.readouterr().out)
        assert info["version"].startswith("6.1")
        ParseCache().wait_for_writers()
    # one capture per run, and it is the one started before the command ran
    assert len(seen) == runs and len(_Recording.made) == runs
    assert all(c.taken for c in _Recording.made)
    assert info["parse_cached"] is caches


class _Recording(EnvironmentCapture):
    made: list[_Recording] = []

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.taken = False
        _Recording.made.append(self)

    def result(self):
        self.taken = True
        return super().result()


def _hanging_make(folder: Path) -> Path:
    """A ``make`` that records its pid and hangs (as a tool it runs might)."""
    folder.mkdir()
    write_script(folder / "make", f"#!/bin/sh\necho $$ > {folder / 'pid'}\nexec sleep 1000\n")
    return folder / "pid"


def _wait_for(path: Path) -> int:
    for _ in range(100):
        if path.is_file() and path.read_text().strip():
            return int(path.read_text())
        time.sleep(0.05)
    pytest.fail(f"{path} was not written")


def test_a_capture_cancelled_stops_make(tree_61: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    pid_file = _hanging_make(tmp_path / "bin")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:{os.environ['PATH']}")
    capture = EnvironmentCapture(KernelTree(tree_61, arch="x86_64"))
    pid = _wait_for(pid_file)
    capture.cancel()
    wait_gone(pid, "make")
    with pytest.raises(LoadCancelled):
        capture.result()


def test_a_command_that_stops_before_loading_leaves_no_make(tree_61: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]):
    pid_file = _hanging_make(tmp_path / "bin")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:{os.environ['PATH']}")
    started: list[EnvironmentCapture] = []

    class Waiting(EnvironmentCapture):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            started.append(self)
            _wait_for(pid_file)  # make is running when the command fails

    monkeypatch.setattr(cli, "EnvironmentCapture", Waiting)
    # diff reads its two files before loading --tree: a missing one ends the command
    code = cli.main(["diff", str(tmp_path / "missing-a"), str(tmp_path / "missing-b"), "--tree", str(tree_61),
                     "--arch", "x86_64"])
    assert code == 1
    assert "cannot be read" in capsys.readouterr().err
    assert len(started) == 1
    wait_gone(int(pid_file.read_text()), "make")
