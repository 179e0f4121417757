"""Model diff: elements, attribute changes, findings, risk moved, orphaned decisions, CLI.

The template variations are analysed with the frozen rules in
``tests/fixtures/export-rules`` so the expectations do not follow the tuning of
the bundled rule library.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from golden.export_helpers import EXPORT_RULES, fixture_project, fixture_rules, run_cli

from workbench.diff import AttributeChange, ModelDiff, diff_models, diff_paths
from workbench.model import load_template, save_model


@pytest.fixture(scope="module")
def rules() -> Any:
    return fixture_rules()


@pytest.fixture
def old() -> Any:
    return load_template("support-assistant")


def ids(findings: list[dict[str, Any]]) -> list[str]:
    return [f["id"] for f in findings]


def test_no_changes(old: Any, rules: Any) -> None:
    d = diff_models(old, old.copy(), rules=rules)
    assert not d
    assert not d.model_changed
    assert "No differences" in d.to_text()
    data = d.to_dict()
    assert data["components"] == {"added": [], "removed": [], "changed": []}
    assert data["findings"] == {"added": [], "removed": [], "risk_moved": []}


def test_remove_a_flow(old: Any, rules: Any) -> None:
    new = old.copy()
    new.remove_flow("customer-writes-ticket")
    d = diff_models(old, new, rules=rules)
    assert [e["id"] for e in d.flows.removed] == ["customer-writes-ticket"]
    assert d.flows.removed[0]["from"] == "customer"
    assert not d.flows.added and not d.flows.changed and not d.components
    assert ids(d.findings_removed) == ["fx-unauthenticated-inbound-flow@customer-writes-ticket"]
    assert d.findings_added == []
    text = d.to_text()
    assert "- customer-writes-ticket (customer -> customer-tickets" in text
    assert "- fx-unauthenticated-inbound-flow@customer-writes-ticket" in text


def test_change_an_attribute(old: Any, rules: Any) -> None:
    new = old.copy()
    new.update_component("vector-store", per_document_access_control=True)
    d = diff_models(old, new, rules=rules)
    (change,) = d.components.changed
    assert change.id == "vector-store"
    assert change.changes == (AttributeChange("per_document_access_control", False, True),)
    assert ids(d.findings_removed) == ["fx-cross-tenant-retrieval@vector-store"]
    assert "~ vector-store: per_document_access_control false -> true" in d.to_text()


def test_rename_a_display_name(old: Any, rules: Any) -> None:
    new = old.copy()
    new.update_component("llm", name="Hosted LLM (v2)")
    d = diff_models(old, new, rules=rules)
    assert [(c.id, c.changes) for c in d.components.changed] == [
        ("llm", (AttributeChange("name", "Hosted LLM", "Hosted LLM (v2)"),))
    ]
    # finding ids use element ids, not display names: nothing appears or disappears
    assert d.findings_added == d.findings_removed == d.risk_moved == []
    assert '~ llm: name "Hosted LLM" -> "Hosted LLM (v2)"' in d.to_text()


def test_add_a_component(old: Any, rules: Any) -> None:
    new = old.copy()
    new.add_component("summariser", "model", "provider", name="Summariser LLM", model_type="llm")
    new.add_flow("summary-prompt", "chat-frontend", "summariser", data=["prompt"])
    d = diff_models(old, new, rules=rules)
    assert [e["id"] for e in d.components.added] == ["summariser"]
    assert d.components.added[0] == {
        "id": "summariser",
        "kind": "model",
        "zone": "provider",
        "model_type": "llm",
        "name": "Summariser LLM",
    }
    assert [e["id"] for e in d.flows.added] == ["summary-prompt"]
    # the chat front end takes customers' input and, through the assistant, ticket content
    assert ids(d.findings_added) == [
        "fx-direct-prompt-injection@summariser",
        "fx-indirect-prompt-injection@summariser",
    ]
    added = d.findings_added[0]
    assert added["technique"] == "AML.T0051.000" and added["element"] == "summariser"
    text = d.to_text()
    assert '+ summariser "Summariser LLM" (model, zone provider)' in text
    assert "+ fx-direct-prompt-injection@summariser" in text


def test_remove_a_component_and_change_zones_and_facts(old: Any, rules: Any) -> None:
    new = old.copy()
    new.remove_component("monitoring")
    new.update_zone("dmz", trust=1)
    new.update_system(owner="Platform Security")
    d = diff_models(old, new, rules=rules)
    assert [e["id"] for e in d.components.removed] == ["monitoring"]
    assert [e["id"] for e in d.flows.removed] == ["assistant-telemetry"]
    assert [(c.id, c.changes) for c in d.zones.changed] == [
        ("dmz", (AttributeChange("trust", 2, 1),))
    ]
    assert d.system == [
        AttributeChange("owner", "Customer Experience Engineering", "Platform Security")
    ]


def test_risk_moved_with_reason(old: Any, rules: Any) -> None:
    new = old.copy()
    for component in ("customer-tickets", "vector-store", "conversation-log"):
        new.update_component(component, sensitivity="internal")
    d = diff_models(old, new, rules=rules)
    assert d.findings_added == d.findings_removed == []
    moved = {m.finding: m for m in d.risk_moved}
    m = moved["fx-direct-prompt-injection@llm"]
    assert (m.old_score, m.old_band, m.new_score, m.new_band) == (20, "critical", 15, "high")
    assert m.reason.startswith("impact 4 -> 3 (was: ")
    assert "reaches personal assets" in m.reason
    cross = moved["fx-cross-tenant-retrieval@vector-store"]
    assert (cross.old_band, cross.new_band) == ("medium", "low")
    assert 'Vector index changed: sensitivity "personal" -> "internal"' in cross.reason
    assert "critical 20 -> high 15" in d.to_text()
    as_dict = d.to_dict()["findings"]["risk_moved"]
    assert {"finding", "old_score", "new_score", "old_band", "new_band", "reason"} <= set(
        as_dict[0]
    )


def test_orphaned_decisions(tmp_path: Path, rules: Any) -> None:
    project = fixture_project(tmp_path / "p")
    project.decide(
        [
            "fx-direct-prompt-injection@llm",
            "fx-unauthenticated-inbound-flow@customer-writes-ticket",
        ],
        "mitigate",
        "Input filter and sender authentication are planned.",
        owner="Web Team",
        mitigations=["AML.M0015"],
        due="2027-01-01",
    )
    current = project.log.current()
    old = project.model
    new = old.copy()
    new.update_component("vector-store", per_document_access_control=True)
    new.remove_flow("customer-writes-ticket")
    d = diff_models(old, new, rules=rules, old_decisions=current)
    orphans = {o.decision: o for o in d.orphaned_decisions}
    assert set(orphans) == {"D-0001", "D-0002"}
    assert orphans["D-0001"].missing == ("fx-cross-tenant-retrieval@vector-store",)
    assert orphans["D-0001"].partial is False
    assert orphans["D-0001"].treatment == "accept"
    assert orphans["D-0002"].missing == ("fx-unauthenticated-inbound-flow@customer-writes-ticket",)
    assert orphans["D-0002"].partial is True
    text = d.to_text()
    assert "! D-0001 (accept): all its findings are gone" in text
    assert "! D-0002 (mitigate): some of its findings are gone" in text
    # a list of decisions works too; decisions orphaned already in OLD are not reported again
    again = diff_models(new, new.copy(), rules=rules, old_decisions=project.log.decisions())
    assert again.orphaned_decisions == []
    # without the old decisions nothing is reported
    assert diff_models(old, new, rules=rules).orphaned_decisions == []


def test_manual_findings_stay_while_their_element_exists(old: Any, rules: Any) -> None:
    from workbench.risk.decisions import Decision

    decision = Decision(
        id="D-0001",
        findings=("manual-poisoned-faq@help-centre",),
        treatment="accept",
        rationale="r",
        owner="o",
        decided_by="t",
        date="2026-05-04",
        review_by=None,
        links=(),
        supersedes=None,
        recorded_at="2026-05-04T09:30:00+00:00",
    )
    manual = [("manual-poisoned-faq@help-centre", "help-centre")]
    kept = old.copy()
    kept.update_component("help-centre", name="Help centre")
    assert not diff_models(
        old, kept, rules=rules, old_decisions=[decision], manual_findings=manual
    ).orphaned_decisions
    gone = old.copy()
    gone.remove_component("help-centre")
    (orphan,) = diff_models(
        old, gone, rules=rules, old_decisions=[decision], manual_findings=manual
    ).orphaned_decisions
    assert orphan.missing == ("manual-poisoned-faq@help-centre",)


def test_diff_paths_with_a_project_folder(tmp_path: Path) -> None:
    project = fixture_project(tmp_path / "p")
    project.settings["rules"] = [str(EXPORT_RULES)]
    project.save()
    new = project.model.copy()
    new.update_component("vector-store", per_document_access_control=True)
    new_file = tmp_path / "new.yaml"
    save_model(new, new_file)
    d = diff_paths(project.path, new_file)
    assert isinstance(d, ModelDiff)
    assert d.old_source == str(project.path) and d.new_source == str(new_file)
    assert "fx-cross-tenant-retrieval@vector-store" in ids(d.findings_removed)
    assert [o.decision for o in d.orphaned_decisions] == ["D-0001"]
    # two model files: no decisions to orphan
    old_file = tmp_path / "old.yaml"
    save_model(project.model, old_file)
    plain = diff_paths(old_file, new_file, rule_dirs=[EXPORT_RULES])
    assert plain.orphaned_decisions == []
    assert "fx-cross-tenant-retrieval@vector-store" in ids(plain.findings_removed)


def test_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    old = load_template("support-assistant")
    new = old.copy()
    new.remove_flow("customer-writes-ticket")
    old_file, new_file = tmp_path / "old.yaml", tmp_path / "new.yaml"
    save_model(old, old_file)
    save_model(new, new_file)
    args = ["diff", str(old_file), str(new_file), "--rules", str(EXPORT_RULES)]
    assert run_cli([*args, "--format", "json"], monkeypatch) == 0
    data = json.loads(capsys.readouterr().out)
    assert [e["id"] for e in data["flows"]["removed"]] == ["customer-writes-ticket"]
    assert "fx-unauthenticated-inbound-flow@customer-writes-ticket" in [
        f["id"] for f in data["findings"]["removed"]
    ]
    assert run_cli(args, monkeypatch) == 0
    assert "Flows: 0 added, 1 removed, 0 changed" in capsys.readouterr().out
    assert run_cli([*args, "--exit-code"], monkeypatch) == 1
    capsys.readouterr()
    same = ["diff", str(old_file), str(old_file), "--exit-code"]
    assert run_cli(same, monkeypatch) == 0
    out = tmp_path / "diff.json"
    assert run_cli([*args, "--format", "json", "--output", str(out)], monkeypatch) == 0
    assert json.loads(out.read_text())["flows"]["removed"][0]["id"] == "customer-writes-ticket"
    assert run_cli(["diff", str(tmp_path / "nope.yaml"), str(new_file)], monkeypatch) == 2
    assert "no such model file" in capsys.readouterr().err


def test_docstring_examples() -> None:
    import doctest

    import workbench.diff

    result = doctest.testmod(workbench.diff)
    assert result.attempted > 0 and result.failed == 0
