"""A tree of reasons as text (the CLI, the plain-text exports): the full tree,
an explanation, the status of Rust in a tree, menuconfig's help screen, and the
few words a row or a summary shows."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rustconfig_gui.explain.plans import FixResult, Plan
    from rustconfig_gui.explain.reasons import Explanation, MenuconfigFacts, Reason, RustStatus


def _term_brief(r: Reason) -> str:
    """A term in a few words: "RUST_IS_AVAILABLE (n)", "!MODVERSIONS (MODVERSIONS=y)",
    "RUSTC_VERSION >= 108100 (found 106300)"."""
    if r.kind in ("choice", "visible-if") and not r.expr:
        return r.text
    e = r.expr or r.text
    only = r.children[0] if len(r.children) == 1 else None
    if only is not None and only.kind == "probe" and only.probe is not None and e in ("n", "y", "m"):
        # the dependency was a macro that expanded to a constant: name the probe
        return f"a probe that failed ({only.probe.location})"
    if only is not None and only.version_check is not None:
        return f"{e} (found {only.version_check.found})"
    if r.kind == "version" and r.version_check is not None:
        return f"{e} (found {r.version_check.found})"
    if only is not None and only.symbol and e.lstrip("!") == only.symbol:
        return f"{e} ({only.symbol}={only.value})" if e.startswith("!") else f"{e} ({only.value})"
    if r.kind == "visible-if":
        return f"{r.text.split(' is visible only if ')[0]} visible if {e} ({r.value})"
    if r.kind == "choice":
        return r.text.replace("member of ", "") + f" ({'hidden' if r.value == 'n' else r.value})"
    if r.symbol and r.kind not in ("all", "any"):
        return f"{r.symbol} ({r.value})"
    return f"{e} ({r.value})"


def one_line_from(reasons: list[Reason], limit: int = 3) -> str:
    unmet = [r for r in reasons if not r.satisfied]
    if not unmet:
        return ""
    parts = [_term_brief(r) for r in unmet[:limit]]
    more = f" and {len(unmet) - limit} more" if len(unmet) > limit else ""
    return "needs " + ", ".join(parts) + more




def value_brief(r: Reason) -> str:
    if r.kind == "probe":
        return f"computed by a shell probe ({r.value})"
    if r.kind == "environment":
        return f"comes from the toolchain ({r.value})"
    if r.kind == "arch":
        return r.text.split(": ", 1)[-1]
    for c in r.children:
        if c.kind in ("probe", "environment"):
            return value_brief(c)
        if c.kind == "select":
            return f"selected by {c.symbol}"
        if c.kind == "user-value":
            return c.text
        if c.kind == "default":
            unmet = [x for x in c.children if not x.satisfied]
            if unmet:
                # raising needs the condition; lowering is held back by it
                verb = "kept by " if r.wanted in ("n", "n or m") else "needs "
                return verb + _expr_brief(unmet[0])
            return c.text
        if c.kind == "any" and c.children:
            first = c.children[0]
            if first.kind == "select":
                names = ", ".join(x.symbol or "" for x in c.children[:3])
                return f"not selected (by {names}{', …' if len(c.children) > 3 else ''})"
            if first.kind == "default":
                return "no default applies; " + ("needs " + _expr_brief(first.children[0])
                                                 if first.children else first.text)
    if r.kind == "no-prompt" and not r.children:
        return "no default, not selected"
    return r.text.split(": ", 1)[-1]


def _expr_brief(x: Reason, limit: int = 3) -> str:
    if x.kind in ("all", "any"):
        unmet = [c for c in x.children if not c.satisfied and c.kind != "alternative"] or x.children
        joiner = ", " if x.kind == "all" else " or "
        parts = [_expr_brief(c) for c in unmet[:limit]]
        return joiner.join(parts) + (" …" if len(unmet) > limit else "")
    if x.version_check is not None:
        return f"{x.expr} (found {x.version_check.found})"
    if x.symbol:
        return f"{x.symbol} ({x.value})"
    return f"{x.expr or x.text} ({x.value})"


def _reason_lines(r: Reason, indent: int, out: list[str]) -> None:
    mark = "[ok]" if r.satisfied else "[--]"
    pad = "  " * indent
    line = f"{pad}{mark} {r.text}"
    if r.location:
        line += f"  ({r.location})"
    out.append(line)
    sub = pad + "       "
    if r.action:
        out.append(f"{sub}-> {r.action}")
    if r.version_check:
        vc = r.version_check
        out.append(f"{sub}version: found {vc.found}{f' ({vc.found_version})' if vc.found_version else ''}, "
                   f"needs {vc.op} {vc.needed}{f' ({vc.needed_version})' if vc.needed_version else ''}")
    if r.probe:
        p = r.probe
        out.append(f"{sub}macro:   {p.macro}")
        if p.variable and p.run_at:
            out.append(f"{sub}via:     $({p.variable}) expanded at {p.run_at}")
        if p.command:
            out.append(f"{sub}command: {p.command}")
            out.append(f"{sub}status:  {p.status}, output: {p.output!r}")
        else:
            out.append(f"{sub}value:   {p.output!r} (from make's environment)")
        if p.hint:
            out.append(f"{sub}hint:    {p.hint}")
    if r.env_hint:
        out.append(f"{sub}-> {r.env_hint}")
    if r.arches:
        for a in r.arches:
            cond = f" if {a.condition}" if a.condition else ""
            cur = "  <- this tree's ARCH" if a.current else ""
            out.append(f"{sub}arch {a.arch}{cond}  ({a.location}){cur}")
    for c in r.children:
        _reason_lines(c, indent + 1, out)


def format_reasons(reasons: list[Reason], indent: int = 0) -> str:
    out: list[str] = []
    for r in reasons:
        _reason_lines(r, indent, out)
    return "\n".join(out)


def format_explanation(e: Explanation, *, facts: bool = True) -> str:
    head = e.target
    if e.prompt:
        head += f' ({e.type + " " if e.type else ""}"{e.prompt}")'
    def shown(v: str) -> str:
        return v if v != "" else '""'

    out = [f"{head} at {e.location}", f"  value: {shown(e.value)}    wanted: {shown(e.want)}    "
           f"{'already so' if e.ok else 'not so'}", f"  {e.summary}"]
    if e.reasons:
        out.append("")
        out.append("Why:" if not e.ok else "Because:")
        out.append(format_reasons(e.reasons, 1))
    if facts and e.facts is not None:
        out.append("")
        out.append("As menuconfig's help screen shows it:")
        out += ["  " + line for line in e.facts.text().split("\n")]
    return "\n".join(out)


def format_rust_status(s: RustStatus) -> str:
    out = [f"Linux {s.version}, ARCH={s.arch}{'  LLVM=1' if s.llvm else ''}"]
    out += [f"  {k:<19} {v}" for k, v in s.toolchain.items() if v]
    out.append("")
    out.append(s.summary)
    if s.defined:
        out.append("")
        out.append("config RUST:")
        for t in s.terms:
            mark = "[ok]" if t.satisfied else "[--]"
            out.append(f"  {mark} {t.reason.text}  ({t.location})")
        if s.blockers:
            out.append("")
            out.append("Blockers:")
            out.append(format_reasons(s.blockers, 1))
    out.append("")
    out.append(f"Rust-related entries ({len(s.entries)}):")
    width = max((len(e.name) for e in s.entries), default=10)
    for e in s.entries:
        state = "shown" if e.visible else "hidden"
        shown = e.value or '""'
        line = f"  {e.name:<{width}} = {shown:<8} {state:<6}"
        if e.reason:
            line += f"  {e.reason}"
        out.append(line)
    return "\n".join(out)


def format_facts(f: MenuconfigFacts) -> str:
    """menuconfig's help screen of a symbol (``get_symbol_str``)."""
    out = [f"Symbol: {f.symbol} [={f.value}]", f"Type  : {f.type}"]
    if f.range:
        out.append(f"Range : {f.range}")
    for p in f.prompts:
        out.append(f"Defined at {p.defined_at}")
        out.append(f"  Prompt: {p.prompt}")
        if p.depends_on:
            out.append(f"  Depends on: {p.depends_on}")
        if p.visible_if:
            out.append(f"  Visible if: {p.visible_if}")
        out.append("  Location:")
        for i, step in enumerate(p.location):
            out.append(" " * (2 * i + 4) + f"-> {step}")
    for where, dep in f.definitions:
        out.append(f"Defined at {where}")
        if dep:
            out.append(f"  Depends on: {dep}")
    if f.selects:
        out.append("Selects: " + " && ".join(f.selects))
    for val in ("y", "m", "n"):
        if f.selected_by.get(val):
            out.append(f"Selected by [{val}]:")
            out += [f"  - {r.expr}" for r in f.selected_by[val]]
    if f.implies:
        out.append("Implies: " + " && ".join(f.implies))
    for val in ("y", "m", "n"):
        if f.implied_by.get(val):
            out.append(f"Implied by [{val}]:")
            out += [f"  - {r.expr}" for r in f.implied_by[val]]
    return "\n".join(out)


# -- fix plans ---------------------------------------------------------------------------------


def format_plan(p: Plan, number: int | None = None, *, effects: int = 12) -> str:
    head = f"Plan {number}" if number is not None else "Plan"
    out = [f"{head}: {p.headline()}{'' if p.verified else '  [NOT VERIFIED]'}"]
    for i, s in enumerate(p.steps, 1):
        mark = "outside" if s.outside else "config "
        out.append(f"  {i}. [{mark}] {s.text}")
        if s.outside:
            for d in s.details:
                out.append(f"         {d}")
            for rem in s.commands:
                out.append(f"         {rem.title}: {rem.command}" if rem.command else f"         {rem.title}")
    out.append(f"  {p.note}")
    if p.side_effects:
        rust = [c for c in p.side_effects if c.rust]
        other = [c for c in p.side_effects if not c.rust]
        shown = (rust + other)[:effects]
        out.append(f"  side effects ({len(p.side_effects)}, {len(rust)} Rust):")
        for c in shown:
            out.append(f"    {c.symbol}: {c.before or chr(34) * 2} -> {c.after or chr(34) * 2}"
                       + ("  [Rust]" if c.rust else ""))
        if len(p.side_effects) > len(shown):
            out.append(f"    … and {len(p.side_effects) - len(shown)} more")
    return "\n".join(out)


def format_result(r: FixResult, *, effects: int = 12) -> str:
    out = [f"{r.target}: now {r.value or chr(34) * 2}", f"  {r.summary}"]
    if r.already:
        return "\n".join(out)
    for i, p in enumerate(r.plans, 1):
        out.append("")
        out.append(format_plan(p, i, effects=effects))
    return "\n".join(out)
