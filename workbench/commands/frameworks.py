"""``workbench coverage --framework owasp-llm|owasp-agentic``: OWASP coverage of a system.

For each item of the framework: raised (with its findings), not applicable
(why), not assessable (the attributes to state), assessed but not raised, or a
gap (no loaded rule assesses it). Text table by default, ``--format json|csv``.
Exit codes: 0 done; 1 with ``--strict`` when an item is a gap; 2 unusable input
(unknown framework, unreadable project or model).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from workbench._output import to_json
from workbench.errors import InputError

__all__ = ["add_framework_arguments", "cmd_framework_coverage"]


def add_framework_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--framework",
        metavar="ID",
        help="an OWASP framework instead of the guidelines: owasp-llm or owasp-agentic",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="with --framework: exit 1 when an item is a gap (no rule assesses it)",
    )


def _coverage(target: Path, framework: str) -> Any:
    from workbench.catalog.frameworks import load_frameworks

    frameworks = load_frameworks()
    if framework not in frameworks:
        known = ", ".join(frameworks)
        raise InputError(f"--framework: unknown framework {framework!r}; use one of {known}")
    if target.is_dir():
        from workbench.project import Project

        return Project.open(target).framework_coverage(framework)
    from workbench.model import load_model
    from workbench.risk.frameworks import framework_coverage
    from workbench.rules import analyze

    model = load_model(target)
    return framework_coverage(model, analyze(model), framework, frameworks=frameworks)


def cmd_framework_coverage(args: argparse.Namespace) -> int:
    cov = _coverage(Path(args.target), args.framework)
    if args.format == "json":
        sys.stdout.write(to_json(cov.to_dict()))
    elif args.format == "csv":
        sys.stdout.write(cov.to_csv())
    else:
        sys.stdout.write(cov.to_text())
    gaps = cov.counts()["gap"]
    if gaps and args.strict:
        print(f"{gaps} item(s) with no rule that assesses them", file=sys.stderr)
        return 1
    return 0
