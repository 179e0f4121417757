"""Validation of model data: every problem, with its path, line and what was expected.

:func:`validate_data` checks the plain data of a model file (as parsed from YAML
or JSON, schema version :data:`~workbench.model.definitions.SCHEMA_VERSION`)
and returns a list of :class:`~workbench.errors.Issue`. It never stops at the
first problem.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from workbench._input.locate import Locator, format_path
from workbench.errors import Issue
from workbench.model.definitions import (
    FLOW_ATTRIBUTES,
    KINDS,
    SCHEMA_VERSION,
    SYSTEM_FACTS,
    ZONE_ATTRIBUTES,
    AttrSpec,
    SubIssue,
    _describe,
    attributes_for,
    check_custom_declaration,
    check_id,
    custom_spec,
    kinds_with_attribute,
    nearest,
)

__all__ = ["TOP_LEVEL_KEYS", "check_values", "format_path", "unknown_message", "validate_data"]

#: Keys allowed at the top of a model file, in the order files are written.
TOP_LEVEL_KEYS = ("schema_version", "system", "custom_attributes", "zones", "components", "flows")

Path = tuple[str | int, ...]

_SYSTEM = {s.name: s for s in SYSTEM_FACTS}
_ZONE = {s.name: s for s in ZONE_ATTRIBUTES}
_FLOW = {s.name: s for s in FLOW_ATTRIBUTES}
_FACTS = {k: v for k, v in _SYSTEM.items() if k != "id"}
_ZONE_FIELDS = {k: v for k, v in _ZONE.items() if k != "id"}
_FLOW_ENDS = {"source": "from", "target": "to"}


def _unknown_flow_field(key: str) -> str:
    if key in _FLOW_ENDS:
        return f"unknown flow field {key!r}; did you mean {_FLOW_ENDS[key]!r}?"
    return unknown_message(key, ["id", "from", "to", *_FLOW], "flow field")


Add = Callable[[Path, str], None]


def unknown_message(key: Any, allowed: Iterable[str], what: str) -> str:
    """``unknown zone field 'trst'; did you mean 'trust'?``"""
    msg = f"unknown {what} {str(key)!r}"
    guess = nearest(str(key), list(allowed))
    return msg + f"; did you mean {guess!r}?" if guess else msg


def check_values(
    values: Mapping[str, Any],
    table: Mapping[str, AttrSpec],
    path: Path,
    add: Add,
    unknown: Callable[[str], str],
) -> dict[str, Any]:
    """Check each value against its spec in *table*; the one loop of model checking.

    Files (:func:`validate_data`) and Python calls (``SystemModel.add_component``
    ...) both check attributes here. A key without a spec is reported with
    ``unknown(key)``; each problem goes to ``add(path, message)``. Returns the
    normalised values; ``None`` (unstated) stays ``None``.
    """
    out: dict[str, Any] = {}
    for key, value in values.items():
        spec = table.get(key)
        if spec is None:
            add((*path, key), unknown(str(key)))
            continue
        if value is None:
            out[key] = None
            continue
        norm, sub = spec.check(value)
        for rel, message in sub:
            add((*path, key, *rel), message)
        out[key] = norm
    return out


def validate_data(
    data: Any,
    line_map: Mapping[Path, int] | None = None,
    filename: str | None = None,
) -> list[Issue]:
    """Check model data and return every problem found (an empty list when valid).

    *line_map* maps paths such as ``("components", 3, "zone")`` to 1-based lines
    (as built by the loader); problems are reported at the line of their path or
    of the nearest enclosing entry.
    """
    checker = _Checker(line_map if line_map is not None else {}, filename)
    checker.run(data)
    return sorted(
        checker.issues, key=lambda i: (i.line is None, i.line or 0)
    )


class _Checker:
    def __init__(self, line_map: Mapping[Path, int], filename: str | None) -> None:
        self.locator = Locator(filename, line_map)
        self.issues: list[Issue] = self.locator.issues
        self.line = self.locator.line
        self.add = self.locator.add
        self.custom: dict[str, AttrSpec] = {}
        self._kind_tables: dict[str, dict[str, AttrSpec]] = {}

    # -- helpers ------------------------------------------------------------

    def add_sub(self, path: Path, sub: list[SubIssue]) -> None:
        for rel, message in sub:
            self.add((*path, *rel), message)

    def unknown_key(self, path: Path, key: Any, allowed: list[str], what: str) -> None:
        self.add(path, unknown_message(key, allowed, what))

    @staticmethod
    def unknown(allowed: list[str], what: str) -> Callable[[str], str]:
        return lambda key: unknown_message(key, allowed, what)

    def unknown_attribute(self, kind: str, table: Mapping[str, AttrSpec]) -> Callable[[str], str]:
        return lambda key: unknown_attribute_message(key, kind, table, self.custom)

    def table(self, kind: str) -> dict[str, AttrSpec]:
        table = self._kind_tables.get(kind)
        if table is None:
            table = attributes_for(kind, self.custom)
            self._kind_tables[kind] = table
        return table

    # -- sections -----------------------------------------------------------

    def run(self, data: Any) -> None:
        if not isinstance(data, Mapping):
            self.add((), f"the top level must be a mapping, got {_describe(data)}")
            return
        for key in data:
            if key not in TOP_LEVEL_KEYS:
                self.unknown_key((key,), key, list(TOP_LEVEL_KEYS), "top-level key")
        version = data.get("schema_version")
        if version is None:
            self.add((), f"missing schema_version: add 'schema_version: {SCHEMA_VERSION}'")
        elif version != SCHEMA_VERSION or isinstance(version, bool):
            self.add(("schema_version",), f"expected {SCHEMA_VERSION}, got {_describe(version)}")
        self.check_system(data.get("system"))
        self.check_custom(data.get("custom_attributes"))
        zones = self.check_zones(data.get("zones"))
        components = self.check_components(data.get("components"), zones)
        self.check_flows(data.get("flows"), components)

    def section(self, value: Any, name: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.add((name,), f"expected a list of mappings, got {_describe(value)}")
            return []
        return value

    def entries(
        self, value: Any, name: str, expected: str
    ) -> Iterator[tuple[int, Path, Mapping[str, Any]]]:
        """The mappings of a section with their index and path; anything else is a problem."""
        for i, entry in enumerate(self.section(value, name)):
            path: Path = (name, i)
            if isinstance(entry, Mapping):
                yield i, path, entry
            else:
                self.add(path, f"expected {expected}, got {_describe(entry)}")

    def check_system(self, system: Any) -> None:
        path: Path = ("system",)
        if system is None:
            self.add((), "missing system: add 'system:' with at least an id")
            return
        if not isinstance(system, Mapping):
            self.add(path, f"expected a mapping of system facts, got {_describe(system)}")
            return
        facts = {k: v for k, v in system.items() if k != "id"}
        check_values(facts, _FACTS, path, self.add, self.unknown(list(_SYSTEM), "system fact"))
        if system.get("id") is not None:
            problem = check_id(system["id"])
            if problem:
                self.add((*path, "id"), problem)
        if system.get("id") is None:
            self.add(path, "missing id")

    def check_custom(self, entries: Any) -> None:
        for i, entry in enumerate(self.section(entries, "custom_attributes")):
            path: Path = ("custom_attributes", i)
            sub = check_custom_declaration(entry)
            self.add_sub(path, sub)
            if sub:
                continue
            name = entry["name"]
            if name in self.custom:
                self.add((*path, "name"), f"custom attribute {name!r} declared twice")
                continue
            self.custom[name] = custom_spec(
                name,
                entry["type"],
                kinds=entry.get("kinds"),
                description=entry.get("description"),
                choices=entry.get("choices"),
            )

    def check_zones(self, entries: Any) -> dict[str, int]:
        seen: dict[str, int] = {}
        for i, path, entry in self.entries(entries, "zones", "a zone mapping (id, trust)"):
            self.check_id_field(entry, path, seen, "zone", i)
            fields = {k: v for k, v in entry.items() if k != "id"}
            check_values(fields, _ZONE_FIELDS, path, self.add,
                         self.unknown(list(_ZONE), "zone field"))
            if entry.get("trust") is None:
                self.add(path, "missing trust (a whole number, higher is more trusted)")
        return seen

    def check_id_field(
        self, entry: Mapping[str, Any], path: Path, seen: dict[str, int], what: str, index: int
    ) -> str | None:
        ident = entry.get("id")
        if ident is None:
            self.add(path, f"missing id of this {what}")
            return None
        problem = check_id(ident)
        if problem:
            self.add((*path, "id"), problem)
            return None
        if ident in seen:
            first = self.line((path[0], seen[ident]))
            where = f" (first at line {first})" if first is not None else ""
            self.add((*path, "id"), f"duplicate {what} id {ident!r}{where}")
            return None
        seen[ident] = index
        return str(ident)

    def check_components(self, entries: Any, zones: Mapping[str, int]) -> dict[str, int]:
        seen: dict[str, int] = {}
        for i, path, entry in self.entries(
            entries, "components", "a component mapping (id, kind, zone, attributes)"
        ):
            self.check_id_field(entry, path, seen, "component", i)
            kind = entry.get("kind")
            table: dict[str, AttrSpec] | None = None
            if kind is None:
                self.add(path, "missing kind")
            elif not isinstance(kind, str) or kind not in KINDS:
                msg = f"unknown kind {_describe(kind)}"
                guess = nearest(str(kind), KINDS)
                choices = ", ".join(KINDS)
                msg += f"; did you mean {guess!r}?" if guess else f"; expected one of: {choices}"
                self.add((*path, "kind"), msg)
            else:
                table = self.table(kind)
            zone = entry.get("zone")
            if zone is None:
                self.add(path, "missing zone")
            elif not isinstance(zone, str) or zone not in zones:
                msg = f"zone {_describe(zone)} is not declared in zones"
                guess = nearest(str(zone), zones)
                if guess:
                    msg += f"; did you mean {guess!r}?"
                self.add((*path, "zone"), msg)
            if table is None:
                continue  # attributes cannot be checked without a valid kind
            attrs = {k: v for k, v in entry.items() if k not in ("id", "kind", "zone")}
            check_values(attrs, table, path, self.add, self.unknown_attribute(str(kind), table))
        return seen

    def check_flows(self, entries: Any, components: Mapping[str, int]) -> None:
        seen: dict[str, int] = {}
        for i, path, entry in self.entries(entries, "flows", "a flow mapping (id, from, to, data)"):
            ident = self.check_id_field(entry, path, seen, "flow", i)
            if ident is not None and ident in components:
                self.add((*path, "id"), f"flow id {ident!r} is also a component id; component "
                         "and flow ids must differ (findings are keyed <rule>@<id>)")
            for end in ("from", "to"):
                value = entry.get(end)
                if value is None:
                    self.add(path, f"missing '{end}' (a component id)")
                elif not isinstance(value, str) or value not in components:
                    msg = f"unknown component {_describe(value)}"
                    guess = nearest(str(value), components)
                    if guess:
                        msg += f"; did you mean {guess!r}?"
                    self.add((*path, end), msg)
            attrs = {k: v for k, v in entry.items() if k not in ("id", "from", "to")}
            check_values(attrs, _FLOW, path, self.add, _unknown_flow_field)


def unknown_attribute_message(
    name: str, kind: str, table: Mapping[str, AttrSpec], custom: Mapping[str, AttrSpec]
) -> str:
    """Explain an unknown attribute: the nearest valid name, or the kinds it belongs to."""
    msg = f"unknown attribute {name!r} for kind {kind}"
    elsewhere = kinds_with_attribute(name)
    if not elsewhere and name in custom:
        elsewhere = list(custom[name].kinds)
    if elsewhere:
        return msg + f" (it is an attribute of {', '.join(elsewhere)})"
    guess = nearest(name, table)
    if guess:
        return msg + f"; did you mean {guess!r}?"
    return msg + "; declare it under custom_attributes if your organisation needs it"
