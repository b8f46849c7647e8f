"""Whole-process times against the kernel's own ``make defconfig`` (used by ``python -m devtools.bench``).

What a user waits for is the whole process: the interpreter starting, the
imports, make's environment, the probes, the parse or reading a stored one,
the answer.  For one tree, in one run on one machine, each measured once in
a fresh process:

* C: the tree's own ``make -s defconfig`` (its ``conf`` already built), from
  the command to its exit;
* the window (``rustconfig-gui TREE``, offscreen), from starting the process
  to the tree on screen and taking input (the first paint of the tree view
  done), with empty caches (cold) and with the caches a previous run left
  (warm: the tree as last loaded is shown at once, ``checked`` is when the
  check behind it ended);
* each command of ``rustconfig`` that loads a tree, from the command to its
  exit, cold (empty caches) and warm.

Ratios are to the C tool of the same run.  Caches, settings and build
folders live in a temporary folder; nothing here is asserted in tests.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from devtools.cref import Build, CConf, clean_env

# the window's entry point, with a hook that reports when the tree is on screen
_WINDOW_CHILD = r"""
import json, os, sys, time
import rustconfig_gui.gui.app as app
report = {}
make_window = app._window
def _window():
    # hooked when the window exists: the first load may already run (started before Qt is imported)
    from PySide6.QtCore import QObject, QEvent, QTimer
    window, qapp = make_window()
    class Painted(QObject):
        def eventFilter(self, obj, ev):
            if ev.type() == QEvent.Type.Paint and window.lt is not None and "shown" in report \
                    and "interactive" not in report:
                # the paint ends after this returns: one more turn of the event loop
                QTimer.singleShot(0, lambda: report.setdefault("interactive", time.time()) and check())
            return False
    painted = Painted(window)
    window.view.viewport().installEventFilter(painted)
    def check():
        if not window.lt.timings.unchecked or "checked" in report:
            finish()
    def loaded():
        if "reloaded" in report:  # the check found a change: the tree loaded again is the end
            report["checked"] = time.time()
            QTimer.singleShot(0, finish)
            return
        report.setdefault("shown", time.time())
        report["stored_first"] = window.lt.timings.unchecked
    def confirmed():
        report["checked"] = time.time()
        if "interactive" in report:
            finish()
    def changed(why):
        report["reloaded"] = why
    def finish():
        print(json.dumps(report), flush=True)
        os._exit(0)
    window.treeLoaded.connect(loaded)
    window.rechecker.confirmed.connect(confirmed)
    window.rechecker.changed.connect(changed)
    window.loader.failed.connect(lambda msg: (print(json.dumps({"failed": msg}), flush=True), os._exit(1)))
    window.loader.cancelled.connect(lambda: (print(json.dumps({"failed": "cancelled"}), flush=True), os._exit(1)))
    return window, qapp
app._window = _window
sys.exit(app.main(sys.argv[1:]))
"""

# every command of rustconfig that loads a tree: (label, arguments after TREE and the tree options)
COMMANDS: list[tuple[str, list[str]]] = [
    ("info", ["info", "{tree}"]),
    ("why RUST", ["why", "{tree}", "RUST"]),
    ("rust-status", ["rust-status", "{tree}"]),
    ("fix RUST", ["fix", "{tree}", "RUST"]),
    ("doctor", ["doctor", "{tree}"]),
    ("defconfig", ["defconfig", "{tree}", "-O", "{build}"]),
    ("olddefconfig", ["olddefconfig", "{tree}", "-O", "{build}"]),
    ("savedefconfig", ["savedefconfig", "{tree}", "-O", "{build}"]),
    ("preset apply", ["preset", "apply", "{tree}", "rust", "-O", "{build}", "--dry-run"]),
    ("diff --tree", ["diff", "{build}/.config", "{build}/.config", "--tree", "{tree}"]),
]
# goals of issue 21 (ratio to C); commands without one are only reported
WARM_GOAL = {"window": 0.35, "why RUST": 0.5, "rust-status": 0.5, "fix RUST": 0.5, "doctor": 0.5, "defconfig": 0.5,
             "olddefconfig": 0.5, "savedefconfig": 0.5}
COLD_GOAL = 1.0


_PYCACHE = Path(tempfile.gettempdir()) / "rustconfig-openbench-pycache"


def _env(work: Path) -> dict[str, str]:
    env = clean_env()
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    # as installed (pip compiles every module): imports read bytecode, not source
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(_PYCACHE)
    env["QT_QPA_PLATFORM"] = "offscreen"
    for name in ("CONFIG", "DATA", "CACHE"):
        env[f"XDG_{name}_HOME"] = str(work / name.lower())
    return env


def _parses(work: Path) -> Path:
    return work / "cache" / "rustconfig-gui" / "parses"


def _wait_for_writers(work: Path) -> None:
    from rustconfig_gui.kconfig.parsecache import ParseCache

    ParseCache(_parses(work)).wait_for_writers()


def c_defconfig(src: str, arch: str, llvm: bool) -> float:
    cc = CConf(Build(Path(src), arch=arch, llvm=llvm))
    cc.defconfig()  # builds conf once
    t0 = time.monotonic()
    cc.defconfig()
    return time.monotonic() - t0


def window(src: str, arch: str, llvm: bool, work: Path) -> dict[str, float | str | bool]:
    """Process start to the tree on screen taking input (and to the check's end, when shown as stored)."""
    args = [sys.executable, "-c", _WINDOW_CHILD, src, "--arch", arch, *(["--llvm"] if llvm else [])]
    t0 = time.time()
    done = subprocess.run(args, env=_env(work), capture_output=True, text=True, timeout=600)
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    if not lines:
        raise RuntimeError(f"the window did not report: {done.stderr[-2000:]}")
    report = json.loads(lines[-1])
    if "failed" in report:
        raise RuntimeError(report["failed"])
    out: dict[str, float | str | bool] = {"interactive": report["interactive"] - t0,
                                          "stored_first": bool(report.get("stored_first"))}
    if "checked" in report:
        out["checked"] = report["checked"] - t0
    if "reloaded" in report:
        out["reloaded"] = report["reloaded"]
    return out


def command(label: str, src: str, arch: str, llvm: bool, work: Path) -> float:
    template = dict(COMMANDS)[label]
    build = work / "build"
    build.mkdir(parents=True, exist_ok=True)
    tree_options = ["--arch", arch, *(["--llvm"] if llvm else [])]
    args = [a.format(tree=src, build=build) for a in template]
    if label != "diff --tree":
        args += tree_options
    else:
        args += ["--arch", arch]
    if label == "diff --tree" and not (build / ".config").exists():
        (build / ".config").write_text("")
    t0 = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "rustconfig_gui", *args], env=_env(work), capture_output=True,
                          text=True, timeout=600)
    took = time.monotonic() - t0
    if done.returncode not in (0, 3):
        raise RuntimeError(f"rustconfig {' '.join(args)}: {done.stderr[-2000:]}")
    return took


def measure(src: str, arch: str, llvm: bool, repeat: int = 1) -> dict[str, object]:
    """Everything for one tree, ``repeat`` passes in turn (C first in each), medians of each."""
    with tempfile.TemporaryDirectory() as tmp:
        # every module compiled once, as an installation has it
        subprocess.run([sys.executable, "-c", "import rustconfig_gui.cli, rustconfig_gui.gui.app, "
                        "rustconfig_gui.gui.mainwindow, rustconfig_gui.explain.fix, rustconfig_gui.workspace.presets, "
                        "rustconfig_gui.workspace.diffconfig"], env=_env(Path(tmp)), check=True, timeout=600)
    c_runs: list[float] = []
    # (cold, warm, C measured just before them): the machine's load drifts between measurements
    runs: dict[str, list[tuple[float, float, float]]] = {}
    windows: list[dict[str, object]] = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="rustconfig-openbench-") as tmp:
            work = Path(tmp) / "window"
            c_runs.append(c_defconfig(src, arch, llvm))
            cold = window(src, arch, llvm, work)
            # the caches a previous session left (what the window stores after showing a tree)
            subprocess.run([sys.executable, "-m", "rustconfig_gui", "info", src, "--arch", arch,
                            *(["--llvm"] if llvm else [])], env=_env(work), capture_output=True, timeout=600)
            _wait_for_writers(work)
            warm = window(src, arch, llvm, work)
            runs.setdefault("window", []).append((float(cold["interactive"]), float(warm["interactive"]), c_runs[-1]))
            windows.append({"cold": cold, "warm": warm})
            for label, _ in COMMANDS:
                work = Path(tmp) / label.replace(" ", "-")
                c_runs.append(c_defconfig(src, arch, llvm))
                cold_s = command(label, src, arch, llvm, work)
                _wait_for_writers(work)
                warm_s = command(label, src, arch, llvm, work)
                runs.setdefault(label, []).append((cold_s, warm_s, c_runs[-1]))
    # medians of the times, and of each time's ratio to the C run just before it
    rows = {label: (statistics.median(r[0] for r in rs), statistics.median(r[1] for r in rs),
                    statistics.median(r[0] / r[2] for r in rs), statistics.median(r[1] / r[2] for r in rs))
            for label, rs in runs.items()}
    return {"c": statistics.median(c_runs), "c_runs": c_runs, "rows": rows, "runs": runs,
            "extra": {"window": windows[-1]}, "repeat": repeat}


def print_table(results: list[tuple[str, dict[str, object]]]) -> None:
    print("\nwhole process, one run each, against the tree's own make defconfig (conf built) of the same run:")
    for name, r in results:
        c = float(r["c"])  # type: ignore[arg-type]
        all_c: list[float] = r["c_runs"]  # type: ignore[assignment]
        c_runs = ", ".join(f"{x:.2f}" for x in all_c)
        print(f"\n{name}: C make defconfig {c:.2f}s (median of {len(all_c)}: {c_runs})")
        print(f"  {'what':<16} {'cold':>6} {'cold/C':>6} {'goal':>5}   {'warm':>6} {'warm/C':>6} {'goal':>5}")
        rows: dict[str, tuple[float, float, float, float]] = r["rows"]  # type: ignore[assignment]
        for label, (cold, warm, cold_c, warm_c) in rows.items():
            wg = WARM_GOAL.get(label)
            cold_mark = " " if cold_c <= COLD_GOAL else "!"
            warm_mark = " " if wg is None or warm_c <= wg else "!"
            print(f"  {label:<16} {cold:>5.2f}s {cold_c:>6.2f} {COLD_GOAL:>5.2f}{cold_mark}  {warm:>5.2f}s "
                  f"{warm_c:>6.2f} {(f'{wg:.2f}' if wg else '-'):>5}{warm_mark}")
        passes = r["runs"]["window"]  # type: ignore[index]
        print("  window, each pass (cold/warm, C just before): "
              + ", ".join(f"{a:.2f}/{b:.2f}s ({x:.2f}s)" for a, b, x in passes))
        win = r["extra"]["window"]  # type: ignore[index]
        warm_w = win["warm"]
        if "checked" in warm_w:
            print(f"  window, warm (last pass): shown as last loaded; the check behind it ended at "
                  f"{warm_w['checked']:.2f}s")
        elif not warm_w.get("stored_first"):
            print("  window, warm: the stored tree was not shown first (no record)")
        if "reloaded" in warm_w:
            print(f"  window, warm: reloaded after the check: {warm_w['reloaded']}")
    print("\ncold = empty caches; warm = the caches one earlier run left; window = process start to the tree "
          "painted\nand taking input; commands = start to exit (a fresh parse is stored by a child after the "
          "answer);\nmedians of the passes; each ratio is to the C run just before it, then the median of "
          "those;\nbytecode compiled as when installed; '!' = ratio above the goal.\nOne bench run on a shared "
          f"machine: ratios are of the same run, absolute times are noisy. {os.cpu_count()} CPUs.")


def main(argv: list[str] | None = None) -> int:
    import argparse

    from devtools.trees import ensure_tree

    p = argparse.ArgumentParser(prog="python -m devtools.openbench", description=__doc__.split("\n")[0])
    p.add_argument("setups", nargs="*", default=["7.2:x86_64"], metavar="VERSION:ARCH[:llvm]")
    p.add_argument("--repeat", type=int, default=1, help="passes, one after another (medians are shown)")
    args = p.parse_args(argv)
    results = []
    for item in args.setups:
        parts = item.split(":")
        v, arch, llvm = parts[0], parts[1] if len(parts) > 1 else "x86_64", len(parts) > 2 and parts[2] == "llvm"
        name = f"{v} {arch}{' LLVM=1' if llvm else ''}"
        results.append((name, measure(str(ensure_tree(v)), arch, llvm, args.repeat)))
    print_table(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
