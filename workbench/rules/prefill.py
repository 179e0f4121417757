"""Prefilled likelihood and impact for a finding, each number with its reason.

docs/knowledge/scoring.md#prefill: the rule's hint gives the base likelihood and
impact; then each of these factors moves it by at most one step, and says why:

likelihood
  * exposure: +1 when the element is internet-facing without authentication or
    is itself an entry point; -1 when no untrusted input reaches it;
  * path length from the nearest entry point: +1 at one hop, -1 at four or more;
  * ATLAS maturity of the primary technique: +1 realized (seen in real
    attacks), -1 feasible (shown only to be possible), 0 demonstrated;
impact
  * sensitivity and criticality of what is reached (the element and
    everything downstream of it): +1 when that includes critical components or
    personal or secret data, -1 when everything reached is stated to be of low
    criticality and public.

The result is clamped to the matrix. Then

* each stated control that acts on the finding moves it by the steps its
  effect in ``catalogs/control-effects.yaml`` gives, printed with the attribute
  that states it (``-1 outputs filtered (filters_outputs = true on Chat)``);
* a finding that fires only because an attribute is unstated (an *assumed*
  finding) is kept below the matrix's top band: its likelihood is lowered
  (then its impact, if need be) until its band is below the top one, with the
  step in the reason (docs/analysis/assumptions.md).

Prefill, never impose: an analyst's override replaces it and records who and why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from workbench.rules.context import Context

__all__ = ["Prefill", "Prefiller"]

_HIGH_DATA = ("personal", "secret")


@dataclass(frozen=True, slots=True)
class Prefill:
    likelihood: int
    impact: int
    likelihood_reason: str
    impact_reason: str


def _value(comp: Any) -> int:
    """2: critical or personal/secret data; 0: stated low and public; 1: otherwise."""
    crit = comp.get("criticality")
    data = [comp.get("sensitivity"), comp.get("trained_on")]
    if crit == "critical" or any(d in _HIGH_DATA for d in data):
        return 2
    if crit == "low" and all(d in (None, "public") for d in data):
        return 0
    return 1


class Prefiller:
    """Computes prefill factors for every element of one analysis context."""

    def __init__(self, ctx: Context, catalog: Any, matrix: Any) -> None:
        self.ctx = ctx
        self.catalog = catalog
        self.matrix = matrix
        self.distance, self.nearest = self._entry_distances()
        self.reached_value, self.witness = self._downstream_values()
        self._steps: dict[str, tuple[int, tuple[str, ...], int, tuple[str, ...]]] = {}
        self._maturities: dict[str, tuple[int, tuple[str, ...]]] = {}
        self._shared: dict[Any, Any] = {}  # one copy of each distinct set of node steps

    def _entry_distances(self) -> tuple[dict[str, int], dict[str, str]]:
        """Flows from the nearest entry point (people do not relay), and which one it is."""
        ctx = self.ctx
        g = ctx.graph
        found = g.search(ctx.entry_points, relays_only=True)
        depth, origin = found.depth, found.origin
        return g.by_id(depth, depth, as_ids=False), g.by_id(origin, depth, as_ids=True)

    def _downstream_values(self) -> tuple[dict[str, int], dict[str, str]]:
        """Highest value reachable from each node (itself included), with a witness.

        Two backward searches instead of one per node: from every value-2 node
        (who reaches one?), then from every node of value 1 or more (who reaches
        anything above low?). O(V + E).
        """
        ctx = self.ctx
        value = {cid: _value(c) for cid, c in ctx.components.items()}

        def backward(sources: list[str]) -> dict[str, str]:
            g = ctx.graph
            found = g.search(sources, forward=False)
            witness: dict[str, str] = g.by_id(found.origin, found.origin, as_ids=True)
            return witness

        top = backward([c for c in ctx.components if value[c] == 2])
        above_low = backward([c for c in ctx.components if value[c] >= 1])
        values: dict[str, int] = {}
        witness: dict[str, str] = {}
        for cid in ctx.components:
            if cid in top:
                values[cid], witness[cid] = 2, top[cid]
            elif cid in above_low:
                values[cid], witness[cid] = 1, above_low[cid]
            else:
                values[cid], witness[cid] = 0, cid
        return values, witness

    def _node_steps(self, node: str) -> tuple[int, tuple[str, ...], int, tuple[str, ...]]:
        """The likelihood and impact steps that depend only on *node* (exposure, path length,
        what it reaches): their sums and texts, computed once per node."""
        found = self._steps.get(node)
        if found is not None:
            return found
        ctx = self.ctx
        l_delta, l_steps = 0, []
        # exposure
        comp = ctx.components[node]
        if node in ctx.entry_set or (
            comp.get("internet_facing") is True and comp.get("authenticated") is not True
        ):
            l_delta += 1
            l_steps.append(
                "+1 exposure: "
                + (
                    "an entry point"
                    if node in ctx.entry_set
                    else "internet-facing without authentication"
                )
            )
        elif node not in self.distance:
            l_delta -= 1
            l_steps.append("-1 exposure: no untrusted input reaches it")
        # path length
        hops = self.distance.get(node)
        if hops is not None and node not in ctx.entry_set:
            entry = ctx.name(self.nearest[node])
            if hops <= 1:
                l_delta += 1
                l_steps.append(f"+1 path: one hop from entry point {entry}")
            elif hops >= 4:
                l_delta -= 1
                l_steps.append(f"-1 path: {hops} hops from the nearest entry point ({entry})")
        # impact
        i_delta, i_steps = 0, []
        value = self.reached_value[node]
        if value == 2:
            i_delta += 1
            w = ctx.components[self.witness[node]]
            what = (
                w.get("criticality")
                if w.get("criticality") == "critical"
                else (w.get("sensitivity") or w.get("trained_on"))
            )
            where = "itself" if w.id == node else f"{w.name} downstream"
            i_steps.append(f"+1 reaches {what} assets ({where})")
        elif value == 0:
            i_delta -= 1
            i_steps.append("-1 only low-criticality, public components are reached")
        found = (l_delta, tuple(l_steps), i_delta, tuple(i_steps))
        found = self._steps[node] = self._shared.setdefault(found, found)  # most nodes: a few
        return found

    def _maturity(self, technique: str) -> tuple[int, tuple[str, ...]]:
        """The likelihood step of the ATLAS maturity of *technique*, once per technique."""
        found = self._maturities.get(technique)
        if found is None:
            maturity = self.catalog.technique(technique).maturity
            if maturity == "realized":
                found = (1, (f"+1 ATLAS maturity: {technique} is realized (used in real attacks)",))
            elif maturity == "feasible":
                found = (-1, (f"-1 ATLAS maturity: {technique} is only feasible",))
            else:
                found = (0, ())
            self._maturities[technique] = found
        return found

    def prefill(
        self,
        element: Any,
        element_type: str,
        technique: str,
        hint_l: int,
        hint_i: int,
        adjust: Sequence[tuple[str, int, str]] = (),
        assumed: str | None = None,
    ) -> Prefill:
        """Prefilled likelihood and impact with their reasons.

        ``adjust`` holds control steps ``(likelihood|impact, steps, text)``;
        ``assumed`` names the unstated attributes an assumed finding rests on.
        """
        m = self.matrix
        node = element.id if element_type == "component" else element.target
        node_l, node_l_steps, node_i, node_i_steps = self._node_steps(node)
        mature_l, mature_steps = self._maturity(technique)
        l_steps: list[str] = [f"rule hint {hint_l}", *node_l_steps, *mature_steps]
        likelihood = m.clamp_likelihood(hint_l + node_l + mature_l)
        i_steps: list[str] = [f"rule hint {hint_i}", *node_i_steps]
        impact = m.clamp_impact(hint_i + node_i)
        for what, delta, text in adjust:
            if what == "likelihood":
                likelihood = m.clamp_likelihood(likelihood + delta)
                l_steps.append(text)
            else:
                impact = m.clamp_impact(impact + delta)
                i_steps.append(text)
        if assumed:
            top = m.band_names()[-1]
            cut_l = cut_i = 0
            while m.band(likelihood, impact) == top and (likelihood > 1 or impact > 1):
                if likelihood > 1:
                    likelihood, cut_l = likelihood - 1, cut_l + 1
                else:
                    impact, cut_i = impact - 1, cut_i + 1
            why = f"assumed only: kept below {top} until stated ({assumed})"
            if cut_l:
                l_steps.append(f"-{cut_l} {why}")
            if cut_i:
                i_steps.append(f"-{cut_i} {why}")
        return Prefill(
            likelihood=likelihood,
            impact=impact,
            likelihood_reason="; ".join(l_steps)
            + f" = {likelihood} ({m.likelihood_label(likelihood)})",
            impact_reason="; ".join(i_steps) + f" = {impact} ({m.impact_label(impact)})",
        )
