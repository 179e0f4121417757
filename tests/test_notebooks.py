"""The notebooks: their sources (``notebooks/*.py``, jupytext percent format) and the paired
``.ipynb`` files agree, the notebooks are committed without outputs, linked to the reference
docs, and each one runs top to bottom in a fresh kernel twice in a row.

The execution tests copy each notebook into a temporary folder of its own (so
``work/`` folders never touch the checkout and notebooks sharing a project do not
race), run it there with nbclient in a fresh kernel, then run it again in another
fresh kernel on what the first run left behind. Jupyter and IPython keep their
files in temporary folders, and HTTP proxies point nowhere, so a notebook that
tried to use the network would fail. The notebooks run in parallel
(``WORKBENCH_NOTEBOOK_WORKERS``, default: the number of CPUs, at least 2).

Also here: the ``workbench lab`` and ``workbench dashboard`` command lines.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import tomllib
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import workbench as wb

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
NAMES = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))
EXPECTED = {
    "01-quickstart.ipynb",
    "02-model-your-own-system.ipynb",
    "03-workshop-facilitator.ipynb",
    "04-workshop-participant.ipynb",
    "05-training-course.ipynb",
    "06-release-review.ipynb",
    "07-models-grounded-in-artifacts.ipynb",
    "case-support-assistant.ipynb",
    "case-coding-agent.ipynb",
    "case-fraud-classifier.ipynb",
    "case-edge-vision.ipynb",
    "case-contract-summariser.ipynb",
    "case-study.ipynb",
}
#: The case study's source, and the file of what it says about each example.
CASE_STUDY = "case-study.ipynb"
CASES_FILE = NOTEBOOKS / "case-studies.toml"
#: Notebooks the execution tests leave out: the case study runs as its copies, one per example
#: (``case-support-assistant.ipynb`` is the case study with its default ``CASE``).
NOT_RUN = {CASE_STUDY}
REF = "../docs/reference/"
#: The reference pages each notebook must link to (where they are relevant).
REQUIRED_LINKS: dict[str, set[str]] = {
    "01-quickstart.ipynb": {"component-kinds.md", "rule-vocabulary.md", "register-columns.md"},
    "02-model-your-own-system.ipynb": {"component-kinds.md", "rule-vocabulary.md"},
    "03-workshop-facilitator.ipynb": {"register-columns.md"},
    "04-workshop-participant.ipynb": set(),  # a dashboard: participants read no reference
    "05-training-course.ipynb": {"component-kinds.md", "rule-vocabulary.md"},
    "06-release-review.ipynb": {"register-columns.md"},
    "07-models-grounded-in-artifacts.ipynb": {"component-kinds.md", "rule-vocabulary.md"},
    **{
        name: {"component-kinds.md", "rule-vocabulary.md"}
        for name in EXPECTED
        if name.startswith("case-")
    },
}
CELL_TIMEOUT = 300  # seconds per cell (a loaded CI machine)
RUNS = 2


def _read(name: str) -> dict[str, Any]:
    return json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))


def _cells(nb: Any) -> list[tuple[str, str, list[str]]]:
    """What a notebook says, as jupytext reads it: each cell's type, source and tags."""
    return [(c.cell_type, c.source, list(c.metadata.get("tags", []))) for c in nb.cells]


# -- static checks --------------------------------------------------------------------------------


def test_the_notebook_set() -> None:
    assert set(NAMES) == EXPECTED
    assert set(REQUIRED_LINKS) == EXPECTED


def test_notebooks_are_current_with_their_generator() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_notebooks.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_notebook_has_a_source_and_every_source_a_notebook() -> None:
    sources = {p.stem for p in NOTEBOOKS.glob("*.py")}
    cases = set(tomllib.loads(CASES_FILE.read_text(encoding="utf-8")))
    assert {f"case-{c}.ipynb" for c in cases} | {f"{s}.ipynb" for s in sources} == set(NAMES)


@pytest.mark.parametrize("source", sorted(p.name for p in NOTEBOOKS.glob("*.py")))
def test_source_and_its_notebook_agree(source: str) -> None:
    """A CI check: the .py and its .ipynb hold the same cells (outputs aside), and pair."""
    jupytext = pytest.importorskip("jupytext")
    text = jupytext.read(NOTEBOOKS / source, fmt="py:percent")
    paired = jupytext.read(NOTEBOOKS / source.replace(".py", ".ipynb"))
    assert _cells(paired) == _cells(text), (
        f"notebooks/{source} and its .ipynb differ: run python scripts/make_notebooks.py"
    )
    assert paired.metadata["jupytext"]["formats"] == "ipynb,py:percent"
    assert text.metadata["jupytext"]["formats"] == "ipynb,py:percent"


@pytest.mark.parametrize("source", sorted(p.name for p in NOTEBOOKS.glob("*.py")))
def test_source_is_as_jupytext_writes_it(source: str) -> None:
    """Saving the paired notebook (JupyterLab with jupytext) rewrites the .py: it stays the same."""
    jupytext = pytest.importorskip("jupytext")
    written = jupytext.writes(jupytext.read(NOTEBOOKS / source.replace(".py", ".ipynb")), "py:percent")
    assert written == (NOTEBOOKS / source).read_text(encoding="utf-8"), (
        f"notebooks/{source} is not in jupytext's form: run jupytext --sync notebooks/{source}"
    )


def test_case_study_copies_are_the_case_study_with_one_example_each() -> None:
    jupytext = pytest.importorskip("jupytext")
    source = _cells(jupytext.read(NOTEBOOKS / "case-study.py", fmt="py:percent"))
    parameters = [i for i, (_, _, tags) in enumerate(source) if "parameters" in tags]
    assert len(parameters) == 1, "the case study needs one cell tagged 'parameters'"
    default = re.search(r'^CASE = "([a-z-]+)"', source[parameters[0]][1], re.M)
    assert default, source[parameters[0]][1]
    cases = tomllib.loads(CASES_FILE.read_text(encoding="utf-8"))
    assert default.group(1) in cases
    assert sorted(cases) == sorted(wb.template_names())  # one case study per bundled example
    at = parameters[0] + 1
    for case in cases:
        copy = _cells(jupytext.read(NOTEBOOKS / f"case-{case}.ipynb"))
        assert copy[:at] + copy[at + 1 :] == source, f"case-{case}.ipynb is not the case study"
        kind, text, tags = copy[at]
        assert (kind, tags) == ("code", ["injected-parameters"])
        assert f'CASE = "{case}"' in text.splitlines()
        assert "jupytext" not in _read(f"case-{case}.ipynb")["metadata"]  # a copy: not paired


def test_case_study_texts_name_real_findings_and_decisions() -> None:
    cases = tomllib.loads(CASES_FILE.read_text(encoding="utf-8"))
    for name, case in cases.items():
        assert {"title", "intro", "path", "path_text", "reviewer", "findings", "decisions"} <= set(case)
        model = wb.load_template(name)
        assert all(node in model for node in case["path"]), f"{name}: path {case['path']}"
        for item in case["findings"] + case["decisions"]:
            finding = item.get("id") or item["finding"]
            assert finding.split("@")[1] in model, f"{name}: {finding} is on no component"
        for decision in case["decisions"]:
            assert decision["treatment"] in {"mitigate", "accept", "transfer", "avoid", "not_applicable"}
            assert ("mitigation" in decision) == (decision["treatment"] == "mitigate"), decision


@pytest.mark.parametrize("name", NAMES)
def test_committed_notebook_has_no_outputs(name: str) -> None:
    nb = _read(name)
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    assert "widgets" not in nb["metadata"], "saved widget state: clear it"
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [], f"{name}: cell {i} has outputs"
            assert cell["execution_count"] is None, f"{name}: cell {i} has an execution count"


@pytest.mark.parametrize("name", NAMES)
def test_notebook_links_resolve_and_reach_the_reference(name: str) -> None:
    nb = _read(name)
    text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    links = re.findall(r"\]\(([^)\s]+)\)", text)
    for link in links:
        if link.startswith(("http://", "https://")):
            continue
        target = (NOTEBOOKS / link.split("#")[0]).resolve()
        assert target.is_file(), f"{name}: broken link {link}"
    linked = {link[len(REF) :] for link in links if link.startswith(REF)}
    missing = REQUIRED_LINKS[name] - linked
    assert not missing, f"{name} should link the reference docs {sorted(missing)}"


@pytest.mark.parametrize("name", NAMES)
def test_notebook_code_cells_are_valid_python(name: str) -> None:
    for i, cell in enumerate(_read(name)["cells"]):
        if cell["cell_type"] == "code":
            try:
                ast.parse("".join(cell["source"]))
            except SyntaxError as exc:
                pytest.fail(f"{name}: cell {i}: {exc}")


@pytest.mark.parametrize("name", NAMES)
def test_notebook_code_uses_no_network_and_no_shell(name: str) -> None:
    nb = _read(name)
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    for forbidden in ("import requests", "urllib.request", "pip install", "http.client", "socket"):
        assert forbidden not in code, f"{name} uses {forbidden}"
    for line in code.splitlines():
        assert not line.lstrip().startswith(("!", "%")), f"{name}: shell or magic line {line!r}"


def test_participant_dashboard_takes_its_project_from_the_environment() -> None:
    code = "".join("".join(c["source"]) for c in _read("04-workshop-participant.ipynb")["cells"])
    assert 'os.environ.get("WORKBENCH_PROJECT")' in code
    assert "workshop.rate(" in code and "token=TOKEN" in code  # writes as the claimed name only
    assert "workshop.claim_name(PROJECT, wanted, TOKEN)" in code
    assert "go.FigureWidget(" in code


# -- running the notebooks ------------------------------------------------------------------------

RUNNER = textwrap.dedent(
    """
    import json, sys, time
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    path, runs, timeout = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    results = []
    for run in range(runs):
        nb = nbformat.read(path, as_version=4)
        start = time.monotonic()
        error = None
        try:
            NotebookClient(nb, timeout=timeout, kernel_name="python3",
                           resources={"metadata": {"path": str(__import__("pathlib").Path(path).parent)}}).execute()
        except CellExecutionError as exc:
            error = str(exc)[-4000:]
        except Exception as exc:  # a timeout or a dead kernel
            error = f"{type(exc).__name__}: {exc}"[-4000:]
        outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
        errors = [f"{o.get('ename')}: {o.get('evalue')}" for o in outputs if o.get("output_type") == "error"]
        stderr = [o.get("text", "") for o in outputs if o.get("output_type") == "stream" and o.get("name") == "stderr"]
        results.append({"run": run + 1, "seconds": round(time.monotonic() - start, 1),
                        "error": error, "errors": errors, "stderr": stderr})
    print(json.dumps(results))
    """
)


def _workers() -> int:
    value = os.environ.get("WORKBENCH_NOTEBOOK_WORKERS")
    return max(1, int(value)) if value else max(2, os.cpu_count() or 2)


def _run_notebook(name: str, base: Path) -> list[dict[str, Any]]:
    folder = base / name.removesuffix(".ipynb") / "notebooks"
    folder.mkdir(parents=True)
    shutil.copy2(NOTEBOOKS / name, folder / name)
    shutil.copy2(CASES_FILE, folder / CASES_FILE.name)  # what the case studies say
    home = folder.parent / "home"
    env = dict(
        os.environ,
        IPYTHONDIR=str(home / "ipython"),
        JUPYTER_CONFIG_DIR=str(home / "jupyter-config"),
        JUPYTER_DATA_DIR=str(home / "jupyter-data"),
        JUPYTER_RUNTIME_DIR=str(home / "jupyter-runtime"),
        JUPYTER_PLATFORM_DIRS="1",
        MPLBACKEND="Agg",
        PYDEVD_DISABLE_FILE_VALIDATION="1",
        # the notebooks never use the network: any HTTP attempt goes nowhere
        HTTP_PROXY="http://127.0.0.1:9",
        HTTPS_PROXY="http://127.0.0.1:9",
        http_proxy="http://127.0.0.1:9",
        https_proxy="http://127.0.0.1:9",
        NO_PROXY="",
        no_proxy="",
    )
    for var in ("WORKBENCH_PROJECT", "WORKBENCH_TEMPLATE", "WORKBENCH_SCORE_FROM"):
        env.pop(var, None)
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER, str(folder / name), str(RUNS), str(CELL_TIMEOUT)],
        capture_output=True,
        text=True,
        env=env,
        cwd=folder,
        timeout=CELL_TIMEOUT * 10,
    )
    if proc.returncode != 0:
        return [{"run": 0, "seconds": 0, "error": proc.stderr[-4000:], "errors": [], "stderr": []}]
    results: list[dict[str, Any]] = json.loads(proc.stdout.strip().splitlines()[-1])
    return results


@pytest.fixture(scope="module")
def executions(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Start every selected notebook's two runs in parallel; tests wait for their own."""
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    selected = [
        item.callspec.params["name"]
        for item in request.session.items
        if item.originalname == "test_notebook_runs_twice_in_fresh_kernels"
        and hasattr(item, "callspec")
    ]
    # the slowest first, so the pool stays busy
    selected.sort(key=lambda n: (not n.startswith("case-"), n not in ("01-quickstart.ipynb",), n))
    base = tmp_path_factory.mktemp("notebook-runs")
    pool = ThreadPoolExecutor(max_workers=_workers())
    futures: dict[str, Future[list[dict[str, Any]]]] = {
        name: pool.submit(_run_notebook, name, base) for name in selected
    }
    yield futures
    pool.shutdown(wait=True, cancel_futures=True)


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in NAMES if n not in NOT_RUN])
def test_notebook_runs_twice_in_fresh_kernels(name: str, executions: Any) -> None:
    results = executions[name].result()
    assert len(results) == RUNS, results
    for r in results:
        assert r["error"] is None, f"{name} run {r['run']} failed:\n{r['error']}"
        assert not r["errors"], f"{name} run {r['run']}: {r['errors']}"
        tracebacks = [s for s in r["stderr"] if "Traceback" in s or "Warning" in s]
        assert not tracebacks, f"{name} run {r['run']} wrote to stderr:\n" + "\n".join(tracebacks)
    print(f"{name}: " + ", ".join(f"run {r['run']} {r['seconds']} s" for r in results))


# -- workbench lab / workbench dashboard ------------------------------------------------------------


def test_lab_command_is_loopback_only_and_opens_the_quickstart() -> None:
    from workbench.commands import lab

    root, quickstart = lab.lab_root(None)
    assert root == ROOT
    assert (root / quickstart).is_file()
    cmd = lab.lab_command(root, quickstart, port=8123, open_browser=False, as_root=True)
    assert cmd[:3] == [sys.executable, "-m", "jupyterlab"]
    assert "--ServerApp.ip=127.0.0.1" in cmd
    assert "--ServerApp.port=8123" in cmd
    assert "--ServerApp.port_retries=0" in cmd
    assert "--allow-root" in cmd and "--no-browser" in cmd
    assert "--LabApp.news_url=None" in cmd
    assert "--LabApp.extension_manager=readonly" in cmd
    assert cmd[-1] == "notebooks/01-quickstart.ipynb"
    assert "--allow-root" not in lab.lab_command(root, quickstart, port=1, as_root=False)


def test_lab_dir_gets_a_copy_of_the_notebooks_and_keeps_edits(tmp_path: Path) -> None:
    from workbench.commands import lab

    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "01-quickstart.ipynb").write_text("{}", encoding="utf-8")
    root, quickstart = lab.lab_root(str(tmp_path))
    assert root == tmp_path.resolve()
    assert (root / quickstart).read_text(encoding="utf-8") == "{}"  # not overwritten
    assert {p.name for p in (root / "notebooks").glob("*.ipynb")} == EXPECTED
    assert (root / "notebooks" / CASES_FILE.name).is_file()  # the case studies read it
    assert (root / "docs" / "reference" / "component-kinds.md").is_file()


def test_dashboard_is_standalone_voila_on_loopback() -> None:
    from workbench.commands import lab

    notebook = lab.find_notebooks() / lab.DASHBOARD_NOTEBOOK
    cmd = lab.dashboard_command(notebook, port=8866, open_browser=False)
    assert cmd[:4] == [sys.executable, "-m", "voila", str(notebook)]
    assert "--Voila.ip=127.0.0.1" in cmd
    assert "--no-browser" in cmd
    assert not any("jupyterlab" in part or "ServerApp" in part for part in cmd)


def test_lab_and_dashboard_reject_unknown_templates_and_projects(tmp_path: Path) -> None:
    import argparse

    from workbench.commands import lab
    from workbench.errors import InputError

    parser = argparse.ArgumentParser()
    lab.register(parser.add_subparsers())
    args = parser.parse_args(["lab", "--template", "no-such-template"])
    with pytest.raises(InputError, match="no template"):
        args.handler(args)
    args = parser.parse_args(["dashboard", str(tmp_path / "missing")])
    with pytest.raises(InputError, match="not a project"):
        args.handler(args)


# The notebooks where the person at the keyboard acts (not the worked examples, whose
# named reviewers are characters of the story): the actor comes from the environment
# or the workbench's "acting as", never from a name written into the notebook.
OWN_WORK = ["01-quickstart.py", "02-model-your-own-system.py", "03-workshop-facilitator.py"]


@pytest.mark.parametrize("name", OWN_WORK)
def test_no_actor_is_hard_coded(name: str) -> None:
    import ast

    tree = ast.parse((NOTEBOOKS / name).read_text(encoding="utf-8"))
    literal = [
        f"line {node.lineno}: {kw.arg}={kw.value.value!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        for kw in node.keywords
        if kw.arg in {"actor", "by"}
        and isinstance(kw.value, ast.Constant)
        and isinstance(kw.value.value, str)
    ]
    literal += [
        f"line {node.lineno}: {target.id} = {node.value.value!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
        for target in node.targets
        if isinstance(target, ast.Name) and target.id in {"ACTOR", "FACILITATOR"}
    ]
    assert not literal, f"{name}: actor written into the notebook: {literal}"
