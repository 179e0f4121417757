"""Export a model (and its findings) as a Threat Dragon v2 model.

* one diagram; components at the positions of :func:`workbench.layout.layout_model`
  (zones are columns ordered by trust), actors as ``actor``, data-bearing kinds
  as ``store``, the rest as ``process``;
* every zone of trust above 0 as a ``trust-boundary-box`` around its
  components; trust-0 zones are drawn as the open canvas, which is how the
  Threat Dragon importer reads them back (outside every box, trust 0);
* flows as ``flow`` cells between their components, with ``isEncrypted`` and
  ``protocol``;
* findings (register rows or an analysis result) as threats on their element:
  title, description (the reason), severity from the band, status from the
  treatment (``mitigate`` → Mitigated, ``accept`` → Accepted, ``transfer`` →
  Transferred, ``avoid`` → Avoided, ``not_applicable`` → NotApplicable,
  otherwise Open) and the ATLAS technique in ``type``.

Ids are stable: ``<element id>`` for cells and ``<finding id>`` for threats, so
the same model always gives the same file. ``summary.attributes`` marks the file
as written by the workbench and each shape's ``data`` keeps ``workbench:kind``,
so importing it back keeps ids and kinds exactly. See ``docs/interop/threat-dragon.md``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from workbench._atomic import atomic_write_text
from workbench.errors import InputError
from workbench.interop.recognise import STORE_KINDS
from workbench.model.system import SystemModel

__all__ = ["TD_VERSION", "export_threat_dragon", "save_threat_dragon"]

TD_VERSION = "2.3.0"
_UNIT = 200
_SIZE = {"actor": (160, 80), "process": (100, 100), "store": (160, 80)}
_TYPE = {"actor": "tm.Actor", "process": "tm.Process", "store": "tm.Store"}
_STATUS = {
    "mitigate": "Mitigated",
    "accept": "Accepted",
    "transfer": "Transferred",
    "avoid": "Avoided",
    "not_applicable": "NotApplicable",
}
_SEVERITY = {"low": "Low", "medium": "Medium", "high": "High", "critical": "Critical"}


def _shape(kind: str) -> str:
    return "actor" if kind == "actor" else "store" if kind in STORE_KINDS else "process"


def export_threat_dragon(
    model: SystemModel, *, rows: Iterable[Mapping[str, Any]] | None = None, result: Any = None
) -> dict[str, Any]:
    """The model as a Threat Dragon v2 document; findings from *rows* or *result*."""
    from workbench.layout import layout_model

    if rows is None and result is not None:
        from workbench.register import finding_row

        rows = [finding_row(f, model) for f in result.findings]
    by_element: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows or ():
        if row.get("element"):
            by_element.setdefault(str(row["element"]), []).append(row)
    layout = layout_model(model)
    cells = [_box_cell(box) for box in layout.zones if box.trust > 0]
    cells += [
        _component_cell(comp, layout, _threats(by_element.get(comp.id, ())))
        for comp in model.components()
    ]
    cells += [_flow_cell(flow, _threats(by_element.get(flow.id, ()))) for flow in model.flows()]
    return {
        "version": TD_VERSION,
        "summary": {
            "title": model.name,
            "owner": str(model.facts.get("owner") or ""),
            "description": model.description or "",
            "id": 0,
            # kept by Threat Dragon; tells the importer to keep the cell ids
            "attributes": {"workbench:ids": "cells"},
        },
        "detail": {
            "contributors": [],
            "diagrams": [
                {
                    "id": 0,
                    "title": model.name,
                    "diagramType": "Generic",
                    "placeholder": "New generic diagram description",
                    "thumbnail": "./public/content/images/thumbnail.jpg",
                    "version": TD_VERSION,
                    "cells": cells,
                }
            ],
            "diagramTop": 1,
            "reviewer": "",
            "threatTop": sum(len(v) for v in by_element.values()),
        },
    }


def _threats(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The Threat Dragon threats of one element's register rows, by finding id."""
    return [
        {
            "id": str(row.get("id")),
            "title": str(row.get("title") or row.get("id")),
            "status": _STATUS.get(str(row.get("treatment") or ""), "Open"),
            "severity": _SEVERITY.get(str(row.get("band") or ""), "TBD"),
            "type": str(row.get("technique") or "ATLAS"),
            "description": str(row.get("reason") or ""),
            "mitigation": "; ".join(str(m) for m in row.get("mitigations") or ()),
            "modelType": "Generic",
            "new": False,
        }
        for row in sorted(rows, key=lambda r: str(r.get("id")))
    ]


def _box_cell(box: Any) -> dict[str, Any]:
    return {
        "id": f"zone-{box.id}",
        "shape": "trust-boundary-box",
        "zIndex": -1,
        "position": {"x": round(box.x0 * _UNIT) + 10, "y": 10},
        "size": {
            "width": round((box.x1 - box.x0) * _UNIT) - 20,
            "height": round((box.y1 - box.y0) * _UNIT) - 20,
        },
        "attrs": {"label": {"text": box.name}},
        "data": {
            "type": "tm.BoundaryBox",
            "name": box.name,
            "description": f"Zone {box.id} (trust {box.trust})",
            "isTrustBoundary": True,
            "hasOpenThreats": False,
        },
    }


def _component_cell(comp: Any, layout: Any, found: list[dict[str, Any]]) -> dict[str, Any]:
    shape = _shape(comp.kind)
    w, h = _SIZE[shape]
    x, y = layout.positions.get(comp.id, (0.5, 0.5))
    return {
        "id": comp.id,
        "shape": shape,
        "zIndex": 1,
        "position": {
            "x": round(x * _UNIT) - w // 2,
            "y": round((layout.height - y) * _UNIT) - h // 2,
        },
        "size": {"width": w, "height": h},
        "attrs": {"text": {"text": comp.name}},
        "data": {
            "type": _TYPE[shape],
            "name": comp.name,
            "description": comp.description or "",
            "outOfScope": False,
            "isTrustBoundary": False,
            "hasOpenThreats": any(t["status"] == "Open" for t in found),
            "threats": found,
            "workbench:kind": comp.kind,
            **({"isEncrypted": True} if comp.get("encrypted_at_rest") is True else {}),
        },
    }


def _flow_cell(flow: Any, found: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": flow.id,
        "shape": "flow",
        "zIndex": 10,
        "source": {"cell": flow.source},
        "target": {"cell": flow.target},
        "vertices": [],
        "labels": [flow.name],
        "data": {
            "type": "tm.Flow",
            "name": flow.name,
            "description": flow.description or "",
            "isEncrypted": flow.get("encrypted") is True,
            "protocol": flow.get("protocol") or "",
            "isPublicNetwork": False,
            "isBidirectional": False,
            "outOfScope": False,
            "isTrustBoundary": False,
            "hasOpenThreats": any(t["status"] == "Open" for t in found),
            "threats": found,
        },
    }


def save_threat_dragon(
    model: SystemModel,
    path: str | os.PathLike[str],
    *,
    rows: Iterable[Mapping[str, Any]] | None = None,
    result: Any = None,
) -> Path:
    """Write :func:`export_threat_dragon` of *model* to *path* (.json) atomically."""
    target = Path(path)
    if target.suffix.lower() != ".json":
        raise InputError(f"{path}: a Threat Dragon model is JSON: use a .json file name")
    doc = export_threat_dragon(model, rows=rows, result=result)
    return atomic_write_text(target, json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
