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
# # Case study: a bundled example as a reviewer reads it
#
# One notebook for the five bundled examples. It shows the system and its
# graph, the findings a reviewer reads first, one attack path, and the
# decisions a reviewer would record. `CASE` in the next cell picks the
# example: `support-assistant`, `coding-agent`, `fraud-classifier`,
# `edge-vision` or `contract-summariser`. What is said about each (the
# findings to read, the path, the decisions) is in
# [case-studies.toml](case-studies.toml).
#
# The notebooks `case-<example>.ipynb` next to this one are this notebook
# with `CASE` set; the cell is tagged `parameters`, so papermill can do the
# same (`papermill case-study.ipynb out.ipynb -p CASE edge-vision`).
#
# Kinds and attributes are described in
# [component-kinds](../docs/reference/component-kinds.md); what each rule tests, in
# [rule-vocabulary](../docs/reference/rule-vocabulary.md).

# %% tags=["parameters"]
CASE = "support-assistant"  # the bundled example to review (a table of case-studies.toml)

# %%
import datetime as dt
import textwrap
import tomllib
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from IPython.display import Markdown, display

from workbench.project import notebook_work
from workbench.ui import open_workbench

REVIEWER = "Sam"
CASES: dict[str, Any] = tomllib.loads(Path("case-studies.toml").read_text(encoding="utf-8"))
if CASE not in CASES:
    raise LookupError(f"no case study {CASE!r}: case-studies.toml has {', '.join(CASES)}")
case = CASES[CASE]

PROJECT = notebook_work(fresh=f"case-{CASE}")
wbench = open_workbench(PROJECT, template=CASE, actor=REVIEWER)
project = wbench.session.project
model, catalog = project.model, project.catalog
display(Markdown(f"## {case['title']}\n\n{case['intro']}"))
print(f"{model.name}: {len(model.components())} components, {len(model.flows())} flows, "
      f"{len(project.state().rows)} findings")

# %% [markdown]
# ## The system
#
# Components by zone (the zones' trust levels in brackets) and what the
# analysis sees as entry points and crown jewels.

# %%
trust = {z.id: z.trust for z in model.zones()}
display(pd.DataFrame(
    [{"zone": f"{c.zone} ({trust[c.zone]})", "id": c.id, "kind": c.kind, "name": c.name}
     for c in sorted(model.components(), key=lambda c: (trust[c.zone], c.id))]
))
print("entry points:", ", ".join(c.name for c in model.entry_points()))
print("crown jewels:", ", ".join(c.name for c in model.crown_jewels()))

# %% [markdown]
# ## The graph
#
# Zones are columns ordered by trust; each component's colour is the band
# of its highest finding and its symbol is its kind. The attack path
# discussed below is drawn over the flows.

# %%
PATH = case["path"]
paths = wbench.session.attack_paths()
index = next((i for i, p in enumerate(paths) if list(p.nodes) == PATH), None)
if index is None:
    raise LookupError(f"the analysis no longer finds the path {PATH}: update case-studies.toml")
wbench.session.select_path(index)
figure = go.Figure(wbench.graph.fig)  # a static copy of the workbench's graph
figure.update_layout(width=None, autosize=True)  # as wide as the notebook
figure

# %% [markdown]
# ## Key findings
#
# The findings a reviewer reads first: why each matters in this system,
# then the reason the workbench gives and its prefilled score.

# %%
register = project.register()


def explain(finding_id: str) -> None:
    try:
        row = register.row(finding_id)
    except KeyError:
        raise LookupError(f"the analysis no longer reports {finding_id}: update case-studies.toml") from None
    print(f"{row['title']}  [{row['id']}]")
    print(f"  {row['technique']} {row['technique_name']}: https://atlas.mitre.org/techniques/{row['technique']}")
    print(textwrap.fill(row["reason"], 100, initial_indent="  why: ", subsequent_indent="    "))
    print(f"  prefilled: likelihood {row['likelihood']} x impact {row['impact']} = {row['score']} ({row['band']})\n")


for item in case["findings"]:
    display(Markdown(item["why"]))
    explain(item["id"])

# %% [markdown]
# ## An attack path
#
# Each hop is labelled with the technique that moves the attacker on;
# preconditions (what the attacker prepares beforehand) stand at the start.

# %%
display(Markdown(case["path_text"]))
path = paths[index]
if path.preconditions:
    print("before:", ", ".join(f"{t} {catalog.technique(t).display_name}" for t in path.preconditions))
for hop in path.hops:
    tactic = catalog.tactic(hop.tactic).name if hop.tactic else ""
    print(f"{model.component(hop.source).name} -> {model.component(hop.node).name}")
    print(f"    {hop.technique} {catalog.technique(hop.technique).display_name} ({tactic})"
          + (f"; finding {hop.finding}" if hop.finding else ""))

# %% [markdown]
# ## What a reviewer would decide
#
# Each decision names the finding, the treatment, the mitigation chosen (none
# for an acceptance) and the rationale; the owner and the review date are
# the same for all of them here.

# %%
display(Markdown(case["reviewer"]))
for decision in case["decisions"]:
    finding, mitigation = decision["finding"], decision.get("mitigation")
    if mitigation:
        project.choose_mitigation(
            finding, mitigation, status="planned", owner="System owner",
            due=project.today() + dt.timedelta(days=120), by=REVIEWER,
        )
    project.decide(finding, decision["treatment"], decision["rationale"], owner="System owner",
                   review_by=project.today() + dt.timedelta(days=365), by=REVIEWER)
decided = project.register().df
decided = decided[decided["id"].isin([d["finding"] for d in case["decisions"]])]
decided[["id", "treatment", "chosen_mitigations", "score", "projected_score", "projected_band"]]

# %% [markdown]
# ## Explore it yourself
#
# The whole workbench on this project: click a component in the graph to
# see its findings, try the *Attack paths* and *Guideline coverage* tabs.
# The project is rebuilt each time this notebook runs.

# %%
wbench.refresh()
wbench.view
