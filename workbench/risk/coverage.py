"""Guideline coverage: how far a system model answers the NCSC/CISA guidelines.

:func:`guideline_coverage` evaluates every check of the guideline catalog
(``catalogs/guidelines.yaml``) on a :class:`~workbench.model.SystemModel`, and
gathers, for each of the seventeen guidelines, the findings that relate to it
(those whose ``guidelines`` name it) with their status and decision.

Each check is ``pass``, ``fail`` or ``unknown``, with details that name the
components and attributes behind it, each detail prefixed with its own status::

    fail: model "sentiment-model" has no selection_rationale
    unknown: registry "models" does not state access_control

How checks read the model:

- **Controls** (booleans and enums such as ``access_control`` or
  ``human_in_the_loop``): ``true`` (or the secure value) passes, ``false``
  fails, and an *unstated* value is ``unknown``, never ``fail``.
- **Component records** (text and links a guideline asks to be kept for each
  model, dataset or prompt: ``selection_rationale``, ``docs``, ``sha256``,
  ``version``, ``owner``, ``location``, ``retention`` ...): the model is the
  inventory, so an absent value fails (``fail: model "m" has no
  selection_rationale``).
- **System facts** pointing at processes outside the model
  (``staff_training``, ``incident_plan``, ``release_evaluation``,
  ``disclosure_contact``, ``debt``): unstated is ``unknown``; a stated fact
  that falls short fails (training more than 12 months before *as_of*, an
  evaluation without link or date or dated after *as_of*, a contact that is
  neither a mail address nor a URL, a debt item without an owner).
- **Not applicable**: a check that does not apply to the system (no datasets,
  no agents ...) is ``pass`` with ``applicable=False`` and a detail starting
  ``not applicable:``; there is no fourth status.

A guideline's ``state`` is ``fail`` if any check fails, else ``unknown`` if
any is unknown, else ``pass``.

>>> import datetime
>>> from workbench.model import load_template
>>> cov = guideline_coverage(load_template("fraud-classifier"), as_of=datetime.date(2025, 6, 1))
>>> len(cov.guidelines), cov.guideline("1.4").state
(17, 'pass')
>>> cov.check("confidentiality-controls").status, cov.check("confidentiality-controls").elements
('fail', ['scoring-endpoint'])
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from workbench._records import Record, by_id, fields_dict, tally
from workbench.model.definitions import at_least
from workbench.risk.decisions import decision_status
from workbench.rules.context import Context

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from workbench.catalog.guidelines import CheckSpec, GuidelineCatalog
    from workbench.model.system import Component, SystemModel

__all__ = [
    "CHECK_COLUMNS",
    "NOT_ASSESSED",
    "STATES",
    "STATUSES",
    "SUMMARY_COLUMNS",
    "CheckResult",
    "GuidelineCoverage",
    "GuidelineResult",
    "evaluated_checks",
    "guideline_coverage",
]

#: The statuses of a check and the states of a guideline, best first.
STATUSES = ("pass", "fail", "unknown")
#: A guideline whose checks are all not applicable: nothing was assessed.
NOT_ASSESSED = "not_assessed"
#: The states of a guideline.
STATES = (*STATUSES, NOT_ASSESSED)
#: Columns of :meth:`GuidelineCoverage.to_dataframe` (one row per check).
CHECK_COLUMNS = (
    "guideline",
    "title",
    "check_id",
    "check_text",
    "status",
    "applicable",
    "details",
    "elements",
)
#: Columns of :meth:`GuidelineCoverage.summary_dataframe` (one row per guideline).
SUMMARY_COLUMNS = (
    "guideline",
    "stage",
    "title",
    "state",
    "checks",
    "pass",
    "fail",
    "unknown",
    "findings",
    "open_findings",
)
#: Separator of list cells in the DataFrames (details, elements).
LIST_SEPARATOR = "; "

_PASS, _FAIL, _UNKNOWN = STATUSES
_MAIL = re.compile(r"(mailto:)?[^@\s]+@[^@\s]+\.[^@\s]+", re.IGNORECASE)
_URL = re.compile(r"https?://[^\s/]+\.[^\s]+", re.IGNORECASE)
_NOT_APPLICABLE = "not applicable: "
_HIGH_BANDS = ("high", "critical")
_CODE_RUNNING_FORMATS = ("pickle", "joblib", "torch_pickle", "unknown")
_SIDE_EFFECTS = ("write", "execute_code", "send_messages", "payments", "delete")
_USER_DATA = ("user_input", "feedback", "personal_data")
_DATA_KINDS = ("dataset", "data_store", "model_registry")
_KIND_LABELS = {
    "inference_endpoint": "endpoint",
    "model_registry": "registry",
    "data_pipeline": "data pipeline",
    "training_pipeline": "training pipeline",
    "vector_store": "vector store",
    "knowledge_source": "knowledge source",
    "data_store": "data store",
    "external_service": "external service",
}


# -- results -------------------------------------------------------------------


@dataclass
class CheckResult(Record):
    """One guideline check evaluated on a model.

    ``details`` say what was found, each line starting with its own status
    (``pass:``, ``fail:``, ``unknown:``) or ``not applicable:``; failing lines
    come first, then unknown, then passing ones, each in model order. ``elements``
    are the ids of the components behind the check's status (the failing ones
    for a failed check, the unknown ones for an unknown check, every component
    considered for a pass), in model order. ``applicable`` is false when the
    check does not apply to the system (then the status is ``pass``).
    """

    id: str
    text: str
    status: str
    details: list[str] = field(default_factory=list)
    elements: list[str] = field(default_factory=list)
    applicable: bool = True

    #: What :meth:`to_dict` writes, in this order.
    DICT_KEYS: ClassVar[tuple[str, ...]] = (
        "id", "text", "status", "applicable", "details", "elements",
    )


@dataclass
class GuidelineResult:
    """A guideline's checks, overall state and related findings.

    ``findings`` are dicts with ``id``, ``title``, ``element``, ``band``,
    ``status`` (open, decided, review_due), ``decision_id``, ``treatment`` and
    ``owner`` (``None`` when there is no decision), in the order given.
    """

    number: str
    stage: int
    stage_name: str
    title: str
    state: str
    checks: list[CheckResult]
    findings: list[dict[str, Any]]

    @property
    def label(self) -> str:
        return f"{self.number} {self.title}"

    def counts(self) -> dict[str, int]:
        """Number of checks per status: ``{"pass": 2, "fail": 1, "unknown": 0}``."""
        return tally((check.status for check in self.checks), STATUSES)

    @property
    def open_findings(self) -> list[dict[str, Any]]:
        """Related findings without a current decision."""
        return [f for f in self.findings if f["status"] == "open"]

    def check(self, check_id: str) -> CheckResult:
        return by_id(self.checks, check_id)

    def to_dict(self) -> dict[str, Any]:
        head = fields_dict(self, ("number", "stage", "stage_name", "title", "state"))
        return head | {"counts": self.counts()} | fields_dict(self, ("checks", "findings"))


@dataclass
class GuidelineCoverage:
    """What :func:`guideline_coverage` returns: one result per guideline, in order."""

    system: str
    system_name: str
    as_of: _dt.date
    analysed: bool
    guidelines: list[GuidelineResult]

    def guideline(self, number: str) -> GuidelineResult:
        """The result of one guideline, e.g. ``guideline("2.1")``."""
        key = str(number).strip()
        for g in self.guidelines:
            if g.number == key:
                return g
        raise KeyError(f"no guideline {key!r}")

    def check(self, check_id: str) -> CheckResult:
        """The result of one check by its id, e.g. ``check("ai-bom")``."""
        return by_id((c for g in self.guidelines for c in g.checks), check_id, "check")

    def states(self) -> dict[str, str]:
        """Guideline number to state."""
        return {g.number: g.state for g in self.guidelines}

    def counts(self) -> dict[str, int]:
        """Number of guidelines per state (pass, fail, unknown, not_assessed)."""
        return tally((g.state for g in self.guidelines), STATES)

    def to_dict(self) -> dict[str, Any]:
        return {
            "system": self.system,
            "system_name": self.system_name,
            "as_of": self.as_of.isoformat(),
            "analysed": self.analysed,
            "counts": self.counts(),
            "guidelines": [g.to_dict() for g in self.guidelines],
        }

    def to_dataframe(self) -> pd.DataFrame:
        """One row per check, in guideline and check order (:data:`CHECK_COLUMNS`).

        ``details`` and ``elements`` are joined with ``"; "``.
        """
        import pandas as pd

        rows = [
            {
                "guideline": g.number,
                "title": g.title,
                "check_id": c.id,
                "check_text": c.text,
                "status": c.status,
                "applicable": c.applicable,
                "details": LIST_SEPARATOR.join(c.details),
                "elements": LIST_SEPARATOR.join(c.elements),
            }
            for g in self.guidelines
            for c in g.checks
        ]
        return pd.DataFrame(rows, columns=list(CHECK_COLUMNS))

    def summary_dataframe(self) -> pd.DataFrame:
        """One row per guideline (:data:`SUMMARY_COLUMNS`): state, check counts, findings."""
        import pandas as pd

        rows = []
        for g in self.guidelines:
            counts = g.counts()
            rows.append(
                {
                    "guideline": g.number,
                    "stage": g.stage,
                    "title": g.title,
                    "state": g.state,
                    "checks": len(g.checks),
                    **counts,
                    "findings": len(g.findings),
                    "open_findings": len(g.open_findings),
                }
            )
        return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))

    def to_text(self) -> str:
        """A plain-text summary: one line per guideline, then the failing and unknown checks."""
        counts = self.counts()
        lines = [
            f"Guideline coverage: {self.system_name} ({self.system}), as of "
            f"{self.as_of.isoformat()}",
            f"{counts['pass']} pass, {counts['fail']} fail, {counts['unknown']} unknown, "
            f"{counts[NOT_ASSESSED]} not assessed of {len(self.guidelines)} guidelines"
            + ("" if self.analysed else " (no analysis given: threat checks are unknown)"),
            "",
        ]
        lines.append("#    state    pass fail unknown  findings (open)  guideline")
        for g in self.guidelines:
            c = g.counts()
            findings = f"{len(g.findings)} ({len(g.open_findings)})"
            lines.append(
                f"{g.number:<4} {g.state.replace('_', ' '):<8} {c['pass']:>4} {c['fail']:>4} {c['unknown']:>7}  "
                f"{findings:<15}  {g.title}"
            )
        for status, heading in ((_FAIL, "Failing checks"), (_UNKNOWN, "Unknown checks")):
            selected = [(g, ch) for g in self.guidelines for ch in g.checks if ch.status == status]
            if not selected:
                continue
            lines += ["", f"{heading}:"]
            for g, ch in selected:
                lines.append(f"  {g.number} {ch.id}: {ch.text}")
                for detail in ch.details:
                    if detail.startswith(status + ":"):
                        lines.append(f"      {detail}")
        return "\n".join(lines) + "\n"

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        c = self.counts()
        return (
            f"<GuidelineCoverage {self.system!r} as of {self.as_of.isoformat()}: "
            f"{c['pass']} pass, {c['fail']} fail, {c['unknown']} unknown>"
        )


# -- evaluation helpers ---------------------------------------------------------


def _field(obj: Any, name: str) -> Any:
    """An attribute of a finding or decision object, or a key of a mapping."""
    if obj is None:
        return None
    if isinstance(obj, Mapping):
        return obj.get(name)
    return getattr(obj, name, None)


def _as_date(value: Any) -> _dt.date | None:
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def _year_before(day: _dt.date) -> _dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _label(comp: Component) -> str:
    return f'{_KIND_LABELS.get(comp.kind, comp.kind)} "{comp.id}"'


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class _Check:
    """Collects the per-component outcomes of one check."""

    def __init__(self, ctx: _Ctx, not_applicable: str) -> None:
        self.ctx = ctx
        self.not_applicable = not_applicable
        self.items: list[tuple[str, str, str | None]] = []

    def add(self, status: str, text: str, element: str | None = None) -> None:
        self.items.append((status, text, element))

    def flag(self, comp: Component, attr: str, *, good: Any = True, why: str = "") -> str:
        """Judge one control attribute: good value pass, other stated value fail, unstated unknown."""
        value = comp.get(attr)
        suffix = f" ({why})" if why else ""
        if value is None:
            status, text = _UNKNOWN, f"{_label(comp)} does not state {attr}{suffix}"
        else:
            ok = value in good if isinstance(good, tuple) else value == good
            status = _PASS if ok else _FAIL
            text = f"{_label(comp)} has {attr}: {_shown(value)}{suffix}"
        self.add(status, text, comp.id)
        return status

    def result(self, check_id: str, text: str) -> CheckResult:
        if not self.items:
            return CheckResult(
                check_id, text, _PASS, [_NOT_APPLICABLE + self.not_applicable], [], applicable=False
            )
        statuses = {s for s, _, _ in self.items}
        status = _FAIL if _FAIL in statuses else _UNKNOWN if _UNKNOWN in statuses else _PASS
        order = self.ctx.order
        rank = {_FAIL: 0, _UNKNOWN: 1, _PASS: 2}
        details = [f"{s}: {t}" for s, t, _ in sorted(self.items, key=lambda i: rank[i[0]])]
        wanted = {e for s, _, e in self.items if e is not None and s == status}
        elements = sorted((e for e in wanted if e in order), key=order.__getitem__)
        elements += sorted(e for e in wanted if e not in order)
        return CheckResult(check_id, text, status, details, elements)


class _Ctx:
    """The model and the analysis facts every check reads.

    The model's indexes (components by kind, flows in and out, the closure of
    a set of components along flows) are the rules engine's
    :class:`~workbench.rules.context.Context`; a finding's status is
    :func:`workbench.risk.decisions.decision_status` of its decision.
    """

    def __init__(
        self,
        model: SystemModel,
        as_of: _dt.date,
        findings: list[Any],
        analysis: Any,
        analysed: bool,
        decisions: Mapping[str, Any] | None,
        statuses: Mapping[str, Any] | None,
    ) -> None:
        self.model = model
        self.as_of = as_of
        self.findings = findings
        self.analysis = analysis
        self.analysed = analysed
        self.decisions = decisions
        self.statuses = statuses
        self.bands: dict[str, str] | None = None
        self.graph = Context(model)
        self.components: list[Component] = list(self.graph.components.values())
        self.order = self.graph.order
        self.flows = list(self.graph.flows.values())
        self._by_guideline: dict[str, list[Any]] | None = None

    def of(self, *kinds: str) -> list[Component]:
        """The components of *kinds*, in model order."""
        return self.graph.of_kinds(frozenset(kinds))

    def flows_into(self, cid: str) -> list[Any]:
        return list(self.graph.in_adj[cid])

    def upstream_of_any(self, targets: set[str]) -> set[str]:
        """Components from which a directed path of flows leads to one of *targets*."""
        return self.graph.closure(targets, forward=False)

    def comp(self, cid: str) -> Component:
        return self.graph.components[cid]

    def neighbours(self, cid: str, kind: str) -> list[Component]:
        """Components of *kind* joined to *cid* by a flow either way, in model order."""
        ids = {*self.graph.succ[cid], *self.graph.pred[cid]}
        return sorted(
            (self.comp(i) for i in ids if self.comp(i).kind == kind),
            key=lambda c: self.order[c.id],
        )

    def band(self, finding: Any) -> Any:
        """The finding's current band where given, else its own."""
        if self.bands is not None:
            fid = str(_field(finding, "id"))
            if fid in self.bands:
                return self.bands[fid]
        return _field(finding, "band")

    def decision(self, finding_id: str) -> Any:
        if self.decisions is None:
            return None
        return self.decisions.get(finding_id)

    def status(self, finding_id: str) -> str:
        given = self.statuses.get(finding_id) if self.statuses is not None else None
        if given:
            return str(given)
        return decision_status(self.decision(finding_id), as_of=self.as_of)

    def related(self, number: str) -> list[Any]:
        """The findings that name guideline *number* (indexed once for all guidelines)."""
        if self._by_guideline is None:
            self._by_guideline = {}
            for f in self.findings:
                for g in {str(g).strip() for g in (_field(f, "guidelines") or ())}:
                    self._by_guideline.setdefault(g, []).append(f)
        return self._by_guideline.get(number, [])


def _public_registry(comp: Component) -> bool:
    """A public hub: readable by anyone by design, not the organisation's store."""
    return comp.kind == "model_registry" and comp.get("public") is True


def _is_hosted(comp: Component) -> bool:
    return comp.kind == "model" and comp.get("origin") == "third_party_api"


def _integrity(check: _Check, comp: Component, why: str = "") -> None:
    """hash_verified or signed: either true passes, both false fails, else unknown."""
    hashed, signed = comp.get("hash_verified"), comp.get("signed")
    suffix = f" ({why})" if why else ""
    if hashed is True or signed is True:
        which = "hash_verified" if hashed is True else "signed"
        check.add(_PASS, f"{_label(comp)} has {which}: true{suffix}", comp.id)
    elif hashed is False and signed is False:
        check.add(
            _FAIL, f"{_label(comp)} has hash_verified: false and signed: false{suffix}", comp.id
        )
    else:
        stated = [
            f"{a}: false" for a, v in (("hash_verified", hashed), ("signed", signed)) if v is False
        ]
        missing = [a for a, v in (("hash_verified", hashed), ("signed", signed)) if v is None]
        text = f"{_label(comp)} does not state {' or '.join(missing)}"
        if stated:
            text += f" ({', '.join(stated)})"
        check.add(_UNKNOWN, text + suffix, comp.id)


def _missing_records(comp: Component, names: Iterable[str]) -> list[str]:
    return [n for n in names if comp.get(n) in (None, "", (), [])]


def _records(check: _Check, comp: Component, names: Iterable[str], what: str = "") -> None:
    """Record attributes: all present passes, any absent fails (the model is the record)."""
    names = list(names)
    missing = _missing_records(comp, names)
    suffix = f" ({what})" if what else ""
    if missing:
        check.add(_FAIL, f"{_label(comp)} has no {', '.join(missing)}{suffix}", comp.id)
    else:
        check.add(_PASS, f"{_label(comp)} has {', '.join(names)}{suffix}", comp.id)


def _side_effect_tools(ctx: _Ctx, agent: Component) -> tuple[list[Component], list[Component]]:
    """The agent's tools with side effects beyond read, and those whose side effects are unstated."""
    tools = ctx.neighbours(agent.id, "tool")
    risky = [t for t in tools if t.get("side_effects") in _SIDE_EFFECTS]
    unstated = [t for t in tools if t.get("side_effects") is None]
    return risky, unstated


def _risky_capabilities(ctx: _Ctx, agent: Component) -> tuple[list[str], list[str]]:
    """What risky things the agent can do, and what it does not state."""
    risky, unstated = _side_effect_tools(ctx, agent)
    found = [f'tool "{t.id}" ({t.get("side_effects")})' for t in risky]
    found += [a for a in ("code_interpreter", "browsing", "computer_use") if agent.get(a) is True]
    unknown = [f'tool "{t.id}" side_effects' for t in unstated]
    return found, unknown


def _restricted(agent: Component) -> bool | None:
    """True when people approve the agent's actions or it does not act alone; None unstated."""
    hitl, autonomy = agent.get("human_in_the_loop"), agent.get("autonomy")
    if hitl is True or autonomy in ("suggest", "act_with_approval"):
        return True
    if autonomy == "act":
        return False
    return None


def _agent_restriction(check: _Check, ctx: _Ctx, agent: Component, *, capability: str) -> None:
    found, unknown = _risky_capabilities(ctx, agent)
    restricted = _restricted(agent)
    hitl, autonomy = agent.get("human_in_the_loop"), agent.get("autonomy")
    how = (
        f"autonomy: {_shown(autonomy) if autonomy else 'unstated'}, human_in_the_loop: "
        f"{_shown(hitl) if hitl is not None else 'unstated'}"
    )
    if restricted is True:
        check.add(_PASS, f"{_label(agent)} needs approval or only suggests ({how})", agent.id)
    elif not found and not unknown:
        check.add(_PASS, f"{_label(agent)} has no {capability} ({how})", agent.id)
    elif restricted is False and found:
        check.add(
            _FAIL,
            f"{_label(agent)} acts without approval ({how}) with {', '.join(found)}",
            agent.id,
        )
    elif found:
        check.add(
            _UNKNOWN,
            f"{_label(agent)} has {', '.join(found)} and does not state "
            f"autonomy or human_in_the_loop ({how})",
            agent.id,
        )
    else:
        check.add(
            _UNKNOWN, f"{_label(agent)} ({how}) does not state {', '.join(unknown)}", agent.id
        )


def _monitoring(ctx: _Ctx, attr: str, what: str) -> _Check:
    """Some monitoring component with *attr* true passes; all false or none at all fails."""
    check = _Check(ctx, "no models or agents to monitor")
    if not ctx.of("model", "agent"):
        return check
    monitors = ctx.of("monitoring")
    if not monitors:
        check.add(_FAIL, f"no monitoring component {what} (the model has no monitoring component)")
        return check
    values = [m.get(attr) for m in monitors]
    if True in values:
        for m in monitors:
            if m.get(attr) is True:
                check.add(_PASS, f"{_label(m)} has {attr}: true", m.id)
        return check
    for m in monitors:
        check.flag(m, attr)
    return check


# -- the checks ---------------------------------------------------------------------

#: A check adds its outcomes to the :class:`_Check` it is given.
CheckFn = Callable[[_Ctx, _Check], None]
#: Check id -> (the function, what the check is about when it is not applicable).
_CHECKS: dict[str, tuple[CheckFn, str]] = {}


def _check(check_id: str, not_applicable: str = "") -> Callable[[CheckFn], CheckFn]:
    def register(fn: CheckFn) -> CheckFn:
        _CHECKS[check_id] = (fn, not_applicable)
        return fn

    return register


def _run(ctx: _Ctx, check_id: str) -> _Check | None:
    """The outcomes of the check *check_id* evaluated here, or ``None`` for another check."""
    found = _CHECKS.get(check_id)
    if found is None:
        return None
    fn, not_applicable = found
    check = _Check(ctx, not_applicable)
    fn(ctx, check)
    return check


def evaluated_checks() -> list[str]:
    """Ids of the checks evaluated here or declared in the bundled guideline catalog."""
    from workbench.catalog import load_guidelines

    return [*_CHECKS, *(c.id for c in load_guidelines().checks() if c.evaluate is not None)]


def _declared(ctx: _Ctx, spec: CheckSpec) -> _Check:
    """Evaluate a check declared in the guideline catalog (see ``CHECK_WORDS`` there)."""
    if spec.kind == "monitoring":
        return _monitoring(ctx, spec.attribute, spec.what)
    check = _Check(ctx, spec.not_applicable)
    if spec.kind == "provided":
        check.add(_PASS, spec.what)
    elif spec.kind == "fact":
        value = ctx.model.fact(spec.attribute)
        if value:
            check.add(_PASS, f"the system references {spec.attribute} {value}")
        else:
            check.add(_UNKNOWN, f"the system does not state {spec.attribute}")
    for comp in ctx.of(*spec.kinds):
        if spec.skip_hosted and _is_hosted(comp):
            continue
        if spec.kind == "flag":
            check.flag(comp, spec.attribute, good=spec.good)
        elif spec.kind == "records":
            _records(check, comp, spec.records, spec.what)
        else:
            _integrity(check, comp)
    return check


# 1.1 Raise staff awareness of threats and risks


@_check("staff-training-recorded", "")
def _staff_training(ctx: _Ctx, check: _Check) -> None:
    day = _as_date(ctx.model.fact("staff_training"))
    cutoff = _year_before(ctx.as_of)
    if day is None:
        check.add(_UNKNOWN, "the system does not state staff_training")
    elif day < cutoff:
        check.add(
            _FAIL,
            f"staff_training {day.isoformat()} is more than 12 months before "
            f"{ctx.as_of.isoformat()}",
        )
    else:
        check.add(
            _PASS,
            f"staff_training {day.isoformat()} is within 12 months of {ctx.as_of.isoformat()}",
        )


# 1.2 Model the threats to your system


@_check("components-analysed", "")
def _components_analysed(ctx: _Ctx, check: _Check) -> None:
    if not ctx.analysed:
        check.add(
            _UNKNOWN,
            "no analysis given: pass the findings (or the AnalysisResult) of "
            "workbench.analyze(model)",
        )
        return
    result = ctx.analysis
    if result is None:
        check.add(_PASS, f"{len(ctx.findings)} findings from an analysis were given")
        return
    if getattr(result, "system", ctx.model.id) != ctx.model.id:
        check.add(_UNKNOWN, f"the analysis is of system {result.system!r}, not {ctx.model.id!r}")
    analysed = set(getattr(result, "element_order", ()) or ())
    failed: dict[str, list[str]] = {}
    for error in getattr(result, "errors", ()) or ():
        element = _field(error, "element")
        failed.setdefault(element, []).append(str(_field(error, "rule")))
    for comp in ctx.components:
        if analysed and comp.id not in analysed:
            check.add(
                _FAIL, f"{_label(comp)} was not analysed (added after the analysis?)", comp.id
            )
        elif comp.id in failed:
            check.add(
                _UNKNOWN,
                f"{_label(comp)}: rules failed on it ({', '.join(failed[comp.id])})",
                comp.id,
            )
        else:
            check.add(_PASS, f"{_label(comp)} analysed", comp.id)


@_check("high-threats-decided", "no high or critical findings")
def _high_threats_decided(ctx: _Ctx, check: _Check) -> None:
    if not ctx.analysed:
        check.add(_UNKNOWN, "no analysis given: the high and critical findings are not known")
        return
    for f in ctx.findings:
        band = str(ctx.band(f) or "").lower()
        if band not in _HIGH_BANDS:
            continue
        fid = str(_field(f, "id"))
        element = _field(f, "element")
        what = f'{band} finding "{fid}"'
        decision = ctx.decision(fid)
        if decision is None:
            if ctx.decisions is None:
                check.add(_UNKNOWN, f"{what}: no decisions given", element)
            else:
                check.add(_FAIL, f"{what} has no decision", element)
        elif not _field(decision, "owner"):
            did = _field(decision, "id")
            label = f'decision "{did}"' if did else "its decision"
            check.add(_FAIL, f"{what}: {label} has no owner", element)
        else:
            check.add(
                _PASS,
                f"{what}: {_field(decision, 'treatment') or 'decided'}, owner "
                f"{_field(decision, 'owner')} ({ctx.status(fid)})",
                element,
            )


@_check("decisions-documented", "no decisions taken yet")
def _decisions_documented(ctx: _Ctx, check: _Check) -> None:
    if ctx.decisions is None:
        check.add(_UNKNOWN, "no decisions given")
        return
    elements = {str(_field(f, "id")): _field(f, "element") for f in ctx.findings}
    # one decision may cover several findings: judge it once
    grouped: dict[Any, tuple[Any, list[str]]] = {}
    for fid, decision in ctx.decisions.items():
        if decision is None:
            continue
        key = _field(decision, "id") or id(decision)
        grouped.setdefault(key, (decision, []))[1].append(str(fid))
    for decision, fids in grouped.values():
        name = _field(decision, "id")
        on = ", ".join(f'"{f}"' for f in fids)
        noun = "finding" if len(fids) == 1 else "findings"
        what = f'decision "{name}" on {noun} {on}' if name else f"decision on {noun} {on}"
        element = next(
            (
                e
                for e in (
                    elements.get(f) or (f.split("@", 1)[1] if "@" in f else None) for f in fids
                )
                if e
            ),
            None,
        )
        if str(_field(decision, "rationale") or "").strip():
            check.add(_PASS, f"{what} has a rationale", element)
        else:
            check.add(_FAIL, f"{what} has no rationale", element)


# 1.3 Design your system for security as well as functionality and performance


@_check("untrusted-weights-safe", "no models whose weights are loaded")
def _untrusted_weights(ctx: _Ctx, check: _Check) -> None:
    for model in ctx.of("model"):
        if _is_hosted(model):
            continue
        origin = model.get("origin")
        public_sources = [
            ctx.comp(f.source).id
            for f in ctx.flows_into(model.id)
            if ctx.comp(f.source).kind == "model_registry"
            and ctx.comp(f.source).get("public") is True
        ]
        outside: bool | None
        if origin == "open_weights" or public_sources:
            outside = True
        elif origin in ("in_house", "fine_tuned"):
            outside = False
        else:
            outside = None
        where = f"origin: {origin}" if origin else "origin unstated"
        if public_sources:
            where += f", from public registry {', '.join(public_sources)}"
        fmt = model.get("serialization")
        if fmt is not None and fmt not in _CODE_RUNNING_FORMATS:
            check.add(
                _PASS,
                f"{_label(model)} has serialization: {fmt}, which cannot run code when loaded",
                model.id,
            )
        elif outside is False:
            check.add(_PASS, f"{_label(model)} is built in house ({where})", model.id)
        elif fmt is None:
            check.add(_UNKNOWN, f"{_label(model)} does not state serialization ({where})", model.id)
        elif outside is None:
            check.add(
                _UNKNOWN,
                f"{_label(model)} has serialization: {fmt} and does not state origin",
                model.id,
            )
        else:
            _integrity(check, model, f"serialization: {fmt}, {where}")


@_check("external-data-controlled", "no personal or confidential data flows to external services or hosted models")
def _external_data(ctx: _Ctx, check: _Check) -> None:
    for flow in ctx.flows:
        target, source = ctx.comp(flow.target), ctx.comp(flow.source)
        if not (target.kind == "external_service" or _is_hosted(target)):
            continue
        sensitive = []
        if "personal_data" in flow.data:
            sensitive.append("personal_data")
        if at_least("sensitivity", source.get("sensitivity"), "confidential"):
            sensitive.append(f"{source.get('sensitivity')} data from {_label(source)}")
        where = f'flow "{flow.id}" to {_label(target)}'
        if not flow.data and not sensitive:
            check.add(_UNKNOWN, f"{where} does not state its data", target.id)
            continue
        if not sensitive:
            continue
        carried = f"{where} carries {', '.join(sensitive)}"
        if target.get("data_leaves_organisation") is False:
            check.add(_PASS, f"{carried}; data_leaves_organisation: false", target.id)
            continue
        dd = target.get("due_diligence_done")
        if dd is True:
            check.add(_PASS, f"{carried}; due_diligence_done: true", target.id)
        elif dd is False:
            check.add(_FAIL, f"{carried}; due_diligence_done: false", target.id)
        else:
            check.add(
                _UNKNOWN,
                f"{carried}; {_label(target)} does not state due_diligence_done",
                target.id,
            )


@_check("inputs-sanitised", "no application, endpoint or pipeline that untrusted input reaches feeds a model")
def _inputs_sanitised(ctx: _Ctx, check: _Check) -> None:
    reachable = ctx.model.reachable_from_untrusted()
    feeds_ai = ctx.upstream_of_any({c.id for c in ctx.of("model", "agent")})
    for comp in ctx.components:
        attr = {
            "application": "filters_inputs",
            "inference_endpoint": "filters_inputs",
            "data_pipeline": "validates_inputs",
        }.get(comp.kind)
        if attr is None or comp.id not in reachable or comp.id not in feeds_ai:
            continue
        check.flag(comp, attr, why="reachable from untrusted input, feeds a model")


@_check("ai-actions-restricted", "no agents or code-running tools")
def _ai_actions(ctx: _Ctx, check: _Check) -> None:
    for comp in ctx.components:
        if comp.kind == "agent":
            _agent_restriction(check, ctx, comp, capability="tools with side effects")
            if comp.get("config_writable") is True:
                check.add(
                    _FAIL,
                    f"{_label(comp)} has config_writable: true (it can change its "
                    f"own rules or tools)",
                    comp.id,
                )
        elif comp.kind == "tool" and comp.get("side_effects") == "execute_code":
            check.flag(comp, "sandboxed", why="side_effects: execute_code")


@_check("output-guardrails", "no application receives model output")
def _output_guardrails(ctx: _Ctx, check: _Check) -> None:
    receivers = {f.target for f in ctx.flows if "model_output" in f.data}
    for app in ctx.of("application"):
        rendered = app.get("renders_model_output_as")
        if app.id not in receivers and rendered is None:
            continue
        why = f"renders model output as {rendered}" if rendered else "receives model output"
        check.flag(app, "filters_outputs", why=why)


# 1.4 Consider security benefits and trade-offs when selecting your AI model


@_check("model-origin-known", "no models")
def _origin_known(ctx: _Ctx, check: _Check) -> None:
    for model in ctx.of("model"):
        origin, fmt = model.get("origin"), model.get("serialization")
        if fmt == "unknown":
            check.add(
                _FAIL,
                f"{_label(model)} has serialization: unknown (the weights' file "
                f"format is not known)",
                model.id,
            )
            continue
        missing = [
            n
            for n, v in (("origin", origin), ("serialization", fmt))
            if v is None and not (n == "serialization" and _is_hosted(model))
        ]
        if missing:
            check.add(_UNKNOWN, f"{_label(model)} does not state {' or '.join(missing)}", model.id)
        else:
            shown = f"origin: {origin}" + (f", serialization: {fmt}" if fmt else "")
            check.add(_PASS, f"{_label(model)} has {shown}", model.id)


# 2.1 Secure your supply chain


def _third_party(comp: Component) -> bool | None:
    origin = comp.get("origin")
    outside = {
        "model": ("open_weights", "third_party_api"),
        "dataset": ("public", "scraped", "third_party"),
        "tool": ("third_party",),
    }
    if comp.kind == "external_service":
        return True
    if comp.kind not in outside:
        return False
    if origin is None:
        return True if comp.get("supplier") else None
    return origin in outside[comp.kind]


def _in_house(comp: Component) -> bool:
    return comp.get("origin") in ("in_house", "fine_tuned", "internal", "user_generated")


@_check("suppliers-vetted", "no third-party models, datasets, tools or services")
def _suppliers_vetted(ctx: _Ctx, check: _Check) -> None:
    for comp in ctx.of("model", "dataset", "tool", "external_service"):
        third = _third_party(comp)
        if third is False:
            continue
        if third is None:
            check.add(_UNKNOWN, f"{_label(comp)} states neither origin nor supplier", comp.id)
            continue
        problems, unknown = [], []
        if not comp.get("supplier"):
            problems.append("names no supplier")
        dd = comp.get("due_diligence_done")
        if dd is False:
            problems.append("has due_diligence_done: false")
        elif dd is None:
            unknown.append("does not state due_diligence_done")
        origin = comp.get("origin")
        what = f"{_label(comp)}" + (f" (origin: {origin})" if origin else "")
        if problems:
            check.add(_FAIL, f"{what} {' and '.join(problems + unknown)}", comp.id)
        elif unknown:
            check.add(_UNKNOWN, f"{what} {' and '.join(unknown)}", comp.id)
        else:
            check.add(
                _PASS, f"{what}: supplier {comp.get('supplier')}, due_diligence_done: true", comp.id
            )


@_check("ai-bom", "no models, datasets or third-party tools")
def _ai_bom(ctx: _Ctx, check: _Check) -> None:
    for comp in ctx.of("model", "dataset", "tool"):
        if comp.kind == "tool" and _third_party(comp) is not True:
            continue
        missing = []
        if not comp.get("supplier") and not _in_house(comp):
            missing.append("supplier (or an in-house origin)")
        if not comp.get("version") and not comp.get("sha256"):
            missing.append("version or sha256")
        if missing:
            check.add(
                _FAIL,
                f"{_label(comp)} has no {' and no '.join(missing)} for the bill of materials",
                comp.id,
            )
        else:
            source = comp.get("supplier") or f"origin {comp.get('origin')}"
            ident = comp.get("version") or f"sha256 {str(comp.get('sha256'))[:12]}…"
            check.add(_PASS, f"{_label(comp)}: {source}, {ident}", comp.id)


@_check("supplier-failover", "no external services or hosted models")
def _supplier_failover(ctx: _Ctx, check: _Check) -> None:
    for comp in ctx.components:
        if not (comp.kind == "external_service" or _is_hosted(comp)):
            continue
        criticality = comp.get("criticality")
        failover = comp.get("failover")
        if failover is True:
            check.add(_PASS, f"{_label(comp)} has failover: true", comp.id)
        elif criticality is None:
            check.add(
                _UNKNOWN,
                f"{_label(comp)} does not state criticality"
                + (", failover: false" if failover is False else ""),
                comp.id,
            )
        elif not at_least("criticality", criticality, "high"):
            check.add(
                _PASS,
                f"{_label(comp)} is not mission-critical (criticality: {criticality})",
                comp.id,
            )
        else:
            check.flag(comp, "failover", why=f"criticality: {criticality}")


# 2.2 Identify, track and protect your assets


@_check("assets-inventoried", "no models, datasets or prompts")
def _assets_inventoried(ctx: _Ctx, check: _Check) -> None:
    for comp in ctx.of("model", "dataset", "prompt"):
        names = ["owner", "location"]
        if comp.kind == "dataset":
            names.append("sensitivity")
        elif comp.kind == "prompt":
            names.append("contains_secrets")
        elif not _is_hosted(comp):
            names.append("trained_on")
        if not _is_hosted(comp):
            names.append("sha256")
        _records(check, comp, names)


@_check("known-good-state", "no datasets, data stores, registries or prompts")
def _known_good(ctx: _Ctx, check: _Check) -> None:
    for comp in ctx.components:
        if comp.kind in _DATA_KINDS and not _public_registry(comp):
            check.flag(comp, "backed_up")
        elif comp.kind == "prompt":
            check.flag(comp, "versioned")


# 2.4 Manage your technical debt


@_check("debt-recorded", "")
def _debt(ctx: _Ctx, check: _Check) -> None:
    debt = ctx.model.fact("debt")
    if not debt:
        check.add(_UNKNOWN, "the system records no debt list (none known, or not recorded?)")
        return
    for entry in debt:
        item = str(_field(entry, "item") or "")
        owner = _field(entry, "owner")
        if owner:
            check.add(_PASS, f'debt item "{item}" has owner {owner}')
        else:
            check.add(_FAIL, f'debt item "{item}" has no owner')


# 3.1 Secure your infrastructure


@_check("access-control", "no endpoints, registries or data stores")
def _access_control(ctx: _Ctx, check: _Check) -> None:
    for comp in ctx.components:
        if comp.kind == "inference_endpoint":
            check.flag(comp, "authenticated")
        elif _public_registry(comp):
            check.add(
                _PASS,
                f"{_label(comp)} has public: true (a public hub others run; "
                f"integrity is judged by untrusted-weights-safe)",
                comp.id,
            )
        elif comp.kind in ("model_registry", "data_store"):
            check.flag(comp, "access_control")
        elif comp.kind == "vector_store":
            if comp.get("per_document_access_control") is True:
                check.add(_PASS, f"{_label(comp)} has per_document_access_control: true", comp.id)
            elif comp.get("multi_tenant") is False:
                check.add(_PASS, f"{_label(comp)} has multi_tenant: false", comp.id)
            elif comp.get("multi_tenant") is True:
                check.flag(comp, "per_document_access_control", why="multi_tenant: true")
            else:
                check.add(_UNKNOWN, f"{_label(comp)} does not state multi_tenant", comp.id)


# 3.2 Protect your model continuously


@_check("confidentiality-controls", "no confidential data stores or models trained on confidential data")
def _confidentiality(ctx: _Ctx, check: _Check) -> None:
    for comp in ctx.components:
        if comp.kind == "data_store" and at_least(
            "sensitivity", comp.get("sensitivity"), "confidential"
        ):
            check.flag(comp, "encrypted_at_rest", why=f"sensitivity: {comp.get('sensitivity')}")
        elif comp.kind == "model" and at_least(
            "sensitivity", comp.get("trained_on"), "confidential"
        ):
            for endpoint in ctx.neighbours(comp.id, "inference_endpoint"):
                check.flag(
                    endpoint,
                    "returns_scores",
                    good=False,
                    why=f'serves model "{comp.id}" trained on {comp.get("trained_on")} data',
                )


# 3.3 Develop incident management procedures


@_check("offline-backups", "no crown jewels among datasets, data stores and registries")
def _offline_backups(ctx: _Ctx, check: _Check) -> None:
    for comp in ctx.model.crown_jewels():
        if comp.kind in _DATA_KINDS:
            reasons = ", ".join(ctx.model.crown_jewel_reasons(comp.id))
            check.flag(comp, "backed_up", why=f"crown jewel: {reasons}")


# 3.4 Release AI responsibly


@_check("release-evaluation", "")
def _release_evaluation(ctx: _Ctx, check: _Check) -> None:
    record = ctx.model.fact("release_evaluation") or {}
    link, day = _field(record, "link"), _field(record, "date")
    when = _as_date(day)
    if not record:
        check.add(_UNKNOWN, "the system does not state release_evaluation")
    elif not link or not day:
        missing = " and ".join(n for n, v in (("link", link), ("date", day)) if not v)
        check.add(_FAIL, f"release_evaluation has no {missing}")
    elif when is not None and when > ctx.as_of:
        check.add(_FAIL, f"release_evaluation {link} is dated {day}, after {ctx.as_of.isoformat()}")
    else:
        check.add(_PASS, f"release_evaluation {link} dated {day}")


# 3.5 Make it easy for users to do the right things


@_check("secure-defaults", "no agents and no application rendering model output as markdown or html")
def _secure_defaults(ctx: _Ctx, check: _Check) -> None:
    for comp in ctx.components:
        if comp.kind == "agent":
            hitl = comp.get("human_in_the_loop")
            found, unknown = _risky_capabilities(ctx, comp)
            if hitl is True or comp.get("autonomy") == "suggest":
                check.add(
                    _PASS,
                    f"{_label(comp)} asks for approval or only suggests "
                    f"(human_in_the_loop: {_shown(hitl) if hitl is not None else 'unstated'})",
                    comp.id,
                )
            elif hitl is None:
                check.add(_UNKNOWN, f"{_label(comp)} does not state human_in_the_loop", comp.id)
            elif found:
                check.add(
                    _FAIL,
                    f"{_label(comp)} has human_in_the_loop: false with {', '.join(found)}",
                    comp.id,
                )
            elif unknown:
                check.add(
                    _UNKNOWN,
                    f"{_label(comp)} has human_in_the_loop: false and does not "
                    f"state {', '.join(unknown)}",
                    comp.id,
                )
            else:
                check.add(
                    _PASS,
                    f"{_label(comp)} has human_in_the_loop: false but no risky capabilities",
                    comp.id,
                )
        elif comp.kind == "application" and comp.get("renders_model_output_as") in (
            "markdown",
            "html",
        ):
            check.flag(
                comp,
                "filters_outputs",
                why=f"renders model output as {comp.get('renders_model_output_as')}",
            )


@_check("risky-capabilities-opt-in", "no agents")
def _risky_opt_in(ctx: _Ctx, check: _Check) -> None:
    for agent in ctx.of("agent"):
        _agent_restriction(check, ctx, agent, capability="risky capabilities")


@_check("user-responsibilities-stated", "no user data flows into datasets or training")
def _user_data_use(ctx: _Ctx, check: _Check) -> None:
    for comp in ctx.components:
        if comp.kind not in ("dataset", "training_pipeline"):
            continue
        carried = sorted({d for f in ctx.flows_into(comp.id) for d in f.data if d in _USER_DATA})
        if comp.kind == "dataset" and comp.get("origin") == "user_generated":
            carried = ["user-generated data", *carried]
        if not carried:
            continue
        names = ["retention", "docs"] if comp.kind == "dataset" else ["docs"]
        missing = _missing_records(comp, names)
        what = f"{_label(comp)} receives {', '.join(carried)}"
        if missing:
            check.add(
                _UNKNOWN,
                f"{what} and has no {' or '.join(missing)} telling users how their data is used",
                comp.id,
            )
        else:
            check.add(_PASS, f"{what}; {' and '.join(names)} stated", comp.id)


# 4.2 Monitor your system's inputs


@_check("inputs-logged", "no models")
def _inputs_logged(ctx: _Ctx, check: _Check) -> None:
    if not ctx.of("model", "agent"):
        return
    monitors = [m for m in ctx.of("monitoring") if m.get("covers_inputs") is True]
    if monitors:
        for m in monitors:
            check.add(_PASS, f"{_label(m)} has covers_inputs: true", m.id)
        return
    endpoints = ctx.of("inference_endpoint")
    unstated = [m for m in ctx.of("monitoring") if m.get("covers_inputs") is None]
    if not endpoints:
        for m in ctx.of("monitoring"):
            check.flag(m, "covers_inputs")
        if not check.items:
            check.add(
                _FAIL,
                "nothing logs inputs (the model has no monitoring component or inference endpoint)",
            )
        return
    # each endpoint logs its inputs, or a monitoring component covers them
    unstated_names = ", ".join(_label(m) for m in unstated)
    for e in endpoints:
        logs = e.get("logs_inputs")
        if logs is True:
            check.add(_PASS, f"{_label(e)} has logs_inputs: true", e.id)
        elif logs is None:
            check.add(_UNKNOWN, f"{_label(e)} does not state logs_inputs", e.id)
        elif unstated:
            check.add(
                _UNKNOWN,
                f"{_label(e)} has logs_inputs: false and {unstated_names} does not "
                f"state covers_inputs",
                e.id,
            )
        else:
            check.add(
                _FAIL,
                f"{_label(e)} has logs_inputs: false and no monitoring component covers inputs",
                e.id,
            )


# 4.3 Follow a secure by design approach to updates


@_check("updates-evaluated", "no models")
def _updates_evaluated(ctx: _Ctx, check: _Check) -> None:
    evaluated = _field(ctx.model.fact("release_evaluation"), "link")
    for model in ctx.of("model"):
        if _is_hosted(model):
            if model.get("version"):
                check.add(
                    _PASS,
                    f"{_label(model)} is pinned to version {model.get('version')}; "
                    f"its supplier's updates are adopted as releases",
                    model.id,
                )
            else:
                check.add(
                    _UNKNOWN,
                    f"{_label(model)} is hosted and states no pinned version: "
                    f"its supplier may update it unseen",
                    model.id,
                )
            continue
        automatic = [a for a in ("continuous_learning", "auto_updated") if model.get(a) is True]
        unstated = [a for a in ("continuous_learning", "auto_updated") if model.get(a) is None]
        if automatic:
            check.add(
                _UNKNOWN,
                f"{_label(model)} is updated automatically ("
                f"{', '.join(a + ': true' for a in automatic)}); the model cannot "
                f"record whether each update is evaluated before release",
                model.id,
            )
        elif unstated:
            check.add(_UNKNOWN, f"{_label(model)} does not state {' or '.join(unstated)}", model.id)
        elif evaluated:
            check.add(
                _PASS,
                f"{_label(model)} is updated by releases, and a release_evaluation is recorded",
                model.id,
            )
        else:
            check.add(
                _FAIL,
                f"{_label(model)} is updated by releases, but the system records no "
                f"release_evaluation",
                model.id,
            )


@_check("automated-updates", "no automatically updated or device-deployed models")
def _automated_updates(ctx: _Ctx, check: _Check) -> None:
    for model in ctx.of("model"):
        on_devices = model.get("deployment") in ("edge_device", "client")
        auto = model.get("auto_updated")
        if auto is True:
            _integrity(check, model, "auto_updated: true")
        elif on_devices:
            check.flag(model, "auto_updated", why=f"deployment: {model.get('deployment')}")


# 4.4 Collect and share lessons learned


@_check("disclosure-contact", "")
def _disclosure(ctx: _Ctx, check: _Check) -> None:
    contact = str(ctx.model.fact("disclosure_contact") or "").strip()
    if not contact:
        check.add(_UNKNOWN, "the system does not state disclosure_contact")
    elif _MAIL.fullmatch(contact) or _URL.match(contact):
        check.add(_PASS, f"the system names disclosure_contact {contact}")
    else:
        check.add(
            _FAIL,
            f"disclosure_contact {contact!r} is neither a mail address nor a URL outsiders can use",
        )


# -- entry point -------------------------------------------------------------------


def _related(ctx: _Ctx, number: str) -> list[dict[str, Any]]:
    out = []
    for f in ctx.related(number):
        fid = str(_field(f, "id"))
        decision = ctx.decision(fid)
        out.append(
            {
                "id": fid,
                "title": _field(f, "title"),
                "element": _field(f, "element"),
                "band": ctx.band(f),
                "status": ctx.status(fid),
                "decision_id": _field(decision, "id"),
                "treatment": _field(decision, "treatment"),
                "owner": _field(decision, "owner"),
            }
        )
    return out


def guideline_coverage(
    model: SystemModel,
    *,
    findings: Any = (),
    decisions: Mapping[str, Any] | None = None,
    as_of: _dt.date,
    guidelines: GuidelineCatalog | Iterable[Any] | None = None,
    statuses: Mapping[str, Any] | None = None,
    bands: Mapping[str, str] | None = None,
) -> GuidelineCoverage:
    """Evaluate every guideline check on *model* and gather the related findings.

    *findings* are the analysis findings (objects or dicts with ``id``,
    ``element``, ``band``, ``guidelines``, ``title``), or the
    :class:`~workbench.rules.engine.AnalysisResult` itself (then
    ``components-analysed`` also checks that every component was analysed and
    no rule failed on it). No findings means no analysis: the threat checks of
    1.2 are ``unknown``.

    *decisions* maps a finding id to its current decision (``id``,
    ``treatment``, ``owner``, ``rationale``, ``review_by``) or ``None``;
    ``None`` for the whole mapping means "not given" (decision checks are
    ``unknown``), an empty mapping means "none taken". *statuses* maps a
    finding id to ``open``, ``decided`` or ``review_due``; where it is not
    given the status is derived: ``review_due`` when the decision's
    ``review_by`` is before *as_of*, ``decided`` with a decision, else
    ``open``. *bands* maps a finding id to its current band (overrides and
    decisions applied, as the register shows it); where given it replaces the
    finding's prefilled band.

    A guideline whose checks are all not applicable is ``not_assessed``,
    never ``pass``: nothing was there to check.

    *as_of* is the day the coverage is for (staff training older than 12
    months before it fails). *guidelines* defaults to
    :func:`workbench.catalog.load_guidelines`. A catalog check this module
    cannot evaluate is ``unknown``.
    """
    if not isinstance(as_of, _dt.date) or isinstance(as_of, _dt.datetime):
        raise TypeError(f"as_of must be a datetime.date, got {type(as_of).__name__}")
    if guidelines is None:
        from workbench.catalog import load_guidelines

        guidelines = load_guidelines()
    analysis = None
    if findings is None:
        found: list[Any] = []
    elif hasattr(findings, "findings") and hasattr(findings, "element_order"):
        analysis = findings
        found = list(findings.findings)
    else:
        found = list(findings)
    analysed = analysis is not None or bool(found)
    ctx = _Ctx(model, as_of, found, analysis, analysed, decisions, statuses)
    ctx.bands = dict(bands) if bands is not None else None
    results = []
    for g in guidelines:
        checks = []
        for c in g.checks:
            spec = getattr(c, "evaluate", None)
            outcome = _declared(ctx, spec) if spec is not None else _run(ctx, c.id)
            if outcome is None:
                checks.append(
                    CheckResult(
                        c.id,
                        c.text,
                        _UNKNOWN,
                        [f"unknown: the workbench cannot evaluate {c.id!r} yet"],
                    )
                )
                continue
            checks.append(outcome.result(c.id, c.text))
        statuses_seen = {c.status for c in checks}
        state = (
            _FAIL if _FAIL in statuses_seen else _UNKNOWN if _UNKNOWN in statuses_seen else _PASS
        )
        if state == _PASS and checks and not any(c.applicable for c in checks):
            state = NOT_ASSESSED
        results.append(
            GuidelineResult(
                number=g.number,
                stage=g.stage,
                stage_name=g.stage_name,
                title=g.title,
                state=state,
                checks=checks,
                findings=_related(ctx, g.number),
            )
        )
    return GuidelineCoverage(
        system=model.id,
        system_name=model.name,
        as_of=as_of,
        analysed=analysed,
        guidelines=results,
    )
