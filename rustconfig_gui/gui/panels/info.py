"""The info panel's content for one entry, as HTML with ``sym:NAME`` links."""

from __future__ import annotations

import html

from kconfiglib import AND, BOOL, TRISTATE, Choice, MenuNode, Symbol, expr_str, split_expr

from rustconfig_gui.explain.provenance import value_source
from rustconfig_gui.gui.style import style_for
from rustconfig_gui.kconfig import menutree
from rustconfig_gui.kconfig.loader import LoadedTree


def _esc(s: str) -> str:
    return html.escape(s, quote=True)


def sym_link(sym: Symbol) -> str:
    if sym.is_constant:
        return _esc(sym.name if sym.name in ("n", "m", "y") else f'"{sym.name}"')
    return f'<a href="sym:{_esc(sym.name)}">{_esc(sym.name)}</a>'


def expr_html(expr: object) -> str:
    """An expression with every symbol a link."""
    return expr_str(expr, lambda sc: sym_link(sc) if sc.__class__ is Symbol else "&lt;choice&gt;")


def _value_badge(v: int) -> str:
    return style_for().span(("bad", "warn", "ok")[v], f'[={"nmy"[v]}]', bold=True)


def _terms_html(lt: LoadedTree, expr: object) -> str:
    if expr is lt.kconf.y or expr is None:
        return "<i>always</i>"
    rows = []
    for term in split_expr(expr, AND):
        rows.append(f"<li>{expr_html(term)} {_value_badge(lt.ev.expr(term))}</li>")
    return "<ul style='margin-top:0'>" + "".join(rows) + "</ul>"


def info_html(lt: LoadedTree, node: MenuNode, rust_syms: frozenset[Symbol] = frozenset(),
              why_html: str = "") -> str:
    ev = lt.ev
    item = node.item
    st = style_for()
    out: list[str] = []
    kind = menutree.kind(node)
    title = menutree.prompt_text(node) if node.prompt else (getattr(item, "name", "") or "")
    out.append(f"<h3 style='margin-bottom:2px'>{_esc(title)}</h3>")
    path = menutree.menu_path(node)
    if path:
        out.append(f"<div style='{st.css('muted')}'>Location: {' → '.join(_esc(p) for p in path)}</div>")

    if item.__class__ is Symbol:
        sym: Symbol = item
        typ = menutree.TYPE_NAMES.get(sym.orig_type, "unknown")
        rust = f" · <b style='{st.css('rust')}'>Rust-related</b>" if sym in rust_syms else ""
        out.append(f"<p><b>CONFIG_{_esc(sym.name)}</b> · {typ}{rust}<br>")
        value = ev.str_value(sym)
        src = value_source(lt, sym)
        out.append(f"Value: <b>{_esc(value or chr(34) * 2)}</b> — {_esc(src.sentence())}")
        vis = ev.visibility(sym)
        out.append(f"<br>Visible: {'yes' if vis else 'no'}")
        if sym.orig_type in (BOOL, TRISTATE):
            allowed = "/".join("nmy"[v] for v in ev.assignable(sym)) or "none"
            out.append(f" · can be set to: {allowed}")
        rng = ev.active_range(sym)
        if rng:
            out.append(f" · range [{_esc(rng[0])}, {_esc(rng[1])}]")
        out.append("</p>")
        if why_html:
            out.append(why_html)
        out.append("<p><b>Defined at</b><br>")
        for n in sym.nodes:
            prompt = f" — “{_esc(menutree.prompt_text(n))}”" if n.prompt else " (no prompt)"
            out.append(f"{_esc(n.filename)}:{n.linenr}{prompt}<br>")
        out.append("</p>")
        if sym.direct_dep is not lt.kconf.y:
            out.append("<p><b>Depends on</b> " + _value_badge(ev.dir_dep(sym) if sym.choice is None
                                                            else ev.expr(sym.direct_dep)))
            out.append(_terms_html(lt, sym.direct_dep) + "</p>")
        for n in sym.nodes:
            if n.prompt and n.prompt[1] is not lt.kconf.y:
                out.append("<p><b>Prompt visible if</b>" + _terms_html(lt, n.prompt[1]) + "</p>")
                break
        if sym.defaults:
            out.append("<p><b>Defaults</b><ul style='margin-top:0'>")
            for val, cond in sym.defaults:
                active = ev.expr(cond) != 0
                style = "" if active else f" style='{st.css('muted')}'"
                cond_txt = "" if cond is lt.kconf.y else f" if {expr_html(cond)} {_value_badge(ev.expr(cond))}"
                out.append(f"<li{style}>{expr_html(val)}{cond_txt}</li>")
            out.append("</ul></p>")
        if sym.ranges:
            out.append("<p><b>Ranges</b><ul style='margin-top:0'>")
            for low, high, cond in sym.ranges:
                cond_txt = "" if cond is lt.kconf.y else f" if {expr_html(cond)}"
                out.append(f"<li>[{expr_html(low)}, {expr_html(high)}]{cond_txt}</li>")
            out.append("</ul></p>")
        if sym.selects:
            out.append("<p><b>Selects</b><ul style='margin-top:0'>")
            for target, cond in sym.selects:
                on = min(ev.tri(sym), ev.expr(cond))
                cond_txt = "" if cond is lt.kconf.y else f" if {expr_html(cond)}"
                out.append(f"<li>{sym_link(target)}{cond_txt} {'(active)' if on else ''}</li>")
            out.append("</ul></p>")
        selected_by = lt.reverse.selected_by(sym)
        if selected_by:
            selecting = {s for s, _ in lt.reverse.active_selectors(ev, sym)}
            out.append("<p><b>Selected by</b><ul style='margin-top:0'>")
            for s in selected_by:
                out.append(f"<li>{sym_link(s)} {_value_badge(ev.tri(s))}{' — active' if s in selecting else ''}</li>")
            out.append("</ul></p>")
        if sym.implies:
            out.append("<p><b>Implies</b> " + ", ".join(sym_link(t) for t, _ in sym.implies) + "</p>")
        implied_by = lt.reverse.implied_by(sym)
        if implied_by:
            out.append("<p><b>Implied by</b> " + ", ".join(f"{sym_link(s)} {_value_badge(ev.tri(s))}"
                                                            for s in implied_by) + "</p>")
        helps = [h for n in sym.nodes if (h := getattr(n, "help", None))]
        if helps:
            out.append("<p><b>Help</b></p><pre style='white-space:pre-wrap'>" + _esc("\n\n".join(helps)) + "</pre>")
    elif item.__class__ is Choice:
        choice: Choice = item
        sel = ev.choice_selection(choice)
        out.append("<p><b>Choice</b>")
        if sel is not None:
            out.append(f" · selected: {sym_link(sel)}")
        out.append("</p><p><b>Members</b><ul style='margin-top:0'>")
        for m in choice.syms:
            mark = "●" if m is sel else "○"
            hidden = "" if ev.visibility(m) else " " + st.span("muted", "(hidden)")
            out.append(f"<li>{mark} {sym_link(m)}{hidden}</li>")
        out.append("</ul></p>")
        if choice.defaults:
            out.append("<p><b>Defaults</b> " + ", ".join(
                f"{sym_link(s)}{'' if c is lt.kconf.y else ' if ' + expr_html(c)}" for s, c in choice.defaults)
                + "</p>")
        out.append(f"<p>Defined at {_esc(node.filename)}:{node.linenr}</p>")
    else:
        out.append(f"<p>{kind.value.capitalize()} at {_esc(node.filename)}:{node.linenr}</p>")
        if node.dep is not lt.kconf.y:
            out.append("<p><b>Depends on</b>" + _terms_html(lt, node.dep) + "</p>")
        visible_if = getattr(node, "visibility", None)  # only menus have one; comments raise
        if visible_if is not None and visible_if is not lt.kconf.y:
            out.append("<p><b>Visible if</b>" + _terms_html(lt, visible_if) + "</p>")
        if getattr(node, "help", None):
            out.append("<pre style='white-space:pre-wrap'>" + _esc(node.help) + "</pre>")
    return "".join(out)
