"""A disk cache of parsed Kconfig trees.

Parsing a kernel's Kconfig is most of a warm load (about 1.7 s of 2 s for
7.2 with every probe answered by the probe cache).  The parse is a function
of the Kconfig files, the environment variables they reference and the
output of every ``$(shell,…)`` run on the way, so a stored parse is used
only when

* this code and kconfiglib are the ones that wrote it (a fingerprint),
* every Kconfig file read has the same size and mtime,
* every referenced environment variable has the same value, and
* every probe, re-run in order (through the probe cache, so only the ones
  whose tools changed really run), prints what it printed then.  A probe's
  command can depend on earlier probes' output; checking in order and
  stopping at the first difference makes that safe.

A tree that uses ``osource`` or a glob in ``source`` is never stored: which
files exist, not only what they contain, decides what is parsed.

The parse is stored as a pickle written in two passes (every kconfiglib
object first, bare, then their attributes in chunks), so neither writing nor
reading recurses along the long ``next`` chains of menu nodes, and reading
gives the GIL back between chunks: a load in a worker thread never holds
the GUI thread for long.  Each chunk is a pickle of its own with a fresh
memo; what earlier chunks wrote is referred to by number (a persistent id).
One memo for the whole parse grew to ~400k entries, and each time it
doubled the pickler rehashed it holding the GIL: up to 67 ms in one go while
the GUI thread waited.

The attributes are stored by column: for each class, one attribute of its
objects at a time (a slice of values, or one value that all of them share),
set back with ``setattr``.  Stored per object (a state tuple and a dict of
attribute values for each of ~39k objects, set back by pickle's BUILD), the
same parse was ~150k more objects to make and took about twice as long to
read (0.2 s against 0.1 s for 7.2 here).
"""

from __future__ import annotations

import copyreg
import fcntl
import gc
import hashlib
import io
import keyword
import marshal
import os
import pickle
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from itertools import repeat
from pathlib import Path
from typing import Any

import kconfiglib
from kconfiglib import Choice, MenuNode, Symbol, Variable

from rustconfig_gui.errors import LoadCancelled
from rustconfig_gui.kconfig import parser as kparse
from rustconfig_gui.kconfig import rewrite, tokencache
from rustconfig_gui.kconfig.parser import (
    KernelKconfig,
    LateBindingFailed,
    Progress,
    slot_names,
)
from rustconfig_gui.kconfig.shell import runner
from rustconfig_gui.kconfig.shell.runner import MacroCall, MacroTrace, ShellProbes

FORMAT = 4  # 3: a SHA-256 trailer; 4: attributes by column
_MAGIC = b"rustconfig-gui parse\n"
_COLUMN = 2000  # values per chunk: a few ms of C unpickling at most
_KIND = (Symbol, Choice, MenuNode, Variable, KernelKconfig)
# segment entries so trees built differently do not replace each other
_SEGMENT_VARS = ("ARCH", "SRCARCH", "CC", "LD", "LLVM", "CROSS_COMPILE", "RUSTC", "BINDGEN", "HOSTCC")


def default_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "rustconfig-gui" / "parses"


_fingerprint: str | None = None


def code_fingerprint() -> str:
    """What wrote a stored parse: the parser's code (with its source rewriting and
    the records of its probes), kconfiglib's, Python's pickle."""
    global _fingerprint
    if _fingerprint is None:
        h = hashlib.sha256(f"{FORMAT} {sys.version_info[:2]} {pickle.HIGHEST_PROTOCOL}".encode())
        for mod in (kconfiglib, kparse, rewrite, runner, tokencache, sys.modules[__name__]):
            h.update(_module_bytes(mod))
        _fingerprint = h.hexdigest()
    return _fingerprint


def _module_bytes(mod: Any) -> bytes:
    try:
        with open(mod.__file__ or "", "rb") as f:
            return f.read()
    except OSError:
        pass
    # a frozen build (PyInstaller) has no source files: its compiled code then
    try:
        code = mod.__loader__.get_code(mod.__name__)
        return marshal.dumps(code)
    except Exception:  # no code either: the module's name and its version, if it says
        return f"{mod.__name__} {getattr(mod, '__version__', '')}".encode()


class WriterLock:
    """An exclusive ``flock`` on one entry's lock file; released by ``with`` or :meth:`release`."""

    def __init__(self, fd: int, target: Path) -> None:
        self.fd, self.target = fd, target

    def release(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __enter__(self) -> WriterLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class ParseCache:
    """Parsed trees under ``root`` (default ``$XDG_CACHE_HOME/rustconfig-gui/parses``);
    the newest ``keep`` entries are kept."""

    def __init__(self, root: str | os.PathLike[str] | None = None, *, keep: int = 6) -> None:
        self.root = Path(root) if root is not None else default_root()
        self.keep = keep
        self.last_miss = ""  # why the last load() did not use a stored parse

    def _file(self, srctree: str, cwd: str, env: dict[str, str]) -> Path:
        h = hashlib.sha256(code_fingerprint().encode())
        for part in (os.path.realpath(srctree), os.path.realpath(cwd),
                     *(f"{v}={env.get(v, '')}" for v in _SEGMENT_VARS)):
            h.update(part.encode("utf-8", "surrogateescape") + b"\0")
        return self.root / f"{h.hexdigest()[:32]}.pickle"

    # -- reading ------------------------------------------------------------

    def load(self, shell: ShellProbes, *, progress: Progress | None = None) -> KernelKconfig | None:
        """The stored parse for ``shell``'s tree and environment, or None
        (``last_miss`` says why).  Probes are re-checked through ``shell``;
        those that ran are in its probe cache for the parse that follows a miss.
        A damaged entry (its checksum does not match) is removed, never used."""
        path = self._file(shell.srctree, shell.cwd, shell.env)
        try:
            stream = open(path, "rb")  # noqa: SIM115 - closed below; read as a stream, never whole
        except OSError:
            return self._miss("no stored parse")
        with stream:
            kconf = self._load(stream, shell, progress)
        if kconf is None and self.last_miss.startswith(DAMAGED):
            try:
                path.unlink()
            except OSError:
                pass
        return kconf

    def _load(self, stream: io.BufferedReader, shell: ShellProbes, progress: Progress | None) -> KernelKconfig | None:
        if stream.read(len(_MAGIC)) != _MAGIC:
            return self._miss("not a stored parse")
        size = os.fstat(stream.fileno()).st_size
        sums = _read_trailer(stream, size)
        if sums is None:
            return self._miss(f"{DAMAGED} (no checksum); parsed again")
        header_sum, all_sum = sums
        checked = _SummingReader(stream)
        size -= _TRAILER_SIZE
        try:
            header = pickle.Unpickler(checked).load()
        except Exception:  # a damaged entry is only a miss
            return self._miss(f"{DAMAGED}; parsed again")
        if checked.hexdigest() != header_sum:
            # never run the commands of a damaged header
            return self._miss(f"{DAMAGED} (checksum of its header); parsed again")
        stream = checked  # type: ignore[assignment]
        why = self._stale(header, shell)
        if why:
            return self._miss(why)
        calls: list[MacroCall] = []
        # side by side, checked in order; on a miss the parse that follows finds them done
        for command, *_ in header["calls"]:
            shell.start(command)
        for command, filename, line, source_line, output in header["calls"]:
            call = shell.run(command, filename, line, source_line)
            calls.append(call)
            if progress:
                progress(0, len(calls))
            if call.output != output:
                return self._miss(f"{filename}:{line}: '{command}' now prints something else")
        kconf = self._read_objects(stream, size, shell.cancelled)
        if kconf is None or checked.hexdigest() != all_sum:
            return self._miss(f"{DAMAGED} (checksum); parsed again")
        kconf._rc_attach(shell, progress, MacroTrace(calls))
        try:
            # the late values, with the toolchain as it is now
            kconf.bind_late(rerun_assignments=True)
        except LateBindingFailed as e:
            return self._miss(str(e))
        if progress:
            progress(kconf.files_parsed, len(calls))
        return kconf

    def _miss(self, why: str) -> KernelKconfig | None:
        """None, the answer of a miss (``last_miss`` says why)."""
        self.last_miss = why
        return None

    def _stale(self, header: Any, shell: ShellProbes) -> str:
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            return "other format"
        if header.get("fingerprint") != code_fingerprint():
            return "written by other code"
        if (header.get("srctree"), header.get("cwd")) != (shell.srctree, shell.cwd):
            return "other tree"
        for name, value in header["env"].items():
            if shell.env.get(name) != value:
                return f"${name} changed"
        for rel, stamp in header["files"].items():
            try:
                st = os.stat(os.path.join(shell.srctree, rel))
            except OSError:
                return f"{rel} is gone"
            if (st.st_size, st.st_mtime_ns) != tuple(stamp):
                return f"{rel} changed"
        return ""

    def _read_objects(self, stream: io.BufferedReader, size: int,
                      cancelled: Callable[[], bool]) -> KernelKconfig | None:
        # ~1M objects: the cyclic collector would otherwise walk them again and again
        was_enabled = gc.isenabled()
        gc.disable()
        written: list[Any] = []  # what earlier chunks made, by the number the writer gave it
        try:
            objects = _load_chunk(stream, written)
            groups = _groups(objects)
            while stream.tell() < size:
                if cancelled():
                    raise LoadCancelled()
                _set_column(groups, _load_chunk(stream, written))
        except LoadCancelled:
            raise
        except Exception:
            return None
        finally:
            if was_enabled:
                gc.enable()
        kconf = objects[0] if objects else None
        return kconf if isinstance(kconf, KernelKconfig) else None

    # -- writing ------------------------------------------------------------

    def store(self, kconf: KernelKconfig, stopped: Callable[[], bool] | None = None, *,
              claimed: WriterLock | None = None) -> bool:
        """Write ``kconf`` (just parsed, not evaluated by kconfiglib) for later
        loads; False when the tree cannot be stored, another writer is storing
        it (one at a time, :meth:`claim`), or writing stopped or failed.

        The entry is written to a temporary file and renamed into place: a
        reader sees the old entry or the whole new one, never a part; a writer
        that dies midway leaves a temporary file that the next writer of the
        same entry removes; a full disk leaves the old entry."""
        if kconf.rewrites.optional_sources:
            self.last_miss = "the tree uses osource or a glob in source"
            return False
        lock = claimed or self.claim(kconf)
        if lock is None:
            return False  # another process or thread is writing this entry
        with lock:
            return self._store(kconf, stopped or (lambda: False), lock.target)

    def claim(self, kconf: KernelKconfig) -> WriterLock | None:
        """The right to write ``kconf``'s entry, or None when another writer
        holds it.  Held until released (``with``), also across ``fork``: the
        child that inherits it writes while the parent goes on."""
        shell = kconf._rc_shell
        target = self._file(shell.srctree, shell.cwd, shell.env)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(target.with_suffix(".lock"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return None
        return WriterLock(fd, target)

    def wait_for_writers(self) -> None:
        """Until no writer holds an entry (each writer holds its entry's lock)."""
        for lock in self.root.glob("*.lock") if self.root.is_dir() else ():
            try:
                fd = os.open(lock, os.O_RDONLY | os.O_CLOEXEC)
            except OSError:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_SH)
            finally:
                os.close(fd)

    def _store(self, kconf: KernelKconfig, stopped: Callable[[], bool], target: Path) -> bool:
        shell = kconf._rc_shell
        header = {
            "format": FORMAT, "fingerprint": code_fingerprint(),
            "srctree": shell.srctree, "cwd": shell.cwd,
            "env": {name: shell.env.get(name) for name in sorted(kconf.parse_env_vars)},
            "files": dict(kconf.file_stamps),
            # what the parse read; the late values are bound again on every load
            "calls": [(c.command, c.filename, c.line, c.source_line, c.output)
                      for i, c in enumerate(kconf.trace.calls[:kconf.parse_calls])
                      if i not in kconf.late_only_calls],
        }
        prefix = f".tmp-{target.stem}-"
        # the lock is ours: a temporary file of this entry is what a writer that died left
        for left in target.parent.glob(prefix + "*"):
            try:
                left.unlink()
            except OSError:
                pass
        tmp = ""
        try:
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=prefix, suffix=".pickle")
            with os.fdopen(fd, "wb") as f:
                f.write(_MAGIC)
                summed = _SummingWriter(f)
                if not _write_objects(summed, header, kconf, stopped):
                    f.close()
                    os.unlink(tmp)
                    return False
                f.write(_trailer(summed))
            os.replace(tmp, target)
        except OSError:
            if tmp:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
            return False  # a cache that cannot be written only costs time
        self._prune()
        return True

    def _prune(self) -> None:
        try:
            entries = sorted(self._entries(), key=lambda p: p.stat().st_mtime, reverse=True)
            for old in entries[self.keep:]:
                old.unlink()
            kept = {p.stem for p in entries[:self.keep]}
            for lock in self.root.glob("*.lock"):
                if lock.stem not in kept:
                    self._drop_lock(lock)
        except OSError:
            pass

    @staticmethod
    def _drop_lock(lock: Path) -> None:
        """Remove the lock file of an entry that is gone, unless a writer holds it."""
        fd = os.open(lock, os.O_RDWR | os.O_CLOEXEC)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            lock.unlink()
        except OSError:
            pass
        finally:
            os.close(fd)

    def clear(self) -> int:
        """Remove every entry (the count), writers' temporary files and the
        records of last loads (kconfig/lastload.py)."""
        removed = 0
        if self.root.is_dir():
            for f in [*self.root.glob("*.pickle"), *self.root.glob(".tmp-*"), *self.root.glob("*.last.json")]:
                try:
                    f.unlink()
                except OSError:
                    continue
                removed += f.suffix == ".pickle" and not f.name.startswith(".")
        return removed

    def entries(self) -> int:
        return sum(1 for _ in self._entries())

    def _entries(self) -> list[Path]:
        # a writer's temporary file (".tmp-…") is no entry
        return [p for p in self.root.glob("*.pickle") if not p.name.startswith(".")] if self.root.is_dir() else []


# -- checksums: a stored parse with a flipped bit is never used ------------------

DAMAGED = "damaged entry"
_TRAILER_TAG = b"\0sha256 "
_TRAILER_SIZE = len(_TRAILER_TAG) + 64 + 1 + 64 + 1


class _SummingWriter:
    """Passes writes on and keeps a SHA-256 of them (of the header alone, and of everything)."""

    def __init__(self, f: Any) -> None:
        self.f = f
        self.sum = hashlib.sha256()
        self.header_sum = ""

    def write(self, data: Any) -> int:
        self.sum.update(data)
        return int(self.f.write(data))

    def mark_header(self) -> None:
        self.header_sum = self.sum.hexdigest()


def _trailer(summed: _SummingWriter) -> bytes:
    return _TRAILER_TAG + f"{summed.header_sum} {summed.sum.hexdigest()}\n".encode()


def _read_trailer(stream: io.BufferedReader, size: int) -> tuple[str, str] | None:
    """(header checksum, whole checksum) from the end of the entry; the stream is left where it was."""
    here = stream.tell()
    if size - here < _TRAILER_SIZE:
        return None
    stream.seek(size - _TRAILER_SIZE)
    trailer = stream.read(_TRAILER_SIZE)
    stream.seek(here)
    if not trailer.startswith(_TRAILER_TAG) or not trailer.endswith(b"\n"):
        return None
    parts = trailer[len(_TRAILER_TAG):-1].split(b" ")
    if len(parts) != 2 or any(len(p) != 64 for p in parts):
        return None
    return parts[0].decode("ascii", "replace"), parts[1].decode("ascii", "replace")


class _SummingReader:
    """What the unpickler reads, summed as it goes (pickle asks for read/readline/readinto)."""

    def __init__(self, stream: io.BufferedReader) -> None:
        self.stream = stream
        self.sum = hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        data = self.stream.read(n)
        self.sum.update(data)
        return data

    def readline(self, limit: int = -1) -> bytes:
        data = self.stream.readline(limit)
        self.sum.update(data)
        return data

    def readinto(self, buffer: Any) -> int:
        n = self.stream.readinto(buffer)
        self.sum.update(memoryview(buffer)[:n])
        return n

    def tell(self) -> int:
        return self.stream.tell()

    def hexdigest(self) -> str:
        return self.sum.hexdigest()


def _load_chunk(stream: io.BufferedReader, written: list[Any]) -> Any:
    # a reader per chunk: its memo numbers from 0, as the writer's did
    reader = pickle.Unpickler(stream)
    reader.persistent_load = written.__getitem__  # type: ignore[assignment]
    out = reader.load()
    made = reader.memo.copy()
    if made and next(reversed(made)) != len(made) - 1:
        raise pickle.UnpicklingError("memo with gaps")
    written.extend(made.values())
    return out


class _Unset:
    """Stands for an attribute an object does not have (the reader leaves it unset)."""


def _groups(objects: list[Any]) -> list[list[Any]]:
    """The objects of each class, classes in the order they first come: the
    writer and the reader number the columns' groups alike."""
    by_class: dict[type, list[Any]] = {}
    for o in objects:
        by_class.setdefault(type(o), []).append(o)
    return list(by_class.values())


# how a chunk of attribute values is stored (see _columns)
_VALUES, _SOME_UNSET, _SHARED = 0, 1, 2


def _set_column(groups: list[list[Any]], chunk: Any) -> None:
    """One chunk of attribute values back onto its objects (see :func:`_columns`)."""
    group, name, start, values, kind = chunk
    objs = groups[group]
    if kind == _SHARED:
        if values is not _Unset:  # one value for all of them
            _setter(type(objs[0]), name)(objs, repeat(values, len(objs)))
        return
    objs = objs[start:start + len(values)]
    if name == "__dict__":
        for o, d in zip(objs, values):
            o.__dict__.update(d)
    elif kind == _SOME_UNSET:
        for o, v in zip(objs, values):
            if v is not _Unset:
                setattr(o, name, v)
    else:
        _setter(type(objs[0]), name)(objs, values)


_SETTERS: dict[str, Callable[[list[Any], Iterable[Any]], None]] = {}


def _setter(cls: type, name: str) -> Callable[[list[Any], Iterable[Any]], None]:
    """A loop that sets attribute ``name`` (one of ``cls``'s slots) of each object
    to its value: stores in bytecode take ~40 % less time than ``setattr``
    calls, and a stored parse sets ~800k attributes."""
    if name not in slot_names(cls):
        raise pickle.UnpicklingError(f"{cls.__name__} has no attribute {name!r}")
    f = _SETTERS.get(name)
    if f is None:
        if not name.isidentifier() or keyword.iskeyword(name):
            raise pickle.UnpicklingError(f"not an attribute name: {name!r}")
        code: dict[str, Any] = {}
        exec(f"def set_all(objs, values):\n    for o, v in zip(objs, values):\n        o.{name} = v\n", code)
        f = _SETTERS[name] = code["set_all"]
    return f


class _TwoPassPickler(pickle.Pickler):
    def __init__(self, f: Any, known: set[int]) -> None:
        super().__init__(f, protocol=pickle.HIGHEST_PROTOCOL)
        self.known = known
        self.bare = True
        # id -> number of what earlier chunks wrote
        self.written: dict[int, int] = {}
        self.alive: list[Any] = []
        self.numbered = 0
        # made only to be written in this chunk: freed after it, so never referred to
        self.temporary: list[Any] = []

    def persistent_id(self, obj: Any) -> int | None:  # type: ignore[override]
        return self.written.get(id(obj))

    def dump_chunk(self, obj: Any, *, keep: bool = True) -> None:
        """Write ``obj`` as a pickle of its own; what it wrote (``keep``) can
        be referred to by later chunks."""
        self.dump(obj)
        if keep:
            temporary = {id(o) for o in self.temporary}
            memo = self.memo.copy()
            for key, (index, made) in memo.items():
                if key not in temporary:
                    self.written[key] = self.numbered + index
                    # a number stands for an id, so the object must outlive the pickler
                    # (a chunk's own tuple would otherwise free its id for another)
                    self.alive.append(made)
            # the reader numbers everything it made, temporary or not
            self.numbered += len(memo)
        self.clear_memo()
        self.temporary.clear()

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, _KIND):
            if self.bare and id(obj) in self.known:
                return (copyreg.__newobj__, (type(obj),))  # type: ignore[attr-defined]
            # an object not reached by all_objects() would come back without attributes
            raise pickle.PicklingError(f"{type(obj).__name__} outside the parse")
        return NotImplemented


def _columns(objects: list[Any], unbound: dict[int, list[tuple[int, Any]]],
             temporary: list[Any]) -> Iterator[tuple[int, str, int, Any, int]]:
    """The attributes of ``objects`` as chunks (group, name, first object, values,
    kind): each class's objects (:func:`_groups`) one attribute at a time, a
    slice of values (``_SOME_UNSET`` when an object there does not have it), or
    (``_SHARED``) the one object every one of them has there.  What is made only
    to be written goes to ``temporary``."""
    for group, objs in enumerate(_groups(objects)):
        cls = type(objs[0])
        leave_out = kparse.TRANSIENT if issubclass(cls, KernelKconfig) else frozenset()
        for name in slot_names(cls):
            if name in leave_out:
                continue
            values: list[Any] = [getattr(o, name, _Unset) for o in objs]
            if name == "defaults":
                for i, o in enumerate(objs):
                    late = unbound.get(id(o))
                    if late:
                        # stored as parsed: the late values are bound on each load
                        defaults = list(values[i])
                        for at, entry in late:
                            defaults[at] = entry
                        values[i] = defaults
                        temporary.append(defaults)
            first = values[0]
            if all(v is first for v in values):
                yield group, name, 0, first, _SHARED
                continue
            for start in range(0, len(values), _COLUMN):
                part = values[start:start + _COLUMN]
                temporary.append(part)
                yield group, name, start, part, _SOME_UNSET if any(v is _Unset for v in part) else _VALUES
        if any(getattr(o, "__dict__", None) is not None for o in objs):
            dicts = [{k: v for k, v in o.__dict__.items() if k not in leave_out} for o in objs]
            temporary.append(dicts)
            yield group, "__dict__", 0, dicts, _VALUES


def _write_objects(f: Any, header: dict[str, Any], kconf: KernelKconfig, stopped: Callable[[], bool]) -> bool:
    objects = kconf.all_objects()
    unbound: dict[int, list[tuple[int, Any]]] = {}
    for lv in kconf.late_values or ():
        for owner, i, entry in lv.sites:
            unbound.setdefault(id(owner), []).append((i, entry))
    pickler = _TwoPassPickler(f, {id(o) for o in objects})
    pickler.dump_chunk(header, keep=False)
    if isinstance(f, _SummingWriter):
        f.mark_header()
    pickler.dump_chunk(objects)  # attributes below refer back to these
    pickler.bare = False
    temporary = pickler.temporary
    for chunk in _columns(objects, unbound, temporary):
        if stopped():
            return False
        temporary.append(chunk)
        pickler.dump_chunk(chunk)
    return True


__all__ = ["ParseCache", "WriterLock", "code_fingerprint", "default_root"]
