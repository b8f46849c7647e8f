"""Modules imported on first use: what the window's first screen does not need
(the planner behind "Make available…", presets and fragments) is imported when
a dialog first needs it, not while the window starts.

Usage, so that type checkers see the real module::

    if TYPE_CHECKING:
        from rustconfig_gui.explain import fix
    else:
        fix = LazyModule("rustconfig_gui.explain.fix")

A window imports them on a worker once its first screen is up
(:func:`import_pending`), so the first check or dialog does not wait for them
on the GUI thread either.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any


class LazyModule:
    """Stands for the module ``name``; the first attribute read imports it (importlib's
    import lock makes that safe from any thread) and every read is the module's."""

    __slots__ = ("_name", "_module")

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None
        _declared.add(name)

    def __getattr__(self, attr: str) -> Any:
        module = self._module
        if module is None:
            module = self._module = importlib.import_module(self._name)
        return getattr(module, attr)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}{'' if self._module is None else ' (imported)'}>"


#: every module a LazyModule stands for (declared by the modules imported so far)
_declared: set[str] = set()


def pending(skip: tuple[str, ...] = ()) -> list[str]:
    """The modules LazyModules stand for that are not imported yet, but for
    those whose names start with one of ``skip``."""
    return sorted(n for n in _declared if n not in sys.modules and not n.startswith(skip))


def import_pending(stopped: Callable[[], bool] = lambda: False, skip: tuple[str, ...] = ()) -> list[str]:
    """Import every :func:`pending` module (and those their own LazyModules then
    declare) until none is left or ``stopped()``; returns the names imported."""
    done: list[str] = []
    while not stopped():
        names = [n for n in pending(skip) if n not in done]
        if not names:
            break
        for name in names:
            if stopped():
                break
            importlib.import_module(name)
            done.append(name)
    return done
