"""Dump the full analysis of reference systems to JSON, to compare engine changes.

Run from the repository root::

    python benchmarks/dump_analysis.py before.json            # the templates, the
    python benchmarks/dump_analysis.py after.json             # realistic systems,
    cmp before.json after.json                                # synthetic 1k and 10k
    python benchmarks/dump_analysis.py out.json --sizes 1000  # other synthetic sizes

For every system it writes the whole :class:`~workbench.rules.AnalysisResult`:
findings (ids, scores, reasons, evidence, paths), attack paths with their hops,
removed findings, pending controls, unstated attributes and rule failures, with
sorted keys, so that two engines that compute the same thing give the same bytes.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.synthetic import generate  # noqa: E402
from workbench.catalog import load_catalog  # noqa: E402
from workbench.model import load_model, load_template, template_names  # noqa: E402
from workbench.risk.matrix import load_matrix  # noqa: E402
from workbench.rules import AnalysisResult, analyze, load_rules  # noqa: E402

SYSTEMS = ROOT / "tests" / "fixtures" / "systems"


def dump(result: AnalysisResult) -> dict[str, Any]:
    out = result.to_dict()
    out["element_order"] = list(result.element_order)
    out["pending"] = {
        fid: [[p.element, p.attribute, repr(p.value), p.effect.id] for p in items]
        for fid, items in sorted(result.pending.items())
    }
    out["unstated"] = {
        fid: [list(u) for u in items] for fid, items in sorted(result.unstated.items())
    }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="JSON file to write")
    parser.add_argument(
        "--sizes", default="1000,10000", help="synthetic sizes (default 1000,10000)"
    )
    args = parser.parse_args(argv)
    catalog = load_catalog()
    rules = load_rules(catalog=catalog)
    matrix = load_matrix()
    models = [(f"template {n}", load_template(n)) for n in template_names()]
    models += [(f"system {p.stem}", load_model(p)) for p in sorted(SYSTEMS.glob("*.yaml"))]
    models += [(f"synthetic {n}", generate(int(n), seed=0)) for n in args.sizes.split(",") if n]
    out = {
        name: dump(analyze(model, catalog=catalog, rules=rules, matrix=matrix))
        for name, model in models
    }
    args.out.write_text(
        json.dumps(out, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    total = sum(len(v["findings"]) for v in out.values())
    print(f"{len(out)} systems, {total:,} findings -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
