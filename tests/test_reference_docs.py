"""The reference docs in docs/reference/ are generated from the definitions and stay current."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "gen_reference_docs.py"
REFERENCE = ROOT / "docs" / "reference"
FILES = ("component-kinds.md", "rule-vocabulary.md", "register-columns.md")
LINK = re.compile(r"\]\(([^)#\s]+)?(?:#([^)\s]+))?\)")


def test_reference_docs_are_current() -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, (
        "docs/reference is stale: run python scripts/gen_reference_docs.py\n" + result.stdout
    )


@pytest.mark.parametrize("name", FILES)
def test_reference_doc_links_resolve(name: str) -> None:
    text = (REFERENCE / name).read_text(encoding="utf-8")
    assert "do not edit" in text.splitlines()[2]
    for target, anchor in LINK.findall(text):
        if target.startswith(("http://", "https://")):
            continue
        path = (REFERENCE / target).resolve() if target else REFERENCE / name
        assert path.is_file(), f"{name}: broken link to {target}"
        if anchor and path.suffix == ".md" and path.parent == REFERENCE:
            doc = path.read_text(encoding="utf-8")
            headings = {
                re.sub(r"[^a-z0-9_ -]", "", h.lower()).replace(" ", "-")
                for h in re.findall(r"^#+ (.+)$", doc, flags=re.M)
            }
            ids = set(re.findall(r'<a id="([^"]+)"></a>', doc))
            assert anchor in headings | ids, f"{name}: no anchor #{anchor} in {path.name}"


def test_every_column_kind_and_rule_is_documented() -> None:
    from workbench.model.definitions import KINDS
    from workbench.register import COLUMNS
    from workbench.rules import load_rules
    from workbench.rules.conditions import COMPONENT_KEYS, FLOW_KEYS

    columns = (REFERENCE / "register-columns.md").read_text(encoding="utf-8")
    assert all(f"| `{c.name}` |" in columns for c in COLUMNS)
    kinds = (REFERENCE / "component-kinds.md").read_text(encoding="utf-8")
    assert all(f"\n## {k}\n" in kinds for k in KINDS)
    vocabulary = (REFERENCE / "rule-vocabulary.md").read_text(encoding="utf-8")
    conditions = vocabulary.split("## Ordered attributes")[0]
    for key in set(COMPONENT_KEYS) | set(FLOW_KEYS):
        assert f"`{key}" in conditions, f"condition key {key} has no explanation"
    assert "## Unstated attributes" in vocabulary
    for rule in load_rules().rules:
        assert f'<a id="{rule.id}"></a>' in vocabulary
