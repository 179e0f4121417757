"""ATLAS Navigator layer: shape of the official ATLAS layers, scores, tactics, golden files.

Golden files: ``tests/golden/navigator/support-assistant-4.3.json`` and
``...-4.5.json`` (``UPDATE_GOLDEN=1`` rewrites them).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from golden.export_helpers import assert_golden, fixture_project, fixture_rules

from workbench.errors import InputError
from workbench.export.navigator import layer_text, navigator_layer, write_layer

#: Keys of a technique entry in layer format 4.x.
TECHNIQUE_KEYS = {
    "techniqueID", "tactic", "score", "color", "comment", "enabled", "metadata", "links",
    "showSubtechniques",
}  # fmt: skip


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return fixture_project(tmp_path_factory.mktemp("navigator") / "p")


@pytest.fixture(scope="module")
def layer(project: Any) -> dict[str, Any]:
    return navigator_layer(project, atlas_version="5.6.0")


@pytest.fixture(scope="module")
def official_layers(shared_dir: Path) -> list[dict[str, Any]]:
    folder = shared_dir / "upstream" / "atlas" / "navigator-layers"
    files = sorted(folder.glob("*/*.json"))
    if not files:
        pytest.skip(f"no official ATLAS layers in {folder}")
    return [json.loads(f.read_text(encoding="utf-8")) for f in files]


def shape(value: Any) -> Any:
    """The JSON type structure of a value (dict keys kept, list items merged)."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return ["list"]
    return type(value).__name__


@pytest.mark.parametrize("layer_format", ["4.3", "4.5"])
def test_golden(project: Any, layer_format: str) -> None:
    layer = navigator_layer(project, atlas_version="5.6.0", layer_format=layer_format)
    assert_golden(f"navigator/support-assistant-{layer_format}.json", layer_text(layer))


def test_same_top_level_shape_as_the_official_layers(
    layer: dict[str, Any], official_layers: list[dict[str, Any]]
) -> None:
    official_keys = set().union(*(set(o) for o in official_layers))
    assert set(layer) == official_keys
    for key in official_keys:
        kinds = {type(o[key]).__name__ for o in official_layers if key in o}
        assert kinds == {type(layer[key]).__name__}, key
    for official in official_layers:
        assert official["versions"] == layer["versions"] == {"layer": "4.3", "navigator": "4.6.4"}
        assert official["domain"] == layer["domain"] == "atlas-atlas"
        data_version = [m for m in official["metadata"] if m["name"] == "atlas_data_version"]
        assert data_version == layer["metadata"]
    with_gradient = [o for o in official_layers if "gradient" in o]
    assert with_gradient
    assert shape(with_gradient[0]["gradient"]) == shape(layer["gradient"])
    legend = next(o["legendItems"] for o in official_layers if "legendItems" in o)
    assert {tuple(sorted(i)) for i in legend} == {tuple(sorted(i)) for i in layer["legendItems"]}
    official_entry_keys = {k for o in official_layers for t in o["techniques"] for k in t}
    assert official_entry_keys <= TECHNIQUE_KEYS
    for entry in layer["techniques"]:
        assert set(entry) <= TECHNIQUE_KEYS


def test_technique_ids_and_tactics_exist_in_the_catalog(
    project: Any, layer: dict[str, Any]
) -> None:
    catalog = project.catalog
    shortnames = {t.shortname: t.id for t in catalog.tactics()}
    assert layer["techniques"]
    for entry in layer["techniques"]:
        technique = catalog.technique(entry["techniqueID"])
        assert technique.id == entry["techniqueID"]
        assert entry["tactic"] in shortnames
        assert shortnames[entry["tactic"]] in technique.tactics


def test_scores_are_the_highest_finding_score(project: Any, layer: dict[str, Any]) -> None:
    rows = project.state().rows
    expected: dict[str, int] = {}
    for r in rows:
        for t in r["techniques"]:
            expected[t] = max(expected.get(t, 0), r["score"])
    scored = {e["techniqueID"]: e["score"] for e in layer["techniques"] if "score" in e}
    assert scored == expected
    matrix = project.matrix
    for e in layer["techniques"]:
        if "score" in e:
            band = matrix.band_of_score(e["score"])
            assert e["color"] == matrix.colour(band)
            assert {"name": "band", "value": band} in e["metadata"]
            assert e["links"] == [
                {"label": f"ATLAS {e['techniqueID']}",
                 "url": f"https://atlas.mitre.org/techniques/{e['techniqueID']}"}
            ]  # fmt: skip


def test_one_entry_per_tactic_and_parents_unfold(layer: dict[str, Any]) -> None:
    entries: dict[str, list[dict[str, Any]]] = {}
    for e in layer["techniques"]:
        entries.setdefault(e["techniqueID"], []).append(e)
    # AML.T0054 (LLM Jailbreak) belongs to privilege escalation and defense evasion
    assert sorted(e["tactic"] for e in entries["AML.T0054"]) == [
        "defense-evasion",
        "privilege-escalation",
    ]
    # sub-techniques are entries of their own; their parent unfolds them, unscored
    assert "AML.T0051.000" in entries and "AML.T0051.001" in entries
    (parent,) = entries["AML.T0051"]
    assert parent == {"techniqueID": "AML.T0051", "tactic": "execution", "showSubtechniques": True}


def test_comment_and_metadata_name_components_and_findings(layer: dict[str, Any]) -> None:
    (entry,) = [e for e in layer["techniques"] if e["techniqueID"] == "AML.T0051.000"]
    assert "Hosted LLM" in entry["comment"]
    assert "fx-direct-prompt-injection@llm" in entry["comment"]
    assert {"name": "component", "value": "Hosted LLM"} in entry["metadata"]
    (flow_entry,) = [e for e in layer["techniques"] if e["techniqueID"] == "AML.T0049"]
    assert "fx-unauthenticated-inbound-flow@customer-writes-ticket" in flow_entry["comment"]
    assert "on Customer -> Customer tickets." in flow_entry["comment"]
    assert {"name": "flow", "value": "Customer -> Customer tickets"} in flow_entry["metadata"]


def test_gradient_and_legend_follow_the_risk_matrix(project: Any, layer: dict[str, Any]) -> None:
    matrix = project.matrix
    assert layer["gradient"] == {
        "colors": ["#FFFFFF", *(b.colour for b in matrix.bands)],
        "minValue": 0,
        "maxValue": 25,
    }
    assert [i["color"] for i in layer["legendItems"]] == [b.colour for b in matrix.bands]
    assert [i["label"].split()[0] for i in layer["legendItems"]] == matrix.band_names()


def test_layer_format_4_5(project: Any) -> None:
    layer = navigator_layer(
        project, layer_format="4.5", custom_data_url="https://example.com/a.json"
    )
    assert layer["versions"] == {"layer": "4.5", "navigator": "5.1.0"}
    assert layer["domain"] == "atlas-atlas"
    assert layer["customDataURL"] == "https://example.com/a.json"
    assert "custom data" in layer["description"]
    assert layer["metadata"] == [{"name": "atlas_data_version", "value": "5.6.0"}]
    with pytest.raises(InputError):
        navigator_layer(project, layer_format="4.4")
    with pytest.raises(InputError):
        navigator_layer(project, custom_data_url="https://example.com/a.json")


def test_model_and_result_tuple(project: Any) -> None:
    from workbench.rules import analyze

    result = analyze(project.model, catalog=project.catalog, rules=fixture_rules(project.catalog))
    layer = navigator_layer((project.model, result))
    assert layer["metadata"] == [{"name": "atlas_data_version", "value": result.atlas_version}]
    from_tuple = {e["techniqueID"] for e in layer["techniques"]}
    from_project = {e["techniqueID"] for e in navigator_layer(project)["techniques"]}
    assert from_project - from_tuple == {"AML.T0070"}  # the project's manual finding
    assert from_tuple <= from_project


def test_write_layer_is_atomic_and_stable(project: Any, tmp_path: Path) -> None:
    out = tmp_path / "layer.json"
    write_layer(project, out)
    first = out.read_bytes()
    write_layer(project, out)
    assert out.read_bytes() == first
    with pytest.raises(InputError):
        write_layer(project, out, layer_format="9.9")
    assert out.read_bytes() == first
    assert [p.name for p in tmp_path.iterdir()] == ["layer.json"]
    assert json.loads(first)["name"] == "Customer-support assistant - ATLAS exposure"


def test_cli_export_navigator(
    project: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from golden.export_helpers import EXPORT_RULES, run_cli

    out = tmp_path / "layer.json"
    argv = ["export", "navigator", str(project.path), "--layer-format", "4.5"]
    assert run_cli([*argv, "--output", str(out)], monkeypatch) == 0
    layer = json.loads(out.read_text(encoding="utf-8"))
    assert layer["versions"] == {"layer": "4.5", "navigator": "5.1.0"}
    assert layer["domain"] == "atlas-atlas"
    assert "custom" in capsys.readouterr().err
    model_file = project.path / "model.yaml"
    argv = ["export", "navigator", str(model_file), "--rules", str(EXPORT_RULES)]
    assert run_cli(argv, monkeypatch) == 0
    layer = json.loads(capsys.readouterr().out)
    assert layer["versions"] == {"layer": "4.3", "navigator": "4.6.4"}
    ours = {(e["techniqueID"], e["tactic"]) for e in navigator_layer(project)["techniques"]}
    assert ours <= {(e["techniqueID"], e["tactic"]) for e in layer["techniques"]}
    assert run_cli(["export"], monkeypatch) == 0
