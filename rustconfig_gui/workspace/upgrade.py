"""Moving a configuration to a newer kernel: what is new, what changed, what is gone.

After a ``.config`` is read into a tree (:func:`~rustconfig_gui.kconfig.configfile.read_config_text`),
:func:`upgrade_report` collects, with the kernel's own rules:

* **new options**: the entries ``make listnewconfig`` lists (shown, changeable,
  no value in the file), Rust-related ones marked;
* **values changed**: what 7.2's ``conf`` reports under
  ``KCONFIG_WARN_CHANGED_INPUT`` (a value in the file that the tree computes
  differently), each with its kind (dependencies, select, range, choice,
  computed) and its reason from the why engine;
* **options gone**: ``CONFIG_`` lines naming symbols the tree no longer has;
* **values refused**: lines whose value the tree cannot take (a tristate
  that became bool keeps no ``m``).

The header of a config written by ``conf`` names the kernel that wrote it
(``# Linux/x86 6.12.118 Kernel Configuration``), which gives the summary
"from 6.12.118 to 7.2.13: 475 new options (12 Rust-related), …".
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any

from kconfiglib import BOOL, HEX, INT, TRISTATE, Choice, MenuNode, Symbol

from rustconfig_gui.explain.rustclass import is_rust_related
from rustconfig_gui.explain.why import explain, one_line_from, one_line_reason
from rustconfig_gui.kconfig import menutree, newoptions
from rustconfig_gui.kconfig.configfile import ConfigReadReport, scan_lines
from rustconfig_gui.kconfig.loader import LoadedTree

SCHEMA = 1
_HEADER_RE = re.compile(r"^# (\S+) (\d+\.\d+\S*) Kernel Configuration$")


def header_version(text: str) -> str | None:
    """The kernel version in the header ``conf`` writes ("6.12.118"), or None."""
    for line in text.splitlines()[:6]:
        m = _HEADER_RE.match(line)
        if m:
            return m.group(2)
    return None


def tree_version(lt: LoadedTree) -> str:
    """The loaded tree's version as its own header says it."""
    return header_version(f"# {lt.title}") or lt.version_text


def new_node_ids(lt: LoadedTree) -> tuple[frozenset[int], frozenset[int]]:
    """(ids of the entries marked "(NEW)" now, ids of those and of every menu holding one):
    what the "New options only" filter shows; empty when marks mean nothing here."""
    if not marks_new(lt):
        return frozenset(), frozenset()
    ev = lt.ev
    new: set[int] = set()
    shown: set[int] = set()

    def mark(node: MenuNode) -> bool:
        has = newoptions.is_new(ev, node)
        if has:
            new.add(id(node))
        for child in menutree.static_children(node):
            has = mark(child) or has
        if has:
            shown.add(id(node))
        return has

    mark(lt.kconf.top_node)
    return frozenset(new), frozenset(shown)


def marks_new(lt: LoadedTree) -> bool:
    """Do "(NEW)" marks mean anything for the configuration now loaded?

    menuconfig marks what the ``.config`` it read gave no value.  A tree
    started from the architecture's defconfig (``make defconfig`` writes a
    full ``.config`` before menuconfig reads it) or from Kconfig defaults
    has no such file: nothing is new there.
    """
    rep = lt.config_report
    if rep is None:
        return False
    default = lt.defconfig_path()
    return not (default is not None and rep.filename == str(default))


@dataclass
class NewOption:
    """An entry ``listnewconfig``/``helpnewconfig`` lists."""

    name: str | None          # None for a choice before 6.11 (a choice has no name)
    prompt: str
    value: str                # the value the kernel takes without an answer
    default: str              # what the Kconfig defaults give (sym_get_string_default)
    type: str
    menu: list[str]
    rust: bool
    node: MenuNode | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "node"}


@dataclass
class ChangedValue:
    """A value the file gave that the tree computes differently."""

    name: str
    written: str
    now: str
    kind: str                 # dependencies | select | range | choice | computed
    reason: str
    rust: bool
    line: int = 0

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class GoneOption:
    name: str
    line: int
    written: str

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class RefusedValue:
    name: str
    line: int
    message: str
    rust: bool

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class UpgradeReport:
    from_version: str | None
    to_version: str
    filename: str
    new: list[NewOption]
    changed: list[ChangedValue]
    gone: list[GoneOption]
    refused: list[RefusedValue]

    @property
    def new_rust(self) -> int:
        return sum(1 for n in self.new if n.rust)

    def summary(self) -> str:
        """"from 6.12.118 to 7.2.13: 475 new options (12 Rust-related), 75 values changed, 58 options gone"."""
        src = self.from_version or "an unknown kernel"
        parts = [f"{_count(len(self.new), 'new option')} ({self.new_rust} Rust-related)",
                 _count(len(self.changed), "value changed", "values changed"),
                 _count(len(self.gone), "option gone", "options gone")]
        if self.refused:
            parts.append(_count(len(self.refused), "value refused", "values refused"))
        return f"from {src} to {self.to_version}: " + ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {"schema": SCHEMA, "from": self.from_version, "to": self.to_version, "file": self.filename,
                "summary": self.summary(), "new": [n.to_dict() for n in self.new],
                "changed": [c.to_dict() for c in self.changed], "gone": [g.to_dict() for g in self.gone],
                "refused": [r.to_dict() for r in self.refused]}

    def text(self) -> str:
        out = [self.summary()]
        if self.new:
            out += ["", f"New options ({len(self.new)}):"]
            out += [f"  {'[Rust] ' if n.rust else ''}{_label(n)} = {n.value}  ({' > '.join(n.menu)})"
                    for n in self.new]
        if self.changed:
            out += ["", f"Values changed ({len(self.changed)}):"]
            out += [f"  {'[Rust] ' if c.rust else ''}CONFIG_{c.name}: {c.written} -> {c.now}  [{c.kind}] {c.reason}"
                    for c in self.changed]
        if self.gone:
            out += ["", f"Options gone ({len(self.gone)}):"]
            out += [f"  CONFIG_{g.name}={g.written}  (line {g.line})" for g in self.gone]
        if self.refused:
            out += ["", f"Values refused ({len(self.refused)}):"]
            out += [f"  {'[Rust] ' if r.rust else ''}{r.message}  (line {r.line})" for r in self.refused]
        return "\n".join(out) + "\n"


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _label(n: NewOption) -> str:
    return f"CONFIG_{n.name}" if n.name else f"<choice> {n.prompt}"


# -- collecting ------------------------------------------------------------------------


def new_options(lt: LoadedTree) -> list[NewOption]:
    """The new entries in ``check_conf``'s order (menu order)."""
    ev = lt.ev
    out = []
    for node in newoptions.new_nodes(ev):
        item = node.item
        prompt = menutree.prompt_text(node)
        menu = menutree.menu_path(node)
        if item.__class__ is Choice:
            sel = ev.choice_selection(item)
            out.append(NewOption(None, prompt, sel.name if sel is not None else "", "", "choice", menu,
                                 any(is_rust_related(lt, s) for s in item.syms), node))
            continue
        sym: Symbol = item
        out.append(NewOption(sym.name, prompt, ev.str_value(sym), ev.string_default(sym),
                             menutree.TYPE_NAMES.get(sym.orig_type, "unknown"), menu,
                             is_rust_related(lt, sym), node))
    return out


def review_order(items: list[NewOption]) -> list[NewOption]:
    """Rust-related first, then the rest; each part in menu order."""
    return [n for n in items if n.rust] + [n for n in items if not n.rust]


def changed_values(lt: LoadedTree, lines: dict[str, int] | None = None) -> list[ChangedValue]:
    """Every value conf would report as changed, with why (conf's order)."""
    ev = lt.ev
    out = []
    for sym in newoptions.changed_input(ev):
        written = newoptions.user_value_text(ev, sym)
        kind, reason = _why_changed(lt, sym, written)
        out.append(ChangedValue(sym.name, written, ev.str_value(sym), kind, reason, is_rust_related(lt, sym),
                                (lines or {}).get(sym.name, 0)))
    return out


def _why_changed(lt: LoadedTree, sym: Symbol, written: str) -> tuple[str, str]:
    """The kind of change and its reason in a line, from the why engine."""
    ev = lt.ev
    if sym.choice is not None:
        choice = sym.choice
        sel = ev.choice_selection(choice)
        title = menutree.prompt_text(choice.nodes[0]) if choice.nodes else "the choice"
        if not ev.choice_visibility(choice):
            return "choice", f"the choice '{title}' is hidden: {explain(lt, choice).summary.split(': ', 1)[-1]}"
        now = f"it selects {sel.name}" if sel is not None else "it selects nothing"
        if not ev.visibility(sym):
            return "choice", f"'{title}' can no longer select it ({one_line_reason(lt, sym) or 'hidden'}); {now}"
        return "choice", f"'{title}' resolved differently: {now}"
    if not any(n.prompt for n in sym.nodes):
        return "computed", "no prompt; " + (one_line_reason(lt, sym).removeprefix("no prompt; ")
                                            or "the tree computes it")
    if not ev.visibility(sym):
        if sym.orig_type in (BOOL, TRISTATE) and ev.tri(sym) > _tri(written):
            sel = lt.reverse.active_selectors(ev, sym)
            if sel:
                return "select", f"hidden and selected by {_names(sel)}"
        return "dependencies", f"hidden: {one_line_reason(lt, sym) or 'its dependencies are not met'}"
    if sym.orig_type in (INT, HEX):
        rng = ev.active_range(sym)
        if rng is not None and not ev.string_within_range(sym, written):
            return "range", f"{written} is outside the range {rng[0]}..{rng[1]}"
    if sym.orig_type in (BOOL, TRISTATE):
        if ev.tri(sym) > _tri(written):
            sel = lt.reverse.active_selectors(ev, sym)
            if sel:
                return "select", f"selected by {_names(sel)}"
        if written == "m" and ev.sym_type(sym) == BOOL:
            return "dependencies", "cannot be m: without module support (MODULES) it acts as bool"
    try:
        e = explain(lt, sym, written)
    except ValueError as err:
        return "dependencies", str(err)
    return "dependencies", one_line_from(e.reasons) or e.summary


def _names(selectors: list[tuple[Symbol, int]]) -> str:
    names = ", ".join(s.name for s, _ in selectors[:3])
    return names + (" …" if len(selectors) > 3 else "")


def _tri(text: str) -> int:
    return {"n": 0, "m": 1, "y": 2}.get(text, 0)


def gone_options(report: ConfigReadReport, text: str) -> list[GoneOption]:
    values = _written_values(text)
    return [GoneOption(i.symbol, i.line, values.get(i.symbol, ""))
            for i in report.issues if i.kind == "unknown-symbol" and i.symbol]


def refused_values(lt: LoadedTree, report: ConfigReadReport) -> list[RefusedValue]:
    out = []
    for i in report.issues:
        if i.kind in ("invalid-value", "out-of-range") and i.symbol:
            sym = lt.sym(i.symbol)
            out.append(RefusedValue(i.symbol, i.line, i.message, bool(sym is not None and is_rust_related(lt, sym))))
    return out


def _written_values(text: str) -> dict[str, str]:
    return {name: val for _, name, val, _ in scan_lines(text) if name is not None}


def _written_lines(text: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for ln, name, _, _ in scan_lines(text):
        if name is not None:
            out[name] = ln
    return out


def upgrade_report(lt: LoadedTree, report: ConfigReadReport, text: str) -> UpgradeReport:
    """The report for the config ``text`` just read into ``lt`` (``report`` is what reading said)."""
    return UpgradeReport(
        from_version=header_version(text), to_version=tree_version(lt), filename=report.filename,
        new=new_options(lt), changed=changed_values(lt, _written_lines(text)),
        gone=gone_options(report, text), refused=refused_values(lt, report))


__all__ = ["ChangedValue", "GoneOption", "NewOption", "RefusedValue", "UpgradeReport", "changed_values",
           "header_version", "marks_new", "new_options", "review_order", "tree_version", "upgrade_report"]
