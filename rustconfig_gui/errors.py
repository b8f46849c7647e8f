"""Errors the core reports as one clear sentence (never a traceback)."""

from __future__ import annotations


class RustconfigError(Exception):
    """Base class: ``str(err)`` is a sentence fit for a dialog or a terminal."""


class TreeError(RustconfigError):
    """The folder, ARCH or toolchain cannot be used to load Kconfig."""


class KconfigSyntaxError(RustconfigError):
    """A Kconfig file could not be parsed; carries file and line."""

    def __init__(self, message: str, filename: str | None = None, line: int | None = None):
        self.filename = filename
        self.line = line
        where = f"{filename}:{line}: " if filename and line else (f"{filename}: " if filename else "")
        super().__init__(f"{where}{message}")
        self.message = message


class LoadCancelled(RustconfigError):
    """Loading was cancelled by the user."""

    def __init__(self) -> None:
        super().__init__("Loading was cancelled.")


class ProbeTimeout(RustconfigError):
    """A ``$(shell,…)`` probe did not finish in time and was killed."""


class ConfigFileError(RustconfigError):
    """A .config or fragment cannot be read or written."""
