"""The conditions and predicates that keep false findings out
(docs/analysis/false-findings.md): traversal restricted to data kinds, helper
LLMs, output read only by its author, and the value of a harvested key."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from workbench.catalog import load_catalog
from workbench.errors import RuleError
from workbench.model import loads_model
from workbench.rules import analyze, load_rules
from workbench.rules.context import Context
from workbench.rules.predicates import helper_llm, only_author_in_context

CHAIN = """
schema_version: 1
system: {id: chain}
zones: [{id: internet, trust: 0}, {id: internal, trust: 3}]
components:
  - {id: hub, kind: model_registry, zone: internet, public: true}
  - {id: base, kind: model, zone: internal, origin: fine_tuned}
  - {id: api, kind: inference_endpoint, zone: internal}
  - {id: guard, kind: model, zone: internal, model_type: classifier}
flows:
  - {id: a, from: hub, to: base, data: [model_artifact]}
  - {id: b, from: base, to: api, data: [model_output]}
  - {id: c, from: api, to: guard, data: [model_output]}
"""


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def _probe(tmp_path: Path, catalog, when: str) -> set[str]:
    folder = tmp_path / "rules"
    folder.mkdir(exist_ok=True)
    (folder / "r.yaml").write_text(
        "rules:\n  - id: probe\n    title: Probe\n    element: component\n    when:\n"
        + textwrap.indent(textwrap.dedent(when).strip(), "      ")
        + '\n    technique: AML.T0010.003\n    guidelines: ["2.1"]\n'
        '    rationale: "$name"\n    likelihood: 2\n    impact: 2\n',
        encoding="utf-8",
    )
    rules = load_rules([folder], catalog=catalog, include_bundled=False)
    result = analyze(loads_model(CHAIN, filename="chain.yaml"), catalog=catalog, rules=rules)
    return {f.element for f in result.findings}


def test_downstream_of_any_flow_reaches_through_inference_traffic(tmp_path, catalog):
    assert _probe(tmp_path, catalog, "downstream_of: {kind: model_registry}") == {
        "base", "api", "guard"
    }


def test_downstream_of_with_data_follows_only_those_flows(tmp_path, catalog):
    when = "downstream_of: {where: {kind: model_registry}, data: [model_artifact]}"
    assert _probe(tmp_path, catalog, when) == {"base"}


def test_upstream_of_with_data(tmp_path, catalog):
    when = "upstream_of: {where: {kind: inference_endpoint}, data: [model_output]}"
    assert _probe(tmp_path, catalog, when) == {"base"}
    when = "upstream_of: {where: {kind: inference_endpoint}, data: [model_artifact]}"
    assert _probe(tmp_path, catalog, when) == set()


def test_data_must_name_known_data_kinds(tmp_path, catalog):
    with pytest.raises(RuleError, match="unknown data kind 'weights'"):
        _probe(tmp_path, catalog, "downstream_of: {where: {kind: model}, data: [weights]}")


def _ctx(text: str, catalog) -> tuple[Context, object]:
    model = loads_model(text, filename="m.yaml")
    return Context(model, catalog), model


HELPERS = """
schema_version: 1
system: {id: helpers}
zones: [{id: internet, trust: 0}, {id: internal, trust: 3}]
components:
  - {id: user, kind: actor, zone: internet, trusted: false}
  - {id: app, kind: application, zone: internal}
  - {id: gw, kind: application, zone: internal, role: gateway}
  - {id: main, kind: model, zone: internal, model_type: llm}
  - {id: titles, kind: model, zone: internal, model_type: llm}
flows:
  - {id: a, from: user, to: app, data: [user_input]}
  - {id: b, from: app, to: gw, data: [prompt, user_input]}
  - {id: c, from: gw, to: main, data: [prompt, user_input]}
  - {id: d, from: main, to: gw, data: [model_output]}
  - {id: e, from: gw, to: app, data: [model_output]}
  - {id: f, from: app, to: titles, data: [prompt]}
  - {id: g, from: titles, to: app, data: [model_output]}
  - {id: h, from: app, to: user, data: [model_output]}
"""


def test_helper_llm_seen_through_a_gateway(catalog):
    ctx, _ = _ctx(HELPERS, catalog)
    found = helper_llm(ctx, ctx.components["titles"])
    assert found is not None and "main" in found.evidence[0]
    assert helper_llm(ctx, ctx.components["main"]) is None


def test_two_llms_the_flows_cannot_tell_apart_both_stay_main(catalog):
    text = HELPERS.replace("data: [prompt, user_input]}", "data: [prompt]}")
    ctx, _ = _ctx(text, catalog)
    assert helper_llm(ctx, ctx.components["titles"]) is None
    assert helper_llm(ctx, ctx.components["main"]) is None


def author_model(components: str = "", flows: str = "", per_user: str = "true") -> str:
    return f"""
schema_version: 1
system: {{id: author}}
zones: [{{id: internet, trust: 0}}, {{id: internal, trust: 3}}]
components:
  - {{id: user, kind: actor, zone: internet, trusted: false}}
  - {{id: chat, kind: application, zone: internal}}
  - {{id: history, kind: data_store, zone: internal, per_user: {per_user}}}
  - {{id: llm, kind: model, zone: internal, model_type: llm}}
{components}
flows:
  - {{id: a, from: user, to: chat, data: [user_input]}}
  - {{id: b, from: chat, to: history, data: [model_output]}}
  - {{id: c, from: history, to: chat, data: [model_output]}}
  - {{id: d, from: chat, to: llm, data: [prompt]}}
  - {{id: e, from: llm, to: chat, data: [model_output]}}
  - {{id: f, from: chat, to: user, data: [model_output]}}
{flows}
"""


def _author(catalog, **kw: str):
    ctx, _ = _ctx(author_model(**kw), catalog)
    return only_author_in_context(ctx, ctx.components["chat"])


def test_output_read_only_by_its_author(catalog):
    found = _author(catalog)
    assert found is not None and "user" in found.evidence[0]


def test_an_unconnected_component_changes_nothing(catalog):
    assert _author(catalog, components="  - {id: docs, kind: knowledge_source, zone: internal}")


def test_a_shared_store_carries_others_text(catalog):
    assert _author(catalog, per_user="false") is None


def test_retrieved_documents_put_someone_else_in_the_context(catalog):
    assert _author(
        catalog,
        components="  - {id: docs, kind: knowledge_source, zone: internal}",
        flows="  - {id: r, from: docs, to: chat, data: [retrieved_context]}",
    ) is None


def test_another_person_reading_the_output(catalog):
    assert _author(
        catalog,
        components="  - {id: staff, kind: actor, zone: internal}",
        flows="  - {id: s, from: chat, to: staff, data: [model_output]}",
    ) is None


def test_a_second_author_typing_into_the_same_chat(catalog):
    assert _author(
        catalog,
        components="  - {id: staff, kind: actor, zone: internal}",
        flows="  - {id: s, from: staff, to: chat, data: [user_input]}",
    ) is None


def test_an_llm_nobody_writes_to_has_no_author(catalog):
    text = author_model().replace("  - {id: d, from: chat, to: llm, data: [prompt]}\n", "")
    ctx, _ = _ctx(text, catalog)
    assert only_author_in_context(ctx, ctx.components["chat"]) is None


KEYS = """
schema_version: 1
system: {id: keys}
zones: [{id: internet, trust: 0}, {id: internal, trust: 3}]
components:
  - {id: customer, kind: actor, zone: internet, trusted: false}
  - {id: agent, kind: agent, zone: internal}
  - {id: search, kind: tool, zone: internal, holds_credentials: true, side_effects: read}
  - {id: mailer, kind: tool, zone: internal, holds_credentials: true, side_effects: send_messages}
flows:
  - {id: a, from: customer, to: agent, data: [user_input]}
  - {id: b, from: agent, to: search, data: [tool_call]}
  - {id: c, from: agent, to: mailer, data: [tool_call]}
"""


def test_a_read_only_key_is_worth_less_than_a_key_that_sends(catalog):
    result = analyze(loads_model(KEYS, filename="keys.yaml"), catalog=catalog)
    low = result.finding("tool-credential-harvesting@search")
    high = result.finding("tool-credential-harvesting@mailer")
    assert low.impact < high.impact
    assert low.band != "critical"
    assert "rule hint 2" in low.impact_reason and "rule hint 4" in high.impact_reason


def test_an_agent_whose_keys_only_read_scores_lower(catalog):
    text = KEYS.replace(
        "  - {id: agent, kind: agent, zone: internal}",
        "  - {id: agent, kind: agent, zone: internal, holds_credentials: true, permissions: single_user}",
    )
    reader = text.replace("  - {id: c, from: agent, to: mailer, data: [tool_call]}\n", "")
    both = analyze(loads_model(text, filename="k.yaml"), catalog=catalog)
    only_read = analyze(loads_model(reader, filename="k.yaml"), catalog=catalog)
    high = both.finding("agent-config-credentials@agent")
    low = only_read.finding("agent-config-credentials@agent")
    assert low.impact < high.impact
    assert "rule hint 2" in low.impact_reason
