"""Typed register rows: one field per documented column, read by attribute or as a mapping."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import typing

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.model import load_template
from workbench.register import (
    COLUMN_NAMES,
    COLUMNS,
    EDITABLE_COLUMNS,
    RegisterRow,
    ThreatRegister,
    _csv_cell,
    _csv_cells,
    _plain,
    row_version,
)
from workbench.rules import analyze

_TYPES = {
    "text": "str | None",
    "integer": "int | None",
    "bool": "bool | None",
    "list": "tuple[str, ...] | None",
}


def test_one_typed_field_per_column_in_column_order():
    fields = dataclasses.fields(RegisterRow)
    assert [f.name for f in fields] == list(COLUMN_NAMES)
    hints = {f.name: str(f.type) for f in fields}
    for column in COLUMNS:
        assert hints[column.name] == _TYPES[column.type], column.name


@pytest.fixture(scope="module")
def register(catalog):
    model = load_template("support-assistant")
    result = analyze(model, catalog=catalog)
    return ThreatRegister.from_result(result, model=model, catalog=catalog)


def test_register_rows_are_typed_and_read_only(register):
    row = register.rows()[0]
    assert isinstance(row, RegisterRow)
    assert isinstance(row.score, int) and row.score == row["score"]
    assert isinstance(row.techniques, tuple)
    assert row["techniques"] == list(row.techniques)  # a list, as rows always gave
    with pytest.raises(dataclasses.FrozenInstanceError):
        row.score = 1  # type: ignore[misc]
    with pytest.raises(TypeError):
        row["score"] = 1  # type: ignore[index]
    assert register.row(row.id) is row


def test_a_row_is_a_mapping_of_every_column(register):
    row = register.rows()[0]
    assert list(row) == list(COLUMN_NAMES)
    assert len(row) == len(COLUMN_NAMES)
    plain = dict(row)
    assert plain == row.to_dict()
    assert row == plain  # equal to the mapping of the same columns and values
    assert row != {**plain, "score": (row.score or 0) + 1}
    assert row.get("owner") is None and row.get("no such column", "x") == "x"
    with pytest.raises(KeyError):
        row["no such column"]
    assert isinstance(typing.cast(typing.Any, row), typing.Mapping)
    json.dumps(row.to_dict())  # plain data


def test_from_mapping_and_replace():
    row = RegisterRow.from_mapping({"id": "r@x", "techniques": ["AML.T0051"], "score": 12})
    assert row.id == "r@x" and row.techniques == ("AML.T0051",) and row.score == 12
    assert row.owner is None and row.links is None
    changed = row.replace(owner="Ann", links=["SEC-1"])
    assert (changed.owner, changed.links, changed.score) == ("Ann", ("SEC-1",), 12)
    assert row.owner is None  # the original is unchanged


def test_the_register_keeps_its_rows_outputs(register):
    # the CSV, the DataFrame and the filters read the typed rows
    text = register.to_csv_text()
    assert text.count("\r\n") == len(register) + 1
    frame = register.df
    assert list(frame.columns) == list(COLUMN_NAMES)
    assert list(frame["id"]) == [r.id for r in register.rows()]
    band = register.rows()[0].band
    assert all(r.band == band for r in register.filter(band=band).rows())


def test_a_rule_that_failed_is_a_row_of_its_own():
    from types import SimpleNamespace

    error = SimpleNamespace(rule="broken-rule", element="llm", message="boom")
    result = SimpleNamespace(system="s", findings=[], errors=[error])
    (row,) = ThreatRegister.from_result(result).rows()  # type: ignore[arg-type]
    assert (row.id, row.status, row.title, row.reason) == (
        "broken-rule@llm", "rule_error", "rule broken-rule failed", "boom"
    )
    assert (row.manual, row.assumed, row.element, row.rule) == (False, False, "llm", "broken-rule")
    assert row.techniques == () and row["links"] == [] and row.chosen_mitigations == ()
    assert (row.element_type, row.zone, row.technique, row.technique_name) == ("", "", "", "")
    assert row.score is None and row.treatment is None


# -- the quick paths of building and writing the register give what the general ones give --

_TEXT = st.one_of(
    st.none(),
    st.text(),
    st.sampled_from(["=1+1", "+x", "-1", "@a", "\t", "\r", "'q", "a\"b", "ü\u2028😀"]),
)


@settings(max_examples=200, deadline=None)
@given(values=st.dictionaries(st.sampled_from(EDITABLE_COLUMNS), _TEXT | st.integers()))
def test_row_version_is_the_digest_of_the_editable_columns_json(values):
    data = {name: _plain(values.get(name)) for name in EDITABLE_COLUMNS}
    text = json.dumps(data, sort_keys=True, ensure_ascii=False)
    assert row_version(values) == hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def test_rows_from_a_result_are_the_rows_from_their_mappings(register):
    # from_result builds rows without the frozen __init__: the same rows, field for field
    for row in register.rows():
        general = RegisterRow.from_mapping(dict(row))
        assert dataclasses.asdict(row) == dataclasses.asdict(general)
        assert vars(row).keys() == vars(general).keys()


@settings(max_examples=200, deadline=None)
@given(
    cells=st.fixed_dictionaries(
        {
            "id": _TEXT,
            "manual": st.none() | st.booleans(),
            "reason": _TEXT,
            "score": st.none() | st.integers(0, 25),
            "techniques": st.none() | st.lists(_TEXT.filter(lambda v: v is not None)),
            "notes": _TEXT,
        }
    )
)
def test_csv_cells_of_a_row_are_each_columns_cell(cells):
    row = RegisterRow.from_mapping(cells)
    expected = [_csv_cell(name, getattr(row, name)) for name in COLUMN_NAMES]
    assert _csv_cells(row) == expected
