"""The architectures' ``select`` lines, found by scanning only the lines that start with select,
against every line of every ``arch/*/Kconfig*`` matched one by one."""

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
    for name in ("HAVE_RUST", "ARCH_SUPPORTS_LTO_CLANG", "X86_64", "HAVE_ARCH_KGDB", "NO_SUCH_SYMBOL"):
        got = src.arch_selects(name)
        assert [(p.arch, p.condition, p.location) for p in got] == expected.get(name, []), name
        assert all(p.current == (p.arch == lt.srcarch) for p in got)
    assert src.cache.arch_scan == expected
    # the line numbers point at the select lines
    for arch, _cond, loc in expected.get("HAVE_ARCH_KGDB", [])[:5]:
        rel, line = loc.rsplit(":", 1)
        text = (src.srctree / rel).read_text(encoding="utf-8").split("\n")[int(line) - 1]
        assert text.strip().startswith("select HAVE_ARCH_KGDB") and rel.startswith(f"arch/{arch}/")
