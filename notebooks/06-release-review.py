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
# # Release review: guideline coverage and open risks
#
# Guideline 3.4, *release AI responsibly*, asks for a security evaluation
# before a model or AI feature is released. This notebook is the review
# a release owner runs: which of the seventeen guidelines the system
# meets, which high risks are still undecided, the **release gate** a
# pipeline enforces, and the report that goes with the release.
#
# We review the *contract summariser* example, where the design team
# already decided some findings. Register columns:
# [register-columns](../docs/reference/register-columns.md).

# %%
import datetime as dt

import pandas as pd

from workbench.cli import main as workbench_cli
from workbench.project import Project, notebook_work

REVIEWER = "Rita"

PROJECT = notebook_work(fresh="release-review")
project = Project.create(PROJECT, template="contract-summariser", actor="Design team")

# what the design team decided earlier
earlier = {  # finding: (mitigation, rationale, owner)
    "public-facing-application@web-app": (
        "wb-appsec-baseline", "WAF and the standard web hardening baseline", "Web Team"),
    "training-pipeline-supply-chain@fine-tuning": (
        "AML.M0014", "Pinned, hash-checked dependencies in the fine-tuning image", "ML Platform"),
    "third-party-model-supply-chain@contract-llm": (
        "AML.M0014", "Base model pinned by hash, scanned before fine-tuning", "ML Platform"),
}
later = project.today() + dt.timedelta(days=180)
for finding, (mitigation, rationale, owner) in earlier.items():
    project.choose_mitigation(finding, mitigation, status="done", owner=owner, due=later)
    project.decide(finding, "mitigate", rationale, owner=owner, review_by=later)
print(f"project {project.name!r} in {PROJECT.resolve()}: {len(project.state().rows)} findings, {len(earlier)} decided")

# %% [markdown]
# ## 1. Guideline coverage
#
# Each guideline has checks that the model's attributes answer: **pass**,
# **fail**, or **unknown** when the model does not say. A guideline
# fails when any check fails and passes only when all pass.

# %%
from workbench.session import Session

coverage = Session(project).coverage()
print(", ".join(f"{n} {state}" for state, n in coverage.counts().items()), "of 17 guidelines")
coverage.summary_dataframe()

# %% [markdown]
# The details of every check that did not pass: this is the list the
# release owner works through (fill in what is unknown, fix or accept
# what fails).

# %%
checks = coverage.to_dataframe()
pending = checks[checks["status"] != "pass"][["guideline", "check_id", "status", "details"]]
pending.style.hide(axis="index").set_properties(**{"text-align": "left", "white-space": "pre-wrap"})

# %% [markdown]
# ## 2. Open risks
#
# `project.undecided("high")` lists the findings at or above *high*
# that have no current decision, or whose decision is due for review.

# %%
open_risks = pd.DataFrame(project.undecided("high"))
open_risks[["id", "technique_name", "score", "band", "status"]]

# %% [markdown]
# ## 3. The release gate
#
# In the release pipeline the same question is one command, whose exit
# code stops the release while a high or critical finding is undecided:
#
# ```bash
# workbench check path/to/project --fail-on high    # exit 0: go; exit 1: no go
# ```
#
# Here we call the command line in the notebook's own Python:

# %%
exit_code = workbench_cli(["check", str(PROJECT), "--fail-on", "high"])
print("exit code:", exit_code, "(no go)" if exit_code else "(go)")

# %% [markdown]
# ## 4. The release decisions
#
# The release owner decides each open risk: mitigations that must land
# before the release are chosen with an owner, and risks the business
# accepts carry a rationale and an early review date.

# %%
review = project.today() + dt.timedelta(days=90)
RELEASE_DECISIONS: dict[str, tuple[str, str | None, str]] = {  # finding: (treatment, mitigation, rationale)
    "llm-rendered-output@web-app": (
        "mitigate", "AML.M0020", "Summaries rendered as text; links to external sites disabled"),
    "llm-indirect-prompt-injection@contract-llm": (
        "mitigate", "AML.M0024", "Uploaded text delimited and logged; flagged when it holds instructions"),
    "model-extraction-via-api@summariser-api": (
        "mitigate", "AML.M0004", "Per-client query quotas on the summarisation API"),
    "llm-direct-prompt-injection@contract-llm": (
        "mitigate", "AML.M0020", "Guardrails on input and output; users are authenticated client staff"),
    "llm-training-data-leakage@contract-llm": (
        "mitigate", "AML.M0008", "Red-team for corpus leakage before each release; canary clauses"),
    "generative-output-harm@contract-llm": (
        "accept", None, "Client lawyers review every summary; the limitation is stated in the product"),
    "inference-via-ai-product@summariser-api": (
        "accept", None, "Use is limited to contracted clients and billed per document"),
}
for finding, (treatment, planned, rationale) in RELEASE_DECISIONS.items():
    if planned:
        project.choose_mitigation(finding, planned, status="planned", owner="Release owner", due=review, by=REVIEWER)
    project.decide(finding, treatment, rationale, owner="Release owner", review_by=review, by=REVIEWER)
exit_code = workbench_cli(["check", str(PROJECT), "--fail-on", "high"])
print("exit code:", exit_code, "(no go)" if exit_code else "(go)")

# %% [markdown]
# Guideline 1.2 (*model the threats to your system*) now passes its
# check that every high and critical threat has a decision and an owner:

# %%
coverage = Session(project).coverage()
g = coverage.guideline("1.2")
print(f"1.2 {g.title}: {g.state}")
for check in g.checks:
    print(f"  {check.status:7} {check.text}")

# %% [markdown]
# ## 5. The report
#
# One self-contained HTML file (no scripts, no external files; it prints
# cleanly) with the system graph, the register, the decisions and the
# guideline coverage, to attach to the release record.

# %%
from workbench.export.report import write_html_report

report = write_html_report(project, PROJECT / "exports" / "report.html")
print(f"report: {report.resolve()} ({report.stat().st_size // 1024} KiB)")
