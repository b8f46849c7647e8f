"""GUI-thread stalls of the real window on a real tree (used by ``python -m devtools.bench``).

``python -m devtools.stallbench SRC ARCH LLVM [CONFIG]`` opens the tree (with
CONFIG: that configuration file, e.g. a distribution's; else the defconfig) in
the real main window (offscreen), with a timer on the GUI thread that ticks
every 5 ms; the longest gap between two ticks, minus the 5 ms, is how long
the GUI thread could not answer.  Each step a user takes is one phase: load
with empty caches, load with warm caches, reload after rustc was touched,
``make rustavailable``, typing a search, toggling options, opening the
"Make Rust available…" dialog and editing while it is open (it plans again
after every change), opening an option's explanation, toggling the current row
with Space while its details and Why are shown, saving.  Prints one JSON line:
worst stall per phase, the GUI thread's longest stretch of CPU between two
ticks and its CPU time in each (``time.thread_time``: less noisy than the
gaps), the time each step took, the slowest search, how long the slowest
edit took to reach the rows on screen and every open menu, and peak RSS
with the window up.

Caches, settings and the build folder live in a temporary folder.
"""

from __future__ import annotations

import atexit
import io
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

TICK_MS = 5
# options toggled (and toggled back) with the "Make Rust available…" dialog open
FIX_DIALOG_EDITS = ("MODVERSIONS", "DEBUG_INFO_BTF", "EXT4_FS", "IPV6", "DEBUG_FS")


def _rss_now_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _other_value(assignable: tuple[int, ...], old: int) -> int:
    """The value farthest from ``old`` the option can take (a distribution's
    configuration selects many options, which then cannot go to n)."""
    return max((v for v in assignable if v != old), key=lambda v: abs(v - old))


@contextmanager
def _profiled(name: str) -> Iterator[None]:
    """``STALLBENCH_PROFILE=STEP`` (a step's name; ``STALLBENCH_PROFILE_OUT``: the
    file, default stallbench.prof) profiles the GUI thread during that step."""
    if os.environ.get("STALLBENCH_PROFILE") != name:
        yield
        return
    import cProfile

    prof = cProfile.Profile()
    prof.enable()
    try:
        yield
    finally:
        prof.disable()
        prof.dump_stats(os.environ.get("STALLBENCH_PROFILE_OUT", "stallbench.prof"))


class _GapProfiler:
    """``STALLBENCH_GAPS=MS``: the GUI thread is profiled between every two ticks,
    and what ran in each gap longer than MS is printed to stderr (slower:
    the profiler's own cost lengthens every gap)."""

    def __init__(self, over_ms: float) -> None:
        self.over_ms = over_ms
        self.prof: Any = None
        if over_ms:
            import cProfile

            self._new = cProfile.Profile
            self.prof = self._new()
            self.prof.enable()

    def tick(self, step: str, gap_ms: float) -> None:
        if self.prof is None:
            return
        import pstats

        self.prof.disable()
        if gap_ms > self.over_ms:
            out = io.StringIO()
            stats = pstats.Stats(self.prof, stream=out)
            stats.sort_stats("cumulative").print_stats(25)
            text = "\n".join(line for line in out.getvalue().splitlines() if "(" in line)
            print(f"--- {step}: {gap_ms:.0f} ms\n{text}", file=sys.stderr)
        self.prof = self._new()
        self.prof.enable()


def main(argv: list[str]) -> int:
    src, arch, llvm = argv[0], argv[1], argv[2] == "1"
    config = Path(argv[3]).resolve() if len(argv) > 3 else None
    work = Path(tempfile.mkdtemp(prefix="rustconfig-guibench-"))
    atexit.register(shutil.rmtree, work, ignore_errors=True)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    for name in ("CONFIG", "DATA", "CACHE"):
        os.environ[f"XDG_{name}_HOME"] = str(work / name.lower())

    from PySide6.QtCore import QElapsedTimer, QEvent, QEventLoop, QObject, QSettings, Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from rustconfig_gui.gui.mainwindow import MainWindow
    from rustconfig_gui.kconfig.tree import KernelTree

    app = QApplication.instance() or QApplication([])
    # a RUSTC of our own, so a toolchain change can be simulated by touching it
    rustc = work / "rustc"
    rustc.write_text("#!/bin/sh\nexec /usr/bin/rustc \"$@\"\n")
    rustc.chmod(0o755)
    tree = KernelTree(Path(src), build=work / "build", arch=arch, llvm=llvm, make_vars=(("RUSTC", str(rustc)),))
    w = MainWindow(QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat))
    w.resize(1280, 800)
    w.show()

    worst: dict[str, float] = {}
    cpu_ms: dict[str, float] = {}
    rss_after: dict[str, float] = {}
    took: dict[str, float] = {}
    last = [0.0]
    current = [""]

    gaps = _GapProfiler(float(os.environ.get("STALLBENCH_GAPS", "0") or 0))

    # the GUI thread's CPU between two ticks: the longest stretch of its own work,
    # without the time it waited for a core or the GIL (steadier on a busy machine)
    worst_cpu: dict[str, float] = {}
    last_cpu = [0.0]

    def tick() -> None:
        now = time.monotonic()
        cpu = time.thread_time()
        if last[0] and current[0]:
            gap = (now - last[0]) * 1000 - TICK_MS
            worst[current[0]] = max(worst.get(current[0], 0.0), gap)
            worst_cpu[current[0]] = max(worst_cpu.get(current[0], 0.0), (cpu - last_cpu[0]) * 1000)
            gaps.tick(current[0], gap)
        last[0] = now
        last_cpu[0] = cpu

    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(TICK_MS)
    timer.timeout.connect(tick)
    timer.start()

    def wait_until(done: Callable[[], bool], timeout_s: float = 600) -> None:
        # an event loop, as in the app: between events the GUI thread waits in Qt, not in Python
        clock = QElapsedTimer()
        clock.start()
        loop = QEventLoop()
        poll = QTimer()
        poll.setInterval(2)
        def check() -> None:
            if done() or clock.elapsed() > timeout_s * 1000:
                loop.quit()

        poll.timeout.connect(check)
        poll.start()
        if not done():
            loop.exec()
        poll.stop()
        if not done():
            raise TimeoutError("the window did not finish the step")

    def settle(ms: int = 100) -> None:
        end = time.monotonic() + ms / 1000
        wait_until(lambda: time.monotonic() >= end)

    @contextmanager
    def phase(name: str) -> Iterator[None]:
        settle()
        last[0] = time.monotonic()  # work started synchronously below counts too
        last_cpu[0] = time.thread_time()
        current[0] = name
        t0 = time.monotonic()
        c0 = time.thread_time()  # the GUI thread's own CPU (workers run in threads of their own)
        with _profiled(name):
            yield
        took[name] = time.monotonic() - t0
        settle()
        cpu_ms[name] = (time.thread_time() - c0) * 1000
        current[0] = ""
        rss_after[name] = _rss_now_mb()

    def load_and_wait(start: Callable[[], bool]) -> None:
        ended: list[str] = []  # "" when loaded, else why not

        def loaded() -> None:
            ended.append("")

        w.treeLoaded.connect(loaded)
        w.loader.failed.connect(ended.append)
        try:
            assert start()
            wait_until(lambda: bool(ended))
        finally:
            w.treeLoaded.disconnect(loaded)
            w.loader.failed.disconnect(ended.append)
        if ended[0]:
            raise SystemExit(f"the window could not load {src}: {ended[0]}")

    def open_and_wait() -> None:
        load_and_wait(lambda: w.open_tree(tree, config=config, prefer_defconfig=config is None))

    def checked_and_indexed() -> None:
        # a tree shown as last loaded is checked behind it; the search index follows the first paint
        wait_until(lambda: not w.rechecker.job.busy and not w.indexer.busy and w.index is not None)

    with phase("load, empty caches"):
        open_and_wait()
        checked_and_indexed()
    def background_done() -> None:
        # the window starts its background work a moment after showing a tree
        settle(w.BACKGROUND_DELAY_MS + 100)
        wait_until(lambda: not (w.parse_writer.busy or w.retirer.busy))

    with phase("store parse (worker)"):
        background_done()
    with phase("load, warm caches"):
        open_and_wait()
        checked_and_indexed()
    with phase("retire old tree (worker)"):
        background_done()
    st = rustc.stat()
    os.utime(rustc, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    with phase("reload, rustc touched"):
        load_and_wait(lambda: w.reload_with(tree))
        checked_and_indexed()
        background_done()
    with phase("make rustavailable"):
        w.toolchain.set_tree(tree, w.lt.env.variables if w.lt else {})
        assert w.toolchain.run_check()
        wait_until(lambda: not w.toolchain.runner.busy)
    with phase("typing a search"):
        for text in ("r", "ru", "rus", "rust", "rust ", "rust s", "rust su", "rust sup"):
            w.search.setText(text)
            settle(60)  # a fast typist; the window searches when typing pauses
        settle(300)
    search_ms = []
    for text in ("r", "ru", "rust", "rust support", "usb stor", "x"):
        # what the window runs when typing pauses, until the results are listed
        t0 = time.monotonic()
        w._on_search_text(text)
        wait_until(lambda: not w.searcher.busy)
        search_ms.append((time.monotonic() - t0) * 1000)
    # After an edit the rows of the menus on screen are brought up to date at once
    # and the other open menus a moment later.  "On screen" ends with the first
    # paint of the view after the edit (a paint ends when the GUI thread next
    # handles any event, or goes idle); "every open menu" when the model computes
    # no more and the view has painted after the model's last word on the edit.
    paints: list[float] = []
    after_paint: list[float] = []
    told: list[float] = [0.0]
    viewport = w.view.viewport()

    class PaintWatch(QObject):
        def eventFilter(self, obj: QObject, event: QEvent) -> bool:
            now = time.monotonic()
            if obj is viewport and event.type() == QEvent.Type.Paint:
                paints.append(now)
            elif paints and not after_paint:
                after_paint.append(now)
            return False

    watch = PaintWatch()
    app.installEventFilter(watch)
    for signal in (w.model.valuesChanged, w.model.rowsInserted, w.model.rowsRemoved, w.model.layoutChanged):
        signal.connect(lambda *_: told.__setitem__(0, time.monotonic()))

    def all_done() -> bool:
        return not w.model.refreshing and bool(paints) and paints[-1] >= told[0]

    toggle_ms: list[float] = []
    toggle_all_ms: list[float] = []
    with phase("toggling options"):
        assert w.lt is not None
        # options whole menus depend on, then ones few others do
        for name in ("NET", "USB", "SOUND", "PCI", "BLOCK", "MODULES", "EXT4_FS", "IPV6", "DEBUG_FS"):
            sym = w.lt.sym(name)
            if sym is None or len(w.lt.ev.assignable(sym)) < 2:
                continue
            old = w.lt.ev.tri(sym)
            for value in (_other_value(w.lt.ev.assignable(sym), old), old):
                paints.clear()
                after_paint.clear()
                t0 = time.monotonic()
                w.model.set_symbol_value(sym, value)
                deadline = t0 + 5
                shown = None
                while not all_done() and time.monotonic() < deadline:
                    # waits in Qt for the next event (the 5 ms timer ticks): no busy loop in the CPU figure
                    app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
                    if shown is None and paints:
                        shown = (after_paint[0] if after_paint else time.monotonic()) - t0
                toggle_ms.append((shown if shown is not None else 5.0) * 1000)
                toggle_all_ms.append((time.monotonic() - t0) * 1000)
                settle(60)
    app.removeEventFilter(watch)

    def fix_dialog_idle() -> bool:
        dlg = w.fix_ui.dialog
        return dlg is None or not getattr(dlg, "planning", False)

    if w.lt is not None and w.lt.sym("RUST") is not None:
        with phase("opening the fix dialog"):
            assert w.fix_ui.open_for_rust() is not None
            wait_until(fix_dialog_idle)
        with phase("edit with the fix dialog open"):
            # every change plans again while the dialog is open (a plan for RUST=y)
            for name in FIX_DIALOG_EDITS:
                sym = w.lt.sym(name)
                if sym is None or len(w.lt.ev.assignable(sym)) < 2:
                    continue
                old = w.lt.ev.tri(sym)
                for value in (_other_value(w.lt.ev.assignable(sym), old), old):
                    w.model.set_symbol_value(sym, value)
                    settle(60)
                    wait_until(fix_dialog_idle)
        with phase("closing the fix dialog"):
            dialog = w.fix_ui.dialog
            if dialog is not None:
                dialog.close()
    with phase("showing why RUST is hidden"):
        w.select_symbol("RUST")
        settle(200)
    # A user toggles the current row with Space while its details and Why are shown
    space_ms: list[float] = []
    with phase("Space on the current row, details shown"):
        for name in ("MODVERSIONS", "DEBUG_INFO_BTF", "EXT4_FS", "IPV6", "DEBUG_FS", "NET"):
            sym = w.lt.sym(name) if w.lt is not None else None
            if sym is None or len(w.lt.ev.assignable(sym)) < 2 or not w.select_symbol(name):
                continue
            w.view.setFocus()
            settle(100)
            for _ in range(2):  # on, then back
                t0 = time.monotonic()
                QTest.keyClick(w.view, Qt.Key.Key_Space)
                wait_until(lambda: not w.model.refreshing)
                space_ms.append((time.monotonic() - t0) * 1000)
                settle(150)
    with phase("save"):
        assert w.save()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    w.modified = False
    w.close()
    timer.stop()
    print(json.dumps({"stall_ms": worst, "stall_cpu_ms": worst_cpu, "cpu_ms": cpu_ms, "seconds": took,
                      "search_ms": max(search_ms),
                      "toggle_ms": max(toggle_ms) if toggle_ms else 0.0,
                      "toggle_all_ms": max(toggle_all_ms) if toggle_all_ms else 0.0, "rss_mb": rss,
                      "rss_after_mb": rss_after}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
