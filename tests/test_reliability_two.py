"""Reliability, round two (issue 23): saves that keep modes and never race another
writer, recovery copies that belong to one window, odd paths and permissions,
stale caches, signals.

Every fault is produced for real: a forked child that drops root, real
concurrent processes holding the folder lock, real non-UTF-8 folder names,
real signals to real process groups.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from test_reliability import _as_nobody, _world_traversable_dir

from rustconfig_gui.kconfig import configfile
from rustconfig_gui.kconfig.configfile import ChangedOnDisk
from rustconfig_gui.kconfig.tree import KernelTree
from rustconfig_gui.workspace import recovery
from rustconfig_gui.workspace.ondisk import Seen, save_message

REPO = Path(__file__).resolve().parent.parent


def _umask(mask: int):
    class _Ctx:
        def __enter__(self) -> None:
            self.old = os.umask(mask)

        def __exit__(self, *exc: object) -> None:
            os.umask(self.old)
    return _Ctx()


# ---------------------------------------------------------------------------
# file mode (issue 16 item 5): as conf's fopen gives, a rewritten file keeps its own


def test_new_config_gets_0666_minus_umask_and_a_rewritten_one_keeps_its_mode(tmp_path: Path):
    with _umask(0o022):
        new = tmp_path / "a" / ".config"
        new.parent.mkdir()
        first = configfile.write_atomic(new, "CONFIG_A=y\n")
        assert first and first.old_kept is None          # nothing was there to keep
        assert new.stat().st_mode & 0o7777 == 0o644
        assert save_message(first) == f"Saved {new}."
        kept = tmp_path / "b" / ".config"
        kept.parent.mkdir()
        kept.write_text("CONFIG_A=n\n")
        kept.chmod(0o640)
        again = configfile.write_atomic(kept, "CONFIG_A=y\n")
        assert kept.stat().st_mode & 0o7777 == 0o640
        assert again.old_kept == kept.with_name(".config.old")
        assert kept.with_name(".config.old").read_text() == "CONFIG_A=n\n"
        assert save_message(again) == f"Saved {kept} (previous version kept as .config.old)."
        nothing = configfile.write_atomic(kept, "CONFIG_A=y\n")
        assert not nothing and "No change" in save_message(nothing)
        for before, after in ((0o000, 0o600), (0o444, 0o644), (0o604, 0o604)):
            kept.chmod(before)
            configfile.write_atomic(kept, f"CONFIG_MODE={before:o}\n")
            assert kept.stat().st_mode & 0o7777 == after
    with _umask(0o077):
        private = tmp_path / "c" / ".config"
        private.parent.mkdir()
        configfile.write_atomic(private, "x\n")
        assert private.stat().st_mode & 0o7777 == 0o600


# ---------------------------------------------------------------------------
# 12: .config.old is a folder


def test_old_name_taken_by_a_folder_saves_like_conf_and_says_so(tmp_path: Path):
    target = tmp_path / ".config"
    target.write_text("old\n")
    (tmp_path / ".config.old").mkdir()
    (tmp_path / ".config.old" / "inside").write_text("kept\n")
    result = configfile.write_atomic(target, "new\n")
    assert target.read_text() == "new\n"       # conf saves too, ignoring its failed rename
    assert result.old_kept is None
    assert result.note == f"{tmp_path / '.config.old'} is a folder; the previous version was not kept."
    assert save_message(result) == f"Saved {target}. {result.note}"
    assert sorted(os.listdir(tmp_path)) == [".config", ".config.old"]   # no temp left behind
    assert (tmp_path / ".config.old" / "inside").read_text() == "kept\n"


def test_a_killed_savers_old_link_is_removed_by_the_next_save(tmp_path: Path):
    target = tmp_path / ".config"
    target.write_text("one\n")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    leftover = tmp_path / f"..config.old.{dead.pid}.tmp"
    leftover.write_text("one\n")
    configfile.write_atomic(target, "two\n")
    assert not leftover.exists()


# ---------------------------------------------------------------------------
# 11: the on-disk check and the write are one step (an flock on the folder)

_HOLDER = """
import sys
from pathlib import Path
from rustconfig_gui.kconfig.configfile import write_atomic
def hold(path):
    print("locked", flush=True)
    sys.stdin.readline()          # the parent starts its own save meanwhile
write_atomic(Path(sys.argv[1]), "CONFIG_FROM_THE_OTHER_PROGRAM=y\\n", check=hold)
"""


def test_a_save_never_lands_between_the_check_and_the_rename_of_another(tmp_path: Path):
    target = tmp_path / ".config"
    target.write_text("CONFIG_LOADED=y\n")
    seen = Seen.look(target, target)
    other = subprocess.Popen([sys.executable, "-c", _HOLDER, str(target)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True, cwd=REPO)
    assert other.stdout.readline() == "locked\n"     # the other program holds the lock, its check passed
    outcome: list[BaseException | object] = []

    def ours() -> None:
        try:
            outcome.append(configfile.write_atomic(target, "CONFIG_OURS=y\n", check=seen.check))
        except BaseException as e:  # noqa: BLE001 - looked at below
            outcome.append(e)

    t = threading.Thread(target=ours)
    t.start()                          # blocks on the lock while the other program writes
    other.stdin.write("go\n")
    other.stdin.close()
    assert other.wait() == 0
    t.join()
    assert isinstance(outcome[0], ChangedOnDisk)
    assert str(outcome[0]) == f"{target} was changed by another program since it was loaded here."
    assert target.read_text() == "CONFIG_FROM_THE_OTHER_PROGRAM=y\n"   # not replaced


# ---------------------------------------------------------------------------
# 13: a file never loaded, a file that cannot be read


def test_started_from_another_file_the_build_config_is_not_called_changed(tmp_path: Path):
    target, loaded_from = tmp_path / ".config", tmp_path / "distro.config"
    target.write_text("CONFIG_BEFORE=y\n")
    loaded_from.write_text("CONFIG_DISTRO=y\n")
    seen = Seen.look(target, loaded_from)
    assert seen.change() == ""
    configfile.write_atomic(target, "CONFIG_MINE=y\n", check=seen.check)
    assert target.read_text() == "CONFIG_MINE=y\n"
    seen = Seen.look(target, loaded_from)
    target.write_text("CONFIG_SOMEONE_ELSE=y\n")
    assert seen.change() == (f"{target} was changed by another program after this window opened the tree "
                             f"(the values here came from {loaded_from}).")
    fresh = Seen.look(tmp_path / "new.config")
    (tmp_path / "new.config").write_text("x\n")
    assert fresh.change() == (f"{tmp_path / 'new.config'} was created by another program after this window "
                              "opened the tree.")


def test_a_mode_000_config_is_named_as_unreadable_not_as_changed():
    base = _world_traversable_dir()
    try:
        (base / "b").mkdir()
        (base / "b").chmod(0o777)
        target = base / "b" / ".config"

        def as_user() -> None:
            Path(target).write_text("CONFIG_A=y\n")
            seen = Seen.look(target, target)
            target.chmod(0)
            raise RuntimeError(seen.change())     # the child's answer

        said = _as_nobody(as_user)
        assert said == (f"RuntimeError: Cannot read {target}: permission denied, so this window cannot tell "
                        f"whether another program changed {target}.")
    finally:
        import shutil
        shutil.rmtree(base)


# ---------------------------------------------------------------------------
# 10: recovery copies belong to one window instance

_OTHER_WINDOW = """
import sys
from pathlib import Path
from rustconfig_gui.kconfig.tree import KernelTree
from rustconfig_gui.workspace.recovery import write_recovery
tree = KernelTree(Path(sys.argv[1]), build=Path(sys.argv[2]))
write_recovery(tree, "CONFIG_FIRST_WINDOW=y\\n", tree.config_path)
print("written", flush=True)
sys.stdin.readline()
"""


def test_a_second_window_never_removes_the_first_windows_recovery(tmp_path: Path):
    src, build = tmp_path / "src", tmp_path / "build"
    src.mkdir()
    build.mkdir()
    tree = KernelTree(src, build=build)
    first = subprocess.Popen([sys.executable, "-c", _OTHER_WINDOW, str(src), str(build)], cwd=REPO,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert first.stdout.readline() == "written\n"
        # the first window still runs: its copy is not offered, and ours comes and goes beside it
        assert recovery.read_recovery(tree) is None
        recovery.write_recovery(tree, "CONFIG_SECOND_WINDOW=y\n", tree.config_path)
        recovery.clear_recovery(tree)               # the second window saved
    finally:
        first.stdin.close()
        first.wait()
    # the first window is gone (crashed): its edits are offered, and only then
    rec = recovery.read_recovery(tree)
    assert rec is not None and rec.text == "CONFIG_FIRST_WINDOW=y\n" and rec.note == ""
    assert rec.path is not None and rec.path.stat().st_mode & 0o777 == 0o600
    recovery.discard(rec)
    assert recovery.read_recovery(tree) is None


# ---------------------------------------------------------------------------
# 3: damaged recovery descriptions


@pytest.mark.parametrize("meta", ['{"saved_at": "yesterday"}', '{"saved_at": NaN}', '{"saved_at": 1e300}',
                                  '[1, 2, 3]', '{"saved_at": true}', "not json at all"])
def test_a_damaged_recovery_description_still_offers_the_values(tmp_path: Path, meta: str):
    tree = KernelTree(tmp_path, build=tmp_path / "b")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    path = recovery.recovery_path(tree, recovery.instance_id(dead.pid).rsplit("-", 1)[0] + "-1")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("CONFIG_KEPT=y\n")
    path.with_suffix(".json").write_text(meta)
    rec = recovery.read_recovery(tree)
    assert rec is not None and rec.text == "CONFIG_KEPT=y\n"
    assert math.isfinite(rec.saved_at) and abs(rec.saved_at - path.stat().st_mtime) < 1
    assert rec.note.startswith(str(path.with_suffix(".json")))
    assert rec.note.endswith("the time shown is when the values were written.")
    json.dumps(rec.note)
    recovery.discard(rec)


# ---------------------------------------------------------------------------
# 8: Ctrl+C and SIGTERM end the CLI and every child group it started


def _hanger(path: Path, pids: Path, then: str = "") -> Path:
    """A tool that records its pid and a background child's, then waits on it (600 s)."""
    from fakes import write_script

    return write_script(path, f"""#!/bin/sh
{then}
echo $$ >> '{pids}'
sleep 600 &
echo $! >> '{pids}'
wait
""")


def _started(pids: Path, proc: subprocess.Popen[bytes]) -> list[int]:
    """The two pids the hanging tool wrote (blocking: the tool writes them when it runs)."""
    import time

    for _ in range(1200):   # a minute: the tool runs within a second or two of the start
        if proc.poll() is not None:
            break
        if pids.exists() and len(pids.read_text().split()) >= 2:
            return [int(x) for x in pids.read_text().split()]
        time.sleep(0.05)
    proc.kill()
    raise AssertionError(f"the hanging tool never ran: {proc.communicate()[1]!r}")


@pytest.mark.parametrize("phase", ["make's environment", "the probes"])
@pytest.mark.parametrize("sig", [2, 15], ids=["SIGINT", "SIGTERM"])
def test_a_signal_ends_the_cli_and_takes_every_child_group(tmp_path: Path, make_env, phase: str, sig: int):
    import shutil
    import time

    from fakes import fake_toolchain, wait_gone
    from test_reliability import _gone

    from rustconfig_gui.assets import demo_tree

    src = tmp_path / "src"
    shutil.copytree(demo_tree(), src)
    tc = fake_toolchain(tmp_path / "tc")
    pids, tmp = tmp_path / "pids", tmp_path / "tmp"
    tmp.mkdir()
    env = dict(make_env, TMPDIR=str(tmp), PYTHONPATH=str(REPO))
    rustc = tc.rustc
    if phase == "make's environment":
        bin_ = tmp_path / "bin"
        bin_.mkdir()
        _hanger(bin_ / "make", pids)
        env["PATH"] = f"{bin_}:{env['PATH']}"
    else:
        # answers make's 'rustc --version'; hangs in Kconfig's rustc-llvm-version.sh probe
        rustc = _hanger(tmp_path / "rustc", pids,
                        then=f'[ "$*" = "--version --verbose" ] || exec {tc.rustc} "$@"')
    cli = subprocess.Popen([sys.executable, "-m", "rustconfig_gui.cli", "info", str(src), "--no-cache",
                            "--make-var", f"RUSTC={rustc}", "--make-var", f"BINDGEN={tc.bindgen}"],
                           env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    started = _started(pids, cli)
    t0 = time.monotonic()
    cli.send_signal(sig)
    code = cli.wait(timeout=60)                 # the tool would hang 600 s, the probe timeout is 120 s
    took = time.monotonic() - t0
    print(f"{phase}, signal {sig}: ended after {took:.2f} s")
    stderr = cli.stderr.read().decode()
    assert code == 128 + sig, stderr
    assert stderr.strip().splitlines()[-1] == ("rustconfig: interrupted" if sig == 2 else
                                               "rustconfig: terminated by SIGTERM"), stderr
    for pid in started:
        assert _gone(pid)
        wait_gone(pid)
    assert list(tmp.iterdir()) == []              # no rustconfig-env-* left


def test_an_interrupted_wait_for_makes_environment_stops_make_and_its_folder(tmp_path: Path, monkeypatch):
    """A signal's exception while the load waits for make's environment (captured on a
    thread): make is stopped and the thread has removed its O= folder before the
    exception goes on; the process may end right after it (the command does, with
    os._exit)."""
    import contextlib
    import signal
    import tempfile
    import time

    from fakes import wait_gone
    from test_reliability import _gone

    from rustconfig_gui.assets import demo_tree
    from rustconfig_gui.kconfig.tree import EnvironmentCapture

    class Interrupted(Exception):
        pass

    def interrupt(_signum: int, _frame: object) -> None:
        raise Interrupted

    pids, tmp = tmp_path / "pids", tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    make = _hanger(tmp_path / "make", pids)
    capture = EnvironmentCapture(KernelTree(demo_tree(), make=str(make)))
    for _ in range(600):
        if pids.exists() and len(pids.read_text().split()) >= 2:
            break
        time.sleep(0.05)
    started = [int(p) for p in pids.read_text().split()]
    assert len(list(tmp.iterdir())) == 1  # make's O= folder
    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.2)
        with pytest.raises(Interrupted):
            capture.result()
        signal.setitimer(signal.ITIMER_REAL, 0)
        assert list(tmp.iterdir()) == []
        for pid in started:
            wait_gone(pid)
            assert _gone(pid)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        for pid in started:  # a failed run leaves no hanging make behind
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


# ---------------------------------------------------------------------------
# 3: a stored parse with one flipped bit is dropped and parsed again, never used


def test_a_flipped_bit_in_a_stored_parse_is_never_used(tmp_path: Path, make_env):
    import random
    import shutil

    from fakes import fake_toolchain

    from rustconfig_gui.assets import demo_tree
    from rustconfig_gui.kconfig.loader import load_tree, store_parse
    from rustconfig_gui.kconfig.parsecache import ParseCache
    from rustconfig_gui.kconfig.shell.cache import ProbeCache

    src = tmp_path / "src"
    shutil.copytree(demo_tree(), src)
    tc = fake_toolchain(tmp_path / "tc")
    tree = KernelTree(src, build=tmp_path / "b", make_vars=tc.make_vars)
    probes, parses = ProbeCache(tmp_path / "probes"), ParseCache(tmp_path / "parses")

    def load():
        lt = load_tree(tree, base_env=make_env, probe_cache=probes, parse_cache=parses)
        lt.defconfig()
        return lt

    first = load()
    want = first.config_text()
    assert store_parse(first, parses)
    (entry,) = (tmp_path / "parses").glob("*.pickle")
    good = entry.read_bytes()
    rng = random.Random(23)
    for _ in range(25):
        damaged = bytearray(good)
        at = rng.randrange(len(b"rustconfig-gui parse\n"), len(good))
        damaged[at] ^= 1 << rng.randrange(8)
        entry.write_bytes(bytes(damaged))
        lt = load()
        assert not lt.timings.parse_cached, at
        assert parses.last_miss.startswith("damaged entry"), (at, parses.last_miss)
        assert not entry.exists()                 # removed: the next load does not meet it again
        assert lt.config_text() == want
    entry.write_bytes(good)
    assert load().timings.parse_cached            # the good entry is still used


# ---------------------------------------------------------------------------
# 14: rustconfig diff splits lines where scripts/diffconfig does


@pytest.mark.parametrize("inside", ["\f", "\u2028", "\v", "\x1c", "\x85"])
def test_diff_of_strings_holding_line_separators_matches_diffconfig(tmp_path: Path, tree_612: Path, inside: str):
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_text(f'CONFIG_A=y\nCONFIG_CMDLINE="one{inside}two"\n# CONFIG_B is not set\n', encoding="utf-8")
    b.write_text(f'CONFIG_A=y\nCONFIG_CMDLINE="one{inside}three"\n# CONFIG_B is not set\n', encoding="utf-8")
    kernel = subprocess.run([sys.executable, str(tree_612 / "scripts" / "diffconfig"), str(a), str(b)],
                            capture_output=True, check=True, env=dict(os.environ, PYTHONIOENCODING="utf-8"))
    ours = subprocess.run([sys.executable, "-m", "rustconfig_gui.cli", "diff", "--no-mark", str(a), str(b)],
                          capture_output=True, check=True, cwd=REPO, env=dict(os.environ, PYTHONIOENCODING="utf-8"))
    assert kernel.stdout.decode() == f' CMDLINE "one{inside}two" -> "one{inside}three"\n'
    assert ours.stdout == kernel.stdout


# ---------------------------------------------------------------------------
# 12: a full cache disk leaves no empty temp files, and clearing counts results only


def test_a_full_cache_disk_leaves_no_temp_files(tmp_path: Path, make_env):
    import shutil

    from fakes import fake_toolchain
    from test_reliability import _fill, _tmpfs

    from rustconfig_gui.assets import demo_tree
    from rustconfig_gui.kconfig.loader import load_tree
    from rustconfig_gui.kconfig.shell.cache import ProbeCache

    src = tmp_path / "src"
    shutil.copytree(demo_tree(), src)
    tc = fake_toolchain(tmp_path / "tc")
    tree = KernelTree(src, build=tmp_path / "b", make_vars=tc.make_vars)
    with _tmpfs(tmp_path / "cache", "256k") as mnt:
        probes = ProbeCache(mnt / "probes")
        load_tree(tree, base_env=make_env, probe_cache=probes)     # a few results fit
        results = probes.entries()
        assert results > 0
        shutil.rmtree(mnt / "probes")
        (mnt / "probes").mkdir()
        for sub in range(256):                                      # the folders exist, the disk is full
            (mnt / "probes" / f"{sub:02x}").mkdir()
        _fill(mnt)
        lt = load_tree(tree, base_env=make_env, probe_cache=probes)
        assert lt.sym("RUSTC_VERSION") is not None
        left = [p.name for p in (mnt / "probes").rglob("*") if p.is_file()]
        assert left == []                         # no empty .tmp-*.json
        # a temp file from a write that was killed: removed by clear, not counted as a result
        (mnt / "filler").unlink()
        load_tree(tree, base_env=make_env, probe_cache=probes)
        (mnt / "probes" / "00" / ".tmp-killed.json").write_text("")
        assert probes.entries() == results
        assert probes.clear() == results
        assert [p for p in (mnt / "probes").rglob("*") if p.is_file()] == []


# ---------------------------------------------------------------------------
# 5, 6: the probe cache never answers differently from running the probe now


def _demo_copy(tmp_path: Path) -> Path:
    import shutil

    from rustconfig_gui.assets import demo_tree

    src = tmp_path / "src"
    shutil.copytree(demo_tree(), src)
    return src


def test_a_library_installed_in_the_compilers_search_path_is_seen(tmp_path: Path, make_env):
    from fakes import fake_toolchain, write_script

    from rustconfig_gui.kconfig.loader import load_tree
    from rustconfig_gui.kconfig.shell.cache import ProbeCache

    src = _demo_copy(tmp_path)
    # a probe like CC_CAN_LINK_STATIC: does the compiler find a library
    with open(src / "init" / "Kconfig", "a") as f:
        f.write("\nconfig CC_FINDS_LIBFOO\n\tdef_bool $(success,$(CC) -print-file-name=libfoo.a | grep -q /)\n")
    libs = tmp_path / "libs"
    libs.mkdir()
    (tmp_path / "bin").mkdir()
    cc = write_script(tmp_path / "bin" / "x86_64-test-gcc", f'#!/bin/sh\nexec gcc -B{libs}/ "$@"\n')
    tc = fake_toolchain(tmp_path / "tc")
    tree = KernelTree(src, build=tmp_path / "b", make_vars=(("CC", str(cc)), *tc.make_vars))
    cache = tmp_path / "probes"

    def value() -> str:
        lt = load_tree(tree, base_env=make_env, probe_cache=ProbeCache(cache))
        return lt.ev.str_value(lt.sym("CC_FINDS_LIBFOO"))

    assert value() == "n"
    assert value() == "n"                              # warm: from the cache
    (libs / "libfoo.a").write_bytes(b"!<arch>\n")       # the library is installed
    assert value() == "y"
    fresh = load_tree(tree, base_env=make_env)          # what running the probe now says
    assert fresh.ev.str_value(fresh.sym("CC_FINDS_LIBFOO")) == "y"


_RUSTUP = """#!/bin/sh
# a rustup proxy: the toolchain comes from RUSTUP_TOOLCHAIN, else rust-toolchain.toml up from the cwd
name=$(basename "$0")
tc=$RUSTUP_TOOLCHAIN
d=$PWD
while [ -z "$tc" ] && [ "$d" != / ]; do
    [ -f "$d/rust-toolchain.toml" ] && tc=$(sed -n 's/^channel = "\\(.*\\)"/\\1/p' "$d/rust-toolchain.toml")
    d=$(dirname "$d")
done
exec "{toolchains}/${{tc:-stable}}/$name" "$@"
"""


def test_hard_linked_rustup_proxies_follow_a_toolchain_file(tmp_path: Path, make_env):
    from fakes import fake_toolchain, write_script

    from rustconfig_gui.kconfig.loader import load_tree
    from rustconfig_gui.kconfig.shell.cache import ProbeCache

    src = _demo_copy(tmp_path)
    toolchains = tmp_path / "toolchains"
    stable = fake_toolchain(toolchains / "stable", rustc_version="1.85.0", libclang_version="19.1.7")
    fake_toolchain(toolchains / "nightly", rustc_version="1.90.0", libclang_version="20.1.0")
    cargo_bin = tmp_path / "cargo" / "bin"
    cargo_bin.mkdir(parents=True)
    rustup = write_script(cargo_bin / "rustup", _RUSTUP.format(toolchains=toolchains))
    os.link(rustup, cargo_bin / "rustc")                # RUSTUP_HARDLINK_PROXIES=1, rustup < 1.28
    tree = KernelTree(src, make_vars=(("RUSTC", str(cargo_bin / "rustc")), ("BINDGEN", str(stable.bindgen))))
    cache = tmp_path / "probes"

    def versions() -> tuple[str, str]:
        lt = load_tree(tree, base_env=make_env, probe_cache=ProbeCache(cache))
        return lt.ev.str_value(lt.sym("RUSTC_VERSION")), lt.ev.str_value(lt.sym("RUSTC_LLVM_VERSION"))

    assert versions() == ("108500", "190107")
    (src / "rust-toolchain.toml").write_text('[toolchain]\nchannel = "nightly"\n')
    assert versions() == ("109000", "200100")
    (src / "rust-toolchain.toml").unlink()
    assert versions() == ("108500", "190107")


def test_interleaved_cli_writes_never_survive_only_as_old(tmp_path: Path, make_env):
    """A window-like save (check, compute, write) racing real `rustconfig olddefconfig` runs."""
    import random
    import time

    from fakes import fake_toolchain

    from rustconfig_gui.assets import demo_tree

    tc = fake_toolchain(tmp_path / "tc")
    build = tmp_path / "b"
    build.mkdir()
    target = build / ".config"
    start = tmp_path / "start.config"
    start.write_text("CONFIG_LOG_BUF_SHIFT=13\n")
    ours = "CONFIG_OURS=y\n"
    rng = random.Random(11)
    outcomes = []
    for _ in range(8):
        target.write_text("CONFIG_BEFORE=y\n")
        (build / ".config.old").unlink(missing_ok=True)
        seen = Seen.look(target, target)
        cli = subprocess.Popen([sys.executable, "-m", "rustconfig_gui.cli", "olddefconfig", str(demo_tree()),
                                "-O", str(build), "--config", str(start),
                                *(f"--make-var={k}={v}" for k, v in tc.make_vars)],
                               cwd=REPO, env=dict(make_env, PYTHONPATH=str(REPO)),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.0, 1.0))
        try:
            configfile.write_atomic(target, ours, check=seen.check)
            outcome = "saved"
        except ChangedOnDisk:
            outcome = "refused"
        assert cli.wait(timeout=120) == 0, cli.stderr.read()
        # the CLI always writes, before our save (we refuse) or after it (ours is its .old):
        # the file is never ours with the CLI's write only in .config.old
        assert "CONFIG_LOG_BUF_SHIFT=13" in target.read_text(), outcome
        if outcome == "saved":
            assert (build / ".config.old").read_text() == ours
        outcomes.append(outcome)
    print(outcomes)


# ---------------------------------------------------------------------------
# 2: folder names that are not UTF-8, through the CLI


@pytest.mark.parametrize("command", [["info"], ["info", "--json"], ["why", "RUST"], ["why", "RUST", "--json"],
                                     ["rust-status"], ["rust-status", "--json"], ["olddefconfig"]])
def test_cli_on_folders_whose_names_are_not_utf8(tmp_path: Path, make_env, command: list[str]):
    import shutil

    from fakes import fake_toolchain

    from rustconfig_gui.assets import demo_tree

    src = os.fsencode(tmp_path) + b"/caf\xe9-src"
    build = os.fsencode(tmp_path) + b"/b\xe9uild"
    shutil.copytree(demo_tree(), os.fsdecode(src))
    tc = fake_toolchain(tmp_path / "tc")
    # a terminal whose encoding refuses what is not UTF-8 (a real UTF-8 locale does)
    env = dict(make_env, PYTHONIOENCODING="utf-8:strict", LC_ALL="C.UTF-8")
    argv = [os.fsencode(sys.executable), b"-m", b"rustconfig_gui.cli", command[0].encode(), src, b"-O", build,
            *(f"--make-var={k}={v}".encode() for k, v in tc.make_vars), *(c.encode() for c in command[1:])]
    done = subprocess.run(argv, capture_output=True, cwd=REPO, env=env)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    out = done.stdout.decode("utf-8")                      # valid UTF-8 throughout
    assert "Traceback" not in done.stderr.decode("utf-8")
    if "--json" in command:
        text = json.dumps(json.loads(out))
        assert "\\udc" not in out and "\\udc" not in text   # no lone surrogates
    if command == ["info"]:
        assert f"source        {tmp_path}/caf\\xe9-src" in out
    if command == ["olddefconfig"]:
        assert os.path.isfile(build + b"/.config")         # the real bytes
        assert done.stderr.decode() == f"configuration written to {tmp_path}/b\\xe9uild/.config\n"


def test_a_recovery_copy_taken_before_a_save_is_not_written_after_it(tmp_path: Path):
    tree = KernelTree(tmp_path, build=tmp_path / "b")
    since = recovery.generation(tree)         # the values are taken (the worker then computes the text)
    recovery.clear_recovery(tree)             # meanwhile the user saved
    assert recovery.write_recovery(tree, "CONFIG_OLD=y\n", tree.config_path, since=since) is None
    assert not recovery.recovery_path(tree).exists()
    now = recovery.generation(tree)
    assert recovery.write_recovery(tree, "CONFIG_NEW=y\n", tree.config_path, since=now) is not None
    recovery.clear_recovery(tree)


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_a_new_config_gets_the_mode_the_kernels_conf_gives(tmp_path: Path, tree_612: Path, mask: int):
    from devtools.cref import Build, CConf

    conf = CConf(Build(tree_612, arch="x86_64"))
    with _umask(mask):
        conf.defconfig()                            # conf writes O=/.config afresh
        theirs = (conf.workdir / ".config").stat().st_mode & 0o7777
        ours = tmp_path / ".config"
        configfile.write_atomic(ours, "CONFIG_A=y\n")
    assert ours.stat().st_mode & 0o7777 == theirs == 0o666 & ~mask


def test_cli_saves_past_a_folder_named_config_old_and_says_so(tmp_path: Path, make_env):
    from fakes import fake_toolchain

    from rustconfig_gui.assets import demo_tree

    tc = fake_toolchain(tmp_path / "tc")
    build = tmp_path / "b"
    build.mkdir()
    (build / ".config").write_text("CONFIG_LOG_BUF_SHIFT=14\n")
    (build / ".config.old").mkdir()
    done = subprocess.run([sys.executable, "-m", "rustconfig_gui.cli", "olddefconfig", str(demo_tree()),
                           "-O", str(build), *(f"--make-var={k}={v}" for k, v in tc.make_vars)],
                          cwd=REPO, env=make_env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "CONFIG_LOG_BUF_SHIFT=14" in (build / ".config").read_text()
    assert done.stderr.splitlines() == [
        f"warning: {build / '.config.old'} is a folder; the previous version was not kept.",
        f"configuration written to {build / '.config'}"]
    assert sorted(os.listdir(build)) == [".config", ".config.old"]
