"""Guideline coverage: the checks of the 17 guidelines evaluated on system models."""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from workbench.catalog import load_guidelines
from workbench.model import SystemModel, load_template, loads_model, template_names
from workbench.risk.coverage import (
    CHECK_COLUMNS,
    SUMMARY_COLUMNS,
    GuidelineCoverage,
    evaluated_checks,
    guideline_coverage,
)

AS_OF = datetime.date(2025, 6, 1)
SHA = "ab" * 32
STATES = {"pass", "fail", "unknown"}

#: A small system in which every check passes.
SECURE_YAML = f"""
schema_version: 1
system:
  id: secure
  name: Secure system
  owner: Security
  incident_plan: https://wiki.example.com/ir
  disclosure_contact: security@example.com
  release_evaluation:
    link: https://wiki.example.com/eval
    date: 2025-03-01
  staff_training: 2025-01-15
  debt:
    - item: Old serving library
      owner: Platform
zones:
  - {{id: internet, trust: 0}}
  - {{id: internal, trust: 3}}
components:
  - {{id: user, kind: actor, zone: internet, trusted: false}}
  - id: web
    kind: application
    zone: internal
    internet_facing: true
    authenticated: true
    filters_inputs: true
    filters_outputs: true
    renders_model_output_as: text
  - id: api
    kind: inference_endpoint
    zone: internal
    authenticated: true
    rate_limited: true
    filters_inputs: true
    logs_inputs: true
    versioned: true
    returns_scores: false
  - id: model
    kind: model
    zone: internal
    origin: in_house
    serialization: safetensors
    hash_verified: true
    trained_on: confidential
    continuous_learning: false
    auto_updated: false
    deployment: server
    owner: ML team
    location: s3://models/model
    sha256: {SHA}
    version: "1.0"
    docs: [https://wiki.example.com/model-card]
    selection_rationale: Small in-house model; no third-party weights.
  - id: agent
    kind: agent
    zone: internal
    autonomy: act_with_approval
    human_in_the_loop: true
    permissions: single_user
    config_writable: false
  - {{id: tool, kind: tool, zone: internal, side_effects: write, origin: in_house}}
  - id: data
    kind: dataset
    zone: internal
    origin: internal
    sensitivity: confidential
    owner: ML team
    location: s3://data/train
    sha256: {SHA}
    version: "2025-01"
    docs: [https://wiki.example.com/data-card]
    retention: 2 years
    provenance_tracked: true
    backed_up: true
  - id: prompt
    kind: prompt
    zone: internal
    owner: ML team
    location: git.example.com/prompts/system.md
    sha256: {SHA}
    contains_secrets: false
    versioned: true
  - {{id: training, kind: training_pipeline, zone: internal, isolated: true}}
  - {{id: registry, kind: model_registry, zone: internal, access_control: true, backed_up: true}}
  - id: store
    kind: data_store
    zone: internal
    sensitivity: confidential
    encrypted_at_rest: true
    access_control: true
    backed_up: true
  - id: vendor
    kind: external_service
    zone: internet
    supplier: Vendor Ltd
    due_diligence_done: true
    criticality: high
    failover: true
  - id: monitoring
    kind: monitoring
    zone: internal
    covers_inputs: true
    covers_outputs: true
    drift_detection: true
    detects_adversarial_inputs: true
    alerting: true
    audit_logs: true
flows:
  - {{id: ask, from: user, to: web, data: [user_input]}}
  - {{id: query, from: web, to: api, data: [user_input]}}
  - {{id: infer, from: api, to: model, data: [user_input]}}
  - {{id: predict, from: model, to: api, data: [model_output]}}
  - {{id: result, from: api, to: web, data: [model_output]}}
  - {{id: task, from: web, to: agent, data: [user_input]}}
  - {{id: call, from: agent, to: tool, data: [tool_call]}}
  - {{id: feedback, from: web, to: data, data: [feedback]}}
  - {{id: train, from: data, to: training, data: [training_data]}}
  - {{id: publish, from: training, to: registry, data: [model_artifact]}}
  - {{id: deploy, from: registry, to: model, data: [model_artifact]}}
  - {{id: save, from: web, to: store, data: [user_input, personal_data]}}
  - {{id: outsource, from: web, to: vendor, data: [user_input, personal_data]}}
  - {{id: telemetry, from: api, to: monitoring, data: [telemetry]}}
"""


@dataclass
class FakeFinding:
    id: str
    element: str
    band: str
    guidelines: list[str]
    title: str = "A threat"


@dataclass
class FakeDecision:
    id: str
    treatment: str = "mitigate"
    owner: str | None = "Security"
    rationale: str | None = "Rate limits and monitoring are in place."
    review_by: Any = None


@dataclass
class FakeResult:
    """Looks like workbench.rules.engine.AnalysisResult to the coverage."""

    system: str
    findings: list[Any]
    element_order: list[str]
    errors: list[Any] = field(default_factory=list)


@dataclass
class FakeFailure:
    rule: str
    element: str
    message: str = "boom"


FINDINGS = [
    FakeFinding("extraction@api", "api", "critical", ["1.3", "3.2"], "Model extraction"),
    FakeFinding("injection@model", "model", "high", ["1.3", "4.2"], "Prompt injection"),
    FakeFinding("harm@model", "model", "medium", ["3.4"], "Harmful output"),
]
DECISIONS = {
    "extraction@api": FakeDecision("D-1"),
    "injection@model": FakeDecision("D-2", treatment="accept"),
}


def secure() -> SystemModel:
    return loads_model(SECURE_YAML)


def coverage(model: SystemModel, **kwargs: Any) -> GuidelineCoverage:
    kwargs.setdefault("findings", FINDINGS)
    kwargs.setdefault("decisions", DECISIONS)
    return guideline_coverage(model, as_of=AS_OF, **kwargs)


def variant(
    changes: dict[str, dict[str, Any]] | None = None,
    *,
    add: tuple[tuple[str, str, dict[str, Any]], ...] = (),
    flows: tuple[tuple[str, str, str, list[str]], ...] = (),
    remove: tuple[str, ...] = (),
    facts: dict[str, Any] | None = None,
) -> SystemModel:
    """The secure model with some attributes changed (``None`` unsets one)."""
    model = secure()
    for cid in remove:
        model.remove_component(cid)
    for cid, kind, attrs in add:
        attrs = dict(attrs)
        model.add_component(cid, kind, attrs.pop("zone", "internal"), **attrs)
    for cid, attrs in (changes or {}).items():
        model.update_component(cid, **attrs)
    for fid, source, target, data in flows:
        model.add_flow(fid, source, target, data=data)
    if facts:
        model.update_system(**facts)
    return model


# -- the secure baseline --------------------------------------------------------------


def test_every_catalog_check_is_evaluated() -> None:
    catalog_ids = [c.id for c in load_guidelines().checks()]
    assert set(catalog_ids) <= set(evaluated_checks())


def test_secure_model_passes_everything() -> None:
    cov = coverage(secure())
    assert len(cov.guidelines) == 17
    failing = {c.id: c.details for g in cov.guidelines for c in g.checks if c.status != "pass"}
    assert failing == {}
    assert set(cov.states().values()) == {"pass"}
    assert cov.counts() == {"pass": 17, "fail": 0, "unknown": 0, "not_assessed": 0}
    assert cov.analysed


# -- one case per check and status ------------------------------------------------------

MISSING_OWNER_DEBT = [{"item": "Unpinned packages"}]

CASES: list[tuple[str, str, str, dict[str, Any]]] = [
    # (check id, expected status, substring of a detail, variant arguments)
    # 1.1
    ("training-material", "pass", "notebooks", {}),
    ("staff-training-recorded", "pass", "2025-01-15", {}),
    ("staff-training-recorded", "pass", "2024-06-01",
     {"facts": {"staff_training": "2024-06-01"}}),
    ("staff-training-recorded", "fail", "2024-05-31 is more than 12 months before 2025-06-01",
     {"facts": {"staff_training": "2024-05-31"}}),
    ("staff-training-recorded", "unknown", "does not state staff_training",
     {"facts": {"staff_training": None}}),
    # 1.3
    ("untrusted-weights-safe", "fail", 'model "model" has hash_verified: false and signed: false',
     {"changes": {"model": {"origin": "open_weights", "serialization": "pickle",
                            "hash_verified": False, "signed": False}}}),
    ("untrusted-weights-safe", "unknown", 'model "model" does not state hash_verified or signed',
     {"changes": {"model": {"origin": "open_weights", "serialization": "torch_pickle",
                            "hash_verified": None}}}),
    ("untrusted-weights-safe", "unknown", "does not state serialization",
     {"changes": {"model": {"origin": "open_weights", "serialization": None}}}),
    ("untrusted-weights-safe", "pass", "signed: true",
     {"changes": {"model": {"origin": None, "serialization": "joblib", "hash_verified": None,
                            "signed": True},
                  "registry": {"public": True}}}),
    ("untrusted-weights-safe", "fail", "from public registry registry",
     {"changes": {"model": {"origin": None, "serialization": "joblib", "hash_verified": False,
                            "signed": False},
                  "registry": {"public": True}}}),
    ("untrusted-weights-safe", "pass", "is built in house",
     {"changes": {"model": {"serialization": "pickle"}}}),
    ("external-data-controlled", "fail", 'flow "outsource" to external service "vendor" carries '
     "personal_data; due_diligence_done: false",
     {"changes": {"vendor": {"due_diligence_done": False}}}),
    ("external-data-controlled", "unknown", 'does not state due_diligence_done',
     {"changes": {"vendor": {"due_diligence_done": None}}}),
    ("external-data-controlled", "pass", "data_leaves_organisation: false",
     {"changes": {"vendor": {"due_diligence_done": None, "data_leaves_organisation": False}}}),
    ("external-data-controlled", "unknown", "confidential data from data store",
     {"add": (("llm", "model", {"origin": "third_party_api", "zone": "internet"}),),
      "flows": (("leak", "store", "llm", ["prompt"]),)}),
    ("external-data-controlled", "unknown", 'flow "bare" to model "llm" does not state its data',
     {"add": (("llm", "model", {"origin": "third_party_api", "zone": "internet"}),),
      "flows": (("bare", "web", "llm", []),)}),
    ("inputs-sanitised", "fail", 'application "web" has filters_inputs: false',
     {"changes": {"web": {"filters_inputs": False}}}),
    ("inputs-sanitised", "unknown", 'endpoint "api" does not state filters_inputs',
     {"changes": {"api": {"filters_inputs": None}}}),
    ("inputs-sanitised", "unknown", 'data pipeline "prep" does not state validates_inputs',
     {"add": (("prep", "data_pipeline", {}),),
      "flows": (("raw", "web", "prep", ["feedback"]), ("clean", "prep", "data", ["feedback"]))}),
    ("ai-actions-restricted", "fail", 'agent "agent" acts without approval',
     {"changes": {"agent": {"autonomy": "act", "human_in_the_loop": False}}}),
    ("ai-actions-restricted", "fail", 'agent "agent" has config_writable: true',
     {"changes": {"agent": {"config_writable": True}}}),
    ("ai-actions-restricted", "unknown", "does not state autonomy or human_in_the_loop",
     {"changes": {"agent": {"autonomy": None, "human_in_the_loop": None}}}),
    ("ai-actions-restricted", "unknown", 'tool "tool" side_effects',
     {"changes": {"agent": {"autonomy": None, "human_in_the_loop": None},
                  "tool": {"side_effects": None}}}),
    ("ai-actions-restricted", "pass", "has no tools with side effects",
     {"changes": {"agent": {"autonomy": "act", "human_in_the_loop": False},
                  "tool": {"side_effects": "read"}}}),
    ("ai-actions-restricted", "fail", 'tool "runner" has sandboxed: false',
     {"add": (("runner", "tool", {"side_effects": "execute_code", "sandboxed": False}),)}),
    ("least-privilege", "fail", 'agent "agent" has permissions: privileged',
     {"changes": {"agent": {"permissions": "privileged"}}}),
    ("least-privilege", "unknown", 'agent "agent" does not state permissions',
     {"changes": {"agent": {"permissions": None}}}),
    ("least-privilege", "pass", "not applicable: no agents", {"remove": ("agent",)}),
    ("output-guardrails", "fail", 'application "web" has filters_outputs: false',
     {"changes": {"web": {"filters_outputs": False}}}),
    ("output-guardrails", "unknown", 'application "web" does not state filters_outputs',
     {"changes": {"web": {"filters_outputs": None}}}),
    # 1.4
    ("model-selection-rationale", "fail", 'model "model" has no selection_rationale',
     {"changes": {"model": {"selection_rationale": None}}}),
    ("model-origin-known", "unknown", 'model "model" does not state origin',
     {"changes": {"model": {"origin": None}}}),
    ("model-origin-known", "fail", "serialization: unknown",
     {"changes": {"model": {"serialization": "unknown"}}}),
    ("model-origin-known", "pass", "origin: third_party_api",
     {"changes": {"model": {"origin": "third_party_api", "serialization": None}}}),
    # 2.1
    ("suppliers-vetted", "fail", 'external service "vendor" names no supplier',
     {"changes": {"vendor": {"supplier": None}}}),
    ("suppliers-vetted", "fail", "has due_diligence_done: false",
     {"changes": {"vendor": {"due_diligence_done": False}}}),
    ("suppliers-vetted", "unknown", 'external service "vendor" does not state due_diligence_done',
     {"changes": {"vendor": {"due_diligence_done": None}}}),
    ("suppliers-vetted", "unknown", 'model "model" states neither origin nor supplier',
     {"changes": {"model": {"origin": None}}}),
    ("suppliers-vetted", "pass", 'dataset "data" (origin: public): supplier Hub',
     {"changes": {"data": {"origin": "public", "supplier": "Hub", "due_diligence_done": True}}}),
    ("ai-bom", "fail", 'model "model" has no supplier (or an in-house origin)',
     {"changes": {"model": {"origin": "open_weights"}}}),
    ("ai-bom", "fail", 'dataset "data" has no version or sha256',
     {"changes": {"data": {"version": None, "sha256": None}}}),
    ("ai-bom", "pass", 'dataset "data": origin internal, sha256',
     {"changes": {"data": {"version": None}}}),
    ("supplier-failover", "fail", 'external service "vendor" has failover: false',
     {"changes": {"vendor": {"failover": False}}}),
    ("supplier-failover", "unknown", 'external service "vendor" does not state failover',
     {"changes": {"vendor": {"failover": None}}}),
    ("supplier-failover", "unknown", "does not state criticality",
     {"changes": {"vendor": {"failover": None, "criticality": None}}}),
    ("supplier-failover", "pass", "is not mission-critical (criticality: low)",
     {"changes": {"vendor": {"failover": None, "criticality": "low"}}}),
    # 2.2
    ("assets-inventoried", "pass", 'model "model" has owner, location, trained_on, sha256', {}),
    ("assets-inventoried", "pass", 'pass: model "model" has owner, location',
     {"changes": {"model": {"origin": "third_party_api", "sha256": None, "trained_on": None}}}),
    ("known-good-state", "pass", 'prompt "prompt" has versioned: true', {}),
    ("assets-inventoried", "fail", 'prompt "prompt" has no owner, contains_secrets',
     {"changes": {"prompt": {"owner": None, "contains_secrets": None}}}),
    ("assets-inventoried", "fail", 'dataset "data" has no sensitivity, sha256',
     {"changes": {"data": {"sensitivity": None, "sha256": None}}}),
    ("known-good-state", "fail", 'registry "registry" has backed_up: false',
     {"changes": {"registry": {"backed_up": False}}}),
    ("known-good-state", "unknown", 'data store "store" does not state backed_up',
     {"changes": {"store": {"backed_up": None}}}),
    ("known-good-state", "unknown", 'prompt "prompt" does not state versioned',
     {"changes": {"prompt": {"versioned": None}}}),
    # 2.3
    ("model-data-cards", "fail", 'dataset "data" has no docs',
     {"changes": {"data": {"docs": None}}}),
    ("hashes-recorded", "fail", 'model "model" has no sha256',
     {"changes": {"model": {"sha256": None}}}),
    ("hashes-recorded", "pass", "not applicable",
     {"remove": ("data",), "changes": {"model": {"origin": "third_party_api", "sha256": None}}}),
    ("retention-stated", "fail", 'dataset "data" has no retention',
     {"changes": {"data": {"retention": None}}}),
    ("retention-stated", "pass", "not applicable: no datasets", {"remove": ("data",)}),
    ("data-provenance", "fail", 'dataset "data" has provenance_tracked: false',
     {"changes": {"data": {"provenance_tracked": False}}}),
    ("data-provenance", "unknown", 'dataset "data" does not state provenance_tracked',
     {"changes": {"data": {"provenance_tracked": None}}}),
    # 2.4
    ("debt-recorded", "pass", 'debt item "Old serving library" has owner Platform', {}),
    ("debt-recorded", "fail", 'debt item "Unpinned packages" has no owner',
     {"facts": {"debt": MISSING_OWNER_DEBT}}),
    ("debt-recorded", "unknown", "no debt list", {"facts": {"debt": None}}),
    # 3.1
    ("access-control", "fail", 'endpoint "api" has authenticated: false',
     {"changes": {"api": {"authenticated": False}}}),
    ("access-control", "unknown", 'registry "registry" does not state access_control',
     {"changes": {"registry": {"access_control": None}}}),
    ("access-control", "pass", 'registry "registry" has public: true',
     {"changes": {"registry": {"access_control": None, "public": True}}}),
    ("access-control", "fail", 'vector store "index" has per_document_access_control: false',
     {"add": (("index", "vector_store", {"multi_tenant": True,
                                          "per_document_access_control": False}),)}),
    ("access-control", "unknown", 'vector store "index" does not state multi_tenant',
     {"add": (("index", "vector_store", {}),)}),
    ("environments-segregated", "fail", 'training pipeline "training" has isolated: false',
     {"changes": {"training": {"isolated": False}}}),
    ("environments-segregated", "unknown", "does not state isolated",
     {"changes": {"training": {"isolated": None}}}),
    # 3.2
    ("model-integrity", "fail", 'model "model" has hash_verified: false and signed: false',
     {"changes": {"model": {"hash_verified": False, "signed": False}}}),
    ("model-integrity", "unknown", 'model "model" does not state hash_verified or signed',
     {"changes": {"model": {"hash_verified": None}}}),
    ("model-integrity", "pass", "not applicable",
     {"changes": {"model": {"origin": "third_party_api", "hash_verified": None}}}),
    ("query-interface-controls", "fail", 'endpoint "api" has rate_limited: false',
     {"changes": {"api": {"rate_limited": False}}}),
    ("query-interface-controls", "unknown", 'endpoint "api" does not state rate_limited',
     {"changes": {"api": {"rate_limited": None}}}),
    ("confidentiality-controls", "fail", 'data store "store" has encrypted_at_rest: false',
     {"changes": {"store": {"encrypted_at_rest": False}}}),
    ("confidentiality-controls", "fail",
     'endpoint "api" has returns_scores: true (serves model "model" trained on confidential',
     {"changes": {"api": {"returns_scores": True}}}),
    ("confidentiality-controls", "unknown", 'endpoint "api" does not state returns_scores',
     {"changes": {"api": {"returns_scores": None}}}),
    ("confidentiality-controls", "pass", "not applicable",
     {"changes": {"store": {"sensitivity": "internal"}, "model": {"trained_on": "public"}}}),
    # 3.3
    ("incident-plan", "pass", "https://wiki.example.com/ir", {}),
    ("incident-plan", "unknown", "does not state incident_plan",
     {"facts": {"incident_plan": None}}),
    ("audit-logs", "fail", 'monitoring "monitoring" has audit_logs: false',
     {"changes": {"monitoring": {"audit_logs": False}}}),
    ("audit-logs", "unknown", 'monitoring "monitoring" does not state audit_logs',
     {"changes": {"monitoring": {"audit_logs": None}}}),
    ("audit-logs", "fail", "the model has no monitoring component", {"remove": ("monitoring",)}),
    ("offline-backups", "fail", 'data store "store" has backed_up: false (crown jewel: holds '
     "confidential data)", {"changes": {"store": {"backed_up": False}}}),
    ("offline-backups", "unknown", 'dataset "data" does not state backed_up',
     {"changes": {"data": {"backed_up": None}}}),
    ("offline-backups", "pass", "not applicable",
     {"changes": {"store": {"sensitivity": "public"}, "data": {"sensitivity": "internal"}}}),
    # 3.4
    ("release-evaluation", "pass", "https://wiki.example.com/eval dated 2025-03-01", {}),
    ("release-evaluation", "unknown", "does not state release_evaluation",
     {"facts": {"release_evaluation": None}}),
    ("release-evaluation", "fail", "release_evaluation has no date",
     {"facts": {"release_evaluation": {"link": "https://wiki.example.com/eval"}}}),
    ("release-evaluation", "fail", "after 2025-06-01",
     {"facts": {"release_evaluation": {"link": "https://x.example.com/e", "date": "2025-07-01"}}}),
    ("limitations-stated", "fail", 'model "model" has no docs',
     {"changes": {"model": {"docs": None}}}),
    # 3.5
    ("secure-defaults", "fail", 'agent "agent" has human_in_the_loop: false with tool "tool" '
     "(write)", {"changes": {"agent": {"human_in_the_loop": False, "autonomy": None}}}),
    ("secure-defaults", "unknown", 'agent "agent" does not state human_in_the_loop',
     {"changes": {"agent": {"human_in_the_loop": None}}}),
    ("secure-defaults", "fail", 'application "web" has filters_outputs: false (renders model '
     "output as html)",
     {"changes": {"web": {"renders_model_output_as": "html", "filters_outputs": False}}}),
    ("risky-capabilities-opt-in", "fail", "acts without approval (autonomy: act, "
     "human_in_the_loop: unstated) with code_interpreter",
     {"changes": {"agent": {"autonomy": "act", "human_in_the_loop": None,
                            "code_interpreter": True},
                  "tool": {"side_effects": "none"}}}),
    ("risky-capabilities-opt-in", "unknown", 'has tool "tool" (write) and does not state autonomy',
     {"changes": {"agent": {"autonomy": None, "human_in_the_loop": None}}}),
    ("user-responsibilities-stated", "pass", 'dataset "data" receives feedback; retention and '
     "docs stated", {}),
    ("user-responsibilities-stated", "unknown", 'dataset "data" receives feedback and has no docs',
     {"changes": {"data": {"docs": None}}}),
    ("user-responsibilities-stated", "pass", "not applicable", {"remove": ("data",)}),
    # 4.1
    ("outputs-monitored", "fail", 'monitoring "monitoring" has covers_outputs: false',
     {"changes": {"monitoring": {"covers_outputs": False}}}),
    ("outputs-monitored", "unknown", "does not state covers_outputs",
     {"changes": {"monitoring": {"covers_outputs": None}}}),
    ("outputs-monitored", "pass", 'monitoring "second" has covers_outputs: true',
     {"changes": {"monitoring": {"covers_outputs": False}},
      "add": (("second", "monitoring", {"covers_outputs": True}),)}),
    ("drift-detected", "fail", "has drift_detection: false",
     {"changes": {"monitoring": {"drift_detection": False}}}),
    ("drift-detected", "unknown", "does not state drift_detection",
     {"changes": {"monitoring": {"drift_detection": None}}}),
    ("monitoring-alerts", "unknown", "does not state alerting",
     {"changes": {"monitoring": {"alerting": None}}}),
    ("monitoring-alerts", "fail", "the model has no monitoring component",
     {"remove": ("monitoring",)}),
    # 4.2
    ("inputs-logged", "pass", 'endpoint "api" has logs_inputs: true',
     {"changes": {"monitoring": {"covers_inputs": False}}}),
    ("inputs-logged", "fail", 'endpoint "api" has logs_inputs: false',
     {"changes": {"monitoring": {"covers_inputs": False}, "api": {"logs_inputs": False}}}),
    ("inputs-logged", "unknown", 'endpoint "api" has logs_inputs: false and monitoring '
     '"monitoring" does not state covers_inputs',
     {"changes": {"monitoring": {"covers_inputs": None}, "api": {"logs_inputs": False}}}),
    ("inputs-logged", "unknown", 'endpoint "api" does not state logs_inputs',
     {"changes": {"monitoring": {"covers_inputs": False}, "api": {"logs_inputs": None}}}),
    ("inputs-logged", "unknown", 'monitoring "monitoring" does not state covers_inputs',
     {"remove": ("api",), "changes": {"monitoring": {"covers_inputs": None}}}),
    ("inputs-logged", "fail", "nothing logs inputs", {"remove": ("api", "monitoring")}),
    ("adversarial-inputs-detected", "fail", "has detects_adversarial_inputs: false",
     {"changes": {"monitoring": {"detects_adversarial_inputs": False}}}),
    ("adversarial-inputs-detected", "unknown", "does not state detects_adversarial_inputs",
     {"changes": {"monitoring": {"detects_adversarial_inputs": None}}}),
    # 4.3
    ("model-versions-tracked", "fail", 'model "model" has no version',
     {"changes": {"model": {"version": None}}}),
    ("updates-evaluated", "unknown", "continuous_learning: true",
     {"changes": {"model": {"continuous_learning": True}}}),
    ("updates-evaluated", "unknown", "does not state auto_updated",
     {"changes": {"model": {"auto_updated": None}}}),
    ("updates-evaluated", "fail", "the system records no release_evaluation",
     {"facts": {"release_evaluation": None}}),
    ("updates-evaluated", "pass", "pinned to version 1.0",
     {"changes": {"model": {"origin": "third_party_api"}}}),
    ("updates-evaluated", "unknown", "states no pinned version",
     {"changes": {"model": {"origin": "third_party_api", "version": None}}}),
    ("automated-updates", "fail", 'model "model" has auto_updated: false (deployment: edge_device)',
     {"changes": {"model": {"deployment": "edge_device"}}}),
    ("automated-updates", "unknown", "does not state auto_updated (deployment: client)",
     {"changes": {"model": {"deployment": "client", "auto_updated": None}}}),
    ("automated-updates", "pass", "hash_verified: true (auto_updated: true)",
     {"changes": {"model": {"auto_updated": True}}}),
    ("automated-updates", "fail", "hash_verified: false and signed: false (auto_updated: true)",
     {"changes": {"model": {"auto_updated": True, "hash_verified": False, "signed": False}}}),
    ("versioned-apis", "fail", 'endpoint "api" has versioned: false',
     {"changes": {"api": {"versioned": False}}}),
    ("versioned-apis", "unknown", 'endpoint "api" does not state versioned',
     {"changes": {"api": {"versioned": None}}}),
    # 4.4
    ("findings-shareable", "pass", "STIX", {}),
    ("disclosure-contact", "pass", "https://example.com/.well-known/security.txt",
     {"facts": {"disclosure_contact": "https://example.com/.well-known/security.txt"}}),
    ("disclosure-contact", "unknown", "does not state disclosure_contact",
     {"facts": {"disclosure_contact": None}}),
    ("disclosure-contact", "fail", "neither a mail address nor a URL",
     {"facts": {"disclosure_contact": "ask Bob"}}),
]


@pytest.mark.parametrize(
    ("check_id", "expected", "detail", "changes"),
    CASES,
    ids=[f"{c[0]}-{c[1]}-{i}" for i, c in enumerate(CASES)],
)
def test_check(check_id: str, expected: str, detail: str, changes: dict[str, Any]) -> None:
    cov = coverage(variant(**changes))
    check = cov.check(check_id)
    assert check.status == expected, check.details
    assert any(detail in d for d in check.details), check.details
    assert any(d.startswith(expected + ":") or d.startswith("not applicable:")
               for d in check.details), check.details


def test_cases_cover_every_guideline_in_all_states() -> None:
    catalog = load_guidelines()
    seen: dict[str, set[str]] = {g.number: set() for g in catalog}
    for check_id, expected, _, _ in CASES:
        seen[catalog.check(check_id).guideline].add(expected)
    for number, states in seen.items():
        if number == "1.2":  # decisions and findings: see the tests below
            continue
        assert states == STATES, number


def test_failing_detail_names_component_and_elements() -> None:
    cov = coverage(variant({"model": {"selection_rationale": None}}))
    check = cov.check("model-selection-rationale")
    assert check.details == ['fail: model "model" has no selection_rationale']
    assert check.elements == ["model"]


def test_elements_follow_the_status_and_model_order() -> None:
    model = variant(
        {"store": {"access_control": None}, "registry": {"access_control": False}},
        add=(("audit", "data_store", {"access_control": False}),),
    )
    check = coverage(model).check("access-control")
    assert check.status == "fail"
    assert check.elements == ["registry", "audit"]
    # failing details first, then unknown, then passing ones, each in model order
    assert check.details == [
        'fail: registry "registry" has access_control: false',
        'fail: data store "audit" has access_control: false',
        'unknown: data store "store" does not state access_control',
        'pass: endpoint "api" has authenticated: true',
    ]


# -- unstated is unknown, never fail ---------------------------------------------------

BARE_YAML = """
schema_version: 1
system: {id: bare}
zones: [{id: internet, trust: 0}, {id: internal, trust: 3}]
components:
  - {id: user, kind: actor, zone: internet}
  - {id: app, kind: application, zone: internal}
  - {id: api, kind: inference_endpoint, zone: internal}
  - {id: model, kind: model, zone: internal}
  - {id: agent, kind: agent, zone: internal}
  - {id: tool, kind: tool, zone: internal}
  - {id: data, kind: dataset, zone: internal}
  - {id: prep, kind: data_pipeline, zone: internal}
  - {id: training, kind: training_pipeline, zone: internal}
  - {id: registry, kind: model_registry, zone: internal}
  - {id: index, kind: vector_store, zone: internal}
  - {id: source, kind: knowledge_source, zone: internal}
  - {id: store, kind: data_store, zone: internal}
  - {id: prompt, kind: prompt, zone: internal}
  - {id: vendor, kind: external_service, zone: internet}
  - {id: camera, kind: sensor, zone: internet}
  - {id: monitoring, kind: monitoring, zone: internal}
flows:
  - {id: f1, from: user, to: app, data: [user_input]}
  - {id: f2, from: app, to: api, data: [user_input]}
  - {id: f3, from: api, to: model, data: [user_input]}
  - {id: f4, from: model, to: app, data: [model_output]}
  - {id: f5, from: app, to: agent, data: [user_input]}
  - {id: f6, from: agent, to: tool, data: [tool_call]}
  - {id: f7, from: app, to: prep, data: [feedback]}
  - {id: f8, from: prep, to: data, data: [feedback]}
  - {id: f9, from: data, to: training, data: [training_data]}
  - {id: f10, from: training, to: registry, data: [model_artifact]}
  - {id: f11, from: registry, to: model, data: [model_artifact]}
  - {id: f12, from: app, to: vendor, data: [user_input, personal_data]}
  - {id: f13, from: source, to: index, data: [retrieved_context]}
  - {id: f14, from: index, to: agent, data: [retrieved_context]}
  - {id: f15, from: app, to: store, data: [user_input]}
  - {id: f16, from: camera, to: api, data: [user_input]}
"""

#: Checks that ask for records the model should hold for each component: absent fails.
RECORD_CHECKS = {
    "model-selection-rationale", "suppliers-vetted", "ai-bom", "assets-inventoried",
    "model-data-cards", "hashes-recorded", "retention-stated", "limitations-stated",
    "model-versions-tracked",
}


def test_unstated_attributes_are_unknown_never_fail() -> None:
    model = loads_model(BARE_YAML)
    cov = coverage(model)
    assert len(cov.guidelines) == 17
    for g in cov.guidelines:
        for c in g.checks:
            assert c.status in STATES
            if c.id not in RECORD_CHECKS:
                assert c.status != "fail", (c.id, c.details)
            for detail in c.details:
                if detail.startswith("fail:"):
                    assert c.id in RECORD_CHECKS, (c.id, detail)
                    assert " has no " in detail or "names no supplier" in detail, detail
    # control checks with nothing stated are unknown, and say which attribute to state
    for check_id, phrase in [
        ("least-privilege", 'agent "agent" does not state permissions'),
        ("access-control", 'registry "registry" does not state access_control'),
        ("inputs-sanitised", 'application "app" does not state filters_inputs'),
        ("query-interface-controls", 'endpoint "api" does not state rate_limited'),
        ("staff-training-recorded", "does not state staff_training"),
        ("debt-recorded", "no debt list"),
    ]:
        check = cov.check(check_id)
        assert check.status == "unknown", check_id
        assert any(phrase in d for d in check.details), (check_id, check.details)


def test_empty_system_is_not_applicable_but_never_fails_controls() -> None:
    model = SystemModel("empty")
    model.add_zone("internal", trust=3)
    cov = coverage(model, findings=(), decisions=None)
    assert len(cov.guidelines) == 17
    for c in (c for g in cov.guidelines for c in g.checks):
        assert c.status in {"pass", "unknown"}, (c.id, c.details)
    na = cov.check("retention-stated")
    assert (na.status, na.applicable, na.details) == (
        "pass", False, ["not applicable: no datasets"])
    assert cov.check("training-material").applicable


# -- overall state -------------------------------------------------------------------


def test_overall_state_fail_beats_unknown_beats_pass() -> None:
    unknown_only = coverage(variant({"api": {"rate_limited": None}}))
    assert unknown_only.guideline("3.2").state == "unknown"
    both = coverage(variant({"api": {"rate_limited": None}, "model": {"signed": False,
                                                                      "hash_verified": False}}))
    g = both.guideline("3.2")
    assert [c.status for c in g.checks] == ["fail", "unknown", "pass"]
    assert g.state == "fail"
    assert g.counts() == {"pass": 1, "fail": 1, "unknown": 1}
    assert coverage(secure()).guideline("3.2").state == "pass"


def test_state_derived_for_every_guideline() -> None:
    cov = coverage(loads_model(BARE_YAML))
    for g in cov.guidelines:
        statuses = {c.status for c in g.checks}
        expected = "fail" if "fail" in statuses else "unknown" if "unknown" in statuses else "pass"
        assert g.state == expected, g.number


# -- findings and decisions ------------------------------------------------------------


def test_related_findings_carry_status_and_decision() -> None:
    decisions: dict[str, Any] = {
        "extraction@api": FakeDecision("D-1", review_by=datetime.date(2025, 5, 1)),
        "injection@model": FakeDecision("D-2", treatment="accept", review_by="2026-01-01"),
        "harm@model": None,
    }
    cov = coverage(secure(), decisions=decisions)
    g13 = cov.guideline("1.3")
    assert [f["id"] for f in g13.findings] == ["extraction@api", "injection@model"]
    first, second = g13.findings
    assert first == {
        "id": "extraction@api", "title": "Model extraction", "element": "api",
        "band": "critical", "status": "review_due", "decision_id": "D-1",
        "treatment": "mitigate", "owner": "Security",
    }
    assert (second["status"], second["decision_id"], second["treatment"]) == (
        "decided", "D-2", "accept")
    g34 = cov.guideline("3.4")
    assert g34.findings[0]["status"] == "open"
    assert g34.findings[0]["decision_id"] is None and g34.findings[0]["treatment"] is None
    assert [f["id"] for f in g34.open_findings] == ["harm@model"]
    assert cov.guideline("4.2").findings[0]["id"] == "injection@model"
    assert cov.guideline("2.4").findings == []


def test_given_statuses_win() -> None:
    statuses = {"extraction@api": "review_due", "harm@model": "decided"}
    cov = coverage(secure(), statuses=statuses)
    assert cov.guideline("3.2").findings[0]["status"] == "review_due"
    assert cov.guideline("3.4").findings[0]["status"] == "decided"
    # not in the mapping: derived from the decisions
    assert cov.guideline("4.2").findings[0]["status"] == "decided"


def test_findings_as_dicts() -> None:
    findings = [{"id": "x@api", "element": "api", "band": "high", "guidelines": ["3.1"],
                 "title": "Unauthenticated API"}]
    decisions = {"x@api": {"id": "D-9", "treatment": "mitigate", "owner": "Ops",
                           "rationale": "Add auth", "review_by": None}}
    cov = coverage(secure(), findings=findings, decisions=decisions)
    assert cov.guideline("3.1").findings[0]["decision_id"] == "D-9"
    assert cov.check("high-threats-decided").status == "pass"


def test_components_analysed() -> None:
    no_analysis = coverage(secure(), findings=())
    check = no_analysis.check("components-analysed")
    assert check.status == "unknown"
    assert not no_analysis.analysed
    assert no_analysis.check("high-threats-decided").status == "unknown"
    assert "no analysis given" in no_analysis.to_text()

    assert coverage(secure()).check("components-analysed").status == "pass"

    model = secure()
    ids = [c.id for c in model.components()]
    result = FakeResult("secure", list(FINDINGS), [i for i in ids if i != "vendor"])
    check = coverage(model, findings=result).check("components-analysed")
    assert check.status == "fail"
    assert check.elements == ["vendor"]
    assert any('external service "vendor" was not analysed' in d for d in check.details)

    result = FakeResult("secure", [], ids, errors=[FakeFailure("some-rule", "api")])
    cov = coverage(model, findings=result)
    assert cov.analysed
    check = cov.check("components-analysed")
    assert check.status == "unknown"
    assert any('endpoint "api": rules failed on it (some-rule)' in d for d in check.details)
    # an analysis without findings still counts as an analysis
    assert cov.check("high-threats-decided").status == "pass"


def test_high_threats_decided() -> None:
    check = coverage(secure(), decisions={}).check("high-threats-decided")
    assert check.status == "fail"
    assert 'fail: critical finding "extraction@api" has no decision' in check.details
    assert check.elements == ["api", "model"]

    no_owner = {**DECISIONS, "injection@model": FakeDecision("D-2", owner=None)}
    check = coverage(secure(), decisions=no_owner).check("high-threats-decided")
    assert check.status == "fail"
    assert 'fail: high finding "injection@model": decision "D-2" has no owner' in check.details

    check = coverage(secure(), decisions=None).check("high-threats-decided")
    assert check.status == "unknown"

    low = [FakeFinding("minor@api", "api", "low", ["3.1"])]
    check = coverage(secure(), findings=low, decisions={}).check("high-threats-decided")
    assert (check.status, check.applicable) == ("pass", False)


def test_decisions_documented() -> None:
    assert coverage(secure()).check("decisions-documented").status == "pass"
    undocumented = {**DECISIONS, "harm@model": FakeDecision("D-3", rationale="  ")}
    check = coverage(secure(), decisions=undocumented).check("decisions-documented")
    assert check.status == "fail"
    assert check.details[0] == 'fail: decision "D-3" on finding "harm@model" has no rationale'
    assert check.elements == ["model"]
    shared = FakeDecision("D-4", rationale=None)
    check = coverage(secure(), decisions={"extraction@api": shared, "injection@model": shared,
                                          "harm@model": None}).check("decisions-documented")
    assert check.details == [
        'fail: decision "D-4" on findings "extraction@api", "injection@model" has no rationale']
    assert check.elements == ["api"]
    assert coverage(secure(), decisions=None).check("decisions-documented").status == "unknown"
    empty = coverage(secure(), decisions={}).check("decisions-documented")
    assert (empty.status, empty.applicable) == ("pass", False)


def test_guideline_1_2_reaches_every_state() -> None:
    assert coverage(secure()).guideline("1.2").state == "pass"
    assert coverage(secure(), decisions={}).guideline("1.2").state == "fail"
    assert coverage(secure(), findings=(), decisions=None).guideline("1.2").state == "unknown"


# -- templates and outputs ---------------------------------------------------------------


@pytest.mark.parametrize("name", template_names())
def test_templates(name: str) -> None:
    import workbench as wb

    model = load_template(name)
    result = wb.analyze(model)
    cov = guideline_coverage(model, findings=result, decisions={}, as_of=AS_OF)
    assert [g.number for g in cov.guidelines] == [g.number for g in load_guidelines()]
    assert len(cov.guidelines) == 17
    for g in cov.guidelines:
        assert g.state in STATES
        for c in g.checks:
            assert c.status in STATES
            assert c.details, c.id
            assert all(d.split(":")[0] in {*STATES, "not applicable"} for d in c.details)
            elements = {comp.id for comp in model.components()} | {f.id for f in model.flows()}
            assert set(c.elements) <= elements
    # findings appear under every guideline they name
    for f in result.findings:
        for number in f.guidelines:
            assert f.id in [x["id"] for x in cov.guideline(number).findings]
    # deterministic and JSON-ready
    again = guideline_coverage(model, findings=result, decisions={}, as_of=AS_OF)
    assert again.to_dict() == cov.to_dict()
    json.dumps(cov.to_dict())


def test_template_without_analysis() -> None:
    cov = guideline_coverage(load_template("fraud-classifier"), as_of=AS_OF)
    assert cov.guideline("1.2").state == "unknown"
    assert cov.check("model-selection-rationale").status == "pass"
    assert cov.check("confidentiality-controls").elements == ["scoring-endpoint"]


def test_dataframes() -> None:
    cov = coverage(variant({"model": {"selection_rationale": None}, "api": {"versioned": None}}))
    frame = cov.to_dataframe()
    assert list(frame.columns) == list(CHECK_COLUMNS)
    assert list(frame.columns)[:6] == [
        "guideline", "title", "check_id", "check_text", "status", "applicable"]
    assert len(frame) == len(load_guidelines().checks())
    row = frame[frame.check_id == "model-selection-rationale"].iloc[0]
    assert (row.guideline, row.status, row.elements) == ("1.4", "fail", "model")
    assert row.details == 'fail: model "model" has no selection_rationale'
    assert list(frame.guideline.unique()) == [g.number for g in load_guidelines()]

    summary = cov.summary_dataframe()
    assert list(summary.columns) == list(SUMMARY_COLUMNS)
    assert len(summary) == 17
    rows = summary.set_index("guideline").to_dict("index")
    assert rows["1.4"] == {"stage": 1, "title": load_guidelines().get("1.4").title,
                           "state": "fail", "checks": 2, "pass": 1, "fail": 1, "unknown": 0,
                           "findings": 0, "open_findings": 0}
    assert rows["4.3"]["state"] == "unknown"
    assert (rows["1.3"]["findings"], rows["1.3"]["open_findings"]) == (2, 0)
    assert rows["3.4"]["open_findings"] == 1


def test_text_output() -> None:
    cov = coverage(variant({"model": {"selection_rationale": None}, "api": {"versioned": None}}))
    text = cov.to_text()
    assert "\x1b" not in text
    lines = text.splitlines()
    assert lines[0] == "Guideline coverage: Secure system (secure), as of 2025-06-01"
    assert lines[1] == "15 pass, 1 fail, 1 unknown, 0 not assessed of 17 guidelines"
    row = next(line for line in lines if line.startswith("1.4 "))
    assert row.split()[:5] == ["1.4", "fail", "1", "1", "0"]
    assert "Consider security benefits" in row
    assert sum(1 for line in lines if line[:2] in {f"{s}." for s in "1234"}) == 17
    fail_at, unknown_at = lines.index("Failing checks:"), lines.index("Unknown checks:")
    assert fail_at < unknown_at
    failing = lines[fail_at:unknown_at]
    assert any("1.4 model-selection-rationale" in line for line in failing)
    assert any('fail: model "model" has no selection_rationale' in line for line in failing)
    unknown = lines[unknown_at:]
    assert any('unknown: endpoint "api" does not state versioned' in line for line in unknown)
    # passing details are left out of the text
    assert "pass: " not in text
    assert str(cov) == text
    assert "1 fail" in repr(cov)


def test_text_output_all_pass_has_no_check_sections() -> None:
    text = coverage(secure()).to_text()
    assert "Failing checks" not in text and "Unknown checks" not in text


def test_to_dict() -> None:
    cov = coverage(variant({"api": {"versioned": None}}))
    data = cov.to_dict()
    assert data["system"] == "secure" and data["as_of"] == "2025-06-01"
    assert data["counts"] == {"pass": 16, "fail": 0, "unknown": 1, "not_assessed": 0}
    g43 = next(g for g in data["guidelines"] if g["number"] == "4.3")
    assert g43["state"] == "unknown"
    assert g43["counts"]["unknown"] == 1
    check = next(c for c in g43["checks"] if c["id"] == "versioned-apis")
    assert check == {
        "id": "versioned-apis",
        "text": load_guidelines().check("versioned-apis").text,
        "status": "unknown",
        "applicable": True,
        "details": ['unknown: endpoint "api" does not state versioned'],
        "elements": ["api"],
    }


# -- catalogs and arguments ------------------------------------------------------------------


def test_custom_catalog_with_unknown_check(tmp_path: Path) -> None:
    from workbench._resources import catalog_path

    data = yaml.safe_load(catalog_path("guidelines.yaml").read_text(encoding="utf-8"))
    data["stages"][3]["guidelines"][3]["checks"].append(
        {"id": "lessons-published", "text": "Lessons learned are published."})
    path = tmp_path / "guidelines.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    catalog = load_guidelines(path)
    cov = coverage(secure(), guidelines=catalog)
    check = cov.check("lessons-published")
    assert check.status == "unknown"
    assert "cannot evaluate" in check.details[0]
    assert cov.guideline("4.4").state == "unknown"
    # a subset of guidelines works too
    subset = coverage(secure(), guidelines=[catalog.get("2.4")])
    assert [g.number for g in subset.guidelines] == ["2.4"]


def test_as_of_must_be_a_date() -> None:
    with pytest.raises(TypeError, match="as_of"):
        guideline_coverage(secure(), as_of="2025-06-01")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="as_of"):
        guideline_coverage(secure(), as_of=datetime.datetime(2025, 6, 1))


def test_leap_day_as_of() -> None:
    cov = guideline_coverage(variant(facts={"staff_training": "2023-02-28"}),
                             as_of=datetime.date(2024, 2, 29))
    assert cov.check("staff-training-recorded").status == "pass"
    cov = guideline_coverage(variant(facts={"staff_training": "2023-02-27"}),
                             as_of=datetime.date(2024, 2, 29))
    assert cov.check("staff-training-recorded").status == "fail"


def test_lookup_errors() -> None:
    cov = coverage(secure())
    with pytest.raises(KeyError):
        cov.guideline("9.9")
    with pytest.raises(KeyError):
        cov.check("nope")
    assert cov.guideline(" 2.1 ").check("ai-bom").status == "pass"
    with pytest.raises(KeyError):
        cov.guideline("2.1").check("nope")
