"""The architectures' ``select`` lines, matched only on the lines where the name occurs,
against every line of every ``arch/*/Kconfig*`` matched one by one; the ``if`` blocks
around a line, from one pass per file, against walking back from the line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rustconfig_gui.explain import sources
from rustconfig_gui.explain.sources import KconfigSources
from rustconfig_gui.kconfig.loader import LoadedTree, load_tree
from rustconfig_gui.kconfig.tree import KernelTree


@pytest.fixture(scope="module", params=["5.10", "6.1", "7.2"])
def lt(request: pytest.FixtureRequest, make_env) -> LoadedTree:
    from devtools.trees import ensure_tree

    return load_tree(KernelTree(ensure_tree(request.param), arch="x86_64"), base_env=make_env)


def every_line(srctree: Path) -> dict[str, list[tuple[str, str, str]]]:
    scan: dict[str, list[tuple[str, str, str]]] = {}
    rx = re.compile(r"^\s*select\s+([A-Za-z0-9_]+)(?:\s+if\s+(.*?))?\s*(?:#.*)?$")
    for path in sorted(srctree.glob("arch/*/Kconfig*")):
        lines = path.read_text(encoding="utf-8", errors="replace").split("\n")
        rel = path.relative_to(srctree).as_posix()
        for i, line in enumerate(lines, 1):
            m = rx.match(line)
            if m:
                scan.setdefault(m.group(1), []).append((path.parent.name, (m.group(2) or "").strip(), f"{rel}:{i}"))
    return scan


def test_arch_selects_match_every_line(lt: LoadedTree):
    sources._SOURCES.pop(lt.kconf, None)
    src = KconfigSources(lt)
    expected = every_line(src.srctree)
    assert len(expected) > 500
    for name in ("HAVE_RUST", "ARCH_SUPPORTS_LTO_CLANG", "X86_64", "HAVE_ARCH_KGDB", "NO_SUCH_SYMBOL", "",
                 "HAVE", "select", "X86_64 if"):
        got = src.arch_selects(name)
        assert [(p.arch, p.condition, p.location) for p in got] == expected.get(name, []), name
        assert all(p.current == (p.arch == lt.srcarch) for p in got)
    # every name selected anywhere, and names that are parts of others
    for name in [*expected, *(n[:-1] for n in list(expected)[::10])]:
        got = src.arch_selects(name)
        assert [(p.arch, p.condition, p.location) for p in got] == expected.get(name, []), name
    # the line numbers point at the select lines
    for arch, _cond, loc in expected.get("HAVE_ARCH_KGDB", [])[:5]:
        rel, line = loc.rsplit(":", 1)
        text = (src.srctree / rel).read_text(encoding="utf-8").split("\n")[int(line) - 1]
        assert text.strip().startswith("select HAVE_ARCH_KGDB") and rel.startswith(f"arch/{arch}/")


def ifs_walking_back(ft: sources._FileText, line: int) -> list[tuple[int, str]]:
    i = ft.pos.get(line)
    if i is None:
        i = sum(1 for ln, _ in ft.lines if ln < line)
    found = []
    depth = 0
    for ln, text in reversed(ft.lines[:i]):
        w = sources._first_word(text)
        if w == "endif":
            depth += 1
        elif w == "if":
            if depth:
                depth -= 1
            else:
                found.append((ln, text))
    return found


def test_enclosing_ifs_match_walking_back(lt: LoadedTree):
    src = KconfigSources(lt)
    files = sorted({n.filename for s in lt.kconf.unique_defined_syms for n in s.nodes})
    checked = nested = 0
    for name in files[::7] + ["init/Kconfig", "arch/x86/Kconfig", "lib/Kconfig.debug"]:
        ft = sources._FileText((src.srctree / name).read_text(encoding="utf-8", errors="replace"))
        last = ft.lines[-1][0] if ft.lines else 0
        for line in range(1, last + 2, 3):
            got = ft.enclosing_ifs(line)
            assert got == ifs_walking_back(ft, line), (name, line)
            checked += 1
            nested += len(got) > 1
    assert checked > 3000 and nested > 0
    # unbalanced text: a stray endif closes nothing, an unclosed if stays open
    ft = sources._FileText("endif\nif A\nconfig X\n\tbool\nif B\nendif\nendif\nendif\nif C\nconfig Y\n")
    for line in range(1, 12):
        assert ft.enclosing_ifs(line) == ifs_walking_back(ft, line), line
    assert ft.enclosing_ifs(3) == [(2, "if A")] and ft.enclosing_ifs(10) == [(9, "if C")]


def test_files_split_in_steps_are_the_files_split_at_once(lt: LoadedTree):
    # the options tree reads the files of hidden rows' reasons in slices between events
    sources._SOURCES.pop(lt.kconf, None)
    src = KconfigSources(lt)
    names = src.unread_files([n for s in lt.kconf.unique_defined_syms for n in s.nodes][::40])
    names += [n for n in ("init/Kconfig", "lib/Kconfig.debug", "drivers/net/Kconfig") if n not in names]
    pauses = 0
    for step in src.read_steps(names):
        assert step is None
        pauses += 1
    assert pauses > len(names)  # long files gave way in the middle, not only between files
    assert src.unread_files([n for s in lt.kconf.unique_defined_syms for n in s.nodes][::40]) == []
    for name in names:
        whole = sources._FileText((src.srctree / name).read_text(encoding="utf-8", errors="replace"))
        stepped = src.file(name)
        assert (stepped.lines, stepped.pos) == (whole.lines, whole.pos), name
        assert stepped._open == whole._open_ifs(), name
    # a file split in steps stops in the middle of a help text and of a continued line
    text = ("config A\n\tbool \\\n\t\"a\"\n\thelp\n" + "\t  words\n" * 900
            + "\nconfig B\n\tbool \\\n" * 300 + "\tdef_bool y\n")
    steps = list(sources._FileText.split_steps(text))
    assert steps[:-1] == [None] * (len(steps) - 1) and len(steps) > 3
    done = steps[-1]
    assert done is not None
    assert (done.lines, done.pos) == (sources._FileText(text).lines, sources._FileText(text).pos)
