"""The analysis context: one pass over the model's graph, shared by all rules.

Everything that needs a graph traversal (reachability from entry points,
upstream and downstream sets) is computed once, as a breadth-first search over
plain adjacency lists, and cached, so a rule library runs in time linear in the
size of the model.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from operator import attrgetter
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from workbench.catalog import Catalog
    from workbench.model import SystemModel
    from workbench.model.system import Flow
    from workbench.rules._graph import IndexGraph

__all__ = ["EMPTY", "Context", "Match"]


@dataclass
class Match:
    """A condition that held, with the assumptions it made and its evidence."""

    assumptions: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    path: list[str] = field(default_factory=list)
    vars: dict[str, str] = field(default_factory=dict)
    #: the unstated attributes assumed, as (component or flow id, attribute)
    unstated: list[tuple[str, str]] = field(default_factory=list)

    def merge(self, other: Match) -> None:
        for a in other.assumptions:
            if a not in self.assumptions:
                self.assumptions.append(a)
        for u in other.unstated:
            if u not in self.unstated:
                self.unstated.append(u)
        for e in other.evidence:
            if e not in self.evidence:
                self.evidence.append(e)
        if other.path and not self.path:
            self.path = other.path
        for k, v in other.vars.items():
            self.vars.setdefault(k, v)


#: The match of a condition that adds no evidence (shared: never mutate it).
EMPTY = Match()


class Context:
    """Indexes of one model for rule evaluation."""

    def __init__(self, model: SystemModel, catalog: Catalog | None = None) -> None:
        self.model = model
        self.catalog = catalog
        self.components = {c.id: c for c in model.components()}
        self.order = {cid: i for i, cid in enumerate(self.components)}
        self.flows = {f.id: f for f in model.flows()}
        zone_trust = {z.id: z.trust for z in model.zones()}
        self.trust: dict[str, int] = {cid: zone_trust[c.zone] for cid, c in self.components.items()}
        # each component's flows out and in, in model order (the flows themselves: no tuples)
        self.out_adj: dict[str, list[Flow]] = {cid: [] for cid in self.components}
        self.in_adj: dict[str, list[Flow]] = {cid: [] for cid in self.components}
        for f in self.flows.values():
            self.out_adj[f.source].append(f)
            self.in_adj[f.target].append(f)
        self.entry_points: list[str] = [c.id for c in model.entry_points()]
        self.entry_set = set(self.entry_points)
        self.crown_jewels: set[str] = {c.id for c in model.crown_jewels()}
        self._reach: dict[Any, tuple[dict[str, str | None], dict[str, str]]] = {}
        self._sets: dict[Any, Any] = {}
        self._taint: Any = None
        self._graph: IndexGraph | None = None
        self._confidentiality: Any = None
        self._kind_attrs: dict[str, frozenset[str]] = {}
        self.by_kind: dict[str, list[Any]] = {}
        for c in self.components.values():
            self.by_kind.setdefault(c.kind, []).append(c)
        # People pass data on by choice, not automatically: untrusted input that
        # reaches an actor does not flow on through it (it may still be an entry point).
        self.relays = {cid for cid, c in self.components.items() if c.kind != "actor"}

    @cached_property
    def succ(self) -> dict[str, list[str]]:
        """Each component's successors, each once, without flow ids."""
        return {cid: list(dict.fromkeys(f.target for f in e)) for cid, e in self.out_adj.items()}

    @cached_property
    def pred(self) -> dict[str, list[str]]:
        """Each component's predecessors, each once, without flow ids."""
        return {cid: list(dict.fromkeys(f.source for f in e)) for cid, e in self.in_adj.items()}

    @property
    def graph(self) -> IndexGraph:
        """The graph as integer arrays (:class:`~workbench.rules._graph.IndexGraph`), once."""
        if self._graph is None:
            from workbench.rules._graph import IndexGraph  # numpy: only when analysing

            self._graph = IndexGraph(self)
        return self._graph

    @property
    def taint(self) -> Any:
        """Untrusted content along flows (:class:`~workbench.rules.propagation.Taint`), once."""
        if self._taint is None:
            from workbench.rules.propagation import compute_taint

            self._taint = compute_taint(self)
        return self._taint

    @property
    def confidentiality(self) -> Any:
        """Confidential data along flows (:class:`~workbench.rules.propagation.Confidentiality`)."""
        if self._confidentiality is None:
            from workbench.rules.propagation import compute_confidentiality

            self._confidentiality = compute_confidentiality(self)
        return self._confidentiality

    def of_kinds(self, kinds: frozenset[str]) -> list[Any]:
        """Components of the given kinds, in model order."""
        out = [c for k in kinds for c in self.by_kind.get(k, ())]
        out.sort(key=lambda c: self.order[c.id])
        return out

    def has_attribute(self, kind: str, name: str) -> bool:
        """Whether components of *kind* have the attribute *name* (custom ones included)."""
        attrs = self._kind_attrs.get(kind)
        if attrs is None:
            attrs = frozenset(self.model.attributes_for(kind))
            self._kind_attrs[kind] = attrs
        return name in attrs

    # -- names -----------------------------------------------------------------
    def name(self, cid: str) -> str:
        comp = self.components.get(cid)
        return comp.name if comp is not None else cid

    def path_text(self, nodes: Iterable[str]) -> str:
        return " → ".join(self.name(n) for n in nodes)

    # -- reachability from entry points -----------------------------------------
    def entries_of_kinds(self, kinds: frozenset[str] | None) -> list[str]:
        if kinds is None:
            return self.entry_points
        return [e for e in self.entry_points if self.components[e].kind in kinds]

    def reach(
        self, kinds: frozenset[str] | None = None
    ) -> tuple[dict[str, str | None], dict[str, str]]:
        """Multi-source BFS from the entry points (of the given kinds).

        Returns ``(parent, origin)``: the BFS parent of every reached component
        (``None`` for the entry points themselves) and the entry point each was
        first reached from. Entry points reached from another entry point keep
        ``None`` as parent.
        """
        cached = self._reach.get(kinds)
        if cached is not None:
            return cached
        g = self.graph
        found = g.search(self.entries_of_kinds(kinds), relays_only=True)
        parent: dict[str, str | None] = g.by_id(found.parent, found.origin, as_ids=True)
        origin: dict[str, str] = g.by_id(found.origin, found.origin, as_ids=True)
        self._reach[kinds] = (parent, origin)
        return parent, origin

    def path_from_entry(self, node: str, kinds: frozenset[str] | None = None) -> list[str]:
        parent, _origin = self.reach(kinds)
        path = [node]
        cur = parent.get(node)
        while cur is not None:
            path.append(cur)
            cur = parent.get(cur)
        path.reverse()
        return path

    def reachable_from_entries(self, node: str, kinds: frozenset[str] | None = None) -> bool:
        """True when *node* is reached by a path of at least one flow from an entry point."""
        parent, _origin = self.reach(kinds)
        if node not in parent:
            return False
        if parent[node] is not None:
            return True
        # an entry point itself: reachable only if another entry point reaches it
        return any(f.source in parent for f in self.in_adj[node])

    # -- closures of a node set ---------------------------------------------------
    def closure(self, start: Iterable[str], forward: bool) -> set[str]:
        """Nodes reachable from (forward) or reaching (backward) *start*, by >= 1 flow."""
        adj = self.out_adj if forward else self.in_adj
        end = attrgetter("target" if forward else "source")
        seen: set[str] = set()
        queue: deque[str] = deque()
        for s in start:
            for nxt in map(end, adj[s]):
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append(nxt)
        while queue:
            node = queue.popleft()
            for nxt in map(end, adj[node]):
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append(nxt)
        return seen

    def rules_done(self) -> None:
        """Drop what only rules read (memos, propagations, neighbour lists): the attack-path
        search that follows needs the graph and the indexes alone, and runs in less memory."""
        self._sets.clear()
        self._taint = self._confidentiality = None
        for name in ("succ", "pred"):
            self.__dict__.pop(name, None)

    def cached(self, key: Any, compute: Any) -> Any:
        value = self._sets.get(key)
        if value is None:
            value = compute()
            self._sets[key] = value
        return value
