"""The ``workbench`` command line.

Each sub-command lives in a module of :mod:`workbench.commands` that defines
``register(subparsers)``; the handler it sets returns an exit code. Errors derived
from :class:`~workbench.errors.WorkbenchError` become one line on stderr and the
exit code of the table in :mod:`workbench.errors`; anything else is an internal
error (exit 3) reported in one line, with the traceback only under ``--debug``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from collections.abc import Sequence
from typing import Any

from workbench._output import TerminalSafeStream
from workbench._version import DISTRIBUTION, __version__
from workbench.errors import WorkbenchError

# Sub-command modules, in the order they appear in --help.
COMMAND_MODULES = (
    "workbench.commands.model",
    "workbench.commands.analysis",
    "workbench.commands.project",
    "workbench.commands.keys",
    "workbench.commands.exports",
    "workbench.commands.lab",
    "workbench.commands.interop",
    "workbench.commands.scan",
    "workbench.commands.catalog",
)

EXIT_CODES = """exit codes:
  0  success
  1  the answer is no (invalid model, failed check)
  2  unusable input (unreadable, hostile, wrong format, unknown id)
  3  internal error
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="workbench",
        description="AI Threat Workbench: threat modelling for AI systems with MITRE ATLAS.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{DISTRIBUTION} {__version__}")
    parser.add_argument("--debug", action="store_true", help="show a traceback on internal errors")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 0
    # Names and descriptions come from model, rule and project files: whatever a
    # command prints for people, control characters in them never reach the terminal.
    # CSV keeps its bytes (JSON already escapes them).
    stdout, stderr = sys.stdout, sys.stderr
    if getattr(args, "format", None) != "csv":
        sys.stdout = TerminalSafeStream(stdout)
    sys.stderr = TerminalSafeStream(stderr)
    try:
        return _run(args, handler)
    finally:
        sys.stdout, sys.stderr = stdout, stderr


def _run(args: argparse.Namespace, handler: Any) -> int:
    try:
        return int(handler(args))
    except WorkbenchError as exc:
        print(f"workbench: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("workbench: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:
        if args.debug:
            traceback.print_exc()
        print(
            f"workbench: internal error: {type(exc).__name__}: {exc} "
            "(run with --debug for details)",
            file=sys.stderr,
        )
        return 3


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
