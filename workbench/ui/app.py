"""The workbench: one call in a notebook opens everything an analyst or a workshop needs.

>>> wb = open_workbench("projects/support", template="support-assistant", actor="Ana")  # doctest: +SKIP
>>> wb  # shows the graph, the threat table, the finding panel and the views  # doctest: +SKIP

Layout, top to bottom: a header (project, counts, "acting as", messages), the
system graph, then tabs: Threats (the table with the open questions under it
and the finding panel side by side), Risk matrix, ATLAS matrix, Guideline
coverage, Attack paths, Add finding, Edit model, Export.

The tabs come from :data:`TABS`, one entry per view. Each widget callback calls
one :class:`~workbench.session.Session` action; the workbench listens to
``session.on_change`` and redraws what depends on it: a score, mitigation or
decision (``session.changed_findings``) redraws the graph's colours, the
register page, the finding and the header without re-analysing or rebuilding
the filters. Tabs that summarise the whole register are drawn when they are
shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ipywidgets as W

from workbench.session import Session
from workbench.ui.exports import ExportPanel
from workbench.ui.finding import FindingPanel, ManualFindingForm
from workbench.ui.frameworks import attach_frameworks_tab
from workbench.ui.graph import GraphView
from workbench.ui.history import integrity_banner
from workbench.ui.model_editor import ModelEditor
from workbench.ui.style import CSS, STATUS_WORDS, esc, sync_figure
from workbench.ui.table import ThreatTable
from workbench.ui.views import (
    AtlasMatrixView,
    AttackPathsView,
    CoverageView,
    OpenQuestionsView,
    RiskMatrixView,
)

__all__ = ["TABS", "TAB_TITLES", "Tab", "Workbench", "open_workbench"]


@dataclass(frozen=True)
class Tab:
    """One tab under the graph: its title, the Workbench attribute holding its view, how to
    make the view, and whether it is drawn only when shown (a view of the whole register,
    with a ``refresh()``, drawn again when shown after a change)."""

    title: str
    name: str
    make: Callable[[Workbench], Any]
    lazy: bool = False


#: The tabs, in order: a new view is one more entry (its ``widget`` is the tab's content).
TABS: list[Tab] = [
    Tab("Threats", "threats", lambda wb: wb._threats_view()),
    Tab(
        "Risk matrix",
        "risk_matrix",
        lambda wb: RiskMatrixView(
            wb.session, on_open=wb._show_threats, width_hint=lambda: wb.graph.probe.width
        ),
        lazy=True,
    ),
    Tab("ATLAS matrix", "atlas", lambda wb: AtlasMatrixView(wb.session), lazy=True),
    Tab(
        "Guidelines",
        "coverage",
        lambda wb: CoverageView(wb.session, on_finding=wb.open_finding),
        lazy=True,
    ),
    Tab(
        "Attack paths",
        "paths",
        lambda wb: AttackPathsView(wb.session, wb.say, on_finding=wb.open_finding),
        lazy=True,
    ),
    Tab("Add finding", "manual", lambda wb: ManualFindingForm(wb.session, wb.say)),
    Tab("Edit model", "editor", lambda wb: ModelEditor(wb.session, wb.say)),
    Tab("Export", "exports", lambda wb: ExportPanel(wb.session, wb.say)),
]
TAB_TITLES = tuple(t.title for t in TABS)


def open_workbench(
    project_dir: str | Path,
    *,
    template: str | None = None,
    model: Any = None,
    actor: str | None = None,
    clock: Any = None,
) -> Workbench:
    """Open the project in *project_dir* (creating it from *template* or *model* if it is new)."""
    return Workbench(
        Session.start(project_dir, template=template, model=model, actor=actor, clock=clock)
    )


class Workbench:
    """All the views over one :class:`Session`; ``view`` is the root widget."""

    session: Session
    graph: GraphView
    # the views of the tabs (set from TABS)
    threats: W.Box
    risk_matrix: RiskMatrixView
    atlas: AtlasMatrixView
    coverage: CoverageView
    paths: AttackPathsView
    manual: ManualFindingForm
    editor: ModelEditor
    exports: ExportPanel

    def __init__(self, session: Session):
        self.session = session
        s = session
        if s.selected_finding is None:
            rows = s.page_rows()
            if rows:
                s.selected_finding = rows[0]["id"]
        self.graph = GraphView(s, self.say)
        self.table = ThreatTable(s, self.say)
        self.questions = OpenQuestionsView(s, on_finding=self.open_finding)
        self.finding = FindingPanel(s, self.say)
        header = self._header()
        self.tab_specs = list(TABS)
        views = {}
        for tab in self.tab_specs:
            views[tab.name] = view = tab.make(self)
            setattr(self, tab.name, view)
        self._lazy: dict[str, Any] = {t.name: views[t.name] for t in self.tab_specs if t.lazy}
        self._dirty: set[str] = set(self._lazy)
        self.tabs = W.Tab(
            children=[getattr(v, "widget", v) for v in views.values()],
            titles=[t.title for t in self.tab_specs],
        )
        self.tabs.observe(self._on_tab, names="selected_index")
        self.view = W.VBox(
            [W.HTML(CSS), header, self.graph.widget, self.tabs], layout=W.Layout(width="100%")
        )
        self.view.add_class("wb-root")
        self._refresh_header()
        self._refresh_actor()
        self._apply_large_type()
        s.on_change(self._on_change)
        attach_frameworks_tab(self)  # the OWASP tab, last

    def _header(self) -> W.VBox:
        """The project's name and counts, who is acting, and the messages."""
        self.title = W.HTML()
        self.title.add_class("wb-html")
        self.actor = W.Text(
            description="acting as",
            placeholder="your name (recorded with every change)",
            style={"description_width": "initial"},
        )
        self.actor.add_class("wb-actor")
        self.set_actor = W.Button(description="Set", icon="user")
        self.set_actor.add_class("wb-set-actor")
        self.set_actor.on_click(lambda _b: self.submit_actor())
        self.actor_prompt = W.HTML()
        self.actor_prompt.add_class("wb-html")
        self.message = W.HTML()
        self.message.add_class("wb-html")
        self.message.add_class("wb-message")
        bar = W.HBox(
            [self.actor, self.set_actor, self.table.large_type, self.actor_prompt],
            layout=W.Layout(align_items="center", flex_flow="row wrap"),
        )
        return W.VBox([self.title, bar, self.message])

    def _threats_view(self) -> W.Box:
        """The register with the open questions under it, and the finding panel: side by
        side when there is room, stacked when not (CSS in style.py)."""
        register = W.VBox([self.table.widget, self.questions.widget])
        register.add_class("wb-table-col")
        self.finding.widget.add_class("wb-finding-col")
        threats = W.Box([register, self.finding.widget])
        threats.add_class("wb-threats")
        return threats

    # -- notebook display --------------------------------------------------------------------------
    def _ipython_display_(self) -> None:
        from IPython.display import display

        self._sync_figures()
        display(self.view)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        self._sync_figures()
        return self.view._repr_mimebundle_(**kwargs)

    def _sync_figures(self) -> None:
        for fig in (self.graph.fig, self.risk_matrix.fig):
            sync_figure(fig)

    # -- messages and actor --------------------------------------------------------------------------
    def say(self, text: str, ok: bool = True) -> None:
        cls = "wb-ok" if ok else "wb-error"
        self.message.value = f'<span class="{cls}">{esc(text)}</span>'

    def _show_threats(self) -> None:
        self.tabs.selected_index = 0

    def open_finding(self, finding_id: str) -> Any:
        """Open a finding in the Threats tab (from guideline evidence or an attack path step)."""
        result = self.session.show_finding(finding_id)
        if result.ok:
            self._show_threats()
        else:
            self.say(result.message, False)
        return result

    def effective_actor(self) -> str | None:
        who = self.session.actor or self.session.project.settings.get("actor")
        return str(who).strip() if who and str(who).strip() else None

    def submit_actor(self) -> Any:
        result = self.session.set_actor(self.actor.value)
        self.say(result.message, result.ok)
        return result

    def _refresh_actor(self) -> None:
        who = self.effective_actor()
        if who and self.actor.value != who:
            self.actor.value = who
        if who:
            self.actor_prompt.value = (
                f'<span class="wb-muted">changes are recorded as {esc(who)} (remembered for this '
                "project; not you? type your name and press Set)</span>"
            )
        else:
            self.actor_prompt.value = (
                '<span class="wb-prompt">Who is working? Type your name and press <b>Set</b> '
                "(asked once: it is remembered for this project). Recording is disabled until "
                "then.</span>"
            )
        enabled = who is not None
        self.finding.set_enabled(enabled)
        self.manual.add.disabled = not enabled
        for form in (self.editor.components, self.editor.zones, self.editor.flows):
            for b in (form.add, form.save, form.remove):
                b.disabled = not enabled
        self.editor.components.rename.disabled = not enabled

    def _refresh_header(self) -> None:
        s = self.session
        state = s.state()
        counts: dict[str, int] = {}
        for r in state.rows:
            counts[r["status"]] = counts.get(r["status"], 0) + 1
        parts = ", ".join(f"{n} {STATUS_WORDS.get(k, k)}" for k, n in sorted(counts.items()))
        model = s.model
        notices = list(getattr(s.project, "notices", []))
        if state.orphaned:
            notices.append(
                f"{len(state.orphaned)} decision(s) no longer match a finding (orphaned): "
                "see the decision log"
            )
        notices = [n for n in notices if not n.startswith("decision log:")]  # the banner says it
        notice_html = integrity_banner(s) + "".join(
            f'<div class="wb-prompt wb-small">{esc(n)}</div>' for n in notices
        )
        self.title.value = (
            f'<h3 class="wb-h">AI Threat Workbench: {esc(s.project.name)}</h3>'
            f'<div class="wb-muted">{len(model.components())} components · {len(model.flows())} '
            f"flows · {len(state.rows)} findings ({esc(parts) or 'none'}) · "
            f"project folder {esc(s.project.path)}</div>{notice_html}"
        )

    def _apply_large_type(self) -> None:
        large = bool(self.session.large_type)
        if large:
            self.view.add_class("wb-large")
        else:
            self.view.remove_class("wb-large")
        # on a room screen the finding panel goes below the table (CSS: .wb-large)

    # -- redrawing ------------------------------------------------------------------------------------
    def _on_tab(self, change: dict[str, Any]) -> None:
        name = self._tab_name(change["new"])
        if name and name in self._dirty:
            self._draw(name)

    def _draw(self, name: str) -> None:
        self._lazy[name].refresh()
        self._dirty.discard(name)

    def _tab_name(self, index: int | None) -> str | None:
        if index is None or not 0 <= index < len(self.tab_specs):
            return None
        return self.tab_specs[index].name

    def _invalidate(self, *names: str) -> None:
        self._dirty.update(names)
        shown = self._tab_name(self.tabs.selected_index)
        if shown is not None and shown in self._dirty:
            self._draw(shown)

    def _on_change(self, what: str) -> None:
        if what == "selection":
            self.graph.refresh_selection()
            self.table.refresh()
            self.finding.refresh()
            self.manual.refresh()
        elif what == "filter":
            self.graph.refresh_selection()
            self.table.refresh()
            self.finding.refresh()
        elif what == "finding":
            self.table.refresh()
            self.finding.refresh()
        elif what == "path":
            self.graph.refresh()
            self._invalidate("paths")
        elif what == "findings" and self.session.changed_findings is not None:
            # scores, mitigations or decisions of known findings: no new element or tactic,
            # so the filters' options stay; what shows scores or counts findings redraws
            self.graph.refresh()
            self.table.refresh()
            self.finding.refresh()
            self.questions.refresh()  # its findings' bands
            self._refresh_header()
            self._invalidate(*self._lazy)  # every lazy view summarises the register
        elif what in ("findings", "model"):
            self.graph.refresh()
            self.table.refresh_options()
            self.finding.refresh()
            self.questions.refresh()
            if what == "model":
                self.manual.refresh()
                self.editor.refresh()
                self._refresh_actor()
            self._refresh_header()
            self._invalidate(*self._lazy)  # every lazy view summarises the register
        elif what == "view":
            self._apply_large_type()
            self.graph.refresh()
            self.table.refresh()
            self._invalidate("risk_matrix")
        elif what == "actor":
            self._refresh_actor()

    def refresh(self) -> None:
        """Redraw everything from the session (the views included)."""
        self.graph.refresh()
        self.table.refresh_options()
        self.finding.refresh()
        self.questions.refresh()
        self.manual.refresh()
        self.editor.refresh()
        self._refresh_header()
        self._refresh_actor()
        self._apply_large_type()
        for name in list(self._lazy):
            self._draw(name)
