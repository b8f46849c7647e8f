"""A compact summary of Rust on the loaded tree, for the top of the window."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from kconfiglib import Symbol

from rustconfig_gui.explain import why
from rustconfig_gui.explain.rustclass import predates_rust
from rustconfig_gui.explain.why import decode_version
from rustconfig_gui.kconfig import menutree
from rustconfig_gui.kconfig.loader import LoadedTree


@dataclass
class RustOverviewData:
    has_rust_symbol: bool
    rust_visible: bool
    rust_value: str
    blockers: list[str] = field(default_factory=list)
    probe_result: str | None = None          # "y"/"n" from rust_is_available.sh, None if not run
    probe_location: str | None = None
    rustc_version: str | None = None
    options_on: int = 0
    options_total: int = 0
    # a tree before Rust support (5.10 …): the sentence that says so
    predates: str | None = None


def rust_blockers(lt: LoadedTree) -> list[str] | None:
    """What keeps "Rust support" hidden, from the why engine; None when it is shown."""
    rust = lt.sym("RUST")
    if rust is None or lt.ev.visibility(rust):
        return None
    exp = why.explain(lt, rust, "visible")
    return [r.text for r in exp.reasons if not r.satisfied]


def rust_overview(lt: LoadedTree, rust_syms: Iterable[Symbol], blockers: list[str] | None = None) -> RustOverviewData:
    ev = lt.ev
    rust = lt.sym("RUST")
    data = RustOverviewData(has_rust_symbol=rust is not None, rust_visible=False, rust_value="n",
                            predates=predates_rust(lt))
    if rust is not None:
        data.rust_visible = bool(ev.visibility(rust))
        data.rust_value = ev.str_value(rust)
        if blockers is not None:
            data.blockers = blockers
        elif not data.rust_visible:
            data.blockers = [menutree.first_blocker(ev, n) for n in rust.nodes if n.prompt][:1]
    for call in lt.trace.calls:
        if "rust_is_available.sh" in call.command:
            data.probe_result = call.output
            data.probe_location = call.location
    rustc = lt.sym("RUSTC_VERSION")
    if rustc is not None:
        data.rustc_version = decode_version("RUSTC_VERSION", ev.str_value(rustc)) or None
    prompted = [s for s in rust_syms if any(n.prompt for n in s.nodes)]
    data.options_total = len(prompted)
    data.options_on = sum(1 for s in prompted if ev.str_value(s) not in ("n", ""))
    return data
