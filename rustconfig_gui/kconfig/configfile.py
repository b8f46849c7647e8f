"""Reading and writing .config files the way ``scripts/kconfig/confdata.c`` does."""

from __future__ import annotations

import contextlib
import errno
import glob
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kconfiglib import BOOL, HEX, INT, MENU, STRING, TRISTATE, Choice, Symbol

from rustconfig_gui.errors import ConfigFileError
from rustconfig_gui.host.paths import show_path
from rustconfig_gui.kconfig.semantics import Evaluator, c_strtoll, string_valid

CONFIG_ = "CONFIG_"
MAX_ISSUES = 10_000


@dataclass(frozen=True)
class ConfigIssue:
    """Something in a .config that was not taken as written."""

    filename: str
    line: int
    kind: str  # unknown-symbol | invalid-value | duplicate | unexpected-data | out-of-range
    symbol: str | None
    message: str

    def __str__(self) -> str:
        return f"{self.filename}:{self.line}: {self.message}"


@dataclass
class ConfigReadReport:
    filename: str
    assignments: int = 0
    issues: list[ConfigIssue] = field(default_factory=list)
    #: issues past MAX_ISSUES are counted, not kept (a 50 MB file of garbage)
    issues_not_kept: int = 0

    @property
    def issue_count(self) -> int:
        return len(self.issues) + self.issues_not_kept

    def add(self, issue: ConfigIssue) -> None:
        if len(self.issues) < MAX_ISSUES:
            self.issues.append(issue)
        else:
            self.issues_not_kept += 1

    @property
    def unknown_symbols(self) -> list[str]:
        return [i.symbol for i in self.issues if i.kind == "unknown-symbol" and i.symbol]


def decode_config_bytes(data: bytes, filename: str) -> tuple[str, list[ConfigIssue]]:
    """Text of a config file; undecodable bytes are reported per line, not fatal."""
    issues: list[ConfigIssue] = []
    try:
        return data.decode("utf-8"), issues
    except UnicodeDecodeError:
        pass
    lines = data.split(b"\n")
    out = []
    for n, raw in enumerate(lines, 1):
        try:
            out.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            out.append(raw.decode("utf-8", "replace"))
            issues.append(ConfigIssue(filename, n, "invalid-value", None,
                                      "line is not valid UTF-8; undecodable bytes replaced"))
    return "\n".join(out), issues


def scan_lines(text: str) -> Iterator[tuple[int, str | None, str, str]]:
    """The lines of a .config as ``conf_read_simple`` sees them, in order:
    (line number, symbol name or None for unexpected data, value, line).

    ``# CONFIG_X is not set`` gives the value "n"; blank lines and other
    comments are skipped; a trailing CR is dropped."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for lineno, line in enumerate(lines, 1):
        if line.endswith("\r"):
            line = line[:-1]
        if not line:
            continue
        if line[0] == "#":
            if line[1:2] != " " or not line[2:].startswith(CONFIG_):
                continue
            name, sep, rest = line[2 + len(CONFIG_):].partition(" ")
            if sep and rest == "is not set":
                yield lineno, name, "n", line
            continue
        if not line.startswith(CONFIG_):
            yield lineno, None, "", line
            continue
        name, sep, val = line[len(CONFIG_):].partition("=")
        yield (lineno, name, val, line) if sep else (lineno, None, "", line)


def read_config_text(ev: Evaluator, text: str, filename: str = ".config", *,
                     replace: bool = True, refresh: bool = True) -> ConfigReadReport:
    """``conf_read_simple(name, S_DEF_USER)``: set user values from .config text.

    With ``replace`` all previous user values are dropped first, as C does;
    without it the text is merged on top (fragments).  With ``refresh=False``
    the values computed before are kept for the caller's
    ``ev.refresh_after_input`` (6.11+; the pre-6.11 rules read values while
    reading, so those always refresh).
    """
    report = ConfigReadReport(filename)
    kconf = ev.kconf
    if not ev.sem.choice_rework:
        refresh = True
    if replace:
        ev.clear_user(refresh=refresh)
    seen: dict[Symbol, int] = {}
    for lineno, name, val, line in scan_lines(text):
        if name is None:
            report.add(ConfigIssue(filename, lineno, "unexpected-data", None, f"unexpected data: {line[:80]}"))
            continue
        sym = kconf.syms.get(name)
        if sym is None or not sym.nodes:
            report.add(ConfigIssue(filename, lineno, "unknown-symbol", name,
                                             f"unknown symbol: {CONFIG_}{name}"))
            continue
        if sym in seen:
            report.add(ConfigIssue(
                filename, lineno, "duplicate", name,
                f"override: reassigning to symbol {name} (first set on line {seen[sym]})"))
        parsed = parse_value(sym, val)
        if isinstance(parsed, ConfigIssueText):
            report.add(ConfigIssue(filename, lineno, "invalid-value", name, str(parsed)))
            continue
        seen[sym] = lineno
        report.assignments += 1
        ev.set_user(sym, parsed)
    if not ev.sem.choice_rework:
        _drop_out_of_range_61(ev, report, seen)
    if refresh:
        ev.invalidate()
    return report


_STRING_SPECIAL = re.compile(r'["\\]')


def _clip(text: str, limit: int = 200) -> str:
    """A value quoted in a message: a megabyte line must not become a megabyte message."""
    return text if len(text) <= limit else text[:limit] + f"… ({len(text)} characters)"


class ConfigIssueText(str):
    """A reason a value was refused (a str, distinct from a valid value)."""


def parse_value(sym: Symbol, val: str) -> int | str | ConfigIssueText:
    """``conf_set_sym_val``: the stored form of ``val`` or why it is refused."""
    typ = sym.orig_type
    if typ in (BOOL, TRISTATE):
        if typ == TRISTATE and val[:1] == "m":
            return 1
        if val[:1] == "y":
            return 2
        if val[:1] == "n":
            return 0
        return ConfigIssueText(f"symbol value '{_clip(val)}' invalid for {sym.name}")
    if typ == STRING:
        if not val.startswith('"'):
            # C keeps the raw text for an unquoted string
            return val
        # up to the first unescaped '"'; a backslash keeps the next character.
        # Jumping between specials, not stepping per character: a 50 MB value
        # took 13 s one character at a time.
        out = []
        i = 1
        while True:
            m = _STRING_SPECIAL.search(val, i)
            if m is None:
                return ConfigIssueText(f"invalid string found for {sym.name}: {_clip(val)}")
            j = m.start()
            out.append(val[i:j])
            if val[j] == '"':
                return "".join(out)
            out.append(val[j + 1:j + 2])
            i = j + 2
    if typ in (INT, HEX):
        if string_valid(typ, val):
            return val
        return ConfigIssueText(f"symbol value '{_clip(val)}' invalid for {sym.name}")
    return ConfigIssueText(f"{sym.name} has no type")


def _drop_out_of_range_61(ev: Evaluator, report: ConfigReadReport, lines: dict[Symbol, int]) -> None:
    """6.1's conf_read resets string/int/hex user values outside the active range.

    ``lines``: where this text set each symbol (0: an earlier read set it)."""
    for sym, val in list(ev.user.items()):
        if sym.choice is not None or sym.orig_type not in (INT, HEX):
            continue
        base = 10 if sym.orig_type == INT else 16
        for low, high, cond in sym.ranges:
            if ev.expr(cond):
                v = c_strtoll(str(val), base)
                lo = c_strtoll(ev.str_value(low), base)
                hi = c_strtoll(ev.str_value(high), base)
                if not lo <= v <= hi:
                    del ev.user[sym]
                    report.add(ConfigIssue(
                        report.filename, lines.get(sym, 0), "out-of-range", sym.name,
                        f"{sym.name}={val} is outside its range [{ev.str_value(low)}, {ev.str_value(high)}]; "
                        "the default is used"))
                break


def read_config_bytes(path: str | os.PathLike[str], what: str = "config file") -> bytes:
    """The file's bytes, or a :class:`ConfigFileError` sentence saying why not."""
    p = Path(path)
    try:
        return p.read_bytes()
    except FileNotFoundError:
        raise ConfigFileError(f"{show_path(p)} does not exist.") from None
    except IsADirectoryError:
        raise ConfigFileError(f"{show_path(p)} is a folder, not a {what}.") from None
    except OSError as e:
        why = (e.strerror or str(e)).lower()
        if e.errno == errno.EACCES:
            why = "permission denied"
        raise ConfigFileError(f"{show_path(p)} cannot be read: {why}.") from None


def read_config_file(ev: Evaluator, path: str | os.PathLike[str], *, replace: bool = True) -> ConfigReadReport:
    p = Path(path)
    data = read_config_bytes(p)
    text, issues = decode_config_bytes(data, str(p))
    report = read_config_text(ev, text, str(p), replace=replace)
    report.issues[:0] = issues
    return report


def set_all_new(ev: Evaluator, mode: str) -> None:
    """``conf_set_all_new_symbols``: bool/tristate symbols without a user value
    get ``mode`` (no / yes / mod)."""
    value = {"no": 0, "yes": 2, "mod": 1}[mode]
    if ev.sem.choice_rework:
        # 6.11+: prompted entries only; choices keep their defaults
        for node in ev.walk():
            sym = node.item
            if sym.__class__ is not Symbol or not node.prompt or sym in ev.user:
                continue
            if sym.orig_type not in (BOOL, TRISTATE) or sym.choice is not None:
                continue
            ev.user[sym] = value
    else:
        # before 6.11: every symbol, choice members and choice modes included
        # (a tristate choice becomes m in allmodconfig); the selection of a
        # y-mode choice stays its default
        for sym in ev.kconf.unique_defined_syms:
            if sym.orig_type in (BOOL, TRISTATE) and sym not in ev.user:
                ev.user[sym] = value
        for choice in ev.kconf.unique_choices:
            if choice.orig_type in (BOOL, TRISTATE) and choice not in ev.choice_user_tri:
                ev.choice_user_tri[choice] = value
    ev.invalidate()


# -- writing ------------------------------------------------------------------


def escape_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def symbol_line(ev: Evaluator, sym: Symbol) -> str | None:
    """``print_symbol_for_dotconfig``."""
    typ = sym.orig_type
    val = ev.str_value(sym)
    if typ in (BOOL, TRISTATE):
        if val == "n":
            return f"# {CONFIG_}{sym.name} is not set"
        return f"{CONFIG_}{sym.name}={val}"
    if typ == STRING:
        return f"{CONFIG_}{sym.name}={escape_string(val)}"
    if typ in (INT, HEX):
        return f"{CONFIG_}{sym.name}={val}"
    return None


def header_text(ev: Evaluator) -> str:
    title = ev.kconf.top_node.prompt[0]
    return f"#\n# Automatically generated file; DO NOT EDIT.\n# {title}\n#\n"


def config_text(ev: Evaluator) -> str:
    """The text ``conf_write`` produces (header included)."""
    *_, text = config_text_steps(ev)
    assert text is not None
    return text


# menu entries walked between two yields of config_text_steps (~2 ms)
TEXT_STEP_NODES = 1000


def config_text_steps(ev: Evaluator) -> Iterator[str | None]:
    """:func:`config_text` a piece at a time: yields None between pieces and the
    text last (for slices of the GUI thread)."""
    out = [header_text(ev)]
    written: set[Symbol] = set()
    need_newline = False
    top = ev.kconf.top_node
    node = top.list
    walked = 0
    while node is not None:
        walked += 1
        if walked % TEXT_STEP_NODES == 0:
            yield None
        item = node.item
        if item.__class__ is Symbol:
            if item not in written and ev.written(item):
                if need_newline:
                    out.append("\n")
                    need_newline = False
                written.add(item)
                line = symbol_line(ev, item)
                if line is not None:
                    out.append(line + "\n")
        elif item.__class__ is not Choice:
            if ev.menu_is_visible(node):
                out.append(f"\n#\n# {node.prompt[0]}\n#\n")
                need_newline = False
        if node.list is not None:
            node = node.list
            continue
        # 5.18+ checks the node itself too (an empty menu); before, only the
        # menus walked back up out of
        check = ev.sem.end_of_empty_menus
        while node is not None:
            if check and node.item is MENU and node is not top and ev.menu_is_visible(node):
                out.append(f"# end of {node.prompt[0]}\n")
                need_newline = True
            if node.next is not None:
                node = node.next
                break
            node = node.parent
            check = True
            if node is top:
                node = None
    yield "".join(out)


def min_config_text(ev: Evaluator) -> str:
    """The text ``conf_write_defconfig`` (make savedefconfig) produces."""
    out: list[str] = []
    ev.invalidate()
    done: set[Symbol] = set()
    for node in ev.walk():
        sym = node.item
        if sym.__class__ is not Symbol:
            continue
        if not ev.written(sym) or sym in done:
            continue
        # C clears SYMBOL_WRITE, so a symbol with several definitions is seen once
        done.add(sym)
        if not ev.is_changeable(sym):
            continue
        if ev.str_value(sym) == ev.string_default(sym):
            continue
        if sym.choice is not None:
            ds = ev.choice_default(sym.choice)
            if ev.sem.choice_rework:
                if sym is ds and ev.tri(sym) == 2:
                    continue
            elif not sym.choice.is_optional and sym.orig_type == BOOL and sym is ds and ev.tri(sym) == 2:
                continue
        line = symbol_line(ev, sym)
        if line is not None:
            out.append(line + "\n")
    return "".join(out)


def strip_header(text: str) -> list[str]:
    """Lines after the 4-line '# Automatically generated file' header."""
    lines = text.splitlines()
    if len(lines) >= 4 and lines[1].startswith("# Automatically generated file"):
        return lines[4:]
    return lines


@dataclass(frozen=True)
class WriteResult:
    """What :func:`write_atomic` did; true when the file was written."""

    path: Path
    #: False: the file already held exactly this text and was not touched (conf: "No change")
    written: bool
    #: where the previous version now is; None when there was none (or it was not asked for)
    old_kept: Path | None = None
    #: a sentence about the previous version when it could not be kept (the save itself went through)
    note: str = ""

    def __bool__(self) -> bool:
        return self.written


class ChangedOnDisk(ConfigFileError):
    """A save's ``check`` refused: the file is not what the caller last saw."""


#: how long a save waits for another saver in the same folder (an advisory flock)
LOCK_WAIT = 10.0


def current_umask() -> int:
    """The process umask, read without changing it (``os.umask`` is a set-and-reset that races threads)."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    old = os.umask(0o022)
    os.umask(old)
    return old


@contextlib.contextmanager
def folder_lock(folder: Path, wait: float = LOCK_WAIT) -> Iterator[bool]:
    """Hold an advisory ``flock`` on ``folder`` (our savers of files in it take the same one).

    Yields False when the folder cannot be opened for locking (then nothing is locked)."""
    import fcntl
    import time

    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        yield False
        return
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise ConfigFileError(
                        f"Cannot save in {show_path(folder)}: another program has been saving there for "
                        f"{wait:.0f} s (it holds the folder's lock). Nothing was changed on disk.") from None
                time.sleep(0.02)
            except OSError:
                break  # a file system without flock: no lock, as before
        yield True
    finally:
        os.close(fd)  # releases the lock


def write_atomic(path: str | os.PathLike[str], text: str, *, keep_old: bool = True, mode: int | None = None,
                 check: Callable[[Path], None] | None = None) -> WriteResult:
    """Write ``text`` to ``path`` via a temp file and rename; keep ``path.old``.

    The result is false when the file already had exactly this content
    (nothing is touched, as conf says "No change").  At every moment ``path``
    is either the complete old file or the complete new one.

    A new file gets ``mode`` (default: 0666 & ~umask, as conf's ``fopen``
    gives); a rewritten one keeps its mode, plus read and write for its owner.  ``check(path)`` runs while the
    folder's advisory lock is held, just before writing, and may raise (e.g.
    :class:`ChangedOnDisk`) to refuse: no other saver using the lock can
    write between the check and the rename.  When the previous version cannot
    be kept as ``.old`` (a folder there, say), the file is saved anyway, as
    conf does, and ``note`` says so.
    """
    p = Path(path)
    parent = p.parent
    try:
        if p.is_dir():
            raise ConfigFileError(f"{show_path(p)} is a folder; choose a file name to save to.")
        if parent.exists() and not parent.is_dir():
            raise ConfigFileError(f"Cannot save {show_path(p)}: {show_path(parent)} is a file, not a folder.")
        if not parent.is_dir():
            raise ConfigFileError(f"Cannot save {show_path(p)}: the folder {show_path(parent)} does not exist.")
    except OSError as e:
        # a folder on the way that we may not enter (exists() raises EACCES)
        raise ConfigFileError(_write_error(p, e)) from None
    data = text.encode("utf-8")
    with folder_lock(parent):
        with contextlib.suppress(OSError):
            if p.is_file() and p.read_bytes() == data:
                return WriteResult(p, False)  # whoever wrote it, it holds what we would write
        if check is not None:
            check(p)
        return _write_locked(p, data, keep_old, mode, check)


def _write_locked(p: Path, data: bytes, keep_old: bool, mode: int | None,
                  check: Callable[[Path], None] | None) -> WriteResult:
    parent = p.parent
    fd = -1
    tmp = ""
    old_kept: Path | None = None
    note = ""
    try:
        try:
            st = os.stat(p)
            existing = stat.S_ISREG(st.st_mode)
        except FileNotFoundError:
            st, existing = None, False
        if existing and st is not None:
            # its own mode, and always readable and writable by its owner: what was just saved
            # must be loadable again (a mode-000 file stays unreadable to everyone else)
            new_mode = stat.S_IMODE(st.st_mode) | stat.S_IRUSR | stat.S_IWUSR
        else:
            new_mode = (0o666 & ~current_umask()) if mode is None else mode
        _remove_dead_temps(p)
        # the pid in the name lets a later save remove what a killed one left
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.{os.getpid()}.", suffix=".tmp", dir=parent)
        os.fchmod(fd, new_mode)
        with os.fdopen(fd, "wb") as f:
            fd = -1
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if check is not None:
            # again, right before the rename: a writer that takes no lock (the kernel's conf)
            # has only the moment between this and the rename left
            check(p)
        if keep_old and existing:
            old_kept, note = _keep_old(p)
        os.replace(tmp, p)
        tmp = ""
        with contextlib.suppress(OSError):
            dfd = os.open(parent, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
    except OSError as e:
        raise ConfigFileError(_write_error(p, e)) from None
    finally:
        if fd >= 0:
            os.close(fd)
        if tmp:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return WriteResult(p, True, old_kept, note)


def _remove_dead_temps(p: Path) -> None:
    """Temp files of saves whose process no longer exists (killed mid-write)."""
    for tmp in p.parent.glob(f".{glob.escape(p.name)}.*.tmp"):
        rest = tmp.name[len(p.name) + 2:].removeprefix("old.")
        pid_text = rest.split(".", 1)[0]
        if not pid_text.isdigit() or int(pid_text) == os.getpid():
            continue
        try:
            os.kill(int(pid_text), 0)
        except ProcessLookupError:
            with contextlib.suppress(OSError):
                tmp.unlink()
        except PermissionError:
            pass


def _keep_old(p: Path) -> tuple[Path | None, str]:
    """The current ``p`` as ``p.old``: (where it is kept, or None and why not)."""
    old = p.with_name(p.name + ".old")
    link = p.with_name(f".{p.name}.old.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        link.unlink()
    try:
        try:
            os.link(p, link)
        except OSError:
            import shutil

            shutil.copy2(p, link)
        os.replace(link, old)
        return old, ""
    except OSError as e:
        with contextlib.suppress(OSError):
            link.unlink()
        if os.path.isdir(old):
            why = f"{show_path(old)} is a folder"
        else:
            why = f"{show_path(old)} could not be written ({e.strerror or e})"
        return None, f"{why}; the previous version was not kept."


def _write_error(p: Path, e: OSError) -> str:
    if e.errno == errno.ENOSPC:
        why = "the disk is full"
    elif e.errno == errno.EROFS:
        why = "the file system is read-only"
    elif e.errno in (errno.EACCES, errno.EPERM):
        why = "permission denied"
        if not os.access(p.parent, os.X_OK):
            why += f" (the folder {show_path(p.parent)} cannot be entered)"
        elif not os.access(p.parent, os.W_OK):
            why += f" (the folder {show_path(p.parent)} is not writable)"
    elif e.errno == errno.ENOENT:
        why = "the folder no longer exists"
    else:
        why = e.strerror or str(e)
    return f"Cannot save {show_path(p)}: {why}. Nothing was changed on disk."


def fragment_lines(lines: Iterable[str]) -> str:
    return "".join(line + "\n" for line in lines)
