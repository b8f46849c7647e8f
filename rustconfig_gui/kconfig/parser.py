"""Parsing current kernel Kconfig trees with kconfiglib 14.1.0.

kconfiglib reads every Kconfig file through ``Kconfig._open``; this module
overrides it to translate the few constructs that appeared after its last
release into equivalent forms it understands, line for line (so every
file:line it reports stays true):

* a bare ``modules`` attribute (5.13+) becomes ``option modules``;
* ``transitional`` (6.18+) is removed from the text and remembered, so the
  symbol can be marked once parsing is done;
* ``depends on X if Y`` (7.0+) becomes ``depends on (X) || <Y = n>``, with
  ``Y = n`` spelled out the way ``expr_trans_compare`` of the C tool builds it.

It also gives each load its own environment (what the tree's make exports
to ``conf``), records every ``$(shell,…)`` probe, reports progress and can
be cancelled.  Nothing here touches ``os.environ`` or the working directory,
so loads can run in a worker thread.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import io
import os
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from os.path import realpath
from typing import Any

import kconfiglib

from rustconfig_gui.errors import KconfigSyntaxError, LoadCancelled, ProbeTimeout
from rustconfig_gui.host import process
from rustconfig_gui.kconfig.shell.cache import CachedResult, ProbeCache
from rustconfig_gui.kconfig.shell.lookahead import (
    ProbeLookahead,
    in_help_text,
    prompt_thread_switches,
    start_lookahead,
)
from rustconfig_gui.kconfig.shell.pool import NEEDED_AFTER_PARSE, NEEDED_DURING_PARSE, ProbePool


@dataclass
class MacroCall:
    """One ``$(shell,…)`` run during parsing."""

    command: str
    filename: str
    line: int
    output: str
    status: int
    seconds: float
    stderr: str = ""
    source_line: str = ""
    # the result came from the probe cache (``seconds`` is then the lookup time)
    cached: bool = False

    @property
    def location(self) -> str:
        return f"{self.filename}:{self.line}"


@dataclass
class MacroTrace:
    calls: list[MacroCall] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return sum(c.seconds for c in self.calls)

    def at(self, filename: str, line: int) -> list[MacroCall]:
        return [c for c in self.calls if c.filename == filename and c.line == line]


Progress = Callable[[int, int], None]  # (files parsed, probes run)

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
_LATE_NAME = "RCG_LATE_VALUE_"


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


def _is_late_value_line(line: str) -> bool:
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
    # logical line -> its first physical line
    starts: Sequence[int] = _logical_starts(text.split("\n")) if joined is not text else range(1 << 62)
    # only lines the regex finds can change: the rest is not looked at
    lines: list[str] | None = None
    changes: dict[int, str] = {}
    n, counted_to = 0, 0
    for m in _TRANSLATE_RE.finditer("\n" + joined):
        n += joined.count("\n", counted_to, m.start())
        counted_to = m.start()
        if lines is None:
            lines = joined.split("\n")
        if in_help_text(lines, n, _HELP_RE):
            continue
        new = _rewrite_line(lines[n], filename, starts[n] + 1, rewrites, late,
                            functools.partial(_in_config, lines, n))
        if new is not None:
            changes[n] = new
    if not changes:
        return text
    physical = text.split("\n")
    for n, new in changes.items():
        # the rewritten line in its first physical line, the lines joined to it left blank
        start = starts[n]
        end = min(starts[n + 1], len(physical)) if n + 1 < len(starts) else len(physical)
        physical[start:end] = [new] + [""] * (end - start - 1)
    return "\n".join(physical)


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
            name = f"{_LATE_NAME}{len(late)}"
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


@dataclass(frozen=True)
class ProbeOutcome:
    """What one probe printed and returned."""

    stdout: bytes
    stderr: bytes
    returncode: int
    seconds: float
    cached: bool = False

    @property
    def output(self) -> str:
        """The text ``$(shell,…)`` expands to: as do_shell() in preprocess.c,
        newlines become spaces, trailing ones go."""
        text = self.stdout.decode("utf-8", "replace")
        return "\n".join(text.splitlines()).rstrip("\n").replace("\n", " ")


def _default_width() -> int:
    return max(2, min(8, 2 * (os.cpu_count() or 1)))


class ShellProbes:
    """Runs ``$(shell,…)`` commands as conf would, through the probe cache.

    Each command runs once per load.  Commands can be started ahead of need
    (``start``: the lookahead, late values), up to ``width`` at a time, each a
    child process; ``run`` waits for a started one, or runs it at once.
    ``close`` ends the load's probing.  Shared by the parser and by the parse
    cache, which re-checks a cached parse's probes before trusting it.
    """

    def __init__(self, env: dict[str, str], cwd: str, srctree: str, *,
                 cache: ProbeCache | None = None, timeout: float = 120.0,
                 cancelled: Callable[[], bool] | None = None, width: int | None = None) -> None:
        self.env, self.cwd, self.srctree = env, cwd, srctree
        self.cache = cache
        self.timeout = timeout
        self.cancelled = cancelled or (lambda: False)
        self.width = width or _default_width()
        self._lock = threading.Lock()
        self._runs: dict[str, Future[ProbeOutcome]] = {}
        self._pool: ProbePool | None = None
        self._closed = False
        self._abandoned = False
        # every command a child process was started for, in order
        self.processes: list[str] = []

    def stopping(self) -> bool:
        return self._abandoned or self.cancelled()

    def start(self, command: str, priority: int = NEEDED_DURING_PARSE) -> Future[ProbeOutcome]:
        """``command``'s run, started in the background unless it was started
        already; lower ``priority`` runs first."""
        with self._lock:
            future = self._runs.get(command)
            if future is not None:
                return future
            if not self._closed:
                if self._pool is None:
                    self._pool = ProbePool(self.width)
                future = self._pool.submit(priority, functools.partial(self._execute, command))
                self._runs[command] = future
                return future
            future = self._runs[command] = Future()
            future.set_running_or_notify_cancel()
        self._run_into(future, command)
        return future

    def run_many(self, probes: list[tuple[str, str, int, str]]) -> list[MacroCall]:
        """Independent probes side by side (each a child process; threads only wait)."""
        for command, *_ in probes[1:]:
            self.start(command)
        return [self.run(*p) for p in probes]

    def run(self, command: str, filename: str, line: int, source_line: str = "") -> MacroCall:
        if self.cancelled():
            raise LoadCancelled()
        with self._lock:
            future = self._runs.get(command)
            if future is None:
                future = self._runs[command] = Future()
                mine = future.set_running_or_notify_cancel()
            else:
                # started ahead but still queued: run it now rather than wait for its turn
                mine = self._pool is not None and self._pool.claim(future)
        if mine:
            self._run_into(future, command)
        try:
            outcome = future.result()
        except process.Cancelled:
            raise LoadCancelled() from None
        except process.Timeout:
            raise ProbeTimeout(
                f"{filename}:{line}: the probe '{command}' did not finish in "
                f"{self.timeout:.0f} s and was killed with its child processes."
            ) from None
        return _call(command, filename, line, source_line, outcome)

    def close(self, *, abandon: bool = False) -> None:
        """End this load's probing: probes still queued are dropped; running
        ones finish, or with ``abandon`` (the load failed) are killed."""
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if abandon:
            self._abandoned = True
        if pool is not None:
            pool.shutdown()

    def _run_into(self, future: Future[ProbeOutcome], command: str) -> None:
        try:
            future.set_result(self._execute(command))
        except BaseException as e:  # noqa: BLE001 - handed to whoever waits for it
            future.set_exception(e)

    def _execute(self, command: str) -> ProbeOutcome:
        if self.stopping():
            raise process.Cancelled()
        t0 = time.monotonic()
        cache = self.cache
        key = cache.key(command, self.env, self.cwd, self.srctree) if cache else None
        hit = cache.get(key) if cache and key else None
        if hit is not None:
            return ProbeOutcome(hit.stdout, hit.stderr, hit.returncode, time.monotonic() - t0, cached=True)
        self.processes.append(command)
        done = process.run(command, shell=True, env=self.env, cwd=self.cwd,
                           timeout=self.timeout, cancelled=self.stopping)
        if cache and key:
            cache.put(key, CachedResult(done.stdout, done.stderr, done.returncode, done.seconds))
        return ProbeOutcome(done.stdout, done.stderr, done.returncode, done.seconds)


def _call(command: str, filename: str, line: int, source_line: str, outcome: ProbeOutcome) -> MacroCall:
    return MacroCall(command=command, filename=filename, line=line, output=outcome.output,
                     status=outcome.returncode, seconds=outcome.seconds,
                     stderr=outcome.stderr.decode("utf-8", "replace"),
                     source_line=source_line.strip(), cached=outcome.cached)


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


class KernelKconfig(kconfiglib.Kconfig):
    """kconfiglib's parser, fed through the translation above, for one tree.

    ``srctree`` and the preprocessor's environment come from ``env`` (what the
    tree's make exports), not from this process.
    """

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
            return shell.start(command, NEEDED_AFTER_PARSE if late and _is_late_value_line(line)
                               else NEEDED_DURING_PARSE)

        ahead = ProbeLookahead(srctree, env, start, lambda: parsed.is_set() or shell.stopping(),
                               self._rc_read_ahead)
        thread = start_lookahead(ahead) if lookahead else None
        try:
            with prompt_thread_switches() if thread is not None else contextlib.nullcontext():
                super().__init__("Kconfig", warn=True, warn_to_stderr=False, encoding="utf-8")
        except kconfiglib.KconfigError as e:
            raise _syntax_error(str(e)) from None
        except OSError as e:
            # kconfiglib's message already names the sourcing file:line
            raise _syntax_error(str(e)) from None
        finally:
            parsed.set()
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
        self._rc_parse_warnings = [w for w in self.warnings if _LATE_NAME not in w]
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
        items = [*self.syms.values(), *self.const_syms.values(), *self.choices]
        for item in items:
            for name in _ITEM_LISTS:
                if not getattr(item, name, True):
                    setattr(item, name, ())
            # only ever iterated from now on (kconfiglib's invalidation)
            item._dependents = tuple(item._dependents) if item._dependents else ()
        for node in _menu_nodes(self.top_node):
            for name in _NODE_LISTS:
                if not getattr(node, name):
                    setattr(node, name, ())

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
                    if lv is not None and entry[0].name.startswith(_LATE_NAME):
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
            calls = self._rc_shell.run_many(deferred)
            done = iter(calls)
            self.trace.calls = [next(done) if c is None else c for c in self.trace.calls]
            if self._rc_progress:
                self._rc_progress(self._rc_files, len(self.trace.calls))
            outputs = {_deferred_token(i): c.output for i, c in enumerate(calls)}
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
        self._rc_source_lines: dict[str, list[str]] = {}
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
            with open(filename, "rb") as f:
                st = os.fstat(f.fileno())
                data = f.read()
            size, mtime_ns = st.st_size, st.st_mtime_ns
        self.file_stamps[rel] = (size, mtime_ns)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            line = data.count(b"\n", 0, e.start) + 1
            raise KconfigSyntaxError("the file is not valid UTF-8", rel, line) from None
        self._rc_source_lines[rel] = text.split("\n")
        new = translate_kconfig_text(text, rel, self.rewrites, self.late_values)
        self._rc_files += 1
        if self._rc_progress:
            self._rc_progress(self._rc_files, len(self.trace.calls))
        return io.StringIO(new)

    def _rel(self, filename: str) -> str:
        return os.path.relpath(filename, self._rc_srctree) if os.path.isabs(filename) else filename

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


@functools.cache
def slot_names(cls: type) -> tuple[str, ...]:
    """Every ``__slots__`` attribute of ``cls`` and its bases (kconfiglib's objects have no ``__dict__``)."""
    names: list[str] = []
    for klass in cls.__mro__:
        declared = klass.__dict__.get("__slots__", ())
        for name in (declared,) if isinstance(declared, str) else declared:
            if name not in ("__dict__", "__weakref__") and name not in names:
                names.append(name)
    return tuple(names)


_ITEM_LISTS = ("nodes", "defaults", "selects", "implies", "ranges")
_NODE_LISTS = ("defaults", "selects", "implies", "ranges")


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


def srctree_prefix(path: str) -> str:
    return realpath(path) + os.sep
