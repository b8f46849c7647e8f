"""The Qt-free session: every change one undoable command, one notification,
files and the modified state; on real trees, with the C conf as the oracle."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes import fake_toolchain

from devtools.cref import Build, CConf
from rustconfig_gui.assets import demo_tree
from rustconfig_gui.errors import ConfigFileError
from rustconfig_gui.explain import fix
from rustconfig_gui.kconfig import configfile
from rustconfig_gui.kconfig.loader import LoadedTree, load_tree
from rustconfig_gui.kconfig.tree import KernelTree
from rustconfig_gui.workspace import presets
from rustconfig_gui.workspace.session import Change, ChangeKind, LoadMode, Session


def body(text: str) -> list[str]:
    return configfile.strip_header(text)


@pytest.fixture()
def demo(tmp_path: Path, make_env: dict[str, str]) -> LoadedTree:
    tools = fake_toolchain(tmp_path / "tools")
    build = tmp_path / "build"
    lt = load_tree(KernelTree(demo_tree(), build=build, make_vars=tools.make_vars), base_env=make_env)
    lt.defconfig()
    return lt


@pytest.fixture(scope="module", params=["6.1", "6.12"])
def real(request: pytest.FixtureRequest, make_env: dict[str, str],
         tmp_path_factory: pytest.TempPathFactory) -> tuple[LoadedTree, CConf]:
    """A real tree (6.1: choices with a user mode; 6.12: the reworked choices) and its C conf."""
    src = request.getfixturevalue("tree_61" if request.param == "6.1" else "tree_612")
    lt = load_tree(KernelTree(src, arch="x86_64"), base_env=make_env)
    return lt, CConf(Build(src, arch="x86_64"), workdir=tmp_path_factory.mktemp(f"cconf-{request.param}"))


def test_scripted_edits_with_undo_and_redo_end_where_conf_does(real: tuple[LoadedTree, CConf], tmp_path: Path):
    lt, cc612 = real
    start = tmp_path / "defconfig"
    start.write_text(cc612.defconfig())
    s = Session(lt, target=tmp_path / "out" / ".config")
    s.load_config(start, LoadMode.START)
    texts = [lt.config_text()]
    sym = lt.sym

    def step(fn) -> None:  # noqa: ANN001
        fn()
        texts.append(lt.config_text())

    assert sym("NET") is not None
    step(lambda: s.set_value(sym("LOG_BUF_SHIFT"), "19"))
    step(lambda: s.set_value(sym("NET"), "n"))               # a whole subtree goes
    step(lambda: s.choose(sym("CC_OPTIMIZE_FOR_SIZE")))      # a choice member
    step(lambda: s.set_value(sym("EXT4_FS"), "m"))
    step(lambda: s.unset(sym("LOG_BUF_SHIFT")))
    assert len({tuple(body(t)) for t in texts}) == len(texts), "every step changed the configuration"
    # back step by step: exactly the configuration of each step before
    for i in range(len(texts) - 1, 0, -1):
        assert s.undo() is not None
        assert lt.config_text() == texts[i - 1]
    assert not s.can_undo or s.undo_label.startswith("Start from")
    for i in range(1, len(texts)):
        assert s.redo() is not None
        assert lt.config_text() == texts[i]
    # undo two, then a new edit drops what could be redone
    s.undo()
    s.undo()
    assert lt.config_text() == texts[-3]
    assert s.set_value(sym("NET"), "y")
    assert not s.can_redo
    s.undo()
    s.redo()
    final = lt.config_text()

    # the kernel's own conf, given the same final choices over the same start, writes the same file
    final_choices = tmp_path / "choices.config"
    final_choices.write_text("CONFIG_LOG_BUF_SHIFT=19\nCONFIG_NET=y\nCONFIG_CC_OPTIMIZE_FOR_SIZE=y\n"
                             "# CONFIG_CC_OPTIMIZE_FOR_PERFORMANCE is not set\n")
    merged = presets.merged_text(start.read_text(), [presets.Fragment.from_file(final_choices)])
    assert body(cc612.olddefconfig(merged)) == body(final)
    # and our engine, given them directly without any undo, too
    again = Session(lt)
    again.load_config(start, LoadMode.START)
    assert again.set_value(sym("LOG_BUF_SHIFT"), "19") and again.set_value(sym("NET"), "y")
    assert again.choose(sym("CC_OPTIMIZE_FOR_SIZE"))
    assert lt.config_text() == final


def test_every_change_is_announced_once_with_what_changed(demo: LoadedTree, tmp_path: Path):
    lt = demo
    seen: list[Change] = []
    s = Session()
    stop = s.subscribe(seen.append)
    s.set_tree(lt, source=None)
    assert [c.kind for c in seen] == [ChangeKind.TREE] and seen[0].everything and seen[0].affected() is None
    seen.clear()
    # a choice member set to y is chosen, and undone as one step
    before_choice = lt.config_text()
    assert s.set_value(lt.sym("CC_OPTIMIZE_FOR_SIZE"), "y")
    assert lt.ev.str_value(lt.sym("CC_OPTIMIZE_FOR_PERFORMANCE")) == "n" and seen[-1].kind is ChangeKind.EDIT
    s.undo()
    assert lt.config_text() == before_choice
    seen.clear()
    shift = lt.sym("LOG_BUF_SHIFT")
    assert s.set_value(shift, "15")
    [c] = seen
    assert c.kind is ChangeKind.EDIT and c.inputs == {shift} and not c.everything
    assert shift in c.affected() and c.command is not None and c.command.label == "change LOG_BUF_SHIFT"
    # a refused value changes nothing and says nothing
    assert not s.set_value(shift, "not a number")
    assert len(seen) == 1
    # MODULES reaches the tristates that depend on it
    modules = lt.sym("MODULES")
    assert s.set_value(modules, "n")
    assert modules in seen[-1].inputs and lt.sym("MODULE_UNLOAD") in seen[-1].affected()
    s.undo()
    assert seen[-1].kind is ChangeKind.UNDO and modules in seen[-1].inputs
    assert lt.ev.str_value(modules) == "y"
    s.redo()
    assert seen[-1].kind is ChangeKind.REDO and lt.ev.str_value(modules) == "n"
    out = tmp_path / "saved.config"
    s.save(out, adopt=True)
    assert seen[-1].kind is ChangeKind.FILES and not seen[-1].values
    stop()
    s.undo()
    assert seen[-1].kind is ChangeKind.FILES


def test_plan_and_presets_are_one_step_each(demo: LoadedTree):
    lt = demo
    s = Session(lt)
    rust = lt.sym("RUST")
    before = lt.config_text()
    target = fix.make_target(lt, rust, "y")
    plan = next(p for p in fix.plan_fix(lt, target).plans if p.verified and not p.outside_steps)
    report = s.apply_plan(plan, target)
    assert report.reached and lt.ev.str_value(rust) == "y" and s.undo_label == "Make RUST=y available"
    planned = lt.config_text()
    report2 = s.apply_fragments(presets.find_presets("rust-samples", lt))
    assert report2.ok, report2.text()
    assert s.undo_label.startswith("Apply ") and lt.ev.str_value(lt.sym("SAMPLES_RUST")) == "y"
    s.undo()
    assert lt.config_text() == planned
    s.undo()
    assert lt.config_text() == before and lt.ev.str_value(rust) == "n"
    assert s.redo().report is report


def test_modified_follows_the_saved_state(demo: LoadedTree, tmp_path: Path):
    lt = demo
    target = tmp_path / "build" / ".config"
    s = Session(lt, target=target)
    assert not s.modified and s.target == target
    assert s.set_value(lt.sym("LOG_BUF_SHIFT"), "15")
    assert s.modified
    first = s.save()
    assert first.written and first.old_kept is None and not s.modified
    assert s.set_value(lt.sym("LOG_BUF_SHIFT"), "16")
    assert s.modified
    s.undo()
    assert not s.modified  # back to what is on disk
    s.redo()
    state = s.state_id
    text = s.config_text()
    # an edit while the text was being written: that edit is not saved
    assert s.set_value(lt.sym("LOG_BUF_SHIFT"), "17")
    configfile.write_atomic(target, text)
    s.mark_saved(target, state)
    assert s.modified
    second = s.save()
    assert second.old_kept == target.parent / ".config.old" and second.old_kept.is_file()
    assert not s.save().written  # no change
    s.set_modified(True)
    assert s.modified


def test_open_and_start_from_choose_the_save_target(demo: LoadedTree, tmp_path: Path):
    lt = demo
    build_config = lt.tree.config_path
    s = Session(lt, source=None)
    copy = tmp_path / "distro.config"
    copy.write_text(lt.config_text().replace("CONFIG_LOG_BUF_SHIFT=18", "CONFIG_LOG_BUF_SHIFT=14"))
    assert "CONFIG_LOG_BUF_SHIFT=14" in copy.read_text()

    s.load_config(copy, LoadMode.START)
    assert s.source == copy and s.target == build_config
    assert lt.ev.str_value(lt.sym("LOG_BUF_SHIFT")) == "14"
    result = s.save()
    assert result.path == build_config and "CONFIG_LOG_BUF_SHIFT=14" in build_config.read_text()
    assert not (tmp_path / "distro.config.old").exists()

    s.load_config(copy, "open")
    assert s.target == copy
    s.set_value(lt.sym("LOG_BUF_SHIFT"), "20")
    assert s.save().path == copy and "CONFIG_LOG_BUF_SHIFT=20" in copy.read_text()
    # undo of Open goes back to saving where it did before
    s.undo()
    s.undo()
    assert s.target == build_config and s.source == copy
    # Revert reads the file the values came from again (saved with 20 above), as a step of its own
    s.set_value(lt.sym("LOG_BUF_SHIFT"), "12")
    s.revert()
    assert lt.ev.str_value(lt.sym("LOG_BUF_SHIFT")) == "20" and s.undo_label.startswith("Revert")
    s.undo()
    assert lt.ev.str_value(lt.sym("LOG_BUF_SHIFT")) == "12"
    # a file that cannot be read changes nothing
    with pytest.raises(ConfigFileError):
        s.load_config(tmp_path / "missing.config")
    assert lt.ev.str_value(lt.sym("LOG_BUF_SHIFT")) == "12" and s.target == build_config
    s.clear()
    assert lt.ev.str_value(lt.sym("LOG_BUF_SHIFT")) == "17" and s.source is None
    s.undo()
    assert lt.ev.str_value(lt.sym("LOG_BUF_SHIFT")) == "12"


def test_reload_keeps_values_and_history(demo: LoadedTree, make_env: dict[str, str]):
    lt = demo
    s = Session(lt)
    seen: list[Change] = []
    s.subscribe(seen.append)
    assert s.set_value(lt.sym("LOG_BUF_SHIFT"), "15")
    assert s.choose(lt.sym("CC_OPTIMIZE_FOR_SIZE"))
    text = lt.config_text()
    new = load_tree(lt.tree, base_env=make_env)
    configfile.read_config_text(new.ev, text, "(current configuration)")
    s.reload(new)
    assert seen[-1].everything and s.lt is new and new.config_text() == text
    assert s.undo_label == "Reload keeping values"
    s.undo()
    assert new.config_text() == text
    s.undo()
    assert new.ev.str_value(new.sym("CC_OPTIMIZE_FOR_SIZE")) == "n"
    s.undo()
    assert new.ev.str_value(new.sym("LOG_BUF_SHIFT")) == "18"
    s.redo()
    s.redo()
    assert new.config_text() == text


def test_history_keeps_a_bounded_number_of_steps_oldest_dropped_first(demo: LoadedTree, tmp_path: Path):
    lt = demo
    s = Session(lt, target=tmp_path / "build" / ".config")
    s.history.max_steps = 3
    shift = lt.sym("LOG_BUF_SHIFT")
    texts = [lt.config_text()]
    for value in ("13", "14", "15", "16", "17"):
        assert s.set_value(shift, value)
        texts.append(lt.config_text())
    h = s.history
    assert len(h.commands) == 3 and h.dropped == 2 and h.pos == 3
    assert [c.label for c in h.commands] == ["change LOG_BUF_SHIFT"] * 3
    assert s.modified
    # undo goes back three steps, to the state after the second edit, and no further
    for i in range(3):
        assert s.can_undo
        s.undo()
        assert lt.config_text() == texts[4 - i]
    assert not s.can_undo and s.undo() is None and lt.config_text() == texts[2]
    # the file's values were dropped with the oldest steps: still modified
    assert s.modified
    # redo all the way, and a new step cuts nothing it should not
    while s.can_redo:
        s.redo()
    assert lt.config_text() == texts[5]
    s.save()
    assert not s.modified
    assert s.set_value(shift, "18")
    s.undo()
    assert not s.modified and lt.config_text() == texts[5]


def test_saved_state_at_the_new_start_of_the_history_is_still_reached(demo: LoadedTree, tmp_path: Path):
    lt = demo
    s = Session(lt, target=tmp_path / "build" / ".config")
    s.history.max_steps = 2
    shift = lt.sym("LOG_BUF_SHIFT")
    assert s.set_value(shift, "13")
    s.save()
    saved = lt.config_text()
    assert s.set_value(shift, "14") and s.set_value(shift, "15")
    # the saved state is where the kept steps start: undoing both reaches it
    assert s.history.dropped == 1 and s.modified
    s.undo()
    s.undo()
    assert not s.can_undo and lt.config_text() == saved and not s.modified


def test_history_is_bounded_in_entries_and_keeps_reports_for_the_newest_steps(demo: LoadedTree):
    lt = demo
    s = Session(lt)
    h = s.history
    rust = lt.sym("RUST")
    target = fix.make_target(lt, rust, "y")
    plan = next(p for p in fix.plan_fix(lt, target).plans if p.verified and not p.outside_steps)
    h.keep_reports = 2
    reports = []
    for _ in range(3):
        reports.append(s.apply_plan(plan, target))
        s.undo()
        s.redo()
    # only the newest two steps keep what they reported (a copy of all user input each)
    assert [c.report is not None for c in h.commands] == [False, True, True]
    assert h.commands[-1].report is reports[-1]
    assert h.commands[-1].size > h.commands[0].size >= h.commands[0].delta.size > 0
    # a bound in entries: the oldest steps go until the rest fit; the newest always stays
    h.max_entries = h.commands[-1].size
    assert s.set_value(lt.sym("LOG_BUF_SHIFT"), "13")
    assert len(h.commands) == 1 and h.commands[0].label == "change LOG_BUF_SHIFT" and h.size <= h.max_entries
    h.max_entries = 0
    assert s.set_value(lt.sym("LOG_BUF_SHIFT"), "14")
    assert len(h.commands) == 1 and s.can_undo
    s.undo()
    assert lt.ev.str_value(lt.sym("LOG_BUF_SHIFT")) == "13" and not s.can_undo


def test_history_bound_on_a_distribution_config(tree_72: Path, make_env: dict[str, str], tmp_path: Path):
    """Debian's 7.2 configuration read, cleared and read again (~10,000 entries each step),
    with edits between: the history stays within its bound in entries, and undo walks back
    through the states it kept, exactly."""
    from devtools.trees import ensure_distro_config

    lt = load_tree(KernelTree(tree_72, build=tmp_path / "build", arch="x86_64"), base_env=make_env)
    lt.defconfig()
    s = Session(lt)
    h = s.history
    h.max_entries = 30_000
    distro = ensure_distro_config("7.2")
    shift = lt.sym("LOG_BUF_SHIFT")
    texts = [lt.config_text()]
    steps = [lambda: s.load_config(distro, LoadMode.START), lambda: s.set_value(shift, "14"), s.clear,
             lambda: s.load_config(distro, LoadMode.START), lambda: s.set_value(shift, "15"), s.clear,
             lambda: s.load_config(distro, LoadMode.START)]
    for step in steps:
        step()
        texts.append(lt.config_text())
        assert h.size <= h.max_entries or len(h.commands) == 1
    assert h.commands[-1].size > 5_000  # thousands of values differ from Kconfig's defaults
    assert h.dropped >= 1 and len(h.commands) + h.dropped == len(steps)
    for i in range(len(steps) - 1, h.dropped - 1, -1):
        s.undo()
        assert lt.config_text() == texts[i]
    assert not s.can_undo
