"""From a place in a document to an :class:`~workbench.errors.Issue` with its line.

A place is a path tuple (``("rules", 3, "when")``); the line map of the reader
(:func:`workbench._input.yaml.parse_yaml`) gives the line of every mapping key
and list item. A path without a line of its own (a missing key) is reported at
the line of the nearest enclosing entry.
"""

from __future__ import annotations

from collections.abc import Mapping

from workbench.errors import Issue

__all__ = ["Locator", "Path", "format_path", "parse_path"]

Path = tuple[str | int, ...]


def format_path(path: Path) -> str:
    """``("components", 3, "zone")`` → ``components[3].zone``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def parse_path(text: str) -> Path:
    """``components[3].zone`` → ``("components", 3, "zone")`` (the inverse of format_path)."""
    out: list[str | int] = []
    for chunk in text.split(".") if text else ():
        name, _, rest = chunk.partition("[")
        if name:
            out.append(name)
        for index in rest.split("[") if rest else ():
            number = index.rstrip("]")
            out.append(int(number) if number.isdigit() else number)
    return tuple(out)


class Locator:
    """Turns paths into issues of one file; collects them in :attr:`issues`."""

    def __init__(
        self,
        file: str | None,
        lines: Mapping[Path, int] | None = None,
        issues: list[Issue] | None = None,
    ) -> None:
        self.file = file
        self.lines: Mapping[Path, int] = lines if lines is not None else {}
        #: The issues found; pass one list to several locators to collect over files.
        self.issues: list[Issue] = issues if issues is not None else []

    def line(self, path: Path) -> int | None:
        """The line of *path*, or of the nearest enclosing path that has one."""
        lines = self.lines
        while True:
            found = lines.get(path)
            if found is not None:
                return found
            if not path:
                return None
            path = path[:-1]

    def issue(self, path: Path, message: str, code: str | None = None) -> Issue:
        return Issue(self.file, self.line(path), format_path(path), message, code)

    def add(self, path: Path, message: str, code: str | None = None) -> None:
        self.issues.append(self.issue(path, message, code))
