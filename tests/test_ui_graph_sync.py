"""The graph redraws only what changed, and its synced state stays the figure it shows.

A view created later (a reload, a figure shown after its updates) is drawn from
the FigureWidget's synced traits; the workbench copies into them only the
traces and properties a redraw touched, so these tests compare the synced
state with the figure after selections, score changes, decisions and resizes.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("ipywidgets")
pytest.importorskip("plotly")
pytest.importorskip("anywidget")

import plotly.graph_objects as go

from workbench.session import Session
from workbench.ui import Workbench
from workbench.ui.graph import CONFIG, GraphView


def _clock() -> dt.datetime:
    return dt.datetime(2026, 5, 4, 9, 30, tzinfo=dt.UTC)


@pytest.fixture()
def wb(tmp_path: Path) -> Workbench:
    session = Session.start(
        tmp_path / "project", template="support-assistant", actor="tester", clock=_clock
    )
    return Workbench(session)


def _without_uids(data: Any) -> Any:
    out = copy.deepcopy(data)
    for trace in out:
        trace.pop("uid", None)
    return out


def _in_step(graph: GraphView) -> None:
    fig = graph.fig
    assert _without_uids(fig._widget_data) == _without_uids(fig._data)
    assert fig._widget_layout == fig._layout_obj._props


def test_the_synced_state_follows_every_kind_of_redraw(wb: Workbench) -> None:
    graph, s = wb.graph, wb.session
    _in_step(graph)
    component = next(r["element"] for r in s.all_rows() if r["element_type"] == "component")
    s.select_component(component)  # the selection's marks only
    _in_step(graph)
    assert graph.selected_mark.x[0] is not None
    row = s.finding_row()
    assert row is not None
    wb.finding.likelihood.value = 1 if row["likelihood"] != 1 else 2
    wb.finding.override_reason.value = "seen in the pilot"
    colours = list(graph.fig.data[GraphView.NODE_TRACE].marker.color)
    wb.finding.apply.click()
    assert "wb-ok" in wb.finding.score_message.value
    _in_step(graph)
    wb.finding.treatment.value = "mitigate"
    wb.finding.rationale.value = "input filter planned"
    wb.finding.owner.value = "Platform team"
    wb.finding.record.click()
    _in_step(graph)
    graph.probe.width = 640  # a new figure at the new width, with the selection kept
    _in_step(graph)
    assert graph.fig.layout.width == 640
    assert graph.selected_mark.x[0] is not None
    assert len(graph.fig.data[GraphView.NODE_TRACE].marker.color) == len(colours)
    s.select_component(None)
    _in_step(graph)
    assert graph.selected_mark.x[0] is None


def test_a_score_change_redraws_the_node_colour_without_refreshing_the_filters(
    wb: Workbench,
) -> None:
    s = wb.session
    rows = [r for r in s.all_rows() if r["element_type"] == "component"]
    element = rows[0]["element"]
    mine = [r for r in rows if r["element"] == element]
    s.select_component(element)
    options = wb.table.component.options
    for r in mine:  # every finding of the component down to the lowest score
        assert s.override_score(r["id"], 1, 1, "not reachable from outside").ok
    assert wb.table.component.options is options  # the filters' options were left alone
    graph = wb.graph
    i = graph._ids.index(element)
    low = s.matrix.colour(s.matrix.band(1, 1))
    assert graph.fig.data[GraphView.NODE_TRACE].marker.color[i] == low
    assert f"score {s.matrix.score(1, 1)}" in graph.fig.data[GraphView.NODE_TRACE].hovertext[i]
    assert all(r["score"] == s.matrix.score(1, 1) for r in s.page_rows())  # the table too


def test_the_figure_zooms_with_the_wheel_and_its_spec_is_valid(wb: Workbench) -> None:
    graph = wb.graph
    assert graph.fig._config["scrollZoom"] is True
    assert CONFIG["doubleClick"] == "reset"  # a double click fits the width again
    assert graph.fig.layout.dragmode == "pan"
    for width in (390, 1366, 1920):
        graph.probe.width = width
        traces, layout = graph.figure_spec()
        checked = go.Figure(data=traces, layout=layout)  # plotly validates every value
        assert checked.layout.width == width
        # fit to the width: the drawing's x range holds every node within the figure
        x0, x1 = graph.fig.layout.xaxis.range
        xs = [x for x in graph.fig.data[GraphView.NODE_TRACE].x if x is not None]
        assert x0 <= min(xs) and max(xs) <= x1


def test_the_open_questions_show_a_finding_at_its_new_band(wb: Workbench) -> None:
    s = wb.session
    html = wb.questions.html.value
    asked = next(r for r in s.all_rows() if f'data-wb-value="{r["id"]}"' in html)
    low = s.matrix.band(1, 1)
    assert asked["band"] != low
    assert s.override_score(asked["id"], 1, 1, "only reachable by staff").ok
    item = wb.questions.html.value.split(f'data-wb-value="{asked["id"]}"')[1].split("</")[0]
    assert item.endswith(f">{low}"), item  # the badge's word


def test_a_width_drawn_before_is_drawn_again_the_same(wb: Workbench) -> None:
    graph = wb.graph
    graph.probe.width = 640
    first = graph.figure_spec()
    graph.probe.width = 1500  # another drawing (its geometry kept beside the first)
    assert graph.figure_spec() != first
    graph.probe.width = 640
    assert graph.figure_spec() == first
    _in_step(graph)
