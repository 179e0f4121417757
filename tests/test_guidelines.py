"""The guideline catalog (catalogs/guidelines.yaml) and its loader."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from workbench._resources import catalog_path
from workbench.catalog import Guideline, GuidelineCatalog, Stage, load_guidelines
from workbench.errors import CatalogError

GUIDELINES_FILE = catalog_path("guidelines.yaml")

EXPECTED_TITLES = {
    "1.1": "Raise staff awareness of threats and risks",
    "1.2": "Model the threats to your system",
    "1.3": "Design your system for security as well as functionality and performance",
    "1.4": "Consider security benefits and trade-offs when selecting your AI model",
    "2.1": "Secure your supply chain",
    "2.2": "Identify, track and protect your assets",
    "2.3": "Document your data, models and prompts",
    "2.4": "Manage your technical debt",
    "3.1": "Secure your infrastructure",
    "3.2": "Protect your model continuously",
    "3.3": "Develop incident management procedures",
    "3.4": "Release AI responsibly",
    "3.5": "Make it easy for users to do the right things",
    "4.1": "Monitor your system's behaviour",
    "4.2": "Monitor your system's inputs",
    "4.3": "Follow a secure by design approach to updates",
    "4.4": "Collect and share lessons learned",
}


@pytest.fixture(scope="module")
def guidelines() -> GuidelineCatalog:
    return load_guidelines()


def raw() -> dict[str, Any]:
    data = yaml.safe_load(GUIDELINES_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "guidelines.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_stages_and_numbering(guidelines: GuidelineCatalog) -> None:
    stages = guidelines.stages()
    assert [(s.number, s.name) for s in stages] == [
        (1, "Secure design"),
        (2, "Secure development"),
        (3, "Secure deployment"),
        (4, "Secure operation and maintenance"),
    ]
    assert [len(s.guidelines) for s in stages] == [4, 4, 5, 4]
    assert all(isinstance(s, Stage) for s in stages)
    assert [g.number for g in guidelines.guidelines()] == list(EXPECTED_TITLES)
    assert len(guidelines) == 17
    assert [g.number for g in guidelines.guidelines(stage=3)] == ["3.1", "3.2", "3.3", "3.4", "3.5"]


def test_titles_are_the_documents(guidelines: GuidelineCatalog) -> None:
    assert {g.number: g.title for g in guidelines} == EXPECTED_TITLES


def test_titles_appear_in_the_source_document(shared_dir: Path) -> None:
    text = (shared_dir / "seed" / "guidelines-for-secure-ai-system-development.txt").read_text(
        encoding="utf-8"
    )
    # the text extraction reads "AI" as "Al" in places
    normalised = re.sub(r"\bAl\b", "AI", text)
    for title in EXPECTED_TITLES.values():
        assert title in normalised, title


def test_summaries_are_our_own_words(guidelines: GuidelineCatalog, shared_dir: Path) -> None:
    source = (shared_dir / "seed" / "guidelines-for-secure-ai-system-development.txt").read_text(
        encoding="utf-8"
    )

    def grams(text: str, size: int = 8) -> set[tuple[str, ...]]:
        words = re.sub(r"[^a-z0-9]+", " ", text.lower()).split()
        return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}

    upstream = grams(source)
    for guideline in guidelines:
        assert not (grams(guideline.summary) & upstream), guideline.number
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", guideline.summary) if s]
        assert 2 <= len(sentences) <= 3, guideline.number


def test_checks(guidelines: GuidelineCatalog) -> None:
    checks = guidelines.checks()
    ids = [c.id for c in checks]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", i) for i in ids)
    for guideline in guidelines:
        assert guideline.checks, guideline.number
        for check in guideline.checks:
            assert check.guideline == guideline.number
            assert check.text.endswith(".")
    assert guidelines.check("ai-bom").guideline == "2.1"
    assert [c.id for c in guidelines.get("1.3").checks] == [
        "untrusted-weights-safe",
        "external-data-controlled",
        "inputs-sanitised",
        "ai-actions-restricted",
        "least-privilege",
        "output-guardrails",
    ]
    assert "disclosure-contact" in {c.id for c in guidelines.get("4.4").checks}


def test_lookup(guidelines: GuidelineCatalog) -> None:
    item = guidelines.get("2.1")
    assert isinstance(item, Guideline)
    assert (item.stage, item.stage_name) == (2, "Secure development")
    assert item.label == "2.1 Secure your supply chain"
    assert "2.1" in guidelines and "5.1" not in guidelines
    with pytest.raises(KeyError, match=r"unknown guideline '5\.1'"):
        guidelines.get("5.1")
    with pytest.raises(KeyError):
        guidelines.check("nope")
    with pytest.raises(KeyError):
        guidelines.stage(9)


def test_dataframes(guidelines: GuidelineCatalog) -> None:
    frame = guidelines.to_dataframe()
    assert list(frame.index) == list(EXPECTED_TITLES)
    assert frame.loc["3.2", "title"] == "Protect your model continuously"
    assert set(frame.columns) >= {"stage", "stage_name", "title", "summary", "checks"}
    checks = guidelines.checks_df()
    assert len(checks) == len(guidelines.checks())


def test_header_credits_the_publishers(guidelines: GuidelineCatalog) -> None:
    header = GUIDELINES_FILE.read_text(encoding="utf-8").split("\n\n")[0]
    for name in ("NCSC", "CISA", "National Cyber Security Centre", "partner", "Crown copyright"):
        assert name in header
    assert guidelines.title == "Guidelines for secure AI system development"
    assert any("NCSC" in p for p in guidelines.publishers)
    assert any("CISA" in p for p in guidelines.publishers)


# ----------------------------------------------------------------------------- validation


def test_missing_guideline(tmp_path: Path) -> None:
    data = raw()
    del data["stages"][2]["guidelines"][4]
    path = write(tmp_path, data)
    with pytest.raises(CatalogError) as info:
        load_guidelines(path)
    message = str(info.value)
    assert message.startswith(str(path)) and "17" in message and "\n" not in message


def test_wrong_numbering(tmp_path: Path) -> None:
    data = raw()
    data["stages"][1]["guidelines"][1]["number"] = "2.7"
    with pytest.raises(CatalogError, match=r"number should be '2\.2', found '2\.7'"):
        load_guidelines(write(tmp_path, data))
    data = raw()
    data["stages"][0]["number"] = 3
    with pytest.raises(CatalogError, match="number should be 1"):
        load_guidelines(write(tmp_path, data))


def test_bad_checks(tmp_path: Path) -> None:
    data = raw()
    data["stages"][0]["guidelines"][1]["checks"][0]["id"] = "training-material"
    with pytest.raises(CatalogError, match="duplicate check id 'training-material'"):
        load_guidelines(write(tmp_path, data))
    data = raw()
    data["stages"][3]["guidelines"][0]["checks"] = []
    with pytest.raises(CatalogError, match=r"guideline 4\.1: expected a non-empty 'checks' list"):
        load_guidelines(write(tmp_path, data))
    data = raw()
    data["stages"][3]["guidelines"][0]["checks"][0]["id"] = "Not An Id"
    with pytest.raises(CatalogError, match="lower-case-with-dashes"):
        load_guidelines(write(tmp_path, data))


def test_missing_texts(tmp_path: Path) -> None:
    data = raw()
    data["stages"][0]["guidelines"][0]["title"] = ""
    data["stages"][0]["guidelines"][0]["summary"] = None
    with pytest.raises(CatalogError, match=r"guideline 1\.1: a title is required"):
        load_guidelines(write(tmp_path, data))


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("stages: [\n", "not valid YAML"),
        ("- just\n- a list\n", "expected a mapping with a 'stages' list"),
        ("stages:\n  - 42\n", "expected a mapping"),
        ("x: !!python/object/apply:os.system ['echo hacked']\n", "tags are not allowed"),
        ("a: &a [x, x]\nb: [*a, *a]\n", "YAML anchors are not allowed"),
    ],
)
def test_unusable_files(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "guidelines.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CatalogError) as info:
        load_guidelines(path)
    assert expected in str(info.value)
    assert str(info.value).startswith(str(path))


def test_missing_and_undecodable_files(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="no such file"):
        load_guidelines(tmp_path / "absent.yaml")
    path = tmp_path / "latin1.yaml"
    path.write_bytes("stages: caf\xe9\n".encode("latin-1"))
    with pytest.raises(CatalogError, match="not UTF-8"):
        load_guidelines(path)
