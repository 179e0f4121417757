"""An AI bill of materials (AIBOM) of a system model in CycloneDX, with cyclonedx-python-lib.

:func:`aibom` builds a :class:`cyclonedx.model.bom.Bom` (never hand-written
JSON) that lists what the AI system is made of and where it comes from:

* the system itself as ``metadata.component`` and the workbench as the tool
  that wrote the BOM (``metadata.tools``);
* every ``model`` as a ``machine-learning-model`` component;
* every ``dataset`` (and every ``knowledge_source`` with a stated supplier)
  as a ``data`` component;
* third-party parts: tools whose ``origin`` is ``third_party``, data and
  training pipelines that run third-party code (``uses_third_party_code:
  true``) and any other component with a stated ``supplier``, as components;
* every ``external_service`` as a ``service``, with the data kinds its flows
  carry in and out as data classifications.

Each entry carries the model's ``supplier`` (as supplier, or provider for a
service), ``version``, its ``sha256`` as a SHA-256 hash, its ``docs`` links as
external references (a link that names a model card on a model is a
``model-card`` reference, any other ``documentation``) and every other stated
attribute as a ``workbench:<attribute>`` property (``workbench:model_type``,
``workbench:origin``, ``workbench:serialization`` ...). cyclonedx-python-lib
11 does not implement CycloneDX's ``modelCard`` object, so the model card facts
travel as properties and the model-card link.

Output is deterministic: the serial number is ``urn:uuid:`` + uuid5 of the
system id (or ``serial_seed``), the timestamp is a parameter, and the JSON is
written with sorted keys. The schema version is CycloneDX 1.6.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from workbench._atomic import atomic_write_text
from workbench._version import DISTRIBUTION, __version__

__all__ = [
    "AIBOM_NAMESPACE",
    "aibom",
    "aibom_text",
    "serial_number",
    "validate_aibom",
    "write_aibom",
]

#: Namespace of the BOM serial numbers (uuid5 of the project URL + "#aibom").
AIBOM_NAMESPACE = uuid.uuid5(
    uuid.NAMESPACE_URL, "https://github.com/ai-threat-workbench/ai-threat-workbench#aibom"
)
HOMEPAGE = "https://github.com/ai-threat-workbench/ai-threat-workbench"
PROPERTY_PREFIX = "workbench:"
# Attributes that have a CycloneDX field of their own (or are the display text).
_OWN_FIELDS = ("name", "description", "supplier", "version", "sha256", "docs")
_MODEL_CARD_HINTS = ("model-card", "model_card", "modelcard", "model card")


def serial_number(seed: str) -> uuid.UUID:
    """The BOM serial number for *seed* (a system id): uuid5 in :data:`AIBOM_NAMESPACE`."""
    return uuid.uuid5(AIBOM_NAMESPACE, seed)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ", ".join(_value(v) for v in value)
    if isinstance(value, Mapping):
        return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return str(value)


def _included(component: Any) -> str | None:
    """Why a component belongs in the AIBOM (the CycloneDX type to use), or ``None``."""
    kind = component.kind
    if kind == "model":
        return "machine-learning-model"
    if kind == "dataset":
        return "data"
    if kind == "external_service":
        return "service"
    if kind == "tool" and component.get("origin") == "third_party":
        return "application"
    if kind in ("data_pipeline", "training_pipeline") and component.get("uses_third_party_code"):
        return "application"
    if component.get("supplier"):
        if kind == "knowledge_source":
            return "data"
        if kind == "sensor":
            return "device"
        return "application"
    return None


def _properties(component: Any, extra: Mapping[str, Any] | None = None) -> list[Any]:
    from cyclonedx.model import Property

    values: dict[str, str] = {
        "component_id": component.id,
        "kind": component.kind,
        "zone": component.zone,
    }
    for key in sorted(component.attrs):
        if key not in _OWN_FIELDS:
            values[key] = _value(component.attrs[key])
    for key, value in (extra or {}).items():
        values[key] = value
    return [Property(name=f"{PROPERTY_PREFIX}{k}", value=v) for k, v in values.items()]


def _references(component: Any) -> list[Any]:
    from cyclonedx.model import ExternalReference, ExternalReferenceType, XsUri

    refs = []
    for link in component.get("docs") or ():
        kind = ExternalReferenceType.DOCUMENTATION
        if component.kind == "model" and any(h in link.lower() for h in _MODEL_CARD_HINTS):
            kind = ExternalReferenceType.MODEL_CARD
        refs.append(ExternalReference(type=kind, url=XsUri(link)))
    return refs


def _hashes(component: Any) -> list[Any]:
    from cyclonedx.model import HashAlgorithm, HashType

    digest = component.get("sha256")
    return [HashType(alg=HashAlgorithm.SHA_256, content=digest.lower())] if digest else []


def _data_classes(model: Any, component_id: str) -> list[Any]:
    from cyclonedx.model import DataClassification, DataFlow

    inbound: set[str] = set()
    outbound: set[str] = set()
    for flow in model.flows_of(component_id):
        if flow.target == component_id:
            inbound.update(flow.data)
        if flow.source == component_id:
            outbound.update(flow.data)
    out = []
    for kind in sorted(inbound | outbound):
        if kind in inbound and kind in outbound:
            direction = DataFlow.BI_DIRECTIONAL
        elif kind in inbound:
            direction = DataFlow.INBOUND
        else:
            direction = DataFlow.OUTBOUND
        out.append(DataClassification(flow=direction, classification=kind))
    return out


def aibom(
    model: Any,
    *,
    timestamp: dt.datetime | None = None,
    serial_seed: str | None = None,
) -> Any:
    """The AIBOM of *model* as a :class:`cyclonedx.model.bom.Bom` (see the module docstring).

    ``timestamp`` is the BOM's ``metadata.timestamp`` (give one for a
    reproducible BOM; naive means UTC); ``serial_seed`` replaces the system id
    as the seed of the serial number.
    """
    from cyclonedx.model import ExternalReference, ExternalReferenceType, Property, XsUri
    from cyclonedx.model.bom import Bom, BomMetaData
    from cyclonedx.model.component import Component, ComponentType
    from cyclonedx.model.contact import OrganizationalEntity
    from cyclonedx.model.service import Service
    from cyclonedx.model.tool import ToolRepository

    if timestamp is not None and timestamp.tzinfo is None:
        timestamp = timestamp.replace(tzinfo=dt.UTC)
    types = {
        "machine-learning-model": ComponentType.MACHINE_LEARNING_MODEL,
        "data": ComponentType.DATA,
        "application": ComponentType.APPLICATION,
        "device": ComponentType.DEVICE,
    }
    tool = Component(
        type=ComponentType.APPLICATION,
        name=DISTRIBUTION,
        version=__version__,
        bom_ref=f"tool:{DISTRIBUTION}",
        external_references=[
            ExternalReference(type=ExternalReferenceType.WEBSITE, url=XsUri(HOMEPAGE))
        ],
    )
    system_props = {"system_id": model.id}
    if model.fact("owner"):
        system_props["owner"] = str(model.fact("owner"))
    system = Component(
        type=ComponentType.APPLICATION,
        name=model.name,
        bom_ref=f"system:{model.id}",
        description=model.description,
        properties=[
            Property(name=f"{PROPERTY_PREFIX}{k}", value=v) for k, v in system_props.items()
        ],
    )
    components: list[Any] = []
    services: list[Any] = []
    for c in model.components():
        what = _included(c)
        if what is None:
            continue
        supplier = c.get("supplier")
        if what == "service":
            services.append(
                Service(
                    name=c.name,
                    bom_ref=f"service:{c.id}",
                    provider=OrganizationalEntity(name=supplier) if supplier else None,
                    version=c.get("version"),
                    description=c.description,
                    x_trust_boundary=True,
                    data=_data_classes(model, c.id),
                    external_references=_references(c),
                    properties=_properties(c),
                )
            )
            continue
        components.append(
            Component(
                type=types[what],
                name=c.name,
                bom_ref=f"component:{c.id}",
                supplier=OrganizationalEntity(name=supplier) if supplier else None,
                version=c.get("version"),
                description=c.description,
                hashes=_hashes(c),
                external_references=_references(c),
                properties=_properties(c),
            )
        )
    bom = Bom(
        serial_number=serial_number(serial_seed or model.id),
        version=1,
        metadata=BomMetaData(
            tools=ToolRepository(components=[tool]),
            component=system,
            timestamp=timestamp,
        ),
        components=components,
        services=services,
    )
    bom.register_dependency(system, [*components, *services])
    for item in (*components, *services):
        bom.register_dependency(item, [])
    return bom


def aibom_text(bom: Any) -> str:
    """The BOM as CycloneDX 1.6 JSON with sorted keys (two-space indent, final newline)."""
    from cyclonedx.output.json import JsonV1Dot6

    raw = JsonV1Dot6(bom).output_as_string()
    return json.dumps(json.loads(raw), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_aibom(
    model: Any,
    path: str | Path,
    *,
    timestamp: dt.datetime | None = None,
    serial_seed: str | None = None,
) -> Path:
    """Build the AIBOM of *model* and write it to *path* atomically as CycloneDX 1.6 JSON."""
    return atomic_write_text(
        Path(path), aibom_text(aibom(model, timestamp=timestamp, serial_seed=serial_seed))
    )


def validate_aibom(text: str) -> list[str]:
    """Problems the CycloneDX 1.6 JSON schema finds in *text* (empty when valid)."""
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    errors = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text, all_errors=True)
    return [str(e) for e in errors or ()]
