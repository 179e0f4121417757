"""The system graph: trust zones, components and flows in a plotly FigureWidget.

Positions come from :meth:`Session.layout` (zones as columns by trust, stable
between runs). The figure keeps a fixed set of traces, so refreshing only
changes their data and the click handler stays attached:

====  ===========================================================
0     flows: lines with an arrowhead at the target
1     flow hover points (one invisible marker in the middle of each flow)
2     the flows of the selected component, drawn darker
3     the selected attack path, drawn over the flows
4     components: a marker per component (symbol by kind, colour by band)
5...  legend entries: one per band plus "no finding", then one per kind
====  ===========================================================

Every label and hover text is HTML-escaped (plotly renders a subset of HTML in
text), so a hostile display name shows as text.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import ipywidgets as W
import plotly.graph_objects as go

from workbench.ui.style import GREY, PATH_COLOUR, esc, sync_figure

__all__ = ["KIND_SYMBOLS", "GraphView", "graph_data"]

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

PX_X = 150  # pixels per layout unit across (a zone column is one unit wide)
PX_Y = 80  # pixels per layout unit down (one component row)
MARGIN = dict(l=10, r=10, t=56, b=70)
LEGEND_HEIGHT = 0
LABEL_CHARS = 21
LABEL_CHARS_LARGE = 16
NODE_SIZE = 20
FIT_MAX_UNITS = 14  # up to this many layout units across, the graph fits the page width
LARGE_Y = 1.3
FIT_WIDTH = 1100  # pixels: the width of a notebook's output area with the sidebar closed
NODE_SIZE_LARGE = 28
FLOW_COLOUR = "rgba(70,70,70,0.6)"
FLOW_COLOUR_MANY = "rgba(70,70,70,0.35)"  # a hundred flows and more: lighter lines


def _short(text: str, n: int = LABEL_CHARS) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _yes_no(value: bool | None) -> str:
    return "unstated" if value is None else ("yes" if value else "no")


def _label_positions(
    points: list[tuple[float, float]], labels: list[str], *, scale_x: float, large: bool
) -> list[str]:
    """Below or above each marker, whichever does not run into a label already placed.

    Greedy, left to right, in pixels (the x scale is that of the drawn figure).
    """
    font = FONTS[large]["label"]
    char_w, height = font * 0.58, font + 3
    gap = (NODE_SIZE_LARGE if large else NODE_SIZE) / 2 + 2
    placed: list[tuple[float, float, float, float]] = []
    out = [""] * len(points)
    order = sorted(range(len(points)), key=lambda i: (points[i][0], -points[i][1]))
    for i in order:
        x, y = points[i][0] * PX_X * scale_x, points[i][1] * PX_Y * (LARGE_Y if large else 1.0)
        half = len(labels[i]) * char_w / 2
        below = (x - half, y - gap - height, x + half, y - gap)
        above = (x - half, y + gap, x + half, y + gap + height)
        choice, box = "bottom center", below
        if any(_overlap(below, b) for b in placed) and not any(_overlap(above, b) for b in placed):
            choice, box = "top center", above
        placed.append(box)
        out[i] = choice
    return out


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def graph_data(
    session: Any, *, large: bool = False, fit_width: int | None = None
) -> dict[str, Any]:
    """Everything the figure shows, as plain data (tested without a browser).

    ``fit_width`` is the width the figure is drawn at when it is fitted to the
    page (labels are placed for that scale).
    """
    model = session.model
    layout = session.layout()
    matrix = session.matrix
    risk = session.node_risk()
    counts: dict[str, int] = {}
    for r in session.all_rows():
        if r["element_type"] == "component":
            counts[r["element"]] = counts.get(r["element"], 0) + 1
    comps = [c for c in model.components() if c.id in layout.positions]
    zones = {z.id: z for z in model.zones()}
    sx, sy = PX_X, PX_Y * (LARGE_Y if large else 1.0)  # large type: more room between rows
    pad_x, pad_y = 0.25, 0.35
    width = int((layout.width + 2 * pad_x) * sx) + MARGIN["l"] + MARGIN["r"]
    height = int((layout.height + 2 * pad_y) * sy) + MARGIN["t"] + MARGIN["b"] + LEGEND_HEIGHT
    width = max(width, 640)

    nodes: dict[str, Any] = {
        "ids": [],
        "textposition": [],
        "x": [],
        "y": [],
        "text": [],
        "hover": [],
        "colour": [],
        "symbol": [],
    }
    for c in comps:
        x, y = layout.positions[c.id]
        band, score = risk.get(c.id, (None, None))
        zone = zones.get(c.zone)
        zone_text = f"{zone.name} (trust {zone.trust})" if zone else c.zone
        n = counts.get(c.id, 0)
        hover = [
            f"<b>{esc(c.name)}</b>",
            f"id: {esc(c.id)}",
            f"kind: {esc(c.kind)}",
            f"zone: {esc(zone_text)}",
            f"findings: {n}",
            f"highest: {esc(band)} (score {score})" if band else "highest: no finding",
        ]
        nodes["ids"].append(c.id)
        nodes["x"].append(x)
        nodes["y"].append(y)
        nodes["text"].append(esc(_short(c.name, LABEL_CHARS_LARGE if large else LABEL_CHARS)))
        nodes["hover"].append("<br>".join(hover))
        nodes["colour"].append(matrix.colour(band) if band else GREY)
        nodes["symbol"].append(KIND_SYMBOLS.get(c.kind, OTHER_SYMBOL))

    scale_x = min(1.0, fit_width / width) if fit_width else 1.0
    nodes["textposition"] = _label_positions(
        list(zip(nodes["x"], nodes["y"], strict=True)),
        [t.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">") for t in nodes["text"]],
        scale_x=scale_x,
        large=large,
    )

    # flows: merge parallel flows, offset the two directions of a pair
    pairs: dict[tuple[str, str], list[Any]] = {}
    for f in model.flows():
        if f.source in layout.positions and f.target in layout.positions:
            pairs.setdefault((f.source, f.target), []).append(f)
    node_r = (NODE_SIZE_LARGE if large else NODE_SIZE) / 2 + 4
    fx: list[float | None] = []
    fy: list[float | None] = []
    fsize: list[int] = []
    hx: list[float] = []
    hy: list[float] = []
    htext: list[str] = []
    segments: dict[str, tuple[float, float, float, float]] = {}
    for (a, b), flows in pairs.items():
        x0, y0, x1, y1 = _segment(
            layout.positions[a], layout.positions[b], node_r, offset=(b, a) in pairs
        )
        for f in flows:
            segments[f.id] = (x0, y0, x1, y1)
        fx += [x0, x1, None]
        fy += [y0, y1, None]
        fsize += [0, 11, 0]
        hx.append((x0 + x1) / 2)
        hy.append((y0 + y1) / 2)
        lines = []
        for f in flows:
            src, dst = model.component(f.source).name, model.component(f.target).name
            lines += [
                f"<b>{esc(f.name)}</b>: {esc(src)} → {esc(dst)}",
                f"data: {esc(', '.join(f.data) or 'unstated')}",
                f"encrypted: {_yes_no(f.encrypted)}, authenticated: {_yes_no(f.authenticated)}"
                + (f", protocol: {esc(f.protocol)}" if f.protocol else ""),
            ]
        htext.append("<br>".join(lines))

    # the selected attack path
    px: list[float | None] = []
    py: list[float | None] = []
    psize: list[int] = []
    path_label = ""
    paths = session.attack_paths()
    if session.selected_path is not None and 0 <= session.selected_path < len(paths):
        path = paths[session.selected_path]
        for hop in path.hops:
            seg = segments.get(hop.flow)
            if seg is None and hop.source in layout.positions and hop.node in layout.positions:
                seg = _segment(layout.positions[hop.source], layout.positions[hop.node], node_r)
            if seg is None:
                continue
            px += [seg[0], seg[2], None]
            py += [seg[1], seg[3], None]
            psize += [0, 14, 0]
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
        annotations.append(
            dict(
                x=(box.x0 + box.x1) / 2,
                y=box.y1 + pad_y,
                xref="x",
                yref="y",
                text=f"<b>{esc(_short(box.name, 19 * max(1, round(box.x1 - box.x0))))}</b>"
                f"<br>trust {box.trust}",
                showarrow=False,
                yanchor="bottom",
                font=dict(size=FONTS[large]["zone"]),
            )
        )
    return {
        "nodes": nodes,
        "flows": {"x": fx, "y": fy, "size": fsize},
        "flow_hover": {"x": hx, "y": hy, "text": htext},
        "path": {"x": px, "y": py, "size": psize, "label": path_label},
        "shapes": shapes,
        "annotations": annotations,
        "segments": {
            pair: _segment(
                layout.positions[pair[0]],
                layout.positions[pair[1]],
                node_r,
                offset=(pair[1], pair[0]) in pairs,
            )
            for pair in pairs
        },
        "width": width,
        "height": height,
        "x_range": [-pad_x, layout.width + pad_x],
        "y_range": [-pad_y, layout.height + pad_y],
        "kinds": sorted({c.kind for c in comps}),
    }


FONTS = {
    False: {"label": 11, "zone": 12, "base": 12},
    True: {"label": 16, "zone": 17, "base": 17},
}


def _segment(
    a: tuple[float, float], b: tuple[float, float], r: float, *, offset: bool = False
) -> tuple[float, float, float, float]:
    """A line from a to b, shortened by *r* pixels at both ends (and shifted if a pair)."""
    dx, dy = (b[0] - a[0]) * PX_X, (b[1] - a[1]) * PX_Y
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length
    ox = oy = 0.0
    if offset:  # shift to the right of the direction of travel, so a pair shows two lines
        ox, oy = uy * 6 / PX_X, -ux * 6 / PX_Y
    cut = min(r, length / 3)
    return (
        a[0] + ux * cut / PX_X + ox,
        a[1] + uy * cut / PX_Y + oy,
        b[0] - ux * cut / PX_X + ox,
        b[1] - uy * cut / PX_Y + oy,
    )


class GraphView:
    """The component graph; clicking a node calls ``session.select_component``."""

    NODE_TRACE = 4
    LEGEND_START = 5

    def __init__(self, session: Any, on_message: Callable[[str, bool], None] | None = None):
        self.session = session
        self._message = on_message or (lambda text, ok: None)
        self._ids: list[str] = []
        self._segments: dict[tuple[str, str], tuple[float, float, float, float]] = {}
        self._last: dict[str, Any] = {}
        self._build_traces()
        self.show_all = W.Button(
            description="show all", tooltip="Clear the component selection", icon="eye"
        )
        self.show_all.on_click(lambda _b: self._show_all())
        fits = session.layout().width <= FIT_MAX_UNITS
        self.size = W.ToggleButtons(
            options=[("fit width", "fit"), ("full size", "full")],
            value="fit" if fits else "full",
            tooltip="fit the graph to the width of the page, or draw it at full size (scroll)",
            style={"button_width": "auto"},
        )
        self.size.observe(lambda _c: self.refresh(), names="value")
        self.caption = W.HTML()
        self.caption.add_class("wb-html")
        # at full size the figure scrolls inside this box
        box = W.VBox([self.fig], layout=W.Layout(overflow="auto", width="100%", max_height="900px"))
        box.add_class("wb-graph")
        self.widget = W.VBox(
            [
                W.HBox(
                    [self.show_all, self.size, self.caption], layout=W.Layout(align_items="center")
                ),
                box,
            ]
        )
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
                marker=dict(size=12, color="rgba(0,0,0,0)"),
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

    # -- callbacks ------------------------------------------------------------------
    def _on_click(self, _trace: Any, points: Any, _state: Any) -> None:
        if not points.point_inds:
            return
        index = points.point_inds[0]
        if 0 <= index < len(self._ids):
            self.select(self._ids[index])

    def select(self, component_id: str | None) -> None:
        result = self.session.select_component(component_id)
        if not result.ok:
            self._message(result.message, False)

    def _show_all(self) -> None:
        self.session.select_component(None)

    # -- drawing -----------------------------------------------------------------------
    def _put(self, key: str, target: Any, attr: str, value: Any) -> bool:
        """Assign a figure property only when it changed (plotly validates every assignment)."""
        if key in self._last and self._last[key] == value:
            return False
        setattr(target, attr, value)
        self._last[key] = value
        return True

    def refresh(self) -> None:
        large = bool(self.session.large_type)
        data = graph_data(
            self.session, large=large, fit_width=FIT_WIDTH if self.size.value == "fit" else None
        )
        nodes = data["nodes"]
        self._ids = list(nodes["ids"])
        self._segments = data["segments"]
        fonts = FONTS[large]
        fig = self.fig
        kinds = set(data["kinds"])
        band_count = len(self.session.matrix.band_names()) + 1
        flows, hover, path, node = fig.data[0], fig.data[1], fig.data[3], fig.data[self.NODE_TRACE]
        flow_colour = FLOW_COLOUR if len(data["flows"]["size"]) < 300 else FLOW_COLOUR_MANY
        # plotly's widget does not follow its container's width (it sizes itself
        # once, before it is attached), so "fit" means a width most notebooks show
        full = data["width"]
        width = min(full, FIT_WIDTH) if self.size.value == "fit" else full
        changes = [
            ("flows.x", flows, "x", data["flows"]["x"]),
            ("flows.y", flows, "y", data["flows"]["y"]),
            ("flows.size", flows.marker, "size", data["flows"]["size"]),
            ("flows.line", flows.line, "color", flow_colour),
            ("flows.marker", flows.marker, "color", flow_colour),
            ("hover.x", hover, "x", data["flow_hover"]["x"]),
            ("hover.y", hover, "y", data["flow_hover"]["y"]),
            ("hover.text", hover, "hovertext", data["flow_hover"]["text"]),
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
            ("node.size", node.marker, "size", NODE_SIZE_LARGE if large else NODE_SIZE),
            ("node.font", node.textfont, "size", fonts["label"]),
            ("shapes", fig.layout, "shapes", data["shapes"]),
            ("annotations", fig.layout, "annotations", data["annotations"]),
            ("width", fig.layout, "width", width),
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
        self.caption.value = self._caption(data["path"]["label"])

    def refresh_selection(self) -> None:
        # the outline only: live updates reach a shown figure; the synced state is
        # brought up to date at the next full refresh (or when shown again)
        with self.fig.batch_update():
            self._outline()
        self.caption.value = self._caption(self._path_label())

    def _outline(self) -> bool:
        selected = self.session.selected_component
        node = self.fig.data[self.NODE_TRACE]
        xs: list[float | None] = []
        ys: list[float | None] = []
        sizes: list[int] = []
        if selected:
            for (a, b), seg in self._segments.items():
                if selected in (a, b):
                    xs += [seg[0], seg[2], None]
                    ys += [seg[1], seg[3], None]
                    sizes += [0, 12, 0]
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
        selected = self.session.selected_component
        parts = []
        if selected and selected in self.session.model:
            comp = self.session.model.component(selected)
            parts.append(
                f"selected: <b>{esc(comp.name)}</b> <span class='wb-muted'>({esc(comp.id)})</span>"
            )
        else:
            parts.append("<span class='wb-muted'>click a component to focus on it</span>")
        if path_label:
            parts.append(f"<span style='color:{PATH_COLOUR};font-weight:600'>{path_label}</span>")
        return " &nbsp;·&nbsp; ".join(parts)
