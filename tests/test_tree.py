"""Opening a tree: one clear sentence for every way it can fail; make's environment."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rustconfig_gui.errors import TreeError
from rustconfig_gui.kconfig.tree import (
    KernelTree,
    capture_environment,
    host_arch,
    parse_kernel_version,
)


@pytest.mark.parametrize("machine, arch", [
    ("x86_64", "x86"), ("i686", "x86"), ("aarch64", "arm64"), ("armv7l", "arm"),
    ("riscv64", "riscv"), ("ppc64le", "powerpc"), ("s390x", "s390"), ("loongarch64", "loongarch"),
])
def test_host_arch_maps_like_the_kernel(machine: str, arch: str):
    assert host_arch(machine) == arch


def test_not_a_folder(tmp_path: Path):
    with pytest.raises(TreeError, match="does not exist"):
        KernelTree(tmp_path / "nope").validate()


def test_not_a_kernel_tree(tmp_path: Path):
    (tmp_path / "Makefile").write_text("all:\n")
    with pytest.raises(TreeError, match="is not a Linux kernel source tree"):
        KernelTree(tmp_path).validate()


def test_tree_too_old_for_macros(tmp_path: Path):
    (tmp_path / "Makefile").write_text("all:\n")
    (tmp_path / "Kconfig").write_text("mainmenu \"old\"\n")
    (tmp_path / "scripts" / "kconfig").mkdir(parents=True)
    with pytest.raises(TreeError, match="too old"):
        KernelTree(tmp_path).validate()


def test_unknown_arch(tree_612: Path):
    with pytest.raises(TreeError, match="Unknown ARCH 'vax'"):
        KernelTree(tree_612, arch="vax").validate()


def test_missing_make(tree_612: Path):
    with pytest.raises(TreeError, match="'no-such-make' was not found"):
        KernelTree(tree_612, make="no-such-make").validate()


def test_build_folder_that_is_a_file(tree_612: Path, tmp_path: Path):
    f = tmp_path / "build"
    f.write_text("")
    with pytest.raises(TreeError, match="is not a folder"):
        KernelTree(tree_612, build=f).validate()


def test_environment_is_what_make_exports(tree_612: Path, make_env: dict[str, str], tmp_path: Path):
    before = sorted(p.name for p in tree_612.iterdir())
    env = capture_environment(KernelTree(tree_612, arch="x86_64"), base_env=make_env)
    v = env.variables
    for name in ("srctree", "ARCH", "SRCARCH", "KERNELVERSION", "CC", "LD", "AR", "NM", "OBJCOPY",
                 "RUSTC", "BINDGEN", "CC_VERSION_TEXT", "PAHOLE", "PYTHON3", "RUSTC_VERSION_TEXT"):
        assert name in v, name
    assert v["ARCH"] == "x86_64" and v["SRCARCH"] == "x86"
    assert v["KERNELVERSION"].startswith("6.12.")
    assert env.defconfig == "x86_64_defconfig"
    assert env.version[:2] == (6, 12)
    # nothing was written into the tree
    assert sorted(p.name for p in tree_612.iterdir()) == before


@pytest.mark.skipif(shutil.which("clang") is None, reason="clang is not installed")
def test_llvm_environment(tree_612: Path, make_env: dict[str, str]):
    v = capture_environment(KernelTree(tree_612, llvm=True), base_env=make_env).variables
    assert v["CC"] == "clang" and v["LD"] == "ld.lld"
    assert "CLANG_FLAGS" in v


def test_make_variables_reach_make(tree_612: Path, make_env: dict[str, str]):
    v = capture_environment(KernelTree(tree_612, make_vars=(("RUSTC", "/opt/rust/bin/rustc"),)),
                            base_env=make_env).variables
    assert v["RUSTC"] == "/opt/rust/bin/rustc"


def test_newer_trees_export_pahole_version(tree_72: Path, make_env: dict[str, str]):
    v = capture_environment(KernelTree(tree_72), base_env=make_env).variables
    assert "PAHOLE_VERSION" in v


def test_parse_kernel_version():
    assert parse_kernel_version("6.12.117") == (6, 12, 117)
    assert parse_kernel_version("7.2.0-rc3") == (7, 2, 0)
    assert parse_kernel_version("6.99") == (6, 99, 0)
