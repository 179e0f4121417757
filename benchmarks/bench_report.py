"""Time and size of the report, by number of findings (target: linear in the project's size).

For each size a synthetic project (``benchmarks/synthetic.py``) is grown until its
analysis gives about that many findings; one chosen mitigation, one decision and one
score override are recorded on every tenth finding so that every section of the report
has content. The analysis runs once (it is timed apart); then the report context is
built and rendered to HTML and to Markdown three times each and the medians printed,
with the output sizes and the time per finding. With ``--pdf`` the HTML is also printed
to PDF once by the headless Chromium (when one is installed).

Run: python benchmarks/bench_report.py [--findings 10 200 2000] [--pdf]

Target: time per finding roughly constant from 200 to 2,000 findings (linear), and a
2,000-finding report in a few seconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.synthetic import generate
from workbench.export.report import (
    build_report_context,
    find_chromium,
    html_to_pdf,
    render_report,
)
from workbench.project import Project

STAMP = "2026-11-25T00:00:00+00:00"


def _clock() -> dt.datetime:
    return dt.datetime(2026, 11, 25, tzinfo=dt.UTC)


def _project(folder: Path, findings: int) -> tuple[Project, int]:
    """A project whose analysis gives about *findings* findings, and its component count."""
    n = max(findings, 4)
    for _ in range(4):
        project = Project.create(
            folder / f"p{n}", model=generate(n, seed=7), actor="bench", clock=_clock
        )
        got = len(project.state().rows)
        if abs(got - findings) <= max(2, findings // 20):
            break
        n = max(4, round(n * findings / max(got, 1)))
    rows = project.state().rows
    for r in rows[::10]:
        project.assessment.overrides[r["id"]] = {
            "likelihood": 2,
            "reason": "benchmark override",
            "by": "bench",
            "at": STAMP,
        }
    project.save()
    for i, r in enumerate(rows[::10]):
        if r["technique"] and r["technique"] in project.catalog:
            mitigations = project.catalog.mitigations_for(r["technique"], include_parent=True)
            if mitigations:
                project.choose_mitigation(r["id"], mitigations[0].id, owner="Team")
        if i % 2 == 0:
            project.decide(r["id"], "mitigate", "benchmark decision", owner="Owner")
    return project, len(project.model.components())


def _median(fn: Any, repeat: int = 3) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--findings", type=int, nargs="+", default=[10, 200, 2000])
    parser.add_argument("--pdf", action="store_true", help="also print the HTML to PDF once")
    args = parser.parse_args()
    browser = find_chromium() if args.pdf else None
    header = (
        f"{'findings':>8} {'components':>10} {'analysis s':>10} {'context s':>9} "
        f"{'html s':>7} {'md s':>6} {'html KiB':>8} {'md KiB':>7} {'ms/finding':>10}"
    )
    if browser:
        header += f" {'pdf s':>6} {'pdf KiB':>8}"
    print(header)
    with tempfile.TemporaryDirectory() as tmp:
        for target in args.findings:
            project, components = _project(Path(tmp), target)
            project._state = None
            project._analysis = None
            t = time.perf_counter()
            project.state()
            analysis = time.perf_counter() - t
            ctx_s, ctx = _median(
                lambda p=project: build_report_context(p, generated_at=STAMP, commit="")
            )
            html_s, html = _median(lambda c=ctx: render_report(c, "html"))
            md_s, md = _median(lambda c=ctx: render_report(c, "markdown"))
            findings = ctx.finding_count
            total = ctx_s + html_s
            line = (
                f"{findings:>8} {components:>10} {analysis:>10.2f} {ctx_s:>9.2f} {html_s:>7.2f} "
                f"{md_s:>6.2f} {len(html.encode()) / 1024:>8.0f} {len(md.encode()) / 1024:>7.0f} "
                f"{total / max(findings, 1) * 1000:>10.2f}"
            )
            if browser:
                t = time.perf_counter()
                pdf = html_to_pdf(html, browser=browser, timeout=600)
                line += f" {time.perf_counter() - t:>6.1f} {len(pdf) / 1024:>8.0f}"
            print(line, flush=True)
    print(
        "target: ms/finding roughly constant (linear in size); a 2,000-finding report "
        "(context + HTML) in a few seconds"
    )


if __name__ == "__main__":
    main()
