"""Risk decisions on findings, kept in an append-only, tamper-evident decision log.

A :class:`Decision` records what was decided about one or more findings
(``<rule-id>@<element-id>``): the treatment (mitigate, accept, transfer, avoid,
not_applicable), why, who decided it, who owns the risk and when to review it.
Decisions are never edited: changing one means appending a new decision that
``supersedes`` it, so the log shows later who decided what and why (guidelines
1.2, 2.3 and 3.3).

The log is a JSON Lines file (conventionally ``decisions.jsonl``). Each line is
one record in canonical JSON (sorted keys, no spaces, UTF-8, ``\\n``-terminated)
with these fields in every record:

``seq``
    1, 2, 3, ... in file order.
``type``
    ``decision``, ``rename`` or ``note``. A record of any other type, or with a
    field its type does not have, is refused by the reader and by :func:`verify`
    (with its line named): nothing unknown can slip into the log unread.
``prev``
    SHA-256 (hex) of the previous line's bytes without its newline; 64 zeros in
    the first record. Editing, deleting, inserting or reordering records breaks
    this chain and :func:`verify` names the first bad line.
``recorded_at``
    ISO timestamp of the append (injected by the caller, never read from a clock
    here).
``by``
    Who recorded the record (for a decision: ``decided_by``).

and, by type:

* ``decision``: ``id`` (``D-0001``, numbered in log order), ``findings``,
  ``treatment``, ``rationale``, ``owner``, ``date``, ``review_by``, ``links``,
  ``supersedes``; and, only when set, ``mitigations`` (the chosen mitigation
  or control ids of a ``mitigate``), ``due`` (when they are due), ``carrier``
  (who carries a transferred risk), ``design_change`` (what removes an avoided
  risk) and ``confirmed_by`` (who confirms a ``not_applicable``).
* ``rename``: ``old_id``, ``new_id`` -- an element (component or flow) was
  renamed; decisions recorded before it that point at ``rule@old_id`` are read
  as ``rule@new_id`` from then on. The log itself is never rewritten.
* ``note``: ``text``.

Any record may also carry ``sig``, an Ed25519 signature of the record by the
key of whoever recorded it (see :mod:`workbench.risk.signing`):
``{"alg": "ed25519", "key": <public key>, "value": <signature>}``, both base64.
:func:`verify` refuses a record whose signature does not match it; which key
belongs to whom is the project's list of signers (``signers.yaml``).

Deleting the *last* records cannot be seen from the chain alone; the project
keeps the head hash and record count elsewhere (and every export records them),
and :func:`verify` reports a shorter log or a different head as truncation when
given ``expected_head`` / ``expected_records``.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar

from workbench._atomic import fsync_dir
from workbench._input.check import Field, RecordSpec, is_int, type_problem
from workbench._records import Record
from workbench.errors import DecisionError
from workbench.risk.logline import (
    SIGNATURE_FIELD,
    DecisionLogError,
    _canonical,
    _hash,
    _parse_line,
    _read_bytes,
    _signature_shape_problem,
    _split,
)

__all__ = [
    "DETAIL_FIELDS",
    "HIGH_BANDS",
    "RECORD_SPECS",
    "RECORD_TYPES",
    "TREATMENTS",
    "VERIFY_CODES",
    "ZERO_HASH",
    "Decision",
    "DecisionError",
    "DecisionLog",
    "DecisionLogError",
    "VerifyResult",
    "current_decisions",
    "decision_problems",
    "decision_status",
    "finding_status",
    "orphaned",
    "placeholder_problem",
    "validate_decision",
    "verify",
]

TREATMENTS: tuple[str, ...] = ("mitigate", "accept", "transfer", "avoid", "not_applicable")
#: Bands whose acceptance needs a named risk owner and a review date.
HIGH_BANDS: tuple[str, ...] = ("high", "critical")
#: Record types this version reads and writes; any other type is refused.
RECORD_TYPES: tuple[str, ...] = ("decision", "rename", "note")
#: ``prev`` of the first record, and the head of an empty log.
ZERO_HASH = "0" * 64
#: Fields every record has.
COMMON_FIELDS: tuple[str, ...] = ("seq", "type", "prev", "recorded_at", "by")
_TEXT = "a text"
_OR_NULL = "a text or null"
#: The type-specific fields of each record type, in the order they are checked:
#: adding a field is one row here (``required=False``: records written before it
#: existed lack it, and it is written only when set).
RECORD_SPECS: dict[str, RecordSpec] = {
    "decision": RecordSpec("decision", (
        Field("id", required=True),
        Field("findings", "nonempty texts", required=True,
              expected="a non-empty list of finding ids"),
        Field("links", "texts", required=True),
        Field("treatment", "text", required=True, expected=_TEXT, choices=TREATMENTS),
        Field("rationale", "text", required=True, expected=_TEXT),
        Field("date", "text", required=True, expected=_TEXT),
        Field("mitigations", "texts"),
        Field("due", "optional text"),
        Field("carrier", "optional text"),
        Field("design_change", "optional text"),
        Field("confirmed_by", "optional text"),
        Field("owner", "optional text", required=True),
        Field("review_by", "optional text", required=True),
        Field("supersedes", "optional text", required=True),
    )),
    "rename": RecordSpec("rename", (
        Field("old_id", "nonempty text", required=True),
        Field("new_id", "nonempty text", required=True),
    )),
    "note": RecordSpec("note", (Field("text", "text", required=True, expected=_TEXT),)),
}
#: Optional decision fields, written only when set (older logs do not have them).
DETAIL_FIELDS: tuple[str, ...] = tuple(
    f.name for f in RECORD_SPECS["decision"].fields if not f.required
)
_TYPE_FIELDS: dict[str, tuple[str, ...]] = {k: v.required for k, v in RECORD_SPECS.items()}

_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DECISION_ID_RE = re.compile(r"D-\d{4,}")
_HASH_RE = re.compile(r"[0-9a-f]{64}")
_ELEMENT_ID_RE = re.compile(r"[^\s@]+")
_LOCK_TIMEOUT = 30.0
#: Rationales that say nothing, compared without case, spaces and punctuation.
PLACEHOLDERS = frozenset({
    "na", "n a", "none", "nothing", "no", "ok", "okay", "k", "tbd", "tba", "todo", "to do",
    "fixme", "xxx", "x", "yes", "y", "fine", "done", "same", "see above", "see ticket", "later",
    "asdf", "test", "dummy", "placeholder", "reason", "rationale", "because", "nil", "null",
    "not applicable", "dunno", "idk", "whatever", "n", "etc", "misc", "ignore", "accepted",
    "accept", "mitigate", "mitigated", "transfer", "avoid", "wip", "pending", "lorem ipsum",
})
#: A rationale needs at least this many words.
MIN_RATIONALE_WORDS = 3
_WORD_RE = re.compile(r"[^\W_]+")


# --------------------------------------------------------------------------- decision


@dataclass(frozen=True)
class Decision:
    """One decision on one or more findings, as recorded in the log.

    ``decided_by`` is who recorded it (the record's ``by``); ``owner`` the risk
    owner. ``findings`` are read with every later rename applied.
    """

    id: str
    findings: tuple[str, ...]
    treatment: str
    rationale: str
    owner: str | None
    decided_by: str
    date: str
    review_by: str | None
    links: tuple[str, ...]
    supersedes: str | None
    recorded_at: str
    mitigations: tuple[str, ...] = ()
    due: str | None = None
    carrier: str | None = None
    design_change: str | None = None
    confirmed_by: str | None = None
    #: True when recording was asked for but the decision equals the current one:
    #: nothing was written and this is the current decision.
    unchanged: bool = dataclasses.field(default=False, compare=False)

    def details(self) -> dict[str, Any]:
        """The optional fields that are set (as in the log record)."""
        out: dict[str, Any] = {}
        if self.mitigations:
            out["mitigations"] = list(self.mitigations)
        for name in ("due", "carrier", "design_change", "confirmed_by"):
            value = getattr(self, name)
            if value:
                out[name] = value
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "findings": list(self.findings),
            "treatment": self.treatment,
            "rationale": self.rationale,
            "owner": self.owner,
            "decided_by": self.decided_by,
            "date": self.date,
            "review_by": self.review_by,
            "links": list(self.links),
            "supersedes": self.supersedes,
            "recorded_at": self.recorded_at,
            **self.details(),
        }


DateLike = str | _dt.date
TimestampLike = str | _dt.datetime


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _opt_text(value: Any) -> Any:
    """Blank optional text (a form's empty field) means absent."""
    return None if _blank(value) else value


def _date_text(value: Any) -> Any:
    if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
        return value.isoformat()
    return value


def _timestamp_text(value: Any) -> Any:
    if isinstance(value, _dt.datetime):
        return value.isoformat()
    return value


def _parse_date(value: Any) -> tuple[_dt.date | None, str | None]:
    if not isinstance(value, str) or not _DATE_RE.fullmatch(value):
        return None, f"expected a date as YYYY-MM-DD, got {value!r}"
    try:
        return _dt.date.fromisoformat(value), None
    except ValueError:
        return None, f"{value!r} is not a calendar date"


def _findings_tuple(findings: Any) -> Any:
    if isinstance(findings, str):
        return (findings,)
    if findings is None:
        return ()
    try:
        return tuple(findings)
    except TypeError:
        return findings


def _either(names: Iterable[str]) -> str:
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " or " + names[-1]


#: For a high-band finding, what each treatment needs: (field, what is missing).
HIGH_BAND_NEEDS: dict[str, tuple[tuple[str, str], ...]] = {
    "accept": (("owner", "a named risk owner"), ("review_by", "a review date")),
    "mitigate": (
        ("mitigations",
         "at least one chosen mitigation (an ATLAS mitigation or a project control)"),
        ("owner", "a named owner"),
        ("due", "a due date"),
    ),
    "transfer": (
        ("owner", "a named risk owner"),
        ("carrier", "the party that carries the risk (insurer, supplier, customer)"),
    ),
    "avoid": (("design_change", "the design change that removes the risk"),),
    "not_applicable": (("confirmed_by", "a named person who confirms it does not apply"),),
}
_VERBS = {
    "accept": "accepting", "mitigate": "mitigating", "transfer": "transferring",
    "avoid": "avoiding", "not_applicable": "marking not_applicable",
}


class _Problems:
    """Collects the problems of a decision, field -> messages."""

    def __init__(self) -> None:
        self.out: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.out.setdefault(field, []).append(message)

    def joined(self) -> dict[str, str]:
        return {field: "; ".join(messages) for field, messages in self.out.items()}

    def findings(self, findings: Any) -> None:
        if not isinstance(findings, tuple) or not findings:
            self.add("findings", "name at least one finding id (<rule-id>@<element-id>)")
            return
        seen: set[str] = set()
        for fid in findings:
            if not isinstance(fid, str) or not fid.strip():
                self.add("findings", f"{fid!r} is not a finding id (<rule-id>@<element-id>)")
                continue
            rule, sep, element = fid.rpartition("@")
            if not sep or not rule or not element or any(c.isspace() for c in fid):
                self.add("findings", f"{fid!r} is not a finding id (<rule-id>@<element-id>)")
            elif fid in seen:
                self.add("findings", f"{fid!r} is listed twice")
            seen.add(fid)

    def text(self, name: str, value: Any, what: str = "a text") -> str | None:
        """Optional text: blank is absent, anything but text a problem."""
        value = _opt_text(value)
        if value is not None and not isinstance(value, str):
            self.add(name, f"expected {what}, got {value!r}")
            return None
        return value

    def later_date(self, name: str, value: Any, day: _dt.date | None, date: Any) -> Any:
        """An optional date on or after the decision date *day*."""
        value = _opt_text(_date_text(value))
        if value is not None:
            later, problem = _parse_date(value)
            if problem:
                self.add(name, problem)
            elif day is not None and later is not None and later < day:
                self.add(name, f"{value} is before the decision date {date}")
        return value

    def links(self, links: Any) -> None:
        if isinstance(links, str):
            self.add("links", "expected a list of links, got one text")
            return
        try:
            link_list = list(links or ())
        except TypeError:
            self.add("links", f"expected a list of links, got {links!r}")
            return
        for link in link_list:
            if not isinstance(link, str) or not link.strip():
                self.add("links", f"{link!r} is not a link (ticket, document or URL as text)")

    def stamp(self, name: str, value: Any) -> None:
        stamp = _timestamp_text(value)
        try:
            if not isinstance(stamp, str):
                raise ValueError
            _dt.datetime.fromisoformat(stamp)
        except ValueError:
            self.add(name, f"expected an ISO timestamp, got {value!r}")

    def mitigations(self, mitigations: Any) -> list[Any]:
        if isinstance(mitigations, str):
            mitigations = (mitigations,)
        try:
            chosen = [m for m in (mitigations or ()) if not _blank(m)]
        except TypeError:
            self.add("mitigations",
                     f"expected a list of mitigation or control ids, got {mitigations!r}")
            return []
        for m in chosen:
            if not isinstance(m, str) or any(c.isspace() for c in m.strip()):
                self.add("mitigations", f"{m!r} is not a mitigation or control id")
        return chosen

    def high_band(
        self, findings: tuple[Any, ...], treatment: str, bands: Mapping[str, str],
        high_bands: Iterable[str], given: Mapping[str, bool],
    ) -> None:
        """What accepting (mitigating, ...) a finding of a high band needs besides."""
        high = tuple(str(b).lower() for b in high_bands)
        rated = [
            f"{fid} is {bands[fid]}"
            for fid in findings
            if isinstance(fid, str) and fid in bands and str(bands[fid]).lower() in high
        ]
        if not rated:
            return
        what = f"{_VERBS[treatment]} a {_either(high)} risk requires"
        why = "; ".join(rated)
        for name, text in HIGH_BAND_NEEDS[treatment]:
            if not given[name]:
                self.add(name, f"{what} {text} ({why})")


def _problems(
    findings: Any,
    treatment: Any,
    rationale: Any,
    *,
    decided_by: Any,
    owner: Any = None,
    date: Any,
    review_by: Any = None,
    links: Any = (),
    supersedes: Any = None,
    bands: Mapping[str, str] | None = None,
    high_bands: Iterable[str] = HIGH_BANDS,
    recorded_at: Any = None,
    check_recorded_at: bool = False,
    mitigations: Any = (),
    due: Any = None,
    carrier: Any = None,
    design_change: Any = None,
    confirmed_by: Any = None,
) -> dict[str, str]:
    """Every problem of a decision, field -> message (several joined with '; ')."""
    p = _Problems()
    findings = _findings_tuple(findings)
    p.findings(findings)
    if treatment not in TREATMENTS:
        p.add("treatment", f"unknown treatment {treatment!r}; allowed: {', '.join(TREATMENTS)}")
    problem = placeholder_problem(rationale)
    if problem:
        p.add("rationale", problem)
    if not isinstance(decided_by, str) or not decided_by.strip():
        p.add("decided_by", "name who records the decision (it is never guessed)")
    owner = p.text("owner", owner, "the risk owner's name as text")
    date = _date_text(date)
    day, problem = _parse_date(date)
    if problem:
        p.add("date", problem)
    review_by = p.later_date("review_by", review_by, day, date)
    p.links(links)
    supersedes = _opt_text(supersedes)
    if supersedes is not None and (
        not isinstance(supersedes, str) or not _DECISION_ID_RE.fullmatch(supersedes)
    ):
        p.add("supersedes", f"expected a decision id such as D-0001, got {supersedes!r}")
    if check_recorded_at:
        p.stamp("recorded_at", recorded_at)
    chosen = p.mitigations(mitigations)
    due = p.later_date("due", due, day, date)
    texts = {
        "carrier": p.text("carrier", carrier),
        "design_change": p.text("design_change", design_change),
        "confirmed_by": p.text("confirmed_by", confirmed_by),
    }
    if treatment in TREATMENTS and bands and isinstance(findings, tuple):
        given = {
            "owner": owner is not None, "review_by": review_by is not None,
            "mitigations": bool(chosen), "due": due is not None,
            **{name: value is not None for name, value in texts.items()},
        }
        p.high_band(findings, str(treatment), bands, high_bands, given)
    return p.joined()


def placeholder_problem(rationale: Any) -> str | None:
    """Why a rationale says nothing (blank, a placeholder, too short), or ``None``."""
    if not isinstance(rationale, str) or not rationale.strip():
        return "say why the decision was taken (the rationale must not be blank)"
    words = _WORD_RE.findall(rationale.lower())
    if " ".join(words) in PLACEHOLDERS or "".join(words) in PLACEHOLDERS or not words:
        return (f"{rationale.strip()!r} is a placeholder: say why the decision was taken, "
                f"in at least {MIN_RATIONALE_WORDS} words")
    if len(words) < MIN_RATIONALE_WORDS:
        return (f"{rationale.strip()!r} is too short: say why the decision was taken, "
                f"in at least {MIN_RATIONALE_WORDS} words")
    return None


def validate_decision(
    findings: Iterable[str],
    treatment: str,
    rationale: str,
    *,
    decided_by: str,
    owner: str | None = None,
    date: DateLike,
    review_by: DateLike | None = None,
    links: Iterable[str] = (),
    supersedes: str | None = None,
    bands: Mapping[str, str] | None = None,
    high_bands: Iterable[str] = HIGH_BANDS,
    mitigations: Iterable[str] = (),
    due: DateLike | None = None,
    carrier: str | None = None,
    design_change: str | None = None,
    confirmed_by: str | None = None,
) -> list[str]:
    """Return every problem of a decision as ``"<field>: <message>"`` (empty when valid).

    The rationale must say something: blank text, placeholders (``n/a``,
    ``ok``, ``tbd``, ...) and fewer than three words are refused. ``bands`` maps
    finding ids to their band (from the register); for a finding whose band is
    in ``high_bands``: ``accept`` needs an ``owner`` and a ``review_by`` date,
    ``mitigate`` chosen ``mitigations``, an ``owner`` and a ``due`` date,
    ``transfer`` an ``owner`` and the ``carrier``, ``avoid`` the
    ``design_change`` and ``not_applicable`` who ``confirmed_by`` it. Findings
    missing from ``bands`` are not checked for it.
    Whether ``supersedes`` names an existing decision is checked by
    :meth:`DecisionLog.append_decision`, which knows the log.
    """
    problems = _problems(
        findings, treatment, rationale, decided_by=decided_by, owner=owner, date=date,
        review_by=review_by, links=links, supersedes=supersedes, bands=bands,
        high_bands=high_bands, mitigations=mitigations, due=due, carrier=carrier,
        design_change=design_change, confirmed_by=confirmed_by,
    )
    return [f"{name}: {message}" for name, message in problems.items()]


def decision_problems(
    decision: Decision, bands: Mapping[str, str] | None = None,
    high_bands: Iterable[str] = HIGH_BANDS,
) -> dict[str, str]:
    """What a recorded decision lacks today (field -> message; empty when it holds).

    A decision read from the log is checked again by the release gate: its
    findings' bands may have risen since, or the log was written by hand.
    """
    return _problems(
        decision.findings, decision.treatment, decision.rationale,
        decided_by=decision.decided_by, owner=decision.owner, date=decision.date,
        review_by=decision.review_by, links=decision.links, bands=bands,
        high_bands=high_bands, mitigations=decision.mitigations, due=decision.due,
        carrier=decision.carrier, design_change=decision.design_change,
        confirmed_by=decision.confirmed_by,
    )


# --------------------------------------------------------------------------- verify


#: The kinds of problem :func:`verify` reports (``VerifyResult.code``).
VERIFY_CODES = (
    "unreadable", "record", "sequence", "chain", "line-ends", "edited", "partial-tail",
    "truncated", "head", "signature",
)


@dataclass(frozen=True)
class VerifyResult(Record):
    """Outcome of checking a decision log.

    ``records`` counts the complete lines, ``head`` is the hash of the last one
    (64 zeros when there is none). When ``ok`` is false, ``first_bad_line`` (1-based)
    and ``problem`` name the first thing found wrong; ``first_bad_seq`` is that
    record's ``seq`` where it could be read.
    """

    ok: bool
    records: int
    head: str
    first_bad_line: int | None = None
    problem: str | None = None
    first_bad_seq: int | None = None
    #: What kind of problem it is, for code that reacts to it (one of
    #: :data:`VERIFY_CODES`; never read the message text for that).
    code: str | None = dataclasses.field(default=None, compare=False)

    #: What :meth:`to_dict` writes, in this order.
    DICT_KEYS: ClassVar[tuple[str, ...]] = (
        "ok", "records", "head", "first_bad_line", "first_bad_seq", "problem",
    )


_is_int = is_int


def _common_problem(rec: Mapping[str, Any]) -> str | None:
    missing = [k for k in COMMON_FIELDS if k not in rec]
    if missing:
        return f"missing field(s) {', '.join(missing)}"
    if not _is_int(rec["seq"]) or rec["seq"] < 1:
        return f"seq must be a whole number from 1, got {rec['seq']!r}"
    if not isinstance(rec["type"], str) or not rec["type"]:
        return "type must be a non-empty text"
    if not isinstance(rec["prev"], str) or not _HASH_RE.fullmatch(rec["prev"]):
        return "prev must be 64 lower-case hex digits"
    if not isinstance(rec["recorded_at"], str):
        return "recorded_at must be a text timestamp"
    if not isinstance(rec["by"], str):
        return "by must be a text"
    return None


def _type_problem(rec: Mapping[str, Any], decision_ids: list[str]) -> str | None:
    """Problems of the type-specific fields of a known record type (see RECORD_SPECS)."""
    kind = rec["type"]
    spec = RECORD_SPECS.get(kind)
    if spec is None:
        return (f"unknown record type {kind!r}: this version reads only "
                f"{_either(RECORD_TYPES)} records (the record was added by hand, "
                "or by a newer workbench)")
    missing = [k for k in spec.required if k not in rec]
    if missing:
        return f"{kind} record: missing field(s) {', '.join(missing)}"
    allowed = {*COMMON_FIELDS, *spec.names}
    unknown = sorted(set(rec) - allowed - {SIGNATURE_FIELD})
    if unknown:
        return (f"{kind} record: unknown field(s) {', '.join(unknown)}; a {kind} record has "
                f"only {', '.join(sorted(allowed))} (and {SIGNATURE_FIELD})")
    if SIGNATURE_FIELD in rec:
        problem = _signature_shape_problem(rec[SIGNATURE_FIELD])
        if problem:
            return f"{kind} record: {problem}"
    if kind == "decision":
        expected = f"D-{len(decision_ids) + 1:04d}"
        if rec["id"] != expected:
            return (f"decision record: id is {rec['id']!r}, expected {expected} "
                    "(decisions are numbered in order)")
    bad = type_problem(spec, rec)
    if bad is not None:
        if bad.fits_type(rec[bad.name]):  # a value outside its choices
            return (f"{kind} record: unknown {bad.name} {rec[bad.name]!r}; "
                    f"allowed: {', '.join(map(str, bad.choices or ()))}")
        return f"{kind} record: {bad.name} must be {bad.words}"
    if kind == "decision" and rec["supersedes"] is not None and (
        rec["supersedes"] not in decision_ids
    ):
        return (f"decision record: supersedes {rec['supersedes']!r}, "
                "which is not an earlier decision")
    return None


def _verify_data(
    data: bytes,
    *,
    expected_head: str | None = None,
    expected_records: int | None = None,
) -> VerifyResult:
    lines, partial = _split(data)
    count = len(lines)
    head = _hash(lines[-1]) if lines else ZERO_HASH

    def bad(line: int, seq: int | None, problem: str, code: str) -> VerifyResult:
        return VerifyResult(False, count, head, line, problem, seq, code)

    prev_hash = ZERO_HASH
    prev_seq = 0
    decision_ids: list[str] = []
    for i, line in enumerate(lines, start=1):
        rec, problem = _parse_line(line)
        if rec is None:
            return bad(i, None, f"line {i}: {problem}", "unreadable")
        seq = rec.get("seq") if _is_int(rec.get("seq")) else None
        where = f"line {i} (seq {seq})" if seq is not None else f"line {i}"
        problem = _common_problem(rec)
        if problem:
            return bad(i, seq, f"{where}: {problem}", "record")
        if seq != prev_seq + 1:
            assert seq is not None
            if i == 1:
                why = "the first record must have seq 1: records before it were deleted"
            elif seq > prev_seq + 1:
                why = (f"seq {seq} follows seq {prev_seq}: "
                       "a record was deleted or the records reordered")
            else:
                why = (f"seq {seq} follows seq {prev_seq}: "
                       "the records were reordered, or a record was inserted or copied")
            return bad(i, seq, f"{where}: {why}", "sequence")
        if rec["prev"] != prev_hash:
            if i == 1:
                why = ("prev must be 64 zeros in the first record: "
                       "records before it were deleted, or it was edited")
            else:
                why = (f"prev does not match the hash of line {i - 1}: the record before it "
                       "was edited, or a record was inserted or deleted here")
            return bad(i, seq, f"{where}: {why}", "chain")
        if _canonical(rec) != line:
            if line.endswith(b"\r"):
                return bad(i, seq, f"{where}: the line ends with CR LF: an editor or git "
                                   "(core.autocrlf) converted the line ends; keep the log "
                                   "byte for byte (.gitattributes: decisions.jsonl -text)",
                       "line-ends")
            return bad(i, seq, f"{where}: not in canonical form (sorted keys, no spaces, "
                               "UTF-8, one line): the record was edited", "edited")
        problem = _type_problem(rec, decision_ids)
        if problem:
            return bad(i, seq, f"{where}: {problem}", "record")
        if rec["type"] == "decision":
            decision_ids.append(rec["id"])
        prev_hash = _hash(line)
        prev_seq = seq

    if partial:
        return bad(
            count + 1, None,
            f"line {count + 1}: partial last line ({len(partial)} bytes without a newline): "
            "a write was interrupted; DecisionLog.repair_partial_tail() moves the bytes "
            "to a side file",
            "partial-tail",
        )
    if expected_records is not None and count < expected_records:
        lost = expected_records - count
        return bad(
            count + 1, None,
            f"the log ends after line {count} (seq {count}) but {expected_records} records "
            f"were expected: the last {lost} record(s) were deleted (the log was truncated)",
            "truncated",
        )
    off_head = _head_problem(lines, expected_head, expected_records)
    if off_head is not None:
        line_no, bad_seq, why = off_head
        return bad(line_no, bad_seq, why, "head")
    return VerifyResult(True, count, head)


def _head_problem(
    lines: list[bytes], expected_head: str | None, expected_records: int | None
) -> tuple[int, int | None, str] | None:
    """``(line, seq, problem)`` when the log does not hold the expected head."""
    if expected_head is None:
        return None
    want = expected_head.lower()
    if expected_records is None:
        if want != ZERO_HASH and want not in {_hash(x) for x in lines}:
            return (
                len(lines) + 1 if lines else 1, None,
                f"the expected head {want[:16]}... is not the hash of any record: "
                "the last records were deleted or edited, or the log was replaced",
            )
        return None
    n = expected_records
    got = _hash(lines[n - 1]) if n > 0 else ZERO_HASH
    if got == want:
        return None
    if n == 0:
        return (1, None, f"the expected head {want[:16]}... does not fit an "
                         "expected count of 0 records")
    return (
        n, n,
        f"line {n} (seq {n}): its hash is not the expected head {want[:16]}...: "
        "the last records were edited or deleted, or the log was replaced",
    )


def verify(
    path: str | Path,
    *,
    expected_head: str | None = None,
    expected_records: int | None = None,
) -> VerifyResult:
    """Check a decision log's hash chain, numbering and record shape.

    Names the first bad line. A missing file is an empty log. With
    ``expected_head`` and/or ``expected_records`` (kept by the project and written
    into every export), a log that is shorter, or whose record at that position
    has another hash, is reported as truncated or rewritten; a log that has grown
    since is fine. A signed record whose signature does not match it is bad too
    (who signed what, and whether the key is known, is
    :func:`workbench.risk.signing.record_signatures`).
    """
    data = _read_bytes(Path(path))
    result = _verify_data(data, expected_head=expected_head, expected_records=expected_records)
    if result.ok and b'"%s":' % SIGNATURE_FIELD.encode() in data:
        from workbench.risk.signing import first_bad_signature

        bad = first_bad_signature(_split(data)[0])
        if bad is not None:
            line, seq, problem = bad
            return VerifyResult(
                False, result.records, result.head, line, problem, seq, "signature"
            )
    return result


# --------------------------------------------------------------------------- locking


@contextmanager
def _exclusive(fd: int, path: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on the open log file."""
    deadline = time.monotonic() + _LOCK_TIMEOUT
    if sys.platform == "win32":  # pragma: no cover - not exercised on the CI platform
        import msvcrt

        # Lock one byte far beyond the data: Windows locks are mandatory, so
        # locking real bytes would block readers.
        where = os.lseek(fd, 0, os.SEEK_CUR)
        os.lseek(fd, 1 << 40, os.SEEK_SET)
        while True:
            try:
                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise DecisionLogError(
                        f"{path}: the decision log stays locked by another process"
                    ) from None
                time.sleep(0.05)
        os.lseek(fd, where, os.SEEK_SET)
        try:
            yield
        finally:
            os.lseek(fd, 1 << 40, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise DecisionLogError(
                        f"{path}: the decision log stays locked by another process"
                    ) from None
                time.sleep(0.01)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)


def _read_fd(fd: int) -> bytes:
    os.lseek(fd, 0, os.SEEK_SET)
    chunks = []
    while True:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


# --------------------------------------------------------------------------- the log


def _rename_finding(fid: str, old: str, new: str) -> str:
    rule, sep, element = fid.rpartition("@")
    if sep and element == old:
        return f"{rule}@{new}"
    return fid


#: Decision attributes that hold lists in the record, and the record key of decided_by.
_TUPLE_ATTRS = frozenset({"findings", "links", "mitigations"})
_RECORD_KEY = {"decided_by": "by"}
_DECISION_ATTRS = tuple(f.name for f in dataclasses.fields(Decision) if f.name != "unchanged")


def _decision_from_record(rec: Mapping[str, Any]) -> Decision:
    """The typed decision of a checked record (older records lack the detail fields)."""
    values: dict[str, Any] = {}
    for name in _DECISION_ATTRS:
        value = rec.get(_RECORD_KEY.get(name, name))
        values[name] = tuple(value or ()) if name in _TUPLE_ATTRS else value
    return Decision(**values)


class DecisionLog:
    """An append-only, hash-chained JSON Lines decision log at ``path``.

    The file need not exist (an empty log). Every read re-reads the file, so
    several objects and processes can share it; appends take an exclusive lock,
    re-read the file, continue the chain from its real head, write one whole
    line and ``fsync`` it. An object refuses to append when the log no longer
    contains the last record it saw (the log was truncated or replaced), when the
    log fails :meth:`verify`, or when it ends in a partial line (see
    :meth:`repair_partial_tail`).
    """

    def __init__(self, path: str | Path, *, signer: Any = None) -> None:
        self.path = Path(path)
        #: The :class:`~workbench.risk.signing.SigningKey` that signs what this object
        #: appends; ``None`` uses the process's key (``workbench.risk.signing.use_key``,
        #: or the file named by ``WORKBENCH_SIGNING_KEY``), and no key means unsigned.
        self.signer = signer
        self._seen_records = 0
        self._seen_head = ZERO_HASH

    def __repr__(self) -> str:
        return f"DecisionLog({str(self.path)!r})"

    # ---------------------------------------------------------------- reading

    def _lines(self) -> list[bytes]:
        data = _read_bytes(self.path)
        lines, _partial = _split(data)
        self._seen_records = len(lines)
        self._seen_head = _hash(lines[-1]) if lines else ZERO_HASH
        return lines

    def records(self) -> list[dict[str, Any]]:
        """All complete records in order (a partial last line is left out: see verify).

        Raises :class:`DecisionLogError` when a line is not a JSON object, or is a
        record of an unknown type or with an unknown field. The hash chain is not
        checked here: call :meth:`verify` for that.
        """
        records = self._parse(self._lines())
        self._decisions(records)  # refuses what this version cannot read, naming the line
        return records

    def _parse(self, lines: list[bytes]) -> list[dict[str, Any]]:
        out = []
        for i, line in enumerate(lines, start=1):
            rec, problem = _parse_line(line)
            if rec is None:
                raise DecisionLogError(f"{self.path}: line {i}: {problem}")
            out.append(rec)
        return out

    def __len__(self) -> int:
        """Number of complete records (of every type)."""
        return len(self._lines())

    def head(self) -> str:
        """Hash of the last complete line, or 64 zeros for an empty log."""
        self._lines()
        return self._seen_head

    def decisions(self) -> list[Decision]:
        """Every decision in log order, with later renames applied to its finding ids."""
        return self._decisions(self._parse(self._lines()))

    def _decisions(self, records: list[dict[str, Any]]) -> list[Decision]:
        out: list[Decision] = []
        decision_ids: list[str] = []
        for i, rec in enumerate(records, start=1):
            kind = rec.get("type")
            problem = _common_problem(rec) or _type_problem(rec, decision_ids)
            if problem:
                raise DecisionLogError(f"{self.path}: line {i}: {problem}")
            if kind not in ("decision", "rename"):
                continue
            if kind == "decision":
                decision_ids.append(rec["id"])
                out.append(_decision_from_record(rec))
            else:
                old, new = rec["old_id"], rec["new_id"]
                for n, d in enumerate(out):
                    renamed = tuple(
                        dict.fromkeys(_rename_finding(f, old, new) for f in d.findings)
                    )
                    if renamed != d.findings:
                        out[n] = replace(d, findings=renamed)
        return out

    def snapshot(self) -> tuple[list[Decision], str, int]:
        """Decisions, head and record count from one read of the file.

        Use it for exports: calling :meth:`decisions`, :meth:`head` and ``len()``
        one after the other can mix two states when another process appends.
        """
        lines = self._lines()
        return self._decisions(self._parse(lines)), self._seen_head, len(lines)

    def current(self) -> dict[str, Decision]:
        """For each finding id, the latest decision covering it that is not superseded.

        A superseded decision no longer counts for any of its findings: a finding
        it covered that the superseding decision leaves out is open again.
        """
        return current_decisions(self.decisions())

    def get(self, decision_id: str) -> Decision | None:
        """The decision with this id (renames applied), or ``None``."""
        for d in self.decisions():
            if d.id == decision_id:
                return d
        return None

    def verify(
        self, *, expected_head: str | None = None, expected_records: int | None = None
    ) -> VerifyResult:
        """Check the log (see :func:`verify`)."""
        return verify(self.path, expected_head=expected_head, expected_records=expected_records)

    # ---------------------------------------------------------------- writing

    def append_decision(
        self,
        findings: Iterable[str],
        treatment: str,
        rationale: str,
        *,
        decided_by: str,
        owner: str | None = None,
        date: DateLike,
        review_by: DateLike | None = None,
        links: Iterable[str] = (),
        supersedes: str | None = None,
        bands: Mapping[str, str] | None = None,
        high_bands: Iterable[str] = HIGH_BANDS,
        recorded_at: TimestampLike,
        mitigations: Iterable[str] = (),
        due: DateLike | None = None,
        carrier: str | None = None,
        design_change: str | None = None,
        confirmed_by: str | None = None,
    ) -> Decision:
        """Validate and append a decision; return it with its new id.

        Raises :class:`DecisionError` (nothing written) when invalid, including
        when ``supersedes`` does not name an existing decision or names one that
        is already superseded (supersede the current one instead).
        """
        findings = _findings_tuple(findings)
        links = tuple(links) if not isinstance(links, str) else links
        high_bands = tuple(high_bands)
        problems = _problems(
            findings, treatment, rationale, decided_by=decided_by, owner=owner, date=date,
            review_by=review_by, links=links, supersedes=supersedes, bands=bands,
            high_bands=high_bands, recorded_at=recorded_at, check_recorded_at=True,
            mitigations=mitigations, due=due, carrier=carrier, design_change=design_change,
            confirmed_by=confirmed_by,
        )
        if problems:
            raise DecisionError(problems)
        supersedes = _opt_text(supersedes)
        mitigation_ids = [mitigations] if isinstance(mitigations, str) else list(mitigations)
        details: dict[str, Any] = {}
        chosen = sorted(dict.fromkeys(m.strip() for m in mitigation_ids if not _blank(m)))
        if chosen:
            details["mitigations"] = chosen
        for name, value in (("due", _date_text(due)), ("carrier", carrier),
                            ("design_change", design_change), ("confirmed_by", confirmed_by)):
            if not _blank(value):
                details[name] = str(value).strip()

        def build(records: list[dict[str, Any]]) -> dict[str, Any]:
            existing = self._decisions(records)
            if supersedes is not None:
                ids = {d.id for d in existing}
                by = {d.supersedes: d.id for d in existing if d.supersedes}
                if supersedes not in ids:
                    raise DecisionError({"supersedes": f"there is no decision {supersedes}"})
                if supersedes in by:
                    raise DecisionError({
                        "supersedes": f"{supersedes} is already superseded by "
                                      f"{by[supersedes]}; supersede that one instead"
                    })
            return {
                "type": "decision",
                "by": decided_by,
                "recorded_at": _timestamp_text(recorded_at),
                "id": f"D-{len(existing) + 1:04d}",
                "findings": list(findings),
                "treatment": treatment,
                "rationale": rationale,
                "owner": _opt_text(owner),
                "date": _date_text(date),
                "review_by": _opt_text(_date_text(review_by)),
                "links": list(links),
                "supersedes": supersedes,
                **details,
            }

        return _decision_from_record(self._append(build))

    def append_rename(
        self, old_id: str, new_id: str, *, by: str, recorded_at: TimestampLike
    ) -> dict[str, Any]:
        """Record that element ``old_id`` is now ``new_id``; return the record.

        Decisions recorded before this point that name ``rule@old_id`` are read as
        ``rule@new_id`` from now on; the log is never rewritten.
        """
        problems: dict[str, str] = {}
        for field, value in (("old_id", old_id), ("new_id", new_id)):
            if not isinstance(value, str) or not _ELEMENT_ID_RE.fullmatch(value):
                problems[field] = f"expected an element id (no spaces, no @), got {value!r}"
        if "old_id" not in problems and old_id == new_id:
            problems["new_id"] = "the new id is the same as the old one"
        self._check_by_and_stamp(by, recorded_at, problems)
        if problems:
            raise DecisionError(problems, "rename")
        return self._append(lambda _records: {
            "type": "rename", "by": by, "recorded_at": _timestamp_text(recorded_at),
            "old_id": old_id, "new_id": new_id,
        })

    def append_note(self, text: str, *, by: str, recorded_at: TimestampLike) -> dict[str, Any]:
        """Append a free-text note; return the record."""
        problems: dict[str, str] = {}
        if not isinstance(text, str) or not text.strip():
            problems["text"] = "the note must not be blank"
        self._check_by_and_stamp(by, recorded_at, problems)
        if problems:
            raise DecisionError(problems, "note")
        return self._append(lambda _records: {
            "type": "note", "by": by, "recorded_at": _timestamp_text(recorded_at), "text": text,
        })

    @staticmethod
    def _check_by_and_stamp(by: Any, recorded_at: Any, problems: dict[str, str]) -> None:
        p = _Problems()
        if not isinstance(by, str) or not by.strip():
            p.add("by", "name who records this (it is never guessed)")
        p.stamp("recorded_at", recorded_at)
        problems.update(p.joined())

    def _append(self, build: Callable[[list[dict[str, Any]]], dict[str, Any]]) -> dict[str, Any]:
        """Lock, re-read, check, build the record from the real log, write one line."""
        path = self.path
        if not path.parent.is_dir():
            raise DecisionLogError(f"{path}: the folder of the decision log does not exist")
        from workbench.risk.signing import active_key

        signer = active_key(self.signer, log_path=path)
        created = not path.exists()
        flags = os.O_RDWR | os.O_CREAT | os.O_APPEND | getattr(os, "O_BINARY", 0)
        try:
            fd = os.open(path, flags, 0o644)
        except OSError as exc:
            raise DecisionLogError(f"{path}: cannot open the decision log: {exc}") from None
        try:
            with _exclusive(fd, path):
                data = _read_fd(fd)
                result = _verify_data(data)
                if not result.ok:
                    hint = ""
                    if result.code == "partial-tail":
                        hint = " (repair it with DecisionLog.repair_partial_tail())"
                    raise DecisionLogError(
                        f"{path}: refusing to append: {result.problem}{hint}"
                    )
                seen = _verify_data(
                    data, expected_head=self._seen_head, expected_records=self._seen_records
                )
                if not seen.ok:
                    raise DecisionLogError(
                        f"{path}: refusing to append: the log no longer holds the record "
                        f"{self._seen_records} this object last saw ({seen.problem}); check "
                        "it, then open a new DecisionLog to go on from the log as it is now"
                    )
                lines, _partial = _split(data)
                records = [json.loads(line) for line in lines]
                record = build(records)
                record["seq"] = len(lines) + 1
                record["prev"] = result.head
                if signer is not None:
                    record[SIGNATURE_FIELD] = signer.sign(record)
                line = _canonical(record) + b"\n"
                self._write(fd, line, len(data))
        finally:
            os.close(fd)
        if created:
            fsync_dir(path.parent)
        self._seen_records = record["seq"]
        self._seen_head = _hash(line[:-1])
        return record

    @staticmethod
    def _write(fd: int, line: bytes, size_before: int) -> None:
        try:
            view = memoryview(line)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        except BaseException:
            # Take back a half-written line so the log stays whole (best effort;
            # if this fails too, verify reports the partial line).
            try:
                os.ftruncate(fd, size_before)
                os.fsync(fd)
            except OSError:  # pragma: no cover
                pass
            raise

    def repair_partial_tail(self) -> Path | None:
        """Move a partial last line (a write interrupted mid-way) aside.

        The partial bytes go to ``<log name>.partial-<n>`` beside the log (the
        first free ``n`` from 1), which is written and synced before the log is
        truncated to its last complete line, so nothing is lost. Returns that
        file, or ``None`` when the log ends cleanly.
        """
        path = self.path
        if not path.exists():
            return None
        fd = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))
        try:
            with _exclusive(fd, path):
                data = _read_fd(fd)
                _lines, partial = _split(data)
                if not partial:
                    return None
                n = 1
                while True:
                    side = path.with_name(f"{path.name}.partial-{n}")
                    try:
                        sfd = os.open(
                            side, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                            0o644,
                        )
                        break
                    except FileExistsError:
                        n += 1
                try:
                    view = memoryview(partial)
                    while view:
                        view = view[os.write(sfd, view):]
                    os.fsync(sfd)
                finally:
                    os.close(sfd)
                fsync_dir(path.parent)
                os.ftruncate(fd, len(data) - len(partial))
                os.fsync(fd)
                return side
        finally:
            os.close(fd)


# --------------------------------------------------------------------------- queries


def current_decisions(decisions: Iterable[Decision]) -> dict[str, Decision]:
    """For each finding id, the latest decision covering it that is not superseded."""
    decisions = list(decisions)
    superseded = {d.supersedes for d in decisions if d.supersedes}
    out: dict[str, Decision] = {}
    for d in decisions:
        if d.id in superseded:
            continue
        for fid in d.findings:
            out[fid] = d
    return out


def orphaned(
    decisions: Mapping[str, Decision] | Iterable[Decision],
    existing_finding_ids: Iterable[str],
    *,
    include_partial: bool = False,
) -> list[tuple[Decision, tuple[str, ...]]]:
    """Decisions whose findings no longer exist, each with the missing ids.

    Takes :meth:`DecisionLog.current` or any list of decisions (each decision is
    reported once, in order). A decision is orphaned when *all* its findings are
    missing; with ``include_partial`` decisions missing only some are listed too.
    Orphaned decisions stay in the log: this is a report, nothing is dropped.
    """
    values = decisions.values() if isinstance(decisions, Mapping) else decisions
    existing = set(existing_finding_ids)
    out: list[tuple[Decision, tuple[str, ...]]] = []
    seen: set[str] = set()
    for d in values:
        if d.id in seen:
            continue
        seen.add(d.id)
        missing = tuple(f for f in d.findings if f not in existing)
        if missing and (include_partial or len(missing) == len(d.findings)):
            out.append((d, missing))
    return out


def finding_status(
    finding_id: str, current: Mapping[str, Decision], *, as_of: _dt.date
) -> str:
    """``open`` (no current decision), ``decided`` or ``review_due``.

    ``review_due`` when the current decision's ``review_by`` is before ``as_of``
    (on the review date itself the decision is still ``decided``).
    """
    if isinstance(as_of, _dt.datetime):
        as_of = as_of.date()
    return decision_status(current.get(finding_id), as_of=as_of)


def decision_status(decision: Any, *, as_of: _dt.date) -> str:
    """The status of a finding whose current decision is *decision* (``None``: open).

    *decision* is a :class:`Decision` or a mapping with ``review_by`` (a date
    or ``YYYY-MM-DD`` text): ``review_due`` when that is before *as_of*, else
    ``decided``.
    """
    if decision is None:
        return "open"
    review_by = (
        decision.get("review_by") if isinstance(decision, Mapping)
        else getattr(decision, "review_by", None)
    )
    if isinstance(review_by, _dt.datetime):
        review_by = review_by.date()
    if isinstance(review_by, str) and review_by.strip():
        review_by, _ = _parse_date(review_by.strip()[:10])
    if isinstance(review_by, _dt.date) and review_by < as_of:
        return "review_due"
    return "decided"
