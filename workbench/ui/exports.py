"""Export buttons: each calls one session export action and shows where the file went."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as W

from workbench.ui.style import esc

__all__ = ["ExportPanel"]

EXPORTS = (
    ("register", "Register (CSV)", "export_register", "table"),
    ("decisions", "Decision records", "export_decisions", "file-text"),
    ("report", "Report (HTML)", "export_report", "file"),
)


class ExportPanel:
    def __init__(self, session: Any, on_message: Callable[[str, bool], None] | None = None):
        self.session = session
        self._message = on_message or (lambda text, ok: None)
        self.buttons: dict[str, W.Button] = {}
        self.results: dict[str, W.HTML] = {}
        rows = []
        for key, label, action, icon in EXPORTS:
            button = W.Button(description=label, icon=icon, layout=W.Layout(width="200px"))
            button.on_click(lambda _b, action=action, key=key: self.export(key, action))
            out = W.HTML()
            out.add_class("wb-html")
            self.buttons[key] = button
            self.results[key] = out
            rows.append(W.HBox([button, out], layout=W.Layout(align_items="center")))
        intro = W.HTML(
            f'<span class="wb-muted">Files are written to {esc(session.exports_dir())} '
            "(the project folder, ready for git).</span>"
        )
        intro.add_class("wb-html")
        self.widget = W.VBox([intro, *rows])

    def export(self, key: str, action: str) -> Any:
        try:
            result = getattr(self.session, action)()
            ok, message = result.ok, result.message
        except Exception as exc:  # an exporter that is not there yet must not break the workbench
            result = None
            ok, message = False, f"{type(exc).__name__}: {exc}"
        cls = "wb-ok" if ok else "wb-error"
        self.results[key].value = f'<span class="{cls}">{esc(message)}</span>'
        self._message(message, ok)
        return result
