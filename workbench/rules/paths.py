"""Attack paths: from entry points to crown jewels.

An attack path is a directed path of flows from an entry point to a crown
jewel (docs/knowledge/concepts.md#attack-paths). Each hop is labelled with the
technique that moves the attacker on: the primary technique of the
finding on the flow or on the component entered whose tactic comes next in
the kill chain (the highest-scoring among equals), or, where
there is none, the default technique for that kind of component
(``catalogs/paths.yaml``). Preconditions of the findings along the path stand at
its start; the tactics along it read as a kill chain.

The hops read as a kill chain: the hop into the target takes an exfiltration
or impact finding there when there is one, earlier hops never do; a finding on
a flow labels the hop only when the component entered has none; a hop back
into a component already on the path takes that kind's default technique.

Bounds, so that a large graph never explodes:

* one breadth-first search from all entry points at once gives every reachable
  crown jewel its shortest path from the nearest entry point;
* one more search from each of the ``max_sources`` most exposed entry points
  (lowest zone trust first) adds the shortest path from that entry point to
  every crown jewel it reaches;
* paths longer than ``max_length`` hops are dropped and at most ``max_paths``
  are kept (the number left out is reported).

When prompt injection is the pivot, the LLM is on the path: a path through an
agent or application that sends prompts to an LLM with a prompt-injection
finding, and takes its answer back, goes through that LLM (``agent → LLM →
agent``), so the hop into the LLM is the injection and the next hop is what
the hijacked agent does.

The work is ``O((max_sources + 1) * (V + E))``: linear in the size of the graph.
Paths are ranked by risk: the highest score along the path first, then the
exposure of the entry point (lowest zone trust first), then fewer hops. Each
path also reads as one sentence (:attr:`AttackPath.sentence`).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

from workbench._resources import catalog_path
from workbench.rules.context import Context
from workbench.rules.findings import AttackPath, Finding, Hop

PRE_TACTICS = frozenset({"AML.TA0002", "AML.TA0003"})  # reconnaissance, resource development
END_TACTICS = frozenset({"AML.TA0010", "AML.TA0011"})  # exfiltration, impact: at the target

__all__ = ["PathLimits", "find_attack_paths"]


@dataclass(frozen=True)
class PathLimits:
    max_sources: int = 10
    max_paths: int = 200
    max_length: int = 12


@cache
def hop_techniques() -> dict[str, str]:
    data = yaml.safe_load(catalog_path("paths.yaml").read_text(encoding="utf-8"))
    return dict(data["hop_techniques"])


def _bfs(ctx: Context, sources: list[str]) -> dict[str, tuple[str | None, str | None]]:
    """parent pointers: node -> (previous node, flow id)."""
    parent: dict[str, tuple[str | None, str | None]] = {s: (None, None) for s in sources}
    queue = deque(sources)
    out_adj = ctx.out_adj
    relays = ctx.relays
    while queue:
        node = queue.popleft()
        if node not in relays and parent[node][0] is not None:
            continue  # a person reached on the way does not pass data on by itself
        for fid, nxt in out_adj[node]:
            if nxt not in parent:
                parent[nxt] = (node, fid)
                queue.append(nxt)
    return parent


def _trace(
    parent: dict[str, tuple[str | None, str | None]], node: str
) -> tuple[list[str], list[str]]:
    nodes = [node]
    flows: list[str] = []
    prev, fid = parent[node]
    while prev is not None:
        nodes.append(prev)
        flows.append(str(fid))
        prev, fid = parent[prev]
    nodes.reverse()
    flows.reverse()
    return nodes, flows


def find_attack_paths(
    ctx: Context,
    findings: list[Finding],
    catalog: Any,
    limits: PathLimits = PathLimits(),
) -> tuple[list[AttackPath], int]:
    """Return the ranked attack paths and how many were left out by the bounds."""
    jewels = [c for c in ctx.components if c in ctx.crown_jewels]
    if not jewels or not ctx.entry_points:
        return [], 0
    entries = sorted(ctx.entry_points, key=lambda e: (ctx.trust[e], ctx.order[e]))
    candidates: dict[tuple[str, str], tuple[list[str], list[str]]] = {}

    def collect(parent: dict[str, tuple[str | None, str | None]]) -> None:
        for jewel in jewels:
            if jewel not in parent or parent[jewel][0] is None:
                continue
            nodes, flows = _trace(parent, jewel)
            if len(flows) > limits.max_length:
                continue
            candidates.setdefault((nodes[0], jewel), (nodes, flows))

    collect(_bfs(ctx, entries))
    for entry in entries[: limits.max_sources]:
        collect(_bfs(ctx, [entry]))

    by_element: dict[str, list[Finding]] = {}
    for f in findings:
        by_element.setdefault(f.element, []).append(f)
    for items in by_element.values():
        items.sort(key=lambda f: (-f.score, f.id))

    detours = _injection_detours(ctx, by_element)
    if detours:
        for key, (nodes, flows) in list(candidates.items()):
            candidates[key] = _through_llm(nodes, flows, detours)

    top_score = {el: items[0].score for el, items in by_element.items()}

    def max_score(nodes: list[str], flows: list[str]) -> int:
        return max((top_score.get(el, 0) for el in (*nodes, *flows)), default=0)

    ranked = sorted(
        (nf for nf in candidates.values() if len(nf[1]) <= limits.max_length),
        key=lambda nf: (
            -max_score(*nf),
            ctx.trust[nf[0][0]],
            len(nf[1]),
            ctx.order[nf[0][0]],
            ctx.order[nf[0][-1]],
        ),
    )
    left_out = max(0, len(ranked) - limits.max_paths)
    defaults = hop_techniques()
    tactic_order = {t.id: i for i, t in enumerate(catalog.tactics())}

    def _hop_tactics(technique: str) -> list[str]:
        """The technique's tactics in matrix order, adversary-side ones only if nothing else."""
        tactics = sorted(catalog.technique(technique).tactics, key=tactic_order.__getitem__)
        return [t for t in tactics if t not in PRE_TACTICS] or tactics

    def _progress(f: Finding, stage: int) -> tuple[int, int, str]:
        order = [tactic_order[t] for t in _hop_tactics(f.technique)]
        ahead = [o for o in order if o >= stage]
        return (ahead[0] if ahead else 100 + (order[0] if order else 0), -f.score, f.id)

    paths = []
    for nodes, flows in ranked[: limits.max_paths]:
        hops = []
        pre: list[str] = []
        stage = -1
        for i, fid in enumerate(flows):
            target = nodes[i + 1]
            last = i == len(flows) - 1
            if target in nodes[: i + 1]:
                options = []  # back at a component already passed: its default move
            else:
                # findings on the component entered; on the flow only if it has none
                options = by_element.get(target, []) or by_element.get(fid, [])
            if last:
                # at the target: the impact or exfiltration there, when there is one
                ends = [f for f in options if set(_hop_tactics(f.technique)) & END_TACTICS]
                options = ends or options
            else:
                options = [f for f in options if not set(_hop_tactics(f.technique)) <= END_TACTICS]
            if any(f.technique.startswith(_INJECTION) for f in options):
                # direct injection only if the outsider's words came live, else indirect
                live = all(ctx.components[n].kind in _LIVE for n in nodes[1 : i + 1]) and (
                    ctx.components[nodes[0]].kind == "actor"
                )
                wanted = "AML.T0051.000" if live else "AML.T0051.001"
                if any(f.technique == wanted for f in options):
                    options = [
                        f
                        for f in options
                        if not f.technique.startswith(_INJECTION) or f.technique == wanted
                    ]
            # the finding that moves the attacker on: the one whose tactic comes next in
            # the kill chain (the earliest tactic not before the current stage), then
            # the highest score
            finding = min(options, key=lambda f: _progress(f, stage), default=None)
            technique = finding.technique if finding else defaults[ctx.components[target].kind]
            tactics = _hop_tactics(technique)
            later = [t for t in tactics if tactic_order[t] >= stage]
            tactic = (later or tactics or [""])[0]
            if tactic:
                stage = tactic_order[tactic]
            hops.append(
                Hop(nodes[i], target, fid, technique, tactic, finding.id if finding else None)
            )
            for el in (fid, target):
                for f in by_element.get(el, ()):
                    for p in f.preconditions:
                        if p not in pre:
                            pre.append(p)
        score = max_score(nodes, flows)
        paths.append(
            AttackPath(
                id=f"{nodes[0]}->{nodes[-1]}",
                entry=nodes[0],
                target=nodes[-1],
                nodes=nodes,
                hops=hops,
                preconditions=pre,
                exposure=ctx.trust[nodes[0]],
                max_score=score,
                sentence=_sentence(ctx, catalog, nodes, hops, pre, score),
            )
        )
    return paths, left_out


_INJECTION = ("AML.T0051",)
_LIVE = frozenset({"application", "agent", "inference_endpoint", "model"})


def _injection_detours(
    ctx: Context, by_element: dict[str, list[Finding]]
) -> dict[str, tuple[str, str, str]]:
    """For each component that sends prompts to an LLM with an injection finding and takes
    its answer back: (the LLM, the flow to it, the flow back). O(V + E)."""
    out: dict[str, tuple[str, str, str]] = {}
    for cid, items in by_element.items():
        if cid not in ctx.components or not any(f.technique.startswith(_INJECTION) for f in items):
            continue
        back = {t: fid for fid, t in ctx.out_adj[cid]}
        for fid, src in ctx.in_adj[cid]:
            if src in back and src not in out and ctx.components[src].kind != "actor":
                out[src] = (cid, fid, back[src])
    return out


def _through_llm(
    nodes: list[str], flows: list[str], detours: dict[str, tuple[str, str, str]]
) -> tuple[list[str], list[str]]:
    """The path with its first agent or application detouring through the LLM it prompts."""
    llms = {d[0] for d in detours.values()}
    if any(n in llms for n in nodes):
        return nodes, flows  # an LLM with an injection finding is on the path already
    for i, node in enumerate(nodes[:-1]):
        if node in detours and i > 0:
            llm, f_in, f_out = detours[node]
            return (
                [*nodes[: i + 1], llm, *nodes[i:]],
                [*flows[:i], f_in, f_out, *flows[i:]],
            )
    return nodes, flows


def _sentence(
    ctx: Context, catalog: Any, nodes: list[str], hops: list[Hop], pre: list[str], score: int
) -> str:
    """``An attacker at Customer (zone internet, trust 0) reaches Chat front end by ...``."""
    tactic_names = {t.id: t.name for t in catalog.tactics()}
    entry = ctx.components[nodes[0]]
    parts = []
    for i, hop in enumerate(hops):
        tech = catalog.technique(hop.technique)
        tactic = tactic_names.get(hop.tactic, hop.tactic)
        verb = (
            "and finally reaches" if i == len(hops) - 1 and i else ("reaches" if not i else "then")
        )
        parts.append(
            f"{verb} {ctx.name(hop.node)} by {tech.display_name} ({hop.technique}, {tactic})"
        )
    text = (
        f"An attacker at {entry.name} (zone {entry.zone}, trust {ctx.trust[entry.id]}) "
        + ", ".join(parts)
    )
    if pre:
        text += f", having prepared with {', '.join(pre)}"
    return text + f"; the highest score on the path is {score}."
