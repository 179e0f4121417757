"""The MITRE ATLAS catalog: tactics, techniques, mitigations and their links.

:func:`load_catalog` reads a STIX 2.1 bundle with :mod:`json` (not with the
``stix2`` library: that is about 40 times slower, and any id-keyed store drops
links because the official bundle reuses one relationship id for many
``mitigates`` links). Relationships are read one by one and never keyed on
their id.

Without a source the project's bundled catalog is loaded
(``catalogs/atlas/atlas-catalog.json``, built by ``scripts/build_catalog.py``).

>>> from workbench.catalog import load_catalog
>>> catalog = load_catalog()
>>> catalog.technique("AML.T0051.001").display_name
'LLM Prompt Injection: Indirect'
>>> [m.id for m in catalog.mitigations_for("AML.T0051")][:3]
['AML.M0019', 'AML.M0020', 'AML.M0021']
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench._resources import catalog_path
from workbench.errors import CatalogError, InputError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "ATLAS_URL",
    "KNOWN_BUNDLE_DIGESTS",
    "AtlasObject",
    "Catalog",
    "Mitigation",
    "Tactic",
    "Technique",
    "UnknownIdError",
    "bundled_catalog_path",
    "load_catalog",
    "parse_bundle",
]

ATLAS_URL = "https://atlas.mitre.org"

#: SHA-256 digests of official ``stix-atlas.json`` bundles and their ATLAS version.
KNOWN_BUNDLE_DIGESTS: Mapping[str, str] = {
    # mitre-atlas/atlas-navigator-data dist/stix-atlas.json at 6f66878 (2026-04-30)
    "a1bd782257de3c8591797ac863aa9b37fe4ae42ef9284bee98bfc2661fdd1c06": "5.6.0",
}

#: Custom properties the bundled catalog adds (read from any bundle that has them).
VERSION_PROPERTY = "x_atlas_version"
MATURITY_PROPERTY = "x_atlas_maturity"
CATEGORY_PROPERTY = "x_atlas_category"

KILL_CHAIN_NAME = "mitre-atlas"
SOURCE_NAME = "mitre-atlas"
MATURITY_LEVELS = ("realized", "demonstrated", "feasible")

_URL_PATHS = (
    (re.compile(r"^AML\.TA\d{4}$"), "tactics"),
    (re.compile(r"^AML\.T\d{4}(\.\d{3})?$"), "techniques"),
    (re.compile(r"^AML\.M\d{4}$"), "mitigations"),
    (re.compile(r"^AML\.CS\d{4}$"), "studies"),
)
_BARE_ID = re.compile(r"^(TA|T|M|CS)\d{4}(\.\d{3})?$")

# Object types that carry no catalog content but are normal in a STIX bundle.
_QUIET_TYPES = frozenset({"identity", "marking-definition", "x-mitre-collection"})
_KNOWN_TYPES = (
    frozenset(
        {"x-mitre-tactic", "attack-pattern", "course-of-action", "relationship", "x-mitre-matrix"}
    )
    | _QUIET_TYPES
)


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class Tactic:
    """An ATLAS tactic (a column of the matrix). ``order`` is its 1-based position."""

    id: str
    stix_id: str
    name: str
    shortname: str
    order: int
    url: str
    description: str

    @property
    def kind(self) -> str:
        return "tactic"


@dataclass(frozen=True)
class Technique:
    """An ATLAS technique or sub-technique.

    ``tactics`` holds tactic ids in matrix order; ``parent_id`` is ``None`` for a
    top-level technique; ``maturity`` is realized, demonstrated, feasible or
    ``None`` where the source does not say (official STIX bundles do not).
    """

    id: str
    stix_id: str
    name: str
    display_name: str
    tactics: tuple[str, ...]
    parent_id: str | None
    subtechnique_ids: tuple[str, ...]
    maturity: str | None
    url: str
    description: str

    @property
    def is_subtechnique(self) -> bool:
        return self.parent_id is not None

    @property
    def kind(self) -> str:
        return "subtechnique" if self.parent_id is not None else "technique"


@dataclass(frozen=True)
class Mitigation:
    """An ATLAS mitigation; ``technique_ids`` are the techniques it is linked to."""

    id: str
    stix_id: str
    name: str
    category: str | None
    url: str
    description: str
    technique_ids: tuple[str, ...]

    @property
    def kind(self) -> str:
        return "mitigation"


AtlasObject = Tactic | Technique | Mitigation


class UnknownIdError(InputError, KeyError):
    """An ATLAS id that the catalog does not hold; the message suggests close ids."""

    def __init__(self, atlas_id: str, message: str, suggestions: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.atlas_id = atlas_id
        self.message = message
        self.suggestions: list[str] = list(suggestions)

    def __str__(self) -> str:  # KeyError would show the repr of the message
        return self.message


def atlas_url(atlas_id: str) -> str:
    """Return the atlas.mitre.org page of an ATLAS id (tactic, technique, mitigation, study)."""
    for pattern, folder in _URL_PATHS:
        if pattern.match(atlas_id):
            return f"{ATLAS_URL}/{folder}/{atlas_id}"
    return ATLAS_URL


def normalize_id(text: str) -> str:
    """Normalise how people type ids: ``" aml.t0051 "`` and ``"T0051"`` become ``"AML.T0051"``."""
    value = text.strip().upper()
    if _BARE_ID.match(value):
        value = "AML." + value
    return value


# --------------------------------------------------------------------------- catalog


class Catalog:
    """ATLAS tactics, techniques and mitigations with their links, read-only.

    Build one with :func:`load_catalog`. ``atlas_version`` is the ATLAS version
    the data holds (or ``None``) and ``version_source`` says where it was found:
    ``"option"``, ``"bundle metadata"``, ``"ATLAS.yaml beside the bundle"``,
    ``"known SHA-256 digest"`` or ``"unknown"``. ``warnings`` lists what was
    tolerated while loading (unknown object types, dangling references ...).
    """

    def __init__(
        self,
        tactics: Iterable[Tactic],
        techniques: Iterable[Technique],
        mitigations: Iterable[Mitigation],
        *,
        atlas_version: str | None = None,
        version_source: str = "unknown",
        source: Path | None = None,
        sha256: str | None = None,
        bundled: bool = False,
        warnings: Iterable[str] = (),
    ) -> None:
        self._tactics: dict[str, Tactic] = {t.id: t for t in sorted(tactics, key=_tactic_key)}
        self._techniques: dict[str, Technique] = {t.id: t for t in sorted(techniques, key=_id_key)}
        self._mitigations: dict[str, Mitigation] = {
            m.id: m for m in sorted(mitigations, key=_id_key)
        }
        self.atlas_version = atlas_version
        self.version_source = version_source
        self.source = source
        self.sha256 = sha256
        self.bundled = bundled
        self.warnings: list[str] = list(warnings)
        # technique id -> mitigation ids (sorted)
        links: dict[str, list[str]] = {}
        for mitigation in self._mitigations.values():
            for technique_id in mitigation.technique_ids:
                links.setdefault(technique_id, []).append(mitigation.id)
        self._mitigations_of: dict[str, tuple[str, ...]] = {
            k: tuple(sorted(v)) for k, v in links.items()
        }

    # ----------------------------------------------------------------- basics

    def __repr__(self) -> str:
        counts = self.counts()
        return (
            f"<Catalog ATLAS {self.atlas_version or '?'}: {counts['tactics']} tactics, "
            f"{counts['techniques']} techniques, {counts['subtechniques']} sub-techniques, "
            f"{counts['mitigations']} mitigations>"
        )

    def __contains__(self, atlas_id: object) -> bool:
        """Whether the exact id is in the catalog (lookups with :meth:`get` are forgiving)."""
        if not isinstance(atlas_id, str):
            return False
        return (
            atlas_id in self._techniques
            or atlas_id in self._mitigations
            or atlas_id in self._tactics
        )

    def __iter__(self) -> Iterator[AtlasObject]:
        """Iterate over tactics (matrix order), techniques and mitigations (by id)."""
        yield from self._tactics.values()
        yield from self._techniques.values()
        yield from self._mitigations.values()

    def __len__(self) -> int:
        return len(self._tactics) + len(self._techniques) + len(self._mitigations)

    def _all_ids(self) -> dict[str, AtlasObject]:
        return {**self._tactics, **self._techniques, **self._mitigations}

    # ----------------------------------------------------------------- lookups

    def get(self, atlas_id: str) -> AtlasObject:
        """Return the tactic, technique or mitigation with this id.

        Case and a missing ``AML.`` prefix are forgiven. Raises
        :class:`UnknownIdError` (a ``KeyError``) that suggests close ids.
        """
        for key in (atlas_id, normalize_id(atlas_id)):
            for table in (self._techniques, self._mitigations, self._tactics):
                found = table.get(key)
                if found is not None:
                    return found
        raise self._unknown(atlas_id, "ATLAS id")

    def tactic(self, tactic_id: str) -> Tactic:
        """Return a tactic by id (``AML.TA0004``) or shortname (``initial-access``)."""
        found = self._tactics.get(tactic_id) or self._tactics.get(normalize_id(tactic_id))
        if found is None:
            for tactic in self._tactics.values():
                if tactic.shortname == tactic_id.strip().lower():
                    return tactic
            raise self._unknown(tactic_id, "tactic", self._tactics)
        return found

    def technique(self, technique_id: str) -> Technique:
        """Return a technique or sub-technique by id."""
        found = self._techniques.get(technique_id) or self._techniques.get(
            normalize_id(technique_id)
        )
        if found is None:
            raise self._unknown(technique_id, "technique", self._techniques)
        return found

    def mitigation(self, mitigation_id: str) -> Mitigation:
        """Return a mitigation by id."""
        found = self._mitigations.get(mitigation_id) or self._mitigations.get(
            normalize_id(mitigation_id)
        )
        if found is None:
            raise self._unknown(mitigation_id, "mitigation", self._mitigations)
        return found

    def url(self, atlas_id: str) -> str:
        """Return the atlas.mitre.org page of an id held by the catalog."""
        return self.get(atlas_id).url

    def _unknown(
        self, atlas_id: str, what: str, table: Mapping[str, AtlasObject] | None = None
    ) -> UnknownIdError:
        candidates: Mapping[str, AtlasObject] = table if table is not None else self._all_ids()
        suggestions = _suggest(atlas_id, candidates)
        text = f"unknown {what} {atlas_id!r} in ATLAS {self.atlas_version or '(unknown version)'}"
        if suggestions:
            text += (
                "; did you mean "
                + ", ".join(f"{s} ({candidates[s].name})" for s in suggestions)
                + "?"
            )
        return UnknownIdError(atlas_id, text, suggestions)

    # ----------------------------------------------------------------- listings

    def tactics(self) -> list[Tactic]:
        """Tactics in matrix order."""
        return list(self._tactics.values())

    def techniques(
        self, tactic: str | None = None, include_subtechniques: bool = True
    ) -> list[Technique]:
        """Techniques sorted by id (each sub-technique right after its parent).

        ``tactic`` (an id or shortname) keeps only techniques of that tactic.
        """
        tactic_id = self.tactic(tactic).id if tactic is not None else None
        return [
            t
            for t in self._techniques.values()
            if (include_subtechniques or t.parent_id is None)
            and (tactic_id is None or tactic_id in t.tactics)
        ]

    def mitigations(self) -> list[Mitigation]:
        """Mitigations sorted by id."""
        return list(self._mitigations.values())

    # ----------------------------------------------------------------- links

    def mitigations_for(
        self,
        technique_id: str,
        *,
        include_parent: bool = False,
        include_subtechniques: bool = False,
    ) -> list[Mitigation]:
        """Mitigations linked to a technique, sorted by id.

        ATLAS links each mitigation to a specific technique or sub-technique.
        ``include_parent`` adds the mitigations of a sub-technique's parent;
        ``include_subtechniques`` adds those of a technique's sub-techniques.
        """
        technique = self.technique(technique_id)
        ids = set(self._mitigations_of.get(technique.id, ()))
        if include_parent and technique.parent_id is not None:
            ids.update(self._mitigations_of.get(technique.parent_id, ()))
        if include_subtechniques:
            for sub_id in technique.subtechnique_ids:
                ids.update(self._mitigations_of.get(sub_id, ()))
        return [self._mitigations[i] for i in sorted(ids)]

    def techniques_for(self, mitigation_id: str) -> list[Technique]:
        """Techniques and sub-techniques a mitigation is linked to, sorted by id."""
        mitigation = self.mitigation(mitigation_id)
        return [self._techniques[i] for i in mitigation.technique_ids if i in self._techniques]

    def parent(self, technique_id: str) -> Technique | None:
        """The parent of a sub-technique, or ``None`` for a top-level technique."""
        technique = self.technique(technique_id)
        if technique.parent_id is None:
            return None
        return self._techniques.get(technique.parent_id)

    def subtechniques(self, technique_id: str) -> list[Technique]:
        """The sub-techniques of a technique, sorted by id."""
        technique = self.technique(technique_id)
        return [self._techniques[i] for i in technique.subtechnique_ids]

    def tactics_of(self, technique_id: str) -> list[Tactic]:
        """The tactics of a technique, in matrix order."""
        return [self._tactics[i] for i in self.technique(technique_id).tactics]

    def counts(self) -> dict[str, int]:
        """Numbers of tactics, top-level techniques, sub-techniques, mitigations and links."""
        subs = sum(1 for t in self._techniques.values() if t.parent_id is not None)
        return {
            "tactics": len(self._tactics),
            "techniques": len(self._techniques) - subs,
            "subtechniques": subs,
            "mitigations": len(self._mitigations),
            "mitigates_links": sum(len(m.technique_ids) for m in self._mitigations.values()),
        }

    # ----------------------------------------------------------------- pandas

    def tactics_df(self) -> pd.DataFrame:
        """Tactics as a DataFrame indexed by id, in matrix order."""
        import pandas as pd

        per_tactic: dict[str, int] = {}
        for technique in self._techniques.values():
            for tactic_id in technique.tactics:
                per_tactic[tactic_id] = per_tactic.get(tactic_id, 0) + 1
        rows = [
            {
                "id": t.id,
                "name": t.name,
                "shortname": t.shortname,
                "order": t.order,
                "techniques": per_tactic.get(t.id, 0),
                "url": t.url,
                "description": t.description,
            }
            for t in self._tactics.values()
        ]
        columns = ["id", "name", "shortname", "order", "techniques", "url", "description"]
        return pd.DataFrame(rows, columns=columns).set_index("id")

    def techniques_df(self) -> pd.DataFrame:
        """Techniques and sub-techniques as a DataFrame indexed by id.

        ``tactics`` and ``mitigations`` hold comma-separated ids (matrix order
        and id order); ``mitigation_count`` counts direct links.
        """
        import pandas as pd

        rows = []
        for t in self._techniques.values():
            mitigations = self._mitigations_of.get(t.id, ())
            rows.append(
                {
                    "id": t.id,
                    "name": t.name,
                    "display_name": t.display_name,
                    "parent": t.parent_id,
                    "is_subtechnique": t.parent_id is not None,
                    "tactics": ", ".join(t.tactics),
                    "tactic_names": ", ".join(self._tactics[i].name for i in t.tactics),
                    "maturity": t.maturity,
                    "mitigations": ", ".join(mitigations),
                    "mitigation_count": len(mitigations),
                    "url": t.url,
                    "description": t.description,
                }
            )
        columns = [
            "id", "name", "display_name", "parent", "is_subtechnique", "tactics",
            "tactic_names", "maturity", "mitigations", "mitigation_count", "url", "description",
        ]  # fmt: skip
        return pd.DataFrame(rows, columns=columns).set_index("id")

    def mitigations_df(self) -> pd.DataFrame:
        """Mitigations as a DataFrame indexed by id (``techniques``: comma-separated ids)."""
        import pandas as pd

        rows = [
            {
                "id": m.id,
                "name": m.name,
                "category": m.category,
                "techniques": ", ".join(m.technique_ids),
                "technique_count": len(m.technique_ids),
                "url": m.url,
                "description": m.description,
            }
            for m in self._mitigations.values()
        ]
        columns = ["id", "name", "category", "techniques", "technique_count", "url", "description"]
        return pd.DataFrame(rows, columns=columns).set_index("id")


def _id_key(obj: Technique | Mitigation) -> str:
    return obj.id


def _tactic_key(tactic: Tactic) -> tuple[int, str]:
    return (tactic.order, tactic.id)


def _suggest(query: str, candidates: Mapping[str, AtlasObject], limit: int = 3) -> list[str]:
    """Close ids for a mistyped id, or ids whose name matches the text."""
    text = query.strip()
    norm = normalize_id(text)
    found: list[str] = []
    lowered = text.lower()
    if lowered:
        for key, obj in candidates.items():
            if obj.name.lower() == lowered or (
                isinstance(obj, Technique) and obj.display_name.lower() == lowered
            ):
                found.append(key)
    found += difflib.get_close_matches(norm, list(candidates), n=limit, cutoff=0.75)
    if not found and lowered and len(lowered) >= 4:
        found += [k for k, obj in candidates.items() if lowered in obj.name.lower()]
    unique: list[str] = []
    for key in found:
        if key not in unique:
            unique.append(key)
    return unique[:limit]


# --------------------------------------------------------------------------- loading


def bundled_catalog_path() -> Path:
    """The path of the project's bundled ATLAS catalog."""
    return catalog_path("atlas", "atlas-catalog.json")


def load_catalog(source: str | Path | None = None, *, atlas_version: str | None = None) -> Catalog:
    """Load the bundled ATLAS catalog, or an official ATLAS STIX 2.1 bundle.

    ``atlas_version`` states the ATLAS version of ``source`` when the file does
    not (official bundles carry none); otherwise it is taken from the bundle's
    metadata, an ``ATLAS.yaml`` beside the bundle, or a table of known digests.
    Raises :class:`~workbench.errors.CatalogError` naming the file and the
    problem when the file cannot be used.
    """
    path = bundled_catalog_path() if source is None else Path(source)
    bundled = source is None or _same_file(path, bundled_catalog_path())
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        hint = " (reinstall ai-threat-workbench)" if bundled else ""
        raise CatalogError(f"{path}: no such file{hint}") from None
    except IsADirectoryError:
        raise CatalogError(f"{path}: is a folder, not a STIX bundle file") from None
    except OSError as exc:
        raise CatalogError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    digest = hashlib.sha256(raw).hexdigest()
    data = _decode_json(raw, path)
    parsed = parse_bundle(data, source_name=str(path))
    version, version_from = _resolve_version(
        atlas_version, parsed.pop("bundle_version"), path, digest, parsed["warnings"]
    )
    return Catalog(
        parsed["tactics"],
        parsed["techniques"],
        parsed["mitigations"],
        atlas_version=version,
        version_source=version_from,
        source=path,
        sha256=digest,
        bundled=bundled,
        warnings=parsed["warnings"],
    )


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _decode_json(raw: bytes, path: Path) -> Any:
    if not raw.strip():
        raise CatalogError(f"{path}: the file is empty, expected a STIX 2.1 bundle (JSON)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CatalogError(
            f"{path}: not UTF-8 text (invalid byte at offset {exc.start}); "
            "STIX bundles are JSON in UTF-8"
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        truncated = exc.pos >= len(text.rstrip()) - 1
        hint = " - the file ends early, is it truncated?" if truncated else ""
        raise CatalogError(
            f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}){hint}"
        ) from None
    except RecursionError:
        raise CatalogError(f"{path}: not a STIX bundle (JSON nested too deeply)") from None


def _atlas_ref(obj: Mapping[str, Any]) -> tuple[str, str] | None:
    """The (external_id, url) of the object's mitre-atlas reference, if any."""
    refs = obj.get("external_references")
    if not isinstance(refs, list):
        return None
    for ref in refs:
        if isinstance(ref, dict) and ref.get("source_name") == SOURCE_NAME:
            ext = ref.get("external_id")
            if isinstance(ext, str) and ext.startswith("AML."):
                url = ref.get("url")
                return ext, url if isinstance(url, str) and url else atlas_url(ext)
    return None


def _text(obj: Mapping[str, Any], key: str) -> str:
    value = obj.get(key)
    return value if isinstance(value, str) else ""


_Entry = tuple[dict[str, Any], str, str]


@dataclass
class _Sorted:
    """A bundle's objects sorted by kind in one pass, with what was ignored."""

    tactics: list[_Entry] = field(default_factory=list)
    techniques: list[_Entry] = field(default_factory=list)
    mitigations: list[_Entry] = field(default_factory=list)
    relationships: list[dict[str, Any]] = field(default_factory=list)
    matrices: list[dict[str, Any]] = field(default_factory=list)
    bundle_version: str | None = None
    unknown_types: dict[str, int] = field(default_factory=dict)
    not_atlas: dict[str, int] = field(default_factory=dict)
    revoked: int = 0
    bad_entries: int = 0

    def add(self, obj: Any) -> None:
        if not isinstance(obj, dict):
            self.bad_entries += 1
            return
        kind = obj.get("type")
        if kind == "relationship":
            self.relationships.append(obj)
        elif kind not in _KNOWN_TYPES:
            name = kind if isinstance(kind, str) else "(no type)"
            self.unknown_types[name] = self.unknown_types.get(name, 0) + 1
        elif kind == "x-mitre-matrix":
            self.matrices.append(obj)
        elif kind == "x-mitre-collection":
            value = obj.get(VERSION_PROPERTY)
            if isinstance(value, str) and value.strip():
                self.bundle_version = value.strip()
        elif kind in _QUIET_TYPES:
            return
        elif obj.get("revoked") is True or obj.get("x_mitre_deprecated") is True:
            self.revoked += 1
        else:
            self._add_atlas(obj, kind)

    def _add_atlas(self, obj: dict[str, Any], kind: str) -> None:
        ref = _atlas_ref(obj)
        if ref is None or not isinstance(obj.get("id"), str):
            self.not_atlas[kind] = self.not_atlas.get(kind, 0) + 1
            return
        entry = (obj, ref[0], ref[1])
        if kind == "x-mitre-tactic":
            self.tactics.append(entry)
        elif kind == "attack-pattern":
            self.techniques.append(entry)
        else:
            self.mitigations.append(entry)

    def ignored(self) -> list[str]:
        warnings = [
            f"ignored {count} object(s) of unknown type {name!r}"
            for name, count in sorted(self.unknown_types.items())
        ]
        warnings += [
            f"ignored {count} {name} object(s) without a mitre-atlas id"
            for name, count in sorted(self.not_atlas.items())
        ]
        if self.bad_entries:
            warnings.append(
                f"ignored {self.bad_entries} entries of 'objects' that are not JSON objects"
            )
        if self.revoked:
            warnings.append(f"ignored {self.revoked} revoked or deprecated object(s)")
        return warnings


def _bundle_objects(data: Any, source_name: str) -> list[Any]:
    if not isinstance(data, dict) or data.get("type") != "bundle":
        found = (
            f"a JSON object with type {data.get('type')!r}"
            if isinstance(data, dict)
            else f"a JSON {_json_kind(data)}"
        )
        raise CatalogError(
            f'{source_name}: not a STIX bundle (expected an object with "type": "bundle", '
            f"found {found})"
        )
    objects = data.get("objects")
    if not isinstance(objects, list):
        raise CatalogError(f'{source_name}: not a STIX bundle ("objects" is not a list)')
    return objects


def parse_bundle(data: Any, *, source_name: str = "<bundle>") -> dict[str, Any]:
    """Index a decoded STIX bundle into catalog objects (used by :func:`load_catalog`).

    Returns a dict with ``tactics``, ``techniques``, ``mitigations`` (lists),
    ``bundle_version`` (from the bundle's own metadata, or ``None``) and
    ``warnings``. Raises :class:`CatalogError` for data that is not an ATLAS bundle.
    """
    objects = _bundle_objects(data, source_name)
    bundle = _Sorted()
    for obj in objects:
        bundle.add(obj)
    if not (bundle.tactics or bundle.techniques or bundle.mitigations):
        raise CatalogError(
            f"{source_name}: no ATLAS tactics, techniques or mitigations found "
            f"({len(objects)} objects; is this an ATLAS bundle?)"
        )
    warnings = bundle.ignored()
    tactics = _tactics(bundle, warnings)
    stix_to_atlas = {obj["id"]: atlas_id for obj, atlas_id, _url in bundle.tactics}
    for obj, atlas_id, _url in (*bundle.techniques, *bundle.mitigations):
        stix_to_atlas[obj["id"]] = atlas_id
    parent_of, mitigates = _relationships(bundle, stix_to_atlas, warnings)
    techniques = _techniques(bundle, tactics, parent_of, warnings)
    mitigations = [
        Mitigation(
            id=atlas_id,
            stix_id=obj["id"],
            name=_text(obj, "name"),
            category=_nonempty(obj.get(CATEGORY_PROPERTY)),
            url=url,
            description=_text(obj, "description"),
            technique_ids=tuple(sorted(mitigates.get(atlas_id, ()))),
        )
        for obj, atlas_id, url in bundle.mitigations
    ]
    duplicates = _duplicates(
        [t.id for t in tactics] + [t.id for t in techniques] + [m.id for m in mitigations]
    )
    if duplicates:
        raise CatalogError(
            f"{source_name}: ATLAS ids used by more than one object: {', '.join(duplicates[:5])}"
        )
    return {
        "tactics": tactics,
        "techniques": techniques,
        "mitigations": mitigations,
        "bundle_version": bundle.bundle_version,
        "warnings": warnings,
    }


def _nonempty(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _tactic_order(bundle: _Sorted, warnings: list[str]) -> list[str]:
    """The STIX ids of the tactics in the order of the matrix that names most of them."""
    by_stix = {entry[0]["id"] for entry in bundle.tactics}
    order: list[str] = []
    matrix = max(
        bundle.matrices,
        key=lambda m: sum(1 for r in m.get("tactic_refs") or () if r in by_stix),
        default=None,
    )
    if matrix is None:
        if bundle.tactics:
            warnings.append("no x-mitre-matrix: tactics are ordered by id")
    else:
        for ref in matrix.get("tactic_refs") or ():
            if ref in by_stix and ref not in order:
                order.append(ref)
            elif ref not in by_stix:
                warnings.append(f"the matrix refers to a missing tactic {ref}")
    leftovers = sorted((e for e in bundle.tactics if e[0]["id"] not in order), key=lambda e: e[1])
    if matrix is not None and leftovers:
        warnings.append(
            "tactics not in the matrix, placed last: " + ", ".join(e[1] for e in leftovers)
        )
    return order + [e[0]["id"] for e in leftovers]


def _tactics(bundle: _Sorted, warnings: list[str]) -> list[Tactic]:
    by_stix = {entry[0]["id"]: entry for entry in bundle.tactics}
    tactics: list[Tactic] = []
    for position, stix_id in enumerate(_tactic_order(bundle, warnings), start=1):
        obj, atlas_id, url = by_stix[stix_id]
        tactics.append(
            Tactic(
                id=atlas_id,
                stix_id=stix_id,
                name=_text(obj, "name"),
                shortname=_text(obj, "x_mitre_shortname") or _shortname(_text(obj, "name")),
                order=position,
                url=url,
                description=_text(obj, "description"),
            )
        )
    return tactics


def _relationships(
    bundle: _Sorted, stix_to_atlas: dict[str, str], warnings: list[str]
) -> tuple[dict[str, str], dict[str, set[str]]]:
    """Parents of sub-techniques and what each mitigation mitigates.

    Relationships are iterated one by one, never keyed on their id.
    """
    technique_ids = {e[1] for e in bundle.techniques}
    mitigation_ids = {e[1] for e in bundle.mitigations}
    parent_of: dict[str, str] = {}
    mitigates: dict[str, set[str]] = {}
    dangling = 0
    other_types: dict[str, int] = {}
    for rel in bundle.relationships:
        rel_type = rel.get("relationship_type")
        source = stix_to_atlas.get(rel.get("source_ref"))  # type: ignore[arg-type]
        target = stix_to_atlas.get(rel.get("target_ref"))  # type: ignore[arg-type]
        if rel.get("revoked") is True:
            continue
        if rel_type == "mitigates":
            if source in mitigation_ids and target in technique_ids:
                mitigates.setdefault(source, set()).add(target)
            else:
                dangling += 1
        elif rel_type == "subtechnique-of":
            if source in technique_ids and target in technique_ids:
                parent_of[source] = target
            else:
                dangling += 1
        else:
            name = rel_type if isinstance(rel_type, str) else "(none)"
            other_types[name] = other_types.get(name, 0) + 1
    if dangling:
        warnings.append(
            f"ignored {dangling} relationship(s) whose ends are not ATLAS objects of this bundle"
        )
    for name, count in sorted(other_types.items()):
        warnings.append(f"ignored {count} relationship(s) of type {name!r}")
    return parent_of, mitigates


def _phase_tactics(obj: dict[str, Any], shortname_to_tactic: dict[str, str]) -> tuple[
    list[str], set[str]
]:
    """The tactics of an object's mitre-atlas kill chain phases, and the unknown phases."""
    tactic_ids: list[str] = []
    unknown: set[str] = set()
    for phase in obj.get("kill_chain_phases") or ():
        if not isinstance(phase, dict) or phase.get("kill_chain_name") != KILL_CHAIN_NAME:
            continue
        phase_name = phase.get("phase_name")
        tactic_id = shortname_to_tactic.get(phase_name)  # type: ignore[arg-type]
        if tactic_id is None:
            unknown.add(str(phase_name))
        elif tactic_id not in tactic_ids:
            tactic_ids.append(tactic_id)
    return tactic_ids, unknown


def _techniques(
    bundle: _Sorted, tactics: list[Tactic], parent_of: dict[str, str], warnings: list[str]
) -> list[Technique]:
    technique_ids = {e[1] for e in bundle.techniques}
    for obj, atlas_id, _url in bundle.techniques:
        if atlas_id in parent_of:
            continue
        if obj.get("x_mitre_is_subtechnique") is True or "." in atlas_id[4:]:
            prefix = atlas_id.rsplit(".", 1)[0]
            if prefix in technique_ids and prefix != atlas_id:
                parent_of[atlas_id] = prefix
            else:
                warnings.append(f"sub-technique {atlas_id} has no parent in the bundle")
    children: dict[str, list[str]] = {}
    for child, parent in parent_of.items():
        children.setdefault(parent, []).append(child)
    shortname_to_tactic: dict[str, str] = {}
    for tactic in tactics:
        shortname_to_tactic.setdefault(tactic.shortname, tactic.id)
    tactic_rank = {t.id: t.order for t in tactics}
    names = {e[1]: _text(e[0], "name") for e in bundle.techniques}
    objs_by_atlas_id = {e[1]: e[0] for e in bundle.techniques}
    unknown_phases: set[str] = set()
    techniques: list[Technique] = []
    for obj, atlas_id, url in bundle.techniques:
        tactic_ids, unknown = _phase_tactics(obj, shortname_to_tactic)
        unknown_phases |= unknown
        parent_id = parent_of.get(atlas_id)
        if not tactic_ids and parent_id is not None:
            # a sub-technique without phases of its own takes its parent's
            tactic_ids = _phase_tactics(objs_by_atlas_id[parent_id], shortname_to_tactic)[0]
        tactic_ids.sort(key=lambda t: tactic_rank[t])
        name = names[atlas_id]
        techniques.append(
            Technique(
                id=atlas_id,
                stix_id=obj["id"],
                name=name,
                display_name=f"{names[parent_id]}: {name}" if parent_id else name,
                tactics=tuple(tactic_ids),
                parent_id=parent_id,
                subtechnique_ids=tuple(sorted(children.get(atlas_id, ()))),
                maturity=_nonempty(obj.get(MATURITY_PROPERTY)),
                url=url,
                description=_text(obj, "description"),
            )
        )
    if unknown_phases:
        warnings.append(
            "techniques name unknown mitre-atlas phases: " + ", ".join(sorted(unknown_phases))
        )
    return techniques


def _duplicates(ids: list[str]) -> list[str]:
    seen: set[str] = set()
    dup: list[str] = []
    for i in ids:
        if i in seen and i not in dup:
            dup.append(i)
        seen.add(i)
    return sorted(dup)


def _shortname(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _json_kind(value: Any) -> str:
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    return "number"


# --------------------------------------------------------------------------- version


def _resolve_version(
    option: str | None,
    bundle_version: str | None,
    path: Path,
    digest: str,
    warnings: list[str],
) -> tuple[str | None, str]:
    if option is not None and str(option).strip():
        return str(option).strip(), "option"
    if bundle_version:
        return bundle_version, "bundle metadata"
    beside = path.parent / "ATLAS.yaml"
    if beside.is_file():
        version = _version_from_atlas_yaml(beside, warnings)
        if version:
            return version, "ATLAS.yaml beside the bundle"
    known = KNOWN_BUNDLE_DIGESTS.get(digest)
    if known:
        return known, "known SHA-256 digest"
    return None, "unknown"


_TOP_LEVEL_SCALAR = re.compile(r"^[A-Za-z_][\w&-]*:[ \t]+\S")


def _version_from_atlas_yaml(path: Path, warnings: list[str]) -> str | None:
    """Read the top-level ``version:`` of an ATLAS.yaml from its first lines (safe YAML)."""
    import yaml

    try:
        with path.open(encoding="utf-8") as handle:
            head = [handle.readline() for _ in range(64)]
    except (OSError, UnicodeDecodeError) as exc:
        warnings.append(f"{path}: cannot be read for the ATLAS version ({exc})")
        return None
    lines = [line for line in head if _TOP_LEVEL_SCALAR.match(line)]
    try:
        data = yaml.safe_load("".join(lines)) if lines else None
    except yaml.YAMLError:
        warnings.append(f"{path}: its first lines are not valid YAML; version not read")
        return None
    if isinstance(data, dict):
        version = data.get("version")
        if isinstance(version, (str, int, float)) and not isinstance(version, bool):
            text = str(version).strip()
            if text:
                return text
    return None
