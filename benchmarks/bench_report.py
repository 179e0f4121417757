"""Time to render the HTML report of a project, by project size.

The report must grow linearly with the project (target: a 5,000-component
project reports in seconds; for comparison, a peer tool's report took 52
seconds at 20 nodes). Projects are built from the synthetic generator in
``benchmarks/synthetic.py``; the project is saved as JSON-free YAML once, then
the report is rendered three times and the median printed.

Run: python benchmarks/bench_report.py [--sizes 100 1000 5000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.synthetic import generate
from workbench.export.report import render_html_report
from workbench.project import Project


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000])
    args = parser.parse_args()
    clock = lambda: dt.datetime(2026, 11, 25, tzinfo=dt.UTC)  # noqa: E731
    print(
        f"{'components':>10} {'findings':>9} {'analysis s':>11} {'report s':>9} {'KiB':>8} {'s per 1k comp':>14}"
    )
    for n in args.sizes:
        model = generate(n, seed=7)
        with tempfile.TemporaryDirectory() as tmp:
            project = Project.create(Path(tmp) / "p", model=model, actor="bench", clock=clock)
            t0 = time.perf_counter()
            state = project.state()
            analysis = time.perf_counter() - t0
            times = []
            html = ""
            for _ in range(3):
                t = time.perf_counter()
                html = render_html_report(project, generated_at="bench")
                times.append(time.perf_counter() - t)
            median = statistics.median(times)
            print(
                f"{n:>10} {len(state.rows):>9} {analysis:>11.2f} {median:>9.2f} {len(html) / 1024:>8.0f} {median / n * 1000:>14.3f}"
            )
    print("target: a 5,000-component project reports in seconds, time linear in size")


if __name__ == "__main__":
    main()
