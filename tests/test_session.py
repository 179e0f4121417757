"""Session behaviour added for the workbench UI: selection follows into the filter, model errors per field."""

from __future__ import annotations

import datetime as dt

import pytest

from workbench.session import Session


def _clock() -> dt.datetime:
    return dt.datetime(2026, 5, 4, 9, 30, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Session:
    folder = tmp_path_factory.mktemp("session") / "project"
    return Session.start(folder, template="support-assistant", actor="tester", clock=_clock)


def test_select_component_sets_the_component_filter(session: Session) -> None:
    session.set_filter("component", "llm")
    assert {r["element"] for r in session.rows()} == {"llm"}
    result = session.select_component("assistant")
    assert result.ok
    assert session.filters["component"] == "assistant"
    assert {r["element"] for r in session.rows()} == {"assistant"}
    session.select_component(None)
    assert session.filters["component"] is None
    assert len(session.rows()) == len(session.all_rows())


def test_select_component_picks_a_finding_of_it(session: Session) -> None:
    session.select_component("llm")
    row = session.finding_row()
    assert row is not None and row["element"] == "llm"
    session.select_component(None)


def test_model_errors_come_back_per_field(session: Session) -> None:
    result = session.add_component("new-app", "application", "no-such-zone", rate_limited="yes")
    assert not result.ok
    assert "zone" in result.field_errors
    assert "new-app" in result.message  # the summary names the component
    result = session.add_flow("f-x", "customer", "nowhere", ["user_input"])
    assert not result.ok
    assert "target" in result.field_errors
    assert "nowhere" in result.field_errors["target"]


def test_decision_errors_still_say_correct_the_fields(session: Session) -> None:
    fid = session.all_rows()[0]["id"]
    result = session.record_decision(fid, "accept", "")
    assert not result.ok
    assert result.message == "please correct the fields marked"
    assert "rationale" in result.field_errors
