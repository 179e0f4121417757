"""A JSON Schema (draft 2020-12) of model files, generated from the definitions.

Editors use it for completion and checking (``catalogs/schema/model.schema.json``
is generated from :func:`model_json_schema` by ``scripts/gen_model_docs.py``).
The workbench itself validates with :func:`~workbench.model.validate_data`,
which also checks what a schema cannot: references between ids, duplicate ids,
and custom attributes declared in the file.
"""

from __future__ import annotations

from typing import Any

from workbench.model.definitions import (
    BOOL,
    CUSTOM_ATTR_TYPES,
    DATE,
    ENUM,
    FLOW_ATTRIBUTES,
    INTEGER,
    KINDS,
    LINK,
    LINKS,
    LIST,
    NUMBER,
    RECORD,
    RECORDS,
    SCHEMA_VERSION,
    SYSTEM_FACTS,
    TEXT,
    ZONE_ATTRIBUTES,
    AttrSpec,
    attributes_for,
)

__all__ = ["SCHEMA_ID", "model_json_schema"]

SCHEMA_ID = (
    "https://github.com/ai-threat-workbench/ai-threat-workbench/"
    "catalogs/schema/model.schema.json"
)

_ID = {
    "type": "string",
    "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$",
    "description": "1-100 letters, digits, '-', '_' or '.', starting with a letter or digit.",
}
_LINK_PATTERN = r"^([hH][tT][tT][pP][sS]?://\S+|(?![A-Za-z][A-Za-z0-9+.-]+:)\S+)$"


def _value_schema(spec: AttrSpec, *, nullable: bool = True) -> dict[str, Any]:
    """The schema of one attribute's value; ``null`` means unstated."""
    t = spec.type
    out: dict[str, Any]
    if t == BOOL:
        out = {"type": "boolean"}
    elif t == ENUM:
        assert spec.choices is not None
        out = {"enum": list(spec.choices)}
    elif t == TEXT:
        out = {"type": "string"}
        if spec.pattern:
            out["pattern"] = f"^{spec.pattern}$"
    elif t == DATE:
        out = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$", "format": "date"}
    elif t == NUMBER:
        out = {"type": "number"}
    elif t == INTEGER:
        out = {"type": "integer"}
        if spec.minimum is not None:
            out["minimum"] = spec.minimum
    elif t == LINK:
        out = {"type": "string", "pattern": _LINK_PATTERN}
    elif t == LINKS:
        out = {"type": "array", "items": {"type": "string", "pattern": _LINK_PATTERN}}
    elif t == LIST:
        items: dict[str, Any] = (
            {"enum": list(spec.choices)} if spec.choices else {"type": "string"}
        )
        out = {"type": "array", "items": items}
    elif t in (RECORD, RECORDS):
        record = {
            "type": "object",
            "properties": {f.name: _value_schema(f) for f in spec.fields},
            "additionalProperties": False,
        }
        required = [f.name for f in spec.fields if f.required]
        if required:
            record["required"] = required
        out = record if t == RECORD else {"type": "array", "items": record}
    else:  # pragma: no cover - every type is handled above
        raise ValueError(t)
    if nullable:
        choices = out.get("enum")
        if isinstance(choices, list):
            out["enum"] = [*choices, None]
        else:
            out["type"] = [out["type"], "null"]
    described = {"description": spec.description} if spec.description else {}
    return {**described, **out}


def _component(strict: bool) -> dict[str, Any]:
    cases = []
    for kind in KINDS:
        properties: dict[str, Any] = {
            "id": _ID,
            "kind": {"const": kind},
            "zone": _ID,
        }
        for name, spec in attributes_for(kind).items():
            properties[name] = _value_schema(spec)
        then: dict[str, Any] = {"properties": properties}
        if strict:
            then["additionalProperties"] = False
        cases.append({
            "if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]},
            "then": then,
        })
    return {
        "type": "object",
        "required": ["id", "kind", "zone"],
        "properties": {
            "id": _ID,
            "kind": {"enum": list(KINDS), "description": "The component kind."},
            "zone": {**_ID, "description": "Id of the trust zone the component sits in."},
        },
        "allOf": cases,
    }


def model_json_schema() -> dict[str, Any]:
    """The JSON Schema of model files (schema version 2, which also accepts 1), as a dict."""
    system_props: dict[str, Any] = {}
    for spec in SYSTEM_FACTS:
        system_props[spec.name] = (
            {**_ID, "description": spec.description} if spec.name == "id"
            else _value_schema(spec)
        )
    zone_props: dict[str, Any] = {}
    for spec in ZONE_ATTRIBUTES:
        if spec.name == "id":
            zone_props["id"] = {**_ID, "description": spec.description}
        else:
            zone_props[spec.name] = _value_schema(spec, nullable=spec.name != "trust")
    flow_props: dict[str, Any] = {
        "id": {**_ID, "description": "Stable identifier; must differ from every component id."},
        "from": {**_ID, "description": "Id of the component the data leaves."},
        "to": {**_ID, "description": "Id of the component the data reaches."},
    }
    for spec in FLOW_ATTRIBUTES:
        flow_props[spec.name] = _value_schema(spec)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "AI Threat Workbench system model",
        "description": (
            f"A model file, schema version {SCHEMA_VERSION}: system facts, trust zones, "
            "components and the flows between them. Generated from "
            "workbench/model/definitions.py; see docs/model-format.md."
        ),
        "type": "object",
        "required": ["schema_version", "system"],
        "additionalProperties": False,
        "properties": {
            "schema_version": {
                "enum": [1, SCHEMA_VERSION],
                "description": f"The layout version; this workbench writes {SCHEMA_VERSION} and "
                "upgrades version-1 files (the same layout with fewer facts) when it reads them.",
            },
            "system": {
                "type": "object",
                "required": ["id"],
                "properties": system_props,
                "additionalProperties": False,
            },
            "custom_attributes": {
                "type": "array",
                "items": {"$ref": "#/$defs/custom_attribute"},
            },
            "zones": {"type": "array", "items": {"$ref": "#/$defs/zone"}},
            "components": {"type": "array"},
            "flows": {"type": "array", "items": {"$ref": "#/$defs/flow"}},
        },
        "if": {"required": ["custom_attributes"]},
        "then": {"properties": {"components": {"items": {"$ref": "#/$defs/component_lax"}}}},
        "else": {"properties": {"components": {"items": {"$ref": "#/$defs/component"}}}},
        "$defs": {
            "zone": {
                "type": "object",
                "required": ["id", "trust"],
                "properties": zone_props,
                "additionalProperties": False,
            },
            "flow": {
                "type": "object",
                "required": ["id", "from", "to"],
                "properties": flow_props,
                "additionalProperties": False,
            },
            "component": _component(strict=True),
            "component_lax": {
                **_component(strict=False),
                "description": "A component in a file that declares custom attributes "
                "(their names cannot be checked by this schema).",
            },
            "custom_attribute": {
                "type": "object",
                "required": ["name", "type"],
                "properties": {
                    "name": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,63}$"},
                    "type": {"enum": list(CUSTOM_ATTR_TYPES)},
                    "kinds": {"type": "array", "items": {"enum": list(KINDS)}},
                    "description": {"type": "string"},
                    "choices": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                },
                "additionalProperties": False,
            },
        },
    }
