"""Why is an entry hidden or off, and why does it have its value: a tree of reasons.

Every condition that decides whether a symbol, choice or menu is shown, and
which value it gets, comes from the parsed Kconfig expressions: its own
``depends on`` terms, enclosing menus and ``if`` blocks, ``visible if``,
the choice it belongs to, ``select``/``imply`` and defaults.  Each term is
evaluated with the C tool's rules (:class:`~.semantics.Evaluator`), gets the
file:line where it is written, and an unmet term is followed into the
symbols it names until a leaf the user can act on: a value to set, a choice
to make, a shell probe, the toolchain make was given, or an architecture.

Locations are recovered from the original Kconfig text (kconfiglib keeps
only the ``config`` line of an entry): the ``depends on``/``select``/
``default`` line holding a term, the ``if`` block around the entry or around
the ``source`` line that read its file.  When that search fails the
``config`` line is used.
"""

from __future__ import annotations

import dataclasses
import re
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import kconfiglib
from kconfiglib import (
    AND,
    BOOL,
    COMMENT,
    EQUAL,
    GREATER,
    GREATER_EQUAL,
    HEX,
    INT,
    LESS,
    LESS_EQUAL,
    MENU,
    NOT,
    OR,
    STRING,
    TRISTATE,
    UNEQUAL,
    Choice,
    MenuNode,
    Symbol,
    expr_str,
    split_expr,
)

from rustconfig_gui.kconfig.loader import LoadedTree
from rustconfig_gui.kconfig.shell.runner import MacroCall

SCHEMA = 1

_TRI = ("n", "m", "y")
_TYPE_NAMES = {BOOL: "bool", TRISTATE: "tristate", STRING: "string", INT: "int", HEX: "hex"}
_OP_TEXT = {EQUAL: "=", UNEQUAL: "!=", LESS: "<", LESS_EQUAL: "<=", GREATER: ">", GREATER_EQUAL: ">="}

# Macros whose value names the toolchain make was given rather than testing a
# feature of it: a symbol computed from them changes only with another toolchain.
_IDENTITY_MACROS = frozenset({
    "cc-name", "cc-version", "cc-info", "cc-fullversion", "as-name", "as-version", "as-info",
    "ld-name", "ld-version", "ld-info", "rustc-version", "rustc-llvm-version",
    "CC_VERSION_TEXT", "RUSTC_VERSION_TEXT", "RUSTC", "BINDGEN", "PAHOLE", "ARCH", "SRCARCH",
})
# How deep a chain of symbols is followed before it is cut (cycles end earlier)
MAX_DEPTH = 10
_LLVM_SYMBOLS = frozenset({"CC_IS_CLANG", "AS_IS_LLVM", "LD_IS_LLD", "CLANG_VERSION", "LLD_VERSION"})
_GNU_SYMBOLS = frozenset({"CC_IS_GCC", "AS_IS_GNU", "LD_IS_BFD", "GCC_VERSION"})

_ENTRY_WORDS = frozenset({
    "config", "menuconfig", "choice", "endchoice", "comment", "menu", "endmenu", "if", "endif",
    "source", "rsource", "osource", "orsource", "mainmenu",
})
_HELP_RE = re.compile(r"^\s*(help|---help---)\s*(#.*)?$")
_DEFAULT_RE = re.compile(r"^(default|def_bool|def_tristate|def_int|def_hex|def_string)\b")
_PROMPT_RE = re.compile(r"^(bool|tristate|string|int|hex|prompt|boolean)\s+[\"']")
_WORD_RE = re.compile(r"[A-Za-z0-9_]+")
_MACRO_NAME_RE = re.compile(r"\$\(([A-Za-z0-9_-]+)")


# -- result data ----------------------------------------------------------------


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
        out = [f"Symbol: {self.symbol} [={self.value}]", f"Type  : {self.type}"]
        if self.range:
            out.append(f"Range : {self.range}")
        for p in self.prompts:
            out.append(f"Defined at {p.defined_at}")
            out.append(f"  Prompt: {p.prompt}")
            if p.depends_on:
                out.append(f"  Depends on: {p.depends_on}")
            if p.visible_if:
                out.append(f"  Visible if: {p.visible_if}")
            out.append("  Location:")
            for i, step in enumerate(p.location):
                out.append(" " * (2 * i + 4) + f"-> {step}")
        for where, dep in self.definitions:
            out.append(f"Defined at {where}")
            if dep:
                out.append(f"  Depends on: {dep}")
        if self.selects:
            out.append("Selects: " + " && ".join(self.selects))
        for val in ("y", "m", "n"):
            if self.selected_by.get(val):
                out.append(f"Selected by [{val}]:")
                out += [f"  - {r.expr}" for r in self.selected_by[val]]
        if self.implies:
            out.append("Implies: " + " && ".join(self.implies))
        for val in ("y", "m", "n"):
            if self.implied_by.get(val):
                out.append(f"Implied by [{val}]:")
                out += [f"  - {r.expr}" for r in self.implied_by[val]]
        return "\n".join(out)


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


# -- the Kconfig text, for locations ------------------------------------------------------


class _FileText:
    """Logical lines of one Kconfig file outside help texts: (line number, stripped text)."""

    def __init__(self, text: str) -> None:
        self.lines: list[tuple[int, str]] = []
        self.pos: dict[int, int] = {}
        raw = text.split("\n")
        in_help = False
        help_indent = -1
        n = 0
        while n < len(raw):
            start = n
            logical = raw[n]
            while logical.endswith("\\") and n + 1 < len(raw):
                n += 1
                logical = logical[:-1] + raw[n]
            n += 1
            stripped = logical.strip()
            if in_help:
                if not stripped:
                    continue
                width = len(logical.expandtabs(8)) - len(logical.expandtabs(8).lstrip())
                if help_indent < 0:
                    help_indent = width
                if width >= help_indent > 0:
                    continue
                in_help = False
            if _HELP_RE.match(logical):
                in_help, help_indent = True, -1
                continue
            if not stripped or stripped.startswith("#"):
                continue
            self.pos[start + 1] = len(self.lines)
            self.lines.append((start + 1, stripped))

    def entry(self, line: int) -> list[tuple[int, str]]:
        """The attribute lines of the entry starting at ``line``."""
        i = self.pos.get(line)
        if i is None:
            return []
        out = []
        for ln, text in self.lines[i + 1:]:
            if _first_word(text) in _ENTRY_WORDS:
                break
            out.append((ln, text))
        return out

    def enclosing_ifs(self, line: int) -> list[tuple[int, str]]:
        """``if`` lines whose block contains ``line``, innermost first."""
        i = self.pos.get(line)
        if i is None:
            # a line inside a help text or a blank one: the closest line before it
            i = sum(1 for ln, _ in self.lines if ln < line)
        found = []
        depth = 0
        for ln, text in reversed(self.lines[:i]):
            w = _first_word(text)
            if w == "endif":
                depth += 1
            elif w == "if":
                if depth:
                    depth -= 1
                else:
                    found.append((ln, text))
        return found


def _first_word(text: str) -> str:
    m = re.match(r"[A-Za-z_-]+", text)
    return m.group(0) if m else ""


def _tokens(text: str) -> set[str]:
    return set(_WORD_RE.findall(text))


def _macros(line: str) -> str:
    """Every top-level ``$(…)`` of a Kconfig line, in order, joined by a space."""
    found = []
    i = 0
    while True:
        j = line.find("$(", i)
        if j < 0:
            break
        depth = 0
        k = j + 1
        while k < len(line):
            if line[k] == "(":
                depth += 1
            elif line[k] == ")":
                depth -= 1
                if depth == 0:
                    break
            k += 1
        found.append(line[j:k + 1])
        i = k + 1
    return " ".join(found)


# -- small helpers -------------------------------------------------------------------------


def _is_const(sym: Any) -> bool:
    # undefined symbols such as the "109500" of "default 109500" act as constants
    return sym.__class__ is Symbol and (sym.is_constant or not sym.nodes)


def _ends_with(e: Any, base: Any) -> bool:
    """Is ``base`` the innermost right operand of the AND chain ``e``?"""
    while True:
        if e is base:
            return True
        if e.__class__ is tuple and e[0] is AND:
            e = e[2]
            continue
        return False


def _names(expr: Any) -> set[str]:
    return {s.name for s in kconfiglib.expr_items(expr) if s.__class__ is Symbol and not _is_const(s)}


def _loc(node: MenuNode, line: int | None = None) -> str:
    return f"{node.filename}:{line if line is not None else node.linenr}"


def _type_name(sym: Symbol) -> str:
    return _TYPE_NAMES.get(sym.orig_type, "unknown")


def _range_text(lo: int, hi: int) -> str:
    if lo == hi:
        return _TRI[lo]
    if hi == 2:
        return "m or y" if lo == 1 else "any"
    return "n or m" if lo == 0 else "m"


def _prompt_of(item: Symbol | Choice) -> str | None:
    for n in item.nodes:
        if n.prompt:
            return str(n.prompt[0])
    return None


def _choice_name(choice: Choice) -> str:
    p = _prompt_of(choice)
    return f"choice '{p}'" if p else (f"choice {choice.name}" if choice.name else "choice")


def decode_version(symbol: str, value: str) -> str:
    """The x.y.z a ``*_VERSION`` number stands for ("" when it is not one)."""
    try:
        v = int(value, 0)
    except ValueError:
        return ""
    if v == 0:
        return "not found"
    # scripts/rustc-version.sh: 100000 * major + 100 * minor + patch
    if symbol == "RUSTC_VERSION":
        return f"{v // 100000}.{(v // 100) % 1000}.{v % 100}"
    if v >= 10000:
        return f"{v // 10000}.{(v // 100) % 100}.{v % 100}"
    if symbol == "PAHOLE_VERSION":
        return f"{v // 100}.{v % 100}"
    return ""


_RANK = {"user": 0, "choose": 0, "range": 0, "environment": 2, "version": 2, "probe": 3, "arch": 4,
         "compare": 5,
         "alternative": 5, "seen": 5, "cycle": 6, "truncated": 6, "no-prompt": 6, "constant": 6}


def _rank(r: Reason, depth: int = 0) -> float:
    """How directly the user can act on an unmet reason: lower comes first
    (a setting deep down a chain comes after one at hand)."""
    if r.satisfied:
        return 9.0
    if r.kind in _RANK and not r.children:
        return _RANK[r.kind] + depth / 100
    ranks = [_rank(c, depth + 1) for c in r.children if not c.satisfied]
    if r.kind in _RANK:
        ranks.append(_RANK[r.kind] + depth / 100)
    return min(ranks) if ranks else 6.0


def _ordered(reasons: list[Reason]) -> list[Reason]:
    unmet = sorted((r for r in reasons if not r.satisfied), key=_rank)
    return unmet + [r for r in reasons if r.satisfied]


@dataclass
class _Term:
    expr: Any
    kind: str          # depends, if, menu, choice, visible-if, prompt-if
    location: str
    where: str         # the menu, if block or choice it comes from ("" for the entry itself)


# -- the engine -------------------------------------------------------------------------------


class _SourceCache:
    """Kconfig text read for locations, kept as long as the parsed tree lives."""

    def __init__(self) -> None:
        self.files: dict[str, _FileText] = {}
        self.arch_scan: dict[str, list[tuple[str, str, str]]] | None = None


_SOURCES: weakref.WeakKeyDictionary[Any, _SourceCache] = weakref.WeakKeyDictionary()


class _Why:
    def __init__(self, lt: LoadedTree) -> None:
        self.lt = lt
        self.ev = lt.ev
        self.kconf = lt.kconf
        self.y = lt.kconf.y
        self.srctree = Path(lt.kconf.srctree)
        cache = _SOURCES.get(lt.kconf)
        if cache is None:
            cache = _SOURCES[lt.kconf] = _SourceCache()
        self.cache = cache
        self._files = cache.files
        self.stack: set[Symbol | Choice] = set()
        self.depth = 0
        self.max_depth = MAX_DEPTH
        self.done: dict[tuple[Any, int, int], float] = {}

    # -- source text ---------------------------------------------------------------

    def file(self, filename: str) -> _FileText:
        f = self._files.get(filename)
        if f is None:
            try:
                text = (self.srctree / filename).read_text(encoding="utf-8", errors="replace")
            except OSError:
                text = ""
            f = self._files[filename] = _FileText(text)
        return f

    def entry(self, node: MenuNode) -> list[tuple[int, str]]:
        return self.file(node.filename).entry(node.linenr)

    def depends_line(self, node: MenuNode, term: Any) -> int | None:
        lines = [(ln, t) for ln, t in self.entry(node) if re.match(r"depends\s+on\b", t)]
        if not lines:
            return None
        names = _names(term)
        if names:
            for ln, t in lines:
                if names <= _tokens(t):
                    return ln
            return None
        # a constant left by a macro ($(cc-option,…) and friends): the line whose probe gave it
        macro_lines = [(ln, t) for ln, t in lines if "$(" in t]
        for ln, _t in macro_lines:
            calls = self.lt.trace.at(node.filename, ln)
            if calls and calls[-1].output == getattr(term, "name", None):
                return ln
        return macro_lines[0][0] if macro_lines else None

    def enclosing_ifs(self, node: MenuNode) -> list[tuple[str, int, str]]:
        """``if`` blocks around ``node``, innermost first, following ``source`` lines outwards."""
        found = [(node.filename, ln, t) for ln, t in self.file(node.filename).enclosing_ifs(node.linenr)]
        for fname, line in reversed(node.include_path):
            found += [(fname, ln, t) for ln, t in self.file(fname).enclosing_ifs(line)]
        return found

    def select_line(self, selector: Symbol, target: str, word: str = "select") -> str | None:
        for node in selector.nodes:
            for ln, t in self.entry(node):
                if re.match(rf"{word}\s+{re.escape(target)}\b", t):
                    return _loc(node, ln)
        return None

    def default_lines(self, node: MenuNode) -> list[int]:
        return [ln for ln, t in self.entry(node) if _DEFAULT_RE.match(t)]

    def prompt_line(self, node: MenuNode) -> int:
        for ln, t in self.entry(node):
            if _PROMPT_RE.match(t):
                return ln
        return node.linenr

    def visible_if_line(self, node: MenuNode) -> int:
        for ln, t in self.entry(node):
            if re.match(r"visible\s+if\b", t):
                return ln
        return node.linenr

    def arch_selects(self, name: str) -> list[ArchProvider]:
        """``select NAME [if COND]`` lines of every ``arch/*/Kconfig*`` (a text scan)."""
        if self.cache.arch_scan is None:
            scan: dict[str, list[tuple[str, str, str]]] = {}
            rx = re.compile(r"^\s*select\s+([A-Za-z0-9_]+)(?:\s+if\s+(.*?))?\s*(?:#.*)?$")
            for path in sorted(self.srctree.glob("arch/*/Kconfig*")):
                try:
                    lines = path.read_text(encoding="utf-8", errors="replace").split("\n")
                except OSError:
                    continue
                rel = path.relative_to(self.srctree).as_posix()
                arch = path.parent.name
                for i, line in enumerate(lines, 1):
                    m = rx.match(line)
                    if m:
                        scan.setdefault(m.group(1), []).append((arch, (m.group(2) or "").strip(), f"{rel}:{i}"))
            self.cache.arch_scan = scan
        return [ArchProvider(arch=a, condition=c, location=loc, current=(a == self.lt.srcarch))
                for a, c, loc in self.cache.arch_scan.get(name, [])]

    # -- where a value comes from ---------------------------------------------------

    def variable_calls(self, name: str) -> list[MacroCall]:
        rx = re.compile(rf"^{re.escape(name)}\s*:?=")
        return [c for c in self.lt.trace.calls if rx.match(c.source_line)]

    def macro_origin(self, sym: Symbol, filename: str, line: int, want_up: bool | None) -> tuple[str, ProbeInfo,
                                                                                                  str | None] | None:
        """(kind, probe, env_hint) when ``filename:line`` computes a value with a macro."""
        src = self.kconf.source_line(filename, line)
        if "$(" not in src:
            return None
        macro = _macros(src)
        names = set(_MACRO_NAME_RE.findall(src))
        calls = self.lt.trace.at(filename, line)
        variable = ""
        if not calls:
            for n in _MACRO_NAME_RE.findall(src):
                vc = self.variable_calls(n)
                if vc:
                    calls, variable = vc, n
                    break
        env = self.lt.env.variables
        identity = bool(names & _IDENTITY_MACROS)
        if calls:
            matching = [c for c in calls if c.output == sym.name] if _is_const(sym) else []
            c = (matching or calls)[-1]
            probe = ProbeInfo(macro=macro, source_line=src.strip(), location=f"{filename}:{line}",
                              command=c.command, status=c.status, output=c.output, stderr=c.stderr,
                              run_at=c.location, seconds=round(c.seconds, 3), variable=variable)
        else:
            var = next((n for n in _MACRO_NAME_RE.findall(src) if n in env), None)
            if var is None:
                return None
            identity = True
            probe = ProbeInfo(macro=macro, source_line=src.strip(), location=f"{filename}:{line}",
                              command="", status=0, output=env[var], variable=var)
        if sym.name == "RUST_IS_AVAILABLE" or "rust_is_available" in macro:
            probe.hint = (f"see what it reports: `{self.probe_command()}` "
                          f"(or `{self.make_command('rustavailable')}`)")
            return "probe", probe, None
        if identity or sym.name in _LLVM_SYMBOLS or sym.name in _GNU_SYMBOLS:
            return "environment", probe, self.env_hint(sym, want_up, names)
        probe.hint = "the probe runs when the tree is loaded; change the toolchain or environment and reload"
        return "probe", probe, None

    def probe_command(self) -> str:
        """The same tree and toolchain for ``rustconfig probe``."""
        t = self.lt.tree
        parts = ["rustconfig", "probe", str(t.source)]
        if t.arch:
            parts += ["--arch", t.arch]
        if t.llvm:
            parts.append("--llvm")
        if t.build is not None:
            parts += ["-O", str(t.build)]
        if t.cross_compile:
            parts += ["--cross-compile", t.cross_compile]
        parts += [f"--make-var {k}={v}" for k, v in t.make_vars]
        return " ".join(parts)

    def make_command(self, goal: str) -> str:
        t = self.lt.tree
        parts = ["make", "-C", str(t.source)]
        if t.build is not None:
            parts.append(f"O={t.build}")
        parts += t.make_arguments()
        parts.append(goal)
        return " ".join(parts)

    def env_hint(self, sym: Symbol, want_up: bool | None, macros: set[str] = frozenset()) -> str:
        env = self.lt.env.variables
        name = sym.name
        if macros & {"ARCH", "SRCARCH"}:
            return f"comes from the architecture: load with another --arch (now ARCH={self.lt.arch})"
        if name in _LLVM_SYMBOLS or name in _GNU_SYMBOLS:
            llvm_wanted = (name in _LLVM_SYMBOLS) == (want_up is not False)
            if llvm_wanted:
                return "load the tree with LLVM=1 (clang and the LLVM tools)"
            return "load the tree without LLVM=1 (gcc and GNU binutils)"
        if "RUSTC" in name.split("_") or name.startswith("RUSTC"):
            return (f"use another Rust compiler: --make-var RUSTC=/path/to/rustc "
                    f"(now RUSTC={env.get('RUSTC', 'rustc')})")
        if "BINDGEN" in name.split("_"):
            return (f"use another bindgen: --make-var BINDGEN=/path/to/bindgen "
                    f"(now BINDGEN={env.get('BINDGEN', 'bindgen')})")
        if "PAHOLE" in name.split("_"):
            return (f"install pahole or pass --make-var PAHOLE=/path/to/pahole "
                    f"(now PAHOLE={env.get('PAHOLE', 'pahole')})")
        return (f"comes from the toolchain make was given (CC={env.get('CC', '')}, "
                f"LD={env.get('LD', '')}); load with other tools to change it")

    # -- menu structure ---------------------------------------------------------------

    @staticmethod
    def container(node: MenuNode) -> MenuNode | None:
        p = node.parent
        while p is not None and p.item.__class__ is Symbol:
            p = p.parent
        return p

    def base(self, c: MenuNode) -> Any:
        b = c.item if c.item.__class__ is Choice else c.dep
        return None if b is self.y else b

    def where(self, c: MenuNode) -> str:
        if c.item.__class__ is Choice:
            return _choice_name(c.item)
        if c.item is MENU:
            return f"menu '{c.prompt[0]}'"
        if c is self.kconf.top_node:
            return "the main menu"
        return f"'{c.prompt[0]}'" if c.prompt else "the menu"

    def inherited_origin(self, t: Any, cont: MenuNode) -> _Term:
        c = cont
        while True:
            if c.item.__class__ is Choice and t is c.item:
                return _Term(t, "choice", _loc(c), _choice_name(c.item))
            up = self.container(c)
            if up is None:
                break
            b = self.base(up)
            if b is not None and any(x is t for x in split_expr(b, AND)):
                c = up
                continue
            break
        ln = self.depends_line(c, t)
        if ln is not None:
            return _Term(t, "menu", _loc(c, ln), self.where(c))
        names = _names(t)
        for fname, ln, text in self.enclosing_ifs(c):
            if names and names <= _tokens(text[2:]):
                return _Term(t, "if", f"{fname}:{ln}", f"'{text}'")
        return _Term(t, "menu", _loc(c), self.where(c))

    def dep_terms(self, node: MenuNode) -> list[_Term]:
        """The AND terms of ``node.dep``, each with where it is written.

        kconfiglib builds ``node.dep`` as ``own && inherited`` (``_propagate_deps``),
        where ``own`` chains the entry's ``depends on`` lines and ``inherited`` is
        the dependency of the enclosing ``if`` blocks and menu."""
        if node.dep is self.y:
            return []
        cont = self.container(node)
        b = self.base(cont) if cont is not None else None
        base_ids = {id(x) for x in split_expr(b, AND)} if b is not None else set()
        own_lines = [(ln, t) for ln, t in self.entry(node) if re.match(r"depends\s+on\b", t)]
        ifs = self.enclosing_ifs(node)
        dep = node.dep
        if not own_lines or (b is not None and dep is b):
            # (own "depends on" lines that were all "y", e.g. a passing $(cc-option,…), vanish)
            own, inherited = None, dep
        elif (b is not None or ifs) and dep.__class__ is tuple and dep[0] is AND \
                and (b is None or _ends_with(dep[2], b)):
            own, inherited = dep[1], dep[2]
        elif b is not None and not ifs and not _ends_with(dep, b):
            own, inherited = dep, None
        elif b is not None and dep.__class__ is tuple and dep[0] is AND and _ends_with(dep, b):
            # no own terms survived, only if blocks and the menu
            own, inherited = None, dep
        else:
            own, inherited = dep, None
        out = []
        if own is not None:
            for t in split_expr(own, AND):
                ln = self.depends_line(node, t)
                out.append(_Term(t, "depends", _loc(node, ln if ln is not None else own_lines[0][0]), ""))
        if inherited is not None:
            for t in split_expr(inherited, AND):
                if t is self.y:
                    continue
                if id(t) in base_ids and cont is not None:
                    out.append(self.inherited_origin(t, cont))
                    continue
                names = _names(t)
                hit = next(((f, ln, text) for f, ln, text in ifs if names and names <= _tokens(text[2:])),
                           ifs[0] if ifs else None)
                if hit is not None:
                    out.append(_Term(t, "if", f"{hit[0]}:{hit[1]}", f"'{hit[2]}'"))
                else:
                    out.append(_Term(t, "depends", _loc(node), ""))
        return out

    def prompt_terms(self, node: MenuNode) -> list[_Term]:
        """The AND terms of a node's prompt condition (its visibility), classified."""
        terms = self.dep_terms(node)
        if not node.prompt:
            return terms
        dep_ids = {id(x) for x in split_expr(node.dep, AND)}
        vis_origin: dict[int, MenuNode] = {}
        p = node.parent
        while p is not None:
            if p.item is MENU and p.visibility is not self.y:
                for x in split_expr(p.visibility, AND):
                    vis_origin.setdefault(id(x), p)
            p = p.parent
        for t in split_expr(node.prompt[1], AND):
            if t is self.y or id(t) in dep_ids:
                continue
            m = vis_origin.get(id(t))
            if m is not None:
                terms.append(_Term(t, "visible-if", _loc(m, self.visible_if_line(m)), self.where(m)))
            else:
                terms.append(_Term(t, "prompt-if", _loc(node, self.prompt_line(node)), ""))
        return terms

    def menu_terms(self, node: MenuNode) -> list[_Term]:
        """Why a menu or comment is shown: its dependencies and every ``visible if`` above it."""
        terms = self.dep_terms(node)
        p: MenuNode | None = node
        while p is not None:
            if p.item is MENU and p.visibility is not self.y:
                for x in split_expr(p.visibility, AND):
                    terms.append(_Term(x, "visible-if", _loc(p, self.visible_if_line(p)), self.where(p)))
            p = p.parent
        return terms

    # -- reasons for terms --------------------------------------------------------------

    def term_reason(self, term: _Term, need: int) -> Reason:
        v = self.ev.expr(term.expr)
        sat = v >= need
        e = _expr_with_values(term.expr, self.ev)
        if term.kind == "depends":
            text = f"depends on {e}"
        elif term.kind == "if":
            text = f"inside {term.where}"
        elif term.kind == "menu":
            text = f"inside {term.where}, which depends on {e}"
        elif term.kind == "choice":
            text = f"member of {term.where}"
        elif term.kind == "visible-if":
            text = f"{term.where} is visible only if {e}"
        else:
            text = f"prompt shown only if {e}"
        r = Reason(kind=term.kind, text=text, value=_TRI[v], wanted=_range_text(need, 2), satisfied=sat,
                   location=term.location, expr=expr_str(term.expr))
        if not sat:
            child = self.expr_reason(term.expr, need, 2, term.location)
            r.children = child.children if child.kind == "all" else [child]
            r.children = _ordered(r.children)
        return r

    def terms_reasons(self, terms: list[_Term], need: int) -> list[Reason]:
        # explore terms the user can set directly first, so that a symbol met
        # again deeper down is the one marked "explained above"
        unique: dict[str, _Term] = {}
        for t in terms:
            unique.setdefault(expr_str(t.expr), t)
        terms = list(unique.values())
        order = sorted(range(len(terms)), key=lambda i: 0 if self._settable(terms[i].expr) else 1)
        reasons: list[Reason | None] = [None] * len(terms)
        for i in order:
            reasons[i] = self.term_reason(terms[i], need)
        return _ordered([r for r in reasons if r is not None])

    def _settable(self, e: Any) -> bool:
        while e.__class__ is tuple and e[0] is NOT:
            e = e[1]
        return e.__class__ is Symbol and not _is_const(e) and bool(self.ev.visibility(e)) \
            and any(n.prompt for n in e.nodes)

    def nodes_blockers(self, nodes: list[MenuNode], need: int, *, prompt: bool = True) -> list[Reason]:
        groups = []
        for n in nodes:
            terms = self.prompt_terms(n) if prompt else self.dep_terms(n)
            groups.append((n, self.terms_reasons(terms, need)))
        if len(groups) == 1:
            return groups[0][1]
        out = []
        for n, reasons in groups:
            sat = all(r.satisfied for r in reasons)
            out.append(Reason(kind="definition", text=f"definition at {_loc(n)}", satisfied=sat,
                              location=_loc(n), children=[r for r in reasons if not r.satisfied] or reasons))
        return _ordered(out)

    # -- expressions ------------------------------------------------------------------------

    def expr_reason(self, e: Any, lo: int, hi: int, loc: str | None = None) -> Reason:
        """Why ``e`` is not within [lo, hi] (a satisfied expression is not explored)."""
        ev = self.ev
        v = ev.expr(e)
        sat = lo <= v <= hi
        if e.__class__ is Symbol:
            if _is_const(e):
                r = Reason(kind="constant", text=f"{e.name} (a constant)", value=_TRI[v], satisfied=sat,
                           wanted=_range_text(lo, hi), expr=e.name, location=loc)
                origin = self.const_origin(e, loc)
                if origin:
                    r.kind, r.probe = origin[0], origin[1]
                    r.text = f"a probe run while loading gave {e.name}"
                return r
            if e.orig_type in (BOOL, TRISTATE):
                return self.tri_reason(e, lo, hi)
            return Reason(kind="value", text=f"{e.name} is a {_type_name(e)} symbol, which counts as n here",
                          symbol=e.name, value=ev.str_value(e), satisfied=sat, location=self.def_loc(e))
        if e.__class__ is Choice:
            return self.choice_dep_reason(e, lo, hi)
        if sat:
            return Reason(kind="all", text=expr_str(e), expr=expr_str(e), value=_TRI[v], satisfied=True)
        op = e[0]
        if op is NOT:
            return self.expr_reason(e[1], 2 - hi, 2 - lo, loc)
        if op is AND or op is OR:
            # constants that no probe produced (kconfiglib's propagated "y") say nothing
            parts = [p for p in split_expr(e, op) if not (_is_const(p) and not self.const_origin(p, loc))]
            parts = parts or split_expr(e, op)
            plo, phi = (lo, 2) if v < lo else (0, hi)
            # AND needs every part >= lo (or one part <= hi); OR the other way round
            every = (op is AND) == (v < lo)
            if every:
                kids = [self.expr_reason(p, plo, phi, loc) for p in parts]
                return Reason(kind="all", text=f"all of: {expr_str(e)}", expr=expr_str(e), value=_TRI[v],
                              wanted=_range_text(lo, hi), children=_ordered(kids))
            # one alternative is enough: when some can be set directly, follow only those
            direct = [p for p in parts if self.direct(p, plo, phi)]
            kids = []
            for p in parts:
                if direct and not any(p is d for d in direct):
                    pv = ev.expr(p)
                    note = self.shallow_note(p, plo, phi)
                    kids.append(Reason(kind="alternative",
                                       text=f"or {_expr_with_values(p, ev)}{f': {note}' if note else ''}",
                                       expr=expr_str(p), value=_TRI[pv], wanted=_range_text(plo, phi),
                                       satisfied=plo <= pv <= phi))
                else:
                    kids.append(self.expr_reason(p, plo, phi, loc))
            return Reason(kind="any", text=f"one of: {expr_str(e)}", expr=expr_str(e), value=_TRI[v],
                          wanted=_range_text(lo, hi), children=_ordered(kids))
        return self.compare_reason(e, want_true=lo >= 1, loc=loc)

    def shallow_note(self, e: Any, lo: int, hi: int) -> str:
        """A few words on an alternative that is not followed."""
        while e.__class__ is tuple and e[0] is NOT:
            e, lo, hi = e[1], 2 - hi, 2 - lo
        if e.__class__ is not Symbol or _is_const(e) or e.orig_type not in (BOOL, TRISTATE):
            return ""
        sub = _Why(self.lt)
        sub.max_depth = 2
        r = sub.tri_reason(e, lo, hi)
        if r.kind == "hidden":
            return f"{e.name} is hidden, " + one_line_from(r.children)
        return _value_brief(r) if r.kind not in ("symbol", "seen", "cycle", "truncated") else ""

    def const_origin(self, sym: Symbol, loc: str | None) -> tuple[str, ProbeInfo, str | None] | None:
        """The probe that left the constant ``sym`` on the Kconfig line ``loc``, if any."""
        if not loc:
            return None
        fname, _, line = loc.rpartition(":")
        if not line.isdigit() or not self.lt.trace.at(fname, int(line)):
            return None
        return self.macro_origin(sym, fname, int(line), None)

    def direct(self, e: Any, lo: int, hi: int) -> bool:
        """Can the user bring ``e`` into [lo, hi] by setting one visible symbol?"""
        while e.__class__ is tuple and e[0] is NOT:
            e, lo, hi = e[1], 2 - hi, 2 - lo
        if e.__class__ is tuple and e[0] in _OP_TEXT:
            # X = n, X != y, …: a range of X
            for sym, const, flip in ((e[1], e[2], False), (e[2], e[1], True)):
                if sym.__class__ is Symbol and _is_const(const) and const.name in _TRI:
                    rng = _cmp_range(e[0], _TRI.index(const.name), flip, lo >= 1)
                    if rng is not None:
                        e, (lo, hi) = sym, rng
                        break
            else:
                return False
        if e.__class__ is not Symbol or _is_const(e) or e.orig_type not in (BOOL, TRISTATE):
            return False
        if not any(n.prompt for n in e.nodes) or not self.ev.visibility(e):
            return False
        if e.choice is not None:
            return True
        return any(lo <= v <= hi for v in self.ev.assignable(e))

    def compare_reason(self, e: Any, want_true: bool, loc: str | None) -> Reason:
        ev = self.ev
        op, a, b = e
        v = ev.expr(e)
        # a bool/tristate compared with n/m/y is a wanted range of that symbol
        for sym, const, flip in ((a, b, False), (b, a, True)):
            if (sym.__class__ is Symbol and not _is_const(sym) and sym.orig_type in (BOOL, TRISTATE)
                    and _is_const(const) and const.name in _TRI):
                c = _TRI.index(const.name)
                rng = _cmp_range(op, c, flip, want_true)
                if rng is not None:
                    return self.tri_reason(sym, *rng)
        # two bool/tristate symbols (TCG_TPM >= TRUSTED_KEYS): move either one
        if all(s.__class__ is Symbol and not _is_const(s) and s.orig_type in (BOOL, TRISTATE) for s in (a, b)):
            kids = []
            for sym, other, flip in ((a, b, False), (b, a, True)):
                rng = _cmp_range(op, ev.tri(other), flip, want_true)
                if rng is not None:
                    kids.append(self.tri_reason(sym, *rng))
            if kids:
                return Reason(kind="any", text=f"one of: {expr_str(e)}", expr=expr_str(e), value=_TRI[v],
                              wanted="true" if want_true else "false", children=_ordered(kids), location=loc)
        sides = [s for s in (a, b) if s.__class__ is Symbol and not _is_const(s)]
        sa, sb = ev.str_value(a), ev.str_value(b)
        r = Reason(kind="compare", text=f"{expr_str(e)} is {'false' if v == 0 else 'true'} ({sa} {_OP_TEXT[op]} {sb})",
                   expr=expr_str(e), value=f"{sa} {_OP_TEXT[op]} {sb}", wanted="true" if want_true else "false",
                   satisfied=(v == 2) == want_true, location=loc)
        for s, found, needed in ((a, sa, sb), (b, sb, sa)):
            if s.__class__ is Symbol and not _is_const(s) and s.name.endswith("VERSION") and s.orig_type in (INT, HEX):
                shown_op = _OP_TEXT[op] if s is a else _OP_TEXT[_MIRROR[op]]
                r.kind = "version"
                r.version_check = VersionCheck(
                    symbol=s.name, op=shown_op, found=found, needed=needed,
                    found_version=decode_version(s.name, found), needed_version=decode_version(s.name, needed),
                    satisfied=r.satisfied)
                fv = r.version_check.found_version
                nv = r.version_check.needed_version
                r.text = (f"{s.name} {shown_op} {needed}{f' ({nv})' if nv else ''} is not met: found {found}"
                          f"{f' ({fv})' if fv else ''}")
                break
        if not r.satisfied:
            r.children = [self.provenance(s, want_up=None) for s in sides]
        return r

    def choice_dep_reason(self, choice: Choice, lo: int, hi: int) -> Reason:
        v = self.ev.expr(choice)
        sat = lo <= v <= hi
        node = next((n for n in choice.nodes if n.prompt), choice.nodes[0])
        r = Reason(kind="choice", text=f"{_choice_name(choice)} is {'hidden' if v == 0 else _TRI[v]}",
                   value=_TRI[v], wanted=_range_text(lo, hi), satisfied=sat, location=_loc(node))
        if sat or choice in self.stack:
            return r
        self.stack.add(choice)
        try:
            # 6.11+: members follow the choice's dependencies; before, its mode
            prompt = not self.ev.sem.choice_rework
            r.children = self.nodes_blockers([n for n in choice.nodes if n.prompt or not prompt],
                                              max(lo, 1), prompt=prompt)
        finally:
            self.stack.discard(choice)
        return r

    # -- symbols -------------------------------------------------------------------------

    def def_loc(self, item: Symbol | Choice) -> str:
        nodes = item.nodes
        node = next((n for n in nodes if n.prompt), nodes[0]) if nodes else None
        return _loc(node) if node is not None else ""

    def menu_path(self, node: MenuNode) -> list[str]:
        steps = []
        p = node
        while p is not None and p is not self.kconf.top_node:
            if p.prompt:
                text = str(p.prompt[0])
                if p.item.__class__ is Symbol:
                    text += f" ({p.item.name} [={self.ev.str_value(p.item)}])"
                elif p.item.__class__ is Choice:
                    text += " (<choice>)"
                steps.append(text)
            p = p.parent
        return list(reversed(steps))

    def tri_reason(self, sym: Symbol, lo: int, hi: int) -> Reason:
        ev = self.ev
        cur = ev.tri(sym)
        if ev.sym_type(sym) == BOOL:
            # a bool is never m: "at least m" means y, "at most m" means n
            if lo == 1:
                lo = 2
            if hi == 1:
                hi = 0
            if lo > hi:
                return Reason(kind="value", text=f"{sym.name} is bool and can never be m", symbol=sym.name,
                              value=_TRI[cur], wanted="m", location=self.def_loc(sym))
        sat = lo <= cur <= hi
        r = Reason(kind="symbol", text=f"{sym.name} is {_TRI[cur]}", symbol=sym.name, value=_TRI[cur],
                   wanted=_range_text(lo, hi), satisfied=sat, location=self.def_loc(sym))
        if sat:
            return r
        key = (sym, lo, hi)
        if sym in self.stack:
            r.kind = "cycle"
            r.text = f"{sym.name} is {_TRI[cur]}; it is already being explained above (circular dependency)"
            return r
        if key in self.done:
            r.kind = "seen"
            r.text = f"{sym.name} is {_TRI[cur]}, needs {_range_text(lo, hi)} (explained above)"
            return r
        if self.depth >= self.max_depth:
            if self.direct(sym, lo, hi):
                value = max(v for v in self.ev.assignable(sym) if lo <= v <= hi) if sym.choice is None else 2
                r.kind = "choose" if sym.choice is not None else "user"
                r.action = (f"choose {sym.name} in {_choice_name(sym.choice)}" if sym.choice is not None
                            else f"set {sym.name} to {_TRI[value]}")
                r.text = f"{sym.name} is {_TRI[cur]}: {r.action}"
                return r
            r.kind = "truncated"
            r.text = f"{sym.name} is {_TRI[cur]}, needs {_range_text(lo, hi)} (not followed further)"
            return r
        self.stack.add(sym)
        self.depth += 1
        try:
            if cur < lo:
                self._raise(sym, r, lo, hi)
            else:
                self._lower(sym, r, lo, hi)
        finally:
            self.depth -= 1
            self.stack.discard(sym)
            self.done[key] = _rank(r)
        r.children = _ordered(r.children)
        return r

    def _selectors(self, sym: Symbol, expr: Any, word: str, min_value: int, max_value: int = 2) -> list[Reason]:
        out = []
        for t in split_expr(expr, OR):
            if t is self.kconf.n:
                continue
            v = self.ev.expr(t)
            if not min_value <= v <= max_value:
                continue
            selector = t if t.__class__ is Symbol else split_expr(t, AND)[0]
            sel_name = getattr(selector, "name", expr_str(selector))
            where = self.select_line(selector, sym.name, word) if selector.__class__ is Symbol else None
            verb = "selected" if word == "select" else "implied"
            out.append(Reason(kind="select" if word == "select" else "implied",
                              text=f"{verb} by {sel_name}: {expr_str(t)} [={_TRI[v]}]", symbol=sel_name,
                              value=_TRI[v], location=where or (self.def_loc(selector)
                                                                if selector.__class__ is Symbol else None),
                              expr=expr_str(t)))
        return out

    def _raise(self, sym: Symbol, r: Reason, lo: int, hi: int) -> None:
        ev = self.ev
        cur = ev.tri(sym)
        vis = ev.visibility(sym)
        prompted = [n for n in sym.nodes if n.prompt]
        if sym.choice is not None:
            if vis:
                sel = ev.choice_selection(sym.choice)
                r.kind = "choose"
                r.action = f"choose {sym.name} in {_choice_name(sym.choice)}"
                r.text = (f"{sym.name} is not the selected member of {_choice_name(sym.choice)}"
                          f"{f' ({sel.name} is)' if sel is not None else ''}: choose it")
            else:
                r.kind = "hidden"
                r.text = f"{sym.name} is hidden"
                r.children = self.nodes_blockers(prompted or sym.nodes, 1)
            return
        if prompted and vis >= lo:
            value = lo if lo in ev.assignable(sym) else max(ev.assignable(sym) or (lo,))
            r.kind = "user"
            r.action = f"set {sym.name} to {_TRI[value]}"
            r.text = f"{sym.name} is {_TRI[cur]}: set it to {_TRI[value]}"
            path = self.menu_path(prompted[0])
            if path:
                r.text += f" ({' -> '.join(path)})"
            return
        if prompted:
            r.kind = "hidden"
            r.text = f"{sym.name} is hidden" if vis == 0 else f"{sym.name} can only be {_TRI[vis]}"
            need = lo if ev.sym_type(sym) == TRISTATE else 1
            r.children = self.nodes_blockers(prompted, need)
            sel = self._selectors(sym, sym.rev_dep, "select", 0, lo - 1)
            if sel:
                r.children.append(Reason(kind="any", text="or have it selected by one of:", children=sel,
                                         value=_TRI[ev.rev_dep(sym)], wanted=_range_text(lo, 2)))
            return
        # no prompt: only defaults, select and imply give it a value
        r.kind = "no-prompt"
        r.text = f"{sym.name} is {_TRI[cur]} and has no prompt"
        arches = self.arch_selects(sym.name)
        own_selectors = [t for t in split_expr(sym.rev_dep, OR) if t is not self.kconf.n]
        only_arch = all(
            all(n.filename.startswith("arch/") for n in getattr(split_expr(t, AND)[0], "nodes", []))
            for t in own_selectors)
        if arches and not sym.defaults and only_arch:
            r.kind = "arch"
            r.arches = arches
            listed = ", ".join(f"{a.arch}{f' (if {a.condition})' if a.condition else ''}" for a in arches)
            r.text = f"{sym.name} is {_TRI[cur]}: only architecture code selects it ({listed})"
            if not any(a.current for a in arches):
                r.text += f"; ARCH={self.lt.arch} is not one of them"
            r.children = [self.expr_reason(t, lo, 2, self.select_line(split_expr(t, AND)[0], sym.name))
                          for t in own_selectors]
            return
        active = self._active_default(sym)
        if active is not None:
            node, line, d, cond = self._default_at(active)
            if self._computed_by_macro(r, sym, cur, node, line, want_up=True):
                return
            dv, cv = ev.expr(d), ev.expr(cond)
            dr = Reason(kind="default", text=f"default {expr_str(d)}"
                        + (f" if {expr_str(cond)}" if cond is not self.y else "") + f" gives {_TRI[min(dv, cv)]}",
                        value=_TRI[min(dv, cv)], wanted=_range_text(lo, 2), location=_loc(node, line),
                        expr=expr_str(d))
            if dv < lo:
                dr.children.append(self.expr_reason(d, lo, 2, _loc(node, line)))
            if cv < lo:
                dr.children.append(self.expr_reason(cond, lo, 2, _loc(node, line)))
            r.children.append(dr)
        elif sym.defaults:
            alts = []
            for node in sym.nodes:
                dl = self.default_lines(node)
                for i, (d, cond) in enumerate(node.defaults):
                    line = dl[i] if i < len(dl) else node.linenr
                    alts.append(Reason(kind="default", text=f"default {expr_str(d)} if {expr_str(cond)}",
                                       value=_TRI[ev.expr(cond)], location=_loc(node, line), expr=expr_str(cond),
                                       children=[self.expr_reason(cond, 1, 2, _loc(node, line))]))
            r.children.append(Reason(kind="any", text="no default applies; one of these needs its condition:",
                                     children=_ordered(alts), value="n", wanted="m or y"))
        sel = self._selectors(sym, sym.rev_dep, "select", 0, lo - 1)
        if sel:
            if not sym.defaults:
                for s, t in zip(sel, [t for t in own_selectors if ev.expr(t) < lo]):
                    s.children = [self.expr_reason(t, lo, 2, s.location)]
            r.children.append(Reason(kind="any", text="selected by none of:" if not sym.defaults else
                                     "or have it selected by one of:", children=sel,
                                     value=_TRI[ev.rev_dep(sym)], wanted=_range_text(lo, 2)))
        imp = self._selectors(sym, sym.weak_rev_dep, "imply", 0, lo - 1)
        if imp and ev.dir_dep(sym) >= lo:
            r.children.append(Reason(kind="any", text="or have it implied by one of:", children=imp,
                                     value=_TRI[ev.implied(sym)], wanted=_range_text(lo, 2)))
        if not r.children:
            r.text = f"{sym.name} is {_TRI[cur]}: it has no prompt, no default and nothing selects it"

    def _lower(self, sym: Symbol, r: Reason, lo: int, hi: int) -> None:
        ev = self.ev
        cur = ev.tri(sym)
        vis = ev.visibility(sym)
        prompted = [n for n in sym.nodes if n.prompt]
        if sym.choice is not None:
            r.kind = "choose"
            r.action = f"choose another member of {_choice_name(sym.choice)}"
            r.text = f"{sym.name} is the selected member of {_choice_name(sym.choice)}: choose another one"
            return
        rev = ev.rev_dep(sym)
        if rev > hi:
            r.kind = "selected"
            r.text = f"{sym.name} is forced to {_TRI[rev]} by select"
            for s, t in zip(self._selectors(sym, sym.rev_dep, "select", hi + 1),
                            [t for t in split_expr(sym.rev_dep, OR) if ev.expr(t) > hi]):
                s.children = [self.expr_reason(t, 0, hi, s.location)]
                r.children.append(s)
            return
        allowed = [v for v in ev.assignable(sym) if lo <= v <= hi]
        if prompted and vis and allowed:
            r.kind = "user"
            r.action = f"set {sym.name} to {_TRI[max(allowed)]}"
            r.text = f"{sym.name} is {_TRI[cur]}: set it to {_TRI[max(allowed)]}"
            path = self.menu_path(prompted[0])
            if path:
                r.text += f" ({' -> '.join(path)})"
            return
        r.kind = "default"
        r.text = f"{sym.name} is {_TRI[cur]} by default" + (" and has no prompt" if not prompted else ", hidden")
        imp = ev.implied(sym)
        if imp > hi:
            for s, t in zip(self._selectors(sym, sym.weak_rev_dep, "imply", hi + 1),
                            [t for t in split_expr(sym.weak_rev_dep, OR) if ev.expr(t) > hi]):
                s.children = [self.expr_reason(t, 0, hi, s.location)]
                r.children.append(s)
        active = self._active_default(sym)
        if active is not None:
            node, line, d, cond = self._default_at(active)
            if self._computed_by_macro(r, sym, cur, node, line, want_up=False):
                return
            dv, cv = ev.expr(d), ev.expr(cond)
            dr = Reason(kind="default", text=f"default {expr_str(d)}"
                        + (f" if {expr_str(cond)}" if cond is not self.y else "") + f" gives {_TRI[min(dv, cv)]}",
                        value=_TRI[min(dv, cv)], wanted=_range_text(lo, hi), location=_loc(node, line))
            alts = []
            if cond is not self.y:
                alts.append(self.expr_reason(cond, 0, hi, _loc(node, line)))
            if not _is_const(d) if d.__class__ is Symbol else True:
                alts.append(self.expr_reason(d, 0, hi, _loc(node, line)))
            if len(alts) == 1:
                dr.children = alts
            elif alts:
                dr.children = [Reason(kind="any", text="one of:", children=_ordered(alts))]
            r.children.append(dr)
        if prompted and vis == 0:
            r.children.append(Reason(kind="hidden", text=f"or make {sym.name} visible and set it to {_TRI[hi]}:",
                                     children=self.nodes_blockers(prompted, 1), value="n", wanted="m or y"))

    def _default_at(self, active: tuple[Any, int, Any, Any]) -> tuple[Any, int, Any, Any]:
        """(node, line of the default, value, condition) for an active default."""
        node, idx, d, cond = active
        dl = self.default_lines(node)
        return node, (dl[idx] if idx < len(dl) else node.linenr), d, cond

    def _computed_by_macro(self, r: Reason, sym: Symbol, cur: int, node: MenuNode, line: int,
                           want_up: bool) -> bool:
        """Fill ``r`` when the active default was computed by a probe or the toolchain."""
        origin = self.macro_origin(sym, node.filename, line, want_up=want_up)
        if origin is None:
            return False
        r.kind, r.probe, r.env_hint = origin
        r.location = _loc(node, line)
        what = "the toolchain" if r.kind == "environment" else "a shell probe"
        r.text = f"{sym.name} is {_TRI[cur]}: computed by {what} when the tree was loaded"
        return True

    def _active_default(self, sym: Symbol) -> tuple[MenuNode, int, Any, Any] | None:
        for node in sym.nodes:
            for i, (d, cond) in enumerate(node.defaults):
                if self.ev.expr(cond):
                    return node, i, d, cond
        return None

    # -- where the current value comes from (explain_set) ------------------------------

    def provenance(self, sym: Symbol, want_up: bool | None = None) -> Reason:
        ev = self.ev
        val = ev.str_value(sym)
        r = Reason(kind="value", text=f"{sym.name} = {val}", symbol=sym.name, value=val,
                   satisfied=False, location=self.def_loc(sym))
        if sym in self.stack:
            r.kind = "cycle"
            r.text += " (already being explained above)"
            return r
        if self.depth >= self.max_depth:
            r.kind = "truncated"
            return r
        self.stack.add(sym)
        self.depth += 1
        try:
            r.children = self._provenance_children(sym, want_up)
        finally:
            self.depth -= 1
            self.stack.discard(sym)
        if len(r.children) == 1 and not r.children[0].children and r.children[0].kind in (
                "probe", "environment", "user-value", "user"):
            # a single leaf: fold it into this node
            leaf = r.children[0]
            r.kind, r.probe, r.env_hint, r.action = leaf.kind, leaf.probe, leaf.env_hint, leaf.action
            r.text = f"{sym.name} = {val}: {leaf.text}"
            r.location = leaf.location or r.location
            r.children = []
            r.satisfied = leaf.satisfied
        elif r.kind == "value":
            # a value explained by facts that hold (a select, a default, …) is itself a fact
            r.satisfied = bool(r.children) and all(c.satisfied for c in r.children)
        return r

    def _provenance_children(self, sym: Symbol, want_up: bool | None) -> list[Reason]:
        out = self._provenance_reasons(sym, want_up)
        for c in out:
            # what holds is marked so; only "hidden"/"no default applies" remain open
            if c.kind not in ("hidden", "any"):
                c.satisfied = True
        return out

    def _provenance_reasons(self, sym: Symbol, want_up: bool | None) -> list[Reason]:
        ev = self.ev
        out: list[Reason] = []
        vis = ev.visibility(sym)
        user = ev.user.get(sym)
        is_tri = sym.orig_type in (BOOL, TRISTATE)
        if sym.choice is not None:
            sel = ev.choice_selection(sym.choice)
            if sel is sym:
                how = "chosen by you" if ev.user.get(sym) == 2 else "the choice's default"
                out.append(Reason(kind="choice", text=f"selected member of {_choice_name(sym.choice)} ({how})",
                                  location=self.def_loc(sym.choice)))
            else:
                out.append(Reason(kind="choice", text=f"not the selected member of {_choice_name(sym.choice)}"
                                  + (f" ({sel.name} is)" if sel is not None else " (the choice is hidden)"),
                                  location=self.def_loc(sym.choice)))
            return out
        if is_tri:
            out += self._selectors(sym, sym.rev_dep, "select", 1)
        if vis and user is not None:
            shown = _TRI[int(user)] if is_tri else str(user)
            out.append(Reason(kind="user-value", text=f"set to {shown} in the configuration (your value)",
                              value=shown, location=self.def_loc(sym)))
            if is_tri and ev.tri(sym) > int(user):
                out.append(Reason(kind="selected", text=f"raised to {_TRI[ev.tri(sym)]} by select"))
            return out
        if is_tri and ev.implied(sym):
            out += self._selectors(sym, sym.weak_rev_dep, "imply", 1)
        active = self._active_default(sym)
        if active is not None:
            node, idx, d, cond = active
            dl = self.default_lines(node)
            line = dl[idx] if idx < len(dl) else node.linenr
            origin = self.macro_origin(sym, node.filename, line, want_up)
            text = f"default {expr_str(d)}" + (f" if {expr_str(cond)}" if cond is not self.y else "")
            dr = Reason(kind="default", text=text, location=_loc(node, line), expr=expr_str(d),
                        value=ev.str_value(d) if not is_tri else _TRI[min(ev.expr(d), ev.expr(cond))])
            if origin is not None:
                dr.kind, dr.probe, dr.env_hint = origin
                what = "the toolchain" if dr.kind == "environment" else "a shell probe"
                dr.text = f"{dr.probe.source_line}: computed by {what} when the tree was loaded"
            else:
                for s in sorted(kconfiglib.expr_items(d), key=lambda s: s.name or ""):
                    if s.__class__ is Symbol and not _is_const(s):
                        dr.children.append(self.provenance(s, want_up))
            out.append(dr)
            rng = ev.active_range(sym)
            if rng and sym.orig_type in (INT, HEX) and ev.str_value(sym) != ev.str_value(d):
                out.append(Reason(kind="range", text=f"clamped to the range {rng[0]}..{rng[1]}"))
        elif not out:
            if vis == 0 and any(n.prompt for n in sym.nodes):
                out.append(Reason(kind="hidden", text=f"{sym.name} is hidden, and no default applies",
                                  children=self.nodes_blockers([n for n in sym.nodes if n.prompt], 1)))
            elif sym.defaults:
                # every default's condition is n (they carry the entry's dependencies)
                alts = []
                for node in sym.nodes:
                    dl = self.default_lines(node)
                    for i, (d, cond) in enumerate(node.defaults):
                        line = dl[i] if i < len(dl) else node.linenr
                        alts.append(Reason(kind="default", text=f"default {expr_str(d)} if {expr_str(cond)}",
                                           value=_TRI[ev.expr(cond)], location=_loc(node, line),
                                           expr=expr_str(cond),
                                           children=[self.expr_reason(cond, 1, 2, _loc(node, line))]))
                out.append(Reason(kind="any", text="no default applies; one of these needs its condition:",
                                  children=_ordered(alts), value="n", wanted="m or y"))
            else:
                out.append(Reason(kind="default", text="no default applies"))
        return out

    # -- menuconfig's ? screen -------------------------------------------------------------------

    def facts(self, sym: Symbol) -> MenuconfigFacts:
        ev = self.ev
        prompts = []
        definitions = []
        for node in sym.nodes:
            if node.prompt:
                dep = None if node.dep is self.y else _expr_with_values(node.dep, ev)
                vis = node.prompt[1]
                visible_if = None if _expr_equal(vis, node.dep) else _expr_with_values(vis, ev)
                prompts.append(PromptFacts(prompt=str(node.prompt[0]), defined_at=_loc(node), depends_on=dep,
                                           visible_if=visible_if, location=self.menu_path(node)))
            else:
                definitions.append((_loc(node), None if node.dep is self.y else _expr_with_values(node.dep, ev)))
        selected_by: dict[str, list[Relation]] = {}
        implied_by: dict[str, list[Relation]] = {}
        for expr, word, into in ((sym.rev_dep, "select", selected_by), (sym.weak_rev_dep, "imply", implied_by)):
            for t in split_expr(expr, OR):
                if t is self.kconf.n:
                    continue
                selector = t if t.__class__ is Symbol else split_expr(t, AND)[0]
                where = self.select_line(selector, sym.name, word) if selector.__class__ is Symbol else None
                into.setdefault(_TRI[ev.expr(t)], []).append(Relation(
                    expr=_expr_with_values(t, ev), value=_TRI[ev.expr(t)],
                    symbol=getattr(selector, "name", ""), location=where or ""))
        rng = None
        if sym.orig_type in (INT, HEX):
            for low, high, cond in sym.ranges:
                if ev.expr(cond):
                    rng = f"[{low.name} {high.name}]"
                    break
        return MenuconfigFacts(
            symbol=sym.name, value=ev.str_value(sym), type=_type_name(sym), range=rng, prompts=prompts,
            definitions=definitions, selects=[t.name for t, _ in sym.selects],
            selected_by=selected_by, implies=[t.name for t, _ in sym.implies], implied_by=implied_by)


_MIRROR = {EQUAL: EQUAL, UNEQUAL: UNEQUAL, LESS: GREATER, LESS_EQUAL: GREATER_EQUAL,
           GREATER: LESS, GREATER_EQUAL: LESS_EQUAL}


def _cmp_range(op: int, c: int, flip: bool, want_true: bool) -> tuple[int, int] | None:
    """The tristate range of X for which ``X op c`` (``c op X`` when flipped) is ``want_true``."""
    if flip:
        op = _MIRROR[op]
    ok = [x for x in (0, 1, 2) if _tri_cmp(op, x, c) == want_true]
    if not ok or ok != list(range(ok[0], ok[-1] + 1)):
        return None
    return ok[0], ok[-1]


def _tri_cmp(op: int, x: int, c: int) -> bool:
    return {EQUAL: x == c, UNEQUAL: x != c, LESS: x < c, LESS_EQUAL: x <= c,
            GREATER: x > c, GREATER_EQUAL: x >= c}[op]


def _expr_equal(a: Any, b: Any) -> bool:
    """Structural equality of two kconfiglib expressions (C's ``expr_eq`` for printing)."""
    if a is b:
        return True
    if a.__class__ is tuple and b.__class__ is tuple:
        return len(a) == len(b) and a[0] is b[0] and all(_expr_equal(x, y) for x, y in zip(a[1:], b[1:]))
    return False


def _expr_with_values(e: Any, ev: Any) -> str:
    """An expression as menuconfig prints it: ``SYM [=value]`` after each symbol."""
    def sym_str(s: Any) -> str:
        if s.__class__ is Symbol and not _is_const(s):
            return f"{s.name} [={ev.str_value(s)}]"
        if s.__class__ is Choice:
            return "<choice>"
        return kconfiglib.standard_sc_expr_str(s)
    return expr_str(e, sym_str)


# -- public API ---------------------------------------------------------------------------


def parse_want(target: Symbol | Choice | MenuNode, want: str) -> str:
    w = want.strip()
    if w in ("visible", "y", "m", "n"):
        return w
    if target.__class__ is Symbol and target.orig_type in (BOOL, TRISTATE):
        low = w.lower()
        if low in ("y", "m", "n"):
            return low
        raise ValueError(f"{target.name} is {_type_name(target)}: wanted value must be y, m, n or visible")
    return w


def explain(lt: LoadedTree, target: Symbol | Choice | MenuNode, want: str = "visible") -> Explanation:
    """Is ``target`` already as wanted?  If not, the tree of reasons why not.

    ``want`` is "visible", "y", "m", "n", a member's name for a choice, or a
    string/int/hex value.
    """
    w = _Why(lt)
    if target.__class__ is MenuNode:
        if target.item.__class__ in (Symbol, Choice):
            return explain(lt, target.item, want)
        return _explain_menu(w, target)
    if target.__class__ is Choice:
        return _explain_choice(w, target, want)
    return _explain_symbol(w, target, parse_want(target, want))


def explain_set(lt: LoadedTree, sym: Symbol) -> Explanation:
    """Why ``sym`` has its current value: user value, select, imply, default, choice, probe."""
    w = _Why(lt)
    val = lt.ev.str_value(sym)
    prov = w.provenance(sym)
    reasons = prov.children or [prov]
    summary = f"{sym.name} = {val if val != '' else chr(34) * 2}"
    return Explanation(target=sym.name, kind="symbol", type=_type_name(sym), prompt=_prompt_of(sym),
                       location=w.def_loc(sym), want=val, value=val, ok=True, summary=summary,
                       reasons=reasons, facts=w.facts(sym))


def _explain_symbol(w: _Why, sym: Symbol, want: str) -> Explanation:
    ev = w.ev
    val = ev.str_value(sym)
    vis = ev.visibility(sym)
    prompted = [n for n in sym.nodes if n.prompt]
    base = dict(target=sym.name, kind="symbol", type=_type_name(sym), prompt=_prompt_of(sym),
                location=w.def_loc(sym), want=want, value=val, facts=w.facts(sym))
    if want == "visible":
        if vis:
            return Explanation(**base, ok=True, summary=f"{sym.name} is visible (value {val})",
                               reasons=w.nodes_blockers(prompted, 1))
        if not prompted:
            prov = w.provenance(sym)
            return Explanation(**base, ok=False, reasons=[Reason(
                kind="no-prompt", text=f"{sym.name} has no prompt: it is never shown, only computed",
                symbol=sym.name, value=val, location=w.def_loc(sym), children=prov.children or [prov])],
                summary=f"{sym.name} is never shown (no prompt)")
        reasons = w.nodes_blockers(prompted, 1)
        return Explanation(**base, ok=False, reasons=reasons, summary=f"{sym.name} is hidden: "
                           + one_line_from(reasons))
    if sym.orig_type in (BOOL, TRISTATE):
        t = _TRI.index(want)
        if want == "m" and ev.sym_type(sym) == BOOL:
            reason = Reason(kind="value", text=f"{sym.name} is bool" if sym.orig_type == BOOL else
                            f"{sym.name} is tristate, but without module support (MODULES) it acts as bool",
                            symbol=sym.name, value=val, wanted="m")
            return Explanation(**base, ok=False, summary=f"{sym.name} cannot be m", reasons=[reason])
        if ev.tri(sym) == t:
            prov = w.provenance(sym)
            return Explanation(**base, ok=True, summary=f"{sym.name} is already {want}",
                               reasons=prov.children or [prov])
        r = w.tri_reason(sym, t, t)
        reasons = r.children if r.children else [r]
        return Explanation(**base, ok=False, summary=r.text, reasons=reasons)
    # string, int, hex
    if val == want:
        prov = w.provenance(sym)
        return Explanation(**base, ok=True, summary=f"{sym.name} is already {want}", reasons=prov.children or [prov])
    reasons: list[Reason] = []
    if vis:
        rng = ev.active_range(sym)
        if sym.orig_type in (INT, HEX) and not ev.string_within_range(sym, want):
            node = next(n for n in sym.nodes if n.ranges or n.prompt)
            line = next((ln for ln, t in w.entry(node) if t.startswith("range")), node.linenr)
            text = (f"{want} is outside the range {rng[0]}..{rng[1]}" if rng else
                    f"{want} is not a valid {_type_name(sym)} value")
            reasons.append(Reason(kind="range", text=text, symbol=sym.name, value=val, wanted=want,
                                  location=_loc(node, line)))
        else:
            reasons.append(Reason(kind="user", text=f"{sym.name} is {val!r}: set it to {want!r}", symbol=sym.name,
                                  value=val, wanted=want, action=f"set {sym.name} to {want}",
                                  location=w.def_loc(sym)))
    elif prompted:
        reasons.append(Reason(kind="hidden", text=f"{sym.name} is hidden", symbol=sym.name, value=val,
                              wanted=want, location=w.def_loc(sym), children=w.nodes_blockers(prompted, 1)))
        reasons.append(w.provenance(sym))
    else:
        prov = w.provenance(sym)
        reasons.append(Reason(kind="no-prompt", text=f"{sym.name} has no prompt; its value is computed",
                              symbol=sym.name, value=val, wanted=want, location=w.def_loc(sym),
                              children=prov.children or [prov]))
    return Explanation(**base, ok=False, summary=f"{sym.name} is {val!r}, wanted {want!r}", reasons=reasons)


def _explain_choice(w: _Why, choice: Choice, want: str) -> Explanation:
    ev = w.ev
    sel = ev.choice_selection(choice)
    vis = ev.choice_visibility(choice)
    name = _choice_name(choice)
    base = dict(target=name, kind="choice", type=_TYPE_NAMES.get(choice.orig_type), prompt=_prompt_of(choice),
                location=w.def_loc(choice), want=want, value=sel.name if sel is not None else "",
                facts=None)
    if want != "visible":
        member = next((s for s in choice.syms if s.name == want), None)
        if member is None:
            raise ValueError(f"{want} is not a member of {name}")
        e = _explain_symbol(w, member, "y")
        e.facts = w.facts(member)
        return e
    if vis:
        return Explanation(**base, ok=True, summary=f"{name} is visible ({base['value'] or 'nothing'} selected)",
                           reasons=w.nodes_blockers([n for n in choice.nodes if n.prompt], 1))
    reasons = w.nodes_blockers([n for n in choice.nodes if n.prompt], 1)
    return Explanation(**base, ok=False, summary=f"{name} is hidden: " + one_line_from(reasons), reasons=reasons)


def _explain_menu(w: _Why, node: MenuNode) -> Explanation:
    visible = w.ev.menu_is_visible(node)
    kind = "menu" if node.item is MENU else "comment" if node.item is COMMENT else "menu"
    title = f"{kind} '{node.prompt[0]}'" if node.prompt else kind
    base = dict(target=title, kind=kind, type=None, prompt=str(node.prompt[0]) if node.prompt else None,
                location=_loc(node), want="visible", value="visible" if visible else "hidden", facts=None)
    if visible:
        return Explanation(**base, ok=True, summary=f"{title} is visible",
                           reasons=w.terms_reasons(w.menu_terms(node), 1))
    reasons = w.terms_reasons(w.menu_terms(node), 1)
    return Explanation(**base, ok=False, summary=f"{title} is hidden: " + one_line_from(reasons), reasons=reasons)


def _term_brief(r: Reason) -> str:
    """A term in a few words: "RUST_IS_AVAILABLE (n)", "!MODVERSIONS (MODVERSIONS=y)",
    "RUSTC_VERSION >= 108100 (found 106300)"."""
    if r.kind in ("choice", "visible-if") and not r.expr:
        return r.text
    e = r.expr or r.text
    only = r.children[0] if len(r.children) == 1 else None
    if only is not None and only.kind == "probe" and only.probe is not None and e in ("n", "y", "m"):
        # the dependency was a macro that expanded to a constant: name the probe
        return f"a probe that failed ({only.probe.location})"
    if only is not None and only.version_check is not None:
        return f"{e} (found {only.version_check.found})"
    if r.kind == "version" and r.version_check is not None:
        return f"{e} (found {r.version_check.found})"
    if only is not None and only.symbol and e.lstrip("!") == only.symbol:
        return f"{e} ({only.symbol}={only.value})" if e.startswith("!") else f"{e} ({only.value})"
    if r.kind == "visible-if":
        return f"{r.text.split(' is visible only if ')[0]} visible if {e} ({r.value})"
    if r.kind == "choice":
        return r.text.replace("member of ", "") + f" ({'hidden' if r.value == 'n' else r.value})"
    if r.symbol and r.kind not in ("all", "any"):
        return f"{r.symbol} ({r.value})"
    return f"{e} ({r.value})"


def one_line_from(reasons: list[Reason], limit: int = 3) -> str:
    unmet = [r for r in reasons if not r.satisfied]
    if not unmet:
        return ""
    parts = [_term_brief(r) for r in unmet[:limit]]
    more = f" and {len(unmet) - limit} more" if len(unmet) > limit else ""
    return "needs " + ", ".join(parts) + more


def one_line_reason(lt: LoadedTree, sym: Symbol) -> str:
    """A short reason for a hidden or off row, e.g. "needs RUST_IS_AVAILABLE (n)";
    "" for a row that is shown."""
    w = _Why(lt)
    # one level below each term is enough for a line, and keeps a tree of rows cheap
    w.max_depth = 1
    ev = lt.ev
    prompted = [n for n in sym.nodes if n.prompt]
    if prompted:
        if ev.visibility(sym):
            return ""
        return one_line_from(w.nodes_blockers(prompted, 1))
    # no prompt: what keeps it off, or where its value comes from
    if sym.orig_type in (BOOL, TRISTATE) and ev.tri(sym) == 0:
        r = w.tri_reason(sym, 1, 2)
    else:
        r = w.provenance(sym)
    return "no prompt; " + _value_brief(r)


def _value_brief(r: Reason) -> str:
    if r.kind == "probe":
        return f"computed by a shell probe ({r.value})"
    if r.kind == "environment":
        return f"comes from the toolchain ({r.value})"
    if r.kind == "arch":
        return r.text.split(": ", 1)[-1]
    for c in r.children:
        if c.kind in ("probe", "environment"):
            return _value_brief(c)
        if c.kind == "select":
            return f"selected by {c.symbol}"
        if c.kind == "user-value":
            return c.text
        if c.kind == "default":
            unmet = [x for x in c.children if not x.satisfied]
            if unmet:
                # raising needs the condition; lowering is held back by it
                verb = "kept by " if r.wanted in ("n", "n or m") else "needs "
                return verb + _expr_brief(unmet[0])
            return c.text
        if c.kind == "any" and c.children:
            first = c.children[0]
            if first.kind == "select":
                names = ", ".join(x.symbol or "" for x in c.children[:3])
                return f"not selected (by {names}{', …' if len(c.children) > 3 else ''})"
            if first.kind == "default":
                return "no default applies; " + ("needs " + _expr_brief(first.children[0])
                                                 if first.children else first.text)
    if r.kind == "no-prompt" and not r.children:
        return "no default, not selected"
    return r.text.split(": ", 1)[-1]


def _expr_brief(x: Reason, limit: int = 3) -> str:
    if x.kind in ("all", "any"):
        unmet = [c for c in x.children if not c.satisfied and c.kind != "alternative"] or x.children
        joiner = ", " if x.kind == "all" else " or "
        parts = [_expr_brief(c) for c in unmet[:limit]]
        return joiner.join(parts) + (" …" if len(unmet) > limit else "")
    if x.version_check is not None:
        return f"{x.expr} (found {x.version_check.found})"
    if x.symbol:
        return f"{x.symbol} ({x.value})"
    return f"{x.expr or x.text} ({x.value})"


def rust_status(lt: LoadedTree) -> RustStatus:
    """Every term of ``config RUST`` with its state, the blockers, and every Rust entry's reason."""
    from rustconfig_gui.explain.rustclass import rust_symbols

    w = _Why(lt)
    ev = lt.ev
    env = lt.env.variables
    toolchain = {k: env.get(k, "") for k in ("CC", "LD", "RUSTC", "BINDGEN", "RUSTC_VERSION_TEXT",
                                             "CC_VERSION_TEXT")}
    base = dict(version=lt.version_text, arch=lt.arch, llvm=lt.tree.llvm, toolchain=toolchain)
    rust = lt.sym("RUST")
    entries = []
    for s in rust_symbols(lt):
        node = next((n for n in s.nodes if n.prompt), s.nodes[0])
        visible = bool(ev.visibility(s)) and bool(node.prompt)
        entries.append(RustEntry(name=s.name, type=_type_name(s), prompt=_prompt_of(s), value=ev.str_value(s),
                                 visible=visible, location=_loc(node), reason=one_line_reason(lt, s)))
    if rust is None:
        return RustStatus(**base, defined=False, value="", visible=False, terms=[], blockers=[], entries=entries,
                          summary=f"this tree ({lt.version_text}) has no 'config RUST'")
    node = next(n for n in rust.nodes if n.prompt)
    terms = []
    for t in w.prompt_terms(node):
        r = w.term_reason(t, 1)
        terms.append(RustTerm(expr=expr_str(t.expr), kind=t.kind, value=r.value or "", satisfied=r.satisfied,
                              location=t.location, reason=r))
    blockers = _ordered([t.reason for t in terms if not t.satisfied])
    value = ev.str_value(rust)
    visible = bool(ev.visibility(rust))
    if value == "y":
        summary = "Rust support is enabled (RUST=y)"
    elif visible:
        summary = "Rust support can be enabled: set RUST to y (General setup -> Rust support)"
    else:
        summary = "Rust support is hidden: " + one_line_from(blockers)
    return RustStatus(**base, defined=True, value=value, visible=visible, terms=terms, blockers=blockers,
                      entries=entries, summary=summary)


# -- text ----------------------------------------------------------------------------------


def _reason_lines(r: Reason, indent: int, out: list[str]) -> None:
    mark = "[ok]" if r.satisfied else "[--]"
    pad = "  " * indent
    line = f"{pad}{mark} {r.text}"
    if r.location:
        line += f"  ({r.location})"
    out.append(line)
    sub = pad + "       "
    if r.action:
        out.append(f"{sub}-> {r.action}")
    if r.version_check:
        vc = r.version_check
        out.append(f"{sub}version: found {vc.found}{f' ({vc.found_version})' if vc.found_version else ''}, "
                   f"needs {vc.op} {vc.needed}{f' ({vc.needed_version})' if vc.needed_version else ''}")
    if r.probe:
        p = r.probe
        out.append(f"{sub}macro:   {p.macro}")
        if p.variable and p.run_at:
            out.append(f"{sub}via:     $({p.variable}) expanded at {p.run_at}")
        if p.command:
            out.append(f"{sub}command: {p.command}")
            out.append(f"{sub}status:  {p.status}, output: {p.output!r}")
        else:
            out.append(f"{sub}value:   {p.output!r} (from make's environment)")
        if p.hint:
            out.append(f"{sub}hint:    {p.hint}")
    if r.env_hint:
        out.append(f"{sub}-> {r.env_hint}")
    if r.arches:
        for a in r.arches:
            cond = f" if {a.condition}" if a.condition else ""
            cur = "  <- this tree's ARCH" if a.current else ""
            out.append(f"{sub}arch {a.arch}{cond}  ({a.location}){cur}")
    for c in r.children:
        _reason_lines(c, indent + 1, out)


def format_reasons(reasons: list[Reason], indent: int = 0) -> str:
    out: list[str] = []
    for r in reasons:
        _reason_lines(r, indent, out)
    return "\n".join(out)


def format_explanation(e: Explanation, *, facts: bool = True) -> str:
    head = e.target
    if e.prompt:
        head += f' ({e.type + " " if e.type else ""}"{e.prompt}")'
    def shown(v: str) -> str:
        return v if v != "" else '""'

    out = [f"{head} at {e.location}", f"  value: {shown(e.value)}    wanted: {shown(e.want)}    "
           f"{'already so' if e.ok else 'not so'}", f"  {e.summary}"]
    if e.reasons:
        out.append("")
        out.append("Why:" if not e.ok else "Because:")
        out.append(format_reasons(e.reasons, 1))
    if facts and e.facts is not None:
        out.append("")
        out.append("As menuconfig's help screen shows it:")
        out += ["  " + line for line in e.facts.text().split("\n")]
    return "\n".join(out)


def format_rust_status(s: RustStatus) -> str:
    out = [f"Linux {s.version}, ARCH={s.arch}{'  LLVM=1' if s.llvm else ''}"]
    out += [f"  {k:<19} {v}" for k, v in s.toolchain.items() if v]
    out.append("")
    out.append(s.summary)
    if s.defined:
        out.append("")
        out.append("config RUST:")
        for t in s.terms:
            mark = "[ok]" if t.satisfied else "[--]"
            out.append(f"  {mark} {t.reason.text}  ({t.location})")
        if s.blockers:
            out.append("")
            out.append("Blockers:")
            out.append(format_reasons(s.blockers, 1))
    out.append("")
    out.append(f"Rust-related entries ({len(s.entries)}):")
    width = max((len(e.name) for e in s.entries), default=10)
    for e in s.entries:
        state = "shown" if e.visible else "hidden"
        shown = e.value or '""'
        line = f"  {e.name:<{width}} = {shown:<8} {state:<6}"
        if e.reason:
            line += f"  {e.reason}"
        out.append(line)
    return "\n".join(out)


__all__ = [
    "ArchProvider", "Explanation", "MenuconfigFacts", "ProbeInfo", "Reason", "Relation", "RustEntry",
    "RustStatus", "RustTerm", "VersionCheck", "decode_version", "explain", "explain_set", "format_explanation",
    "format_reasons", "format_rust_status", "one_line_reason", "parse_want", "rust_status",
]
