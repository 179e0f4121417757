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
    ImportedThreat,
    ImportReport,
    Tally,
    as_list,
    clean_text,
    load_document,
)
from workbench.model.system import SystemModel

__all__ = ["Importer", "read_and_import"]

Imported = tuple[SystemModel, ImportReport]

#: Each format's tool as people write its name, for the threats carried over.
TOOL_NAMES = {"otm": "OTM", "threagile": "Threagile", "threat-dragon": "Threat Dragon"}


class Importer:
    """One import of one parsed document; subclasses name their format and define ``build``.

    ``class _XImport(Importer, tool="x", expected=EXPECTED)`` sets the class names below.
    """

    #: The format name the report carries (``threagile``, ``otm``, ...).
    tool: ClassVar[str] = ""
    #: What the file should be, in the words of an error message.
    expected: ClassVar[str] = ""
    #: What the top level of the document must be, in those words.
    top_level: ClassVar[str] = "a mapping"

    def __init_subclass__(
        cls, *, tool: str, expected: str, top_level: str = "a mapping", **kwargs: Any
    ) -> None:
        """Each importer names its format, what the file should be and its top level."""
        super().__init_subclass__(**kwargs)
        cls.tool, cls.expected, cls.top_level = tool, expected, top_level

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

    def add_threat(
        self,
        element: str,
        title: str,
        found: tuple[str, str] | None,
        *,
        basis: str = "the threat's text",
        **fields: Any,
    ) -> None:
        """Keep a threat of the file to carry over, with the technique *found* in its *basis*."""
        self.report.threats.append(
            ImportedThreat(
                element=element,
                title=title,
                tool=TOOL_NAMES.get(self.tool, self.tool),
                file=self.name,
                technique=found[0] if found else None,
                technique_basis=f"{basis} mentions {found[1]!r}" if found else None,
                **fields,
            )
        )

    def keep_text(
        self,
        values: dict[str, Any],
        key: str,
        value: Any,
        element: str,
        *,
        single: bool,
        field_name: str | None = None,
    ) -> None:
        """Set ``values[key]`` to the clean text of *value* (see :meth:`text`) when there is any."""
        text = self.text(value, element, field_name or key, single)
        if text:
            values[key] = text

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
