"""Framework catalogs: the OWASP lists rules map their findings to.

Each file in ``catalogs/frameworks/`` describes one framework (its id, name,
publisher, version, date, URL and licence) and its items (id, official name,
URL, a one-sentence summary in this project's words, and the MITRE ATLAS
techniques the publisher cross-maps it to, with the source of that mapping,
or a plain statement that no official mapping exists). Bundled:

* ``owasp-llm``: OWASP Top 10 for LLM Applications 2025 (LLM01 to LLM10);
* ``owasp-agentic``: OWASP Agentic AI Threats and Mitigations 1.0 (T1 to T15).

OWASP GenAI content is CC BY-SA 4.0; these files use its facts, not its text.
Rules name items with a ``frameworks:`` key (``{owasp-llm: [LLM01]}``);
:mod:`workbench.risk.frameworks` computes per-item coverage of a model.

>>> from workbench.catalog.frameworks import load_frameworks
>>> frameworks = load_frameworks()
>>> sorted(frameworks)
['owasp-agentic', 'owasp-llm']
>>> frameworks["owasp-llm"].item("LLM01").label
'LLM01:2025'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from workbench._records import Record
from workbench._resources import catalog_path
from workbench.errors import CatalogError, InputError

__all__ = [
    "APPLICABILITY",
    "Framework",
    "FrameworkItem",
    "Frameworks",
    "applicable_facts",
    "bundled_frameworks_dir",
    "load_frameworks",
    "sort_labels",
]

#: The system facts an item's ``applies:`` may name, and what is said when one is missing.
APPLICABILITY: dict[str, str] = {
    "model": "there is no model in the system",
    "llm": "there is no LLM in the system (no model with model_type: llm)",
    "agent": "there is no agent in the system",
    "multi_agent": "the system has fewer than two agents",
    "retrieval": "there is no vector store or knowledge source in the system",
    "tool": "there is no tool in the system",
}
FRAMEWORK_KEYS = (
    "id",
    "name",
    "short_name",
    "publisher",
    "version",
    "date",
    "url",
    "licence",
    "licence_url",
    "id_suffix",
)
REQUIRED_FRAMEWORK_KEYS = ("id", "name", "publisher", "version", "date", "url", "licence")
ITEM_KEYS = ("id", "name", "url", "summary", "applies", "attributes", "atlas", "atlas_none")
ATLAS_KEYS = ("techniques", "source", "note")
_FRAMEWORK_ID = re.compile(r"^[a-z][a-z0-9-]{1,39}$")
_ITEM_ID = re.compile(r"^[A-Z][A-Za-z0-9.-]{0,15}$")
MAX_FRAMEWORK_FILE_BYTES = 500_000


@dataclass(frozen=True)
class FrameworkItem(Record):
    """One item of a framework (``LLM01``, ``T6``).

    ``atlas`` lists the ATLAS techniques the publisher maps the item to, with
    ``atlas_source`` the URL of that mapping; ``atlas_none`` says why there is
    none. ``applies`` names system facts the item needs (keys of
    :data:`APPLICABILITY`); ``attributes`` names ``kind.attribute`` facts that
    decide whether it can be assessed.
    """

    id: str
    name: str
    url: str
    summary: str
    framework: str
    label: str
    applies: tuple[str, ...] = ()
    attributes: tuple[str, ...] = ()
    atlas: tuple[str, ...] = ()
    atlas_source: str = ""
    atlas_note: str = ""
    atlas_none: str = ""

    #: What :meth:`to_dict` writes, in this order.
    DICT_KEYS: ClassVar[tuple[str, ...]] = (
        "framework", "id", "label", "name", "url", "summary", "applies", "attributes",
        "atlas", "atlas_source", "atlas_note", "atlas_none",
    )


@dataclass(frozen=True)
class Framework:
    """A framework and its items, in file order."""

    id: str
    name: str
    short_name: str
    publisher: str
    version: str
    date: str
    url: str
    licence: str
    licence_url: str
    id_suffix: str
    items: tuple[FrameworkItem, ...]
    source: str = ""

    def __iter__(self) -> Iterator[FrameworkItem]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __contains__(self, item_id: object) -> bool:
        return any(i.id == item_id for i in self.items)

    def item(self, item_id: str) -> FrameworkItem:
        for i in self.items:
            if i.id == item_id:
                return i
        known = ", ".join(i.id for i in self.items)
        raise KeyError(f"unknown {self.id} item {item_id!r}; items are {known}")

    def label(self, item_id: str) -> str:
        """The id as the publisher writes it: ``LLM01:2025``, ``T6``."""
        return f"{item_id}{self.id_suffix}"


class Frameworks(Mapping[str, Framework]):
    """The loaded frameworks by id, read-only."""

    def __init__(self, frameworks: list[Framework]) -> None:
        self._by_id = {f.id: f for f in frameworks}

    def __getitem__(self, key: str) -> Framework:
        found = self._by_id.get(key)
        if found is None:
            known = ", ".join(sorted(self._by_id)) or "none"
            raise KeyError(f"unknown framework {key!r}; frameworks are {known}")
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._by_id))

    def __len__(self) -> int:
        return len(self._by_id)

    def __repr__(self) -> str:
        return "<Frameworks " + ", ".join(f"{f.id} ({len(f)})" for f in self.values()) + ">"

    def labels(self, mapping: Mapping[str, Any]) -> list[str]:
        """Publisher-style ids (``LLM01:2025``, ``T6``) of a ``frameworks:`` mapping, in
        framework then item order."""
        out: list[str] = []
        for fid in sorted(mapping, key=lambda f: (f != "owasp-llm", f)):
            fw = self._by_id.get(fid)
            if fw is None:
                continue
            wanted = set(mapping[fid])
            out += [fw.label(i.id) for i in fw.items if i.id in wanted]
        return out

    def resolve(self, label: str) -> tuple[Framework, FrameworkItem] | None:
        """The framework and item of a publisher-style id (``LLM01:2025``, ``T6``)."""
        for fw in self._by_id.values():
            for item in fw.items:
                if item.label == label:
                    return fw, item
        return None

    def external_references(self, labels: list[str]) -> list[dict[str, str]]:
        """STIX-style references (source_name, external_id, url) for publisher-style ids."""
        out = []
        for label in labels:
            found = self.resolve(label)
            if found is not None:
                fw, item = found
                out.append({"source_name": fw.name, "external_id": label, "url": item.url})
        return out


def applicable_facts(model: Any) -> set[str]:
    """The facts of :data:`APPLICABILITY` that hold for *model* (a system model)."""
    comps = model.components()
    kinds = [c.kind for c in comps]
    facts = set()
    if "model" in kinds:
        facts.add("model")
    if any(c.kind == "model" and c.get("model_type") == "llm" for c in comps):
        facts.add("llm")
    agents = kinds.count("agent")
    if agents:
        facts.add("agent")
    if agents >= 2:
        facts.add("multi_agent")
    if "vector_store" in kinds or "knowledge_source" in kinds:
        facts.add("retrieval")
    if "tool" in kinds:
        facts.add("tool")
    return facts


def sort_labels(labels: Iterable[str]) -> list[str]:
    """Publisher-style ids once each: LLM items first, then agentic ones, each by number."""

    def key(label: str) -> tuple[int, str, int, str]:
        m = re.match(r"^([A-Za-z]+)(\d+)(.*)$", label)
        if m is None:
            return (2, label, 0, "")
        return (0 if m.group(1) == "LLM" else 1, m.group(1), int(m.group(2)), m.group(3))

    return sorted(set(labels), key=key)


def bundled_frameworks_dir() -> Path:
    return catalog_path("frameworks")


class _Reader:
    """Checks one framework file, collecting every problem with its line."""

    def __init__(self, path: Path, lines: Mapping[tuple[str | int, ...], int]) -> None:
        self.path = path
        self.lines = lines
        self.problems: list[str] = []

    def problem(self, where: tuple[str | int, ...], message: str) -> None:
        line = None
        probe = where
        while line is None:
            line = self.lines.get(probe)
            if not probe:
                break
            probe = probe[:-1]
        dotted = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in where).lstrip(".")
        self.problems.append(f"{self.path}:{line or 1}: {dotted or 'file'}: {message}")

    def text(self, raw: dict[str, Any], key: str, where: tuple[str | int, ...]) -> str:
        value = raw.get(key)
        if value is None:
            return ""
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            self.problem((*where, key), "expected text")
            return ""
        return " ".join(str(value).split())

    def unknown_keys(self, raw: dict[str, Any], allowed: tuple[str, ...], where: Any) -> None:
        for key in raw:
            if key not in allowed:
                self.problem((*where, key), f"unknown key {key!r} (allowed: {', '.join(allowed)})")

    def names(self, raw: Any, where: tuple[str | int, ...], what: str) -> list[str]:
        if raw is None:
            return []
        if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
            self.problem(where, f"expected a list of {what}")
            return []
        return list(raw)


def _check_attribute(reader: _Reader, name: str, where: tuple[str | int, ...]) -> None:
    from workbench.model import definitions as d

    kind, _, attr = name.partition(".")
    if kind == "flow":
        known = {a.name for a in d.FLOW_ATTRIBUTES}
    elif kind in d.KINDS:
        known = set(d.attributes_for(kind))
    else:
        reader.problem(where, f"unknown kind {kind!r} in {name!r}: expected kind.attribute")
        return
    if attr not in known:
        reader.problem(where, f"{kind} has no attribute {attr!r}")


def _item(
    reader: _Reader, raw: Any, where: tuple[str | int, ...], fw_id: str, suffix: str, catalog: Any
) -> FrameworkItem | None:
    if not isinstance(raw, dict):
        reader.problem(where, "expected an item {id, name, url, summary, atlas or atlas_none}")
        return None
    reader.unknown_keys(raw, ITEM_KEYS, where)
    start = len(reader.problems)
    item_id = reader.text(raw, "id", where)
    if not _ITEM_ID.match(item_id):
        reader.problem((*where, "id"), "expected an item id such as LLM01 or T6")
    for key in ("name", "url", "summary"):
        if not reader.text(raw, key, where):
            reader.problem((*where, key) if key in raw else where, f"an item needs a {key}")
    applies = reader.names(raw.get("applies"), (*where, "applies"), "system facts")
    for i, fact in enumerate(applies):
        if fact not in APPLICABILITY:
            reader.problem(
                (*where, "applies", i),
                f"unknown fact {fact!r}; known: {', '.join(sorted(APPLICABILITY))}",
            )
    attributes = reader.names(raw.get("attributes"), (*where, "attributes"), "kind.attribute")
    for i, name in enumerate(attributes):
        _check_attribute(reader, name, (*where, "attributes", i))
    techniques: list[str] = []
    source = note = none = ""
    if ("atlas" in raw) == ("atlas_none" in raw):
        reader.problem(where, "give either atlas: {techniques, source} or atlas_none: <why>")
    elif "atlas_none" in raw:
        none = reader.text(raw, "atlas_none", where)
        if not none:
            reader.problem((*where, "atlas_none"), "say why there is no ATLAS mapping")
    else:
        atlas = raw["atlas"]
        awhere = (*where, "atlas")
        if not isinstance(atlas, dict):
            reader.problem(awhere, "expected {techniques: [...], source: URL}")
        else:
            reader.unknown_keys(atlas, ATLAS_KEYS, awhere)
            techniques = reader.names(atlas.get("techniques"), (*awhere, "techniques"), "ids")
            if not techniques:
                reader.problem(awhere, "name at least one ATLAS technique")
            for i, tech in enumerate(techniques):
                if not tech.startswith("AML.T") or (catalog is not None and tech not in catalog):
                    reader.problem((*awhere, "techniques", i), f"unknown ATLAS technique {tech!r}")
            source = reader.text(atlas, "source", awhere)
            if not source.startswith("https://"):
                reader.problem((*awhere, "source"), "cite the mapping's source as an https URL")
            note = reader.text(atlas, "note", awhere)
    if len(reader.problems) > start:
        return None
    return FrameworkItem(
        id=item_id,
        name=reader.text(raw, "name", where),
        url=reader.text(raw, "url", where),
        summary=reader.text(raw, "summary", where),
        framework=fw_id,
        label=f"{item_id}{suffix}",
        applies=tuple(applies),
        attributes=tuple(attributes),
        atlas=tuple(techniques),
        atlas_source=source,
        atlas_note=note,
        atlas_none=none,
    )


def _read(path: Path) -> tuple[Any, Mapping[tuple[str | int, ...], int]]:
    """The data and line map of a framework file, read by the one safe reader."""
    from workbench._input.read import read_text
    from workbench._input.yaml import parse_yaml  # YAML only when a catalog is read

    try:  # size limit, UTF-8, no tags, anchors or aliases
        text = read_text(path, expected="a framework catalog", max_bytes=MAX_FRAMEWORK_FILE_BYTES)
        data, lines, _dups = parse_yaml(text, str(path), fast=False, expected="a framework catalog")
    except InputError as exc:  # the message names the file and, where known, the line
        error = CatalogError(str(exc))
        error.issues = exc.issues
        raise error from None
    return data, lines


def load_framework(path: str | Path, *, catalog: Any = None) -> Framework:
    """Read and check one framework file; :class:`CatalogError` lists every problem.

    ATLAS technique ids are checked against *catalog* (the bundled one when not given).
    """
    if catalog is None:
        from workbench.catalog.atlas import load_catalog

        catalog = load_catalog()
    file = Path(path)
    data, lines = _read(file)
    reader = _Reader(file, lines)
    if not isinstance(data, dict) or not isinstance(data.get("framework"), dict):
        raise CatalogError(f"{file}:1: expected a 'framework:' mapping and an 'items:' list")
    reader.unknown_keys(data, ("framework", "items"), ())
    head = data["framework"]
    reader.unknown_keys(head, FRAMEWORK_KEYS, ("framework",))
    values = {k: reader.text(head, k, ("framework",)) for k in FRAMEWORK_KEYS}
    for key in REQUIRED_FRAMEWORK_KEYS:
        if not values[key]:
            reader.problem(("framework", key) if key in head else ("framework",), f"needs {key}")
    if values["id"] and not _FRAMEWORK_ID.match(values["id"]):
        reader.problem(("framework", "id"), "expected lower-case letters, digits and '-'")
    items: list[FrameworkItem] = []
    raw_items = data.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        reader.problem(("items",) if "items" in data else (), "expected a non-empty 'items:' list")
        raw_items = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_items):
        item = _item(reader, raw, ("items", i), values["id"], values["id_suffix"], catalog)
        if item is None:
            continue
        if item.id in seen:
            reader.problem(("items", i, "id"), f"duplicate item id {item.id!r}")
            continue
        seen.add(item.id)
        items.append(item)
    if reader.problems:
        shown = "\n  ".join(reader.problems[:20])
        more = f"\n  (and {len(reader.problems) - 20} more)" if len(reader.problems) > 20 else ""
        count = len(reader.problems)
        raise CatalogError(
            f"{count} problem{'s' if count != 1 else ''} in framework file {file}:\n  {shown}{more}"
        )
    fields = dict(values)
    fields["short_name"] = fields["short_name"] or fields["name"]
    return Framework(**fields, items=tuple(items), source=str(file))


_CACHE: dict[Any, Frameworks] = {}


def load_frameworks(paths: list[str | Path] | None = None, *, catalog: Any = None) -> Frameworks:
    """The bundled framework catalogs (or the files in *paths*), checked.

    ATLAS technique ids are checked against *catalog* (the bundled ATLAS catalog
    when not given). Raises :class:`~workbench.errors.CatalogError` naming the
    file, line and field of every problem.
    """
    if catalog is None:
        from workbench.catalog.atlas import load_catalog

        catalog = load_catalog()
    files = (
        sorted(bundled_frameworks_dir().glob("*.yaml"))
        if paths is None
        else [Path(p) for p in paths]
    )
    signature = (
        tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files if f.exists()),
        getattr(catalog, "sha256", None) or id(catalog),
    )
    cached = _CACHE.get(signature)
    if cached is not None:
        return cached
    frameworks: list[Framework] = []
    for file in files:
        fw = load_framework(file, catalog=catalog)
        if any(f.id == fw.id for f in frameworks):
            raise CatalogError(f"{file}:1: framework.id: duplicate framework id {fw.id!r}")
        frameworks.append(fw)
    out = Frameworks(frameworks)
    if len(_CACHE) > 8:
        _CACHE.clear()
    _CACHE[signature] = out
    return out
