"""STIX 2.1 export: OASIS validator, stix2 round trip, official ATLAS ids, golden file.

Golden file: ``tests/golden/stix/support-assistant.json`` (``UPDATE_GOLDEN=1``
rewrites it). The fixture project uses the frozen rules in
``tests/fixtures/export-rules`` so the bundled rule library can change freely.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
import stix2
from golden.export_helpers import FIXED_TIME, assert_golden, fixture_project, fixture_rules
from stix2validator import ValidationOptions, validate_instance, validate_string

from workbench.errors import InputError
from workbench.export.stix import (
    EXTENSION_TYPES,
    STIX_NAMESPACE,
    TOOL_IDENTITY_ID,
    export_stix,
    stix_id,
    stix_text,
    write_stix,
)

#: Warnings the OASIS validator gives and that are expected: ids are UUIDv5
#: (deterministic, as ATLAS's own), and ATLAS references carry URLs without hashes.
EXPECTED_WARNINGS = {"103", "302"}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return fixture_project(tmp_path_factory.mktemp("stix") / "p")


@pytest.fixture(scope="module")
def bundle(project: Any) -> dict[str, Any]:
    return json.loads(stix_text(export_stix(project, created=FIXED_TIME)))


def by_type(bundle: dict[str, Any], stix_type: str) -> list[dict[str, Any]]:
    return [o for o in bundle["objects"] if o["type"] == stix_type]


def by_id(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {o["id"]: o for o in bundle["objects"]}


def warning_codes(warnings: list[str]) -> set[str]:
    return {m.group(1) for w in warnings for m in [re.search(r"\{(\d+)\}", w)] if m}


def test_golden(project: Any) -> None:
    assert_golden(
        "stix/support-assistant.json", stix_text(export_stix(project, created=FIXED_TIME))
    )


def test_oasis_validator_has_no_errors(project: Any) -> None:
    text = stix_text(export_stix(project, created=FIXED_TIME))
    result = validate_string(text, ValidationOptions(version="2.1"))
    assert result.is_valid, [str(e) for e in result.errors]
    assert not result.errors
    assert warning_codes(result.warnings) <= EXPECTED_WARNINGS, result.warnings
    again = validate_instance(json.loads(text), ValidationOptions(version="2.1"))
    assert again.is_valid and not again.errors


def test_loads_back_with_stix2(project: Any) -> None:
    text = stix_text(export_stix(project, created=FIXED_TIME))
    parsed = stix2.parse(text, allow_custom=True)
    assert isinstance(parsed, stix2.Bundle)
    assert len(parsed.objects) == len(json.loads(text)["objects"])
    assert stix_text(parsed) == text
    assert any(isinstance(o, stix2.AttackPattern) for o in parsed.objects)
    assert any(isinstance(o, stix2.Note) for o in parsed.objects)


def test_deterministic(project: Any) -> None:
    first = stix_text(export_stix(project, created=FIXED_TIME))
    second = stix_text(export_stix(project, created=FIXED_TIME))
    assert first == second
    later = json.loads(stix_text(export_stix(project, created=FIXED_TIME + dt.timedelta(days=3))))
    ids = {o["id"] for o in json.loads(first)["objects"]}
    assert ids == {o["id"] for o in later["objects"]}


def test_ids_are_uuid5_of_natural_keys(bundle: dict[str, Any]) -> None:
    objects = by_id(bundle)
    component = objects[stix_id("x-ai-component", "support-assistant", "llm")]
    assert component["component_id"] == "llm"
    assert component["name"] == "Hosted LLM"
    flow = objects[stix_id("x-ai-data-flow", "support-assistant", "customer-writes-ticket")]
    assert flow["flow_id"] == "customer-writes-ticket"
    finding = objects[
        stix_id("x-ai-threat-finding", "support-assistant", "fx-direct-prompt-injection@llm")
    ]
    assert finding["finding_id"] == "fx-direct-prompt-injection@llm"
    assert objects[stix_id("note", "support-assistant", "D-0001")]["type"] == "note"
    assert str(STIX_NAMESPACE) == "27d4f09b-bc57-5c68-a936-3c4c95d0db54"


def test_attack_patterns_carry_official_atlas_ids(project: Any, bundle: dict[str, Any]) -> None:
    catalog = project.catalog
    patterns = by_type(bundle, "attack-pattern")
    assert patterns
    for ap in patterns:
        (ref,) = ap["external_references"]
        assert ref["source_name"] == "mitre-atlas"
        technique = catalog.technique(ref["external_id"])
        assert ap["id"] == technique.stix_id
        assert ref["url"] == f"https://atlas.mitre.org/techniques/{technique.id}"
        assert {p["kill_chain_name"] for p in ap["kill_chain_phases"]} == {"mitre-atlas"}
    used = {
        t for r in project.state().rows for t in [*r["techniques"], *(r["preconditions"] or [])]
    }
    exported = {ap["external_references"][0]["external_id"] for ap in patterns}
    assert used <= exported
    for coa in by_type(bundle, "course-of-action"):
        ref = coa["external_references"][0]
        if ref["source_name"] == "mitre-atlas":
            assert coa["id"] == catalog.mitigation(ref["external_id"]).stix_id


def test_joins_with_the_official_atlas_bundle(shared_dir: Path, bundle: dict[str, Any]) -> None:
    """Our attack-patterns and courses of action are subsets of the official ATLAS objects."""
    official_path = shared_dir / "upstream" / "atlas" / "stix-atlas.json"
    if not official_path.is_file():
        pytest.skip(f"{official_path} is absent")
    official = {o["id"]: o for o in json.loads(official_path.read_text())["objects"]}
    checked = 0
    for obj in bundle["objects"]:
        ref = (obj.get("external_references") or [{}])[0]
        if obj["type"] not in ("attack-pattern", "course-of-action"):
            continue
        if ref.get("source_name") != "mitre-atlas":
            continue
        upstream = official[obj["id"]]
        for key in ("name", "created", "modified", "external_references"):
            assert obj[key] == upstream[key], (obj["id"], key)
        if obj["type"] == "attack-pattern":
            assert obj["kill_chain_phases"] == upstream["kill_chain_phases"]
        checked += 1
    assert checked >= 5


def test_new_sdos_use_extension_definitions(bundle: dict[str, Any]) -> None:
    objects = by_id(bundle)
    definitions = {o["name"]: o for o in by_type(bundle, "extension-definition")}
    assert set(EXTENSION_TYPES) <= set(definitions)
    for name in EXTENSION_TYPES:
        d = definitions[name]
        assert d["extension_types"] == ["new-sdo"]
        assert d["schema"].startswith("https://") and d["version"] == "1.0.0"
        assert objects[d["created_by_ref"]]["type"] == "identity"
        for obj in by_type(bundle, name):
            assert obj["extensions"] == {d["id"]: {"extension_type": "new-sdo"}}
    decision = definitions["x-ai-risk-decision"]
    assert decision["extension_types"] == ["property-extension"]
    tool = objects[TOOL_IDENTITY_ID]
    assert tool["name"] == "AI Threat Workbench" and tool["identity_class"] == "system"
    counts = {t: len(by_type(bundle, t)) for t in EXTENSION_TYPES}
    assert counts["x-ai-system"] == 1
    assert counts["x-ai-trust-zone"] == 5
    assert counts["x-ai-component"] == 14
    assert counts["x-ai-data-flow"] == 24
    assert counts["x-ai-threat-finding"] == 6  # 4 from rules, 2 manual


def test_every_reference_resolves(bundle: dict[str, Any]) -> None:
    ids = set(by_id(bundle))

    def refs(value: Any, key: str = "") -> list[str]:
        if isinstance(value, dict):
            return [r for k, v in value.items() if k != "extensions" for r in refs(v, k)]
        if isinstance(value, list):
            return [r for v in value for r in refs(v, key)]
        if isinstance(value, str) and (key.endswith("_ref") or key.endswith("_refs")):
            return [value]
        return []

    for obj in bundle["objects"]:
        for ref in refs(obj):
            assert ref in ids, (obj["id"], ref)


def test_findings_link_techniques_to_elements(project: Any, bundle: dict[str, Any]) -> None:
    objects = by_id(bundle)
    rows = {r["id"]: r for r in project.state().rows}
    findings = {f["finding_id"]: f for f in by_type(bundle, "x-ai-threat-finding")}
    assert set(findings) == set(rows)
    for fid, f in findings.items():
        row = rows[fid]
        assert (f["score"], f["band"], f["status"]) == (row["score"], row["band"], row["status"])
        target = objects[f["target_ref"]]
        assert target["type"] == (
            "x-ai-data-flow" if row["element_type"] == "flow" else "x-ai-component"
        )
        assert target.get("component_id", target.get("flow_id")) == row["element"]
        if not row["technique"]:  # a manual finding without an ATLAS technique
            assert "attack_pattern_ref" not in f and "technique_refs" not in f
            assert f["manual"] is True and f["rule"] == "manual"
            continue
        primary = objects[f["attack_pattern_ref"]]
        assert primary["external_references"][0]["external_id"] == row["technique"]
        assert f["technique_refs"][0] == f["attack_pattern_ref"]
    assert findings["fx-cross-tenant-retrieval@vector-store"]["status"] == "decided"
    assert findings["fx-unauthenticated-inbound-flow@customer-writes-ticket"]["element_type"] == (
        "flow"
    )


def test_chosen_mitigations_and_mitigates(project: Any, bundle: dict[str, Any]) -> None:
    objects = by_id(bundle)
    catalog = project.catalog
    finding = next(
        f
        for f in by_type(bundle, "x-ai-threat-finding")
        if f["finding_id"] == "fx-direct-prompt-injection@llm"
    )
    m0020 = catalog.mitigation("AML.M0020").stix_id
    assert finding["course_of_action_refs"] == [m0020]
    assert finding["chosen_mitigations"] == [
        {
            "impact_effect": 0,
            "likelihood_effect": -1,
            "mitigation_id": "AML.M0020",
            "note": "Guardrail model in front of the LLM",
            "owner": "Web Team",
            "status": "done",
        }
    ]
    mitigates = by_type(bundle, "relationship")
    assert mitigates and {r["relationship_type"] for r in mitigates} == {"mitigates"}
    pairs = {
        (
            objects[r["source_ref"]]["external_references"][0]["external_id"],
            objects[r["target_ref"]]["external_references"][0]["external_id"],
        )
        for r in mitigates
    }
    # M0020 is linked in ATLAS to the parent AML.T0051 and to AML.T0054
    assert ("AML.M0020", "AML.T0051.000") in pairs
    assert ("AML.M0020", "AML.T0054") in pairs
    # a project control: a course of action with an id of ours, not ATLAS's
    control = objects[stix_id("course-of-action", "control", "wb-sanitise-html")]
    assert control["external_references"][0]["source_name"] == "ai-threat-workbench-control"
    assert ("wb-sanitise-html", "AML.T0051.001") in pairs


def test_decisions_are_notes_with_the_decision_extension(bundle: dict[str, Any]) -> None:
    (note,) = by_type(bundle, "note")
    objects = by_id(bundle)
    (ext_id,) = note["extensions"]
    assert objects[ext_id]["name"] == "x-ai-risk-decision"
    ext = note["extensions"][ext_id]
    assert ext["extension_type"] == "property-extension"
    assert ext["decision_id"] == "D-0001"
    assert ext["treatment"] == "accept"
    assert ext["owner"] == "Support Operations"
    assert ext["review_by"] == "2026-11-01"
    assert ext["finding_ids"] == ["fx-cross-tenant-retrieval@vector-store"]
    assert note["content"].startswith("Low impact")
    assert note["authors"] == ["tester"]
    assert [objects[r]["finding_id"] for r in note["object_refs"]] == [
        "fx-cross-tenant-retrieval@vector-store"
    ]
    system = by_type(bundle, "x-ai-system")[0]
    assert system["decision_log_records"] == 1
    assert re.fullmatch(r"[0-9a-f]{64}", system["decision_log_head"])


def test_model_and_result_tuples(project: Any) -> None:
    from workbench.rules import analyze

    model = project.model
    result = analyze(model, catalog=project.catalog, rules=fixture_rules(project.catalog))
    plain = json.loads(stix_text(export_stix((model, result), created=FIXED_TIME)))
    assert not by_type(plain, "note")
    assert {f["status"] for f in by_type(plain, "x-ai-threat-finding")} == {"open"}
    decisions = project.log.decisions()
    with_decisions = stix_text(export_stix((model, result, decisions), created=FIXED_TIME))
    assert len(by_type(json.loads(with_decisions), "note")) == 1
    assert validate_string(with_decisions, ValidationOptions(version="2.1")).is_valid
    with pytest.raises(InputError):
        export_stix("not a project", created=FIXED_TIME)


def test_naive_created_means_utc(project: Any) -> None:
    naive = stix_text(export_stix(project, created=FIXED_TIME.replace(tzinfo=None)))
    assert naive == stix_text(export_stix(project, created=FIXED_TIME))


def test_write_is_atomic(project: Any, tmp_path: Path) -> None:
    out = tmp_path / "out" / "bundle.json"
    write_stix(project, out, created=FIXED_TIME)
    before = out.read_bytes()
    assert json.loads(before)["type"] == "bundle"
    with pytest.raises(InputError):
        write_stix(project, out, created="yesterday")  # type: ignore[arg-type]
    assert out.read_bytes() == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["bundle.json"]


def test_cli_export_stix(
    project: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from golden.export_helpers import EXPORT_RULES, run_cli

    out = tmp_path / "bundle.json"
    argv = ["export", "stix", str(project.path), "--created", "2026-05-04T09:30:00Z"]
    assert run_cli([*argv, "--output", str(out)], monkeypatch) == 0
    text = out.read_text(encoding="utf-8")
    result = validate_string(text, ValidationOptions(version="2.1"))
    assert result.is_valid and not result.errors
    assert warning_codes(result.warnings) <= EXPECTED_WARNINGS
    assert json.loads(text)["objects"][0]["id"] == TOOL_IDENTITY_ID
    capsys.readouterr()
    # a plain model file: analysed with no decisions
    model_file = project.path / "model.yaml"
    argv = ["export", "stix", str(model_file), "--rules", str(EXPORT_RULES)]
    assert run_cli([*argv, "--created", "2026-05-04T09:30:00"], monkeypatch) == 0
    bundle = json.loads(capsys.readouterr().out)
    assert not by_type(bundle, "note")
    found = {f["finding_id"] for f in by_type(bundle, "x-ai-threat-finding")}
    from_rules = {r["id"] for r in project.state().rows if not r["manual"]}
    assert from_rules <= found  # --rules adds to the bundled rules
    assert run_cli(["export", "stix", str(model_file), "--created", "soon"], monkeypatch) == 2
    assert "--created" in capsys.readouterr().err
    assert run_cli(["export", "stix", str(tmp_path / "missing")], monkeypatch) == 2
