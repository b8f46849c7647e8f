"""The source translation that lets kconfiglib 14.1.0 read current trees."""

from __future__ import annotations

import pytest

from rustconfig_gui.core.errors import KconfigSyntaxError
from rustconfig_gui.core.kparse import Rewrites, rewrite_conditional_depends, translate_kconfig_text


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
