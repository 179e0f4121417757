"""``workbench analyze``, ``workbench explain`` and ``workbench rules check``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from workbench._output import render_table, to_json
from workbench.commands._parsers import TABLE_JSON, Options, add_command
from workbench.errors import InputError, RuleError

__all__ = ["register"]


_MODEL_OPTIONS: Options = {
    "model": {"nargs": "?", "metavar": "MODEL", "help": "model file (YAML or JSON)"},
    "--template": {"metavar": "NAME", "help": "use a bundled example system instead"},
    "--rules": {
        "metavar": "DIR",
        "action": "append",
        "default": [],
        "help": "a folder of extra rule files (next to the bundled ones); repeatable",
    },
}


def load_model_argument(args: argparse.Namespace) -> Any:
    from workbench.model import load_model, load_template

    if args.template and args.model:
        raise InputError("give a MODEL file or --template NAME, not both")
    if args.template:
        return load_template(args.template)
    if not args.model:
        raise InputError("give a MODEL file, or --template NAME for a bundled example system")
    return load_model(args.model)


def _write(text: str, output: str | None) -> None:
    if output:
        from workbench.register import write_csv_atomic

        write_csv_atomic(Path(output), text)
        print(f"wrote {output}", file=sys.stderr)
    else:
        sys.stdout.write(text)


def _bands_line(result: Any, matrix: Any) -> str:
    counts = {b: 0 for b in matrix.band_names()}
    for f in result.findings:
        counts[f.band] = counts.get(f.band, 0) + 1
    return ", ".join(f"{b} {counts[b]}" for b in reversed(matrix.band_names()))


def _summary_text(model: Any, result: Any, catalog: Any, matrix: Any) -> str:
    from workbench.rules.questions import open_questions

    comps = model.components()
    per = result.findings_per_component()
    n_comp = len(comps)
    with_findings = sum(1 for c in comps if per.get(c.id))
    avg = len(result.findings) / n_comp if n_comp else 0.0
    lines = [
        f"System: {model.name} ({model.id})",
        f"Catalog: MITRE ATLAS {result.atlas_version}; {result.rules_evaluated} rules evaluated",
        f"Findings: {len(result.findings)} on {with_findings} of {n_comp} components "
        f"({avg:.1f} per component); bands: {_bands_line(result, matrix)}",
        f"Attack paths: {len(result.attack_paths)}"
        + (f" (+{result.paths_left_out} beyond the limit)" if result.paths_left_out else ""),
        "",
        "Findings",
    ]
    rows = [
        {
            "id": f.id,
            "technique": f.technique,
            "band": f.band,
            "score": f.score,
            "basis": "assumed" if f.assumed else "stated",
            "owasp": " ".join(f.owasp),
            "title": f.title,
        }
        for f in result.ranked()
    ]
    lines.append(
        render_table(
            rows,
            ["band", "score", "basis", "technique", "id", "owasp", "title"],
            ["BAND", "SCORE", "BASIS", "TECHNIQUE", "FINDING", "OWASP", "TITLE"],
        ).rstrip()
    )
    lines += ["", "Findings per component"]
    comp_rows = []
    for c in comps:
        fs = [f for f in result.findings if f.element == c.id]
        top = max(fs, key=lambda f: f.score, default=None)
        comp_rows.append(
            {
                "id": c.id,
                "kind": c.kind,
                "zone": c.zone,
                "n": len(fs),
                "top": f"{top.band} ({top.score})" if top else "",
            }
        )
    lines.append(
        render_table(
            comp_rows,
            ["id", "kind", "zone", "n", "top"],
            ["COMPONENT", "KIND", "ZONE", "FINDINGS", "HIGHEST"],
        ).rstrip()
    )
    flow_findings = [f for f in result.findings if f.element_type == "flow"]
    if flow_findings:
        lines.append(f"(+ {len(flow_findings)} findings on flows)")
    if result.assumptions:
        lines += [
            "",
            "Assumptions (unstated attributes treated as insecure; state them in the model)",
        ]
        for element, items in result.assumptions.items():
            for a in items:
                lines.append(f"  {element}: {a}")
    questions = open_questions(result, limit=10)
    if questions:
        lines += ["", "Open questions (unstated attributes whose answer changes the most risk)"]
        for i, q in enumerate(questions, start=1):
            lines.append(f"  {i}. {q.text}")
    if result.removed:
        lines += ["", "Removed by stated controls"]
        for r in result.removed:
            lines.append(f"  {r.id}: {r.reason}")
    if result.attack_paths:
        lines += ["", "Attack paths (highest risk first)"]
        tactic_names = {t.id: t.name for t in catalog.tactics()}
        for i, p in enumerate(result.attack_paths[:10], start=1):
            nodes = " → ".join(model.component(n).name for n in p.nodes)
            chain = " → ".join(dict.fromkeys(tactic_names.get(t, t) for t in p.tactics))
            lines.append(f"  {i}. {nodes}")
            lines.append(f"     {' · '.join(p.techniques)}  [{chain}]")
        if len(result.attack_paths) > 10:
            lines.append(f"  ... {len(result.attack_paths) - 10} more (use --format json)")
    if result.errors:
        lines += ["", "Rule errors (these rules did not run to the end)"]
        for e in result.errors:
            lines.append(f"  {e.rule} on {e.element}: {e.message}")
    return "\n".join(lines) + "\n"


def cmd_analyze(args: argparse.Namespace) -> int:
    from workbench.catalog import load_catalog
    from workbench.register import ThreatRegister
    from workbench.risk.matrix import load_matrix
    from workbench.rules import analyze, load_rules

    model = load_model_argument(args)
    catalog = load_catalog()
    rules = load_rules(args.rules, catalog=catalog)
    matrix = load_matrix()
    result = analyze(model, catalog=catalog, rules=rules, matrix=matrix)
    if args.format == "json":
        from workbench.rules.questions import open_questions

        data = result.to_dict()
        data["findings_per_component"] = result.findings_per_component()
        data["open_questions"] = [q.to_dict() for q in open_questions(result)]
        _write(to_json(data), args.output)
    elif args.format == "csv":
        register = ThreatRegister.from_result(result, model=model, catalog=catalog)
        _write(register.to_csv_text(), args.output)
    else:
        _write(_summary_text(model, result, catalog, matrix), args.output)
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    from workbench.catalog import load_catalog
    from workbench.rules import explain, load_rules

    model = load_model_argument(args)
    catalog = load_catalog()
    rules = load_rules(args.rules, catalog=catalog)
    entries = explain(model, args.element, catalog=catalog, rules=rules)
    if args.format == "json":
        sys.stdout.write(to_json({"element": args.element, "rules": entries}))
        return 0
    matched = [e for e in entries if e["matched"]]
    print(f"{args.element}: {len(entries)} rules evaluated, {len(matched)} matched")
    rows = []
    for e in entries:
        if e["matched"]:
            why = "; ".join(e.get("evidence", []))
            if e.get("assumptions"):
                why += " | assumed: " + "; ".join(e["assumptions"])
        else:
            why = "failed: " + str(e["failed"])
        rows.append(
            {"rule": e["rule"], "matched": e["matched"], "technique": e["technique"], "why": why}
        )
    sys.stdout.write(
        render_table(
            rows,
            ["matched", "rule", "technique", "why"],
            ["MATCHED", "RULE", "TECHNIQUE", "WHY"],
            max_width=120,
        )
    )
    return 0


def cmd_rules_check(args: argparse.Namespace) -> int:
    from workbench.catalog import load_catalog
    from workbench.rules import load_rules
    from workbench.rules.check import run_examples

    catalog = load_catalog()
    folder = Path(args.dir)
    if not folder.exists():
        raise InputError(f"{folder}: no such rule folder or file")
    try:
        ruleset = load_rules([folder], catalog=catalog, include_bundled=not args.only)
    except RuleError as exc:
        if args.format == "json":
            sys.stdout.write(
                to_json(
                    {
                        "valid": False,
                        "issues": [
                            {"file": i.file, "line": i.line, "path": i.path, "message": i.message}
                            for i in exc.issues
                        ],
                        "examples": [],
                    }
                )
            )
        else:
            print(exc.summary)
            for issue in exc.issues:
                print(f"  {issue}")
        return 1
    files = {str(p) for p in ([folder] if folder.is_file() else sorted(folder.glob("*.y*ml")))}
    results = run_examples(ruleset, catalog=catalog, files=files)
    failed = [r for r in results if not r.passed]
    own = [r for r in ruleset.rules if r.file in files]
    if args.format == "json":
        sys.stdout.write(
            to_json({"valid": True, "rules": len(own), "examples": [r.to_dict() for r in results]})
        )
    else:
        for r in results:
            mark = "ok  " if r.passed else "FAIL"
            print(f"{mark} {r.file}:{r.line}: {r.rule}: {r.name}: {r.message}")
        without = [r.id for r in own if not r.examples]
        print(
            f"{len(own)} rules, {len(results)} examples: {len(results) - len(failed)} passed, {len(failed)} failed"
        )
        if without:
            print("rules without examples: " + ", ".join(without))
        unmapped = [r.id for r in own if not r.frameworks and not r.frameworks_none]
        if unmapped:
            print(
                "rules mapped to no OWASP item (add frameworks: or frameworks_none: <why>): "
                + ", ".join(unmapped)
            )
    return 1 if failed else 0


def register(subparsers: Any) -> None:
    add_command(
        subparsers,
        "analyze",
        cmd_analyze,
        help="map ATLAS techniques onto a model: findings, attack paths, the register",
        description="Analyse a model: findings per component, assumptions, attack paths. "
        "A model that fails validation exits 1.",
        options=[
            _MODEL_OPTIONS,
            {"--output": {"metavar": "FILE", "help": "write to FILE (atomically) instead of stdout"}},
        ],
        formats=("table", "json", "csv"),
    )
    add_command(
        subparsers,
        "explain",
        cmd_explain,
        help="every rule evaluated on one component or flow, and why it matched or not",
        options=[_MODEL_OPTIONS, {"element": {"metavar": "ELEMENT", "help": "component or flow id"}}],
        formats=TABLE_JSON,
    )

    rules = subparsers.add_parser("rules", help="check rule files")
    rsub = rules.add_subparsers(dest="rules_command", metavar="SUBCOMMAND")
    add_command(
        rsub,
        "check",
        cmd_rules_check,
        help="load a folder of rule files and run their examples",
        options={
            "dir": {"metavar": "DIR", "help": "a folder of rule files (or one file)"},
            "--only": {"action": "store_true", "help": "do not load the bundled rules beside them"},
        },
        formats=TABLE_JSON,
    )
    rules.set_defaults(handler=lambda a: (rules.print_help(), 0)[1])
