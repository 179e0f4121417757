"""The Binder contract: what repo2docker reads in ``binder/``, and the README's badge.

mybinder.org itself cannot be reached from the test machines (and there is no
Docker engine to run repo2docker), so these tests check the contract instead:
the files repo2docker reads and their conventions, the launch badge built from
the one repository URL in ``pyproject.toml``, and (marked ``slow``) that a fresh
environment made the way Binder makes it (``pip install -r binder/requirements.txt``
with hashes, then ``binder/postBuild``) runs the quickstart and a case study.
The currency of ``binder/requirements.txt`` against the lock is tested elsewhere
(``scripts/lockfile.py binder --check``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"
sys.path.insert(0, str(ROOT / "scripts"))

import binder_url  # noqa: E402


def test_binder_folder_has_what_repo2docker_reads() -> None:
    assert (BINDER / "requirements.txt").is_file()
    assert (BINDER / "runtime.txt").read_text(encoding="utf-8").strip() == "python-3.11"
    # with binder/ present repo2docker ignores the root; these would change the build
    for name in ("environment.yml", "Dockerfile", "Pipfile", "setup.py", "pyproject.toml"):
        assert not (BINDER / name).exists(), f"binder/{name} would override the pip build"
    assert not (ROOT / ".binder").exists(), "binder/ and .binder/ together are an error"


def test_post_build_installs_the_package_without_its_dependencies() -> None:
    post = BINDER / "postBuild"
    text = post.read_text(encoding="utf-8")
    lines = [line.strip() for line in text.splitlines()]
    assert lines[0] == "#!/bin/bash"
    assert "set -euo pipefail" in lines
    assert "pip install --no-deps ." in lines
    assert post.stat().st_mode & stat.S_IXUSR, "binder/postBuild must be executable"
    tracked = subprocess.run(
        ["git", "ls-files", "--stage", "binder/postBuild"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if tracked.returncode == 0 and tracked.stdout:
        assert tracked.stdout.startswith("100755"), "git must record postBuild as executable"


def test_binder_requirements_are_pinned_hashed_and_enough_for_the_notebooks() -> None:
    text = (BINDER / "requirements.txt").read_text(encoding="utf-8")
    names = {m.group(1).lower() for m in re.finditer(r"^([A-Za-z0-9_.-]+)==\S+", text, flags=re.M)}
    for needed in (
        "jupyterlab",
        "voila",
        "ipykernel",
        "ipywidgets",
        "anywidget",
        "plotly",
        "pandas",
    ):
        assert needed in names, f"binder/requirements.txt lacks {needed}"
    requirements = [
        line for line in text.splitlines() if line and not line.startswith((" ", "#", "\t"))
    ]
    assert requirements and all("==" in r for r in requirements)
    assert text.count("--hash=sha256:") >= len(requirements)
    assert not re.search(r"^(-e\s+)?\.\s*$", text, flags=re.M), "postBuild installs the package"


def test_readme_badge_is_built_from_the_repository_url() -> None:
    urls = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["urls"]
    owner, repo = binder_url.github_repo()
    assert any(f"github.com/{owner}/{repo}" in u for u in urls.values())
    badge = binder_url.badge()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert badge in readme.splitlines(), (
        f"README.md needs the line printed by scripts/binder_url.py:\n{badge}"
    )
    launch = binder_url.launch_url()
    assert launch == (
        f"https://mybinder.org/v2/gh/{owner}/{repo}/HEAD"
        "?urlpath=lab/tree/notebooks/01-quickstart.ipynb"
    )
    assert (ROOT / "notebooks" / "01-quickstart.ipynb").is_file()
    # every Binder link in the README comes from the same place
    found = set(re.findall(r"https://mybinder\.org/v2/[^)\s]+", readme))
    assert found <= {launch, binder_url.dashboard_url()}, found
    assert (
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "scripts" / "binder_url.py"),
                "--check",
                str(ROOT / "README.md"),
            ],
            capture_output=True,
        ).returncode
        == 0
    )


def test_binder_url_takes_the_repository_url_from_pyproject(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        '[project]\nname = "x"\n[project.urls]\n'
        'Homepage = "https://example.org"\nRepository = "https://github.com/acme/tm.git"\n',
        encoding="utf-8",
    )
    assert binder_url.github_repo(pyproject) == ("acme", "tm")
    assert binder_url.dashboard_url(pyproject) == (
        "https://mybinder.org/v2/gh/acme/tm/HEAD"
        "?urlpath=voila/render/notebooks/04-workshop-participant.ipynb"
    )
    pyproject.write_text(
        '[project]\nname = "x"\n[project.urls]\nHomepage = "https://example.org/tm"\n',
        encoding="utf-8",
    )
    with pytest.raises(SystemExit, match="github"):
        binder_url.github_repo(pyproject)


# -- a Binder-like environment ---------------------------------------------------------------------

RUNNER = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    import nbformat
    from nbclient import NotebookClient
    path = Path(sys.argv[1])
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell("import sys; print(sys.prefix)"))
    error = None
    try:
        NotebookClient(nb, timeout=300, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[-4000:]
    prefix = "".join(o.get("text", "") for o in nb.cells[0].outputs).strip()
    print(json.dumps({"error": error, "kernel_prefix": prefix}))
    """
)
NETWORK_TROUBLE = re.compile(
    r"(Could not find a version|No matching distribution|NewConnectionError|"
    r"Temporary failure in name resolution|Network is unreachable|ConnectTimeout)",
    re.I,
)


def _repository_copy(target: Path) -> Path:
    """What repo2docker copies into the image: the repository, without local leftovers."""
    ignore = shutil.ignore_patterns(
        ".git",
        ".venv",
        "__pycache__",
        "*.pyc",
        ".pytest_cache",
        ".mypy_cache",
        ".ruff_cache",
        "test-artifacts",
        "work",
        "out",
        "build",
        "dist",
        ".hypothesis",
        ".ipynb_checkpoints",
    )
    shutil.copytree(ROOT, target, ignore=ignore)
    return target


@pytest.mark.slow
def test_binder_environment_runs_the_quickstart_and_a_case_study(tmp_path: Path) -> None:
    repo = _repository_copy(tmp_path / "repo")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    bindir = venv / "bin"
    python = bindir / "python"
    env = dict(os.environ, PATH=f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")
    env.pop("PYTHONPATH", None)
    env["VIRTUAL_ENV"] = str(venv)
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    install = subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--require-hashes",
            "-r",
            "binder/requirements.txt",
        ],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if install.returncode != 0:
        if NETWORK_TROUBLE.search(install.stderr) and os.environ.get("CI") != "true":
            pytest.skip("the package index is not reachable: " + install.stderr[-300:])
        pytest.fail("pip install -r binder/requirements.txt failed:\n" + install.stderr[-4000:])
    post = subprocess.run(  # exactly what repo2docker runs after the requirements
        ["bash", "binder/postBuild"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert post.returncode == 0, "binder/postBuild failed:\n" + post.stderr[-4000:]
    check = subprocess.run(
        [
            str(python),
            "-c",
            "import workbench, workbench.ui, voila, jupyterlab; print(workbench.__file__)",
        ],
        env=env,
        cwd=tmp_path,  # not the repository, whose workbench/ would shadow the installed one
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert check.returncode == 0, check.stderr
    assert Path(check.stdout.strip()).is_relative_to(venv), "the workbench must come from the venv"

    home = tmp_path / "home"
    run_env = dict(
        env,
        IPYTHONDIR=str(home / "ipython"),
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_DATA_DIR=str(home / "data"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        JUPYTER_PLATFORM_DIRS="1",
    )
    for name in ("01-quickstart.ipynb", "case-fraud-classifier.ipynb"):
        result = subprocess.run(
            [str(python), "-c", RUNNER, str(repo / "notebooks" / name)],
            cwd=repo / "notebooks",
            env=run_env,
            capture_output=True,
            text=True,
            timeout=1200,
        )
        assert result.returncode == 0, result.stderr[-4000:]
        outcome = json.loads(result.stdout.strip().splitlines()[-1])
        assert outcome["error"] is None, f"{name} in the Binder environment:\n{outcome['error']}"
        assert Path(outcome["kernel_prefix"]).resolve() == venv.resolve(), outcome
