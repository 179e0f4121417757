"""Import OWASP Threat Dragon models: v2 JSON, v1 JSON and TM-BOM.

A Threat Dragon v2 file has ``version`` (2.x), ``summary`` (title, owner,
description) and ``detail.diagrams[].cells[]``. Each cell has a ``shape``, a
``data`` mapping (``type``, ``name``, ``description``, check boxes, ``threats``)
and, for shapes, a ``position`` and ``size``; flows have ``source`` and
``target``, each a cell or a point of the canvas.

v1 files (``diagramJson.cells`` with ``tm.*`` types and the properties on the
cell itself) are converted to v2 first, as Threat Dragon converts them when it
opens one. TM-BOM documents (Threat Dragon 2.6's own export) are read by
:mod:`workbench.interop.tmbom`.

The full mapping is in ``docs/interop/threat-dragon.md``. In short:

* actors, processes and stores become components; the kind of a process or
  store comes from the shared recogniser (:mod:`workbench.interop.recognise`),
  every guess reported with its basis;
* trust-boundary boxes hold the shapes inside them; trust-boundary curves split
  the canvas: each shape lies on one side of each curve (the curve's ends are
  extended straight to the canvas edge), and shapes on the same sides of every
  curve share a zone. Trust is inferred (reported, to confirm): the region
  holding the actors (or the ends of public-network flows) is ``outside``
  (trust 0); every other region is 1 more per curve between them. Boxes add 1
  + their nesting depth to the region they are in;
* flows that cross a boundary are reported as crossings; ``isPublicNetwork``
  makes the receiving end ``internet_facing`` where its kind has that
  attribute;
* a flow end that stops on or near a shape (within :data:`SNAP_TOLERANCE`
  canvas units of its outline) snaps to that shape;
* threats (title, status, severity, mitigation) become
  :class:`~workbench.interop._common.ImportedThreat` entries of the report, for
  :func:`workbench.interop.carry.carry_over`.
"""

from __future__ import annotations

import itertools
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workbench.errors import InputError
from workbench.interop._base import Importer, read_and_import
from workbench.interop._common import (
    ImportReport,
    as_list,
    as_mapping,
    hint,
    label,
    plural,
    shown_id,
    slugify,
    sniff,
    valid_id,
)
from workbench.interop.recognise import STORE_KINDS, recognise, technique_for
from workbench.model.definitions import KINDS
from workbench.model.system import SystemModel

__all__ = [
    "SNAP_TOLERANCE",
    "TD_STATUS_TREATMENTS",
    "guess_kind",
    "import_threat_dragon",
    "threat_dragon_from_data",
    "v1_to_v2",
]

EXPECTED = "a Threat Dragon model (JSON with summary and detail.diagrams)"

#: How far (canvas units) a flow end may stop from a shape's outline and still
#: be joined to it.
SNAP_TOLERANCE = 20.0

#: Threat Dragon threat status → workbench treatment (``None``: open, no decision).
TD_STATUS_TREATMENTS: dict[str, str | None] = {
    "open": None,
    "tbd": None,
    "mitigated": "mitigate",
    "accepted": "accept",
    "transferred": "transfer",
    "avoided": "avoid",
    "eliminated": "avoid",
    "notapplicable": "not_applicable",
    "not applicable": "not_applicable",
    "n/a": "not_applicable",
}
#: Threat Dragon severity → workbench impact level (likelihood stays 3).
TD_SEVERITY_IMPACT = {"low": 2, "medium": 3, "med": 3, "high": 4, "critical": 5}

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

_PROCESS_KINDS = frozenset(KINDS) - {"actor"} - STORE_KINDS


def guess_kind(shape: str, name: str | None, description: str | None = None) -> str | None:
    """An AI kind for a Threat Dragon process or store from its name, or ``None``.

    Uses the shared recogniser; only AI kinds count as guesses here (the
    importer also takes infrastructure kinds from it).

    >>> guess_kind("process", "Support LLM")
    'model'
    >>> guess_kind("process", "Data model service") is None
    True
    >>> guess_kind("store", "Vector DB")
    'vector_store'
    """
    found = _recognised(shape, name, description)
    return found.kind if found is not None and found.ai else None


def _recognised(shape: str, name: str | None, description: str | None) -> Any:
    if shape not in ("process", "store"):
        return None
    accept = STORE_KINDS if shape == "store" else _PROCESS_KINDS
    return recognise(name=name, description=description, accept=accept, zones=False)


# -- geometry ------------------------------------------------------------------------


@dataclass
class _Rect:
    x: float
    y: float
    w: float
    h: float

    @property
    def area(self) -> float:
        return self.w * self.h

    @property
    def centre(self) -> tuple[float, float]:
        return self.x + self.w / 2, self.y + self.h / 2

    def contains_point(self, px: float, py: float, margin: float = 0.0) -> bool:
        return (
            self.x - margin <= px <= self.x + self.w + margin
            and self.y - margin <= py <= self.y + self.h + margin
        )

    def distance(self, px: float, py: float) -> float:
        dx = max(self.x - px, 0.0, px - (self.x + self.w))
        dy = max(self.y - py, 0.0, py - (self.y + self.h))
        return math.hypot(dx, dy)

    def contains_rect(self, other: _Rect) -> bool:
        return (
            self.x <= other.x
            and self.y <= other.y
            and other.x + other.w <= self.x + self.w
            and other.y + other.h <= self.y + self.h
        )


def _number(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _point(value: Any) -> tuple[float, float] | None:
    m = as_mapping(value)
    x, y = _number(m.get("x")), _number(m.get("y"))
    return (x, y) if x is not None and y is not None else None


def _rect(cell: Mapping[str, Any]) -> _Rect | None:
    pos = as_mapping(cell.get("position"))
    size = as_mapping(cell.get("size"))
    values = [_number(pos.get("x")), _number(pos.get("y")), _number(size.get("width"))]
    values.append(_number(size.get("height")))
    if any(v is None for v in values):
        return None
    x, y, w, h = (float(v) for v in values if v is not None)
    if w < 0 or h < 0:
        return None
    return _Rect(x, y, w, h)


_FAR = 1.0e7


def _extended(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The polyline with its first and last segments extended far beyond the canvas."""
    pts = [p for i, p in enumerate(points) if i == 0 or p != points[i - 1]]
    if len(pts) < 2:
        return pts
    (x0, y0), (x1, y1) = pts[0], pts[1]
    d = math.hypot(x1 - x0, y1 - y0)
    start = (x0 - (x1 - x0) / d * _FAR, y0 - (y1 - y0) / d * _FAR)
    (xa, ya), (xb, yb) = pts[-2], pts[-1]
    d = math.hypot(xb - xa, yb - ya)
    end = (xb + (xb - xa) / d * _FAR, yb + (yb - ya) / d * _FAR)
    return [start, *pts[1:-1], end] if len(pts) > 2 else [start, end]


class _Line:
    """An extended polyline, with what :meth:`side` needs computed once."""

    def __init__(self, points: list[tuple[float, float]]) -> None:
        self.points = points
        self.segments = []
        for (ax, ay), (bx, by) in itertools.pairwise(points):
            dx, dy = bx - ax, by - ay
            self.segments.append((ax, ay, dx, dy, dx * dx + dy * dy))
        # the bisector of the two segments' normals at each inner corner
        self.corners: dict[int, tuple[float, float]] = {}
        for j in range(1, len(points) - 1):
            nx = ny = 0.0
            for _ax, _ay, dx, dy, length2 in (self.segments[j - 1], self.segments[j]):
                norm = math.sqrt(length2)
                nx += -dy / norm
                ny += dx / norm
            self.corners[j] = (nx, ny)

    def side(self, px: float, py: float) -> int:
        """+1 or -1: which side of the line the point lies on.

        The sign comes from the nearest part of the line: a segment's left or
        right side, or at an inner corner the side of the bisector of the two
        segments' normals.
        """
        best = math.inf
        best_i, best_t = 0, 0.5
        for i, (ax, ay, dx, dy, length2) in enumerate(self.segments):
            t = ((px - ax) * dx + (py - ay) * dy) / length2
            t = 0.0 if t < 0.0 else 1.0 if t > 1.0 else t
            qx, qy = ax + t * dx - px, ay + t * dy - py
            d2 = qx * qx + qy * qy
            if d2 < best - 1e-9:
                best, best_i, best_t = d2, i, t
        corner = best_i if best_t == 0.0 else best_i + 1 if best_t == 1.0 else None
        if corner in self.corners:
            cx, cy = self.points[corner]
            nx, ny = self.corners[corner]
            return 1 if (px - cx) * nx + (py - cy) * ny >= 0 else -1
        ax, ay, dx, dy, _ = self.segments[best_i]
        return 1 if dx * (py - ay) - dy * (px - ax) >= 0 else -1


_GRID = 200.0


def _cell(value: float) -> int:
    """The index of the snapping grid's column or row holding *value*."""
    return math.floor(value / _GRID)


def _side(point: tuple[float, float], line: _Line) -> int:
    return line.side(*point)


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
        item_attrs = as_mapping(as_mapping(item).get("attrs"))
        for key in ("labelText", "text", "label"):
            text = as_mapping(item_attrs.get(key)).get("text")
            if isinstance(text, str) and text.strip():
                return text
    return name


def _threats_of(cell: Mapping[str, Any]) -> list[Any]:
    data = as_mapping(cell.get("data"))
    threats = [t for t in as_list(data.get("threats")) if t is not None]
    threats += [t for t in as_list(cell.get("threats")) if t is not None]
    return threats


# -- v1 -------------------------------------------------------------------------------

_V1_SHAPES = {
    "tm.actor": "actor",
    "tm.process": "process",
    "tm.store": "store",
    "tm.flow": "flow",
    "tm.boundary": "trust-boundary-curve",
    "tm.boundarybox": "trust-boundary-box",
    "tm.text": "td-text-block",
}
_V1_LAYOUT_KEYS = {"type", "size", "position", "angle", "id", "z", "attrs", "labels", "source"}
_V1_LAYOUT_KEYS |= {"target", "vertices", "smooth", "connector", "router", "hasOpenThreats"}


def v1_to_v2(data: Mapping[str, Any]) -> dict[str, Any]:
    """A Threat Dragon v1 document converted to v2, as Threat Dragon converts it on open.

    Each ``diagramJson.cells`` entry becomes a v2 cell: ``type`` ``tm.X`` gives
    the ``shape``; the name (``attrs.text.text`` for shapes, the first label for
    flows and boundaries) and every other property of the v1 cell
    (``threats``, ``isPublicNetwork``, ``storesCredentials``…) move into
    ``data``; flow ends ``{"id": …}`` become ``{"cell": …}``; points stay points.
    """
    diagrams = []
    for diagram in as_list(as_mapping(data.get("detail")).get("diagrams")):
        d = as_mapping(diagram)
        cells = []
        for cell in as_list(as_mapping(d.get("diagramJson")).get("cells")):
            if not isinstance(cell, dict):
                cells.append(cell)
                continue
            v1_type = str(cell.get("type") or "")
            shape = _V1_SHAPES.get(v1_type.lower(), v1_type)
            new: dict[str, Any] = {"id": cell.get("id"), "shape": shape}
            for key in ("position", "size", "vertices"):
                if key in cell:
                    new[key] = cell[key]
            for end in ("source", "target"):
                if end in cell:
                    ref = as_mapping(cell[end])
                    new[end] = {"cell": ref["id"]} if "id" in ref else dict(ref)
            values: dict[str, Any] = {"type": v1_type}
            name = _raw_name(cell)
            if isinstance(name, str):
                values["name"] = name
            for key, value in cell.items():
                if key not in _V1_LAYOUT_KEYS:
                    values[key] = value
            new["data"] = values
            cells.append(new)
        v2 = {k: v for k, v in d.items() if k != "diagramJson"}
        v2["cells"] = cells
        diagrams.append(v2)
    out = {k: v for k, v in data.items() if k != "detail"}
    detail = {k: v for k, v in as_mapping(data.get("detail")).items() if k != "diagrams"}
    detail["diagrams"] = diagrams
    out["detail"] = detail
    out["version"] = "2.0.0"
    return out


def _is_v1(data: Mapping[str, Any]) -> bool:
    diagrams = as_list(as_mapping(data.get("detail")).get("diagrams"))
    version = data.get("version")
    return any(isinstance(d, dict) and "diagramJson" in d for d in diagrams) or (
        isinstance(version, str) and version.strip().startswith("1")
    )


def import_threat_dragon(path: str | os.PathLike[str]) -> tuple[SystemModel, ImportReport]:
    """Import a Threat Dragon file (v2, v1 or TM-BOM JSON) as a model and a report.

    Raises :class:`~workbench.errors.InputError` for a file that is none of them.
    """
    return read_and_import(path, threat_dragon_from_data, expected=EXPECTED, formats=("json",))


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
    version = data.get("version")
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


@dataclass
class _Curve:
    name: str
    line: _Line


class _TdImport(Importer, tool="threat-dragon", expected=EXPECTED):

    def __init__(self, data: Mapping[str, Any], name: str) -> None:
        super().__init__(data, name)
        self.cell_to_component: dict[str, str] = {}
        self.rects: dict[str, _Rect] = {}
        self.outside: str | None = None
        self.unnamed = 0
        self.pending_threats: list[tuple[str, str, list[Any]]] = []
        self.keep_ids = False
        self.grid: dict[tuple[int, int], list[str]] | None = None

    def build(self) -> SystemModel:
        if isinstance(self.data.get("detail"), dict) and _is_v1(self.data):
            self.data = v1_to_v2(self.data)
            self.report.add(
                "note",
                "version",
                "Threat Dragon v1",
                "converted to v2 as Threat Dragon does when it opens a v1 file",
            )
        _check_version(self.data, self.name)
        summary = self.data["summary"]
        marker = as_mapping(summary.get("attributes")).get("workbench:ids")
        self.keep_ids = marker == "cells"
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
        for index, diagram in enumerate(diagrams):
            self._diagram(model, diagram, index, len(diagrams))
        self.unmapped.flush(self.report, _TALLY_WHY, "not imported", noun="flow")
        self.notes.flush(self.report, _TALLY_WHY, "imported", category="note", noun="flow")
        self._crossings(model)
        if model.flows():
            self.report.add(
                "assumption",
                "flows",
                "data",
                "Threat Dragon has no data kinds: flows carry no 'data'; state "
                "what each flow carries",
            )
        for element, shown, threats in self.pending_threats:
            self._threats(element, shown, threats)
        return model

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
        curve_cells: list[Mapping[str, Any]] = []
        shapes: list[tuple[Mapping[str, Any], str]] = []
        flows: list[Mapping[str, Any]] = []
        for cell in cells:
            shape = _shape_of(cell)
            element = self._element(cell, shape)
            if shape in ("actor", "process", "store"):
                shapes.append((cell, shape))
                rect = _rect(cell)
                if rect is not None and isinstance(cell.get("id"), str):
                    self.rects[str(cell["id"])] = rect
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
                curve_cells.append(cell)
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
                n = len(_threats_of(cell))
                if n:
                    self.report.add(
                        "unmapped",
                        element,
                        plural(n, "threat"),
                        "on a diagram element that is not a component or flow: not carried over",
                    )
        self.grid = None  # the snapping index covers this diagram's shapes
        curves = self._curves(curve_cells)
        public_ends = self._public_ends(flows)
        zone_of_shape = self._zones(model, shapes, boxes, curves, public_ends, where)
        for i, (shape_cell, shape_kind) in enumerate(shapes):
            self._component(model, shape_cell, shape_kind, zone_of_shape[i])
        for flow_cell in flows:
            self._flow(model, flow_cell)

    def _element(self, cell: Mapping[str, Any], shape: str | None) -> str:
        name = label(_raw_name(cell))
        kind = shape or "cell"
        shown = f"{kind} {name!r}" if name else f"{kind}"
        return shown + f" (cell {shown_id(cell.get('id'))[:8]})"

    # -- boundaries and zones --------------------------------------------------------------

    def _curves(self, cells: list[Mapping[str, Any]]) -> list[_Curve]:
        curves: list[_Curve] = []
        for cell in cells:
            element = self._element(cell, "curve")
            ends = []
            for end in ("source", "target"):
                ref = as_mapping(cell.get(end))
                point = _point(ref)
                if point is None and isinstance(ref.get("cell"), str):
                    rect = self.rects.get(ref["cell"])
                    point = rect.centre if rect is not None else None
                ends.append(point)
            vertices = [_point(v) for v in as_list(cell.get("vertices"))]
            points = [p for p in [ends[0], *vertices, ends[1]] if p is not None]
            points = [p for i, p in enumerate(points) if i == 0 or p != points[i - 1]]
            if ends[0] is None or ends[1] is None or len(points) < 2:
                self.report.add(
                    "unmapped",
                    element,
                    "trust boundary curve",
                    "no usable start and end points: it cannot split the diagram",
                )
                continue
            raw = _raw_name(cell)
            name = label(raw) or f"boundary {len(curves) + 1}"
            curves.append(_Curve(name, _Line(_extended(points))))
        return curves

    def _public_ends(self, flows: list[Mapping[str, Any]]) -> set[str]:
        ends: set[str] = set()
        for cell in flows:
            if as_mapping(cell.get("data")).get("isPublicNetwork") is True:
                for end in ("source", "target"):
                    ref = self._end_cell(as_mapping(cell.get(end)))
                    if ref is not None:
                        ends.add(ref)
        return ends

    def _zones(
        self,
        model: SystemModel,
        shapes: list[tuple[Mapping[str, Any], str]],
        boxes: list[tuple[Mapping[str, Any], _Rect]],
        curves: list[_Curve],
        public_ends: set[str],
        where: str,
    ) -> dict[int, str]:
        """The zone of each shape (by its index in *shapes*); adds the zones to *model*."""
        region_of, region_trust, region_zone = self._regions(
            model, shapes, curves, public_ends, where
        )
        zone_of_box = self._box_zones(model, boxes, curves, region_trust)
        out: dict[int, str] = {}
        for i, (cell, _shape) in enumerate(shapes):
            rect = _rect(cell)
            if rect is None:
                self.report.add(
                    "assumption",
                    self._element(cell, _shape),
                    "zone",
                    "no position and size: placed outside every trust boundary",
                )
                out[i] = self._outside(model)
                continue
            cx, cy = rect.centre
            holders = [(r.area, j) for j, (_, r) in enumerate(boxes) if r.contains_point(cx, cy)]
            if holders:
                out[i] = zone_of_box[min(holders)[1]]
            elif i in region_of and region_of[i] in region_zone:
                out[i] = region_zone[region_of[i]]
            else:
                out[i] = self._outside(model)
        return out

    def _regions(
        self,
        model: SystemModel,
        shapes: list[tuple[Mapping[str, Any], str]],
        curves: list[_Curve],
        public_ends: set[str],
        where: str,
    ) -> tuple[
        dict[int, tuple[int, ...]], dict[tuple[int, ...], int], dict[tuple[int, ...], str]
    ]:
        """The regions the boundary curves cut: each shape's, and each region's trust and zone."""
        region_of: dict[int, tuple[int, ...]] = {}
        for i, (cell, _) in enumerate(shapes):
            rect = _rect(cell)
            if rect is not None:
                region_of[i] = tuple(_side(rect.centre, c.line) for c in curves)
        regions = sorted(set(region_of.values()))
        region_trust: dict[tuple[int, ...], int] = {}
        region_zone: dict[tuple[int, ...], str] = {}
        if curves and regions:

            def score(region: tuple[int, ...]) -> tuple[int, int, int]:
                members = [i for i, r in region_of.items() if r == region]
                actors = sum(1 for i in members if shapes[i][1] == "actor")
                public = sum(1 for i in members if str(shapes[i][0].get("id")) in public_ends)
                return (actors, public, len(members))

            base = max(regions, key=lambda r: (score(r), -regions.index(r)))
            actors, public, _n = score(base)
            base_trust = 0 if (actors or public) else 1
            held = [
                label(_raw_name(shapes[i][0])) or "?"
                for i, r in region_of.items()
                if r == base
                and (shapes[i][1] == "actor" or str(shapes[i][0].get("id")) in public_ends)
            ]
            for region in regions:
                apart = [curves[k].name for k, side in enumerate(region) if side != base[k]]
                trust = base_trust + len(apart)
                region_trust[region] = trust
                if not apart and base_trust == 0:
                    zid = self._outside(model, inferred=True)
                    how = (
                        f"the region holding {', '.join(held[:5])} (actors or ends of "
                        "public-network flows): trust 0"
                    )
                else:
                    zone_name = "Behind " + " and ".join(apart) if apart else "Main region"
                    zid = self.zone_ids.claim(slugify(zone_name), default="region")
                    model.add_zone(
                        zid,
                        trust,
                        name=zone_name,
                        description=f"Shapes of the {where} on the same sides of its "
                        "trust-boundary curves.",
                    )
                    if apart:
                        how = (
                            f"{plural(len(apart), 'boundary curve')} ({', '.join(apart)}) "
                            f"between it and the {'outside' if base_trust == 0 else 'main region'}"
                            f" (trust {base_trust}): trust {base_trust} + {len(apart)}"
                        )
                    else:
                        how = "no actors and no public-network flows: the region with the most shapes, trust 1"
                region_zone[region] = zid
                self.report.add(
                    "assumption",
                    f"zone {zid!r}",
                    f"trust {trust}",
                    f"inferred from the trust-boundary curves of the {where}: {how}; confirm it",
                )
        return region_of, region_trust, region_zone

    def _box_zones(
        self,
        model: SystemModel,
        boxes: list[tuple[Mapping[str, Any], _Rect]],
        curves: list[_Curve],
        region_trust: Mapping[tuple[int, ...], int],
    ) -> dict[int, str]:
        """A zone for each trust-boundary box, more trusted than what is around it."""
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
            around = 0
            if curves:
                around = region_trust.get(tuple(_side(rect.centre, c.line) for c in curves), 0)
            trust = around + 1 + depth
            model.add_zone(zid, trust, name=name, description=description)
            zone_of_box[i] = zid
            where_box = f"inside {plural(depth, 'other box')}" if depth else "in no other box"
            self.report.add(
                "assumption",
                f"zone {zid!r}",
                f"trust {trust}",
                f"a trust-boundary box {where_box}"
                + (f", in a region of trust {around}" if curves else "")
                + f": trust {around} + 1"
                + (f" + {depth}" if depth else "")
                + " (more trusted than the area around it, as boxes are drawn to protect "
                "what they hold); confirm it",
            )
        return zone_of_box

    def _outside(self, model: SystemModel, inferred: bool = False) -> str:
        if self.outside is None:
            self.outside = self.zone_ids.claim("outside")
            model.add_zone(
                self.outside,
                0,
                name="Outside any trust boundary",
                description="Shapes drawn outside every trust boundary.",
            )
            if not inferred:
                self.report.add(
                    "assumption",
                    f"zone {self.outside!r}",
                    "trust 0",
                    "Threat Dragon has no trust levels: shapes outside every trust boundary "
                    "are in zone 'outside' (trust 0); confirm it",
                )
        return self.outside

    def _crossings(self, model: SystemModel) -> None:
        for flow in model.boundary_flows():
            a = model.zone(model.component(flow.source).zone)
            b = model.zone(model.component(flow.target).zone)
            self.report.add(
                "note",
                f"flow {flow.id!r}",
                "crosses a trust boundary",
                f"from {a.id!r} (trust {a.trust}) to {b.id!r} (trust {b.trust})",
            )

    # -- components ----------------------------------------------------------------------

    def _component(
        self,
        model: SystemModel,
        cell: Mapping[str, Any],
        shape: str,
        zone: str,
    ) -> None:
        data = as_mapping(cell.get("data"))
        element = self._element(cell, shape)
        name = self.text(_raw_name(cell), element, "name", True)
        description = self.text(data.get("description"), element, "description", False)
        kind = {"actor": "actor", "process": "application", "store": "data_store"}[shape]
        found = _recognised(shape, name, description)
        implied: dict[str, Any] = {}
        native_kind = data.get("workbench:kind") if self.keep_ids else None
        if native_kind in KINDS:
            kind, found = str(native_kind), None
        if found is not None and found.kind is not None:
            kind = found.kind
            implied = dict(found.attributes)
            self.report.add(
                "guessed",
                element,
                f"kind {kind}",
                f"{found.basis}: check it" if found.ai else f"{found.basis}",
            )
        cell_id = cell.get("id")
        if self.keep_ids and valid_id(cell_id) and self.ids.take(str(cell_id)):
            cid = str(cell_id)
        else:
            cid = self.ids.claim(
                slugify(name),
                cell_id if isinstance(cell_id, str) else None,
                default=kind.replace("_", "-"),
            )
        if isinstance(cell_id, str):
            self.cell_to_component[cell_id] = cid
        values: dict[str, Any] = {}
        if name:
            values["name"] = name
        if description:
            values["description"] = description
        table = model.attributes_for(kind)
        for key, value in implied.items():
            if key in table:
                values[key] = value
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
        model.add_component(cid, kind, zone, **values)
        threats = _threats_of(cell)
        if threats:
            self.pending_threats.append((cid, element, threats))

    # -- flows -------------------------------------------------------------------------

    def _end_cell(self, ref: Mapping[str, Any]) -> str | None:
        """The shape cell id a flow end is on: its cell, or the shape it stops near."""
        cell = ref.get("cell")
        if isinstance(cell, str) and cell:
            return cell
        point = _point(ref)
        if point is None:
            return None
        if self.grid is None:
            self.grid = {}
            for cid, r in self.rects.items():
                for gx in range(_cell(r.x - SNAP_TOLERANCE), _cell(r.x + r.w + SNAP_TOLERANCE) + 1):
                    for gy in range(
                        _cell(r.y - SNAP_TOLERANCE), _cell(r.y + r.h + SNAP_TOLERANCE) + 1
                    ):
                        self.grid.setdefault((gx, gy), []).append(cid)
        near = [
            (self.rects[cid].distance(*point), cid)
            for cid in self.grid.get((_cell(point[0]), _cell(point[1])), ())
            if self.rects[cid].contains_point(*point, margin=SNAP_TOLERANCE)
        ]
        return min(near)[1] if near else None

    def _flow(self, model: SystemModel, cell: Mapping[str, Any]) -> None:
        data = as_mapping(cell.get("data"))
        element = self._element(cell, "flow")
        ends = []
        for end in ("source", "target"):
            ref = as_mapping(cell.get(end))
            raw = ref.get("cell")
            target = self._end_cell(ref)
            if target is not None and target in self.cell_to_component:
                if not (isinstance(raw, str) and raw):
                    point = _point(ref)
                    self.report.add(
                        "note",
                        element,
                        f"{end} point",
                        f"stops at ({point[0]:g}, {point[1]:g}), within {SNAP_TOLERANCE:g} of "
                        f"{self.cell_to_component[target]!r}: joined to it"
                        if point
                        else "joined",
                    )
                ends.append(self.cell_to_component[target])
            elif target is None and _point(ref) is not None:
                point = _point(ref)
                assert point is not None
                self.report.add(
                    "unmapped",
                    element,
                    f"{end}",
                    f"ends at a point of the canvas ({point[0]:g}, {point[1]:g}), not within "
                    f"{SNAP_TOLERANCE:g} of a shape: flow not imported",
                )
                return
            elif target is None:
                self.report.add(
                    "unmapped",
                    element,
                    f"{end} cell {shown_id(raw)[:8]}",
                    "names no shape and no point of the canvas: flow not imported",
                )
                return
            else:
                self.report.add(
                    "unmapped",
                    element,
                    f"{end} cell {shown_id(raw)[:8]}",
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
        self.keep_text(values, "protocol", data.get("protocol"), element, single=True)
        cell_id = cell.get("id")
        if self.keep_ids and valid_id(cell_id) and self.ids.take(str(cell_id)):
            fid = str(cell_id)
        else:
            base = f"flow-{slugify(cell_id, limit=8)}" if slugify(cell_id) else "flow"
            fid = self.ids.claim(base, default="flow")
        model.add_flow(fid, ends[0], ends[1], **values)
        flow_ids = [fid]
        if data.get("isBidirectional") is True:
            rid = self.ids.claim(f"{fid}-reverse")
            model.add_flow(rid, ends[1], ends[0], **values)
            flow_ids.append(rid)
            self.notes.add("isBidirectional", element)
        if data.get("isPublicNetwork") is True:
            self._exposed(model, fid, element)
        if data.get("outOfScope") is True:
            self.notes.add("outOfScope", element)
        threats = _threats_of(cell)
        if threats:
            self.pending_threats.append((fid, element, threats))

    def _exposed(self, model: SystemModel, fid: str, element: str) -> None:
        flow = model.flow(fid)
        receivers = [flow.target]
        if model.component(flow.source).kind != "actor":
            receivers.append(flow.source)
        made = []
        for cid in receivers:
            comp = model.component(cid)
            if "internet_facing" in model.attributes_for(comp.kind):
                model.update_component(cid, internet_facing=True)
                made.append(cid)
        why = (
            f"crosses a public network: {', '.join(repr(c) for c in made)} marked internet_facing"
            if made
            else "crosses a public network: its ends have no internet_facing attribute; "
            "their zones carry the exposure"
        )
        self.report.add("note", element, "isPublicNetwork", why)

    # -- threats -------------------------------------------------------------------------

    def _threats(self, element_id: str, element: str, threats: list[Any]) -> None:
        for i, threat in enumerate(threats):
            where = f"{element} threat {i + 1}"
            if not isinstance(threat, dict):
                self.report.add("unmapped", where, "entry", "not a mapping: not carried over")
                continue
            title = self.text(threat.get("title"), where, "title", True)
            description = self.text(threat.get("description"), where, "description", False)
            if not title:
                title = (description or "Untitled threat")[:80]
            status = self.text(threat.get("status"), where, "status", True)
            severity = self.text(threat.get("severity"), where, "severity", True)
            mitigation = self.text(threat.get("mitigation"), where, "mitigation", False)
            key = (status or "open").strip().lower()
            if key not in TD_STATUS_TREATMENTS:
                self.report.add(
                    "unmapped",
                    where,
                    f"status {status!r}",
                    "not a Threat Dragon status: carried over as open",
                )
            treatment = TD_STATUS_TREATMENTS.get(key)
            found = technique_for(title, threat.get("type"), description)
            details = []
            for field_name in ("type", "modelType", "score", "number"):
                value = label(threat.get(field_name), 200)
                if value:
                    details.append((field_name, value))
            original = threat.get("id")
            self.add_threat(
                element_id,
                title,
                found,
                original_id=label(original, 100),
                description=description,
                status=status or "Open",
                treatment=treatment,
                severity=severity,
                likelihood=3,
                impact=TD_SEVERITY_IMPACT.get((severity or "").lower()),
                mitigation=mitigation,
                details=tuple(details),
            )


_TALLY_WHY = {
    "isBidirectional": "imported as two flows, ID and ID-reverse, one per direction",
    "outOfScope": "out of scope in Threat Dragon: flows have no tags; imported anyway",
}


def threat_dragon_from_data(
    data: Mapping[str, Any], name: str = "<threat-dragon>"
) -> tuple[SystemModel, ImportReport]:
    """Import a Threat Dragon document already parsed from JSON (see
    :func:`import_threat_dragon`)."""
    if not isinstance(data, Mapping):
        raise InputError(f"{name}: the top level is not a mapping: expected {EXPECTED}")
    if sniff(data) == "tmbom":
        from workbench.interop.tmbom import tmbom_from_data

        return tmbom_from_data(data, name)
    return _TdImport(data, name).run()
