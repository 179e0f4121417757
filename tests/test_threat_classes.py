"""Every threat class of model schema version 2 has bundled rules that fire and stay quiet."""

from __future__ import annotations

import pytest

from tests.test_rule_library import THREAT_CLASSES
from workbench.rules import load_rules


@pytest.mark.parametrize("name", sorted(THREAT_CLASSES))
def test_threat_class_has_rules_with_both_examples(name: str) -> None:
    rules = load_rules()
    for rid in THREAT_CLASSES[name]:
        rule = rules.get(rid)
        assert {ex.expect for ex in rule.examples} == {"fire", "no_fire"}, rid
