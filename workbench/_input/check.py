"""One checker of records, driven by record-spec tables.

A :class:`RecordSpec` lists the fields of one kind of record (a rule, a control
effect, a decision-log record, a section of ``project.yaml``) as
:class:`Field` rows: name, value type, whether it is required, its default.
:func:`check_record` checks a parsed mapping against it, reports every problem
through a :class:`~workbench._input.locate.Locator` (file, line, path, what was
expected) and returns the values by field name. Adding a field to a record is
one row in its table.

The value types are the keys of :data:`TYPES`; each has a test and the words of
what was expected.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from workbench._input.locate import Locator, Path

__all__ = ["TYPES", "Field", "RecordSpec", "check_record", "is_int", "type_problem"]


def is_int(value: Any) -> bool:
    """A whole number that is not a boolean."""
    return isinstance(value, int) and not isinstance(value, bool)


def _texts(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _text_lists(value: Any) -> bool:
    return isinstance(value, dict) and all(
        isinstance(k, str) and _texts(v) for k, v in value.items()
    )


#: Value type -> (test, what was expected).
TYPES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "any": (lambda v: True, "a value"),
    "text": (lambda v: isinstance(v, str), "text"),
    "nonblank": (lambda v: isinstance(v, str) and bool(v.strip()), "a text that is not blank"),
    "nonempty text": (lambda v: isinstance(v, str) and bool(v), "a non-empty text"),
    "optional text": (lambda v: v is None or isinstance(v, str), "a text or null"),
    "texts": (_texts, "a list of texts"),
    "nonempty texts": (lambda v: _texts(v) and bool(v), "a non-empty list of texts"),
    "text lists": (_text_lists, "a mapping of ids to lists of ids"),
    "bool": (lambda v: isinstance(v, bool), "true or false"),
    "int": (is_int, "a whole number"),
    "level": (lambda v: is_int(v) and 1 <= v <= 5, "a whole number from 1 to 5"),
    "step": (lambda v: is_int(v) and -2 <= v <= 2, "a whole number of steps from -2 to 2"),
    "mapping": (lambda v: isinstance(v, dict), "a mapping"),
    "list": (lambda v: isinstance(v, list), "a list"),
}


#: Types whose ``null`` value means "none" (an empty list or mapping).
_EMPTY_WHEN_NULL = frozenset({"any", "texts", "list", "text lists", "mapping"})


@dataclass(frozen=True)
class Field:
    """One field of a record.

    ``type`` is a key of :data:`TYPES`; ``expected`` replaces its words in the
    message when given; ``ids`` names what the items of a list are (``"technique"``)
    for the caller's own id checks; ``choices`` the allowed values.
    """

    name: str
    type: str = "any"
    required: bool = False
    default: Any = None
    expected: str | None = None
    ids: str | None = None
    choices: tuple[Any, ...] | None = None

    @property
    def words(self) -> str:
        """What a value of this field is, in words (``a whole number from 1 to 5``)."""
        return self.expected or TYPES[self.type][1]

    def fits_type(self, value: Any) -> bool:
        return TYPES[self.type][0](value)

    def problem(self, value: Any) -> str | None:
        """What is wrong with *value* for this field (``None`` when it fits)."""
        if not self.fits_type(value):
            return f"expected {self.words}"
        if self.choices is not None and value not in self.choices:
            return f"expected {self.expected or 'one of ' + ', '.join(map(str, self.choices))}"
        return None


@dataclass(frozen=True)
class RecordSpec:
    """The fields of one kind of record, and how its problems are worded.

    ``unknown`` words an unknown key (``{key}``, ``{allowed}`` and ``{hint}``, a
    did-you-mean); ``missing`` a missing required key (``{key}``).
    """

    what: str
    fields: tuple[Field, ...]
    unknown: str = "unknown key {key!r} (allowed: {allowed})"
    missing: str = "missing required key {key!r}"

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def with_fields(self, *fields: Field) -> RecordSpec:
        """This spec with more fields (an organisation's or a later version's)."""
        return RecordSpec(self.what, (*self.fields, *fields), self.unknown, self.missing)


def type_problem(spec: RecordSpec, raw: Mapping[str, Any]) -> Field | None:
    """The first field of *spec* that *raw* has with a value that does not fit."""
    for f in spec.fields:
        if f.name in raw and f.problem(raw[f.name]) is not None:
            return f
    return None


def check_record(
    raw: Mapping[str, Any], spec: RecordSpec, loc: Locator, path: Path
) -> dict[str, Any]:
    """Check *raw* against *spec*; report every problem to *loc*.

    Returns the value of every field by name: the value given when it fits,
    else the field's default (so callers never see a value of the wrong type).
    """
    names = spec.names
    allowed = ", ".join(names)
    for key in raw:
        if key not in names:
            close = difflib.get_close_matches(str(key), names, n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            loc.add((*path, str(key)), spec.unknown.format(key=key, allowed=allowed, hint=hint))
    out: dict[str, Any] = {}
    for f in spec.fields:
        if f.name not in raw:
            if f.required:
                loc.add(path, spec.missing.format(key=f.name))
            out[f.name] = f.default
            continue
        value = raw[f.name]
        if value is None and not f.required and f.type in _EMPTY_WHEN_NULL:
            out[f.name] = f.default  # an empty list or mapping written as null
            continue
        problem = f.problem(value)
        if problem:
            loc.add((*path, f.name), problem)
            value = f.default
        out[f.name] = value
    return out
