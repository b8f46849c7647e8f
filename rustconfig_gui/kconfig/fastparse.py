"""Quicker equivalents of kconfiglib's two hottest parsing methods.

:class:`FastParsing` is mixed into :class:`~rustconfig_gui.kconfig.parser.KernelKconfig`
ahead of ``kconfiglib.Kconfig``.  Each method handles the common shapes of a
line itself and hands everything else to kconfiglib's own method, unchanged,
so the result is the same in every case (tests/test_fastparse.py compares
full dumps of real trees parsed both ways):

* ``_tokenize``: a line that starts with a keyword and has no ``$`` (macros)
  and no backslash (escapes in strings) is split by one regular expression
  instead of a loop of matches.  Anything the expression does not know (an
  unquoted word where a string belongs, which kconfiglib warns about, a
  comment, an odd character) goes to kconfiglib's tokenizer.  Half of a
  kernel's lines repeat (``help``, ``default y``, ``depends on PCI``…): the
  tokens of a line read this way are kept for the rest of the parse (they
  hold symbols, and a line without macros names the same ones each time).
* ``_parse_help``: a help text whose lines all start with its first line's
  indentation (or are blank) is found with one regular expression over the
  file's text and cut out in one go, instead of line by line.  The file's text
  comes from the reader :func:`kconfig_text` makes.
"""

from __future__ import annotations

import io
import re
from typing import Any

import kconfiglib

_command_match = kconfiglib._command_match  # type: ignore[attr-defined]
_get_keyword = kconfiglib._get_keyword  # type: ignore[attr-defined]
_STRING_LEX = kconfiglib._STRING_LEX  # type: ignore[attr-defined]
_T_OPTION = kconfiglib._T_OPTION  # type: ignore[attr-defined]
_STR_TO_TRI = kconfiglib.STR_TO_TRI

_OPERATORS = {
    "&&": kconfiglib._T_AND,  # type: ignore[attr-defined]
    "||": kconfiglib._T_OR,  # type: ignore[attr-defined]
    "=": kconfiglib._T_EQUAL,  # type: ignore[attr-defined]
    "!=": kconfiglib._T_UNEQUAL,  # type: ignore[attr-defined]
    "!": kconfiglib._T_NOT,  # type: ignore[attr-defined]
    "(": kconfiglib._T_OPEN_PAREN,  # type: ignore[attr-defined]
    ")": kconfiglib._T_CLOSE_PAREN,  # type: ignore[attr-defined]
    "<=": kconfiglib._T_LESS_EQUAL,  # type: ignore[attr-defined]
    "<": kconfiglib._T_LESS,  # type: ignore[attr-defined]
    ">=": kconfiglib._T_GREATER_EQUAL,  # type: ignore[attr-defined]
    ">": kconfiglib._T_GREATER,  # type: ignore[attr-defined]
}

# One token after the first, with the blanks before it: an identifier or keyword (kconfiglib's
# _id_keyword_match without '$'), a quoted string (its fast path: no '$' or '\' on the line),
# an operator, or anything else (kconfiglib's tokenizer then reads the line: '#', a lone '&',
# an unterminated quote, a carriage return or other unusual blank).
_TOKEN_RE = re.compile(r"""[ \t\n]*(?:([A-Za-z0-9_/.-]+)|"([^"]*)"|'([^']*)'|(&&|\|\||!=|<=|>=|[=!()<>])|([^ \t\n]))""")
_find_tokens = _TOKEN_RE.findall


class FastParsing:
    """``_tokenize`` and ``_parse_help`` of ``kconfiglib.Kconfig``, quicker (see the module)."""

    # kconfiglib's, as used here
    syms: dict[str, Any]
    warnings: list[str]
    const_syms: dict[str, Any]
    linenr: int
    _line: str
    _readline: Any
    _parsing_kconfigs: bool
    # tokens of lines read by the fast path, during one parse (None outside a parse)
    _rc_tokens: dict[str, list[Any]] | None = None

    def _tokenize(self, s: str) -> Any:
        cache = self._rc_tokens
        if cache is None or not self._parsing_kconfigs:
            return kconfiglib.Kconfig._tokenize(self, s)
        tokens = cache.get(s)
        if tokens is not None:
            self._line = s
            return tokens
        if "$" in s:
            return kconfiglib.Kconfig._tokenize(self, s)
        warned = len(self.warnings)
        tokens = kconfiglib.Kconfig._tokenize(self, s)
        if tokens.__class__ is list and len(self.warnings) == warned:
            cache[s] = tokens
        return tokens

    def _parse_help(self, node: Any) -> None:
        f = self._readline.__self__
        text = f.rc_text if f.__class__ is KconfigText else None
        if text is None or node.help is not None:  # (kconfiglib then warns)
            kconfiglib.Kconfig._parse_help(self, node)
            return
        start = f.tell()
        found = _help_text(text, start)
        if found is None:
            kconfiglib.Kconfig._parse_help(self, node)
            return
        help_text, end, lines = found
        node.help = help_text
        self.linenr += lines
        if end < len(text):
            after = text.find("\n", end) + 1 or len(text)
            f.seek(after)
            self._line_after_help(text[end:after])  # type: ignore[attr-defined]
        else:
            f.seek(end)


class KconfigText(io.StringIO):
    """A Kconfig file's (translated) text as kconfiglib reads it, the text kept for :meth:`FastParsing._parse_help`."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.rc_text = text


def kconfig_text(text: str) -> KconfigText:
    return KconfigText(text)


# blank lines, then the first line of the text: its indentation and the rest
_HELP_FIRST_RE = re.compile(r"((?:[ \t]*\n)*)([ \t]+)\S[^\n]*\n")
# a line of blanks (and the newline before it), of spaces and tabs
_SPACE_LINE_RE = re.compile(r"\n[^\S\n]+(?=\n)")
_BLANKS_LINE_RE = re.compile(r"\n[ \t]+(?=\n)")
_help_lines: dict[str, re.Pattern[str]] = {}


def _help_lines_re(indent: str) -> re.Pattern[str]:
    """The lines of a help text whose first line is indented by ``indent``."""
    found = _help_lines.get(indent)
    if found is None:
        ind = re.escape(indent)
        found = _help_lines[indent] = re.compile(rf"(?:[ \t]*\n|{ind}[^\n]*\n)*")
    return found


def _help_text(text: str, start: int) -> tuple[str, int, int] | None:
    """(help text, where the line after it starts, lines read as kconfiglib counts them) for the
    help text at ``start`` in ``text``, as ``Kconfig._parse_help`` reads it; None when its lines
    are not all the simple kind (kconfiglib's method then reads it)."""
    first = _HELP_FIRST_RE.match(text, start)
    if first is None:
        return None
    prefix = first.group(2)
    width = len(prefix.expandtabs())
    lines_re = _help_lines_re(prefix)
    body = first.start(2)
    end = lines_re.match(text, first.end()).end()  # type: ignore[union-attr]
    if end < len(text):
        # the line that ends the text must be one kconfiglib ends it with
        nl = text.find("\n", end)
        stop = text[end:nl + 1 if nl >= 0 else len(text)]
        if stop.isspace():
            return None
        expanded = stop.expandtabs()
        if len(expanded) - len(expanded.lstrip()) >= width:
            return None
    block = text[body:end]
    # every line of the block starts with the indentation or is blank (kconfiglib: its newline only)
    cut = ("\n" + block).replace("\n" + prefix, "\n")
    if _SPACE_LINE_RE.search(cut):
        cut = _BLANKS_LINE_RE.sub("\n", cut)
        if _SPACE_LINE_RE.search(cut):
            return None  # a line of other blanks (a carriage return…)
    cut = cut[1:]
    if "\t" in cut:
        if width % 8:
            return None  # tabs past the indentation expand from its column
        cut = cut.expandtabs()
    # kconfiglib counts the blank lines before, the first line twice, and each line after it
    lines = first.group(1).count("\n") + 1 + block.count("\n")
    return cut.rstrip(), end, lines


__all__ = ["FastParsing", "KconfigText", "kconfig_text"]
