"""``workbench scan --model --component``: scan results as facts the analysis reasons from."""

from __future__ import annotations

import json
import pickle
import textwrap

import pytest

from workbench.cli import main
from workbench.model import load_model
from workbench.rules import analyze
from workbench.scan import apply_scan, scan_paths

OS_SYSTEM = b"\x80\x02cos\nsystem\nX\x04\x00\x00\x00true\x85R."

MODEL = textwrap.dedent("""\
    schema_version: 1
    system: {id: scoring, name: Scoring service}
    zones:
      - {id: internal, trust: 3}
    components:
      - {id: clf, kind: model, zone: internal, name: Fraud classifier, origin: in_house}
      - {id: api, kind: application, zone: internal}
    flows:
      - {id: f1, from: api, to: clf, data: [user_input]}
""")


def safetensors_bytes() -> bytes:
    import struct

    raw = json.dumps({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}).encode()
    return struct.pack("<Q", len(raw)) + raw + bytes(8)


@pytest.fixture()
def model_file(tmp_path):
    path = tmp_path / "system.yaml"
    path.write_text(MODEL)
    return path


def findings_on(path, element="clf"):
    return {f.rule: f for f in analyze(load_model(path)).findings if f.element == element}


def test_safetensors_scan_turns_the_assumed_finding_into_none(tmp_path, model_file, capsys):
    before = findings_on(model_file)
    assert "serialization not stated" in " ".join(before["unsafe-model-serialization"]
                                                  .assumptions)
    weights = tmp_path / "clf.safetensors"
    weights.write_bytes(safetensors_bytes())
    code = main(["scan", str(weights), "--model", str(model_file), "--component", "clf",
                 "--date", "2026-01-15"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "serialization: unstated → safetensors" in out
    assert f"wrote {model_file}" in err
    clf = load_model(model_file).component("clf")
    assert clf.get("serialization") == "safetensors"
    assert clf.get("scan_verdict") == "safe"
    scan = clf.get("artifact_scan")
    assert scan["date"] == "2026-01-15"
    assert scan["tool"].startswith("workbench scan")
    assert scan["files"][0].startswith(f"{weights} (safetensors, ")
    assert {"serialization", "sha256", "scan_verdict"} <= set(scan["stated"])
    after = findings_on(model_file)
    assert "unsafe-model-serialization" not in after
    assert "malicious-code-in-model-file" not in after
    # the same file again: the stated hash matches, nothing else changes
    assert main(["scan", str(weights), "--model", str(model_file), "--component", "clf",
                 "--date", "2026-01-15"]) == 0
    assert "sha256 matches the stated value" in capsys.readouterr().out


def test_malicious_pickle_raises_a_critical_finding_naming_file_and_call(tmp_path, model_file,
                                                                         capsys):
    weights = tmp_path / "clf.pkl"
    weights.write_bytes(OS_SYSTEM)
    code = main(["scan", str(weights), "--model", str(model_file), "--component", "clf"])
    assert code == 1  # recorded, and the answer is no
    finding = findings_on(model_file)["malicious-code-in-model-file"]
    assert finding.band == "critical"
    assert any(f"{weights}: os.system" in e for e in finding.evidence), finding.evidence
    assert finding.technique == "AML.T0018.002"
    capsys.readouterr()


def test_mismatching_stated_hash_is_refused_and_the_model_kept(tmp_path, model_file, capsys):
    text = model_file.read_text().replace("origin: in_house}", "origin: in_house, sha256: "
                                          + "ab" * 32 + "}")
    model_file.write_text(text)
    weights = tmp_path / "clf.safetensors"
    weights.write_bytes(safetensors_bytes())
    code = main(["scan", str(weights), "--model", str(model_file), "--component", "clf"])
    assert code == 2
    assert "not the one the model names" in capsys.readouterr().err
    assert model_file.read_text() == text


def test_refused_file_leaves_the_model_unchanged(tmp_path, model_file, capsys):
    before = model_file.read_bytes()
    (tmp_path / "broken.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{")
    code = main(["scan", str(tmp_path / "broken.safetensors"), "--model", str(model_file),
                 "--component", "clf"])
    assert code == 2
    assert "not changed" in capsys.readouterr().err
    assert model_file.read_bytes() == before


def test_component_must_exist_and_be_a_model(tmp_path, model_file, capsys):
    weights = tmp_path / "clf.safetensors"
    weights.write_bytes(safetensors_bytes())
    assert main(["scan", str(weights), "--model", str(model_file), "--component", "nope"]) == 2
    assert "nope" in capsys.readouterr().err
    assert main(["scan", str(weights), "--model", str(model_file), "--component", "api"]) == 2
    assert "kind: model" in capsys.readouterr().err
    assert main(["scan", str(weights), "--model", str(model_file)]) == 2
    assert "go together" in capsys.readouterr().err


def test_folder_facts_and_stated_facts(tmp_path):
    folder = tmp_path / "sentiment"
    folder.mkdir()
    (folder / "model.safetensors").write_bytes(safetensors_bytes())
    (folder / "config.json").write_text(json.dumps({"architectures": ["BertModel"]}))
    (folder / "README.md").write_text("---\nlicense: mit\nbase_model: [org/base]\n"
                                      "datasets: [org/data]\nmodel_creator: Acme\n---\n")
    model = load_model_text(MODEL.replace("origin: in_house}", "origin: in_house, "
                                          "supplier: In-house ML}"))
    changes = apply_scan(model, "clf", scan_paths([folder]))
    clf = model.component("clf")
    assert clf.get("architecture") == "BertModel"
    assert clf.get("license") == "mit"
    assert tuple(clf.get("base_model")) == ("org/base",)
    assert tuple(clf.get("datasets")) == ("org/data",)
    assert tuple(clf.get("docs")) == (f"{folder}/README.md",)
    assert clf.get("supplier") == "In-house ML"  # a person stated it: kept
    assert any("kept the stated In-house ML" in c for c in changes)


def test_a_new_scan_replaces_what_the_last_one_stated(tmp_path):
    model = load_model_text(MODEL)
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "clf.pkl").write_bytes(OS_SYSTEM)
    apply_scan(model, "clf", scan_paths([tmp_path / "a"]))
    assert model.component("clf").get("scan_verdict") == "dangerous"
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "clf.pkl").write_bytes(pickle.dumps({"w": 1}))
    apply_scan(model, "clf", scan_paths([tmp_path / "b"]))
    clf = model.component("clf")
    assert clf.get("scan_verdict") == "safe"
    assert clf.get("unsafe_calls") is None
    assert clf.get("serialization") == "pickle"


def test_several_formats_state_the_riskiest(tmp_path):
    (tmp_path / "model.safetensors").write_bytes(safetensors_bytes())
    (tmp_path / "pytorch_model.bin").write_bytes(pickle.dumps({"w": 1}, protocol=2))
    model = load_model_text(MODEL)
    changes = apply_scan(model, "clf", scan_paths([tmp_path]))
    assert model.component("clf").get("serialization") == "torch_pickle"
    assert model.component("clf").get("sha256") is None
    assert any("2 formats" in c for c in changes)


def load_model_text(text):
    from workbench.model import loads_model

    return loads_model(text)
