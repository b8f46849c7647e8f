"""The dev tools against a real kernel tree: fetching it and running its C conf."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from devtools.cref import Build, CConf
from devtools.trees import TreeError, _check_room, ensure_tree

HEADER_612_X86_64 = "#\n# Automatically generated file; DO NOT EDIT.\n# Linux/x86_64 6.12."


@pytest.fixture(scope="module")
def src_612() -> Path:
    return ensure_tree("6.12")


@pytest.fixture(scope="module")
def x86_64_conf(src_612: Path) -> CConf:
    return CConf(Build(src_612, arch="x86_64"))


@pytest.fixture(scope="module")
def defconfig_612(x86_64_conf: CConf) -> str:
    return x86_64_conf.defconfig()


def test_ensure_tree_gives_a_kernel_tree(src_612: Path) -> None:
    assert src_612.name == "linux-6.12"
    assert (src_612 / "Kconfig").is_file()
    assert (src_612 / "scripts" / "kconfig" / "conf.c").is_file()
    # The top Kconfig sources it, so it must survive the Documentation skip.
    assert (src_612 / "Documentation" / "Kconfig").is_file()
    # Cached: a second call only checks the stamp.
    t0 = time.monotonic()
    assert ensure_tree("6.12") == src_612
    assert time.monotonic() - t0 < 1.0


def test_make_args(x86_64_conf: CConf, src_612: Path) -> None:
    args = x86_64_conf.make_args("defconfig")
    assert args[:4] == ["make", "-s", "-C", str(src_612)]
    assert f"O={x86_64_conf.workdir}" in args
    assert "ARCH=x86_64" in args and "LLVM=1" not in args
    assert args[-1] == "defconfig"


def test_defconfig_x86_64(defconfig_612: str, x86_64_conf: CConf) -> None:
    assert defconfig_612.startswith(HEADER_612_X86_64)
    assert defconfig_612.splitlines()[2].endswith(" Kernel Configuration")
    assert "CONFIG_X86_64=y" in defconfig_612.splitlines()
    assert x86_64_conf.last_seconds is not None and x86_64_conf.last_seconds > 0


def test_savedefconfig_is_a_subset(defconfig_612: str, x86_64_conf: CConf) -> None:
    minimal = x86_64_conf.savedefconfig(defconfig_612)
    lines = [ln for ln in minimal.splitlines() if ln.strip()]
    assert lines
    assert set(lines) <= set(defconfig_612.splitlines())
    assert len(lines) < len(defconfig_612.splitlines())


def test_a_tree_is_not_extracted_into_a_disk_without_room_for_it(tmp_path: Path) -> None:
    # a package whose unpacked size exceeds what the disk has free: sparse, so it costs nothing
    free = shutil.disk_usage(tmp_path).free
    deb = tmp_path / "linux-source-9.9_9.9.1-1_all.deb"
    with deb.open("wb") as f:
        f.truncate(free // 11 + 1)
    with pytest.raises(TreeError, match=r"GB free; extracting linux-source-9\.9_9\.9\.1-1_all\.deb needs about"):
        _check_room(tmp_path, deb)
    with deb.open("wb") as f:
        f.truncate(free // 100)
    _check_room(tmp_path, deb)  # room enough: no complaint
