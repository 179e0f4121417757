"""The Export tab: every export the command line has, as a download built when it is clicked.

:data:`EXPORTS` is the registry: one :class:`Export` per file the browser can
download (the register as CSV, the decision records, the HTML and Markdown
report, the mitigation plan as CSV for an issue tracker, STIX 2.1, the ATLAS
Navigator layer, SARIF, the CycloneDX AIBOM and Open Threat Model). Each builds its bytes from the open project only when its
button is pressed, so the tab costs nothing until used. Adding an export is one
more entry (:func:`register_export`). "Save in the project folder" writes the
same bytes under ``exports/`` atomically: a failed export never replaces the
previous file.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ipywidgets as W

from workbench.ui.clickable import ClickableHTML
from workbench.ui.style import esc

__all__ = ["EXPORTS", "Export", "ExportPanel", "build_export", "register_export"]


@dataclass(frozen=True)
class Export:
    key: str
    label: str
    description: str
    filename: str  # may use {name}: the project folder's name
    mime: str
    build: Callable[[Any], bytes]  # the project -> the file's bytes


def _register_csv(project: Any) -> bytes:
    return bytes(project.register().to_csv_text().encode("utf-8"))


def _decision_records(project: Any) -> bytes:
    from workbench.export.decisions_export import export_project_decisions

    buf = io.BytesIO()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "decisions"
        export_project_decisions(project, folder)
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    info = zipfile.ZipInfo(f"decisions/{path.relative_to(folder).as_posix()}")
                    info.date_time = (1980, 1, 1, 0, 0, 0)  # the same records, the same bytes
                    info.compress_type = zipfile.ZIP_DEFLATED
                    archive.writestr(info, path.read_bytes())
    return buf.getvalue()


def _stamp(project: Any) -> str:
    return str(project.clock().isoformat())


def _html_report(project: Any) -> bytes:
    from workbench.export.report import render_html_report

    return render_html_report(project, generated_at=_stamp(project)).encode("utf-8")


def _markdown_report(project: Any) -> bytes:
    from workbench.export.report import render_markdown_report

    return render_markdown_report(project, generated_at=_stamp(project)).encode("utf-8")


def _stix(project: Any) -> bytes:
    from workbench.export.stix import export_stix, stix_text

    return stix_text(export_stix(project, created=project.clock())).encode("utf-8")


def _navigator(project: Any) -> bytes:
    from workbench.export.navigator import layer_text, navigator_layer

    return layer_text(navigator_layer(project)).encode("utf-8")


def _sarif(project: Any) -> bytes:
    from workbench._output import to_json
    from workbench.export.sarif import sarif_report

    lowest = project.matrix.band_names()[0]
    return to_json(sarif_report(project, project.undecided(lowest))).encode("utf-8")


def _aibom(project: Any) -> bytes:
    from workbench.export.aibom import aibom, aibom_text

    return aibom_text(aibom(project.model, timestamp=project.clock())).encode("utf-8")


def _otm(project: Any) -> bytes:
    from workbench.interop.otm import dumps_otm, export_otm

    state = project.state()
    doc = export_otm(
        project.model, result=state.result, matrix=project.matrix, catalog=project.catalog
    )
    return dumps_otm(doc).encode("utf-8")


def _plan_csv(project: Any) -> bytes:
    """The mitigation plan as ``workbench plan PROJECT --format csv`` writes it."""
    from workbench.risk.plan import plan_csv_text

    rows = project.state().rows
    return plan_csv_text(
        project.mitigation_plan(),
        titles={r["id"]: r["title"] for r in rows},
        bands={r["id"]: r["band"] for r in rows},
        project=project.name,
    ).encode("utf-8")


EXPORTS: list[Export] = [
    Export(
        "register",
        "Threat register (CSV)",
        "every finding with its score, band, status and treatment; opens in Excel",
        "{name}-register.csv",
        "text/csv",
        _register_csv,
    ),
    Export(
        "decisions",
        "Decision records (.zip)",
        "one Markdown record per decision and an index, with the decision log's hash",
        "{name}-decisions.zip",
        "application/zip",
        _decision_records,
    ),
    Export(
        "report",
        "Report (HTML)",
        "a self-contained report that prints cleanly",
        "{name}-report.html",
        "text/html",
        _html_report,
    ),
    Export(
        "report-md",
        "Report (Markdown)",
        "the report as Markdown, for a wiki or a pull request",
        "{name}-report.md",
        "text/markdown",
        _markdown_report,
    ),
    Export(
        "plan",
        "Mitigation plan (CSV)",
        "each chosen mitigation with its owner, due date and findings, for an issue tracker",
        "{name}-plan.csv",
        "text/csv",
        _plan_csv,
    ),
    Export(
        "stix",
        "STIX 2.1 bundle",
        "the threat model for a threat-intelligence platform",
        "{name}-stix.json",
        "application/json",
        _stix,
    ),
    Export(
        "navigator",
        "ATLAS Navigator layer",
        "the techniques found, coloured by score, for the ATLAS Navigator",
        "{name}-navigator.json",
        "application/json",
        _navigator,
    ),
    Export(
        "sarif",
        "SARIF (undecided findings)",
        "open and review-due findings for code scanning tools",
        "{name}.sarif",
        "application/sarif+json",
        _sarif,
    ),
    Export(
        "aibom",
        "AI bill of materials (CycloneDX)",
        "the models, datasets and services of the system",
        "{name}-aibom.json",
        "application/json",
        _aibom,
    ),
    Export(
        "otm",
        "Open Threat Model (OTM)",
        "the model and its threats for other threat-modelling tools",
        "{name}-otm.json",
        "application/json",
        _otm,
    ),
]


def register_export(export: Export) -> None:
    """Add an export to the tab (or replace the one with the same key)."""
    for i, e in enumerate(EXPORTS):
        if e.key == export.key:
            EXPORTS[i] = export
            return
    EXPORTS.append(export)


def build_export(project: Any, key: str) -> tuple[str, str, bytes]:
    """``(file name, MIME type, bytes)`` of the export *key* for *project*."""
    for e in EXPORTS:
        if e.key == key:
            return e.filename.format(name=project.path.name), e.mime, e.build(project)
    raise KeyError(f"no export {key!r}")


def _list_html(folder: Path) -> str:
    rows = []
    for e in EXPORTS:
        key = esc(e.key)
        rows.append(
            '<div class="wb-export">'
            f'<button class="jupyter-button wb-export-download" data-wb-action="download" '
            f'data-wb-value="{key}" title="build the file now and download it">'
            f"&#x2B07; {esc(e.label)}</button>"
            f'<span class="wb-export-text">{esc(e.description)}<br>'
            f'<button class="wb-linkbutton wb-export-save" data-wb-action="save" '
            f'data-wb-value="{key}">or save it in the project folder</button></span></div>'
        )
    return (
        f'<div class="wb-exports">{"".join(rows)}</div>'
        f'<div class="wb-muted wb-small">Saved files go to {esc(folder)}.</div>'
    )


class ExportPanel:
    def __init__(self, session: Any, on_message: Callable[[str, bool], None] | None = None):
        self.session = session
        self._message = on_message or (lambda text, ok: None)
        self.list = ClickableHTML(_list_html(session.exports_dir()))
        self.list.on_click(self._on_click)
        self.result = W.HTML()
        self.result.add_class("wb-html")
        self.result.add_class("wb-export-result")
        # Temporary sessions (Binder): take the whole project away, bring it back later.
        self.download_button = W.Button(
            description="Download project (.zip)", icon="download", layout=W.Layout(width="auto")
        )
        self.download_button.on_click(lambda _b: self.download())
        self.download_link = W.HTML()
        self.download_link.add_class("wb-html")
        self.upload = W.FileUpload(
            accept=".zip", multiple=False, description="Choose .zip", layout=W.Layout(width="auto")
        )
        self.upload_button = W.Button(
            description="Open uploaded project", icon="upload", layout=W.Layout(width="auto")
        )
        self.upload_button.on_click(lambda _b: self.open_upload())
        self.upload_result = W.HTML()
        self.upload_result.add_class("wb-html")
        keep = W.HTML(
            '<span class="wb-muted">Working in a temporary session such as Binder? Download the '
            "project before you leave and upload it next time: nothing else is kept.</span>"
        )
        keep.add_class("wb-html")
        wrap = W.Layout(align_items="center", flex_flow="row wrap")
        self.widget = W.VBox(
            [
                self.list,
                self.result,
                keep,
                W.HBox([self.download_button, self.download_link], layout=wrap),
                W.HBox([self.upload, self.upload_button, self.upload_result], layout=wrap),
            ]
        )

    def _on_click(self, action: str, key: str) -> None:
        if action == "download":
            self.export(key)
        elif action == "save":
            self.save(key)

    def _show(self, text: str, ok: bool) -> None:
        cls = "wb-ok" if ok else "wb-error"
        self.result.value = f'<span class="{cls}">{esc(text)}</span>'
        self._message(text, ok)

    def _build(self, key: str) -> tuple[str, str, bytes] | None:
        try:
            return build_export(self.session.project, key)
        except Exception as exc:  # an exporter's failure is a message, never a broken tab
            self._show(f"{key}: could not build the file: {type(exc).__name__}: {exc}", False)
            return None

    def export(self, key: str) -> tuple[str, str, bytes] | None:
        """Build the export *key* now and send it to the browser as a download."""
        built = self._build(key)
        if built is not None:
            name, mime, data = built
            self.list.download(name, data, mime)
            self._show(f"{name} downloaded ({len(data):,} bytes)", True)
        return built

    def save(self, key: str) -> Path | None:
        """Build the export *key* and write it under ``exports/`` in the project folder."""
        from workbench._atomic import atomic_write_bytes

        built = self._build(key)
        if built is None:
            return None
        name, _mime, data = built
        target = self.session.exports_dir() / name
        try:
            atomic_write_bytes(target, data)
        except OSError as exc:
            self._show(f"{target}: could not write the file: {exc}", False)
            return None
        self._show(f"{name} saved in {target.parent}", True)
        return target

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
