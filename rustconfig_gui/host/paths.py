"""Paths in messages: any bytes a Linux file name may hold, shown without lone surrogates.

Python decodes a file name that is not UTF-8 with ``surrogateescape`` (a byte
0xE9 becomes U+DCE9).  Such a string cannot be encoded as UTF-8 for a label,
a terminal or JSON; :func:`show_path` writes those bytes as ``\\xNN`` instead.
The path itself stays as it is (``os.fsencode`` gives the original bytes back).
"""

from __future__ import annotations

import errno
import os


def show_path(path: str | bytes | os.PathLike[str] | os.PathLike[bytes]) -> str:
    """``path`` as text: valid UTF-8 as it is, every other byte as ``\\xNN``."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def show_text(text: str) -> str:
    """Any text that may carry a path decoded with surrogateescape, made printable as UTF-8."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


_WHY = {
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.ENOENT: "it does not exist",
    errno.ENOTDIR: "a part of it is not a folder",
    errno.EISDIR: "it is a folder",
    errno.ENOSPC: "the disk is full",
    errno.EROFS: "the file system is read-only",
    errno.ELOOP: "too many symbolic links",
}


def os_error_sentence(e: OSError, doing: str = "Cannot use") -> str:
    """One sentence naming the path: ``Cannot use /x/y: permission denied.``"""
    why = _WHY.get(e.errno or 0) or (e.strerror or str(e)).rstrip(".").lower()
    if e.filename is None:
        return f"{doing[:1].upper()}{doing[1:]}: {why}."
    return f"{doing} {show_path(e.filename)}: {why}."


ESCAPE_ERRORS = "rustconfig-escape"


def _escape_surrogates(err: UnicodeError) -> tuple[str, int]:
    """Codec error handler: a byte smuggled in as U+DC80..U+DCFF becomes ``\\xNN``."""
    if not isinstance(err, UnicodeEncodeError):
        raise err
    out = []
    for ch in err.object[err.start:err.end]:
        code = ord(ch)
        out.append(f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}")
    return "".join(out), err.end


def install_escape_errors() -> str:
    """Register the ``rustconfig-escape`` error handler (for ``TextIOWrapper.reconfigure``)."""
    import codecs

    codecs.register_error(ESCAPE_ERRORS, _escape_surrogates)
    return ESCAPE_ERRORS


def clean_for_json(value: object) -> object:
    """``value`` with every string made valid UTF-8 (:func:`show_text`): JSON never carries lone surrogates."""
    if isinstance(value, str):
        return show_text(value)
    if isinstance(value, dict):
        return {clean_for_json(k): clean_for_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_for_json(v) for v in value]
    return value
