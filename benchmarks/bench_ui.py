"""Benchmark of the workbench UI on a large project: 200 components, about 2,000 findings.

Prints each median beside its limit with PASS or FAIL (no assertions): every
action handled within 150 ms, the first build within 1.5 s.

* building the workbench in a fresh Python process (imports included), and a
  warm build (a new Session and Workbench in a process that has built one);
* selecting a component (a click on the graph), a flow (a click on its dot), a
  register row, a risk matrix cell, filtering by band, changing a score (the
  scoring form's Apply) and recording a decision (the decision form's Record),
  each timed from the widget event until every view is redrawn;
* the graph drawn at a new width (the browser reports its area's width);
* a model edit (the component form's Save: the project is analysed again).

The rule library finds far fewer than 2,000 findings on a 200-component model,
so the benchmark adds manual findings (spread over the components) up to the
target; the numbers printed say how many came from each.

Run: ``python benchmarks/bench_ui.py [--components 200] [--findings 2000] [--repeat 5]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.synthetic import generate  # noqa: E402


def _clock() -> dt.datetime:
    return dt.datetime(2026, 5, 4, 9, 30, tzinfo=dt.UTC)


def make_project(folder: Path, components: int, findings: int, seed: int) -> tuple[int, int]:
    """Create the project; return (rule findings, manual findings added)."""
    from workbench.project import Project, manual_finding_id

    project = Project.create(folder, model=generate(components, seed), actor="bench", clock=_clock)
    found = len(project.state().rows)
    comps = [c.id for c in project.model.components()]
    techniques = [t.id for t in project.catalog.techniques()][:60]
    missing = max(0, findings - found)
    for i in range(missing):
        element = comps[i % len(comps)]
        title = f"Synthetic threat {i}"
        project.assessment.manual_findings.append(
            {
                "id": manual_finding_id(title, element),
                "element": element,
                "title": title,
                "reason": "added by the UI benchmark",
                "technique": techniques[i % len(techniques)],
                "likelihood": 1 + i % 5,
                "impact": 1 + (i // 5) % 5,
                "guidelines": [],
                "by": "bench",
                "at": _clock().isoformat(),
            }
        )
    project._changed()
    project.save()
    return found, missing


COLD = """
import time
t0 = time.perf_counter()
from workbench.session import Session
from workbench.ui import Workbench
t1 = time.perf_counter()
import plotly.graph_objects as go
go.FigureWidget()  # the first FigureWidget imports plotly's widget machinery
t2 = time.perf_counter()
s = Session.open({folder!r}, actor="bench")
wb = Workbench(s)
t3 = time.perf_counter()
print(f"{{t1 - t0:.3f}} {{t2 - t1:.3f}} {{t3 - t2:.3f}} {{len(s.all_rows())}}")
"""


def cold_build(folder: Path) -> tuple[float, float, float, int]:
    out = subprocess.run(
        [sys.executable, "-c", COLD.format(folder=str(folder))],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout.split()
    return float(out[0]), float(out[1]), float(out[2]), int(out[3])


def timed(action: object) -> float:
    t = time.perf_counter()
    action()  # type: ignore[operator]
    return (time.perf_counter() - t) * 1000


ACTION_TARGET_MS = 150
BUILD_TARGET_S = 1.5


RESULTS: list[tuple[str, bool]] = []


def verdict(name: str, value: float, limit: float) -> str:
    """PASS or FAIL (the median against its limit), remembered for the summary."""
    ok = value <= limit
    RESULTS.append((name, ok))
    return "PASS" if ok else "FAIL"


def report(name: str, times: list[float], target: float = ACTION_TARGET_MS) -> None:
    median = statistics.median(times)
    print(
        f"  {name:<30} median {median:7.1f} ms   limit {target:.0f} ms  "
        f"{verdict(name, median, target)}   (min {min(times):.1f}, max {max(times):.1f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--components", type=int, default=200)
    parser.add_argument("--findings", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "project"
        t = time.perf_counter()
        found, added = make_project(folder, args.components, args.findings, args.seed)
        print(
            f"project: {args.components} components, {found} findings from the rules, "
            f"{added} manual findings added ({found + added} in all); "
            f"made in {time.perf_counter() - t:.1f} s"
        )

        imports, widget, build, rows = cold_build(folder)
        print(
            f"first build (session + analysis + workbench, fresh process): {build:.2f} s   "
            f"limit {BUILD_TARGET_S} s  {verdict('first build', build, BUILD_TARGET_S)}   "
            f"(before it: imports {imports:.2f} s, plotly's widget machinery {widget:.2f} s, "
            f"once per kernel; {rows} rows)"
        )

        from plotly.callbacks import Points

        from workbench.session import Session
        from workbench.ui import Workbench
        from workbench.ui.graph import GraphView

        Workbench(Session.open(folder, actor="bench", clock=_clock))  # warm the imports
        builds = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            wb = Workbench(Session.open(folder, actor="bench", clock=_clock))
            builds.append(time.perf_counter() - t)
        warm = statistics.median(builds)
        print(
            f"warm build (new Session + Workbench): median {warm:.2f} s   limit "
            f"{BUILD_TARGET_S} s  {verdict('warm build', warm, BUILD_TARGET_S)}   "
            f"(min {min(builds):.2f} s)"
        )

        s = wb.session
        trace = wb.graph.fig.data[GraphView.NODE_TRACE]
        ids = list(wb.graph._ids)
        risk = s.node_risk()
        targets = [c for c in ids if c in risk][: args.repeat] or ids[: args.repeat]

        def click(cid: str) -> None:
            i = ids.index(cid)
            trace._dispatch_on_click(
                Points(point_inds=[i], xs=[0], ys=[0], trace_name=trace.name, trace_index=4),
                None,
            )

        print("actions (from the widget event until every view is redrawn):")
        report("select component (click)", [timed(lambda c=c: click(c)) for c in targets])
        report("show all", [timed(wb.graph.show_all.click) for _ in range(args.repeat)])
        flows = list(wb.graph._flow_ids)[: args.repeat]
        hover = wb.graph.fig.data[1]

        def click_flow(fid: str) -> None:
            i = wb.graph._flow_ids.index(fid)
            wb.graph.fig.data[1]._dispatch_on_click(
                Points(point_inds=[i], xs=[0], ys=[0], trace_name=hover.name, trace_index=1),
                None,
            )

        report("select a flow (click)", [timed(lambda f=f: click_flow(f)) for f in flows])
        wb.graph.show_all.click()
        row_ids = [r["id"] for r in s.page_rows()][: args.repeat]
        report(
            "open a register row (click)",
            [timed(lambda r=r: wb.table.table.click("finding", r)) for r in row_ids],
        )
        bands = s.matrix.band_names()
        report(
            "filter by band",
            [timed(lambda b=b: setattr(wb.table.band, "value", b)) for b in bands],
        )
        wb.table.band.value = ""
        wb.tabs.selected_index = 1
        report(
            "risk matrix cell (click)",
            [
                timed(lambda i=i: wb.risk_matrix.open_cell("inherent", 1 + i % 5, 5))
                for i in range(args.repeat)
            ],
        )
        wb.table.cell.click("clear-cell", "")
        widths = [900, 1200, 700, 1400, 1000][: args.repeat]
        report(
            "graph at a new width",
            [timed(lambda w=w: setattr(wb.graph.probe, "width", w)) for w in widths],
        )
        wb.tabs.selected_index = 0

        # where an action's time goes: the project's save, its re-analysis, the redraw
        spent = {"save": 0.0, "analysis": 0.0}

        def timing(name: str, fn: Any) -> Any:
            def wrapped(*a: Any, **k: Any) -> Any:
                t0 = time.perf_counter()
                try:
                    return fn(*a, **k)
                finally:
                    spent[name] += time.perf_counter() - t0

            return wrapped

        s.project.save = timing("save", s.project.save)
        s.project.state = timing("analysis", s.project.state)  # analysis and rows
        s.project._changed = timing("analysis", s.project._changed)  # rows patched after a change
        parts: dict[str, list[float]] = {"save": [], "analysis": [], "redraw": []}

        def split(total_ms: float) -> None:
            save, analysis = spent["save"] * 1000, spent["analysis"] * 1000
            parts["save"].append(save)
            parts["analysis"].append(analysis)
            parts["redraw"].append(total_ms - save - analysis)
            spent.update(save=0.0, analysis=0.0)

        panel = wb.finding
        scores, decisions = [], []
        for n, cid in enumerate(targets):
            click(cid)
            row = s.finding_row()
            assert row is not None
            panel.likelihood.value = 1 if row["likelihood"] != 1 else 2
            panel.override_reason.value = f"benchmark override {n}"
            spent.update(save=0.0, analysis=0.0)
            scores.append(timed(panel.apply.click))
            split(scores[-1])
            assert "wb-ok" in panel.score_message.value, panel.score_message.value
            panel.treatment.value = "mitigate"
            panel.rationale.value = f"benchmark decision {n}"
            panel.owner.value = "bench team"
            spent.update(save=0.0, analysis=0.0)
            decisions.append(timed(panel.record.click))
            split(decisions[-1])
            assert "wb-ok" in panel.decision_message.value, panel.decision_message.value
        report("change a score (Apply)", scores)
        report("record a decision (Record)", decisions)

        print("  where the time of those changes goes (medians):")
        for name, label in (
            ("save", "project save (YAML of model and assessment)"),
            ("analysis", "re-analysis and register rows"),
            ("redraw", "workbench redraw (every view)"),
        ):
            print(f"    {label:<46} {statistics.median(parts[name]):7.1f} ms")
        # a model edit re-analyses the project (the rules run again), then redraws
        form = wb.editor.components
        edits = []
        for n, cid in enumerate(targets):
            form.pick.value = cid
            form.description.value = f"edited by the benchmark ({n})"
            edits.append(timed(form.submit_save))
            assert "wb-ok" in form.message.value, form.message.value
        report("edit a component (Edit model)", edits)
        wb.tabs.selected_index = 3
        report("draw the coverage tab", [timed(wb.coverage.refresh) for _ in range(3)])
        report("draw the ATLAS matrix tab", [timed(wb.atlas.refresh) for _ in range(3)])
        report("draw the risk matrix tab", [timed(wb.risk_matrix.refresh) for _ in range(3)])
        failed = [name for name, ok in RESULTS if not ok]
        print(
            f"summary: {len(RESULTS) - len(failed)} of {len(RESULTS)} within their limits"
            + (f"; FAIL: {', '.join(failed)}" if failed else "")
        )


if __name__ == "__main__":
    main()
