"""Rewriting current Kconfig syntax for kconfiglib 14.1.0, line for line.

kconfiglib reads every Kconfig file through ``Kconfig._open``; the parser
(:mod:`rustconfig_gui.kconfig.parser`) passes each text through
:func:`translate_kconfig_text` first, which translates the few constructs that
appeared after kconfiglib's last release into equivalent forms it understands,
keeping every line where it was (so every file:line it reports stays true):

* a bare ``modules`` attribute (5.13+) becomes ``option modules``;
* ``transitional`` (6.18+) is removed from the text and remembered, so the
  symbol can be marked once parsing is done;
* ``depends on X if Y`` (7.0+) becomes ``depends on (X) || <Y = n>``, with
  ``Y = n`` spelled out the way ``expr_trans_compare`` of the C tool builds it
  (a small expression parser below reads ``Y``);
* with late values on, a config entry's default that is one macro becomes a
  placeholder (:class:`LateValue`), bound after parsing.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from rustconfig_gui.errors import KconfigSyntaxError
from rustconfig_gui.kconfig.shell.lookahead import in_help_text

_HELP_RE = re.compile(r"^(\s*)(help|---help---)\s*(#.*)?$")
_ENTRY_RE = re.compile(r"^\s*(config|menuconfig|choice|endchoice|comment|menu|endmenu|if|endif|source|"
                       r"osource|rsource|orsource|mainmenu)\b")
_DEPENDS_RE = re.compile(r"^(\s*depends\s+on\s+)(.*)$")
_OPTIONAL_SOURCE_RE = re.compile(r"^(?:or?source\b|r?source\s+.*[*?\[])")
# the lines translate_kconfig_text can change (each then checked as before)
_TRANSLATE_RE = re.compile(  # after a newline (the text is searched with one in front)
    r"\n[^\S\n]*(?:o?r?source\b|modules\b|transitional\b|depends\s+on\b[^\n]*\bif\b|"
    r"(?:default|def_bool|def_tristate|def_int|def_hex|def_string)\s[^\n]*\$\()")


def _indent_width(s: str) -> int:
    # as Kconfig._parse_help measures it
    expanded = s.expandtabs()
    return len(expanded) - len(expanded.lstrip())


class _Tok:
    __slots__ = ("kind", "text")

    def __init__(self, kind: str, text: str) -> None:
        self.kind, self.text = kind, text


_TOKEN_RE = re.compile(r'\s*(?:(?P<str>"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\')|(?P<op>&&|\|\||!=|<=|>=|[!=<>()])|'
                       r"(?P<word>[^\s!=<>()&|\"']+))")


def _tokenize(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if not m or m.end() == pos:
            raise ValueError(f"cannot read expression at '{text[pos:]}'")
        pos = m.end()
        if m.group("str") is not None:
            toks.append(_Tok("sym", m.group("str")))
        elif m.group("op") is not None:
            toks.append(_Tok(m.group("op"), m.group("op")))
        elif m.group("word") is not None:
            w = m.group("word")
            if w.startswith("#"):
                break
            toks.append(_Tok("if" if w == "if" else "sym", w))
    return toks


class _ExprParser:
    """Kconfig expression grammar, just enough to rebuild ``Y = n`` as text."""

    def __init__(self, toks: list[_Tok]) -> None:
        self.toks, self.i = toks, 0

    def peek(self) -> str | None:
        return self.toks[self.i].kind if self.i < len(self.toks) else None

    def take(self) -> _Tok:
        t = self.toks[self.i]
        self.i += 1
        return t

    def parse(self) -> Any:
        e = self.or_()
        if self.i != len(self.toks):
            raise ValueError("extra tokens")
        return e

    def or_(self) -> Any:
        e = self.and_()
        while self.peek() == "||":
            self.take()
            e = ("or", e, self.and_())
        return e

    def and_(self) -> Any:
        e = self.factor()
        while self.peek() == "&&":
            self.take()
            e = ("and", e, self.factor())
        return e

    def factor(self) -> Any:
        k = self.peek()
        if k == "!":
            self.take()
            return ("not", self.factor())
        if k == "(":
            self.take()
            e = self.or_()
            if self.peek() != ")":
                raise ValueError("missing ')'")
            self.take()
            return e
        if k == "sym":
            a = self.take().text
            if self.peek() in ("=", "!=", "<", "<=", ">", ">="):
                op = self.take().text
                if self.peek() != "sym":
                    raise ValueError("comparison without right operand")
                return ("cmp", op, a, self.take().text)
            return ("sym", a)
        raise ValueError("unexpected token")


def _text(e: Any) -> str:
    kind = e[0]
    if kind == "sym":
        return e[1]
    if kind == "cmp":
        return f"{e[2]} {e[1]} {e[3]}"
    if kind == "not":
        return f"!({_text(e[1])})"
    op = " && " if kind == "and" else " || "
    return f"({_text(e[1])}{op}{_text(e[2])})"


def trans_compare(e: Any, equal: bool) -> str:
    """Text of ``expr_trans_compare(e, E_EQUAL/E_UNEQUAL, &symbol_no)``."""
    kind = e[0]
    if kind in ("and", "or"):
        a, b = trans_compare(e[1], True), trans_compare(e[2], True)
        # (A && B) = n  <=>  A = n || B = n, and the dual for ||
        joined = f"({a} || {b})" if kind == "and" else f"({a} && {b})"
        return joined if equal else f"!{joined}"
    if kind == "not":
        return trans_compare(e[1], not equal)
    if kind == "cmp":
        return f"!({_text(e)})" if equal else f"({_text(e)})"
    return f"{e[1]} = n" if equal else f"{e[1]} != n"


def rewrite_conditional_depends(rest: str) -> str | None:
    """``X if Y`` -> ``(X) || (Y = n)``; None when there is no top-level ``if``."""
    toks = _tokenize(rest)
    idx = [i for i, t in enumerate(toks) if t.kind == "if"]
    if not idx:
        return None
    if len(idx) > 1:
        raise ValueError("more than one 'if'")
    i = idx[0]
    dep = _ExprParser(toks[:i]).parse()
    cond = _ExprParser(toks[i + 1:]).parse()
    return f"({_text(dep)}) || ({trans_compare(cond, True)})"


@dataclass
class Rewrites:
    """What the source translation changed, by file and line."""

    modules: list[tuple[str, int]] = field(default_factory=list)
    transitional: list[tuple[str, int]] = field(default_factory=list)
    conditional_depends: list[tuple[str, int]] = field(default_factory=list)
    # osource/orsource or a glob: which files exist decides what is parsed
    optional_sources: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class LateValue:
    """A ``default``/``def_*`` value of a config entry that is one macro
    (``default $(rustc-version)``, ``def_bool $(success,…)``,
    ``default "$(RUSTC_VERSION_TEXT)"``): parsed as a placeholder and bound to
    its expansion after parsing, so the parse does not depend on its output."""

    placeholder: str
    filename: str
    line: int
    text: str      # the macro text, expanded when binding
    quoted: bool   # a string constant, not a symbol name
    # where the placeholder sits: (symbol or menu node, index in its defaults, the parsed tuple)
    sites: list[tuple[Any, int, tuple[Any, Any]]] = field(default_factory=list)


_LATE_PROP_RE = re.compile(r"^(\s*(?:default|def_bool|def_tristate|def_int|def_hex|def_string)\s+)(.*)$")
_LATE_TAIL_RE = re.compile(r"^(?:\s*|\s*#.*|\s+if\s.*)$")
LATE_NAME = "RCG_LATE_VALUE_"


def _late_value(rest: str) -> tuple[str, bool, str] | None:
    """(macro text, quoted, what follows) when ``rest`` is one macro or one
    quoted string with macros, optionally followed by ``if …``."""
    if rest.startswith("$("):
        depth, i = 0, 0
        while i < len(rest):
            c = rest[i]
            if c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
                if depth == 0:
                    break
            i += 1
        if depth:
            return None
        text, quoted, tail = rest[:i + 1], False, rest[i + 1:]
    elif rest.startswith('"'):
        j = rest.find('"', 1)
        if j < 0 or "\\" in rest[1:j] or "$(" not in rest[1:j]:
            return None
        text, quoted, tail = rest[1:j], True, rest[j + 1:]
    else:
        return None
    return (text, quoted, tail) if _LATE_TAIL_RE.match(tail) else None


def is_late_value_line(line: str) -> bool:
    """Whether ``line`` has the form of a late value (see :class:`LateValue`)."""
    m = _LATE_PROP_RE.match(line)
    return bool(m and _late_value(m.group(2)))


def translate_kconfig_text(text: str, filename: str, rewrites: Rewrites,
                           late: list[LateValue] | None = None) -> str:
    """Rewrite post-kconfiglib constructs line for line (line numbers are kept).

    With ``late``, config entries' default values that are one macro become
    placeholders, recorded there (see :class:`LateValue`)."""
    if "\r" in text:
        return _translate_every_line(text, filename, rewrites, late)
    # lines joined by a trailing backslash are one line, as for the parser
    joined = text.replace("\\\n", "") if "\\\n" in text else text
    # logical line -> its first physical line (found when a line is to be looked at)
    starts: Sequence[int] | None = None if joined is not text else range(1 << 62)
    # only lines the regex finds can change: the rest is not looked at
    lines: list[str] | None = None
    changes: dict[int, str] = {}
    n, counted_to = 0, 0
    for m in _translate_matches("\n" + joined):
        n += joined.count("\n", counted_to, m.start())
        counted_to = m.start()
        if lines is None:
            lines = joined.split("\n")
        if in_help_text(lines, n, _HELP_RE):
            continue
        if starts is None:
            starts = _logical_starts(text.split("\n"))
        new = _rewrite_line(lines[n], filename, starts[n] + 1, rewrites, late,
                            functools.partial(_in_config, lines, n))
        if new is not None:
            changes[n] = new
    if not changes:
        return text
    physical = text.split("\n")
    if starts is None:
        starts = _logical_starts(physical)
    for n, new in changes.items():
        # the rewritten line in its first physical line, the lines joined to it left blank
        start = starts[n]
        end = min(starts[n + 1], len(physical)) if n + 1 < len(starts) else len(physical)
        physical[start:end] = [new] + [""] * (end - start - 1)
    return "\n".join(physical)


def _translate_matches(padded: str) -> Iterator[re.Match[str]]:
    """The matches of ``_TRANSLATE_RE.finditer(padded)`` that :func:`_rewrite_line` can act
    on, quicker: the regex is tried only at lines found by quick searches, not at every line."""
    starts: set[int] = set()
    for word in _TRANSLATE_WORDS:
        i = padded.find(word)
        while i >= 0:
            starts.add(padded.rfind("\n", 0, i))
            i = padded.find("\n", i)
            if i < 0:
                break
            i = padded.find(word, i)
    for found in _DEPENDS_IF_RE.finditer(padded):
        starts.add(padded.rfind("\n", 0, found.start()))
    match = _TRANSLATE_RE.match
    for start in sorted(starts):
        m = match(padded, start)
        if m is not None:
            yield m


# a line _rewrite_line can change or record holds one of these words (a plain 'source' line
# without a glob is left as it is: such lines are not looked for), or is 'depends on … if'
_TRANSLATE_WORDS = ("osource", "orsource", "*", "?", "[", "modules", "transitional", "$(")
# finds every line of that branch (it starts at the line's first "depends")
_DEPENDS_IF_RE = re.compile(r"depends\s+on\b[^\n]*\bif\b")


def _logical_starts(physical: list[str]) -> list[int]:
    """Where each logical line (physical ones joined by a trailing backslash) starts."""
    starts: list[int] = []
    p = 0
    while p < len(physical):
        starts.append(p)
        while physical[p].endswith("\\") and p + 1 < len(physical):
            p += 1
        p += 1
    return starts


def _first_word(line: str) -> str:
    word = line.strip().split("#", 1)[0].strip()
    return word.split(None, 1)[0] if word else ""


def _in_config(lines: list[str], n: int) -> bool:
    """Whether line ``n`` belongs to a config/menuconfig entry (the last entry keyword before it)."""
    for k in range(n, -1, -1):
        first = _first_word(lines[k])
        if _ENTRY_RE.match(first) and not in_help_text(lines, k, _HELP_RE):
            return first in ("config", "menuconfig")
    return False


def _rewrite_line(logical: str, filename: str, lineno: int, rewrites: Rewrites,
                  late: list[LateValue] | None, in_config: Callable[[], bool]) -> str | None:
    """The translation of one logical line outside help texts; None when it stays."""
    stripped = logical.strip()
    word = stripped.split("#", 1)[0].strip()
    if _OPTIONAL_SOURCE_RE.match(word):
        rewrites.optional_sources.append((filename, lineno))
    if late is not None and "$(" in logical and in_config():
        m = _LATE_PROP_RE.match(logical)
        found = _late_value(m.group(2)) if m else None
        if m and found:
            value, quoted, tail = found
            name = f"{LATE_NAME}{len(late)}"
            late.append(LateValue(name, filename, lineno, value, quoted))
            return m.group(1) + (f'"{name}"' if quoted else name) + tail
    if word == "modules":
        rewrites.modules.append((filename, lineno))
        return logical.replace("modules", "option modules", 1)
    if word == "transitional":
        rewrites.transitional.append((filename, lineno))
        return ""
    m = _DEPENDS_RE.match(logical)
    if m and re.search(r"\bif\b", m.group(2)):
        try:
            new = rewrite_conditional_depends(m.group(2))
        except ValueError as e:
            raise KconfigSyntaxError(f"cannot read 'depends on … if …': {e}", filename, lineno) from None
        if new is not None:
            rewrites.conditional_depends.append((filename, lineno))
            return m.group(1) + new
    return None


def _translate_every_line(text: str, filename: str, rewrites: Rewrites,
                          late: list[LateValue] | None) -> str:
    """:func:`translate_kconfig_text` for texts with joined lines or carriage returns."""
    out: list[str] = []
    in_config = False
    in_help = False
    help_indent = -1
    lines = text.split("\n")
    n = 0
    while n < len(lines):
        line = lines[n]
        # physical lines joined by a trailing backslash count as one logical line
        start = n
        logical = line
        while logical.endswith("\\") and n + 1 < len(lines):
            n += 1
            logical = logical[:-1] + lines[n]
        n += 1
        span = lines[start:n]
        stripped = logical.strip()
        if in_help:
            if not stripped:
                out.extend(span)
                continue
            width = _indent_width(logical)
            if help_indent < 0:
                help_indent = width
            if width >= help_indent and help_indent > 0:
                out.extend(span)
                continue
            in_help = False
        if _HELP_RE.match(logical):
            in_help = True
            help_indent = -1
            out.extend(span)
            continue
        first = _first_word(logical)
        if _ENTRY_RE.match(first):
            in_config = first in ("config", "menuconfig")
        new = _rewrite_line(logical, filename, start + 1, rewrites, late, functools.partial(bool, in_config))
        if new is None:
            out.extend(span)
        else:
            out.append(new)
            out.extend([""] * (len(span) - 1))
    return "\n".join(out)

