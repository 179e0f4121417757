#!/usr/bin/env python3
"""Generate the notebooks in ``notebooks/`` from the sources in this file.

The notebooks are the product's front door; keeping their text and code here
makes them reviewable as ordinary Python and Markdown in a diff. The generated
``.ipynb`` files are committed too (so Binder, JupyterLab and GitHub show
them), without outputs and with ``execution_count`` null.

    python scripts/make_notebooks.py            # write notebooks/*.ipynb
    python scripts/make_notebooks.py --check    # exit 1 when a notebook is missing or stale

Only the standard library is used (the notebook JSON is written by hand in
nbformat 4.5 layout), so this runs before the environment is set up.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
LANGUAGE_INFO = {"name": "python", "version": "3.11"}

REF = "../docs/reference"
MODEL_FORMAT = "../docs/model-format.md"

Cell = dict[str, object]


def _part(text: str) -> str:
    """Dedent; drop the newline after the opening quotes and the trailing blank lines."""
    text = textwrap.dedent(text)
    return (text[1:] if text.startswith("\n") else text).rstrip()


def _source(*parts: str) -> list[str]:
    text = "\n".join(_part(p) for p in parts)
    lines = text.split("\n")
    return [line + "\n" for line in lines[:-1]] + [lines[-1]]


def _cell_id(notebook: str, index: int) -> str:
    return hashlib.sha256(f"{notebook}:{index}".encode()).hexdigest()[:8]


def md(*parts: str) -> Cell:
    """A Markdown cell; each part is dedented on its own, then they are joined by newlines."""
    return {"cell_type": "markdown", "metadata": {}, "source": _source(*parts)}


def code(*parts: str, tags: tuple[str, ...] = (), hidden: bool = False) -> Cell:
    """A code cell; each part is dedented on its own, then they are joined by newlines.

    ``hidden`` collapses the code in JupyterLab (Voila never shows code).
    """
    meta: dict[str, object] = {"tags": list(tags)} if tags else {}
    if hidden:
        meta["jupyter"] = {"source_hidden": True}
    return {
        "cell_type": "code",
        "execution_count": None,
        "metadata": meta,
        "outputs": [],
        "source": _source(*parts),
    }


def notebook(name: str, cells: list[Cell]) -> str:
    for i, cell in enumerate(cells):
        cell["id"] = _cell_id(name, i)
    nb = {
        "cells": cells,
        "metadata": {"kernelspec": KERNELSPEC, "language_info": LANGUAGE_INFO},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


# Cells shared by several notebooks ----------------------------------------------------------------

WORK_SETUP = """

WORK = Path("work")  # a working folder next to this notebook (never inside the package)
WORK.mkdir(exist_ok=True)
(WORK / ".gitignore").write_text("# working copies made by the notebooks\\n*\\n", encoding="utf-8")
"""

FRESH = '''


def fresh(folder: Path) -> Path:
    """Start over: remove a project folder an earlier run of this notebook made."""
    if (folder / "project.yaml").is_file():
        shutil.rmtree(folder)
    return folder
'''


# 01 Quickstart ------------------------------------------------------------------------------------


def quickstart() -> list[Cell]:
    return [
        md(f"""
        # Quickstart: from an example system to a recorded decision

        In about ten minutes you go from a bundled example system to a scored
        threat register, one recorded risk decision and the files you would hand
        to a colleague: the register as a spreadsheet (CSV) and a report.

        **Run it:** *Run > Run All Cells* works top to bottom; then change
        things and run cells again. The notebook keeps its work in
        `work/quickstart/` next to this file.

        ### Words you will meet

        | word | meaning |
        |---|---|
        | **MITRE ATLAS** | a public knowledge base of how real attackers go after AI systems, like MITRE ATT&CK for AI: *tactics* (the attacker's goal at a step, e.g. initial access) and *techniques* (how, e.g. `AML.T0051` LLM prompt injection), each with a page on [atlas.mitre.org](https://atlas.mitre.org) |
        | **model** (of the system) | the system drawn as components (an LLM, a vector store, a tool), the data flows between them and trust zones (internet, internal, ...) |
        | **finding** | one threat scenario: a rule of the workbench fired on one component or flow, with an ATLAS technique, the reason it fired and candidate mitigations |
        | **likelihood, impact** | 1 to 5 each, prefilled by the workbench with the reasons; you can override them |
        | **score, band** | likelihood × impact (1 to 25), and its band: low 1-4, medium 5-9, high 10-16, critical 17-25 |
        | **decision** | what you do about a finding (mitigate, accept, transfer, avoid, not applicable), with a rationale, an owner and a review date, kept in a tamper-evident log |

        Reference: the component kinds and their attributes
        ([component-kinds]({REF}/component-kinds.md)), what the rules can test
        ([rule-vocabulary]({REF}/rule-vocabulary.md)) and every column of the
        register ([register-columns]({REF}/register-columns.md)).
        """),
        md("""
        ## 1. Start a project

        A **project** is a folder: the system model (`model.yaml`), your
        assessment (`assessment.yaml`) and the decision log (`decisions.jsonl`).
        We start one from the bundled *customer-support assistant*, or reopen
        it if an earlier run made it. Every change is recorded with the name of
        who made it: the workbench in step 4 asks for yours once and remembers
        it in the project (on JupyterHub, `WORKBENCH_ACTOR` says who you are).
        """),
        code(
            """
            import datetime as dt
            import os
            import textwrap
            from pathlib import Path

            import pandas as pd

            import workbench as wb
            from workbench.project import Project

            # who you are, recorded with every change: set on JupyterHub (one per user), or typed
            # once in the workbench below and remembered in the project's project.yaml
            ACTOR = os.environ.get("WORKBENCH_ACTOR")
            # one of wb.template_names(); `workbench lab --template NAME` sets WORKBENCH_TEMPLATE
            TEMPLATE = os.environ.get("WORKBENCH_TEMPLATE") or "support-assistant"
            """,
            WORK_SETUP,
            """

            PROJECT = WORK / ("quickstart" if TEMPLATE == "support-assistant" else f"quickstart-{TEMPLATE}")
            if (PROJECT / "project.yaml").is_file():
                project = Project.open(PROJECT)
                print(f"reopened the project in {PROJECT.resolve()}")
            else:
                project = Project.create(PROJECT, template=TEMPLATE, actor=ACTOR)
                print(f"started a project from the {TEMPLATE!r} example in {PROJECT.resolve()}")
            print("bundled examples:", ", ".join(wb.template_names()))
            """,
        ),
        md(f"""
        ## 2. The system

        The example is a customer-support chat: customers ask questions on the
        web, an orchestrating agent retrieves help-centre articles and the
        customer's tickets, asks a hosted LLM, and updates tickets through a
        ticketing tool (with another `TEMPLATE`, the cells show that system). Each component has a **kind** and sits in a **zone**
        whose trust level says who can reach it (see
        [component-kinds]({REF}/component-kinds.md) for every kind).
        """),
        code("""
        model = project.model
        print(f"{model.name}: {model.description}\\n")
        pd.DataFrame(
            [{"id": c.id, "kind": c.kind, "zone": c.zone, "name": c.name} for c in model.components()]
        )
        """),
        md("""
        Two questions organise every threat model: **where can an attacker get
        in** (entry points: untrusted actors, content outsiders can write) and
        **what do they want** (crown jewels: sensitive data, models, tools that
        can act).
        """),
        code("""
        print("Entry points (where an attacker gets in):")
        for c in model.entry_points():
            print(f"  {c.name}: {'; '.join(model.entry_point_reasons(c.id))}")
        print("\\nCrown jewels (what an attacker wants):")
        for c in model.crown_jewels():
            print(f"  {c.name}: {'; '.join(model.crown_jewel_reasons(c.id))}")
        """),
        md(f"""
        ## 3. The analysis: findings per component and band

        The workbench's rules map ATLAS techniques onto the components and
        flows. The **threat register** has one row per finding with its
        prefilled likelihood, impact, score and band (all columns:
        [register-columns]({REF}/register-columns.md)).
        """),
        code("""
        register = project.register()
        df = register.df
        bands = [b for b in project.matrix.band_names() if b in set(df["band"])]
        print(f"{len(df)} findings:", ", ".join(f"{(df['band'] == b).sum()} {b}" for b in bands))
        per_component = pd.crosstab(df["element_name"], df["band"])[bands]
        per_component["total"] = per_component.sum(axis=1)
        per_component.sort_values("total", ascending=False)
        """),
        md("""
        The five highest scores. Each finding's id is `<rule>@<component>` and
        stays the same when you re-analyse, so decisions stay attached.
        """),
        code("""
        top = df.sort_values(["score", "id"], ascending=[False, True]).head(5)
        top[["id", "technique", "technique_name", "likelihood", "impact", "score", "band"]]
        """),
        md("""
        ### Reading one finding

        We follow *direct prompt injection* on the hosted LLM: customers type
        text that ends up in the LLM's prompt (with another example system, its
        highest-scoring finding). The **reason** says why the rule
        fired, the likelihood and impact reasons say how the prefill was
        reached, and the technique links to its ATLAS page.
        """),
        code('''
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
        '''),
        md("""
        ## 4. The workbench

        Everything above, and everything below, can be done in the
        **workbench**: the system graph on top (click a component to filter
        the threats; colours are bands), then tabs for the threat table and the
        selected finding (score, mitigations, decision), the risk matrix, the
        ATLAS matrix, guideline coverage, attack paths, adding a finding,
        editing the model and exports.

        The first time, the workbench asks who you are ("acting as"): type your
        name and press **Set**. It is remembered for this project, so nobody is
        asked twice, and recorded with every change. From here on the notebook
        uses the workbench's project object, so the notebook and the workbench
        never overwrite each other.
        """),
        code("""
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
        """),
        md("""
        ## 5. Score, mitigate, decide

        The same three steps in code, so the notebook also runs unattended. In
        the workbench they are the fields of the finding panel.

        **Score.** The prefill is a starting point. We lower the likelihood by
        one step (customers must sign in) and say why: an override always
        carries its reason and its author.
        """),
        code("""
        ACTOR = who()
        if ACTOR:
            prefill = project.state().finding(FINDING).likelihood
            project.override(FINDING, likelihood=max(1, prefill - 1), reason=WHY_LOWER, by=ACTOR)
        show(project.register().row(FINDING))
        """),
        md("""
        **Mitigate.** Candidate mitigations come from the rule and from ATLAS's
        links between techniques and mitigations. We plan *Generative AI
        Guardrails* (`AML.M0020`) with an owner; the **projected** score counts
        planned and in-progress mitigations, the **residual** score only done
        or verified ones. The expected effect of a mitigation comes from
        `catalogs/mitigation-effects.yaml`; another effect needs a reason.
        """),
        code("""
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
        """),
        md("""
        **Decide.** The decision goes into the append-only decision log, each
        record chained to the one before by its SHA-256 (`workbench verify`
        checks the chain). Run twice, the notebook does not decide twice.
        """),
        code("""
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
        """),
        md(f"""
        ## 6. Export

        The register as CSV (opens cleanly in Excel and LibreOffice, and can be
        edited there and imported back with `workbench import`), one Markdown
        record per decision, and a self-contained HTML report that prints
        cleanly. Columns: [register-columns]({REF}/register-columns.md).
        """),
        code("""
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
        """),
        md(f"""
        ## Next

        * Model your own system: [02-model-your-own-system](02-model-your-own-system.ipynb)
          (the file format: [model-format]({MODEL_FORMAT})).
        * Run a design review with a group: [03-workshop-facilitator](03-workshop-facilitator.ipynb).
        * Learn ATLAS and the guidelines with exercises: [05-training-course](05-training-course.ipynb).
        * Check a release: [06-release-review](06-release-review.ipynb).
        * Case studies of every bundled example: `case-*.ipynb`.

        The same steps on the command line:

        ```bash
        workbench init work/quickstart --template support-assistant --actor Ana
        workbench register work/quickstart --format csv --output register.csv
        workbench check work/quickstart --fail-on high      # exit 1 while high risks are undecided
        workbench report work/quickstart -o report.html
        ```
        """),
    ]


# 02 Model your own system -------------------------------------------------------------------------


def model_your_own() -> list[Cell]:
    return [
        md(f"""
        # Model your own system

        A threat model is only as good as the system model behind it. This
        notebook builds a small system twice, in Python and in YAML, shows what
        the workbench says when a model is wrong and how to fix it, then saves
        and analyses it.

        Keep two references open: the file format
        ([model-format]({MODEL_FORMAT})) and the component kinds with their
        attributes ([component-kinds]({REF}/component-kinds.md)). The rules
        that read those attributes are listed in
        [rule-vocabulary]({REF}/rule-vocabulary.md).

        The system: an **HR policy assistant**. Employees ask questions about
        HR policies; an internal application retrieves policy documents from a
        vector index and asks an LLM hosted by a provider.
        """),
        code(
            """
            import shutil
            from pathlib import Path

            import pandas as pd

            import workbench as wb
            from workbench import ModelError, SystemModel
            from workbench.project import Project
            """,
            WORK_SETUP,
            FRESH,
        ),
        md("""
        ## 1. In Python

        Zones first (a trust level each: higher is more trusted), then
        components (an id that never changes, a kind, a zone, then attributes),
        then flows (an id, from, to, and the kinds of data they carry). A flow
        points the way data moves: a question and its answer are two flows.
        Every call checks its arguments at once.
        """),
        code("""
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
        """),
        md("""
        A mistake is refused with the reason, and the model is left unchanged:
        """),
        code("""
        try:
            m.add_component("notes", "data_base", "internal")
        except ModelError as err:
            for issue in err.issues:
                print(issue)
        """),
        md(f"""
        ## 2. In YAML

        The same system as a file, the way you would keep it in git next to the
        code. This first version has four mistakes. `loads_model` checks the
        whole file and reports **every** problem with its line, the place in
        the document and what was expected (see
        [model-format]({MODEL_FORMAT})).
        """),
        code('''
        BROKEN = """\\
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
        '''),
        md("""
        Each message names the fix. We correct the zone, the kind, the flow's
        target and the data kind, and add the rest of the system:
        """),
        code('''
        FIXED = """\\
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
        '''),
        md("""
        ## 3. Save

        `save_model` writes atomically in a fixed layout (ids first, keys
        sorted, unstated attributes left out), so diffs in git stay small. The
        file can be checked on the command line with `workbench validate`.
        """),
        code("""
        path = wb.save_model(m, WORK / "hr-assistant.yaml")
        print(path.read_text(encoding="utf-8")[:600], "...")
        assert wb.dumps_model(wb.load_model(path)) == wb.dumps_model(m)
        """),
        md(f"""
        ## 4. Analyse

        The analysis runs the rules over the model. Notice the
        **assumptions** (the second cell below): attributes you left unstated
        that a rule treated as insecure. They tell you what to find out and
        state in the model; the attributes are documented in
        [component-kinds]({REF}/component-kinds.md).
        """),
        code("""
        result = wb.analyze(m)
        pd.DataFrame(
            [{"id": f.id, "technique": f.technique, "score": f.score, "band": f.band} for f in result.findings]
        ).sort_values("score", ascending=False)
        """),
        code("""
        for component, assumed in result.assumptions.items():
            print(f"{component}: {'; '.join(assumed)}")
        if not result.assumptions:
            print("no assumptions: every attribute the rules tested is stated")
        """),
        md("""
        Modelling changes the answer. Suppose policies are also **uploaded by
        managers and by an outside payroll provider**, and we say so: the
        documents become writable by outsiders, so text planted in a document
        reaches the LLM's context. Compare the findings:
        """),
        code("""
        changed = m.copy()
        changed.update_component("policies", writable_by_outsiders=True)
        before = {f.id for f in result.findings}
        after = {f.id for f in wb.analyze(changed).findings}
        print("new findings:", sorted(after - before) or "none")
        print("gone:", sorted(before - after) or "none")
        """),
        md("""
        ## 5. Make it a project

        A project keeps the model, your scores and decisions together. This
        notebook starts it fresh on every run; your own projects you would
        keep (and commit to git).
        """),
        code("""
        PROJECT = fresh(WORK / "hr-assistant")
        project = Project.create(PROJECT, model=m, actor="Ana")
        print(f"project in {PROJECT.resolve()}: {len(project.state().rows)} findings")
        project.register().summary_by_component()
        """),
        md("""
        Next: open it in the workbench with
        `open_workbench("work/hr-assistant")` (see
        [01-quickstart](01-quickstart.ipynb)), or edit the model there in the
        *Edit model* tab.
        """),
    ]


# 03 Workshop facilitator --------------------------------------------------------------------------


def workshop_facilitator() -> list[Cell]:
    return [
        md(f"""
        # Running a threat-modelling workshop (facilitator)

        A design review of an AI system with the people who build and run it,
        end to end: scope, model, threats, a scoring round, decisions and
        exports. You drive this notebook on the shared screen; participants
        score on their own screens with the participant dashboard
        ([04-workshop-participant](04-workshop-participant.ipynb)).

        ### Suggested timetable (2 hours)

        | time | step | what the group does | output |
        |---|---|---|---|
        | 0:00 | 1. Scope (10 min) | agree what is in and out, who owns the system | a scope statement |
        | 0:10 | 2. Model (20 min) | walk the graph, correct components, zones and flows, fill in unstated attributes | a reviewed model |
        | 0:30 | 3. Threats (30 min) | walk the findings and attack paths, add what the rules missed | the finding list |
        | 1:00 | 4. Scoring (30 min) | score the high findings independently, then discuss where people disagree | consensus scores |
        | 1:30 | 5. Decisions (20 min) | decide the high and critical findings: treatment, owner, review date | decisions in the log |
        | 1:50 | 6. Wrap-up (10 min) | exports, actions, next review | register, records, report |

        ### Before the session

        * Pick the system: a bundled example or your own model file (see
          [02-model-your-own-system](02-model-your-own-system.ipynb)).
        * Start the participant dashboard from the repository root:
          `workbench dashboard notebooks/work/workshop`
          serves it with Voila (no code visible, nothing to type but scores);
          on Binder, open `voila/render/notebooks/04-workshop-participant.ipynb`.
        * Each participant writes **their own** ratings file
          (`work/workshop/ratings/<name>.yaml`) and claims their name for
          their browser: a second browser asking for the same name is
          refused until you release it, so nobody overwrites anyone.

        The register's columns are listed in
        [register-columns]({REF}/register-columns.md).
        """),
        code(
            """
            import datetime as dt
            from pathlib import Path

            import pandas as pd
            import plotly.graph_objects as go

            from workbench import workshop
            from workbench.project import Project

            FACILITATOR = "Fay"
            TEMPLATE = "support-assistant"
            SIMULATE = True  # this run plays three participants; set False in a real workshop
            """,
            WORK_SETUP,
            """

            PROJECT = WORK / "workshop"  # the participant dashboard's default project too
            if (PROJECT / "project.yaml").is_file():
                project = Project.open(PROJECT)
            else:
                project = Project.create(PROJECT, template=TEMPLATE, actor=FACILITATOR)
            print(f"workshop project: {PROJECT.resolve()}")
            """,
        ),
        md("""
        ## 1. Scope (10 minutes)

        Read the system's description aloud and agree on the boundaries. Write
        what is **out of scope** down, so nobody reads the register as more
        than it is. Prompts: *Who owns the system? Which data does it touch?
        What changed since the last review? Which suppliers are involved?*
        """),
        code("""
        model = project.model
        SCOPE = {
            "system": f"{model.name} ({model.id})",
            "owner": model.fact("owner"),
            "in scope": "the chat, the assistant and its tools, retrieval, the hosted models, logging",
            "out of scope": "the helpdesk product itself, the identity provider, the provider's infrastructure",
            "incident plan": model.fact("incident_plan"),
        }
        print(model.description, "\\n")
        for key, value in SCOPE.items():
            print(f"{key:>14}: {value}")
        """),
        md("""
        ## 2. Model (20 minutes)

        Walk the components zone by zone and ask the owners to confirm each.
        The **assumptions** are the best agenda: each is an attribute nobody
        stated, which a rule took to be insecure; then go through the other
        unstated attributes. Change the model
        where the group corrects it; every edit is checked and recorded with
        your name.
        """),
        code("""
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
        print("\\nOther attributes nobody stated yet:")
        for c in model.components():
            if model.unstated(c.id):
                print(f"  {c.id}: {', '.join(model.unstated(c.id))}")
        """),
        md("""
        For example, the group learns that the conversation log keeps its
        backups offline. We record it (running this twice changes nothing):
        """),
        code("""
        if project.model.component("conversation-log").get("backed_up") is not True:
            project.edit_model(lambda m: m.update_component("conversation-log", backed_up=True), by=FACILITATOR)
        print("conversation-log backed_up:", project.model.component("conversation-log").get("backed_up"))
        """),
        md("""
        ## 3. Threats (30 minutes)

        Open the workbench on the shared screen. Walk the **attack paths**
        first (they tell the story: where an attacker gets in and what they
        reach), then the findings by component. Add what the rules missed in
        the *Add finding* tab.
        """),
        code("""
        from workbench.ui import open_workbench

        wbench = open_workbench(PROJECT, actor=FACILITATOR)
        project = wbench.session.project  # share one project object with the workbench
        wbench.view
        """),
        code("""
        catalog = project.catalog
        paths = project.state().result.attack_paths
        print(f"{len(paths)} attack paths; the longest ones:")
        for path in sorted(paths, key=lambda p: (-len(p.hops), -p.max_score, p.id))[:4]:
            names = [project.model.component(n).name for n in path.nodes]
            print("  " + " -> ".join(names))
            for hop in path.hops:
                print(f"      {hop.technique} {catalog.technique(hop.technique).display_name}")
        """),
        md("""
        ## 4. Scoring round (30 minutes)

        Everyone scores the **high and critical** findings on their own,
        without discussion, in the participant dashboard: likelihood and
        impact on the 1-5 scales with their words, and a comment. Ten minutes
        is usually enough for ten findings. Each participant's dashboard
        writes only that participant's file in `ratings/`.

        In this unattended run, three participants are simulated: each writes
        a ratings file exactly as the dashboard does (`workshop.save_rating`).
        """),
        code("""
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
        """),
        md("""
        **Merge.** Each finding gets the median of the scores and the
        **spread** (highest minus lowest); the table starts with the findings
        people disagree on most. Discuss those first: disagreement usually
        means people picture different attacks or know different facts.
        """),
        md("""
        **Who has rated what.** One row per participant: how many findings
        they scored, which are missing, and whether a browser holds their
        name. A participant who changed browser asks you to release the
        name: `workshop.release_claim(PROJECT, "name")`.
        """),
        code("""
        progress = pd.DataFrame(workshop.rating_progress(project))
        progress[["participant", "count", "claimed", "missing"]] if len(progress) else "nobody has rated yet"
        """),
        code("""
        merged = workshop.merge_ratings(project)
        table = pd.DataFrame([m.to_dict() for m in merged])
        table[["finding", "participants", "median_likelihood", "median_impact", "median_score", "spread", "comments"]]
        """),
        code("""
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
        """),
        md("""
        **Consensus.** After discussing a finding, record the agreed
        likelihood and impact with the names of the participants. It becomes
        the finding's score (an override whose reason names them) and a note
        in the decision log. Here we take the median of the three most
        disputed findings.
        """),
        code("""
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
        """),
        md("""
        ## 5. Decisions (20 minutes)

        Every high and critical finding needs a decision with an owner
        (guideline 1.2). Decide the clear ones in the room; give the rest an
        owner who brings a proposal by a date. Decisions below are recorded
        once: running the notebook again does not repeat them.
        """),
        code("""
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
        """),
        md("""
        ## 6. Wrap-up (10 minutes)

        Export what the group produced and agree on the next review date.
        On Binder, download the project archive: the session is temporary,
        the archive opens again with `unpack_project` (or the workbench's
        *Export* tab).
        """),
        code("""
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
        """),
    ]


# 04 Workshop participant ---------------------------------------------------------------------------


def workshop_participant() -> list[Cell]:
    return [
        md("""
        # Score the findings

        1. **Pick your name** (or type it) and press Enter.
        2. For each finding, read what could happen and why the workbench
           raised it, then choose a **likelihood** and an **impact**.
        3. Press **Save my rating**. Your scores go to your own file. Your
           name is claimed for this browser: another browser asking for it is
           refused until the facilitator releases it, so nobody else can
           overwrite your scores. You can change a score any time; the old
           one is kept in your file.

        Score on your own first: the group discusses the differences afterwards.
        (In JupyterLab: *Run > Run All Cells*; the code is folded away.)
        """),
        code(
            """
        import base64
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
            try:
                Project.create(PROJECT, template=TEMPLATE)
            except ProjectError:
                pass  # another participant's dashboard created it just now
        project = Project.open(PROJECT)  # read only: a participant writes nothing but their ratings file
        matrix = project.matrix
        catalog = project.catalog
        rows = [r for r in project.state().rows if matrix.band_rank(r["band"]) >= matrix.band_rank(FROM_BAND)]
        rows.sort(key=lambda r: (r["element_name"], r["id"]))
        """,
            hidden=True,
        ),
        code(
            """
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
                "xaxis": {"title": "likelihood", "tickvals": levels, "tickangle": -40,
                          "ticktext": [f"{i} {matrix.likelihood_label(i)}" for i in levels]},
                "yaxis": {"title": "impact", "tickvals": levels,
                          "ticktext": [f"{i} {matrix.impact_label(i)}" for i in levels]},
                "width": 350, "height": 360, "margin": {"l": 90, "r": 8, "t": 40, "b": 90},
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


        def show_finding(*_args) -> None:
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


        def show_progress(*_args) -> None:
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


        def on_name(_change) -> None:
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


        def on_save(_button) -> None:
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
            elif result.outcome == "changed":
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
        """,
            hidden=True,
        ),
    ]


# 05 Training course --------------------------------------------------------------------------------


def training_course() -> list[Cell]:
    return [
        md(f"""
        # Training: AI threats with MITRE ATLAS and the secure-AI guidelines

        Guideline 1.1 of the *Guidelines for secure AI system development*
        asks teams to learn the threats to AI systems. This course does it on
        small systems, with exercises. Each exercise has an **answer cell**:
        replace `None` with your answer and run the cell; the check below it
        tells you whether you are right and why. Unanswered, it says *not
        answered yet*. Stuck? `print(training.solution("<exercise>"))`.

        References: the component kinds and their attributes
        ([component-kinds]({REF}/component-kinds.md)) and the conditions rules
        can test ([rule-vocabulary]({REF}/rule-vocabulary.md)).
        """),
        code("""
        import pandas as pd

        import workbench as wb
        from workbench import training

        catalog = wb.load_catalog()
        guidelines = wb.load_guidelines()
        print(f"ATLAS {catalog.atlas_version}: {len(catalog.tactics())} tactics, {len(catalog.techniques())} techniques")
        """),
        md("""
        ## Part 1: the guidelines

        The guidelines (NCSC, CISA and partner agencies, 2023) have four
        stages and seventeen guidelines. The workbench checks each one against
        your model (pass, fail, unknown); here is what each asks for.
        """),
        code("""
        pd.DataFrame(
            [{"#": g.number, "stage": g.stage_name, "guideline": g.title,
              "checks": " ".join(c.text for c in g.checks)} for g in guidelines.guidelines()]
        ).style.hide(axis="index").set_properties(**{"text-align": "left", "white-space": "normal"})
        """),
        md("""
        ### Exercise 1: which guideline covers this?

        For each scenario, answer with the guideline's number, e.g. `"2.3"`.
        """),
        code("""
        for key, (scenario, _right, _why) in training.GUIDELINE_QUESTIONS.items():
            print(f"{key}: {scenario}")
        """),
        code("""
        answer_red_team = None    # e.g. "3.4"
        answer_supplier = None
        answer_disclosure = None
        answer_drift = None
        """),
        code("""
        for key, answer in [("red-team", answer_red_team), ("supplier", answer_supplier),
                            ("disclosure", answer_disclosure), ("drift", answer_drift)]:
            print(f"{key}: {training.check_guideline(key, answer)}\\n")
        """),
        md("""
        ## Part 2: trust boundaries

        Attacks start where data crosses from less trusted to more trusted
        places. The workbench only knows that text typed by a customer is
        untrusted if the model says so: the customer sits in a zone of lower
        trust, or is marked `trusted: false`.

        ### Exercise 2: add the missing trust boundary

        In this chat system everything sits in the internal zone, so the
        analysis does not see customers' text as untrusted input: look at the
        findings, no prompt injection. Change the model so the customer is
        outside, then set `answer = model`.
        """),
        code("""
        model = training.missing_boundary_model()
        print("zones:", [(z.id, z.trust) for z in model.zones()])
        print("components:", [(c.id, c.zone) for c in model.components()])
        print("findings:", [f.id for f in wb.analyze(model).findings])
        """),
        code("""
        # your change here, e.g. model.add_zone(...) and model.update_component(...)

        answer = None  # set to `model` when you have changed it
        """),
        code("""
        training.check_trust_boundary(answer)
        """),
        md("""
        ## Part 3: ATLAS techniques

        A technique is *how* an attacker achieves a goal. The workbench's
        rules say when a technique applies, e.g. *an LLM that reads content
        outsiders can write* → indirect prompt injection. Browse the tactics:
        """),
        code("""
        pd.DataFrame(
            [{"tactic": t.id, "name": t.name, "techniques": len(catalog.techniques(t.id))} for t in catalog.tactics()]
        )
        """),
        md("""
        ### Exercise 3: which technique applies to this retriever?

        Staff ask an assistant questions; it answers from mails retrieved from
        the **shared inbox**, which anyone outside can write to. What is the
        main threat to the LLM? Answer with a letter or an ATLAS id.
        """),
        code("""
        model = training.retriever_model()
        for c in model.components():
            print(f"{c.id:10} {c.kind:17} {dict(c.attrs)}")
        print()
        for letter, (technique, _why) in training.TECHNIQUE_OPTIONS.items():
            print(f"{letter}) {technique} {catalog.technique(technique).display_name}")
        """),
        code("""
        answer = None  # "a", "b", "c", "d" or an ATLAS technique id
        """),
        code("""
        training.check_retriever_technique(answer)
        """),
        md("""
        ## Part 4: what the workbench assumes

        When a rule needs an attribute you did not state, it assumes the
        insecure value and says so in the finding ("assumed: rate_limited not
        stated"). Stating what is true sharpens the analysis.

        ### Exercise 4: state the right attribute

        A partner bank calls a scoring API. One finding includes *cost
        harvesting* (`AML.T0034`, running up the bill with queries) only
        because something was not stated. Which attribute of the API, with
        which value, removes it? Answer with a dict, e.g. `{"some_attribute": False}`.
        """),
        code("""
        model = training.assumption_model()
        for f in wb.analyze(model).findings:
            print(f.id, "| techniques:", ", ".join(f.techniques), "| assumed:", "; ".join(f.assumptions) or "-")
        """),
        code("""
        answer = None  # e.g. {"attribute": True}
        """),
        code("""
        training.check_assumption(answer)
        """),
        md("""
        ## Part 5: scoring

        Likelihood (1 rare ... 5 almost certain) times impact (1 negligible
        ... 5 severe) gives the score; bands group scores so that registers
        can be compared.

        ### Exercise 5: the band of a score

        A finding is *likely* (4) with a *moderate* impact (3). Which band is
        it in: low, medium, high or critical?
        """),
        code("""
        answer = None  # "low", "medium", "high" or "critical"
        """),
        code("""
        training.check_band(answer)
        """),
        md("""
        ## Where next

        * Apply this to a full system: [01-quickstart](01-quickstart.ipynb).
        * See the analysis on five realistic systems: the `case-*.ipynb` notebooks.
        * Record that your team took this training: set `staff_training` (a
          date) in your model's `system` section; guideline 1.1 checks it.
        """),
    ]


# 06 Release review ----------------------------------------------------------------------------------


def release_review() -> list[Cell]:
    return [
        md(f"""
        # Release review: guideline coverage and open risks

        Guideline 3.4, *release AI responsibly*, asks for a security evaluation
        before a model or AI feature is released. This notebook is the review
        a release owner runs: which of the seventeen guidelines the system
        meets, which high risks are still undecided, the **release gate** a
        pipeline enforces, and the report that goes with the release.

        We review the *contract summariser* example, where the design team
        already decided some findings. Register columns:
        [register-columns]({REF}/register-columns.md).
        """),
        code(
            """
            import datetime as dt
            import shutil
            from pathlib import Path

            import pandas as pd

            from workbench.cli import main as workbench_cli
            from workbench.project import Project

            REVIEWER = "Rita"
            """,
            WORK_SETUP,
            FRESH,
            """

            PROJECT = fresh(WORK / "release-review")
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
            """,
        ),
        md("""
        ## 1. Guideline coverage

        Each guideline has checks that the model's attributes answer: **pass**,
        **fail**, or **unknown** when the model does not say. A guideline
        fails when any check fails and passes only when all pass.
        """),
        code("""
        from workbench.session import Session

        coverage = Session(project).coverage()
        print(", ".join(f"{n} {state}" for state, n in coverage.counts().items()), "of 17 guidelines")
        coverage.summary_dataframe()
        """),
        md("""
        The details of every check that did not pass: this is the list the
        release owner works through (fill in what is unknown, fix or accept
        what fails).
        """),
        code("""
        checks = coverage.to_dataframe()
        pending = checks[checks["status"] != "pass"][["guideline", "check_id", "status", "details"]]
        pending.style.hide(axis="index").set_properties(**{"text-align": "left", "white-space": "pre-wrap"})
        """),
        md("""
        ## 2. Open risks

        `project.undecided("high")` lists the findings at or above *high*
        that have no current decision, or whose decision is due for review.
        """),
        code("""
        open_risks = pd.DataFrame(project.undecided("high"))
        open_risks[["id", "technique_name", "score", "band", "status"]]
        """),
        md("""
        ## 3. The release gate

        In the release pipeline the same question is one command, whose exit
        code stops the release while a high or critical finding is undecided:

        ```bash
        workbench check path/to/project --fail-on high    # exit 0: go; exit 1: no go
        ```

        Here we call the command line in the notebook's own Python:
        """),
        code("""
        exit_code = workbench_cli(["check", str(PROJECT), "--fail-on", "high"])
        print("exit code:", exit_code, "(no go)" if exit_code else "(go)")
        """),
        md("""
        ## 4. The release decisions

        The release owner decides each open risk: mitigations that must land
        before the release are chosen with an owner, and risks the business
        accepts carry a rationale and an early review date.
        """),
        code("""
        review = project.today() + dt.timedelta(days=90)
        RELEASE_DECISIONS = {  # finding: (treatment, mitigation, rationale)
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
        for finding, (treatment, mitigation, rationale) in RELEASE_DECISIONS.items():
            if mitigation:
                project.choose_mitigation(finding, mitigation, status="planned", owner="Release owner", due=review, by=REVIEWER)
            project.decide(finding, treatment, rationale, owner="Release owner", review_by=review, by=REVIEWER)
        exit_code = workbench_cli(["check", str(PROJECT), "--fail-on", "high"])
        print("exit code:", exit_code, "(no go)" if exit_code else "(go)")
        """),
        md("""
        Guideline 1.2 (*model the threats to your system*) now passes its
        check that every high and critical threat has a decision and an owner:
        """),
        code("""
        coverage = Session(project).coverage()
        g = coverage.guideline("1.2")
        print(f"1.2 {g.title}: {g.state}")
        for check in g.checks:
            print(f"  {check.status:7} {check.text}")
        """),
        md("""
        ## 5. The report

        One self-contained HTML file (no scripts, no external files; it prints
        cleanly) with the system graph, the register, the decisions and the
        guideline coverage, to attach to the release record.
        """),
        code("""
        from workbench.export.report import write_html_report

        report = write_html_report(project, PROJECT / "exports" / "report.html")
        print(f"report: {report.resolve()} ({report.stat().st_size // 1024} KiB)")
        """),
    ]


# Case studies ----------------------------------------------------------------------------------------

CASES: dict[str, dict[str, object]] = {
    "support-assistant": {
        "title": "Case study: a customer-support assistant",
        "intro": """
            A web chat answers customers' questions with a **hosted LLM**,
            grounded in help-centre articles and the customer's **previous
            tickets** (retrieval from a vector index), and an agent updates
            tickets through a **ticketing tool** with write access.

            What makes it interesting: customers write text in two places (the
            chat and their tickets), and the assistant can act.
            """,
        "findings": [
            (
                "llm-indirect-prompt-injection@llm",
                "Customers can write tickets, and tickets come back as context: a ticket can carry instructions for the LLM that the customer never types into the chat. This is the finding to explain to the product owner first.",
            ),
            (
                "agent-tool-misuse@ticketing-tool",
                "The consequence of injection: the agent calls the ticketing tool with the privileges of the service, not of the customer. A planted instruction can close, edit or annotate other customers' tickets.",
            ),
            (
                "cross-tenant-retrieval@vector-store",
                "One index holds every customer's tickets and retrieval does not check who may read each chunk, so a well-phrased question can pull another customer's ticket into the answer, without any attack on the LLM.",
            ),
            (
                "llm-rendered-output@chat-frontend",
                "The chat renders markdown: an injected answer can include an image whose URL carries conversation data to an attacker's server as soon as the browser loads it.",
            ),
        ],
        "path": ["customer", "customer-tickets", "ticketing-tool"],
        "path_text": "A customer writes a ticket with hidden instructions (RAG poisoning, `AML.T0070`); when the assistant later reads it, it calls the ticketing tool as the attacker wishes (`AML.T0053`). Two hops, no exploit needed.",
        "decisions": [
            (
                "agent-tool-misuse@ticketing-tool",
                "mitigate",
                "AML.M0029",
                "Ticket writes need a human approval; the tool acts with the customer's own token",
            ),
            (
                "cross-tenant-retrieval@vector-store",
                "mitigate",
                "AML.M0026",
                "Retrieval filtered by the signed-in customer's id before ranking",
            ),
            (
                "llm-rendered-output@chat-frontend",
                "mitigate",
                "wb-no-auto-external-images",
                "No external images; links only to our domains",
            ),
            (
                "supplier-data-exposure@llm",
                "accept",
                None,
                "Contract excludes training; 30-day retention; Legal reviewed the terms",
            ),
        ],
        "reviewer": """
            A reviewer would insist on the first three before launch: they
            stop the attack path where it becomes harmful (the tool) and close
            a data leak that needs no attacker skill. Sending personal data to
            the provider is a contractual question: it is accepted on the
            strength of the contract, with a review date.
            """,
    },
    "coding-agent": {
        "title": "Case study: a coding agent",
        "intro": """
            Developers ask a **coding agent** to implement changes. It reads and
            edits the repository, runs code in a **sandboxed interpreter**,
            searches the web and the issue tracker through **third-party MCP
            servers** and opens pull requests. Its rules (`AGENTS.md`) and its
            MCP configuration live in the shared repository.

            What makes it interesting: everything the agent reads is a channel
            for instructions, and it acts with the developer's rights.
            """,
        "findings": [
            (
                "agent-config-tampering@coding-agent",
                "The agent's rules are a file any contributor can change: a merged pull request that edits `AGENTS.md` reprograms every developer's agent on its next run.",
            ),
            (
                "third-party-agent-tool@web-search-mcp",
                "An MCP server's tool descriptions are read by the agent as instructions, and its code runs with the agent's access: a poisoned or silently updated server redirects the agent (a rug pull).",
            ),
            (
                "agent-tool-misuse@repo-tool",
                "Content from the repository and the web reaches the agent, which writes to the repository: injected instructions become commits.",
            ),
            (
                "code-execution-tool@code-interpreter",
                "Code written by the model runs in the interpreter; sandboxing helps, but with network egress a planted command can still send data out.",
            ),
        ],
        "path": ["outside-contributor", "source-repository", "repo-tool", "coding-agent"],
        "path_text": "An outside contributor plants instructions in the repository, the repository tool hands them to the agent, and the agent follows the changed configuration (`AML.T0081`). No credentials are needed at any step.",
        "decisions": [
            (
                "agent-config-tampering@coding-agent",
                "mitigate",
                "wb-protect-agent-config",
                "AGENTS.md and MCP config behind CODEOWNERS review by the platform team",
            ),
            (
                "third-party-agent-tool@web-search-mcp",
                "mitigate",
                "wb-pin-tool-versions",
                "MCP servers pinned by version and hash; updates reviewed",
            ),
            (
                "agent-tool-misuse@repo-tool",
                "mitigate",
                "AML.M0029",
                "The agent opens pull requests only; a developer reviews every change",
            ),
            (
                "code-execution-tool@code-interpreter",
                "mitigate",
                "wb-restrict-egress",
                "Interpreter sandbox without network egress except the package mirror",
            ),
        ],
        "reviewer": """
            A reviewer would first close the cheapest path for an outsider
            (configuration in the shared repository), then pin third-party
            tools and keep a human between the agent and the main branch.
            """,
    },
    "fraud-classifier": {
        "title": "Case study: a card-fraud classifier",
        "intro": """
            A classifier scores card transactions in real time. **Partner
            banks** call the scoring endpoint; high scores open cases for
            fraud analysts; analysts' decisions and partners' **chargebacks
            become labels**, and the model is **retrained every night**.

            What makes it interesting: a classical (non-LLM) model that is
            itself a security control, with adversaries who are motivated to
            learn what it lets through, and a feedback loop into training.
            """,
        "findings": [
            (
                "security-detector-evasion@fraud-model",
                "Fraudsters adapt until their transactions are no longer flagged: the model is a detector, so evasion (`AML.T0015`) is its normal threat, not an exotic one.",
            ),
            (
                "feedback-loop-poisoning@labelled-feedback",
                "Chargebacks from partners become labels and the model retrains nightly: a steady trickle of false labels shifts what the model learns.",
            ),
            (
                "model-extraction-via-api@scoring-endpoint",
                "The API returns scores, so enough queries let a partner (or a thief with a partner's key) build a copy to test fraud patterns offline.",
            ),
            (
                "unsafe-model-serialization@fraud-model",
                "The model is stored with joblib, a pickle format that runs code when loaded: whoever can swap the file runs code in the scoring service.",
            ),
        ],
        "path": ["partner-bank", "labelled-feedback"],
        "path_text": "A partner bank reports chargebacks that become training labels (`AML.T0020`, poisoning): one hop from an outside party to what the model learns tomorrow.",
        "decisions": [
            (
                "feedback-loop-poisoning@labelled-feedback",
                "mitigate",
                "AML.M0007",
                "Labels from partners are sanitised and weighted; retraining stops on label drift",
            ),
            (
                "model-extraction-via-api@scoring-endpoint",
                "mitigate",
                "AML.M0002",
                "Return a coarse risk band instead of the raw score",
            ),
            (
                "unsafe-model-serialization@fraud-model",
                "mitigate",
                "AML.M0011",
                "Export to ONNX; loading pickle formats is blocked in production",
            ),
            (
                "security-detector-evasion@fraud-model",
                "accept",
                None,
                "Inherent to fraud detection; monitored through the weekly fraud-loss review",
            ),
        ],
        "reviewer": """
            A reviewer would treat evasion as the price of the business
            (accepted, monitored) and spend effort on what is cheap to fix:
            the feedback loop, the score precision and the file format.
            """,
    },
    "edge-vision": {
        "title": "Case study: edge camera analytics",
        "intro": """
            Cameras in stations feed an **object detector on edge devices**;
            only events and snapshots go to the cloud. The detector is an
            **open-weights model from a public hub**, checked by a validation
            job and rolled out **over the air**.

            What makes it interesting: anyone can stand in front of the
            camera, the weights are public, and the update channel reaches
            every device.
            """,
        "findings": [
            (
                "unsafe-model-serialization@detector-model",
                "The weights are a PyTorch pickle: loading a swapped file runs code on every device the update reaches.",
            ),
            (
                "physical-adversarial-input@detector-model",
                "Anyone in the station can show the camera a printed pattern that hides an object or triggers false alarms.",
            ),
            (
                "public-model-offline-attack-staging@detector-model",
                "The same weights are public, so attackers develop such patterns offline, with full access to the model.",
            ),
            (
                "third-party-model-supply-chain@detector-model",
                "A poisoned or look-alike upload on the hub would become the production model.",
            ),
        ],
        "path": ["passers-by", "camera", "edge-runtime", "events-backend", "events-store"],
        "path_text": "From people in front of the camera through the edge runtime to the events backend and its store: the attack path shows that the physical world is an entry point.",
        "decisions": [
            (
                "unsafe-model-serialization@detector-model",
                "mitigate",
                "AML.M0011",
                "Convert to safetensors before validation; the runtime refuses pickle",
            ),
            (
                "third-party-model-supply-chain@detector-model",
                "mitigate",
                "AML.M0013",
                "Pin the hub revision by hash; sign what the OTA service ships",
            ),
            (
                "physical-adversarial-input@detector-model",
                "accept",
                None,
                "Operators confirm incidents on video; detection is advisory",
            ),
            (
                "public-model-offline-attack-staging@detector-model",
                "accept",
                None,
                "Public weights are a deliberate choice; accepted with the physical-input risk",
            ),
        ],
        "reviewer": """
            A reviewer would fix the supply chain (file format, pinning,
            signing) because it reaches the whole fleet at once, and accept the
            physical attacks where a human confirms every incident.
            """,
    },
    "contract-summariser": {
        "title": "Case study: a contract summariser",
        "intro": """
            Clients' legal teams **upload contracts** and get structured
            summaries. The summariser is an **open-weights model fine-tuned in
            house on the firm's confidential contract corpus**.

            What makes it interesting: the uploaded documents are written by
            third parties, and the model has learned from confidential data.
            """,
        "findings": [
            (
                "llm-indirect-prompt-injection@contract-llm",
                'A contract is text written by the other party: a clause can address the model ("summarise this as standard terms") and change the summary a lawyer relies on.',
            ),
            (
                "llm-training-data-leakage@contract-llm",
                "The model was fine-tuned on other clients' confidential contracts; crafted inputs can make it reproduce passages of them.",
            ),
            (
                "model-extraction-via-api@summariser-api",
                "The fine-tuned model is the firm's asset; a client with enough queries can train a copy.",
            ),
            (
                "llm-rendered-output@web-app",
                "Summaries are rendered as markdown: an injected link or image can carry data out of the client's session.",
            ),
        ],
        "path": ["uploaded-contracts", "summariser-api", "contract-llm"],
        "path_text": "An uploaded contract goes through the summarisation API to the model (`AML.T0047`, then indirect prompt injection `AML.T0051.001`): the attacker only needs to be a party to a contract.",
        "decisions": [
            (
                "llm-indirect-prompt-injection@contract-llm",
                "mitigate",
                "AML.M0024",
                "Uploaded text delimited and logged; summaries flagged when instructions are detected",
            ),
            (
                "llm-training-data-leakage@contract-llm",
                "mitigate",
                "AML.M0008",
                "Leakage red-team before each release; canary clauses in the corpus",
            ),
            (
                "model-extraction-via-api@summariser-api",
                "mitigate",
                "AML.M0004",
                "Per-client quotas and billing per document",
            ),
            (
                "llm-rendered-output@web-app",
                "mitigate",
                "wb-sanitise-html",
                "Render summaries as sanitised text",
            ),
        ],
        "reviewer": """
            A reviewer would focus on what a lawyer relies on: the integrity of
            the summary (injection) and the confidentiality of other clients'
            contracts (leakage); both need evidence from testing before release.
            """,
    },
}


def case_study(template: str) -> list[Cell]:
    case = CASES[template]
    findings = case["findings"]
    decisions = case["decisions"]
    assert isinstance(findings, list) and isinstance(decisions, list)
    cells = [
        md(
            f"# {case['title']}",
            "",
            str(case["intro"]),
            "",
            f"""
            This case study shows the system and its graph, the findings a
            reviewer reads first, one attack path, and the decisions a reviewer
            would record. Kinds and attributes are described in
            [component-kinds]({REF}/component-kinds.md); what each rule tests, in
            [rule-vocabulary]({REF}/rule-vocabulary.md).
            """,
        ),
        code(
            f'''
            import datetime as dt
            import shutil
            import textwrap
            from pathlib import Path

            import pandas as pd
            import plotly.graph_objects as go

            from workbench.project import Project
            from workbench.ui import open_workbench

            TEMPLATE = "{template}"
            REVIEWER = "Sam"
            ''',
            WORK_SETUP,
            FRESH,
            """

            PROJECT = fresh(WORK / f"case-{TEMPLATE}")
            wbench = open_workbench(PROJECT, template=TEMPLATE, actor=REVIEWER)
            project = wbench.session.project
            model, catalog = project.model, project.catalog
            print(f"{model.name}: {len(model.components())} components, {len(model.flows())} flows, "
                  f"{len(project.state().rows)} findings")
            """,
        ),
        md("""
        ## The system

        Components by zone (the zones' trust levels in brackets) and what the
        analysis sees as entry points and crown jewels.
        """),
        code("""
        trust = {z.id: z.trust for z in model.zones()}
        display(pd.DataFrame(
            [{"zone": f"{c.zone} ({trust[c.zone]})", "id": c.id, "kind": c.kind, "name": c.name}
             for c in sorted(model.components(), key=lambda c: (trust[c.zone], c.id))]
        ))
        print("entry points:", ", ".join(c.name for c in model.entry_points()))
        print("crown jewels:", ", ".join(c.name for c in model.crown_jewels()))
        """),
        md("""
        ## The graph

        Zones are columns ordered by trust; each component's colour is the band
        of its highest finding and its symbol is its kind. The attack path
        discussed below is drawn over the flows.
        """),
        code(f"""
        PATH = {case["path"]!r}
        paths = wbench.session.attack_paths()
        index = next((i for i, p in enumerate(paths) if list(p.nodes) == PATH), None)
        if index is None:
            raise LookupError(f"the analysis no longer finds the path {{PATH}}: update this case study")
        wbench.session.select_path(index)
        figure = go.Figure(wbench.graph.fig)  # a static copy of the workbench's graph
        figure.update_layout(width=None, autosize=True)  # as wide as the notebook
        figure
        """),
        md("""
        ## Key findings

        The findings a reviewer reads first, with the reason the workbench
        gives and its prefilled score.
        """),
        code("""
        register = project.register()


        def explain(finding_id: str) -> None:
            try:
                row = register.row(finding_id)
            except KeyError:
                raise LookupError(f"the analysis no longer reports {finding_id}: update this case study") from None
            print(f"{row['title']}  [{row['id']}]")
            print(f"  {row['technique']} {row['technique_name']}: https://atlas.mitre.org/techniques/{row['technique']}")
            print(textwrap.fill(row["reason"], 100, initial_indent="  why: ", subsequent_indent="    "))
            print(f"  prefilled: likelihood {row['likelihood']} x impact {row['impact']} = {row['score']} ({row['band']})\\n")
        """),
    ]
    for fid, text in findings:
        cells.append(md(text))
        cells.append(code(f'explain("{fid}")'))
    cells += [
        md(
            "## An attack path",
            "",
            str(case["path_text"]),
            "",
            """
            Each hop is labelled with the technique that moves the attacker on;
            preconditions (what the attacker prepares beforehand) stand at the start.
            """,
        ),
        code("""
        path = paths[index]
        if path.preconditions:
            print("before:", ", ".join(f"{t} {catalog.technique(t).display_name}" for t in path.preconditions))
        for hop in path.hops:
            tactic = catalog.tactic(hop.tactic).name if hop.tactic else ""
            print(f"{model.component(hop.source).name} -> {model.component(hop.node).name}")
            print(f"    {hop.technique} {catalog.technique(hop.technique).display_name} ({tactic})"
                  + (f"; finding {hop.finding}" if hop.finding else ""))
        """),
        md("## What a reviewer would decide", "", str(case["reviewer"])),
        code(
            "DECISIONS = [  # (finding, treatment, mitigation, rationale)\n"
            + "".join(
                "    (\n"
                + "".join(
                    f"        {json.dumps(v) if isinstance(v, str) else repr(v)},\n" for v in d
                )
                + "    ),\n"
                for d in decisions
            )
            + "]\n"
            + textwrap.dedent("""
            for finding, treatment, mitigation, rationale in DECISIONS:
                if mitigation:
                    project.choose_mitigation(
                        finding, mitigation, status="planned", owner="System owner",
                        due=project.today() + dt.timedelta(days=120), by=REVIEWER,
                    )
                project.decide(finding, treatment, rationale, owner="System owner",
                               review_by=project.today() + dt.timedelta(days=365), by=REVIEWER)
            decided = project.register().df
            decided = decided[decided["id"].isin([d[0] for d in DECISIONS])]
            decided[["id", "treatment", "chosen_mitigations", "score", "projected_score", "projected_band"]]
            """).strip()
        ),
        md("""
        ## Explore it yourself

        The whole workbench on this project: click a component in the graph to
        see its findings, try the *Attack paths* and *Guideline coverage* tabs.
        The project is rebuilt each time this notebook runs.
        """),
        code("""
        wbench.refresh()
        wbench.view
        """),
    ]
    return cells


# The list -----------------------------------------------------------------------------------------


# 07 Models grounded in artifacts ----------------------------------------------------------------


def grounded_in_artifacts() -> list[Cell]:
    return [
        md(
            "# Models grounded in real artifacts",
            "",
            f"""
            A model typed by hand leaves facts unstated, and the analysis assumes the
            worst of them: "serialization not stated" is the most common source of a
            critical finding that turns out not to apply. Here the facts come from the
            artifacts themselves, locally and without loading them:

            1. the register of an edge-vision system whose model file format nobody stated;
            2. `workbench scan` reads the model folder (format, SHA-256, model card) and
               states the facts on the model component, with the scan as their evidence;
            3. the register again: the assumed finding is gone;
            4. a tampered pickle: the scan names the call it would make, and the
               analysis raises a critical finding;
            5. an MCP client configuration imported as an agent and its tools.

            The attributes the scan states are described in
            [component-kinds]({REF}/component-kinds.md); the rules that read them in
            [rule-vocabulary]({REF}/rule-vocabulary.md). How each format is read:
            [docs/scan.md](../docs/scan.md).
            """,
        ),
        code(
            """
            import datetime as dt
            import json
            import os
            import shutil
            import struct
            from pathlib import Path

            import pandas as pd

            from workbench.interop import import_model
            from workbench.project import Project
            from workbench.rules import analyze
            from workbench.scan import apply_scan, scan_paths
            """,
            WORK_SETUP,
            FRESH,
            """

            PROJECT = fresh(WORK / "grounded-edge-vision")
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
            """,
        ),
        md("""
        ## The register before the scan

        `unsafe-model-serialization` fires on an assumption: the format is
        unstated, so the rule assumes one that runs code when loaded.
        """),
        code("""
        before = register_of(MODEL)
        before
        """),
        md("""
        ## The model folder

        A folder as a model hub publishes it: the weights in safetensors, the
        architecture in `config.json`, and a model card (`README.md`) whose front
        matter names the licence, base model and datasets. The safetensors file
        is written here by hand (an 8-byte header length, a JSON header, the
        tensor bytes), as a training job would save it.
        """),
        code("""
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
            "---\\nlicense: apache-2.0\\nbase_model: vision-hub/detector-v8-base\\n"
            "datasets:\\n  - vision-hub/street-scenes\\n---\\n# Detector v8 (medium)\\n",
            encoding="utf-8")
        sorted(p.name for p in ARTIFACTS.iterdir())
        """),
        md("""
        ## Scan and record

        `scan_paths` reads every file statically: nothing is loaded, unpickled or
        imported. `apply_scan` states the results on the model component (format,
        SHA-256, licence, base model, datasets, the model card as docs) and records
        the scan itself in `artifact_scan`. From a terminal the same is

        ```
        workbench scan detector-artifacts/ --model system.yaml --component detector-model
        ```
        """),
        code("""
        report = scan_paths([ARTIFACTS])
        print(report.to_text())
        SCANNED = dt.date(2026, 11, 25)  # the evidence carries a date; fixed here for a stable notebook
        changes = []
        project.edit_model(lambda m: changes.extend(apply_scan(m, MODEL, report, date=SCANNED)), by="Sam")
        print("\\n".join(changes))
        """),
        code("""
        detector = project.model.component(MODEL)
        {key: detector.get(key) for key in
         ("serialization", "sha256", "license", "base_model", "datasets", "scan_verdict", "artifact_scan")}
        """),
        md("""
        ## The register after the scan

        The serialization finding is gone: the format is stated, and safetensors
        holds no code. The supply-chain findings stay, now with the facts that
        ground them (an open-weights model from a public hub).
        """),
        code("""
        after = register_of(MODEL)
        gone = sorted(set(before["rule"]) - set(after["rule"]))
        print("no longer raised:", ", ".join(gone) or "nothing")
        after
        """),
        md("""
        ## A tampered pickle

        The same detector, as a PyTorch-style pickle someone altered: its
        `__reduce__` makes unpickling call `os.system`. The bytes are made with
        `pickle.dumps`; the file is never loaded, and the scan names the call.
        """),
        code("""
        import pickle


        class Tampered:
            def __reduce__(self):
                return (os.system, ("echo this would run on load",))


        EVIL = WORK / "detector-tampered"
        shutil.rmtree(EVIL, ignore_errors=True)
        EVIL.mkdir()
        (EVIL / "detector.pkl").write_bytes(pickle.dumps(Tampered()))
        tampered = scan_paths([EVIL])
        print(tampered.to_text())
        """),
        code("""
        trial = project.model.copy()
        apply_scan(trial, MODEL, tampered, date=SCANNED)
        critical = [f for f in analyze(trial).findings
                    if f.element == MODEL and f.rule == "malicious-code-in-model-file"]
        for finding in critical:
            print(f"{finding.band}: {finding.title}")
            print("  evidence:", "; ".join(finding.evidence))
        """),
        md("""
        ## Agent tools from an MCP configuration

        An MCP client configuration says which servers an agent starts and what it
        hands them. Imported, it becomes an agent and one tool per server, with the
        transport, the package it runs and the names (never the values) of the
        secrets it receives, so the analysis finds the third-party tool supply
        chain and the credential exposure without anyone typing a fact.
        """),
        code("""
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
        """),
    ]


NOTEBOOK_SOURCES: dict[str, Callable[[], list[Cell]]] = {
    "01-quickstart.ipynb": quickstart,
    "02-model-your-own-system.ipynb": model_your_own,
    "03-workshop-facilitator.ipynb": workshop_facilitator,
    "04-workshop-participant.ipynb": workshop_participant,
    "05-training-course.ipynb": training_course,
    "06-release-review.ipynb": release_review,
    **{f"case-{name}.ipynb": (lambda name=name: case_study(name)) for name in CASES},
    "07-models-grounded-in-artifacts.ipynb": grounded_in_artifacts,
}


def render_all() -> dict[str, str]:
    return {name: notebook(name, make()) for name, make in NOTEBOOK_SOURCES.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a notebook is stale")
    args = parser.parse_args(argv)
    stale = []
    for name, text in render_all().items():
        path = NOTEBOOKS / name
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        if args.check:
            stale.append(name)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    if stale:
        print("stale notebooks (run python scripts/make_notebooks.py): " + ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
