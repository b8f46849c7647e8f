"""Moving a config to a newer kernel, against the kernel's own C tools on real trees.

Debian's 6.1 config on 6.12 and Debian's 6.12 config on 7.2: ``make
listnewconfig``/``make helpnewconfig`` byte for byte, the values 7.2's conf
reports with ``KCONFIG_WARN_CHANGED_INPUT=1``, the unknown symbols it reports
with ``KCONFIG_WARN_UNKNOWN_SYMBOLS=1`` and the values it refuses.  Every
count comes from the C tools' output, never from this file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from fakes import fake_toolchain

from devtools.cref import Build, CConf, clean_env
from devtools.trees import ensure_distro_config, ensure_tree
from rustconfig_gui import cli
from rustconfig_gui.explain.rustclass import name_is_rust
from rustconfig_gui.kconfig import configfile, newoptions
from rustconfig_gui.kconfig.loader import LoadedTree, load_tree
from rustconfig_gui.kconfig.tree import KernelTree
from rustconfig_gui.workspace import upgrade

UPGRADES = (("6.1", "6.12"), ("6.12", "7.2"))
_WARN_HEAD = "warning: user-provided values changed by Kconfig:\n"


@dataclass
class Upgrade:
    old: str
    new: str
    text: str          # the older kernel's config
    src: Path          # the newer tree
    c_list: str
    c_help: str
    c_stderr: str      # olddefconfig with both KCONFIG_WARN_* set


_C_RUNS: dict[tuple[str, str], Upgrade] = {}
_LOADED: dict[str, LoadedTree] = {}


def c_upgrade(old: str, new: str) -> Upgrade:
    key = (old, new)
    if key not in _C_RUNS:
        text = ensure_distro_config(old).read_text()
        src = ensure_tree(new)
        cc = CConf(Build(src, arch="x86_64"))
        c_list, _, _ = cc.output("listnewconfig", text)
        c_help, _, _ = cc.output("helpnewconfig", text)
        _, c_stderr, _ = cc.output("olddefconfig", text, {"KCONFIG_WARN_CHANGED_INPUT": "1",
                                                          "KCONFIG_WARN_UNKNOWN_SYMBOLS": "1"})
        _C_RUNS[key] = Upgrade(old, new, text, src, c_list, c_help, c_stderr)
    return _C_RUNS[key]


def loaded(up: Upgrade) -> LoadedTree:
    lt = _LOADED.get(up.new)
    if lt is None:
        lt = _LOADED[up.new] = load_tree(KernelTree(up.src, arch="x86_64"), base_env=clean_env())
    return lt


def read(up: Upgrade) -> tuple[LoadedTree, configfile.ConfigReadReport]:
    lt = loaded(up)
    return lt, configfile.read_config_text(lt.ev, up.text, ".config")


def c_changed_block(stderr: str) -> str:
    if _WARN_HEAD not in stderr:
        return ""
    rest = stderr[stderr.index(_WARN_HEAD):]
    lines = rest.splitlines(keepends=True)
    block = [lines[0]] + [ln for ln in lines[1:] if ln.startswith("  CONFIG_")]
    return "".join(block)


ids = [f"{a}-on-{b}" for a, b in UPGRADES]


@pytest.mark.slow
@pytest.mark.parametrize(("old", "new"), UPGRADES, ids=ids)
def test_listnewconfig_and_helpnewconfig_match_make(old: str, new: str):
    up = c_upgrade(old, new)
    lt, _ = read(up)
    assert up.c_list.count("\n") > 0 and up.c_help.startswith("-----\n")
    assert newoptions.listnewconfig_text(lt.ev) == up.c_list
    assert newoptions.helpnewconfig_text(lt.ev) == up.c_help


@pytest.mark.slow
def test_changed_values_match_conf_warn_changed_input():
    # KCONFIG_WARN_CHANGED_INPUT exists from 7.2 on; 6.12's conf says nothing
    up = c_upgrade("6.12", "7.2")
    lt, rep = read(up)
    c_block = c_changed_block(up.c_stderr)
    assert c_block.count("\n") > 1
    assert newoptions.changed_input_text(lt.ev) == c_block

    report = upgrade.upgrade_report(lt, rep, up.text)
    c_names = re.findall(r"^  CONFIG_(\w+):", c_block, re.M)
    assert [c.name for c in report.changed] == c_names
    for c in report.changed:
        assert c.kind in ("dependencies", "select", "range", "choice", "computed") and c.reason, c
        assert f"  CONFIG_{c.name}: {c.written} -> {c.now}\n" in c_block

    # options gone: what conf calls unknown symbols; values refused: what it calls invalid
    c_unknown = re.findall(r"^\.config:\d+:warning: unknown symbol: (\w+)$", up.c_stderr, re.M)
    assert c_unknown and [g.name for g in report.gone] == c_unknown
    c_invalid = re.findall(r"^\.config:(\d+):warning: symbol value '[^']*' invalid for (\w+)$", up.c_stderr, re.M)
    assert [(r.line, r.name) for r in report.refused] == [(int(n), s) for n, s in c_invalid]

    # the summary names the kernel that wrote the file and the tree's own version
    header = next(ln for ln in up.text.splitlines()[:5] if ln.endswith(" Kernel Configuration"))
    assert report.from_version == header.split()[2]
    assert report.to_version == lt.version_text
    assert report.summary().startswith(f"from {header.split()[2]} to {lt.version_text}: "
                                       f"{up.c_list.count(chr(10))} new options (")
    assert f"{len(c_names)} values changed, {len(c_unknown)} options gone" in report.summary()


@pytest.mark.slow
def test_new_options_are_listnewconfig_in_review_order():
    up = c_upgrade("6.12", "7.2")
    lt, _ = read(up)
    new = upgrade.new_options(lt)
    assert [f"CONFIG_{n.name}" for n in new] == [ln.split("=", 1)[0] for ln in up.c_list.splitlines()]
    ordered = upgrade.review_order(new)
    assert sorted(map(id, ordered)) == sorted(map(id, new))
    flags = [n.rust for n in ordered]
    assert flags == sorted(flags, reverse=True)
    # each value is what conf lists, the value the kernel takes without an answer
    assert [f"CONFIG_{n.name}={n.value}" if n.type != "string" else f"CONFIG_{n.name}=\"{n.value}\""
            for n in new] == up.c_list.splitlines()


@pytest.fixture(scope="module")
def rust_72(tmp_path_factory: pytest.TempPathFactory) -> tuple[LoadedTree, CConf]:
    """7.2 with a stand-in rustc and bindgen the tree's own make accepts, so Rust entries show."""
    tools = fake_toolchain(tmp_path_factory.mktemp("rust-tools"))
    src = ensure_tree("7.2")
    lt = load_tree(KernelTree(src, arch="x86_64", make_vars=tools.make_vars), base_env=clean_env())
    assert lt.ev.tri(lt.sym("RUST_IS_AVAILABLE")) == 2
    cc = CConf(Build(src, arch="x86_64", make_vars=tools.make_vars), workdir=tmp_path_factory.mktemp("cconf-72"))
    return lt, cc


def without_rust_lines(text: str) -> tuple[str, set[str]]:
    """Debian's 7.2 config (RUST=y) without its other Rust lines: those entries get no value."""
    removed = {m.group(1) for m in re.finditer(r"^(?:# )?CONFIG_(\w+)[= ]", text, re.M)
               if name_is_rust(m.group(1)) and m.group(1) != "RUST"}
    kept = "".join(ln for ln in text.splitlines(keepends=True)
                   if not any(re.match(rf"(# )?CONFIG_{n}[= ]", ln) for n in removed))
    return kept, removed


@pytest.mark.slow
def test_rust_options_without_a_value_are_new_and_marked(rust_72):
    lt, cc = rust_72
    text, removed = without_rust_lines(ensure_distro_config("7.2").read_text())
    rep = configfile.read_config_text(lt.ev, text, ".config")
    c_list, _, _ = cc.output("listnewconfig", text)
    assert newoptions.listnewconfig_text(lt.ev) == c_list
    c_help, _, _ = cc.output("helpnewconfig", text)
    assert newoptions.helpnewconfig_text(lt.ev) == c_help
    report = upgrade.upgrade_report(lt, rep, text)
    back = [n for n in report.new if n.name in removed]
    assert back and all(n.rust for n in back)
    assert report.new_rust >= len(back)
    assert f"({report.new_rust} Rust-related)" in report.summary()
    # the review asks about the Rust ones first
    ordered = upgrade.review_order(report.new)
    assert [n.name for n in ordered[:report.new_rust]] == [n.name for n in report.new if n.rust]


@pytest.mark.slow
@pytest.mark.parametrize("command", ["listnewconfig", "helpnewconfig"])
def test_cli_prints_what_make_prints(command: str, capsys, tmp_path: Path):
    up = c_upgrade("6.12", "7.2")
    cfg = tmp_path / "config-6.12"
    cfg.write_text(up.text)
    assert cli.main([command, str(up.src), "--arch", "x86_64", "--config", str(cfg)]) == 0
    out = capsys.readouterr().out
    assert out == (up.c_list if command == "listnewconfig" else up.c_help)


@pytest.mark.slow
def test_cli_upgrade_report_json(capsys, tmp_path: Path):
    up = c_upgrade("6.12", "7.2")
    cfg = tmp_path / "config-6.12"
    cfg.write_text(up.text)
    assert cli.main(["upgrade-report", str(up.src), "--arch", "x86_64", "--config", str(cfg), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [f"CONFIG_{n['name']}" for n in data["new"]] == [ln.split("=", 1)[0] for ln in up.c_list.splitlines()]
    assert [c["name"] for c in data["changed"]] == re.findall(r"^  CONFIG_(\w+):", c_changed_block(up.c_stderr),
                                                             re.M)
    assert data["summary"].startswith(f"from {data['from']} to {data['to']}: ")


def test_cli_upgrade_report_missing_file_is_one_sentence(capsys, tmp_path: Path):
    from rustconfig_gui.assets import demo_tree

    missing = tmp_path / "nope.config"
    assert cli.main(["upgrade-report", str(demo_tree()), "-O", str(tmp_path / "b"), "--config", str(missing)]) == 1
    err = capsys.readouterr().err.strip()
    assert err == f"rustconfig: {missing} does not exist."


def test_header_version():
    assert upgrade.header_version("#\n# Automatically generated file; DO NOT EDIT.\n"
                                  "# Linux/x86 6.12.118 Kernel Configuration\n#\n") == "6.12.118"
    assert upgrade.header_version("CONFIG_A=y\n") is None


@pytest.mark.slow
def test_listnewconfig_on_61_where_choices_are_symbols():
    # Debian's 6.1 config on its own tree without every fifth line: choice members and
    # choices (symbols before 6.11) lose their values
    text = "".join(ln for i, ln in enumerate(ensure_distro_config("6.1").read_text().splitlines(True)) if i % 5)
    src = ensure_tree("6.1")
    c_list, _, _ = CConf(Build(src, arch="x86_64")).output("listnewconfig", text)
    lt = load_tree(KernelTree(src, arch="x86_64"), base_env=clean_env())
    configfile.read_config_text(lt.ev, text, ".config")
    assert c_list.count("\n") > 0
    assert newoptions.listnewconfig_text(lt.ev) == c_list


def test_help_text_follows_the_c_lexer():
    from rustconfig_gui.kconfig.ksource import c_help_text

    # tabs inside a line stay, trailing blanks go, deeper indentation becomes spaces
    assert c_help_text(["\ta\tb \t", "\t  c", "", "\td", "config X"], 0) == "a\tb\n  c\n\nd"
    # a line indented less than the first ends the text (after the newline before it)
    assert c_help_text(["\t  x", "\ty"], 0) == "x\n"
    assert c_help_text(["\tlast line at the end of the file"], 0) == "last line at the end of the file"
