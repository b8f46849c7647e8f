"""The rustavailable probe in a worker thread, and the Toolchain panel around it."""

from __future__ import annotations

import html
from dataclasses import replace

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
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
from rustconfig_gui.gui.style import on_palette_change, style_for
from rustconfig_gui.kconfig.tree import KernelTree, path_breakers
from rustconfig_gui.toolchain.rustavailable import (
    ProbeRequest,
    ProbeResult,
    check_can_probe,
    run_probe,
)


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
            check_can_probe(request.tree)
            return run_probe(request, on_line=lambda s, t: report((s, t)), cancelled=stopped)

        return self.start(work)


_SEVERITY = {"error": ("✖", "bad"), "warning": ("⚠", "warn"), "info": ("ℹ", "info")}


def findings_html(result: ProbeResult, loaded_has_rust: bool = False) -> str:
    """``loaded_has_rust``: the tree shown was loaded with Rust available (nothing to reload for)."""
    st = style_for()
    out = []
    if result.timed_out:
        out.append(f"<p style='{st.css('bad')}'><b>The probe did not finish in time and was stopped.</b></p>")
    elif result.cancelled:
        out.append("<p><b>The probe was cancelled.</b></p>")
    elif result.available and loaded_has_rust:
        out.append(f"<p style='{st.css('ok')}'><b>Rust is available!</b> The loaded tree already uses it.</p>")
    elif result.available:
        out.append(f"<p style='{st.css('ok')}'><b>Rust is available!</b> Reload Kconfig to see the Rust "
                   "options.</p>")
    else:
        out.append(f"<p style='{st.css('bad')}'><b>Rust is not available with this toolchain.</b></p>")
    for i, f in enumerate(result.findings):
        mark, role = _SEVERITY.get(f.severity, ("•", "muted"))
        out.append(f"<p>{st.span(role, mark)} <b>{html.escape(f.message)}</b>")
        if f.found_version or f.required_version:
            out.append(f"<br>found: {html.escape(f.found_version or '—')} · required: "
                       f"{html.escape(f.required_version or '—')}")
        if f.path:
            out.append(f"<br><code>{html.escape(f.path)}</code>")
        if f.details:
            out.append("<pre>" + html.escape("\n".join(f.details[:12])) + "</pre>")
        for j, r in enumerate(f.remedies):
            if r.command:
                out.append(f"<br>→ {html.escape(r.title)}: <code>{html.escape(r.command)}</code> "
                           f"<a href='copy:{i}:{j}'>Copy</a>")
            else:
                out.append(f"<br>→ {html.escape(r.title)}")
        out.append("</p>")
    return "".join(out)


class ToolchainPanel(QWidget):
    """Findings, remedies with copy buttons, overrides, Re-check and Reload."""

    #: reload the tree with these make settings (after a passing probe)
    reloadRequested = Signal(object)  # KernelTree

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Toolchain")
        self.tree: KernelTree | None = None
        self.result: ProbeResult | None = None
        #: the tree shown was loaded with Rust available (the window keeps this current)
        self.loaded_has_rust = False
        self.runner = ProbeRunner(self)
        self.runner.started.connect(self._on_started)
        self.runner.line.connect(self._on_line)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)

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
        self.check_button = QPushButton("Re-check (make rustavailable)")
        self.check_button.clicked.connect(self.run_check)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.runner.cancel)
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
        self.findings = QTextBrowser()
        self.findings.setAccessibleName("Probe findings")
        self.findings.setOpenLinks(False)
        self.findings.anchorClicked.connect(self._on_anchor)
        on_palette_change(self.findings, lambda: self.result is not None and not self.runner.busy
                          and self.findings.setHtml(findings_html(self.result)))
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setAccessibleName("Probe output")
        self.log.setMaximumBlockCount(5000)
        split.addWidget(self.findings)
        split.addWidget(self.log)
        lay.addWidget(split, 1)

    def set_tree(self, tree: KernelTree, variables: dict[str, str]) -> None:
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
        if self.result is not None and not self.runner.busy:
            self.findings.setHtml(findings_html(self.result, on))

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
            self.log.appendPlainText("(a probe is already running)")
            return False
        for field_, name in ((self.rustc, "RUSTC"), (self.bindgen, "BINDGEN")):
            bad = path_breakers(field_.text().strip())
            if bad:
                # the kernel's Makefile runs $(RUSTC)/$(BINDGEN) unquoted through sh
                self.findings.setHtml(f"<p style='{style_for().css('bad')}'><b>{name} path contains "
                                      f"{html.escape(' '.join(bad))}: the kernel's build runs it through "
                                      "the shell unquoted. Use a path without these characters.</b></p>")
                return False
        request = ProbeRequest(self._tree_for_run(), timeout=float(self.timeout.value()))
        self.log.clear()
        self.log.appendPlainText("$ " + " ".join(request.argv()))
        return self.runner.probe(request)

    def _on_started(self) -> None:
        self.busy.show()
        self.check_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.reload_button.setEnabled(False)
        self.findings.setHtml("<p>Running <code>make rustavailable</code>…</p>")

    def _on_line(self, stream: str, text: str) -> None:
        self.log.appendPlainText(("! " if stream == "stderr" else "  ") + text)

    def _done(self) -> None:
        self.busy.hide()
        self.check_button.setEnabled(True)
        self.cancel_button.setEnabled(False)

    def _on_finished(self, result: ProbeResult) -> None:
        self._done()
        self.result = result
        self.findings.setHtml(findings_html(result, self.loaded_has_rust))
        self.reload_button.setEnabled(result.available)
        self.log.appendPlainText(f"(exit status {result.returncode}, {result.seconds:.2f} s)")

    def _on_failed(self, message: str) -> None:
        self._done()
        self.findings.setHtml(f"<p style='{style_for().css('bad')}'><b>{html.escape(message)}</b></p>")

    def _on_anchor(self, url: QUrl) -> None:
        link = url.toString()
        if link.startswith("copy:") and self.result is not None:
            i, j = (int(x) for x in link[5:].split(":"))
            cmd = self.result.findings[i].remedies[j].command or ""
            QGuiApplication.clipboard().setText(cmd)
            self.log.appendPlainText(f"(copied: {cmd})")

    def _reload(self) -> None:
        self.reloadRequested.emit(self._tree_for_run())

    def shutdown(self) -> None:
        self.runner.shutdown()
