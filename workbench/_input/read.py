"""Reading files with limits: size, UTF-8, no NUL bytes, JSON without surprises.

Every refusal is an :class:`~workbench.errors.InputError` of one line that
names the file and what it should have been (*expected*, e.g. ``"a model
file"``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from workbench._input.limits import DEFAULT_MAX_BYTES, MAX_DEPTH
from workbench.errors import InputError

__all__ = [
    "DEFAULT_MAX_BYTES",
    "check_text_size",
    "decode_text",
    "depth_ok",
    "parse_json",
    "read_bytes",
    "read_text",
]


def _for(expected: str | None) -> str:
    return f" for {expected}" if expected else ""


def _expected(expected: str | None) -> str:
    return f": expected {expected}" if expected else ""


def too_large(name: str, size: int | None, max_bytes: int, expected: str | None) -> str:
    shown = f" ({size:,} bytes)" if size is not None else ""
    return f"{name}: too large{shown}: the limit is {max_bytes:,} bytes{_for(expected)}"


def read_bytes(
    path: str | os.PathLike[str], *, expected: str, max_bytes: int = DEFAULT_MAX_BYTES
) -> bytes:
    """The bytes of *path*, at most *max_bytes*; :class:`InputError` otherwise."""
    p = Path(path)
    name = str(path)
    try:
        size = p.stat().st_size
        if size > max_bytes:
            raise InputError(too_large(name, size, max_bytes, expected))
        with p.open("rb") as handle:
            raw = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise InputError(f"{name}: no such file (expected {expected})") from None
    except IsADirectoryError:
        raise InputError(f"{name}: is a folder, not {expected}") from None
    except PermissionError:
        raise InputError(f"{name}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot read: {exc.strerror or exc}") from None
    if len(raw) > max_bytes:
        raise InputError(too_large(name, None, max_bytes, expected))
    return raw


def decode_text(raw: bytes, name: str, *, expected: str | None = None) -> str:
    """UTF-8 text without a byte-order mark; refuses other encodings and NUL bytes."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{name}: not UTF-8 text (byte {exc.start}){_expected(expected)}"
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\x00" in text:
        raise InputError(
            f"{name}: not a text file (contains NUL bytes){_expected(expected)}"
        )
    return text


def read_text(
    path: str | os.PathLike[str], *, expected: str, max_bytes: int = DEFAULT_MAX_BYTES
) -> str:
    """The UTF-8 text of *path*; :class:`InputError` naming *expected* otherwise."""
    raw = read_bytes(path, expected=expected, max_bytes=max_bytes)
    return decode_text(raw, str(path), expected=expected)


def check_text_size(
    text: str | bytes, name: str, max_bytes: int, *, expected: str | None = None
) -> str:
    """*text* (bytes decoded) when it is within *max_bytes*; :class:`InputError` otherwise."""
    if isinstance(text, bytes):
        if len(text) > max_bytes:
            raise InputError(too_large(name, len(text), max_bytes, expected))
        return decode_text(text, name, expected=expected)
    if len(text) > max_bytes or len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        raise InputError(too_large(name, None, max_bytes, expected))
    return text


def depth_ok(data: Any, limit: int = MAX_DEPTH) -> bool:
    """True when *data* nests mappings and lists at most *limit* deep (no recursion)."""
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


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def parse_json(text: str, name: str, *, expected: str | None = None) -> tuple[Any, bool]:
    """JSON *text* as plain data, and whether a key was given twice in one object.

    ``NaN`` and ``Infinity`` are refused, and so is nesting deeper than
    :data:`MAX_DEPTH`.
    """
    repeated: list[bool] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        mapping = dict(items)
        if len(mapping) != len(items):
            repeated.append(True)
        return mapping

    tail = _expected(expected)
    try:
        data = json.loads(text, parse_constant=_reject_constant, object_pairs_hook=pairs)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{name}:{exc.lineno}: not valid JSON: {exc.msg} (column {exc.colno}){tail}"
        ) from None
    except RecursionError:
        raise InputError(f"{name}: nested too deeply (limit {MAX_DEPTH} levels)") from None
    except ValueError as exc:
        raise InputError(f"{name}: not valid JSON: {exc}{tail}") from None
    if not depth_ok(data):
        raise InputError(f"{name}: nested deeper than {MAX_DEPTH} levels")
    return data, bool(repeated)
