"""Modules imported on first use: what the window's first screen does not need
(the planner behind "Make available…", presets and fragments) is imported when
a dialog first needs it, not while the window starts.

Usage, so that type checkers see the real module::

    if TYPE_CHECKING:
        from rustconfig_gui.explain import fix
    else:
        fix = LazyModule("rustconfig_gui.explain.fix")
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule:
    """Stands for the module ``name``; the first attribute read imports it (importlib's
    import lock makes that safe from any thread) and every read is the module's."""

    __slots__ = ("_name", "_module")

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        module = self._module
        if module is None:
            module = self._module = importlib.import_module(self._name)
        return getattr(module, attr)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}{'' if self._module is None else ' (imported)'}>"
