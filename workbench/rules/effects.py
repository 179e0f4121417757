"""Stated controls acting on findings (``catalogs/control-effects.yaml``).

For each finding the applier looks at the components (or the flow) an effect
names, relative to the finding (``element``, ``path`` or ``near``), and returns
what the stated controls do: remove the finding, or move its likelihood and
impact by the effect's steps. It also returns the controls that are *unstated*
there, whose answer would change the finding: the open questions
(:mod:`workbench.rules.questions`).

Work per finding is bounded by the number of effects that name its rule or
technique and by the size of the scope; ``near`` scopes are cached per
component, so the total stays linear in the size of the model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workbench.rules.context import Context
from workbench.rules.spec import ControlEffect

__all__ = ["Applied", "EffectApplier", "Pending"]


@dataclass(frozen=True, slots=True)
class Pending:
    """A control that is unstated where it would act on a finding."""

    element: str
    attribute: str
    value: Any
    effect: ControlEffect


@dataclass(slots=True)
class Applied:
    removed: tuple[ControlEffect, str] | None = None
    adjust: list[tuple[str, int, str]] = field(default_factory=list)
    pending: list[Pending] = field(default_factory=list)


#: what :meth:`EffectApplier._look` finds most often: no component stating the control, none
#: leaving it unstated (one tuple for all)
_NOTHING: tuple[Any, tuple[Pending, ...]] = (None, ())


class EffectApplier:
    def __init__(self, ctx: Context, effects: list[ControlEffect]) -> None:
        self.ctx = ctx
        self.by_rule: dict[str, list[tuple[int, ControlEffect]]] = {}
        self.by_technique: dict[str, list[tuple[int, ControlEffect]]] = {}
        for i, e in enumerate(effects):
            for r in e.rules:
                self.by_rule.setdefault(r, []).append((i, e))
            for t in e.techniques:
                self.by_technique.setdefault(t, []).append((i, e))
        self._near: dict[str, list[Any]] = {}
        #: per effect (its index), per element id: what :meth:`_look` found
        self._looked: dict[int, dict[str, tuple[Any, tuple[Pending, ...]]]] = {}
        self._for_rule: dict[str, list[tuple[int, ControlEffect]]] = {}  # a rule has one technique

    def _near_of(self, cid: str) -> list[Any]:
        found = self._near.get(cid)
        if found is None:
            ctx = self.ctx
            ids = dict.fromkeys(
                [cid, *(f.target for f in ctx.out_adj[cid]), *(f.source for f in ctx.in_adj[cid])]
            )
            found = self._near[cid] = [ctx.components[c] for c in ids]
        return found

    def _scope(
        self, effect: ControlEffect, element: Any, element_type: str, path: list[str]
    ) -> list[Any]:
        ctx = self.ctx
        if effect.where == "element":
            return [element]
        if effect.where == "path":
            return [ctx.components[c] for c in path if c != element.id and c in ctx.components]
        if element_type == "flow":
            return [element, ctx.components[element.source], ctx.components[element.target]]
        return self._near_of(element.id)

    def _look(
        self, index: int, effect: ControlEffect, element: Any, element_type: str, path: list[str]
    ) -> tuple[Any, tuple[Pending, ...]]:
        """The component (or flow) in scope that states the control, else the controls left
        unstated there (one :class:`Pending` each, shared by the findings on the element);
        cached per element when the scope does not depend on the path."""
        looked = self._looked.setdefault(index, {}) if effect.where != "path" else None
        if looked is not None:
            cached = looked.get(element.id)
            if cached is not None:
                return cached
        hit = None
        unstated = []
        for comp in self._scope(effect, element, element_type, path):
            kind = "flow" if comp is element and element_type == "flow" else comp.kind
            if effect.kinds and kind not in effect.kinds:
                continue
            value = comp.get(effect.attribute)
            if value is None:
                unstated.append(Pending(comp.id, effect.attribute, effect.equals, effect))
            elif value == effect.equals:
                hit = comp
                break
        found = (hit, tuple(unstated)) if hit is not None or unstated else _NOTHING
        if looked is not None:
            looked[element.id] = found
        return found

    def apply(
        self, rule_id: str, technique: str, element: Any, element_type: str, path: list[str]
    ) -> Applied:
        candidates = self._for_rule.get(rule_id)
        if candidates is None:
            found = dict(self.by_rule.get(rule_id, []) + self.by_technique.get(technique, []))
            candidates = self._for_rule[rule_id] = sorted(found.items())
        out = Applied()
        if not candidates:
            return out
        done_groups: set[str] = set()
        for _i, effect in candidates:
            if effect.group and effect.group in done_groups:
                continue
            hit, unstated = self._look(_i, effect, element, element_type, path)
            if hit is None:
                if not effect.removes or all(
                    element.get(a) is None for a in effect.only_if_unstated
                ):
                    out.pending.extend(unstated)
                continue
            on = "" if hit is element else f" on {hit.name}"
            if effect.removes:
                if all(element.get(a) is None for a in effect.only_if_unstated):
                    out.removed = (
                        effect,
                        f"{effect.text} ({effect.attribute} = {_shown(effect.equals)}{on})",
                    )
                    return out
                continue
            if effect.group:
                done_groups.add(effect.group)
            if effect.likelihood:
                out.adjust.append(
                    ("likelihood", effect.likelihood, effect.step(effect.likelihood, on))
                )
            if effect.impact:
                out.adjust.append(("impact", effect.impact, effect.step(effect.impact, on)))
        return out


def _shown(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)
