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
# # Running a threat-modelling workshop (facilitator)
#
# A design review of an AI system with the people who build and run it,
# end to end: scope, model, threats, a scoring round, decisions and
# exports. You drive this notebook on the shared screen; participants
# score on their own screens with the participant dashboard
# ([04-workshop-participant](04-workshop-participant.ipynb)).
#
# ### Suggested timetable (2 hours)
#
# | time | step | what the group does | output |
# |---|---|---|---|
# | 0:00 | 1. Scope (10 min) | agree what is in and out, who owns the system | a scope statement |
# | 0:10 | 2. Model (20 min) | walk the graph, correct components, zones and flows, fill in unstated attributes | a reviewed model |
# | 0:30 | 3. Threats (30 min) | walk the findings and attack paths, add what the rules missed | the finding list |
# | 1:00 | 4. Scoring (30 min) | score the high findings independently, then discuss where people disagree | consensus scores |
# | 1:30 | 5. Decisions (20 min) | decide the high and critical findings: treatment, owner, review date | decisions in the log |
# | 1:50 | 6. Wrap-up (10 min) | exports, actions, next review | register, records, report |
#
# ### Before the session
#
# * Pick the system: a bundled example or your own model file (see
#   [02-model-your-own-system](02-model-your-own-system.ipynb)).
# * Start the participant dashboard from the repository root:
#   `workbench dashboard notebooks/work/workshop`
#   serves it with Voila (no code visible, nothing to type but scores);
#   on Binder, open `voila/render/notebooks/04-workshop-participant.ipynb`.
# * Each participant writes **their own** ratings file
#   (`work/workshop/ratings/<name>.yaml`) and claims their name for
#   their browser: a second browser asking for the same name is
#   refused until you release it, so nobody overwrites anyone.
#
# The register's columns are listed in
# [register-columns](../docs/reference/register-columns.md).

# %%
import datetime as dt
import os

import pandas as pd
import plotly.graph_objects as go
from IPython.display import display

from workbench import workshop
from workbench.project import Project, notebook_work

TEMPLATE = "support-assistant"
SIMULATE = True  # this run plays three participants; set False in a real workshop
# who you are, recorded with every change: WORKBENCH_ACTOR (set per user on JupyterHub,
# or before starting JupyterLab); a simulated run names its facilitator itself
FACILITATOR = os.environ.get("WORKBENCH_ACTOR") or ("Fay (simulated run)" if SIMULATE else "")
if not FACILITATOR:
    raise SystemExit("Set WORKBENCH_ACTOR to your name before running this notebook: "
                     "every change is recorded with it.")

WORK = notebook_work()  # a working folder next to this notebook, ignored by git

PROJECT = WORK / "workshop"  # the participant dashboard's default project too
if (PROJECT / "project.yaml").is_file():
    project = Project.open(PROJECT)
else:
    project = Project.create(PROJECT, template=TEMPLATE, actor=FACILITATOR)
print(f"workshop project: {PROJECT.resolve()}")

# %% [markdown]
# ## 1. Scope (10 minutes)
#
# Read the system's description aloud and agree on the boundaries. Write
# what is **out of scope** down, so nobody reads the register as more
# than it is. Prompts: *Who owns the system? Which data does it touch?
# What changed since the last review? Which suppliers are involved?*

# %%
model = project.model
SCOPE = {
    "system": f"{model.name} ({model.id})",
    "owner": model.fact("owner"),
    "in scope": "the chat, the assistant and its tools, retrieval, the hosted models, logging",
    "out of scope": "the helpdesk product itself, the identity provider, the provider's infrastructure",
    "incident plan": model.fact("incident_plan"),
}
print(model.description, "\n")
for key, value in SCOPE.items():
    print(f"{key:>14}: {value}")

# %% [markdown]
# ## 2. Model (20 minutes)
#
# Walk the components zone by zone and ask the owners to confirm each.
# The **assumptions** are the best agenda: each is an attribute nobody
# stated, which a rule took to be insecure; then go through the other
# unstated attributes. Change the model
# where the group corrects it; every edit is checked and recorded with
# your name.

# %%
components = pd.DataFrame(
    [{"zone": c.zone, "id": c.id, "kind": c.kind, "name": c.name} for c in model.components()]
).sort_values(["zone", "id"])
display(components)
state = project.state()
print("Unstated attributes the analysis assumed to be insecure (ask the owners first):")
for component, assumed in state.result.assumptions.items():
    print(f"  {component}: {'; '.join(assumed)}")
if not state.result.assumptions:
    print("  none: every attribute the rules tested is stated")
print("\nOther attributes nobody stated yet:")
for c in model.components():
    if model.unstated(c.id):
        print(f"  {c.id}: {', '.join(model.unstated(c.id))}")

# %% [markdown]
# For example, the group learns that the conversation log keeps its
# backups offline. We record it (running this twice changes nothing):

# %%
if project.model.component("conversation-log").get("backed_up") is not True:
    project.edit_model(lambda m: m.update_component("conversation-log", backed_up=True), by=FACILITATOR)
print("conversation-log backed_up:", project.model.component("conversation-log").get("backed_up"))

# %% [markdown]
# ## 3. Threats (30 minutes)
#
# Open the workbench on the shared screen. Walk the **attack paths**
# first (they tell the story: where an attacker gets in and what they
# reach), then the findings by component. Add what the rules missed in
# the *Add finding* tab.

# %%
from workbench.ui import open_workbench

wbench = open_workbench(PROJECT, actor=FACILITATOR)
project = wbench.session.project  # share one project object with the workbench
wbench.view

# %%
catalog = project.catalog
paths = project.state().result.attack_paths
print(f"{len(paths)} attack paths; the longest ones:")
for path in sorted(paths, key=lambda p: (-len(p.hops), -p.max_score, p.id))[:4]:
    names = [project.model.component(n).name for n in path.nodes]
    print("  " + " -> ".join(names))
    for hop in path.hops:
        print(f"      {hop.technique} {catalog.technique(hop.technique).display_name}")

# %% [markdown]
# ## 4. Scoring round (30 minutes)
#
# Everyone scores the **high and critical** findings on their own,
# without discussion, in the participant dashboard: likelihood and
# impact on the 1-5 scales with their words, and a comment. Ten minutes
# is usually enough for ten findings. Each participant's dashboard
# writes only that participant's file in `ratings/`.
#
# In this unattended run, three participants are simulated: each writes
# a ratings file exactly as the dashboard does (`workshop.save_rating`).

# %%
matrix = project.matrix
to_score = [r for r in project.state().rows if matrix.band_rank(r["band"]) >= matrix.band_rank("high")]
print(f"{len(to_score)} findings to score")

if SIMULATE:
    # (likelihood shift, impact shift) per participant, so that they disagree in places
    styles = {"Ana": (0, 0), "Ben": (-1, 1), "Chloe": (1, -2)}
    for i, row in enumerate(to_score):
        for name, (dl, di) in styles.items():
            lik = min(5, max(1, row["likelihood"] + (dl if i % 2 else -dl)))
            imp = min(5, max(1, row["impact"] + (di if i % 3 else 0)))
            note = "we saw attempts like this last year" if name == "Ben" and i % 2 else ""
            workshop.save_rating(PROJECT, name, row["id"], lik, imp, comment=note)
print("ratings files:", sorted(p.name for p in (PROJECT / "ratings").glob("*.yaml")))

# %% [markdown]
# **Merge.** Each finding gets the median of the scores and the
# **spread** (highest minus lowest); the table starts with the findings
# people disagree on most. Discuss those first: disagreement usually
# means people picture different attacks or know different facts.

# %% [markdown]
# **Who has rated what.** One row per participant: how many findings
# they scored, which are missing, and whether a browser holds their
# name. A participant who changed browser asks you to release the
# name: `workshop.release_claim(PROJECT, "name")`.

# %%
progress = pd.DataFrame(workshop.rating_progress(project))
progress[["participant", "count", "claimed", "missing"]] if len(progress) else "nobody has rated yet"

# %%
merged = workshop.merge_ratings(project)
table = pd.DataFrame([m.to_dict() for m in merged])
table[["finding", "participants", "median_likelihood", "median_impact", "median_score", "spread", "comments"]]

# %%
labels = [m.finding for m in merged][::-1]  # most disagreement at the top
fig = go.Figure()
people = sorted({r.participant for m in merged for r in m.ratings})
for person in people:
    xs, ys = [], []
    for m in merged[::-1]:
        for r in m.ratings:
            if r.participant == person:
                xs.append(r.score)
                ys.append(m.finding)
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="markers", name=person, marker={"size": 11, "opacity": 0.8}))
fig.add_trace(go.Scatter(
    x=[m.median_score for m in merged[::-1]], y=labels, mode="markers", name="median",
    marker={"symbol": "line-ns-open", "size": 22, "color": "black", "line": {"width": 3}},
))
fig.update_layout(
    title="Scores per finding (most disagreement at the top)",
    xaxis={"title": "score (likelihood × impact)", "range": [0, 26], "dtick": 5},
    yaxis={"automargin": True},
    height=120 + 34 * len(labels), margin={"l": 10, "r": 10, "t": 50, "b": 40},
    legend={"orientation": "h", "y": -0.15},
)
fig

# %% [markdown]
# **Consensus.** After discussing a finding, record the agreed
# likelihood and impact with the names of the participants. It becomes
# the finding's score (an override whose reason names them) and a note
# in the decision log. Here we take the median of the three most
# disputed findings.

# %%
for m in merged[:3]:
    lik, imp = round(m.median_likelihood + 0.01), round(m.median_impact + 0.01)
    workshop.record_consensus(
        project, m.finding, lik, imp,
        participants=m.participants,
        reason=f"discussed in the design review; spread was {m.spread}",
        by=FACILITATOR,
    )
    row = project.register().row(m.finding)
    print(f"{m.finding}: likelihood {row['likelihood']}, impact {row['impact']} -> {row['score']} ({row['band']})")

# %% [markdown]
# ## 5. Decisions (20 minutes)
#
# Every high and critical finding needs a decision with an owner
# (guideline 1.2). Decide the clear ones in the room; give the rest an
# owner who brings a proposal by a date. Decisions below are recorded
# once: running the notebook again does not repeat them.

# %%
review = project.today() + dt.timedelta(days=90)
DECISIONS = {  # finding: (treatment, mitigation, rationale, owner)
    "agent-tool-misuse@ticketing-tool": (
        "mitigate", "AML.M0029", "Ticket writes need a human approval; the tool gets a per-customer token",
        "Ops Lead"),
    "cross-tenant-retrieval@vector-store": (
        "mitigate", "AML.M0026", "Filter retrieval by the signed-in customer's id before ranking",
        "CX Engineering"),
    "llm-rendered-output@chat-frontend": (
        "mitigate", "wb-sanitise-html", "Render answers as text; no external images; links to our domains only",
        "Web Team"),
    "supplier-data-exposure@llm": (
        "accept", None, "Contract excludes training, 30-day retention; reviewed by Legal", "DPO"),
}
state = project.state()
for finding, (treatment, mitigation, rationale, owner) in DECISIONS.items():
    if state.finding(finding) and project.register().row(finding)["status"] == "open":
        if mitigation:  # the plan: who does it by when
            project.choose_mitigation(finding, mitigation, owner=owner, due=review, by=FACILITATOR)
        project.decide(finding, treatment, rationale, owner=owner, review_by=review, by=FACILITATOR)
still_open = project.undecided("high")
print(f"{len(DECISIONS)} decided; {len(still_open)} high or critical findings still need a decision:")
for row in still_open:
    print(f"  {row['score']:>2} {row['band']:<8} {row['id']}")

# %% [markdown]
# ## 6. Wrap-up (10 minutes)
#
# Export what the group produced and agree on the next review date.
# On Binder, download the project archive: the session is temporary,
# the archive opens again with `unpack_project` (or the workbench's
# *Export* tab).

# %%
from workbench.archive import pack_project
from workbench.export.decisions_export import export_project_decisions
from workbench.export.report import write_html_report

EXPORTS = PROJECT / "exports"
outputs = {
    "threat register": project.register().to_csv(EXPORTS / "register.csv"),
    "decision records": export_project_decisions(project, EXPORTS / "decisions")[0].parent,
    "report": write_html_report(project, EXPORTS / "report.html"),
}
archive = WORK / "workshop-project.zip"
archive.write_bytes(pack_project(PROJECT))
outputs["project archive"] = archive
for label, path in outputs.items():
    print(f"{label:>17}: {path.resolve()}")
wbench.refresh()
