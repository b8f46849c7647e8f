"""What the why engine answers: a tree of :class:`Reason`, an
:class:`Explanation` of one entry, the :class:`RustStatus` of a tree, and the
facts of menuconfig's help screen.  Plain data (``to_dict`` for JSON); the text
rendering is :mod:`rustconfig_gui.explain.text`."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from rustconfig_gui.explain.text import format_explanation, format_facts, format_rust_status

SCHEMA = 1


@dataclass
class ProbeInfo:
    """A value computed by a ``$(shell,…)`` macro while the tree was loaded."""

    macro: str            # the original macro text, e.g. $(success,$(srctree)/scripts/rust_is_available.sh)
    source_line: str      # the Kconfig line it is written on
    location: str         # file:line of that line
    command: str          # the command as expanded and run ("" for an environment variable)
    status: int
    output: str
    stderr: str = ""
    run_at: str = ""      # file:line where the command ran (Kconfig.include for ':=' variables)
    seconds: float = 0.0
    variable: str = ""    # the make/Kconfig variable it came through, e.g. rustc-version
    hint: str = ""


@dataclass
class ArchProvider:
    """An architecture whose Kconfig selects a symbol (text of its ``select`` line)."""

    arch: str             # folder under arch/ (SRCARCH)
    condition: str        # the select's ``if`` condition, "" when unconditional
    location: str
    current: bool         # the architecture of the loaded tree


@dataclass
class VersionCheck:
    symbol: str
    op: str
    found: str
    needed: str
    found_version: str
    needed_version: str
    satisfied: bool


@dataclass
class Reason:
    """One node of the tree of reasons.

    ``kind`` is one of: depends, if, menu, visible-if, prompt-if, choice,
    symbol, hidden, selected, select, implied, default, range, any, all,
    compare, value, user, choose, user-value, probe, environment, arch,
    no-prompt, cycle, seen, definition, constant.
    """

    kind: str
    text: str
    symbol: str | None = None
    value: str | None = None
    wanted: str | None = None
    satisfied: bool = False
    location: str | None = None
    expr: str | None = None
    children: list[Reason] = field(default_factory=list)
    action: str | None = None
    probe: ProbeInfo | None = None
    arches: list[ArchProvider] | None = None
    env_hint: str | None = None
    version_check: VersionCheck | None = None

    def walk(self) -> Iterable[Reason]:
        yield self
        for c in self.children:
            yield from c.walk()

    def leaves(self) -> list[Reason]:
        return [r for r in self.walk() if not r.children]

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class Relation:
    """One line of menuconfig's "Selected by"/"Implied by" lists."""

    expr: str
    value: str
    symbol: str
    location: str


@dataclass
class PromptFacts:
    prompt: str
    defined_at: str
    depends_on: str | None
    visible_if: str | None
    location: list[str]


@dataclass
class MenuconfigFacts:
    """What menuconfig's ``?`` screen prints for a symbol (``get_symbol_str``)."""

    symbol: str
    value: str
    type: str
    range: str | None
    prompts: list[PromptFacts]
    definitions: list[tuple[str, str | None]]
    selects: list[str]
    selected_by: dict[str, list[Relation]]
    implies: list[str]
    implied_by: dict[str, list[Relation]]

    def text(self) -> str:
        return format_facts(self)


@dataclass
class Explanation:
    target: str
    kind: str                   # symbol, choice, menu, comment
    type: str | None
    prompt: str | None
    location: str
    want: str
    value: str
    ok: bool
    summary: str
    reasons: list[Reason]
    facts: MenuconfigFacts | None = None

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["schema"] = SCHEMA
        return d

    def text(self, *, facts: bool = True) -> str:
        return format_explanation(self, facts=facts)


@dataclass
class RustTerm:
    expr: str
    kind: str
    value: str
    satisfied: bool
    location: str
    reason: Reason


@dataclass
class RustEntry:
    name: str
    type: str
    prompt: str | None
    value: str
    visible: bool
    location: str
    reason: str


@dataclass
class RustStatus:
    version: str
    arch: str
    llvm: bool
    defined: bool
    value: str
    visible: bool
    summary: str
    toolchain: dict[str, str]
    terms: list[RustTerm]
    blockers: list[Reason]
    entries: list[RustEntry]

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["schema"] = SCHEMA
        return d

    def text(self) -> str:
        return format_rust_status(self)
