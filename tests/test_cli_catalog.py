"""``workbench catalog``: info, show, list and guidelines, in-process and once as a process."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.cli import main

REPO = Path(__file__).resolve().parents[1]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def official_bundle(shared_dir: Path) -> Path:
    return shared_dir / "upstream" / "atlas" / "stix-atlas.json"


# ----------------------------------------------------------------------------- info


def test_info_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "catalog", "info")
    assert code == 0, err
    assert "5.6.0 (bundle metadata)" in out
    assert "atlas-catalog.json (bundled)" in out
    assert "sub-techniques    69" in out
    assert "mitigation links  246" in out


def test_info_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "catalog", "info", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["atlas_version"] == "5.6.0"
    assert data["version_source"] == "bundle metadata"
    assert data["source"].endswith("atlas-catalog.json")
    assert data["counts"] == {
        "tactics": 16,
        "techniques": 101,
        "subtechniques": 69,
        "mitigations": 35,
        "mitigates_links": 246,
    }


def test_info_official_bundle(capsys: pytest.CaptureFixture[str], official_bundle: Path) -> None:
    code, out, _ = run(
        capsys, "catalog", "info", "--source", str(official_bundle), "--format", "json"
    )
    assert code == 0
    data = json.loads(out)
    assert data["counts"]["mitigates_links"] == 244
    assert data["version_source"] == "ATLAS.yaml beside the bundle"
    assert data["source"] == str(official_bundle)
    code, out, _ = run(
        capsys,
        "catalog", "info", "--source", str(official_bundle), "--atlas-version", "5.6.0-test",
        "--format", "json",
    )  # fmt: skip
    assert json.loads(out)["atlas_version"] == "5.6.0-test"
    assert json.loads(out)["version_source"] == "option"


def test_info_prints_warnings_to_stderr(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bundle = json.loads((REPO / "catalogs" / "atlas" / "atlas-catalog.json").read_text("utf-8"))
    bundle["objects"].append({"type": "campaign", "id": "campaign--1"})
    path = tmp_path / "b.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    code, _, err = run(capsys, "catalog", "info", "--source", str(path))
    assert code == 0
    assert "warning: ignored 1 object(s) of unknown type 'campaign'" in err


def test_info_bad_source(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"type": "bundle", "objects": [', encoding="utf-8")
    code, out, err = run(capsys, "catalog", "info", "--source", str(path))
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and str(path) in err and "truncated" in err
    code, _, err = run(capsys, "catalog", "info", "--source", str(tmp_path / "absent.json"))
    assert code == 2 and "no such file" in err and "Traceback" not in err


# ----------------------------------------------------------------------------- show


def test_show_technique_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "catalog", "show", "AML.T0051", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert {
        "id", "name", "type", "description", "tactics", "mitigations", "techniques", "parent",
        "subtechniques", "maturity", "url",
    } <= set(data)  # fmt: skip
    assert data["id"] == "AML.T0051"
    assert data["name"] == "LLM Prompt Injection"
    assert data["type"] == "technique"
    assert data["tactics"] == [{"id": "AML.TA0005", "name": "Execution"}]
    assert [m["id"] for m in data["mitigations"]] == [
        "AML.M0019", "AML.M0020", "AML.M0021", "AML.M0022", "AML.M0024", "AML.M0033",
    ]  # fmt: skip
    assert data["parent"] is None
    assert [s["id"] for s in data["subtechniques"]] == [
        "AML.T0051.000",
        "AML.T0051.001",
        "AML.T0051.002",
    ]
    assert data["maturity"] == "realized"
    assert data["url"] == "https://atlas.mitre.org/techniques/AML.T0051"
    assert data["techniques"] == []


def test_show_subtechnique(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "catalog", "show", "aml.t0051.001", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["type"] == "subtechnique"
    assert data["parent"] == {"id": "AML.T0051", "name": "LLM Prompt Injection"}
    assert data["name"] == "Indirect"
    assert data["display_name"] == "LLM Prompt Injection: Indirect"
    code, out, _ = run(capsys, "catalog", "show", "AML.T0051.001")
    assert code == 0
    assert out.startswith("AML.T0051.001  LLM Prompt Injection: Indirect\n")
    assert "parent         AML.T0051 LLM Prompt Injection" in out
    assert "Mitigations of the parent technique (4)" in out


def test_show_mitigation(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "catalog", "show", "AML.M0034", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["type"] == "mitigation"
    assert data["category"] == "Technical - ML"
    assert {"id": "AML.T0052.001", "name": "Phishing: Deepfake-Assisted Phishing"} in data[
        "techniques"
    ]
    assert data["mitigations"] == [] and data["parent"] is None
    code, out, _ = run(capsys, "catalog", "show", "AML.M0034")
    assert "Techniques (" in out and "AML.T0088" in out


def test_show_tactic(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "catalog", "show", "AML.TA0000", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["type"] == "tactic"
    assert [t["id"] for t in data["techniques"]] == [
        "AML.T0040", "AML.T0041", "AML.T0044", "AML.T0047",
    ]  # fmt: skip
    code, out, _ = run(capsys, "catalog", "show", "AML.TA0000")
    assert "AI Model Access" in out and "Techniques (4)" in out


def test_show_official_bundle(capsys: pytest.CaptureFixture[str], official_bundle: Path) -> None:
    code, out, _ = run(
        capsys, "catalog", "show", "AML.M0034", "--source", str(official_bundle), "--format", "json"
    )
    assert code == 0
    data = json.loads(out)
    assert "AML.T0052.001" not in {t["id"] for t in data["techniques"]}
    code, out, _ = run(capsys, "catalog", "show", "AML.M0034", "--format", "json")
    assert data["description"] != json.loads(out)["description"]  # upstream text vs ours


def test_show_unknown_id(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "catalog", "show", "AML.T0O51")
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert "unknown ATLAS id 'AML.T0O51'" in err and "did you mean AML.T0051" in err


# ----------------------------------------------------------------------------- list


def test_list_tactics(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "catalog", "list", "tactics")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["order", "id", "name", "shortname", "techniques"]
    assert len(lines) == 2 + 16
    assert lines[2].split()[:2] == ["1", "AML.TA0002"]


def test_list_techniques_default_and_filters(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "catalog", "list", "--format", "json")
    assert code == 0
    rows = json.loads(out)
    assert len(rows) == 170
    assert rows[0]["id"] == "AML.T0000"
    code, out, _ = run(
        capsys, "catalog", "list", "techniques", "--tactic", "AML.TA0000", "--format", "json"
    )
    assert [r["id"] for r in json.loads(out)] == [
        "AML.T0040",
        "AML.T0041",
        "AML.T0044",
        "AML.T0047",
    ]
    code, out, _ = run(
        capsys, "catalog", "list", "techniques", "--no-subtechniques", "--format", "json"
    )
    assert len(json.loads(out)) == 101


def test_list_mitigations_csv(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "catalog", "list", "mitigations", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 35
    assert rows[0]["id"] == "AML.M0000"
    assert rows[0]["url"] == "https://atlas.mitre.org/mitigations/AML.M0000"
    assert set(rows[0]) == {"id", "name", "category", "technique_ids", "url"}


def test_list_tactic_filter_errors(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "catalog", "list", "mitigations", "--tactic", "AML.TA0000")
    assert code == 2 and "--tactic applies to" in err
    code, _, err = run(capsys, "catalog", "list", "--tactic", "AML.TA9999")
    assert code == 2 and "unknown tactic" in err


# ----------------------------------------------------------------------------- guidelines


def test_guidelines(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "catalog", "guidelines", "--format", "json")
    assert code == 0
    rows = json.loads(out)
    assert [r["number"] for r in rows][:3] == ["1.1", "1.2", "1.3"] and len(rows) == 17
    code, out, _ = run(capsys, "catalog", "guidelines", "2.1")
    assert code == 0 and "Secure your supply chain" in out and "ai-bom" in out
    code, _, err = run(capsys, "catalog", "guidelines", "9.9")
    assert code == 2 and "unknown guideline" in err


def test_catalog_without_action_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "catalog")
    assert code == 0 and "info" in out and "show" in out and "list" in out


# ----------------------------------------------------------------------------- as a process


def test_cli_as_a_process() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "workbench.cli", "catalog", "info", "--format", "json"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["counts"]["tactics"] == 16
    result = subprocess.run(
        [sys.executable, "-m", "workbench.cli", "catalog", "show", "AML.T9999"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("workbench: unknown ATLAS id")
