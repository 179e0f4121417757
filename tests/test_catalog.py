"""The ATLAS catalog: loader, data model, bundled catalog and its builder."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import subprocess
import sys
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

import workbench.catalog as catalog_pkg
from workbench.catalog import (
    Catalog,
    Mitigation,
    Tactic,
    Technique,
    UnknownIdError,
    bundled_catalog_path,
    load_catalog,
    parse_bundle,
)
from workbench.errors import CatalogError, InputError

REPO = Path(__file__).resolve().parents[1]
ATLAS_DIR = REPO / "catalogs" / "atlas"

MATRIX_ORDER = [
    "AML.TA0002", "AML.TA0003", "AML.TA0004", "AML.TA0000", "AML.TA0005", "AML.TA0006",
    "AML.TA0012", "AML.TA0007", "AML.TA0013", "AML.TA0008", "AML.TA0015", "AML.TA0009",
    "AML.TA0001", "AML.TA0014", "AML.TA0010", "AML.TA0011",
]  # fmt: skip
T0051_MITIGATIONS = [
    "AML.M0019", "AML.M0020", "AML.M0021", "AML.M0022", "AML.M0024", "AML.M0033",
]  # fmt: skip
CORRECTED_PAIRS = {("AML.M0018", "AML.T0052.001"), ("AML.M0034", "AML.T0052.001")}


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def bundled() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="session")
def upstream_dir(shared_dir: Path) -> Path:
    path = shared_dir / "upstream" / "atlas"
    if not (path / "stix-atlas.json").is_file():
        pytest.fail(f"{path}/stix-atlas.json is missing from ../shared")
    return path


@pytest.fixture(scope="session")
def official(upstream_dir: Path) -> Catalog:
    return load_catalog(upstream_dir / "stix-atlas.json")


@pytest.fixture(scope="session")
def upstream_bundle(upstream_dir: Path) -> dict[str, Any]:
    return json.loads((upstream_dir / "stix-atlas.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_catalog_under_test", REPO / "scripts" / "build_catalog.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def pairs(catalog: Catalog) -> set[tuple[str, str]]:
    return {(m.id, t) for m in catalog.mitigations() for t in m.technique_ids}


def minimal_bundle(extra: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A small synthetic ATLAS-like bundle: 2 tactics, 3 techniques, 1 mitigation."""

    def ref(atlas_id: str, folder: str) -> list[dict[str, str]]:
        return [
            {
                "source_name": "mitre-atlas",
                "external_id": atlas_id,
                "url": f"https://atlas.mitre.org/{folder}/{atlas_id}",
            }
        ]

    objects: list[dict[str, Any]] = [
        {
            "type": "x-mitre-tactic",
            "id": "x-mitre-tactic--1",
            "name": "Second",
            "x_mitre_shortname": "second",
            "external_references": ref("AML.TA0001", "tactics"),
        },
        {
            "type": "x-mitre-tactic",
            "id": "x-mitre-tactic--2",
            "name": "First",
            "x_mitre_shortname": "first",
            "external_references": ref("AML.TA0002", "tactics"),
        },
        {
            "type": "x-mitre-matrix",
            "id": "x-mitre-matrix--1",
            "name": "ATLAS Matrix",
            "tactic_refs": ["x-mitre-tactic--2", "x-mitre-tactic--1"],
        },
        {
            "type": "attack-pattern",
            "id": "attack-pattern--1",
            "name": "Parent",
            "kill_chain_phases": [
                {"kill_chain_name": "mitre-atlas", "phase_name": "second"},
                {"kill_chain_name": "mitre-atlas", "phase_name": "first"},
            ],
            "external_references": ref("AML.T0001", "techniques"),
        },
        {
            "type": "attack-pattern",
            "id": "attack-pattern--2",
            "name": "Child",
            "x_mitre_is_subtechnique": True,
            "external_references": ref("AML.T0001.000", "techniques"),
        },
        {
            "type": "attack-pattern",
            "id": "attack-pattern--3",
            "name": "Other",
            "kill_chain_phases": [{"kill_chain_name": "mitre-atlas", "phase_name": "first"}],
            "external_references": ref("AML.T0002", "techniques"),
        },
        {
            "type": "course-of-action",
            "id": "course-of-action--1",
            "name": "Fix",
            "external_references": ref("AML.M0001", "mitigations"),
        },
    ]
    # three mitigates links sharing ONE relationship id, as upstream does
    for target in ("attack-pattern--1", "attack-pattern--2", "attack-pattern--3"):
        objects.append(
            {
                "type": "relationship",
                "id": "relationship--same",
                "relationship_type": "mitigates",
                "source_ref": "course-of-action--1",
                "target_ref": target,
            }
        )
    return {"type": "bundle", "id": "bundle--1", "objects": objects + (extra or [])}


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- bundled catalog


def test_bundled_catalog_counts_and_version(bundled: Catalog) -> None:
    assert bundled.counts() == {
        "tactics": 16,
        "techniques": 101,
        "subtechniques": 69,
        "mitigations": 35,
        "mitigates_links": 246,
    }
    assert bundled.atlas_version == "5.6.0"
    assert bundled.version_source == "bundle metadata"
    assert bundled.bundled is True
    assert bundled.source == bundled_catalog_path()
    assert bundled.warnings == []
    assert "5.6.0" in repr(bundled)


def test_bundled_catalog_has_the_corrected_links(bundled: Catalog) -> None:
    assert pairs(bundled) >= CORRECTED_PAIRS
    ids = [m.id for m in bundled.mitigations_for("AML.T0052.001")]
    assert "AML.M0018" in ids and "AML.M0034" in ids


def test_bundled_catalog_matrix_order_and_links(bundled: Catalog) -> None:
    assert [t.id for t in bundled.tactics()] == MATRIX_ORDER
    assert [t.order for t in bundled.tactics()] == list(range(1, 17))
    assert [m.id for m in bundled.mitigations_for("AML.T0051")] == T0051_MITIGATIONS
    assert bundled.technique("AML.T0015").tactics == ("AML.TA0004", "AML.TA0007", "AML.TA0011")


def test_bundled_catalog_carries_maturity_and_category(bundled: Catalog) -> None:
    maturities = {t.maturity for t in bundled.techniques()}
    assert maturities == {"realized", "demonstrated", "feasible"}
    assert bundled.technique("AML.T0051").maturity == "realized"
    assert bundled.mitigation("AML.M0018").category == "Policy"
    assert {m.category for m in bundled.mitigations()} == {
        "Policy",
        "Technical - ML",
        "Technical - Cyber",
    }


def test_bundled_file_is_a_clean_stix_bundle() -> None:
    data = json.loads(bundled_catalog_path().read_text(encoding="utf-8"))
    assert data["type"] == "bundle"
    objects = data["objects"]
    ids = [o["id"] for o in objects]
    assert len(ids) == len(set(ids)), "every object id must be unique"
    atlas = [
        o for o in objects if o["type"] in ("x-mitre-tactic", "attack-pattern", "course-of-action")
    ]
    for obj in atlas + [o for o in objects if o["type"] == "x-mitre-matrix"]:
        refs = obj["external_references"]
        assert len(refs) == 1 and refs[0]["source_name"] == "mitre-atlas"
        assert refs[0]["url"].startswith("https://atlas.mitre.org")
    for obj in atlas:
        ext = obj["external_references"][0]["external_id"]
        assert obj["external_references"][0]["url"].endswith("/" + ext)
        assert obj["description"].strip()
        assert obj["modified"] >= obj["created"]
    namespace = uuid.uuid5(
        uuid.NAMESPACE_URL, "https://github.com/ai-threat-workbench/atlas-catalog"
    )
    for rel in (o for o in objects if o["type"] == "relationship"):
        key = f"{rel['relationship_type']}|{rel['source_ref']}|{rel['target_ref']}"
        assert rel["id"] == f"relationship--{uuid.uuid5(namespace, key)}"
        assert "description" not in rel
    (collection,) = [o for o in objects if o["type"] == "x-mitre-collection"]
    assert collection["x_atlas_version"] == "5.6.0"
    assert {s["file"] for s in collection["x_workbench_sources"]} == {
        "stix-atlas.json",
        "ATLAS.yaml",
    }
    assert all(
        re.fullmatch(r"[0-9a-f]{64}", s["sha256"]) for s in collection["x_workbench_sources"]
    )
    assert {c["object_ref"] for c in collection["x_mitre_contents"]} == set(ids) - {
        collection["id"]
    }


def test_bundled_file_parses_with_stix2_without_losing_links() -> None:
    stix2 = pytest.importorskip("stix2")
    data = json.loads(bundled_catalog_path().read_text(encoding="utf-8"))
    bundle = stix2.parse(json.dumps(data), allow_custom=True)
    assert len(bundle.objects) == len(data["objects"])
    store = stix2.MemoryStore(stix_data=data, allow_custom=True)
    rels = store.query([stix2.Filter("type", "=", "relationship")])
    assert len(rels) == 246 + 69


@pytest.mark.slow
def test_bundled_file_passes_the_stix_validator() -> None:
    validator = pytest.importorskip("stix2validator")
    result = validator.validate_file(
        str(bundled_catalog_path()), validator.ValidationOptions(version="2.1")
    )
    errors = [str(e) for o in result.object_results for e in o.errors]
    assert result.is_valid, errors[:5]


def test_loading_does_not_import_heavy_libraries() -> None:
    code = (
        "import sys; from workbench.catalog import load_catalog; c = load_catalog(); "
        "c.mitigations_for('AML.T0051'); "
        "heavy = [m for m in ('pandas', 'stix2', 'yaml') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert out.stdout.strip() == ""


# ----------------------------------------------------------------------------- descriptions


def _words(text: str) -> list[str]:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).split()


def _grams(text: str, size: int = 8) -> set[tuple[str, ...]]:
    w = _words(text)
    return {tuple(w[i : i + size]) for i in range(len(w) - size + 1)}


def _all_strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _all_strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _all_strings(v)]
    return []


def test_descriptions_cover_every_object() -> None:
    data = yaml.safe_load((ATLAS_DIR / "descriptions.yaml").read_text(encoding="utf-8"))
    catalog = load_catalog()
    assert set(data["tactics"]) == {t.id for t in catalog.tactics()}
    assert set(data["techniques"]) == {t.id for t in catalog.techniques()}
    assert set(data["mitigations"]) == {m.id for m in catalog.mitigations()}
    assert len(data["tactics"]) == 16 and len(data["techniques"]) == 170
    assert len(data["mitigations"]) == 35
    for section in data.values():
        for key, text in section.items():
            sentences = [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]
            assert 1 <= len(sentences) <= 2, key
            assert len(text) <= 300, key
    for obj in catalog:
        section = {"tactic": "tactics", "mitigation": "mitigations"}.get(obj.kind, "techniques")
        assert obj.description == " ".join(data[section][obj.id].split())


def test_no_upstream_wording_in_the_bundled_catalog(upstream_dir: Path) -> None:
    """No text of ours shares eight consecutive words with any upstream text."""
    upstream: set[tuple[str, ...]] = set()
    bundle = json.loads((upstream_dir / "stix-atlas.json").read_text(encoding="utf-8"))
    for obj in bundle["objects"]:
        for text in _all_strings(obj.get("description")):
            upstream |= _grams(text)
    atlas_yaml = yaml.safe_load((upstream_dir / "ATLAS.yaml").read_text(encoding="utf-8"))
    for text in _all_strings(atlas_yaml):
        upstream |= _grams(text)
    assert len(upstream) > 10_000  # the check really sees the upstream texts

    ours: dict[str, str] = {}
    descriptions = yaml.safe_load((ATLAS_DIR / "descriptions.yaml").read_text(encoding="utf-8"))
    for section in descriptions.values():
        ours.update(section)
    corrections = yaml.safe_load((ATLAS_DIR / "corrections.yaml").read_text(encoding="utf-8"))
    for number, item in enumerate(corrections["corrections"]):
        ours[f"correction {number}"] = item["reason"]
    built = json.loads(bundled_catalog_path().read_text(encoding="utf-8"))
    for obj in built["objects"]:  # names are facts (and some are long): texts only
        for key in ("description", "x_workbench_correction"):
            if key in obj:
                ours[f"{obj['id']} {key}"] = obj[key]
    copied = {key: sorted(_grams(text) & upstream)[:1] for key, text in ours.items()}
    assert {k: v for k, v in copied.items() if v} == {}


def test_descriptions_of_bundled_differ_from_upstream(bundled: Catalog, official: Catalog) -> None:
    for obj in bundled:
        assert obj.description != official.get(obj.id).description


# ----------------------------------------------------------------------------- official bundle


def test_official_bundle_counts(official: Catalog) -> None:
    assert official.counts() == {
        "tactics": 16,
        "techniques": 101,
        "subtechniques": 69,
        "mitigations": 35,
        "mitigates_links": 244,
    }
    assert official.bundled is False
    assert official.warnings == []
    assert all(t.maturity is None for t in official.techniques())


def test_official_bundle_version_from_atlas_yaml(official: Catalog) -> None:
    assert official.atlas_version == "5.6.0"
    assert official.version_source == "ATLAS.yaml beside the bundle"
    assert official.sha256 == "a1bd782257de3c8591797ac863aa9b37fe4ae42ef9284bee98bfc2661fdd1c06"


def test_official_bundle_reuses_relationship_ids_and_no_link_is_lost(
    official: Catalog, upstream_bundle: dict[str, Any]
) -> None:
    rels = [o for o in upstream_bundle["objects"] if o["type"] == "relationship"]
    assert len({r["id"] for r in rels}) < len(rels)  # the upstream defect is there
    assert [m.id for m in official.mitigations_for("AML.T0051")] == T0051_MITIGATIONS
    assert len(pairs(official)) == 244
    assert not (CORRECTED_PAIRS & pairs(official))
    assert official.mitigations_for("AML.T0052.001") == []


def test_official_bundle_tactics_in_matrix_order(
    official: Catalog, upstream_bundle: dict[str, Any]
) -> None:
    (matrix,) = [o for o in upstream_bundle["objects"] if o["type"] == "x-mitre-matrix"]
    assert [t.stix_id for t in official.tactics()] == matrix["tactic_refs"]
    assert [t.id for t in official.tactics()] == MATRIX_ORDER
    assert official.tactic("AML.TA0000").shortname == "ai-model-access"


def test_official_bundle_subtechniques(official: Catalog) -> None:
    sub = official.technique("AML.T0051.001")
    assert sub.parent_id == "AML.T0051"
    assert sub.display_name == "LLM Prompt Injection: Indirect"
    assert sub.name == "Indirect"
    assert sub.is_subtechnique and sub.kind == "subtechnique"
    assert sub.tactics == official.technique("AML.T0051").tactics
    assert official.technique("AML.T0051").subtechnique_ids == (
        "AML.T0051.000",
        "AML.T0051.001",
        "AML.T0051.002",
    )
    parents = [t for t in official.techniques() if t.parent_id is None]
    assert len(parents) == 101
    for technique in official.techniques():
        if technique.parent_id is not None:
            assert technique.id.rsplit(".", 1)[0] == technique.parent_id
            assert technique.id in official.technique(technique.parent_id).subtechnique_ids


def test_bundled_agrees_with_upstream(bundled: Catalog, official: Catalog) -> None:
    """Every id, name, tactic, sub-technique link and mitigation link, modulo corrections."""
    assert [t.id for t in bundled.tactics()] == [t.id for t in official.tactics()]
    for name in ("tactics", "techniques", "mitigations"):
        mine = {o.id: o for o in getattr(bundled, name)()}
        theirs = {o.id: o for o in getattr(official, name)()}
        assert set(mine) == set(theirs), name
        for key, obj in mine.items():
            other = theirs[key]
            assert (obj.name, obj.stix_id, obj.url) == (other.name, other.stix_id, other.url)
            if isinstance(obj, Tactic):
                assert isinstance(other, Tactic)
                assert (obj.shortname, obj.order) == (other.shortname, other.order)
            if isinstance(obj, Technique):
                assert isinstance(other, Technique)
                assert obj.tactics == other.tactics
                assert obj.parent_id == other.parent_id
                assert obj.subtechnique_ids == other.subtechnique_ids
                assert obj.display_name == other.display_name
    corrections = yaml.safe_load((ATLAS_DIR / "corrections.yaml").read_text(encoding="utf-8"))
    documented = {
        (c["source"], c["target"])
        for c in corrections["corrections"]
        if c["kind"] == "add_link" and c["relationship_type"] == "mitigates"
    }
    assert documented == CORRECTED_PAIRS
    assert all(c["reason"].strip() for c in corrections["corrections"])
    assert pairs(bundled) == pairs(official) | documented


def test_bundled_maturity_and_category_match_atlas_yaml(
    bundled: Catalog, upstream_dir: Path
) -> None:
    data = yaml.safe_load((upstream_dir / "ATLAS.yaml").read_text(encoding="utf-8"))
    matrix = data["matrices"][0]
    for item in matrix["techniques"]:
        assert bundled.technique(item["id"]).maturity == item["maturity"]
    for item in matrix["mitigations"]:
        assert bundled.mitigation(item["id"]).category == ", ".join(item["category"])


# ----------------------------------------------------------------------------- version sources


def test_version_option_wins(upstream_dir: Path) -> None:
    catalog = load_catalog(upstream_dir / "stix-atlas.json", atlas_version="9.9.9")
    assert (catalog.atlas_version, catalog.version_source) == ("9.9.9", "option")
    assert load_catalog(atlas_version="1.2.3").version_source == "option"


def test_version_from_known_digest(upstream_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "stix-atlas.json"
    copy.write_bytes((upstream_dir / "stix-atlas.json").read_bytes())
    catalog = load_catalog(copy)
    assert (catalog.atlas_version, catalog.version_source) == ("5.6.0", "known SHA-256 digest")


def test_version_unknown_for_an_unknown_file(tmp_path: Path) -> None:
    catalog = load_catalog(write_json(tmp_path / "bundle.json", minimal_bundle()))
    assert (catalog.atlas_version, catalog.version_source) == (None, "unknown")


def test_version_from_atlas_yaml_beside(tmp_path: Path) -> None:
    path = write_json(tmp_path / "stix-atlas.json", minimal_bundle())
    (tmp_path / "ATLAS.yaml").write_text(
        "---\nid: ATLAS\nname: Adversarial Threat Landscape\nversion: 6.1.0\nmatrices:\n"
        "- id: ATLAS\n  name: x\n",
        encoding="utf-8",
    )
    catalog = load_catalog(path)
    assert (catalog.atlas_version, catalog.version_source) == (
        "6.1.0",
        "ATLAS.yaml beside the bundle",
    )


def test_atlas_yaml_is_read_safely(tmp_path: Path) -> None:
    path = write_json(tmp_path / "stix-atlas.json", minimal_bundle())
    (tmp_path / "ATLAS.yaml").write_text(
        "version: !!python/object/apply:os.system ['echo hacked']\n", encoding="utf-8"
    )
    catalog = load_catalog(path)
    assert catalog.version_source == "unknown"
    assert any("ATLAS.yaml" in w for w in catalog.warnings)


def test_version_from_bundle_metadata(tmp_path: Path) -> None:
    collection = {
        "type": "x-mitre-collection",
        "id": "x-mitre-collection--1",
        "x_atlas_version": "7.0.0",
    }
    catalog = load_catalog(write_json(tmp_path / "b.json", minimal_bundle([collection])))
    assert (catalog.atlas_version, catalog.version_source) == ("7.0.0", "bundle metadata")


# ----------------------------------------------------------------------------- synthetic bundles


def test_synthetic_bundle_structure(tmp_path: Path) -> None:
    catalog = load_catalog(write_json(tmp_path / "b.json", minimal_bundle()))
    assert [t.id for t in catalog.tactics()] == ["AML.TA0002", "AML.TA0001"]
    parent = catalog.technique("AML.T0001")
    assert parent.tactics == ("AML.TA0002", "AML.TA0001")  # matrix order, not listing order
    child = catalog.technique("AML.T0001.000")
    assert child.parent_id == "AML.T0001"  # from the id prefix: no subtechnique-of here
    assert child.tactics == parent.tactics  # inherited when it has no phases of its own
    assert child.display_name == "Parent: Child"
    # all three links survive although they share one relationship id
    assert catalog.mitigation("AML.M0001").technique_ids == (
        "AML.T0001",
        "AML.T0001.000",
        "AML.T0002",
    )
    assert catalog.counts()["mitigates_links"] == 3


def test_a_newer_bundle_with_more_objects_loads(tmp_path: Path) -> None:
    extra = [
        {
            "type": "attack-pattern",
            "id": f"attack-pattern--new{i}",
            "name": f"New {i}",
            "kill_chain_phases": [{"kill_chain_name": "mitre-atlas", "phase_name": "first"}],
            "external_references": [
                {"source_name": "mitre-atlas", "external_id": f"AML.T09{i:02d}"}
            ],
        }
        for i in range(40)
    ]
    catalog = load_catalog(write_json(tmp_path / "b.json", minimal_bundle(extra)))
    assert catalog.counts()["techniques"] == 42
    assert catalog.url("AML.T0900") == "https://atlas.mitre.org/techniques/AML.T0900"


def test_unknown_types_and_odd_content_are_reported(tmp_path: Path) -> None:
    extra = [
        {"type": "campaign", "id": "campaign--1", "name": "c"},
        {"type": "campaign", "id": "campaign--2", "name": "d"},
        {"type": "identity", "id": "identity--1", "name": "MITRE"},
        {
            "type": "attack-pattern",
            "id": "attack-pattern--attack",
            "name": "ATT&CK thing",
            "external_references": [{"source_name": "mitre-attack", "external_id": "T1000"}],
        },
        {
            "type": "relationship",
            "id": "relationship--x",
            "relationship_type": "uses",
            "source_ref": "campaign--1",
            "target_ref": "attack-pattern--1",
        },
        {
            "type": "relationship",
            "id": "relationship--y",
            "relationship_type": "mitigates",
            "source_ref": "course-of-action--1",
            "target_ref": "attack-pattern--missing",
        },
        "not an object",
    ]
    catalog = load_catalog(write_json(tmp_path / "b.json", minimal_bundle(extra)))
    text = "\n".join(catalog.warnings)
    assert "2 object(s) of unknown type 'campaign'" in text
    assert "identity" not in text
    assert "1 attack-pattern object(s) without a mitre-atlas id" in text
    assert "'uses'" in text
    assert "whose ends are not ATLAS objects" in text
    assert "not JSON objects" in text
    assert catalog.counts()["techniques"] == 2


def test_parse_bundle_on_data() -> None:
    parsed = parse_bundle(minimal_bundle(), source_name="memory")
    assert len(parsed["techniques"]) == 3
    with pytest.raises(CatalogError, match="memory: not a STIX bundle"):
        parse_bundle([], source_name="memory")


# ----------------------------------------------------------------------------- API


def test_lookups(bundled: Catalog) -> None:
    assert isinstance(bundled.get("AML.TA0002"), Tactic)
    assert isinstance(bundled.get("AML.T0051"), Technique)
    assert isinstance(bundled.get("AML.M0020"), Mitigation)
    assert bundled.get("aml.t0051").id == "AML.T0051"
    assert bundled.get(" T0051.001 ").id == "AML.T0051.001"
    assert bundled.tactic("initial-access").id == "AML.TA0004"
    assert "AML.T0051" in bundled and "AML.M0020" in bundled and "AML.TA0000" in bundled
    assert "m0020" not in bundled  # membership is exact; get() forgives case and prefix
    assert "AML.T9999" not in bundled and 42 not in bundled
    assert bundled.url("AML.M0020") == "https://atlas.mitre.org/mitigations/AML.M0020"
    assert bundled.url("AML.TA0002") == "https://atlas.mitre.org/tactics/AML.TA0002"
    assert len(bundled) == 16 + 170 + 35
    assert len(list(bundled)) == len(bundled)


def test_unknown_ids(bundled: Catalog) -> None:
    with pytest.raises(UnknownIdError) as info:
        bundled.get("AML.T0O51")
    error = info.value
    assert isinstance(error, KeyError) and isinstance(error, InputError)
    assert error.exit_code == 2
    assert "AML.T0051" in error.suggestions
    assert "did you mean" in str(error) and "\n" not in str(error)
    with pytest.raises(KeyError, match="LLM Prompt Injection"):
        bundled.get("llm prompt injection")
    with pytest.raises(UnknownIdError):
        bundled.technique("AML.M0020")
    with pytest.raises(UnknownIdError):
        bundled.mitigation("AML.T0051")
    with pytest.raises(UnknownIdError):
        bundled.tactic("AML.T0051")
    with pytest.raises(UnknownIdError):
        bundled.techniques(tactic="nope")


def test_listings(bundled: Catalog) -> None:
    techniques = bundled.techniques()
    assert len(techniques) == 170
    assert [t.id for t in techniques] == sorted(t.id for t in techniques)
    assert len(bundled.techniques(include_subtechniques=False)) == 101
    access = bundled.techniques(tactic="AML.TA0000")
    assert [t.id for t in access] == ["AML.T0040", "AML.T0041", "AML.T0044", "AML.T0047"]
    assert len(bundled.techniques(tactic="impact")) == 19
    assert len(bundled.techniques(tactic="AML.TA0011", include_subtechniques=False)) == 9
    assert [m.id for m in bundled.mitigations()][:2] == ["AML.M0000", "AML.M0001"]


def test_links(bundled: Catalog) -> None:
    direct = [m.id for m in bundled.mitigations_for("AML.T0051.001")]
    assert direct == ["AML.M0024", "AML.M0033"]
    with_parent = [m.id for m in bundled.mitigations_for("AML.T0051.001", include_parent=True)]
    assert with_parent == T0051_MITIGATIONS
    subs = bundled.mitigations_for("AML.T0052", include_subtechniques=True)
    assert {"AML.M0018", "AML.M0034"} <= {m.id for m in subs}
    assert bundled.parent("AML.T0051.001") == bundled.technique("AML.T0051")
    assert bundled.parent("AML.T0051") is None
    assert [t.id for t in bundled.subtechniques("AML.T0051")] == [
        "AML.T0051.000",
        "AML.T0051.001",
        "AML.T0051.002",
    ]
    assert bundled.subtechniques("AML.T0040") == []
    techniques = [t.id for t in bundled.techniques_for("AML.M0034")]
    assert "AML.T0052.001" in techniques and "AML.T0088" in techniques
    assert [t.id for t in bundled.tactics_of("AML.T0015")] == [
        "AML.TA0004",
        "AML.TA0007",
        "AML.TA0011",
    ]
    for mitigation in bundled.mitigations():
        for technique in bundled.techniques_for(mitigation.id):
            assert mitigation in bundled.mitigations_for(technique.id)


def test_dataframes(bundled: Catalog) -> None:
    tactics = bundled.tactics_df()
    assert list(tactics.index) == MATRIX_ORDER
    assert tactics.loc["AML.TA0000", "techniques"] == 4
    techniques = bundled.techniques_df()
    assert len(techniques) == 170
    assert techniques.loc["AML.T0051.001", "display_name"] == "LLM Prompt Injection: Indirect"
    assert techniques.loc["AML.T0051", "mitigation_count"] == 6
    assert int(techniques["is_subtechnique"].sum()) == 69
    mitigations = bundled.mitigations_df()
    assert len(mitigations) == 35
    assert int(mitigations["technique_count"].sum()) == 246


def test_public_names() -> None:
    for name in catalog_pkg.__all__:
        assert hasattr(catalog_pkg, name), name
    assert {"load_catalog", "Catalog", "load_guidelines", "UnknownIdError"} <= set(
        catalog_pkg.__all__
    )


def test_objects_are_frozen(bundled: Catalog) -> None:
    technique = bundled.technique("AML.T0051")
    with pytest.raises(AttributeError):
        technique.name = "changed"  # type: ignore[misc]


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'{"type": "bundle", "objects": [', "truncated"),
        (b'{"type": "bundle", "objects": [}', "not valid JSON"),
        (b"", "empty"),
        (b"[1, 2, 3]", "not a STIX bundle"),
        (b'{"type": "report", "objects": []}', "not a STIX bundle"),
        (b'{"type": "bundle", "objects": {}}', "not a list"),
        (b'"just a string"', "not a STIX bundle"),
        (b'{"type": "bundle", "id": "bundle--1", "objects": []}', "no ATLAS tactics"),
        (
            b'{"type": "bundle", "objects": [{"type": "attack-pattern", "id": "attack-pattern--1",'
            b' "name": "x"}]}',
            "no ATLAS tactics",
        ),
        ('{"type": "bundle", "objects": []}'.encode("utf-16"), "not UTF-8"),
        (b'{"type": "bundle", "name": "caf\xe9"}', "not UTF-8"),
        (b"[" * 100_000, "JSON"),
    ],
)
def test_bad_files_raise_catalog_error(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "broken.json"
    path.write_bytes(content)
    with pytest.raises(CatalogError) as info:
        load_catalog(path)
    message = str(info.value)
    assert expected in message
    assert message.startswith(str(path))
    assert "\n" not in message
    assert info.value.__cause__ is None
    assert info.value.exit_code == 2


def test_truncated_official_bundle(upstream_dir: Path, tmp_path: Path) -> None:
    data = (upstream_dir / "stix-atlas.json").read_bytes()
    path = tmp_path / "stix-atlas.json"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CatalogError, match="truncated"):
        load_catalog(path)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="no such file"):
        load_catalog(tmp_path / "absent.json")
    with pytest.raises(CatalogError, match="is a folder"):
        load_catalog(tmp_path)


def test_duplicate_atlas_ids_are_an_error(tmp_path: Path) -> None:
    bundle = minimal_bundle()
    twin = dict(bundle["objects"][5], id="attack-pattern--twin")
    bundle["objects"].append(twin)
    with pytest.raises(CatalogError, match=r"AML\.T0002"):
        load_catalog(write_json(tmp_path / "b.json", bundle))


# ----------------------------------------------------------------------------- builder


def test_builder_reproduces_the_committed_files(builder: ModuleType, upstream_dir: Path) -> None:
    files = builder.build(upstream_dir, ATLAS_DIR)
    assert set(files) == {"atlas-catalog.json", "README.md"}
    for name, text in files.items():
        assert (ATLAS_DIR / name).read_bytes() == text.encode("utf-8"), f"{name} is stale"
    again = builder.build(upstream_dir, ATLAS_DIR)
    assert again == files  # deterministic


def test_builder_records_inputs(builder: ModuleType, upstream_dir: Path) -> None:
    data = json.loads(bundled_catalog_path().read_text(encoding="utf-8"))
    (collection,) = [o for o in data["objects"] if o["type"] == "x-mitre-collection"]
    digests = {s["file"]: s["sha256"] for s in collection["x_workbench_sources"]}
    for name, digest in digests.items():
        assert hashlib.sha256((upstream_dir / name).read_bytes()).hexdigest() == digest


def test_builder_check_mode(upstream_dir: Path, tmp_path: Path) -> None:
    script = REPO / "scripts" / "build_catalog.py"
    ok = subprocess.run(
        [sys.executable, str(script), "--check", "--upstream", str(upstream_dir)],
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stderr
    work = tmp_path / "atlas"
    work.mkdir()
    for name in ("descriptions.yaml", "corrections.yaml", "README.md", "atlas-catalog.json"):
        (work / name).write_bytes((ATLAS_DIR / name).read_bytes())
    (work / "atlas-catalog.json").write_text("{}", encoding="utf-8")
    stale = subprocess.run(
        [
            sys.executable,
            str(script),
            "--check",
            "--upstream",
            str(upstream_dir),
            "--output-dir",
            str(work),
        ],
        capture_output=True,
        text=True,
    )
    assert stale.returncode == 1
    assert "atlas-catalog.json" in stale.stderr


def test_builder_rejects_copied_or_missing_descriptions(
    builder: ModuleType, upstream_dir: Path, tmp_path: Path
) -> None:
    work = tmp_path / "atlas"
    work.mkdir()
    (work / "corrections.yaml").write_bytes((ATLAS_DIR / "corrections.yaml").read_bytes())
    data = yaml.safe_load((ATLAS_DIR / "descriptions.yaml").read_text(encoding="utf-8"))
    official = load_catalog(upstream_dir / "stix-atlas.json")
    data["techniques"]["AML.T0051"] = official.technique("AML.T0051").description
    del data["mitigations"]["AML.M0000"]
    (work / "descriptions.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(builder.BuildError) as info:
        builder.build(upstream_dir, work)
    assert "techniques.AML.T0051: shares upstream wording" in str(info.value)
    assert "mitigations.AML.M0000: no description" in str(info.value)


def test_builder_rejects_a_stale_correction(
    builder: ModuleType, upstream_dir: Path, tmp_path: Path
) -> None:
    upstream = tmp_path / "upstream"
    upstream.mkdir()
    (upstream / "ATLAS.yaml").write_bytes((upstream_dir / "ATLAS.yaml").read_bytes())
    bundle = json.loads((upstream_dir / "stix-atlas.json").read_text(encoding="utf-8"))
    official = load_catalog(upstream_dir / "stix-atlas.json")
    bundle["objects"].append(
        {
            "type": "relationship",
            "spec_version": "2.1",
            "id": "relationship--00000000-0000-5000-8000-000000000000",
            "created": "2026-04-22T00:00:00.000Z",
            "modified": "2026-04-22T00:00:00.000Z",
            "relationship_type": "mitigates",
            "source_ref": official.mitigation("AML.M0018").stix_id,
            "target_ref": official.technique("AML.T0052.001").stix_id,
        }
    )
    write_json(upstream / "stix-atlas.json", bundle)
    with pytest.raises(builder.BuildError, match="remove the correction"):
        builder.build(upstream, ATLAS_DIR)


def test_docstring_examples_run() -> None:
    import doctest

    import workbench.catalog.atlas
    import workbench.catalog.guidelines

    for module in (catalog_pkg, workbench.catalog.atlas, workbench.catalog.guidelines):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0, module.__name__


def test_loading_the_bundled_file_by_path_counts_as_bundled() -> None:
    catalog = load_catalog(str(bundled_catalog_path()))
    assert catalog.bundled is True
    assert catalog.version_source == "bundle metadata"
