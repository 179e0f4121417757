"""The system graph: trust zones, components and flows in a plotly FigureWidget.

Positions come from :meth:`Session.layout` (zones as columns by trust, stable
between runs). The figure keeps a fixed set of traces, so refreshing only
changes their data and the click handler stays attached:

====  ===========================================================
0     flows: lines with an arrowhead at the target, bent around nodes
1     flow points (a marker in the middle of each flow: hover and click)
2     the flows of the selected component, drawn darker
3     the selected attack path, drawn over the flows
4     components: a marker per component (symbol by kind, colour by band)
5...  legend entries: one per band plus "no finding", then one per kind
then  flow labels (what each flow carries), entry point rings, crown
      jewel stars, the ring around the selected element
====  ===========================================================

The figure is as wide as its area (a :class:`~workbench.ui.clickable.WidthProbe`
reports it from the browser) and is zoomed with the scroll wheel (or plotly's
toolbar) and panned by dragging; a double click fits it to the width again. For
large systems a zone can be collapsed into one node, and the view filtered to
the selected attack path or to the selected component and its neighbours.

Every label and hover text is HTML-escaped (plotly renders a subset of HTML in
text), so a hostile display name shows as text.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import ipywidgets as W
import plotly.graph_objects as go

from workbench.layout import layout_view, route, zone_node
from workbench.ui._notify import report_failure
from workbench.ui.clickable import ClickableHTML, WidthProbe
from workbench.ui.style import GREY, PATH_COLOUR, esc, replace_child, sync_figure

__all__ = ["FOCUS_OPTIONS", "KIND_SYMBOLS", "GraphView", "graph_data", "label_lines"]

#: A filled plotly marker symbol per component kind (the colour shows the band).
KIND_SYMBOLS: dict[str, str] = {
    "actor": "circle",
    "application": "square",
    "inference_endpoint": "diamond",
    "model": "hexagon",
    "agent": "star",
    "tool": "cross",
    "dataset": "triangle-up",
    "data_pipeline": "triangle-right",
    "training_pipeline": "pentagon",
    "model_registry": "hexagram",
    "vector_store": "octagon",
    "knowledge_source": "triangle-down",
    "data_store": "diamond-wide",
    "prompt": "star-square",
    "external_service": "star-diamond",
    "sensor": "triangle-left",
    "monitoring": "x",
}
OTHER_SYMBOL = "circle-dot"

PX_X = 150  # pixels per layout unit across at most (a zone column is one unit wide)
PX_Y = 80  # pixels per layout unit down (one component row)
MARGIN = dict(l=10, r=10, t=56, b=70)
LABEL_LINE = 18  # characters per label line (two lines, then an ellipsis)
LABEL_LINE_LARGE = 13
NODE_SIZE = 20
LARGE_Y = 1.3
PAD_X, PAD_Y = 0.3, 0.45  # layout units around the drawing
FIT_WIDTH = 1100  # pixels: the width drawn until the browser reports the real one
MIN_WIDTH = 300
NODE_SIZE_LARGE = 28
FLOW_COLOUR = "rgba(70,70,70,0.6)"
FLOW_COLOUR_MANY = "rgba(70,70,70,0.35)"  # a hundred flows and more: lighter lines
ENTRY_COLOUR = "#D55E00"  # Okabe-Ito vermillion: where an attacker gets in
JEWEL_COLOUR = "#E69F00"  # Okabe-Ito orange: what an attacker wants
FLOW_LABELS_MAX = 60  # more flows than this: their labels only on hover
LABEL_MIN_PX = 64  # narrower columns than this: component labels only on hover
FOCUS_OPTIONS = (
    ("whole system", "all"),
    ("the selected attack path", "path"),
    ("the selected component and its neighbours", "near"),
)
FONTS = {
    False: {"label": 11, "zone": 12, "base": 12},
    True: {"label": 16, "zone": 17, "base": 17},
}


def label_lines(text: str, n: int = LABEL_LINE) -> str:
    """A name on at most two lines of about *n* characters (broken at spaces), then "…"."""
    words = text.split()
    lines: list[str] = []
    current = ""
    for w in words:
        while len(w) > n:  # a very long word: cut it across lines
            if current:
                lines.append(current)
                current = ""
            lines.append(w[:n])
            w = w[n:]
        if not current:
            current = w
        elif len(current) + 1 + len(w) <= n:
            current += " " + w
        else:
            lines.append(current)
            current = w
    if current:
        lines.append(current)
    if len(lines) > 2:
        second = lines[1]
        lines = [lines[0], (second[: n - 1] if len(second) >= n else second) + "…"]
    return "\n".join(lines)


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _yes_no(value: bool | None) -> str:
    return "unstated" if value is None else ("yes" if value else "no")


def _label_positions(
    points: list[tuple[float, float]],
    labels: list[str],
    *,
    sx: float,
    sy: float,
    large: bool,
) -> tuple[list[str], list[tuple[float, float, float, float]]]:
    """Below or above each marker, whichever does not run into a label already placed.

    Greedy, left to right, in pixels of the drawn figure. Also returns the boxes
    taken (labels and markers), so that flow labels can keep out of them.
    """
    font = FONTS[large]["label"]
    char_w = font * 0.58
    gap = (NODE_SIZE_LARGE if large else NODE_SIZE) / 2 + 2
    placed: list[tuple[float, float, float, float]] = []
    out = [""] * len(points)
    order = sorted(range(len(points)), key=lambda i: (points[i][0], -points[i][1]))
    for i in order:
        x, y = points[i][0] * sx, points[i][1] * sy
        lines = labels[i].split("\n") if labels[i] else []
        height = (font + 3) * max(1, len(lines))
        half = max((len(t) for t in lines), default=0) * char_w / 2
        below = (x - half, y - gap - height, x + half, y - gap)
        above = (x - half, y + gap, x + half, y + gap + height)
        choice, box = "bottom center", below
        if any(_overlap(below, b) for b in placed) and not any(_overlap(above, b) for b in placed):
            choice, box = "top center", above
        placed.append(box)
        out[i] = choice
    markers = [(x * sx - gap, y * sy - gap, x * sx + gap, y * sy + gap) for x, y in points]
    return out, placed + markers


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _keep(session: Any, focus: str) -> set[str] | None:
    """The components a focused view keeps (None: all)."""
    model = session.model
    if focus == "path":
        paths = session.attack_paths()
        index = session.selected_path
        if index is not None and 0 <= index < len(paths):
            return {n for n in paths[index].nodes if n in model}
        return None
    if focus == "near":
        cid = session.selected_component
        flow = getattr(session, "selected_flow", None)
        if flow:
            f = model.flow(flow)
            return {f.source, f.target}
        if cid and cid in model:
            keep = {cid}
            for f in model.flows():
                if cid in (f.source, f.target):
                    keep.update((f.source, f.target))
            return keep
    return None


def _polyline(
    points: list[tuple[float, float]], r: float, sx: float, sy: float, shift: float
) -> list[tuple[float, float]]:
    """Shorten a line by *r* pixels at both ends and shift it *shift* pixels to its right."""
    pts = list(points)
    (ax, ay), (bx, by) = pts[0], pts[-1]
    dx, dy = (bx - ax) * sx, (by - ay) * sy
    length = math.hypot(dx, dy) or 1.0
    cut = min(r, length / 3)

    def towards(p: tuple[float, float], q: tuple[float, float]) -> tuple[float, float]:
        ddx, ddy = (q[0] - p[0]) * sx, (q[1] - p[1]) * sy
        d = math.hypot(ddx, ddy) or 1.0
        return p[0] + ddx / d * cut / sx, p[1] + ddy / d * cut / sy

    pts[0] = towards(pts[0], pts[1])
    pts[-1] = towards(pts[-1], pts[-2])
    if shift:
        ox, oy = dy / length * shift / sx, -dx / length * shift / sy
        pts = [(x + ox, y + oy) for x, y in pts]
    return pts


#: One figure property: (trace index, trace name, attribute path, value).
_Column = tuple[int, str, tuple[str, ...], Any]


def _xy(trace: int, name: str, points: Mapping[str, Any]) -> list[_Column]:
    """The ``x`` and ``y`` properties of *trace* from *points*."""
    return [(trace, name, (axis,), points[axis]) for axis in ("x", "y")]


@dataclass
class _Frame:
    """How one drawing maps the layout onto the figure (pixels per unit, sizes, fonts)."""

    layout: Any
    where: dict[str, str]
    collapsed: frozenset[str]
    focus: str
    large: bool
    width: int
    sx: float
    sy: float
    x_extra: float
    height: int
    counts: dict[str, int]
    risk: dict[str, tuple[str, int]]
    entries: set[str]
    jewels: set[str]
    zones: dict[str, Any]

    @property
    def node_size(self) -> int:
        return NODE_SIZE_LARGE if self.large else NODE_SIZE

    @property
    def show_labels(self) -> bool:
        return self.sx >= LABEL_MIN_PX


def _frame(
    session: Any, *, large: bool, fit_width: int | None, collapsed: Any, focus: str
) -> _Frame:
    model = session.model
    shut = frozenset(z for z in collapsed if any(z == x.id for x in model.zones()))
    keep = _keep(session, focus)
    if shut or keep is not None:
        layout, where = layout_view(model, collapsed=shut, keep=keep)
    else:
        layout = session.layout()
        where = {c: c for c in layout.positions}
    counts: dict[str, int] = {}
    for r in session.all_rows():
        counts[r["element"]] = counts.get(r["element"], 0) + 1
    width = max(MIN_WIDTH, int(fit_width or FIT_WIDTH))
    units = layout.width + 2 * PAD_X
    inner = width - MARGIN["l"] - MARGIN["r"]
    sx = min(PX_X, inner / units)  # fit to the width: never wider than the area
    sy = PX_Y * (LARGE_Y if large else 1.0)  # large type: more room between rows
    return _Frame(
        layout=layout,
        where=where,
        collapsed=shut,
        focus=focus,
        large=large,
        width=width,
        sx=sx,
        sy=sy,
        x_extra=(inner / sx - units) / 2,  # centre a small graph
        height=int((layout.height + 2 * PAD_Y) * sy) + MARGIN["t"] + MARGIN["b"],
        counts=counts,
        risk=session.node_risk(),
        entries={c.id for c in model.entry_points()},
        jewels={c.id for c in model.crown_jewels()},
        zones={z.id: z for z in model.zones()},
    )


def _node_entry(session: Any, fr: _Frame, node: str, comps: list[Any]) -> dict[str, Any]:
    """Name, hover lines, symbol, size and colour of one drawn node (a component or a zone)."""
    entries, jewels, zones = fr.entries, fr.jewels, fr.zones
    first = comps[0]
    if node.startswith("zone:") and node == zone_node(first.zone) and first.zone in fr.collapsed:
        zone = zones[first.zone]
        best = max(
            (fr.risk[c.id] for c in comps if c.id in fr.risk), key=lambda b: b[1], default=None
        )
        n = sum(fr.counts.get(c.id, 0) for c in comps)
        name = f"{zone.name} ({len(comps)})"
        hover = [
            f"<b>{esc(zone.name)}</b> (zone collapsed: click to open it)",
            f"trust {zone.trust}; {len(comps)} components, {n} findings",
        ]
        symbol, size = "square", fr.node_size + 10
        is_entry = any(c.id in entries for c in comps)
        is_jewel = any(c.id in jewels for c in comps)
        roles: list[str] = []
    else:
        best = fr.risk.get(first.id)
        zone = zones.get(first.zone)
        is_entry, is_jewel = first.id in entries, first.id in jewels
        roles = [w for w, on in (("entry point", is_entry), ("crown jewel", is_jewel)) if on]
        name = first.name
        hover = [
            f"<b>{esc(first.name)}</b>",
            f"id: {esc(first.id)}",
            f"kind: {esc(first.kind)}",
            f"zone: {esc(f'{zone.name} (trust {zone.trust})' if zone else first.zone)}",
            f"findings: {fr.counts.get(first.id, 0)}",
        ]
        symbol, size = KIND_SYMBOLS.get(first.kind, OTHER_SYMBOL), fr.node_size
    hover.append(f"highest: {esc(best[0])} (score {best[1]})" if best else "highest: no finding")
    if roles:
        hover.append(esc(", ".join(roles)))
    return {
        "name": name,
        "hover": "<br>".join(hover),
        "colour": session.matrix.colour(best[0]) if best else GREY,
        "symbol": symbol,
        "size": size,
        "entry": is_entry,
        "jewel": is_jewel,
    }


def _nodes(session: Any, fr: _Frame) -> tuple[dict[str, list[Any]], dict[str, dict[str, list[Any]]]]:
    """The node trace's columns, and the entry point and crown jewel marks."""
    members: dict[str, list[Any]] = {}
    for c in session.model.components():
        node = fr.where.get(c.id)
        if node is not None:
            members.setdefault(node, []).append(c)
    columns = ("ids", "textposition", "x", "y", "text", "hover", "colour", "symbol", "size")
    nodes: dict[str, list[Any]] = {k: [] for k in columns}
    marks: dict[str, dict[str, list[Any]]] = {
        "entry": {"x": [], "y": []},
        "jewel": {"x": [], "y": []},
    }
    chars = LABEL_LINE_LARGE if fr.large else LABEL_LINE
    for node, comps in members.items():
        if node not in fr.layout.positions:
            continue
        x, y = fr.layout.positions[node]
        entry = _node_entry(session, fr, node, comps)
        nodes["ids"].append(node)
        nodes["x"].append(x)
        nodes["y"].append(y)
        shown = fr.show_labels or entry["entry"] or entry["jewel"]
        label = label_lines(entry["name"], chars) if shown else ""
        nodes["text"].append(esc(label).replace("\n", "<br>"))
        for key in ("hover", "colour", "symbol", "size"):
            nodes[key].append(entry[key])
        if entry["entry"]:
            marks["entry"]["x"].append(x)
            marks["entry"]["y"].append(y)
        if entry["jewel"]:
            marks["jewel"]["x"].append(x + 9 / fr.sx)
            marks["jewel"]["y"].append(y + 9 / fr.sy)
    return nodes, marks


def _geometry(
    fr: _Frame, nodes: dict[str, list[Any]]
) -> tuple[list[str], list[Any], dict[Any, Any]]:
    """Label places, the boxes they take, and the routed flows (a cache shared by redraws).

    The geometry changes with the drawing, not with scores: it is computed once
    per layout, width and text, then reused by every redraw (and by a return to
    a width drawn before, such as the file browser opened and closed again).
    """
    key = (
        tuple(nodes["text"]),
        fr.sx,
        fr.sy,
        fr.large,
        tuple(sorted(fr.collapsed)),
        fr.focus,
        tuple(fr.where),
    )
    slot = (id(fr.layout), key)
    cached = _GEOMETRY.get(slot)
    if cached is None or cached[0] is not fr.layout:
        textposition, boxes = _label_positions(
            list(zip(nodes["x"], nodes["y"], strict=True)),
            [_plain(t) for t in nodes["text"]],
            sx=fr.sx,
            sy=fr.sy,
            large=fr.large,
        )
        cached = (fr.layout, textposition, boxes, {})
        while len(_GEOMETRY) >= GEOMETRIES_KEPT:
            del _GEOMETRY[next(iter(_GEOMETRY))]  # the oldest drawing
        _GEOMETRY[slot] = cached
    return list(cached[1]), list(cached[2]), cached[3]


def _flow_text(model: Any, flows: list[Any], counts: dict[str, int]) -> tuple[str, str]:
    """The hover text of merged parallel flows, and the label of what they carry."""
    text = []
    carried: list[str] = []
    for f in flows:
        src, dst = model.component(f.source).name, model.component(f.target).name
        n = counts.get(f.id, 0)
        text += [
            f"<b>{esc(f.name)}</b>: {esc(src)} → {esc(dst)}",
            f"data: {esc(', '.join(f.data) or 'unstated')}",
            f"encrypted: {_yes_no(f.encrypted)}, authenticated: {_yes_no(f.authenticated)}"
            + (f", protocol: {esc(f.protocol)}" if f.protocol else ""),
            f"findings on this flow: {n}" + (" (click to show them)" if n else ""),
        ]
        carried += [d for d in f.data if d not in carried]
    return "<br>".join(text), esc(_short(", ".join(carried).replace("_", " "), 22))


def _flows(session: Any, fr: _Frame, routes: dict[Any, Any]) -> dict[str, Any]:
    """Flow lines (parallel flows merged, the two directions of a pair apart, bent around
    nodes), a dot in the middle of each with its hover text, and its label."""
    model, layout = session.model, fr.layout
    pairs: dict[tuple[str, str], list[Any]] = {}
    for f in model.flows():
        a, b = fr.where.get(f.source), fr.where.get(f.target)
        if a is None or b is None or a == b:
            continue
        if a in layout.positions and b in layout.positions:
            pairs.setdefault((a, b), []).append(f)
    obstacles = list(layout.positions.values())
    clearance = ((fr.node_size / 2 + 5) / fr.sx, (fr.node_size / 2 + 5) / fr.sy)
    line: dict[str, list[Any]] = {"x": [], "y": [], "size": []}
    dots: dict[str, list[Any]] = {"x": [], "y": [], "text": [], "ids": [], "labels": []}
    lines: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for (a, b), flows in pairs.items():
        both = (b, a) in pairs
        pts = routes.get((a, b, both))
        if pts is None:
            centre = route(layout.positions[a], layout.positions[b], obstacles, clearance=clearance)
            pts = routes[(a, b, both)] = _polyline(
                centre, fr.node_size / 2 + 4, fr.sx, fr.sy, 6.0 if both else 0.0
            )
        lines[(a, b)] = pts
        line["x"] += [p[0] for p in pts] + [None]
        line["y"] += [p[1] for p in pts] + [None]
        line["size"] += [0] * (len(pts) - 1) + [11, 0]
        mid = (
            pts[len(pts) // 2]
            if len(pts) > 2
            else ((pts[0][0] + pts[1][0]) / 2, (pts[0][1] + pts[1][1]) / 2)
        )
        dots["x"].append(mid[0])
        dots["y"].append(mid[1])
        with_findings = [f for f in flows if fr.counts.get(f.id)]
        dots["ids"].append((with_findings or flows)[0].id)
        text, label = _flow_text(model, flows, fr.counts)
        dots["text"].append(text)
        dots["labels"].append(label)
    if len(pairs) > FLOW_LABELS_MAX or not fr.show_labels:
        dots["labels"] = [""] * len(dots["labels"])
    return {"flows": line, "flow_hover": dots, "lines": lines}


def _place_flow_labels(fr: _Frame, dots: dict[str, list[Any]], taken: list[Any]) -> None:
    """Keep a flow's label only where it runs into no other label or marker (all are on hover)."""
    font = 14 if fr.large else 10
    labels = dots["labels"]
    for i, label in enumerate(labels):
        if not label:
            continue
        half = len(_plain(label)) * font * 0.3
        lx, ly = dots["x"][i] * fr.sx, dots["y"][i] * fr.sy + 8
        spot = (lx - half, ly - font / 2, lx + half, ly + font / 2 + 2)
        if any(_overlap(spot, b) for b in taken):
            labels[i] = ""
        else:
            taken.append(spot)


def _path_trace(session: Any, fr: _Frame, lines: dict[Any, Any]) -> dict[str, Any]:
    """The selected attack path, drawn over the flows it takes, and its caption."""
    layout = fr.layout
    out: dict[str, Any] = {"x": [], "y": [], "size": [], "label": ""}
    paths = session.attack_paths()
    index = session.selected_path
    if index is None or not 0 <= index < len(paths):
        return out
    path = paths[index]
    for hop in path.hops:
        a, b = fr.where.get(hop.source), fr.where.get(hop.node)
        if a is None or b is None or a == b:
            continue
        found = lines.get((a, b))
        if found is None and a in layout.positions and b in layout.positions:
            ends = [layout.positions[a], layout.positions[b]]
            found = _polyline(ends, fr.node_size / 2 + 4, fr.sx, fr.sy, 0.0)
        if found is None:
            continue
        out["x"] += [p[0] for p in found] + [None]
        out["y"] += [p[1] for p in found] + [None]
        out["size"] += [0] * (len(found) - 1) + [14, 0]
    out["label"] = _path_caption(session)
    return out


def _path_caption(session: Any) -> str:
    """"attack path: A → B → C" for the selected attack path ("" when none is selected)."""
    paths = session.attack_paths()
    index = session.selected_path
    if index is None or not 0 <= index < len(paths):
        return ""
    model = session.model
    names = [model.component(n).name if n in model else n for n in paths[index].nodes]
    return "attack path: " + " → ".join(esc(_short(n, 30)) for n in names)


def _zone_areas(fr: _Frame) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Each trust zone as a shaded area (darker with more trust) with its name above it."""
    shapes = []
    annotations = []
    zones = fr.layout.zones
    font = FONTS[fr.large]["zone"]
    for i, box in enumerate(zones):
        alpha = 0.05 + 0.13 * (i / max(1, len(zones) - 1))
        shapes.append(
            dict(
                type="rect",
                xref="x",
                yref="y",
                x0=box.x0 - 0.08,
                x1=box.x1 + 0.08,
                y0=box.y0 - PAD_Y + 0.05,
                y1=box.y1 + PAD_Y - 0.05,
                fillcolor=f"rgba(0,114,178,{alpha:.3f})",
                line=dict(color="rgba(0,114,178,0.55)", width=1, dash="dot"),
                layer="below",
            )
        )
        fits = max(4, int((box.x1 - box.x0 + 0.16) * fr.sx / (font * 0.6)))
        annotations.append(
            dict(
                x=(box.x0 + box.x1) / 2,
                y=box.y1 + PAD_Y,
                xref="x",
                yref="y",
                text=f"<b>{esc(_short(box.name, fits))}</b><br>trust {box.trust}",
                hovertext=esc(box.name),
                showarrow=False,
                yanchor="bottom",
                font=dict(size=font),
            )
        )
    return shapes, annotations


def graph_data(
    session: Any,
    *,
    large: bool = False,
    fit_width: int | None = None,
    collapsed: Any = (),
    focus: str = "all",
) -> dict[str, Any]:
    """Everything the figure shows, as plain data (tested without a browser).

    ``fit_width`` is the width of the area the figure fills (pixels): the
    drawing is scaled to fit it (zoom and pan from there); ``collapsed`` the
    zones drawn as one node each; ``focus`` one of :data:`FOCUS_OPTIONS`
    ("all", "path", "near").
    """
    fr = _frame(session, large=large, fit_width=fit_width, collapsed=collapsed, focus=focus)
    nodes, marks = _nodes(session, fr)
    nodes["textposition"], taken, routes = _geometry(fr, nodes)
    flows = _flows(session, fr, routes)
    _place_flow_labels(fr, flows["flow_hover"], taken)
    shapes, annotations = _zone_areas(fr)
    layout = fr.layout
    return {
        "nodes": nodes,
        **flows,
        "path": _path_trace(session, fr, flows["lines"]),
        "marks": marks,
        "shapes": shapes,
        "annotations": annotations,
        "where": fr.where,
        "width": fr.width,
        "height": fr.height,
        "x_range": [-PAD_X - fr.x_extra, layout.width + PAD_X + fr.x_extra],
        "y_range": [-PAD_Y, layout.height + PAD_Y],
        "kinds": sorted({c.kind for c in session.model.components() if c.id in fr.where}),
    }


#: Trace indices of the fixed traces (see the module docstring).
FLOWS, FLOW_DOTS, NEAR, PATH, NODES, LEGEND_START = 0, 1, 2, 3, 4, 5
LAYOUT = -1  # a change to the figure's layout, not to a trace
#: plotly's configuration: the scroll wheel zooms, dragging pans, a double click fits again.
CONFIG = {"scrollZoom": True, "displaylogo": False, "doubleClick": "reset"}
_ARROW = dict(symbol="arrow", angleref="previous")


def _line_trace(name: str, colour: str, width: float) -> dict[str, Any]:
    return dict(
        type="scatter",
        mode="lines+markers",
        line=dict(color=colour, width=width),
        marker=dict(**_ARROW, color=colour, size=0),
        hoverinfo="skip",
        showlegend=False,
        name=name,
    )


def _marker_trace(name: str, marker: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return dict(
        type="scatter", x=[None], y=[None], mode="markers", marker=marker, hoverinfo="skip",
        name=name, **extra,
    )


def _base_traces() -> list[dict[str, Any]]:
    """Flows, flow dots, the selected component's flows, the attack path, the components."""
    return [
        _line_trace("flows", FLOW_COLOUR, 1.3),
        dict(
            type="scatter",
            mode="markers",
            marker=dict(size=14, color="rgba(90,90,90,0.25)", symbol="circle"),
            hoverinfo="text",
            showlegend=False,
            name="flow details",
        ),
        _line_trace("flows of the selected component", "#000000", 2.2),
        _line_trace("attack path", PATH_COLOUR, 5),
        dict(
            type="scatter",
            mode="markers+text",
            textposition="bottom center",
            hoverinfo="text",
            marker=dict(size=NODE_SIZE, color=GREY, line=dict(width=1, color="#444444")),
            showlegend=False,
            name="components",
            cliponaxis=False,
        ),
    ]


def _legend_traces(matrix: Any) -> list[dict[str, Any]]:
    """Legend entries: one per band and "no finding", then one per component kind."""
    out = [
        _marker_trace(
            f"band: {esc(band)}" if band else "no finding",
            dict(size=12, symbol="square", color=matrix.colour(band) if band else GREY),
        )
        for band in [*matrix.band_names(), None]
    ]
    out += [
        _marker_trace(kind.replace("_", " "), dict(size=11, symbol=symbol, color="#777777"))
        for kind, symbol in KIND_SYMBOLS.items()
    ]
    return out


def _mark_traces() -> list[dict[str, Any]]:
    """Flow labels, entry point rings, crown jewel stars and the ring of the selection."""
    return [
        dict(
            type="scatter",
            mode="text",
            textfont=dict(size=10, color="#333333"),
            textposition="top center",
            hoverinfo="skip",
            showlegend=False,
            name="flow labels",
            cliponaxis=False,
        ),
        _marker_trace(
            "entry point (ring)",
            dict(
                symbol="circle-open",
                size=NODE_SIZE + 12,
                color=ENTRY_COLOUR,
                line=dict(width=3, color=ENTRY_COLOUR),
            ),
        ),
        _marker_trace(
            "crown jewel (star)",
            dict(symbol="star", size=13, color=JEWEL_COLOUR, line=dict(width=1, color="#000000")),
        ),
        _marker_trace(
            "selected",
            dict(
                symbol="circle-open",
                size=NODE_SIZE + 22,
                color="#000000",
                line=dict(width=3, color="#000000"),
            ),
            showlegend=False,
        ),
    ]


def _figure_layout() -> dict[str, Any]:
    return dict(
        showlegend=True,
        legend=dict(
            orientation="h",
            yanchor="top",
            y=-0.02,
            x=0,
            font=dict(size=11),
            itemclick=False,
            itemdoubleclick=False,
        ),
        margin=dict(MARGIN),
        plot_bgcolor="white",
        paper_bgcolor="white",
        hovermode="closest",
        dragmode="pan",
        xaxis=dict(visible=False),
        yaxis=dict(visible=False),
        clickmode="event",
    )


def _set_in(spec: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for part in path[:-1]:
        spec = spec.setdefault(part, {})
    spec[path[-1]] = value


#: One figure property: (key, trace index or LAYOUT, attribute path, value).
Change = tuple[str, int, tuple[str, ...], Any]


#: Label places and routed flows per drawn layout (see graph_data).
_GEOMETRY: dict[tuple[int, Any], tuple[Any, list[str], list[Any], dict[Any, Any]]] = {}
GEOMETRIES_KEPT = 16


def _plain(text: str) -> str:
    return (
        text.replace("<br>", "\n")
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&#x27;", "'")
    )


class GraphView:
    """The system graph; a click on a node selects the component, on a flow the flow."""

    NODE_TRACE = NODES
    LEGEND_START = LEGEND_START

    def __init__(self, session: Any, on_message: Callable[[str, bool], None] | None = None):
        self.session = session
        self._message = on_message or (lambda text, ok: None)
        self._ids: list[str] = []
        self._flow_ids: list[str] = []
        self._lines: dict[tuple[str, str], list[tuple[float, float]]] = {}
        self._where: dict[str, str] = {}
        self._xy: dict[str, tuple[float, float]] = {}
        self._dots: dict[str, tuple[float, float]] = {}
        self._last: dict[str, Any] = {}
        self.EXTRA = LEGEND_START + len(session.matrix.band_names()) + 1 + len(KIND_SYMBOLS)
        self.collapsed: set[str] = set()
        self.show_all = W.Button(description="show all", tooltip="Clear the selection", icon="eye")
        self.show_all.on_click(lambda _b: self._show_all())
        self.focus = W.Dropdown(
            description="Show",
            options=list(FOCUS_OPTIONS),
            value="all",
            style={"description_width": "initial"},
            layout=W.Layout(width="auto"),
        )
        self.focus.add_class("wb-graph-focus")
        self.focus.observe(lambda _c: self.refresh(), names="value")
        self.zones = ClickableHTML()
        self.zones.add_class("wb-graph-zones")
        self.zones.on_click(self._on_zone)
        self.caption = W.HTML()
        self.caption.add_class("wb-html")
        self.probe = WidthProbe()
        self.probe.observe(lambda _c: self._resized(), names="width")
        data = self._data()
        self.fig = self._new_figure(data)
        self.box = box = W.VBox([self.fig], layout=W.Layout(width="100%"))
        box.add_class("wb-graph")
        bar = W.HBox([self.show_all, self.focus, self.caption])
        bar.add_class("wb-graph-bar")
        self.widget = W.VBox([bar, self.zones, self.probe, box])
        self._refresh_text(data)

    # -- building ----------------------------------------------------------------
    def _new_figure(self, data: dict[str, Any]) -> Any:
        """The figure with every trace, its data and the layout at once.

        Traces added to a FigureWidget with ``add_scatter`` before it is shown lose
        their initial properties in the browser (seen with plotly 7.1), so the
        figure is built from complete data, and later changes are plain updates.
        """
        traces, layout, changes = self._figure_spec(data)
        # plotly's check of every value is a third of this build: the spec is checked by
        # the tests (figure_spec builds a validated go.Figure); later updates are checked
        fig = go.FigureWidget(data=traces, layout=layout, _validate=False)
        for part in (fig, fig.layout, *fig.data):
            part._validate = True
        fig._config = dict(CONFIG)
        self._last = {key: value for key, _index, _path, value in changes}
        fig.data[NODES].on_click(self._on_click)
        fig.data[FLOW_DOTS].on_click(self._on_flow_click)
        return fig

    def _figure_spec(
        self, data: dict[str, Any]
    ) -> tuple[list[dict[str, Any]], dict[str, Any], list[Change]]:
        """The figure's traces and layout as plain dicts, and the changes that filled them."""
        traces = _base_traces() + _legend_traces(self.session.matrix) + _mark_traces()
        layout = _figure_layout()
        changes = self._data_changes(data) + self._outline_changes()
        for _key, index, path, value in changes:
            _set_in(layout if index == LAYOUT else traces[index], path, value)
        return traces, layout, changes

    def figure_spec(self) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """The figure as drawn now, as plain dicts (``go.Figure(data=..., layout=...)``)."""
        traces, layout, _changes = self._figure_spec(self._data())
        return traces, layout

    def _resized(self) -> None:
        """A new width: draw a new figure at it.

        The browser draws a new FigureWidget from its whole state; updates to one
        that is still being drawn the first time (or was drawn while scrolled out
        of a notebook's view) can be lost, leaving an empty plot.
        """
        old = self.fig
        data = self._data()
        self.fig = self._new_figure(data)
        replace_child(self.box, old, self.fig)
        old.close()
        self._refresh_text(data)

    @property
    def flow_labels(self) -> Any:
        return self.fig.data[self.EXTRA]

    @property
    def entry_marks(self) -> Any:
        return self.fig.data[self.EXTRA + 1]

    @property
    def jewel_marks(self) -> Any:
        return self.fig.data[self.EXTRA + 2]

    @property
    def selected_mark(self) -> Any:
        return self.fig.data[self.EXTRA + 3]

    # -- callbacks ------------------------------------------------------------------
    def _on_click(self, _trace: Any, points: Any, _state: Any) -> None:
        if not points.point_inds:
            return
        index = points.point_inds[0]
        if 0 <= index < len(self._ids):
            node = self._ids[index]
            if node.startswith("zone:") and node[5:] in self.collapsed:
                self.toggle_zone(node[5:])
            else:
                self.select(node)

    def _on_flow_click(self, _trace: Any, points: Any, _state: Any) -> None:
        if not points.point_inds:
            return
        index = points.point_inds[0]
        if 0 <= index < len(self._flow_ids):
            self.select_flow(self._flow_ids[index])

    def select(self, component_id: str | None) -> None:
        report_failure(self.session.select_component(component_id), self._message)

    def select_flow(self, flow_id: str) -> None:
        result = self.session.select_flow(flow_id)
        self._message(result.message, result.ok)

    def _show_all(self) -> None:
        self.session.select_component(None)

    def _on_zone(self, action: str, zone_id: str) -> None:
        if action == "zone":
            self.toggle_zone(zone_id)

    def toggle_zone(self, zone_id: str) -> None:
        """Collapse a zone into one node, or open it again."""
        if zone_id in self.collapsed:
            self.collapsed.discard(zone_id)
        elif any(z.id == zone_id for z in self.session.model.zones()):
            self.collapsed.add(zone_id)
        self.refresh()

    # -- drawing -----------------------------------------------------------------------
    def _data(self) -> dict[str, Any]:
        """The drawing at the current width and settings; remembers what clicks map to."""
        data = graph_data(
            self.session,
            large=bool(self.session.large_type),
            fit_width=self.probe.width or FIT_WIDTH,
            collapsed=self.collapsed,
            focus=str(self.focus.value),
        )
        nodes, dots = data["nodes"], data["flow_hover"]
        self._ids = list(nodes["ids"])
        self._flow_ids = list(dots["ids"])
        self._xy = {n: (x, y) for n, x, y in zip(self._ids, nodes["x"], nodes["y"], strict=True)}
        self._dots = {f: (x, y) for f, x, y in zip(self._flow_ids, dots["x"], dots["y"], strict=True)}
        self._lines = data["lines"]
        self._where = data["where"]
        return data

    def _data_changes(self, data: dict[str, Any]) -> list[Change]:
        """Every figure property the drawing sets, as (key, trace, attribute path, value)."""
        large = bool(self.session.large_type)
        fonts = FONTS[large]
        nodes, dots, marks = data["nodes"], data["flow_hover"], data["marks"]
        colour = FLOW_COLOUR if len(dots["x"]) < 100 else FLOW_COLOUR_MANY
        labels, entry, jewel = self.EXTRA, self.EXTRA + 1, self.EXTRA + 2
        columns: list[_Column] = [
            *_xy(FLOWS, "flows", data["flows"]),
            (FLOWS, "flows", ("marker", "size"), data["flows"]["size"]),
            (FLOWS, "flows", ("line", "color"), colour),
            (FLOWS, "flows", ("marker", "color"), colour),
            *_xy(FLOW_DOTS, "dots", dots),
            (FLOW_DOTS, "dots", ("hovertext",), dots["text"]),
            (FLOW_DOTS, "dots", ("customdata",), dots["ids"]),
            *_xy(labels, "labels", dots),
            (labels, "labels", ("text",), dots["labels"]),
            (labels, "labels", ("textfont", "size"), 14 if large else 10),
            (entry, "entry", ("x",), marks["entry"]["x"] or [None]),
            (entry, "entry", ("y",), marks["entry"]["y"] or [None]),
            (entry, "entry", ("marker", "size"), (NODE_SIZE_LARGE if large else NODE_SIZE) + 12),
            (jewel, "jewel", ("x",), marks["jewel"]["x"] or [None]),
            (jewel, "jewel", ("y",), marks["jewel"]["y"] or [None]),
            *_xy(PATH, "path", data["path"]),
            (PATH, "path", ("marker", "size"), data["path"]["size"]),
            *_xy(NODES, "node", nodes),
            (NODES, "node", ("text",), nodes["text"]),
            (NODES, "node", ("textposition",), nodes["textposition"]),
            (NODES, "node", ("hovertext",), nodes["hover"]),
            (NODES, "node", ("customdata",), nodes["ids"]),
            (NODES, "node", ("marker", "color"), nodes["colour"]),
            (NODES, "node", ("marker", "symbol"), nodes["symbol"]),
            (NODES, "node", ("marker", "size"), nodes["size"]),
            (NODES, "node", ("textfont", "size"), fonts["label"]),
            (LAYOUT, "layout", ("shapes",), data["shapes"]),
            (LAYOUT, "layout", ("annotations",), data["annotations"]),
            (LAYOUT, "layout", ("width",), data["width"]),
            (LAYOUT, "layout", ("height",), data["height"] + (40 if large else 0)),
            (LAYOUT, "layout", ("xaxis", "range"), data["x_range"]),
            (LAYOUT, "layout", ("yaxis", "range"), data["y_range"]),
            (LAYOUT, "layout", ("font", "size"), fonts["base"]),
            (LAYOUT, "layout", ("legend", "font", "size"), 15 if large else 11),
            (LAYOUT, "layout", ("margin", "b"), 110 if large else 70),
        ]
        out = [(f"{name}.{'.'.join(path)}", i, path, v) for i, name, path, v in columns]
        kinds = set(data["kinds"])
        first_kind = LEGEND_START + len(self.session.matrix.band_names()) + 1
        out += [
            (f"legend.{kind}", first_kind + i, ("visible",), kind in kinds)
            for i, kind in enumerate(KIND_SYMBOLS)
        ]
        return out

    def _outline_changes(self) -> list[Change]:
        """The selection: its outline, its flows drawn darker and a ring around it."""
        s = self.session
        flow = getattr(s, "selected_flow", None)
        selected = self._where.get(s.selected_component or "", None)
        pairs: list[tuple[Any, Any]] = []
        if flow and flow in {f.id for f in s.model.flows()}:
            f = s.model.flow(flow)
            pairs = [(self._where.get(f.source), self._where.get(f.target))]
        elif selected:
            pairs = [p for p in self._lines if selected in p]
        near: dict[str, list[Any]] = {"x": [], "y": [], "size": []}
        for pair in pairs:
            pts = self._lines.get(pair)
            if pts is None:
                continue
            near["x"] += [p[0] for p in pts] + [None]
            near["y"] += [p[1] for p in pts] + [None]
            near["size"] += [0] * (len(pts) - 1) + [12, 0]
        ring = self._xy.get(selected or "") or (self._dots.get(flow) if flow else None)
        ring_x, ring_y = ([ring[0]], [ring[1]]) if ring else ([None], [None])
        mark = self.EXTRA + 3
        return [
            ("outline.width", NODES, ("marker", "line", "width"),
             [4 if i == selected else 1 for i in self._ids]),
            ("outline.colour", NODES, ("marker", "line", "color"),
             ["#000000" if i == selected else "#444444" for i in self._ids]),
            ("near.x", NEAR, ("x",), near["x"]),
            ("near.y", NEAR, ("y",), near["y"]),
            ("near.size", NEAR, ("marker", "size"), near["size"]),
            ("ring.x", mark, ("x",), ring_x),
            ("ring.y", mark, ("y",), ring_y),
        ]

    def _apply(self, changes: list[Change], *, send: bool = True) -> bool:
        """Assign the properties that changed (plotly validates every assignment), then bring
        the synced state of the traces they belong to up to date (see :func:`sync_figure`)."""
        fresh = [c for c in changes if c[0] not in self._last or self._last[c[0]] != c[3]]
        if not fresh:
            return False
        touched: dict[int, set[str]] = {}
        with self.fig.batch_update():
            for key, index, path, value in fresh:
                target = self.fig.layout if index == LAYOUT else self.fig.data[index]
                for part in path[:-1]:
                    target = getattr(target, part)
                setattr(target, path[-1], value)
                self._last[key] = value
                touched.setdefault(index, set()).add(path[0])
        layout = touched.pop(LAYOUT, None) is not None
        sync_figure(self.fig, traces=touched, layout=layout, send=send)
        return True

    def _zones_html(self) -> str:
        counts: dict[str, int] = {}
        for c in self.session.model.components():
            counts[c.zone] = counts.get(c.zone, 0) + 1
        chips = []
        for z in sorted(self.session.model.zones(), key=lambda z: (z.trust, z.id)):
            if not counts.get(z.id):
                continue
            shut = z.id in self.collapsed
            chips.append(
                f'<button class="wb-chip" data-wb-action="zone" data-wb-value="{esc(z.id)}" '
                f'data-wb-group="zones" aria-pressed="{"true" if shut else "false"}" '
                f'title="{"open" if shut else "collapse"} this zone">'
                f"{'▸' if shut else '▾'} {esc(z.name)} ({counts[z.id]})</button>"
            )
        return (
            '<span class="wb-muted wb-small">zones (click to collapse or open):</span> '
            + "".join(chips)
        )

    def refresh(self) -> None:
        data = self._data()
        self._apply(self._data_changes(data) + self._outline_changes())
        self._refresh_text(data)

    def _refresh_text(self, data: dict[str, Any]) -> None:
        zones = self._zones_html()
        if self.zones.value != zones:
            self.zones.value = zones
        self.caption.value = self._caption(data["path"]["label"])

    def refresh_selection(self) -> None:
        """The selection changed: only its marks are drawn again (the whole graph when the
        view shows the selected component and its neighbours)."""
        if self.focus.value == "near":
            self.refresh()
            return
        self._apply(self._outline_changes(), send=False)  # the browser has the live update
        self.caption.value = self._caption(_path_caption(self.session))

    def _caption(self, path_label: str) -> str:
        s = self.session
        selected = s.selected_component
        flow = getattr(s, "selected_flow", None)
        parts = []
        if flow and flow in {f.id for f in s.model.flows()}:
            f = s.model.flow(flow)
            n = sum(1 for r in s.all_rows() if r["element"] == flow)
            parts.append(
                f"selected flow: <b>{esc(f.name)}</b> <span class='wb-muted'>"
                f"({esc(s.model.component(f.source).name)} → "
                f"{esc(s.model.component(f.target).name)}; {n} finding{'s' if n != 1 else ''})"
                "</span>"
            )
        elif selected and selected in s.model:
            comp = s.model.component(selected)
            parts.append(
                f"selected: <b>{esc(comp.name)}</b> <span class='wb-muted'>({esc(comp.id)})</span>"
            )
        else:
            parts.append(
                "<span class='wb-muted'>click a component or a flow's dot to focus on it; "
                "scroll to zoom, drag to pan, double click to fit the width again</span>"
            )
        if path_label:
            parts.append(f"<span style='color:{PATH_COLOUR};font-weight:600'>{path_label}</span>")
        return " &nbsp;·&nbsp; ".join(parts)
