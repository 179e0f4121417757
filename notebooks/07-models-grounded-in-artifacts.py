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
# # Models grounded in real artifacts
#
# A model typed by hand leaves facts unstated, and the analysis assumes the
# worst of them: "serialization not stated" is the most common source of a
# critical finding that turns out not to apply. Here the facts come from the
# artifacts themselves, locally and without loading them:
#
# 1. the register of an edge-vision system whose model file format nobody stated;
# 2. `workbench scan` reads the model folder (format, SHA-256, model card) and
#    states the facts on the model component, with the scan as their evidence;
# 3. the register again: the assumed finding is gone;
# 4. a tampered pickle: the scan names the call it would make, and the
#    analysis raises a critical finding;
# 5. an MCP client configuration imported as an agent and its tools.
#
# The attributes the scan states are described in
# [component-kinds](../docs/reference/component-kinds.md); the rules that read them in
# [rule-vocabulary](../docs/reference/rule-vocabulary.md). How each format is read:
# [docs/scan.md](../docs/scan.md).

# %%
import datetime as dt
import json
import os
import shutil
import struct
from pathlib import Path

import pandas as pd

from workbench.interop import import_model
from workbench.project import Project, notebook_work
from workbench.rules import analyze
from workbench.scan import apply_scan, scan_paths

WORK = notebook_work()  # a working folder next to this notebook, ignored by git

PROJECT = notebook_work(fresh="grounded-edge-vision")
project = Project.create(PROJECT, template="edge-vision", actor="Sam")
# A first workshop: nobody knows yet which file format the devices load.
project.edit_model(lambda m: m.update_component("detector-model", serialization=None))
MODEL = "detector-model"


def register_of(component: str) -> pd.DataFrame:
    rows = [r for r in project.state().rows if r["element"] == component]
    return pd.DataFrame(
        [{"rule": r["rule"], "band": r["band"], "score": r["score"],
          "assumed": "; ".join(r["assumptions"])} for r in rows]
    ).sort_values("score", ascending=False, ignore_index=True)


# %% [markdown]
# ## The register before the scan
#
# `unsafe-model-serialization` fires on an assumption: the format is
# unstated, so the rule assumes one that runs code when loaded.

# %%
before = register_of(MODEL)
before

# %% [markdown]
# ## The model folder
#
# A folder as a model hub publishes it: the weights in safetensors, the
# architecture in `config.json`, and a model card (`README.md`) whose front
# matter names the licence, base model and datasets. The safetensors file
# is written here by hand (an 8-byte header length, a JSON header, the
# tensor bytes), as a training job would save it.

# %%
ARTIFACTS = WORK / "detector-artifacts"
shutil.rmtree(ARTIFACTS, ignore_errors=True)
ARTIFACTS.mkdir()


def write_safetensors(path: Path, tensors: dict[str, list[int]]) -> None:
    header, offset = {}, 0
    for name, shape in tensors.items():
        size = 4
        for dim in shape:
            size *= dim
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + size]}
        offset += size
    raw = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + bytes(offset))


write_safetensors(ARTIFACTS / "model.safetensors", {"backbone.w": [16, 8], "head.w": [8, 4]})
(ARTIFACTS / "config.json").write_text(json.dumps(
    {"architectures": ["DetectorV8"], "model_type": "detector"}), encoding="utf-8")
(ARTIFACTS / "README.md").write_text(
    "---\nlicense: apache-2.0\nbase_model: vision-hub/detector-v8-base\n"
    "datasets:\n  - vision-hub/street-scenes\n---\n# Detector v8 (medium)\n",
    encoding="utf-8")
sorted(p.name for p in ARTIFACTS.iterdir())

# %% [markdown]
# ## Scan and record
#
# `scan_paths` reads every file statically: nothing is loaded, unpickled or
# imported. `apply_scan` states the results on the model component (format,
# SHA-256, licence, base model, datasets, the model card as docs) and records
# the scan itself in `artifact_scan`. From a terminal the same is
#
# ```
# workbench scan detector-artifacts/ --model system.yaml --component detector-model
# ```

# %%
report = scan_paths([ARTIFACTS])
print(report.to_text())
SCANNED = dt.date(2026, 11, 25)  # the evidence carries a date; fixed here for a stable notebook
changes: list[str] = []
project.edit_model(lambda m: changes.extend(apply_scan(m, MODEL, report, date=SCANNED)), by="Sam")
print("\n".join(changes))

# %%
detector = project.model.component(MODEL)
{key: detector.get(key) for key in
 ("serialization", "sha256", "license", "base_model", "datasets", "scan_verdict", "artifact_scan")}

# %% [markdown]
# ## The register after the scan
#
# The serialization finding is gone: the format is stated, and safetensors
# holds no code. The supply-chain findings stay, now with the facts that
# ground them (an open-weights model from a public hub).

# %%
after = register_of(MODEL)
gone = sorted(set(before["rule"]) - set(after["rule"]))
print("no longer raised:", ", ".join(gone) or "nothing")
after

# %% [markdown]
# ## A tampered pickle
#
# The same detector, as a PyTorch-style pickle someone altered: its
# `__reduce__` makes unpickling call `os.system`. The bytes are made with
# `pickle.dumps`; the file is never loaded, and the scan names the call.

# %%
import pickle


class Tampered:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, ("echo this would run on load",))


EVIL = WORK / "detector-tampered"
shutil.rmtree(EVIL, ignore_errors=True)
EVIL.mkdir()
(EVIL / "detector.pkl").write_bytes(pickle.dumps(Tampered()))
tampered = scan_paths([EVIL])
print(tampered.to_text())

# %%
trial = project.model.copy()
apply_scan(trial, MODEL, tampered, date=SCANNED)
critical = [f for f in analyze(trial).findings
            if f.element == MODEL and f.rule == "malicious-code-in-model-file"]
for finding in critical:
    print(f"{finding.band}: {finding.title}")
    print("  evidence:", "; ".join(finding.evidence))

# %% [markdown]
# ## Agent tools from an MCP configuration
#
# An MCP client configuration says which servers an agent starts and what it
# hands them. Imported, it becomes an agent and one tool per server, with the
# transport, the package it runs and the names (never the values) of the
# secrets it receives, so the analysis finds the third-party tool supply
# chain and the credential exposure without anyone typing a fact.

# %%
MCP = WORK / ".mcp.json"
MCP.write_text(json.dumps({"mcpServers": {
    "github": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"],
               "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "<kept out of the model>"}},
    "search": {"url": "https://mcp.search.example/mcp"},
}}), encoding="utf-8")
agent_model, import_report = import_model(MCP)
print(import_report.to_text())
pd.DataFrame([{"rule": f.rule, "on": f.element, "band": f.band}
              for f in analyze(agent_model).findings])
