"""The threat-model report: one self-contained HTML file, and Markdown.

The HTML report works offline and prints cleanly: no JavaScript at all, no
external stylesheet, font or image; the system graph is inline SVG drawn from
the workbench's own layout (:mod:`workbench.layout`). Every string that comes
from a model, a rule or an analyst is escaped. Time grows linearly with the
project: everything is looked up in dictionaries built once.
"""

from __future__ import annotations

from collections import Counter
from html import escape
from pathlib import Path
from typing import Any

from workbench._atomic import atomic_write_text

__all__ = [
    "render_html_report",
    "render_markdown_report",
    "write_html_report",
    "write_markdown_report",
]

ATLAS = "https://atlas.mitre.org/techniques/"
NODE_W, NODE_H = 150.0, 64.0  # pixels per layout unit
GREY = "#BBBBBB"


def _e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def _short(text: str, n: int = 22) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


class _Data:
    """Everything the report shows, gathered once."""

    def __init__(self, project: Any, generated_at: str | None) -> None:
        self.project = project
        self.model = project.model
        self.matrix = project.matrix
        self.catalog = project.catalog
        self.state = project.state()
        self.rows = self.state.rows
        self.generated_at = generated_at or project.clock().isoformat()
        self.best: dict[str, tuple[int, str]] = {}
        for r in self.rows:
            if (
                r["element_type"] == "component"
                and (r["score"] or 0) > self.best.get(r["element"], (0, ""))[0]
            ):
                self.best[r["element"]] = (r["score"] or 0, r["band"])
        self.coverage = self._coverage()

    def _coverage(self) -> Any:
        try:
            from workbench.risk.coverage import guideline_coverage
        except ImportError:  # pragma: no cover
            return None
        statuses = {r["id"]: r["status"] for r in self.rows}
        return guideline_coverage(
            self.model,
            findings=self.state.findings,
            decisions=self.state.current,
            as_of=self.project.today(),
            statuses=statuses,
        )

    def colour(self, band: str | None) -> str:
        return self.matrix.colour(band) if band else GREY


def _svg(d: _Data) -> str:
    from workbench.layout import layout_model

    lay = layout_model(d.model)
    width = lay.width * NODE_W + 40
    height = lay.height * NODE_H + 70
    ox, oy = 20.0, 50.0

    def px(pos: tuple[float, float]) -> tuple[float, float]:
        return ox + pos[0] * NODE_W, oy + (lay.height - pos[1]) * NODE_H

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="System graph" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}" class="graph">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#555"/></marker></defs>',
    ]
    for z in lay.zones:
        x0, x1 = ox + z.x0 * NODE_W, ox + z.x1 * NODE_W
        shade = 245 - min(z.trust, 4) * 8
        out.append(
            f'<rect x="{x0:.1f}" y="{oy - 30:.1f}" width="{x1 - x0:.1f}" height="{lay.height * NODE_H + 35:.1f}" '
            f'rx="8" fill="rgb({shade},{shade},{shade + 6 if shade < 250 else 250})" stroke="#999" stroke-dasharray="4 3"/>'
        )
        out.append(
            f'<text x="{x0 + 8:.1f}" y="{oy - 12:.1f}" class="zone">{_e(_short(z.name, 28))} (trust {z.trust})</text>'
        )
    pos = {cid: px(p) for cid, p in lay.positions.items()}
    for f in d.model.flows():
        (x1, y1), (x2, y2) = pos[f.source], pos[f.target]
        # stop the line at the node's edge
        dx, dy = x2 - x1, y2 - y1
        length = max((dx * dx + dy * dy) ** 0.5, 1.0)
        r = 16.0
        sx, sy, ex, ey = (
            x1 + dx / length * r,
            y1 + dy / length * r,
            x2 - dx / length * r,
            y2 - dy / length * r,
        )
        data = ", ".join(f.data) or "data not stated"
        out.append(
            f'<line x1="{sx:.1f}" y1="{sy:.1f}" x2="{ex:.1f}" y2="{ey:.1f}" class="flow" marker-end="url(#arrow)">'
            f"<title>{_e(f.id)}: {_e(f.source)} → {_e(f.target)} ({_e(data)})</title></line>"
        )
    for c in d.model.components():
        x, y = pos[c.id]
        score, band = d.best.get(c.id, (0, ""))
        label = band[:1].upper() if band else "–"
        out.append(
            f'<g class="node"><title>{_e(c.name)} ({_e(c.kind)}, zone {_e(c.zone)})'
            f"{': highest ' + _e(band) + ' ' + str(score) if band else ': no finding'}</title>"
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="15" fill="{d.colour(band)}" stroke="#333"/>'
            f'<text x="{x:.1f}" y="{y + 4:.1f}" class="band" text-anchor="middle">{label}</text>'
            f'<text x="{x:.1f}" y="{y + 28:.1f}" class="label" text-anchor="middle">{_e(_short(c.name))}</text></g>'
        )
    out.append("</svg>")
    return "".join(out)


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:2rem;color:#222;line-height:1.4}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{border-bottom:2px solid #ddd;padding-bottom:.2rem;margin-top:2rem}
.meta{color:#555;font-size:.9rem}table{border-collapse:collapse;width:100%;font-size:.85rem;margin:.5rem 0}
th,td{border:1px solid #ccc;padding:.25rem .4rem;text-align:left;vertical-align:top}th{background:#f2f2f2}
.badge{display:inline-block;padding:0 .4rem;border-radius:.3rem;border:1px solid #333;font-weight:600;color:#000}
.graph{max-width:100%;height:auto}.flow{stroke:#555;stroke-width:1.3}.zone{font-size:13px;fill:#333;font-weight:600}
.label{font-size:11px;fill:#222}.band{font-size:11px;font-weight:700;fill:#000}
.pass{color:#0a6b2b;font-weight:600}.fail{color:#a00;font-weight:600}.unknown{color:#666;font-weight:600}
.small{font-size:.8rem;color:#555}ol.path li{margin-bottom:.4rem}
@media print{body{margin:0}h2{page-break-after:avoid}tr,li,svg{page-break-inside:avoid}a{color:#000;text-decoration:none}
.nop{display:none}}
"""


def _badge(d: _Data, band: str | None) -> str:
    if not band:
        return ""
    return f'<span class="badge" style="background:{d.colour(band)}">{_e(band)}</span>'


def _tech_link(d: _Data, tid: str) -> str:
    if not tid:
        return ""
    name = ""
    if tid in d.catalog:
        name = d.catalog.technique(tid).display_name
    return f'<a href="{ATLAS}{_e(tid)}">{_e(tid)}</a> {_e(name)}'


def render_html_report(project: Any, *, generated_at: str | None = None) -> str:
    """The whole report as one HTML document (no script, nothing external)."""
    d = _Data(project, generated_at)
    m = d.model
    bands = Counter(r["band"] for r in d.rows)
    statuses = Counter(r["status"] for r in d.rows)
    band_list = " ".join(
        f"{_badge(d, b)} {bands.get(b, 0)}" for b in reversed(d.matrix.band_names())
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Threat model: {_e(m.name)}</title><style>{CSS}</style></head><body>",
        f"<h1>Threat model: {_e(m.name)}</h1>",
        f'<p class="meta">System <code>{_e(m.id)}</code> · owner {_e(m.fact("owner") or "not stated")} · '
        f"MITRE ATLAS {_e(d.catalog.atlas_version)} · rules {_e(project.rules.digest[:12])} · "
        f"decision log {len(project.log)} records, head <code>{_e(project.log.head()[:16])}</code> · "
        f"generated {_e(d.generated_at)}</p>",
    ]
    if m.description:
        parts.append(f"<p>{_e(m.description)}</p>")
    parts += [
        "<h2>Summary</h2>",
        f"<p>{len(m.components())} components in {len(m.zones())} trust zones, {len(m.flows())} flows; "
        f"{len(d.rows)} findings: {band_list}.</p>",
        "<p>Status: " + ", ".join(f"{_e(k)} {v}" for k, v in sorted(statuses.items())) + ".</p>",
        "<h2>System graph</h2>",
        '<p class="small">Zones left to right by rising trust. Each component is coloured by its highest '
        "band (the letter names it: L low, M medium, H high, C critical; – no finding).</p>",
        _svg(d),
        "<h2>Threat register</h2>",
        "<table><thead><tr><th>Finding</th><th>Element</th><th>Technique</th><th>Band</th><th>Score</th>"
        "<th>Residual</th><th>Status</th><th>Treatment</th><th>Owner</th></tr></thead><tbody>",
    ]
    for r in sorted(d.rows, key=lambda r: (-(r["score"] or 0), r["id"])):
        parts.append(
            f"<tr><td><code>{_e(r['id'])}</code><br>{_e(r['title'])}{' (manual)' if r['manual'] else ''}</td>"
            f"<td>{_e(r['element_name'])}</td><td>{_tech_link(d, r['technique'])}</td>"
            f"<td>{_badge(d, r['band'])}</td><td>{_e(r['score'])}</td>"
            f"<td>{_e(r['residual_score'])} {_badge(d, r['residual_band'])}</td><td>{_e(r['status'])}</td>"
            f"<td>{_e(r['treatment'] or '')}</td><td>{_e(r['owner'] or '')}</td></tr>"
        )
    parts.append("</tbody></table>")
    parts.append("<h2>Decisions</h2>")
    decisions = project.log.decisions()
    if decisions:
        parts.append(
            "<table><thead><tr><th>Decision</th><th>Findings</th><th>Treatment</th><th>Rationale</th>"
            "<th>Owner</th><th>Decided by</th><th>Date</th><th>Review by</th></tr></thead><tbody>"
        )
        for dec in decisions:
            parts.append(
                f"<tr><td>{_e(dec.id)}{' (supersedes ' + _e(dec.supersedes) + ')' if dec.supersedes else ''}</td>"
                f"<td>{'<br>'.join('<code>' + _e(f) + '</code>' for f in dec.findings)}</td>"
                f"<td>{_e(dec.treatment)}</td><td>{_e(dec.rationale)}</td><td>{_e(dec.owner or '')}</td>"
                f"<td>{_e(dec.decided_by)}</td><td>{_e(dec.date)}</td><td>{_e(dec.review_by or '')}</td></tr>"
            )
        parts.append("</tbody></table>")
    else:
        parts.append("<p>No decisions recorded yet.</p>")
    if d.state.orphaned:
        parts.append(
            "<p><strong>Orphaned decisions</strong> (their findings no longer exist): "
            + ", ".join(
                f"{_e(dec.id)} ({', '.join(_e(x) for x in missing)})"
                for dec, missing in d.state.orphaned
            )
            + "</p>"
        )
    parts.append("<h2>Guideline coverage</h2>")
    if d.coverage is not None:
        parts.append(
            "<table><thead><tr><th>#</th><th>Guideline</th><th>State</th><th>Checks</th>"
            "<th>Related findings</th></tr></thead><tbody>"
        )
        for g in d.coverage.guidelines:
            checks = "<br>".join(
                f'<span class="{_e(c.status)}">{_e(c.status)}</span> {_e(c.text)}'
                + (
                    f' <span class="small">({_e("; ".join(c.details[:3]))}{"…" if len(c.details) > 3 else ""})</span>'
                    if c.details
                    else ""
                )
                for c in g.checks
            )
            parts.append(
                f"<tr><td>{_e(g.number)}</td><td>{_e(g.title)}</td>"
                f'<td><span class="{_e(g.state)}">{_e(g.state)}</span></td><td>{checks}</td>'
                f"<td>{len(g.findings)}</td></tr>"
            )
        parts.append("</tbody></table>")
    parts.append("<h2>Attack paths</h2>")
    paths = d.state.result.attack_paths
    if paths:
        tactic_names = {t.id: t.name for t in d.catalog.tactics()}
        parts.append('<ol class="path">')
        for p in paths[:50]:
            names = " → ".join(_e(m.component(n).name) for n in p.nodes if n in m)
            hops = "; ".join(
                f"{_e(h.node)}: {_tech_link(d, h.technique)} ({_e(tactic_names.get(h.tactic, h.tactic))})"
                for h in p.hops
            )
            pre = (
                f"<br><span class='small'>Preconditions: {', '.join(_tech_link(d, t) for t in p.preconditions)}</span>"
                if p.preconditions
                else ""
            )
            parts.append(f"<li>{names}<br><span class='small'>{hops}</span>{pre}</li>")
        parts.append("</ol>")
        if len(paths) > 50:
            parts.append(f"<p>{len(paths) - 50} more paths are in the JSON export.</p>")
    else:
        parts.append("<p>No path leads from an entry point to a crown jewel.</p>")
    if d.state.result.assumptions:
        parts.append(
            "<h2>Assumptions</h2><p>Unstated attributes the analysis treated as insecure; state them in the model to sharpen it.</p><ul>"
        )
        for element, items in d.state.result.assumptions.items():
            parts.append(f"<li><code>{_e(element)}</code>: {_e('; '.join(items))}</li>")
        parts.append("</ul>")
    parts.append(
        '<p class="small">MITRE ATLAS facts © The MITRE Corporation (Apache-2.0), '
        '<a href="https://atlas.mitre.org">atlas.mitre.org</a>. Guidelines for secure AI system development: '
        "NCSC, CISA and partners. Report by AI Threat Workbench.</p></body></html>"
    )
    return "\n".join(parts) + "\n"


def render_markdown_report(project: Any, *, generated_at: str | None = None) -> str:
    from workbench.export.decision_records import md_inline

    d = _Data(project, generated_at)
    m = d.model
    lines = [
        f"# Threat model: {md_inline(m.name)}",
        "",
        f"System `{m.id}`; MITRE ATLAS {d.catalog.atlas_version}; decision log {len(project.log)} records, "
        f"head `{project.log.head()}`; generated {d.generated_at}.",
        "",
        "## Threat register",
        "",
        "| Finding | Element | Technique | Band | Score | Residual | Status | Treatment | Owner |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in sorted(d.rows, key=lambda r: (-(r["score"] or 0), r["id"])):
        lines.append(
            f"| `{r['id']}` {md_inline(r['title'])} | {md_inline(r['element_name'])} | {r['technique']} | "
            f"{r['band']} | {r['score']} | {r['residual_score']} ({r['residual_band']}) | {r['status']} | "
            f"{md_inline(r['treatment'] or '')} | {md_inline(r['owner'] or '')} |"
        )
    if d.coverage is not None:
        lines += [
            "",
            "## Guideline coverage",
            "",
            "| # | Guideline | State |",
            "| --- | --- | --- |",
        ]
        lines += [
            f"| {g.number} | {md_inline(g.title)} | {g.state} |" for g in d.coverage.guidelines
        ]
    lines += ["", "## Attack paths", ""]
    for i, p in enumerate(d.state.result.attack_paths[:50], 1):
        lines.append(
            f"{i}. "
            + " → ".join(md_inline(m.component(n).name) for n in p.nodes if n in m)
            + f" ({', '.join(p.techniques)})"
        )
    return "\n".join(lines) + "\n"


def write_html_report(project: Any, path: str | Path, *, generated_at: str | None = None) -> Path:
    return atomic_write_text(Path(path), render_html_report(project, generated_at=generated_at))


def write_markdown_report(
    project: Any, path: str | Path, *, generated_at: str | None = None
) -> Path:
    return atomic_write_text(Path(path), render_markdown_report(project, generated_at=generated_at))
