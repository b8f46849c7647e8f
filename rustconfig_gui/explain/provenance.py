"""Where a symbol's current value comes from, in a few plain words.

One of: your edit, the loaded file, a select, an imply, a default (perhaps
computed by a probe from a make variable given on the command line), a
what-if assumption of a plan check, the choice, or nothing at all.  The rules
are those of ``sym_calc_value`` (kconfig/semantics.py), looked at from the
outside: a user value counts only while the symbol is visible, a select
raises any value, an imply raises a default.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from kconfiglib import BOOL, TRISTATE, Symbol, expr_str

from rustconfig_gui.explain.sources import KconfigSources
from rustconfig_gui.kconfig.loader import LoadedTree
from rustconfig_gui.kconfig.parser import MacroCall

_TRI = ("n", "m", "y")
_MACRO_VAR_RE = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_-]*)\)")
_SCRIPT_RE = re.compile(r"(/\S+\.sh)\b")

# kinds, in the words the panels and the CLI use
EDIT = "edit"
FILE = "file"
SELECT = "select"
IMPLY = "imply"
DEFAULT = "default"
OVERRIDE = "override"
CHOICE = "choice"
NONE = "none"


@dataclass(frozen=True)
class ValueSource:
    kind: str
    text: str                      # "from the loaded file (.config)", "selected by DRM_I915"
    symbols: tuple[str, ...] = ()  # the selecting / implying symbols
    note: str = ""                 # a second sentence, e.g. why a file value is not used
    location: str = ""             # file:line of the default that gives the value

    def sentence(self) -> str:
        return self.text + (f"; {self.note}" if self.note else "")


def _who(lt: LoadedTree, sym: Symbol, value: object) -> tuple[str, str]:
    """(kind, words) for a user value: the loaded file's, or an edit since."""
    file_values = lt.file_values
    path = lt.file_path
    if sym in file_values and file_values[sym] == value:
        name = path.name if path is not None else "the configuration file"
        return FILE, f"from the loaded file ({name})"
    if sym in file_values:
        shown = _TRI[int(file_values[sym])] if sym.orig_type in (BOOL, TRISTATE) else str(file_values[sym])
        return EDIT, f"your edit (the loaded file had {shown})"
    return EDIT, "your edit"


def _names(symbols: list[Symbol]) -> str:
    names = [s.name for s in symbols]
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def _impliers(lt: LoadedTree, sym: Symbol) -> list[Symbol]:
    ev = lt.ev
    out = []
    for s in lt.reverse.implied_by(sym):
        for target, cond in s.implies:
            if target is sym and min(ev.tri(s), ev.expr(cond)) > 0:
                out.append(s)
                break
    return out


def _default_source(lt: LoadedTree, sym: Symbol) -> ValueSource | None:
    """The first default whose condition holds, and whether a make variable given on
    the command line (``--make-var``, the Toolchain panel's overrides) computed it."""
    ev = lt.ev
    for node in sym.nodes:
        for i, (value, cond) in enumerate(node.defaults):
            if not ev.expr(cond):
                continue
            w = KconfigSources(lt)
            lines = w.default_lines(node)
            line = lines[i] if i < len(lines) else node.linenr
            where = f"{node.filename}:{line}"
            src = _source_line(lt, node.filename, line).strip()
            text = f"default {expr_str(value)}" + ("" if cond is lt.kconf.y else f" if {expr_str(cond)}")
            if "$(" not in src:
                return ValueSource(DEFAULT, f"the default ({text})", location=where)
            names = set(_MACRO_VAR_RE.findall(src))
            calls = lt.trace.at(node.filename, line) + [c for n in sorted(names) for c in w.variable_calls(n)]
            overrides = dict(lt.tree.make_vars)
            by_override = _used(overrides, names, calls)
            if by_override:
                shown = ", ".join(f"{n}={overrides[n]}" for n in by_override)
                return ValueSource(OVERRIDE, f"computed from {shown}, a make variable given when the tree "
                                   f"was loaded ({src})", location=where)
            settings = {k: v for k, v in (("ARCH", lt.tree.arch or ""), ("LLVM", "1" if lt.tree.llvm else ""),
                                          ("CROSS_COMPILE", lt.tree.cross_compile or "")) if v}
            by_setting = _used(settings, names, calls)
            if by_setting:
                shown = ", ".join(f"{n}={settings[n]}" for n in by_setting)
                return ValueSource(DEFAULT, f"the default, from {shown} given when the tree was loaded ({src})",
                                   location=where)
            if calls:
                return ValueSource(DEFAULT, f"the default, computed by a probe when the tree was loaded ({src})",
                                   location=where)
            return ValueSource(DEFAULT, f"the default, from the make environment ({src})", location=where)
    return None


def _script_reads(command: str, name: str) -> bool:
    """Does a script the probe runs read the environment variable ``name``?
    (make exports its variables: rust_is_available.sh reads $RUSTC and $BINDGEN)"""
    for path in _SCRIPT_RE.findall(command):
        try:
            text = Path(path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if re.search(rf"\$\{{?{re.escape(name)}\b", text):
            return True
    return False


def _used(given: dict[str, str], names: set[str], calls: list[MacroCall]) -> list[str]:
    """The variables of ``given`` that a default's macros or probes used."""
    return [n for n, v in given.items()
            if n in names or any(f"$({n})" in c.source_line or (v and v in c.command) or _script_reads(c.command, n)
                                 for c in calls)]


def _source_line(lt: LoadedTree, filename: str, line: int) -> str:
    return lt.kconf.source_line(filename, line) or ""


def value_source(lt: LoadedTree, sym: Symbol) -> ValueSource:
    """Where ``sym``'s current value comes from."""
    ev = lt.ev
    if sym in ev.assumed:
        return ValueSource(OVERRIDE, f"assumed to be {ev.assumed[sym]} while a plan is checked "
                           "(never part of the configuration)")
    vis = ev.visibility(sym)
    user = ev.user.get(sym)
    is_tri = sym.orig_type in (BOOL, TRISTATE)
    if sym.choice is not None:
        sel = ev.choice_selection(sym.choice)
        if sel is not sym:
            return ValueSource(CHOICE, "another member of its choice is selected" if sel is not None
                               else "its choice is hidden")
        if user == 2:
            kind, who = _who(lt, sym, user)
            return ValueSource(kind, f"chosen in its choice: {who}")
        return ValueSource(DEFAULT, "the choice's default member")
    note = ""
    if user is not None and not vis:
        shown = _TRI[int(user)] if is_tri else str(user)
        kind, who = _who(lt, sym, user)
        what = "the file's" if kind == FILE else "your"
        note = (f"{what} value {shown} is not used while it is hidden" if any(n.prompt for n in sym.nodes)
                else f"{what} value {shown} is not used: it has no prompt")
    if is_tri:
        value = ev.tri(sym)
        rev = ev.rev_dep(sym)
        base = min(int(user), vis) if (vis and user is not None) else None
        if rev and value == rev and (base is None or rev > base):
            by = [s for s, _ in lt.reverse.active_selectors(ev, sym)]
            raised = f" (raised from {_TRI[base]}: {_who(lt, sym, user)[1]})" if base is not None else ""
            return ValueSource(SELECT, f"selected by {_names(by) or 'another symbol'}{raised}",
                               tuple(s.name for s in by), note)
        if base is not None:
            kind, who = _who(lt, sym, user)
            if isinstance(user, int) and base < user:
                return ValueSource(kind, f"{who}: {_TRI[user]}, limited to {_TRI[base]} by its dependencies")
            return ValueSource(kind, who)
        imp = _impliers(lt, sym)
        default = _default_source(lt, sym)
        if imp and value > 0:
            d_val = 0
            for d, cond in sym.defaults:
                if ev.expr(cond):
                    d_val = min(ev.expr(d), ev.expr(cond))
                    break
            if value > d_val:
                return ValueSource(IMPLY, f"implied by {_names(imp)}", tuple(s.name for s in imp), note)
        if default is not None:
            return ValueSource(default.kind, default.text, note=note, location=default.location)
        return ValueSource(NONE, "not set, and no default applies", note=note)
    if vis and user is not None:
        kind, who = _who(lt, sym, user)
        return ValueSource(kind, who)
    default = _default_source(lt, sym)
    if default is not None:
        return ValueSource(default.kind, default.text, note=note, location=default.location)
    return ValueSource(NONE, "no default applies", note=note)
