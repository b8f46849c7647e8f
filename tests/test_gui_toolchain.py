"""The probe worker and Toolchain panel with real make, real scripts, fake tools."""

from __future__ import annotations

import os
import time
from pathlib import Path

from fakes import fake_toolchain, write_script

from rustconfig_gui.assets import demo_tree
from rustconfig_gui.gui.mainwindow import MainWindow
from rustconfig_gui.gui.panels.toolchain import ProbeRunner
from rustconfig_gui.kconfig.tree import KernelTree
from rustconfig_gui.toolchain.rustavailable import ProbeRequest


def demo(tmp_path: Path, **kw) -> KernelTree:
    return KernelTree(demo_tree(), build=tmp_path / "build", **kw)


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_runner_streams_lines_in_order(qtbot, tmp_path: Path):
    tools = fake_toolchain(tmp_path / "t", rustc_version="1.63.0")
    runner = ProbeRunner()
    lines: list[tuple[str, str]] = []
    results = []
    runner.line.connect(lambda s, t: lines.append((s, t)))
    runner.finished.connect(results.append)
    req = ProbeRequest(demo(tmp_path, make_vars=tools.make_vars))
    with qtbot.waitSignals([runner.started, runner.finished], order="strict", timeout=60_000):
        assert runner.probe(req)
    stderr = [t for s, t in lines if s == "stderr"]
    # the script's lines arrive live, in the order it printed them
    first = next(i for i, t in enumerate(stderr) if "is too old" in t)
    assert "Your version" in stderr[first + 1] and "1.63.0" in stderr[first + 1]
    assert "Minimum version" in stderr[first + 2]
    result = results[0]
    assert result.lines == lines
    assert not result.available and not runner.busy


def test_second_probe_is_refused_and_cancel_kills_the_group(qtbot, tmp_path: Path):
    pidfile = tmp_path / "pid"
    hang = write_script(tmp_path / "rustc", f'#!/bin/sh\necho $$ > "{pidfile}"\nexec sleep 600\n')
    tools = fake_toolchain(tmp_path / "t")
    runner = ProbeRunner()
    req = ProbeRequest(demo(tmp_path, make_vars=(("RUSTC", str(hang)), ("BINDGEN", str(tools.bindgen)))))
    assert runner.probe(req)
    assert not runner.probe(req)  # never doubled
    qtbot.waitUntil(pidfile.exists, timeout=30_000)
    t0 = time.monotonic()
    with qtbot.waitSignal(runner.finished, timeout=10_000) as sig:
        runner.cancel()
    assert time.monotonic() - t0 < 2.0
    assert sig.args[0].cancelled
    qtbot.waitUntil(lambda: _gone(int(pidfile.read_text())), timeout=2_000)


def test_timeout_fires(qtbot, tmp_path: Path):
    hang = write_script(tmp_path / "rustc", "#!/bin/sh\nexec sleep 600\n")
    runner = ProbeRunner()
    req = ProbeRequest(demo(tmp_path, make_vars=(("RUSTC", str(hang)),)), timeout=2)
    with qtbot.waitSignal(runner.finished, timeout=30_000) as sig:
        runner.probe(req)
    assert sig.args[0].timed_out and not sig.args[0].available


def test_not_a_tree_is_one_sentence(qtbot, tmp_path: Path):
    runner = ProbeRunner()
    with qtbot.waitSignal(runner.failed, timeout=30_000) as sig:
        runner.probe(ProbeRequest(KernelTree(tmp_path)))
    assert "is not a Linux kernel source tree" in sig.args[0]


def test_passing_probe_then_reload_shows_rust_support(qtbot, window: MainWindow, tmp_path: Path):
    old = fake_toolchain(tmp_path / "old", bindgen_version="0.60.1")
    good = fake_toolchain(tmp_path / "good")
    tree = demo(tmp_path, make_vars=old.make_vars)
    with qtbot.waitSignal(window.treeLoaded, timeout=120_000):
        window.open_tree(tree, prefer_defconfig=True)
    lt = window.lt
    assert lt.ev.str_value(lt.sym("RUST_IS_AVAILABLE")) == "n"
    assert window.model.set_symbol_value(lt.sym("MODVERSIONS"), 0)
    assert not lt.ev.visibility(lt.sym("RUST"))
    panel = window.toolchain
    window.show_toolchain(run=False)
    panel.bindgen.setText(str(good.bindgen))
    panel.rustc.setText(str(good.rustc))
    with qtbot.waitSignal(panel.runner.finished, timeout=60_000) as sig:
        assert panel.run_check()
    assert sig.args[0].available
    assert panel.reload_button.isEnabled()
    assert panel.findings.toPlainText().count("Rust is available") == 1
    with qtbot.waitSignal(window.treeLoaded, timeout=120_000):
        panel.reload_button.click()
    lt = window.lt
    assert lt.ev.str_value(lt.sym("RUST_IS_AVAILABLE")) == "y"
    assert lt.ev.str_value(lt.sym("MODVERSIONS")) == "n"  # the edit survived the reload
    assert lt.ev.visibility(lt.sym("RUST"))
    node = next(n for n in lt.sym("RUST").nodes if n.prompt)
    assert window.model.index_for_node(node).isValid()  # "Rust support" is in the tree now


def test_why_links_to_the_latest_findings(qtbot, window: MainWindow, tmp_path: Path):
    old = fake_toolchain(tmp_path / "old", rustc_version="1.63.0")
    with qtbot.waitSignal(window.treeLoaded, timeout=120_000):
        window.open_tree(demo(tmp_path, make_vars=old.make_vars), prefer_defconfig=True)
    assert window.select_symbol("RUST_IS_AVAILABLE")
    with qtbot.waitSignal(window.toolchain.runner.finished, timeout=60_000):
        window.show_toolchain()
    text = window.info.toPlainText()
    assert "Latest toolchain check" in text and "too old" in text


def test_tool_path_the_build_would_run_through_a_shell_is_refused(qtbot, window: MainWindow, tmp_path: Path):
    with qtbot.waitSignal(window.treeLoaded, timeout=120_000):
        window.open_tree(demo(tmp_path), prefer_defconfig=True)
    window.toolchain.rustc.setText("/opt/rust;touch /tmp/owned/rustc")
    assert not window.toolchain.run_check()
    assert "through the shell unquoted" in window.toolchain.findings.toPlainText()
    assert not window.toolchain.runner.busy
