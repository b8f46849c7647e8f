"""Starting a tree's probes before the parser reaches them.

conf, and kconfiglib, run every ``$(shell,…)`` when the line that holds it is
parsed, one after another, so a load costs the parse plus every compiler
probe in a row.  :class:`ProbeLookahead` reads the same Kconfig files in a
thread of its own, ahead of the parser, expands the same macros with
kconfiglib's own preprocessor code and starts each probe it finds; the parser
then finds most results ready (``ShellProbes`` runs each command once per
load).  Only lines that can start a probe are looked at: ``source`` lines,
preprocessor assignments and lines with ``$(``; help texts are skipped as the
parser skips them.

A probe whose command needs another probe's output is started only when that
output is known (``:=`` assignments and ``source`` paths wait for it; other
lines do not), so the lookahead starts exactly the commands the parser runs.
Any surprise (a file it cannot read, a line kconfiglib would reject) ends the
lookahead quietly: the parser itself reports it.
"""

from __future__ import annotations

import contextlib
import copy
import os
import re
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from glob import has_magic, iglob
from os.path import dirname, join
from typing import Any

import kconfiglib

# the parts of kconfiglib's preprocessor and tokenizer reused on our own object
_command_match = kconfiglib._command_match  # type: ignore[attr-defined]
_get_keyword = kconfiglib._get_keyword  # type: ignore[attr-defined]
_T_HELP = kconfiglib._T_HELP  # type: ignore[attr-defined]
_SOURCE_TOKENS = kconfiglib._SOURCE_TOKENS  # type: ignore[attr-defined]
_REL_SOURCE_TOKENS = kconfiglib._REL_SOURCE_TOKENS  # type: ignore[attr-defined]

# a probe output not known yet; a command built from it is never started
PENDING = "\x02rustconfig-pending\x02"

# lines that decide what is read next (found after a newline), and macro assignments
_SOURCE_AFTER_NEWLINE_RE = re.compile(r"\n[ \t]*o?r?source[ \t]")
_ASSIGNMENT_RE = re.compile(r"[ \t]*[A-Za-z0-9_-]*[ \t]*[:+]?=")
_SOURCE_LINE_RE = re.compile(r"[ \t]*(?:source|rsource|osource|orsource)[ \t]")
_HELP_LINE_RE = re.compile(r"[ \t]*(?:help|-+help-+)[ \t]*$")


def _candidate_lines(text: str) -> list[int]:
    """Where the lines that can start a probe or read a file begin: ``source``
    lines, preprocessor assignments and lines with ``$(``, in order."""
    starts = {m.start() for m in _SOURCE_AFTER_NEWLINE_RE.finditer("\n" + text)} if "source" in text else set()
    # str.find is far quicker than a regex tried at every line start
    for mark, test in (("$(", None), ("=", _ASSIGNMENT_RE)):
        i = text.find(mark)
        while i >= 0:
            start = text.rfind("\n", 0, i) + 1
            if test is None or test.match(text, start):
                starts.add(start)
            end = text.find("\n", i)
            if end < 0:
                break
            i = text.find(mark, end)
    return sorted(starts)


def read_kconfig_file(path: str) -> tuple[bytes, int, int]:
    """A file's bytes, size and mtime (ns) with as few system calls as there
    can be (open, fstat, reads to the end, close; ``open().read()`` makes ten):
    the parser and the lookahead read ~1,700 files side by side, and after each
    call a thread waits for the other to hand the interpreter back."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        st = os.fstat(fd)
        chunks = [os.read(fd, st.st_size + 1)]
        while chunks[-1]:  # to the end, whatever the size was when asked
            chunks.append(os.read(fd, max(st.st_size + 1, 1 << 16)))
    finally:
        os.close(fd)
    return b"".join(chunks), st.st_size, st.st_mtime_ns


class _Stop(Exception):
    """The lookahead cannot go on (the parser will say why, or stop itself)."""


def _indent(line: str) -> int:
    expanded = line.expandtabs()
    return len(expanded) - len(expanded.lstrip())


def in_help_text(lines: list[str], n: int, help_line: re.Pattern[str] = _HELP_LINE_RE) -> bool:
    """Whether line ``n`` (0-based) is part of a help text, judged as
    ``Kconfig._parse_help`` does: after a ``help`` line (one that is not help
    text itself), up to the first non-blank line indented less than the help
    text's first line."""
    least = None
    for k in range(n, -1, -1):
        line = lines[k]
        if not line.strip():
            continue
        if k < n and help_line.match(line) and not in_help_text(lines, k, help_line):
            if least is None:
                return False
            first = next(lines[j] for j in range(k + 1, n + 1) if lines[j].strip())
            indent = _indent(first)
            return indent > 0 and least >= indent
        ind = _indent(line)
        least = ind if least is None else min(least, ind)
        if ind == 0:
            return False
    return False


class ProbeLookahead:
    """Walks a tree's Kconfig files ahead of the parser, starting its probes.

    ``start(command, line)`` starts a probe (once) and returns its future,
    whose result's ``output`` is the text the macro expands to; ``line`` is
    the line it was found on.  ``stopped()`` ends
    the walk early.
    """

    # kconfiglib's preprocessor, unchanged, on this object
    _expand_whole = kconfiglib.Kconfig._expand_whole
    _expand_macro = kconfiglib.Kconfig._expand_macro
    _expand_str = kconfiglib.Kconfig._expand_str
    _expand_name = kconfiglib.Kconfig._expand_name
    _expand_name_iter = kconfiglib.Kconfig._expand_name_iter
    _parse_assignment = kconfiglib.Kconfig._parse_assignment
    _tokenize = kconfiglib.Kconfig._tokenize

    def __init__(self, srctree: str, env: dict[str, str], start: Callable[[str, str], Future[Any]],
                 stopped: Callable[[], bool],
                 read_files: dict[str, tuple[bytes, int, int]] | None = None) -> None:
        self.srctree = srctree
        self._srctree_prefix = os.path.realpath(srctree) + os.sep
        self.env = env
        self._start = start
        self._stopped = stopped
        self.variables: dict[str, Any] = {}
        self.env_vars: set[str] = set()
        self.const_syms = {"n": "n", "m": "m", "y": "y"}
        self._functions = {
            "info": (_quiet, 1, 1),
            "warning-if": (_quiet, 2, 2),
            "error-if": (_error_if, 2, 2),
            "filename": (kconfiglib._filename_fn, 0, 0),  # type: ignore[attr-defined]
            "lineno": (kconfiglib._lineno_fn, 0, 0),  # type: ignore[attr-defined]
            "shell": (_shell, 1, 1),
        }
        self.filename = "Kconfig"
        self.linenr = 0
        self._line = ""
        # outputs are waited for while this is set (assignments, source paths)
        self.need_values = False
        # starting what can start before waiting for anything (see _lines)
        self.speculating = False
        # commands not started because another probe's output was not known yet
        self.waited_for = 0
        self.started: list[str] = []  # commands, in the order started
        self.files = 0
        self.stopped_at = ""
        # what it read, for the parser: absolute path -> (content, size, mtime_ns)
        self.read_files = read_files

    # -- what kconfiglib's code calls on its Kconfig object ------------------

    def _fn_val(self, args: list[str]) -> str:
        fn = args[0]
        if fn in self.variables or fn in self._functions:
            return kconfiglib.Kconfig._fn_val(self, args)  # type: ignore[arg-type]
        return self.env.get(fn, "")  # as KernelKconfig: the load's environment, not ours

    def _lookup_sym(self, name: str) -> str:
        return name

    _lookup_const_sym = _lookup_sym

    def _warn(self, *_args: Any) -> None:
        pass

    def _parse_error(self, msg: str) -> None:
        raise _Stop(f"{self.filename}:{self.linenr}: {msg}")

    # -- the walk ---------------------------------------------------------------

    def run(self) -> None:
        try:
            self._walk(join(self._srctree_prefix, "Kconfig"), ())
        except _Stop as e:
            self.stopped_at = str(e)
        except Exception as e:  # noqa: BLE001 - whatever it is, the parser reports it properly
            self.stopped_at = f"{self.filename}:{self.linenr}: {type(e).__name__}: {e}"

    def _walk(self, path: str, include: tuple[str, ...], literal: bool = False) -> None:
        if self._stopped():
            raise _Stop("stopped")
        rel = path[len(self._srctree_prefix):] if path.startswith(self._srctree_prefix) else path
        if rel in include:
            raise _Stop(f"recursive source of {rel}")
        try:
            data, size, mtime_ns = read_kconfig_file(path)
        except (FileNotFoundError, NotADirectoryError):
            if literal:
                return  # as the glob of a path without wildcards: nothing to read
            raise
        if self.read_files is not None:
            self.read_files[path] = (data, size, mtime_ns)
        text = data.decode("utf-8")
        self.files += 1
        if "\\\n" in text:
            # joined as the parser joins them (positions of later lines shift: only $(lineno) could tell)
            text = text.replace("\\\n", "")
        starts = _candidate_lines(text)
        if not starts:
            return  # most files: no source line, assignment or macro call
        lines = text.split("\n")
        found: list[int] = []  # line numbers
        counted_to, linenr = 0, 1
        for start in starts:
            linenr += text.count("\n", counted_to, start)
            counted_to = start
            if not in_help_text(lines, linenr - 1):
                found.append(linenr)
        include += (rel,)
        segment: list[int] = []
        for linenr in found:
            line = lines[linenr - 1]
            if _SOURCE_LINE_RE.match(line):
                self._lines(rel, lines, segment, include)
                segment = []
                self.filename, self.linenr = rel, linenr
                self._one_line(line, include)
            else:
                segment.append(linenr)
        self._lines(rel, lines, segment, include)

    def _lines(self, rel: str, lines: list[str], numbers: list[int], include: tuple[str, ...]) -> None:
        """Lines without ``source`` between them: first everything that can start
        without waiting for another probe (the chain of ``:=`` probes in
        scripts/Kconfig.include, say), then each line in order."""
        if sum(1 for n in numbers if "$(" in lines[n - 1]) > 1:
            variables = self.variables
            self.variables = {name: copy.copy(var) for name, var in variables.items()}
            self.speculating = True
            try:
                for n in numbers:
                    self.filename, self.linenr = rel, n
                    try:
                        self._one_line(lines[n - 1], include)
                    except _Stop:
                        pass
            finally:
                self.speculating = False
                self.variables = variables
        for n in numbers:
            self.filename, self.linenr = rel, n
            self._one_line(lines[n - 1], include)

    def _one_line(self, line: str, include: tuple[str, ...]) -> None:
        self._line = line
        match = _command_match(line)
        if not match:
            return
        keyword = _get_keyword(match.group(1))
        if keyword is None:
            if line.strip(" \t-") == "help":
                return
            self.need_values = True
            try:
                self._parse_assignment(line + "\n")
            finally:
                self.need_values = False
        elif keyword in _SOURCE_TOKENS:
            self.need_values = True
            try:
                tokens = self._tokenize(line + "\n")
            finally:
                self.need_values = False
            if len(tokens) < 2 or not isinstance(tokens[1], str):
                return
            pattern = tokens[1]
            if keyword in _REL_SOURCE_TOKENS:
                pattern = join(dirname(self.filename), pattern)
            pattern = join(self._srctree_prefix, pattern)
            if not has_magic(pattern):
                self._walk(pattern, include, literal=True)  # no lstat first: the read says whether it exists
                return
            for path in sorted(iglob(pattern)):
                self._walk(path, include)
        elif "$(" in line:
            waited_for = self.waited_for
            self._tokenize(line + "\n")
            if self.waited_for != waited_for:
                # a command needs another probe's output: the parser will wait for it, so do we
                self.need_values = True
                try:
                    self._tokenize(line + "\n")
                finally:
                    self.need_values = False


def _quiet(_la: ProbeLookahead, *_args: str) -> str:
    return ""  # the parser prints and warns


def _error_if(la: ProbeLookahead, _name: str, cond: str, _msg: str) -> str:
    if cond == "y" and not la.speculating:
        raise _Stop("error-if")  # the parser stops here too
    return ""


def _shell(la: ProbeLookahead, _name: str, command: str) -> str:
    if PENDING in command:
        if not la.speculating:
            la.waited_for += 1
        return PENDING
    future = la._start(command, la._line)
    la.started.append(command)
    if future.done() or (la.need_values and not la.speculating):
        try:
            return str(future.result().output)
        except Exception:
            raise _Stop(f"'{command}' failed") from None
    return PENDING


def start_lookahead(lookahead: ProbeLookahead) -> threading.Thread:
    thread = threading.Thread(target=lookahead.run, name="kconfig-lookahead", daemon=True)
    thread.start()
    return thread


# The parser holds the GIL nearly all the time; each time the lookahead comes
# back from reading a file it waits for the interpreter's switch interval
# (5 ms by default), which would keep it barely ahead of the parser.
_SWITCH_INTERVAL = 0.0002
_switch_lock = threading.Lock()
_switch_users = 0
_switch_before = 0.0


@contextlib.contextmanager
def prompt_thread_switches() -> Iterator[None]:
    """A short thread switch interval while a lookahead runs (restored after the last one)."""
    global _switch_users, _switch_before
    with _switch_lock:
        if _switch_users == 0:
            _switch_before = sys.getswitchinterval()
            if _switch_before > _SWITCH_INTERVAL:
                sys.setswitchinterval(_SWITCH_INTERVAL)
        _switch_users += 1
    try:
        yield
    finally:
        with _switch_lock:
            _switch_users -= 1
            if _switch_users == 0 and sys.getswitchinterval() == _SWITCH_INTERVAL < _switch_before:
                sys.setswitchinterval(_switch_before)
