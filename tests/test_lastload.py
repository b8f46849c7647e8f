"""Opening from the last load (kconfig/lastload.py) and storing parses after the answer.

Real make, the demo tree's own scripts, fake rustc/bindgen executables on the
command line (tests/fakes.py), real CLI processes.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes import fake_toolchain
from PySide6.QtCore import Qt

from devtools.cref import clean_env
from rustconfig_gui.assets import demo_tree
from rustconfig_gui.kconfig.lastload import read_last_load
from rustconfig_gui.kconfig.loader import load_tree, open_stored, recheck_stored, store_parse
from rustconfig_gui.kconfig.parsecache import ParseCache
from rustconfig_gui.kconfig.shell.cache import ProbeCache
from rustconfig_gui.kconfig.tree import KernelTree


def _demo(tmp_path: Path, rustc_version: str = "1.85.0") -> KernelTree:
    tc = fake_toolchain(tmp_path / "tc", rustc_version=rustc_version)
    return KernelTree(demo_tree(), build=tmp_path / "build", make_vars=tc.make_vars)


def _new_rustc(tree: KernelTree, version: str) -> None:
    """The same RUSTC path now prints another version (an upgrade in place)."""
    rustc = Path(dict(tree.make_vars)["RUSTC"])
    root = rustc.parent / f"v{version}"
    other = fake_toolchain(root, rustc_version=version)
    shutil.copyfile(other.rustc, rustc)
    # the mtime must move even on a coarse clock: the probe cache keys on it
    st = rustc.stat()
    os.utime(rustc, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))


def _caches(tmp_path: Path) -> tuple[ProbeCache, ParseCache]:
    return ProbeCache(tmp_path / "cache" / "probes"), ParseCache(tmp_path / "cache" / "parses")


def _values(lt) -> str:
    lt.defconfig()
    return lt.config_text()


def test_stored_tree_is_the_loaded_one_and_an_unchanged_recheck_says_so(tmp_path: Path):
    tree = _demo(tmp_path)
    probes, parses = _caches(tmp_path)
    assert open_stored(tree, parses) is None  # nothing stored yet
    fresh = load_tree(tree, probe_cache=probes, parse_cache=parses)
    assert not fresh.timings.parse_cached
    assert store_parse(fresh, parses)
    assert read_last_load(tree, parses) is not None
    shown = open_stored(tree, parses)
    assert shown is not None and shown.timings.unchecked
    # nothing ran: every probe's result is the recorded one
    assert {c.command: c.output for c in shown.trace.calls} == {c.command: c.output for c in fresh.trace.calls}
    assert _values(shown) == _values(fresh) == _values(load_tree(tree))
    result = recheck_stored(shown, probes)(lambda: False)
    assert result.changed == ""
    assert result.trace is not None and len(result.trace.calls) == len(fresh.trace.calls)


def test_a_probe_that_prints_something_else_is_found_by_the_recheck(tmp_path: Path):
    tree = _demo(tmp_path)
    probes, parses = _caches(tmp_path)
    fresh = load_tree(tree, probe_cache=probes, parse_cache=parses)
    store_parse(fresh, parses)
    assert fresh.ev.str_value(fresh.sym("RUST_IS_AVAILABLE")) == "y"
    # rust-src is gone: only rust_is_available.sh (RUST_IS_AVAILABLE) sees it
    core = tmp_path / "tc" / "sysroot" / "lib/rustlib/src/rust/library/core/src/lib.rs"
    core.unlink()
    shown = open_stored(tree, parses)
    assert shown is not None
    assert shown.ev.str_value(shown.sym("RUST_IS_AVAILABLE")) == "y"  # as last loaded: not checked yet
    result = recheck_stored(shown, probes)(lambda: False)
    assert result.changed == "rust_is_available.sh at init/Kconfig:37 prints something else"
    # what the window then loads: the truth, as a load from nothing gives it
    again = load_tree(tree, probe_cache=probes, parse_cache=parses)
    assert again.ev.str_value(again.sym("RUST_IS_AVAILABLE")) == "n"
    assert _values(again) == _values(load_tree(tree))


def test_a_changed_make_environment_is_found_by_the_recheck(tmp_path: Path, monkeypatch):
    tree = _demo(tmp_path)
    probes, parses = _caches(tmp_path)
    store_parse(load_tree(tree, probe_cache=probes, parse_cache=parses), parses)
    shown = open_stored(tree, parses)
    assert shown is not None
    assert recheck_stored(shown, probes)(lambda: False).changed == ""
    # another rustc version: make exports its RUSTC_VERSION_TEXT
    _new_rustc(tree, "1.86.0")
    assert recheck_stored(shown, probes)(lambda: False).changed == "make's $RUSTC_VERSION_TEXT changed"
    _new_rustc(tree, "1.85.0")
    assert recheck_stored(shown, probes)(lambda: False).changed == ""
    # make hands conf our environment: a variable of ours changed is a changed environment
    monkeypatch.setenv("RUSTCONFIG_TEST_VARIABLE", "changed")
    result = recheck_stored(shown, probes)(lambda: False)
    assert result.changed == "make's $RUSTCONFIG_TEST_VARIABLE changed"


def test_cached_loads_answer_as_a_load_from_nothing_after_each_change(tmp_path: Path):
    tree = _demo(tmp_path)
    probes, parses = _caches(tmp_path)
    for version in ("1.85.0", "1.63.0", "1.85.0"):
        if version != "1.85.0" or (tmp_path / "build").exists():
            _new_rustc(tree, version)
        lt = load_tree(tree, probe_cache=probes, parse_cache=parses)
        store_parse(lt, parses)
        cached = load_tree(tree, probe_cache=probes, parse_cache=parses)
        assert cached.timings.parse_cached
        truth = load_tree(tree)
        assert _values(cached) == _values(truth) == _values(lt)
        assert {c.command: c.output for c in cached.trace.calls} == {c.command: c.output for c in truth.trace.calls}


# -- the command line: every command on the caches, the parse stored after the answer -------------


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rustconfig_gui", *args], capture_output=True, text=True,
                          env=env, timeout=300)


def _cli_env(tmp_path: Path) -> dict[str, str]:
    return dict(clean_env(), XDG_CACHE_HOME=str(tmp_path / "xdg"))


def _parses(tmp_path: Path) -> ParseCache:
    return ParseCache(tmp_path / "xdg" / "rustconfig-gui" / "parses")


@pytest.mark.parametrize("command", [
    ["why", "{tree}", "RUST"],
    ["rust-status", "{tree}"],
    ["fix", "{tree}", "SAMPLE_RUST_MINIMAL"],
    ["savedefconfig", "{tree}", "-O", "{build}"],
    ["defconfig", "{tree}", "-O", "{build}", "-o", "{out}"],
])
def test_every_command_uses_the_caches_and_answers_as_without(tmp_path: Path, command: list[str]):
    tc = fake_toolchain(tmp_path / "tc")
    env = _cli_env(tmp_path)
    make = [f"--make-var=RUSTC={tc.rustc}", f"--make-var=BINDGEN={tc.bindgen}"]
    build = tmp_path / "build"
    build.mkdir()
    args = [a.format(tree=demo_tree(), build=build, out=tmp_path / "out") for a in command] + make
    answers = []
    for extra in (["--no-cache"], [], [], ["--no-cache"]):
        done = _cli(*args, *extra, env=env)
        _parses(tmp_path).wait_for_writers()
        files = [f for folder in (build, tmp_path) for f in folder.glob("*") if f.is_file()]
        answers.append((done.returncode, done.stdout, {f.name: f.read_bytes() for f in files}))
        for f in files:
            f.unlink()
        if not extra:
            assert _parses(tmp_path).entries() == 1
    assert answers[0] == answers[1] == answers[2] == answers[3]
    # the second cached run read the stored parse (the record and the entry are there)
    assert read_last_load(KernelTree(demo_tree(), build=build if "-O" in command else None,
                                     make_vars=(("RUSTC", str(tc.rustc)), ("BINDGEN", str(tc.bindgen)))),
                          _parses(tmp_path)) is not None


def test_real_tree_commands_on_the_caches_write_what_they_write_without(tmp_path: Path, tree_72: Path):
    env = _cli_env(tmp_path)
    build = tmp_path / "build"
    outputs = []
    for extra in ([], [], ["--no-cache"]):
        for command in ("defconfig", "savedefconfig"):
            done = _cli(command, str(tree_72), "--arch", "x86_64", "-O", str(build), *extra, env=env)
            assert done.returncode == 0, done.stderr
        outputs.append(((build / ".config").read_bytes(), (build / "defconfig").read_bytes()))
        _parses(tmp_path).wait_for_writers()
    assert outputs[0] == outputs[1] == outputs[2]
    assert read_last_load(KernelTree(tree_72, build=build, arch="x86_64"), _parses(tmp_path)) is not None


def test_info_says_the_stored_parse_was_used_and_no_cache_turns_it_off(tmp_path: Path):
    tc = fake_toolchain(tmp_path / "tc")
    env = _cli_env(tmp_path)
    args = ["info", str(demo_tree()), "--json", f"--make-var=RUSTC={tc.rustc}"]
    first = _cli(*args, env=env)
    assert first.returncode == 0 and not json.loads(first.stdout)["parse_cached"]
    _parses(tmp_path).wait_for_writers()
    assert json.loads(_cli(*args, env=env).stdout)["parse_cached"]
    assert not json.loads(_cli(*args, "--no-cache", env=env).stdout)["parse_cached"]


def test_two_processes_storing_the_same_parse_at_once(tmp_path: Path, tree_61: Path):
    env = _cli_env(tmp_path)
    args = [sys.executable, "-m", "rustconfig_gui", "info", str(tree_61), "--arch", "x86_64", "--json"]
    procs = [subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(3)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1] for o in outs]
    parses = _parses(tmp_path)
    parses.wait_for_writers()
    assert parses.entries() == 1
    assert not list(parses.root.glob(".tmp-*"))
    again = json.loads(_cli(*args[3:], env=env).stdout)
    assert again["parse_cached"]
    assert again["symbols"] == json.loads(outs[0][0])["symbols"]


_KILLED_WRITER = textwrap.dedent("""
    import os, signal, sys
    from rustconfig_gui.kconfig.loader import load_tree
    from rustconfig_gui.kconfig.parsecache import ParseCache
    from rustconfig_gui.kconfig.shell.cache import ProbeCache
    from rustconfig_gui.kconfig.tree import KernelTree
    tree = KernelTree(sys.argv[1], arch="x86_64")
    lt = load_tree(tree, probe_cache=ProbeCache())  # parsed, as a writer stores it
    chunks = [0]
    def stopped():
        chunks[0] += 1
        if chunks[0] == int(sys.argv[2]):
            os.kill(os.getpid(), signal.SIGKILL)  # dies midway through the write
        return False
    ParseCache().store(lt.kconf, stopped)
""")


def test_a_writer_killed_midway_leaves_nothing_that_is_read_back(tmp_path: Path, tree_61: Path):
    env = _cli_env(tmp_path)
    parses = _parses(tmp_path)
    args = ["info", str(tree_61), "--arch", "x86_64", "--json"]
    # killed while writing the first entry: no entry, a temporary file at most
    done = subprocess.run([sys.executable, "-c", _KILLED_WRITER, str(tree_61), "20"], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == -signal.SIGKILL
    assert parses.entries() == 0
    assert not json.loads(_cli(*args, env=env).stdout)["parse_cached"]
    parses.wait_for_writers()
    assert parses.entries() == 1 and not list(parses.root.glob(".tmp-*"))  # the next writer cleaned up
    entry = next(p for p in parses.root.glob("*.pickle") if not p.name.startswith("."))
    good = entry.read_bytes()
    # killed while replacing it: the whole old entry stays and is used
    done = subprocess.run([sys.executable, "-c", _KILLED_WRITER, str(tree_61), "30"], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == -signal.SIGKILL
    assert list(parses.root.glob(".tmp-*"))  # what the killed writer left…
    assert entry.read_bytes() == good  # …is not the entry
    assert json.loads(_cli(*args, env=env).stdout)["parse_cached"]


@contextlib.contextmanager
def _tmpfs(path: Path, size: str) -> Iterator[Path]:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a file system needs root and mount(8); this run has neither")
    path.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"this machine refuses to mount a tmpfs: {done.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def test_a_full_disk_costs_only_the_stored_parse(tmp_path: Path):
    tc = fake_toolchain(tmp_path / "tc")
    with _tmpfs(tmp_path / "xdg", "256k"):
        env = _cli_env(tmp_path)
        args = ["rust-status", str(demo_tree()), f"--make-var=RUSTC={tc.rustc}", f"--make-var=BINDGEN={tc.bindgen}"]
        truth = _cli(*args, "--no-cache", env=env)
        # fill the disk, leaving room for the probe cache's small files only
        (tmp_path / "xdg" / "fill").write_bytes(b"\0" * (200 * 1024))
        for _ in range(2):
            done = _cli(*args, env=env)
            _parses(tmp_path).wait_for_writers()
            assert (done.returncode, done.stdout) == (truth.returncode, truth.stdout)
            assert _parses(tmp_path).entries() == 0
            assert not list(_parses(tmp_path).root.glob(".tmp-*"))


# -- the window: the stored tree at once, checked behind it ---------------------------------------

LOAD_TIMEOUT = 120_000


def _open(qtbot, window, tree: KernelTree) -> None:
    with qtbot.waitSignal(window.treeLoaded, timeout=LOAD_TIMEOUT):
        assert window.open_tree(tree, prefer_defconfig=True)


def _stored_by_the_window(qtbot, window, tree: KernelTree) -> None:
    """A first open (nothing stored), then the window's own writer stores the parse and the record."""
    _open(qtbot, window, tree)
    assert not window.lt.timings.unchecked and not window.lt.timings.parse_cached
    # the record is written after the parse
    qtbot.waitUntil(lambda: read_last_load(tree, ParseCache()) is not None and not window.parse_writer.busy,
                    timeout=LOAD_TIMEOUT)


def test_window_shows_the_stored_tree_and_an_unchanged_check_keeps_it(qtbot, window, tmp_path: Path):
    tree = _demo(tmp_path)
    _stored_by_the_window(qtbot, window, tree)
    first = window.lt
    with qtbot.waitSignal(window.rechecker.confirmed, timeout=LOAD_TIMEOUT):
        _open(qtbot, window, tree)
        shown = window.lt
        assert shown is not first and shown.timings.unchecked
        assert shown.config_text() == first.config_text()
    assert window.lt is shown and not shown.timings.unchecked  # no reload
    assert "unchanged" in window.statusBar().currentMessage()
    assert not window.loader.busy


def test_window_reloads_when_a_probe_changed_keeping_edits(qtbot, window, tmp_path: Path):
    tree = _demo(tmp_path)
    _stored_by_the_window(qtbot, window, tree)
    window.modified = False
    before = read_last_load(tree, ParseCache())
    # rust-src is gone: RUST_IS_AVAILABLE is n for a load now
    (tmp_path / "tc" / "sysroot" / "lib/rustlib/src/rust/library/core/src/lib.rs").unlink()
    changed = []
    window.rechecker.changed.connect(changed.append)
    _open(qtbot, window, tree)
    stale = window.lt
    assert stale.timings.unchecked and stale.ev.str_value(stale.sym("RUST_IS_AVAILABLE")) == "y"
    # an edit before the check ends (with the keyboard), and one while the tree loads again
    assert window.select_symbol("MODVERSIONS")
    with qtbot.waitSignal(window.model.valueEdited):
        qtbot.keyClick(window.view, Qt.Key.Key_Space)
    assert stale.ev.str_value(stale.sym("MODVERSIONS")) == "n"
    with qtbot.waitSignal(window.rechecker.changed, timeout=LOAD_TIMEOUT):
        pass
    assert "rust_is_available.sh" in changed[0]
    assert "again" in window.statusBar().currentMessage()
    assert window.model.set_symbol_value(stale.sym("LOG_BUF_SHIFT"), "15")
    qtbot.waitUntil(lambda: window.lt is not stale and not window.loader.busy, timeout=LOAD_TIMEOUT)
    lt = window.lt
    assert not lt.timings.unchecked
    assert lt.ev.str_value(lt.sym("RUST_IS_AVAILABLE")) == "n"  # the tree shown is the truth now
    assert lt.ev.str_value(lt.sym("MODVERSIONS")) == "n"
    assert lt.ev.str_value(lt.sym("LOG_BUF_SHIFT")) == "15"
    assert window.modified
    # searching works on the tree loaded again (its index is built after it is shown)
    qtbot.waitUntil(lambda: window.index is not None and window.search.isEnabled(), timeout=LOAD_TIMEOUT)
    window.focus_search()
    qtbot.keyClicks(window.search, "MODVERSIONS")
    qtbot.waitUntil(lambda: window.results.count() > 0, timeout=LOAD_TIMEOUT)
    window.search.clear()
    # the next open shows the new truth at once, and the check confirms it
    window.modified = False

    def recorded_rust_src_gone() -> bool:
        last = read_last_load(tree, ParseCache())
        return last is not None and last.calls != before.calls and not window.parse_writer.busy

    qtbot.waitUntil(recorded_rust_src_gone, timeout=LOAD_TIMEOUT)
    with qtbot.waitSignal(window.rechecker.confirmed, timeout=LOAD_TIMEOUT):
        _open(qtbot, window, tree)
    assert window.lt.ev.str_value(window.lt.sym("RUST_IS_AVAILABLE")) == "n"


def test_window_does_not_keep_a_stored_tree_that_no_longer_loads(qtbot, window, tmp_path: Path):
    copy = tmp_path / "src"
    shutil.copytree(demo_tree(), copy, symlinks=True)
    tc = fake_toolchain(tmp_path / "tc")
    tree = KernelTree(copy, build=tmp_path / "build", make_vars=tc.make_vars)
    _stored_by_the_window(qtbot, window, tree)
    window.modified = False
    (copy / "Makefile").write_text("$(error this tree is broken now)\n")
    failed = []
    window.loader.failed.connect(failed.append)
    _open(qtbot, window, tree)
    assert window.lt.timings.unchecked and window.stack.currentIndex() == 1
    qtbot.waitUntil(lambda: bool(failed), timeout=LOAD_TIMEOUT)
    qtbot.waitUntil(lambda: window.stack.currentIndex() == 0, timeout=LOAD_TIMEOUT)
    assert "could not be loaded again" in window.message.text()
    assert "this tree is broken now" in window.message.text()
    assert not window.act_save.isEnabled()
