"""The fast path for the workbench's own block YAML; see :mod:`workbench._input._fast`."""

from __future__ import annotations

from workbench._input._fast import fast_dump, fast_parse

__all__ = ["fast_dump", "fast_parse"]
