"""The input package: one reader, one event parser, one locator, one record checker."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench._input.check import Field, RecordSpec, check_record
from workbench._input.locate import Locator, format_path, parse_path
from workbench._input.read import read_text
from workbench._input.yaml import parse_yaml
from workbench.errors import (
    CatalogError,
    DecisionError,
    InputError,
    Issue,
    ModelError,
    ProjectError,
    RuleError,
    WorkbenchError,
)
from workbench.model._yaml import dump_yaml
from workbench.rules.spec import load_rules

# -- the locator ---------------------------------------------------------------------


def test_paths_format_and_parse_both_ways() -> None:
    for path in [(), ("rules",), ("rules", 3, "when"), ("a", 0, 1, "b", "c", 12)]:
        assert parse_path(format_path(path)) == path
    assert format_path(("components", 3, "zone")) == "components[3].zone"


def test_the_locator_reports_a_missing_key_at_the_nearest_enclosing_line() -> None:
    text = "rules:\n  - id: a\n    title: A\n  - id: b\n"
    _, lines, _ = parse_yaml(text, "r.yaml", fast=False)
    loc = Locator("r.yaml", lines)
    loc.add(("rules", 1, "technique"), "missing")  # no line of its own: the entry's
    loc.add(("rules", 0, "title"), "bad title", "bad")
    found = [(i.line, i.path) for i in loc.issues]
    assert found == [(4, "rules[1].technique"), (3, "rules[0].title")]
    assert loc.issues[1].code == "bad"
    assert str(loc.issues[1]) == "r.yaml:3: rules[0].title: bad title"


# -- the one event parser ------------------------------------------------------------

_ANCHORED = "base: &b {x: 1, y: 2}\nitem:\n  <<: *b\n  y: 3\n"


def test_anchors_are_refused_by_default_and_the_refusal_has_a_code() -> None:
    with pytest.raises(InputError, match="anchors are not allowed") as err:
        parse_yaml(_ANCHORED, "t.yaml")
    assert [i.code for i in err.value.issues] == ["yaml-anchor"]
    assert err.value.issues[0].line == 1 and str(err.value).startswith("t.yaml:1:")


def test_aliases_and_merge_keys_are_expanded_on_request() -> None:
    data, lines, _ = parse_yaml(_ANCHORED, "t.yaml", aliases=True)
    assert data == {"base": {"x": 1, "y": 2}, "item": {"x": 1, "y": 3}}
    assert lines[("item", "y")] == 4


def test_alias_bombs_stop_before_they_grow() -> None:
    rows = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for n in range(1, 8):
        rows.append(f"{chr(97 + n)}: &{chr(97 + n)} [" + ", ".join([f"*{chr(96 + n)}"] * 10) + "]")
    with pytest.raises(InputError, match="alias bomb") as err:
        parse_yaml("\n".join(rows) + "\n", "bomb.yaml", aliases=True)
    assert err.value.issues[0].code == "yaml-bomb"


def test_syntax_errors_say_what_the_file_should_be() -> None:
    with pytest.raises(InputError) as err:
        parse_yaml("a: [1, 2\n", "x.yaml", expected="a Threagile model")
    assert "not valid YAML" in str(err.value)
    assert str(err.value).endswith("expected a Threagile model")
    assert err.value.issues[0].code == "syntax"


def test_reading_names_the_file_and_what_it_should_be(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"no such file \(expected a rule file\)"):
        read_text(tmp_path / "none.yaml", expected="a rule file")
    big = tmp_path / "big.yaml"
    big.write_text("x" * 2000, encoding="utf-8")
    with pytest.raises(InputError, match=r"too large .* for a rule file"):
        read_text(big, expected="a rule file", max_bytes=1000)


# -- the record checker --------------------------------------------------------------

_SPEC = RecordSpec(
    "thing",
    (
        Field("id", "text", required=True),
        Field("level", "level", default=3),
        Field("tags", "texts", default=[]),
        Field("mode", "text", default="a", choices=("a", "b")),
    ),
)


def _check(raw: dict[str, Any]) -> tuple[dict[str, Any], list[Issue]]:
    loc = Locator("f.yaml", {("things", 0): 7})
    return check_record(raw, _SPEC, loc, ("things", 0)), loc.issues


def test_the_checker_reports_unknown_missing_and_mistyped_fields() -> None:
    values, issues = _check({"levl": 2, "level": 9, "mode": "c", "tags": None})
    messages = {i.path: i.message for i in issues}
    assert messages == {
        "things[0].levl": "unknown key 'levl' (allowed: id, level, tags, mode)",
        "things[0]": "missing required key 'id'",
        "things[0].level": "expected a whole number from 1 to 5",
        "things[0].mode": "expected one of a, b",
    }
    assert all(i.line == 7 and i.file == "f.yaml" for i in issues)
    assert values == {"id": None, "level": 3, "tags": [], "mode": "a"}  # defaults, never bad values


def test_a_field_is_one_row_of_the_table() -> None:
    wider = _SPEC.with_fields(Field("owner", "text"))
    loc = Locator(None)
    values = check_record({"id": "x", "owner": 5}, wider, loc, ())
    assert values["owner"] is None and [i.message for i in loc.issues] == ["expected text"]


# -- rules go through it: the frameworks key -----------------------------------------

_RULE = """\
rules:
  - id: only-rule
    title: Only rule
    when: {kind: model}
    technique: AML.T0051
    guidelines: ["1.3"]
    rationale: the model $name reads outside text
    likelihood: 3
    impact: 3
"""


def test_rules_may_name_framework_items(tmp_path: Path, catalog: Any) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "r.yaml").write_text(
        _RULE + "    frameworks: {owasp-llm: [LLM01], owasp-agentic: [T6]}\n", encoding="utf-8"
    )
    rule = load_rules([folder], catalog=catalog, include_bundled=False).get("only-rule")
    assert rule.frameworks == {"owasp-agentic": ("T6",), "owasp-llm": ("LLM01",)}


def test_a_malformed_frameworks_key_is_a_problem_on_its_line(tmp_path: Path, catalog: Any) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "r.yaml").write_text(_RULE + "    frameworks: [LLM01]\n", encoding="utf-8")
    with pytest.raises(RuleError) as err:
        load_rules([folder], catalog=catalog, include_bundled=False)
    [issue] = err.value.issues
    assert issue.line == 10 and issue.path == "rules[0].frameworks"
    assert issue.message.startswith("expected a mapping of framework id to a list of item ids")


def test_unknown_rule_keys_suggest_the_nearest(tmp_path: Path, catalog: Any) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "r.yaml").write_text(_RULE.replace("impact: 3", "impct: 3"), encoding="utf-8")
    with pytest.raises(RuleError) as err:
        load_rules([folder], catalog=catalog, include_bundled=False)
    found = {(i.line, i.message) for i in err.value.issues}
    assert (9, "unknown rule key 'impct'; did you mean impact?") in found
    assert (2, "missing required key 'impact'") in found


# -- one problem type for every error ------------------------------------------------


def test_every_error_has_a_list_of_issues() -> None:
    issue = Issue("m.yaml", 3, "zones", "expected a list")
    for error in [
        WorkbenchError("x"),
        InputError("x"),
        CatalogError("x"),
        ProjectError("x"),
        ModelError("x", [issue]),
        RuleError("x", [issue]),
        DecisionError({"owner": "name the owner"}),
    ]:
        assert isinstance(error.issues, list)
        assert all(isinstance(i, Issue) for i in error.issues)
    assert ModelError("x", [issue]).issues == [issue] and InputError("x").issues == []


def test_decision_errors_keep_their_field_mapping() -> None:
    error = DecisionError({"owner": "name the owner", "due": "a date"})
    assert [(i.path, i.message) for i in error.issues] == [
        ("owner", "name the owner"),
        ("due", "a date"),
    ]
    assert error.problems == {"owner": "name the owner", "due": "a date"}
    assert str(error) == "invalid decision: owner: name the owner; due: a date"


def test_every_problem_of_a_control_file_is_named_with_its_line(tmp_path: Path) -> None:
    from workbench.rules.spec import load_controls

    org = tmp_path / "org.yaml"
    org.write_text(
        "controls:\n"
        "  - id: org-review\n"
        "    title: Review\n"
        "    guidelines: 1.3\n"
        "  - id: org-review\n"
        "  - title: no id\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as err:
        load_controls([org])
    found = [(i.line, i.path, i.message) for i in err.value.issues]
    assert found == [
        (4, "controls[0].guidelines", "expected a list of guideline ids"),
        (5, "controls[1].id", "duplicate control id 'org-review'"),
        (6, "controls[2]", "expected {id, title, description}"),
    ]
    assert all(i.file == str(org) for i in err.value.issues)
    first = str(err.value).splitlines()[0]
    assert first == f"{org}:4: controls[0].guidelines: expected a list of guideline ids"


# -- one validation for files and for Python calls -----------------------------------


def test_files_and_python_calls_word_an_attribute_problem_alike() -> None:
    from workbench.model import SystemModel, loads_model

    text = (
        "schema_version: 1\nsystem: {id: s}\nzones: [{id: z, trust: 1}]\n"
        "components: [{id: app, kind: application, zone: z, internet_facing: maybe}]\n"
    )
    with pytest.raises(ModelError) as from_file:
        loads_model(text)
    model = SystemModel("s")
    model.add_zone("z", trust=1)
    with pytest.raises(ModelError) as from_call:
        model.add_component("app", "application", "z", internet_facing="maybe")
    messages = [i.message for i in from_file.value.issues]
    assert messages == [i.message for i in from_call.value.issues] and messages
    assert from_file.value.issues[0].path == "components[0].internet_facing"
    assert from_call.value.issues[0].path == "components.app.internet_facing"


def test_a_project_yaml_that_is_not_utf8_is_refused_in_one_line(tmp_path: Path) -> None:
    from workbench.project import Project

    p = Project.create(tmp_path / "p", template="support-assistant", actor="a")
    settings = p.path / "project.yaml"
    settings.write_bytes(settings.read_bytes() + b"note: caf\xe9\n")
    with pytest.raises(InputError, match=r"project\.yaml: not UTF-8 text \(byte \d+\)"):
        Project.open(p.path)


# -- one parser, two modes -----------------------------------------------------------

_keys = st.one_of(
    st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True),
    st.sampled_from(["<<", "=", "yes", "2024-01-01", "a: b", "&x", "*x", "!t"]),
)
_scalars = st.one_of(
    st.text(max_size=20), st.integers(), st.booleans(), st.none(),
    st.sampled_from(["<<", "&a", "*a", "!!str x", "~", "1.5", "- x"]),
)
_documents = st.dictionaries(
    _keys,
    st.recursive(
        _scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3), st.dictionaries(_keys, inner, max_size=3)
        ),
        max_leaves=12,
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_documents)
def test_alias_mode_reads_plain_documents_as_the_strict_mode_does(data: dict[str, Any]) -> None:
    text = dump_yaml(data, fast=False)
    strict = parse_yaml(text, fast=False)
    expanded = parse_yaml(text, fast=False, aliases=True)
    assert strict[0] == expanded[0] and dict(strict[1]) == dict(expanded[1])


def test_a_risk_matrix_file_goes_through_the_one_reader(tmp_path: Path) -> None:
    from workbench.risk.matrix import load_matrix

    bomb = tmp_path / "matrix.yaml"
    bomb.write_text("a: &a [x, x, x]\nb: [*a, *a, *a]\n", encoding="utf-8")
    with pytest.raises(InputError, match="YAML anchors are not allowed") as err:
        load_matrix(bomb)
    assert err.value.issues[0].code == "yaml-anchor"
    broken = tmp_path / "broken.json"
    broken.write_text('{"levels": [1, 2\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"broken\.json:\d+: not valid YAML: .*expected a risk matrix"):
        load_matrix(broken)
