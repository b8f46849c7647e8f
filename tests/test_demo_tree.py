"""The bundled demo tree loads like a kernel tree and gates Rust like one.

Real processes throughout: the tree's own make and scripts run, with small
executable stand-ins for rustc and bindgen written into a temporary folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from fakes import Toolchain, fake_toolchain, write_script

from rustconfig_gui.kconfig.loader import LoadedTree, load_tree
from rustconfig_gui.kconfig.tree import KernelTree

DEMO = Path(__file__).resolve().parent.parent / "resources" / "demo-tree"
VERSION = "6.99.0-demo"


@pytest.fixture
def good(tmp_path: Path) -> Toolchain:
    return fake_toolchain(tmp_path / "good")


@pytest.fixture
def old_rustc(tmp_path: Path) -> Toolchain:
    return fake_toolchain(tmp_path / "old", rustc_version="1.63.0")


def make_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "O", "KBUILD_OUTPUT", "RUST_LIB_SRC")}
    env["LC_ALL"] = "C"
    return env


def run_make(*args: str, odir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["make", "-s", "-C", str(DEMO), f"O={odir}", *args],
                          capture_output=True, text=True, env=make_env(),
                          stdin=subprocess.DEVNULL, timeout=60)


def write_config(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


def value(lt: LoadedTree, name: str) -> str:
    sym = lt.sym(name)
    assert sym is not None, f"{name} is not defined in the demo tree"
    return lt.ev.str_value(sym)


def visible(lt: LoadedTree, name: str) -> int:
    sym = lt.sym(name)
    assert sym is not None, f"{name} is not defined in the demo tree"
    return lt.ev.visibility(sym)


# -- loading with whatever toolchain this machine has -------------------------------


@pytest.fixture(scope="module")
def default_load() -> LoadedTree:
    return load_tree(KernelTree(DEMO))


def test_loads_like_a_kernel_tree(default_load: LoadedTree):
    lt = default_load
    assert lt.title == f"Linux/x86 {VERSION} Kernel Configuration"
    assert lt.version_text == VERSION
    assert lt.version == (6, 99, 0)
    assert lt.arch == "x86" and lt.srcarch == "x86"
    assert lt.kconf.warnings == []
    assert 40 <= len(lt.symbols) <= 90
    for var in ("srctree", "ARCH", "SRCARCH", "KERNELVERSION", "CC", "LD", "RUSTC", "BINDGEN",
                "CC_VERSION_TEXT", "RUSTC_VERSION_TEXT", "KBUILD_DEFCONFIG"):
        assert var in lt.env.variables, var
    assert lt.env.variables["srctree"] == str(DEMO)
    assert lt.env.variables["CC"] == "gcc" and lt.env.variables["LD"] == "ld"
    assert lt.env.variables["RUSTC"] == "rustc" and lt.env.variables["BINDGEN"] == "bindgen"
    assert lt.defconfig_name == "x86_64_defconfig"
    assert lt.defconfig_path() == DEMO / "arch/x86/configs/x86_64_defconfig"
    assert value(lt, "HAVE_RUST") == "y"
    assert value(lt, "X86_64") == "y"


def test_rust_is_available_probe_is_traced_at_its_kconfig_line(default_load: LoadedTree):
    lines = (DEMO / "init/Kconfig").read_text().splitlines()
    expected = [i + 1 for i, ln in enumerate(lines)
                if "$(success,$(srctree)/scripts/rust_is_available.sh)" in ln]
    assert len(expected) == 1
    calls = [c for c in default_load.trace.calls if "rust_is_available.sh" in c.command]
    assert len(calls) == 1
    call = calls[0]
    assert call.location == f"init/Kconfig:{expected[0]}"
    assert f"{DEMO}/scripts/rust_is_available.sh" in call.command  # $(srctree) expanded
    assert call.output in ("y", "n") and call.status == 0
    assert call.output == value(default_load, "RUST_IS_AVAILABLE")


def test_other_probes_are_the_kernels(default_load: LoadedTree):
    by_script = {name: [c for c in default_load.trace.calls if name in c.command]
                 for name in ("cc-version.sh", "rustc-version.sh", "rustc-llvm-version.sh")}
    assert all(len(calls) == 1 for calls in by_script.values()), by_script
    assert all(c.filename == "scripts/Kconfig.include" for c in default_load.trace.calls
               if c in by_script["cc-version.sh"])
    assert by_script["cc-version.sh"][0].output.startswith("GCC ")
    assert value(default_load, "CC_IS_GCC") == "y" and value(default_load, "CC_IS_CLANG") == "n"
    assert value(default_load, "GCC_VERSION") == by_script["cc-version.sh"][0].output.split()[1]
    assert value(default_load, "RUSTC_VERSION") == by_script["rustc-version.sh"][0].output


def test_defconfig_asks_for_rust_but_modversions_blocks_it(good: Toolchain):
    lt = load_tree(KernelTree(DEMO, make_vars=good.make_vars))
    report = lt.defconfig()
    assert report.issues == []
    assert value(lt, "MODVERSIONS") == "y"
    assert value(lt, "GENKSYMS") == "y"  # the choice's first member
    assert visible(lt, "RUST") == 0 and value(lt, "RUST") == "n"
    text = lt.config_text()
    assert "CONFIG_MODVERSIONS=y" in text
    assert "CONFIG_RUST=y" not in text


def test_every_prompt_has_help(default_load: LoadedTree):
    missing = [f"{n.filename}:{n.linenr}" for n in default_load.ev.walk()
               if n.prompt and n.item.__class__.__name__ in ("Symbol", "Choice")
               and not getattr(n, "help", None)]
    assert missing == []


def test_demo_has_the_constructs_the_app_shows(default_load: LoadedTree):
    import kconfiglib

    kconf = default_load.kconf
    assert len(kconf.unique_choices) >= 3
    assert kconf.modules is default_load.sym("MODULES")
    assert [f for f, _ in kconf.rewrites.modules] == ["kernel/module/Kconfig"]  # bare 'modules'
    menus = {n.prompt[0] for n in default_load.ev.walk() if n.item is kconfiglib.MENU}
    assert {"General setup", "Device Drivers", "File systems", "Kernel hacking",
            "Rust hacking"} <= menus
    assert any(n.item is kconfiglib.MENU and n.visibility is not kconf.y
               for n in default_load.ev.walk())  # menu … visible if
    assert any(n.item is kconfiglib.COMMENT for n in default_load.ev.walk())
    types = {s.orig_type for s in default_load.symbols}
    assert {kconfiglib.BOOL, kconfiglib.TRISTATE, kconfiglib.INT, kconfiglib.HEX,
            kconfiglib.STRING} <= types
    assert default_load.sym("LOG_BUF_SHIFT").ranges
    assert default_load.sym("DRM_PANIC_SCREEN_QR_CODE").weak_rev_dep is not kconf.n  # implied
    assert default_load.sym("FS_POSIX_ACL").rev_dep is not kconf.n  # selected


# -- a fake toolchain that passes -----------------------------------------------------


def test_passing_toolchain_makes_rust_available(good: Toolchain, tmp_path: Path):
    lt = load_tree(KernelTree(DEMO, make_vars=good.make_vars))
    assert value(lt, "RUST_IS_AVAILABLE") == "y"
    assert value(lt, "RUSTC_VERSION") == "108500"
    assert value(lt, "RUSTC_LLVM_VERSION") == "190107"
    assert lt.env.variables["RUSTC"] == str(good.rustc)
    assert lt.env.variables["RUSTC_VERSION_TEXT"] == "rustc 1.85.0 (4d91de4e4 2025-02-17)"
    probe = next(c for c in lt.trace.calls if "rust_is_available.sh" in c.command)
    assert probe.output == "y"

    lt.read_config(write_config(tmp_path / "rust.config",
                                "CONFIG_MODULES=y", "# CONFIG_MODVERSIONS is not set",
                                "CONFIG_RUST=y", "CONFIG_SAMPLES=y", "CONFIG_SAMPLES_RUST=y",
                                "CONFIG_SAMPLE_RUST_MINIMAL=m"))
    assert visible(lt, "RUST") == 2
    assert value(lt, "RUST") == "y"
    assert value(lt, "CONSTRUCTORS") == "y"  # selected by RUST
    assert value(lt, "RUST_OVERFLOW_CHECKS") == "y"  # default y once RUST is on
    assert value(lt, "RUSTC_VERSION_TEXT") == "rustc 1.85.0 (4d91de4e4 2025-02-17)"
    assert value(lt, "BINDGEN_VERSION_TEXT") == "bindgen 0.71.1"
    assert value(lt, "SAMPLE_RUST_MINIMAL") == "m"
    text = lt.config_text()
    assert "CONFIG_RUST=y" in text and "CONFIG_SAMPLE_RUST_MINIMAL=m" in text


def test_gendwarfksyms_lifts_the_modversions_blocker(good: Toolchain, tmp_path: Path):
    lt = load_tree(KernelTree(DEMO, make_vars=good.make_vars))
    lt.read_config(write_config(tmp_path / "genksyms.config",
                                "CONFIG_MODULES=y", "CONFIG_MODVERSIONS=y", "CONFIG_RUST=y"))
    assert visible(lt, "RUST") == 0
    lt.read_config(write_config(tmp_path / "dwarf.config",
                                "CONFIG_MODULES=y", "CONFIG_MODVERSIONS=y", "CONFIG_DEBUG_INFO=y",
                                "CONFIG_GENDWARFKSYMS=y", "CONFIG_RUST=y"))
    assert value(lt, "GENDWARFKSYMS") == "y"
    assert value(lt, "RUST") == "y"
    assert value(lt, "EXTENDED_MODVERSIONS") == "y"  # select … if MODVERSIONS


def test_kasan_with_gcc_blocks_rust(good: Toolchain, tmp_path: Path):
    lt = load_tree(KernelTree(DEMO, make_vars=good.make_vars))
    if value(lt, "CC_HAS_KASAN_GENERIC") != "y":
        pytest.skip("this gcc has no -fsanitize=kernel-address")
    lt.read_config(write_config(tmp_path / "kasan.config",
                                "CONFIG_DEBUG_KERNEL=y", "CONFIG_KASAN=y", "CONFIG_RUST=y"))
    assert value(lt, "KASAN") == "y"
    assert visible(lt, "RUST") == 0


# -- a fake toolchain that fails -------------------------------------------------------


def test_old_rustc_makes_rust_unavailable(old_rustc: Toolchain):
    lt = load_tree(KernelTree(DEMO, make_vars=old_rustc.make_vars))
    assert value(lt, "RUSTC_VERSION") == "106300"
    assert value(lt, "RUST_IS_AVAILABLE") == "n"
    assert visible(lt, "RUST") == 0
    assert value(lt, "RUST") == "n"
    assert visible(lt, "SAMPLES_RUST") == 0


def test_arm_has_no_rust(good: Toolchain):
    lt = load_tree(KernelTree(DEMO, arch="arm", make_vars=good.make_vars))
    assert lt.title == f"Linux/arm {VERSION} Kernel Configuration"
    assert lt.srcarch == "arm"
    assert value(lt, "HAVE_RUST") == "n"
    assert value(lt, "RUST_IS_AVAILABLE") == "y"  # the toolchain is fine; the arch is not
    assert visible(lt, "RUST") == 0
    assert lt.defconfig_path() == DEMO / "arch/arm/configs/defconfig"
    assert lt.defconfig().issues == []


def test_i386_has_no_rust(good: Toolchain):
    lt = load_tree(KernelTree(DEMO, arch="i386", make_vars=good.make_vars))
    assert lt.srcarch == "x86"
    assert value(lt, "64BIT") == "n" and visible(lt, "64BIT") == 0
    assert value(lt, "HAVE_RUST") == "n"
    assert lt.defconfig_name == "i386_defconfig" and lt.defconfig_path() is not None


@pytest.mark.skipif(shutil.which("clang") is None or shutil.which("ld.lld") is None,
                    reason="needs clang and ld.lld")
def test_llvm_switches_to_clang(good: Toolchain):
    lt = load_tree(KernelTree(DEMO, llvm=True, make_vars=good.make_vars))
    assert lt.env.variables["CC"] == "clang" and lt.env.variables["LD"] == "ld.lld"
    assert value(lt, "CC_IS_CLANG") == "y" and value(lt, "CC_IS_GCC") == "n"
    assert value(lt, "LD_IS_LLD") == "y"
    assert int(value(lt, "CLANG_VERSION")) >= 130001
    assert visible(lt, "LTO_CLANG_THIN") == 2
    assert value(lt, "RUST_IS_AVAILABLE") == "y"


# -- make rustavailable and the script itself -----------------------------------------


def test_make_rustavailable_passes(good: Toolchain, tmp_path: Path):
    proc = run_make("rustavailable", f"RUSTC={good.rustc}", f"BINDGEN={good.bindgen}",
                    odir=tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "Rust is available!"
    assert proc.stderr == ""


def test_make_rustavailable_explains_an_old_rustc(old_rustc: Toolchain, tmp_path: Path):
    proc = run_make("rustavailable", f"RUSTC={old_rustc.rustc}", f"BINDGEN={old_rustc.bindgen}",
                    odir=tmp_path / "out")
    assert proc.returncode == 2  # make's status for a failed recipe
    assert "Rust is available!" not in proc.stdout
    assert f"*** Rust compiler '{old_rustc.rustc}' is too old." in proc.stderr
    assert "***   Your version:    1.63.0" in proc.stderr
    assert "***   Minimum version: 1.78.0" in proc.stderr


@pytest.mark.skipif(shutil.which("clang") is None or shutil.which("ld.lld") is None,
                    reason="needs clang and ld.lld")
def test_make_rustavailable_warns_on_a_libclang_mismatch(tmp_path: Path):
    tc = fake_toolchain(tmp_path / "tc", libclang_version="99.1.0")
    proc = run_make("rustavailable", "LLVM=1", f"RUSTC={tc.rustc}", f"BINDGEN={tc.bindgen}",
                    odir=tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "Rust is available!"
    assert "version does not match Clang's" in proc.stderr
    assert "***   libclang version: 99.1.0" in proc.stderr


def run_script(env_updates: dict[str, str | None]) -> subprocess.CompletedProcess[str]:
    env = make_env()
    env.update({"RUSTC": "rustc", "BINDGEN": "bindgen", "CC": "gcc"})
    for k, v in env_updates.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    return subprocess.run([str(DEMO / "scripts/rust_is_available.sh")], capture_output=True,
                          text=True, env=env, stdin=subprocess.DEVNULL, timeout=60)


def test_script_passes_quietly(good: Toolchain):
    proc = run_script({"RUSTC": str(good.rustc), "BINDGEN": str(good.bindgen)})
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")


@pytest.mark.parametrize("case, message", [
    ("no RUSTC", "*** Environment variable 'RUSTC' is not set."),
    ("missing rustc", "could not be found."),
    ("old bindgen", "is too old."),
    ("old libclang", "*** libclang (used by the Rust bindings generator"),
    ("no core source", "*** Source code for the 'core' standard library could not be found"),
    ("garbage version", "did not return"),
])
def test_script_explains_each_failure(tmp_path: Path, case: str, message: str):
    tc = fake_toolchain(tmp_path / "tc",
                        bindgen_version="0.60.1" if case == "old bindgen" else "0.71.1",
                        libclang_version="12.0.0" if case == "old libclang" else "19.1.7",
                        with_core=case != "no core source")
    env: dict[str, str | None] = {"RUSTC": str(tc.rustc), "BINDGEN": str(tc.bindgen)}
    if case == "no RUSTC":
        env["RUSTC"] = None
    elif case == "missing rustc":
        env["RUSTC"] = str(tmp_path / "nowhere" / "rustc")
    elif case == "garbage version":
        write_script(tc.rustc, "#!/bin/sh\necho 'not a compiler'\n")
    proc = run_script(env)
    assert proc.returncode == 1
    assert message in proc.stderr
    assert proc.stderr.rstrip().endswith("*** on how to set up the Rust support.\n***")


def test_rust_lib_src_points_to_the_core_source(tmp_path: Path):
    tc = fake_toolchain(tmp_path / "tc", with_core=False)
    lib = tmp_path / "library"
    (lib / "core/src").mkdir(parents=True)
    (lib / "core/src/lib.rs").write_text("#![no_std]\n")
    env: dict[str, str | None] = {"RUSTC": str(tc.rustc), "BINDGEN": str(tc.bindgen)}
    assert run_script(env).returncode == 1
    env["RUST_LIB_SRC"] = str(lib)
    proc = run_script(env)
    assert proc.returncode == 0, proc.stderr


# -- the rest of the Makefile and the scripts -------------------------------------------


def test_makefile_targets_and_errors(tmp_path: Path):
    out = tmp_path / "new" / "out"
    proc = run_make("kernelversion", odir=out)
    assert (proc.returncode, proc.stdout.strip()) == (0, VERSION)
    assert out.is_dir()  # O= is created as the kernel does
    proc = run_make("ARCH=sparc", "kernelversion", odir=out)
    assert proc.returncode == 2 and "ARCH=sparc" in proc.stderr
    proc = run_make("menuconfig", odir=out)
    assert proc.returncode == 2 and "rustconfig" in proc.stderr
    assert not (DEMO / ".config").exists()


def test_scripts_are_executable_posix_sh():
    scripts = sorted((DEMO / "scripts").glob("*.sh"))
    assert {p.name for p in scripts} >= {"rust_is_available.sh", "min-tool-version.sh",
                                         "rustc-version.sh", "cc-version.sh"}
    sh = shutil.which("dash") or "sh"
    for p in scripts:
        assert os.access(p, os.X_OK), f"{p.name} is not executable"
        assert p.read_text().startswith("#!/bin/sh\n"), p.name
        subprocess.run([sh, "-n", str(p)], check=True)
    if shutil.which("shellcheck"):
        proc = subprocess.run(["shellcheck", "-s", "sh", *map(str, scripts)],
                              capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout


def test_min_tool_versions_are_those_of_6_12():
    def ask(tool: str) -> str:
        return subprocess.run([str(DEMO / "scripts/min-tool-version.sh"), tool], capture_output=True,
                              text=True, check=True).stdout.strip()
    assert (ask("rustc"), ask("bindgen"), ask("llvm"), ask("gcc")) == \
        ("1.78.0", "0.65.1", "13.0.1", "5.1.0")


def test_cc_version_reads_gcc():
    proc = subprocess.run([str(DEMO / "scripts/cc-version.sh"), "gcc"], capture_output=True,
                          text=True)
    name, version = proc.stdout.split()
    assert proc.returncode == 0 and name == "GCC" and int(version) >= 50100
