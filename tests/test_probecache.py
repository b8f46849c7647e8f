"""The probe-result cache on a real tree with real tools and fake-toolchain scripts."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fakes import fake_toolchain

from devtools.cref import clean_env
from rustconfig_gui.kconfig.loader import load_tree
from rustconfig_gui.kconfig.shell.cache import CachedResult, ProbeCache
from rustconfig_gui.kconfig.tree import KernelTree


def _load(src: Path, cache: ProbeCache | None, make_vars: tuple[tuple[str, str], ...] = ()):
    return load_tree(KernelTree(src, arch="x86_64", make_vars=make_vars), base_env=clean_env(),
                     probe_cache=cache)


def _outputs(lt) -> list[tuple[str, str, int, str]]:
    return [(c.command, c.output, c.status, c.location) for c in lt.trace.calls]


@pytest.fixture(scope="module")
def toolchain(tmp_path_factory) -> object:
    return fake_toolchain(tmp_path_factory.mktemp("tc"))


@pytest.fixture(scope="module")
def cold_warm(tree_612, toolchain, tmp_path_factory):
    root = tmp_path_factory.mktemp("probes")
    cold = _load(tree_612, ProbeCache(root), toolchain.make_vars)
    warm_cache = ProbeCache(root)
    warm = _load(tree_612, warm_cache, toolchain.make_vars)
    return root, cold, warm, warm_cache


def test_warm_load_equals_cold_load(cold_warm):
    root, cold, warm, warm_cache = cold_warm
    assert not any(c.cached for c in cold.trace.calls)
    assert _outputs(warm) == _outputs(cold)
    assert [c.stderr for c in warm.trace.calls] == [c.stderr for c in cold.trace.calls]
    cold.defconfig()
    warm.defconfig()
    assert warm.config_text() == cold.config_text()
    # most probes came from the cache; what did not is accounted for
    hits = [c for c in warm.trace.calls if c.cached]
    assert len(hits) == warm_cache.stats.hits > len(warm.trace.calls) // 2
    assert warm_cache.stats.hits + warm_cache.stats.uncacheable == len(warm.trace.calls)


def test_rust_is_available_is_never_cached(cold_warm):
    _root, _cold, warm, _cache = cold_warm
    calls = [c for c in warm.trace.calls if "rust_is_available.sh" in c.command]
    assert calls and not any(c.cached for c in calls)
    # its result still reflects the fake toolchain, which make rustavailable accepts
    assert calls[0].output == "y"


def test_touching_rustc_invalidates_exactly_its_probes(cold_warm, tree_612, toolchain):
    root, _cold, warm, _cache = cold_warm
    uncacheable = {c.command for c in warm.trace.calls if not c.cached}
    st = toolchain.rustc.stat()
    os.utime(toolchain.rustc, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    cache = ProbeCache(root)
    again = _load(tree_612, cache, toolchain.make_vars)
    rerun = {c.command for c in again.trace.calls if not c.cached}
    uses_rustc = {c.command for c in again.trace.calls
                  if str(toolchain.rustc) in c.command} - uncacheable
    assert uses_rustc, "the tree has probes that run RUSTC"
    assert rerun - uncacheable == uses_rustc
    assert cache.stats.misses == len(uses_rustc)
    assert _outputs(again) == _outputs(warm)


def test_unresolvable_program_is_never_cached(tree_612, toolchain, tmp_path):
    root = tmp_path / "probes"
    missing = "rustconfig-no-such-bindgen"
    make_vars = (("RUSTC", str(toolchain.rustc)), ("BINDGEN", missing))
    _load(tree_612, ProbeCache(root), make_vars)
    cache = ProbeCache(root)
    lt = _load(tree_612, cache, make_vars)
    calls = [c for c in lt.trace.calls if c.command.startswith(missing)]
    assert calls and not any(c.cached for c in calls)
    assert any(c.startswith(missing) for c in cache.stats.uncacheable_commands)
    env = dict(lt.env.variables)
    assert cache.key(f"{missing} --version", env, str(tree_612), str(tree_612)) is None
    assert cache.key(f"{{ {missing} -x; }} >/dev/null 2>&1 && echo y", env, str(tree_612),
                     str(tree_612)) is None
    # a builtin-only command and a real program are cacheable
    assert cache.key('test "GNU" = GNU && echo y', env, str(tree_612), str(tree_612)) is not None
    assert cache.key("gcc --version", env, str(tree_612), str(tree_612)) is not None


def test_disabled_cache_writes_nothing(tree_612, toolchain, tmp_path):
    root = tmp_path / "probes"
    cache = ProbeCache(root, enabled=False)
    lt = _load(tree_612, cache, toolchain.make_vars)
    assert lt.trace.calls and not any(c.cached for c in lt.trace.calls)
    assert not root.exists()
    assert cache.stats.hits == cache.stats.misses == 0


def test_clear_removes_every_entry(cold_warm, tmp_path):
    root, *_ = cold_warm
    scratch = ProbeCache(tmp_path / "c")
    env = {"PATH": os.environ["PATH"]}
    key = scratch.key("gcc -dumpversion", env, str(tmp_path), str(tmp_path))
    assert key is not None
    scratch.put(key, CachedResult(b"12\n", b"", 0, 0.01))
    assert scratch.get(key) == CachedResult(b"12\n", b"", 0, 0.01)
    assert scratch.entries() == 1
    assert scratch.clear() == 1
    assert scratch.entries() == 0 and scratch.get(key) is None
    assert ProbeCache(root).entries() > 0
