"""Property-based tests of everything that reads outside input.

* the .config reader: any bytes give a report (never an exception), every
  issue names its file and line, and a written config reads back to the same
  values (also after a savedefconfig round);
* the fragment reader: a fragment merged on top reads like the concatenation,
  ``scan_assignments`` sees the lines the reader sees, and applying fragments
  gives what ``merge_config.sh`` plus olddefconfig gives;
* the probe output: the bounded line splitter gives the same lines however
  the bytes are chunked, the parser takes any line (including every message of
  the real trees' scripts with random values), and ``make rustavailable`` with a
  rustc printing random bytes always ends in a result.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from fakes import fake_toolchain, write_script
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devtools.trees import ensure_tree
from rustconfig_gui.assets import demo_tree
from rustconfig_gui.kconfig import configfile
from rustconfig_gui.kconfig.configfile import ConfigIssueText, parse_value
from rustconfig_gui.kconfig.loader import load_kconfig_dir, load_tree
from rustconfig_gui.kconfig.tree import KernelTree
from rustconfig_gui.toolchain.findings import findings_to_json, parse_probe_output
from rustconfig_gui.toolchain.rustavailable import (
    MAX_LINE_BYTES,
    LineSplitter,
    ProbeRequest,
    result_to_json,
    run_probe,
)
from rustconfig_gui.workspace import presets

KCONFIG = """mainmenu "Fuzz"
config MODULES
\tbool "modules"
\tmodules
\tdefault y
config B
\tbool "b"
config B2
\tbool "b2"
\tdepends on B
\tdefault y
config T
\ttristate "t"
\tselect B
config S
\tstring "s"
\tdefault "x"
config I
\tint "i"
\trange 1 10
\tdefault 3
config H
\thex "h"
\trange 0x10 0xff
config NODEF
\tint "no default"
choice
\tprompt "c"
\tdefault C2
config C1
\tbool "c1"
config C2
\tbool "c2"
config C3
\tbool "c3"
\tdepends on T
endchoice
config IMPLIED
\ttristate "implied"
config IMPLIER
\tbool "implier"
\timply IMPLIED
menu "m"
\tdepends on B
config INMENU
\tstring "in menu"
endmenu
"""
NAMES = ["MODULES", "B", "B2", "T", "S", "I", "H", "NODEF", "C1", "C2", "C3", "IMPLIED", "IMPLIER", "INMENU"]
VERSIONS = [(6, 1, 0), (6, 12, 0)]
KINDS = {"unknown-symbol", "invalid-value", "duplicate", "unexpected-data", "out-of-range"}
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def evs(tmp_path_factory):
    """Two independent evaluators per version: one to read into, one to read back with."""
    root = tmp_path_factory.mktemp("fuzz-kconfig")
    (root / "Kconfig").write_text(KCONFIG)
    return {v: (load_kconfig_dir(root, v)[1], load_kconfig_dir(root, v)[1]) for v in VERSIONS}


# -- .config text ------------------------------------------------------------------------

_values = st.one_of(
    st.sampled_from(["y", "m", "n", "Y", "M", "N", "", "0", "1", "3", "10", "11", "-1", "007", "0x10", "0XfF",
                     "0x100", "ff", "abc", '"x"', '""', '"a\\"b"', '"back\\\\slash"', '"unterminated',
                     '"trailing\\', '"two" "strings"', "y # comment", " y", "é"]),
    st.integers(-2**70, 2**70).map(str),
    st.integers(0, 2**70).map(hex),
    st.text(max_size=12).map(lambda t: '"' + t.replace("\\", "\\\\").replace('"', '\\"') + '"'),
    st.text(max_size=12),
)
_names = st.one_of(st.sampled_from(NAMES), st.sampled_from(["NOPE", "b", "B ", "", "I=", "CONFIG_B"]),
                   st.text(max_size=6))
_line = st.one_of(
    st.builds(lambda n, v: f"CONFIG_{n}={v}", _names, _values),
    st.builds(lambda n: f"# CONFIG_{n} is not set", _names),
    st.builds(lambda n: f"#CONFIG_{n} is not set", _names),
    st.text(max_size=20).map(lambda t: "#" + t),
    st.text(max_size=30),
    st.just(""),
)


@st.composite
def config_bytes(draw) -> bytes:
    lines = draw(st.lists(_line, max_size=25))
    out = b""
    for line in lines:
        out += line.encode("utf-8", "surrogatepass") + draw(st.sampled_from([b"\n", b"\r\n", b"\r\r\n"]))
        if draw(st.integers(0, 9)) == 0:
            out += draw(st.binary(min_size=1, max_size=4)) + b"\n"  # bytes that need not be UTF-8
    if out and draw(st.booleans()):
        out = out.rstrip(b"\n")  # no final newline
    return out


def _values_of(ev) -> dict[str, str]:
    return {n: ev.str_value(ev.kconf.syms[n]) for n in NAMES}


def _check_report(rep: configfile.ConfigReadReport, filename: str, nlines: int) -> None:
    for issue in rep.issues:
        assert issue.kind in KINDS
        assert 1 <= issue.line <= max(nlines, 1), issue
        assert str(issue).startswith(f"{filename}:{issue.line}: ")
        assert "\n" not in issue.message and len(issue.message) < 400


@FUZZ
@given(data=config_bytes(), version=st.sampled_from(VERSIONS))
def test_config_reader_takes_any_bytes_and_round_trips(evs, data: bytes, version):
    ev, fresh = evs[version]
    text, decode_issues = configfile.decode_config_bytes(data, "fuzz.config")
    rep = configfile.read_config_text(ev, text, "fuzz.config")
    rep.issues[:0] = decode_issues
    _check_report(rep, "fuzz.config", len(text.split("\n")))
    # every line shaped like an assignment was either taken or reported
    shaped = list(presets.scan_assignments(text))
    refused = [i for i in rep.issues if i.kind in ("unknown-symbol", "invalid-value") and i.symbol is not None]
    assert rep.assignments + len(refused) == len(shaped)
    assert {i.line for i in refused} <= {a.line for a in shaped}
    # what is written reads back to the same values, with nothing to report
    written = configfile.config_text(ev)
    back = configfile.read_config_text(fresh, written, "written")
    # 6.1 writes an int/hex without a value as "CONFIG_X=" and its own conf then
    # warns about the empty value too (6.12 writes 0 instead)
    assert [i for i in back.issues if not (version < (6, 12) and i.message.startswith("symbol value '' invalid"))] == []
    assert _values_of(fresh) == _values_of(ev)
    assert configfile.config_text(fresh) == written
    # and so does the minimal form (savedefconfig, then olddefconfig)
    configfile.read_config_text(fresh, configfile.min_config_text(ev), "min")
    assert configfile.config_text(fresh) == written


@FUZZ
@given(base=config_bytes(), fragment=config_bytes(), version=st.sampled_from(VERSIONS))
def test_a_fragment_on_top_reads_like_the_concatenation(evs, base: bytes, fragment: bytes, version):
    ev, other = evs[version]
    b_text, _ = configfile.decode_config_bytes(base, "base")
    f_text, _ = configfile.decode_config_bytes(fragment, "fragment")
    if b_text and not b_text.endswith("\n"):
        b_text += "\n"
    configfile.read_config_text(ev, b_text, "base")
    rep = configfile.read_config_text(ev, f_text, "fragment", replace=False)
    _check_report(rep, "fragment", len(f_text.split("\n")))
    configfile.read_config_text(other, b_text + f_text, "both")
    assert _values_of(ev) == _values_of(other)
    assert configfile.config_text(ev) == configfile.config_text(other)


_unterminated = ConfigIssueText("unterminated")


def _string_by_characters(val: str):
    """conf_set_sym_val's string rule, one character at a time (the reference)."""
    out, i = [], 1
    while i < len(val):
        c = val[i]
        if c == '"':
            return "".join(out)
        if c == "\\":
            i += 1
            if i < len(val):
                out.append(val[i])
            i += 1
            continue
        out.append(c)
        i += 1
    return _unterminated


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=st.sampled_from('ab"\\ é\r'), max_size=30).map(lambda t: '"' + t))
def test_string_values_follow_the_reference_rule(evs, val: str):
    sym = evs[(6, 12, 0)][0].kconf.syms["S"]
    got = parse_value(sym, val)
    want = _string_by_characters(val)
    if want is _unterminated:
        assert isinstance(got, ConfigIssueText) and got.startswith("invalid string found for S")
    else:
        assert got == want and not isinstance(got, ConfigIssueText)


@FUZZ
@given(edits=st.lists(st.tuples(st.sampled_from(NAMES), st.one_of(
    st.sampled_from([0, 1, 2, "y", "m", "n", "5", "0x20", "-3", "a\nCONFIG_B=y", "\n"]),
    st.text(max_size=10))), max_size=12), version=st.sampled_from(VERSIONS))
def test_user_edits_save_and_read_back(evs, edits, version):
    ev, fresh = evs[version]
    ev.clear_user()
    for name, value in edits:
        taken = ev.set_value(ev.kconf.syms[name], value)
        if isinstance(value, str) and "\n" in value:
            # it would write lines of its own into .config
            assert not taken
    written = configfile.config_text(ev)
    rep = configfile.read_config_text(fresh, written, "written")
    assert [i for i in rep.issues if not (version < (6, 12) and i.message.startswith("symbol value '' invalid"))] == []
    assert _values_of(fresh) == _values_of(ev)


# -- fragments through the presets module ------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz-demo")
    tc = fake_toolchain(root / "tc")
    from devtools.cref import clean_env

    lt = load_tree(KernelTree(demo_tree(), make_vars=tc.make_vars), base_env=clean_env())
    lt.defconfig()
    return lt


_DEMO_NAMES = ["RUST", "SAMPLES", "SAMPLES_RUST", "SAMPLE_RUST_MINIMAL", "MODULES", "MODVERSIONS",
               "LOCALVERSION", "LOG_BUF_SHIFT", "DEBUG_INFO", "NO_SUCH_OPTION", "RUST_IS_AVAILABLE"]
_demo_line = st.one_of(
    st.builds(lambda n, v: f"CONFIG_{n}={v}", st.sampled_from(_DEMO_NAMES), _values),
    st.builds(lambda n: f"# CONFIG_{n} is not set", st.sampled_from(_DEMO_NAMES)),
    st.sampled_from(["# title: fuzz", "# description: a fragment", "# Help: something", ""]),
    st.text(max_size=20),
)
_fragment = st.lists(_demo_line, max_size=10).map(lambda ls: "".join(x + "\n" for x in ls).encode("utf-8",
                                                                                                 "surrogatepass"))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frags=st.lists(_fragment, min_size=1, max_size=3), junk=st.binary(max_size=8))
def test_applying_fragments_is_merge_config_then_olddefconfig(demo, frags, junk):
    lt = demo
    before = lt.config_text()
    fragments = [presets.Fragment.from_bytes(data + junk, f"f{i}.config") for i, data in enumerate(frags)]
    # a preview puts everything back
    presets.apply_fragments(lt, fragments, keep=False, explain=False)
    assert lt.config_text() == before
    rep = presets.apply_fragments(lt, fragments, keep=True, explain=False)
    applied = lt.config_text()
    for issue in rep.issues:
        assert issue.kind in KINDS and issue.line >= 1
    configfile.read_config_text(lt.ev, presets.merged_text(before, fragments), "merged")
    assert lt.config_text() == applied
    configfile.read_config_text(lt.ev, before, "back")
    assert lt.config_text() == before


# -- probe output -------------------------------------------------------------------------------


@settings(max_examples=500, deadline=None)
@given(data=st.binary(max_size=200).map(lambda b: b.replace(b"\x00", b"\n")), limit=st.integers(1, 16),
       cuts=st.lists(st.integers(0, 200), max_size=10))
def test_line_splitter_gives_the_same_lines_however_chunked(data: bytes, limit: int, cuts):
    pieces, last = [], 0
    for c in sorted(set(cuts)):
        pieces.append(data[last:c])
        last = max(last, c)
    pieces.append(data[last:])
    splitter = LineSplitter(limit)
    got = []
    for piece in pieces:
        got += splitter.feed(piece)
    got += splitter.close()
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    assert got == [(line[:limit], max(0, len(line) - limit)) for line in lines]
    assert splitter.partial == b"" and splitter.cut == 0


def _script_messages() -> list[str]:
    """Every message the trees' rust_is_available.sh print, '$var' parts marked with {}."""
    scripts = [demo_tree() / "scripts" / "rust_is_available.sh"]
    scripts += [ensure_tree(v) / "scripts" / "rust_is_available.sh" for v in ("6.1", "6.12", "7.2")]
    found: set[str] = set()
    for script in scripts:
        for m in re.finditer(r'echo\s+(?:>&2\s+)?"([^"\n]*)"', script.read_text()):
            found.add(re.sub(r"\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|\$\([^)]*\)", "{}", m.group(1)))
    return sorted(found)


MESSAGES = _script_messages()
_filler = st.one_of(st.sampled_from(["1.78.0", "0.65.1", "18.1.8", "rustc", "/usr/bin/bindgen", "1", "", "x.y",
                                     "99999999999999999999", "1.2.3.4", "-1"]), st.text(max_size=12))


@st.composite
def script_line(draw) -> str:
    template = draw(st.sampled_from(MESSAGES))
    return re.sub(r"\{\}", lambda _: draw(_filler).replace("\\", "/"), template)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["stdout", "stderr", "note"]),
                          st.one_of(script_line(), st.text(max_size=40))), max_size=40),
       st.sampled_from([(6, 1, 0), (6, 12, 0), (7, 2, 0), (0, 0, 0)]))
def test_parser_takes_the_scripts_messages_with_any_values(lines, version):
    findings = parse_probe_output(lines, version, {"rustc": "1.78.0", "bindgen": "0.65.1", "llvm": "15.0.0"})
    for f in findings:
        assert f.severity in ("error", "warning", "info") and f.kind and isinstance(f.message, str)
        assert all(isinstance(r.title, str) for r in f.remedies)
    json.loads(findings_to_json(findings))


def test_the_scripts_messages_were_found():
    assert len(MESSAGES) > 40 and any("could not be found" in m for m in MESSAGES)


@pytest.fixture(scope="module")
def demo_toolchain(tmp_path_factory):
    return fake_toolchain(tmp_path_factory.mktemp("fuzz-probe") / "tc")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(out=st.binary(max_size=3000), err=st.binary(max_size=3000), code=st.integers(0, 3),
       where=st.sampled_from(["--version", "--print sysroot", "every call"]))
def test_make_rustavailable_with_a_rustc_printing_anything(demo_toolchain, tmp_path_factory, out, err, code, where):
    folder = tmp_path_factory.mktemp("rustc")
    (folder / "out").write_bytes(out)
    (folder / "err").write_bytes(err)
    match = "*" if where == "every call" else where
    rustc = write_script(folder / "rustc", f"""#!/bin/sh
case "$*" in
{shlex.quote(match) if match != "*" else "*"})
\tcat {shlex.quote(str(folder / "out"))}
\tcat {shlex.quote(str(folder / "err"))} >&2
\texit {code} ;;
esac
exec {shlex.quote(str(demo_toolchain.rustc))} "$@"
""")
    from devtools.cref import clean_env

    tree = KernelTree(demo_tree(), make_vars=(("RUSTC", str(rustc)), ("BINDGEN", str(demo_toolchain.bindgen))))
    result = run_probe(ProbeRequest(tree, base_env=clean_env(), timeout=60))
    assert not result.timed_out and result.returncode is not None
    assert result.findings and all(len(t) < MAX_LINE_BYTES + 100 for _, t in result.lines)
    assert result.available == ("available" in result.kinds())
    json.loads(result_to_json(result))


def test_fuzz_kconfig_is_what_the_names_say(evs):
    ev = evs[(6, 12, 0)][0]
    assert sorted(NAMES) == sorted(s.name for s in ev.kconf.unique_defined_syms)
    assert Path(demo_tree(), "scripts", "rust_is_available.sh").is_file()
