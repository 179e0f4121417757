"""Import TM-BOM threat models (Threat Dragon 2.6's own export format).

TM-BOM is the JSON of the OWASP threat model library schema (``$schema`` naming
``threat-model-library``): ``scope``, ``trust_zones``, ``trust_boundaries``
(pairs of zones), ``actors``, ``components``, ``data_stores``, ``data_sets``,
``data_flows``, ``threats``, ``controls`` and ``risks``. The mapping is in
``docs/interop/tmbom.md``:

* zones keep their ``symbolic_name``; a zone that boundaries name but nobody
  declares (``public``) is added. TM-BOM has no trust levels, so they are
  inferred (reported): ``public`` (or ``internet``) is 0 and every other zone is
  its number of boundary steps from it; zones no boundary reaches get 1;
* actors are ``actor`` (``third_party`` actors ``external_service``), in the
  zone ``public`` unless they name one; components ``application``; data
  stores ``data_store``; the shared recogniser refines each kind from the title,
  description, vendor and product (every guess reported);
* data sets placed in a store set its ``sensitivity`` (``cred`` → secret,
  ``pii``/``personal`` → personal, ``biz`` → confidential) and, where
  ``encrypted``, ``encrypted_at_rest``;
* data flows keep ``encrypted``; flows with sensitive data are noted;
* threats, controls and risks in TM-BOM are tied to trust boundaries, not to
  components or flows: they are reported (counted and named) and not carried
  over as findings.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Mapping
from typing import Any

from workbench.errors import InputError
from workbench.interop._base import Importer, read_and_import
from workbench.interop._common import (
    ImportReport,
    as_list,
    as_mapping,
    label,
    plural,
    slugify,
)
from workbench.interop._common import (
    quoted_ref as _ref,
)
from workbench.interop.recognise import STORE_KINDS, recognise
from workbench.model.definitions import KINDS
from workbench.model.system import SystemModel

__all__ = ["import_tmbom", "tmbom_from_data"]

EXPECTED = "a TM-BOM threat model (JSON of the OWASP threat model library schema)"
_PUBLIC = ("public", "internet")
_SENSITIVITY = {"cred": "secret", "pii": "personal", "personal": "personal", "biz": "confidential"}
_RANK = ("public", "internal", "confidential", "personal", "secret")


def import_tmbom(path: str | os.PathLike[str]) -> tuple[SystemModel, ImportReport]:
    """Import a TM-BOM JSON file as a model and an import report."""
    return read_and_import(path, tmbom_from_data, expected=EXPECTED, formats=("json",))


def tmbom_from_data(
    data: Mapping[str, Any], name: str = "<tmbom>"
) -> tuple[SystemModel, ImportReport]:
    """Import a TM-BOM document already parsed (see :func:`import_tmbom`)."""
    if not isinstance(data, Mapping):
        raise InputError(f"{name}: the top level is not a mapping: expected {EXPECTED}")
    if data.get("bomFormat") == "CycloneDX":
        raise InputError(
            f"{name}: a CycloneDX document, not a TM-BOM threat model: expected {EXPECTED}"
        )
    if not isinstance(data.get("scope"), dict):
        raise InputError(f"{name}: no 'scope' mapping: expected {EXPECTED}")
    return _TmbomImport.from_data(data, name)


class _TmbomImport(Importer, tool="tmbom", expected=EXPECTED):

    def __init__(self, data: Mapping[str, Any], name: str) -> None:
        super().__init__(data, name)
        self.zone_map: dict[str, str] = {}
        self.refs: dict[str, str] = {}

    def build(self) -> SystemModel:
        scope = self.data["scope"]
        title = self.text(scope.get("title"), "scope", "title", True)
        facts: dict[str, Any] = {}
        if title:
            facts["name"] = title
        description = self.text(
            scope.get("description") or self.data.get("description"), "scope", "description", False
        )
        if description:
            facts["description"] = description
        model = SystemModel(slugify(title) or "tmbom-model", **facts)
        self._zones(model)
        for section, default in (
            ("actors", "actor"),
            ("components", "application"),
            ("data_stores", "data_store"),
        ):
            for i, entry in enumerate(as_list(self.data.get(section))):
                self._element(model, section, i, entry, default)
        self._data_sets(model)
        self._flows(model)
        self._rest()
        return model

    def _zone(self, model: SystemModel, ref: str, trust: int, name: str | None = None) -> str:
        if ref not in self.zone_map:
            zid = self.zone_ids.claim(ref, slugify(name), default="zone")
            model.add_zone(zid, trust, name=name or ref)
            self.zone_map[ref] = zid
        return self.zone_map[ref]

    def _zones(self, model: SystemModel) -> None:
        declared = {}
        for i, z in enumerate(as_list(self.data.get("trust_zones"))):
            ref = as_mapping(z).get("symbolic_name")
            if not isinstance(ref, str) or not ref:
                self.report.add("unmapped", f"trust_zones[{i}]", "entry", "no symbolic_name")
                continue
            declared[ref] = as_mapping(z)
        edges: dict[str, set[str]] = {}
        for b in as_list(self.data.get("trust_boundaries")):
            a, c = as_mapping(b).get("trust_zone_a"), as_mapping(b).get("trust_zone_b")
            if isinstance(a, str) and isinstance(c, str):
                edges.setdefault(a, set()).add(c)
                edges.setdefault(c, set()).add(a)
        names = set(declared) | set(edges)
        starts = [z for z in sorted(names) if z.lower() in _PUBLIC]
        dist = dict.fromkeys(starts, 0)
        queue = deque(starts)
        while queue:
            node = queue.popleft()
            for nxt in sorted(edges.get(node, ())):
                if nxt not in dist:
                    dist[nxt] = dist[node] + 1
                    queue.append(nxt)
        for ref in [*declared, *sorted(names - set(declared))]:
            z = declared.get(ref, {})
            trust = dist.get(ref, 1)
            zid = self._zone(model, ref, trust, label(z.get("title")) or ref)
            if ref.lower() in _PUBLIC:
                how = "the public side of the trust boundaries: trust 0"
            elif ref in dist:
                how = f"{plural(dist[ref], 'trust boundary')} from the public zone"
            else:
                how = "no trust boundary links it to the public zone: trust 1"
            if ref not in declared:
                how += "; named by a trust boundary but not declared"
            self.report.add(
                "assumption",
                f"zone {zid!r}",
                f"trust {trust}",
                f"TM-BOM has no trust levels: {how}; confirm it",
            )

    def _element(self, model: SystemModel, section: str, i: int, entry: Any, default: str) -> None:
        where = f"{section}[{i}]"
        if not isinstance(entry, dict):
            self.report.add("unmapped", where, "entry", "not a mapping: not imported")
            return
        ref = entry.get("symbolic_name")
        name = self.text(entry.get("title"), where, "title", True)
        element = f"{section[:-1].replace('_', ' ')} {label(name) or ref!r}"
        description = self.text(entry.get("description"), element, "description", False)
        kind = default
        if section == "actors" and entry.get("type") == "third_party":
            kind = "external_service"
        product = " ".join(
            str(entry[k]) for k in ("vendor", "product") if isinstance(entry.get(k), str)
        )
        accept = STORE_KINDS if section == "data_stores" else set(KINDS) - STORE_KINDS
        if section == "actors":
            accept = {"model", "external_service", "inference_endpoint", "tool"}
        found = recognise(
            type=product or None, name=name, description=description, accept=accept, zones=False
        )
        values: dict[str, Any] = {}
        if found is not None and found.kind is not None:
            kind = found.kind
            values.update(found.attributes)
            self.report.add("guessed", element, f"kind {kind}", f"{found.basis}: check it")
        zone_ref = entry.get("trust_zone")
        if isinstance(zone_ref, str) and zone_ref in self.zone_map:
            zone = self.zone_map[zone_ref]
        else:
            zone = self._zone(model, "public", 0, "public")
            if section == "actors":
                self.report.add(
                    "assumption", element, f"zone {zone!r}", "actors name no zone: public"
                )
            else:
                self.report.add(
                    "unmapped",
                    element,
                    f"trust_zone {zone_ref!r}",
                    "no such zone: placed in public",
                )
        table = model.attributes_for(kind)
        values = {k: v for k, v in values.items() if k in table}
        if name:
            values["name"] = name
        if description:
            values["description"] = description
        tags = [t for t in (entry.get("type"), entry.get("vendor"), entry.get("product")) if t]
        if tags:
            values["tags"] = [str(t) for t in tags]
        cid = self.ids.claim(ref, slugify(name), default=kind.replace("_", "-"))
        model.add_component(cid, kind, zone, **values)
        if isinstance(ref, str):
            self.refs[ref] = cid
        for key in ("permissions", "repo_link"):
            if entry.get(key):
                self.report.add("unmapped", element, key, "no place in a workbench model")

    def _data_sets(self, model: SystemModel) -> None:
        for ds in as_list(self.data.get("data_sets")):
            ds = as_mapping(ds)
            levels = [
                _SENSITIVITY[s] for s in as_list(ds.get("data_sensitivity")) if s in _SENSITIVITY
            ]
            for placement in as_list(ds.get("placements")):
                p = as_mapping(placement)
                cid = self.refs.get(str(p.get("data_store")))
                if cid is None:
                    continue
                comp = model.component(cid)
                table = model.attributes_for(comp.kind)
                changes: dict[str, Any] = {}
                if levels and "sensitivity" in table:
                    best = max(levels, key=_RANK.index)
                    current = comp.get("sensitivity")
                    if current is None or _RANK.index(best) > _RANK.index(current):
                        changes["sensitivity"] = best
                if p.get("encrypted") is True and "encrypted_at_rest" in table:
                    changes["encrypted_at_rest"] = True
                if changes:
                    model.update_component(cid, **changes)
                    self.report.add(
                        "note",
                        f"data set {label(ds.get('title')) or ds.get('symbolic_name')!r}",
                        f"placed in {cid!r}",
                        ", ".join(f"{k}: {v}" for k, v in changes.items()),
                    )

    def _flows(self, model: SystemModel) -> None:
        for i, f in enumerate(as_list(self.data.get("data_flows"))):
            f = as_mapping(f)
            element = f"data flow {label(f.get('title')) or f.get('symbolic_name') or i!r}"
            ends = []
            for end in ("source", "destination"):
                ref = as_mapping(f.get(end)).get("object")
                if str(ref) not in self.refs:
                    self.report.add(
                        "unmapped",
                        element,
                        f"{end} {_ref(ref)}",
                        "no such element: flow not imported",
                    )
                    break
                ends.append(self.refs[str(ref)])
            if len(ends) != 2:
                continue
            values: dict[str, Any] = {}
            self.keep_text(values, "name", f.get("title"), element, single=True, field_name="title")
            self.keep_text(values, "description", f.get("description"), element, single=False)
            if isinstance(f.get("encrypted"), bool):
                values["encrypted"] = f["encrypted"]
            fid = self.ids.claim(f.get("symbolic_name"), default="flow")
            model.add_flow(fid, ends[0], ends[1], **values)
            if f.get("has_sensitive_data") is True:
                self.report.add(
                    "note",
                    element,
                    "has_sensitive_data",
                    "TM-BOM does not say which data: state the flow's data after the import",
                )

    def _rest(self) -> None:
        for section, why in (
            (
                "threats",
                "tied to trust boundaries, not to a component or flow: not carried "
                "over; add them as manual findings on the elements they concern",
            ),
            ("controls", "tied to trust boundaries: not imported; choose mitigations per finding"),
            ("risks", "groups of threats: not imported"),
            ("threat_personas", "no place in a workbench model"),
            ("assumptions", "no place in a workbench model"),
        ):
            items = [as_mapping(x) for x in as_list(self.data.get(section))]
            if items:
                titles = [label(x.get("title") or x.get("description"), 40) or "?" for x in items]
                shown = ", ".join(titles[:5]) + (
                    f" and {len(titles) - 5} more" if len(titles) > 5 else ""
                )
                self.report.add(
                    "unmapped",
                    section,
                    plural(len(items), section.rstrip("s").replace("_", " ")),
                    f"{why} ({shown})",
                )
