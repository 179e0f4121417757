"""Where the participant dashboard's first load goes: Voila, the kernel, the imports, our code.

Prints the parts (no assertions), each measured in a fresh process:

* the notebook's imports, split into the workbench, ipywidgets and plotly's
  FigureWidget, and inside that jsonschema's format checkers (plotly imports
  nbformat, nbformat jsonschema, and jsonschema builds a grammar for IRIs when
  ``rfc3987-syntax`` is installed);
* the notebook's own code after the imports: opening the project (reading the
  rules, the analysis) and building the widgets;
* with ``--voila``: standalone Voila (as ``workbench dashboard`` starts it)
  until it listens, the first page (a kernel started and the notebook run in
  it) and a second page; with ``--preheat N`` the same with a pool of N kernels
  that run the notebook before anyone asks (Voila's ``preheat_kernel``).

The browser's own part (loading the widget JavaScript and drawing) is printed
by ``tests/browser/test_voila.py``.

Run: ``python benchmarks/bench_dashboard.py [--voila] [--preheat 2]``
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "04-workshop-participant.ipynb"

#: Run in a fresh interpreter: each import on its own, then the notebook's code cells.
PROBE = r"""
import json, sys, time
clock = time.perf_counter
parts = {}
t = clock(); import ipykernel.ipkernel; parts["ipykernel (the kernel itself)"] = clock() - t
t = clock(); import workbench.workshop, workbench.project; parts["workbench"] = clock() - t
t = clock(); import ipywidgets; parts["ipywidgets"] = clock() - t
t = clock(); import jsonschema._format; parts["jsonschema format checkers (via nbformat)"] = clock() - t
t = clock(); import plotly.graph_objects as go; go.FigureWidget()
parts["plotly FigureWidget (the rest)"] = clock() - t
cells = [c for c in json.load(open(sys.argv[1]))["cells"] if c["cell_type"] == "code"]
scope = {}
for i, cell in enumerate(cells):
    t = clock()
    exec(compile("".join(cell["source"]), f"cell {i + 1}", "exec"), scope)
    parts[f"notebook cell {i + 1} (our code)"] = clock() - t
print(json.dumps(parts))
"""


def _project(base: Path) -> Path:
    from workbench.project import Project

    folder = base / "workshop"
    Project.create(folder, template="support-assistant", actor="Facilitator")
    return folder


#: Jupyter's folders, each in a folder of the run's own (nothing from the user's setup).
_FOLDERS = {
    "JUPYTER_CONFIG_DIR": "config",
    "JUPYTER_DATA_DIR": "data",
    "JUPYTER_RUNTIME_DIR": "runtime",
    "IPYTHONDIR": "ipython",
}


def _env(base: Path, project: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "WORKBENCH_SCORE_FROM"}
    env.update({var: str(base / "home" / name) for var, name in _FOLDERS.items()})
    env.update(WORKBENCH_PROJECT=str(project), JUPYTER_PLATFORM_DIRS="1")
    return env


def kernel_parts(base: Path, project: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(NOTEBOOK)],
        capture_output=True,
        text=True,
        check=True,
        cwd=base,
        env=_env(base, project),
    ).stdout
    parts: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return parts


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> float:
    t = time.perf_counter()
    with urllib.request.urlopen(url, timeout=300) as response:
        response.read()
    return time.perf_counter() - t


def voila_parts(base: Path, project: Path, preheat: int) -> dict[str, float]:
    from workbench.commands.lab import dashboard_command

    folder = base / f"voila-{preheat}"
    folder.mkdir()
    notebook = folder / NOTEBOOK.name
    shutil.copy2(NOTEBOOK, notebook)
    port = _free_port()
    cmd = dashboard_command(notebook, port=port, open_browser=False)
    if preheat:
        cmd += ["--preheat_kernel=True", f"--pool_size={preheat}"]
    parts: dict[str, float] = {}
    with open(folder / "voila.log", "w") as log:
        t = time.perf_counter()
        proc = subprocess.Popen(
            cmd, env=_env(folder, project), cwd=folder, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1):
                        break
                except OSError:
                    if proc.poll() is not None:
                        raise RuntimeError((folder / "voila.log").read_text()) from None
                    time.sleep(0.1)
            parts["Voila listening"] = time.perf_counter() - t
            if preheat:  # the pool runs the notebook now; a participant arrives later
                time.sleep(15 + 5 * preheat)
            url = f"http://127.0.0.1:{port}/"
            parts["first page (kernel start + notebook run)"] = _get(url)
            parts["second page"] = _get(url)
        finally:
            _stop(proc)
    return parts


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM (Voila shuts its kernels down), then a kill if it takes over 30 s."""
    proc.send_signal(signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=30)
    if proc.poll() is None:
        proc.kill()


def _print(title: str, parts: dict[str, float]) -> None:
    print(title)
    for name, seconds in parts.items():
        print(f"  {name:<48} {seconds:6.2f} s")
    print(f"  {'sum':<48} {sum(parts.values()):6.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--voila", action="store_true", help="also time standalone Voila")
    parser.add_argument("--preheat", type=int, default=0, help="with --voila: a pool of N kernels")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        project = _project(base)
        _print("in one kernel (fresh process), in order:", kernel_parts(base, project))
        if args.voila:
            _print("standalone Voila, as `workbench dashboard` starts it:",
                   voila_parts(base, project, 0))
            if args.preheat:
                _print(f"the same with {args.preheat} preheated kernel(s):",
                       voila_parts(base, project, args.preheat))


if __name__ == "__main__":
    main()
