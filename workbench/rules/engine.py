"""The analysis: rules on a model give findings and attack paths.

>>> import workbench as wb
>>> result = wb.analyze(wb.load_template("support-assistant"))
>>> any(f.technique == "AML.T0051.001" for f in result.findings)
True
"""

from __future__ import annotations

import gc
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from workbench._records import Record, by_id
from workbench.rules.conditions import candidate_ids
from workbench.rules.context import Context, Match
from workbench.rules.effects import EffectApplier, Pending
from workbench.rules.findings import AttackPath, Finding, Removed, RuleFailure
from workbench.rules.paths import PathLimits, find_attack_paths
from workbench.rules.spec import Rule, RuleSet, load_rules

if TYPE_CHECKING:
    from workbench.catalog.atlas import Catalog
    from workbench.catalog.matrix import RiskMatrix
    from workbench.model.system import SystemModel

__all__ = ["AnalysisResult", "analyze", "explain"]

Progress = Callable[[int, int, str], None]


@dataclass
class AnalysisResult(Record):
    """What :func:`analyze` returns; findings and paths in a stable order."""

    system: str
    findings: list[Finding]
    attack_paths: list[AttackPath]
    errors: list[RuleFailure]
    assumptions: dict[str, list[str]]
    rules_evaluated: int
    rules_digest: str
    atlas_version: str | None
    paths_left_out: int = 0
    element_order: list[str] = field(default_factory=list)
    #: findings that stated controls removed (the rule matched; a control answers it)
    removed: list[Removed] = field(default_factory=list)
    #: per finding id, the controls left unstated where they would act on it
    pending: dict[str, list[Pending]] = field(default_factory=dict)
    #: per assumed finding id, the unstated attributes it rests on: (element id, attribute)
    unstated: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def ranked(self) -> list[Finding]:
        """Findings in register order: fact-backed first, then assumed; each by score."""
        from workbench.rules.findings import rank_findings

        return rank_findings(self.findings)

    def findings_for(self, element: str) -> list[Finding]:
        return [f for f in self.findings if f.element == element]

    def finding(self, finding_id: str) -> Finding:
        return by_id(self.findings, finding_id)

    def findings_per_component(self) -> dict[str, int]:
        counts = {el: 0 for el in self.element_order}
        for f in self.findings:
            counts[f.element] = counts.get(f.element, 0) + 1
        return counts

    #: What :meth:`to_dict` writes, in this order.
    DICT_KEYS: ClassVar[tuple[str, ...]] = (
        "system", "atlas_version", "rules_digest", "rules_evaluated", "findings",
        "attack_paths", "paths_left_out", "assumptions", "removed", "errors",
    )


Piece = str | tuple[str, str]  # literal text, or (variable name, the text if it has no value)


def _pieces(template: string.Template) -> tuple[Piece, ...]:
    """A template cut into literals and variables, once, for :func:`_fill`."""
    text = template.template
    out: list[Piece] = []
    last = 0
    for mo in template.pattern.finditer(text):
        if mo.start() > last:
            out.append(text[last : mo.start()])
        name = mo.group("named") or mo.group("braced")
        if name is not None:
            out.append((name, mo.group()))
        elif mo.group("escaped") is not None:
            out.append(template.delimiter)
        else:
            out.append(mo.group())
        last = mo.end()
    if last < len(text):
        out.append(text[last:])
    return tuple(out)


def _fill(pieces: tuple[Piece, ...], variables: dict[str, str]) -> str:
    """What ``Template.safe_substitute(variables)`` gives, without scanning the text again."""
    return "".join(
        p if isinstance(p, str) else str(variables[p[0]]) if p[0] in variables else p[1]
        for p in pieces
    )


def _unique(items: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


class _Builder:
    def __init__(
        self, ctx: Context, catalog: Any, matrix: Any, effects: Sequence[Any] = ()
    ) -> None:
        self.ctx = ctx
        self.catalog = catalog
        self.matrix = matrix
        self.tactic_order = {t.id: i for i, t in enumerate(catalog.tactics())}
        from workbench.rules.prefill import Prefiller

        self.prefiller = Prefiller(ctx, catalog, matrix)
        self.effects = EffectApplier(ctx, list(effects))
        self.removed: list[Removed] = []
        self.pending: dict[str, list[Pending]] = {}
        self.unstated: dict[str, list[tuple[str, str]]] = {}
        self._list_cache: dict[tuple[str, tuple[int, ...]], tuple[list[str], ...]] = {}
        #: per rule: its rationale's pieces, frameworks, OWASP labels and technique name
        self._rule_parts: dict[
            str, tuple[tuple[Piece, ...], dict[str, list[str]], list[str], str]
        ] = {}
        #: the empty list of the findings without a path or control steps (never edited:
        #: code that changes a finding's list assigns a new one)
        self._none: list[str] = []
        #: one copy of each prefill reason (thousands of findings give the same few texts)
        self._texts: dict[str, str] = {}
        #: per ``also`` entry of the rule named, the ids of the elements it holds for
        self._also_rule: str | None = None
        self._also_ids: list[set[str]] = []

    def _lists(self, rule: Rule, held: tuple[int, ...]) -> tuple[list[str], ...]:
        """Techniques, tactics, mitigations, controls, preconditions and guidelines of *rule*
        with the ``also`` entries *held*: the same for every element, so computed once and
        shared by the findings (nothing edits a finding's lists in place; code that changes
        one assigns a new list, as :func:`scope_framework_items` does)."""
        key = (rule.id, held)
        cached = self._list_cache.get(key)
        if cached is not None:
            return cached
        techniques = [rule.technique, *rule.related]
        mitigations = list(rule.mitigations)
        controls = list(rule.controls)
        pre = list(rule.preconditions)
        guidelines = list(rule.guidelines)
        for i in held:
            extra = rule.also[i]
            techniques += extra.techniques
            mitigations += extra.mitigations
            controls += extra.controls
            pre += extra.preconditions
            guidelines += extra.guidelines
        techniques = _unique(techniques)
        tactics = sorted(
            {t for tech in techniques for t in self.catalog.technique(tech).tactics},
            key=self.tactic_order.__getitem__,
        )
        out = (
            techniques,
            tactics,
            _unique(mitigations),
            _unique(controls),
            _unique(pre),
            sorted(set(guidelines)),
        )
        self._list_cache[key] = out
        return out

    def _parts(self, rule: Rule) -> tuple[tuple[Piece, ...], dict[str, list[str]], list[str], str]:
        """What every finding of *rule* shares: its rationale cut into pieces, its framework
        items, its OWASP labels and its technique's name; computed once per rule."""
        parts = self._rule_parts.get(rule.id)
        if parts is None:
            parts = self._rule_parts[rule.id] = (
                _pieces(rule.rationale),
                {k: list(v) for k, v in rule.frameworks.items()},
                list(rule.owasp),
                self.catalog.technique(rule.technique).display_name,
            )
        return parts

    def decide_also(self, rule: Rule, elements: list[Any] | None) -> None:
        """Decide *rule*'s ``also`` entries for all the *elements* it holds for at once
        (:meth:`Condition.filter`); with None, or if one fails, each is decided on its own,
        which names the failing element."""
        self._also_rule = None
        if not rule.also or elements is None:
            return
        try:
            self._also_ids = [
                {el.id for el in extra.condition.filter(self.ctx, elements)}
                for extra in rule.also
            ]
        except Exception:
            return
        self._also_rule = rule.id

    def _also(self, rule: Rule, element: Any, match: Match) -> tuple[list[int], int, int]:
        """The ``also`` entries of *rule* that hold on *element* (their evidence merged into
        *match*), and the likelihood and impact hints with theirs."""
        hint_l, hint_i = rule.likelihood, rule.impact
        held = []
        decided = self._also_ids if self._also_rule == rule.id else None
        for i, extra in enumerate(rule.also):
            if decided is not None:
                if element.id not in decided[i]:
                    continue
            elif not extra.condition.holds(self.ctx, element):
                continue
            m = extra.condition.evaluate(self.ctx, element)
            if m is None:
                continue
            match.merge(m)
            held.append(i)
            hint_l = max(hint_l, extra.likelihood or 0)
            hint_i = max(hint_i, extra.impact or 0)
        return held, hint_l, hint_i

    def finding(self, rule: Rule, element: Any, found: Match, element_type: str) -> Finding | None:
        """The finding of *rule* on *element*, or None when a stated control removes it."""
        ctx = self.ctx
        fid = f"{rule.id}@{element.id}"
        applied = self.effects.apply(rule.id, rule.technique, element, element_type, found.path)
        if applied.removed is not None:
            effect, text = applied.removed
            self.removed.append(Removed(fid, rule.id, element.id, effect.id, text))
            return None
        assumed = bool(found.unstated or found.assumptions)
        match = Match()  # a fresh match: conditions may return shared ones
        match.merge(found)
        held, hint_l, hint_i = self._also(rule, element, match)
        techniques, tactics, mitigations, controls, pre, guidelines = self._lists(rule, tuple(held))
        pieces, frameworks, owasp, technique_name = self._parts(rule)
        if element_type == "component":
            name, kind, zone = element.name, element.kind, element.zone
            source = target = ""
        else:
            name = getattr(element, "name", None) or element.id
            kind, zone = "flow", ""
            source, target = ctx.name(element.source), ctx.name(element.target)
        variables = {
            "id": element.id,
            "name": name,
            "kind": kind,
            "zone": zone,
            "source": source,
            "target": target,
            "entry": "",
            "path": "",
            "other": "",
            "other_kind": "",
            "data": ", ".join(getattr(element, "data", ()) or ()),
            "technique": rule.technique,
            "technique_name": technique_name,
        }
        variables.update(match.vars)
        text = _fill(pieces, variables).strip()
        reason = text
        if match.evidence:
            reason += " Matched: " + "; ".join(match.evidence) + "."
        if match.assumptions:
            reason += " Assumed: " + "; ".join(match.assumptions) + "."
        if applied.adjust:
            reason += " Controls: " + "; ".join(text for _w, _d, text in applied.adjust) + "."
        pre_score = self.prefiller.prefill(
            element,
            element_type,
            rule.technique,
            hint_l,
            hint_i,
            adjust=applied.adjust,
            assumed="; ".join(found.assumptions) if assumed else None,
        )
        likelihood, impact = pre_score.likelihood, pre_score.impact
        if applied.pending:
            self.pending[fid] = applied.pending
        if found.unstated:
            self.unstated[fid] = list(found.unstated)
        return Finding(
            id=fid,
            rule=rule.id,
            title=rule.title,
            element=element.id,
            element_type=element_type,
            element_name=name,
            technique=rule.technique,
            techniques=techniques,
            tactics=tactics,
            preconditions=pre,
            reason=reason,
            evidence=match.evidence,  # the fresh match's own lists
            assumptions=match.assumptions,
            mitigations=mitigations,
            controls=controls,
            guidelines=guidelines,
            likelihood=likelihood,
            impact=impact,
            score=self.matrix.score(likelihood, impact),
            band=self.matrix.band(likelihood, impact),
            likelihood_reason=self._texts.setdefault(
                pre_score.likelihood_reason, pre_score.likelihood_reason
            ),
            impact_reason=self._texts.setdefault(pre_score.impact_reason, pre_score.impact_reason),
            path=list(match.path) if match.path else self._none,
            assumed=assumed,
            controls_applied=[t for _w, _d, t in applied.adjust] if applied.adjust else self._none,
            frameworks=frameworks,
            owasp=owasp,
        )


def _flow_data_kinds(cond: Any) -> frozenset[str] | None:
    """The data kinds a flow condition requires one of (None: any flow), for indexing."""
    from workbench.rules.conditions import All, FlowData

    if isinstance(cond, FlowData):
        return cond.kinds
    if isinstance(cond, All):
        for part in cond.parts:
            if isinstance(part, FlowData):
                return part.kinds
    return None


def _candidates(ctx: Context, rule: Rule, by_kind: dict[str, list[Any]]) -> list[Any]:
    if rule.element == "flow":
        kinds = _flow_data_kinds(rule.condition)
        if kinds is None:
            return list(ctx.flows.values())

        def index() -> dict[str, list[Any]]:
            out: dict[str, list[Any]] = {}
            for f in ctx.flows.values():
                for d in f.data:
                    out.setdefault(d, []).append(f)
            return out

        by_data: dict[str, list[Any]] = ctx.cached(("flows by data",), index)
        order = {fid: i for i, fid in enumerate(ctx.flows)} if len(kinds) > 1 else None
        found = {f.id: f for k in sorted(kinds) for f in by_data.get(k, ())}
        return sorted(found.values(), key=lambda f: order[f.id]) if order else list(found.values())
    if rule.kinds is None:
        return list(ctx.components.values())
    out: list[Any] = []
    for kind in sorted(rule.kinds):
        out.extend(by_kind.get(kind, ()))
    return out


def analyze(
    model: SystemModel,
    *,
    catalog: Catalog | None = None,
    rules: RuleSet | None = None,
    matrix: RiskMatrix | None = None,
    limits: PathLimits | None = None,
    progress: Progress | None = None,
) -> AnalysisResult:
    """Apply the rules to *model*; return findings, attack paths and rule failures.

    A rule that fails at run time is reported in ``errors`` (and so in the
    register), never silently dropped. ``progress(done, total, rule_id)`` is
    called after each rule when given.

    The analysis makes many small objects and no reference cycles, so Python's
    cyclic garbage collector is paused while it runs (it spent a third of the
    time on large models scanning them); it is restored afterwards.
    """
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        return _analyze(model, catalog, rules, matrix, limits, progress)
    finally:
        if paused:
            gc.enable()


def _analyze(
    model: SystemModel,
    catalog: Catalog | None,
    rules: RuleSet | None,
    matrix: RiskMatrix | None,
    limits: PathLimits | None,
    progress: Progress | None,
) -> AnalysisResult:
    """What :func:`analyze` does, with the garbage collector as it set it."""
    from workbench.catalog import load_catalog
    from workbench.catalog.matrix import load_matrix
    from workbench.rules._frameworks import scope_framework_items

    catalog = catalog if catalog is not None else load_catalog()
    rules = rules if rules is not None else load_rules(catalog=catalog)
    matrix = matrix if matrix is not None else load_matrix()
    ctx = Context(model, catalog)
    builder = _Builder(ctx, catalog, matrix, rules.effects)
    by_kind: dict[str, list[Any]] = {}
    for comp in ctx.components.values():
        by_kind.setdefault(comp.kind, []).append(comp)
    findings: list[Finding] = []
    errors: list[RuleFailure] = []
    total = len(rules.rules)
    for done, rule in enumerate(rules.rules, start=1):
        cond = rule.condition
        candidates = _candidates(ctx, rule, by_kind)
        try:
            among = candidate_ids(ctx, cond)  # a superset of the elements it can hold for
        except Exception:
            among = None  # evaluated element by element below, which reports the failure
        if among is not None:
            candidates = [el for el in candidates if el.id in among]
        try:
            # most candidates fail: decide them all first, build matches (texts) only where it holds
            held, decided = cond.filter(ctx, candidates), True
        except Exception:
            held, decided = candidates, False  # one by one below, which names the failing one
        builder.decide_also(rule, held if decided else None)
        for element in held:
            try:
                match = cond.evaluate(ctx, element) if decided or cond.holds(ctx, element) else None
                if match is not None:
                    finding = builder.finding(rule, element, match, rule.element)
                    if finding is not None:
                        findings.append(finding)
            except Exception as exc:
                errors.append(RuleFailure(rule.id, element.id, f"{type(exc).__name__}: {exc}"))
                break
        if progress is not None:
            progress(done, total, rule.id)
    element_order = list(ctx.components) + list(ctx.flows)
    by_element: dict[str, list[Finding]] = {}
    for f in findings:  # made rule by rule: each element's findings are in rule order
        by_element.setdefault(f.element, []).append(f)
    findings = [f for el in element_order if el in by_element for f in by_element[el]]
    del by_element
    buckets: dict[str, dict[str, None]] = {}  # per element, its assumptions once, in order
    for f in findings:
        if f.assumptions:
            buckets.setdefault(f.element, {}).update(dict.fromkeys(f.assumptions))
    assumptions = {el: list(bucket) for el, bucket in buckets.items()}
    scope_framework_items(findings, model)  # OWASP ids only where the item applies
    ctx.rules_done()
    paths, left_out = find_attack_paths(ctx, findings, catalog, limits or PathLimits())
    return AnalysisResult(
        system=model.id,
        findings=findings,
        attack_paths=paths,
        errors=errors,
        assumptions=assumptions,
        rules_evaluated=total,
        rules_digest=rules.digest,
        atlas_version=catalog.atlas_version,
        paths_left_out=left_out,
        element_order=element_order,
        removed=builder.removed,
        pending=builder.pending,
        unstated=builder.unstated,
    )


def explain(
    model: Any,
    element_id: str,
    *,
    catalog: Any = None,
    rules: RuleSet | None = None,
) -> list[dict[str, Any]]:
    """Every rule evaluated on one component or flow: matched or not, and why."""
    from workbench.catalog import load_catalog
    from workbench.catalog.matrix import load_matrix
    from workbench.errors import InputError
    from workbench.rules.conditions import All

    catalog = catalog if catalog is not None else load_catalog()
    rules = rules if rules is not None else load_rules(catalog=catalog)
    ctx = Context(model, catalog)
    builder = _Builder(ctx, catalog, load_matrix(), rules.effects)
    if element_id in ctx.components:
        element: Any = ctx.components[element_id]
        element_type = "component"
    elif element_id in ctx.flows:
        element = ctx.flows[element_id]
        element_type = "flow"
    else:
        import difflib

        close = difflib.get_close_matches(element_id, [*ctx.components, *ctx.flows], n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise InputError(f"no component or flow {element_id!r} in {model.id}{hint}")
    out = []
    for rule in rules.rules:
        if rule.element != element_type:
            continue
        entry: dict[str, Any] = {"rule": rule.id, "title": rule.title, "technique": rule.technique}
        try:
            match = rule.condition.evaluate(ctx, element)
        except Exception as exc:
            entry.update(matched=False, failed=f"rule failed: {type(exc).__name__}: {exc}")
            out.append(entry)
            continue
        finding = builder.finding(rule, element, match, element_type) if match is not None else None
        if match is not None and finding is None:
            removed = builder.removed[-1]
            entry.update(
                matched=False,
                failed=f"removed by a stated control: {removed.reason}",
                removed_by=removed.reason,
                evidence=match.evidence,
            )
        elif match is not None and finding is not None:
            entry.update(
                matched=True,
                failed=None,
                evidence=match.evidence,
                assumptions=match.assumptions,
                assumed=finding.assumed,
                controls=finding.controls_applied,
            )
        else:
            cond = rule.condition
            failing = cond.first_failure(ctx, element) if isinstance(cond, All) else cond
            entry.update(matched=False, failed=failing.describe() if failing else cond.describe())
        out.append(entry)
    return out
