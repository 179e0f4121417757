"""Scan model files from the model editor and record the facts on a model component.

:class:`ScanPanel` takes a file or folder path, scans it (never loading the
files, see :mod:`workbench.scan`), shows every file with its format, SHA-256
and verdict, and on "Record on component" states the results on the chosen
model component through the session, so the change is saved, logged and the
analysis re-runs. Everything shown is escaped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as W

from workbench.ui.style import esc

__all__ = ["ScanPanel", "attach_scan_tab"]

_VERDICT_CLASS = {"safe": "wb-ok", "suspicious": "wb-muted", "dangerous": "wb-error"}


def report_html(report: Any) -> str:
    """The scan report as an HTML table and lists (every value escaped)."""
    if not report.files and not report.errors:
        return '<span class="wb-muted">no model file found</span>'
    rows = []
    for f in report.files:
        verdict = f.verdict or "cannot tell"
        calls = "<br>".join(
            f"{esc(c.safety)}: {esc(c.text())}" for c in f.calls if c.safety != "safe"
        )
        notes = "<br>".join(esc(n) for n in f.notes)
        rows.append(
            f"<tr><td>{esc(f.path)}</td><td>{esc(f.format)}</td><td>{f.size:,}</td>"
            f"<td><code>{esc((f.sha256 or '')[:16])}</code></td>"
            f'<td class="{_VERDICT_CLASS.get(verdict, "wb-muted")}">{esc(verdict)}</td>'
            f"<td>{calls}{'<br>' if calls and notes else ''}"
            f'<span class="wb-muted wb-small">{notes}</span></td></tr>'
        )
    parts = [
        '<table class="wb-table"><tr><th>file</th><th>format</th><th>bytes</th>'
        "<th>sha256</th><th>verdict</th><th>what loading it does</th></tr>"
        + "".join(rows) + "</table>"
    ]
    for folder in report.folders:
        facts = [("architecture", folder.architecture), ("base model", ", ".join(
            folder.base_model)), ("licence", folder.license), ("datasets", ", ".join(
                folder.datasets))]
        shown = "; ".join(f"{k}: {esc(v)}" for k, v in facts if v)
        parts.append(f"<p><b>{esc(folder.path)}</b>: {shown or 'no facts'}</p>")
    if report.errors:
        parts.append('<p class="wb-error">Refused:<br>'
                     + "<br>".join(esc(e) for e in report.errors) + "</p>")
    return "".join(parts)


class ScanPanel:
    """Path, component and buttons: scan files, then record the results on a component."""

    def __init__(self, session: Any, on_message: Callable[[str, bool], None] | None = None):
        self.session = session
        self._message = on_message or (lambda text, ok: None)
        self.report: Any = None
        self.path = W.Text(description="path", placeholder="model file or folder",
                           layout=W.Layout(width="98%"))
        self.component = W.Dropdown(description="component", layout=W.Layout(width="60%"))
        self.scan_button = W.Button(description="Scan", icon="search", button_style="primary")
        self.record_button = W.Button(description="Record on component", icon="save",
                                      disabled=True)
        self.output = W.HTML()
        self.output.add_class("wb-html")
        self.message = W.HTML()
        self.scan_button.on_click(lambda _b: self.scan())
        self.record_button.on_click(lambda _b: self.record())
        self.widget = W.VBox([
            W.HTML("<b>Scan model files</b> <span class='wb-muted wb-small'>(read statically, "
                   "never loaded: format, SHA-256, and the code a file would run)</span>"),
            self.path,
            W.HBox([self.component, self.scan_button, self.record_button]),
            self.output,
            self.message,
        ])
        self.refresh()

    def refresh(self) -> None:
        ids = [c.id for c in self.session.model.components("model")]
        current = self.component.value
        self.component.options = ids
        self.component.value = current if current in ids else (ids[0] if ids else None)

    def scan(self) -> Any:
        from workbench.scan import scan_paths

        path = self.path.value.strip()
        if not path:
            self.message.value = '<span class="wb-error">give a file or folder path</span>'
            return None
        self.report = scan_paths([path])
        self.output.value = report_html(self.report)
        ok = not self.report.errors and bool(self.report.files)
        self.record_button.disabled = not ok or self.component.value is None
        self.message.value = ""
        return self.report

    def record(self) -> Any:
        from workbench.errors import InputError
        from workbench.scan import scan_updates

        cid = self.component.value
        if self.report is None or cid is None:
            return None
        try:
            updates, changes = scan_updates(self.session.model, cid, self.report)
        except InputError as exc:
            self.message.value = f'<span class="wb-error">{esc(exc)}</span>'
            self._message(str(exc), False)
            return None
        result = self.session.update_component(cid, **updates)
        css = "wb-ok" if result.ok else "wb-error"
        lines = [result.message, *changes] if result.ok else [result.message]
        self.message.value = f'<span class="{css}">' + "<br>".join(esc(t) for t in lines) + (
            "</span>")
        self._message(result.message, result.ok)
        return result


def attach_scan_tab(editor: Any, session: Any,
                    on_message: Callable[[str, bool], None] | None = None) -> ScanPanel:
    """Add a "Scan files" tab to a :class:`~workbench.ui.model_editor.ModelEditor`."""
    panel = ScanPanel(session, on_message)
    tabs = editor.widget
    titles = list(tabs.titles)
    tabs.children = [*tabs.children, panel.widget]
    tabs.titles = [*titles, "Scan files"]
    editor.scan = panel
    return panel
