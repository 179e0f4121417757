"""Errors raised by the workbench.

All errors derive from :class:`WorkbenchError`. Library code raises them and never
prints or exits; the command line turns them into one-line messages and the exit
codes of one table:

====  =====================================================================
code  meaning
====  =====================================================================
0     success
1     the answer is no (an invalid model, a failed check)
2     unusable input (unreadable, hostile, wrong format, unknown id)
3     internal error
====  =====================================================================
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "CatalogError",
    "InputError",
    "Issue",
    "ModelError",
    "ProjectError",
    "RuleError",
    "WorkbenchError",
]


@dataclass(frozen=True, order=True)
class Issue:
    """One problem found in a file: where it is and what was expected.

    ``file`` is the file name (or ``None`` for objects built in Python), ``line``
    the 1-based line number where known, ``path`` the place in the document
    (``components[3].zone``) and ``message`` what is wrong and what was expected.
    """

    file: str | None
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.line is not None:
            where.append(str(self.line))
        prefix = ":".join(where)
        parts = [p for p in (prefix, self.path) if p]
        return ": ".join([*parts, self.message])


class WorkbenchError(Exception):
    """Base class of every error the workbench raises on purpose."""

    exit_code = 3


class InputError(WorkbenchError):
    """Input that cannot be used at all: unreadable, hostile, wrong format."""

    exit_code = 2


class CatalogError(InputError):
    """A catalog file (ATLAS bundle, guideline catalog) is malformed or not ATLAS."""


class _IssuesError(WorkbenchError):
    """An error that carries a list of :class:`Issue` objects."""

    def __init__(self, message: str, issues: Iterable[Issue] = ()) -> None:
        self.issues: list[Issue] = list(issues)
        self.summary = message
        text = message
        if self.issues:
            text += "\n" + "\n".join(f"  {issue}" for issue in self.issues)
        super().__init__(text)


class ModelError(_IssuesError):
    """A model file or model object is invalid; ``issues`` lists every problem."""

    exit_code = 1


class RuleError(_IssuesError):
    """A rule file is invalid; ``issues`` names the file and line of each problem."""

    exit_code = 2


class ProjectError(WorkbenchError):
    """A project directory cannot be opened or saved as asked."""

    exit_code = 2
