"""The Kconfig files' own text, read as the C lexer reads it.

kconfiglib keeps less of it than the C tools show: it expands tabs in help
texts and keeps trailing blanks that the lexer drops (``scripts/kconfig/lexer.l``),
strips blanks around prompts, and merges an entry's own ``depends on`` with
the dependencies it inherits.  This module reads those parts again.
"""

from __future__ import annotations

import re
from pathlib import Path

from kconfiglib import MenuNode

_HELP_LINE = re.compile(r"^[ \t]*(help|---help---)[ \t]*(#.*)?$")

class KconfigText:
    """The Kconfig files of one tree as text: help texts, prompts, own ``depends on`` lines."""

    def __init__(self, srctree: str) -> None:
        self.srctree = Path(srctree)
        self._files: dict[str, list[str]] = {}
        self.prompts: dict[int, str] = {}

    def _lines(self, filename: str) -> list[str]:
        lines = self._files.get(filename)
        if lines is None:
            path = Path(filename) if Path(filename).is_absolute() else self.srctree / filename
            try:
                lines = path.read_text(errors="replace").split("\n")
            except OSError:
                lines = []
            self._files[filename] = lines
        return lines

    def help(self, node: MenuNode) -> str | None:
        """``menu->help``, or None when the entry has none."""
        if node.help is None:
            return None
        lines = self._lines(node.filename)
        start = node.linenr  # index of the line after the entry's first line
        for i in range(start, len(lines)):
            if _HELP_LINE.match(lines[i]):
                return c_help_text(lines, i + 1)
        return node.help

    def enclosing_ifs(self, node: MenuNode) -> list[int]:
        """How many AND terms each ``if`` around the entry in its own file has,
        outermost first (``if``/``endif`` at the start of a line, where no help
        text can be)."""
        lines = self._lines(node.filename)
        depth = 0
        out: list[int] = []
        for i in range(min(node.linenr - 2, len(lines) - 1), -1, -1):
            line = lines[i]
            if _ENDIF.match(line):
                depth += 1
            elif (m := _IF.match(line)) is not None:
                if depth:
                    depth -= 1
                else:
                    out.append(_text_leaves(m.group(1))[0])
        return out[::-1]

    def own_depends(self, node: MenuNode) -> tuple[int, int]:
        """How many AND terms the entry's own ``depends on`` lines give kconfiglib,
        and how many of them are macros (which can expand to y and vanish)."""
        lines = self._lines(node.filename)
        total = macros = 0
        i = node.linenr
        while i < len(lines):
            line = lines[i]
            while line.endswith("\\") and i + 1 < len(lines):
                i += 1
                line = line[:-1] + lines[i]
            if _ENTRY_WORD.match(line):
                break
            m = _DEPENDS.match(line)
            if m:
                t, mac = _text_leaves(m.group(1).strip())
                total += t
                macros += mac
            i += 1
        return total, macros


_QUOTED = re.compile(r"""(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")


def raw_prompt(helps: KconfigText, node: MenuNode) -> str:
    """The prompt text as C keeps it: kconfiglib strips blanks around it."""
    got = helps.prompts.get(id(node))
    if got is None:
        got = helps.prompts[id(node)] = _raw_prompt(helps, node)
    return got


def _raw_prompt(helps: KconfigText, node: MenuNode) -> str:
    text = str(node.prompt[0])
    lines = helps._lines(node.filename)
    for i in range(node.linenr - 1, min(len(lines), node.linenr + 30)):
        line = lines[i]
        if i >= node.linenr and _ENTRY_WORD.match(line):
            break
        for m in _QUOTED.finditer(line):
            raw = m.group(1) if m.group(1) is not None else m.group(2)
            raw = re.sub(r"\\(.)", r"\1", raw)
            if raw != text and raw.strip() == text:
                return raw
            if raw == text:
                return text
    return text


def c_help_text(lines: list[str], first: int) -> str:
    """The lexer's HELP state over the text from ``lines[first]`` on (the rules
    of scripts/kconfig/lexer.l, longest match first)."""
    text = "\n".join(lines[first:])
    out: list[str] = []
    first_ts = last_ts = 0
    p, n = 0, len(text)
    while p < n:
        ch = text[p]
        if ch not in " \t\n":
            # [^ \t\n].* : the rest of the line without trailing blanks
            end = text.find("\n", p)
            end = n if end < 0 else end
            out.append(text[p:end].rstrip(" \t"))
            if not first_ts:
                first_ts = last_ts
            p = end
            continue
        q = p
        while q < n and text[q] in " \t":
            q += 1
        if q < n and text[q] == "\n":
            # [ \t]*\n/[^ \t\n] ends the help; [ \t]*\n keeps a newline
            if q + 1 < n and text[q + 1] not in " \t\n":
                break
            out.append("\n")
            p = q + 1
            continue
        # [ \t]+ : indentation, measured with tab stops of 8
        ts = 0
        for c in text[p:q]:
            ts = (ts & ~7) + 8 if c == "\t" else ts + 1
        last_ts = ts
        if first_ts:
            if ts < first_ts:
                break
            out.append(" " * (ts - first_ts))
        p = q
    return "".join(out)


_ENTRY_WORD = re.compile(r"^[ \t]*(config|menuconfig|choice|endchoice|comment|menu|endmenu|if|endif|source|"
                         r"osource|rsource|orsource|mainmenu|help|---help---)\b")
_IF = re.compile(r"^if[ \t]+(.*?)[ \t]*(?:#.*)?$")
_ENDIF = re.compile(r"^endif\b")
_DEPENDS = re.compile(r"^[ \t]*depends[ \t]+on[ \t]+(.*)$")


def _split_top(text: str, op: str) -> list[str]:
    """``text`` cut at ``op`` outside parentheses and quotes."""
    depth = 0
    parts = [""]
    i = 0
    quote = ""
    while i < len(text):
        c = text[i]
        if quote:
            if c == quote:
                quote = ""
        elif c in "\"'":
            quote = c
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif depth == 0 and text.startswith(op, i):
            parts.append("")
            i += len(op)
            continue
        parts[-1] += c
        i += 1
    return parts


def _wrapped(text: str) -> bool:
    """Is all of ``text`` one parenthesised expression?"""
    if not (text.startswith("(") and text.endswith(")")):
        return False
    depth = 0
    for i, c in enumerate(text):
        depth += c == "("
        depth -= c == ")"
        if depth == 0 and i < len(text) - 1:
            return False
    return True


def _text_leaves(text: str) -> tuple[int, int]:
    """How many AND terms kconfiglib makes of a ``depends on`` expression text,
    and how many of them are macros (which can expand to y and vanish)."""
    if '"' not in text and "#" in text:
        text = text.split("#", 1)[0]
    text = text.strip()
    if re.search(r"\sif\s", text):
        return 1, 0
    if len(_split_top(text, "||")) > 1:
        return 1, int("$(" in text)
    total = macros = 0
    for term in _split_top(text, "&&"):
        term = term.strip()
        if _wrapped(term):
            t, mac = _text_leaves(term[1:-1])
        else:
            # kconfiglib reads a bare "m" as "m && MODULES", as rewrite_m does
            t, mac = (2 if term == "m" else 1), int("$(" in term)
        total += t
        macros += mac
    return total, macros


__all__ = ["KconfigText", "c_help_text", "raw_prompt"]
