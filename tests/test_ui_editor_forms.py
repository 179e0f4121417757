"""The zone and flow forms act on the picked element: save, remove, and nothing without a pick."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

pytest.importorskip("ipywidgets")
pytest.importorskip("plotly")
pytest.importorskip("anywidget")

from workbench.project import Project
from workbench.session import Session
from workbench.ui import Workbench


def _clock() -> dt.datetime:
    return dt.datetime(2026, 5, 4, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def wb(tmp_path: Path) -> Workbench:
    folder = tmp_path / "support"
    Project.create(folder, template="support-assistant", actor="tester", clock=_clock)
    return Workbench(Session.open(folder, clock=_clock))


def test_zone_form_adds_saves_and_removes_the_picked_zone(wb: Workbench) -> None:
    zones, model = wb.editor.zones, lambda: wb.session.model
    zones.pick.value = ""
    assert zones.submit_save() is None and zones.submit_remove() is None
    zones.id.value = "partner"
    zones.trust.value = 1
    zones.name.value = "Partner network"
    assert zones.submit_add().ok
    assert zones.pick.value == "partner"
    zones.trust.value = 2
    zones.name.value = "Partner"
    assert zones.submit_save().ok
    assert model().zone("partner").trust == 2 and model().zone("partner").name == "Partner"
    assert zones.submit_remove().ok
    assert "partner" not in {z.id for z in model().zones()}


def test_flow_form_saves_and_removes_the_picked_flow(wb: Workbench) -> None:
    flows, model = wb.editor.flows, lambda: wb.session.model
    flow = model().flows()[0]
    flows.pick.value = ""
    assert flows.submit_save() is None and flows.submit_remove() is None
    flows.pick.value = flow.id
    flows.protocol.value = "grpc"
    result = flows.submit_save()
    assert result.ok, result.message
    assert model().flow(flow.id).protocol == "grpc"
    assert "wb-ok" in flows.message.value
    assert flows.submit_remove().ok
    assert flow.id not in {f.id for f in model().flows()}


def test_a_status_change_keeps_the_mitigations_other_choices(wb: Workbench) -> None:
    s, panel = wb.session, wb.finding
    row = next(r for r in s.all_rows() if r["element"] == "chat-frontend")
    wb.table.picker.options = [*wb.table.picker.options, (row["title"], row["id"])]
    wb.table.picker.value = row["id"]
    panel.candidate.value = panel.candidate.options[0][1]
    panel.mitigation_status.value = "planned"
    panel.mitigation_owner.value = "app team"
    panel.add_mitigation.click()
    status = panel.chosen_box.children[1].children[0]
    status.value = "done"
    (chosen,) = s.chosen()
    assert (chosen.status, chosen.owner) == ("done", "app team")
    assert "wb-ok" in panel.mitigation_message.value
