"""Run the examples that rule files carry (``workbench rules check``).

Each example is a small model on which a rule must fire (``expect: fire``) or
must not fire (``expect: no_fire``) on the named element. Organisations writing
their own rules run them to see that their rules say what they mean.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workbench._records import Record
from workbench.errors import WorkbenchError
from workbench.rules.engine import analyze
from workbench.rules.spec import Rule, RuleSet

__all__ = ["ExampleResult", "run_examples"]


@dataclass(frozen=True)
class ExampleResult(Record):
    rule: str
    name: str
    expect: str
    passed: bool
    message: str
    file: str | None
    line: int | None


def _single(ruleset: RuleSet, rule: Rule) -> RuleSet:
    return RuleSet(
        rules=[rule],
        controls=ruleset.controls,
        files=ruleset.files,
        digest=ruleset.digest,
        effects=ruleset.effects,
    )


def _run_example(ruleset: RuleSet, rule: Rule, ex: Any, catalog: Any) -> tuple[bool, str]:
    """Whether one example of *rule* behaves as it expects, and the message saying so."""
    from workbench.model.io import model_from_data

    data = {"schema_version": 1, "system": {"id": "example"}, **ex.model}
    where = f"{rule.file}:{ex.line}" if ex.line else str(rule.file)
    try:
        model = model_from_data(data, None, f"{where} (example {ex.name!r})")
        result = analyze(model, catalog=catalog, rules=_single(ruleset, rule))
    except WorkbenchError as exc:
        return False, f"example model is invalid: {exc}"
    if result.errors:
        return False, f"rule failed: {result.errors[0].message}"
    fired = any(f.element == ex.element for f in result.findings)
    if fired == (ex.expect == "fire"):
        return True, "fired as expected" if fired else "did not fire, as expected"
    if ex.expect == "fire":
        return False, f"expected the rule to fire on {ex.element!r} but it did not"
    return False, f"expected no finding on {ex.element!r} but the rule fired"


def run_examples(
    ruleset: RuleSet, *, catalog: Any = None, files: set[str] | None = None
) -> list[ExampleResult]:
    """Check every example of the rules (of the given files only, when named)."""
    results = []
    for rule in ruleset.rules:
        if files is not None and rule.file not in files:
            continue
        for ex in rule.examples:
            passed, message = _run_example(ruleset, rule, ex, catalog)
            results.append(
                ExampleResult(rule.id, ex.name, ex.expect, passed, message, rule.file, ex.line)
            )
    return results
