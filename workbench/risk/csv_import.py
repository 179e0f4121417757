"""Merge a register CSV edited in a spreadsheet back into a project.

During a workshop analysts edit scores, owners, treatments and notes in Excel
or LibreOffice; the edits merge into the project by finding id:

* one leading ``'`` is removed from text cells (the export's formula
  protection); comma or semicolon separators are read from the header; UTF-8
  with or without a byte order mark, and cp1252 when UTF-8 fails (with a
  notice); extra columns are ignored (with a notice); missing required columns
  are named;
* each row carries the ``row_version`` of its editable fields at export: a row
  changed both in the spreadsheet and in the project since then is a conflict,
  reported with its line;
* rows without an id become manual findings;
* nothing is half-applied: the edits are applied to a copy of the project and
  only copied back when every row went in; any error leaves the project as it
  was.
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench._atomic import atomic_write_bytes
from workbench._csvsafe import unprotect
from workbench.errors import InputError, Issue, WorkbenchError
from workbench.register import COLUMN_NAMES, EDITABLE_COLUMNS, LIST_SEPARATOR, row_version

__all__ = ["ImportReport", "RegisterImportError", "import_register_csv", "read_register_csv"]

REQUIRED = ("id", "row_version")
MANUAL_REQUIRED = ("element", "title", "reason")
MAX_BYTES = 50_000_000


class RegisterImportError(WorkbenchError):
    """The CSV could not be merged; ``issues`` names each line and problem. Nothing was changed."""

    exit_code = 1

    def __init__(self, message: str, issues: list[Issue]) -> None:
        self.issues = issues
        super().__init__(message + "\n" + "\n".join(f"  {i}" for i in issues))


@dataclass
class ImportReport:
    updated: list[str] = field(default_factory=list)
    decisions: list[str] = field(default_factory=list)
    manual: list[str] = field(default_factory=list)
    unchanged: int = 0
    notices: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"imported: {len(self.updated)} finding(s) updated, {len(self.decisions)} decision(s) "
            f"recorded, {len(self.manual)} manual finding(s) added, {self.unchanged} unchanged"
        )


def read_register_csv(
    path: str | Path,
) -> tuple[list[str], list[tuple[int, dict[str, str]]], list[str]]:
    """Read a register CSV: header, rows with their line numbers, notices."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise InputError(f"{p}: cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:
        raise InputError(f"{p}: too large for a register ({len(raw):,} bytes)")
    notices: list[str] = []
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
        notices.append(f"{p.name} is not UTF-8; read it as Windows-1252 (cp1252)")
    if "\x00" in text:
        raise InputError(f"{p}: not a text file")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise InputError(
            f"{p}: empty file: expected a header line with the register columns"
        ) from None
    except csv.Error as exc:
        raise InputError(f"{p}:1: not readable as CSV: {exc}") from None
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError(
            f"{p}:1: missing required column(s) {', '.join(missing)}; export the register again "
            "(workbench register PROJECT --format csv) and edit that file"
        )
    extra = [h for h in header if h not in COLUMN_NAMES]
    if extra:
        notices.append(f"ignored column(s) not in the register: {', '.join(extra)}")
    rows = []
    try:
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            row = {
                h: values[i] if i < len(values) else ""
                for i, h in enumerate(header)
                if h in COLUMN_NAMES
            }
            rows.append((line, row))
    except csv.Error as exc:
        raise InputError(f"{p}:{reader.line_num}: not readable as CSV: {exc}") from None
    return header, rows, notices


def _cells(row: dict[str, str]) -> dict[str, str]:
    return {k: unprotect(v) for k, v in row.items()}


def _int(value: str, name: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    try:
        number = float(value.replace(",", "."))
    except ValueError:
        raise ValueError(f"{name}: expected a whole number, got {value!r}") from None
    if number != int(number):
        raise ValueError(f"{name}: expected a whole number, got {value!r}")
    return int(number)


def _links(value: str) -> list[str]:
    return [v.strip() for v in value.replace(LIST_SEPARATOR, ";").split(";") if v.strip()]


def import_register_csv(project: Any, path: str | Path, *, by: str | None = None) -> ImportReport:
    """Merge the edits of a register CSV into *project*; all or nothing."""
    from workbench.project import PROJECT_FILES, Project, _sha

    who = project.actor(by)
    header, rows, notices = read_register_csv(path)
    filename = str(path)
    report = ImportReport(notices=notices)
    project._check_revision()
    current_rows = {r["id"]: r for r in project.state().rows}
    issues: list[Issue] = []
    with tempfile.TemporaryDirectory(prefix="wb-import-") as tmp:
        work = Path(tmp) / "project"
        shutil.copytree(project.path, work)
        copy = Project.open(work, clock=project.clock)
        copy._catalog, copy._rules, copy._matrix = project._catalog, project._rules, project._matrix
        for line, raw in rows:
            row = _cells(raw)
            fid = row.get("id", "").strip()
            try:
                if not fid:
                    _add_manual(copy, row, header, who, report)
                    continue
                current = current_rows.get(fid)
                if current is None:
                    raise ValueError(
                        f"no finding {fid!r} in the project (was it renamed or removed?)"
                    )
                sheet = {name: row[name] for name in EDITABLE_COLUMNS if name in row}
                exported_version = row.get("row_version", "").strip()
                sheet_full = {name: _text(current.get(name)) for name in EDITABLE_COLUMNS}
                sheet_full.update(sheet)
                changed_in_sheet = (
                    not exported_version or row_version(sheet_full) != exported_version
                )
                changed_in_project = (
                    bool(exported_version) and row_version(current) != exported_version
                )
                edited = {
                    name
                    for name, value in sheet.items()
                    if _norm(value) != _norm(_text(current.get(name)))
                }
                if not changed_in_sheet or not edited:
                    report.unchanged += 1
                    continue
                if changed_in_project:
                    raise ValueError(
                        f"conflict: {fid} was changed in the spreadsheet and in the project since "
                        f"the export ({', '.join(sorted(edited))}); export again and redo the edit"
                    )
                _apply(copy, fid, row, edited, current, who, report)
            except WorkbenchError as exc:
                issues.append(Issue(filename, line, fid or "(new row)", " ".join(str(exc).split())))
            except ValueError as exc:
                issues.append(Issue(filename, line, fid or "(new row)", str(exc)))
        if issues:
            raise RegisterImportError(
                f"{filename}: {len(issues)} problem(s); nothing was imported", issues
            )
        # all rows went in: copy the changed files back, after one more revision check
        project._check_revision()
        for name in (*PROJECT_FILES[1:], "decisions.jsonl", "project.yaml"):
            src = work / name
            if src.exists():
                data = src.read_bytes()
                dst = project.path / name
                if not dst.exists() or dst.read_bytes() != data:
                    atomic_write_bytes(dst, data)
                if name in PROJECT_FILES:
                    project._hashes[name] = _sha(data)
    reopened = Project.open(project.path, clock=project.clock)
    project.settings, project.model, project.assessment = (
        reopened.settings,
        reopened.model,
        reopened.assessment,
    )
    project.log = reopened.log
    project._hashes = reopened._hashes
    project._changed()
    return report


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return LIST_SEPARATOR.join(str(v) for v in value)
    return str(value)


def _norm(value: str) -> str:
    """Spreadsheets may write line ends as CRLF inside cells; nothing else is normalised."""
    return str(value).replace("\r\n", "\n")


def _apply(
    copy: Any,
    fid: str,
    row: dict[str, str],
    edited: set[str],
    current: dict[str, Any],
    who: str,
    report: ImportReport,
) -> None:
    if "title" in edited and current.get("rule") != "manual":
        edited.discard("title")
        report.notices.append(f"{fid}: the title of a rule's finding is not editable; kept")
    score_fields = {"likelihood", "impact", "likelihood_reason", "impact_reason"} & edited
    if score_fields:
        lik = _int(row.get("likelihood", ""), "likelihood") if "likelihood" in edited else None
        imp = _int(row.get("impact", ""), "impact") if "impact" in edited else None
        reason = (
            row.get("likelihood_reason")
            if "likelihood_reason" in edited
            else row.get("impact_reason")
            if "impact_reason" in edited
            else ""
        ) or "edited in the register spreadsheet"
        if lik is not None or imp is not None:
            copy.override(fid, likelihood=lik, impact=imp, reason=reason.strip(), by=who)
    decision_fields = {"treatment", "rationale", "owner", "review_by", "links"} & edited
    if decision_fields:
        treatment = row.get("treatment", current.get("treatment") or "").strip()
        decision = copy.decide(
            fid,
            treatment,
            row.get("rationale", current.get("rationale") or ""),
            owner=(row.get("owner", current.get("owner") or "") or None),
            review_by=(row.get("review_by", current.get("review_by") or "").strip() or None),
            links=_links(row.get("links", _text(current.get("links")))),
            by=who,
        )
        report.decisions.append(decision.id)
    if "notes" in edited:
        copy.set_note(fid, row.get("notes", ""), by=who)
    report.updated.append(fid)


def _add_manual(
    copy: Any, row: dict[str, str], header: list[str], who: str, report: ImportReport
) -> None:
    missing = [c for c in MANUAL_REQUIRED if c not in header]
    if missing:
        raise ValueError(
            f"a row without an id becomes a manual finding and needs the column(s) {', '.join(missing)}"
        )
    lik = _int(row.get("likelihood", ""), "likelihood") or 3
    imp = _int(row.get("impact", ""), "impact") or 3
    finding = copy.add_manual_finding(
        row.get("element", "").strip(),
        row.get("title", "").strip(),
        reason=row.get("reason", ""),
        technique=(row.get("technique", "").strip() or None),
        likelihood=lik,
        impact=imp,
        by=who,
    )
    report.manual.append(finding.id)
