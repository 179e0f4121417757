"""The decision log's line format: one record per line in canonical JSON.

Reading a line, writing a record, splitting the log into lines and checking the
form of a record's signature are shared by :mod:`workbench.risk.decisions`
(which keeps the log) and :mod:`workbench.risk.signing` (which signs and checks
its records); they live here so that neither has to import the other.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from workbench.errors import InputError

#: The optional signature of a record (any type); see :mod:`workbench.risk.signing`.
SIGNATURE_FIELD = "sig"
_SIGNATURE_SIZES = {"key": 32, "value": 64}


class DecisionLogError(InputError):
    """The decision log cannot be read or appended to as it is (exit code 2)."""


def _hash(line: bytes) -> str:
    return hashlib.sha256(line).hexdigest()


def _canonical(record: Mapping[str, Any]) -> bytes:
    text = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def _split(data: bytes) -> tuple[list[bytes], bytes]:
    """Complete lines (without newline) and the partial bytes after the last newline."""
    if not data:
        return [], b""
    parts = data.split(b"\n")
    partial = parts.pop()
    return parts, partial


def _parse_line(line: bytes) -> tuple[dict[str, Any] | None, str | None]:
    if not line.strip():
        return None, "empty line"
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return None, "not UTF-8 text"
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, f"not valid JSON ({exc.msg} at column {exc.colno})"
    except (ValueError, RecursionError):
        return None, "not valid JSON"
    if not isinstance(value, dict):
        return None, "not a JSON object"
    return value, None


def _signature_shape_problem(sig: Any) -> str | None:
    """What is wrong with the form of a ``sig`` field (its truth is checked by signing)."""
    expected = "sig must be an object with alg (ed25519), key and value (base64)"
    if not isinstance(sig, dict) or set(sig) != {"alg", "key", "value"}:
        return expected
    if sig["alg"] != "ed25519":
        return f"sig: unknown signature algorithm {sig['alg']!r}; expected ed25519"
    for part, size in _SIGNATURE_SIZES.items():
        try:
            if not isinstance(sig[part], str):
                raise ValueError
            raw = base64.b64decode(sig[part], validate=True)
        except ValueError:
            return f"sig: {part} is not base64 text"
        if len(raw) != size or base64.b64encode(raw).decode("ascii") != sig[part]:
            return f"sig: {part} must be {size} bytes in base64"
    return None


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return b""
    except OSError as exc:
        raise DecisionLogError(f"{path}: cannot read the decision log: {exc}") from None
