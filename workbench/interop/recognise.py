"""One recogniser of AI services and infrastructure for every importer.

The table is data: ``catalogs/recognisers.yaml`` (see ``docs/interop/recognisers.md``).
Each entry names phrases, matched as whole words in an element's type, then
its name, then its description, and says what the element becomes: a
workbench kind (with a few attributes the service implies) or a trust zone for
network containers such as a VPC. Every importer asks :func:`recognise`, so
Threat Dragon, OTM, Threagile and TM-BOM files give the same kinds for the
same names, and every guess comes back with its *basis* (which field, which
phrase, which entry) for the import report.

>>> r = recognise(name="Pinecone index")
>>> r.kind, r.basis
('vector_store', "name 'Pinecone index' matches 'pinecone' (vector stores (Pinecone, Weaviate, Qdrant, Milvus, Chroma, pgvector))")
>>> recognise(type="aws-vpc").zone
True
>>> recognise(name="Data model service") is None
True
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, TypedDict, Unpack

from workbench._resources import catalog_path
from workbench.errors import InputError
from workbench.model._yaml import parse_yaml
from workbench.model.definitions import DATA_KINDS, KINDS, attributes_for

__all__ = [
    "STORE_KINDS",
    "Recogniser",
    "Recognition",
    "data_kinds_for",
    "load_recogniser",
    "recognise",
    "technique_for",
]

#: Kinds a drawn data store may become (a store shape never turns into a process).
STORE_KINDS = frozenset(
    {"data_store", "vector_store", "model_registry", "dataset", "knowledge_source", "prompt"}
)

_SPLIT = re.compile(r"[^a-z0-9]+")


def _words(text: str) -> str:
    """Lower-case words separated by single spaces, padded: ' azure openai '."""
    return " " + " ".join(t for t in _SPLIT.split(text.lower()) if t) + " "


@dataclass(frozen=True)
class Recognition:
    """What an element was recognised as, and why.

    ``kind`` is a workbench kind, or ``None`` when ``zone`` is true (a network
    container becomes a trust zone). ``attributes`` are implied by the service
    (only those valid on the kind). ``where`` is the field that matched (type, name or description) and ``basis``
    says which field matched which
    phrase of which entry, for the import report.
    """

    entry: str
    group: str
    kind: str | None
    zone: bool
    ai: bool
    where: str
    phrase: str
    value: str
    attributes: Mapping[str, Any] = field(default_factory=dict)

    @property
    def basis(self) -> str:
        return f"{self.where} {self.value!r} matches {self.phrase!r} ({self.group})"

    @property
    def outcome(self) -> str:
        return "a trust zone" if self.zone else f"kind {self.kind}"


@dataclass(frozen=True)
class _Entry:
    id: str
    group: str
    phrases: tuple[str, ...]
    kind: str | None
    zone: bool
    ai: bool
    attributes: Mapping[str, Any]


class Recogniser:
    """The loaded table; :func:`load_recogniser` gives the bundled one."""

    def __init__(self, data: Mapping[str, Any], source: str) -> None:
        self.source = source
        if not isinstance(data, Mapping) or not isinstance(data.get("elements"), list):
            raise InputError(f"{source}: expected a mapping with an 'elements' list")
        self.not_a_model = tuple(_words(str(p)) for p in data.get("not_a_model") or ())
        entries = []
        for i, raw in enumerate(data["elements"]):
            where = f"{source}: elements[{i}]"
            if not isinstance(raw, Mapping) or not isinstance(raw.get("phrases"), list):
                raise InputError(f"{where}: expected id, group, phrases and kind or zone")
            kind = raw.get("kind")
            zone = raw.get("zone") is True
            if zone == (kind is not None):
                raise InputError(f"{where}: give either a kind or 'zone: true'")
            if kind is not None and kind not in KINDS:
                raise InputError(f"{where}: unknown kind {kind!r}")
            attrs = dict(raw.get("attributes") or {})
            if kind is not None:
                table = attributes_for(kind)
                for name, value in attrs.items():
                    if name not in table or table[name].check(value)[1]:
                        raise InputError(f"{where}: attribute {name}={value!r} does not fit {kind}")
            entries.append(
                _Entry(
                    id=str(raw.get("id") or f"entry-{i}"),
                    group=str(raw.get("group") or raw.get("id") or kind),
                    phrases=tuple(_words(str(p)) for p in raw["phrases"]),
                    kind=kind,
                    zone=zone,
                    ai=raw.get("ai") is True,
                    attributes=attrs,
                )
            )
        self.entries = tuple(entries)
        threats = []
        for i, raw in enumerate(data.get("threats") or ()):
            if not isinstance(raw, Mapping) or not isinstance(raw.get("technique"), str):
                raise InputError(f"{source}: threats[{i}]: expected phrases and a technique")
            threats.append(
                (tuple(_words(str(p)) for p in raw.get("phrases") or ()), raw["technique"])
            )
        self.threats = tuple(threats)
        data_kinds = []
        for i, raw in enumerate(data.get("data") or ()):
            if not isinstance(raw, Mapping) or raw.get("data") not in DATA_KINDS:
                raise InputError(f"{source}: data[{i}]: expected phrases and a data kind")
            data_kinds.append(
                (tuple(_words(str(p)) for p in raw.get("phrases") or ()), raw["data"])
            )
        self.data_kinds = tuple(data_kinds)

    def _clean(self, text: str) -> str:
        words = _words(text)
        for phrase in self.not_a_model:
            words = words.replace(phrase, " ")
        return words

    def recognise(
        self,
        *,
        type: Any = None,
        name: Any = None,
        description: Any = None,
        accept: Iterable[str] | None = None,
        zones: bool = True,
    ) -> Recognition | None:
        """The first entry whose phrase is in the type, else the name, else the description.

        *accept* limits the kinds that may come out (a drawn store only becomes a
        storing kind); *zones* false skips network containers.
        """
        allowed = set(accept) if accept is not None else None
        for field_name, value in (("type", type), ("name", name), ("description", description)):
            if not isinstance(value, str) or not value.strip():
                continue
            words = self._clean(value)
            for entry in self.entries:
                if entry.zone and not zones:
                    continue
                if entry.kind is not None and allowed is not None and entry.kind not in allowed:
                    continue
                for phrase in entry.phrases:
                    if phrase in words:
                        shown = " ".join(value.split())
                        return Recognition(
                            entry=entry.id,
                            group=entry.group,
                            kind=entry.kind,
                            zone=entry.zone,
                            ai=entry.ai,
                            where=field_name,
                            phrase=phrase.strip(),
                            value=shown if len(shown) <= 60 else shown[:59] + "…",
                            attributes=dict(entry.attributes),
                        )
        return None

    def data_kinds_for(self, *texts: Any) -> list[tuple[str, str]]:
        """``(data kind, phrase)`` for every data kind whose phrase is in one of *texts*."""
        out: list[tuple[str, str]] = []
        words = " ".join(_words(t) for t in texts if isinstance(t, str))
        for phrases, kind in self.data_kinds:
            for phrase in phrases:
                if phrase in words:
                    out.append((kind, phrase.strip()))
                    break
        return out

    def technique_for(self, *texts: Any) -> tuple[str, str] | None:
        """``(ATLAS technique id, phrase)`` for the first threat phrase in *texts*."""
        for text in texts:
            if not isinstance(text, str) or not text.strip():
                continue
            words = _words(text)
            for phrases, technique in self.threats:
                for phrase in phrases:
                    if phrase in words:
                        return technique, phrase.strip()
        return None


@lru_cache(maxsize=1)
def load_recogniser() -> Recogniser:
    """The bundled table (``catalogs/recognisers.yaml``), read once."""
    path = catalog_path("recognisers.yaml")
    data, _lines, _dups = parse_yaml(path.read_text(encoding="utf-8"), str(path))
    return Recogniser(data, str(path))


class _Query(TypedDict, total=False):
    """What :meth:`Recogniser.recognise` is asked about (each keyword optional)."""

    type: Any
    name: Any
    description: Any
    accept: Iterable[str] | None
    zones: bool


def recognise(**query: Unpack[_Query]) -> Recognition | None:
    """:meth:`Recogniser.recognise` with the bundled table."""
    return load_recogniser().recognise(**query)


def data_kinds_for(*texts: Any) -> list[tuple[str, str]]:
    """:meth:`Recogniser.data_kinds_for` with the bundled table."""
    return load_recogniser().data_kinds_for(*texts)


def technique_for(*texts: Any) -> tuple[str, str] | None:
    """:meth:`Recogniser.technique_for` with the bundled table."""
    return load_recogniser().technique_for(*texts)
