"""The window's files: Save / Save as / Load config (Open or Start from) / Revert,
the unsaved-changes question, a file changed on disk, and recovery of unsaved
edits.  Values change only through the window's :class:`Session`."""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDateTime
from PySide6.QtWidgets import QFileDialog, QMessageBox

from rustconfig_gui.errors import ConfigFileError
from rustconfig_gui.gui.jobs import run_and_wait
from rustconfig_gui.host.paths import show_path, show_text
from rustconfig_gui.kconfig import configfile
from rustconfig_gui.kconfig.configfile import ChangedOnDisk, ConfigReadReport
from rustconfig_gui.workspace.ondisk import Seen, save_message
from rustconfig_gui.workspace.recovery import clear_recovery, read_recovery, write_recovery
from rustconfig_gui.workspace.recovery import discard as discard_recovered
from rustconfig_gui.workspace.recovery import generation as recovery_generation
from rustconfig_gui.workspace.session import Change, LoadMode


def issues_html(title: str, report: ConfigReadReport) -> str:
    """The lines of a configuration that were not taken, for the details panel."""
    return (f"<h3>{html.escape(title)}</h3><ul>"
            + "".join(f"<li>{html.escape(str(i))}</li>" for i in report.issues[:200]) + "</ul>")


if TYPE_CHECKING:  # the window these methods belong to (mypy sees its Qt base)
    from PySide6.QtWidgets import QMainWindow as _Window
else:
    _Window = object


class FilesMixin(_Window):
    """Save, load, revert and recovery for :class:`~rustconfig_gui.gui.mainwindow.MainWindow`."""

    session: Any
    lt: Any
    _seen: dict[Path, Seen]
    _saving: bool
    _closed: bool
    _recovery_again: bool
    modified: bool
    recovery_writer: Any
    recovery_timer: Any
    recovery_bar: Any
    recovery_label: Any
    build_with: Any
    if TYPE_CHECKING:
        def show_notice(self, html_text: str) -> None: ...

    # -- recovery of unsaved edits -----------------------------------------------------

    def _recovery_follows(self, change: Change) -> None:
        """Every change of the values reaches the recovery copy: unsaved values are written a moment
        after the last of a burst of changes; values that are the saved ones again (an undo, Open,
        Revert) need none.  A save drops the copy itself (:meth:`_write`)."""
        if self.lt is None or self._closed or change.everything or not change.values:
            return
        if self.modified:
            self.recovery_timer.start()
        else:
            self.recovery_timer.stop()
            clear_recovery(self.lt.tree)

    def write_recovery_now(self, wait: bool = False) -> bool:
        """Keep the unsaved values in a recovery file; in a worker unless ``wait``
        (a burst of edits gives one write: an edit during a write is written after it).
        Returns False when the copy could not be written (``wait``) or nothing needed one."""
        if self.lt is None or not self.modified:
            return False
        if not wait and self.recovery_writer.busy:
            self._recovery_again = True
            return True
        self._recovery_again = False
        tree, values = self.lt.tree, self.lt.values_copy()
        target = self.session.target or tree.config_path
        # a save or Discard after this point makes the copy unwanted: it is then not written
        since = recovery_generation(tree)
        try:
            if wait:
                self.recovery_writer.drop_for_newer()
                write_recovery(tree, configfile.config_text(values), target, since=since)
            else:
                self.recovery_writer.start(tree, values, target, since)
        except (OSError, ConfigFileError) as e:
            self.statusBar().showMessage(f"Could not keep a recovery copy: {e}", 8000)
            return False
        return True

    def _recovery_written(self, _result: object) -> None:
        if self._recovery_again and not self._closed:
            self.write_recovery_now()

    def _offer_recovery(self) -> None:
        assert self.lt is not None
        rec = read_recovery(self.lt.tree)
        if rec is None:
            self.recovery_bar.hide()
            return
        when = QDateTime.fromSecsSinceEpoch(int(rec.saved_at)).toString("yyyy-MM-dd hh:mm")
        self._recovered = rec
        self.recovery_label.setText(f"Unsaved changes to this tree from {when} were kept after the app "
                                    "closed unexpectedly." + (f" {rec.note}" if rec.note else ""))
        self.recovery_bar.show()

    def restore_recovery(self) -> None:
        rec = getattr(self, "_recovered", None)
        if self.lt is None or rec is None:
            return
        report = self.session.restore_text(rec.text, "(recovered changes)")
        self.recovery_bar.hide()
        # the values are this window's now: its own copy first, then the old one goes
        if self.write_recovery_now(wait=True):
            discard_recovered(rec)
        self.statusBar().showMessage(f"Restored {report.assignments} values; save to keep them.", 8000)

    def discard_recovery(self) -> None:
        rec = getattr(self, "_recovered", None)
        if rec is not None:
            discard_recovered(rec)
        self.recovery_bar.hide()

    def on_unhandled_exception(self, exc_type, exc, tb) -> None:  # noqa: ANN001 - sys.excepthook signature
        """Keep the edits, then show what happened with a way to save."""
        import traceback

        kept = self.write_recovery_now(wait=True)
        after = ("Your unsaved changes were kept in a recovery file and will be offered the next time you "
                 "open this tree." if kept else
                 "There were no unsaved changes to keep." if not self.modified else
                 "Your unsaved changes could NOT be kept in a recovery file; use Save as… now.")
        box = QMessageBox(QMessageBox.Icon.Critical, "Unexpected error",
                          show_text(f"{exc_type.__name__}: {exc}\n\n{after}"), parent=self)
        box.setDetailedText(show_text("".join(traceback.format_exception(exc_type, exc, tb))))
        save_as = box.addButton("Save as…", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Close)
        save_as.clicked.connect(self.save_as)
        box.setObjectName("UnexpectedError")
        box.open()

    # -- saving ------------------------------------------------------------------------------

    @property
    def config_path(self) -> Path | None:
        """Where Save writes."""
        return self.session.target  # type: ignore[no-any-return]

    def save(self) -> bool:
        if self.lt is None:
            return False
        return self._write(self.session.target, checked=True)

    def _ask_disk_changed(self, path: Path, why: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, "Configuration changed on disk", why, parent=self)
        box.setInformativeText("Reload it (your changes here are dropped), overwrite it with your "
                               "configuration, or save yours under another name.")
        box.setObjectName("ChangedOnDisk")
        reload_b = box.addButton("Reload", QMessageBox.ButtonRole.DestructiveRole)
        overwrite = box.addButton("Overwrite", QMessageBox.ButtonRole.AcceptRole)
        save_as = box.addButton("Save as…", QMessageBox.ButtonRole.ActionRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        reload_b.clicked.connect(lambda: self.load_config(path, LoadMode.OPEN))
        overwrite.clicked.connect(lambda: self._write(path))
        save_as.clicked.connect(self.save_as)
        box.open()

    def save_as(self) -> bool:
        if self.lt is None:
            return False
        name, _ = QFileDialog.getSaveFileName(self, "Save configuration as", str(self.config_path or ""))
        return bool(name) and self._write(Path(name), adopt=True)

    def _write(self, path: Path, adopt: bool = False, checked: bool = False) -> bool:
        """Write the values as they are now (an edit made while writing is not in the file).
        ``checked``: refuse, and ask, when another program changed the file since this window
        last read or wrote it (checked under the folder's lock, just before the rename)."""
        assert self.lt is not None
        if self._saving:
            return False
        values, state = self.lt.values_copy(), self.session.state_id
        seen = self._seen.get(path) if checked else None
        check = seen.check if seen is not None else None
        self._saving = True
        try:
            # text, fsync and rename off the GUI thread: the window keeps painting
            result = run_and_wait(lambda: configfile.write_atomic(path, configfile.config_text(values), check=check))
        except ChangedOnDisk as e:
            self._ask_disk_changed(path, str(e))
            return False
        except ConfigFileError as e:
            QMessageBox.critical(self, "Not saved", f"{e}\n\nYour changes are still here; use Save as… to save "
                                                    "them elsewhere.")
            return False
        finally:
            self._saving = False
        if adopt or path == self.session.target:
            self._seen[path] = Seen.look(path)
            clear_recovery(self.lt.tree)
        self.session.mark_saved(path, state, adopt=adopt)
        self.statusBar().showMessage(save_message(result), 8000)
        return True

    # -- loading and reverting ----------------------------------------------------------------

    def load_config_dialog(self) -> None:
        if self.lt is None:
            return
        name, _ = QFileDialog.getOpenFileName(self, "Load configuration", str(self.lt.tree.objtree))
        if not name:
            return
        mode = self.ask_load_mode(Path(name))
        if mode is not None:
            self.load_config(Path(name), mode)

    def ask_load_mode(self, path: Path) -> LoadMode | None:
        """*Open* (edit that file) or *Start from* (its values, saved to the build folder's .config)."""
        target = self.lt.tree.config_path
        box = QMessageBox(QMessageBox.Icon.Question, "Load configuration",
                          f"How do you want to use {show_text(path.name)}?", parent=self)
        box.setObjectName("LoadMode")
        box.setInformativeText(
            f"Start from: take its values; Save keeps writing {show_path(target)}.\n"
            f"Open: edit {show_path(path)} itself; Save writes it.\n\n"
            "Either is one step: Edit → Undo takes it back.")
        start = box.addButton("Start from", QMessageBox.ButtonRole.AcceptRole)
        opened = box.addButton("Open", QMessageBox.ButtonRole.ActionRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(start)
        box.exec()
        clicked = box.clickedButton()
        return LoadMode.START if clicked is start else LoadMode.OPEN if clicked is opened else None

    def load_config(self, path: Path, mode: LoadMode | str = LoadMode.OPEN) -> bool:
        assert self.lt is not None
        mode = LoadMode(mode)
        try:
            report = self.session.load_config(path, mode)
        except ConfigFileError as e:
            QMessageBox.warning(self, "Could not load configuration", str(e))
            return False
        if mode is LoadMode.OPEN:
            self._seen[path] = Seen.look(path)
        msg = f"Loaded {show_path(path)}; saving to {show_path(self.session.target)}"
        if report.issue_count:
            msg += f"; {report.issue_count} line{'s' if report.issue_count != 1 else ''} not taken (see Details)"
            self.show_notice(issues_html(f"Lines of {show_text(path.name)} that were not taken", report))
        self.statusBar().showMessage(msg, 10000)
        return True

    def revert(self) -> None:
        if self.lt is None:
            return
        try:
            report = self.session.revert()
        except ConfigFileError as e:
            QMessageBox.warning(self, "Could not revert", f"{e} Your values here are unchanged.")
            return
        if report is None:
            self.statusBar().showMessage("Reverted to Kconfig's defaults (no configuration file).", 8000)
            return
        target = self.session.target
        if Path(report.filename) == target:
            self._seen[target] = Seen.look(target)  # what it holds now is what this window shows
        self.statusBar().showMessage(f"Reverted to {show_text(report.filename)}.", 8000)

    def maybe_save(self) -> bool:
        if not self.modified:
            return True
        target = self.session.target
        box = QMessageBox(QMessageBox.Icon.Question, "Unsaved changes",
                          f"The configuration has unsaved changes. Save them to {show_path(target)}?",
                          QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                          | QMessageBox.StandardButton.Cancel, self)
        box.setObjectName("UnsavedChanges")
        box.setInformativeText(self.build_with.warning())
        answer = box.exec()
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        if answer == QMessageBox.StandardButton.Discard and self.lt is not None:
            clear_recovery(self.lt.tree)
        return answer == QMessageBox.StandardButton.Discard
