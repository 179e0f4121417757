"""A stable, readable layout of a system graph (no drawing library needed).

Zones are columns ordered by trust, lowest on the left, so data read from left
to right moves from untrusted to trusted. Inside a zone, components are
ordered by their distance from the entry points and then by model order, and
wrap into several sub-columns when a zone holds many of them. The same model
always gives the same positions, and adding a component moves only its zone's
neighbours. Both the plotly view and the HTML report's SVG use this layout.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

__all__ = ["Layout", "ZoneBox", "layout_model"]

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
