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
# # Model your own system
#
# A threat model is only as good as the system model behind it. This
# notebook builds a small system twice, in Python and in YAML, shows what
# the workbench says when a model is wrong and how to fix it, then saves
# and analyses it.
#
# Keep two references open: the file format
# ([model-format](../docs/model-format.md)) and the component kinds with their
# attributes ([component-kinds](../docs/reference/component-kinds.md)). The rules
# that read those attributes are listed in
# [rule-vocabulary](../docs/reference/rule-vocabulary.md).
#
# The system: an **HR policy assistant**. Employees ask questions about
# HR policies; an internal application retrieves policy documents from a
# vector index and asks an LLM hosted by a provider.

# %%
import os

import pandas as pd

import workbench as wb
from workbench import ModelError, SystemModel
from workbench.project import Project, notebook_work

WORK = notebook_work()  # a working folder next to this notebook, ignored by git


# %% [markdown]
# ## 1. In Python
#
# Zones first (a trust level each: higher is more trusted), then
# components (an id that never changes, a kind, a zone, then attributes),
# then flows (an id, from, to, and the kinds of data they carry). A flow
# points the way data moves: a question and its answer are two flows.
# Every call checks its arguments at once.

# %%
m = SystemModel("hr-assistant", name="HR policy assistant", owner="People Systems")
m.add_zone("corporate", trust=2, name="Corporate network")
m.add_zone("internal", trust=3, name="Internal services")
m.add_zone("provider", trust=1, name="LLM provider")

m.add_component("employee", "actor", "corporate", name="Employee", authenticated=True)
m.add_component("hr-app", "application", "internal", name="HR assistant app",
                authenticated=True, renders_model_output_as="markdown")
m.add_component("policies", "knowledge_source", "internal", name="HR policy documents",
                sensitivity="internal", writable_by_outsiders=False)
m.add_component("index", "vector_store", "internal", name="Policy index", sensitivity="internal")
m.add_component("llm", "model", "provider", name="Hosted LLM", model_type="llm",
                origin="third_party_api", system_prompt=True)

m.add_flow("question", "employee", "hr-app", ["user_input"])
m.add_flow("indexing", "policies", "index", ["retrieved_context"])
m.add_flow("retrieval", "index", "hr-app", ["retrieved_context"])
m.add_flow("prompt", "hr-app", "llm", ["prompt", "user_input", "retrieved_context"])
m.add_flow("completion", "llm", "hr-app", ["model_output"])
m.add_flow("answer", "hr-app", "employee", ["model_output"])

print(f"{len(m.components())} components, {len(m.flows())} flows")
print("entry points:", [c.id for c in m.entry_points()])
print("flows across a trust boundary:", [f.id for f in m.boundary_flows()])
print("reachable from untrusted input:", sorted(m.reachable_from_untrusted()))

# %% [markdown]
# A mistake is refused with the reason, and the model is left unchanged:

# %%
try:
    m.add_component("notes", "data_base", "internal")
except ModelError as err:
    for issue in err.issues:
        print(issue)

# %% [markdown]
# ## 2. In YAML
#
# The same system as a file, the way you would keep it in git next to the
# code. This first version has four mistakes. `loads_model` checks the
# whole file and reports **every** problem with its line, the place in
# the document and what was expected (see
# [model-format](../docs/model-format.md)).

# %%
BROKEN = """\
schema_version: 1
system:
  id: hr-assistant
  name: HR policy assistant
zones:
  - {id: corporate, trust: 2}
  - {id: internal, trust: 3}
  - {id: provider, trust: 1}
components:
  - {id: employee, kind: actor, zone: corporate, authenticated: true}
  - {id: hr-app, kind: application, zone: internall, renders_model_output_as: markdown}
  - {id: llm, kind: modle, zone: provider, model_type: llm}
flows:
  - {id: question, from: employee, to: hr-ap, data: [user_input]}
  - {id: prompt, from: hr-app, to: llm, data: [prompt, user_inptu]}
"""

try:
    wb.loads_model(BROKEN, filename="hr-assistant.yaml")
except ModelError as err:
    print(f"{len(err.issues)} problems:")
    for issue in err.issues:
        print(f"  line {issue.line}: {issue.path}: {issue.message}")

# %% [markdown]
# Each message names the fix. We correct the zone, the kind, the flow's
# target and the data kind, and add the rest of the system:

# %%
FIXED = """\
schema_version: 1
system:
  id: hr-assistant
  name: HR policy assistant
  owner: People Systems
zones:
  - {id: corporate, name: Corporate network, trust: 2}
  - {id: internal, name: Internal services, trust: 3}
  - {id: provider, name: LLM provider, trust: 1}
components:
  - {id: employee, kind: actor, zone: corporate, name: Employee, authenticated: true}
  - {id: hr-app, kind: application, zone: internal, name: HR assistant app, authenticated: true, renders_model_output_as: markdown}
  - {id: policies, kind: knowledge_source, zone: internal, name: HR policy documents, sensitivity: internal, writable_by_outsiders: false}
  - {id: index, kind: vector_store, zone: internal, name: Policy index, sensitivity: internal}
  - {id: llm, kind: model, zone: provider, name: Hosted LLM, model_type: llm, origin: third_party_api, system_prompt: true}
flows:
  - {id: question, from: employee, to: hr-app, data: [user_input]}
  - {id: indexing, from: policies, to: index, data: [retrieved_context]}
  - {id: retrieval, from: index, to: hr-app, data: [retrieved_context]}
  - {id: prompt, from: hr-app, to: llm, data: [prompt, user_input, retrieved_context]}
  - {id: completion, from: llm, to: hr-app, data: [model_output]}
  - {id: answer, from: hr-app, to: employee, data: [model_output]}
"""

from_yaml = wb.loads_model(FIXED, filename="hr-assistant.yaml")
print("valid:", from_yaml.name, "-", len(from_yaml.components()), "components")
print("same as the Python model:", wb.dumps_model(from_yaml) == wb.dumps_model(m))

# %% [markdown]
# ## 3. Save
#
# `save_model` writes atomically in a fixed layout (ids first, keys
# sorted, unstated attributes left out), so diffs in git stay small. The
# file can be checked on the command line with `workbench validate`.

# %%
path = wb.save_model(m, WORK / "hr-assistant.yaml")
print(path.read_text(encoding="utf-8")[:600], "...")
assert wb.dumps_model(wb.load_model(path)) == wb.dumps_model(m)

# %% [markdown]
# ## 4. Analyse
#
# The analysis runs the rules over the model. Notice the
# **assumptions** (the second cell below): attributes you left unstated
# that a rule treated as insecure. They tell you what to find out and
# state in the model; the attributes are documented in
# [component-kinds](../docs/reference/component-kinds.md).

# %%
result = wb.analyze(m)
pd.DataFrame(
    [{"id": f.id, "technique": f.technique, "score": f.score, "band": f.band} for f in result.findings]
).sort_values("score", ascending=False)

# %%
for component, assumed in result.assumptions.items():
    print(f"{component}: {'; '.join(assumed)}")
if not result.assumptions:
    print("no assumptions: every attribute the rules tested is stated")

# %% [markdown]
# Modelling changes the answer. Suppose policies are also **uploaded by
# managers and by an outside payroll provider**, and we say so: the
# documents become writable by outsiders, so text planted in a document
# reaches the LLM's context. Compare the findings:

# %%
changed = m.copy()
changed.update_component("policies", writable_by_outsiders=True)
before = {f.id for f in result.findings}
after = {f.id for f in wb.analyze(changed).findings}
print("new findings:", sorted(after - before) or "none")
print("gone:", sorted(before - after) or "none")

# %% [markdown]
# ## 5. Make it a project
#
# A project keeps the model, your scores and decisions together. This
# notebook starts it fresh on every run; your own projects you would
# keep (and commit to git).

# %%
PROJECT = notebook_work(fresh="hr-assistant")
# who you are, recorded with every change (on JupyterHub `WORKBENCH_ACTOR` is set per user;
# otherwise the workbench asks once and remembers it in project.yaml)
project = Project.create(PROJECT, model=m, actor=os.environ.get("WORKBENCH_ACTOR"))
print(f"project in {PROJECT.resolve()}: {len(project.state().rows)} findings")
project.register().summary_by_component()

# %% [markdown]
# ## 6. Coverage of the OWASP Top 10 for LLM applications
#
# The register speaks MITRE ATLAS; many teams also report against the
# OWASP Top 10 for LLM applications (OWASP Foundation, CC BY-SA 4.0). For
# each of its items,
# `framework_coverage` says whether a finding raised it (and which), why it
# does not apply to this system, or which facts the model would have to
# state before it can tell.

# %%
coverage = project.framework_coverage("owasp-llm")
print(", ".join(f"{status}: {count}" for status, count in coverage.counts().items()))
coverage.to_dataframe()

# %% [markdown]
# Next: open it in the workbench with
# `open_workbench("work/hr-assistant")` (see
# [01-quickstart](01-quickstart.ipynb)), or edit the model there in the
# *Edit model* tab.
