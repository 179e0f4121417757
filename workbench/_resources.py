"""Where the bundled data (catalogs, rules, templates) lives.

In a built wheel the repository's ``catalogs/`` folder is installed as
``workbench/_catalogs``; in a source checkout (editable install) it is the
``catalogs/`` folder beside the package.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def catalogs_dir() -> Path:
    """Return the folder holding the bundled catalogs, rules and templates."""
    installed = _PACKAGE_DIR / "_catalogs"
    if installed.is_dir():
        return installed
    source = _PACKAGE_DIR.parent / "catalogs"
    if source.is_dir():
        return source
    raise FileNotFoundError(
        "the bundled catalogs are missing: reinstall ai-threat-workbench"
    )


def catalog_path(*parts: str) -> Path:
    """Return the path of a bundled data file, e.g. ``catalog_path("atlas", "catalog.json")``."""
    return catalogs_dir().joinpath(*parts)
