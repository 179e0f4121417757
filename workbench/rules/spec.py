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
condition holds) and optional ``examples`` (small models on which the rule
must or must not fire; ``workbench rules check`` runs them).
"""

from __future__ import annotations

import hashlib
import re
import string
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench._resources import catalog_path
from workbench.errors import InputError, Issue, RuleError
from workbench.model._yaml import parse_yaml
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

RULE_KEYS = (
    "id",
    "title",
    "description",
    "element",
    "when",
    "technique",
    "related",
    "preconditions",
    "mitigations",
    "controls",
    "guidelines",
    "frameworks",
    "frameworks_none",
    "rationale",
    "likelihood",
    "impact",
    "also",
    "examples",
    "references",
)
REQUIRED_KEYS = (
    "id",
    "title",
    "when",
    "technique",
    "guidelines",
    "rationale",
    "likelihood",
    "impact",
)
ALSO_KEYS = (
    "when",
    "techniques",
    "mitigations",
    "controls",
    "preconditions",
    "guidelines",
    "likelihood",
    "impact",
)
EXAMPLE_KEYS = ("name", "expect", "element", "model")
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


EFFECT_KEYS = (
    "id",
    "attribute",
    "equals",
    "kinds",
    "where",
    "techniques",
    "rules",
    "text",
    "removes",
    "only_if_unstated",
    "likelihood",
    "impact",
    "group",
    "disabled",
)
EFFECT_WHERE = ("element", "path", "near")


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
    from workbench.model import definitions as d

    files = [catalog_path("control-effects.yaml"), *(paths or [])]
    known_attrs = set(d.all_attribute_names()) | {a.name for a in d.FLOW_ATTRIBUTES}
    known_kinds = set(d.KINDS) | {"flow"}
    rules = set(rule_ids) if rule_ids is not None else None
    effects: dict[str, ControlEffect] = {}
    issues: list[Issue] = []
    for file in files:
        data, lines = _read_yaml(file)
        if not isinstance(data, dict):
            issues.append(Issue(str(file), None, "", "expected a mapping with effects:"))
            continue
        items = data.get("effects")
        if items is None and file != files[0]:
            continue  # an organisation control file without effects
        if not isinstance(items, list):
            issues.append(Issue(str(file), lines.get("effects"), "effects", "expected a list"))
            continue
        source = str(data.get("source", file.name))
        for i, item in enumerate(items):
            path = f"effects[{i}]"

            def problem(
                key: str,
                message: str,
                path: str = path,
                file: Path = file,
                lines: dict[str, int] = lines,
            ) -> None:
                where = f"{path}.{key}" if key else path
                line = lines.get(where) or lines.get(path)
                issues.append(Issue(str(file), line, where, message))

            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                problem("", "expected an effect {id, attribute, equals, where, ...}")
                continue
            for key in item:
                if key not in EFFECT_KEYS:
                    problem(str(key), f"unknown key {key!r} (allowed: {', '.join(EFFECT_KEYS)})")
            if item.get("disabled") is True:
                effects.pop(item["id"], None)
                continue
            attr = item.get("attribute")
            if attr not in known_attrs:
                problem("attribute", f"unknown attribute {attr!r}")
            if "equals" not in item:
                problem("equals", "missing equals: the value that states the control")
            kinds = item.get("kinds") or []
            if not isinstance(kinds, list) or any(k not in known_kinds for k in kinds):
                problem("kinds", f"expected a list of component kinds (or flow): {kinds!r}")
                kinds = []
            where = item.get("where", "element")
            if where not in EFFECT_WHERE:
                problem("where", f"expected one of {', '.join(EFFECT_WHERE)}")
            techniques = item.get("techniques") or []
            for t in techniques:
                if catalog is not None and t not in catalog:
                    problem("techniques", f"unknown ATLAS technique {t!r}")
            named_rules = item.get("rules") or []
            if rules is not None:
                for r in named_rules:
                    if r not in rules:
                        problem("rules", f"unknown rule {r!r}")
            if not techniques and not named_rules:
                problem("", "name the findings it acts on: techniques: [...] or rules: [...]")
            steps = {}
            for key in ("likelihood", "impact"):
                value = item.get(key, 0)
                if not (
                    isinstance(value, int) and not isinstance(value, bool) and -2 <= value <= 2
                ):
                    problem(key, "expected a whole number of steps from -2 to 2")
                    value = 0
                steps[key] = value
            removes = item.get("removes", False) is True
            if not removes and not steps["likelihood"] and not steps["impact"]:
                problem(
                    "",
                    "an effect removes the finding (removes: true) or moves likelihood or impact",
                )
            if not isinstance(item.get("text"), str) or not item["text"].strip():
                problem("text", "expected the words for the reason, e.g. 'outputs filtered'")
            effects[item["id"]] = ControlEffect(
                id=item["id"],
                attribute=str(attr),
                equals=item.get("equals"),
                kinds=tuple(kinds),
                where=str(where),
                techniques=tuple(techniques),
                rules=tuple(named_rules),
                text=str(item.get("text", "")).strip(),
                removes=removes,
                only_if_unstated=tuple(item.get("only_if_unstated") or ()),
                likelihood=steps["likelihood"],
                impact=steps["impact"],
                group=item.get("group"),
                source=source,
            )
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
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


def _path_text(path: tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _read_yaml(path: Path) -> tuple[Any, dict[str, int]]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_RULE_FILE_BYTES:
        raise InputError(f"{path}: a rule file must be under {MAX_RULE_FILE_BYTES // 1_000_000} MB")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    data, lines, _dups = parse_yaml(text, str(path))
    return data, {_path_text(p): n for p, n in lines.items()}


def load_controls(paths: Iterable[Path] | None = None) -> dict[str, Control]:
    """Load the project-defined controls and any organisation control files."""
    files = [catalog_path("controls.yaml"), *(paths or [])]
    controls: dict[str, Control] = {}
    for file in files:
        data, lines = _read_yaml(file)
        items = data.get("controls") if isinstance(data, dict) else None
        if items is None and isinstance(data, dict) and "effects" in data:
            continue  # a file of control effects only
        if not isinstance(items, list):
            raise InputError(f"{file}: expected a list under 'controls:'")
        source = str(data.get("source", file.name))
        for i, item in enumerate(items):
            where = f"{file}:{lines.get(f'controls[{i}]', '?')}"
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                raise InputError(f"{where}: controls[{i}]: expected {{id, title, description}}")
            if item["id"] in controls:
                raise InputError(f"{where}: controls[{i}].id: duplicate control id {item['id']!r}")
            controls[item["id"]] = Control(
                id=item["id"],
                title=str(item.get("title", item["id"])),
                description=str(item.get("description", "")),
                guidelines=tuple(str(g) for g in item.get("guidelines", [])),
                source=source,
            )
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


class _Checker:
    def __init__(
        self, catalog: Any, controls: dict[str, Control], predicates: dict[str, Any]
    ) -> None:
        self.catalog = catalog
        self.controls = controls
        self.predicates = predicates
        self.known = known_vocabulary()
        self.issues: list[Issue] = []
        self.file: str | None = None
        self.lines: dict[str, int] = {}
        self.frameworks: Any = None  # workbench.catalog.frameworks.Frameworks

    def problem(self, path: str, message: str) -> None:
        line = self.lines.get(path)
        parent = path
        while line is None and ("." in parent or "[" in parent):
            parent = parent[: max(parent.rfind("."), parent.rfind("["))]
            line = self.lines.get(parent)
        self.issues.append(Issue(self.file, line, path, message))

    def ids(self, value: Any, path: str, what: str) -> list[str]:
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(path, f"expected a list of {what} ids")
            return []
        for i, v in enumerate(value):
            self.check_id(v, f"{path}[{i}]", what)
        return list(value)

    def check_id(self, value: str, path: str, what: str) -> None:
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
        if what == "precondition":
            tactics = set(self.catalog.technique(value).tactics)
            if not tactics & PRE_TACTICS:
                self.problem(
                    path, f"{value} is not a reconnaissance or resource-development technique"
                )
        if what == "technique":
            tactics = set(self.catalog.technique(value).tactics)
            if tactics and tactics <= PRE_TACTICS:
                self.problem(
                    path,
                    f"{value} is a reconnaissance or resource-development technique: "
                    "list it under preconditions (it is never scored as a threat)",
                )

    def rule(self, raw: Any, path: str, seen: dict[str, str]) -> Rule | None:
        start = len(self.issues)
        if not isinstance(raw, dict):
            self.problem(path, "expected a rule (a mapping with id, title, when, technique, ...)")
            return None
        for key in raw:
            if key not in RULE_KEYS:
                import difflib

                close = difflib.get_close_matches(str(key), RULE_KEYS, n=1)
                hint = f"; did you mean {close[0]}?" if close else ""
                self.problem(f"{path}.{key}", f"unknown rule key {key!r}{hint}")
        for key in REQUIRED_KEYS:
            if key not in raw:
                self.problem(path, f"missing required key {key!r}")
        rid = raw.get("id")
        if isinstance(rid, str):
            if not _RULE_ID.match(rid):
                self.problem(
                    f"{path}.id", "rule ids are lower-case letters, digits and '-' (2-80 chars)"
                )
            elif rid in seen:
                self.problem(f"{path}.id", f"duplicate rule id {rid!r} (also at {seen[rid]})")
            else:
                seen[rid] = f"{self.file}:{self.lines.get(path + '.id', '?')}"
        elif "id" in raw:
            self.problem(f"{path}.id", "expected text")
        element = raw.get("element", "component")
        if element not in ("component", "flow"):
            self.problem(f"{path}.element", "expected component or flow")
            element = "component"
        cond = None
        if "when" in raw:
            cond, issues = compile_condition(
                raw["when"],
                element,
                self.known,
                self.predicates,
                file=self.file,
                lines=self.lines,
                path=f"{path}.when",
            )
            self.issues.extend(issues)
        technique = raw.get("technique")
        if isinstance(technique, str):
            self.check_id(technique, f"{path}.technique", "technique")
        elif "technique" in raw:
            self.problem(f"{path}.technique", "expected one ATLAS technique id")
        related = self.ids(raw.get("related"), f"{path}.related", "technique")
        pre = self.ids(raw.get("preconditions"), f"{path}.preconditions", "precondition")
        mitigations = self.ids(raw.get("mitigations"), f"{path}.mitigations", "mitigation")
        controls = self.ids(raw.get("controls"), f"{path}.controls", "control")
        guidelines = self.ids(raw.get("guidelines"), f"{path}.guidelines", "guideline")
        if "guidelines" in raw and not guidelines:
            self.problem(f"{path}.guidelines", "name at least one guideline (1.1 to 4.4)")
        levels = {}
        for key in ("likelihood", "impact"):
            value = raw.get(key)
            if key in raw and not (
                isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5
            ):
                self.problem(f"{path}.{key}", "expected a whole number from 1 to 5")
            levels[key] = value if isinstance(value, int) else 3
        rationale = raw.get("rationale")
        template = string.Template("")
        if isinstance(rationale, str):
            template = string.Template(rationale)
            if not template.is_valid():
                self.problem(
                    f"{path}.rationale", "invalid $-placeholder (write $$ for a dollar sign)"
                )
            else:
                unknown = set(template.get_identifiers()) - TEMPLATE_VARS
                if unknown:
                    self.problem(
                        f"{path}.rationale",
                        f"unknown placeholder(s) {', '.join('$' + u for u in sorted(unknown))}; "
                        f"available: {', '.join('$' + v for v in sorted(TEMPLATE_VARS))}",
                    )
        elif "rationale" in raw:
            self.problem(f"{path}.rationale", "expected text")
        also = self.also(raw.get("also"), f"{path}.also", element)
        examples = self.examples(raw.get("examples"), f"{path}.examples")
        if len(self.issues) > start or cond is None or not isinstance(technique, str):
            return None
        return Rule(
            id=str(rid),
            title=str(raw["title"]),
            element=element,
            condition=cond,
            technique=technique,
            related=[t for t in related if t != technique],
            preconditions=pre,
            mitigations=mitigations,
            controls=controls,
            guidelines=guidelines,
            rationale=template,
            likelihood=levels["likelihood"],
            impact=levels["impact"],
            also=also,
            examples=examples,
            description=str(raw.get("description", "")),
            file=self.file,
            line=self.lines.get(path),
            kinds=kinds_of(cond) if element == "component" else None,
        )

    def with_frameworks(self, rule: Rule | None, raw: Any, path: str) -> Rule | None:
        """*rule* with its ``frameworks:`` items (ids checked) or ``frameworks_none:`` reason."""
        from workbench.rules._frameworks import check_framework_items

        if not isinstance(raw, dict):
            return rule
        frameworks, reason = check_framework_items(self, raw, path)
        if rule is not None:
            rule.frameworks, rule.frameworks_none = frameworks, reason
            rule.owasp = self.frameworks.labels(frameworks) if self.frameworks is not None else []
        return rule

    def also(self, raw: Any, path: str, element: str) -> list[Extra]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.problem(path, "expected a list of {when, techniques, mitigations, controls}")
            return []
        out = []
        for i, item in enumerate(raw):
            sub = f"{path}[{i}]"
            if not isinstance(item, dict) or "when" not in item:
                self.problem(sub, "expected {when: CONDITION, techniques: [...], ...}")
                continue
            for key in item:
                if key not in ALSO_KEYS:
                    self.problem(
                        f"{sub}.{key}", f"unknown key {key!r} (allowed: {', '.join(ALSO_KEYS)})"
                    )
            cond, issues = compile_condition(
                item["when"],
                element,
                self.known,
                self.predicates,
                file=self.file,
                lines=self.lines,
                path=f"{sub}.when",
            )
            self.issues.extend(issues)
            extra = Extra(
                condition=cond if cond is not None else All([]),
                techniques=self.ids(item.get("techniques"), f"{sub}.techniques", "technique"),
                mitigations=self.ids(item.get("mitigations"), f"{sub}.mitigations", "mitigation"),
                controls=self.ids(item.get("controls"), f"{sub}.controls", "control"),
                preconditions=self.ids(
                    item.get("preconditions"), f"{sub}.preconditions", "precondition"
                ),
                guidelines=self.ids(item.get("guidelines"), f"{sub}.guidelines", "guideline"),
            )
            for key in ("likelihood", "impact"):
                if key in item:
                    value = item[key]
                    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5:
                        setattr(extra, key, value)
                    else:
                        self.problem(f"{sub}.{key}", "expected a whole number from 1 to 5")
            out.append(extra)
        return out

    def examples(self, raw: Any, path: str) -> list[Example]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.problem(path, "expected a list of examples")
            return []
        out = []
        for i, item in enumerate(raw):
            sub = f"{path}[{i}]"
            if not isinstance(item, dict):
                self.problem(sub, "expected {name, expect: fire|no_fire, element, model}")
                continue
            for key in item:
                if key not in EXAMPLE_KEYS:
                    self.problem(
                        f"{sub}.{key}", f"unknown key {key!r} (allowed: {', '.join(EXAMPLE_KEYS)})"
                    )
            if item.get("expect") not in ("fire", "no_fire"):
                self.problem(f"{sub}.expect", "expected fire or no_fire")
                continue
            if not isinstance(item.get("element"), str) or not isinstance(item.get("model"), dict):
                self.problem(
                    sub, "an example needs element: ID and model: {zones, components, flows}"
                )
                continue
            out.append(
                Example(
                    name=str(item.get("name", f"example {i + 1}")),
                    expect=item["expect"],
                    element=item["element"],
                    model=item["model"],
                    line=self.lines.get(sub),
                )
            )
        return out


def bundled_rules_dir() -> Path:
    return catalog_path("rules")


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
    from workbench.catalog.frameworks import bundled_frameworks_dir, load_frameworks
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
    signature = (
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
    cached = _CACHE.get(signature)
    if cached is not None:
        return cached
    checker = _Checker(catalog, controls, available_predicates())
    checker.frameworks = load_frameworks(catalog=catalog)
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    digest = hashlib.sha256()
    for file in files:
        data, lines = _read_yaml(file)
        digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
        checker.file, checker.lines = str(file), lines
        if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
            checker.problem("rules", "expected a list under 'rules:'")
            continue
        for key in data:
            if key not in ("rules", "description"):
                checker.problem(
                    str(key), f"unknown top-level key {key!r} (allowed: rules, description)"
                )
        for i, raw in enumerate(data["rules"]):
            where = f"rules[{i}]"
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
