"""Findings on flows appear wherever findings appear: register, CSV, explain, SARIF (at the
flow's line in model.yaml), STIX, the report and the CLI."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from workbench.export.report import render_html_report, render_markdown_report
from workbench.export.sarif import model_lines, sarif_report
from workbench.export.stix import export_stix, stix_text
from workbench.project import Project
from workbench.register import ThreatRegister
from workbench.rules import explain

FLOW = "issue-token"
FINDING = f"flow-credentials-unprotected@{FLOW}"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return Project.create(
        tmp_path_factory.mktemp("flows") / "p", template="coding-agent", actor="tester"
    )


def test_the_flow_finding_is_in_the_analysis(project: Any) -> None:
    f = project.state().result.finding(FINDING)
    assert f.element_type == "flow" and f.element == FLOW
    assert "Developer credential store" in f.reason and "Issue tracker MCP server" in f.reason


def test_register_and_csv(project: Any) -> None:
    row = project.register().row(FINDING)
    assert row["element_type"] == "flow"
    assert row["zone"] == "internal -> vendor"
    reg = ThreatRegister.from_result(project.state().result, model=project.model, catalog=project.catalog)
    text = reg.to_csv_text()
    assert FINDING in text and '"flow"' in text


def test_explain_on_the_flow(project: Any) -> None:
    entries = explain(project.model, FLOW, catalog=project.catalog, rules=project.rules)
    (entry,) = [e for e in entries if e["rule"] == "flow-credentials-unprotected"]
    assert entry["matched"] and entry["assumed"]
    assert entry["assumptions"] == ["authenticated not stated (assumed false)"]
    assert entry["controls"] == ["-1 encrypted in transit (encrypted = true)"]


def test_sarif_points_at_the_flow_line(project: Any) -> None:
    rows = [r for r in project.state().rows if r["id"] == FINDING]
    log = sarif_report(project, rows)
    (result,) = log["runs"][0]["results"]
    line = result["locations"][0]["physicalLocation"]["region"]["startLine"]
    lines = model_lines((Path(project.path) / "model.yaml").read_text(encoding="utf-8"))
    assert line == lines[("flows", FLOW)] > 1


def test_stix_and_report(project: Any) -> None:
    created = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    bundle = json.loads(stix_text(export_stix(project, created=created)))
    assert FINDING in json.dumps(bundle)
    assert FINDING in render_markdown_report(project, generated_at="2026-01-01T00:00:00Z")
    assert FINDING in render_html_report(project, generated_at="2026-01-01T00:00:00Z")
