"""Presets on real kernel trees: applying fragments against the kernel's own
merge_config.sh + conf, the report's reasons, saving and round trips.

The fake toolchain (real scripts that the tree's ``make rustavailable``
accepts) lives in a fixed folder of the cache so the kernel's ``conf`` built
for it is reused between runs.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fakes import Toolchain, fake_toolchain

from devtools.cref import Build, CConf, clean_env
from devtools.trees import cache_root, ensure_distro_config
from rustconfig_gui.errors import ConfigFileError
from rustconfig_gui.kconfig import configfile
from rustconfig_gui.kconfig.loader import LoadedTree, load_tree
from rustconfig_gui.kconfig.tree import KernelTree
from rustconfig_gui.workspace import presets
from rustconfig_gui.workspace.diffconfig import diff_configs
from rustconfig_gui.workspace.presets import Fragment, apply_fragments

pytestmark = pytest.mark.slow

DEBIAN_RUSTC = "/usr/bin/rustc"      # 1.63: older than 6.12 and 7.2 accept
DEBIAN_BINDGEN = "/usr/bin/bindgen"


# -- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def toolchain() -> Toolchain:
    root = cache_root() / "fakes" / "presets-toolchain"
    root.parent.mkdir(parents=True, exist_ok=True)
    with open(root.parent / "presets-toolchain.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (root / "rustc").is_file() and (root / "bindgen").is_file():
            return Toolchain(root / "rustc", root / "bindgen", root / "sysroot")
        return fake_toolchain(root)


def _load(src: Path, make_env: dict[str, str], make_vars) -> LoadedTree:
    return load_tree(KernelTree(src, arch="x86_64", make_vars=tuple(make_vars)), base_env=make_env)


@pytest.fixture(scope="module")
def good_612(tree_612: Path, make_env, toolchain: Toolchain) -> LoadedTree:
    return _load(tree_612, make_env, toolchain.make_vars)


@pytest.fixture(scope="module")
def good_72(tree_72: Path, make_env, toolchain: Toolchain) -> LoadedTree:
    return _load(tree_72, make_env, toolchain.make_vars)


@pytest.fixture(scope="module")
def cc_612(tree_612: Path, toolchain: Toolchain) -> CConf:
    return CConf(Build(tree_612, arch="x86_64", make_vars=toolchain.make_vars))


@pytest.fixture(scope="module")
def cc_72(tree_72: Path, toolchain: Toolchain) -> CConf:
    return CConf(Build(tree_72, arch="x86_64", make_vars=toolchain.make_vars))


@pytest.fixture(scope="module")
def defconfig_612(cc_612: CConf) -> str:
    return cc_612.defconfig()


@pytest.fixture(scope="module")
def defconfig_72(cc_72: CConf) -> str:
    return cc_72.defconfig()


@pytest.fixture()
def setup(request, good_612, good_72, cc_612, cc_72, defconfig_612, defconfig_72):
    """(tree, C conf, C defconfig) of a version, the tree reset to that defconfig."""
    if request.param == "6.1":
        # only where 6.1's older choice rules matter
        lt = _load(request.getfixturevalue("tree_61"), request.getfixturevalue("make_env"),
                   request.getfixturevalue("toolchain").make_vars)
        cc = CConf(Build(lt.tree.source, arch="x86_64", make_vars=request.getfixturevalue("toolchain").make_vars))
        text = cc.defconfig()
    else:
        lt, cc, text = {"6.12": (good_612, cc_612, defconfig_612),
                        "7.2": (good_72, cc_72, defconfig_72)}[request.param]
    configfile.read_config_text(lt.ev, text, "defconfig")
    return lt, cc, text


def frag(tmp_path: Path, name: str, text: str | bytes) -> Fragment:
    p = tmp_path / name
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_text(text)
    return Fragment.from_file(p, label=name)


def body(text: str) -> list[str]:
    return configfile.strip_header(text)


def merge_config_sh(src: Path, workdir: Path, base: Path, *frags: Path) -> str:
    """The tree's own scripts/kconfig/merge_config.sh -m (it writes temp files into its cwd)."""
    out = workdir / "merged"
    out.mkdir(exist_ok=True)
    r = subprocess.run(["sh", str(src / "scripts/kconfig/merge_config.sh"), "-m", "-O", str(out), str(base),
                        *map(str, frags)], cwd=workdir, capture_output=True, text=True, env=clean_env())
    assert r.returncode == 0, r.stdout + r.stderr
    return (out / ".config").read_text()


def lines_by_symbol(text: str) -> dict[str, str]:
    return {a.name: a.text for a in presets.scan_assignments(text)}


# -- applying against the kernel's own tools ------------------------------------------------------------


FRAG_A = """# title: first
CONFIG_RUST=y
CONFIG_SAMPLES=y
CONFIG_SAMPLES_RUST=y
CONFIG_SAMPLE_RUST_MINIMAL=y
CONFIG_LOG_BUF_SHIFT=16
# CONFIG_MODVERSIONS is not set
CONFIG_LOCALVERSION="-a"
# CONFIG_CC_OPTIMIZE_FOR_PERFORMANCE is not set
"""
FRAG_B = """# title: second
CONFIG_SAMPLE_RUST_MINIMAL=m
CONFIG_LOG_BUF_SHIFT=19
# CONFIG_SAMPLES_RUST is not set
CONFIG_CC_OPTIMIZE_FOR_SIZE=y
CONFIG_LOCALVERSION="-b"
"""


@pytest.mark.parametrize("setup", ["6.1", "6.12", "7.2"], indirect=True)
def test_merge_order_matches_merge_config_sh_and_conf(setup, tmp_path: Path):
    lt, cc, base = setup
    (tmp_path / "base").write_text(base)
    a = frag(tmp_path, "a.config", FRAG_A)
    b = frag(tmp_path, "b.config", FRAG_B)
    results = {}
    for order in ((a, b), (b, a)):
        configfile.read_config_text(lt.ev, base, "base")
        report = apply_fragments(lt, order)
        merged = merge_config_sh(lt.tree.source, tmp_path, tmp_path / "base", *(f.path for f in order))
        # our merge step is the script's, and the result is the kernel conf's, line for line
        assert presets.merged_text(base, order) == merged
        c_text = cc.olddefconfig(merged)
        ours = lt.config_text()
        assert body(ours) == body(c_text)
        results[order[0].label] = ours

        # the report: what merge_config.sh's final check finds missing from conf's result,
        # except "# … is not set" for a symbol conf leaves out (it is n all the same)
        c_lines = lines_by_symbol(c_text)
        requested = {r.name: r for r in report.requests}
        expected = {n for n, r in requested.items()
                    if c_lines.get(n) != r.line_text and not (r.value == "n" and n not in c_lines)}
        assert {n.request.name for n in report.not_applied} == expected
        assert set(requested) == set(lines_by_symbol(FRAG_A)) | set(lines_by_symbol(FRAG_B))
        later = order[1]
        assert all(requested[n].label == later.label for n in lines_by_symbol(later.text))
        # every symbol both assign with different lines is reported as overridden
        both = {n for n in lines_by_symbol(a.text) if lines_by_symbol(b.text).get(n, lines_by_symbol(a.text)[n])
                != lines_by_symbol(a.text)[n]}
        assert {o.name for o in report.overridden} == both
        assert all(o.later_where.startswith(later.label) for o in report.overridden)

    ab, ba = results["a.config"], results["b.config"]
    assert ab != ba
    assert "CONFIG_LOG_BUF_SHIFT=19" in ab and "CONFIG_LOG_BUF_SHIFT=16" in ba
    assert 'CONFIG_LOCALVERSION="-b"' in ab and 'CONFIG_LOCALVERSION="-a"' in ba
    # with a working toolchain, Rust support is on either way
    assert "CONFIG_RUST=y" in ab and "CONFIG_RUST=y" in ba


@pytest.mark.parametrize("setup", ["6.12", "7.2"], indirect=True)
def test_builtin_presets_apply_cleanly_with_a_working_toolchain(setup, tmp_path: Path):
    lt, cc, base = setup
    builtins = presets.builtin_presets()
    assert [f.title for f in builtins] == ["Rust support", "Rust samples", "Rust hacking"]
    report = apply_fragments(lt, builtins)
    assert report.ok and not report.warnings, report.text()
    text = lt.config_text()
    for line in ("CONFIG_RUST=y", "CONFIG_SAMPLES_RUST=y", "CONFIG_SAMPLE_RUST_MINIMAL=m",
                 "CONFIG_RUST_DEBUG_ASSERTIONS=y", "CONFIG_RUST_OVERFLOW_CHECKS=y"):
        assert line in text.splitlines()
    # the kernel's conf agrees
    merged = presets.merged_text(base, builtins)
    assert body(cc.olddefconfig(merged)) == body(text)
    rows = {r.name: r for r in report.changes.rows()}
    assert (rows["RUST"].old, rows["RUST"].new, rows["RUST"].rust) == ("n", "y", True)
    assert (rows["SAMPLES"].new, rows["SAMPLES"].rust) == ("y", False)
    assert rows["SAMPLE_RUST_MINIMAL"].new == "m" and rows["SAMPLE_RUST_MINIMAL"].rust


@pytest.mark.parametrize("version", ["6.12", "7.2"])
def test_rust_support_on_a_failing_probe_is_reported_with_its_reason(version: str, request, make_env, tmp_path):
    src = request.getfixturevalue({"6.12": "tree_612", "7.2": "tree_72"}[version])
    lt = _load(src, make_env, (("RUSTC", DEBIAN_RUSTC), ("BINDGEN", DEBIAN_BINDGEN)))
    lt.defconfig()
    assert lt.ev.str_value(lt.sym("RUST_IS_AVAILABLE")) == "n"
    report = apply_fragments(lt, presets.find_presets("rust-support"))
    assert not report.ok
    [miss] = report.not_applied
    assert miss.request.name == "RUST" and miss.request.line_text == "CONFIG_RUST=y"
    assert miss.request.where == "presets/rust-support.config:6"
    assert miss.actual == "n" and miss.actual_line is None
    assert "RUST_IS_AVAILABLE (n)" in miss.reason
    # the reason is the why engine's, with the probe that failed behind it
    assert miss.explanation is not None and not miss.explanation.ok
    probes = [r for reason in miss.explanation.reasons for r in reason.walk() if r.kind == "probe"]
    assert any("rust_is_available.sh" in (r.probe.command if r.probe else "") for r in probes)
    assert "CONFIG_RUST=y" in report.text() and "RUST_IS_AVAILABLE" in report.text()
    d = json.loads(report.to_json())
    assert d["ok"] is False and d["not_applied"][0]["symbol"] == "RUST"
    assert "RUST_IS_AVAILABLE" in d["not_applied"][0]["reason"]

    # the kernel's own `make rust.config` drops it the same way, silently
    assert lt.ev.str_value(lt.sym("RUST")) == "n"
    report = apply_fragments(lt, presets.find_presets("rust.config", lt))
    assert [n.request.where for n in report.not_applied] == ["kernel/configs/rust.config:2"]


def test_modversions_blocker_is_named(good_612: LoadedTree, tmp_path: Path):
    lt = good_612
    lt.read_config(ensure_distro_config("6.12"))
    assert lt.ev.str_value(lt.sym("MODVERSIONS")) == "y" and lt.ev.str_value(lt.sym("RUST_IS_AVAILABLE")) == "y"
    report = apply_fragments(lt, presets.find_presets("rust-support"))
    [miss] = report.not_applied
    assert miss.request.name == "RUST"
    assert "!MODVERSIONS (MODVERSIONS=y)" in miss.reason
    # a fragment that turns MODVERSIONS off first makes it take
    off = frag(tmp_path, "nomodversions.config", "# CONFIG_MODVERSIONS is not set\n")
    report = apply_fragments(lt, [off, *presets.find_presets("rust-support")])
    assert report.ok, report.text()
    assert lt.ev.str_value(lt.sym("RUST")) == "y"


def test_modversions_without_gendwarfksyms_is_named_on_72(good_72: LoadedTree, defconfig_72: str, tmp_path: Path):
    lt = good_72
    configfile.read_config_text(lt.ev, defconfig_72, "defconfig")
    genksyms = frag(tmp_path, "genksyms.config", "CONFIG_MODVERSIONS=y\nCONFIG_GENKSYMS=y\n")
    report = apply_fragments(lt, [genksyms, *presets.find_presets("rust-support")])
    assert [n.request.name for n in report.not_applied] == ["RUST"]
    assert "MODVERSIONS" in report.not_applied[0].reason and "GENDWARFKSYMS" in report.not_applied[0].reason


def test_symbols_missing_from_this_version_are_reported(good_612: LoadedTree, defconfig_612: str, tree_72: Path,
                                                         cc_612: CConf, tmp_path: Path):
    lt = good_612
    configfile.read_config_text(lt.ev, defconfig_612, "defconfig")
    newer = frag(tmp_path, "newer.config", "CONFIG_RUST=y\nCONFIG_RUST_INLINE_HELPERS=y\nCONFIG_LOG_BUF_SHIFT=18\n")
    report = apply_fragments(lt, [newer])
    assert [(m.name, m.line) for m in report.missing] == [("RUST_INLINE_HELPERS", 2)]
    assert not report.not_applied and not report.ok
    assert "CONFIG_LOG_BUF_SHIFT=18" in lt.config_text().splitlines()
    assert "Not in this tree (Linux 6.12" in report.text() and "newer.config:2" in report.text()
    # a later kernel's own fragment, applied as far as it goes, gives what conf gives
    configfile.read_config_text(lt.ev, defconfig_612, "defconfig")
    hardening = Fragment.from_file(tree_72 / "kernel/configs/hardening.config", origin="tree",
                                   label="7.2:kernel/configs/hardening.config")
    report = apply_fragments(lt, [hardening])
    absent = {a.name for a in hardening.assignments if lt.sym(a.name) is None}
    assert absent and {m.name for m in report.missing} == absent
    assert body(lt.config_text()) == body(cc_612.olddefconfig(presets.merged_text(defconfig_612, [hardening])))


def test_malformed_lines_are_file_line_warnings(good_612: LoadedTree, defconfig_612: str, tmp_path: Path):
    lt = good_612
    configfile.read_config_text(lt.ev, defconfig_612, "defconfig")
    data = (b"# title: broken on purpose\n"
            b"this is not a config line\n"              # 2 garbage
            b"CONFIG_LOG_BUF_SHIFT=15\n"                # 3
            b"CONFIG_LOG_BUF_SHIFT=16\n"                # 4 duplicate: the later one wins
            b"CONFIG_RUST=\"yes\"\n"                    # 5 wrong type for a bool
            b"CONFIG_LOG_BUF_SHIFT=lots\n"              # 6 wrong type for an int (and a duplicate)
            b"CONFIG_LOCALVERSION=\"caf\xe9\"\n"        # 7 not UTF-8
            b"CONFIG_NO_EQUALS_SIGN\n"                  # 8 garbage
            b"CONFIG_SYSVIPC=y\r\n"                     # 9 CRLF is fine
            b"CONFIG_LOCALVERSION_AUTO=m\n")            # 10 m for a bool is refused, as conf does
    bad = frag(tmp_path, "bad.config", data)
    report = apply_fragments(lt, [bad])
    where = {(i.line, i.kind) for i in report.issues}
    assert where == {(2, "unexpected-data"), (4, "duplicate"), (5, "invalid-value"), (6, "duplicate"),
                     (6, "invalid-value"), (7, "invalid-value"), (8, "unexpected-data"), (10, "invalid-value")}
    assert all(i.filename == "bad.config" for i in report.issues)
    assert all(str(i).startswith(f"bad.config:{i.line}: ") for i in report.issues)
    text = lt.config_text().splitlines()
    assert "CONFIG_LOG_BUF_SHIFT=16" in text and "CONFIG_SYSVIPC=y" in text
    requested = {r.name: r.value for r in report.requests}
    assert requested["LOG_BUF_SHIFT"] == "16" and "RUST" not in requested
    assert "Lines not taken:" in report.text() and "bad.config:2:" in report.text()
    # garbage only: nothing requested, nothing changed, still no exception
    junk = frag(tmp_path, "junk.config", b"\xff\xfe\x00garbage\n=\n# CONFIG_\nCONFIG_=y\n")
    before = lt.config_text()
    report = apply_fragments(lt, [junk])
    assert not report.requests and lt.config_text() == before and len(report.changes) == 0
    assert {i.line for i in report.issues} >= {1, 2}


def test_apply_is_one_undoable_step_and_preview_changes_nothing(good_612: LoadedTree, defconfig_612: str):
    lt = good_612
    configfile.read_config_text(lt.ev, defconfig_612, "defconfig")
    ev = lt.ev
    start = lt.config_text()
    preview = apply_fragments(lt, presets.builtin_presets(), keep=False)
    assert lt.config_text() == start and len(preview.changes) > 0
    report = apply_fragments(lt, presets.builtin_presets())
    after = lt.config_text()
    assert after != start and body(after) != body(start)
    assert diff_configs(start, after).text(mark_rust=False) == report.changes.text(mark_rust=False)
    assert report.changes.rows() == preview.changes.rows()
    ev.restore(report.before)
    assert lt.config_text() == start
    ev.restore(report.after)
    assert lt.config_text() == after


# -- saving -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("setup", ["6.12", "7.2"], indirect=True)
def test_minimal_config_is_make_savedefconfig(setup, tmp_path: Path):
    lt, cc, _ = setup
    apply_fragments(lt, presets.find_presets("rust-samples"))
    lt.ev.set_value(lt.sym("LOG_BUF_SHIFT"), "19")
    ours = lt.min_config_text()
    assert ours == cc.savedefconfig(lt.config_text())
    assert "CONFIG_SAMPLE_RUST_MINIMAL=m\n" in ours and "CONFIG_LOG_BUF_SHIFT=19\n" in ours


@pytest.mark.parametrize("setup", ["6.12", "7.2"], indirect=True)
def test_fragments_round_trip(setup, tmp_path: Path):
    lt, cc, base = setup
    ev = lt.ev
    opened = ev.snapshot()
    # edits as the window makes them: a bool, a tristate to m, an int, a string, a choice member
    assert ev.set_value(lt.sym("RUST"), 2)
    assert ev.set_value(lt.sym("BTRFS_FS"), 1)
    assert ev.set_value(lt.sym("LOG_BUF_SHIFT"), "17")
    assert ev.set_value(lt.sym("LOCALVERSION"), 'x"y\\z')
    assert ev.set_value(lt.sym("CC_OPTIMIZE_FOR_SIZE"), 2)
    edited = lt.config_text()

    head = presets.header(lt, "My setup", "Rust and a smaller kernel\nsecond line")
    changes = presets.fragment_from_changes(lt, opened, header=head)
    names = [a.name for a in presets.scan_assignments(changes)]
    assert {"RUST", "BTRFS_FS", "LOG_BUF_SHIFT", "LOCALVERSION", "CC_OPTIMIZE_FOR_SIZE"} <= set(names)
    assert set(names) <= {"RUST", "BTRFS_FS", "LOG_BUF_SHIFT", "LOCALVERSION", "CC_OPTIMIZE_FOR_SIZE",
                          "CC_OPTIMIZE_FOR_PERFORMANCE"}
    assert 'CONFIG_LOCALVERSION="x\\"y\\\\z"' in changes.splitlines()

    # the header: title, description, version, ARCH and date, read back from the saved file
    path = presets.save_user_preset("my-setup", changes)
    assert path.parent == presets.user_preset_dir() and path.read_text() == changes
    [mine] = [f for f in presets.user_presets() if f.name == "my-setup"]
    assert mine.title == "My setup" and mine.description == "Rust and a smaller kernel second line"
    assert f"# saved from Linux {lt.version_text}, ARCH=x86_64, on " in changes
    assert presets.find_presets("my-setup")[0].path == path

    # applied over the state it was made from, it gives the edited configuration ...
    ev.restore(opened)
    report = apply_fragments(lt, [mine])
    assert report.ok and lt.config_text() == edited
    # ... and so does the kernel's conf
    assert body(cc.olddefconfig(presets.merged_text(base, [mine]))) == body(edited)

    # differences from the defconfig, over the defconfig, also give it back
    from_base = presets.fragment_from_base(lt, base)
    assert set(lines_by_symbol(from_base)) >= {"RUST", "BTRFS_FS", "LOG_BUF_SHIFT"}
    configfile.read_config_text(ev, base, "defconfig")
    assert lt.config_text() != edited
    report = apply_fragments(lt, [Fragment(from_base, "from-base")])
    assert report.ok and lt.config_text() == edited

    # a hand-picked set: exactly those symbols, current values
    picked = presets.fragment_for(lt, [lt.sym("LOG_BUF_SHIFT"), lt.sym("RUST"), lt.sym("MODVERSIONS")])
    assert picked.splitlines() == ["CONFIG_LOG_BUF_SHIFT=17", "CONFIG_RUST=y", "# CONFIG_MODVERSIONS is not set"]


def test_rust_symbols_the_user_touched(good_612: LoadedTree, defconfig_612: str):
    from rustconfig_gui.explain.rustclass import is_rust_related

    lt = good_612
    ev = lt.ev
    configfile.read_config_text(ev, defconfig_612, "defconfig")
    opened = ev.snapshot()
    ev.set_value(lt.sym("RUST"), 2)
    ev.set_value(lt.sym("SAMPLES"), 2)
    ev.set_value(lt.sym("SAMPLES_RUST"), 2)
    ev.set_value(lt.sym("LOG_BUF_SHIFT"), "19")
    touched = presets.touched_symbols(lt, opened)
    # menu order: General setup, then Kernel hacking
    assert [s.name for s in touched] == ["LOG_BUF_SHIFT", "RUST", "SAMPLES", "SAMPLES_RUST"]
    rust = presets.fragment_for(lt, [s for s in touched if is_rust_related(lt, s)])
    assert set(lines_by_symbol(rust)) == {"RUST", "SAMPLES_RUST"}
    # changed_symbols also has what followed from the edits (RUST's own computed symbols)
    changed = {s.name for s in presets.changed_symbols(lt, opened)}
    assert {"RUST", "SAMPLES_RUST", "RUSTC_VERSION_TEXT"} <= changed


# -- where presets come from ----------------------------------------------------------------------------


def test_preset_folders_and_tree_fragments(tree_612: Path, tree_72: Path, monkeypatch, tmp_path: Path):
    # conftest points XDG_DATA_HOME at a private folder; a relative value is ignored, per XDG
    assert presets.user_preset_dir() == Path(os.environ["XDG_DATA_HOME"]) / "rustconfig-gui" / "presets"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/data")
    assert presets.user_preset_dir() == Path.home() / ".local/share/rustconfig-gui/presets"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert presets.user_presets() == []
    presets.save_user_preset("b-mine.config", "# title: Mine\nCONFIG_RUST=y\n")
    presets.save_user_preset("a-other", "CONFIG_SAMPLES=y\n")
    assert [f.name for f in presets.user_presets()] == ["a-other", "b-mine"]
    assert [f.title for f in presets.user_presets()] == ["a-other", "Mine"]
    with pytest.raises(ConfigFileError, match="cannot be a preset name"):
        presets.save_user_preset("../escape", "")

    frags = presets.tree_fragments(tree_612, "x86")
    labels = [f.label for f in frags]
    assert "kernel/configs/rust.config" in labels and "arch/x86/configs/xen.config" in labels
    assert not any(label.startswith("arch/arm64") for label in labels)
    rust = next(f for f in frags if f.label == "kernel/configs/rust.config")
    assert rust.description == "Enable Rust" and rust.symbol_names == ["RUST"] and rust.origin == "tree"

    class _Tree:
        # what find_presets needs of a loaded tree
        class tree:
            source = tree_72
        srcarch = "x86"

    # like `make hardening.config`: kernel/configs first, then the arch's
    found = presets.find_presets("hardening.config", _Tree)
    assert [f.label for f in found] == ["kernel/configs/hardening.config", "arch/x86/configs/hardening.config"]
    assert [f.label for f in presets.find_presets("kernel/configs/hardening.config", _Tree)] == \
        ["kernel/configs/hardening.config"]
    assert presets.find_presets("rust-support")[0].origin == "builtin"
    with pytest.raises(ConfigFileError, match="No preset or file named 'nope'.*rust-support"):
        presets.find_presets("nope")


def test_fragment_metadata_and_scanning_agree_with_the_reader(good_612: LoadedTree, defconfig_612: str):
    text = ("# title:   Spaced title  \n# description: one\n#description:two\n# order: 7\n\n"
            "# CONFIG_A is not set\n# CONFIG_B is not set, really\n#CONFIG_C is not set\n"
            "CONFIG_LOG_BUF_SHIFT=14\nCONFIG_RUST\n# title: not metadata after the first assignment\n")
    f = Fragment(text, "meta")
    assert (f.title, f.description, f.order) == ("Spaced title", "one two", 7)
    assert [(a.line, a.name, a.value) for a in f.assignments] == [(6, "A", "n"), (9, "LOG_BUF_SHIFT", "14")]
    # the lines the scanner takes are the lines the .config reader takes
    lt = good_612
    configfile.read_config_text(lt.ev, defconfig_612, "defconfig")
    rep = configfile.read_config_text(lt.ev, text, "meta", replace=False)
    assert rep.assignments == sum(1 for a in f.assignments if lt.sym(a.name) is not None)
    assert {i.symbol for i in rep.issues if i.kind == "unknown-symbol"} == {"A"}


# -- the command line -----------------------------------------------------------------------------------


def rustconfig(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    e = clean_env()
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "rustconfig_gui", *args], capture_output=True, text=True, env=e)


def test_cli_preset_apply_report_and_result(tree_612: Path, defconfig_612: str, good_612: LoadedTree,
                                            toolchain: Toolchain, tmp_path: Path):
    base = tmp_path / "base.config"
    base.write_text(defconfig_612)
    extra = tmp_path / "extra.config"
    extra.write_text("CONFIG_LOG_BUF_SHIFT=19\nCONFIG_NOT_A_SYMBOL=y\n")
    out = tmp_path / "out.config"
    mv = [a for name, value in toolchain.make_vars for a in ("--make-var", f"{name}={value}")]
    r = rustconfig("preset", "apply", str(tree_612), "--arch", "x86_64", *mv, "--config", str(base),
                   "rust-samples", str(extra), "-o", str(out), "--json")
    assert r.returncode == 0, r.stderr
    rep = json.loads(r.stdout)
    assert rep["missing"] == [{"symbol": "NOT_A_SYMBOL", "line": "CONFIG_NOT_A_SYMBOL=y",
                               "where": f"{extra}:2"}]
    assert rep["not_applied"] == [] and rep["ok"] is False
    # the same as the library gives
    configfile.read_config_text(good_612.ev, defconfig_612, "defconfig")
    apply_fragments(good_612, [*presets.find_presets("rust-samples"), Fragment.from_file(extra)])
    assert out.read_text() == good_612.config_text()

    # a failing probe: the report names the reason; --check turns it into the exit status
    r = rustconfig("preset", "apply", str(tree_612), "--arch", "x86_64", "--make-var", f"RUSTC={DEBIAN_RUSTC}",
                   "--make-var", f"BINDGEN={DEBIAN_BINDGEN}", "--config", str(base), "rust.config", "--dry-run",
                   "--check")
    assert r.returncode == 3, r.stderr
    assert "CONFIG_RUST=y  (kernel/configs/rust.config:2)" in r.stdout and "RUST_IS_AVAILABLE (n)" in r.stdout
    assert "configuration written" not in r.stderr


def test_cli_preset_save_and_list(tree_612: Path, defconfig_612: str, toolchain: Toolchain, tmp_path: Path):
    cfg = tmp_path / "my.config"
    cfg.write_text(defconfig_612.replace("CONFIG_LOG_BUF_SHIFT=18", "CONFIG_LOG_BUF_SHIFT=20"))
    xdg = {"XDG_DATA_HOME": str(tmp_path / "xdg")}
    mv = [a for name, value in toolchain.make_vars for a in ("--make-var", f"{name}={value}")]
    r = rustconfig("preset", "save", str(tree_612), "--arch", "x86_64", *mv, "--config", str(cfg),
                   "--name", "bigger-log", "--title", "Bigger log", env=xdg)
    assert r.returncode == 0, r.stderr
    saved = tmp_path / "xdg/rustconfig-gui/presets/bigger-log.config"
    lines = saved.read_text().splitlines()
    assert lines[0] == "# title: Bigger log" and lines[1].startswith("# saved from Linux 6.12.")
    assert lines[2:] == ["CONFIG_LOG_BUF_SHIFT=20"]
    r = rustconfig("preset", "save", str(tree_612), "--arch", "x86_64", *mv, "--config", str(cfg),
                   "--symbols", "CONFIG_RUST", "MODVERSIONS", env=xdg)
    assert r.returncode == 0 and r.stdout.splitlines()[-2:] == ["# CONFIG_RUST is not set",
                                                                "# CONFIG_MODVERSIONS is not set"]
    r = rustconfig("preset", "list", "--tree", str(tree_612), "--arch", "x86_64", "--json", env=xdg)
    assert r.returncode == 0, r.stderr
    listed = json.loads(r.stdout)["presets"]
    assert [p["name"] for p in listed[:4]] == ["rust-support", "rust-samples", "rust-hacking", "bigger-log"]
    assert {"origin": "tree", "name": "rust"}.items() <= next(p for p in listed if p["name"] == "rust").items()
