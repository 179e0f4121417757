"""Compare analysis time with OWASP pytm 1.4.0 on the same synthetic systems.

Run from the repository root (with the project installed, e.g. in .venv)::

    python benchmarks/bench_pytm.py                       # 100, 1,000, 5,000 (+10,000)
    python benchmarks/bench_pytm.py --sizes 100,1000

pytm is never a dependency of the project. The first run creates a virtual
environment of its own, outside the repository, and installs ``pytm==1.4.0``
from PyPI into it: ``$XDG_CACHE_HOME/ai-threat-workbench/bench-pytm-1.4.0`` when
``XDG_CACHE_HOME`` is set, else ``<tmp>/ai-threat-workbench-bench-pytm-1.4.0``
(``--pytm-venv`` chooses another place). Later runs reuse it.

For each size the synthetic system (``benchmarks/synthetic.py``: n components,
3n flows, same seed) is passed as JSON to a subprocess running that
environment's Python, which mirrors it as a pytm ``TM``: one ``Boundary`` per
zone, components as ``Actor`` / ``Server`` / ``Datastore`` / ``Process``, flows
as ``Dataflow`` carrying one ``Data`` each (classification, PII and credentials
from the flow's data kinds), a few controls from the component attributes. It
times ``tm.check()`` plus ``tm.resolve()`` (pytm's finding computation, as its
CLI runs it) on a freshly built model; pytm's
argument parsing (``TM.process``) is never called and ``TM.reset()`` clears its
class-level state before each build.

In this process, the workbench analyses the same model (rules and attack
paths, on an already loaded model). pytm runs and workbench runs alternate, so
that both see the same load on the machine; each time is the median of
``--repeat`` runs, and their ratio is printed with findings per component for
both. Target: at least 10x
faster than pytm at 1,000 components and above, judged on process CPU time
(``--judge wall``: on wall clock).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.bench_analysis import load_engine, parse_sizes, time_analysis  # noqa: E402
from benchmarks.synthetic import generate  # noqa: E402
from workbench.model import SystemModel  # noqa: E402

PYTM_VERSION = "1.4.0"
DEFAULT_SIZES = (100, 1_000, 5_000)
LARGE_SIZE = 10_000
TARGET_SPEEDUP = 10.0
TARGET_FROM = 1_000
# Reference numbers (shared/research/peers.md, pytm 1.4.0 on its own generator:
# n nodes, 1.5n flows, 2 vCPUs): (check, resolve) seconds.
REFERENCE = {100: (0.010, 0.058), 1_000: (0.120, 0.849), 5_000: (0.777, 4.560)}

# Runs inside the pytm environment: python -c RUNNER model.json repeat
RUNNER = r"""
import gc, json, statistics, sys, time
from pytm import TM, Actor, Boundary, Classification, Data, Dataflow, Datastore, Process, Server

spec = json.load(open(sys.argv[1], encoding="utf-8"))
repeat = int(sys.argv[2])
SERVER = {"application", "inference_endpoint", "external_service"}
DATASTORE = {"dataset", "data_store", "vector_store", "knowledge_source", "model_registry"}
SENS = {"public": Classification.PUBLIC, "internal": Classification.RESTRICTED,
        "confidential": Classification.SENSITIVE, "personal": Classification.SENSITIVE,
        "secret": Classification.SECRET}


def build():
    TM.reset()
    tm = TM(spec["id"], description="Synthetic AI system mirrored from the workbench")
    zones = {z["id"]: Boundary(z["name"]) for z in spec["zones"]}
    nodes = {}
    for c in spec["components"]:
        kind, a = c["kind"], c["attrs"]
        common = {"inBoundary": zones[c["zone"]]}
        if kind == "actor":
            el = Actor(c["id"], isAdmin=False, **common)
        elif kind in SERVER:
            el = Server(c["id"], **common)
            el.controls.authenticatesSource = a.get("authenticated") is True
            el.controls.sanitizesInput = a.get("filters_inputs") is True
            el.controls.handlesResourceConsumption = a.get("rate_limited") is True
        elif kind in DATASTORE:
            el = Datastore(c["id"], **common)
            el.controls.isEncryptedAtRest = a.get("encrypted_at_rest") is True
            el.controls.hasAccessControl = a.get("access_control") is True
            el.storesPII = a.get("sensitivity") == "personal"
            el.storesSensitiveData = a.get("sensitivity") in ("confidential", "personal", "secret")
        else:
            el = Process(c["id"], **common)
            el.controls.isHardened = a.get("sandboxed") is True or a.get("isolated") is True
        if a.get("sensitivity") in SENS:
            el.maxClassification = SENS[a["sensitivity"]]
        nodes[c["id"]] = el
    for f in spec["flows"]:
        kinds = f["data"]
        cls = Classification.PUBLIC
        if "personal_data" in kinds:
            cls = Classification.SENSITIVE
        if "credentials" in kinds:
            cls = Classification.SECRET
        data = Data(f["id"] + "-data", classification=cls, isPII="personal_data" in kinds,
                    isCredentials="credentials" in kinds)
        df = Dataflow(nodes[f["from"]], nodes[f["to"]], f["id"], data=[data],
                      protocol=(f.get("protocol") or "").upper())
        df.controls.isEncrypted = f.get("encrypted") is True
        df.controls.authenticatesSource = f.get("authenticated") is True
    return tm


builds, runs, cpu, findings = [], [], [], 0
for _ in range(repeat):
    gc.collect()
    t0 = time.perf_counter()
    tm = build()
    gc.collect()
    c1 = time.process_time()
    t1 = time.perf_counter()
    tm.check()
    tm.resolve()
    t2 = time.perf_counter()
    cpu.append(time.process_time() - c1)
    builds.append(t1 - t0)
    runs.append(t2 - t1)
    findings = len(tm.findings)
import importlib.metadata
print(json.dumps({
    "version": importlib.metadata.version("pytm"),
    "rules": len(TM._threats),
    "elements": len(TM._elements),
    "findings": findings,
    "build_s": statistics.median(builds),
    "check_resolve_s": statistics.median(runs),
    "runs": runs,
    "cpu": cpu,
}))
"""


def default_venv() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME")
    if cache:
        return Path(cache) / "ai-threat-workbench" / f"bench-pytm-{PYTM_VERSION}"
    return Path(tempfile.gettempdir()) / f"ai-threat-workbench-bench-pytm-{PYTM_VERSION}"


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def installed_version(python: Path) -> str | None:
    if not python.exists():
        return None
    probe = subprocess.run(
        [str(python), "-c", "import importlib.metadata as m; print(m.version('pytm'))"],
        capture_output=True,
        text=True,
        check=False,
    )
    return probe.stdout.strip() if probe.returncode == 0 else None


def ensure_pytm(venv: Path) -> Path:
    """The Python of a virtual environment holding pytm 1.4.0 (created when missing)."""
    python = venv_python(venv)
    if installed_version(python) == PYTM_VERSION:
        return python
    print(f"# creating {venv} with pytm {PYTM_VERSION} from PyPI ...", file=sys.stderr)
    venv.parent.mkdir(parents=True, exist_ok=True)
    base = getattr(sys, "_base_executable", None) or sys.executable
    subprocess.run([base, "-m", "venv", "--clear", str(venv)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", f"pytm=={PYTM_VERSION}"], check=True
    )
    version = installed_version(python)
    if version != PYTM_VERSION:
        raise SystemExit(f"pytm {PYTM_VERSION} not installed in {venv} (found {version})")
    return python


def model_spec(model: SystemModel) -> dict[str, Any]:
    """The model as the plain JSON the pytm runner reads."""
    return {
        "id": model.id,
        "zones": [{"id": z.id, "name": z.name, "trust": z.trust} for z in model.zones()],
        "components": [
            {
                "id": c.id,
                "kind": c.kind,
                "zone": c.zone,
                "attrs": {k: v for k, v in c.attrs.items() if isinstance(v, (bool, str))},
            }
            for c in model.components()
        ],
        "flows": [
            {
                "id": f.id,
                "from": f.source,
                "to": f.target,
                "data": list(f.data),
                "encrypted": f.encrypted,
                "authenticated": f.authenticated,
                "protocol": f.protocol,
            }
            for f in model.flows()
        ],
    }


def run_pytm(python: Path, spec_path: Path, repeat: int, timeout: float) -> dict[str, Any]:
    """Build the pytm model and time check + resolve *repeat* times in one subprocess."""
    proc = subprocess.run(
        [str(python), "-c", RUNNER, str(spec_path), str(repeat)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=spec_path.parent,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"pytm runner failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def compare(
    python: Path, model: SystemModel, engine: Any, repeat: int, timeout: float, folder: Path
) -> dict[str, Any]:
    """Alternate pytm runs and workbench runs, so both see the same machine load."""
    spec_path = folder / f"{model.id}.json"
    spec_path.write_text(json.dumps(model_spec(model)), encoding="utf-8")
    pytm_runs: list[float] = []
    build_runs: list[float] = []
    our_runs: list[float] = []
    our_cpu: list[float] = []
    pytm_cpu: list[float] = []
    pytm: dict[str, Any] = {}
    result = None
    for _ in range(repeat):
        pytm = run_pytm(python, spec_path, 1, timeout)
        pytm_runs.extend(pytm["runs"])
        pytm_cpu.extend(pytm["cpu"])
        build_runs.append(pytm["build_s"])
        timing = time_analysis(model, engine, 1)
        result = timing.value
        our_runs.extend(timing.wall)
        our_cpu.extend(timing.cpu)
    assert result is not None
    return {
        "components": len(model),
        "flows": len(model.flows()),
        "pytm_s": statistics.median(pytm_runs),
        "pytm_runs": pytm_runs,
        "pytm_build_s": statistics.median(build_runs),
        "pytm_findings": pytm["findings"],
        "pytm_rules": pytm["rules"],
        "pytm_elements": pytm["elements"],
        "pytm_version": pytm["version"],
        "pytm_cpu_s": statistics.median(pytm_cpu),
        "ours_s": statistics.median(our_runs),
        "our_runs": our_runs,
        "ours_cpu_s": statistics.median(our_cpu),
        "our_findings": len(result.findings),
        "attack_paths": len(result.attack_paths),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default=",".join(map(str, DEFAULT_SIZES)),
        help="comma-separated component counts (default: 100,1000,5000)",
    )
    parser.add_argument(
        "--large",
        type=int,
        default=LARGE_SIZE,
        help="also run this size when pytm's time at the largest size suggests "
        "it finishes within --budget (0: never; default 10000)",
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=300.0,
        help="seconds pytm may take for all runs of the large size (default 300)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic systems")
    parser.add_argument(
        "--pytm-venv",
        type=Path,
        default=None,
        help="virtual environment for pytm (default: see module docstring)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=1800.0,
        help="seconds before a pytm subprocess is abandoned",
    )
    parser.add_argument("--json", metavar="PATH", help="also write the numbers as JSON")
    parser.add_argument(
        "--judge",
        choices=("cpu", "wall"),
        default="cpu",
        help="clock the speed-up target is judged by: process CPU time (default; steadier on a "
        "shared machine) or wall clock",
    )
    args = parser.parse_args(argv)
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(line_buffering=True)
    try:
        sizes = parse_sizes(args.sizes)
    except argparse.ArgumentTypeError as exc:
        parser.error(str(exc))
    python = ensure_pytm(args.pytm_venv or default_venv())
    engine = load_engine()
    print(
        f"# workbench ({len(engine.rules.rules)} rules, attack paths included) vs "
        f"pytm {PYTM_VERSION} (check + resolve); wall clock and process CPU time, median of "
        f"{args.repeat}, runs alternating; {time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPUs"
    )
    header = (
        f"{'components':>10} {'flows':>7} {'pytm s':>8} {'cpu s':>7} {'pytm find.':>10} "
        f"{'/comp':>6} {'ours s':>8} {'cpu s':>7} {'our find.':>9} {'/comp':>6} "
        f"{'speed-up':>9} {'(cpu)':>7} {'target':>7}"
    )
    print(header)
    print("-" * len(header))
    rows: list[dict[str, Any]] = []
    todo = list(sizes)
    with tempfile.TemporaryDirectory(prefix="wb-bench-pytm-") as tmp:
        while todo:
            n = todo.pop(0)
            model = generate(n, seed=args.seed)
            try:
                row = compare(python, model, engine, args.repeat, args.timeout, Path(tmp))
            except subprocess.TimeoutExpired:
                print(f"{n:>10,} pytm did not finish within {args.timeout:.0f} s")
                break
            speedup = row["pytm_s"] / row["ours_s"]
            applies = n >= TARGET_FROM
            row["speedup"] = speedup
            row["cpu_speedup"] = row["pytm_cpu_s"] / row["ours_cpu_s"]
            judged = row["cpu_speedup"] if args.judge == "cpu" else speedup
            row["target_met"] = (judged >= TARGET_SPEEDUP) if applies else None
            rows.append(row)
            verdict = ("PASS" if row["target_met"] else "MISS") if applies else "-"
            print(
                f"{n:>10,} {row['flows']:>7,} {row['pytm_s']:>8.3f} {row['pytm_cpu_s']:>7.3f} "
                f"{row['pytm_findings']:>10,} {row['pytm_findings'] / n:>6.1f} "
                f"{row['ours_s']:>8.3f} {row['ours_cpu_s']:>7.3f} {row['our_findings']:>9,} "
                f"{row['our_findings'] / n:>6.2f} {speedup:>8.1f}x "
                f"{row['cpu_speedup']:>6.1f}x {verdict:>7}"
            )
            if not todo and args.large and n < args.large and n == sizes[-1]:
                projected = row["pytm_s"] * args.large / n * args.repeat * 1.3
                if projected <= args.budget:
                    todo.append(args.large)
                else:
                    print(
                        f"(skipping {args.large:,}: pytm would need about {projected:.0f} s "
                        f"> --budget {args.budget:.0f} s)"
                    )
    print()
    print(
        f"pytm {PYTM_VERSION}: {rows[0]['pytm_rules'] if rows else '?'} threat rules; "
        "reference (shared/research/peers.md, its own generator with 1.5 flows per node): "
        + ", ".join(
            f"{n:,}: check {c:.2f} s + resolve {r:.2f} s" for n, (c, r) in REFERENCE.items()
        )
    )
    checked = [r for r in rows if r["target_met"] is not None]
    if checked:
        ok = all(r["target_met"] for r in checked)
        key = "cpu_speedup" if args.judge == "cpu" else "speedup"
        worst = min(r[key] for r in checked)
        print(
            f"[{'PASS' if ok else 'MISS'}] at least {TARGET_SPEEDUP:.0f}x faster than pytm "
            f"from {TARGET_FROM:,} components: lowest speed-up {worst:.1f}x "
            f"({'process CPU time' if args.judge == 'cpu' else 'wall clock'})"
        )
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": rows}, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
