"""A threat model as a STIX 2.1 bundle, built with the ``stix2`` library.

What the bundle holds (every object deterministic: the same inputs give the
same bytes):

* an ``identity`` for the producing tool (AI Threat Workbench);
* ``extension-definition`` objects (``extension_types: ["new-sdo"]``) for the
  object types STIX lacks -- ``x-ai-system``, ``x-ai-trust-zone``,
  ``x-ai-component``, ``x-ai-data-flow``, ``x-ai-threat-finding`` and
  ``x-ai-attack-path`` -- and one ``property-extension`` that adds the risk
  decision fields to a ``note``. Each new object carries
  ``extensions: {<extension-definition id>: {"extension_type": "new-sdo"}}`` as
  STIX 2.1 (section 7.3) requires;
* the system, its trust zones, components and flows as those new objects;
* the ATLAS techniques the findings name as ``attack-pattern`` objects **with
  the official ATLAS STIX ids** (stable across ATLAS releases) and their
  ``mitre-atlas`` external reference, so consumers can join them with ATLAS
  data. ``created``/``modified`` are copied from the catalog's bundle, so each
  object is a subset of the official one (no description: read it from ATLAS);
* the mitigations chosen for findings as ``course-of-action`` objects (ATLAS
  mitigations with their official ids; project controls with ids of ours) and
  one ``mitigates`` relationship per (mitigation, technique) chosen;
* each finding as an ``x-ai-threat-finding`` linking its techniques
  (``attack_pattern_ref``, ``technique_refs``) to the component or flow
  (``target_ref``) with likelihood, impact, score, band, status and the chosen
  mitigations;
* the attack paths as ``x-ai-attack-path`` objects;
* each current risk decision as a ``note`` on its findings, with the
  decision's fields in the decision property-extension.

Ids are UUIDv5 from :data:`STIX_NAMESPACE` and each object's natural key
(system id + component id, finding id, decision id ...), never random; the
OASIS validator warns that they are not UUIDv4, which the standard allows
(ATLAS itself uses UUIDv5). Timestamps come from the ``created`` argument (a
decision note uses the decision's ``recorded_at``); the tool identity and the
extension definitions carry the fixed date of their schema version.

``stix2`` is imported on first use, so importing this module is cheap.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench._atomic import atomic_write_text
from workbench.errors import InputError
from workbench.interop._common import plain_data

__all__ = [
    "EXTENSION_TYPES",
    "STIX_NAMESPACE",
    "ThreatModelData",
    "collect",
    "element_kind",
    "export_stix",
    "stix_id",
    "stix_text",
    "write_stix",
]

#: Namespace of every id the workbench generates (uuid5 of the project URL + "#stix").
STIX_NAMESPACE = uuid.UUID("27d4f09b-bc57-5c68-a936-3c4c95d0db54")
HOMEPAGE = "https://github.com/ai-threat-workbench/ai-threat-workbench"
SCHEMA_BASE = f"{HOMEPAGE}/schemas/stix"
EXTENSION_VERSION = "1.0.0"
#: Date of version 1.0.0 of the extension schemas (timestamps of the definitions and the tool).
EXTENSION_DATE = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
TOOL_NAME = "AI Threat Workbench"
DECISION_EXTENSION = "x-ai-risk-decision"

#: The new object types and what each is.
EXTENSION_TYPES: dict[str, str] = {
    "x-ai-system": "An AI system under threat modelling: its facts and what it was analysed with.",
    "x-ai-trust-zone": "A trust zone of an AI system; higher trust_level is more trusted.",
    "x-ai-component": "A component of an AI system (model, agent, tool, dataset, data store, ...).",
    "x-ai-data-flow": "Data moving from one component of an AI system to another.",
    "x-ai-threat-finding": "A threat scenario: ATLAS techniques applied to one component or "
    "flow, with its risk score, band and status.",
    "x-ai-attack-path": "A directed path of flows from an entry point to a crown jewel, "
    "with the technique of each hop.",
}
_DECISION_DESCRIPTION = (
    "A risk decision on threat findings (treatment, rationale, owner, review date) "
    "from the workbench's append-only decision log."
)


def stix_id(stix_type: str, *key: str) -> str:
    """The deterministic id of an object: ``<type>--uuid5(STIX_NAMESPACE, "<type>|<key>|...")``."""
    return f"{stix_type}--{uuid.uuid5(STIX_NAMESPACE, '|'.join((stix_type, *key)))}"


TOOL_IDENTITY_ID = stix_id("identity", "ai-threat-workbench")


def _ext_id(name: str) -> str:
    return stix_id("extension-definition", name, EXTENSION_VERSION)


# --------------------------------------------------------------------------- the input


@dataclass
class ThreatModelData:
    """What an export needs, gathered from a project or from a model and its analysis.

    ``findings`` are plain dicts with the register's keys (``id``, ``rule``,
    ``title``, ``element``, ``element_type``, ``element_name``, ``technique``,
    ``techniques``, ``tactics``, ``preconditions``, ``reason``, ``likelihood``,
    ``impact``, ``score``, ``band``, ``status`` ...), scores after overrides.
    ``decisions`` are the current decisions (each once, by id); ``chosen`` the
    chosen mitigations per finding id.
    """

    model: Any
    catalog: Any
    matrix: Any
    findings: list[dict[str, Any]]
    decisions: list[Any]
    chosen: dict[str, list[Any]]
    attack_paths: list[Any]
    atlas_version: str | None
    rules_digest: str | None
    controls: dict[str, Any] = field(default_factory=dict)
    rules: Any = None
    project_name: str | None = None
    decision_log: dict[str, Any] | None = None


def _is_project(source: Any) -> bool:
    return hasattr(source, "state") and hasattr(source, "assessment") and hasattr(source, "log")


def collect(
    source: Any,
    *,
    catalog: Any = None,
    matrix: Any = None,
    as_of: dt.date | None = None,
) -> ThreatModelData:
    """Gather a :class:`ThreatModelData` from a project or a tuple.

    *source* is a :class:`~workbench.project.Project`, ``(model, result)`` or
    ``(model, result, decisions)`` where ``result`` is an
    :class:`~workbench.rules.AnalysisResult` and ``decisions`` a mapping of
    finding id to current decision (:meth:`DecisionLog.current`) or an iterable
    of decisions (superseded ones are dropped). ``as_of`` judges review dates
    (default: today for a project, else the day of the export).
    """
    from workbench.risk.decisions import current_decisions, finding_status

    if _is_project(source):
        state = source.state(as_of=as_of)
        seen: dict[str, Any] = {}
        for d in state.current.values():
            seen.setdefault(d.id, d)
        rules = source.rules
        return ThreatModelData(
            model=source.model,
            catalog=catalog if catalog is not None else source.catalog,
            matrix=matrix if matrix is not None else source.matrix,
            findings=[dict(r) for r in state.rows],
            decisions=[seen[k] for k in sorted(seen)],
            chosen={k: list(v) for k, v in source.assessment.mitigations.items() if v},
            attack_paths=list(state.result.attack_paths),
            atlas_version=state.result.atlas_version,
            rules_digest=state.result.rules_digest,
            controls=dict(getattr(rules, "controls", {}) or {}),
            rules=rules,
            project_name=source.name,
            decision_log={"head": source.log.head(), "records": len(source.log)},
        )
    if not isinstance(source, Sequence) or len(source) not in (2, 3):
        raise InputError(
            "expected a Project, (model, result) or (model, result, decisions), "
            f"got {type(source).__name__}"
        )
    model, result = source[0], source[1]
    raw = source[2] if len(source) == 3 else None
    if raw is None:
        current: Mapping[str, Any] = {}
    elif isinstance(raw, Mapping):
        current = raw
    else:
        current = current_decisions(raw)
    if catalog is None:
        from workbench.catalog import load_catalog

        catalog = load_catalog()
    if matrix is None:
        from workbench.risk.matrix import load_matrix

        matrix = load_matrix()
    day = as_of or dt.datetime.now(dt.UTC).date()
    findings = []
    for f in result.findings:
        row = f.to_dict()
        row["status"] = finding_status(f.id, current, as_of=day)
        findings.append(row)
    seen = {}
    for d in current.values():
        seen.setdefault(d.id, d)
    return ThreatModelData(
        model=model,
        catalog=catalog,
        matrix=matrix,
        findings=findings,
        decisions=[seen[k] for k in sorted(seen)],
        chosen={},
        attack_paths=list(result.attack_paths),
        atlas_version=result.atlas_version,
        rules_digest=result.rules_digest,
    )


def element_kind(model: Any, element: str) -> str | None:
    """``"component"``, ``"flow"`` or ``None``: what *element* is in *model* (by lookup)."""
    try:
        model.component(element)
        return "component"
    except (KeyError, LookupError):
        pass
    try:
        model.flow(element)
        return "flow"
    except (KeyError, LookupError):
        return None


# --------------------------------------------------------------------------- stix2 types


#: The properties of the custom object types, in order: ``str``, ``bool``,
#: ``dict``, ``strs`` (a list of strings), ``dicts``, ``phases`` (kill chain
#: phases), ``int:MIN``, ``ref:TYPE,...`` and ``refs:TYPE,...``; a trailing
#: ``!`` marks a required property.
_OBJECT_PROPERTIES: dict[str, tuple[tuple[str, str], ...]] = {
    "x-ai-system": (
        ("name", "str!"),
        ("description", "str"),
        ("system_id", "str!"),
        ("owner", "str"),
        ("facts", "dict"),
        ("project_name", "str"),
        ("atlas_version", "str"),
        ("rules_digest", "str"),
        ("decision_log_head", "str"),
        ("decision_log_records", "int:0"),
    ),
    "x-ai-trust-zone": (
        ("name", "str!"),
        ("description", "str"),
        ("zone_id", "str!"),
        ("trust_level", "int:0!"),
        ("system_ref", "ref:x-ai-system!"),
    ),
    "x-ai-component": (
        ("name", "str!"),
        ("description", "str"),
        ("component_id", "str!"),
        ("kind", "str!"),
        ("attributes", "dict"),
        ("entry_point", "bool"),
        ("crown_jewel", "bool"),
        ("zone_ref", "ref:x-ai-trust-zone!"),
        ("system_ref", "ref:x-ai-system!"),
    ),
    "x-ai-data-flow": (
        ("name", "str!"),
        ("description", "str"),
        ("flow_id", "str!"),
        ("data", "strs"),
        ("encrypted", "bool"),
        ("authenticated", "bool"),
        ("protocol", "str"),
        ("crosses_boundary", "bool"),
        ("source_ref", "ref:x-ai-component!"),
        ("target_ref", "ref:x-ai-component!"),
        ("system_ref", "ref:x-ai-system!"),
    ),
    "x-ai-threat-finding": (
        ("name", "str!"),
        ("description", "str"),
        ("finding_id", "str!"),
        ("rule", "str!"),
        ("manual", "bool"),
        ("element_type", "str!"),
        ("target_ref", "ref:x-ai-component,x-ai-data-flow"),
        ("attack_pattern_ref", "ref:attack-pattern"),
        ("technique_refs", "refs:attack-pattern"),
        ("precondition_refs", "refs:attack-pattern"),
        ("kill_chain_phases", "phases"),
        ("likelihood", "int:1"),
        ("impact", "int:1"),
        ("score", "int:1"),
        ("band", "str"),
        ("status", "str"),
        ("residual_score", "int:1"),
        ("residual_band", "str"),
        ("candidate_mitigations", "strs"),
        ("course_of_action_refs", "refs:course-of-action"),
        ("chosen_mitigations", "dicts"),
        ("guidelines", "strs"),
        ("assumptions", "strs"),
        ("system_ref", "ref:x-ai-system!"),
    ),
    "x-ai-attack-path": (
        ("name", "str!"),
        ("path_id", "str!"),
        ("entry_ref", "ref:x-ai-component!"),
        ("target_ref", "ref:x-ai-component!"),
        ("component_refs", "refs:x-ai-component"),
        ("flow_refs", "refs:x-ai-data-flow"),
        ("technique_refs", "refs:attack-pattern"),
        ("finding_refs", "refs:x-ai-threat-finding"),
        ("precondition_refs", "refs:attack-pattern"),
        ("exposure", "int:0"),
        ("max_score", "int:0"),
        ("system_ref", "ref:x-ai-system!"),
    ),
}
#: The properties of the decision extension on notes, in the same notation.
_DECISION_PROPERTIES: tuple[tuple[str, str], ...] = (
    ("decision_id", "str!"),
    ("finding_ids", "strs!"),
    ("treatment", "str!"),
    ("rationale", "str!"),
    ("owner", "str"),
    ("decided_by", "str!"),
    ("date", "str!"),
    ("review_by", "str"),
    ("links", "strs"),
    ("supersedes", "str"),
    ("recorded_at", "str"),
)


def _property(spec: str) -> Any:
    """The stix2 property that a spec of :data:`_OBJECT_PROPERTIES` names."""
    from stix2.properties import (
        BooleanProperty,
        DictionaryProperty,
        IntegerProperty,
        ListProperty,
        ReferenceProperty,
        StringProperty,
    )
    from stix2.v21 import KillChainPhase

    required = spec.endswith("!")
    kind, _, arg = spec.rstrip("!").partition(":")
    if kind in ("ref", "refs"):
        one = ReferenceProperty(
            valid_types=arg.split(","), spec_version="2.1", required=required and kind == "ref"
        )
        return one if kind == "ref" else ListProperty(one)
    if kind == "int":
        return IntegerProperty(required=required, min=int(arg))
    simple: dict[str, Any] = {
        "str": lambda: StringProperty(required=required),
        "bool": BooleanProperty,
        "dict": DictionaryProperty,
        "strs": lambda: ListProperty(StringProperty, required=required),
        "dicts": lambda: ListProperty(DictionaryProperty),
        "phases": lambda: ListProperty(KillChainPhase),
    }
    return simple[kind]()


@functools.cache
def _types() -> dict[str, Any]:
    """Register the custom object types and the decision extension with stix2 (once)."""
    from stix2.v21 import CustomExtension, CustomObject

    classes: dict[str, Any] = {}
    for type_name, specs in _OBJECT_PROPERTIES.items():
        properties = [(name, _property(spec)) for name, spec in specs]

        class _Obj:
            pass

        _Obj.__name__ = "".join(p.capitalize() for p in type_name.split("-")[1:])
        classes[type_name] = CustomObject(type_name, properties, extension_name=_ext_id(type_name))(
            _Obj
        )

    @CustomExtension(
        _ext_id(DECISION_EXTENSION),
        [(name, _property(spec)) for name, spec in _DECISION_PROPERTIES],
    )
    class RiskDecision:
        extension_type = "property-extension"

    classes[DECISION_EXTENSION] = RiskDecision
    return classes


# --------------------------------------------------------------------------- helpers


def _utc(value: dt.datetime) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        raise InputError(f"created: expected a datetime, got {type(value).__name__}")
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def _parse_time(text: Any, fallback: dt.datetime) -> dt.datetime:
    if isinstance(text, dt.datetime):
        return _utc(text)
    if isinstance(text, str) and text:
        try:
            return _utc(dt.datetime.fromisoformat(text.replace("Z", "+00:00")))
        except ValueError:
            pass
    return fallback




def _drop_none(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None and v != [] and v != {}}


@functools.lru_cache(maxsize=8)
def _catalog_dates(source: str | None, sha: str | None) -> dict[str, tuple[str, str]]:
    """STIX id -> (created, modified) of the catalog's attack-patterns and courses of action."""
    del sha  # part of the cache key only
    if not source:
        return {}
    try:
        data = json.loads(Path(source).read_text(encoding="utf-8-sig"))
    except (OSError, ValueError):
        return {}
    out: dict[str, tuple[str, str]] = {}
    for obj in data.get("objects", []) if isinstance(data, dict) else []:
        if (
            isinstance(obj, dict)
            and obj.get("type") in ("attack-pattern", "course-of-action")
            and isinstance(obj.get("created"), str)
            and isinstance(obj.get("modified"), str)
        ):
            out.setdefault(obj["id"], (obj["created"], obj["modified"]))
    return out


class _Builder:
    def __init__(self, data: ThreatModelData, created: dt.datetime) -> None:
        self.data = data
        self.model = data.model
        self.catalog = data.catalog
        self.created = created
        self.sys = self.model.id
        source = getattr(self.catalog, "source", None)
        self.dates = _catalog_dates(
            str(source) if source else None, getattr(self.catalog, "sha256", None)
        )
        self.types = _types()
        self.attack_patterns: dict[str, Any] = {}
        self.courses: dict[str, Any] = {}
        self.mitigates: dict[str, dict[str, Any]] = {}

    # -- ids
    def system_id(self) -> str:
        return stix_id("x-ai-system", self.sys)

    def zone_id(self, zone: str) -> str:
        return stix_id("x-ai-trust-zone", self.sys, zone)

    def component_id(self, cid: str) -> str:
        return stix_id("x-ai-component", self.sys, cid)

    def flow_id(self, fid: str) -> str:
        return stix_id("x-ai-data-flow", self.sys, fid)

    def finding_id(self, fid: str) -> str:
        return stix_id("x-ai-threat-finding", self.sys, fid)

    def stamps(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "modified": self.created,
            "created_by_ref": TOOL_IDENTITY_ID,
        }

    # -- ATLAS objects
    def catalog_stamps(self, object_id: str) -> dict[str, Any]:
        """``created`` and ``modified`` of a catalog object: the bundle's, else the export's."""
        created, modified = self.dates.get(object_id, (None, None))
        if created:
            return {"created": created, "modified": modified}
        return {"created": self.created, "modified": self.created}

    def atlas_object(self, kind: Any, entry: Any, **more: Any) -> Any:
        """The STIX object of *kind* for ATLAS *entry* (technique or mitigation), with its
        ATLAS reference and catalog stamps, plus *more* properties."""
        return kind(
            id=entry.stix_id,
            name=entry.name,
            external_references=[
                {"source_name": "mitre-atlas", "external_id": entry.id, "url": entry.url}
            ],
            **self.catalog_stamps(entry.stix_id),
            **more,
        )

    def attack_pattern(self, technique_id: str) -> str | None:
        import stix2

        if not technique_id or technique_id not in self.catalog:
            return None
        t = self.catalog.technique(technique_id)
        if t.stix_id not in self.attack_patterns:
            phases = [
                {"kill_chain_name": "mitre-atlas", "phase_name": self.catalog.tactic(x).shortname}
                for x in t.tactics
            ]
            self.attack_patterns[t.stix_id] = self.atlas_object(
                stix2.AttackPattern, t, kill_chain_phases=phases
            )
        return str(t.stix_id)

    def course_of_action(self, mitigation_id: str) -> str:
        import stix2

        if mitigation_id in self.catalog:
            m = self.catalog.mitigation(mitigation_id)
            if m.stix_id not in self.courses:
                self.courses[m.stix_id] = self.atlas_object(stix2.CourseOfAction, m)
            return str(m.stix_id)
        coa_id = stix_id("course-of-action", "control", mitigation_id)
        if coa_id not in self.courses:
            control = self.data.controls.get(mitigation_id)
            name = getattr(control, "title", None) or mitigation_id
            description = getattr(control, "description", None) or None
            self.courses[coa_id] = stix2.CourseOfAction(
                id=coa_id,
                name=name,
                description=description,
                external_references=[
                    {
                        "source_name": "ai-threat-workbench-control",
                        "external_id": mitigation_id,
                        "description": getattr(control, "source", None)
                        or "control defined by the project or organisation (not MITRE ATLAS)",
                    }
                ],
                **self.stamps(),
            )
        return coa_id

    def mitigated_techniques(self, mitigation_id: str, finding: Mapping[str, Any]) -> list[str]:
        techniques = [t for t in finding.get("techniques") or [] if t in self.catalog]
        if mitigation_id in self.catalog:
            linked = set(self.catalog.mitigation(mitigation_id).technique_ids)
            hits = []
            for t in techniques:
                parent = self.catalog.technique(t).parent_id
                if t in linked or (parent is not None and parent in linked):
                    hits.append(t)
            if hits:
                return hits
        primary = finding.get("technique") or ""
        return [primary] if primary in self.catalog else []

    def chosen(self, finding: Mapping[str, Any]) -> tuple[list[str], list[dict[str, Any]]]:
        coa_refs: list[str] = []
        entries: list[dict[str, Any]] = []
        for c in sorted(self.data.chosen.get(finding["id"], []), key=lambda c: c.id):
            coa = self.course_of_action(c.id)
            coa_refs.append(coa)
            entries.append(
                _drop_none(
                    {
                        "mitigation_id": c.id,
                        "status": c.status,
                        "owner": c.owner,
                        "likelihood_effect": c.likelihood_effect,
                        "impact_effect": c.impact_effect,
                        "note": c.note or None,
                    }
                )
            )
            for technique in self.mitigated_techniques(c.id, finding):
                ap = self.attack_pattern(technique)
                if ap is None:
                    continue
                rel = stix_id("relationship", "mitigates", coa, ap)
                slot = self.mitigates.setdefault(
                    rel, {"source": coa, "target": ap, "findings": set()}
                )
                slot["findings"].add(f"{finding['id']} ({c.status})")
        return coa_refs, entries

    # -- the bundle
    def build(self) -> list[Any]:
        objects = self.header()
        objects.append(self.system())
        objects += self.model_objects()
        findings = [self.finding(f) for f in self.data.findings]
        paths = [self.attack_path(p) for p in self.data.attack_paths]
        notes = [self.note(d) for d in self.data.decisions]
        relationships = self.relationships()
        objects += [self.attack_patterns[k] for k in sorted(self.attack_patterns)]
        objects += [self.courses[k] for k in sorted(self.courses)]
        objects += relationships + findings + paths + notes
        return objects

    def custom(
        self, type_name: str, object_id: str, values: Mapping[str, Any], **extra: Any
    ) -> Any:
        """One object of a custom type, without its ``None`` values, stamped."""
        return self.types[type_name](
            id=object_id, **_drop_none(values), **self.stamps(), **extra
        )

    def header(self) -> list[Any]:
        """The tool's identity and the extension definitions."""
        import stix2

        objects: list[Any] = [
            stix2.Identity(
                id=TOOL_IDENTITY_ID,
                name=TOOL_NAME,
                identity_class="system",
                description="Threat-modelling workbench for AI systems (MITRE ATLAS mapping, "
                "risk decisions); produced this bundle.",
                contact_information=HOMEPAGE,
                created=EXTENSION_DATE,
                modified=EXTENSION_DATE,
            )
        ]
        for name, description in EXTENSION_TYPES.items():
            objects.append(self.extension_definition(name, description, "new-sdo"))
        objects.append(
            self.extension_definition(
                DECISION_EXTENSION, _DECISION_DESCRIPTION, "property-extension"
            )
        )
        return objects

    def system(self) -> Any:
        model, data = self.model, self.data
        facts = {k: plain_data(v) for k, v in model.facts.items() if k not in ("name", "description")}
        log = data.decision_log or {}
        return self.custom("x-ai-system", self.system_id(), {
            "name": model.name,
            "description": model.description,
            "system_id": model.id,
            "owner": model.fact("owner"),
            "facts": facts,
            "project_name": data.project_name,
            "atlas_version": data.atlas_version,
            "rules_digest": data.rules_digest,
            "decision_log_head": log.get("head"),
            "decision_log_records": log.get("records"),
        })

    def model_objects(self) -> list[Any]:
        """The trust zones, components and data flows of the model."""
        model = self.model
        objects = [
            self.custom("x-ai-trust-zone", self.zone_id(z.id), {
                "name": z.name,
                "description": z.description,
                "zone_id": z.id,
                "trust_level": z.trust,
                "system_ref": self.system_id(),
            }, allow_custom=True)
            for z in model.zones()
        ]
        entries = {c.id for c in model.entry_points()}
        jewels = {c.id for c in model.crown_jewels()}
        for c in model.components():
            attrs = {k: plain_data(v) for k, v in c.attrs.items() if k not in ("name", "description")}
            objects.append(self.custom("x-ai-component", self.component_id(c.id), {
                "name": c.name,
                "description": c.description,
                "component_id": c.id,
                "kind": c.kind,
                "attributes": dict(sorted(attrs.items())),
                "entry_point": c.id in entries,
                "crown_jewel": c.id in jewels,
                "zone_ref": self.zone_id(c.zone),
                "system_ref": self.system_id(),
            }, allow_custom=True))
        for fl in model.flows():
            objects.append(self.custom("x-ai-data-flow", self.flow_id(fl.id), {
                "name": fl.name,
                "description": fl.description,
                "flow_id": fl.id,
                "data": list(fl.data),
                "encrypted": fl.encrypted,
                "authenticated": fl.authenticated,
                "protocol": fl.protocol,
                "crosses_boundary": model.crosses_boundary(fl.id),
                "source_ref": self.component_id(fl.source),
                "target_ref": self.component_id(fl.target),
                "system_ref": self.system_id(),
            }, allow_custom=True))
        return objects

    def relationships(self) -> list[Any]:
        """One ``mitigates`` relationship per chosen mitigation and technique."""
        import stix2

        relationships = []
        for rel_id in sorted(self.mitigates):
            slot = self.mitigates[rel_id]
            relationships.append(
                stix2.Relationship(
                    id=rel_id,
                    relationship_type="mitigates",
                    source_ref=slot["source"],
                    target_ref=slot["target"],
                    description="Chosen for " + ", ".join(sorted(slot["findings"])),
                    **self.stamps(),
                )
            )
        return relationships

    def extension_definition(self, name: str, description: str, kind: str) -> Any:
        import stix2

        return stix2.ExtensionDefinition(
            id=_ext_id(name),
            created_by_ref=TOOL_IDENTITY_ID,
            created=EXTENSION_DATE,
            modified=EXTENSION_DATE,
            name=name,
            description=description,
            schema=f"{SCHEMA_BASE}/{name}-{EXTENSION_VERSION}.json",
            version=EXTENSION_VERSION,
            extension_types=[kind],
        )

    def element_ref(self, finding: Mapping[str, Any]) -> tuple[str | None, str]:
        """The STIX id of the finding's component or flow (looked up, not trusted) and its type."""
        element = finding.get("element") or ""
        kind = finding.get("element_type") or "component"
        found = element_kind(self.model, element)
        if found == "flow":
            return self.flow_id(element), "flow"
        if found == "component":
            return self.component_id(element), "component"
        return None, kind

    def finding(self, f: Mapping[str, Any]) -> Any:
        techniques = [x for x in (self.attack_pattern(t) for t in f.get("techniques") or []) if x]
        pre = [x for x in (self.attack_pattern(t) for t in f.get("preconditions") or []) if x]
        phases = []
        for tactic in f.get("tactics") or []:
            try:
                short = self.catalog.tactic(tactic).shortname
            except (KeyError, LookupError):
                continue
            phases.append({"kill_chain_name": "mitre-atlas", "phase_name": short})
        coa_refs, chosen = self.chosen(f)
        residual = f.get("residual_score")
        target_ref, element_type = self.element_ref(f)
        return self.types["x-ai-threat-finding"](
            id=self.finding_id(f["id"]),
            **_drop_none(
                {
                    "name": f.get("title") or f["id"],
                    "description": f.get("reason") or None,
                    "finding_id": f["id"],
                    "rule": f.get("rule") or "",
                    "manual": bool(f.get("manual")),
                    "element_type": element_type,
                    "target_ref": target_ref,
                    "attack_pattern_ref": self.attack_pattern(f.get("technique") or ""),
                    "technique_refs": list(dict.fromkeys(techniques)),
                    "precondition_refs": list(dict.fromkeys(pre)),
                    "kill_chain_phases": phases,
                    "likelihood": f.get("likelihood"),
                    "impact": f.get("impact"),
                    "score": f.get("score"),
                    "band": f.get("band"),
                    "status": f.get("status"),
                    "residual_score": residual,
                    "residual_band": f.get("residual_band") if residual is not None else None,
                    "candidate_mitigations": list(f.get("mitigations") or []),
                    "course_of_action_refs": coa_refs,
                    "chosen_mitigations": chosen,
                    "guidelines": list(f.get("guidelines") or []),
                    "assumptions": list(f.get("assumptions") or []),
                    "external_references": self.owasp_references(f) or None,
                    "system_ref": self.system_id(),
                }
            ),
            **self.stamps(),
            allow_custom=True,
        )

    def owasp_references(self, f: Mapping[str, Any]) -> list[dict[str, str]]:
        """The OWASP items the finding's rule maps to, as STIX external references."""
        labels = [str(x) for x in f.get("owasp") or []]
        if not labels:
            return []
        from workbench.catalog.frameworks import load_frameworks

        return load_frameworks().external_references(labels)

    def attack_path(self, p: Any) -> Any:
        known = {f["id"] for f in self.data.findings}
        hops = list(p.hops)
        return self.types["x-ai-attack-path"](
            id=stix_id("x-ai-attack-path", self.sys, p.id),
            **_drop_none(
                {
                    "name": " -> ".join(self.model.component(n).name for n in p.nodes),
                    "path_id": p.id,
                    "entry_ref": self.component_id(p.entry),
                    "target_ref": self.component_id(p.target),
                    "component_refs": [self.component_id(n) for n in p.nodes],
                    "flow_refs": [self.flow_id(h.flow) for h in hops],
                    "technique_refs": list(
                        dict.fromkeys(
                            x for x in (self.attack_pattern(h.technique) for h in hops) if x
                        )
                    ),
                    "finding_refs": list(
                        dict.fromkeys(
                            self.finding_id(h.finding)
                            for h in hops
                            if h.finding and h.finding in known
                        )
                    ),
                    "precondition_refs": list(
                        dict.fromkeys(
                            x for x in (self.attack_pattern(t) for t in p.preconditions) if x
                        )
                    ),
                    "exposure": p.exposure,
                    "max_score": p.max_score,
                    "system_ref": self.system_id(),
                }
            ),
            **self.stamps(),
            allow_custom=True,
        )

    def note(self, d: Any) -> Any:
        import stix2

        known = {f["id"] for f in self.data.findings}
        refs = [self.finding_id(f) for f in d.findings if f in known] or [self.system_id()]
        stamp = _parse_time(d.recorded_at, self.created)
        ext = _drop_none(
            {
                "extension_type": "property-extension",
                "decision_id": d.id,
                "finding_ids": list(d.findings),
                "treatment": d.treatment,
                "rationale": d.rationale,
                "owner": d.owner,
                "decided_by": d.decided_by,
                "date": d.date,
                "review_by": d.review_by,
                "links": list(d.links),
                "supersedes": d.supersedes,
                "recorded_at": d.recorded_at,
            }
        )
        return stix2.Note(
            id=stix_id("note", self.sys, d.id),
            abstract=f"{d.id}: {d.treatment} ({', '.join(d.findings)})",
            content=d.rationale,
            authors=[d.decided_by],
            object_refs=list(dict.fromkeys(refs)),
            extensions={_ext_id(DECISION_EXTENSION): ext},
            created=stamp,
            modified=stamp,
            created_by_ref=TOOL_IDENTITY_ID,
            allow_custom=True,
        )


# --------------------------------------------------------------------------- API


def export_stix(
    source: Any,
    *,
    created: dt.datetime,
    catalog: Any = None,
    as_of: dt.date | None = None,
) -> Any:
    """The threat model as a :class:`stix2.Bundle` (see the module docstring).

    *source* is a :class:`~workbench.project.Project`, ``(model, result)`` or
    ``(model, result, decisions)`` (see :func:`collect`). ``created`` is the
    time stamped on the objects (a datetime; naive means UTC). The bundle id is
    derived from the system id and ``created``.
    """
    import stix2

    when = _utc(created)
    data = collect(source, catalog=catalog, as_of=as_of or when.date())
    objects = _Builder(data, when).build()
    bundle_id = stix_id("bundle", data.model.id, when.isoformat())
    return stix2.Bundle(objects=objects, id=bundle_id, allow_custom=True)


def stix_text(bundle: Any) -> str:
    """The bundle as stable JSON text: sorted keys, two-space indent, final newline."""
    raw = bundle.serialize() if hasattr(bundle, "serialize") else json.dumps(bundle)
    return json.dumps(json.loads(raw), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_stix(
    source: Any,
    path: str | Path,
    *,
    created: dt.datetime,
    catalog: Any = None,
    as_of: dt.date | None = None,
) -> Path:
    """Export like :func:`export_stix` and write the JSON to *path* atomically."""
    bundle = export_stix(source, created=created, catalog=catalog, as_of=as_of)
    return atomic_write_text(Path(path), stix_text(bundle))


def object_ids(bundle: Any) -> Iterable[str]:
    """Ids of the bundle's objects, in order (a convenience for tests and notebooks)."""
    for obj in bundle["objects"]:
        yield obj["id"]
