"""Analysis benchmark: time, memory and findings on synthetic AI systems and the templates.

Run from the repository root (with the project installed, e.g. in .venv)::

    python benchmarks/bench_analysis.py                     # 100, 1,000, 10,000, 30,000
    python benchmarks/bench_analysis.py --sizes 100,1000    # a quicker run
    python benchmarks/bench_analysis.py --rules my-rules/   # bundled rules plus a folder

For each size it generates a synthetic system (``benchmarks/synthetic.py``:
n components, 3n flows), then measures on that already loaded model:

* analysis time: :func:`workbench.rules.analyze` with attack paths, median of
  ``--repeat`` runs (3), each on a fresh copy of the model so that no derived
  view is cached from an earlier run;
* peak memory of one more analysis under :mod:`tracemalloc`;
* findings, attack paths (and how many the path limits left out), findings per
  component;
* the threat register CSV: ``ThreatRegister.from_result(...).to_csv(path)``,
  median of ``--repeat`` runs.

Then the five templates: findings and findings per component. Targets are
printed beside the numbers (see benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import itertools
import json
import math
import os
import platform
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.synthetic import generate  # noqa: E402
from workbench.catalog import load_catalog  # noqa: E402
from workbench.model import SystemModel, load_template, template_names  # noqa: E402
from workbench.register import ThreatRegister  # noqa: E402
from workbench.risk.matrix import load_matrix  # noqa: E402
from workbench.rules import AnalysisResult, PathLimits, RuleSet, analyze, load_rules  # noqa: E402

DEFAULT_SIZES = (100, 1_000, 10_000, 30_000)

# Targets (benchmarks/README.md).
TARGET_SIZE = 10_000
TARGET_ANALYSIS_S = 2.0  # 10,000 components, 30,000 flows, attack paths included
TARGET_CSV_S = 1.0  # register CSV at 10,000 components
TARGET_GROWTH_PER_10X = 12.0  # "close to linear": at most 12x time or memory per 10x size
LARGE_SIZE = 100_000
TARGET_LARGE_S = 8.0  # 100,000 components, 300,000 flows, attack paths included
TARGET_LARGE_MIB = 300.0  # peak traced memory of that analysis
FINDINGS_BUDGET = 8.0  # findings per component on realistic systems (docs/knowledge/concepts.md#findings)


@dataclass
class Engine:
    """What analysis needs besides the model, loaded once."""

    catalog: Any
    rules: RuleSet
    matrix: Any
    limits: PathLimits = field(default_factory=PathLimits)

    def run(self, model: SystemModel) -> AnalysisResult:
        return analyze(
            model, catalog=self.catalog, rules=self.rules, matrix=self.matrix, limits=self.limits
        )


def load_engine(rule_dirs: list[str] | None = None, *, bundled: bool = True) -> Engine:
    catalog = load_catalog()
    rules = load_rules(rule_dirs or [], catalog=catalog, include_bundled=bundled)
    return Engine(catalog, rules, load_matrix())


class GcTimer:
    """Total time the garbage collector paused the program while active."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._start = 0.0

    def _callback(self, phase: str, _info: dict[str, Any]) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._start

    def __enter__(self) -> GcTimer:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._callback)


@dataclass
class Timing:
    """Wall-clock and CPU times of repeated runs; the value of the last run."""

    wall: list[float]
    cpu: list[float]
    gc: list[float]
    value: Any = None

    @property
    def median(self) -> float:
        return statistics.median(self.wall)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)

    @property
    def gc_of_median(self) -> float:
        """Garbage-collection pauses during the median run."""
        order = sorted(range(len(self.wall)), key=self.wall.__getitem__)
        return self.gc[order[(len(order) - 1) // 2]]


def median_time(fn: Callable[[], Any], repeat: int) -> Timing:
    """Time *repeat* calls of *fn* (wall clock, process CPU time, GC pauses)."""
    timing = Timing([], [], [])
    for _ in range(repeat):
        gc.collect()
        with GcTimer() as timer:
            cpu = time.process_time()
            start = time.perf_counter()
            timing.value = fn()
            timing.wall.append(time.perf_counter() - start)
            timing.cpu.append(time.process_time() - cpu)
        timing.gc.append(timer.seconds)
    return timing


def time_analysis(model: SystemModel, engine: Engine, repeat: int = 3) -> Timing:
    """Analysis times on fresh copies of an already loaded model; ``value`` is the result."""
    copies = [model.copy() for _ in range(repeat)]
    it = iter(copies)
    return median_time(lambda: engine.run(next(it)), repeat)


def peak_memory(model: SystemModel, engine: Engine) -> int:
    """Peak bytes allocated by one analysis (tracemalloc), the model itself excluded."""
    fresh = model.copy()
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        engine.run(fresh)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def time_csv(
    result: AnalysisResult, model: SystemModel, engine: Engine, folder: Path, repeat: int = 3
) -> tuple[Timing, int]:
    """Times to build the register and write its CSV; the file size in bytes."""
    path = folder / f"{model.id}.csv"

    def write() -> Path:
        return ThreatRegister.from_result(result, model=model, catalog=engine.catalog).to_csv(path)

    return median_time(write, repeat), path.stat().st_size


def per_10x(n1: int, v1: float, n2: int, v2: float) -> float | None:
    """Growth factor of *v* per tenfold size, from two measurements (10.0 is linear)."""
    if v1 <= 0 or v2 <= 0 or n2 == n1:
        return None
    return (v2 / v1) ** (1.0 / math.log10(n2 / n1))


@dataclass
class SizeRow:
    components: int
    flows: int
    generate_s: float
    analysis_s: float
    analysis_runs: list[float]
    analysis_cpu_s: float
    gc_s: float
    peak_mib: float
    findings: int
    findings_per_component: float
    component_findings: int
    flow_findings: int
    attack_paths: int
    paths_left_out: int
    rule_errors: int
    csv_s: float
    csv_cpu_s: float
    csv_mib: float
    time_per_10x: float | None = None  # CPU time
    wall_per_10x: float | None = None
    memory_per_10x: float | None = None

    def judged(self, clock: str) -> tuple[float, float]:
        """(analysis, CSV) seconds on the clock targets are judged by."""
        if clock == "wall":
            return self.analysis_s, self.csv_s
        return self.analysis_cpu_s, self.csv_cpu_s


def bench_size(n: int, engine: Engine, *, seed: int, repeat: int, folder: Path) -> SizeRow:
    start = time.perf_counter()
    model = generate(n, seed=seed)
    gen_s = time.perf_counter() - start
    timing = time_analysis(model, engine, repeat)
    result: AnalysisResult = timing.value
    peak = peak_memory(model, engine)
    csv, csv_bytes = time_csv(result, model, engine, folder, repeat)
    on_flows = sum(1 for f in result.findings if f.element_type == "flow")
    return SizeRow(
        components=len(model),
        flows=len(model.flows()),
        generate_s=gen_s,
        analysis_s=timing.median,
        analysis_runs=timing.wall,
        analysis_cpu_s=timing.cpu_median,
        gc_s=timing.gc_of_median,
        peak_mib=peak / 2**20,
        findings=len(result.findings),
        findings_per_component=len(result.findings) / len(model),
        component_findings=len(result.findings) - on_flows,
        flow_findings=on_flows,
        attack_paths=len(result.attack_paths),
        paths_left_out=result.paths_left_out,
        rule_errors=len(result.errors),
        csv_s=csv.median,
        csv_cpu_s=csv.cpu_median,
        csv_mib=csv_bytes / 2**20,
    )


@dataclass
class TemplateRow:
    template: str
    components: int
    flows: int
    findings: int
    findings_per_component: float
    attack_paths: int
    analysis_s: float


def bench_templates(engine: Engine, repeat: int) -> list[TemplateRow]:
    rows = []
    for name in template_names():
        model = load_template(name)
        timing = time_analysis(model, engine, repeat)
        result = timing.value
        rows.append(
            TemplateRow(
                name,
                len(model),
                len(model.flows()),
                len(result.findings),
                len(result.findings) / len(model),
                len(result.attack_paths),
                timing.median,
            )
        )
    return rows


# -- printing -----------------------------------------------------------------------


def _ok(passed: bool | None) -> str:
    return "info" if passed is None else "PASS" if passed else "FAIL"


def _fmt_ratio(value: float | None) -> str:
    return f"{value:.1f}x" if value is not None else "-"


def environment(engine: Engine) -> dict[str, Any]:
    return {
        "date": dt.date.today().isoformat(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "rules": len(engine.rules.rules),
        "rules_digest": engine.rules.digest[:12],
        "atlas": engine.catalog.atlas_version,
    }


def print_environment(env: dict[str, Any]) -> None:
    print(
        f"# Analysis benchmark, {env['date']}: Python {env['python']} on {env['platform']}, "
        f"{env['cpus']} CPUs"
    )
    print(f"# {env['rules']} rules (digest {env['rules_digest']}), ATLAS {env['atlas']}")
    if env["rules"] < 10:
        print(
            "# NOTE: fewer than 10 rules loaded: finding counts and analysis time are not yet "
            "representative of the full rule library."
        )


def print_sizes(rows: list[SizeRow], repeat: int) -> None:
    print()
    print(
        f"## Synthetic systems (analysis incl. attack paths: wall clock and process CPU time, "
        f"median of {repeat}; gc = garbage-collector pauses in it; /10x = CPU time and memory "
        f"growth per tenfold size; peak memory by tracemalloc)"
    )
    header = (
        f"{'components':>10} {'flows':>7} {'generate':>9} {'analysis':>9} {'cpu':>7} "
        f"{'(gc)':>6} "
        f"{'/10x':>6} {'peak MiB':>9} {'/10x':>6} {'findings':>9} {'/comp':>6} {'on flows':>8} "
        f"{'paths':>6} {'left out':>8} {'CSV':>7} {'cpu':>7} {'CSV MiB':>8}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r.components:>10,} {r.flows:>7,} {r.generate_s:>8.2f}s {r.analysis_s:>8.3f}s "
            f"{r.analysis_cpu_s:>6.3f}s {r.gc_s:>5.2f}s {_fmt_ratio(r.time_per_10x):>6} {r.peak_mib:>9.1f} "
            f"{_fmt_ratio(r.memory_per_10x):>6} "
            f"{r.findings:>9,} {r.findings_per_component:>6.2f} {r.flow_findings:>8,} "
            f"{r.attack_paths:>6,} {r.paths_left_out:>8,} {r.csv_s:>6.3f}s {r.csv_cpu_s:>6.3f}s {r.csv_mib:>8.1f}"
        )
    errors = sum(r.rule_errors for r in rows)
    if errors:
        print(f"!! {errors} rule failures during analysis (see the register's rule_error rows)")


def _growth(rows: list[SizeRow], n1: int, n2: int, clock: str) -> tuple[float, float] | None:
    """Time growth per 10x from *n1* to *n2* components: (judged clock, the other clock)."""
    a = next((r for r in rows if r.components == n1), None)
    b = next((r for r in rows if r.components == n2), None)
    if a is None or b is None:
        return None
    cpu = per_10x(n1, a.analysis_cpu_s, n2, b.analysis_cpu_s)
    wall = per_10x(n1, a.analysis_s, n2, b.analysis_s)
    if cpu is None or wall is None:
        return None
    return (cpu, wall) if clock == "cpu" else (wall, cpu)


def target_checks(rows: list[SizeRow], clock: str = "cpu") -> list[tuple[str, bool | None]]:
    """Each target beside its figure: (text, passed); passed is None for figures shown only."""
    checks: list[tuple[str, bool | None]] = []
    other_clock = "wall" if clock == "cpu" else "cpu"
    at = next((r for r in rows if r.components == TARGET_SIZE), None)
    if at is not None:
        analysis, csv = at.judged(clock)
        analysis_other, csv_other = at.judged(other_clock)
        checks.append(
            (
                f"analysis of {at.components:,} components + {at.flows:,} flows incl. attack paths: "
                f"{analysis:.3f} s ({analysis_other:.3f} s), limit < {TARGET_ANALYSIS_S:.0f} s",
                analysis < TARGET_ANALYSIS_S,
            )
        )
        checks.append(
            (
                f"register CSV at {at.components:,} components: {csv:.3f} s ({csv_other:.3f} s; "
                f"{at.findings:,} rows), limit < {TARGET_CSV_S:.0f} s",
                csv < TARGET_CSV_S,
            )
        )
    large = next((r for r in rows if r.components == LARGE_SIZE), None)
    if large is not None:
        analysis, _csv = large.judged(clock)
        analysis_other, _csv = large.judged(other_clock)
        checks.append(
            (
                f"analysis of {large.components:,} components + {large.flows:,} flows incl. "
                f"attack paths: {analysis:.3f} s ({analysis_other:.3f} s), limit < "
                f"{TARGET_LARGE_S:.0f} s",
                analysis < TARGET_LARGE_S,
            )
        )
        checks.append(
            (
                f"peak traced memory of the analysis at {large.components:,} components: "
                f"{large.peak_mib:.1f} MiB, limit <= {TARGET_LARGE_MIB:.0f} MiB",
                large.peak_mib <= TARGET_LARGE_MIB,
            )
        )
    judged = _growth(rows, TARGET_SIZE, LARGE_SIZE, clock)
    if judged is not None:
        checks.append(
            (
                f"time growth {TARGET_SIZE:,} -> {LARGE_SIZE:,} components: {judged[0]:.1f}x "
                f"per 10x size ({judged[1]:.1f}x), limit <= {TARGET_GROWTH_PER_10X:.0f}x "
                "(linear = 10x)",
                judged[0] <= TARGET_GROWTH_PER_10X,
            )
        )
    for prev, r in itertools.pairwise(rows):
        pair = (prev.components, r.components)
        growth = _growth(rows, *pair, clock)
        if growth is not None and pair != (TARGET_SIZE, LARGE_SIZE):
            checks.append(
                (
                    f"time growth {pair[0]:,} -> {pair[1]:,} components: {growth[0]:.1f}x per "
                    f"10x size ({growth[1]:.1f}x)",
                    None,
                )
            )
        if r.memory_per_10x is not None:
            checks.append(
                (
                    f"memory growth {pair[0]:,} -> {pair[1]:,} components: "
                    f"{r.memory_per_10x:.1f}x per 10x size, limit <= "
                    f"{TARGET_GROWTH_PER_10X:.0f}x",
                    r.memory_per_10x <= TARGET_GROWTH_PER_10X,
                )
            )
    return checks


def print_targets(rows: list[SizeRow], clock: str = "cpu") -> list[tuple[str, bool | None]]:
    print()
    other = "wall clock" if clock == "cpu" else "CPU"
    print(
        f"## Targets (judged on {'process CPU time' if clock == 'cpu' else 'wall clock'}; "
        f"{other} in brackets)"
    )
    checks = target_checks(rows, clock)
    if not any(r.components in (TARGET_SIZE, LARGE_SIZE) for r in rows):
        print(f"(sizes {TARGET_SIZE:,} and {LARGE_SIZE:,} not measured: no time target checks)")
    for text, passed in checks:
        print(f"[{_ok(passed)}] {text}")
    return checks


def print_templates(rows: list[TemplateRow]) -> tuple[str, bool | None]:
    print()
    print("## Templates")
    header = (
        f"{'template':<22} {'components':>10} {'flows':>6} {'findings':>9} {'/comp':>6} "
        f"{'paths':>6} {'analysis':>9}"
    )
    print(header)
    print("-" * len(header))
    for t in rows:
        print(
            f"{t.template:<22} {t.components:>10} {t.flows:>6} {t.findings:>9} "
            f"{t.findings_per_component:>6.2f} {t.attack_paths:>6} {t.analysis_s * 1000:>7.1f}ms"
        )
    mean = statistics.mean(t.findings_per_component for t in rows) if rows else 0.0
    pooled = (sum(t.findings for t in rows) / sum(t.components for t in rows)) if rows else 0.0
    print(f"{'average':<22} {'':>10} {'':>6} {'':>9} {mean:>6.2f}   (pooled: {pooled:.2f})")
    check: tuple[str, bool | None] = (
        f"templates: {mean:.2f} findings per component on average, budget <= {FINDINGS_BUDGET:.0f}",
        mean <= FINDINGS_BUDGET,
    )
    print(f"[{_ok(check[1])}] {check[0]}")
    return check


def parse_sizes(text: str) -> list[int]:
    try:
        sizes = sorted({int(s.replace("_", "").replace(",", "")) for s in text.split(",") if s})
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes like 100,1000: {text!r}") from None
    if not sizes or sizes[0] < 1:
        raise argparse.ArgumentTypeError("sizes must be positive")
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        type=lambda s: s,
        default=",".join(map(str, DEFAULT_SIZES)),
        help="comma-separated component counts (default: 100,1000,10000,30000)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic systems")
    parser.add_argument(
        "--rules",
        action="append",
        default=[],
        metavar="DIR",
        help="extra rule folder or file (repeatable), besides the bundled rules",
    )
    parser.add_argument(
        "--no-bundled-rules", action="store_true", help="use only the --rules folders"
    )
    parser.add_argument("--no-templates", action="store_true", help="skip the templates")
    parser.add_argument(
        "--judge",
        choices=("cpu", "wall"),
        default="cpu",
        help="clock the time targets are judged by: process CPU time (default; close to wall "
        "clock on an idle machine, steadier on a shared one) or wall clock",
    )
    parser.add_argument("--json", metavar="PATH", help="also write the numbers as JSON")
    args = parser.parse_args(argv)
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(line_buffering=True)
    try:
        sizes = parse_sizes(args.sizes)
    except argparse.ArgumentTypeError as exc:
        parser.error(str(exc))
    engine = load_engine(args.rules, bundled=not args.no_bundled_rules)
    env = environment(engine)
    print_environment(env)
    rows: list[SizeRow] = []
    with tempfile.TemporaryDirectory(prefix="wb-bench-") as tmp:
        for n in sizes:
            row = bench_size(n, engine, seed=args.seed, repeat=args.repeat, folder=Path(tmp))
            if rows:
                prev = rows[-1]
                row.time_per_10x = per_10x(
                    prev.components, prev.analysis_cpu_s, row.components, row.analysis_cpu_s
                )
                row.wall_per_10x = per_10x(
                    prev.components, prev.analysis_s, row.components, row.analysis_s
                )
                row.memory_per_10x = per_10x(
                    prev.components, prev.peak_mib, row.components, row.peak_mib
                )
            rows.append(row)
            print(
                f"... {n:,} components: analysis {row.analysis_s:.3f} s",
                file=sys.stderr,
                flush=True,
            )
    print_sizes(rows, args.repeat)
    checks = print_targets(rows, args.judge)
    templates: list[TemplateRow] = []
    if not args.no_templates:
        templates = bench_templates(engine, args.repeat)
        checks.append(print_templates(templates))
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "environment": env,
                    "sizes": [asdict(r) for r in rows],
                    "templates": [asdict(t) for t in templates],
                    "targets": [{"check": text, "passed": ok} for text, ok in checks],
                },
                indent=2,
            ),
            encoding="utf-8",
        )
    failed = sum(1 for _text, ok in checks if ok is False)
    print()
    print("all targets met" if not failed else f"{failed} target(s) missed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
