"""Plain data from the package's record dataclasses, for JSON and the exports."""

from __future__ import annotations

import dataclasses
from typing import Any

__all__ = ["Record", "fields_dict"]


def _plain(value: Any) -> Any:
    if isinstance(value, (tuple, list)):
        return list(value)
    to_dict = getattr(value, "to_dict", None)
    return to_dict() if callable(to_dict) else value


def fields_dict(record: Any) -> dict[str, Any]:
    """The fields of the dataclass *record* in their order: tuples and lists as new lists,
    a value with a ``to_dict`` method as what it gives, anything else as it is."""
    return {f.name: _plain(getattr(record, f.name)) for f in dataclasses.fields(record)}


class Record:
    """A base for the package's record dataclasses: :meth:`to_dict` is :func:`fields_dict`."""

    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        return fields_dict(self)
