"""Upgrading model data written with an older schema version.

Version history:

- **0** - the first drafts: the same layout, but flows were listed under
  ``edges`` and named their ends ``source`` and ``target``.
- **1** - ``flows`` with ``from`` and ``to``.
- **2** - the current layout: the same as version 1, with more optional facts
  (execution of model output, resource limits, identity, approval modes,
  command lists, egress control, providers, sandboxes, clients on devices
  others hold, multi-agent communication). No version-1 fact changes meaning,
  so the upgrade only sets the version: the model, and every finding on it,
  stay the same.

A newer version than this workbench knows is refused with an
:class:`~workbench.errors.InputError` naming both versions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from workbench.errors import InputError
from workbench.model.definitions import SCHEMA_VERSION

__all__ = ["migrate"]

Path = tuple[str | int, ...]


def _rename_paths(
    lines: dict[Path, int], old: Path, new: Path
) -> dict[Path, int]:
    n = len(old)
    out: dict[Path, int] = {}
    for path, line in lines.items():
        if path[:n] == old:
            out[new + path[n:]] = line
        else:
            out[path] = line
    return out


def _v0_to_v1(
    data: dict[str, Any], line_map: Mapping[Path, int]
) -> tuple[dict[str, Any], Mapping[Path, int]]:
    lines = dict(line_map)
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key == "edges":
            key = "flows"
        out[key] = value
    out["schema_version"] = 1
    lines = _rename_paths(lines, ("edges",), ("flows",))
    flows = out.get("flows")
    if isinstance(flows, list):
        new_flows: list[Any] = []
        for i, flow in enumerate(flows):
            if isinstance(flow, Mapping):
                renamed: dict[str, Any] = {}
                for key, value in flow.items():
                    new_key = str({"source": "from", "target": "to"}.get(key, key))
                    if new_key != key:
                        line = lines.pop(("flows", i, key), None)
                        if line is not None:
                            lines[("flows", i, new_key)] = line
                    renamed[new_key] = value
                flow = renamed
            new_flows.append(flow)
        out["flows"] = new_flows
    return out, lines


def _v1_to_v2(
    data: dict[str, Any], lines: Mapping[Path, int]
) -> tuple[dict[str, Any], Mapping[Path, int]]:
    # Version 2 only adds optional facts: the paths, and the line map, stay.
    data["schema_version"] = 2  # ``migrate`` hands each step its own copy
    return data, lines


Step = Callable[
    [dict[str, Any], Mapping[Path, int]], tuple[dict[str, Any], Mapping[Path, int]]
]

#: Each step, with what it changes in words (for the notice).
_STEPS: dict[int, tuple[Step, str]] = {
    0: (_v0_to_v1, "'edges' are now 'flows' with 'from' and 'to'"),
    1: (_v1_to_v2, "every fact kept as it was; version 2 adds optional facts: execution of "
        "model output, resource limits, identity, approval modes, egress control, providers, "
        "sandboxes, clients on devices, multi-agent communication"),
}


def migrate(
    data: Any, lines: Mapping[Path, int] | None, filename: str | None
) -> tuple[Any, Mapping[Path, int], list[str]]:
    """Bring *data* to the current schema version.

    Returns the data, the line map with paths renamed to match, and notices
    describing what was changed. Data that is not a mapping, or has no usable
    ``schema_version``, is returned unchanged for the validator to report.
    """
    # The line map is passed on as it is (it may be computed lazily, only when a
    # problem is reported); a migration step works on a copy.
    line_map: Mapping[Path, int] = lines if lines is not None else {}
    notices: list[str] = []
    if not isinstance(data, Mapping):
        return data, line_map, notices
    version = data.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, int):
        return data, line_map, notices
    name = filename or "model"
    if version > SCHEMA_VERSION:
        raise InputError(
            f"{name}: written with model schema version {version}, but this workbench reads "
            f"versions up to {SCHEMA_VERSION}: upgrade ai-threat-workbench"
        )
    if version < 0:
        return data, line_map, notices
    current = dict(data)
    start = version
    changes: list[str] = []
    while version < SCHEMA_VERSION:
        step, change = _STEPS[version]
        current, line_map = step(current, line_map)
        changes.append(change)
        version += 1
    if start != SCHEMA_VERSION:
        notices.append(
            f"{name}: migrated from schema version {start} to {SCHEMA_VERSION} "
            f"({'; '.join(changes)}); save the model to upgrade the file"
        )
    return current, line_map, notices
