"""The limits of every reader (no imports: any module may use them cheaply)."""

from __future__ import annotations

__all__ = ["DEFAULT_MAX_BYTES", "MAX_ALIAS_NODES", "MAX_DEPTH"]

#: Largest file read unless the caller says otherwise (10 MB).
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
#: Deepest nesting of mappings and lists accepted in a file.
MAX_DEPTH = 64
#: Most nodes that YAML aliases may copy while a file is expanded.
MAX_ALIAS_NODES = 200_000
