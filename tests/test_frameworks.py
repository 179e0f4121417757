"""The OWASP framework catalogs, the rules' mapping to them, and per-framework coverage."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest

from workbench._resources import catalog_path
from workbench.catalog.frameworks import (
    APPLICABILITY,
    bundled_frameworks_dir,
    load_framework,
    load_frameworks,
    sort_labels,
)
from workbench.cli import main
from workbench.errors import CatalogError, RuleError
from workbench.model import load_model, load_template
from workbench.risk.frameworks import STATUSES, framework_coverage
from workbench.rules import analyze, load_rules

REPO = Path(__file__).resolve().parents[1]
TEMPLATES = (
    "coding-agent",
    "contract-summariser",
    "edge-vision",
    "fraud-classifier",
    "support-assistant",
)
SYSTEMS = sorted((REPO / "tests" / "fixtures" / "systems").glob("*.yaml"))


@pytest.fixture(scope="module")
def frameworks() -> Any:
    return load_frameworks()


def run(capsys: Any, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


# ----------------------------------------------------------------------------- the catalogs


def test_bundled_frameworks_have_their_source_and_items(frameworks: Any) -> None:
    llm, agentic = frameworks["owasp-llm"], frameworks["owasp-agentic"]
    assert [i.id for i in llm] == [f"LLM{n:02d}" for n in range(1, 11)]
    assert [i.id for i in agentic] == [f"T{n}" for n in range(1, 16)]
    assert llm.version == "2025" and llm.item("LLM06").name == "Excessive Agency"
    assert agentic.version == "1.0" and agentic.item("T10").name == "Overwhelming Human in the Loop"
    for fw in (llm, agentic):
        assert fw.licence == "CC BY-SA 4.0" and "OWASP" in fw.publisher
        assert fw.url.startswith("https://genai.owasp.org/")
        for item in fw:
            assert item.url.startswith("https://genai.owasp.org/")
            sentences = [s for s in re.split(r"(?<=[.!?])\s+", item.summary) if s]
            assert len(sentences) == 1, item.id  # one sentence in our own words
            assert set(item.applies) <= set(APPLICABILITY)
    assert llm.item("LLM01").label == "LLM01:2025" and agentic.item("T6").label == "T6"


def test_official_atlas_mappings_are_cited_or_said_absent(frameworks: Any, catalog: Any) -> None:
    llm = frameworks["owasp-llm"]
    assert llm.item("LLM01").atlas == ("AML.T0051.000", "AML.T0051.001", "AML.T0054")
    assert "AML.T0034" in llm.item("LLM10").atlas and "AML.T0029" in llm.item("LLM10").atlas
    for fw in frameworks.values():
        for item in fw:
            assert bool(item.atlas) != bool(item.atlas_none), item.id
            if item.atlas:
                assert all(t in catalog for t in item.atlas)
                assert item.atlas_source.startswith("https://github.com/OWASP/"), item.id
    assert {i.id for i in llm if not i.atlas} == {"LLM05", "LLM06", "LLM08"}
    assert all(i.atlas_none for i in frameworks["owasp-agentic"])


def test_summaries_share_no_eight_words_with_atlas_text(frameworks: Any, shared_dir: Path) -> None:
    def grams(text: str) -> set[tuple[str, ...]]:
        words = re.findall(r"[a-z0-9']+", text.lower())
        return {tuple(words[i : i + 8]) for i in range(len(words) - 7)}

    bundle = json.loads((shared_dir / "upstream" / "atlas" / "stix-atlas.json").read_text("utf-8"))
    upstream: set[tuple[str, ...]] = set()
    for obj in bundle["objects"]:
        if isinstance(obj.get("description"), str):
            upstream |= grams(obj["description"])
    assert len(upstream) > 10_000
    copied = {i.label: grams(i.summary) & upstream for fw in frameworks.values() for i in fw}
    assert {k: v for k, v in copied.items() if v} == {}


def _write(tmp_path: Path, text: str, name: str = "fw.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


GOOD = """\
framework:
  id: demo
  name: Demo list
  publisher: Someone
  version: "1"
  date: "2025-01"
  url: https://example.org/demo
  licence: CC0
items:
  - id: D1
    name: First
    url: https://example.org/d1
    summary: A first item.
    atlas_none: none published
"""


def test_a_small_framework_file_loads(tmp_path: Path) -> None:
    fw = load_framework(_write(tmp_path, GOOD))
    assert fw.id == "demo" and [i.label for i in fw] == ["D1"] and fw.short_name == "Demo list"


@pytest.mark.parametrize(
    ("change", "line", "message"),
    [
        (
            ("    atlas_none: none published\n", "    atlas_nope: x\n"),
            14,
            "unknown key 'atlas_nope'",
        ),
        (("    atlas_none: none published\n", ""), 10, "give either atlas"),
        (
            (
                "    atlas_none: none published\n",
                "    atlas: {techniques: [AML.T9999], source: https://x.org}\n",
            ),
            14,
            "unknown ATLAS technique 'AML.T9999'",
        ),
        (
            (
                "    atlas_none: none published\n",
                "    atlas: {techniques: [AML.T0051], source: ftp://x.org}\n",
            ),
            14,
            "cite the mapping's source as an https URL",
        ),
        (
            ("    summary: A first item.\n", "    summary: A first item.\n    applies: [robots]\n"),
            14,
            "unknown fact 'robots'",
        ),
        (
            (
                "    summary: A first item.\n",
                "    summary: A first item.\n    attributes: [agent.wings]\n",
            ),
            14,
            "agent has no attribute 'wings'",
        ),
        (("  - id: D1\n", "  - id: d1\n"), 10, "expected an item id"),
        (("  licence: CC0\n", ""), 1, "needs licence"),
    ],
)
def test_bad_framework_files_name_file_line_and_field(
    tmp_path: Path, change: tuple[str, str], line: int, message: str
) -> None:
    old, new = change
    assert old in GOOD
    path = _write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(CatalogError) as info:
        load_framework(path)
    lines = str(info.value).splitlines()
    assert any(f"{path}:{line}:" in x and message in x for x in lines), lines


def test_duplicate_items_and_hostile_yaml_are_refused(tmp_path: Path) -> None:
    twice = GOOD + GOOD.split("items:\n", 1)[1]
    with pytest.raises(CatalogError, match=r":15: items\[1\]\.id: duplicate item id 'D1'"):
        load_framework(_write(tmp_path, twice))
    with pytest.raises(CatalogError, match="anchors are not allowed"):
        load_framework(_write(tmp_path, GOOD.replace("name: First", "name: &a First"), "b.yaml"))
    with pytest.raises(CatalogError, match="expected a 'framework:' mapping"):
        load_framework(_write(tmp_path, "- just a list\n", "c.yaml"))
    with pytest.raises(CatalogError, match=r"no such|cannot be read"):
        load_frameworks([tmp_path / "missing.yaml"])


def test_labels_sort_llm_items_first_then_agentic_by_number() -> None:
    assert sort_labels(["T10", "LLM10:2025", "T2", "LLM02:2025", "T2"]) == [
        "LLM02:2025",
        "LLM10:2025",
        "T2",
        "T10",
    ]


# ----------------------------------------------------------------------------- rules map to them


def test_every_bundled_rule_maps_to_an_item_or_says_why_not(rules: Any) -> None:
    bundled = [r for r in rules if str(r.file).startswith(str(catalog_path("rules")))]
    assert len(bundled) >= 50
    neither = [
        f"{r.location} {r.id}" for r in bundled if not r.frameworks and not r.frameworks_none
    ]
    assert neither == [], "add frameworks: or frameworks_none: <why> after guidelines:"
    unmapped = {r.id: r.frameworks_none for r in bundled if not r.frameworks}
    assert all(len(why.split()) >= 6 for why in unmapped.values()), unmapped
    mapped = {r.id: r.owasp for r in bundled if r.frameworks}
    assert mapped["llm-direct-prompt-injection"] == ["LLM01:2025", "LLM07:2025"]
    assert mapped["agent-approval-fatigue"] == ["LLM06:2025", "T10"]
    assert "adversarial-evasion" in unmapped  # a predictive model: neither list covers it


def test_the_frameworks_key_sits_right_after_guidelines() -> None:
    for file in sorted((REPO / "catalogs" / "rules").glob("*.yaml")):
        lines = file.read_text(encoding="utf-8").splitlines()
        for n, line in enumerate(lines):
            if line.startswith("    frameworks"):
                assert lines[n - 1].startswith("    guidelines:"), f"{file.name}:{n + 1}"


RULE = """\
rules:
  - id: demo-rule
    title: Demo
    element: component
    when: {{kind: model}}
    technique: AML.T0051
    guidelines: ["1.3"]
    {key}
    rationale: $name is a model.
    likelihood: 2
    impact: 2
"""


@pytest.mark.parametrize(
    ("key", "line", "message"),
    [
        ("frameworks: {owasp-llm: [LLM99]}", 8, "unknown owasp-llm item 'LLM99'"),
        ("frameworks: {owasp-web: [A01]}", 8, "unknown framework 'owasp-web'"),
        ("frameworks: {owasp-llm: []}", 8, "expected a non-empty list of owasp-llm item ids"),
        ("frameworks: [LLM01]", 8, "expected a mapping of framework id to a list of item ids"),
        ("frameworks: {}", 8, "name at least one framework and its items"),
        (
            "frameworks: {owasp-llm: [LLM01]}\n    frameworks_none: also this",
            9,
            "give frameworks: or frameworks_none:, not both",
        ),
        ("frameworks_none: ''", 8, "say in a sentence why no framework item applies"),
    ],
)
def test_rule_framework_keys_are_checked_with_file_and_line(
    tmp_path: Path, catalog: Any, key: str, line: int, message: str
) -> None:
    path = _write(tmp_path, RULE.format(key=key), "r.yaml")
    with pytest.raises(RuleError) as info:
        load_rules([tmp_path], catalog=catalog)
    issues = [i for i in info.value.issues if message in i.message]
    assert issues and issues[0].file == str(path) and issues[0].line == line, info.value.issues
    assert len(info.value.issues) == 1  # said once


def test_findings_carry_the_framework_items_of_their_rule(tmp_path: Path, catalog: Any) -> None:
    _write(
        tmp_path,
        RULE.format(key="frameworks: {owasp-agentic: [T6], owasp-llm: [LLM07, LLM01]}"),
        "r.yaml",
    )
    rules = load_rules([tmp_path], catalog=catalog, include_bundled=False)
    model = load_template("support-assistant")
    found = [
        f for f in analyze(model, catalog=catalog, rules=rules).findings if f.rule == "demo-rule"
    ]
    assert found
    for f in found:
        assert f.frameworks == {"owasp-agentic": ["T6"], "owasp-llm": ["LLM01", "LLM07"]}
        assert f.owasp == ["LLM01:2025", "LLM07:2025", "T6"]
        assert f.to_dict()["owasp"] == f.owasp


# ----------------------------------------------------------------------------- coverage


def _systems() -> list[Any]:
    return [load_template(t) for t in TEMPLATES] + [load_model(p) for p in SYSTEMS]


@pytest.fixture(scope="module")
def coverages(rules: Any) -> dict[tuple[str, str], Any]:
    out = {}
    for model in _systems():
        result = analyze(model, rules=rules)
        for fid in ("owasp-llm", "owasp-agentic"):
            out[(model.id, fid)] = framework_coverage(model, result, fid, rules=rules)
    return out


#: Items no bundled rule raises or explains yet (none today): an id here must stay
#: unexplained, so the list shrinks as rules arrive.
PENDING: set[str] = set()


def test_every_owasp_item_is_raised_or_explained_on_the_templates_and_systems(
    coverages: dict[tuple[str, str], Any],
) -> None:
    assert len(SYSTEMS) >= 11 and len(coverages) == 2 * (len(TEMPLATES) + len(SYSTEMS))
    raised: set[str] = set()
    unexplained: dict[str, list[str]] = {}
    for (system, _fid), cov in coverages.items():
        for item in cov.items:
            if item.status == "raised":
                raised.add(item.id)
            if not item.explained:
                unexplained.setdefault(item.id, []).append(system)
    assert set(unexplained) <= PENDING, unexplained
    assert set(unexplained) == PENDING, "explained now: drop from PENDING " + str(
        PENDING - set(unexplained)
    )
    llm = {f"LLM{n:02d}" for n in range(1, 11)}
    assert llm <= raised  # every LLM item is raised on at least one system
    assert {f"T{n}" for n in range(1, 16)} <= raised  # and every agentic threat


def test_explained_needs_a_reason_and_attributes_to_state() -> None:
    from workbench.risk.frameworks import ItemCoverage

    base = {"framework": "owasp-llm", "id": "LLM01", "label": "LLM01:2025", "name": "x", "url": ""}
    assert not ItemCoverage(**base, status="gap", reason="").explained
    assert not ItemCoverage(**base, status="not_assessable", reason="state it").explained
    assert ItemCoverage(**base, status="not_assessable", reason="s", attributes=("a.b",)).explained
    assert not ItemCoverage(**base, status="not_applicable", reason="").explained
    assert not ItemCoverage(**base, status="raised", reason="1 finding").explained


def test_statuses_follow_the_system(coverages: dict[tuple[str, str], Any]) -> None:
    fraud = coverages[("fraud-classifier", "owasp-llm")]
    assert {i.status for i in fraud.items} == {"not_applicable"}
    assert all("no LLM" in i.reason for i in fraud.items)
    chat = coverages[("support-assistant", "owasp-llm")].item("LLM01")
    assert chat.status == "raised" and "llm-direct-prompt-injection@llm" in chat.findings
    single = coverages[("support-assistant", "owasp-agentic")].item("T12")
    assert single.status == "not_applicable" and "fewer than two agents" in single.reason
    multi = coverages[("multi-agent-research", "owasp-agentic")].item("T12")
    assert multi.status != "not_applicable" and multi.explained
    for cov in coverages.values():
        assert set(cov.counts()) == set(STATUSES) and sum(cov.counts().values()) == len(cov.items)


def test_stating_the_named_attribute_settles_the_item(rules: Any) -> None:
    model = load_model(REPO / "tests" / "fixtures" / "systems" / "multi-agent-research.yaml")

    def t1(m: Any) -> Any:
        return framework_coverage(m, analyze(m, rules=rules), "owasp-agentic", rules=rules).item(
            "T1"
        )

    before = t1(model)
    assert before.status == "not_assessable"
    assert {"scratchpad.stores_chat_history", "scratchpad.editable_via_api"} <= set(
        before.attributes
    )
    editable = model.copy()
    editable.update_component("scratchpad", stores_chat_history=True, editable_via_api=True)
    after = t1(editable)
    assert after.status == "raised" and "agent-memory-poisoning@scratchpad" in after.findings
    locked = model.copy()
    locked.update_component("scratchpad", stores_chat_history=True, editable_via_api=False)
    assert not any(a.startswith("scratchpad.") for a in t1(locked).attributes)


def _one_rule(tmp_path: Path, catalog: Any) -> Any:
    """A rule set of one rule that raises LLM01 only: every other item has no rule."""
    _write(tmp_path, RULE.format(key="frameworks: {owasp-llm: [LLM01]}"), "r.yaml")
    return load_rules([tmp_path], catalog=catalog, include_bundled=False)


def test_without_rules_the_items_own_attributes_decide(tmp_path: Path, catalog: Any) -> None:
    rules = _one_rule(tmp_path, catalog)
    model = load_model(REPO / "tests" / "fixtures" / "systems" / "multi-agent-research.yaml")
    cov = framework_coverage(model, analyze(model, rules=rules), "owasp-agentic", rules=rules)
    t12 = cov.item("T12")
    assert t12.status == "not_assessable" and not t12.rules
    assert "no loaded rule maps to it yet" in t12.reason
    agents = {c.id for c in model.components("agent")}
    for name in t12.attributes:  # flows between two agents whose sender check is unstated
        flow_id, _, attr = name.rpartition(".")
        flow = model.flow(flow_id)
        assert attr == "authenticated" and flow.authenticated is None
        assert flow.source in agents and flow.target in agents
    assert t12.attributes


def test_a_gap_is_reported_when_no_rule_maps_to_an_applicable_item(
    tmp_path: Path, catalog: Any
) -> None:
    rules = _one_rule(tmp_path, catalog)
    model = load_template("coding-agent")  # has an agent; its monitoring states audit_logs
    cov = framework_coverage(model, analyze(model, rules=rules), "owasp-agentic", rules=rules)
    t8 = cov.item("T8")
    assert t8.status == "gap" and not t8.rules and not t8.explained
    assert cov.item("T12").status == "not_applicable"  # one agent: not a gap
    assert cov.unexplained() and all(i.status == "gap" for i in cov.unexplained())


def test_coverage_as_csv_json_and_text(coverages: dict[tuple[str, str], Any]) -> None:
    cov = coverages[("coding-agent", "owasp-llm")]
    rows = list(csv.DictReader(io.StringIO(cov.to_csv())))
    assert [r["item"] for r in rows] == [f"LLM{n:02d}" for n in range(1, 11)]
    assert rows[0]["label"] == "LLM01:2025" and rows[0]["status"] == "raised"
    data = cov.to_dict()
    assert data["counts"] == cov.counts() and data["licence"] == "CC BY-SA 4.0"
    text = cov.to_text()
    assert "LLM06:2025" in text and "RAISED" in text
    html = cov._repr_html_()
    assert html.count("<tr>") == 11
    assert cov.item("LLM01").findings[0] in html
    frame = cov.to_dataframe()
    assert list(frame["item"]) == [f"LLM{n:02d}" for n in range(1, 11)]


def test_coverage_csv_is_formula_safe(tmp_path: Path) -> None:
    from workbench.risk.frameworks import FrameworkCoverage, ItemCoverage

    cov = FrameworkCoverage("x", "X", "1", "", "", "sys")
    cov.items.append(ItemCoverage("x", "A1", "A1", '=HYPERLINK("http://evil")', "", "gap", ""))
    row = next(iter(csv.DictReader(io.StringIO(cov.to_csv()))))
    assert row["name"].startswith("'=")


# ----------------------------------------------------------------------------- where ids show


def test_cli_coverage_framework_formats_and_exit_codes(capsys: Any) -> None:
    model = str(REPO / "tests" / "fixtures" / "systems" / "rag-chat.yaml")
    code, out, _ = run(capsys, "coverage", model, "--framework", "owasp-llm")
    assert code == 0 and out.startswith(
        "OWASP Top 10 for LLM Applications 2025 (version 2025) on rag-chat"
    )
    code, out, _ = run(capsys, "coverage", model, "--framework", "owasp-llm", "--format", "json")
    assert code == 0 and len(json.loads(out)["items"]) == 10
    code, out, _ = run(capsys, "coverage", model, "--framework", "owasp-agentic", "--format", "csv")
    assert code == 0 and out.splitlines()[0].startswith("framework,item,label")
    assert all(",not_applicable," in line for line in out.splitlines()[1:])  # no agent
    code, _out, err = run(capsys, "coverage", model, "--framework", "owasp-web")
    assert code == 2 and "unknown framework 'owasp-web'" in err
    agent = REPO / "catalogs" / "templates" / "coding-agent.yaml"
    gaps = framework_coverage(load_model(agent), analyze(load_model(agent)), "owasp-agentic")
    gaps_count = gaps.counts()["gap"]
    code, _out, err = run(
        capsys, "coverage", str(agent), "--framework", "owasp-agentic", "--strict"
    )
    assert code == (1 if gaps_count else 0)
    assert ("no rule that assesses them" in err) == bool(gaps_count)
    code, _out, _err = run(capsys, "coverage", str(agent), "--framework", "owasp-agentic")
    assert code == 0  # without --strict a gap is reported, not failed
    code, out, _ = run(capsys, "coverage", model)  # without --framework: the guidelines
    assert code == 0 and "LLM01" not in out


def test_project_api_register_stix_and_navigator_carry_owasp_ids(tmp_path: Path) -> None:
    from workbench.export.navigator import navigator_layer
    from workbench.export.stix import export_stix
    from workbench.project import Project

    project = Project.create(tmp_path / "p", template="support-assistant", actor="tester")
    cov = project.framework_coverage("owasp-llm")
    assert cov.item("LLM01").status == "raised"
    register = project.register()
    text = register.to_csv_text()
    header = next(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert header[header.index("guidelines") + 1] == "owasp"
    row = next(r for r in register.rows() if r["id"] == "llm-direct-prompt-injection@llm")
    assert row["owasp"] == ["LLM01:2025", "LLM07:2025"]
    model, result = project.model, project.state().result
    bundle = json.loads(
        export_stix((model, result), created=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)).serialize()
    )
    finding = next(
        o
        for o in bundle["objects"]
        if o["type"] == "x-ai-threat-finding"
        and o["finding_id"] == "llm-direct-prompt-injection@llm"
    )
    assert {
        "source_name": "OWASP Top 10 for LLM Applications 2025",
        "external_id": "LLM01:2025",
        "url": "https://genai.owasp.org/llmrisk/llm01-prompt-injection/",
    } in finding["external_references"]
    layer = navigator_layer((model, result))
    direct = next(t for t in layer["techniques"] if t["techniqueID"] == "AML.T0051.000")
    assert {"name": "owasp", "value": "LLM01:2025, LLM07:2025"} in direct["metadata"]
    assert direct["comment"].endswith("OWASP: LLM01:2025, LLM07:2025")


def test_report_shows_ids_per_finding_and_a_coverage_section(tmp_path: Path) -> None:
    from workbench.export.report import build_report_context, render_report
    from workbench.project import Project

    project = Project.create(tmp_path / "p", template="coding-agent", actor="tester")
    context = build_report_context(project, generated_at="2026-05-04T09:30:00+00:00", commit="")
    assert [s.id for s in context.frameworks] == ["owasp-llm", "owasp-agentic"]
    assert [r.item.text for r in context.frameworks[1].rows][:2] == ["T1", "T2"]
    html = render_report(context)
    section = html.split('id="owasp-coverage"', 1)[1].split('id="sign-off"', 1)[0]
    assert section.count("<tr>") == 1 + 10 + 1 + 15
    assert 'href="https://genai.owasp.org/llmrisk/llm01-prompt-injection/"' in section
    assert "agent-memory-poisoning@coding-agent" in section
    assert "OWASP: LLM01:2025" in html
    md = render_report(context, "markdown")
    assert (
        "## OWASP coverage" in md and "| T12 | Agent Communication Poisoning | not applicable" in md
    )


def test_workbench_tab_lists_items_with_clickable_findings(tmp_path: Path) -> None:
    from workbench.ui.app import open_workbench
    from workbench.ui.frameworks import TAB_TITLE

    bench = open_workbench(tmp_path / "p", template="coding-agent", actor="tester")
    last = len(bench.tabs.children) - 1
    assert bench.tabs.get_title(last) == TAB_TITLE
    bench.tabs.selected_index = last
    html = bench.frameworks.html.value
    assert 'data-wb-action="finding" data-wb-value="agent-tool-misuse@repo-tool"' in html
    assert html.count("<tr>") == 11
    bench.frameworks.picker.value = "owasp-agentic"
    assert bench.frameworks.html.value.count("<tr>") == 16
    assert "fewer than two agents" in bench.frameworks.html.value
    bench.frameworks.html.click("finding", "agent-tool-misuse@repo-tool")
    assert bench.tabs.selected_index == 0
    assert bench.session.selected_finding == "agent-tool-misuse@repo-tool"


def test_bundled_frameworks_folder_holds_only_the_two_lists() -> None:
    assert sorted(p.name for p in bundled_frameworks_dir().iterdir()) == [
        "owasp-agentic.yaml",
        "owasp-llm-2025.yaml",
    ]


def test_findings_carry_ids_only_where_the_item_applies(rules: Any) -> None:
    classifier = load_template("fraud-classifier")  # no LLM, no agent
    found = analyze(classifier, rules=rules).findings
    poisoning = [f for f in found if f.rule == "feedback-loop-poisoning"]
    assert poisoning and rules.get("feedback-loop-poisoning").owasp == ["LLM04:2025"]
    assert all(f.owasp == [] and f.frameworks == {} for f in found)
    assistant = load_template("support-assistant")
    direct = analyze(assistant, rules=rules).finding("llm-direct-prompt-injection@llm")
    assert direct.owasp == ["LLM01:2025", "LLM07:2025"]


def test_cli_shows_owasp_ids_and_lists_unmapped_rules(tmp_path: Path, capsys: Any) -> None:
    code, out, _ = run(capsys, "analyze", "--template", "support-assistant")
    assert code == 0 and "OWASP" in out
    line = next(x for x in out.splitlines() if "llm-direct-prompt-injection@llm" in x)
    assert "LLM01:2025 LLM07:2025" in line
    _write(tmp_path, RULE.format(key=""), "r.yaml")
    code, out, _ = run(capsys, "rules", "check", str(tmp_path), "--only")
    assert code == 0 and "rules mapped to no OWASP item" in out and "demo-rule" in out
    _write(tmp_path, RULE.format(key="frameworks: {owasp-llm: [LLM01]}"), "r.yaml")
    code, out, _ = run(capsys, "rules", "check", str(tmp_path), "--only")
    assert code == 0 and "rules mapped to no OWASP item" not in out


def test_cli_coverage_of_a_project_folder_uses_its_state(tmp_path: Path, capsys: Any) -> None:
    from workbench.project import Project

    project = Project.create(tmp_path / "p", template="support-assistant", actor="tester")
    code, out, _ = run(
        capsys, "coverage", str(project.path), "--framework", "owasp-llm", "--format", "json"
    )
    assert code == 0
    data = json.loads(out)
    assert data["system"] == project.model.id
    assert data["items"] == project.framework_coverage("owasp-llm").to_dict()["items"]
    code, _out, err = run(capsys, "coverage", str(tmp_path / "missing"), "--framework", "owasp-llm")
    assert code == 2 and err.startswith("workbench: ")
