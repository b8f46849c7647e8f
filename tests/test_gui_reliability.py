"""No lost edits: the config changed on disk, an unexpected error, a later restore."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMessageBox

from rustconfig_gui.assets import demo_tree
from rustconfig_gui.kconfig.tree import KernelTree
from rustconfig_gui.workspace.recovery import read_recovery, recovery_path

LOAD = 120_000


def _open(qtbot, w, tree: KernelTree, **kw) -> None:
    with qtbot.waitSignal(w.treeLoaded, timeout=LOAD):
        assert w.open_tree(tree, **kw)


def _button(box: QMessageBox, text: str):
    return next(b for b in box.buttons() if b.text().replace("&", "") == text)


def test_config_changed_on_disk_asks_before_overwriting(qtbot, window, tmp_path: Path):
    build = tmp_path / "b"
    tree = KernelTree(demo_tree(), build=build)
    _open(qtbot, window, tree, prefer_defconfig=True)
    assert window.save()                       # .config now exists and is ours
    lt = window.lt
    assert window.model.set_symbol_value(lt.sym("LOG_BUF_SHIFT"), "16")
    other = (build / ".config").read_text().replace("CONFIG_SYSVIPC=y", "# CONFIG_SYSVIPC is not set")
    (build / ".config").write_text(other)      # another menuconfig ran meanwhile
    assert not window.save()
    box = window.findChild(QMessageBox, "ChangedOnDisk")
    assert box is not None and box.isVisible()
    _button(box, "Overwrite").click()
    text = (build / ".config").read_text()
    assert "CONFIG_LOG_BUF_SHIFT=16" in text
    assert (build / ".config.old").read_text() == other
    assert not window.modified


def test_reload_from_disk_drops_local_changes(qtbot, window, tmp_path: Path):
    build = tmp_path / "b"
    _open(qtbot, window, KernelTree(demo_tree(), build=build), prefer_defconfig=True)
    assert window.save()
    assert window.model.set_symbol_value(window.lt.sym("LOG_BUF_SHIFT"), "16")
    (build / ".config").write_text((build / ".config").read_text().replace("CONFIG_LOG_BUF_SHIFT=18",
                                                                            "CONFIG_LOG_BUF_SHIFT=20"))
    assert not window.save()
    _button(window.findChild(QMessageBox, "ChangedOnDisk"), "Reload").click()
    assert window.lt.ev.str_value(window.lt.sym("LOG_BUF_SHIFT")) == "20"
    assert not window.modified


def test_unexpected_error_keeps_edits_and_offers_them_back(qtbot, window, tmp_path: Path):
    tree = KernelTree(demo_tree(), build=tmp_path / "b")
    _open(qtbot, window, tree, prefer_defconfig=True)
    assert window.model.set_symbol_value(window.lt.sym("LOG_BUF_SHIFT"), "21")
    try:
        raise RuntimeError("something broke")
    except RuntimeError as e:
        window.on_unhandled_exception(type(e), e, e.__traceback__)
    box = window.findChild(QMessageBox, "UnexpectedError")
    assert box is not None and box.isVisible()
    assert "something broke" in box.text() and "Traceback" in box.detailedText()
    assert recovery_path(tree).is_file()
    assert "CONFIG_LOG_BUF_SHIFT=21" in read_recovery(tree).text
    box.close()

    # the next start on the same tree offers the edits back
    window.modified = False
    _open(qtbot, window, tree, prefer_defconfig=True)
    assert window.recovery_bar.isVisible()
    assert window.lt.ev.str_value(window.lt.sym("LOG_BUF_SHIFT")) == "18"
    window.recovery_restore.click()
    assert window.lt.ev.str_value(window.lt.sym("LOG_BUF_SHIFT")) == "21"
    assert window.modified
    assert window.save()
    assert not recovery_path(tree).exists()   # saved: nothing left to recover
