"""Packaging: the installed package is this project's, the lock is complete and
hashed, generated files are current, and a built wheel works on its own."""

from __future__ import annotations

import importlib.metadata
import os
import re
import subprocess
import sys
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest

import workbench
from workbench.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _lockfile_module():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import lockfile
    finally:
        sys.path.pop(0)
    return lockfile


def test_imported_package_is_this_distribution():
    # PyPI's unrelated "workbench" installs the same import name: make sure ours is loaded.
    # No other distribution (such as PyPI's unrelated "workbench") provides the package here.
    owners = importlib.metadata.packages_distributions().get("workbench", [])
    assert set(owners) <= {"ai-threat-workbench"}, owners
    dist = importlib.metadata.distribution("ai-threat-workbench")
    assert dist.metadata["Name"] == "ai-threat-workbench"
    assert Path(workbench.__file__).resolve().parent == ROOT / "workbench"
    assert workbench.DISTRIBUTION == "ai-threat-workbench"
    assert workbench.__version__ == importlib.metadata.version("ai-threat-workbench")


def test_version_option_names_the_distribution(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"ai-threat-workbench {workbench.__version__}"


def test_public_api_is_curated():
    for name in workbench.__all__:
        assert getattr(workbench, name) is not None, name
    with pytest.raises(AttributeError):
        workbench.no_such_thing  # noqa: B018


def test_import_is_light():
    code = (
        "import sys, workbench, workbench.cli; "
        "heavy = [m for m in ('pandas', 'plotly', 'ipywidgets', 'stix2') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_lock_pins_every_dependency_with_hashes():
    lockfile = _lockfile_module()
    entries = lockfile.parse_lock((ROOT / "requirements.lock").read_text(encoding="utf-8"))
    names = {e.name for e in entries}
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = tuple(meta["optional-dependencies"])
    assert lockfile.project_roots(extras) <= names
    for entry in entries:
        assert any("--hash=sha256:" in line for line in entry.lines), entry.name
        assert re.match(rf"^{re.escape(entry.lines[0].split('==')[0])}==[^ ;]+", entry.lines[0])


def test_binder_requirements_are_generated_from_the_lock():
    lockfile = _lockfile_module()
    current = (ROOT / "binder" / "requirements.txt").read_text(encoding="utf-8")
    assert current == lockfile.binder_text(), "run: python scripts/lockfile.py binder"
    # The lab environment needs JupyterLab and the widget stack; test tools stay out.
    names = {e.name for e in lockfile.parse_lock(current)}
    assert {"jupyterlab", "ipywidgets", "anywidget", "plotly", "networkx", "stix2"} <= names
    assert not names & {"pytest", "playwright", "mypy", "ruff", "hypothesis"}


def test_readme_has_exactly_two_setup_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- setup-commands -->\s*```(?:bash|sh)\n(.*?)```", readme, re.S)
    assert block, "README lacks the setup-commands block"
    commands = [c for c in block.group(1).splitlines() if c.strip() and not c.startswith("#")]
    assert commands == ["make demo", "make test"]
    assert "pip install workbench" not in readme
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^make test$", ci, re.M)


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kwargs)


@pytest.mark.slow
def test_built_wheel_carries_the_data_and_runs_the_main_job(tmp_path):
    dist = tmp_path / "dist"
    built = _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(dist),
            str(ROOT),
        ]
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = dist.glob("ai_threat_workbench-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "workbench/_catalogs/atlas/atlas-catalog.json",
        "workbench/_catalogs/guidelines.yaml",
        "workbench/_catalogs/templates/support-assistant.yaml",
        "workbench/export/templates/report.html.j2",
        "workbench/export/templates/report.md.j2",
        "workbench/export/templates/report.css",
    ):
        assert required in names, required

    env_dir = tmp_path / "env"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    lockfile = _lockfile_module()
    runtime = tmp_path / "runtime.txt"
    runtime.write_text(lockfile.render_subset((), ""), encoding="utf-8")
    pip = [str(py), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    deps = _run([*pip, "--require-hashes", "--no-deps", "-r", str(runtime)])
    assert deps.returncode == 0, deps.stderr
    inst = _run([*pip, "--no-deps", str(wheel)])
    assert inst.returncode == 0, inst.stderr

    work = tmp_path / "elsewhere"
    work.mkdir()
    clean_env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    where = _run(
        [
            str(py),
            "-c",
            "import importlib.metadata as m, workbench; "
            "print(workbench.__file__); print(m.packages_distributions()['workbench'])",
        ],
        cwd=work,
        env=clean_env,
    )
    assert str(env_dir) in where.stdout, where.stdout + where.stderr
    assert "['ai-threat-workbench']" in where.stdout
    summary = _run(
        [str(env_dir / "bin" / "workbench"), "summary", "--template", "support-assistant"],
        cwd=work,
        env=clean_env,
    )
    assert summary.returncode == 0, summary.stderr
    assert "support" in summary.stdout.lower()
    info = _run(
        [str(env_dir / "bin" / "workbench"), "catalog", "info", "--format", "json"],
        cwd=work,
        env=clean_env,
    )
    assert info.returncode == 0, info.stderr
    assert '"atlas_version": "5.6.0"' in info.stdout
