"""The HTML and Markdown reports: self-contained, no script, every user string escaped."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest

from workbench.export.report import render_html_report, render_markdown_report, write_html_report
from workbench.layout import layout_model
from workbench.model import load_template
from workbench.project import Project

HOSTILE = "<img src=x onerror=alert(1)>"
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    p = Project.create(
        tmp_path_factory.mktemp("r") / "p",
        template="support-assistant",
        actor="alice",
        clock=lambda: NOW,
    )
    p.edit_model(
        lambda m: m.update_component("llm", name=HOSTILE, description="<script>x</script>")
    )
    fid = next(r["id"] for r in p.state().rows if r["element"] == "llm")
    p.decide(
        fid, "mitigate", f"rationale {HOSTILE}", owner=f"owner {HOSTILE}", review_by="2027-01-01",
        mitigations=["AML.M0020"], due="2027-01-01",
    )
    p.add_manual_finding("llm", f"manual {HOSTILE}", reason=f"reason {HOSTILE}")
    return p


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_html_report_has_no_script_and_nothing_external(project):
    html = render_html_report(project, generated_at="2026-11-25T12:00:00Z")
    assert "<script" not in html.lower()
    parser = _Collector()
    parser.feed(html)
    tags = {t for t, _ in parser.tags}
    assert not tags & {"script", "iframe", "object", "embed", "link", "img"}
    for tag, attrs in parser.tags:
        assert not any(k.startswith("on") for k in attrs), (tag, attrs)
        if tag == "a":
            assert attrs["href"].startswith("https://atlas.mitre.org")
    assert "<svg" in html and "@media print" in html


def test_every_user_string_is_escaped(project):
    html = render_html_report(project, generated_at="2026-11-25T12:00:00Z")
    assert HOSTILE not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html or "<script>x" not in html


def test_report_contents(project):
    html = render_html_report(project, generated_at="2026-11-25T12:00:00Z")
    state = project.state()
    for r in state.rows:
        assert r["id"].replace("<", "&lt;") in html or r["id"] in html
    for section in (
        "System graph",
        "Threat register",
        "Decisions",
        "Guideline coverage",
        "Attack paths",
    ):
        assert f"<h2>{section}</h2>" in html
    assert len(re.findall(r"<circle ", html)) == len(project.model.components())
    assert html.count('class="flow"') == len(project.model.flows())
    assert project.log.head()[:16] in html


def test_report_is_deterministic_and_written_atomically(project, tmp_path):
    a = render_html_report(project, generated_at="x")
    assert a == render_html_report(project, generated_at="x")
    path = write_html_report(project, tmp_path / "report.html", generated_at="x")
    assert path.read_text(encoding="utf-8") == a


def test_markdown_report(project):
    md = render_markdown_report(project, generated_at="x")
    assert md.startswith("# Threat model:")
    assert "| Finding |" in md and "## Guideline coverage" in md
    assert HOSTILE not in md


def test_layout_is_stable_and_fits_zones():
    model = load_template("support-assistant")
    a, b = layout_model(model), layout_model(load_template("support-assistant"))
    assert a == b
    boxes = {z.id: z for z in a.zones}
    for c in model.components():
        x, y = a.positions[c.id]
        box = boxes[c.zone]
        assert box.x0 < x < box.x1 and box.y0 <= y <= box.y1
    order = [z.trust for z in a.zones]
    assert order == sorted(order)
    assert len(set(a.positions.values())) == len(a.positions)  # no two components on one spot
