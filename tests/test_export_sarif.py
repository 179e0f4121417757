"""SARIF 2.1.0 for ``workbench check --format sarif``: essentials, lines, levels, golden file.

Golden file: ``tests/golden/sarif/support-assistant.sarif.json`` (``UPDATE_GOLDEN=1``
rewrites it); the tool version is replaced by ``VERSION`` before comparing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from golden.export_helpers import assert_golden, fixture_project

from workbench._version import __version__
from workbench.export.sarif import BAND_LEVELS, SARIF_SCHEMA, model_lines, sarif_report


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return fixture_project(tmp_path_factory.mktemp("sarif") / "p")


@pytest.fixture(scope="module")
def report(project: Any) -> dict[str, Any]:
    return sarif_report(project, project.undecided("low"))


def check_essentials(log: dict[str, Any]) -> None:
    """The parts of SARIF 2.1.0 that consumers (GitHub code scanning, viewers) require."""
    assert log["version"] == "2.1.0"
    assert log["$schema"] == SARIF_SCHEMA
    assert log["$schema"].startswith("https://") and log["$schema"].endswith(
        "sarif-schema-2.1.0.json"
    )
    assert isinstance(log["runs"], list) and len(log["runs"]) == 1
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "AI Threat Workbench"
    rule_ids = [r["id"] for r in driver["rules"]]
    assert len(rule_ids) == len(set(rule_ids))
    for rule in driver["rules"]:
        assert rule["id"] and rule["name"]
        assert rule["shortDescription"]["text"]
        assert rule["helpUri"].startswith("https://atlas.mitre.org")
    for result in run["results"]:
        assert result["ruleId"] in rule_ids
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note", "none")
        assert isinstance(result["message"]["text"], str) and result["message"]["text"]
        physical = result["locations"][0]["physicalLocation"]
        uri = physical["artifactLocation"]["uri"]
        assert not Path(uri).is_absolute() and "://" not in uri
        assert isinstance(physical["region"]["startLine"], int)
        assert physical["region"]["startLine"] >= 1


def normalised(log: dict[str, Any]) -> str:
    data = json.loads(json.dumps(log))
    driver = data["runs"][0]["tool"]["driver"]
    assert driver["version"] == driver["semanticVersion"] == __version__
    driver["version"] = driver["semanticVersion"] = "VERSION"
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_golden(report: dict[str, Any]) -> None:
    assert_golden("sarif/support-assistant.sarif.json", normalised(report))


def test_essentials(report: dict[str, Any]) -> None:
    check_essentials(report)
    assert len(report["runs"][0]["results"]) == 5  # 6 findings (2 manual), 1 decided


def test_results_point_at_the_element_in_model_yaml(project: Any, report: dict[str, Any]) -> None:
    lines = (project.path / "model.yaml").read_text(encoding="utf-8").splitlines()
    results = report["runs"][0]["results"]
    assert {r["properties"]["finding"] for r in results} == {
        r["id"] for r in project.undecided("low")
    }
    for result in results:
        loc = result["locations"][0]
        assert loc["physicalLocation"]["artifactLocation"] == {
            "uri": "model.yaml",
            "uriBaseId": "PROJECTROOT",
        }
        line = lines[loc["physicalLocation"]["region"]["startLine"] - 1]
        element = result["properties"]["element"]
        assert line.strip() in (f"- id: {element}", f"id: {element}"), line
        assert loc["logicalLocations"][0]["name"] == element
    flow = next(r for r in results if r["properties"]["elementType"] == "flow")
    assert flow["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == (
        "flows/customer-writes-ticket"
    )


def test_levels_follow_bands(report: dict[str, Any]) -> None:
    for result in report["runs"][0]["results"]:
        props = result["properties"]
        assert result["level"] == BAND_LEVELS[props["band"]]
        assert {"score", "band", "technique"} <= set(props)
        assert result["partialFingerprints"] == {"workbenchFinding/v1": props["finding"]}
    assert BAND_LEVELS == {"critical": "error", "high": "error", "medium": "warning", "low": "note"}


def test_rules_are_the_rules_that_fired(project: Any, report: dict[str, Any]) -> None:
    driver = report["runs"][0]["tool"]["driver"]
    fired = {r["rule"] for r in project.undecided("low")}
    assert {r["id"] for r in driver["rules"]} == fired
    rule = next(r for r in driver["rules"] if r["id"] == "fx-direct-prompt-injection")
    assert rule["name"] == "FxDirectPromptInjection"
    assert rule["shortDescription"]["text"] == "Direct prompt injection by untrusted users"
    assert rule["helpUri"] == "https://atlas.mitre.org/techniques/AML.T0051.000"
    assert rule["properties"]["technique"] == "AML.T0051.000"


def test_manual_findings_and_missing_model_file(project: Any, tmp_path: Path) -> None:
    rows = [
        {
            "id": "manual-poisoned-faq@help-centre",
            "rule": "manual",
            "element": "help-centre",
            "element_type": "component",
            "element_name": "Help-centre articles",
            "title": "Poisoned FAQ",
            "technique": "",
            "band": "medium",
            "score": 6,
            "status": "open",
        }
    ]
    log = sarif_report(project, rows)
    check_essentials(log)
    assert log["runs"][0]["tool"]["driver"]["rules"][0]["id"] == "manual"

    class Elsewhere:
        path = tmp_path / "no-project"
        catalog = project.catalog
        rules = project.rules
        model = project.model
        name = "x"

    moved = sarif_report(Elsewhere(), rows)
    check_essentials(moved)
    assert moved["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 1
    }
    assert sarif_report(project, [])["runs"][0]["results"] == []


def test_model_lines_reads_components_and_flows() -> None:
    text = (
        "system: {id: s}\n"
        "zones: [{id: z, trust: 0}]\n"
        "components:\n"
        "  - id: a\n"
        "    kind: actor\n"
        "    zone: z\n"
        "  -\n"
        "    kind: model\n"
        "    id: b\n"
        "flows:\n"
        "  - {id: f, from: a, to: b}\n"
    )
    assert model_lines(text) == {("components", "a"): 4, ("components", "b"): 9, ("flows", "f"): 11}


def test_check_command_writes_sarif(project: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from workbench.cli import main

    code = main(["check", str(project.path), "--fail-on", "low", "--format", "sarif"])
    out = capsys.readouterr().out
    log = json.loads(out)
    check_essentials(log)
    assert code == (1 if log["runs"][0]["results"] else 0)


def test_results_carry_the_owasp_ids_of_bundled_rules(tmp_path: Path) -> None:
    from workbench.project import Project

    project = Project.create(tmp_path / "p", template="support-assistant")
    rows = project.undecided("low")
    results = sarif_report(project, rows)["runs"][0]["results"]
    by_id = {r["properties"]["finding"]: r["properties"] for r in results}
    expected = {r["id"]: list(r["owasp"]) for r in rows if r["owasp"]}
    assert expected, "the support assistant's findings map to OWASP items"
    assert {fid: by_id[fid].get("owasp") for fid in expected} == expected
    assert any("LLM01:2025" in ids for ids in expected.values())
    # a finding with no OWASP item carries no empty list
    assert all(p.get("owasp") != [] for p in by_id.values())
