"""``workbench export stix|navigator|aibom``, ``workbench diff`` and ``workbench report``.

Every export writes JSON with sorted keys, to stdout or with ``--output FILE``
atomically (a failed export leaves a previous file as it was). Timestamps are
options (``--created``, ``--timestamp``) so a build can reproduce a file byte
for byte; by default they are the current time in UTC, to the second.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

from workbench._output import date_option, write_output
from workbench.commands._parsers import TABLE_JSON, Options, add_command
from workbench.errors import InputError

__all__ = ["register"]


def _timestamp(text: str | None, option: str) -> dt.datetime:
    if text is None:
        return dt.datetime.now(dt.UTC).replace(microsecond=0)
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(
            f"{option}: expected an ISO date and time such as 2026-05-04T09:30:00Z, got {text!r}"
        ) from None
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _as_of(text: str | None) -> dt.date | None:
    return date_option(text, "--as-of")


def _source(target: str, rule_dirs: list[str]) -> Any:
    """A project (folder with project.yaml) or ``(model, result)`` of a model file."""
    path = Path(target)
    if path.is_dir():
        from workbench.project import Project

        if rule_dirs:
            raise InputError(
                "--rules applies to a model file; a project uses the rule folders in its "
                "project.yaml"
            )
        project = Project.open(path)
        for notice in project.notices:
            print(f"workbench: notice: {notice}", file=sys.stderr)
        return project
    if not path.exists():
        raise InputError(f"{path}: no such project folder or model file")
    from workbench.catalog import load_catalog
    from workbench.model import load_model
    from workbench.rules import analyze, load_rules

    model = load_model(path)
    catalog = load_catalog()
    rules = load_rules(rule_dirs, catalog=catalog)
    return (model, analyze(model, catalog=catalog, rules=rules))


def cmd_export_stix(args: argparse.Namespace) -> int:
    from workbench.export.stix import export_stix, stix_text

    source = _source(args.project, args.rules)
    bundle = export_stix(
        source, created=_timestamp(args.created, "--created"), as_of=_as_of(args.as_of)
    )
    write_output(stix_text(bundle), args.output)
    return 0


def cmd_export_navigator(args: argparse.Namespace) -> int:
    from workbench.export.navigator import layer_text, navigator_layer

    source = _source(args.project, args.rules)
    layer = navigator_layer(
        source,
        atlas_version=args.atlas_version,
        layer_format=args.layer_format,
        name=args.name,
        custom_data_url=args.custom_data_url,
    )
    write_output(layer_text(layer), args.output)
    if args.layer_format != "4.3" and args.output:
        from workbench.export.navigator import NAVIGATOR5_NOTE

        print(f"workbench: note: {NAVIGATOR5_NOTE}", file=sys.stderr)
    return 0


def cmd_export_aibom(args: argparse.Namespace) -> int:
    from workbench.export.aibom import aibom, aibom_text
    from workbench.model import load_model

    path = Path(args.target)
    if path.is_dir():
        from workbench.project import Project

        model = Project.open(path).model
    elif path.exists():
        model = load_model(path)
    else:
        raise InputError(f"{path}: no such project folder or model file")
    bom = aibom(
        model, timestamp=_timestamp(args.timestamp, "--timestamp"), serial_seed=args.serial_seed
    )
    write_output(aibom_text(bom), args.output)
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    from workbench.diff import diff_paths

    result = diff_paths(args.old, args.new, rule_dirs=args.rules)
    write_output(result.to_json() if args.format == "json" else result.to_text(), args.output)
    return 1 if args.exit_code and result else 0


def cmd_report(args: argparse.Namespace) -> int:
    from workbench.diff import previous_state
    from workbench.export.report import build_report_context, render_report, write_report

    if args.format == "pdf" and not args.output:
        raise InputError("--format pdf: give the PDF file with --output FILE")
    if args.previous and not Path(args.previous).exists():
        raise InputError(f"--previous: {args.previous}: no such project folder or model file")
    project = _source(args.project, [])
    if isinstance(project, tuple):
        raise InputError(
            f"{args.project}: a report needs a project folder (start one with workbench init "
            "--model FILE)"
        )
    options: dict[str, Any] = {
        "generated_at": _timestamp(args.generated_at, "--generated-at").isoformat(),
        "as_of": _as_of(args.as_of),
        "previous": previous_state(args.previous, project) if args.previous else None,
        "paper": args.paper or ("a4" if args.format == "pdf" else None),
    }
    if args.output:
        path = write_report(project, args.output, args.format, **options)
        print(f"wrote {path}", file=sys.stderr)
    else:
        sys.stdout.write(render_report(build_report_context(project, **options), args.format))
    return 0


_OUTPUT: Options = {
    "--output": {"metavar": "FILE", "help": "write to FILE (atomically) instead of stdout"}
}
_AS_OF: Options = {"--as-of": {"metavar": "DATE", "help": "judge review dates as of this day"}}


def _rules(
    text: str = "a folder of extra rule files when PROJECT is a model file; repeatable",
) -> Options:
    return {"--rules": {"metavar": "DIR", "action": "append", "default": [], "help": text}}


def _time(text: str) -> dict[str, str]:
    """An option that takes a date and time (ISO 8601)."""
    return {"metavar": "TIME", "help": text}


_PROJECT_OR_MODEL: Options = {
    "project": {"metavar": "PROJECT", "help": "project folder or model file"}
}

_STIX_OPTIONS: Options = {
    "--created": _time(
        "timestamp of the objects, ISO 8601 (default: now, UTC); fixes the output"
    ),
}

_NAVIGATOR_OPTIONS: Options = {
    "--layer-format": {
        "choices": ("4.3", "4.5"),
        "default": "4.3",
        "help": "4.3: ATLAS Navigator (default); 4.5: ATT&CK Navigator 5",
    },
    "--atlas-version": {
        "metavar": "VERSION",
        "help": "atlas_data_version (default: the catalog's)",
    },
    "--name": {"help": "the layer's name (default: '<system> - ATLAS exposure')"},
    "--custom-data-url": {
        "metavar": "URL",
        "help": "with --layer-format 4.5: URL of the ATLAS STIX bundle (customDataURL)",
    },
}

_AIBOM_OPTIONS: Options = {
    "target": {"metavar": "PROJECT_OR_MODEL", "help": "project folder or model file"},
    "--timestamp": _time(
        "metadata.timestamp, ISO 8601 (default: now, UTC)"
    ),
    "--serial-seed": {
        "metavar": "TEXT",
        "help": "seed of the serial number (default: the system id)",
    },
}

_REPORT_OPTIONS: Options = {
    "project": {"metavar": "PROJECT", "help": "project folder"},
    "--format": {"choices": ("html", "markdown", "pdf"), "default": "html", "help": "default: html"},
    "--output -o": {"metavar": "FILE", "help": "write to FILE (atomically) instead of stdout"},
    "--previous": {
        "metavar": "PATH",
        "help": "an earlier project folder or model file: show the trend against it",
    },
    "--paper": {
        "choices": ("a4", "letter"),
        "help": "printed page size (PDF default: a4; HTML default: the browser's paper)",
    },
    **_AS_OF,
    "--generated-at": _time(
        "the report's date and time, ISO 8601 (default: now, UTC); fixes the output"
    ),
}

_DIFF_OPTIONS: Options = {
    "old": {"metavar": "OLD", "help": "model file or project folder"},
    "new": {"metavar": "NEW", "help": "model file or project folder"},
    **_rules(
        "a folder of extra rule files, next to the bundled ones (and OLD's, when OLD is a "
        "project); repeatable"
    ),
    "--exit-code": {
        "action": "store_true",
        "help": "exit 1 when anything differs (like git diff)",
    },
    **_OUTPUT,
}


def register(subparsers: Any) -> None:
    """Add ``export`` (``stix``, ``navigator``, ``aibom``), ``report`` and ``diff``."""
    export = subparsers.add_parser(
        "export",
        help="export a threat model: STIX 2.1, ATLAS Navigator layer, CycloneDX AIBOM",
        description="Export a project (or a model file, analysed with no decisions) for other "
        "tools. Output is JSON with sorted keys; --output writes it atomically.",
    )
    kinds = export.add_subparsers(dest="export_kind", metavar="KIND")

    def cmd_export_help(_args: argparse.Namespace) -> int:
        export.print_help()
        return 0

    export.set_defaults(handler=cmd_export_help)
    _register_exports(kinds)
    _register_report(subparsers)
    _register_diff(subparsers)


def _register_exports(kinds: Any) -> None:
    add_command(
        kinds,
        "stix",
        cmd_export_stix,
        help="STIX 2.1 bundle: ATLAS techniques (official ids), chosen mitigations, findings, "
        "decisions and the system through extension definitions",
        options=[_PROJECT_OR_MODEL, _STIX_OPTIONS, _AS_OF, _rules(), _OUTPUT],
    )
    add_command(
        kinds,
        "navigator",
        cmd_export_navigator,
        help="ATLAS Navigator layer: techniques scored by this system's risk",
        description="A Navigator layer of the techniques the findings name, scored by the "
        "highest risk score of their findings. Layer format 4.3 (default) is the ATLAS "
        "Navigator's; 4.5 is ATT&CK Navigator 5's, which needs the ATLAS STIX bundle loaded "
        "as custom data (domain atlas-atlas) before the layer is opened.",
        options=[_PROJECT_OR_MODEL, _NAVIGATOR_OPTIONS, _rules(), _OUTPUT],
    )
    add_command(
        kinds,
        "aibom",
        cmd_export_aibom,
        help="AI bill of materials (CycloneDX 1.6 JSON): models, datasets, third-party parts",
        options=[_AIBOM_OPTIONS, _OUTPUT],
    )


def _register_report(subparsers: Any) -> None:
    add_command(
        subparsers,
        "report",
        cmd_report,
        help="a project's report for its risk owner: HTML (self-contained), Markdown or PDF",
        description="The report a risk owner signs: cover, executive summary, inherent and "
        "residual heatmaps, mitigation plan, decisions, findings, attack paths, guideline "
        "coverage and sign-off. HTML and Markdown go to stdout or --output FILE; PDF needs "
        "--output and a headless Chromium (without one, print the HTML from a browser). "
        "Cover settings (scope, classification, authors, reviewers, owner) live under report: "
        "in project.yaml.",
        options=_REPORT_OPTIONS,
    )


def _register_diff(subparsers: Any) -> None:
    add_command(
        subparsers,
        "diff",
        cmd_diff,
        help="what changed between two models or projects: elements, findings, risk, decisions",
        description="Compare OLD and NEW (each a model file or a project folder): components, "
        "zones and flows added, removed and changed; findings that appear and disappear; risk "
        "that moved; decisions of OLD (a project) whose findings no longer exist.",
        options=_DIFF_OPTIONS,
        formats=TABLE_JSON,
    )
