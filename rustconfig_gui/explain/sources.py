"""Where a condition is written and where a value comes from, recovered from
the Kconfig text.

kconfiglib keeps only the ``config`` line of an entry: the ``depends on``/
``select``/``default`` line holding a term, the ``if`` block around the entry
or around the ``source`` line that read its file, and the ``select`` lines of
every architecture are found again in the original text (read once per parsed
tree).  A value computed by a macro is traced to the ``$(shell,…)`` run that
gave it (the parse's macro trace) or to make's environment.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import Any

from kconfiglib import MenuNode, Symbol

from rustconfig_gui.explain.exprs import is_const, names_of, node_loc
from rustconfig_gui.explain.reasons import ArchProvider, ProbeInfo
from rustconfig_gui.kconfig.loader import LoadedTree
from rustconfig_gui.kconfig.shell.runner import MacroCall

# Macros whose value names the toolchain make was given rather than testing a
# feature of it: a symbol computed from them changes only with another toolchain.
_IDENTITY_MACROS = frozenset({
    "cc-name", "cc-version", "cc-info", "cc-fullversion", "as-name", "as-version", "as-info",
    "ld-name", "ld-version", "ld-info", "rustc-version", "rustc-llvm-version",
    "CC_VERSION_TEXT", "RUSTC_VERSION_TEXT", "RUSTC", "BINDGEN", "PAHOLE", "ARCH", "SRCARCH",
})
# How deep a chain of symbols is followed before it is cut (cycles end earlier)
LLVM_SYMBOLS = frozenset({"CC_IS_CLANG", "AS_IS_LLVM", "LD_IS_LLD", "CLANG_VERSION", "LLD_VERSION"})
GNU_SYMBOLS = frozenset({"CC_IS_GCC", "AS_IS_GNU", "LD_IS_BFD", "GCC_VERSION"})

_ENTRY_WORDS = frozenset({
    "config", "menuconfig", "choice", "endchoice", "comment", "menu", "endmenu", "if", "endif",
    "source", "rsource", "osource", "orsource", "mainmenu",
})
_HELP_RE = re.compile(r"^\s*(help|---help---)\s*(#.*)?$")
_DEFAULT_RE = re.compile(r"^(default|def_bool|def_tristate|def_int|def_hex|def_string)\b")
_PROMPT_RE = re.compile(r"^(bool|tristate|string|int|hex|prompt|boolean)\s+[\"']")
_WORD_RE = re.compile(r"[A-Za-z0-9_]+")
_MACRO_NAME_RE = re.compile(r"\$\(([A-Za-z0-9_-]+)")


# the if lines open at a point, innermost first: (line, the ones around it)
_IfChain = tuple[tuple[int, str], "_IfChain"] | None


class _FileText:
    """Logical lines of one Kconfig file outside help texts: (line number, stripped text)."""

    # raw lines split between two yields of :meth:`split_steps`
    STEP_LINES = 400

    def __init__(self, text: str) -> None:
        self.lines: list[tuple[int, str]] = []
        self.pos: dict[int, int] = {}
        self._open: list[_IfChain] | None = None
        for _ in self._split(text):
            pass

    @classmethod
    def split_steps(cls, text: str) -> Iterator[_FileText | None]:
        """The same file split a few hundred lines at a time: yields None between
        pieces and the finished file last (for slices of the GUI thread)."""
        f = cls("")
        yield from f._split(text)
        f._open = f._open_ifs()
        yield f

    def _split(self, text: str) -> Iterator[None]:
        raw = text.split("\n")
        count = len(raw)
        in_help = False
        help_indent = -1
        n = 0
        pause = self.STEP_LINES
        while n < count:
            if n >= pause:
                pause = n + self.STEP_LINES
                yield None
            start = n
            logical = raw[n]
            while logical.endswith("\\") and n + 1 < count:
                n += 1
                logical = logical[:-1] + raw[n]
            n += 1
            stripped = logical.strip()
            if in_help:
                if not stripped:
                    continue
                # the width of the indentation alone (tabs to 8) is that of the whole line less its text
                width = len(logical) - len(logical.lstrip())
                if "\t" in logical[:width]:
                    width = len(logical[:width].expandtabs(8))
                if help_indent < 0:
                    help_indent = width
                if width >= help_indent > 0:
                    continue
                in_help = False
            if "help" in logical and _HELP_RE.match(logical):
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
        lines = self.lines
        for j in range(i + 1, len(lines)):  # not a slice: that copies the rest of the file
            ln, text = lines[j]
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
        if self._open is None:
            self._open = self._open_ifs()
        found = []
        chain = self._open[i]
        while chain is not None:
            found.append(chain[0])
            chain = chain[1]
        return found

    def _open_ifs(self) -> list[_IfChain]:
        """For each line, the ``if`` lines still open before it (an ``endif`` closes the
        nearest open one), innermost first, as chains the lines share; one pass per file."""
        opened: list[_IfChain] = []
        chain: _IfChain = None
        for item in self.lines:
            opened.append(chain)
            w = _first_word(item[1])
            if w == "if":
                chain = (item, chain)
            elif w == "endif" and chain is not None:
                chain = chain[1]
        opened.append(chain)
        return opened


_FIRST_WORD_RE = re.compile(r"[A-Za-z_-]+")
DEPENDS_RE = re.compile(r"depends\s+on\b")
_ARCH_SELECT_RE = re.compile(r"^\s*select\s+([A-Za-z0-9_]+)(?:\s+if\s+(.*?))?\s*(?:#.*)?$")


def _first_word(text: str) -> str:
    m = _FIRST_WORD_RE.match(text)
    return m.group(0) if m else ""


def line_words(text: str) -> set[str]:
    return set(_WORD_RE.findall(text))


def line_macros(line: str) -> str:
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


def _read_text(srctree: Path, filename: str) -> str:
    try:
        return (srctree / filename).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _read(srctree: Path, filename: str) -> _FileText:
    return _FileText(_read_text(srctree, filename))


class _SourceCache:
    """Kconfig text read for locations, kept as long as the parsed tree lives."""

    def __init__(self) -> None:
        self.files: dict[str, _FileText] = {}
        self.arch_texts: list[tuple[str, str, str]] | None = None
        # select lines per symbol name, as asked for
        self.arch_scan: dict[str, list[tuple[str, str, str]]] = {}


_SOURCES: weakref.WeakKeyDictionary[Any, _SourceCache] = weakref.WeakKeyDictionary()


class KconfigSources:
    """File:line recovery and macro origins for one loaded tree."""

    def __init__(self, lt: LoadedTree) -> None:
        self.lt = lt
        self.kconf = lt.kconf
        self.srctree = Path(lt.kconf.srctree)
        cache = _SOURCES.get(lt.kconf)
        if cache is None:
            cache = _SOURCES[lt.kconf] = _SourceCache()
        self.cache = cache
        self._files = cache.files

    def file(self, filename: str) -> _FileText:
        f = self._files.get(filename)
        if f is None:
            f = self._files[filename] = _read(self.srctree, filename)
        return f

    def unread_files(self, nodes: list[MenuNode]) -> list[str]:
        """Files the locations of ``nodes`` read (each one's file and those that
        ``source`` it) that are not read yet (a file of thousands of lines takes
        ms to split): for :meth:`read_files`, e.g. on a worker."""
        out: dict[str, None] = {}
        for node in nodes:
            item = node.item
            for n in item.nodes if item.__class__ is Symbol else (node,):
                for name in (n.filename, *(f for f, _ in n.include_path)):
                    if name not in self._files:
                        out[name] = None
        return list(out)

    def read_files(self, names: list[str], stopped: Any = lambda: False) -> None:
        """Read and split ``names`` as :meth:`file` would (safe on another thread:
        each file's text is built aside and put in with one assignment)."""
        for name in names:
            if stopped():
                return
            if name not in self._files:
                f = _read(self.srctree, name)
                f._open = f._open_ifs()  # the if blocks, worked out once
                self._files[name] = f

    def read_steps(self, names: list[str]) -> Iterator[None]:
        """:meth:`read_files` in small steps, for slices of the GUI thread: a worker
        splitting files beside the GUI thread holds the GIL the GUI thread needs for
        each row it paints (a paint beside it took 35-45 ms instead of 10)."""
        for name in names:
            if name in self._files:
                continue
            done = None
            for done in _FileText.split_steps(_read_text(self.srctree, name)):
                if done is None:
                    yield None
            assert done is not None
            self._files.setdefault(name, done)
            yield None

    def entry(self, node: MenuNode) -> list[tuple[int, str]]:
        return self.file(node.filename).entry(node.linenr)

    def depends_line(self, node: MenuNode, term: Any) -> int | None:
        lines = [(ln, t) for ln, t in self.entry(node) if DEPENDS_RE.match(t)]
        if not lines:
            return None
        names = names_of(term)
        if names:
            for ln, t in lines:
                if names <= line_words(t):
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
                    return node_loc(node, ln)
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
        found = self.cache.arch_scan.get(name)
        if found is None:
            found = self.cache.arch_scan[name] = self._scan_arch(name)
        return [ArchProvider(arch=a, condition=c, location=loc, current=(a == self.lt.srcarch))
                for a, c, loc in self.cache.arch_scan.get(name, [])]

    def _arch_texts(self) -> list[tuple[str, str, str]]:
        """(path, architecture, text) of every ``arch/*/Kconfig*``, read once per parsed tree."""
        if self.cache.arch_texts is None:
            texts = []
            for path in sorted(self.srctree.glob("arch/*/Kconfig*")):
                try:
                    text = path.read_text(encoding="utf-8", errors="replace")
                except OSError:
                    continue
                texts.append((path.relative_to(self.srctree).as_posix(), path.parent.name, text))
            self.cache.arch_texts = texts
        return self.cache.arch_texts

    def _scan_arch(self, name: str) -> list[tuple[str, str, str]]:
        """The select lines of ``name``: only the lines where the name occurs are matched."""
        out: list[tuple[str, str, str]] = []
        if not name:
            return out
        for rel, arch, text in self._arch_texts():
            line, counted = 1, 0
            at = text.find(name)
            while at >= 0:
                start = text.rfind("\n", 0, at) + 1
                end = text.find("\n", at)
                if end < 0:
                    end = len(text)
                m = _ARCH_SELECT_RE.match(text[start:end])
                if m and m.group(1) == name:
                    line += text.count("\n", counted, start)
                    counted = start
                    out.append((arch, (m.group(2) or "").strip(), f"{rel}:{line}"))
                at = text.find(name, end)
        return out

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
        macro = line_macros(src)
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
            matching = [c for c in calls if c.output == sym.name] if is_const(sym) else []
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
        if identity or sym.name in LLVM_SYMBOLS or sym.name in GNU_SYMBOLS:
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

    def env_hint(self, sym: Symbol, want_up: bool | None, macros: AbstractSet[str] = frozenset()) -> str:
        env = self.lt.env.variables
        name = sym.name
        if macros & {"ARCH", "SRCARCH"}:
            return f"comes from the architecture: load with another --arch (now ARCH={self.lt.arch})"
        if name in LLVM_SYMBOLS or name in GNU_SYMBOLS:
            llvm_wanted = (name in LLVM_SYMBOLS) == (want_up is not False)
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
