"""Keeping Python's cyclic garbage collector off the GUI thread's back.

A loaded kernel tree is ~350,000 objects tied in cycles (symbol <-> menu
node, parent <-> child, everything -> the Kconfig).  A full collection walks
all of them while holding the GIL: ~100 ms per tree on this machine, several
times during a parse as the heap grows, and whichever thread triggers it,
the GUI thread waits.  So:

* a load runs with the collector paused (:func:`collector_paused`), and the
  objects that now live as long as the tree are moved out of its sight
  (:func:`exempt_long_lived`, ``gc.freeze``);
* a tree that is no longer shown is taken apart in a worker
  (:func:`retire`): its cycles are cut object by object, so reference
  counting frees it in small steps and no full collection is needed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from rustconfig_gui.kconfig.parser import KernelKconfig, slot_names

_CHUNK = 2000


class Retirable(Protocol):
    """What :func:`retire` takes apart: a parse and what was computed from it
    (a :class:`~rustconfig_gui.kconfig.loader.LoadedTree`)."""

    @property
    def kconf(self) -> KernelKconfig: ...

    @property
    def ev(self) -> object: ...


@contextmanager
def collector_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def exempt_long_lived() -> None:
    """Leave every object alive now out of future collections (``gc.freeze``):
    called when a load ends, when what is alive is the tree."""
    gc.freeze()


def _clear(obj: Any) -> None:
    for name in slot_names(type(obj)):
        try:
            setattr(obj, name, None)
        except (AttributeError, TypeError):
            pass
    d = getattr(obj, "__dict__", None)
    if d is not None:
        d.clear()


def retire(lt: Retirable, stopped: Callable[[], bool] | None = None) -> None:
    """Cut every reference cycle of a tree nobody uses any more, in small steps.

    Destructive: ``lt`` and its parse are unusable afterwards.  The caller
    must have dropped its own references; what is left is freed as the
    cycles go (the frozen objects of :func:`exempt_long_lived` included).
    """
    kconf, ev = lt.kconf, lt.ev
    objects = kconf.all_objects()
    for container in vars(ev).values():
        if isinstance(container, (dict, set, list)):
            container.clear()
    # the Kconfig last: its dicts hold the objects until their own links are cut
    for i in range(len(objects) - 1, 0, -_CHUNK):
        for obj in objects[max(i - _CHUNK + 1, 1):i + 1]:
            _clear(obj)
        if stopped is not None and stopped():
            break  # window closing: the process ends anyway
    # freeing happens as the last references go: a slice at a time, not all at once
    while objects:
        del objects[-_CHUNK:]
    for value in list(vars(kconf).values()) + [getattr(kconf, "syms", None), getattr(kconf, "const_syms", None)]:
        _drain(value)
    _clear(kconf)
    lt.__dict__.clear()
    give_back_free_memory()


def give_back_free_memory() -> None:
    """Return freed heap pages to the system (glibc's ``malloc_trim``), so the
    memory of a retired tree shows as free, not as this process's."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):
        pass  # not glibc: the allocator keeps the pages for the next tree


def _drain(container: Any) -> None:
    if isinstance(container, dict):
        keys = list(container)
        for i in range(0, len(keys), _CHUNK):
            for k in keys[i:i + _CHUNK]:
                del container[k]
    elif isinstance(container, list):
        while container:
            del container[-_CHUNK:]
    elif isinstance(container, set):
        container.clear()


__all__ = ["Retirable", "collector_paused", "exempt_long_lived", "give_back_free_memory", "retire"]
