"""The threat knowledge in ``docs/knowledge/`` and the citations of it.

Every citation of a page under ``docs/`` in the code, the rules, the benchmarks, the
scripts, the tests and the docs names a file that exists and anchors that exist in it;
no citation of the old, unpublished sources remains; every threat item lists exactly the
rules whose descriptions cite it; the ATLAS identifiers and names on the pages are the
catalog's; and no sentence is upstream ATLAS text.
"""

from __future__ import annotations

import ast
import functools
import io
import json
import re
import tokenize
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_catalog import _all_strings, _grams  # the same eight-word check as the catalog's

from workbench.rules import load_rules

ROOT = Path(__file__).resolve().parents[1]
KNOWLEDGE = ROOT / "docs" / "knowledge"
THREATS = KNOWLEDGE / "threats.md"

#: Where citations live: (folder, file patterns).
SOURCES: list[tuple[str, tuple[str, ...]]] = [
    ("workbench", ("*.py",)),
    ("catalogs", ("*.yaml", "*.md")),
    ("benchmarks", ("*.py", "*.md")),
    ("scripts", ("*.py",)),
    ("tests", ("*.py", "*.yaml")),
    ("docs", ("*.md",)),
    ("notebooks", ("*.py", "*.md", "*.toml")),
]
#: A citation: a path under docs/ (from the repository root) and the text after it up to
#: the end of its parenthesis, where further anchors of the same page may follow
#: ("docs/knowledge/threats.md#item-5, #item-n5").
CITATION = re.compile(r"(?<![\w./-])(docs/[\w./-]*\w\.md)((?:#[\w-]+)?[^()\n]{0,120})")
FRAGMENT = re.compile(r"(?<![\w/])#([a-z0-9][a-z0-9-]*)")
#: Markdown links in the docs: [text](relative/path.md#anchor).
LINK = re.compile(r"\]\((?!https?:|mailto:)([^)\s#]*\.md)?(#[\w-]+)?\)")
#: The old citations, spelled so that this file does not match itself.
OLD = re.compile("THREAT" + r"-KNOWLEDGE|\bbrief\s+(?:items?\s+)?(?:\d+|N\d)\b", re.I)
ITEMS = [str(i) for i in range(1, 24)] + [f"n{i}" for i in range(1, 8)]


def _files() -> list[Path]:
    out: set[Path] = {ROOT / "README.md"}
    for folder, patterns in SOURCES:
        for pattern in patterns:
            out.update(
                p for p in (ROOT / folder).rglob(pattern) if "work" not in p.relative_to(ROOT).parts
            )
    return sorted(out)


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")  # some fixtures are broken on purpose


def _chunks(path: Path) -> list[tuple[int, str]]:
    """The text that can cite, with its first line: in Python, comments and docstrings only
    (strings in code are data, such as the paths in a test's model)."""
    text = _text(path)
    if path.suffix != ".py":
        return [(1, text)]
    out = [
        (tok.start[0], tok.string)
        for tok in tokenize.generate_tokens(io.StringIO(text).readline)
        if tok.type == tokenize.COMMENT
    ]
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            doc = ast.get_docstring(node, clean=False)
            if doc is not None:
                out.append((node.body[0].lineno, doc))
    return out


def _slug(heading: str) -> str:
    """The anchor a Markdown renderer (GitHub's rules) gives a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    text = page.read_text(encoding="utf-8")
    text = re.sub(r"(?ms)^```.*?^```", "", text)  # headings inside code blocks are not headings
    headings = {_slug(h) for h in re.findall(r"(?m)^#{1,6}\s+(.+?)\s*#*$", text)}
    explicit = set(re.findall(r'<a id="([\w-]+)"></a>', text))
    return headings | explicit


@functools.cache
def _citations() -> list[tuple[Path, int, Path, list[str]]]:
    """Every citation of docs/: (file, line, target, anchors)."""
    found = []
    for path in _files():
        if path == Path(__file__):
            continue
        for first, chunk in _chunks(path):
            for match in CITATION.finditer(chunk):
                line = first + chunk.count("\n", 0, match.start())
                anchors = FRAGMENT.findall(match.group(2).split("docs/")[0])
                found.append((path, line, ROOT / match.group(1), anchors))
        text = _text(path)
        if path.suffix == ".md" and path.is_relative_to(ROOT / "docs"):
            for match in LINK.finditer(text):
                target = (path.parent / match.group(1)).resolve() if match.group(1) else path
                if target.suffix == ".md":
                    line = text.count("\n", 0, match.start()) + 1
                    anchors = [match.group(2)[1:]] if match.group(2) else []
                    found.append((path, line, target, anchors))
    return found


def test_citations_are_found_everywhere_they_are_made() -> None:
    cited = {(p.relative_to(ROOT).parts[0], t.name) for p, _, t, _ in _citations()}
    assert ("catalogs", "threats.md") in cited
    assert ("workbench", "concepts.md") in cited
    assert ("workbench", "scoring.md") in cited
    assert ("benchmarks", "concepts.md") in cited
    assert ("docs", "concepts.md") in cited


def test_every_citation_of_docs_names_a_page_and_anchors_that_exist() -> None:
    broken = []
    anchors_of: dict[Path, set[str]] = {}
    for path, line, target, anchors in _citations():
        where = f"{path.relative_to(ROOT)}:{line}"
        if not target.is_file():
            broken.append(f"{where}: no file {target.relative_to(ROOT)}")
            continue
        known = anchors_of.setdefault(target, _anchors(target))
        broken += [
            f"{where}: {target.relative_to(ROOT)} has no anchor #{a}" for a in anchors if a not in known
        ]
    assert broken == []


def test_no_citation_of_the_unpublished_sources_remains() -> None:
    left = []
    for path in _files():
        if path == Path(__file__):
            continue
        for number, line in enumerate(_text(path).splitlines(), 1):
            if OLD.search(line):
                left.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert left == []


def _threat_sections() -> dict[str, str]:
    """Item anchor (``5``, ``n3``) -> the text of its section."""
    text = THREATS.read_text(encoding="utf-8")
    parts = re.split(r'<a id="item-([\w-]+)"></a>', text)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}


def test_threat_items_are_all_there_in_order() -> None:
    sections = _threat_sections()
    assert list(sections) == ITEMS
    for item, text in sections.items():
        assert re.match(rf"\s*## Item {item.upper()}: \S", text), f"item {item}: heading"


def test_each_threat_item_lists_exactly_the_rules_that_cite_it() -> None:
    citing: dict[str, set[str]] = {item: set() for item in ITEMS}
    for rule in load_rules():
        items = set(re.findall(r"threats\.md#item-(\w+)|(?<![\w/])#item-(\w+)", rule.description))
        cited = {a or b for a, b in items}  # none for a rule of a threat class of its own
        assert cited <= set(ITEMS), f"{rule.id}: unknown items {sorted(cited - set(ITEMS))}"
        for item in cited:
            citing[item].add(rule.id)
    for item, text in _threat_sections().items():
        rules_line = re.search(r"(?m)^- \*\*Rules:\*\* (.+)$", text)
        assert rules_line, f"item {item} has no rules line"
        listed = set(re.findall(r"`([a-z0-9-]+)`", rules_line.group(1)))
        assert listed == citing[item], f"item {item}: listed {sorted(listed)}, cited by {sorted(citing[item])}"


def test_every_rule_is_named_on_the_threats_page_and_every_name_is_a_rule() -> None:
    text = THREATS.read_text(encoding="utf-8")
    classes = text.split('<a id="threat-classes"></a>')[1]
    named = set(re.findall(r"(?m)^- \*\*Rules:\*\* (.+)$", text))
    ids = {r for line in named for r in re.findall(r"`([a-z0-9-]+)`", line)}
    ids |= {r for row in re.findall(r"(?m)^\|(.+)\|$", classes) for r in re.findall(r"`([a-z0-9-]+)`", row)}
    known = {rule.id for rule in load_rules()}
    assert sorted(known - ids) == [], "rules the threats page does not name"
    assert sorted(ids - known) == [], "names on the threats page that are no rule"


def test_atlas_identifiers_and_names_on_the_pages_are_the_catalogs(catalog: Any) -> None:
    for page in sorted(KNOWLEDGE.glob("*.md")):
        text = page.read_text(encoding="utf-8")
        for ident, section, name in re.findall(
            r"\[(AML\.[TM]\d{4}(?:\.\d{3})?)\]\(https://atlas\.mitre\.org/(\w+)/(?:AML\.[TM][\d.]+)\) ([^;\n]+?)[;.]\s",
            text + "\n",
        ):
            obj = catalog.get(ident)
            assert obj is not None, f"{page.name}: {ident} is not in the catalog"
            assert section == ("techniques" if ident.startswith("AML.T") else "mitigations")
            assert name == obj.name, f"{page.name}: {ident} is {obj.name!r}, not {name!r}"
    controls = yaml.safe_load((ROOT / "catalogs" / "controls.yaml").read_text(encoding="utf-8"))
    known = {c["id"] for c in controls["controls"]}
    named = set(re.findall(r"`(wb-[a-z0-9-]+)`", THREATS.read_text(encoding="utf-8")))
    assert named and named <= known, sorted(named - known)


def test_no_upstream_atlas_wording_in_the_knowledge_pages(shared_dir: Path) -> None:
    upstream_dir = shared_dir / "upstream" / "atlas"
    if not (upstream_dir / "stix-atlas.json").is_file():
        pytest.skip("the upstream ATLAS files are not in ../shared")
    upstream: set[tuple[str, ...]] = set()
    bundle = json.loads((upstream_dir / "stix-atlas.json").read_text(encoding="utf-8"))
    for obj in bundle["objects"]:
        for text in _all_strings(obj.get("description")):
            upstream |= _grams(text)
    assert len(upstream) > 10_000
    for page in sorted(KNOWLEDGE.glob("*.md")):
        # names are facts (some are long): drop the linked names before comparing
        text = re.sub(r"\[AML\.[^\]]+\]\([^)]+\) [^;\n]+", " ", page.read_text(encoding="utf-8"))
        copied = sorted(_grams(text) & upstream)[:3]
        assert copied == [], f"{page.name} repeats upstream ATLAS text: {copied}"
