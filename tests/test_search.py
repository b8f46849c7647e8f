"""Search over a real tree: word-aware ranking of names, prompts and help."""

from __future__ import annotations

from pathlib import Path

import pytest

from rustconfig_gui.kconfig.loader import LoadedTree, load_tree
from rustconfig_gui.kconfig.tree import KernelTree
from rustconfig_gui.workspace.search import SearchIndex, _rank, _score


@pytest.fixture(scope="module")
def loaded(tree_612: Path, make_env) -> LoadedTree:
    return load_tree(KernelTree(tree_612, arch="x86_64"), base_env=make_env)


@pytest.fixture(scope="module")
def index(loaded: LoadedTree) -> SearchIndex:
    return SearchIndex(loaded.kconf)


def test_rust_ranks_rust_words_before_trusted(index: SearchIndex):
    hits = index.search("RUST")
    names = [h.name for h in hits]
    assert names[0] == "RUST"
    trusted = names.index("TRUSTED_KEYS")
    for rust_name in ("HAVE_RUST", "RUST_IS_AVAILABLE", "SAMPLES_RUST", "RUST_DEBUG_ASSERTIONS"):
        assert names.index(rust_name) < trusted, rust_name


def test_prompt_and_help_matches_with_menu_path(index: SearchIndex):
    hits = index.search("minimal rust")
    assert hits and hits[0].name == "SAMPLE_RUST_MINIMAL"
    assert hits[0].path[-1] == "Rust samples"
    assert "Kernel hacking" in hits[0].path


def test_config_prefix_and_case_are_ignored(index: SearchIndex):
    assert index.search("config_modversions")[0].name == "MODVERSIONS"
    assert index.search("modversions")[0].name == "MODVERSIONS"


def test_menus_are_found_by_prompt(index: SearchIndex):
    hits = index.search("Rust hacking")
    assert any(h.name == "" and h.prompt == "Rust hacking" for h in hits[:5])


def test_no_match(index: SearchIndex):
    assert index.search("zzqqxxnotathing") == []
    assert index.search("   ") == []


def _every_entry_scored(index: SearchIndex, query: str, limit: int) -> list[tuple[int, str, object]]:
    """The reference: every entry scored word by word with ``_score``."""
    words = [w for w in query.lower().replace("config_", "").split() if w]
    found = []
    for e in index._entries:
        scores = [_score(e, w) for w in words]
        if words and all(s for s, _ in scores):
            found.append((sum(s for s, _ in scores), next(k for _, k in scores if k), e))
    found.sort(key=_rank)
    return [(score, where, e.node) for score, where, e in found[:limit]]


QUERIES = ["r", "x", "ru", "rust", "RUST", "usb", "usb_s", "_", "a_", "net dev", "rust s", "config_rust",
           "8", "0x", "-", "k", "support", "nvme tcp", "dma-buf", "zzzz", "e", "fs", "ext4", "i2c", "debug fs"]


@pytest.mark.parametrize("limit", [1, 100, 200, 100000])
def test_the_quick_search_ranks_exactly_as_scoring_every_entry(index: SearchIndex, limit: int):
    for q in QUERIES:
        got = [(h.score, h.where, h.node) for h in index.search(q, limit=limit)]
        assert got == _every_entry_scored(index, q, limit), q
