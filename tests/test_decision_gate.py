"""Decisions that cannot be gamed: validation, idempotence, the plan, history, one band."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import io
import json
from pathlib import Path

import pytest

from workbench.cli import main
from workbench.project import Project
from workbench.risk.decisions import DecisionError
from workbench.risk.mitigations import MitigationError, default_effect, load_effects
from workbench.risk.plan import PLAN_CSV_COLUMNS, PlanItem
from workbench.session import Session

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


def clock() -> dt.datetime:
    return NOW


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return Project.create(tmp_path / "p", template="support-assistant", actor="alice", clock=clock)


def high_rows(project: Project) -> list[dict]:
    return [r for r in project.state().rows if r["band"] in ("high", "critical")]


def canonical(record: dict) -> bytes:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


# -- the release gate -------------------------------------------------------------------------


def test_not_applicable_with_placeholders_cannot_pass_the_gate(project, capsys):
    rows = high_rows(project)
    assert rows
    for r in rows:
        with pytest.raises(DecisionError) as exc:
            project.decide(r["id"], "not_applicable", "n/a")
        assert "placeholder" in exc.value.problems["rationale"]
        assert "confirms" in exc.value.problems["confirmed_by"]
    assert project.log.decisions() == []
    assert main(["check", str(project.path), "--fail-on", "high"]) == 1


def test_a_hand_written_log_with_placeholders_still_fails_the_gate(project, capsys):
    """A log extended by hand with a valid chain is read, but its decisions do not count."""
    prev = "0" * 64
    lines = []
    for n, r in enumerate(high_rows(project), start=1):
        rec = {
            "seq": n, "type": "decision", "prev": prev, "recorded_at": NOW.isoformat(),
            "by": "mallory", "id": f"D-{n:04d}", "findings": [r["id"]],
            "treatment": "not_applicable", "rationale": "n/a", "owner": None,
            "date": "2026-11-25", "review_by": None, "links": [], "supersedes": None,
        }
        line = canonical(rec)
        prev = hashlib.sha256(line).hexdigest()
        lines.append(line)
    (project.path / "decisions.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    reopened = Project.open(project.path, clock=clock)
    assert all(r["status"] == "decided" for r in high_rows(reopened))
    gate = reopened.undecided("high")
    assert {r["id"] for r in gate} == {r["id"] for r in high_rows(reopened)}
    assert all("does not hold" in r["gate"] and "placeholder" in r["gate"] for r in gate)
    assert main(["check", str(project.path), "--fail-on", "high", "--as-of", "2026-11-25"]) == 1
    out = capsys.readouterr().out
    assert "does not hold" in out


def test_each_treatment_needs_its_details_on_a_high_finding(project):
    fid = high_rows(project)[0]["id"]
    cases = {
        "accept": {"owner", "review_by"},
        "mitigate": {"mitigations", "owner", "due"},
        "transfer": {"owner", "carrier"},
        "avoid": {"design_change"},
        "not_applicable": {"confirmed_by"},
    }
    for treatment, needed in cases.items():
        with pytest.raises(DecisionError) as exc:
            project.decide(fid, treatment, "a rationale of several words")
        assert needed <= set(exc.value.problems), (treatment, exc.value.problems)
    d = project.decide(fid, "transfer", "the provider carries this by contract", owner="Legal",
                       carrier="Model provider under the DPA")
    assert d.carrier == "Model provider under the DPA"
    assert project.register().row(fid)["carrier"] == "Model provider under the DPA"


def test_unknown_treatment_and_mitigation_are_refused(project):
    fid = high_rows(project)[0]["id"]
    with pytest.raises(DecisionError, match="unknown treatment"):
        project.decide(fid, "ignore", "we do not care about it")
    with pytest.raises(DecisionError, match="unknown mitigation"):
        project.decide(fid, "mitigate", "we will fix it soon", owner="Bob", due="2027-01-01",
                       mitigations=["AML.M9999"])


def test_overdue_decisions_are_undecided_and_check_says_so(project, capsys):
    fid = high_rows(project)[0]["id"]
    project.decide(fid, "accept", "accepted until the next release", owner="Bob",
                   review_by="2026-12-01")
    assert fid not in {r["id"] for r in project.undecided("high")}
    assert main(["check", str(project.path), "--as-of", "2026-12-02"]) == 1
    out = capsys.readouterr().out
    assert "overdue" in out and fid in out and "2026-12-01" in out
    rows = project.undecided("high", as_of=dt.date(2026, 12, 2))
    assert next(r for r in rows if r["id"] == fid)["gate"].startswith("overdue")


def test_a_mitigate_past_its_due_date_with_work_not_done_is_overdue(project):
    row = high_rows(project)[0]
    fid, mid = row["id"], row["mitigations"][0]
    project.choose_mitigation(fid, mid, owner="Bob", due="2026-12-01")
    project.decide(fid, "mitigate", "guardrails before the launch", owner="Bob")
    later = dt.date(2026, 12, 2)
    assert project.register(as_of=later).row(fid)["status"] == "review_due"
    project.choose_mitigation(fid, mid, owner="Bob", due="2026-12-01", status="done")
    assert project.register(as_of=later).row(fid)["status"] == "decided"


# -- recording twice records nothing --------------------------------------------------------------


def test_the_same_decision_twice_is_unchanged(project):
    fid = high_rows(project)[0]["id"]
    first = project.decide(fid, "accept", "accepted for the pilot phase", owner="Bob",
                           review_by="2027-01-01")
    before = (project.path / "decisions.jsonl").read_bytes()
    again = project.decide(fid, "accept", "accepted for the pilot  phase", owner="Bob",
                           review_by=dt.date(2027, 1, 1))
    assert again.unchanged and again.id == first.id and not first.unchanged
    assert (project.path / "decisions.jsonl").read_bytes() == before
    changed = project.decide(fid, "accept", "accepted for the pilot phase", owner="Carol",
                             review_by="2027-01-01")
    assert not changed.unchanged and changed.supersedes == first.id


def test_the_session_says_unchanged(project):
    session = Session(project, actor="alice")
    fid = high_rows(project)[0]["id"]
    args = ("accept", "accepted for the pilot phase")
    kw = {"owner": "Bob", "review_by": "2027-01-01"}
    assert session.record_decision(fid, *args, **kw).ok
    result = session.record_decision(fid, *args, **kw)
    assert result.ok and result.message.startswith("unchanged")
    assert len(project.log.decisions()) == 1


# -- the mitigation plan -----------------------------------------------------------------------------


def test_default_effects_are_data_and_shown():
    default, named = load_effects()
    assert (default.likelihood, default.impact) == (-1, 0) and default.reason
    assert default_effect("AML.M0005") == named["AML.M0005"]
    assert default_effect("AML.M9999") == default
    assert all(-4 <= e.likelihood <= 0 and -4 <= e.impact <= 0 for e in named.values())


def test_another_effect_needs_a_reason(project):
    row = high_rows(project)[0]
    with pytest.raises(MitigationError, match="effect_reason"):
        project.choose_mitigation(row["id"], "AML.M0020", likelihood_effect=-3)
    chosen = project.choose_mitigation(row["id"], "AML.M0020", likelihood_effect=-3,
                                       effect_reason="tested against our red-team set")
    assert chosen.effect_reason == "tested against our red-team set"
    plain = project.choose_mitigation(row["id"], "AML.M0005")
    assert (plain.likelihood_effect, plain.impact_effect) == (-2, 0)  # from the effects file


def test_residual_counts_done_and_verified_projected_counts_all(project):
    row = high_rows(project)[0]
    fid = row["id"]
    for status, residual, projected in (
        ("planned", False, True), ("in_progress", False, True), ("done", True, True),
        ("verified", True, True),
    ):
        project.choose_mitigation(fid, "AML.M0005", status=status)
        r = project.register().row(fid)
        lowered = max(1, row["likelihood"] - 2)
        assert (r["residual_likelihood"] == lowered) is residual, status
        assert (r["projected_likelihood"] == lowered) is projected, status
        assert r["score"] == row["score"]  # inherent stays


def test_plan_items_group_findings_and_the_plan_command_writes_tracker_csv(project, capsys):
    ids = [r["id"] for r in high_rows(project)[:3]]
    items = project.plan_mitigation(
        "AML.M0020", ids, owner="Web Team", due="2027-02-01", ticket="SEC-12", status="in_progress"
    )
    assert len(items) == 1 and isinstance(items[0], PlanItem)
    item = items[0]
    assert item.findings == tuple(sorted(ids)) and item.owner == "Web Team"
    assert item.source == "ATLAS" and item.effect_is_default
    assert project.mitigation_plan() == items
    # again: nothing changes
    before = (project.path / "assessment.yaml").read_bytes()
    project.plan_mitigation("AML.M0020", ids, owner="Web Team", due="2027-02-01",
                            ticket="SEC-12", status="in_progress")
    assert (project.path / "assessment.yaml").read_bytes() == before
    with pytest.raises(MitigationError, match="status"):
        project.plan_mitigation("AML.M0020", ids, status="started")
    assert main(["plan", str(project.path), "--format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert tuple(rows[0]) == PLAN_CSV_COLUMNS
    summary, description, assignee, due, labels = rows[1]
    assert summary.startswith("AML.M0020 Generative AI Guardrails: 3 findings")
    assert all(fid in description for fid in ids) and "SEC-12" in description
    assert (assignee, due) == ("Web Team", "2027-02-01")
    assert "status-in_progress" in labels.split(" ") and all(labels.split(" "))
    assert main(["plan", str(project.path)]) == 0
    assert "AML.M0020" in capsys.readouterr().out


def test_the_plan_survives_the_csv_round_trip(project, tmp_path):
    from workbench.risk.csv_import import import_register_csv

    fid = high_rows(project)[0]["id"]
    project.choose_mitigation(fid, "AML.M0020", status="in_progress", owner="Web Team",
                              due="2027-02-01", ticket="SEC-12")
    path = tmp_path / "r.csv"
    project.register().to_csv(path)
    report = import_register_csv(project, path)
    assert report.updated == [] and report.decisions == []
    text = path.read_text(encoding="utf-8-sig")
    cell = "AML.M0020 (in_progress, owner: Web Team, due: 2027-02-01, ticket: SEC-12, " \
           "likelihood: -1, impact: 0)"
    assert cell in text
    path.write_text(text.replace(cell, cell.replace("in_progress", "done")), encoding="utf-8-sig")
    report = import_register_csv(project, path, by="carol")
    assert report.updated == [fid]
    (chosen,) = project.assessment.mitigations[fid]
    assert chosen.status == "done" and chosen.ticket == "SEC-12"
    assert project.register().row(fid)["residual_likelihood"] < project.register().row(fid)[
        "likelihood"
    ]


# -- history and integrity -------------------------------------------------------------------------


def test_decision_history_keeps_every_record_oldest_first(project):
    fid = high_rows(project)[0]["id"]
    a = project.decide(fid, "accept", "accepted for the pilot phase", owner="Bob",
                       review_by="2027-01-01")
    b = project.decide(fid, "accept", "accepted until the audit", owner="Bob",
                       review_by="2027-03-01", by="carol")
    history = project.decision_history(fid)
    assert [d.id for d in history] == [a.id, b.id]
    assert history[1].supersedes == a.id and history[1].decided_by == "carol"
    assert history[0].rationale == "accepted for the pilot phase"
    assert project.decision_history("nope@nothing") == []


def test_log_status_names_the_first_bad_line_and_the_workbench_shows_a_red_banner(
    project, capsys
):
    from workbench.ui.history import history_html, integrity_banner

    fid = high_rows(project)[0]["id"]
    project.decide(fid, "accept", "accepted for the pilot phase", owner="Bob",
                   review_by="2027-01-01")
    project.decide(fid, "accept", "accepted until the audit <b>", owner="Bob",
                   review_by="2027-03-01")
    session = Session(project, actor="alice")
    assert project.log_status().ok and integrity_banner(session) == ""
    assert "&lt;b&gt;" in history_html(project.decision_history(fid))
    log = project.path / "decisions.jsonl"
    lines = log.read_bytes().splitlines(keepends=True)
    log.write_bytes(lines[0].replace(b"pilot", b"Pilot") + lines[1])
    status = project.log_status()
    assert not status.ok and status.first_bad_line == 2
    banner = integrity_banner(session)
    assert "#b71c1c" in banner and "line 2" in banner
    assert main(["status", str(project.path)]) == 0
    assert "BROKEN: line 2" in capsys.readouterr().out
    log.write_bytes(lines[0])  # the last record removed: caught through the recorded head
    assert not project.log_status().ok


# -- one band everywhere ------------------------------------------------------------------------------


def test_coverage_uses_the_current_band(project):
    row = next(r for r in project.state().rows if r["band"] == "critical")
    fid = row["id"]

    def listed(cov):
        check = cov.check("high-threats-decided")
        return any(fid in d for d in check.details)

    assert listed(project.coverage())
    project.override(fid, likelihood=1, impact=1, reason="only reachable from the admin VPN")
    assert project.register().row(fid)["band"] == "low"
    cov = project.coverage()
    assert not listed(cov)
    related = {f["id"]: f["band"] for g in cov.guidelines for f in g.findings}
    assert related.get(fid, "low") == "low"
    assert next(f for f in project.state().findings if f.id == fid).band == "low"


def test_a_guideline_whose_checks_are_all_not_applicable_is_not_assessed():
    from workbench.catalog import load_guidelines
    from workbench.model import load_template
    from workbench.risk.coverage import guideline_coverage

    g23 = next(g for g in load_guidelines() if g.number == "2.3")
    only_na = dataclasses.replace(g23, checks=[
        c for c in g23.checks if c.id in ("hashes-recorded", "retention-stated", "data-provenance")
    ])
    cov = guideline_coverage(load_template("coding-agent"), as_of=dt.date(2026, 1, 1),
                             guidelines=[only_na])
    (g,) = cov.guidelines
    assert all(not c.applicable for c in g.checks) and g.state == "not_assessed"
    assert cov.counts()["not_assessed"] == 1 and cov.counts()["pass"] == 0
    assert "not assessed" in cov.to_text()
