"""AI bill of materials: CycloneDX 1.6 built with cyclonedx-python-lib, schema-valid, golden file.

Golden file: ``tests/golden/aibom/fraud-scoring.cdx.json`` (``UPDATE_GOLDEN=1``
rewrites it); the workbench version is replaced by ``VERSION`` before comparing.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest
from cyclonedx.model.bom import Bom
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from golden.export_helpers import FIXED_TIME, FIXTURE_PROJECTS, assert_golden

from workbench._version import __version__
from workbench.export.aibom import (
    AIBOM_NAMESPACE,
    aibom,
    aibom_text,
    serial_number,
    validate_aibom,
    write_aibom,
)
from workbench.model import load_model, load_template, template_names

FIXTURE = FIXTURE_PROJECTS / "aibom-system.yaml"


@pytest.fixture
def model(tmp_path: Path) -> Any:
    copy = tmp_path / FIXTURE.name
    shutil.copyfile(FIXTURE, copy)
    return load_model(copy)


@pytest.fixture
def bom_json(model: Any) -> dict[str, Any]:
    return json.loads(aibom_text(aibom(model, timestamp=FIXED_TIME)))


def normalised(text: str) -> str:
    data = json.loads(text)
    (tool,) = data["metadata"]["tools"]["components"]
    assert tool["version"] == __version__
    tool["version"] = "VERSION"
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def by_ref(bom_json: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["bom-ref"]: c for c in [*bom_json["components"], *bom_json.get("services", [])]}


def props(entry: dict[str, Any]) -> dict[str, str]:
    return {p["name"]: p["value"] for p in entry.get("properties", [])}


def test_golden(model: Any) -> None:
    assert_golden(
        "aibom/fraud-scoring.cdx.json", normalised(aibom_text(aibom(model, timestamp=FIXED_TIME)))
    )


def test_is_a_cyclonedx_bom_valid_for_schema_1_6(model: Any) -> None:
    bom = aibom(model, timestamp=FIXED_TIME)
    assert isinstance(bom, Bom)
    text = aibom_text(bom)
    validator = JsonStrictValidator(SchemaVersion.V1_6)
    assert validator.validate_str(text) is None
    assert validate_aibom(text) == []
    data = json.loads(text)
    assert data["bomFormat"] == "CycloneDX" and data["specVersion"] == "1.6"


@pytest.mark.parametrize("name", template_names())
def test_every_template_gives_a_valid_bom(name: str) -> None:
    text = aibom_text(aibom(load_template(name), timestamp=FIXED_TIME))
    assert validate_aibom(text) == []


def test_schema_violations_are_reported(model: Any) -> None:
    data = json.loads(aibom_text(aibom(model, timestamp=FIXED_TIME)))
    data["components"][0]["type"] = "spaceship"
    assert validate_aibom(json.dumps(data))


def test_models_datasets_and_third_party_parts(bom_json: dict[str, Any]) -> None:
    entries = by_ref(bom_json)
    assert {ref: e.get("type", "service") for ref, e in entries.items()} == {
        "component:scoring-model": "machine-learning-model",
        "component:explainer-llm": "machine-learning-model",
        "component:transactions": "data",
        "component:public-fraud-set": "data",
        "component:geo-lookup": "application",
        "component:trainer": "application",
        "component:registry": "application",
        "service:labelling-vendor": "service",
    }
    # in-house parts without a supplier are not in the bill of materials
    for absent in ("analyst", "case-tool", "feature-job", "app"):
        assert f"component:{absent}" not in entries
    model = entries["component:scoring-model"]
    assert model["supplier"] == {"name": "Example Models Ltd"}
    assert model["version"] == "2.3.1"
    assert model["hashes"] == [
        {
            "alg": "SHA-256",
            "content": "4f6a9c0e8b7d1a2f3e4d5c6b7a8f9e0d1c2b3a4f5e6d7c8b9a0f1e2d3c4b5a69",
        }
    ]
    assert {(r["type"], r["url"]) for r in model["externalReferences"]} == {
        ("model-card", "https://models.example.com/fraud/2.3.1/model-card"),
        ("documentation", "https://wiki.example.com/fraud/runbook"),
    }
    p = props(model)
    assert p["workbench:model_type"] == "classifier"
    assert p["workbench:origin"] == "fine_tuned"
    assert p["workbench:serialization"] == "safetensors"
    assert p["workbench:hash_verified"] == "true"
    assert props(entries["component:trainer"])["workbench:uses_third_party_code"] == "true"
    data = entries["component:transactions"]
    assert data["hashes"][0]["alg"] == "SHA-256"
    assert data["externalReferences"] == [
        {"type": "documentation", "url": "https://wiki.example.com/fraud/data-card"}
    ]
    service = entries["service:labelling-vendor"]
    assert service["provider"] == {"name": "Example Labels Inc"}
    assert service["x-trust-boundary"] is True
    assert {(d["classification"], d["flow"]) for d in service["data"]} == {
        ("training_data", "inbound"),
        ("personal_data", "inbound"),
        ("feedback", "outbound"),
    }


def test_metadata_serial_and_timestamp(model: Any, bom_json: dict[str, Any]) -> None:
    assert bom_json["serialNumber"] == f"urn:uuid:{uuid.uuid5(AIBOM_NAMESPACE, 'fraud-scoring')}"
    assert serial_number("fraud-scoring") == uuid.uuid5(AIBOM_NAMESPACE, "fraud-scoring")
    assert dt.datetime.fromisoformat(bom_json["metadata"]["timestamp"]) == FIXED_TIME
    system = bom_json["metadata"]["component"]
    assert system["bom-ref"] == "system:fraud-scoring" and system["name"] == "Fraud scoring"
    (tool,) = bom_json["metadata"]["tools"]["components"]
    assert tool["name"] == "ai-threat-workbench"
    (root,) = [d for d in bom_json["dependencies"] if d["ref"] == "system:fraud-scoring"]
    assert set(root["dependsOn"]) == set(by_ref(bom_json))
    other = json.loads(aibom_text(aibom(model, timestamp=FIXED_TIME, serial_seed="release-7")))
    assert other["serialNumber"] == f"urn:uuid:{serial_number('release-7')}"
    naive = aibom_text(aibom(model, timestamp=FIXED_TIME.replace(tzinfo=None)))
    assert naive == aibom_text(aibom(model, timestamp=FIXED_TIME))


def test_deterministic(model: Any) -> None:
    first = aibom_text(aibom(model, timestamp=FIXED_TIME))
    assert aibom_text(aibom(model.copy(), timestamp=FIXED_TIME)) == first


def test_write_is_atomic(model: Any, tmp_path: Path) -> None:
    out = tmp_path / "out" / "aibom.cdx.json"
    write_aibom(model, out, timestamp=FIXED_TIME)
    before = out.read_bytes()
    assert validate_aibom(before.decode("utf-8")) == []
    with pytest.raises(AttributeError):
        write_aibom(object(), out, timestamp=FIXED_TIME)
    assert out.read_bytes() == before
    assert [p.name for p in out.parent.iterdir()] == ["aibom.cdx.json"]


def test_cli_export_aibom(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from golden.export_helpers import run_cli

    from workbench.project import Project

    model_file = tmp_path / FIXTURE.name
    shutil.copyfile(FIXTURE, model_file)
    argv = ["export", "aibom", str(model_file), "--timestamp", "2026-05-04T09:30:00Z"]
    assert run_cli(argv, monkeypatch) == 0
    text = capsys.readouterr().out
    assert validate_aibom(text) == []
    assert text == aibom_text(aibom(load_model(model_file), timestamp=FIXED_TIME))
    project = Project.create(tmp_path / "p", model=model_file, actor="tester")
    out = tmp_path / "bom.json"
    argv = ["export", "aibom", str(project.path), "--serial-seed", "r1", "--output", str(out)]
    assert run_cli(argv, monkeypatch) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["serialNumber"] == f"urn:uuid:{serial_number('r1')}"
    assert validate_aibom(out.read_text(encoding="utf-8")) == []
