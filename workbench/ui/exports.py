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
        # Temporary sessions (Binder): take the whole project away, bring it back later.
        self.download_button = W.Button(
            description="Download project (.zip)", icon="download", layout=W.Layout(width="200px")
        )
        self.download_button.on_click(lambda _b: self.download())
        self.download_link = W.HTML()
        self.download_link.add_class("wb-html")
        self.upload = W.FileUpload(accept=".zip", multiple=False, description="Choose .zip")
        self.upload_button = W.Button(
            description="Open uploaded project", icon="upload", layout=W.Layout(width="200px")
        )
        self.upload_button.on_click(lambda _b: self.open_upload())
        self.upload_result = W.HTML()
        self.upload_result.add_class("wb-html")
        keep = W.HTML(
            '<span class="wb-muted">Working in a temporary session such as Binder? Download the '
            "project before you leave and upload it next time: nothing else is kept.</span>"
        )
        keep.add_class("wb-html")
        self.widget = W.VBox(
            [
                intro,
                *rows,
                keep,
                W.HBox(
                    [self.download_button, self.download_link],
                    layout=W.Layout(align_items="center"),
                ),
                W.HBox(
                    [self.upload, self.upload_button, self.upload_result],
                    layout=W.Layout(align_items="center"),
                ),
            ]
        )

    def download(self) -> Any:
        import base64

        result = self.session.download_project()
        if result.ok:
            name, data = result.value
            encoded = base64.b64encode(data).decode("ascii")
            self.download_link.value = (
                f'<a download="{esc(name)}" href="data:application/zip;base64,{encoded}" '
                'style="color:#0b5cad;text-decoration:underline;font-weight:600">'
                f'save {esc(name)}</a> <span class="wb-muted">({len(data):,} bytes)</span>'
            )
        else:
            self.download_link.value = f'<span class="wb-error">{esc(result.message)}</span>'
        self._message(result.message, result.ok)
        return result

    def open_upload(self) -> Any:
        files = list(self.upload.value or ())
        if not files:
            self.upload_result.value = '<span class="wb-error">choose a project .zip first</span>'
            return None
        content = files[0]["content"]
        result = self.session.upload_project(bytes(content))
        cls = "wb-ok" if result.ok else "wb-error"
        self.upload_result.value = f'<span class="{cls}">{esc(result.message)}</span>'
        self._message(result.message, result.ok)
        return result

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
