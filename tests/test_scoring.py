"""Scoring: the matrix (default and organisation ones) and the prefill factors."""

from __future__ import annotations

import textwrap

import pytest

from workbench.catalog import load_catalog
from workbench.errors import InputError
from workbench.model import loads_model
from workbench.risk.matrix import load_matrix
from workbench.rules import analyze, load_rules


def test_default_matrix_bands_and_labels():
    m = load_matrix()
    assert (m.max_likelihood, m.max_impact) == (5, 5)
    assert [m.band_of_score(s) for s in (1, 4, 5, 9, 10, 16, 17, 25)] == [
        "low",
        "low",
        "medium",
        "medium",
        "high",
        "high",
        "critical",
        "critical",
    ]
    assert m.likelihood_label(1) == "rare" and m.impact_label(5) == "severe"
    assert m.band_rank("critical") > m.band_rank("high")
    with pytest.raises(ValueError):
        m.score(0, 3)


def test_organisation_matrix_is_validated(tmp_path):
    good = tmp_path / "m.yaml"
    good.write_text(
        textwrap.dedent("""\
        id: three
        likelihood: [{level: 1, label: low}, {level: 2, label: mid}, {level: 3, label: high}]
        impact: [{level: 1, label: low}, {level: 2, label: mid}, {level: 3, label: high}]
        bands: [{name: green, min: 1, max: 2}, {name: amber, min: 3, max: 5}, {name: red, min: 6, max: 9}]
        """)
    )
    m = load_matrix(good)
    assert m.band(3, 3) == "red" and m.band(1, 2) == "green"
    gap = tmp_path / "gap.yaml"
    gap.write_text(good.read_text().replace("min: 3, max: 5", "min: 4, max: 5"))
    with pytest.raises(InputError, match="expected to start at 3"):
        load_matrix(gap)
    short = tmp_path / "short.yaml"
    short.write_text(good.read_text().replace("max: 9", "max: 8"))
    with pytest.raises(InputError, match="must end at 9"):
        load_matrix(short)
    order = tmp_path / "order.yaml"
    order.write_text(
        good.read_text().replace(
            "{level: 2, label: mid}, {level: 3", "{level: 3, label: mid}, {level: 2"
        )
    )
    with pytest.raises(InputError, match="levels are numbered"):
        load_matrix(order)
    with pytest.raises(InputError, match="no such risk matrix"):
        load_matrix(tmp_path / "missing.yaml")


MODEL = """
schema_version: 1
system: {id: s}
zones:
  - {id: internet, trust: 0}
  - {id: dmz, trust: 2}
  - {id: internal, trust: 3}
components:
  - {id: user, kind: actor, zone: internet, trusted: false}
  - {id: web, kind: application, zone: dmz, internet_facing: true}
  - {id: api, kind: application, zone: internal, authenticated: true}
  - {id: a2, kind: application, zone: internal}
  - {id: a3, kind: application, zone: internal}
  - {id: far, kind: application, zone: internal, criticality: low}
  - {id: alone, kind: application, zone: internal, criticality: low}
  - {id: db, kind: data_store, zone: internal, sensitivity: personal}
flows:
  - {id: f1, from: user, to: web, data: [user_input]}
  - {id: f2, from: web, to: api, data: [user_input]}
  - {id: f3, from: api, to: a2, data: [user_input]}
  - {id: f4, from: a2, to: a3, data: [user_input]}
  - {id: f5, from: a3, to: far, data: [user_input]}
  - {id: f6, from: api, to: db, data: [personal_data]}
"""


def findings(tmp_path, technique="AML.T0049"):
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "r.yaml").write_text(
        textwrap.dedent(f"""\
        rules:
          - id: probe
            title: Probe
            when: {{kind: application}}
            technique: {technique}
            controls: [wb-appsec-baseline]
            guidelines: ["1.3"]
            rationale: x
            likelihood: 3
            impact: 3
        """)
    )
    catalog = load_catalog()
    rules = load_rules([folder], catalog=catalog, include_bundled=False)
    result = analyze(loads_model(MODEL), catalog=catalog, rules=rules)
    return {f.element: f for f in result.findings}, catalog


def test_prefill_factors_each_move_one_step_with_a_reason(tmp_path):
    found, catalog = findings(tmp_path)
    maturity = catalog.technique("AML.T0049").maturity
    bump = {"realized": 1, "demonstrated": 0, "feasible": -1}[maturity]
    web = found["web"]  # internet-facing, unauthenticated, one hop from the entry point
    assert web.likelihood == min(5, 3 + 1 + 1 + bump)
    assert "+1 exposure: internet-facing without authentication" in web.likelihood_reason
    assert "+1 path: one hop from entry point user" in web.likelihood_reason
    api = found["api"]  # two hops, authenticated, reaches personal data downstream
    assert api.likelihood == 3 + bump
    assert api.impact == 4 and "+1 reaches personal assets (db downstream)" in api.impact_reason
    far = found["far"]  # five hops away, low criticality, reaches nothing of value
    assert "-1 path: 5 hops from the nearest entry point (user)" in far.likelihood_reason
    assert far.impact == 2 and "-1 only low-criticality" in far.impact_reason
    alone = found["alone"]  # no untrusted input reaches it
    assert "-1 exposure: no untrusted input reaches it" in alone.likelihood_reason
    for f in found.values():
        assert f.likelihood_reason.startswith("rule hint 3")
        assert f.likelihood_reason.endswith(
            f"= {f.likelihood} ({load_matrix().likelihood_label(f.likelihood)})"
        )
        assert f.score == f.likelihood * f.impact


def test_maturity_factor(tmp_path):
    catalog = load_catalog()
    realized = next(
        t.id for t in catalog.techniques() if t.maturity == "realized" and t.id == "AML.T0051"
    )
    found, _ = findings(tmp_path, realized)
    assert "+1 ATLAS maturity: AML.T0051 is realized" in found["api"].likelihood_reason
