"""The workshop participant dashboard in standalone Voila, driven in headless Chromium.

Starts ``python -m voila notebooks/04-workshop-participant.ipynb`` as ``workbench
dashboard`` does (standalone: it
runs only that notebook and refuses code from the browser; the dashboard is never
served through a JupyterLab server, whose token would let a participant open the Lab
and run code) with its own ``JUPYTER_*`` folders, on a free loopback port, against a
project in a temporary folder. Then, in Debian's Chromium through Playwright: the
widgets and the plotly FigureWidget render, no code is shown, a participant types
their name and scores one finding through the widgets, and their ratings file
appears on disk. A screenshot goes to ``test-artifacts/voila-participant.png``.

Skipped when Chromium, Playwright or Voila is missing, except with ``CI=true``:
there that is a failure. Marker ``browser``.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .layout_checks import layout_problems, screenshot

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "04-workshop-participant.ipynb"
PARTICIPANT = "Vera Voila"
PHONE = (390, 844)  # a participant's phone


@pytest.fixture(scope="module")
def sync_api(playwright_api: Any) -> Any:
    """Playwright and Chromium (from conftest, which fails instead of skipping in CI), and Voila."""
    try:
        import voila  # noqa: F401
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("the Voila browser test cannot run in CI: voila is not installed")
        pytest.skip("voila is not installed")
    return playwright_api


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def dashboard(sync_api: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Standalone Voila serving a copy of the participant notebook for a fresh project."""
    from workbench.project import Project

    base = tmp_path_factory.mktemp("voila")
    notebooks = base / "notebooks"
    notebooks.mkdir()
    shutil.copy2(NOTEBOOK, notebooks / NOTEBOOK.name)
    project = base / "workshop"
    Project.create(project, template="support-assistant", actor="Facilitator")
    home = base / "home"
    port = _free_port()
    env = dict(
        os.environ,
        WORKBENCH_PROJECT=str(project),
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_DATA_DIR=str(home / "data"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        JUPYTER_PLATFORM_DIRS="1",
        IPYTHONDIR=str(home / "ipython"),
    )
    env.pop("WORKBENCH_SCORE_FROM", None)
    from workbench.commands.lab import dashboard_command

    cmd = dashboard_command(notebooks / NOTEBOOK.name, port=port, open_browser=False)
    log_path = base / "voila.log"
    with open(log_path, "w") as log:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, cwd=notebooks, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.time() + 90
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1):
                        break
                except OSError:
                    if proc.poll() is not None or time.time() > deadline:
                        raise RuntimeError(
                            "Voila did not start:\n" + log_path.read_text()
                        ) from None
                    time.sleep(0.25)
            listening = time.perf_counter() - started
            print(f"dashboard timing: Voila listening after {listening:.1f} s")
            yield {"url": f"http://127.0.0.1:{port}", "project": project, "log": log_path}
        finally:
            proc.send_signal(signal.SIGTERM)  # Voila shuts its kernels down
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


@pytest.fixture(scope="module")
def page(sync_api: Any, browser: Any) -> Any:
    """A page in the shared Chromium context of tests/browser/conftest.py, phone-sized."""
    page = browser.new_page()
    page.set_viewport_size({"width": PHONE[0], "height": PHONE[1]})
    return page


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def test_standalone_voila_serves_no_lab_and_no_contents(dashboard: dict[str, Any]) -> None:
    for path in ("/lab", "/tree", "/api/contents"):
        assert _status(dashboard["url"] + path) in (403, 404, 405), path


def test_participant_scores_a_finding_in_voila(
    dashboard: dict[str, Any], page: Any, sync_api: Any
) -> None:
    expect = sync_api.expect
    t0 = time.perf_counter()
    page.goto(dashboard["url"] + "/", timeout=180_000)  # the first GET runs the notebook
    t1 = time.perf_counter()
    root = page.locator(".wb-participant")
    expect(root).to_be_visible(timeout=180_000)
    t2 = time.perf_counter()
    # (i) widgets render and no code is shown
    assert page.locator(".jupyter-widgets").count() > 10
    expect(page.locator(".widget-dropdown select")).to_be_visible()
    assert page.locator(".jp-CodeCell .jp-InputArea").count() == 0
    assert page.locator(".cm-editor, .CodeMirror").count() == 0
    # (ii) the plotly FigureWidget (an anywidget view, not the static mime renderer)
    figure = page.locator(".js-plotly-plot:not(.jp-RenderedPlotly)")
    expect(figure).to_have_count(1, timeout=60_000)
    expect(figure.locator(".gtitle")).to_have_text("My scores on the risk matrix", timeout=60_000)
    expect(figure.locator(".scatterlayer .point")).to_have_count(0)
    t3 = time.perf_counter()
    # where the first load goes (printed, not asserted: see benchmarks/bench_dashboard.py
    # for the kernel's part, imports against our code)
    print(
        f"dashboard timing: page served (kernel started, notebook run) {t1 - t0:.1f} s; "
        f"widgets drawn {t2 - t1:.1f} s later; the figure {t3 - t2:.1f} s after that; "
        f"first load {t3 - t0:.1f} s in all"
    )
    # (iii) a participant: name, likelihood and impact by their words, save
    name = page.locator(".wb-p-name input")
    name.fill(PARTICIPANT)
    name.press("Enter")
    expect(page.locator(".wb-p-progress")).to_contain_text(
        re.compile(rf"{PARTICIPANT}: 0 of \d+ findings scored"), timeout=30_000
    )
    # (iv) on a 390 px phone: nothing clipped or off-screen, no sideways scroll
    page.wait_for_timeout(500)
    problems = layout_problems(page, ".wb-participant")
    screenshot(page, "dashboard-390")
    assert not problems, "\n".join(problems)
    for label in ("Previous", "Next"):
        box = page.locator(".wb-participant button", has_text=label).first.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE[0], label
    first = page.locator(".widget-dropdown select").first.input_value()
    page.locator(".wb-p-likelihood button", has_text="4 likely").click()
    page.locator(".wb-p-impact button", has_text="3 moderate").click()
    page.locator(".wb-p-save").click()
    # the message names the finding saved: the dashboard has moved on to the next one
    expect(page.locator(".wb-p-status")).to_contain_text(
        "Saved finding 1: likelihood 4, impact 3", timeout=30_000
    )
    assert page.locator(".widget-dropdown select").first.input_value() != first
    expect(page.locator(".wb-p-progress")).to_contain_text(f"{PARTICIPANT}: 1 of", timeout=30_000)
    expect(figure.locator(".scatterlayer .point")).to_have_count(1, timeout=30_000)
    # likelihood across, impact up: the workbench's orientation
    xy = figure.evaluate("gd => [gd.data[1].x[0], gd.data[1].y[0], gd.layout.xaxis.title.text]")
    assert xy == [4, 3, "likelihood"], xy
    screenshot(page, "dashboard-390-saved")
    page.locator(".wb-participant button", has_text="Next").first.click()
    expect(page.locator(".wb-p-status")).to_have_text("", timeout=30_000)  # no message lingers
    expect(page.locator(".wb-p-download a")).to_have_text("Download my ratings file")
    # the participant's own ratings file is on disk
    ratings = dashboard["project"] / "ratings" / "vera-voila.yaml"
    deadline = time.time() + 10
    while not ratings.exists() and time.time() < deadline:
        time.sleep(0.2)
    text = ratings.read_text(encoding="utf-8")
    assert f"participant: {PARTICIPANT}" in text
    assert "likelihood: 4" in text and "impact: 3" in text
    from workbench import workshop
    from workbench.project import Project

    project = Project.open(dashboard["project"])
    merged = workshop.merge_ratings(project)
    assert [m.participants for m in merged] == [[PARTICIPANT]]
    row = project.register().row(merged[0].finding)  # the finding shown first in the dropdown
    assert first == f"1. {row['title']} ({row['element_name']})"
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    page.screenshot(path=str(artifacts / "voila-participant.png"), full_page=True)


def test_a_second_browser_cannot_take_a_claimed_name(
    dashboard: dict[str, Any], page: Any, browser: Any, sync_api: Any
) -> None:
    """Another dashboard page (its own kernel) asking for a held name is refused; released, it works."""
    expect = sync_api.expect
    from workbench import workshop

    page.goto(dashboard["url"] + "/", timeout=180_000)
    expect(page.locator(".wb-participant")).to_be_visible(timeout=180_000)
    page.locator(".wb-p-name input").fill("Walt Wide")
    page.locator(".wb-p-name input").press("Enter")
    expect(page.locator(".wb-p-progress")).to_contain_text("Walt Wide: 0 of", timeout=30_000)
    page.locator(".wb-p-likelihood button", has_text="2 unlikely").click()
    page.locator(".wb-p-impact button", has_text="2 minor").click()
    page.locator(".wb-p-save").click()
    expect(page.locator(".wb-p-status")).to_contain_text("Saved finding 1: likelihood 2, impact 2",
                                                         timeout=30_000)
    ratings = dashboard["project"] / "ratings" / "walt-wide.yaml"
    before = ratings.read_bytes()
    other = browser.new_page()
    try:
        other.goto(dashboard["url"] + "/", timeout=180_000)
        expect(other.locator(".wb-participant")).to_be_visible(timeout=180_000)
        other.locator(".wb-p-name input").fill("Walt Wide")
        other.locator(".wb-p-name input").press("Enter")
        expect(other.locator(".wb-p-progress")).to_contain_text(
            "taken by another browser", timeout=30_000
        )
        other.locator(".wb-p-likelihood button", has_text="5 almost certain").click()
        other.locator(".wb-p-impact button", has_text="5 severe").click()
        other.locator(".wb-p-save").click()
        expect(other.locator(".wb-p-status")).to_contain_text("held by another browser",
                                                              timeout=30_000)
        assert ratings.read_bytes() == before  # nothing overwritten
        # the facilitator releases the name: the second browser may take it now
        assert workshop.release_claim(dashboard["project"], "Walt Wide")
        other.locator(".wb-p-name input").fill("")
        other.locator(".wb-p-name input").press("Enter")
        other.locator(".wb-p-name input").fill("Walt Wide")
        other.locator(".wb-p-name input").press("Enter")
        expect(other.locator(".wb-p-progress")).to_contain_text("Walt Wide: 1 of", timeout=30_000)
    finally:
        other.close()
