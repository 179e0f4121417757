"""Project commands: init, status, register, check, import, plan, coverage, demo, export.

``verify`` and ``keys`` live in :mod:`workbench.commands.keys`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

from workbench._output import (
    add_format_argument,
    date_option,
    render_table,
    to_json,
    write_output,
)
from workbench.commands.frameworks import add_framework_arguments
from workbench.commands.keys import add_key_argument, signed_handler
from workbench.errors import InputError

__all__ = ["register"]


def _date(text: str | None) -> dt.date | None:
    return date_option(text, "--as-of")


def _open(path: str) -> Any:
    from workbench.project import Project

    return Project.open(path)


def cmd_init(args: argparse.Namespace) -> int:
    from workbench.project import Project

    if bool(args.template) == bool(args.model):
        raise InputError("give --template NAME or --model FILE (one of them)")
    project = Project.create(
        args.dir, template=args.template, model=args.model, name=args.name, actor=args.actor
    )
    state = project.state()
    print(
        f"created project {project.name!r} in {project.path}: "
        f"{len(project.model.components())} components, {len(state.findings)} findings"
    )
    if not args.actor:
        print("set who acts with: actor: NAME in project.yaml (or pass --actor to init)")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    project = _open(args.project)
    info = project.status()
    if args.format == "json":
        sys.stdout.write(to_json(info))
        return 0
    print(f"{info['project']} ({info['path']})")
    print(
        f"findings: {info['findings']} - "
        + ", ".join(f"{k} {v}" for k, v in sorted(info["status"].items()))
    )
    log = info["decision_log"]
    print(
        f"decision log: {log['records']} records, head {log['head'][:16]}, "
        + ("verified" if log["verified"] else f"BROKEN: {log['problem']}")
    )
    if info["orphaned_decisions"]:
        print(f"orphaned decisions: {info['orphaned_decisions']} (their findings no longer exist)")
    for n in info["notices"]:
        print(f"notice: {n}")
    return 0


def cmd_register(args: argparse.Namespace) -> int:
    project = _open(args.project)
    reg = project.register(as_of=_date(args.as_of))
    if args.format == "csv":
        text = reg.to_csv_text()
    elif args.format == "json":
        text = to_json(
            {
                "system": project.model.id,
                "rows": [row.to_dict() for row in reg.rows()],
                "decision_log": {"records": len(project.log), "head": project.log.head()},
            }
        )
    else:
        text = render_table(
            reg.rows(),
            ["id", "band", "score", "residual_band", "status", "treatment", "owner"],
            ["FINDING", "BAND", "SCORE", "RESIDUAL", "STATUS", "TREATMENT", "OWNER"],
        )
    write_output(text, args.output)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    project = _open(args.project)
    try:
        project.matrix.band_rank(args.fail_on)
    except ValueError as exc:
        raise InputError(f"--fail-on: {exc}") from None
    rows = project.undecided(args.fail_on, as_of=_date(args.as_of))
    unsigned = _unsigned(project, args)
    status = project.log_status()
    if not status.ok:
        print(f"decision log: {status.problem} (run workbench verify)", file=sys.stderr)
    if args.format == "sarif":
        from workbench.export.sarif import sarif_report

        sys.stdout.write(to_json(sarif_report(project, rows)))
    elif args.format == "json":
        sys.stdout.write(
            to_json(
                {
                    "fail_on": args.fail_on,
                    **({"unsigned": unsigned} if args.require_signed else {}),
                    "undecided": [
                        {
                            k: r[k]
                            for k in (
                                "id",
                                "element",
                                "technique",
                                "band",
                                "score",
                                "status",
                                "title",
                                "gate",
                            )
                        }
                        for r in rows
                    ],
                    "decision_log": status.to_dict(),
                }
            )
        )
    else:
        if rows:
            overdue = sum(1 for r in rows if r["status"] == "review_due")
            print(
                f"{len(rows)} finding(s) at or above {args.fail_on} without a current decision"
                + (f" ({overdue} overdue, counted as undecided)" if overdue else "")
                + ":"
            )
            sys.stdout.write(
                render_table(
                    rows,
                    ["status", "band", "score", "id", "gate"],
                    ["STATUS", "BAND", "SCORE", "FINDING", "WHY"],
                )
            )
        else:
            print(f"no finding at or above {args.fail_on} is undecided")
    _report_unsigned(unsigned, args)
    return 1 if rows or unsigned else 0


def _unsigned(project: Any, args: argparse.Namespace) -> list[dict[str, Any]]:
    """``check --require-signed``: current decisions at the gate not signed by a known key."""
    if not getattr(args, "require_signed", False):
        return []
    from workbench.risk.signing import unsigned_at_gate

    return unsigned_at_gate(project, args.fail_on, as_of=_date(args.as_of))


def _report_unsigned(found: list[dict[str, Any]], args: argparse.Namespace) -> None:
    if not getattr(args, "require_signed", False):
        return
    if args.format == "table" and found:
        print(f"{len(found)} decision(s) at or above {args.fail_on} not signed by a key "
              "of this project (signers.yaml):")
        sys.stdout.write(render_table(
            found, ["decision", "band", "id", "decided_by", "label"],
            ["DECISION", "BAND", "FINDING", "DECIDED BY", "SIGNATURE"],
        ))
    elif args.format == "table":
        print(f"every decision at or above {args.fail_on} is signed by a key of this project")
    elif args.format == "sarif" and found:
        print(f"workbench: {len(found)} decision(s) at or above {args.fail_on} not signed by a "
              f"known key: {', '.join(r['decision'] for r in found)}", file=sys.stderr)


def cmd_import(args: argparse.Namespace) -> int:
    from workbench.risk.csv_import import import_register_csv

    project = _open(args.project)
    report = import_register_csv(project, args.csv, by=args.by)
    for n in report.notices:
        print(f"notice: {n}")
    print(report.summary())
    return 0


def cmd_plan(args: argparse.Namespace) -> int:
    from workbench.risk.plan import plan_csv_text

    project = _open(args.project)
    items = project.mitigation_plan()
    rows = project.state().rows
    if args.format == "csv":
        text = plan_csv_text(
            items,
            titles={r["id"]: r["title"] for r in rows},
            bands={r["id"]: r["band"] for r in rows},
            project=project.name,
        )
    elif args.format == "json":
        text = to_json({"project": project.name, "plan": [i.to_dict() for i in items]})
    else:
        table = [
            {
                "mitigation": i.mitigation, "status": i.status, "owner": i.owner or "",
                "due": i.due or "", "findings": len(i.findings),
                "effect": f"{i.likelihood_effect}/{i.impact_effect}"
                + ("" if i.effect_is_default else " *"),
            }
            for i in items
        ]
        text = render_table(
            table,
            ["mitigation", "status", "owner", "due", "findings", "effect"],
            ["MITIGATION", "STATUS", "OWNER", "DUE", "FINDINGS", "EFFECT (L/I)"],
        ) if table else "no mitigation chosen yet\n"
    write_output(text, args.output, note=f" ({len(items)} plan item(s))")
    return 0


def cmd_export_decisions(args: argparse.Namespace) -> int:
    from workbench.export.decisions_export import export_project_decisions

    project = _open(args.project)
    paths = export_project_decisions(project, Path(args.out), format=args.format)
    print(f"wrote {len(paths)} file(s) to {args.out}")
    return 0


def cmd_coverage(args: argparse.Namespace) -> int:
    from workbench.risk.coverage import guideline_coverage

    if getattr(args, "framework", None):
        from workbench.commands.frameworks import cmd_framework_coverage

        return cmd_framework_coverage(args)

    target = Path(args.target)
    if target.is_dir():
        cov = _open(args.target).coverage(as_of=_date(args.as_of))
    else:
        from workbench.model import load_model
        from workbench.rules import analyze

        model = load_model(target)
        cov = guideline_coverage(
            model, findings=analyze(model), as_of=_date(args.as_of) or dt.date.today()
        )
    if args.format == "json":
        sys.stdout.write(to_json(cov.to_dict()))
    elif args.format == "csv":
        sys.stdout.write(cov.to_dataframe().to_csv(index=False))
    else:
        sys.stdout.write(cov.to_text())
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """The main job on bundled defaults, headless: register, decision records and report."""
    from workbench.commands.analysis import _summary_text
    from workbench.export.decisions_export import export_project_decisions
    from workbench.export.report import write_html_report
    from workbench.project import Project

    out = Path(args.out)
    folder = out / "project"
    if (folder / "project.yaml").is_file():
        project = Project.open(folder)
    else:
        project = Project.create(folder, template=args.template, actor=args.actor)
    state = project.state()
    print(_summary_text(project.model, state.result, project.catalog, project.matrix))
    register_csv = project.register().to_csv(out / "register.csv")
    records = export_project_decisions(project, out / "decisions")
    report = write_html_report(project, out / "report.html")
    print(f"project:          {folder.resolve()}")
    print(f"threat register:  {register_csv.resolve()}  ({len(state.rows)} findings)")
    print(f"decision records: {(out / 'decisions').resolve()}  ({len(records) - 1} decisions)")
    print(f"report:           {report.resolve()}")
    return 0


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("init", help="start a project folder from a template or a model file")
    p.add_argument("dir", metavar="DIR")
    p.add_argument("--template", metavar="NAME", help="a bundled example system")
    p.add_argument("--model", metavar="FILE", help="a model file (YAML or JSON)")
    p.add_argument("--name", help="project name (default: the system's name)")
    p.add_argument(
        "--actor", help="who acts in this project by default (recorded with every action)"
    )
    p.set_defaults(handler=cmd_init)

    p = subparsers.add_parser("status", help="a project's findings, decisions and notices")
    p.add_argument("project", metavar="PROJECT")
    add_format_argument(p)
    p.set_defaults(handler=cmd_status)

    p = subparsers.add_parser(
        "register", help="a project's threat register (scores, decisions, residual risk)"
    )
    p.add_argument("project", metavar="PROJECT")
    add_format_argument(p, ("table", "json", "csv"))
    p.add_argument("--output", metavar="FILE")
    p.add_argument(
        "--as-of", metavar="DATE", help="judge review dates as of this day (default: today)"
    )
    p.set_defaults(handler=cmd_register)

    p = subparsers.add_parser(
        "check",
        help="exit 1 when a finding at or above a band has no current decision (release gate)",
    )
    p.add_argument("project", metavar="PROJECT")
    p.add_argument(
        "--fail-on", default="high", metavar="BAND", help="lowest band that fails (default: high)"
    )
    p.add_argument("--as-of", metavar="DATE")
    p.add_argument(
        "--require-signed", action="store_true",
        help="also fail when a current decision at or above the band is not signed by a key "
        "of the project's signers",
    )
    add_format_argument(p, ("table", "json", "sarif"))
    p.set_defaults(handler=cmd_check)

    p = subparsers.add_parser(
        "import", help="merge a register CSV edited in a spreadsheet into a project"
    )
    p.add_argument("project", metavar="PROJECT")
    p.add_argument("csv", metavar="CSV")
    p.add_argument("--by", help="who made the edits (default: the project's actor)")
    add_key_argument(p)
    p.set_defaults(handler=signed_handler(cmd_import))

    p = subparsers.add_parser(
        "plan",
        help="the mitigation plan: chosen mitigations with owner, status, due date and findings "
        "(--format csv for an issue tracker's CSV import)",
    )
    p.add_argument("project", metavar="PROJECT")
    add_format_argument(p, ("table", "json", "csv"))
    p.add_argument("--output", metavar="FILE")
    p.set_defaults(handler=cmd_plan)

    p = subparsers.add_parser(
        "coverage",
        help="the 17 guidelines: checks the model answers (pass, fail, unknown); "
        "or, with --framework, each OWASP item: raised, not applicable, not assessable",
    )
    p.add_argument("target", metavar="PROJECT_OR_MODEL")
    p.add_argument("--as-of", metavar="DATE")
    add_format_argument(p, ("table", "json", "csv"))
    add_framework_arguments(p)
    p.set_defaults(handler=cmd_coverage)

    p = subparsers.add_parser(
        "demo",
        help="the main job, headless: a bundled template analysed into a register, "
        "decision records and a report",
    )
    p.add_argument("--template", default="support-assistant", metavar="NAME")
    p.add_argument("--out", default="out/demo", metavar="DIR")
    p.add_argument("--actor", default="demo analyst", help="who acts in the demo project")
    p.set_defaults(handler=cmd_demo)

    p = subparsers.add_parser(
        "export-decisions", help="decision records as Markdown (one file each) or JSON"
    )
    p.add_argument("project", metavar="PROJECT")
    p.add_argument("out", metavar="OUT")
    p.add_argument("--format", choices=["markdown", "json"], default="markdown")
    p.set_defaults(handler=cmd_export_decisions)
