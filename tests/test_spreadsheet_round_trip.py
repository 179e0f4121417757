"""A scripted spreadsheet round trip: real CSV files in the variants spreadsheets write.

Every refused file leaves the project byte-identical; every well-formed one is
taken; importing the same file again records nothing; placeholder rationales
never pass the release gate. And a property test: no input reaches exit code 3.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.cli import main
from workbench.project import Project
from workbench.register import COLUMNS

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
NAMES = [c.name for c in COLUMNS]
# (encoding, delimiter) as Excel and LibreOffice save: UTF-8 with BOM and comma,
# a German Excel's cp1252 with semicolons, LibreOffice's UTF-8 without BOM.
VARIANTS = [("utf-8-sig", ","), ("cp1252", ";"), ("utf-8", ",")]


def clock() -> dt.datetime:
    return NOW


@pytest.fixture(scope="module")
def template_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tpl") / "p"
    Project.create(folder, template="support-assistant", actor="alice", clock=clock)
    return folder


@pytest.fixture
def project(template_project: Path, tmp_path: Path) -> Project:
    shutil.copytree(template_project, tmp_path / "p")
    return Project.open(tmp_path / "p", clock=clock)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def sheet(project: Project) -> list[list[str]]:
    text = project.register().to_csv_text().lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text, newline="")))


def save(path: Path, rows: list[list[str]], encoding: str, delimiter: str) -> Path:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding, errors="replace"))
    return path


def edit(rows: list[list[str]], fid: str, **cells: str) -> None:
    for row in rows[1:]:
        if row[0] == fid:
            for name, value in cells.items():
                row[NAMES.index(name)] = value
            return
    raise KeyError(fid)


def high(project: Project) -> list[str]:
    return [r["id"] for r in project.state().rows if r["band"] in ("high", "critical")]


def run_import(project: Project, path: Path) -> int:
    return main(["import", str(project.path), str(path), "--by", "carol"])


# every refused case: (what, how the sheet is changed); each must leave the project as it was
REFUSED = {
    "likelihood 1e999": lambda rows, f: edit(rows, f[0], likelihood="1e999"),
    "likelihood 2.5": lambda rows, f: edit(rows, f[0], likelihood="2.5"),
    "impact NaN": lambda rows, f: edit(rows, f[0], impact="NaN"),
    "likelihood +3": lambda rows, f: edit(rows, f[0], likelihood="+3"),
    "likelihood blank": lambda rows, f: edit(rows, f[0], likelihood=""),
    "impact 6": lambda rows, f: edit(rows, f[0], impact="6"),
    "impact 0": lambda rows, f: edit(rows, f[0], impact="0"),
    "unknown treatment": lambda rows, f: edit(rows, f[0], treatment="ignore",
                                              rationale="we do not care about it"),
    "placeholder n/a": lambda rows, f: edit(rows, f[0], treatment="not_applicable",
                                            rationale="n/a", confirmed_by="Dana"),
    "placeholder OK": lambda rows, f: edit(rows, f[0], treatment="accept", rationale="OK",
                                           owner="Bob", review_by="2027-01-01"),
    "mitigate without a plan": lambda rows, f: edit(rows, f[0], treatment="mitigate",
                                                    rationale="we will add filters", owner="Bob"),
    "accept without an owner": lambda rows, f: edit(rows, f[0], treatment="accept",
                                                    rationale="the risk is acceptable here"),
    "bad plan status": lambda rows, f: edit(rows, f[0], chosen_mitigations="AML.M0020 (started)"),
    "unknown mitigation": lambda rows, f: edit(rows, f[0], chosen_mitigations="AML.M9999"),
    "same finding twice": lambda rows, f: rows.append(
        next(list(r) for r in rows[1:] if r[0] == f[0])
    ),
    "duplicated column": lambda rows, f: [r.append(r[NAMES.index("likelihood")]) for r in rows],
}


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: f"{v[0]}{v[1]}")
@pytest.mark.parametrize("case", sorted(REFUSED))
def test_refused_cases_leave_the_project_byte_identical(project, tmp_path, case, variant, capsys):
    rows = sheet(project)
    fids = high(project)
    # a good edit in the same file: refused too, because the file is taken whole or not at all
    edit(rows, fids[1], notes="reviewed in the workshop")
    REFUSED[case](rows, fids)
    before = snapshot(project.path)
    code = run_import(project, save(tmp_path / "r.csv", rows, *variant))
    captured = capsys.readouterr()
    assert code in (1, 2), (case, captured)
    assert snapshot(project.path) == before, case
    message = captured.err + captured.out
    assert "Traceback" not in message
    if case == "duplicated column":
        assert ":1:" in message and "likelihood" in message
    else:
        assert "r.csv:" in message and fids[0] in message, message


def test_the_messages_name_line_and_column(project, tmp_path, capsys):
    rows = sheet(project)
    fid = high(project)[0]
    edit(rows, fid, likelihood="1e999")
    line = next(i for i, r in enumerate(rows, start=1) if r[0] == fid)
    assert run_import(project, save(tmp_path / "r.csv", rows, "utf-8-sig", ",")) == 1
    err = capsys.readouterr().err
    assert f"r.csv:{line}: {fid}, column likelihood: expected a whole number from 1 to 5, " \
           "got '1e999'" in err


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: f"{v[0]}{v[1]}")
def test_well_formed_edits_are_taken_once(project, tmp_path, variant, capsys):
    rows = sheet(project)
    a, b, c, d = high(project)[:4]
    edit(rows, a, likelihood="2", likelihood_reason="only staff reach it")
    edit(rows, b, treatment="accept", rationale="the provider contract covers it",
         owner="Legal", review_by="2027-06-01")
    edit(rows, c, treatment="mitigate", rationale="guardrails before the launch", owner="Web Team",
         due="2027-01-15", chosen_mitigations="AML.M0020 (planned, owner: Web Team)")
    edit(rows, d, treatment="avoid", rationale="the feature is removed from the release",
         design_change="no tool calls from the chat any more")
    path = save(tmp_path / "r.csv", rows, *variant)
    assert run_import(project, path) == 0
    out = capsys.readouterr().out
    assert "4 finding(s) updated, 3 decision(s) recorded" in out
    project = Project.open(project.path, clock=clock)  # the command saved it
    reg = project.register()
    assert reg.row(a)["likelihood"] == 2
    assert (reg.row(b)["treatment"], reg.row(b)["owner"]) == ("accept", "Legal")
    assert reg.row(c)["chosen_mitigations"][0].startswith("AML.M0020 (planned, owner: Web Team")
    assert reg.row(d)["design_change"] == "no tool calls from the chat any more"
    decisions = project.log.decisions()
    assert next(x for x in decisions if c in x.findings).mitigations == ("AML.M0020",)
    # the same file again records nothing
    before = snapshot(project.path)
    assert run_import(project, path) == 0
    assert "0 finding(s) updated, 0 decision(s) recorded" in capsys.readouterr().out
    assert snapshot(project.path) == before
    # and a fresh export imported unchanged records nothing either
    again = save(tmp_path / "again.csv", sheet(project), *variant)
    assert run_import(project, again) == 0
    assert snapshot(project.path) == before


def test_placeholder_rationales_cannot_pass_the_gate_through_the_sheet(project, tmp_path, capsys):
    rows = sheet(project)
    for fid in high(project):
        edit(rows, fid, treatment="not_applicable", rationale="n/a", confirmed_by="Dana")
    path = save(tmp_path / "r.csv", rows, "cp1252", ";")
    assert run_import(project, path) == 1
    assert main(["check", str(project.path), "--fail-on", "high"]) == 1
    assert Project.open(project.path).log.decisions() == []


# -- no input reaches exit 3 ------------------------------------------------------------------------

CELL = st.one_of(
    st.sampled_from(["", "1", "3", "5", "0", "6", "2.5", "1e999", "NaN", "+3", "-1", " 4 ", "ok",
                     "n/a", "accept", "mitigate", "transfer", "avoid", "not_applicable",
                     "2027-01-01", "2027-13-45", "AML.M0020", "AML.M0020 (done)",
                     "AML.M0020 (done, likelihood: -9)", "AML.M0020 (", "=1+1", "'=1+1",
                     "a reason of words", "x" * 300, "\x00", "é", "\r\n"]),
    st.text(max_size=20),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_register_csv_reaches_exit_3(template_project, tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("h") / "p"
    shutil.copytree(template_project, folder)
    project = Project.open(folder, clock=clock)
    rows = sheet(project)
    header = list(rows[0])
    editable = [c.name for c in COLUMNS if c.editable] + ["id", "row_version"]
    for _ in range(data.draw(st.integers(0, 6))):
        r = data.draw(st.integers(0, len(rows) - 1))
        col = data.draw(st.sampled_from(editable))
        rows[r][header.index(col)] = data.draw(CELL)
    if data.draw(st.booleans()):
        rows = [rows[0], *data.draw(st.permutations(rows[1:]))[: data.draw(st.integers(0, 5))]]
    encoding, delimiter = data.draw(st.sampled_from(VARIANTS))
    path = folder.parent / "r.csv"
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    raw = buf.getvalue().encode(encoding, errors="replace")
    if data.draw(st.booleans()):
        cut = data.draw(st.integers(0, len(raw)))
        raw = raw[:cut] + data.draw(st.binary(max_size=30)) + raw[cut:]
    path.write_bytes(raw)
    before = snapshot(folder)
    code = main(["import", str(folder), str(path), "--by", "hypo"])
    assert code in (0, 1, 2)
    if code != 0:
        assert snapshot(folder) == before


RECORD_KEYS = ["seq", "type", "prev", "recorded_at", "by", "id", "findings", "treatment",
               "rationale", "owner", "date", "review_by", "links", "supersedes", "mitigations",
               "due", "old_id", "new_id"]
RECORD = st.fixed_dictionaries({
    "seq": st.one_of(st.integers(-2, 4), st.just("1"), st.none()),
    "type": st.sampled_from(["decision", "rename", "note", "future", "", 3]),
    "prev": st.sampled_from(["0" * 64, "zz", None]),
    "recorded_at": st.sampled_from(["2026-11-25T12:00:00+00:00", "yesterday", 5]),
    "by": st.sampled_from(["alice", "", None]),
    "id": st.sampled_from(["D-0001", "D-0002", "X", None]),
    "findings": st.one_of(st.lists(st.sampled_from(["a@b", "", "x"]), max_size=2), st.just("a@b")),
    "treatment": st.sampled_from(["accept", "ignore", "", None, "mitigate"]),
    "rationale": st.sampled_from(["n/a", "a reason of words", None, 3]),
    "owner": st.sampled_from([None, "Bob", 4]),
    "date": st.sampled_from(["2026-11-25", "2026-02-30", None]),
    "review_by": st.sampled_from([None, "2027-01-01", "soon"]),
    "links": st.sampled_from([[], ["x"], "x", [3]]),
    "supersedes": st.sampled_from([None, "D-0001", "D-0009"]),
    "mitigations": st.sampled_from([["AML.M0020"], "AML.M0020", [1]]),
    "due": st.sampled_from(["2027-01-01", 7, None]),
    "old_id": st.sampled_from(["llm", "", None]),
    "new_id": st.sampled_from(["hosted-llm", "", None]),
})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    records=st.lists(st.tuples(RECORD, st.sets(st.sampled_from(RECORD_KEYS), max_size=3)),
                     max_size=4),
    tail=st.binary(max_size=20),
)
def test_no_decision_log_reaches_exit_3(template_project, tmp_path_factory, records, tail):
    import hashlib

    folder = tmp_path_factory.mktemp("log") / "p"
    shutil.copytree(template_project, folder)
    prev = "0" * 64
    lines = []
    for rec, drop in records:
        rec = {k: v for k, v in rec.items() if k not in drop}
        if rec.get("prev") == "0" * 64:
            rec["prev"] = prev  # a chain that holds, so the record's fields are what is tested
        line = json.dumps(rec, sort_keys=True, separators=(",", ":")).encode()
        prev = hashlib.sha256(line).hexdigest()
        lines.append(line)
    (folder / "decisions.jsonl").write_bytes(b"".join(x + b"\n" for x in lines) + tail)
    for argv in (["verify", str(folder)], ["check", str(folder)], ["status", str(folder)],
                 ["register", str(folder), "--format", "csv"]):
        assert main(argv) in (0, 1, 2), argv
