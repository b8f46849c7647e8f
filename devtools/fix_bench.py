"""Benchmark of the "make it available" planner on every Rust-related symbol.

For Linux 6.12 and 7.2 (x86_64), each starting from x86_64_defconfig and from
Debian's distribution config, with a stand-in Rust toolchain that the tree's
own ``make rustavailable`` accepts, every Rust-related symbol is planned:
bool/tristate symbols towards y (towards n when they are y already), the
others towards "visible".  Each answer must be a verified plan, "already so",
or a stated reason why nothing reaches the target.

    python devtools/fix_bench.py [--versions 6.12 7.2] [--verbose]

Prints, per setup: how many targets got a verified plan (config only / with
outside steps), were already so, or have none (with the reason), the median
and worst planning time per target, and the median plan size.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from kconfiglib import BOOL, TRISTATE

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from fakes import fake_toolchain  # noqa: E402

from devtools.cref import clean_env  # noqa: E402
from devtools.trees import ensure_distro_config, ensure_tree  # noqa: E402
from rustconfig_gui.explain import fix  # noqa: E402
from rustconfig_gui.explain.rustclass import rust_symbols  # noqa: E402
from rustconfig_gui.kconfig.loader import LoadedTree, load_tree  # noqa: E402
from rustconfig_gui.kconfig.tree import KernelTree  # noqa: E402

GOAL_SECONDS = 2.0


@dataclass
class Row:
    setup: str
    targets: int = 0
    config_plans: int = 0
    outside_plans: int = 0
    already: int = 0
    none: int = 0
    unanswered: list[str] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    worst: str = ""
    reasons: dict[str, str] = field(default_factory=dict)


def want_for(lt: LoadedTree, sym) -> str:
    if sym.orig_type in (BOOL, TRISTATE):
        return "n" if lt.ev.str_value(sym) == "y" else "y"
    return "visible"


def run_setup(lt: LoadedTree, label: str, verbose: bool) -> Row:
    row = Row(label)
    for sym in rust_symbols(lt):
        target = fix.make_target(lt, sym, want_for(lt, sym))
        t0 = time.perf_counter()
        res = fix.plan_fix(lt, target)
        dt = time.perf_counter() - t0
        row.targets += 1
        row.times.append(dt)
        if dt >= max(row.times):
            row.worst = target.label
        here = [p for p in res.plans if p.verified and not p.other_tree]
        if res.already:
            row.already += 1
            kind = "already"
        elif here:
            first = here[0]
            row.sizes.append(first.size)
            if first.outside_steps:
                row.outside_plans += 1
                kind = "plan (outside steps)"
            else:
                row.config_plans += 1
                kind = "plan"
        elif res.why_not:
            row.none += 1
            row.reasons[target.label] = res.why_not
            kind = "none"
        else:
            row.unanswered.append(target.label)
            kind = "UNANSWERED"
        if verbose:
            detail = here[0].headline() if here else res.why_not
            print(f"  {label:<22} {target.label:<44} {dt * 1000:7.0f} ms  {kind}: {detail}", flush=True)
    return row


def table(rows: list[Row]) -> str:
    head = ("| setup | targets | verified plan (config) | verified plan (outside steps) | already | "
            "none, with reason | unanswered | median ms | worst ms | worst target | median plan size |")
    out = [head, "|" + "---|" * 11]
    for r in rows:
        med = statistics.median(r.times) * 1000 if r.times else 0
        worst = max(r.times) * 1000 if r.times else 0
        size = statistics.median(r.sizes) if r.sizes else 0
        out.append(f"| {r.setup} | {r.targets} | {r.config_plans} | {r.outside_plans} | {r.already} | {r.none} | "
                   f"{len(r.unanswered)} | {med:.0f} | {worst:.0f} | {r.worst} | {size:g} |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--versions", nargs="+", default=["6.12", "7.2"])
    ap.add_argument("--verbose", action="store_true", help="one line per target")
    ap.add_argument("--reasons", action="store_true", help="list the reasons given when no plan exists")
    args = ap.parse_args(argv)
    env = clean_env()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="fix-bench-") as tmp:
        tools = fake_toolchain(Path(tmp) / "rust")
        for version in args.versions:
            src = ensure_tree(version)
            lt = load_tree(KernelTree(src, arch="x86_64", make_vars=tools.make_vars), base_env=env)
            for name, read in (("x86_64_defconfig", lambda lt=lt: lt.defconfig()),
                               ("distro config", lambda lt=lt, v=version: lt.read_config(ensure_distro_config(v)))):
                read()
                rows.append(run_setup(lt, f"{version} {name}", args.verbose))
    print()
    print(table(rows))
    print()
    times = [t for r in rows for t in r.times]
    print(f"{len(times)} targets; worst {max(times):.2f} s (goal < {GOAL_SECONDS:g} s), "
          f"median {statistics.median(times) * 1000:.0f} ms")
    if args.reasons:
        for r in rows:
            for label, reason in r.reasons.items():
                print(f"  {r.setup}: {label}: {reason}")
    bad = [f"{r.setup}: {t}" for r in rows for t in r.unanswered]
    for b in bad:
        print(f"unanswered: {b}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
