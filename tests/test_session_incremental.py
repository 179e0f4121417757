"""A change to findings rebuilds only their rows, and the result is what a full rebuild gives.

Scores, mitigations and decisions change the register rows of the findings they
name (and of findings whose current decision a new one supersedes); the
analysis and every other row are kept. Each step below compares the patched
state with a project opened afresh from the saved files.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from workbench.project import Project
from workbench.session import Session


def _clock() -> dt.datetime:
    return dt.datetime(2026, 5, 4, 9, 30, tzinfo=dt.UTC)


def _fresh_rows(folder: Path) -> list[dict[str, Any]]:
    return Project.open(folder, clock=_clock).state().rows


@pytest.fixture()
def session(tmp_path: Path) -> Session:
    folder = tmp_path / "project"
    return Session.start(folder, template="support-assistant", actor="tester", clock=_clock)


def _same_as_fresh(session: Session) -> None:
    rows = session.state().rows
    assert rows == _fresh_rows(session.project.path)
    findings = session.state().findings
    assert [(f.id, f.likelihood, f.impact, f.band) for f in findings] == [
        (r["id"], r["likelihood"], r["impact"], r["band"]) for r in rows
    ]


def test_a_score_override_patches_one_row_and_keeps_the_analysis(session: Session) -> None:
    state = session.state()
    _ = state.findings  # built: the patched state carries them over
    row = state.rows[0]
    others = {r["id"]: r for r in state.rows[1:]}
    lik = 1 if row["likelihood"] != 1 else 2
    seen: list[frozenset[str] | None] = []
    session.on_change(lambda what: seen.append(session.changed_findings))
    assert session.override_score(row["id"], lik, None, "seen in the pilot").ok
    after = session.state()
    assert after is not state and after.result is state.result  # no re-analysis
    assert after.rows[0]["likelihood"] == lik
    assert all(r is others[r["id"]] for r in after.rows[1:])  # the other rows kept as they were
    assert seen == [frozenset({row["id"]})]
    assert session.changed_findings is None  # only during the notification
    _same_as_fresh(session)
    assert session.clear_override(row["id"]).ok
    assert session.state().rows[0]["likelihood"] == row["likelihood"]
    _same_as_fresh(session)


def test_mitigations_and_decisions_patch_rows_like_a_full_rebuild(session: Session) -> None:
    rows = session.state().rows
    first, second = rows[0]["id"], rows[1]["id"]
    candidates = session.candidates(first)
    assert candidates, "the template's first finding has candidate mitigations"
    assert session.choose_mitigation(first, candidates[0].id, status="done").ok
    _same_as_fresh(session)
    # one decision on two findings, then a new one on the first that supersedes it:
    # the second finding's row changes too (its decision is superseded)
    assert session.record_decision(
        [first, second], "accept", "low exposure in this deployment", owner="Risk team",
        review_by="2026-11-01",
    ).ok
    _same_as_fresh(session)
    assert {r["id"]: r["status"] for r in session.state().rows}[second] == "decided"
    result = session.record_decision(
        first, "mitigate", "the filter is planned for the next release", owner="Platform team",
        review_by="2026-11-01", due="2026-08-01",
    )
    assert result.ok, result.message
    _same_as_fresh(session)
    assert session.remove_mitigation(first, candidates[0].id).ok
    _same_as_fresh(session)


def test_a_new_finding_still_rebuilds_everything(session: Session) -> None:
    before = len(session.state().rows)
    seen: list[frozenset[str] | None] = []
    session.on_change(lambda what: seen.append(session.changed_findings))
    element = session.model.components()[0].id
    assert session.add_manual_finding(element, "Badge cloning", "badges are copied").ok
    assert len(session.state().rows) == before + 1
    assert seen == [None]
    _same_as_fresh(session)
