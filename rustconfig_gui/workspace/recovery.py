"""Unsaved edits kept on disk, so a crash or a killed session loses nothing.

One file per tree (source + build folder) under
``$XDG_DATA_HOME/rustconfig-gui/recovery/``, written atomically.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from rustconfig_gui.kconfig.configfile import write_atomic
from rustconfig_gui.kconfig.tree import KernelTree


def data_home() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "rustconfig-gui"


def recovery_path(tree: KernelTree) -> Path:
    key = hashlib.sha256(f"{tree.source}\0{tree.objtree}".encode()).hexdigest()[:20]
    return data_home() / "recovery" / f"{key}.config"


@dataclass
class Recovered:
    text: str
    saved_at: float
    config_path: str


def write_recovery(tree: KernelTree, config_text: str, config_path: Path) -> Path:
    path = recovery_path(tree)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {"source": str(tree.source), "build": str(tree.objtree), "config": str(config_path),
            "saved_at": time.time()}
    write_atomic(path.with_suffix(".json"), json.dumps(meta), keep_old=False)
    write_atomic(path, config_text, keep_old=False)
    return path


def read_recovery(tree: KernelTree) -> Recovered | None:
    path = recovery_path(tree)
    try:
        meta = json.loads(path.with_suffix(".json").read_text())
        text = path.read_text()
    except (OSError, ValueError):
        return None
    return Recovered(text, float(meta.get("saved_at", 0)), str(meta.get("config", "")))


def clear_recovery(tree: KernelTree) -> None:
    path = recovery_path(tree)
    for p in (path, path.with_suffix(".json")):
        try:
            p.unlink()
        except FileNotFoundError:
            pass


@dataclass(frozen=True)
class FileStamp:
    """What a file looked like when we read or wrote it."""

    mtime_ns: int
    size: int
    digest: str

    @classmethod
    def of(cls, path: Path) -> FileStamp | None:
        try:
            st = path.stat()
            data = path.read_bytes()
        except OSError:
            return None
        return cls(st.st_mtime_ns, st.st_size, hashlib.sha256(data).hexdigest())

    def changed(self, path: Path) -> bool:
        now = FileStamp.of(path)
        return now is None or now.digest != self.digest
