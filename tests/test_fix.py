"""The "make it available" planner on real kernel trees.

Debian's linux-source trees, their own make and scripts, the kernel's own C
``conf`` as the referee, and stand-in rustc/bindgen/pahole scripts (passed
as make variables) that the trees' own ``make rustavailable`` accepts or
refuses.  Where a plan assumes an outside step (a working toolchain, a newer
pahole, LLVM=1, another ARCH), the tree is loaded again with that step done
and the plan's configuration part is applied there for real.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from fakes import Toolchain, fake_toolchain, write_script
from kconfiglib import BOOL, TRISTATE

from devtools.cref import Build, CConf
from devtools.trees import ensure_distro_config
from rustconfig_gui import cli
from rustconfig_gui.explain import fix
from rustconfig_gui.explain.rustclass import is_rust_related, rust_symbols
from rustconfig_gui.kconfig import configfile
from rustconfig_gui.kconfig.loader import LoadedTree, load_tree
from rustconfig_gui.kconfig.tree import KernelTree
from rustconfig_gui.toolchain.doctor import run_doctor
from rustconfig_gui.toolchain.rustavailable import ProbeRequest, run_probe

pytestmark = pytest.mark.slow

DEBIAN_RUSTC = "/usr/bin/rustc"      # 1.63
DEBIAN_BINDGEN = "/usr/bin/bindgen"  # 0.60.1: too old for 6.12 (0.65.1)


# -- helpers ----------------------------------------------------------------------------------------


def rustavailable(src: Path, odir: Path, env: dict[str, str], make_vars: tuple[tuple[str, str], ...],
                  arch: str = "x86_64") -> subprocess.CompletedProcess[str]:
    return subprocess.run(["make", "-s", "-C", str(src), f"O={odir}", f"ARCH={arch}",
                           *[f"{k}={v}" for k, v in make_vars], "rustavailable"],
                          capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=120)


def load(src: Path, env: dict[str, str], make_vars: tuple[tuple[str, str], ...] = (), arch: str = "x86_64",
         llvm: bool = False) -> LoadedTree:
    return load_tree(KernelTree(src, arch=arch, llvm=llvm, make_vars=make_vars), base_env=env)


def steps_of(plan: fix.Plan) -> list[tuple[str, str | None, str | None]]:
    return [(s.kind, s.symbol, s.value) for s in plan.steps]


def values(lt: LoadedTree) -> dict[str, str]:
    return {s.name: lt.ev.str_value(s) for s in lt.kconf.unique_defined_syms}


def check_plan_applies(lt: LoadedTree, target: fix.Target, plan: fix.Plan) -> None:
    """Applied for real (not by the planner's replay), the plan reaches the target, and the
    side effects it lists are exactly the other values that change."""
    state = lt.ev.snapshot()
    before = values(lt)
    try:
        report = fix.apply_plan(lt, plan, target)
        assert not report.pending and report.reached, (target.label, steps_of(plan))
        after = values(lt)
        stepped = {s.symbol for s in plan.steps}
        goal = target.member() or target.item
        stepped.add(getattr(goal, "name", None))
        changed = {n for n in after if after[n] != before[n]} - stepped
        assert {c.symbol for c in plan.side_effects} == changed
        for c in plan.side_effects:
            assert (c.before, c.after) == (before[c.symbol], after[c.symbol])
            assert c.rust == is_rust_related(lt, lt.sym(c.symbol))
    finally:
        lt.ev.restore(state)


def c_conf_agrees(cconf: CConf, text: str) -> str:
    """The kernel's own olddefconfig leaves our file as it is; returns its output."""
    out = cconf.olddefconfig(text)
    assert configfile.strip_header(out) == configfile.strip_header(text)
    return out


# -- trees ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def toolchain(tmp_path_factory: pytest.TempPathFactory, tree_612: Path, tree_72: Path,
              make_env: dict[str, str]) -> Toolchain:
    """Stand-in rustc and bindgen, once both trees' own make has accepted them."""
    tools = fake_toolchain(tmp_path_factory.mktemp("rust-tools"))
    for src in (tree_612, tree_72):
        out = rustavailable(src, tmp_path_factory.mktemp("o"), make_env, tools.make_vars)
        assert out.returncode == 0 and "Rust is available!" in out.stdout + out.stderr, out.stdout + out.stderr
    return tools


@pytest.fixture(scope="module")
def lt612(tree_612: Path, make_env, toolchain: Toolchain) -> LoadedTree:
    return load(tree_612, make_env, toolchain.make_vars)


@pytest.fixture(scope="module")
def lt72(tree_72: Path, make_env, toolchain: Toolchain) -> LoadedTree:
    return load(tree_72, make_env, toolchain.make_vars)


@pytest.fixture(scope="module")
def cconf612(tree_612: Path, toolchain: Toolchain, tmp_path_factory: pytest.TempPathFactory) -> CConf:
    return CConf(Build(tree_612, arch="x86_64", make_vars=toolchain.make_vars),
                 workdir=tmp_path_factory.mktemp("cconf-612"))


@pytest.fixture(scope="module")
def cconf72(tree_72: Path, toolchain: Toolchain, tmp_path_factory: pytest.TempPathFactory) -> CConf:
    return CConf(Build(tree_72, arch="x86_64", make_vars=toolchain.make_vars),
                 workdir=tmp_path_factory.mktemp("cconf-72"))


# -- the bars of the issue --------------------------------------------------------------------------------


def test_612_distro_config_plan_is_modversions_off(lt612: LoadedTree, cconf612: CConf):
    lt = lt612
    lt.read_config(ensure_distro_config("6.12"))
    rust = lt.sym("RUST")
    assert lt.ev.str_value(rust) == "n" and lt.ev.str_value(lt.sym("MODVERSIONS")) == "y"
    assert lt.ev.str_value(lt.sym("RUST_IS_AVAILABLE")) == "y"
    text_before = lt.config_text()
    res = fix.plan_fix(lt, rust, "y")
    # planning changed nothing
    assert lt.config_text() == text_before and lt.ev.assumed == {}
    assert not res.already and res.possible_here and not res.why_not
    first = res.plans[0]
    assert steps_of(first) == [("set", "MODVERSIONS", "n"), ("set", "RUST", "y")]
    assert first.verified and not first.outside_steps and first.result == "y"
    assert first.steps[0].before == "y" and first.steps[0].because.startswith("depends on !MODVERSIONS")
    assert "verified" in first.note
    # what turning MODVERSIONS off entails
    effects = {c.symbol: (c.before, c.after, c.rust) for c in first.side_effects}
    assert effects["ASM_MODVERSIONS"] == ("y", "n", False)
    assert any(rust_flag for *_, rust_flag in effects.values())
    target = fix.make_target(lt, rust, "y")
    check_plan_applies(lt, target, first)
    # applied and written, the kernel's own conf agrees with the file
    state = lt.ev.snapshot()
    try:
        report = fix.apply_plan(lt, first, target)
        assert report.reached and [s.symbol for s in report.applied] == ["MODVERSIONS", "RUST"]
        text = lt.config_text()
    finally:
        lt.ev.restore(state)
    assert "CONFIG_RUST=y\n" in text and "# CONFIG_MODVERSIONS is not set\n" in text
    out = c_conf_agrees(cconf612, text)
    assert "CONFIG_RUST=y\n" in out


def test_72_two_plans_modversions_off_or_gendwarfksyms(lt72: LoadedTree, cconf72: CConf):
    lt = lt72
    # Debian's 6.12 configuration on 7.2, where RUST allows !MODVERSIONS || GENDWARFKSYMS
    lt.read_config(ensure_distro_config("6.12"))
    assert lt.ev.str_value(lt.sym("MODVERSIONS")) == "y" and lt.ev.str_value(lt.sym("GENDWARFKSYMS")) == "n"
    target = fix.make_target(lt, lt.sym("RUST"), "y")
    res = fix.plan_fix(lt, target)
    assert [steps_of(p) for p in res.plans[:2]] == [
        [("set", "MODVERSIONS", "n"), ("set", "RUST", "y")],
        [("choose", "GENDWARFKSYMS", "y"), ("set", "RUST", "y")],
    ]
    for plan in res.plans[:2]:
        assert plan.verified and not plan.outside_steps
        check_plan_applies(lt, target, plan)
        state = lt.ev.snapshot()
        try:
            fix.apply_plan(lt, plan, target)
            text = lt.config_text()
        finally:
            lt.ev.restore(state)
        assert "CONFIG_RUST=y\n" in text
        c_conf_agrees(cconf72, text)
    second = {c.symbol: c.after for c in res.plans[1].side_effects}
    assert second["GENKSYMS"] == "n" and "MODVERSIONS" not in second


def test_failing_probe_puts_the_probes_fix_first(tree_612: Path, make_env, toolchain: Toolchain,
                                                   lt612: LoadedTree):
    bad_vars = (("RUSTC", str(toolchain.rustc)), ("BINDGEN", DEBIAN_BINDGEN))
    tree = KernelTree(tree_612, arch="x86_64", make_vars=bad_vars)
    lt = load_tree(tree, base_env=make_env)
    lt.read_config(ensure_distro_config("6.12"))
    assert lt.ev.str_value(lt.sym("RUST_IS_AVAILABLE")) == "n"
    probe = run_probe(ProbeRequest(tree, base_env=make_env))
    assert not probe.available
    finding = next(f for f in probe.findings if f.severity == "error")
    assert finding.kind == "bindgen-too-old"

    res = fix.plan_fix(lt, lt.sym("RUST"), "y", probe=probe)
    plan = res.plans[0]
    first = plan.steps[0]
    assert first.kind == "toolchain" and first.outside and finding.message in first.text
    commands = [c.command for c in first.commands]
    assert [r.command for r in finding.remedies if r.command] == commands[:-1]
    assert commands[-1].startswith(f"rustconfig probe {tree_612}") and f"BINDGEN={DEBIAN_BINDGEN}" in commands[-1]
    assert steps_of(plan)[1:] == [("set", "MODVERSIONS", "n"), ("set", "RUST", "y")]
    assert plan.verified and plan.assumes == {"RUST_IS_AVAILABLE": "y"} and "assuming" in plan.note
    assert res.possible_here

    # without a probe run, the step says how to run one
    plain = fix.plan_fix(lt, lt.sym("RUST"), "y").plans[0].steps[0]
    assert plain.kind == "toolchain"
    assert any(c.command.startswith(f"rustconfig doctor {tree_612} --arch x86_64") for c in plain.commands)
    assert any(c.command.endswith("rustavailable") and c.command.startswith("make -C") for c in plain.commands)

    # applied now, the setting that waits for the toolchain stays pending
    target = fix.make_target(lt, lt.sym("RUST"), "y")
    state = lt.ev.snapshot()
    report = fix.apply_plan(lt, plan, target)
    assert [s.symbol for s in report.applied] == ["MODVERSIONS"] and [s.symbol for s in report.pending] == ["RUST"]
    assert report.reached is False
    lt.ev.restore(state)

    # the assumption holds: with the working toolchain, the same configuration steps reach RUST=y
    lt612.read_config(ensure_distro_config("6.12"))
    ok = fix.apply_plan(lt612, plan, fix.make_target(lt612, lt612.sym("RUST"), "y"))
    assert ok.reached and not ok.pending


def test_doctor_findings_are_the_outside_steps(tree_612: Path, make_env, tmp_path: Path):
    """With the doctor's report every problem is its own outside step, with its own remedies."""
    nosrc = fake_toolchain(tmp_path / "tc", rustc_version="1.85.0", with_core=False)
    bad_vars = (("RUSTC", str(nosrc.rustc)), ("BINDGEN", DEBIAN_BINDGEN))
    tree = KernelTree(tree_612, arch="x86_64", make_vars=bad_vars)
    lt = load_tree(tree, base_env=make_env)
    lt.read_config(ensure_distro_config("6.12"))
    report = run_doctor(ProbeRequest(tree, base_env=make_env))
    assert [c.key for c in report.problems] == ["bindgen-too-old", "rust-src-missing"]
    # the script names only the first
    assert [f.kind for f in report.script.findings if f.severity == "error"] == ["bindgen-too-old"]
    plan = fix.plan_fix(lt, lt.sym("RUST"), "y", probe=report).plans[0]
    outside = plan.outside_steps
    assert [s.kind for s in outside] == ["toolchain", "toolchain"]
    assert "0.60.1 is below the minimum 0.65.1" in outside[0].text and "found 0.60.1, required 0.65.1" in \
        outside[0].text
    # BINDGEN= was given explicitly: pointing it elsewhere comes first, then installing one
    assert outside[0].commands[0].title.startswith(f"BINDGEN={DEBIAN_BINDGEN} is what make was told to use")
    cargo = next(c for c in outside[0].commands if c.command == "cargo install --locked bindgen-cli")
    assert cargo.runnable
    assert "core" in outside[1].text
    # the check again is the doctor, with the variables the tree was checked with
    last = outside[1].commands[-1].command
    assert last.startswith(f"rustconfig doctor {tree_612}") and f"BINDGEN={DEBIAN_BINDGEN}" in last
    assert plan.verified and plan.assumes == {"RUST_IS_AVAILABLE": "y"}


def test_pahole_step_and_its_assumption(tree_612: Path, make_env, toolchain: Toolchain, tmp_path: Path):
    old = write_script(tmp_path / "old-pahole", "#!/bin/sh\necho v1.22\n")
    lt = load(tree_612, make_env, (*toolchain.make_vars, ("PAHOLE", str(old))))
    lt.read_config(ensure_distro_config("6.12"))
    assert lt.ev.str_value(lt.sym("PAHOLE_VERSION")) == "122" and lt.ev.str_value(lt.sym("DEBUG_INFO_BTF")) == "y"
    target = fix.make_target(lt, lt.sym("RUST"), "y")
    res = fix.plan_fix(lt, target)
    by_kind = {tuple(s.kind for s in p.outside_steps): p for p in res.plans}
    config_only = by_kind[()]
    assert ("set", "DEBUG_INFO_BTF", "n") in steps_of(config_only)
    check_plan_applies(lt, target, config_only)
    plan = by_kind[("pahole",)]
    step = plan.outside_steps[0]
    assert plan.steps[0] is step and plan.assumes == {"PAHOLE_VERSION": "124"}
    assert "1.24" in step.text and "found 1.22" in step.text and "PAHOLE_HAS_LANG_EXCLUDE" in step.text
    assert any("apt install pahole" in c.command for c in step.commands)
    assert ("set", "DEBUG_INFO_BTF", "n") not in steps_of(plan) and plan.verified
    # with pahole 1.24 the same configuration steps turn Rust on, and BTF stays
    new = write_script(tmp_path / "new-pahole", "#!/bin/sh\necho v1.24\n")
    lt24 = load(tree_612, make_env, (*toolchain.make_vars, ("PAHOLE", str(new))))
    lt24.read_config(ensure_distro_config("6.12"))
    report = fix.apply_plan(lt24, plan, fix.make_target(lt24, lt24.sym("RUST"), "y"))
    assert report.reached and lt24.ev.str_value(lt24.sym("DEBUG_INFO_BTF")) == "y"


def test_llvm_step_for_kasan(tree_612: Path, make_env, toolchain: Toolchain, lt612: LoadedTree):
    lt = lt612
    lt.defconfig()
    assert lt.ev.set_value(lt.sym("KASAN"), "y")
    target = fix.make_target(lt, lt.sym("RUST"), "y")
    res = fix.plan_fix(lt, target)
    assert steps_of(res.plans[0]) == [("set", "KASAN", "n"), ("set", "RUST", "y")]
    llvm = next(p for p in res.plans if p.outside_steps)
    step = llvm.steps[0]
    assert step.kind == "llvm" and llvm.assumes == {"CC_IS_CLANG": "y"}
    assert any("--llvm" in c.command for c in step.commands)
    assert any("LLVM=1" in c.command.split() for c in step.commands)
    assert steps_of(llvm)[1:] == [("set", "RUST", "y")]
    # loaded with LLVM=1 (Debian's clang), the same configuration and the plan's own step give RUST=y
    clang = load(tree_612, make_env, toolchain.make_vars, llvm=True)
    configfile.read_config_text(clang.ev, lt.config_text(), "(gcc configuration)")
    assert clang.ev.str_value(clang.sym("KASAN")) == "y"
    report = fix.apply_plan(clang, llvm, fix.make_target(clang, clang.sym("RUST"), "y"))
    assert report.reached


def test_arch_without_have_rust(tree_61: Path, make_env):
    debian = (("RUSTC", DEBIAN_RUSTC), ("BINDGEN", DEBIAN_BINDGEN))
    lt = load(tree_61, make_env, debian, arch="arm64")
    lt.defconfig()
    res = fix.plan_fix(lt, lt.sym("RUST"), "y")
    assert not res.possible_here
    assert "HAVE_RUST" in res.why_not and "x86_64" in res.why_not and "ARCH=arm64" in res.why_not
    assert "nothing can reach it on this tree" in res.summary
    plan = res.plans[0]
    assert plan.other_tree and plan.steps[0].kind == "arch" and plan.assumes == {"HAVE_RUST": "y"}
    assert any("--arch x86_64" in c.command for c in plan.steps[0].commands)
    assert plan.side_effects == []
    # the tree of that ARCH: its configuration steps work there
    x86 = load(tree_61, make_env, debian)
    x86.defconfig()
    assert fix.apply_plan(x86, plan, fix.make_target(x86, x86.sym("RUST"), "y")).reached


# -- targets of every kind --------------------------------------------------------------------------------


def test_targets_of_every_kind(lt612: LoadedTree):
    lt = lt612
    lt.defconfig()
    # a selected symbol is turned off through what selects it
    mig = fix.make_target(lt, lt.sym("MIGRATION"), "n")
    res = fix.plan_fix(lt, mig)
    plan = res.plans[0]
    assert ("set", "COMPACTION", "n") in steps_of(plan) and plan.verified
    check_plan_applies(lt, mig, plan)
    # a choice member, by symbol and by the choice's prompt
    xz = fix.find_target(lt, "KERNEL_XZ")
    assert steps_of(fix.plan_fix(lt, xz).plans[0]) == [("choose", "KERNEL_XZ", "y")]
    by_prompt = fix.find_target(lt, "Kernel compression mode=KERNEL_XZ")
    assert by_prompt.item is lt.sym("KERNEL_XZ").choice
    plan = fix.plan_fix(lt, by_prompt).plans[0]
    assert steps_of(plan) == [("choose", "KERNEL_XZ", "y")]
    check_plan_applies(lt, by_prompt, plan)
    # a menu behind 'visible if'
    menu = fix.find_target(lt, "I2C Algorithms")
    assert menu.kind == "menu"
    plan = fix.plan_fix(lt, menu).plans[0]
    assert steps_of(plan) == [("set", "I2C_HELPER_AUTO", "n")]
    check_plan_applies(lt, menu, plan)
    # a string behind a bool, a number within its range
    cmdline = fix.find_target(lt, "CMDLINE=console=ttyS0")
    plan = fix.plan_fix(lt, cmdline).plans[0]
    assert steps_of(plan) == [("set", "CMDLINE_BOOL", "y"), ("set", "CMDLINE", "console=ttyS0")]
    check_plan_applies(lt, cmdline, plan)
    shift = fix.find_target(lt, "CONFIG_LOG_BUF_SHIFT=20")
    check_plan_applies(lt, shift, fix.plan_fix(lt, shift).plans[0])
    # m for a module
    sample = fix.find_target(lt, "SAMPLE_RUST_MINIMAL=m")
    plan = fix.plan_fix(lt, sample).plans[0]
    assert steps_of(plan)[-1] == ("set", "SAMPLE_RUST_MINIMAL", "m")
    assert {"SAMPLES", "RUST", "SAMPLES_RUST"} <= {s.symbol for s in plan.steps}
    check_plan_applies(lt, sample, plan)
    # and what nothing reaches, with the reason
    for spec, words in (("LOG_BUF_SHIFT=99", "outside the range 12..25"),
                        ("RUSTC_VERSION", "has no prompt"),
                        ("RUST=m", "bool"),
                        ("CFI_CLANG", "$(cc-option,-fsanitize=kcfi) gave n")):
        res = fix.plan_fix(lt, fix.find_target(lt, spec))
        assert not res.plans and not res.possible_here and words in res.why_not, (spec, res.why_not)
    assert fix.plan_fix(lt, fix.find_target(lt, "HAVE_RUST")).already
    with pytest.raises(ValueError):
        fix.find_target(lt, "NO_SUCH_SYMBOL")
    with pytest.raises(ValueError):
        fix.find_target(lt, "RUST=maybe")


def test_compiler_probe_step(lt612: LoadedTree):
    lt = lt612
    lt.defconfig()
    # HAVE_..._CLANG depends on $(cc-option,-fsanitize=kcfi …), which gcc fails
    res = fix.plan_fix(lt, lt.sym("HAVE_CFI_ICALL_NORMALIZE_INTEGERS_RUSTC"), "y")
    plan = res.plans[0]
    step = plan.steps[0]
    assert step.kind == "compiler" and plan.assumes == {"HAVE_CFI_ICALL_NORMALIZE_INTEGERS_CLANG": "y"}
    assert "$(cc-option,-fsanitize=kcfi" in step.text and step.location.startswith("arch/Kconfig:")
    assert any("gcc" in c.command and "-fsanitize=kcfi" in c.command for c in step.commands)
    assert any("--llvm" in c.command for c in step.commands)


# -- the Evaluator's what-if hook ---------------------------------------------------------------------------


def test_assume_overrides_a_computed_value_until_restore(tree_612: Path, make_env, toolchain: Toolchain):
    lt = load(tree_612, make_env, (("RUSTC", str(toolchain.rustc)), ("BINDGEN", DEBIAN_BINDGEN)))
    lt.defconfig()
    ev = lt.ev
    ria, rust = lt.sym("RUST_IS_AVAILABLE"), lt.sym("RUST")
    # def_bool RUSTC_VERSION >= 109800, and the stand-in rustc is 1.85
    newer = lt.sym("RUSTC_HAS_SUSPICIOUS_RUNTIME_SYMBOL_DEFINITIONS")
    text = lt.config_text()
    state = ev.snapshot()
    assert ev.str_value(ria) == "n" and not ev.visibility(rust)
    ev.assume(ria, "y")
    assert ev.str_value(ria) == "y" and ev.tri(ria) == 2 and ev.visibility(rust) == 2
    assert ev.set_value(rust, "y") and ev.str_value(rust) == "y"
    assert ev.str_value(newer) == "n"
    ev.assume(lt.sym("RUSTC_VERSION"), "109800")
    assert ev.str_value(newer) == "y"
    with pytest.raises(ValueError):
        ev.assume(ria, "yes")
    ev.restore(state)
    assert ev.assumed == {} and ev.str_value(ria) == "n" and ev.str_value(newer) == "n" and not ev.visibility(rust)
    assert lt.config_text() == text


# -- every Rust-related symbol --------------------------------------------------------------------------------


def _want(lt: LoadedTree, s) -> str:
    if s.orig_type in (BOOL, TRISTATE):
        return "n" if lt.ev.str_value(s) == "y" else "y"
    return "visible"


@pytest.mark.parametrize("version,start", [("6.12", "defconfig"), ("6.12", "distro"),
                                           ("7.2", "defconfig"), ("7.2", "distro")])
def test_every_rust_symbol_gets_a_verified_plan_or_a_reason(version: str, start: str, lt612: LoadedTree,
                                                             lt72: LoadedTree):
    lt = lt612 if version == "6.12" else lt72
    if start == "defconfig":
        lt.defconfig()
    else:
        lt.read_config(ensure_distro_config(version))
    text = lt.config_text()
    counts = {"already": 0, "plan": 0, "none": 0}
    for s in rust_symbols(lt):
        target = fix.make_target(lt, s, _want(lt, s))
        res = fix.plan_fix(lt, target)
        here = [p for p in res.plans if not p.other_tree]
        if res.already:
            counts["already"] += 1
            continue
        if here:
            counts["plan"] += 1
            assert all(p.verified for p in here), target.label
            config_only = [p for p in here if not p.outside_steps]
            if config_only:
                check_plan_applies(lt, target, config_only[0])
            continue
        counts["none"] += 1
        assert res.why_not.startswith("nothing can reach it on this tree: "), target.label
        assert len(res.why_not) > len("nothing can reach it on this tree: ") + 10, target.label
    assert lt.config_text() == text
    # most Rust options can be reached on x86_64 with a working toolchain
    assert counts["plan"] > 2 * counts["none"], counts


# -- the command line ------------------------------------------------------------------------------------------


def test_cli_fix(tree_612: Path, toolchain: Toolchain, cconf612: CConf, tmp_path: Path,
                 capsys: pytest.CaptureFixture[str]):
    args = ["--arch", "x86_64", *[a for k, v in toolchain.make_vars for a in ("--make-var", f"{k}={v}")],
            "--config", str(ensure_distro_config("6.12"))]
    out = tmp_path / "config"
    assert cli.main(["fix", str(tree_612), "CONFIG_RUST=y", "--json", "-o", str(out), *args]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["schema"] == fix.SCHEMA and data["target"] == "RUST=y" and data["possible_here"]
    assert [(s["symbol"], s["value"]) for s in data["plans"][0]["steps"]] == [("MODVERSIONS", "n"), ("RUST", "y")]
    assert data["plans"][0]["verified"] is True
    text = out.read_text()
    assert "CONFIG_RUST=y\n" in text
    c_conf_agrees(cconf612, text)

    assert cli.main(["fix", str(tree_612), "RUST", *args]) == 0
    shown = capsys.readouterr().out
    assert "1. [config ] set MODVERSIONS to n" in shown and "verified" in shown
    assert "ASM_MODVERSIONS: y -> n" in shown

    assert cli.main(["fix", str(tree_612), "RUSTC_VERSION", *args]) == 3
    assert "has no prompt" in capsys.readouterr().out
    assert cli.main(["fix", str(tree_612), "NO_SUCH_SYMBOL", *args]) == 1
    assert "NO_SUCH_SYMBOL" in capsys.readouterr().err


def test_json_is_stable(lt612: LoadedTree):
    lt = lt612
    lt.read_config(ensure_distro_config("6.12"))
    a = fix.plan_fix(lt, lt.sym("RUST"), "y").to_dict()
    b = fix.plan_fix(lt, lt.sym("RUST"), "y").to_dict()
    for d in (a, b):
        d.pop("seconds")
    assert json.dumps(a) == json.dumps(b)
    assert a == json.loads(json.dumps(a))
    assert set(a["plans"][0]["steps"][0]) == {f for f in fix.Step.__dataclass_fields__}
