"""What moves along flows: untrusted content and confidential data.

Two propagations, each computed once per analysis in time linear in the size of
the model (``docs/analysis/propagation.md`` states the exact semantics):

* **untrusted content** (:class:`Taint`): what an entry point writes, carried
  through any chain of applications, agents, models, stores, pipelines, indexes
  and tools. Every component has at most two states, *direct* (the outsider's
  own words, passed on live by applications, agents, inference endpoints and
  models) and *stored* (content that went through a store, pipeline, index or
  tool first, or that a tool or agent fetched from outside). One breadth-first
  search over the (component, state) pairs: O(2 (V + E)).
* **confidentiality** (:class:`Confidentiality`): data of sensitivity
  ``confidential`` or above, from where it is held (a store's
  ``sensitivity``, a model's ``trained_on``, ``contains_secrets``) or from a
  flow that states it (``sensitivity``, or ``personal_data`` / ``credentials``
  in its ``data``), to everything that receives it. Sources are visited in
  waves from the most trusted zone down, so every component is reached once and
  remembers the most trusted origin of the confidential data it holds; a
  second, backward search gives each component the least trusted party its
  output reaches. O(V + E) each, plus sorting the distinct trust levels.

People pass data on by choice, not automatically: an actor receives content or
data but never relays it (it may still be where the content starts).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workbench.model.definitions import SENSITIVITY

if TYPE_CHECKING:  # pragma: no cover
    from workbench.rules.context import Context

__all__ = [
    "DIRECT",
    "STORED",
    "Confidentiality",
    "Taint",
    "compute_confidentiality",
    "compute_taint",
]

DIRECT, STORED = 0, 1
STATE_NAMES = {DIRECT: "direct", STORED: "stored"}

#: Kinds that pass an outsider's words on live (a sensor hears or sees them as they are
#: spoken or shown): the content stays *direct*.
LIVE_KINDS = frozenset({"application", "agent", "inference_endpoint", "model", "sensor"})
#: Kinds that hold what they receive; a flow of queries into them taints nothing.
STORE_KINDS = frozenset(
    {"knowledge_source", "data_store", "vector_store", "dataset", "model_registry"}
)
#: Data kinds that carry no text a model could read as instructions.
NO_CONTENT = frozenset({"credentials", "model_artifact"})
#: Data kinds in which typed input travels live into a prompt.
LIVE_DATA = frozenset(
    {"user_input", "prompt", "model_output", "tool_call", "tool_result", "retrieved_context"}
)
#: Data kinds of a query (a request whose answer comes back on a flow of its own).
QUERY_DATA = frozenset({"user_input", "prompt", "tool_call"})
#: Tools whose arguments are only read, never written anywhere.
READ_ONLY_EFFECTS = frozenset({"none", "read"})

CONFIDENTIAL = SENSITIVITY.index("confidential")
_PERSONAL = SENSITIVITY.index("personal")  # the level personal_data on a flow implies
#: Data kinds that do not carry the data a component holds onward.
NO_DATA = frozenset({"telemetry", "credentials", "configuration", "model_artifact", "feedback"})


def _answered(ctx: Context, flow: Any) -> bool:
    """Whether a flow goes back from *flow*'s target to its source (the answer's way)."""
    back = flow.source
    return any(f.target == back for f in ctx.out_adj[flow.target])


@dataclass(frozen=True, slots=True)
class _DataClass:
    """What a flow's data kinds say, computed once per distinct ``data`` list."""

    no_content: bool  # only credentials or model artifacts
    query_only: bool  # only user_input, prompt or tool_call
    live: bool  # no data stated, or some that travels live into a prompt
    no_data: bool  # passes no confidential data on
    personal: bool


_CLASSES: dict[tuple[str, ...], _DataClass] = {}


def data_class(data: tuple[str, ...]) -> _DataClass:
    found = _CLASSES.get(data)
    if found is None:
        kinds = set(data)
        found = _DataClass(
            no_content=bool(kinds) and kinds <= NO_CONTENT,
            query_only=bool(kinds) and kinds <= QUERY_DATA,
            live=not kinds or bool(kinds & LIVE_DATA),
            no_data=bool(kinds) and kinds <= NO_DATA,
            personal="personal_data" in kinds,
        )
        if len(_CLASSES) < 4096:
            _CLASSES[data] = found
    return found


def is_query(ctx: Context, flow: Any) -> bool:
    """A request to a store or a read-only tool, answered on a flow back: it writes nothing."""
    if not data_class(tuple(flow.data)).query_only:
        return False
    target = ctx.components[flow.target]
    if target.kind == "tool":
        if target.get("side_effects") not in READ_ONLY_EFFECTS:
            return False
    elif target.kind not in STORE_KINDS:
        return False
    return _answered(ctx, flow)


# -- untrusted content ----------------------------------------------------------------


@dataclass
class Taint:
    """Where untrusted content goes: per (component, state) the step it came by.

    ``parent[(node, state)]`` is ``(previous node, previous state, flow id)``, or
    ``None`` where the content starts (``origin[node]`` then says why).
    """

    parent: dict[tuple[str, int], tuple[str, int, str] | None]
    origin: dict[str, str]
    #: per flow, the state content has at its target when it leaves the source direct / stored
    steps: dict[str, tuple[int | None, int | None]]

    def step(self, flow_id: str, state: int) -> int | None:
        return self.steps[flow_id][state]

    def has(self, node: str, state: int) -> bool:
        return (node, state) in self.parent

    def chain(self, node: str, state: int) -> tuple[list[str], list[str]]:
        """Components and flows from where the content starts to *node*."""
        nodes, flows = [node], []
        step = self.parent[(node, state)]
        while step is not None:
            prev, prev_state, fid = step
            nodes.append(prev)
            flows.append(fid)
            step = self.parent[(prev, prev_state)]
        nodes.reverse()
        flows.reverse()
        return nodes, flows


#: What a flow does to untrusted content leaving its source direct and stored (shared tuples).
_STOPS: tuple[None, None] = (None, None)
_LIVE = (DIRECT, STORED)
_STORED = (STORED, STORED)


def _steps(ctx: Context, flow: Any) -> tuple[int | None, int | None]:
    """The state untrusted content has at the flow's target when it leaves the source direct
    and stored (None: the flow stops it)."""
    dc = data_class(tuple(flow.data))
    if dc.no_content:
        return _STOPS
    if is_query(ctx, flow):
        return _STOPS
    if dc.live:
        target = ctx.components[flow.target]
        if target.kind in LIVE_KINDS:
            return _LIVE
        if target.kind == "data_store" and target.get("stores_chat_history") is True:
            return _LIVE  # the conversation replayed as history: the user's own words
    return _STORED


def _fetches_outside(comp: Any) -> str | None:
    if comp.kind == "tool" and comp.get("fetches_external_content") is True:
        return "fetches content from outside (fetches_external_content = true)"
    if comp.kind == "agent":
        for attr in ("browsing", "computer_use"):
            if comp.get(attr) is True:
                return f"reads web pages ({attr} = true)"
    return None


def compute_taint(ctx: Context) -> Taint:
    """One breadth-first search over (component, state) pairs from every source."""
    parent: dict[tuple[str, int], tuple[str, int, str] | None] = {}
    origin: dict[str, str] = {}
    queue: deque[tuple[str, int]] = deque()
    late: list[str] = []  # stored-content sources, seeded once the outsiders' own reach is known
    for eid in ctx.entry_points:
        comp = ctx.components[eid]
        if comp.kind == "actor":
            parent[(eid, DIRECT)] = None
            origin[eid] = "an entry point"
            queue.append((eid, DIRECT))
        else:
            late.append(eid)
    for cid, comp in ctx.components.items():
        why = _fetches_outside(comp)
        if why is not None and cid not in ctx.entry_set:
            late.append(cid)
            origin[cid] = why
    out_adj, comps = ctx.out_adj, ctx.components
    steps = {fid: _steps(ctx, f) for fid, f in ctx.flows.items()}
    people = {cid for cid, c in comps.items() if c.kind == "actor"}

    def run() -> None:
        while queue:
            node, state = queue.popleft()
            if node in people and parent[(node, state)] is not None:
                continue  # people do not relay
            for f in out_adj[node]:
                fid, nxt = f.id, f.target
                new = steps[fid][state]
                if new is not None and (nxt, new) not in parent:
                    parent[(nxt, new)] = (node, state, fid)
                    queue.append((nxt, new))

    run()
    for cid in late:
        origin.setdefault(cid, "an entry point")
        if (cid, STORED) not in parent:
            parent[(cid, STORED)] = None
            queue.append((cid, STORED))
    run()
    return Taint(parent, origin, steps)


# -- confidentiality --------------------------------------------------------------------


def node_level(comp: Any) -> int:
    """Index in SENSITIVITY of the data a store holds (-1: nothing stated, or no store).

    What a model learned (``trained_on``) and secrets in prompts, models and indexes
    (``contains_secrets``) have rules of their own; they do not travel as data.
    """
    value = comp.get("sensitivity")
    return SENSITIVITY.index(value) if value in SENSITIVITY else -1


def flow_level(flow: Any) -> tuple[int | None, int]:
    """(stated level or None, level implied by the data kinds carried, -1 for none)."""
    stated = flow.get("sensitivity")
    implied = _PERSONAL if data_class(tuple(flow.data)).personal else -1
    return (SENSITIVITY.index(stated) if stated in SENSITIVITY else None), implied


def passes_data(flow: Any) -> bool:
    """Whether a flow passes on the data its source holds (not only signals or artifacts)."""
    return not data_class(tuple(flow.data)).no_data


def relays_data(comp: Any) -> bool:
    """People choose what to pass on; a model other than an LLM emits a verdict, not the data."""
    if comp.kind == "actor":
        return False
    return not (comp.kind == "model" and comp.get("model_type") not in (None, "llm"))


@dataclass(frozen=True, slots=True)
class Held:
    """Confidential data at a component: its origin, level and the origin's zone trust."""

    origin: str
    level: int
    trust: int
    parent: tuple[str, str] | None  # (previous component, flow id); None at the origin
    seeded: bool = False  # brought in by a flow that states it: the chain starts at the flow


@dataclass
class Confidentiality:
    held: dict[str, Held]
    flow_seed: dict[str, Held]  # flows that bring confidential data in themselves
    party: dict[str, tuple[int, str, tuple[str, str] | None]]  # node -> (trust, party, next hop)
    toward: dict[str, tuple[int, str, tuple[str, str] | None]]  # search tree towards parties
    stops: set[str]  # flows that pass no confidential data on
    relays: set[str]  # components that pass on the data they receive

    def chain(self, node: str) -> list[str]:
        nodes = [node]
        held: Held | None = self.held[node]
        while held is not None and held.parent is not None:
            nodes.append(held.parent[0])
            held = None if held.seeded else self.held.get(held.parent[0])
        nodes.reverse()
        return nodes

    def output_chain(self, node: str) -> list[str]:
        nodes = [node]
        step = self.party[node][2]
        while step is not None:
            nodes.append(step[0])
            step = self.toward[step[0]][2]
        return nodes

    def on_flow(self, ctx: Context, flow: Any) -> Held | None:
        """The confidential data a flow carries, or None."""
        seed = self.flow_seed.get(flow.id)
        held = self.held.get(flow.source)
        if held is None or flow.id in self.stops:
            stated, _implied = flow_level(flow)
            return None if stated is not None and stated < CONFIDENTIAL else seed
        if held.parent is not None and flow.source not in self.relays:
            return seed
        return held if seed is None or held.trust >= seed.trust else seed


def party_trust(comp: Any, trust: int) -> int | None:
    """The trust of a party that may see what reaches it, or None if it is no party."""
    if comp.kind == "actor":
        return None if comp.get("trusted") is True else trust
    if comp.kind == "external_service" and comp.get("data_leaves_organisation") is not False:
        return trust
    if comp.kind == "model" and comp.get("origin") == "third_party_api":
        return trust
    return None


def compute_confidentiality(ctx: Context) -> Confidentiality:
    comps, flows = ctx.components, ctx.flows
    in_flow_level: dict[str, int] = {}
    levels: dict[str, int] = {}
    stops: set[str] = set()  # flows that pass no confidential data on
    for f in flows.values():
        stated, implied = flow_level(f)
        level = levels[f.id] = stated if stated is not None else implied
        if (stated is not None and stated < CONFIDENTIAL) or not passes_data(f):
            stops.add(f.id)
        if level > in_flow_level.get(f.target, -1):
            in_flow_level[f.target] = level
    waves: dict[int, list[tuple[str, Held]]] = {}
    for cid, comp in comps.items():
        level = node_level(comp)
        if level >= CONFIDENTIAL:
            waves.setdefault(ctx.trust[cid], []).append(
                (cid, Held(cid, level, ctx.trust[cid], None))
            )
    flow_seed: dict[str, Held] = {}
    for f in flows.values():
        level = levels[f.id]
        if level < CONFIDENTIAL:
            continue
        src = f.source
        if node_level(comps[src]) >= CONFIDENTIAL or in_flow_level.get(src, -1) >= CONFIDENTIAL:
            continue  # inherited from upstream: the source passes on what it received
        held = Held(src, level, ctx.trust[src], (src, f.id), seeded=True)
        flow_seed[f.id] = held
        waves.setdefault(ctx.trust[src], []).append((f.target, held))
    held_at: dict[str, Held] = {}
    queue: deque[str] = deque()
    relays = {cid for cid, c in comps.items() if relays_data(c)}
    for trust in sorted(waves, reverse=True):
        for cid, h in waves[trust]:
            if cid not in held_at:
                held_at[cid] = h
                queue.append(cid)
        while queue:
            node = queue.popleft()
            h = held_at[node]
            if h.parent is not None and node not in relays:
                continue
            for f in ctx.out_adj[node]:
                fid, nxt = f.id, f.target
                if nxt in held_at or fid in stops:
                    continue
                held_at[nxt] = Held(h.origin, h.level, h.trust, (node, fid))
                queue.append(nxt)
    # the least trusted party each component's output reaches (backward waves)
    party: dict[str, tuple[int, str, tuple[str, str] | None]] = {}
    sinks: dict[int, list[str]] = {}
    for cid, comp in comps.items():
        t = party_trust(comp, ctx.trust[cid])
        if t is not None:
            sinks.setdefault(t, []).append(cid)
    reached: dict[str, tuple[int, str, tuple[str, str] | None]] = {}
    back: deque[str] = deque()
    for trust in sorted(sinks):
        for cid in sinks[trust]:
            if cid not in reached:
                reached[cid] = (trust, cid, None)
                back.append(cid)
        while back:
            node = back.popleft()
            t, who, _ = reached[node]
            if reached[node][2] is not None and node not in relays:
                continue
            for f in ctx.in_adj[node]:
                fid, prev = f.id, f.source
                if fid in stops:
                    continue
                step = None  # one tuple shared by both tables
                if prev not in party:
                    step = party[prev] = (t, who, (node, fid))
                if prev not in reached:
                    reached[prev] = step or (t, who, (node, fid))
                    back.append(prev)
    return Confidentiality(held_at, flow_seed, party, reached, stops, relays)
