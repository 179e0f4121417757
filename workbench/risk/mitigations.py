"""Mitigations for findings: candidates, chosen mitigations and residual risk.

Candidates for a finding come from four places, each marked with its source:
the ATLAS mitigations linked to its techniques (and to a sub-technique's parent),
the rule's suggestions, project-defined controls for its guidelines, and an
organisation's own controls. A chosen mitigation has a status (planned,
in_progress, done, verified), an owner, a due date, a ticket link and an
expected effect on likelihood and/or impact. The default effect of each
mitigation is data (``catalogs/mitigation-effects.yaml``); an analyst may set
another one for a finding, with a reason. Residual risk counts mitigations
done or verified; projected risk counts planned and in-progress ones too.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from workbench._records import Record
from workbench.errors import InputError, WorkbenchError

__all__ = [
    "COUNTED_PROJECTED",
    "COUNTED_RESIDUAL",
    "MITIGATION_STATUSES",
    "Candidate",
    "ChosenMitigation",
    "Effect",
    "MitigationError",
    "candidates_for",
    "default_effect",
    "load_effects",
    "mitigation_coverage",
    "normalise_status",
    "parse_label",
    "residual_risk",
]

MITIGATION_STATUSES = ("planned", "in_progress", "done", "verified")
#: Statuses residual risk counts, and the ones projected risk counts.
COUNTED_RESIDUAL = ("done", "verified")
COUNTED_PROJECTED = MITIGATION_STATUSES
#: Earlier names of statuses, read as the current ones.
_STATUS_ALIASES = {"implemented": "done", "in progress": "in_progress", "in-progress": "in_progress"}
DEFAULT_EFFECT = (-1, 0)  # likelihood, impact, when the effects file names neither
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


class MitigationError(WorkbenchError):
    """A chosen mitigation is not valid (unknown id, status or effect)."""

    exit_code = 1


def normalise_status(status: Any) -> Any:
    """The status as this version names it (``implemented`` is read as ``done``)."""
    if isinstance(status, str):
        key = status.strip().lower()
        return _STATUS_ALIASES.get(key, key)
    return status


@dataclass(frozen=True)
class Effect(Record):
    """A mitigation's expected effect: steps off likelihood and impact, and why."""

    likelihood: int
    impact: int
    reason: str
    source: str  # "mitigation-effects.yaml: AML.M0015", "... default"


def _effect_value(value: Any, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not -4 <= value <= 0:
        raise InputError(f"{where}: expected a whole number from -4 to 0, got {value!r}")
    return value


def load_effects(path: str | Path | None = None) -> tuple[Effect, dict[str, Effect]]:
    """The default effect and the effect of each named mitigation, from a YAML file.

    Without *path*, the bundled ``catalogs/mitigation-effects.yaml``.
    """
    if path is None:
        return _bundled_effects()
    return _read_effects(Path(path))


@lru_cache(maxsize=1)
def _bundled_effects() -> tuple[Effect, dict[str, Effect]]:
    from workbench._resources import catalog_path

    return _read_effects(catalog_path("mitigation-effects.yaml"))


def _read_effects(path: Path) -> tuple[Effect, dict[str, Effect]]:
    from workbench.model._yaml import parse_yaml

    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    data, lines, _dups = parse_yaml(text, str(path))
    if not isinstance(data, dict) or not isinstance(data.get("default"), dict):
        raise InputError(f"{path}: expected default: {{likelihood, impact, reason}} and effects:")

    def one(entry: Any, key: str, source: str) -> Effect:
        at = ("default",) if key == "default" else ("effects", key)
        where = f"{path}:{lines.get(at, '?')}: {key}" if isinstance(lines, dict) else str(path)
        if not isinstance(entry, dict):
            raise InputError(f"{where}: expected likelihood, impact and reason")
        reason = entry.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise InputError(f"{where}: reason: say why the mitigation has this effect")
        return Effect(
            _effect_value(entry.get("likelihood", 0), f"{where}.likelihood"),
            _effect_value(entry.get("impact", 0), f"{where}.impact"),
            reason.strip(),
            source,
        )

    default = one(data["default"], "default", f"{path.name}: default")
    effects = data.get("effects") or {}
    if not isinstance(effects, dict):
        raise InputError(f"{path}: effects: expected a mapping of mitigation id to effect")
    named = {
        str(k): one(v, str(k), f"{path.name}: {k}") for k, v in sorted(effects.items())
    }
    return default, named


def default_effect(mitigation_id: str, path: str | Path | None = None) -> Effect:
    """The effect a mitigation gets when chosen without one."""
    default, named = load_effects(path)
    return named.get(mitigation_id, default)


@dataclass(frozen=True)
class Candidate(Record):
    id: str
    name: str
    source: str  # "ATLAS", "rule", "project control", "organisation control"
    url: str
    reason: str
    likelihood_effect: int = DEFAULT_EFFECT[0]
    impact_effect: int = DEFAULT_EFFECT[1]


@dataclass(frozen=True)
class ChosenMitigation:
    """One mitigation or control chosen for one finding, with its plan.

    ``effect_reason`` is set when the effect is not the default one: why this
    mitigation lowers this finding's risk by that much.
    """

    id: str
    status: str = "planned"
    owner: str | None = None
    likelihood_effect: int = DEFAULT_EFFECT[0]
    impact_effect: int = DEFAULT_EFFECT[1]
    note: str = ""
    by: str | None = None
    due: str | None = None
    ticket: str | None = None
    effect_reason: str | None = None

    def problems(self) -> dict[str, str]:
        out = {}
        if self.status not in MITIGATION_STATUSES:
            out["status"] = (
                f"unknown status {self.status!r}; expected one of {', '.join(MITIGATION_STATUSES)}"
            )
        for name in ("likelihood_effect", "impact_effect"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or not -4 <= value <= 0:
                out[name] = (
                    "expected a whole number from -4 to 0 (steps the mitigation lowers it by), "
                    f"got {value!r}"
                )
        if self.due is not None:
            ok = isinstance(self.due, str) and bool(_DATE_RE.fullmatch(self.due))
            if ok:
                try:
                    _dt.date.fromisoformat(self.due)
                except ValueError:
                    ok = False
            if not ok:
                out["due"] = f"expected a date as YYYY-MM-DD, got {self.due!r}"
        if self.ticket is not None and (
            not isinstance(self.ticket, str) or any(c.isspace() for c in self.ticket.strip())
        ):
            out["ticket"] = f"expected one ticket id or URL without spaces, got {self.ticket!r}"
        for name in ("ticket", "effect_reason", "owner"):
            value = getattr(self, name)
            if isinstance(value, str) and (";" in value or "(" in value or ")" in value):
                out.setdefault(name, f"{value!r}: no ';' or brackets here (the register cell "
                                     "separates mitigations with them)")
        return out

    @property
    def counts_residual(self) -> bool:
        return self.status in COUNTED_RESIDUAL

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "status": self.status,
            "likelihood_effect": self.likelihood_effect,
            "impact_effect": self.impact_effect,
        }
        for name in ("owner", "note", "by", "due", "ticket", "effect_reason"):
            value = getattr(self, name)
            if value:
                data[name] = value
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ChosenMitigation:
        def opt(name: str) -> str | None:
            value = data.get(name)
            return None if value is None or str(value).strip() == "" else str(value)

        return cls(
            id=str(data["id"]),
            status=str(normalise_status(data.get("status", "planned"))),
            owner=data.get("owner"),
            likelihood_effect=int(data.get("likelihood_effect", DEFAULT_EFFECT[0])),
            impact_effect=int(data.get("impact_effect", DEFAULT_EFFECT[1])),
            note=str(data.get("note", "")),
            by=data.get("by"),
            due=opt("due"),
            ticket=opt("ticket"),
            effect_reason=opt("effect_reason"),
        )

    def label(self) -> str:
        """The register cell: ``AML.M0020 (done, owner: Bob, due: 2026-01-31, ...)``."""
        parts = [self.status]
        for name in ("owner", "due", "ticket"):
            value = getattr(self, name)
            if value:
                parts.append(f"{name}: {value}")
        parts.append(f"likelihood: {self.likelihood_effect}")
        parts.append(f"impact: {self.impact_effect}")
        if self.effect_reason:
            parts.append(f"reason: {self.effect_reason}")
        return f"{self.id} ({', '.join(parts)})"


_LABEL_RE = re.compile(r"^\s*(?P<id>[^\s()]+)\s*(?:\((?P<inner>.*)\))?\s*$", re.S)
_LABEL_KEYS = ("owner", "due", "ticket", "likelihood", "impact", "reason")
_LABEL_SPLIT = re.compile(r",\s*(?=(?:" + "|".join(_LABEL_KEYS) + r")\s*:)")


def parse_label(text: str) -> dict[str, Any]:
    """Read one register cell entry back (see :meth:`ChosenMitigation.label`).

    Returns ``id`` and whatever the entry states of ``status``, ``owner``,
    ``due``, ``ticket``, ``likelihood_effect``, ``impact_effect`` and
    ``effect_reason``; raises ``ValueError`` naming what is wrong.
    """
    m = _LABEL_RE.match(text)
    if not m:
        raise ValueError(
            f"{text.strip()!r} is not a mitigation entry: expected ID (status, owner: NAME, "
            "due: YYYY-MM-DD, ticket: LINK, likelihood: -1, impact: 0)"
        )
    out: dict[str, Any] = {"id": m.group("id")}
    inner = (m.group("inner") or "").strip()
    if not inner:
        return out
    parts = _LABEL_SPLIT.split(inner)
    first = parts[0].strip()
    if not (":" in first and first.split(":", 1)[0].strip() in _LABEL_KEYS):
        out["status"] = normalise_status(first)
        parts = parts[1:]
    for part in parts:
        key, sep, value = part.partition(":")
        key, value = key.strip(), value.strip()
        if not sep or key not in _LABEL_KEYS:
            raise ValueError(f"{out['id']}: {part.strip()!r}: expected one of {', '.join(_LABEL_KEYS)}")
        if key in ("likelihood", "impact"):
            if not re.fullmatch(r"-?\d{1,2}", value):
                raise ValueError(f"{out['id']}: {key}: expected a whole number from -4 to 0, got {value!r}")
            out[f"{key}_effect"] = int(value)
        elif key == "reason":
            out["effect_reason"] = value or None
        else:
            out[key] = value or None
    return out


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

    Residual counts mitigations done or verified; with ``include_planned``
    (projected risk) planned and in-progress ones count too. Effects add up
    and the result stays on the matrix (never below 1).
    """
    chosen = list(chosen)
    counted = COUNTED_PROJECTED if include_planned else COUNTED_RESIDUAL
    dl = sum(c.likelihood_effect for c in chosen if c.status in counted)
    di = sum(c.impact_effect for c in chosen if c.status in counted)
    lik = matrix.clamp_likelihood(likelihood + dl)
    imp = matrix.clamp_impact(impact + di)
    return lik, imp, matrix.score(lik, imp), matrix.band(lik, imp)


@dataclass
class CoverageReport:
    unmitigated: list[str] = field(default_factory=list)
    ranking: list[dict[str, Any]] = field(default_factory=list)


def _ranking_row(mid: str, name: str, source: str) -> dict[str, Any]:
    return {
        "id": mid,
        "name": name,
        "source": source,
        "findings": 0,
        "candidate_score": 0,
        "chosen_findings": 0,
        "chosen_score": 0,
    }


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
            row = table.setdefault(cand.id, _ranking_row(cand.id, cand.name, cand.source))
            row["findings"] += 1
            row["candidate_score"] += f.score
        for c in mine:
            row = table.setdefault(c.id, _ranking_row(c.id, c.id, "chosen"))
            row["chosen_findings"] += 1
            row["chosen_score"] += f.score
    report.ranking = sorted(
        table.values(), key=lambda r: (-r["candidate_score"], -r["chosen_score"], r["id"])
    )
    return report
