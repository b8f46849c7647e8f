"""Parity harness: our engine against the kernel's own C ``conf``, line by line.

Every scenario feeds the same input to both sides and compares the output
after the 4-line header.  Run ``python -m devtools.parity``
for the table; the tests assert it shows 0 differing lines.
"""

from __future__ import annotations

import argparse
import difflib
import functools
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from devtools.cref import Build, CConf, clean_env
from devtools.trees import ensure_distro_config, ensure_tree
from rustconfig_gui.kconfig import configfile
from rustconfig_gui.kconfig.loader import LoadedTree, load_tree
from rustconfig_gui.kconfig.tree import KernelTree

VERSIONS = ("5.10", "6.1", "6.12", "7.2")
# each tree's defconfig, upgraded with olddefconfig on the next
UPGRADES = (("5.10", "6.1"), ("6.1", "6.12"), ("6.12", "7.2"))


@dataclass(frozen=True)
class Setup:
    """One way of loading a tree: version, ARCH and toolchain."""

    version: str
    arch: str
    llvm: bool = False

    @property
    def label(self) -> str:
        return f"{self.version} {self.arch}{' LLVM=1' if self.llvm else ' gcc'}"

    @property
    def debian_arch(self) -> str:
        return {"x86_64": "amd64", "arm64": "arm64"}.get(self.arch, self.arch)


@dataclass
class Result:
    setup: str
    scenario: str
    c_lines: int = 0
    our_lines: int = 0
    differing: int = 0
    sample: list[str] = field(default_factory=list)
    c_seconds: float = 0.0
    our_seconds: float = 0.0
    skipped: str | None = None

    @property
    def ok(self) -> bool:
        return self.skipped is None and self.differing == 0


def compare(c_text: str, our_text: str) -> tuple[int, list[str]]:
    """Differing lines after the header, and the first few of them."""
    a = configfile.strip_header(c_text)
    b = configfile.strip_header(our_text)
    diff = [ln for ln in difflib.unified_diff(a, b, "conf", "rustconfig", n=0, lineterm="")
            if ln[:1] in "+-" and not ln.startswith(("+++", "---"))]
    return len(diff), diff[:12]


def clang_major() -> int | None:
    exe = shutil.which("clang")
    if not exe:
        return None
    out = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout
    m = re.search(r"clang version (\d+)", out)
    return int(m.group(1)) if m else None


def min_llvm(src: str) -> int:
    """The tree's own minimum LLVM major version (scripts/min-tool-version.sh llvm)."""
    out = subprocess.run(["sh", f"{src}/scripts/min-tool-version.sh", "llvm"],
                         capture_output=True, text=True).stdout
    m = re.match(r"(\d+)", out.strip())
    return int(m.group(1)) if m else 0


def llvm_too_old(version: str) -> str | None:
    """Why LLVM=1 cannot load this tree here, or None."""
    major = clang_major()
    need = min_llvm(str(ensure_tree(version)))
    if major is None:
        return "clang is not installed"
    if major < need:
        return f"installed clang {major} is older than the {need} this tree requires for LLVM=1"
    return None


def default_setups(quick: bool = False) -> list[Setup]:
    setups: list[Setup] = []
    for v in VERSIONS:
        setups.append(Setup(v, "x86_64"))
        if quick:
            continue
        setups.append(Setup(v, "x86_64", llvm=True))
        setups.append(Setup(v, "arm64"))
    return setups


class Harness:
    def __init__(self, log: Callable[[str], None] | None = None) -> None:
        self.results: list[Result] = []
        self.log = log or (lambda s: None)
        self._loaded: dict[Setup, LoadedTree] = {}

    # -- helpers -------------------------------------------------------------

    def load(self, setup: Setup) -> LoadedTree:
        lt = self._loaded.get(setup)
        if lt is None:
            src = ensure_tree(setup.version)
            lt = load_tree(KernelTree(src, arch=setup.arch, llvm=setup.llvm), base_env=clean_env())
            self._loaded[setup] = lt
        return lt

    def cconf(self, setup: Setup) -> CConf:
        return CConf(Build(ensure_tree(setup.version), arch=setup.arch, llvm=setup.llvm))

    def record(self, setup: Setup, scenario: str, c_text: str, ours: Callable[[], str],
               c_seconds: float) -> str:
        t0 = time.monotonic()
        our_text = ours()
        our_seconds = time.monotonic() - t0
        n, sample = compare(c_text, our_text)
        r = Result(setup.label, scenario, len(configfile.strip_header(c_text)),
                   len(configfile.strip_header(our_text)), n, sample, c_seconds, our_seconds)
        self.results.append(r)
        self.log(f"{r.setup:<18} {r.scenario:<34} {r.differing} differing")
        return our_text

    def skip(self, setup: Setup, scenario: str, why: str) -> None:
        self.results.append(Result(setup.label, scenario, skipped=why))
        self.log(f"{setup.label:<18} {scenario:<34} skipped: {why}")

    @staticmethod
    def _from_text(lt: LoadedTree, text: str, min_config: bool = False) -> str:
        configfile.read_config_text(lt.ev, text, "input")
        return lt.min_config_text() if min_config else lt.config_text()

    # -- scenarios -------------------------------------------------------------

    def run_setup(self, setup: Setup, distro: bool = True) -> None:
        if setup.llvm:
            why = llvm_too_old(setup.version)
            if why:
                self.skip(setup, "all scenarios", why)
                return
        cc = self.cconf(setup)
        lt = self.load(setup)

        c_def = cc.defconfig()
        self.record(setup, "defconfig", c_def, lambda: (lt.defconfig(), lt.config_text())[1],
                    cc.last_seconds or 0)
        c_min = cc.savedefconfig(c_def)
        self.record(setup, "savedefconfig of defconfig", c_min,
                    lambda: self._from_text(lt, c_def, min_config=True), cc.last_seconds or 0)

        c_mod = cc.allmodconfig()

        def ours_allmod() -> str:
            lt.ev.clear_user()
            lt.all_new("mod")
            return lt.config_text()

        self.record(setup, "allmodconfig", c_mod, ours_allmod, cc.last_seconds or 0)
        c_old = cc.olddefconfig(c_mod)
        self.record(setup, "olddefconfig of allmodconfig", c_old,
                    lambda: self._from_text(lt, c_mod), cc.last_seconds or 0)
        c_min = cc.savedefconfig(c_mod)
        self.record(setup, "savedefconfig of allmodconfig", c_min,
                    lambda: self._from_text(lt, c_mod, min_config=True), cc.last_seconds or 0)

        if distro and not setup.llvm:
            cfg = ensure_distro_config(setup.version, setup.debian_arch).read_text()
            c_old = cc.olddefconfig(cfg)
            self.record(setup, "olddefconfig of Debian config", c_old,
                        lambda: self._from_text(lt, cfg), cc.last_seconds or 0)
            c_min = cc.savedefconfig(cfg)
            self.record(setup, "savedefconfig of Debian config", c_min,
                        lambda: self._from_text(lt, cfg, min_config=True), cc.last_seconds or 0)

    def run_upgrades(self, arch: str = "x86_64") -> None:
        """5.10 defconfig -> olddefconfig on 6.1 -> on 6.12 -> on 7.2."""
        text = self.cconf(Setup(UPGRADES[0][0], arch)).defconfig()
        for prev, v in UPGRADES:
            setup = Setup(v, arch)
            cc = self.cconf(setup)
            lt = self.load(setup)
            c_text = cc.olddefconfig(text)
            src = text
            self.record(setup, f"upgrade {prev} -> {v} (olddefconfig)", c_text,
                        functools.partial(self._from_text, lt, src), cc.last_seconds or 0)
            text = c_text

    def run_new_options(self, arch: str = "x86_64") -> None:
        """Debian's older config on the next tree: make listnewconfig / helpnewconfig,
        and (where conf has it) the values it reports with KCONFIG_WARN_CHANGED_INPUT=1."""
        from rustconfig_gui.kconfig import newoptions

        for prev, v in (("6.1", "6.12"), ("6.12", "7.2")):
            setup = Setup(v, arch)
            cc = self.cconf(setup)
            lt = self.load(setup)
            text = ensure_distro_config(prev, setup.debian_arch).read_text()
            for target, ours in (("listnewconfig", newoptions.listnewconfig_text),
                                 ("helpnewconfig", newoptions.helpnewconfig_text)):
                out, _, _ = cc.output(target, text)

                def run(ours=ours, lt=lt, text=text) -> str:
                    configfile.read_config_text(lt.ev, text, "input")
                    return ours(lt.ev)
                self.record(setup, f"{target} of Debian {prev}", out, run, cc.last_seconds or 0)
            if "KCONFIG_WARN_CHANGED_INPUT" not in (lt.tree.source / "scripts/kconfig/confdata.c").read_text():
                continue  # older conf has no such report
            _, err, _ = cc.output("olddefconfig", text, {"KCONFIG_WARN_CHANGED_INPUT": "1"})
            head = "warning: user-provided values changed by Kconfig:\n"
            c_block = "".join(ln for ln in err[err.find(head):].splitlines(True)
                              if ln == head or ln.startswith("  CONFIG_")) if head in err else ""

            def changed(lt=lt, text=text) -> str:
                configfile.read_config_text(lt.ev, text, "input")
                return newoptions.changed_input_text(lt.ev)
            self.record(setup, f"changed input of Debian {prev}", c_block, changed, cc.last_seconds or 0)

    def run(self, setups: Iterable[Setup], upgrades: bool = True, distro: bool = True) -> list[Result]:
        for s in setups:
            self.run_setup(s, distro=distro)
        if upgrades:
            self.run_upgrades()
            self.run_new_options()
        return self.results


def table(results: list[Result]) -> str:
    rows = [("setup", "scenario", "C lines", "our lines", "differing", "C s", "ours s")]
    for r in results:
        if r.skipped:
            rows.append((r.setup, r.scenario, "-", "-", "skipped", "-", r.skipped))
        else:
            rows.append((r.setup, r.scenario, str(r.c_lines), str(r.our_lines), str(r.differing),
                         f"{r.c_seconds:.2f}", f"{r.our_seconds:.2f}"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = []
    for i, row in enumerate(rows):
        cells = [row[j].ljust(widths[j]) for j in range(len(widths))] + [row[-1]]
        lines.append("  ".join(cells).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 6)
    total = sum(r.differing for r in results if not r.skipped)
    ran = sum(1 for r in results if not r.skipped)
    lines.append(f"\n{ran} scenarios compared, {total} differing lines in total")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m devtools.parity",
                                description="Compare rustconfig with the kernel's C conf on real trees.")
    p.add_argument("--quick", action="store_true", help="x86_64 gcc only")
    p.add_argument("--no-upgrades", action="store_true")
    p.add_argument("--no-distro", action="store_true")
    p.add_argument("--versions", nargs="*", default=list(VERSIONS))
    args = p.parse_args(argv)
    h = Harness(log=lambda s: print(s, file=sys.stderr, flush=True))
    setups = [s for s in default_setups(args.quick) if s.version in args.versions]
    upgrades = not args.no_upgrades and set(VERSIONS) <= set(args.versions)
    h.run(setups, upgrades=upgrades, distro=not args.no_distro)
    print(table(h.results))
    for r in h.results:
        if r.differing:
            print(f"\n{r.setup} / {r.scenario}: first differing lines")
            print("\n".join("  " + s for s in r.sample))
    return 0 if all(r.ok or r.skipped for r in h.results) else 1


if __name__ == "__main__":
    sys.exit(main())
