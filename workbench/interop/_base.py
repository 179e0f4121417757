"""The skeleton every importer shares; each tool's module keeps only its mapping.

An import reads a file (:func:`read_and_import`), checks that the parsed
document is the tool's (:meth:`Importer.from_data`), maps it onto a
:class:`~workbench.model.system.SystemModel` with zones and flows
(:meth:`Importer.build`, the tool's own code) and returns the model with an
:class:`~workbench.interop._common.ImportReport` of what was kept, dropped,
guessed or assumed (:meth:`Importer.finish` counts what the model holds).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from typing import Any, ClassVar

from workbench.errors import InputError
from workbench.interop._common import (
    IdSpace,
    ImportReport,
    Tally,
    as_list,
    clean_text,
    load_document,
)
from workbench.model.system import SystemModel

__all__ = ["Importer", "read_and_import"]

Imported = tuple[SystemModel, ImportReport]


class Importer:
    """One import of one parsed document; subclasses set the class names and ``build``."""

    #: The format name the report carries (``threagile``, ``otm``, ...).
    tool: ClassVar[str] = ""
    #: What the file should be, in the words of an error message.
    expected: ClassVar[str] = ""
    #: What the top level of the document must be, in those words.
    top_level: ClassVar[str] = "a mapping"

    def __init__(self, data: Mapping[str, Any], name: str) -> None:
        self.data = data
        self.name = name
        self.report = ImportReport(name, self.tool)
        self.ids = IdSpace()
        self.zone_ids = IdSpace()
        self.unmapped = Tally()
        self.notes = Tally()

    @classmethod
    def from_data(cls, data: Any, name: str) -> Imported:
        """Import *data* (already parsed); refuse a top level of the wrong shape."""
        if not isinstance(data, Mapping):
            raise InputError(f"{name}: the top level is not {cls.top_level}: expected {cls.expected}")
        return cls(data, name).run()

    def run(self) -> Imported:
        return self.finish(self.build())

    def build(self) -> SystemModel:  # pragma: no cover - every importer has its own
        raise NotImplementedError

    def finish(self, model: SystemModel) -> Imported:
        """Count what the model holds into the report, and name the source file."""
        self.report.components = len(model.components())
        self.report.flows = len(model.flows())
        self.report.zones = len(model.zones())
        model.source = self.name
        return model, self.report

    def mappings(self, section: str, expected: str) -> Iterator[tuple[int, dict[Any, Any]]]:
        """The entries of the document's list *section* that are mappings, with their index.

        Any other entry is reported as not imported (``section[i]``: expected a
        mapping with *expected*).
        """
        for i, item in enumerate(as_list(self.data.get(section))):
            if isinstance(item, dict):
                yield i, item
            else:
                self.report.add(
                    "unmapped", f"{section}[{i}]", "entry", f"expected a mapping with {expected}"
                )

    def guessed_kind(self, element: str, kind: str, found: Any) -> None:
        """Report the kind the shared recogniser found for *element* (a guess to check)."""
        self.report.add(
            "guessed", element, f"kind {kind}", f"{found.basis}" + (": check it" if found.ai else "")
        )

    def text(self, value: Any, element: str, field_name: str, single: bool) -> str | None:
        """Clean text from the file; what had to change goes into the report."""
        return clean_text(
            value, report=self.report, element=element, field_name=field_name, single_line=single
        )


def read_and_import(
    path: str | os.PathLike[str],
    from_data: Callable[[Any, str], Imported],
    *,
    expected: str,
    formats: tuple[str, ...] = ("json", "yaml"),
) -> Imported:
    """Read *path* with the shared limits and import what it holds with *from_data*."""
    return from_data(load_document(path, expected=expected, formats=formats), str(path))
