"""The threat register: stable columns, filters, summaries and spreadsheet-safe CSV."""

from __future__ import annotations

import csv
import io
import os

import pytest

from workbench._csvsafe import PROTECTED_PREFIXES, protect, unprotect
from workbench.catalog import load_catalog
from workbench.model import load_template
from workbench.register import COLUMNS, ThreatRegister, write_csv_atomic
from workbench.rules import analyze


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def setup(catalog):
    model = load_template("support-assistant")
    result = analyze(model, catalog=catalog)
    return model, result, ThreatRegister.from_result(result, model=model, catalog=catalog)


def test_columns_are_fixed_and_documented(setup):
    _model, _result, register = setup
    df = register.df
    assert list(df.columns) == [c.name for c in COLUMNS]
    assert all(c.description for c in COLUMNS)
    # columns that decisions fill exist from the start, empty
    assert df["treatment"].isna().all() and df["residual_score"].isna().all()
    assert str(df["score"].dtype) == "Int64"


def test_register_rows_follow_the_findings(setup):
    _model, result, register = setup
    assert [r["id"] for r in register.rows()] == [f.id for f in result.findings]
    assert len(register) == len(result.findings) > 0


def test_filters(setup, catalog):
    _model, result, register = setup
    some = result.findings[0]
    by_comp = register.filter(component=some.element)
    assert {r["element"] for r in by_comp.rows()} == {some.element}
    assert len(by_comp) == len(result.findings_for(some.element))
    tactic = some.tactics[0]
    assert all(tactic in r["tactics"] for r in register.filter(tactic=tactic).rows())
    parent = some.technique.split(".")[0] + "." + some.technique.split(".")[1]
    assert some.id in {r["id"] for r in register.filter(technique=parent).rows()}
    for band in ("low", "medium", "high", "critical"):
        assert all(r["band"] == band for r in register.filter(band=band).rows())
    assert len(register.filter(status="open")) == len(register)
    assert len(register.filter(status="decided")) == 0
    zone = register.rows()[0]["zone"]
    assert len(register.filter(zone=zone)) >= 1
    combined = register.filter(component=some.element, band=some.band)
    assert all(r["element"] == some.element and r["band"] == some.band for r in combined.rows())


def test_summaries(setup, catalog):
    _model, result, register = setup
    by_tactic = register.summary_by_tactic(catalog)
    order = [t.id for t in catalog.tactics()]
    assert list(by_tactic["tactic"]) == [t for t in order if t in set(by_tactic["tactic"])]
    assert by_tactic["findings"].sum() == sum(len(f.tactics) for f in result.findings)
    by_comp = register.summary_by_component()
    assert by_comp["findings"].sum() == len(result.findings)


def _parse(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def test_csv_opens_cleanly_in_spreadsheets(setup, tmp_path):
    _model, _result, register = setup
    path = register.to_csv(tmp_path / "register.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 byte order mark
    assert b"\r\n" in raw and raw.count(b"\n") == raw.count(b"\r\n")  # CRLF only
    text = raw.decode("utf-8")
    rows = _parse(text)
    assert rows[0] == [c.name for c in COLUMNS]
    assert len(rows) == len(register) + 1
    header_line, first_line = text[1:].split("\r\n")[:2]
    assert header_line.startswith('"id","manual"')
    # text quoted, numbers as numbers
    score_pos = [c.name for c in COLUMNS].index("score")
    fields = next(csv.reader([first_line]))
    assert fields[score_pos].isdigit()
    assert f",{fields[score_pos]}," in first_line  # unquoted
    assert first_line.startswith('"')


@pytest.mark.parametrize("prefix", PROTECTED_PREFIXES)
def test_formula_injection_is_neutralised_reversibly(prefix):
    from workbench.register import ThreatRegister

    hostile = f'{prefix}HYPERLINK("http://x")'
    reg = ThreatRegister(
        [{"id": "r@x", "title": hostile, "likelihood": 3, "impact": 2, "score": 6}]
    )
    rows = _parse(reg.to_csv_text())
    cell = rows[1][[c.name for c in COLUMNS].index("title")]
    assert cell == "'" + hostile
    assert unprotect(cell) == hostile
    assert rows[1][[c.name for c in COLUMNS].index("score")] == "6"


def test_protect_leaves_safe_text_alone():
    assert protect("plain") == "plain"
    assert protect("") == ""
    assert unprotect("plain") == "plain"


def test_failed_export_keeps_the_previous_file(setup, tmp_path, monkeypatch):
    _model, _result, register = setup
    path = register.to_csv(tmp_path / "register.csv")
    before = path.read_bytes()

    def explode(fd):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", explode)
    with pytest.raises(OSError, match="disk full"):
        write_csv_atomic(path, "partial")
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["register.csv"]


def test_html_repr_escapes_user_text():
    reg = ThreatRegister(
        [{"id": "r@x", "element_name": "<img src=x onerror=alert(1)>", "score": 1}]
    )
    html = reg._repr_html_()
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
