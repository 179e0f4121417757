"""Risk decisions and the hash-chained decision log."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from workbench.errors import InputError, WorkbenchError
from workbench.risk import decisions as decisions_module
from workbench.risk.decisions import (
    TREATMENTS,
    ZERO_HASH,
    Decision,
    DecisionError,
    DecisionLog,
    DecisionLogError,
    finding_status,
    orphaned,
    validate_decision,
    verify,
)

T0 = "2025-03-01T09:00:00+00:00"
PI = "prompt-injection@chat"
DP = "data-poisoning@store"
MT = "model-theft@api"


def stamp(n: int) -> str:
    return f"2025-03-01T09:{n:02d}:00+00:00"


def ok_args(**over):
    args = dict(
        findings=[PI], treatment="mitigate", rationale="Filter retrieved text.",
        decided_by="Alice", date="2025-03-01",
    )
    args.update(over)
    return args


def problems_of(**over) -> dict[str, str]:
    """field -> message, from validate_decision's '<field>: <message>' strings."""
    args = ok_args(**over)
    out = {}
    for p in validate_decision(args.pop("findings"), args.pop("treatment"),
                               args.pop("rationale"), **args):
        field, _, message = p.partition(": ")
        out[field] = message
    return out


@pytest.fixture
def log(tmp_path) -> DecisionLog:
    return DecisionLog(tmp_path / "decisions.jsonl")


def add(log: DecisionLog, findings=(PI,), treatment="mitigate", n: int = 0, **kw) -> Decision:
    kw.setdefault("rationale", f"recorded reason {n}")
    kw.setdefault("decided_by", "Alice")
    kw.setdefault("date", "2025-03-01")
    return log.append_decision(list(findings), treatment, recorded_at=stamp(n), **kw)


def lines_of(path: Path) -> list[bytes]:
    return path.read_bytes().split(b"\n")[:-1]


def write_lines(path: Path, lines: list[bytes]) -> None:
    path.write_bytes(b"".join(line + b"\n" for line in lines))


def sha(line: bytes) -> str:
    return hashlib.sha256(line).hexdigest()


def canonical(record: dict) -> bytes:
    return json.dumps(record, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


# --------------------------------------------------------------------------- validation


def test_a_valid_decision_has_no_problems():
    assert validate_decision(**ok_args()) == []
    assert TREATMENTS == ("mitigate", "accept", "transfer", "avoid", "not_applicable")
    for treatment in TREATMENTS:
        assert problems_of(treatment=treatment) == {}


def test_unknown_treatment_lists_the_allowed_ones():
    msg = problems_of(treatment="ignore")["treatment"]
    assert "'ignore'" in msg
    for treatment in TREATMENTS:
        assert treatment in msg


@pytest.mark.parametrize("rationale", ["", "   ", "\n\t", None])
def test_rationale_is_required(rationale):
    assert "rationale" in problems_of(rationale=rationale)


@pytest.mark.parametrize("decided_by", ["", "  ", None])
def test_decided_by_is_required_and_never_guessed(decided_by):
    assert "decided_by" in problems_of(decided_by=decided_by)


@pytest.mark.parametrize("findings", [[], (), None])
def test_at_least_one_finding(findings):
    assert "at least one" in problems_of(findings=findings)["findings"]


@pytest.mark.parametrize("bad", ["no-at-sign", "@element", "rule@", "rule @x", ""])
def test_finding_ids_must_look_like_rule_at_element(bad):
    assert "findings" in problems_of(findings=[PI, bad])


def test_a_finding_listed_twice_is_refused():
    assert "twice" in problems_of(findings=[PI, PI])["findings"]


def test_a_single_finding_id_string_is_one_finding():
    assert problems_of(findings=PI) == {}


@pytest.mark.parametrize(
    "date", ["2025-3-1", "01.03.2025", "2025-02-30", "", None, "2025-03-01T10:00"]
)
def test_bad_dates(date):
    assert "date" in problems_of(date=date)


@pytest.mark.parametrize("review_by", ["2025-13-01", "tomorrow", "2025/06/01"])
def test_bad_review_dates(review_by):
    assert "review_by" in problems_of(review_by=review_by)


def test_review_by_before_the_decision_date_is_refused():
    msg = problems_of(date="2025-03-01", review_by="2025-02-28")["review_by"]
    assert "before" in msg and "2025-03-01" in msg
    assert problems_of(date="2025-03-01", review_by="2025-03-01") == {}


def test_dates_may_be_date_objects():
    assert problems_of(date=dt.date(2025, 3, 1), review_by=dt.date(2025, 9, 1)) == {}
    assert "date" in problems_of(date=dt.datetime(2025, 3, 1, 10, 0))


def test_links_must_be_a_list_of_texts():
    assert problems_of(links=["JIRA-1", "https://example.org/doc"]) == {}
    assert "links" in problems_of(links="JIRA-1")
    assert "links" in problems_of(links=["JIRA-1", " "])


def test_supersedes_must_look_like_a_decision_id():
    assert problems_of(supersedes="D-0001") == {}
    assert "supersedes" in problems_of(supersedes="0001")


@pytest.mark.parametrize("band", ["high", "critical"])
def test_accepting_a_high_or_critical_risk_needs_an_owner_and_a_review_date(band):
    problems = problems_of(treatment="accept", bands={PI: band})
    assert set(problems) == {"owner", "review_by"}
    assert PI in problems["owner"] and band in problems["owner"]
    assert "owner" in problems_of(treatment="accept", bands={PI: band}, review_by="2025-06-01")
    assert "review_by" in problems_of(treatment="accept", bands={PI: band}, owner="Bob")
    assert "owner" in problems_of(treatment="accept", bands={PI: band}, owner="  ",
                                  review_by="2025-06-01")
    assert problems_of(treatment="accept", bands={PI: band}, owner="Bob",
                       review_by="2025-06-01") == {}


def test_one_high_finding_among_several_is_enough_to_need_an_owner():
    problems = problems_of(treatment="accept", findings=[PI, DP],
                           bands={PI: "low", DP: "critical"})
    assert DP in problems["owner"] and PI not in problems["owner"]


def test_accepting_a_medium_or_low_risk_needs_neither():
    assert problems_of(treatment="accept", bands={PI: "medium"}) == {}
    assert problems_of(treatment="accept", bands={PI: "low"}) == {}


@pytest.mark.parametrize(("treatment", "needed", "given"), [
    ("accept", {"owner", "review_by"}, {"owner": "Bob", "review_by": "2025-06-01"}),
    ("mitigate", {"mitigations", "owner", "due"},
     {"mitigations": ["AML.M0015"], "owner": "Bob", "due": "2025-06-01"}),
    ("transfer", {"owner", "carrier"}, {"owner": "Bob", "carrier": "the model provider"}),
    ("avoid", {"design_change"}, {"design_change": "retrieval from the web is removed"}),
    ("not_applicable", {"confirmed_by"}, {"confirmed_by": "Carol Jones"}),
])
def test_each_treatment_of_a_high_risk_names_what_it_lacks(treatment, needed, given):
    base = {"owner": None, "review_by": None}
    problems = problems_of(treatment=treatment, bands={PI: "critical"}, **base)
    assert needed <= set(problems), problems
    for name in needed:
        assert PI in problems[name] and "critical" in problems[name]
    assert problems_of(treatment=treatment, bands={PI: "critical"}, **{**base, **given}) == {}
    # a medium finding needs none of it
    assert problems_of(treatment=treatment, bands={PI: "medium"}, **base) == {}


@pytest.mark.parametrize("rationale", [
    "n/a", "N/A", "ok", "OK.", "-", "none", "TBD", "todo", " ToDo ", "n.a.", "fine", "x",
    "later", "see ticket",
])
def test_placeholder_rationales_are_refused(rationale):
    assert "placeholder" in problems_of(rationale=rationale)["rationale"]


@pytest.mark.parametrize("rationale", ["guardrails", "risk accepted", "two words"])
def test_rationales_of_fewer_than_three_words_are_refused(rationale):
    assert "too short" in problems_of(rationale=rationale)["rationale"]


def test_a_rationale_of_three_words_is_taken():
    assert problems_of(rationale="guardrails filter output") == {}


def test_the_details_of_a_treatment_are_recorded_and_read_back(log):
    d = add(log, bands={PI: "high"}, owner="Bob", mitigations=["AML.M0015", "AML.M0015"],
            due="2025-06-01")
    rec = json.loads(lines_of(log.path)[0])
    assert rec["mitigations"] == ["AML.M0015"] and rec["due"] == "2025-06-01"
    assert "carrier" not in rec  # only what is set is written
    assert log.decisions()[0] == d and d.mitigations == ("AML.M0015",)
    assert log.verify().ok


def test_the_reader_refuses_an_unknown_treatment_naming_the_line(log):
    add(log)
    lines = lines_of(log.path)
    rec = json.loads(lines[0])
    rec["treatment"] = "ignore"
    write_lines(log.path, [json.dumps(rec, sort_keys=True, separators=(",", ":")).encode()])
    with pytest.raises(DecisionLogError, match=r"line 1: .*unknown treatment 'ignore'"):
        log.decisions()
    result = log.verify()
    assert not result.ok and result.first_bad_line == 1 and "treatment" in result.problem


def test_high_bands_are_configurable():
    assert "owner" in problems_of(treatment="accept", bands={PI: "medium"},
                                  high_bands=("medium", "high", "critical"))
    assert problems_of(treatment="accept", bands={PI: "high"}, high_bands=("critical",)) == {}


def test_findings_without_a_known_band_are_not_checked():
    assert problems_of(treatment="accept", bands={DP: "high"}) == {}
    assert problems_of(treatment="accept", bands=None) == {}


def test_decision_error_carries_every_problem_by_field(log):
    with pytest.raises(DecisionError) as info:
        log.append_decision([], "ignore", "", decided_by="", date="x", review_by="y",
                            recorded_at="not a time")
    err = info.value
    assert isinstance(err, WorkbenchError) and err.exit_code == 1
    assert set(err.problems) == {
        "findings", "treatment", "rationale", "decided_by", "date", "review_by", "recorded_at",
    }
    assert all(isinstance(m, str) and m for m in err.problems.values())
    assert "treatment: unknown treatment" in str(err)
    assert not log.path.exists()  # nothing written


def test_an_invalid_decision_writes_nothing_to_an_existing_log(log):
    add(log)
    before = log.path.read_bytes()
    with pytest.raises(DecisionError):
        add(log, treatment="accept", bands={PI: "high"})
    assert log.path.read_bytes() == before


# --------------------------------------------------------------------------- the log


def test_a_missing_file_is_an_empty_log(log):
    assert not log.path.exists()
    assert len(log) == 0 and log.records() == [] and log.decisions() == []
    assert log.head() == ZERO_HASH and log.current() == {}
    result = log.verify()
    assert result.ok and result.records == 0 and result.head == ZERO_HASH
    assert result.to_dict()["problem"] is None


def test_records_are_canonical_hash_chained_json_lines(log):
    d1 = add(log, n=1, owner="Bob", links=["JIRA-7"])
    log.append_note("Workshop with the product team — notes in the wiki", by="Carol",
                    recorded_at=stamp(2))
    log.append_rename("chat", "chat-ui", by="Carol", recorded_at=stamp(3))
    lines = lines_of(log.path)
    assert len(lines) == 3 and log.path.read_bytes().endswith(b"\n")
    records = [json.loads(x) for x in lines]
    for line, rec in zip(lines, records, strict=True):
        assert canonical(rec) == line
        for field in ("seq", "type", "prev", "recorded_at", "by"):
            assert field in rec
    assert [r["seq"] for r in records] == [1, 2, 3]
    assert [r["type"] for r in records] == ["decision", "note", "rename"]
    assert records[0]["prev"] == ZERO_HASH
    assert records[1]["prev"] == sha(lines[0]) and records[2]["prev"] == sha(lines[1])
    assert log.head() == sha(lines[2]) and len(log) == 3
    assert "—" in lines[1].decode("utf-8")  # UTF-8, not \u escapes
    assert records[0] == {
        "seq": 1, "type": "decision", "prev": ZERO_HASH, "recorded_at": stamp(1), "by": "Alice",
        "id": "D-0001", "findings": [PI], "treatment": "mitigate", "rationale": "recorded reason 1",
        "owner": "Bob", "date": "2025-03-01", "review_by": None, "links": ["JIRA-7"],
        "supersedes": None,
    }
    assert d1 == Decision(
        id="D-0001", findings=(PI,), treatment="mitigate", rationale="recorded reason 1", owner="Bob",
        decided_by="Alice", date="2025-03-01", review_by=None, links=("JIRA-7",),
        supersedes=None, recorded_at=stamp(1),
    )
    assert d1.to_dict()["findings"] == [PI] and d1.to_dict()["decided_by"] == "Alice"
    assert log.records() == records


def test_decision_ids_are_numbered_by_the_log_in_order(log):
    add(log, n=1)
    log.append_note("n", by="A", recorded_at=stamp(2))
    d2 = add(log, n=3)
    assert d2.id == "D-0002"
    assert [d.id for d in log.decisions()] == ["D-0001", "D-0002"]


def test_blank_optional_fields_from_a_form_are_stored_as_absent(log):
    d = add(log, owner="", review_by="  ", supersedes="")
    assert d.owner is None and d.review_by is None and d.supersedes is None


def test_superseding_replaces_a_decision_without_editing_it(log):
    add(log, [PI, DP], "mitigate", n=1)
    before = log.path.read_bytes()
    d2 = add(log, [PI], "accept", n=2, supersedes="D-0001", owner="Bob",
             review_by="2025-09-01", bands={PI: "high"})
    assert log.path.read_bytes().startswith(before)  # append-only
    assert d2.supersedes == "D-0001"
    current = log.current()
    assert current[PI].id == "D-0002"
    # DP was covered only by the superseded decision: it is open again
    assert DP not in current
    assert [d.id for d in log.decisions()] == ["D-0001", "D-0002"]


def test_supersedes_must_name_an_existing_decision(log):
    add(log, n=1)
    with pytest.raises(DecisionError) as info:
        add(log, n=2, supersedes="D-0007")
    assert set(info.value.problems) == {"supersedes"}
    assert "D-0007" in info.value.problems["supersedes"]
    assert len(log) == 1


def test_an_already_superseded_decision_cannot_be_superseded_again(log):
    add(log, n=1)
    add(log, n=2, supersedes="D-0001")
    with pytest.raises(DecisionError) as info:
        add(log, n=3, supersedes="D-0001")
    assert "D-0002" in info.value.problems["supersedes"]
    add(log, n=4, supersedes="D-0002")
    assert log.current()[PI].id == "D-0003"


def test_current_takes_the_latest_decision_per_finding(log):
    add(log, [PI, DP], "mitigate", n=1)
    add(log, [DP], "transfer", n=2)
    current = log.current()
    assert current[PI].id == "D-0001" and current[DP].id == "D-0002"


def test_renames_apply_to_decisions_recorded_before_them(log):
    add(log, [PI, DP], n=1)
    before = log.path.read_bytes()
    log.append_rename("chat", "chat-ui", by="Carol", recorded_at=stamp(2))
    assert log.path.read_bytes().startswith(before)  # never rewritten
    add(log, ["other@chat"], n=3)  # recorded after: not renamed
    d1, d2 = log.decisions()
    assert d1.findings == ("prompt-injection@chat-ui", DP)
    assert d2.findings == ("other@chat",)
    assert set(log.current()) == {"prompt-injection@chat-ui", DP, "other@chat"}
    assert log.records()[0]["findings"] == [PI, DP]  # the record itself is unchanged


def test_renames_chain(log):
    add(log, [PI], n=1)
    log.append_rename("chat", "chat-ui", by="C", recorded_at=stamp(2))
    add(log, ["leak@chat-ui"], n=3)
    log.append_rename("chat-ui", "assistant", by="C", recorded_at=stamp(4))
    assert [d.findings for d in log.decisions()] == [
        ("prompt-injection@assistant",), ("leak@assistant",),
    ]


def test_a_rename_merging_two_ids_of_one_decision_keeps_one(log):
    add(log, ["x@a", "x@b"], n=1)
    log.append_rename("a", "b", by="C", recorded_at=stamp(2))
    assert log.decisions()[0].findings == ("x@b",)


def test_rename_and_note_are_validated(log):
    with pytest.raises(DecisionError) as info:
        log.append_rename("a b", "a", by="", recorded_at="yesterday")
    assert set(info.value.problems) == {"old_id", "by", "recorded_at"}
    with pytest.raises(DecisionError) as info:
        log.append_rename("a", "a", by="C", recorded_at=stamp(1))
    assert set(info.value.problems) == {"new_id"}
    with pytest.raises(DecisionError) as info:
        log.append_note("  ", by="C", recorded_at=stamp(1))
    assert set(info.value.problems) == {"text"}
    assert not log.path.exists()


def test_recorded_at_may_be_a_datetime(log):
    when = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)
    d = log.append_decision([PI], "avoid", "drop the feature", decided_by="A", date="2025-03-01",
                            recorded_at=when)
    assert d.recorded_at == "2025-03-01T09:00:00+00:00"


def test_unknown_record_types_are_refused_by_verify_the_reader_and_append(log):
    add(log, n=1)
    future = {"seq": 2, "type": "residual", "prev": log.head(), "recorded_at": stamp(2),
              "by": "v9"}
    with log.path.open("ab") as fh:
        fh.write(canonical(future) + b"\n")
    result = log.verify()
    assert not result.ok and result.first_bad_line == 2
    assert "unknown record type 'residual'" in result.problem
    for read in (log.decisions, log.records, log.current, log.snapshot):
        with pytest.raises(DecisionLogError, match=r"line 2: unknown record type 'residual'"):
            read()
    with pytest.raises(DecisionLogError, match="refusing to append"):
        add(log, n=3)
    assert len(log) == 2


# --------------------------------------------------------------------------- orphans, status


def test_orphaned_decisions_are_reported_not_dropped(log):
    add(log, [PI], n=1)
    add(log, [DP, MT], n=2)
    add(log, ["gone@x", "gone@y"], n=3)
    existing = {PI, DP}
    report = orphaned(log.decisions(), existing)
    assert [(d.id, missing) for d, missing in report] == [("D-0003", ("gone@x", "gone@y"))]
    partial = orphaned(log.decisions(), existing, include_partial=True)
    assert [(d.id, missing) for d, missing in partial] == [
        ("D-0002", (MT,)), ("D-0003", ("gone@x", "gone@y")),
    ]
    # current() works too, each decision once
    assert [d.id for d, _ in orphaned(log.current(), existing)] == ["D-0003"]
    assert len(log.decisions()) == 3


def test_orphan_check_uses_renamed_ids(log):
    add(log, [PI], n=1)
    log.append_rename("chat", "chat-ui", by="C", recorded_at=stamp(2))
    assert orphaned(log.decisions(), {"prompt-injection@chat-ui"}) == []
    assert len(orphaned(log.decisions(), {PI})) == 1


def test_finding_status(log):
    add(log, [PI], n=1, review_by="2025-06-01")
    add(log, [DP], n=2)
    current = log.current()
    assert finding_status(MT, current, as_of=dt.date(2025, 7, 1)) == "open"
    assert finding_status(DP, current, as_of=dt.date(2030, 1, 1)) == "decided"
    assert finding_status(PI, current, as_of=dt.date(2025, 5, 31)) == "decided"
    assert finding_status(PI, current, as_of=dt.date(2025, 6, 1)) == "decided"
    assert finding_status(PI, current, as_of=dt.date(2025, 6, 2)) == "review_due"
    assert finding_status(PI, current, as_of=dt.datetime(2025, 6, 2, 8, 0)) == "review_due"


def test_review_due_follows_the_current_decision(log):
    add(log, [PI], n=1, review_by="2025-04-01")
    add(log, [PI], n=2, supersedes="D-0001", review_by="2026-01-01")
    assert finding_status(PI, log.current(), as_of=dt.date(2025, 5, 1)) == "decided"


# --------------------------------------------------------------------------- tampering


@pytest.fixture
def five(log) -> DecisionLog:
    """A log of five records: decisions, a note and a rename."""
    add(log, [PI], n=1)
    add(log, [DP], "accept", n=2)
    log.append_note("third", by="Carol", recorded_at=stamp(3))
    add(log, [MT], "transfer", n=4)
    log.append_rename("chat", "chat-ui", by="Carol", recorded_at=stamp(5))
    assert log.verify().ok
    return log


def test_a_clean_log_verifies(five):
    result = verify(five.path)
    assert result.ok and result.records == 5 and result.head == five.head()
    assert result.first_bad_line is None and result.problem is None
    assert result.to_dict() == {
        "ok": True, "records": 5, "head": five.head(), "first_bad_line": None,
        "first_bad_seq": None, "problem": None,
    }


def test_editing_a_field_of_a_middle_record(five):
    lines = lines_of(five.path)
    rec = json.loads(lines[1])
    rec["rationale"] = "we always meant to accept this"
    lines[1] = canonical(rec)  # still canonical: only the chain shows it
    write_lines(five.path, lines)
    result = five.verify()
    assert not result.ok
    assert result.first_bad_line == 3 and result.first_bad_seq == 3
    assert result.problem == (
        "line 3 (seq 3): prev does not match the hash of line 2: the record before it was "
        "edited, or a record was inserted or deleted here"
    )


def test_editing_by_hand_is_caught_on_the_edited_line(five):
    lines = lines_of(five.path)
    lines[1] = lines[1].replace(b'"by":"Alice"', b'"by": "Mallory"')
    write_lines(five.path, lines)
    result = five.verify()
    assert result.first_bad_line == 2 and "canonical" in result.problem


def test_deleting_a_middle_record(five):
    lines = lines_of(five.path)
    del lines[2]
    write_lines(five.path, lines)
    result = five.verify()
    assert not result.ok and result.first_bad_line == 3 and result.first_bad_seq == 4
    assert result.problem == (
        "line 3 (seq 4): seq 4 follows seq 2: a record was deleted or the records reordered"
    )


def test_deleting_the_first_record(five):
    write_lines(five.path, lines_of(five.path)[1:])
    result = five.verify()
    assert result.first_bad_line == 1 and "seq 1" in result.problem


def test_deleting_the_last_record_needs_the_expected_head_or_count(five):
    head, count = five.head(), len(five)
    write_lines(five.path, lines_of(five.path)[:-1])
    assert verify(five.path).ok  # the chain alone cannot see it
    by_count = verify(five.path, expected_records=count)
    assert not by_count.ok and by_count.first_bad_line == 5
    assert "truncated" in by_count.problem and "4" in by_count.problem
    by_head = verify(five.path, expected_head=head)
    assert not by_head.ok and "expected head" in by_head.problem
    both = verify(five.path, expected_head=head, expected_records=count)
    assert not both.ok and "truncated" in both.problem


def test_editing_the_last_record_is_caught_with_the_expected_head(five):
    head, count = five.head(), len(five)
    lines = lines_of(five.path)
    rec = json.loads(lines[-1])
    rec["new_id"] = "elsewhere"
    lines[-1] = canonical(rec)
    write_lines(five.path, lines)
    assert verify(five.path).ok
    result = verify(five.path, expected_head=head, expected_records=count)
    assert not result.ok and result.first_bad_line == 5 and "expected head" in result.problem


def test_a_log_that_grew_since_the_export_still_matches(five):
    head, count = five.head(), len(five)
    add(five, n=6)
    assert verify(five.path, expected_head=head, expected_records=count).ok
    assert verify(five.path, expected_head=head).ok
    assert verify(five.path, expected_records=count).ok


def test_inserting_a_forged_record_with_a_correct_looking_prev(five):
    lines = lines_of(five.path)
    forged = {"seq": 3, "type": "decision", "prev": sha(lines[1]), "recorded_at": stamp(2),
              "by": "Mallory", "id": "D-0003", "findings": ["x@y"], "treatment": "accept",
              "rationale": "fine", "owner": None, "date": "2025-03-01", "review_by": None,
              "links": [], "supersedes": None}
    lines.insert(2, canonical(forged))
    write_lines(five.path, lines)
    result = five.verify()
    # the forged line itself looks right; the record after it cannot
    assert not result.ok and result.first_bad_line == 4
    assert "seq 3 follows seq 3" in result.problem


def test_inserting_a_forged_record_and_renumbering_the_rest(five):
    lines = lines_of(five.path)
    forged = {"seq": 3, "type": "note", "prev": sha(lines[1]), "recorded_at": stamp(2),
              "by": "Mallory", "text": "nothing to see"}
    renumbered = []
    for line in lines[2:]:
        rec = json.loads(line)
        rec["seq"] += 1
        renumbered.append(canonical(rec))
    write_lines(five.path, [*lines[:2], canonical(forged), *renumbered])
    result = five.verify()
    assert not result.ok and result.first_bad_line == 4
    assert "prev does not match the hash of line 3" in result.problem


def test_swapping_two_records(five):
    lines = lines_of(five.path)
    lines[1], lines[2] = lines[2], lines[1]
    write_lines(five.path, lines)
    result = five.verify()
    assert not result.ok and result.first_bad_line == 2
    assert "seq 3 follows seq 1" in result.problem and "reordered" in result.problem


def test_a_non_json_garbage_line(five):
    lines = lines_of(five.path)
    lines.insert(3, b"this is not json {")
    write_lines(five.path, lines)
    result = five.verify()
    assert not result.ok and result.first_bad_line == 4 and result.first_bad_seq is None
    assert result.problem.startswith("line 4: not valid JSON")
    with pytest.raises(DecisionLogError, match="line 4"):
        five.records()
    with pytest.raises(DecisionLogError, match="refusing to append"):
        add(five, n=9)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (b"", "empty line"),
        (b"\xff\xfe", "not UTF-8"),
        (b"[1,2]", "not a JSON object"),
        (b'{"seq":2}', "missing field(s) type, prev, recorded_at, by"),
        (b'{"by":"a","prev":"zz","recorded_at":"t","seq":2,"type":"note"}', "prev must be"),
        (b"[" * 100_000, "not valid JSON"),
    ],
)
def test_malformed_lines_are_named(log, line, expected):
    add(log, n=1)
    with log.path.open("ab") as fh:
        fh.write(line + b"\n")
    result = log.verify()
    assert not result.ok and result.first_bad_line == 2 and expected in result.problem


def test_a_decision_record_missing_its_fields_is_named(log):
    add(log, n=1)
    rec = {"seq": 2, "type": "decision", "prev": log.head(), "recorded_at": stamp(2), "by": "M",
           "id": "D-0002"}
    with log.path.open("ab") as fh:
        fh.write(canonical(rec) + b"\n")
    result = log.verify()
    assert result.first_bad_line == 2 and "missing field(s) findings" in result.problem
    with pytest.raises(DecisionLogError):
        log.decisions()


def test_truncating_the_last_line_mid_way(five):
    data = five.path.read_bytes()
    five.path.write_bytes(data[:-20])
    result = five.verify()
    assert not result.ok and result.first_bad_line == 5 and result.records == 4
    assert "partial last line" in result.problem
    # readers see the complete records
    assert len(five.records()) == 4
    with pytest.raises(DecisionLogError, match="repair_partial_tail"):
        add(five, n=9)
    assert five.path.read_bytes() == data[:-20]


def test_repair_partial_tail_keeps_the_bytes(five):
    good = five.path.read_bytes()
    five.path.write_bytes(good + b'{"seq":6,"type":"no')
    side = five.repair_partial_tail()
    assert side == five.path.with_name("decisions.jsonl.partial-1")
    assert side.read_bytes() == b'{"seq":6,"type":"no'
    assert five.path.read_bytes() == good
    assert five.verify().ok
    assert five.repair_partial_tail() is None  # nothing more to repair
    d = add(five, n=6)
    assert d.id == "D-0004" and five.verify().ok
    # a second crash goes to the next side file
    five.path.write_bytes(five.path.read_bytes() + b"{")
    assert five.repair_partial_tail().name == "decisions.jsonl.partial-2"
    assert side.read_bytes() == b'{"seq":6,"type":"no'


def test_repair_of_a_missing_log_does_nothing(log):
    assert log.repair_partial_tail() is None


def test_a_failed_write_is_taken_back(five, monkeypatch):
    before = five.path.read_bytes()
    real_write = os.write

    def half_then_fail(fd, data):
        real_write(fd, bytes(data[: len(data) // 2]))
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(decisions_module.os, "write", half_then_fail)
    with pytest.raises(OSError):
        add(five, n=6)
    monkeypatch.undo()
    assert five.path.read_bytes() == before
    assert five.verify().ok


def test_an_object_refuses_to_append_after_its_log_was_truncated(five):
    add(five, n=6)  # this object has now seen six records
    write_lines(five.path, lines_of(five.path)[:-1])
    with pytest.raises(DecisionLogError, match="no longer holds"):
        add(five, n=7)
    # a fresh object accepts the log as it is now
    assert add(DecisionLog(five.path), n=7).id == "D-0004"


def test_a_tampered_log_is_refused_for_appending(five):
    lines = lines_of(five.path)
    del lines[1]
    write_lines(five.path, lines)
    with pytest.raises(DecisionLogError, match="seq 3 follows seq 1"):
        DecisionLog(five.path).append_note("x", by="A", recorded_at=stamp(9))


def test_the_log_errors_are_input_errors():
    assert issubclass(DecisionLogError, InputError)
    assert DecisionLogError("x").exit_code == 2


# --------------------------------------------------------------------------- concurrency


def test_two_objects_on_one_file_keep_one_chain(log):
    other = DecisionLog(log.path)
    add(log, [PI], n=1)
    d2 = add(other, [DP], n=2)  # other has never read the file
    d3 = add(log, [MT], n=3)  # log last saw one record
    other.append_note("between", by="B", recorded_at=stamp(4))
    d5 = add(log, [PI], n=5, supersedes="D-0001")
    assert (d2.id, d3.id, d5.id) == ("D-0002", "D-0003", "D-0004")
    result = log.verify()
    assert result.ok and result.records == 5
    assert [r["seq"] for r in log.records()] == [1, 2, 3, 4, 5]


_APPEND_SCRIPT = textwrap.dedent(
    """
    import sys
    from workbench.risk.decisions import DecisionLog
    path, who, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    log = DecisionLog(path)
    for i in range(count):
        log.append_decision(
            [f"rule-{i}@{who}"], "mitigate", f"decision {i} by {who}", decided_by=who,
            date="2025-03-01", recorded_at="2025-03-01T10:00:00+00:00",
        )
    """
)


def _appender(path: Path, who: str, count: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", _APPEND_SCRIPT, str(path), who, str(count)])


def test_a_subprocess_appending_in_between_does_not_fork_the_chain(log):
    add(log, n=1)
    assert _appender(log.path, "sub", 2).wait(timeout=60) == 0
    d = add(log, n=4)  # this object last saw one record
    assert d.id == "D-0004"
    result = log.verify()
    assert result.ok and result.records == 4
    assert [d.decided_by for d in log.decisions()] == ["Alice", "sub", "sub", "Alice"]


def test_parallel_processes_append_to_one_unbroken_chain(log):
    procs = [_appender(log.path, f"p{n}", 15) for n in range(4)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0, 0]
    result = log.verify()
    assert result.ok and result.records == 60
    ids = [d.id for d in log.decisions()]
    assert ids == [f"D-{n:04d}" for n in range(1, 61)]


def test_crlf_line_ends_are_named(five):
    five.path.write_bytes(five.path.read_bytes().replace(b"\n", b"\r\n"))
    result = five.verify()
    assert result.first_bad_line == 1 and "CR LF" in result.problem


def test_snapshot_reads_decisions_head_and_count_at_once(five):
    decisions, head, count = five.snapshot()
    assert decisions == five.decisions() and head == five.head() and count == len(five) == 5
