"""Build settings that stay: the Open dialog's make variables, rustconfig-gui's options, recent trees
that keep them across a restart, and the "Build with" bar and save warning."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from fakes import fake_toolchain
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox

from rustconfig_gui.assets import demo_tree
from rustconfig_gui.gui.app import build_parser
from rustconfig_gui.gui.dialogs.open_tree import OpenTreeDialog, parse_make_vars, tree_from_dict, tree_to_dict
from rustconfig_gui.gui.mainwindow import MainWindow
from rustconfig_gui.kconfig.tree import KernelTree


def test_open_dialog_fields_round_trip(qtbot, tmp_path: Path):
    tree = KernelTree(demo_tree(), build=tmp_path / "o", arch="x86_64", llvm=True, cross_compile="x86_64-linux-gnu-",
                      make_vars=(("RUSTC", "/opt/rust/bin/rustc"), ("LIBCLANG_PATH", "/usr/lib/llvm-18/lib"),
                                 ("CC", "clang-18"), ("KCFLAGS", "-O2 -g")))
    dlg = OpenTreeDialog(None, tree)
    qtbot.addWidget(dlg)
    dlg.show()
    assert dlg.tools["RUSTC"].text() == "/opt/rust/bin/rustc" and dlg.cross_compile.text() == "x86_64-linux-gnu-"
    assert dlg.other.text() == "CC=clang-18 'KCFLAGS=-O2 -g'"
    got = dlg.tree()
    assert got == tree
    # typed by keyboard: a new BINDGEN, a variable without a value is refused in one sentence, nothing lost
    dlg.tools["BINDGEN"].setFocus()
    qtbot.keyClicks(dlg.tools["BINDGEN"], "/home/u/.cargo/bin/bindgen")
    dlg.other.setText("CC=clang-18 HOSTCC")
    dlg.accept()
    assert dlg.result() == 0 and dlg.error.isVisible() and "'HOSTCC' is not a make variable" in dlg.error.text()
    assert dlg.other.text() == "CC=clang-18 HOSTCC"
    dlg.other.setText("CC=clang-18")
    dlg.accept()
    assert dlg.result() == 1
    assert dict(dlg.tree().make_vars)["BINDGEN"] == "/home/u/.cargo/bin/bindgen"
    assert tree_from_dict(tree_to_dict(dlg.tree())) == dlg.tree()
    assert parse_make_vars("A=1 'B=x y'") == (("A", "1"), ("B", "x y"))


def test_gui_options():
    args = build_parser().parse_args(["/src/linux", "--make-var", "RUSTC=/x/rustc", "--make-var", "LLVM=-18",
                                      "--cross-compile", "aarch64-linux-gnu-", "--arch", "arm64"])
    assert args.make_vars == [("RUSTC", "/x/rustc"), ("LLVM", "-18")] and args.cross_compile == "aarch64-linux-gnu-"


def test_overrides_survive_a_restart_and_the_build_command_is_shown(qtbot, tmp_path: Path, monkeypatch):
    # the tools a plain make finds on PATH: a bindgen the demo tree refuses
    plain = fake_toolchain(tmp_path / "plain", bindgen_version="0.60.1")
    monkeypatch.setenv("PATH", f"{plain.rustc.parent}:{os.environ['PATH']}")
    src = tmp_path / "linux"
    shutil.copytree(demo_tree(), src)
    old = fake_toolchain(tmp_path / "old", bindgen_version="0.60.1")
    good = fake_toolchain(tmp_path / "good")
    settings = tmp_path / "settings.ini"
    w = MainWindow(QSettings(str(settings), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    w.show()
    with qtbot.waitSignal(w.treeLoaded, timeout=120_000):
        w.open_tree(KernelTree(src, build=tmp_path / "build", make_vars=old.make_vars), prefer_defconfig=True)
    assert w.lt.ev.str_value(w.lt.sym("RUST_IS_AVAILABLE")) == "n"
    # typed into the Toolchain panel, then Reload: the tree is loaded (and remembered) with them
    panel = w.toolchain
    w.show_toolchain(run=False)
    panel.bindgen.setText(str(good.bindgen))
    with qtbot.waitSignal(panel.runner.finished, timeout=60_000) as sig:
        panel.check_button.click()
    assert sig.args[0].available and panel.reload_button.isEnabled()
    with qtbot.waitSignal(w.treeLoaded, timeout=120_000):
        panel.reload_button.click()
    lt = w.lt
    assert lt.ev.str_value(lt.sym("RUST_IS_AVAILABLE")) == "y"
    assert w.model.set_symbol_value(lt.sym("MODVERSIONS"), 0)
    assert w.model.set_symbol_value(lt.sym("RUST"), 2)
    assert lt.ev.str_value(lt.sym("RUST")) == "y"
    bar = w.build_with
    # the plain make's own check runs once per load, in a worker
    qtbot.waitUntil(lambda: bar.plain_available is not None, timeout=60_000)
    assert bar.plain_available is False
    assert bar.isVisible() and f"BINDGEN={good.bindgen}" in bar.command and bar.command.startswith(f"make -C {src}")
    assert "a plain make would drop it" in bar.label.text().replace("<code>", "").replace("</code>", "")
    assert "A plain make would drop it." in w.build_with.warning()
    bar.copy_button.click()
    assert QGuiApplication.clipboard().text() == bar.command
    # the save question says it too
    seen: list[str] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        seen.append(box.informativeText())
        box.button(QMessageBox.StandardButton.Cancel).click()

    QTimer.singleShot(0, answer)
    assert not w.maybe_save()
    assert seen and "A plain make would drop it." in seen[0] and bar.command in seen[0]
    w.modified = False
    w.close()

    # a new window with the same settings: the recent tree still carries BINDGEN and RUSTC
    w2 = MainWindow(QSettings(str(settings), QSettings.Format.IniFormat))
    qtbot.addWidget(w2)
    w2.show()
    recent = w2.recent_trees()[0]
    tree = tree_from_dict(recent)
    assert dict(tree.make_vars) == {"RUSTC": str(old.rustc), "BINDGEN": str(good.bindgen)}
    action = w2.recent_menu.actions()[0]
    assert f"BINDGEN={good.bindgen}" in action.text()
    with qtbot.waitSignal(w2.treeLoaded, timeout=120_000):
        action.trigger()
    assert w2.lt.tree.make_vars == tree.make_vars
    assert w2.lt.ev.str_value(w2.lt.sym("RUST_IS_AVAILABLE")) == "y"
    qtbot.waitUntil(lambda: not any(r.busy for r in (w2.loader, w2.parse_writer, w2.retirer, w2.indexer)),
                    timeout=120_000)
    w2.modified = False
    w2.close()


def test_build_with_does_not_claim_a_drop_when_plain_make_works(qtbot, window: MainWindow, tmp_path: Path,
                                                                 monkeypatch):
    good = fake_toolchain(tmp_path / "good")
    monkeypatch.setenv("PATH", f"{good.rustc.parent}:{os.environ['PATH']}")
    other = fake_toolchain(tmp_path / "other")
    with qtbot.waitSignal(window.treeLoaded, timeout=120_000):
        window.open_tree(KernelTree(demo_tree(), build=tmp_path / "b", make_vars=other.make_vars),
                         prefer_defconfig=True)
    lt = window.lt
    assert window.model.set_symbol_value(lt.sym("MODVERSIONS"), 0)
    assert window.model.set_symbol_value(lt.sym("RUST"), 2)
    bar = window.build_with
    qtbot.waitUntil(lambda: bar.plain_available is not None, timeout=60_000)
    assert bar.plain_available is True and bar.isVisible()
    assert "would drop" not in bar.label.text() and "this configuration was made with" in bar.label.text()
    assert "A plain make would drop it." not in bar.warning() and bar.command in bar.warning()


def test_file_open_shows_the_open_dialog_from_the_window(qtbot, window):
    """The Open dialog is imported when File → Open kernel tree… first opens it (Ctrl+O)."""
    seen: list[str] = []

    def answer() -> None:
        dlg = QApplication.activeModalWidget()
        if dlg is None:
            QTimer.singleShot(20, answer)
            return
        seen.append(type(dlg).__name__)
        dlg.reject()

    QTimer.singleShot(0, answer)
    window.activateWindow()
    window.act_open.trigger()
    assert seen == ["OpenTreeDialog"]
    assert not window.loader.busy  # cancelled: nothing is opened
