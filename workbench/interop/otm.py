"""Open Threat Model (OTM) import and export.

OTM (https://github.com/iriusrisk/OpenThreatModel) is the interchange format of
IriusRisk, StartLeft and Threat Dragon: a JSON or YAML document with
``otmVersion``, ``project``, ``trustZones``, ``components``, ``dataflows``,
``threats`` and ``mitigations``.

Export (:func:`export_otm`, :func:`save_otm`)
==============================================

* ``project``: the system's id, name, description and owner.
* ``trustZones``: one per zone; ``risk.trustRating = min(100, 25 × trust)``
  (trust 0, 1, 2, 3, 4 → 0, 25, 50, 75, 100).
* ``representations``: one ``diagram``; each component and zone has a
  representation on it with a position and a size from
  :func:`workbench.layout.layout_model`, so Threat Dragon's OTM import draws it.
* ``components``: ``type`` ``actor``, ``generic-service`` or ``database`` (table
  :data:`KIND_TO_TYPE`: the plain types Threat Dragon and IriusRisk draw as
  actors, processes and stores), ``parent`` the zone, ``tags`` the component's tags.
* ``dataflows``: one per flow, never bidirectional (a workbench flow has one
  direction).
* Everything else of the workbench model travels in ``attributes`` under keys
  prefixed ``workbench:`` with text values (OTM attributes are a map of
  strings): ``workbench:kind`` on components, ``workbench:trust`` on zones,
  every stated attribute (booleans ``true``/``false``, numbers as written,
  lists and records as JSON text), ``workbench:unnamed`` where OTM needs a name
  the model did not state, and on the project ``workbench:schema_version``,
  the other system facts and ``workbench:custom_attributes``. Importing such a
  file gives back the same model exactly.
* With an analysis result, ``threats`` holds one threat per finding: ``id`` =
  finding id, ``name`` = title, ``description`` = reason, ``categories`` = its
  ATLAS technique ids (primary first), ``risk.likelihood``/``risk.impact`` =
  level × 100 / levels of the risk matrix (5 × 5: 1..5 → 20, 40, 60, 80, 100)
  with the reasons as comments. Each component or flow lists its findings in
  ``threats`` (state ``exposed`` while the finding is open), each with the ATLAS
  mitigations as ``recommended``. ``mitigations`` lists those ATLAS mitigations
  with their ATLAS names and ``riskReduction`` = 100 / likelihood levels (20 on
  the default matrix): the workbench's default expected effect of a mitigation
  is one likelihood level.
* Output is deterministic: zones, components, flows, threats and mitigations
  sorted by id; keys in a fixed order.

Import (:func:`import_otm`)
===========================

* Zones: trust from ``workbench:trust`` when present, else from
  ``risk.trustRating`` in bands of 25 centred on the export values: 0–12 → 0,
  13–37 → 1, 38–62 → 2, 63–87 → 3, 88–100 → 4. A zone without a rating gets
  trust 0 (reported).
* Components: kind from ``workbench:kind`` when present, else from ``type``
  by :func:`kind_for_type` (exact names first, then keywords in the type; AI
  kinds found by keyword are reported as guesses; an unknown type becomes
  ``application`` and is reported). A component whose parent is another
  component sits in that component's zone; one without a usable parent goes to
  a zone ``unassigned`` of trust 0 (reported).
* Ids: kept when valid; UUIDs and invalid ids of files not written by the
  workbench are replaced by ids made from names.
* ``bidirectional`` dataflows become two flows (``ID`` and ``ID-reverse``).
* Data assets are not components: where a data-bearing component stores
  assets, the highest confidentiality sets its ``sensitivity`` (0–24 public,
  25–59 internal, 60–100 confidential; reported as assumed).
* Security attributes (``Encrypted``, ``Stores Credentials``, ``Provides
  Confidentiality``, ``Source Authenticated``, ``Sanitizes Input``…) are mapped
  where a workbench attribute exists (:data:`SECURITY_ATTRIBUTES`), the rest
  reported.
* Threats referenced by components and flows are kept in the report's
  ``threats`` with their state, risk and mitigations, for
  :func:`workbench.interop.carry.carry_over`; a workbench export's own findings
  are not (the analysis derives them again).
* Kinds not given by ``workbench:kind`` come from the exact type, then the
  shared recogniser (types, then names), then keywords; network containers
  (VPC, subnet) become zones. See ``docs/interop/otm.md``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from workbench._atomic import atomic_write_text
from workbench.errors import InputError, ModelError
from workbench.interop._base import Importer, read_and_import
from workbench.interop._common import (
    IdSpace,
    ImportReport,
    as_list,
    as_mapping,
    hint,
    is_uuid,
    label,
    level_from_percent,
    plain_data,
    plural,
    slugify,
    text_list,
    valid_id,
)
from workbench.interop._common import (
    quoted_ref as _ref,
)
from workbench.interop.recognise import STORE_KINDS, recognise, technique_for
from workbench.model.definitions import (
    BOOL,
    FLOW_ATTRIBUTES,
    INTEGER,
    KINDS,
    LINKS,
    LIST,
    NUMBER,
    RECORD,
    RECORDS,
    SCHEMA_VERSION,
    SYSTEM_FACTS,
    AttrSpec,
)
from workbench.model.system import SystemModel

__all__ = [
    "KIND_TO_TYPE",
    "LEGACY_TYPES",
    "OTM_VERSION",
    "SECURITY_ATTRIBUTES",
    "export_otm",
    "import_otm",
    "kind_for_type",
    "otm_from_data",
    "rating_to_trust",
    "save_otm",
    "trust_to_rating",
]

#: The OTM version written by :func:`export_otm`.
OTM_VERSION = "0.2.0"
#: Prefix of the attribute keys that carry workbench data.
NS = "workbench:"
EXPECTED = "an Open Threat Model file (JSON or YAML with otmVersion and project)"

#: Component ``type`` written for each kind: the plain types that Threat Dragon
#: and IriusRisk draw as processes, stores and actors (Threat Dragon's OTM import
#: draws a type containing "database" as a store, one containing "service" as a
#: process, anything else as an actor). The kind itself travels in
#: the ``workbench:kind`` attribute, so a re-import is exact.
KIND_TO_TYPE: dict[str, str] = {
    kind: "actor"
    if kind == "actor"
    else "database"
    if kind
    in ("data_store", "vector_store", "model_registry", "dataset", "knowledge_source", "prompt")
    else "generic-service"
    for kind in KINDS
}

#: Types earlier versions wrote (one per kind); read back as their kinds.
LEGACY_TYPES: dict[str, str] = {
    "actor": "actor",
    "application": "application",
    "inference_endpoint": "ml-inference-endpoint",
    "model": "ml-model",
    "agent": "ai-agent",
    "tool": "ai-agent-tool",
    "dataset": "ml-dataset",
    "data_pipeline": "data-pipeline",
    "training_pipeline": "ml-training-pipeline",
    "model_registry": "ml-model-registry",
    "vector_store": "vector-database",
    "knowledge_source": "knowledge-source",
    "data_store": "data-store",
    "prompt": "llm-prompt",
    "external_service": "external-service",
    "sensor": "sensor",
    "monitoring": "monitoring",
}

#: Size of a component's box on the exported diagram, and the layout's unit.
SHAPE_SIZE = (120, 60)
LAYOUT_UNIT = 200

# Exact OTM types (lower case) and their kinds, besides the ones above.
_EXACT_TYPES: dict[str, str] = {
    **{t: k for k, t in LEGACY_TYPES.items()},
    "process": "application",
    "web-client": "actor",
    "generic-client": "actor",
    "browser": "actor",
    "mobile-client": "actor",
    "android-device-client": "actor",
    "ios-device-client": "actor",
    "external-entity": "actor",
    "web-service": "application",
    "web-application": "application",
    "web-server": "application",
    "api-gateway": "application",
    "code-class": "application",
    "generic-service": "application",
    "empty-component": "application",
    "message-queue": "application",
    "database": "data_store",
    "generic-data-store": "data_store",
    "s3": "data_store",
    "vector-store": "vector_store",
    "llm": "model",
    "model-registry": "model_registry",
}

# Keyword rules, first match wins: (kind, AI kind guessed?, predicate on tokens/text).
_STORE_WORDS = {
    "db",
    "database",
    "databases",
    "datastore",
    "sql",
    "nosql",
    "postgres",
    "postgresql",
    "mysql",
    "mariadb",
    "mongo",
    "mongodb",
    "dynamodb",
    "redis",
    "cosmos",
    "cosmosdb",
    "storage",
    "s3",
    "bucket",
    "blob",
    "filesystem",
    "elasticsearch",
    "cassandra",
    "rds",
    "aurora",
    "cache",
    "memcached",
    "oracle",
    "sqlserver",
    "warehouse",
    "datalake",
    "ldap",
}
_APP_WORDS = {
    "application",
    "app",
    "api",
    "gateway",
    "service",
    "server",
    "web",
    "queue",
    "lambda",
    "function",
    "container",
    "kubernetes",
    "k8s",
    "ec2",
    "vm",
    "instance",
    "balancer",
    "cdn",
    "waf",
    "microservice",
    "backend",
    "frontend",
    "class",
    "code",
    "process",
    "worker",
    "broker",
    "kafka",
    "sqs",
    "sns",
    "proxy",
    "firewall",
    "cluster",
    "job",
}
# Keyword rules for conventional kinds, first match wins: (kind, predicate on tokens/text).
# AI services, agents, vector stores and infrastructure come from the shared
# recogniser (catalogs/recognisers.yaml) before these rules are tried.
_RULES: tuple[tuple[str, bool, Any], ...] = (
    ("data_pipeline", False, lambda t, s: "etl" in t or ("pipeline" in t and "data" in t)),
    ("sensor", False, lambda t, s: bool(t & {"sensor", "camera", "microphone", "lidar"})),
    (
        "monitoring",
        False,
        lambda t, s: bool(
            t & {"monitoring", "siem", "logging", "cloudwatch", "observability", "telemetry"}
        ),
    ),
    (
        "external_service",
        False,
        lambda t, s: (
            "saas" in t or ("third" in t and "party" in t) or ("external" in t and "service" in t)
        ),
    ),
    (
        "data_store",
        False,
        lambda t, s: (
            bool(t & _STORE_WORDS)
            or "sql" in s
            or ("data" in t and "store" in t)
            or ("file" in t and bool(t & {"server", "system", "share", "storage"}))
        ),
    ),
    (
        "actor",
        False,
        lambda t, s: (
            bool(t & {"client", "browser", "user", "users", "actor", "human", "person", "customer"})
            or ("external" in t and "entity" in t)
        ),
    ),
    ("application", False, lambda t, s: bool(t & _APP_WORDS)),
)


def kind_for_type(otm_type: Any) -> tuple[str, str]:
    """The workbench kind for an OTM component ``type`` and how it was found.

    Returns ``(kind, how)`` where ``how`` is ``"exact"`` (a known type name),
    ``"keyword"`` (a word in the type), ``"guessed"`` (an AI kind found by
    keyword: worth checking) or ``"unknown"`` (no rule matched: ``application``).

    >>> kind_for_type("CD-MICROSOFT-AZURE-DB-POSTGRESQL")
    ('data_store', 'keyword')
    >>> kind_for_type("openai-llm")
    ('model', 'guessed')
    >>> kind_for_type("ml-model")
    ('model', 'exact')
    """
    if not isinstance(otm_type, str) or not otm_type.strip():
        return "application", "unknown"
    text = otm_type.strip().lower()
    if text in _EXACT_TYPES:
        return _EXACT_TYPES[text], "exact"
    found = recognise(type=otm_type, zones=False)
    if found is not None and found.kind is not None:
        return found.kind, "guessed" if found.ai else "keyword"
    tokens = {t for t in re.split(r"[^a-z0-9]+", text) if t}
    for kind, ai, predicate in _RULES:
        if predicate(tokens, text):
            return kind, "guessed" if ai else "keyword"
    return "application", "unknown"


def trust_to_rating(trust: int) -> int:
    """OTM ``trustRating`` (0–100) for a workbench trust level: 25 per level, at most 100."""
    return max(0, min(100, int(trust) * 25))


def rating_to_trust(rating: float) -> int:
    """Workbench trust level for an OTM ``trustRating``: bands of 25 centred on 0, 25…100.

    >>> [rating_to_trust(r) for r in (0, 10, 20, 50, 100)]
    [0, 0, 1, 2, 4]
    """
    value = max(0.0, min(100.0, float(rating)))
    return int((value + 12.5) // 25)


# -- attribute values as text ----------------------------------------------------------




def encode_value(value: Any, spec: AttrSpec) -> str:
    """A workbench attribute value as OTM attribute text (decoded by :func:`decode_value`)."""
    if spec.type == BOOL:
        return "true" if value else "false"
    if spec.type in (NUMBER, INTEGER, LIST, LINKS, RECORD, RECORDS):
        return json.dumps(plain_data(value), ensure_ascii=False, sort_keys=True)
    return str(value)


def decode_value(raw: Any, spec: AttrSpec) -> Any:
    """The value of OTM attribute text for *spec*; :class:`ValueError` when it does not fit."""
    value: Any = raw
    if isinstance(raw, str):
        if spec.type == BOOL:
            if raw.strip().lower() not in ("true", "false"):
                raise ValueError(f"expected true or false, got {raw!r}")
            value = raw.strip().lower() == "true"
        elif spec.type in (NUMBER, INTEGER, LIST, LINKS, RECORD, RECORDS):
            try:
                value = json.loads(raw)
            except ValueError:
                if spec.type in (LIST, LINKS):  # a single item written as plain text
                    value = [raw]
                else:
                    raise ValueError(f"expected {spec.expected()}, got {raw!r}") from None
    norm, problems = spec.check(value)
    if problems:
        raise ValueError(problems[0][1])
    return norm


# -- export ------------------------------------------------------------------------------


def _named(entry: dict[str, Any], attrs: dict[str, str], name: Any, fallback: str) -> None:
    if name:
        entry["name"] = str(name)
    else:
        entry["name"] = fallback
        attrs[NS + "unnamed"] = "true"


def export_otm(
    model: SystemModel,
    *,
    result: Any = None,
    matrix: Any = None,
    catalog: Any = None,
) -> dict[str, Any]:
    """The model as an Open Threat Model document (plain data, ready for JSON).

    With *result* (:func:`workbench.rules.analyze`), findings become OTM
    ``threats`` and their ATLAS mitigations ``mitigations``; *matrix* (the risk
    matrix the result was scored with; the bundled one by default) scales
    likelihood and impact to 0–100, and *catalog* names the mitigations.
    """
    from workbench.layout import layout_model

    layout = layout_model(model)
    threat_refs = _threat_refs(model, result) if result is not None else {}
    doc: dict[str, Any] = {
        "otmVersion": OTM_VERSION,
        "project": _otm_project(model),
        "representations": [
            {
                "id": "diagram",
                "name": f"{model.name} diagram",
                "type": "diagram",
                "size": {"width": _px(layout.width) + 200, "height": _px(layout.height) + 100},
            }
        ],
        "trustZones": _otm_zones(model, layout),
        "components": _otm_components(model, layout, threat_refs),
        "dataflows": _otm_flows(model, threat_refs),
    }
    if result is not None:
        threats, mitigations = _threats(result, matrix, catalog)
        doc["threats"] = threats
        doc["mitigations"] = mitigations
    return doc


def _px(value: float) -> int:
    return round(value * LAYOUT_UNIT)


def _encoded(
    attrs: dict[str, str],
    values: Mapping[str, Any],
    specs: Mapping[str, AttrSpec],
    skip: tuple[str, ...] = ("name", "description"),
) -> dict[str, str]:
    """*attrs* with every value of *values* but *skip* encoded under ``workbench:``, sorted."""
    for key in sorted(values):
        if key not in skip:
            attrs[NS + key] = encode_value(values[key], specs[key])
    return dict(sorted(attrs.items()))


def _diagram(ident: str, x: int, y: int, width: int, height: int) -> list[dict[str, Any]]:
    return [
        {
            "representation": "diagram",
            "id": ident,
            "position": {"x": x, "y": y},
            "size": {"width": width, "height": height},
        }
    ]


def _otm_project(model: SystemModel) -> dict[str, Any]:
    facts = dict(model.facts)
    project: dict[str, Any] = {}
    p_attrs: dict[str, str] = {NS + "schema_version": str(SCHEMA_VERSION)}
    _named(project, p_attrs, facts.pop("name", None), model.id)
    project["id"] = model.id
    description = facts.pop("description", None)
    if description:
        project["description"] = description
    owner = facts.pop("owner", None)
    if owner:
        project["owner"] = owner
    p_attrs = _encoded(p_attrs, facts, {s.name: s for s in SYSTEM_FACTS}, ())
    custom = model.to_dict().get("custom_attributes")
    if custom:
        p_attrs[NS + "custom_attributes"] = json.dumps(custom, ensure_ascii=False, sort_keys=True)
    project["attributes"] = dict(sorted(p_attrs.items()))
    return project


def _otm_zones(model: SystemModel, layout: Any) -> list[dict[str, Any]]:
    boxes = {b.id: b for b in layout.zones}
    zones = []
    for zone in sorted(model.zones(), key=lambda z: z.id):
        z_attrs: dict[str, str] = {NS + "trust": str(zone.trust)}
        entry: dict[str, Any] = {"id": zone.id}
        _named(entry, z_attrs, zone.attrs.get("name"), zone.id)
        if zone.description:
            entry["description"] = zone.description
        entry["risk"] = {"trustRating": trust_to_rating(zone.trust)}
        entry["attributes"] = dict(sorted(z_attrs.items()))
        box = boxes.get(zone.id)
        if box is not None:
            entry["representations"] = _diagram(
                f"{box.id}-box", _px(box.x0), 0, _px(box.x1 - box.x0), _px(box.y1 - box.y0)
            )
        zones.append(entry)
    return zones


def _otm_components(
    model: SystemModel, layout: Any, threat_refs: Mapping[str, list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    components = []
    for comp in sorted(model.components(), key=lambda c: c.id):
        c_attrs: dict[str, str] = {NS + "kind": comp.kind}
        entry: dict[str, Any] = {"id": comp.id}
        _named(entry, c_attrs, comp.attrs.get("name"), comp.id)
        entry["type"] = KIND_TO_TYPE[comp.kind]
        if comp.description:
            entry["description"] = comp.description
        entry["parent"] = {"trustZone": comp.zone}
        if "tags" in comp.attrs:
            entry["tags"] = list(comp.attrs["tags"])
        entry["attributes"] = _encoded(
            c_attrs, comp.attrs, model.attributes_for(comp.kind), ("name", "description", "tags")
        )
        if comp.id in layout.positions:
            x, y = layout.positions[comp.id]
            w, h = SHAPE_SIZE
            entry["representations"] = _diagram(
                f"{comp.id}-shape", _px(x) - w // 2, _px(layout.height - y) - h // 2, w, h
            )
        if comp.id in threat_refs:
            entry["threats"] = threat_refs[comp.id]
        components.append(entry)
    return components


def _otm_flows(
    model: SystemModel, threat_refs: Mapping[str, list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    flow_specs = {s.name: s for s in FLOW_ATTRIBUTES}
    dataflows = []
    for flow in sorted(model.flows(), key=lambda f: f.id):
        f_attrs: dict[str, str] = {}
        entry: dict[str, Any] = {"id": flow.id}
        _named(entry, f_attrs, flow.attrs.get("name"), flow.id)
        if flow.description:
            entry["description"] = flow.description
        entry["source"] = flow.source
        entry["destination"] = flow.target
        entry["bidirectional"] = False
        entry["attributes"] = _encoded(f_attrs, flow.attrs, flow_specs)
        if flow.id in threat_refs:
            entry["threats"] = threat_refs[flow.id]
        dataflows.append(entry)
    return dataflows


def _state(status: str) -> str:
    return "exposed" if status == "open" else status


def _threat_refs(model: SystemModel, result: Any) -> dict[str, list[dict[str, Any]]]:
    refs: dict[str, list[dict[str, Any]]] = {}
    for finding in sorted(result.findings, key=lambda f: f.id):
        if finding.element not in model:
            continue
        refs.setdefault(finding.element, []).append(
            {
                "threat": finding.id,
                "state": _state(finding.status),
                "mitigations": [
                    {"mitigation": m, "state": "recommended"}
                    for m in sorted(set(finding.mitigations))
                ],
            }
        )
    return refs


def _scale(level: int, levels: int) -> int:
    return max(0, min(100, round(int(level) * 100 / max(1, levels))))


def _threats(result: Any, matrix: Any, catalog: Any) -> tuple[list[Any], list[Any]]:
    if matrix is None:
        from workbench.risk.matrix import load_matrix

        matrix = load_matrix()
    threats = []
    mitigation_ids: set[str] = set()
    for f in sorted(result.findings, key=lambda f: f.id):
        risk: dict[str, Any] = {
            "likelihood": _scale(f.likelihood, matrix.max_likelihood),
            "impact": _scale(f.impact, matrix.max_impact),
        }
        if f.likelihood_reason:
            risk["likelihoodComment"] = f.likelihood_reason
        if f.impact_reason:
            risk["impactComment"] = f.impact_reason
        threats.append(
            {
                "id": f.id,
                "name": f.title,
                "description": f.reason,
                "categories": list(dict.fromkeys([f.technique, *f.techniques])),
                "risk": risk,
                "tags": [f.band],
                "attributes": {
                    NS + "band": f.band,
                    NS + "element": f.element,
                    NS + "rule": f.rule,
                    NS + "score": str(f.score),
                    NS + "status": f.status,
                },
            }
        )
        mitigation_ids.update(f.mitigations)
    if mitigation_ids and catalog is None:
        from workbench.catalog import load_catalog

        catalog = load_catalog()
    reduction = _scale(1, matrix.max_likelihood)
    mitigations = []
    for mid in sorted(mitigation_ids):
        name, url = mid, f"https://atlas.mitre.org/mitigations/{mid}"
        try:
            found = catalog.mitigation(mid)
            name, url = found.name, found.url or url
        except (KeyError, InputError):
            pass
        mitigations.append(
            {
                "id": mid,
                "name": name,
                "description": f"MITRE ATLAS mitigation {mid}: {url}",
                "riskReduction": reduction,
                "attributes": {NS + "source": "MITRE ATLAS", NS + "url": url},
            }
        )
    return threats, mitigations


def dumps_otm(doc: Mapping[str, Any], format: str = "json") -> str:
    """An OTM document as JSON (2-space indent) or block-style YAML text."""
    if format == "json":
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    if format == "yaml":
        text: str = yaml.dump(
            dict(doc),
            Dumper=_OtmDumper,
            sort_keys=False,
            allow_unicode=True,
            default_flow_style=False,
            width=100,
        )
        return text
    raise InputError(f"unknown OTM format {format!r}: use json or yaml")


def save_otm(
    model: SystemModel,
    path: str | os.PathLike[str],
    *,
    result: Any = None,
    matrix: Any = None,
    catalog: Any = None,
) -> Path:
    """Write :func:`export_otm` of *model* to *path* atomically (.json, .yaml or .yml)."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix == ".json":
        fmt = "json"
    elif suffix in (".yaml", ".yml"):
        fmt = "yaml"
    else:
        raise InputError(
            f"{path}: cannot tell the format from the suffix: use .json, .yaml or .yml"
        )
    doc = export_otm(model, result=result, matrix=matrix, catalog=catalog)
    return atomic_write_text(target, dumps_otm(doc, fmt))


class _OtmDumper(yaml.SafeDumper):
    """Block style, no aliases; strings that look like dates or numbers stay quoted."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


# -- import ------------------------------------------------------------------------------


def import_otm(path: str | os.PathLike[str]) -> tuple[SystemModel, ImportReport]:
    """Import an Open Threat Model file (JSON or YAML) as a model and an import report.

    Raises :class:`~workbench.errors.InputError` for a file that is not OTM.
    """
    return read_and_import(path, otm_from_data, expected=EXPECTED)


#: The sections of an OTM document that are lists.
_LIST_SECTIONS = (
    "trustZones", "components", "dataflows", "threats", "mitigations", "assets", "representations"
)
_ZONE_KEYS = {"id", "name", "description", "risk", "attributes", "representations"}
_COMPONENT_KEYS = {
    "id",
    "name",
    "description",
    "type",
    "parent",
    "tags",
    "attributes",
    "representations",
    "threats",
    "assets",
}
_FLOW_KEYS = {
    "id",
    "name",
    "description",
    "source",
    "destination",
    "target",
    "bidirectional",
    "attributes",
    "representations",
    "threats",
    "assets",
    "tags",
}
_PROJECT_KEYS = {"id", "name", "description", "owner", "attributes"}
#: Kinds of generic types, which a name may refine.
_GENERIC = {"application", "data_store", "actor"}

#: OTM security attributes (as Microsoft's tool and IriusRisk write them, compared
#: without case, '-' or '_') → (component attribute, flow attribute); ``None``: none.
SECURITY_ATTRIBUTES: dict[str, tuple[str | None, str | None]] = {
    "encrypted": ("encrypted_at_rest", "encrypted"),
    "stores credentials": ("sensitivity", None),
    "provides confidentiality": (None, "encrypted"),
    "source authenticated": (None, "authenticated"),
    "destination authenticated": (None, None),
    "sanitizes input": ("filters_inputs", None),
}

#: OTM threat state → workbench treatment (``None``: open, no decision).
OTM_STATE_TREATMENTS: dict[str, str | None] = {
    "exposed": None,
    "open": None,
    "mitigated": "mitigate",
    "partly-mitigated": "mitigate",
    "partly mitigated": "mitigate",
    "accepted": "accept",
    "accept": "accept",
    "not-applicable": "not_applicable",
    "not applicable": "not_applicable",
    "notapplicable": "not_applicable",
    "hidden": "not_applicable",
}


def _present(value: Any) -> bool:
    return value not in (None, "", [], {})


def _label(kind: str, entry: Mapping[str, Any], index: int) -> str:
    name = entry.get("name")
    ident = entry.get("id")
    shown = f" {name!r}" if isinstance(name, str) and name else ""
    if isinstance(ident, str) and ident and ident != name:
        shown += f" ({ident})"
    return f"{kind}[{index}]{shown}"


def _confidentiality_to_sensitivity(value: float) -> str:
    if value < 25:
        return "public"
    if value < 60:
        return "internal"
    return "confidential"


class _OtmImport(Importer, tool="otm", expected=EXPECTED):

    def __init__(self, data: Mapping[str, Any], name: str) -> None:
        super().__init__(data, name)
        self.native = False
        self.used_threats: set[Any] = set()
        self.container_zone: dict[Any, str] = {}

    # -- the whole document ------------------------------------------------------------

    def build(self) -> SystemModel:
        data = self.data
        if "otmVersion" not in data:
            raise InputError(
                f"{self.name}: not an Open Threat Model file: no 'otmVersion' "
                f"(expected {EXPECTED}){hint(data, 'otm')}"
            )
        version = data.get("otmVersion")
        if not isinstance(version, (str, int, float)) or isinstance(version, bool):
            raise InputError(f"{self.name}: otmVersion must be text like '0.2.0'")
        project = data.get("project")
        if not isinstance(project, dict):
            raise InputError(
                f"{self.name}: no 'project' mapping with name and id (expected {EXPECTED})"
            )
        for section in _LIST_SECTIONS:
            value = data.get(section)
            if value is not None and not isinstance(value, list):
                raise InputError(f"{self.name}: '{section}' must be a list")
        p_attrs = as_mapping(project.get("attributes"))
        self.native = NS + "schema_version" in p_attrs
        model = self._system(project, p_attrs)
        self.ids = IdSpace()
        self.zone_ids = IdSpace()
        self.zone_map: dict[Any, str] = {}
        self._zones(model)
        self.comp_map: dict[Any, str] = {}
        self._components(model)
        self._flows(model)
        self._rest()
        self.unmapped.flush(self.report, {}, "no place in a workbench model: not imported")
        return model

    def _system(self, project: Mapping[str, Any], p_attrs: Mapping[str, Any]) -> SystemModel:
        element = "project"
        raw_id = project.get("id")
        name = self.text(project.get("name"), element, "name", True)
        if valid_id(raw_id) and (self.native or not is_uuid(raw_id)):
            system_id = str(raw_id)
        else:
            system_id = slugify(name) or slugify(raw_id) or "otm-model"
            if raw_id is not None and raw_id != system_id:
                self.report.add(
                    "note",
                    element,
                    f"id {raw_id!r}",
                    f"not a usable id: the system id is {system_id!r}",
                )
        facts: dict[str, Any] = {}
        if name and not (self.native and p_attrs.get(NS + "unnamed") == "true"):
            facts["name"] = name
        self.keep_text(facts, "description", project.get("description"), element, single=False)
        self.keep_text(facts, "owner", project.get("owner"), element, single=True)
        specs = {s.name: s for s in SYSTEM_FACTS}
        custom: list[Any] = []
        for key, raw in p_attrs.items():
            key = str(key)
            if not key.startswith(NS):
                self.unmapped.add(f"project attribute {key!r}", element)
                continue
            short = key[len(NS) :]
            if short in ("schema_version", "unnamed"):
                continue
            if short == "custom_attributes":
                custom = self._custom(raw)
                continue
            spec = specs.get(short)
            if spec is None or short in ("id", "name", "description", "owner"):
                self.report.add("unmapped", element, key, "not a system fact of the workbench")
                continue
            try:
                facts[short] = decode_value(raw, spec)
            except ValueError as exc:
                self.report.add("unmapped", element, key, f"invalid value: {exc}")
        for key in project:
            if key not in _PROJECT_KEYS and _present(project[key]):
                self.unmapped.add(f"project {key}", element)
        return SystemModel(system_id, custom_attributes=custom, **facts)

    def _custom(self, raw: Any) -> list[Any]:
        try:
            entries = json.loads(raw) if isinstance(raw, str) else raw
            if not isinstance(entries, list):
                raise ValueError("expected a list")
            SystemModel("check", custom_attributes=entries)
        except (ValueError, ModelError) as exc:
            self.report.add(
                "unmapped",
                "project",
                NS + "custom_attributes",
                f"invalid declarations: {str(exc).splitlines()[0]}",
            )
            return []
        return entries

    # -- zones -------------------------------------------------------------------------

    def _zones(self, model: SystemModel) -> None:
        nested: list[tuple[str, str, Mapping[str, Any]]] = []
        rated = False
        for i, z in self.mappings("trustZones", "id, name and risk"):
            element = _label("trustZones", z, i)
            raw_id = z.get("id")
            name = self.text(z.get("name"), element, "name", True)
            attrs = as_mapping(z.get("attributes"))
            zid = self._claim(self.zone_ids, raw_id, name, "zone")
            trust = None
            native_trust = attrs.get(NS + "trust")
            if native_trust is not None:
                try:
                    trust = int(str(native_trust))
                    if trust < 0:
                        raise ValueError
                except ValueError:
                    self.report.add(
                        "unmapped", element, NS + "trust", f"not a trust level: {native_trust!r}"
                    )
                    trust = None
            if trust is None:
                rating = as_mapping(z.get("risk")).get("trustRating")
                if isinstance(rating, str):
                    try:
                        rating = float(rating)
                    except ValueError:
                        rating = None
                if (
                    isinstance(rating, (int, float))
                    and not isinstance(rating, bool)
                    and rating == rating
                ):  # not NaN
                    trust = rating_to_trust(rating)
                    rated = True
                else:
                    trust = 0
                    self.report.add(
                        "assumption",
                        element,
                        "trust",
                        "no risk.trustRating: trust 0 (least trusted) assumed",
                    )
            description = self.text(z.get("description"), element, "description", False)
            display = None if attrs.get(NS + "unnamed") == "true" else name
            model.add_zone(zid, trust, name=display, description=description)
            if raw_id is not None:
                self.zone_map.setdefault(raw_id, zid)
            for key in attrs:
                if not str(key).startswith(NS):
                    self.unmapped.add(f"trust zone attribute {key!r}", element)
            for key in z:
                if key == "parent" and _present(z[key]):
                    nested.append((zid, element, as_mapping(z[key])))
                elif key not in _ZONE_KEYS and _present(z[key]):
                    self.unmapped.add(f"trust zone {key}", element)
        for zid, element, parent in nested:
            ref = parent.get("trustZone", parent.get("id"))
            outer = self.zone_map.get(ref)
            if outer is None:
                self.report.add("unmapped", element, f"parent {ref!r}", "no such trust zone")
                continue
            inner_trust, outer_trust = model.zone(zid).trust, model.zone(outer).trust
            more = inner_trust > outer_trust
            self.report.add(
                "note",
                element,
                f"nested in {outer!r}",
                f"trust {inner_trust} inside a zone of trust {outer_trust}"
                + (
                    ": more trusted than the zone around it, as the file rates it; confirm it"
                    if more
                    else ""
                )
                + "; the workbench has no nested zones: kept as a zone of its own",
            )
        if rated:
            self.report.add(
                "assumption",
                "trustZones",
                "trust levels",
                "from risk.trustRating in bands of 25: 0-12 → 0, 13-37 → 1, "
                "38-62 → 2, 63-87 → 3, 88-100 → 4",
            )

    def _claim(self, space: IdSpace, raw_id: Any, name: str | None, default: str) -> str:
        if valid_id(raw_id) and (self.native or not is_uuid(raw_id)) and space.take(raw_id):
            return str(raw_id)
        return space.claim(
            slugify(name),
            slugify(raw_id) if not is_uuid(raw_id) else None,
            raw_id if valid_id(raw_id) else None,
            default=default,
        )

    def _default_zone(self, model: SystemModel) -> str:
        zid = getattr(self, "_unassigned", None)
        if zid is None:
            zid = self.zone_ids.claim("unassigned")
            model.add_zone(
                zid,
                0,
                name="Unassigned",
                description="Components whose trust zone the OTM file did not give.",
            )
            self.report.add(
                "assumption",
                "components",
                f"zone {zid!r}",
                "components without a usable parent zone go to a zone of trust 0",
            )
            self._unassigned = zid
        return zid

    # -- components --------------------------------------------------------------------

    def _components(self, model: SystemModel) -> None:
        entries = []
        for i, c in self.mappings("components", "id, name, type and parent"):
            entries.append((i, c))
        by_id = {c.get("id"): c for _, c in entries if c.get("id") is not None}
        containers = []
        for i, c in entries:
            if NS + "kind" in as_mapping(c.get("attributes")):
                continue
            found = recognise(type=c.get("type"), name=c.get("name"))
            if found is not None and found.zone:
                containers.append((i, c, found))
        for i, c, found in containers:
            element = _label("components", c, i)
            around = self._zone_of(c, by_id, element, model)
            name = self.text(c.get("name"), element, "name", True)
            zid = self.zone_ids.claim(
                c.get("id") if valid_id(c.get("id")) and not is_uuid(c.get("id")) else None,
                slugify(name),
                default="network",
            )
            trust = model.zone(around).trust
            model.add_zone(zid, trust, name=name)
            self.zone_map[c.get("id")] = zid
            self.container_zone[c.get("id")] = zid
            self.report.add(
                "guessed",
                element,
                f"trust zone {zid!r}",
                f"{found.basis}: a network container, imported as a zone inside {around!r} "
                f"with its trust ({trust}), never more trusted than the zone around it; confirm it",
            )
        skip = {id(c) for _, c, _f in containers}
        for i, c in entries:
            if id(c) in skip:
                continue
            element = _label("components", c, i)
            zone = self._zone_of(c, by_id, element, model)
            self._component(model, c, element, zone)

    def _zone_of(
        self, c: Mapping[str, Any], by_id: Mapping[Any, Any], element: str, model: SystemModel
    ) -> str:
        seen: list[Any] = []
        current: Mapping[str, Any] = c
        while True:
            parent = as_mapping(current.get("parent"))
            zone_ref = parent.get("trustZone")
            comp_ref = parent.get("component")
            if zone_ref is None and comp_ref is None and "id" in parent:  # older layout
                if parent.get("type") == "component":
                    comp_ref = parent.get("id")
                else:
                    zone_ref = parent.get("id")
            if zone_ref is not None:
                if zone_ref in self.zone_map:
                    if seen:
                        self.report.add(
                            "note",
                            element,
                            "parent component",
                            f"nested in component {seen[0]!r}: placed in its "
                            f"zone {self.zone_map[zone_ref]!r}",
                        )
                    return self.zone_map[zone_ref]
                self.report.add(
                    "unmapped", element, f"parent trust zone {zone_ref!r}", "no such trust zone"
                )
                return self._default_zone(model)
            if comp_ref is not None and comp_ref in self.container_zone:
                return self.container_zone[comp_ref]
            if comp_ref is not None:
                if comp_ref in seen or comp_ref not in by_id:
                    why = "a cycle of parents" if comp_ref in seen else "no such component"
                    self.report.add("unmapped", element, f"parent component {comp_ref!r}", why)
                    return self._default_zone(model)
                seen.append(comp_ref)
                current = by_id[comp_ref]
                continue
            self.report.add("unmapped", element, "parent", "no parent trust zone")
            return self._default_zone(model)

    def _component(self, model: SystemModel, c: Mapping[str, Any], element: str, zone: str) -> None:
        raw_id = c.get("id")
        name = self.text(c.get("name"), element, "name", True)
        attrs = as_mapping(c.get("attributes"))
        kind = None
        native_kind = attrs.get(NS + "kind")
        if native_kind is not None:
            if native_kind in KINDS:
                kind = str(native_kind)
            else:
                self.report.add(
                    "unmapped",
                    element,
                    f"{NS}kind {native_kind!r}",
                    "not a workbench kind: kind taken from type",
                )
        otm_type = c.get("type")
        implied: dict[str, Any] = {}
        if kind is None:
            found = recognise(type=otm_type, zones=False)
            if found is not None and found.kind is not None:
                kind, how = found.kind, "recognised"
            else:
                kind, how = kind_for_type(otm_type)
            if how in ("unknown", "keyword") or (how == "exact" and kind in _GENERIC):
                # a generic type: the name may say more (the shared recogniser)
                by_name = recognise(
                    name=name,
                    description=c.get("description"),
                    accept=STORE_KINDS if kind == "data_store" else None,
                    zones=False,
                )
                if by_name is not None and by_name.kind is not None and by_name.kind != kind:
                    found, kind, how = by_name, str(by_name.kind), "recognised"
            if how == "recognised" and found is not None:
                implied = dict(found.attributes)
                self.guessed_kind(element, kind, found)
            elif how == "unknown":
                self.report.add(
                    "guessed",
                    element,
                    f"type {otm_type!r}",
                    "type not recognised: imported as application",
                )
        cid = self._claim(self.ids, raw_id, name, kind.replace("_", "-"))
        if raw_id is not None:
            self.comp_map.setdefault(raw_id, cid)
        table = model.attributes_for(kind)
        values = self._name_and_description(c, attrs, element, name)
        values.update({k: v for k, v in implied.items() if k in table})
        tags = text_list(c.get("tags"))
        if tags or (self.native and isinstance(c.get("tags"), list)):
            values["tags"] = tags
        self._decode(
            attrs, values, element, kind=kind, table=table, noun="component",
            skip=("kind", "unnamed"), own=("name", "description", "tags"),
            not_one=f"not an attribute of {kind}",
        )
        self._assets(c, element, kind, table, values)
        self._threat_refs(cid, c, element)
        for key in c:
            if key not in _COMPONENT_KEYS and _present(c[key]):
                self.unmapped.add(f"component {key}", element)
        model.add_component(cid, kind, zone, **values)

    def _assets(
        self,
        c: Mapping[str, Any],
        element: str,
        kind: str,
        table: Mapping[str, AttrSpec],
        values: dict[str, Any],
    ) -> None:
        assets = as_mapping(c.get("assets"))
        stored = [a for a in as_list(assets.get("stored")) if a is not None]
        processed = [a for a in as_list(assets.get("processed")) if a is not None]
        if not stored and not processed:
            return
        known = {a.get("id"): a for a in as_list(self.data.get("assets")) if isinstance(a, dict)}
        levels = []
        for ref in stored:
            risk = as_mapping(as_mapping(known.get(ref)).get("risk"))
            value = risk.get("confidentiality")
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                levels.append(value)
        if levels and "sensitivity" in table and "sensitivity" not in values:
            values["sensitivity"] = _confidentiality_to_sensitivity(max(levels))
            self.report.add(
                "assumption",
                element,
                "sensitivity",
                f"{values['sensitivity']} from the highest confidentiality "
                f"({max(levels)}) of the data assets it stores",
            )
        else:
            self.unmapped.add("data asset references", element)

    # -- data flows --------------------------------------------------------------------

    def _flows(self, model: SystemModel) -> None:
        flow_specs = {s.name: s for s in FLOW_ATTRIBUTES}
        for i, f in self.mappings("dataflows", "id, name, source and destination"):
            element = _label("dataflows", f, i)
            source_ref = f.get("source")
            target_ref = f.get("destination", f.get("target"))
            ends = []
            for end, ref in (("source", source_ref), ("destination", target_ref)):
                if ref in self.comp_map:
                    ends.append(self.comp_map[ref])
                    continue
                why = (
                    "a trust zone, not a component" if ref in self.zone_map else "no such component"
                )
                self.report.add(
                    "unmapped", element, f"{end} {_ref(ref)}", f"{why}: flow not imported"
                )
            if len(ends) != 2:
                continue
            name = self.text(f.get("name"), element, "name", True)
            attrs = as_mapping(f.get("attributes"))
            fid = self._claim(self.ids, f.get("id"), name, "flow")
            values = self._name_and_description(f, attrs, element, name)
            self._decode(
                attrs, values, element, kind=None, table=flow_specs, noun="dataflow",
                skip=("unnamed",), own=("name", "description"), not_one="not a flow attribute",
            )
            for key in ("tags", "assets"):
                if _present(f.get(key)):
                    self.unmapped.add(f"dataflow {key}", element)
            self._threat_refs(fid, f, element)
            for key in f:
                if key not in _FLOW_KEYS and _present(f[key]):
                    self.unmapped.add(f"dataflow {key}", element)
            data = values.pop("data", ())
            model.add_flow(fid, ends[0], ends[1], data=data, **values)
            if f.get("bidirectional") is True:
                rid = self.ids.claim(f"{fid}-reverse")
                model.add_flow(rid, ends[1], ends[0], data=data, **values)
                self.report.add(
                    "note", element, "bidirectional", f"imported as two flows: {fid!r} and {rid!r}"
                )

    # -- security attributes -------------------------------------------------------------

    def _decode(
        self,
        attrs: Mapping[Any, Any],
        values: dict[str, Any],
        element: str,
        *,
        kind: str | None,
        table: Mapping[str, AttrSpec],
        noun: str,
        skip: tuple[str, ...],
        own: tuple[str, ...],
        not_one: str,
    ) -> None:
        """Attributes of a component or flow into *values*: ``workbench:`` ones decoded
        by *table* (*skip* ignored, *own* kept elsewhere), the others read as
        security attributes where they are known."""
        for key, raw in attrs.items():
            key = str(key)
            if not key.startswith(NS):
                if not self._security(key, raw, kind, table, values, element):
                    self.unmapped.add(f"{noun} attribute {key!r}", element)
                continue
            short = key[len(NS) :]
            if short in skip:
                continue
            spec = table.get(short)
            if spec is None or short in own:
                self.report.add("unmapped", element, key, not_one)
                continue
            try:
                values[short] = decode_value(raw, spec)
            except ValueError as exc:
                self.report.add("unmapped", element, key, f"invalid value: {exc}")

    def _security(
        self,
        key: str,
        raw: Any,
        kind: str | None,
        table: Mapping[str, Any],
        values: dict[str, Any],
        element: str,
    ) -> bool:
        """Map one of :data:`SECURITY_ATTRIBUTES`; False when *key* is not one or has no place."""
        name = " ".join(key.replace("_", " ").replace("-", " ").split()).lower()
        if name not in SECURITY_ATTRIBUTES:
            return False
        text = str(raw).strip().lower()
        if text not in ("true", "false", "yes", "no"):
            self.report.add(
                "unmapped", element, f"attribute {key!r}", f"expected true or false, got {raw!r}"
            )
            return True
        value = text in ("true", "yes")
        on_flow = kind is None
        target = SECURITY_ATTRIBUTES[name][1 if on_flow else 0]
        if target is None or (not on_flow and target not in table and target != "sensitivity"):
            self.report.add(
                "unmapped",
                element,
                f"attribute {key!r}",
                "a security attribute with no workbench attribute on "
                + ("flows" if on_flow else f"a {kind}")
                + ": not imported",
            )
            return True
        if target == "sensitivity":
            if "sensitivity" not in table:
                self.report.add(
                    "unmapped",
                    element,
                    f"attribute {key!r}",
                    f"a {kind} has no sensitivity: not imported",
                )
            elif value:
                values["sensitivity"] = "secret"
                self.report.add(
                    "note", element, f"attribute {key!r}", "stores credentials: sensitivity secret"
                )
            return True
        if kind == "data_pipeline" and target == "filters_inputs":
            target = "validates_inputs"
        values[target] = value
        self.report.add(
            "note", element, f"attribute {key!r}", f"mapped to {target}: {str(value).lower()}"
        )
        return True

    # -- threats -----------------------------------------------------------------------

    def _threat_refs(self, element_id: str, entry: Mapping[str, Any], element: str) -> None:
        if self.native:
            return
        known = {t.get("id"): t for t in as_list(self.data.get("threats")) if isinstance(t, dict)}
        mitigations = {
            m.get("id"): m for m in as_list(self.data.get("mitigations")) if isinstance(m, dict)
        }
        for ref in as_list(entry.get("threats")):
            ref = as_mapping(ref)
            tid = ref.get("threat")
            threat = as_mapping(known.get(tid))
            self.used_threats.add(tid)
            where = f"{element} threat {tid!r}"
            title = self.text(threat.get("name"), where, "name", True) or str(
                tid or "Untitled threat"
            )
            state = str(ref.get("state") or "exposed").strip().lower()
            risk = as_mapping(threat.get("risk"))
            chosen = []
            for m in as_list(ref.get("mitigations")):
                m = as_mapping(m)
                info = as_mapping(mitigations.get(m.get("mitigation")))
                mname = label(info.get("name"), 120) or str(m.get("mitigation"))
                chosen.append(f"{mname} ({m.get('state') or 'recommended'})")
            description = self.text(threat.get("description"), where, "description", False)
            found = technique_for(
                title, description, " ".join(map(str, as_list(threat.get("categories"))))
            )
            self.add_threat(
                element_id,
                title,
                found,
                original_id=label(tid, 100),
                description=description,
                status=state,
                treatment=OTM_STATE_TREATMENTS.get(state),
                likelihood=level_from_percent(risk.get("likelihood")),
                impact=level_from_percent(risk.get("impact")),
                mitigation="; ".join(chosen) or None,
            )

    # -- what is left --------------------------------------------------------------------

    def _name_and_description(
        self, entry: Mapping[str, Any], attrs: Mapping[str, Any], element: str, name: str | None
    ) -> dict[str, Any]:
        """The values an OTM element's name (unless marked unnamed) and description give."""
        values: dict[str, Any] = {}
        if name and attrs.get(NS + "unnamed") != "true":
            values["name"] = name
        self.keep_text(values, "description", entry.get("description"), element, single=False)
        return values

    def _rest(self) -> None:
        threats = [t for t in as_list(self.data.get("threats")) if t is not None]
        unused = [t for t in threats if as_mapping(t).get("id") not in self.used_threats]
        listed = {
            key: [x for x in as_list(self.data.get(key)) if x is not None]
            for key in ("mitigations", "assets")
        }
        left: list[tuple[bool, str, int, str, str]] = [
            (
                not self.native,
                "threats",
                len(unused),
                "threat",
                "on no component or flow: not carried over",
            ),
            (
                not self.native and not self.used_threats,
                "mitigations",
                len(listed["mitigations"]),
                "mitigation",
                "not imported: choose mitigations per finding in the workbench",
            ),
            (
                True,
                "assets",
                len(listed["assets"]),
                "data asset",
                "data assets are not components; their confidentiality sets the "
                "sensitivity of data-bearing components that store them",
            ),
            (
                not self.native,
                "representations",
                len(as_list(self.data.get("representations"))),
                "representation",
                "diagram layout and code references are not kept",
            ),
        ]
        for applies, section, count, noun, message in left:
            if count and applies:
                self.report.add("unmapped", section, plural(count, noun), message)
        known = {"otmVersion", "project", *_LIST_SECTIONS}
        for key in self.data:
            if key not in known and _present(self.data[key]):
                self.report.add("unmapped", str(key), "section", "not part of OTM 0.2.0")


def otm_from_data(data: Mapping[str, Any], name: str = "<otm>") -> tuple[SystemModel, ImportReport]:
    """Import an OTM document already parsed into plain data (see :func:`import_otm`)."""
    return _OtmImport.from_data(data, name)
