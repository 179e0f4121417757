"""Carry threats and decisions made in another tool over into a project.

An import keeps the threats it found (:attr:`ImportReport.threats`): Threat
Dragon threats, OTM threats and mitigations, Threagile ``risk_tracking``
entries. :func:`carry_over` adds each one to a project as a manual finding on
its element (linked to the ATLAS technique the recogniser found in its text,
if any) and, where the source recorded a decision, as a decision in the
hash-chained log whose rationale is built from the source's own words and
provenance (tool, file, original id). The treatment mapping is in
``docs/interop/decisions.md``.

A decision that the workbench refuses (for instance accepting or mitigating a
high risk without a named owner, a review or due date and a chosen mitigation)
is not recorded as a decision: imports cannot pass the release gate with less
than the workbench asks of an analyst. The finding is still added, the
source's decision is kept as the finding's note with its provenance
(:attr:`CarryResult.noted`), and the reason comes back in
:attr:`CarryResult.skipped`, so the analyst decides it in the workbench.
Nothing is dropped silently.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from workbench.interop._common import ImportedThreat
from workbench.risk.manual import manual_finding_id

__all__ = ["CarryResult", "carry_over", "rationale_for"]

_MAX_RATIONALE = 2000


@dataclass
class CarryResult:
    """What :func:`carry_over` added: finding ids, decision ids, and what it could not."""

    findings: list[str] = field(default_factory=list)
    decisions: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    #: Findings whose source decision the workbench refused, kept as the finding's note.
    noted: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"carried over {len(self.findings)} threats as manual findings and "
            f"{len(self.decisions)} decisions"
            + (
                f"; {len(self.noted)} source decisions kept as notes to decide in the workbench"
                if self.noted else ""
            )
            + (f"; {len(self.skipped)} not carried over" if self.skipped else "")
        )


def _provenance(t: ImportedThreat) -> str:
    where = f"{t.tool} file {t.file}"
    return where + (
        f", {('risk id' if t.tool == 'Threagile' else 'threat id')} {t.original_id}"
        if t.original_id
        else ""
    )


def rationale_for(t: ImportedThreat) -> str:
    """The rationale of the decision carried over for *t*: the source's words and provenance."""
    parts = [f"Decided in {t.tool} before the move to the workbench: status {t.status!r}."]
    details = dict(t.details)
    justification = details.get("justification")
    if justification:
        parts.append(f"Justification: {justification}")
    if t.mitigation:
        parts.append(f"Mitigation recorded there: {t.mitigation}")
    checked = [details[k] for k in ("checked_by",) if details.get(k)]
    if checked:
        parts.append(
            f"Checked by {checked[0]}" + (f" on {details['date']}." if details.get("date") else ".")
        )
    parts.append(f"Source: {_provenance(t)}.")
    text = " ".join(parts)
    return text if len(text) <= _MAX_RATIONALE else text[: _MAX_RATIONALE - 1] + "…"


def _reason(t: ImportedThreat) -> str:
    parts = []
    if t.description:
        parts.append(t.description)
    facts = [
        f"status {t.status}" if t.status else None,
        f"severity {t.severity}" if t.severity else None,
    ]
    facts += [f"{k} {v}" for k, v in t.details if k not in ("justification",)]
    shown = "; ".join(f for f in facts if f)
    parts.append(f"Carried over from {_provenance(t)}" + (f" ({shown})." if shown else "."))
    if t.technique:
        parts.append(f"ATLAS technique {t.technique}: {t.technique_basis}.")
    return " ".join(parts)


def carry_over(
    project: Any, threats: Iterable[ImportedThreat], *, by: str | None = None
) -> CarryResult:
    """Add *threats* to *project* as manual findings and decisions (see the module docs)."""
    from workbench.risk.decisions import DecisionError

    result = CarryResult()
    catalog = project.catalog
    taken = {m["id"] for m in project.assessment.manual_findings}
    for t in threats:
        title = t.title
        n = 2
        while manual_finding_id(title, t.element) in taken:
            title = f"{t.title} ({n})"
            n += 1
        technique = t.technique if t.technique and t.technique in catalog else None
        try:
            finding = project.add_manual_finding(
                t.element,
                title,
                reason=_reason(t),
                technique=technique,
                likelihood=t.likelihood or 3,
                impact=t.impact or 3,
                by=by,
            )
        except DecisionError as exc:
            result.skipped.append(f"{t.title} on {t.element}: {exc}")
            continue
        taken.add(finding.id)
        result.findings.append(finding.id)
        if t.treatment is None:
            continue
        details = dict(t.details)
        links = [details["ticket"]] if details.get("ticket") else []
        date = details.get("date")
        try:
            decision = project.decide(
                finding.id,
                t.treatment,
                rationale_for(t),
                owner=details.get("owner"),
                links=links,
                by=by,
                date=date if date and len(date) == 10 else None,
            )
        except DecisionError as exc:
            result.skipped.append(
                f"decision on {finding.id} ({t.tool} status {t.status!r}): {exc}; kept as the "
                "finding's note: decide it in the workbench"
            )
            project.set_note(
                finding.id,
                f"Not yet decided here: {t.tool} recorded {t.treatment} ({rationale_for(t)})",
                by=by,
            )
            result.noted.append(finding.id)
            continue
        result.decisions.append(decision.id)
    return result
