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

from .layout_checks import layout_problems, screenshot

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

        # (2) a real click on the "llm" point focuses the table on it, once the graph is
        # drawn at its area's width (the figure first drawn is replaced by one at that width)
        _settle(page)
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
        # the whole count ("6 findings" is also the end of "16 findings")
        expect(label).to_contain_text(re.compile(rf"(?<!\d){findings}"), timeout=30_000)
        assert label.inner_text() != all_text
        expect(page.locator(".wb-filter-component select")).to_have_value("Hosted LLM (llm)")
        expect(page.locator(".wb-threat-table")).to_contain_text("Hosted LLM")
        expect(page.locator(".wb-threat-table")).not_to_contain_text("Chat front end")
        expect(page.locator(".wb-finding-details")).to_contain_text("Hosted LLM")
        page.screenshot(path=str(artifacts_dir / "lab-selected.png"), full_page=True)

        # (3) record a decision through the form
        before = len(_decisions(project))
        sections = page.locator(".wb-sections > .lm-TabBar .lm-TabBar-tab")
        sections.filter(has_text="Mitigations").click()
        page.locator("button.wb-add-mitigation").click()  # the first candidate, planned
        expect(page.locator(".wb-small", has_text="default, ").first).to_be_visible(timeout=30_000)
        sections.filter(has_text="Decision").click()
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


# -- the layout at laptop, desktop and room-screen sizes ------------------------------------------

LAYOUT_NOTEBOOK = "layout.ipynb"
FLOW = "llm-prompt"  # the assistant's prompt to the hosted LLM
VIEWPORTS = ((1366, 768), (1920, 1080))


def _layout_project(root: Path) -> tuple[Path, str]:
    """A project whose actor is remembered, with a finding on a flow (what flow rules add)."""
    from workbench.project import Project

    folder = root / "layout-project"
    project = Project.create(folder, template="support-assistant", actor="Lena Layout")
    finding = project.add_manual_finding(
        FLOW,
        "Prompt carries personal data to the provider",
        reason="the prompt includes retrieved tickets with personal data",
        technique="AML.T0057",
        likelihood=4,
        impact=4,
    )
    return folder, finding.id


def _run_notebook(page: Any, url: str, expect: Any) -> None:
    page.goto(url)
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
    expect(page.locator(".jp-StatusBar-TextItem[title^='Change kernel']")).to_have_text(
        re.compile(r"\| Idle$"), timeout=90_000
    )
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
    done = page.locator(
        ".jp-OutputArea-output", has_text=re.compile(r"notebook OK|Traceback|Error")
    ).first
    expect(done).to_be_attached(timeout=180_000)
    assert "notebook OK" in done.inner_text(), done.inner_text()
    news = page.locator(".jp-toast-button", has_text=re.compile(r"^No$"))
    if news.count():
        news.first.click()


def _settle(page: Any) -> None:
    """Wait until the graph has taken the width of its area (the probe's round trip)."""
    page.wait_for_function(
        """() => {
          const box = document.querySelector('.wb-root .wb-graph');
          const plot = box && box.querySelector('.js-plotly-plot .main-svg');
          if (!plot) return false;
          const w = plot.getBoundingClientRect().width, room = box.getBoundingClientRect().width;
          return w <= room + 1 && w >= room - 40;
        }""",
        timeout=30_000,
    )
    page.wait_for_timeout(400)


def playwright_error() -> type[Exception]:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    return PlaywrightTimeout


def _tabs(page: Any) -> Any:
    return page.locator(".wb-root .widget-tab > .lm-TabBar .lm-TabBar-tab")


def _check_every_tab(page: Any, name: str, shots: tuple[int, ...] = (0,)) -> None:
    from workbench.ui.app import TAB_TITLES

    page.locator(".wb-root").first.evaluate("e => e.scrollIntoView()")
    _settle(page)
    problems = [f"{name}, top: {p}" for p in layout_problems(page, ".wb-root")]
    screenshot(page, f"{name}-graph")
    for i, title in enumerate(TAB_TITLES):
        _tabs(page).nth(i).click()
        page.wait_for_timeout(600)
        try:  # a figure shown for the first time at this size is redrawn at its area's width
            page.wait_for_function(
                """() => Array.from(document.querySelectorAll('.wb-root .js-plotly-plot'))
                  .filter((gd) => gd.getBoundingClientRect().width > 0)
                  .every((gd) => gd.getBoundingClientRect().right
                    <= document.querySelector('.wb-root').getBoundingClientRect().right + 1)""",
                timeout=10_000,
            )
        except playwright_error() as exc:
            print(f"figures still wider than their area: {exc}")
        page.locator(".wb-root .widget-tab").first.evaluate("e => e.scrollIntoView()")
        page.wait_for_timeout(200)
        problems += [f"{name}, {title}: {p}" for p in layout_problems(page, ".wb-root")]
        if i in shots:
            screenshot(page, f"{name}-{title.lower().replace(' ', '-')}")
    _tabs(page).nth(0).click()
    page.wait_for_timeout(300)
    assert not problems, "\n".join(problems)


def test_layout_and_clicks_at_each_viewport(
    lab_server: dict[str, Any], browser: Any, playwright_api: Any
) -> None:
    from workbench.session import Session

    expect = playwright_api.expect
    root: Path = lab_server["root"]
    project, flow_finding = _layout_project(root)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        nbformat.v4.new_code_cell(
            'from workbench.ui import open_workbench\nwb = open_workbench("layout-project")\nwb'
        ),
        nbformat.v4.new_code_cell('print("notebook OK")'),
    ]
    nbformat.write(nb, root / LAYOUT_NOTEBOOK)
    width, height = VIEWPORTS[0]
    page = browser.new_page()
    page.on("console", lambda m: m.type == "error" and print("console:", m.text[:400]))
    page.set_viewport_size({"width": width, "height": height})
    try:
        _run_notebook(
            page,
            # a workspace of its own: only this notebook open
            f"{lab_server['url']}/lab/workspaces/layout/tree/{LAYOUT_NOTEBOOK}"
            f"?token={lab_server['token']}",
            expect,
        )
        # the laptop case: JupyterLab's file browser open beside the notebook
        if not page.locator("#filebrowser").is_visible():
            page.locator(".jp-SideBar .lm-TabBar-tab[data-id='filebrowser']").click()
        expect(page.locator("#filebrowser")).to_be_visible()
        assert page.locator("#filebrowser").bounding_box()["width"] > 150
        # the actor was remembered in project.yaml: nobody is asked again
        expect(page.locator(".wb-root")).to_contain_text("changes are recorded as Lena Layout")

        for width, height in VIEWPORTS:
            page.set_viewport_size({"width": width, "height": height})
            _check_every_tab(page, f"lab-{width}x{height}", shots=(0, 1, 2, 7))
            # the decision form is on screen together with the finding it decides
            page.locator(".wb-finding-details").first.evaluate(
                "e => e.scrollIntoView({block: 'start'})"
            )
            page.wait_for_timeout(300)
            title = page.locator(".wb-finding-details h3").first.bounding_box()
            record = page.locator("button.wb-record").first.bounding_box()
            assert title is not None and record is not None
            assert title["y"] >= 0 and record["y"] + record["height"] <= height, (title, record)
            screenshot(page, f"lab-{width}x{height}-finding")

        # large type (a room screen) at the laptop size
        page.set_viewport_size({"width": VIEWPORTS[0][0], "height": VIEWPORTS[0][1]})
        page.locator(".wb-root button", has_text="large type").first.click()
        expect(page.locator(".wb-root.wb-large")).to_have_count(1, timeout=30_000)
        _check_every_tab(page, "lab-large-type", shots=(0, 1))
        page.locator(".wb-root button", has_text="large type").first.click()
        expect(page.locator(".wb-root.wb-large")).to_have_count(0, timeout=30_000)

        session = Session.open(project)
        details = page.locator(".wb-finding-details")
        # (1) a click on a register row opens its finding; the keyboard walks the rows
        rows = page.locator(".wb-threat-table tr.wb-row")
        third = rows.nth(2)
        fid = third.get_attribute("data-wb-value")
        third.click()
        expect(details).to_contain_text(fid, timeout=30_000)
        expect(third).to_have_class(re.compile(r"wb-selected"), timeout=30_000)
        rows.nth(0).focus()
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        second = rows.nth(1).get_attribute("data-wb-value")
        expect(details).to_contain_text(second, timeout=30_000)

        # (2) a click on a heatmap cell filters the register to that cell
        counts = session.matrix_counts("inherent")
        lik, imp = next(
            (lk, im) for im in range(5, 0, -1) for lk in range(5, 0, -1) if counts[im - 1][lk - 1]
        )
        in_cell = sorted(
            r["id"] for r in session.all_rows() if (r["likelihood"], r["impact"]) == (lik, imp)
        )
        _tabs(page).nth(1).click()
        drag = page.locator(".wb-risk-matrix .nsewdrag[data-subplot='xy']").first
        expect(drag).to_be_visible(timeout=30_000)
        drag.scroll_into_view_if_needed()
        box = drag.bounding_box()
        assert box is not None
        x = box["x"] + (lik - 0.5) / 5 * box["width"]
        y = box["y"] + (5.5 - imp) / 5 * box["height"]
        page.mouse.move(x, y)
        page.wait_for_timeout(300)
        page.mouse.click(x, y)
        expect(page.locator(".wb-cell-filter")).to_contain_text(
            f"likelihood {lik} × impact {imp}", timeout=30_000
        )
        expect(page.locator(".wb-page-label")).to_contain_text(
            re.compile(rf"(?<!\d){len(in_cell)} finding{'s' if len(in_cell) != 1 else ''}")
        )
        shown = page.locator(".wb-threat-table tr.wb-row")
        assert (
            sorted(shown.nth(i).get_attribute("data-wb-value") for i in range(shown.count()))
            == in_cell
        )
        selected = page.locator(".wb-threat-table tr.wb-selected").get_attribute("data-wb-value")
        assert selected in in_cell
        expect(details).to_contain_text(selected)
        screenshot(page, "lab-heatmap-click")
        page.locator(".wb-cell-filter button").click()
        expect(page.locator(".wb-cell-filter")).to_have_text("", timeout=30_000)

        # (3) the graph zooms with the scroll wheel and a double click fits it to the width again
        page.locator(".wb-root").first.evaluate("e => e.scrollIntoView()")
        graph = page.locator(".wb-graph .js-plotly-plot").first
        assert graph.evaluate("gd => gd._context.scrollZoom") is True
        fitted = graph.evaluate("gd => gd.layout.xaxis.range.slice()")
        area = graph.locator(".nsewdrag").first.bounding_box()
        assert area is not None
        page.mouse.move(area["x"] + area["width"] / 2, area["y"] + area["height"] / 2)
        page.mouse.wheel(0, -400)
        page.wait_for_function(
            "([gd, r]) => gd.layout.xaxis.range[1] - gd.layout.xaxis.range[0] < (r[1] - r[0]) * 0.95",
            arg=[graph.element_handle(), fitted],
            timeout=10_000,
        )
        screenshot(page, "lab-graph-zoomed")
        page.mouse.dblclick(area["x"] + 5, area["y"] + area["height"] - 5)
        page.wait_for_function(
            "([gd, r]) => Math.abs(gd.layout.xaxis.range[0] - r[0]) < 1e-6"
            " && Math.abs(gd.layout.xaxis.range[1] - r[1]) < 1e-6",
            arg=[graph.element_handle(), fitted],
            timeout=10_000,
        )

        # (4) a click on a flow shows the findings whose element is that flow
        from workbench.ui.graph import graph_data

        flow_ids = graph_data(session)["flow_hover"]["ids"]
        flow = session.model.flow(FLOW)
        pair = next(
            f.id
            for f in session.model.flows()
            if (f.source, f.target) == (flow.source, flow.target)
        )
        index = flow_ids.index(pair)
        page.locator(".wb-root").first.evaluate("e => e.scrollIntoView()")
        graph = page.locator(".wb-graph .js-plotly-plot").first
        dots = graph.locator(".scatterlayer .trace").nth(1).locator(".point")
        dot = dots.nth(index)
        box = dot.bounding_box()
        assert box is not None
        cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.move(cx, cy)
        page.wait_for_timeout(300)
        page.mouse.click(cx, cy)
        expect(details).to_contain_text(flow_finding, timeout=30_000)
        expect(page.locator(".wb-page-label")).to_contain_text(re.compile(r"(?<!\d)1 finding\b"))
        expect(page.locator(".wb-graph-bar")).to_contain_text("selected flow")
        screenshot(page, "lab-flow-click")
    except BaseException:
        print(
            page.evaluate(
                """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(gd => [gd.data && gd.data.length, gd.layout && gd.layout.width, gd.data && gd.data[4] && gd.data[4].x && gd.data[4].x.length])"""
            )
        )
        screenshot(page, "lab-layout-failure")
        raise
    finally:
        page.close()
