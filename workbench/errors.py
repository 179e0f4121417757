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

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

__all__ = [
    "CatalogError",
    "DecisionError",
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
    ``code`` names the kind of problem for code that reacts to it (never the
    message text); it takes no part in comparisons.
    """

    file: str | None
    line: int | None
    path: str
    message: str
    code: str | None = field(default=None, compare=False)

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
    """Base class of every error the workbench raises on purpose.

    ``issues`` lists the problems one by one (an empty list when the message
    says it all); every error has it, so callers never need to ask which kind
    of error they hold.
    """

    exit_code = 3

    @property
    def issues(self) -> list[Issue]:
        found: list[Issue] = self.__dict__.get("_issues", [])
        return found

    @issues.setter
    def issues(self, value: Iterable[Issue]) -> None:
        self.__dict__["_issues"] = list(value)


class InputError(WorkbenchError):
    """Input that cannot be used at all: unreadable, hostile, wrong format."""

    exit_code = 2


class CatalogError(InputError):
    """A catalog file (ATLAS bundle, guideline catalog) is malformed or not ATLAS."""


class _IssuesError(WorkbenchError):
    """An error that carries a list of :class:`Issue` objects."""

    def __init__(self, message: str, issues: Iterable[Issue] = ()) -> None:
        self.issues = list(issues)
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


class DecisionError(WorkbenchError):
    """A decision (or rename, or note) is invalid; nothing was written.

    ``issues`` holds one :class:`Issue` per field (its ``path`` is the field
    name); ``problems`` maps each field name to what is wrong with it, so a form
    can show every message next to its field.
    """

    exit_code = 1

    def __init__(
        self, problems: Mapping[str, str] | Iterable[Issue], what: str = "decision"
    ) -> None:
        if isinstance(problems, Mapping):
            issues = [Issue(None, None, str(k), str(v)) for k, v in problems.items()]
        else:
            issues = list(problems)
        self.issues = issues
        text = f"invalid {what}: " + "; ".join(f"{i.path}: {i.message}" for i in issues)
        super().__init__(text)

    @property
    def problems(self) -> dict[str, str]:
        """Field name -> message (several messages of one field joined with '; ')."""
        out: dict[str, str] = {}
        for issue in self.issues:
            key = issue.path
            out[key] = f"{out[key]}; {issue.message}" if key in out else issue.message
        return out
