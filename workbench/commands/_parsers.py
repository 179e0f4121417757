"""Declaring sub-commands from tables: a command's name, texts, options and handler."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from workbench._output import add_format_argument

__all__ = ["TABLE_JSON", "Options", "add_command", "add_options"]

#: The ``--format`` choices of most commands.
TABLE_JSON = ("table", "json")

#: Option table: each option (a positional name, ``"--as-of"``, or flags with their
#: short forms such as ``"--output -o"``) and its ``add_argument`` keywords.
Options = Mapping[str, Mapping[str, Any]]


def add_options(parser: argparse.ArgumentParser, options: Options) -> None:
    """Add every option of the table *options* to *parser*, in table order."""
    for flags, keywords in options.items():
        parser.add_argument(*flags.split(), **keywords)


def add_command(
    subparsers: Any,
    name: str,
    handler: Callable[[argparse.Namespace], int],
    *,
    help: str,
    description: str | None = None,
    options: Options | Iterable[Options] = (),
    formats: Sequence[str] | None = None,
) -> argparse.ArgumentParser:
    """Add the sub-command *name*: its options, then ``--format`` when *formats* are given.

    *options* is one option table or several, added in order.
    """
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name, help=help, description=description
    )
    for table in [options] if isinstance(options, Mapping) else options:
        add_options(parser, table)
    if formats is not None:
        add_format_argument(parser, formats)
    parser.set_defaults(handler=handler)
    return parser
