# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Score the findings
#
# 1. **Pick your name** (or type it) and press Enter.
# 2. For each finding, read what could happen and why the workbench
#    raised it, then choose a **likelihood** and an **impact**.
# 3. Press **Save my rating**. Your scores go to your own file. Your
#    name is claimed for this browser: another browser asking for it is
#    refused until the facilitator releases it, so nobody else can
#    overwrite your scores. You can change a score any time; the old
#    one is kept in your file.
#
# Score on your own first: the group discusses the differences afterwards.
# (In JupyterLab: *Run > Run All Cells*; the code is folded away.)

# %% jupyter={"source_hidden": true}
import base64
import contextlib
import html
import os
from pathlib import Path

import ipywidgets as W
import plotly.graph_objects as go

from workbench import workshop
from workbench.errors import ProjectError, WorkbenchError
from workbench.project import Project

# The facilitator points the dashboard at the workshop's project folder:
#   WORKBENCH_PROJECT=path/to/project  (default: the facilitator notebook's project)
PROJECT = Path(os.environ.get("WORKBENCH_PROJECT") or "work/workshop")
TEMPLATE = os.environ.get("WORKBENCH_TEMPLATE") or "support-assistant"
FROM_BAND = os.environ.get("WORKBENCH_SCORE_FROM") or "high"  # score findings from this band up

if not (PROJECT / "project.yaml").is_file():
    with contextlib.suppress(ProjectError):  # another participant's dashboard created it just now
        Project.create(PROJECT, template=TEMPLATE)
project = Project.open(PROJECT)  # read only: a participant writes nothing but their ratings file
matrix = project.matrix
catalog = project.catalog
rows = [r for r in project.state().rows if matrix.band_rank(r["band"]) >= matrix.band_rank(FROM_BAND)]
rows.sort(key=lambda r: (r["element_name"], r["id"]))


# %% jupyter={"source_hidden": true}
def known_participants() -> list[str]:
    try:
        return sorted({r.participant for r in workshop.load_ratings([PROJECT / "ratings"])})
    except (OSError, WorkbenchError):
        return []


def my_ratings(name: str) -> dict:
    path = workshop.ratings_path(PROJECT, name)
    if not path.exists():
        return {}
    return {r.finding: r for r in workshop.load_ratings([path])}


name = W.Combobox(
    options=known_participants(), placeholder="your name, then Enter", description="Your name",
    ensure_option=False, continuous_update=False, style={"description_width": "initial"},
)
name.add_class("wb-p-name")
finding = W.Dropdown(
    options=[(f"{i + 1}. {r['title']} ({r['element_name']})", r["id"]) for i, r in enumerate(rows)],
    description="Finding", layout=W.Layout(width="auto"),
)
finding.add_class("wb-picker")  # whole titles in its pop-up, and under it once picked
prev_button = W.Button(description="Previous", icon="arrow-left")
next_button = W.Button(description="Next", icon="arrow-right")
details = W.HTML()
show_prefill = W.Checkbox(value=False, description="show the workbench's own estimate", indent=False)
# on a phone the five choices wrap onto several lines instead of running off the screen
choice = {"description_width": "initial", "button_width": "auto"}
likelihood = W.ToggleButtons(
    options=[(f"{lvl.level} {lvl.label}", lvl.level) for lvl in matrix.likelihood], value=None,
    description="Likelihood", style=choice,
)
likelihood.add_class("wb-p-likelihood")
impact = W.ToggleButtons(
    options=[(f"{lvl.level} {lvl.label}", lvl.level) for lvl in matrix.impact], value=None,
    description="Impact", style=choice,
)
impact.add_class("wb-p-impact")
comment = W.Text(placeholder="why? (optional)", description="Comment", layout=W.Layout(width="auto"))
save = W.Button(description="Save my rating", button_style="primary", icon="save")
save.add_class("wb-p-save")
status = W.HTML()
status.add_class("wb-p-status")
progress = W.HTML()
progress.add_class("wb-p-progress")
download = W.HTML()
download.add_class("wb-p-download")

# where my scores sit on the risk matrix: a plotly FigureWidget, likelihood across and
# impact up, as in the workbench; small enough for a phone
levels = list(range(1, 6))
z = [[matrix.band_rank(matrix.band(lk, im)) for lk in levels] for im in levels]
colours = [b.colour for b in matrix.bands]
n = len(colours)
scale = [[edge, c] for i, c in enumerate(colours) for edge in (i / n, (i + 1) / n)]
matrix_fig = go.FigureWidget(
    data=[
        go.Heatmap(z=z, x=levels, y=levels, zmin=-0.5, zmax=n - 0.5, colorscale=scale,
                   showscale=False, hoverinfo="skip", opacity=0.55),
        go.Scatter(x=[], y=[], mode="markers+text", text=[], textposition="middle center",
                   marker={"size": 26, "color": "white", "line": {"width": 2, "color": "#333"}},
                   hovertext=[], hoverinfo="text", name="my scores"),
    ],
    layout={
        "title": {"text": "My scores on the risk matrix", "font": {"size": 14}},
        # automargin: the margins grow to fit tick labels and titles; the wide left margin keeps
        # "impact" clear of the edge on a phone-sized dashboard
        "xaxis": {"title": "likelihood", "tickvals": levels, "tickangle": -40, "automargin": True,
                  "ticktext": [f"{i} {matrix.likelihood_label(i)}" for i in levels]},
        "yaxis": {"title": "impact", "tickvals": levels, "automargin": True,
                  "ticktext": [f"{i} {matrix.impact_label(i)}" for i in levels]},
        "width": 350, "height": 360, "margin": {"l": 116, "r": 8, "t": 40, "b": 90},
    },
)


LINK = "style='color:#0b57d0;text-decoration:underline'"


TOKEN = workshop.new_browser_token()  # this browser (this dashboard kernel)
claimed = {"name": ""}


def participant() -> str:
    # the name this browser holds, or "" when it was refused
    return claimed["name"] if claimed["name"] == (name.value or "").strip() else ""


def draw_matrix() -> None:
    mine = my_ratings(participant()) if participant() else {}
    index = {r["id"]: i + 1 for i, r in enumerate(rows)}
    cells: dict = {}
    for fid, r in mine.items():
        if fid in index:
            cells.setdefault((r.likelihood, r.impact), []).append(index[fid])
    points = matrix_fig.data[1]
    with matrix_fig.batch_update():
        points.x = [k[0] for k in cells]
        points.y = [k[1] for k in cells]
        points.text = [",".join(map(str, v)) if len(v) < 3 else f"{len(v)}" for v in cells.values()]
        points.hovertext = [f"findings {', '.join(map(str, v))}" for v in cells.values()]


def show_finding(*_args: object) -> None:
    r = next((r for r in rows if r["id"] == finding.value), None)
    if r is None:
        details.value = "<p>There is nothing to score in this project.</p>"
        return
    url = f"https://atlas.mitre.org/techniques/{r['technique']}"
    prefill = ""
    if show_prefill.value:
        prefill = (
            f"<p><b>Workbench estimate:</b> likelihood {r['likelihood']} "
            f"({html.escape(matrix.likelihood_label(r['likelihood']))}): {html.escape(r['likelihood_reason'])}<br>"
            f"impact {r['impact']} ({html.escape(matrix.impact_label(r['impact']))}): {html.escape(r['impact_reason'])}</p>"
        )
    details.value = (
        f"<h3 style='margin:4px 0'>{html.escape(r['title'])}</h3>"
        f"<p><b>Where:</b> {html.escape(r['element_name'])} ({html.escape(r['element'])}, zone {html.escape(r['zone'])})<br>"
        f"<b>ATLAS technique:</b> <a href='{url}' target='_blank' rel='noopener' {LINK}>{html.escape(r['technique'])} "
        f"{html.escape(r['technique_name'])}</a></p>"
        f"<p><b>Why:</b> {html.escape(r['reason'])}</p>" + prefill
    )
    mine = my_ratings(participant()).get(r["id"]) if participant() else None
    likelihood.value = mine.likelihood if mine else None
    impact.value = mine.impact if mine else None
    comment.value = mine.comment if mine else ""
    status.value = ""


def show_progress(*_args: object) -> None:
    who = participant()
    if not who:
        progress.value = "<p><b>Type or pick your name first.</b></p>"
        download.value = ""
        return
    done = set(my_ratings(who)) & {r["id"] for r in rows}
    path = workshop.ratings_path(PROJECT, who)
    progress.value = (
        f"<p>{html.escape(who)}: <b>{len(done)} of {len(rows)}</b> findings scored "
        f"<span style='color:#666'>(saved in {html.escape(str(path))})</span></p>"
    )
    if path.exists():  # for a dashboard on another machine (e.g. Binder): send the file
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        download.value = (
            f"<a download='{html.escape(path.name)}' href='data:text/yaml;base64,{data}' {LINK}>"
            "Download my ratings file</a> (for the facilitator, if your dashboard runs elsewhere)"
        )
    else:
        download.value = ""


def on_name(_change: object) -> None:
    wanted = (name.value or "").strip()
    claimed["name"] = ""
    if wanted:
        try:
            workshop.claim_name(PROJECT, wanted, TOKEN)
            claimed["name"] = wanted
        except WorkbenchError as err:
            progress.value = f"<p style='color:#b3261e'><b>{html.escape(str(err))}</b></p>"
            details.value = ""
            return
    show_progress()
    show_finding()
    draw_matrix()


def move(step: int) -> None:
    ids = [r["id"] for r in rows]
    if ids:
        finding.value = ids[(ids.index(finding.value) + step) % len(ids)]


def on_save(_button: object) -> None:
    who = participant()
    if not who and (name.value or "").strip():
        status.value = ("<span style='color:#b3261e'>This name is held by another browser: "
                        "pick another, or ask the facilitator to release it.</span>")
        return
    if not who:
        status.value = "<span style='color:#b3261e'>Type your name first.</span>"
        return
    if likelihood.value is None or impact.value is None:
        status.value = "<span style='color:#b3261e'>Choose a likelihood and an impact.</span>"
        return
    try:
        result = workshop.rate(
            PROJECT, who, finding.value, likelihood.value, impact.value, comment.value, token=TOKEN
        )
    except WorkbenchError as err:
        status.value = f"<span style='color:#b3261e'>{html.escape(str(err))}</span>"
        return
    number = [r["id"] for r in rows].index(finding.value) + 1
    score = likelihood.value * impact.value
    now = (f"likelihood {likelihood.value}, impact {impact.value} = {score} "
           f"({matrix.band(likelihood.value, impact.value)})")
    if result.outcome == "unchanged":
        text = f"Finding {number} unchanged: {now} was saved already."
    elif result.outcome == "changed" and result.previous is not None:
        was = result.previous
        text = (f"Saved finding {number}: {now}; before it was likelihood {was.likelihood}, "
                f"impact {was.impact} (kept in your file).")
    else:
        text = f"Saved finding {number}: {now}."
    show_progress()
    draw_matrix()
    unscored = [r["id"] for r in rows if r["id"] not in my_ratings(who)]
    moved = bool(unscored) and unscored[0] != finding.value
    if unscored:
        finding.value = unscored[0]  # showing a finding clears the last one's message
    # the message names the finding it is about, so it never reads as the next one's
    status.value = (
        f"<span style='color:#1b7f3b'>{html.escape(text)}"
        + (" Now showing the next one you have not scored." if moved else "")
        + "</span>"
    )


name.observe(on_name, names="value")
finding.observe(show_finding, names="value")
show_prefill.observe(show_finding, names="value")
prev_button.on_click(lambda _b: move(-1))
next_button.on_click(lambda _b: move(1))
save.on_click(on_save)
on_name(None)

wrap = W.Layout(flex_flow="row wrap", align_items="center")
form = W.VBox([
    finding, W.HBox([prev_button, next_button], layout=wrap),
    details, show_prefill, likelihood, impact, comment, W.HBox([save, status], layout=wrap), download,
], layout=W.Layout(flex="1 1 22em", min_width="0"))
# one scroll area (the page), text that wraps, choices that wrap: a phone shows it all
STYLE = W.HTML(
    "<style>.wb-participant, .wb-participant * { box-sizing: border-box; }"
    ".wb-participant { max-width: 100%; }"
    ".wb-participant .widget-box { overflow: visible; max-width: 100%; min-width: 0; }"
    ".wb-participant .widget-inline-hbox { max-width: 100%; }"
    ".wb-participant .widget-html-content { overflow-wrap: anywhere; white-space: normal; }"
    ".wb-participant .widget-toggle-buttons { flex-wrap: wrap; height: auto; }"
    ".wb-participant .widget-toggle-buttons > div { display: flex; flex-wrap: wrap; gap: 2px; }"
    ".wb-participant .widget-toggle-buttons .widget-toggle-button { flex: 0 0 auto; }"
    ".wb-participant .widget-dropdown > select { min-width: 0; }</style>"
)
dashboard = W.VBox([
    STYLE,
    W.HTML(f"<b>Project:</b> {html.escape(project.name)} · {len(rows)} findings to score"),
    W.HBox([name, progress], layout=wrap),
    W.HBox([form, matrix_fig], layout=W.Layout(flex_flow="row wrap", align_items="flex-start")),
])
dashboard.add_class("wb-participant")
dashboard
