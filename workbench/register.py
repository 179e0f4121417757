"""The threat register: the table analysts read, filter and export.

:class:`ThreatRegister` is a pandas DataFrame view of findings with a fixed,
documented column set (:data:`COLUMNS`). Columns that risk decisions fill
(treatment, owner, residual risk, ...) are present from the start and stay empty
until there is a decision. Rules that failed at run time appear as rows with
status ``rule_error``, so nothing is silently dropped.

CSV export is made for spreadsheets (Excel, LibreOffice): UTF-8 with a byte
order mark, commas, CRLF line ends, every text field quoted, numbers written as
numbers, a stable column order, and text cells that a spreadsheet would run as
a formula written with one leading ``'`` (see :mod:`workbench._csvsafe`).
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from json.encoder import encode_basestring as _json_text
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench._atomic import atomic_write_text
from workbench._csvsafe import PROTECTED_PREFIXES, protect
from workbench._records import by_id

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from workbench.rules.engine import AnalysisResult

__all__ = ["COLUMNS", "Column", "RegisterRow", "ThreatRegister", "write_csv_atomic"]

LIST_SEPARATOR = "; "


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # text, integer, list, bool
    description: str
    editable: bool = False


COLUMNS: tuple[Column, ...] = (
    Column(
        "id",
        "text",
        "Finding id: `<rule-id>@<element-id>` (manual findings: `manual-<slug>@<element-id>`). Stable across re-analysis.",
    ),
    Column("manual", "bool", "`yes` for a finding an analyst added by hand."),
    Column("element", "text", "Id of the component or flow the finding sits on."),
    Column("element_type", "text", "`component` or `flow`."),
    Column("element_name", "text", "Display name of the component or flow."),
    Column(
        "zone", "text", "Trust zone of the component (for a flow: `source-zone -> target-zone`)."
    ),
    Column(
        "rule", "text", "Id of the rule that produced the finding (`manual` for manual findings)."
    ),
    Column("title", "text", "The threat scenario in a few words.", editable=True),
    Column("technique", "text", "Primary MITRE ATLAS technique id."),
    Column("technique_name", "text", "Name of the primary technique."),
    Column("techniques", "list", "All ATLAS technique ids of the scenario, the primary first."),
    Column("tactics", "list", "ATLAS tactic ids of those techniques, in matrix order."),
    Column(
        "preconditions",
        "list",
        "Reconnaissance and resource-development techniques on the adversary's side (context, never scored).",
    ),
    Column(
        "reason",
        "text",
        "Why the rule fired: its rationale, the evidence that matched and the assumptions made.",
    ),
    Column(
        "assumptions",
        "list",
        "Unstated attributes the rule assumed to be insecure; state them in the model to sharpen the analysis.",
    ),
    Column(
        "assumed",
        "bool",
        "`yes` when the finding fires only because attributes are unstated: kept below the top "
        "band and ranked after every finding backed by stated facts.",
    ),
    Column("mitigations", "list", "Candidate ATLAS mitigation ids."),
    Column("controls", "list", "Candidate project-defined controls (not ATLAS)."),
    Column("guidelines", "list", "Related guidelines of the NCSC/CISA guidelines (1.1 to 4.4)."),
    Column(
        "owasp",
        "list",
        "OWASP ids the finding's rule maps to: LLM01:2025 to LLM10:2025 (Top 10 for LLM "
        "Applications 2025), then T1 to T15 (Agentic AI Threats and Mitigations).",
    ),
    Column(
        "likelihood",
        "integer",
        "Inherent likelihood, 1 to 5 (prefilled or overridden).",
        editable=True,
    ),
    Column(
        "impact", "integer", "Inherent impact, 1 to 5 (prefilled or overridden).", editable=True
    ),
    Column("score", "integer", "Inherent score: likelihood x impact (1 to 25)."),
    Column(
        "band",
        "text",
        "Band of the inherent score on the risk matrix (low, medium, high, critical).",
    ),
    Column(
        "likelihood_reason",
        "text",
        "Why the likelihood has its value (prefill factors or the override's reason).",
        editable=True,
    ),
    Column("impact_reason", "text", "Why the impact has its value.", editable=True),
    Column(
        "status",
        "text",
        "Finding status: `open`, `decided`, `review_due` (`rule_error` for a rule that failed).",
    ),
    Column(
        "treatment",
        "text",
        "Decision: mitigate, accept, transfer, avoid or not_applicable.",
        editable=True,
    ),
    Column("rationale", "text", "Why the decision was taken.", editable=True),
    Column("owner", "text", "Risk owner.", editable=True),
    Column("decided_by", "text", "Who recorded the decision."),
    Column("decided_on", "text", "Date of the decision (YYYY-MM-DD)."),
    Column(
        "review_by",
        "text",
        "Date by which the decision must be reviewed (YYYY-MM-DD).",
        editable=True,
    ),
    Column(
        "due",
        "text",
        "For `mitigate`: the date its mitigations are due (YYYY-MM-DD); past it, with the work "
        "not done, the decision is overdue.",
        editable=True,
    ),
    Column(
        "carrier",
        "text",
        "For `transfer`: the party that carries the risk (insurer, supplier, customer).",
        editable=True,
    ),
    Column(
        "design_change",
        "text",
        "For `avoid`: the design change that removes the risk.",
        editable=True,
    ),
    Column(
        "confirmed_by",
        "text",
        "For `not_applicable`: the person who confirms the finding does not apply.",
        editable=True,
    ),
    Column(
        "chosen_mitigations",
        "list",
        "The mitigation plan of the finding: each chosen mitigation or control with its status "
        "(planned, in_progress, done, verified), owner, due date, ticket and effect, e.g. "
        "`AML.M0020 (done, owner: Bob, due: 2026-03-01, ticket: SEC-12, likelihood: -1, "
        "impact: 0)`; a `reason:` follows an effect that is not the default one.",
        editable=True,
    ),
    Column(
        "residual_likelihood", "integer", "Likelihood counting mitigations done or verified."
    ),
    Column("residual_impact", "integer", "Impact counting mitigations done or verified."),
    Column("residual_score", "integer", "Residual score."),
    Column("residual_band", "text", "Band of the residual score."),
    Column(
        "projected_likelihood",
        "integer",
        "Likelihood counting planned and in-progress mitigations too.",
    ),
    Column(
        "projected_impact", "integer", "Impact counting planned and in-progress mitigations too."
    ),
    Column("projected_score", "integer", "Score counting planned and in-progress mitigations too."),
    Column("projected_band", "text", "Band of the projected score."),
    Column("links", "list", "Tickets and documents linked to the decision.", editable=True),
    Column("notes", "text", "Free notes.", editable=True),
    Column(
        "row_version",
        "text",
        "Short digest of the editable fields at export; a spreadsheet import uses it to detect conflicting edits.",
    ),
)
COLUMN_NAMES = tuple(c.name for c in COLUMNS)
_BY_NAME = {c.name: c for c in COLUMNS}
INTEGER_COLUMNS = frozenset(c.name for c in COLUMNS if c.type == "integer")
EDITABLE_COLUMNS = tuple(c.name for c in COLUMNS if c.editable)


_LIST_COLUMNS = frozenset(c.name for c in COLUMNS if c.type == "list")


@dataclass(frozen=True, eq=False)
class RegisterRow(Mapping[str, Any]):
    """One row of the register: a typed, read-only record of every column of :data:`COLUMNS`.

    Read it by attribute (``row.score``). It is also a read-only mapping in
    column order (``row["score"]``, ``row.get("owner")``, ``dict(row)``), and
    equal to a mapping with the same columns and values; there a list column
    reads as a new list, as in the rows of earlier versions.
    """

    id: str | None = None
    manual: bool | None = None
    element: str | None = None
    element_type: str | None = None
    element_name: str | None = None
    zone: str | None = None
    rule: str | None = None
    title: str | None = None
    technique: str | None = None
    technique_name: str | None = None
    techniques: tuple[str, ...] | None = None
    tactics: tuple[str, ...] | None = None
    preconditions: tuple[str, ...] | None = None
    reason: str | None = None
    assumptions: tuple[str, ...] | None = None
    assumed: bool | None = None
    mitigations: tuple[str, ...] | None = None
    controls: tuple[str, ...] | None = None
    guidelines: tuple[str, ...] | None = None
    owasp: tuple[str, ...] | None = None
    likelihood: int | None = None
    impact: int | None = None
    score: int | None = None
    band: str | None = None
    likelihood_reason: str | None = None
    impact_reason: str | None = None
    status: str | None = None
    treatment: str | None = None
    rationale: str | None = None
    owner: str | None = None
    decided_by: str | None = None
    decided_on: str | None = None
    review_by: str | None = None
    due: str | None = None
    carrier: str | None = None
    design_change: str | None = None
    confirmed_by: str | None = None
    chosen_mitigations: tuple[str, ...] | None = None
    residual_likelihood: int | None = None
    residual_impact: int | None = None
    residual_score: int | None = None
    residual_band: str | None = None
    projected_likelihood: int | None = None
    projected_impact: int | None = None
    projected_score: int | None = None
    projected_band: str | None = None
    links: tuple[str, ...] | None = None
    notes: str | None = None
    row_version: str | None = None

    @classmethod
    def from_mapping(cls, row: Mapping[str, Any]) -> RegisterRow:
        """The row of the columns *row* holds (others ``None``); lists become tuples."""
        return cls._of({name: row.get(name) for name in COLUMN_NAMES})

    @classmethod
    def _of(cls, values: dict[str, Any]) -> RegisterRow:
        """The row of *values*, a new dict with every column (used up: lists become tuples
        in it). What ``cls(**values)`` makes, without calling the frozen ``__init__``, which
        sets the 49 fields one by one."""
        for name in _LIST_COLUMNS:
            value = values[name]
            if value is not None:
                values[name] = tuple(value)
        row = object.__new__(cls)
        row.__dict__.update(values)
        return row

    def replace(self, **changes: Any) -> RegisterRow:
        """A copy with *changes* (column names) applied."""
        return RegisterRow.from_mapping({**self.to_dict(), **changes})

    def to_dict(self) -> dict[str, Any]:
        """The row as a plain dict in column order (lists as lists, ready for JSON)."""
        return {name: self[name] for name in COLUMN_NAMES}

    def __getitem__(self, name: str) -> Any:
        if name not in _BY_NAME:
            raise KeyError(name)
        value = getattr(self, name)
        return list(value) if name in _LIST_COLUMNS and value is not None else value

    def __iter__(self) -> Iterator[str]:
        return iter(COLUMN_NAMES)

    def __len__(self) -> int:
        return len(COLUMN_NAMES)

    def __repr__(self) -> str:
        return f"RegisterRow(id={self.id!r}, band={self.band!r}, status={self.status!r})"


#: The editable columns in name order, each with its JSON key as ``json.dumps`` writes it.
_VERSION_KEYS = tuple((name, _json_text(name) + ": ") for name in sorted(EDITABLE_COLUMNS))


def row_version(row: Mapping[str, Any]) -> str:
    """A short digest of a row's editable fields: of the JSON text
    ``json.dumps({column: _plain(value)}, sort_keys=True, ensure_ascii=False)``, written
    here directly (every value is a string)."""
    parts = []
    for name, key in _VERSION_KEYS:
        value = row.get(name)  # _plain(value), with the common cases inline
        text = "" if value is None else value if value.__class__ is str else _plain(value)
        parts.append(key + _json_text(text))
    text = "{" + ", ".join(parts) + "}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _plain(value: Any) -> str:
    """The text a spreadsheet cell holds for *value* (so versions survive a CSV round trip)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return LIST_SEPARATOR.join(str(v) for v in value)
    return str(value)


def _zone_of(model: Any, element: str, element_type: str) -> str:
    if model is None:
        return ""
    try:
        if element_type == "component":
            return str(model.component(element).zone)
        flow = model.flow(element)
        return f"{model.component(flow.source).zone} -> {model.component(flow.target).zone}"
    except (KeyError, LookupError):
        return ""


#: Columns a finding gives as they are, and the list columns it gives as lists.
_FINDING_FIELDS = (
    "id", "manual", "element", "element_type", "element_name", "rule", "title", "technique",
    "reason", "likelihood", "impact", "score", "band", "likelihood_reason", "impact_reason",
    "status",
)
_FINDING_LISTS = (
    "techniques", "tactics", "preconditions", "assumptions", "mitigations", "controls",
    "guidelines",
)

_FIELDS_OF, _LISTS_OF = attrgetter(*_FINDING_FIELDS), attrgetter(*_FINDING_LISTS)


def finding_row(f: Any, model: Any = None, catalog: Any = None) -> dict[str, Any]:
    """The register row of one finding, before any analyst's work is applied."""
    try:
        technique_name = (
            catalog.technique(f.technique).display_name if catalog and f.technique else ""
        )
    except (KeyError, LookupError):
        technique_name = ""
    row: dict[str, Any] = dict.fromkeys(COLUMN_NAMES)
    row.update(zip(_FINDING_FIELDS, _FIELDS_OF(f), strict=True))
    row.update(zip(_FINDING_LISTS, map(list, _LISTS_OF(f)), strict=True))
    row.update(
        zone=_zone_of(model, f.element, f.element_type),
        technique_name=technique_name,
        assumed=bool(getattr(f, "assumed", False)),
        owasp=list(getattr(f, "owasp", None) or []),
        chosen_mitigations=[],
        links=[],
    )
    return row


def _base_rows(result: AnalysisResult, model: Any, catalog: Any) -> list[dict[str, Any]]:
    rows = [finding_row(f, model, catalog) for f in result.findings]
    for err in result.errors:
        # a rule that failed: a row of its own, empty where a finding has its facts
        row: dict[str, Any] = dict.fromkeys(COLUMN_NAMES)
        row.update(dict.fromkeys(_EMPTY_TEXT_COLUMNS, ""))
        row.update({name: [] for name in _LIST_COLUMNS})
        row.update(
            id=f"{err.rule}@{err.element or '*'}",
            manual=False,
            element=err.element or "",
            rule=err.rule,
            title=f"rule {err.rule} failed",
            reason=err.message,
            assumed=False,
            status="rule_error",
        )
        rows.append(row)
    return rows


#: The text columns a rule-error row leaves empty (the others of a finding's facts are None).
_EMPTY_TEXT_COLUMNS = ("element_type", "element_name", "zone", "technique", "technique_name")


class ThreatRegister:
    """A table of findings with stable columns (:data:`COLUMNS`).

    Build it from an analysis result (``ThreatRegister.from_result``) or from
    rows. ``df`` is a pandas DataFrame (a copy: changing it does not change the
    register).
    """

    def __init__(self, rows: Iterable[Mapping[str, Any]], *, system: str = "") -> None:
        self.system = system
        self._rows: list[RegisterRow] = []
        for row in rows:
            full = {name: row.get(name) for name in COLUMN_NAMES}
            full["row_version"] = row_version(full)
            self._rows.append(RegisterRow._of(full))

    @classmethod
    def from_result(
        cls, result: AnalysisResult, *, model: Any = None, catalog: Any = None
    ) -> ThreatRegister:
        register = cls([], system=result.system)
        rows = _base_rows(result, model, catalog)  # new dicts of every column, in order
        for full in rows:
            full["row_version"] = row_version(full)
        register._rows = [RegisterRow._of(full) for full in rows]
        return register

    # -- access ----------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._rows)

    def rows(self) -> list[RegisterRow]:
        """The rows, in register order (read-only; ``dict(row)`` for a plain copy)."""
        return list(self._rows)

    def row(self, finding_id: str) -> RegisterRow:
        return by_id(self._rows, finding_id)

    @property
    def df(self) -> pd.DataFrame:
        import pandas as pd

        frame = pd.DataFrame([r.to_dict() for r in self._rows], columns=list(COLUMN_NAMES))
        for name in INTEGER_COLUMNS:
            frame[name] = frame[name].astype("Int64")
        frame["manual"] = frame["manual"].astype("boolean")
        frame["assumed"] = frame["assumed"].astype("boolean")
        return frame

    # -- filters -----------------------------------------------------------------
    def filter(
        self,
        *,
        component: str | Sequence[str] | None = None,
        zone: str | Sequence[str] | None = None,
        tactic: str | Sequence[str] | None = None,
        technique: str | Sequence[str] | None = None,
        band: str | Sequence[str] | None = None,
        status: str | Sequence[str] | None = None,
    ) -> ThreatRegister:
        """Rows matching every given criterion (each may be one value or several).

        ``technique`` matches the primary or any related technique, and a parent
        technique matches its sub-techniques (``AML.T0051`` finds ``AML.T0051.001``).
        """

        def as_set(value: str | Sequence[str] | None) -> set[str] | None:
            if value is None:
                return None
            return {value} if isinstance(value, str) else set(value)

        comps, zones, tactics = as_set(component), as_set(zone), as_set(tactic)
        techs, bands, statuses = as_set(technique), as_set(band), as_set(status)

        def keep(r: RegisterRow) -> bool:
            if comps is not None and r.element not in comps:
                return False
            if zones is not None and not (zones & set(str(r.zone or "").split(" -> "))):
                return False
            if tactics is not None and not (tactics & set(r.tactics or ())):
                return False
            if techs is not None and not any(
                t == want or t.startswith(want + ".")
                for t in (r.techniques or ())
                for want in techs
            ):
                return False
            if bands is not None and r.band not in bands:
                return False
            return statuses is None or r.status in statuses

        out = ThreatRegister([], system=self.system)
        out._rows = [r for r in self._rows if keep(r)]
        return out

    # -- summaries ----------------------------------------------------------------
    def summary_by_tactic(self, catalog: Any = None) -> pd.DataFrame:
        """Findings per ATLAS tactic (a finding counts once under each of its tactics)."""
        import pandas as pd

        counts: dict[str, int] = {}
        for r in self._rows:
            for t in r.tactics or ():
                counts[t] = counts.get(t, 0) + 1
        order = [t.id for t in catalog.tactics()] if catalog is not None else sorted(counts)
        names = {t.id: t.name for t in catalog.tactics()} if catalog is not None else {}
        data = [
            {"tactic": t, "name": names.get(t, ""), "findings": counts[t]}
            for t in order
            if t in counts
        ]
        return pd.DataFrame(data, columns=["tactic", "name", "findings"])

    def summary_by_component(self) -> pd.DataFrame:
        """Findings per element with the highest band, so noise and hot spots show."""
        import pandas as pd

        table: dict[str | None, dict[str, Any]] = {}
        for r in self._rows:
            if r.status == "rule_error":
                continue
            entry = table.setdefault(
                r.element,
                {
                    "element": r.element,
                    "name": r.element_name,
                    "findings": 0,
                    "max_score": 0,
                    "band": "",
                },
            )
            entry["findings"] += 1
            if (r.score or 0) > entry["max_score"]:
                entry["max_score"], entry["band"] = r.score, r.band
        return pd.DataFrame(
            list(table.values()), columns=["element", "name", "findings", "max_score", "band"]
        )

    # -- export --------------------------------------------------------------------
    def to_csv_text(self) -> str:
        """The CSV as text (with the byte order mark as its first character)."""
        buf = io.StringIO()
        buf.write("\ufeff")
        writer = csv.writer(buf, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
        writer.writerow(COLUMN_NAMES)
        writer.writerows(map(_csv_cells, self._rows))
        return buf.getvalue()

    def to_csv(self, path: str | Path) -> Path:
        """Write the register as CSV, atomically (a failure leaves any old file intact)."""
        return write_csv_atomic(Path(path), self.to_csv_text())

    def _repr_html_(self) -> str:
        from html import escape

        head = "".join(
            f"<th>{escape(c)}</th>" for c in ("id", "element_name", "technique", "band", "status")
        )
        body = "".join(
            "<tr>"
            + "".join(
                f"<td>{escape(str(getattr(r, c) or ''))}</td>"
                for c in ("id", "element_name", "technique", "band", "status")
            )
            + "</tr>"
            for r in self._rows[:50]
        )
        more = f"<p>{len(self._rows) - 50} more rows</p>" if len(self._rows) > 50 else ""
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}"

    def __repr__(self) -> str:
        return f"<ThreatRegister {self.system!r}: {len(self._rows)} rows>"


_ALL_COLUMNS = attrgetter(*COLUMN_NAMES)
_IS_INTEGER = tuple(name in INTEGER_COLUMNS for name in COLUMN_NAMES)


def _csv_cells(row: RegisterRow) -> list[Any]:
    """The CSV cells of *row*: ``_csv_cell`` of each column, with the common cases inline."""
    out: list[Any] = []
    for name, is_integer, value in zip(COLUMN_NAMES, _IS_INTEGER, _ALL_COLUMNS(row), strict=True):
        if is_integer:
            out.append(int(value) if value is not None else None)
        elif value is None:
            out.append("")
        else:
            if value.__class__ is tuple:
                value = LIST_SEPARATOR.join(map(str, value))
            elif value.__class__ is not str:
                out.append(_csv_cell(name, value))
                continue
            out.append("'" + value if value.startswith(PROTECTED_PREFIXES) else value)
    return out


def _csv_cell(name: str, value: Any) -> Any:
    if name in INTEGER_COLUMNS:
        return int(value) if value is not None else None
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        value = LIST_SEPARATOR.join(str(v) for v in value)
    return protect(str(value))


def write_csv_atomic(path: Path, text: str) -> Path:
    """Write *text* as UTF-8 to *path* via a temporary file and an atomic rename."""
    return atomic_write_text(path, text)
