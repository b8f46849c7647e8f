"""An edit forgets only the values that can depend on it (``Evaluator.invalidate_from``).

The reference is the evaluator forgetting everything (C's ``sym_clear_all_valid``):
after each edit of a random walk over real trees, every value, visibility,
dependency level, choice selection and menu visibility computed from the
partly kept caches must equal the same computed from nothing.  Each step
starts from caches holding every value, so a stale one cannot hide.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from kconfiglib import BOOL, HEX, INT, STRING, TRISTATE, Symbol

from rustconfig_gui.kconfig import configfile
from rustconfig_gui.kconfig.loader import LoadedTree, load_tree, store_parse
from rustconfig_gui.kconfig.parsecache import ParseCache
from rustconfig_gui.kconfig.semantics import PARTIAL_LIMIT, Evaluator
from rustconfig_gui.kconfig.tree import KernelTree

# symbols many others depend on: the edits that reach furthest
HUBS = ("MODULES", "NET", "PCI", "EXPERT", "BLOCK", "SMP", "NETDEVICES", "USB", "SOUND", "INET",
        "DEBUG_KERNEL", "SECURITY", "INPUT", "HAS_IOMEM", "CPU_SUP_INTEL", "ACPI")


def everything(ev: Evaluator) -> dict[object, tuple]:
    """Every value the window, the writers and the explanations read."""
    out: dict[object, tuple] = {}
    for sym in ev.kconf.unique_defined_syms:
        out[sym] = (ev.tri(sym), ev.str_value(sym), ev.visibility(sym), ev.written(sym), ev.dir_dep(sym),
                    ev.rev_dep(sym), ev.implied(sym), ev.sym_type(sym), ev.assignable(sym))
    for choice in ev.kconf.unique_choices:
        out[choice] = (ev.choice_selection(choice), ev.choice_tri(choice))
    for node in ev.walk():
        out[node] = (ev.menu_is_visible(node),)
    out["modules"] = (ev.modules_val,)
    return out


def random_edit(ev: Evaluator, rng: random.Random) -> str:
    """One edit a user could make now; returns what it was, for the failure message."""
    kconf = ev.kconf
    if rng.random() < 0.3:
        hubs = [s for s in (kconf.syms.get(n) for n in HUBS) if s is not None and len(ev.assignable(s)) > 1]
        if hubs:
            sym = rng.choice(hubs)
            value = rng.choice([v for v in ev.assignable(sym) if v != ev.tri(sym)])
            assert ev.set_value(sym, value)
            return f"{sym.name}={value}"
    if ev.user and rng.random() < 0.15:
        sym = rng.choice(sorted(ev.user, key=lambda s: s.name))
        ev.unset(sym)
        return f"unset {sym.name}"
    while True:
        sym = rng.choice(kconf.unique_defined_syms)
        if not ev.visibility(sym):
            continue
        if sym.choice is not None:
            if ev.choice_selection(sym.choice) is sym:
                continue
            ev.choose(sym)
            return f"choose {sym.name}"
        if sym.orig_type in (BOOL, TRISTATE):
            values = [v for v in ev.assignable(sym) if v != ev.tri(sym)]
            if not values:
                continue
            value = rng.choice(values)
            assert ev.set_value(sym, value)
            return f"{sym.name}={value}"
        if sym.orig_type in (INT, HEX):
            rng_bounds = ev.active_range(sym)
            text = rng_bounds[rng.randrange(2)] if rng_bounds else str(rng.randrange(1, 64))
            if sym.orig_type == HEX and not text.lower().startswith("0x"):
                text = hex(int(text, 0)) if text.isdigit() else text
            if ev.set_value(sym, text):
                return f"{sym.name}={text}"
            continue
        if sym.orig_type == STRING:
            assert ev.set_value(sym, f"v{rng.randrange(100)}")
            return f"{sym.name} (string)"


def assert_as_computed_from_nothing(ev: Evaluator, what: str) -> None:
    kept = everything(ev)
    ev.invalidate()
    fresh = everything(ev)
    wrong = [k for k in fresh if kept[k] != fresh[k]]
    assert not wrong, (f"{what}: {len(wrong)} stale, e.g. "
                       f"{[(getattr(k, 'name', k), kept[k], fresh[k]) for k in wrong[:3]]}")


def walk_and_compare(lt: LoadedTree, seed: int, steps: int) -> None:
    ev = lt.ev
    rng = random.Random(seed)
    lt.defconfig()
    everything(ev)
    done = []
    for _ in range(steps):
        done.append(random_edit(ev, rng))
        assert_as_computed_from_nothing(ev, f"after {done}")
    # and what gets saved is what C's rule gives
    text = configfile.config_text(ev)
    ev.invalidate()
    assert configfile.config_text(ev) == text


def test_edits_on_6_1_forget_exactly_what_depends_on_them(tree_61: Path, make_env):
    # choices before the 6.11 rework: a choice's mode and user selection
    lt = load_tree(KernelTree(tree_61, arch="x86_64"), base_env=make_env)
    walk_and_compare(lt, seed=61, steps=40)


def test_edits_on_7_2_forget_exactly_what_depends_on_them(tree_72: Path, make_env):
    # 6.11+ choices (member priority lists) and 'transitional' symbols
    lt = load_tree(KernelTree(tree_72, arch="x86_64"), base_env=make_env)
    walk_and_compare(lt, seed=72, steps=40)


def test_a_stored_parse_keeps_the_dependency_graph(tree_612: Path, make_env, tmp_path: Path):
    # the graph edits follow must survive being written to and read from the parse store
    tree = KernelTree(tree_612, arch="arm64")
    fresh = load_tree(tree, base_env=make_env)
    assert store_parse(fresh, ParseCache(tmp_path / "parses"))
    cached = load_tree(tree, base_env=make_env, parse_cache=ParseCache(tmp_path / "parses"))
    assert cached.timings.parse_cached
    net = cached.sym("NET")
    assert isinstance(net, Symbol) and len(net._dependents) == len(fresh.sym("NET")._dependents) > 100
    walk_and_compare(cached, seed=612, steps=15)


@pytest.mark.parametrize(("name", "keeps"), [("EXT4_FS", True), ("NET", False), ("MODULES", False)])
def test_an_edit_keeps_what_does_not_depend_on_it(tree_612: Path, make_env, name: str, keeps: bool):
    """The point of it: values outside the edit's reach stay computed.  NET reaches
    half the tree (more than PARTIAL_LIMIT) and MODULES every tristate's type:
    those forget everything."""
    lt = load_tree(KernelTree(tree_612, arch="x86_64"), base_env=make_env)
    lt.defconfig()
    ev = lt.ev
    everything(ev)
    rust, sym = lt.sym("RUST_IS_AVAILABLE"), lt.sym(name)
    assert sym is not None and rust is not None
    before = len(ev._tri)
    assert ev.set_value(sym, 0 if ev.tri(sym) else 2)
    if keeps:
        assert rust in ev._tri and sym not in ev._tri
        assert before - len(ev._tri) < PARTIAL_LIMIT
    else:
        assert len(ev._tri) < 50


# -- reading a configuration back, presets and plans keep what stands ----------------------


@pytest.fixture(scope="module")
def lt_72(tree_72: Path, make_env) -> LoadedTree:
    return load_tree(KernelTree(tree_72, arch="x86_64"), base_env=make_env)


def test_a_configuration_read_back_over_itself_keeps_its_values(lt_72: LoadedTree):
    """merge_config.sh's first step: the saved configuration becomes the user input.
    Nearly every value stands, so nearly nothing is computed again, and what is
    computed again comes out as from nothing."""
    ev = lt_72.ev
    lt_72.defconfig()
    everything(ev)
    computed = len(ev._tri)
    held = (ev.snapshot(), ev.generation)
    configfile.read_config_text(ev, configfile.config_text(ev), refresh=False)
    assert len(ev.user) > 1000
    ev.refresh_after_input(*held)
    assert len(ev._tri) > computed - PARTIAL_LIMIT
    assert_as_computed_from_nothing(ev, "the configuration read back")
    # and when the cached values are not those of the input any more, everything goes
    held = (ev.snapshot(), ev.generation)
    ev.invalidate()
    everything(ev)
    configfile.read_config_text(ev, "CONFIG_NET=n\n", refresh=False)
    ev.refresh_after_input(*held)
    assert len(ev._tri) < 50


@pytest.mark.parametrize("start", ["defconfig", "edits"])
def test_every_preset_merged_over_a_configuration_refreshes_exactly(lt_72: LoadedTree, start: str):
    from rustconfig_gui.workspace import presets

    ev = lt_72.ev
    lt_72.defconfig()
    if start == "edits":
        rng = random.Random(7)
        done = [random_edit(ev, rng) for _ in range(12)]
        assert len(done) == 12
    state = ev.snapshot()
    frags = presets.builtin_presets() + presets.tree_fragments(lt_72.tree.source, lt_72.tree.srcarch)
    assert len(frags) > 5
    for frag in frags:
        everything(ev)
        presets.apply_fragments(lt_72, [frag], explain=False)
        assert_as_computed_from_nothing(ev, f"{frag.name} over {start}")
        ev.restore(state)


def test_a_plan_leaves_the_values_as_computed_from_nothing(lt_72: LoadedTree):
    """The planner tries assumptions and edits, then puts the input back with the
    values it had (Evaluator.held): they must be those of that input."""
    from rustconfig_gui.explain import fix

    ev = lt_72.ev
    lt_72.defconfig()
    rng = random.Random(3)
    for _ in range(6):
        random_edit(ev, rng)
    everything(ev)
    for name, want in (("RUST", "y"), ("SAMPLES_RUST", "y"), ("DEBUG_INFO_BTF", "y")):
        sym = lt_72.sym(name)
        assert sym is not None
        fix.plan_fix(lt_72, sym, want)
        assert_as_computed_from_nothing(ev, f"after planning {name}={want}")


def test_a_values_copy_starts_from_the_values_computed(lt_72: LoadedTree):
    """A worker's copy (recovery copies, the upgrade report) starts with the values
    the window computed, and computes the rest: the same as from nothing."""
    ev = lt_72.ev
    lt_72.defconfig()
    everything(ev)
    ext4 = lt_72.sym("EXT4_FS")
    assert ext4 is not None and ev.set_value(ext4, 0 if ev.tri(ext4) else 2)  # some values forgotten, most kept
    done = ["EXT4_FS"]
    copy = lt_72.values_copy()
    assert copy is not ev and copy.user == ev.user and len(copy._tri) == len(ev._tri) > 1000
    text = configfile.config_text(copy)
    assert text == configfile.config_text(ev)
    assert_as_computed_from_nothing(copy, f"a copy after {done}")
