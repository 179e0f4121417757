"""Interop benchmark: importing large Threat Dragon diagrams with boundary curves.

Run from the repository root (with the project installed)::

    python benchmarks/bench_interop.py                  # 100, 1,000 and 5,000 shapes
    python benchmarks/bench_interop.py --sizes 100,500

For each size it builds a synthetic Threat Dragon v2 document in memory: n shapes
on a grid, n flows between neighbours (one in ten stopping a few units short of
its target, so it snaps), one trust-boundary curve per 50 shapes (at least 3, at most 20:
real diagrams have a handful),
each with 4 vertices. It prints the median import time of ``--repeat`` runs (3)
beside the target, the zones found and the flows snapped, then the time of the
Threat Dragon export and re-import of the result.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from workbench.interop.threat_dragon import threat_dragon_from_data
from workbench.interop.threat_dragon_export import export_threat_dragon

#: Target: a 1,000-shape diagram imports in under 2 s on the reference machine.
TARGET_SECONDS = {100: 0.5, 1000: 2.0, 5000: 10.0}


def synthetic(n: int) -> dict[str, Any]:
    side = max(1, int(n**0.5))
    cells: list[dict[str, Any]] = []
    for i in range(n):
        x, y = (i % side) * 200, (i // side) * 150
        shape = "actor" if i % 25 == 0 else "store" if i % 5 == 0 else "process"
        kind = {"actor": "tm.Actor", "store": "tm.Store", "process": "tm.Process"}[shape]
        cells.append(
            {
                "id": f"s{i}",
                "shape": shape,
                "position": {"x": x, "y": y},
                "size": {"width": 100, "height": 60},
                "data": {"type": kind, "name": f"Shape {i}"},
            }
        )
    for i in range(n - 1):
        source: dict[str, Any] = {"cell": f"s{i}"}
        if i % 10 == 0:
            x, y = (i % side) * 200, (i // side) * 150
            source = {"x": x + 105, "y": y + 30}
        cells.append(
            {
                "id": f"f{i}",
                "shape": "flow",
                "source": source,
                "target": {"cell": f"s{i + 1}"},
                "data": {"type": "tm.Flow", "name": f"f{i}"},
            }
        )
    width, height = side * 200, (n // side + 1) * 150
    curves = max(3, min(20, n // 50))
    for c in range(curves):
        x = (c + 1) * width / (curves + 1)
        cells.append(
            {
                "id": f"c{c}",
                "shape": "trust-boundary-curve",
                "source": {"x": x, "y": -50},
                "target": {"x": x + 40, "y": height + 50},
                "vertices": [{"x": x + 10 * k, "y": height * k / 5} for k in range(1, 5)],
                "data": {"type": "tm.Boundary", "name": ""},
            }
        )
    return {
        "version": "2.3.0",
        "summary": {"title": f"Synthetic {n}"},
        "detail": {"diagrams": [{"title": "d", "cells": cells}]},
    }


def median_time(fn: Any, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,5000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(
        f"{'shapes':>7} {'import s':>9} {'target s':>9} {'zones':>6} {'snapped':>8} {'export+reimport s':>18}"
    )
    for n in (int(s) for s in args.sizes.split(",")):
        doc = synthetic(n)
        seconds = median_time(
            lambda doc=doc: threat_dragon_from_data(doc, "bench.json"), args.repeat
        )
        model, report = threat_dragon_from_data(doc, "bench.json")
        snapped = len([e for e in report.of("note") if e.what.endswith(" point")])
        start = time.perf_counter()
        threat_dragon_from_data(export_threat_dragon(model), "again.json")
        again = time.perf_counter() - start
        target = TARGET_SECONDS.get(n)
        shown = f"{target:9.1f}" if target else f"{'-':>9}"
        print(f"{n:>7} {seconds:9.3f} {shown} {len(model.zones()):>6} {snapped:>8} {again:18.3f}")


if __name__ == "__main__":
    main()
