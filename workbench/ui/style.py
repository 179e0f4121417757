"""Shared look of the workbench: CSS, escaping, band badges and small HTML helpers.

Every user-supplied string that ends up in an HTML widget or a plotly label goes
through :func:`esc` (``html.escape`` with quotes); links are only written for
``http(s)`` URLs and always open in a new tab with ``rel="noopener"``.
"""

from __future__ import annotations

import copy
import html
import re
from collections.abc import Iterable
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
    "link",
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
.wb-root.wb-large .wb-editor { --jp-widgets-inline-label-width: 280px; }
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
.wb-root .wb-message { min-height: 1.4em; }
.wb-root table.wb-table { border-collapse: collapse; width: 100%;
  font-size: var(--wb-font); }
.wb-root table.wb-table th { text-align: left; background: #f0f0f0; position: sticky; top: 0;
  border-bottom: 2px solid #999; padding: 4px 6px; }
.wb-root table.wb-table td { border-bottom: 1px solid #ddd; padding: 4px 6px; vertical-align: top; }
.wb-root table.wb-table tr.wb-selected td { background: #E8F1FA; }
.wb-root table.wb-table tr.wb-selected td:first-child { border-left: 4px solid #0072B2; }
.wb-root .wb-atlas { display: flex; gap: 6px; overflow-x: auto; align-items: flex-start;
  padding-bottom: 6px; }
.wb-root .wb-tactic { min-width: 150px; max-width: 190px; flex: 0 0 auto; }
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
.wb-root .wb-prompt { background: #FFF4CC; border: 1px solid #E69F00; padding: 6px 10px;
  border-radius: 4px; }
</style>
"""


def sync_figure(fig: Any) -> None:
    """Make a FigureWidget's synced state match its Python state.

    plotly keeps the browser's copy in ``_widget_data`` / ``_widget_layout`` and
    refreshes it only when the FigureWidget itself is a cell's result; a figure
    inside a Box is drawn from the state it had when it was created, and
    updates sent before its front end has loaded are lost. Setting both traits
    after each redraw (as plotly's ``_repr_mimebundle_`` does) keeps a view that
    is created or re-created later (a reload) in step.
    """
    fig._widget_data = copy.deepcopy(fig._data)
    fig._widget_layout = copy.deepcopy(fig._layout_obj._props)


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
