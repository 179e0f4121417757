"""What changed between two versions of a system model, and what that does to the risk.

:func:`diff_models` compares two :class:`~workbench.model.SystemModel` objects:

* zones, components and flows added, removed and changed, each change listed
  attribute by attribute (``name``, old value, new value; a renamed display
  name is a change of ``name``, a changed id is a removal plus an addition);
* the system facts that changed;
* the findings that appear and disappear (both models analysed with
  :func:`workbench.rules.analyze`, the same catalog and rules);
* the risk that moved: findings present in both whose score or band changed,
  with the reason (likelihood and impact before and after, with the new
  reasons, and the attributes of the element that changed);
* the decisions that became orphaned: given the current decisions of the old
  project, those whose findings no longer exist in the new model (``partial``
  when only some of a decision's findings are gone).

:func:`diff_paths` does the same for two paths, each a model file or a project
folder (``workbench diff OLD NEW``). When OLD is a project, its rules (bundled
plus the project's rule folders) analyse both sides and its decision log gives
the decisions.

>>> from workbench.model import load_template
>>> old = load_template("support-assistant")
>>> new = old.copy()
>>> _ = new.update_component("llm", name="Hosted LLM v2")
>>> d = diff_models(old, new)
>>> [(c.id, [(a.attribute, a.old, a.new) for a in c.changes]) for c in d.components.changed]
[('llm', [('name', 'Hosted LLM', 'Hosted LLM v2')])]
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench._records import Record
from workbench.errors import InputError

__all__ = [
    "AttributeChange",
    "ElementChange",
    "ModelDiff",
    "OrphanedDecision",
    "RiskMove",
    "SectionDiff",
    "diff_models",
    "diff_paths",
    "previous_state",
]

_MISSING = object()


@dataclass(frozen=True)
class AttributeChange:
    """One attribute of one element: its old and new value (``None`` when unstated)."""

    attribute: str
    old: Any
    new: Any

    def to_dict(self) -> dict[str, Any]:
        return {"attribute": self.attribute, "old": self.old, "new": self.new}

    def text(self) -> str:
        return f"{self.attribute} {_show(self.old)} -> {_show(self.new)}"


@dataclass(frozen=True)
class ElementChange(Record):
    """A zone, component or flow present in both models whose attributes changed."""

    id: str
    changes: tuple[AttributeChange, ...]


@dataclass
class SectionDiff:
    """Zones, components or flows: the entries added and removed (as in the model file) and changed."""

    added: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    changed: list[ElementChange] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": [dict(e) for e in self.added],
            "removed": [dict(e) for e in self.removed],
            "changed": [c.to_dict() for c in self.changed],
        }


@dataclass(frozen=True)
class RiskMove(Record):
    """A finding in both models whose score or band changed, and why."""

    finding: str
    element: str
    title: str
    technique: str
    old_score: int
    new_score: int
    old_band: str
    new_band: str
    reason: str


@dataclass(frozen=True)
class OrphanedDecision(Record):
    """A current decision of the old project whose findings the new model no longer has."""

    decision: str
    treatment: str
    findings: tuple[str, ...]
    missing: tuple[str, ...]
    partial: bool


def _finding_summary(f: Any) -> dict[str, Any]:
    return {
        "id": f.id,
        "element": f.element,
        "element_type": f.element_type,
        "rule": f.rule,
        "title": f.title,
        "technique": f.technique,
        "score": f.score,
        "band": f.band,
    }


@dataclass
class ModelDiff:
    """The differences between two models (see the module docstring)."""

    old_system: str
    new_system: str
    system: list[AttributeChange]
    zones: SectionDiff
    components: SectionDiff
    flows: SectionDiff
    findings_added: list[dict[str, Any]]
    findings_removed: list[dict[str, Any]]
    risk_moved: list[RiskMove]
    orphaned_decisions: list[OrphanedDecision]
    atlas_version: str | None = None
    rules_digest: str | None = None
    old_source: str | None = None
    new_source: str | None = None

    @property
    def model_changed(self) -> bool:
        return bool(
            self.old_system != self.new_system
            or self.system
            or self.zones
            or self.components
            or self.flows
        )

    def __bool__(self) -> bool:
        """True when anything differs (model, findings, risk or decisions)."""
        return bool(
            self.model_changed
            or self.findings_added
            or self.findings_removed
            or self.risk_moved
            or self.orphaned_decisions
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "old": {"system": self.old_system, "source": self.old_source},
            "new": {"system": self.new_system, "source": self.new_source},
            "atlas_version": self.atlas_version,
            "rules_digest": self.rules_digest,
            "system": [c.to_dict() for c in self.system],
            "zones": self.zones.to_dict(),
            "components": self.components.to_dict(),
            "flows": self.flows.to_dict(),
            "findings": {
                "added": list(self.findings_added),
                "removed": list(self.findings_removed),
                "risk_moved": [m.to_dict() for m in self.risk_moved],
            },
            "orphaned_decisions": [o.to_dict() for o in self.orphaned_decisions],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    def to_text(self) -> str:
        """A report for people: one line per change, grouped by section."""
        old = self.old_source or self.old_system
        new = self.new_source or self.new_system
        lines = [f"Model diff: {old} -> {new}"]
        if self.old_system != self.new_system:
            lines.append(f"  system id {self.old_system} -> {self.new_system}")
        if not self:
            lines.append("No differences in the model, its findings or its decisions.")
            return "\n".join(lines) + "\n"
        if self.system:
            lines.append("System facts")
            lines += [f"  ~ {c.text()}" for c in self.system]
        for title, section, describe in (
            ("Zones", self.zones, _describe_zone),
            ("Components", self.components, _describe_component),
            ("Flows", self.flows, _describe_flow),
        ):
            if not section:
                continue
            lines.append(
                f"{title}: {len(section.added)} added, {len(section.removed)} removed, "
                f"{len(section.changed)} changed"
            )
            lines += [f"  + {describe(e)}" for e in section.added]
            lines += [f"  - {describe(e)}" for e in section.removed]
            for c in section.changed:
                lines.append(f"  ~ {c.id}: " + "; ".join(a.text() for a in c.changes))
        if self.findings_added or self.findings_removed:
            lines.append(
                f"Findings: {len(self.findings_added)} appear, "
                f"{len(self.findings_removed)} disappear"
            )
            for mark, items in (("+", self.findings_added), ("-", self.findings_removed)):
                for f in items:
                    lines.append(
                        f"  {mark} {f['id']}  {f['band']} {f['score']}  {f['technique']}  "
                        f"{f['title']}"
                    )
        if self.risk_moved:
            lines.append(f"Risk moved: {len(self.risk_moved)} findings")
            for m in self.risk_moved:
                lines.append(
                    f"  ~ {m.finding}  {m.old_band} {m.old_score} -> {m.new_band} {m.new_score}: "
                    f"{m.reason}"
                )
        if self.orphaned_decisions:
            lines.append(
                f"Orphaned decisions: {len(self.orphaned_decisions)} "
                "(their findings no longer exist; the log keeps them)"
            )
            for o in self.orphaned_decisions:
                what = "some of its findings are gone" if o.partial else "all its findings are gone"
                lines.append(f"  ! {o.decision} ({o.treatment}): {what}: {', '.join(o.missing)}")
        return "\n".join(lines) + "\n"


def _show(value: Any) -> str:
    if value is None:
        return "(unstated)"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _describe_zone(e: Mapping[str, Any]) -> str:
    return f"{e['id']} (trust {e.get('trust')})"


def _describe_component(e: Mapping[str, Any]) -> str:
    name = f' "{e["name"]}"' if e.get("name") else ""
    return f"{e['id']}{name} ({e.get('kind')}, zone {e.get('zone')})"


def _describe_flow(e: Mapping[str, Any]) -> str:
    data = ", ".join(e.get("data") or [])
    return f"{e['id']} ({e.get('from')} -> {e.get('to')}{': ' + data if data else ''})"


def _attribute_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[AttributeChange]:
    out = []
    for key in sorted((set(old) | set(new)) - {"id"}):
        a, b = old.get(key, _MISSING), new.get(key, _MISSING)
        if a != b:
            out.append(
                AttributeChange(key, None if a is _MISSING else a, None if b is _MISSING else b)
            )
    return out


def _section(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> SectionDiff:
    before = {e["id"]: e for e in old}
    after = {e["id"]: e for e in new}
    diff = SectionDiff()
    diff.added = [e for e in new if e["id"] not in before]
    diff.removed = [e for e in old if e["id"] not in after]
    for e in new:
        if e["id"] in before:
            changes = _attribute_changes(before[e["id"]], e)
            if changes:
                diff.changed.append(ElementChange(e["id"], tuple(changes)))
    return diff


def _risk_reason(a: Any, b: Any, element_changes: Mapping[str, ElementChange]) -> str:
    parts = []
    if a.likelihood != b.likelihood:
        parts.append(
            f"likelihood {a.likelihood} -> {b.likelihood} "
            f"(was: {a.likelihood_reason}; now: {b.likelihood_reason})"
        )
    if a.impact != b.impact:
        parts.append(
            f"impact {a.impact} -> {b.impact} (was: {a.impact_reason}; now: {b.impact_reason})"
        )
    change = element_changes.get(b.element)
    if change is not None:
        parts.append(f"{b.element_name} changed: " + "; ".join(c.text() for c in change.changes))
    return "; ".join(parts) or "score or band changed (the risk matrix differs)"


def _element_exists(model: Any, element: str) -> bool:
    if element in model:
        return True
    try:
        model.flow(element)
    except (KeyError, LookupError):
        return False
    return True


def diff_models(
    old: Any,
    new: Any,
    *,
    catalog: Any = None,
    rules: Any = None,
    old_decisions: Mapping[str, Any] | Iterable[Any] | None = None,
    matrix: Any = None,
    manual_findings: Iterable[tuple[str, str]] = (),
) -> ModelDiff:
    """Compare two models (see the module docstring).

    ``rules`` (a :class:`~workbench.rules.RuleSet`) and ``catalog`` analyse
    both models (default: the bundled ones). ``old_decisions`` are the old
    project's current decisions (:meth:`DecisionLog.current` or a list of
    decisions); without them no decision is reported orphaned.
    ``manual_findings`` lists ``(finding id, element id)`` of findings added by
    hand: each exists in a model that still has its element.
    """
    from workbench.rules import analyze

    if catalog is None:
        from workbench.catalog import load_catalog

        catalog = load_catalog()
    if rules is None:
        from workbench.rules import load_rules

        rules = load_rules(catalog=catalog)
    old_data, new_data = old.to_dict(), new.to_dict()
    old_sys = {k: v for k, v in old_data["system"].items() if k != "id"}
    new_sys = {k: v for k, v in new_data["system"].items() if k != "id"}
    zones = _section(old_data.get("zones", []), new_data.get("zones", []))
    components = _section(old_data.get("components", []), new_data.get("components", []))
    flows = _section(old_data.get("flows", []), new_data.get("flows", []))
    element_changes = {c.id: c for c in [*components.changed, *flows.changed]}

    before = analyze(old, catalog=catalog, rules=rules, matrix=matrix)
    after = analyze(new, catalog=catalog, rules=rules, matrix=matrix)
    old_by_id = {f.id: f for f in before.findings}
    new_by_id = {f.id: f for f in after.findings}
    added = [_finding_summary(f) for f in after.findings if f.id not in old_by_id]
    removed = [_finding_summary(f) for f in before.findings if f.id not in new_by_id]
    moved = []
    for f in after.findings:
        a = old_by_id.get(f.id)
        if a is None or (a.score == f.score and a.band == f.band):
            continue
        moved.append(
            RiskMove(
                finding=f.id,
                element=f.element,
                title=f.title,
                technique=f.technique,
                old_score=a.score,
                new_score=f.score,
                old_band=a.band,
                new_band=f.band,
                reason=_risk_reason(a, f, element_changes),
            )
        )

    orphans: list[OrphanedDecision] = []
    if old_decisions is not None:
        manual = list(manual_findings)
        orphans = _orphaned_decisions(
            old_decisions,
            old_ids=set(old_by_id) | {fid for fid, el in manual if _element_exists(old, el)},
            new_ids=set(new_by_id) | {fid for fid, el in manual if _element_exists(new, el)},
        )
    return ModelDiff(
        old_system=old.id,
        new_system=new.id,
        system=_attribute_changes(old_sys, new_sys),
        zones=zones,
        components=components,
        flows=flows,
        findings_added=added,
        findings_removed=removed,
        risk_moved=moved,
        orphaned_decisions=orphans,
        atlas_version=after.atlas_version,
        rules_digest=after.rules_digest,
    )


def _orphaned_decisions(
    old_decisions: Mapping[str, Any] | Iterable[Any], *, old_ids: set[str], new_ids: set[str]
) -> list[OrphanedDecision]:
    """Current decisions of the old project with findings that are gone in the new model."""
    from workbench.risk.decisions import current_decisions

    current: Mapping[str, Any]
    if isinstance(old_decisions, Mapping):
        current = old_decisions
    else:
        decisions: Iterable[Any] = old_decisions
        current = current_decisions(decisions)
    orphans: list[OrphanedDecision] = []
    seen: set[str] = set()
    for d in sorted(current.values(), key=lambda d: d.id):
        if d.id in seen:
            continue
        seen.add(d.id)
        gone = tuple(f for f in d.findings if f not in new_ids and f in old_ids)
        if not gone:
            continue
        missing_now = [f for f in d.findings if f not in new_ids]
        orphans.append(
            OrphanedDecision(
                decision=d.id,
                treatment=d.treatment,
                findings=tuple(d.findings),
                missing=gone,
                partial=len(missing_now) < len(d.findings),
            )
        )
    return orphans


def _load(path: Path) -> tuple[Any, Any]:
    """``(model, project or None)`` for a model file or a project folder."""
    from workbench.model import load_model

    if path.is_dir():
        from workbench.project import Project

        project = Project.open(path)
        return project.model, project
    if not path.exists():
        raise InputError(f"{path}: no such model file or project folder")
    return load_model(path), None


def diff_paths(
    old: str | Path,
    new: str | Path,
    *,
    rule_dirs: Iterable[str | Path] = (),
    catalog: Any = None,
) -> ModelDiff:
    """Compare two model files or project folders (``workbench diff OLD NEW``).

    When OLD is a project folder its rules, risk matrix and current decisions
    are used; otherwise the bundled rules plus ``rule_dirs``.
    """
    old_path, new_path = Path(old), Path(new)
    old_model, old_project = _load(old_path)
    new_model, new_project = _load(new_path)
    decisions = None
    manual: list[tuple[str, str]] = []
    matrix = None
    extra = list(rule_dirs)
    if old_project is not None:
        catalog = catalog if catalog is not None else old_project.catalog
        matrix = old_project.matrix
        decisions = old_project.log.current()
        manual = [(m["id"], m["element"]) for m in old_project.assessment.manual_findings]
        if not extra:
            rules = old_project.rules
        else:
            rules = _rules(
                catalog,
                [*_project_paths(old_project, "rules"), *extra],
                _project_paths(old_project, "controls"),
            )
    else:
        if catalog is None:
            from workbench.catalog import load_catalog

            catalog = load_catalog()
        rules = _rules(catalog, extra)
    if new_project is not None:
        manual += [(m["id"], m["element"]) for m in new_project.assessment.manual_findings]
    result = diff_models(
        old_model,
        new_model,
        catalog=catalog,
        rules=rules,
        old_decisions=decisions,
        matrix=matrix,
        manual_findings=manual,
    )
    result.old_source = str(old_path)
    result.new_source = str(new_path)
    return result


def previous_state(
    previous: str | Path, project: Any
) -> tuple[list[dict[str, Any]] | None, ModelDiff]:
    """What a report's trend compares: the register rows of *previous* (an earlier project
    folder; ``None`` for a model file) and the diff from it to *project*."""
    prev_path = Path(previous)
    _model, old = _load(prev_path)
    return (None if old is None else old.state().rows), diff_paths(prev_path, project.path)


def _project_paths(project: Any, setting: str) -> list[Path]:
    out = []
    for p in project.settings.get(setting) or []:
        path = Path(p)
        out.append(path if path.is_absolute() else project.path / path)
    return out


def _rules(catalog: Any, dirs: list[Any], controls: Iterable[Path] = ()) -> Any:
    from workbench.rules import load_rules

    return load_rules(dirs, catalog=catalog, control_files=list(controls))
