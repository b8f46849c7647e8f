"""The parse cache: a stored parse is used exactly when nothing it depends on changed.

Real trees, real make, real probes; fake toolchains are executable scripts.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from fakes import fake_toolchain

from devtools.cref import clean_env
from devtools.kdump import dump, first_difference, sharing
from rustconfig_gui.assets import demo_tree
from rustconfig_gui.kconfig import configfile
from rustconfig_gui.kconfig.loader import load_tree, store_parse
from rustconfig_gui.kconfig.parsecache import ParseCache
from rustconfig_gui.kconfig.parser import KernelKconfig
from rustconfig_gui.kconfig.shell.cache import ProbeCache
from rustconfig_gui.kconfig.tree import KernelTree


def _load(tree: KernelTree, root: Path, parse: bool = True):
    return load_tree(tree, base_env=clean_env(), probe_cache=ProbeCache(root / "probes"),
                     parse_cache=ParseCache(root / "parses") if parse else None)


def _trace(lt) -> list[tuple[str, str, int, str]]:
    return [(c.command, c.output, c.status, c.location) for c in lt.trace.calls]


def _bump_mtime(path: Path) -> None:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))


@pytest.fixture(scope="module")
def real_612(tree_612, tmp_path_factory):
    """6.12 parsed fresh, stored, then read back from the store."""
    root = tmp_path_factory.mktemp("caches")
    tc = fake_toolchain(tmp_path_factory.mktemp("tc"))
    tree = KernelTree(tree_612, arch="x86_64", make_vars=tc.make_vars)
    fresh = _load(tree, root)
    assert not fresh.timings.parse_cached
    assert store_parse(fresh, ParseCache(root / "parses"))
    cached = _load(tree, root)
    return fresh, cached


def test_stored_parse_of_a_real_tree_computes_the_same_configurations(real_612):
    fresh, cached = real_612
    assert cached.timings.parse_cached
    assert cached.kconf is not fresh.kconf
    assert len(cached.kconf.unique_defined_syms) == len(fresh.kconf.unique_defined_syms)
    fresh.defconfig()
    cached.defconfig()
    assert cached.config_text() == fresh.config_text()
    assert cached.min_config_text() == fresh.min_config_text()
    for lt in (fresh, cached):
        lt.ev.clear_user()
        lt.all_new("mod")
    assert cached.config_text() == fresh.config_text()


def test_stored_parse_is_the_same_parse(real_612):
    """Every node, symbol, property, expression, help text, warning and variable
    as parsed (devtools/kdump.py), attributes a parse leaves unset included."""
    fresh, cached = real_612
    stored, parsed = dump(cached.kconf), dump(fresh.kconf)
    # a stored parse runs its probes again; the late values' come after the parse's own
    for d in (stored, parsed):
        d["trace"] = sorted(d["trace"])
    assert len(stored["nodes"]) > 15000
    assert first_difference(stored, parsed) == ""


def test_stored_parse_shares_objects_as_the_parse_does(real_612):
    """One condition object in several places is one object again (``cond is node.dep``)."""
    fresh, cached = real_612
    stored, parsed = sharing(cached.kconf), sharing(fresh.kconf)
    assert len(stored) > 100000
    assert stored == parsed


def test_stored_parse_keeps_trace_rewrites_and_source_lines(real_612):
    fresh, cached = real_612
    # the same probes with the same output (late values are bound after the parse's own probes)
    assert sorted(_trace(cached)) == sorted(_trace(fresh))
    assert cached.kconf.rewrites == fresh.kconf.rewrites
    assert cached.kconf.rewrites.modules, "6.12 has bare 'modules' lines"
    rust = cached.sym("RUST_IS_AVAILABLE")
    assert rust is not None
    node = rust.nodes[0]
    assert cached.kconf.source_line(node.filename, node.linenr).strip() == "config RUST_IS_AVAILABLE"
    # the probes were checked again, through the probe cache: only those it never keeps ran
    keys = ProbeCache(Path("/nonexistent"))
    never_kept = {c.command for c in cached.trace.calls
                  if keys.key(c.command, cached.env.variables, str(cached.tree.objtree),
                              str(cached.tree.source)) is None}
    assert any("rust_is_available" in c for c in never_kept)
    assert {c.command for c in cached.trace.calls if not c.cached} == never_kept


def test_values_copy_is_independent_of_the_edited_values(real_612):
    _fresh, cached = real_612
    cached.defconfig()
    copy = cached.values_copy()
    before = configfile.config_text(copy)
    assert before == cached.config_text()
    net = cached.sym("NET")
    assert net is not None and cached.ev.tri(net) == 2
    cached.ev.set_value(net, 0)
    cached.ev.invalidate()
    assert cached.config_text() != before
    assert configfile.config_text(copy) == before


@pytest.fixture()
def demo(tmp_path):
    """A writable copy of the demo tree with a fake toolchain."""
    src = tmp_path / "demo"
    shutil.copytree(demo_tree(), src)
    tc = fake_toolchain(tmp_path / "tc", rustc_version="1.85.0")
    tree = KernelTree(src, build=tmp_path / "build", make_vars=tc.make_vars)
    return tree, tc, tmp_path / "caches"


def _stored(tree: KernelTree, root: Path):
    lt = _load(tree, root)
    assert store_parse(lt, ParseCache(root / "parses"))
    return lt


def test_unchanged_tree_uses_the_stored_parse(demo):
    tree, _tc, root = demo
    _stored(tree, root)
    again = _load(tree, root)
    assert again.timings.parse_cached
    # storing an already stored parse is a no-op
    assert not store_parse(again, ParseCache(root / "parses"))


def test_edited_kconfig_file_is_parsed_again(demo):
    tree, _tc, root = demo
    _stored(tree, root)
    kconfig = tree.source / "drivers" / "Kconfig"
    kconfig.write_text(kconfig.read_text() + "\nconfig PARSE_CACHE_PROBE\n\tbool \"added after storing\"\n")
    cache = ParseCache(root / "parses")
    lt = load_tree(tree, base_env=clean_env(), probe_cache=ProbeCache(root / "probes"), parse_cache=cache)
    assert not lt.timings.parse_cached
    assert cache.last_miss == "drivers/Kconfig changed"
    assert lt.sym("PARSE_CACHE_PROBE") is not None


def test_toolchain_change_rebinds_late_values_without_parsing(demo, tmp_path):
    tree, tc, root = demo
    stored = _stored(tree, root)
    version = stored.sym("RUSTC_VERSION")
    assert version is not None and stored.ev.str_value(version) == "108500"

    # same tool, new mtime: its probes run again, print the same, the parse is reused
    _bump_mtime(tc.rustc)
    lt = _load(tree, root)
    assert lt.timings.parse_cached
    rerun = {c.command for c in lt.trace.calls if not c.cached}
    assert any(str(tc.rustc) in c for c in rerun)

    # another version: what it prints only reaches default values, which are bound
    # again on the stored parse (make's RUSTC_VERSION_TEXT changes too)
    newer = fake_toolchain(tmp_path / "tc2", rustc_version="1.90.0")
    shutil.copy2(newer.rustc, tc.rustc)
    _bump_mtime(tc.rustc)
    lt = _load(tree, root)
    assert lt.timings.parse_cached
    assert lt.ev.str_value(lt.sym("RUSTC_VERSION")) == "109000"
    assert lt.env.variables["RUSTC_VERSION_TEXT"].startswith("rustc 1.90.0")
    # the same values as parsing from scratch
    fresh = _load(tree, root, parse=False)
    for lt_ in (lt, fresh):
        lt_.defconfig()
    assert lt.config_text() == fresh.config_text()
    assert sorted(_trace(lt)) == sorted(_trace(fresh))


def test_late_only_probe_printing_something_else_is_rebound(demo):
    tree, _tc, root = demo
    stored = _stored(tree, root)
    llvm = stored.sym("RUSTC_LLVM_VERSION")
    assert llvm is not None and stored.ev.str_value(llvm) == "190107"
    # a tree script behind a ':=' variable that only default values use
    script = tree.source / "scripts" / "rustc-llvm-version.sh"
    script.write_text(script.read_text().replace("echo $((10000", "echo $((20000"))
    lt = _load(tree, root)
    assert lt.timings.parse_cached
    assert lt.ev.str_value(lt.sym("RUSTC_LLVM_VERSION")) == "380107"


def test_probe_the_parse_reads_printing_something_else_is_parsed_again(demo):
    tree, _tc, root = demo
    stored = _stored(tree, root)
    gcc = stored.sym("GCC_VERSION")
    assert gcc is not None and stored.ev.str_value(gcc) != "0"
    # cc-info feeds $(error-if,…) and other variables while parsing: an input of the parse
    script = tree.source / "scripts" / "cc-version.sh"
    script.write_text(script.read_text().replace("echo $((10000", "echo $((20000"))
    cache = ParseCache(root / "parses")
    lt = load_tree(tree, base_env=clean_env(), probe_cache=ProbeCache(root / "probes"), parse_cache=cache)
    assert not lt.timings.parse_cached
    assert cache.last_miss.startswith("scripts/Kconfig.include:")
    assert "cc-version.sh" in cache.last_miss and "now prints something else" in cache.last_miss
    assert int(lt.ev.str_value(lt.sym("GCC_VERSION"))) > int(stored.ev.str_value(gcc))


def test_damaged_entry_is_a_miss_and_is_replaced(demo):
    tree, _tc, root = demo
    _stored(tree, root)
    (entry,) = (root / "parses").glob("*.pickle")
    data = entry.read_bytes()
    entry.write_bytes(data[: len(data) // 2])
    cache = ParseCache(root / "parses")
    lt = load_tree(tree, base_env=clean_env(), probe_cache=ProbeCache(root / "probes"), parse_cache=cache)
    assert not lt.timings.parse_cached
    assert cache.last_miss.startswith("damaged entry")
    assert store_parse(lt, cache)
    assert _load(tree, root).timings.parse_cached


def test_stopped_store_leaves_nothing(demo):
    tree, _tc, root = demo
    lt = _load(tree, root)
    cache = ParseCache(root / "parses")
    assert not store_parse(lt, cache, stopped=lambda: True)
    # the entry's writer lock (an empty file) stays for the next writer
    assert [p.suffix for p in (root / "parses").iterdir()] == [".lock"]
    assert not (root / "parses").glob("*.lock").__next__().stat().st_size


def test_only_the_newest_entries_are_kept(demo, tmp_path):
    tree, _tc, root = demo
    cache = ParseCache(root / "parses", keep=1)
    first = _load(tree, root)
    assert cache.store(first.kconf)
    other = KernelTree(tree.source, build=tmp_path / "other-build", make_vars=tree.make_vars)
    second = _load(other, root)
    assert cache.store(second.kconf)
    assert cache.entries() == 1
    assert _load(other, root).timings.parse_cached
    assert not _load(tree, root).timings.parse_cached
    assert cache.clear() == 1 and cache.entries() == 0


def test_tree_with_optional_sources_is_never_stored(tmp_path):
    (tmp_path / "Kconfig").write_text('mainmenu "t"\nosource "extra/Kconfig"\nconfig A\n\tbool "a"\n')
    kconf = KernelKconfig(str(tmp_path), {"srctree": str(tmp_path)})
    cache = ParseCache(tmp_path / "parses")
    assert not cache.store(kconf)
    assert "osource" in cache.last_miss
    assert cache.entries() == 0


def test_a_column_names_only_attributes_of_its_objects():
    """A stored parse sets attributes by name with generated code: only names of the class's slots."""
    import pickle

    import kconfiglib

    from rustconfig_gui.kconfig import parsecache

    syms = [kconfiglib.Symbol.__new__(kconfiglib.Symbol) for _ in range(3)]
    parsecache._set_column([syms], (0, "name", 0, ["A", "B", "C"], parsecache._VALUES))
    assert [s.name for s in syms] == ["A", "B", "C"]
    parsecache._set_column([syms], (0, "user_value", 0, None, parsecache._SHARED))
    assert [s.user_value for s in syms] == [None, None, None]
    for bad in ("nodes = 1\nimport os", "__class__", "no_such_slot"):
        with pytest.raises(pickle.UnpicklingError):
            parsecache._set_column([syms], (0, bad, 0, [1, 2, 3], parsecache._VALUES))
