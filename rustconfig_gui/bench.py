"""Load-time and memory benchmark against the kernel's own conf and kconfiglib.

``python -m rustconfig_gui.bench [--versions 6.12 7.2] [--llvm] [--repeat N]``

For each tree, in one run on this machine, each measurement in a fresh
process (so peak RSS is that measurement's own):

* C ``make defconfig`` wall time (the tree's conf, already built);
* kconfiglib's own evaluation: our parse (kconfiglib 14.1.0 cannot parse these
  trees unaided) followed by kconfiglib's ``load_config``/``write_config``;
* our load (make's environment + parse + probes) plus defconfig evaluation;
* peak RSS of each, and the ratios to C.

Nothing here is asserted in tests; the numbers depend on the machine.
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

from .devtools.cref import Build, CConf, clean_env
from .devtools.trees import ensure_tree

_CHILD = r"""
import json, resource, sys, time, tempfile, os
mode, src, arch, llvm = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
t0 = time.monotonic()
from rustconfig_gui.core.loader import load_tree
from rustconfig_gui.core.tree import KernelTree
lt = load_tree(KernelTree(src, arch=arch, llvm=llvm))
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


def _c_defconfig(src: str, arch: str, llvm: bool) -> tuple[float, float]:
    cc = CConf(Build(Path(src), arch=arch, llvm=llvm))
    cc.defconfig()  # builds conf once
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.monotonic()
    cc.defconfig()
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, max(before, after) / 1024


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m rustconfig_gui.bench", description=__doc__.split("\n")[0])
    p.add_argument("--versions", nargs="*", default=["6.1", "6.12", "7.2"])
    p.add_argument("--arch", default="x86_64")
    p.add_argument("--llvm", action="store_true")
    p.add_argument("--repeat", type=int, default=3, help="runs per measurement (median is shown)")
    args = p.parse_args(argv)
    rows = []
    for v in args.versions:
        src = str(ensure_tree(v))
        c_runs = [_c_defconfig(src, args.arch, args.llvm) for _ in range(args.repeat)]
        k_runs = [_child("kconfiglib", src, args.arch, args.llvm) for _ in range(args.repeat)]
        o_runs = [_child("ours", src, args.arch, args.llvm) for _ in range(args.repeat)]
        c = statistics.median(r[0] for r in c_runs)
        k = statistics.median(r["total"] for r in k_runs)
        o = statistics.median(r["total"] for r in o_runs)
        rows.append((f"{v} {args.arch}{' LLVM=1' if args.llvm else ''}", c, k, o,
                     statistics.median(r["probes"] for r in o_runs),
                     max(r["rss_mb"] for r in o_runs), int(o_runs[0]["calls"])))
        print(f"measured {v}", file=sys.stderr, flush=True)
    print(f"{'tree':<16} {'C defconfig':>11} {'kconfiglib':>10} {'ours':>7} {'ours/C':>7} "
          f"{'kconfiglib/C':>12} {'probes':>7} {'calls':>5} {'peak RSS':>9}")
    for name, c, k, o, probes, rss, calls in rows:
        print(f"{name:<16} {c:>10.2f}s {k:>9.2f}s {o:>6.2f}s {o / c:>7.2f} {k / c:>12.2f} "
              f"{probes:>6.2f}s {calls:>5} {rss:>6.0f} MB")
    print(f"\nmedian of {args.repeat} runs each; 'ours' = make environment + parse + probes + defconfig;"
          f" machine: {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
