"""The report a risk owner signs: contents in order, golden Markdown, inert user strings,
settings in project.yaml, the report command and atomic writes."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from golden.export_helpers import FIXED_TIME, assert_golden, fixture_project

from workbench.diff import previous_state
from workbench.errors import InputError
from workbench.export.report import (
    ReportError,
    build_report_context,
    render_html_report,
    render_markdown_report,
    render_report,
    safe_link,
    write_html_report,
    write_pdf_report,
)
from workbench.layout import layout_model
from workbench.model import load_template
from workbench.project import Project, report_settings_from

STAMP = "2026-05-04T09:30:00+00:00"
HOSTILE = "<img src=x onerror=alert(1)>\"'<script>alert(2)</script>"
JS_LINK = "javascript:alert(document.cookie)"
SECTIONS = (
    "Executive summary",
    "Risk pictures",
    "Mitigation plan",
    "Decisions",
    "Findings",
    "Attack paths",
    "Guideline coverage",
    "OWASP coverage",
    "Sign-off",
    "Appendix: guideline evidence",
)


def signed_project(folder: Path) -> Project:
    """The export fixture project with what a risk owner reads: report settings, a chosen
    mitigation with owner and ticket, an override with its reason, an assumption, a decision
    history."""
    p = fixture_project(folder)
    # unstated per_document_access_control: the cross-tenant finding rests on an assumption
    p.edit_model(lambda m: m.update_component("vector-store", per_document_access_control=None))
    # the hosted model's own guardrails are stated absent, so the question above stays the top one
    p.edit_model(lambda m: m.update_component("llm", filters_inputs=False))
    p.set_report_settings(
        classification="OFFICIAL-SENSITIVE",
        owner="Dana Risk (Head of Support Engineering)",
        authors=["Alice Analyst", "Bob Builder"],
        reviewers=["Carol Checker"],
        scope_in=["the chat assistant, its retrieval and its tools"],
        scope_out=[{"item": "the helpdesk product itself", "why": "assessed by its vendor"}],
    )
    p.choose_mitigation(
        "fx-indirect-prompt-injection@llm",
        "AML.M0015",
        status="planned",
        owner="Platform Security",
        likelihood_effect=-2,
        effect_reason="Measured on our own retrieved passages: it stops most known injections",
        due="2026-07-01",
        ticket="https://tracker.example/SEC-42",
        note="Classifier on retrieved passages",
    )
    p.decide(
        "fx-indirect-prompt-injection@llm",
        "accept",
        "Tolerable until the classifier ships.",
        owner="Dana Risk",
        review_by="2026-06-01",
        date="2026-05-01",
    )
    p.decide(
        "fx-indirect-prompt-injection@llm",
        "mitigate",
        "Detect injected instructions in retrieved passages before they reach the LLM.",
        owner="Platform Security",
        review_by="2026-07-15",
        due="2026-07-01",
        mitigations=["AML.M0015"],
        links=["https://tracker.example.com/SEC-77"],
    )
    p.override(
        "fx-direct-prompt-injection@llm",
        likelihood=3,
        reason="Only signed-in customers reach the chat; abuse is rate limited.",
    )
    return p


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Project:
    return signed_project(tmp_path_factory.mktemp("report") / "p")


@pytest.fixture(scope="module")
def html(project) -> str:
    return render_html_report(project, generated_at=STAMP, commit="")


@pytest.fixture(scope="module")
def markdown(project) -> str:
    return render_markdown_report(project, generated_at=STAMP, commit="")


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def _parse(html: str) -> _Collector:
    parser = _Collector()
    parser.feed(html)
    return parser


# -- golden Markdown and the contents ------------------------------------------------------


def test_markdown_report_matches_golden(markdown):
    assert_golden("report/signed-project.md", markdown)


def test_markdown_shows_what_the_risk_owner_signs(markdown):
    plan = markdown.split("## Mitigation plan", 1)[1].split("## Decisions", 1)[0]
    row = next(line for line in plan.splitlines() if line.startswith("| AML.M0015"))
    assert "Platform Security" in row and "<https://tracker.example/SEC-42>" in row
    assert "it stops most known injections" in row  # the reason for a non-default effect
    assert "2026-07-01" in row and "planned" in row  # its own due date
    assert "Only signed-in customers reach the chat; abuse is rate limited." in markdown
    assert "per\\_document\\_access\\_control not stated (assumed false)" in markdown
    assert "## Executive summary" in markdown
    assert "**Inherent risk** (before mitigations)" in markdown
    assert "**Residual risk** (mitigations implemented or verified)" in markdown


def test_sections_come_in_order(html, markdown):
    positions = [html.index(f"<h2>{s}</h2>") for s in SECTIONS]
    assert positions == sorted(positions)
    positions = [markdown.index(f"## {s}\n") for s in SECTIONS]
    assert positions == sorted(positions)


def test_cover(project, html):
    cover = html.split('<section class="summary"', 1)[0]
    model_hash = __import__("hashlib").sha256((project.path / "model.yaml").read_bytes())
    for text in (
        "OFFICIAL-SENSITIVE",
        "Dana Risk (Head of Support Engineering)",
        model_hash.hexdigest(),
        "the chat assistant, its retrieval and its tools",
        "the helpdesk product itself: assessed by its vendor",
        "2026-05-04",
        "Alice Analyst, Bob Builder",
        "Carol Checker",
        project.log.head(),
        f"{len(project.log)} records",
        "verified",
    ):
        assert text in cover, text


def _row(table: str, head: str) -> list[str]:
    return re.findall(r"<td>(\d+)</td>", table.split(f"<th>{head}</th>", 1)[1].split("</tr>")[0])


def test_executive_summary(project, html):
    summary = html.split('id="summary"', 1)[1].split('id="risk-pictures"', 1)[0]
    state = project.state()
    assert summary.count("<li>") >= 5
    table = summary.split('class="keep bands"', 1)[1].split("</table>", 1)[0]
    for band in project.matrix.band_names():
        inherent = sum(r["band"] == band for r in state.rows)
        residual = sum(r["residual_band"] == band for r in state.rows)
        column = project.matrix.band_names()[::-1].index(band)
        assert int(_row(table, "Inherent")[column]) == inherent, band
        assert int(_row(table, "Residual")[column]) == residual, band
    failing = project.undecided("high")
    assert ("Fails:" in summary) == bool(failing)
    assert f"{len(failing)} finding" in summary
    actions = summary.split("lower risk most", 1)[1]
    assert 1 <= actions.count("<li>") <= 3
    assert "lowers the residual score" in actions


def test_heatmaps_count_every_finding(project, html):
    pictures = html.split('id="risk-pictures"', 1)[1].split('id="mitigation-plan"', 1)[0]
    tables = pictures.split('<div class="heatmap">')[1:]
    assert len(tables) == 2
    rows = project.state().rows
    for table, prefix in zip(tables, ("", "residual_"), strict=True):
        counts = [int(x) for x in re.findall(r'title="[a-z]+, score \d+">(\d+)</td>', table)]
        assert len(counts) == 25 and sum(counts) == len(rows)
        # the cell of the top finding holds it
        lik, imp = rows[0][prefix + "likelihood"], rows[0][prefix + "impact"]
        assert counts[(5 - lik) * 5 + imp - 1] >= 1
    inherent_cells = re.findall(r"score \d+\">(\d+)<", tables[0])
    residual_cells = re.findall(r"score \d+\">(\d+)<", tables[1])
    assert inherent_cells != residual_cells  # an implemented mitigation moved a finding


def test_mitigation_plan_and_decisions(html):
    plan = html.split('id="mitigation-plan"', 1)[1].split('id="decisions"', 1)[0]
    assert "AML.M0020" in plan and "Web Team" in plan and "done" in plan
    assert '<a href="https://tracker.example/SEC-42">' in plan
    assert "likelihood -2, impact +0" in plan
    decisions = html.split('id="decisions"', 1)[1].split('id="findings"', 1)[0]
    assert "Detect injected instructions" in decisions
    assert "Tolerable until the classifier ships." in decisions  # the history
    assert "overdue" not in decisions  # every review date is still ahead
    assert "Only signed-in customers reach the chat" in decisions
    assert "likelihood 5 → 3" in decisions or re.search(r"likelihood \d → 3", decisions)


def test_findings_grouped_by_band_with_reasons(project, html):
    findings = html.split('id="findings"', 1)[1].split('id="attack-paths"', 1)[0]
    bands = re.findall(r"<h3><span class=\"badge\"[^>]*>([a-z]+)</span>", findings)
    ranks = [project.matrix.band_rank(b) for b in bands]
    assert ranks == sorted(ranks, reverse=True) and len(set(bands)) == len(bands)
    for r in project.state().rows:
        assert f"<code>{r['id']}</code>" in findings
    # the open question that would change a finding stands with it, ranked first overall
    from workbench.rules.questions import open_questions

    (top, *_rest) = open_questions(project.state().result)
    assert "per_document_access_control" in top.text and "Vector index" in top.text
    listed = findings.split("<h3>Open questions</h3>", 1)[1].split("</ol>", 1)[0]
    assert listed.split("</li>", 1)[0].endswith(top.text)  # ranked first in the list
    card = findings.split(f"<code>{top.findings[0]}</code>", 1)[1].split('<div class="finding"', 1)[0]
    assert top.text in card
    assert 'href="https://atlas.mitre.org/techniques/AML.T0051' in findings


def test_owasp_ids_are_shown_when_findings_carry_them(project):
    context = build_report_context(project, generated_at=STAMP, commit="")
    assert all(f.owasp == [] for g in context.groups for f in g.findings)
    state = project.state()
    saved = state.findings[0].owasp
    state.findings[0].owasp = ["LLM01:2025"]
    try:
        context = build_report_context(project, generated_at=STAMP, commit="")
        shown = [f for g in context.groups for f in g.findings if f.owasp]
        assert [f.owasp for f in shown] == [["LLM01:2025"]]
        assert "OWASP: LLM01:2025" in render_report(context)
    finally:
        state.findings[0].owasp = saved


def test_attack_paths_are_sentences_with_a_chain(project, html):
    paths = html.split('id="attack-paths"', 1)[1].split('id="guideline-coverage"', 1)[0]
    result = project.state().result
    assert paths.count('<ol class="chain">') == min(len(result.attack_paths), 50)
    assert paths.count("an attacker reaches") == min(len(result.attack_paths), 50)
    assert len(re.findall(r"<circle ", paths)) == len(project.model.components())


def test_coverage_on_one_table_and_evidence_in_the_appendix(html):
    coverage = html.split('id="guideline-coverage"', 1)[1].split('id="owasp-coverage"', 1)[0]
    assert coverage.count("<tr>") == 18  # header and the seventeen guidelines
    assert "pass:" not in coverage and "fail:" not in coverage
    appendix = html.split('id="appendix"', 1)[1]
    assert appendix.count("<h3>") == 17 and ("fail:" in appendix or "pass:" in appendix)


def test_sign_off_block(html):
    block = html.split('id="sign-off"', 1)[1].split('id="appendix"', 1)[0]
    assert "<td>Risk owner</td><td>Dana Risk (Head of Support Engineering)</td>" in block
    assert "<td>Reviewer</td><td>Carol Checker</td>" in block
    assert "Signature" in block


def test_trend_against_a_previous_project(project, tmp_path):
    previous = tmp_path / "previous"
    shutil.copytree(project.path, previous)
    old = Project.open(previous, clock=lambda: FIXED_TIME)
    old.edit_model(lambda m: m.update_component("vector-store", per_document_access_control=False))
    old.clear_override("fx-direct-prompt-injection@llm")
    context = build_report_context(project, generated_at=STAMP, commit="", previous=previous_state(previous, project))
    assert context.trend is not None and context.trend.previous == str(previous)
    assert all(b.previous_inherent is not None for b in context.bands)
    assert sum(b.previous_inherent or 0 for b in context.bands) == len(old.state().rows)
    html = render_report(context)
    assert "Trend since" in html and "Inherent then" in html


# -- safety -------------------------------------------------------------------------------


def hostile_project(folder: Path) -> Project:
    p = Project.create(
        folder, template="support-assistant", actor=HOSTILE, clock=lambda: FIXED_TIME
    )
    p.edit_model(lambda m: m.update_component("llm", name=f"LLM {HOSTILE}", description=HOSTILE))
    p.edit_model(lambda m: m.update_zone("internet", name=f"Zone {HOSTILE}"))
    p.edit_model(
        lambda m: m.update_system(name=f"System {HOSTILE}", description=f"System {HOSTILE}")
    )
    p.set_report_settings(
        classification=HOSTILE,
        owner=f"owner {HOSTILE}",
        authors=[HOSTILE],
        reviewers=[f"reviewer {HOSTILE}"],
        scope_in=[HOSTILE],
        scope_out=[{"item": HOSTILE, "why": HOSTILE}],
    )
    fid = next(r["id"] for r in p.state().rows if r["element"] == "llm")
    # owners and tickets of a chosen mitigation refuse brackets and spaces; the note takes any text
    p.choose_mitigation(fid, "AML.M0020", status="done", owner="Web & Apps", note=HOSTILE,
                        ticket="https://ok.example.com/a&b\"c")
    p.decide(
        fid,
        "mitigate",
        f"rationale {HOSTILE}",
        owner=f"owner {HOSTILE}",
        review_by="2027-01-01",
        due="2027-01-01",
        mitigations=["AML.M0020"],
        links=[JS_LINK, f"https://ok.example.com/{HOSTILE}", "data:text/html,<b>x</b>"],
        by=HOSTILE,
    )
    p.override(fid, impact=2, reason=f"reason {HOSTILE}", by=HOSTILE)
    p.set_note(fid, f"note {HOSTILE}")
    p.add_manual_finding("llm", f"manual {HOSTILE}", reason=f"reason {HOSTILE}", by=HOSTILE)
    return p


def test_html_payload_in_every_user_field_stays_inert(tmp_path):
    p = hostile_project(tmp_path / "p")
    html = render_html_report(p, generated_at=STAMP, commit="")
    parsed = _parse(html)
    tags = {t for t, _ in parsed.tags}
    assert not tags & {"script", "iframe", "object", "embed", "link", "img", "base", "form"}
    for tag, attrs in parsed.tags:
        assert not any(k.startswith("on") for k in attrs), (tag, attrs)
        if tag == "a":
            assert re.match(r"^https://[a-z.]+/", attrs["href"] or ""), attrs
            assert "<" not in (attrs["href"] or "")
    assert "<script" not in html.lower() and "javascript:" not in re.sub(r">[^<]*<", "><", html)
    text = "".join(parsed.text)
    assert text.count(HOSTILE) >= 15  # shown as text, every time
    assert JS_LINK in text  # the javascript: link is shown, never linked
    style = html.split("<style>", 1)[1].split("</style>", 1)[0]
    assert "<" not in style.split("@page", 1)[1]  # the running header is a CSS-escaped string


def test_markdown_payload_stays_inert(tmp_path):
    p = hostile_project(tmp_path / "p")
    md = render_markdown_report(p, generated_at=STAMP, commit="")
    assert "<img" not in md and "<script" not in md
    assert "](javascript:" not in md and "<javascript:" not in md
    assert f"`{JS_LINK}`" in md
    assert "&lt;img src=x onerror=alert(1)&gt;" in md


@pytest.mark.parametrize(
    ("href", "linked"),
    [
        ("https://tracker.example.com/SEC-1", True),
        ("http://tracker.example.com/x?a=1&b=2", True),
        ("javascript:alert(1)", False),
        ("JaVaScRiPt:alert(1)", False),
        (" javascript:alert(1)", False),
        ("data:text/html,x", False),
        ('https://x.example.com/"onmouseover=alert(1)', False),
        ("SEC-42", False),
        ("//evil.example.com/x", False),
    ],
)
def test_only_web_addresses_become_links(href, linked):
    assert (safe_link(href).href is not None) is linked


# -- settings -----------------------------------------------------------------------------


def test_report_settings_round_trip_through_project_yaml(project):
    again = Project.open(project.path)
    assert again.report_settings() == project.report_settings()
    text = (project.path / "project.yaml").read_text(encoding="utf-8")
    assert "classification: OFFICIAL-SENSITIVE" in text


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("report: [a]\n", "report: expected a mapping"),
        ("report:\n  authors: 3\n", "report.authors: expected a list of names, got 3"),
        ("report:\n  classification: [x]\n", "report.classification: expected text"),
        ("report:\n  scope: out\n", "report.scope: expected a mapping with in and out"),
        ("report:\n  scope:\n    out:\n      - why: x\n", "report.scope.out.0.item: expected"),
        ("report:\n  colour: red\n", "unknown setting colour"),
    ],
)
def test_bad_report_settings_name_the_file_line_and_field(tmp_path, yaml_text, message):
    p = Project.create(tmp_path / "p", template="support-assistant", actor="a")
    path = p.path / "project.yaml"
    path.write_text(path.read_text(encoding="utf-8") + yaml_text, encoding="utf-8")
    with pytest.raises(InputError) as exc:
        Project.open(p.path)
    assert message in str(exc.value) and "project.yaml" in str(exc.value)
    assert re.search(r"project\.yaml line \d+: ", str(exc.value))


def test_a_bad_gate_band_is_refused_and_nothing_is_saved(tmp_path):
    p = Project.create(tmp_path / "p", template="support-assistant", actor="a")
    before = (p.path / "project.yaml").read_bytes()
    with pytest.raises(InputError, match=r"report\.gate: expected a band"):
        p.set_report_settings(gate="severe")
    with pytest.raises(InputError, match=r"report\.authors"):
        p.set_report_settings(authors=[["nested"]])  # type: ignore[list-item]
    assert (p.path / "project.yaml").read_bytes() == before
    assert p.report_settings() == report_settings_from(None)


# -- determinism, atomic writes, the command ----------------------------------------------


def test_report_is_deterministic_and_written_atomically(project, tmp_path):
    a = render_html_report(project, generated_at=STAMP, commit="")
    assert a == render_html_report(project, generated_at=STAMP, commit="")
    path = write_html_report(project, tmp_path / "report.html", generated_at=STAMP, commit="")
    assert path.read_text(encoding="utf-8") == a


def test_print_stylesheet(html):
    style = html.split("<style>", 1)[1].split("</style>", 1)[0]
    assert "@page" in style and "counter(page)" in style and "counter(pages)" in style
    assert "@top-left" in style and "break-inside:avoid" in style
    assert "size:" not in style.split("@page", 1)[1].split("@top-left", 1)[0]
    sizes = [float(x) for x in re.findall(r"font-size:([\d.]+)pt", style)]
    assert sizes and min(sizes) >= 8
    assert all(int(px) >= 11 for px in re.findall(r"font-size:(\d+)px", style))


def test_graph_slices_fit_the_page_at_full_size(tmp_path):
    from benchmarks.synthetic import generate

    p = Project.create(tmp_path / "p", model=generate(60, seed=3), actor="a")
    context = build_report_context(p, generated_at=STAMP, commit="")
    assert len(context.graph) > 1
    assert all(s.width <= 660 for s in context.graph)
    assert sum(len(s.nodes) for s in context.graph) == len(p.model.components())
    html = render_report(context)
    for width in re.findall(r'<svg [^>]*width="(\d+)"', html):
        assert int(width) <= 660


def test_no_browser_means_a_clear_message_and_nothing_written(project, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_CHROMIUM", str(tmp_path / "no-such-browser"))
    target = tmp_path / "report.pdf"
    target.write_bytes(b"%PDF previous")
    with pytest.raises(ReportError, match="print it from a browser"):
        write_pdf_report(project, target, generated_at=STAMP)
    assert target.read_bytes() == b"%PDF previous"


def test_report_command(project, tmp_path, capsys):
    from workbench.cli import main

    out = tmp_path / "r.md"
    code = main(
        [
            "report",
            str(project.path),
            "--format",
            "markdown",
            "--output",
            str(out),
            "--generated-at",
            STAMP,
        ]
    )
    assert code == 0 and "wrote" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8").startswith("**OFFICIAL-SENSITIVE**")
    assert main(["report", str(project.path), "--generated-at", STAMP]) == 0
    assert capsys.readouterr().out.startswith("<!DOCTYPE html>")
    assert main(["report", str(project.path), "--format", "pdf"]) == 2
    assert "--output" in capsys.readouterr().err
    assert main(["report", str(project.path), "--previous", str(tmp_path / "nope")]) == 2
    assert "--previous" in capsys.readouterr().err


def test_report_date_defaults_to_the_project_clock(project):
    context = build_report_context(project, commit="")
    assert context.generated_at == FIXED_TIME.isoformat()
    assert context.summary.gate.band == "high"
    later = build_report_context(project, commit="", as_of=dt.date(2026, 12, 1))
    assert "2 decisions past their review date" in later.summary.undecided
    assert [d.overdue for d in later.decisions] == [True, True]
    assert "overdue" in render_report(later)


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


def test_cover_says_when_the_decision_log_does_not_verify(project, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(project.path, copy)
    log = copy / "decisions.jsonl"
    log.write_text(
        log.read_text(encoding="utf-8").replace("Tolerable", "Acceptable"), encoding="utf-8"
    )
    tampered = Project.open(copy, clock=lambda: FIXED_TIME)
    context = build_report_context(tampered, generated_at=STAMP, commit="")
    assert not context.log_ok and context.log_problem
    cover = render_report(context).split('<section class="summary"', 1)[0]
    assert "does not verify" in cover and context.log_problem in cover


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_cover_names_the_git_commit_of_a_checkout(tmp_path):
    import subprocess

    from workbench.export.report import git_commit

    p = Project.create(tmp_path / "repo" / "p", template="support-assistant", actor="a")
    assert git_commit(p.path) == ""  # not a checkout
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "HOME": str(tmp_path),
        "PATH": __import__("os").environ["PATH"],
    }

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(tmp_path / "repo"), *args],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        return done.stdout.strip()

    git("init", "-q")
    git("add", "-A")
    git("commit", "-q", "-m", "model")
    head = git("rev-parse", "HEAD")
    assert git_commit(p.path) == head
    assert build_report_context(p, generated_at=STAMP).commit == head
    p.edit_model(lambda m: m.update_component("llm", name="Another LLM"))
    assert git_commit(p.path) == f"{head} (model.yaml has changes not committed)"
