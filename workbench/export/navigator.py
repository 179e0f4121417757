"""A system's ATLAS exposure as a Navigator layer (ATLAS Navigator / ATT&CK Navigator).

:func:`navigator_layer` scores each ATLAS technique the findings name with
this system's risk: the highest score (likelihood x impact, 0-25 on the default
matrix) of the findings whose techniques include it. Each technique gets one
entry per tactic it belongs to (``tactic`` is the tactic's shortname, the
``phase_name`` of ATLAS), sub-techniques are entries of their own with the
dotted id, and the parent of a scored sub-technique is listed with
``showSubtechniques: true`` so the Navigator unfolds it. A technique's
``comment`` names the components (display names; a flow by its ends) and the
finding ids, its ``metadata`` lists the components (and flows) and the band, its ``links`` point to
atlas.mitre.org, and its ``color`` is the colour of its band on the risk
matrix (the same colours as the legend); ``gradient`` spans 0 to the matrix's
highest score.

The layer has the shape of the official ATLAS layers
(``mitre-atlas/atlas-navigator-data``, ``dist/default`` and
``dist/case-studies``): ``domain: "atlas-atlas"``, ``versions: {"layer": "4.3",
"navigator": "4.6.4"}`` (ATLAS Navigator, which is ATT&CK Navigator 4.6.4
with layer format 4.3) and ``metadata: [{"name": "atlas_data_version",
"value": "5.6.0"}]``.

``layer_format="4.5"`` writes the current ATT&CK Navigator layer format
(``versions: {"layer": "4.5", "navigator": "5.1.0"}``, same domain string).
ATT&CK Navigator 5 has no ATLAS domain built in: load the ATLAS STIX bundle
(``stix-atlas.json``) as a custom bundle first (``#bundleURL=...&domain=
atlas-atlas`` or the "custom data" option) and then open the layer; pass
``custom_data_url`` to record the bundle's URL in the layer
(``customDataURL``, layer format 4.4 and later).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from workbench._atomic import atomic_write_text
from workbench.errors import InputError

__all__ = [
    "ATLAS_DOMAIN",
    "LAYER_FORMATS",
    "layer_text",
    "navigator_layer",
    "write_layer",
]

ATLAS_DOMAIN = "atlas-atlas"
#: Layer format -> the ``versions`` it writes.
LAYER_FORMATS: dict[str, dict[str, str]] = {
    "4.3": {"layer": "4.3", "navigator": "4.6.4"},
    "4.5": {"layer": "4.5", "navigator": "5.1.0"},
}
NAVIGATOR5_NOTE = (
    "ATT&CK Navigator 5 has no ATLAS domain built in: load the ATLAS STIX bundle "
    "(stix-atlas.json) as custom data with the domain 'atlas-atlas' before opening this layer."
)


def navigator_layer(
    source: Any,
    *,
    atlas_version: str | None = None,
    layer_format: str = "4.3",
    catalog: Any = None,
    matrix: Any = None,
    name: str | None = None,
    custom_data_url: str | None = None,
    as_of: dt.date | None = None,
) -> dict[str, Any]:
    """The ATLAS Navigator layer (a dict) of a project or ``(model, result)``.

    ``atlas_version`` goes into the layer's ``atlas_data_version`` metadata
    (default: the version the analysis used). See the module docstring for the
    layer's content and ``layer_format``.
    """
    from workbench.export.stix import collect

    if layer_format not in LAYER_FORMATS:
        raise InputError(
            f"unknown layer format {layer_format!r}; use one of {', '.join(LAYER_FORMATS)}"
        )
    if custom_data_url is not None and layer_format == "4.3":
        raise InputError("customDataURL needs layer format 4.4 or later: use layer_format='4.5'")
    data = collect(source, catalog=catalog, matrix=matrix, as_of=as_of)
    catalog, matrix, model = data.catalog, data.matrix, data.model
    version = atlas_version or data.atlas_version or catalog.atlas_version or ""

    # technique id -> findings that name it
    per_technique: dict[str, list[dict[str, Any]]] = {}
    for f in data.findings:
        for t in dict.fromkeys(f.get("techniques") or []):
            if t in catalog:
                per_technique.setdefault(t, []).append(f)
    parents_to_show = {
        catalog.technique(t).parent_id
        for t in per_technique
        if catalog.technique(t).parent_id is not None
    }
    entries: list[dict[str, Any]] = []
    tactic_order = {t.id: i for i, t in enumerate(catalog.tactics())}
    for tid in sorted(set(per_technique) | {p for p in parents_to_show if p}):
        technique = catalog.technique(tid)
        findings = per_technique.get(tid, [])
        base = _scored(findings, tid, technique.url, model, matrix) if findings else {}
        if tid in parents_to_show:
            base["showSubtechniques"] = True
        for tactic_id in sorted(technique.tactics, key=tactic_order.__getitem__):
            entry = {"techniqueID": tid, "tactic": catalog.tactic(tactic_id).shortname}
            entry.update(json.loads(json.dumps(base)))
            entries.append(entry)
    top = matrix.max_likelihood * matrix.max_impact
    description = (
        f"MITRE ATLAS techniques mapped onto {model.name} ({model.id}) by AI Threat Workbench. "
        f"Score: the highest risk score (likelihood x impact, 1-{top}) of the findings that "
        "use the technique; colour: its band on the risk matrix."
    )
    if layer_format != "4.3":
        description += " " + NAVIGATOR5_NOTE
    layer: dict[str, Any] = {
        "name": name or f"{model.name} - ATLAS exposure",
        "versions": dict(LAYER_FORMATS[layer_format]),
        "domain": ATLAS_DOMAIN,
        "description": description,
        "metadata": [{"name": "atlas_data_version", "value": version}],
        "techniques": entries,
        "gradient": {
            "colors": ["#FFFFFF", *(b.colour for b in matrix.bands)],
            "minValue": 0,
            "maxValue": top,
        },
        "legendItems": [
            {"label": f"{b.name} ({b.min}-{b.max})", "color": b.colour} for b in matrix.bands
        ],
    }
    if custom_data_url is not None:
        layer["customDataURL"] = custom_data_url
    return layer


def _scored(
    findings: list[dict[str, Any]], tid: str, url: str, model: Any, matrix: Any
) -> dict[str, Any]:
    """The score, colour, comment, metadata and link of a technique the *findings* use."""
    from workbench.catalog.frameworks import sort_labels

    score = max(int(f["score"]) for f in findings)
    band = matrix.band_of_score(score)
    elements = _elements(model, findings)
    ids = sorted(f["id"] for f in findings)
    owasp = sort_labels(x for f in findings for x in f.get("owasp") or [])
    base: dict[str, Any] = {
        "score": score,
        "color": matrix.colour(band),
        "comment": f"{band} risk (score {score}) on {', '.join(n for _k, n in elements)}. "
        f"Findings: {', '.join(ids)}",
        "enabled": True,
        "metadata": [
            *({"name": kind, "value": name} for kind, name in elements),
            {"name": "band", "value": band},
            {"name": "findings", "value": str(len(ids))},
        ],
        "links": [{"label": f"ATLAS {tid}", "url": url}],
    }
    if owasp:  # the OWASP items the findings' rules map to
        base["comment"] += f". OWASP: {', '.join(owasp)}"
        base["metadata"].append({"name": "owasp", "value": ", ".join(owasp)})
    return base


def _elements(model: Any, findings: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """``(kind, display name)`` of the elements the findings sit on, sorted by name.

    A component is named by its display name; a flow by the display names of
    its ends (``Customer -> Customer tickets``).
    """
    from workbench.export.stix import element_kind

    found: set[tuple[str, str]] = set()
    for f in findings:
        element = f.get("element") or ""
        kind = element_kind(model, element)
        if kind == "flow":
            flow = model.flow(element)
            ends = f"{model.component(flow.source).name} -> {model.component(flow.target).name}"
            label = ends if flow.name == flow.id else f"{flow.name} ({ends})"
            found.add(("flow", label))
        elif kind == "component":
            found.add(("component", model.component(element).name))
        else:
            found.add((f.get("element_type") or "component", f.get("element_name") or element))
    return sorted(found, key=lambda x: (x[1].casefold(), x[0]))


def layer_text(layer: dict[str, Any]) -> str:
    """The layer as stable JSON text (sorted keys, two-space indent, final newline)."""
    return json.dumps(layer, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_layer(
    source: Any,
    path: str | Path,
    *,
    atlas_version: str | None = None,
    layer_format: str = "4.3",
    catalog: Any = None,
    matrix: Any = None,
    name: str | None = None,
    custom_data_url: str | None = None,
    as_of: dt.date | None = None,
) -> Path:
    """Build the layer like :func:`navigator_layer` and write it to *path* atomically."""
    layer = navigator_layer(
        source,
        atlas_version=atlas_version,
        layer_format=layer_format,
        catalog=catalog,
        matrix=matrix,
        name=name,
        custom_data_url=custom_data_url,
        as_of=as_of,
    )
    return atomic_write_text(Path(path), layer_text(layer))
