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
from workbench.errors import InputError, Issue, ModelError
from workbench.model._migrate import migrate
from workbench.model._yaml import MAX_DEPTH, LazyLines, dump_yaml, parse_yaml
from workbench.model.system import SystemModel
from workbench.model.validate import format_path, validate_data

__all__ = [
    "DEFAULT_MAX_BYTES",
    "dumps_model",
    "load_model",
    "loads_model",
    "model_from_data",
    "parse_model_text",
    "save_model",
]

#: Largest model file read unless ``max_bytes`` says otherwise (10 MB).
DEFAULT_MAX_BYTES = 10 * 1024 * 1024

LineMap = dict[tuple[str | int, ...], int]
_FORMATS = ("yaml", "json")


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


def _depth_ok(data: Any, limit: int = MAX_DEPTH) -> bool:
    if type(data) is not dict and type(data) is not list:
        return True
    stack: list[tuple[Any, int]] = [(data, 1)]
    pop, push = stack.pop, stack.append
    while stack:
        value, depth = pop()
        if depth > limit:
            return False
        for child in value.values() if type(value) is dict else value:
            kind = type(child)
            if kind is dict or kind is list:
                push((child, depth + 1))
    return True


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


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


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
        repeated: list[bool] = []

        def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
            mapping = dict(items)
            if len(mapping) != len(items):
                repeated.append(True)
            return mapping

        try:
            data = json.loads(text, parse_constant=_reject_constant, object_pairs_hook=pairs)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"{filename}:{exc.lineno}: not valid JSON: {exc.msg} (column {exc.colno})"
            ) from None
        except RecursionError:
            raise InputError(f"{filename}: nested too deeply (limit {MAX_DEPTH} levels)") from None
        except ValueError as exc:
            raise InputError(f"{filename}: not valid JSON: {exc}") from None
        if not _depth_ok(data):
            raise InputError(f"{filename}: nested deeper than {MAX_DEPTH} levels")
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


def model_from_data(
    data: Any,
    lines: Mapping[tuple[str | int, ...], int] | None,
    filename: str | None,
    extra_issues: list[Issue] | None = None,
) -> SystemModel:
    """Migrate, validate and build a model from parsed data (see :func:`loads_model`)."""
    data, line_map, notices = migrate(data, lines, filename)
    issues = list(extra_issues or []) + validate_data(data, line_map, filename)
    if issues:
        issues.sort(key=lambda i: (i.line is None, i.line or 0))
        n = len(issues)
        raise ModelError(
            f"{filename or 'model'}: invalid model, {n} problem{'s' if n != 1 else ''}", issues
        )
    model = SystemModel._build(data)
    model.notices = notices
    model.source = filename
    return model


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
    if isinstance(text, bytes):
        if len(text) > max_bytes:
            raise InputError(_too_large(filename, len(text), max_bytes))
        text = _decode(text, filename)
    else:
        if len(text) > max_bytes or len(text.encode("utf-8", "surrogatepass")) > max_bytes:
            raise InputError(_too_large(filename, None, max_bytes))
    data, lines, issues = parse_model_text(text, format=format, filename=filename)
    return model_from_data(data, lines, filename, issues)


def _too_large(filename: str, size: int | None, max_bytes: int) -> str:
    shown = f" ({size:,} bytes)" if size is not None else ""
    return f"{filename}: too large{shown}: the limit is {max_bytes:,} bytes (max_bytes)"


def _decode(raw: bytes, filename: str) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{filename}: not UTF-8 text (byte {exc.start})") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\x00" in text:
        raise InputError(f"{filename}: not a text file (contains NUL bytes)")
    return text


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
    p = Path(path)
    name = str(path)
    fmt = _format_for(p, format)
    try:
        size = p.stat().st_size
        if size > max_bytes:
            raise InputError(_too_large(name, size, max_bytes))
        with p.open("rb") as handle:
            raw = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{name}: is a folder, not a model file") from None
    except PermissionError:
        raise InputError(f"{name}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot read: {exc.strerror or exc}") from None
    if len(raw) > max_bytes:
        raise InputError(_too_large(name, None, max_bytes))
    text = _decode(raw, name)
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
