"""Headless tests of the workbench widgets: no kernel, no browser.

ipywidgets run without a front end (a dummy comm), their callbacks fire
synchronously, ``Button.click()`` runs the click handlers, and a plotly
FigureWidget click is simulated with ``trace._dispatch_on_click`` and once with
the exact message the browser sends (``fig._js2py_pointsCallback``).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("ipywidgets")
pytest.importorskip("plotly")
pytest.importorskip("anywidget")

import ipywidgets as W
from plotly.callbacks import Points

from workbench.project import Project
from workbench.session import Session
from workbench.ui import Workbench, open_workbench
from workbench.ui.clickable import ClickableHTML
from workbench.ui.graph import GraphView

HOSTILE = "<img src=x onerror=alert(1)>"
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"


def fixed_clock() -> dt.datetime:
    return dt.datetime(2026, 5, 4, 9, 30, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def base_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("base") / "support"
    Project.create(folder, template="support-assistant", actor="tester", clock=fixed_clock)
    return folder


@pytest.fixture
def project_dir(base_project: Path, tmp_path: Path) -> Path:
    target = tmp_path / "support"
    shutil.copytree(base_project, target)
    return target


def build(folder: Path, actor: str | None = None) -> Workbench:
    return Workbench(Session.open(folder, actor=actor, clock=fixed_clock))


@pytest.fixture
def wb(project_dir: Path) -> Workbench:
    return build(project_dir)


def walk(widget: Any) -> Iterator[Any]:
    yield widget
    for child in getattr(widget, "children", ()) or ():
        yield from walk(child)


def html_values(wb: Workbench) -> list[str]:
    return [w.value for w in walk(wb.view) if isinstance(w, (W.HTML, ClickableHTML))]


def table_elements(wb: Workbench) -> set[str]:
    return {r["element"] for r in wb.session.page_rows()}


def decisions_on_disk(folder: Path) -> list[dict[str, Any]]:
    path = folder / "decisions.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def choose_first_candidate(panel: Any) -> str:
    """Choose the first candidate mitigation of the selected finding; return its id."""
    first = panel.candidate.options[0][1]
    panel.candidate.value = first
    panel.add_mitigation.click()
    return str(first)


def fill_mitigate(panel: Any, rationale: str) -> None:
    """A complete mitigate decision for a high or critical finding."""
    choose_first_candidate(panel)
    panel.treatment.value = "mitigate"
    panel.rationale.value = rationale
    panel.owner.value = "platform team"
    panel.treatment_details.due.value = dt.date(2026, 12, 1)


def node_index(wb: Workbench, component_id: str) -> int:
    return wb.graph._ids.index(component_id)


def select_finding_on(wb: Workbench, element: str, band: str | None = None) -> dict[str, Any]:
    rows = [r for r in wb.session.all_rows() if r["element"] == element]
    if band:
        rows = [r for r in rows if r["band"] == band]
    row = rows[0]
    wb.table.picker.options = [*wb.table.picker.options, (row["title"], row["id"])]
    wb.table.picker.value = row["id"]
    assert wb.session.selected_finding == row["id"]
    return row


# -- building and the graph ----------------------------------------------------------------------


def test_open_workbench_builds_every_part(tmp_path: Path) -> None:
    wb = open_workbench(tmp_path / "new", template="support-assistant", actor="ana")
    assert isinstance(wb.view, W.VBox)
    assert "wb-root" in wb.view._dom_classes
    assert (tmp_path / "new" / "project.yaml").is_file()
    model = wb.session.model
    node = wb.graph.fig.data[GraphView.NODE_TRACE]
    assert sorted(node.customdata) == sorted(c.id for c in model.components())
    assert len(wb.session.page_rows()) == len(wb.session.all_rows())
    assert "<table" in wb.table.table.value
    # a first finding is selected so the panel is not empty
    assert wb.session.selected_finding is not None
    assert wb.finding.details.value.startswith('<h3 class="wb-h">')
    assert [wb.tabs.get_title(i) for i in range(len(wb.tabs.children))][:5] == [
        "Threats",
        "Risk matrix",
        "ATLAS matrix",
        "Guidelines",
        "Attack paths",
    ]


def test_graph_zones_colours_and_hover(wb: Workbench) -> None:
    s = wb.session
    fig = wb.graph.fig
    zone_texts = [a.text for a in fig.layout.annotations]
    assert any("Internet" in t and "trust 0" in t for t in zone_texts)
    assert len(fig.layout.shapes) == len(s.layout().zones)
    node = fig.data[GraphView.NODE_TRACE]
    risk = s.node_risk()
    for i, cid in enumerate(node.customdata):
        if cid in risk:
            assert node.marker.color[i] == s.matrix.colour(risk[cid][0])
            assert f"highest: {risk[cid][0]}" in node.hovertext[i]
        else:
            assert node.marker.color[i] == "#BBBBBB"
    i = node_index(wb, "llm")
    assert "kind: model" in node.hovertext[i]
    assert "zone: LLM provider (trust 1)" in node.hovertext[i]
    assert node.marker.symbol[i] == "hexagon"
    flow_hover = " ".join(fig.data[1].hovertext)
    assert "data: user_input, personal_data" in flow_hover
    assert "encrypted: yes, authenticated: yes" in flow_hover
    # the figure is as wide as its area says it is (the probe reports it from the browser)
    assert fig.layout.width == 1100
    wb.graph.probe.width = 640  # a new width: a new figure, drawn whole by the browser
    fig = wb.graph.fig
    node = fig.data[GraphView.NODE_TRACE]
    assert fig.layout.width == 640
    x0, x1 = fig.layout.xaxis.range
    assert x0 <= min(node.x) and max(node.x) <= x1  # every component inside the drawn range


def test_graph_of_120_components_fits_its_area(tmp_path: Path) -> None:
    synthetic = pytest.importorskip("benchmarks.synthetic")
    wb = open_workbench(tmp_path / "big", model=synthetic.generate(120, 0), actor="ana")
    wb.graph.probe.width = 900
    fig = wb.graph.fig
    node = fig.data[GraphView.NODE_TRACE]
    assert len(node.customdata) == 120
    layout = wb.session.layout()
    assert fig.layout.width == 900 and fig.layout.height >= layout.height * 60
    x0, x1 = fig.layout.xaxis.range
    assert x0 <= min(node.x) and max(node.x) <= x1
    assert len(set(zip(node.x, node.y, strict=True))) == 120  # no two components on one spot
    # too narrow for every name: plain components are named on hover only
    assert any(t == "" for t in node.text)
    assert all(h.startswith("<b>") for h in node.hovertext)


def test_node_click_focuses_table_and_panel(wb: Workbench) -> None:
    trace = wb.graph.fig.data[GraphView.NODE_TRACE]
    i = node_index(wb, "llm")
    trace._dispatch_on_click(
        Points(point_inds=[i], xs=[0], ys=[0], trace_name=trace.name, trace_index=4), None
    )
    assert wb.session.selected_component == "llm"
    assert table_elements(wb) == {"llm"}
    assert wb.table.component.value == "llm"
    assert "Hosted LLM" in wb.finding.details.value
    assert wb.session.finding_row()["element"] == "llm"
    widths = list(trace.marker.line.width)
    assert widths[i] == 4 and widths.count(4) == 1
    assert "selected: <b>Hosted LLM</b>" in wb.graph.caption.value
    assert len(wb.graph.fig.data[2].x) > 0  # the flows of the selected component drawn darker
    # "show all" clears it
    wb.graph.show_all.click()
    assert wb.session.selected_component is None
    assert len(wb.session.page_rows()) == len(wb.session.all_rows())
    assert list(trace.marker.line.width).count(4) == 0


def test_node_click_as_the_browser_sends_it(wb: Workbench) -> None:
    fig = wb.graph.fig
    i = node_index(wb, "vector-store")
    fig._js2py_pointsCallback = {
        "event_type": "plotly_click",
        "points": {
            "trace_indexes": [GraphView.NODE_TRACE],
            "point_indexes": [i],
            "xs": [0.0],
            "ys": [0.0],
        },
        "device_state": None,
        "selector": None,
    }
    assert wb.session.selected_component == "vector-store"
    assert table_elements(wb) == {"vector-store"}
    assert fig._js2py_pointsCallback is None


def test_component_dropdown_filters_like_a_click(wb: Workbench) -> None:
    wb.table.component.value = "assistant"
    assert wb.session.selected_component == "assistant"
    assert table_elements(wb) == {"assistant"}
    assert list(wb.graph.fig.data[GraphView.NODE_TRACE].marker.line.width).count(4) == 1
    wb.table.component.value = ""
    assert wb.session.selected_component is None


def test_filters_sort_and_pages(wb: Workbench) -> None:
    s = wb.session
    total = len(s.all_rows())
    wb.table.band.value = "critical"
    assert {r["band"] for r in s.page_rows()} == {"critical"}
    wb.table.band.value = ""
    tactic = wb.table.tactic.options[1][1]
    wb.table.tactic.value = tactic
    assert all(tactic in r["tactics"] for r in s.page_rows())
    wb.table.tactic.value = ""
    wb.table.status.value = "decided"
    assert s.page_rows() == []
    assert "no findings match the filters" in wb.table.table.value
    wb.table.status.value = ""
    wb.table.sort.value = "score"
    wb.table.descending.value = False
    scores = [r["score"] for r in s.page_rows()]
    assert scores == sorted(scores)
    # pages: make them small to page through the template's findings
    s.page_size = 5
    s.set_page(0)
    assert wb.table.page_label.value.startswith(f"page 1 of {-(-total // 5)}")
    assert wb.table.prev.disabled and not wb.table.next.disabled
    first = [r["id"] for r in s.page_rows()]
    wb.table.next.click()
    assert s.page == 1
    assert [r["id"] for r in s.page_rows()] != first
    assert wb.table.page_label.value.startswith("page 2 of")
    wb.table.prev.click()
    assert s.page == 0


def test_table_shows_band_as_word_and_colour(wb: Workbench) -> None:
    html = wb.table.table.value
    colour = wb.session.matrix.colour("critical")
    assert f"background:{colour}" in html
    assert ">critical 20</span>" in html or ">critical 25</span>" in html
    assert '<span class="wb-status">open</span>' in html


def test_large_type(wb: Workbench) -> None:
    size = wb.graph.fig.data[GraphView.NODE_TRACE].textfont.size
    wb.table.large_type.value = True
    assert wb.session.large_type
    assert "wb-large" in wb.view._dom_classes
    assert wb.graph.fig.data[GraphView.NODE_TRACE].textfont.size > size
    wb.table.large_type.value = False
    assert "wb-large" not in wb.view._dom_classes


# -- the finding panel -----------------------------------------------------------------------------


def test_finding_details_link_to_atlas(wb: Workbench) -> None:
    row = select_finding_on(wb, "llm")
    html = wb.finding.details.value
    url = f"https://atlas.mitre.org/techniques/{row['technique']}"
    assert f'href="{url}" target="_blank" rel="noopener"' in html
    assert row["technique_name"] in html
    labels = [o[0] for o in wb.finding.likelihood.options]
    assert labels[-1] == "5 · almost certain"
    assert "likelihood</b>" in wb.finding.score_reasons.value


def test_score_override_needs_a_reason_and_changes_the_row(
    wb: Workbench, project_dir: Path
) -> None:
    row = select_finding_on(wb, "llm")
    panel = wb.finding
    new_lik = 1 if row["likelihood"] != 1 else 2
    panel.likelihood.value = new_lik
    panel.apply.click()
    assert "say why" in panel.score_errors["reason"].value
    assert wb.session.finding_row()["likelihood"] == row["likelihood"]
    panel.override_reason.value = "the provider filters these prompts"
    panel.apply.click()
    assert panel.score_errors["reason"].value == ""
    updated = wb.session.finding_row()
    assert updated["likelihood"] == new_lik
    assert updated["score"] == new_lik * row["impact"]
    assert updated["residual_score"] == updated["score"]
    assert "the provider filters these prompts" in updated["likelihood_reason"]
    assert f"{updated['band']} {updated['score']}" in wb.table.table.value
    assert "overridden" in wb.message.value
    assert "the provider filters these prompts" in (project_dir / "assessment.yaml").read_text()
    panel.restore.click()
    assert wb.session.finding_row()["likelihood"] == row["likelihood"]


def test_choosing_mitigations_updates_residual_and_projected(wb: Workbench) -> None:
    row = select_finding_on(wb, "chat-frontend")
    panel = wb.finding
    assert panel.candidate.options
    first = panel.candidate.options[0][1]
    assert first in panel.candidates_html.value
    panel.candidate.value = first
    panel.mitigation_status.value = "planned"
    panel.mitigation_owner.value = "app team"
    panel.add_mitigation.click()
    after = wb.session.finding_row()
    assert after["residual_score"] == row["score"]  # planned: not counted in residual
    assert after["projected_score"] < row["score"]
    assert f"{after['projected_band']} {after['projected_score']}" in panel.scores.value
    assert "app team" in panel.chosen_box.children[1].children[2].value
    # the chosen row's status dropdown makes it done
    status = panel.chosen_box.children[1].children[0]
    status.value = "done"
    after = wb.session.finding_row()
    assert after["residual_score"] < row["score"]
    assert f"{after['residual_band']} {after['residual_score']}" in panel.scores.value
    # remove it
    remove = panel.chosen_box.children[1].children[1]
    remove.click()
    assert wb.session.chosen() == []
    assert wb.session.finding_row()["residual_score"] == row["score"]


def test_decision_from_the_form_lands_in_the_log(wb: Workbench, project_dir: Path) -> None:
    row = select_finding_on(wb, "assistant")
    panel = wb.finding
    panel.treatment.value = "mitigate"
    panel.rationale.value = "least privilege for the agent by Q3"
    panel.owner.value = "platform team"
    panel.review_by.value = dt.date(2026, 9, 1)
    panel.links.value = "JIRA-12, https://wiki.example/agent"
    panel.record.click()  # a high finding's mitigate needs a chosen mitigation and a due date
    assert "chosen mitigation" in panel.treatment_details.errors["mitigations"].value
    assert "due date" in panel.treatment_details.errors["due"].value
    assert decisions_on_disk(project_dir) == []
    chosen = choose_first_candidate(panel)
    panel.treatment_details.due.value = dt.date(2026, 8, 1)
    panel.record.click()
    assert "wb-ok" in panel.decision_message.value
    records = decisions_on_disk(project_dir)
    decisions = [r for r in records if r.get("treatment") == "mitigate"]
    assert decisions, records
    last = decisions[-1]
    assert last["findings"] == [row["id"]]
    assert last["rationale"] == "least privilege for the agent by Q3"
    assert last["owner"] == "platform team"
    assert last["review_by"] == "2026-09-01"
    assert last["by"] == "tester"
    assert last["links"] == ["JIRA-12", "https://wiki.example/agent"]
    assert (last["mitigations"], last["due"]) == ([chosen], "2026-08-01")
    assert wb.session.finding_row()["status"] == "decided"
    # recording the same form again records nothing and says so
    panel.record.click()
    assert "unchanged" in panel.decision_message.value
    assert len(decisions_on_disk(project_dir)) == len(records)
    assert "D-0001" in wb.finding.history.html.value and "current" in wb.finding.history.html.value
    assert (
        '<span class="wb-status">decided</span><br><span class="wb-small">mitigate · owner platform team</span>'
        in (wb.table.table.value)
    )


def test_validation_messages_next_to_fields(wb: Workbench, project_dir: Path) -> None:
    select_finding_on(wb, "llm", band="critical")
    panel = wb.finding
    panel.treatment.value = "accept"
    panel.rationale.value = "the provider is contractually bound"
    panel.owner.value = ""
    panel.review_by.value = None
    panel.record.click()
    errors = panel.decision_errors
    assert "risk owner" in errors["owner"].value
    assert "review date" in errors["review_by"].value
    assert errors["rationale"].value == ""
    assert "wb-error" in panel.decision_message.value
    assert decisions_on_disk(project_dir) == []
    # an empty rationale
    panel.treatment.value = "mitigate"
    panel.rationale.value = " "
    panel.record.click()
    assert "rationale" in errors["rationale"].value
    assert "named owner" in errors["owner"].value  # what a critical finding's mitigate needs
    panel.rationale.value = "n/a"
    panel.record.click()
    assert "placeholder" in errors["rationale"].value
    assert decisions_on_disk(project_dir) == []
    # what was typed is still there
    assert panel.treatment.value == "mitigate"


def test_typed_decision_is_kept_per_finding(wb: Workbench) -> None:
    first = select_finding_on(wb, "llm")
    wb.finding.rationale.value = "draft for the llm"
    select_finding_on(wb, "assistant")
    assert wb.finding.rationale.value == ""
    wb.table.picker.value = first["id"]
    assert wb.finding.rationale.value == "draft for the llm"


def test_manual_finding_form(wb: Workbench) -> None:
    form = wb.manual
    form.element.value = "ticketing-tool"
    form.title.value = ""
    form.reason.value = ""
    form.add.click()
    assert "title" in form.errors["title"].value
    assert "why" in form.errors["reason"].value
    form.title.value = "Refund abuse through the ticketing tool"
    form.technique.value = "AML.T0048 · External Harms"
    form.reason.value = "the tool can grant refunds"
    form.likelihood.value = 4
    form.impact.value = 4
    form.add.click()
    fid = "manual-refund-abuse-through-the-ticketing-tool@ticketing-tool"
    row = wb.session.finding_row(fid)
    assert row is not None and row["technique"] == "AML.T0048" and row["score"] == 16
    assert wb.session.selected_finding == fid
    assert "Refund abuse through the ticketing tool" in wb.finding.details.value
    wb.table.component.value = "ticketing-tool"
    assert "Refund abuse" in wb.table.table.value


def test_actor_required_before_recording(project_dir: Path) -> None:
    folder = project_dir.parent / "anonymous"
    Project.create(folder, template="support-assistant", clock=fixed_clock)
    wb = build(folder)
    assert wb.effective_actor() is None
    assert "Who is working?" in wb.actor_prompt.value
    assert wb.finding.record.disabled and wb.finding.apply.disabled
    assert wb.manual.add.disabled and wb.editor.components.add.disabled
    wb.actor.value = " "
    wb.set_actor.click()
    assert wb.finding.record.disabled
    wb.actor.value = "Bea"
    wb.set_actor.click()
    assert not wb.finding.record.disabled and not wb.editor.components.add.disabled
    assert "recorded as Bea" in wb.actor_prompt.value
    wb.finding.treatment.value = "avoid"
    wb.finding.rationale.value = "the feature is dropped"
    wb.finding.treatment_details.text.value = "no free-text input any more"
    wb.finding.record.click()
    assert decisions_on_disk(folder)[-1]["by"] == "Bea"


# -- model editing -----------------------------------------------------------------------------------


def test_model_edit_reruns_analysis_and_keeps_decisions(wb: Workbench, project_dir: Path) -> None:
    s = wb.session
    row = select_finding_on(wb, "llm")
    wb.finding.treatment.value = "transfer"
    wb.finding.rationale.value = "covered by the provider contract"
    wb.finding.owner.value = "vendor manager"
    wb.finding.treatment_details.text.value = "the model provider"
    wb.finding.record.click()
    assert "wb-ok" in wb.finding.decision_message.value, wb.finding.decision_message.value
    before = len(s.all_rows())
    form = wb.editor.components
    form.pick.value = ""
    form.id.value = "ops-api"
    form.kind.value = "inference_endpoint"
    form.zone.value = "dmz"
    form.name.value = "Ops API"
    attrs = form._attr_widgets
    assert isinstance(attrs["rate_limited"][1], W.Dropdown)
    assert [o[0] for o in attrs["rate_limited"][1].options] == ["unstated", "true", "false"]
    attrs["rate_limited"][1].value = "false"
    form.add.click()
    assert "wb-ok" in form.message.value, form.message.value
    comp = s.model.component("ops-api")
    assert comp.name == "Ops API" and comp.get("rate_limited") is False
    flows = wb.editor.flows
    flows.pick.value = ""
    flows.id.value = "customer-to-ops"
    flows.source.value = "customer"
    flows.target.value = "ops-api"
    flows.data.value = ("user_input", "personal_data")
    flows.encrypted.value = "true"
    flows.add.click()
    assert "wb-ok" in flows.message.value, flows.message.value
    flow = s.model.flow("customer-to-ops")
    assert flow.data == ("user_input", "personal_data") and flow.encrypted is True
    assert "ops-api" in wb.graph.fig.data[GraphView.NODE_TRACE].customdata
    assert len(s.all_rows()) > before
    assert "inference-api-exposed@ops-api" in {r["id"] for r in s.all_rows()}
    assert s.finding_row(row["id"])["treatment"] == "transfer"
    assert "ops-api" in (project_dir / "model.yaml").read_text()
    # a bad value is reported next to the form, nothing is lost
    form.pick.value = "ops-api"
    form._attr_widgets["sha256"][1].value = "not-a-digest"
    form.save.click()
    assert "sha256" in form.message.value
    assert s.model.component("ops-api").get("sha256") is None


def test_form_changes_display_name_not_id(wb: Workbench) -> None:
    form = wb.editor.components
    form.pick.value = "llm"
    assert form.id.disabled
    form.name.value = "Provider LLM"
    form.save.click()
    assert "llm" in wb.session.model
    assert wb.session.model.component("llm").name == "Provider LLM"
    i = node_index(wb, "llm")
    assert wb.graph.fig.data[GraphView.NODE_TRACE].text[i] == "Provider LLM"


def test_rename_keeps_decisions(wb: Workbench, project_dir: Path) -> None:
    row = select_finding_on(wb, "vector-store")
    fill_mitigate(wb.finding, "per-tenant filters on retrieval")
    wb.finding.record.click()
    form = wb.editor.components
    form.pick.value = "vector-store"
    form.new_id.value = "tenant-index"
    form.rename.click()
    assert "wb-ok" in form.message.value, form.message.value
    new_id = row["id"].replace("@vector-store", "@tenant-index")
    renamed = wb.session.finding_row(new_id)
    assert renamed is not None and renamed["treatment"] == "mitigate"
    assert "tenant-index" in wb.graph.fig.data[GraphView.NODE_TRACE].customdata
    assert any(
        r.get("type") == "rename" or r.get("new") == "tenant-index"
        for r in decisions_on_disk(project_dir)
    )


def test_remove_component_asks_twice(wb: Workbench) -> None:
    form = wb.editor.components
    form.pick.value = "monitoring"
    form.remove.click()
    assert "monitoring" in wb.session.model
    assert "click again" in form.message.value
    form.remove.click()
    assert "monitoring" not in wb.session.model
    assert "monitoring" not in wb.graph.fig.data[GraphView.NODE_TRACE].customdata


def test_zone_form(wb: Workbench) -> None:
    zones = wb.editor.zones
    zones.pick.value = ""
    zones.id.value = "partner-net"
    zones.trust.value = 1
    zones.name.value = "Partner network"
    zones.add.click()
    assert "wb-ok" in zones.message.value
    assert any(z.id == "partner-net" for z in wb.session.model.zones())
    assert ("Partner network (trust 1)", "partner-net") in wb.editor.components.zone.options


# -- views ----------------------------------------------------------------------------------------------


def test_views_draw_when_shown(wb: Workbench) -> None:
    s = wb.session
    wb.tabs.selected_index = 1
    heat = wb.risk_matrix.fig.data
    counts = s.matrix_counts("inherent")
    assert [list(r) for r in heat[0].z][4][4] == s.matrix.band_rank("critical")
    total_text = sum(int(t.split("</b>")[0][3:]) for row in heat[0].text for t in row if "<b>" in t)
    assert total_text == sum(map(sum, counts))
    assert "almost certain" in " ".join(wb.risk_matrix.fig.layout.xaxis.ticktext)
    wb.tabs.selected_index = 2
    atlas = wb.atlas.html.value
    assert "Initial Access" in atlas and "LLM Prompt Injection" in atlas
    assert f"background:{s.matrix.colour('critical')}" in atlas
    wb.tabs.selected_index = 3
    coverage = wb.coverage.html.value
    assert coverage.count('<details class="wb-guideline">') == 17
    assert "staff-training-recorded" in coverage
    wb.tabs.selected_index = 4
    assert len(wb.paths.select.options) == len(s.attack_paths())


def test_views_follow_changes(wb: Workbench) -> None:
    wb.tabs.selected_index = 1
    row = select_finding_on(wb, "llm", band="critical")
    before = [list(r) for r in wb.risk_matrix.fig.data[1].text]
    wb.finding.candidate.value = wb.finding.candidate.options[0][1]
    wb.finding.mitigation_status.value = "verified"
    wb.finding.add_mitigation.click()
    after = [list(r) for r in wb.risk_matrix.fig.data[1].text]
    assert before != after  # the residual heatmap moved
    assert wb.session.finding_row(row["id"])["residual_score"] < row["score"]


def test_attack_path_is_highlighted_on_the_graph(wb: Workbench) -> None:
    wb.tabs.selected_index = 4
    assert wb.graph.fig.data[3].x in ((), None) or len(wb.graph.fig.data[3].x) == 0
    wb.paths.select.value = 0
    assert wb.session.selected_path == 0
    path = wb.session.attack_paths()[0]
    assert len([x for x in wb.graph.fig.data[3].x if x is not None]) == 2 * len(path.hops)
    assert "attack path:" in wb.graph.caption.value
    assert "Technique" in wb.paths.details.value
    wb.paths.clear.click()
    assert wb.session.selected_path is None
    assert len(wb.graph.fig.data[3].x) == 0


def test_exports_write_files(wb: Workbench, project_dir: Path) -> None:
    select_finding_on(wb, "llm")
    fill_mitigate(wb.finding, "guardrails on the output")
    wb.finding.record.click()
    from workbench.ui.exports import EXPORTS

    assert {e.key for e in EXPORTS} >= {
        "register",
        "decisions",
        "report",
        "report-md",
        "stix",
        "navigator",
        "sarif",
        "aibom",
        "otm",
    }
    panel = wb.exports
    for e in EXPORTS:  # every export is a download button, built when clicked
        assert f'data-wb-action="download" data-wb-value="{e.key}"' in panel.list.value
        panel.list.click("download", e.key)
        assert "wb-ok" in panel.result.value, (e.key, panel.result.value)
        assert panel.list.last_download is not None
        name, mime, data = panel.list.last_download
        assert name.startswith("support") and data, e.key
        assert mime == e.mime
    # the bytes are the real files: the CSV has the decided finding, the zip its record
    csv_bytes = wb.exports.export("register")[2]  # type: ignore[index]
    assert "guardrails" in csv_bytes.decode("utf-8")
    import io
    import zipfile

    archive = zipfile.ZipFile(io.BytesIO(wb.exports.export("decisions")[2]))  # type: ignore[index]
    assert any(n.endswith(".md") and "index" not in n for n in archive.namelist())
    stix = json.loads(wb.exports.export("stix")[2])  # type: ignore[index]
    assert stix["type"] == "bundle"
    assert not (project_dir / "exports").exists()  # a download writes nothing on the server
    # the server path is secondary: saving in the project folder is a second control
    panel.list.click("save", "register")
    saved = project_dir / "exports" / "support-register.csv"
    assert saved.read_bytes() == csv_bytes
    assert str(saved.parent) in panel.result.value


# -- escaping --------------------------------------------------------------------------------------------


def test_hostile_names_are_text_in_every_view(project_dir: Path) -> None:
    project = Project.open(project_dir, clock=fixed_clock)
    project.edit_model(lambda m: m.update_component("chat-frontend", name=HOSTILE))
    project.edit_model(lambda m: m.update_zone("dmz", name=HOSTILE))
    project.edit_model(lambda m: m.update_flow("chat-question", name=HOSTILE))
    project.edit_model(lambda m: m.update_system(debt=[{"item": HOSTILE}]))
    project.add_manual_finding(
        "chat-frontend", HOSTILE, reason=HOSTILE, technique="AML.T0051", guidelines=["1.3"]
    )
    wb = build(project_dir)
    s = wb.session
    fid = next(r["id"] for r in s.all_rows() if r["manual"])
    wb.table.component.value = "chat-frontend"
    wb.table.picker.value = fid
    wb.finding.treatment.value = "mitigate"
    wb.finding.rationale.value = HOSTILE
    wb.finding.owner.value = HOSTILE
    wb.finding.record.click()
    assert s.finding_row(fid)["owner"] == HOSTILE
    wb.paths.refresh()
    index = next(i for i, p in enumerate(s.attack_paths()) if "chat-frontend" in p.nodes)
    wb.paths.select.value = index
    for i in (1, 2, 3, 4):
        wb.tabs.selected_index = i
    views = {
        "table": wb.table.table.value,
        "finding panel": wb.finding.details.value,
        "graph caption": wb.graph.caption.value,
        "ATLAS matrix": wb.atlas.html.value,
        "coverage": wb.coverage.html.value,
        "attack paths": wb.paths.details.value,
    }
    for name, html in views.items():
        assert ESCAPED in html, name
        assert HOSTILE not in html, name
    for html in html_values(wb):
        assert "<img" not in html
    fig = wb.graph.fig
    node = fig.data[GraphView.NODE_TRACE]
    i = list(node.customdata).index("chat-frontend")
    assert node.text[i].startswith("&lt;img src=x")
    assert ESCAPED in node.hovertext[i]
    assert any(ESCAPED in t for t in fig.data[1].hovertext)  # flow hover
    assert any(a.text.startswith("<b>&lt;img src=x") for a in fig.layout.annotations)  # zone
    graph_json = json.dumps(fig.to_plotly_json())
    heat_json = json.dumps(wb.risk_matrix.fig.to_plotly_json())
    for text in (graph_json, heat_json):
        assert "<img" not in text


# -- restart -------------------------------------------------------------------------------------------------


def test_restart_shows_the_same_state(wb: Workbench, project_dir: Path) -> None:
    s = wb.session
    row = select_finding_on(wb, "llm", band="critical")
    wb.finding.likelihood.value = 2
    wb.finding.override_reason.value = "rate limited upstream"
    wb.finding.apply.click()
    wb.finding.candidate.value = wb.finding.candidate.options[0][1]
    wb.finding.mitigation_status.value = "done"
    wb.finding.add_mitigation.click()
    wb.finding.treatment.value = "mitigate"
    wb.finding.rationale.value = "filters in place"
    wb.finding.owner.value = "platform team"
    wb.finding.treatment_details.due.value = dt.date(2026, 12, 1)
    wb.finding.record.click()
    assert "wb-ok" in wb.finding.decision_message.value
    wb.manual.element.value = "assistant"
    wb.manual.title.value = "Prompt leak via logs"
    wb.manual.reason.value = "logs hold prompts"
    wb.manual.add.click()
    form = wb.editor.components
    form.pick.value = "llm"
    form.name.value = "Provider LLM"
    form.save.click()
    assert "wb-ok" in form.message.value

    # a kernel restart: a new Session and Workbench on the same folder
    again = build(project_dir)
    for one in (wb, again):
        one.session.select_component(None)
        one.session.select_finding(row["id"])
    assert again.session.all_rows() == s.all_rows()
    assert again.table.table.value == wb.table.table.value
    assert again.finding.details.value == wb.finding.details.value
    assert again.finding.scores.value == wb.finding.scores.value
    assert again.title.value == wb.title.value
    g1, g2 = wb.graph.fig.data[GraphView.NODE_TRACE], again.graph.fig.data[GraphView.NODE_TRACE]
    assert (g2.text, g2.marker.color, g2.hovertext) == (g1.text, g1.marker.color, g1.hovertext)
    restored = again.session.finding_row(row["id"])
    assert restored["likelihood"] == 2 and restored["treatment"] == "mitigate"
    assert restored["chosen_mitigations"]
    assert again.session.finding_row("manual-prompt-leak-via-logs@assistant") is not None


def test_project_download_and_upload_from_the_export_tab(tmp_path):
    """Binder sessions are temporary: the workbench hands out the project and takes it back."""
    import datetime as _dt

    from workbench.project import Project
    from workbench.session import Session
    from workbench.ui import Workbench

    clock = lambda: _dt.datetime(2026, 11, 25, 12, 0, tzinfo=_dt.UTC)  # noqa: E731
    project = Project.create(
        tmp_path / "p", template="support-assistant", actor="tester", clock=clock
    )
    wb = Workbench(Session(project, actor="tester"))
    panel = wb.exports
    result = panel.download()
    assert result.ok and 'download="p.zip"' in panel.download_link.value
    name, data = result.value
    fid = project.state().rows[0]["id"]
    project.decide(fid, "accept", "accepted after the download", owner="bob", review_by="2027-01-01")
    assert project.register().row(fid)["status"] == "decided"
    panel.upload.value = (
        {
            "name": name,
            "type": "application/zip",
            "size": len(data),
            "content": memoryview(data),
            "last_modified": _dt.datetime(2026, 11, 25, tzinfo=_dt.UTC),
        },
    )
    opened = panel.open_upload()
    assert opened.ok, opened.message
    assert wb.session.project.register().row(fid)["status"] == "open"  # the uploaded state is back
    assert (tmp_path / "p.before-upload" / "decisions.jsonl").exists()  # nothing lost
    panel.upload.value = (
        {
            "name": "x.zip",
            "type": "application/zip",
            "size": 3,
            "content": memoryview(b"bad"),
            "last_modified": _dt.datetime(2026, 11, 25, tzinfo=_dt.UTC),
        },
    )
    bad = panel.open_upload()
    assert not bad.ok and "not a ZIP" in panel.upload_result.value


# -- clickable everything, the graph's marks and views, the actor ---------------------------------------


def test_register_rows_are_controls_that_open_their_finding(wb: Workbench) -> None:
    rows = wb.session.page_rows()
    target = rows[2]["id"]
    html = wb.table.table.value
    assert html.count('data-wb-action="finding"') == len(rows)
    assert f'data-wb-value="{target}" data-wb-group="rows"' in html
    wb.table.table.click("finding", target)  # what the browser sends for a click, Enter or Space
    assert wb.session.selected_finding == target
    assert target in wb.finding.details.value
    assert 'class="wb-row wb-selected" data-wb-action="finding" data-wb-value="' + target in (
        wb.table.table.value
    )


def test_flow_click_shows_the_findings_on_that_flow(project_dir: Path) -> None:
    project = Project.open(project_dir, clock=fixed_clock)
    finding = project.add_manual_finding(
        "llm-prompt", "Prompt carries personal data", reason="tickets in the prompt", by="tester"
    )
    wb = build(project_dir)
    graph = wb.graph
    flow = wb.session.model.flow("llm-prompt")
    index = graph._flow_ids.index(
        next(
            f.id
            for f in wb.session.model.flows()
            if (f.source, f.target) == (flow.source, flow.target)
        )
    )
    hover = graph.fig.data[1]
    assert "findings on this flow: 1 (click to show them)" in hover.hovertext[index]
    hover._dispatch_on_click(
        Points(point_inds=[index], xs=[0], ys=[0], trace_name=hover.name, trace_index=1), None
    )
    s = wb.session
    assert s.selected_flow == "llm-prompt" and s.selected_component is None
    assert [r["id"] for r in s.rows()] == [finding.id]
    assert s.selected_finding == finding.id
    assert "selected flow: <b>" in graph.caption.value
    assert wb.table.component.value == "llm-prompt"  # the element filter follows
    assert len([x for x in graph.fig.data[2].x if x is not None]) >= 2  # the flow drawn darker
    assert graph.selected_mark.x[0] is not None  # and ringed


def test_graph_marks_entry_points_crown_jewels_and_full_names(wb: Workbench) -> None:
    s = wb.session
    graph = wb.graph
    node = graph.fig.data[GraphView.NODE_TRACE]
    entries = [c.id for c in s.model.entry_points()]
    jewels = [c.id for c in s.model.crown_jewels()]
    assert len([x for x in graph.entry_marks.x if x is not None]) == len(entries)
    assert len([x for x in graph.jewel_marks.x if x is not None]) == len(jewels)
    assert graph.entry_marks.name.startswith("entry point") and graph.entry_marks.showlegend is not False
    assert graph.jewel_marks.name.startswith("crown jewel")
    i = list(node.customdata).index("assistant")
    assert "<br>" in node.text[i]  # a long name on two lines, not cut at 21 characters
    assert "Support assistant orchestrator" in node.hovertext[i]  # the full name on hover
    assert "crown jewel" in node.hovertext[i]
    labels = [t for t in graph.flow_labels.text if t]
    assert labels and any("user input" in t for t in labels)  # flows say what they carry


def test_label_lines_wrap_and_never_lose_the_start() -> None:
    from workbench.ui.graph import label_lines

    assert label_lines("Hosted LLM") == "Hosted LLM"
    assert label_lines("Support assistant orchestrator") == "Support assistant\norchestrator"
    three = label_lines("A rather long name for a component in a zone")
    assert three.count("\n") == 1 and three.endswith("…") and three.startswith("A rather long")


def test_flows_are_routed_around_nodes() -> None:
    from workbench.layout import route

    a, b, middle = (0.0, 0.0), (2.0, 0.0), (1.0, 0.0)
    assert route(a, b, [middle]) != [a, b]  # bent around the node in the way
    path = route(a, b, [middle])
    assert min(abs(y) for x, y in path if 0.8 < x < 1.2) > 0.3
    assert route(a, b, [(1.0, 2.0)]) == [a, b]  # nothing in the way: straight


def test_zone_collapse_and_path_focus_make_a_large_graph_usable(tmp_path: Path) -> None:
    synthetic = pytest.importorskip("benchmarks.synthetic")
    wb = open_workbench(tmp_path / "big", model=synthetic.generate(200, 0), actor="ana")
    graph = wb.graph
    zones = {c.zone for c in wb.session.model.components()}
    biggest = max(zones, key=lambda z: sum(c.zone == z for c in wb.session.model.components()))
    assert f'data-wb-action="zone" data-wb-value="{biggest}"' in graph.zones.value
    graph.zones.click("zone", biggest)
    ids = list(graph.fig.data[GraphView.NODE_TRACE].customdata)
    assert f"zone:{biggest}" in ids
    members = [c.id for c in wb.session.model.components() if c.zone == biggest]
    assert not set(members) & set(ids)
    assert len(ids) == 200 - len(members) + 1
    # a click on the collapsed zone opens it again
    node = graph.fig.data[GraphView.NODE_TRACE]
    node._dispatch_on_click(
        Points(
            point_inds=[ids.index(f"zone:{biggest}")],
            xs=[0],
            ys=[0],
            trace_name=node.name,
            trace_index=GraphView.NODE_TRACE,
        ),
        None,
    )
    assert len(graph.fig.data[GraphView.NODE_TRACE].customdata) == 200
    # filter to a path: only its components stay
    paths = wb.session.attack_paths()
    assert paths
    wb.session.select_path(0)
    graph.focus.value = "path"
    shown = set(graph.fig.data[GraphView.NODE_TRACE].customdata)
    assert shown == set(paths[0].nodes) & {c.id for c in wb.session.model.components()}


def test_heatmap_click_filters_the_register_to_its_cell(wb: Workbench) -> None:
    s = wb.session
    wb.tabs.selected_index = 1
    counts = s.matrix_counts("inherent")
    lik, imp = next(
        (lk, im) for im in range(5, 0, -1) for lk in range(5, 0, -1) if counts[im - 1][lk - 1]
    )
    heat = wb.risk_matrix.fig.data[0]
    heat._dispatch_on_click(
        Points(point_inds=[[imp - 1, lik - 1]], xs=[lik], ys=[imp], trace_name="", trace_index=0),
        None,
    )
    assert wb.tabs.selected_index == 0  # the register, filtered
    rows = s.rows()
    assert len(rows) == counts[imp - 1][lik - 1]
    assert all((r["likelihood"], r["impact"]) == (lik, imp) for r in rows)
    assert s.selected_finding in {r["id"] for r in rows}
    assert f"likelihood {lik} × impact {imp}" in wb.table.cell.value
    # the keyboard way: the list of cells under the heatmap
    wb.tabs.selected_index = 1
    assert f'data-wb-value="residual:{lik}:{imp}"' in wb.risk_matrix.cells.value
    wb.table.cell.click("clear-cell", "")
    assert s.filters["cell"] is None and wb.table.cell.value == ""


def test_guideline_evidence_and_path_steps_jump_to_their_findings(wb: Workbench) -> None:
    s = wb.session
    s.select_component("llm")  # a filter that hides most findings
    wb.tabs.selected_index = 3
    cov = s.coverage()
    fid = next(str(f["id"]) for g in cov.guidelines for f in g.findings if f["element"] != "llm")
    assert f'data-wb-action="finding" data-wb-value="{fid}"' in wb.coverage.html.value
    wb.coverage.html.click("finding", fid)
    assert wb.tabs.selected_index == 0
    assert s.selected_finding == fid and fid in {r["id"] for r in s.page_rows()}
    wb.tabs.selected_index = 4
    index, hop = next((i, h) for i, p in enumerate(s.attack_paths()) for h in p.hops if h.finding)
    wb.paths.select.value = index
    wb.paths.details.click("finding", hop.finding)
    assert wb.tabs.selected_index == 0 and s.selected_finding == hop.finding


def test_actor_is_asked_once_and_remembered(project_dir: Path, monkeypatch: Any) -> None:
    project = Project.open(project_dir, clock=fixed_clock)
    project.settings["actor"] = None
    project.save()
    monkeypatch.delenv("WORKBENCH_ACTOR", raising=False)
    wb = build(project_dir)
    assert wb.effective_actor() is None and "Who is working?" in wb.actor_prompt.value
    assert wb.finding.record.disabled
    wb.actor.value = "Rosa Analyst"
    wb.set_actor.click()
    assert "Rosa Analyst" in wb.actor_prompt.value and not wb.finding.record.disabled
    # remembered in project.yaml: the next workbench on this project does not ask
    assert Project.open(project_dir).settings["actor"] == "Rosa Analyst"
    again = build(project_dir)
    assert again.effective_actor() == "Rosa Analyst"
    # on JupyterHub the environment names each user, ahead of the project's memory
    monkeypatch.setenv("WORKBENCH_ACTOR", "hub-user-7")
    hub = build(project_dir)
    assert hub.effective_actor() == "hub-user-7"
    select_finding_on(hub, "llm")
    fill_mitigate(hub.finding, "recorded as the hub user")
    hub.finding.record.click()
    assert decisions_on_disk(project_dir), hub.finding.decision_message.value
    assert decisions_on_disk(project_dir)[-1]["by"] == "hub-user-7"


def test_an_export_is_one_registry_entry(wb: Workbench) -> None:
    from workbench.ui import exports
    from workbench.ui.exports import EXPORTS, Export, ExportPanel, register_export

    before = list(EXPORTS)
    try:
        register_export(
            Export(
                "plan",
                "Mitigation plan",
                "what to do, by whom, by when",
                "{name}-plan.md",
                "text/markdown",
                lambda project: f"# Plan for {project.name}\n".encode(),
            )
        )
        panel = ExportPanel(wb.session)
        assert 'data-wb-value="plan"' in panel.list.value
        panel.list.click("download", "plan")
        assert panel.list.last_download == (
            "support-plan.md",
            "text/markdown",
            b"# Plan for " + wb.session.project.name.encode() + b"\n",
        )
    finally:
        exports.EXPORTS[:] = before


# -- open questions, assumed findings, signatures, the mitigation plan ------------------------------


def test_open_questions_beside_the_register_re_rank_after_an_answer(wb: Workbench) -> None:
    from workbench.rules.questions import open_questions

    s = wb.session
    questions = open_questions(s.state().result)
    assert questions, "the support assistant leaves controls unstated"
    top = questions[0]
    view = wb.questions.html.value
    assert wb.questions.widget in walk(wb.view) and "Open questions" in wb.questions.heading.value
    assert f'data-wb-question="{top.element}:{top.attribute}"' in view
    assert esc_text(top.element_name) in view and str(top.risk) in view
    # highest stake first, as open_questions ranks them
    marks = [view.index(f'data-wb-question="{q.element}:{q.attribute}"') for q in questions[:10]]
    assert marks == sorted(marks)
    # a question's finding opens in the register
    s.select_component("llm" if top.element != "llm" else "customer")
    fid = top.findings[0]
    assert f'data-wb-action="finding" data-wb-value="{fid}"' in view
    wb.tabs.selected_index = 2
    wb.questions.html.click("finding", fid)
    assert wb.tabs.selected_index == 0 and s.selected_finding == fid
    assert fid in {r["id"] for r in s.page_rows()}
    # the analyst answers it in the model editor: the list re-ranks at once
    assert top.element in {c.id for c in s.model.components()}
    form = wb.editor.components
    form.pick.value = top.element
    form._attr_widgets[top.attribute][1].value = top.answers[0]
    form.save.click()
    assert "wb-ok" in form.message.value, form.message.value
    after = wb.questions.html.value
    assert f'data-wb-question="{top.element}:{top.attribute}"' not in after
    rest = open_questions(s.state().result)
    assert (top.element, top.attribute) not in {(q.element, q.attribute) for q in rest}
    if rest:
        assert after.index(f'data-wb-question="{rest[0].element}:{rest[0].attribute}"') == min(
            after.index(f'data-wb-question="{q.element}:{q.attribute}"') for q in rest[:10]
        )


def esc_text(text: str) -> str:
    import html

    return html.escape(text, quote=True)


def test_open_questions_are_escaped(project_dir: Path) -> None:
    project = Project.open(project_dir, clock=fixed_clock)
    from workbench.rules.questions import open_questions

    element = open_questions(project.state().result)[0].element
    if element in {c.id for c in project.model.components()}:
        project.edit_model(lambda m: m.update_component(element, name=HOSTILE), by="tester")
    else:
        project.edit_model(lambda m: m.update_flow(element, name=HOSTILE), by="tester")
    wb = build(project_dir)
    assert ESCAPED in wb.questions.html.value and HOSTILE not in wb.questions.html.value


def test_fact_backed_findings_come_before_assumed_ones(tmp_path: Path) -> None:
    folder = tmp_path / "coding"
    Project.create(folder, template="coding-agent", actor="tester", clock=fixed_clock)
    wb = build(folder, actor="tester")
    s = wb.session
    rows = s.rows()
    assumed = [r for r in rows if r["assumed"]]
    backed = [r for r in rows if not r["assumed"]]
    assert assumed and backed
    # an assumed finding outscores some fact-backed one, yet never comes above it
    assert max(r["score"] for r in assumed) > min(r["score"] for r in backed)
    assert rows == backed + assumed
    for group in (backed, assumed):
        assert [r["score"] for r in group] == sorted((r["score"] for r in group), reverse=True)
    # the same order as the analysis ranks them
    ranked = [f.id for f in s.state().result.ranked()]
    assert [r["id"] for r in rows if r["id"] in ranked] == ranked
    # the first finding opened is fact-backed; an assumed one is marked in its cell
    assert not s.finding_row(s.selected_finding)["assumed"]
    s.set_page(s.page_count() - 1)
    table = wb.table.table.value
    cell = table.split(f'data-wb-value="{assumed[0]["id"]}"')[1].split("</tr>")[0]
    assert 'class="wb-assumed"' in cell and ">assumed</span>" in cell
    first = table.split(f'data-wb-value="{backed[-1]["id"]}"')[1].split("</tr>")[0]
    assert "wb-assumed" not in first
    # an explicit sort is the analyst's: score low first mixes them by score alone
    s.set_sort("score", descending=False)
    low = [r["score"] for r in s.rows()]
    assert low == sorted(low)


def test_decision_history_says_who_signed(tmp_path: Path, monkeypatch: Any) -> None:
    from workbench.risk.signing import KEY_ENV, Keyring, generate_key, signing_with, use_key

    monkeypatch.delenv(KEY_ENV, raising=False)
    use_key(None)
    keys = tmp_path / "keys"
    keys.mkdir()
    alice = generate_key(keys / "alice")
    folder = tmp_path / "signed"
    project = Project.create(folder, template="support-assistant", actor="Alice", clock=fixed_clock)
    ring = Keyring(path=folder / "signers.yaml")
    ring.add("Alice", alice.openssh())
    ring.save()
    signed, unsigned = (r["id"] for r in project.state().rows[:2])
    why = "Accepted for the pilot phase while the filter is built; reviewed monthly."
    with signing_with(alice):
        project.decide(signed, "accept", why, owner="Bob", review_by="2027-06-01")
    project.decide(unsigned, "accept", why, owner="Bob", review_by="2027-06-01")
    wb = build(folder, actor="Alice")
    wb.session.select_finding(signed)
    history = wb.finding.history.html.value
    assert "D-0001" in history and "signed by Alice" in history and "unsigned" not in history
    wb.session.select_finding(unsigned)
    history = wb.finding.history.html.value
    assert "D-0002" in history and "unsigned" in history and "signed by" not in history


def test_mitigation_plan_downloads_as_csv(wb: Workbench) -> None:
    from workbench.ui.exports import EXPORTS

    assert "plan" in {e.key for e in EXPORTS}
    select_finding_on(wb, "llm")
    chosen = choose_first_candidate(wb.finding)
    wb.exports.list.click("download", "plan")
    name, mime, data = wb.exports.list.last_download
    assert (name, mime) == ("support-plan.csv", "text/csv")
    text = data.decode("utf-8")
    assert text.splitlines()[0].startswith('"summary","description"')
    assert chosen in text
    # the bytes the command line writes
    from workbench.cli import main

    out = wb.session.project.path / "plan.csv"
    assert main(["plan", str(wb.session.project.path), "--format", "csv", "--output", str(out)]) == 0
    assert out.read_bytes() == data
