"""Config fragments ("presets"): reading, applying with ``merge_config.sh``
semantics and a report of what did not take, and saving.

A fragment is text in the kernel's .config format: ``CONFIG_X=y``,
``CONFIG_X="text"``, ``# CONFIG_X is not set`` and comment lines.  Presets
shipped with the project and saved by the user start with a comment block
of ``key: value`` lines::

    # title: Rust samples
    # description: Kernel hacking -> Sample kernel code -> Rust samples,
    # description: with the minimal sample built as a module.
    # order: 20

``title`` (default: the file name) and ``description`` (repeatable; the
lines are joined) are shown in lists; ``order`` sorts the built-in presets.
The kernel's own fragments (``kernel/configs/*.config``) use ``# Help: …``,
which is read as the description.  Any other comment is ignored, as the C
``conf`` ignores it.

Applying fragments ``F1 … Fn`` over the current configuration gives what
``scripts/kconfig/merge_config.sh -m .config F1 … Fn`` followed by
``make olddefconfig`` gives: the current configuration is taken as the
saved ``.config`` would be, every line for a symbol that a later fragment
assigns is dropped, and the rest is read in order by ``conf_read_simple``.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kconfiglib import BOOL, TRISTATE, Symbol

from rustconfig_gui.assets import resources_root
from rustconfig_gui.errors import ConfigFileError
from rustconfig_gui.explain import why
from rustconfig_gui.explain.rustclass import rust_symbols
from rustconfig_gui.kconfig import configfile
from rustconfig_gui.kconfig.configfile import (
    CONFIG_,
    ConfigIssue,
    ConfigIssueText,
    config_text,
    decode_config_bytes,
    parse_value,
    read_config_text,
    symbol_line,
    write_atomic,
)
from rustconfig_gui.kconfig.semantics import UserState
from rustconfig_gui.workspace.causes import CauseGroup, group_failures
from rustconfig_gui.workspace.diffconfig import ConfigDiff, diff_configs

if TYPE_CHECKING:
    from rustconfig_gui.explain.why import Explanation
    from rustconfig_gui.kconfig.loader import LoadedTree

_TRI = ("n", "m", "y")
_KEY_RE = re.compile(r"^#\s*(title|description|order|help)\s*:\s?(.*)$", re.IGNORECASE)
PRESET_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")
CURRENT = "(current configuration)"

# -- reading fragments -------------------------------------------------------------------


@dataclass(frozen=True)
class Assignment:
    """One line that assigns a symbol, as ``conf_read_simple`` recognises it."""

    line: int
    name: str       # without CONFIG_
    value: str      # the text after '=', or "n" for '# CONFIG_X is not set'
    text: str       # the whole line


def scan_assignments(text: str) -> Iterator[Assignment]:
    """The lines ``read_config_text`` takes as assignments (same rules, same order)."""
    for lineno, name, val, line in configfile.scan_lines(text):
        if name is not None:
            yield Assignment(lineno, name, val, line)


def _blank_lines(text: str, drop: set[str]) -> str:
    """``text`` with the assignment lines of ``drop`` emptied (line numbers stay)."""
    if not drop:
        return text
    lines = text.split("\n")
    for a in scan_assignments(text):
        if a.name in drop:
            lines[a.line - 1] = ""
    return "\n".join(lines)


@dataclass
class Fragment:
    """A fragment's text and where it came from.

    ``origin`` is ``builtin`` (shipped under ``resources/presets``), ``user``
    (the user's preset folder), ``tree`` (the kernel tree's own
    ``*.config`` files), ``file`` (any other file) or ``generated``.
    ``label`` is what file:line messages start with.
    """

    text: str
    label: str
    path: Path | None = None
    origin: str = "file"
    title: str = ""
    description: str = ""
    order: int = 100
    decode_issues: list[ConfigIssue] = field(default_factory=list)

    def __post_init__(self) -> None:
        meta = _metadata(self.text)
        if not self.title:
            self.title = meta.get("title") or (self.path.stem if self.path else self.label)
        if not self.description:
            self.description = meta.get("description", "")
        if "order" in meta and meta["order"].strip().lstrip("-").isdigit():
            self.order = int(meta["order"])

    @classmethod
    def from_bytes(cls, data: bytes, label: str, **kw: Any) -> Fragment:
        text, issues = decode_config_bytes(data, label)
        return cls(text=text, label=label, decode_issues=issues, **kw)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], *, origin: str = "file", label: str | None = None) -> Fragment:
        p = Path(path)
        data = configfile.read_config_bytes(p, "config fragment")
        return cls.from_bytes(data, label or str(p), path=p, origin=origin)

    @property
    def name(self) -> str:
        """The short name the command line accepts (file name without .config)."""
        if self.path is not None:
            return self.path.name[:-len(".config")] if self.path.name.endswith(".config") else self.path.name
        return self.label

    @property
    def assignments(self) -> list[Assignment]:
        return list(scan_assignments(self.text))

    @property
    def symbol_names(self) -> list[str]:
        seen: dict[str, None] = {}
        for a in scan_assignments(self.text):
            seen.setdefault(a.name, None)
        return list(seen)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "description": self.description, "origin": self.origin,
                "path": str(self.path) if self.path else None, "symbols": self.symbol_names}


def _metadata(text: str) -> dict[str, str]:
    """``# key: value`` lines of the leading comment block."""
    meta: dict[str, str] = {}
    desc: list[str] = []
    for line in text.split("\n"):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        if not line.startswith("#") or line.startswith(f"# {CONFIG_}"):
            break
        m = _KEY_RE.match(line)
        if not m:
            continue
        key, value = m.group(1).lower(), m.group(2).strip()
        if key in ("description", "help"):
            desc.append(value)
        else:
            meta.setdefault(key, value)
    if desc:
        meta["description"] = " ".join(d for d in desc if d)
    return meta


# -- where presets live -------------------------------------------------------------------


def user_preset_dir() -> Path:
    """``$XDG_DATA_HOME/rustconfig-gui/presets`` (XDG: a relative value is ignored)."""
    base = os.environ.get("XDG_DATA_HOME", "")
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".local" / "share"
    return root / "rustconfig-gui" / "presets"


def builtin_preset_dir() -> Path:
    return resources_root() / "presets"


def _fragments_in(folder: Path, origin: str, label_root: Path | None = None) -> list[Fragment]:
    if not folder.is_dir():
        return []
    out = []
    for p in sorted(folder.glob("*.config")):
        if not p.is_file():
            continue
        label = str(p.relative_to(label_root)) if label_root is not None else str(p)
        try:
            out.append(Fragment.from_file(p, origin=origin, label=label))
        except ConfigFileError:
            continue
    return out


def builtin_presets() -> list[Fragment]:
    """The presets shipped with the project, in their ``order``."""
    frags = _fragments_in(builtin_preset_dir(), "builtin", label_root=resources_root())
    return sorted(frags, key=lambda f: (f.order, f.name))


def user_presets() -> list[Fragment]:
    return _fragments_in(user_preset_dir(), "user")


def tree_fragments(source: str | os.PathLike[str] | LoadedTree, srcarch: str | None = None) -> list[Fragment]:
    """The tree's own fragments that ``make <name>.config`` finds:
    ``kernel/configs/*.config`` and ``arch/$SRCARCH/configs/*.config``."""
    if hasattr(source, "tree") and hasattr(source, "srcarch"):
        src, arch = source.tree.source, source.srcarch  # type: ignore[union-attr]
    else:
        src, arch = Path(source), srcarch  # type: ignore[arg-type]
    frags = _fragments_in(Path(src) / "kernel" / "configs", "tree", label_root=Path(src))
    if arch:
        frags += _fragments_in(Path(src) / "arch" / arch / "configs", "tree", label_root=Path(src))
    return frags


def all_presets(lt: LoadedTree | None = None) -> list[Fragment]:
    """Built-in, then the user's, then (with a tree) the tree's own fragments."""
    out = builtin_presets() + user_presets()
    if lt is not None:
        out += tree_fragments(lt)
    return out


def find_presets(spec: str, lt: LoadedTree | None = None) -> list[Fragment]:
    """Fragments by file path, or by name among the user's, the built-in and the
    tree's presets (``rust-support``, ``rust-support.config``, ``kernel/configs/rust.config``).

    A name of the tree's own fragments gives every file of that name, in the
    order ``make <name>.config`` merges them (kernel/configs, then the arch's).
    """
    p = Path(spec).expanduser()
    if p.is_file():
        return [Fragment.from_file(p)]
    name = spec[:-len(".config")] if spec.endswith(".config") else spec
    tree = tree_fragments(lt) if lt is not None else []
    for f in [*user_presets(), *builtin_presets(), *tree]:
        if f.label in (spec, f"{spec}.config"):
            return [f]
    for group in (user_presets(), builtin_presets(), tree):
        found = [f for f in group if f.name == name]
        if found:
            return found
    known = ", ".join(sorted({f.name for f in [*user_presets(), *builtin_presets(), *tree]}))
    raise ConfigFileError(f"No preset or file named '{spec}' (known presets: {known}).")


def save_user_preset(name: str, text: str) -> Path:
    """Write ``text`` as ``<user folder>/<name>.config`` (the folder is created)."""
    if name.endswith(".config"):
        name = name[:-len(".config")]
    if not PRESET_NAME_RE.match(name):
        raise ConfigFileError(f"'{name}' cannot be a preset name: use letters, digits, '.', '_', '+' and '-'.")
    folder = user_preset_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ConfigFileError(f"Cannot create the preset folder {folder}: {e.strerror}.") from None
    path = folder / f"{name}.config"
    write_atomic(path, text, keep_old=False)
    return path


# -- applying -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """A value a fragment asks for (the last one that takes, after merging)."""

    name: str
    value: str          # n/m/y, or the string/int/hex text as stored
    line_text: str      # the fragment's line
    label: str          # fragment label
    line: int
    index: int = 0      # position of the fragment in the applied list

    @property
    def where(self) -> str:
        return f"{self.label}:{self.line}"

    def to_dict(self) -> dict[str, Any]:
        return {"symbol": self.name, "value": self.value, "line": self.line_text, "where": self.where}


@dataclass
class NotApplied:
    """A requested value that is not in the result, with the why engine's answer."""

    request: Request
    actual: str                 # the value now
    actual_line: str | None     # its .config line now (None: not written)
    reason: str                 # one sentence
    explanation: Explanation | None = None

    def to_dict(self) -> dict[str, Any]:
        return {**self.request.to_dict(), "actual": self.actual, "actual_line": self.actual_line,
                "reason": self.reason,
                "explanation": self.explanation.to_dict() if self.explanation is not None else None}


@dataclass(frozen=True)
class Missing:
    """A symbol a fragment names that this tree does not define."""

    name: str
    line_text: str
    label: str
    line: int

    def to_dict(self) -> dict[str, Any]:
        return {"symbol": self.name, "line": self.line_text, "where": f"{self.label}:{self.line}"}


@dataclass(frozen=True)
class Override:
    """A fragment's value replaced by a later fragment (merge_config.sh's "redefined")."""

    name: str
    earlier: str        # the earlier line
    earlier_where: str
    later: str          # the later line
    later_where: str

    def to_dict(self) -> dict[str, Any]:
        return {"symbol": self.name, "earlier": self.earlier, "earlier_where": self.earlier_where,
                "later": self.later, "later_where": self.later_where}


@dataclass
class ApplyReport:
    """What applying fragments did.  ``before``/``after`` are the complete user
    input before and after, for undo and redo.  ``unchanged`` names the applied
    requests that already had their value; ``groups`` are the values not
    applied, grouped by cause (:mod:`.causes`)."""

    fragments: list[str]
    requests: list[Request]
    not_applied: list[NotApplied]
    missing: list[Missing]
    overridden: list[Override]
    issues: list[ConfigIssue]
    changes: ConfigDiff
    before: UserState
    after: UserState
    version: str = ""
    arch: str = ""
    unchanged: set[str] = field(default_factory=set)
    groups: list[CauseGroup] = field(default_factory=list)

    @property
    def applied(self) -> list[Request]:
        bad = {n.request.name for n in self.not_applied}
        return [r for r in self.requests if r.name not in bad]

    @property
    def ok(self) -> bool:
        return not self.not_applied and not self.missing

    @property
    def warnings(self) -> list[ConfigIssue]:
        """file:line problems other than unknown symbols (those are in ``missing``)."""
        return [i for i in self.issues if i.kind != "unknown-symbol"]

    def counts(self) -> dict[str, int]:
        """Requested values and ``is not set`` lines counted apart, each split into
        changed, already so and not applied; the .config lines that changed, values
        and ``is not set`` lines apart."""
        bad = {n.request.name for n in self.not_applied}
        out: dict[str, int] = {}
        for kind, reqs in (("values", [r for r in self.requests if r.value != "n"]),
                           ("not_set", [r for r in self.requests if r.value == "n"])):
            out[f"{kind}_requested"] = len(reqs)
            out[f"{kind}_changed"] = sum(1 for r in reqs if r.name not in bad and r.name not in self.unchanged)
            out[f"{kind}_unchanged"] = sum(1 for r in reqs if r.name not in bad and r.name in self.unchanged)
            out[f"{kind}_not_applied"] = sum(1 for r in reqs if r.name in bad)
        rows = self.changes.rows()
        values = sum(1 for r in rows if is_value_change(r.old, r.new))
        out["config_values_changed"] = values
        out["config_not_set_lines_changed"] = len(rows) - values
        out["causes"] = len(self.groups)
        return out

    def summary(self) -> str:
        c = self.counts()
        n = c["values_requested"]
        ok = c["values_changed"] + c["values_unchanged"]
        parts = [f"{ok} of {n} requested value{'s' if n != 1 else ''} applied"
                 + (f" ({c['values_changed']} changed, {c['values_unchanged']} already so)" if ok else "")]
        z = c["not_set_requested"]
        if z:
            held = c["not_set_changed"] + c["not_set_unchanged"]
            parts.append(f"{held} of {z} 'is not set' line{'s' if z != 1 else ''} hold")
        if self.not_applied:
            k = len(self.groups)
            parts.append(f"{len(self.not_applied)} not applied"
                         + (f" ({k} cause{'s' if k != 1 else ''})" if k else ""))
        if self.missing:
            parts.append(f"{len(self.missing)} not in this tree")
        if self.overridden:
            parts.append(f"{len(self.overridden)} overridden by a later fragment")
        if self.warnings:
            parts.append(f"{len(self.warnings)} line{'s' if len(self.warnings) != 1 else ''} not taken")
        v, nz = c["config_values_changed"], c["config_not_set_lines_changed"]
        parts.append(f"{v} value{'s' if v != 1 else ''} changed"
                     + (f", {nz} 'is not set' line{'s' if nz != 1 else ''} added or removed" if nz else ""))
        return "; ".join(parts)

    def grouped(self) -> list[tuple[CauseGroup | None, list[NotApplied]]]:
        """The values not applied by cause (a group of None: not grouped)."""
        by_name = {n.request.name: n for n in self.not_applied}
        out: list[tuple[CauseGroup | None, list[NotApplied]]] = []
        seen: set[str] = set()
        for g in self.groups:
            items = [by_name[m] for m in g.members if m in by_name]
            seen.update(g.members)
            out.append((g, items))
        rest = [n for n in self.not_applied if n.request.name not in seen]
        if rest:
            out.append((None, rest))
        return out

    def text(self) -> str:
        out = [f"Applied {', '.join(self.fragments) or 'nothing'}: {self.summary()}."]
        if self.not_applied:
            out.append("")
            k = len(self.groups)
            out.append("Not applied" + (f", by cause ({k}):" if k else ":"))
            for g, items in self.grouped():
                if g is not None:
                    out.append(f"  {g.headline()}")
                for n in items:
                    root = g is None or n.request.name in {r.partition("=")[0] for r in g.roots}
                    out.append(f"    {n.request.line_text}  ({n.request.where})")
                    if root:
                        now = n.actual_line or f"{n.actual or chr(34) * 2} (no line in .config)"
                        out.append(f"        now: {now}")
                        out.append(f"        why: {n.reason}")
                if g is not None and g.fix:
                    out.append(f"    make available ({', '.join(g.plan) or 'plan'}): {g.command}")
        if self.missing:
            out.append("")
            out.append("Not in this tree (Linux " + (self.version or "?") + "):")
            for m in self.missing:
                out.append(f"  {m.line_text}  ({m.label}:{m.line})")
        if self.overridden:
            out.append("")
            out.append("Overridden by a later fragment:")
            for o in self.overridden:
                out.append(f"  {o.earlier}  ({o.earlier_where})  replaced by  {o.later}  ({o.later_where})")
        if self.warnings:
            out.append("")
            out.append("Lines not taken:")
            out += [f"  {i}" for i in self.warnings]
        return "\n".join(out) + "\n"

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": 1,
            "version": self.version,
            "arch": self.arch,
            "fragments": self.fragments,
            "ok": self.ok,
            "summary": self.summary(),
            "counts": self.counts(),
            "requested": [{**r.to_dict(), "unchanged": r.name in self.unchanged} for r in self.requests],
            "not_applied": [n.to_dict() for n in self.not_applied],
            "groups": [g.to_dict() for g in self.groups],
            "missing": [m.to_dict() for m in self.missing],
            "overridden": [o.to_dict() for o in self.overridden],
            "warnings": [{"where": f"{i.filename}:{i.line}", "kind": i.kind, "symbol": i.symbol,
                          "message": i.message} for i in self.warnings],
            "changes": self.changes.to_dict(),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)


def is_value_change(old: str | None, new: str | None) -> bool:
    """A .config difference that changes a value (not only an ``is not set`` line coming or going)."""
    return old not in (None, "n") or new not in (None, "n")


def merged_text(base_text: str, fragments: Sequence[Fragment]) -> str:
    """What ``merge_config.sh -m base F1 … Fn`` writes (without its messages):
    for each fragment in turn, the lines of the symbols it assigns are removed
    from what was merged so far, then it is appended."""
    text = base_text
    for frag in fragments:
        names = {a.name for a in scan_assignments(frag.text)}
        drop = {a.line for a in scan_assignments(text) if a.name in names}
        lines = text.split("\n")
        text = "\n".join(line for n, line in enumerate(lines, 1) if n not in drop)
        # merge_config.sh: "In case the previous file lacks a new line at the end"
        text += "\n" + frag.text
    return text


def apply_fragments(lt: LoadedTree, fragments: Sequence[Fragment], *, keep: bool = True,
                    explain: bool = True, causes: bool = True, base: str | None = None,
                    base_label: str = CURRENT, changes: bool = True) -> ApplyReport:
    """Apply ``fragments`` in order over the current configuration of ``lt``.

    The result is what ``merge_config.sh`` plus ``olddefconfig`` would give
    from the saved current configuration; the report lists every requested
    value that is not in the result (with the why engine's reason), symbols
    this tree does not define, values overridden by a later fragment, and
    every line not taken (file:line).  With ``keep=False`` the configuration
    is put back afterwards (a preview).  Nothing is written to disk.  With
    ``explain`` and ``causes`` the values not applied are grouped by cause,
    each with the fix planner's smallest plan (:mod:`.causes`).

    With ``base`` (the text of a config file) the fragments are merged onto that
    file instead of the current configuration, as ``merge_config.sh -m FILE
    F1 … Fn`` and ``olddefconfig`` do; "changed" is then relative to that file
    after ``olddefconfig``.  With ``changes=False`` (a proof that only needs
    what does not hold) the differences and "already so" are not worked out.
    """
    ev = lt.ev
    before = ev.snapshot()
    if base is not None:
        read_config_text(ev, base, base_label, replace=True)
    before_text = config_text(ev) if changes or base is None else ""
    start_text = before_text if base is None else base
    # every written value is now computed: reading the text back keeps those that stand
    held = (ev.snapshot(), ev.generation) if before_text else None
    before_lines = {a.name: a.text for a in scan_assignments(before_text)}
    frags = list(fragments)
    assigned = [{a.name for a in scan_assignments(f.text)} for f in frags]
    later: list[set[str]] = []
    acc: set[str] = set()
    for names in reversed(assigned):
        later.append(set(acc))
        acc |= names
    later.reverse()

    issues: list[ConfigIssue] = []
    # merge_config.sh: the base loses every symbol a fragment assigns ...
    read_config_text(ev, _blank_lines(start_text, acc), base_label, replace=True, refresh=held is None)
    requests: dict[str, Request] = {}
    overridden: list[Override] = []
    missing: list[Missing] = []
    for i, frag in enumerate(frags):
        issues += frag.decode_issues
        # ... and each fragment loses the symbols a later one assigns
        text = _blank_lines(frag.text, later[i])
        report = read_config_text(ev, text, frag.label, replace=False, refresh=held is None)
        issues += report.issues
        taken_here: dict[str, Request] = {}
        for a in scan_assignments(text):
            sym = lt.sym(a.name)
            if sym is None:
                missing.append(Missing(a.name, a.text, frag.label, a.line))
                continue
            parsed = parse_value(sym, a.value)
            if isinstance(parsed, ConfigIssueText):
                continue
            value = _TRI[parsed] if isinstance(parsed, int) else parsed
            taken_here[a.name] = Request(a.name, value, a.text, frag.label, a.line, i)
        last_here = {a.name: a for a in scan_assignments(frag.text)}
        for a in last_here.values():
            if a.name in later[i] and lt.sym(a.name) is not None:
                # replaced later: find who replaces it, for the report
                j = next(k for k in range(i + 1, len(frags)) if a.name in assigned[k])
                repl = [b for b in scan_assignments(frags[j].text) if b.name == a.name][-1]
                if a.text != repl.text:
                    overridden.append(Override(a.name, a.text, f"{frag.label}:{a.line}", repl.text,
                                               f"{frags[j].label}:{repl.line}"))
        requests.update(taken_here)
    if held is not None:
        ev.refresh_after_input(*held)
    else:
        ev.invalidate()

    not_applied: list[NotApplied] = []
    unchanged: set[str] = set()
    ordered = sorted(requests.values(), key=lambda r: (r.index, r.line))
    for req in ordered:
        sym = lt.sym(req.name)
        assert sym is not None
        actual = ev.str_value(sym)
        written = ev.written(sym)
        if actual == req.value and (written or req.value == "n"):
            if changes and before_lines.get(req.name) == (symbol_line(ev, sym) if written else None):
                unchanged.add(req.name)
            continue
        line = symbol_line(ev, sym) if written else None
        exp = None
        reason = ""
        if explain:
            exp, reason = _reason(lt, sym, req.value, actual)
        not_applied.append(NotApplied(req, actual, line, reason, exp))
    after = ev.snapshot()
    after_text = config_text(ev) if changes else ""
    groups = group_failures(lt, not_applied) if explain and causes and not_applied else []
    diff = diff_configs(before_text, after_text, _rust_names(lt)) if changes else ConfigDiff()
    rep = ApplyReport(fragments=[f.label for f in frags], requests=ordered, not_applied=not_applied,
                      missing=missing, overridden=overridden, issues=issues, changes=diff,
                      before=before, after=after, version=lt.version_text, arch=lt.arch, unchanged=unchanged,
                      groups=groups)
    if not keep:
        ev.restore(before)
    return rep


def _rust_names(lt: LoadedTree) -> frozenset[str]:
    return frozenset(s.name for s in rust_symbols(lt))


def _reason(lt: LoadedTree, sym: Symbol, wanted: str, actual: str) -> tuple[Explanation | None, str]:
    """The why engine's explanation and one sentence for a value that did not take."""
    ev = lt.ev
    try:
        if actual == wanted:
            # the value is right but the symbol has no line in .config: it is hidden
            exp = why.explain(lt, sym, "visible")
        else:
            exp = why.explain(lt, sym, wanted)
    except ValueError as e:
        return None, str(e)
    brief = why.one_line_from(exp.reasons)
    if actual == wanted:
        text = f"{sym.name} is not written to .config"
    elif sym.orig_type in (BOOL, TRISTATE) and wanted == "m" and ev.sym_type(sym) == BOOL:
        text = exp.summary
    else:
        text = f"{sym.name} is {actual or chr(34) * 2}, not {wanted or chr(34) * 2}"
    if brief:
        text += f": {brief}"
    elif exp.summary and exp.summary not in text:
        text += f": {exp.summary}"
    return exp, text


# -- making fragments ----------------------------------------------------------------------


def _lines(ev: Any, syms: Iterable[Symbol]) -> dict[Symbol, str | None]:
    return {s: (symbol_line(ev, s) if ev.written(s) else None) for s in syms}


def _menu_order(lt: LoadedTree) -> list[Symbol]:
    seen: dict[Symbol, None] = {}
    for node in lt.ev.walk():
        if node.item.__class__ is Symbol:
            seen.setdefault(node.item, None)
    for s in lt.kconf.unique_defined_syms:
        seen.setdefault(s, None)
    return list(seen)


def fragment_line(lt: LoadedTree, sym: Symbol) -> str | None:
    """The fragment line for the current value of ``sym`` (``# … is not set``
    for a bool/tristate that is off or hidden; None for a hidden string/number)."""
    ev = lt.ev
    if ev.written(sym):
        return symbol_line(ev, sym)
    if sym.orig_type in (BOOL, TRISTATE):
        return f"# {CONFIG_}{sym.name} is not set"
    return None


def changed_symbols(lt: LoadedTree, before: UserState) -> list[Symbol]:
    """Symbols whose .config line differs from what it was in ``before`` (menu order)."""
    ev = lt.ev
    now = ev.snapshot()
    order = _menu_order(lt)
    after_lines = _lines(ev, order)
    ev.restore(before)
    try:
        before_lines = _lines(ev, order)
    finally:
        ev.restore(now)
    return [s for s in order if after_lines[s] != before_lines[s]]


def touched_symbols(lt: LoadedTree, before: UserState) -> list[Symbol]:
    """Symbols the user set to something else since ``before`` and whose value
    changed because of it (menu order)."""
    ev = lt.ev
    changed = set(changed_symbols(lt, before))
    return [s for s in _menu_order(lt)
            if s in changed and before.user.get(s, _NONE) != ev.user.get(s, _NONE)]


_NONE = object()


def fragment_for(lt: LoadedTree, symbols: Iterable[Symbol], *, header: str = "") -> str:
    """A fragment with the current values of ``symbols`` (hand-picked), in menu order."""
    wanted = set(symbols)
    out = [header] if header else []
    for s in _menu_order(lt):
        if s in wanted:
            line = fragment_line(lt, s)
            if line is not None:
                out.append(line + "\n")
    return "".join(out)


def fragment_from_changes(lt: LoadedTree, before: UserState, *, header: str = "") -> str:
    """The changes made since ``before`` (e.g. since the tree was opened).

    The values the user set, and every other value that, applied over the
    configuration of ``before`` as it would be saved, would otherwise stay
    as that file has it (an option a change made visible that the file
    records as ``is not set``).  So the fragment, applied over that
    configuration, gives the current one.
    """
    ev = lt.ev
    now = ev.snapshot()
    ev.restore(before)
    try:
        before_text = config_text(ev)
    finally:
        ev.restore(now)
    syms = set(touched_symbols(lt, before)) | set(base_differences(lt, before_text))
    return fragment_for(lt, syms, header=header)


def base_differences(lt: LoadedTree, base_text: str) -> list[Symbol]:
    """User-settable symbols whose .config line differs from ``base_text``'s and
    that must be recorded to get the current configuration over that base
    (menu order).

    Left out is a symbol that would have its current value anyway with the
    user value the base gives it (none, when the base has no line for it):
    an option a change made visible, at its default, or one a select now
    raises above the base's ``is not set``.
    """
    ev = lt.ev
    now = ev.snapshot()
    order = _menu_order(lt)
    now_lines = _lines(ev, order)
    settable = {s for s in order if _settable(ev, s)}
    read_config_text(ev, base_text, "(base)", replace=True)
    ev.invalidate()
    try:
        base_lines = _lines(ev, order)
        candidates = [s for s in order if s in settable and now_lines[s] != base_lines[s]]
        base_user = {s: ev.user.get(s, _NONE) for s in candidates}
    finally:
        ev.restore(now)
    return [s for s in candidates if s.choice is not None or not _same_with(lt, s, base_user[s], now_lines[s])]


def _same_with(lt: LoadedTree, sym: Symbol, user: object, line: str | None) -> bool:
    """Would ``sym`` keep its .config line with ``user`` as its user value?
    (Nothing that decides its value depends on it.)"""
    ev = lt.ev
    old = ev.user.get(sym, _NONE)
    if old == user:
        return True
    try:
        if user is _NONE:
            del ev.user[sym]
        else:
            ev.user[sym] = user  # type: ignore[assignment]
        ev.invalidate()
        return (symbol_line(ev, sym) if ev.written(sym) else None) == line
    finally:
        if old is _NONE:
            ev.user.pop(sym, None)
        else:
            ev.user[sym] = old  # type: ignore[assignment]
        ev.invalidate()


def fragment_from_base(lt: LoadedTree, base_text: str, *, header: str = "") -> str:
    """The user-settable values that differ from ``base_text`` (the arch's
    defconfig, the .config read at start, …): ``merge_config.sh`` of that
    file and the fragment, then ``olddefconfig``, gives the current
    configuration."""
    return fragment_for(lt, base_differences(lt, base_text), header=header)


def _settable(ev: Any, sym: Symbol) -> bool:
    if sym.choice is not None:
        return bool(ev.visibility(sym))
    return ev.is_changeable(sym)


def header(lt: LoadedTree | None, title: str = "", description: str = "",
           when: _dt.datetime | None = None) -> str:
    """The comment block a saved fragment starts with: title, description and
    the tree's version, ARCH and the date."""
    out = []
    if title:
        out.append(f"# title: {_one_line(title)}")
    for d in description.splitlines():
        if d.strip():
            out.append(f"# description: {_one_line(d)}")
    stamp = (when or _dt.datetime.now().astimezone()).strftime("%Y-%m-%d %H:%M %z").strip()
    if lt is not None:
        llvm = " LLVM=1" if lt.tree.llvm else ""
        out.append(f"# saved from Linux {lt.version_text}, ARCH={lt.arch}{llvm}, on {stamp}")
    else:
        out.append(f"# saved on {stamp}")
    return "".join(line + "\n" for line in out)


def _one_line(s: str) -> str:
    return " ".join(s.split())


__all__ = [
    "ApplyReport", "Assignment", "base_differences", "Fragment", "Missing", "NotApplied", "Override", "Request",
    "all_presets", "apply_fragments", "builtin_presets", "changed_symbols", "find_presets", "fragment_for",
    "fragment_from_base", "fragment_from_changes", "fragment_line", "header", "is_value_change", "merged_text",
    "save_user_preset", "scan_assignments", "touched_symbols", "tree_fragments", "user_preset_dir", "user_presets",
]
