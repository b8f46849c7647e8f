"""Clear words: where a value comes from, and trees that predate Rust support."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from kconfiglib import BOOL, TRISTATE

from devtools.trees import ensure_tree
from rustconfig_gui import cli
from rustconfig_gui.explain import provenance, why
from rustconfig_gui.explain.overview import rust_overview
from rustconfig_gui.explain.provenance import value_source
from rustconfig_gui.explain.rustclass import predates_rust, rust_symbols
from rustconfig_gui.kconfig import configfile
from rustconfig_gui.kconfig.loader import LoadedTree, load_tree
from rustconfig_gui.kconfig.tree import KernelTree

pytestmark = pytest.mark.slow


def defconfig_value(lt: LoadedTree, name: str) -> str | None:
    text = lt.defconfig_path().read_text()
    m = re.search(rf"^CONFIG_{name}=(.*)$", text, re.M)
    return m.group(1) if m else None


@pytest.fixture(scope="module")
def lt612(tree_612: Path, make_env, tmp_path_factory) -> LoadedTree:
    lt = load_tree(KernelTree(tree_612, build=tmp_path_factory.mktemp("b"), arch="x86_64"), base_env=make_env)
    lt.defconfig()
    return lt


def test_values_from_the_file_and_from_an_edit(lt612: LoadedTree):
    lt = lt612
    s = lt.sym("LOG_BUF_SHIFT")
    in_file = defconfig_value(lt, "LOG_BUF_SHIFT")
    assert in_file is not None
    src = value_source(lt, s)
    assert src.kind == provenance.FILE and src.text == f"from the loaded file ({lt.defconfig_path().name})"
    other = "15" if in_file != "15" else "16"
    before = lt.ev.snapshot()
    try:
        assert lt.ev.set_value(s, other)
        src = value_source(lt, s)
        assert src.kind == provenance.EDIT and src.text == f"your edit (the loaded file had {in_file})"
        # a symbol the file does not name, set by hand
        fresh = next(x for x in lt.symbols if x not in lt.file_values and x.orig_type in (BOOL, TRISTATE)
                     and lt.ev.visibility(x) == 2 and 2 in lt.ev.assignable(x) and lt.ev.tri(x) == 0)
        assert lt.ev.set_value(fresh, 2)
        assert value_source(lt, fresh).text == "your edit"
    finally:
        lt.ev.restore(before)


def test_select_imply_default_and_none(lt612: LoadedTree):
    lt = lt612
    ev = lt.ev
    kinds: dict[str, int] = {}
    checked = 0
    for s in lt.symbols:
        if s.orig_type not in (BOOL, TRISTATE) or s.choice is not None or s in ev.user:
            continue
        src = value_source(lt, s)
        kinds[src.kind] = kinds.get(src.kind, 0) + 1
        if src.kind == provenance.SELECT:
            # the value is the select's, and the names are the selects in effect
            assert ev.tri(s) == ev.rev_dep(s) > 0
            assert set(src.symbols) == {x.name for x, _ in lt.reverse.active_selectors(ev, s)}
            checked += 1
        elif src.kind == provenance.IMPLY:
            assert ev.implied(s) > 0 and set(src.symbols) <= {x.name for x in lt.reverse.implied_by(s)}
            checked += 1
        elif src.kind == provenance.NONE:
            assert ev.tri(s) == 0
    assert kinds.get(provenance.SELECT, 0) > 50 and kinds.get(provenance.DEFAULT, 0) > 50
    assert kinds.get(provenance.NONE, 0) > 0 and checked > 50


def test_a_value_set_only_by_an_override_says_so(tree_612: Path, make_env, tmp_path: Path, lt612: LoadedTree):
    rustc = shutil.which("rustc")
    assert rustc is not None
    lt = load_tree(KernelTree(tree_612, build=tmp_path / "b", arch="x86_64", make_vars=(("RUSTC", rustc),)),
                   base_env=make_env)
    lt.defconfig()
    for name in ("RUSTC_VERSION", "RUST_IS_AVAILABLE"):
        src = value_source(lt, lt.sym(name))
        assert src.kind == provenance.OVERRIDE, (name, src)
        assert f"RUSTC={rustc}" in src.text and "make variable" in src.text
        # without the make variable the same value is the tree's own probe
        plain = value_source(lt612, lt612.sym(name))
        assert plain.kind == provenance.DEFAULT and "computed by a probe" in plain.text
    # a what-if assumption of a plan check says so too
    avail = lt.sym("RUST_IS_AVAILABLE")
    state = lt.ev.snapshot()
    lt.ev.assume(avail, "y")
    try:
        src = value_source(lt, avail)
        assert src.kind == provenance.OVERRIDE and src.text.startswith("assumed to be y")
    finally:
        lt.ev.restore(state)


def test_a_hidden_symbols_file_value_is_named_as_unused(lt612: LoadedTree):
    lt = lt612
    ev = lt.ev
    hidden = next(s for s in lt.symbols if s.orig_type == BOOL and s.choice is None and any(n.prompt for n in s.nodes)
                  and ev.visibility(s) == 0 and ev.rev_dep(s) == 0 and s not in ev.user)
    state = ev.snapshot()
    try:
        configfile.read_config_text(ev, f"CONFIG_{hidden.name}=y\n", "extra", replace=False)
        src = value_source(lt, hidden)
        assert "value y is not used while it is hidden" in src.note
        assert src.note in src.sentence()
    finally:
        ev.restore(state)


def test_info_panel_says_where_the_value_comes_from(lt612: LoadedTree, qapp):
    from rustconfig_gui.gui.panels.info import info_html

    lt = lt612
    node = next(n for n in lt.sym("LOG_BUF_SHIFT").nodes if n.prompt)
    page = info_html(lt, node)
    assert f"from the loaded file ({lt.defconfig_path().name})" in page
    assert "set by you or the loaded config" not in page


# -- before Rust: 5.10 ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lt510(make_env, tmp_path_factory) -> LoadedTree:
    src = ensure_tree("5.10")
    lt = load_tree(KernelTree(src, build=tmp_path_factory.mktemp("b510"), arch="x86_64"), base_env=make_env)
    lt.defconfig()
    return lt


def test_a_tree_before_6_1_says_it_predates_rust(lt510: LoadedTree, lt612: LoadedTree, capsys, make_env,
                                                   qapp):
    from rustconfig_gui.gui.panels.overview import RustOverview

    lt = lt510
    assert lt.version[:2] == (5, 10)
    sentence = f"Rust support starts with Linux 6.1; this tree ({lt.version_text}) predates it."
    assert predates_rust(lt) == sentence
    assert predates_rust(lt612) is None
    data = rust_overview(lt, rust_symbols(lt))
    assert data.predates == sentence and not data.has_rust_symbol
    ov = RustOverview()
    ov.show_data(data)
    assert sentence in ov.label.text() and "hidden" not in ov.label.text()
    assert why.rust_status(lt).summary == sentence
    assert cli.main(["rust-status", str(lt.tree.source), "--arch", "x86_64"]) == 0
    assert sentence in capsys.readouterr().out
    assert cli.main(["why", str(lt.tree.source), "--arch", "x86_64", "RUST"]) == 1
    assert sentence in capsys.readouterr().err


def test_cli_why_says_where_the_value_comes_from(tree_612: Path, capsys):
    defconfig = tree_612 / "arch/x86/configs/x86_64_defconfig"
    args = ["--arch", "x86_64", "--config", str(defconfig)]
    assert cli.main(["why", str(tree_612), "LOG_BUF_SHIFT", *args]) == 0
    value = re.search(r"^CONFIG_LOG_BUF_SHIFT=(\d+)$", defconfig.read_text(), re.M).group(1)
    assert f"\nValue {value}: from the loaded file (x86_64_defconfig)\n" in capsys.readouterr().out
    assert cli.main(["why", str(tree_612), "LOG_BUF_SHIFT", "--json", *args]) == 0
    import json

    data = json.loads(capsys.readouterr().out)
    assert data["value_source"]["kind"] == "file"


def test_an_empty_string_reads_as_two_quotes(lt612: LoadedTree):
    lt = lt612
    s = lt.sym("LOCALVERSION")
    before = lt.ev.snapshot()
    try:
        assert lt.ev.set_value(s, "")
        texts = [r.text for r in why.explain_set(lt, s).reasons]
        assert texts and all('""' in t for t in texts), texts
        assert not any(re.search(r"= :|set to  in", t) for t in texts), texts
        assert lt.ev.set_value(s, "-rc")
        assert any("set to -rc in the configuration" in r.text for r in why.explain_set(lt, s).reasons)
    finally:
        lt.ev.restore(before)
