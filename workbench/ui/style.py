"""Shared look of the workbench: CSS, escaping, band badges and small HTML helpers.

Every user-supplied string that ends up in an HTML widget or a plotly label goes
through :func:`esc` (``html.escape`` with quotes); links are only written for
``http(s)`` URLs and always open in a new tab with ``rel="noopener"``.
"""

from __future__ import annotations

import copy
import html
import re
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "ATLAS_TECHNIQUE_URL",
    "CSS",
    "GREY",
    "PATH_COLOUR",
    "STATUS_COLOURS",
    "STATUS_WORDS",
    "badge",
    "band_badge",
    "esc",
    "field_error",
    "html_widget",
    "link",
    "replace_child",
    "result_html",
    "sync_figure",
    "technique_link",
    "text_colour",
    "ul",
]

ATLAS_TECHNIQUE_URL = "https://atlas.mitre.org/techniques/"
_TECHNIQUE_ID = re.compile(r"AML\.T\d{4}(\.\d{3})?")

#: Colour of a component without findings (and of "no band").
GREY = "#BBBBBB"
#: Okabe-Ito reddish purple: an attack path drawn on the graph (not a band colour).
PATH_COLOUR = "#CC79A7"
#: Okabe-Ito colours for guideline states (pass, fail, unknown) and finding statuses.
STATUS_COLOURS = {
    "pass": "#009E73",
    "fail": "#D55E00",
    "unknown": "#999999",
}
STATUS_WORDS = {
    "open": "open",
    "decided": "decided",
    "review_due": "review due",
    "rule_error": "rule error",
}

FONT_NORMAL = 13
FONT_LARGE = 20

CSS = """
<style>
.wb-root { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  --wb-font: 13px; color: #222; --jp-widgets-inline-label-width: 125px; }
.wb-root.wb-large { --wb-font: 20px; --jp-widgets-font-size: 20px;
  --jp-widgets-inline-height: 38px; --jp-widgets-inline-label-width: 190px;
  --jp-widgets-horizontal-tab-width: 245px; --jp-ui-font-size1: 20px; }
.wb-root .jupyter-button.widget-button, .wb-root .jupyter-button.widget-toggle-button {
  width: auto; min-width: 80px; padding-left: 12px; padding-right: 12px; flex-shrink: 0; }
.wb-root .wb-editor { --jp-widgets-inline-label-width: 190px; }
.wb-root.wb-large .wb-editor { --jp-widgets-inline-label-width: 200px; }
.wb-root .wb-html, .wb-root .widget-html-content { font-size: var(--wb-font); line-height: 1.4; }
.wb-root.wb-large .widget-label, .wb-root.wb-large select, .wb-root.wb-large input,
.wb-root.wb-large textarea, .wb-root.wb-large button, .wb-root.wb-large .widget-toggle-button,
.wb-root.wb-large .lm-TabBar-tabLabel { font-size: 20px; }
.wb-root.wb-large .lm-TabBar-tab { min-height: 36px; line-height: 36px; }
.wb-root h3.wb-h { margin: 10px 0 4px 0; font-size: calc(var(--wb-font) * 1.25); }
.wb-root h4.wb-h { margin: 8px 0 2px 0; font-size: calc(var(--wb-font) * 1.1); }
.wb-root .wb-muted { color: #555; }
.wb-root .wb-small { font-size: calc(var(--wb-font) * 0.85); }
.wb-root .wb-badge { display: inline-block; padding: 0 6px; border-radius: 4px;
  font-weight: 600; border: 1px solid rgba(0,0,0,0.35); white-space: nowrap; }
.wb-root .wb-error { color: #B00020; font-weight: 600; }
.wb-root .wb-ok { color: #006644; font-weight: 600; }
.wb-root .wb-signed { color: #006644; }
.wb-root .wb-unsigned { color: #555; font-style: italic; }
.wb-root .wb-assumed { display: inline-block; border: 1px dashed #8a6d00; color: #6b5400;
  border-radius: 3px; padding: 0 4px; font-size: 0.85em; }
.wb-root .wb-message { min-height: 1.4em; }
.wb-root table.wb-table { border-collapse: collapse; width: 100%;
  font-size: var(--wb-font); }
.wb-root table.wb-table th { text-align: left; background: #f0f0f0; position: sticky; top: 0;
  border-bottom: 2px solid #999; padding: 4px 6px; }
.wb-root table.wb-table td { border-bottom: 1px solid #ddd; padding: 4px 6px; vertical-align: top; }
.wb-root table.wb-table tr.wb-selected td { background: #E8F1FA; }
.wb-root table.wb-table tr.wb-selected td:first-child { border-left: 4px solid #0072B2; }
.wb-root .wb-atlas { display: grid; gap: 6px; align-items: start; padding-bottom: 6px;
  grid-template-columns: repeat(auto-fill, minmax(min(100%, 10.5em), 1fr)); }
.wb-root .wb-tactic { min-width: 0; }
.wb-root .wb-tactic-head { background: #333; color: #fff; padding: 4px; font-weight: 600;
  font-size: calc(var(--wb-font) * 0.9); min-height: 2.8em; }
.wb-root .wb-tech { border: 1px solid rgba(0,0,0,0.3); margin-top: 4px; padding: 4px;
  font-size: calc(var(--wb-font) * 0.85); border-radius: 3px; }
.wb-root .wb-tech a { color: inherit; }
.wb-root .wb-empty { color: #777; font-style: italic; margin-top: 4px;
  font-size: calc(var(--wb-font) * 0.85); }
.wb-root details.wb-guideline { border-bottom: 1px solid #ddd; padding: 4px 0; }
.wb-root details.wb-guideline summary { cursor: pointer; }
.wb-root ul.wb-list { margin: 2px 0 4px 18px; padding: 0; }
.wb-root .wb-card { border: 1px solid #ccc; border-radius: 4px; padding: 6px 10px;
  background: #fafafa; }
.wb-root { container-type: inline-size; container-name: wb; max-width: 100%; }
.wb-root, .wb-root * { box-sizing: border-box; }
.wb-root .widget-inline-hbox, .wb-root .widget-text, .wb-root .widget-dropdown,
.wb-root .widget-textarea, .wb-root .widget-datepicker, .wb-root .widget-combobox {
  max-width: 100%; }
.wb-root .widget-dropdown > select { min-width: 9.5em; }
.wb-root .widget-hbox { flex-wrap: wrap; }
.wb-root .widget-hbox, .wb-root .widget-vbox, .wb-root .widget-box { min-width: 0; max-width: 100%; }
.wb-root .widget-box.jupyter-widgets, .wb-root.widget-box.jupyter-widgets { overflow: visible; }
.wb-root .widget-html, .wb-root .widget-html-content { min-width: 0; max-width: 100%;
  overflow-wrap: anywhere; }
.wb-root .wb-level { width: auto; min-width: 0; }
.wb-root .wb-level select { min-width: 11em; }
.wb-root .widget-tab > .lm-TabBar { max-width: 100%; overflow: visible; flex-wrap: wrap; }
.wb-root .widget-tab > .lm-TabBar .lm-TabBar-content { flex-wrap: wrap; min-width: 0; }
.wb-root .widget-tab > .lm-TabBar .lm-TabBar-tab { flex: 0 1 auto; min-width: 0;
  max-width: none; }
.wb-root .lm-TabBar-tabLabel { white-space: nowrap; }
.wb-root .widget-tab > .widget-tab-contents { overflow: visible; }
.wb-root .wb-threats { display: flex; flex-flow: row wrap; gap: 8px 12px; width: 100%;
  align-items: flex-start; }
.wb-root .wb-table-col { flex: 3 1 30em; min-width: 0; }
.wb-root .wb-finding-col { flex: 2 1 24em; min-width: 0; border-left: 1px solid #ddd; }
.wb-root .wb-finding-details h3.wb-h { font-size: calc(var(--wb-font) * 1.15); margin-top: 4px; }
.wb-root .wb-finding-details { line-height: 1.35; }
.wb-root.wb-large .wb-table-col, .wb-root.wb-large .wb-finding-col { flex-basis: 100%; }
.wb-root.wb-large .wb-finding-col { border-left: none; border-top: 2px solid #ddd; }
@container wb (max-width: 760px) {
  .wb-root .wb-table-col, .wb-root .wb-finding-col { flex-basis: 100%; border-left: none; }
}
.wb-root table.wb-table { table-layout: auto; }
.wb-root table.wb-table td { overflow-wrap: anywhere; }
.wb-root table.wb-table th { white-space: nowrap; }
.wb-root table.wb-table td a { white-space: nowrap; overflow-wrap: normal; }
.wb-root tr.wb-row { cursor: pointer; }
.wb-root tr.wb-row:hover td { background: #F3F7FB; }
.wb-root tr.wb-row:focus { outline: 2px solid #0072B2; outline-offset: -2px; }
.wb-root .wb-arrow { color: #555; }
.wb-root td.wb-scores { white-space: nowrap; }
.wb-root .wb-status { white-space: nowrap; }
.wb-root table.wb-table td.wb-scores { overflow-wrap: normal; }
.wb-root .wb-jump { cursor: pointer; text-decoration: underline dotted; }
.wb-root .wb-jump:focus, .wb-root .wb-chip:focus { outline: 2px solid #0072B2; }
.wb-root .wb-chip { display: inline-block; margin: 2px 4px 2px 0; padding: 1px 8px;
  border: 1px solid #999; border-radius: 10px; background: #fff; font-size: var(--wb-font);
  cursor: pointer; }
.wb-root .wb-linkbutton { border: none; background: none; padding: 0; color: #0b5cad;
  text-decoration: underline; cursor: pointer; font-size: calc(var(--wb-font) * 0.9); }
.wb-root .wb-exports { display: grid; gap: 6px;
  grid-template-columns: repeat(auto-fill, minmax(min(100%, 22em), 1fr)); }
.wb-root .wb-export { display: flex; gap: 8px; align-items: flex-start; padding: 4px;
  border: 1px solid #e3e3e3; border-radius: 4px; }
.wb-root .wb-export-download { flex: 0 0 auto; width: 12em; white-space: normal;
  text-align: left; min-height: var(--jp-widgets-inline-height); height: auto;
  font-size: var(--wb-font); line-height: 1.3; padding: 4px 8px; }
.wb-root .wb-export .wb-linkbutton { text-align: left; margin-top: 2px; }
.wb-root .wb-export-text { flex: 1 1 auto; min-width: 0; font-size: calc(var(--wb-font) * 0.9); }
.wb-root .wb-pager { flex-wrap: nowrap; align-items: center; gap: 4px; }
.wb-root .wb-page-label { white-space: nowrap; }
.wb-root .wb-graph { width: 100%; overflow: hidden; }
.wb-root .wb-graph-bar { flex-flow: row wrap; align-items: center; gap: 4px; }
.wb-root .wb-prompt { background: #FFF4CC; border: 1px solid #E69F00; padding: 6px 10px;
  border-radius: 4px; }
</style>
"""


def sync_figure(
    fig: Any,
    *,
    traces: Mapping[int, Iterable[str]] | None = None,
    layout: bool = True,
    send: bool = True,
) -> None:
    """Make a FigureWidget's synced state match its Python state.

    plotly keeps the browser's copy in ``_widget_data`` / ``_widget_layout`` and
    refreshes it only when the FigureWidget itself is a cell's result; a figure
    inside a Box is drawn from the state it had when it was created, and
    updates sent before its front end has loaded are lost. Setting both traits
    after each redraw (as plotly's ``_repr_mimebundle_`` does) keeps a view that
    is created or re-created later (a reload) in step.

    With *traces* (trace index: the names of its properties that changed), only
    those properties are copied again, and the layout only when *layout* is
    true: copying a large figure whole costs more than the change it follows.

    With ``send=False`` the synced state is brought up to date in the kernel
    only (read by a view created later, such as a reload), without sending the
    whole figure to a browser that has just drawn the change: for small and
    frequent changes such as the selection's marks.
    """
    if not send:
        _store_unsent(fig, traces, layout)
        return
    if traces is None:
        fig._widget_data = copy.deepcopy(fig._data)
    elif traces:
        data = list(fig._widget_data)
        for i, names in traces.items():
            trace = dict(data[i])
            for name in names:
                if name in fig._data[i]:
                    trace[name] = copy.deepcopy(fig._data[i][name])
                else:
                    trace.pop(name, None)
            data[i] = trace
        fig._widget_data = data
    if layout:
        fig._widget_layout = copy.deepcopy(fig._layout_obj._props)


def _store_unsent(fig: Any, traces: Mapping[int, Iterable[str]] | None, layout: bool) -> None:
    values = fig._trait_values  # the traits' values, set without a change notification
    if traces is None:
        values["_widget_data"] = copy.deepcopy(fig._data)
    else:
        data = values["_widget_data"]
        for i, names in traces.items():
            for name in names:
                if name in fig._data[i]:
                    data[i][name] = copy.deepcopy(fig._data[i][name])
                else:
                    data[i].pop(name, None)
    if layout:
        values["_widget_layout"] = copy.deepcopy(fig._layout_obj._props)


def html_widget(value: str = "") -> Any:
    """An HTML widget in the workbench's text style (its value already escaped)."""
    import ipywidgets as W

    w = W.HTML(value)
    w.add_class("wb-html")
    return w


def result_html(result: Any, *, fields: bool = False) -> str:
    """An action's message, green or red; with *fields*, a refusal's field errors under it."""
    cls = "wb-ok" if result.ok else "wb-error"
    text = esc(result.message)
    if fields and not result.ok and result.field_errors:
        text += "<br>" + "<br>".join(f"{esc(k)}: {esc(v)}" for k, v in result.field_errors.items())
    return f'<span class="{cls}">{text}</span>'


def replace_child(box: Any, old: Any, new: Any) -> None:
    """Put *new* in *old*'s place among a Box's children.

    The children go through an empty tuple: traitlets compares the old and new
    tuples, and comparing two figures element by element serialises both.
    """
    children = tuple(new if c is old else c for c in box.children)
    box.children = ()
    box.children = children


def esc(value: Any) -> str:
    """HTML-escape any value (``None`` becomes an empty string)."""
    if value is None:
        return ""
    return html.escape(str(value), quote=True)


def text_colour(background: str) -> str:
    """Black or white, whichever reads better on *background* (``#RRGGBB``)."""
    try:
        r, g, b = (int(background[i : i + 2], 16) / 255 for i in (1, 3, 5))
    except (ValueError, IndexError):
        return "#000"

    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    lum = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
    return "#000" if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "#fff"


def _safe_colour(colour: str) -> str:
    return colour if re.fullmatch(r"#[0-9A-Fa-f]{6}", colour or "") else GREY


def badge(text: str, colour: str, title: str = "") -> str:
    colour = _safe_colour(colour)
    t = f' title="{esc(title)}"' if title else ""
    return (
        f'<span class="wb-badge" style="background:{colour};color:{text_colour(colour)}"{t}>'
        f"{esc(text)}</span>"
    )


def band_badge(matrix: Any, band: str | None, score: int | None = None) -> str:
    """A coloured badge with the band word (and the score): never colour alone."""
    if not band:
        return badge("no score", GREY)
    try:
        colour = matrix.colour(band)
    except ValueError:
        colour = GREY
    text = f"{band} {score}" if score is not None else band
    return badge(text, colour, title=f"band {band}" + (f", score {score}" if score else ""))


def link(url: str | None, text: str) -> str:
    """A link that opens in a new tab, only for http(s) URLs; plain text otherwise."""
    if url and re.match(r"https?://", url):
        return f'<a href="{esc(url)}" target="_blank" rel="noopener">{esc(text)}</a>'
    return esc(text)


def technique_link(technique_id: str | None, text: str | None = None) -> str:
    if not technique_id:
        return ""
    label = text if text is not None else technique_id
    if _TECHNIQUE_ID.fullmatch(technique_id):
        return link(ATLAS_TECHNIQUE_URL + technique_id, label)
    return esc(label)


def field_error(message: str | None) -> str:
    return f'<span class="wb-error">{esc(message)}</span>' if message else ""


def ul(items: Iterable[str]) -> str:
    """A bullet list of already-escaped HTML items."""
    body = "".join(f"<li>{i}</li>" for i in items)
    return f'<ul class="wb-list">{body}</ul>' if body else ""
