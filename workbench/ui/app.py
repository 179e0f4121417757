"""The workbench: one call in a notebook opens everything an analyst or a workshop needs.

>>> wb = open_workbench("projects/support", template="support-assistant", actor="Ana")  # doctest: +SKIP
>>> wb  # shows the graph, the threat table, the finding panel and the views  # doctest: +SKIP

Layout, top to bottom: a header (project, counts, "acting as", messages), the
system graph, then tabs: Threats (the table with the open questions under it
and the finding panel side by side), Risk matrix, ATLAS matrix, Guideline
coverage, Attack paths, Add finding, Edit model, Export.

Each widget callback calls one :class:`~workbench.session.Session` action; the
workbench listens to ``session.on_change`` and redraws what depends on it. Tabs
that summarise the whole register are drawn when they are shown.
"""

from __future__ import annotations

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

__all__ = ["TAB_TITLES", "Workbench", "open_workbench"]

TAB_TITLES = (
    "Threats",
    "Risk matrix",
    "ATLAS matrix",
    "Guidelines",
    "Attack paths",
    "Add finding",
    "Edit model",
    "Export",
)
_LAZY = {1: "matrix", 2: "atlas", 3: "coverage", 4: "paths"}


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

    def __init__(self, session: Session):
        self.session = session
        s = session
        if s.selected_finding is None:
            rows = s.page_rows()
            if rows:
                s.selected_finding = rows[0]["id"]
        say = self.say
        # header
        self.title = W.HTML()
        self.title.add_class("wb-html")
        self.actor = W.Text(
            description="acting as",
            placeholder="your name (recorded with every change)",
            style={"description_width": "initial"},
        )
        self.set_actor = W.Button(description="Set", icon="user")
        self.actor_prompt = W.HTML()
        self.actor_prompt.add_class("wb-html")
        self.message = W.HTML()
        self.message.add_class("wb-html")
        self.message.add_class("wb-message")
        self.set_actor.on_click(lambda _b: self.submit_actor())
        # parts
        self.graph = GraphView(s, say)
        self.table = ThreatTable(s, say)
        self.questions = OpenQuestionsView(s, on_finding=self.open_finding)
        self.finding = FindingPanel(s, say)
        self.manual = ManualFindingForm(s, say)
        self.risk_matrix = RiskMatrixView(
            s, on_open=self._show_threats, width_hint=lambda: self.graph.probe.width
        )
        self.atlas = AtlasMatrixView(s)
        self.coverage = CoverageView(s, on_finding=self.open_finding)
        self.paths = AttackPathsView(s, say, on_finding=self.open_finding)
        self.editor = ModelEditor(s, say)
        self.exports = ExportPanel(s, say)
        self._lazy: dict[str, Any] = {
            "matrix": self.risk_matrix,
            "atlas": self.atlas,
            "coverage": self.coverage,
            "paths": self.paths,
        }
        self._dirty: set[str] = set(self._lazy)
        # side by side when there is room, stacked when not (CSS in style.py)
        register = W.VBox([self.table.widget, self.questions.widget])
        register.add_class("wb-table-col")
        self.finding.widget.add_class("wb-finding-col")
        self.threats = threats = W.Box([register, self.finding.widget])
        threats.add_class("wb-threats")
        self.tabs = W.Tab(
            children=[
                threats,
                self.risk_matrix.widget,
                self.atlas.widget,
                self.coverage.widget,
                self.paths.widget,
                self.manual.widget,
                self.editor.widget,
                self.exports.widget,
            ],
            titles=list(TAB_TITLES),
        )
        self.tabs.observe(self._on_tab, names="selected_index")
        self.actor.add_class("wb-actor")
        self.set_actor.add_class("wb-set-actor")
        header = W.VBox(
            [
                self.title,
                W.HBox(
                    [self.actor, self.set_actor, self.table.large_type, self.actor_prompt],
                    layout=W.Layout(align_items="center", flex_flow="row wrap"),
                ),
                self.message,
            ]
        )
        self.view = W.VBox(
            [W.HTML(CSS), header, self.graph.widget, self.tabs], layout=W.Layout(width="100%")
        )
        self.view.add_class("wb-root")
        self._refresh_header()
        self._refresh_actor()
        self._apply_large_type()
        s.on_change(self._on_change)
        attach_frameworks_tab(self)  # the OWASP tab, last

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
        name = _LAZY.get(change["new"])
        if name and name in self._dirty:
            self._draw(name)

    def _draw(self, name: str) -> None:
        self._lazy[name].refresh()
        self._dirty.discard(name)

    def _invalidate(self, *names: str) -> None:
        self._dirty.update(names)
        shown = _LAZY.get(self.tabs.selected_index if self.tabs.selected_index is not None else -1)
        if shown in self._dirty:
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
            self._invalidate("matrix", "atlas", "coverage", "paths")
        elif what == "view":
            self._apply_large_type()
            self.graph.refresh()
            self.table.refresh()
            self._invalidate("matrix")
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
