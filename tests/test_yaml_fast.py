"""The fast YAML path gives exactly what PyYAML gives, or steps aside.

``workbench.model._yaml_fast`` writes and reads the block YAML of model files
without PyYAML's per-event work. These tests hold it to PyYAML:

* writing: the text is byte for byte PyYAML's (``dump_yaml(..., fast=False)``);
* reading: the data and the line map are the event parser's, and a document the
  event parser refuses is never accepted by the fast path (it returns None and
  the event parser gives the error);
* the event parser itself gives the same result with libyaml (``CSafeLoader``)
  and with the pure-Python ``SafeLoader``.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench._input import yaml as _event_yaml
from workbench.errors import InputError
from workbench.model._yaml import dump_yaml, parse_yaml
from workbench.model._yaml_fast import fast_dump, fast_parse
from workbench.model.io import load_model, loads_model

REPO = Path(__file__).resolve().parents[1]
MODEL_FILES = sorted(
    [*REPO.glob("catalogs/templates/*.yaml"), *REPO.glob("tests/fixtures/**/*.yaml")]
)

# Text with the characters that matter to YAML: indicators, quotes, spaces,
# line breaks, Unicode (including the breaks and BOM the dumper escapes).
_TRICKY = "-?:,[]{}#&*!|>'\"%@` \n\t\\=+~.0123456789éü中\u2028\x85\ufeff"
texts = st.one_of(
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40),
    st.text(alphabet=_TRICKY + "abcxyz", max_size=30),
    st.sampled_from(
        ["yes", "no", "on", "off", "null", "~", "true", "1.5", "0x1f", "1_000", "1:20",
         "2024-05-01", "2024-05-01T10:00:00", "<<", "=", "-", "- x", "a: b", "a #b", "",
         " lead", "trail ", "multi\nline", "multi\nline\n", "\nlead", "x\n\n\ny\n\n",
         "'quoted'", "\"dq\"", "-x", ".inf", ".nan", "+1", "Don't", "R&D", "wow!", "\n",
         "\n\n", "a\n\n", " \n"]
    ),
    st.text(alphabet="abc def. ", min_size=60, max_size=260),  # folded at width 100
)
keys = st.one_of(
    st.from_regex(r"[a-z_][a-z0-9_]{0,12}", fullmatch=True),
    st.sampled_from(["id", "kind", "zone", "AML.T0051.000", "rule@comp", "2024-01-01", "yes"]),
    texts,
)
scalars = st.one_of(
    texts,
    st.integers(min_value=-(10**20), max_value=10**20),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(keys, inner, max_size=4),
    ),
    max_leaves=25,
)
documents = st.dictionaries(keys, values, min_size=1, max_size=5)


def _event_parse(text: str) -> tuple[Any, dict[Any, int]]:
    data, lines, _ = parse_yaml(text, fast=False)
    return data, dict(lines)


def _same_data(a: Any, b: Any) -> bool:
    # NaN != NaN: compare through JSON with NaN spelled out
    return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_fast_writer_writes_pyyamls_text(data: dict[str, Any]) -> None:
    assert dump_yaml(data) == dump_yaml(data, fast=False)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_fast_reader_reads_what_the_event_parser_reads(data: dict[str, Any]) -> None:
    text = dump_yaml(data, fast=False)
    expected = _event_parse(text)
    quick = fast_parse(text)
    if quick is not None:
        assert _same_data(quick[0], expected[0])
        assert quick[1] == expected[1]
    got, lines, duplicates = parse_yaml(text)
    assert _same_data(got, expected[0])
    assert dict(lines) == expected[1]
    assert duplicates == []


_SNIPPETS = [
    "&a ", "*a", "!!python/object:os.system ", "!tag ", "# note", "\t", "- ", ": ", "'", '"',
    "|", "|+", ">", "{", "[", "---\n", "...\n", "\n  x: 1", "\nid: again", "\n- y", "  ",
    "%YAML 1.1\n", "\r", "\x00", "? ", "\n\n", "key: [1, 2]", "\ufeff", " #c", "\\",
]


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents, st.integers(min_value=0), st.sampled_from(_SNIPPETS))
def test_fast_reader_never_accepts_what_the_event_parser_refuses(
    data: dict[str, Any], where: int, snippet: str
) -> None:
    text = dump_yaml(data, fast=False)
    at = where % (len(text) + 1)
    edited = text[:at] + snippet + text[at:]
    try:
        data_, lines, dups = parse_yaml(edited, fast=False)
    except InputError:
        assert fast_parse(edited) is None
        with pytest.raises(InputError):
            parse_yaml(edited)
        return
    quick = fast_parse(edited)
    if quick is not None:
        assert not dups  # duplicate keys are left to the event parser
        assert _same_data(quick[0], data_)
        assert quick[1] == dict(lines)


@pytest.mark.parametrize("path", MODEL_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_bundled_and_fixture_files_read_the_same(path: Path) -> None:
    text = path.read_bytes().decode("utf-8", "replace")
    try:
        expected = _event_parse(text)
    except InputError:
        assert fast_parse(text) is None
        return
    got, lines, _ = parse_yaml(text)
    assert _same_data(got, expected[0])
    assert dict(lines) == expected[1]


def test_templates_are_read_by_the_fast_path_and_saved_byte_for_byte() -> None:
    for path in REPO.glob("catalogs/templates/*.yaml"):
        model = load_model(path)
        text = dump_yaml(model.to_dict())
        assert text == dump_yaml(model.to_dict(), fast=False)
        assert fast_parse(text) is not None, path  # what the workbench writes, it reads fast


def test_synthetic_model_round_trips_on_both_paths() -> None:
    sys.path.insert(0, str(REPO))
    try:
        from benchmarks.synthetic import generate
    finally:
        sys.path.remove(str(REPO))
    model = generate(300, seed=3)
    data = model.to_dict()
    text = dump_yaml(data)
    assert text == dump_yaml(data, fast=False)
    assert fast_parse(text) is not None
    assert loads_model(text, max_bytes=10**8) == model  # the model comes back as it was
    got, lines, _ = parse_yaml(text)
    expected = _event_parse(text)
    assert got == expected[0] and dict(lines) == expected[1]


def test_error_lines_are_the_same_on_the_fast_path() -> None:
    text = (REPO / "catalogs/templates/support-assistant.yaml").read_text(encoding="utf-8")
    model = loads_model(text)
    data = model.to_dict()
    data["components"][2]["kind"] = "aplication"  # a typo the validator reports at its line
    bad = dump_yaml(data)
    assert fast_parse(bad) is not None
    with pytest.raises(Exception) as fast_error:
        loads_model(bad, filename="m.yaml")
    line = _event_parse(bad)[1][("components", 2, "kind")]
    assert f"m.yaml:{line}:" in str(fast_error.value.issues[0])  # type: ignore[attr-defined]


def test_json_errors_still_name_their_line() -> None:
    text = json.dumps(
        {"schema_version": 1, "system": {"id": "s"}, "zones": [{"id": "z", "trust": 1}],
         "components": [{"id": "a", "kind": "aplication", "zone": "z"}]}, indent=2
    )
    line = 1 + next(i for i, t in enumerate(text.splitlines()) if '"aplication"' in t)
    with pytest.raises(Exception) as error:
        loads_model(text, format="json", filename="m.json")
    assert f"m.json:{line}:" in str(error.value.issues[0])  # type: ignore[attr-defined]
    duplicated = text.replace('"id": "s"', '"id": "s", "id": "t"')
    with pytest.raises(Exception) as error:
        loads_model(duplicated, format="json", filename="m.json")
    assert "duplicate key 'id'" in str(error.value.issues[0])  # type: ignore[attr-defined]


@pytest.mark.skipif(not getattr(yaml, "__with_libyaml__", False), reason="PyYAML without libyaml")
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_event_parser_gives_the_same_with_libyaml_and_pure_python(data: dict[str, Any]) -> None:
    text = dump_yaml(data)
    with_c = _event_parse(text)
    saved = _event_yaml._Loader
    _event_yaml._Loader = yaml.SafeLoader  # the pure-Python parser, as without libyaml
    try:
        pure = _event_parse(text)
    finally:
        _event_yaml._Loader = saved
    assert _same_data(with_c[0], pure[0]) and with_c[1] == pure[1]


def test_fast_dump_leaves_other_shapes_to_pyyaml() -> None:
    assert fast_dump(["a"], lambda d: "") is None  # a list at the top
    assert fast_dump({1: "a"}, lambda d: "") is None  # a key that is not text
    assert fast_dump({"k" * 130: 1}, lambda d: "") is None  # a complex key
    assert dump_yaml({1: "a"}) == dump_yaml({1: "a"}, fast=False)
    assert dump_yaml({"d": dt.date(2024, 1, 2)}) == dump_yaml({"d": dt.date(2024, 1, 2)},
                                                               fast=False)
