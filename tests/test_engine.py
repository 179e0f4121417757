"""The analysis engine: condition vocabulary, rule checks, findings, paths, explain."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from workbench.catalog import load_catalog
from workbench.errors import InputError, RuleError
from workbench.model import loads_model
from workbench.rules import PathLimits, analyze, explain, load_rules
from workbench.rules import predicates as predicates_module

MODEL = """
schema_version: 1
system: {id: mini, name: Mini RAG}
zones:
  - {id: internet, trust: 0}
  - {id: provider, trust: 1}
  - {id: internal, trust: 3}
components:
  - {id: user, kind: actor, zone: internet, trusted: false, name: Customer}
  - {id: app, kind: application, zone: internal, internet_facing: true, name: "Chat <app>"}
  - {id: tickets, kind: knowledge_source, zone: internet, writable_by_outsiders: true}
  - {id: vs, kind: vector_store, zone: internal, sensitivity: confidential}
  - {id: llm, kind: model, zone: provider, model_type: llm, origin: third_party_api}
  - {id: tool, kind: tool, zone: internal, side_effects: write}
  - {id: ep, kind: inference_endpoint, zone: internal}
flows:
  - {id: f1, from: user, to: app, data: [user_input], encrypted: true}
  - {id: f2, from: app, to: llm, data: [prompt]}
  - {id: f3, from: tickets, to: vs, data: [retrieved_context]}
  - {id: f4, from: vs, to: app, data: [retrieved_context]}
  - {id: f5, from: llm, to: app, data: [model_output]}
  - {id: f6, from: app, to: tool, data: [tool_call]}
"""


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def model():
    return loads_model(MODEL, filename="mini.yaml")


def write_rules(folder: Path, body: str, name: str = "rules.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def one_rule(when: str, element: str = "component", extra: str = "") -> str:
    return f"""\
rules:
  - id: probe
    title: Probe
    element: {element}
    when:
{textwrap.indent(textwrap.dedent(when).strip(), "      ")}
    technique: AML.T0051
    guidelines: ["1.3"]
    rationale: "$name matched"
    likelihood: 3
    impact: 3
{extra}"""


def fired(tmp_path, model, catalog, when: str, element: str = "component", name="r.yaml"):
    folder = tmp_path / name.replace(".yaml", "")
    write_rules(folder, one_rule(when, element), name)
    rules = load_rules([folder], catalog=catalog, include_bundled=False)
    result = analyze(model, catalog=catalog, rules=rules)
    return {f.element: f for f in result.findings}


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("kind: model", {"llm"}),
        ("kind: [tool, vector_store]", {"tool", "vs"}),
        ("attr: model_type\nequals: llm\nunstated: no_match", {"llm"}),
        ("attr: side_effects\nin: [write, delete]\nunstated: no_match", {"tool"}),
        ("attr: sensitivity\nat_least: confidential\nunstated: no_match", {"vs"}),
        ("attr: sensitivity\nat_most: internal\nunstated: no_match", set()),
        (
            "all:\n  - kind: inference_endpoint\n  - attr: rate_limited\n    equals: false\n    unstated: matches",
            {"ep"},
        ),
        (
            "all:\n  - kind: inference_endpoint\n  - attr: rate_limited\n    equals: false\n    unstated: no_match",
            set(),
        ),
        ("all:\n  - kind: model\n  - attr: system_prompt\n    absent: true", {"llm"}),
        ("all:\n  - kind: model\n  - attr: origin\n    present: true", {"llm"}),
        ("zone_trust: {at_most: 0}", {"user", "tickets"}),
        ("zone_trust: {at_least: 1, at_most: 1}", {"llm"}),
        ("all:\n  - kind: model\n  - reachable_from_untrusted: true", {"llm"}),
        (
            "reachable_from_untrusted: {entry_kinds: [knowledge_source]}",
            {"vs", "app", "llm", "tool"},
        ),
        ("all:\n  - kind: [tool, inference_endpoint]\n  - reachable_from_untrusted: false", {"ep"}),
        ("entry_point: true", {"user", "tickets"}),
        ("crown_jewel: true", {"vs", "tool"}),
        ("upstream_of: {kind: tool}", {"user", "app", "tickets", "vs", "llm"}),
        ("downstream_of: {kind: knowledge_source}", {"vs", "app", "llm", "tool"}),
        ("sends_to: {kind: tool}", {"app"}),
        ("receives_from: {kind: model}", {"app"}),
        (
            "sends_to: {where: {kind: app}, data: [user_input]}".replace(
                "kind: app", "kind: application"
            ),
            {"user"},
        ),
        ("sends_to: {where: {kind: application}, data: [feedback]}", set()),
        ("not: {kind: [actor, knowledge_source, application, vector_store, model, tool]}", {"ep"}),
        ("any:\n  - kind: tool\n  - kind: model", {"tool", "llm"}),
    ],
)
def test_component_conditions(tmp_path, model, catalog, when, expected):
    assert set(fired(tmp_path, model, catalog, when)) == expected


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("data: [retrieved_context]", {"f3", "f4"}),
        ("crosses_boundary: true", {"f1", "f2", "f3", "f5"}),
        ("into_higher_trust: true", {"f1", "f3", "f5"}),
        ("attr: encrypted\nequals: false\nunstated: matches", {"f2", "f3", "f4", "f5", "f6"}),
        ("attr: encrypted\nequals: false\nunstated: no_match", set()),
        ("source: {kind: model}", {"f5"}),
        ("target: {attr: side_effects, equals: write, unstated: no_match}", {"f6"}),
    ],
)
def test_flow_conditions(tmp_path, model, catalog, when, expected):
    assert set(fired(tmp_path, model, catalog, when, element="flow")) == expected


def test_unstated_assumption_is_recorded_in_the_finding(tmp_path, model, catalog):
    found = fired(
        tmp_path,
        model,
        catalog,
        "all:\n  - kind: inference_endpoint\n  - attr: rate_limited\n    equals: false\n    unstated: matches",
    )
    finding = found["ep"]
    assert finding.assumptions == ["rate_limited not stated (assumed false)"]
    assert "Assumed: rate_limited not stated" in finding.reason


def test_finding_carries_evidence_path_ids_and_catalog_facts(tmp_path, model, catalog):
    folder = tmp_path / "r"
    write_rules(
        folder,
        """\
        rules:
          - id: llm-indirect
            title: Indirect prompt injection
            when:
              all:
                - kind: model
                - attr: model_type
                  equals: llm
                  unstated: no_match
                - reachable_from_untrusted: {entry_kinds: [knowledge_source]}
            technique: AML.T0051.001
            related: [AML.T0070]
            preconditions: [AML.T0066]
            mitigations: [AML.M0024]
            controls: [wb-sanitise-html]
            guidelines: ["1.3", "2.2"]
            rationale: "$name reads content that $entry lets outsiders write ($path)."
            likelihood: 4
            impact: 4
            also:
              - when: {attr: system_prompt, equals: true, unstated: no_match}
                techniques: [AML.T0056]
        """,
    )
    rules = load_rules([folder], catalog=catalog, include_bundled=False)
    result = analyze(model, catalog=catalog, rules=rules)
    (f,) = result.findings
    assert f.id == "llm-indirect@llm"
    assert f.techniques == ["AML.T0051.001", "AML.T0070"]  # no system prompt: no T0056
    assert f.preconditions == ["AML.T0066"]
    assert f.tactics == sorted(f.tactics, key=[t.id for t in catalog.tactics()].index)
    assert f.path == ["tickets", "vs", "app", "llm"]
    assert "tickets reads" not in f.reason and "llm reads content that tickets" in f.reason
    assert (f.likelihood, f.impact, f.score, f.band) == (4, 4, 16, "high")
    assert f.controls == ["wb-sanitise-html"]


def test_rationale_with_hostile_user_text_is_not_formatted(tmp_path, catalog):
    hostile = MODEL.replace("name: Customer", 'name: "${name} {0.__class__} $$"')
    model = loads_model(hostile, filename="h.yaml")
    found = fired(tmp_path, model, catalog, "reachable_from_untrusted: {entry_kinds: [actor]}")
    assert "{0.__class__}" in found["app"].reason or "${name}" in found["app"].reason


def test_same_model_same_findings_same_order(catalog):
    from workbench.model import load_template

    model = load_template("support-assistant")
    first = [f.to_dict() for f in analyze(model, catalog=catalog).findings]
    assert first, "the bundled rules find nothing on the support assistant"
    second = [
        f.to_dict() for f in analyze(load_template("support-assistant"), catalog=catalog).findings
    ]
    assert first == second
    ids = [f["id"] for f in first]
    assert len(ids) == len(set(ids))
    assert all("@" in i for i in ids)


def test_rule_check_reports_every_problem_with_file_and_line(tmp_path, catalog):
    folder = tmp_path / "bad"
    path = write_rules(
        folder,
        """\
        rules:
          - id: first
            title: First
            when: {knd: model}
            technique: AML.T9999
            mitigations: [AML.M0099]
            controls: [wb-nope]
            guidelines: ["5.1"]
            rationale: "$nonsense"
            likelihood: 7
            impact: 3
          - id: second
            title: Second
            when:
              attr: rate_limited
              equals: false
            technique: AML.T0000
            guidelines: ["1.3"]
            rationale: x
            likelihood: 3
            impact: 3
        """,
    )
    write_rules(
        folder,
        """\
        rules:
          - id: first
            title: Duplicate
            when: {kind: model}
            technique: AML.T0051
            guidelines: ["1.3"]
            rationale: x
            likelihood: 3
            impact: 3
        """,
        "other.yaml",
    )
    with pytest.raises(RuleError) as exc:
        load_rules([folder], catalog=catalog, include_bundled=False)
    text = str(exc.value)
    issues = exc.value.issues
    assert all(i.file and i.line for i in issues), issues
    expected = [
        (4, "unknown condition key 'knd'"),
        (5, "unknown ATLAS technique 'AML.T9999'"),
        (6, "unknown ATLAS mitigation 'AML.M0099'"),
        (7, "unknown control 'wb-nope'"),
        (8, "unknown guideline '5.1'"),
        (9, "unknown placeholder(s) $nonsense"),
        (10, "expected a whole number from 1 to 5"),
        (15, "say how an unstated attribute is treated"),
        (17, "reconnaissance or resource-development technique"),
    ]
    for line, words in expected:
        assert any(i.line == line and words in i.message and i.file == str(path) for i in issues), (
            line,
            words,
            text,
        )
    assert any("duplicate rule id 'first'" in i.message for i in issues)


def test_rule_folders_are_data_never_imported(tmp_path, catalog):
    folder = tmp_path / "rules"
    marker = tmp_path / "imported"
    write_rules(folder, one_rule("kind: model"))
    (folder / "evil.py").write_text(f"open({str(marker)!r}, 'w').write('x')\n", encoding="utf-8")
    (folder / "__init__.py").write_text(
        f"open({str(marker)!r}, 'w').write('x')\n", encoding="utf-8"
    )
    load_rules([folder], catalog=catalog, include_bundled=False)
    assert not marker.exists()


def test_yaml_tags_in_rule_files_are_refused(tmp_path, catalog):
    folder = tmp_path / "rules"
    write_rules(folder, "rules: !!python/object/apply:os.system ['true']\n")
    with pytest.raises(InputError, match="tags are not allowed"):
        load_rules([folder], catalog=catalog, include_bundled=False)


def test_a_rule_failing_at_run_time_is_reported_not_dropped(tmp_path, model, catalog, monkeypatch):
    def broken(ctx, element):
        raise RuntimeError("boom")

    real = predicates_module.available_predicates
    monkeypatch.setattr(
        predicates_module, "available_predicates", lambda: {**real(), "broken": broken}
    )
    folder = tmp_path / "r"
    write_rules(folder, one_rule("all:\n  - kind: model\n  - predicate: broken"))
    rules = load_rules([folder], catalog=catalog, include_bundled=False)
    result = analyze(model, catalog=catalog, rules=rules)
    assert result.findings == []
    assert [(e.rule, e.element) for e in result.errors] == [("probe", "llm")]
    assert "RuntimeError: boom" in result.errors[0].message
    from workbench.register import ThreatRegister

    reg = ThreatRegister.from_result(result, model=model, catalog=catalog)
    (row,) = reg.rows()
    assert row["status"] == "rule_error" and "boom" in row["reason"]


def test_unknown_predicate_is_a_rule_error(tmp_path, catalog):
    folder = tmp_path / "r"
    write_rules(folder, one_rule("predicate: llm_output_feeds_llm_sourc"))
    with pytest.raises(RuleError, match="did you mean llm_output_feeds_llm_source"):
        load_rules([folder], catalog=catalog, include_bundled=False)


def test_builtin_predicate_finds_the_self_replication_loop(tmp_path, catalog):
    loop = (
        MODEL
        + """  - {id: f7, from: llm, to: store, data: [model_output]}
  - {id: f8, from: store, to: app, data: [retrieved_context]}
"""
    )
    loop = loop.replace(
        "  - {id: ep,", "  - {id: store, kind: data_store, zone: internal}\n  - {id: ep,"
    )
    model = loads_model(loop, filename="loop.yaml")
    found = fired(tmp_path, model, catalog, "predicate: llm_output_feeds_llm_source")
    assert set(found) == {"llm"}
    assert found["llm"].path == ["llm", "store"]


def test_attack_paths_from_entry_points_to_crown_jewels(model, catalog, tmp_path):
    folder = tmp_path / "r"
    write_rules(folder, one_rule("all:\n  - kind: tool\n  - reachable_from_untrusted: true"))
    rules = load_rules([folder], catalog=catalog, include_bundled=False)
    result = analyze(model, catalog=catalog, rules=rules)
    paths = {p.id: p for p in result.attack_paths}
    assert set(paths) == {"user->vs", "user->tool", "tickets->vs", "tickets->tool"} - {"user->vs"}
    # ranked by risk: highest score along the path, then exposure, then fewer hops
    keys = [(-p.max_score, p.exposure, len(p.hops)) for p in result.attack_paths]
    assert keys == sorted(keys)
    assert result.attack_paths[0].target == "tool"  # the only finding sits on the tool
    tool_path = paths["user->tool"]
    assert tool_path.sentence.startswith(
        "An attacker at Customer (zone internet, trust 0) reaches Chat <app> by Exploit"
    )
    assert "finally reaches tool by" in tool_path.sentence
    assert tool_path.nodes == ["user", "app", "tool"]
    assert tool_path.hops[-1].finding == "probe@tool"
    assert tool_path.techniques[-1] == "AML.T0051"
    assert all(t.startswith("AML.TA") for t in tool_path.tactics)


def test_attack_path_bounds(model, catalog):
    limited = analyze(model, catalog=catalog, limits=PathLimits(max_paths=1))
    full = analyze(model, catalog=catalog)
    assert len(limited.attack_paths) == 1
    assert limited.paths_left_out == len(full.attack_paths) - 1
    short = analyze(model, catalog=catalog, limits=PathLimits(max_length=1))
    assert all(len(p.hops) <= 1 for p in short.attack_paths)


def test_explain_names_the_failing_condition_and_the_assumptions(tmp_path, model, catalog):
    folder = tmp_path / "r"
    write_rules(
        folder,
        one_rule(
            "all:\n  - kind: inference_endpoint\n  - attr: rate_limited\n    equals: false\n    unstated: matches"
        ),
    )
    rules = load_rules([folder], catalog=catalog, include_bundled=False)
    (on_ep,) = explain(model, "ep", catalog=catalog, rules=rules)
    assert on_ep["matched"] and on_ep["assumptions"] == ["rate_limited not stated (assumed false)"]
    (on_llm,) = explain(model, "llm", catalog=catalog, rules=rules)
    assert not on_llm["matched"] and on_llm["failed"] == "kind is inference_endpoint"
    with pytest.raises(InputError, match="did you mean"):
        explain(model, "lln", catalog=catalog, rules=rules)


def test_rule_examples_are_checked(tmp_path, catalog):
    from workbench.rules.check import run_examples

    folder = tmp_path / "r"
    path = write_rules(
        folder,
        one_rule(
            "kind: model",
            extra="""\
    examples:
      - name: a model
        expect: fire
        element: m
        model:
          zones: [{id: z, trust: 3}]
          components: [{id: m, kind: model, zone: z}]
      - name: wrongly expected silence
        expect: no_fire
        element: m
        model:
          zones: [{id: z, trust: 3}]
          components: [{id: m, kind: model, zone: z}]
""",
        ),
    )
    rules = load_rules([folder], catalog=catalog, include_bundled=False)
    results = run_examples(rules, catalog=catalog)
    assert [r.passed for r in results] == [True, False]
    assert results[1].file == str(path) and results[1].line == 19
    assert "expected no finding on 'm'" in results[1].message


def test_also_adds_guidelines_and_raises_the_hints(tmp_path, model, catalog):
    folder = tmp_path / "r"
    write_rules(
        folder,
        one_rule(
            "kind: inference_endpoint",
            extra="""\
    also:
      - when: {attr: rate_limited, equals: false, unstated: matches}
        guidelines: ["3.1"]
        likelihood: 5
        impact: 1
""",
        ),
    )
    rules = load_rules([folder], catalog=catalog, include_bundled=False)
    (f,) = analyze(model, catalog=catalog, rules=rules).findings
    assert f.guidelines == ["1.3", "3.1"]
    assert f.likelihood_reason.startswith("rule hint 5") and f.impact_reason.startswith(
        "rule hint 3"
    )


def test_an_attribute_a_kind_does_not_have_never_matches(tmp_path, model, catalog):
    # tools have "network_egress", applications, agents and models do not: no assumption is
    # made for them ("sandboxed" is on applications too since schema version 2)
    found = fired(tmp_path, model, catalog, "attr: network_egress\nequals: true\nunstated: matches")
    assert set(found) == {"tool"}


def test_untrusted_input_does_not_flow_on_through_people(tmp_path, catalog):
    text = (
        MODEL.replace(
            "  - {id: ep, kind: inference_endpoint, zone: internal}",
            "  - {id: ep, kind: inference_endpoint, zone: internal}\n"
            "  - {id: staff, kind: actor, zone: internal, trusted: true}\n"
            "  - {id: admin, kind: application, zone: internal}",
        )
        + "  - {id: f7, from: app, to: staff, data: [model_output]}\n  - {id: f8, from: staff, to: admin, data: [user_input]}\n"
    )
    model = loads_model(text, filename="people.yaml")
    found = fired(tmp_path, model, catalog, "reachable_from_untrusted: true")
    assert "staff" in found and "admin" not in found


def test_a_rule_folder_named_twice_loads_once(catalog):
    from workbench.rules.spec import bundled_rules_dir

    twice = load_rules([bundled_rules_dir()], catalog=catalog)
    assert [r.id for r in twice] == [r.id for r in load_rules(catalog=catalog)]
