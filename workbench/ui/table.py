"""The threat table: filters, sort, pages of 50 rows and picking a finding to work on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as W

from workbench.ui.clickable import ClickableHTML
from workbench.ui.style import STATUS_WORDS, band_badge, esc, technique_link

__all__ = ["SORT_OPTIONS", "ThreatTable", "table_html"]

ALL = ""
SORT_OPTIONS = (
    ("score", "score"),
    ("residual score", "residual_score"),
    ("band", "band"),
    ("status", "status"),
    ("element", "element"),
    ("technique", "technique"),
    ("finding id", "id"),
)
STATUSES = ("open", "decided", "review_due", "rule_error")


def table_html(session: Any, rows: list[dict[str, Any]]) -> str:
    """The rows as an HTML table; every user-supplied string is escaped.

    Each row is a control (``data-wb-action="finding"``): a click, Enter or Space
    opens its finding, the arrow keys move between rows.
    """
    m = session.matrix
    selected = session.selected_finding
    head = "<tr><th>Finding</th><th>Technique</th><th>Score<br>→ residual</th><th>Status</th></tr>"
    body = []
    for r in rows:
        cls = ' class="wb-row wb-selected"' if r["id"] == selected else ' class="wb-row"'
        attrs = (
            f'{cls} data-wb-action="finding" data-wb-value="{esc(r["id"])}" data-wb-group="rows"'
            f' aria-selected="{"true" if r["id"] == selected else "false"}" title="{esc(r["id"])}"'
        )
        zone = f" · {esc(r['zone'])}" if r["zone"] else ""
        technique = (
            technique_link(r["technique"])
            + f'<br><span class="wb-small">{esc(r["technique_name"])}</span>'
            if r["technique"]
            else '<span class="wb-muted">free-text threat</span>'
        )
        projected = ""
        if r["projected_score"] is not None and r["projected_score"] != r["residual_score"]:
            projected = (
                '<br><span class="wb-small wb-muted">projected '
                f"{esc(r['projected_band'])} {r['projected_score']}</span>"
            )
        decision = ""
        if r["treatment"]:
            decision = (
                f'<br><span class="wb-small">{esc(r["treatment"])}'
                + (f" · owner {esc(r['owner'])}" if r["owner"] else "")
                + "</span>"
            )
        assumed = (
            ' <span class="wb-assumed" title="fires only because attributes are unstated: '
            'state them in the model to confirm or remove it">assumed</span>'
            if r.get("assumed")
            else ""
        )
        body.append(
            f"<tr{attrs}>"
            f'<td><b>{esc(r["title"])}</b>{assumed}<br><span class="wb-small">on '
            f"{esc(r['element_name'])}</span>"
            f'<span class="wb-muted wb-small">{zone}</span></td>'
            f"<td>{technique}</td>"
            f'<td class="wb-scores">{band_badge(m, r["band"], r["score"])}<br>'
            f'<span class="wb-arrow">→ </span>'
            f"{band_badge(m, r['residual_band'], r['residual_score'])}{projected}</td>"
            f'<td><span class="wb-status">{esc(STATUS_WORDS.get(r["status"], r["status"]))}'
            f"</span>{decision}</td>"
            "</tr>"
        )
    if not body:
        body.append('<tr><td colspan="4" class="wb-muted">no findings match the filters</td></tr>')
    return f'<table class="wb-table">{head}{"".join(body)}</table>'


class ThreatTable:
    """Filters, sort, pager, the table itself and the finding picker."""

    def __init__(self, session: Any, on_message: Callable[[str, bool], None] | None = None):
        self.session = session
        self._message = on_message or (lambda text, ok: None)
        self._updating = False
        lw = W.Layout(width="auto", min_width="200px")
        style = {"description_width": "initial"}
        self.component = W.Dropdown(description="Element", layout=lw, style=style)
        self.tactic = W.Dropdown(description="Tactic", layout=lw, style=style)
        self.band = W.Dropdown(description="Band", layout=lw, style=style)
        self.status = W.Dropdown(description="Status", layout=lw, style=style)
        self.sort = W.Dropdown(
            description="Sort by", options=list(SORT_OPTIONS), layout=lw, style=style
        )
        self.descending = W.ToggleButtons(
            options=[("high first", True), ("low first", False)],
            style={"button_width": "auto"},
        )
        self.prev = W.Button(
            description="previous", icon="chevron-left", layout=W.Layout(width="auto")
        )
        self.next = W.Button(
            description="next", icon="chevron-right", layout=W.Layout(width="auto")
        )
        self.page_label = W.HTML()
        self.large_type = W.ToggleButton(
            description="large type", icon="text-height", tooltip="Bigger fonts for a room screen"
        )
        self.table = ClickableHTML()
        self.table.add_class("wb-threat-table")
        self.table.on_click(self._on_row)
        self.cell = ClickableHTML()
        self.cell.add_class("wb-cell-filter")
        self.cell.on_click(lambda _a, _v: self.session.set_filter("cell", None))
        self.page_label.add_class("wb-page-label")
        self.component.add_class("wb-filter-component")
        self.picker = W.Dropdown(description="Work on", layout=W.Layout(width="auto"), style=style)
        self.picker.add_class("wb-picker")
        for name, w in (
            ("component", self.component),
            ("tactic", self.tactic),
            ("band", self.band),
            ("status", self.status),
        ):
            w.observe(self._filter_handler(name), names="value")
        self.sort.observe(self._on_sort, names="value")
        self.descending.observe(self._on_sort, names="value")
        self.prev.on_click(lambda _b: self._page(-1))
        self.next.on_click(lambda _b: self._page(+1))
        self.large_type.observe(self._on_large, names="value")
        self.picker.observe(self._on_pick, names="value")
        for w in (self.component, self.tactic, self.band, self.status, self.sort):
            w.layout = W.Layout(width="auto")
        filters = W.GridBox(
            [self.component, self.tactic, self.band, self.status],
            layout=W.Layout(
                grid_template_columns="repeat(auto-fill, minmax(min(100%, 19em), 1fr))",
                width="100%",
            ),
        )
        pager = W.HBox([self.prev, self.page_label, self.next], layout=W.Layout(flex_flow="row"))
        pager.add_class("wb-pager")  # the pager's three parts stay together on one line
        sorting = W.HBox(
            [self.sort, self.descending, pager],
            layout=W.Layout(flex_flow="row wrap", align_items="center"),
        )
        self.widget = W.VBox([filters, sorting, self.cell, self.picker, self.table])
        self.refresh_options()
        self.refresh()

    # -- callbacks (each calls one session action) ----------------------------------------------
    def _filter_handler(self, name: str) -> Callable[[dict[str, Any]], None]:
        def handler(change: dict[str, Any]) -> None:
            if self._updating:
                return
            if name == "component":
                value = change["new"] or None
                flows = {f.id for f in self.session.model.flows()}
                select = (
                    self.session.select_flow if value in flows else self.session.select_component
                )
                result = select(value)
            else:
                result = self.session.set_filter(name, change["new"] or None)
            if not result.ok:
                self._message(result.message, False)

        return handler

    def _on_row(self, action: str, finding_id: str) -> None:
        if action != "finding":
            return
        result = self.session.select_finding(finding_id)
        if not result.ok:
            self._message(result.message, False)

    def _on_sort(self, _change: dict[str, Any]) -> None:
        if self._updating:
            return
        self.session.set_sort(self.sort.value, bool(self.descending.value))

    def _page(self, step: int) -> None:
        self.session.set_page(self.session.page + step)

    def _on_large(self, change: dict[str, Any]) -> None:
        if self._updating:
            return
        self.session.set_large_type(bool(change["new"]))

    def _on_pick(self, change: dict[str, Any]) -> None:
        if self._updating or not change["new"]:
            return
        result = self.session.select_finding(change["new"])
        if not result.ok:
            self._message(result.message, False)

    # -- drawing ------------------------------------------------------------------------------------
    def refresh_options(self) -> None:
        """Options of the filter dropdowns (after the model or the findings changed)."""
        s = self.session
        rows = s.all_rows()
        comps = sorted(s.model.components(), key=lambda c: (c.name.lower(), c.id))
        with_findings = {r["element"] for r in rows}
        comp_options = [("all elements", ALL)] + [
            (f"{c.name} ({c.id})" + ("" if c.id in with_findings else " · no findings"), c.id)
            for c in comps
        ]
        flows = sorted(s.model.flows(), key=lambda f: (f.name.lower(), f.id))
        comp_options += [
            (f"flow: {f.name} ({f.id})" + ("" if f.id in with_findings else " · no findings"), f.id)
            for f in flows
        ]
        present = {t for r in rows for t in (r["tactics"] or ())}
        tactic_options = [("all tactics", ALL)] + [
            (f"{t.name} ({t.id})", t.id) for t in s.catalog.tactics() if t.id in present
        ]
        band_options = [("all bands", ALL)] + [(b, b) for b in s.matrix.band_names()]
        status_options = [("all statuses", ALL)] + [(STATUS_WORDS[x], x) for x in STATUSES]
        self._updating = True
        try:
            for w, options in (
                (self.component, comp_options),
                (self.tactic, tactic_options),
                (self.band, band_options),
                (self.status, status_options),
            ):
                if list(w.options) != options:
                    w.options = options
        finally:
            self._updating = False
        self.refresh()

    def refresh(self) -> None:
        s = self.session
        rows = s.page_rows()
        self._updating = True
        try:
            comp = s.filters.get("component") or s.selected_component or ALL
            self._set(self.component, comp)
            for name, w in (("tactic", self.tactic), ("band", self.band), ("status", self.status)):
                self._set(w, s.filters.get(name) or ALL)
            self._set(self.sort, s.sort_by)
            self._set(self.descending, bool(s.descending))
            self.large_type.value = bool(s.large_type)
            pick = [("— pick a finding to work on —", "")] + [
                (
                    f"{r['title']} · {r['element_name']} · {r['band'] or ''} {r['score'] or ''}"
                    f" ({r['id']})",
                    r["id"],
                )
                for r in rows
            ]
            selected = s.selected_finding
            if selected and selected not in {r["id"] for r in rows}:
                row = s.finding_row(selected)
                if row is not None:
                    pick.insert(1, (f"{row['title']} ({row['id']}, not on this page)", row["id"]))
            if list(self.picker.options) != pick:
                self.picker.options = pick
            self._set(self.picker, selected or "")
        finally:
            self._updating = False
        total = len(s.rows())
        pages = s.page_count()
        self.page_label.value = (
            f"page {s.page + 1} of {pages} &nbsp;·&nbsp; {total} finding{'s' if total != 1 else ''}"
        )
        self.prev.disabled = s.page <= 0
        self.next.disabled = s.page >= pages - 1
        self.table.value = table_html(s, rows)
        cell = s.filters.get("cell")
        if cell:
            which, lik, imp = cell.split(":")
            self.cell.value = (
                f'<span class="wb-chip">risk matrix cell: likelihood {esc(lik)} × impact '
                f'{esc(imp)} ({esc(which)}) <button class="wb-linkbutton" '
                'data-wb-action="clear-cell" data-wb-value="">✕ clear</button></span>'
            )
        else:
            self.cell.value = ""

    @staticmethod
    def _set(widget: Any, value: Any) -> None:
        values = [o[1] if isinstance(o, tuple) else o for o in widget.options]
        if value in values and widget.value != value:
            widget.value = value
