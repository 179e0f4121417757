"""``workbench scan``: read model files without loading them, and state what they are."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import Any

from workbench._output import date_option, to_json
from workbench.commands._parsers import TABLE_JSON, Options, add_command
from workbench.errors import InputError

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add the ``scan`` sub-command."""
    add_command(
        subparsers,
        "scan",
        cmd_scan,
        help="scan model files and folders (never loads them) and state the facts on a model",
        description=(
            "Inspect model files and folders without loading or unpickling them: "
            "safetensors, pickle-based files (.pkl .pt .pth .bin .ckpt joblib, PyTorch zip "
            "archives), Keras .keras and .h5, ONNX, GGUF and TensorFlow SavedModel. For each "
            "file: format, size, SHA-256, and the calls it would make when loaded, judged "
            "safe, suspicious or dangerous. With --model and --component the results become "
            "attributes of that model component, with the scan as their evidence, and the "
            "model file is saved atomically. Exit 0 when nothing dangerous was found, 1 when "
            "a file is dangerous, 2 when a file was refused (truncated, oversized, hostile) "
            "or the model cannot be used; then nothing is written."
        ),
        options=_SCAN_OPTIONS,
        formats=TABLE_JSON,
    )


_SCAN_OPTIONS: Options = {
    "paths": {"nargs": "+", "metavar": "PATH", "help": "model files or folders to scan"},
    "--model": {"metavar": "MODEL", "help": "the model file to record the results in"},
    "--component": {"metavar": "ID", "help": "the model component the files belong to"},
    "--date": {
        "metavar": "YYYY-MM-DD",
        "help": "the scan date recorded as evidence (default: today)",
    },
}


def _date(text: str | None) -> dt.date | None:
    return date_option(text, "--date")


def cmd_scan(args: argparse.Namespace) -> int:
    from workbench.scan import apply_scan, scan_paths

    if bool(args.model) != bool(args.component):
        raise InputError("--model and --component go together: name the model file and the "
                         "component the files belong to")
    date = _date(args.date)
    model = None
    if args.model:
        from workbench.model import load_model

        model = load_model(args.model)
        if args.component not in model:
            known = ", ".join(c.id for c in model.components("model")) or "none"
            raise InputError(f"{args.model}: no component {args.component!r} (model "
                             f"components: {known})")
    report = scan_paths(args.paths)
    changes: list[str] = []
    if model is not None and not report.errors:
        from workbench.model import save_model

        changes = apply_scan(model, args.component, report, date=date)
        save_model(model, args.model)
    if args.format == "json":
        data = report.to_dict()
        if model is not None:
            data["model"] = args.model
            data["component"] = args.component
            data["changes"] = changes
            data["written"] = not report.errors
        sys.stdout.write(to_json(data))
    else:
        sys.stdout.write(report.to_text())
        if changes:
            print(f"\n{args.component} in {args.model}:")
            for change in changes:
                print(f"  {change}")
    if report.errors:
        if model is not None:
            print(f"workbench: {args.model} not changed: the scan refused "
                  f"{len(report.errors)} file(s)", file=sys.stderr)
        for error in report.errors:
            print(f"workbench: {error}", file=sys.stderr)
        return 2
    if model is not None:
        print(f"wrote {args.model}", file=sys.stderr)
    return 1 if report.verdict == "dangerous" else 0
