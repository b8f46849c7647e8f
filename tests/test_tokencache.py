"""kconfig/tokencache.py (repeated lines tokenized once) gives exactly kconfiglib's parse.

Each case parses the same files twice: with :class:`KernelKconfig` as it is,
and with kconfiglib's own ``_tokenize`` put back; the full
structural dumps (devtools/kdump.py: every node, symbol, property,
expression, help text, warning, the macro trace, file stamps) must be equal.
"""

from __future__ import annotations

import random
from pathlib import Path

import kconfiglib
import pytest

from devtools.kdump import dump, first_difference
from rustconfig_gui.kconfig.parser import KernelKconfig
from rustconfig_gui.kconfig.shell.cache import ProbeCache
from rustconfig_gui.kconfig.tree import KernelTree, capture_environment


class KconfiglibOwn(KernelKconfig):
    """KernelKconfig with kconfiglib's own tokenizer."""

    _tokenize = kconfiglib.Kconfig._tokenize


def _same_parse(*args, **kwargs) -> KernelKconfig | None:
    """The parse (None when it fails: then kconfiglib's own tokenizer fails with the same error)."""
    try:
        ours = KernelKconfig(*args, **kwargs)
    except Exception as e:  # noqa: BLE001
        with pytest.raises(type(e)) as own_error:
            KconfiglibOwn(*args, **kwargs)
        assert str(own_error.value) == str(e)
        return None
    own = KconfiglibOwn(*args, **kwargs)
    assert first_difference(dump(own), dump(ours)) == ""
    return ours


# -- real trees ---------------------------------------------------------------------

_VARIANTS = {
    "x86_64": {"arch": "x86_64"},
    "arm64": {"arch": "arm64"},
    "x86_64-llvm": {"arch": "x86_64", "llvm": True},
}


@pytest.mark.parametrize("variant", sorted(_VARIANTS))
@pytest.mark.parametrize("version", ["6.1", "6.12", "7.2"])
def test_real_trees_parse_exactly_as_with_kconfiglibs_own_methods(version, variant, request, make_env,
                                                                   tmp_path):
    source = request.getfixturevalue({"6.1": "tree_61", "6.12": "tree_612", "7.2": "tree_72"}[version])
    tree = KernelTree(source, build=tmp_path / "build", **_VARIANTS[variant])
    tree.build.mkdir()
    env = capture_environment(tree, base_env=make_env)
    # the second parse takes the probes' results from the first: both see the same outputs
    probes = ProbeCache(tmp_path / "probes")
    kconf = _same_parse(str(tree.source), env.variables, cwd=str(tree.objtree), probe_cache=probes,
                        lookahead=False)
    if kconf is None:
        # 7.2 with LLVM=1 needs clang 17, newer than this machine's: the same error both ways
        assert (version, variant) == ("7.2", "x86_64-llvm")
        return
    assert len(kconf.unique_defined_syms) > 10000


# -- generated files: every shape of line and help text, with warnings, macros and errors --

_INDENTS = ["\t", "  ", "\t  ", "        ", "\t\t", " \t", "\t ", "    \t"]
_BLANKS = ["\n", " \n", "\t\n", "\t  \n", "  \t \n"] * 3 + ["\r\n", "\t\r\n", "\f\n", "\t  \x0b\n", "\u00a0\n"]
_WORDS = ["word", "more words", "a  b", "#hash", "\"quoted\"", "ünïcode", "$(x)", "trailing  ", "x"] * 3 + [
    "x\ty", "end\r", "form\x0cfeed"]


def _help_block(rng: random.Random) -> str:
    indent = rng.choice(_INDENTS)
    lines = [rng.choice(_BLANKS) for _ in range(rng.choice([0, 0, 1, 2]))]
    lines.append(indent + rng.choice(_WORDS) + "\n")  # the first line sets the indentation
    for _ in range(rng.randint(0, 6)):
        r = rng.random()
        if r < 0.2:
            lines.append(rng.choice(_BLANKS))
        elif r < 0.3:
            lines.append(indent + rng.choice(_INDENTS) + rng.choice(_WORDS) + "\n")  # deeper
        elif r < 0.35:
            # another indentation: prose, or the property that ends the text
            lines.append(rng.choice(_INDENTS) + rng.choice(["depends on Z", "select S0"]) + "\n")
        else:
            lines.append(indent + " ".join(rng.choice(_WORDS) for _ in range(rng.randint(1, 4))) + "\n")
    if rng.random() < 0.15:
        lines = []  # empty help text
    return "".join(lines)


_LINES = [
    "\tbool \"Prompt\"\n", "\tbool\n", "\ttristate \"With # hash and 'quote'\"\n", "\tdepends on A && (B || !C)\n",
    "\tdepends on A&&B||C\n", "\tdepends on X = \"y\" && Y != n\n", "\tdepends on N >= 3 && N < 10 && M<=1 && K>2\n",
    "\tselect FOO if BAR\n", "\timply BAZ\n", "\tdefault y if A\n", "\tdefault \"string value\"\n",
    "\tdefault 'single'\n", "\tdefault A || B # comment\n", "\tbool unquoted_prompt\n", "\tprompt \"p\" if Q\n",
    "\tdepends on A # trailing\n", "\tdefault \"a\\\"b\"\n", "\tdepends on A && \\\n\t\tB\n", "\trange 1 10\n",
    "\tdepends on A\r\n", "\tdepends on\tA\x0b\n", "\tdefault $(FOO)\n", "\toption modules\n", "\n", "# comment\n",
    "\tdepends on path/with.dots-and_x\n", "\tdefault n\n", "\tdef_bool m && MODULES\n",
]


def _kconfig_text(rng: random.Random) -> str:
    out = ["FOO := value\nconfig MODULES\n\tbool \"modules\"\n\toption modules\n"]
    for i in range(rng.randint(3, 12)):
        kind = rng.choice(["bool", "tristate"])
        out.append(f"config S{i}\n\t{kind} \"symbol {i}\"\n")
        for _ in range(rng.randint(0, 4)):
            out.append(rng.choice(_LINES))
        if rng.random() < 0.8:
            out.append(rng.choice(["\thelp\n", "\t---help---\n", "  help\n", "\thelp # x\n"]))
            out.append(_help_block(rng))
    if rng.random() < 0.5:
        out.append("menu \"M\"\nconfig T\n\tbool\n\thelp\n" + _help_block(rng) + "endmenu\n")
    text = "".join(out)
    if rng.random() < 0.3:
        text = text.rstrip("\n")  # the last line without its newline
    return text


@pytest.mark.parametrize("seed", range(60))
def test_generated_files_parse_exactly_as_with_kconfiglibs_own_methods(seed, tmp_path):
    rng = random.Random(seed)
    (tmp_path / "Kconfig").write_text(_kconfig_text(rng), encoding="utf-8")
    env = {"srctree": str(tmp_path), "FOO": "bar"}
    _same_parse(str(tmp_path), env, lookahead=False)


def test_repeated_lines_are_tokenized_once_and_the_others_each_time(tmp_path, monkeypatch):
    text = ("config A\n\tbool \"a\"\n\tdepends on B\n\thelp\n\t  A.\n"
            "config C\n\tbool unquoted\n\tdepends on B\n\thelp\n\t  C.\n"
            "V := $(FOO)\nconfig D\n\tbool unquoted\n\tdepends on B\n\tdepends on $(V)\n"
            "config E\n\tbool\n\tdepends on $(V)\n")
    (tmp_path / "Kconfig").write_text(text)
    read: list[str] = []
    own = kconfiglib.Kconfig._tokenize

    def counted(self, s):
        read.append(s)
        return own(self, s)

    monkeypatch.setattr(kconfiglib.Kconfig, "_tokenize", counted)
    kconf = KernelKconfig(str(tmp_path), {"srctree": str(tmp_path), "FOO": "y"}, lookahead=False)
    # kept: depends on B, help; each time: what warns, what has a macro, what is not a keyword
    assert read.count("\tdepends on B\n") == 1 and read.count("\thelp\n") == 1
    assert read.count("\tbool unquoted\n") == 2 and read.count("\tdepends on $(V)\n") == 2
    assert sum("quotes recommended around 'unquoted'" in w for w in kconf.warnings) == 2
    assert kconf.syms["D"].direct_dep is kconf.syms["B"] and kconf.syms["E"].direct_dep is kconf.y
    assert kconf._rc_tokens is None  # nothing kept after the parse


def test_help_texts_and_line_numbers_are_kconfiglibs(tmp_path: Path):
    text = ("config A\n\tbool \"a\"\n\thelp\n\n\t  First line.\n\n\t  Second para.\n\t    deeper\n"
            "config B\n\tbool \"b\"\n\thelp\n\t  Only.\n")
    (tmp_path / "Kconfig").write_text(text)
    kconf = _same_parse(str(tmp_path), {"srctree": str(tmp_path)}, lookahead=False)
    assert kconf is not None
    a, b = kconf.syms["A"].nodes[0], kconf.syms["B"].nodes[0]
    assert a.help == "First line.\n\nSecond para.\n  deeper"
    assert (a.linenr, b.linenr) == (1, 9)
    assert b.help == "Only."
