"""Shared parts of the importers and the OTM exporter.

* :class:`ImportReport` and :class:`ReportEntry`: what an import could not map,
  what it guessed or assumed, and what it shortened. Nothing from the source
  file is dropped without an entry here.
* Reading foreign files safely, through the input package
  (:mod:`workbench._input`): a size limit, UTF-8 only, JSON without
  ``NaN``/``Infinity``, YAML without tags or bombs. Threagile models use YAML
  anchors and merge keys (``<<: *base``) on purpose, so foreign YAML is read
  with them expanded, with a bound on the number of nodes copied.
* Ids: :func:`slugify` and :class:`IdSpace` turn display names into stable,
  valid, unique ids.
* Text: :func:`clean_text` keeps names and descriptions as plain text (never
  evaluated), strips control characters and truncates absurdly long values.

Every refusal is an :class:`~workbench.errors.InputError` of one line naming the
file and what was expected.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench._input.read import DEFAULT_MAX_BYTES, parse_json, read_text
from workbench._input.yaml import MAX_ALIAS_NODES, parse_yaml
from workbench._records import Record, fields_dict, tally
from workbench.errors import InputError
from workbench.model.definitions import ID_PATTERN

__all__ = [
    "CATEGORIES",
    "DEFAULT_MAX_BYTES",
    "MAX_ALIAS_NODES",
    "MAX_DESCRIPTION",
    "MAX_NAME",
    "IdSpace",
    "ImportReport",
    "ImportedThreat",
    "ReportEntry",
    "Tally",
    "clean_text",
    "hint",
    "label",
    "load_document",
    "load_yaml_with_aliases",
    "parse_json_text",
    "parse_yaml_text",
    "quoted_ref",
    "read_text",
    "shown_id",
    "slugify",
    "sniff",
]

#: Longest display name kept; longer names are truncated (and reported).
MAX_NAME = 200
#: Longest description kept; longer ones are truncated (and reported).
MAX_DESCRIPTION = 10_000

#: Kinds of report entries, in the order reports list them.
CATEGORIES = ("unmapped", "guessed", "assumption", "truncated", "note")
_CATEGORY_TITLES = {
    "unmapped": "Not imported",
    "guessed": "Guessed",
    "assumption": "Assumed",
    "truncated": "Shortened",
    "note": "Notes",
}


# -- the import report -----------------------------------------------------------


@dataclass(frozen=True)
class ReportEntry(Record):
    """One item of an import report.

    ``category`` is one of :data:`CATEGORIES`: ``unmapped`` (something in the file
    that has no place in a workbench model and was not imported), ``guessed`` (a
    kind or value inferred from names), ``assumption`` (a rule applied where the
    source format says nothing, e.g. trust levels), ``truncated`` (text
    shortened) or ``note`` (how something was translated). ``element`` says where
    in the source file, ``what`` what it was and ``why`` what happened to it.
    """

    category: str
    element: str
    what: str
    why: str

    def __str__(self) -> str:
        return f"{self.element}: {self.what}: {self.why}"


@dataclass(frozen=True)
class ImportedThreat:
    """A threat (or risk-tracking entry) found in the source file, with its provenance.

    ``element`` is the workbench component or flow id it is on; ``status`` the
    source's own word for its state and ``treatment`` the workbench treatment it
    maps to (``None``: still open, no decision). ``technique`` is the ATLAS
    technique the recogniser linked to its text, with ``technique_basis``.
    ``tool``, ``file`` and ``original_id`` say where it came from; ``details``
    holds other fields worth keeping (ticket, date, checked by, justification).
    :func:`workbench.interop.carry.carry_over` turns these into manual findings
    and decisions of a project.
    """

    element: str
    title: str
    tool: str
    file: str
    original_id: str | None = None
    description: str | None = None
    status: str | None = None
    treatment: str | None = None
    severity: str | None = None
    likelihood: int | None = None
    impact: int | None = None
    mitigation: str | None = None
    technique: str | None = None
    technique_basis: str | None = None
    details: tuple[tuple[str, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {**fields_dict(self), "details": dict(self.details)}


@dataclass
class ImportReport:
    """What an import produced and everything it could not map.

    ``components``, ``flows`` and ``zones`` count what the model received;
    ``entries`` list every item not imported, guessed, assumed or shortened;
    ``threats`` the threats and decisions of the source file, ready to be
    carried over into a project (:func:`workbench.interop.carry.carry_over`).
    """

    source: str
    format: str
    components: int = 0
    flows: int = 0
    zones: int = 0
    entries: list[ReportEntry] = field(default_factory=list)
    threats: list[ImportedThreat] = field(default_factory=list)

    def add(self, category: str, element: str, what: str, why: str) -> None:
        """Add one entry (``category`` from :data:`CATEGORIES`)."""
        if category not in CATEGORIES:
            raise ValueError(f"unknown report category {category!r}")
        self.entries.append(ReportEntry(category, element, what, why))

    def of(self, category: str) -> list[ReportEntry]:
        """The entries of one category, in the order they were added."""
        return [e for e in self.entries if e.category == category]

    @property
    def unmapped(self) -> list[ReportEntry]:
        """Items of the source file that were not imported."""
        return self.of("unmapped")

    def counts(self) -> dict[str, int]:
        """Number of entries per category (every category present)."""
        return tally((e.category for e in self.entries), CATEGORIES)

    def summary(self) -> str:
        """One line: what was imported and how many entries of each category."""
        n = self.counts()
        threats = f", {plural(len(self.threats), 'threat')} to carry over" if self.threats else ""
        return (
            f"{self.source}: {self.format}: {plural(self.components, 'component')}, "
            f"{plural(self.flows, 'flow')}, {plural(self.zones, 'zone')}{threats}; "
            f"{n['unmapped']} not imported, {n['guessed']} guessed, "
            f"{n['assumption']} assumed, {n['truncated']} shortened"
        )

    def to_dict(self) -> dict[str, Any]:
        return {**fields_dict(self), "counts": self.counts()}

    def to_text(self) -> str:
        """The report for people: the summary, then every entry by category."""
        lines = [self.summary()]
        for category in CATEGORIES:
            entries = self.of(category)
            if not entries:
                continue
            lines += ["", f"{_CATEGORY_TITLES[category]} ({len(entries)})"]
            lines += [f"  {_one_line(str(e))}" for e in entries]
        return "\n".join(lines) + "\n"


def _one_line(text: str) -> str:
    return "".join(ch if ch.isprintable() else " " for ch in text)


class Tally:
    """Collects "field F not mapped on elements A, B, C" into one entry per field.

    Per-element entries for fields such as Threagile's ``machine`` would bury the
    report; one entry per field lists every element that had it instead.
    """

    def __init__(self) -> None:
        self._items: dict[str, list[str]] = {}

    def add(self, what: str, element: str) -> None:
        elements = self._items.setdefault(what, [])
        if element not in elements:
            elements.append(element)

    def flush(
        self,
        report: ImportReport,
        why: Mapping[str, str] | Callable[[str], str | None],
        default_why: str,
        category: str = "unmapped",
        noun: str = "element",
    ) -> None:
        """Add one entry per field to *report*; *why* gives the reason per field."""
        for what, elements in self._items.items():
            shown = ", ".join(elements[:12]) + (
                f" and {len(elements) - 12} more" if len(elements) > 12 else ""
            )
            plural = noun if len(elements) == 1 else noun + "s"
            reason = why(what) if callable(why) else why.get(what)
            report.add(category, f"{len(elements)} {plural} ({shown})", what, reason or default_why)
        self._items.clear()


# -- text --------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_SPACES = re.compile(r"\s+")


def clean_text(
    value: Any,
    *,
    report: ImportReport,
    element: str,
    field_name: str,
    single_line: bool = False,
    limit: int | None = None,
) -> str | None:
    """*value* as plain text for a model, or ``None`` when there is none.

    Strings are kept as they are (never evaluated or interpreted), minus
    control characters; ``single_line`` joins lines with spaces (diagram labels
    wrap their names). Numbers become text. Anything else (a list, a mapping) is
    reported and dropped. Text over *limit* characters (:data:`MAX_NAME` for
    single-line values, :data:`MAX_DESCRIPTION` otherwise) is cut and reported.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        value = "true" if value else "false"
    elif isinstance(value, (int, float)):
        value = str(value)
    elif not isinstance(value, str):
        report.add(
            "unmapped",
            element,
            field_name,
            f"expected text, got {'a list' if isinstance(value, list) else 'a mapping'}",
        )
        return None
    text = _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    text = _SPACES.sub(" ", text).strip() if single_line else text.strip()
    if not text:
        return None
    if limit is None:
        limit = MAX_NAME if single_line else MAX_DESCRIPTION
    if len(text) > limit:
        report.add("truncated", element, field_name, f"{len(text):,} characters cut to {limit:,}")
        text = text[: limit - 1].rstrip() + "…"
    return text


def label(value: Any, limit: int = 60) -> str | None:
    """A short one-line form of a name for report entries (never for the model)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    text = _SPACES.sub(" ", _CONTROL.sub("", value)).strip()
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text or None


# -- ids ---------------------------------------------------------------------------

_NON_ID = re.compile(r"[^a-z0-9]+")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_SLUG_LIMIT = 60


def slugify(text: Any, limit: int = _SLUG_LIMIT) -> str | None:
    """A lower-case id made of letters, digits and '-' from *text*, or ``None``.

    >>> slugify("Web Application Config")
    'web-application-config'
    >>> slugify("Größe / Ärger!")
    'grosse-arger'
    >>> slugify("  ") is None
    True
    """
    if not isinstance(text, (str, int, float)) or isinstance(text, bool):
        return None
    raw = str(text).replace("ß", "ss")
    ascii_text = unicodedata.normalize("NFKD", raw).encode("ascii", "ignore").decode("ascii")
    slug = _NON_ID.sub("-", ascii_text.lower()).strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rstrip("-")
    return slug or None


def is_uuid(value: Any) -> bool:
    """True for text shaped like a UUID (tools use them as internal ids)."""
    return isinstance(value, str) and bool(_UUID.fullmatch(value))


def valid_id(value: Any) -> bool:
    return isinstance(value, str) and bool(ID_PATTERN.fullmatch(value))


class IdSpace:
    """Hands out unique, valid ids; the first candidate that works wins.

    Components and flows share one space (a flow id may not equal a component
    id); zones use their own.
    """

    def __init__(self, reserved: Iterable[str] = ()) -> None:
        self.used: set[str] = set(reserved)

    def claim(self, *candidates: Any, default: str = "item") -> str:
        """An id from the first usable candidate, made unique with ``-2``, ``-3``….

        A candidate is used as it is when it is a valid id, else slugified; later
        candidates only count when the earlier ones give nothing (``None``, or text
        without letters or digits).
        """
        base = None
        for candidate in candidates:
            if candidate is None:
                continue
            base = str(candidate) if valid_id(candidate) else slugify(candidate)
            if base:
                break
        base = base or default
        if base not in self.used:
            self.used.add(base)
            return base
        n = 2
        while True:
            suffix = f"-{n}"
            candidate = base[: 100 - len(suffix)] + suffix
            if candidate not in self.used:
                self.used.add(candidate)
                return candidate
            n += 1

    def take(self, value: str) -> bool:
        """Claim *value* exactly; False when it is invalid or already used."""
        if not valid_id(value) or value in self.used:
            return False
        self.used.add(value)
        return True


# -- reading files -----------------------------------------------------------------


def parse_json_text(text: str, name: str, *, expected: str) -> Any:
    """Parse JSON text; :class:`InputError` (one line, naming *expected*) otherwise."""
    return parse_json(text, name, expected=expected)[0]


def parse_yaml_text(text: str, name: str, *, expected: str, aliases: bool = True) -> Any:
    """Parse one YAML document safely; anchors and aliases are expanded when *aliases*.

    Syntax errors name *expected*.
    """
    return parse_yaml(text, name, aliases=aliases, expected=expected)[0]


def load_document(
    path: str | os.PathLike[str],
    *,
    expected: str,
    formats: tuple[str, ...] = ("json", "yaml"),
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Any:
    """Read *path* as JSON or YAML (by suffix; by content when the suffix says neither).

    The top level must be a mapping.
    """
    name = str(path)
    text = read_text(path, expected=expected, max_bytes=max_bytes)
    suffix = Path(path).suffix.lower()
    if suffix == ".json" or (suffix not in (".yaml", ".yml") and text.lstrip().startswith("{")):
        fmt = "json"
    else:
        fmt = "yaml"
    if fmt not in formats:
        fmt = formats[0]
    if not text.strip():
        raise InputError(f"{name}: empty: expected {expected}")
    if fmt == "json":
        data = parse_json_text(text, name, expected=expected)
    else:
        data = parse_yaml_text(text, name, expected=expected)
    if not isinstance(data, dict):
        got = "a list" if isinstance(data, list) else "nothing" if data is None else "a value"
        raise InputError(f"{name}: the top level is {got}, not a mapping: expected {expected}")
    return data


def load_yaml_with_aliases(
    text: str, filename: str = "<string>", *, max_nodes: int = MAX_ALIAS_NODES
) -> Any:
    """Parse one YAML document, expanding anchors, aliases and merge keys (``<<``).

    See :func:`workbench._input.yaml.parse_yaml` (``aliases=True``): the copies
    may add at most *max_nodes* nodes in all.
    """
    return parse_yaml(text, filename, fast=False, aliases=True, max_nodes=max_nodes)[0]


# -- recognising formats -----------------------------------------------------------

#: What each recognised kind of document is called in messages.
FORMAT_NAMES = {
    "threat-dragon": "a Threat Dragon model",
    "otm": "an Open Threat Model file",
    "threagile": "a Threagile model",
    "workbench": "a workbench model file",
    "cyclonedx": "a CycloneDX bill of materials",
    "tmbom": "a TM-BOM threat model (OWASP threat model library schema)",
}
_IMPORT_HINTS = {
    "threat-dragon": "import it with --from threat-dragon",
    "otm": "import it with --from otm",
    "threagile": "import it with --from threagile",
    "workbench": "use it directly (workbench validate, analyze)",
    "cyclonedx": "import it with --from cyclonedx",
    "tmbom": "import it with --from tmbom",
}


def sniff(data: Any) -> str | None:
    """Which kind of document *data* (parsed JSON/YAML) looks like, or ``None``."""
    if not isinstance(data, dict):
        return None
    if "otmVersion" in data:
        return "otm"
    if "technical_assets" in data or "threagile_version" in data:
        return "threagile"
    if "summary" in data and "detail" in data:
        return "threat-dragon"
    if "schema_version" in data and "system" in data:
        return "workbench"
    if data.get("bomFormat") == "CycloneDX":
        return "cyclonedx"
    schema = data.get("$schema")
    if isinstance(schema, str) and ("threat-model-library" in schema or "tmbom" in schema.lower()):
        return "tmbom"
    return None


def hint(data: Any, expected_format: str) -> str:
    """ ", which looks like …: …" when *data* is another known kind of document."""
    found = sniff(data)
    if found is None or found == expected_format:
        return ""
    return f"; it looks like {FORMAT_NAMES[found]}: {_IMPORT_HINTS[found]}"


# -- small helpers -----------------------------------------------------------------


def as_list(value: Any) -> list[Any]:
    """A list for list-valued fields that may be missing or ``null``."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def as_mapping(value: Any) -> dict[Any, Any]:
    """A mapping for mapping-valued fields that may be missing or ``null``."""
    return value if isinstance(value, dict) else {}


def text_list(value: Any) -> list[str]:
    """The non-empty strings of a list field (tags), without duplicates, in order."""
    out: list[str] = []
    for item in as_list(value):
        if isinstance(item, (int, float)) and not isinstance(item, bool):
            item = str(item)
        if isinstance(item, str):
            item = _SPACES.sub(" ", _CONTROL.sub("", item)).strip()[:MAX_NAME]
            if item and item not in out:
                out.append(item)
    return out


def shown_id(value: Any) -> str:
    """An id as reports show it: ``(none)`` for a missing or empty one."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return "(none)"
    text = label(value, 40)
    return text if text is not None else "(none)"


def quoted_ref(value: Any) -> str:
    """A reference as reports show it: quoted, or ``(none)`` when missing or empty."""
    shown = shown_id(value)
    return shown if shown == "(none)" else repr(shown)


def level_from_percent(value: Any) -> int | None:
    """A 1-5 level for a 0-100 rating (OTM likelihood and impact): 1-20 → 1 … 81-100 → 5."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    return max(1, min(5, int((float(value) + 19.999) // 20)))


def plain_data(value: Any) -> Any:
    """Tuples as lists and mappings as dicts with text keys in sorted order, for JSON."""
    if isinstance(value, (list, tuple)):
        return [plain_data(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): plain_data(value[k]) for k in sorted(value)}
    return value


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
