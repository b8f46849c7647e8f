"""Which Kconfig symbols are about Rust.

A symbol is Rust-related when any of these holds:

1. its name has a Rust word as a whole ``_``-separated component: RUST,
   RUSTC, BINDGEN, RUSTFMT or RUSTDOC (so ``RUSTC_VERSION`` and
   ``HAVE_RUST`` are, ``TRUSTED_KEYS`` and ``THRUST...`` are not);
2. it is defined in a file under ``rust/`` or ``samples/rust/``, or in a
   file whose path has ``rust`` as a whole word (``Kconfig.rust``; not
   ``trusted-keys``);
3. it requires a Rust-related symbol: one AND term of its dependencies
   (its own ``depends on`` or those of the menus and ``if`` blocks around
   it) is that symbol, or compares it (``RUSTC_VERSION >= 108800``).
   Alternatives such as ``!RUST || …`` do not count: they allow the symbol
   without Rust;
4. it selects a Rust-related symbol other than an architecture capability
   (``HAVE_*``/``ARCH_*``), so ``X86`` selecting ``HAVE_RUST`` is not Rust.

Rules 3 and 4 are applied until nothing changes.
"""

from __future__ import annotations

import functools
import re
import weakref

from kconfiglib import AND, EQUAL, GREATER, GREATER_EQUAL, LESS, LESS_EQUAL, UNEQUAL, MenuNode, Symbol

from rustconfig_gui.kconfig import menutree
from rustconfig_gui.kconfig.loader import LoadedTree

RUST_WORDS = frozenset({"RUST", "RUSTC", "BINDGEN", "RUSTFMT", "RUSTDOC"})
_RELATIONS = (EQUAL, UNEQUAL, LESS, LESS_EQUAL, GREATER, GREATER_EQUAL)


# the first release with 'config RUST'
RUST_FIRST_VERSION = (6, 1)


def predates_rust(lt: LoadedTree) -> str | None:
    """One plain sentence for a tree older than Rust support (no 'config RUST',
    before 6.1); None for any other tree."""
    if lt.sym("RUST") is not None or tuple(lt.version[:2]) >= RUST_FIRST_VERSION:
        return None
    first = ".".join(map(str, RUST_FIRST_VERSION))
    return f"Rust support starts with Linux {first}; this tree ({lt.version_text}) predates it."


def name_is_rust(name: str) -> bool:
    return any(part in RUST_WORDS for part in name.upper().split("_"))


@functools.lru_cache(maxsize=4096)  # ~1,600 Kconfig files against ~19,000 entries
def file_is_rust(filename: str) -> bool:
    f = filename.replace("\\", "/")
    if f.startswith(("rust/", "samples/rust/")):
        return True
    return "rust" in re.split(r"[/._-]+", f.lower())


def _required(sym: Symbol) -> set[Symbol]:
    """Symbols that must be set for ``sym`` to be possible (plain or compared AND terms)."""
    out: set[Symbol] = set()
    for node in sym.nodes:
        # the AND terms (kconfiglib's split_expr, without its recursion: ~19,000 symbols)
        stack = [node.dep]
        while stack:
            term = stack.pop()
            if term.__class__ is Symbol:
                out.add(term)
            elif term.__class__ is tuple:
                if term[0] == AND:
                    stack += (term[1], term[2])
                elif term[0] in _RELATIONS:
                    out.update(s for s in term[1:] if s.__class__ is Symbol)
    return {s for s in out if not s.is_constant and s.nodes}


def _capability(name: str) -> bool:
    return name.startswith(("HAVE_", "ARCH_"))


# the rules read only the parsed structure, so one answer per parsed tree
_CACHE: weakref.WeakKeyDictionary[object, set[Symbol]] = weakref.WeakKeyDictionary()


def _classify(lt: LoadedTree) -> set[Symbol]:
    cached = _CACHE.get(lt.kconf)
    if cached is not None:
        return cached
    syms = lt.kconf.unique_defined_syms
    related = {s for s in syms
               if name_is_rust(s.name) or any(file_is_rust(n.filename) for n in s.nodes)}
    # rules 3 and 4 until nothing changes: from each related symbol to those that require or select it
    users: dict[Symbol, list[Symbol]] = {}
    for s in syms:
        for t in _required(s):
            users.setdefault(t, []).append(s)
        for t, _ in s.selects:
            if not _capability(t.name):
                users.setdefault(t, []).append(s)
    work = list(related)
    while work:
        for s in users.get(work.pop(), ()):
            if s not in related:
                related.add(s)
                work.append(s)
    _CACHE[lt.kconf] = related
    return related


def is_rust_related(lt: LoadedTree, sym: Symbol) -> bool:
    return sym in _classify(lt)


def rust_node_ids(lt: LoadedTree, rust_syms: frozenset[Symbol]) -> frozenset[int]:
    """ids of the entries that are, or hold inside them, a Rust-related symbol
    (what the Rust lens shows)."""
    found: set[int] = set()

    def mark(node: MenuNode) -> bool:
        has = node.item in rust_syms
        for child in menutree.static_children(node):
            has = mark(child) or has
        if has:
            found.add(id(node))
        return has

    mark(lt.kconf.top_node)
    return frozenset(found)


def rust_symbols(lt: LoadedTree) -> list[Symbol]:
    """Rust-related symbols in menu (definition) order."""
    related = _classify(lt)
    return [s for s in lt.kconf.unique_defined_syms if s in related]


__all__ = ["RUST_WORDS", "file_is_rust", "is_rust_related", "name_is_rust", "rust_symbols"]
