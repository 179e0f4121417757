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
* a header naming a column twice, or a file naming a finding on two rows, is
  refused (which of the two would count?);
* numbers are whole numbers in range, written as digits only: ``2.5``,
  ``1e999``, ``+3``, ``NaN`` and a blank where a value is needed are refused
  with the line and column;
* every treatment is validated as in the workbench (placeholder rationales
  refused; what a high or critical finding's treatment needs named);
* the ``chosen_mitigations`` column carries the mitigation plan both ways;
* a row equal to the project records nothing: importing a file twice changes
  nothing the second time;
* nothing is half-applied: the edits are applied to a copy of the project and
  only copied back when every row went in; any error leaves the project as it
  was, byte for byte.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench._atomic import atomic_write_bytes
from workbench._csvsafe import unprotect
from workbench.errors import InputError, Issue, WorkbenchError
from workbench.register import COLUMN_NAMES, EDITABLE_COLUMNS, LIST_SEPARATOR, row_version
from workbench.risk.decisions import DecisionError
from workbench.risk.mitigations import MitigationError, parse_label

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
    seen: dict[str, int] = {}
    twice = []
    for i, name in enumerate(header, start=1):
        if name and name in seen:
            twice.append(f"{name!r} (columns {seen[name]} and {i})")
        seen.setdefault(name, i)
    if twice:
        raise InputError(
            f"{p}:1: the header names a column twice: {', '.join(twice)}; keep one of each "
            "(which one would count?)"
        )
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


_WHOLE = re.compile(r"[0-9]{1,3}")


def _int(value: str, name: str, top: int = 5, *, required: bool = False) -> int | None:
    """A whole number from 1 to *top* written as digits, or ``None`` for a blank cell."""
    text = value.strip()
    if not text:
        if required:
            raise _CellError(name, f"a whole number from 1 to {top} is required; the cell is blank")
        return None
    if not _WHOLE.fullmatch(text) or not 1 <= int(text) <= top:
        raise _CellError(name, f"expected a whole number from 1 to {top}, got {text!r}")
    return int(text)


class _CellError(ValueError):
    """A cell that cannot be taken: its column and what was expected."""

    def __init__(self, column: str, message: str) -> None:
        self.column = column
        super().__init__(message)


#: Decision fields and the register columns they come from.
_DECISION_COLUMNS = {
    "findings": "id", "treatment": "treatment", "rationale": "rationale", "owner": "owner",
    "review_by": "review_by", "links": "links", "mitigations": "chosen_mitigations",
    "due": "due", "carrier": "carrier", "design_change": "design_change",
    "confirmed_by": "confirmed_by", "date": "decided_on", "decided_by": "decided_by",
}
#: The files of a project folder an import may change, in the order they are
#: copied back (``project.yaml`` last), and those of them the project keeps a hash of (its ``PROJECT_FILES``).
COPIED_BACK = ("model.yaml", "assessment.yaml", "decisions.jsonl", "project.yaml")
HASHED_FILES = frozenset({"project.yaml", "model.yaml", "assessment.yaml"})
_DECISION_FIELDS = ("treatment", "rationale", "owner", "review_by", "links", "due", "carrier",
                    "design_change", "confirmed_by")


def _links(value: str) -> list[str]:
    return [v.strip() for v in value.replace(LIST_SEPARATOR, ";").split(";") if v.strip()]


def import_register_csv(project: Any, path: str | Path, *, by: str | None = None) -> ImportReport:
    """Merge the edits of a register CSV into *project*; all or nothing."""
    project_type = type(project)
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
        copy = project_type.open(work, clock=project.clock)
        copy._catalog, copy._rules, copy._matrix = project._catalog, project._rules, project._matrix
        first_line: dict[str, int] = {}
        for line, raw in rows:
            row = _cells(raw)
            fid = row.get("id", "").strip()
            if fid and fid in first_line:
                issues.append(Issue(
                    filename, line, f"{fid}, column id",
                    f"the finding is on line {first_line[fid]} already; keep one row per finding",
                ))
                continue
            if fid:
                first_line[fid] = line
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
                    and not _same_as_project(copy, fid, name, value)
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
            except DecisionError as exc:
                for name, message in exc.problems.items():
                    column = _DECISION_COLUMNS.get(name, name)
                    issues.append(Issue(filename, line, f"{fid or '(new row)'}, column {column}",
                                        " ".join(message.split())))
            except _CellError as exc:
                issues.append(Issue(filename, line, f"{fid or '(new row)'}, column {exc.column}",
                                    str(exc)))
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
        for name in COPIED_BACK:
            src = work / name
            if src.exists():
                data = src.read_bytes()
                dst = project.path / name
                if not dst.exists() or dst.read_bytes() != data:
                    atomic_write_bytes(dst, data)
                if name in HASHED_FILES:
                    project._hashes[name] = hashlib.sha256(data).hexdigest()
    reopened = project_type.open(project.path, clock=project.clock)
    project.settings, project.model, project.assessment = (
        reopened.settings,
        reopened.model,
        reopened.assessment,
    )
    project.log = reopened.log
    project._hashes = reopened._hashes
    project._changed()
    return report


def _same_as_project(project: Any, fid: str, name: str, value: str) -> bool:
    """A cell that differs in text from the register but says what the project holds.

    The reason of an override is shown with who gave it and the prefill; a
    plan entry may leave out what it does not change. Importing the same file
    twice must find nothing to do.
    """
    if name in ("likelihood_reason", "impact_reason"):
        given = (project.assessment.overrides.get(fid) or {}).get("reason")
        return given is not None and " ".join(value.split()) == " ".join(str(given).split())
    if name == "chosen_mitigations":
        try:
            wanted = [parse_label(e) for e in _plan_entries(value)]
        except ValueError:
            return False
        have = {c.id: c for c in project.assessment.mitigations.get(fid, [])}
        if sorted(w["id"] for w in wanted) != sorted(have):
            return False
        return all(
            getattr(have[w["id"]], key) == v for w in wanted for key, v in w.items() if key != "id"
        )
    return False


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
    changed = False
    if "title" in edited and current.get("rule") != "manual":
        edited.discard("title")
        report.notices.append(f"{fid}: the title of a rule's finding is not editable; kept")
    score_fields = {"likelihood", "impact", "likelihood_reason", "impact_reason"} & edited
    if score_fields:
        m = copy.matrix
        lik = (_int(row.get("likelihood", ""), "likelihood", m.max_likelihood, required=True)
               if "likelihood" in edited else None)
        imp = (_int(row.get("impact", ""), "impact", m.max_impact, required=True)
               if "impact" in edited else None)
        reason = (
            row.get("likelihood_reason")
            if "likelihood_reason" in edited
            else row.get("impact_reason")
            if "impact_reason" in edited
            else ""
        ) or "edited in the register spreadsheet"
        if lik is not None or imp is not None:
            copy.override(fid, likelihood=lik, impact=imp, reason=reason.strip(), by=who)
            changed = True
    if "chosen_mitigations" in edited:
        changed = _apply_plan(copy, fid, row.get("chosen_mitigations", ""), who) or changed
    if set(_DECISION_FIELDS) & edited:
        def cell(name: str) -> str:
            return row.get(name, _text(current.get(name)))

        treatment = cell("treatment").strip()
        if not treatment:
            raise _CellError("treatment", "a treatment is needed to record a decision "
                                          "(mitigate, accept, transfer, avoid, not_applicable)")
        decision = copy.decide(
            fid,
            treatment,
            cell("rationale"),
            owner=cell("owner").strip() or None,
            review_by=cell("review_by").strip() or None,
            links=_links(cell("links")),
            due=cell("due").strip() or None,
            carrier=cell("carrier").strip() or None,
            design_change=cell("design_change").strip() or None,
            confirmed_by=cell("confirmed_by").strip() or None,
            by=who,
        )
        if not decision.unchanged:
            report.decisions.append(decision.id)
            changed = True
    if "notes" in edited:
        copy.set_note(fid, row.get("notes", ""), by=who)
        changed = True
    if changed:
        report.updated.append(fid)
    else:
        report.unchanged += 1


def _apply_plan(copy: Any, fid: str, cell: str, who: str) -> bool:
    """Make the finding's chosen mitigations what the cell says; True when something changed."""
    wanted: dict[str, dict[str, Any]] = {}
    for entry in _plan_entries(cell):
        try:
            item = parse_label(entry)
        except ValueError as exc:
            raise _CellError("chosen_mitigations", str(exc)) from None
        if item["id"] in wanted:
            raise _CellError("chosen_mitigations", f"{item['id']} is listed twice")
        wanted[item["id"]] = item
    before = {c.id: c for c in copy.assessment.mitigations.get(fid, [])}
    changed = False
    for mid in sorted(set(before) - set(wanted)):
        copy.remove_mitigation(fid, mid, by=who)
        changed = True
    for mid, item in wanted.items():
        old = before.get(mid)
        values = {
            "status": item.get("status", old.status if old else "planned"),
            "owner": item.get("owner", old.owner if old else None),
            "due": item.get("due", old.due if old else None),
            "ticket": item.get("ticket", old.ticket if old else None),
            "likelihood_effect": item.get(
                "likelihood_effect", old.likelihood_effect if old else None
            ),
            "impact_effect": item.get("impact_effect", old.impact_effect if old else None),
            "effect_reason": item.get("effect_reason", old.effect_reason if old else None),
        }
        try:
            chosen = copy.choose_mitigation(fid, mid, by=who, note=old.note if old else "",
                                            **values)
        except MitigationError as exc:
            raise _CellError("chosen_mitigations", f"{mid}: {exc}") from None
        changed = changed or old is None or chosen != old
    return changed


def _plan_entries(cell: str) -> list[str]:
    """The entries of a chosen_mitigations cell (``; `` between them, not inside brackets)."""
    out: list[str] = []
    part: list[str] = []
    depth = 0
    for ch in cell:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        if ch == ";" and depth == 0:
            out.append("".join(part))
            part = []
        else:
            part.append(ch)
    out.append("".join(part))
    return [e.strip() for e in out if e.strip()]


def _add_manual(
    copy: Any, row: dict[str, str], header: list[str], who: str, report: ImportReport
) -> None:
    missing = [c for c in MANUAL_REQUIRED if c not in header]
    if missing:
        raise ValueError(
            f"a row without an id becomes a manual finding and needs the column(s) {', '.join(missing)}"
        )
    m = copy.matrix
    lik = _int(row.get("likelihood", ""), "likelihood", m.max_likelihood) or 3
    imp = _int(row.get("impact", ""), "impact", m.max_impact) or 3
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
