"""Stated controls count (catalogs/control-effects.yaml, docs/analysis/controls.md).

Every bundled effect is checked on a small model where it acts, in every branch:
the control stated (the effect applies, with its step in the reason, or the
finding is removed and ``explain`` says why), stated otherwise (no effect) and
unstated (no effect, and an open question)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from workbench._resources import catalog_path
from workbench.catalog import load_catalog
from workbench.errors import RuleError
from workbench.model import SystemModel
from workbench.rules import analyze, explain, load_rules
from workbench.rules.questions import open_questions
from workbench.rules.spec import load_control_effects

ZONES = [{"id": "internet", "trust": 0}, {"id": "dmz", "trust": 2}, {"id": "internal", "trust": 3}]


def chat(app: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "components": [
            {"id": "user", "kind": "actor", "zone": "internet"},
            {"id": "app", "kind": "application", "zone": "dmz", "renders_model_output_as": "markdown", **(app or {})},
            {"id": "llm", "kind": "model", "zone": "internal", "model_type": "llm"},
        ],
        "flows": [
            {"id": "a", "from": "user", "to": "app", "data": ["user_input"]},
            {"id": "b", "from": "app", "to": "llm", "data": ["prompt"]},
            {"id": "c", "from": "llm", "to": "app", "data": ["model_output"]},
            {"id": "d", "from": "app", "to": "user", "data": ["model_output"]},
        ],
    }


def chat_with_documents() -> dict[str, Any]:
    """A chat whose answers draw on stored documents: others' text reaches the output."""
    case = chat()
    case["components"].append({"id": "docs", "kind": "knowledge_source", "zone": "internal"})
    case["flows"].append({"id": "e", "from": "docs", "to": "app", "data": ["retrieved_context"]})
    return case


def loaded_model(**model: Any) -> dict[str, Any]:
    return {"components": [{"id": "m", "kind": "model", "zone": "internal", "origin": "in_house", **model}], "flows": []}


def registry() -> dict[str, Any]:
    return {
        "components": [
            {"id": "train", "kind": "training_pipeline", "zone": "internal"},
            {"id": "reg", "kind": "model_registry", "zone": "internal", "immutable_versions": False},
        ],
        "flows": [{"id": "a", "from": "train", "to": "reg", "data": ["model_artifact"]}],
    }


def agent() -> dict[str, Any]:
    return {
        "components": [
            {"id": "user", "kind": "actor", "zone": "internet"},
            {"id": "agent", "kind": "agent", "zone": "internal"},
            {"id": "tool", "kind": "tool", "zone": "internal", "side_effects": "write"},
            {"id": "run", "kind": "tool", "zone": "internal", "side_effects": "execute_code"},
        ],
        "flows": [
            {"id": "a", "from": "user", "to": "agent", "data": ["user_input"]},
            {"id": "b", "from": "agent", "to": "tool", "data": ["tool_call"]},
            {"id": "c", "from": "agent", "to": "run", "data": ["tool_call"]},
        ],
    }


def endpoint() -> dict[str, Any]:
    return {
        "components": [
            {"id": "user", "kind": "actor", "zone": "internet"},
            {"id": "ep", "kind": "inference_endpoint", "zone": "dmz"},
            {"id": "m", "kind": "model", "zone": "internal", "origin": "in_house", "model_type": "classifier"},
        ],
        "flows": [
            {"id": "a", "from": "user", "to": "ep", "data": ["user_input"]},
            {"id": "b", "from": "ep", "to": "m", "data": ["user_input"]},
        ],
    }


def credentials(**flow: Any) -> dict[str, Any]:
    return {
        "components": [
            {"id": "app", "kind": "application", "zone": "internal"},
            {"id": "svc", "kind": "application", "zone": "dmz"},
        ],
        "flows": [{"id": "key", "from": "app", "to": "svc", "data": ["credentials"], **flow}],
    }


def data() -> dict[str, Any]:
    return {
        "components": [
            {"id": "ds", "kind": "dataset", "zone": "internal", "origin": "scraped"},
            {"id": "prep", "kind": "data_pipeline", "zone": "internal"},
        ],
        "flows": [{"id": "a", "from": "ds", "to": "prep", "data": ["training_data"]}],
    }


#: effect id -> (model, finding id, element that carries the attribute, the other value)
CASES: dict[str, tuple[dict[str, Any], str, str, Any]] = {
    "inputs-filtered": (chat(), "llm-direct-prompt-injection@llm", "app", False),
    "outputs-filtered": (chat_with_documents(), "llm-rendered-output@app", "app", False),
    "artifact-signed": (loaded_model(), "unsafe-model-serialization@m", "m", False),
    "artifact-hash-verified": (loaded_model(), "unsafe-model-serialization@m", "m", False),
    "model-signed": (loaded_model(serialization="pickle"), "unsafe-model-serialization@m", "m", False),
    "model-hash-verified": (loaded_model(serialization="pickle"), "unsafe-model-serialization@m", "m", False),
    "registry-signed-artifacts": (registry(), "registry-model-tampering@reg", "reg", False),
    "tool-sandboxed": (agent(), "code-execution-tool@run", "run", False),
    "queries-rate-limited": (endpoint(), "inference-api-exposed@ep", "ep", False),
    "inputs-logged": (endpoint(), "model-extraction-via-api@ep", "ep", False),
    "per-action-approval": (agent(), "agent-tool-misuse@tool", "agent", False),
    "approval-required": (agent(), "agent-tool-misuse@tool", "agent", "act"),
    "suggestions-only": (agent(), "agent-tool-misuse@tool", "agent", "act"),
    "acts-autonomously": (agent(), "agent-tool-misuse@tool", "agent", "suggest"),
    "flow-authenticated": (credentials(encrypted=False), "flow-credentials-unprotected@key", "key", False),
    "flow-encrypted": (credentials(authenticated=False), "flow-credentials-unprotected@key", "key", False),
    "pipeline-validates-inputs": (data(), "public-dataset-poisoning@ds", "prep", False),
    "dataset-integrity-checked": (data(), "public-dataset-poisoning@ds", "ds", False),
    # schema version 2 facts
    "model-inputs-filtered": (chat(), "llm-direct-prompt-injection@llm", "llm", False),
    "model-outputs-filtered": (chat_with_documents(), "llm-rendered-output@app", "llm", False),
    "requests-rate-limited": (chat(), "llm-cost-harvesting@llm", "app", False),
    "spend-capped": (chat(), "llm-cost-harvesting@llm", "llm", False),
    "approval-per-action": (agent(), "agent-tool-misuse@tool", "agent", "per_batch"),
    "egress-controlled": (chat({"executes_model_output": ["sql"]}), "model-output-executed@app", "app", False),
}


def bundled() -> list[Any]:
    return load_control_effects(catalog=load_catalog())


def build(case: dict[str, Any], element: str, attribute: str, value: Any) -> SystemModel:
    data = copy.deepcopy(case)
    for entry in data["components"] + data["flows"]:
        if entry["id"] == element:
            if value is None:
                entry.pop(attribute, None)
            else:
                entry[attribute] = value
    return SystemModel.from_dict({"schema_version": 1, "system": {"id": "t"}, "zones": ZONES, **data})


def test_every_bundled_effect_has_a_case() -> None:
    ids = [e.id for e in bundled()]
    assert sorted(ids) == sorted(CASES), "add a case for each new effect"


def test_every_bundled_effect_is_documented() -> None:
    text = Path(__file__).parents[1].joinpath("docs", "analysis", "controls.md").read_text("utf-8")
    for e in bundled():
        assert f"`{e.id}`" in text, f"docs/analysis/controls.md does not describe {e.id}"


@pytest.mark.parametrize("effect_id", sorted(CASES))
def test_effect_in_every_branch(effect_id: str, catalog: Any, rules: Any) -> None:
    effect = next(e for e in bundled() if e.id == effect_id)
    case, fid, element, other = CASES[effect_id]
    on = build(case, element, effect.attribute, effect.equals)
    result = analyze(on, catalog=catalog, rules=rules)
    if effect.removes:
        assert fid not in {f.id for f in result.findings}, f"{effect_id}: finding not removed"
        (removed,) = [r for r in result.removed if r.id == fid]
        assert removed.effect == effect_id and effect.attribute in removed.reason
        rule_id, el = fid.split("@")
        (entry,) = [e for e in explain(on, el, catalog=catalog, rules=rules) if e["rule"] == rule_id]
        assert not entry["matched"] and effect.text in entry["removed_by"]
    else:
        f = result.finding(fid)
        steps = [s for s in f.controls_applied if f"({effect.attribute} = " in s]
        assert steps and steps[0].startswith(f"{effect.likelihood or effect.impact:+d} {effect.text}")
        reason = f.likelihood_reason if effect.likelihood else f.impact_reason
        assert steps[0] in reason and steps[0] in f.reason
        base = analyze(build(case, element, effect.attribute, None), catalog=catalog, rules=rules)
        before = base.finding(fid)
        if effect.likelihood:
            assert f.likelihood == max(1, min(5, before.likelihood + effect.likelihood))
        else:
            assert f.impact == max(1, min(5, before.impact + effect.impact))
    # stated otherwise: this effect does nothing
    off = analyze(build(case, element, effect.attribute, other), catalog=catalog, rules=rules)
    for f in off.findings:
        assert not any(f"{effect.text} ({effect.attribute} = " in s for s in f.controls_applied)
    assert not [r for r in off.removed if r.effect == effect_id]
    # unstated: no effect, and an open question about it
    unstated = analyze(build(case, element, effect.attribute, None), catalog=catalog, rules=rules)
    assert fid in {f.id for f in unstated.findings}
    assert not unstated.finding(fid).controls_applied or all(
        f"({effect.attribute} = " not in s for s in unstated.finding(fid).controls_applied
    )
    questions = {(q.element, q.attribute) for q in open_questions(unstated)}
    assert (element, effect.attribute) in questions


def test_approval_both_ways_changes_the_score(catalog: Any, rules: Any) -> None:
    case, fid, element, _ = CASES["per-action-approval"]
    scores = {}
    for attr, value in [("human_in_the_loop", True), ("autonomy", "act_with_approval"),
                        ("autonomy", "act"), (None, None)]:
        m = build(case, element, attr, value) if attr else build(case, element, "autonomy", None)
        scores[(attr, value)] = analyze(m, catalog=catalog, rules=rules).finding(fid).score
    unstated = scores[(None, None)]
    assert scores[("autonomy", "act")] > unstated > scores[("human_in_the_loop", True)]
    assert scores[("autonomy", "act_with_approval")] == scores[("human_in_the_loop", True)]


def test_one_step_per_group(catalog: Any, rules: Any) -> None:
    case, fid, _element, _ = CASES["per-action-approval"]
    both = copy.deepcopy(case)
    both["components"][1].update(human_in_the_loop=True, autonomy="act_with_approval")
    m = SystemModel.from_dict({"schema_version": 1, "system": {"id": "t"}, "zones": ZONES, **both})
    f = analyze(m, catalog=catalog, rules=rules).finding(fid)
    assert len([s for s in f.controls_applied if "approves" in s]) == 1


def test_organisation_overrides_and_disables_effects(tmp_path: Path, catalog: Any) -> None:
    org = tmp_path / "org-controls.yaml"
    org.write_text(
        yaml.safe_dump(
            {
                "source": "Example Corp",
                "controls": [],
                "effects": [
                    {"id": "per-action-approval", "attribute": "human_in_the_loop", "equals": True,
                     "kinds": ["agent"], "where": "near", "rules": ["agent-tool-misuse"],
                     "likelihood": -2, "text": "approved by two people"},
                    {"id": "acts-autonomously", "disabled": True},
                ],
            }
        ),
        encoding="utf-8",
    )
    rules = load_rules(catalog=catalog, control_files=[org])
    assert rules.digest != load_rules(catalog=catalog).digest
    effects = {e.id: e for e in rules.effects}
    assert "acts-autonomously" not in effects
    assert effects["per-action-approval"].likelihood == -2
    case, fid, element, _ = CASES["per-action-approval"]
    f = analyze(build(case, element, "human_in_the_loop", True), catalog=catalog, rules=rules).finding(fid)
    assert any(s.startswith("-2 approved by two people (human_in_the_loop = true") for s in f.controls_applied)


def test_bad_effects_are_reported_with_file_and_line(tmp_path: Path, catalog: Any) -> None:
    org = tmp_path / "bad.yaml"
    org.write_text(
        "controls: []\n"
        "effects:\n"
        "  - id: x\n"
        "    attribute: filters_everything\n"
        "    equals: true\n"
        "    techniques: [AML.T9999]\n"
        "    likelihood: -4\n"
        "    text: magic\n",
        encoding="utf-8",
    )
    with pytest.raises(RuleError) as err:
        load_rules(catalog=catalog, control_files=[org])
    messages = {(i.line, i.message.split(" ")[0]) for i in err.value.issues}
    assert all(i.file == str(org) for i in err.value.issues)
    assert (4, "unknown") in messages  # the attribute, on its line
    assert any("AML.T9999" in i.message for i in err.value.issues)
    assert any("from -2 to 2" in i.message for i in err.value.issues)


def test_the_bundled_file_is_the_one_loaded() -> None:
    raw = yaml.safe_load(catalog_path("control-effects.yaml").read_text(encoding="utf-8"))
    assert [e["id"] for e in raw["effects"]] == [e.id for e in bundled()]
