"""Fragments that stick: saving adds what the chosen values need, and a
fragment is proven (and checked on other trees) with ``merge_config.sh``'s
semantics and ``olddefconfig``.

A chosen line such as ``CONFIG_SAMPLE_RUST_MINIMAL=m`` only sticks where
``SAMPLES``, ``SAMPLES_RUST`` and ``RUST`` are on.  :func:`complete_fragment`
merges the chosen lines onto a base (the tree's defconfig, or any file) and,
for every line that does not hold afterwards, asks the fix planner for its
smallest plan there; the plan's settings become added lines, each with a
comment naming the chosen lines that need it.  This repeats until nothing
new is needed, then the proof: the fragment merged onto the base, then
``olddefconfig``, must give every line of the fragment.  What still does not
stick is reported by cause, with what lies outside the configuration (a Rust
toolchain that passes ``rust_is_available.sh``, LLVM=1, another ARCH).

:func:`check_fragment` runs the same proof on another loaded tree.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kconfiglib import BOOL, STRING, TRISTATE, Symbol, expr_items

from rustconfig_gui.explain import fix
from rustconfig_gui.kconfig.configfile import CONFIG_, escape_string
from rustconfig_gui.workspace import presets
from rustconfig_gui.workspace.causes import CauseGroup, plan_needs
from rustconfig_gui.workspace.presets import ApplyReport, Fragment, apply_fragments, scan_assignments

if TYPE_CHECKING:
    from rustconfig_gui.kconfig.loader import LoadedTree
    from rustconfig_gui.kconfig.tree import KernelTree
    from rustconfig_gui.toolchain.rustavailable import ProbeResult

MAX_ROUNDS = 6

# what a kind of outside step means for a fragment that does not stick
OUTSIDE_NEEDS = {
    "toolchain": "needs a Rust toolchain that passes the tree's scripts/rust_is_available.sh",
    "compiler": "needs a C compiler that passes the tree's probe",
    "pahole": "needs a newer pahole",
    "llvm": "needs a build with LLVM=1",
    "gnu": "needs a build without LLVM=1",
    "arch": "needs another architecture",
    "environment": "needs other build tools",
}
OUTSIDE = "outside the configuration"


@dataclass
class Line:
    """One line of a completed fragment."""

    text: str                   # CONFIG_X=y, or # CONFIG_X is not set
    name: str
    chosen: bool
    needed_by: list[str] = field(default_factory=list)   # the chosen lines that need it

    def comment(self) -> str | None:
        if self.chosen or not self.needed_by:
            return None
        return f"# needed by {', '.join(self.needed_by)}"

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.text, "symbol": self.name, "chosen": self.chosen, "needed_by": self.needed_by}


@dataclass
class Blocked:
    """Lines of the fragment that do not stick, for one cause."""

    lines: list[str]
    reason: str                 # one sentence
    outside: list[str]          # kinds of outside steps (toolchain, llvm, arch, …)

    def to_dict(self) -> dict[str, Any]:
        return {"lines": self.lines, "reason": self.reason, "outside": self.outside}


@dataclass
class Completion:
    """A fragment for the chosen lines, with what they need on a base, and its proof there."""

    lines: list[Line]
    base_label: str
    version: str
    arch: str
    proof: ApplyReport
    blocked: list[Blocked] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)       # chosen lines naming symbols this tree lacks
    conflicts: list[str] = field(default_factory=list)     # needed values a chosen line contradicts

    @property
    def sticks(self) -> bool:
        return self.proof.ok

    @property
    def added(self) -> list[Line]:
        return [ln for ln in self.lines if not ln.chosen]

    def body(self) -> str:
        out = []
        for ln in self.lines:
            c = ln.comment()
            if c:
                out.append(c)
            out.append(ln.text)
        return "".join(f"{x}\n" for x in out)

    def text(self, header: str = "") -> str:
        return header + self.body()

    def summary(self) -> str:
        n = len(self.lines)
        k = len(self.added)
        head = (f"{n} line{'s' if n != 1 else ''}" + (f" ({k} added: what the chosen ones need)" if k else ""))
        if self.sticks:
            return f"{head}; merged onto {self.base_label} and olddefconfig, every line sticks"
        bad = sum(len(b.lines) for b in self.blocked)
        parts = [f"{head}; merged onto {self.base_label}: {bad} line{'s' if bad != 1 else ''} do not stick"]
        parts += [b.reason for b in self.blocked]
        if self.missing:
            parts.append(f"not in Linux {self.version}: {', '.join(self.missing)}")
        return "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {"base": self.base_label, "version": self.version, "arch": self.arch, "sticks": self.sticks,
                "summary": self.summary(), "lines": [ln.to_dict() for ln in self.lines],
                "blocked": [b.to_dict() for b in self.blocked], "missing": self.missing,
                "conflicts": self.conflicts, "proof": self.proof.to_dict()}


# -- lines ----------------------------------------------------------------------------------------


def value_line(sym: Symbol, value: str) -> str:
    """The .config line that asks for ``value``."""
    if sym.orig_type in (BOOL, TRISTATE) and value == "n":
        return f"# {CONFIG_}{sym.name} is not set"
    if sym.orig_type == STRING:
        return f"{CONFIG_}{sym.name}={escape_string(value)}"
    return f"{CONFIG_}{sym.name}={value}"


def _menu_rank(lt: LoadedTree) -> dict[str, int]:
    rank: dict[str, int] = {}
    for node in lt.ev.walk():
        if node.item.__class__ is Symbol:
            rank.setdefault(node.item.name, len(rank))
    return rank


def _ordered(lt: LoadedTree, lines: Iterable[Line]) -> list[Line]:
    rank = _menu_rank(lt)
    big = len(rank)
    return sorted(lines, key=lambda ln: rank.get(ln.name, big))


# -- the proof --------------------------------------------------------------------------------------


def prove(lt: LoadedTree, text: str, base_text: str, base_label: str = "base", *,
          probe: ProbeResult | None = None, causes: bool = True, changes: bool = True) -> ApplyReport:
    """``text`` merged onto ``base_text`` (merge_config.sh -m), then olddefconfig:
    the report of every line that does not hold.  The configuration is left as it was."""
    ev = lt.ev
    assumed = dict(ev.assumed)
    frag = Fragment(text, "fragment", origin="generated")
    try:
        return apply_fragments(lt, [frag], keep=False, base=base_text, base_label=base_label,
                               explain=causes, causes=causes, changes=changes)
    finally:
        for s, v in assumed.items():
            ev.assume(s, v)


def blocked_by_cause(report: ApplyReport) -> list[Blocked]:
    """What does not stick, one entry per cause, saying what lies outside the configuration."""
    out = []
    for g, items in report.grouped():
        lines = [n.request.line_text for n in items]
        if g is None:
            for n in items:
                out.append(Blocked([n.request.line_text], n.reason, []))
            continue
        reason = g.headline()
        if g.outside:
            needs = "; ".join(OUTSIDE_NEEDS.get(k, k) for k in g.outside)
            reason += f"; {needs} — {OUTSIDE}"
        out.append(Blocked(lines, reason, list(g.outside)))
    return out


# -- completing ---------------------------------------------------------------------------------------


def complete_fragment(lt: LoadedTree, chosen_text: str, base_text: str, base_label: str = "base", *,
                      add: bool = True, probe: ProbeResult | None = None,
                      max_rounds: int = MAX_ROUNDS) -> Completion:
    """The chosen lines of ``chosen_text`` and (with ``add``) the values they need
    when merged onto ``base_text``, proven there.  The configuration is left as it was."""
    ev = lt.ev
    start = ev.snapshot()
    assumed = dict(ev.assumed)
    chosen: dict[str, Line] = {}
    missing: list[str] = []
    for a in scan_assignments(chosen_text):
        if lt.sym(a.name) is None:
            if a.text not in missing:
                missing.append(a.text)
        chosen.pop(a.name, None)
        chosen[a.name] = Line(a.text, a.name, True)
    added: dict[str, Line] = {}
    conflicts: list[str] = []
    tried: set[tuple[str, str]] = set()
    try:
        for _ in range(max_rounds if add else 0):
            text = _text(lt, chosen, added)
            report = prove(lt, text, base_text, base_label, probe=probe, causes=False, changes=False)
            # the merged state, to plan in
            _merged_state(lt, report)
            grew = False
            # settings taken this round, applied as they come: a later line that holds once they
            # are (a sample once its menu and RUST are on) needs them too, and no plan of its own
            taken: list[str] = []
            for n in report.not_applied:
                req = n.request
                key = (req.name, req.value)
                if key in tried:
                    continue
                tried.add(key)
                sym = lt.sym(req.name)
                if sym is None:
                    continue
                owner = chosen.get(req.name) or added.get(req.name)
                roots = [owner.text] if owner is not None and owner.chosen else \
                    (list(owner.needed_by) if owner is not None else [req.line_text])
                if taken and _holds(lt, sym, req.value):
                    deps = _depends_on(sym, req.value)
                    for name in [t for t in taken if t in deps] or taken:
                        have = added[name]
                        have.needed_by += [r for r in roots if r not in have.needed_by]
                    continue
                for sym_name, value, kind in _needed(lt, sym, req.value, probe):
                    s = lt.sym(sym_name)
                    if s is None or sym_name == req.name:
                        continue
                    line = value_line(s, value)
                    if sym_name in chosen:
                        if chosen[sym_name].text != line and line not in conflicts:
                            conflicts.append(f"{req.line_text} needs {line}, but the fragment has "
                                             f"{chosen[sym_name].text}")
                        continue
                    known = added.get(sym_name)
                    if known is None:
                        added[sym_name] = Line(line, sym_name, False, list(roots))
                        grew = True
                    else:
                        known.needed_by += [r for r in roots if r not in known.needed_by]
                    if sym_name not in taken:
                        taken.append(sym_name)
                    if kind == "choose":
                        if s.choice is not None and ev.visibility(s):
                            ev.choose(s)
                    else:
                        ev.set_value(s, value)
            ev.restore(start)
            if not grew:
                break
        final = _text(lt, chosen, added)
        proof = prove(lt, final, base_text, base_label, probe=probe)
    finally:
        ev.restore(start)
        for s, v in assumed.items():
            ev.assume(s, v)
    lines = _ordered(lt, [*chosen.values(), *added.values()])
    return Completion(lines=lines, base_label=base_label, version=lt.version_text, arch=lt.arch, proof=proof,
                      blocked=blocked_by_cause(proof), missing=missing, conflicts=conflicts)


def _text(lt: LoadedTree, chosen: dict[str, Line], added: dict[str, Line]) -> str:
    return "".join(f"{ln.text}\n" for ln in _ordered(lt, [*chosen.values(), *added.values()]))


def _merged_state(lt: LoadedTree, report: ApplyReport) -> None:
    lt.ev.restore(report.after)


def _depends_on(sym: Symbol, value: str) -> set[str]:
    """Every symbol ``sym``'s dependencies name, followed through theirs (and MODULES for m)."""
    seen: set[str] = {"MODULES"} if value == "m" else set()
    stack = [sym]
    while stack:
        s = stack.pop()
        for item in expr_items(s.direct_dep):
            if item.__class__ is Symbol and item.name not in seen:
                seen.add(item.name)
                stack.append(item)
    return seen


def _holds(lt: LoadedTree, sym: Symbol, value: str) -> bool:
    try:
        return fix.make_target(lt, sym, value).reached(lt)
    except ValueError:
        return False


def _needed(lt: LoadedTree, sym: Symbol, value: str, probe: ProbeResult | None) -> list[tuple[str, str, str]]:
    """The settings of the smallest plan that gives ``sym`` its ``value`` here
    (outside steps are assumed done by the planner; they are not settings)."""
    try:
        target = fix.make_target(lt, sym, value)
        plan, settings, _, _ = plan_needs(lt, target, probe)
    except ValueError:
        return []
    if plan is None:
        return []
    out = []
    for step in settings:
        if step.symbol is None:
            continue
        out.append((step.symbol, "y" if step.kind == "choose" else (step.value or ""), step.kind))
    return out


# -- what the Save fragment dialog and ``preset save`` record ----------------------------------------

SOURCES = ("changes", "rust-changes", "defconfig", "start", "minimal")


@dataclass(frozen=True)
class SaveSpec:
    """What to save: ``source`` is one of :data:`SOURCES`; ``base`` is the file
    the needed values are worked out on ("defconfig" or "start"; None: only the chosen lines)."""

    source: str
    base: str | None = "defconfig"


@dataclass
class SaveInput:
    """The state a fragment is made from (all optional but the tree)."""

    opened: Any = None                      # UserState when the tree was opened
    start_text: str | None = None           # the configuration file loaded at start
    start_label: str = ""
    rust_syms: frozenset[Any] = frozenset()


@dataclass
class Saved:
    """A fragment's body (without the header) and, when completed, its proof."""

    spec: SaveSpec
    body: str
    completion: Completion | None = None
    minimal: bool = False


def detached(lt: LoadedTree) -> LoadedTree:
    """The tree with an evaluator of its own holding the current values: work on it
    in another thread changes nothing the window reads (the parse is shared, never written)."""
    copy = dataclasses.replace(lt, ev=lt.values_copy())
    if "reverse" in lt.__dict__:
        copy.__dict__["reverse"] = lt.__dict__["reverse"]
    return copy


def chosen_text(lt: LoadedTree, source: str, given: SaveInput) -> str:
    """The lines a source chooses, from the current configuration (no header)."""
    if source == "changes" and given.opened is not None:
        return presets.fragment_from_changes(lt, given.opened)
    if source == "rust-changes" and given.opened is not None:
        syms = [s for s in presets.touched_symbols(lt, given.opened) if s in given.rust_syms]
        return presets.fragment_for(lt, syms)
    if source == "defconfig":
        return presets.fragment_from_base(lt, defconfig_text(lt) or "")
    if source == "start" and given.start_text is not None:
        return presets.fragment_from_base(lt, given.start_text)
    return ""


def defconfig_text(lt: LoadedTree) -> str | None:
    path = lt.defconfig_path()
    return path.read_bytes().decode("utf-8", "replace") if path is not None else None


def make_fragment(lt: LoadedTree, spec: SaveSpec, given: SaveInput, *,
                  probe: ProbeResult | None = None) -> Saved:
    """The fragment ``spec`` asks for: the chosen lines and, on a base, what they need
    there, proven.  The minimal config is what ``make savedefconfig`` writes."""
    if spec.source == "minimal":
        return Saved(spec, lt.min_config_text(), minimal=True)
    chosen = chosen_text(lt, spec.source, given)
    base, label = None, ""
    if spec.base == "defconfig":
        base, label = defconfig_text(lt), lt.defconfig_name
    elif spec.base == "start" and given.start_text is not None:
        base, label = given.start_text, given.start_label or "the configuration loaded at start"
    if base is None:
        return Saved(spec, chosen)
    done = complete_fragment(lt, chosen, base, label, probe=probe)
    return Saved(spec, done.body(), done)


# -- other trees ---------------------------------------------------------------------------------------


@dataclass
class TreeCheck:
    """A fragment merged onto one tree's base: what sticks there (``error``: the tree
    could not be loaded or has no base)."""

    version: str
    arch: str
    llvm: bool
    base_label: str
    report: ApplyReport | None
    error: str = ""
    source: str = ""

    @property
    def sticks(self) -> bool:
        return self.report is not None and self.report.ok

    @property
    def name(self) -> str:
        return f"{self.version} {self.arch}" + (" LLVM=1" if self.llvm else "")

    @property
    def blocked(self) -> list[Blocked]:
        return blocked_by_cause(self.report) if self.report is not None else []

    def phrase(self) -> str:
        """What keeps it from sticking there, in a few words."""
        if self.report is None:
            return self.error
        parts = []
        if self.report.missing:
            names = [m.name for m in self.report.missing]
            parts.append(f"{', '.join(names)} do{'es' if len(names) == 1 else ''} not exist")
        parts += [b.reason for b in self.blocked]
        return "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {"tree": self.name, "source": self.source, "version": self.version, "arch": self.arch,
                "llvm": self.llvm, "base": self.base_label, "sticks": self.sticks, "why_not": self.phrase(),
                "error": self.error, "blocked": [b.to_dict() for b in self.blocked],
                "missing": [m.to_dict() for m in self.report.missing] if self.report is not None else [],
                "report": self.report.to_dict() if self.report is not None else None}


def check_fragment(lt: LoadedTree, fragment: Fragment, base_text: str | None = None, base_label: str = "",
                   *, probe: ProbeResult | None = None) -> TreeCheck:
    """``fragment`` merged onto ``base_text`` of ``lt`` (default: its defconfig), then olddefconfig."""
    source = str(lt.tree.source)
    if base_text is None:
        base_text = defconfig_text(lt)
        if base_text is None:
            return TreeCheck(lt.version_text, lt.arch, lt.tree.llvm, "", None,
                             f"it has no arch/{lt.srcarch}/configs/{lt.defconfig_name}", source)
        base_label = base_label or lt.defconfig_name
    report = prove(lt, fragment.text, base_text, base_label or "base", probe=probe)
    return TreeCheck(lt.version_text, lt.arch, lt.tree.llvm, base_label or "base", report, source=source)


def check_on_trees(fragment: Fragment, trees: Sequence[KernelTree], *, base_text: str | None = None,
                   base_label: str = "", stopped: Callable[[], bool] | None = None,
                   progress: Callable[[str], None] | None = None,
                   base_env: dict[str, str] | None = None) -> list[TreeCheck]:
    """Load each tree in turn, check ``fragment`` on it and let it go again."""
    from rustconfig_gui.errors import RustconfigError
    from rustconfig_gui.kconfig.loader import load_tree
    from rustconfig_gui.kconfig.memory import retire

    out = []
    for tree in trees:
        if stopped is not None and stopped():
            break
        if progress is not None:
            progress(f"loading {tree.source}" + (f" ARCH={tree.arch}" if tree.arch else ""))
        try:
            loaded = load_tree(tree, cancelled=stopped, base_env=base_env)
        except RustconfigError as e:
            out.append(TreeCheck("?", tree.arch or "", tree.llvm, "", None, str(e), str(tree.source)))
            continue
        try:
            out.append(check_fragment(loaded, fragment, base_text, base_label))
        finally:
            retire(loaded)
    return out


def check_summary(checks: Sequence[TreeCheck]) -> str:
    """"sticks on 6.12.118 x86_64 and 7.2.13 arm64; on 6.1.192 x86_64 SAMPLE_RUST_X does not exist"."""
    good = [c.name for c in checks if c.sticks]
    parts = []
    if good:
        parts.append("sticks on " + _and(good))
    for c in checks:
        if not c.sticks:
            parts.append(f"on {c.name} {c.phrase()}")
    return "; ".join(parts) if parts else "no trees checked"


def _and(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


__all__ = ["Blocked", "CauseGroup", "Completion", "Line", "OUTSIDE_NEEDS", "SOURCES", "SaveInput", "SaveSpec",
           "Saved", "TreeCheck", "check_fragment", "check_on_trees", "check_summary", "chosen_text",
           "complete_fragment", "defconfig_text", "detached", "make_fragment", "prove", "value_line"]
