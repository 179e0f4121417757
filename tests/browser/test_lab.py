"""The workbench in a real JupyterLab: widgets and the plotly graph render, a click on a
component changes the threat table, and a decision recorded through the form lands on disk.

Slow (a JupyterLab server, a kernel and a headless Chromium): marker ``browser``.
Screenshots are kept in ``test-artifacts/``.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import nbformat
import pytest

pytestmark = pytest.mark.browser

NOTEBOOK = "workbench.ipynb"
CELLS = [
    """from workbench.ui import open_workbench
wb = open_workbench("project", template="support-assistant", actor="browser-tester")
wb""",
    """print("notebook OK")""",
]


def _write_notebook(root: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell(c) for c in CELLS]
    nbformat.write(nb, root / NOTEBOOK)


def _expected_rows(project: Path, component: str) -> int:
    from workbench.session import Session

    session = Session.open(project)
    return sum(1 for r in session.all_rows() if r["element"] == component)


def _node_index(project: Path, component: str) -> int:
    """Index of the component's point in the node trace (the graph draws them in model order)."""
    from workbench.session import Session

    session = Session.open(project)
    positions = session.layout().positions
    ids = [c.id for c in session.model.components() if c.id in positions]
    return ids.index(component)


def _decisions(project: Path) -> list[dict[str, Any]]:
    path = project / "decisions.jsonl"
    if not path.exists():
        return []
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def test_workbench_in_jupyterlab(
    lab_server: dict[str, Any], browser: Any, playwright_api: Any, artifacts_dir: Path
) -> None:
    expect = playwright_api.expect
    root: Path = lab_server["root"]
    project = root / "project"
    _write_notebook(root)
    (artifacts_dir / "lab-failure.png").unlink(missing_ok=True)
    page = browser.new_page()
    try:
        page.goto(f"{lab_server['url']}/lab/tree/{NOTEBOOK}?token={lab_server['token']}")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
        # the kernel really connected: the status bar, not the toolbar indicator
        expect(page.locator(".jp-StatusBar-TextItem[title^='Change kernel']")).to_have_text(
            re.compile(r"\| Idle$"), timeout=90_000
        )
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        done = page.locator(
            ".jp-OutputArea-output", has_text=re.compile(r"notebook OK|Traceback|Error")
        ).first
        expect(done).to_be_visible(timeout=180_000)
        assert "notebook OK" in done.inner_text(), done.inner_text()
        news = page.locator(".jp-toast-button", has_text=re.compile(r"^No$"))
        if news.count():  # the one-time "get notified about Jupyter news?" toast
            news.first.click()

        # (1) the widgets and the plotly graph render
        expect(page.locator(".wb-root")).to_be_visible(timeout=60_000)
        expect(page.locator(".wb-threat-table table.wb-table")).to_be_visible()
        graph = page.locator(".wb-graph .js-plotly-plot").first
        expect(graph).to_be_visible(timeout=60_000)
        # the components trace is the only one with text labels
        points = graph.locator(".scatterlayer .trace:has(.textpoint) .point")
        expect(points).to_have_count(14, timeout=60_000)
        label = page.locator(".wb-page-label")
        expect(label).to_contain_text("page 1 of 1")
        all_text = label.inner_text()
        page.screenshot(path=str(artifacts_dir / "lab-workbench.png"), full_page=True)

        # (2) a real click on the "llm" point focuses the table on it
        expected = _expected_rows(project, "llm")
        point = points.nth(_node_index(project, "llm"))
        point.scroll_into_view_if_needed()
        page.wait_for_timeout(500)  # let the plot settle before clicking
        box = point.bounding_box()
        assert box is not None
        cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.move(cx, cy)
        page.wait_for_timeout(300)
        page.mouse.click(cx, cy)
        findings = f"{expected} finding{'s' if expected != 1 else ''}"
        expect(label).to_contain_text(findings, timeout=30_000)
        assert label.inner_text() != all_text
        expect(page.locator(".wb-filter-component select")).to_have_value("Hosted LLM (llm)")
        expect(page.locator(".wb-threat-table")).to_contain_text("Hosted LLM")
        expect(page.locator(".wb-threat-table")).not_to_contain_text("Chat front end")
        expect(page.locator(".wb-finding-details")).to_contain_text("Hosted LLM")
        page.screenshot(path=str(artifacts_dir / "lab-selected.png"), full_page=True)

        # (3) record a decision through the form
        before = len(_decisions(project))
        page.locator("button.wb-add-mitigation").click()  # the first candidate, planned
        expect(page.locator(".wb-small", has_text="default, ").first).to_be_visible(timeout=30_000)
        page.locator(".wb-treatment select").select_option("mitigate")
        page.locator(".wb-due input").fill("2027-01-15")  # a high finding's mitigate is due
        page.locator(".wb-due input").press("Tab")
        page.locator(".wb-rationale textarea").fill("input filters and provider guardrails")
        page.locator(".wb-owner input").fill("platform team")
        page.locator(".wb-review-by input").fill("2027-01-31")
        page.locator(".wb-review-by input").press("Tab")
        page.wait_for_timeout(300)
        page.locator("button.wb-record").click()
        expect(page.locator(".wb-decision-message")).to_contain_text(
            "decision recorded", timeout=30_000
        )
        deadline = time.time() + 20
        while len(_decisions(project)) <= before and time.time() < deadline:
            time.sleep(0.2)
        records = _decisions(project)
        assert len(records) == before + 1, records
        last = records[-1]
        assert last["treatment"] == "mitigate"
        assert last["rationale"] == "input filters and provider guardrails"
        assert last["owner"] == "platform team"
        assert last["review_by"] == "2027-01-31"
        assert last["due"] == "2027-01-15" and last["mitigations"]
        assert last["by"] == "browser-tester"
        assert all(f.endswith("@llm") for f in last["findings"])
        page.screenshot(path=str(artifacts_dir / "lab-decision.png"), full_page=True)
    except BaseException:
        page.screenshot(path=str(artifacts_dir / "lab-failure.png"), full_page=True)
        raise
    finally:
        page.close()
