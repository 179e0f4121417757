"""The analysis commands: analyze, explain, rules check, demo."""

from __future__ import annotations

import csv
import io
import json
import shutil
import textwrap
from pathlib import Path

from workbench.cli import main
from workbench.register import COLUMNS

TEMPLATES = Path(__file__).resolve().parents[1] / "catalogs" / "templates"


def run(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_analyze_json_has_the_documented_keys(capsys):
    code, out, _ = run(capsys, "analyze", "--template", "support-assistant", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert {"findings", "attack_paths", "errors"} <= set(data)
    assert data["errors"] == []
    keys = {
        "id",
        "element",
        "element_type",
        "technique",
        "techniques",
        "tactics",
        "rule",
        "reason",
        "assumptions",
        "mitigations",
        "guidelines",
        "likelihood",
        "impact",
        "score",
        "band",
        "status",
    }
    for f in data["findings"]:
        assert keys <= set(f), keys - set(f)
        assert f["id"] == f"{f['rule']}@{f['element']}"
        assert f["element_type"] in ("component", "flow")
        assert f["technique"] == f["techniques"][0]
        assert f["score"] == f["likelihood"] * f["impact"]
        assert f["status"] == "open"
    for p in data["attack_paths"]:
        assert {"nodes", "techniques", "tactics"} <= set(p)
        assert len(p["techniques"]) == len(p["nodes"]) - 1


def test_analyze_table_shows_findings_per_component_and_assumptions(capsys):
    code, out, _ = run(capsys, "analyze", str(TEMPLATES / "fraud-classifier.yaml"))
    assert code == 0
    assert "Findings per component" in out and "per component" in out
    assert "MITRE ATLAS 5.6.0" in out


def test_analyze_csv_to_file(capsys, tmp_path):
    target = tmp_path / "register.csv"
    code, _out, err = run(
        capsys, "analyze", "--template", "coding-agent", "--format", "csv", "--output", str(target)
    )
    assert code == 0 and "wrote" in err
    text = target.read_bytes().decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:], newline="")))
    assert rows[0] == [c.name for c in COLUMNS] and len(rows) > 1


def test_analyze_invalid_model_exits_1_like_validate(capsys, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "schema_version: 1\nsystem: {id: x}\nzones: []\ncomponents:\n  - {id: a, kind: modle, zone: z}\n"
    )
    code, out, err = run(capsys, "analyze", str(bad))
    assert code == 1
    assert "bad.yaml:5" in out + err
    assert run(capsys, "analyze", str(tmp_path / "missing.yaml"))[0] == 2
    assert run(capsys, "analyze")[0] == 2


def test_explain(capsys):
    code, out, _ = run(capsys, "explain", "--template", "support-assistant", "llm")
    assert code == 0
    assert "rules evaluated" in out and "failed: " in out and "yes" in out
    code, out, _ = run(
        capsys, "explain", "--template", "support-assistant", "llm", "--format", "json"
    )
    data = json.loads(out)
    assert any(r["matched"] for r in data["rules"]) and any(not r["matched"] for r in data["rules"])
    assert run(capsys, "explain", "--template", "support-assistant", "nope")[0] == 2


def test_rules_check(capsys, tmp_path):
    folder = tmp_path / "org-rules"
    folder.mkdir()
    (folder / "ours.yaml").write_text(
        textwrap.dedent("""\
        rules:
          - id: org-unreviewed-model
            title: Model without a model card
            when:
              all:
                - kind: model
                - attr: docs
                  absent: true
            technique: AML.T0010.003
            guidelines: ["2.3"]
            rationale: "$name has no model card."
            likelihood: 2
            impact: 2
            examples:
              - name: no docs
                expect: fire
                element: m
                model:
                  zones: [{id: z, trust: 3}]
                  components: [{id: m, kind: model, zone: z}]
              - name: with docs
                expect: no_fire
                element: m
                model:
                  zones: [{id: z, trust: 3}]
                  components: [{id: m, kind: model, zone: z, docs: ["https://example.org/card"]}]
        """)
    )
    code, out, _ = run(capsys, "rules", "check", str(folder))
    assert code == 0, out
    assert "1 rules, 2 examples: 2 passed, 0 failed" in out
    text = (folder / "ours.yaml").read_text().replace("expect: no_fire", "expect: fire")
    (folder / "ours.yaml").write_text(text)
    code, out, _ = run(capsys, "rules", "check", str(folder))
    assert code == 1 and "FAIL" in out
    (folder / "ours.yaml").write_text(text.replace("technique: AML.T0010.003", "technique: AML.T9"))
    code, out, _ = run(capsys, "rules", "check", str(folder))
    assert code == 1 and "ours.yaml:9" in out
    # the organisation's rules run next to the bundled ones in analyze
    (folder / "ours.yaml").write_text(
        text.replace(
            "expect: fire\n                element: m\n                model:\n                  zones: [{id: z, trust: 3}]\n                  components: [{id: m, kind: model, zone: z, docs",
            "expect: no_fire\n                element: m\n                model:\n                  zones: [{id: z, trust: 3}]\n                  components: [{id: m, kind: model, zone: z, docs",
        )
    )
    model = tmp_path / "m.yaml"
    model.write_text(
        "schema_version: 1\nsystem: {id: s}\nzones: [{id: z, trust: 3}]\ncomponents: [{id: m, kind: model, zone: z}]\n"
    )
    code, out, _ = run(capsys, "analyze", str(model), "--rules", str(folder), "--format", "json")
    assert code == 0
    assert [
        f["id"] for f in json.loads(out)["findings"] if f["rule"] == "org-unreviewed-model"
    ] == ["org-unreviewed-model@m"]


def test_demo_writes_register_records_and_report(capsys, tmp_path):
    code, out, _ = run(capsys, "demo", "--out", str(tmp_path / "demo"))
    assert code == 0
    for name in ("register.csv", "report.html", "decisions/index.md", "project/project.yaml"):
        assert (tmp_path / "demo" / name).exists(), name
    assert "threat register:" in out and "Findings per component" in out
    # running it again reuses the project
    assert run(capsys, "demo", "--out", str(tmp_path / "demo"))[0] == 0
    shutil.rmtree(tmp_path / "demo")


def test_control_characters_in_names_never_reach_the_terminal(capsys, tmp_path):
    model = tmp_path / "evil.yaml"
    model.write_text(
        'schema_version: 1\nsystem: {id: s, name: "evil\\e[31mred"}\n'
        "zones: [{id: internet, trust: 0}, {id: z, trust: 3}]\n"
        "components:\n"
        '  - {id: u, kind: actor, zone: internet, trusted: false, name: "user\\e]0;pwned\\a"}\n'
        '  - {id: a, kind: application, zone: z, internet_facing: true, name: "app\\e[2J"}\n'
        "flows: [{id: f, from: u, to: a, data: [user_input]}]\n",
        encoding="utf-8",
    )
    code, out, err = run(capsys, "analyze", str(model))
    assert code == 0
    assert "\x1b" not in out and "\x07" not in out
    assert "evil\ufffd[31mred" in out
    code, out, err = run(capsys, "explain", str(model), "a\x1b[2J")
    assert code == 2 and "\x1b" not in err
    code, out, _ = run(capsys, "analyze", str(model), "--format", "json")
    assert "\x1b" not in out and "\\u001b" in out  # JSON escapes, the data is intact
