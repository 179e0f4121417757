"""A stable, readable layout of a system graph (no drawing library needed).

Zones are columns ordered by trust, lowest on the left, so data read from left
to right moves from untrusted to trusted. Inside a zone, components are
ordered by their distance from the entry points and then by model order, and
wrap into several sub-columns when a zone holds many of them. The same model
always gives the same positions, and adding a component moves only its zone's
neighbours. Both the plotly view and the HTML report's SVG use this layout.
"""

from __future__ import annotations

import itertools
import math
from collections import deque
from dataclasses import dataclass
from typing import Any

__all__ = ["Layout", "ZoneBox", "layout_model", "layout_view", "route", "zone_node"]

ROWS_PER_COLUMN = 12
COLUMN_WIDTH = 1.0
ZONE_GAP = 0.6
ROW_HEIGHT = 1.0
_SHIFTS = (0.0, 1.0, -1.0, 0.5, -0.5)


@dataclass(frozen=True)
class ZoneBox:
    id: str
    name: str
    trust: int
    x0: float
    x1: float
    y0: float
    y1: float


@dataclass(frozen=True)
class Layout:
    positions: dict[str, tuple[float, float]]
    zones: list[ZoneBox]
    width: float
    height: float


@dataclass(frozen=True)
class _Node:
    id: str
    zone: str


@dataclass(frozen=True)
class _Edge:
    source: str
    target: str


class _View:
    """The few parts of a model the layout reads, for a reduced graph (see :func:`layout_view`)."""

    def __init__(
        self, nodes: list[_Node], edges: list[_Edge], zones: list[Any], entries: list[str]
    ):
        self._nodes, self._edges, self._zones = nodes, edges, zones
        self._entries = [n for n in nodes if n.id in set(entries)]

    def components(self) -> list[_Node]:
        return self._nodes

    def flows(self) -> list[_Edge]:
        return self._edges

    def zones(self) -> list[Any]:
        return self._zones

    def entry_points(self) -> list[_Node]:
        return self._entries


def zone_node(zone_id: str) -> str:
    """The id of the node that stands for a collapsed zone."""
    return f"zone:{zone_id}"


def layout_view(
    model: Any, *, collapsed: Any = (), keep: Any = None, rows_per_column: int = ROWS_PER_COLUMN
) -> tuple[Layout, dict[str, str]]:
    """The layout of a reduced view of *model*, and where each component is drawn.

    Each zone in *collapsed* becomes one node (:func:`zone_node`) carrying its
    components' flows; with *keep* (a set of component ids) only those are drawn
    (a path, or a component and its neighbours). The second value maps every
    drawn component id to its node id.
    """
    collapsed = set(collapsed)
    where: dict[str, str] = {}
    nodes: list[_Node] = []
    seen: set[str] = set()
    for c in model.components():
        if keep is not None and c.id not in keep:
            continue
        node = zone_node(c.zone) if c.zone in collapsed else c.id
        where[c.id] = node
        if node not in seen:
            seen.add(node)
            nodes.append(_Node(node, c.zone))
    edges: list[_Edge] = []
    pairs: set[tuple[str, str]] = set()
    for f in model.flows():
        a, b = where.get(f.source), where.get(f.target)
        if a is None or b is None or a == b or (a, b) in pairs:
            continue
        pairs.add((a, b))
        edges.append(_Edge(a, b))
    entries = [where[c.id] for c in model.entry_points() if c.id in where]
    view = _View(nodes, edges, list(model.zones()), entries)
    return layout_model(view, rows_per_column), where


def route(
    a: tuple[float, float],
    b: tuple[float, float],
    obstacles: list[tuple[float, float]],
    *,
    clearance: tuple[float, float] = (0.22, 0.3),
) -> list[tuple[float, float]]:
    """Points of a line from *a* to *b* that keeps clear of the *obstacles* (other nodes).

    Straight when nothing is in the way; otherwise a curve bent to one side, by
    as little as clears every obstacle (tried in steps of a third of a row, on
    alternate sides); *clearance* is the half-width and half-height, in layout
    units, of the box kept free around each obstacle.
    """
    cx, cy = clearance
    x0, x1 = min(a[0], b[0]) - cx, max(a[0], b[0]) + cx
    near = [o for o in obstacles if x0 <= o[0] <= x1 and o != a and o != b]
    straight = [a, b]
    if not near or _clear(straight, near, cx, cy):
        return straight
    dx, dy = b[0] - a[0], b[1] - a[1]
    length = math.hypot(dx, dy) or 1.0
    nx, ny = -dy / length, dx / length  # the left normal
    mid = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
    best = straight
    for k in (1, -1, 2, -2, 3, -3, 4, -4, 6, -6):
        off = k * ROW_HEIGHT / 3
        m = (mid[0] + nx * off, mid[1] + ny * off)
        control = (2 * m[0] - mid[0], 2 * m[1] - mid[1])
        curve = [
            (
                (1 - t) ** 2 * a[0] + 2 * (1 - t) * t * control[0] + t * t * b[0],
                (1 - t) ** 2 * a[1] + 2 * (1 - t) * t * control[1] + t * t * b[1],
            )
            for t in (i / 6 for i in range(7))
        ]
        if _clear(curve, near, cx, cy):
            return curve
        if k == -6:
            best = curve
    return best


def _clear(
    points: list[tuple[float, float]], obstacles: list[tuple[float, float]], cx: float, cy: float
) -> bool:
    for (px, py), (qx, qy) in itertools.pairwise(points):
        lo_x, hi_x = min(px, qx) - cx, max(px, qx) + cx
        lo_y, hi_y = min(py, qy) - cy, max(py, qy) + cy
        sx, sy = (qx - px) / cx, (qy - py) / cy
        seg = sx * sx + sy * sy
        for ox, oy in obstacles:
            if not (lo_x < ox < hi_x and lo_y < oy < hi_y):
                continue
            # the nearest point of the segment to the obstacle, in box-normalised units
            rx, ry = (ox - px) / cx, (oy - py) / cy
            t = 0.0 if seg == 0 else max(0.0, min(1.0, (rx * sx + ry * sy) / seg))
            if (rx - t * sx) ** 2 + (ry - t * sy) ** 2 < 1.0:
                return False
    return True


def _distances(model: Any) -> dict[str, int]:
    entries = [c.id for c in model.entry_points()]
    dist = dict.fromkeys(entries, 0)
    out: dict[str, list[str]] = {}
    for f in model.flows():
        out.setdefault(f.source, []).append(f.target)
    queue = deque(entries)
    while queue:
        node = queue.popleft()
        for nxt in out.get(node, ()):
            if nxt not in dist:
                dist[nxt] = dist[node] + 1
                queue.append(nxt)
    return dist


def layout_model(model: Any, rows_per_column: int = ROWS_PER_COLUMN) -> Layout:
    """Positions for every component and a box for every zone that holds components.

    Inside a zone, components at the same distance from the entry points share
    a sub-column, so flows inside a zone also run left to right instead of
    crossing a single column; a sub-column holds at most *rows_per_column*.
    """
    comps = model.components()
    order = {c.id: i for i, c in enumerate(comps)}
    dist = _distances(model)
    far = max(dist.values(), default=0) + 1
    zones = sorted(model.zones(), key=lambda z: (z.trust, z.id))
    by_zone: dict[str, list[str]] = {z.id: [] for z in zones}
    for c in comps:
        by_zone.setdefault(c.zone, []).append(c.id)
    columns_of: dict[str, list[list[str]]] = {}
    for zid, members in by_zone.items():
        groups: dict[int, list[str]] = {}
        for cid in members:
            groups.setdefault(dist.get(cid, far), []).append(cid)
        cols: list[list[str]] = []
        for depth in sorted(groups):
            items = sorted(groups[depth], key=order.__getitem__)
            for i in range(0, len(items), rows_per_column):
                cols.append(items[i : i + rows_per_column])
        columns_of[zid] = cols
    tallest = max((len(col) for cols in columns_of.values() for col in cols), default=1)
    height = max(tallest, 3) * ROW_HEIGHT
    positions: dict[str, tuple[float, float]] = {}
    boxes = []
    x = 0.0
    column_counter = 0
    for z in zones:
        cols = columns_of.get(z.id, [])
        if not cols:
            continue
        for ci, col in enumerate(cols):
            offset = (height - len(col) * ROW_HEIGHT) / 2
            # short columns move up or down in a fixed pattern, so that flows between
            # neighbouring columns do not all run along one line and hide each other
            shift = _SHIFTS[column_counter % len(_SHIFTS)] * min(offset, ROW_HEIGHT)
            column_counter += 1
            for ri, cid in enumerate(col):
                positions[cid] = (
                    x + (ci + 0.5) * COLUMN_WIDTH,
                    height - offset - (ri + 0.5) * ROW_HEIGHT + shift,
                )
        width = len(cols) * COLUMN_WIDTH
        boxes.append(ZoneBox(z.id, z.name, z.trust, x, x + width, 0.0, height))
        x += width + ZONE_GAP
    return Layout(positions=positions, zones=boxes, width=max(x - ZONE_GAP, 1.0), height=height)
