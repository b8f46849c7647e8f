"""Which symbols the window highlights as Rust-related (the core's classifier)."""

from __future__ import annotations

from kconfiglib import Symbol

from ..core.loader import LoadedTree
from ..core.rustclass import rust_symbols


def rust_symbols_for(lt: LoadedTree) -> frozenset[Symbol]:
    return frozenset(rust_symbols(lt))
