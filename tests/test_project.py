"""Projects: scoring, overrides, mitigations, decisions, manual findings, safe saves, check."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from workbench.cli import main
from workbench.errors import InputError, ProjectError
from workbench.project import Project, manual_finding_id
from workbench.risk.decisions import DecisionError

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


def clock():
    return NOW


@pytest.fixture
def project(tmp_path):
    return Project.create(tmp_path / "p", template="support-assistant", actor="alice", clock=clock)


def top(project, band=None):
    rows = project.state().rows
    if band:
        rows = [r for r in rows if r["band"] == band]
    return max(rows, key=lambda r: (r["score"], r["id"]))


def test_create_writes_a_git_friendly_folder(project):
    names = sorted(p.name for p in project.path.iterdir())
    assert names == [
        "assessment.yaml",
        "decisions.jsonl",
        "model.yaml",
        "project.yaml",
    ] or names == ["assessment.yaml", "model.yaml", "project.yaml"]
    text = (project.path / "project.yaml").read_text()
    assert "atlas_version: 5.6.0" in text and "rules_digest:" in text
    again = Project.open(project.path, clock=clock)
    assert again.notices == []
    assert [r["id"] for r in again.state().rows] == [r["id"] for r in project.state().rows]


def test_create_refuses_a_folder_with_files(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "notes.txt").write_text("mine")
    with pytest.raises(ProjectError, match="not an empty folder"):
        Project.create(tmp_path / "x", template="support-assistant", actor="a")


def test_who_acts_is_explicit(tmp_path):
    p = Project.create(tmp_path / "q", template="support-assistant", clock=clock)
    fid = p.state().rows[0]["id"]
    with pytest.raises(ProjectError, match="who is acting"):
        p.override(fid, likelihood=2, reason="x")
    p.override(fid, likelihood=2, reason="x", by="carol")
    assert p.assessment.overrides[fid]["by"] == "carol"


def test_override_keeps_author_reason_and_prefill(project):
    row = top(project)
    with pytest.raises(DecisionError) as exc:
        project.override(row["id"], likelihood=2, reason="  ")
    assert "reason" in exc.value.problems
    with pytest.raises(DecisionError) as exc:
        project.override(row["id"], likelihood=9, reason="x")
    assert "likelihood" in exc.value.problems
    project.override(row["id"], likelihood=1, reason="only reachable from the VPN", by="bob")
    new = project.register().row(row["id"])
    assert new["likelihood"] == 1 and new["impact"] == row["impact"]
    assert new["score"] == row["impact"] and new["band"] == project.matrix.band(1, row["impact"])
    assert "override by bob: only reachable from the VPN" in new["likelihood_reason"]
    assert "prefill:" in new["likelihood_reason"]
    project.clear_override(row["id"])
    assert project.register().row(row["id"])["likelihood"] == row["likelihood"]


def test_residual_counts_implemented_and_projected_counts_planned(project):
    row = top(project)
    fid = row["id"]
    why = "tested against our own red-team prompts"
    project.choose_mitigation(
        fid, row["mitigations"][0], status="planned", likelihood_effect=-2, impact_effect=0,
        effect_reason=why,
    )
    r = project.register().row(fid)
    assert r["residual_score"] == row["score"]
    lik = max(1, row["likelihood"] - 2)
    assert r["projected_score"] == lik * row["impact"]
    project.choose_mitigation(  # "implemented" is read as "done"
        fid, row["mitigations"][0], status="implemented", likelihood_effect=-2, impact_effect=0,
        effect_reason=why,
    )
    r = project.register().row(fid)
    assert (r["residual_likelihood"], r["residual_score"]) == (lik, lik * row["impact"])
    assert r["chosen_mitigations"] == [
        f"{row['mitigations'][0]} (done, likelihood: -2, impact: 0, reason: {why})"
    ]
    if len(row["mitigations"]) > 1:
        project.choose_mitigation(
            fid, row["mitigations"][1], status="verified", impact_effect=-1, likelihood_effect=0,
            effect_reason="limits what an attacker gets",
        )
        r = project.register().row(fid)
        assert r["residual_impact"] == max(1, row["impact"] - 1)


def test_unknown_mitigation_and_bad_effect_are_refused(project):
    from workbench.risk.mitigations import MitigationError

    fid = top(project)["id"]
    with pytest.raises(MitigationError, match="unknown mitigation"):
        project.choose_mitigation(fid, "AML.M9999")
    with pytest.raises(MitigationError, match="likelihood_effect"):
        project.choose_mitigation(fid, "AML.M0020", likelihood_effect=3)
    project.choose_mitigation(fid, "wb-sanitise-html")  # project-defined controls are allowed


def test_decisions_change_status_and_supersede(project):
    row = (
        top(project, "critical")
        if any(r["band"] == "critical" for r in project.state().rows)
        else top(project)
    )
    fid = row["id"]
    with pytest.raises(DecisionError) as exc:
        project.decide(fid, "accept", "we live with it")
    assert {"owner", "review_by"} <= set(exc.value.problems)
    project.choose_mitigation(fid, row["mitigations"][0], due="2027-03-01")
    first = project.decide(
        fid, "mitigate", "add guardrails to the chat", owner="bob", review_by="2027-03-01"
    )
    assert first.mitigations == (row["mitigations"][0],) and first.due == "2027-03-01"
    assert project.register().row(fid)["status"] == "decided"
    second = project.decide(
        fid, "accept", "the residual risk is fine", owner="bob", review_by="2027-06-01"
    )
    assert second.supersedes == first.id
    r = project.register().row(fid)
    assert (r["treatment"], r["owner"], r["decided_by"]) == ("accept", "bob", "alice")
    later = dt.date(2027, 7, 1)
    assert project.register(as_of=later).row(fid)["status"] == "review_due"
    assert fid in {r["id"] for r in project.undecided("high", as_of=later)}


def test_decisions_survive_reanalysis_and_orphans_are_reported(project):
    state = project.state()
    on_llm = next(r for r in state.rows if r["element"] == "llm")
    project.decide(on_llm["id"], "accept", "guardrails are enough", owner="bob", review_by="2027-01-01")
    # a harmless model change: decisions stay attached
    project.edit_model(lambda m: m.update_component("llm", description="changed"))
    assert project.register().row(on_llm["id"])["status"] == "decided"
    # remove the component: the decision is orphaned, not dropped
    project.edit_model(lambda m: m.remove_component("llm"))
    orphans = project.state().orphaned
    assert [d.findings for d, _missing in orphans] == [(on_llm["id"],)]
    assert len(project.log.decisions()) == 1


def test_manual_findings_have_stable_ids_and_survive_reanalysis(project):
    f = project.add_manual_finding(
        "llm", "Provider outage stops support", reason="single provider", likelihood=2, impact=4
    )
    assert (
        f.id
        == manual_finding_id("Provider outage stops support", "llm")
        == "manual-provider-outage-stops-support@llm"
    )
    assert f.manual and f.rule == "manual"
    with pytest.raises(DecisionError) as exc:
        project.add_manual_finding("nope", "", reason="")
    assert {"element", "title", "reason"} <= set(exc.value.problems)
    reopened = Project.open(project.path, clock=clock)
    row = reopened.register().row(f.id)
    assert row["manual"] is True and row["score"] == 8
    reopened.decide(f.id, "transfer", "covered by the provider's SLA", owner="ops")
    assert reopened.register().row(f.id)["status"] == "decided"


def test_rename_component_rewrites_what_points_at_it(project):
    row = next(r for r in project.state().rows if r["element"] == "llm")
    project.decide(row["id"], "accept", "guardrails are enough", owner="bob", review_by="2027-01-01")
    project.override(row["id"], impact=2, reason="low value")
    project.rename_component("llm", "hosted-llm")
    new_id = row["id"].replace("@llm", "@hosted-llm")
    r = project.register().row(new_id)
    assert r["status"] == "decided" and r["impact"] == 2
    assert project.log.records()[-1]["type"] == "rename"
    assert project.state().orphaned == []


def test_second_kernel_saving_the_same_project_is_refused(project):
    other = Project.open(project.path, clock=clock)
    fid = top(project)["id"]
    project.override(fid, likelihood=2, reason="first kernel")
    with pytest.raises(ProjectError, match="changed on disk since this project was opened"):
        other.override(fid, likelihood=3, reason="second kernel")
    assert (
        Project.open(project.path, clock=clock).assessment.overrides[fid]["reason"]
        == "first kernel"
    )


def test_crash_mid_save_leaves_the_previous_version(project, monkeypatch):
    before = {p.name: p.read_bytes() for p in project.path.iterdir()}
    fid = top(project)["id"]

    def crash(fd):
        raise OSError("power cut")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError, match="power cut"):
        project.override(fid, likelihood=1, reason="x")
    monkeypatch.undo()
    after = {p.name: p.read_bytes() for p in project.path.iterdir()}
    assert after == before
    assert Project.open(project.path, clock=clock).assessment.overrides == {}


def test_opening_with_other_rules_says_so(project):
    text = (
        (project.path / "project.yaml")
        .read_text()
        .replace("atlas_version: 5.6.0", "atlas_version: 5.5.0")
    )
    (project.path / "project.yaml").write_text(text)
    again = Project.open(project.path, clock=clock)
    assert any("ATLAS 5.5.0" in n and "reanalyze()" in n for n in again.notices)
    again.reanalyze()
    assert Project.open(project.path, clock=clock).notices == []


def test_newer_project_schema_is_refused(project):
    text = (
        (project.path / "project.yaml")
        .read_text()
        .replace("schema_version: 1", "schema_version: 99")
    )
    (project.path / "project.yaml").write_text(text)
    with pytest.raises(InputError, match="newer"):
        Project.open(project.path)


def test_check_command_exit_codes(project, capsys):
    code = main(["check", str(project.path), "--fail-on", "high", "--as-of", "2026-11-25"])
    out = capsys.readouterr().out
    undecided = project.undecided("high")
    assert code == (1 if undecided else 0)
    for r in undecided:
        assert r["id"] in out
        project.decide(r["id"], "accept", "planned work covers it", owner="bob", review_by="2027-01-01")
    assert main(["check", str(project.path), "--fail-on", "high", "--as-of", "2026-11-25"]) == 0
    assert main(["check", str(project.path), "--fail-on", "high", "--as-of", "2027-02-01"]) == 1
    assert main(["check", str(project.path), "--fail-on", "severe"]) == 2
    assert main(["check", str(project.path / "nope")]) == 2


def test_verify_command(project, capsys):
    fid = top(project)["id"]
    project.decide(fid, "accept", "first reason given", owner="bob", review_by="2027-01-01")
    project.decide(fid, "accept", "second reason given", owner="bob", review_by="2027-01-01")
    assert main(["verify", str(project.path)]) == 0
    log = project.path / "decisions.jsonl"
    lines = log.read_bytes().splitlines(keepends=True)
    log.write_bytes(lines[0].replace(b"first reason", b"First reason") + lines[1])
    assert main(["verify", str(project.path)]) == 1
    assert "line 2" in capsys.readouterr().out
    log.write_bytes(lines[0])  # the last record deleted: caught through the project's recorded head
    assert main(["verify", str(project.path)]) == 1


def test_init_command(tmp_path, capsys):
    assert (
        main(["init", str(tmp_path / "n"), "--template", "fraud-classifier", "--actor", "dana"])
        == 0
    )
    assert "created project" in capsys.readouterr().out
    assert Project.open(tmp_path / "n").settings["actor"] == "dana"
    assert main(["init", str(tmp_path / "n"), "--template", "fraud-classifier"]) == 2
    assert main(["init", str(tmp_path / "m"), "--template", "no-such"]) == 2


def test_manual_finding_on_a_flow(project):
    flow = project.model.flows()[0]
    f = project.add_manual_finding(flow.id, "Replay of requests", reason="no nonce")
    assert f.element_type == "flow" and f.element_name == flow.name
    row = project.register().row(f.id)
    assert row["element_type"] == "flow" and " -> " in row["zone"]


def test_mitigation_candidates_and_coverage(project):
    from workbench.risk.mitigations import candidates_for, mitigation_coverage

    state = project.state()
    finding = next(f for f in state.findings if f.technique == "AML.T0051.000")
    candidates = candidates_for(finding, project.catalog, project.rules.controls)
    sources = {c.id: c.source for c in candidates}
    # the rule's suggestions first, then ATLAS links of its techniques (parent included)
    assert all(sources[m] == "rule" for m in finding.mitigations)
    linked = {
        m.id
        for t in finding.techniques
        for m in project.catalog.mitigations_for(t, include_parent=True)
    }
    assert linked <= set(sources)
    assert all(
        c.url.startswith("https://atlas.mitre.org/mitigations/")
        for c in candidates
        if c.id.startswith("AML.")
    )
    chosen_id = finding.mitigations[0]
    project.choose_mitigation(finding.id, chosen_id, status="implemented")
    state = project.state()
    report = mitigation_coverage(
        state.findings, project.assessment.mitigations, project.catalog, project.rules.controls
    )
    assert finding.id not in report.unmitigated
    assert set(report.unmitigated) == {f.id for f in state.findings} - {finding.id}
    scores = [r["candidate_score"] for r in report.ranking]
    assert scores == sorted(scores, reverse=True)
    row = next(r for r in report.ranking if r["id"] == chosen_id)
    assert row["chosen_findings"] == 1 and row["chosen_score"] == finding.score
    expected = sum(
        f.score
        for f in state.findings
        if chosen_id in {c.id for c in candidates_for(f, project.catalog, project.rules.controls)}
    )
    assert row["candidate_score"] == expected
