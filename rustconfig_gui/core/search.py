"""Search over symbol names, prompts and help, ranked the way a kernel developer reads.

Names are matched by their ``_``-separated words first, so "RUST" finds
RUST, HAVE_RUST and RUST_DEBUG_ASSERTIONS before TRUSTED_KEYS (where "rust"
is only inside a word).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kconfiglib import COMMENT, MENU, MenuNode, Symbol

from .menutree import menu_path, prompt_text


@dataclass(frozen=True)
class Hit:
    score: int
    node: MenuNode
    name: str
    prompt: str
    path: tuple[str, ...]
    where: str  # what matched: name, prompt or help


_WORD = re.compile(r"[a-z0-9]+")


@dataclass
class _Entry:
    node: MenuNode
    name: str
    name_lower: str
    parts: tuple[str, ...]
    prompt: str
    help: str
    # words split once when the index is built, not on every keystroke
    prompt_words: frozenset[str] = frozenset()
    prompt_list: tuple[str, ...] = ()
    help_words: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        self.prompt_list = tuple(_WORD.findall(self.prompt))
        self.prompt_words = frozenset(self.prompt_list)
        self.help_words = frozenset(_WORD.findall(self.help))


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
        hits: list[Hit] = []
        for e in self._entries:
            total = 0
            where = ""
            for w in words:
                s, kind = _score(e, w)
                if not s:
                    break
                total += s
                where = where or kind
            else:
                hits.append(Hit(total, e.node, e.name, prompt_text(e.node), (), where))
        hits.sort(key=lambda h: (-h.score, len(h.name) or 999, h.name, h.prompt))
        return [Hit(h.score, h.node, h.name, h.prompt, tuple(menu_path(h.node)), h.where)
                for h in hits[:limit]]


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
    if w in e.prompt_words:
        return 250, "prompt"
    if w in e.prompt and any(x.startswith(w) for x in e.prompt_list):
        return 200, "prompt"
    if e.name_lower and w in e.name_lower:
        return 120, "name"
    if w in e.prompt:
        return 100, "prompt"
    if w in e.help_words:
        return 40, "help"
    if w in e.help:
        return 20, "help"
    return 0, ""
