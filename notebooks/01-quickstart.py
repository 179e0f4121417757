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
# # Quickstart: from an example system to a recorded decision
#
# In about ten minutes you go from a bundled example system to a scored
# threat register, one recorded risk decision and the files you would hand
# to a colleague: the register as a spreadsheet (CSV) and a report.
#
# **Run it:** *Run > Run All Cells* works top to bottom; then change
# things and run cells again. The notebook keeps its work in
# `work/quickstart/` next to this file.
#
# ### Words you will meet
#
# | word | meaning |
# |---|---|
# | **MITRE ATLAS** | a public knowledge base of how real attackers go after AI systems, like MITRE ATT&CK for AI: *tactics* (the attacker's goal at a step, e.g. initial access) and *techniques* (how, e.g. `AML.T0051` LLM prompt injection), each with a page on [atlas.mitre.org](https://atlas.mitre.org) |
# | **model** (of the system) | the system drawn as components (an LLM, a vector store, a tool), the data flows between them and trust zones (internet, internal, ...) |
# | **finding** | one threat scenario: a rule of the workbench fired on one component or flow, with an ATLAS technique, the reason it fired and candidate mitigations |
# | **likelihood, impact** | 1 to 5 each, prefilled by the workbench with the reasons; you can override them |
# | **score, band** | likelihood × impact (1 to 25), and its band: low 1-4, medium 5-9, high 10-16, critical 17-25 |
# | **decision** | what you do about a finding (mitigate, accept, transfer, avoid, not applicable), with a rationale, an owner and a review date, kept in a tamper-evident log |
#
# Reference: the component kinds and their attributes
# ([component-kinds](../docs/reference/component-kinds.md)), what the rules can test
# ([rule-vocabulary](../docs/reference/rule-vocabulary.md)) and every column of the
# register ([register-columns](../docs/reference/register-columns.md)).

# %% [markdown]
# ## 1. Start a project
#
# A **project** is a folder: the system model (`model.yaml`), your
# assessment (`assessment.yaml`) and the decision log (`decisions.jsonl`).
# We start one from the bundled *customer-support assistant*, or reopen
# it if an earlier run made it. Every change is recorded with the name of
# who made it: the workbench in step 4 asks for yours once and remembers
# it in the project (on JupyterHub, `WORKBENCH_ACTOR` says who you are).

# %%
import datetime as dt
import os
import textwrap

import pandas as pd
from IPython.display import display

import workbench as wb
from workbench.project import Project, notebook_work

# who you are, recorded with every change: set on JupyterHub (one per user), or typed
# once in the workbench below and remembered in the project's project.yaml
ACTOR = os.environ.get("WORKBENCH_ACTOR")
# one of wb.template_names(); `workbench lab --template NAME` sets WORKBENCH_TEMPLATE
TEMPLATE = os.environ.get("WORKBENCH_TEMPLATE") or "support-assistant"

WORK = notebook_work()  # a working folder next to this notebook, ignored by git

PROJECT = WORK / ("quickstart" if TEMPLATE == "support-assistant" else f"quickstart-{TEMPLATE}")
if (PROJECT / "project.yaml").is_file():
    project = Project.open(PROJECT)
    print(f"reopened the project in {PROJECT.resolve()}")
else:
    project = Project.create(PROJECT, template=TEMPLATE, actor=ACTOR)
    print(f"started a project from the {TEMPLATE!r} example in {PROJECT.resolve()}")
print("bundled examples:", ", ".join(wb.template_names()))

# %% [markdown]
# ## 2. The system
#
# The example is a customer-support chat: customers ask questions on the
# web, an orchestrating agent retrieves help-centre articles and the
# customer's tickets, asks a hosted LLM, and updates tickets through a
# ticketing tool (with another `TEMPLATE`, the cells show that system). Each component has a **kind** and sits in a **zone**
# whose trust level says who can reach it (see
# [component-kinds](../docs/reference/component-kinds.md) for every kind).

# %%
model = project.model
print(f"{model.name}: {model.description}\n")
pd.DataFrame(
    [{"id": c.id, "kind": c.kind, "zone": c.zone, "name": c.name} for c in model.components()]
)

# %% [markdown]
# Two questions organise every threat model: **where can an attacker get
# in** (entry points: untrusted actors, content outsiders can write) and
# **what do they want** (crown jewels: sensitive data, models, tools that
# can act).

# %%
print("Entry points (where an attacker gets in):")
for c in model.entry_points():
    print(f"  {c.name}: {'; '.join(model.entry_point_reasons(c.id))}")
print("\nCrown jewels (what an attacker wants):")
for c in model.crown_jewels():
    print(f"  {c.name}: {'; '.join(model.crown_jewel_reasons(c.id))}")

# %% [markdown]
# ## 3. The analysis: findings per component and band
#
# The workbench's rules map ATLAS techniques onto the components and
# flows. The **threat register** has one row per finding with its
# prefilled likelihood, impact, score and band (all columns:
# [register-columns](../docs/reference/register-columns.md)).

# %%
register = project.register()
df = register.df
bands = [b for b in project.matrix.band_names() if b in set(df["band"])]
print(f"{len(df)} findings:", ", ".join(f"{(df['band'] == b).sum()} {b}" for b in bands))
per_component = pd.crosstab(df["element_name"], df["band"])[bands]
per_component["total"] = per_component.sum(axis=1)
per_component.sort_values("total", ascending=False)

# %% [markdown]
# The five highest scores. Each finding's id is `<rule>@<component>` and
# stays the same when you re-analyse, so decisions stay attached.

# %%
top = df.sort_values(["score", "id"], ascending=[False, True]).head(5)
top[["id", "technique", "technique_name", "likelihood", "impact", "score", "band"]]

# %% [markdown]
# ### Reading one finding
#
# We follow *direct prompt injection* on the hosted LLM: customers type
# text that ends up in the LLM's prompt (with another example system, its
# highest-scoring finding). The **reason** says why the rule
# fired, the likelihood and impact reasons say how the prefill was
# reached, and the technique links to its ATLAS page.

# %%
FINDING = "llm-direct-prompt-injection@llm"
WHY_LOWER = "customers must sign in before they can chat, which slows down mass probing"
if FINDING not in set(df["id"]):  # another example system: follow its highest score
    FINDING = top.iloc[0]["id"]
    WHY_LOWER = "an example override: write the reason that holds for your system"


def show(row: dict) -> None:
    """Print a register row the way an analyst reads it."""
    def wrap(text: str) -> str:
        return textwrap.fill(text, 100, subsequent_indent="    ")

    print(row["title"], f"({row['id']})")
    print(f"technique:  {row['technique']} {row['technique_name']}")
    print(f"            https://atlas.mitre.org/techniques/{row['technique']}")
    print(wrap(f"why:        {row['reason']}"))
    print(wrap(f"likelihood: {row['likelihood']} - {row['likelihood_reason']}"))
    print(wrap(f"impact:     {row['impact']} - {row['impact_reason']}"))
    print(f"score:      {row['score']} ({row['band']}); status: {row['status']}")
    if row["chosen_mitigations"]:
        print(f"mitigations: {', '.join(row['chosen_mitigations'])}")
        print(f"projected:  {row['projected_score']} ({row['projected_band']}) once planned ones are done")
    if row["treatment"]:
        print(wrap(f"decision:   {row['treatment']} by {row['decided_by']} on {row['decided_on']}: {row['rationale']}"))


show(register.row(FINDING))

# %% [markdown]
# ## 4. The workbench
#
# Everything above, and everything below, can be done in the
# **workbench**: the system graph on top (click a component to filter
# the threats; colours are bands), then tabs for the threat table and the
# selected finding (score, mitigations, decision), the risk matrix, the
# ATLAS matrix, guideline coverage, attack paths, adding a finding,
# editing the model and exports.
#
# The first time, the workbench asks who you are ("acting as"): type your
# name and press **Set**. It is remembered for this project, so nobody is
# asked twice, and recorded with every change. From here on the notebook
# uses the workbench's project object, so the notebook and the workbench
# never overwrite each other.

# %%
from workbench.ui import open_workbench

wbench = open_workbench(PROJECT, actor=ACTOR)
project = wbench.session.project  # one project object for the notebook and the workbench


def who() -> str | None:
    # your name as the workbench knows it: typed in "acting as", or remembered
    name = wbench.effective_actor()
    if not name:
        print("Type your name in 'acting as' at the top of the workbench and press Set,")
        print("then run this cell again: every change is recorded with it.")
    return name


wbench.view

# %% [markdown]
# ## 5. Score, mitigate, decide
#
# The same three steps in code, so the notebook also runs unattended. In
# the workbench they are the fields of the finding panel.
#
# **Score.** The prefill is a starting point. We lower the likelihood by
# one step (customers must sign in) and say why: an override always
# carries its reason and its author.

# %%
ACTOR = who()
if ACTOR:
    prefill = project.state().finding(FINDING).likelihood
    project.override(FINDING, likelihood=max(1, prefill - 1), reason=WHY_LOWER, by=ACTOR)
show(project.register().row(FINDING))

# %% [markdown]
# **Mitigate.** Candidate mitigations come from the rule and from ATLAS's
# links between techniques and mitigations. We plan *Generative AI
# Guardrails* (`AML.M0020`) with an owner; the **projected** score counts
# planned and in-progress mitigations, the **residual** score only done
# or verified ones. The expected effect of a mitigation comes from
# `catalogs/mitigation-effects.yaml`; another effect needs a reason.

# %%
candidates = wbench.session.candidates(FINDING)
display(pd.DataFrame([{"id": c.id, "name": c.name, "source": c.source, "why": c.reason} for c in candidates]))
MITIGATION = "AML.M0020" if any(c.id == "AML.M0020" for c in candidates) else candidates[0].id
if who():
    chosen = project.choose_mitigation(
        FINDING, MITIGATION, status="planned", owner="Ben", due=project.today() + dt.timedelta(days=60), by=who()
    )
    print(f"chose {chosen.id} ({chosen.status}, owner {chosen.owner}, due {chosen.due}): "
          f"likelihood {chosen.likelihood_effect}, impact {chosen.impact_effect} "
          f"({project.effect_of(chosen.id).reason})")

# %% [markdown]
# **Decide.** The decision goes into the append-only decision log, each
# record chained to the one before by its SHA-256 (`workbench verify`
# checks the chain). Run twice, the notebook does not decide twice.

# %%
if project.register().row(FINDING)["status"] == "open" and who():
    measure = project.catalog.get(MITIGATION).name if MITIGATION in project.catalog else MITIGATION
    project.decide(
        FINDING,
        "mitigate",
        f"{measure} before the public launch; test the attack again afterwards",
        owner="Ben",
        review_by=project.today() + dt.timedelta(days=180),
        by=who(),
    )
show(project.register().row(FINDING))
wbench.refresh()  # redraw the workbench above with the new state

# %% [markdown]
# ## 6. Export
#
# The register as CSV (opens cleanly in Excel and LibreOffice, and can be
# edited there and imported back with `workbench import`), one Markdown
# record per decision, and a self-contained HTML report that prints
# cleanly. Columns: [register-columns](../docs/reference/register-columns.md).

# %%
from workbench.export.decisions_export import export_project_decisions
from workbench.export.report import write_html_report

EXPORTS = PROJECT / "exports"
register_csv = project.register().to_csv(EXPORTS / "register.csv")
records = export_project_decisions(project, EXPORTS / "decisions")
report = write_html_report(project, EXPORTS / "report.html")
print(f"project folder:    {PROJECT.resolve()}")
print(f"threat register:   {register_csv.resolve()}")
print(f"decision records:  {(EXPORTS / 'decisions').resolve()} ({len(records)} files)")
print(f"report:            {report.resolve()}")

# %% [markdown]
# ## Next
#
# * Model your own system: [02-model-your-own-system](02-model-your-own-system.ipynb)
#   (the file format: [model-format](../docs/model-format.md)).
# * Run a design review with a group: [03-workshop-facilitator](03-workshop-facilitator.ipynb).
# * Learn ATLAS and the guidelines with exercises: [05-training-course](05-training-course.ipynb).
# * Check a release: [06-release-review](06-release-review.ipynb).
# * Case studies of every bundled example: `case-*.ipynb`.
#
# The same steps on the command line:
#
# ```bash
# workbench init work/quickstart --template support-assistant --actor Ana
# workbench register work/quickstart --format csv --output register.csv
# workbench check work/quickstart --fail-on high      # exit 1 while high risks are undecided
# workbench report work/quickstart -o report.html
# ```
