"""Stable YAML writing, and the safe reader of :mod:`workbench._input.yaml`.

Reading (``parse_yaml``, ``LazyLines``, ``MAX_DEPTH``) lives in the input
package, which every file the workbench reads goes through; the names stay
importable from here.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from workbench._input._fast import fast_dump
from workbench._input.yaml import MAX_DEPTH, LazyLines, Path, parse_yaml

__all__ = ["MAX_DEPTH", "LazyLines", "Path", "dump_yaml", "parse_yaml"]

_CORE = "tag:yaml.org,2002:"


# -- writing -----------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """Block style, indented lists, no aliases, literal blocks for multi-line text."""

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


# Characters YAML reads as line breaks or a byte-order mark: only a double-quoted
# scalar keeps them (escaped), other styles would change the text on reading.
_NEEDS_ESCAPE = re.compile("[\x85\u2028\u2029\ufeff]")


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if _NEEDS_ESCAPE.search(value):
        return dumper.represent_scalar(_CORE + "str", value, style='"')
    if "\n" in value:
        return dumper.represent_scalar(_CORE + "str", value, style="|")
    if _DATE_RE.fullmatch(value):
        # Written plain (2024-05-01, not '2024-05-01'); the reader keeps timestamps as text.
        return dumper.represent_scalar(_CORE + "timestamp", value)
    return dumper.represent_scalar(_CORE + "str", value)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(tuple, yaml.SafeDumper.represent_list)


def dump_yaml(data: Any, *, fast: bool = True) -> str:
    """Write *data* (plain dicts, lists and scalars) as stable block-style YAML.

    The text is PyYAML's; a fast writer (:mod:`workbench.model._yaml_fast`)
    produces the same bytes for the usual shapes, and PyYAML writes the rest
    (and everything when *fast* is false).
    """
    if fast:
        quick = fast_dump(data, _pyyaml_dump)
        if quick is not None:
            return quick
    return _pyyaml_dump(data)


def _pyyaml_dump(data: Any) -> str:
    text: str = yaml.dump(
        data,
        Dumper=_Dumper,
        default_flow_style=False,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        indent=2,
    )
    return text
