"""Rules and effects that read the schema-2 facts, on small models and on the realistic systems."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from workbench.catalog import load_catalog
from workbench.model import SystemModel, load_model
from workbench.rules import analyze, load_rules
from workbench.rules.questions import open_questions

SYSTEMS = Path(__file__).parent / "fixtures" / "systems"
NEW_FILES = ("agency", "consumption", "execution", "multi-agent", "identity", "clients",
             "sandbox", "egress")


@pytest.fixture(scope="module")
def library() -> tuple[Any, Any]:
    catalog = load_catalog()
    return catalog, load_rules(catalog=catalog)


def _search_model(zone: dict[str, Any] | None = None, **tool: Any) -> SystemModel:
    return SystemModel.from_dict({
        "schema_version": 2,
        "system": {"id": "t"},
        "zones": [{"id": "internet", "trust": 0}, {"id": "internal", "trust": 3, **(zone or {})}],
        "components": [
            {"id": "web", "kind": "knowledge_source", "zone": "internet", "writable_by_outsiders": True},
            {"id": "crm", "kind": "data_store", "zone": "internal", "sensitivity": "confidential"},
            {"id": "agent", "kind": "agent", "zone": "internal", "name": "Research agent"},
            {"id": "search", "kind": "tool", "zone": "internal", "side_effects": "read",
             "fetches_external_content": True, **tool},
        ],
        "flows": [
            {"id": "a", "from": "web", "to": "search", "data": ["retrieved_context"]},
            {"id": "b", "from": "search", "to": "agent", "data": ["tool_result"]},
            {"id": "c", "from": "crm", "to": "agent", "data": ["retrieved_context"]},
            {"id": "d", "from": "agent", "to": "search", "data": ["tool_call"]},
        ],
    })


FID = "read-tool-exfiltration@search"


def test_open_egress_is_an_assumption_and_an_open_question(library: tuple[Any, Any]) -> None:
    catalog, rules = library
    result = analyze(_search_model(), catalog=catalog, rules=rules)
    f = result.finding(FID)
    assert any("egress_controlled not stated on it or its zone internal" in a for a in f.assumptions)
    assert "Research agent" in f.reason
    questions = {(q.element, q.attribute) for q in open_questions(result)}
    assert ("search", "egress_controlled") in questions


@pytest.mark.parametrize(("zone", "tool", "fires"), [
    ({"egress_controlled": True}, {}, False),
    ({}, {"egress_controlled": True}, False),
    ({"egress_controlled": False}, {}, True),
    ({}, {"egress_controlled": False}, True),
    ({}, {"sends_parameters_out": False}, False),
    ({"egress_controlled": True}, {"egress_controlled": False}, False),
])
def test_egress_on_the_zone_or_the_tool(
    zone: dict[str, Any], tool: dict[str, Any], fires: bool, library: tuple[Any, Any]
) -> None:
    catalog, rules = library
    result = analyze(_search_model(zone, **tool), catalog=catalog, rules=rules)
    found = {f.id: f for f in result.findings}
    assert (FID in found) is fires
    if fires:
        assert not found[FID].assumptions or all("egress" not in a for a in found[FID].assumptions)
        assert any("outbound connections are not restricted" in e for e in found[FID].evidence)


def test_stated_limits_change_the_consumption_findings(library: tuple[Any, Any]) -> None:
    catalog, rules = library
    base = load_model(SYSTEMS / "public-data-analyst.yaml")
    fid = "code-execution-exhaustion@analysis-backend"
    before = analyze(base, catalog=catalog, rules=rules).finding(fid)
    assert not before.assumptions  # both limits are stated: no quota, a timeout
    capped = base.copy()
    capped.update_component("analysis-backend", compute_quota=True)
    assert fid not in {f.id for f in analyze(capped, catalog=catalog, rules=rules).findings}
    spend = analyze(base, catalog=catalog, rules=rules).finding("llm-cost-harvesting@llm")
    assert any("spend cap" in s for s in spend.controls_applied)
    uncapped = base.copy()
    uncapped.update_component("llm", spend_capped=None)
    plain = analyze(uncapped, catalog=catalog, rules=rules).finding("llm-cost-harvesting@llm")
    assert plain.impact == min(5, spend.impact + 1)


def test_new_rules_stay_quiet_where_their_facts_are_absent(library: tuple[Any, Any]) -> None:
    catalog, rules = library
    new = {r.id for r in rules if Path(r.file).stem in NEW_FILES}
    assert len(new) == 17
    for name in ("fine-tuning-pipeline", "on-device-model", "rag-chat", "public-chat"):
        result = analyze(load_model(SYSTEMS / f"{name}.yaml"), catalog=catalog, rules=rules)
        assert not [f.id for f in result.findings if f.rule in new], name


def test_model_guardrails_lower_injection_once(library: tuple[Any, Any]) -> None:
    catalog, rules = library
    model = load_model(SYSTEMS / "rag-chat.yaml")
    f = analyze(model, catalog=catalog, rules=rules).finding("llm-indirect-prompt-injection@llm")
    steps = [s for s in f.controls_applied if "filters_inputs" in s]
    assert len(steps) == 1  # the orchestrator and the model both screen: counted once
    bare = model.copy()
    bare.update_component("orchestrator", filters_inputs=None)
    g = analyze(bare, catalog=catalog, rules=rules).finding("llm-indirect-prompt-injection@llm")
    (step,) = [s for s in g.controls_applied if "filters_inputs" in s]
    assert step.startswith("-1 the model service screens its inputs")
    assert g.likelihood == f.likelihood
