"""Untrusted content and confidential data along flows (docs/analysis/propagation.md)."""

from __future__ import annotations

from typing import Any

import pytest

from workbench.errors import RuleError
from workbench.model import SystemModel, load_template, template_names
from workbench.rules import analyze, load_rules
from workbench.rules.context import Context
from workbench.rules.propagation import DIRECT, STORED


def model(components: list[dict[str, Any]], flows: list[dict[str, Any]], zones: Any = None) -> SystemModel:
    return SystemModel.from_dict(
        {
            "schema_version": 1,
            "system": {"id": "t"},
            "zones": zones
            or [{"id": "internet", "trust": 0}, {"id": "dmz", "trust": 2}, {"id": "internal", "trust": 3}],
            "components": components,
            "flows": flows,
        }
    )


def upload_chain() -> SystemModel:
    """outsider → upload store → indexer → vector store → agent → LLM"""
    return model(
        [
            {"id": "outsider", "kind": "actor", "zone": "internet", "name": "Outsider", "trusted": False},
            {"id": "uploads", "kind": "data_store", "zone": "internal", "name": "Upload store"},
            {"id": "indexer", "kind": "data_pipeline", "zone": "internal", "name": "Indexer"},
            {"id": "index", "kind": "vector_store", "zone": "internal", "name": "Vector store"},
            {"id": "agent", "kind": "agent", "zone": "internal", "name": "Agent"},
            {"id": "llm", "kind": "model", "zone": "internal", "name": "LLM", "model_type": "llm"},
        ],
        [
            {"id": "a", "from": "outsider", "to": "uploads", "data": ["user_input"]},
            {"id": "b", "from": "uploads", "to": "indexer", "data": ["retrieved_context"]},
            {"id": "c", "from": "indexer", "to": "index", "data": ["retrieved_context"]},
            {"id": "d", "from": "index", "to": "agent", "data": ["retrieved_context"]},
            {"id": "e", "from": "agent", "to": "llm", "data": ["prompt", "retrieved_context"]},
        ],
    )


def test_indirect_injection_names_the_whole_chain(catalog: Any, rules: Any) -> None:
    result = analyze(upload_chain(), catalog=catalog, rules=rules)
    f = result.finding("llm-indirect-prompt-injection@llm")
    chain = "Outsider → Upload store → Indexer → Vector store → Agent → LLM"
    assert chain in f.reason
    assert f.path == ["outsider", "uploads", "indexer", "index", "agent", "llm"]
    assert "AML.T0070" in f.techniques  # a vector store holds the outsider's content
    assert not [x for x in result.findings_for("llm") if x.technique == "AML.T0051.000"]


def test_direct_injection_only_where_the_outsider_types_into_the_prompt(catalog: Any, rules: Any) -> None:
    m = model(
        [
            {"id": "user", "kind": "actor", "zone": "internet", "name": "User"},
            {"id": "app", "kind": "application", "zone": "dmz", "name": "App"},
            {"id": "llm", "kind": "model", "zone": "internal", "name": "LLM", "model_type": "llm"},
        ],
        [
            {"id": "a", "from": "user", "to": "app", "data": ["user_input"]},
            {"id": "b", "from": "app", "to": "llm", "data": ["prompt"]},
        ],
    )
    result = analyze(m, catalog=catalog, rules=rules)
    direct = result.finding("llm-direct-prompt-injection@llm")
    assert "User → App → LLM" in direct.reason
    assert not [f for f in result.findings_for("llm") if f.technique == "AML.T0051.001"]


def test_each_component_has_at_most_two_states_and_queries_taint_nothing(catalog: Any) -> None:
    m = load_template("support-assistant")
    ctx = Context(m, catalog)
    taint = ctx.taint
    assert len(taint.parent) <= 2 * len(m.components())
    # the assistant's retrieval query does not make the index the customers' content...
    nodes, _flows = taint.chain("vector-store", STORED)
    assert "ingestion" in nodes  # ...the tickets it indexes do
    assert not taint.has("vector-store", DIRECT)
    assert taint.has("llm", DIRECT) and taint.has("llm", STORED)


def test_chat_history_and_read_only_tools_keep_it_direct(catalog: Any, rules: Any) -> None:
    m = model(
        [
            {"id": "user", "kind": "actor", "zone": "internet"},
            {"id": "app", "kind": "agent", "zone": "internal"},
            {"id": "history", "kind": "data_store", "zone": "internal", "stores_chat_history": True},
            {"id": "lookup", "kind": "tool", "zone": "internal", "side_effects": "read"},
            {"id": "llm", "kind": "model", "zone": "internal", "model_type": "llm"},
        ],
        [
            {"id": "a", "from": "user", "to": "app", "data": ["user_input"]},
            {"id": "b", "from": "app", "to": "history", "data": ["user_input", "model_output"]},
            {"id": "c", "from": "history", "to": "app", "data": ["user_input", "model_output"]},
            {"id": "d", "from": "app", "to": "lookup", "data": ["tool_call"]},
            {"id": "e", "from": "lookup", "to": "app", "data": ["tool_result"]},
            {"id": "f", "from": "app", "to": "llm", "data": ["prompt"]},
        ],
    )
    ids = {f.id for f in analyze(m, catalog=catalog, rules=rules).findings}
    assert "llm-direct-prompt-injection@llm" in ids
    assert "llm-indirect-prompt-injection@llm" not in ids
    # the same store without chat history: what the user wrote comes back as stored content
    m2 = SystemModel.from_dict(
        {**m.to_dict(), "components": [
            {**c, "stores_chat_history": False} if c["id"] == "history" else c
            for c in m.to_dict()["components"]
        ]}
    )
    ids2 = {f.id for f in analyze(m2, catalog=catalog, rules=rules).findings}
    assert "llm-indirect-prompt-injection@llm" in ids2


def rag(**flow_b: Any) -> SystemModel:
    return model(
        [
            {"id": "user", "kind": "actor", "zone": "internet", "name": "User", "trusted": False},
            {"id": "app", "kind": "application", "zone": "internal", "name": "App"},
            {"id": "docs", "kind": "vector_store", "zone": "internal", "name": "Docs", "sensitivity": "confidential"},
            {"id": "llm", "kind": "model", "zone": "internal", "name": "LLM", "model_type": "llm"},
        ],
        [
            {"id": "a", "from": "user", "to": "app", "data": ["user_input"]},
            {"id": "b", "from": "docs", "to": "app", "data": ["retrieved_context"], **flow_b},
            {"id": "c", "from": "app", "to": "llm", "data": ["prompt", "retrieved_context"]},
            {"id": "d", "from": "llm", "to": "app", "data": ["model_output"]},
            {"id": "e", "from": "app", "to": "user", "data": ["model_output"]},
        ],
    )


def test_confidential_context_reaching_a_less_trusted_party_leaks(catalog: Any, rules: Any) -> None:
    f = analyze(rag(), catalog=catalog, rules=rules).finding("llm-context-leakage@llm")
    assert f.technique == "AML.T0057"
    assert "confidential data from Docs reaches it: Docs → App → LLM" in f.reason
    assert "LLM → App → User" in f.reason


@pytest.mark.parametrize(
    ("stated", "fires"),
    [(None, True), ("public", False), ("internal", False), ("confidential", True), ("secret", True)],
)
def test_a_flow_that_states_nothing_inherits_its_sensitivity(
    catalog: Any, rules: Any, stated: str | None, fires: bool
) -> None:
    m = rag(**({"sensitivity": stated} if stated else {}))
    ids = {f.id for f in analyze(m, catalog=catalog, rules=rules).findings}
    assert ("llm-context-leakage@llm" in ids) is fires


def test_leakage_through_a_tool_the_llm_calls(catalog: Any, rules: Any) -> None:
    m = model(
        [
            {"id": "staff", "kind": "actor", "zone": "internal", "trusted": True},
            {"id": "agent", "kind": "agent", "zone": "internal"},
            {"id": "hr", "kind": "data_store", "zone": "internal", "sensitivity": "personal"},
            {"id": "llm", "kind": "model", "zone": "internal", "model_type": "llm"},
            {"id": "mail", "kind": "tool", "zone": "internal", "side_effects": "send_messages"},
            {"id": "outside", "kind": "actor", "zone": "internet"},
        ],
        [
            {"id": "a", "from": "staff", "to": "agent", "data": ["user_input"]},
            {"id": "b", "from": "hr", "to": "agent", "data": ["retrieved_context"]},
            {"id": "c", "from": "agent", "to": "llm", "data": ["prompt"]},
            {"id": "d", "from": "llm", "to": "agent", "data": ["model_output", "tool_call"]},
            {"id": "e", "from": "agent", "to": "mail", "data": ["tool_call"]},
            {"id": "f", "from": "mail", "to": "outside", "data": ["model_output"]},
        ],
    )
    f = analyze(m, catalog=catalog, rules=rules).finding("llm-context-leakage@llm")
    assert "its output reaches outside (actor, zone internet, trust 0)" in f.reason
    assert "llm → agent → mail → outside" in f.reason


@pytest.mark.parametrize("name", template_names())
def test_propagations_visit_each_component_a_bounded_number_of_times(name: str, catalog: Any) -> None:
    m = load_template(name)
    ctx = Context(m, catalog)
    assert len(ctx.taint.parent) <= 2 * len(m.components())
    conf = ctx.confidentiality
    assert len(conf.held) <= len(m.components())
    for cid in conf.held:  # every chain ends where it starts: no loops
        chain = conf.chain(cid)
        assert chain[-1] == cid and len(chain) <= len(m.components()) + 1


def test_unknown_propagation_values_are_clear_errors(catalog: Any, tmp_path: Any) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "mine.yaml").write_text(
        "rules:\n"
        "  - id: mine\n"
        "    title: t\n"
        "    when: {untrusted_content: sideways}\n"
        "    technique: AML.T0051.001\n"
        "    guidelines: ['1.3']\n"
        "    rationale: r\n"
        "    likelihood: 3\n"
        "    impact: 3\n",
        encoding="utf-8",
    )
    with pytest.raises(RuleError) as err:
        load_rules([folder], catalog=catalog, include_bundled=False)
    issue = err.value.issues[0]
    assert issue.line == 4 and "direct, stored, any" in issue.message
