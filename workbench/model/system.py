"""The system model: components, flows and trust zones over one networkx graph.

:class:`SystemModel` owns a :class:`networkx.MultiDiGraph` whose nodes are
component ids (with ``kind``, ``zone`` and the stated attributes) and whose
edges are flows keyed by flow id. Zones and system facts sit beside the graph.
Every change is validated and raises :class:`~workbench.errors.ModelError`
listing all problems; derived results (entry points, reachability, crown
jewels...) are cached and recomputed after any change.

>>> m = SystemModel("demo", name="Demo")
>>> m.add_zone("internet", trust=0)
Zone(id='internet', trust=0, attrs={})
>>> m.add_zone("internal", trust=3)
Zone(id='internal', trust=3, attrs={})
>>> _ = m.add_component("user", "actor", "internet")
>>> _ = m.add_component("app", "application", "internal", internet_facing=True)
>>> _ = m.add_flow("user-to-app", "user", "app", data=["user_input"])
>>> [c.id for c in m.entry_points()], sorted(m.reachable_from_untrusted())
(['user'], ['app'])
>>> m.component("app").get("authenticated") is None   # unstated, not false
True
"""

from __future__ import annotations

import operator
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import MISSING, dataclass, field, fields
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

import networkx as nx

from workbench._input.locate import format_path
from workbench.errors import Issue, ModelError
from workbench.model._migrate import migrate
from workbench.model.definitions import (
    BOOL,
    CUSTOM_ATTR_TYPES,
    ENUM,
    KINDS,
    SCHEMA_VERSION,
    AttrSpec,
    at_least,
    attributes_for,
    check_custom_declaration,
    check_id,
    custom_spec,
    nearest,
)
from workbench.model.validate import (
    _FACTS,
    _FLOW,
    _SYSTEM,
    _ZONE_FIELDS,
    check_values,
    unknown_attribute_message,
    unknown_message,
    validate_data,
)

__all__ = ["Component", "Flow", "SystemModel", "Zone", "model_from_data"]


def _unknown_fact(key: str) -> str:
    return unknown_message(key, _FACTS, "system fact")


def _unknown_zone(key: str) -> str:
    return unknown_message(key, _ZONE_FIELDS, "zone field")


def _unknown_flow_attribute(key: str) -> str:
    return unknown_message(key, ["source", "target", *_FLOW], "flow attribute")
_EMPTY: Mapping[str, Any] = MappingProxyType({})
_DATA_BEARING_SENSITIVITY = "confidential"


_FIELD_NAMES: dict[tuple[type, bool], tuple[str, ...]] = {}


def _field_names(cls: type, required: bool) -> tuple[str, ...]:
    """The names of the dataclass fields of *cls*, only those without a default if *required*."""
    names = _FIELD_NAMES.get((cls, required))
    if names is None:
        names = _FIELD_NAMES[(cls, required)] = tuple(
            f.name
            for f in fields(cls)
            if not required or (f.default is MISSING and f.default_factory is MISSING)
        )
    return names


def _shown(value: Any) -> Any:
    """A mapping as a plain dict (for ``repr``), anything else as it is."""
    return dict(value) if isinstance(value, Mapping) else value


class _Named:
    """What has an id and stated facts: its display name and description."""

    __slots__ = ()

    if TYPE_CHECKING:

        @property
        def id(self) -> str: ...

    def _stated(self) -> Mapping[str, Any]:
        raise NotImplementedError

    @property
    def name(self) -> str:
        """Display name: the ``name`` attribute, or the id when none is stated."""
        return str(self._stated().get("name") or self.id)

    @property
    def description(self) -> str | None:
        return self._stated().get("description")


class _Stated(_Named):
    """What components, flows and zones share: an id and the stated attributes."""

    __slots__ = ()
    id: str
    attrs: Mapping[str, Any]

    def _stated(self) -> Mapping[str, Any]:
        return self.attrs

    #: What ``repr`` shows after the required fields.
    _ALSO_SHOWN: ClassVar[str] = "attrs"

    # The required fields (those without a default) identify a view: they make its hash.
    def __hash__(self) -> int:
        return hash(tuple(getattr(self, name) for name in _field_names(type(self), True)))

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        names = _field_names(type(self), False)
        return all(getattr(self, name) == getattr(other, name) for name in names)

    def __repr__(self) -> str:
        names = (*_field_names(type(self), True), self._ALSO_SHOWN)
        shown = ", ".join(f"{name}={_shown(getattr(self, name))!r}" for name in names)
        return f"{type(self).__name__}({shown})"

    def get(self, attr: str, default: Any = None) -> Any:
        """The value of *attr*, or *default* (``None``) when it is unstated."""
        return self.attrs.get(attr, default)


#: The keys of a node's dict that are fields of its view, not stated attributes.
_NODE_FIELDS = frozenset(("kind", "zone"))


class _NodeAttrs(Mapping[str, Any]):
    """A component's stated attributes, read from its node's own dict (no copy): every key
    but ``kind`` and ``zone``, read-only. The model never edits a node's dict while a view
    reads it (:meth:`SystemModel.update_component` gives the old view a copy first)."""

    __slots__ = ("_d",)

    def __init__(self, node: dict[str, Any]) -> None:
        self._d = node

    def __getitem__(self, key: str) -> Any:
        if key in _NODE_FIELDS:
            raise KeyError(key)
        return self._d[key]

    def get(self, key: str, default: Any = None) -> Any:
        return default if key in _NODE_FIELDS else self._d.get(key, default)

    def __contains__(self, key: object) -> bool:
        return key not in _NODE_FIELDS and key in self._d

    def __iter__(self) -> Iterator[str]:
        return (k for k in self._d if k not in _NODE_FIELDS)

    def __len__(self) -> int:
        return sum(1 for k in self._d if k not in _NODE_FIELDS)

    def _detach(self) -> None:
        """Read from a copy of the node's dict from now on (it is about to change)."""
        self._d = dict(self._d)


@dataclass(frozen=True, repr=False, eq=False, slots=True)
class Component(_Stated):
    """A read-only view of one component.

    ``attrs`` holds the stated attributes only (``name`` and ``description``
    included); :meth:`get` returns ``None`` for an unstated attribute.
    """

    id: str
    kind: str
    zone: str
    attrs: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)

    def get(self, attr: str, default: Any = None) -> Any:
        """The value of *attr*, or *default* (``None``) when it is unstated."""
        attrs = self.attrs
        if attrs.__class__ is _NodeAttrs:  # the node's dict, read directly
            return default if attr in _NODE_FIELDS else attrs._d.get(attr, default)
        return attrs.get(attr, default)


@dataclass(frozen=True, repr=False, eq=False, slots=True)
class Flow(_Stated):
    """A read-only view of one flow: data moving from ``source`` to ``target``.

    ``data`` is a tuple of data kinds (empty when unstated); ``encrypted`` and
    ``authenticated`` are ``None`` when unstated. ``attrs`` holds every stated
    attribute.
    """

    id: str
    source: str
    target: str
    data: tuple[str, ...] = ()
    attrs: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)

    _ALSO_SHOWN: ClassVar[str] = "data"

    # read from attrs when asked: three fields fewer to set on each of a model's flows
    @property
    def encrypted(self) -> bool | None:
        return self.attrs.get("encrypted")

    @property
    def authenticated(self) -> bool | None:
        return self.attrs.get("authenticated")

    @property
    def protocol(self) -> str | None:
        return self.attrs.get("protocol")


def _flow_view(id: str, source: str, target: str, attrs: dict[str, Any]) -> Flow:
    """The view of one flow, reading the edge's own dict: changing a flow replaces that dict
    (and the view)."""
    data = attrs.get("data")
    return Flow(id, source, target, tuple(data) if data else (), MappingProxyType(attrs))


@dataclass(frozen=True, repr=False, eq=False, slots=True)
class Zone(_Stated):
    """A trust zone: higher ``trust`` is more trusted."""

    id: str
    trust: int
    attrs: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)


def _plain(value: Any) -> Any:
    """Tuples to lists and dicts to key-sorted dicts, for writing."""
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(value[k]) for k in sorted(value)}
    return value


class _Errors:
    """Collects issues for one API call and raises them together."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.issues: list[Issue] = []

    def add(self, path: tuple[str | int, ...], message: str) -> None:
        self.issues.append(Issue(None, None, format_path(path), message))

    def raise_if_any(self) -> None:
        if self.issues:
            n = len(self.issues)
            raise ModelError(f"{self.what}: {n} problem{'s' if n != 1 else ''}", self.issues)


class SystemModel(_Named):
    """An AI system as components, flows and trust zones.

    Build one in Python (``add_zone``, ``add_component``, ``add_flow``) or load
    it with :func:`workbench.model.load_model`. ``notices`` lists what the
    loader changed (schema migrations); ``source`` names the file it came from.
    """

    def __init__(
        self,
        id: str,
        *,
        custom_attributes: Iterable[Mapping[str, Any]] = (),
        **facts: Any,
    ) -> None:
        errors = _Errors(f"system {id!r}")
        problem = check_id(id)
        if problem:
            errors.add(("system", "id"), problem)
        self._id = id
        self._facts: dict[str, Any] = {}
        self._set_facts(facts, errors)
        self._custom: dict[str, AttrSpec] = {}
        for i, entry in enumerate(custom_attributes):
            self._declare(entry, errors, ("custom_attributes", i))
        errors.raise_if_any()
        self._init_state(id, self._facts, self._custom)

    def _init_state(
        self,
        id: str,
        facts: dict[str, Any],
        custom: dict[str, AttrSpec],
        zones: dict[str, Zone] | None = None,
        graph: nx.MultiDiGraph | None = None,
        flows: dict[str, tuple[str, str]] | None = None,
    ) -> None:
        """The one list of what a model holds (``__init__``, ``_build`` and ``copy`` use it)."""
        self._id = id
        self._facts = facts
        self._custom = custom
        self._zones: dict[str, Zone] = zones if zones is not None else {}
        self._g: nx.MultiDiGraph = graph if graph is not None else nx.MultiDiGraph()
        self._flows: dict[str, tuple[str, str]] = flows if flows is not None else {}
        self._views: dict[str, Component] = {}
        self._flow_views: dict[str, Flow] = {}
        self._cache: dict[Any, Any] = {}
        #: Counts changes: equal revisions of one model object mean equal content.
        self.revision = 0
        self.notices: list[str] = []
        self.source: str | None = None

    # -- system facts ---------------------------------------------------------

    @property
    def id(self) -> str:
        return self._id

    def _stated(self) -> Mapping[str, Any]:
        return self._facts

    @property
    def facts(self) -> Mapping[str, Any]:
        """The stated system facts (without ``id``), read-only."""
        return MappingProxyType(dict(self._facts))

    def fact(self, name: str) -> Any:
        """One system fact, ``None`` when unstated."""
        if name == "id":
            return self._id
        if name not in _SYSTEM:
            raise KeyError(f"unknown system fact {name!r}")
        return self._facts.get(name)

    def _set_facts(self, facts: Mapping[str, Any], errors: _Errors) -> None:
        checked = check_values(facts, _FACTS, ("system",), errors.add, _unknown_fact)
        for key, value in checked.items():
            if value is None:
                self._facts.pop(key, None)
            else:
                self._facts[key] = value

    def update_system(self, **facts: Any) -> None:
        """Change system facts (``id`` included); ``None`` unsets a fact."""
        errors = _Errors(f"system {self._id!r}")
        new_id = facts.pop("id", None)
        if new_id is not None:
            problem = check_id(new_id)
            if problem:
                errors.add(("system", "id"), problem)
        backup = dict(self._facts)
        self._set_facts(facts, errors)
        if errors.issues:
            self._facts = backup
        errors.raise_if_any()
        if new_id is not None:
            self._id = new_id
        self._changed()

    # -- custom attributes ----------------------------------------------------

    @property
    def custom_attributes(self) -> Mapping[str, AttrSpec]:
        """Attributes this model declares beyond the built-in ones."""
        return MappingProxyType(dict(self._custom))

    def declare_attribute(
        self,
        name: str,
        type: str,
        *,
        kinds: Iterable[str] | None = None,
        description: str | None = None,
        choices: Iterable[str] | None = None,
    ) -> AttrSpec:
        """Declare an organisation's own attribute, valid on *kinds* (all when omitted)."""
        entry: dict[str, Any] = {"name": name, "type": type}
        if kinds is not None:
            entry["kinds"] = list(kinds)
        if description is not None:
            entry["description"] = description
        if choices is not None:
            entry["choices"] = list(choices)
        errors = _Errors(f"custom attribute {name!r}")
        spec = self._declare(entry, errors, ("custom_attributes", name))
        errors.raise_if_any()
        self._changed()
        assert spec is not None
        return spec

    def _declare(
        self, entry: Mapping[str, Any], errors: _Errors, path: tuple[str | int, ...]
    ) -> AttrSpec | None:
        sub = check_custom_declaration(entry)
        for rel, message in sub:
            errors.add((*path, *rel), message)
        if sub:
            return None
        name = entry["name"]
        if name in self._custom:
            errors.add((*path, "name"), f"custom attribute {name!r} declared twice")
            return None
        assert entry["type"] in CUSTOM_ATTR_TYPES
        spec = custom_spec(
            name,
            entry["type"],
            kinds=entry.get("kinds"),
            description=entry.get("description"),
            choices=entry.get("choices"),
        )
        self._custom[name] = spec
        return spec

    def attributes_for(self, kind: str) -> dict[str, AttrSpec]:
        """Attributes valid on *kind* in this model (built-in and custom)."""
        if kind not in KINDS:
            raise KeyError(f"unknown kind {kind!r}")
        return attributes_for(kind, self._custom)

    # -- zones ------------------------------------------------------------------

    def add_zone(
        self,
        id: str,
        trust: int,
        name: str | None = None,
        description: str | None = None,
    ) -> Zone:
        """Declare a trust zone; higher *trust* is more trusted."""
        errors = _Errors(f"zone {id!r}")
        problem = check_id(id)
        if problem:
            errors.add(("zones", str(id), "id"), problem)
        elif id in self._zones:
            errors.add(("zones", id, "id"), f"duplicate zone id {id!r}")
        attrs = self._check_zone_fields(
            id, {"trust": trust, "name": name, "description": description}, errors
        )
        errors.raise_if_any()
        zone = Zone(id, attrs.pop("trust"), MappingProxyType(attrs))
        self._zones[id] = zone
        self._changed()
        return zone

    def _check_zone_fields(
        self, id: str, fields: Mapping[str, Any], errors: _Errors
    ) -> dict[str, Any]:
        checked = check_values(fields, _ZONE_FIELDS, ("zones", id), errors.add, _unknown_zone)
        if "trust" in checked and checked["trust"] is None:
            errors.add(("zones", id, "trust"), "a zone needs a trust level")
        return {k: v for k, v in checked.items() if v is not None}

    def update_zone(self, id: str, **changes: Any) -> Zone:
        """Change a zone's ``trust``, ``name`` or ``description`` (``None`` unsets text)."""
        old = self.zone(id)
        errors = _Errors(f"zone {id!r}")
        merged: dict[str, Any] = {"trust": old.trust, **old.attrs}
        for key, value in changes.items():
            merged[key] = value
        attrs = self._check_zone_fields(id, merged, errors)
        errors.raise_if_any()
        zone = Zone(id, attrs.pop("trust"), MappingProxyType(attrs))
        self._zones[id] = zone
        self._changed()
        return zone

    def remove_zone(self, id: str) -> Zone:
        """Remove an unused zone; refused while components sit in it."""
        zone = self.zone(id)
        users = [n for n, d in self._g.nodes(data=True) if d["zone"] == id]
        if users:
            errors = _Errors(f"zone {id!r}")
            shown = ", ".join(users[:10]) + (" …" if len(users) > 10 else "")
            errors.add(("zones", id), f"still used by {len(users)} component(s): {shown}")
            errors.raise_if_any()
        del self._zones[id]
        self._changed()
        return zone

    def zone(self, id: str) -> Zone:
        """The zone *id*; :class:`KeyError` when there is none."""
        try:
            return self._zones[id]
        except KeyError:
            raise KeyError(self._missing("zone", id, self._zones)) from None

    def zones(self) -> list[Zone]:
        """All zones in model order."""
        return list(self._zones.values())

    # -- components ---------------------------------------------------------

    def _check_attrs(
        self,
        cid: str,
        kind: str,
        attrs: Mapping[str, Any],
        errors: _Errors,
    ) -> dict[str, Any]:
        """Validate and normalise *attrs* for *kind*; ``None`` values are kept (unset)."""
        table = attributes_for(kind, self._custom)
        return check_values(
            attrs,
            table,
            ("components", cid),
            errors.add,
            lambda key: unknown_attribute_message(key, kind, table, self._custom),
        )

    def _check_kind_zone(self, cid: str, kind: Any, zone: Any, errors: _Errors) -> bool:
        ok = True
        if not isinstance(kind, str) or kind not in KINDS:
            msg = f"unknown kind {kind!r}"
            guess = nearest(str(kind), KINDS)
            msg += (
                f"; did you mean {guess!r}?" if guess else f"; expected one of: {', '.join(KINDS)}"
            )
            errors.add(("components", cid, "kind"), msg)
            ok = False
        if not isinstance(zone, str) or zone not in self._zones:
            msg = f"zone {zone!r} is not declared"
            guess = nearest(str(zone), self._zones)
            msg += f"; did you mean {guess!r}?" if guess else "; add it with add_zone()"
            errors.add(("components", cid, "zone"), msg)
        return ok

    def _check_new_id(self, id: Any, section: str, errors: _Errors) -> None:
        problem = check_id(id)
        if problem:
            errors.add((section, str(id), "id"), problem)
        elif id in self._g:
            errors.add((section, id, "id"), f"{id!r} is already a component id")
        elif id in self._flows:
            errors.add((section, id, "id"), f"{id!r} is already a flow id")

    def add_component(self, id: str, kind: str, zone: str, **attrs: Any) -> Component:
        """Add a component of *kind* in *zone* with the given attributes."""
        errors = _Errors(f"component {id!r}")
        self._check_new_id(id, "components", errors)
        if self._check_kind_zone(id, kind, zone, errors):
            checked = self._check_attrs(id, kind, attrs, errors)
        else:
            checked = {}
        errors.raise_if_any()
        self._g.add_node(
            id, kind=kind, zone=zone, **{k: v for k, v in checked.items() if v is not None}
        )
        self._changed()
        return self.component(id)

    def update_component(self, id: str, **attrs: Any) -> Component:
        """Change attributes of a component; ``None`` unsets one.

        ``zone=`` moves the component; ``kind=`` changes its kind (its stated
        attributes must be valid on the new kind).
        """
        current = self.component(id)
        errors = _Errors(f"component {id!r}")
        kind = attrs.pop("kind", None) or current.kind
        zone = attrs.pop("zone", None) or current.zone
        if not self._check_kind_zone(id, kind, zone, errors):
            errors.raise_if_any()
        merged = {**current.attrs, **attrs}
        checked = self._check_attrs(id, kind, merged, errors)
        errors.raise_if_any()
        node = self._g.nodes[id]
        old = self._views.pop(id, None)
        if old is not None and isinstance(old.attrs, _NodeAttrs):
            old.attrs._detach()  # the old view keeps what it showed
        node.clear()
        node.update(kind=kind, zone=zone, **{k: v for k, v in checked.items() if v is not None})
        self._changed()
        return self.component(id)

    def remove_component(self, id: str) -> list[Flow]:
        """Remove a component and its flows; return the flows removed."""
        self.component(id)
        gone = [f for f in self.flows() if id in (f.source, f.target)]
        for flow in gone:
            del self._flows[flow.id]
            self._flow_views.pop(flow.id, None)
        self._g.remove_node(id)
        self._views.pop(id, None)
        self._changed()
        return gone

    def rename_component(self, old: str, new: str) -> Component:
        """Give a component a new id, keeping its place, attributes and flows."""
        self.component(old)
        errors = _Errors(f"component {old!r}")
        if new != old:
            self._check_new_id(new, "components", errors)
        errors.raise_if_any()
        if new == old:
            return self.component(old)

        def rn(n: str) -> str:
            return new if n == old else n

        graph = nx.MultiDiGraph()
        for n, d in self._g.nodes(data=True):
            graph.add_node(rn(n), **d)
        for u, v, k, d in self._g.edges(keys=True, data=True):
            graph.add_edge(rn(u), rn(v), key=k, **d)
        self._g = graph
        self._flows = {fid: (rn(u), rn(v)) for fid, (u, v) in self._flows.items()}
        self._views.clear()
        self._flow_views.clear()
        self._changed()
        return self.component(new)

    def component(self, id: str) -> Component:
        """The component *id*; :class:`KeyError` (naming the nearest id) when there is none."""
        view = self._views.get(id)
        if view is not None:
            return view
        if id not in self._g:
            raise KeyError(self._missing("component", id, self._g))
        data = self._g.nodes[id]
        view = Component(id, data["kind"], data["zone"], _NodeAttrs(data))
        self._views[id] = view
        return view

    def components(self, kind: str | None = None) -> list[Component]:
        """Components in model (file) order, optionally of one kind."""
        key = ("components", kind)
        cached = self._cache.get(key)
        if cached is None:
            if kind is not None and kind not in KINDS:
                raise KeyError(self._missing("kind", kind, KINDS))
            cached = [
                self.component(n)
                for n, k in self._g.nodes(data="kind")
                if kind is None or k == kind
            ]
            self._cache[key] = cached
        return list(cached)

    def __contains__(self, id: object) -> bool:
        return id in self._g or id in self._flows

    def __len__(self) -> int:
        return self._g.number_of_nodes()

    def __iter__(self) -> Iterator[Component]:
        return iter(self.components())

    def unstated(self, id: str) -> list[str]:
        """Boolean and enum attributes of component *id* that are unstated.

        These are the assumptions an analysis makes; analysts fill them in.
        """
        comp = self.component(id)
        table = attributes_for(comp.kind, self._custom)
        return [
            name
            for name, spec in table.items()
            if spec.type in (BOOL, ENUM) and name not in comp.attrs
        ]

    # -- flows ----------------------------------------------------------------

    def _check_flow_attrs(
        self, fid: str, attrs: Mapping[str, Any], errors: _Errors
    ) -> dict[str, Any]:
        values = dict(attrs)
        data = values.get("data")
        if isinstance(data, str):
            values["data"] = (data,)
        elif data is not None and len(data) == 0:
            values["data"] = None  # no data kinds: unstated
        return check_values(values, _FLOW, ("flows", fid), errors.add, _unknown_flow_attribute)

    def _check_ends(self, fid: str, source: Any, target: Any, errors: _Errors) -> None:
        for end, value in (("source", source), ("target", target)):
            if not isinstance(value, str) or value not in self._g:
                msg = f"unknown component {value!r}"
                guess = nearest(str(value), self._g)
                if guess:
                    msg += f"; did you mean {guess!r}?"
                errors.add(("flows", fid, end), msg)

    def add_flow(
        self,
        id: str,
        source: str,
        target: str,
        data: Iterable[str] | str = (),
        **attrs: Any,
    ) -> Flow:
        """Add a flow: data of the kinds in *data* moving from *source* to *target*."""
        errors = _Errors(f"flow {id!r}")
        self._check_new_id(id, "flows", errors)
        self._check_ends(id, source, target, errors)
        if not isinstance(data, str):
            data = tuple(data)
        checked = self._check_flow_attrs(id, {"data": data, **attrs}, errors)
        errors.raise_if_any()
        self._g.add_edge(
            source, target, key=id, **{k: v for k, v in checked.items() if v is not None}
        )
        self._flows[id] = (source, target)
        self._changed()
        return self.flow(id)

    def update_flow(self, id: str, **attrs: Any) -> Flow:
        """Change a flow's attributes (``source``/``target`` move it; ``None`` unsets)."""
        current = self.flow(id)
        errors = _Errors(f"flow {id!r}")
        source = attrs.pop("source", None) or current.source
        target = attrs.pop("target", None) or current.target
        self._check_ends(id, source, target, errors)
        merged = {**current.attrs, **attrs}
        checked = self._check_flow_attrs(id, merged, errors)
        errors.raise_if_any()
        self._g.remove_edge(current.source, current.target, key=id)
        self._g.add_edge(
            source, target, key=id, **{k: v for k, v in checked.items() if v is not None}
        )
        self._flows[id] = (source, target)
        self._flow_views.pop(id, None)
        self._changed()
        return self.flow(id)

    def remove_flow(self, id: str) -> Flow:
        """Remove a flow and return it."""
        flow = self.flow(id)
        self._g.remove_edge(flow.source, flow.target, key=id)
        del self._flows[id]
        self._flow_views.pop(id, None)
        self._changed()
        return flow

    def flow(self, id: str) -> Flow:
        """The flow *id*; :class:`KeyError` when there is none."""
        view = self._flow_views.get(id)
        if view is not None:
            return view
        ends = self._flows.get(id)
        if ends is None:
            raise KeyError(self._missing("flow", id, self._flows))
        u, v = ends
        # the view reads the edge's own dict: changing a flow replaces that dict (and the view)
        view = self._flow_views[id] = _flow_view(id, u, v, self._g.edges[u, v, id])
        return view

    def flows(self) -> list[Flow]:
        """All flows in model (file) order."""
        cached = self._cache.get("flows")
        if cached is None:
            views, adj = self._flow_views, self._g.adj
            cached = []
            for fid, (u, v) in self._flows.items():
                view = views.get(fid)
                if view is None:
                    view = views[fid] = _flow_view(fid, u, v, adj[u][v][fid])
                cached.append(view)
            self._cache["flows"] = cached
        return list(cached)

    def flows_of(self, id: str) -> list[Flow]:
        """Flows into or out of component *id*, in model order."""
        self.component(id)
        return [f for f in self.flows() if id in (f.source, f.target)]

    # -- derived views ------------------------------------------------------

    def _changed(self) -> None:
        self._cache.clear()
        self.revision += 1

    @staticmethod
    def _missing(what: str, id: Any, known: Iterable[Any]) -> str:
        msg = f"no {what} {id!r}"
        guess = nearest(str(id), [str(k) for k in known])
        if guess:
            msg += f"; did you mean {guess!r}?"
        return msg

    def _trust(self) -> dict[str, int]:
        trust = self._cache.get("trust")
        if trust is None:
            zt = {z.id: z.trust for z in self._zones.values()}
            trust = {n: zt[z] for n, z in self._g.nodes(data="zone")}
            self._cache["trust"] = trust
        return trust

    def trust_of(self, component_id: str) -> int:
        """Trust level of the zone holding *component_id*."""
        self.component(component_id)
        return self._trust()[component_id]

    def crosses_boundary(self, flow_id: str) -> bool:
        """True when the flow's ends sit in zones of different trust."""
        flow = self.flow(flow_id)
        trust = self._trust()
        return trust[flow.source] != trust[flow.target]

    def boundary_flows(self) -> list[Flow]:
        """Flows whose ends sit in zones of different trust, in model order."""
        return self._flows_by_trust("boundary", operator.ne)

    def untrusted_inputs(self) -> list[Flow]:
        """Flows carrying data from a lower-trust zone to a higher-trust one."""
        return self._flows_by_trust("untrusted_inputs", operator.lt)

    def _flows_by_trust(self, key: str, keep: Callable[[int, int], bool]) -> list[Flow]:
        """The flows whose source and target trust pass *keep*, cached under *key*."""
        cached = self._cache.get(key)
        if cached is None:
            trust = self._trust()
            cached = [f for f in self.flows() if keep(trust[f.source], trust[f.target])]
            self._cache[key] = cached
        return list(cached)

    def _entry_ids(self) -> list[str]:
        cached = self._cache.get("entry")
        if cached is None:
            trust = self._trust()
            cached = []
            for n, d in self._g.nodes(data=True):
                if d["kind"] not in ("actor", "knowledge_source"):
                    continue
                marked = d.get("trusted") is False or d.get("writable_by_outsiders") is True
                lower = d.get("trusted") is not True and any(
                    trust[t] > trust[n] for t in self._g.successors(n)
                )
                if marked or lower:
                    cached.append(n)
            self._cache["entry"] = cached
        return list(cached)

    def entry_point_reasons(self, id: str) -> list[str]:
        """Why component *id* is an entry point (an empty list when it is not)."""
        comp = self.component(id)
        if comp.kind not in ("actor", "knowledge_source"):
            return []
        reasons = []
        if comp.get("trusted") is False:
            reasons.append("trusted: false")
        if comp.get("writable_by_outsiders") is True:
            reasons.append("writable by outsiders")
        if comp.get("trusted") is not True:
            trust = self._trust()
            higher = [t for t in self._g.successors(id) if trust[t] > trust[id]]
            if higher:
                shown = ", ".join(sorted(higher)[:3]) + (" …" if len(higher) > 3 else "")
                reasons.append(f"sends to higher trust: {shown}")
        return reasons

    def entry_points(self) -> list[Component]:
        """Where untrusted data enters, in model order.

        An actor or knowledge source marked ``trusted: false`` or
        ``writable_by_outsiders: true``, or one that sends data to a component
        in a zone of higher trust than its own. An explicit ``trusted: true``
        exempts an actor from the zone rule (an insider in a lower zone).
        """
        return [self.component(n) for n in self._entry_ids()]

    def reachable_from_untrusted(self) -> set[str]:
        """Ids of components reachable by a directed path from an entry point.

        One breadth-first search from all entry points, O(V+E); the entry
        points themselves are excluded.
        """
        cached = self._cache.get("reachable")
        if cached is None:
            entries = self._entry_ids()
            seen = set(entries)
            queue = deque(entries)
            succ = self._g.succ
            while queue:
                node = queue.popleft()
                for nxt in succ[node]:
                    if nxt not in seen:
                        seen.add(nxt)
                        queue.append(nxt)
            cached = frozenset(seen - set(entries))
            self._cache["reachable"] = cached
        return set(cached)

    def upstream(self, id: str) -> set[str]:
        """Components from which data can flow (transitively) to *id*, never *id* itself."""
        self.component(id)
        return set(nx.ancestors(self._g, id))

    def downstream(self, id: str) -> set[str]:
        """Components to which data from *id* can flow (transitively), never *id* itself."""
        self.component(id)
        return set(nx.descendants(self._g, id))

    def crown_jewel_reasons(self, id: str) -> list[str]:
        """Why component *id* is a crown jewel (an empty list when it is not)."""
        comp = self.component(id)
        get = comp.attrs.get
        reasons = []
        if at_least("sensitivity", get("sensitivity"), _DATA_BEARING_SENSITIVITY):
            reasons.append(f"holds {get('sensitivity')} data")
        if comp.kind == "model" and at_least(
            "sensitivity", get("trained_on"), _DATA_BEARING_SENSITIVITY
        ):
            reasons.append(f"trained on {get('trained_on')} data")
        if get("contains_secrets") is True:
            reasons.append("holds secrets")
        if comp.kind == "tool" and get("side_effects") not in (None, "none", "read"):
            reasons.append(f"side effects: {get('side_effects')}")
        if at_least("criticality", get("criticality"), "high"):
            reasons.append(f"criticality {get('criticality')}")
        return reasons

    def crown_jewels(self) -> list[Component]:
        """What matters most, in model order (docs/knowledge/concepts.md#crown-jewels).

        Data-bearing components at confidential or above, models trained on
        such data or holding secrets, prompts (and indexes) holding secrets,
        tools whose side effects are more than none or read, and anything with
        criticality high or critical.
        """
        cached = self._cache.get("crown")
        if cached is None:
            cached = [c.id for c in self.components() if self.crown_jewel_reasons(c.id)]
            self._cache["crown"] = cached
        return [self.component(n) for n in cached]

    @property
    def graph(self) -> nx.MultiDiGraph:
        """A frozen snapshot of the graph for your own networkx algorithms.

        Nodes are component ids with ``kind``, ``zone`` and the stated
        attributes; edges are flows keyed by flow id. The snapshot cannot be
        changed structurally, and changing its attribute dicts does not change
        the model.
        """
        cached = self._cache.get("graph")
        if cached is None:
            cached = nx.freeze(self._g.copy())
            self._cache["graph"] = cached
        return cached

    # -- whole model ----------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The model as plain data in the file layout (stable key order)."""
        out: dict[str, Any] = {"schema_version": SCHEMA_VERSION}
        out["system"] = {"id": self._id, **{k: _plain(self._facts[k]) for k in sorted(self._facts)}}
        if self._custom:
            custom = []
            for spec in self._custom.values():
                entry: dict[str, Any] = {"name": spec.name}
                if spec.choices is not None:
                    entry["choices"] = list(spec.choices)
                if spec.description:
                    entry["description"] = spec.description
                if spec.kinds:
                    entry["kinds"] = list(spec.kinds)
                entry["type"] = spec.type
                custom.append(entry)
            out["custom_attributes"] = custom
        out["zones"] = [
            {"id": z.id, **{k: v for k, v in sorted({**z.attrs, "trust": z.trust}.items())}}
            for z in self._zones.values()
        ]
        components = []
        for n, d in self._g.nodes(data=True):
            entry = {"id": n, "kind": d["kind"], "zone": d["zone"]}
            for key in sorted(d):
                if key not in ("kind", "zone"):
                    entry[key] = _plain(d[key])
            components.append(entry)
        out["components"] = components
        flows = []
        for fid, (u, v) in self._flows.items():
            d = self._g.edges[u, v, fid]
            entry = {"id": fid, "from": u, "to": v}
            for key in sorted(d):
                entry[key] = _plain(d[key])
            flows.append(entry)
        out["flows"] = flows
        return out

    @classmethod
    def from_dict(cls, data: Any, *, source: str | None = None) -> SystemModel:
        """Build a model from plain data in the file layout.

        Older schema versions are migrated (see ``notices``); every problem is
        reported at once in a :class:`~workbench.errors.ModelError`.
        """
        return model_from_data(data, {}, source)

    @classmethod
    def _build(cls, data: Mapping[str, Any]) -> SystemModel:
        """Build from data that :func:`validate_data` accepted (no re-validation)."""
        system = dict(data["system"])
        model_id = system.pop("id")
        facts = {k: _SYSTEM[k].check(v)[0] for k, v in system.items() if v is not None}
        custom: dict[str, AttrSpec] = {}
        for entry in data.get("custom_attributes") or ():
            spec = custom_spec(
                entry["name"],
                entry["type"],
                kinds=entry.get("kinds"),
                description=entry.get("description"),
                choices=entry.get("choices"),
            )
            custom[spec.name] = spec
        zones = {}
        for entry in data.get("zones") or ():
            attrs = {k: v for k, v in entry.items() if k not in ("id", "trust") and v is not None}
            zones[entry["id"]] = Zone(entry["id"], entry["trust"], MappingProxyType(attrs))
        graph = nx.MultiDiGraph()
        tables: dict[str, dict[str, AttrSpec]] = {}
        for entry in data.get("components") or ():
            kind = entry["kind"]
            table = tables.get(kind)
            if table is None:
                table = tables[kind] = attributes_for(kind, custom)
            attrs = {}
            for key, value in entry.items():
                if key in ("id", "kind", "zone") or value is None:
                    continue
                attrs[key] = table[key].normalise(value)
            graph.add_node(entry["id"], kind=kind, zone=entry["zone"], **attrs)
        flows: dict[str, tuple[str, str]] = {}
        for entry in data.get("flows") or ():
            attrs = {}
            for key, value in entry.items():
                if key in ("id", "from", "to") or value is None:
                    continue
                if key == "data" and not value:
                    continue
                attrs[key] = _FLOW[key].normalise(value)
            graph.add_edge(entry["from"], entry["to"], key=entry["id"], **attrs)
            flows[entry["id"]] = (entry["from"], entry["to"])
        model = cls.__new__(cls)
        model._init_state(model_id, facts, custom, zones, graph, flows)
        return model

    def copy(self) -> SystemModel:
        """An independent copy of the model."""
        other = SystemModel.__new__(SystemModel)
        other._init_state(
            self._id,
            dict(self._facts),
            dict(self._custom),
            dict(self._zones),
            self._g.copy(),
            dict(self._flows),
        )
        other._views = dict(self._views)
        other._flow_views = dict(self._flow_views)
        other.notices = list(self.notices)
        other.source = self.source
        return other

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SystemModel):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"<SystemModel {self._id!r}: {len(self._zones)} zones, "
            f"{self._g.number_of_nodes()} components, {len(self._flows)} flows>"
        )


def model_from_data(
    data: Any,
    lines: Mapping[tuple[str | int, ...], int] | None,
    filename: str | None,
    extra_issues: list[Issue] | None = None,
) -> SystemModel:
    """Migrate, validate and build a model from parsed data (see ``loads_model``)."""
    data, line_map, notices = migrate(data, lines, filename)
    issues = list(extra_issues or []) + validate_data(data, line_map, filename)
    if issues:
        issues.sort(key=lambda i: (i.line is None, i.line or 0))
        n = len(issues)
        raise ModelError(
            f"{filename or 'model'}: invalid model, {n} problem{'s' if n != 1 else ''}", issues
        )
    model = SystemModel._build(data)
    model.notices = notices
    model.source = filename
    return model
