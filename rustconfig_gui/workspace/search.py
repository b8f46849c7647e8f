"""Search over symbol names, prompts and help, ranked the way a kernel developer reads.

Names are matched by their ``_``-separated words first, so "RUST" finds
RUST, HAVE_RUST and RUST_DEBUG_ASSERTIONS before TRUSTED_KEYS (where "rust"
is only inside a word).
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable
from dataclasses import dataclass

from kconfiglib import COMMENT, MENU, MenuNode, Symbol

from rustconfig_gui.kconfig.menutree import menu_path, prompt_text


@dataclass(frozen=True)
class Hit:
    score: int
    node: MenuNode
    name: str
    prompt: str
    path: tuple[str, ...]
    where: str  # what matched: name, prompt or help


_WORD = re.compile(r"[a-z0-9]+")


def _words_text(text: str) -> str:
    """" w1 w2 … ": whole words are then ``" w " in``, word starts ``" w" in``
    (a frozenset per entry cost ~40 MB on a 7.2 tree; this costs ~5)."""
    return " " + " ".join(_WORD.findall(text)) + " "


class _Entry:
    __slots__ = ("node", "name", "name_lower", "parts", "prompt", "prompt_words", "text")

    def __init__(self, node: MenuNode, name: str, name_lower: str, parts: tuple[str, ...], prompt: str,
                 help_: str) -> None:
        self.node, self.name, self.name_lower, self.parts = node, name, name_lower, parts
        self.prompt = prompt
        # words split once when the index is built, not on every keystroke; help
        # text is only kept as its words (substring matches look inside them)
        self.prompt_words = _words_text(prompt)
        # everything a word can be found in, the help text's words last (not kept twice:
        # help texts are most of the index)
        self.text = f"{name_lower}\0{prompt}\0{_words_text(help_)}"

    @property
    def help_words(self) -> str:
        return self.text[self.text.rindex("\0") + 1:]


class SearchIndex:
    """Built once per loaded tree; ``search`` is a linear scan of flat strings."""

    def __init__(self, kconf: object) -> None:
        entries: list[_Entry] = []
        seen: set[Symbol] = set()
        for sym in kconf.unique_defined_syms:  # type: ignore[attr-defined]
            if sym in seen or not sym.nodes:
                continue
            seen.add(sym)
            node = next((n for n in sym.nodes if n.prompt), sym.nodes[0])
            prompts = " ".join(prompt_text(n) for n in sym.nodes if n.prompt)
            helps = " ".join(h for n in sym.nodes if (h := getattr(n, "help", None)))
            entries.append(_Entry(node, sym.name, sym.name.lower(), tuple(sym.name.lower().split("_")),
                                  prompts.lower(), helps.lower()))
        for node in list(kconf.menus) + list(kconf.comments):  # type: ignore[attr-defined]
            if node.prompt and node.item in (MENU, COMMENT):
                entries.append(_Entry(node, "", "", (), prompt_text(node).lower(),
                                      (getattr(node, "help", None) or "").lower()))
        self._entries = entries

    def __len__(self) -> int:
        return len(self._entries)

    def search(self, query: str, limit: int = 200) -> list[Hit]:
        words = [w for w in query.lower().replace("config_", "").split() if w]
        if not words:
            return []
        if len(words) == 1:
            found = self._one_word(words[0], limit)
        else:
            # every word must match somewhere (a match of any kind lies in the entry's text):
            # score only the entries holding them all, the longest word narrowing first
            holding = self._entries
            for w in sorted(set(words), key=len, reverse=True):
                holding = [e for e in holding if w in e.text]
            found = []
            for e in holding:
                total = 0
                where = ""
                for w in words:
                    s, kind = _score(e, w)
                    if not s:
                        break
                    total += s
                    where = where or kind
                else:
                    found.append((total, where, e))
        # short queries match most entries: rank them, build Hits for the best only
        best = heapq.nsmallest(limit, found, key=_rank)
        return [Hit(score, e.node, e.name, prompt_text(e.node), tuple(menu_path(e.node)), where)
                for score, where, e in best]

    def _one_word(self, w: str, limit: int) -> list[tuple[int, str, _Entry]]:
        """What :func:`_score` gives, one kind of match at a time, best kind first
        (each a list comprehension of ``in``/``startswith``), stopping once
        ``limit`` entries are found: a worse kind of match cannot rank above them."""
        found: dict[int, tuple[int, str, _Entry]] = {}

        def take(entries: list[_Entry], score: int, kind: str) -> None:
            for e in entries:
                found.setdefault(id(e), (score, kind, e))

        # every kind of match has w somewhere in the entry's text
        entries = [e for e in self._entries if w in e.text]
        named = [e for e in entries if e.name_lower]
        uw = "_" + w
        take([e for e in named if e.name_lower == w], 1000, "name")
        for e in [e for e in named if w in e.parts]:
            found.setdefault(id(e), (600 - min(e.parts.index(w), 5) * 10, "name", e))
        if "_" in w:
            take([e for e in named if e.name_lower.startswith(w) or uw in e.name_lower], 500, "name")
        steps: tuple[tuple[Callable[[], list[_Entry]], int, str], ...] = (
            (lambda: [e for e in named if e.name_lower.startswith(w)], 400, "name"),
            # a word of the name starts with w
            (lambda: [e for e in named if e.name_lower.startswith(w) or uw in e.name_lower], 300, "name"),
            (lambda: [e for e in entries if f" {w} " in e.prompt_words], 250, "prompt"),
            (lambda: [e for e in entries if f" {w}" in e.prompt_words], 200, "prompt"),
            (lambda: [e for e in named if w in e.name_lower], 120, "name"),
            (lambda: [e for e in entries if w in e.prompt], 100, "prompt"),
            # an entry not found yet has w neither in its name nor its prompt, so a match
            # in its text is one in its help
            (lambda: [e for e in entries if f" {w} " in e.text], 40, "help"),
            (lambda: [e for e in entries if w in e.text], 20, "help"),
        )
        for matches, score, kind in steps:
            if len(found) >= limit:
                break
            take(matches(), score, kind)
        return list(found.values())


def _rank(f: tuple[int, str, _Entry]) -> tuple[int, int, str, str]:
    return (-f[0], len(f[2].name) or 999, f[2].name, f[2].prompt)


def _score(e: _Entry, w: str) -> tuple[int, str]:
    if e.name_lower:
        if e.name_lower == w:
            return 1000, "name"
        if w in e.parts:
            # a whole word of the name; earlier words count a little more
            return 600 - min(e.parts.index(w), 5) * 10, "name"
        if "_" in w and (e.name_lower.startswith(w) or f"_{w}" in e.name_lower):
            return 500, "name"
        if e.name_lower.startswith(w):
            return 400, "name"
        if any(p.startswith(w) for p in e.parts):
            return 300, "name"
    if f" {w} " in e.prompt_words:
        return 250, "prompt"
    if f" {w}" in e.prompt_words:
        return 200, "prompt"
    if e.name_lower and w in e.name_lower:
        return 120, "name"
    if w in e.prompt:
        return 100, "prompt"
    if f" {w} " in e.help_words:
        return 40, "help"
    if w in e.help_words:
        return 20, "help"
    return 0, ""
