"""Model files: load, save, round trips, line numbers, migration and hostile input."""

from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path

import pytest

from workbench.errors import InputError, ModelError
from workbench.model import (
    SystemModel,
    dumps_model,
    load_model,
    load_template,
    loads_model,
    save_model,
    template_names,
)
from workbench.model import io as model_io

FIXTURES = Path(__file__).parent / "fixtures" / "models"

MINIMAL = """\
schema_version: 1
system:
  id: mini
zones:
  - id: internal
    trust: 3
components:
  - id: app
    kind: application
    zone: internal
flows: []
"""


def issues_of(exc: ModelError) -> dict[str, tuple[int | None, str]]:
    return {i.path: (i.line, i.message) for i in exc.issues}


# -- round trips -------------------------------------------------------------------


@pytest.mark.parametrize("name", template_names())
@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_template_round_trip(name: str, fmt: str, tmp_path: Path) -> None:
    model = load_template(name)
    text = dumps_model(model, fmt)
    again = loads_model(text, format=fmt)
    assert again == model
    assert dumps_model(again, fmt) == text  # byte-identical
    path = tmp_path / f"m.{fmt}"
    save_model(model, path)
    assert path.read_text(encoding="utf-8") == text
    assert load_model(path) == model


def test_yaml_and_json_agree() -> None:
    model = load_template("fraud-classifier")
    from_json = loads_model(dumps_model(model, "json"), format="json")
    assert dumps_model(from_json, "yaml") == dumps_model(model, "yaml")


def test_saved_layout_is_stable_and_readable() -> None:
    m = SystemModel("s", name="Café ☕", staff_training="2025-01-02")
    m.add_zone("z", trust=1)
    m.add_component("b", "model", "z", origin="in_house", description="line 1\nline 2\n",
                    version="1.10", docs=["https://e.example/card"])
    m.add_component("a", "actor", "z")
    m.add_flow("f", "a", "b", data=["user_input"], encrypted=False)
    text = dumps_model(m)
    assert text.startswith("schema_version: 2\nsystem:\n  id: s\n")
    assert "Café ☕" in text  # unicode kept
    assert "staff_training: 2025-01-02\n" in text  # a date, unquoted
    assert "version: '1.10'" in text  # text that looks like a number is quoted
    assert "description: |\n      line 1\n      line 2\n" in text
    assert "&" not in text and "*" not in text
    assert text.index("id: b") < text.index("id: a")  # model order, not sorted
    assert "- id: f\n    from: a\n    to: b\n    data:\n      - user_input\n" in text
    assert loads_model(text) == m
    data = json.loads(dumps_model(m, "json"))
    assert list(data["components"][0]) == ["id", "kind", "zone", "description", "docs",
                                           "origin", "version"]


def test_yaml_booleans_and_comments() -> None:
    text = MINIMAL.replace("    zone: internal\n", "    zone: internal  # comment\n"
                           "    internet_facing: yes\n    authenticated: off\n    owner:\n")
    app = loads_model(text).component("app")
    assert app.get("internet_facing") is True
    assert app.get("authenticated") is False
    assert app.get("owner") is None  # an empty value is unstated


@pytest.mark.parametrize("suffix", [".yaml", ".yml", ".json"])
def test_save_and_load_by_suffix(suffix: str, tmp_path: Path) -> None:
    model = load_template("edge-vision")
    path = save_model(model, tmp_path / f"model{suffix}")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("{") == (suffix == ".json")
    assert load_model(path) == model


def test_unknown_suffix(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="suffix"):
        save_model(SystemModel("x"), tmp_path / "model.txt")
    (tmp_path / "model.txt").write_text(MINIMAL)
    with pytest.raises(InputError, match="suffix"):
        load_model(tmp_path / "model.txt")
    assert load_model(tmp_path / "model.txt", format="yaml").id == "mini"


# -- atomic save --------------------------------------------------------------------


def test_failed_save_leaves_previous_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "model.yaml"
    save_model(load_template("support-assistant"), path)
    before = path.read_bytes()

    def broken(model: SystemModel, format: str = "yaml") -> str:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(model_io, "dumps_model", broken)
    with pytest.raises(RuntimeError, match="disk on fire"):
        save_model(load_template("coding-agent"), path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.yaml"]  # no temp file left


def test_failed_replace_leaves_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "model.json"
    save_model(load_template("support-assistant"), path)
    before = path.read_bytes()

    def no_replace(src: str, dst: str) -> None:
        raise OSError("no space left on device")

    monkeypatch.setattr(model_io.os, "replace", no_replace)
    with pytest.raises(OSError, match="no space"):
        save_model(load_template("coding-agent"), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]


def test_save_keeps_permissions(tmp_path: Path) -> None:
    path = tmp_path / "model.yaml"
    save_model(SystemModel("x"), path)
    os.chmod(path, 0o640)
    save_model(SystemModel("y"), path)
    assert path.stat().st_mode & 0o777 == 0o640
    assert load_model(path).id == "y"


# -- validation with line numbers ---------------------------------------------------


def test_yaml_issues_name_file_line_and_path() -> None:
    path = FIXTURES / "invalid.yaml"
    with pytest.raises(ModelError) as err:
        load_model(path)
    found = issues_of(err.value)
    assert found["system.staff_training"][0] == 4
    assert found["system.colour"][0] == 5
    assert found["zones[1].trust"] == (10, "expected a whole number, at least 0, got 'high'")
    assert found["zones[2].id"] == (11, "duplicate zone id 'internet' (first at line 7)")
    assert found["components[0].trusted"] == (17, "expected true or false, got 'maybe'")
    assert found["components[1].zone"][0] == 20
    assert found["components[1].rate_limted"] == (
        21, "unknown attribute 'rate_limted' for kind inference_endpoint; "
            "did you mean 'rate_limited'?")
    assert found["components[2].kind"] == (23, "unknown kind 'modle'; did you mean 'model'?")
    assert found["components[3].writable_by_outsiders"][1].endswith(
        "(it is an attribute of knowledge_source)")
    assert "did you mean 'secret'" in found["components[3].sensitivity"][1]
    assert found["components[4].id"] == (30, "duplicate component id 'user' (first at line 14)")
    assert "invalid id 'bad id!'" in found["components[5].id"][1]
    assert found["flows[0].to"] == (39, "unknown component 'apii'; did you mean 'api'?")
    assert found["flows[0].data[1]"][0] == 40
    assert "also a component id" in found["flows[1].id"][1]
    assert found["flows[2]"] == (44, "missing id of this flow")
    assert found["flows[2].encrypted"][0] == 46
    assert found["extra"] == (47, "unknown top-level key 'extra'")
    assert len(err.value.issues) == 18
    first = str(err.value.issues[0])
    assert first == (f"{path}:4: system.staff_training: expected a date yyyy-mm-dd, "
                     "got 'last spring'")
    lines = [i.line for i in err.value.issues]
    assert lines == sorted(lines)  # in file order
    assert err.value.exit_code == 1


def test_json_issues_have_lines_too() -> None:
    with pytest.raises(ModelError) as err:
        load_model(FIXTURES / "invalid.json")
    found = issues_of(err.value)
    assert found["components[1].zone"] == (9, "zone 'dmz' is not declared in zones")
    assert found["components[1].rate_limited"] == (10, "expected true or false, got 'yes'")
    assert found["components[2].rate_limted"][0] == 12
    assert found["flows[0].to"] == (15, "unknown component 'nowhere'")


def test_json_with_surrogate_escapes_keeps_lines() -> None:
    text = ('{"schema_version": 1,\n "system": {"id": "x", "name": "\\ud83d\\ude00"},\n'
            ' "zones": [{"id": "z", "trust": "high"}]}\n')
    with pytest.raises(ModelError) as err:
        loads_model(text, format="json")
    assert [(i.path, i.line) for i in err.value.issues] == [("zones[0].trust", 3)]


def test_json_that_yaml_cannot_read_has_unknown_lines() -> None:
    text = '{"schema_version": 1,\n "system": {"id": "x", "name": "a\x7fb"},\n "zones": 5}\n'
    with pytest.raises(ModelError) as err:
        loads_model(text, format="json", filename="m.json")
    assert [(i.path, i.line) for i in err.value.issues] == [("zones", None)]
    assert str(err.value.issues[0]).startswith("m.json: zones: expected a list")


def test_duplicate_keys_are_reported() -> None:
    text = MINIMAL.replace("    zone: internal\n", "    zone: internal\n    zone: internal\n")
    with pytest.raises(ModelError) as err:
        loads_model(text, filename="d.yaml")
    assert [str(i) for i in err.value.issues] == [
        "d.yaml:11: components[0].zone: duplicate key 'zone'"]
    json_text = '{"schema_version": 1, "system": {"id": "a",\n "id": "b"}}'
    with pytest.raises(ModelError) as err:
        loads_model(json_text, format="json")
    assert [(i.path, i.line) for i in err.value.issues] == [("system.id", 2)]


def test_missing_sections_and_wrong_shapes() -> None:
    with pytest.raises(ModelError) as err:
        loads_model("zones: {}\ncomponents: [1]\nflows: [{id: f}]\n")
    messages = [str(i) for i in err.value.issues]
    assert "<string>:1: missing schema_version: add 'schema_version: 2'" in messages
    assert "<string>:1: missing system: add 'system:' with at least an id" in messages
    assert any("zones: expected a list of mappings" in m for m in messages)
    assert any("components[0]: expected a component mapping" in m for m in messages)
    assert any("flows[0]: missing 'from'" in m for m in messages)


def test_numbers_where_text_is_expected() -> None:
    text = MINIMAL.replace("    zone: internal\n", "    zone: internal\n    version: 1.10\n")
    with pytest.raises(ModelError, match="put it in quotes"):
        loads_model(text)


def test_custom_attributes_in_files() -> None:
    text = MINIMAL.replace("zones:", "custom_attributes:\n  - name: pci_scope\n    type: bool\n"
                          "    kinds: [application]\n  - name: trusted\n    type: bool\nzones:")
    text = text.replace("    zone: internal\n", "    zone: internal\n    pci_scope: true\n")
    with pytest.raises(ModelError) as err:
        loads_model(text)
    assert [(i.path, i.line) for i in err.value.issues] == [("custom_attributes[1].name", 8)]
    ok = loads_model(text.replace("  - name: trusted\n    type: bool\n", ""))
    assert ok.component("app").get("pci_scope") is True
    assert loads_model(dumps_model(ok)) == ok


# -- schema versions ---------------------------------------------------------------


def test_old_version_is_migrated_with_a_notice(tmp_path: Path) -> None:
    with pytest.raises(ModelError) as err:
        load_model(FIXTURES / "v0.yaml")
    assert [(i.path, i.line) for i in err.value.issues] == [("flows[1].to", 25)]
    fixed = tmp_path / "v0.yaml"
    fixed.write_text((FIXTURES / "v0.yaml").read_text().replace("target: usr", "target: user"))
    model = load_model(fixed)
    assert [f.id for f in model.flows()] == ["request", "response"]
    assert model.flow("request").source == "user"
    assert len(model.notices) == 1
    assert "migrated from schema version 0 to 2" in model.notices[0]
    assert "'edges' are now 'flows'" in model.notices[0]
    save_model(model, fixed)
    assert "schema_version: 2" in fixed.read_text()
    assert load_model(fixed).notices == []


def test_newer_version_is_refused() -> None:
    with pytest.raises(InputError) as err:
        load_model(FIXTURES / "future.yaml")
    assert "version 7" in str(err.value) and "up to 2" in str(err.value)
    assert err.value.exit_code == 2


def test_from_dict_migrates_too() -> None:
    m = SystemModel.from_dict({
        "schema_version": 0, "system": {"id": "x"}, "zones": [{"id": "z", "trust": 1}],
        "components": [{"id": "a", "kind": "actor", "zone": "z"},
                       {"id": "b", "kind": "actor", "zone": "z"}],
        "edges": [{"id": "e", "source": "a", "target": "b"}],
    })
    assert m.flow("e").target == "b" and m.notices


# -- hostile and unusable input -------------------------------------------------


def assert_one_line(exc: InputError, name: str) -> None:
    text = str(exc)
    assert "\n" not in text
    assert name in text
    assert exc.exit_code == 2


@pytest.mark.parametrize(
    ("fixture", "fragment"),
    [
        ("alias-bomb.yaml", "anchors are not allowed"),
        ("python-tag.yaml", "tags are not allowed (!!python/object/apply:os.system)"),
        ("not-a-mapping.yaml", "top level must be a mapping"),
        ("latin1.yaml", "not UTF-8 text"),
        ("syntax-error.yaml", "not valid YAML"),
        ("syntax-error.json", "not valid JSON"),
    ],
)
def test_bad_fixtures(fixture: str, fragment: str) -> None:
    with pytest.raises(InputError) as err:
        load_model(FIXTURES / fixture)
    assert fragment in str(err.value)
    assert_one_line(err.value, fixture)


def test_alias_bomb_fails_fast() -> None:
    start = time.perf_counter()
    with pytest.raises(InputError):
        load_model(FIXTURES / "alias-bomb.yaml")
    assert time.perf_counter() - start < 2


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("a: &x 1\nb: 2\n", "anchors are not allowed"),
        ("a: [1]\nb: *x\n", "aliases are not allowed"),
        ("a: !custom 1\n", "tags are not allowed (!custom)"),
        ("a: !!binary aGVsbG8=\n", "tags are not allowed (!!binary)"),
        ("a: !!set {x}\n", "tags are not allowed (!!set)"),
        ("? [a, b]\n: 1\n", "keys must be plain text"),
        ("a: 1\n---\nb: 2\n", "more than one YAML document"),
        ("", "empty"),
        ("# only a comment\n", "empty"),
        ("just text\n", "top level must be a mapping"),
        ("a: 1\nb: \x01\n", "character #x0001 is not allowed"),
    ],
)
def test_hostile_yaml(text: str, fragment: str) -> None:
    with pytest.raises(InputError) as err:
        loads_model(text, filename="evil.yaml")
    assert fragment in str(err.value)
    assert_one_line(err.value, "evil.yaml")


def test_standard_tags_are_allowed() -> None:
    text = MINIMAL.replace("    zone: internal\n", "    zone: internal\n    version: !!str 1.10\n")
    assert loads_model(text).component("app").get("version") == "1.10"


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_deep_nesting_fails_fast(fmt: str) -> None:
    text = "[" * 10_000 + "]" * 10_000
    if fmt == "yaml":
        text = "a: " + text
    start = time.perf_counter()
    with pytest.raises(InputError) as err:
        loads_model(text, format=fmt, filename="deep")
    assert time.perf_counter() - start < 2
    assert "nested" in str(err.value)
    assert_one_line(err.value, "deep")


def test_moderate_nesting_over_the_limit() -> None:
    text = '{"schema_version": 1, "system": {"id": "x", "name": ' + "[" * 70 + "]" * 70 + "}}"
    with pytest.raises(InputError, match="nested deeper than 64"):
        loads_model(text, format="json")


def test_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text(MINIMAL + "#" + "x" * 2000 + "\n")
    with pytest.raises(InputError) as err:
        load_model(path, max_bytes=1000)
    assert "too large" in str(err.value) and "1,000" in str(err.value)
    assert_one_line(err.value, "big.yaml")
    assert load_model(path).id == "mini"
    with pytest.raises(InputError, match="too large"):
        loads_model(MINIMAL, max_bytes=10)
    with pytest.raises(InputError, match="too large"):
        loads_model(MINIMAL.encode(), max_bytes=10)


def test_huge_sparse_file_is_refused_without_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with open(path, "wb") as handle:
        handle.truncate(1024**3)  # 1 GB of nothing, on one "line"
    start = time.perf_counter()
    with pytest.raises(InputError, match="too large"):
        load_model(path)
    assert time.perf_counter() - start < 2


def test_long_line_within_the_limit_fails_fast() -> None:
    text = "a: " + "x" * 5_000_000 + "\n"
    start = time.perf_counter()
    with pytest.raises(InputError, match=r"top level|not a model"):
        loads_model(text.replace("a: ", "- "), filename="long.yaml")
    with pytest.raises(ModelError):
        loads_model(text, filename="long.yaml")
    assert time.perf_counter() - start < 5


def test_binary_junk() -> None:
    junk = random.Random(7).randbytes(100_000)
    start = time.perf_counter()
    with pytest.raises(InputError) as err:
        loads_model(junk, filename="junk.bin")
    assert time.perf_counter() - start < 2
    assert_one_line(err.value, "junk.bin")
    with pytest.raises(InputError, match="NUL"):
        loads_model(b"schema_version: 1\x00\n", filename="nul.yaml")


def test_utf8_bom_is_accepted() -> None:
    assert loads_model(b"\xef\xbb\xbf" + MINIMAL.encode()).id == "mini"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('{"a": NaN}', "NaN is not allowed"),
        ('{"a": Infinity}', "Infinity is not allowed"),
        ('{"a": 1' + "0" * 5000 + "}", "not valid JSON"),
        ("[1, 2]", "top level must be a mapping"),
        ("", "not valid JSON"),
    ],
)
def test_hostile_json(text: str, fragment: str) -> None:
    with pytest.raises(InputError) as err:
        loads_model(text, format="json", filename="evil.json")
    assert fragment in str(err.value)
    assert_one_line(err.value, "evil.json")


def test_unreadable_paths(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file") as err:
        load_model(tmp_path / "missing.yaml")
    assert_one_line(err.value, "missing.yaml")
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    with pytest.raises(InputError, match="folder"):
        load_model(folder)


def test_templates_do_not_depend_on_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_template("support-assistant").id == "support-assistant"
    with pytest.raises(InputError, match="did you mean 'coding-agent'"):
        load_template("coding-agnet")
