"""A reload keeps the user's place by each entry's key (gui/navigation.py): the entry
found by walking down the menus on the key's path is the one a lookup over every entry
of the tree gives (the first in menu order with that key)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from rustconfig_gui.assets import demo_tree
from rustconfig_gui.gui.navigation import find_by_key, node_key
from rustconfig_gui.kconfig.loader import load_tree
from rustconfig_gui.kconfig.tree import KernelTree


def _first_by_key(kconf) -> dict[tuple[str, ...], object]:
    by_key: dict[tuple[str, ...], object] = {}
    for n in kconf.node_iter():
        by_key.setdefault(node_key(n), n)
    return by_key


@pytest.mark.parametrize("which", ["demo", "7.2"])
def test_find_by_key_is_the_first_entry_with_that_key(which: str, tree_72: Path, make_env, tmp_path: Path):
    src = demo_tree() if which == "demo" else tree_72
    lt = load_tree(KernelTree(src, build=tmp_path / "b", arch=None if which == "demo" else "x86_64"),
                   base_env=None if which == "demo" else make_env)
    kconf = lt.kconf
    nodes = list(kconf.node_iter())
    by_key = _first_by_key(kconf)
    # entries that share a key with an earlier one exist (the same option defined twice in a menu)
    shared = len(nodes) - len(by_key)
    sample = nodes if len(nodes) < 3000 else random.Random(7).sample(nodes, 3000)
    sample += [n for n in nodes if by_key[node_key(n)] is not n]  # the later ones of a shared key
    for n in sample:
        key = node_key(n)
        assert find_by_key(kconf.top_node, key) is by_key[key], key
    # keys no entry has: none found
    assert find_by_key(kconf.top_node, ("NOPE:nothing",)) is None
    if nodes[1:]:
        deep = node_key(nodes[-1])
        assert find_by_key(kconf.top_node, (*deep, "NOPE:")) is None
    print(f"{which}: {len(nodes)} entries, {shared} sharing a key with an earlier one")
