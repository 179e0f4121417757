"""Golden files and the fixture project of the export tests.

``assert_golden(relative_path, text)`` compares *text* with
``tests/golden/<relative_path>``. Run ``UPDATE_GOLDEN=1 pytest tests/...`` to
(re)write the golden files instead; without it the tests never write them.

The fixture project is the ``support-assistant`` template analysed with the
frozen rules in ``tests/fixtures/export-rules`` (not the bundled rule library,
which is tuned over time), with a fixed clock, one chosen ATLAS mitigation, one
chosen project control, two manual findings and one decision.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
from pathlib import Path
from typing import Any

import pytest

GOLDEN_DIR = Path(__file__).resolve().parent
TESTS_DIR = GOLDEN_DIR.parent
EXPORT_RULES = TESTS_DIR / "fixtures" / "export-rules"
FIXTURE_PROJECTS = TESTS_DIR / "fixtures" / "projects"
#: The fixed clock of the fixture project and the export time of the golden files.
FIXED_TIME = dt.datetime(2026, 5, 4, 9, 30, tzinfo=dt.UTC)


def updating() -> bool:
    return os.environ.get("UPDATE_GOLDEN") == "1"


def assert_golden(relative: str, text: str) -> None:
    """Fail with a diff when *text* differs from the golden file (write it under UPDATE_GOLDEN=1)."""
    path = GOLDEN_DIR / relative
    if updating():
        from workbench._atomic import atomic_write_text

        atomic_write_text(path, text)
        return
    if not path.exists():
        pytest.fail(f"no golden file {path}; create it with UPDATE_GOLDEN=1 pytest {relative}")
    expected = path.read_text(encoding="utf-8")
    if text != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                text.splitlines(keepends=True),
                fromfile=f"golden/{relative}",
                tofile="actual",
                n=2,
            )
        )
        lines = diff.splitlines()
        shown = "\n".join(lines[:120]) + (
            f"\n... {len(lines) - 120} more lines" if len(lines) > 120 else ""
        )
        pytest.fail(
            f"output differs from golden/{relative} (UPDATE_GOLDEN=1 rewrites it after review):\n"
            + shown
        )


def fixture_rules(catalog: Any = None) -> Any:
    from workbench.rules import load_rules

    return load_rules([EXPORT_RULES], catalog=catalog, include_bundled=False)


def use_fixture_rules(project: Any) -> Any:
    """Analyse *project* with the frozen export rules only (the bundled library is left out)."""
    project._rules = fixture_rules(project.catalog)
    project._state = None
    return project


def fixture_project(folder: Path) -> Any:
    """The support-assistant project with a chosen mitigation and control, two manual findings
    (one without a technique) and a decision."""
    from workbench.project import Project

    project = Project.create(
        folder, template="support-assistant", actor="tester", clock=lambda: FIXED_TIME
    )
    use_fixture_rules(project)
    project.choose_mitigation(
        "fx-direct-prompt-injection@llm",
        "AML.M0020",
        status="implemented",
        owner="Web Team",
        note="Guardrail model in front of the LLM",
    )
    project.choose_mitigation("fx-indirect-prompt-injection@llm", "wb-sanitise-html")
    project.add_manual_finding(
        "help-centre",
        "Poisoned help article",
        reason="An editor account could plant instructions in an article that retrieval serves.",
        technique="AML.T0070",
        likelihood=2,
        impact=4,
    )
    project.add_manual_finding(
        "ticketing-tool",
        "Ticket notes leak to the wrong customer",
        reason="The assistant may write another customer's data into a ticket note.",
        likelihood=2,
        impact=2,
    )
    project.decide(
        "fx-cross-tenant-retrieval@vector-store",
        "accept",
        "Low impact: the index holds only ticket excerpts; per-tenant indexes are planned.",
        owner="Support Operations",
        review_by="2026-11-01",
        links=["https://tracker.example.com/SEC-42"],
    )
    return project


def run_cli(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> int:
    """Run ``workbench ARGV`` with the export commands registered (until cli.py lists them)."""
    import workbench.cli as cli

    module = "workbench.commands.exports"
    if module not in cli.COMMAND_MODULES:
        monkeypatch.setattr(cli, "COMMAND_MODULES", (*cli.COMMAND_MODULES, module))
    return cli.main(argv)
