"""``workbench import-model``, ``export-otm`` and ``export-threat-dragon``: models from and
to other tools."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from workbench._output import to_json
from workbench.commands._parsers import TABLE_JSON, Options, add_command
from workbench.errors import InputError

__all__ = ["register"]

_FORMATS = ("threat-dragon", "otm", "threagile", "tmbom", "cyclonedx", "mcp")


_IMPORT_OPTIONS: Options = {
    "file": {"metavar": "FILE", "help": "the file to import"},
    "--from": {
        "dest": "source_format",
        "choices": _FORMATS,
        "metavar": "FORMAT",
        "help": f"its format: {', '.join(_FORMATS)} (detected when omitted)",
    },
    "--output": {
        "metavar": "MODEL",
        "help": "write the model here (.yaml, .yml or .json), atomically",
    },
    "--project": {
        "metavar": "DIR",
        "help": "start a project in DIR (new or empty) from the imported model and carry the "
        "file's threats and decisions over as manual findings and decisions",
    },
    "--actor": {
        "metavar": "NAME",
        "help": "who records the carried-over findings and decisions (with --project)",
    },
}


def register(subparsers: Any) -> None:
    """Add the ``import-model`` and ``export-otm`` sub-commands."""
    add_command(
        subparsers,
        "import-model",
        cmd_import_model,
        help="import a Threat Dragon, Open Threat Model, Threagile, TM-BOM, CycloneDX or MCP "
        "file as a model",
        description=(
            "Turn a model made in another tool (Threat Dragon, Open Threat Model, Threagile, "
            "TM-BOM), "
            "a CycloneDX 1.5-1.7 bill of materials or an MCP client configuration (mcpServers, "
            "VS Code servers, .mcp.json) into a workbench model and report every "
            "item that could not be mapped, every guess and every assumption. Without "
            "--output nothing is written (a dry run). Exit 0 when the model was imported, "
            "2 when the file cannot be used."
        ),
        options=_IMPORT_OPTIONS,
        formats=TABLE_JSON,
    )
    add_command(
        subparsers,
        "export-otm",
        cmd_export_otm,
        help="export a model (and its findings) as Open Threat Model",
        description=(
            "Write a model as Open Threat Model (OTM) JSON or YAML for IriusRisk, Threat "
            "Dragon and other tools. --with-findings runs the analysis and adds its findings "
            "as OTM threats and their ATLAS mitigations."
        ),
        options=[
            _export_options(
                "write to FILE (.json, .yaml or .yml), atomically; default: stdout (JSON)"
            ),
            {"--rules": {
                "metavar": "DIR",
                "action": "append",
                "default": [],
                "help": "a folder of extra rule files for --with-findings; repeatable",
            }},
        ],
    )
    add_command(
        subparsers,
        "export-threat-dragon",
        cmd_export_threat_dragon,
        help="export a model (and its findings) as a Threat Dragon v2 model",
        description=(
            "Write a model as a Threat Dragon v2 model: one diagram laid out by trust, zones as "
            "trust-boundary boxes, findings as threats. --project DIR exports a project's model "
            "with its findings and decisions (treatments become Threat Dragon statuses)."
        ),
        options=[
            _export_options("write to FILE (.json), atomically; default: stdout"),
            {"--project": {
                "metavar": "DIR",
                "help": "export a project with its findings and decisions",
            }},
        ],
    )


def _export_options(output_help: str) -> Options:
    """MODEL, --template, --output and --with-findings of the export commands."""
    return {
        "model": {"nargs": "?", "metavar": "MODEL", "help": "model file (YAML or JSON)"},
        "--template": {"metavar": "NAME", "help": "export a bundled example system instead"},
        "--output": {"metavar": "FILE", "help": output_help},
        "--with-findings": {
            "action": "store_true",
            "help": "analyse the model and include the findings as threats",
        },
    }


def cmd_import_model(args: argparse.Namespace) -> int:
    from workbench.interop import detect_format, import_model
    from workbench.model import save_model

    fmt = args.source_format or detect_format(args.file)
    if args.output:
        suffix = Path(args.output).suffix.lower()
        if suffix not in (".yaml", ".yml", ".json"):
            raise InputError(
                f"{args.output}: cannot tell the format from the suffix: use .yaml, .yml or .json"
            )
    if args.actor and not args.project:
        raise InputError("--actor only matters with --project")
    model, report = import_model(args.file, fmt)
    if args.output:
        save_model(model, args.output)
    carried = None
    if args.project:
        from workbench.interop.carry import carry_over
        from workbench.project import Project

        if not args.actor:
            raise InputError("--project needs --actor NAME: who records the carried-over decisions")
        project = Project.create(args.project, model=model, actor=args.actor)
        carried = carry_over(project, report.threats, by=args.actor)
    if args.format == "json":
        data = report.to_dict()
        data["output"] = args.output
        data["system"] = model.id
        if carried is not None:
            data["project"] = {
                "path": args.project,
                "findings": carried.findings,
                "decisions": carried.decisions,
                "noted": carried.noted,
                "skipped": carried.skipped,
            }
        sys.stdout.write(to_json(data))
    else:
        sys.stdout.write(report.to_text())
        if carried is not None:
            print(f"\nproject {args.project}: {carried.summary()}")
            for line in carried.skipped:
                print(f"  not recorded as a decision: {line}")
        else:
            if not args.output:
                print("\n(dry run: give --output MODEL.yaml to write the model)")
            if report.threats:
                print(
                    f"({len(report.threats)} threats in the file: give --project DIR --actor NAME "
                    "to carry them over as findings and decisions)"
                )
    if args.output:
        print(f"wrote {args.output}", file=sys.stderr)
    return 0


def cmd_export_otm(args: argparse.Namespace) -> int:
    from workbench.commands.analysis import load_model_argument
    from workbench.interop.otm import dumps_otm, export_otm, save_otm

    model = load_model_argument(args)
    result = matrix = catalog = None
    if args.with_findings:
        from workbench.catalog import load_catalog
        from workbench.risk.matrix import load_matrix
        from workbench.rules import analyze, load_rules

        catalog = load_catalog()
        rules = load_rules(args.rules, catalog=catalog)
        matrix = load_matrix()
        result = analyze(model, catalog=catalog, rules=rules, matrix=matrix)
    elif args.rules:
        raise InputError("--rules only matters with --with-findings")
    if args.output:
        save_otm(model, args.output, result=result, matrix=matrix, catalog=catalog)
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(
            dumps_otm(export_otm(model, result=result, matrix=matrix, catalog=catalog))
        )
    return 0


def cmd_export_threat_dragon(args: argparse.Namespace) -> int:
    import json

    from workbench.interop.threat_dragon_export import export_threat_dragon, save_threat_dragon

    rows = None
    result = None
    if args.project:
        if args.model or args.template:
            raise InputError("give a MODEL, --template NAME or --project DIR, only one")
        from workbench.project import Project

        project = Project.open(args.project)
        model = project.model
        rows = project.state().rows
    else:
        from workbench.commands.analysis import load_model_argument

        model = load_model_argument(args)
        if args.with_findings:
            from workbench.rules import analyze

            result = analyze(model)
    if args.output:
        save_threat_dragon(model, args.output, rows=rows, result=result)
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        doc = export_threat_dragon(model, rows=rows, result=result)
        sys.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    return 0
