"""Reading and writing model files (YAML and JSON).

Loading is safe on hostile input: a size limit, no YAML tags, anchors or
aliases, a nesting limit, UTF-8 only, and each refusal is an
:class:`~workbench.errors.InputError` of one line naming the file. A readable
file with mistakes raises :class:`~workbench.errors.ModelError` listing every
problem as ``FILE:LINE: PATH: message``.

Saving is stable (fixed key order, unstated attributes omitted) and atomic
(a temporary file in the same folder, fsync, then :func:`os.replace`).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from workbench._atomic import atomic_write_text
from workbench._input.locate import format_path
from workbench._input.read import DEFAULT_MAX_BYTES, check_text_size, parse_json, read_text
from workbench._input.yaml import LazyLines, parse_yaml
from workbench.errors import InputError, Issue
from workbench.model._yaml import dump_yaml
from workbench.model.system import SystemModel, model_from_data

__all__ = [
    "DEFAULT_MAX_BYTES",
    "dumps_model",
    "load_model",
    "loads_model",
    "model_from_data",
    "parse_model_text",
    "save_model",
]

LineMap = dict[tuple[str | int, ...], int]
_FORMATS = ("yaml", "json")
_EXPECTED = "a model file"


def _format_for(path: Path, format: str | None) -> str:
    if format is not None:
        if format not in _FORMATS:
            raise InputError(f"unknown model format {format!r}: use yaml or json")
        return format
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if suffix == ".json":
        return "json"
    raise InputError(f"{path}: cannot tell the format from the suffix: use .yaml, .yml or .json")


# JSON escapes surrogate pairs (emoji) as two \u escapes; YAML refuses them. The
# line map only needs the structure, so they are swapped for a plain letter.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _json_lines(
    text: str, filename: str
) -> tuple[LineMap, list[tuple[tuple[str | int, ...], int, str]]]:
    """Lines of JSON text, read with the YAML parser (JSON is nearly always YAML)."""
    for attempt in (text, _SURROGATE_ESCAPE.sub(r"\\u0041", text)):
        try:
            _, lines, duplicates = parse_yaml(attempt, filename, fast=False)
        except InputError:
            continue
        return dict(lines), duplicates
    return {}, []  # valid JSON that YAML 1.1 reads differently: lines unknown


def parse_model_text(
    text: str, *, format: str = "yaml", filename: str = "<string>"
) -> tuple[Any, Mapping[tuple[str | int, ...], int], list[Issue]]:
    """Parse model text into plain data, a line map and duplicate-key issues.

    For JSON the line map is computed when it is first read (see
    :class:`~workbench.model._yaml.LazyLines`).

    Raises :class:`InputError` for text that is not YAML/JSON at all, is
    hostile, or whose top level is not a mapping.
    """
    duplicates: list[tuple[tuple[str | int, ...], int, str]] = []
    lines: Mapping[tuple[str | int, ...], int]
    if format == "json":
        data, repeated = parse_json(text, filename)
        if repeated:  # a key given twice: report it at its line
            lines, duplicates = _json_lines(text, filename)
        else:
            lines = LazyLines(lambda: _json_lines(text, filename)[0])
    elif format == "yaml":
        data, lines, duplicates = parse_yaml(text, filename)
    else:
        raise InputError(f"unknown model format {format!r}: use yaml or json")
    if not isinstance(data, dict):
        if data is None:
            raise InputError(
                f"{filename}: empty: a model file is a mapping with "
                "schema_version, system, zones, components and flows"
            )
        raise InputError(
            f"{filename}: not a model file: the top level must be a mapping, "
            f"got {'a list' if isinstance(data, list) else type(data).__name__}"
        )
    issues = [
        Issue(filename, line, format_path(path), f"duplicate key {key!r}")
        for path, line, key in duplicates
    ]
    return data, lines, issues


def loads_model(
    text: str | bytes,
    *,
    format: str = "yaml",
    filename: str = "<string>",
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> SystemModel:
    """Load a model from YAML or JSON text.

    >>> m = loads_model('''
    ... schema_version: 1
    ... system: {id: demo}
    ... zones: [{id: internal, trust: 3}]
    ... components: [{id: app, kind: application, zone: internal}]
    ... ''')
    >>> m.component("app").kind
    'application'
    """
    text = check_text_size(text, filename, max_bytes, expected=_EXPECTED)
    data, lines, issues = parse_model_text(text, format=format, filename=filename)
    return model_from_data(data, lines, filename, issues)


def load_model(
    path: str | os.PathLike[str],
    *,
    format: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> SystemModel:
    """Load a model file; the format follows the suffix (.yaml, .yml, .json).

    Raises :class:`InputError` (exit code 2) when the file cannot be used at
    all and :class:`ModelError` (exit code 1) listing every problem of an
    invalid model.
    """
    name = str(path)
    fmt = _format_for(Path(path), format)
    text = read_text(path, expected=_EXPECTED, max_bytes=max_bytes)
    data, lines, issues = parse_model_text(text, format=fmt, filename=name)
    return model_from_data(data, lines, name, issues)


def dumps_model(model: SystemModel, format: str = "yaml") -> str:
    """The model as stable, diff-friendly YAML or JSON text."""
    data = model.to_dict()
    if format == "yaml":
        return dump_yaml(data)
    if format == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    raise InputError(f"unknown model format {format!r}: use yaml or json")


def save_model(
    model: SystemModel, path: str | os.PathLike[str], *, format: str | None = None
) -> Path:
    """Write *model* to *path* atomically; the format follows the suffix.

    The text goes to a temporary file in the same folder, is flushed and
    fsynced, then replaces *path* in one step: a failure leaves any previous
    file untouched.
    """
    target = Path(path)
    fmt = _format_for(target, format)
    atomic_write_text(target, dumps_model(model, fmt))
    return target
