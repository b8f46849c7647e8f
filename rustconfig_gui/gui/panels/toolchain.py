"""The toolchain doctor and ``make rustavailable`` in a worker thread, the Toolchain panel around
them, and one-click fixes that need no root (run in a worker, own process group, Cancel)."""

from __future__ import annotations

import html
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from rustconfig_gui.gui.jobs import JobRunner
from rustconfig_gui.gui.layout import ElidedButton
from rustconfig_gui.gui.style import on_palette_change, style_for
from rustconfig_gui.host.lazy import LazyModule
from rustconfig_gui.kconfig.tree import KernelTree, path_breakers

if TYPE_CHECKING:
    from rustconfig_gui.toolchain import doctor, rustavailable
    from rustconfig_gui.toolchain import runner as remedy_runner
    from rustconfig_gui.toolchain.doctor import Check, DoctorReport
    from rustconfig_gui.toolchain.findings import Finding
    from rustconfig_gui.toolchain.remedies import Remedy
    from rustconfig_gui.toolchain.runner import RemedyRunner, RunOutcome
    from rustconfig_gui.toolchain.rustavailable import ProbeRequest, ProbeResult
else:  # the doctor and the probe are imported by the first check, not while the window starts
    doctor = LazyModule("rustconfig_gui.toolchain.doctor")
    rustavailable = LazyModule("rustconfig_gui.toolchain.rustavailable")
    remedy_runner = LazyModule("rustconfig_gui.toolchain.runner")


class ProbeRunner(JobRunner):
    """One ``make rustavailable`` at a time, off the GUI thread.

    ``line`` streams (stream, text) as the tools print; ``finished`` carries
    the :class:`ProbeResult` (also after timeout or cancel, which kill the
    whole process group); ``failed`` is one sentence when it cannot start.
    """

    line = Signal(str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.progress.connect(lambda item: self.line.emit(*item))

    def probe(self, request: ProbeRequest) -> bool:
        def work(report, stopped) -> ProbeResult:
            rustavailable.check_can_probe(request.tree)
            return rustavailable.run_probe(request, on_line=lambda s, t: report((s, t)), cancelled=stopped)

        return self.start(work)


class DoctorRunner(JobRunner):
    """The doctor (every check at once) and then the tree's own script, off the GUI thread.

    ``line`` streams the script's (stream, text); ``finished`` carries the
    :class:`DoctorReport` (its ``script`` is the verdict, also after timeout or
    cancel of the script); ``failed`` is one sentence."""

    line = Signal(str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.progress.connect(lambda item: self.line.emit(*item))

    def check(self, request: ProbeRequest, os_release: str = "/etc/os-release") -> bool:
        def work(report, stopped) -> DoctorReport:
            rustavailable.check_can_probe(request.tree)
            return doctor.run_doctor(request, os_release=os_release, cancelled=stopped,
                              on_line=lambda s, t: report((s, t)))

        return self.start(work)


class FixRunner(JobRunner):
    """One remedy that needs no root (rustup, cargo) at a time: ``line`` streams its output,
    ``finished`` carries the :class:`RunOutcome` (also after Cancel, which kills its group)."""

    line = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.progress.connect(self.line.emit)

    def run_remedy(self, runner: RemedyRunner) -> bool:
        return self.start(lambda report, stopped: runner.run(on_line=report, cancelled=stopped))


_SEVERITY = {"error": ("✖", "bad"), "warning": ("⚠", "warn"), "info": ("ℹ", "info"),
             "ok": ("✔", "ok"), "skipped": ("–", "muted")}


def versions_text(f: Finding | Check) -> str:
    """'found 0.60.1 · required 0.65.1', with the finding's own labels ('tested with', 'Clang')."""
    if isinstance(f, doctor.Check):
        found, required, labels = f.found, f.required, f.labels
    else:
        found, required, labels = f.found_version, f.required_version, f.version_labels
    if not (found or required):
        return ""
    return f"{labels[0]}: {found or '—'} · {labels[1]}: {required or '—'}"


def _remedy_html(r: Remedy, i: int, j: int) -> str:
    if not r.command:
        return f"<br>→ {html.escape(r.title)}"
    run = f" <a href='run:{i}:{j}'>Run</a>" if r.runnable else ""
    return (f"<br>→ {html.escape(r.title)}: <code>{html.escape(r.command)}</code> "
            f"<a href='copy:{i}:{j}'>Copy</a>{run}")


def findings_html(result: ProbeResult, loaded_has_rust: bool = False) -> str:
    """The script's own findings (its run alone, as the CLI's ``probe``); ``loaded_has_rust``:
    the tree shown was loaded with Rust available (nothing to reload for)."""
    out = [_verdict_html(result, loaded_has_rust)]
    for i, f in enumerate(result.findings):
        if f.kind == "available":
            continue
        out.append(_finding_html(f.severity, f.message, versions_text(f), f.path, f.details, f.remedies, i))
    return "".join(out)


def _verdict_html(result: ProbeResult | None, loaded_has_rust: bool = False) -> str:
    if result is None:
        return ""
    st = style_for()
    if result.timed_out:
        return f"<p style='{st.css('bad')}'><b>make rustavailable did not finish in time and was stopped.</b></p>"
    if result.cancelled:
        return "<p><b>The check was cancelled.</b></p>"
    if result.available and loaded_has_rust:
        return (f"<p style='{st.css('ok')}'><b>Rust is available</b> (the tree's make rustavailable passes). "
                "The loaded tree already uses it.</p>")
    if result.available:
        return (f"<p style='{st.css('ok')}'><b>Rust is available</b> (the tree's make rustavailable passes). "
                "Reload Kconfig to see the Rust options.</p>")
    return f"<p style='{st.css('bad')}'><b>Rust is not available with this toolchain</b> (make rustavailable).</p>"


def _finding_html(severity: str, message: str, versions: str, path: str | None, details: list[str],
                  remedies: list[Remedy], i: int) -> str:
    mark, role = _SEVERITY.get(severity, ("•", "muted"))
    out = [f"<p>{style_for().span(role, mark)} <b>{html.escape(message)}</b>"]
    if versions:
        out.append(f"<br>{html.escape(versions)}")
    if path and path not in message:
        out.append(f"<br><code>{html.escape(path)}</code>")
    if details:
        out.append("<pre>" + html.escape("\n".join(details[:12])) + "</pre>")
    out += [_remedy_html(r, i, j) for j, r in enumerate(remedies)]
    out.append("</p>")
    return "".join(out)


def report_html(report: DoctorReport, loaded_has_rust: bool = False) -> str:
    """Every problem at once, the checks that pass, and the script's verdict beside them."""
    st = style_for()
    problems = report.problems
    out = [_verdict_html(report.script, loaded_has_rust)]
    n = len(problems)
    if n:
        out.append(f"<p><b>The doctor found {n} problem{'s' if n != 1 else ''}</b> "
                   f"({len(report.errors)} to fix before Rust can be enabled):</p>")
    else:
        out.append("<p><b>Every check of the doctor passes.</b></p>")
    for d in report.disagreements():
        out.append(f"<p style='{st.css('warn')}'><b>The doctor and the tree's script disagree:</b> "
                   f"{html.escape(d)} The script's verdict is what Kconfig uses.</p>")
    for i, c in enumerate(problems):
        extra = "" if c.by_script else " (not checked by the tree's script)"
        out.append(_finding_html(c.status, c.message + extra, versions_text(c), c.path, c.details, c.remedies, i))
    passed = [c for c in report.checks if not c.problem]
    if passed:
        out.append(f"<p style='{st.css('muted')}'>Passed: " + "<br>".join(
            f"{_SEVERITY[c.status][0]} {html.escape(c.message)}" for c in passed) + "</p>")
    return "".join(out)


class ToolchainPanel(QWidget):
    """The doctor's findings with Copy (and Run for what needs no root), overrides, Re-check, Reload."""

    #: reload the tree with these make settings (after a passing probe or a fix)
    reloadRequested = Signal(object)  # KernelTree

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Toolchain")
        self.tree: KernelTree | None = None
        self.report: DoctorReport | None = None
        self.result: ProbeResult | None = None
        self.os_release = "/etc/os-release"
        self.base_env: dict[str, str] | None = None
        self.last_outcome: RunOutcome | None = None
        self._reload_after_check = False
        self.loaded_has_rust = False
        self.runner = DoctorRunner(self)
        self.runner.started.connect(self._on_started)
        self.runner.line.connect(self._on_line)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.fixer = FixRunner(self)
        self.fixer.line.connect(self._on_fix_line)
        self.fixer.finished.connect(self._on_fixed)
        self.fixer.failed.connect(self._on_fix_failed)
        self.fixer.busyChanged.connect(lambda _b: self._update_buttons())

        lay = QVBoxLayout(self)
        form = QFormLayout()
        self.rustc = QLineEdit()
        self.rustc.setAccessibleName("RUSTC override")
        self.bindgen = QLineEdit()
        self.bindgen.setAccessibleName("BINDGEN override")
        self.arch = QLineEdit()
        self.arch.setAccessibleName("ARCH override")
        self.llvm = QCheckBox("LLVM=1")
        self.timeout = QSpinBox()
        self.timeout.setRange(1, 3600)
        self.timeout.setValue(60)
        self.timeout.setSuffix(" s")
        self.timeout.setAccessibleName("Probe timeout")
        form.addRow("RUSTC:", self.rustc)
        form.addRow("BINDGEN:", self.bindgen)
        form.addRow("ARCH:", self.arch)
        form.addRow("", self.llvm)
        form.addRow("Timeout:", self.timeout)
        lay.addLayout(form)
        row = QHBoxLayout()
        self.check_button = QPushButton("Re-check")
        self.check_button.setToolTip("Every check of rust_is_available.sh at once, then the tree's own "
                                     "make rustavailable (the verdict Kconfig reads)")
        self.check_button.clicked.connect(self.run_check)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.setEnabled(False)
        self.reload_button = QPushButton("Reload Kconfig")
        self.reload_button.setEnabled(False)
        self.reload_button.clicked.connect(self._reload)
        for b in (self.check_button, self.cancel_button, self.reload_button):
            row.addWidget(b)
        lay.addLayout(row)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumHeight(8)
        self.busy.setTextVisible(False)
        self.busy.hide()
        lay.addWidget(self.busy)
        split = QSplitter()
        split.setOrientation(split.orientation().Vertical)
        top = QWidget()
        top_lay = QVBoxLayout(top)
        top_lay.setContentsMargins(0, 0, 0, 0)
        self.findings = QTextBrowser()
        self.findings.setAccessibleName("Probe findings")
        self.findings.setOpenLinks(False)
        self.findings.anchorClicked.connect(self._on_anchor)
        on_palette_change(self.findings, self._render_findings)
        top_lay.addWidget(self.findings, 1)
        self.fix_label = QLabel("Fixes that need no root:")
        top_lay.addWidget(self.fix_label)
        self.fix_row = QVBoxLayout()
        self.fix_row.setSpacing(2)
        top_lay.addLayout(self.fix_row)
        self.fix_buttons: list[tuple[QPushButton, Remedy]] = []
        self.fix_label.hide()
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setAccessibleName("Probe output")
        self.log.setMaximumBlockCount(5000)
        split.addWidget(top)
        split.addWidget(self.log)
        split.setSizes([520, 160])
        lay.addWidget(split, 1)

    def set_tree(self, tree: KernelTree, variables: dict[str, str]) -> None:
        if self.report is not None and self.report.tree.source != tree.source:
            # another kernel: the last findings say nothing about it
            self.report = None
            self.result = None
            self.findings.clear()
            self._fill_fixes(None)
            self.reload_button.setEnabled(False)
        self.tree = tree
        self.rustc.setPlaceholderText(variables.get("RUSTC", "rustc"))
        self.bindgen.setPlaceholderText(variables.get("BINDGEN", "bindgen"))
        self.arch.setPlaceholderText(variables.get("ARCH", ""))
        self.llvm.setChecked(tree.llvm)
        given = dict(tree.make_vars)
        self.rustc.setText(given.get("RUSTC", ""))
        self.bindgen.setText(given.get("BINDGEN", ""))
        self.arch.setText(tree.arch or "")

    def set_loaded_has_rust(self, on: bool) -> None:
        """After a load or reload: whether the notice to reload still applies."""
        self.loaded_has_rust = on
        self._render_findings()

    def _render_findings(self) -> None:
        """The last answer again (the loaded tree or the palette changed)."""
        if self.runner.busy:
            return
        if self.report is not None:
            self.findings.setHtml(report_html(self.report, self.loaded_has_rust))
        elif self.result is not None:
            self.findings.setHtml(findings_html(self.result, self.loaded_has_rust))

    def _tree_for_run(self) -> KernelTree:
        assert self.tree is not None
        make_vars = {k: v for k, v in self.tree.make_vars if k not in ("RUSTC", "BINDGEN")}
        if self.rustc.text().strip():
            make_vars["RUSTC"] = self.rustc.text().strip()
        if self.bindgen.text().strip():
            make_vars["BINDGEN"] = self.bindgen.text().strip()
        return replace(self.tree, arch=self.arch.text().strip() or None, llvm=self.llvm.isChecked(),
                       make_vars=tuple(make_vars.items()))

    def run_check(self) -> bool:
        if self.tree is None:
            return False
        if self.runner.busy:
            self.log.appendPlainText("(a check is already running)")
            return False
        for field_, name in ((self.rustc, "RUSTC"), (self.bindgen, "BINDGEN")):
            bad = path_breakers(field_.text().strip())
            if bad:
                # the kernel's Makefile runs $(RUSTC)/$(BINDGEN) unquoted through sh
                self.findings.setHtml(f"<p style='{style_for().css('bad')}'><b>{name} path contains "
                                      f"{html.escape(' '.join(bad))}: the kernel's build runs it through "
                                      "the shell unquoted. Use a path without these characters.</b></p>")
                return False
        request = rustavailable.ProbeRequest(self._tree_for_run(), timeout=float(self.timeout.value()),
                                             base_env=self.base_env)
        self.log.appendPlainText("$ " + " ".join(request.argv()))
        return self.runner.check(request, self.os_release)

    def cancel(self) -> None:
        self.runner.cancel()
        self.fixer.cancel()

    def _update_buttons(self) -> None:
        busy = self.runner.busy or self.fixer.busy
        self.check_button.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)
        for b, _r in self.fix_buttons:
            b.setEnabled(not busy)

    def _on_started(self) -> None:
        self.busy.show()
        self._update_buttons()
        self.cancel_button.setEnabled(True)
        self.reload_button.setEnabled(False)
        self.findings.setHtml("<p>Checking the toolchain (each check of <code>rust_is_available.sh</code>, then "
                              "<code>make rustavailable</code>)…</p>")

    def _on_line(self, stream: str, text: str) -> None:
        self.log.appendPlainText(("! " if stream == "stderr" else "  ") + text)

    def _done(self) -> None:
        self.busy.setVisible(self.fixer.busy)
        self._update_buttons()
        if not self.runner.busy and not self.fixer.busy:
            self.cancel_button.setEnabled(False)

    def _on_finished(self, report: DoctorReport) -> None:
        self.report = report
        self.result = report.script
        self.findings.setHtml(report_html(report, self.loaded_has_rust))
        self._fill_fixes(report)
        self._done()
        self.reload_button.setEnabled(report.script is not None and report.script.available)
        s = report.script
        if s is not None:
            self.log.appendPlainText(f"(exit status {s.returncode}, {report.seconds:.2f} s, "
                                     f"{report.cached_runs} tool answers from the cache)")
        if self._reload_after_check:
            # a fix succeeded: Kconfig's own probes see the new toolchain, the user's values stay
            self._reload_after_check = False
            self._reload()

    def _on_failed(self, message: str) -> None:
        self._reload_after_check = False
        self._done()
        self.findings.setHtml(f"<p style='{style_for().css('bad')}'><b>{html.escape(message)}</b></p>")

    def _fill_fixes(self, report: DoctorReport | None) -> None:
        for b, _r in self.fix_buttons:
            self.fix_row.removeWidget(b)
            b.hide()
            b.setParent(None)
            b.deleteLater()
        self.fix_buttons = []
        seen: set[tuple[str, ...]] = set()
        for c in report.problems if report is not None else []:
            for r in c.remedies:
                if r.run is None or r.run in seen:
                    continue
                seen.add(r.run)
                b = ElidedButton(f"Run: {r.command}")
                b.setToolTip(f"{r.command}\n{r.title}\nRuns without root, here; output below; Cancel stops it.")
                b.setAccessibleName(f"Run {r.command}")
                b.clicked.connect(lambda _=False, r=r: self.run_remedy(r))
                self.fix_row.addWidget(b)
                self.fix_buttons.append((b, r))
        self.fix_label.setVisible(bool(self.fix_buttons))
        self._update_buttons()

    def runnable(self) -> list[Remedy]:
        return [r for _b, r in self.fix_buttons]

    def run_remedy(self, remedy: Remedy) -> bool:
        """Run a fix that needs no root; on success the doctor runs again and Kconfig reloads."""
        if self.tree is None or self.runner.busy or self.fixer.busy:
            return False
        try:
            cwd = self.tree.objtree if self.tree.objtree.is_dir() else self.tree.source
            runner = remedy_runner.RemedyRunner(remedy, cwd=cwd, env=self.base_env)
        except ValueError as e:
            self.log.appendPlainText(f"({e})")
            return False
        self.log.appendPlainText(f"$ {' '.join(runner.argv)}   (in {runner.cwd})")
        started = self.fixer.run_remedy(runner)
        if started:
            self.busy.show()
            self.cancel_button.setEnabled(True)
            self._update_buttons()
        return started

    def _on_fix_line(self, text: str) -> None:
        self.log.appendPlainText("  " + text)

    def _on_fixed(self, outcome: RunOutcome) -> None:
        self.last_outcome = outcome
        self.log.appendPlainText(f"({outcome.summary()})")
        self._done()
        if outcome.ok:
            self._reload_after_check = True
            self.run_check()

    def _on_fix_failed(self, message: str) -> None:
        self._done()
        self.log.appendPlainText(f"(could not run it: {message})")

    def _on_anchor(self, url: QUrl) -> None:
        link = url.toString()
        kind, _, rest = link.partition(":")
        if kind not in ("copy", "run") or not rest:
            return
        i, j = (int(x) for x in rest.split(":"))
        if self.report is not None:
            remedy = self.report.problems[i].remedies[j]
        elif self.result is not None:
            remedy = self.result.findings[i].remedies[j]
        else:
            return
        if kind == "run":
            self.run_remedy(remedy)
            return
        QGuiApplication.clipboard().setText(remedy.command or "")
        self.log.appendPlainText(f"(copied: {remedy.command})")

    def _reload(self) -> None:
        self.reloadRequested.emit(self._tree_for_run())

    def shutdown(self) -> None:
        self.runner.shutdown()
        self.fixer.shutdown()
