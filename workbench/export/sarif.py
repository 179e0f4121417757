"""Undecided threats as SARIF 2.1.0, for ``workbench check PROJECT --format sarif``.

Code-scanning tools (GitHub code scanning, Azure DevOps, IDE SARIF viewers)
show each undecided finding as an alert on the line of the project's
``model.yaml`` where its component or flow is declared:

* ``runs[0].tool.driver.rules``: the workbench rules that fired (``id``,
  ``name``, ``shortDescription``, ``fullDescription``, ``helpUri`` to the ATLAS
  page of the rule's technique), plus ``manual`` for findings added by hand;
* ``runs[0].results``: one per row given, with ``ruleId``, ``level`` from the
  band (critical and high: ``error``, medium: ``warning``, low: ``note``),
  ``message.text``, the location in ``model.yaml`` (relative to the project,
  ``uriBaseId: PROJECTROOT``), a logical location naming the element, a
  ``partialFingerprints`` entry with the finding id (stable across runs) and
  ``properties`` with score, band, technique, OWASP ids and status.

The report is deterministic: no timestamps, no absolute paths.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from workbench._version import __version__
from workbench.errors import WorkbenchError
from workbench.export.stix import TOOL_NAME

__all__ = ["BAND_LEVELS", "SARIF_SCHEMA", "SARIF_VERSION", "model_lines", "sarif_report"]

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
INFORMATION_URI = "https://github.com/ai-threat-workbench/ai-threat-workbench"
ATLAS_URL = "https://atlas.mitre.org"
URI_BASE = "PROJECTROOT"
MODEL_FILE = "model.yaml"
#: Band -> SARIF level; any other band (an organisation's matrix) is a warning.
BAND_LEVELS: dict[str, str] = {
    "critical": "error",
    "high": "error",
    "medium": "warning",
    "low": "note",
}
#: Band -> GitHub ``security-severity`` (0.0-10.0) so code scanning ranks the alerts.
_SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "2.0"}


def model_lines(text: str, filename: str = MODEL_FILE) -> dict[tuple[str, str], int]:
    """``(section, element id) -> line`` of each component and flow entry in a model file.

    ``section`` is ``components`` or ``flows``; the line is that of the entry's
    ``id`` key (or of the entry itself). Parsed with the workbench's safe YAML
    parser; JSON model files parse the same way.
    """
    from workbench.model._yaml import parse_yaml

    data, lines, _dups = parse_yaml(text, filename)
    out: dict[tuple[str, str], int] = {}
    if not isinstance(data, dict):
        return out
    for section in ("components", "flows"):
        entries = data.get(section)
        if not isinstance(entries, list):
            continue
        for i, entry in enumerate(entries):
            if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                line = lines.get((section, i, "id")) or lines.get((section, i)) or 1
                out.setdefault((section, entry["id"]), line)
    return out


def _camel(rule_id: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in re.split(r"[^A-Za-z0-9]+", rule_id) if p)


def _technique_url(catalog: Any, technique: str) -> str:
    if technique and catalog is not None and technique in catalog:
        return str(catalog.technique(technique).url)
    if technique:
        return f"{ATLAS_URL}/techniques/{technique}"
    return ATLAS_URL


def _rule_descriptor(
    rule_id: str, rules: Any, catalog: Any, row: Mapping[str, Any]
) -> dict[str, Any]:
    rule = None
    if rules is not None and rule_id != "manual":
        try:
            rule = rules.get(rule_id)
        except (KeyError, LookupError, AttributeError):
            rule = None
    if rule is not None:
        technique = rule.technique
        title = rule.title
        full = rule.description or rule.title
    elif rule_id == "manual":
        technique = ""
        title = "Threat added by an analyst"
        full = "A finding an analyst added by hand to the project (not produced by a rule)."
    else:
        technique = row.get("technique") or ""
        title = row.get("title") or rule_id
        full = title
    tags = ["security", "ai-threat-model"]
    if technique:
        tags.append(technique)
    descriptor: dict[str, Any] = {
        "id": rule_id,
        "name": _camel(rule_id) or rule_id,
        "shortDescription": {"text": title},
        "fullDescription": {"text": " ".join(str(full).split())},
        "helpUri": _technique_url(catalog, technique),
        "help": {
            "text": (
                f"MITRE ATLAS {technique}: {_technique_url(catalog, technique)}. "
                if technique
                else ""
            )
            + "Record a decision on the finding in the project (mitigate, accept, transfer, "
            "avoid or not_applicable) to clear this alert."
        },
        "properties": {"tags": tags},
    }
    if technique:
        descriptor["properties"]["technique"] = technique
    return descriptor


def _level(band: str) -> str:
    return BAND_LEVELS.get(band, "warning")


def _result(
    row: Mapping[str, Any], lines: Mapping[tuple[str, str], int], index: Mapping[str, int]
) -> dict[str, Any]:
    """One SARIF result: a register row at its element's line in model.yaml."""
    rule_id = str(row.get("rule") or "manual")
    element = str(row.get("element") or "")
    element_type = row.get("element_type") or "component"
    section = "flows" if element_type == "flow" else "components"
    other = "components" if section == "flows" else "flows"
    if (section, element) not in lines and (other, element) in lines:
        section = other  # the element is of the other kind: trust the model file
    line = lines.get((section, element), 1)
    band = str(row.get("band") or "")
    technique = str(row.get("technique") or "")
    technique_name = str(row.get("technique_name") or "")
    about = f"{technique} {technique_name}".strip()
    text = (
        f"{row.get('title') or rule_id} on {row.get('element_name') or element}"
        + (f" ({about})" if about else "")
        + f": {band} risk, score {row.get('score')}, {row.get('status') or 'open'}."
    )
    reason = " ".join(str(row.get("reason") or "").split())
    if reason:
        text += " " + reason
    properties: dict[str, Any] = {
        "finding": row.get("id"),
        "score": row.get("score"),
        "band": band,
        "likelihood": row.get("likelihood"),
        "impact": row.get("impact"),
        "technique": technique,
        "techniques": list(row.get("techniques") or []),
        "owasp": list(row.get("owasp") or []) or None,
        "status": row.get("status"),
        "element": element,
        "elementType": element_type,
    }
    if band in _SECURITY_SEVERITY:
        properties["security-severity"] = _SECURITY_SEVERITY[band]
    return {
        "ruleId": rule_id,
        "ruleIndex": index[rule_id],
        "level": _level(band),
        "message": {"text": text},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": MODEL_FILE, "uriBaseId": URI_BASE},
                    "region": {"startLine": int(line)},
                },
                "logicalLocations": [
                    {
                        "name": element,
                        "fullyQualifiedName": f"{section}/{element}",
                        "kind": "element",
                    }
                ],
            }
        ],
        "partialFingerprints": {"workbenchFinding/v1": str(row.get("id"))},
        "properties": {k: v for k, v in properties.items() if v is not None},
    }


def sarif_report(project: Any, rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The SARIF 2.1.0 log (a dict) of *rows* (register rows, e.g. ``project.undecided()``).

    Locations point into ``project.path / "model.yaml"``; when the file cannot
    be read or an element is not in it, the result points at line 1.
    """
    rows = list(rows)
    catalog = getattr(project, "catalog", None)
    rules = getattr(project, "rules", None)
    model_path = Path(project.path) / MODEL_FILE
    try:
        lines = model_lines(model_path.read_text(encoding="utf-8-sig"), str(model_path))
    except (OSError, UnicodeDecodeError, WorkbenchError):
        lines = {}  # the report still lists every result, at line 1
    descriptors: dict[str, dict[str, Any]] = {}
    for row in rows:
        rule_id = str(row.get("rule") or "manual")
        if rule_id not in descriptors:
            descriptors[rule_id] = _rule_descriptor(rule_id, rules, catalog, row)
    order = sorted(descriptors)
    index = {rule_id: i for i, rule_id in enumerate(order)}
    results = [_result(row, lines, index) for row in rows]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [descriptors[r] for r in order],
            }
        },
        "originalUriBaseIds": {
            URI_BASE: {"description": {"text": "The project folder (holds model.yaml)."}}
        },
        "artifacts": [
            {
                "location": {"uri": MODEL_FILE, "uriBaseId": URI_BASE},
                "description": {"text": "The system model of the project."},
            }
        ],
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    model = getattr(project, "model", None)
    if model is not None:
        run["properties"] = {"system": model.id, "project": str(getattr(project, "name", ""))}
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}
