"""CycloneDX 1.5, 1.6 and 1.7 JSON bills of materials as a model.

The document is checked against the CycloneDX JSON schema of its declared
version with cyclonedx-python-lib (the library the AIBOM export uses);
schema problems are listed in the import report, and the import goes on with
what can be read. Then:

* ``machine-learning-model`` components become ``model`` components; their
  model card names the architecture, the task (``model_type``, guessed) and
  the datasets (referenced ones become flows of ``training_data``, inline ones
  ``dataset`` components);
* ``data`` components become ``dataset`` components;
* other components become ``application`` components (devices ``sensor``),
  each a guess;
* ``services`` become ``external_service`` components in an external zone;
* ``dependencies`` between imported components become flows where the data
  they carry can be told from the kinds (a dataset feeds training data, a model
  its artifact); the others are reported.

Supplier, version, SHA-256 hash and documentation links map to ``supplier``,
``version``, ``sha256`` and ``docs``. ``workbench:*`` properties (which the
AIBOM export writes) bring back the component id, kind, zone and every other
attribute, so an export followed by an import gives the same components back.
Trust levels are not part of a BOM: every zone's trust is an assumption.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from typing import Any

from workbench.errors import InputError
from workbench.interop._base import Importer, read_and_import
from workbench.interop._common import (
    IdSpace,
    ImportReport,
    Tally,
    as_list,
    clean_text,
    label,
    valid_id,
)
from workbench.model.definitions import DATA_KINDS, KINDS, LINKS, LIST, RECORD, RECORDS
from workbench.model.system import SystemModel

__all__ = ["EXPECTED", "SPEC_VERSIONS", "cyclonedx_from_data", "import_cyclonedx"]

EXPECTED = "a CycloneDX 1.5, 1.6 or 1.7 JSON bill of materials"
SPEC_VERSIONS = ("1.5", "1.6", "1.7")
PREFIX = "workbench:"
MAX_COMPONENTS = 10_000

_TASKS = {
    "classification": "classifier", "text-classification": "classifier",
    "image-classification": "classifier", "token-classification": "classifier",
    "regression": "regressor", "object-detection": "detector",
    "text-generation": "llm", "text2text-generation": "llm", "conversational": "llm",
    "question-answering": "llm", "summarization": "llm", "translation": "llm",
    "feature-extraction": "embedding", "sentence-similarity": "embedding",
    "text-to-image": "generative_image", "image-generation": "generative_image",
    "automatic-speech-recognition": "speech", "text-to-speech": "speech",
    "recommendation": "recommender",
}
_TYPES = {"machine-learning-model": "model", "data": "dataset", "device": "sensor"}
_APPLICATION_TYPES = ("application", "framework", "library", "container", "platform",
                      "operating-system", "firmware", "file")


def import_cyclonedx(path: str | os.PathLike[str]) -> tuple[SystemModel, ImportReport]:
    """Import a CycloneDX JSON file as a model and an import report."""
    return read_and_import(path, cyclonedx_from_data, expected=EXPECTED, formats=("json",))


def _schema_problems(data: Mapping[str, Any], version: str) -> list[str]:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    schema = {"1.5": SchemaVersion.V1_5, "1.6": SchemaVersion.V1_6, "1.7": SchemaVersion.V1_7}
    try:
        errors = JsonStrictValidator(schema[version]).validate_str(json.dumps(data),
                                                                   all_errors=True)
    except Exception as exc:  # a validator that cannot run is reported, not fatal
        return [f"could not be checked against the schema: {type(exc).__name__}"]
    out = []
    for e in list(errors or ())[:10]:
        raw = getattr(e, "data", None)
        message = getattr(raw, "message", None) or str(e)
        out.append(" ".join(str(message).split())[:200])
    return out


def _props(item: Mapping[str, Any]) -> tuple[dict[str, str], list[str]]:
    ours: dict[str, str] = {}
    others: list[str] = []
    for prop in as_list(item.get("properties")):
        if not isinstance(prop, Mapping) or not isinstance(prop.get("name"), str):
            continue
        name, value = prop["name"], prop.get("value")
        if name.startswith(PREFIX) and isinstance(value, str):
            ours[name[len(PREFIX) :]] = value
        else:
            others.append(name[:80])
    return ours, others


def _entity(value: Any) -> str | None:
    if isinstance(value, Mapping):
        return label(value.get("name"), 200)
    return label(value, 200) if isinstance(value, str) else None


class _CdxImport(Importer, tool="cyclonedx", expected=EXPECTED, top_level="an object"):

    def __init__(self, data: Mapping[str, Any], name: str) -> None:
        super().__init__(data, name)
        self.refs: dict[str, str] = {}  # bom-ref -> component id
        self.zones: dict[str, int] = {}
        self.pending: list[tuple[str, str, dict[str, Any]]] = []  # (id, kind, attrs+zone)
        self.dataset_refs: list[tuple[str, str]] = []  # (model id, bom-ref)
        self.unmapped_props = Tally()

    def build(self) -> SystemModel:
        data = self.data
        if data.get("bomFormat") != "CycloneDX":
            raise InputError(f"{self.name}: bomFormat is not CycloneDX: expected {EXPECTED}")
        version = data.get("specVersion")
        if version not in SPEC_VERSIONS:
            raise InputError(f"{self.name}: CycloneDX specVersion {version!r} is not supported: "
                             f"expected {', '.join(SPEC_VERSIONS)}")
        if any(isinstance(c, Mapping) and c.get("type") == "threat-model"
               for c in as_list(data.get("components"))):
            raise InputError(f"{self.name}: a TM-BOM threat model, not a bill of materials: "
                             "export Open Threat Model from Threat Dragon and import that")
        for problem in _schema_problems(data, str(version)):
            self.report.add("note", "schema", f"CycloneDX {version}", problem)
        components = [c for c in as_list(data.get("components")) if isinstance(c, Mapping)]
        services = [s for s in as_list(data.get("services")) if isinstance(s, Mapping)]
        if len(components) + len(services) > MAX_COMPONENTS:
            raise InputError(f"{self.name}: more than {MAX_COMPONENTS:,} components and "
                             "services: refused")
        model = self._system(data.get("metadata"))
        for comp in self._flatten(components):
            self._component(comp)
        for service in services:
            self._service(service)
        for zone, trust in sorted(self.zones.items()):
            model.add_zone(zone, trust)
            self.report.add("assumption", f"zone {zone}", f"trust {trust}",
                            "a bill of materials says nothing about trust")
        for cid, kind, attrs in self.pending:
            zone = attrs.pop("zone")
            model.add_component(cid, kind, zone, **attrs)
        self._flows(model)
        self.unmapped_props.flush(self.report, {}, "a property the workbench has no attribute "
                                  "for", noun="component")
        return model

    def _flatten(self, components: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        out: list[Mapping[str, Any]] = []
        stack = list(reversed(components))
        while stack:
            comp = stack.pop()
            out.append(comp)
            if len(out) > MAX_COMPONENTS:
                raise InputError(f"{self.name}: more than {MAX_COMPONENTS:,} components: "
                                 "refused")
            stack.extend(reversed([c for c in as_list(comp.get("components"))
                                   if isinstance(c, Mapping)]))
        return out

    def _system(self, metadata: Any) -> SystemModel:
        meta: Mapping[str, Any] = metadata if isinstance(metadata, Mapping) else {}
        raw = meta.get("component")
        system: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
        props, _ = _props(system)
        sid = props.get("system_id")
        if not valid_id(sid):
            sid = IdSpace().claim(system.get("name"), default="imported-bom")
        facts: dict[str, Any] = {}
        name = clean_text(system.get("name"), report=self.report, element="metadata.component",
                          field_name="name", single_line=True)
        if name:
            facts["name"] = name
        description = clean_text(system.get("description"), report=self.report,
                                 element="metadata.component", field_name="description")
        if description:
            facts["description"] = description
        if props.get("owner"):
            facts["owner"] = props["owner"][:200]
        if isinstance(system.get("bom-ref"), str):
            self.refs[system["bom-ref"]] = ""
        return SystemModel(str(sid), **facts)

    def _zone(self, props: Mapping[str, str], default: str, trust: int) -> str:
        zone = props.get("zone")
        if not valid_id(zone):
            zone = default
        self.zones.setdefault(str(zone), trust if zone == default else _trust_of(str(zone)))
        return str(zone)

    def _common(self, item: Mapping[str, Any], element: str, cid: str, kind: str,
                props: dict[str, str]) -> dict[str, Any]:
        attrs: dict[str, Any] = {}
        name = clean_text(item.get("name"), report=self.report, element=element,
                          field_name="name", single_line=True)
        if name and name != cid:
            attrs["name"] = name
        description = clean_text(item.get("description"), report=self.report, element=element,
                                 field_name="description")
        if description:
            attrs["description"] = description
        supplier = _entity(item.get("supplier")) or _entity(item.get("provider"))
        if not supplier:
            for key in ("manufacturer", "publisher", "author"):
                supplier = _entity(item.get(key))
                if supplier:
                    self.report.add("guessed", element, f"supplier: {supplier}",
                                    f"taken from {key}")
                    break
        if supplier:
            attrs["supplier"] = supplier
        version = item.get("version")
        if isinstance(version, (str, int, float)) and not isinstance(version, bool):
            attrs["version"] = str(version)[:100]
        for h in as_list(item.get("hashes")):
            if isinstance(h, Mapping) and h.get("alg") == "SHA-256" and isinstance(
                    h.get("content"), str) and re.fullmatch(r"[0-9a-fA-F]{64}", h["content"]):
                attrs["sha256"] = h["content"].lower()
        docs = []
        for ref in as_list(item.get("externalReferences")):
            url = ref.get("url") if isinstance(ref, Mapping) else None
            if isinstance(url, str) and re.match(r"https?://\S+$", url):
                docs.append(url)
            elif url is not None:
                self.report.add("unmapped", element, "externalReference",
                                f"not an http(s) link: {label(url)}")
        if docs:
            attrs["docs"] = tuple(dict.fromkeys(docs))
        self._typed(attrs, kind, props, element)
        return attrs

    def _typed(self, attrs: dict[str, Any], kind: str, props: Mapping[str, str],
               element: str) -> None:
        from workbench.model.definitions import attributes_for

        specs = attributes_for(kind)
        for key, text in sorted(props.items()):
            if key in ("component_id", "kind", "zone"):
                continue
            spec = specs.get(key)
            if spec is None:
                self.unmapped_props.add(f"{PREFIX}{key}", element)
                continue
            value = _parse(spec, text)
            _, problems = spec.check(value)
            if problems:
                self.report.add("unmapped", element, f"{PREFIX}{key}",
                                f"{problems[0][1]}")
                continue
            attrs[key] = value

    def _component(self, comp: Mapping[str, Any]) -> None:
        ctype = comp.get("type")
        element = f"component {label(comp.get('name')) or label(comp.get('bom-ref')) or '?'}"
        props, others = _props(comp)
        for other in others:
            self.unmapped_props.add(other, element)
        kind = props.get("kind")
        if kind not in KINDS:
            kind = _TYPES.get(str(ctype))
            if kind is None and ctype in _APPLICATION_TYPES:
                kind = "application"
                self.report.add("guessed", element, "kind: application",
                                f"a CycloneDX {ctype} component")
            elif kind == "sensor":
                self.report.add("guessed", element, "kind: sensor", "a CycloneDX device")
        if kind is None:
            self.report.add("unmapped", element, f"type {label(ctype)}",
                            "no component kind for it")
            return
        cid = self.ids.claim(props.get("component_id"), comp.get("name"), comp.get("bom-ref"),
                             default="component")
        if isinstance(comp.get("bom-ref"), str):
            self.refs[comp["bom-ref"]] = cid
        zone = self._zone(props, "internal", 3)
        attrs = self._common(comp, element, cid, kind, props)
        if kind == "model":
            self._model_card(comp.get("modelCard"), element, cid, attrs)
            purl = comp.get("purl")
            if isinstance(purl, str) and purl.startswith("pkg:huggingface/"):
                owner = purl[len("pkg:huggingface/") :].split("/", 1)[0].split("@")[0]
                if owner and "supplier" not in attrs and "/" in purl[len("pkg:huggingface/"):]:
                    attrs["supplier"] = owner
                    self.report.add("guessed", element, f"supplier: {owner}",
                                    "the owner in its Hugging Face package URL")
                if "origin" not in attrs:
                    attrs["origin"] = "open_weights"
                    self.report.add("guessed", element, "origin: open_weights",
                                    "published on a model hub (Hugging Face package URL)")
        if kind == "dataset" and comp.get("data"):
            self.report.add("note", element, "data", "the data description (contents, "
                            "governance) is not imported")
        attrs["zone"] = zone
        self.pending.append((cid, kind, attrs))

    def _model_card(self, card: Any, element: str, cid: str, attrs: dict[str, Any]) -> None:
        if not isinstance(card, Mapping):
            return
        raw = card.get("modelParameters")
        params: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
        task = params.get("task")
        if isinstance(task, str) and "model_type" not in attrs:
            guess = _TASKS.get(task.strip().lower())
            if guess:
                attrs["model_type"] = guess
                self.report.add("guessed", element, f"model_type: {guess}",
                                f"from the model card task {label(task)!r}")
            else:
                self.report.add("unmapped", element, "modelCard task",
                                f"{label(task)!r} names no model type")
        arch = params.get("modelArchitecture") or params.get("architectureFamily")
        if isinstance(arch, str) and "architecture" not in attrs:
            attrs["architecture"] = label(arch, 200)
        for i, ds in enumerate(as_list(params.get("datasets"))):
            if not isinstance(ds, Mapping):
                continue
            if isinstance(ds.get("ref"), str):
                self.dataset_refs.append((cid, ds["ref"]))
            elif ds.get("name"):
                did = self.ids.claim(ds.get("name"), default="dataset")
                ds_attrs: dict[str, Any] = {"zone": "internal"}
                name = clean_text(ds.get("name"), report=self.report, element=element,
                                  field_name=f"datasets[{i}].name", single_line=True)
                if name and name != did:
                    ds_attrs["name"] = name
                self.zones.setdefault("internal", 3)
                self.pending.append((did, "dataset", ds_attrs))
                self.dataset_refs.append((cid, f"#inline:{did}"))
                self.refs[f"#inline:{did}"] = did
                self.report.add("note", element, f"dataset {label(ds.get('name'))}",
                                "an inline model card dataset: imported as a dataset component")
        for key in ("quantitativeAnalysis", "considerations"):
            if card.get(key):
                self.report.add("unmapped", element, f"modelCard {key}",
                                "the workbench keeps no model card text; link the card in docs")

    def _service(self, service: Mapping[str, Any]) -> None:
        element = f"service {label(service.get('name')) or '?'}"
        props, others = _props(service)
        for other in others:
            self.unmapped_props.add(other, element)
        kind = str(props["kind"]) if props.get("kind") in KINDS else "external_service"
        cid = self.ids.claim(props.get("component_id"), service.get("name"),
                             service.get("bom-ref"), default="service")
        if isinstance(service.get("bom-ref"), str):
            self.refs[service["bom-ref"]] = cid
        zone = self._zone(props, "external", 1)
        attrs = self._common(service, element, cid, kind, props)
        endpoints = [e for e in as_list(service.get("endpoints")) if isinstance(e, str)]
        if endpoints and "location" not in attrs and re.match(r"https?://\S+$", endpoints[0]):
            attrs["location"] = endpoints[0][:300]
        if service.get("data"):
            self.report.add("note", element, "data", "data classifications are not imported "
                            "as flows: draw the flows to and from the service")
        attrs["zone"] = zone
        self.pending.append((cid, kind, attrs))

    def _flows(self, model: SystemModel) -> None:
        kinds = {cid: kind for cid, kind, _ in self.pending}
        edges: list[tuple[str, str, str]] = []
        for cid, ref in self.dataset_refs:
            source = self.refs.get(ref)
            if source:
                edges.append((source, cid, "training_data"))
            else:
                self.report.add("unmapped", f"component {cid}", f"dataset ref {label(ref)}",
                                "refers to no component")
        for dep in as_list(self.data.get("dependencies")):
            if not isinstance(dep, Mapping):
                continue
            target = self.refs.get(str(dep.get("ref")))
            if not target:
                continue  # the system itself, or something not imported
            for ref in as_list(dep.get("dependsOn")):
                source = self.refs.get(str(ref))
                if not source:
                    continue
                data = {"dataset": "training_data", "model": "model_artifact"}.get(
                    kinds.get(source, ""))
                if data is None:
                    self.report.add("unmapped", f"dependency {target} → {source}",
                                    "dependsOn", "no data kind can be told from the kinds")
                    continue
                edges.append((source, target, data))
        seen: set[tuple[str, str, str]] = set()
        for source, target, data in edges:
            if (source, target, data) in seen or source == target:
                continue
            seen.add((source, target, data))
            assert data in DATA_KINDS
            fid = self.ids.claim(f"{source}-to-{target}")
            model.add_flow(fid, source, target, [data])
            self.report.add("guessed", f"flow {fid}", f"data: {data}",
                            f"{target} depends on {source}")


def _trust_of(zone: str) -> int:
    """An assumed trust level from a zone's name (a BOM has none)."""
    words = set(re.split(r"[^a-z]+", zone.lower()))
    if words & {"internet", "public", "untrusted", "web"}:
        return 0
    if words & {"provider", "partner", "external", "vendor", "supplier", "third", "cloud",
                "remote", "edge", "device", "devices"}:
        return 1
    if words & {"dmz"}:
        return 2
    return 3


def _parse(spec: Any, text: str) -> Any:
    if spec.type == "bool":
        return {"true": True, "false": False}.get(text, text)
    if spec.type == "integer":
        return int(text) if re.fullmatch(r"-?\d+", text) else text
    if spec.type == "number":
        try:
            return float(text) if "." in text or "e" in text.lower() else int(text)
        except ValueError:
            return text
    if spec.type in (LIST, LINKS):
        return tuple(p for p in text.split(", ") if p)
    if spec.type in (RECORD, RECORDS):
        try:
            value = json.loads(text)
        except ValueError:
            return text
        return tuple(value) if isinstance(value, list) else value
    return text


def cyclonedx_from_data(data: Any, name: str = "<cyclonedx>") -> tuple[SystemModel,
                                                                        ImportReport]:
    """Import a CycloneDX document already parsed from JSON (see :func:`import_cyclonedx`)."""
    return _CdxImport.from_data(data, name)
