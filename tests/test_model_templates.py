"""Bundled templates, the generated JSON Schema and the model-format reference."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from workbench._resources import catalog_path
from workbench.model import dumps_model, load_template, template_names
from workbench.model.schema import model_json_schema

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ["coding-agent", "contract-summariser", "edge-vision", "fraud-classifier",
             "support-assistant"]


def test_template_names() -> None:
    assert template_names() == TEMPLATES


@pytest.mark.parametrize("name", TEMPLATES)
def test_templates_are_complete(name: str) -> None:
    m = load_template(name)
    assert m.id == name
    assert m.description and len(m.description) > 80
    assert m.fact("owner")
    assert 8 <= len(m.components()) <= 20
    assert len(m.zones()) >= 3
    assert len({z.trust for z in m.zones()}) >= 3
    assert m.flows() and all(f.data for f in m.flows())
    assert m.boundary_flows() and m.entry_points() and m.crown_jewels()
    assert m.reachable_from_untrusted()
    # Realistic: most attributes that matter are stated, a few left open on purpose.
    unstated = sum(len(m.unstated(c.id)) for c in m.components())
    assert unstated > 0
    used = {z.id for z in m.zones()}
    assert {c.zone for c in m.components()} == used  # no unused zones


def test_template_specifics() -> None:
    coding = load_template("coding-agent")
    agent = coding.component("coding-agent")
    assert agent.get("code_interpreter") is True
    assert agent.get("config_source") == "shared_repository"
    assert any(c.get("mcp_server") and c.get("origin") == "third_party"
               for c in coding.components("tool"))

    fraud = load_template("fraud-classifier")
    assert fraud.component("fraud-model").get("continuous_learning") is True
    endpoint = fraud.component("scoring-endpoint")
    assert endpoint.get("returns_scores") is True
    assert "partner-bank" in {c.id for c in fraud.entry_points()}
    assert fraud.components("model_registry")[0].get("public") is False

    edge = load_template("edge-vision")
    model = edge.component("detector-model")
    assert (model.get("origin"), model.get("serialization"), model.get("deployment")) == (
        "open_weights", "torch_pickle", "edge_device")
    assert model.get("weights_public") is True and model.get("auto_updated") is True
    assert edge.component("camera").get("physical_access") == "public"

    contracts = load_template("contract-summariser")
    llm = contracts.component("contract-llm")
    assert (llm.get("origin"), llm.get("trained_on")) == ("fine_tuned", "confidential")
    app = contracts.component("web-app")
    assert app.get("internet_facing") is True and app.get("authenticated") is True
    assert contracts.components("model_registry") and contracts.components("training_pipeline")
    assert "contract-llm" in {c.id for c in contracts.crown_jewels()}


def test_templates_readme_lists_every_template() -> None:
    text = catalog_path("templates", "README.md").read_text(encoding="utf-8")
    for name in TEMPLATES:
        assert f"`{name}`" in text


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(catalog_path("schema", "model.schema.json").read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("name", TEMPLATES)
def test_templates_match_the_json_schema(
    name: str, validator: jsonschema.Draft202012Validator
) -> None:
    raw = yaml.safe_load(catalog_path("templates", f"{name}.yaml").read_text("utf-8"))
    raw = json.loads(json.dumps(raw, default=str))  # dates as the strings they were written
    assert list(validator.iter_errors(raw)) == []
    saved = json.loads(dumps_model(load_template(name), "json"))
    assert list(validator.iter_errors(saved)) == []


def test_schema_rejects_what_the_validator_rejects(
    validator: jsonschema.Draft202012Validator,
) -> None:
    base = {"schema_version": 1, "system": {"id": "x"}, "zones": [{"id": "z", "trust": 1}]}
    bad_components = [
        {"id": "a", "kind": "model", "zone": "z", "sandboxed": True},
        {"id": "a", "kind": "modle", "zone": "z"},
        {"id": "a", "kind": "tool", "zone": "z", "side_effects": "everything"},
        {"id": "bad id", "kind": "actor", "zone": "z"},
        {"id": "a", "kind": "actor", "zone": "z", "sha256": "abc"},
        {"id": "a", "kind": "actor", "zone": "z", "docs": ["javascript:alert(1)"]},
    ]
    for component in bad_components:
        assert list(validator.iter_errors({**base, "components": [component]})), component
    good = {**base, "components": [{"id": "a", "kind": "actor", "zone": "z", "trusted": None,
                                     "docs": ["docs/a.md", "https://e.example/x"]}]}
    assert list(validator.iter_errors(good)) == []
    custom = {**good, "custom_attributes": [{"name": "pci", "type": "bool"}],
              "components": [{"id": "a", "kind": "actor", "zone": "z", "pci": True}]}
    assert list(validator.iter_errors(custom)) == []
    assert list(validator.iter_errors({**base, "flows": [{"id": "f", "from": "a", "to": "b",
                                                          "data": ["pii"]}]}))


def test_generated_files_are_current() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_model_docs.py"), "--check"],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    on_disk = json.loads(catalog_path("schema", "model.schema.json").read_text("utf-8"))
    assert on_disk == model_json_schema()


def test_reference_documents_every_attribute() -> None:
    from workbench.model.definitions import KINDS, attributes_for

    text = (ROOT / "docs" / "model-format.md").read_text(encoding="utf-8")
    for kind in KINDS:
        assert f"### {kind}" in text
        for name in attributes_for(kind):
            assert f"`{name}`" in text
