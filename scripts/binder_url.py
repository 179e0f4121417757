#!/usr/bin/env python3
"""The Binder launch links, built from the repository URL set in ONE place.

The repository's public URL lives in ``pyproject.toml`` under ``[project.urls]``
(``Repository``, else ``Source``, else ``Homepage``: a ``https://github.com/OWNER/REPO``
address). From it come the README's Binder badge, which opens JupyterLab at the
quickstart notebook, and the link that opens the participant dashboard in Voila.

    python scripts/binder_url.py                 # the badge markdown for the README
    python scripts/binder_url.py --url           # the launch URL only
    python scripts/binder_url.py --dashboard     # the Voila URL of the participant dashboard
    python scripts/binder_url.py --check README.md   # exit 1 unless the README has the badge
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
URL_KEYS = ("Repository", "Source", "Homepage")
REF = "HEAD"  # the default branch
QUICKSTART = "notebooks/01-quickstart.ipynb"
DASHBOARD = "notebooks/04-workshop-participant.ipynb"
BADGE_IMAGE = "https://mybinder.org/badge_logo.svg"
_GITHUB = re.compile(r"^https://github\.com/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+?)(?:\.git)?/?$")


def repository_url(pyproject: Path = PYPROJECT) -> str:
    urls = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {}).get("urls", {})
    for key in URL_KEYS:
        if key in urls:
            return str(urls[key])
    raise SystemExit(f"{pyproject}: [project.urls] has none of {', '.join(URL_KEYS)}")


def github_repo(pyproject: Path = PYPROJECT) -> tuple[str, str]:
    url = repository_url(pyproject)
    match = _GITHUB.match(url)
    if not match:
        raise SystemExit(f"{url}: not a https://github.com/OWNER/REPO address (Binder needs one)")
    return match.group(1), match.group(2)


def launch_url(urlpath: str = f"lab/tree/{QUICKSTART}", pyproject: Path = PYPROJECT) -> str:
    owner, repo = github_repo(pyproject)
    return f"https://mybinder.org/v2/gh/{owner}/{repo}/{REF}?urlpath={quote(urlpath, safe='/')}"


def dashboard_url(pyproject: Path = PYPROJECT) -> str:
    return launch_url(f"voila/render/{DASHBOARD}", pyproject)


def badge(pyproject: Path = PYPROJECT) -> str:
    return f"[![Launch on Binder]({BADGE_IMAGE})]({launch_url(pyproject=pyproject)})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--url", action="store_true", help="print the launch URL only")
    group.add_argument("--dashboard", action="store_true", help="print the dashboard's Voila URL")
    group.add_argument("--check", metavar="README", help="exit 1 unless README holds the badge")
    args = parser.parse_args(argv)
    if args.check:
        text = Path(args.check).read_text(encoding="utf-8")
        if badge() not in text.splitlines():
            print(f"{args.check}: no line with the Binder badge:\n{badge()}")
            return 1
        return 0
    print(launch_url() if args.url else dashboard_url() if args.dashboard else badge())
    return 0


if __name__ == "__main__":
    sys.exit(main())
