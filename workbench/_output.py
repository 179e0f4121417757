"""Printing data for the command line in the formats every command offers.

``table`` (the default) is for people, ``json`` for programs, ``csv`` where the
data is a table. JSON is written with sorted keys so output diffs cleanly.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from workbench._csvsafe import protect
from workbench.errors import InputError

FORMATS = ("table", "json", "csv")


def add_format_argument(parser: Any, formats: Sequence[str] = ("table", "json")) -> None:
    """Add ``--format`` with the given choices (``table`` is the default)."""
    parser.add_argument(
        "--format",
        choices=list(formats),
        default="table",
        help="output format (default: table)",
    )


def date_option(text: str | None, option: str) -> dt.date | None:
    """The date a command-line *option* gives (YYYY-MM-DD), or None when it is not given."""
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{option}: expected a date YYYY-MM-DD, got {text!r}") from None


def write_output(text: str, output: str | None, *, note: str = "") -> None:
    """*text* to the file *output* atomically (saying so on stderr, with *note*), else stdout."""
    if output:
        from workbench._atomic import atomic_write_text

        atomic_write_text(Path(output), text)
        print(f"wrote {output}{note}", file=sys.stderr)
    else:
        sys.stdout.write(text)


def to_json(data: Any) -> str:
    """Serialise *data* as stable, indented JSON (sorted keys, UTF-8 text)."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple, set)):
        return ", ".join(_cell(v) for v in value)
    text = str(value)
    # Keep terminal output to one line per row and free of control characters.
    return "".join(ch if ch.isprintable() else " " for ch in text)


def render_table(
    rows: Iterable[Mapping[str, Any]],
    columns: Sequence[str],
    headers: Sequence[str] | None = None,
    max_width: int = 60,
) -> str:
    """Render rows as a plain-text table with aligned columns."""
    headers = list(headers or columns)
    body = []
    for row in rows:
        cells = []
        for col in columns:
            text = _cell(row.get(col))
            if len(text) > max_width:
                text = text[: max_width - 1] + "…"
            cells.append(text)
        body.append(cells)
    widths = [len(h) for h in headers]
    for cells in body:
        widths = [max(w, len(c)) for w, c in zip(widths, cells, strict=True)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for cells in body:
        lines.append("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
    return "\n".join(lines) + "\n"


def render_csv(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """Render rows as CSV text for the terminal (exports use :mod:`workbench.export`)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([protect(_cell(row.get(c))) for c in columns])
    return buf.getvalue()


# Control characters other than tab, newline and carriage return (C0, DEL, C1): in a
# model's names they could move the cursor, recolour or rewrite the user's terminal.
_CONTROLS = {
    c: "\ufffd" for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0))
}


def terminal_safe(text: str) -> str:
    """*text* with terminal control characters (escape sequences) replaced by U+FFFD."""
    return text.translate(_CONTROLS)


class TerminalSafeStream:
    """Wraps a text stream so that nothing written to it can control the terminal."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        return int(self._stream.write(terminal_safe(text)))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
