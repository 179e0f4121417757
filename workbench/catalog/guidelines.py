"""The guideline catalog: NCSC/CISA "Guidelines for secure AI system development".

The document has four stages (secure design, development, deployment,
operation and maintenance) and seventeen guidelines; it numbers only the
stages, so 1.1 to 4.4 is this project's numbering. Each guideline carries the
checks the workbench can answer from a system model. The data lives in
``catalogs/guidelines.yaml``.

>>> from workbench.catalog import load_guidelines
>>> guidelines = load_guidelines()
>>> [s.name for s in guidelines.stages()][:2]
['Secure design', 'Secure development']
>>> guidelines.get("3.2").title
'Protect your model continuously'
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench._input.read import read_text
from workbench._resources import catalog_path
from workbench.catalog.atlas import UnknownIdError
from workbench.errors import CatalogError, InputError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "CHECK_WORDS",
    "EXPECTED_GUIDELINES",
    "CheckSpec",
    "Guideline",
    "GuidelineCatalog",
    "GuidelineCheck",
    "Stage",
    "load_guidelines",
]

#: Guidelines per stage in the source document (4 + 4 + 5 + 4 = 17).
EXPECTED_GUIDELINES = {1: 4, 2: 4, 3: 5, 4: 4}
_NUMBER = re.compile(r"^([1-9])\.([1-9][0-9]?)$")
_CHECK_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


#: The words of a declared check (the ``evaluate:`` mapping of a check in the catalog):
#:
#: ``each`` (component kinds) with one of ``flag`` (a control attribute: its
#: ``good`` value, ``true`` by default, passes, another stated value fails,
#: unstated is unknown), ``records`` (attributes the model keeps as the record:
#: all present passes, any absent fails; ``what`` says what they are for) or
#: ``integrity`` (``hash_verified`` or ``signed``); ``skip: hosted`` leaves out
#: models hosted by a third party; ``none`` is the not-applicable text when
#: the model has no such component.
#: ``monitoring`` (an attribute of monitoring components) with ``what``: some
#: monitoring component with it true passes, when the model has models or agents.
#: ``fact`` (a system fact): stated passes, unstated is unknown.
#: ``provided`` (a text): the workbench itself provides it, always a pass.
CHECK_WORDS = ("each", "flag", "good", "records", "what", "integrity", "skip", "none",
               "monitoring", "fact", "provided")
_KINDS_OF_CHECK = ("flag", "records", "integrity", "monitoring", "fact", "provided")


@dataclass(frozen=True)
class CheckSpec:
    """How a declared check is evaluated (see :data:`CHECK_WORDS`)."""

    kind: str  # flag, records, integrity, monitoring, fact or provided
    kinds: tuple[str, ...] = ()
    attribute: str = ""
    good: Any = True
    records: tuple[str, ...] = ()
    what: str = ""
    skip_hosted: bool = False
    not_applicable: str = ""


@dataclass(frozen=True)
class GuidelineCheck:
    """One check the model can answer (pass, fail or unknown) for a guideline.

    ``evaluate`` is the declared check; ``None`` for a check the coverage code
    evaluates itself.
    """

    id: str
    text: str
    guideline: str
    evaluate: CheckSpec | None = None


@dataclass(frozen=True)
class Guideline:
    """A guideline: project number (``"2.1"``), stage, title, summary and checks."""

    number: str
    stage: int
    stage_name: str
    title: str
    summary: str
    checks: tuple[GuidelineCheck, ...]

    @property
    def label(self) -> str:
        return f"{self.number} {self.title}"


@dataclass(frozen=True)
class Stage:
    """A stage of the AI system life cycle and the numbers of its guidelines."""

    number: int
    name: str
    guidelines: tuple[str, ...]


class GuidelineCatalog:
    """The stages, guidelines and checks, read-only. Build it with :func:`load_guidelines`."""

    def __init__(
        self,
        stages: list[Stage],
        guidelines: list[Guideline],
        *,
        document: dict[str, Any] | None = None,
        source: Path | None = None,
    ) -> None:
        self._stages = {s.number: s for s in stages}
        self._guidelines = {g.number: g for g in guidelines}
        self._checks = {c.id: c for g in guidelines for c in g.checks}
        self.document: dict[str, Any] = dict(document or {})
        self.source = source

    def __repr__(self) -> str:
        return (
            f"<GuidelineCatalog {len(self._stages)} stages, {len(self._guidelines)} guidelines, "
            f"{len(self._checks)} checks>"
        )

    def __len__(self) -> int:
        return len(self._guidelines)

    def __iter__(self) -> Iterator[Guideline]:
        return iter(self._guidelines.values())

    def __contains__(self, number: object) -> bool:
        return isinstance(number, str) and number.strip() in self._guidelines

    @property
    def title(self) -> str:
        return str(self.document.get("title", ""))

    @property
    def publishers(self) -> list[str]:
        value = self.document.get("publishers") or []
        return [str(v) for v in value]

    def stages(self) -> list[Stage]:
        """The four stages in order."""
        return list(self._stages.values())

    def stage(self, number: int) -> Stage:
        try:
            return self._stages[int(number)]
        except (KeyError, ValueError):
            raise UnknownIdError(
                str(number),
                f"unknown stage {number!r}; stages are "
                + ", ".join(f"{s.number} {s.name}" for s in self._stages.values()),
            ) from None

    def guidelines(self, stage: int | None = None) -> list[Guideline]:
        """All guidelines in number order, or those of one stage."""
        if stage is None:
            return list(self._guidelines.values())
        wanted = self.stage(stage).number
        return [g for g in self._guidelines.values() if g.stage == wanted]

    def get(self, number: str) -> Guideline:
        """The guideline with this project number, e.g. ``get("2.1")``."""
        key = str(number).strip()
        found = self._guidelines.get(key)
        if found is None:
            known = ", ".join(self._guidelines)
            raise UnknownIdError(key, f"unknown guideline {key!r}; guidelines are {known}")
        return found

    def checks(self) -> list[GuidelineCheck]:
        """Every check of every guideline, in guideline order."""
        return list(self._checks.values())

    def check(self, check_id: str) -> GuidelineCheck:
        found = self._checks.get(check_id)
        if found is None:
            raise UnknownIdError(check_id, f"unknown guideline check {check_id!r}")
        return found

    def to_dataframe(self) -> pd.DataFrame:
        """One row per guideline, indexed by number (``checks``: comma-separated check ids)."""
        import pandas as pd

        rows = [
            {
                "number": g.number,
                "stage": g.stage,
                "stage_name": g.stage_name,
                "title": g.title,
                "summary": g.summary,
                "checks": ", ".join(c.id for c in g.checks),
                "check_count": len(g.checks),
            }
            for g in self._guidelines.values()
        ]
        columns = ["number", "stage", "stage_name", "title", "summary", "checks", "check_count"]
        return pd.DataFrame(rows, columns=columns).set_index("number")

    def checks_df(self) -> pd.DataFrame:
        """One row per check, indexed by check id."""
        import pandas as pd

        rows = [
            {
                "id": c.id,
                "guideline": c.guideline,
                "title": self._guidelines[c.guideline].title,
                "text": c.text,
            }
            for c in self._checks.values()
        ]
        return pd.DataFrame(rows, columns=["id", "guideline", "title", "text"]).set_index("id")


def load_guidelines(source: str | Path | None = None) -> GuidelineCatalog:
    """Load and validate the guideline catalog (the bundled one by default).

    Raises :class:`~workbench.errors.CatalogError` naming the file and the
    problems when the file is unreadable or does not describe the four stages
    and seventeen guidelines.
    """
    from workbench._input.yaml import parse_yaml  # YAML only when a catalog is read

    path = catalog_path("guidelines.yaml") if source is None else Path(source)
    try:  # the one safe reader: size limit, UTF-8, no tags, anchors or aliases
        text = read_text(path, expected="a guideline catalog")
        data = parse_yaml(text, str(path), expected="a guideline catalog")[0]
    except InputError as exc:
        error = CatalogError(str(exc))
        error.issues = exc.issues
        raise error from None
    stages, guidelines, problems = _parse(data)
    if problems:
        shown = "; ".join(problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise CatalogError(f"{path}: {shown}{more}")
    document = data.get("document") if isinstance(data, dict) else None
    return GuidelineCatalog(
        stages,
        guidelines,
        document=document if isinstance(document, dict) else None,
        source=path,
    )


def _text(value: Any) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def _parse(data: Any) -> tuple[list[Stage], list[Guideline], list[str]]:
    problems: list[str] = []
    if not isinstance(data, dict) or not isinstance(data.get("stages"), list):
        return [], [], ["expected a mapping with a 'stages' list"]
    stages: list[Stage] = []
    guidelines: list[Guideline] = []
    check_ids: set[str] = set()
    for s_index, raw_stage in enumerate(data["stages"]):
        where = f"stages[{s_index}]"
        if not isinstance(raw_stage, dict):
            problems.append(f"{where}: expected a mapping")
            continue
        number = raw_stage.get("number")
        name = _text(raw_stage.get("name"))
        if number != s_index + 1 or isinstance(number, bool):
            problems.append(f"{where}: number should be {s_index + 1}, found {number!r}")
            continue
        if not name:
            problems.append(f"{where}: a name is required")
        raw_guidelines = raw_stage.get("guidelines")
        if not isinstance(raw_guidelines, list):
            problems.append(f"{where}: expected a 'guidelines' list")
            continue
        numbers: list[str] = []
        for g_index, raw in enumerate(raw_guidelines):
            gwhere = f"{where}.guidelines[{g_index}]"
            if not isinstance(raw, dict):
                problems.append(f"{gwhere}: expected a mapping")
                continue
            g_number = str(raw.get("number", "")).strip()
            expected = f"{number}.{g_index + 1}"
            if not _NUMBER.match(g_number) or g_number != expected:
                problems.append(f"{gwhere}: number should be {expected!r}, found {g_number!r}")
                continue
            title, summary = _text(raw.get("title")), _text(raw.get("summary"))
            if not title:
                problems.append(f"guideline {g_number}: a title is required")
            if not summary:
                problems.append(f"guideline {g_number}: a summary is required")
            checks: list[GuidelineCheck] = []
            raw_checks = raw.get("checks")
            if not isinstance(raw_checks, list) or not raw_checks:
                problems.append(f"guideline {g_number}: expected a non-empty 'checks' list")
                raw_checks = []
            for c_index, raw_check in enumerate(raw_checks):
                cwhere = f"guideline {g_number}: checks[{c_index}]"
                if not isinstance(raw_check, dict):
                    problems.append(f"{cwhere}: expected a mapping with id and text")
                    continue
                check_id = str(raw_check.get("id", "")).strip()
                check_text = _text(raw_check.get("text"))
                if not _CHECK_ID.match(check_id):
                    problems.append(f"{cwhere}: id {check_id!r} should be lower-case-with-dashes")
                    continue
                if check_id in check_ids:
                    problems.append(f"{cwhere}: duplicate check id {check_id!r}")
                    continue
                if not check_text:
                    problems.append(f"{cwhere}: a text is required")
                check_ids.add(check_id)
                spec = None
                if "evaluate" in raw_check:
                    spec = _check_spec(raw_check["evaluate"], f"check {check_id}", problems)
                checks.append(
                    GuidelineCheck(id=check_id, text=check_text, guideline=g_number, evaluate=spec)
                )
            numbers.append(g_number)
            guidelines.append(
                Guideline(
                    number=g_number,
                    stage=number,
                    stage_name=name,
                    title=title,
                    summary=summary,
                    checks=tuple(checks),
                )
            )
        stages.append(Stage(number=number, name=name, guidelines=tuple(numbers)))
    per_stage = {s.number: len(s.guidelines) for s in stages}
    if not problems and per_stage != EXPECTED_GUIDELINES:
        found = ", ".join(str(per_stage.get(k, 0)) for k in sorted(per_stage)) or "none"
        problems.append(
            f"expected 4 stages with 4, 4, 5 and 4 guidelines (17 in all), found {found} "
            f"({len(guidelines)} in all)"
        )
    return stages, guidelines, problems


def _names(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        return None
    return tuple(v.strip() for v in value)


def _check_spec(raw: Any, where: str, problems: list[str]) -> CheckSpec | None:
    """The declared check of one catalog entry, or ``None`` with what is wrong in *problems*."""
    from workbench.model.definitions import KINDS, SYSTEM_FACTS, attributes_for

    if not isinstance(raw, dict):
        problems.append(f"{where}: evaluate: expected a mapping of {', '.join(CHECK_WORDS)}")
        return None
    unknown = sorted(str(k) for k in raw if k not in CHECK_WORDS)
    found = [k for k in _KINDS_OF_CHECK if k in raw]
    if unknown:
        problems.append(f"{where}: evaluate: unknown word(s) {', '.join(unknown)}; "
                        f"the words are {', '.join(CHECK_WORDS)}")
        return None
    if len(found) != 1:
        problems.append(f"{where}: evaluate: expected one of {', '.join(_KINDS_OF_CHECK)}, "
                        f"found {', '.join(found) or 'none'}")
        return None
    kind = found[0]
    what, none = _text(raw.get("what")), _text(raw.get("none"))
    if kind == "provided":
        return CheckSpec("provided", what=_text(raw["provided"]))
    if kind == "fact":
        facts = {f.name for f in SYSTEM_FACTS}
        if raw["fact"] not in facts:
            problems.append(f"{where}: evaluate: fact {raw['fact']!r} is not a system fact")
            return None
        return CheckSpec("fact", attribute=raw["fact"])
    if kind == "monitoring":
        if raw["monitoring"] not in attributes_for("monitoring"):
            problems.append(f"{where}: evaluate: monitoring components have no attribute "
                            f"{raw['monitoring']!r}")
            return None
        return CheckSpec("monitoring", attribute=raw["monitoring"], what=what)
    kinds = _names(raw.get("each"))
    if kinds is None or not set(kinds) <= set(KINDS):
        problems.append(f"{where}: evaluate: each: expected component kinds, found "
                        f"{raw.get('each')!r}")
        return None
    if not none:
        problems.append(f"{where}: evaluate: none: say what is not there when no component is")
    if raw.get("skip", "hosted") != "hosted":
        problems.append(f"{where}: evaluate: skip: the one value is 'hosted'")
    names = (raw["flag"],) if kind == "flag" else _names(raw.get("records")) or ()
    if kind != "integrity" and not names:
        problems.append(f"{where}: evaluate: {kind}: expected attribute names")
    for name in names:
        for k in kinds:
            if name not in attributes_for(k):
                problems.append(f"{where}: evaluate: {k} components have no attribute {name!r}")
    good = raw.get("good", True)
    return CheckSpec(
        kind,
        kinds=kinds,
        attribute=str(raw.get("flag", "")),
        good=tuple(good) if isinstance(good, list) else good,
        records=names if kind == "records" else (),
        what=what,
        skip_hosted="skip" in raw,
        not_applicable=none,
    )
