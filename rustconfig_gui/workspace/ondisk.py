"""Did another program write the file we are about to save over?

What the save target looked like when this window last read or wrote it is
kept as :class:`Seen`; saving passes :meth:`Seen.check` to
:func:`~rustconfig_gui.kconfig.configfile.write_atomic`, which runs it under
the folder's advisory lock, so the check and the write are one step for every
saver that takes the same lock (this window, the ``rustconfig`` CLI).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from rustconfig_gui.host.paths import os_error_sentence, show_path
from rustconfig_gui.kconfig.configfile import ChangedOnDisk, WriteResult


@dataclass(frozen=True)
class FileStamp:
    """What a file looked like when we read or wrote it."""

    mtime_ns: int
    size: int
    digest: str

    @classmethod
    def of(cls, path: Path) -> FileStamp | None:
        try:
            return cls.read(path)
        except OSError:
            return None

    @classmethod
    def read(cls, path: Path) -> FileStamp | None:
        """None when there is no file; OSError when there is one that cannot be read."""
        try:
            st = path.stat()
        except (FileNotFoundError, NotADirectoryError):
            return None
        data = path.read_bytes()
        return cls(st.st_mtime_ns, st.st_size, hashlib.sha256(data).hexdigest())

    def changed(self, path: Path) -> bool:
        now = FileStamp.of(path)
        return now is None or now.digest != self.digest


@dataclass(frozen=True)
class Seen:
    """The save target as this window last saw it."""

    path: Path
    stamp: FileStamp | None  # None: there was no file (or it could not be read: ``error``)
    error: str = ""
    #: the file the values came from when it is not ``path`` (Load config…, --config FILE, a defconfig)
    source: Path | None = None

    @classmethod
    def look(cls, path: Path, source: Path | None = None) -> Seen:
        try:
            stamp, error = FileStamp.read(path), ""
        except OSError as e:
            stamp, error = None, os_error_sentence(e, "Cannot read")
        return cls(path, stamp, error, None if source == path else source)

    def change(self) -> str:
        """"" when saving over the file loses nothing another program wrote; else one sentence."""
        p = show_path(self.path)
        try:
            now = FileStamp.read(self.path)
        except OSError as e:
            return (f"{os_error_sentence(e, 'Cannot read')[:-1]}, so this window cannot tell whether another "
                    f"program changed {p}.")
        if now is None:
            return ""  # gone: saving only puts it back
        if self.stamp is None and not self.error:
            return f"{p} was created by another program after this window opened the tree."
        if self.stamp is not None and now.digest == self.stamp.digest:
            return ""
        if self.error:
            return f"{p} could not be read when this window opened the tree; what it holds now was never loaded here."
        if self.source is not None:
            return (f"{p} was changed by another program after this window opened the tree "
                    f"(the values here came from {show_path(self.source)}).")
        return f"{p} was changed by another program since it was loaded here."

    def check(self, path: Path) -> None:
        """For ``write_atomic(check=…)``: refuse when :meth:`change` has something to say."""
        if path != self.path:
            return  # saving elsewhere (Save as…) overwrites what the user chose
        why = self.change()
        if why:
            raise ChangedOnDisk(why)


def save_message(result: WriteResult) -> str:
    """The status line after a save: what actually happened on disk."""
    p = show_path(result.path)
    if not result.written:
        return f"No change to {p}: it already holds this configuration."
    msg = f"Saved {p}"
    if result.old_kept is not None:
        msg += f" (previous version kept as {result.old_kept.name})"
    msg += "."
    if result.note:
        msg += f" {result.note}"
    return msg
