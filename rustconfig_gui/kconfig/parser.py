"""Parsing current kernel Kconfig trees with kconfiglib 14.1.0.

:class:`KernelKconfig` is kconfiglib's parser with a few of its private
methods overridden: every file it reads goes through the translation of
:mod:`rustconfig_gui.kconfig.rewrite` (the constructs that appeared after its
last release, line for line), every ``$(shell,…)`` probe runs through
:class:`~rustconfig_gui.kconfig.shell.runner.ShellProbes` and is recorded, and
default values that are one macro are bound after parsing (late values).

Each load has its own environment (what the tree's make exports to ``conf``),
reports progress and can be cancelled.  Nothing here touches ``os.environ`` or
the working directory, so loads can run in a worker thread.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import io
import os
import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from glob import has_magic, iglob
from os.path import realpath
from typing import Any

import kconfiglib

from rustconfig_gui.errors import KconfigSyntaxError, LoadCancelled
from rustconfig_gui.kconfig.rewrite import (
    LATE_NAME,
    LateValue,
    Rewrites,
    is_late_value_line,
    rewrite_conditional_depends,
    translate_kconfig_text,
)
from rustconfig_gui.kconfig.shell.cache import ProbeCache
from rustconfig_gui.kconfig.shell.lookahead import (
    ProbeLookahead,
    prompt_thread_switches,
    read_kconfig_file,
    start_lookahead,
)
from rustconfig_gui.kconfig.shell.pool import NEEDED_AFTER_PARSE, NEEDED_DURING_PARSE
from rustconfig_gui.kconfig.shell.runner import MacroCall, MacroTrace, ProbeOutcome, ShellProbes
from rustconfig_gui.kconfig.tokencache import TokenCache

# moved to rewrite and shell.runner; still importable from here
__all__ = [
    "KernelKconfig", "LateBindingFailed", "Progress", "TRANSIENT", "slot_names", "srctree_prefix",
    "LateValue", "Rewrites", "rewrite_conditional_depends", "translate_kconfig_text",
    "MacroCall", "MacroTrace", "ProbeOutcome", "ShellProbes",
]

Progress = Callable[[int, int], None]  # (files parsed, probes run)


_DEFERRED_MARK = "\x01rustconfig-deferred-"


def _deferred_token(i: int) -> str:
    return f"{_DEFERRED_MARK}{i}\x01"


class LateBindingFailed(Exception):
    """A late value cannot be bound: the tree is parsed without late values."""


_SIMPLE_ASSIGN_RE = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*:=\s*(.*)")  # as kconfiglib: the value ends at the newline


# Attributes that belong to one load, not to the parse (left out of a pickled parse).
TRANSIENT = frozenset({"_rc_lookahead", "_rc_read_ahead", "_rc_progress", "_rc_cancelled", "_rc_shell",
                       "_rc_env", "_rc_source_lines", "_rc_assignments", "_rc_var_refs", "_rc_deferred",
                        "trace", "_readline", "_filestack", "_tokens", "_line", "_include_path"})


# the files the lookahead of the parse running in this thread has read (see _source_glob)
_parsing = threading.local()


def _source_glob(pattern: str) -> Iterator[str]:
    """kconfiglib's glob of a ``source`` line's path: a path without wildcards
    that the lookahead has just read exists, and is not looked up again (an
    lstat per file, and a wait for the interpreter after it); anything else,
    and every other thread, is ``glob.iglob``."""
    known = getattr(_parsing, "read_ahead", None)
    if known is not None and pattern in known and not has_magic(pattern):
        return iter((pattern,))
    return iglob(pattern)


kconfiglib.iglob = _source_glob  # type: ignore[attr-defined]


class KernelKconfig(TokenCache, kconfiglib.Kconfig):
    """kconfiglib's parser, fed through the translation above, for one tree.

    ``srctree`` and the preprocessor's environment come from ``env`` (what the
    tree's make exports), not from this process.
    """

    # kconfiglib's attributes used here (kconfiglib has no type information)
    warnings: list[str]
    unique_defined_syms: list[kconfiglib.Symbol]
    filename: str | None
    linenr: int
    # this class's own, set outside __init__
    _rc_source_lines: dict[str, list[str] | str]  # a file's text until a line of it is asked for
    _rc_deferred: list[tuple[str, str, int, str]] | None

    def __init__(self, srctree: str, env: dict[str, str], *, cwd: str | None = None,
                 progress: Progress | None = None, cancelled: Callable[[], bool] | None = None,
                 probe_timeout: float = 120.0, probe_cache: ProbeCache | None = None,
                 late_defaults: bool = True, probes: ShellProbes | None = None,
                 lookahead: bool = True) -> None:
        self._rc_srctree = srctree
        self._rc_cwd = cwd or srctree
        self._rc_files = 0
        # (size, mtime_ns) of every Kconfig file read, by path relative to srctree
        self.file_stamps: dict[str, tuple[int, int]] = {}
        self.rewrites = Rewrites()
        self.late_values: list[LateValue] | None = [] if late_defaults else None
        # ":=" assignments that ran a probe: (name, right-hand side, file, line, trace slice)
        self._rc_assignments: list[tuple[str, str, str, int, int, int]] = []
        shell = probes
        own_shell = shell is None
        if shell is None:
            shell = ShellProbes(env, self._rc_cwd, srctree, cache=probe_cache, timeout=probe_timeout,
                                cancelled=cancelled)
        self._rc_attach(shell, progress, MacroTrace())
        try:
            self._parse_with_lookahead(srctree, env, shell, lookahead)
        except BaseException:
            if own_shell:
                shell.close(abandon=True)
            raise
        try:
            self._after_parse()
        finally:
            if own_shell:
                shell.close()

    def _parse_with_lookahead(self, srctree: str, env: dict[str, str], shell: ShellProbes,
                              lookahead: bool) -> None:
        parsed = threading.Event()
        self._rc_read_ahead: dict[str, tuple[bytes, int, int]] = {}
        late = self.late_values is not None

        def start(command: str, line: str) -> Future[ProbeOutcome]:
            # a late value's probe is needed only once the parse is done
            return shell.start(command, NEEDED_AFTER_PARSE if late and is_late_value_line(line)
                               else NEEDED_DURING_PARSE)

        ahead = ProbeLookahead(srctree, env, start, lambda: parsed.is_set() or shell.stopping(),
                               self._rc_read_ahead)
        thread = start_lookahead(ahead) if lookahead else None
        self._rc_tokens = {}
        _parsing.read_ahead = self._rc_read_ahead
        try:
            with prompt_thread_switches() if thread is not None else contextlib.nullcontext():
                super().__init__("Kconfig", warn=True, warn_to_stderr=False, encoding="utf-8")
        except kconfiglib.KconfigError as e:
            raise _syntax_error(str(e)) from None
        except OSError as e:
            # kconfiglib's message already names the sourcing file:line
            raise _syntax_error(str(e)) from None
        finally:
            _parsing.read_ahead = None
            parsed.set()
            del self._rc_tokens  # (the class says None)
            if thread is not None:
                thread.join()
            self._rc_read_ahead = {}
        self._rc_lookahead = ahead

    def _after_parse(self) -> None:
        # what the parse itself read (late values read more when bound)
        self.parse_env_vars = frozenset(self.env_vars)
        self.parse_calls = len(self.trace.calls)
        # probes of ":=" variables used only in late values: not inputs of the parse
        self.late_assignments = [a[:4] for a in self._rc_assignments if a[0] not in self._rc_var_refs]
        self.late_only_calls = frozenset(i for a in self._rc_assignments if a[0] not in self._rc_var_refs
                                         for i in range(a[4], a[5]))
        self._find_late_sites()
        # kconfiglib checked the placeholders; its warnings about the real values come with binding
        self._rc_parse_warnings = [w for w in self.warnings if LATE_NAME not in w]
        self.bind_late(rerun_assignments=False)
        # the text was needed for the trace; later lookups read the file
        self._rc_source_lines = {}
        self.transitional_syms = frozenset(self._transitional_symbols())
        self._share_empty_containers()

    def _share_empty_containers(self) -> None:
        """kconfiglib gives every symbol, choice and menu node its own lists of
        defaults, selects, implies, ranges (and nodes) and a ``_dependents``
        set, most of them empty and none written to after parsing: tuples
        (the empty one shared) save ~15 MB per tree, and two trees are alive
        while one replaces the other."""
        empty = ()
        for items in (self.syms.values(), self.const_syms.values()):
            for sym in items:  # spelled out, not getattr/setattr by name: this runs for every symbol
                if not sym.nodes:
                    sym.nodes = empty
                if not sym.defaults:
                    sym.defaults = empty
                if not sym.selects:
                    sym.selects = empty
                if not sym.implies:
                    sym.implies = empty
                if not sym.ranges:
                    sym.ranges = empty
                # only ever iterated from now on (kconfiglib's invalidation)
                dependents = sym._dependents
                sym._dependents = tuple(dependents) if dependents else empty
        for choice in self.choices:  # a choice has no selects, implies or ranges
            if not choice.nodes:
                choice.nodes = empty
            if not choice.defaults:
                choice.defaults = empty
            dependents = choice._dependents
            choice._dependents = tuple(dependents) if dependents else empty
        stack = [self.top_node]  # every menu node (_menu_nodes)
        while stack:
            node = stack.pop()
            if not node.defaults:
                node.defaults = empty
            if not node.selects:
                node.selects = empty
            if not node.implies:
                node.implies = empty
            if not node.ranges:
                node.ranges = empty
            if node.next is not None:
                stack.append(node.next)
            if node.list is not None:
                stack.append(node.list)

    # -- late-bound default values (LateValue) ------------------------------------------

    def _parse_assignment(self, s: str) -> None:
        before = len(self.trace.calls)
        super()._parse_assignment(s)  # type: ignore[misc]
        m = _SIMPLE_ASSIGN_RE.match(s)
        if m and len(self.trace.calls) > before:
            self._rc_assignments.append((m.group(1), m.group(2), self._rel(self.filename or ""), self.linenr,
                                         before, len(self.trace.calls)))

    def _find_late_sites(self) -> None:
        if not self.late_values:
            return
        by_name = {lv.placeholder: lv for lv in self.late_values}
        for sym in self.unique_defined_syms:
            for owner in (sym, *sym.nodes):
                for i, entry in enumerate(owner.defaults):
                    lv = by_name.get(entry[0].name) if entry[0].__class__ is kconfiglib.Symbol else None
                    if lv is not None and entry[0].name.startswith(LATE_NAME):
                        lv.sites.append((owner, i, entry))
        unplaced = [lv for lv in self.late_values if not lv.sites]
        if unplaced:
            raise LateBindingFailed(f"{unplaced[0].filename}:{unplaced[0].line}: placeholder not found")

    def bind_late(self, rerun_assignments: bool) -> None:
        """Put the expansions of the late values in place of their placeholders.

        After a stored parse was read, ``rerun_assignments`` first re-runs the
        ``:=`` probes that only late values use (the stored values may be stale).
        Raises :class:`LateBindingFailed` when a value expands to blank (the parser
        reports that as an error at its line)."""
        if not self.late_values:
            return
        where = self.filename, self.linenr
        self._parsing_kconfigs = True  # symbols first named here are registered as the parser would
        try:
            if rerun_assignments:
                for name, rhs, filename, line in self.late_assignments:
                    self.filename, self.linenr = filename, line
                    self.variables[name].value = self._expand_whole(rhs, ())  # type: ignore[attr-defined]
            values = self._expand_late_values()
            for lv, value in zip(self.late_values, values):
                if lv.quoted:
                    target = self._lookup_const_sym(value)  # type: ignore[attr-defined]
                else:
                    # kconfiglib reads a macro in a symbol's place as one name, whatever it prints
                    if not value.strip():
                        raise LateBindingFailed(f"{lv.filename}:{lv.line}: a macro expanded to blank")
                    target = self.const_syms[value] if value in ("n", "m", "y") else \
                        self._lookup_sym(value)  # type: ignore[attr-defined]
                for owner, i, entry in lv.sites:
                    owner.defaults[i] = (target, entry[1])
            self._check_bound_values()
        finally:
            self._parsing_kconfigs = False
            self.filename, self.linenr = where

    def _expand_late_values(self) -> list[str]:
        """Every late value's expansion.  A value that is the output of one probe
        is not waited for: those probes (most are ``$(cc-option,…)``) then run
        side by side (through the probe cache), not one after another."""
        deferred: list[tuple[str, str, int, str]] = []
        values: list[str] = []
        for lv in self.late_values or ():
            self.filename, self.linenr = lv.filename, lv.line
            mark, calls = len(deferred), len(self.trace.calls)
            self._rc_deferred = deferred
            try:
                value = self._expand_whole(lv.text, ())  # type: ignore[attr-defined]
            finally:
                self._rc_deferred = None
            if len(deferred) > mark and (len(deferred) - mark > 1 or value != _deferred_token(mark)):
                # the output is used, not just returned: evaluate this value as usual
                del deferred[mark:]
                del self.trace.calls[calls:]
                value = self._expand_whole(lv.text, ())  # type: ignore[attr-defined]
            values.append(value)
        if deferred:
            ran = self._rc_shell.run_many(deferred)
            done = iter(ran)
            self.trace.calls = [next(done) if c is None else c for c in self.trace.calls]
            if self._rc_progress:
                self._rc_progress(self._rc_files, len(self.trace.calls))
            outputs = {_deferred_token(i): c.output for i, c in enumerate(ran)}
            values = [outputs.get(v, v) for v in values]
        return values

    def _check_bound_values(self) -> None:
        """kconfiglib's own sanity warnings (a non-int default of an int…) for the
        symbols that have late values, as they would be after an ordinary parse."""
        owners = list(dict.fromkeys(o if o.__class__ is kconfiglib.Symbol else o.item
                                    for lv in self.late_values or () for o, _, _ in lv.sites))
        every = self.unique_defined_syms
        self.warnings = []
        self.unique_defined_syms = owners
        try:
            self._check_sym_sanity()  # type: ignore[attr-defined]
        finally:
            self.unique_defined_syms = every
        self.warnings = self._rc_parse_warnings + self.warnings

    def _rc_attach(self, shell: ShellProbes, progress: Progress | None, trace: MacroTrace) -> None:
        """Bind this parse to one load: its environment, probes, progress and trace."""
        self._rc_shell = shell
        self._rc_env = shell.env
        self._rc_cancelled = shell.cancelled
        self._rc_progress = progress
        self.trace = trace
        self._rc_source_lines = {}
        self._rc_var_refs: set[str] = set()  # preprocessor variables the parse used

    # kconfiglib takes $srctree from os.environ; a load carries its own.
    @property  # type: ignore[override]
    def srctree(self) -> str:
        return self._rc_srctree

    @srctree.setter
    def srctree(self, _value: str) -> None:
        pass

    # kconfiglib fills _functions in _init(); keep ours for 'shell'.
    @property  # type: ignore[override]
    def _functions(self) -> dict[str, Any]:
        return self.__dict__["_rc_functions"]

    @_functions.setter
    def _functions(self, value: dict[str, Any]) -> None:
        value = dict(value)
        value["shell"] = (_traced_shell, 1, 1)
        self.__dict__["_rc_functions"] = value

    def _fn_val(self, args: list[str]) -> str:
        fn = args[0]
        if fn in self.variables:
            self._rc_var_refs.add(fn)
        if fn in self.variables or fn in self._functions:
            return super()._fn_val(args)  # type: ignore[misc]
        if fn in self._rc_env:
            self.env_vars.add(fn)
            return self._rc_env[fn]
        return ""

    def _open(self, filename: str, mode: str) -> Any:
        if not self._parsing_kconfigs or "r" not in mode:
            return super()._open(filename, mode)  # type: ignore[misc]
        if self._rc_cancelled():
            raise LoadCancelled()
        rel = self._rel(filename)
        ahead = self._rc_read_ahead.pop(filename, None)
        if ahead is not None:
            data, size, mtime_ns = ahead  # the lookahead read it already
        else:
            data, size, mtime_ns = read_kconfig_file(filename)
        self.file_stamps[rel] = (size, mtime_ns)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            line = data.count(b"\n", 0, e.start) + 1
            raise KconfigSyntaxError("the file is not valid UTF-8", rel, line) from None
        self._rc_source_lines[rel] = text  # split into lines when one is asked for
        new = translate_kconfig_text(text, rel, self.rewrites, self.late_values)
        self._rc_files += 1
        if self._rc_progress:
            self._rc_progress(self._rc_files, len(self.trace.calls))
        return io.StringIO(new)

    def _rel(self, filename: str) -> str:
        return relative_to(filename, self._rc_srctree) if os.path.isabs(filename) else filename

    def _parse_block(self, end_token: Any, parent: Any, prev: Any) -> Any:
        if end_token is None:
            return super()._parse_block(end_token, parent, prev)  # type: ignore[misc]
        # an 'if' node keeps no location: where its block starts is where it is
        where = (getattr(parent, "filename", None) or self.filename,
                 getattr(parent, "linenr", None) or self.linenr)
        try:
            return super()._parse_block(end_token, parent, prev)  # type: ignore[misc]
        except kconfiglib.KconfigError as e:
            m = _UNCLOSED_RE.match(str(e))
            if not m:
                raise
            # kconfiglib names only the file; the C parser names the open entry's line
            rel = self._rel(where[0] or "")
            opener = m.group(1)[3:]
            raise KconfigSyntaxError(f"this '{opener}' has no '{m.group(1)}' before the end of the file",
                                     rel, where[1]) from None

    def source_line(self, filename: str, line: int) -> str:
        """The original text of a Kconfig line (before translation)."""
        lines = self._rc_source_lines.get(filename)
        if isinstance(lines, str):
            lines = self._rc_source_lines[filename] = lines.split("\n")
        if lines is None:
            try:
                with open(os.path.join(self._rc_srctree, filename), encoding="utf-8", errors="replace") as f:
                    lines = f.read().split("\n")
            except OSError:
                lines = []
            self._rc_source_lines[filename] = lines
        if 0 < line <= len(lines):
            return lines[line - 1]
        return ""

    def _transitional_symbols(self) -> set[kconfiglib.Symbol]:
        """Symbols whose definition carried the ``transitional`` attribute."""
        if not self.rewrites.transitional:
            return set()
        files = {f for f, _ in self.rewrites.transitional}
        by_file: dict[str, list[tuple[int, kconfiglib.Symbol]]] = {}
        for sym in self.unique_defined_syms:
            for node in sym.nodes:
                if node.filename in files:
                    by_file.setdefault(node.filename, []).append((node.linenr, sym))
        for entries in by_file.values():
            entries.sort(key=lambda e: e[0])
        found: set[kconfiglib.Symbol] = set()
        for filename, line in self.rewrites.transitional:
            entries = by_file.get(filename, [])
            i = bisect.bisect_left([e[0] for e in entries], line) - 1
            if i < 0:
                raise KconfigSyntaxError("'transitional' outside a config entry", filename, line)
            found.add(entries[i][1])
        return found

    def all_objects(self) -> list[Any]:
        """Every kconfiglib object of this parse (symbols, choices, variables,
        menu nodes), this Kconfig first."""
        seen: set[int] = set()
        out: list[Any] = []

        def add(items: Any) -> None:
            for o in items:
                if id(o) not in seen:
                    seen.add(id(o))
                    out.append(o)

        add([self])
        add(self.syms.values())
        add(self.const_syms.values())
        add(self.choices)
        add(self.variables.values())
        add(_menu_nodes(self.top_node))
        return out

    @property
    def files_parsed(self) -> int:
        return self._rc_files

    def run_probe(self, command: str) -> str:
        rel = self._rel(self.filename or "")
        deferred = getattr(self, "_rc_deferred", None)
        if deferred is not None:
            # not run yet (nor looked up): _expand_late_values runs them side by side
            deferred.append((command, rel, self.linenr, self.source_line(rel, self.linenr)))
            if _DEFERRED_MARK in command:
                return ""  # another probe's output feeds this one: evaluated as usual instead
            self.trace.calls.append(None)  # type: ignore[arg-type]  # its place in the trace
            return _deferred_token(len(deferred) - 1)
        call = self._rc_shell.run(command, rel, self.linenr, self.source_line(rel, self.linenr))
        self.trace.calls.append(call)
        if self._rc_progress:
            self._rc_progress(self._rc_files, len(self.trace.calls))
        return call.output


_SLOT_NAMES: dict[type, tuple[str, ...]] = {}


def slot_names(cls: type) -> tuple[str, ...]:
    """Every ``__slots__`` attribute of ``cls`` and its bases (kconfiglib's objects have no ``__dict__``)."""
    found = _SLOT_NAMES.get(cls)
    if found is not None:
        return found
    names: list[str] = []
    for klass in cls.__mro__:
        declared = klass.__dict__.get("__slots__", ())
        for name in (declared,) if isinstance(declared, str) else declared:
            if name not in ("__dict__", "__weakref__") and name not in names:
                names.append(name)
    found = _SLOT_NAMES[cls] = tuple(names)
    return found




def _menu_nodes(top: Any) -> Iterator[Any]:
    stack = [top]
    while stack:
        node = stack.pop()
        yield node
        if node.next is not None:
            stack.append(node.next)
        if node.list is not None:
            stack.append(node.list)


def _traced_shell(kconf: KernelKconfig, _name: str, command: str) -> str:
    return kconf.run_probe(command)


_UNCLOSED_RE = re.compile(r"^error: expected '(endif|endmenu|endchoice)' at end of ")
_LOC_RE = re.compile(r"^(?P<file>[^\s:][^:]*):(?P<line>\d+): (?:error: )?(?P<msg>.*)$", re.S)


def _syntax_error(text: str) -> KconfigSyntaxError:
    text = text.strip()
    m = _LOC_RE.match(text)
    if m:
        # one line: kconfiglib appends an include path on lines of its own
        msg = " ".join(m.group("msg").split())
        return KconfigSyntaxError(msg, m.group("file"), int(m.group("line")))
    return KconfigSyntaxError(text)


def relative_to(path: str, root: str) -> str:
    """``os.path.relpath(path, root)``, quicker for a plain path below a plain root (each file
    the parser opens: relpath normalizes both, in Python, ~10 µs)."""
    n = len(root)
    rest = path[n + 1:]
    if (rest and path[n:n + 1] == os.sep and path.startswith(root) and _is_plain_dir(root)
            and "//" not in rest and "/." not in rest and rest[0] not in "./" and rest[-1] != "/"):
        return rest  # nothing to normalize: relpath keeps it as it is
    return os.path.relpath(path, root)


@functools.lru_cache(maxsize=32)
def _is_plain_dir(path: str) -> bool:
    return os.sep == "/" and os.path.isabs(path) and os.path.normpath(path) == path and path != "/"


def srctree_prefix(path: str) -> str:
    return realpath(path) + os.sep
