"""Why is an entry hidden or off, and why does it have its value: a tree of reasons.

Every condition that decides whether a symbol, choice or menu is shown, and
which value it gets, comes from the parsed Kconfig expressions: its own
``depends on`` terms, enclosing menus and ``if`` blocks, ``visible if``,
the choice it belongs to, ``select``/``imply`` and defaults.  Each term is
evaluated with the C tool's rules (:class:`~.semantics.Evaluator`), gets the
file:line where it is written, and an unmet term is followed into the
symbols it names until a leaf the user can act on: a value to set, a choice
to make, a shell probe, the toolchain make was given, or an architecture.

Locations are recovered from the original Kconfig text (kconfiglib keeps
only the ``config`` line of an entry): the ``depends on``/``select``/
``default`` line holding a term, the ``if`` block around the entry or around
the ``source`` line that read its file.  When that search fails the
``config`` line is used.

This module is the API (:func:`explain`, :func:`explain_set`,
:func:`rust_status`, :func:`one_line_reason`) and re-exports the names of its
parts: the answers as data (:mod:`.reasons`), locations and macro origins
(:mod:`.sources`), an entry's conditions (:mod:`.terms`), the search itself
(:mod:`.engine`) and the text rendering (:mod:`.text`).
"""

from __future__ import annotations

from typing import Any

from kconfiglib import BOOL, COMMENT, HEX, INT, MENU, TRISTATE, Choice, MenuNode, Symbol, expr_str

from rustconfig_gui.explain.engine import MAX_DEPTH, ReasonSearch, ordered
from rustconfig_gui.explain.exprs import (
    TRI,
    TYPE_NAMES,
    choice_name,
    decode_version,
    node_loc,
    prompt_of,
    type_name,
)
from rustconfig_gui.explain.reasons import (
    SCHEMA,
    ArchProvider,
    Explanation,
    MenuconfigFacts,
    ProbeInfo,
    PromptFacts,
    Reason,
    Relation,
    RustEntry,
    RustStatus,
    RustTerm,
    VersionCheck,
)
from rustconfig_gui.explain.sources import line_macros
from rustconfig_gui.explain.text import (
    format_explanation,
    format_reasons,
    format_rust_status,
    one_line_from,
    value_brief,
)
from rustconfig_gui.kconfig.loader import LoadedTree


def parse_want(target: Symbol | Choice | MenuNode, want: str) -> str:
    w = want.strip()
    if w in ("visible", "y", "m", "n"):
        return w
    if target.__class__ is Symbol and target.orig_type in (BOOL, TRISTATE):
        low = w.lower()
        if low in ("y", "m", "n"):
            return low
        raise ValueError(f"{target.name} is {type_name(target)}: wanted value must be y, m, n or visible")
    return w


def explain(lt: LoadedTree, target: Symbol | Choice | MenuNode, want: str = "visible") -> Explanation:
    """Is ``target`` already as wanted?  If not, the tree of reasons why not.

    ``want`` is "visible", "y", "m", "n", a member's name for a choice, or a
    string/int/hex value.
    """
    w = ReasonSearch(lt)
    if target.__class__ is MenuNode:
        if target.item.__class__ in (Symbol, Choice):
            return explain(lt, target.item, want)
        return _explain_menu(w, target)
    if target.__class__ is Choice:
        return _explain_choice(w, target, want)
    return _explain_symbol(w, target, parse_want(target, want))


def explain_set(lt: LoadedTree, sym: Symbol) -> Explanation:
    """Why ``sym`` has its current value: user value, select, imply, default, choice, probe."""
    w = ReasonSearch(lt)
    val = lt.ev.str_value(sym)
    prov = w.provenance(sym)
    reasons = prov.children or [prov]
    summary = f"{sym.name} = {val if val != '' else chr(34) * 2}"
    return Explanation(target=sym.name, kind="symbol", type=type_name(sym), prompt=prompt_of(sym),
                       location=w.def_loc(sym), want=val, value=val, ok=True, summary=summary,
                       reasons=reasons, facts=w.terms.facts(sym))


def _explain_symbol(w: ReasonSearch, sym: Symbol, want: str) -> Explanation:
    ev = w.ev
    val = ev.str_value(sym)
    vis = ev.visibility(sym)
    prompted = [n for n in sym.nodes if n.prompt]
    base: dict[str, Any] = dict(target=sym.name, kind="symbol", type=type_name(sym), prompt=prompt_of(sym),
                                location=w.def_loc(sym), want=want, value=val, facts=w.terms.facts(sym))
    if want == "visible":
        if vis:
            return Explanation(**base, ok=True, summary=f"{sym.name} is visible (value {val})",
                               reasons=w.nodes_blockers(prompted, 1))
        if not prompted:
            prov = w.provenance(sym)
            return Explanation(**base, ok=False, reasons=[Reason(
                kind="no-prompt", text=f"{sym.name} has no prompt: it is never shown, only computed",
                symbol=sym.name, value=val, location=w.def_loc(sym), children=prov.children or [prov])],
                summary=f"{sym.name} is never shown (no prompt)")
        reasons = w.nodes_blockers(prompted, 1)
        return Explanation(**base, ok=False, reasons=reasons, summary=f"{sym.name} is hidden: "
                           + one_line_from(reasons))
    if sym.orig_type in (BOOL, TRISTATE):
        t = TRI.index(want)
        if want == "m" and ev.sym_type(sym) == BOOL:
            reason = Reason(kind="value", text=f"{sym.name} is bool" if sym.orig_type == BOOL else
                            f"{sym.name} is tristate, but without module support (MODULES) it acts as bool",
                            symbol=sym.name, value=val, wanted="m")
            return Explanation(**base, ok=False, summary=f"{sym.name} cannot be m", reasons=[reason])
        if ev.tri(sym) == t:
            prov = w.provenance(sym)
            return Explanation(**base, ok=True, summary=f"{sym.name} is already {want}",
                               reasons=prov.children or [prov])
        r = w.tri_reason(sym, t, t)
        reasons = r.children if r.children else [r]
        return Explanation(**base, ok=False, summary=r.text, reasons=reasons)
    # string, int, hex
    if val == want:
        prov = w.provenance(sym)
        return Explanation(**base, ok=True, summary=f"{sym.name} is already {want}", reasons=prov.children or [prov])
    reasons = []
    if vis:
        rng = ev.active_range(sym)
        if sym.orig_type in (INT, HEX) and not ev.string_within_range(sym, want):
            node = next(n for n in sym.nodes if n.ranges or n.prompt)
            line = next((ln for ln, t in w.src.entry(node) if t.startswith("range")), node.linenr)
            text = (f"{want} is outside the range {rng[0]}..{rng[1]}" if rng else
                    f"{want} is not a valid {type_name(sym)} value")
            reasons.append(Reason(kind="range", text=text, symbol=sym.name, value=val, wanted=want,
                                  location=node_loc(node, line)))
        else:
            reasons.append(Reason(kind="user", text=f"{sym.name} is {val!r}: set it to {want!r}", symbol=sym.name,
                                  value=val, wanted=want, action=f"set {sym.name} to {want}",
                                  location=w.def_loc(sym)))
    elif prompted:
        reasons.append(Reason(kind="hidden", text=f"{sym.name} is hidden", symbol=sym.name, value=val,
                              wanted=want, location=w.def_loc(sym), children=w.nodes_blockers(prompted, 1)))
        reasons.append(w.provenance(sym))
    else:
        prov = w.provenance(sym)
        reasons.append(Reason(kind="no-prompt", text=f"{sym.name} has no prompt; its value is computed",
                              symbol=sym.name, value=val, wanted=want, location=w.def_loc(sym),
                              children=prov.children or [prov]))
    return Explanation(**base, ok=False, summary=f"{sym.name} is {val!r}, wanted {want!r}", reasons=reasons)


def _explain_choice(w: ReasonSearch, choice: Choice, want: str) -> Explanation:
    ev = w.ev
    sel = ev.choice_selection(choice)
    vis = ev.choice_visibility(choice)
    name = choice_name(choice)
    base: dict[str, Any] = dict(target=name, kind="choice", type=TYPE_NAMES.get(choice.orig_type),
                                prompt=prompt_of(choice), location=w.def_loc(choice), want=want,
                                value=sel.name if sel is not None else "", facts=None)
    if want != "visible":
        member = next((s for s in choice.syms if s.name == want), None)
        if member is None:
            raise ValueError(f"{want} is not a member of {name}")
        e = _explain_symbol(w, member, "y")
        e.facts = w.terms.facts(member)
        return e
    if vis:
        return Explanation(**base, ok=True, summary=f"{name} is visible ({base['value'] or 'nothing'} selected)",
                           reasons=w.nodes_blockers([n for n in choice.nodes if n.prompt], 1))
    reasons = w.nodes_blockers([n for n in choice.nodes if n.prompt], 1)
    return Explanation(**base, ok=False, summary=f"{name} is hidden: " + one_line_from(reasons), reasons=reasons)


def _explain_menu(w: ReasonSearch, node: MenuNode) -> Explanation:
    visible = w.ev.menu_is_visible(node)
    kind = "menu" if node.item is MENU else "comment" if node.item is COMMENT else "menu"
    title = f"{kind} '{node.prompt[0]}'" if node.prompt else kind
    base: dict[str, Any] = dict(target=title, kind=kind, type=None,
                                prompt=str(node.prompt[0]) if node.prompt else None, location=node_loc(node),
                                want="visible", value="visible" if visible else "hidden", facts=None)
    if visible:
        return Explanation(**base, ok=True, summary=f"{title} is visible",
                           reasons=w.terms_reasons(w.terms.menu_terms(node), 1))
    reasons = w.terms_reasons(w.terms.menu_terms(node), 1)
    return Explanation(**base, ok=False, summary=f"{title} is hidden: " + one_line_from(reasons), reasons=reasons)




def one_line_reason(lt: LoadedTree, sym: Symbol) -> str:
    """A short reason for a hidden or off row, e.g. "needs RUST_IS_AVAILABLE (n)";
    "" for a row that is shown."""
    w = ReasonSearch(lt)
    # one level below each term is enough for a line, and keeps a tree of rows cheap
    w.max_depth = 1
    ev = lt.ev
    prompted = [n for n in sym.nodes if n.prompt]
    if prompted:
        if ev.visibility(sym):
            return ""
        return one_line_from(w.nodes_blockers(prompted, 1))
    # no prompt: what keeps it off, or where its value comes from
    if sym.orig_type in (BOOL, TRISTATE) and ev.tri(sym) == 0:
        r = w.tri_reason(sym, 1, 2)
    else:
        r = w.provenance(sym)
    return "no prompt; " + value_brief(r)



def rust_status(lt: LoadedTree) -> RustStatus:
    """Every term of ``config RUST`` with its state, the blockers, and every Rust entry's reason."""
    from rustconfig_gui.explain.rustclass import rust_symbols

    w = ReasonSearch(lt)
    ev = lt.ev
    env = lt.env.variables
    toolchain = {k: env.get(k, "") for k in ("CC", "LD", "RUSTC", "BINDGEN", "RUSTC_VERSION_TEXT",
                                             "CC_VERSION_TEXT")}
    base: dict[str, Any] = dict(version=lt.version_text, arch=lt.arch, llvm=lt.tree.llvm, toolchain=toolchain)
    rust = lt.sym("RUST")
    entries = []
    for s in rust_symbols(lt):
        node = next((n for n in s.nodes if n.prompt), s.nodes[0])
        visible = bool(ev.visibility(s)) and bool(node.prompt)
        entries.append(RustEntry(name=s.name, type=type_name(s), prompt=prompt_of(s), value=ev.str_value(s),
                                 visible=visible, location=node_loc(node), reason=one_line_reason(lt, s)))
    if rust is None:
        from rustconfig_gui.explain.rustclass import predates_rust

        summary = predates_rust(lt) or f"this tree ({lt.version_text}) has no 'config RUST'"
        return RustStatus(**base, defined=False, value="", visible=False, terms=[], blockers=[], entries=entries,
                          summary=summary)
    node = next(n for n in rust.nodes if n.prompt)
    terms = []
    for t in w.terms.prompt_terms(node):
        r = w.term_reason(t, 1)
        terms.append(RustTerm(expr=expr_str(t.expr), kind=t.kind, value=r.value or "", satisfied=r.satisfied,
                              location=t.location, reason=r))
    blockers = ordered([t.reason for t in terms if not t.satisfied])
    value = ev.str_value(rust)
    visible = bool(ev.visibility(rust))
    if value == "y":
        summary = "Rust support is enabled (RUST=y)"
    elif visible:
        summary = "Rust support can be enabled: set RUST to y (General setup -> Rust support)"
    else:
        summary = "Rust support is hidden: " + one_line_from(blockers)
    return RustStatus(**base, defined=True, value=value, visible=visible, terms=terms, blockers=blockers,
                      entries=entries, summary=summary)



__all__ = [
    "ArchProvider", "Explanation", "MenuconfigFacts", "ProbeInfo", "Reason", "Relation", "RustEntry",
    "RustStatus", "RustTerm", "VersionCheck", "decode_version", "explain", "explain_set", "format_explanation",
    "format_reasons", "format_rust_status", "one_line_reason", "parse_want", "rust_status",
    # the parts, for the fix planner and the panels
    "MAX_DEPTH", "SCHEMA", "PromptFacts", "ReasonSearch", "line_macros", "one_line_from",
]
