"""Interchange with other threat-modelling tools.

Importers turn a file made elsewhere into a :class:`~workbench.model.SystemModel`
and an :class:`ImportReport` listing everything that could not be mapped (what
it was, where, and why), what was guessed and what was assumed: nothing is
dropped silently.

* :func:`import_threat_dragon`: OWASP Threat Dragon v2 JSON
  (:mod:`workbench.interop.threat_dragon`).
* :func:`import_otm`: Open Threat Model JSON or YAML (:mod:`workbench.interop.otm`).
* :func:`import_threagile`: Threagile YAML (:mod:`workbench.interop.threagile`).
* :func:`import_tmbom`: TM-BOM JSON, Threat Dragon 2.6's export
  (:mod:`workbench.interop.tmbom`).
* :func:`import_cyclonedx`: CycloneDX 1.5-1.7 JSON bills of materials
  (:mod:`workbench.interop.cyclonedx_import`).
* :func:`import_mcp`: MCP client configurations (:mod:`workbench.interop.mcp`).
* :func:`import_model`: any of them, the format detected from the content.

:func:`export_otm` and :func:`save_otm` write a model (and optionally the
findings of an analysis) as Open Threat Model, which
:func:`import_otm` reads back exactly.

>>> from workbench.model import load_template
>>> doc = export_otm(load_template("support-assistant"))
>>> doc["otmVersion"], len(doc["components"])
('0.2.0', 14)
"""

from __future__ import annotations

import os
from typing import Any

from workbench.errors import InputError
from workbench.interop._common import (
    FORMAT_NAMES,
    ImportReport,
    ReportEntry,
    load_document,
    sniff,
)
from workbench.interop.cyclonedx_import import cyclonedx_from_data, import_cyclonedx
from workbench.interop.mcp import import_mcp, is_mcp, mcp_from_data, read_mcp
from workbench.interop.otm import export_otm, import_otm, otm_from_data, save_otm
from workbench.interop.threagile import import_threagile, threagile_from_data
from workbench.interop.threat_dragon import import_threat_dragon, threat_dragon_from_data
from workbench.interop.tmbom import import_tmbom, tmbom_from_data
from workbench.model.system import SystemModel

__all__ = [
    "FORMATS",
    "ImportReport",
    "ReportEntry",
    "detect_format",
    "export_otm",
    "import_cyclonedx",
    "import_mcp",
    "import_model",
    "import_otm",
    "import_threagile",
    "import_threat_dragon",
    "import_tmbom",
    "save_otm",
]

#: The formats :func:`import_model` reads.
FORMATS = ("threat-dragon", "otm", "threagile", "tmbom", "cyclonedx", "mcp")

_EXPECTED = (
    "a Threat Dragon model (JSON), an Open Threat Model file, a Threagile model, a TM-BOM, "
    "a CycloneDX bill of materials or an MCP client configuration"
)
_FROM_DATA = {
    "threat-dragon": threat_dragon_from_data,
    "otm": otm_from_data,
    "threagile": threagile_from_data,
    "tmbom": tmbom_from_data,
    "cyclonedx": cyclonedx_from_data,
    "mcp": mcp_from_data,
}
_IMPORTERS = {
    "threat-dragon": import_threat_dragon,
    "otm": import_otm,
    "threagile": import_threagile,
    "tmbom": import_tmbom,
    "cyclonedx": import_cyclonedx,
    "mcp": import_mcp,
}


def _detect(data: Any, name: str) -> str:
    found = sniff(data)
    if found is None and is_mcp(data):
        return "mcp"
    if found == "cyclonedx" and _is_tmbom(data):
        raise InputError(
            f"{name}: a CycloneDX threat-model BOM is not supported: import the Threat Dragon "
            "model itself (JSON), or its TM-BOM export (OWASP threat model library JSON)"
        )
    if found in FORMATS:
        return str(found)
    if found == "workbench":
        raise InputError(f"{name}: already {FORMAT_NAMES['workbench']}: nothing to import")
    raise InputError(
        f"{name}: cannot tell the format: expected {_EXPECTED} (give the format with --from)"
    )


def _is_tmbom(data: Any) -> bool:
    components = data.get("components") if isinstance(data, dict) else None
    return isinstance(components, list) and any(
        isinstance(c, dict) and c.get("type") == "threat-model" for c in components
    )


def _load(path: str | os.PathLike[str]) -> Any:
    """The parsed file; JSON with comments is tried as an MCP configuration (VS Code)."""
    try:
        return load_document(path, expected=_EXPECTED)
    except InputError:
        if str(path).lower().endswith(".json"):
            try:
                data = read_mcp(path)
            except InputError:
                data = None
            if is_mcp(data):
                return data
        raise


def detect_format(path: str | os.PathLike[str]) -> str:
    """The format of *path*: one of :data:`FORMATS`.

    Raises :class:`~workbench.errors.InputError` when the file is none of them.
    """
    return _detect(_load(path), str(path))


def import_model(
    path: str | os.PathLike[str], format: str | None = None
) -> tuple[SystemModel, ImportReport]:
    """Import *path* in *format* (one of :data:`FORMATS`; detected when ``None``)."""
    if format is not None:
        if format not in _IMPORTERS:
            raise InputError(f"unknown import format {format!r}: use one of {', '.join(FORMATS)}")
        return _IMPORTERS[format](path)
    data = _load(path)
    return _FROM_DATA[_detect(data, str(path))](data, str(path))
