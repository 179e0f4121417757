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
reports it from the browser) and is zoomed with plotly's toolbar and panned by
dragging (there is no scroll-wheel zoom); a double click fits it again. For
large systems a zone can be collapsed into one node, and the view filtered to
the selected attack path or to the selected component and its neighbours.

Every label and hover text is HTML-escaped (plotly renders a subset of HTML in
text), so a hostile display name shows as text.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import ipywidgets as W
import plotly.graph_objects as go

from workbench.layout import layout_view, route, zone_node
from workbench.ui.clickable import ClickableHTML, WidthProbe
from workbench.ui.style import GREY, PATH_COLOUR, esc, sync_figure

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


def graph_data(
    session: Any,
    *,
    large: bool = False,
    fit_width: int | None = None,
    collapsed: Any = (),
    focus: str = "all",
) -> dict[str, Any]:
    """Everything the figure shows, as plain data (tested without a browser).

    ``fit_width`` is the width of the area the figure fills (pixels);
    ``collapsed`` the zones drawn as one node each; ``focus`` one of
    :data:`FOCUS_OPTIONS` ("all", "path", "near").
    """
    model = session.model
    collapsed = frozenset(z for z in collapsed if any(z == x.id for x in model.zones()))
    keep = _keep(session, focus)
    if collapsed or keep is not None:
        layout, where = layout_view(model, collapsed=collapsed, keep=keep)
    else:
        layout = session.layout()
        where = {c: c for c in layout.positions}
    matrix = session.matrix
    risk = session.node_risk()
    counts: dict[str, int] = {}
    for r in session.all_rows():
        counts[r["element"]] = counts.get(r["element"], 0) + 1
    zones = {z.id: z for z in model.zones()}
    entries = {c.id for c in model.entry_points()}
    jewels = {c.id for c in model.crown_jewels()}
    pad_x, pad_y = 0.3, 0.45
    width = max(MIN_WIDTH, int(fit_width or FIT_WIDTH))
    units = layout.width + 2 * pad_x
    sx = min(PX_X, (width - MARGIN["l"] - MARGIN["r"]) / units)
    sy = PX_Y * (LARGE_Y if large else 1.0)  # large type: more room between rows
    x_extra = ((width - MARGIN["l"] - MARGIN["r"]) / sx - units) / 2  # centre a small graph
    height = int((layout.height + 2 * pad_y) * sy) + MARGIN["t"] + MARGIN["b"]
    show_labels = sx >= LABEL_MIN_PX

    # the drawn nodes: components, and one node per collapsed zone
    members: dict[str, list[Any]] = {}
    for c in model.components():
        node = where.get(c.id)
        if node is not None:
            members.setdefault(node, []).append(c)
    nodes: dict[str, Any] = {
        k: [] for k in ("ids", "textposition", "x", "y", "text", "hover", "colour", "symbol")
    }
    nodes["size"] = []
    marks: dict[str, dict[str, list[Any]]] = {
        "entry": {"x": [], "y": []},
        "jewel": {"x": [], "y": []},
    }
    node_size = NODE_SIZE_LARGE if large else NODE_SIZE
    chars = LABEL_LINE_LARGE if large else LABEL_LINE
    for node, comps in members.items():
        if node not in layout.positions:
            continue
        x, y = layout.positions[node]
        if (
            node.startswith("zone:")
            and node == zone_node(comps[0].zone)
            and comps[0].zone in collapsed
        ):
            zone = zones[comps[0].zone]
            best = max(
                (risk[c.id] for c in comps if c.id in risk), key=lambda b: b[1], default=None
            )
            n = sum(counts.get(c.id, 0) for c in comps)
            name = f"{zone.name} ({len(comps)})"
            hover = [
                f"<b>{esc(zone.name)}</b> (zone collapsed: click to open it)",
                f"trust {zone.trust}; {len(comps)} components, {n} findings",
                f"highest: {esc(best[0])} (score {best[1]})" if best else "highest: no finding",
            ]
            symbol, size = "square", node_size + 10
            is_entry = any(c.id in entries for c in comps)
            is_jewel = any(c.id in jewels for c in comps)
        else:
            c = comps[0]
            best = risk.get(c.id)
            zone = zones.get(c.zone)
            zone_text = f"{zone.name} (trust {zone.trust})" if zone else c.zone
            name = c.name
            roles = [
                w
                for w, on in (("entry point", c.id in entries), ("crown jewel", c.id in jewels))
                if on
            ]
            hover = [
                f"<b>{esc(c.name)}</b>",
                f"id: {esc(c.id)}",
                f"kind: {esc(c.kind)}",
                f"zone: {esc(zone_text)}",
                f"findings: {counts.get(c.id, 0)}",
                f"highest: {esc(best[0])} (score {best[1]})" if best else "highest: no finding",
            ] + ([esc(", ".join(roles))] if roles else [])
            symbol, size = KIND_SYMBOLS.get(c.kind, OTHER_SYMBOL), node_size
            is_entry, is_jewel = c.id in entries, c.id in jewels
        nodes["ids"].append(node)
        nodes["x"].append(x)
        nodes["y"].append(y)
        label = label_lines(name, chars) if show_labels or is_entry or is_jewel else ""
        nodes["text"].append(esc(label).replace("\n", "<br>"))
        nodes["hover"].append("<br>".join(hover))
        nodes["colour"].append(matrix.colour(best[0]) if best else GREY)
        nodes["symbol"].append(symbol)
        nodes["size"].append(size)
        if is_entry:
            marks["entry"]["x"].append(x)
            marks["entry"]["y"].append(y)
        if is_jewel:
            marks["jewel"]["x"].append(x + 9 / sx)
            marks["jewel"]["y"].append(y + 9 / sy)
    # the geometry (label places, routed flows) changes with the drawing, not with scores:
    # computed once per layout, width and text, then reused by every redraw
    key = (tuple(nodes["text"]), sx, sy, large, tuple(sorted(collapsed)), focus, tuple(where))
    cached = _GEOMETRY.get(id(layout))
    if cached is None or cached[0] is not layout or cached[1] != key:
        textposition, boxes = _label_positions(
            list(zip(nodes["x"], nodes["y"], strict=True)),
            [_plain(t) for t in nodes["text"]],
            sx=sx,
            sy=sy,
            large=large,
        )
        cached = (layout, key, textposition, boxes, {})
        if len(_GEOMETRY) > 16:
            _GEOMETRY.clear()
        _GEOMETRY[id(layout)] = cached
    nodes["textposition"] = list(cached[2])
    taken = list(cached[3])
    routes: dict[tuple[str, str, bool], list[tuple[float, float]]] = cached[4]

    # flows: merge parallel flows, offset the two directions of a pair, bend around nodes
    pairs: dict[tuple[str, str], list[Any]] = {}
    for f in model.flows():
        a, b = where.get(f.source), where.get(f.target)
        if a is None or b is None or a == b:
            continue
        if a in layout.positions and b in layout.positions:
            pairs.setdefault((a, b), []).append(f)
    obstacles = list(layout.positions.values())
    clearance = ((node_size / 2 + 5) / sx, (node_size / 2 + 5) / sy)
    node_r = node_size / 2 + 4
    fx: list[float | None] = []
    fy: list[float | None] = []
    fsize: list[int] = []
    hx: list[float] = []
    hy: list[float] = []
    htext: list[str] = []
    hids: list[str] = []
    labels: list[str] = []
    lines: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for (a, b), flows in pairs.items():
        both = (b, a) in pairs
        pts = routes.get((a, b, both))
        if pts is None:
            centre = route(layout.positions[a], layout.positions[b], obstacles, clearance=clearance)
            pts = routes[(a, b, both)] = _polyline(centre, node_r, sx, sy, 6.0 if both else 0.0)
        lines[(a, b)] = pts
        fx += [p[0] for p in pts] + [None]
        fy += [p[1] for p in pts] + [None]
        fsize += [0] * (len(pts) - 1) + [11, 0]
        mid = (
            pts[len(pts) // 2]
            if len(pts) > 2
            else ((pts[0][0] + pts[1][0]) / 2, (pts[0][1] + pts[1][1]) / 2)
        )
        hx.append(mid[0])
        hy.append(mid[1])
        with_findings = [f for f in flows if counts.get(f.id)]
        hids.append((with_findings or flows)[0].id)
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
        htext.append("<br>".join(text))
        labels.append(esc(_short(", ".join(carried).replace("_", " "), 22)))
    if len(pairs) > FLOW_LABELS_MAX or sx < LABEL_MIN_PX:
        labels = [""] * len(labels)
    # a flow's label only where it runs into no other label or marker (all are on hover)
    font = 14 if large else 10
    for i, label in enumerate(labels):
        if not label:
            continue
        half = len(_plain(label)) * font * 0.3
        lx, ly = hx[i] * sx, hy[i] * sy + 8
        spot = (lx - half, ly - font / 2, lx + half, ly + font / 2 + 2)
        if any(_overlap(spot, b) for b in taken):
            labels[i] = ""
        else:
            taken.append(spot)

    # the selected attack path
    px: list[float | None] = []
    py: list[float | None] = []
    psize: list[int] = []
    path_label = ""
    paths = session.attack_paths()
    if session.selected_path is not None and 0 <= session.selected_path < len(paths):
        path = paths[session.selected_path]
        for hop in path.hops:
            a, b = where.get(hop.source), where.get(hop.node)
            if a is None or b is None or a == b:
                continue
            found = lines.get((a, b))
            if found is None and a in layout.positions and b in layout.positions:
                found = _polyline([layout.positions[a], layout.positions[b]], node_r, sx, sy, 0.0)
            if found is None:
                continue
            px += [p[0] for p in found] + [None]
            py += [p[1] for p in found] + [None]
            psize += [0] * (len(found) - 1) + [14, 0]
        names = [model.component(n).name if n in model else n for n in path.nodes]
        path_label = "attack path: " + " → ".join(esc(_short(n, 30)) for n in names)

    shapes = []
    annotations = []
    for i, box in enumerate(layout.zones):
        alpha = 0.05 + 0.13 * (i / max(1, len(layout.zones) - 1))
        shapes.append(
            dict(
                type="rect",
                xref="x",
                yref="y",
                x0=box.x0 - 0.08,
                x1=box.x1 + 0.08,
                y0=box.y0 - pad_y + 0.05,
                y1=box.y1 + pad_y - 0.05,
                fillcolor=f"rgba(0,114,178,{alpha:.3f})",
                line=dict(color="rgba(0,114,178,0.55)", width=1, dash="dot"),
                layer="below",
            )
        )
        box_px = (box.x1 - box.x0 + 0.16) * sx
        font = FONTS[large]["zone"]
        fits = max(4, int(box_px / (font * 0.6)))
        annotations.append(
            dict(
                x=(box.x0 + box.x1) / 2,
                y=box.y1 + pad_y,
                xref="x",
                yref="y",
                text=f"<b>{esc(_short(box.name, fits))}</b><br>trust {box.trust}",
                hovertext=esc(box.name),
                showarrow=False,
                yanchor="bottom",
                font=dict(size=font),
            )
        )
    return {
        "nodes": nodes,
        "flows": {"x": fx, "y": fy, "size": fsize},
        "flow_hover": {"x": hx, "y": hy, "text": htext, "ids": hids, "labels": labels},
        "path": {"x": px, "y": py, "size": psize, "label": path_label},
        "marks": marks,
        "shapes": shapes,
        "annotations": annotations,
        "lines": lines,
        "where": where,
        "width": width,
        "height": height,
        "x_range": [-pad_x - x_extra, layout.width + pad_x + x_extra],
        "y_range": [-pad_y, layout.height + pad_y],
        "kinds": sorted({c.kind for c in model.components() if c.id in where}),
    }


#: Label places and routed flows per drawn layout (see graph_data).
_GEOMETRY: dict[int, tuple[Any, Any, list[str], list[Any], dict[Any, Any]]] = {}


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

    NODE_TRACE = 4
    LEGEND_START = 5

    def __init__(self, session: Any, on_message: Callable[[str, bool], None] | None = None):
        self.session = session
        self._message = on_message or (lambda text, ok: None)
        self._ids: list[str] = []
        self._flow_ids: list[str] = []
        self._lines: dict[tuple[str, str], list[tuple[float, float]]] = {}
        self._where: dict[str, str] = {}
        self._last: dict[str, Any] = {}
        self.collapsed: set[str] = set()
        self._build_traces()
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
        self.box = box = W.VBox([self.fig], layout=W.Layout(width="100%"))
        box.add_class("wb-graph")
        bar = W.HBox([self.show_all, self.focus, self.caption])
        bar.add_class("wb-graph-bar")
        self.widget = W.VBox([bar, self.zones, self.probe, box])
        self.refresh()

    # -- building ----------------------------------------------------------------
    def _build_traces(self) -> None:
        """Create the figure with every trace and the layout at once.

        Traces added to a FigureWidget with ``add_scatter`` before it is shown lose
        their initial properties in the browser (seen with plotly 7.1), so the
        figure is built from complete data, and later changes are plain updates.
        """
        matrix = self.session.matrix
        arrow = dict(symbol="arrow", angleref="previous")
        data = [
            go.Scatter(
                mode="lines+markers",
                line=dict(color=FLOW_COLOUR, width=1.3),
                marker=dict(**arrow, color=FLOW_COLOUR, size=0),
                hoverinfo="skip",
                showlegend=False,
                name="flows",
            ),
            go.Scatter(
                mode="markers",
                marker=dict(size=14, color="rgba(90,90,90,0.25)", symbol="circle"),
                hoverinfo="text",
                showlegend=False,
                name="flow details",
            ),
            go.Scatter(
                mode="lines+markers",
                line=dict(color="#000000", width=2.2),
                marker=dict(**arrow, color="#000000", size=0),
                hoverinfo="skip",
                showlegend=False,
                name="flows of the selected component",
            ),
            go.Scatter(
                mode="lines+markers",
                line=dict(color=PATH_COLOUR, width=5),
                marker=dict(**arrow, color=PATH_COLOUR, size=0),
                hoverinfo="skip",
                showlegend=False,
                name="attack path",
            ),
            go.Scatter(
                mode="markers+text",
                textposition="bottom center",
                hoverinfo="text",
                marker=dict(size=NODE_SIZE, color=GREY, line=dict(width=1, color="#444444")),
                showlegend=False,
                name="components",
                cliponaxis=False,
            ),
        ]
        for band in [*matrix.band_names(), None]:
            data.append(
                go.Scatter(
                    x=[None],
                    y=[None],
                    mode="markers",
                    marker=dict(
                        size=12, symbol="square", color=matrix.colour(band) if band else GREY
                    ),
                    name=f"band: {esc(band)}" if band else "no finding",
                    hoverinfo="skip",
                )
            )
        for kind, symbol in KIND_SYMBOLS.items():
            data.append(
                go.Scatter(
                    x=[None],
                    y=[None],
                    mode="markers",
                    marker=dict(size=11, symbol=symbol, color="#777777"),
                    name=kind.replace("_", " "),
                    hoverinfo="skip",
                )
            )
        self.EXTRA = len(data)
        data += [
            go.Scatter(
                mode="text",
                textfont=dict(size=10, color="#333333"),
                textposition="top center",
                hoverinfo="skip",
                showlegend=False,
                name="flow labels",
                cliponaxis=False,
            ),
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                marker=dict(
                    symbol="circle-open",
                    size=NODE_SIZE + 12,
                    color=ENTRY_COLOUR,
                    line=dict(width=3, color=ENTRY_COLOUR),
                ),
                hoverinfo="skip",
                name="entry point (ring)",
            ),
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                marker=dict(
                    symbol="star", size=13, color=JEWEL_COLOUR, line=dict(width=1, color="#000000")
                ),
                hoverinfo="skip",
                name="crown jewel (star)",
            ),
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                marker=dict(
                    symbol="circle-open",
                    size=NODE_SIZE + 22,
                    color="#000000",
                    line=dict(width=3, color="#000000"),
                ),
                hoverinfo="skip",
                showlegend=False,
                name="selected",
            ),
        ]
        layout = go.Layout(
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
            margin=MARGIN,
            plot_bgcolor="white",
            paper_bgcolor="white",
            hovermode="closest",
            dragmode="pan",
            xaxis=dict(visible=False),
            yaxis=dict(visible=False),
            clickmode="event",
        )
        self.fig = go.FigureWidget(data=data, layout=layout)
        self.fig.data[self.NODE_TRACE].on_click(self._on_click)
        self.fig.data[1].on_click(self._on_flow_click)

    def _resized(self) -> None:
        """A new width: draw a new figure at it.

        The browser draws a new FigureWidget from its whole state; updates to one
        that is still being drawn the first time (or was drawn while scrolled out
        of a notebook's view) can be lost, leaving an empty plot.
        """
        old = self.fig
        self._last = {}
        self._build_traces()
        self.refresh()
        sync_figure(self.fig)
        self.box.children = [self.fig]
        old.close()

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
        result = self.session.select_component(component_id)
        if not result.ok:
            self._message(result.message, False)

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
    def _put(self, key: str, target: Any, attr: str, value: Any) -> bool:
        """Assign a figure property only when it changed (plotly validates every assignment)."""
        if key in self._last and self._last[key] == value:
            return False
        setattr(target, attr, value)
        self._last[key] = value
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
        large = bool(self.session.large_type)
        width = self.probe.width or FIT_WIDTH
        data = graph_data(
            self.session,
            large=large,
            fit_width=width,
            collapsed=self.collapsed,
            focus=str(self.focus.value),
        )
        nodes = data["nodes"]
        self._ids = list(nodes["ids"])
        self._flow_ids = list(data["flow_hover"]["ids"])
        self._lines = data["lines"]
        self._where = data["where"]
        fonts = FONTS[large]
        fig = self.fig
        kinds = set(data["kinds"])
        band_count = len(self.session.matrix.band_names()) + 1
        flows, hover, path, node = fig.data[0], fig.data[1], fig.data[3], fig.data[self.NODE_TRACE]
        flow_colour = FLOW_COLOUR if len(data["flow_hover"]["x"]) < 100 else FLOW_COLOUR_MANY
        marks = data["marks"]
        changes = [
            ("flows.x", flows, "x", data["flows"]["x"]),
            ("flows.y", flows, "y", data["flows"]["y"]),
            ("flows.size", flows.marker, "size", data["flows"]["size"]),
            ("flows.line", flows.line, "color", flow_colour),
            ("flows.marker", flows.marker, "color", flow_colour),
            ("hover.x", hover, "x", data["flow_hover"]["x"]),
            ("hover.y", hover, "y", data["flow_hover"]["y"]),
            ("hover.text", hover, "hovertext", data["flow_hover"]["text"]),
            ("hover.ids", hover, "customdata", data["flow_hover"]["ids"]),
            ("labels.x", self.flow_labels, "x", data["flow_hover"]["x"]),
            ("labels.y", self.flow_labels, "y", data["flow_hover"]["y"]),
            ("labels.text", self.flow_labels, "text", data["flow_hover"]["labels"]),
            ("labels.font", self.flow_labels.textfont, "size", 14 if large else 10),
            ("entry.x", self.entry_marks, "x", marks["entry"]["x"] or [None]),
            ("entry.y", self.entry_marks, "y", marks["entry"]["y"] or [None]),
            ("jewel.x", self.jewel_marks, "x", marks["jewel"]["x"] or [None]),
            ("jewel.y", self.jewel_marks, "y", marks["jewel"]["y"] or [None]),
            (
                "entry.size",
                self.entry_marks.marker,
                "size",
                (NODE_SIZE_LARGE if large else NODE_SIZE) + 12,
            ),
            ("path.x", path, "x", data["path"]["x"]),
            ("path.y", path, "y", data["path"]["y"]),
            ("path.size", path.marker, "size", data["path"]["size"]),
            ("node.x", node, "x", nodes["x"]),
            ("node.y", node, "y", nodes["y"]),
            ("node.text", node, "text", nodes["text"]),
            ("node.textposition", node, "textposition", nodes["textposition"]),
            ("node.hover", node, "hovertext", nodes["hover"]),
            ("node.ids", node, "customdata", nodes["ids"]),
            ("node.colour", node.marker, "color", nodes["colour"]),
            ("node.symbol", node.marker, "symbol", nodes["symbol"]),
            ("node.size", node.marker, "size", nodes["size"]),
            ("node.font", node.textfont, "size", fonts["label"]),
            ("shapes", fig.layout, "shapes", data["shapes"]),
            ("annotations", fig.layout, "annotations", data["annotations"]),
            ("width", fig.layout, "width", data["width"]),
            ("height", fig.layout, "height", data["height"] + (40 if large else 0)),
            ("xrange", fig.layout.xaxis, "range", data["x_range"]),
            ("yrange", fig.layout.yaxis, "range", data["y_range"]),
            ("font", fig.layout.font, "size", fonts["base"]),
            ("legend", fig.layout.legend.font, "size", 15 if large else 11),
            ("margin", fig.layout.margin, "b", 110 if large else 70),
        ]
        changes += [
            (
                f"legend.{kind}",
                fig.data[self.LEGEND_START + band_count + i],
                "visible",
                kind in kinds,
            )
            for i, kind in enumerate(KIND_SYMBOLS)
        ]
        changed = False
        with fig.batch_update():
            for key, target, attr, value in changes:
                changed = self._put(key, target, attr, value) or changed
            changed = self._outline() or changed
        if changed:
            sync_figure(fig)
        zones = self._zones_html()
        if self.zones.value != zones:
            self.zones.value = zones
        self.caption.value = self._caption(data["path"]["label"])

    def refresh_selection(self) -> None:
        # the outline only: live updates reach a shown figure; the synced state is
        # brought up to date at the next full refresh (or when shown again)
        if self.focus.value == "near":
            self.refresh()
            return
        with self.fig.batch_update():
            self._outline()
        self.caption.value = self._caption(self._path_label())

    def _outline(self) -> bool:
        s = self.session
        flow = getattr(s, "selected_flow", None)
        selected = self._where.get(s.selected_component or "", None)
        node = self.fig.data[self.NODE_TRACE]
        xs: list[float | None] = []
        ys: list[float | None] = []
        sizes: list[int] = []
        pairs = []
        if flow and flow in {f.id for f in s.model.flows()}:
            f = s.model.flow(flow)
            pairs = [(self._where.get(f.source), self._where.get(f.target))]
        elif selected:
            pairs = [p for p in self._lines if selected in p]
        for pair in pairs:
            pts = self._lines.get(pair)  # type: ignore[arg-type]
            if pts is None:
                continue
            xs += [p[0] for p in pts] + [None]
            ys += [p[1] for p in pts] + [None]
            sizes += [0] * (len(pts) - 1) + [12, 0]
        ring_x: list[float | None] = [None]
        ring_y: list[float | None] = [None]
        if selected in self._ids:
            i = self._ids.index(selected)
            ring_x, ring_y = [node.x[i]], [node.y[i]]
        elif flow and flow in self._flow_ids:
            i = self._flow_ids.index(flow)
            hover = self.fig.data[1]
            ring_x, ring_y = [hover.x[i]], [hover.y[i]]
        near = self.fig.data[2]
        changed = False
        for key, target, attr, value in (
            (
                "outline.width",
                node.marker.line,
                "width",
                [4 if i == selected else 1 for i in self._ids],
            ),
            (
                "outline.colour",
                node.marker.line,
                "color",
                ["#000000" if i == selected else "#444444" for i in self._ids],
            ),
            ("near.x", near, "x", xs),
            ("near.y", near, "y", ys),
            ("near.size", near.marker, "size", sizes),
            ("ring.x", self.selected_mark, "x", ring_x),
            ("ring.y", self.selected_mark, "y", ring_y),
        ):
            changed = self._put(key, target, attr, value) or changed
        return changed

    def _path_label(self) -> str:
        paths = self.session.attack_paths()
        index = self.session.selected_path
        if index is None or not 0 <= index < len(paths):
            return ""
        model = self.session.model
        names = [model.component(n).name if n in model else n for n in paths[index].nodes]
        return "attack path: " + " → ".join(esc(_short(n, 30)) for n in names)

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
                "toolbar to zoom (no scroll wheel), drag to pan, double click to fit</span>"
            )
        if path_label:
            parts.append(f"<span style='color:{PATH_COLOUR};font-weight:600'>{path_label}</span>")
        return " &nbsp;·&nbsp; ".join(parts)
