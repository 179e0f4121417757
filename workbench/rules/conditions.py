"""The closed vocabulary of rule conditions.

A rule's ``when`` is one condition, written as a mapping with exactly one of
the keys below (``all``, ``any`` and ``not`` combine conditions). Nothing is
evaluated as code: each key maps to one of the classes here, and what the
vocabulary cannot say is a Python predicate registered by name (see
:mod:`workbench.rules.predicates`).

Conditions on a component:

``kind: model`` or ``kind: [tool, agent]``
    the component is of one of these kinds
``attr: NAME`` with one test ``equals: V``, ``in: [..]``, ``not_in: [..]``,
``present: true``, ``absent: true``, ``at_least: V``, ``at_most: V`` (ordered
enums such as sensitivity and criticality) or ``contains: [..]`` (lists), and
``unstated: matches`` or ``unstated: no_match``
    an attribute test, saying how an unstated attribute is treated: ``matches``
    assumes the insecure value and records the assumption in the finding
``zone_trust: {at_most: 1}`` / ``{at_least: 3}``
    the trust level of the component's zone
``reachable_from_untrusted: true`` or ``{entry_kinds: [knowledge_source]}``
    a directed path of flows leads from an entry point (of those kinds) to it
``entry_point: true`` / ``crown_jewel: true``
    the component is an entry point / a crown jewel (docs/knowledge/concepts.md#entry-points, #crown-jewels)
``upstream_of: COND`` / ``downstream_of: COND``
    some component matching COND is reachable from it / reaches it; as
    ``{where: COND, data: [..]}`` only along flows that carry one of those data
    kinds (e.g. model artifacts, not the inference traffic around a model)
``sends_to: COND`` / ``receives_from: COND`` (optionally ``data: [..]`` beside
the nested condition, as ``{where: COND, data: [..]}``)
    a direct flow to / from a component matching COND
``predicate: NAME``
    a Python predicate shipped in the package or an installed plugin

Conditions on a flow:

``data: [user_input, prompt]``
    the flow carries any of these data kinds
``crosses_boundary: true``
    its ends sit in zones of different trust
``into_higher_trust: true``
    it carries data from a lower-trust zone into a higher-trust one
``attr: encrypted`` (and the other attribute tests above) on the flow
``source: COND`` / ``target: COND``
    a condition on the component the flow comes from / goes to

Conditions on a propagation:

``untrusted_content: direct | stored | any``
    content an outsider writes reaches it live (``direct``), or after a store,
    pipeline, index or tool (``stored``); on a flow: the flow carries it
``confidential_data: held | exposed``
    data of sensitivity confidential or above reaches it (``held``) and, for
    ``exposed``, goes on to a party less trusted than where the data is held
    (on a flow: the flow itself goes into such a zone); both on a component or
    a flow, as docs/analysis/propagation.md defines them
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar

from workbench._input.locate import Locator, parse_path
from workbench._input.locate import Path as LinePath
from workbench.errors import Issue
from workbench.model.definitions import CRITICALITY, SENSITIVITY
from workbench.rules.context import EMPTY, Context, Match
from workbench.rules.propagation import DIRECT, STORED

__all__ = [
    "COMPONENT_KEYS",
    "FLOW_KEYS",
    "Condition",
    "compile_condition",
]

#: A set of component or flow ids: anything that answers ``in`` (a set, a dict's keys).
Ids = Collection[str]

ORDERED_VALUES: dict[str, tuple[str, ...]] = {
    "sensitivity": SENSITIVITY,
    "trained_on": SENSITIVITY,
    "criticality": CRITICALITY,
    "autonomy": ("suggest", "act_with_approval", "act"),
}

ATTR_TESTS = ("equals", "in", "not_in", "present", "absent", "at_least", "at_most", "contains")
COMPONENT_KEYS = (
    "all",
    "any",
    "not",
    "kind",
    "attr",
    "zone_trust",
    "reachable_from_untrusted",
    "entry_point",
    "crown_jewel",
    "upstream_of",
    "downstream_of",
    "sends_to",
    "receives_from",
    "predicate",
    # what moves along flows (propagation block at the end of this module)
    "untrusted_content",
    "confidential_data",
)
FLOW_KEYS = (
    "all",
    "any",
    "not",
    "data",
    "crosses_boundary",
    "into_higher_trust",
    "attr",
    "source",
    "target",
    "predicate",
    # what moves along flows (propagation block at the end of this module)
    "untrusted_content",
    "confidential_data",
)
ATTR_KEYS = ("attr", *ATTR_TESTS, "unstated")


class Condition:
    """Base class: ``evaluate`` returns a :class:`Match` or ``None``."""

    #: Whether :func:`candidate_ids` keeps this condition's candidate set to the end of the
    #: analysis (for the rules that share it); conditions whose sets combine others' make
    #: new sets that rules seldom share, so they set it to False.
    keep_among: ClassVar[bool] = True

    def evaluate(self, ctx: Context, element: Any) -> Match | None:  # pragma: no cover
        raise NotImplementedError

    def describe(self) -> str:  # pragma: no cover
        raise NotImplementedError

    def key(self) -> Any:
        """A hashable description of the condition: equal conditions share cached sets."""
        return id(self)

    def holds(self, ctx: Context, element: Any) -> bool:
        """Whether :meth:`evaluate` gives a match, without building it (cheaper)."""
        return self.evaluate(ctx, element) is not None

    def filter(self, ctx: Context, elements: list[Any]) -> list[Any]:
        """The *elements* this condition holds for, in their order: :meth:`holds` on each,
        decided for the whole list at once where a condition knows a quicker way."""
        holds = self.holds
        return [el for el in elements if holds(ctx, el)]

    def among(self, ctx: Context) -> Ids | None:
        """A set of element ids that holds every one this condition can hold for, read from
        what the analysis computes once anyway (None: no such set). Not cached: use
        :func:`candidate_ids`."""
        return None

    def cache_key(self) -> Any:
        """:meth:`key`, computed once (conditions do not change once compiled)."""
        found = self.__dict__.get("_cache_key")
        if found is None:
            found = self.__dict__["_cache_key"] = self.key()
        return found


@dataclass(eq=False)
class All(Condition):
    keep_among: ClassVar[bool] = False
    parts: list[Condition]

    def key(self) -> Any:
        return ("all", tuple(p.key() for p in self.parts))

    def evaluate(self, ctx: Context, element: Any) -> Match | None:
        found = []
        for part in self.parts:
            m = part.evaluate(ctx, element)
            if m is None:
                return None
            if m is not EMPTY:
                found.append(m)
        if not found:
            return EMPTY
        result = Match()
        for m in found:
            result.merge(m)
        return result

    def holds(self, ctx: Context, element: Any) -> bool:
        for part in self.parts:  # noqa: SIM110 (a loop: cheaper than all() of a generator)
            if not part.holds(ctx, element):
                return False
        return True

    def filter(self, ctx: Context, elements: list[Any]) -> list[Any]:
        # each part decides only the elements every part before it held for, as holds() does
        for part in self.parts:
            if not elements:
                break
            elements = part.filter(ctx, elements)
        return elements

    def among(self, ctx: Context) -> Ids | None:
        found = [s for s in (candidate_ids(ctx, p) for p in self.parts) if s is not None]
        if not found:
            return None
        found.sort(key=len)
        if len(found) == 1:
            return found[0]
        rest = found[1:]
        return {i for i in found[0] if all(i in other for other in rest)}

    def first_failure(self, ctx: Context, element: Any) -> Condition | None:
        for part in self.parts:
            if part.evaluate(ctx, element) is None:
                return part
        return None

    def describe(self) -> str:
        return "all of: " + "; ".join(p.describe() for p in self.parts)


@dataclass(eq=False)
class AnyOf(Condition):
    keep_among: ClassVar[bool] = False
    parts: list[Condition]

    def key(self) -> Any:
        return ("any", tuple(p.key() for p in self.parts))

    def evaluate(self, ctx: Context, element: Any) -> Match | None:
        assumed: Match | None = None
        for part in self.parts:
            m = part.evaluate(ctx, element)
            if m is None:
                continue
            if not m.assumptions:
                return m  # prefer a match that needs no assumption
            if assumed is None:
                assumed = m
        return assumed

    def holds(self, ctx: Context, element: Any) -> bool:
        for part in self.parts:  # noqa: SIM110 (a loop: cheaper than any() of a generator)
            if part.holds(ctx, element):
                return True
        return False

    def filter(self, ctx: Context, elements: list[Any]) -> list[Any]:
        # each part decides only the elements no part before it held for, as holds() does
        held: set[str] = set()
        rest = elements
        for part in self.parts:
            if not rest:
                break
            found = {el.id for el in part.filter(ctx, rest)}
            if found:
                held |= found
                rest = [el for el in rest if el.id not in found]
        return [el for el in elements if el.id in held]

    def among(self, ctx: Context) -> Ids | None:
        out: set[str] = set()
        for part in self.parts:
            found = candidate_ids(ctx, part)
            if found is None:
                return None
            out.update(found)
        return out

    def describe(self) -> str:
        return "any of: " + "; ".join(p.describe() for p in self.parts)


@dataclass(eq=False)
class Not(Condition):
    part: Condition

    def key(self) -> Any:
        return ("not", self.part.key())

    def evaluate(self, ctx: Context, element: Any) -> Match | None:
        return None if self.part.holds(ctx, element) else EMPTY

    def holds(self, ctx: Context, element: Any) -> bool:
        return not self.part.holds(ctx, element)

    def filter(self, ctx: Context, elements: list[Any]) -> list[Any]:
        found = {el.id for el in self.part.filter(ctx, elements)}
        return [el for el in elements if el.id not in found]

    def describe(self) -> str:
        return f"not ({self.part.describe()})"


@dataclass(eq=False)
class Kind(Condition):
    kinds: frozenset[str]

    def key(self) -> Any:
        return ("kind", tuple(sorted(self.kinds)))

    def evaluate(self, ctx: Context, element: Any) -> Match | None:
        return EMPTY if element.kind in self.kinds else None

    def holds(self, ctx: Context, element: Any) -> bool:
        return element.kind in self.kinds

    def filter(self, ctx: Context, elements: list[Any]) -> list[Any]:
        kinds = self.kinds
        return [el for el in elements if el.kind in kinds]

    def describe(self) -> str:
        return "kind is " + " or ".join(sorted(self.kinds))


def _never(_value: Any) -> bool:
    return False


def _equals(value: Any, actual: Any) -> bool:
    return bool(actual == value)


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple, set, frozenset)):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    return str(value)


@dataclass(eq=False)
class Attr(Condition):
    name: str
    test: str
    value: Any
    unstated: str  # "matches" or "no_match"
    on_flow: bool = False

    def key(self) -> Any:
        value = tuple(self.value) if isinstance(self.value, list) else self.value
        return ("attr", self.name, self.test, value, self.unstated, self.on_flow)

    def _holds(self, actual: Any) -> bool:
        test, value = self.test, self.value
        if test == "equals":
            return bool(actual == value)
        if test == "in":
            return actual in value
        if test == "not_in":
            return actual not in value
        if test == "present":
            return True
        if test == "contains":
            items = actual if isinstance(actual, (list, tuple, set, frozenset)) else [actual]
            return any(v in items for v in value)
        order = ORDERED_VALUES.get(self.name)
        if order is None or actual not in order:
            return False
        if test == "at_least":
            return order.index(actual) >= order.index(value)
        return order.index(actual) <= order.index(value)  # at_most

    def holds(self, ctx: Context, element: Any) -> bool:
        if not self.on_flow and not ctx.has_attribute(element.kind, self.name):
            return False
        actual = element.get(self.name)
        if actual is None or actual == []:
            return self.test == "absent" or (self.test != "present" and self.unstated == "matches")
        return self.test != "absent" and self._holds(actual)

    def filter(self, ctx: Context, elements: list[Any]) -> list[Any]:
        name, test, value = self.name, self.test, self.value
        if_unstated = test == "absent" or (test != "present" and self.unstated == "matches")
        if test == "absent":
            check: Callable[[Any], bool] = _never
        elif test == "equals":
            check = partial(_equals, value)
        elif test == "in":
            check = value.__contains__
        else:
            check = self._holds
        kinds: dict[str, bool] = {}
        out = []
        for el in elements:
            if not self.on_flow:
                has = kinds.get(el.kind)
                if has is None:
                    has = kinds[el.kind] = ctx.has_attribute(el.kind, name)
                if not has:
                    continue
            actual = el.get(name)
            if (if_unstated if actual is None or actual == [] else check(actual)) is True:
                out.append(el)
        return out

    def evaluate(self, ctx: Context, element: Any) -> Match | None:
        if not self.on_flow and not ctx.has_attribute(element.kind, self.name):
            return None  # this kind has no such attribute: nothing to assume
        actual = element.get(self.name)
        if actual is None or actual == []:
            if self.test == "absent":
                return Match(evidence=[f"{self.name} not stated"])
            if self.test == "present":
                return None
            if self.unstated == "matches":
                return Match(
                    assumptions=[f"{self.name} not stated (assumed {self._assumed()})"],
                    unstated=[(element.id, self.name)],
                )
            return None
        if self.test == "absent":
            return None
        if self._holds(actual):
            return Match(evidence=[f"{self.name} = {_fmt(actual)}"])
        return None

    def _assumed(self) -> str:
        if self.test == "equals":
            return _fmt(self.value)
        if self.test in ("in", "contains"):
            return "one of " + _fmt(self.value)
        if self.test == "not_in":
            return "not " + _fmt(self.value)
        return f"{self.test.replace('_', ' ')} {_fmt(self.value)}"

    def describe(self) -> str:
        what = "flow attribute" if self.on_flow else "attribute"
        if self.test in ("present", "absent"):
            return f"{what} {self.name} is {self.test}"
        return (
            f"{what} {self.name} {self.test.replace('_', ' ')} {_fmt(self.value)}"
            f" (unstated: {self.unstated.replace('_', ' ')})"
        )


@dataclass(eq=False)
class ZoneTrust(Condition):
    at_most: int | None
    at_least: int | None

    def key(self) -> Any:
        return ("zone_trust", self.at_most, self.at_least)

    def evaluate(self, ctx: Context, element: Any) -> Match | None:
        trust = ctx.trust[element.id]
        if self.at_most is not None and trust > self.at_most:
            return None
        if self.at_least is not None and trust < self.at_least:
            return None
        return Match(evidence=[f"zone {element.zone} has trust {trust}"])

    def holds(self, ctx: Context, element: Any) -> bool:
        trust = ctx.trust[element.id]
        return (self.at_most is None or trust <= self.at_most) and (
            self.at_least is None or trust >= self.at_least
        )

    def filter(self, ctx: Context, elements: list[Any]) -> list[Any]:
        trust = ctx.trust
        high = self.at_most if self.at_most is not None else float("inf")
        low = self.at_least if self.at_least is not None else float("-inf")
        return [el for el in elements if low <= trust[el.id] <= high]

    def describe(self) -> str:
        parts = []
        if self.at_most is not None:
            parts.append(f"at most {self.at_most}")
        if self.at_least is not None:
            parts.append(f"at least {self.at_least}")
        return "zone trust " + " and ".join(parts)


@dataclass(eq=False)
class Reachable(Condition):
    entry_kinds: frozenset[str] | None
    expected: bool = True

    def key(self) -> Any:
        kinds = tuple(sorted(self.entry_kinds)) if self.entry_kinds is not None else None
        return ("reachable", kinds, self.expected)

    def evaluate(self, ctx: Context, element: Any) -> Match | None:
        if not self.holds(ctx, element):
            return None
        reached = self.expected
        if not reached:
            return Match(evidence=["not reachable from any entry point"])
        path = ctx.path_from_entry(element.id, self.entry_kinds)
        entry = path[0]
        if len(path) == 1:  # an entry point reached from another entry point
            for src in (f.source for f in ctx.in_adj[element.id]):
                if ctx.reachable_from_entries(src, self.entry_kinds) or src in ctx.entry_set:
                    path = [*ctx.path_from_entry(src, self.entry_kinds), element.id]
                    entry = path[0]
                    break
        return Match(
            evidence=[f"reachable from entry point {ctx.name(entry)} via {ctx.path_text(path)}"],
            path=path,
            vars={"entry": ctx.name(entry), "path": ctx.path_text(path)},
        )

    def holds(self, ctx: Context, element: Any) -> bool:
        return ctx.reachable_from_entries(element.id, self.entry_kinds) == self.expected

    def among(self, ctx: Context) -> Ids | None:
        return ctx.reach(self.entry_kinds)[0].keys() if self.expected else None

    def describe(self) -> str:
        who = (
            "entry points"
            if self.entry_kinds is None
            else "entry points of kind " + " or ".join(sorted(self.entry_kinds))
        )
        return ("" if self.expected else "not ") + f"reachable from {who}"


@dataclass(eq=False)
class Flag(Condition):
    which: str  # "entry_point" or "crown_jewel"
    expected: bool

    def key(self) -> Any:
        return ("flag", self.which, self.expected)

    def evaluate(self, ctx: Context, element: Any) -> Match | None:
        is_it = element.id in (ctx.entry_set if self.which == "entry_point" else ctx.crown_jewels)
        if is_it != self.expected:
            return None
        label = self.which.replace("_", " ")
        return Match(evidence=[f"{'is' if is_it else 'is not'} a {label}"])

    def holds(self, ctx: Context, element: Any) -> bool:
        is_it = element.id in (ctx.entry_set if self.which == "entry_point" else ctx.crown_jewels)
        return is_it == self.expected

    def filter(self, ctx: Context, elements: list[Any]) -> list[Any]:
        members = ctx.entry_set if self.which == "entry_point" else ctx.crown_jewels
        expected = self.expected
        return [el for el in elements if (el.id in members) == expected]

    def among(self, ctx: Context) -> Ids | None:
        if not self.expected:
            return None
        return ctx.entry_set if self.which == "entry_point" else ctx.crown_jewels

    def describe(self) -> str:
        return f"{'is' if self.expected else 'is not'} a {self.which.replace('_', ' ')}"


def kinds_of(cond: Condition) -> frozenset[str] | None:
    """The kinds a component condition can hold for (None: any kind), for indexing."""
    if isinstance(cond, Kind):
        return cond.kinds
    if isinstance(cond, All):
        kinds = [p.kinds for p in cond.parts if isinstance(p, Kind)]
        if kinds:
            out = kinds[0]
            for k in kinds[1:]:
                out = out & k
            return out
    if isinstance(cond, AnyOf):
        union: frozenset[str] = frozenset()
        for part in cond.parts:
            found = kinds_of(part)
            if found is None:
                return None
            union = union | found
        return union
    return None


def candidate_ids(ctx: Context, cond: Condition) -> Ids | None:
    """:meth:`Condition.among`, once per analysis for all the rules that share *cond*.

    Conditions with ``keep_among`` False (``all``, ``any``, ``source``/``target``: new sets
    combining others', seldom shared) have theirs made again when asked, not kept.
    """
    if not cond.keep_among:
        return cond.among(ctx)
    key = ("among", cond.cache_key())
    if key in ctx._sets:
        found: Ids | None = ctx._sets[key]
        return found
    found = ctx._sets[key] = cond.among(ctx)
    return found


def _matching(ctx: Context, cond: Condition) -> list[str]:
    """The components a nested component condition holds for, in model order; once per
    analysis for all the rules that share the condition."""

    def compute() -> list[str]:
        kinds = kinds_of(cond)
        candidates = list(ctx.components.values()) if kinds is None else ctx.of_kinds(kinds)
        return [comp.id for comp in cond.filter(ctx, candidates)]  # decided all at once

    result: list[str] = ctx.cached(("matching", cond.cache_key()), compute)
    return result


def _component_match(ctx: Context, cond: Condition, cid: str) -> Match | None:
    """The match of a nested component condition on one component, built once."""
    memo: dict[str, Match | None] = ctx.cached(("match of", cond.cache_key()), dict)
    if cid not in memo:
        memo[cid] = cond.evaluate(ctx, ctx.components[cid])
    return memo[cid]


class _Closure(Collection[str]):
    """The components a closure search reached, each with the source it reached it from:
    read from the search's own array (no dictionary of ids per closure). Iterates in model
    order."""

    __slots__ = ("_count", "_ids", "_index", "_origin", "_reached")

    def __init__(self, index: Mapping[str, int], ids: Sequence[str], origin: Any) -> None:
        self._index, self._ids, self._origin = index, ids, origin
        reached = origin >= 0
        self._reached: bytes = reached.tobytes()  # one byte per component, 1 where reached
        self._count = int(reached.sum())

    def __contains__(self, cid: object) -> bool:
        i = self._index.get(cid)  # type: ignore[call-overload]
        return i is not None and self._reached[i]

    def get(self, cid: str) -> str | None:
        """The source *cid* was reached from, or None."""
        i = self._index.get(cid)
        if i is None or not self._reached[i]:
            return None
        return self._ids[int(self._origin[i])]

    def members(self, components: list[Any]) -> list[Any]:
        """The *components* reached, in their order."""
        index, reached = self._index, self._reached
        return [c for c in components if reached[index[c.id]]]

    def __iter__(self) -> Iterator[str]:
        ids = self._ids
        return (ids[i] for i, hit in enumerate(self._reached) if hit)

    def __len__(self) -> int:
        return self._count


@dataclass(eq=False)
class Related(Condition):
    relation: str  # upstream_of, downstream_of, sends_to, receives_from
    where: Condition
    data: frozenset[str] | None = None

    def _witness(self, ctx: Context, cid: str) -> str | None:
        """The component matching ``where`` that *cid* stands in the relation to (the first
        in model order), or None."""
        if self.relation in ("upstream_of", "downstream_of"):
            return self._closure_witness(ctx).get(cid)
        memo, held = self._memos(ctx)
        if cid in memo:
            return memo[cid]
        return self._neighbour(ctx, cid, memo, held)

    def _memos(self, ctx: Context) -> tuple[dict[str, str | None], dict[str, bool]]:
        """The witnesses found so far, and what ``where`` decided per component so far."""
        memo: dict[str, str | None] = ctx.cached(("related", self.cache_key()), dict)
        held: dict[str, bool] = ctx.cached(("holds on", self.where.cache_key()), dict)
        return memo, held

    def _neighbour(
        self, ctx: Context, cid: str, memo: dict[str, str | None], held: dict[str, bool]
    ) -> str | None:
        """The witness of sends_to / receives_from among *cid*'s own flows, remembered."""
        # sends_to: a flow from cid to the witness; receives_from: from the witness to cid
        sends = self.relation == "sends_to"
        order, data, where = ctx.order, self.data, self.where
        best: str | None = None
        for f in ctx.out_adj[cid] if sends else ctx.in_adj[cid]:
            other = f.target if sends else f.source
            if best is not None and order[other] >= order[best]:
                continue
            if data is not None and data.isdisjoint(f.data):
                continue
            found = held.get(other)
            if found is None:
                found = held[other] = where.holds(ctx, ctx.components[other])
            if found:
                best = other
        memo[cid] = best
        return best

    def _closure_witness(self, ctx: Context) -> _Closure:
        def compute() -> _Closure:
            # multi-source search from the matching components (model order), remembering
            # which of them each node was first reached from; with data: only along the
            # flows that carry those data kinds
            targets = _matching(ctx, self.where)
            g = ctx.graph
            forward = self.relation == "downstream_of"
            found = g.search(targets, forward=forward, data=self.data, mark_sources=False)
            return _Closure(g.index, g.ids, found.origin)

        result: _Closure = ctx.cached(("related", self.cache_key()), compute)
        return result

    def holds(self, ctx: Context, element: Any) -> bool:
        return self._witness(ctx, element.id) is not None

    def filter(self, ctx: Context, elements: list[Any]) -> list[Any]:
        if self.relation in ("upstream_of", "downstream_of"):
            return self._closure_witness(ctx).members(elements)
        memo, held = self._memos(ctx)
        out = []
        for el in elements:
            cid = el.id
            if (memo[cid] if cid in memo else self._neighbour(ctx, cid, memo, held)) is not None:
                out.append(el)
        return out

    def among(self, ctx: Context) -> Ids | None:
        if self.relation in ("upstream_of", "downstream_of"):
            return self._closure_witness(ctx)
        return None

    def evaluate(self, ctx: Context, element: Any) -> Match | None:
        witness = self._witness(ctx, element.id)
        if witness is None:
            return None
        nested = _component_match(ctx, self.where, witness)
        assert nested is not None
        words = self.relation.replace("_", " ")
        m = Match(
            evidence=[f"{words} {ctx.name(witness)} ({ctx.components[witness].kind})"],
            vars={"other": ctx.name(witness), "other_kind": ctx.components[witness].kind},
        )
        m.assumptions.extend(f"{ctx.name(witness)}: {a}" for a in nested.assumptions)
        m.unstated.extend(nested.unstated)
        return m

    def key(self) -> Any:
        data = tuple(sorted(self.data)) if self.data is not None else None
        return (self.relation, self.where.key(), data)

    def describe(self) -> str:
        data = f" with data {_fmt(sorted(self.data))}" if self.data else ""
        return (
            f"{self.relation.replace('_', ' ')} a component where ({self.where.describe()}){data}"
        )


@dataclass(eq=False)
class Predicate(Condition):
    name: str
    function: Callable[[Context, Any], Match | None]

    def key(self) -> Any:
        return ("predicate", self.name)

    def evaluate(self, ctx: Context, element: Any) -> Match | None:
        return self.function(ctx, element)

    def describe(self) -> str:
        return f"predicate {self.name}"


# -- flow conditions ---------------------------------------------------------------


@dataclass(eq=False)
class FlowData(Condition):
    kinds: frozenset[str]

    def key(self) -> Any:
        return ("data", tuple(sorted(self.kinds)))

    def evaluate(self, ctx: Context, element: Any) -> Match | None:
        carried = sorted(set(element.data) & self.kinds)
        if not carried:
            return None
        return Match(evidence=[f"carries {', '.join(carried)}"], vars={"data": ", ".join(carried)})

    def holds(self, ctx: Context, element: Any) -> bool:
        return not self.kinds.isdisjoint(element.data)

    def filter(self, ctx: Context, elements: list[Any]) -> list[Any]:
        disjoint = self.kinds.isdisjoint
        return [el for el in elements if not disjoint(el.data)]

    def describe(self) -> str:
        return "carries any of " + _fmt(sorted(self.kinds))


@dataclass(eq=False)
class Crosses(Condition):
    into_higher: bool
    expected: bool

    def key(self) -> Any:
        return ("crosses", self.into_higher, self.expected)

    def evaluate(self, ctx: Context, element: Any) -> Match | None:
        ts, tt = ctx.trust[element.source], ctx.trust[element.target]
        if (ts < tt if self.into_higher else ts != tt) != self.expected:
            return None
        src, dst = ctx.components[element.source].zone, ctx.components[element.target].zone
        return Match(evidence=[f"from zone {src} (trust {ts}) to zone {dst} (trust {tt})"])

    def holds(self, ctx: Context, element: Any) -> bool:
        ts, tt = ctx.trust[element.source], ctx.trust[element.target]
        return (ts < tt if self.into_higher else ts != tt) == self.expected

    def filter(self, ctx: Context, elements: list[Any]) -> list[Any]:
        trust, expected = ctx.trust, self.expected
        if self.into_higher:
            return [el for el in elements if (trust[el.source] < trust[el.target]) == expected]
        return [el for el in elements if (trust[el.source] != trust[el.target]) == expected]

    def describe(self) -> str:
        what = (
            "carries data into a higher-trust zone"
            if self.into_higher
            else "crosses a trust boundary"
        )
        return (
            what if self.expected else f"does not {what.split(' ', 1)[0]} {what.split(' ', 1)[1]}"
        )


@dataclass(eq=False)
class Endpoint(Condition):
    keep_among: ClassVar[bool] = False
    end: str  # "source" or "target"
    where: Condition

    def key(self) -> Any:
        return ("endpoint", self.end, self.where.key())

    def evaluate(self, ctx: Context, element: Any) -> Match | None:
        cid = element.source if self.end == "source" else element.target
        m = self.where.evaluate(ctx, ctx.components[cid])
        if m is None:
            return None
        out = Match(evidence=[f"{self.end} {ctx.name(cid)}: {e}" for e in m.evidence])
        out.assumptions = [f"{ctx.name(cid)}: {a}" for a in m.assumptions]
        out.unstated = list(m.unstated)
        out.path = m.path
        out.vars = dict(m.vars)
        return out

    def holds(self, ctx: Context, element: Any) -> bool:
        cid = element.source if self.end == "source" else element.target
        return self.where.holds(ctx, ctx.components[cid])

    def filter(self, ctx: Context, elements: list[Any]) -> list[Any]:
        # each end component decided once, however many of the flows share it
        source = self.end == "source"
        ends = dict.fromkeys(el.source if source else el.target for el in elements)
        comps = ctx.components
        held = {c.id for c in self.where.filter(ctx, [comps[cid] for cid in ends])}
        if source:
            return [el for el in elements if el.source in held]
        return [el for el in elements if el.target in held]

    def among(self, ctx: Context) -> Ids | None:
        """The flows into (target) or out of (source) the components ``where`` can hold for."""
        kinds, ids = kinds_of(self.where), candidate_ids(ctx, self.where)
        if kinds is None and ids is None:
            return None
        comps: Ids
        if kinds is None:
            assert ids is not None
            comps = ids
        else:
            comps = [c.id for c in ctx.of_kinds(kinds)]
            if ids is not None:
                comps = [c for c in comps if c in ids]
        adj = ctx.in_adj if self.end == "target" else ctx.out_adj
        return {f.id for cid in comps for f in adj[cid]}

    def describe(self) -> str:
        return f"{self.end} component where ({self.where.describe()})"


# -- compiling from data ------------------------------------------------------------


class Compiler:
    """Turns the data of a ``when`` into :class:`Condition` objects, collecting issues."""

    def __init__(
        self,
        file: str | None,
        lines: Mapping[LinePath, int],
        known: dict[str, Any],
        predicates: dict[str, Callable[[Context, Any], Match | None]],
    ) -> None:
        self.locator = Locator(file, lines)
        self.known = known  # kinds, data kinds, attributes per kind, flow attributes
        self.predicates = predicates
        self.issues: list[Issue] = self.locator.issues

    def problem(self, path: str, message: str, at: str | None = None) -> None:
        """An issue at *path*, on the line of *at* (or of *path* or the nearest enclosing entry)."""
        line = self.locator.lines.get(parse_path(at)) if at else None
        if line is None:
            line = self.locator.line(parse_path(path))
        self.issues.append(Issue(self.locator.file, line, path, message))

    def compile(self, raw: Any, path: str, on: str) -> Condition | None:
        """Compile *raw* as a condition on a ``component`` or a ``flow``."""
        if not isinstance(raw, dict) or not raw:
            self.problem(path, "expected a condition: a mapping such as {kind: model}")
            return None
        keys = COMPONENT_KEYS if on == "component" else FLOW_KEYS
        if "attr" in raw:
            extra = [k for k in raw if k not in ATTR_KEYS]
            if extra:
                self._unknown(path, extra[0], ATTR_KEYS)
                return None
            return self._attr(raw, path, on)
        if len(raw) != 1:
            self.problem(
                path,
                "expected exactly one condition key, got "
                + ", ".join(map(str, raw))
                + " (combine conditions with all: or any:)",
            )
            return None
        ((key, value),) = raw.items()
        sub = f"{path}.{key}"
        if key not in keys:
            self._unknown(path, key, keys, on)
            return None
        if key in ("all", "any"):
            if not isinstance(value, list) or not value:
                self.problem(sub, "expected a non-empty list of conditions")
                return None
            parts = [self.compile(v, f"{sub}[{i}]", on) for i, v in enumerate(value)]
            if any(p is None for p in parts):
                return None
            clean = [p for p in parts if p is not None]
            return All(clean) if key == "all" else AnyOf(clean)
        if key == "not":
            inner = self.compile(value, sub, on)
            return Not(inner) if inner is not None else None
        if key == "predicate":
            if value not in self.predicates:
                close = difflib.get_close_matches(str(value), self.predicates, n=3)
                hint = f" (did you mean {', '.join(close)}?)" if close else ""
                self.problem(sub, f"unknown predicate {value!r}{hint}")
                return None
            return Predicate(str(value), self.predicates[str(value)])
        if key in PROPAGATION_KEYS:
            return compile_propagation(self, key, value, sub, on)
        if on == "component":
            return self._component(key, value, sub)
        return self._flow(key, value, sub)

    def _unknown(self, path: str, key: Any, allowed: Sequence[str], on: str = "") -> None:
        close = difflib.get_close_matches(str(key), allowed, n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        scope = f" on a {on}" if on else ""
        self.problem(
            f"{path}.{key}",
            f"unknown condition key {key!r}{scope}{hint} (allowed: {', '.join(allowed)})",
        )

    def _kinds(self, value: Any, path: str) -> frozenset[str] | None:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not items or not all(isinstance(v, str) for v in items):
            self.problem(path, "expected a component kind or a list of kinds")
            return None
        bad = [v for v in items if v not in self.known["kinds"]]
        for v in bad:
            close = difflib.get_close_matches(v, self.known["kinds"], n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            self.problem(path, f"unknown component kind {v!r}{hint}")
        return None if bad else frozenset(items)

    def _component(self, key: str, value: Any, path: str) -> Condition | None:
        if key == "kind":
            kinds = self._kinds(value, path)
            return Kind(kinds) if kinds is not None else None
        if key == "zone_trust":
            if not isinstance(value, dict) or not value or set(value) - {"at_most", "at_least"}:
                self.problem(path, "expected {at_most: N} and/or {at_least: N}")
                return None
            if not all(isinstance(v, int) and not isinstance(v, bool) for v in value.values()):
                self.problem(path, "trust levels are integers")
                return None
            return ZoneTrust(value.get("at_most"), value.get("at_least"))
        if key == "reachable_from_untrusted":
            if isinstance(value, bool):
                return Reachable(None, value)
            if isinstance(value, dict) and set(value) == {"entry_kinds"}:
                kinds = self._kinds(value["entry_kinds"], f"{path}.entry_kinds")
                return Reachable(kinds) if kinds is not None else None
            self.problem(path, "expected true, false or {entry_kinds: [...]}")
            return None
        if key in ("entry_point", "crown_jewel"):
            if not isinstance(value, bool):
                self.problem(path, "expected true or false")
                return None
            return Flag(key, value)
        # upstream_of, downstream_of, sends_to, receives_from
        data = None
        where_raw = value
        if isinstance(value, dict) and "where" in value:
            extra = set(value) - {"where", "data"}
            if extra:
                self.problem(path, f"unexpected keys {sorted(extra)}; expected where: and data:")
                return None
            where_raw = value["where"]
            if "data" in value:
                data = self._data_kinds(value["data"], f"{path}.data")
                if data is None:
                    return None
            sub = f"{path}.where"
        else:
            sub = path
        where = self.compile(where_raw, sub, "component")
        return Related(key, where, data) if where is not None else None

    def _data_kinds(self, value: Any, path: str) -> frozenset[str] | None:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not items:
            self.problem(path, "expected a data kind or a list of data kinds")
            return None
        bad = [v for v in items if v not in self.known["data_kinds"]]
        for v in bad:
            close = difflib.get_close_matches(str(v), self.known["data_kinds"], n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            self.problem(path, f"unknown data kind {v!r}{hint}")
        return None if bad else frozenset(items)

    def _flow(self, key: str, value: Any, path: str) -> Condition | None:
        if key == "data":
            kinds = self._data_kinds(value, path)
            return FlowData(kinds) if kinds is not None else None
        if key in ("crosses_boundary", "into_higher_trust"):
            if not isinstance(value, bool):
                self.problem(path, "expected true or false")
                return None
            return Crosses(key == "into_higher_trust", value)
        # source / target
        where = self.compile(value, path, "component")
        return Endpoint(key, where) if where is not None else None

    def _attr(self, raw: dict[str, Any], path: str, on: str) -> Condition | None:
        name = raw["attr"]
        attrs = self.known["flow_attributes"] if on == "flow" else self.known["attributes"]
        if not isinstance(name, str) or name not in attrs:
            close = difflib.get_close_matches(str(name), attrs, n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            self.problem(f"{path}.attr", f"unknown {on} attribute {name!r}{hint}")
            return None
        tests = [k for k in raw if k in ATTR_TESTS]
        if len(tests) != 1:
            self.problem(path, "an attr condition needs exactly one of " + ", ".join(ATTR_TESTS))
            return None
        test = tests[0]
        value = raw[test]
        if test in ("present", "absent"):
            if value is not True:
                self.problem(f"{path}.{test}", "expected true")
                return None
            unstated = "no_match" if test == "present" else "matches"
        else:
            unstated = str(raw.get("unstated"))
            if unstated not in ("matches", "no_match"):
                self.problem(
                    f"{path}.unstated",
                    at=f"{path}.attr",
                    message="say how an unstated attribute is treated: unstated: matches "
                    "(assume the insecure value, recorded as an assumption) or unstated: no_match",
                )
                return None
        if test in ("in", "not_in", "contains") and not isinstance(value, list):
            self.problem(f"{path}.{test}", "expected a list of values")
            return None
        if test in ("at_least", "at_most"):
            order = ORDERED_VALUES.get(name)
            if order is None:
                self.problem(f"{path}.{test}", f"{name} has no order; use equals or in")
                return None
            if value not in order:
                self.problem(f"{path}.{test}", f"expected one of {', '.join(order)}")
                return None
        return Attr(name, test, value, unstated, on_flow=(on == "flow"))


def compile_condition(
    raw: Any,
    on: str,
    known: dict[str, Any],
    predicates: dict[str, Callable[[Context, Any], Match | None]] | None = None,
    *,
    file: str | None = None,
    lines: Mapping[LinePath, int] | None = None,
    path: str = "when",
) -> tuple[Condition | None, list[Issue]]:
    """Compile one condition; return it (or ``None``) and the issues found."""
    compiler = Compiler(file, lines or {}, known, predicates or {})
    cond = compiler.compile(raw, path, on)
    return cond, compiler.issues


# -- what moves along flows ---------------------------------------------------------
#
# ``untrusted_content: direct | stored | any`` and ``confidential_data: held |
# exposed``, on a component or a flow. Both read the propagations that the
# context computes once per analysis (workbench/rules/propagation.py;
# docs/analysis/propagation.md).

PROPAGATION_KEYS = ("untrusted_content", "confidential_data")
UNTRUSTED_MODES = ("direct", "stored", "any")
CONFIDENTIAL_MODES = ("held", "exposed")


@dataclass(eq=False)
class UntrustedContent(Condition):
    """Content an outsider writes reaches the component (or the flow carries it)."""

    mode: str  # direct, stored or any
    on_flow: bool = False

    def key(self) -> Any:
        return ("untrusted_content", self.mode, self.on_flow)

    def __post_init__(self) -> None:
        self.states = {"direct": (DIRECT,), "stored": (STORED,), "any": (DIRECT, STORED)}[self.mode]

    def evaluate(self, ctx: Context, element: Any) -> Match | None:
        taint = ctx.taint
        for state in self.states:
            if self.on_flow:
                if not taint.has(element.source, state):
                    continue
                if taint.step(element.id, state) is None:
                    continue
                nodes, _flows = taint.chain(element.source, state)
                nodes = [*nodes, element.target]
            else:
                if not taint.has(element.id, state):
                    continue
                nodes, _flows = taint.chain(element.id, state)
                if len(nodes) == 1:
                    continue  # where the content starts is not its victim
            chain = ctx.path_text(nodes)
            start = ctx.name(nodes[0])
            how = taint.origin.get(nodes[0], "an entry point")
            if state == DIRECT:
                text = f"what {start} ({how}) types reaches it live: {chain}"
            else:
                text = f"content from {start} ({how}) reaches it through stored or fetched content: {chain}"
            return Match(evidence=[text], path=nodes, vars={"entry": start, "path": chain})
        return None

    def among(self, ctx: Context) -> Ids | None:
        if self.on_flow:
            return None
        states = self.states
        return {node for node, state in ctx.taint.parent if state in states}

    def describe(self) -> str:
        what = {
            "direct": "an outsider's input reaches it live (direct)",
            "stored": "content outsiders write reaches it through a store, pipeline or tool (stored)",
            "any": "content outsiders write reaches it",
        }[self.mode]
        return ("the flow carries: " if self.on_flow else "") + what


@dataclass(eq=False)
class ConfidentialData(Condition):
    """Confidential data (or above) reaches the component or flow; ``exposed``: and goes on to
    a party less trusted than the data's origin."""

    mode: str  # held or exposed
    on_flow: bool = False

    def key(self) -> Any:
        return ("confidential_data", self.mode, self.on_flow)

    def evaluate(self, ctx: Context, element: Any) -> Match | None:
        conf = ctx.confidentiality
        party = None
        if self.on_flow:
            held = conf.on_flow(ctx, element)
            if held is None:
                return None
            t = ctx.trust[element.target]
            if self.mode == "exposed" and (t >= held.trust or t >= ctx.trust[element.source]):
                return None  # only the flow that crosses into the less trusted zone
            if held is conf.held.get(element.source):
                nodes = [*conf.chain(element.source), element.target]
            else:
                nodes = [element.source, element.target]
        else:
            held = conf.held.get(element.id)
            if held is None:
                return None
            party = conf.party.get(element.id)
            if self.mode == "exposed" and (party is None or party[0] >= held.trust):
                return None
            nodes = conf.chain(element.id)
        level = SENSITIVITY[held.level]
        origin = ctx.name(held.origin)
        chain = ctx.path_text(nodes)
        evidence = [f"{level} data from {origin} reaches it: {chain}"]
        vars_ = {"other": origin, "other_kind": ctx.components[held.origin].kind, "path": chain}
        if self.mode == "exposed":
            if self.on_flow:
                target = ctx.components[element.target]
                evidence.append(
                    f"it goes to {target.name} in zone {target.zone} (trust {t}), less trusted "
                    f"than {origin} (trust {held.trust})"
                )
            else:
                assert party is not None
                who = ctx.components[party[1]]
                evidence.append(
                    f"its output reaches {who.name} ({who.kind}, zone {who.zone}, trust "
                    f"{party[0]}), less trusted than {origin} (trust {held.trust}): "
                    f"{ctx.path_text(conf.output_chain(element.id))}"
                )
                vars_["entry"] = who.name
        return Match(evidence=evidence, path=nodes, vars=vars_)

    def among(self, ctx: Context) -> Ids | None:
        return None if self.on_flow else ctx.confidentiality.held.keys()

    def describe(self) -> str:
        what = "confidential or more sensitive data reaches it"
        if self.mode == "exposed":
            what += (
                " and goes on to a less trusted zone"
                if self.on_flow
                else " and its output reaches a party less trusted than the data"
            )
        return ("the flow carries: " if self.on_flow else "") + what


def compile_propagation(
    compiler: Compiler, key: str, value: Any, path: str, on: str
) -> Condition | None:
    modes = UNTRUSTED_MODES if key == "untrusted_content" else CONFIDENTIAL_MODES
    if value not in modes:
        compiler.problem(path, f"expected one of {', '.join(modes)}")
        return None
    if key == "untrusted_content":
        return UntrustedContent(str(value), on_flow=(on == "flow"))
    return ConfidentialData(str(value), on_flow=(on == "flow"))
