"""A plan's side effects are computed only where its input reaches; here every value is
computed again, before and after, and compared."""

from __future__ import annotations

import random

import pytest
from fakes import fake_toolchain
from kconfiglib import BOOL, TRISTATE, Symbol

from devtools.trees import ensure_distro_config, ensure_tree
from rustconfig_gui.explain import fix, planvalues
from rustconfig_gui.explain.rustclass import rust_symbols
from rustconfig_gui.kconfig.loader import LoadedTree, load_tree
from rustconfig_gui.kconfig.tree import KernelTree


@pytest.fixture(scope="module")
def lt72(tmp_path_factory: pytest.TempPathFactory, make_env) -> LoadedTree:
    # a toolchain the tree's rust_is_available.sh accepts, so Rust entries are there to plan
    tools = fake_toolchain(tmp_path_factory.mktemp("rust-tools"))
    return load_tree(KernelTree(ensure_tree("7.2"), arch="x86_64", make_vars=tools.make_vars), base_env=make_env)


@pytest.fixture(scope="module")
def lt61(make_env) -> LoadedTree:
    # the choices of before 6.11, this machine's own toolchain
    return load_tree(KernelTree(ensure_tree("6.1"), arch="x86_64"), base_env=make_env)


def every_value(lt: LoadedTree) -> dict[Symbol, str]:
    return {s: lt.ev.str_value(s) for s in lt.kconf.unique_defined_syms}


def replayed_changes(lt: LoadedTree, plan: fix.Plan, goal: Symbol, start, before: dict[Symbol, str]) -> list:
    """The plan's steps applied in order to the start configuration, every value compared."""
    ev = lt.ev
    ev.restore(start)
    touched = {goal}
    for step in plan.steps:
        sym = lt.sym(step.symbol or "")
        assert sym is not None
        touched.add(sym)
        if step.outside:
            ev.assume(sym, step.value or "")
        elif step.kind == "choose":
            ev.choose(sym)
        else:
            assert ev.set_value(sym, step.value or "")
    out = [(s.name, before[s], ev.str_value(s)) for s in lt.kconf.unique_defined_syms
           if s not in touched and ev.str_value(s) != before[s]]
    ev.restore(start)
    return out


@pytest.mark.parametrize("config", ["defconfig", "distro"])
def test_side_effects_are_every_changed_value(lt72: LoadedTree, config: str):
    lt = lt72
    lt.defconfig() if config == "defconfig" else lt.read_config(ensure_distro_config("7.2"))
    start = lt.ev.snapshot()
    before = every_value(lt)
    compared = changed = 0
    for sym in rust_symbols(lt):
        want = ("n" if before[sym] == "y" else "y") if sym.orig_type in (BOOL, TRISTATE) else "visible"
        result = fix.plan_fix(lt, fix.make_target(lt, sym, want))
        assert lt.ev.snapshot() == start
        for plan in result.plans:
            if not plan.verified or plan.other_tree:
                continue
            got = [(c.symbol, c.before, c.after) for c in plan.side_effects]
            assert got == replayed_changes(lt, plan, sym, start, before), (sym.name, plan.headline())
            assert all(s.before == (before[lt.sym(s.symbol)] if lt.sym(s.symbol) else None) for s in plan.steps)
            compared += 1
            changed += len(got)
    assert compared > 20 and changed > 50


def random_edits(lt: LoadedTree, rng: random.Random, count: int) -> None:
    ev = lt.ev
    syms = [s for s in lt.kconf.unique_defined_syms if s.orig_type in (BOOL, TRISTATE)]
    done = 0
    while done < count:
        s = rng.choice(syms)
        if s.choice is not None:
            if ev.visibility(s):
                ev.choose(s)
                done += 1
            continue
        values = [v for v in ev.assignable(s) if v != ev.tri(s)]
        if values:
            ev.set_value(s, rng.choice(values))
            done += 1


@pytest.mark.parametrize("which", ["lt72", "lt61"])
def test_what_may_differ_holds_every_change(which: str, request: pytest.FixtureRequest):
    lt: LoadedTree = request.getfixturevalue(which)
    lt.defconfig()
    start, assumed = lt.ev.snapshot(), dict(lt.ev.assumed)
    before = every_value(lt)
    rng = random.Random(21)
    outside = [s for s in (lt.sym("RUST_IS_AVAILABLE"), lt.sym("CC_IS_CLANG"), lt.sym("PAHOLE_VERSION")) if s]
    reached_some = False
    for trial in range(40):
        lt.ev.restore(start)
        random_edits(lt, rng, 1 + trial % 4)
        if trial % 5 == 0 and outside:
            s = rng.choice(outside)
            lt.ev.assume(s, "y" if s.orig_type in (BOOL, TRISTATE) else "200")
        differ = planvalues.may_differ(lt, start, assumed)
        after = every_value(lt)
        changed = {s for s in after if after[s] != before[s]}
        if differ is not None:
            assert changed <= differ, (trial, sorted(s.name for s in changed - differ))
            reached_some = reached_some or len(differ) < len(before)
    lt.ev.restore(start)
    assert planvalues.may_differ(lt, start, assumed) == set()
    assert reached_some


def test_before_values_follow_the_configuration(lt72: LoadedTree):
    lt = lt72
    lt.defconfig()
    b1 = planvalues.before_values(lt)
    assert planvalues.before_values(lt) is b1
    rust = lt.sym("RUST")
    expert = lt.sym("EXPERT")
    assert b1[expert] == lt.ev.str_value(expert) and b1.get(rust) == lt.ev.str_value(rust)
    assert b1.get(lt.kconf.y) is None
    was = lt.ev.str_value(expert)
    assert lt.ev.set_value(expert, "n" if was == "y" else "y")
    b2 = planvalues.before_values(lt)
    assert b2 is not b1 and b2[expert] != was and b1[expert] == was
    lt.defconfig()
