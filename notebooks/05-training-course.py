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
# # Training: AI threats with MITRE ATLAS and the secure-AI guidelines
#
# Guideline 1.1 of the *Guidelines for secure AI system development*
# asks teams to learn the threats to AI systems. This course does it on
# small systems, with exercises. Each exercise has an **answer cell**:
# replace `None` with your answer and run the cell; the check below it
# tells you whether you are right and why. Unanswered, it says *not
# answered yet*. Stuck? `print(training.solution("<exercise>"))`.
#
# References: the component kinds and their attributes
# ([component-kinds](../docs/reference/component-kinds.md)) and the conditions rules
# can test ([rule-vocabulary](../docs/reference/rule-vocabulary.md)).

# %%
import pandas as pd

import workbench as wb
from workbench import training

catalog = wb.load_catalog()
guidelines = wb.load_guidelines()
print(f"ATLAS {catalog.atlas_version}: {len(catalog.tactics())} tactics, {len(catalog.techniques())} techniques")

# %% [markdown]
# ## Part 1: the guidelines
#
# The guidelines (NCSC, CISA and partner agencies, 2023) have four
# stages and seventeen guidelines. The workbench checks each one against
# your model (pass, fail, unknown); here is what each asks for.

# %%
pd.DataFrame(
    [{"#": g.number, "stage": g.stage_name, "guideline": g.title,
      "checks": " ".join(c.text for c in g.checks)} for g in guidelines.guidelines()]
).style.hide(axis="index").set_properties(None, **{"text-align": "left", "white-space": "normal"})

# %% [markdown]
# ### Exercise 1: which guideline covers this?
#
# For each scenario, answer with the guideline's number, e.g. `"2.3"`.

# %%
for key, (scenario, _right, _why) in training.GUIDELINE_QUESTIONS.items():
    print(f"{key}: {scenario}")

# %%
answer_red_team = None    # e.g. "3.4"
answer_supplier = None
answer_disclosure = None
answer_drift = None

# %%
for key, answer in [("red-team", answer_red_team), ("supplier", answer_supplier),
                    ("disclosure", answer_disclosure), ("drift", answer_drift)]:
    print(f"{key}: {training.check_guideline(key, answer)}\n")

# %% [markdown]
# ## Part 2: trust boundaries
#
# Attacks start where data crosses from less trusted to more trusted
# places. The workbench only knows that text typed by a customer is
# untrusted if the model says so: the customer sits in a zone of lower
# trust, or is marked `trusted: false`.
#
# ### Exercise 2: add the missing trust boundary
#
# In this chat system everything sits in the internal zone, so the
# analysis does not see customers' text as untrusted input: look at the
# findings, no prompt injection. Change the model so the customer is
# outside, then set `answer = model`.

# %%
model = training.missing_boundary_model()
print("zones:", [(z.id, z.trust) for z in model.zones()])
print("components:", [(c.id, c.zone) for c in model.components()])
print("findings:", [f.id for f in wb.analyze(model).findings])

# %%
# your change here, e.g. model.add_zone(...) and model.update_component(...)

answer = None  # set to `model` when you have changed it

# %%
training.check_trust_boundary(answer)

# %% [markdown]
# ## Part 3: ATLAS techniques
#
# A technique is *how* an attacker achieves a goal. The workbench's
# rules say when a technique applies, e.g. *an LLM that reads content
# outsiders can write* → indirect prompt injection. Browse the tactics:

# %%
pd.DataFrame(
    [{"tactic": t.id, "name": t.name, "techniques": len(catalog.techniques(t.id))} for t in catalog.tactics()]
)

# %% [markdown]
# ### Exercise 3: which technique applies to this retriever?
#
# Staff ask an assistant questions; it answers from mails retrieved from
# the **shared inbox**, which anyone outside can write to. What is the
# main threat to the LLM? Answer with a letter or an ATLAS id.

# %%
model = training.retriever_model()
for c in model.components():
    print(f"{c.id:10} {c.kind:17} {dict(c.attrs)}")
print()
for letter, (technique, _why) in training.TECHNIQUE_OPTIONS.items():
    print(f"{letter}) {technique} {catalog.technique(technique).display_name}")

# %%
answer = None  # "a", "b", "c", "d" or an ATLAS technique id

# %%
training.check_retriever_technique(answer)

# %% [markdown]
# ## Part 4: what the workbench assumes
#
# When a rule needs an attribute you did not state, it assumes the
# insecure value and says so in the finding ("assumed: rate_limited not
# stated"). Stating what is true sharpens the analysis.
#
# ### Exercise 4: state the right attribute
#
# A partner bank calls a scoring API. One finding includes *cost
# harvesting* (`AML.T0034`, running up the bill with queries) only
# because something was not stated. Which attribute of the API, with
# which value, removes it? Answer with a dict, e.g. `{"some_attribute": False}`.

# %%
model = training.assumption_model()
for f in wb.analyze(model).findings:
    print(f.id, "| techniques:", ", ".join(f.techniques), "| assumed:", "; ".join(f.assumptions) or "-")

# %%
answer = None  # e.g. {"attribute": True}

# %%
training.check_assumption(answer)

# %% [markdown]
# ## Part 5: scoring
#
# Likelihood (1 rare ... 5 almost certain) times impact (1 negligible
# ... 5 severe) gives the score; bands group scores so that registers
# can be compared.
#
# ### Exercise 5: the band of a score
#
# A finding is *likely* (4) with a *moderate* impact (3). Which band is
# it in: low, medium, high or critical?

# %%
answer = None  # "low", "medium", "high" or "critical"

# %%
training.check_band(answer)

# %% [markdown]
# ## Where next
#
# * Apply this to a full system: [01-quickstart](01-quickstart.ipynb).
# * See the analysis on five realistic systems: the `case-*.ipynb` notebooks.
# * Record that your team took this training: set `staff_training` (a
#   date) in your model's `system` section; guideline 1.1 checks it.
