"""The bundled rule library (``catalogs/rules``): it loads, its examples hold,
it covers every threat item of docs/knowledge/threats.md, and it follows the
conventions on preconditions and controls (docs/knowledge/concepts.md#preconditions,
#controls)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from workbench.catalog import load_catalog
from workbench.model import SystemModel, load_template, template_names
from workbench.rules import Rule, RuleSet, analyze, load_rules
from workbench.rules.spec import PRE_TACTICS

#: Threat item (docs/knowledge/threats.md) -> the rules that implement it. Every item
#: needs at least one rule, and every bundled rule must implement some item.
COVERAGE: dict[str, list[str]] = {
    "1": ["inference-api-exposed", "inference-via-ai-product", "adversarial-evasion", "llm-cost-harvesting"],
    "2": ["model-extraction-via-api", "training-data-inference-via-api", "llm-training-data-leakage"],
    "3": ["llm-direct-prompt-injection", "llm-context-leakage"],
    "4": ["llm-indirect-prompt-injection"],
    "5": ["agent-tool-misuse", "agent-browsing-clickbait", "agent-config-tampering",
          "flow-tool-call-crosses-boundary", "agent-approval-fatigue"],
    "6": ["agent-memory-poisoning"],
    "7": ["code-execution-tool"],
    "8": ["third-party-agent-tool"],
    "9": ["tool-credential-harvesting", "agent-config-credentials", "rag-credential-harvesting",
          "secrets-in-prompt", "flow-credentials-unprotected"],
    "10": ["llm-rendered-output"],
    "11": ["third-party-model-supply-chain"],
    "12": ["unsafe-model-serialization", "malicious-code-in-model-file",
           "suspicious-model-file-imports"],
    "13": ["public-dataset-poisoning"],
    "14": ["feedback-loop-poisoning", "continuous-learning-poisoning",
           "flow-spoofable-learning-channel"],
    "15": ["registry-model-theft", "registry-model-tampering"],
    "16": ["training-pipeline-supply-chain"],
    "17": ["physical-adversarial-input"],
    "18": ["identity-verification-spoofing"],
    "19": ["generative-output-harm"],
    "20": ["supplier-data-exposure", "flow-confidential-to-less-trusted"],
    "21": ["cross-tenant-retrieval"],
    "22": ["public-model-offline-attack-staging"],
    "23": ["public-facing-application", "flow-sensitive-data-unprotected"],
    "N1": ["exposed-agent-or-ml-console"],
    "N2": ["llm-output-self-replication"],
    "N3": ["agent-config-tampering"],
    "N4": ["device-model-theft"],
    "N5": ["local-agent-host-compromise", "agent-browsing-clickbait"],
    "N6": ["hosted-ai-api-keys", "agent-config-credentials"],
    "N7": ["security-detector-evasion"],
}

#: The agentic and LLM threat classes of model schema version 2, each with its rules.
THREAT_CLASSES: dict[str, list[str]] = {
    "disclosure through the LLM context": ["llm-context-leakage", "read-tool-exfiltration"],
    "excessive agency, confused deputy": ["agent-confused-deputy"],
    "unbounded consumption": ["agent-unbounded-steps", "code-execution-exhaustion",
                              "llm-cost-harvesting"],
    "model output executed": ["model-output-executed"],
    "cascading hallucination": ["agent-cascading-hallucination"],
    "misaligned or deceptive agent": ["agent-misaligned-action"],
    "repudiation": ["agent-action-repudiation"],
    "identity spoofing": ["agent-mails-as-user", "spoofed-inbound-sender", "cross-user-store-write"],
    "manipulated or overloaded approver": ["agent-approver-manipulation", "agent-approval-fatigue"],
    "multi-agent": ["inter-agent-message-poisoning", "rogue-agent", "agent-message-spoofing"],
    "client on an attacker-held device": ["client-tampering"],
    "sandbox escape and evasion": ["sandbox-evasion"],
}

#: Items the brief splits into several separate conditions, each its own rule.
SPLIT_ITEMS = {"2": 3, "15": 2}

THREAT_ITEMS = [str(i) for i in range(1, 24)] + [f"N{i}" for i in range(1, 8)]


@pytest.fixture(scope="module")
def catalog() -> Any:
    return load_catalog()


@pytest.fixture(scope="module")
def rules(catalog: Any) -> RuleSet:
    return load_rules(catalog=catalog)


def _bundled_rules() -> list[Rule]:
    return list(load_rules())


def _single(ruleset: RuleSet, rule: Rule) -> RuleSet:
    return RuleSet(
        rules=[rule], controls=ruleset.controls, files=ruleset.files, digest=ruleset.digest,
        effects=ruleset.effects,
    )


def _techniques(rule: Rule) -> list[str]:
    out = [rule.technique, *rule.related]
    for extra in rule.also:
        out += extra.techniques
    return out


def test_library_loads_without_problems(rules: RuleSet) -> None:
    assert len(rules) >= 30
    assert all(f.endswith((".yaml", ".yml")) for f in rules.files)
    ids = [r.id for r in rules]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("rule", _bundled_rules(), ids=lambda r: r.id)
def test_rule_has_fire_and_no_fire_examples(rule: Rule) -> None:
    expects = {ex.expect for ex in rule.examples}
    assert expects == {"fire", "no_fire"}, (
        f"{rule.location}: {rule.id} needs at least one 'fire' and one 'no_fire' example, has {sorted(expects)}"
    )


@pytest.mark.parametrize("rule", _bundled_rules(), ids=lambda r: r.id)
def test_rule_examples_behave(rule: Rule, rules: RuleSet, catalog: Any) -> None:
    single = _single(rules, rule)
    for ex in rule.examples:
        data = {"schema_version": 1, "system": {"id": "example"}, **ex.model}
        model = SystemModel.from_dict(data, source=f"{rule.location} example {ex.name!r}")
        assert ex.element in model or any(f.id == ex.element for f in model.flows()), (
            f"{rule.location}: example {ex.name!r} names element {ex.element!r}, which is not in its model"
        )
        result = analyze(model, catalog=catalog, rules=single)
        assert not result.errors, f"{rule.id}: example {ex.name!r} raised {result.errors}"
        fired = f"{rule.id}@{ex.element}" in {f.id for f in result.findings}
        assert fired == (ex.expect == "fire"), (
            f"{rule.location}: {rule.id}: example {ex.name!r} expected {ex.expect} on {ex.element}, "
            f"got findings {[f.id for f in result.findings]}"
        )


def test_every_brief_item_is_covered(rules: RuleSet) -> None:
    known = {r.id for r in rules}
    assert sorted(COVERAGE) == sorted(THREAT_ITEMS)
    for item, rule_ids in COVERAGE.items():
        assert rule_ids, f"threat item {item} has no rule"
        missing = [r for r in rule_ids if r not in known]
        assert not missing, f"threat item {item}: rules {missing} are not in the bundled library"
    for item, count in SPLIT_ITEMS.items():
        assert len(COVERAGE[item]) >= count, f"threat item {item} is {count} separate conditions"


def test_every_rule_implements_a_brief_item(rules: RuleSet) -> None:
    covered = {r for ids in (*COVERAGE.values(), *THREAT_CLASSES.values()) for r in ids}
    orphans = sorted(r.id for r in rules if r.id not in covered)
    assert not orphans, f"rules not mapped to a threat item in COVERAGE: {orphans}"


def _cited_items(text: str) -> set[str]:
    """Threat items a description cites, by anchor: "(docs/knowledge/threats.md#item-5, #item-n5)"."""
    return {item.upper() for item in re.findall(r"#item-(\d+|n\d)\b", text)}


def test_descriptions_cite_their_threat_items(rules: RuleSet) -> None:
    for item, rule_ids in COVERAGE.items():
        for rid in rule_ids:
            desc = rules.get(rid).description
            assert item in _cited_items(desc), f"{rid}: description should cite docs/knowledge/threats.md#item-{item.lower()}: {desc!r}"


@pytest.mark.parametrize("rule", _bundled_rules(), ids=lambda r: r.id)
def test_no_recon_or_resource_development_technique_is_scored(rule: Rule) -> None:
    catalog = load_catalog()
    for tech in _techniques(rule):
        tactics = set(catalog.technique(tech).tactics)
        assert not (tactics and tactics <= PRE_TACTICS), (
            f"{rule.location}: {rule.id}: {tech} is reconnaissance/resource development only; "
            "list it under preconditions"
        )
    pre = list(rule.preconditions) + [p for extra in rule.also for p in extra.preconditions]
    for tech in pre:
        assert set(catalog.technique(tech).tactics) & PRE_TACTICS, f"{rule.id}: precondition {tech}"


@pytest.mark.parametrize("rule", _bundled_rules(), ids=lambda r: r.id)
def test_unmitigated_techniques_name_project_controls(rule: Rule) -> None:
    catalog = load_catalog()
    if not catalog.mitigations_for(rule.technique):
        assert any(c.startswith("wb-") for c in rule.controls), (
            f"{rule.location}: {rule.id}: ATLAS links no mitigation to {rule.technique}; "
            "name at least one project-defined wb-* control"
        )
    assert rule.mitigations or rule.controls, f"{rule.id}: no mitigation and no control"


@pytest.mark.parametrize("rule", _bundled_rules(), ids=lambda r: r.id)
def test_rule_is_well_formed(rule: Rule) -> None:
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", rule.id), f"{rule.id}: kebab-case, meaningful"
    assert rule.description.strip(), f"{rule.id}: description"
    assert rule.guidelines, f"{rule.id}: guidelines"
    assert 1 <= rule.likelihood <= 5 and 1 <= rule.impact <= 5


def test_rationales_render_cleanly_on_the_templates(rules: RuleSet, catalog: Any) -> None:
    """No leftover placeholders and no holes where a variable was empty."""
    assert template_names(), "no templates found"
    for name in template_names():
        result = analyze(load_template(name), catalog=catalog, rules=rules)
        assert not result.errors, f"{name}: {result.errors}"
        for f in result.findings:
            text = f.reason.split(" Matched:")[0].split(" Assumed:")[0]
            assert "$" not in text, f"{name}: {f.id}: unrendered placeholder in {text!r}"
            assert not re.search(r"\(\s*\)|\s{2,}|\s[,.:]", text), f"{name}: {f.id}: empty variable in {text!r}"


def test_prompt_injection_only_on_llms(rules: RuleSet, catalog: Any) -> None:
    injection = {"AML.T0051", "AML.T0051.000", "AML.T0051.001", "AML.T0051.002"}
    for name in template_names():
        model = load_template(name)
        result = analyze(model, catalog=catalog, rules=rules)
        for f in result.findings:
            if injection & set(f.techniques):
                comp = model.component(f.element)
                assert comp.kind == "model" and comp.get("model_type") == "llm", (
                    f"{name}: {f.id} puts prompt injection on {comp.kind} {comp.id}"
                )


def test_one_evasion_finding_per_model(rules: RuleSet, catalog: Any) -> None:
    """The evasion rules are mutually exclusive: T0015 appears once per model."""
    model = SystemModel.from_dict({
        "schema_version": 1,
        "system": {"id": "evasion"},
        "zones": [{"id": "public", "trust": 0}, {"id": "internal", "trust": 3}],
        "components": [
            {"id": "user", "kind": "actor", "zone": "public"},
            {"id": "cam", "kind": "sensor", "zone": "public", "physical_access": "public"},
            {"id": "m", "kind": "model", "zone": "internal", "model_type": "classifier",
             "security_detector": True},
            {"id": "face", "kind": "model", "zone": "internal", "model_type": "classifier",
             "verifies_identity": True, "security_detector": True},
            {"id": "det", "kind": "model", "zone": "internal", "model_type": "detector"},
        ],
        "flows": [
            {"id": "a", "from": "user", "to": "m", "data": ["user_input"]},
            {"id": "b", "from": "cam", "to": "m", "data": ["user_input"]},
            {"id": "c", "from": "cam", "to": "face", "data": ["user_input"]},
            {"id": "d", "from": "cam", "to": "det", "data": ["user_input"]},
            {"id": "e", "from": "user", "to": "det", "data": ["user_input"]},
        ],
    })
    result = analyze(model, catalog=catalog, rules=rules)
    for el in ("m", "face", "det"):
        hits = [f.id for f in result.findings_for(el) if "AML.T0015" in f.techniques]
        assert len(hits) == 1, f"{el}: evasion reported by {hits}"


@pytest.mark.parametrize(
    "llm",
    [
        {"origin": "in_house"},
        {"origin": "fine_tuned", "trained_on": "confidential"},
        {"origin": "third_party_api"},
        {"origin": "in_house", "contains_secrets": True},
    ],
    ids=["context", "trained-on", "hosted", "secrets"],
)
def test_llm_data_leakage_reported_once_per_llm(llm: dict[str, Any], rules: RuleSet, catalog: Any) -> None:
    """T0057 sits on the LLM exactly once, whichever way the sensitive data gets there."""
    model = SystemModel.from_dict({
        "schema_version": 1,
        "system": {"id": "leak"},
        "zones": [{"id": "internet", "trust": 0}, {"id": "internal", "trust": 3},
                  {"id": "provider", "trust": 1}],
        "components": [
            {"id": "user", "kind": "actor", "zone": "internet"},
            {"id": "app", "kind": "application", "zone": "internal"},
            {"id": "docs", "kind": "vector_store", "zone": "internal", "sensitivity": "confidential"},
            {"id": "llm", "kind": "model", "zone": "provider", "model_type": "llm", **llm},
        ],
        "flows": [
            {"id": "a", "from": "user", "to": "app", "data": ["user_input"]},
            {"id": "b", "from": "docs", "to": "app", "data": ["retrieved_context"]},
            {"id": "c", "from": "app", "to": "llm", "data": ["prompt", "retrieved_context", "personal_data"]},
            {"id": "d", "from": "llm", "to": "app", "data": ["model_output"]},
            {"id": "e", "from": "app", "to": "user", "data": ["model_output"]},
        ],
    })
    result = analyze(model, catalog=catalog, rules=rules)
    hits = [f.id for f in result.findings_for("llm") if "AML.T0057" in f.techniques]
    assert len(hits) == 1, f"T0057 on the LLM in {hits}"
    assert not [f.id for f in result.findings if f.element != "llm" and "AML.T0057" in f.techniques]
