"""``workbench lab`` and ``workbench dashboard``: the notebooks in JupyterLab, the workshop in Voila.

``workbench lab`` starts JupyterLab on the loopback interface, opened at the
quickstart notebook, with nothing fetched from outside (no news feed, no update
check, no extension manager queries). ``workbench dashboard PROJECT`` serves
the workshop participant notebook with *standalone* Voila: it runs only that
notebook and refuses code from the browser. The dashboard is never served
through a JupyterLab server, whose token would let a participant open the Lab
and run code.

Both replace the ``workbench`` process with the server (``python -m jupyterlab`` or
``python -m voila`` with this Python), which runs in the foreground until Ctrl-C.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import socket
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from workbench.commands._parsers import Options, add_command
from workbench.errors import InputError

__all__ = [
    "DASHBOARD_NOTEBOOK",
    "QUICKSTART",
    "dashboard_command",
    "find_notebooks",
    "lab_command",
    "register",
]

QUICKSTART = "01-quickstart.ipynb"
DASHBOARD_NOTEBOOK = "04-workshop-participant.ipynb"
LOOPBACK = "127.0.0.1"
_PACKAGE = Path(__file__).resolve().parents[1]


def find_notebooks() -> Path:
    """The folder holding the bundled notebooks.

    A source checkout has them in ``notebooks/`` next to the package; an
    installed wheel may carry them as ``workbench/_notebooks`` (and the docs
    they link to as ``workbench/_docs``).
    """
    for folder in (_PACKAGE / "_notebooks", _PACKAGE.parent / "notebooks"):
        if (folder / QUICKSTART).is_file():
            return folder
    raise InputError(
        "the workbench notebooks are not installed with this package: run from a clone of the "
        "repository, or pass --dir with a folder that holds them"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


def _require(module: str, extra: str = "lab") -> None:
    if importlib.util.find_spec(module) is None:
        raise InputError(
            f"{module} is not installed: pip install 'ai-threat-workbench[{extra}]' "
            "(or the locked requirements)"
        )


def _copy_missing(source: Path, target: Path) -> None:
    """Copy the notebooks (and the docs they link to) without overwriting anything."""
    target.mkdir(parents=True, exist_ok=True)
    for nb in sorted([*source.glob("*.ipynb"), *source.glob("case-studies.toml")]):
        if not (target / nb.name).exists():
            shutil.copy2(nb, target / nb.name)
    for docs in (source.parent / "docs", _PACKAGE / "_docs"):  # a checkout, or a wheel
        if docs.is_dir() and not (target.parent / "docs").exists():
            shutil.copytree(docs, target.parent / "docs")


def lab_root(directory: str | None) -> tuple[Path, str]:
    """The server's root folder and the quickstart's path in it.

    Without *directory*: the repository (notebooks link to ``../docs``). With a
    folder: the notebooks are copied to ``DIR/notebooks`` (existing files are
    kept, so your edits survive) and DIR is served.
    """
    notebooks = find_notebooks()
    if directory is None:
        return notebooks.parent, f"notebooks/{QUICKSTART}"
    root = Path(directory).resolve()
    if root.exists() and not root.is_dir():
        raise InputError(f"{root}: not a folder")
    _copy_missing(notebooks, root / "notebooks")
    return root, f"notebooks/{QUICKSTART}"


def lab_command(
    root: Path,
    open_path: str,
    *,
    port: int,
    open_browser: bool = True,
    as_root: bool | None = None,
) -> list[str]:
    """The JupyterLab command line: loopback only, fixed port, nothing external."""
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.ip={LOOPBACK}",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
    ]
    if not open_browser:
        cmd.append("--no-browser")
    if as_root if as_root is not None else (hasattr(os, "geteuid") and os.geteuid() == 0):
        cmd.append("--allow-root")
    cmd.append(open_path)
    return cmd


def dashboard_command(
    notebook: Path, *, port: int, ip: str = LOOPBACK, open_browser: bool = True, preheat: int = 0
) -> list[str]:
    """The standalone Voila command line for the participant dashboard.

    With *preheat*, Voila keeps that many kernels that have run the notebook
    already, so a participant's page does not wait for a kernel to start and
    run it (most of a first load; see benchmarks/bench_dashboard.py).
    """
    cmd = [
        sys.executable,
        "-m",
        "voila",
        str(notebook),
        f"--port={port}",
        f"--Voila.ip={ip}",
        "--Voila.port_retries=0",
        "--VoilaConfiguration.show_tracebacks=False",
    ]
    if preheat > 0:
        cmd += ["--preheat_kernel=True", f"--pool_size={preheat}"]
    if not open_browser:
        cmd.append("--no-browser")
    return cmd


def _exec(cmd: Sequence[str], env: dict[str, str], cwd: Path) -> int:
    """Replace this process with the server: Ctrl-C and signals reach it directly."""
    sys.stdout.flush()
    sys.stderr.flush()
    os.chdir(cwd)
    os.execve(cmd[0], list(cmd), env)  # noqa: S606 - a fixed argument list, no shell
    return 0  # pragma: no cover - execve does not return


def cmd_lab(args: argparse.Namespace) -> int:
    from workbench.model import template_names

    _require("jupyterlab")
    if args.template is not None and args.template not in template_names():
        raise InputError(f"no template {args.template!r}; templates: {', '.join(template_names())}")
    root, quickstart = lab_root(args.dir)
    port = args.port or _free_port()
    env = dict(os.environ)
    if args.template:
        env["WORKBENCH_TEMPLATE"] = args.template  # the quickstart starts from this example
    cmd = lab_command(root, quickstart, port=port, open_browser=not args.no_browser)
    print(f"JupyterLab on http://{LOOPBACK}:{port}/lab/tree/{quickstart} (Ctrl-C stops it)")
    print(f"folder: {root}")
    return _exec(cmd, env, root)


def cmd_dashboard(args: argparse.Namespace) -> int:
    from workbench.model import template_names

    _require("voila")
    notebook = find_notebooks() / DASHBOARD_NOTEBOOK
    env = dict(os.environ)
    if args.project:
        project = Path(args.project).resolve()
        if not (project / "project.yaml").is_file() and not args.template:
            raise InputError(
                f"{project}: not a project (no project.yaml); start one with workbench init, "
                "or pass --template NAME to create it"
            )
        env["WORKBENCH_PROJECT"] = str(project)
    if args.template:
        if args.template not in template_names():
            raise InputError(
                f"no template {args.template!r}; templates: {', '.join(template_names())}"
            )
        env["WORKBENCH_TEMPLATE"] = args.template
    if args.score_from:
        env["WORKBENCH_SCORE_FROM"] = args.score_from
    port = args.port or 8866
    cmd = dashboard_command(
        notebook, port=port, ip=args.ip, open_browser=not args.no_browser, preheat=args.preheat
    )
    where = env.get(
        "WORKBENCH_PROJECT", "the facilitator notebook's project (notebooks/work/workshop)"
    )
    print(f"participant dashboard on http://{args.ip}:{port}/ for {where} (Ctrl-C stops it)")
    if args.ip != LOOPBACK:
        print(
            "note: anyone who can reach this address can score under any name; "
            "use it on a network you trust"
        )
    return _exec(cmd, env, notebook.parent)


_NO_BROWSER: Options = {"--no-browser": {"action": "store_true", "help": "do not open a browser"}}

_LAB_OPTIONS: Options = {
    "--template": {"metavar": "NAME", "help": "the example system the quickstart starts from"},
    "--dir": {"metavar": "DIR", "help": "a working folder to copy the notebooks to and serve"},
    "--port": {"type": int, "default": 0, "metavar": "N", "help": "port (default: a free one)"},
    **_NO_BROWSER,
}

_DASHBOARD_OPTIONS: Options = {
    "project": {
        "nargs": "?",
        "metavar": "PROJECT",
        "help": "the workshop's project folder (default: the facilitator notebook's "
        "work/workshop)",
    },
    "--template": {"metavar": "NAME", "help": "create PROJECT from this example if missing"},
    "--score-from": {
        "metavar": "BAND",
        "help": "score the findings from this band up (default: high)",
    },
    "--port": {"type": int, "default": 0, "metavar": "N", "help": "port (default: 8866)"},
    "--ip": {
        "default": LOOPBACK,
        "help": "address to listen on (default 127.0.0.1; 0.0.0.0 lets participants on the "
        "network connect)",
    },
    "--preheat": {
        "type": int,
        "default": 0,
        "metavar": "N",
        "help": "keep N kernels that have run the dashboard already, so a page skips that wait "
        "(each holds the project as it was when it started: start the dashboard after the "
        "project is ready)",
    },
    **_NO_BROWSER,
}


def register(subparsers: Any) -> None:
    add_command(
        subparsers,
        "lab",
        cmd_lab,
        help="open JupyterLab at the quickstart notebook (loopback only)",
        description="Start JupyterLab on 127.0.0.1, opened at the quickstart notebook. "
        "Without --dir it serves the repository; with --dir it copies the notebooks there "
        "(keeping files that exist) and serves that folder.",
        options=_LAB_OPTIONS,
    )
    add_command(
        subparsers,
        "dashboard",
        cmd_dashboard,
        help="serve the workshop participant dashboard with standalone Voila",
        description="Serve notebooks/04-workshop-participant.ipynb with standalone Voila: "
        "participants pick their name and score findings; each writes only their own "
        "ratings file in PROJECT/ratings/. No code can be run from the browser.",
        options=_DASHBOARD_OPTIONS,
    )
