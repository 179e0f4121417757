"""``workbench validate`` and ``workbench summary`` run in-process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.cli import main
from workbench.model import load_template, save_model

FIXTURES = Path(__file__).parent / "fixtures" / "models"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_validate_ok(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    save_model(load_template("support-assistant"), path)
    code, out, err = run(capsys, "validate", str(path))
    assert code == 0
    assert out == (f"OK {path}: Customer-support assistant (support-assistant): "
                   "5 zones, 14 components, 24 flows\n")
    assert err == ""


def test_validate_ok_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    save_model(load_template("coding-agent"), path)
    code, out, _ = run(capsys, "validate", str(path), "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["valid"] is True and data["issues"] == []
    assert data["counts"]["components"] == 16


def test_validate_invalid(capsys: pytest.CaptureFixture[str]) -> None:
    path = FIXTURES / "invalid.yaml"
    code, out, err = run(capsys, "validate", str(path))
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == 18
    assert lines[0] == (f"{path}:4: system.staff_training: expected a date yyyy-mm-dd, "
                        "got 'last spring'")
    assert f"{path}:21: components[1].rate_limted: unknown attribute 'rate_limted' for kind " \
           "inference_endpoint; did you mean 'rate_limited'?" in lines
    assert "18 problems" in err


def test_validate_invalid_json_output(capsys: pytest.CaptureFixture[str]) -> None:
    path = FIXTURES / "invalid.json"
    code, out, _ = run(capsys, "validate", str(path), "--format", "json")
    assert code == 1
    data = json.loads(out)
    assert data["valid"] is False
    assert data["issues"][0] == {
        "file": str(path), "line": 9, "path": "components[1].zone",
        "message": "zone 'dmz' is not declared in zones",
    }
    assert len(data["issues"]) == 4


@pytest.mark.parametrize(
    ("fixture", "fragment"),
    [
        ("missing.yaml", "no such file"),
        ("not-a-mapping.yaml", "top level must be a mapping"),
        ("latin1.yaml", "not UTF-8 text"),
        ("alias-bomb.yaml", "anchors are not allowed"),
        ("python-tag.yaml", "tags are not allowed"),
        ("syntax-error.json", "not valid JSON"),
        ("future.yaml", "schema version 7"),
    ],
)
def test_validate_unusable_input(
    capsys: pytest.CaptureFixture[str], fixture: str, fragment: str
) -> None:
    code, out, err = run(capsys, "validate", str(FIXTURES / fixture))
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and fragment in err and fixture in err


def test_validate_too_large(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with open(path, "wb") as handle:
        handle.truncate(11 * 1024 * 1024)
    code, _, err = run(capsys, "validate", str(path))
    assert code == 2 and "too large" in err


def test_validate_migration_notice(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "v0.yaml"
    path.write_text((FIXTURES / "v0.yaml").read_text().replace("target: usr", "target: user"))
    code, out, err = run(capsys, "validate", str(path))
    assert code == 0 and out.startswith("OK ")
    assert "note:" in err and "migrated from schema version 0" in err


def test_summary_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "summary", "--template", "support-assistant")
    assert code == 0 and err == ""
    assert out.startswith("Customer-support assistant (support-assistant)\n")
    for heading in ["Components by kind (14)", "Trust zones (5)",
                    "Flows crossing trust boundaries (12)", "Entry points (2)",
                    "Reachable from untrusted input (9 of 14 components)", "Crown jewels (6)"]:
        assert heading in out
    assert "customer-tickets  knowledge_source  internal  writable by outsiders" in out
    assert "ticketing-tool    tool              internal    yes          side effects: write" \
        in out
    assert "14 components in 5 trust zones, 24 flows" in out


def test_summary_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "fraud.json"
    save_model(load_template("fraud-classifier"), path)
    code, out, _ = run(capsys, "summary", str(path), "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["system"]["id"] == "fraud-classifier"
    assert data["counts"]["components"] == 15
    assert data["components_by_kind"]["model"] == ["fraud-model"]
    assert [z["trust"] for z in data["zones"]] == sorted(z["trust"] for z in data["zones"])
    entry = {e["id"]: e for e in data["entry_points"]}
    assert "partner-bank" in entry
    reach = {r["id"] for r in data["reachable_from_untrusted"]}
    assert "fraud-model" in reach
    jewels = {c["id"]: c for c in data["crown_jewels"]}
    assert jewels["fraud-model"]["reasons"] == ["trained on personal data"]
    assert all(f["direction"] in ("inbound", "outbound") for f in data["boundary_flows"])


def test_summary_lists_open_questions_and_answering_one_reranks(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    model = load_template("support-assistant")
    path = tmp_path / "m.yaml"
    save_model(model, path)
    code, out, _ = run(capsys, "summary", str(path), "--format", "json")
    questions = json.loads(out)["open_questions"]
    assert code == 0 and questions
    assert [q["risk"] for q in questions] == sorted((q["risk"] for q in questions), reverse=True)
    top = questions[0]
    code, text, _ = run(capsys, "summary", str(path))
    assert f"Open questions ({len(questions)})" in text and top["text"] in text
    # answer the top question with the value that changes the findings: it is no longer asked
    answer = {"true": True, "false": False}.get(top["answers"][0], top["answers"][0])
    model.update_component(top["element"], **{top["attribute"]: answer})
    save_model(model, path)
    code, out, _ = run(capsys, "summary", str(path), "--format", "json")
    after = json.loads(out)["open_questions"]
    assert (top["element"], top["attribute"]) not in {(q["element"], q["attribute"]) for q in after}


def test_summary_limit(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "summary", "--template", "coding-agent", "--limit", "2")
    assert code == 0 and "… and 14 more (use --limit 0 to show all)" in out


def test_summary_errors(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "summary")
    assert code == 2 and "--template" in err
    code, _, err = run(capsys, "summary", "--template", "support-asistant")
    assert code == 2 and "did you mean 'support-assistant'" in err
    code, _, err = run(capsys, "summary", str(FIXTURES / "invalid.yaml"))
    assert code == 1 and "18 problems" in err
    code, _, err = run(capsys, "summary", "x.yaml", "--template", "coding-agent")
    assert code == 2 and "not both" in err
