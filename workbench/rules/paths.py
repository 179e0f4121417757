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

import heapq
from collections.abc import Iterator
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


def _ranked(
    ctx: Context,
    entries: list[str],
    limits: PathLimits,
    top_score: dict[str, int],
    detours: dict[str, tuple[str, str, str]],
) -> tuple[list[tuple[list[str], list[str]]], int]:
    """The ``max_paths`` highest-ranked paths and how many more there were.

    The candidates are the shortest paths to the crown jewels from the nearest entry
    point (one search from all of them), then from each of the ``max_sources`` most
    exposed entry points: per (entry point, crown jewel) the first found, at most
    ``max_length`` flows long, through the LLM it prompts where :func:`_through_llm`
    says so. Each candidate's rank (the highest score on it, its entry point's
    exposure, its length) is carried down the search tree, so only the paths kept are
    traced.
    """
    import numpy as np

    g = ctx.graph
    ids, flow_ids = g.ids, g.flow_ids
    jewels = g.numbers(c for c in ctx.components if c in ctx.crown_jewels)
    node_score = np.fromiter((top_score.get(c, 0) for c in ids), np.int64, len(ids))
    flow_score = np.fromiter((top_score.get(f, 0) for f in flow_ids), np.int64, len(flow_ids))
    llms = {d[0] for d in detours.values()}
    is_llm = np.fromiter((c in llms for c in ids), np.bool_, len(ids))
    detour_at = np.fromiter((c in detours for c in ids), np.bool_, len(ids))
    extra = {  # what a detour through the LLM adds: its score, and two flows
        g.index[c]: max(top_score.get(llm, 0), top_score.get(f_in, 0), top_score.get(f_out, 0))
        for c, (llm, f_in, f_out) in detours.items()
    }
    none = np.full(len(ids), -1, dtype=np.int32)
    seen: set[int] = set()  # (entry point, crown jewel) pairs, as origin * n + jewel
    trees: list[tuple[Any, Any]] = []  # each search's parents and edges, to trace the kept
    starts = [entries, *([e] for e in entries[: limits.max_sources])]

    counted = 0

    def candidates() -> Iterator[tuple[tuple[int, int, int, int, int], int, int]]:
        nonlocal counted
        for number, sources in enumerate(starts):
            found = g.search(sources, relays_only=True)
            trees.append((found.parent, found.edge))
            top = found.along(
                node_score,
                lambda at, new, edge=found.edge: np.maximum(
                    at, np.maximum(node_score[new], flow_score[edge[new]])
                ),
            )
            has_llm = found.along(is_llm, lambda at, new: at | is_llm[new])
            first = found.along(
                none, lambda at, new: np.where(at >= 0, at, np.where(detour_at[new], new, -1))
            )
            ok = jewels[(found.parent[jewels] >= 0) & (found.depth[jewels] <= limits.max_length)]
            for j, o, d, score, llm, via in zip(
                ok.tolist(),
                found.origin[ok].tolist(),
                found.depth[ok].tolist(),
                top[ok].tolist(),
                has_llm[ok].tolist(),
                first[found.parent[ok]].tolist(),
                strict=True,
            ):
                pair = o * len(ids) + j
                if pair in seen:
                    continue
                seen.add(pair)
                if via >= 0 and not llm:
                    d += 2
                    score = max(score, extra[via])
                if d <= limits.max_length:
                    counted += 1
                    yield (-score, ctx.trust[ids[o]], d, o, j), number, j

    # the best max_paths of all candidates (their keys differ: one per pair), none kept else
    best = heapq.nsmallest(limits.max_paths, candidates())
    kept = []
    for _key, number, j in best:
        parent, edge = trees[number]
        nodes, flows = [ids[j]], []
        cur = j
        while parent[cur] >= 0:
            flows.append(flow_ids[int(edge[cur])])
            cur = int(parent[cur])
            nodes.append(ids[cur])
        nodes.reverse()
        flows.reverse()
        kept.append(_through_llm(nodes, flows, detours) if detours else (nodes, flows))
    return kept, max(0, counted - limits.max_paths)


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
    by_element: dict[str, list[Finding]] = {}
    for f in findings:
        by_element.setdefault(f.element, []).append(f)
    for items in by_element.values():
        items.sort(key=lambda f: (-f.score, f.id))
    detours = _injection_detours(ctx, by_element)
    top_score = {el: items[0].score for el, items in by_element.items()}

    def max_score(nodes: list[str], flows: list[str]) -> int:
        return max((top_score.get(el, 0) for el in (*nodes, *flows)), default=0)

    ranked, left_out = _ranked(ctx, entries, limits, top_score, detours)
    chooser = _Hops(ctx, catalog, by_element)
    paths = []
    for nodes, flows in ranked:
        hops, pre = chooser.hops(nodes, flows)
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


class _Hops:
    """Labels the hops of a path with the technique that moves the attacker on."""

    def __init__(self, ctx: Context, catalog: Any, by_element: dict[str, list[Finding]]) -> None:
        self.ctx = ctx
        self.catalog = catalog
        self.by_element = by_element
        self.defaults = hop_techniques()
        self.tactic_order = {t.id: i for i, t in enumerate(catalog.tactics())}

    def tactics(self, technique: str) -> list[str]:
        """The technique's tactics in matrix order, adversary-side ones only if nothing else."""
        order = self.tactic_order
        tactics = sorted(self.catalog.technique(technique).tactics, key=order.__getitem__)
        return [t for t in tactics if t not in PRE_TACTICS] or tactics

    def _progress(self, f: Finding, stage: int) -> tuple[int, int, str]:
        order = [self.tactic_order[t] for t in self.tactics(f.technique)]
        ahead = [o for o in order if o >= stage]
        return (ahead[0] if ahead else 100 + (order[0] if order else 0), -f.score, f.id)

    def _options(self, nodes: list[str], flows: list[str], i: int) -> list[Finding]:
        """The findings that could label hop *i*."""
        ctx, by_element = self.ctx, self.by_element
        fid, target = flows[i], nodes[i + 1]
        if target in nodes[: i + 1]:
            options: list[Finding] = []  # back at a component already passed: its default move
        else:
            # findings on the component entered; on the flow only if it has none
            options = by_element.get(target, []) or by_element.get(fid, [])
        if i == len(flows) - 1:
            # at the target: the impact or exfiltration there, when there is one
            ends = [f for f in options if set(self.tactics(f.technique)) & END_TACTICS]
            options = ends or options
        else:
            options = [f for f in options if not set(self.tactics(f.technique)) <= END_TACTICS]
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
        return options

    def hops(self, nodes: list[str], flows: list[str]) -> tuple[list[Hop], list[str]]:
        """The hops of a path and the preconditions of the findings along it."""
        hops = []
        pre: list[str] = []
        stage = -1
        for i, fid in enumerate(flows):
            target = nodes[i + 1]
            # the finding that moves the attacker on: the one whose tactic comes next in
            # the kill chain (the earliest tactic not before the current stage), then
            # the highest score
            finding = min(
                self._options(nodes, flows, i),
                key=lambda f: self._progress(f, stage),
                default=None,
            )
            kind = self.ctx.components[target].kind
            technique = finding.technique if finding else self.defaults[kind]
            tactics = self.tactics(technique)
            later = [t for t in tactics if self.tactic_order[t] >= stage]
            tactic = (later or tactics or [""])[0]
            if tactic:
                stage = self.tactic_order[tactic]
            hops.append(
                Hop(nodes[i], target, fid, technique, tactic, finding.id if finding else None)
            )
            for el in (fid, target):
                for f in self.by_element.get(el, ()):
                    for p in f.preconditions:
                        if p not in pre:
                            pre.append(p)
        return hops, pre


def _injection_detours(
    ctx: Context, by_element: dict[str, list[Finding]]
) -> dict[str, tuple[str, str, str]]:
    """For each component that sends prompts to an LLM with an injection finding and takes
    its answer back: (the LLM, the flow to it, the flow back). O(V + E)."""
    out: dict[str, tuple[str, str, str]] = {}
    for cid, items in by_element.items():
        if cid not in ctx.components or not any(f.technique.startswith(_INJECTION) for f in items):
            continue
        back = {f.target: f.id for f in ctx.out_adj[cid]}
        for fid, src in ((f.id, f.source) for f in ctx.in_adj[cid]):
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
