"""CycloneDX bills of materials imported as models; the AIBOM export read back."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from workbench.cli import main
from workbench.errors import InputError
from workbench.export.aibom import _included, aibom, aibom_text
from workbench.interop import detect_format, import_model
from workbench.interop.cyclonedx_import import import_cyclonedx
from workbench.model import load_model, load_template, template_names

SHA = "3f" * 32


def ml_bom(spec: str = "1.6") -> dict:
    return {
        "bomFormat": "CycloneDX",
        "specVersion": spec,
        "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
        "version": 1,
        "metadata": {"component": {"type": "application", "bom-ref": "app",
                                   "name": "Review triage"}},
        "components": [
            {
                "type": "machine-learning-model",
                "bom-ref": "pkg:huggingface/acme/sentiment-bert@9f1c2e",
                "name": "sentiment-bert",
                "version": "9f1c2e",
                "purl": "pkg:huggingface/acme/sentiment-bert@9f1c2e",
                "hashes": [{"alg": "SHA-256", "content": SHA}],
                "externalReferences": [
                    {"type": "model-card", "url": "https://huggingface.co/acme/sentiment-bert"}],
                "modelCard": {
                    "modelParameters": {
                        "task": "text-classification",
                        "architectureFamily": "BERT",
                        "modelArchitecture": "BertForSequenceClassification",
                        "datasets": [{"ref": "data-reviews"},
                                     {"type": "dataset", "name": "Public movie reviews"}],
                    },
                    "considerations": {"ethicalConsiderations": [{"name": "bias"}]},
                },
                "properties": [{"name": "huggingface:downloads", "value": "1200"}],
            },
            {"type": "data", "bom-ref": "data-reviews", "name": "Customer reviews",
             "data": [{"type": "dataset", "name": "reviews"}]},
            {"type": "library", "bom-ref": "pkg:pypi/torch@2.3.0", "name": "torch",
             "version": "2.3.0", "supplier": {"name": "PyTorch Foundation"}},
        ],
        "services": [{"bom-ref": "svc-label", "name": "Labelling vendor",
                      "provider": {"name": "LabelCo"},
                      "endpoints": ["https://api.labelco.example/v1"]}],
        "dependencies": [
            {"ref": "app", "dependsOn": ["pkg:huggingface/acme/sentiment-bert@9f1c2e"]},
            {"ref": "pkg:huggingface/acme/sentiment-bert@9f1c2e",
             "dependsOn": ["data-reviews", "pkg:pypi/torch@2.3.0"]},
        ],
    }


def write(path: Path, data: dict) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize("spec", ["1.5", "1.6", "1.7"])
def test_ml_bom_components_model_card_data_services(tmp_path, spec):
    path = write(tmp_path / "bom.cdx.json", ml_bom(spec))
    assert detect_format(path) == "cyclonedx"
    model, report = import_model(path)
    m = model.component("sentiment-bert")
    assert m.kind == "model"
    assert m.get("sha256") == SHA and m.get("version") == "9f1c2e"
    assert m.get("docs") == ("https://huggingface.co/acme/sentiment-bert",)
    assert m.get("architecture") == "BertForSequenceClassification"
    assert m.get("model_type") == "classifier"
    assert m.get("supplier") == "acme" and m.get("origin") == "open_weights"
    assert model.component("customer-reviews").kind == "dataset"
    assert model.component("public-movie-reviews").kind == "dataset"
    torch = model.component("torch")
    assert (torch.kind, torch.get("supplier")) == ("application", "PyTorch Foundation")
    vendor = model.component("labelling-vendor")
    assert vendor.kind == "external_service" and vendor.get("supplier") == "LabelCo"
    assert vendor.get("location") == "https://api.labelco.example/v1"
    flows = {(f.source, f.target, f.data) for f in model.flows()}
    assert ("customer-reviews", "sentiment-bert", ("training_data",)) in flows
    assert ("public-movie-reviews", "sentiment-bert", ("training_data",)) in flows
    guessed = {e.what for e in report.of("guessed")}
    assert {"model_type: classifier", "origin: open_weights", "kind: application"} <= guessed
    unmapped = {e.what for e in report.unmapped}
    assert "modelCard considerations" in unmapped
    assert "huggingface:downloads" in unmapped
    assert any("depends" in e.why or "no data kind" in e.why for e in report.entries)
    assert all(e.category == "assumption" for e in report.entries if e.element.startswith(
        "zone "))


@pytest.mark.parametrize("template", template_names())
def test_export_then_import_gives_the_same_components(tmp_path, template):
    model = load_template(template)
    path = tmp_path / "aibom.json"
    path.write_text(aibom_text(aibom(model, timestamp=dt.datetime(2026, 1, 1))))
    back, report = import_cyclonedx(path)
    exported = [c for c in model.components() if _included(c)]
    assert exported
    assert sorted(c.id for c in back.components()) == sorted(c.id for c in exported)
    for c in exported:
        b = back.component(c.id)
        assert (b.kind, b.zone, dict(b.attrs)) == (c.kind, c.zone, dict(c.attrs)), c.id
    assert report.unmapped == []


def test_schema_problems_are_reported_and_the_rest_imported(tmp_path):
    bom = ml_bom("1.6")
    bom["components"][1]["type"] = "data"
    bom["components"].append({"type": "not-a-type", "name": "mystery"})
    model, report = import_cyclonedx(write(tmp_path / "bom.json", bom))
    assert any(e.element == "schema" for e in report.of("note"))
    assert any(e.what == "type not-a-type" for e in report.unmapped)
    assert "sentiment-bert" in model


def test_refusals(tmp_path, shared_dir):
    old = ml_bom()
    old["specVersion"] = "1.4"
    with pytest.raises(InputError, match=r"1\.4"):
        import_cyclonedx(write(tmp_path / "old.json", old))
    with pytest.raises(InputError, match="TM-BOM"):
        import_cyclonedx(shared_dir / "upstream/peers/threat-dragon/tmbom-otm-example.cdx.json")
    with pytest.raises(InputError, match="TM-BOM"):
        import_model(shared_dir / "upstream/peers/threat-dragon/tmbom-otm-example.cdx.json")


def test_cli_import_writes_the_model(tmp_path, capsys):
    source = write(tmp_path / "bom.json", ml_bom("1.7"))
    out = tmp_path / "model.yaml"
    assert main(["import-model", str(source), "--from", "cyclonedx", "--output", str(out)]) == 0
    assert "cyclonedx:" in capsys.readouterr().out
    assert load_model(out).component("sentiment-bert").get("sha256") == SHA
