"""Fragments that stick, on real kernel trees: saving adds what the chosen lines
need, the result is proven with the kernel's own scripts/kconfig/merge_config.sh
and the C conf's olddefconfig on other trees and arches, the built-in presets
stick wherever the toolchain passes, and what does not take is grouped by cause.

The passing toolchain is a fake one (real scripts the tree's rust_is_available.sh
accepts, given to make as RUSTC=/BINDGEN=); the failing one is Debian's rustc 1.63.
"""

from __future__ import annotations

import fcntl
import json
import subprocess
import sys
from pathlib import Path

import pytest
from fakes import Toolchain, fake_toolchain

from devtools.cref import Build, CConf, clean_env
from devtools.trees import cache_root, ensure_distro_config
from rustconfig_gui.kconfig.loader import LoadedTree, load_tree
from rustconfig_gui.kconfig.tree import KernelTree
from rustconfig_gui.workspace import fragments, presets
from rustconfig_gui.workspace.presets import Fragment, apply_fragments, scan_assignments

pytestmark = pytest.mark.slow

DEBIAN = (("RUSTC", "/usr/bin/rustc"), ("BINDGEN", "/usr/bin/bindgen"))   # 1.63: too old for 6.12 and 7.2
TARGETS = [("6.12", "x86_64"), ("6.12", "arm64"), ("7.2", "x86_64"), ("7.2", "arm64")]


@pytest.fixture(scope="session")
def toolchain() -> Toolchain:
    # the same folder as test_presets.py's: the C conf built for it is shared
    root = cache_root() / "fakes" / "presets-toolchain"
    root.parent.mkdir(parents=True, exist_ok=True)
    with open(root.parent / "presets-toolchain.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (root / "rustc").is_file() and (root / "bindgen").is_file():
            return Toolchain(root / "rustc", root / "bindgen", root / "sysroot")
        return fake_toolchain(root)


_TREES: dict[tuple[str, str, tuple[tuple[str, str], ...]], LoadedTree] = {}


def tree(request, version: str, arch: str, make_vars) -> LoadedTree:
    key = (version, arch, tuple(make_vars))
    if key not in _TREES:
        src = request.getfixturevalue({"6.1": "tree_61", "6.12": "tree_612", "7.2": "tree_72"}[version])
        _TREES[key] = load_tree(KernelTree(src, arch=arch, make_vars=tuple(make_vars)),
                                base_env=request.getfixturevalue("make_env"))
    return _TREES[key]


def defconfig_file(lt: LoadedTree) -> Path:
    path = lt.defconfig_path()
    assert path is not None
    return path


def merge_config_sh(src: Path, workdir: Path, base: Path, *frags: Path) -> str:
    """The tree's own scripts/kconfig/merge_config.sh -m (it writes temp files into its cwd)."""
    out = workdir / "merged"
    out.mkdir(exist_ok=True)
    r = subprocess.run(["sh", str(src / "scripts/kconfig/merge_config.sh"), "-m", "-O", str(out), str(base),
                        *map(str, frags)], cwd=workdir, capture_output=True, text=True, env=clean_env())
    assert r.returncode == 0, r.stdout + r.stderr
    return (out / ".config").read_text()


def missing_lines(fragment_text: str, config_text: str) -> list[str]:
    """merge_config.sh's own final check: a fragment line that is not in the result
    (an 'is not set' line for a symbol the result leaves out counts as present)."""
    have = {a.name: a.text for a in scan_assignments(config_text)}
    out = []
    for a in scan_assignments(fragment_text):
        if have.get(a.name) == a.text:
            continue
        if a.value == "n" and a.name not in have:
            continue
        out.append(a.text)
    return out


def body(text: str) -> list[str]:
    from rustconfig_gui.kconfig import configfile

    return configfile.strip_header(text)


# -- saving adds what the values need, and the kernel's own tools agree ---------------------------------------


def test_saved_rust_samples_fragment_sticks_on_other_trees_and_arches(request, toolchain: Toolchain,
                                                                      tmp_path: Path):
    # chosen on Debian's 6.12 distribution config (MODVERSIONS=y there): only the samples
    src = tree(request, "6.12", "x86_64", toolchain.make_vars)
    distro = ensure_distro_config("6.12").read_text()
    assert "CONFIG_MODVERSIONS=y" in distro.splitlines()
    chosen = ("CONFIG_SAMPLES_RUST=y\nCONFIG_SAMPLE_RUST_MINIMAL=m\nCONFIG_SAMPLE_RUST_PRINT=m\n"
              "CONFIG_RUST_DEBUG_ASSERTIONS=y\n")
    done = fragments.complete_fragment(src, chosen, distro, "config.amd64_none_amd64")
    assert done.sticks, done.summary()
    added = {ln.name: ln for ln in done.added}
    # the parents, and what RUST needs on that base
    assert {"SAMPLES", "RUST", "MODVERSIONS"} <= set(added), done.body()
    assert added["MODVERSIONS"].text == "# CONFIG_MODVERSIONS is not set"
    # each added line names exactly the chosen lines whose dependencies lead to it
    assert added["SAMPLES"].needed_by == ["CONFIG_SAMPLES_RUST=y", "CONFIG_SAMPLE_RUST_MINIMAL=m",
                                          "CONFIG_SAMPLE_RUST_PRINT=m"]
    assert added["RUST"].needed_by == added["MODVERSIONS"].needed_by == \
        ["CONFIG_SAMPLES_RUST=y", "CONFIG_SAMPLE_RUST_MINIMAL=m", "CONFIG_SAMPLE_RUST_PRINT=m",
         "CONFIG_RUST_DEBUG_ASSERTIONS=y"]
    text = done.body()
    assert "# needed by CONFIG_SAMPLES_RUST=y" in text
    # every added line carries its comment, right above it
    lines = text.splitlines()
    for ln in done.added:
        assert lines[lines.index(ln.text) - 1].startswith("# needed by CONFIG_")
    # nothing but the chosen lines with --only-chosen: that does not stick on the distro config
    bare = fragments.complete_fragment(src, chosen, distro, "config.amd64_none_amd64", add=False)
    assert not bare.sticks and not bare.added
    frag_path = tmp_path / "rust-samples-saved.config"
    frag_path.write_text(presets.header(src, "Rust samples") + text)

    for version, arch in TARGETS:
        lt = tree(request, version, arch, toolchain.make_vars)
        base = defconfig_file(lt)
        merged = merge_config_sh(lt.tree.source, tmp_path, base, frag_path)
        c_text = CConf(Build(lt.tree.source, arch=arch, make_vars=toolchain.make_vars)).olddefconfig(merged)
        assert missing_lines(text, c_text) == [], f"{version} {arch}"
        # our check says the same, and gives the C conf's configuration
        check = fragments.check_fragment(lt, Fragment.from_file(frag_path))
        assert check.sticks, f"{version} {arch}: {check.phrase()}"
        before = lt.ev.snapshot()
        configfile_text = presets.merged_text(base.read_text(), [Fragment.from_file(frag_path)])
        assert configfile_text == merged
        from rustconfig_gui.kconfig import configfile

        configfile.read_config_text(lt.ev, merged, "merged")
        assert body(lt.config_text()) == body(c_text), f"{version} {arch}"
        lt.ev.restore(before)

    # the chosen lines alone do not stick on another tree's defconfig, and the kernel's tools agree
    lt = tree(request, "7.2", "arm64", toolchain.make_vars)
    alone = tmp_path / "alone.config"
    samples_only = "".join(line + "\n" for line in chosen.splitlines() if "SAMPLE" in line)
    alone.write_text(samples_only)
    merged = merge_config_sh(lt.tree.source, tmp_path, defconfig_file(lt), alone)
    c_text = CConf(Build(lt.tree.source, arch="arm64", make_vars=toolchain.make_vars)).olddefconfig(merged)
    assert set(missing_lines(samples_only, c_text)) == set(samples_only.splitlines())
    check = fragments.check_fragment(lt, Fragment.from_file(alone))
    assert not check.sticks and len(check.blocked) == 1
    assert check.phrase().startswith("2 values need SAMPLES_RUST=y; Rust samples is hidden: needs ")
    assert "RUST=y" in check.phrase() and "SAMPLES=y" in check.phrase()


@pytest.mark.parametrize("version,arch", TARGETS, ids=[f"{v}-{a}" for v, a in TARGETS])
def test_builtin_presets_stick_on_defconfigs(request, version: str, arch: str, toolchain: Toolchain,
                                             tmp_path: Path):
    lt = tree(request, version, arch, toolchain.make_vars)
    base = defconfig_file(lt)
    cc = CConf(Build(lt.tree.source, arch=arch, make_vars=toolchain.make_vars))
    builtins = presets.builtin_presets()
    assert [f.title for f in builtins] == ["Rust support", "Rust samples", "Rust hacking"]
    for chosen in [[f] for f in builtins] + [builtins]:
        assert all(f.path is not None for f in chosen)
        merged = merge_config_sh(lt.tree.source, tmp_path, base, *(f.path for f in chosen))
        c_text = cc.olddefconfig(merged)
        for f in chosen:
            assert missing_lines(f.text, c_text) == [], f"{f.title} on {version} {arch}"
            check = fragments.check_fragment(lt, f)
            assert check.sticks, f"{f.title} on {version} {arch}: {check.phrase()}"
        # and completing a built-in preset on this base adds nothing: it carries what it needs
        for f in chosen:
            done = fragments.complete_fragment(lt, f.text, base.read_text(), base.name)
            assert done.sticks and not done.added, (f.title, done.body())


@pytest.mark.parametrize("version", ["6.12", "7.2"])
def test_failing_toolchain_is_one_cause(request, version: str, tmp_path: Path):
    lt = tree(request, version, "x86_64", DEBIAN)
    lt.defconfig()
    assert lt.ev.str_value(lt.sym("RUST_IS_AVAILABLE")) == "n"
    report = apply_fragments(lt, presets.builtin_presets(), keep=False)
    assert len(report.not_applied) == 5
    [group] = report.groups
    assert group.roots == ["RUST=y"] and group.dependents == 4 and group.fix == "RUST=y"
    assert group.outside == ["toolchain"] and group.outside_only
    assert group.headline().startswith("4 values need RUST=y; Rust support is hidden: RUST_IS_AVAILABLE=n "
                                       "(the toolchain)")
    assert set(group.members) == {"RUST", "SAMPLES_RUST", "SAMPLE_RUST_MINIMAL", "RUST_DEBUG_ASSERTIONS",
                                  "RUST_OVERFLOW_CHECKS"}
    # the text shows the cause once, with the reason of the root only
    text = report.text()
    assert text.count("Rust support is hidden") == 1 and text.count("why:") == 1
    assert "Not applied, by cause (1):" in text and "rustconfig fix" in text
    # counted apart: values asked for, 'is not set' lines, what changed in .config
    c = report.counts()
    assert c["values_requested"] == 7 and c["values_not_applied"] == 5 and c["not_set_requested"] == 0
    assert c["config_values_changed"] + c["config_not_set_lines_changed"] == len(report.changes)
    assert f"{c['config_not_set_lines_changed']} 'is not set' lines added or removed" in report.summary()
    assert c["config_not_set_lines_changed"] > 0
    # saving the samples on this tree: the toolchain is the only obstacle, and it says exactly that
    samples = presets.find_presets("rust-samples")[0]
    done = fragments.complete_fragment(lt, samples.text, defconfig_file(lt).read_text(), lt.defconfig_name)
    assert not done.sticks and not done.added
    [blocked] = done.blocked
    assert blocked.outside == ["toolchain"]
    assert "rust_is_available.sh" in blocked.reason and "outside the configuration" in blocked.reason


def test_requests_already_so_and_not_set_lines_are_counted_apart(request, toolchain: Toolchain, tmp_path: Path):
    lt = tree(request, "6.12", "x86_64", toolchain.make_vars)
    lt.defconfig()
    assert lt.ev.str_value(lt.sym("MODULES")) == "y" and lt.ev.str_value(lt.sym("MODVERSIONS")) == "n"
    frag = Fragment("CONFIG_MODULES=y\nCONFIG_LOG_BUF_SHIFT=19\n# CONFIG_MODVERSIONS is not set\n"
                    "# CONFIG_SAMPLES is not set\n", "counts")
    report = apply_fragments(lt, [frag], keep=False)
    assert report.ok
    c = report.counts()
    assert (c["values_requested"], c["values_changed"], c["values_unchanged"]) == (2, 1, 1)
    assert (c["not_set_requested"], c["not_set_unchanged"]) == (2, 2)
    assert report.summary().startswith("2 of 2 requested values applied (1 changed, 1 already so); "
                                       "2 of 2 'is not set' lines hold")
    d = json.loads(report.to_json())
    assert d["counts"] == c
    assert {r["symbol"]: r["unchanged"] for r in d["requested"]} == \
        {"MODULES": True, "LOG_BUF_SHIFT": False, "MODVERSIONS": True, "SAMPLES": True}


# -- the command line ------------------------------------------------------------------------------------------


def rustconfig(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    e = clean_env()
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "rustconfig_gui", *args], capture_output=True, text=True, env=e)


def test_cli_save_adds_needed_lines_check_and_grouped_apply(tree_61: Path, tree_612: Path, tree_72: Path,
                                                           toolchain: Toolchain, tmp_path: Path):
    mv = [a for name, value in toolchain.make_vars for a in ("--make-var", f"{name}={value}")]
    cfg = tmp_path / "cfg"
    r = rustconfig("defconfig", str(tree_612), "--arch", "x86_64", *mv, "-o", str(cfg))
    assert r.returncode == 0, r.stderr
    # a configuration with the samples on (what the window's edits give), then saved by symbol
    frag_in = tmp_path / "in.config"
    frag_in.write_text("CONFIG_RUST=y\nCONFIG_SAMPLES=y\nCONFIG_SAMPLES_RUST=y\nCONFIG_SAMPLE_RUST_PRINT=m\n")
    r = rustconfig("preset", "apply", str(tree_612), "--arch", "x86_64", *mv, "--config", str(cfg),
                   str(frag_in), "-o", str(cfg))
    assert r.returncode == 0, r.stderr
    out = tmp_path / "print.config"
    r = rustconfig("preset", "save", str(tree_612), "--arch", "x86_64", *mv, "--config", str(cfg),
                   "--symbols", "SAMPLE_RUST_PRINT", "-o", str(out))
    assert r.returncode == 0, r.stderr
    saved = out.read_text()
    names = [a.name for a in scan_assignments(saved)]
    assert set(names) == {"RUST", "SAMPLES", "SAMPLES_RUST", "SAMPLE_RUST_PRINT"}
    assert "# needed by CONFIG_SAMPLE_RUST_PRINT=m" in saved and "checked:" in r.stderr
    r = rustconfig("preset", "save", str(tree_612), "--arch", "x86_64", *mv, "--config", str(cfg),
                   "--symbols", "SAMPLE_RUST_PRINT", "--only-chosen")
    assert r.returncode == 0 and [a.text for a in scan_assignments(r.stdout)] == ["CONFIG_SAMPLE_RUST_PRINT=m"]
    assert "do not stick" in r.stderr

    # checked on three trees: 6.1 has no SAMPLE_RUST_PRINT
    r = rustconfig("preset", "check", str(out), str(tree_61), str(tree_72), "--arch", "x86_64", *mv, "--json")
    assert r.returncode == 3, r.stderr
    d = json.loads(r.stdout)
    by = {t["version"].split(".")[0] + "." + t["version"].split(".")[1]: t for t in d["trees"]}
    assert by["7.2"]["sticks"] and not by["6.1"]["sticks"]
    assert [m["symbol"] for m in by["6.1"]["missing"]] == ["SAMPLE_RUST_PRINT"]
    assert "SAMPLE_RUST_PRINT does not exist" in d["summary"] and d["summary"].startswith("sticks on 7.2")
    r = rustconfig("preset", "check", str(out), str(tree_72), "--arch", "x86_64", "--arch", "arm64", *mv)
    assert r.returncode == 0, r.stdout + r.stderr
    last = r.stdout.splitlines()[-1]
    assert last.startswith(f"{out}: sticks on 7.2.") and "x86_64 and 7.2." in last and last.endswith(" arm64")

    # preset apply --json groups by cause (Debian's rustc fails the probe on 6.12)
    r = rustconfig("preset", "apply", str(tree_612), "--arch", "x86_64", "--make-var", "RUSTC=/usr/bin/rustc",
                   "--make-var", "BINDGEN=/usr/bin/bindgen", "--config", str(cfg), "rust-samples", "rust-hacking",
                   "--dry-run", "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    [g] = d["groups"]
    assert g["roots"] == ["RUST=y"] and g["outside"] == ["toolchain"] and g["fix"] == "RUST=y"
    assert g["outside_only"] and g["headline"].startswith("4 values need RUST=y; Rust support is hidden")
    assert "rustconfig fix" in g["command"] and len(g["symbols"]) == len(d["not_applied"])
