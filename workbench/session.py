"""The working state of the interactive workbench, and its actions.

A :class:`Session` holds what an analyst sees (the selected component and
finding, filters, sort, page) over a :class:`~workbench.project.Project`, and
offers one method per user action. It imports no widget library: the widgets
in :mod:`workbench.ui` only call these methods and draw what they return, so
everything here is tested without a browser.

Every action that changes the project saves it (the project does that
atomically); actions return an :class:`ActionResult` whose ``field_errors`` say
what is wrong next to which form field, so nothing typed is lost to an
exception.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.errors import DecisionError, WorkbenchError

if TYPE_CHECKING:
    from workbench.catalog.atlas import Catalog
    from workbench.model.system import SystemModel
    from workbench.project import Project, ProjectState
    from workbench.risk.matrix import RiskMatrix

__all__ = ["PAGE_SIZE", "ActionResult", "Session"]

PAGE_SIZE = 50
FILTERS = ("component", "tactic", "band", "status", "cell")
#: Where the actor comes from when the notebook does not name one (JupyterHub sets it per user).
ACTOR_ENV = "WORKBENCH_ACTOR"
#: A risk matrix cell as a filter value: ``"inherent:4:5"`` (which scores, likelihood, impact).
_CELL = re.compile(r"(inherent|residual):(\d+):(\d+)")
SORTABLE = ("score", "residual_score", "id", "element", "technique", "band", "status")


def _cell_filter(value: str | None) -> tuple[str, str, tuple[int, int]] | None:
    match = _CELL.fullmatch(value or "")
    if not match:
        return None
    prefix = "" if match[1] == "inherent" else "residual_"
    return f"{prefix}likelihood", f"{prefix}impact", (int(match[2]), int(match[3]))


@dataclass
class ActionResult:
    ok: bool
    message: str
    field_errors: dict[str, str] = field(default_factory=dict)
    value: Any = None


def refusal(exc: WorkbenchError) -> tuple[str, dict[str, str]]:
    """The message and the errors per form field of a refused action.

    The one place that turns an error into what a form shows: every error
    lists its ``issues``, and an issue's path ends with the field it is about.
    A :class:`~workbench.errors.DecisionError` (the decision, score or
    mitigation form) says "please correct the fields marked"; any other error
    says its first line.
    """
    fields: dict[str, str] = {}
    for issue in exc.issues:
        key = re.sub(r"\[\d+\]$", "", issue.path.rsplit(".", 1)[-1]) or "model"
        fields[key] = f"{fields[key]}; {issue.message}" if key in fields else issue.message
    if fields and isinstance(exc, DecisionError):
        return "please correct the fields marked", fields
    return str(exc).split("\n")[0], fields


def _remembered_actor(project: Project) -> str | None:
    """The environment's actor (one per JupyterHub user), else the one remembered in project.yaml."""
    import os

    for who in (os.environ.get(ACTOR_ENV), project.settings.get("actor")):
        if who and str(who).strip():
            return str(who).strip()
    return None


class Session:
    """State and actions of one analyst's workbench on one project."""

    def __init__(self, project: Project, *, actor: str | None = None) -> None:
        self.project = project
        self.actor = actor or _remembered_actor(project)
        self.selected_component: str | None = None
        self.selected_flow: str | None = None
        self.selected_finding: str | None = None
        self.selected_path: int | None = None
        self.filters: dict[str, str | None] = dict.fromkeys(FILTERS)
        self.sort_by = "score"
        self.descending = True
        self.page = 0
        self.page_size = PAGE_SIZE
        self.large_type = False
        self.last_message = ""
        self._listeners: list[Callable[[str], None]] = []
        self._layout: Any = None
        self._layout_key: Any = None
        #: During a "findings" notification: the findings whose scores, mitigations or
        #: decisions the action changed, when that is all it changed (the model and the set
        #: of findings are as before); None when findings may have come or gone.
        self.changed_findings: frozenset[str] | None = None

    # -- construction ----------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path, *, actor: str | None = None, clock: Any = None) -> Session:
        from workbench.project import Project

        return cls(Project.open(path, clock=clock), actor=actor)

    @classmethod
    def start(
        cls,
        path: str | Path,
        *,
        template: str | None = None,
        model: Any = None,
        actor: str | None = None,
        clock: Any = None,
    ) -> Session:
        """Open the project at *path*, creating it from the template or model when it does not exist."""
        from workbench.project import Project

        folder = Path(path)
        if (folder / "project.yaml").is_file():
            return cls(Project.open(folder, clock=clock), actor=actor)
        project = Project.create(folder, template=template, model=model, actor=actor, clock=clock)
        return cls(project, actor=actor)

    def on_change(self, listener: Callable[[str], None]) -> None:
        """Call ``listener(what)`` after every action ("selection", "findings", "model", ...)."""
        self._listeners.append(listener)

    def _notify(self, what: str) -> None:
        for listener in list(self._listeners):
            listener(what)

    def _by(self) -> str | None:
        return self.actor or None

    def _run(
        self,
        what: str,
        action: Callable[[], Any],
        ok_message: str,
        findings: Iterable[str] | None = None,
    ) -> ActionResult:
        """Run a project action; on success tell the listeners *what* changed (and which
        *findings*, when the change is confined to them)."""
        try:
            value = action()
        except WorkbenchError as exc:
            message, errors = refusal(exc)
            self.last_message = message
            return ActionResult(False, message, errors)
        except (ValueError, KeyError) as exc:
            self.last_message = str(exc)
            return ActionResult(False, str(exc).strip("'\""))
        self.last_message = ok_message
        self.changed_findings = frozenset(findings) if findings is not None else None
        try:
            self._notify(what)
        finally:
            self.changed_findings = None
        return ActionResult(True, ok_message, value=value)

    # -- what the analyst sees -------------------------------------------------------------
    @property
    def model(self) -> SystemModel:
        return self.project.model

    @property
    def matrix(self) -> RiskMatrix:
        return self.project.matrix

    @property
    def catalog(self) -> Catalog:
        return self.project.catalog

    def state(self) -> ProjectState:
        return self.project.state()

    def all_rows(self) -> list[dict[str, Any]]:
        return list(self.state().rows)

    def rows(self) -> list[dict[str, Any]]:
        """Rows after filters and sort (all pages).

        The default order (score, high first) is the register's: every
        fact-backed finding before any assumed one (an assumed finding fires
        only because attributes are unstated), each group by score.
        """
        f = self.filters
        comp = f["component"] or self.selected_component
        cell = _cell_filter(f["cell"])
        out = []
        for r in self.state().rows:
            if comp and r["element"] != comp:
                continue
            if f["tactic"] and f["tactic"] not in (r["tactics"] or ()):
                continue
            if f["band"] and r["band"] != f["band"]:
                continue
            if f["status"] and r["status"] != f["status"]:
                continue
            if cell and (r[cell[0]], r[cell[1]]) != cell[2]:
                continue
            out.append(r)
        key = self.sort_by

        def sort_key(r: dict[str, Any]) -> Any:
            value = r.get(key)
            if key == "band":
                return self.matrix.band_rank(value) if value else -1
            return (value is None, value if value is not None else 0)

        out.sort(key=lambda r: r["id"])
        out.sort(key=sort_key, reverse=self.descending)
        if key == "score" and self.descending:
            # the default order: fact-backed findings before assumed ones, each by score
            out.sort(key=lambda r: bool(r.get("assumed")))
        return out

    def page_count(self) -> int:
        n = len(self.rows())
        return max(1, -(-n // self.page_size))

    def page_rows(self) -> list[dict[str, Any]]:
        rows = self.rows()
        self.page = min(self.page, max(0, -(-len(rows) // self.page_size) - 1))
        start = self.page * self.page_size
        return rows[start : start + self.page_size]

    def finding_row(self, finding_id: str | None = None) -> dict[str, Any] | None:
        fid = finding_id or self.selected_finding
        if fid is None:
            return None
        for r in self.state().rows:
            if r["id"] == fid:
                return r
        return None

    def candidates(self, finding_id: str | None = None) -> list[Any]:
        from workbench.risk.mitigations import candidates_for

        fid = finding_id or self.selected_finding
        if fid is None:
            return []
        try:
            finding = self.state().finding(fid)
        except KeyError:
            return []
        return candidates_for(finding, self.catalog, self.project.rules.controls)

    def chosen(self, finding_id: str | None = None) -> list[Any]:
        fid = finding_id or self.selected_finding
        return list(self.project.assessment.mitigations.get(fid, [])) if fid else []

    def layout(self) -> Any:
        from workbench.layout import layout_model

        key = (
            tuple((c.id, c.zone) for c in self.model.components()),
            tuple((f.id, f.source, f.target) for f in self.model.flows()),
            tuple((z.id, z.trust) for z in self.model.zones()),
        )
        if key != self._layout_key:
            self._layout = layout_model(self.model)
            self._layout_key = key
        return self._layout

    def node_risk(self) -> dict[str, tuple[str, int]]:
        """For each component, the band and score of its highest finding (residual ignored)."""
        best: dict[str, tuple[str, int]] = {}
        for r in self.state().rows:
            if r["element_type"] != "component":
                continue
            score = r["score"] or 0
            if score > best.get(r["element"], ("", -1))[1]:
                best[r["element"]] = (r["band"], score)
        return best

    def matrix_counts(self, which: str = "inherent") -> list[list[int]]:
        """Counts of findings per (impact row, likelihood column), 0-based, for a heatmap."""
        m = self.matrix
        grid = [[0] * m.max_likelihood for _ in range(m.max_impact)]
        for r in self.state().rows:
            if which == "inherent":
                lik, imp = r["likelihood"], r["impact"]
            else:
                lik, imp = r["residual_likelihood"], r["residual_impact"]
            if lik and imp:
                grid[imp - 1][lik - 1] += 1
        return grid

    def atlas_matrix(self) -> list[dict[str, Any]]:
        """Tactics in matrix order, each with the techniques found and their highest score."""
        best: dict[str, tuple[int, str, list[str]]] = {}
        for r in self.state().rows:
            for tech in r["techniques"] or ():
                score, band, elements = best.get(tech, (0, "", []))
                if r["element"] not in elements:
                    elements = [*elements, r["element"]]
                if (r["score"] or 0) > score:
                    score, band = r["score"] or 0, r["band"]
                best[tech] = (score, band, elements)
        out = []
        for tactic in self.catalog.tactics():
            techs: list[dict[str, Any]] = []
            for t in self.catalog.techniques(tactic=tactic.id):
                if t.id in best:
                    score, band, elements = best[t.id]
                    techs.append(
                        {
                            "id": t.id,
                            "name": t.display_name,
                            "score": score,
                            "band": band,
                            "elements": elements,
                        }
                    )
            techs.sort(key=lambda t: (-t["score"], t["id"]))
            out.append({"id": tactic.id, "name": tactic.name, "techniques": techs})
        return out

    def coverage(self) -> Any:
        """Guideline coverage with the current bands and decisions (as the table shows)."""
        return self.project.coverage()

    def attack_paths(self) -> list[Any]:
        return list(self.state().result.attack_paths)

    # -- selection and view actions ---------------------------------------------------------------
    def select_component(self, component_id: str | None) -> ActionResult:
        if component_id is not None and component_id not in self.model:
            return ActionResult(False, f"no component {component_id!r}")
        self.selected_component = component_id
        self.selected_flow = None
        self.filters["component"] = component_id  # the table's component filter follows
        self.page = 0
        rows = self.rows()
        if self.selected_finding not in {r["id"] for r in rows}:
            self.selected_finding = rows[0]["id"] if rows else None
        self._notify("selection")
        return ActionResult(
            True, f"showing {component_id}" if component_id else "showing all components"
        )

    def select_flow(self, flow_id: str | None) -> ActionResult:
        """Focus on a flow: the table shows the findings whose element is that flow."""
        if flow_id is not None and flow_id not in {f.id for f in self.model.flows()}:
            return ActionResult(False, f"no flow {flow_id!r}")
        self.selected_flow = flow_id
        self.selected_component = None
        self.filters["component"] = flow_id
        self.page = 0
        rows = self.rows()
        if self.selected_finding not in {r["id"] for r in rows}:
            self.selected_finding = rows[0]["id"] if rows else None
        self._notify("selection")
        n = len(rows)
        return ActionResult(
            True,
            f"flow {flow_id}: {n} finding{'s' if n != 1 else ''}" if flow_id else "showing all",
        )

    def select_cell(self, which: str, likelihood: int, impact: int) -> ActionResult:
        """Filter the register to one risk matrix cell (inherent or residual scores)."""
        value = f"{which}:{likelihood}:{impact}"
        if _cell_filter(value) is None:
            return ActionResult(False, f"no risk matrix cell {value!r}")
        result = self.set_filter("cell", value)
        rows = self.rows()
        if rows and self.selected_finding not in {r["id"] for r in rows}:
            self.selected_finding = rows[0]["id"]
            self._notify("finding")
        n = len(rows)
        return ActionResult(
            result.ok,
            f"{n} finding{'s' if n != 1 else ''} at likelihood {likelihood}, impact {impact} ({which})",
        )

    def select_finding(self, finding_id: str | None) -> ActionResult:
        if finding_id is not None and self.finding_row(finding_id) is None:
            return ActionResult(False, f"no finding {finding_id!r}")
        self.selected_finding = finding_id
        self._notify("finding")
        return ActionResult(True, f"working on {finding_id}")

    def show_finding(self, finding_id: str) -> ActionResult:
        """Select a finding and bring it into the table: filters hiding it are cleared, and
        the page is the one it is on (a jump from a view such as guideline coverage)."""
        if self.finding_row(finding_id) is None:
            return ActionResult(False, f"no finding {finding_id!r}")
        ids = [r["id"] for r in self.rows()]
        if finding_id not in ids:
            self.filters = dict.fromkeys(FILTERS)
            self.selected_component = self.selected_flow = None
            ids = [r["id"] for r in self.rows()]
        self.page = ids.index(finding_id) // self.page_size
        self.selected_finding = finding_id
        self._notify("selection")
        return ActionResult(True, f"working on {finding_id}")

    def select_path(self, index: int | None) -> ActionResult:
        paths = self.attack_paths()
        if index is not None and not 0 <= index < len(paths):
            return ActionResult(False, "no such attack path")
        self.selected_path = index
        self._notify("path")
        return ActionResult(True, "attack path shown" if index is not None else "no path shown")

    def set_filter(self, name: str, value: str | None) -> ActionResult:
        if name not in FILTERS:
            return ActionResult(False, f"unknown filter {name!r}")
        self.filters[name] = value or None
        if name == "component":
            is_flow = bool(value) and value in {f.id for f in self.model.flows()}
            self.selected_flow = value if is_flow else None
            self.selected_component = None if is_flow else (value or None)
        self.page = 0
        self._notify("filter")
        return ActionResult(True, "filtered")

    def set_sort(self, column: str, descending: bool = True) -> ActionResult:
        if column not in SORTABLE:
            return ActionResult(False, f"cannot sort by {column!r}")
        self.sort_by, self.descending = column, descending
        self._notify("filter")
        return ActionResult(True, f"sorted by {column}")

    def set_page(self, page: int) -> ActionResult:
        self.page = max(0, min(page, self.page_count() - 1))
        self._notify("filter")
        return ActionResult(True, f"page {self.page + 1} of {self.page_count()}")

    def set_large_type(self, on: bool) -> ActionResult:
        self.large_type = bool(on)
        self._notify("view")
        return ActionResult(True, "large type " + ("on" if on else "off"))

    def set_actor(self, actor: str, *, remember: bool = True) -> ActionResult:
        if not actor or not actor.strip():
            return ActionResult(False, "give your name", {"actor": "who is acting?"})
        self.actor = actor.strip()
        if remember and self.project.settings.get("actor") != self.actor:
            try:  # remembered for this project: asked once
                self.project.set_actor(self.actor)
            except WorkbenchError as exc:
                self._notify("actor")
                return ActionResult(False, f"acting as {self.actor}, but not remembered: {exc}")
        self._notify("actor")
        return ActionResult(True, f"acting as {self.actor}")

    # -- project actions ------------------------------------------------------------------------------
    def override_score(
        self, finding_id: str, likelihood: int | None, impact: int | None, reason: str
    ) -> ActionResult:
        return self._run(
            "findings",
            lambda: self.project.override(
                finding_id, likelihood=likelihood, impact=impact, reason=reason, by=self._by()
            ),
            f"score of {finding_id} overridden",
            [finding_id],
        )

    def clear_override(self, finding_id: str) -> ActionResult:
        return self._run(
            "findings",
            lambda: self.project.clear_override(finding_id, by=self._by()),
            f"prefilled score of {finding_id} restored",
            [finding_id],
        )

    def choose_mitigation(
        self,
        finding_id: str,
        mitigation_id: str,
        *,
        status: str = "planned",
        owner: str | None = None,
        likelihood_effect: int | None = None,
        impact_effect: int | None = None,
        due: str | dt.date | None = None,
        ticket: str | None = None,
        effect_reason: str | None = None,
    ) -> ActionResult:
        return self._run(
            "findings",
            lambda: self.project.choose_mitigation(
                finding_id,
                mitigation_id,
                status=status,
                owner=owner or None,
                likelihood_effect=likelihood_effect,
                impact_effect=impact_effect,
                due=due or None,
                ticket=ticket or None,
                effect_reason=effect_reason or None,
                by=self._by(),
            ),
            f"{mitigation_id} ({status}) chosen for {finding_id}",
            [finding_id],
        )

    def remove_mitigation(self, finding_id: str, mitigation_id: str) -> ActionResult:
        return self._run(
            "findings",
            lambda: self.project.remove_mitigation(finding_id, mitigation_id, by=self._by()),
            f"{mitigation_id} removed from {finding_id}",
            [finding_id],
        )

    def record_decision(
        self,
        finding_ids: str | Sequence[str],
        treatment: str,
        rationale: str,
        *,
        owner: str | None = None,
        review_by: str | dt.date | None = None,
        links: Iterable[str] = (),
        due: str | dt.date | None = None,
        carrier: str | None = None,
        design_change: str | None = None,
        confirmed_by: str | None = None,
    ) -> ActionResult:
        """Record a decision; one equal to the current decision records nothing ("unchanged")."""
        ids = [finding_ids] if isinstance(finding_ids, str) else list(finding_ids)
        result = self._run(
            "findings",
            lambda: self.project.decide(
                ids,
                treatment,
                rationale,
                owner=owner or None,
                review_by=review_by or None,
                links=links,
                due=due or None,
                carrier=carrier or None,
                design_change=design_change or None,
                confirmed_by=confirmed_by or None,
                by=self._by(),
            ),
            f"decision recorded for {', '.join(ids)} and saved",
            ids,
        )
        if result.ok and getattr(result.value, "unchanged", False):
            message = (f"unchanged: {result.value.id} already says this for "
                       f"{', '.join(ids)}; nothing was recorded")
            self.last_message = message
            return ActionResult(True, message, value=result.value)
        return result

    def decision_history(self, finding_id: str | None = None) -> list[Any]:
        """Every decision recorded on the (selected) finding, oldest first."""
        fid = finding_id or self.selected_finding
        return self.project.decision_history(fid) if fid else []

    def log_status(self) -> Any:
        """The decision log's verify result (``ok``, ``first_bad_line``, ``problem``)."""
        return self.project.log_status()

    def add_manual_finding(
        self,
        element: str,
        title: str,
        reason: str,
        *,
        technique: str | None = None,
        likelihood: int = 3,
        impact: int = 3,
    ) -> ActionResult:
        return self._run(
            "findings",
            lambda: self.project.add_manual_finding(
                element,
                title,
                reason=reason,
                technique=technique or None,
                likelihood=likelihood,
                impact=impact,
                by=self._by(),
            ),
            f"manual finding added on {element}",
        )

    def _edit(self, change: Callable[[Any], Any], message: str) -> ActionResult:
        return self._run("model", lambda: self.project.edit_model(change, by=self._by()), message)

    def add_component(self, id: str, kind: str, zone: str, **attrs: Any) -> ActionResult:
        return self._edit(
            lambda m: m.add_component(id, kind, zone, **attrs), f"component {id} added"
        )

    def update_component(self, id: str, **attrs: Any) -> ActionResult:
        if "id" in attrs:
            return ActionResult(
                False, "the id never changes here: use rename_component", {"id": "use rename"}
            )
        return self._edit(lambda m: m.update_component(id, **attrs), f"component {id} changed")

    def remove_component(self, id: str) -> ActionResult:
        result = self._edit(lambda m: m.remove_component(id), f"component {id} removed")
        if result.ok and self.selected_component == id:
            self.selected_component = None
        return result

    def rename_component(self, old: str, new: str) -> ActionResult:
        result = self._run(
            "model",
            lambda: self.project.rename_component(old, new, by=self._by()),
            f"component {old} renamed to {new}; decisions follow it",
        )
        if result.ok and self.selected_component == old:
            self.selected_component = new
        return result

    def add_zone(self, id: str, trust: int, name: str | None = None) -> ActionResult:
        return self._edit(lambda m: m.add_zone(id, trust, name=name), f"zone {id} added")

    def update_zone(self, id: str, **changes: Any) -> ActionResult:
        return self._edit(lambda m: m.update_zone(id, **changes), f"zone {id} changed")

    def remove_zone(self, id: str) -> ActionResult:
        return self._edit(lambda m: m.remove_zone(id), f"zone {id} removed")

    def add_flow(
        self, id: str, source: str, target: str, data: Sequence[str] = (), **attrs: Any
    ) -> ActionResult:
        return self._edit(
            lambda m: m.add_flow(id, source, target, data=tuple(data), **attrs), f"flow {id} added"
        )

    def update_flow(self, id: str, **attrs: Any) -> ActionResult:
        return self._edit(lambda m: m.update_flow(id, **attrs), f"flow {id} changed")

    def remove_flow(self, id: str) -> ActionResult:
        return self._edit(lambda m: m.remove_flow(id), f"flow {id} removed")

    # -- exports ---------------------------------------------------------------------------------------
    def exports_dir(self) -> Path:
        return self.project.path / "exports"

    def export_register(self, path: str | Path | None = None) -> ActionResult:
        target = Path(path) if path else self.exports_dir() / "register.csv"
        return self._run(
            "export",
            lambda: self.project.register().to_csv(target),
            f"register written to {target.resolve()}",
        )

    def export_decisions(self, folder: str | Path | None = None) -> ActionResult:
        from workbench.export.decisions_export import export_project_decisions

        target = Path(folder) if folder else self.exports_dir() / "decisions"
        return self._run(
            "export",
            lambda: export_project_decisions(self.project, target),
            f"decision records written to {target.resolve()}",
        )

    def export_report(self, path: str | Path | None = None) -> ActionResult:
        from workbench.export.report import write_html_report

        target = Path(path) if path else self.exports_dir() / "report.html"
        return self._run(
            "export",
            lambda: write_html_report(self.project, target),
            f"report written to {target.resolve()}",
        )

    # -- keeping work from temporary sessions (Binder) ---------------------------------------------
    def download_project(self) -> ActionResult:
        """The whole project as one ZIP archive (``value``: file name and bytes)."""
        from workbench.archive import pack_project

        try:
            data = pack_project(self.project.path)
        except WorkbenchError as exc:
            return ActionResult(False, str(exc))
        name = f"{self.project.path.name}.zip"
        self.last_message = f"{name} ready to download ({len(data):,} bytes)"
        return ActionResult(True, self.last_message, value=(name, data))

    def upload_project(self, data: bytes) -> ActionResult:
        """Open an uploaded project archive in place of this project.

        The archive is checked and opened in a temporary folder first; the
        current project folder is kept beside it as ``<name>.before-upload``.
        """
        from workbench.archive import unpack_project
        from workbench.project import Project

        folder = self.project.path
        clock = self.project.clock

        def replace() -> Any:
            unpack_project(data, folder, replace=True)
            self.project = Project.open(folder, clock=clock)
            self.selected_component = self.selected_finding = None
            self.selected_path = None
            self.filters = dict.fromkeys(FILTERS)
            self._layout_key = None
            return folder

        return self._run(
            "model",
            replace,
            f"uploaded project opened in {folder}; the previous one is kept as {folder.name}.before-upload",
        )
