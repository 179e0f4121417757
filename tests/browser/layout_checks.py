"""Checks of a rendered page from element bounding boxes, shared by the browser tests.

:func:`layout_problems` runs in the page and lists, for the controls under a root
element (buttons, selects, inputs, text areas, tabs and every clickable
``data-wb-action`` element that is shown):

* a control lying outside the viewport, left or right;
* a control clipped by an ancestor that hides or scrolls its overflow;
* a button or a select whose text does not fit in it ("2 · unlik"; the finding
  picker is exempt: it lists whole titles, and its pop-up shows them);
* an element under the root (or the page itself) that scrolls sideways.

Each problem is a sentence naming the control, so a failing assertion says
what to fix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"

_JS = r"""
(sel) => {
  const root = document.querySelector(sel);
  if (!root) return ["no element " + sel];
  const vw = document.documentElement.clientWidth;
  const problems = [];
  const name = (el) => {
    const text = (el.innerText || el.value || el.getAttribute("title") || "").trim().replace(/\s+/g, " ").slice(0, 40);
    const cls = (el.className && el.className.baseVal === undefined ? el.className : "").toString().split(" ").filter((c) => c.startsWith("wb-") || c.startsWith("widget-") || c.startsWith("lm-")).slice(0, 2).join(".");
    return `${el.tagName.toLowerCase()}${cls ? "." + cls : ""} "${text}"`;
  };
  const canvas = document.createElement("canvas").getContext("2d");
  const selector = "button, select, input, textarea, [data-wb-action], .lm-TabBar-tab";
  for (const c of root.querySelectorAll(selector)) {
    const r = c.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;  // not shown (another tab)
    if (getComputedStyle(c).visibility === "hidden") continue;
    if (c.type === "file") continue;  // hidden behind its label by ipywidgets
    if (r.left < -1 || r.right > vw + 1) {
      problems.push(`${name(c)} lies outside the viewport (x ${Math.round(r.left)} to ${Math.round(r.right)}, viewport ${vw})`);
      continue;
    }
    for (let a = c.parentElement; a && a !== document.body; a = a.parentElement) {
      const st = getComputedStyle(a);
      if (st.overflowX === "visible" && st.overflowY === "visible") continue;
      const ar = a.getBoundingClientRect();
      const clipsY = st.overflowY === "hidden" || st.overflowY === "clip";
      if (r.left < ar.left - 1 || r.right > ar.right + 1 || (clipsY && (r.top < ar.top - 1 || r.bottom > ar.bottom + 1))) {
        problems.push(`${name(c)} is clipped by ${a.tagName.toLowerCase()}.${String(a.className).split(" ").slice(0, 2).join(".")}`);
        break;
      }
      // past a scroll area, what is below the fold is scrolled away, not clipped
      if (st.overflowY === "auto" || st.overflowY === "scroll") break;
    }
    if (c.tagName === "BUTTON" && c.scrollWidth > c.clientWidth + 1) {
      problems.push(`${name(c)}: its text does not fit (${c.scrollWidth} > ${c.clientWidth} px)`);
    }
    // the finding picker lists whole titles: its pop-up shows them in full
    if (c.tagName === "SELECT" && c.selectedIndex >= 0 && !c.multiple && c.size <= 1 && !c.closest(".wb-picker")) {
      const st = getComputedStyle(c);
      canvas.font = `${st.fontWeight} ${st.fontSize} ${st.fontFamily}`;
      const text = c.options[c.selectedIndex].text;
      const room = c.clientWidth - parseFloat(st.paddingLeft) - parseFloat(st.paddingRight) - 14;
      if (canvas.measureText(text).width > room + 1) {
        problems.push(`select "${text.slice(0, 30)}" is cut (${Math.round(canvas.measureText(text).width)} px of text, ${Math.round(room)} px of room)`);
      }
    }
  }
  const scrollers = [document.scrollingElement, ...root.querySelectorAll("*")];
  let a = root.parentElement;
  while (a) { scrollers.push(a); a = a.parentElement; }
  for (const el of scrollers) {
    if (!el) continue;
    const st = getComputedStyle(el);
    const scrolls = el === document.scrollingElement || st.overflowX === "auto" || st.overflowX === "scroll";
    if (scrolls && el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0) {
      problems.push(`${el === document.scrollingElement ? "the page" : name(el)} scrolls sideways (${el.scrollWidth} > ${el.clientWidth} px)`);
    }
  }
  return problems;
}
"""


def layout_problems(page: Any, root: str) -> list[str]:
    """What is outside the viewport, clipped, cut or scrolling sideways under *root*."""
    return list(page.evaluate(_JS, root))


def screenshot(page: Any, name: str) -> Path:
    """Save a screenshot of the viewport as ``build/screenshots/NAME.png`` and print its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    print(f"screenshot: {path}")
    return path
