"""Benchmark: loading the ATLAS catalog against a plain ``json.load`` of the same file.

Run with ``python benchmarks/bench_catalog.py [--runs N]``. It prints the median
time of N runs (after one warm-up) for the bundled catalog, and for the official
ATLAS bundle in ``../shared/upstream/atlas`` (or ``$WORKBENCH_SHARED_DIR``) when
present, next to ``json.load`` of the same file in the same process, and the
ratio. The target is a ratio of at most 10. Nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET_RATIO = 10.0


def median_ms(func: Callable[[], object], runs: int) -> float:
    func()  # warm-up: imports, file cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def plain_json(path: Path) -> object:
    with path.open("rb") as handle:
        return json.load(handle)


def bench(label: str, path: Path, load: Callable[[], object], runs: int) -> float:
    baseline = median_ms(lambda: plain_json(path), runs)
    loading = median_ms(load, runs)
    ratio = loading / baseline
    verdict = "ok" if ratio <= TARGET_RATIO else "SLOWER THAN TARGET"
    size = path.stat().st_size / 1024
    print(f"{label}: {path} ({size:.0f} KiB)")
    print(f"  json.load       {baseline:8.2f} ms")
    print(f"  load_catalog    {loading:8.2f} ms")
    print(f"  ratio           {ratio:8.2f} x   (target <= {TARGET_RATIO:.0f} x: {verdict})")
    return ratio


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=25, help="timed runs per measurement")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO))
    from workbench.catalog import bundled_catalog_path, load_catalog

    print(f"Python {sys.version.split()[0]}, median of {args.runs} runs after one warm-up")
    bundled = bundled_catalog_path()
    bench("bundled catalog", bundled, lambda: load_catalog(), args.runs)

    shared = os.environ.get("WORKBENCH_SHARED_DIR")
    official = (
        Path(shared) if shared else REPO.parent / "shared"
    ) / "upstream/atlas/stix-atlas.json"
    if official.is_file():
        bench("official bundle", official, lambda: load_catalog(official), args.runs)
    else:
        print(f"official bundle: {official} is absent, skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
