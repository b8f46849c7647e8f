"""A disk cache for ``$(shell,…)`` results, keyed by what the command can run.

An entry is used only when everything the command depends on that we can see
is unchanged:

* the command text, the working directory and the environment it reads
  (``$VAR`` references, ``NAME=value`` words, and a fixed set of variables
  that change what compilers and shells do, PATH first);
* the identity (realpath, size, mtime_ns) of every word that resolves to an
  executable through the probe's PATH or is an absolute or cwd-relative path,
  of the values of referenced variables that name programs, of the assembler
  and linker a compiler driver calls, and of every tree script the command
  runs plus the sibling scripts those name;
* for a compiler driver (gcc, cc, clang, with any prefix), the folders it
  searches for programs, libraries and crt files (``-print-search-dirs``,
  asked once per load, with the probe's ``-m32``/``--target=``/``--sysroot=``/
  ``-B``) and the sysroot's include and library folders: a library or header
  installed there changes the folder's mtime;
* the package database's state (``/var/lib/dpkg/status`` and its rpm,
  pacman, apk and xbps counterparts): every install or removal re-runs
  the probes once.

Not seen, and so documented as known: a file changed in place with its
size and mtime kept, and a header added by hand deep below an include
folder (not through a package manager).

A command whose program cannot be found (and is not a shell builtin) is never
cached, nor one that runs something whose result depends on state outside
its words: ``rust_is_available.sh`` (rust-src, libclang), interpreters
importing modules, rustup/pyenv proxies (the toolchain they pick lives in
settings files, ``rust-toolchain(.toml)``, ``rustup override``), symbolic
or hard links to ``rustup`` alike.  Entries are JSON files written atomically; a format change
bumps ``FORMAT``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shlex
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

FORMAT = 1

_BUILTINS = frozenset({
    "test", "[", "[[", "]", "]]", "echo", "printf", "true", "false", ":", "{", "}", "(", ")", "!",
    "command", "set", "trap", "exit", "return", "cd", "export", "unset", "read", "shift",
    "eval", "exec", "type", "if", "then", "else", "elif", "fi", "case", "esac", "for", "while",
    "until", "do", "done", "in", "local", "wait", "umask", "getopts", "hash", "pwd",
})
# Words after which the next word runs as a program.
_COMMAND_STARTS = frozenset({";", "&&", "||", "|", "&", "(", "{", "!", "then", "else", "elif", "do",
                             "if", "while", "until", "exec", "command", "time", "$("})
_REDIRECTS = frozenset({">", ">>", "<", "<<", ">&", "<&", "&>", ">|", "<>"})
# Results that depend on state no word of the command names.
_NEVER = frozenset({"rust_is_available.sh", "python", "python3", "perl", "openssl", "pkg-config",
                    "rustup"})
_AMBIENT = ("PATH", "LANG", "LC_ALL", "LC_MESSAGES", "LC_CTYPE", "LD_LIBRARY_PATH", "LD_PRELOAD",
            "GCC_EXEC_PREFIX", "COMPILER_PATH", "CPATH", "C_INCLUDE_PATH", "LIBRARY_PATH",
            "RUSTUP_TOOLCHAIN", "RUSTUP_HOME", "CARGO_HOME", "LIBCLANG_PATH", "CLANG_PATH",
            "BINDGEN_EXTRA_CLANG_ARGS", "RUST_LIB_SRC", "CCACHE_DIR")
_VAR_RE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
_REF_RE = re.compile(r"^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$")
_ASSIGN_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", re.S)
_SCRIPT_NAME_RE = re.compile(r"[\w.-]+\.(?:sh|py|pl|awk)\b")
# what package managers rewrite on every install and removal
_PACKAGE_DATABASES = ("/var/lib/dpkg/status", "/var/lib/rpm/rpmdb.sqlite", "/var/lib/rpm/Packages",
                      "/var/lib/pacman/local", "/lib/apk/db/installed", "/var/db/xbps")
# compiler options that choose another target, and so other search folders
_TARGET_FLAG_RE = re.compile(r"^(?:-m(?:32|64|x32|16)|--target=\S+|--sysroot=\S+|-B\S+)$")
_DRIVER_RE = re.compile(r"^(?P<prefix>.*?)(?:gcc|cc|clang)(?:-\d+(?:\.\d+)*)?$")

Identity = tuple[str, str, int, int]  # (word, realpath, size, mtime_ns); size -1 = missing


def default_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "rustconfig-gui" / "probes"


@dataclass(frozen=True)
class ProbeKey:
    digest: str
    command: str
    identity: tuple[Identity, ...]


@dataclass(frozen=True)
class CachedResult:
    stdout: bytes
    stderr: bytes
    returncode: int
    seconds: float


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    uncacheable: int = 0
    uncacheable_commands: list[str] = field(default_factory=list)


class Uncacheable(Exception):
    """The command's identity cannot be established."""


class ProbeCache:
    """Probe results on disk under ``root`` (default ``$XDG_CACHE_HOME/rustconfig-gui/probes``).

    With ``enabled=False`` nothing is read or written.
    """

    def __init__(self, root: str | os.PathLike[str] | None = None, *, enabled: bool = True) -> None:
        self.root = Path(root) if root is not None else default_root()
        self.enabled = enabled
        self.stats = CacheStats()
        self._which: dict[tuple[str, str], str | None] = {}
        self._stat: dict[str, tuple[str, int, int]] = {}
        # realpath of each path, like _which kept for the instance (one load): a load's
        # ~100 keys name the same compiler, assembler, linker and folders, and realpath
        # is an lstat per path component; size and mtime are still read once per key
        self._real: dict[str, str] = {}
        self._script_text: dict[str, str] = {}
        self._folders: dict[tuple[object, ...], list[str]] = {}

    # -- identity ---------------------------------------------------------
    def key(self, command: str, env: dict[str, str], cwd: str, srctree: str) -> ProbeKey | None:
        """The cache key of ``command``, or None when it must not be cached."""
        if not self.enabled:
            return None
        self._stat.clear()  # files may change between loads; within one key, stat once
        try:
            identity, var_names = self._identity(command, env, cwd, srctree)
        except Uncacheable:
            self.stats.uncacheable += 1
            self.stats.uncacheable_commands.append(command)
            return None
        env_part = sorted((n, env.get(n)) for n in set(_AMBIENT) | var_names)
        blob = json.dumps([FORMAT, command, os.path.realpath(cwd), env_part], sort_keys=True)
        return ProbeKey(hashlib.sha256(blob.encode()).hexdigest(), command, tuple(identity))

    def _identity(self, command: str, env: dict[str, str], cwd: str,
                  srctree: str) -> tuple[list[Identity], set[str]]:
        path = env.get("PATH", "")
        words, positions = _words(command)
        var_names = set(_VAR_RE.findall(command))
        seen: dict[str, Identity] = {}
        pending = list(zip(words, positions, strict=True))
        # values of referenced variables may name programs too (e.g. $CC)
        for name in sorted(var_names):
            value = env.get(name)
            if value:
                pending.extend((w, False) for w in value.split())
        scripts: list[str] = []
        while pending:
            word, is_command = pending.pop(0)
            m = _ASSIGN_RE.match(word)
            if m:
                var_names.add(m.group(1))
                pending.extend((w, False) for w in m.group(2).split())
                continue
            if is_command and word in _BUILTINS:
                continue
            ref = _REF_RE.match(word)
            if ref:
                # '$CC -x c …': the program is the variable's value
                words = env.get(ref.group(1), "").split()
                if is_command and not words:
                    raise Uncacheable(word)
                pending[:0] = [(w, is_command and i == 0) for i, w in enumerate(words)]
                continue
            base = os.path.basename(word)
            resolved = self._resolve(word, path, cwd)
            if resolved is not None and (base in _NEVER or "/shims/" in resolved
                                         or os.path.basename(self._file_id(resolved)[0]) in _NEVER
                                         or self._is_rustup_proxy(resolved, env)):
                raise Uncacheable(word)
            if resolved is None:
                if is_command:
                    raise Uncacheable(word)
                if (word.startswith("/") and len(word) > 1 and not word.startswith("/dev/")
                        and " " not in word):
                    seen.setdefault(word, (word, word, -1, 0))  # its appearance must invalidate
                # a quoted word may hold a command line of its own
                for sub in word.split() if " " in word else ():
                    if (r := self._resolve(sub, path, cwd)) is not None:
                        seen.setdefault(sub, (sub, *self._file_id(r)))
                continue
            if word not in seen:
                seen[word] = (word, *self._file_id(resolved))
            real = seen[word][1]
            if real.startswith(os.path.realpath(srctree) + os.sep) and real not in scripts:
                scripts.append(real)
            d = _DRIVER_RE.match(base)
            if d:
                # what the compiler reads besides itself: its search folders (a library or header
                # installed there changes what it links or compiles)
                for folder in self._compiler_folders(resolved, _target_flags(words), env, cwd):
                    seen.setdefault(f"folder:{folder}", (f"folder:{folder}", *self._file_id(folder)))
            if d and "/" not in word:
                prefix = d.group("prefix")
                for companion in (f"{prefix}as", f"{prefix}ld"):
                    r = self._resolve(companion, path, cwd)
                    if r is not None:
                        seen.setdefault(companion, (companion, *self._file_id(r)))
        for script in scripts:
            text = self._read_script(script)
            for name in _VAR_RE.findall(text):
                if name in env and name not in var_names:
                    var_names.add(name)
                    for w in env[name].split():
                        r = self._resolve(w, path, cwd)
                        if r is not None:
                            seen.setdefault(w, (w, *self._file_id(r)))
            folder = os.path.dirname(script)
            for name in set(_SCRIPT_NAME_RE.findall(text)):
                sibling = os.path.join(folder, name)
                if os.path.basename(sibling) in _NEVER:
                    raise Uncacheable(sibling)
                if os.path.isfile(sibling):
                    seen.setdefault(sibling, (sibling, *self._file_id(sibling)))
        # installing or removing a package (a library, headers, a plugin) changes the package database
        for ident in package_database_state(self._file_id):
            seen.setdefault(ident[0], ident)
        return sorted(seen.values()), var_names

    def _is_rustup_proxy(self, resolved: str, env: dict[str, str]) -> bool:
        """A hard-linked rustup proxy (rustup before 1.28, RUSTUP_HARDLINK_PROXIES=1): which toolchain
        it runs depends on rust-toolchain(.toml), ``rustup override`` and ``rustup default``."""
        try:
            st = os.stat(resolved)
        except OSError:
            return False
        if st.st_nlink < 2:
            return False
        cargo_home = env.get("CARGO_HOME") or os.path.join(env.get("HOME") or os.path.expanduser("~"), ".cargo")
        for folder in (os.path.dirname(resolved), os.path.join(cargo_home, "bin")):
            for name in ("rustup", "rustup-init"):
                try:
                    other = os.stat(os.path.join(folder, name))
                except OSError:
                    continue
                if (other.st_dev, other.st_ino) == (st.st_dev, st.st_ino):
                    return True
        return False

    def _compiler_folders(self, driver: str, flags: tuple[str, ...], env: dict[str, str], cwd: str) -> list[str]:
        """The folders ``driver`` searches for programs, libraries, crt files and headers
        (``-print-search-dirs``, ``-print-sysroot``), asked once per cache instance (one load)."""
        memo_key = (driver, flags, env.get("PATH", ""), env.get("GCC_EXEC_PREFIX", ""),
                    env.get("LIBRARY_PATH", ""), env.get("COMPILER_PATH", ""))
        found = self._folders.get(memo_key)
        if found is not None:
            return found
        from rustconfig_gui.host import process

        folders: list[str] = []
        sysroot = ""
        try:
            done = process.run([driver, *flags, "-print-search-dirs"], env=env, cwd=cwd, timeout=20)
            if done.returncode == 0:
                for line in os.fsdecode(done.stdout).splitlines():
                    name, _, value = line.partition(": ")
                    if name in ("install", "programs", "libraries"):
                        folders += [v for v in value.lstrip("=").split(":") if v]
            done = process.run([driver, *flags, "-print-sysroot"], env=env, cwd=cwd, timeout=20)
            if done.returncode == 0:
                sysroot = os.fsdecode(done.stdout).strip()
        except (OSError, process.Timeout, process.Cancelled):
            pass
        folders += [f"{sysroot}/usr/include", f"{sysroot}/usr/local/include", f"{sysroot}/usr/lib",
                    f"{sysroot}/lib"]
        found = list(dict.fromkeys(os.path.normpath(f) for f in folders))
        self._folders[memo_key] = found
        return found

    def _resolve(self, word: str, path: str, cwd: str) -> str | None:
        if not word or word.startswith("-") or "$" in word or "=" in word or "\n" in word:
            return None
        k = (word, path if "/" not in word else cwd)
        if k in self._which:
            return self._which[k]
        found: str | None = None
        if "/" in word:
            p = word if os.path.isabs(word) else os.path.join(cwd, word)
            if os.path.isfile(p):
                found = p
        elif " " not in word:
            for d in path.split(os.pathsep):
                p = os.path.join(d or ".", word)
                if os.path.isfile(p) and os.access(p, os.X_OK):
                    found = p
                    break
        self._which[k] = found
        return found

    def _file_id(self, path: str) -> tuple[str, int, int]:
        got = self._stat.get(path)
        if got is None:
            real = self._real.get(path)
            if real is None:
                real = self._real[path] = os.path.realpath(path)
            got = self._stat[path] = real_file_identity(real)
        return got

    def _read_script(self, path: str) -> str:
        text = self._script_text.get(path)
        if text is None:
            try:
                with open(path, encoding="utf-8", errors="replace") as f:
                    text = f.read(200_000)
            except OSError:
                text = ""
            self._script_text[path] = text
        return text

    # -- storage ----------------------------------------------------------
    def _file(self, key: ProbeKey) -> Path:
        return self.root / key.digest[:2] / f"{key.digest}.json"

    def get(self, key: ProbeKey) -> CachedResult | None:
        try:
            with open(self._file(key), encoding="utf-8") as f:
                data = json.load(f)
        except (OSError, ValueError):
            self.stats.misses += 1
            return None
        if (data.get("format") != FORMAT or data.get("command") != key.command
                or [tuple(i) for i in data.get("identity", [])] != list(key.identity)):
            self.stats.misses += 1
            return None
        self.stats.hits += 1
        return CachedResult(data["stdout"].encode("utf-8", "surrogateescape"),
                            data["stderr"].encode("utf-8", "surrogateescape"),
                            int(data["returncode"]), float(data["seconds"]))

    def put(self, key: ProbeKey, result: CachedResult) -> None:
        if not self.enabled:
            return
        data = {"format": FORMAT, "command": key.command, "identity": [list(i) for i in key.identity],
                "stdout": result.stdout.decode("utf-8", "surrogateescape"),
                "stderr": result.stderr.decode("utf-8", "surrogateescape"),
                "returncode": result.returncode, "seconds": result.seconds}
        target = self._file(key)
        tmp = ""
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".json")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f)
            os.replace(tmp, target)
            tmp = ""
        except OSError:
            pass  # a cache that cannot be written only costs time
        finally:
            if tmp:  # a full disk: no empty temp file left behind
                with contextlib.suppress(OSError):
                    os.unlink(tmp)

    def clear(self) -> int:
        """Remove every entry; returns how many were removed."""
        removed = 0
        if not self.root.is_dir():
            return 0
        for f in self.root.glob("*/*.json"):
            try:
                f.unlink()
                # a temp file of a write that never finished is not a result
                removed += not f.name.startswith(".")
            except OSError:
                pass
        for d in self.root.iterdir():
            if d.is_dir():
                try:
                    d.rmdir()
                except OSError:
                    pass
        return removed

    def entries(self) -> int:
        return sum(1 for f in self.root.glob("*/*.json") if not f.name.startswith(".")) if self.root.is_dir() else 0


def file_identity(path: str) -> tuple[str, int, int]:
    """(realpath, size, mtime_ns) of ``path``; size -1 when it is missing."""
    return real_file_identity(os.path.realpath(path))


def real_file_identity(real: str) -> tuple[str, int, int]:
    """:func:`file_identity` of a path already resolved."""
    try:
        st = os.stat(real)
    except OSError:
        return (real, -1, 0)
    return (real, st.st_size, st.st_mtime_ns)


def package_database_state(
        file_id: Callable[[str], tuple[str, int, int]] = file_identity) -> list[Identity]:
    """The identity of every package manager's database present here: any install or removal
    (of a library, headers, a tool, the package manager itself) changes one of them."""
    out: list[Identity] = []
    for db in _PACKAGE_DATABASES:
        ident = file_id(db)
        if ident[1] >= 0:
            out.append((f"packages:{db}", *ident))
    return out


def _target_flags(words: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(w for w in words if _TARGET_FLAG_RE.match(w)))


def _words(command: str) -> tuple[list[str], list[bool]]:
    """Shell words of ``command`` and whether each is in command position."""
    lex = shlex.shlex(command, posix=True, punctuation_chars=";&|()<>")
    lex.whitespace_split = True
    lex.commenters = ""
    try:
        toks = list(lex)
    except ValueError as e:  # unbalanced quotes: cannot tell what runs
        raise Uncacheable(command) from e
    words: list[str] = []
    positions: list[bool] = []
    expect_command = True
    after_redirect = False
    prev = ""
    for tok in toks:
        if tok and set(tok) <= set(";&|()<>"):
            after_redirect = tok in _REDIRECTS or tok.endswith(">") or tok.endswith("<")
            expect_command = not after_redirect and (tok in _COMMAND_STARTS or tok in (";", "&&", "||"))
            continue
        if after_redirect:
            after_redirect = False
            words.append(tok)
            positions.append(False)
            continue
        if expect_command and tok.startswith("-") and prev in ("command", "exec", "time"):
            words.append(tok)  # an option of 'command -v': the next word is still the program
            positions.append(False)
            continue
        is_cmd = expect_command and not _ASSIGN_RE.match(tok)
        words.append(tok)
        positions.append(is_cmd)
        if is_cmd:
            expect_command = tok in _COMMAND_STARTS
            prev = tok
    return words, positions
