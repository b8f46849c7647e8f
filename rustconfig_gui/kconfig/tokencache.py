"""kconfiglib's tokenizer, without tokenizing the same line twice in one parse.

Half of a kernel's Kconfig lines repeat (``help``, ``default y``,
``depends on PCI``, ``select REGMAP_I2C``…: 56k of 107k in 7.2).
:class:`TokenCache`, mixed into
:class:`~rustconfig_gui.kconfig.parser.KernelKconfig` ahead of
``kconfiglib.Kconfig``, keeps the tokens of every line kconfiglib's own
``_tokenize`` read for the rest of the parse and hands them out again for the
same text.  Only lines whose tokens depend on nothing but their text are
kept: no ``$`` (a macro can expand to anything, and runs probes), no warning
while tokenizing (an unquoted prompt warns at each place), no error, and a
keyword first (the other lines, preprocessor assignments above all, do more
than tokenize).  The symbols in the tokens were registered the first time the
line was read, in kconfiglib's order; a later read would only find them.
tests/test_tokencache.py compares full dumps of real trees and of generated
files parsed both ways.
"""

from __future__ import annotations

from typing import Any

import kconfiglib


class TokenCache:
    """``kconfiglib.Kconfig._tokenize`` with the tokens of repeated lines kept (see the module)."""

    # kconfiglib's, as used here
    warnings: list[str]
    _line: str
    _parsing_kconfigs: bool
    # tokens by line text, during one parse (None outside a parse: eval_string() and the like)
    _rc_tokens: dict[str, list[Any]] | None = None

    def _tokenize(self, s: str) -> Any:
        cache = self._rc_tokens
        if cache is None or not self._parsing_kconfigs:
            return kconfiglib.Kconfig._tokenize(self, s)
        tokens = cache.get(s)
        if tokens is not None:
            self._line = s  # (kconfiglib's error messages quote it)
            return tokens
        if "$" in s:
            return kconfiglib.Kconfig._tokenize(self, s)
        warned = len(self.warnings)
        tokens = kconfiglib.Kconfig._tokenize(self, s)
        # a list: a keyword first (the other lines give a tuple)
        if tokens.__class__ is list and len(self.warnings) == warned:
            cache[s] = tokens
        return tokens


__all__ = ["TokenCache"]
