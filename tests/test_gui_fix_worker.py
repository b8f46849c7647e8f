"""The "Make available…" dialog plans on a worker: on a snapshot of the configuration
taken when asked, never on the window's evaluator; answers for an older state are
dropped; a hidden dialog or a closed window leaves no thread.  On the demo tree (its
own real make and scripts) with stand-in rustc/bindgen scripts (tests/fakes.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes import Toolchain, fake_toolchain
from test_jobs import running_threads

from rustconfig_gui.assets import demo_tree
from rustconfig_gui.errors import LoadCancelled
from rustconfig_gui.explain import fix
from rustconfig_gui.gui.dialogs.fix import FixDialog
from rustconfig_gui.gui.dialogs.fix_planner import FixPlanner, PlanRequest, plan_work, planning_copy
from rustconfig_gui.kconfig.loader import LoadedTree, load_tree
from rustconfig_gui.kconfig.tree import KernelTree
from rustconfig_gui.workspace.session import Session

LOAD_TIMEOUT = 120_000


@pytest.fixture(scope="module")
def tools(tmp_path_factory: pytest.TempPathFactory) -> Toolchain:
    return fake_toolchain(tmp_path_factory.mktemp("rust-tools"))


def demo(tmp_path: Path, tools: Toolchain) -> KernelTree:
    return KernelTree(demo_tree(), build=tmp_path / "demo-build", make_vars=tools.make_vars)


@pytest.fixture()
def working(tmp_path: Path, tools: Toolchain) -> LoadedTree:
    lt = load_tree(demo(tmp_path, tools))
    lt.defconfig()
    return lt


def shorts(result: fix.FixResult) -> list[list[str]]:
    return [[s.short for s in p.steps] for p in result.plans]


def test_the_worker_plans_the_state_it_was_given_while_the_gui_thread_edits(qtbot, working: LoadedTree):
    lt = working
    rust, modv = lt.sym("RUST"), lt.sym("MODVERSIONS")
    target = fix.make_target(lt, rust, "y")
    expected = fix.plan_fix(lt, target)  # on the GUI thread, from MODVERSIONS=y
    assert lt.ev.str_value(modv) == "y" and any("MODVERSIONS=n" in p for p in map(str, shorts(expected)))
    planner = FixPlanner(lt)
    answers = []
    planner.planned.connect(answers.append)
    # the window's values change as soon as the worker has started, from the state taken then
    planner.started.connect(lambda _gen: lt.ev.set_value(modv, 0))
    gen = planner.request(target, None)
    assert planner.busy and lt.ev.str_value(modv) == "y"  # it starts a moment later
    qtbot.waitUntil(lambda: not planner.busy, timeout=60_000)
    [answer] = answers
    assert answer.generation == gen and shorts(answer.result) == shorts(expected)
    assert answer.result.value == "n" and not answer.result.already
    # the worker never touched the window's evaluator
    assert lt.ev.str_value(modv) == "n" and lt.ev.user[modv] == 0 and not lt.ev.assumed
    assert not running_threads()


def test_an_answer_for_an_older_state_is_dropped(qtbot, working: LoadedTree):
    lt = working
    modv, rust = lt.sym("MODVERSIONS"), lt.sym("RUST")
    target = fix.make_target(lt, rust, "y")
    planner = FixPlanner(lt)
    answers = []
    planner.planned.connect(answers.append)
    started: list[int] = []
    asked: list[int] = []

    def edit_while_planning(gen: int) -> None:
        # the worker runs the first plan now; its answer can only arrive after this
        started.append(gen)
        if len(started) == 1:
            assert lt.ev.set_value(modv, 0)
            asked.append(planner.request(target, None))
    planner.started.connect(edit_while_planning)
    first = planner.request(target, None)
    qtbot.waitUntil(lambda: bool(asked) and not planner.busy, timeout=60_000)
    [second] = asked
    assert second > first
    # one answer, for the newest state: with MODVERSIONS=n no plan sets it
    assert started == [first, second] and [a.generation for a in answers] == [second]
    assert not any("MODVERSIONS=n" in s for p in shorts(answers[0].result) for s in p)
    assert shorts(answers[0].result) == shorts(fix.plan_fix(lt, target))


def test_a_cancelled_plan_stops_at_its_next_trial_step(working: LoadedTree):
    lt = working
    target = fix.make_target(lt, lt.sym("RUST"), "y")
    twin = planning_copy(lt)
    assert twin.ev is not lt.ev and twin.kconf is lt.kconf
    req = PlanRequest(1, target, lt.ev.snapshot(), {}, None)
    calls = [0]

    def stopped() -> bool:
        calls[0] += 1
        return calls[0] > 1  # not before planning has begun

    with pytest.raises(LoadCancelled):
        plan_work(twin, req)(lambda _v: None, stopped)
    # and the next request on the same copy plans from its own state again
    answer = plan_work(twin, PlanRequest(2, target, lt.ev.snapshot(), {}, None))(lambda _v: None, lambda: False)
    assert shorts(answer.result) == shorts(fix.plan_fix(lt, target))


def test_stop_drops_the_answer_and_joins(qtbot, working: LoadedTree):
    lt = working
    planner = FixPlanner(lt, delay_ms=0)
    answers = []
    planner.planned.connect(answers.append)
    def stop_once(_gen: int) -> None:
        planner.started.disconnect(stop_once)
        planner.stop()
    planner.started.connect(stop_once)
    planner.request(fix.make_target(lt, lt.sym("RUST"), "y"), None)
    qtbot.waitUntil(lambda: not planner.busy, timeout=60_000)
    assert not planner.busy and not running_threads()
    qtbot.wait(50)  # anything still queued from the stopped worker is delivered by now
    assert answers == []
    # usable again afterwards
    planner.request(fix.make_target(lt, lt.sym("RUST"), "y"), None)
    qtbot.waitUntil(lambda: bool(answers), timeout=60_000)
    assert not running_threads()


def test_dialog_shows_no_plan_of_before_while_it_plans_again(qtbot, working: LoadedTree):
    lt = working
    session = Session(lt)
    dlg = FixDialog(None, lt, fix.make_target(lt, lt.sym("RUST"), "y"),
                    apply=lambda plan, target: session.apply_plan(plan, target))
    qtbot.addWidget(dlg)
    dlg.show()
    assert dlg.planning and "Planning…" in dlg.summary.text() and not dlg.apply_button.isEnabled()
    qtbot.waitUntil(lambda: not dlg.planning, timeout=60_000)
    assert dlg.apply_button.isEnabled() and dlg.plans.isEnabled() and "MODVERSIONS=n" in dlg.plans.item(0).text()
    session.set_value(lt.sym("MODVERSIONS"), 0)
    dlg.replan()
    # the heading says the value now; the plans of before are greyed out, Apply is off
    assert dlg.planning and "Planning again" in dlg.summary.text()
    assert not dlg.plans.isEnabled() and not dlg.details.isEnabled() and not dlg.apply_button.isEnabled()
    assert dlg.apply_selected() is None and len(session.history.commands) == 1
    with qtbot.waitSignal(dlg.planned, timeout=60_000) as sig:
        pass
    # the demo's RUST follows MODVERSIONS=n by default
    assert sig.args[0] is dlg.fix_result and dlg.fix_result.already and dlg.plans.isEnabled()
    assert "Nothing to do" in dlg.details.toPlainText() and "now <code>y</code>" in dlg.heading.text()
    # hidden while planning: the worker stops; shown again: it plans again
    dlg.replan()
    dlg.hide()
    assert not dlg.planning and not running_threads()
    dlg.show()
    assert dlg.planning
    qtbot.waitUntil(lambda: not dlg.planning, timeout=60_000)
    dlg.close()
    assert not running_threads()


def test_window_edit_with_the_dialog_open_and_closing_the_window(qtbot, window, tmp_path: Path, tools: Toolchain):
    with qtbot.waitSignal(window.treeLoaded, timeout=LOAD_TIMEOUT):
        assert window.open_tree(demo(tmp_path, tools), prefer_defconfig=True)
    lt = window.lt
    ctl = window.fix_ui
    dlg = ctl.open_for_rust()
    qtbot.waitUntil(lambda: not dlg.planning, timeout=60_000)
    first = dlg.fix_result
    assert first is not None and "MODVERSIONS=n" in dlg.plans.item(0).text()
    # an edit in the tree (the session's notification): the dialog plans again at once
    assert window.model.set_symbol_value(lt.sym("MODVERSIONS"), 0) is not False
    assert dlg.planning and not dlg.apply_button.isEnabled() and dlg.state_id == window.session.state_id
    qtbot.waitUntil(lambda: not dlg.planning, timeout=60_000)
    assert dlg.fix_result is not first and dlg.fix_result.already and dlg.plans.count() == 0
    # the window's own deferred call after the edit plans nothing more for the same state
    qtbot.wait(50)
    assert not dlg.planning
    # undo: planned again for the state it brings back
    window.act_undo.trigger()
    assert dlg.planning
    qtbot.waitUntil(lambda: not dlg.planning, timeout=60_000)
    assert "MODVERSIONS=n" in dlg.plans.item(0).text()
    # closing the window while a plan runs stops and joins it (the search index, which the
    # window starts a moment after a load, is built by now)
    qtbot.waitUntil(lambda: window.index is not None and not window.indexer.busy, timeout=60_000)
    window.act_redo.trigger()
    assert dlg.planning
    window.modified = False
    window.close()
    assert not dlg.planning and not dlg.planner.runner.busy and not running_threads()
