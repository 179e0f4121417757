"""``Condition.filter`` (a whole candidate list decided at once) gives exactly what
``Condition.holds`` gives element by element, for every condition of the bundled rules and
every condition nested in them, on the templates and the realistic systems."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from workbench.catalog import load_catalog
from workbench.model import load_model, load_template, template_names
from workbench.rules import load_rules
from workbench.rules.conditions import All, AnyOf, Condition, Endpoint, Not, Related
from workbench.rules.context import Context

SYSTEMS = sorted((Path(__file__).parent / "fixtures" / "systems").glob("*.yaml"))


def _nested(cond: Condition, on: str) -> Iterator[tuple[Condition, str]]:
    """*cond* and every condition inside it, each with what it is decided on."""
    yield cond, on
    if isinstance(cond, (All, AnyOf)):
        for part in cond.parts:
            yield from _nested(part, on)
    elif isinstance(cond, Not):
        yield from _nested(cond.part, on)
    elif isinstance(cond, (Related, Endpoint)):
        yield from _nested(cond.where, "component")


@pytest.fixture(scope="module")
def conditions() -> tuple[Any, list[tuple[str, Condition, str]]]:
    catalog = load_catalog()
    rules = load_rules(catalog=catalog)
    found = [
        (rule.id, cond, on)
        for rule in rules.rules
        for cond, on in _nested(rule.condition, rule.element)
    ]
    return catalog, found


@pytest.mark.parametrize(
    "source", [f"template:{n}" for n in template_names()] + [p.name for p in SYSTEMS]
)
def test_filter_decides_as_holds_does(source: str, conditions: Any) -> None:
    catalog, found = conditions
    if source.startswith("template:"):
        model = load_template(source.split(":", 1)[1])
    else:
        model = load_model(Path(__file__).parent / "fixtures" / "systems" / source)
    ctx = Context(model, catalog)
    elements = {"component": list(ctx.components.values()), "flow": list(ctx.flows.values())}
    assert len(found) > 100  # the bundled rules and what is nested in them
    kinds = {type(cond).__name__ for _r, cond, _on in found}
    assert {"All", "AnyOf", "Not", "Attr", "Related", "Endpoint", "Kind"} <= kinds
    held_somewhere = 0
    for rule_id, cond, on in found:
        for order in (elements[on], elements[on][::-1]):  # any order: kept as given
            expected = [el.id for el in order if cond.holds(ctx, el)]
            assert [el.id for el in cond.filter(ctx, order)] == expected, (
                f"{rule_id}: {cond.describe()}"
            )
            held_somewhere += bool(expected)
    assert held_somewhere > len(found) // 4  # the comparison is not only of empty lists
