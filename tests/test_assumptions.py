"""Assumptions below facts and the open questions (docs/analysis/assumptions.md)."""

from __future__ import annotations

from typing import Any

import pytest

from workbench.model import SystemModel, load_template, template_names
from workbench.rules import analyze
from workbench.rules.findings import rank_findings
from workbench.rules.questions import OpenQuestion, open_questions

ZONES = [{"id": "internal", "trust": 3}, {"id": "partner", "trust": 1}]


def credentials_model(**flow: Any) -> SystemModel:
    return SystemModel.from_dict(
        {
            "schema_version": 1,
            "system": {"id": "t"},
            "zones": ZONES,
            "components": [
                {"id": "partner", "kind": "actor", "zone": "partner"},
                {"id": "app", "kind": "application", "zone": "internal", "criticality": "critical"},
            ],
            "flows": [{"id": "key", "from": "partner", "to": "app", "data": ["credentials"], **flow}],
        }
    )


def test_an_assumed_finding_is_marked_and_kept_below_the_top_band(catalog: Any, rules: Any) -> None:
    assumed = analyze(credentials_model(encrypted=True), catalog=catalog, rules=rules)
    fact = analyze(credentials_model(encrypted=False, authenticated=False), catalog=catalog, rules=rules)
    a = assumed.finding("flow-credentials-unprotected@key")
    f = fact.finding("flow-credentials-unprotected@key")
    assert a.assumed and not f.assumed
    assert a.assumptions == ["authenticated not stated (assumed false)"]
    assert f.band == "critical", "the fact-backed finding keeps its score"
    assert a.band != "critical" and a.score < f.score
    assert "assumed only: kept below critical until stated" in a.likelihood_reason
    assert a.to_dict()["assumed"] is True


def test_rank_puts_every_fact_backed_finding_first() -> None:
    from dataclasses import replace

    result = analyze(load_template("fraud-classifier"))
    findings = list(result.findings)
    low_fact = replace(findings[0], id="z-low@x", assumed=False, score=1)
    high_assumed = replace(findings[0], id="a-high@x", assumed=True, score=16)
    ranked = rank_findings([high_assumed, *findings, low_fact])
    assumed_at = [i for i, f in enumerate(ranked) if f.assumed]
    facts_at = [i for i, f in enumerate(ranked) if not f.assumed]
    assert max(facts_at) < min(assumed_at)
    assert ranked.index(low_fact) < ranked.index(high_assumed)


@pytest.mark.parametrize("name", template_names())
def test_no_assumed_finding_ranks_first_on_a_template(name: str) -> None:
    result = analyze(load_template(name))
    ranked = result.ranked()
    assert ranked and (not ranked[0].assumed or all(f.assumed for f in ranked))
    top = result.findings and max(f.score for f in result.findings if f.assumed) if any(
        f.assumed for f in result.findings
    ) else 0
    assert top <= 16  # kept below critical on the default matrix


def test_open_questions_rank_by_score_at_stake_and_re_rank_when_answered(catalog: Any, rules: Any) -> None:
    model = load_template("fraud-classifier")
    result = analyze(model, catalog=catalog, rules=rules)
    questions = open_questions(result)
    assert questions and all(isinstance(q, OpenQuestion) for q in questions)
    risks = [q.risk for q in questions]
    assert risks == sorted(risks, reverse=True)
    first = questions[0]
    assert first.text.startswith(f"State {first.attribute} on ")
    assert set(first.findings) <= {f.id for f in result.findings}
    assert first.to_dict()["risk"] == first.risk
    # answer it the secure way: the question goes, and what it was about changes
    data = model.to_dict()
    entries = data["components"] + data["flows"]
    (entry,) = [e for e in entries if e["id"] == first.element]
    answer = first.answers[0]
    entry[first.attribute] = {"the secure value": None, "true": True, "false": False}.get(answer, answer)
    if entry[first.attribute] is None:  # an assumption: state the opposite of the assumed value
        entry[first.attribute] = True
    again = analyze(SystemModel.from_dict(data), catalog=catalog, rules=rules)
    assert (first.element, first.attribute) not in {(q.element, q.attribute) for q in open_questions(again)}
    before = {f.id: f.score for f in result.findings}
    after = {f.id: f.score for f in again.findings}
    assert any(after.get(fid) != before[fid] for fid in first.findings)


def test_limit(catalog: Any, rules: Any) -> None:
    result = analyze(load_template("support-assistant"), catalog=catalog, rules=rules)
    assert len(open_questions(result, limit=2)) <= 2
