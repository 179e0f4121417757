"""The mitigation plan: each chosen mitigation as a record of its own.

A :class:`PlanItem` is one ATLAS mitigation or control with the findings it
treats, its owner, status (planned, in_progress, done, verified), due date,
ticket link and its effect on likelihood and impact (the default one from
``catalogs/mitigation-effects.yaml``, or one the analyst set with a reason).
:meth:`workbench.project.Project.mitigation_plan` builds the plan of a project;
:func:`plan_csv_text` writes it for the CSV importers of issue trackers
(summary, description, assignee, due date, labels).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from workbench._csvsafe import protect
from workbench._records import Record
from workbench.risk.mitigations import ChosenMitigation, Effect, default_effect

__all__ = ["PLAN_CSV_COLUMNS", "PlanItem", "build_plan", "plan_csv_text"]

#: Columns of the plan CSV, as issue trackers' CSV importers map them.
PLAN_CSV_COLUMNS = ("summary", "description", "assignee", "due date", "labels")


@dataclass(frozen=True)
class PlanItem(Record):
    """One chosen mitigation or control and the findings it treats.

    ``effect_reason`` is ``None`` when the effect is the default one
    (``default_effect`` says why it is what it is).
    """

    mitigation: str
    name: str
    source: str  # "ATLAS" or "control"
    findings: tuple[str, ...]
    owner: str | None
    status: str
    due: str | None
    ticket: str | None
    likelihood_effect: int
    impact_effect: int
    effect_reason: str | None
    default_effect: Effect
    url: str = ""

    @property
    def effect_is_default(self) -> bool:
        return (self.likelihood_effect, self.impact_effect) == (
            self.default_effect.likelihood, self.default_effect.impact,
        ) and not self.effect_reason


def build_plan(
    chosen: Mapping[str, Sequence[ChosenMitigation]],
    catalog: Any,
    controls: Mapping[str, Any],
    existing: Iterable[str] | None = None,
) -> list[PlanItem]:
    """Group the per-finding choices into plan items.

    Findings that chose the same mitigation with the same owner, status, due
    date, ticket and effect share one item; sorted by due date (none last),
    then mitigation id. ``existing`` limits the findings to those that exist.
    """
    keep = set(existing) if existing is not None else None
    groups: dict[tuple[Any, ...], list[str]] = {}
    first: dict[tuple[Any, ...], ChosenMitigation] = {}
    for fid in sorted(chosen):
        if keep is not None and fid not in keep:
            continue
        for c in chosen[fid]:
            key = (c.id, c.status, c.owner or None, c.due, c.ticket, c.likelihood_effect,
                   c.impact_effect, c.effect_reason)
            groups.setdefault(key, []).append(fid)
            first.setdefault(key, c)
    items = []
    for key, fids in groups.items():
        c = first[key]
        name, source, url = c.id, "control", ""
        if c.id in catalog:
            m = catalog.mitigation(c.id)
            name, source, url = m.name, "ATLAS", m.url
        elif c.id in controls:
            name = controls[c.id].title
        items.append(PlanItem(
            mitigation=c.id, name=name, source=source, findings=tuple(sorted(set(fids))),
            owner=c.owner or None, status=c.status, due=c.due, ticket=c.ticket,
            likelihood_effect=c.likelihood_effect, impact_effect=c.impact_effect,
            effect_reason=c.effect_reason, default_effect=default_effect(c.id), url=url,
        ))
    return sorted(items, key=lambda i: (i.due is None, i.due or "", i.mitigation, i.findings))


def _description(item: PlanItem, titles: Mapping[str, str], bands: Mapping[str, str]) -> str:
    lines = [
        f"{item.source} {item.mitigation}: {item.name}",
        f"Status: {item.status}",
    ]
    if item.url:
        lines.append(f"Reference: {item.url}")
    if item.ticket:
        lines.append(f"Ticket: {item.ticket}")
    why = item.effect_reason or f"default: {item.default_effect.reason}"
    lines.append(
        f"Expected effect: likelihood {item.likelihood_effect}, impact {item.impact_effect} ({why})"
    )
    lines.append("Findings treated:")
    for fid in item.findings:
        band = bands.get(fid)
        lines.append(f"- {fid}" + (f" [{band}]" if band else "") + (
            f": {titles[fid]}" if titles.get(fid) else ""
        ))
    return "\n".join(lines)


def plan_csv_text(
    items: Sequence[PlanItem],
    *,
    titles: Mapping[str, str] | None = None,
    bands: Mapping[str, str] | None = None,
    project: str = "",
) -> str:
    """The plan as CSV for an issue tracker's importer (UTF-8, comma, CRLF).

    One row per item: ``summary`` (mitigation and how many findings),
    ``description`` (the mitigation, status, ticket, expected effect and the
    findings with their bands), ``assignee`` (the owner), ``due date``
    (YYYY-MM-DD) and ``labels`` (space-separated, without spaces inside:
    ``ai-threat``, the mitigation id, ``status-<status>`` and the highest band).
    Text a spreadsheet would run as a formula is written with a leading ``'``.
    """
    titles, bands = titles or {}, bands or {}
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(PLAN_CSV_COLUMNS)
    order = ("low", "medium", "high", "critical")
    for item in items:
        n = len(item.findings)
        where = f" ({project})" if project else ""
        summary = f"{item.mitigation} {item.name}: {n} finding{'s' if n != 1 else ''}{where}"
        seen = [bands[f] for f in item.findings if bands.get(f) in order]
        labels = ["ai-threat", item.mitigation, f"status-{item.status}"]
        if seen:
            labels.append(f"band-{max(seen, key=order.index)}")
        writer.writerow([
            protect(summary),
            protect(_description(item, titles, bands)),
            protect(item.owner or ""),
            item.due or "",
            " ".join(label.replace(" ", "-") for label in labels),
        ])
    return buf.getvalue()
