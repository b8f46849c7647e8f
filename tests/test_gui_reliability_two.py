"""Reliability, round two, in the real window: folder names that are not UTF-8,
saving a tree started from another file, damaged recovery and settings files,
recovery written right after an edit."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from rustconfig_gui.assets import demo_tree
from rustconfig_gui.kconfig.tree import KernelTree
from rustconfig_gui.workspace import recovery

LOAD = 120_000


def _open(qtbot, w, tree: KernelTree, **kw) -> None:
    with qtbot.waitSignal(w.treeLoaded, timeout=LOAD):
        assert w.open_tree(tree, **kw)


def _no_error_box(w) -> None:
    box = w.findChild(QMessageBox, "UnexpectedError")
    assert box is None or not box.isVisible(), box.text()


def test_a_tree_in_folders_whose_names_are_not_utf8(qtbot, window, tmp_path: Path):
    # legal on Linux, and the kernel's make takes it: 0xE9 alone is not UTF-8
    src = Path(os.fsdecode(os.fsencode(tmp_path) + b"/caf\xe9-src"))
    build = Path(os.fsdecode(os.fsencode(tmp_path) + b"/b\xe9uild"))
    shutil.copytree(demo_tree(), src)
    tree = KernelTree(src, build=build)
    _open(qtbot, window, tree, prefer_defconfig=True)
    _no_error_box(window)
    assert "\\xe9" in window.windowTitle()
    assert window.model.set_symbol_value(window.lt.sym("LOG_BUF_SHIFT"), "16")
    qtbot.waitUntil(lambda: recovery.recovery_path(tree).is_file(), timeout=10_000)
    assert "CONFIG_LOG_BUF_SHIFT=16" in recovery.read_recovery(tree).text
    assert window.save()
    _no_error_box(window)
    assert "CONFIG_LOG_BUF_SHIFT=16" in (build / ".config").read_text()
    assert os.path.exists(os.fsencode(build) + b"/.config")      # the real bytes, not U+FFFD
    shown = os.fsencode(build).decode("utf-8", "backslashreplace")
    assert window.statusBar().currentMessage() == f"Saved {shown}/.config."
    assert not recovery.recovery_path(tree).exists()


def test_started_from_another_file_saves_to_the_build_config_without_a_false_alarm(qtbot, window, tmp_path: Path):
    build = tmp_path / "b"
    build.mkdir()
    (build / ".config").write_text("# CONFIG_SYSVIPC is not set\n")
    start = tmp_path / "start.config"
    start.write_text("CONFIG_LOG_BUF_SHIFT=14\n")
    tree = KernelTree(demo_tree(), build=build)
    _open(qtbot, window, tree, config=start)
    assert window.model.set_symbol_value(window.lt.sym("LOG_BUF_SHIFT"), "15")
    assert window.save()
    assert window.findChild(QMessageBox, "ChangedOnDisk") is None
    assert "CONFIG_LOG_BUF_SHIFT=15" in (build / ".config").read_text()
    assert (build / ".config.old").read_text() == "# CONFIG_SYSVIPC is not set\n"


def test_a_recovery_copy_with_an_impossible_time_is_offered_with_a_note(qtbot, window, tmp_path: Path):
    tree = KernelTree(demo_tree(), build=tmp_path / "b")
    path = recovery.recovery_path(tree, "0-1-1")          # a window of another boot: not running
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("CONFIG_LOG_BUF_SHIFT=21\n")
    path.with_suffix(".json").write_text('{"saved_at": 1e300}')
    _open(qtbot, window, tree, prefer_defconfig=True)
    _no_error_box(window)
    assert window.recovery_bar.isVisible()
    assert str(path.with_suffix(".json")) in window.recovery_label.text()
    window.recovery_restore.click()
    assert window.lt.ev.str_value(window.lt.sym("LOG_BUF_SHIFT")) == "21"
    assert not path.exists()                                # the values are this window's copy now
    assert recovery.recovery_path(tree).is_file()
    window.modified = False


def test_a_huge_recent_size_in_the_settings_file(qtbot, tmp_path: Path):
    from rustconfig_gui.gui.mainwindow import MAX_RECENT, MainWindow

    ini = tmp_path / "settings.ini"
    ini.write_text("[recent]\nsize=50000000\n1\\source=/usr/src/linux\n")
    w = MainWindow(QSettings(str(ini), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    assert len(w.recent_menu.actions()) <= MAX_RECENT
    assert w.recent_trees()[0]["source"] == "/usr/src/linux"


def test_recent_entry_of_a_non_utf8_folder_opens_that_folder(qtbot, window, tmp_path: Path):
    from rustconfig_gui.gui.dialogs.open_tree import tree_from_dict, tree_to_dict

    src = Path(os.fsdecode(os.fsencode(tmp_path) + b"/caf\xe9"))
    tree = KernelTree(src, build=Path(os.fsdecode(os.fsencode(tmp_path) + b"/o\xff")))
    window._remember(tree)
    back = tree_from_dict(window.recent_trees()[0])
    assert os.fsencode(back.source) == os.fsencode(tree.source)
    assert os.fsencode(back.build) == os.fsencode(tree.build)
    assert tree_from_dict(tree_to_dict(KernelTree(tmp_path))).source == tmp_path
    assert window.recent_menu.actions()[0].text().startswith(f"{tmp_path}/caf\\xe9")


# ---------------------------------------------------------------------------
# 8, 9: signals to the window

_WINDOW = """
import sys
from rustconfig_gui.gui import app
from rustconfig_gui.gui import mainwindow

shown = mainwindow.MainWindow._on_loaded

def say_when_asked():
    from PySide6.QtWidgets import QApplication, QMessageBox
    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
    if boxes and not getattr(say_when_asked, "done", False):
        say_when_asked.done = True
        print("asked: " + boxes[0].text(), flush=True)

def edit_once(self, outcome):
    shown(self, outcome)
    if sys.argv[1] == "edit" and not getattr(self, "_edited", False):
        self._edited = True
        assert self.model.set_symbol_value(self.lt.sym("LOG_BUF_SHIFT"), "13")
        from PySide6.QtCore import QTimer
        self._watch = QTimer(self)
        self._watch.timeout.connect(say_when_asked)
        self._watch.start(20)
    print("shown", flush=True)

mainwindow.MainWindow._on_loaded = edit_once
sys.exit(app.main(sys.argv[2:]))
"""


def _window_process(tmp_path: Path, what: str, *args: str, env: dict[str, str] | None = None):
    import subprocess
    import sys

    repo = Path(__file__).resolve().parent.parent
    return subprocess.Popen([sys.executable, "-c", _WINDOW, what, *args], cwd=repo,
                            env=dict(env or os.environ, QT_QPA_PLATFORM="offscreen"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _line(win, wait: float = 120.0) -> str:
    """The window process's next line of output; "" (and the process killed) if none comes."""
    import select

    ready, _, _ = select.select([win.stdout], [], [], wait)
    if not ready:
        win.kill()
        return ""
    return win.stdout.readline()


def test_sigterm_right_after_an_edit_keeps_the_edit(tmp_path: Path):
    import signal

    build = tmp_path / "b"
    tree = KernelTree(demo_tree(), build=build)
    win = _window_process(tmp_path, "edit", str(demo_tree()), "-O", str(build))
    assert _line(win) == "shown\n", win.stderr.read()
    import time

    t0 = time.monotonic()
    win.send_signal(signal.SIGTERM)              # before the coalescing timer could write anything
    assert win.wait(timeout=60) == 128 + signal.SIGTERM
    print(f"window ended {time.monotonic() - t0:.2f} s after SIGTERM (recovery written)")
    found = recovery.recoveries(tree)
    assert len(found) == 1 and "CONFIG_LOG_BUF_SHIFT=13" in found[0].text
    recovery.discard(found[0])


def test_sigterm_during_a_load_leaves_no_probe_running(tmp_path: Path):
    import signal

    from fakes import wait_gone
    from test_gui_early_load import _demo_with_hanging_rustc
    from test_reliability_two import _started

    # the window has no --make-var: the tree's make finds rustc and bindgen on PATH
    src, bin_, pids = _demo_with_hanging_rustc(tmp_path)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = dict(os.environ, TMPDIR=str(tmp), PATH=f"{bin_}:{os.environ['PATH']}")
    win = _window_process(tmp_path, "none", str(src), env=env)
    started = _started(pids, win)
    import time

    t0 = time.monotonic()
    win.send_signal(signal.SIGTERM)
    assert win.wait(timeout=60) == 128 + signal.SIGTERM, win.communicate()[1][-3000:]
    print(f"window ended {time.monotonic() - t0:.2f} s after SIGTERM during a load")
    for pid in started:
        wait_gone(pid)
    assert list(tmp.iterdir()) == []


def test_ctrl_c_in_the_terminal_asks_to_save_like_menuconfig(qtbot, window, tmp_path: Path):
    import signal

    from PySide6.QtCore import QTimer

    from rustconfig_gui.gui import signals

    build = tmp_path / "b"
    _open(qtbot, window, KernelTree(demo_tree(), build=build), prefer_defconfig=True)
    assert window.model.set_symbol_value(window.lt.sym("LOG_BUF_SHIFT"), "15")
    handler = signals.install(window)
    asked: list[str] = []

    def answer(button: QMessageBox.StandardButton) -> None:
        box = next((b for b in window.findChildren(QMessageBox) if b.isVisible()), None)
        if box is None:
            QTimer.singleShot(20, lambda: answer(button))
            return
        asked.append(box.text())
        box.button(button).click()

    try:
        QTimer.singleShot(0, lambda: answer(QMessageBox.StandardButton.Cancel))
        os.kill(os.getpid(), signal.SIGINT)       # what the terminal sends
        qtbot.waitUntil(lambda: bool(asked), timeout=10_000)
        assert "unsaved changes" in asked[0]
        assert window.isVisible() and window.modified          # Cancel: go on editing
        QTimer.singleShot(0, lambda: answer(QMessageBox.StandardButton.Save))
        os.kill(os.getpid(), signal.SIGINT)
        qtbot.waitUntil(lambda: not window.isVisible(), timeout=10_000)
        assert "CONFIG_LOG_BUF_SHIFT=15" in (build / ".config").read_text()
    finally:
        handler.uninstall()


# ---------------------------------------------------------------------------
# 1: a build folder that cannot be entered, in a window run by a normal user

_AS_USER = """
import json, os, sys
from pathlib import Path
from PySide6.QtCore import QEventLoop, QSettings, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from rustconfig_gui.assets import demo_tree
from rustconfig_gui.gui.mainwindow import MainWindow
from rustconfig_gui.kconfig.tree import KernelTree

app = QApplication([])
said = []

def answer_boxes():
    for w in app.topLevelWidgets():
        if isinstance(w, QMessageBox) and w.isVisible():
            said.append((w.objectName(), w.text()))
            w.done(0)

timer = QTimer()
timer.timeout.connect(answer_boxes)
timer.start(20)
build = Path(sys.argv[1])
tree = KernelTree(demo_tree(), build=build)

def wait_load(w, start):
    loop = QEventLoop()
    w.loader.busyChanged.connect(lambda busy: busy or loop.quit())
    assert start()
    loop.exec()

# the values come from the build folder's .config: Revert goes back to that file
build.mkdir()
(build / ".config").write_text("CONFIG_LOG_BUF_SHIFT=17\\n")
w = MainWindow(QSettings(sys.argv[2], QSettings.Format.IniFormat))
sys.excepthook = w.on_unhandled_exception
w.show()
wait_load(w, lambda: w.open_tree(tree))
assert w.model.set_symbol_value(w.lt.sym("LOG_BUF_SHIFT"), "16")
os.chmod(build, 0)
out = {"save": w.save()}
out["after_save"] = said[:]; said.clear()
w.revert()
out["after_revert"] = said[:]; said.clear()
wait_load(w, lambda: w.reload_with(w.tree))
out["after_reload"] = said[:]; said.clear()
w2 = MainWindow(QSettings(sys.argv[2] + "2", QSettings.Format.IniFormat))
wait_load(w2, lambda: w2.open_tree(tree))
out["reopen"] = w2.message.text()
out["value"] = w.lt.ev.str_value(w.lt.sym("LOG_BUF_SHIFT"))
out["modified"] = w.modified
os.chmod(build, 0o755)
w.modified = False
print(json.dumps(out))
"""


def test_a_build_folder_that_cannot_be_entered_as_a_normal_user(tmp_path: Path):
    import json
    import subprocess
    import sys
    import tempfile

    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        import pytest
        pytest.skip("dropping to another user needs root and setpriv")
    base = Path(tempfile.mkdtemp(prefix="rustconfig-perm-", dir="/tmp"))
    try:
        base.chmod(0o777)
        build = base / "build"
        env = dict(os.environ, HOME=str(base), XDG_CONFIG_HOME=str(base / "config"),
                   XDG_DATA_HOME=str(base / "data"), XDG_CACHE_HOME=str(base / "cache"),
                   QT_QPA_PLATFORM="offscreen", XDG_RUNTIME_DIR=str(base / "run"))
        repo = Path(__file__).resolve().parent.parent
        done = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                               sys.executable, "-c", _AS_USER, str(build), str(base / "settings.ini")],
                              cwd=repo, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        out = json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(base, ignore_errors=True)
    config = build / ".config"
    unusable = f"The build folder {build} cannot be opened: permission denied (it must be readable and enterable)."
    assert out["save"] is False
    assert [t for _, t in out["after_save"]] == [
        f"Cannot save {config}: permission denied (the folder {build} cannot be entered). Nothing was changed on "
        "disk.\n\nYour changes are still here; use Save as… to save them elsewhere."]
    assert [t for _, t in out["after_revert"]] == [
        f"Cannot read {config}: permission denied. Your values here are unchanged."]
    assert [t for _, t in out["after_reload"]] == [unusable]
    assert unusable in out["reopen"]
    assert out["value"] == "16" and out["modified"]       # the edits are still there


def test_a_second_ctrl_c_during_the_question_ends_the_window_keeping_the_edit(tmp_path: Path):
    import signal

    build = tmp_path / "b"
    tree = KernelTree(demo_tree(), build=build)
    win = _window_process(tmp_path, "edit", str(demo_tree()), "-O", str(build))
    assert _line(win) == "shown\n", win.stderr.read()
    win.send_signal(signal.SIGINT)
    assert _line(win) == f"asked: The configuration has unsaved changes. Save them to {build / '.config'}?\n"
    win.send_signal(signal.SIGINT)
    assert win.wait(timeout=60) == 128 + signal.SIGINT
    found = recovery.recoveries(tree)
    assert len(found) == 1 and "CONFIG_LOG_BUF_SHIFT=13" in found[0].text
    assert not (build / ".config").exists()          # nothing was saved without being asked
    recovery.discard(found[0])


def test_saving_while_a_recovery_copy_is_written_leaves_no_copy(qtbot, window, tmp_path: Path):
    tree = KernelTree(demo_tree(), build=tmp_path / "b")
    _open(qtbot, window, tree, prefer_defconfig=True)
    assert window.model.set_symbol_value(window.lt.sym("LOG_BUF_SHIFT"), "17")
    window.recovery_timer.stop()
    assert window.write_recovery_now()        # in the worker now
    assert window.save()
    qtbot.waitUntil(lambda: not window.recovery_writer.busy, timeout=30_000)
    assert not recovery.recovery_path(tree).exists()
    assert recovery.read_recovery(tree) is None


def test_a_copy_written_at_once_is_never_followed_by_an_older_one(qtbot, window, tmp_path: Path):
    # SIGTERM or an unhandled error writes the newest values at once, maybe while a
    # copy of older values is being made: that one must not land after it
    from PySide6.QtCore import QEventLoop, QTimer

    tree = KernelTree(demo_tree(), build=tmp_path / "b")
    _open(qtbot, window, tree, prefer_defconfig=True)
    sym = window.lt.sym("LOG_BUF_SHIFT")
    assert window.model.set_symbol_value(sym, "17")
    window.recovery_timer.stop()
    assert window.write_recovery_now() and window.recovery_writer.busy  # made between events
    assert window.model.set_symbol_value(sym, "19")
    window.recovery_timer.stop()
    assert window.write_recovery_now(wait=True)
    assert not window.recovery_writer.busy
    # events and workers run (an event loop lets go of the GIL, QTest.qWait does not)
    loop = QEventLoop()
    QTimer.singleShot(1500, loop.quit)
    loop.exec()
    assert "CONFIG_LOG_BUF_SHIFT=19" in recovery.recovery_path(tree).read_text()
    assert not window.recovery_timer.isActive() and not window.recovery_writer.busy


def test_the_recovery_copy_follows_every_change_the_session_reports(qtbot, window, tmp_path: Path):
    from rustconfig_gui.workspace.session import LoadMode

    tree = KernelTree(demo_tree(), build=tmp_path / "b")
    _open(qtbot, window, tree, prefer_defconfig=True)
    start = tmp_path / "start.config"
    start.write_text("CONFIG_LOG_BUF_SHIFT=13\n")
    # Start from another file: a change that is no edit of a row
    assert window.load_config(start, LoadMode.START) and window.modified
    qtbot.waitUntil(lambda: recovery.recovery_path(tree).with_suffix(".json").is_file(), timeout=10_000)
    assert "CONFIG_LOG_BUF_SHIFT=13" in recovery.read_recovery(tree).text
    # undone: the values are the saved ones again, nothing is left to recover
    window.undo()
    assert not window.modified and not recovery.recovery_path(tree).exists()
    # redone: unsaved again, kept again
    window.redo()
    qtbot.waitUntil(lambda: recovery.recovery_path(tree).with_suffix(".json").is_file(), timeout=10_000)
    assert "CONFIG_LOG_BUF_SHIFT=13" in recovery.read_recovery(tree).text
    assert window.save()
    assert not recovery.recovery_path(tree).exists() and recovery.read_recovery(tree) is None


def test_closing_right_after_a_load_starts_no_indexer_afterwards(qtbot, window, tmp_path: Path):
    """The search index is built by a timer 350 ms after a tree is shown; closing the window
    before it fires must not start that worker (it outlived the window: 'QThread: Destroyed
    while thread is still running')."""
    _open(qtbot, window, KernelTree(demo_tree(), build=tmp_path / "b"))
    assert window.index is None  # not built yet: the timer is pending
    window.modified = False
    window.close()
    qtbot.wait(window.BACKGROUND_DELAY_MS + 200)
    assert not window.indexer.busy and window.index is None
