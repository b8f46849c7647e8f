"""Probes started ahead of the parser: the same commands, each once, the same parse."""

from __future__ import annotations

import glob
import os
import threading
import time
from pathlib import Path

import pytest
from fakes import wait_gone

from rustconfig_gui.errors import KconfigSyntaxError, ProbeTimeout
from rustconfig_gui.kconfig import rewrite
from rustconfig_gui.kconfig.loader import load_kconfig_dir, load_tree
from rustconfig_gui.kconfig.parser import KernelKconfig
from rustconfig_gui.kconfig.rewrite import Rewrites
from rustconfig_gui.kconfig.shell.lookahead import in_help_text
from rustconfig_gui.kconfig.shell.pool import NEEDED_AFTER_PARSE, NEEDED_DURING_PARSE, ProbePool
from rustconfig_gui.kconfig.shell.runner import ShellProbes
from rustconfig_gui.kconfig.tree import KernelTree


def _load_both(tree: KernelTree, make_env: dict[str, str]):
    return (load_tree(tree, base_env=make_env, lookahead=True),
            load_tree(tree, base_env=make_env, lookahead=False))


@pytest.mark.parametrize("version,arch,llvm", [("6.1", "x86_64", False), ("6.12", "x86_64", False),
                                               ("6.12", "x86_64", True), ("7.2", "x86_64", False),
                                               ("7.2", "arm64", False)])
def test_lookahead_starts_exactly_what_the_parser_runs(version, arch, llvm, make_env, request):
    src = request.getfixturevalue({"6.1": "tree_61", "6.12": "tree_612", "7.2": "tree_72"}[version])
    ahead, plain = _load_both(KernelTree(src, arch=arch, llvm=llvm), make_env)
    la = ahead.kconf._rc_lookahead
    assert la.stopped_at == ""
    ran = {c.command for c in ahead.trace.calls}
    # nothing the parser does not run (no command built from a guess), nothing it has to wait to start
    assert set(la.started) == ran
    assert la.files == ahead.kconf.files_parsed
    # the parse is the same: same probes with the same outputs, same symbols, same defconfig
    key = sorted((c.command, c.filename, c.line, c.output) for c in ahead.trace.calls)
    assert key == sorted((c.command, c.filename, c.line, c.output) for c in plain.trace.calls)
    assert [s.name for s in ahead.symbols] == [s.name for s in plain.symbols]
    assert sorted(ahead.kconf.warnings) == sorted(plain.kconf.warnings)
    ahead.defconfig()
    plain.defconfig()
    assert ahead.config_text() == plain.config_text()


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_each_probe_runs_once_and_help_texts_run_nothing(tmp_path: Path):
    log = tmp_path / "ran.log"
    _write(tmp_path / "Kconfig", f"""\
log = $(shell,echo $(1) >> {log}; echo $(2))
first := $(log,first,one)
second := $(log,second-$(first),two)

config A
    bool "a"
    default $(log,late,y)
    help
      Not a probe: $(log,help-text,y)
      help
      $(log,still-help,y)

config B
    bool "b"
    depends on $(log,dep-$(second),y)
    default $(log,late,y)

source "sub/Kconfig"
""")
    _write(tmp_path / "sub/Kconfig", f"""\
config C
    bool "c" if $(shell,echo nested-$(shell,echo inner >> {log}; echo x) >> {log}; echo y)
""")
    kconf, _ = load_kconfig_dir(tmp_path, (6, 12))
    lines = log.read_text().split()
    # '$(log,late,y)' is used twice: one run
    assert sorted(lines) == sorted(["first", "second-one", "late", "dep-two", "inner", "nested-x"])
    la = kconf._rc_lookahead
    assert la.stopped_at == "" and la.files == 2
    assert {c.command for c in kconf.trace.calls} == set(la.started)


def test_help_text_is_judged_as_kconfiglib_does():
    lines = [
        "config A",           # 0
        "\thelp",             # 1
        "\t  text",           # 2
        "",                   # 3
        "\t  $(shell,x)",     # 4: help text
        "\tdefault $(y)",     # 5: less indented: the help text ended
        "config B",           # 6
        "\thelp",             # 7
        "config C $(z)",      # 8: no indent after 'help': an empty help text
        "  help",             # 9
        "        help",       # 10: help text that reads 'help'
        "      $(shell,w)",   # 11: less indented than line 10: the help text ended
        "   ---help---",      # 12
        "\t$(shell,v)",       # 13: help text of line 12
    ]
    assert [n for n in range(len(lines)) if lines[n].strip() and in_help_text(lines, n)] == [2, 4, 10, 13]


def test_fast_translation_matches_the_line_by_line_one(tree_61: Path, tree_612: Path, tree_72: Path):
    files = 0
    for tree in (tree_61, tree_612, tree_72):
        for path in glob.glob(f"{tree}/**/Kconfig*", recursive=True):
            if not os.path.isfile(path):
                continue
            text = Path(path).read_text(encoding="utf-8", errors="replace")
            for late in (None, []):
                r1, r2 = Rewrites(), Rewrites()
                l1 = None if late is None else []
                l2 = None if late is None else []
                fast = rewrite.translate_kconfig_text(text, path, r1, l1)
                assert fast == rewrite._translate_every_line(text, path, r2, l2), path
                assert (r1, l1) == (r2, l2), path
            files += 1
    assert files > 4000


def test_a_needed_probe_never_waits_behind_probes_started_ahead(tmp_path: Path):
    flag = tmp_path / "go"
    blocker = f"while [ ! -e {flag} ]; do sleep 0.05; done; echo blocker"
    shell = ShellProbes({"PATH": os.environ["PATH"]}, str(tmp_path), str(tmp_path), width=1)
    try:
        blocked = shell.start(blocker, NEEDED_AFTER_PARSE)
        queued = shell.start("echo queued", NEEDED_AFTER_PARSE)
        # the one worker is busy until the flag exists: the parser runs 'queued' itself
        assert shell.run("echo queued", "Kconfig", 1).output == "queued"
        assert queued.done() and not blocked.done()
        flag.touch()
        assert shell.run(blocker, "Kconfig", 2).output == "blocker"
        assert shell.processes.count("echo queued") == 1
    finally:
        flag.touch()
        shell.close()


def test_pool_runs_by_priority_and_leaves_no_threads():
    before = set(threading.enumerate())
    pool = ProbePool(1)
    gate = threading.Event()
    order: list[str] = []
    first = pool.submit(NEEDED_DURING_PARSE, gate.wait)
    time.sleep(0.1)
    later = pool.submit(NEEDED_AFTER_PARSE, lambda: order.append("later"))
    sooner = pool.submit(NEEDED_DURING_PARSE, lambda: order.append("sooner"))
    dropped = pool.submit(NEEDED_AFTER_PARSE, lambda: order.append("dropped"))
    assert pool.claim(dropped) and not pool.claim(dropped)  # the caller runs it; the pool skips it
    dropped.set_result(None)
    gate.set()
    later.result(5)
    sooner.result(5)
    first.result(5)
    assert order == ["sooner", "later"]
    queued = pool.submit(NEEDED_AFTER_PARSE, lambda: None)
    blocker = threading.Event()
    pool.submit(NEEDED_DURING_PARSE, blocker.wait)
    time.sleep(0.1)
    blocker.set()
    pool.shutdown()
    assert queued.cancelled() or queued.done()
    assert set(threading.enumerate()) <= before


def test_a_failed_load_kills_probes_started_ahead(tmp_path: Path):
    pidfile = tmp_path / "pid"
    _write(tmp_path / "Kconfig", f"""\
config A
	bool "a"
	default $(shell,echo $$ > {pidfile}; exec sleep 600)

config B
	bool "b"
	depends on $(shell,sleep 0.5; echo y)

config C
	bool "c
""")
    with pytest.raises(KconfigSyntaxError) as e:
        KernelKconfig(str(tmp_path), {"srctree": str(tmp_path), "PATH": os.environ["PATH"]}, probe_timeout=300)
    assert "Kconfig:10" in str(e.value)
    # the parse waited 0.5 s at line 7: the late value's probe had started by then
    wait_gone(int(pidfile.read_text()), "the probe started ahead")


def test_a_hung_probe_started_ahead_times_out_where_the_parser_needs_it(tmp_path: Path):
    _write(tmp_path / "Kconfig", """\
config A
	bool "a"
	depends on $(shell,exec sleep 600)
""")
    with pytest.raises(ProbeTimeout) as e:
        KernelKconfig(str(tmp_path), {"srctree": str(tmp_path), "PATH": os.environ["PATH"]}, probe_timeout=1)
    assert str(e.value).startswith("Kconfig:3: the probe 'exec sleep 600' did not finish in 1 s")
