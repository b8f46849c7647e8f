"""Parity with the kernel's C conf on real trees: 0 differing lines everywhere.

Each setup runs the tree's own make (defconfig, savedefconfig, allmodconfig,
olddefconfig, Debian's distribution config) and our engine on the same input.
"""

from __future__ import annotations

import pytest

from devtools.parity import (
    Harness,
    Setup,
    default_setups,
    llvm_too_old,
    table,
)

SETUPS = default_setups()


@pytest.fixture(scope="module")
def harness() -> Harness:
    return Harness()


@pytest.mark.slow
@pytest.mark.parametrize("setup", SETUPS, ids=[s.label.replace(" ", "-") for s in SETUPS])
def test_parity(harness: Harness, setup: Setup):
    if setup.llvm and (why := llvm_too_old(setup.version)):
        pytest.skip(why)
    start = len(harness.results)
    harness.run_setup(setup)
    results = harness.results[start:]
    assert len(results) >= 5
    print("\n" + table(results))
    for r in results:
        assert r.differing == 0, f"{r.setup} / {r.scenario}:\n" + "\n".join(r.sample)
        assert r.c_lines == r.our_lines > 0


@pytest.mark.slow
def test_upgrades_5_10_to_6_1_to_6_12_to_7_2(harness: Harness):
    start = len(harness.results)
    harness.run_upgrades()
    results = harness.results[start:]
    assert [r.scenario for r in results] == ["upgrade 5.10 -> 6.1 (olddefconfig)",
                                             "upgrade 6.1 -> 6.12 (olddefconfig)",
                                             "upgrade 6.12 -> 7.2 (olddefconfig)"]
    for r in results:
        assert r.differing == 0, "\n".join(r.sample)


@pytest.mark.slow
def test_new_options_and_changed_input_of_debian_configs(harness: Harness):
    start = len(harness.results)
    harness.run_new_options()
    results = harness.results[start:]
    assert {r.scenario for r in results} >= {"listnewconfig of Debian 6.1", "helpnewconfig of Debian 6.1",
                                             "listnewconfig of Debian 6.12", "helpnewconfig of Debian 6.12"}
    print("\n" + table(results))
    for r in results:
        assert r.differing == 0, f"{r.setup} / {r.scenario}:\n" + "\n".join(r.sample)
        assert r.c_lines == r.our_lines > 0
