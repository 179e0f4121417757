"""A finding's decision history, the decision log's integrity, and what a treatment needs.

* :class:`HistoryView`: every decision recorded on the selected finding, oldest
  first, superseded ones marked, each with who recorded it, when and why, and
  who signed it (``signed by Alice``, ``unsigned``, ...: see
  :func:`workbench.risk.signing.decision_signatures`).
* :func:`integrity_banner`: nothing while the decision log verifies; a red
  banner naming the first bad line when its hash chain is broken.
* :class:`TreatmentDetails`: the extra fields a treatment of a high or
  critical finding needs (due date of a ``mitigate``, who carries a
  ``transfer``, the design change of an ``avoid``, who confirms a
  ``not_applicable``), the label following the chosen treatment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import ipywidgets as W

from workbench.ui.style import esc, field_error

__all__ = [
    "HistoryView",
    "TreatmentDetails",
    "decision_signature_labels",
    "history_html",
    "integrity_banner",
]

#: The text field each treatment needs (decision field, label, placeholder).
_DETAIL = {
    "transfer": ("carrier", "Carried by", "the party that carries the risk (insurer, supplier)"),
    "avoid": ("design_change", "Design change", "what change to the design removes the risk"),
    "not_applicable": ("confirmed_by", "Confirmed by", "the named person who confirms it"),
}


def history_html(decisions: list[Any], signatures: Mapping[str, str] | None = None) -> str:
    """The decision history as HTML (every user-supplied string escaped).

    *signatures* maps a decision id to who signed it (``"signed by Alice"``,
    ``"unsigned"``, ...); a decision it does not name shows no signature line.
    """
    signatures = signatures or {}
    if not decisions:
        return '<div class="wb-small wb-muted">No decision recorded on this finding yet.</div>'
    superseded = {d.supersedes: d.id for d in decisions if d.supersedes}
    items = []
    for d in decisions:
        later = superseded.get(d.id)
        state = (
            f'<span class="wb-muted">superseded by {esc(later)}</span>' if later
            else "<b>current</b>"
        )
        extra = [f"owner {esc(d.owner)}"] if d.owner else []
        if d.review_by:
            extra.append(f"review by {esc(d.review_by)}")
        for name, label in (("due", "due"), ("carrier", "carried by"),
                            ("design_change", "design change"), ("confirmed_by", "confirmed by")):
            value = getattr(d, name, None)
            if value:
                extra.append(f"{label} {esc(value)}")
        if getattr(d, "mitigations", ()):
            extra.append("mitigations " + esc(", ".join(d.mitigations)))
        items.append(
            f'<li class="wb-history-item"><b>{esc(d.id)}</b> {esc(d.treatment)} &middot; '
            f"{state}<br>recorded by {esc(d.decided_by)} at {esc(d.recorded_at)} "
            f"(decision date {esc(d.date)})"
            + (f"; {'; '.join(extra)}" if extra else "")
            + _signature_html(signatures.get(d.id))
            + f"<br><i>{esc(d.rationale)}</i></li>"
        )
    return f'<ol class="wb-history wb-small">{"".join(items)}</ol>'


def _signature_html(label: str | None) -> str:
    if not label:
        return ""
    cls = "wb-signed" if label.startswith("signed by ") else "wb-unsigned"
    if label.startswith("signature does not"):
        cls = "wb-error"
    return f'<br><span class="wb-signature {cls}">{esc(label)}</span>'


def decision_signature_labels(session: Any) -> dict[str, str]:
    """Decision id -> who signed it, from the project's log and ``signers.yaml``.

    Empty when the signatures cannot be read (a broken ``signers.yaml``): the
    history still shows, and ``workbench verify`` names the problem.
    """
    from workbench.risk.signing import decision_signatures

    try:
        return {k: v.label for k, v in decision_signatures(session.project).items()}
    except Exception:  # the history must never break the workbench
        return {}


def integrity_banner(session: Any) -> str:
    """Empty while the decision log verifies, else a red banner naming the first bad line."""
    try:
        result = session.log_status()
    except Exception as exc:  # the banner must never break the workbench
        return _banner(f"the decision log cannot be checked: {exc}")
    if result.ok:
        return ""
    where = f"line {result.first_bad_line}: " if result.first_bad_line else ""
    problem = str(result.problem or "")
    if where and problem.startswith(f"line {result.first_bad_line}"):
        where = ""
    return _banner(
        f"The decision log's hash chain is broken: {where}{problem}. Decisions after this "
        "point cannot be trusted; run workbench verify and restore the log from version control."
    )


def _banner(text: str) -> str:
    return (
        '<div class="wb-banner wb-integrity" role="alert" style="background:#b71c1c;'
        'color:#fff;padding:6px 10px;border-radius:4px;font-weight:600">'
        f"{esc(text)}</div>"
    )


class HistoryView:
    """The selected finding's decision history; call :meth:`refresh` after each change."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self.html = W.HTML()
        self.html.add_class("wb-html")
        self.html.add_class("wb-decision-history")
        self.widget = W.VBox([self.html])
        self.refresh()

    def refresh(self) -> None:
        fid = self.session.selected_finding
        if not fid:
            self.html.value = ""
            return
        decisions = self.session.decision_history(fid)
        signed = decision_signature_labels(self.session) if decisions else {}
        self.html.value = history_html(decisions, signed)


class TreatmentDetails:
    """The due date and the one extra field the chosen treatment needs."""

    def __init__(self, treatment: W.Dropdown) -> None:
        self.treatment = treatment
        self.due = W.DatePicker(description="Due")
        self.text = W.Text(layout=W.Layout(width="98%"))
        self.due.add_class("wb-due")
        self.text.add_class("wb-treatment-detail")
        self.errors = {name: W.HTML() for name in ("due", "carrier", "design_change",
                                                   "confirmed_by", "mitigations")}
        for w in self.errors.values():
            w.add_class("wb-html")
        self._values: dict[str, str] = {}
        self._field: str | None = None
        self.widget = W.VBox()
        treatment.observe(lambda _c: self._show(), names="value")
        self._show()

    def _show(self) -> None:
        if self._field:
            self._values[self._field] = self.text.value
        kind = self.treatment.value
        rows: list[Any] = [W.HBox([self.errors["mitigations"]])]
        if kind == "mitigate":
            rows.append(W.HBox([self.due, self.errors["due"]]))
            self._field = None
        elif kind in _DETAIL:
            name, label, placeholder = _DETAIL[kind]
            self._field = name
            self.text.description = label
            self.text.placeholder = placeholder
            self.text.value = self._values.get(name, "")
            rows.append(self.text)
            rows.append(self.errors[name])
        else:
            self._field = None
        self.widget.children = rows

    def values(self) -> dict[str, Any]:
        """The decision arguments the form gives (only the chosen treatment's)."""
        kind = self.treatment.value
        out: dict[str, Any] = {}
        if kind == "mitigate" and self.due.value:
            out["due"] = self.due.value
        if kind in _DETAIL and self.text.value.strip():
            out[_DETAIL[kind][0]] = self.text.value.strip()
        return out

    def load(self, row: dict[str, Any] | None) -> None:
        """Fill from a finding's current decision (or clear)."""
        row = row or {}
        self._values = {name: str(row.get(name) or "") for name, _l, _p in _DETAIL.values()}
        due = row.get("due")
        try:
            self.due.value = dt.date.fromisoformat(due) if due else None
        except (TypeError, ValueError):
            self.due.value = None
        self._field = None
        self._show()
        for w in self.errors.values():
            w.value = ""

    def show_errors(self, field_errors: dict[str, str]) -> None:
        for name, w in self.errors.items():
            w.value = field_error(field_errors.get(name))

    def set_disabled(self, disabled: bool) -> None:
        self.due.disabled = disabled
        self.text.disabled = disabled
