"""The synthetic system generator used by the benchmarks (benchmarks/synthetic.py).

Shape only, at small sizes: no timing assertions here (see benchmarks/README.md).
"""

from __future__ import annotations

import importlib.util
import math
import sys
from collections import Counter
from pathlib import Path

import pytest

from workbench.model import (
    KINDS,
    dumps_model,
    load_template,
    loads_model,
    template_names,
    validate_data,
)

ROOT = Path(__file__).resolve().parents[1]


def _load_synthetic():
    name = "benchmarks.synthetic"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / "synthetic.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


synthetic = _load_synthetic()
generate = synthetic.generate


@pytest.fixture(scope="module")
def big():
    return generate(2000, seed=3)


@pytest.fixture(scope="module")
def medium():
    return generate(500, seed=0)


def test_template_shares_are_computed_from_the_templates():
    counts: Counter[str] = Counter()
    for name in template_names():
        counts.update(c.kind for c in load_template(name).components())
    total = sum(counts.values())
    shares = synthetic.template_kind_shares()
    assert math.isclose(sum(shares.values()), 1.0)
    assert shares == {k: counts[k] / total for k in KINDS if counts[k]}


@pytest.mark.parametrize("n", [1, 2, 7, 20, 37, 100, 999, 2000])
def test_kind_counts_add_up(n):
    counts = synthetic.kind_counts(n)
    assert sum(counts.values()) == n
    assert counts["model"] >= math.ceil(n / 20)


def test_kind_counts_rejects_empty():
    with pytest.raises(ValueError):
        synthetic.kind_counts(0)


def test_kind_proportions_follow_the_templates(big):
    shares = synthetic.template_kind_shares()
    counts = Counter(c.kind for c in big.components())
    n = len(big)
    assert n == 2000
    assert set(counts) == set(shares)
    for kind, share in shares.items():
        assert abs(counts[kind] / n - share) <= 0.01, kind


@pytest.mark.parametrize("n", [100, 500, 2000])
def test_entry_points_and_crown_jewels_about_ten_percent(n):
    model = generate(n, seed=1)
    entries = model.entry_points()
    assert 0.08 <= len(entries) / n <= 0.12
    assert {c.kind for c in entries} <= {"actor", "knowledge_source"}
    for c in entries:
        assert c.get("trusted") is False or c.get("writable_by_outsiders") is True
    jewels = model.crown_jewels()
    assert 0.08 <= len(jewels) / n <= 0.12


@pytest.mark.parametrize("n", [3, 20, 21, 59, 100, 1000])
def test_at_least_one_llm_per_twenty_components(n):
    model = generate(n, seed=2)
    llms = [c for c in model.components("model") if c.get("model_type") == "llm"]
    assert len(llms) >= math.ceil(n / 20)


def test_about_three_flows_per_component_with_explicit_unique_ids(big):
    flows = big.flows()
    assert 2.8 <= len(flows) / len(big) <= 3.2
    ids = [f.id for f in flows]
    assert len(set(ids)) == len(ids)
    assert all(f.source != f.target for f in flows)
    touched = {f.source for f in flows} | {f.target for f in flows}
    assert touched == {c.id for c in big.components()}


def test_five_zones_trust_zero_to_four_all_used(medium):
    assert sorted(z.trust for z in medium.zones()) == [0, 1, 2, 3, 4]
    assert {c.zone for c in medium.components()} == {z.id for z in medium.zones()}


def test_flows_mostly_go_up_in_trust(big):
    up = down = 0
    for f in big.flows():
        ts, tt = big.trust_of(f.source), big.trust_of(f.target)
        up += ts < tt
        down += ts > tt
    assert up >= 0.6 * (up + down)
    assert down > 0  # responses and logs exist too


def test_flows_follow_plausible_kind_pairs(big):
    kind = {c.id: c.kind for c in big.components()}
    allowed = {(s, t) for s, pairs in synthetic._PAIRS.items() for t, _w, _d in pairs}
    pairs = Counter((kind[f.source], kind[f.target]) for f in big.flows())
    implausible = sum(n for pair, n in pairs.items() if pair not in allowed)
    assert implausible <= 0.01 * sum(pairs.values())
    for expected in [
        ("actor", "application"),
        ("application", "model"),
        ("knowledge_source", "vector_store"),
        ("vector_store", "agent"),
        ("dataset", "training_pipeline"),
        ("training_pipeline", "model_registry"),
        ("agent", "tool"),
    ]:
        assert pairs[expected] > 0, expected
    assert all(f.data for f in big.flows())


def test_attributes_realistic_with_some_unstated(big):
    unstated = sum(len(big.unstated(c.id)) for c in big.components())
    possible = sum(
        1
        for c in big.components()
        for spec in big.attributes_for(c.kind).values()
        if spec.type in ("bool", "enum")
    )
    assert 0.2 <= unstated / possible <= 0.8
    stated = sum(len(c.attrs) for c in big.components()) / len(big)
    assert stated >= 3
    endpoints = big.components("inference_endpoint")
    rate = [c.get("rate_limited") for c in endpoints]
    assert True in rate and False in rate and None in rate
    llms = [c for c in big.components("model") if c.get("model_type") == "llm"]
    assert any(c.get("origin") == "third_party_api" for c in llms)
    assert all(big.zone(c.zone).trust == 1 for c in llms if c.get("origin") == "third_party_api")
    flows = big.flows()
    assert {f.encrypted for f in flows} == {True, False, None}


def test_untrusted_input_reaches_llms(big):
    reached = big.reachable_from_untrusted()
    llms = [c.id for c in big.components("model") if c.get("model_type") == "llm"]
    assert any(c in reached for c in llms)


def test_deterministic_for_a_seed():
    a, b = generate(300, seed=5), generate(300, seed=5)
    assert a.to_dict() == b.to_dict()
    assert generate(300, seed=6).to_dict() != a.to_dict()


def test_model_validates_and_round_trips(medium):
    data = medium.to_dict()
    assert validate_data(data) == []
    again = loads_model(dumps_model(medium, format="json"), format="json")
    assert again == medium
