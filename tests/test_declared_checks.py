"""Guideline checks declared in the catalog (``evaluate:``) and one finding status."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from workbench._resources import catalog_path
from workbench.catalog import load_guidelines
from workbench.catalog.guidelines import CHECK_WORDS, CheckSpec
from workbench.errors import CatalogError
from workbench.model import load_template
from workbench.risk.coverage import evaluated_checks, guideline_coverage
from workbench.risk.decisions import decision_status

AS_OF = dt.date(2025, 6, 1)


def _catalog_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(catalog_path("guidelines.yaml").read_text("utf-8"))
    return data


def _entry(data: dict[str, Any], check_id: str) -> dict[str, Any]:
    for stage in data["stages"]:
        for guideline in stage["guidelines"]:
            for check in guideline["checks"]:
                if check["id"] == check_id:
                    return check  # type: ignore[no-any-return]
    raise KeyError(check_id)


def _write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "guidelines.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_the_bundled_catalog_declares_the_simple_checks():
    declared = {c.id: c.evaluate for c in load_guidelines().checks() if c.evaluate is not None}
    assert len(declared) == 20
    assert {spec.kind for spec in declared.values()} == {
        "flag", "records", "integrity", "monitoring", "fact", "provided"
    }
    assert declared["least-privilege"] == CheckSpec(
        "flag", kinds=("agent",), attribute="permissions", good=("single_user", "multi_user"),
        not_applicable="no agents",
    )
    assert declared["hashes-recorded"].skip_hosted
    # every check is evaluated: declared here or in the coverage code
    assert {c.id for c in load_guidelines().checks()} <= set(evaluated_checks())


def test_a_declared_check_reads_the_catalog_it_is_given(tmp_path):
    model = load_template("coding-agent")
    agents = [c for c in model.components() if c.kind == "agent"]
    assert agents
    model.update_component(agents[0].id, permissions="multi_user")
    bundled = guideline_coverage(model, as_of=AS_OF).check("least-privilege")
    assert bundled.status == "pass"

    data = _catalog_data()
    _entry(data, "least-privilege")["evaluate"]["good"] = ["single_user"]
    stricter = load_guidelines(_write(tmp_path, data))
    cov = guideline_coverage(model, as_of=AS_OF, guidelines=stricter)
    check = cov.check("least-privilege")
    assert check.status == "fail"
    assert f'fail: agent "{agents[0].id}" has permissions: multi_user' in check.details
    assert check.elements == [agents[0].id]


def test_declared_records_fact_and_not_applicable(tmp_path):
    data = _catalog_data()
    _entry(data, "retention-stated")["evaluate"] = {
        "each": ["model"], "records": ["version", "owner"], "what": "for the inventory",
        "none": "no models here",
    }
    _entry(data, "incident-plan")["evaluate"] = {"fact": "disclosure_contact"}
    catalog = load_guidelines(_write(tmp_path, data))
    model = load_template("fraud-classifier")
    model.update_system(disclosure_contact="security@example.org")
    first = next(c for c in model.components() if c.kind == "model")
    model.update_component(first.id, version=None, owner="ML team")
    cov = guideline_coverage(model, as_of=AS_OF, guidelines=catalog)
    records = cov.check("retention-stated")
    assert records.status == "fail"
    assert f'fail: model "{first.id}" has no version (for the inventory)' in records.details
    fact = cov.check("incident-plan")
    assert (fact.status, fact.details) == (
        "pass", ["pass: the system references disclosure_contact security@example.org"]
    )
    for comp in [c for c in model.components() if c.kind == "model"]:
        model.remove_component(comp.id)
    empty = guideline_coverage(model, as_of=AS_OF, guidelines=catalog).check("retention-stated")
    assert (empty.status, empty.applicable, empty.details) == (
        "pass", False, ["not applicable: no models here"]
    )


@pytest.mark.parametrize(
    ("evaluate", "expected"),
    [
        ({"each": ["agent"], "flag": "permissions", "colour": "red", "none": "x"},
         "unknown word(s) colour"),
        ({"each": ["agent"], "flag": "permissions", "records": ["docs"], "none": "x"},
         "expected one of"),
        ({"each": ["spaceship"], "flag": "permissions", "none": "x"}, "expected component kinds"),
        ({"each": ["dataset"], "flag": "permissions", "none": "x"},
         "dataset components have no attribute 'permissions'"),
        ({"each": ["agent"], "flag": "permissions"}, "none: say what is not there"),
        ({"fact": "favourite_colour"}, "'favourite_colour' is not a system fact"),
        ({"monitoring": "sings"}, "monitoring components have no attribute 'sings'"),
        ("flag everything", "evaluate: expected a mapping"),
    ],
)
def test_a_wrong_declaration_names_the_check_and_what_is_wrong(tmp_path, evaluate, expected):
    data = _catalog_data()
    _entry(data, "least-privilege")["evaluate"] = evaluate
    with pytest.raises(CatalogError) as err:
        load_guidelines(_write(tmp_path, data))
    message = str(err.value)
    assert "check least-privilege: evaluate" in message and expected in message
    assert "guidelines.yaml" in message


def test_the_words_are_documented_in_the_catalog_header():
    header = catalog_path("guidelines.yaml").read_text("utf-8").split("document:")[0]
    for word in ("each", "flag", "good", "records", "integrity", "monitoring", "fact", "provided"):
        assert f"`{word}`" in header
        assert word in CHECK_WORDS


@dataclass
class _Decision:
    review_by: Any = None


@pytest.mark.parametrize(
    ("decision", "status"),
    [
        (None, "open"),
        (_Decision(), "decided"),
        (_Decision("2025-06-01"), "decided"),  # on the review date itself: still decided
        (_Decision("2025-05-31"), "review_due"),
        ({"review_by": "2025-05-31"}, "review_due"),
        ({"review_by": dt.date(2025, 7, 1)}, "decided"),
        ({"review_by": dt.datetime(2025, 5, 1, 12, 0)}, "review_due"),
        ({"review_by": "not a date"}, "decided"),
        ({}, "decided"),
    ],
)
def test_one_finding_status(decision, status):
    assert decision_status(decision, as_of=AS_OF) == status


def test_coverage_uses_the_decision_status():
    model = load_template("fraud-classifier")
    findings = [{"id": "r@x", "element": "x", "band": "high", "guidelines": ["1.2"]}]
    overdue = {"r@x": {"id": "D-1", "treatment": "accept", "owner": "Ann",
                       "rationale": "ok", "review_by": "2025-01-01"}}
    cov = guideline_coverage(model, findings=findings, decisions=overdue, as_of=AS_OF)
    (related,) = cov.guideline("1.2").findings
    assert related["status"] == decision_status(overdue["r@x"], as_of=AS_OF) == "review_due"
