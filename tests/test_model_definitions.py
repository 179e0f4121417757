"""The model vocabulary: kinds, attribute specs and value checks."""

from __future__ import annotations

import datetime as dt

import pytest

from workbench.model import definitions as d

# Attribute names the threat knowledge gives for each kind (docs/knowledge/concepts.md#component-kinds).
SECTION_1 = {
    "actor": ["trusted", "authenticated"],
    "application": ["internet_facing", "authenticated", "renders_model_output_as"],
    "inference_endpoint": ["internet_facing", "authenticated", "rate_limited", "returns_scores",
                           "logs_inputs", "cost_per_query"],
    "model": ["model_type", "origin", "serialization", "weights_public", "hash_verified",
              "signed", "trained_on", "continuous_learning", "system_prompt",
              "contains_secrets", "deployment", "selection_rationale"],
    "agent": ["human_in_the_loop", "persistent_memory", "autonomy", "permissions",
              "config_writable"],
    "tool": ["side_effects", "origin", "holds_credentials", "sandboxed", "network_egress"],
    "dataset": ["origin", "sensitivity", "provenance_tracked", "integrity_checked", "retention"],
    "data_pipeline": ["uses_third_party_code", "validates_inputs"],
    "training_pipeline": ["isolated", "internet_access", "uses_third_party_code",
                          "secrets_in_environment"],
    "model_registry": ["access_control", "public", "signed_artifacts", "immutable_versions"],
    "vector_store": ["per_document_access_control", "multi_tenant", "contains_secrets"],
    "knowledge_source": ["writable_by_outsiders", "sensitivity", "trusted"],
    "data_store": ["sensitivity", "encrypted_at_rest", "access_control"],
    "prompt": ["contains_secrets", "versioned"],
    "external_service": ["data_leaves_organisation", "due_diligence_done"],
    "sensor": ["physical_access"],
    "monitoring": ["covers_inputs", "covers_outputs", "drift_detection"],
}

BRIEF_EXTRAS = {
    "model": ["verifies_identity", "security_detector", "outputs_to_human_triage"],
    "agent": ["code_interpreter", "browsing", "computer_use", "config_source", "local"],
    "application": ["role", "holds_ai_api_keys"],
    "tool": ["holds_credentials"],
    "knowledge_source": ["source_type"],
    "data_store": ["stores_model_output_for_llm"],
}

COMMON = ["name", "description", "owner", "criticality", "supplier", "version", "location",
          "sha256", "docs", "tags"]


def test_seventeen_kinds() -> None:
    assert list(d.KINDS) == list(SECTION_1)
    assert len(d.KINDS) == 17


@pytest.mark.parametrize("kind", list(SECTION_1))
def test_each_kind_has_its_attributes(kind: str) -> None:
    table = d.attributes_for(kind)
    for name in SECTION_1[kind] + BRIEF_EXTRAS.get(kind, []) + COMMON:
        assert name in table, f"{kind}.{name}"
    for spec in table.values():
        assert spec.description, f"{kind}.{spec.name} has no description"
        assert spec.type in d.ATTR_TYPES
        if spec.type == d.ENUM:
            assert spec.choices


def test_same_name_different_choices_per_kind() -> None:
    assert "third_party_api" in d.attributes_for("model")["origin"].choices
    assert d.attributes_for("tool")["origin"].choices == ("in_house", "third_party")
    assert "scraped" in d.attributes_for("dataset")["origin"].choices


def test_ordered_scales() -> None:
    assert d.SENSITIVITY == ("public", "internal", "confidential", "personal", "secret")
    assert d.CRITICALITY == ("low", "medium", "high", "critical")
    assert d.attributes_for("dataset")["sensitivity"].ordered
    assert d.attributes_for("model")["trained_on"].ordered
    assert d.attributes_for("actor")["criticality"].ordered
    assert d.rank("sensitivity", "secret") == 4
    assert d.rank("sensitivity", None) is None
    assert d.at_least("criticality", "critical", "high")
    assert not d.at_least("criticality", "medium", "high")
    assert not d.at_least("criticality", None, "low")


def test_data_kinds() -> None:
    assert set(d.DATA_KINDS) == {
        "user_input", "prompt", "model_output", "retrieved_context", "training_data",
        "model_artifact", "feedback", "tool_call", "tool_result", "credentials",
        "telemetry", "configuration", "personal_data",
    }


def _spec(kind: str, name: str) -> d.AttrSpec:
    return d.attributes_for(kind)[name]


@pytest.mark.parametrize(
    ("kind", "name", "value", "normalised"),
    [
        ("actor", "trusted", False, False),
        ("application", "renders_model_output_as", "html", "html"),
        ("actor", "owner", "Team A", "Team A"),
        ("inference_endpoint", "cost_per_query", 0.5, 0.5),
        ("inference_endpoint", "cost_per_query", 2, 2),
        ("actor", "docs", ["https://x.example/a", "docs/card.md", "C:\\cards\\a.md"],
         ("https://x.example/a", "docs/card.md", "C:\\cards\\a.md")),
        ("actor", "tags", ["a", "b"], ("a", "b")),
        ("actor", "sha256", "a" * 64, "a" * 64),
    ],
)
def test_valid_values(kind: str, name: str, value: object, normalised: object) -> None:
    assert _spec(kind, name).check(value) == (normalised, [])


@pytest.mark.parametrize(
    ("kind", "name", "value", "fragment"),
    [
        ("actor", "trusted", "yes", "expected true or false"),
        ("actor", "trusted", 1, "expected true or false"),
        ("application", "renders_model_output_as", "htm", "did you mean 'html'"),
        ("actor", "owner", 12, "put it in quotes"),
        ("actor", "version", 1.1, "put it in quotes"),
        ("inference_endpoint", "cost_per_query", True, "expected a number"),
        ("inference_endpoint", "cost_per_query", float("nan"), "finite"),
        ("actor", "docs", "https://x.example", "expected a list"),
        ("actor", "docs", ["javascript:alert(1)"], "http(s) URLs or file paths"),
        ("actor", "docs", ["has space"], "spaces"),
        ("actor", "tags", [1], "expected text"),
        ("actor", "sha256", "abc", "64 hexadecimal digits"),
    ],
)
def test_invalid_values(kind: str, name: str, value: object, fragment: str) -> None:
    _, issues = _spec(kind, name).check(value)
    assert issues and fragment in issues[0][1]


def test_dates() -> None:
    spec = next(s for s in d.SYSTEM_FACTS if s.name == "staff_training")
    assert spec.check(dt.date(2024, 5, 1)) == ("2024-05-01", [])
    assert spec.check("2024-05-01") == ("2024-05-01", [])
    assert "not a real date" in spec.check("2024-02-30")[1][0][1]
    assert "without a time" in spec.check(dt.datetime(2024, 5, 1, 10, 0))[1][0][1]
    assert "yyyy-mm-dd" in spec.check("May 2024")[1][0][1]


def test_records() -> None:
    debt = next(s for s in d.SYSTEM_FACTS if s.name == "debt")
    _, issues = debt.check(
        [{"item": "x", "owner": "y"}, {"owner": "z"}, {"item": "q", "oner": "r"}]
    )
    messages = {(p, m) for p, m in issues}
    assert ((1,), "missing required field 'item'") in messages
    assert any(p == (2, "oner") and "did you mean 'owner'" in m for p, m in messages)
    evaluation = next(s for s in d.SYSTEM_FACTS if s.name == "release_evaluation")
    assert evaluation.check({"link": "https://e.example/r", "date": dt.date(2025, 1, 2)}) == (
        {"link": "https://e.example/r", "date": "2025-01-02"}, [])


def test_ids() -> None:
    assert d.check_id("llm-1.v2_x") is None
    assert d.check_id("a" * 100) is None
    assert "invalid id" in (d.check_id("a" * 101) or "")
    assert "invalid id" in (d.check_id("-start") or "")
    assert "invalid id" in (d.check_id("has space") or "")
    assert "quote it" in (d.check_id(12) or "")


def test_custom_declarations() -> None:
    assert d.check_custom_declaration({"name": "pci_scope", "type": "bool"}) == []
    assert d.check_custom_declaration(
        {"name": "tier", "type": "enum", "choices": ["a", "b"], "kinds": ["model"]}) == []
    problems = dict(d.check_custom_declaration({"name": "trusted", "type": "bool"}))
    assert "built-in" in problems[("name",)]
    problems = dict(d.check_custom_declaration({"name": "x", "type": "enum"}))
    assert "needs choices" in problems[("choices",)]
    problems = dict(d.check_custom_declaration({"name": "x", "type": "record", "kinds": ["modle"],
                                                "colour": 1}))
    assert "expected one of" in problems[("type",)]
    assert "did you mean 'model'" in problems[("kinds", 0)]
    assert "unknown key" in problems[("colour",)]


def test_kinds_with_attribute() -> None:
    assert d.kinds_with_attribute("writable_by_outsiders") == ["knowledge_source"]
    assert "name" in d.all_attribute_names()
