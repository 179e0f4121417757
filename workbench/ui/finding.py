"""The finding panel (details, scoring, mitigation picker, decision form) and the manual finding form.

Each button calls one session action and shows the :class:`ActionResult`: its
message, and each field error next to its field.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import ipywidgets as W

from workbench.risk.mitigations import MITIGATION_STATUSES
from workbench.ui.history import HistoryView, TreatmentDetails
from workbench.ui.style import (
    STATUS_WORDS,
    band_badge,
    esc,
    field_error,
    html_widget,
    link,
    result_html,
    technique_link,
    ul,
)

__all__ = ["TREATMENTS", "FindingPanel", "ManualFindingForm", "finding_html", "scores_html"]

TREATMENTS = ("mitigate", "accept", "transfer", "avoid", "not_applicable")
SECTION_TITLES = ("Decision", "Scoring", "Mitigations")
_WIDE = W.Layout(width="98%")
_WRAP = W.Layout(flex_flow="row wrap", align_items="center")
_STYLE: dict[str, str] = {}


def _heading(text: str, level: int = 4) -> W.HTML:
    w = W.HTML(f'<h{level} class="wb-h">{esc(text)}</h{level}>')
    w.add_class("wb-html")
    return w


_html = html_widget


_message = result_html


def _level_options(matrix: Any, which: str) -> list[tuple[str, int]]:
    levels = matrix.likelihood if which == "likelihood" else matrix.impact
    return [(f"{x.level} · {x.label}", x.level) for x in levels]


def _split_links(text: str) -> list[str]:
    return [p for p in re.split(r"[\s,;]+", text or "") if p]


def finding_html(session: Any, row: dict[str, Any] | None) -> str:
    """The details of a finding: title, element, technique with its ATLAS link, reason, decision."""
    if row is None:
        return (
            '<div class="wb-card wb-muted">No finding selected: click a component on the graph '
            'or pick one in "Work on" above the panel.</div>'
        )
    catalog = session.catalog
    tactics = []
    for t in row["tactics"] or ():
        try:
            tactics.append(esc(catalog.tactic(t).name))
        except (KeyError, LookupError):
            tactics.append(esc(t))
    technique = (
        f"{technique_link(row['technique'])} {esc(row['technique_name'])}"
        if row["technique"]
        else '<span class="wb-muted">no ATLAS technique (free-text threat)</span>'
    )
    others = [t for t in (row["techniques"] or ()) if t != row["technique"]]
    also = (
        f'<br><span class="wb-small">also: {", ".join(technique_link(t) for t in others)}</span>'
        if others
        else ""
    )
    assumptions = (
        "<b>Assumptions</b> (unstated attributes assumed insecure; state them in the model):"
        + ul(esc(a) for a in row["assumptions"])
        if row["assumptions"]
        else ""
    )
    decision = ""
    if row.get("treatment"):
        decision = (
            f'<div class="wb-card"><b>Current decision:</b> {esc(row["treatment"])}'
            f" by {esc(row['decided_by'])} on {esc(row['decided_on'])}"
            + (f"; owner {esc(row['owner'])}" if row.get("owner") else "")
            + (f"; review by {esc(row['review_by'])}" if row.get("review_by") else "")
            + f"<br><i>{esc(row['rationale'])}</i></div>"
        )
    manual = (
        ' <span class="wb-badge" style="background:#eee">manual</span>' if row["manual"] else ""
    )
    return (
        f'<h3 class="wb-h">{esc(row["title"])}{manual}</h3>'
        f'<div class="wb-muted wb-small">{esc(row["id"])}</div>'
        f"<div><b>Element:</b> {esc(row['element_name'])} "
        f'<span class="wb-muted">({esc(row["element_type"])} {esc(row["element"])}'
        + (f", zone {esc(row['zone'])}" if row["zone"] else "")
        + ")</span></div>"
        f"<div><b>Technique:</b> {technique}{also}</div>"
        + (f'<div class="wb-small"><b>Tactics:</b> {", ".join(tactics)}</div>' if tactics else "")
        + f"<div><b>Status:</b> {esc(STATUS_WORDS.get(row['status'], row['status']))} &nbsp; "
        f"<b>Score:</b> {band_badge(session.matrix, row['band'], row['score'])}</div>"
        f"<div><b>Reason:</b> {esc(row['reason'])}</div>"
        f"{assumptions}{decision}"
    )


def scores_html(session: Any, row: dict[str, Any] | None) -> str:
    if row is None:
        return ""
    m = session.matrix
    return (
        "<div>"
        f"<b>inherent</b> {band_badge(m, row['band'], row['score'])} &nbsp; "
        f"<b>residual</b> {band_badge(m, row['residual_band'], row['residual_score'])} "
        '<span class="wb-small wb-muted">(done and verified mitigations)</span> &nbsp; '
        f"<b>projected</b> {band_badge(m, row['projected_band'], row['projected_score'])} "
        '<span class="wb-small wb-muted">(planned ones too)</span>'
        "</div>"
    )


class FindingPanel:
    """Details, scoring, mitigations and the decision form for ``session.selected_finding``."""

    def __init__(self, session: Any, on_message: Callable[[str, bool], None] | None = None):
        self.session = session
        self._message = on_message or (lambda text, ok: None)
        self._shown: str | None = None
        self._drafts: dict[str, dict[str, Any]] = {}
        self._updating = False
        self.details = _html()
        self.details.add_class("wb-finding-details")
        # the decision form sits right under the finding it decides; scoring and
        # mitigations are one click away instead of a screen further down
        sections = [self._decision_form(), self._scoring_form(), self._mitigation_form()]
        self.sections = W.Tab(children=sections, titles=list(SECTION_TITLES))
        self.sections.add_class("wb-sections")
        self.widget = W.VBox([self.details, self.sections], layout=W.Layout(padding="0 0 0 8px"))
        self.refresh()

    def _scoring_form(self) -> W.VBox:
        m = self.session.matrix
        self.likelihood = W.Dropdown(
            description="Likelihood", options=_level_options(m, "likelihood"), style=_STYLE
        )
        self.impact = W.Dropdown(
            description="Impact", options=_level_options(m, "impact"), style=_STYLE
        )
        self.score_reasons = _html()
        self.override_reason = W.Text(
            description="Override reason",
            placeholder="why the prefilled value is wrong here (required)",
            layout=W.Layout(width="98%"),
            style=_STYLE,
        )
        self.score_errors = s = {"likelihood": _html(), "impact": _html(), "reason": _html()}
        self.apply = W.Button(description="Apply override", button_style="primary", icon="check")
        self.restore = W.Button(description="restore prefill", icon="undo")
        self.score_message = _html()
        self.scores = _html()
        self.apply.on_click(lambda _b: self.apply_override())
        self.restore.on_click(lambda _b: self.restore_prefill())
        for w in (self.likelihood, self.impact):
            w.add_class("wb-level")
        return W.VBox(
            [
                W.HBox([self.likelihood, s["likelihood"], self.impact, s["impact"]], layout=_WRAP),
                self.score_reasons,
                W.HBox([self.override_reason, s["reason"]], layout=_WRAP),
                W.HBox([self.apply, self.restore, self.score_message], layout=_WRAP),
                self.scores,
            ]
        )

    def _mitigation_form(self) -> W.VBox:
        self.candidates_html = _html()
        self.candidate = W.Dropdown(description="Mitigation", layout=_WIDE, style=_STYLE)
        self.mitigation_status = W.Dropdown(
            description="Status", options=list(MITIGATION_STATUSES), style=_STYLE
        )
        self.mitigation_status.add_class("wb-level")
        self.mitigation_owner = W.Text(
            description="Owner", placeholder="who implements it", style=_STYLE
        )
        self.add_mitigation = W.Button(description="Add mitigation", icon="plus")
        self.add_mitigation.add_class("wb-add-mitigation")
        self.add_mitigation.on_click(lambda _b: self.choose())
        self.mitigation_message = _html()
        self.chosen_box = W.VBox()
        return W.VBox(
            [
                self.candidates_html,
                self.candidate,
                W.HBox(
                    [self.mitigation_status, self.mitigation_owner, self.add_mitigation],
                    layout=_WRAP,
                ),
                self.mitigation_message,
                self.chosen_box,
            ]
        )

    def _decision_form(self) -> W.VBox:
        self.treatment = W.Dropdown(description="Treatment", options=list(TREATMENTS), style=_STYLE)
        self.rationale = W.Textarea(
            description="Rationale",
            placeholder="why this treatment (required)",
            layout=W.Layout(width="98%", height="56px"),
            style=_STYLE,
        )
        self.owner = W.Text(
            description="Risk owner", placeholder="named person or role", style=_STYLE
        )
        self.review_by = W.DatePicker(description="Review by", style=_STYLE)
        self.links = W.Text(
            description="Links",
            placeholder="tickets, documents or URLs, separated by spaces or commas",
            layout=W.Layout(width="98%"),
            style=_STYLE,
        )
        self.decision_errors = e = {
            name: _html() for name in ("treatment", "rationale", "owner", "review_by", "links")
        }
        self.treatment_details = TreatmentDetails(self.treatment)
        self.history = HistoryView(self.session)
        self.record = W.Button(description="Record decision", button_style="success", icon="save")
        self.record.on_click(lambda _b: self.record_decision())
        self.decision_message = _html()
        for w, cls in (
            (self.treatment, "wb-treatment"),
            (self.rationale, "wb-rationale"),
            (self.owner, "wb-owner"),
            (self.review_by, "wb-review-by"),
            (self.links, "wb-links"),
            (self.record, "wb-record"),
            (self.decision_message, "wb-decision-message"),
            (self.treatment, "wb-level"),
        ):
            w.add_class(cls)
        return W.VBox(
            [
                W.HBox([self.treatment, e["treatment"], self.owner, e["owner"]], layout=_WRAP),
                self.rationale,
                e["rationale"],
                W.HBox([self.review_by, e["review_by"]], layout=_WRAP),
                self.treatment_details.widget,
                self.links,
                e["links"],
                W.HBox([self.record, self.decision_message], layout=_WRAP),
                _heading("Decision history"),
                self.history.widget,
            ]
        )

    # -- actions ----------------------------------------------------------------------------------
    def apply_override(self) -> Any:
        fid = self.session.selected_finding
        if not fid:
            return None
        row = self.session.finding_row(fid) or {}
        # pass only what changed: an unchanged value keeps following the prefill
        lik = self.likelihood.value if self.likelihood.value != row.get("likelihood") else None
        imp = self.impact.value if self.impact.value != row.get("impact") else None
        if lik is None and imp is None and row.get("likelihood") is not None:
            self.score_errors["likelihood"].value = field_error(
                "choose another likelihood or impact first"
            )
            self.score_message.value = ""
            return None
        result = self.session.override_score(fid, lik, imp, self.override_reason.value)
        self._show_errors(self.score_errors, result)
        self.score_message.value = _message(result)
        if result.ok:
            self.override_reason.value = ""
        self._message(result.message, result.ok)
        return result

    def restore_prefill(self) -> Any:
        fid = self.session.selected_finding
        if not fid:
            return None
        result = self.session.clear_override(fid)
        self.score_message.value = _message(result)
        self._message(result.message, result.ok)
        return result

    def choose(self) -> Any:
        fid = self.session.selected_finding
        if not fid or not self.candidate.value:
            self.mitigation_message.value = field_error("pick a mitigation first")
            return None
        result = self.session.choose_mitigation(
            fid,
            self.candidate.value,
            status=self.mitigation_status.value,
            owner=self.mitigation_owner.value.strip() or None,
        )
        self.mitigation_message.value = _message(result)
        self._message(result.message, result.ok)
        return result

    def _change_status(self, mitigation: Any, status: str) -> None:
        fid = self.session.selected_finding
        if not fid or status == mitigation.status:
            return
        result = self.session.choose_mitigation(
            fid,
            mitigation.id,
            status=status,
            owner=mitigation.owner,
            likelihood_effect=mitigation.likelihood_effect,
            impact_effect=mitigation.impact_effect,
            due=mitigation.due,
            ticket=mitigation.ticket,
            effect_reason=mitigation.effect_reason,
        )
        self.mitigation_message.value = _message(result)
        self._message(result.message, result.ok)

    def _remove(self, mitigation_id: str) -> None:
        fid = self.session.selected_finding
        if not fid:
            return
        result = self.session.remove_mitigation(fid, mitigation_id)
        self.mitigation_message.value = _message(result)
        self._message(result.message, result.ok)

    def record_decision(self) -> Any:
        fid = self.session.selected_finding
        if not fid:
            self.decision_message.value = field_error("pick a finding first")
            return None
        result = self.session.record_decision(
            fid,
            self.treatment.value,
            self.rationale.value,
            owner=self.owner.value.strip() or None,
            review_by=self.review_by.value,
            links=_split_links(self.links.value),
            **self.treatment_details.values(),
        )
        self._show_errors(self.decision_errors, result)
        self.treatment_details.show_errors(result.field_errors)
        if result.ok:
            self._drafts.pop(fid, None)
            self.decision_message.value = _message(result)
        else:
            extra = {
                k: v for k, v in result.field_errors.items()
                if k not in self.decision_errors and k not in self.treatment_details.errors
            }
            text = result.message
            if "decided_by" in extra:
                text = "say who you are in 'acting as' at the top: " + extra.pop("decided_by")
            if extra:
                text += ": " + "; ".join(f"{k}: {v}" for k, v in extra.items())
            self.decision_message.value = field_error(text)
        self._message(result.message, result.ok)
        return result

    @staticmethod
    def _show_errors(widgets: dict[str, W.HTML], result: Any) -> None:
        for name, w in widgets.items():
            w.value = field_error(result.field_errors.get(name))

    # -- drafts: what is typed in the decision form stays with its finding --------------------------
    def _form(self) -> dict[str, Any]:
        return {
            "treatment": self.treatment.value,
            "rationale": self.rationale.value,
            "owner": self.owner.value,
            "review_by": self.review_by.value,
            "links": self.links.value,
        }

    @staticmethod
    def _default_form(row: dict[str, Any] | None) -> dict[str, Any]:
        """The form for a finding without a draft: its current decision, or blank."""
        if row is not None and row.get("treatment"):
            review = row.get("review_by")
            try:
                review_day = dt.date.fromisoformat(review) if review else None
            except (TypeError, ValueError):
                review_day = None
            return {
                "treatment": row["treatment"],
                "rationale": row.get("rationale") or "",
                "owner": row.get("owner") or "",
                "review_by": review_day,
                "links": " ".join(row.get("links") or ()),
            }
        return {
            "treatment": TREATMENTS[0],
            "rationale": "",
            "owner": "",
            "review_by": None,
            "links": "",
        }

    def _load_form(self, row: dict[str, Any] | None) -> None:
        draft = (self._drafts.get(row["id"]) if row else None) or self._default_form(row)
        self.treatment.value = (
            draft["treatment"] if draft["treatment"] in TREATMENTS else TREATMENTS[0]
        )
        self.rationale.value = draft["rationale"]
        self.owner.value = draft["owner"]
        self.review_by.value = draft["review_by"]
        self.links.value = draft["links"]
        self.treatment_details.load(row)
        for w in self.decision_errors.values():
            w.value = ""
        self.decision_message.value = ""

    # -- drawing ------------------------------------------------------------------------------------
    def set_enabled(self, enabled: bool) -> None:
        for b in (self.apply, self.restore, self.add_mitigation, self.record):
            b.disabled = not enabled
        for box in self.chosen_box.children:
            for w in getattr(box, "children", ()):
                if isinstance(w, (W.Button, W.Dropdown)):
                    w.disabled = not enabled

    def refresh(self) -> None:
        s = self.session
        fid = s.selected_finding
        row = s.finding_row(fid) if fid else None
        changed = fid != self._shown
        if changed:
            if self._shown is not None:
                form = self._form()
                if form != self._default_form(s.finding_row(self._shown)):
                    self._drafts[self._shown] = form
                else:
                    self._drafts.pop(self._shown, None)
            self._shown = fid
            self._load_form(row)
            self.override_reason.value = ""
            self.score_message.value = ""
            self.mitigation_message.value = ""
            for w in self.score_errors.values():
                w.value = ""
        self.details.value = finding_html(s, row)
        self.history.refresh()
        has = row is not None
        self.treatment_details.set_disabled(not has)
        for w in (
            self.likelihood,
            self.impact,
            self.override_reason,
            self.candidate,
            self.mitigation_status,
            self.mitigation_owner,
            self.treatment,
            self.rationale,
            self.owner,
            self.review_by,
            self.links,
        ):
            w.disabled = not has
        if row is None:
            self.score_reasons.value = ""
            self.scores.value = ""
            self.candidates_html.value = ""
            self.candidate.options = []
            self.chosen_box.children = ()
            return
        if row["likelihood"] in {o[1] for o in self.likelihood.options}:
            self.likelihood.value = row["likelihood"]
        if row["impact"] in {o[1] for o in self.impact.options}:
            self.impact.value = row["impact"]
        self.score_reasons.value = (
            f'<div class="wb-small"><b>likelihood</b> {row["likelihood"]} '
            f"({esc(s.matrix.likelihood_label(row['likelihood']))}): {esc(row['likelihood_reason'])}"
            f"<br><b>impact</b> {row['impact']} ({esc(s.matrix.impact_label(row['impact']))}): "
            f"{esc(row['impact_reason'])}</div>"
        )
        self.scores.value = scores_html(s, row)
        self._refresh_mitigations(row)

    def _refresh_mitigations(self, row: dict[str, Any]) -> None:
        s = self.session
        candidates = s.candidates(row["id"])
        chosen = s.chosen(row["id"])
        chosen_ids = {c.id for c in chosen}
        if candidates:
            items = []
            for c in candidates:
                ref = link(c.url, c.id) if c.url else esc(c.id)
                mark = " ✔ chosen" if c.id in chosen_ids else ""
                items.append(
                    f"<tr><td>{ref}</td><td>{esc(c.name)}</td><td>{esc(c.source)}</td>"
                    f'<td class="wb-small">{esc(c.reason)}{mark}</td></tr>'
                )
            self.candidates_html.value = (
                '<table class="wb-table"><tr><th>ATLAS id</th><th>Mitigation</th><th>Source</th>'
                f"<th>Why</th></tr>{''.join(items)}</table>"
            )
        else:
            self.candidates_html.value = '<span class="wb-muted">no candidate mitigations</span>'
        options = [(f"{c.id} · {c.name} ({c.source})", c.id) for c in candidates]
        if list(self.candidate.options) != options:
            self.candidate.options = options
            fresh = [c.id for c in candidates if c.id not in chosen_ids]
            if fresh:
                self.candidate.value = fresh[0]
        rows = []
        names = {c.id: c.name for c in candidates}
        for c in chosen:
            label = _html(
                f"<b>{esc(c.id)}</b> {esc(names.get(c.id, ''))}"
                + (f" · owner {esc(c.owner)}" if c.owner else "")
                + (f" · due {esc(c.due)}" if c.due else "")
                + (f" · {esc(c.ticket)}" if c.ticket else "")
                + f' <span class="wb-small wb-muted">(likelihood {c.likelihood_effect:+d}, '
                f"impact {c.impact_effect:+d}: "
                + esc(c.effect_reason or f"default, {self.session.project.effect_of(c.id).reason}")
                + ")</span>"
            )
            status = W.Dropdown(
                options=list(MITIGATION_STATUSES),
                value=c.status,
                layout=W.Layout(width="130px", flex="0 0 auto"),
            )
            status.observe(lambda change, c=c: self._change_status(c, change["new"]), names="value")
            remove = W.Button(description="remove", icon="trash", layout=W.Layout(flex="0 0 auto"))
            remove.on_click(lambda _b, cid=c.id: self._remove(cid))
            rows.append(W.HBox([status, remove, label], layout=W.Layout(align_items="center")))
        if not rows:
            rows.append(_html('<span class="wb-muted">no mitigation chosen yet</span>'))
        self.chosen_box.children = [_html("<b>Chosen:</b>"), *rows]


class ManualFindingForm:
    """Add a finding by hand: element, title, optional ATLAS technique, reason, likelihood, impact."""

    def __init__(self, session: Any, on_message: Callable[[str, bool], None] | None = None):
        self.session = session
        self._message = on_message or (lambda text, ok: None)
        m = session.matrix
        self.element = W.Dropdown(description="Element", style=_STYLE, layout=_WIDE)
        self.title = W.Text(
            description="Title", placeholder="the threat in a few words", style=_STYLE, layout=_WIDE
        )
        self.technique = W.Combobox(
            description="ATLAS technique",
            placeholder="optional: type an id or a name, e.g. AML.T0051",
            options=[f"{t.id} · {t.display_name}" for t in session.catalog.techniques()],
            ensure_option=False,
            style=_STYLE,
            layout=_WIDE,
        )
        self.reason = W.Textarea(
            description="Reason",
            placeholder="why this is a threat here",
            style=_STYLE,
            layout=W.Layout(width="98%", height="70px"),
        )
        self.likelihood = W.Dropdown(
            description="Likelihood", options=_level_options(m, "likelihood"), value=3, style=_STYLE
        )
        self.impact = W.Dropdown(
            description="Impact", options=_level_options(m, "impact"), value=3, style=_STYLE
        )
        self.errors = {
            name: _html()
            for name in ("element", "title", "technique", "reason", "likelihood", "impact")
        }
        self.add = W.Button(description="Add finding", button_style="primary", icon="plus")
        self.add.on_click(lambda _b: self.submit())
        self.message = _html()
        e = self.errors
        self.widget = W.VBox(
            [
                _html(
                    '<span class="wb-muted">A threat the rules did not find: it joins the register '
                    "and can be scored, mitigated and decided like any other.</span>"
                ),
                self.element,
                e["element"],
                self.title,
                e["title"],
                self.technique,
                e["technique"],
                self.reason,
                e["reason"],
                W.HBox([self.likelihood, e["likelihood"]]),
                W.HBox([self.impact, e["impact"]]),
                W.HBox([self.add, self.message], layout=W.Layout(align_items="center")),
            ]
        )
        self.refresh()

    def refresh(self) -> None:
        model = self.session.model
        options = [(f"{c.name} ({c.id}) · component", c.id) for c in model.components()]
        options += [(f"{f.name} ({f.source} → {f.target}) · flow", f.id) for f in model.flows()]
        if list(self.element.options) != options:
            current = self.element.value
            self.element.options = options
            if current in {o[1] for o in options}:
                self.element.value = current
        selected = self.session.selected_component
        if selected and selected in model and not self.title.value:
            self.element.value = selected

    def submit(self) -> Any:
        technique = (self.technique.value or "").strip().split(" ")[0] or None
        result = self.session.add_manual_finding(
            self.element.value or "",
            self.title.value,
            self.reason.value,
            technique=technique,
            likelihood=self.likelihood.value,
            impact=self.impact.value,
        )
        for name, w in self.errors.items():
            w.value = field_error(result.field_errors.get(name))
        self.message.value = _message(result)
        self._message(result.message, result.ok)
        if result.ok:
            fid = getattr(result.value, "id", None)
            self.title.value = ""
            self.reason.value = ""
            self.technique.value = ""
            if fid:
                self.session.select_finding(fid)
        return result
