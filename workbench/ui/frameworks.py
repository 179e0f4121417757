"""The OWASP tab: per-framework coverage of the system in the workbench.

A picker chooses the framework (OWASP Top 10 for LLM Applications 2025 or
OWASP Agentic AI Threats and Mitigations); the view lists every item with its
status: raised (its findings are controls that open them in the threat table),
not applicable (why), not assessable (the attributes to state), assessed and
not raised, or not yet assessed by any rule. Every string from a model, a rule
or a catalog is escaped. :func:`attach_frameworks_tab` adds the tab to a
:class:`~workbench.ui.app.Workbench` and redraws it, when shown, after the
findings or the model change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as W

from workbench.ui.clickable import ClickableHTML
from workbench.ui.style import esc

__all__ = ["TAB_TITLE", "FrameworksView", "attach_frameworks_tab", "frameworks_html"]

TAB_TITLE = "OWASP"
#: Badge colour of each status (its words are the status text of the coverage).
_BADGE_COLOUR = {
    "raised": "#b71c1c",
    "not_applicable": "#616161",
    "not_assessable": "#e65100",
    "not_raised": "#1b5e20",
    "gap": "#4a148c",
}


def _badge(status: str) -> str:
    from workbench.risk.frameworks import STATUS_TEXT

    colour = _BADGE_COLOUR.get(status, "#616161")
    text = STATUS_TEXT.get(status, status)
    return (
        f'<span class="wb-badge" style="background:{colour};color:#fff;padding:0 4px;'
        f'border-radius:3px">{esc(text)}</span>'
    )


def _finding(finding_id: str) -> str:
    return (
        f'<span class="wb-jump" data-wb-action="finding" data-wb-value="{esc(finding_id)}" '
        f'title="open this finding">{esc(finding_id)}</span>'
    )


def _link(url: str, text: str) -> str:
    if url.startswith("https://"):
        return f'<a href="{esc(url)}" target="_blank" rel="noopener noreferrer">{esc(text)}</a>'
    return esc(text)


def frameworks_html(session: Any, framework: str) -> str:
    """The coverage of *framework* on the session's project, as escaped HTML."""
    from workbench.catalog.frameworks import load_frameworks
    from workbench.risk.frameworks import STATUS_TEXT, STATUSES

    fw = load_frameworks()[framework]
    cov = session.project.framework_coverage(framework)
    counts = cov.counts()
    summary = ", ".join(f"<b>{counts[s]}</b> {esc(STATUS_TEXT[s])}" for s in STATUSES if counts[s])
    rows = []
    for item in cov.items:
        if item.findings:
            what = ", ".join(_finding(f) for f in item.findings)
        else:
            what = esc(item.reason or "no loaded rule maps to it")
        rows.append(
            f"<tr><td>{_link(item.url, item.label)}</td><td>{esc(item.name)}</td>"
            f"<td>{_badge(item.status)}</td><td>{what}</td></tr>"
        )
    return (
        f"<div><b>{esc(fw.name)}</b> ({esc(fw.version)}, {esc(fw.publisher)}; "
        f"{_link(fw.url, 'source')}, {esc(fw.licence)}): {summary} of {len(cov.items)} items.</div>"
        '<table class="wb-table"><thead><tr><th>Item</th><th>Name</th><th>Status</th>'
        "<th>Findings or why</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


class FrameworksView:
    """A framework picker over the coverage table; findings open in the threat table."""

    def __init__(self, session: Any, on_finding: Callable[[str], None] | None = None):
        from workbench.catalog.frameworks import load_frameworks

        self.session = session
        frameworks = load_frameworks()
        ids = sorted(frameworks, key=lambda f: (f != "owasp-llm", f))
        self.picker = W.Dropdown(
            options=[(frameworks[f].name, f) for f in ids],
            value=ids[0],
            description="framework",
            style={"description_width": "initial"},
        )
        self.html = ClickableHTML()

        def handler(action: str, value: str) -> None:
            if action == "finding" and on_finding is not None:
                on_finding(value)

        self.html.on_click(handler)
        self.picker.observe(lambda _c: self.refresh(), names="value")
        self.widget = W.VBox([self.picker, self.html])

    def refresh(self) -> None:
        self.html.value = frameworks_html(self.session, str(self.picker.value))


def attach_frameworks_tab(workbench: Any) -> FrameworksView:
    """Add the OWASP tab to *workbench*; it redraws when shown after findings or model change."""
    view = FrameworksView(workbench.session, on_finding=workbench.open_finding)
    tabs = workbench.tabs
    index = len(tabs.children)
    tabs.children = [*tabs.children, view.widget]
    tabs.set_title(index, TAB_TITLE)
    state = {"dirty": True}

    def shown() -> bool:
        return tabs.selected_index == index

    def on_tab(change: dict[str, Any]) -> None:
        if change["new"] == index and state["dirty"]:
            view.refresh()
            state["dirty"] = False

    def on_change(what: str) -> None:
        if what in ("findings", "model"):
            state["dirty"] = True
            if shown():
                view.refresh()
                state["dirty"] = False

    tabs.observe(on_tab, names="selected_index")
    workbench.session.on_change(on_change)
    workbench.frameworks = view
    return view
