#!/usr/bin/env python3
"""Build the bundled ATLAS catalog, ``catalogs/atlas/atlas-catalog.json``.

Inputs:

- the official ATLAS STIX 2.1 bundle ``stix-atlas.json`` and ``ATLAS.yaml``
  (maturity, mitigation category, version) from ``--upstream DIR``
  (default: ``../shared/upstream/atlas`` beside the repository, or
  ``$WORKBENCH_SHARED_DIR/upstream/atlas``);
- ``catalogs/atlas/descriptions.yaml``: the project's own short description of
  every tactic, technique and mitigation (MITRE's description text is not
  copied into the catalog; each object links to its atlas.mitre.org page);
- ``catalogs/atlas/corrections.yaml``: documented corrections of upstream data.

The output is a STIX 2.1 bundle built with the ``stix2`` library: ATLAS facts
(ids, STIX ids, names, tactic membership, links, maturity, category) from
upstream, relationships with deterministic unique ids (upstream reuses one id
for many links), sorted objects and keys, and timestamps taken from the
upstream data, so a rebuild is byte-identical. ``catalogs/atlas/README.md`` is
written too.

Usage::

    python scripts/build_catalog.py            # (re)write the files
    python scripts/build_catalog.py --check    # exit 1 if the files are stale
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import stix2
import yaml
from stix2.properties import (
    DictionaryProperty,
    ListProperty,
    ReferenceProperty,
    StringProperty,
)
from stix2.v21 import ExternalReference

REPO = Path(__file__).resolve().parents[1]
CATALOG_DIR = REPO / "catalogs" / "atlas"
OUTPUT_NAME = "atlas-catalog.json"
README_NAME = "README.md"

#: Namespace of the project's deterministic STIX ids (uuid5).
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/ai-threat-workbench/atlas-catalog")
COLLECTION_ID = f"x-mitre-collection--{uuid.uuid5(NAMESPACE, 'atlas-catalog')}"

UPSTREAM_FILES = {
    "stix-atlas.json": "mitre-atlas/atlas-navigator-data, dist/stix-atlas.json",
    "ATLAS.yaml": "mitre-atlas/atlas-data, dist/ATLAS.yaml",
}
ATLAS_TYPES = ("x-mitre-tactic", "attack-pattern", "course-of-action")
SECTION_OF_TYPE = {
    "x-mitre-tactic": "tactics",
    "attack-pattern": "techniques",
    "course-of-action": "mitigations",
}
TYPE_RANK = {
    "x-mitre-collection": 0,
    "x-mitre-matrix": 1,
    "x-mitre-tactic": 2,
    "attack-pattern": 3,
    "course-of-action": 4,
    "relationship": 5,
}
MAX_SHARED_WORDS = 8  # descriptions may not share this many consecutive words upstream


class BuildError(Exception):
    """The inputs cannot produce a catalog; the message says why."""


# ----------------------------------------------------------------- custom STIX objects


@stix2.CustomObject(
    "x-mitre-tactic",
    [
        ("name", StringProperty(required=True)),
        ("description", StringProperty()),
        ("external_references", ListProperty(ExternalReference)),
        ("x_mitre_shortname", StringProperty(required=True)),
    ],
)
class XMitreTactic:
    """An ATLAS tactic (the ATT&CK-style custom object)."""


@stix2.CustomObject(
    "x-mitre-matrix",
    [
        ("name", StringProperty(required=True)),
        ("description", StringProperty()),
        ("external_references", ListProperty(ExternalReference)),
        (
            "tactic_refs",
            ListProperty(
                ReferenceProperty(valid_types=["x-mitre-tactic"], spec_version="2.1"),
                required=True,
            ),
        ),
    ],
)
class XMitreMatrix:
    """The ATLAS matrix: its tactic_refs give the tactic order."""


@stix2.CustomObject(
    "x-mitre-collection",
    [
        ("name", StringProperty(required=True)),
        ("description", StringProperty()),
        ("x_mitre_version", StringProperty()),
        ("x_mitre_attack_spec_version", StringProperty()),
        ("x_mitre_contents", ListProperty(DictionaryProperty(spec_version="2.1"))),
        ("x_atlas_version", StringProperty(required=True)),
        ("x_workbench_sources", ListProperty(DictionaryProperty(spec_version="2.1"))),
    ],
)
class XMitreCollection:
    """What the catalog holds, its ATLAS version and the digests of its inputs."""


# ----------------------------------------------------------------- helpers


def _new(cls: Any, **kwargs: Any) -> Any:
    """Instantiate a stix2 custom object class (their keyword arguments are dynamic)."""
    return cls(**kwargs)


def words(text: str) -> list[str]:
    """Lower-case words without punctuation, for the shared-phrase check."""
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).split()


def ngrams(text: str, size: int = MAX_SHARED_WORDS) -> set[tuple[str, ...]]:
    w = words(text)
    return {tuple(w[i : i + size]) for i in range(len(w) - size + 1)}


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def atlas_id(obj: dict[str, Any]) -> str:
    for ref in obj.get("external_references") or ():
        if ref.get("source_name") == "mitre-atlas" and str(ref.get("external_id", "")).startswith(
            "AML."
        ):
            return str(ref["external_id"])
    raise BuildError(f"{obj.get('id')}: no mitre-atlas external id")


def atlas_ref(obj: dict[str, Any]) -> dict[str, str]:
    for ref in obj.get("external_references") or ():
        if ref.get("source_name") == "mitre-atlas":
            return {k: ref[k] for k in ("source_name", "url", "external_id") if k in ref}
    raise BuildError(f"{obj.get('id')}: no mitre-atlas external reference")


def relationship_id(relationship_type: str, source_ref: str, target_ref: str) -> str:
    key = f"{relationship_type}|{source_ref}|{target_ref}"
    return f"relationship--{uuid.uuid5(NAMESPACE, key)}"


def load_yaml(path: Path) -> Any:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.load(handle, Loader=loader)
    except FileNotFoundError:
        raise BuildError(f"{path}: no such file") from None
    except yaml.YAMLError as exc:
        raise BuildError(f"{path}: not valid YAML ({exc})") from None


def default_upstream() -> Path:
    shared = os.environ.get("WORKBENCH_SHARED_DIR")
    base = Path(shared) if shared else REPO.parent / "shared"
    return base / "upstream" / "atlas"


# ----------------------------------------------------------------- build


def build(upstream: Path, catalog_dir: Path = CATALOG_DIR) -> dict[str, str]:
    """Return the generated files (name -> text) for ``catalog_dir``."""
    raw: dict[str, bytes] = {}
    for name in UPSTREAM_FILES:
        try:
            raw[name] = (upstream / name).read_bytes()
        except FileNotFoundError:
            raise BuildError(f"{upstream / name}: no such file (use --upstream DIR)") from None
    bundle = json.loads(raw["stix-atlas.json"].decode("utf-8"))
    atlas_yaml = yaml.load(raw["ATLAS.yaml"], Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    version = str(atlas_yaml["version"])
    descriptions = load_yaml(catalog_dir / "descriptions.yaml")
    corrections = (load_yaml(catalog_dir / "corrections.yaml") or {}).get("corrections") or []

    objects = [o for o in bundle["objects"] if isinstance(o, dict)]
    atlas_objects = [o for o in objects if o.get("type") in ATLAS_TYPES]
    by_stix = {o["id"]: o for o in atlas_objects}
    id_of = {o["id"]: atlas_id(o) for o in atlas_objects}
    stix_of = {v: k for k, v in id_of.items()}

    # ATLAS.yaml: maturity, category; and a cross-check of ids and names
    matrix_yaml = atlas_yaml["matrices"][0]
    yaml_items = {
        item["id"]: item
        for key in ("tactics", "techniques", "mitigations")
        for item in matrix_yaml.get(key) or ()
    }
    stix_names = {id_of[o["id"]]: o["name"] for o in atlas_objects}
    if set(yaml_items) != set(stix_names):
        diff = sorted(set(yaml_items) ^ set(stix_names))
        raise BuildError(f"ATLAS.yaml and stix-atlas.json hold different ids: {diff[:10]}")
    for key, item in yaml_items.items():
        if item["name"] != stix_names[key]:
            raise BuildError(f"{key}: name differs between ATLAS.yaml and stix-atlas.json")

    check_descriptions(descriptions, atlas_objects, id_of, objects, atlas_yaml)
    fixes: dict[str, dict[str, str]] = {}  # STIX id -> {modified, correction}
    for number, correction in enumerate(corrections, start=1):
        if isinstance(correction, dict) and correction.get("kind") == "fix_modified":
            fix_modified(number, correction, stix_of, by_stix, fixes)

    stix_objects: list[Any] = []
    for obj in atlas_objects:
        aid = id_of[obj["id"]]
        text = descriptions[SECTION_OF_TYPE[obj["type"]]][aid].strip()
        fix = fixes.get(obj["id"], {})
        common: dict[str, Any] = {
            "id": obj["id"],
            "created": obj["created"],
            "modified": fix.get("modified", obj["modified"]),
            "name": obj["name"],
            "description": text,
            "external_references": [atlas_ref(obj)],
        }
        if obj["type"] == "x-mitre-tactic":
            if "correction" in fix:
                common["x_workbench_correction"] = fix["correction"]
            stix_objects.append(
                _new(
                    XMitreTactic,
                    x_mitre_shortname=obj["x_mitre_shortname"],
                    allow_custom=True,
                    **common,
                )
            )
        elif obj["type"] == "attack-pattern":
            custom: dict[str, Any] = {"x_mitre_platforms": obj.get("x_mitre_platforms", ["ATLAS"])}
            if "correction" in fix:
                custom["x_workbench_correction"] = fix["correction"]
            if obj.get("x_mitre_is_subtechnique") is True:
                custom["x_mitre_is_subtechnique"] = True
            maturity = yaml_items[aid].get("maturity")
            if maturity:
                custom["x_atlas_maturity"] = str(maturity)
            stix_objects.append(
                stix2.AttackPattern(
                    kill_chain_phases=obj.get("kill_chain_phases") or [],
                    custom_properties=custom,
                    **common,
                )
            )
        else:
            category = yaml_items[aid].get("category")
            custom = {"x_workbench_correction": fix["correction"]} if "correction" in fix else {}
            if isinstance(category, list) and category:
                custom["x_atlas_category"] = ", ".join(str(c) for c in category)
            elif isinstance(category, str) and category:
                custom["x_atlas_category"] = category
            stix_objects.append(stix2.CourseOfAction(custom_properties=custom, **common))

    # relationships: one per distinct (type, source, target), never upstream ids
    links: dict[tuple[str, str, str], dict[str, Any]] = {}
    for rel in objects:
        if rel.get("type") != "relationship":
            continue
        key = (rel["relationship_type"], rel["source_ref"], rel["target_ref"])
        if key[1] not in by_stix or key[2] not in by_stix:
            raise BuildError(f"relationship {rel['id']} refers to an object not in the bundle")
        seen = links.get(key)
        if seen is None:
            links[key] = {"created": rel["created"], "modified": rel["modified"]}
        else:
            seen["created"] = min(seen["created"], rel["created"])
            seen["modified"] = max(seen["modified"], rel["modified"])
    for number, correction in enumerate(corrections, start=1):
        if isinstance(correction, dict) and correction.get("kind") == "fix_modified":
            continue
        apply_correction(number, correction, links, stix_of, by_stix)
    for (rel_type, source_ref, target_ref), info in links.items():
        custom = {}
        if "correction" in info:
            custom["x_workbench_correction"] = info["correction"]
        stix_objects.append(
            stix2.Relationship(
                id=relationship_id(rel_type, source_ref, target_ref),
                created=info["created"],
                modified=info["modified"],
                relationship_type=rel_type,
                source_ref=source_ref,
                target_ref=target_ref,
                custom_properties=custom,
            )
        )

    matrices = [o for o in objects if o.get("type") == "x-mitre-matrix"]
    if len(matrices) != 1:
        raise BuildError(f"expected one x-mitre-matrix upstream, found {len(matrices)}")
    matrix = matrices[0]
    stix_objects.append(
        _new(
            XMitreMatrix,
            id=matrix["id"],
            created=matrix["created"],
            modified=matrix["modified"],
            name=matrix["name"],
            description=(
                "The ATLAS matrix; tactic_refs list the tactics in the order "
                "an attack on an AI system usually unfolds."
            ),
            external_references=matrix.get("external_references") or [],
            tactic_refs=matrix["tactic_refs"],
            allow_custom=True,
        )
    )

    def sort_key(obj: Any) -> tuple[int, str, str, str, str]:
        if obj["type"] == "relationship":
            return (
                TYPE_RANK["relationship"],
                obj["relationship_type"],
                id_of[obj["source_ref"]],
                id_of[obj["target_ref"]],
                obj["id"],
            )
        ext = id_of.get(obj["id"], "")
        return (TYPE_RANK[obj["type"]], ext, "", "", obj["id"])

    stix_objects.sort(key=sort_key)
    upstream_collection = next((o for o in objects if o.get("type") == "x-mitre-collection"), {})
    latest = max(str(o["modified"]) for o in objects if "modified" in o)
    contents = [
        {"object_ref": o["id"], "object_modified": _timestamp(o["modified"])} for o in stix_objects
    ]
    sources = [
        {
            "file": name,
            "origin": origin,
            "sha256": hashlib.sha256(raw[name]).hexdigest(),
        }
        for name, origin in UPSTREAM_FILES.items()
    ]
    collection = _new(
        XMitreCollection,
        id=COLLECTION_ID,
        created=latest,
        modified=latest,
        name="ATLAS",
        description=(
            f"MITRE ATLAS {version} tactics, techniques and mitigations as bundled with "
            "AI Threat Workbench: ATLAS facts with the project's own short descriptions and "
            "documented corrections (catalogs/atlas/corrections.yaml). Full descriptions: "
            "https://atlas.mitre.org"
        ),
        x_mitre_version=str(upstream_collection.get("x_mitre_version") or "0.1"),
        x_mitre_attack_spec_version=str(
            upstream_collection.get("x_mitre_attack_spec_version") or "2.1.0"
        ),
        x_mitre_contents=contents,
        x_atlas_version=version,
        x_workbench_sources=sources,
        allow_custom=True,
    )
    stix_objects.insert(0, collection)

    out_bundle = stix2.Bundle(
        objects=stix_objects,
        id=f"bundle--{uuid.uuid5(NAMESPACE, f'atlas-catalog|{version}')}",
        allow_custom=True,
    )
    text = out_bundle.serialize(sort_keys=True, indent=1, ensure_ascii=False) + "\n"
    check_output(text, len(links))
    counts = _counts(stix_objects)
    return {
        OUTPUT_NAME: text,
        README_NAME: readme(version, counts, sources),
    }


def _timestamp(value: Any) -> str:
    """The STIX text of a timestamp, as the object serialises it."""
    return str(stix2.utils.format_datetime(value))


def check_descriptions(
    descriptions: Any,
    atlas_objects: list[dict[str, Any]],
    id_of: dict[str, str],
    objects: list[dict[str, Any]],
    atlas_yaml: Any,
) -> None:
    """Every object needs a description of ours that copies no upstream phrasing."""
    if not isinstance(descriptions, dict):
        raise BuildError("descriptions.yaml: expected sections tactics, techniques, mitigations")
    problems: list[str] = []
    upstream_grams: set[tuple[str, ...]] = set()
    for obj in objects:
        for text in _strings(obj.get("description")):
            upstream_grams |= ngrams(text)
    for text in _strings(atlas_yaml):
        upstream_grams |= ngrams(text)
    expected: dict[str, set[str]] = {section: set() for section in SECTION_OF_TYPE.values()}
    for obj in atlas_objects:
        expected[SECTION_OF_TYPE[obj["type"]]].add(id_of[obj["id"]])
    for section, ids in expected.items():
        given = descriptions.get(section) or {}
        for missing in sorted(ids - set(given)):
            problems.append(f"{section}.{missing}: no description")
        for extra in sorted(set(given) - ids):
            problems.append(f"{section}.{extra}: not an ATLAS id of this release")
        for key, text in sorted(given.items()):
            if not isinstance(text, str) or not text.strip():
                problems.append(f"{section}.{key}: empty description")
                continue
            shared = ngrams(text) & upstream_grams
            if shared:
                phrase = " ".join(sorted(shared)[0])
                problems.append(f"{section}.{key}: shares upstream wording ({phrase!r})")
    if problems:
        raise BuildError("descriptions.yaml:\n  " + "\n  ".join(problems))


def fix_modified(
    number: int,
    correction: dict[str, Any],
    stix_of: dict[str, str],
    by_stix: dict[str, dict[str, Any]],
    fixes: dict[str, dict[str, str]],
) -> None:
    where = f"corrections.yaml: correction {number}"
    reason = " ".join(str(correction.get("reason") or "").split())
    if not reason:
        raise BuildError(f"{where}: a reason is required")
    target = str(correction.get("object"))
    if target not in stix_of:
        raise BuildError(f"{where}: {target} is not in the upstream bundle")
    obj = by_stix[stix_of[target]]
    if obj["modified"] >= obj["created"]:
        raise BuildError(
            f"{where}: upstream {target} no longer has modified before created; "
            "remove the correction"
        )
    value = str(correction.get("modified") or "")
    if not re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$", value) or value < obj["created"]:
        raise BuildError(f"{where}: modified must be a STIX timestamp not before created")
    fixes[obj["id"]] = {"modified": value, "correction": reason}


def apply_correction(
    number: int,
    correction: Any,
    links: dict[tuple[str, str, str], dict[str, Any]],
    stix_of: dict[str, str],
    by_stix: dict[str, dict[str, Any]],
) -> None:
    where = f"corrections.yaml: correction {number}"
    if not isinstance(correction, dict) or correction.get("kind") != "add_link":
        raise BuildError(f"{where}: kind must be add_link or fix_modified")
    reason = " ".join(str(correction.get("reason") or "").split())
    if not reason:
        raise BuildError(f"{where}: a reason is required")
    rel_type = str(correction.get("relationship_type") or "")
    source, target = str(correction.get("source")), str(correction.get("target"))
    if rel_type not in ("mitigates", "subtechnique-of"):
        raise BuildError(f"{where}: unsupported relationship_type {rel_type!r}")
    for end in (source, target):
        if end not in stix_of:
            raise BuildError(f"{where}: {end} is not in the upstream bundle")
    key = (rel_type, stix_of[source], stix_of[target])
    if key in links:
        raise BuildError(
            f"{where}: upstream already links {source} {rel_type} {target}; remove the correction"
        )
    modified = by_stix[stix_of[source]]["modified"]
    links[key] = {"created": modified, "modified": modified, "correction": reason}


def check_output(text: str, expected_relationships: int) -> None:
    """Re-read the output: unique ids, every reference resolves."""
    data = json.loads(text)
    ids = [o["id"] for o in data["objects"]]
    if len(ids) != len(set(ids)):
        raise BuildError("the built bundle has duplicate ids")
    known = set(ids)
    for obj in data["objects"]:
        for key in ("source_ref", "target_ref"):
            if key in obj and obj[key] not in known:
                raise BuildError(f"{obj['id']}: {key} {obj[key]} does not resolve")
    rels = sum(1 for o in data["objects"] if o["type"] == "relationship")
    if rels != expected_relationships:
        raise BuildError(f"expected {expected_relationships} relationships, built {rels}")


def _counts(stix_objects: list[Any]) -> dict[str, int]:
    techniques = [o for o in stix_objects if o["type"] == "attack-pattern"]
    subs = sum(1 for o in techniques if o.get("x_mitre_is_subtechnique") is True)
    rels = [o for o in stix_objects if o["type"] == "relationship"]
    return {
        "tactics": sum(1 for o in stix_objects if o["type"] == "x-mitre-tactic"),
        "techniques": len(techniques) - subs,
        "subtechniques": subs,
        "mitigations": sum(1 for o in stix_objects if o["type"] == "course-of-action"),
        "mitigates": sum(1 for o in rels if o["relationship_type"] == "mitigates"),
        "subtechnique_of": sum(1 for o in rels if o["relationship_type"] == "subtechnique-of"),
        "corrections": sum(1 for o in rels if "x_workbench_correction" in o),
        "fixed_objects": sum(
            1 for o in stix_objects if o["type"] != "relationship" and "x_workbench_correction" in o
        ),
    }


def readme(version: str, counts: dict[str, int], sources: list[dict[str, str]]) -> str:
    c = counts
    digests = "\n".join(f"| `{s['file']}` | {s['origin']} | `{s['sha256']}` |" for s in sources)
    return f"""# Bundled MITRE ATLAS catalog

Generated by `scripts/build_catalog.py`; do not edit `atlas-catalog.json` or this
file by hand.

ATLAS version: **{version}**

| file | what it is |
|---|---|
| `atlas-catalog.json` | the STIX 2.1 bundle that `workbench.catalog.load_catalog()` reads |
| `descriptions.yaml` | the project's own short description of every object (input) |
| `corrections.yaml` | documented corrections of the upstream data (input) |
| `README.md` | this file |

Contents:

- {c["tactics"]} tactics, {c["techniques"]} techniques, {c["subtechniques"]} sub-techniques
- {c["mitigations"]} mitigations
- {c["mitigates"]} `mitigates` relationships ({c["corrections"]} restored by `corrections.yaml`)
- {c["subtechnique_of"]} `subtechnique-of` relationships
- {c["fixed_objects"]} objects with a corrected `modified` timestamp (upstream has it before
  `created`)

What the bundle holds: ATLAS facts (ids, official STIX ids, names, tactic
membership, sub-technique and mitigation links, maturity as `x_atlas_maturity`,
mitigation category as `x_atlas_category`) and a link to each object's page on
https://atlas.mitre.org. MITRE's own description texts are not included: read
them on the ATLAS site. Relationships get deterministic unique ids (uuid5 of
`relationship_type|source_ref|target_ref`), because the official bundle reuses
one id for several links. The `x-mitre-collection` object records the ATLAS
version (`x_atlas_version`) and the SHA-256 of the upstream inputs.

Upstream inputs:

| file | from | SHA-256 |
|---|---|---|
{digests}

## Credit and license

MITRE ATLAS (Adversarial Threat Landscape for Artificial-Intelligence
Systems), https://atlas.mitre.org, © The MITRE Corporation, published under
the Apache License 2.0. This catalog is derived from it; the descriptions are
the project's own.

## Rebuilding

```
python scripts/build_catalog.py --upstream ../shared/upstream/atlas
python scripts/build_catalog.py --check    # exit 1 if these files are stale
```

For a new ATLAS release, replace the upstream files, add descriptions for new
ids to `descriptions.yaml`, drop corrections that upstream has fixed (the build
fails while a correction is no longer needed) and rebuild.
"""


# ----------------------------------------------------------------- command line


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--upstream",
        type=Path,
        default=None,
        help="folder with stix-atlas.json and ATLAS.yaml (default: ../shared/upstream/atlas)",
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=CATALOG_DIR,
        help="catalog folder with descriptions.yaml and corrections.yaml (default: catalogs/atlas)",
    )
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the committed files differ from a build"
    )
    args = parser.parse_args(argv)
    upstream: Path = args.upstream or default_upstream()
    out_dir: Path = args.output_dir
    try:
        files = build(upstream, out_dir)
    except BuildError as exc:
        print(f"build_catalog: {exc}", file=sys.stderr)
        return 2
    if args.check:
        stale = []
        for name, text in files.items():
            path = out_dir / name
            if not path.is_file() or path.read_bytes() != text.encode("utf-8"):
                stale.append(name)
        if stale:
            print(
                f"build_catalog: out of date in {out_dir}: {', '.join(stale)} "
                "(run python scripts/build_catalog.py)",
                file=sys.stderr,
            )
            return 1
        print(f"build_catalog: {out_dir} is up to date")
        return 0
    for name, text in files.items():
        (out_dir / name).write_bytes(text.encode("utf-8"))
    print(f"build_catalog: wrote {', '.join(files)} to {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
