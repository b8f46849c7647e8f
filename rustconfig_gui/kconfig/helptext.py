"""menuconfig's help text of an entry exactly as the C tools print it (``menu_get_ext_help``).

``make helpnewconfig`` prints it for every new option.  kconfiglib parses the
same Kconfig but keeps less of its text and builds dependencies in another
form, so this module restores what C prints:

* help texts read again from the Kconfig file with the C lexer's rules
  (kconfiglib expands tabs and keeps trailing blanks that C drops), and
  prompts with the blanks around them that kconfiglib strips;
* dependencies in C's order and form (``menu_finalize``: inherited terms
  first, ``expr_transform`` and ``expr_eliminate_dups``);
* C's menu tree, whose automatic submenus reach further than kconfiglib's
  (Location lines, and which entries ``check_conf`` visits).
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterator
from pathlib import Path

from kconfiglib import (
    AND,
    BOOL,
    EQUAL,
    GREATER,
    GREATER_EQUAL,
    HEX,
    INT,
    LESS,
    LESS_EQUAL,
    NOT,
    OR,
    STRING,
    TRISTATE,
    UNEQUAL,
    Choice,
    MenuNode,
    Symbol,
)

from rustconfig_gui.kconfig.configfile import CONFIG_
from rustconfig_gui.kconfig.semantics import Evaluator

NO_HELP = "There is no help available for this option."
TYPE_NAMES = {BOOL: "bool", TRISTATE: "tristate", INT: "integer", HEX: "hex", STRING: "string"}
_TYPE_NAMES = TYPE_NAMES
_REL_TEXT = {EQUAL: "=", UNEQUAL: "!=", LESS: "<", LESS_EQUAL: "<=", GREATER: ">", GREATER_EQUAL: ">="}
# expr_compare_type's precedence: a child is bracketed when it binds looser than its parent
_RANK = {OR: 0, AND: 1, NOT: 2, EQUAL: 3, UNEQUAL: 3, LESS: 4, LESS_EQUAL: 4, GREATER: 4, GREATER_EQUAL: 4}
_HELP_LINE = re.compile(r"^[ \t]*(help|---help---)[ \t]*(#.*)?$")

class HelpTexts:
    """Help texts as the C lexer reads them, from the Kconfig files of one tree."""

    def __init__(self, srctree: str) -> None:
        self.srctree = Path(srctree)
        self._files: dict[str, list[str]] = {}
        self.prompts: dict[int, str] = {}

    def _lines(self, filename: str) -> list[str]:
        lines = self._files.get(filename)
        if lines is None:
            path = Path(filename) if Path(filename).is_absolute() else self.srctree / filename
            try:
                lines = path.read_text(errors="replace").split("\n")
            except OSError:
                lines = []
            self._files[filename] = lines
        return lines

    def help(self, node: MenuNode) -> str | None:
        """``menu->help``, or None when the entry has none."""
        if node.help is None:
            return None
        lines = self._lines(node.filename)
        start = node.linenr  # index of the line after the entry's first line
        for i in range(start, len(lines)):
            if _HELP_LINE.match(lines[i]):
                return c_help_text(lines, i + 1)
        return node.help


_QUOTED = re.compile(r"""(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")


def raw_prompt(helps: HelpTexts, node: MenuNode) -> str:
    """The prompt text as C keeps it: kconfiglib strips blanks around it."""
    got = helps.prompts.get(id(node))
    if got is None:
        got = helps.prompts[id(node)] = _raw_prompt(helps, node)
    return got


def _raw_prompt(helps: HelpTexts, node: MenuNode) -> str:
    text = str(node.prompt[0])
    lines = helps._lines(node.filename)
    for i in range(node.linenr - 1, min(len(lines), node.linenr + 30)):
        line = lines[i]
        if i >= node.linenr and _ENTRY_WORD.match(line):
            break
        for m in _QUOTED.finditer(line):
            raw = m.group(1) if m.group(1) is not None else m.group(2)
            raw = re.sub(r"\\(.)", r"\1", raw)
            if raw != text and raw.strip() == text:
                return raw
            if raw == text:
                return text
    return text


def c_help_text(lines: list[str], first: int) -> str:
    """The lexer's HELP state over the text from ``lines[first]`` on (the rules
    of scripts/kconfig/lexer.l, longest match first)."""
    text = "\n".join(lines[first:])
    out: list[str] = []
    first_ts = last_ts = 0
    p, n = 0, len(text)
    while p < n:
        ch = text[p]
        if ch not in " \t\n":
            # [^ \t\n].* : the rest of the line without trailing blanks
            end = text.find("\n", p)
            end = n if end < 0 else end
            out.append(text[p:end].rstrip(" \t"))
            if not first_ts:
                first_ts = last_ts
            p = end
            continue
        q = p
        while q < n and text[q] in " \t":
            q += 1
        if q < n and text[q] == "\n":
            # [ \t]*\n/[^ \t\n] ends the help; [ \t]*\n keeps a newline
            if q + 1 < n and text[q + 1] not in " \t\n":
                break
            out.append("\n")
            p = q + 1
            continue
        # [ \t]+ : indentation, measured with tab stops of 8
        ts = 0
        for c in text[p:q]:
            ts = (ts & ~7) + 8 if c == "\t" else ts + 1
        last_ts = ts
        if first_ts:
            if ts < first_ts:
                break
            out.append(" " * (ts - first_ts))
        p = q
    return "".join(out)


def c_expr_text(ev: Evaluator, e: object, prev: int | None = None) -> str:
    """``expr_gstr_print``: an expression with `` [=value]`` after each typed symbol."""
    cls = e.__class__
    if cls is Symbol or cls is Choice:
        return _sym_text(ev, e)  # type: ignore[arg-type]
    op = e[0]  # type: ignore[index]
    rank = _RANK[op]
    if op is AND or op is OR:
        joiner = " && " if op is AND else " || "
        text = c_expr_text(ev, e[1], op) + joiner + c_expr_text(ev, e[2], op)  # type: ignore[index]
    elif op is NOT:
        text = "!" + c_expr_text(ev, e[1], NOT)  # type: ignore[index]
    else:
        text = _sym_text(ev, e[1]) + _REL_TEXT[op] + _sym_text(ev, e[2])  # type: ignore[index]
    if prev is not None and _RANK[prev] > rank:
        return f"({text})"
    return text


def _sym_text(ev: Evaluator, s: Symbol | Choice) -> str:
    if s.__class__ is Choice:
        return "<choice>"
    sym: Symbol = s  # type: ignore[assignment]
    kconf = ev.kconf
    if sym.is_constant:
        if sym.name in ("n", "m", "y") and kconf.const_syms.get(sym.name) is sym:
            return f"{sym.name} [={sym.name}]"
        return sym.name
    if sym.orig_type not in _TYPE_NAMES:
        return sym.name
    return f"{sym.name} [={ev.str(sym)}]"


_ENTRY_WORD = re.compile(r"^[ \t]*(config|menuconfig|choice|endchoice|comment|menu|endmenu|if|endif|source|"
                         r"osource|rsource|orsource|mainmenu|help|---help---)\b")
_DEPENDS = re.compile(r"^[ \t]*depends[ \t]+on[ \t]+(.*)$")


def _and_leaves(e: object) -> list[object]:
    if e.__class__ is tuple and e[0] is AND:  # type: ignore[index]
        return _and_leaves(e[1]) + _and_leaves(e[2])  # type: ignore[index]
    return [e]


def _split_top(text: str, op: str) -> list[str]:
    """``text`` cut at ``op`` outside parentheses and quotes."""
    depth = 0
    parts = [""]
    i = 0
    quote = ""
    while i < len(text):
        c = text[i]
        if quote:
            if c == quote:
                quote = ""
        elif c in "\"'":
            quote = c
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif depth == 0 and text.startswith(op, i):
            parts.append("")
            i += len(op)
            continue
        parts[-1] += c
        i += 1
    return parts


def _wrapped(text: str) -> bool:
    """Is all of ``text`` one parenthesised expression?"""
    if not (text.startswith("(") and text.endswith(")")):
        return False
    depth = 0
    for i, c in enumerate(text):
        depth += c == "("
        depth -= c == ")"
        if depth == 0 and i < len(text) - 1:
            return False
    return True


def _text_leaves(text: str) -> tuple[int, int]:
    """How many AND terms kconfiglib makes of a ``depends on`` expression text,
    and how many of them are macros (which can expand to y and vanish)."""
    if '"' not in text and "#" in text:
        text = text.split("#", 1)[0]
    text = text.strip()
    if re.search(r"\sif\s", text):
        return 1, 0
    if len(_split_top(text, "||")) > 1:
        return 1, int("$(" in text)
    total = macros = 0
    for term in _split_top(text, "&&"):
        term = term.strip()
        if _wrapped(term):
            t, mac = _text_leaves(term[1:-1])
        else:
            # kconfiglib reads a bare "m" as "m && MODULES", as rewrite_m does
            t, mac = (2 if term == "m" else 1), int("$(" in term)
        total += t
        macros += mac
    return total, macros


class CExpr:
    """The C tools' expression rewriting used when they build dependencies:
    ``expr_transform``, ``expr_eliminate_dups`` (with ``expr_join_and``/
    ``expr_join_or``) and ``expr_eliminate_yn`` of scripts/kconfig/expr.c,
    on kconfiglib's expression tuples."""

    def __init__(self, kconf: object) -> None:
        self.y = kconf.y  # type: ignore[attr-defined]
        self.n = kconf.n  # type: ignore[attr-defined]
        self.m = kconf.m  # type: ignore[attr-defined]

    def and_(self, a: object, b: object) -> object:
        """``expr_alloc_and`` (no dependency is kconfiglib's y, C's NULL)."""
        if a is self.y:
            return b
        if b is self.y:
            return a
        return (AND, a, b)

    @staticmethod
    def _bool(s: object) -> bool:
        return s.__class__ is Symbol and s.orig_type == BOOL and not s.is_constant  # type: ignore[attr-defined]

    def transform(self, e: object) -> object:
        if e.__class__ is not tuple:
            return e
        op = e[0]  # type: ignore[index]
        if op is AND or op is OR:
            e = (op, self.transform(e[1]), self.transform(e[2]))  # type: ignore[index]
        elif op is NOT:
            e = (NOT, self.transform(e[1]))  # type: ignore[index]
        if op is EQUAL and self._bool(e[1]):  # type: ignore[index]
            if e[2] is self.n:  # type: ignore[index]
                return (NOT, e[1])  # type: ignore[index]
            if e[2] is self.m:  # type: ignore[index]
                return self.n
            if e[2] is self.y:  # type: ignore[index]
                return e[1]  # type: ignore[index]
        elif op is UNEQUAL and self._bool(e[1]):  # type: ignore[index]
            if e[2] is self.n:  # type: ignore[index]
                return e[1]  # type: ignore[index]
            if e[2] is self.m:  # type: ignore[index]
                return self.y
            if e[2] is self.y:  # type: ignore[index]
                return (NOT, e[1])  # type: ignore[index]
        elif op is NOT:
            inner = e[1]  # type: ignore[index]
            if inner.__class__ is tuple:
                iop = inner[0]
                if iop is NOT:
                    return inner[1]
                if iop is EQUAL or iop is UNEQUAL:
                    return (UNEQUAL if iop is EQUAL else EQUAL, inner[1], inner[2])
                if iop is LESS_EQUAL or iop is GREATER_EQUAL:
                    return (GREATER if iop is LESS_EQUAL else LESS, inner[1], inner[2])
                if iop is LESS or iop is GREATER:
                    return (GREATER_EQUAL if iop is LESS else LESS_EQUAL, inner[1], inner[2])
                if iop is OR:
                    return self.transform((AND, (NOT, inner[1]), (NOT, inner[2])))
                if iop is AND:
                    return self.transform((OR, (NOT, inner[1]), (NOT, inner[2])))
            elif inner is self.y:
                return self.n
            elif inner is self.m:
                return self.m
            elif inner is self.n:
                return self.y
        return e

    def eliminate_dups(self, e: object) -> object:
        while True:
            self._count = 0
            if e.__class__ is tuple and e[0] in (AND, OR):  # type: ignore[index]
                op = e[0]  # type: ignore[index]
                left = self.eliminate_dups(e[1])  # type: ignore[index]
                right = self.eliminate_dups(e[2])  # type: ignore[index]
                left, right = self._dups1(op, left, right)
                e = (op, left, right)
            e = self.eliminate_yn(e)
            if not self._count:
                return e

    def _dups1(self, op: object, e1: object, e2: object) -> tuple[object, object]:
        if e1.__class__ is tuple and e1[0] is op:  # type: ignore[index]
            left, e2 = self._dups1(op, e1[1], e2)  # type: ignore[index]
            right, e2 = self._dups1(op, e1[2], e2)  # type: ignore[index]
            return (op, left, right), e2
        if e2.__class__ is tuple and e2[0] is op:  # type: ignore[index]
            e1, left = self._dups1(op, e1, e2[1])  # type: ignore[index]
            e1, right = self._dups1(op, e1, e2[2])  # type: ignore[index]
            return e1, (op, left, right)
        tmp = self.join_or(e1, e2) if op is OR else self.join_and(e1, e2)
        if tmp is not None:
            self._count += 1
            return (self.n if op is OR else self.y), tmp
        return e1, e2

    def _leaf_sym(self, e1: object, e2: object) -> Symbol | None:
        kinds = (EQUAL, UNEQUAL, NOT)
        for e in (e1, e2):
            if e.__class__ is tuple and e[0] not in kinds:  # type: ignore[index]
                return None
            if e.__class__ is not tuple and e.__class__ is not Symbol:
                return None
        if e1.__class__ is tuple and e1[0] is NOT:  # type: ignore[index]
            t = e1[1]  # type: ignore[index]
            if t.__class__ is tuple and t[0] not in (EQUAL, UNEQUAL):
                return None
            s1 = t[1] if t.__class__ is tuple else t
        else:
            s1 = e1[1] if e1.__class__ is tuple else e1  # type: ignore[index]
        if e2.__class__ is tuple and e2[0] is NOT:  # type: ignore[index]
            if e2[1].__class__ is not Symbol:  # type: ignore[index]
                return None
            s2 = e2[1]  # type: ignore[index]
        else:
            s2 = e2[1] if e2.__class__ is tuple else e2  # type: ignore[index]
        if s1 is not s2 or s1.__class__ is not Symbol or s1.orig_type not in (BOOL, TRISTATE):
            return None
        return s1  # type: ignore[return-value]

    @staticmethod
    def _is(e: object, op: object, right: object) -> bool:
        return e.__class__ is tuple and e[0] is op and e[2] is right  # type: ignore[index]

    def join_or(self, e1: object, e2: object) -> object | None:
        if _expr_eq(e1, e2):
            return e1
        sym = self._leaf_sym(e1, e2)
        if sym is None:
            return None
        y, m, n = self.y, self.m, self.n
        if sym.orig_type == TRISTATE:
            for a, b, res in ((y, m, n), (y, n, m), (m, n, y)):
                if (self._is(e1, EQUAL, a) and self._is(e2, EQUAL, b)) or \
                        (self._is(e1, EQUAL, b) and self._is(e2, EQUAL, a)):
                    return (UNEQUAL, sym, res)
        if sym.orig_type == BOOL:
            if (e1.__class__ is tuple and e1[0] is NOT and e1[1].__class__ is Symbol  # type: ignore[index]
                    and e2.__class__ is Symbol) or \
                    (e2.__class__ is tuple and e2[0] is NOT and e2[1].__class__ is Symbol  # type: ignore[index]
                     and e1.__class__ is Symbol):
                return y
        return None

    def join_and(self, e1: object, e2: object) -> object | None:
        if _expr_eq(e1, e2):
            return e1
        sym = self._leaf_sym(e1, e2)
        if sym is None:
            return None
        y, m, n = self.y, self.m, self.n
        s1, s2 = e1.__class__ is Symbol, e2.__class__ is Symbol
        if (s1 and self._is(e2, EQUAL, y)) or (s2 and self._is(e1, EQUAL, y)):
            return (EQUAL, sym, y)
        if (s1 and self._is(e2, UNEQUAL, n)) or (s2 and self._is(e1, UNEQUAL, n)):
            return sym
        if (s1 and self._is(e2, UNEQUAL, m)) or (s2 and self._is(e1, UNEQUAL, m)):
            return (EQUAL, sym, y)
        if sym.orig_type == TRISTATE:
            for a, b in ((e1, e2), (e2, e1)):
                if a.__class__ is tuple and b.__class__ is tuple and a[0] is EQUAL and b[0] is UNEQUAL \
                        and a[2].is_constant and b[2].is_constant:  # type: ignore[index]
                    return (EQUAL, sym, a[2]) if a[2] is not b[2] else n  # type: ignore[index]
            for a, b, res in ((y, n, m), (y, m, n), (m, n, y)):
                if (self._is(e1, UNEQUAL, a) and self._is(e2, UNEQUAL, b)) or \
                        (self._is(e1, UNEQUAL, b) and self._is(e2, UNEQUAL, a)):
                    return (EQUAL, sym, res)
        return None

    def eliminate_yn(self, e: object) -> object:
        if e.__class__ is not tuple or e[0] not in (AND, OR):  # type: ignore[index]
            return e
        op = e[0]  # type: ignore[index]
        left = self.eliminate_yn(e[1])  # type: ignore[index]
        right = self.eliminate_yn(e[2])  # type: ignore[index]
        y, n = self.y, self.n
        if op is AND:
            if left is n or right is n:
                return n
            if left is y:
                return right
            if right is y:
                return left
        else:
            if left is y or right is y:
                return y
            if left is n:
                return right
            if right is n:
                return left
        return (op, left, right)

    def combine(self, parent: object, own: object) -> object:
        """``expr_eliminate_dups(expr_alloc_and(parent, expr_transform(own)))``."""
        own = self.transform(own) if own is not self.y else own
        return self.eliminate_dups(self.and_(parent, own))


class CDeps:
    """Dependencies in the form the C tools build and print them.

    kconfiglib and ``menu_finalize`` combine the same terms differently:
    kconfiglib writes ``own && inherited``, C writes ``inherited && own``
    and rewrites the result (:class:`CExpr`); C's choice members inherit the
    choice's dependencies, not the choice.  The entry's own terms are told
    from the inherited ones by the ``depends on`` lines in its Kconfig file.
    """

    def __init__(self, ev: Evaluator, helps: HelpTexts) -> None:
        self.ev = ev
        self.helps = helps
        self.y = ev.kconf.y
        self.cx = CExpr(ev.kconf)
        self._memo: dict[int, object] = {}

    def own_count(self, node: MenuNode) -> tuple[int, int]:
        lines = self.helps._lines(node.filename)
        total = macros = 0
        i = node.linenr
        while i < len(lines):
            line = lines[i]
            while line.endswith("\\") and i + 1 < len(lines):
                i += 1
                line = line[:-1] + lines[i]
            if _ENTRY_WORD.match(line):
                break
            m = _DEPENDS.match(line)
            if m:
                t, mac = _text_leaves(m.group(1).strip())
                total += t
                macros += mac
            i += 1
        return total, macros

    @staticmethod
    def container(node: MenuNode) -> MenuNode | None:
        p = node.parent
        while p is not None and p.item.__class__ is Symbol:
            p = p.parent
        return p

    def _base(self, cont: MenuNode | None) -> tuple[object, object]:
        """kconfiglib's inherited object for children of ``cont``, and C's."""
        if cont is None:
            return self.y, self.y
        if cont.item.__class__ is Choice:
            if self.ev.sem.choice_rework:
                return cont.item, self.dep(cont)
            return cont.item, cont.item
        return cont.dep, self.dep(cont)

    def _own_split(self, node: MenuNode) -> tuple[object, object]:
        """(own dependency, inherited rest) of kconfiglib's ``node.dep``."""
        dep = node.dep
        total, macros = self.own_count(node)
        for k in range(total, total - macros - 1, -1):
            if k <= 0:
                return self.y, dep
            if dep.__class__ is tuple and dep[0] is AND and len(_and_leaves(dep[1])) == k:  # type: ignore[index]
                return dep[1], dep[2]  # type: ignore[index]
            if len(_and_leaves(dep)) == k:
                return dep, self.y
        return dep, self.y

    def dep(self, node: MenuNode) -> object:
        """C's ``menu->dep`` (kconfiglib's y for none)."""
        key = id(node)
        got = self._memo.get(key)
        if got is not None:
            return got
        if node is self.ev.kconf.top_node:
            out: object = self.y
        else:
            base, base_c = self._base(self.container(node))
            if node.dep is base:
                own, rest = self.y, node.dep
            else:
                own, rest = self._own_split(node)
            out = self.cx.combine(self._inherited(rest, base, base_c), own)
        self._memo[key] = out
        return out

    def _inherited(self, r: object, base: object, base_c: object) -> object:
        if r is self.y:
            return self.y
        if r is base:
            return base_c
        if r.__class__ is tuple and r[0] is AND:  # type: ignore[index]
            # ``if`` blocks between the entry and its menu, innermost first
            return self.cx.combine(self._inherited(r[2], base, base_c), r[1])  # type: ignore[index]
        return self.cx.combine(self.y, r)

    def visible(self, node: MenuNode) -> object:
        """C's prompt visibility (``prop->visible.expr``)."""
        pl = _and_leaves(node.prompt[1])
        dl = [] if node.dep is self.y else _and_leaves(node.dep)
        extra = [e for e in (pl[:len(pl) - len(dl)] if dl else pl) if e is not self.y]
        cond: object = self.y
        for e in extra:
            cond = self.cx.and_(cond, e)
        return self.cx.combine(self.dep(node), cond)

    def cond(self, node: MenuNode, cond: object) -> object:
        """C's condition of a ``select``/``imply`` of ``node`` (kconfiglib's ``cond && node.dep``)."""
        extra = [] if cond is node.dep else _strip_tail(cond, node.dep, self.y)
        own: object = self.y
        for e in extra:
            own = self.cx.and_(own, e)
        return self.cx.combine(self.dep(node), own)


def _contains(e: object, sym: Symbol) -> bool:
    """``expr_contains_symbol``."""
    if e is sym:
        return True
    if e.__class__ is tuple:
        return any(_contains(x, sym) for x in e[1:])  # type: ignore[index]
    return False


def _depends_on(e: object, sym: Symbol, kconf: object) -> bool:
    """``expr_depends_symbol``: an AND term that is ``sym``, ``sym=y/m`` or ``sym!=n``."""
    if e is sym:
        return True
    if e.__class__ is not tuple:
        return False
    op = e[0]  # type: ignore[index]
    if op is AND:
        return _depends_on(e[1], sym, kconf) or _depends_on(e[2], sym, kconf)  # type: ignore[index]
    if op is EQUAL and e[1] is sym:  # type: ignore[index]
        return e[2] is kconf.y or e[2] is kconf.m  # type: ignore[attr-defined,index]
    if op is UNEQUAL and e[1] is sym:  # type: ignore[index]
        return e[2] is kconf.n  # type: ignore[attr-defined,index]
    return False


class CTree:
    """The menu tree as C's ``menu_finalize`` builds it.

    Both put the entries that follow a symbol and depend on it below it
    ("automatic submenus"), but C goes on past a follower that only
    contains the symbol (``A || B``) when its dependencies are a superset
    of the symbol's; kconfiglib stops there.  This decides the Location
    lines of a help text and which entries ``check_conf`` visits below a
    hidden one.
    """

    def __init__(self, ev: Evaluator, deps: CDeps) -> None:
        self.ev = ev
        self.deps = deps
        self._children: dict[int, list[MenuNode]] = {}
        self._parent: dict[int, MenuNode] = {}
        self._moved: dict[int, list[MenuNode]] = {}

    def children(self, node: MenuNode) -> list[MenuNode]:
        got = self._children.get(id(node))
        if got is not None:
            return got
        kids = []
        cur = node.list
        while cur is not None:
            kids.append(cur)
            cur = cur.next
        kids += self._moved.pop(id(node), [])
        if node.item.__class__ is not Choice:
            kids = self._extend(kids)
        self._children[id(node)] = kids
        for k in kids:
            self._parent[id(k)] = node
        return kids

    def _extend(self, kids: list[MenuNode]) -> list[MenuNode]:
        out: list[MenuNode] = []
        i = 0
        while i < len(kids):
            s = kids[i]
            out.append(s)
            i += 1
            if s.item.__class__ is not Symbol or s.prompt is None:
                continue
            taken = []
            while i < len(kids) and self._qualifies(kids[i], s):
                taken.append(kids[i])
                i += 1
            if taken:
                self._moved.setdefault(id(s), []).extend(taken)
                for t in taken:
                    self._parent[id(t)] = s
        return out

    def _qualifies(self, m: MenuNode, s: MenuNode) -> bool:
        sym: Symbol = s.item  # type: ignore[assignment]
        raw = m.prompt[1] if m.prompt else m.dep
        if not _contains(raw, sym):
            return False
        deps = self.deps
        dep = deps.visible(m) if m.prompt else deps.dep(m)
        if not _contains(dep, sym):
            return False
        if _depends_on(dep, sym, self.ev.kconf):
            return True
        have = _and_leaves(dep)
        return all(any(_expr_eq(a, b) for b in have) for a in _and_leaves(deps.visible(s)))

    def parent(self, node: MenuNode) -> MenuNode | None:
        got = self._parent.get(id(node))
        if got is not None:
            return got
        chain = []
        p = node.parent
        while p is not None:
            chain.append(p)
            p = p.parent
        for p in reversed(chain):
            self.children(p)
            got = self._parent.get(id(node))
            if got is not None:
                return got
        return node.parent


def _ends_with(e: object, base: object) -> bool:
    while True:
        if e is base:
            return True
        if e.__class__ is tuple and e[0] is AND:  # type: ignore[index]
            e = e[2]  # type: ignore[index]
            continue
        return False






def _menu_prompt(node: MenuNode) -> str:
    if node.prompt:
        return str(node.prompt[0])
    return getattr(node.item, "name", "") or ""






def _expr_eq(a: object, b: object) -> bool:
    if a is b:
        return True
    if a.__class__ is tuple and b.__class__ is tuple:
        return len(a) == len(b) and a[0] is b[0] and all(  # type: ignore[arg-type,index]
            _expr_eq(x, y) for x, y in zip(a[1:], b[1:]))  # type: ignore[index]
    return False


def _or_terms(e: object) -> Iterator[object]:
    if e.__class__ is tuple and e[0] is OR:  # type: ignore[index]
        yield from _or_terms(e[1])  # type: ignore[index]
        yield from _or_terms(e[2])  # type: ignore[index]
    else:
        yield e


_STRUCTURES: weakref.WeakKeyDictionary[object, tuple[HelpTexts, CDeps, CTree]] = weakref.WeakKeyDictionary()


def writer_for(ev: Evaluator) -> HelpWriter:
    """A :class:`HelpWriter` for ``ev``.  What it caches (C's dependencies and menu
    tree, file texts) depends on the parse only, so it is kept per parse and
    shared by every evaluator of it (a worker may build it on a values copy)."""
    return HelpWriter(ev)


class HelpWriter:
    """menuconfig's help screen of an entry (``menu_get_ext_help``), as C prints it."""

    def __init__(self, ev: Evaluator) -> None:
        self.ev = ev
        got = _STRUCTURES.get(ev.kconf)
        if got is None:
            helps = HelpTexts(ev.kconf.srctree)
            deps = CDeps(ev, helps)
            got = _STRUCTURES[ev.kconf] = (helps, deps, CTree(ev, deps))
        self.helps, self.deps, self.tree = got

    def ext_help(self, node: MenuNode) -> str:
        item = node.item
        text = self.helps.help(node)
        head = ""
        if text is not None:
            name = getattr(item, "name", None)
            if item.__class__ is Symbol and name:
                head = f"{CONFIG_}{name}:\n\n"
        else:
            text = NO_HELP
        return head + text + "\n" + self.symbol_info(item)

    def prompt_lines(self, node: MenuNode) -> list[str]:
        ev, deps = self.ev, self.deps
        out = [f"  Prompt: {raw_prompt(self.helps, node)}"]
        dep = deps.dep(node)
        if dep is not deps.y:
            out.append(f"  Depends on: {c_expr_text(ev, dep)}")
        vis = deps.visible(node)
        if not _same_terms(_and_leaves(dep), _and_leaves(vis)):
            out.append(f"  Visible if: {c_expr_text(ev, vis)}")
        chain = []
        cur: MenuNode | None = node
        top = ev.kconf.top_node
        while cur is not None and cur is not top and len(chain) < 8:
            chain.append(cur)
            cur = self.tree.parent(cur)
        out.append("  Location:")
        for j, m in enumerate(reversed(chain)):
            title = raw_prompt(self.helps, m) if m.prompt else _menu_prompt(m)
            out.append(" " * (2 * j + 4) + f"-> {title}{self._sym_suffix(m)}")
        return out

    def _sym_suffix(self, node: MenuNode) -> str:
        item = node.item
        if item.__class__ is Symbol:
            return f" ({item.name} [={self.ev.str(item)}])"
        if item.__class__ is Choice:
            value = "n" if self.ev.sem.choice_rework else ("n", "m", "y")[self.ev.choice_tri(item)]
            return f" (<choice> [={value}])"
        return ""

    def symbol_info(self, item: Symbol | Choice) -> str:
        """``get_symbol_str``: the "Symbol:/Type/Defined at/…" block."""
        ev, deps = self.ev, self.deps
        out: list[str] = []
        sym: Symbol | None = item if item.__class__ is Symbol else None  # type: ignore[assignment]
        if sym is not None:
            out.append(f"Symbol: {sym.name} [={ev.str(sym)}]")
            out.append(f"Type  : {_TYPE_NAMES.get(sym.orig_type, 'unknown')}")
            if sym.orig_type in (INT, HEX):
                for low, high, cond in sym.ranges:
                    if ev.expr(cond):
                        out.append(f"Range : [{_sym_text(ev, low)} {_sym_text(ev, high)}]")
                        break
        for node in item.nodes:
            if node.prompt:
                out.append(f"Defined at {node.filename}:{node.linenr}")
                out += self.prompt_lines(node)
        for node in item.nodes:
            if not node.prompt:
                out.append(f"Defined at {node.filename}:{node.linenr}")
                dep = deps.dep(node)
                if dep is not deps.y:
                    out.append(f"  Depends on: {c_expr_text(ev, dep)}")
        if sym is not None:
            if sym.selects:
                out.append("Selects: " + " && ".join(_sym_text(ev, t) for t, _ in sym.selects))
            out += self._revdep_lines(sym.rev_dep, "Selected by")
            if sym.implies:
                out.append("Implies: " + " && ".join(_sym_text(ev, t) for t, _ in sym.implies))
            out += self._revdep_lines(sym.weak_rev_dep, "Implied by")
        return "".join(line + "\n" for line in out) + "\n\n"

    def _revdep_lines(self, e: object, title: str) -> list[str]:
        ev = self.ev
        if e is ev.kconf.n:
            return []
        out: list[str] = []
        terms = list(_or_terms(e))
        for want, name in ((2, "y"), (1, "m"), (0, "n")):
            hit = [t for t in terms if ev.expr(t) == want]
            if hit:
                out.append(f"{title} [{name}]:")
                out += [f"  - {self._select_text(t)}" for t in hit]
        return out

    def _select_text(self, t: object) -> str:
        """One ``select``/``imply`` term as C builds it: ``SELECTOR && <its visibility>``."""
        if t.__class__ is not tuple or t[0] is not AND or t[1].__class__ is not Symbol:  # type: ignore[index]
            return c_expr_text(self.ev, t)
        selector: Symbol = t[1]  # type: ignore[index,assignment]
        cond = t[2]  # type: ignore[index]
        for node in selector.nodes:
            if node.dep is self.deps.y or _ends_with(cond, node.dep):
                return c_expr_text(self.ev, self.deps.cx.and_(selector, self.deps.cond(node, cond)))
        return c_expr_text(self.ev, t)


def _strip_tail(cond: object, dep: object, y: object) -> list[object]:
    """The terms of ``cond`` = ``extra && dep`` before ``dep``."""
    if dep is y:
        return _and_leaves(cond)
    out: list[object] = []
    e = cond
    while e is not dep and e.__class__ is tuple and e[0] is AND:  # type: ignore[index]
        out += _and_leaves(e[1])  # type: ignore[index]
        e = e[2]  # type: ignore[index]
    return out


def _same_terms(a: list[object], b: list[object]) -> bool:
    """C's ``expr_eq`` on two AND chains: the same terms in any order."""
    if len(a) != len(b):
        return False
    rest = list(b)
    for t in a:
        for i, u in enumerate(rest):
            if _expr_eq(t, u):
                del rest[i]
                break
        else:
            return False
    return True


__all__ = ["NO_HELP", "TYPE_NAMES", "CDeps", "CExpr", "CTree", "HelpTexts", "HelpWriter", "c_expr_text",
           "c_help_text", "raw_prompt", "writer_for"]
