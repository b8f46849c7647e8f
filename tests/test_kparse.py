"""The source translation that lets kconfiglib 14.1.0 read current trees."""

from __future__ import annotations

import pytest

from rustconfig_gui.errors import KconfigSyntaxError
from rustconfig_gui.kconfig.parser import KernelKconfig
from rustconfig_gui.kconfig.rewrite import (
    Rewrites,
    rewrite_conditional_depends,
    translate_kconfig_text,
)
from rustconfig_gui.kconfig.semantics import Evaluator, Semantics


def translate(text: str) -> tuple[str, Rewrites]:
    rw = Rewrites()
    return translate_kconfig_text(text, "Kconfig", rw), rw


def test_bare_modules_attribute_becomes_option_modules():
    out, rw = translate("config MODULES\n\tbool \"Modules\"\n\tmodules\n")
    assert out.splitlines()[2] == "\toption modules"
    assert rw.modules == [("Kconfig", 3)]


def test_transitional_is_removed_and_remembered_line_for_line():
    src = "config OLD\n\tbool\n\ttransitional\n\thelp\n\t  transitional\n"
    out, rw = translate(src)
    lines = out.split("\n")
    assert len(lines) == len(src.split("\n"))
    assert lines[2] == ""
    # the word inside the help text is prose, not the attribute
    assert lines[4] == "\t  transitional"
    assert rw.transitional == [("Kconfig", 3)]


@pytest.mark.parametrize("rest, expected", [
    ("FOO if BAR", "(FOO) || (BAR = n)"),
    ("(FOO && BAR) if (FOO || BAR)", "((FOO && BAR)) || ((FOO = n && BAR = n))"),
    ("BAZ if !QUX", "(BAZ) || (QUX != n)"),
    ("A if B && C", "(A) || ((B = n || C = n))"),
    ("A if X = \"y\"", "(A) || (!(X = \"y\"))"),
    ("A || !A # not built in if A=m", None),
])
def test_conditional_depends_follows_expr_trans_compare(rest, expected):
    assert rewrite_conditional_depends(rest) == expected


def test_conditional_depends_line_is_rewritten_in_place():
    out, rw = translate("config X\n\tbool\n\tdepends on HYPERV_VMBUS if HYPERV_VMBUS\n")
    assert out.splitlines()[2] == "\tdepends on (HYPERV_VMBUS) || (HYPERV_VMBUS = n)"
    assert rw.conditional_depends == [("Kconfig", 3)]


def test_unreadable_conditional_depends_names_file_and_line():
    with pytest.raises(KconfigSyntaxError) as e:
        translate("config X\n\tbool\n\tdepends on A if (B\n")
    assert str(e.value).startswith("Kconfig:3: ")


def test_continuation_lines_keep_numbering():
    src = "config X\n\tbool\n\tdepends on A && \\\n\t\tB if C\nconfig Y\n\tbool\n"
    out, _ = translate(src)
    assert len(out.split("\n")) == len(src.split("\n"))
    assert out.split("\n")[4] == "config Y"


def test_default_values_that_are_one_macro_become_placeholders_line_for_line():
    from rustconfig_gui.kconfig.rewrite import LateValue

    src = ("config V\n\tint\n\tdefault $(rustc-version) if RUST\n"
           "config T\n\tstring\n\tdefault \"$(RUSTC_VERSION_TEXT)\"\n"
           "config E\n\tbool\n\tdefault $(a) || B\n\tdef_bool $(b) && C\n"
           "choice\n\tprompt \"c\"\n\tdefault $(pick)\nconfig M\n\tbool \"m\"\nendchoice\n"
           "config H\n\tbool\n\thelp\n\t  default $(not-a-value)\n")
    late: list[LateValue] = []
    out = translate_kconfig_text(src, "Kconfig", Rewrites(), late)
    lines = out.split("\n")
    assert len(lines) == len(src.split("\n"))
    assert lines[2] == "\tdefault RCG_LATE_VALUE_0 if RUST"
    assert lines[5] == '\tdefault "RCG_LATE_VALUE_1"'
    # expressions, a choice's default and help text stay as written
    assert lines[8] == "\tdefault $(a) || B" and lines[9] == "\tdef_bool $(b) && C"
    assert lines[12] == "\tdefault $(pick)"
    assert lines[19] == "\t  default $(not-a-value)"
    assert [(v.text, v.quoted, v.line) for v in late] == [("$(rustc-version)", False, 3),
                                                          ("$(RUSTC_VERSION_TEXT)", True, 6)]


def test_late_values_bind_to_what_the_parser_would_have_read(tmp_path):
    from rustconfig_gui.kconfig.loader import load_kconfig_dir

    src = ('mainmenu "t"\n'
           "ver := $(shell,echo 108500)\n"
           "config Z\n\tdef_bool y\n"
           "config NUM\n\tint\n\tdefault $(ver)\n"
           "config FOLLOWS\n\tbool\n\tdefault $(shell,echo Z)\n"
           "config TEXT\n\tstring\n\tdefault \"$(shell,echo two words)\"\n"
           # kconfiglib reads a macro in a symbol's place as one name, spaces and all
           "config ODD\n\tbool\n\tdefault $(shell,echo 'Z && Z')\n")
    (tmp_path / "Kconfig").write_text(src)
    values = {}
    for late in (True, False):
        kconf = KernelKconfig(str(tmp_path), {"srctree": str(tmp_path)}, late_defaults=late)
        ev = Evaluator(kconf, Semantics.for_version((7, 2)))
        values[late] = {n: ev.str_value(kconf.syms[n]) for n in ("NUM", "FOLLOWS", "TEXT", "ODD")}
    assert values[True] == values[False] == {"NUM": "108500", "FOLLOWS": "y", "TEXT": "two words", "ODD": "n"}

    kconf, ev = load_kconfig_dir(tmp_path, (7, 2))
    assert [v.placeholder for v in kconf.late_values] == [f"RCG_LATE_VALUE_{i}" for i in range(4)]
    # the ':=' probe only a default uses is not an input of the parse
    assert kconf.late_assignments == [("ver", "$(shell,echo 108500)", "Kconfig", 2)]
    assert kconf.late_only_calls == frozenset({0})


def test_blank_late_value_is_reported_by_the_ordinary_parse(tmp_path):
    from rustconfig_gui.kconfig.loader import load_kconfig_dir

    (tmp_path / "Kconfig").write_text('mainmenu "t"\nconfig A\n\tbool\n\tdefault $(shell,true)\n')
    with pytest.raises(KconfigSyntaxError) as e:
        load_kconfig_dir(tmp_path, (7, 2))
    assert (e.value.filename, e.value.line) == ("Kconfig", 4) and "blank" in str(e.value)


def test_relative_paths_are_relpaths(tree_72):
    """The parser's quick relpath gives os.path.relpath's answer for every file of a tree and odd paths."""
    import os

    from rustconfig_gui.kconfig.parser import relative_to

    root = str(tree_72)
    paths = [os.path.join(d, f) for d, _, files in os.walk(root) for f in files if f.startswith("Kconfig")]
    assert len(paths) > 1000
    odd = ["/", "/x", root, root + "/", root + "//a", root + "/./a", root + "/a/../b", root + "/../x", root + "x/a",
           root + "/.hidden/Kconfig", root + "/a/", root + "/a/.", root + "/a//b", root[:-1]]
    for path in paths + odd:
        for base in (root, root + "/", os.path.dirname(root), "/", root + "/arch"):
            assert relative_to(path, base) == os.path.relpath(path, base), (path, base)
