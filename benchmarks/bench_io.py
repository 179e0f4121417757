"""Benchmark: saving and loading model files (YAML and JSON) and the register CSV.

Prints each figure beside its target and PASS or FAIL::

    .venv/bin/python benchmarks/bench_io.py                  # 10,000 components
    .venv/bin/python benchmarks/bench_io.py --sizes 1000,10000 --repeat 3

Times are process CPU time by default (``--judge wall`` for wall clock; both
are printed). Each figure is the best of ``--repeat`` runs. Beside the YAML and
JSON load times stand their limits: the C-accelerated PyYAML parser reading
the same text into plain data (``yaml.load`` with ``CSafeLoader``), and
``json.loads`` of the same text. The workbench does more than those (line
numbers for error messages, refusal of tags, aliases and deep nesting,
validation, building the graph), so it cannot be faster; the targets say how
close it must come.

The YAML figures are also printed for the pure-PyYAML path (``fast=False``),
which gives the same text and the same data (checked here, and by
``tests/test_yaml_fast.py``).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import yaml

from benchmarks.synthetic import generate
from workbench.model._yaml import dump_yaml, parse_yaml
from workbench.model.io import dumps_model, load_model, save_model

#: Targets at 10,000 components, in seconds of the judged clock.
TARGETS = {
    "yaml save": 2.0,
    "yaml load": 1.5,
    "json load": 1.5,
    "register csv": 1.0,
}


def _best(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    cpu_best = wall_best = float("inf")
    result: Any = None
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        cpu_best = min(cpu_best, time.process_time() - c0)
        wall_best = min(wall_best, time.perf_counter() - w0)
    return cpu_best, wall_best, result


def _register_csv(model: Any) -> Callable[[], Any]:
    from workbench.register import ThreatRegister
    from workbench.rules.engine import analyze

    result = analyze(model)
    register = ThreatRegister.from_result(result, model=model)
    return register.to_csv_text


def _measure(size: int, seed: int, repeat: int, judged: int, csv: bool) -> tuple[dict[str, float], int]:
    """Print and return the figures for one size, and the number of targets missed."""
    model = generate(size, seed=seed)
    rows: dict[str, float] = {}
    failures = 0

    def row(name: str, fn: Callable[[], Any], note: str = "") -> float:
        nonlocal failures
        cpu, wall, _ = _best(fn, repeat)
        rows[name] = cpu if judged == 0 else wall
        target = TARGETS.get(name) if size == 10_000 else None
        verdict = ""
        if target is not None:
            ok = rows[name] < target
            failures += not ok
            verdict = f"target < {target:g} s: {'PASS' if ok else 'FAIL'}"
        print(f"{name:<28}{size:>11,}{cpu:>9.3f}{wall:>9.3f}  {verdict or note}")
        return rows[name]

    def ratio(name: str, limit: float, what: str) -> None:
        print(f"{'':<28}{'':>11}{'':>9}{'':>9}  {name} / {what}: {rows[name] / limit:.2f}x")

    with tempfile.TemporaryDirectory() as tmp:
        ypath, jpath = Path(tmp) / "m.yaml", Path(tmp) / "m.json"
        ytext = dumps_model(model, "yaml")
        jtext = dumps_model(model, "json")
        data = model.to_dict()
        same = dump_yaml(data, fast=False) == ytext
        parsed_same = parse_yaml(ytext)[:2] == parse_yaml(ytext, fast=False)[:2]
        row("yaml save", lambda: save_model(model, ypath))
        row("yaml save (PyYAML only)", lambda: dump_yaml(data, fast=False),
            "same text: " + ("yes" if same else "NO"))
        row("json save", lambda: save_model(model, jpath))
        c_limit = row(
            "limit: yaml.load CSafeLoader",
            lambda: yaml.load(ytext, Loader=yaml.CSafeLoader),
            "data only: no lines, no checks",
        )
        row("yaml load", lambda: load_model(ypath, max_bytes=1 << 30))
        ratio("yaml load", c_limit, "C parser")
        row("yaml parse (event parser)", lambda: parse_yaml(ytext, fast=False),
            "parse only; same data and lines: " + ("yes" if parsed_same else "NO"))
        row("yaml parse (fast path)", lambda: parse_yaml(ytext), "parse only")
        j_limit = row("limit: json.loads", lambda: json.loads(jtext), "data only")
        row("json load", lambda: load_model(jpath, max_bytes=1 << 30))
        ratio("json load", j_limit, "json.loads")
        if csv:
            row("register csv", _register_csv(model))
    failures += (not same) + (not parsed_same)
    return rows, failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000", help="comma-separated component counts")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--judge", choices=("cpu", "wall"), default="cpu")
    parser.add_argument("--json", type=Path, help="also write the numbers as JSON")
    parser.add_argument("--no-csv", action="store_true", help="skip the register CSV")
    args = parser.parse_args(argv)
    judged = 0 if args.judge == "cpu" else 1
    failures = 0
    out: dict[str, dict[str, float]] = {}
    print(f"{'step':<28}{'components':>11}{'cpu s':>9}{'wall s':>9}  {'limit / target':<34}")
    for size in (int(s) for s in args.sizes.split(",")):
        rows, missed = _measure(size, args.seed, args.repeat, judged, not args.no_csv)
        failures += missed
        out[str(size)] = rows
    if args.json:
        args.json.write_text(json.dumps(out, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print("all targets met" if not failures else f"{failures} target(s) missed")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
