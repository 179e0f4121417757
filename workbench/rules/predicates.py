"""Python predicates: what the condition vocabulary cannot say.

A predicate is a function ``(context, element) -> Match | None``. The built-in
ones live in this package; installed plugin packages add theirs through the
entry-point group ``ai_threat_workbench.predicates`` (each entry point names a
function). Rule folders are data: they can only *name* a predicate, never
bring code of their own.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from functools import cache
from importlib.metadata import entry_points
from typing import Any

from workbench.rules.context import Context, Match

__all__ = ["ENTRY_POINT_GROUP", "available_predicates", "builtin_predicates"]

ENTRY_POINT_GROUP = "ai_threat_workbench.predicates"

PredicateFn = Callable[[Context, Any], Match | None]

_STORE_KINDS = frozenset({"knowledge_source", "data_store", "vector_store"})
# data kinds through which a model's output travels on (stored, or written by a tool)
_CARRIES_OUTPUT = frozenset({"model_output", "tool_call", "tool_result"})


def _is_llm(ctx: Context, cid: str) -> bool:
    comp = ctx.components[cid]
    return comp.kind == "model" and comp.get("model_type") == "llm"


def llm_output_feeds_llm_source(ctx: Context, element: Any) -> Match | None:
    """An LLM whose output is stored where an LLM later reads it (N2).

    The first flow out of the LLM must carry ``model_output`` and each later one
    model output, a tool call or a tool result; the output must reach a
    knowledge source, data store or vector store, and that store must
    lead on to an LLM (the same one or another): a loop through which injected
    instructions can copy themselves.
    """
    if not _is_llm(ctx, element.id):
        return None

    def stores_feeding_llms() -> set[str]:
        llms = [cid for cid in ctx.components if _is_llm(ctx, cid)]
        upstream = ctx.closure(llms, forward=False)
        return {cid for cid in upstream if ctx.components[cid].kind in _STORE_KINDS}

    feeding: set[str] = ctx.cached(("pred", "stores_feeding_llms"), stores_feeding_llms)
    if not feeding:
        return None
    parent: dict[str, str] = {}
    queue: deque[str] = deque()
    for f in ctx.out_adj[element.id]:
        nxt = f.target
        if "model_output" in f.data and nxt not in parent:
            parent[nxt] = element.id
            queue.append(nxt)
    while queue:
        node = queue.popleft()
        if node in feeding:
            path = [node]
            while path[-1] != element.id:
                path.append(parent[path[-1]])
            path.reverse()
            store = ctx.name(node)
            return Match(
                evidence=[
                    f"its output is stored in {store}, which an LLM reads: {ctx.path_text(path)}"
                ],
                path=path,
                vars={"other": store, "other_kind": ctx.components[node].kind},
            )
        for f in ctx.out_adj[node]:
            nxt = f.target
            if not _CARRIES_OUTPUT & set(f.data):
                continue  # only flows that pass the output on (not queries or uploads)
            if nxt not in parent and nxt != element.id:
                parent[nxt] = node
                queue.append(nxt)
    return None


# -- helper LLMs ---------------------------------------------------------------


def _prompted_llms(ctx: Context, cid: str) -> set[str]:
    """LLMs that *cid* prompts, directly or through a gateway or inference endpoint."""
    out: set[str] = set()
    for nxt in (f.target for f in ctx.out_adj[cid]):
        if _is_llm(ctx, nxt):
            out.add(nxt)
            continue
        comp = ctx.components[nxt]
        if comp.kind == "inference_endpoint" or comp.get("role") == "gateway":
            out.update(g.target for g in ctx.out_adj[nxt] if _is_llm(ctx, g.target))
    return out


def _readers(ctx: Context, llm: str) -> list[str]:
    """Who receives the LLM's output (through a gateway or endpoint: who that passes it to)."""
    found: list[str] = []
    for f in ctx.out_adj[llm]:
        nxt = f.target
        if "model_output" not in f.data:
            continue
        comp = ctx.components[nxt]
        if comp.kind == "inference_endpoint" or comp.get("role") == "gateway":
            found += [g.target for g in ctx.out_adj[nxt] if "model_output" in g.data]
        else:
            found.append(nxt)
    return list(dict.fromkeys(n for n in found if n != llm))


def helper_llm(ctx: Context, element: Any) -> Match | None:
    """An LLM that only helps another one: everything that receives its output
    (a rewriter's query, a summariser's digest, a conversation title) also
    prompts a different LLM that is not itself such a helper, whose answer is
    what people get. Of two LLMs that feed the same caller, the one prompted
    with the user's input is the main one; when that does not tell them apart,
    both count as main. Findings about the answer belong on the main one.
    """
    if not _is_llm(ctx, element.id):
        return None

    def candidates() -> dict[str, dict[str, set[str]]]:
        out: dict[str, dict[str, set[str]]] = {}
        for cid in ctx.components:
            if not _is_llm(ctx, cid):
                continue
            readers = _readers(ctx, cid)
            others = {r: _prompted_llms(ctx, r) - {cid} for r in readers}
            if readers and all(others.values()):
                out[cid] = others
        return out

    def hears_user(cid: str) -> bool:
        return any("user_input" in f.data for f in ctx.in_adj[cid])

    cand: dict[str, dict[str, set[str]]] = ctx.cached(("pred", "helper_llm"), candidates)
    others = cand.get(element.id)
    if others is None:
        return None
    mains: list[str] = []
    for _reader, llms in others.items():
        # the main LLM is no helper itself, or, of two that feed the same caller,
        # the one prompted with the user's input
        main = sorted(
            (m for m in llms
             if m not in cand or (hears_user(m) and not hears_user(element.id))),
            key=ctx.order.__getitem__,
        )
        if not main:
            return None
        mains.append(main[0])
    return Match(
        evidence=[f"its output feeds {', '.join(ctx.name(r) for r in others)}, which also "
                  f"prompts {ctx.name(mains[0])}"],
        vars={"other": ctx.name(mains[0]), "other_kind": "model"},
    )


# kinds that pass content on without being its author
_CONDUITS = frozenset(
    {"application", "agent", "inference_endpoint", "model", "data_pipeline", "monitoring",
     "prompt", "sensor"}
)


_MIXED = "\0mixed"  # more than one origin, or one that is not an actor


def _spread_single_label(ctx: Context, emit: dict[str, str]) -> dict[str, str]:
    """Push labels along every flow; each node ends with the one label that
    reaches it or ``_MIXED``. A node's state changes at most twice, so this is
    linear in the flows."""
    incoming: dict[str, str] = {}
    outgoing: dict[str, str] = dict(emit)
    queue: deque[str] = deque(emit)
    while queue:
        node = queue.popleft()
        label = outgoing[node]
        for nxt in (f.target for f in ctx.out_adj[node]):
            before = incoming.get(nxt)
            after = label if before in (None, label) else _MIXED
            if after == before:
                continue
            incoming[nxt] = after
            own = emit.get(nxt)
            out = after if own in (None, after) else _MIXED
            if outgoing.get(nxt) != out:
                outgoing[nxt] = out
                queue.append(nxt)
    return incoming


def only_author_in_context(ctx: Context, element: Any) -> Match | None:
    """An application whose LLM output is read only by the person who wrote
    everything in the LLM's context: each LLM upstream of it reads nothing but
    what one actor typed (through applications, agents and that person's own
    ``per_user`` stores), and the output goes to no other actor. Rendering
    tricks there leak nothing the reader could not already see.
    """

    def authors() -> dict[str, str]:
        emit: dict[str, str] = {}
        for cid, comp in ctx.components.items():
            if comp.kind == "actor":
                emit[cid] = cid
            elif comp.kind in _CONDUITS or (comp.kind in ("data_store", "vector_store") and comp.get("per_user") is True):
                continue
            else:
                emit[cid] = _MIXED  # content someone else wrote or holds
        of_llm = _spread_single_label(ctx, emit)
        llm_emit = {cid: of_llm.get(cid, _MIXED) for cid in ctx.components if _is_llm(ctx, cid)}
        return _spread_single_label(ctx, llm_emit)

    seen_by: dict[str, str] = ctx.cached(("pred", "only_author_in_context"), authors)
    author = seen_by.get(element.id)
    if author is None or author == _MIXED:
        return None
    readers = {
        f.target for f in ctx.out_adj[element.id] if ctx.components[f.target].kind == "actor"
    }
    if not readers <= {author}:
        return None
    return Match(
        evidence=[f"everything in the LLM's context comes from {ctx.name(author)}, "
                  "who alone reads the output"],
    )


def egress_open(ctx: Context, element: Any) -> Match | None:
    """A component whose outbound connections nobody restricts: neither it nor
    its zone states ``egress_controlled: true``. Unstated on both is read as
    open, and the finding records the assumption.
    """
    comp = ctx.components.get(element.id)
    if comp is None:
        return None

    def zone_egress() -> dict[str, Any]:
        return {z.id: z.attrs.get("egress_controlled") for z in ctx.model.zones()}

    zones: dict[str, Any] = ctx.cached(("pred", "zone_egress"), zone_egress)
    has_own = ctx.has_attribute(comp.kind, "egress_controlled")
    own = comp.get("egress_controlled") if has_own else None
    in_zone = zones.get(comp.zone)
    if own is True or in_zone is True:
        return None
    if own is False or in_zone is False:
        where = ctx.name(element.id) if own is False else f"its zone {comp.zone}"
        return Match(evidence=[f"outbound connections are not restricted ({where})"])
    return Match(
        assumptions=[f"egress_controlled not stated on it or its zone {comp.zone} "
                     "(assumed open egress)"],
        unstated=[(element.id, "egress_controlled")] if has_own else [],
    )


def builtin_predicates() -> dict[str, PredicateFn]:
    return {
        "llm_output_feeds_llm_source": llm_output_feeds_llm_source,
        "helper_llm": helper_llm,
        "only_author_in_context": only_author_in_context,
        "egress_open": egress_open,
    }


@cache
def _plugin_predicates() -> tuple[tuple[str, PredicateFn], ...]:
    found = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        found.append((ep.name, ep.load()))
    return tuple(sorted(found, key=lambda item: item[0]))


def available_predicates() -> dict[str, PredicateFn]:
    """Built-in predicates plus those of installed plugin packages."""
    out = builtin_predicates()
    for name, fn in _plugin_predicates():
        out.setdefault(name, fn)
    return out
