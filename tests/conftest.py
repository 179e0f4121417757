"""Shared pytest fixtures."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

#: The repository root (tests/ is one level below it).
REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The project's read-only ``../shared`` folder (upstream data, research, seed texts).

    ``WORKBENCH_SHARED_DIR`` overrides the location. When the folder is missing the
    test is skipped, except in CI (``CI=true``), where a missing folder is a failure.
    Never write there: copy files to ``tmp_path`` before altering them.
    """
    override = os.environ.get("WORKBENCH_SHARED_DIR")
    path = Path(override) if override else Path(__file__).parents[1].parent / "shared"
    path = path.resolve()
    if not path.is_dir():
        message = f"../shared is absent: {path} (set WORKBENCH_SHARED_DIR to its location)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def catalog() -> Any:
    """The bundled ATLAS catalog, loaded once (a test module may define its own)."""
    from workbench.catalog import load_catalog

    return load_catalog()


@pytest.fixture(scope="session")
def rules(catalog: Any) -> Any:
    """The bundled rules (with the bundled control effects), loaded once."""
    from workbench.rules import load_rules

    return load_rules(catalog=catalog)
