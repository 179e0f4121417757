"""Plain data from the package's record dataclasses, for JSON and the exports."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any, ClassVar, Protocol, TypeVar

__all__ = ["Record", "by_id", "fields_dict", "tally"]


def _plain(value: Any) -> Any:
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    to_dict = getattr(value, "to_dict", None)
    return to_dict() if callable(to_dict) else value


def fields_dict(record: Any, names: Iterable[str] | None = None) -> dict[str, Any]:
    """The attributes *names* of *record* (default: its dataclass fields in their order) as
    plain data: tuples and lists as new lists, dicts as new dicts, a value with a ``to_dict``
    method as what it gives, anything else as it is."""
    if names is None:
        names = [f.name for f in dataclasses.fields(record)]
    return {name: _plain(getattr(record, name)) for name in names}


class Record:
    """A base for the package's record dataclasses: :meth:`to_dict` is :func:`fields_dict`
    of the names in ``DICT_KEYS``, or of every field when a class does not set it."""

    __slots__ = ()
    DICT_KEYS: ClassVar[tuple[str, ...] | None] = None

    def to_dict(self) -> dict[str, Any]:
        return fields_dict(self, self.DICT_KEYS)


class _HasId(Protocol):
    @property
    def id(self) -> str | None: ...


_T = TypeVar("_T", bound=_HasId)


def by_id(items: Iterable[_T], wanted: str, what: str | None = None) -> _T:
    """The first of *items* whose ``id`` is *wanted*. ``KeyError`` when there is none: of
    *wanted* alone, or saying ``no <what> 'wanted'`` when *what* is given."""
    for item in items:
        if item.id == wanted:
            return item
    raise KeyError(wanted if what is None else f"no {what} {wanted!r}")


def tally(values: Iterable[str], keys: Iterable[str]) -> dict[str, int]:
    """How often each of *keys* occurs among *values*, every key present (0 when absent)."""
    out = dict.fromkeys(keys, 0)
    for value in values:
        out[value] += 1
    return out
