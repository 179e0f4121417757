"""Mitigations for findings: candidates, chosen mitigations and residual risk.

Candidates for a finding come from four places, each marked with its source:
the ATLAS mitigations linked to its techniques (and to a sub-technique's parent),
the rule's suggestions, project-defined controls for its guidelines, and an
organisation's own controls. A chosen mitigation has a status (planned,
implemented, verified), an owner and an expected effect on likelihood and/or
impact. Residual risk counts mitigations implemented or verified; projected
risk counts planned ones too (THREAT-KNOWLEDGE section 6).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from workbench.errors import WorkbenchError

__all__ = [
    "MITIGATION_STATUSES",
    "Candidate",
    "ChosenMitigation",
    "MitigationError",
    "candidates_for",
    "mitigation_coverage",
    "residual_risk",
]

MITIGATION_STATUSES = ("planned", "implemented", "verified")
DEFAULT_EFFECT = (-1, 0)  # likelihood, impact


class MitigationError(WorkbenchError):
    """A chosen mitigation is not valid (unknown id, status or effect)."""

    exit_code = 1


@dataclass(frozen=True)
class Candidate:
    id: str
    name: str
    source: str  # "ATLAS", "rule", "project control", "organisation control"
    url: str
    reason: str
    likelihood_effect: int = DEFAULT_EFFECT[0]
    impact_effect: int = DEFAULT_EFFECT[1]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "source": self.source,
            "url": self.url,
            "reason": self.reason,
            "likelihood_effect": self.likelihood_effect,
            "impact_effect": self.impact_effect,
        }


@dataclass(frozen=True)
class ChosenMitigation:
    id: str
    status: str = "planned"
    owner: str | None = None
    likelihood_effect: int = DEFAULT_EFFECT[0]
    impact_effect: int = DEFAULT_EFFECT[1]
    note: str = ""
    by: str | None = None

    def problems(self) -> dict[str, str]:
        out = {}
        if self.status not in MITIGATION_STATUSES:
            out["status"] = f"expected one of {', '.join(MITIGATION_STATUSES)}"
        for name in ("likelihood_effect", "impact_effect"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or not -4 <= value <= 0:
                out[name] = (
                    "expected a whole number from -4 to 0 (steps the mitigation lowers it by)"
                )
        return out

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "status": self.status,
            "likelihood_effect": self.likelihood_effect,
            "impact_effect": self.impact_effect,
        }
        if self.owner:
            data["owner"] = self.owner
        if self.note:
            data["note"] = self.note
        if self.by:
            data["by"] = self.by
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ChosenMitigation:
        return cls(
            id=str(data["id"]),
            status=str(data.get("status", "planned")),
            owner=data.get("owner"),
            likelihood_effect=int(data.get("likelihood_effect", DEFAULT_EFFECT[0])),
            impact_effect=int(data.get("impact_effect", DEFAULT_EFFECT[1])),
            note=str(data.get("note", "")),
            by=data.get("by"),
        )

    def label(self) -> str:
        return f"{self.id} ({self.status})"


def candidates_for(
    finding: Any,
    catalog: Any,
    controls: Mapping[str, Any],
) -> list[Candidate]:
    """Candidate mitigations and controls for one finding, each with its source.

    ``finding`` needs ``techniques``, ``mitigations`` (the rule's suggestions),
    ``controls`` and ``guidelines``; ``controls`` maps control ids to controls
    (project-defined and organisation ones, with ``title``, ``guidelines`` and
    ``source``).
    """
    out: dict[str, Candidate] = {}
    for mid in getattr(finding, "mitigations", ()) or ():
        if mid in catalog:
            m = catalog.mitigation(mid)
            out[mid] = Candidate(mid, m.name, "rule", m.url, "suggested by the rule")
    for tech in getattr(finding, "techniques", ()) or ():
        if tech not in catalog:
            continue
        for m in catalog.mitigations_for(tech, include_parent=True):
            if m.id not in out:
                linked = (
                    tech
                    if tech in {t.id for t in catalog.techniques_for(m.id)}
                    else f"the parent of {tech}"
                )
                out[m.id] = Candidate(m.id, m.name, "ATLAS", m.url, f"ATLAS links it to {linked}")
    for cid in getattr(finding, "controls", ()) or ():
        control = controls.get(cid)
        if control is not None:
            out[cid] = Candidate(
                cid, control.title, _control_source(control), "", "suggested by the rule"
            )
    guidelines = set(getattr(finding, "guidelines", ()) or ())
    for cid, control in controls.items():
        if cid in out:
            continue
        shared = sorted(guidelines & set(control.guidelines))
        if shared and _control_source(control) == "organisation control":
            out[cid] = Candidate(
                cid, control.title, "organisation control", "", f"for guideline {', '.join(shared)}"
            )
    order = {"rule": 0, "ATLAS": 1, "project control": 2, "organisation control": 3}
    return sorted(out.values(), key=lambda c: (order[c.source], c.id))


def _control_source(control: Any) -> str:
    return "project control" if "project" in str(control.source).lower() else "organisation control"


def residual_risk(
    likelihood: int,
    impact: int,
    chosen: Iterable[ChosenMitigation],
    matrix: Any,
    *,
    include_planned: bool = False,
) -> tuple[int, int, int, str]:
    """Likelihood, impact, score and band after the mitigations that count.

    Residual counts implemented and verified mitigations; with
    ``include_planned`` (projected risk) planned ones count too. Effects add up
    and the result stays on the matrix (never below 1).
    """
    counted = (
        ("planned", "implemented", "verified") if include_planned else ("implemented", "verified")
    )
    dl = sum(c.likelihood_effect for c in chosen if c.status in counted)
    di = sum(c.impact_effect for c in chosen if c.status in counted)
    lik = matrix.clamp_likelihood(likelihood + dl)
    imp = matrix.clamp_impact(impact + di)
    return lik, imp, matrix.score(lik, imp), matrix.band(lik, imp)


@dataclass
class CoverageReport:
    unmitigated: list[str] = field(default_factory=list)
    ranking: list[dict[str, Any]] = field(default_factory=list)


def mitigation_coverage(
    findings: Sequence[Any],
    chosen: Mapping[str, Sequence[ChosenMitigation]],
    catalog: Any,
    controls: Mapping[str, Any],
) -> CoverageReport:
    """Findings with no chosen mitigation, and mitigations ranked by the risk they cover.

    The ranking sums the inherent scores of the findings for which a mitigation
    is a candidate (``candidate_score``) and of those where it is chosen
    (``chosen_score``): the first rows are the mitigations worth most.
    """
    report = CoverageReport()
    table: dict[str, dict[str, Any]] = {}
    for f in findings:
        mine = chosen.get(f.id, ())
        if not mine:
            report.unmitigated.append(f.id)
        for cand in candidates_for(f, catalog, controls):
            row = table.setdefault(
                cand.id,
                {
                    "id": cand.id,
                    "name": cand.name,
                    "source": cand.source,
                    "findings": 0,
                    "candidate_score": 0,
                    "chosen_findings": 0,
                    "chosen_score": 0,
                },
            )
            row["findings"] += 1
            row["candidate_score"] += f.score
        for c in mine:
            row = table.setdefault(
                c.id,
                {
                    "id": c.id,
                    "name": c.id,
                    "source": "chosen",
                    "findings": 0,
                    "candidate_score": 0,
                    "chosen_findings": 0,
                    "chosen_score": 0,
                },
            )
            row["chosen_findings"] += 1
            row["chosen_score"] += f.score
    report.ranking = sorted(
        table.values(), key=lambda r: (-r["candidate_score"], -r["chosen_score"], r["id"])
    )
    return report
