"""Decision records: Markdown (MADR-like) and JSON exports of the decision log.

The golden files in ``tests/golden/decision-records/`` are the expected output
for a small fixture. Regenerate them, after checking a change is intended, with::

    UPDATE_GOLDEN=1 python -m pytest tests/test_decision_records.py

Without ``UPDATE_GOLDEN=1`` the tests only compare and never write there.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from pathlib import Path

import pytest

from workbench.errors import InputError
from workbench.export import decision_records as records_module
from workbench.export.decision_records import (
    export_json,
    export_markdown,
    md_block,
    md_inline,
    record_file_name,
)
from workbench.risk.decisions import DecisionLog, verify

GOLDEN = Path(__file__).parent / "golden" / "decision-records"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
GENERATED_AT = "2025-04-01T12:00:00+00:00"
HOSTILE = ["<img src=x onerror=alert(1)>", "# heading", "| pipes |"]


def check_golden(name: str, actual: bytes) -> None:
    """Compare *actual* with the golden file *name*; write it only when UPDATE_GOLDEN=1."""
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(actual)
        return
    assert path.is_file(), f"missing golden file {path}: run with UPDATE_GOLDEN=1 to create it"
    expected = path.read_bytes()
    if actual != expected:
        diff = "".join(difflib.unified_diff(
            expected.decode("utf-8").splitlines(keepends=True),
            actual.decode("utf-8").splitlines(keepends=True),
            fromfile=f"golden/{name}", tofile="actual",
        ))
        pytest.fail(f"{name} differs from the golden file (UPDATE_GOLDEN=1 to accept):\n{diff}")


def check_golden_folder(name: str, folder: Path) -> None:
    """Compare every file of *folder* with golden/<name>/, and the set of file names."""
    golden = GOLDEN / name
    actual = sorted(p.name for p in folder.iterdir())
    if UPDATE and golden.is_dir():
        for stale in golden.iterdir():
            if stale.name not in actual:
                stale.unlink()
    for file_name in actual:
        check_golden(f"{name}/{file_name}", (folder / file_name).read_bytes())
    assert sorted(p.name for p in golden.iterdir()) == actual


def build_log(path: Path) -> DecisionLog:
    """The fixture: superseding, a rename, an orphaned finding, a note."""
    log = DecisionLog(path)
    log.append_decision(
        ["prompt-injection@chat"], "mitigate",
        "Filter retrieved documents before they reach the prompt.",
        decided_by="Alice Analyst", date="2025-03-01", links=["SEC-101"],
        recorded_at="2025-03-01T09:00:00+00:00",
    )
    log.append_decision(
        ["data-poisoning@store", "model-theft@api"], "accept",
        "The store is rebuilt nightly from signed sources.\n\nRevisit after the API redesign.",
        decided_by="Alice Analyst", owner="Bob Owner", date="2025-03-02",
        review_by="2025-09-01", links=["https://wiki.example.org/risk/ai-42", "SEC-102"],
        bands={"data-poisoning@store": "high", "model-theft@api": "medium"},
        recorded_at="2025-03-02T09:00:00+00:00",
    )
    log.append_rename("store", "vector-store", by="Carol Curator",
                      recorded_at="2025-03-03T09:00:00+00:00")
    log.append_decision(
        ["prompt-injection@chat"], "transfer",
        "The hosting provider's content filter covers this under contract.",
        decided_by="Bob Owner", owner="Bob Owner", date="2025-03-04", supersedes="D-0001",
        recorded_at="2025-03-04T09:00:00+00:00",
    )
    log.append_decision(
        ["legacy-plugin@old-tool"], "not_applicable", "The plugin was never deployed.",
        decided_by="Carol Curator", date="2025-03-05",
        recorded_at="2025-03-05T09:00:00+00:00",
    )
    log.append_note("Reviewed in the March risk workshop.", by="Carol Curator",
                    recorded_at="2025-03-06T09:00:00+00:00")
    return log


FINDINGS_INFO = {
    "prompt-injection@chat": {
        "title": "Indirect prompt injection through retrieved documents",
        "element_name": "Chat assistant", "technique": "AML.T0051",
        "technique_name": "LLM Prompt Injection", "score": 16, "band": "high",
        "residual_score": 8.0, "residual_band": "medium",
    },
    "data-poisoning@vector-store": {
        "title": "Poisoned documents in the retrieval store",
        "element_name": "Vector store", "technique": "AML.T0020",
        "technique_name": "Poison Training Data", "score": 12, "band": "high",
        "residual_score": float("nan"), "residual_band": None,
    },
    "model-theft@api": {
        "title": "Model extraction through the public API",
        "element_name": "Inference API", "technique": "AML.T0024.002",
        "technique_name": "Extract ML Model", "score": 6, "band": "medium",
    },
}


@pytest.fixture
def fixture_log(tmp_path) -> DecisionLog:
    return build_log(tmp_path / "decisions.jsonl")


def export_both(log: DecisionLog, where: Path, info=FINDINGS_INFO) -> tuple[list[Path], Path]:
    kw = dict(log_head=log.head(), log_records=len(log), generated_at=GENERATED_AT)
    paths = export_markdown(log.decisions(), info, where / "records", **kw)
    doc = export_json(log.decisions(), info, where / "decision-records.json", **kw)
    return paths, doc


# --------------------------------------------------------------------------- golden files


def test_the_fixture_log_matches_its_golden_file(fixture_log):
    check_golden("decisions.jsonl", fixture_log.path.read_bytes())


def test_markdown_export_matches_the_golden_files(fixture_log, tmp_path):
    paths, _doc = export_both(fixture_log, tmp_path)
    assert [p.name for p in paths] == [
        "0001-mitigate-prompt-injection-chat.md",
        "0002-accept-data-poisoning-vector-store.md",
        "0003-transfer-prompt-injection-chat.md",
        "0004-not-applicable-legacy-plugin-old-tool.md",
        "index.md",
    ]
    check_golden_folder("markdown", tmp_path / "records")


def test_json_export_matches_the_golden_file(fixture_log, tmp_path):
    _paths, doc = export_both(fixture_log, tmp_path)
    check_golden("decision-records.json", doc.read_bytes())


def test_exports_are_deterministic(fixture_log, tmp_path):
    export_both(fixture_log, tmp_path / "a")
    export_both(fixture_log, tmp_path / "b")
    export_both(fixture_log, tmp_path / "b")  # again over the first
    for name in os.listdir(tmp_path / "a" / "records"):
        assert (tmp_path / "a/records" / name).read_bytes() == \
            (tmp_path / "b/records" / name).read_bytes()
    assert (tmp_path / "a/decision-records.json").read_bytes() == \
        (tmp_path / "b/decision-records.json").read_bytes()
    assert sorted(os.listdir(tmp_path / "b")) == ["decision-records.json", "records"]


# --------------------------------------------------------------------------- content


def test_a_record_has_the_decision_record_sections(fixture_log, tmp_path):
    export_both(fixture_log, tmp_path)
    text = (tmp_path / "records/0002-accept-data-poisoning-vector-store.md").read_text("utf-8")
    assert text.startswith("# D-0002: Accept: Poisoned documents in the retrieval store")
    for part in (
        "| Status | accepted |", "| Date | 2025-03-02 |", "| Decided by | Alice Analyst |",
        "| Risk owner | Bob Owner |", "| Review by | 2025-09-01 |",
        "## Context and problem statement", "## Decision outcome", "### Rationale",
        "### Consequences", "## Links",
        "[AML.T0020](https://atlas.mitre.org/techniques/AML.T0020) Poison Training Data",
        "- Inherent risk: 12 (high)",
        "- `model-theft@api`: residual risk not known",
        "- <https://wiki.example.org/risk/ai-42>",
    ):
        assert part in text, part
    assert f"`{fixture_log.head()}` after 6 records" in text


def test_superseded_decisions_say_by_which(fixture_log, tmp_path):
    export_both(fixture_log, tmp_path)
    old = (tmp_path / "records/0001-mitigate-prompt-injection-chat.md").read_text("utf-8")
    assert "| Status | superseded by [D-0003](0003-transfer-prompt-injection-chat.md) |" in old
    new = (tmp_path / "records/0003-transfer-prompt-injection-chat.md").read_text("utf-8")
    assert "| Supersedes | [D-0001](0001-mitigate-prompt-injection-chat.md) |" in new
    assert "residual risk 8 (medium)" in new
    doc = json.loads((tmp_path / "decision-records.json").read_text("utf-8"))
    by_id = {d["id"]: d for d in doc["decisions"]}
    assert by_id["D-0001"]["status"] == "superseded"
    assert by_id["D-0001"]["superseded_by"] == "D-0003"
    assert by_id["D-0003"]["status"] == "accepted"


def test_orphaned_findings_are_listed_not_dropped(fixture_log, tmp_path):
    export_both(fixture_log, tmp_path)
    text = (tmp_path / "records/0004-not-applicable-legacy-plugin-old-tool.md").read_text("utf-8")
    assert "no longer present (orphaned)" in text
    doc = json.loads((tmp_path / "decision-records.json").read_text("utf-8"))
    info = doc["decisions"][3]["findings_info"][0]
    assert info["id"] == "legacy-plugin@old-tool" and info["present"] is False


def test_json_records_the_log_head_and_count(fixture_log, tmp_path):
    _paths, path = export_both(fixture_log, tmp_path)
    doc = json.loads(path.read_text("utf-8"))
    assert doc["decision_log"] == {"head": fixture_log.head(), "records": 6}
    assert doc["generated_at"] == GENERATED_AT
    # what the export recorded lets a later reader detect a truncated log
    assert verify(fixture_log.path, expected_head=doc["decision_log"]["head"],
                  expected_records=doc["decision_log"]["records"]).ok
    info = doc["decisions"][1]["findings_info"]
    assert info[0]["residual_score"] is None  # NaN from a register
    assert info[0]["technique_url"] == "https://atlas.mitre.org/techniques/AML.T0020"
    assert doc["decisions"][1]["findings"] == ["data-poisoning@vector-store", "model-theft@api"]


def test_numpy_and_pandas_values_are_written_plainly(fixture_log, tmp_path):
    np = pytest.importorskip("numpy")
    pd = pytest.importorskip("pandas")
    info = {k: dict(v) for k, v in FINDINGS_INFO.items()}
    info["prompt-injection@chat"].update(score=np.int64(16), residual_score=pd.NA)
    _paths, path = export_both(fixture_log, tmp_path, info)
    item = json.loads(path.read_text("utf-8"))["decisions"][0]["findings_info"][0]
    assert item["score"] == 16 and item["residual_score"] is None


def test_a_technique_id_that_is_not_atlas_gets_no_link(fixture_log, tmp_path):
    info = {k: dict(v) for k, v in FINDINGS_INFO.items()}
    info["prompt-injection@chat"]["technique"] = "javascript:alert(1)"
    export_both(fixture_log, tmp_path, info)
    text = (tmp_path / "records/0001-mitigate-prompt-injection-chat.md").read_text("utf-8")
    assert "javascript:alert(1)" in text and "](javascript" not in text


def test_file_names():
    from workbench.risk.decisions import Decision

    d = Decision("D-0012", ("Weird Rule!!@Élément x",), "accept", "r", None, "a",
                 "2025-01-01", None, (), None, "t")
    assert record_file_name(d) == "0012-accept-weird-rule-l-ment-x.md"


def test_the_log_head_and_count_are_checked(fixture_log, tmp_path):
    with pytest.raises(InputError, match="log_head"):
        export_json(fixture_log.decisions(), {}, tmp_path / "x.json", log_head="abc",
                    log_records=1, generated_at=GENERATED_AT)
    with pytest.raises(InputError, match="log_records"):
        export_markdown(fixture_log.decisions(), {}, tmp_path / "md",
                        log_head=fixture_log.head(), log_records=-1,
                        generated_at=GENERATED_AT)
    assert not (tmp_path / "x.json").exists() and not (tmp_path / "md").exists()


def test_an_empty_log_exports_an_index(tmp_path):
    paths = export_markdown([], {}, tmp_path / "md", log_head="0" * 64, log_records=0,
                            generated_at=GENERATED_AT)
    assert [p.name for p in paths] == ["index.md"]
    assert "no decisions yet" in paths[0].read_text("utf-8")


# --------------------------------------------------------------------------- escaping


@pytest.fixture
def hostile_export(tmp_path) -> Path:
    log = DecisionLog(tmp_path / "decisions.jsonl")
    text = " ".join(HOSTILE)
    log.append_decision(
        ["prompt-injection@chat"], "accept",
        "\n".join([*HOSTILE, "```", "<script>alert(2)</script>", "    indented", "---",
                   "1. list", "[link](javascript:alert(3))", "&lt;entity&gt;"]),
        decided_by=text, owner=text, date="2025-03-01", review_by="2025-06-01",
        links=[*HOSTILE, "javascript:alert(4)", "https://ok.example/x?a=1&b=2"],
        recorded_at="2025-03-01T09:00:00+00:00",
    )
    info = {"prompt-injection@chat": {
        "title": text, "element_name": text, "technique": "AML.T0051",
        "technique_name": text, "score": 16, "band": text,
        "residual_score": 4, "residual_band": text,
    }}
    out = tmp_path / "md"
    export_markdown(log.decisions(), info, out, log_head=log.head(), log_records=len(log),
                    generated_at=text)
    return out


def _unescaped_pipes(line: str) -> int:
    return len(re.findall(r"(?<!\\)\|", line))


def test_hostile_text_cannot_inject_html_or_break_the_structure(hostile_export):
    for path in hostile_export.iterdir():
        text = path.read_text("utf-8")
        assert "<img" not in text and "<script" not in text
        assert "&lt;img src=x onerror=alert(1)&gt;" in text
        for line in text.splitlines():
            # headings are only ours: "# D-...", "## ...", "### ..."
            if line.startswith("#"):
                assert re.match(r"#{1,3} (D-\d{4}|Risk decisions|[A-Z][a-z]|`|\S+@)", line), line
            assert not line.startswith(("```", "    ", "---x", "1. ")), line
            # every table row keeps its columns
            if line.startswith("|"):
                assert _unescaped_pipes(line) in (3, 8), line
        assert not re.search(r"(?<!\\)\]\(javascript", text) and "<javascript" not in text
    record = (hostile_export / "0001-accept-prompt-injection-chat.md").read_text("utf-8")
    assert "\\# heading" in record and "\\| pipes \\|" in record
    assert "&amp;lt;entity&amp;gt;" in record  # an entity in user text stays text
    assert "<https://ok.example/x?a=1&b=2>" in record


def test_hostile_text_renders_as_text(hostile_export):
    mistune = pytest.importorskip("mistune")
    render = mistune.create_markdown(escape=False, plugins=["table"])
    for path in hostile_export.iterdir():
        html = render(path.read_text("utf-8"))
        assert "<img" not in html and "<script" not in html
        assert 'href="javascript' not in html
        assert "<pre>" not in html
        codes = re.findall(r"<code>(.*?)</code>", html)
        assert codes and all(c == "prompt-injection@chat" or re.fullmatch("[0-9a-f]{64}", c)
                             for c in codes), codes
        # one heading level 1, the record's own
        assert html.count("<h1>") == 1
        assert "<h1>heading" not in html and "<h2>heading" not in html
        if path.name != "index.md":
            assert html.count("<td>") == 2 * 7  # the fields table, 7 rows of 2 cells
            assert "# heading" in html and "| pipes |" in html


def test_md_block_keeps_line_breaks_and_paragraphs():
    assert md_block("one\ntwo\n\n\n\nthree\n") == "one\\\ntwo\n\nthree"
    assert md_block("- a\n+ b\n= c\n12) d") == "\\- a\\\n\\+ b\\\n\\= c\\\n12\\) d"
    assert md_inline("a\nb\r\nc\x00\x1b[31m") == "a b c\\[31m"
    assert md_inline("*x* _y_ `z` ~w~ [l] \\") == "\\*x\\* \\_y\\_ \\`z\\` \\~w\\~ \\[l\\] \\\\"


# --------------------------------------------------------------------------- atomicity


def test_a_failing_export_leaves_the_previous_export_intact(fixture_log, tmp_path, monkeypatch):
    export_both(fixture_log, tmp_path)
    folder = tmp_path / "records"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    json_before = (tmp_path / "decision-records.json").read_bytes()
    fixture_log.append_decision(["new@thing"], "avoid", "Drop the feature.",
                                decided_by="Bob", date="2025-03-07",
                                recorded_at="2025-03-07T09:00:00+00:00")

    def refuse(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(records_module.os, "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        export_both(fixture_log, tmp_path)
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert (tmp_path / "decision-records.json").read_bytes() == json_before
    # no half-written folders or temporary files are left beside them
    assert sorted(os.listdir(tmp_path)) == ["decision-records.json", "decisions.jsonl", "records"]


def test_a_failing_folder_swap_puts_the_previous_export_back(fixture_log, tmp_path, monkeypatch):
    export_both(fixture_log, tmp_path)
    folder = tmp_path / "records"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    real_rename = os.rename

    def fail_moving_the_new_folder_in(src, dst):
        if Path(dst) == folder and Path(src).name.endswith(".tmp"):
            raise OSError("rename failed")
        return real_rename(src, dst)

    monkeypatch.setattr(records_module.os, "rename", fail_moving_the_new_folder_in)
    fixture_log.append_note("later", by="Bob", recorded_at="2025-03-08T09:00:00+00:00")
    with pytest.raises(OSError, match="rename failed"):
        export_markdown(fixture_log.decisions(), FINDINGS_INFO, folder,
                        log_head=fixture_log.head(), log_records=len(fixture_log),
                        generated_at=GENERATED_AT)
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert sorted(os.listdir(tmp_path)) == ["decision-records.json", "decisions.jsonl", "records"]


def test_a_folder_with_other_files_is_never_replaced(fixture_log, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "architecture.md").write_text("keep me", encoding="utf-8")
    with pytest.raises(InputError, match=r"architecture\.md"):
        export_markdown(fixture_log.decisions(), FINDINGS_INFO, folder,
                        log_head=fixture_log.head(), log_records=len(fixture_log),
                        generated_at=GENERATED_AT)
    assert os.listdir(folder) == ["architecture.md"]
    assert sorted(os.listdir(tmp_path)) == ["decisions.jsonl", "docs"]


def test_a_new_export_drops_records_no_longer_given(fixture_log, tmp_path):
    export_both(fixture_log, tmp_path)
    export_markdown(fixture_log.decisions()[:1], FINDINGS_INFO, tmp_path / "records",
                    log_head=fixture_log.head(), log_records=len(fixture_log),
                    generated_at=GENERATED_AT)
    assert sorted(os.listdir(tmp_path / "records")) == [
        "0001-mitigate-prompt-injection-chat.md", "index.md",
    ]
