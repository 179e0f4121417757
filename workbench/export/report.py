"""The threat-model report a risk owner signs: HTML, Markdown and PDF.

Everything the report shows is gathered once, by :func:`build_report_context`,
into a typed :class:`ReportContext` of plain values (text, numbers, lists); the
templates in ``workbench/export/templates/`` only lay it out. Jinja2 renders
both formats with autoescaping on, so a string from a model, a rule or an
analyst can never become markup: the HTML report has no script at all, no
external stylesheet, font or image, and links only to ``http(s)`` addresses.

The order of the report: cover (system, owner, model version, scope, authors,
reviewers, classification, decision-log status), executive summary, risk
pictures (inherent and residual heatmaps, and the trend against a previous
version), mitigation plan, decisions and score overrides, findings grouped by
band, attack paths, guideline coverage, sign-off, and the coverage evidence as
an appendix. The print stylesheet fits A4 and Letter, numbers the pages, repeats
a running header and keeps table rows whole; the system graph is cut into
page-wide slices so that its text never prints under 8 pt.

PDF comes from a headless Chromium (:func:`write_pdf_report`); without one the
error says to print the HTML from a browser. Time grows linearly with the
project: every lookup goes through dictionaries built once.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from workbench._atomic import atomic_write_bytes, atomic_write_text
from workbench.errors import WorkbenchError

__all__ = [
    "ReportContext",
    "ReportError",
    "build_report_context",
    "find_chromium",
    "render_html_report",
    "render_markdown_report",
    "render_report",
    "write_html_report",
    "write_markdown_report",
    "write_pdf_report",
    "write_report",
]

ATLAS = "https://atlas.mitre.org/"
GREY = "#BBBBBB"
TOP_RISKS = 5
TOP_ACTIONS = 3
SUMMARY_ITEMS = 3  # undecided findings and gate failures named on the one-page summary
MAX_PATHS = 50
NODE_W, NODE_H = 115.0, 88.0  # SVG units (CSS px) per layout unit
SLICE_W = 660.0  # widest graph slice: fits A4 and Letter at 1:1, so 12 px text prints at 9 pt
PAD = 10.0
LABEL_CHARS = 16
PAPERS = ("a4", "letter")


class ReportError(WorkbenchError):
    """The report cannot be produced as asked (no browser for PDF, the browser failed)."""

    exit_code = 2


# ----------------------------------------------------------------------------- the context


@dataclass(frozen=True)
class Link:
    """A link as the report shows it: ``href`` is set only for http(s) addresses."""

    text: str
    href: str | None = None


@dataclass(frozen=True)
class Technique:
    id: str
    name: str
    href: str | None


@dataclass(frozen=True)
class BandCount:
    band: str
    colour: str
    inherent: int
    residual: int
    previous_inherent: int | None = None
    previous_residual: int | None = None


@dataclass(frozen=True)
class HeatCell:
    likelihood: int
    impact: int
    score: int
    band: str
    colour: str
    count: int


@dataclass(frozen=True)
class HeatRow:
    likelihood: int
    label: str
    cells: list[HeatCell]


@dataclass(frozen=True)
class Heatmap:
    title: str
    note: str
    total: int
    impacts: list[tuple[int, str]]
    rows: list[HeatRow]


@dataclass(frozen=True)
class Gate:
    passed: bool
    band: str
    verdict: str
    failing: list[str]


@dataclass(frozen=True)
class Action:
    mitigation: str
    name: str
    href: str | None
    sentence: str
    lowers_by: int
    findings: int


@dataclass(frozen=True)
class Summary:
    overview: str
    top_risks: list[str]
    undecided: str
    undecided_items: list[str]
    gate: Gate
    actions: list[Action]


@dataclass(frozen=True)
class Trend:
    previous: str
    lines: list[str]
    added: int
    removed: int
    moved: list[str]


@dataclass(frozen=True)
class PlanFinding:
    id: str
    title: str
    element: str
    before: int
    after: int


@dataclass(frozen=True)
class PlanItem:
    mitigation: str
    name: str
    href: str | None
    status: str
    owner: str
    due: str
    tickets: list[Link]
    effect: str
    findings: list[PlanFinding]
    note: str


@dataclass(frozen=True)
class DecisionItem:
    id: str
    findings: list[str]
    treatment: str
    rationale: str
    owner: str
    decided_by: str
    date: str
    review_by: str
    overdue: bool
    links: list[Link]
    history: list[str]
    #: What the treatment names beyond the rationale (due date, carrier, design change, ...).
    details: list[str] = field(default_factory=list)
    #: Who signed the record ("signed by Alice", "unsigned", ...).
    signature: str = ""


@dataclass(frozen=True)
class OverrideItem:
    finding: str
    title: str
    change: str
    reason: str
    by: str
    at: str


@dataclass(frozen=True)
class FindingItem:
    id: str
    title: str
    element: str
    manual: bool
    score: int
    band: str
    colour: str
    residual_score: int
    residual_band: str
    residual_colour: str
    status: str
    treatment: str
    owner: str
    techniques: list[Technique]
    owasp: list[str]
    reason: str
    evidence: list[str]
    assumptions: list[str]
    open_questions: list[str]
    likelihood_reason: str
    impact_reason: str
    mitigations: list[str]
    note: str


@dataclass(frozen=True)
class FindingGroup:
    band: str
    colour: str
    findings: list[FindingItem]


@dataclass(frozen=True)
class PathStep:
    name: str
    technique: str
    technique_name: str


@dataclass(frozen=True)
class PathItem:
    sentence: str
    entry: str
    steps: list[PathStep]
    max_score: int


@dataclass(frozen=True)
class GraphZone:
    x: float
    width: float
    labels: list[str]
    label_x: float


@dataclass(frozen=True)
class GraphFlow:
    x1: float
    y1: float
    x2: float
    y2: float
    title: str


@dataclass(frozen=True)
class GraphNode:
    x: float
    y: float
    colour: str
    letter: str
    labels: list[str]
    title: str


@dataclass(frozen=True)
class GraphSlice:
    x0: float
    width: float
    height: float
    zones: list[GraphZone]
    flows: list[GraphFlow]
    nodes: list[GraphNode]


@dataclass(frozen=True)
class FrameworkRow:
    """One OWASP item: its publisher-style id (linked), name, status and why."""

    item: Link
    name: str
    status: str
    status_text: str
    findings: list[str]
    reason: str


@dataclass(frozen=True)
class FrameworkSection:
    """Coverage of one OWASP framework: counts per status and one row per item."""

    id: str
    name: str
    version: str
    source: Link
    licence: str
    counts: list[tuple[str, int]]
    rows: list[FrameworkRow]


@dataclass(frozen=True)
class GuidelineRow:
    number: str
    title: str
    stage: str
    state: str
    passed: int
    failed: int
    unknown: int
    findings: int
    open_findings: int


@dataclass(frozen=True)
class EvidenceCheck:
    status: str
    text: str
    details: list[str]


@dataclass(frozen=True)
class GuidelineEvidence:
    number: str
    title: str
    checks: list[EvidenceCheck]


@dataclass(frozen=True)
class Signatory:
    role: str
    name: str


@dataclass
class ReportContext:
    """Everything the report shows, as plain values (no markup anywhere)."""

    title: str
    system_id: str
    system_name: str
    description: str
    generated_at: str
    date: str
    classification: str
    owner: str
    authors: list[str]
    reviewers: list[str]
    scope_in: list[tuple[str, str]]
    scope_out: list[tuple[str, str]]
    model_hash: str
    commit: str
    atlas_version: str
    rules_digest: str
    log_ok: bool
    log_problem: str
    log_records: int
    log_head: str
    components: int
    zones: int
    flows: int
    finding_count: int
    bands: list[BandCount]
    summary: Summary
    inherent: Heatmap
    residual: Heatmap
    trend: Trend | None
    plan: list[PlanItem]
    unmitigated: int
    decisions: list[DecisionItem]
    orphaned: list[str]
    overrides: list[OverrideItem]
    groups: list[FindingGroup]
    #: The unstated attributes whose answer would change the most risk, highest first.
    questions: list[str]
    paths: list[PathItem]
    more_paths: int
    graph: list[GraphSlice]
    coverage: list[GuidelineRow]
    evidence: list[GuidelineEvidence]
    signatories: list[Signatory]
    paper: str | None = None
    #: per-framework coverage (OWASP LLM Top 10 2025, OWASP Agentic Threats T1-T15)
    frameworks: list[FrameworkSection] = field(default_factory=list)


# ----------------------------------------------------------------------------- helpers


def safe_link(text: Any, href: Any = None) -> Link:
    """A :class:`Link` that points somewhere only for an ``http(s)`` address (never ``javascript:``)."""
    label = "" if text is None else str(text)
    target = label if href is None else str(href)
    target = target.strip()
    try:
        parts = urlsplit(target)
    except ValueError:
        return Link(label)
    ok = (
        parts.scheme.lower() in ("http", "https")
        and bool(parts.netloc)
        and not any(ord(ch) < 33 or ch in "\"'<>`\\" for ch in target)
    )
    return Link(label, target if ok else None)


def _technique(catalog: Any, tid: str) -> Technique:
    if tid in catalog:
        return Technique(tid, catalog.technique(tid).display_name, catalog.url(tid))
    return Technique(tid, "", None)


def _mitigation_name(catalog: Any, controls: Any, mid: str) -> tuple[str, str | None]:
    if mid in catalog:
        try:
            m = catalog.mitigation(mid)
            return m.name, m.url
        except (KeyError, LookupError):
            return mid, None
    control = controls.get(mid)
    return (control.title if control is not None else mid), None


def _short(text: str, n: int = 22) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _wrap(text: str, width: int, lines: int) -> list[str]:
    """Words in at most *lines* lines of *width* characters (the last one cut with an ellipsis)."""
    out: list[str] = []
    for word in text.split():
        if out and len(out[-1]) + 1 + len(word) <= width:
            out[-1] += " " + word
        else:
            out.append(word)
    if len(out) > lines:
        out = [*out[: lines - 1], " ".join(out[lines - 1 :])]
    return [_short(line, width) for line in out] or [""]


def _shown(n: int) -> int:
    """How many of *n* items the summary names: all of them up to one over the limit."""
    return n if n <= SUMMARY_ITEMS + 1 else SUMMARY_ITEMS


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _and(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


_ASSUMED = re.compile(r"^(?P<attr>[A-Za-z0-9_.-]+) not stated \(assumed (?P<value>.+)\)$")


def _question(assumption: str, element: str) -> str:
    """The open question behind an assumption: which unstated attribute would change the finding."""
    found = _ASSUMED.match(assumption.strip())
    if found is None:
        return f"Is it true for {element} that {assumption}? Stating it may change this finding."
    return (
        f"What is {found['attr']} of {element}? The analysis assumed {found['value']}; "
        "stating it may lower or remove this finding."
    )


_DETAIL_WORDS = {
    "mitigations": "mitigations",
    "due": "due",
    "carrier": "risk carried by",
    "design_change": "design change",
    "confirmed_by": "confirmed by",
}


def _decision_details(decision: Any) -> list[str]:
    out = []
    for key, value in decision.details().items():
        shown = ", ".join(value) if isinstance(value, list) else str(value)
        out.append(f"{_DETAIL_WORDS.get(key, key)}: {shown}")
    return out


def _file_hash(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def git_commit(folder: Path) -> str:
    """``<commit>`` of the git checkout holding *folder* (``… + changes`` when model.yaml differs)."""
    git = shutil.which("git")
    if git is None:
        return ""
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}
    try:
        head = subprocess.run(
            [git, "-C", str(folder), "rev-parse", "--verify", "-q", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            env=env,
            check=False,
        )
        if head.returncode != 0:
            return ""
        commit = head.stdout.strip()
        dirty = subprocess.run(
            [git, "-C", str(folder), "status", "--porcelain", "--", "model.yaml"],
            capture_output=True,
            text=True,
            timeout=10,
            env=env,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    if dirty.returncode == 0 and dirty.stdout.strip():
        return f"{commit} (model.yaml has changes not committed)"
    return commit


# ----------------------------------------------------------------------------- building


class _Builder:
    """Each section of the context from the project, one method per section.

    The mitigation plan comes from the chosen mitigations of the assessment, a
    decision's history from the supersedes chain of the decision log, the open
    questions from :func:`workbench.rules.questions.open_questions` (the
    findings' assumptions where it has none): each method is the one place to
    change when the project offers that data directly.
    """

    def __init__(self, project: Any, as_of: dt.date | None) -> None:
        self.project = project
        self.model = project.model
        self.matrix = project.matrix
        self.catalog = project.catalog
        self.controls = project.rules.controls
        self.state = project.state(as_of=as_of)
        self.rows = self.state.rows
        self.row_of = {r["id"]: r for r in self.rows}
        self.finding_of = {f.id: f for f in self.state.findings}
        from workbench.rules.questions import open_questions

        self.questions = open_questions(self.state.result)
        self.questions_of: dict[str, list[str]] = {}
        for q in self.questions:
            for fid in q.findings:
                self.questions_of.setdefault(fid, []).append(q.text)
        self.band_names = list(self.matrix.band_names())  # rising
        self.colours = {b: self.matrix.colour(b) for b in self.band_names}
        self._techniques: dict[str, Technique] = {}

    def technique(self, tid: str) -> Technique:
        found = self._techniques.get(tid)
        if found is None:
            found = self._techniques[tid] = _technique(self.catalog, tid)
        return found

    def colour(self, band: str | None) -> str:
        return self.colours.get(band or "", GREY)

    def rank(self, band: str | None) -> int:
        try:
            return self.matrix.band_rank(band) if band else -1
        except ValueError:
            return -1

    # -- counts and pictures
    def band_counts(self, previous: Any) -> list[BandCount]:
        inh = Counter(r["band"] for r in self.rows)
        res = Counter(r["residual_band"] for r in self.rows)
        prev_inh = prev_res = None
        if previous is not None:
            prev_inh = Counter(r["band"] for r in previous)
            prev_res = Counter(r["residual_band"] for r in previous)
        return [
            BandCount(
                b,
                self.colour(b),
                inh.get(b, 0),
                res.get(b, 0),
                None if prev_inh is None else prev_inh.get(b, 0),
                None if prev_res is None else prev_res.get(b, 0),
            )
            for b in reversed(self.band_names)
        ]

    def heatmap(self, title: str, note: str, prefix: str) -> Heatmap:
        m = self.matrix
        counts = Counter((r[prefix + "likelihood"], r[prefix + "impact"]) for r in self.rows)
        impacts = [(i, m.impact_label(i)) for i in range(1, m.max_impact + 1)]
        rows = []
        for lik in range(m.max_likelihood, 0, -1):
            cells = []
            for imp, _label in impacts:
                band = m.band(lik, imp)
                cells.append(
                    HeatCell(
                        lik,
                        imp,
                        m.score(lik, imp),
                        band,
                        self.colour(band),
                        counts.get((lik, imp), 0),
                    )
                )
            rows.append(HeatRow(lik, m.likelihood_label(lik), cells))
        return Heatmap(title, note, len(self.rows), impacts, rows)

    # -- executive summary
    def _status_phrase(self, r: dict[str, Any]) -> str:
        if r["status"] == "open":
            return "no decision yet"
        owner = f", owner {r['owner']}" if r.get("owner") else ""
        if r["status"] == "review_due":
            return f"its {r['treatment']} decision was due for review on {r['review_by']}{owner}"
        return f"decided: {r['treatment']}{owner}"

    def risk_sentence(self, r: dict[str, Any]) -> str:
        residual = (
            f"still {r['residual_band']} ({r['residual_score']}) after mitigations"
            if r["residual_score"] == r["score"]
            else f"{r['residual_band']} ({r['residual_score']}) after mitigations"
        )
        return (
            f"{r['title']} on {r['element_name']}: {r['band']} ({r['score']}), {residual}; "
            f"{self._status_phrase(r)}."
        )

    def summary(self, gate_band: str) -> Summary:
        rows = self.rows
        ordered = sorted(
            rows, key=lambda r: (-(r["residual_score"] or 0), -(r["score"] or 0), r["id"])
        )
        top = [self.risk_sentence(r) for r in ordered[:TOP_RISKS]]
        high = self.rank(gate_band)
        inh_high = sum(1 for r in rows if self.rank(r["band"]) >= high)
        res_high = sum(1 for r in rows if self.rank(r["residual_band"]) >= high)
        overview = (
            f"{self.model.name} has {_plural(len(rows), 'finding')} on "
            f"{_plural(len(self.model.components()), 'component')} in "
            f"{_plural(len(self.model.zones()), 'trust zone')}. "
            f"{inh_high} of them are {gate_band} or worse before mitigations and {res_high} after "
            "the mitigations implemented or verified so far."
        )
        open_rows = [r for r in ordered if r["status"] == "open"]
        due_rows = [r for r in ordered if r["status"] == "review_due"]
        if not open_rows and not due_rows:
            undecided = "Every finding has a current decision and no review is overdue."
        else:
            undecided = (
                f"{_plural(len(open_rows), 'finding')} without a decision; "
                f"{_plural(len(due_rows), 'decision')} past {'its' if len(due_rows) == 1 else 'their'} "
                "review date."
            )
        items = [
            f"{r['title']} on {r['element_name']} ({r['band']} {r['score']}): "
            + ("no decision" if r["status"] == "open" else f"review was due {r['review_by']}")
            for r in (due_rows + open_rows)[: _shown(len(due_rows) + len(open_rows))]
        ]
        rest = len(due_rows) + len(open_rows) - len(items)
        if rest > 0:
            items.append(f"and {rest} more (see Findings)")
        failing = self.project.undecided(gate_band, as_of=self.state.as_of)
        if failing:
            verdict = (
                f"Fails: {_plural(len(failing), 'finding')} at {gate_band} or above "
                f"{'has' if len(failing) == 1 else 'have'} no current decision or "
                f"{'is' if len(failing) == 1 else 'are'} past review."
            )
        else:
            verdict = f"Passes: every finding at {gate_band} or above has a current decision."
        gate = Gate(
            not failing,
            gate_band,
            verdict,
            [
                f"{r['title']} on {r['element_name']} ({r['status']})"
                for r in failing[: _shown(len(failing))]
            ]
            + (
                [f"and {len(failing) - SUMMARY_ITEMS} more"]
                if len(failing) > _shown(len(failing))
                else []
            ),
        )
        return Summary(overview, top, undecided, items, gate, self.actions())

    def actions(self) -> list[Action]:
        """Mitigations not yet in place, ranked by how far they would lower the residual scores."""
        from workbench.risk.mitigations import candidates_for

        m = self.matrix
        gain: dict[str, list[int]] = {}
        chosen_status: dict[str, set[str]] = {}
        owners: dict[str, set[str]] = {}
        candidate_cache: dict[tuple[tuple[str, ...], ...], list[Any]] = {}  # findings of one rule
        for r in self.rows:
            f = self.finding_of.get(r["id"])
            if f is None:
                continue
            lik, imp = r["residual_likelihood"], r["residual_impact"]
            if lik is None or imp is None:
                continue
            effects: dict[str, tuple[int, int]] = {}
            done = set()
            for c in self.project.assessment.mitigations.get(f.id, []):
                if c.status == "planned":
                    effects[c.id] = (c.likelihood_effect, c.impact_effect)
                    chosen_status.setdefault(c.id, set()).add(c.status)
                    if c.owner:
                        owners.setdefault(c.id, set()).add(str(c.owner))
                else:
                    done.add(c.id)
            key = (
                tuple(f.techniques),
                tuple(f.mitigations),
                tuple(f.controls),
                tuple(f.guidelines),
            )
            cands = candidate_cache.get(key)
            if cands is None:
                cands = candidate_cache[key] = candidates_for(f, self.catalog, self.controls)
            for cand in cands:
                if cand.id not in effects and cand.id not in done:
                    effects[cand.id] = (cand.likelihood_effect, cand.impact_effect)
            for mid, (dl, di) in effects.items():
                after = m.score(m.clamp_likelihood(lik + dl), m.clamp_impact(imp + di))
                drop = r["residual_score"] - after
                if drop > 0:
                    g = gain.setdefault(mid, [0, 0])
                    g[0] += drop
                    g[1] += 1
        ranked = sorted(gain.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[0]))
        out = []
        for mid, (drop, n) in ranked[:TOP_ACTIONS]:
            name, href = _mitigation_name(self.catalog, self.controls, mid)
            if mid in chosen_status:
                who = f" (owner {_and(sorted(owners[mid]))})" if owners.get(mid) else ""
                verb = f"Put the planned {mid} {name}{who} in place"
            else:
                verb = f"Choose and implement {mid} {name}"
            sentence = (
                f"{verb}: it lowers the residual score of {_plural(n, 'finding')} "
                f"by {drop} in total."
            )
            out.append(Action(mid, name, href, sentence, drop, n))
        return out

    # -- plan, decisions, overrides
    def plan(self) -> tuple[list[PlanItem], int]:
        from workbench.risk.mitigations import residual_risk

        m = self.matrix
        groups: dict[tuple[str, str, str, str, tuple[str, ...]], list[tuple[Any, Any]]] = {}
        unmitigated = 0
        for r in self.rows:
            chosen = self.project.assessment.mitigations.get(r["id"], [])
            if not chosen:
                unmitigated += 1
            decision = self.state.current.get(r["id"])
            for c in chosen:
                due = getattr(c, "due", None) or (
                    decision.review_by
                    if decision is not None and decision.treatment == "mitigate"
                    else None
                )
                ticket = getattr(c, "ticket", None)
                tickets: tuple[str, ...] = (
                    (str(ticket),)
                    if ticket
                    else (
                        tuple(decision.links)
                        if decision is not None and decision.treatment == "mitigate"
                        else ()
                    )
                )
                key = (c.id, c.status, str(c.owner or ""), str(due or ""), tickets)
                groups.setdefault(key, []).append((r, c))
        order = {"verified": 3, "done": 2, "implemented": 2, "in_progress": 1, "planned": 0}
        items = []
        for (mid, status, owner, due, tickets), members in sorted(
            groups.items(), key=lambda kv: (order.get(kv[0][1], 3), kv[0][3] or "9999", kv[0])
        ):
            name, href = _mitigation_name(self.catalog, self.controls, mid)
            findings = []
            effects = set()
            notes = []
            for r, c in members:
                chosen = self.project.assessment.mitigations.get(r["id"], [])
                without = [x for x in chosen if x.id != c.id]
                lik, imp = r["likelihood"], r["impact"]
                _a, _b, before, _c = residual_risk(lik, imp, without, m, include_planned=True)
                _a, _b, after, _c = residual_risk(lik, imp, chosen, m, include_planned=True)
                findings.append(PlanFinding(r["id"], r["title"], r["element_name"], before, after))
                effects.add((c.likelihood_effect, c.impact_effect))
                for text in (c.note, getattr(c, "effect_reason", None)):
                    if text and text not in notes:
                        notes.append(text)
            steps = "; ".join(
                f"likelihood {dl:+d}, impact {di:+d}" for dl, di in sorted(effects, reverse=True)
            )
            before = sum(f.before for f in findings)
            after = sum(f.after for f in findings)
            counted = (
                "counts now" if status in ("done", "implemented", "verified") else "once in place"
            )
            effect = f"{steps}: total score {before} → {after} ({counted})"
            items.append(
                PlanItem(
                    mid,
                    name,
                    href,
                    status,
                    owner,
                    due,
                    [safe_link(t) for t in tickets],
                    effect,
                    findings,
                    "; ".join(notes),
                )
            )
        return items, unmitigated

    def decisions(self) -> tuple[list[DecisionItem], list[str]]:
        from workbench.risk.signing import decision_signatures

        signatures = {k: v.label for k, v in decision_signatures(self.project).items()}
        all_decisions = self.project.log.decisions()
        by_id = {d.id: d for d in all_decisions}
        superseded = {d.supersedes for d in all_decisions if d.supersedes}
        as_of = self.state.as_of
        out = []
        for d in all_decisions:
            if d.id in superseded:
                continue
            history = []
            seen = {d.id}
            prev = by_id.get(d.supersedes or "")
            while prev is not None and prev.id not in seen:
                seen.add(prev.id)
                who = f", owner {prev.owner}" if prev.owner else ""
                history.append(
                    f"{prev.date}: {prev.id} {prev.treatment} by {prev.decided_by}{who}: "
                    f"{prev.rationale}"
                )
                prev = by_id.get(prev.supersedes or "")
            overdue = False
            if d.review_by:
                try:
                    overdue = dt.date.fromisoformat(str(d.review_by)[:10]) < as_of
                except ValueError:
                    overdue = False
            out.append(
                DecisionItem(
                    d.id,
                    list(d.findings),
                    d.treatment,
                    d.rationale,
                    d.owner or "",
                    d.decided_by,
                    d.date,
                    d.review_by or "",
                    overdue,
                    [safe_link(x) for x in d.links],
                    history,
                    _decision_details(d),
                    signatures.get(d.id, "unsigned"),
                )
            )
        orphaned = [
            f"{d.id} ({d.treatment}): {', '.join(missing)}" for d, missing in self.state.orphaned
        ]
        return out, orphaned

    def overrides(self) -> list[OverrideItem]:
        out = []
        for fid, ov in sorted(self.project.assessment.overrides.items()):
            f = self.finding_of.get(fid)
            r = self.row_of.get(fid)
            parts = []
            if ov.get("likelihood") is not None and f is not None:
                parts.append(f"likelihood {f.likelihood} → {ov['likelihood']}")
            if ov.get("impact") is not None and f is not None:
                parts.append(f"impact {f.impact} → {ov['impact']}")
            if f is not None and r is not None:
                parts.append(f"score {f.score} → {r['score']}")
            out.append(
                OverrideItem(
                    fid,
                    r["title"] if r else "(finding no longer exists)",
                    "; ".join(parts),
                    str(ov.get("reason") or ""),
                    str(ov.get("by") or ""),
                    str(ov.get("at") or ""),
                )
            )
        return out

    # -- findings
    def groups(self) -> list[FindingGroup]:
        by_band: dict[str, list[FindingItem]] = {}
        ordered = sorted(self.rows, key=lambda r: (-(r["score"] or 0), r["id"]))
        for r in ordered:
            f = self.finding_of.get(r["id"])
            assumptions = list(r.get("assumptions") or [])
            questions = self.questions_of.get(r["id"]) or [
                _question(a, r["element_name"]) for a in assumptions
            ]
            techniques = [self.technique(t) for t in (r.get("techniques") or []) if t]
            if not techniques and r.get("technique"):
                techniques = [self.technique(r["technique"])]
            owasp = getattr(f, "owasp", None) or r.get("owasp") or []
            by_band.setdefault(r["band"], []).append(
                FindingItem(
                    id=r["id"],
                    title=r["title"],
                    element=r["element_name"],
                    manual=bool(r["manual"]),
                    score=r["score"] or 0,
                    band=r["band"] or "",
                    colour=self.colour(r["band"]),
                    residual_score=r["residual_score"] or 0,
                    residual_band=r["residual_band"] or "",
                    residual_colour=self.colour(r["residual_band"]),
                    status=r["status"],
                    treatment=r.get("treatment") or "",
                    owner=r.get("owner") or "",
                    techniques=techniques,
                    owasp=[str(x) for x in owasp],
                    reason=r.get("reason") or "",
                    evidence=list(f.evidence) if f is not None else [],
                    assumptions=assumptions,
                    open_questions=questions,
                    likelihood_reason=r.get("likelihood_reason") or "",
                    impact_reason=r.get("impact_reason") or "",
                    mitigations=list(r.get("chosen_mitigations") or []),
                    note=r.get("notes") or "",
                )
            )
        return [
            FindingGroup(b, self.colour(b), by_band[b])
            for b in sorted(by_band, key=lambda b: -self.rank(b))
        ]

    # -- attack paths and the graph
    def paths(self) -> tuple[list[PathItem], int]:
        m = self.model
        tactic_names = {t.id: t.name for t in self.catalog.tactics()}
        all_paths = self.state.result.attack_paths
        out = []
        for p in all_paths[:MAX_PATHS]:

            def name(cid: str) -> str:
                return m.component(cid).name if cid in m else cid

            steps = []
            clauses = []
            for h in p.hops:
                tech = self.technique(h.technique)
                tactic = tactic_names.get(h.tactic, h.tactic)
                steps.append(PathStep(name(h.node), h.technique, tech.name))
                how = f"{tech.name} ({h.technique})" if tech.name else h.technique
                clauses.append(
                    f"reaches {name(h.node)} by {how}" + (f" for {tactic}" if tactic else "")
                )
            prepared = [
                f"{t.id} {t.name}".strip() for t in (self.technique(x) for x in p.preconditions)
            ]
            pre = f" (prepared by {_and(prepared)})" if prepared else ""
            worst = (
                f" The worst finding on the way scores {p.max_score}."
                if p.max_score
                else " No scored finding lies on the way."
            )
            sentence = (
                f"From {name(p.entry)}{pre}, an attacker {_and(clauses)}: "
                f"{name(p.target)} is a crown jewel.{worst}"
            )
            out.append(PathItem(sentence, name(p.entry), steps, p.max_score))
        return out, max(len(all_paths) - MAX_PATHS, 0)

    def graph(self) -> list[GraphSlice]:
        """The system graph in page-wide slices cut between zones (or, for a zone wider than a
        page, between its columns), each drawn at full size so that no text shrinks."""
        from workbench.layout import layout_model

        m = self.model
        lay = layout_model(m)
        best: dict[str, tuple[int, str]] = {}
        for r in self.rows:
            if (
                r["element_type"] == "component"
                and (r["score"] or 0) > best.get(r["element"], (0, ""))[0]
            ):
                best[r["element"]] = (r["score"] or 0, r["band"])
        top = 58.0
        height = lay.height * NODE_H + top + 12

        def px(p: tuple[float, float]) -> tuple[float, float]:
            return p[0] * NODE_W, top + (lay.height - p[1]) * NODE_H - NODE_H / 2 + 16

        pieces: list[tuple[float, float]] = []
        for z in lay.zones:
            x0, x1 = z.x0 * NODE_W, z.x1 * NODE_W
            if x1 - x0 + 2 * PAD <= SLICE_W:
                pieces.append((x0, x1))
            else:
                pieces += [
                    (x0 + k * NODE_W, x0 + (k + 1) * NODE_W) for k in range(round(z.x1 - z.x0))
                ]
        ranges: list[tuple[float, float]] = []
        for a, b in pieces:
            if ranges and b - ranges[-1][0] + 2 * PAD <= SLICE_W:
                ranges[-1] = (ranges[-1][0], b)
            else:
                ranges.append((a, b))
        if not ranges:
            ranges = [(0.0, NODE_W)]
        slices = [GraphSlice(a - PAD, b - a + 2 * PAD, height, [], [], []) for a, b in ranges]
        starts = [a for a, _ in ranges]

        def slice_of(x: float) -> int:
            return max(bisect.bisect_right(starts, x) - 1, 0)

        for z in lay.zones:
            x0, x1 = z.x0 * NODE_W, z.x1 * NODE_W
            first, last = slice_of(x0), slice_of(x1 - 1)
            for k in range(first, last + 1):
                sl = slices[k]
                lx = max(x0, sl.x0 + PAD) + 8
                room = max(int((min(x1, sl.x0 + sl.width - PAD) - lx) / 7.6), 6)
                name = z.name + (" (continued)" if k > first else "")
                sl.zones.append(
                    GraphZone(x0, x1 - x0, [_short(name, room), f"trust {z.trust}"], lx)
                )
        pos = {cid: px(p) for cid, p in lay.positions.items()}
        for f in m.flows():
            (x1, y1), (x2, y2) = pos[f.source], pos[f.target]
            dx, dy = x2 - x1, y2 - y1
            length = max((dx * dx + dy * dy) ** 0.5, 1.0)
            r = 16.0
            data = ", ".join(f.data) or "data not stated"
            line = GraphFlow(
                x1 + dx / length * r,
                y1 + dy / length * r,
                x2 - dx / length * r,
                y2 - dy / length * r,
                f"{f.id}: {f.source} → {f.target} ({data})",
            )
            for k in sorted({slice_of(x1), slice_of(x2)}):
                slices[k].flows.append(line)
        for c in m.components():
            x, y = pos[c.id]
            score, band = best.get(c.id, (0, ""))
            slices[slice_of(x)].nodes.append(
                GraphNode(
                    x,
                    y,
                    self.colour(band) if band else GREY,
                    band[:1].upper() if band else "–",
                    _wrap(c.name, LABEL_CHARS, 2),
                    f"{c.name} ({c.kind}, zone {c.zone})"
                    + (f": highest {band} {score}" if band else ": no finding"),
                )
            )
        return slices

    # -- coverage
    def coverage(self) -> tuple[list[GuidelineRow], list[GuidelineEvidence]]:
        from workbench.risk.coverage import guideline_coverage

        statuses = {r["id"]: r["status"] for r in self.rows}
        cov = guideline_coverage(
            self.model,
            findings=self.state.findings,
            decisions=self.state.current,
            as_of=self.state.as_of,
            statuses=statuses,
        )
        rows, evidence = [], []
        for g in cov.guidelines:
            counts = g.counts()
            rows.append(
                GuidelineRow(
                    g.number,
                    g.title,
                    g.stage_name,
                    g.state,
                    counts.get("pass", 0),
                    counts.get("fail", 0),
                    counts.get("unknown", 0),
                    len(g.findings),
                    len(g.open_findings),
                )
            )
            evidence.append(
                GuidelineEvidence(
                    g.number,
                    g.title,
                    [EvidenceCheck(c.status, c.text, list(c.details)) for c in g.checks],
                )
            )
        return rows, evidence


def _trend(project: Any, previous: Any) -> tuple[list[dict[str, Any]] | None, Trend]:
    prev_rows, diff = previous  # given by the caller: workbench.diff.previous_state
    prev_path = Path(diff.old_source)
    up = [x for x in diff.risk_moved if x.new_score > x.old_score]
    down = [x for x in diff.risk_moved if x.new_score < x.old_score]
    lines = [
        f"{_plural(len(diff.findings_added), 'finding')} appeared and "
        f"{_plural(len(diff.findings_removed), 'finding')} disappeared since {prev_path.name}.",
        f"{_plural(len(up), 'finding')} rose and {_plural(len(down), 'finding')} fell in score.",
    ]
    if diff.model_changed:
        parts = []
        for label, section in (
            ("component", diff.components),
            ("flow", diff.flows),
            ("zone", diff.zones),
        ):
            n = len(section.added) + len(section.removed) + len(section.changed)
            if n:
                parts.append(_plural(n, f"{label} change"))
        if parts:
            lines.append("The model changed: " + _and(parts) + ".")
    moved = [
        f"{x.title} on {x.element}: {x.old_band} {x.old_score} → {x.new_band} {x.new_score}"
        + (f" ({x.reason})" if x.reason else "")
        for x in sorted(
            diff.risk_moved, key=lambda x: (-abs(x.new_score - x.old_score), x.finding)
        )[:10]
    ]
    return prev_rows, Trend(
        str(prev_path), lines, len(diff.findings_added), len(diff.findings_removed), moved
    )


def build_report_context(
    project: Any,
    *,
    generated_at: str | None = None,
    previous: Any = None,
    commit: str | None = None,
    as_of: dt.date | None = None,
    paper: str | None = None,
) -> ReportContext:
    """Gather everything the report shows, once.

    ``previous`` is :func:`workbench.diff.previous_state` of an earlier project folder
    or model file: the risk pictures then show the trend against it.
    ``commit`` fixes the git commit shown on the cover (default: asked of git
    when the project is in a checkout); ``generated_at`` the report's time
    (default: the project's clock); ``paper`` (``a4`` or ``letter``) the printed
    page size (default: the browser's).
    """
    if paper is not None and paper not in PAPERS:
        raise ReportError(f"paper: expected one of {', '.join(PAPERS)}, got {paper!r}")
    settings = project.report_settings()
    b = _Builder(project, as_of)
    stamp = generated_at or project.clock().isoformat()
    verify = project.log.verify()
    prev_rows, trend = (None, None) if previous is None else _trend(project, previous)
    plan, unmitigated = b.plan()
    decisions, orphaned = b.decisions()
    paths, more = b.paths()
    coverage, evidence = b.coverage()
    owner = settings.owner or str(project.model.fact("owner") or "")
    reviewers = list(settings.reviewers)
    signatories = [Signatory("Risk owner", owner)]
    signatories += [Signatory("Reviewer", r) for r in reviewers] or [Signatory("Reviewer", "")]
    m = project.model
    return ReportContext(
        title=f"Threat model: {m.name}",
        system_id=m.id,
        system_name=m.name,
        description=m.description or "",
        generated_at=stamp,
        date=stamp[:10],
        classification=settings.classification,
        owner=owner,
        authors=list(settings.authors),
        reviewers=reviewers,
        scope_in=[(s.item, s.why) for s in settings.scope_in],
        scope_out=[(s.item, s.why) for s in settings.scope_out],
        model_hash=_file_hash(project.path / "model.yaml"),
        commit=git_commit(project.path) if commit is None else commit,
        atlas_version=project.catalog.atlas_version,
        rules_digest=project.rules.digest,
        log_ok=verify.ok,
        log_problem=verify.problem or "",
        log_records=verify.records,
        log_head=verify.head,
        components=len(m.components()),
        zones=len(m.zones()),
        flows=len(m.flows()),
        finding_count=len(b.rows),
        bands=b.band_counts(prev_rows),
        summary=b.summary(settings.gate),
        inherent=b.heatmap("Inherent risk", "before mitigations", ""),
        residual=b.heatmap("Residual risk", "mitigations implemented or verified", "residual_"),
        trend=trend,
        plan=plan,
        unmitigated=unmitigated,
        decisions=decisions,
        orphaned=orphaned,
        overrides=b.overrides(),
        groups=b.groups(),
        questions=[q.text for q in b.questions[:15]],
        paths=paths,
        more_paths=more,
        graph=b.graph(),
        coverage=coverage,
        evidence=evidence,
        signatories=signatories,
        paper=paper,
        frameworks=framework_sections(project, as_of=as_of),
    )


def framework_sections(project: Any, *, as_of: dt.date | None = None) -> list[FrameworkSection]:
    """The report's OWASP coverage: for each bundled framework, every item's status and why."""
    from workbench.catalog.frameworks import load_frameworks
    from workbench.risk.frameworks import STATUS_TEXT, STATUSES

    frameworks = load_frameworks()
    out = []
    for fid in sorted(frameworks, key=lambda f: (f != "owasp-llm", f)):
        fw = frameworks[fid]
        cov = project.framework_coverage(fid, as_of=as_of)
        counts = cov.counts()
        rows = [
            FrameworkRow(
                safe_link(i.label, i.url),
                i.name,
                i.status,
                STATUS_TEXT[i.status],
                list(i.findings),
                i.reason if i.status != "raised" else "",
            )
            for i in cov.items
        ]
        out.append(
            FrameworkSection(
                fw.id,
                fw.name,
                fw.version,
                safe_link(fw.url),
                fw.licence,
                [(STATUS_TEXT[s], counts[s]) for s in STATUSES if counts[s]],
                rows,
            )
        )
    return out


# ----------------------------------------------------------------------------- rendering


def _css_string(value: Any) -> Any:
    """Text as a CSS string literal: every character that is not a letter or digit is escaped."""
    from markupsafe import Markup

    text = "" if value is None else str(value)
    out = "".join(
        ch if ch.isascii() and (ch.isalnum() or ch == " ") else f"\\{ord(ch):06x} " for ch in text
    )
    return Markup(f'"{out}"')  # noqa: S704  (every character that could end the string is escaped)


def _md(value: Any) -> Any:
    from markupsafe import Markup

    from workbench.export.decision_records import md_inline

    # md_inline escapes < > & and the Markdown characters: marked safe so it is not escaped twice
    return Markup(md_inline("" if value is None else value))  # noqa: S704


def _env(kind: str) -> Any:
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(
        loader=PackageLoader("workbench.export", "templates"),
        autoescape=True,  # HTML and Markdown alike: no user string becomes markup
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["css_string"] = _css_string
    env.filters["md"] = _md
    env.globals["ATLAS"] = ATLAS
    return env


_ENVS: dict[str, Any] = {}


def render_report(context: ReportContext, fmt: str = "html") -> str:
    """Lay out a :class:`ReportContext` as ``html`` or ``markdown``."""
    if fmt not in ("html", "markdown"):
        raise ReportError(f"format: expected html or markdown, got {fmt!r}")
    env = _ENVS.get(fmt)
    if env is None:
        env = _ENVS[fmt] = _env(fmt)
    name = "report.html.j2" if fmt == "html" else "report.md.j2"
    text = env.get_template(name).render(r=context)
    return str(text)


def render_html_report(project: Any, *, generated_at: str | None = None, **options: Any) -> str:
    """The whole report as one HTML document (no script, nothing external)."""
    return render_report(build_report_context(project, generated_at=generated_at, **options))


def render_markdown_report(project: Any, *, generated_at: str | None = None, **options: Any) -> str:
    """The report as Markdown (no raw HTML from any user string)."""
    return render_report(
        build_report_context(project, generated_at=generated_at, **options), "markdown"
    )


def write_html_report(
    project: Any, path: str | Path, *, generated_at: str | None = None, **options: Any
) -> Path:
    return atomic_write_text(
        Path(path), render_html_report(project, generated_at=generated_at, **options)
    )


def write_markdown_report(
    project: Any, path: str | Path, *, generated_at: str | None = None, **options: Any
) -> Path:
    return atomic_write_text(
        Path(path), render_markdown_report(project, generated_at=generated_at, **options)
    )


# ----------------------------------------------------------------------------- PDF

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--no-pdf-header-footer",
    "--print-to-pdf-no-header",
)


def find_chromium() -> str | None:
    """The headless browser to print with: ``WORKBENCH_CHROMIUM``, else a Chromium on the PATH."""
    configured = os.environ.get("WORKBENCH_CHROMIUM")
    if configured:
        return configured if os.path.exists(configured) else shutil.which(configured)
    for name in CHROMIUM_CANDIDATES:
        found = name if os.path.isabs(name) and os.path.exists(name) else shutil.which(name)
        if found:
            return found
    return None


NO_BROWSER = (
    "no headless Chromium found to print the PDF (install chromium, or set WORKBENCH_CHROMIUM "
    "to a Chromium or Chrome executable); write the report with --format html instead and "
    "print it from a browser (Print, then Save as PDF)"
)


def html_to_pdf(html: str, *, browser: str | None = None, timeout: float = 900.0) -> bytes:
    """Print an HTML document to PDF with a headless Chromium (no network, a throwaway profile)."""
    exe = browser or find_chromium()
    if not exe:
        raise ReportError(NO_BROWSER)
    with tempfile.TemporaryDirectory(prefix="workbench-pdf-") as tmp:
        folder = Path(tmp)
        page = folder / "report.html"
        page.write_text(html, encoding="utf-8")
        out = folder / "report.pdf"
        cmd = [
            exe,
            *CHROMIUM_ARGS,
            f"--user-data-dir={folder / 'profile'}",
            f"--print-to-pdf={out}",
            page.as_uri(),
        ]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise ReportError(
                f"{exe} did not print the PDF within {timeout:.0f} s; write the report with "
                "--format html and print it from a browser"
            ) from None
        except OSError as exc:
            raise ReportError(f"{exe}: cannot run: {exc.strerror or exc}; {NO_BROWSER}") from None
        data = out.read_bytes() if out.exists() else b""
        if not data.startswith(b"%PDF"):
            tail = (done.stderr or "").strip().splitlines()[-1:] or ["no output"]
            raise ReportError(
                f"{exe} did not print a PDF (exit {done.returncode}: {tail[0][:200]}); write the "
                "report with --format html and print it from a browser"
            )
        return data


def write_pdf_report(
    project: Any,
    path: str | Path,
    *,
    generated_at: str | None = None,
    browser: str | None = None,
    paper: str | None = "a4",
    **options: Any,
) -> Path:
    """Print the HTML report to PDF (atomically: a failure leaves a previous file as it was)."""
    html = render_html_report(project, generated_at=generated_at, paper=paper, **options)
    return atomic_write_bytes(Path(path), html_to_pdf(html, browser=browser))


def write_report(project: Any, path: str | Path, fmt: str = "html", **options: Any) -> Path:
    """Write the report as ``html``, ``markdown`` or ``pdf``."""
    if fmt == "pdf":
        return write_pdf_report(project, path, **options)
    if fmt == "markdown":
        return write_markdown_report(project, path, **options)
    if fmt == "html":
        return write_html_report(project, path, **options)
    raise ReportError(f"format: expected html, markdown or pdf, got {fmt!r}")
