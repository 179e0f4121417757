"""Findings and attack paths: what the analysis returns.

A finding is one threat scenario: one rule firing on one element (a component
or a flow). Its id is ``<rule-id>@<element-id>``, never a counter, so decisions
stay attached when a model is analysed again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from workbench._records import Record, fields_dict

__all__ = ["AttackPath", "Finding", "Hop", "Removed", "RuleFailure", "rank_findings"]


@dataclass(slots=True)
class Finding(Record):
    """One threat scenario on one element.

    ``technique`` is the primary ATLAS technique; ``techniques`` lists it first,
    then the related techniques and sub-techniques that realise the scenario.
    ``preconditions`` are reconnaissance or resource-development techniques on
    the adversary's side: context, never scored. ``assumptions`` name the
    unstated attributes the rule assumed. ``evidence`` lists the attribute
    values, flows and path that matched; ``reason`` says it in a sentence or two.
    ``likelihood`` and ``impact`` are the prefilled values, with their reasons.
    ``assumed`` is true when the rule fired only because attributes were
    unstated (``assumptions`` names them): such a finding is kept below the
    matrix's top band and ranked after every fact-backed finding
    (:func:`rank_findings`). ``controls_applied`` lists the steps stated
    controls made (also in the likelihood and impact reasons).
    """

    id: str
    rule: str
    title: str
    element: str
    element_type: str  # "component" or "flow"
    element_name: str
    technique: str
    techniques: list[str]
    tactics: list[str]
    preconditions: list[str]
    reason: str
    evidence: list[str]
    assumptions: list[str]
    mitigations: list[str]
    controls: list[str]
    guidelines: list[str]
    likelihood: int
    impact: int
    score: int
    band: str
    likelihood_reason: str = ""
    impact_reason: str = ""
    status: str = "open"
    manual: bool = False
    path: list[str] = field(default_factory=list)
    assumed: bool = False
    controls_applied: list[str] = field(default_factory=list)
    #: framework id -> item ids the rule maps to; ``owasp`` the same as LLM01:2025, T6
    frameworks: dict[str, list[str]] = field(default_factory=dict)
    owasp: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out = fields_dict(self)
        out["frameworks"] = {k: list(v) for k, v in sorted(self.frameworks.items())}
        return out


def rank_findings(findings: list[Finding]) -> list[Finding]:
    """The register order: fact-backed findings first, then assumed ones; each by score.

    An assumed finding (one that fires only because attributes are unstated)
    never ranks above a finding backed by stated facts. Ties: by id.
    """
    return sorted(findings, key=lambda f: (f.assumed, -f.score, f.id))


@dataclass(frozen=True, slots=True)
class Removed(Record):
    """A finding that a stated control removed: the rule matched, the control answers it."""

    id: str
    rule: str
    element: str
    effect: str
    reason: str


@dataclass(frozen=True)
class Hop:
    """One step of an attack path: into ``node`` by ``technique`` (over ``flow``)."""

    source: str
    node: str
    flow: str
    technique: str
    tactic: str
    finding: str | None  # the finding whose technique moves the attacker on, if any


@dataclass
class AttackPath(Record):
    """A directed path from an entry point to a crown jewel."""

    id: str
    entry: str
    target: str
    nodes: list[str]
    hops: list[Hop]
    preconditions: list[str]
    exposure: int  # trust level of the entry point's zone (lower is more exposed)
    max_score: int
    sentence: str = ""  # the path as one sentence a reviewer can check

    @property
    def techniques(self) -> list[str]:
        return [h.technique for h in self.hops]

    @property
    def tactics(self) -> list[str]:
        return [h.tactic for h in self.hops]

    @property
    def flows(self) -> list[str]:
        return [h.flow for h in self.hops]

    @property
    def findings(self) -> list[str | None]:
        """The id of the finding behind each hop (``None`` where there is none)."""
        return [h.finding for h in self.hops]

    @property
    def length(self) -> int:
        return len(self.hops)

    #: What :meth:`to_dict` writes, in this order.
    DICT_KEYS: ClassVar[tuple[str, ...]] = (
        "id", "entry", "target", "nodes", "flows", "techniques", "tactics", "findings",
        "preconditions", "exposure", "max_score", "length", "sentence",
    )


@dataclass(frozen=True)
class RuleFailure(Record):
    """A rule that failed at run time: reported, never silently dropped."""

    rule: str
    element: str | None
    message: str

