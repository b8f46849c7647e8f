"""Reading and writing .config like confdata.c, with every problem reported."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rustconfig_gui.errors import ConfigFileError
from rustconfig_gui.kconfig import configfile
from rustconfig_gui.kconfig.loader import load_kconfig_dir

KCONFIG = '''mainmenu "Test"
config MODULES
\tbool "modules"
\tmodules
\tdefault y
menu "Things"
config B
\tbool "b"
config T
\ttristate "t"
config S
\tstring "s"
\tdefault "x"
config I
\tint "i"
\trange 1 10
\tdefault 3
config H
\thex "h"
endmenu
'''


@pytest.fixture()
def ev(tmp_path: Path):
    (tmp_path / "Kconfig").write_text(KCONFIG)
    return load_kconfig_dir(tmp_path, (6, 12, 0))[1]


def test_report_names_every_problem_with_its_line(ev):
    text = ("CONFIG_B=y\r\n"           # CRLF is accepted
            "garbage here\n"
            "CONFIG_NOPE=y\n"
            "CONFIG_B=n\n"              # duplicate: the later one wins
            "CONFIG_T=q\n"
            "CONFIG_I=abc\n"
            "CONFIG_S=\"unterminated\n"
            "# CONFIG_T is not set\n"
            "CONFIG_H=0x1F\n")
    rep = configfile.read_config_text(ev, text, "cfg")
    kinds = [(i.line, i.kind) for i in rep.issues]
    assert kinds == [(2, "unexpected-data"), (3, "unknown-symbol"), (4, "duplicate"),
                     (5, "invalid-value"), (6, "invalid-value"), (7, "invalid-value")]
    assert rep.unknown_symbols == ["NOPE"]
    assert str(rep.issues[1]) == "cfg:3: unknown symbol: CONFIG_NOPE"
    b = ev.kconf.syms["B"]
    assert ev.str_value(b) == "n"
    assert ev.str_value(ev.kconf.syms["H"]) == "0x1F"


def test_out_of_range_int_is_clamped_on_new_trees(ev):
    configfile.read_config_text(ev, "CONFIG_I=99\n")
    assert ev.str_value(ev.kconf.syms["I"]) == "10"


def test_int_and_hex_without_default_are_zero_on_new_trees(ev):
    assert ev.str_value(ev.kconf.syms["H"]) == "0x0"
    assert "CONFIG_H=0x0" in configfile.config_text(ev)


def test_old_trees_drop_out_of_range_user_values(tmp_path: Path):
    (tmp_path / "Kconfig").write_text(KCONFIG)
    ev = load_kconfig_dir(tmp_path, (6, 1, 0))[1]
    rep = configfile.read_config_text(ev, "CONFIG_I=99\n")
    assert ev.str_value(ev.kconf.syms["I"]) == "3"
    assert rep.issues[0].kind == "out-of-range"
    assert ev.str_value(ev.kconf.syms["H"]) == ""


def test_non_utf8_bytes_are_reported_not_fatal(ev, tmp_path: Path):
    p = tmp_path / "cfg"
    p.write_bytes(b'CONFIG_S="caf\xe9"\nCONFIG_B=y\n')
    rep = configfile.read_config_file(ev, p)
    assert rep.issues[0].line == 1 and "UTF-8" in rep.issues[0].message
    assert ev.str_value(ev.kconf.syms["B"]) == "y"


def test_string_escapes_round_trip(ev):
    configfile.read_config_text(ev, 'CONFIG_S="a \\"quoted\\" \\\\ path"\n')
    assert ev.str_value(ev.kconf.syms["S"]) == 'a "quoted" \\ path'
    assert 'CONFIG_S="a \\"quoted\\" \\\\ path"' in configfile.config_text(ev)


def test_written_config_reads_back_to_the_same_values(ev):
    configfile.read_config_text(ev, "CONFIG_B=y\nCONFIG_T=m\nCONFIG_I=7\nCONFIG_S=\"q\"\n")
    first = configfile.config_text(ev)
    configfile.read_config_text(ev, first)
    assert configfile.config_text(ev) == first
    assert first.startswith("#\n# Automatically generated file; DO NOT EDIT.\n# Test\n#\n")
    assert "\n#\n# Things\n#\n" in first and "# end of Things\n" in first


def test_write_is_atomic_and_keeps_old(tmp_path: Path):
    p = tmp_path / ".config"
    assert configfile.write_atomic(p, "one\n")
    assert not (tmp_path / ".config.old").exists()
    assert configfile.write_atomic(p, "two\n")
    assert p.read_text() == "two\n" and (tmp_path / ".config.old").read_text() == "one\n"
    # unchanged content: nothing is touched, like conf's "No change"
    before = os.stat(p).st_mtime_ns
    assert not configfile.write_atomic(p, "two\n")
    assert os.stat(p).st_mtime_ns == before
    assert sorted(x.name for x in tmp_path.iterdir()) == [".config", ".config.old"]


def test_write_errors_are_sentences_and_lose_nothing(tmp_path: Path):
    with pytest.raises(ConfigFileError, match="is a folder"):
        configfile.write_atomic(tmp_path, "x")
    with pytest.raises(ConfigFileError, match="does not exist"):
        configfile.write_atomic(tmp_path / "gone" / ".config", "x")
    # a file where the folder should be
    (tmp_path / "file").write_text("")
    with pytest.raises(ConfigFileError, match="is a file, not a folder"):
        configfile.write_atomic(tmp_path / "file" / ".config", "x")


def test_read_errors_are_sentences(ev, tmp_path: Path):
    with pytest.raises(ConfigFileError, match="does not exist"):
        configfile.read_config_file(ev, tmp_path / "missing")
    with pytest.raises(ConfigFileError, match="is a folder"):
        configfile.read_config_file(ev, tmp_path)


def test_edits_follow_the_c_rules(ev):
    syms = ev.kconf.syms
    t, i, h, modules = syms["T"], syms["I"], syms["H"], syms["MODULES"]
    assert ev.assignable(t) == (0, 1, 2)
    assert ev.set_value(t, "m") and ev.str_value(t) == "m"
    assert not ev.set_value(i, "11")          # outside range 1..10: refused, unchanged
    assert ev.str_value(i) == "3"
    assert ev.set_value(i, "10") and ev.str_value(i) == "10"
    assert ev.set_value(h, "ff") and ev.str_value(h) == "0xff"
    assert not ev.set_value(h, "xyz")
    assert ev.set_value(modules, 0)
    assert ev.assignable(t) == (0, 2)          # without modules a tristate is a bool
    ev.unset(modules)
    assert ev.str_value(modules) == "y"


def test_snapshot_and_restore_return_every_value(ev):
    syms = ev.kconf.syms
    before = configfile.config_text(ev)
    state = ev.snapshot()
    assert ev.set_value(syms["B"], 2) and ev.set_value(syms["I"], "9")
    assert configfile.config_text(ev) != before
    ev.restore(state)
    assert configfile.config_text(ev) == before


def test_a_killed_save_leaves_no_temp_behind_after_the_next_save(tmp_path: Path):
    import subprocess
    import sys

    target = tmp_path / ".config"
    # a real process that dies (SIGKILL) after creating its temp file, before the rename
    code = ("import os, tempfile, signal; fd, t = tempfile.mkstemp(prefix='..config.' + str(os.getpid()) + '.', "
            f"suffix='.tmp', dir={str(tmp_path)!r}); os.write(fd, b'x' * 1000); os.kill(os.getpid(), signal.SIGKILL)")
    subprocess.run([sys.executable, "-c", code])
    assert len(list(tmp_path.glob("..config.*.tmp"))) == 1
    configfile.write_atomic(target, "new\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".config"]


def test_issue_list_is_capped_but_counted(ev):
    text = "garbage\n" * (configfile.MAX_ISSUES + 5)
    rep = configfile.read_config_text(ev, text)
    assert len(rep.issues) == configfile.MAX_ISSUES
    assert rep.issue_count == configfile.MAX_ISSUES + 5
