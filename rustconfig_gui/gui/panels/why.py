"""The info panel's Why section: the core's reason tree as collapsible HTML."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from kconfiglib import Choice, MenuNode, Symbol

from rustconfig_gui.explain import why
from rustconfig_gui.gui.style import style_for
from rustconfig_gui.kconfig.loader import LoadedTree

if TYPE_CHECKING:
    from rustconfig_gui.toolchain.rustavailable import ProbeResult


def explanation_for(lt: LoadedTree, node: MenuNode) -> why.Explanation | None:
    """Why it is hidden (if hidden), else why it has its value."""
    item = node.item
    ev = lt.ev
    if item.__class__ is Symbol:
        if not ev.visibility(item):
            return why.explain(lt, item, "visible")
        return why.explain_set(lt, item)
    if item.__class__ is Choice or node.prompt is not None:
        if node.prompt is not None and not ev.menu_is_visible(node):
            return why.explain(lt, node, "visible")
    return None


def _findings_html(probe: ProbeResult | None, loaded_has_rust: bool = False) -> str:
    """The latest rustavailable findings, for a reason computed by that script
    (``loaded_has_rust``: the loaded tree's RUST_IS_AVAILABLE is y already)."""
    if probe is None:
        return ""
    if probe.available:
        if loaded_has_rust:
            return "<br><b>Latest toolchain check:</b> Rust is available, and the loaded tree uses it."
        return "<br><b>Latest toolchain check:</b> Rust is available — reload Kconfig to use it."
    msgs = [f.message for f in probe.findings if f.severity in ("error", "warning")][:4]
    if not msgs:
        return ""
    return "<br><b>Latest toolchain check:</b><ul>" + "".join(f"<li>{html.escape(m)}</li>" for m in msgs) + "</ul>"


def _reason_html(r: why.Reason, path: str, expanded: set[str], depth: int,
                 probe: ProbeResult | None = None, loaded_has_rust: bool = False) -> str:
    esc = html.escape
    st = style_for()
    mark = st.span("ok", "✔") if r.satisfied else st.span("bad", "✖")
    out = [f"<li>{mark} {esc(r.text)}"]
    if r.symbol:
        out.append(f" <a href='sym:{esc(r.symbol)}'>→&nbsp;{esc(r.symbol)}</a>")
    if r.location:
        out.append(" " + st.span("muted", f"({esc(r.location)})"))
    if r.action:
        out.append(f"<br><b>What to do:</b> {esc(r.action)}")
    if r.probe:
        p = r.probe
        out.append("<br><b>Computed by a probe when the tree was loaded</b>"
                   f"<br>macro: <code>{esc(p.macro)}</code> ({esc(p.location)})"
                   f"<br>command: <code>{esc(p.command[:300])}</code>"
                   f"<br>exit status {p.status}, output <code>{esc(repr(p.output))}</code>")
        if p.hint:
            out.append(f"<br>{esc(p.hint)} — <a href='probe:'>run the toolchain check</a>")
        if "rust_is_available" in p.command:
            out.append(_findings_html(probe, loaded_has_rust))
    if r.version_check:
        v = r.version_check
        out.append(f"<br>found {esc(v.found_version or v.found)}, needs {esc(v.op)} "
                   f"{esc(v.needed_version or v.needed)}")
    if r.env_hint:
        out.append(f"<br>{esc(r.env_hint)}")
    if r.arches:
        names = ", ".join(esc(a.arch + (f" (if {a.condition})" if a.condition else "")) for a in r.arches)
        out.append(f"<br>Provided by ARCH: {names}")
    if r.children:
        is_open = path in expanded or (path not in expanded and f"-{path}" not in expanded
                                       and not r.satisfied and depth < 3)
        if is_open:
            out.append(f" <a href='why:-{path}'>[hide]</a><ul>")
            for i, c in enumerate(r.children):
                out.append(_reason_html(c, f"{path}.{i}", expanded, depth + 1, probe, loaded_has_rust))
            out.append("</ul>")
        else:
            out.append(f" <a href='why:{path}'>[show {len(r.children)} more]</a>")
    out.append("</li>")
    return "".join(out)


def loaded_has_rust(lt: LoadedTree | None) -> bool:
    """The loaded tree's own probe found Rust available (RUST_IS_AVAILABLE=y)."""
    sym = lt.sym("RUST_IS_AVAILABLE") if lt is not None else None
    return sym is not None and lt is not None and lt.ev.str_value(sym) == "y"


def why_html(exp: why.Explanation | None, expanded: set[str], probe: ProbeResult | None = None,
             lt: LoadedTree | None = None) -> str:
    """``lt``: the tree shown, so the latest toolchain check is told against what it loaded."""
    if exp is None:
        return ""
    has_rust = loaded_has_rust(lt)
    esc = html.escape
    head = "<h4 style='margin-bottom:0'>Why</h4>"
    if exp.ok and not exp.reasons:
        return f"{head}<p>{esc(exp.summary)}</p>"
    items = "".join(_reason_html(r, str(i), expanded, 0, probe, has_rust) for i, r in enumerate(exp.reasons))
    return f"{head}<p>{esc(exp.summary)}</p><ul>{items}</ul>"


def toggle(expanded: set[str], link: str) -> None:
    """``why:PATH`` opens a branch, ``why:-PATH`` closes it."""
    key = link[4:]
    if key.startswith("-"):
        expanded.discard(key[1:])
        expanded.add(key)
    else:
        expanded.discard(f"-{key}")
        expanded.add(key)
