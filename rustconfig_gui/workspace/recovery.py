"""Unsaved edits kept on disk, so a crash or a killed session loses nothing.

Under ``$XDG_DATA_HOME/rustconfig-gui/recovery/``, one pair of files per tree
(source + build folder) *and window instance*: ``<tree>.<instance>.config``
(the values) and ``.json`` (what they belong to).  An instance is a process
id with its start time and the boot it ran in, so a second window on the same
tree never removes the first one's copy, and a reused pid is not mistaken for
a live window.  Only copies whose window no longer runs are offered.  Files
are written atomically and mode 0600; a damaged description is reported, not
fatal, and the values are still offered.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from rustconfig_gui.host.paths import show_path
from rustconfig_gui.kconfig.configfile import write_atomic
from rustconfig_gui.kconfig.tree import KernelTree
from rustconfig_gui.workspace.ondisk import FileStamp

__all__ = ["FileStamp", "Recovered", "clear_recovery", "data_home", "discard", "generation", "instance_id",
           "read_recovery", "recoveries", "recovery_path", "write_recovery"]


def data_home() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "rustconfig-gui"


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip().replace("-", "")[:12]
    except OSError:
        return "0"


def _start_time(pid: int) -> str | None:
    """The process's start time (clock ticks since boot), or None when it does not run."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[-1].split()
    # after the command: state is field 3, starttime field 22
    return fields[19] if len(fields) > 19 else None


def instance_id(pid: int | None = None) -> str:
    """``<boot>-<pid>-<start time>``: this window process, and no other before or after it."""
    pid = os.getpid() if pid is None else pid
    return f"{_boot_id()}-{pid}-{_start_time(pid) or 0}"


def _alive(instance: str) -> bool:
    boot, _, rest = instance.partition("-")
    pid_text, _, start = rest.partition("-")
    if boot != _boot_id() or not pid_text.isdigit():
        return False
    return _start_time(int(pid_text)) == start


def _tree_key(tree: KernelTree) -> str:
    # the folders' bytes: a name that is not UTF-8 is a valid Linux path
    return hashlib.sha256(os.fsencode(tree.source) + b"\0" + os.fsencode(tree.objtree)).hexdigest()[:20]


def recovery_path(tree: KernelTree, instance: str | None = None) -> Path:
    """This window's recovery copy of ``tree`` (``instance``: another window's)."""
    return data_home() / "recovery" / f"{_tree_key(tree)}.{instance or instance_id()}.config"


@dataclass
class Recovered:
    text: str
    saved_at: float
    config_path: str
    #: the values' file; discarding or restoring removes it
    path: Path | None = None
    #: a sentence when the description next to the values was damaged (they are offered all the same)
    note: str = ""


# A copy written in a worker must not outlive a clear (a save, Discard) that came after
# its values were taken: each clear starts a new generation, and a write of an older
# generation is dropped.
_lock = threading.Lock()
_generations: dict[str, int] = {}


def generation(tree: KernelTree) -> int:
    """Take this with the values to keep; hand it to :func:`write_recovery` as ``since``."""
    with _lock:
        return _generations.get(_tree_key(tree), 0)


def write_recovery(tree: KernelTree, config_text: str, config_path: Path, since: int | None = None) -> Path | None:
    """Write this window's copy; None (nothing written) when :func:`clear_recovery` ran after ``since``."""
    path = recovery_path(tree)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    meta = {"source": show_path(tree.source), "build": show_path(tree.objtree),
            "config": show_path(config_path), "saved_at": time.time(), "instance": instance_id()}
    with _lock:
        if since is not None and _generations.get(_tree_key(tree), 0) != since:
            return None
        # the values first: a description never points at values that are not there
        write_atomic(path, config_text, keep_old=False, mode=0o600)
        write_atomic(path.with_suffix(".json"), json.dumps(meta), keep_old=False, mode=0o600)
    return path


def _saved_at(meta: object, values: Path) -> tuple[float, str]:
    """The time the copy was made, and a note when the description cannot say."""
    problem = ""
    if not isinstance(meta, dict):
        problem = "is not a description"
    else:
        t = meta.get("saved_at")
        if isinstance(t, (int, float)) and not isinstance(t, bool) and math.isfinite(t) \
                and 0 < t < time.time() + 86_400:
            return float(t), ""
        problem = f"has an impossible time ({str(t)[:40]})"
    try:
        mtime = values.stat().st_mtime
    except OSError:
        mtime = time.time()
    return mtime, (f"{show_path(values.with_suffix('.json'))} {problem}; the time shown is when the values "
                   "were written.")


def _read_one(values: Path) -> Recovered | None:
    try:
        text = values.read_bytes().decode("utf-8", "replace")
    except OSError:
        return None
    try:
        meta: object = json.loads(values.with_suffix(".json").read_bytes())
    except (OSError, ValueError, RecursionError):
        meta = None
    saved_at, note = _saved_at(meta, values)
    config = meta.get("config", "") if isinstance(meta, dict) else ""
    return Recovered(text, saved_at, config if isinstance(config, str) else "", values, note)


def recoveries(tree: KernelTree) -> list[Recovered]:
    """Copies of unsaved edits to ``tree`` left by windows that no longer run (or by this one), newest first."""
    folder = data_home() / "recovery"
    key = _tree_key(tree)
    found: list[Recovered] = []
    try:
        names = sorted(folder.glob(f"{key}*.config"))
    except OSError:
        return []
    for values in names:
        middle = values.name[len(key):-len(".config")]
        instance = middle[1:] if middle.startswith(".") else ""
        if instance and instance != instance_id() and _alive(instance):
            continue  # another window's, and that window still runs
        rec = _read_one(values)
        if rec is not None:
            found.append(rec)
    found.sort(key=lambda r: r.saved_at, reverse=True)
    return found


def read_recovery(tree: KernelTree) -> Recovered | None:
    """The newest copy to offer for ``tree``, or None."""
    found = recoveries(tree)
    return found[0] if found else None


def discard(rec: Recovered) -> None:
    """Remove an offered copy (the user restored or discarded it)."""
    if rec.path is not None:
        for p in (rec.path, rec.path.with_suffix(".json")):
            with contextlib.suppress(OSError):
                p.unlink()


def clear_recovery(tree: KernelTree) -> None:
    """This window's copy is no longer needed (saved, or the edits were dropped).

    Another window's copy is left alone: it is offered when that window no longer runs."""
    path = recovery_path(tree)
    with _lock:
        _generations[_tree_key(tree)] = _generations.get(_tree_key(tree), 0) + 1
        for p in (path, path.with_suffix(".json")):
            with contextlib.suppress(OSError):
                p.unlink()
