"""HTML whose marked elements are clickable and keyboard-operable, and downloads built on demand.

:class:`ClickableHTML` shows an HTML string (every user-supplied part already
escaped by the view that wrote it). Any element carrying
``data-wb-action="name"`` and ``data-wb-value="..."`` becomes a control: a
click, Enter or Space sends ``(action, value)`` to the Python callbacks given
to :meth:`ClickableHTML.on_click`. Elements that are not links or buttons get
``tabindex="0"`` and ``role="button"``; inside a group
(``data-wb-group``), the arrow keys move between its controls, so the threat
table can be walked row by row. After a redraw the control that had the focus
(same action and value) gets it back.

:meth:`ClickableHTML.download` sends a file's bytes to the browser, which saves
it under its name (a Blob and a temporary link: nothing is written on the
server and nothing is fetched).

The front end is a few lines of plain JavaScript run by anywidget (the library
plotly's FigureWidget already uses); it loads nothing from the network and
never evaluates text from the page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anywidget
import traitlets

__all__ = ["ClickableHTML", "WidthProbe"]

_ESM = r"""
function controls(root) {
  return Array.from(root.querySelectorAll("[data-wb-action]"));
}
function keyOf(el) {
  return el ? el.getAttribute("data-wb-action") + "\u0000" + el.getAttribute("data-wb-value") : null;
}
function render({ model, el }) {
  el.classList.add("wb-clickable");
  const draw = () => {
    const active = el.contains(document.activeElement) ? keyOf(document.activeElement.closest("[data-wb-action]")) : null;
    el.innerHTML = model.get("value");
    for (const c of controls(el)) {
      if (!["A", "BUTTON"].includes(c.tagName)) {
        c.setAttribute("tabindex", "0");
        c.setAttribute("role", "button");
      }
      if (active !== null && keyOf(c) === active) c.focus({ preventScroll: true });
    }
  };
  const fire = (c) => {
    model.send({ event: "click", action: c.getAttribute("data-wb-action"), value: c.getAttribute("data-wb-value") || "" });
  };
  el.addEventListener("click", (e) => {
    const c = e.target.closest("[data-wb-action]");
    if (!c || !el.contains(c)) return;
    if (e.target.closest("a[href]") && !e.target.closest("a[href]").hasAttribute("data-wb-action")) return;
    e.preventDefault();
    fire(c);
  });
  el.addEventListener("keydown", (e) => {
    const c = e.target.closest("[data-wb-action]");
    if (!c || !el.contains(c)) return;
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      fire(c);
      return;
    }
    const group = c.getAttribute("data-wb-group");
    if (!group || !["ArrowDown", "ArrowUp", "ArrowLeft", "ArrowRight", "Home", "End"].includes(e.key)) return;
    const peers = controls(el).filter((x) => x.getAttribute("data-wb-group") === group);
    const i = peers.indexOf(c);
    let j = i;
    if (e.key === "ArrowDown" || e.key === "ArrowRight") j = Math.min(peers.length - 1, i + 1);
    if (e.key === "ArrowUp" || e.key === "ArrowLeft") j = Math.max(0, i - 1);
    if (e.key === "Home") j = 0;
    if (e.key === "End") j = peers.length - 1;
    if (j !== i) {
      e.preventDefault();
      peers[j].focus();
    }
  });
  model.on("change:value", draw);
  model.on("msg:custom", (msg, buffers) => {
    if (!msg || msg.event !== "download" || !buffers || !buffers.length) return;
    const data = buffers[0];
    const blob = new Blob([data.buffer ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : data], { type: msg.mime || "application/octet-stream" });
    const url = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = url;
    a.download = msg.name || "download";
    a.style.display = "none";
    document.body.appendChild(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(url); a.remove(); }, 1000);
  });
  draw();
}
export default { render };
"""


class ClickableHTML(anywidget.AnyWidget):
    """HTML with controls marked ``data-wb-action``; see the module docstring."""

    _esm = _ESM
    value = traitlets.Unicode("").tag(sync=True)

    def __init__(self, value: str = "", **kwargs: Any) -> None:
        super().__init__(value=value, **kwargs)
        self._callbacks: list[Callable[[str, str], None]] = []
        self.last_download: tuple[str, str, bytes] | None = None
        self.on_msg(self._on_message)
        self.add_class("wb-html")

    def on_click(self, callback: Callable[[str, str], None]) -> None:
        """Call ``callback(action, value)`` when a marked control is clicked (or pressed)."""
        self._callbacks.append(callback)

    def click(self, action: str, value: str = "") -> None:
        """Act as if the control with *action* and *value* had been clicked."""
        for callback in list(self._callbacks):
            callback(action, value)

    def _on_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, dict) and content.get("event") == "click":
            self.click(str(content.get("action") or ""), str(content.get("value") or ""))

    def download(self, name: str, data: bytes, mime: str = "application/octet-stream") -> None:
        """Have the browser save *data* as *name*."""
        self.last_download = (name, mime, bytes(data))
        self.send({"event": "download", "name": name, "mime": mime}, [bytes(data)])


_PROBE_ESM = r"""
function plotsReady(el) {
  // the figures beside the probe: an update sent while plotly draws one the first time is lost
  let box = el.parentElement;
  for (let i = 0; i < 3 && box && !box.querySelector(".js-plotly-plot"); i++) box = box.parentElement;
  if (!box) return true;
  for (const gd of box.querySelectorAll(".js-plotly-plot")) {
    if (!gd._fullLayout || !gd.querySelector(".main-svg")) return false;
  }
  return true;
}
function render({ model, el }) {
  el.classList.add("wb-probe");
  let last = model.get("width") || 0;
  let timer = null;
  let settled = false;
  const report = () => {
    const w = Math.floor(el.getBoundingClientRect().width);
    if (w <= 0) return;
    if (!plotsReady(el)) { timer = setTimeout(report, 150); return; }
    if (!settled) { settled = true; timer = setTimeout(report, 300); return; }
    if (Math.abs(w - last) >= 8) {
      last = w;
      model.set("width", w);
      model.save_changes();
    }
  };
  const observer = new ResizeObserver(() => {
    clearTimeout(timer);
    timer = setTimeout(report, 120);
  });
  observer.observe(el);
  timer = setTimeout(report, 50);
  return () => { observer.disconnect(); clearTimeout(timer); };
}
export default { render };
"""


class WidthProbe(anywidget.AnyWidget):
    """An empty strip as wide as its container; ``width`` (pixels) follows it in the browser.

    Plotly's FigureWidget sizes itself once, so the views observe ``width`` and
    give their figures the width the page really has (the file browser open or
    closed, a phone or a wall screen).
    """

    _esm = _PROBE_ESM
    _css = ".wb-probe { width: 100%; height: 0; overflow: hidden; }"
    width = traitlets.Int(0).tag(sync=True)
