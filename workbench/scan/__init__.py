"""Scan model files and folders without loading them.

:func:`scan_paths` reads what model files are made of — never unpickling,
importing or running anything — and returns a :class:`ScanReport`: for each
file its format, size, SHA-256 (hashed in chunks), the calls it would make when
loaded judged ``safe``, ``suspicious`` or ``dangerous``, and what the scan
could not tell. Folders with a ``config.json`` or a model card add the
architecture, base model, licence and datasets (:class:`FolderInfo`).

Formats: safetensors, pickle-based files (``.pkl``, ``.pt``, ``.pth``,
``.bin``, ``.ckpt``, joblib; PyTorch zip archives), Keras ``.keras`` and
``.h5``, ONNX, GGUF and TensorFlow SavedModel folders. How each is read, and
why pickles are judged by picklescan, is in ``docs/scan.md``.

:func:`apply_scan` turns a report into attributes of a model component, with
the scan recorded as their evidence (``artifact_scan``).

>>> import pickle, tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "model.pkl").write_bytes(pickle.dumps({"weights": [1, 2]}))
>>> report = scan_paths([folder])
>>> [(f.format, f.verdict) for f in report.files]
[('pickle', 'safe')]
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench._input.read import os_errors
from workbench.errors import InputError
from workbench.scan._core import (
    LIMITS,
    VERDICTS,
    Call,
    FileResult,
    FolderInfo,
    Limits,
    Refused,
    sha256_of,
    worst,
)
from workbench.scan.apply import apply_scan, scan_updates, scanner_name
from workbench.scan.formats import (
    MODEL_SUFFIXES,
    SERIALIZATION,
    detect,
    keras_calls,
    scan_gguf,
    scan_keras_zip,
    scan_safetensors,
)
from workbench.scan.hdf5 import read_root_attributes
from workbench.scan.metadata import read_folder_info
from workbench.scan.pickles import scan_pickle_file, scan_zip_pickles
from workbench.scan.protobuf import scan_onnx, scan_saved_model_pb

__all__ = [
    "LIMITS",
    "VERDICTS",
    "Call",
    "FileResult",
    "FolderInfo",
    "Limits",
    "Refused",
    "ScanReport",
    "apply_scan",
    "scan_file",
    "scan_paths",
    "scan_updates",
    "scanner_name",
]


@dataclass
class ScanReport:
    """Everything one scan found: files, folders and refusals (``errors``)."""

    paths: list[str]
    files: list[FileResult] = field(default_factory=list)
    folders: list[FolderInfo] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    skipped: int = 0

    @property
    def verdict(self) -> str | None:
        """The worst verdict of the files, ``None`` when no file could be judged."""
        found = [f.verdict for f in self.files if f.verdict]
        return worst(found) if found else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "paths": list(self.paths),
            "scanner": scanner_name(),
            "verdict": self.verdict,
            "files": [f.to_dict() for f in self.files],
            "folders": [f.to_dict() for f in self.folders],
            "skipped_files": self.skipped,
            "errors": list(self.errors),
        }

    def to_text(self) -> str:
        """The report for people: one line per file, then what each one holds."""
        from workbench._output import render_table

        rows = [
            {
                "file": f.path,
                "format": f.format,
                "size": f"{f.size:,}",
                "sha256": (f.sha256 or "")[:16],
                "verdict": f.verdict or ("refused" if f.error else "cannot tell"),
            }
            for f in self.files
        ]
        lines: list[str] = []
        if rows:
            lines.append(render_table(rows, ["file", "format", "size", "sha256", "verdict"])
                         .rstrip("\n"))
        else:
            lines.append("no model file found")
        for f in self.files:
            extra = [f"  {c.safety}: {c.text()}" for c in f.calls if c.safety != "safe"]
            safe = [c.what for c in f.calls if c.safety == "safe"]
            if safe:
                extra.append(f"  safe imports: {', '.join(safe[:12])}"
                             + (" …" if len(safe) > 12 else ""))
            extra += [f"  note: {n}" for n in f.notes]
            if extra:
                lines += ["", f"{f.path}:", *extra]
        for folder in self.folders:
            facts = [
                ("architecture", folder.architecture),
                ("model type", folder.model_type),
                ("base model", ", ".join(folder.base_model) or None),
                ("licence", folder.license),
                ("datasets", ", ".join(folder.datasets) or None),
                ("supplier", folder.supplier),
                ("version", folder.version),
                ("model card", folder.model_card),
            ]
            lines += ["", f"{folder.path} (from {', '.join(folder.sources)}):"]
            lines += [f"  {k}: {v}" for k, v in facts if v]
            lines += [f"  note: {n}" for n in folder.notes]
        if self.skipped:
            lines += ["", f"{self.skipped} other file{'s' if self.skipped != 1 else ''} "
                          "(not model files) not scanned"]
        if self.errors:
            lines += ["", f"Refused ({len(self.errors)})", *(f"  {e}" for e in self.errors)]
        lines += ["", f"verdict: {self.verdict or 'cannot tell'} ({scanner_name()})"]
        return "\n".join(lines) + "\n"


def _zip_names(handle: Any, head: bytes, name: str, limits: Limits) -> list[str] | None:
    if not head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return None
    from workbench.scan.pickles import open_zip

    return [i.filename for i in open_zip(handle, name, limits).infolist()]


def scan_file(path: str | os.PathLike[str], display: str | None = None,
              limits: Limits = LIMITS) -> FileResult:
    """Scan one file. Raises :class:`Refused` for a truncated, oversized or hostile file."""
    p = Path(path)
    name = display or str(path)
    result = FileResult(path=name)
    with os_errors(name):
        if not stat.S_ISREG(p.stat().st_mode):
            raise InputError(f"{name}: not a regular file (a device, pipe or socket): refused")
        handle = p.open("rb")
    with handle:
        result.size = os.fstat(handle.fileno()).st_size
        head = handle.read(16)
        handle.seek(0)
        names = _zip_names(handle, head, name, limits)
        if names is not None:
            names = [n.rsplit("/", 1)[-1] for n in names] + names
        fmt = detect(head, name, result.size, names)
        result.format = fmt
        result.serialization = SERIALIZATION[fmt]
        _read_format(handle, name, fmt, result, limits)
        result.sha256 = sha256_of(handle)
    return result


def _read_format(handle: Any, name: str, fmt: str, result: FileResult, limits: Limits) -> None:
    if fmt == "safetensors":
        scan_safetensors(handle, name, result, limits)
    elif fmt in ("pickle", "joblib", "torch_legacy"):
        scan_pickle_file(handle, name, result, limits)
    elif fmt in ("torch_zip", "zip"):
        scan_zip_pickles(handle, name, result, limits)
    elif fmt == "keras":
        scan_keras_zip(handle, name, result, limits)
    elif fmt == "keras_h5":
        _scan_h5(handle, name, result, limits)
    elif fmt == "onnx":
        scan_onnx(handle, name, result, limits)
    elif fmt == "gguf":
        scan_gguf(handle, name, result, limits)
    elif fmt == "saved_model":
        scan_saved_model_pb(handle, name, result, limits)
    else:
        result.notes.append("not a model format the scan knows: cannot tell what loading it does")


def _scan_h5(handle: Any, name: str, result: FileResult, limits: Limits) -> None:
    import json

    attrs, notes = read_root_attributes(handle, name, result.size, limits)
    result.notes.extend(notes)
    for key in ("keras_version", "backend"):
        if key in attrs:
            result.details[key] = attrs[key][:40]
    config_text = attrs.get("model_config")
    if config_text is None:
        result.notes.append(
            "an HDF5 file without a readable model_config attribute: a weights-only file, "
            "or one this reader cannot follow; cannot tell whether it holds Lambda layers"
        )
        result.verdict = None
        return
    try:
        config = json.loads(config_text)
    except (ValueError, RecursionError):
        raise Refused(f"{name}: the model_config attribute is not valid JSON") from None
    if isinstance(config, dict):
        result.details["class_name"] = str(config.get("class_name"))[:80]
    result.calls.extend(keras_calls(config, "model_config"))
    result.judge()


def _is_model_file(path: Path) -> bool:
    lower = path.name.lower()
    return lower.endswith(MODEL_SUFFIXES) or lower == "saved_model.pb"


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


def _walk(folder: Path, display: str, report: ScanReport, limits: Limits) -> list[tuple[Path,
                                                                                       str]]:
    root = folder.resolve()
    found: list[tuple[Path, str]] = []
    seen = 0
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames.sort()
        here = Path(dirpath)
        rel_dir = here.relative_to(folder)
        for entry in [*dirnames, *sorted(filenames)]:
            seen += 1
            if seen > limits.folder_files:
                raise Refused(f"{display}: more than {limits.folder_files:,} files and folders: "
                              "refused (scan a smaller folder)")
            full = here / entry
            shown = str(Path(display) / rel_dir / entry)
            if full.is_symlink():
                target = full.resolve()
                if not _inside(target, root):
                    report.errors.append(
                        f"{shown}: a symbolic link that leaves the scanned folder "
                        f"(to {target}): refused"
                    )
                    continue
                if target.is_dir():
                    continue  # the folder it names is inside and walked anyway
            if entry in dirnames:
                continue
            if _is_model_file(full):
                found.append((full, shown))
            else:
                report.skipped += 1
    return found


def scan_paths(paths: Iterable[str | os.PathLike[str]], limits: Limits = LIMITS) -> ScanReport:
    """Scan files and folders; refusals go to :attr:`ScanReport.errors`, never raise.

    A path that does not exist is an error of the report too.
    """
    given = [str(p) for p in paths]
    report = ScanReport(paths=given)
    for raw in given:
        path = Path(raw)
        try:
            if not path.exists() and not path.is_symlink():
                raise InputError(f"{raw}: no such file or folder")
            if path.is_dir():
                _scan_folder(path, raw, report, limits)
            else:
                report.files.append(scan_file(path, raw, limits))
        except InputError as exc:
            report.errors.append(str(exc))
    return report


def _scan_folder(path: Path, display: str, report: ScanReport, limits: Limits) -> None:
    files = _walk(path, display, report, limits)
    folders = sorted({f.parent for f, _ in files} | {path})
    for folder in folders:
        shown = str(Path(display) / folder.relative_to(path))
        try:
            info = read_folder_info(folder, shown, limits)
        except InputError as exc:
            report.errors.append(str(exc))
            continue
        if info is not None:
            report.folders.append(info)
    for full, shown in files:
        try:
            result = scan_file(full, shown, limits)
        except InputError as exc:
            report.errors.append(str(exc))
            continue
        if result.format == "saved_model":
            _saved_model_extras(full.parent, result, limits)
        report.files.append(result)


def _saved_model_extras(folder: Path, result: FileResult, limits: Limits) -> None:
    variables = folder / "variables"
    result.details["variables"] = variables.is_dir()
    meta = folder / "keras_metadata.pb"
    if meta.is_file() and not meta.is_symlink():
        if meta.stat().st_size > limits.document_bytes:
            result.notes.append("keras_metadata.pb is too large to read: Lambda layers not "
                                "checked")
            return
        raw = meta.read_bytes()
        if b'"class_name": "Lambda"' in raw or b'"class_name":"Lambda"' in raw:
            result.calls.append(Call("Lambda layer: serialized Python code that runs when the "
                                     "Keras model is loaded", "dangerous", "keras_metadata.pb"))
            result.judge()
    result.notes.append("the SHA-256 is that of saved_model.pb; the variables are not hashed")
