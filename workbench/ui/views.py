"""Views over the whole register: open questions, risk matrix heatmaps, the ATLAS matrix, guideline
coverage, attack paths."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as W
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from workbench.ui.clickable import ClickableHTML, WidthProbe
from workbench.ui.style import (
    GREY,
    STATUS_COLOURS,
    STATUS_WORDS,
    badge,
    band_badge,
    esc,
    html_widget,
    replace_child,
    sync_figure,
    technique_link,
    text_colour,
    ul,
)

__all__ = [
    "AtlasMatrixView",
    "AttackPathsView",
    "CoverageView",
    "OpenQuestionsView",
    "RiskMatrixView",
    "atlas_html",
    "coverage_html",
    "open_questions_html",
    "path_html",
]


_html = html_widget


def _finding_link(finding_id: str, text: str) -> str:
    """A control that opens the finding in the threat table (click, Enter or Space)."""
    return (
        f'<span class="wb-jump" data-wb-action="finding" data-wb-value="{esc(finding_id)}" '
        f'title="open this finding">{text}</span>'
    )


def _element_name(session: Any, element: str) -> str:
    model = session.model
    for get in (model.component, model.flow):
        try:
            return str(get(element).name)
        except (KeyError, LookupError):
            continue
    return element


def _finding_handler(on_finding: Callable[[str], None] | None) -> Callable[[str, str], None]:
    def handler(action: str, value: str) -> None:
        if action == "finding" and on_finding is not None:
            on_finding(value)

    return handler


# -- open questions --------------------------------------------------------------------------------

#: How many open questions the workbench lists (the rest are counted).
QUESTIONS_SHOWN = 10


def open_questions_html(session: Any, limit: int = QUESTIONS_SHOWN) -> str:
    """The unstated attributes whose answer would change the most risk, highest stake first.

    Each question names the element, the attribute, the answer that matters and
    the findings at stake; a finding is a control that opens it in the register.
    """
    from workbench.rules.questions import open_questions

    state = session.state()
    questions = open_questions(state.result)
    if not questions:
        return (
            '<div class="wb-small wb-muted wb-questions-empty">No open questions: every '
            "attribute that would change a finding is stated in the model.</div>"
        )
    rows = {r["id"]: r for r in state.rows}
    items = []
    for q in questions[:limit]:
        links = []
        for fid in q.findings:
            r = rows.get(fid)
            label = (
                f"{band_badge(session.matrix, r['band'])} {esc(r['title'])}" if r else esc(fid)
            )
            links.append(_finding_link(fid, label))
        removes = f"; would remove {q.removes} of {len(q.findings)}" if q.removes else ""
        items.append(
            f'<li class="wb-question" data-wb-question="{esc(q.element)}:{esc(q.attribute)}">'
            f"<b>{esc(q.attribute)}</b> on <b>{esc(q.element_name)}</b> "
            f'<span class="wb-muted">(answer: {esc(" or ".join(q.answers))}; score at stake '
            f"{q.risk}{removes})</span>"
            f'<br><span class="wb-small">{esc(q.text)}</span>'
            f'<div class="wb-small">{" · ".join(links)}</div></li>'
        )
    more = len(questions) - limit
    tail = (
        f'<div class="wb-small wb-muted">and {more} more with less at stake</div>'
        if more > 0
        else ""
    )
    return (
        f'<div class="wb-small"><b>{len(questions)}</b> open question'
        f"{'s' if len(questions) != 1 else ''}: answer them in Edit model, the list re-ranks "
        "at once.</div>"
        f'<ol class="wb-list wb-questions">{"".join(items)}</ol>{tail}'
    )


class OpenQuestionsView:
    """Open questions beside the register; a question's finding opens it in the threat table."""

    def __init__(self, session: Any, on_finding: Callable[[str], None] | None = None):
        self.session = session
        self.heading = _html('<h4 class="wb-h">Open questions</h4>')
        self.html = ClickableHTML()
        self.html.add_class("wb-open-questions")
        self.html.on_click(_finding_handler(on_finding))
        self.widget = W.VBox([self.heading, self.html])
        self.widget.add_class("wb-questions-view")
        self.refresh()

    def refresh(self) -> None:
        try:
            self.html.value = open_questions_html(self.session)
        except Exception as exc:  # a view's failure is a message, never a broken workbench
            self.html.value = (
                f'<span class="wb-error">open questions cannot be listed: {esc(exc)}</span>'
            )


# -- risk matrix ---------------------------------------------------------------------------------


class RiskMatrixView:
    """Inherent and residual heatmaps side by side: counts per cell, coloured by band.

    A click on a cell (or Enter on its entry in the list below, for the keyboard)
    filters the threat table to that cell and opens it.
    """

    MAX_WIDTH = 1000

    def __init__(
        self,
        session: Any,
        on_open: Callable[[], None] | None = None,
        width_hint: Callable[[], int] | None = None,
    ):
        self.session = session
        self._on_open = on_open or (lambda: None)
        # until its own probe reports (the tab is shown), the width the page is known to have
        self._width_hint = width_hint or (lambda: 0)
        m = session.matrix
        # built complete, then wrapped: traces added to a FigureWidget before it is
        # shown lose their initial properties in the browser (plotly 7.1)
        fig = make_subplots(
            rows=1,
            cols=2,
            subplot_titles=(
                "Inherent risk",
                "Residual risk (done and verified mitigations)",
            ),
            horizontal_spacing=0.14,
        )
        n = len(m.bands)
        scale = []
        for i, band in enumerate(m.bands):
            scale += [[i / n, band.colour], [(i + 1) / n, band.colour]]
        for col in (1, 2):
            fig.add_heatmap(
                colorscale=scale,
                zmin=-0.5,
                zmax=n - 0.5,
                showscale=False,
                xgap=2,
                ygap=2,
                hoverinfo="text",
                texttemplate="%{text}",
                row=1,
                col=col,
            )
        x_labels = [f"{x.level} {esc(x.label)}" for x in m.likelihood]
        y_labels = [f"{x.level} {esc(x.label)}" for x in m.impact]
        fig.update_xaxes(
            title_text="likelihood",
            tickvals=list(range(1, m.max_likelihood + 1)),
            ticktext=x_labels,
            fixedrange=True,
        )
        fig.update_yaxes(
            title_text="impact",
            tickvals=list(range(1, m.max_impact + 1)),
            ticktext=y_labels,
            fixedrange=True,
        )
        fig.update_layout(
            height=430,
            width=1000,
            margin=dict(l=10, r=10, t=50, b=10),
            plot_bgcolor="white",
            paper_bgcolor="white",
        )
        self.fig = self._figure(fig)
        self.legend = _html()
        self.cells = ClickableHTML()
        self.cells.add_class("wb-cells")
        self.cells.on_click(self._on_cell)
        self.probe = WidthProbe()
        self.probe.observe(lambda _c: self._resized(), names="width")
        self.widget = W.VBox([self.probe, self.fig, self.legend, self.cells])
        self.widget.add_class("wb-risk-matrix")

    def _figure(self, source: Any) -> Any:
        fig = go.FigureWidget(source)
        for i, which in enumerate(("inherent", "residual")):
            fig.data[i].on_click(
                lambda _t, points, _s, which=which: self._on_heat_click(which, points)
            )
        return fig

    def _resized(self) -> None:
        """A new width: a new figure at it (see GraphView._resized)."""
        old = self.fig
        self.fig = self._figure(old)
        self.refresh()
        replace_child(self.widget, old, self.fig)
        old.close()

    def _on_heat_click(self, which: str, points: Any) -> None:
        if points.xs and points.ys:
            self.open_cell(which, int(points.xs[0]), int(points.ys[0]))

    def _on_cell(self, action: str, value: str) -> None:
        if action == "cell":
            which, lik, imp = value.split(":")
            self.open_cell(which, int(lik), int(imp))

    def open_cell(self, which: str, likelihood: int, impact: int) -> Any:
        """Filter the register to one cell and show it."""
        result = self.session.select_cell(which, likelihood, impact)
        if result.ok:
            self._on_open()
        return result

    def _width(self) -> int:
        large = bool(self.session.large_type)
        full = 1300 if large else self.MAX_WIDTH
        # the page may have changed while this tab was hidden: the graph's width is current
        widths = [w for w in (self.probe.width, self._width_hint() - 40) if w > 0]
        known = min(widths) if widths else 0
        return min(full, known) if known else full

    def refresh(self) -> None:
        s = self.session
        m = s.matrix
        large = bool(s.large_type)
        with self.fig.batch_update():
            for i, which in enumerate(("inherent", "residual")):
                counts = s.matrix_counts(which)
                z, text, hover = [], [], []
                for imp in range(1, m.max_impact + 1):
                    zr, tr, hr = [], [], []
                    for lik in range(1, m.max_likelihood + 1):
                        band = m.band(lik, imp)
                        n = counts[imp - 1][lik - 1]
                        zr.append(m.band_rank(band))
                        tr.append(
                            f"<b>{n}</b><br>{esc(band)}"
                            if n
                            else f"<span style='font-size:0.8em'>{esc(band)}</span>"
                        )
                        hr.append(
                            f"likelihood {lik} ({esc(m.likelihood_label(lik))}), impact {imp} "
                            f"({esc(m.impact_label(imp))})<br>score {lik * imp}, band {esc(band)}"
                            f"<br>{n} finding{'s' if n != 1 else ''} ({which})"
                        )
                    z.append(zr)
                    text.append(tr)
                    hover.append(hr)
                trace = self.fig.data[i]
                trace.x = list(range(1, m.max_likelihood + 1))
                trace.y = list(range(1, m.max_impact + 1))
                trace.z = z
                trace.text = text
                trace.hovertext = hover
                trace.textfont = dict(size=18 if large else 13)
            width = self._width()
            self.fig.layout.font.size = (17 if large else 12) if width >= 700 else 11
            self.fig.layout.width = width
            self.fig.layout.height = max(300, min(560 if large else 430, int(width * 0.48)))
        sync_figure(self.fig)
        self.cells.value = self._cells_html()
        self.legend.value = (
            "bands: "
            + " ".join(band_badge(m, b.name) + f" {b.min}–{b.max}" for b in m.bands)
            + ' &nbsp; <span class="wb-muted">score = likelihood × impact; each cell shows the '
            "number of findings and its band</span>"
        )

    def _cells_html(self) -> str:
        s = self.session
        parts = []
        for which in ("inherent", "residual"):
            counts = s.matrix_counts(which)
            chips = []
            for imp in range(s.matrix.max_impact, 0, -1):
                for lik in range(s.matrix.max_likelihood, 0, -1):
                    n = counts[imp - 1][lik - 1]
                    if n:
                        chips.append(
                            f'<button class="wb-chip" data-wb-action="cell" data-wb-group="{which}" '
                            f'data-wb-value="{which}:{lik}:{imp}">likelihood {lik} × impact {imp}: '
                            f"<b>{n}</b></button>"
                        )
            parts.append(
                f'<div><span class="wb-muted">{which}, open a cell:</span> '
                + (" ".join(chips) or '<span class="wb-muted">no findings</span>')
                + "</div>"
            )
        return "".join(parts)


# -- ATLAS matrix ---------------------------------------------------------------------------------


def atlas_html(session: Any) -> str:
    """Tactics as columns; the techniques found, coloured by this system's highest band."""
    m = session.matrix
    columns = []
    for tactic in session.atlas_matrix():
        cells = []
        for t in tactic["techniques"]:
            band = t["band"]
            colour = m.colour(band) if band else GREY
            names = [_element_name(session, e) for e in t["elements"]]
            shown = ", ".join(esc(n) for n in names[:4]) + (
                f" and {len(names) - 4} more" if len(names) > 4 else ""
            )
            cells.append(
                f'<div class="wb-tech" style="background:{colour};color:{text_colour(colour)}">'
                f"<b>{technique_link(t['id'])}</b> {esc(t['name'])}"
                f"<br><b>{esc(band or 'no score')} {t['score'] or ''}</b>"
                f'<br><span class="wb-small">on {shown}</span></div>'
            )
        if not cells:
            cells.append('<div class="wb-empty">none found</div>')
        columns.append(
            f'<div class="wb-tactic"><div class="wb-tactic-head">{esc(tactic["name"])}'
            f'<br><span class="wb-small">{esc(tactic["id"])} · {len(tactic["techniques"])} found'
            f"</span></div>{''.join(cells)}</div>"
        )
    legend = "highest band on this system: " + " ".join(band_badge(m, b) for b in m.band_names())
    return f'<div class="wb-small">{legend}</div><div class="wb-atlas">{"".join(columns)}</div>'


class AtlasMatrixView:
    def __init__(self, session: Any):
        self.session = session
        self.html = _html()
        self.widget = W.VBox([self.html])

    def refresh(self) -> None:
        self.html.value = atlas_html(self.session)


# -- guideline coverage ------------------------------------------------------------------------------


def _state_badge(state: str) -> str:
    return badge(state, STATUS_COLOURS.get(state, GREY))


def coverage_html(session: Any) -> str:
    """The 17 guidelines with pass, fail or unknown, their checks' details and related findings."""
    try:
        cov = session.coverage()
    except ImportError:
        return (
            '<div class="wb-card">Guideline coverage is not available in this version of the '
            "workbench yet (workbench.risk.coverage is missing).</div>"
        )
    counts = cov.counts()
    head = (
        f"<div><b>{counts['pass']}</b> pass, <b>{counts['fail']}</b> fail, "
        f"<b>{counts['unknown']}</b> unknown of {len(cov.guidelines)} guidelines, as of "
        f"{esc(cov.as_of.isoformat())}. Unknown means the model does not say: state the "
        "attribute in the model to settle it.</div>"
    )
    parts = [head]
    for g in cov.guidelines:
        c = g.counts()
        checks = []
        for check in g.checks:
            details = ul(esc(d) for d in check.details)
            checks.append(
                f"<li>{_state_badge(check.status)} <b>{esc(check.id)}</b>: {esc(check.text)}"
                + ("" if check.applicable else ' <span class="wb-muted">(not applicable)</span>')
                + f"{details}</li>"
            )
        findings = []
        for f in g.findings:
            findings.append(
                _finding_link(
                    str(f.get("id")),
                    f"{band_badge(session.matrix, f.get('band'))} {esc(f.get('title'))} "
                    f'<span class="wb-muted">({esc(f.get("id"))}, '
                    f"{esc(STATUS_WORDS.get(f.get('status') or '', f.get('status')))})</span>",
                )
            )
        related = (
            f"<div><b>Related findings</b> ({len(g.findings)}, {len(g.open_findings)} open):"
            + ul(findings)
            + "</div>"
            if findings
            else ""
        )
        parts.append(
            '<details class="wb-guideline"><summary>'
            f"{_state_badge(g.state)} <b>{esc(g.number)}</b> {esc(g.title)} "
            f'<span class="wb-muted wb-small">({esc(g.stage_name)}; checks: {c["pass"]} pass, '
            f"{c['fail']} fail, {c['unknown']} unknown; findings: {len(g.findings)}, "
            f"{len(g.open_findings)} open)</span></summary>"
            f'<ul class="wb-list">{"".join(checks)}</ul>{related}</details>'
        )
    return "".join(parts)


class CoverageView:
    """The guidelines; a related finding is a control that opens it in the threat table."""

    def __init__(self, session: Any, on_finding: Callable[[str], None] | None = None):
        self.session = session
        self.html = ClickableHTML()
        self.html.on_click(_finding_handler(on_finding))
        self.widget = W.VBox([self.html])

    def refresh(self) -> None:
        self.html.value = coverage_html(self.session)


# -- attack paths ------------------------------------------------------------------------------------


def _path_label(session: Any, index: int, path: Any) -> str:
    entry = _element_name(session, path.entry)
    target = _element_name(session, path.target)
    hops = len(path.hops)
    return (
        f"{index + 1}. {entry} → {target} · {hops} hop{'s' if hops != 1 else ''}"
        f" · highest score {path.max_score}"
    )


def path_html(session: Any, index: int | None) -> str:
    paths = session.attack_paths()
    if index is None or not 0 <= index < len(paths):
        return (
            '<span class="wb-muted">Pick a path: it is drawn on the graph above in purple. '
            "A path runs from an entry point to a crown jewel.</span>"
        )
    path = paths[index]
    catalog = session.catalog
    rows = []
    for hop in path.hops:
        try:
            tactic = catalog.tactic(hop.tactic).name
        except (KeyError, LookupError):
            tactic = hop.tactic
        try:
            tname = catalog.technique(hop.technique).display_name
        except (KeyError, LookupError):
            tname = ""
        rows.append(
            f"<tr><td>{esc(_element_name(session, hop.source))}</td>"
            f"<td>{esc(_element_name(session, hop.node))}</td>"
            f"<td>{esc(_element_name(session, hop.flow))}</td>"
            f"<td>{technique_link(hop.technique)} {esc(tname)}</td><td>{esc(tactic)}</td>"
            + (
                f'<td class="wb-small">{_finding_link(hop.finding, esc(hop.finding))}</td></tr>'
                if hop.finding
                else '<td class="wb-small">default technique for this kind</td></tr>'
            )
        )
    pre = ", ".join(technique_link(p) for p in path.preconditions)
    return (
        f"<div><b>{esc(_element_name(session, path.entry))}</b> (entry point) → "
        f"<b>{esc(_element_name(session, path.target))}</b> (crown jewel); exposure: trust "
        f"{path.exposure}; highest score along it: {path.max_score}</div>"
        + (f"<div>Preconditions: {pre}</div>" if pre else "")
        + '<table class="wb-table"><tr><th>From</th><th>To</th><th>Flow</th><th>Technique</th>'
        f"<th>Tactic</th><th>Finding</th></tr>{''.join(rows)}</table>"
    )


class AttackPathsView:
    """The list of attack paths; picking one calls ``session.select_path`` (the graph highlights it).

    A step's finding is a control that opens it in the threat table.
    """

    def __init__(
        self,
        session: Any,
        on_message: Callable[[str, bool], None] | None = None,
        on_finding: Callable[[str], None] | None = None,
    ):
        self.session = session
        self._message = on_message or (lambda text, ok: None)
        self._updating = False
        self.select = W.Select(rows=10, layout=W.Layout(width="98%"))
        self.clear = W.Button(description="hide path", icon="times")
        self.count = _html()
        self.details = ClickableHTML()
        self.details.on_click(_finding_handler(on_finding))
        self.select.observe(self._on_select, names="value")
        self.clear.on_click(lambda _b: self.session.select_path(None))
        self.widget = W.VBox([W.HBox([self.count, self.clear]), self.select, self.details])

    def _on_select(self, change: dict[str, Any]) -> None:
        if self._updating:
            return
        result = self.session.select_path(change["new"])
        if not result.ok:
            self._message(result.message, False)

    def refresh(self) -> None:
        s = self.session
        paths = s.attack_paths()
        options = [(_path_label(s, i, p), i) for i, p in enumerate(paths)]
        self._updating = True
        try:
            if list(self.select.options) != options:
                self.select.options = options
            value = (
                s.selected_path
                if s.selected_path is not None and s.selected_path < len(paths)
                else None
            )
            if self.select.value != value:
                self.select.value = value
        finally:
            self._updating = False
        self.count.value = (
            f"<b>{len(paths)}</b> attack path{'s' if len(paths) != 1 else ''} from entry points "
            "to crown jewels"
        )
        self.details.value = path_html(s, s.selected_path)
