"""Decision-log records are checked from one table, and problems carry a code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench._input.check import Field
from workbench.risk import decisions as d
from workbench.risk.decisions import RECORD_SPECS, VERIFY_CODES, DecisionLog, DecisionLogError


def _log(tmp_path: Path) -> DecisionLog:
    log = DecisionLog(tmp_path / "decisions.jsonl")
    log.append_decision(
        ["prompt-injection@chat"], "mitigate", "Filter retrieved text before use.",
        decided_by="Alice", date="2025-03-01", recorded_at="2025-03-01T09:00:00+00:00",
    )
    log.append_note("a note", by="Bob", recorded_at="2025-03-01T09:01:00+00:00")
    return log


def test_a_partial_tail_is_known_by_its_code_not_its_words(tmp_path: Path) -> None:
    log = _log(tmp_path)
    data = log.path.read_bytes()
    log.path.write_bytes(data[:-10])
    result = log.verify()
    assert not result.ok and result.code == "partial-tail" and result.code in VERIFY_CODES
    with pytest.raises(DecisionLogError, match=r"repair it with DecisionLog\.repair_partial_tail"):
        log.append_note("more", by="Bob", recorded_at="2025-03-01T09:02:00+00:00")


def test_every_refusal_of_verify_has_a_code(tmp_path: Path) -> None:
    log = _log(tmp_path)
    lines = log.path.read_bytes().split(b"\n")[:-1]
    edited = json.loads(lines[0])
    edited["rationale"] = "Something else entirely now."
    cases = {
        "unreadable": b"not json\n",
        "edited": lines[0].replace(b'{"by"', b'{ "by"') + b"\n",
        "chain": json.dumps(edited, sort_keys=True, separators=(",", ":")).encode() + b"\n"
        + lines[1] + b"\n",
        "sequence": lines[1] + b"\n",
    }
    for code, data in cases.items():
        log.path.write_bytes(data)
        result = log.verify()
        assert not result.ok and result.code == code, (code, result)


def test_the_record_fields_come_from_the_table() -> None:
    decision = RECORD_SPECS["decision"]
    assert d.DETAIL_FIELDS == ("mitigations", "due", "carrier", "design_change", "confirmed_by")
    assert {f.name for f in decision.fields if f.required} >= {"findings", "treatment", "owner"}
    # a new optional field is one row: records with it are read, records without it too
    wider = decision.with_fields(Field("ticket", "optional text"))
    rec = {"seq": 1, "type": "decision", "prev": "0" * 64, "recorded_at": "x", "by": "A",
           "id": "D-0001", "findings": ["r@e"], "links": [], "treatment": "accept",
           "rationale": "Because it is low.", "date": "2025-03-01", "owner": None,
           "review_by": None, "supersedes": None}
    saved = dict(RECORD_SPECS)
    try:
        RECORD_SPECS["decision"] = wider
        assert d._type_problem({**rec, "ticket": "T-1"}, []) is None
        assert d._type_problem(rec, []) is None
        assert d._type_problem({**rec, "ticket": 5}, []) == (
            "decision record: ticket must be a text or null"
        )
    finally:
        RECORD_SPECS.clear()
        RECORD_SPECS.update(saved)
    assert "unknown field(s) ticket" in str(d._type_problem({**rec, "ticket": "T-1"}, []))
    assert d._type_problem({**rec, "treatment": "ignore"}, []) == (
        "decision record: unknown treatment 'ignore'; allowed: "
        "mitigate, accept, transfer, avoid, not_applicable"
    )
