"""The kernel's own Kconfig self-tests (scripts/kconfig/tests of 7.2), run through our engine.

These are the C tool's regression cases for the constructs kconfiglib 14.1.0
lacks (conditional dependencies, transitional symbols) and for the 6.11
choice rules; each expected file is the C conf's output.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rustconfig_gui.kconfig import configfile
from rustconfig_gui.kconfig.loader import load_kconfig_dir

VERSION = (7, 2, 0)


@pytest.fixture(scope="module")
def selftests(tree_72: Path) -> Path:
    return tree_72 / "scripts" / "kconfig" / "tests"


def _load(case: Path):
    return load_kconfig_dir(case, VERSION)


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines()


def _olddefconfig(case: Path, config: str) -> str:
    kconf, ev = _load(case)
    configfile.read_config_file(ev, case / config)
    return configfile.config_text(ev)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_conditional_dep(selftests: Path, n: int):
    case = selftests / "conditional_dep"
    out = _olddefconfig(case, f"test_config{n}")
    assert out.splitlines() == _lines(case / f"expected_config{n}")


def test_transitional(selftests: Path):
    case = selftests / "transitional"
    out = _olddefconfig(case, "initial_config").splitlines()
    for line in _lines(case / "expected_config"):
        assert line in out
    # transitional symbols are never written
    assert not [ln for ln in out if "CONFIG_OLD_" in ln]


@pytest.mark.parametrize("mode, expected", [
    ("yes", "allyes_expected_config"),
    ("mod", "allmod_expected_config"),
    ("no", "allno_expected_config"),
])
def test_choice_all_configs(selftests: Path, mode: str, expected: str):
    case = selftests / "choice"
    kconf, ev = _load(case)
    configfile.set_all_new(ev, mode)
    out = configfile.config_text(ev).splitlines()
    for line in _lines(case / expected):
        assert line in out


def test_choice_alldefconfig(selftests: Path):
    case = selftests / "choice"
    kconf, ev = _load(case)
    out = configfile.config_text(ev).splitlines()
    for line in _lines(case / "alldef_expected_config"):
        assert line in out


def test_warn_changed_input_olddefconfig_and_savedefconfig(selftests: Path):
    case = selftests / "warn_changed_input"
    kconf, ev = _load(case)
    configfile.read_config_file(ev, case / "config")
    assert configfile.config_text(ev).splitlines() == _lines(case / "expected_config")
    assert configfile.min_config_text(ev).splitlines() == _lines(case / "expected_defconfig")
