"""Load-time, latency and memory benchmark against the kernel's own conf and kconfiglib.

``python -m devtools.bench [VERSION:ARCH[:llvm] …] [--repeat N]``

For each tree, in one run on this machine, each measurement in a fresh
process (so peak RSS is that measurement's own):

1. C ``make defconfig`` wall time (the tree's conf, already built);
   kconfiglib's own evaluation: our parse (kconfiglib 14.1.0 cannot parse
   these trees unaided) with probes run one after another as kconfiglib runs
   them, followed by kconfiglib's ``load_config``/``write_config``;
   our load (make's environment + parse + probes) plus defconfig evaluation;
   peak RSS of each, and the ratios to C.  Loads run as the window's loading
   job runs them: with the cyclic collector paused, the tree then exempted
   from it (``kconfig/memory.py``).
2. With the probe and parse caches in a fresh folder: cold load, warm load,
   reload after RUSTC's mtime changed, reload after RUSTC printed another
   version; search and toggle latency in the core.
3. The real window offscreen (``devtools/stallbench.py``): the longest GUI-thread
   stall in each step a user takes, search latency, peak RSS with the window up.
4. Whole processes (``devtools/openbench.py``): the window from process start
   to the tree on screen taking input, and every ``rustconfig`` command that
   loads a tree, cold and warm, as ratios to the C ``make defconfig`` of the
   same run.

Setups whose toolchain is too old here (LLVM=1 on 7.2 with clang 14) are
listed as not measured, with the reason.  Nothing here is asserted in tests;
the numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from devtools import openbench
from devtools.cref import Build, CConf, clean_env
from devtools.parity import llvm_too_old
from devtools.trees import ensure_tree

_CACHED_CHILD = r"""
import atexit, gc, json, os, resource, shutil, sys, tempfile, time
src, arch, llvm = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
from rustconfig_gui.kconfig.loader import load_tree, store_parse
from rustconfig_gui.kconfig.memory import collector_paused, exempt_long_lived
from rustconfig_gui.kconfig.parsecache import ParseCache
from rustconfig_gui.kconfig.shell.cache import ProbeCache
from rustconfig_gui.workspace.search import SearchIndex
from rustconfig_gui.kconfig.tree import KernelTree
work = tempfile.mkdtemp(prefix="rustconfig-bench-")
atexit.register(shutil.rmtree, work, ignore_errors=True)
# a RUSTC of our own, so a toolchain change can be simulated by touching it
rustc = os.path.join(work, "rustc")
with open(rustc, "w") as f:
    f.write("#!/bin/sh\nexec /usr/bin/rustc \"$@\"\n")
os.chmod(rustc, 0o755)
tree = KernelTree(src, arch=arch, llvm=llvm, make_vars=(("RUSTC", rustc),))
root = os.path.join(work, "probes")
parses = os.path.join(work, "parses")
def timed():
    # as the window's loading job does it (gui/workers.py): the collector paused for the
    # whole job and the new tree exempted from it, so the first collection after the
    # load does not walk its ~1M objects (~80 ms that the window never pays)
    t0 = time.monotonic()
    with collector_paused():
        lt = load_tree(tree, probe_cache=ProbeCache(root), parse_cache=ParseCache(parses))
        exempt_long_lived()
    took = time.monotonic() - t0
    gc.unfreeze()  # this process loads again: earlier trees must be collectable
    return lt, took
lt, cold = timed()
store_parse(lt, ParseCache(parses))  # the window does this in a worker after showing the tree
lt, warm = timed()
assert lt.timings.parse_cached
st = os.stat(rustc)
os.utime(rustc, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
lt, reload = timed()
assert lt.timings.parse_cached
rerun = sum(1 for c in lt.trace.calls if not c.cached)
# another rustc version: what it prints reaches only default values (bound again on the
# stored parse, kconfig/rewrite.py LateValue) and make's RUSTC_VERSION_TEXT
with open(rustc, "w") as f:
    f.write("#!/bin/sh\ncase \"$*\" in --version) echo 'rustc 1.99.0 (bench 2026-01-01)';; "
            "*) exec /usr/bin/rustc \"$@\";; esac\n")
os.utime(rustc, ns=(st.st_atime_ns, st.st_mtime_ns + 10_000_000_000))
changed_lt, changed = timed()
changed_reparsed = not changed_lt.timings.parse_cached
del changed_lt
# as the window does after a load (kconfig/memory.py): earlier trees gone, this one
# out of the cyclic collector's sight, so a full collection does not land in a search
gc.collect()
gc.freeze()
lt.defconfig()
t0 = time.monotonic()
index = SearchIndex(lt.kconf)
index_build = time.monotonic() - t0
search = []
for q in ("r", "ru", "rus", "rust", "rust s", "rust su", "net", "usb stor", "x"):
    t0 = time.monotonic()
    index.search(q)
    search.append(time.monotonic() - t0)
ev = lt.ev
toggles = []
for name in ("NET", "USB", "MODULES", "SOUND", "BLOCK", "PCI", "EXT4_FS", "IPV6", "DEBUG_FS"):
    sym = lt.sym(name)
    if sym is None or len(ev.assignable(sym)) < 2:
        continue
    old = ev.tri(sym)
    for v in (0 if old else 2, old):
        t0 = time.monotonic()
        ev.set_value(sym, v)  # forgets what depends on sym
        # what a view does next: recompute the rows it shows (top level)
        for node in lt.kconf.top_node.list and [lt.kconf.top_node.list] or []:
            n = node
            while n is not None:
                ev.menu_is_visible(n)
                if hasattr(n.item, "name"):
                    ev.tri(n.item) if n.item.orig_type in (1, 2) else None
                n = n.next
        toggles.append(time.monotonic() - t0)
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"cold": cold, "warm": warm, "reload": reload, "rerun": rerun, "changed": changed,
                  "changed_reparsed": changed_reparsed,
                  "search_max": max(search), "index_build": index_build,
                  "toggle_max": max(toggles) if toggles else 0.0, "rss_mb": rss}))
"""

_CHILD = r"""
import json, resource, sys, time, tempfile, os
mode, src, arch, llvm = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
t0 = time.monotonic()
from rustconfig_gui.kconfig.loader import load_tree
from rustconfig_gui.kconfig.memory import collector_paused, exempt_long_lived
from rustconfig_gui.kconfig.tree import KernelTree
# as the window's loading job (gui/workers.py): the collector paused, then the tree exempted
with collector_paused():
    # kconfiglib runs each probe when its parser meets it, as conf does: no lookahead
    lt = load_tree(KernelTree(src, arch=arch, llvm=llvm), lookahead=mode == "ours")
    exempt_long_lived()
t_load = time.monotonic() - t0
if mode == "ours":
    lt.defconfig()
    lt.config_text()
else:
    # kconfiglib's own evaluation of the same parse
    kconf = lt.kconf
    kconf.load_config(str(lt.defconfig_path()))
    fd, tmp = tempfile.mkstemp()
    os.close(fd)
    kconf.write_config(tmp)
    os.unlink(tmp)
total = time.monotonic() - t0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"load": t_load, "total": total, "rss_mb": rss, "probes": lt.trace.seconds,
                  "calls": len(lt.trace.calls)}))
"""


def _child(mode: str, src: str, arch: str, llvm: bool) -> dict[str, float]:
    env = clean_env()
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    out = subprocess.run([sys.executable, "-c", _CHILD, mode, src, arch, "1" if llvm else "0"],
                         capture_output=True, text=True, env=env, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def _cached_child(src: str, arch: str, llvm: bool) -> dict[str, float]:
    env = clean_env()
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    out = subprocess.run([sys.executable, "-c", _CACHED_CHILD, src, arch, "1" if llvm else "0"],
                         capture_output=True, text=True, env=env, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def _c_defconfig(src: str, arch: str, llvm: bool) -> tuple[float, float]:
    cc = CConf(Build(Path(src), arch=arch, llvm=llvm))
    cc.defconfig()  # builds conf once
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.monotonic()
    cc.defconfig()
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, max(before, after) / 1024


def _gui_child(src: str, arch: str, llvm: bool) -> dict:
    env = clean_env()
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    env["QT_QPA_PLATFORM"] = "offscreen"
    out = subprocess.run([sys.executable, "-m", "devtools.stallbench", src, arch,
                          "1" if llvm else "0"], capture_output=True, text=True, env=env, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def _setups(spec: list[str]) -> list[tuple[str, str, bool]]:
    """"7.2:x86_64:llvm" -> ("7.2", "x86_64", True)."""
    out = []
    for item in spec:
        parts = item.split(":")
        out.append((parts[0], parts[1] if len(parts) > 1 else "x86_64", len(parts) > 2 and parts[2] == "llvm"))
    return out


DEFAULT_SETUPS = ["6.12:x86_64", "6.12:x86_64:llvm", "7.2:x86_64", "7.2:x86_64:llvm", "7.2:arm64"]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m devtools.bench", description=__doc__.split("\n")[0])
    p.add_argument("setups", nargs="*", default=DEFAULT_SETUPS, metavar="VERSION:ARCH[:llvm]",
                   help=f"trees to measure (default: {' '.join(DEFAULT_SETUPS)})")
    p.add_argument("--repeat", type=int, default=3, help="runs per measurement (median is shown)")
    p.add_argument("--no-cache-table", action="store_true", help="skip the cache measurements")
    p.add_argument("--no-gui-table", action="store_true", help="skip the window measurements")
    p.add_argument("--no-open-table", action="store_true", help="skip the whole-process measurements")
    args = p.parse_args(argv)
    rows = []
    cache_rows = []
    gui_rows = []
    open_rows = []
    skipped = []
    for v, arch, llvm in _setups(args.setups):
        name = f"{v} {arch}{' LLVM=1' if llvm else ''}"
        if llvm:
            why = llvm_too_old(v)
            if why:
                skipped.append(f"{name}: {why}")
                continue
        src = str(ensure_tree(v))
        c_runs = [_c_defconfig(src, arch, llvm) for _ in range(args.repeat)]
        k_runs = [_child("kconfiglib", src, arch, llvm) for _ in range(args.repeat)]
        o_runs = [_child("ours", src, arch, llvm) for _ in range(args.repeat)]
        c = statistics.median(r[0] for r in c_runs)
        k = statistics.median(r["total"] for r in k_runs)
        o = statistics.median(r["total"] for r in o_runs)
        rows.append((name, c, k, o, statistics.median(r["probes"] for r in o_runs),
                     max(r["rss_mb"] for r in o_runs), int(o_runs[0]["calls"])))
        if not args.no_cache_table:
            cache_rows.append((name, c, _cached_child(src, arch, llvm)))
        if not args.no_gui_table:
            gui_rows.append((name, _gui_child(src, arch, llvm)))
        if not args.no_open_table:
            open_rows.append((name, openbench.measure(src, arch, llvm, args.repeat)))
        print(f"measured {name}", file=sys.stderr, flush=True)
    print(f"{'tree':<18} {'C defconfig':>11} {'kconfiglib':>10} {'ours':>7} {'ours/C':>7} "
          f"{'kconfiglib/C':>12} {'probes':>7} {'calls':>5} {'peak RSS':>9}")
    for name, c, k, o, probes, rss, calls in rows:
        print(f"{name:<18} {c:>10.2f}s {k:>9.2f}s {o:>6.2f}s {o / c:>7.2f} {k / c:>12.2f} "
              f"{probes:>6.2f}s {calls:>5} {rss:>6.0f} MB")
    for line in skipped:
        print(f"not measured: {line}")
    print(f"\nmedian of {args.repeat} runs each; 'ours' = make environment + parse + probes + defconfig;"
          f" 'probes' = the sum of each probe's own time\n(some run side by side); machine: "
          f"{os.cpu_count()} CPUs")
    if cache_rows:
        print(f"\n{'tree':<18} {'cold':>6} {'cold/C':>6} {'warm':>6} {'warm/C':>6} {'touched':>7} {'rerun':>5} "
              f"{'new rustc':>9} {'search':>7} {'toggle':>7} {'RSS':>7}")
        for name, c, r in cache_rows:
            print(f"{name:<18} {r['cold']:>5.2f}s {r['cold'] / c:>6.2f} {r['warm']:>5.2f}s {r['warm'] / c:>6.2f} "
                  f"{r['reload']:>6.2f}s {int(r['rerun']):>5} {r['changed']:>8.2f}s"
                  f"{'*' if r['changed_reparsed'] else ' '}"
                  f"{r['search_max'] * 1000:>5.1f}ms {r['toggle_max'] * 1000:>5.1f}ms {r['rss_mb']:>4.0f} MB")
        print("one run each, caches in a fresh folder: cold = empty caches (load only); warm = probe "
              "results and parse\nreused; touched = reload after RUSTC's mtime changed ('rerun' probes "
              "ran again, same output);\nnew rustc = reload after RUSTC started printing another "
              "version (* = the stored parse could not be used);\nsearch/toggle = worst case in the core")
    if gui_rows:
        phases = list(gui_rows[0][1]["stall_ms"])
        print("\nlongest GUI-thread stall (ms) per step in the real window (offscreen, 5 ms timer):")
        print(f"{'step':<28}" + "".join(f" {name:>18}" for name, _ in gui_rows))
        for ph in phases:
            print(f"{ph:<28}" + "".join(f" {r['stall_ms'].get(ph, 0.0):>16.0f}ms" for _, r in gui_rows))
        print(f"{'search, slowest query':<28}" + "".join(f" {r['search_ms']:>16.0f}ms" for _, r in gui_rows))
        print(f"{'edit → rows on screen':<28}" + "".join(f" {r['toggle_ms']:>16.0f}ms" for _, r in gui_rows))
        print(f"{'edit → every open menu':<28}" + "".join(f" {r['toggle_all_ms']:>16.0f}ms" for _, r in gui_rows))
        print(f"{'peak RSS, window up':<28}" + "".join(f" {r['rss_mb']:>16.0f}MB" for _, r in gui_rows))
    if open_rows:
        openbench.print_table(open_rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
