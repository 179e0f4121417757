"""Rule files: loading, checking and the :class:`Rule` objects.

Rules are data (YAML files in ``catalogs/rules/`` and in folders that users
name); they are never imported or evaluated as code. A rule file holds a list
under ``rules:``; each rule has

``id``, ``title``, ``element`` (``component`` or ``flow``), ``when`` (a condition
of :mod:`workbench.rules.conditions`), ``technique`` (the primary ATLAS
technique), ``related`` (more techniques and sub-techniques), ``preconditions``
(reconnaissance and resource-development techniques: context, never scored),
``mitigations`` (ATLAS ids), ``controls`` (project-defined controls from
``catalogs/controls.yaml``), ``guidelines`` (1.1 to 4.4), ``rationale`` (a
``string.Template`` text: ``$name``, ``$kind``, ``$zone``, ``$entry``,
``$path``, ``$other``, ...), ``likelihood`` and ``impact`` hints (1 to 5),
optional ``also`` (techniques, mitigations and controls added when a further
condition holds), optional ``examples`` (small models on which the rule
must or must not fire; ``workbench rules check`` runs them) and optional
``frameworks`` (framework id -> the items of that framework the rule covers,
e.g. ``{owasp-llm: [LLM01]}``).

The keys and their types are the tables :data:`RULE_SPEC`, :data:`ALSO_SPEC`,
:data:`EXAMPLE_SPEC`, :data:`EFFECT_SPEC` and :data:`CONTROL_SPEC`, checked by
the one record checker of :mod:`workbench._input.check`.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import re
import string
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench._input.check import Field, RecordSpec, check_record
from workbench._input.locate import Locator, format_path
from workbench._input.locate import Path as LinePath
from workbench._input.read import read_text
from workbench._input.yaml import parse_yaml
from workbench._records import by_id
from workbench._resources import catalog_path
from workbench.errors import InputError, Issue, RuleError
from workbench.rules.conditions import All, Condition, compile_condition, kinds_of

__all__ = [
    "Control",
    "ControlEffect",
    "Extra",
    "Rule",
    "RuleSet",
    "load_control_effects",
    "load_controls",
    "load_rules",
]

_IDS = "a list of {} ids"

#: The fields of a rule: adding a field is one row here.
RULE_SPEC = RecordSpec(
    "rule",
    (
        Field("id", "text", required=True),
        Field("title", "text", required=True),
        Field("description", "text", default=""),
        Field("element", "text", default="component", expected="component or flow",
              choices=("component", "flow")),
        Field("when", required=True),
        Field("technique", "text", required=True, expected="one ATLAS technique id"),
        Field("related", "texts", default=[], ids="technique", expected=_IDS.format("technique")),
        Field("preconditions", "texts", default=[], ids="precondition",
              expected=_IDS.format("precondition")),
        Field("mitigations", "texts", default=[], ids="mitigation",
              expected=_IDS.format("mitigation")),
        Field("controls", "texts", default=[], ids="control", expected=_IDS.format("control")),
        Field("guidelines", "texts", required=True, default=[], ids="guideline",
              expected=_IDS.format("guideline")),
        Field("rationale", "text", required=True, default=""),
        Field("likelihood", "level", required=True, default=3),
        Field("impact", "level", required=True, default=3),
        Field("also", "list", default=[],
              expected="a list of {when, techniques, mitigations, controls}"),
        Field("examples", "list", default=[], expected="a list of examples"),
        Field("references"),
        Field("frameworks", "text lists", default={},
              expected="a mapping of framework id to a list of item ids, "
                       "e.g. {owasp-llm: [LLM01]}"),
        Field("frameworks_none", "text", default="",
              expected="a sentence saying why no framework item applies"),
    ),
    unknown="unknown rule key {key!r}{hint}",
)
#: What a rule adds when a further condition holds.
ALSO_SPEC = RecordSpec(
    "also",
    (
        Field("when", required=True),
        Field("techniques", "texts", default=[], ids="technique",
              expected=_IDS.format("technique")),
        Field("mitigations", "texts", default=[], ids="mitigation",
              expected=_IDS.format("mitigation")),
        Field("controls", "texts", default=[], ids="control", expected=_IDS.format("control")),
        Field("preconditions", "texts", default=[], ids="precondition",
              expected=_IDS.format("precondition")),
        Field("guidelines", "texts", default=[], ids="guideline",
              expected=_IDS.format("guideline")),
        Field("likelihood", "level"),
        Field("impact", "level"),
    ),
)
#: A small model on which a rule must (or must not) fire.
EXAMPLE_SPEC = RecordSpec(
    "example",
    (
        Field("name", "any"),
        Field("expect", "text", required=True, expected="fire or no_fire",
              choices=("fire", "no_fire")),
        Field("element", "text", required=True),
        Field("model", "mapping", required=True),
    ),
)
RULE_KEYS = RULE_SPEC.names
REQUIRED_KEYS = RULE_SPEC.required
ALSO_KEYS = ALSO_SPEC.names
EXAMPLE_KEYS = EXAMPLE_SPEC.names
TEMPLATE_VARS = frozenset(
    {
        "id",
        "name",
        "kind",
        "zone",
        "entry",
        "path",
        "other",
        "other_kind",
        "data",
        "source",
        "target",
        "technique",
        "technique_name",
    }
)
PRE_TACTICS = frozenset({"AML.TA0002", "AML.TA0003"})  # reconnaissance, resource development
_RULE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,79}$")
_GUIDELINE = re.compile(r"^[1-4]\.[1-5]$")
MAX_RULE_FILE_BYTES = 2_000_000
# Rule sets already checked, keyed by the files' paths, sizes and times and the catalog.
_CACHE: dict[Any, RuleSet] = {}


@dataclass(frozen=True)
class Control:
    """A project- or organisation-defined control (not an ATLAS mitigation)."""

    id: str
    title: str
    description: str
    guidelines: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class ControlEffect:
    """What a stated control does to findings (``catalogs/control-effects.yaml``).

    When ``attribute`` equals ``equals`` on a component of ``kinds`` (or the flow)
    found ``where`` (``element``, ``path`` or ``near``) relative to a finding
    whose primary technique is in ``techniques`` or whose rule is in ``rules``,
    the finding is removed (``removes``; only while every attribute in
    ``only_if_unstated`` is unstated on the element, when given), or its
    likelihood and impact move by ``likelihood`` and ``impact`` steps, with
    ``text`` in the reason. Effects of one ``group`` apply once per finding.
    """

    id: str
    attribute: str
    equals: Any
    kinds: tuple[str, ...]
    where: str
    techniques: tuple[str, ...]
    rules: tuple[str, ...]
    text: str
    removes: bool = False
    only_if_unstated: tuple[str, ...] = ()
    likelihood: int = 0
    impact: int = 0
    group: str | None = None
    source: str = ""

    def step(self, value: int, on: str) -> str:
        """The reason text of one step, e.g. ``-1 outputs filtered (filters_outputs = true on X)``."""
        shown = "true" if self.equals is True else "false" if self.equals is False else self.equals
        return f"{value:+d} {self.text} ({self.attribute} = {shown}{on})"


EFFECT_WHERE = ("element", "path", "near")
#: The fields of a control effect: adding a field is one row here.
EFFECT_SPEC = RecordSpec(
    "effect",
    (
        Field("id", "text", required=True),
        Field("attribute", "any"),
        Field("equals", "any"),
        Field("kinds", "any", default=[]),
        Field("where", "text", default="element", choices=EFFECT_WHERE,
              expected="one of " + ", ".join(EFFECT_WHERE)),
        Field("techniques", "texts", default=[], ids="technique",
              expected="a list of ATLAS technique ids"),
        Field("rules", "texts", default=[], expected="a list of rule ids"),
        Field("text", "nonblank", default="",
              expected="the words for the reason, e.g. 'outputs filtered'"),
        Field("removes", "bool", default=False),
        Field("only_if_unstated", "texts", default=[], expected="a list of attribute names"),
        Field("likelihood", "step", default=0),
        Field("impact", "step", default=0),
        Field("group", "optional text"),
        Field("disabled", "bool", default=False),
    ),
)
EFFECT_KEYS = EFFECT_SPEC.names


class _EffectChecker:
    """Checks the effects of one file against :data:`EFFECT_SPEC` and what is known."""

    def __init__(self, catalog: Any, rule_ids: Iterable[str] | None) -> None:
        from workbench.model import definitions as d

        self.catalog = catalog
        self.known_attrs = set(d.all_attribute_names()) | {a.name for a in d.FLOW_ATTRIBUTES}
        self.known_kinds = set(d.KINDS) | {"flow"}
        self.rules = set(rule_ids) if rule_ids is not None else None

    def effect(self, item: Any, loc: Locator, path: LinePath, source: str) -> Any:
        """The checked effect, ``None`` for a disabled one, ``False`` for an unusable entry."""
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            loc.add(path, "expected an effect {id, attribute, equals, where, ...}")
            return False
        v = check_record(item, EFFECT_SPEC, loc, path)
        if v["disabled"] is True:
            return None
        if v["attribute"] not in self.known_attrs:
            loc.add((*path, "attribute"), f"unknown attribute {v['attribute']!r}")
        if "equals" not in item:
            loc.add((*path, "equals"), "missing equals: the value that states the control")
        kinds = v["kinds"] or []
        if not isinstance(kinds, list) or any(k not in self.known_kinds for k in kinds):
            loc.add((*path, "kinds"), f"expected a list of component kinds (or flow): {kinds!r}")
            kinds = []
        for t in v["techniques"]:
            if self.catalog is not None and t not in self.catalog:
                loc.add((*path, "techniques"), f"unknown ATLAS technique {t!r}")
        known_rules = self.rules
        for r in v["rules"] if known_rules is not None else ():
            if known_rules is not None and r not in known_rules:
                loc.add((*path, "rules"), f"unknown rule {r!r}")
        if not v["techniques"] and not v["rules"]:
            loc.add(path, "name the findings it acts on: techniques: [...] or rules: [...]")
        if v["removes"] is not True and not v["likelihood"] and not v["impact"]:
            loc.add(
                path, "an effect removes the finding (removes: true) or moves likelihood or impact"
            )
        return ControlEffect(
            id=v["id"],
            attribute=str(v["attribute"]),
            equals=v["equals"],
            kinds=tuple(kinds),
            where=str(v["where"]),
            techniques=tuple(v["techniques"]),
            rules=tuple(v["rules"]),
            text=str(v["text"]).strip(),
            removes=v["removes"] is True,
            only_if_unstated=tuple(v["only_if_unstated"]),
            likelihood=v["likelihood"],
            impact=v["impact"],
            group=v["group"],
            source=source,
        )


def load_control_effects(
    paths: Iterable[Path] | None = None,
    *,
    catalog: Any = None,
    rule_ids: Iterable[str] | None = None,
) -> list[ControlEffect]:
    """The bundled control effects, overridden or extended by organisation files.

    An organisation control file may hold ``effects:`` beside ``controls:``; an
    effect with a bundled id replaces it (``disabled: true`` removes it). Every
    problem is collected and raised as one :class:`RuleError` with file and line.
    """
    files = [catalog_path("control-effects.yaml"), *(paths or [])]
    checker = _EffectChecker(catalog, rule_ids)
    effects: dict[str, ControlEffect] = {}
    issues: list[Issue] = []
    for file in files:
        data, loc = _read_yaml(file, issues)
        if not isinstance(data, dict):
            loc.add((), "expected a mapping with effects:")
            continue
        # an organisation control file may have no effects
        items, source = _section(data, loc, file, "effects", "expected a list", file != files[0])
        for i, item in enumerate(items):
            effect = checker.effect(item, loc, ("effects", i), source)
            if effect is None:
                effects.pop(item["id"], None)
            elif effect is not False:
                effects[effect.id] = effect
    if issues:
        raise RuleError(f"{len(issues)} problem(s) in the control effects", issues)
    return list(effects.values())


@dataclass
class Extra:
    """What a rule adds when a further condition holds.

    ``likelihood`` and ``impact`` raise the rule's hint to at least that value.
    """

    condition: Condition
    techniques: list[str]
    mitigations: list[str]
    controls: list[str]
    preconditions: list[str]
    guidelines: list[str] = field(default_factory=list)
    likelihood: int | None = None
    impact: int | None = None


@dataclass
class Example:
    name: str
    expect: str  # "fire" or "no_fire"
    element: str
    model: dict[str, Any]
    line: int | None


@dataclass
class Rule:
    id: str
    title: str
    element: str
    condition: Condition
    technique: str
    related: list[str]
    preconditions: list[str]
    mitigations: list[str]
    controls: list[str]
    guidelines: list[str]
    rationale: string.Template
    likelihood: int
    impact: int
    also: list[Extra] = field(default_factory=list)
    examples: list[Example] = field(default_factory=list)
    description: str = ""
    file: str | None = None
    line: int | None = None
    kinds: frozenset[str] | None = None  # the kinds a component rule can fire on
    #: Framework id -> the items of that framework the rule covers (``{"owasp-llm": ("LLM01",)}``).
    frameworks: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: Why no framework item applies, for a rule without ``frameworks``.
    frameworks_none: str = ""
    #: The items as their publishers write them: ``LLM01:2025``, ``T6``.
    owasp: list[str] = field(default_factory=list)

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}" if self.file else "<python>"


@dataclass
class RuleSet:
    rules: list[Rule]
    controls: dict[str, Control]
    files: list[str]
    digest: str
    effects: list[ControlEffect] = field(default_factory=list)

    def __iter__(self) -> Any:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def get(self, rule_id: str) -> Rule:
        return by_id(self.rules, rule_id)


def _section(
    data: dict[str, Any], loc: Locator, file: Path, key: str, expected: str, optional: bool
) -> tuple[list[Any], str]:
    """The list under *key* (empty when it is missing and *optional*) and the file's source."""
    items = data.get(key)
    if not isinstance(items, list):
        if items is not None or not optional:
            loc.add((key,), expected)
        items = []
    return items, str(data.get("source", file.name))


def _read_yaml(path: Path, issues: list[Issue] | None = None) -> tuple[Any, Locator]:
    """The data of a rule or control file and a locator for its problems (into *issues*)."""
    text = read_text(path, expected="a rule or control file", max_bytes=MAX_RULE_FILE_BYTES)
    data, lines, _dups = parse_yaml(text, str(path))
    return data, Locator(str(path), lines, issues)


#: The fields of a project- or organisation-defined control: one row per field.
CONTROL_SPEC = RecordSpec(
    "control",
    (
        Field("id", "text", required=True),
        Field("title", "text"),
        Field("description", "text", default=""),
        Field("guidelines", "texts", default=[], expected="a list of guideline ids"),
    ),
)


def load_controls(paths: Iterable[Path] | None = None) -> dict[str, Control]:
    """Load the project-defined controls and any organisation control files.

    Every problem of every file is collected; :class:`InputError` lists them,
    each with its file and line.
    """
    files = [catalog_path("controls.yaml"), *(paths or [])]
    controls: dict[str, Control] = {}
    issues: list[Issue] = []
    for file in files:
        data, loc = _read_yaml(file, issues)
        # a file of control effects only has no controls
        optional = isinstance(data, dict) and "effects" in data
        items, source = _section(
            data if isinstance(data, dict) else {}, loc, file, "controls",
            "expected a list under 'controls:'", optional,
        )
        for i, item in enumerate(items):
            path = ("controls", i)
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                loc.add(path, "expected {id, title, description}")
                continue
            v = check_record(item, CONTROL_SPEC, loc, path)
            if v["id"] in controls:
                loc.add((*path, "id"), f"duplicate control id {v['id']!r}")
                continue
            controls[v["id"]] = Control(
                id=v["id"],
                title=v["title"] or v["id"],
                description=v["description"],
                guidelines=tuple(v["guidelines"]),
                source=source,
            )
    if issues:
        error = InputError("\n".join(str(issue) for issue in issues))
        error.issues = issues
        raise error
    return controls


def known_vocabulary() -> dict[str, Any]:
    """Names the condition compiler accepts: kinds, attributes, data kinds."""
    from workbench.model import definitions as d

    return {
        "kinds": sorted(d.KINDS),
        "attributes": sorted(d.all_attribute_names()),
        "flow_attributes": sorted(a.name for a in d.FLOW_ATTRIBUTES if a.name != "data"),
        "data_kinds": sorted(d.DATA_KINDS),
    }


#: Rule fields built from their checked value in :meth:`_Checker.rule` (not taken as given).
_RULE_FIELDS_BUILT = frozenset({"related", "rationale", "also", "examples", "frameworks"})


@functools.cache
def _rule_fields_as_given() -> tuple[str, ...]:
    """The fields of :data:`RULE_SPEC` that a :class:`Rule` holds as they were checked.

    A new rule field is a row of :data:`RULE_SPEC` and an attribute of
    :class:`Rule`; nothing else.
    """
    attrs = {f.name for f in dataclasses.fields(Rule)}
    return tuple(n for n in RULE_SPEC.names if n in attrs and n not in _RULE_FIELDS_BUILT)


class _Checker:
    """Checks rules against :data:`RULE_SPEC`, the catalog, the controls and the vocabulary."""

    def __init__(
        self, catalog: Any, controls: dict[str, Control], predicates: dict[str, Any]
    ) -> None:
        self.catalog = catalog
        self.controls = controls
        self.predicates = predicates
        self.known = known_vocabulary()
        self.issues: list[Issue] = []
        self.loc = Locator(None, {}, self.issues)
        self.frameworks: Any = None  # workbench.catalog.frameworks.Frameworks

    def start(self, file: str, loc: Locator) -> None:
        """Check the rules of *file* next (its problems go to :attr:`issues`)."""
        self.loc = Locator(file, loc.lines, self.issues)

    def problem(self, path: LinePath, message: str) -> None:
        self.loc.add(path, message)

    def with_frameworks(self, rule: Rule | None, raw: Any, path: LinePath) -> Rule | None:
        """*rule* with its ``frameworks:`` items (ids checked) or ``frameworks_none:`` reason."""
        from workbench.rules._frameworks import check_framework_items

        if not isinstance(raw, dict):
            return rule
        frameworks, reason = check_framework_items(self, raw, path)
        if rule is not None:
            rule.frameworks, rule.frameworks_none = frameworks, reason
            rule.owasp = self.frameworks.labels(frameworks) if self.frameworks is not None else []
        return rule

    def id_lists(self, spec: RecordSpec, values: dict[str, Any], path: LinePath) -> None:
        """Check every id in the id-list fields of *spec* (unknown ids are problems)."""
        for f in spec.fields:
            if f.ids is not None:
                for i, value in enumerate(values[f.name] or ()):
                    self.check_id(value, (*path, f.name, i), f.ids)

    def check_id(self, value: str, path: LinePath, what: str) -> None:
        if what == "control":
            if value not in self.controls:
                self.problem(path, f"unknown control {value!r} (not in catalogs/controls.yaml)")
            return
        if what == "guideline":
            if (
                not _GUIDELINE.match(value)
                or value.split(".")[1] > {"1": "4", "2": "4", "3": "5", "4": "4"}[value[0]]
            ):
                self.problem(
                    path,
                    f"unknown guideline {value!r}: expected 1.1-1.4, 2.1-2.4, 3.1-3.5 or 4.1-4.4",
                )
            return
        kind_ok = value.startswith("AML.M") if what == "mitigation" else value.startswith("AML.T")
        if not kind_ok or value not in self.catalog:
            self.problem(
                path,
                f"unknown ATLAS {what} {value!r} in catalog ATLAS {self.catalog.atlas_version}",
            )
            return
        if what not in ("precondition", "technique"):
            return
        tactics = set(self.catalog.technique(value).tactics)
        if what == "precondition" and not tactics & PRE_TACTICS:
            self.problem(path, f"{value} is not a reconnaissance or resource-development technique")
        if what == "technique" and tactics and tactics <= PRE_TACTICS:
            self.problem(
                path,
                f"{value} is a reconnaissance or resource-development technique: "
                "list it under preconditions (it is never scored as a threat)",
            )

    def condition(self, raw: Any, path: LinePath, element: str) -> Condition | None:
        cond, issues = compile_condition(
            raw,
            element,
            self.known,
            self.predicates,
            file=self.loc.file,
            lines=self.loc.lines,
            path=format_path(path),
        )
        self.issues.extend(issues)
        return cond

    def rule_id(self, v: dict[str, Any], path: LinePath, seen: dict[str, str]) -> None:
        rid = v["id"]
        if rid is None:
            return
        if not _RULE_ID.match(rid):
            self.problem(
                (*path, "id"), "rule ids are lower-case letters, digits and '-' (2-80 chars)"
            )
        elif rid in seen:
            self.problem((*path, "id"), f"duplicate rule id {rid!r} (also at {seen[rid]})")
        else:
            seen[rid] = f"{self.loc.file}:{self.loc.lines.get((*path, 'id'), '?')}"

    def rationale(self, text: str, path: LinePath) -> string.Template:
        template = string.Template(text)
        if not template.is_valid():
            self.problem(path, "invalid $-placeholder (write $$ for a dollar sign)")
            return template
        unknown = set(template.get_identifiers()) - TEMPLATE_VARS
        if unknown:
            self.problem(
                path,
                f"unknown placeholder(s) {', '.join('$' + u for u in sorted(unknown))}; "
                f"available: {', '.join('$' + v for v in sorted(TEMPLATE_VARS))}",
            )
        return template

    def rule(self, raw: Any, path: LinePath, seen: dict[str, str]) -> Rule | None:
        start = len(self.issues)
        if not isinstance(raw, dict):
            self.problem(path, "expected a rule (a mapping with id, title, when, technique, ...)")
            return None
        v = check_record(raw, RULE_SPEC, self.loc, path)
        self.rule_id(v, path, seen)
        element = v["element"]
        cond = self.condition(raw["when"], (*path, "when"), element) if "when" in raw else None
        technique = v["technique"]
        if technique is not None:
            self.check_id(technique, (*path, "technique"), "technique")
        self.id_lists(RULE_SPEC, v, path)
        if "guidelines" in raw and not v["guidelines"]:
            self.problem((*path, "guidelines"), "name at least one guideline (1.1 to 4.4)")
        template = self.rationale(v["rationale"], (*path, "rationale"))
        also = self.also(v["also"], (*path, "also"), element)
        examples = self.examples(v["examples"], (*path, "examples"))
        if len(self.issues) > start or cond is None or technique is None:
            return None
        return Rule(
            **{name: v[name] for name in _rule_fields_as_given()},
            condition=cond,
            related=[t for t in v["related"] if t != technique],
            rationale=template,
            also=also,
            examples=examples,
            file=self.loc.file,
            line=self.loc.lines.get(path),
            kinds=kinds_of(cond) if element == "component" else None,
            frameworks={k: tuple(items) for k, items in sorted(v["frameworks"].items())},
        )

    def also(self, raw: list[Any], path: LinePath, element: str) -> list[Extra]:
        out = []
        for i, item in enumerate(raw):
            sub = (*path, i)
            if not isinstance(item, dict) or "when" not in item:
                self.problem(sub, "expected {when: CONDITION, techniques: [...], ...}")
                continue
            v = check_record(item, ALSO_SPEC, self.loc, sub)
            cond = self.condition(item["when"], (*sub, "when"), element)
            self.id_lists(ALSO_SPEC, v, sub)
            out.append(
                Extra(
                    condition=cond if cond is not None else All([]),
                    techniques=v["techniques"],
                    mitigations=v["mitigations"],
                    controls=v["controls"],
                    preconditions=v["preconditions"],
                    guidelines=v["guidelines"],
                    likelihood=v["likelihood"],
                    impact=v["impact"],
                )
            )
        return out

    def examples(self, raw: list[Any], path: LinePath) -> list[Example]:
        out = []
        for i, item in enumerate(raw):
            sub = (*path, i)
            if not isinstance(item, dict):
                self.problem(sub, "expected {name, expect: fire|no_fire, element, model}")
                continue
            start = len(self.issues)
            v = check_record(item, EXAMPLE_SPEC, self.loc, sub)
            if len(self.issues) > start:
                continue
            out.append(
                Example(
                    name=str(v["name"] or f"example {i + 1}"),
                    expect=v["expect"],
                    element=v["element"],
                    model=v["model"],
                    line=self.loc.lines.get(sub),
                )
            )
        return out


def bundled_rules_dir() -> Path:
    return catalog_path("rules")


def _signature(files: list[Path], control_files: Iterable[str | Path], catalog: Any) -> Any:
    """What a checked rule set depends on: the files (paths, times, sizes) and the catalog."""
    from workbench.catalog.frameworks import bundled_frameworks_dir

    return (
        tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files),
        tuple(
            (str(f), f.stat().st_mtime_ns)
            for f in [
                catalog_path("controls.yaml"),
                catalog_path("control-effects.yaml"),
                *map(Path, control_files),
            ]
        ),
        getattr(catalog, "sha256", None) or id(catalog),
        catalog.atlas_version,
        tuple((f.name, f.stat().st_mtime_ns) for f in sorted(bundled_frameworks_dir().glob("*"))),
    )


def load_rules(
    dirs: Iterable[str | Path] = (),
    *,
    catalog: Any = None,
    include_bundled: bool = True,
    control_files: Iterable[str | Path] = (),
) -> RuleSet:
    """Load and check the bundled rules and the rule files in *dirs*.

    Every problem in every file is collected; if there is any, a
    :class:`RuleError` lists them, each with its file and line. Unknown condition
    keys, unknown technique, mitigation, control or guideline ids and duplicate
    rule ids are all problems.
    """
    from workbench.catalog import load_catalog
    from workbench.catalog.frameworks import load_frameworks
    from workbench.rules.predicates import available_predicates

    if catalog is None:
        catalog = load_catalog()
    controls = load_controls([Path(p) for p in control_files])
    files: list[Path] = []
    folders = [bundled_rules_dir()] if include_bundled else []
    for d in dirs:
        p = Path(d)
        if p.is_file():
            files.append(p)
            continue
        if not p.is_dir():
            raise InputError(f"{p}: no such rule folder or file")
        folders.append(p)
    for folder in folders:
        files.extend(sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml")))
    unique: dict[Path, Path] = {}
    for f in files:  # a folder named twice (or the bundled one named again) loads once
        unique.setdefault(f.resolve(), f)
    files = list(unique.values())
    signature = _signature(files, control_files, catalog)
    cached = _CACHE.get(signature)
    if cached is not None:
        return cached
    checker = _Checker(catalog, controls, available_predicates())
    checker.frameworks = load_frameworks(catalog=catalog)
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    digest = hashlib.sha256()
    for file in files:
        data, loc = _read_yaml(file)
        digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
        checker.start(str(file), loc)
        if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
            checker.problem(("rules",), "expected a list under 'rules:'")
            continue
        for key in data:
            if key not in ("rules", "description"):
                checker.problem(
                    (str(key),), f"unknown top-level key {key!r} (allowed: rules, description)"
                )
        for i, raw in enumerate(data["rules"]):
            where = ("rules", i)
            rule = checker.with_frameworks(checker.rule(raw, where, seen), raw, where)
            if rule is not None:
                rules.append(rule)
    if checker.issues:
        count = len(checker.issues)
        raise RuleError(
            f"{count} problem{'s' if count != 1 else ''} in the rule files", checker.issues
        )
    effect_files = [Path(p) for p in control_files]
    effects = load_control_effects(
        effect_files, catalog=catalog, rule_ids=seen if include_bundled else None
    )
    for file in [catalog_path("control-effects.yaml"), *effect_files]:
        digest.update(b"effects\0" + file.read_bytes() + b"\0")
    ruleset = RuleSet(
        rules=rules,
        controls=controls,
        files=[str(f) for f in files],
        digest=digest.hexdigest(),
        effects=effects,
    )
    if len(_CACHE) > 16:
        _CACHE.clear()
    _CACHE[signature] = ruleset
    return ruleset
