"""The register's round trip through a spreadsheet."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench._csvsafe import PROTECTED_PREFIXES
from workbench.cli import main
from workbench.errors import InputError
from workbench.project import Project
from workbench.register import COLUMNS
from workbench.risk.csv_import import RegisterImportError, import_register_csv

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
NAMES = [c.name for c in COLUMNS]


def clock():
    return NOW


@pytest.fixture
def project(tmp_path):
    return Project.create(tmp_path / "p", template="support-assistant", actor="alice", clock=clock)


def export(project, tmp_path, name="register.csv"):
    path = tmp_path / name
    project.register().to_csv(path)
    return path


def read(path, encoding="utf-8-sig", delimiter=","):
    with open(path, encoding=encoding, newline="") as fh:
        return list(csv.reader(fh, delimiter=delimiter))


def write(path, rows, encoding="utf-8-sig", delimiter=","):
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    # like a spreadsheet saving in a legacy code page, unmappable characters become "?"
    path.write_bytes(buf.getvalue().encode(encoding, errors="replace"))


def edit(rows, fid, **changes):
    for row in rows[1:]:
        if row[0] == fid:
            for k, v in changes.items():
                row[NAMES.index(k)] = v
            return
    raise KeyError(fid)


def snapshot(project):
    return {p.name: p.read_bytes() for p in project.path.iterdir() if p.is_file()}


def test_edits_merge_by_finding_id(project, tmp_path):
    path = export(project, tmp_path)
    rows = read(path)
    a, b = rows[1][0], rows[2][0]
    edit(rows, a, likelihood="1", likelihood_reason="behind the VPN", notes="=cmd|' /C calc'!A0")
    edit(
        rows,
        b,
        treatment="mitigate",
        rationale="add guardrails on output",
        owner="bob",
        review_by="2027-01-01",
        due="2026-12-31",
        chosen_mitigations="AML.M0020 (in_progress, owner: bob, ticket: SEC-7)",
    )
    write(path, rows)
    report = import_register_csv(project, path, by="carol")
    assert set(report.updated) == {a, b} and len(report.decisions) == 1
    (chosen,) = project.assessment.mitigations[b]
    assert (chosen.id, chosen.status, chosen.owner, chosen.ticket) == (
        "AML.M0020", "in_progress", "bob", "SEC-7"
    )
    assert project.log.decisions()[-1].mitigations == ("AML.M0020",)
    reg = project.register()
    assert reg.row(a)["likelihood"] == 1
    assert "behind the VPN" in reg.row(a)["likelihood_reason"]
    assert (
        project.assessment.notes[a] == "=cmd|' /C calc'!A0"
    )  # stored as typed, protected again on export
    assert reg.row(b)["treatment"] == "mitigate" and reg.row(b)["decided_by"] == "carol"
    again = read(export(project, tmp_path, "again.csv"))
    cell = next(r for r in again[1:] if r[0] == a)[NAMES.index("notes")]
    assert cell == "'=cmd|' /C calc'!A0"


def test_unchanged_rows_change_nothing(project, tmp_path):
    path = export(project, tmp_path)
    before = snapshot(project)
    report = import_register_csv(project, path)
    assert report.updated == [] and report.unchanged == len(read(path)) - 1
    assert snapshot(project) == before


_SHARED: dict[str, Project] = {}


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    prefix=st.sampled_from(PROTECTED_PREFIXES),
    body=st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=30),
)
def test_protected_strings_round_trip_unchanged(tmp_path_factory, prefix, body):
    if "p" not in _SHARED:
        tmp = tmp_path_factory.mktemp("rt")
        _SHARED["p"] = Project.create(
            tmp / "p", template="support-assistant", actor="alice", clock=clock
        )
        _SHARED["csv"] = tmp / "r.csv"
    project, path = _SHARED["p"], _SHARED["csv"]
    text = prefix + body
    project.register().to_csv(path)
    rows = read(path)
    fid = rows[1][0]
    edit(rows, fid, notes="'" + text)  # as the export writes it
    write(path, rows)
    import_register_csv(project, path)
    assert project.assessment.notes[fid] == text


def test_semicolon_bom_less_and_cp1252_files(project, tmp_path):
    path = export(project, tmp_path)
    rows = read(path)
    fid = rows[1][0]
    edit(rows, fid, notes="Prüfung – café")
    write(path, rows, encoding="cp1252", delimiter=";")
    report = import_register_csv(project, path)
    assert any("cp1252" in n for n in report.notices)
    assert project.assessment.notes[fid] == "Prüfung – café"
    rows = read(export(project, tmp_path, "second.csv"))  # export again after the first import
    edit(rows, fid, notes="plain utf-8")
    write(path, rows, encoding="utf-8", delimiter=";")
    import_register_csv(project, path)
    assert project.assessment.notes[fid] == "plain utf-8"


def test_extra_columns_are_ignored_with_a_notice_and_missing_ones_named(project, tmp_path):
    path = export(project, tmp_path)
    rows = read(path)
    for i, row in enumerate(rows):
        row.append("Comment" if i == 0 else "x")
    write(path, rows)
    report = import_register_csv(project, path)
    assert any("Comment" in n for n in report.notices)
    write(path, [[c for c in rows[0] if c != "row_version"]])
    with pytest.raises(InputError, match=r":1: missing required column\(s\) row_version"):
        import_register_csv(project, path)


def test_conflicts_are_reported_with_their_line(project, tmp_path):
    path = export(project, tmp_path)
    rows = read(path)
    fid = rows[3][0]
    project.set_note(fid, "changed in the project")
    edit(rows, fid, notes="changed in the sheet")
    write(path, rows)
    with pytest.raises(RegisterImportError) as exc:
        import_register_csv(project, path)
    (issue,) = exc.value.issues
    assert issue.line == 4 and "conflict" in issue.message and issue.path == fid


def test_rows_without_id_become_manual_findings(project, tmp_path):
    path = export(project, tmp_path)
    rows = read(path)
    new = [""] * len(NAMES)
    for k, v in {
        "element": "llm",
        "title": "Provider outage",
        "reason": "single provider",
        "likelihood": "2",
        "impact": "4",
    }.items():
        new[NAMES.index(k)] = v
    rows.append(new)
    write(path, rows)
    report = import_register_csv(project, path)
    assert report.manual == ["manual-provider-outage@llm"]
    assert project.register().row("manual-provider-outage@llm")["manual"] is True


def test_nothing_is_half_applied(project, tmp_path):
    path = export(project, tmp_path)
    rows = read(path)
    good, bad = rows[1][0], rows[2][0]
    edit(rows, good, notes="fine")
    edit(rows, bad, likelihood="seven")
    rows.append([""] * len(NAMES))
    rows[-1][NAMES.index("title")] = "no element"
    rows[-1][NAMES.index("reason")] = "x"
    write(path, rows)
    before = snapshot(project)
    with pytest.raises(RegisterImportError) as exc:
        import_register_csv(project, path)
    lines = sorted(i.line for i in exc.value.issues)
    assert lines == [3, len(rows)]
    assert snapshot(project) == before
    assert project.assessment.notes.get(good) is None


def test_unknown_ids_and_decision_errors_name_the_line(project, tmp_path):
    path = export(project, tmp_path)
    rows = read(path)
    rows[1][0] = "no-such@thing"
    high = next(
        r
        for r in rows[1:]
        if r[NAMES.index("band")] in ("high", "critical") and r[0] != "no-such@thing"
    )
    edit(rows, high[0], treatment="accept", rationale="we accept the risk")
    write(path, rows)
    with pytest.raises(RegisterImportError) as exc:
        import_register_csv(project, path)
    messages = {(i.line, i.path): i.message for i in exc.value.issues}
    assert "no finding 'no-such@thing'" in messages[(2, "no-such@thing")]
    line = next(i.line for i in exc.value.issues if i.path.startswith(high[0]))
    assert "risk owner" in messages[(line, f"{high[0]}, column owner")]
    assert "review date" in messages[(line, f"{high[0]}, column review_by")]


def test_import_command(project, tmp_path, capsys):
    path = export(project, tmp_path)
    rows = read(path)
    edit(rows, rows[1][0], notes="via the command line")
    write(path, rows)
    assert main(["import", str(project.path), str(path), "--by", "erin"]) == 0
    assert "1 finding(s) updated" in capsys.readouterr().out
    edit(rows, rows[1][0], likelihood="nine", notes="x")
    write(path, rows)
    assert main(["import", str(project.path), str(path), "--by", "erin"]) == 1
