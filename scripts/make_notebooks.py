#!/usr/bin/env python3
"""Write the notebooks' .ipynb files from their sources, ``notebooks/*.py``.

Each notebook's source of truth is a jupytext percent-format ``.py`` file
(Markdown cells as ``# %% [markdown]``), linted and type-checked with the code.
The ``.ipynb`` next to it is its pair, committed without outputs so that
Binder, JupyterLab and GitHub show it. The case study is one source with a
``parameters`` cell: ``case-<example>.ipynb`` is written for every example in
``notebooks/case-studies.toml``, with the example set in an
``injected-parameters`` cell after it (as papermill does).

    python scripts/make_notebooks.py            # write notebooks/*.ipynb
    python scripts/make_notebooks.py --check    # exit 1 when an .ipynb is missing or stale

Editing a notebook in JupyterLab (where jupytext is installed) updates its
``.py`` too; run this afterwards so the ``.ipynb`` is written the same way.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import sys
import tomllib
from pathlib import Path
from typing import Any

import jupytext
import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
CASE_STUDY = "case-study.py"
CASES = NOTEBOOKS / "case-studies.toml"
PAIRING = "ipynb,py:percent"
#: jupytext's settings for these notebooks; jupytext copies the metadata filter into the
#: .ipynb it writes, so this script does too (a save in JupyterLab then changes nothing).
FILTER = tomllib.loads((NOTEBOOKS / "jupytext.toml").read_text(encoding="utf-8"))[
    "notebook_metadata_filter"
]


def sources() -> list[Path]:
    """The notebooks' sources, in name order."""
    return sorted(NOTEBOOKS.glob("*.py"))


def case_names() -> list[str]:
    """The examples the case study is written for (the tables of case-studies.toml)."""
    return list(tomllib.loads(CASES.read_text(encoding="utf-8")))


def read_source(path: Path) -> Any:
    """A source read by jupytext, as an nbformat notebook."""
    return jupytext.read(path, fmt="py:percent")


def with_parameters(nb: Any, parameters: dict[str, str]) -> Any:
    """*nb* with an ``injected-parameters`` cell after its ``parameters`` cell."""
    out = copy.deepcopy(nb)
    where = next(
        (i for i, c in enumerate(out.cells) if "parameters" in c.metadata.get("tags", [])), None
    )
    if where is None:
        raise SystemExit("the case study has no cell tagged 'parameters'")
    lines = [f"{key} = {json.dumps(value)}" for key, value in parameters.items()]
    cell = nbformat.v4.new_code_cell(
        "# Parameters: this copy of case-study.ipynb reviews one example\n" + "\n".join(lines),
        metadata={"tags": ["injected-parameters"]},
    )
    out.cells.insert(where + 1, cell)
    out.metadata.pop("jupytext", None)  # a copy, not paired with a source of its own
    return out


def finished(nb: Any, name: str, paired: bool) -> str:
    """The .ipynb text: no outputs, stable cell ids, only the kernel (and pairing) kept."""
    nb = copy.deepcopy(nb)
    for i, cell in enumerate(nb.cells):
        cell["id"] = hashlib.sha256(f"{name}:{i}".encode()).hexdigest()[:8]
        if cell.cell_type == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    metadata: dict[str, Any] = {"kernelspec": nb.metadata["kernelspec"]}
    if paired:
        metadata["jupytext"] = {"formats": PAIRING, "notebook_metadata_filter": FILTER}
    nb.metadata = nbformat.from_dict(metadata)
    nb.nbformat, nb.nbformat_minor = 4, 5
    nbformat.validate(nb)
    return str(nbformat.writes(nb)) + "\n"


def render_all() -> dict[str, str]:
    """Every .ipynb file name and the text it should have."""
    out: dict[str, str] = {}
    for path in sources():
        nb = read_source(path)
        name = path.with_suffix(".ipynb").name
        out[name] = finished(nb, name, paired=True)
        if path.name == CASE_STUDY:
            for case in case_names():
                copy_name = f"case-{case}.ipynb"
                out[copy_name] = finished(with_parameters(nb, {"CASE": case}), copy_name, False)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a notebook is stale")
    args = parser.parse_args(argv)
    rendered = render_all()
    stale = []
    for name, text in rendered.items():
        path = NOTEBOOKS / name
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        if args.check:
            stale.append(name)
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    orphans = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb") if p.name not in rendered)
    if orphans:
        print("notebooks without a source in notebooks/*.py: " + ", ".join(orphans))
    if stale:
        print("stale notebooks (run python scripts/make_notebooks.py): " + ", ".join(stale))
    return 1 if stale or orphans else 0


if __name__ == "__main__":
    sys.exit(main())
