"""The README's main job: `make demo` opens JupyterLab at the quickstart (`workbench lab`).

Starts the real command on a free loopback port (as root it must pass
``--allow-root`` itself), checks that JupyterLab serves the quickstart notebook
and the Lab page for it, and stops exactly the process it started.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "main-job-test"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_workbench_lab_opens_jupyterlab_at_the_quickstart(tmp_path):
    workbench = str(Path(sys.executable).parent / "workbench")
    assert Path(workbench).exists(), "the workbench command is not installed beside this Python"
    port = _free_port()
    home = tmp_path / "home"
    env = dict(
        os.environ,
        JUPYTER_TOKEN=TOKEN,
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_DATA_DIR=str(home / "data"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        IPYTHONDIR=str(home / "ipython"),
        HOME=str(home),
    )
    log = (tmp_path / "lab.log").open("w")
    proc = subprocess.Popen(
        [workbench, "lab", "--no-browser", "--port", str(port), "--dir", str(tmp_path / "lab")],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    raise AssertionError((tmp_path / "lab.log").read_text()) from None
                time.sleep(0.3)
        with urllib.request.urlopen(
            f"{base}/api/contents/notebooks/01-quickstart.ipynb?token={TOKEN}", timeout=10
        ) as r:
            notebook = json.loads(r.read())
        assert notebook["type"] == "notebook"
        assert any(
            "quickstart" in "".join(c["source"]).lower() for c in notebook["content"]["cells"]
        )
        with urllib.request.urlopen(
            f"{base}/lab/tree/notebooks/01-quickstart.ipynb?token={TOKEN}", timeout=10
        ) as r:
            assert r.status == 200 and b"JupyterLab" in r.read()
        text = (tmp_path / "lab.log").read_text()
        assert f"http://127.0.0.1:{port}/lab/tree/notebooks/01-quickstart.ipynb" in text
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
