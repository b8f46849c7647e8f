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
    return not RUST_WORDS.isdisjoint(name.upper().split("_"))


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


def _seeds(syms: list[Symbol]) -> set[Symbol]:
    """Rules 1 and 2: a Rust word in the name, or a definition in a Rust file."""
    words = RUST_WORDS
    rust_file: dict[str, bool] = {}
    related: set[Symbol] = set()
    for s in syms:
        name = s.name.upper()
        # every Rust word contains RUST but BINDGEN: most names are passed over on that alone
        if ("RUST" in name or "BINDGEN" in name) and not words.isdisjoint(name.split("_")):
            related.add(s)
            continue
        for n in s.nodes:
            f = n.filename
            r = rust_file.get(f)
            if r is None:
                r = rust_file[f] = file_is_rust(f)
            if r:
                related.add(s)
                break
    return related


def _classify(lt: LoadedTree) -> set[Symbol]:
    cached = _CACHE.get(lt.kconf)
    if cached is not None:
        return cached
    kconf = lt.kconf
    syms = kconf.unique_defined_syms
    related = _seeds(syms)
    # rules 3 and 4 until nothing changes, following only what leads from a related symbol:
    # whatever requires T has T in its direct dependencies, so it is among T's kconfiglib
    # ``_dependents``, except where one of several definitions has no dependency at all
    # (``direct_dep`` is then y and names nothing): those few are indexed here
    loose: dict[Symbol, list[Symbol]] = {}
    y = kconf.y
    for s in syms:
        if s.direct_dep is y and len(s.nodes) > 1:
            for t in _required(s):
                loose.setdefault(t, []).append(s)
    required: dict[Symbol, set[Symbol]] = {}
    selectors = lt.reverse
    work = list(related)
    while work:
        t = work.pop()
        users: list[Symbol] = []
        for s in t._dependents:  # type: ignore[attr-defined]
            if s.__class__ is Symbol and s not in related:
                req = required.get(s)
                if req is None:
                    req = required[s] = _required(s)
                if t in req:
                    users.append(s)
        users += loose.get(t, ())
        if not _capability(t.name):
            users += selectors.selected_by(t)
        for s in users:
            if s not in related:
                related.add(s)
                work.append(s)
    _CACHE[kconf] = related
    return related


def is_rust_related(lt: LoadedTree, sym: Symbol) -> bool:
    return sym in _classify(lt)


def rust_node_ids(lt: LoadedTree, rust_syms: frozenset[Symbol]) -> frozenset[int]:
    """ids of the entries that are, or hold inside them, a Rust-related symbol
    (what the Rust lens shows).

    The entries are those :func:`menutree.static_children` gives from the top:
    every node with a prompt, promptless ones passed through.  So an entry is
    marked when it is an entry of a Rust-related symbol or one of those lies
    under it: walked upwards from each such entry to the top."""
    found: set[int] = set()
    top = lt.kconf.top_node
    for sym in rust_syms:
        for node in sym.nodes:
            if node.prompt is None:
                continue
            p: MenuNode | None = node
            while p is not None and p is not top:
                if p.prompt is not None:
                    key = id(p)
                    if key in found:
                        break  # the rest of the way up is marked already
                    found.add(key)
                p = p.parent
    if found or top.item in rust_syms:
        found.add(id(top))
    return frozenset(found)


def rust_symbols(lt: LoadedTree) -> list[Symbol]:
    """Rust-related symbols in menu (definition) order."""
    related = _classify(lt)
    return [s for s in lt.kconf.unique_defined_syms if s in related]


__all__ = ["RUST_WORDS", "file_is_rust", "is_rust_related", "name_is_rust", "rust_symbols"]
