"""The window's first load starts before Qt is imported (gui/app.py, workspace/opening.py).

Real processes of ``rustconfig-gui`` on a copy of the demo tree with a fake
toolchain on PATH; the caches, settings and data folders are the test's own.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from fakes import fake_toolchain, wait_gone
from PySide6.QtCore import QSettings

from rustconfig_gui.assets import demo_tree
from rustconfig_gui.gui import app
from rustconfig_gui.kconfig.parsecache import ParseCache
from rustconfig_gui.kconfig.tree import KernelTree
from rustconfig_gui.workspace.opening import EarlyLoad, LoadRequest

REPO = Path(__file__).resolve().parent.parent

# the window's entry point; prints, once the tree is on screen, how it was loaded and what it holds
_WINDOW = r"""
import hashlib, json, os, sys
import rustconfig_gui.gui.app as app
import rustconfig_gui.workspace.opening as opening
if sys.argv[1] == "no-early":
    app.start_early = lambda args: (None, None)
started = []
make = opening.EarlyLoad.__init__
def init(self, request):
    started.append(request)
    make(self, request)
opening.EarlyLoad.__init__ = init
make_window = app._window
def _window():
    window, qapp = make_window()
    took = []
    load = window.loader.load
    def load_(request, early=None):
        took.append(early is not None and early.matches(request))
        return load(request, early)
    window.loader.load = load_
    def shown():
        from rustconfig_gui.kconfig import configfile
        text = configfile.config_text(window.lt.ev)
        print(json.dumps({"started": len(started), "adopted": took, "stored_first": window.lt.timings.unchecked,
                          "later": [m for m in ("rustconfig_gui.explain.fix", "rustconfig_gui.workspace.presets",
                                                "rustconfig_gui.workspace.fragments", "rustconfig_gui.toolchain.doctor",
                                                "rustconfig_gui.toolchain.rustavailable",
                                                "rustconfig_gui.toolchain.runner", "rustconfig_gui.gui.dialogs.fix",
                                                "rustconfig_gui.gui.dialogs.presets",
                                                "rustconfig_gui.gui.dialogs.open_tree")
                                    if m in sys.modules],
                          "caches": [r.use_caches for r in started],
                          "config": hashlib.sha256(text.encode()).hexdigest(),
                          "title": window.windowTitle()}), flush=True)
        os._exit(0)
    window.treeLoaded.connect(shown)
    window.loader.failed.connect(lambda m: (print(json.dumps({"failed": m}), flush=True), os._exit(1)))
    return window, qapp
app._window = _window
sys.exit(app.main(sys.argv[2:]))
"""


def _env(tmp_path: Path, tc_bin: Path | None = None, home: str = "home") -> dict[str, str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    for name in ("CONFIG", "DATA", "CACHE"):
        env[f"XDG_{name}_HOME"] = str(tmp_path / home / name.lower())
    if tc_bin is not None:
        env["PATH"] = f"{tc_bin}:{env['PATH']}"
    return env


def _run(mode: str, *args: str, env: dict[str, str]) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", _WINDOW, mode, *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    assert lines, done.stderr[-3000:]
    return json.loads(lines[-1])  # type: ignore[no-any-return]


@pytest.fixture()
def demo_copy(tmp_path: Path) -> tuple[Path, Path]:
    src = tmp_path / "src"
    shutil.copytree(demo_tree(), src)
    tc = fake_toolchain(tmp_path / "tc")
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    (bin_ / "rustc").symlink_to(tc.rustc)
    (bin_ / "bindgen").symlink_to(tc.bindgen)
    return src, bin_


def test_the_first_load_starts_before_the_window_and_gives_what_the_window_alone_gives(tmp_path, demo_copy):
    src, bin_ = demo_copy
    early = _run("early", str(src), "-O", str(tmp_path / "b1"), env=_env(tmp_path, bin_, "h1"))
    alone = _run("no-early", str(src), "-O", str(tmp_path / "b2"), env=_env(tmp_path, bin_, "h2"))
    assert early["started"] == 1 and early["adopted"] == [True], early
    assert alone["started"] == 0 and alone["adopted"] == [False], alone
    # the same configuration on screen either way (Rust available with the fake toolchain)
    assert early["config"] == alone["config"]
    assert early["caches"] == [True]
    # what only the dialogs and the toolchain panel's checks need is imported when first needed, not on
    # the way to the first screen
    assert early["later"] == [] and alone["later"] == []
    # once a load is stored (as the window stores it after showing), the next start shows the
    # stored tree first: nothing is started early beside it
    env = _env(tmp_path, bin_, "h1")
    subprocess.run([sys.executable, "-m", "rustconfig_gui", "info", str(src), "-O", str(tmp_path / "b1")],
                   cwd=REPO, env=env, check=True, capture_output=True, timeout=300)
    ParseCache(Path(env["XDG_CACHE_HOME"]) / "rustconfig-gui" / "parses").wait_for_writers()
    again = _run("early", str(src), "-O", str(tmp_path / "b1"), env=_env(tmp_path, bin_, "h1"))
    assert again["started"] == 0 and again["stored_first"] is True and again["config"] == early["config"]


def test_the_early_load_follows_the_caches_setting_the_window_keeps(qtbot, tmp_path, demo_copy):
    src, bin_ = demo_copy
    env = _env(tmp_path, bin_, "off")
    # written by Qt itself, where the window's QSettings() keeps it
    settings = QSettings(str(Path(env["XDG_CONFIG_HOME"]) / "rustconfig-gui" / "rustconfig-gui.conf"),
                         QSettings.Format.IniFormat)
    settings.setValue("load/use_caches", False)
    settings.sync()
    shown = _run("early", str(src), "-O", str(tmp_path / "b"), env=env)
    assert shown["caches"] == [False] and shown["adopted"] == [True], shown
    assert not (Path(env["XDG_CACHE_HOME"]) / "rustconfig-gui" / "parses").exists()


def test_caches_setting_reads_what_qsettings_wrote(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    assert app.caches_setting() is True  # nothing written yet: the window's default
    path = tmp_path / "cfg" / "rustconfig-gui" / "rustconfig-gui.conf"
    for value in (False, True):
        s = QSettings(str(path), QSettings.Format.IniFormat)
        s.setValue("load/use_caches", value)
        s.setValue("window/geometry", b"\x01\x02[]=%")  # what else the window keeps there
        s.sync()
        assert app.caches_setting() is value
    path.write_bytes(b"[load\n\xff\xfe")
    assert app.caches_setting() is None  # unreadable: the window starts the load itself


def test_an_early_load_of_another_request_is_cancelled_and_joined(qtbot, tmp_path, demo_copy):
    from rustconfig_gui.gui.workers import TreeLoader

    src, bin_ = demo_copy
    os.environ["PATH"] = f"{bin_}:{os.environ['PATH']}"
    try:
        early = EarlyLoad(LoadRequest(KernelTree(src, build=tmp_path / "b"), use_caches=False))
        loader = TreeLoader()
        with qtbot.waitSignal(loader.finished, timeout=120_000) as got:
            assert loader.load(LoadRequest(KernelTree(src, build=tmp_path / "other"), use_caches=False), early)
        assert not early.adopted and not early._thread.is_alive()
        assert got.args[0].loaded.tree.build == tmp_path / "other"
        loader.shutdown()
    finally:
        os.environ["PATH"] = os.environ["PATH"].split(":", 1)[1]
    assert [t for t in threading.enumerate() if t.name == "early-load"] == []


def _demo_with_hanging_rustc(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A copy of the demo tree, and a folder for PATH whose rustc hangs in the probe
    (its pid and its child's are written to the pids file): (tree, folder, pids file)."""
    from test_reliability_two import _hanger

    src = tmp_path / "src"
    shutil.copytree(demo_tree(), src)
    tc = fake_toolchain(tmp_path / "tc")
    pids = tmp_path / "pids"
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    _hanger(bin_ / "rustc", pids, then=f'[ "$*" = "--version --verbose" ] || exec {tc.rustc} "$@"')
    (bin_ / "bindgen").symlink_to(tc.bindgen)
    return src, bin_, pids


def test_sigterm_while_the_early_load_runs_leaves_no_probe_running(tmp_path):
    from test_reliability_two import _started

    src, bin_, pids = _demo_with_hanging_rustc(tmp_path)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = dict(_env(tmp_path, bin_), TMPDIR=str(tmp))
    # the window takes seconds to build: the signal comes before it exists, while the early
    # load waits for the hanging probe
    slow = "import rustconfig_gui.gui.app as app, time\nbuild = app._window\n" \
           "app._window = lambda: time.sleep(3) or build()\n"
    win = subprocess.Popen([sys.executable, "-c", slow + "import sys; sys.exit(app.main(sys.argv[1:]))",
                            str(src)], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    started = _started(pids, win)
    win.send_signal(signal.SIGTERM)
    assert win.wait(timeout=60) == 128 + signal.SIGTERM, win.stderr.read() if win.stderr else ""
    for pid in started:
        wait_gone(pid)
    assert list(tmp.iterdir()) == []


def test_cancel_in_the_window_stops_the_early_load_it_took_over(qtbot, tmp_path):
    from rustconfig_gui.gui.workers import TreeLoader

    src, bin_, pids = _demo_with_hanging_rustc(tmp_path)
    path = os.environ["PATH"]
    os.environ["PATH"] = f"{bin_}:{path}"
    try:
        request = LoadRequest(KernelTree(src, build=tmp_path / "b"), use_caches=False)
        early = EarlyLoad(request)
        loader = TreeLoader()
        assert loader.load(request, early) and early.adopted
        # the early load reaches the hanging probe
        qtbot.waitUntil(lambda: pids.exists() and len(pids.read_text().split()) >= 2, timeout=60_000)
        started = [int(x) for x in pids.read_text().split()]
        with qtbot.waitSignal(loader.cancelled, timeout=60_000):
            loader.cancel()
        for pid in started:
            wait_gone(pid)
        loader.shutdown()
        assert not early._thread.is_alive()
    finally:
        os.environ["PATH"] = path


def test_a_lazy_module_is_the_module_from_its_first_use(tmp_path):
    code = ("import sys, threading\n"
            "from rustconfig_gui.host.lazy import LazyModule\n"
            "fix = LazyModule('rustconfig_gui.explain.fix')\n"
            "assert 'rustconfig_gui.explain.fix' not in sys.modules\n"
            "got = []\n"
            "ts = [threading.Thread(target=lambda: got.append(fix.plan_fix)) for _ in range(4)]\n"
            "[t.start() for t in ts]; [t.join() for t in ts]\n"
            "import rustconfig_gui.explain.fix as real\n"
            "assert got == [real.plan_fix] * 4, got\n"
            "print('ok')\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.stdout == "ok\n", done.stderr


# the window's entry point; prints which modules imported on first use were there at the first paint, and
# which once the window imported them on its worker
_PREIMPORT = r"""
import json, os, sys
import rustconfig_gui.gui.app as app
from PySide6.QtCore import QTimer
NAMES = ("rustconfig_gui.toolchain.rustavailable", "rustconfig_gui.toolchain.doctor",
         "rustconfig_gui.toolchain.runner", "rustconfig_gui.explain.fix", "rustconfig_gui.workspace.presets",
         "rustconfig_gui.workspace.fragments", "rustconfig_gui.gui.dialogs.fix", "rustconfig_gui.gui.dialogs.presets")
make_window = app._window
def _window():
    window, qapp = make_window()
    report = {}
    def shown():
        report["at_paint"] = [m for m in NAMES if m in sys.modules]
    def imported(done):
        from rustconfig_gui.gui.workers import preimport_pending
        report.update(imported=sorted(done), after=[m for m in NAMES if m in sys.modules],
                      pending=preimport_pending())
        print(json.dumps(report), flush=True)
        os._exit(0)
    window.treeLoaded.connect(shown)
    window.preimporter.finished.connect(imported)
    QTimer.singleShot(120_000, lambda: (print(json.dumps({"failed": "no import"}), flush=True), os._exit(1)))
    return window, qapp
app._window = _window
sys.exit(app.main(sys.argv[1:]))
"""


def test_modules_for_later_are_imported_on_a_worker_once_the_tree_is_shown(tmp_path, demo_copy):
    src, bin_ = demo_copy
    done = subprocess.run([sys.executable, "-c", _PREIMPORT, str(src), "-O", str(tmp_path / "b")], cwd=REPO,
                          env=_env(tmp_path, bin_), capture_output=True, text=True, timeout=300)
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    assert lines, done.stderr[-3000:]
    report = json.loads(lines[-1])
    qt_free = ["rustconfig_gui.toolchain.rustavailable", "rustconfig_gui.toolchain.doctor",
               "rustconfig_gui.toolchain.runner", "rustconfig_gui.explain.fix", "rustconfig_gui.workspace.presets"]
    # none on the way to the first screen; the Qt-free ones after it, on the worker; the window's own Qt
    # dialogs stay for the GUI thread, on their first use
    assert report.get("at_paint") == [], report
    assert set(qt_free) <= set(report["imported"]) and report["after"] == qt_free, report
    assert report["pending"] == []
