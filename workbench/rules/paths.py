"""Attack paths: from entry points to crown jewels.

An attack path is a directed path of flows from an entry point to a crown
jewel (THREAT-KNOWLEDGE sections 1 and 6). Each hop is labelled with the
technique that moves the attacker on: the primary technique of the
finding on the flow or on the component entered whose tactic comes next in
the kill chain (the highest-scoring among equals), or, where
there is none, the default technique for that kind of component
(``catalogs/paths.yaml``). Preconditions of the findings along the path stand at
its start; the tactics along it read as a kill chain.

Bounds, so that a large graph never explodes:

* one breadth-first search from all entry points at once gives every reachable
  crown jewel its shortest path from the nearest entry point;
* one more search from each of the ``max_sources`` most exposed entry points
  (lowest zone trust first) adds the shortest path from that entry point to
  every crown jewel it reaches;
* paths longer than ``max_length`` hops are dropped and at most ``max_paths``
  are kept (the number left out is reported).

The work is ``O((max_sources + 1) * (V + E))``: linear in the size of the graph.
Paths are ranked shortest first, then by exposure of the entry point, then by
the highest score along the path.
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

    top_score = {el: items[0].score for el, items in by_element.items()}

    def max_score(nodes: list[str], flows: list[str]) -> int:
        return max((top_score.get(el, 0) for el in (*nodes, *flows)), default=0)

    ranked = sorted(
        candidates.values(),
        key=lambda nf: (
            len(nf[1]),
            ctx.trust[nf[0][0]],
            -max_score(*nf),
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
            options = by_element.get(fid, []) + by_element.get(target, [])
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
        paths.append(
            AttackPath(
                id=f"{nodes[0]}->{nodes[-1]}",
                entry=nodes[0],
                target=nodes[-1],
                nodes=nodes,
                hops=hops,
                preconditions=pre,
                exposure=ctx.trust[nodes[0]],
                max_score=max_score(nodes, flows),
            )
        )
    return paths, left_out
