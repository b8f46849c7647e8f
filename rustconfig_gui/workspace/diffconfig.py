"""Comparing two configurations the way the kernel's ``scripts/diffconfig`` does,
with the Rust-related symbols marked.

Values are compared as written: ``CONFIG_X=val`` gives ``val`` (strings keep
their quotes) and ``# CONFIG_X is not set`` gives ``n``.  A symbol only in
the second file is *added*, only in the first *removed*, in both with
different values *changed*.  Rows are sorted by name within each group, as
diffconfig prints them: removed, changed, added.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

CONFIG_ = "CONFIG_"
RUST_MARK = "  [rust]"


def read_values(text: str) -> dict[str, str]:
    """``readconfig`` of scripts/diffconfig: symbol name -> value text.

    Unlike diffconfig it does not stop on a ``CONFIG_`` line without ``=``;
    such a line is skipped.
    """
    d: dict[str, str] = {}
    # diffconfig reads the file in text mode: lines end at \n, \r\n or \r, and nowhere else
    # (str.splitlines() also breaks at \f, \v, U+2028 … inside a string value)
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if line.startswith(CONFIG_):
            name, sep, val = line[len(CONFIG_):].partition("=")
            if sep:
                d[name] = val
        if line.startswith(f"# {CONFIG_}") and line.endswith(" is not set"):
            d[line[len(f"# {CONFIG_}"):-len(" is not set")]] = "n"
    return d


@dataclass(frozen=True)
class DiffRow:
    name: str
    old: str | None
    new: str | None
    rust: bool = False

    @property
    def kind(self) -> str:
        if self.old is None:
            return "added"
        if self.new is None:
            return "removed"
        return "changed"

    def text(self, *, mark_rust: bool = True) -> str:
        """The row as diffconfig prints it (plus the Rust mark)."""
        if self.old is None:
            s = f"+{self.name} {self.new}"
        elif self.new is None:
            s = f"-{self.name} {self.old}"
        else:
            s = f" {self.name} {self.old} -> {self.new}"
        return s + (RUST_MARK if mark_rust and self.rust else "")

    def merge_line(self) -> str | None:
        """diffconfig -m: the new value as a .config line (None for a removed row)."""
        if self.new is None:
            return None
        if self.new == "n":
            return f"# {CONFIG_}{self.name} is not set"
        return f"{CONFIG_}{self.name}={self.new}"

    def matches(self, needle: str) -> bool:
        n = needle.lower()
        return any(n in (x or "").lower() for x in (self.name, self.old, self.new, f"{CONFIG_}{self.name}"))

    def to_dict(self) -> dict[str, Any]:
        return {"symbol": self.name, "kind": self.kind, "old": self.old, "new": self.new, "rust": self.rust}


@dataclass
class ConfigDiff:
    added: list[DiffRow] = field(default_factory=list)
    removed: list[DiffRow] = field(default_factory=list)
    changed: list[DiffRow] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.added) + len(self.removed) + len(self.changed)

    def rows(self) -> list[DiffRow]:
        """All rows in diffconfig's order: removed, changed, added."""
        return self.removed + self.changed + self.added

    @property
    def rust_rows(self) -> list[DiffRow]:
        return [r for r in self.rows() if r.rust]

    def filtered(self, needle: str = "", *, rust_only: bool = False) -> ConfigDiff:
        def keep(r: DiffRow) -> bool:
            return (not rust_only or r.rust) and (not needle or r.matches(needle))
        return ConfigDiff([r for r in self.added if keep(r)], [r for r in self.removed if keep(r)],
                          [r for r in self.changed if keep(r)])

    def text(self, *, mark_rust: bool = True, merge_style: bool = False) -> str:
        """scripts/diffconfig's output (``merge_style``: its ``-m``)."""
        if merge_style:
            lines = [r.merge_line() for r in self.changed + self.added]
            return "".join(f"{line}\n" for line in lines if line is not None)
        return "".join(r.text(mark_rust=mark_rust) + "\n" for r in self.rows())

    def summary(self) -> str:
        rust = len(self.rust_rows)
        return (f"{len(self.added)} added, {len(self.removed)} removed, {len(self.changed)} changed"
                + (f" ({rust} Rust-related)" if rust else ""))

    def to_dict(self) -> dict[str, Any]:
        return {"added": [r.to_dict() for r in self.added], "removed": [r.to_dict() for r in self.removed],
                "changed": [r.to_dict() for r in self.changed], "summary": self.summary()}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)


def diff_configs(a_text: str, b_text: str, rust_names: Iterable[str] = frozenset()) -> ConfigDiff:
    """Differences from configuration ``a_text`` to ``b_text``; rows whose
    symbol is in ``rust_names`` are marked as Rust-related."""
    rust = frozenset(rust_names)
    a = read_values(a_text)
    b = read_values(b_text)
    removed = [DiffRow(n, a[n], None, n in rust) for n in sorted(a) if n not in b]
    changed = [DiffRow(n, a[n], b[n], n in rust) for n in sorted(a) if n in b and a[n] != b[n]]
    added = [DiffRow(n, None, b[n], n in rust) for n in sorted(b) if n not in a]
    return ConfigDiff(added=added, removed=removed, changed=changed)


__all__ = ["ConfigDiff", "DiffRow", "diff_configs", "read_values"]
