"""The Rust classifier and the Rust lens's entries, against the rules computed plainly.

rustclass follows only what leads from a Rust-related symbol (kconfiglib's
``_dependents`` and the select index) and walks the lens's entries upwards;
here the same answers come from the rules as written: every symbol checked
against every rule until nothing changes, and the menu walked from the top.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from kconfiglib import AND, EQUAL, GREATER, GREATER_EQUAL, LESS, LESS_EQUAL, UNEQUAL, MenuNode, Symbol, split_expr

from rustconfig_gui.explain import rustclass
from rustconfig_gui.kconfig import menutree
from rustconfig_gui.kconfig.loader import LoadedTree, load_tree
from rustconfig_gui.kconfig.tree import KernelTree

_RELATIONS = (EQUAL, UNEQUAL, LESS, LESS_EQUAL, GREATER, GREATER_EQUAL)


def _load(src: Path, env: dict[str, str]) -> LoadedTree:
    return load_tree(KernelTree(src, arch="x86_64"), base_env=env)


@pytest.fixture(scope="module", params=["5.10", "6.1", "6.12", "7.2"])
def lt(request: pytest.FixtureRequest, make_env) -> LoadedTree:
    from devtools.trees import ensure_tree

    return _load(ensure_tree(request.param), make_env)


def required_by_rules(sym: Symbol) -> set[Symbol]:
    """Rule 3's AND terms of every definition's dependencies, with kconfiglib's split_expr."""
    out: set[Symbol] = set()
    for node in sym.nodes:
        for term in split_expr(node.dep, AND):
            if term.__class__ is Symbol:
                out.add(term)
            elif term.__class__ is tuple and term[0] in _RELATIONS:
                out.update(s for s in term[1:] if s.__class__ is Symbol)
    return {s for s in out if not s.is_constant and s.nodes}


def classify_by_rules(lt: LoadedTree) -> set[Symbol]:
    syms = lt.kconf.unique_defined_syms
    related = {s for s in syms if rustclass.name_is_rust(s.name)
               or any(rustclass.file_is_rust(n.filename) for n in s.nodes)}
    required = {s: required_by_rules(s) for s in syms}
    changed = True
    while changed:
        changed = False
        for s in syms:
            if s in related:
                continue
            if required[s] & related or any(t in related and not t.name.startswith(("HAVE_", "ARCH_"))
                                            for t, _ in s.selects):
                related.add(s)
                changed = True
    return related


def lens_by_walk(lt: LoadedTree, rust_syms: frozenset[Symbol]) -> frozenset[int]:
    found: set[int] = set()

    def mark(node: MenuNode) -> bool:
        has = node.item in rust_syms
        for child in menutree.static_children(node):
            has = mark(child) or has
        if has:
            found.add(id(node))
        return has

    mark(lt.kconf.top_node)
    return frozenset(found)


def test_classifier_matches_the_rules(lt: LoadedTree):
    rustclass._CACHE.pop(lt.kconf, None)
    expected = classify_by_rules(lt)
    listed = rustclass.rust_symbols(lt)
    assert set(listed) == expected
    order = [s for s in lt.kconf.unique_defined_syms if s in expected]
    assert listed == order
    if lt.sym("RUST") is not None:
        assert len(listed) >= 10
        # by name, by file, through a comparison (RUSTC_VERSION >= …) where the tree has one
        names = {s.name for s in listed}
        assert {"RUST", "SAMPLES_RUST", "HAVE_RUST", "RUST_IS_AVAILABLE"} <= names
        assert lt.sym("RUSTC_VERSION") is None or "RUSTC_VERSION" in names
    else:
        assert listed == []


def test_lens_entries_match_the_menu_walk(lt: LoadedTree):
    rust = frozenset(rustclass.rust_symbols(lt))
    assert rustclass.rust_node_ids(lt, rust) == lens_by_walk(lt, rust)
    if lt.sym("RUST") is not None:
        assert id(lt.kconf.top_node) in rustclass.rust_node_ids(lt, rust)
    else:
        assert rustclass.rust_node_ids(lt, rust) == frozenset()
    # any set of symbols (promptless ones, choice members, menus deep down)
    rng = random.Random(7)
    syms = list(lt.kconf.unique_defined_syms)
    for size in (1, 5, 50, 500):
        some = frozenset(rng.sample(syms, size))
        assert rustclass.rust_node_ids(lt, some) == lens_by_walk(lt, some), size
