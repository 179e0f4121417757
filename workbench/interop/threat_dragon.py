"""Import OWASP Threat Dragon v2 models (JSON).

A Threat Dragon v2 file has ``version`` (2.x), ``summary`` (title, owner,
description) and ``detail.diagrams[].cells[]``. Each cell has a ``shape``, a
``data`` mapping (``type``, ``name``, ``description``, check boxes, ``threats``)
and, for shapes, a ``position`` and ``size``; flows have ``source.cell`` and
``target.cell``.

Mapping
=======

================================  ==========================================================
Threat Dragon                     workbench
================================  ==========================================================
summary title / description       system name / description (id from the title)
summary owner                     system owner
``actor`` (tm.Actor)              ``actor``; ``providesAuthentication`` → ``authenticated``
``process`` (tm.Process)          ``application``, or an AI kind guessed from the name
``store`` (tm.Store)              ``data_store``, or an AI kind guessed from the name;
                                  ``isEncrypted`` → ``encrypted_at_rest``,
                                  ``storesCredentials`` → ``sensitivity: secret`` (assumed)
``flow`` (tm.Flow)                a flow ``flow-<first 8 characters of the cell id>``;
                                  ``isEncrypted`` → ``encrypted``, ``protocol``;
                                  ``isBidirectional`` → a second flow ``…-reverse``
``trust-boundary-box``            a zone holding the shapes inside it (below)
``trust-boundary-curve``          reported: a line cannot say which side a shape is on
text blocks, other shapes         reported, not imported
``threats`` on any cell           reported: not imported (their decisions are not carried
                                  over; the workbench derives its own findings)
================================  ==========================================================

Other check boxes (``isWebApplication``, ``handlesCardPayment``,
``handlesGoodsOrServices``, ``isALog``, ``isSigned``, ``storesInventory``) and a
``privilegeLevel`` become tags, so nothing is lost. Threat Dragon's check boxes
are false until someone ticks them, so false is read as *unstated*, never as
a stated "no". Out-of-scope elements are imported with the tag ``out-of-scope``
(and reported with the reason). Flows carry no data kinds (Threat Dragon has no
data model): fill in ``data`` after the import.

Kinds guessed from names
------------------------

Only processes and stores, only on whole words of the name or description,
and each guess is reported ("kind guessed from name") so an analyst checks it:

* process → ``agent``: "AI agent", "LLM agent", "autonomous agent";
  ``inference_endpoint``: "inference API/endpoint/server/service", "model
  endpoint/API/server"; ``model``: "LLM", "large language model", "language
  model", "machine learning model", "ML model", "AI model", "classifier",
  "neural network", "GPT", or "model" as a word (not "data model",
  "threat model", "domain model", "object model", "business model").
* store → ``vector_store``: "vector store/database/DB/index", "embeddings";
  ``model_registry``: "model registry/store/repository"; ``dataset``:
  "training data", "dataset", "training set".

Trust zones
-----------

Threat Dragon has no trust levels, so they are assigned by a documented rule
(reported as an assumption): a shape belongs to the innermost trust-boundary
box that contains its centre; shapes in no box go to the zone ``outside`` of
trust 0; a box has trust 1 + the number of boxes around it (nesting depth).
Boxes without a name are called "Trust boundary N". Analysts should then set
the real trust levels.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workbench.errors import InputError
from workbench.interop._common import (
    IdSpace,
    ImportReport,
    Tally,
    as_list,
    as_mapping,
    clean_text,
    hint,
    label,
    load_document,
    plural,
    slugify,
)
from workbench.model.system import SystemModel

__all__ = ["guess_kind", "import_threat_dragon", "threat_dragon_from_data"]

EXPECTED = "a Threat Dragon v2 model (JSON with version 2.x, summary and detail.diagrams)"

_SHAPES = {
    "actor": "actor",
    "tm.actor": "actor",
    "process": "process",
    "tm.process": "process",
    "store": "store",
    "tm.store": "store",
    "flow": "flow",
    "tm.flow": "flow",
    "trust-boundary-box": "box",
    "tm.boundarybox": "box",
    "trust-boundary-curve": "curve",
    "trust-broundary-curve": "curve",  # spelled so by some Threat Dragon 2.0 releases
    "trust-boundary": "curve",
    "tm.boundary": "curve",
    "td-text-block": "text",
    "tm.text": "text",
}

_W = r"(?<![a-z0-9]){}(?![a-z0-9])"
_NOT_A_MODEL = re.compile(
    r"(?<![a-z0-9])(data|threat|domain|object|business|operating|pricing|cost|service)"
    r"[\s-]+models?(?![a-z0-9])"
)
_PROCESS_GUESSES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("agent", re.compile(_W.format(r"(ai|llm|autonomous|genai)[\s-]+agents?"))),
    (
        "inference_endpoint",
        re.compile(
            _W.format(
                r"(inference[\s-]+(api|endpoint|server|service)s?"
                r"|model[\s-]+(endpoint|api|server|serving)s?)"
            )
        ),
    ),
    (
        "model",
        re.compile(
            _W.format(
                r"(llms?|large[\s-]+language[\s-]+models?|language[\s-]+models?"
                r"|(machine[\s-]+learning|ml|ai)[\s-]+models?|classifiers?|neural[\s-]+net(work)?s?"
                r"|gpt(-?[0-9][a-z0-9.]*)?|models?)"
            )
        ),
    ),
)
_STORE_GUESSES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "vector_store",
        re.compile(
            _W.format(
                r"(vector[\s-]+(store|database|db|index)s?|embeddings?[\s-]+(store|index)|embeddings)"
            )
        ),
    ),
    ("model_registry", re.compile(_W.format(r"model[\s-]+(registry|store|repository)"))),
    ("dataset", re.compile(_W.format(r"(training[\s-]+(data|set)|datasets?)"))),
)


def guess_kind(shape: str, name: str | None, description: str | None = None) -> str | None:
    """An AI kind for a Threat Dragon process or store from its name, or ``None``.

    >>> guess_kind("process", "Support LLM")
    'model'
    >>> guess_kind("process", "Data model service") is None
    True
    >>> guess_kind("store", "Vector DB")
    'vector_store'
    """
    rules = {"process": _PROCESS_GUESSES, "store": _STORE_GUESSES}.get(shape, ())
    for text in (name, description):
        if not text:
            continue
        lowered = _NOT_A_MODEL.sub(" ", text.lower())
        for kind, pattern in rules:
            if pattern.search(lowered):
                return kind
    return None


@dataclass
class _Rect:
    x: float
    y: float
    w: float
    h: float

    @property
    def area(self) -> float:
        return self.w * self.h

    def contains_point(self, px: float, py: float) -> bool:
        return self.x <= px <= self.x + self.w and self.y <= py <= self.y + self.h

    def contains_rect(self, other: _Rect) -> bool:
        return (
            self.x <= other.x
            and self.y <= other.y
            and other.x + other.w <= self.x + self.w
            and other.y + other.h <= self.y + self.h
        )


def _rect(cell: Mapping[str, Any]) -> _Rect | None:
    pos = as_mapping(cell.get("position"))
    size = as_mapping(cell.get("size"))
    values = [pos.get("x"), pos.get("y"), size.get("width"), size.get("height")]
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return None
    x, y, w, h = (float(v) for v in values)  # type: ignore[arg-type]
    if w < 0 or h < 0:
        return None
    return _Rect(x, y, w, h)


def _shape_of(cell: Mapping[str, Any]) -> str | None:
    data = as_mapping(cell.get("data"))
    for key in (data.get("type"), cell.get("shape"), cell.get("type")):
        if isinstance(key, str) and key.lower() in _SHAPES:
            return _SHAPES[key.lower()]
    return None


def _raw_name(cell: Mapping[str, Any]) -> Any:
    data = as_mapping(cell.get("data"))
    name = data.get("name")
    if isinstance(name, str) and name.strip():
        return name
    attrs = as_mapping(cell.get("attrs"))
    for key in ("text", "label"):
        text = as_mapping(attrs.get(key)).get("text")
        if isinstance(text, str) and text.strip():
            return text
    for item in as_list(cell.get("labels")):
        if isinstance(item, str) and item.strip():
            return item
        text = as_mapping(as_mapping(as_mapping(item).get("attrs")).get("labelText")).get("text")
        if isinstance(text, str) and text.strip():
            return text
    return name


def _threat_count(cell: Mapping[str, Any]) -> int:
    data = as_mapping(cell.get("data"))
    threats = [t for t in as_list(data.get("threats")) if t is not None]
    threats += [t for t in as_list(cell.get("threats")) if t is not None]
    return len(threats)


def import_threat_dragon(path: str | os.PathLike[str]) -> tuple[SystemModel, ImportReport]:
    """Import a Threat Dragon v2 JSON file as a model and an import report.

    Raises :class:`~workbench.errors.InputError` for a file that is not a Threat
    Dragon v2 model (a v1 file is named as such).
    """
    data = load_document(path, expected=EXPECTED, formats=("json",))
    return threat_dragon_from_data(data, str(path))


def _check_version(data: Mapping[str, Any], name: str) -> None:
    detail = data.get("detail")
    if not isinstance(data.get("summary"), dict) or not isinstance(detail, dict):
        raise InputError(
            f"{name}: not a Threat Dragon model: no 'summary' and 'detail' "
            f"mappings (expected {EXPECTED}){hint(data, 'threat-dragon')}"
        )
    diagrams = detail.get("diagrams")
    if not isinstance(diagrams, list):
        raise InputError(f"{name}: no 'detail.diagrams' list (expected {EXPECTED})")
    v1 = any(isinstance(d, dict) and "diagramJson" in d for d in diagrams)
    version = data.get("version")
    if v1 or (isinstance(version, str) and version.strip().startswith("1")):
        raise InputError(
            f"{name}: a Threat Dragon v1 model (diagramJson cells); open it in Threat Dragon "
            "2.x and save it to convert it to v2, then import that file"
        )
    if version is not None and (
        not isinstance(version, str) or not re.match(r"2(\.|$)", version.strip())
    ):
        raise InputError(
            f"{name}: Threat Dragon version {version!r} is not supported (expected {EXPECTED})"
        )
    for i, diagram in enumerate(diagrams):
        if not isinstance(diagram, dict) or not isinstance(diagram.get("cells", []), list):
            raise InputError(
                f"{name}: detail.diagrams[{i}] has no 'cells' list (expected {EXPECTED})"
            )


class _TdImport:
    def __init__(self, data: Mapping[str, Any], name: str) -> None:
        self.data = data
        self.name = name
        self.report = ImportReport(name, "threat-dragon")
        self.ids = IdSpace()
        self.zone_ids = IdSpace()
        self.cell_to_component: dict[str, str] = {}
        self.outside: str | None = None
        self.unnamed = 0
        self.notes = Tally()
        self.unmapped = Tally()

    def text(self, value: Any, element: str, field_name: str, single: bool) -> str | None:
        return clean_text(
            value, report=self.report, element=element, field_name=field_name, single_line=single
        )

    def run(self) -> tuple[SystemModel, ImportReport]:
        _check_version(self.data, self.name)
        summary = self.data["summary"]
        title = self.text(summary.get("title"), "summary", "title", True)
        facts: dict[str, Any] = {}
        if title:
            facts["name"] = title
        description = self.text(summary.get("description"), "summary", "description", False)
        if description:
            facts["description"] = description
        owner = self.text(summary.get("owner"), "summary", "owner", True)
        if owner:
            facts["owner"] = owner
        model = SystemModel(slugify(title) or "threat-dragon-model", **facts)
        if self.data.get("version") is None:
            self.report.add(
                "assumption",
                "version",
                "missing",
                "no version, but diagrams of cells: read as Threat Dragon v2",
            )
        detail = self.data["detail"]
        for key in ("contributors", "reviewer"):
            value = detail.get(key)
            if value not in (None, "", []):
                self.report.add(
                    "unmapped",
                    f"detail.{key}",
                    key,
                    "people on the threat model, not part of the system: not imported",
                )
        diagrams = detail["diagrams"]
        self.has_boxes = False
        for index, diagram in enumerate(diagrams):
            self._diagram(model, diagram, index, len(diagrams))
        self.unmapped.flush(self.report, _TALLY_WHY, "not imported", noun="flow")
        self.notes.flush(self.report, _TALLY_WHY, "imported", category="note", noun="flow")
        if len(model.components()) or len(model.zones()):
            self.report.add(
                "assumption",
                "trust levels",
                "zones",
                "Threat Dragon has no trust levels: shapes in no trust-boundary box are in "
                "zone 'outside' (trust 0); each box has trust 1 + its nesting depth. Set the "
                "real levels",
            )
        if model.flows():
            self.report.add(
                "assumption",
                "flows",
                "data",
                "Threat Dragon has no data kinds: flows carry no 'data'; state "
                "what each flow carries",
            )
        self.report.components = len(model.components())
        self.report.flows = len(model.flows())
        self.report.zones = len(model.zones())
        model.source = self.name
        return model, self.report

    # -- one diagram -----------------------------------------------------------------

    def _diagram(
        self, model: SystemModel, diagram: Mapping[str, Any], index: int, count: int
    ) -> None:
        title = diagram.get("title")
        where = f"diagram {title!r}" if isinstance(title, str) and title else f"diagram {index}"
        if count == 1:
            where = "diagram"
        cells = [c for c in diagram.get("cells", []) if isinstance(c, dict)]
        skipped = len(diagram.get("cells", [])) - len(cells)
        if skipped:
            self.report.add(
                "unmapped", where, plural(skipped, "cell"), "not a mapping: not imported"
            )
        boxes: list[tuple[Mapping[str, Any], _Rect]] = []
        shapes: list[tuple[Mapping[str, Any], str]] = []
        flows: list[Mapping[str, Any]] = []
        for cell in cells:
            shape = _shape_of(cell)
            element = self._element(cell, shape)
            if shape in ("actor", "process", "store"):
                shapes.append((cell, shape))
            elif shape == "flow":
                flows.append(cell)
            elif shape == "box":
                rect = _rect(cell)
                if rect is None:
                    self.report.add(
                        "unmapped",
                        element,
                        "trust boundary box",
                        "no position and size: it cannot hold shapes",
                    )
                else:
                    boxes.append((cell, rect))
            elif shape == "curve":
                self.report.add(
                    "unmapped",
                    element,
                    "trust boundary curve",
                    "a line cannot say which side a shape is on: not imported; "
                    "draw a trust-boundary box to make a zone",
                )
            elif shape == "text":
                self.report.add(
                    "unmapped", element, "text block", "a diagram annotation: not imported"
                )
            else:
                what = cell.get("shape") or as_mapping(cell.get("data")).get("type") or "cell"
                self.report.add(
                    "unmapped",
                    element,
                    f"shape {what!r}",
                    "not a Threat Dragon element the workbench knows",
                )
            if shape not in ("actor", "process", "store", "flow"):
                n = _threat_count(cell)
                if n:
                    self._threats_entry(element, n)
        zone_of_box = self._zones(model, boxes, where)
        for shape_cell, shape_kind in shapes:
            self._component(model, shape_cell, shape_kind, boxes, zone_of_box)
        for flow_cell in flows:
            self._flow(model, flow_cell)

    def _element(self, cell: Mapping[str, Any], shape: str | None) -> str:
        name = label(_raw_name(cell))
        kind = shape or "cell"
        cell_id = cell.get("id")
        shown = f"{kind} {name!r}" if name else f"{kind}"
        if isinstance(cell_id, str) and cell_id:
            shown += f" (cell {cell_id[:8]})"
        return shown

    def _threats_entry(self, element: str, n: int) -> None:
        self.report.add(
            "unmapped",
            element,
            plural(n, "threat"),
            "not imported: their decisions are not carried over; run the "
            "analysis for the workbench's findings",
        )

    # -- zones ---------------------------------------------------------------------------

    def _zones(
        self, model: SystemModel, boxes: list[tuple[Mapping[str, Any], _Rect]], where: str
    ) -> dict[int, str]:
        zone_of_box: dict[int, str] = {}
        for i, (cell, rect) in enumerate(boxes):
            depth = sum(
                1
                for j, (_, other) in enumerate(boxes)
                if j != i
                and other.contains_rect(rect)
                and (other.area > rect.area or (other.area == rect.area and j < i))
            )
            element = self._element(cell, "box")
            name = self.text(_raw_name(cell), element, "name", True)
            if not name:
                self.unnamed += 1
                name = f"Trust boundary {self.unnamed}"
            zid = self.zone_ids.claim(slugify(name), default="trust-boundary")
            description = self.text(
                as_mapping(cell.get("data")).get("description"), element, "description", False
            )
            model.add_zone(zid, 1 + depth, name=name, description=description)
            zone_of_box[i] = zid
        return zone_of_box

    def _outside(self, model: SystemModel) -> str:
        if self.outside is None:
            self.outside = self.zone_ids.claim("outside")
            model.add_zone(
                self.outside,
                0,
                name="Outside any trust boundary",
                description="Shapes drawn outside every trust-boundary box.",
            )
        return self.outside

    # -- components ----------------------------------------------------------------------

    def _component(
        self,
        model: SystemModel,
        cell: Mapping[str, Any],
        shape: str,
        boxes: list[tuple[Mapping[str, Any], _Rect]],
        zone_of_box: Mapping[int, str],
    ) -> None:
        data = as_mapping(cell.get("data"))
        element = self._element(cell, shape)
        name = self.text(_raw_name(cell), element, "name", True)
        description = self.text(data.get("description"), element, "description", False)
        kind = {"actor": "actor", "process": "application", "store": "data_store"}[shape]
        guessed = guess_kind(shape, name, description)
        if guessed:
            kind = guessed
            self.report.add("guessed", element, f"kind {kind}", "kind guessed from name: check it")
        cell_id = cell.get("id")
        cid = self.ids.claim(
            slugify(name),
            cell_id if isinstance(cell_id, str) else None,
            default=kind.replace("_", "-"),
        )
        if isinstance(cell_id, str):
            self.cell_to_component[cell_id] = cid
        # zone: the smallest box holding the shape's centre
        rect = _rect(cell)
        zone = None
        if rect is None:
            self.report.add(
                "assumption",
                element,
                "zone",
                "no position and size: placed outside every trust boundary",
            )
        else:
            cx, cy = rect.x + rect.w / 2, rect.y + rect.h / 2
            holders = [(r.area, i) for i, (_, r) in enumerate(boxes) if r.contains_point(cx, cy)]
            if holders:
                zone = zone_of_box[min(holders)[1]]
        if zone is None:
            zone = self._outside(model)
        values: dict[str, Any] = {}
        if name:
            values["name"] = name
        if description:
            values["description"] = description
        table = model.attributes_for(kind)
        tags: list[str] = []
        if data.get("providesAuthentication") is True:
            if "authenticated" in table:
                values["authenticated"] = True
            else:
                tags.append("provides-authentication")
        for flag, tag in (
            ("isWebApplication", "web-application"),
            ("handlesCardPayment", "handles-card-payment"),
            ("handlesGoodsOrServices", "handles-goods-or-services"),
            ("isALog", "log"),
            ("isSigned", "signed"),
            ("storesInventory", "stores-inventory"),
        ):
            if data.get(flag) is True:
                tags.append(tag)
        level = data.get("privilegeLevel")
        if isinstance(level, str) and level.strip():
            tags.append(f"privilege-level:{slugify(level) or 'set'}")
        if data.get("isEncrypted") is True and shape == "store":
            if "encrypted_at_rest" in table:
                values["encrypted_at_rest"] = True
            else:
                tags.append("encrypted")
        if data.get("storesCredentials") is True:
            if "sensitivity" in table:
                values["sensitivity"] = "secret"
                self.report.add(
                    "assumption",
                    element,
                    "sensitivity secret",
                    "stores credentials (storesCredentials)",
                )
            else:
                tags.append("stores-credentials")
        if data.get("outOfScope") is True:
            tags.append("out-of-scope")
            reason = self.text(data.get("reasonOutOfScope"), element, "reasonOutOfScope", True)
            self.report.add(
                "note",
                element,
                "out of scope",
                "imported with the tag out-of-scope" + (f"; reason: {reason}" if reason else ""),
            )
        if tags:
            values["tags"] = tags
        n = _threat_count(cell)
        if n:
            self._threats_entry(element, n)
        model.add_component(cid, kind, zone, **values)

    # -- flows -------------------------------------------------------------------------

    def _flow(self, model: SystemModel, cell: Mapping[str, Any]) -> None:
        data = as_mapping(cell.get("data"))
        element = self._element(cell, "flow")
        n = _threat_count(cell)
        if n:
            self._threats_entry(element, n)
        ends = []
        for end in ("source", "target"):
            ref = as_mapping(cell.get(end)).get("cell")
            if isinstance(ref, str) and ref in self.cell_to_component:
                ends.append(self.cell_to_component[ref])
            elif ref is None:
                self.report.add(
                    "unmapped",
                    element,
                    f"{end}",
                    "ends at a point of the canvas, not at an element: flow not imported",
                )
                return
            else:
                self.report.add(
                    "unmapped",
                    element,
                    f"{end} cell {str(ref)[:8]}",
                    "not an actor, process or store: flow not imported",
                )
                return
        name = self.text(_raw_name(cell), element, "name", True)
        description = self.text(data.get("description"), element, "description", False)
        values: dict[str, Any] = {}
        if name:
            values["name"] = name
        if description:
            values["description"] = description
        if data.get("isEncrypted") is True:
            values["encrypted"] = True
        protocol = self.text(data.get("protocol"), element, "protocol", True)
        if protocol:
            values["protocol"] = protocol
        cell_id = cell.get("id")
        base = f"flow-{slugify(cell_id, limit=8)}" if slugify(cell_id) else "flow"
        fid = self.ids.claim(base, default="flow")
        model.add_flow(fid, ends[0], ends[1], **values)
        if data.get("isBidirectional") is True:
            rid = self.ids.claim(f"{fid}-reverse")
            model.add_flow(rid, ends[1], ends[0], **values)
            self.notes.add("isBidirectional", element)
        if data.get("isPublicNetwork") is True:
            self.unmapped.add("isPublicNetwork", element)
        if data.get("outOfScope") is True:
            self.notes.add("outOfScope", element)


_TALLY_WHY = {
    "isBidirectional": "imported as two flows, ID and ID-reverse, one per direction",
    "isPublicNetwork": "crosses a public network: flows have no such attribute (trust comes "
    "from zones); put the ends in a low-trust zone",
    "outOfScope": "out of scope in Threat Dragon: flows have no tags; imported anyway",
}


def threat_dragon_from_data(
    data: Mapping[str, Any], name: str = "<threat-dragon>"
) -> tuple[SystemModel, ImportReport]:
    """Import a Threat Dragon document already parsed from JSON (see
    :func:`import_threat_dragon`)."""
    if not isinstance(data, Mapping):
        raise InputError(f"{name}: the top level is not a mapping: expected {EXPECTED}")
    return _TdImport(data, name).run()
