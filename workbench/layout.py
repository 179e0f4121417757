"""A stable, readable layout of a system graph (no drawing library needed).

Zones are columns ordered by trust, lowest on the left, so data read from left
to right moves from untrusted to trusted. Inside a zone, components are
ordered by their distance from the entry points and then by model order, and
wrap into several sub-columns when a zone holds many of them. The same model
always gives the same positions, and adding a component moves only its zone's
neighbours. Both the plotly view and the HTML report's SVG use this layout.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Any

__all__ = ["Layout", "ZoneBox", "layout_model"]

ROWS_PER_COLUMN = 12
COLUMN_WIDTH = 1.0
ZONE_GAP = 0.6
ROW_HEIGHT = 1.0


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
    """Positions for every component and a box for every zone that holds components."""
    comps = model.components()
    order = {c.id: i for i, c in enumerate(comps)}
    dist = _distances(model)
    far = max(dist.values(), default=0) + 1
    zones = sorted(model.zones(), key=lambda z: (z.trust, z.id))
    by_zone: dict[str, list[str]] = {z.id: [] for z in zones}
    for c in comps:
        by_zone.setdefault(c.zone, []).append(c.id)
    tallest = max((min(len(v), rows_per_column) for v in by_zone.values()), default=1)
    height = max(tallest, 1) * ROW_HEIGHT
    positions: dict[str, tuple[float, float]] = {}
    boxes = []
    x = 0.0
    for z in zones:
        members = sorted(by_zone.get(z.id, []), key=lambda cid: (dist.get(cid, far), order[cid]))
        if not members:
            continue
        columns = max(1, math.ceil(len(members) / rows_per_column))
        rows = min(len(members), rows_per_column)
        for i, cid in enumerate(members):
            col, row = divmod(i, rows_per_column)
            # centre each column's items vertically
            in_col = min(rows_per_column, len(members) - col * rows_per_column)
            offset = (height - in_col * ROW_HEIGHT) / 2
            positions[cid] = (
                x + (col + 0.5) * COLUMN_WIDTH,
                height - offset - (row + 0.5) * ROW_HEIGHT,
            )
        width = columns * COLUMN_WIDTH
        del rows
        boxes.append(ZoneBox(z.id, z.name, z.trust, x, x + width, 0.0, height))
        x += width + ZONE_GAP
    return Layout(positions=positions, zones=boxes, width=max(x - ZONE_GAP, 1.0), height=height)
