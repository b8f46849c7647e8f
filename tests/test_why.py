"""The "why is it hidden?" engine on real kernel trees.

Everything here runs for real: Debian's linux-source trees, their own make,
scripts and probes, Debian's rustc/bindgen, and, where a working toolchain
is needed, small executable stand-ins passed as RUSTC=/BINDGEN= that the
tree's own ``make rustavailable`` accepts first.  Expected file:line
locations are found in the Kconfig text by the tests themselves.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import kconfiglib
import pytest
from fakes import Toolchain, fake_toolchain
from kconfiglib import AND, BOOL, OR, TRISTATE, Choice, MenuNode, Symbol, split_expr

from devtools.trees import ensure_distro_config
from rustconfig_gui import cli
from rustconfig_gui.explain import why
from rustconfig_gui.explain.rustclass import (
    file_is_rust,
    is_rust_related,
    name_is_rust,
    rust_symbols,
)
from rustconfig_gui.kconfig.loader import LoadedTree, load_tree
from rustconfig_gui.kconfig.tree import KernelTree

pytestmark = pytest.mark.slow

DEBIAN_RUSTC = "/usr/bin/rustc"      # 1.63: too old for 6.12 (1.78) and 7.2 (1.85)
DEBIAN_BINDGEN = "/usr/bin/bindgen"  # 0.60.1: too old for 6.12 (0.65.1)
# where an unmet chain may end; "alternative", "select" and "implied" are other ways that are
# listed but not followed
LEAF_KINDS = {"user", "choose", "range", "probe", "environment", "arch", "cycle", "seen", "truncated",
              "alternative", "select", "implied", "no-prompt", "constant", "value", "default", "compare",
              "version"}


# -- helpers ----------------------------------------------------------------------------------


def rustavailable(src: Path, odir: Path, env: dict[str, str], rustc: str, bindgen: str,
                  arch: str = "x86_64") -> subprocess.CompletedProcess[str]:
    return subprocess.run(["make", "-s", "-C", str(src), f"O={odir}", f"ARCH={arch}", f"RUSTC={rustc}",
                           f"BINDGEN={bindgen}", "rustavailable"],
                          capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=120)


def source_line(src: Path, rel: str, pattern: str, after: str | None = None) -> int:
    """Line number of the first line matching ``pattern`` (after the line matching ``after``)."""
    lines = (src / rel).read_text().split("\n")
    start = 0
    if after is not None:
        start = next(i for i, t in enumerate(lines) if re.search(after, t)) + 1
    for i in range(start, len(lines)):
        if re.search(pattern, lines[i]):
            return i + 1
    raise AssertionError(f"{pattern!r} not found in {rel}")


def rust_depends_lines(src: Path) -> dict[int, str]:
    """The ``depends on`` lines of ``config RUST`` in init/Kconfig, by line number."""
    lines = (src / "init/Kconfig").read_text().split("\n")
    i = lines.index("config RUST")
    out = {}
    for j in range(i + 1, len(lines)):
        text = lines[j].strip()
        if text == "help":
            break
        if text.startswith("depends on"):
            out[j + 1] = text
    return out


def walk(reasons: list[why.Reason]):
    for r in reasons:
        yield from r.walk()


def unmet(e: why.Explanation) -> list[why.Reason]:
    return [r for r in e.reasons if not r.satisfied]


def sym(lt: LoadedTree, name: str) -> Symbol:
    s = lt.sym(name)
    assert s is not None, name
    return s


def apply(lt: LoadedTree, action: str) -> None:
    m = re.fullmatch(r"set (\w+) to (\S+)", action)
    if m:
        assert lt.ev.set_value(sym(lt, m.group(1)), m.group(2)), action
        return
    m = re.fullmatch(r"choose (\w+) in .*", action)
    assert m, action
    lt.ev.choose(sym(lt, m.group(1)))


def follow(lt: LoadedTree, target, want: str, limit: int = 10) -> list[str]:
    """Apply the first suggested action until the explanation says "already so"."""
    done: list[str] = []
    for _ in range(limit):
        e = why.explain(lt, target, want)
        if e.ok:
            return done
        actions = [r.action for r in walk(unmet(e)) if r.action and not r.satisfied]
        assert actions, f"nothing to act on:\n{e.text(facts=False)}"
        apply(lt, actions[0])
        done.append(actions[0])
    raise AssertionError(f"still not {want} after {done}")


def path_to(reasons: list[why.Reason], pred) -> list[why.Reason] | None:
    for r in reasons:
        if pred(r):
            return [r]
        sub = path_to(r.children, pred)
        if sub:
            return [r, *sub]
    return None


def check_locations(src: Path, reasons: list[why.Reason]) -> None:
    for r in walk(reasons):
        for loc in filter(None, [r.location, r.probe.location if r.probe else None]):
            fname, _, line = loc.rpartition(":")
            n = len((src / fname).read_text(errors="replace").split("\n"))
            assert 0 < int(line) <= n, loc


def check_shape(e: why.Explanation) -> None:
    """Every unmet reason ends somewhere the user can read: a leaf of a known kind."""
    for r in walk(e.reasons):
        if not r.satisfied and not r.children:
            assert r.kind in LEAF_KINDS, (r.kind, r.text)


# -- trees --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def toolchain(tmp_path_factory: pytest.TempPathFactory) -> Toolchain:
    return fake_toolchain(tmp_path_factory.mktemp("rust-tools"))


@pytest.fixture(scope="module")
def working(toolchain: Toolchain, tree_612: Path, tree_72: Path, make_env: dict[str, str],
            tmp_path_factory: pytest.TempPathFactory) -> Toolchain:
    """The stand-in toolchain, once the trees' own make has accepted it."""
    for src in (tree_612, tree_72):
        out = rustavailable(src, tmp_path_factory.mktemp("o"), make_env, str(toolchain.rustc),
                            str(toolchain.bindgen))
        assert out.returncode == 0, out.stdout + out.stderr
        assert "Rust is available!" in out.stdout + out.stderr
    return toolchain


def _load(src: Path, env: dict[str, str], arch: str = "x86_64", **make_vars: str) -> LoadedTree:
    return load_tree(KernelTree(src, arch=arch, make_vars=tuple(make_vars.items())), base_env=env)


@pytest.fixture(scope="module")
def lt612_old_bindgen(tree_612: Path, make_env, toolchain: Toolchain) -> LoadedTree:
    # a current rustc, Debian's bindgen 0.60.1
    return _load(tree_612, make_env, RUSTC=str(toolchain.rustc), BINDGEN=DEBIAN_BINDGEN)


@pytest.fixture(scope="module")
def lt612_fixed(tree_612: Path, make_env, working: Toolchain) -> LoadedTree:
    return _load(tree_612, make_env, RUSTC=str(working.rustc), BINDGEN=str(working.bindgen))


@pytest.fixture(scope="module")
def lt612_debian(tree_612: Path, make_env) -> LoadedTree:
    return _load(tree_612, make_env, RUSTC=DEBIAN_RUSTC, BINDGEN=DEBIAN_BINDGEN)


@pytest.fixture(scope="module")
def lt61(tree_61: Path, make_env) -> LoadedTree:
    return _load(tree_61, make_env, RUSTC=DEBIAN_RUSTC, BINDGEN=DEBIAN_BINDGEN)


@pytest.fixture(scope="module")
def lt61_arm64(tree_61: Path, make_env) -> LoadedTree:
    return _load(tree_61, make_env, arch="arm64", RUSTC=DEBIAN_RUSTC, BINDGEN=DEBIAN_BINDGEN)


@pytest.fixture(scope="module")
def lt72_fixed(tree_72: Path, make_env, working: Toolchain) -> LoadedTree:
    return _load(tree_72, make_env, RUSTC=str(working.rustc), BINDGEN=str(working.bindgen))


# -- 6.12, x86_64_defconfig, Debian's bindgen -------------------------------------------------


def test_612_defconfig_rust_hidden_only_by_rust_is_available(lt612_old_bindgen: LoadedTree, tree_612: Path,
                                                            toolchain: Toolchain, make_env, tmp_path: Path):
    lt = lt612_old_bindgen
    # the tree's own check refuses this toolchain
    out = rustavailable(tree_612, tmp_path, make_env, str(toolchain.rustc), DEBIAN_BINDGEN)
    assert out.returncode != 0 and "Rust is available!" not in out.stdout
    lt.defconfig()
    e = why.explain(lt, sym(lt, "RUST"), "y")
    assert not e.ok and e.value == "n"
    blockers = unmet(e)
    assert [r.expr for r in blockers] == ["RUST_IS_AVAILABLE"]
    depends = rust_depends_lines(tree_612)
    line = next(n for n, t in depends.items() if t == "depends on RUST_IS_AVAILABLE")
    assert blockers[0].kind == "depends" and blockers[0].location == f"init/Kconfig:{line}"
    # every other term is shown as met, each on its own depends line, and not explored
    met = [r for r in e.reasons if r.satisfied]
    assert len(met) + 1 == len(depends)
    assert {r.location for r in e.reasons} == {f"init/Kconfig:{n}" for n in depends}
    assert all(not r.children for r in met)
    # the chain ends at the probe, with the macro as written and the command as run
    leaf = blockers[0].children[0]
    assert leaf.kind == "probe" and leaf.symbol == "RUST_IS_AVAILABLE" and not leaf.children
    p = leaf.probe
    assert p.macro == "$(success,$(srctree)/scripts/rust_is_available.sh)"
    assert p.location == "init/Kconfig:" + str(source_line(tree_612, "init/Kconfig",
                                                           r"def_bool \$\(success,\$\(srctree\)/scripts/rust_is_av"))
    assert f"{tree_612}/scripts/rust_is_available.sh" in p.command
    assert p.output == "n"
    assert "rustavailable" in p.hint and f"BINDGEN={DEBIAN_BINDGEN}" in p.hint
    check_locations(tree_612, e.reasons)
    # the status report agrees
    st = why.rust_status(lt)
    assert [t.expr for t in st.blockers] == ["RUST_IS_AVAILABLE"]
    assert len(st.terms) == len(depends) and st.value == "n" and not st.visible
    assert "RUST_IS_AVAILABLE" in st.summary
    assert why.one_line_reason(lt, sym(lt, "RUST")) == "needs RUST_IS_AVAILABLE (n)"


def test_612_rust_sample_chain_ends_at_the_probe(lt612_old_bindgen: LoadedTree):
    lt = lt612_old_bindgen
    lt.defconfig()
    e = why.explain(lt, sym(lt, "SAMPLE_RUST_MINIMAL"), "y")
    path = path_to(e.reasons, lambda r: r.kind == "probe")
    assert path is not None, e.text(facts=False)
    names = [r.symbol for r in path if r.symbol]
    assert names[-1] == "RUST_IS_AVAILABLE"
    assert names.index("SAMPLES_RUST") < names.index("RUST") < names.index("RUST_IS_AVAILABLE")
    check_shape(e)


# -- the same tree once the toolchain works ----------------------------------------------------


def test_612_debian_config_blocks_on_modversions_after_toolchain_fix(lt612_fixed: LoadedTree, tree_612: Path):
    lt = lt612_fixed
    lt.read_config(ensure_distro_config("6.12"))
    assert lt.ev.str_value(sym(lt, "RUST_IS_AVAILABLE")) == "y"
    assert lt.ev.str_value(sym(lt, "MODVERSIONS")) == "y"
    e = why.explain(lt, sym(lt, "RUST"), "y")
    assert not e.ok
    blocker = next(r for r in unmet(e) if r.expr == "!MODVERSIONS")
    assert blocker.location == "init/Kconfig:" + str(
        next(n for n, t in rust_depends_lines(tree_612).items() if t == "depends on !MODVERSIONS"))
    leaf = blocker.children[0]
    assert leaf.symbol == "MODVERSIONS" and leaf.action == "set MODVERSIONS to n"
    assert leaf.location == "kernel/module/Kconfig:" + str(
        source_line(tree_612, "kernel/module/Kconfig", r"^config MODVERSIONS$"))
    assert why.rust_status(lt).blockers[0].expr == "!MODVERSIONS"
    # acting on the reasons, in the order given, turns Rust on
    steps = follow(lt, sym(lt, "RUST"), "y")
    assert steps[0] == "set MODVERSIONS to n" and steps[-1] == "set RUST to y"
    assert lt.ev.str_value(sym(lt, "RUST")) == "y"


def test_612_config_with_modversions_only(lt612_fixed: LoadedTree, tree_612: Path, tmp_path: Path):
    lt = lt612_fixed
    text = (tree_612 / "arch/x86/configs/x86_64_defconfig").read_text()
    cfg = tmp_path / "config"
    cfg.write_text(text + "CONFIG_MODVERSIONS=y\n")
    lt.read_config(cfg)
    e = why.explain(lt, sym(lt, "RUST"), "y")
    assert [r.expr for r in unmet(e)] == ["!MODVERSIONS"]
    assert why.one_line_reason(lt, sym(lt, "RUST")) == "needs !MODVERSIONS (MODVERSIONS=y)"


def test_612_rustc_version_comparison(lt612_debian: LoadedTree, tree_612: Path):
    lt = lt612_debian
    lt.defconfig()
    e = why.explain(lt, sym(lt, "RUST"), "y")
    term = next(r for r in unmet(e) if r.expr == "!CALL_PADDING || RUSTC_VERSION >= 108100")
    version = next(r for r in walk([term]) if r.version_check is not None)
    real = subprocess.run([str(tree_612 / "scripts/rustc-version.sh"), DEBIAN_RUSTC],
                          capture_output=True, text=True).stdout.strip()
    vc = version.version_check
    assert (vc.symbol, vc.op, vc.found, vc.needed) == ("RUSTC_VERSION", ">=", real, "108100")
    assert (vc.found_version, vc.needed_version) == ("1.63.0", "1.81.0")
    # and where the number comes from: the rustc-version variable of Kconfig.include
    origin = version.children[0]
    assert origin.kind == "environment" and origin.probe.variable == "rustc-version"
    assert origin.probe.run_at == "scripts/Kconfig.include:" + str(
        source_line(tree_612, "scripts/Kconfig.include", r"^rustc-version :="))
    assert origin.probe.command.endswith(f"scripts/rustc-version.sh {DEBIAN_RUSTC}")
    assert origin.probe.output == real
    assert "RUSTC=" in origin.env_hint
    # the other way to meet the term, turning CALL_PADDING off, is followed to a setting
    assert any(r.action for r in walk([term]))


def test_environment_leaf(lt612_debian: LoadedTree):
    lt = lt612_debian
    lt.defconfig()
    e = why.explain(lt, sym(lt, "CC_IS_CLANG"), "y")
    leaf = e.reasons[0]
    assert leaf.kind == "environment" and "LLVM=1" in leaf.env_hint
    assert leaf.probe.macro == '$(success,test "$(cc-name)" = Clang)'
    assert leaf.probe.output == "n"


# -- 6.1 and 7.2 -------------------------------------------------------------------------------


def test_61_debian_toolchain(lt61: LoadedTree, tree_61: Path, make_env, tmp_path: Path):
    lt = lt61
    out = rustavailable(tree_61, tmp_path, make_env, DEBIAN_RUSTC, DEBIAN_BINDGEN)
    assert out.returncode == 0, out.stdout + out.stderr
    lt.defconfig()
    assert why.explain(lt, sym(lt, "RUST"), "visible").ok
    lt.read_config(ensure_distro_config("6.1"))
    e = why.explain(lt, sym(lt, "RUST"), "y")
    # Debian's 6.1 config has both; 6.1 does not yet ask pahole's version for BTF
    assert lt.ev.str_value(sym(lt, "DEBUG_INFO_BTF")) == "y"
    assert {r.expr for r in unmet(e)} == {"!MODVERSIONS", "!DEBUG_INFO_BTF || (PAHOLE_HAS_LANG_EXCLUDE && !LTO)"}
    btf = next(r for r in unmet(e) if r.expr == "!DEBUG_INFO_BTF || (PAHOLE_HAS_LANG_EXCLUDE && !LTO)")
    assert btf.children[0].kind == "any"
    assert "set DEBUG_INFO_BTF to n" in [r.action for r in walk([btf])]
    lines = rust_depends_lines(tree_61)
    for r in unmet(e):
        assert int(r.location.rpartition(":")[2]) in lines
    follow(lt, sym(lt, "RUST"), "y")
    assert lt.ev.str_value(sym(lt, "RUST")) == "y"


def test_61_arm64_have_rust_comes_from_x86_only(lt61_arm64: LoadedTree, tree_61: Path):
    lt = lt61_arm64
    lt.defconfig()
    e = why.explain(lt, sym(lt, "RUST"), "y")
    leaf = next(r for r in walk(unmet(e)) if r.kind == "arch")
    assert leaf.symbol == "HAVE_RUST"
    grep = subprocess.run(["grep", "-rn", r"select HAVE_RUST\b", "--include=Kconfig*", "arch"],
                          cwd=tree_61, capture_output=True, text=True).stdout.split("\n")
    expected = {(ln.split("/")[1], ln.split(":")[0] + ":" + ln.split(":")[1]) for ln in grep if ln}
    assert {(a.arch, a.location) for a in leaf.arches} == expected == {
        ("x86", "arch/x86/Kconfig:" + str(source_line(tree_61, "arch/x86/Kconfig", r"select HAVE_RUST")))}
    assert [a.condition for a in leaf.arches] == ["X86_64"]
    assert not any(a.current for a in leaf.arches)
    assert "ARCH=arm64" in leaf.text


def test_72_modversions_or_gendwarfksyms(lt72_fixed: LoadedTree, tree_72: Path):
    lt = lt72_fixed
    lt.defconfig()
    assert lt.ev.set_value(sym(lt, "MODVERSIONS"), "y")
    e = why.explain(lt, sym(lt, "RUST"), "y")
    blockers = unmet(e)
    assert [r.expr for r in blockers] == ["!MODVERSIONS || GENDWARFKSYMS"]
    line = next(n for n, t in rust_depends_lines(tree_72).items()
                if t == "depends on !MODVERSIONS || GENDWARFKSYMS")
    assert blockers[0].location == f"init/Kconfig:{line}"
    group = blockers[0].children[0]
    assert group.kind == "any" and len(group.children) == 2
    assert group.children[0].action == "set MODVERSIONS to n"
    assert "GENDWARFKSYMS" in group.children[1].text
    assert follow(lt, sym(lt, "RUST"), "y")[0] == "set MODVERSIONS to n"


def test_72_debian_config_has_rust(lt72_fixed: LoadedTree):
    lt = lt72_fixed
    lt.read_config(ensure_distro_config("7.2"))
    e = why.explain(lt, sym(lt, "RUST"), "y")
    assert e.ok and e.value == "y"
    assert why.rust_status(lt).summary.startswith("Rust support is enabled")


# -- menus, if blocks, choices -----------------------------------------------------------------


def test_choice_member(lt612_fixed: LoadedTree, tree_612: Path):
    lt = lt612_fixed
    lt.defconfig()
    xz = sym(lt, "KERNEL_XZ")
    e = why.explain(lt, xz, "y")
    assert e.reasons[0].kind == "choose"
    assert e.reasons[0].action == "choose KERNEL_XZ in choice 'Kernel compression mode'"
    follow(lt, xz, "y")
    assert lt.ev.str_value(xz) == "y" and lt.ev.str_value(sym(lt, "KERNEL_GZIP")) == "n"
    # a member of a hidden choice: the choice's own dependencies come next
    zlib = sym(lt, "DEBUG_INFO_COMPRESSED_ZLIB")
    e = why.explain(lt, zlib, "y")
    first = unmet(e)[0]
    assert first.kind == "choice" and first.location == "lib/Kconfig.debug:" + str(
        source_line(tree_612, "lib/Kconfig.debug", r'prompt "Compressed Debug information"') - 1)
    assert "DEBUG_INFO" in {r.symbol for r in walk([first])}
    assert why.one_line_reason(lt, zlib) == "needs choice 'Compressed Debug information' (hidden)"
    choice = zlib.choice
    ce = why.explain(lt, choice, "visible")
    assert not ce.ok and "DEBUG_INFO" in ce.summary
    follow(lt, zlib, "y")
    assert lt.ev.str_value(zlib) == "y"


def test_if_block_around_a_source_line(lt612_fixed: LoadedTree, tree_612: Path):
    lt = lt612_fixed
    lt.defconfig()
    tpm = sym(lt, "TRUSTED_KEYS_TPM")
    e = why.explain(lt, tpm, "y")
    first = unmet(e)[0]
    # the 'if' is in security/keys/Kconfig, around the line that sources trusted-keys/Kconfig
    assert first.kind == "if" and first.location == "security/keys/Kconfig:" + str(
        source_line(tree_612, "security/keys/Kconfig", r"^if TRUSTED_KEYS$"))
    assert first.children[0].action.startswith("set TRUSTED_KEYS to ")
    own = next(r for r in e.reasons if r.expr == "TCG_TPM >= TRUSTED_KEYS")
    assert own.kind == "depends" and own.location == "security/keys/trusted-keys/Kconfig:" + str(
        source_line(tree_612, "security/keys/trusted-keys/Kconfig", r"depends on TCG_TPM >= TRUSTED_KEYS"))
    # after TRUSTED_KEYS, 'TCG_TPM >= TRUSTED_KEYS' becomes the blocker, and is solved too
    steps = follow(lt, tpm, "y")
    assert steps[0].startswith("set TRUSTED_KEYS to ")
    assert any(s.startswith("set TCG_TPM to ") for s in steps)


def test_rust_sample_behind_two_if_blocks(lt612_fixed: LoadedTree, tree_612: Path):
    lt = lt612_fixed
    lt.defconfig()
    minimal = sym(lt, "SAMPLE_RUST_MINIMAL")
    e = why.explain(lt, minimal, "y")
    ifs = {r.location for r in unmet(e) if r.kind == "if"}
    assert ifs == {"samples/Kconfig:" + str(source_line(tree_612, "samples/Kconfig", r"^if SAMPLES$")),
                   "samples/rust/Kconfig:" + str(source_line(tree_612, "samples/rust/Kconfig", r"^if SAMPLES_RUST$"))}
    chain = path_to(e.reasons, lambda r: r.symbol == "RUST")
    assert chain is not None and "SAMPLES_RUST" in [r.symbol for r in chain]
    steps = follow(lt, minimal, "y")
    assert {"set SAMPLES to y", "set RUST to y", "set SAMPLES_RUST to y"} <= set(steps)
    assert steps[-1] == "set SAMPLE_RUST_MINIMAL to y"


def test_menu_visible_if(lt612_fixed: LoadedTree, tree_612: Path):
    lt = lt612_fixed
    lt.defconfig()
    algobit = sym(lt, "I2C_ALGOBIT")
    line = "drivers/i2c/algos/Kconfig:" + str(source_line(tree_612, "drivers/i2c/algos/Kconfig",
                                                          r"visible if !I2C_HELPER_AUTO"))
    e = why.explain(lt, algobit, "visible")
    first = unmet(e)[0]
    assert (first.kind, first.location) == ("visible-if", line)
    assert first.children[0].action == "set I2C_HELPER_AUTO to n"
    menu = next(n for n in lt.kconf.menus if n.prompt[0] == "I2C Algorithms")
    me = why.explain(lt, menu, "visible")
    assert not me.ok and unmet(me)[0].location == line
    # menuconfig prints 'Visible if' for this prompt; so do the facts
    assert e.facts.prompts[0].visible_if.startswith("!I2C_HELPER_AUTO [=y]")
    follow(lt, menu, "visible")
    assert why.explain(lt, algobit, "visible").ok and lt.ev.visibility(algobit)


# -- why is it on ------------------------------------------------------------------------------


def test_selected_symbol(lt612_fixed: LoadedTree, tree_612: Path):
    lt = lt612_fixed
    lt.defconfig()
    have = sym(lt, "HAVE_RUST")
    e = why.explain_set(lt, have)
    assert e.ok and e.value == "y"
    sel = e.reasons[0]
    assert (sel.kind, sel.symbol) == ("select", "X86")
    assert sel.location == "arch/x86/Kconfig:" + str(source_line(tree_612, "arch/x86/Kconfig", r"select HAVE_RUST"))
    off = why.explain(lt, have, "n")
    assert not off.ok and "forced" in off.summary and unmet(off)[0].symbol == "X86"
    # a symbol with a prompt, on because a driver selects it
    algobit = why.explain_set(lt, sym(lt, "I2C_ALGOBIT"))
    by = [r for r in algobit.reasons if r.kind == "select"]
    assert "DRM_I915" in {r.symbol for r in by}
    i915 = next(r for r in by if r.symbol == "DRM_I915")
    assert i915.location == "drivers/gpu/drm/i915/Kconfig:" + str(
        source_line(tree_612, "drivers/gpu/drm/i915/Kconfig", r"select I2C_ALGOBIT"))
    assert {r.symbol for r in algobit.facts.selected_by["y"]} == {r.symbol for r in by}
    # a value from a default, and one from the user
    e = why.explain_set(lt, sym(lt, "RUSTC_VERSION"))
    assert e.reasons[0].kind == "environment"
    assert lt.ev.set_value(sym(lt, "LATENCYTOP"), "y")
    assert why.explain_set(lt, sym(lt, "LATENCYTOP")).reasons[0].kind == "user-value"


def test_cyclic_looking_dependencies_terminate(lt612_fixed: LoadedTree):
    lt = lt612_fixed
    lt.defconfig()
    # 'depends on IPV6 || IPV6 = n' names IPV6 twice; with IPV6=m it holds NET_IPGRE at m
    assert lt.ev.set_value(sym(lt, "IPV6"), "m")
    assert lt.ev.set_value(sym(lt, "NET_IPGRE_DEMUX"), "m")
    gre = sym(lt, "NET_IPGRE")
    e = why.explain(lt, gre, "y")
    term = next(r for r in unmet(e) if r.expr == "IPV6 || IPV6 = n")
    actions = {r.action for r in walk([term]) if r.action}
    assert actions == {"set IPV6 to y", "set IPV6 to n"}
    follow(lt, gre, "y")
    assert lt.ev.str_value(gre) == "y"
    # MIGRATION depends on COMPACTION, which selects it: turning it off goes through COMPACTION once
    lt.defconfig()
    mig = sym(lt, "MIGRATION")
    e = why.explain(lt, mig, "n")
    assert unmet(e)[0].kind == "select" and unmet(e)[0].symbol == "COMPACTION"
    for r in walk(e.reasons):
        if r.symbol and r.children:
            assert r.symbol not in {x.symbol for x in walk(r.children) if x.children}, r.symbol
    follow(lt, mig, "n")
    assert lt.ev.str_value(mig) == "n"


# -- menuconfig's help screen ------------------------------------------------------------------


def help_screen_symbols(lt: LoadedTree, s: Symbol) -> tuple[set[str], dict[str, set[str]]]:
    """Symbols menuconfig's '?' screen names (get_symbol_str of scripts/kconfig/menu.c):
    'Depends on' (menu->dep) and 'Visible if' (the prompt's visibility) of each prompt,
    and the 'Selected by [y/m/n]'/'Implied by' terms grouped by their value."""
    dep: set[str] = set()
    for node in s.nodes:
        for e in (node.dep, node.prompt[1] if node.prompt else lt.kconf.y):
            dep |= {x.name for x in kconfiglib.expr_items(e)
                    if x.__class__ is Symbol and not x.is_constant and x.nodes}
    by: dict[str, set[str]] = {}
    for expr, title in ((s.rev_dep, "Selected by"), (s.weak_rev_dep, "Implied by")):
        for t in split_expr(expr, OR):
            if t is lt.kconf.n:
                continue
            head = split_expr(t, AND)[0]
            by.setdefault(f"{title} [{'nmy'[lt.ev.expr(t)]}]", set()).add(head.name)
    return dep, by


@pytest.mark.parametrize("names", [
    ["RUST", "SAMPLE_RUST_MINIMAL", "SAMPLES_RUST", "I2C_ALGOBIT", "TRUSTED_KEYS_TPM", "DRM_I915_WERROR",
     "KERNEL_XZ", "DEBUG_INFO_COMPRESSED_ZLIB", "MODVERSIONS", "RUST_DEBUG_ASSERTIONS", "CFI_CLANG"],
])
def test_everything_menuconfig_says_is_there(lt612_old_bindgen: LoadedTree, names: list[str]):
    lt = lt612_old_bindgen
    lt.defconfig()
    for name in names:
        s = sym(lt, name)
        e = why.explain(lt, s, "visible")
        dep, by = help_screen_symbols(lt, s)
        said = " ".join(f"{r.text} {r.expr or ''} {r.symbol or ''}" for r in walk(e.reasons))
        missing = {n for n in dep if not re.search(rf"\b{n}\b", said)}
        assert not missing, (name, missing, e.text(facts=False))
        facts = e.facts
        for title, symbols in by.items():
            kind, val = title.split(" [")
            table = facts.selected_by if kind == "Selected by" else facts.implied_by
            assert {r.symbol for r in table[val.rstrip("]")]} == symbols, (name, title)
            assert f"{title}:" in e.text()


# -- rust-status and the classifier ------------------------------------------------------------


def test_rust_classifier(lt612_fixed: LoadedTree):
    lt = lt612_fixed
    for name in ("SAMPLE_RUST_MINIMAL", "RUST_DEBUG_ASSERTIONS", "HAVE_RUST", "RUSTC_VERSION",
                 "BINDGEN_VERSION_TEXT", "RUST_IS_AVAILABLE", "RUST", "SAMPLES_RUST"):
        assert is_rust_related(lt, sym(lt, name)), name
    for name in ("TRUSTED_KEYS", "TRUSTED_KEYS_TPM", "X86", "MODVERSIONS", "SAMPLES"):
        assert not is_rust_related(lt, sym(lt, name)), name
    assert name_is_rust("RUSTC_LLVM_VERSION") and not name_is_rust("THRUSTMASTER_FF")
    assert file_is_rust("samples/rust/Kconfig") and file_is_rust("drivers/gpu/Kconfig.rust")
    assert not file_is_rust("security/keys/trusted-keys/Kconfig")
    listed = rust_symbols(lt)
    order = {s: i for i, s in enumerate(lt.kconf.unique_defined_syms)}
    assert [order[s] for s in listed] == sorted(order[s] for s in listed)
    assert all(is_rust_related(lt, s) for s in listed)


def test_rust_status_entries(lt612_old_bindgen: LoadedTree):
    lt = lt612_old_bindgen
    lt.defconfig()
    st = why.rust_status(lt)
    entries = {e.name: e for e in st.entries}
    assert entries["RUST"].reason == "needs RUST_IS_AVAILABLE (n)"
    assert entries["SAMPLE_RUST_MINIMAL"].reason.startswith("needs ")
    assert "SAMPLES" in entries["SAMPLE_RUST_MINIMAL"].reason
    assert entries["RUST_IS_AVAILABLE"].reason == "no prompt; computed by a shell probe (n)"
    assert entries["HAVE_RUST"].reason == "no prompt; selected by X86"
    # every hidden or off entry says why
    for en in st.entries:
        if not en.visible and en.value in ("n", ""):
            assert en.reason, en.name
    data = st.to_dict()
    assert data == json.loads(json.dumps(data)) and data["schema"] == why.SCHEMA
    assert json.dumps(data, sort_keys=False) == json.dumps(why.rust_status(lt).to_dict(), sort_keys=False)


def test_rust_related_explanations_end_in_leaves(lt612_old_bindgen: LoadedTree, lt72_fixed: LoadedTree,
                                                 tree_612: Path, tree_72: Path):
    for lt, src in ((lt612_old_bindgen, tree_612), (lt72_fixed, tree_72)):
        lt.defconfig()
        for s in rust_symbols(lt):
            wants = ["y", "n", "visible"] if s.orig_type in (BOOL, TRISTATE) else ["visible"]
            for want in wants:
                e = why.explain(lt, s, want)
                check_shape(e)
                check_locations(src, e.reasons)
            check_shape(why.explain_set(lt, s))


# -- the command line ----------------------------------------------------------------------------


def test_cli_why_and_rust_status(tree_612: Path, toolchain: Toolchain, capsys: pytest.CaptureFixture[str]):
    args = ["--arch", "x86_64", "--make-var", f"RUSTC={toolchain.rustc}", "--make-var",
            f"BINDGEN={DEBIAN_BINDGEN}", "--config", str(tree_612 / "arch/x86/configs/x86_64_defconfig")]
    assert cli.main(["why", str(tree_612), "RUST", *args]) == 0
    text = capsys.readouterr().out
    line = next(n for n, t in rust_depends_lines(tree_612).items() if t == "depends on RUST_IS_AVAILABLE")
    assert f"depends on RUST_IS_AVAILABLE [=n]  (init/Kconfig:{line})" in text
    assert "macro:   $(success,$(srctree)/scripts/rust_is_available.sh)" in text
    assert "Depends on: HAVE_RUST [=y] && RUST_IS_AVAILABLE [=n]" in text

    assert cli.main(["why", str(tree_612), "CONFIG_MODVERSIONS=y", "--json", *args]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["schema"] == why.SCHEMA and data["target"] == "MODVERSIONS" and data["want"] == "y"
    assert [r["action"] for r in data["reasons"]] == ["set MODVERSIONS to y"]

    assert cli.main(["rust-status", str(tree_612), "--json", *args]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [b["expr"] for b in data["blockers"]] == ["RUST_IS_AVAILABLE"]
    assert {t["location"] for t in data["terms"]} == {f"init/Kconfig:{n}" for n in rust_depends_lines(tree_612)}

    assert cli.main(["why", str(tree_612), "NO_SUCH_SYMBOL", *args]) == 1
    assert "NO_SUCH_SYMBOL" in capsys.readouterr().err


def test_json_shape_is_stable(lt612_old_bindgen: LoadedTree):
    lt = lt612_old_bindgen
    lt.defconfig()
    a = why.explain(lt, sym(lt, "RUST"), "y").to_dict()
    b = why.explain(lt, sym(lt, "RUST"), "y").to_dict()
    assert json.dumps(a) == json.dumps(b)
    assert list(a) == ["target", "kind", "type", "prompt", "location", "want", "value", "ok", "summary",
                       "reasons", "facts", "schema"]
    assert set(a["reasons"][0]) == {f.name for f in why.Reason.__dataclass_fields__.values()}


def test_targets_of_every_kind(lt612_fixed: LoadedTree):
    lt = lt612_fixed
    lt.defconfig()
    comment = next(n for n in lt.kconf.comments if not lt.ev.menu_is_visible(n) and n.prompt)
    e = why.explain(lt, comment, "visible")
    assert e.kind == "comment" and not e.ok and unmet(e)
    assert isinstance(comment, MenuNode)
    choice = next(c for c in lt.kconf.unique_choices if lt.ev.choice_visibility(c))
    assert isinstance(choice, Choice) and why.explain(lt, choice, "visible").ok
    with pytest.raises(ValueError):
        why.explain(lt, sym(lt, "RUST"), "maybe")
    # a number outside its range
    hz = sym(lt, "LOG_BUF_SHIFT")
    e = why.explain(lt, hz, "99")
    assert e.reasons[0].kind == "range" and "outside the range" in e.reasons[0].text


def test_one_line_reason_names_a_failed_probe_dependency():
    # arch/Kconfig of the demo: depends on $(success,test -e <gcc plugin header>); the
    # header is not installed here (the test asserts the probe's own output first)
    from rustconfig_gui.assets import demo_tree
    from rustconfig_gui.kconfig.loader import load_tree as _load
    from rustconfig_gui.kconfig.tree import KernelTree as _Tree

    lt = _load(_Tree(demo_tree()))
    call = next(c for c in lt.trace.calls if "plugin-version.h" in c.command)
    if call.output != "n":
        pytest.skip("this machine has the GCC plugin headers, so the probe passes")
    assert why.one_line_reason(lt, lt.sym("GCC_PLUGINS")) == f"needs a probe that failed ({call.location})"
