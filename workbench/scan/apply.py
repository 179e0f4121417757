"""Scan results as facts of a model component, with the scan as their evidence.

:func:`apply_scan` states ``serialization``, ``sha256``, ``supplier``,
``version``, ``docs``, ``architecture``, ``base_model``, ``license``,
``datasets``, ``scan_verdict`` and ``unsafe_calls`` on a model component and
records the scan itself in ``artifact_scan`` (tool, date, files, the
attributes it stated). ``serialization`` is what the files are, so it is
always replaced; the other facts a person stated stay as they are when the
files say otherwise (the change list says so); facts an earlier scan stated
are replaced. A stated ``sha256`` that the scanned file does not match is refused:
the files are not the ones the model names.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import TYPE_CHECKING, Any

from workbench.errors import InputError

if TYPE_CHECKING:
    from workbench.model.system import SystemModel
    from workbench.scan import ScanReport

__all__ = ["apply_scan", "scan_updates", "scanner_name"]

# Formats that can run code when loaded come first: when a folder holds several,
# the loader may pick either, so the model states the riskiest.
_RISK = ("unknown", "pickle", "joblib", "torch_pickle", "keras", "saved_model", "onnx", "gguf",
         "safetensors")
_SCAN_OWNED = ("scan_verdict", "unsafe_calls", "artifact_scan")


@cache
def scanner_name() -> str:
    """``workbench scan <version> with picklescan <version>``."""
    from importlib.metadata import PackageNotFoundError, version

    from workbench._version import __version__

    try:
        pickles = version("picklescan")
    except PackageNotFoundError:  # pragma: no cover - a dependency
        pickles = "?"
    return f"workbench scan {__version__} with picklescan {pickles}"


def _link_ok(text: str) -> bool:
    return bool(text) and not any(ch.isspace() or not ch.isprintable() for ch in text)


def apply_scan(
    model: SystemModel,
    component_id: str,
    report: ScanReport,
    *,
    date: dt.date | None = None,
) -> list[str]:
    """State the findings of *report* on model component *component_id*; return the changes.

    Raises :class:`~workbench.errors.InputError` when the report has refusals
    or no model file, the component is not a model, or a stated ``sha256``
    does not match the scanned file. Nothing is changed then.
    """
    updates, changes = scan_updates(model, component_id, report, date=date)
    model.update_component(component_id, **updates)
    return changes


def scan_updates(
    model: SystemModel,
    component_id: str,
    report: ScanReport,
    *,
    date: dt.date | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """The attribute changes :func:`apply_scan` makes (``None`` unsets), and their list."""
    component, files = _scanned(model, component_id, report)
    day = (date or dt.date.today()).isoformat()
    previous = component.get("artifact_scan") or {}
    owned = set(previous.get("stated") or ())
    changes: list[str] = []
    values = _format_and_digest(component, files, owned, changes)
    folder_facts, docs = _folder_facts(report, files)
    values.update(folder_facts)

    calls = [f"{f.path}: {c.text()}" for f in files for c in f.calls if c.safety != "safe"]
    verdicts = [f.verdict for f in files if f.verdict]
    stated_now: list[str] = []
    updates: dict[str, Any] = {}
    for key, value in values.items():
        current = component.get(key)
        if isinstance(current, tuple):
            current = tuple(current)
        if current is None or key in owned or current == value or key == "serialization":
            if current != value:
                updates[key] = value
                changes.append(f"{key}: {_show(current)} → {_show(value)}")
            stated_now.append(key)
        else:
            changes.append(f"{key}: kept the stated {_show(current)} (the files say "
                           f"{_show(value)})")
    current_docs = list(component.get("docs") or ())
    new_docs = [d for d in docs if d not in current_docs]
    if new_docs:
        updates["docs"] = tuple(current_docs + new_docs)
        changes.append(f"docs: added {', '.join(new_docs)}")
    if new_docs or "docs" in owned:
        stated_now.append("docs")
    if verdicts:
        updates["scan_verdict"] = max(verdicts, key=("safe", "suspicious", "dangerous").index)
        changes.append(f"scan_verdict: {updates['scan_verdict']}")
    else:
        updates["scan_verdict"] = None
        changes.append("scan_verdict: not stated (the scan cannot tell for any file)")
    updates["unsafe_calls"] = tuple(calls[:200]) or None
    if calls:
        changes.append(f"unsafe_calls: {len(calls)}")
    for key in ("scan_verdict", "unsafe_calls"):
        if updates.get(key) is not None:
            stated_now.append(key)
    for key in owned - set(stated_now) - set(_SCAN_OWNED) - {"docs"}:
        if component.get(key) is not None and key not in values:
            updates[key] = None
            changes.append(f"{key}: unset (stated by the previous scan, not by this one)")
    updates["artifact_scan"] = {
        "tool": scanner_name(),
        "date": day,
        "files": tuple(
            f"{f.path} ({f.format}, {f.size:,} bytes, sha256 {f.sha256}, "
            f"{f.verdict or 'cannot tell'})" for f in files
        ),
        "stated": tuple(sorted(set(stated_now))),
    }
    return updates, changes


def _scanned(model: SystemModel, component_id: str, report: ScanReport) -> tuple[Any, list[Any]]:
    """The model component and the files the scan read, or why nothing can be recorded."""
    if report.errors:
        raise InputError(
            f"the scan refused {len(report.errors)} file(s) ({report.errors[0]}): nothing "
            "recorded on the model"
        )
    if component_id not in model:
        raise InputError(f"no component {component_id!r} in the model")
    component = model.component(component_id)
    if component.kind != "model":
        raise InputError(
            f"component {component_id!r} is a {component.kind}: scan results describe a model "
            "component (kind: model)"
        )
    files = [f for f in report.files if f.error is None]
    if not files:
        raise InputError(f"{', '.join(report.paths)}: no model file found: nothing recorded")
    return component, files


def _format_and_digest(
    component: Any, files: list[Any], owned: set[str], changes: list[str]
) -> dict[str, Any]:
    """``serialization`` (the riskiest format) and ``sha256`` (of a single model file)."""
    values: dict[str, Any] = {}
    formats = sorted({f.serialization or "unknown" for f in files}, key=_RISK.index)
    values["serialization"] = formats[0]
    if len(formats) > 1:
        changes.append(
            f"the files are in {len(formats)} formats ({', '.join(formats)}): serialization is "
            f"{formats[0]}, the one that can do most when loaded; remove the files you do not "
            "ship and scan again"
        )
    weights = [f for f in files if f.sha256]
    if len(weights) == 1:
        digest = weights[0].sha256
        stated = component.get("sha256")
        if stated and stated.lower() != digest and "sha256" not in owned:
            raise InputError(
                f"component {component.id!r} states sha256 {stated}, but {weights[0].path} has "
                f"{digest}: the scanned file is not the one the model names; correct or remove "
                "sha256 and scan again"
            )
        if stated and stated.lower() == digest:
            changes.append(f"sha256 matches the stated value ({weights[0].path})")
        values["sha256"] = digest
    else:
        changes.append(f"{len(weights)} model files: sha256 not stated (it names one artifact)")
    return values


def _folder_facts(report: ScanReport, files: list[Any]) -> tuple[dict[str, Any], list[str]]:
    """Facts of the model folders (model cards, configs) and of the files' metadata; docs."""
    folder_facts: dict[str, Any] = {}
    docs: list[str] = []
    for info in report.folders:
        for key, value in (
            ("architecture", info.architecture),
            ("base_model", tuple(info.base_model) or None),
            ("license", info.license),
            ("datasets", tuple(info.datasets) or None),
            ("supplier", info.supplier),
            ("version", info.version),
        ):
            if value and key not in folder_facts:
                folder_facts[key] = value
        if info.model_card and _link_ok(info.model_card):
            docs.append(info.model_card)
    for f in files:
        raw_meta = f.details.get("metadata")
        meta: dict[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}
        for key, source in (
            ("supplier", "general.organization"),
            ("supplier", "general.author"),
            ("version", "general.version"),
            ("architecture", "general.architecture"),
            ("license", "general.license"),
        ):
            if meta.get(source) and key not in folder_facts:
                folder_facts[key] = str(meta[source])
    return folder_facts, docs


def _show(value: Any) -> str:
    if value is None:
        return "unstated"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)
