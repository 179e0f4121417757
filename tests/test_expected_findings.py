"""Each template system against the findings a reviewer expects
(``tests/expected/<template>.yaml``): every ``must`` is met, no ``must_not``
appears, and findings per component stay within the stated budget."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from workbench.catalog import load_catalog
from workbench.model import load_template, template_names
from workbench.rules import AnalysisResult, analyze, load_rules

EXPECTED_DIR = Path(__file__).parent / "expected"
EXPECTED = sorted(p.stem for p in EXPECTED_DIR.glob("*.yaml"))


def _load(name: str) -> dict[str, Any]:
    data = yaml.safe_load((EXPECTED_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
    assert data["template"] == name, f"{name}.yaml: template: says {data['template']!r}"
    return data


@pytest.fixture(scope="module")
def results() -> dict[str, AnalysisResult]:
    catalog = load_catalog()
    rules = load_rules(catalog=catalog)
    return {name: analyze(load_template(name), catalog=catalog, rules=rules) for name in template_names()}


def _listing(result: AnalysisResult, element: str) -> str:
    found = result.findings_for(element)
    if not found:
        return f"  (no findings on {element})"
    return "\n".join(f"  {f.id}: {', '.join(f.techniques)}" for f in found)


def test_every_template_has_expectations() -> None:
    assert template_names(), "no templates in catalogs/templates"
    assert sorted(template_names()) == EXPECTED


@pytest.mark.parametrize("name", EXPECTED)
def test_expectations_name_real_elements(name: str) -> None:
    model = load_template(name)
    elements = {c.id for c in model.components()} | {f.id for f in model.flows()}
    data = _load(name)
    for key in ("must", "must_not"):
        for entry in data.get(key) or []:
            assert entry["element"] in elements, f"{name}: {key}: no element {entry['element']!r}"
            assert entry.get("why"), f"{name}: {key}: {entry} needs a why"


@pytest.mark.parametrize("name", EXPECTED)
def test_must_findings(name: str, results: dict[str, AnalysisResult]) -> None:
    result = results[name]
    assert not result.errors, f"{name}: rule failures {result.errors}"
    failures = []
    for entry in _load(name).get("must") or []:
        tech, el = entry["technique"], entry["element"]
        if not any(tech in f.techniques for f in result.findings_for(el)):
            failures.append(
                f"must: {tech} on {el} ({entry['why']}) is missing; findings on {el}:\n"
                + _listing(result, el)
            )
    assert not failures, f"{name}:\n" + "\n".join(failures)


@pytest.mark.parametrize("name", EXPECTED)
def test_must_not_findings(name: str, results: dict[str, AnalysisResult]) -> None:
    result = results[name]
    failures = []
    for entry in _load(name).get("must_not") or []:
        tech, el = entry["technique"], entry["element"]
        hits = [f.id for f in result.findings_for(el) if tech in f.techniques]
        if hits:
            failures.append(
                f"must_not: {tech} on {el} ({entry['why']}) appears in {hits}; findings on {el}:\n"
                + _listing(result, el)
            )
    assert not failures, f"{name}:\n" + "\n".join(failures)


@pytest.mark.parametrize("name", EXPECTED)
def test_findings_per_component_budget(name: str, results: dict[str, AnalysisResult]) -> None:
    result = results[name]
    limit = _load(name)["max_findings_per_component"]
    components = len(load_template(name).components())
    average = len(result.findings) / components
    counts = result.findings_per_component()
    busiest = sorted(counts.items(), key=lambda kv: -kv[1])[:3]
    assert average <= limit, (
        f"{name}: {len(result.findings)} findings on {components} components = {average:.2f} "
        f"per component, over the budget of {limit}; busiest: {busiest}"
    )


def test_average_over_all_templates_is_well_below_the_brief_budget(
    results: dict[str, AnalysisResult],
) -> None:
    """docs/knowledge/concepts.md#findings: at most 8 findings per component on average (peer tools: ~34)."""
    total = sum(len(r.findings) for r in results.values())
    components = sum(len(load_template(n).components()) for n in results)
    assert total / components <= 8
