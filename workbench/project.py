"""Projects: a model, its assessment and its decisions, saved in a folder that lives well in git.

A project folder holds::

    project.yaml      settings: name, actor, risk matrix, extra rule folders,
                      what it was analysed with, the decision log's head
    model.yaml        the system model
    assessment.yaml   score overrides, chosen mitigations, manual findings, notes
    decisions.jsonl   the append-only, hash-chained decision log

Every action that changes the project saves it. Saves are atomic per file
(write, flush, rename) and check first that no file changed on disk since this
object loaded or saved it (a revision check, not a lock file that outlives a
crash), so a second kernel saving the same project is refused with a clear
message instead of silently overwriting.

Who acts is always explicit: the ``by`` argument of an action, or the
project's ``actor`` setting; never a guess from the operating system.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from workbench._atomic import atomic_write_text
from workbench._input.check import Field, RecordSpec
from workbench._input.locate import Locator, parse_path
from workbench._input.read import decode_text
from workbench._input.yaml import parse_yaml
from workbench._records import by_id
from workbench.errors import DecisionError, InputError, Issue, ProjectError
from workbench.model._yaml import dump_yaml
from workbench.risk.manual import manual_finding_id
from workbench.risk.mitigations import ChosenMitigation, MitigationError, residual_risk
from workbench.rules.findings import Finding

__all__ = [
    "PROJECT_FILES",
    "Project",
    "ProjectState",
    "ReportSettings",
    "ScopeItem",
    "manual_finding_id",
    "notebook_work",
    "report_settings_from",
]

PROJECT_FILES = ("project.yaml", "model.yaml", "assessment.yaml")
LOG_FILE = "decisions.jsonl"
PROJECT_SCHEMA = 1
Clock = Callable[[], dt.datetime]


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Assessment:
    """The analyst's work on findings, saved as ``assessment.yaml``."""

    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    mitigations: dict[str, list[ChosenMitigation]] = field(default_factory=dict)
    manual_findings: list[dict[str, Any]] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "overrides": {k: dict(sorted(v.items())) for k, v in sorted(self.overrides.items())},
            "mitigations": {
                k: [m.to_dict() for m in sorted(v, key=lambda m: m.id)]
                for k, v in sorted(self.mitigations.items())
                if v
            },
            "manual_findings": sorted(self.manual_findings, key=lambda m: m["id"]),
            "notes": dict(sorted((k, v) for k, v in self.notes.items() if v)),
        }

    @classmethod
    def from_dict(cls, data: Any, where: str) -> Assessment:
        if data is None:
            return cls()
        if not isinstance(data, dict):
            raise InputError(
                f"{where}: expected a mapping with overrides, mitigations, manual_findings, notes"
            )
        try:
            return cls(
                overrides={str(k): dict(v) for k, v in (data.get("overrides") or {}).items()},
                mitigations={
                    str(k): [ChosenMitigation.from_dict(m) for m in v]
                    for k, v in (data.get("mitigations") or {}).items()
                },
                manual_findings=[dict(m) for m in (data.get("manual_findings") or [])],
                notes={str(k): str(v) for k, v in (data.get("notes") or {}).items()},
            )
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise InputError(f"{where}: malformed assessment: {exc}") from None


@dataclass(frozen=True)
class ScopeItem:
    """One line of a report's scope: what is (or is not) covered, and why."""

    item: str
    why: str = ""


@dataclass(frozen=True)
class ReportSettings:
    """The ``report:`` section of ``project.yaml``: what the report's cover and sign-off say.

    ``gate`` is the lowest band whose undecided findings fail the release gate
    (as ``workbench check --fail-on``).
    """

    classification: str = ""
    owner: str = ""
    authors: tuple[str, ...] = ()
    reviewers: tuple[str, ...] = ()
    scope_in: tuple[ScopeItem, ...] = ()
    scope_out: tuple[ScopeItem, ...] = ()
    gate: str = "high"

    def to_dict(self) -> dict[str, Any]:
        def items(xs: tuple[ScopeItem, ...]) -> list[Any]:
            return [{"item": x.item, "why": x.why} if x.why else x.item for x in xs]

        out: dict[str, Any] = {}
        if self.classification:
            out["classification"] = self.classification
        if self.owner:
            out["owner"] = self.owner
        if self.authors:
            out["authors"] = list(self.authors)
        if self.reviewers:
            out["reviewers"] = list(self.reviewers)
        if self.scope_in or self.scope_out:
            out["scope"] = {"in": items(self.scope_in), "out": items(self.scope_out)}
        if self.gate != "high":
            out["gate"] = self.gate
        return out


#: The ``report:`` settings of ``project.yaml``: adding a setting is one row here
#: (and a field of :class:`ReportSettings`).
REPORT_SPEC = RecordSpec(
    "report",
    (
        Field("classification", "any"),
        Field("owner", "any"),
        Field("authors", "any"),
        Field("reviewers", "any"),
        Field("scope", "any"),
        Field("gate", "any"),
    ),
)
_REPORT_KEYS = REPORT_SPEC.names
_SCOPE_ITEM = "a list of items (text, or a mapping with item and why)"


class _ReportReader:
    """Reads the ``report:`` settings; every problem names the file, its line and the field."""

    def __init__(self, where: str, lines: Mapping[Any, int]) -> None:
        self.where = where
        self.loc = Locator(where, lines)

    def bad(self, path: tuple[Any, ...], expected: str, got: Any) -> None:
        self.loc.add(path, f"expected {expected}, got {got!r}")

    def error(self) -> InputError:
        def at(issue: Issue) -> str:
            return f"{self.where} line {issue.line}" if issue.line is not None else self.where

        error = InputError("; ".join(
            f"{at(i)}: {'.'.join(map(str, parse_path(i.path)))}: {i.message}"
            for i in self.loc.issues
        ))
        error.issues = self.loc.issues
        return error

    def text(self, path: tuple[Any, ...], value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.bad(path, "text", value)
            return ""
        return str(value).strip()

    def listed(self, path: tuple[Any, ...], value: Any, expected: str) -> list[Any]:
        """A list value; one text is a list of one."""
        if value is None:
            return []
        if isinstance(value, str):
            return [value]
        if not isinstance(value, list):
            self.bad(path, expected, value)
            return []
        return value

    def names(self, path: tuple[Any, ...], value: Any) -> tuple[str, ...]:
        items = self.listed(path, value, "a list of names")
        out = [self.text((*path, i), v) for i, v in enumerate(items)]
        return tuple(v for v in out if v)

    def scope_items(self, path: tuple[Any, ...], value: Any) -> tuple[ScopeItem, ...]:
        out = []
        for i, v in enumerate(self.listed(path, value, _SCOPE_ITEM)):
            if not isinstance(v, dict):
                item = self.text((*path, i), v)
                if item:
                    out.append(ScopeItem(item))
                continue
            unknown = sorted(set(map(str, v)) - {"item", "why"})
            if unknown:
                self.bad((*path, i), "the keys item and why", ", ".join(unknown))
            item = self.text((*path, i, "item"), v.get("item"))
            if not item:
                self.bad((*path, i, "item"), "what is in or out of scope", v.get("item"))
                continue
            out.append(ScopeItem(item, self.text((*path, i, "why"), v.get("why"))))
        return tuple(out)

    def scope(self, scope: Any) -> tuple[tuple[ScopeItem, ...], tuple[ScopeItem, ...]]:
        path = ("report", "scope")
        if scope is None:
            return (), ()
        if not isinstance(scope, dict):
            self.bad(path, "a mapping with in and out", scope)
            return (), ()
        extra = sorted(set(map(str, scope)) - {"in", "out"})
        if extra:
            self.bad(path, "the keys in and out", ", ".join(extra))
        return (
            self.scope_items((*path, "in"), scope.get("in")),
            self.scope_items((*path, "out"), scope.get("out")),
        )


def notebook_work(folder: str | Path = "work", *, fresh: str | None = None) -> Path:
    """The notebooks' working folder (made on first use and ignored by git), or with
    *fresh*, the project folder of that name inside it, started over.

    Starting over removes only a folder an earlier run made (one that holds a
    ``project.yaml``); anything else there is left alone and ``Project.create``
    refuses it with its own message.
    """
    import shutil

    work = Path(folder)
    work.mkdir(parents=True, exist_ok=True)
    ignore = work / ".gitignore"
    if not ignore.is_file():
        atomic_write_text(ignore, "# working copies made by the notebooks\n*\n")
    if fresh is None:
        return work
    project = work / fresh
    if (project / "project.yaml").is_file():
        shutil.rmtree(project)
    return project


def report_settings_from(
    data: Any, where: str = "project.yaml", lines: Mapping[Any, int] | None = None
) -> ReportSettings:
    """Validate the ``report:`` settings; every problem names the file, its line and the field."""
    reader = _ReportReader(where, lines or {})
    root = ("report",)
    if data is None:
        return ReportSettings()
    if not isinstance(data, dict):
        reader.loc.add(root, f"expected a mapping with {', '.join(_REPORT_KEYS)}, got {data!r}")
        raise reader.error()
    unknown = sorted(set(map(str, data)) - set(_REPORT_KEYS))
    if unknown:
        reader.loc.add(
            root, f"unknown setting {', '.join(unknown)} (expected {', '.join(_REPORT_KEYS)})"
        )
    scope_in, scope_out = reader.scope(data.get("scope"))
    settings = ReportSettings(
        classification=reader.text((*root, "classification"), data.get("classification")),
        owner=reader.text((*root, "owner"), data.get("owner")),
        authors=reader.names((*root, "authors"), data.get("authors")),
        reviewers=reader.names((*root, "reviewers"), data.get("reviewers")),
        scope_in=scope_in,
        scope_out=scope_out,
        gate=reader.text((*root, "gate"), data.get("gate")) or "high",
    )
    if reader.loc.issues:
        raise reader.error()
    return settings


def _as_now(f: Finding, row: dict[str, Any]) -> Finding:
    """The finding with the scores its register row shows (overrides applied)."""
    now = copy.copy(f)  # shallow: dataclasses.replace costs several times more
    now.likelihood, now.impact = row["likelihood"], row["impact"]
    now.score, now.band = row["score"], row["band"]
    now.likelihood_reason, now.impact_reason = row["likelihood_reason"], row["impact_reason"]
    return now


@dataclass
class ProjectState:
    """One analysis of the project with the analyst's work applied.

    ``analysed`` are the findings as the rules (and the analysts' manual
    findings) give them, with the prefilled scores; :attr:`findings` are the
    same findings as they stand now, with score overrides applied, so that
    everything reading them shows the band the register shows.
    """

    result: Any  # AnalysisResult
    analysed: list[Finding]
    rows: list[dict[str, Any]]
    current: dict[str, Any]  # finding id -> current decision
    orphaned: list[tuple[Any, tuple[str, ...]]]
    as_of: dt.date

    @cached_property
    def findings(self) -> list[Finding]:
        return [_as_now(f, row) for f, row in zip(self.analysed, self.rows, strict=True)]

    def finding(self, finding_id: str) -> Finding:
        return by_id(self.findings, finding_id)


#: The register columns a row takes from its current decision: (column, Decision attribute).
_DECISION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("treatment", "treatment"), ("rationale", "rationale"), ("owner", "owner"),
    ("decided_by", "decided_by"), ("decided_on", "date"), ("review_by", "review_by"),
    ("links", "links"), ("due", "due"), ("carrier", "carrier"),
    ("design_change", "design_change"), ("confirmed_by", "confirmed_by"),
)


class Project:
    """A threat-modelling project in a folder. Open with :meth:`open`, start with :meth:`create`."""

    def __init__(self, path: Path, *, clock: Clock | None = None) -> None:
        self.path = Path(path)
        self.clock: Clock = clock or _utc_now
        self.settings: dict[str, Any] = {}
        self.model: Any = None
        self.assessment = Assessment()
        self.notices: list[str] = []
        self._hashes: dict[str, str | None] = {}
        self._catalog: Any = None
        self._rules: Any = None
        self._matrix: Any = None
        self._state: ProjectState | None = None
        self._texts: dict[Any, Any] = {}
        self._analysis: tuple[Any, Any, Any] | None = None
        self._setting_lines: Mapping[Any, int] = {}
        from workbench.risk.decisions import DecisionLog

        self.log = DecisionLog(self.path / LOG_FILE)

    # -- creating and opening ---------------------------------------------------------
    @classmethod
    def create(
        cls,
        path: str | Path,
        *,
        template: str | None = None,
        model: Any = None,
        name: str | None = None,
        actor: str | None = None,
        clock: Clock | None = None,
    ) -> Project:
        """Start a project in *path* (new or empty) from a bundled template or a model.

        ``model`` may be a :class:`~workbench.model.SystemModel` or the path of a
        model file. Refuses a folder that already holds files.
        """
        from workbench.model import SystemModel, load_model, load_template

        folder = Path(path)
        if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
            raise ProjectError(f"{folder}: not an empty folder; choose a new one")
        if (template is None) == (model is None):
            raise ProjectError("start a project from a template or from a model (one of them)")
        if template is not None:
            system = load_template(template)
        elif isinstance(model, SystemModel):
            system = model.copy()
        else:
            system = load_model(model)
        project = cls(folder, clock=clock)
        project.model = system
        project.settings = {
            "schema_version": PROJECT_SCHEMA,
            "name": name or system.name,
            "actor": actor,
            "matrix": None,
            "rules": [],
            "controls": [],
            "created": project.clock().date().isoformat(),
        }
        folder.mkdir(parents=True, exist_ok=True)
        for fname in PROJECT_FILES:
            project._hashes[fname] = None
        project._record_analysis()
        project.save()
        return project

    @classmethod
    def open(cls, path: str | Path, *, clock: Clock | None = None) -> Project:
        from workbench.model import load_model

        folder = Path(path)
        if not (folder / "project.yaml").is_file():
            raise ProjectError(
                f"{folder}: not a project (no project.yaml); start one with workbench init"
            )
        project = cls(folder, clock=clock)
        raw = project._read("project.yaml")
        name = str(folder / "project.yaml")
        text = decode_text(raw, name, expected="the project settings")
        data, lines, _dups = parse_yaml(text, name, expected="the project settings")
        if not isinstance(data, dict):
            raise InputError(f"{folder / 'project.yaml'}: expected a mapping of settings")
        project._setting_lines = lines
        version = data.get("schema_version", PROJECT_SCHEMA)
        if not isinstance(version, int) or version > PROJECT_SCHEMA:
            raise InputError(
                f"{folder / 'project.yaml'}: project schema version {version} is newer than this "
                f"workbench understands ({PROJECT_SCHEMA}); upgrade ai-threat-workbench"
            )
        project.settings = data
        project.report_settings()  # a mistake in the report settings is reported now
        project._read("model.yaml")
        project.model = load_model(folder / "model.yaml")
        if (folder / "assessment.yaml").exists():
            raw = project._read("assessment.yaml")
            name = str(folder / "assessment.yaml")
            text = decode_text(raw, name, expected="the assessment")
            adata, _l, _d = parse_yaml(text, name, expected="the assessment")
            project.assessment = Assessment.from_dict(adata, str(folder / "assessment.yaml"))
        else:
            project._hashes["assessment.yaml"] = None
        project._check_log()
        project._check_analysis_versions()
        return project

    def _read(self, name: str) -> bytes:
        try:
            raw = (self.path / name).read_bytes()
        except OSError as exc:
            raise ProjectError(f"{self.path / name}: cannot read: {exc.strerror or exc}") from None
        self._hashes[name] = _sha(raw)
        return raw

    def _check_log(self) -> None:
        recorded = self.settings.get("decision_log") or {}
        result = self.log.verify(
            expected_head=recorded.get("head"), expected_records=recorded.get("records")
        )
        if not result.ok:
            self.notices.append(f"decision log: {result.problem} (run workbench verify)")

    def _check_analysis_versions(self) -> None:
        done = self.settings.get("analysed_with") or {}
        catalog, rules = self.catalog, self.rules
        if done.get("atlas_version") and done["atlas_version"] != catalog.atlas_version:
            self.notices.append(
                f"this project was analysed with ATLAS {done['atlas_version']}; the catalog is now "
                f"ATLAS {catalog.atlas_version}: review the findings and call reanalyze() to record it"
            )
        if done.get("rules_digest") and done["rules_digest"] != rules.digest:
            self.notices.append(
                "this project was analysed with other rules (rule digest "
                f"{done['rules_digest'][:12]}, now {rules.digest[:12]}): review the findings and "
                "call reanalyze() to record it"
            )

    # -- the parts ------------------------------------------------------------------
    @property
    def catalog(self) -> Any:
        if self._catalog is None:
            from workbench.catalog import load_catalog

            self._catalog = load_catalog()
        return self._catalog

    @property
    def rules(self) -> Any:
        if self._rules is None:
            from workbench.rules import load_rules

            dirs = [self._resolve(p) for p in self.settings.get("rules") or []]
            controls = [self._resolve(p) for p in self.settings.get("controls") or []]
            self._rules = load_rules(dirs, catalog=self.catalog, control_files=controls)
        return self._rules

    @property
    def matrix(self) -> Any:
        if self._matrix is None:
            from workbench.risk.matrix import load_matrix

            m = self.settings.get("matrix")
            self._matrix = load_matrix(self._resolve(m) if m else None)
        return self._matrix

    def _resolve(self, p: str) -> Path:
        path = Path(p)
        return path if path.is_absolute() else self.path / path

    @property
    def name(self) -> str:
        return str(self.settings.get("name") or self.model.name)

    def actor(self, by: str | None) -> str:
        who = by or self.settings.get("actor")
        if not who or not str(who).strip():
            raise ProjectError(
                "who is acting? pass by='name' or set the project's actor "
                "(project.set_actor('name'), or actor: in project.yaml)"
            )
        return str(who).strip()

    def today(self) -> dt.date:
        return self.clock().date()

    def report_settings(self) -> ReportSettings:
        """The report's cover and sign-off settings (``report:`` in ``project.yaml``)."""
        settings = report_settings_from(
            self.settings.get("report"), str(self.path / "project.yaml"), self._setting_lines
        )
        if settings.gate != "high":
            try:
                self.matrix.band_rank(settings.gate)
            except (KeyError, ValueError, LookupError):
                raise InputError(
                    f"{self.path / 'project.yaml'}: report.gate: expected a band of the risk "
                    f"matrix ({', '.join(self.matrix.band_names())}), got {settings.gate!r}"
                ) from None
        return settings

    def set_report_settings(
        self,
        *,
        classification: str | None = None,
        owner: str | None = None,
        authors: Sequence[str] | None = None,
        reviewers: Sequence[str] | None = None,
        scope_in: Sequence[str | Mapping[str, str]] | None = None,
        scope_out: Sequence[str | Mapping[str, str]] | None = None,
        gate: str | None = None,
    ) -> ReportSettings:
        """Change the report settings (only the ones given), validate them and save."""
        current = self.report_settings().to_dict()
        scope = dict(current.get("scope") or {})
        for key, value in (
            ("classification", classification),
            ("owner", owner),
            ("authors", None if authors is None else list(authors)),
            ("reviewers", None if reviewers is None else list(reviewers)),
            ("gate", gate),
        ):
            if value is not None:
                current[key] = value
        if scope_in is not None:
            scope["in"] = [dict(x) if isinstance(x, Mapping) else x for x in scope_in]
        if scope_out is not None:
            scope["out"] = [dict(x) if isinstance(x, Mapping) else x for x in scope_out]
        if scope:
            current["scope"] = scope
        previous = self.settings.get("report")
        self.settings["report"] = current
        self._setting_lines = {}
        try:
            settings = self.report_settings()
        except InputError:
            if previous is None:
                self.settings.pop("report", None)
            else:
                self.settings["report"] = previous
            raise
        self.settings["report"] = settings.to_dict()
        self.save()
        return settings

    # -- analysis and state ------------------------------------------------------------
    def _record_analysis(self) -> None:
        self.settings["analysed_with"] = {
            "atlas_version": self.catalog.atlas_version,
            "rules_digest": self.rules.digest,
        }

    def reanalyze(self) -> ProjectState:
        """Analyse with the current catalog and rules, and record that in the project."""
        self._record_analysis()
        self.notices = [n for n in self.notices if "reanalyze()" not in n]
        self._state = None
        self.save()
        return self.state()

    def state(self, *, as_of: dt.date | None = None) -> ProjectState:
        """The current findings with scores, mitigations and decisions applied."""
        as_of = as_of or self.today()
        if self._state is not None and self._state.as_of == as_of:
            return self._state
        from workbench.risk.decisions import current_decisions, finding_status, orphaned
        from workbench.rules import analyze

        # the analysis depends only on the model (and the rules): reuse it while they stay
        key = (self.model.revision, self.rules.digest, id(self.rules))
        cached = self._analysis
        if cached is not None and cached[0] is self.model and cached[1] == key:
            result = cached[2]
        else:
            result = analyze(self.model, catalog=self.catalog, rules=self.rules, matrix=self.matrix)
            self._analysis = (self.model, key, result)
        findings = list(result.findings) + self._manual_findings()
        decisions = self.log.decisions()
        current = current_decisions(decisions)
        ids = {f.id for f in findings}
        rows = []
        for f in findings:
            status = self._status(f.id, current.get(f.id), as_of, finding_status(
                f.id, current, as_of=as_of
            ))
            f.status = status
            row = self._row(f, current.get(f.id), status)
            rows.append(row)
        orphans = orphaned(decisions, ids)
        self._state = ProjectState(result, findings, rows, current, orphans, as_of)
        return self._state

    def _status(self, fid: str, decision: Any, as_of: dt.date, status: str) -> str:
        """``review_due`` too when a mitigate decision's due date passed before its work is done."""
        if status != "decided" or decision is None or decision.treatment != "mitigate":
            return status
        due = getattr(decision, "due", None)
        if not due or dt.date.fromisoformat(due) >= as_of:
            return status
        chosen = {c.id: c for c in self.assessment.mitigations.get(fid, [])}
        named = list(decision.mitigations) or list(chosen)
        if any(m not in chosen or not chosen[m].counts_residual for m in named):
            return "review_due"
        return status

    def _element(self, element: str) -> tuple[str, str]:
        """(``component``, ``flow`` or ``missing``; display name) of an element id."""
        for kind, lookup in (("component", self.model.component), ("flow", self.model.flow)):
            try:
                return kind, lookup(element).name
            except (KeyError, LookupError):
                continue
        return "missing", element

    def _manual_findings(self) -> list[Finding]:
        out = []
        for m in self.assessment.manual_findings:
            element = m["element"]
            etype, ename = self._element(element)
            technique = m.get("technique") or ""
            techniques = [technique] if technique else []
            tactics = (
                list(self.catalog.technique(technique).tactics) if technique in self.catalog else []
            )
            lik, imp = int(m.get("likelihood", 3)), int(m.get("impact", 3))
            out.append(
                Finding(
                    id=m["id"],
                    rule="manual",
                    title=m["title"],
                    element=element,
                    element_type=etype,
                    element_name=ename,
                    technique=technique,
                    techniques=techniques,
                    tactics=tactics,
                    preconditions=[],
                    reason=m.get("reason", ""),
                    evidence=[],
                    assumptions=[],
                    mitigations=[],
                    controls=[],
                    guidelines=list(m.get("guidelines", [])),
                    likelihood=lik,
                    impact=imp,
                    score=self.matrix.score(lik, imp),
                    band=self.matrix.band(lik, imp),
                    likelihood_reason=f"set by {m.get('by', '?')} when added",
                    impact_reason=f"set by {m.get('by', '?')} when added",
                    manual=True,
                )
            )
        return out

    def _row(self, f: Finding, decision: Any, status: str) -> dict[str, Any]:
        from workbench.register import finding_row

        m = self.matrix
        lik, imp = f.likelihood, f.impact
        l_reason, i_reason = f.likelihood_reason, f.impact_reason
        ov = self.assessment.overrides.get(f.id)
        if ov:
            if ov.get("likelihood") is not None:
                lik = m.clamp_likelihood(int(ov["likelihood"]))
                l_reason = f"override by {ov.get('by')}: {ov.get('reason')} (prefill: {f.likelihood_reason})"
            if ov.get("impact") is not None:
                imp = m.clamp_impact(int(ov["impact"]))
                i_reason = (
                    f"override by {ov.get('by')}: {ov.get('reason')} (prefill: {f.impact_reason})"
                )
        chosen = self.assessment.mitigations.get(f.id, [])
        rl, ri, rs, rb = residual_risk(lik, imp, chosen, m)
        pl, pi, ps, pb = residual_risk(lik, imp, chosen, m, include_planned=True)
        row = finding_row(f, self.model, self.catalog)
        row.update(
            likelihood=lik,
            impact=imp,
            score=m.score(lik, imp),
            band=m.band(lik, imp),
            likelihood_reason=l_reason,
            impact_reason=i_reason,
            status=status,
            chosen_mitigations=[c.label() for c in chosen],
            residual_likelihood=rl,
            residual_impact=ri,
            residual_score=rs,
            residual_band=rb,
            projected_likelihood=pl,
            projected_impact=pi,
            projected_score=ps,
            projected_band=pb,
            notes=self.assessment.notes.get(f.id, ""),
        )
        if decision is not None:
            row.update({column: getattr(decision, name) for column, name in _DECISION_COLUMNS})
            row["links"] = list(decision.links)
        return row

    def register(self, *, as_of: dt.date | None = None) -> Any:
        """The threat register with scores, mitigations, residual risk and decisions."""
        from workbench.register import ThreatRegister

        return ThreatRegister(self.state(as_of=as_of).rows, system=self.model.id)

    def _changed(self, *finding_ids: str) -> None:
        """Forget the derived state after a change.

        With *finding_ids* (a score, mitigation, note or decision on those
        findings), the analysis and every other row stay: only the rows of those
        findings, and of any whose current decision the change superseded, are
        built again.
        """
        state, self._state = self._state, None
        if finding_ids and state is not None:
            self._state = self._patched(state, set(finding_ids))

    def _patched(self, state: ProjectState, ids: set[str]) -> ProjectState | None:
        from workbench.risk.decisions import current_decisions, finding_status

        index = {r["id"]: i for i, r in enumerate(state.rows)}
        current = current_decisions(self.log.decisions())
        before = state.current
        ids |= {
            fid
            for fid in set(current) | set(before)
            if getattr(current.get(fid), "id", None) != getattr(before.get(fid), "id", None)
        }
        if any(fid not in index for fid in ids):
            return None  # a decision on a finding no longer there: build everything
        rows = list(state.rows)
        for fid in ids:
            f = state.analysed[index[fid]]
            status = finding_status(fid, current, as_of=state.as_of)
            f.status = self._status(fid, current.get(fid), state.as_of, status)
            rows[index[fid]] = self._row(f, current.get(fid), f.status)
        patched = ProjectState(state.result, state.analysed, rows, current, state.orphaned,
                               state.as_of)
        if "findings" in state.__dict__:  # the findings as they stand: only those rows change
            findings = list(state.findings)
            for fid in ids:
                findings[index[fid]] = _as_now(state.analysed[index[fid]], rows[index[fid]])
            patched.__dict__["findings"] = findings
        return patched

    def _known_finding(self, finding_id: str) -> Finding:
        """The finding as analysed (prefilled scores); refuses an unknown id."""
        state = self.state()
        for f in state.analysed:
            if f.id == finding_id:
                return f
        else:
            import difflib

            close = difflib.get_close_matches(finding_id, [f.id for f in state.analysed], n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise InputError(f"no finding {finding_id!r} in this project{hint}") from None

    # -- actions (each saves) ----------------------------------------------------------------
    def set_actor(self, actor: str) -> None:
        if not actor or not actor.strip():
            raise ProjectError("the actor needs a name")
        self.settings["actor"] = actor.strip()
        self.save()

    def override(
        self,
        finding_id: str,
        *,
        likelihood: int | None = None,
        impact: int | None = None,
        reason: str,
        by: str | None = None,
    ) -> dict[str, Any]:
        """Override the prefilled likelihood and/or impact; a reason is required."""
        who = self.actor(by)
        self._known_finding(finding_id)
        problems = {}
        if likelihood is None and impact is None:
            problems["likelihood"] = "give a likelihood and/or an impact"
        for name, value, top in (
            ("likelihood", likelihood, self.matrix.max_likelihood),
            ("impact", impact, self.matrix.max_impact),
        ):
            if value is not None and (
                not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= top
            ):
                problems[name] = f"expected a whole number from 1 to {top}"
        if not reason or not str(reason).strip():
            problems["reason"] = "say why you override the prefilled value"
        if problems:
            raise DecisionError(problems)
        entry = dict(self.assessment.overrides.get(finding_id, {}))
        if likelihood is not None:
            entry["likelihood"] = likelihood
        if impact is not None:
            entry["impact"] = impact
        entry.update(reason=str(reason).strip(), by=who, at=self.clock().isoformat())
        self.assessment.overrides[finding_id] = entry
        self._changed(finding_id)
        self.save()
        return entry

    def clear_override(self, finding_id: str, *, by: str | None = None) -> None:
        self.actor(by)
        self.assessment.overrides.pop(finding_id, None)
        self._changed(finding_id)
        self.save()

    def choose_mitigation(
        self,
        finding_id: str,
        mitigation_id: str,
        *,
        status: str = "planned",
        owner: str | None = None,
        likelihood_effect: int | None = None,
        impact_effect: int | None = None,
        note: str = "",
        by: str | None = None,
        due: str | dt.date | None = None,
        ticket: str | None = None,
        effect_reason: str | None = None,
    ) -> ChosenMitigation:
        """Choose (or change) a mitigation or control for a finding.

        The effect on likelihood and impact defaults to the mitigation's effect in
        the effects catalog (``catalogs/mitigation-effects.yaml``, or the project's
        ``mitigation_effects`` file); another effect needs an ``effect_reason``.
        Choosing it again with the same values changes nothing.
        """
        chosen = self._chosen(
            finding_id, mitigation_id, status=status, owner=owner,
            likelihood_effect=likelihood_effect, impact_effect=impact_effect, note=note,
            by=by, due=due, ticket=ticket, effect_reason=effect_reason,
        )
        items = self.assessment.mitigations.get(finding_id, [])
        before = next((c for c in items if c.id == mitigation_id), None)
        if before is not None and replace(before, by=chosen.by) == chosen:
            return before
        self.assessment.mitigations[finding_id] = [
            c for c in items if c.id != mitigation_id
        ] + [chosen]
        self._changed(finding_id)
        self.save()
        return chosen

    def effect_of(self, mitigation_id: str) -> Any:
        """The default :class:`~workbench.risk.mitigations.Effect` of a mitigation here."""
        from workbench.risk.mitigations import default_effect

        path = self.settings.get("mitigation_effects")
        return default_effect(mitigation_id, self._resolve(path) if path else None)

    def _chosen(
        self,
        finding_id: str,
        mitigation_id: str,
        *,
        status: str,
        owner: str | None,
        likelihood_effect: int | None,
        impact_effect: int | None,
        note: str,
        by: str | None,
        due: str | dt.date | None,
        ticket: str | None,
        effect_reason: str | None,
    ) -> ChosenMitigation:
        """A validated chosen mitigation (nothing saved); raises MitigationError."""
        from workbench.risk.mitigations import normalise_status

        who = self.actor(by)
        self._known_finding(finding_id)
        if mitigation_id not in self.catalog and mitigation_id not in self.rules.controls:
            raise MitigationError(
                f"unknown mitigation or control {mitigation_id!r}: use an ATLAS mitigation id "
                "(AML.M0000) or a control id from the controls catalog"
            )
        effect = self.effect_of(mitigation_id)
        lik = effect.likelihood if likelihood_effect is None else likelihood_effect
        imp = effect.impact if impact_effect is None else impact_effect
        reason = (effect_reason or "").strip() or None
        chosen = ChosenMitigation(
            id=mitigation_id,
            status=normalise_status(status),
            owner=(owner or "").strip() or None,
            likelihood_effect=lik,
            impact_effect=imp,
            note=note,
            by=who,
            due=_iso(due) if due not in (None, "") else None,
            ticket=(ticket or "").strip() or None,
            effect_reason=reason,
        )
        problems = chosen.problems()
        if not problems and (lik, imp) != (effect.likelihood, effect.impact) and not reason:
            problems["effect_reason"] = (
                f"the default effect of {mitigation_id} is likelihood {effect.likelihood}, "
                f"impact {effect.impact} ({effect.reason}); say why it is {lik}, {imp} here"
            )
        if problems:
            raise MitigationError("; ".join(f"{k}: {v}" for k, v in problems.items()))
        return chosen

    def plan_mitigation(
        self,
        mitigation_id: str,
        findings: str | Sequence[str],
        *,
        status: str = "planned",
        owner: str | None = None,
        due: str | dt.date | None = None,
        ticket: str | None = None,
        likelihood_effect: int | None = None,
        impact_effect: int | None = None,
        effect_reason: str | None = None,
        by: str | None = None,
    ) -> list[Any]:
        """Plan one mitigation for several findings at once (one plan item); saves once.

        Every finding is checked before anything changes. Returns the plan items
        of that mitigation.
        """
        ids = [findings] if isinstance(findings, str) else list(findings)
        if not ids:
            raise MitigationError("findings: name at least one finding the mitigation treats")
        made = [
            self._chosen(
                fid, mitigation_id, status=status, owner=owner,
                likelihood_effect=likelihood_effect, impact_effect=impact_effect, note="",
                by=by, due=due, ticket=ticket, effect_reason=effect_reason,
            )
            for fid in ids
        ]
        changed = False
        for fid, chosen in zip(ids, made, strict=True):
            items = self.assessment.mitigations.get(fid, [])
            before = next((c for c in items if c.id == mitigation_id), None)
            if before is not None and replace(before, by=chosen.by, note=before.note) == replace(
                chosen, note=before.note
            ):
                continue
            kept = replace(chosen, note=before.note) if before is not None else chosen
            self.assessment.mitigations[fid] = [c for c in items if c.id != mitigation_id] + [kept]
            changed = True
        if changed:
            self._changed(*ids)
            self.save()
        return [i for i in self.mitigation_plan() if i.mitigation == mitigation_id]

    def mitigation_plan(self) -> list[Any]:
        """The mitigation plan: each chosen mitigation with the findings it treats.

        A list of :class:`~workbench.risk.plan.PlanItem`, sorted by due date.
        """
        from workbench.risk.plan import build_plan

        ids = {f.id for f in self.state().analysed}
        return build_plan(self.assessment.mitigations, self.catalog, self.rules.controls, ids)

    def remove_mitigation(
        self, finding_id: str, mitigation_id: str, *, by: str | None = None
    ) -> None:
        self.actor(by)
        items = [
            c for c in self.assessment.mitigations.get(finding_id, []) if c.id != mitigation_id
        ]
        self.assessment.mitigations[finding_id] = items
        self._changed(finding_id)
        self.save()

    def set_note(self, finding_id: str, text: str, *, by: str | None = None) -> None:
        self.actor(by)
        self.assessment.notes[finding_id] = text
        self._changed(finding_id)
        self.save()

    def decide(
        self,
        finding_ids: str | Sequence[str],
        treatment: str,
        rationale: str,
        *,
        owner: str | None = None,
        review_by: str | dt.date | None = None,
        links: Iterable[str] = (),
        by: str | None = None,
        date: str | dt.date | None = None,
        supersedes: str | None = None,
        mitigations: Iterable[str] | None = None,
        due: str | dt.date | None = None,
        carrier: str | None = None,
        design_change: str | None = None,
        confirmed_by: str | None = None,
    ) -> Any:
        """Record a decision on one or more findings (appends to the decision log, then saves).

        If a finding already has a current decision, the new one supersedes it.
        A decision equal to the current one records nothing: the current
        decision comes back with ``unchanged`` set.

        For ``mitigate``, ``mitigations`` default to the mitigations chosen for
        these findings in the plan, and ``due`` to the latest due date among
        them. High and critical findings need more than a rationale (see
        :func:`~workbench.risk.decisions.validate_decision`).
        """
        who = self.actor(by)
        ids = [finding_ids] if isinstance(finding_ids, str) else list(finding_ids)
        state = self.state()
        for fid in ids:
            self._known_finding(fid)
        bands = {r["id"]: r["band"] for r in state.rows if r["id"] in ids}
        if mitigations is None:
            mitigations = []
            if treatment == "mitigate":
                chosen = [c for fid in ids for c in self.assessment.mitigations.get(fid, [])]
                mitigations = sorted({c.id for c in chosen})
                dues = [c.due for c in chosen if c.due]
                if due is None and dues and len(dues) == len(chosen):
                    due = max(dues)
        mitigation_ids = [mitigations] if isinstance(mitigations, str) else list(mitigations)
        unknown = [
            m for m in mitigation_ids
            if isinstance(m, str) and m.strip() and m.strip() not in self.catalog
            and m.strip() not in self.rules.controls
        ]
        if unknown:
            raise DecisionError({"mitigations": (
                f"unknown mitigation or control {', '.join(map(repr, unknown))}: use an ATLAS "
                "mitigation id (AML.M0000) or a control id from the controls catalog"
            )})
        review = _iso(review_by) if review_by not in (None, "") else None
        due_text = _iso(due) if due not in (None, "") else None
        unchanged = self._same_as_current(
            ids, state.current, treatment=treatment, rationale=rationale, owner=owner,
            review_by=review, links=tuple(links), mitigations=mitigation_ids, due=due_text,
            carrier=carrier, design_change=design_change, confirmed_by=confirmed_by,
        )
        if unchanged is not None:
            return replace(unchanged, unchanged=True)
        if supersedes is None:
            previous = {state.current[f].id for f in ids if f in state.current}
            if len(previous) == 1:
                supersedes = previous.pop()
        self._check_revision()
        decision = self.log.append_decision(
            ids,
            treatment,
            rationale,
            decided_by=who,
            owner=owner,
            date=_iso(date) if date is not None else self.today().isoformat(),
            review_by=review,
            links=tuple(links),
            supersedes=supersedes,
            bands=bands,
            recorded_at=self.clock().isoformat(),
            mitigations=mitigation_ids,
            due=due_text,
            carrier=carrier,
            design_change=design_change,
            confirmed_by=confirmed_by,
        )
        self._changed(*ids)
        self.save()
        return decision

    @staticmethod
    def _same_as_current(
        ids: Sequence[str], current: Mapping[str, Any], **asked: Any
    ) -> Any:
        """The current decision when it covers exactly *ids* and says what is asked."""
        found = {current[f].id: current[f] for f in ids if f in current}
        if len(found) != 1 or len(current) == 0 or any(f not in current for f in ids):
            return None
        (decision,) = found.values()
        if set(decision.findings) != set(ids):
            return None

        def norm(value: Any) -> Any:
            if value is None:
                return None
            if isinstance(value, (list, tuple)):
                return tuple(sorted({str(v).strip() for v in value if str(v).strip()}))
            text = " ".join(str(value).split())
            return text or None

        for name, value in asked.items():
            if norm(value) != norm(getattr(decision, name)):
                return None
        return decision

    def decision_history(self, finding_id: str) -> list[Any]:
        """Every decision recorded on a finding, superseded ones included, oldest first.

        Each :class:`~workbench.risk.decisions.Decision` says who recorded it
        (``decided_by``), when (``recorded_at``, ``date``) and why (``rationale``);
        renames are applied, so the history follows a renamed element.
        """
        return [d for d in self.log.decisions() if finding_id in d.findings]

    def log_status(self) -> Any:
        """The decision log's :class:`~workbench.risk.decisions.VerifyResult`.

        Checked against the head and record count the project keeps, so a
        truncated or replaced log is caught as well as an edited line;
        ``first_bad_line`` names the first bad line.
        """
        recorded = self.settings.get("decision_log") or {}
        return self.log.verify(
            expected_head=recorded.get("head"), expected_records=recorded.get("records")
        )

    def coverage(self, *, as_of: dt.date | None = None) -> Any:
        """Guideline coverage with the current bands and decisions (as the register shows them)."""
        from workbench.risk.coverage import guideline_coverage

        state = self.state(as_of=as_of)
        return guideline_coverage(
            self.model,
            findings=state.result,
            decisions=state.current,
            as_of=state.as_of,
            statuses={r["id"]: r["status"] for r in state.rows},
            bands={r["id"]: r["band"] for r in state.rows},
        )

    def framework_coverage(
        self, framework: str = "owasp-llm", *, as_of: dt.date | None = None
    ) -> Any:
        """Coverage of an OWASP framework (``owasp-llm`` or ``owasp-agentic``): per item,
        raised (with its findings), not applicable (why) or not assessable (what to state)."""
        from workbench.risk.frameworks import framework_coverage

        state = self.state(as_of=as_of)
        return framework_coverage(
            self.model, state.result, framework, rules=self.rules, findings=state.findings
        )

    def add_manual_finding(
        self,
        element: str,
        title: str,
        *,
        reason: str,
        technique: str | None = None,
        likelihood: int = 3,
        impact: int = 3,
        guidelines: Sequence[str] = (),
        by: str | None = None,
    ) -> Finding:
        """Add a finding by hand: an element, an ATLAS technique or a free-text threat, a reason."""
        who = self.actor(by)
        problems = {}
        if self._element(element)[0] == "missing":
            problems["element"] = f"no component or flow {element!r} in the model"
        if not title or not title.strip():
            problems["title"] = "give the threat a title"
        if not reason or not reason.strip():
            problems["reason"] = "say why this is a threat"
        if technique and technique not in self.catalog:
            problems["technique"] = f"unknown ATLAS technique {technique!r}"
        for name, value in (("likelihood", likelihood), ("impact", impact)):
            if not isinstance(value, int) or not 1 <= value <= 5:
                problems[name] = "expected a whole number from 1 to 5"
        fid = manual_finding_id(title or "", element)
        if any(m["id"] == fid for m in self.assessment.manual_findings):
            problems["title"] = f"a manual finding {fid} exists already; choose another title"
        if problems:
            raise DecisionError(problems)
        entry = {
            "id": fid,
            "element": element,
            "title": title.strip(),
            "reason": reason.strip(),
            "technique": technique or "",
            "likelihood": likelihood,
            "impact": impact,
            "guidelines": list(guidelines),
            "by": who,
            "at": self.clock().isoformat(),
        }
        self.assessment.manual_findings.append(entry)
        self._changed()
        self.save()
        return self.state().finding(fid)

    def remove_manual_finding(self, finding_id: str, *, by: str | None = None) -> None:
        self.actor(by)
        self.assessment.manual_findings = [
            m for m in self.assessment.manual_findings if m["id"] != finding_id
        ]
        self._changed()
        self.save()

    def rename_component(self, old: str, new: str, *, by: str | None = None) -> None:
        """Change a component's id: rewrites what points at it and records the rename in the log."""
        who = self.actor(by)
        self._check_revision()
        self.model.rename_component(old, new)

        def fix(fid: str) -> str:
            rule, _, element = fid.partition("@")
            return f"{rule}@{new}" if element == old else fid

        a = self.assessment
        a.overrides = {fix(k): v for k, v in a.overrides.items()}
        a.mitigations = {fix(k): v for k, v in a.mitigations.items()}
        a.notes = {fix(k): v for k, v in a.notes.items()}
        for m in a.manual_findings:
            if m["element"] == old:
                m["element"] = new
                m["id"] = fix(m["id"])
        self.log.append_rename(old, new, by=who, recorded_at=self.clock().isoformat())
        self._changed()
        self.save()

    def edit_model(self, change: Callable[[Any], Any], *, by: str | None = None) -> Any:
        """Apply ``change(model)`` to a copy of the model; keep it only if it is valid, then save."""
        self.actor(by)
        candidate = self.model.copy()
        out = change(candidate)
        self.model = candidate
        self._changed()
        self.save()
        return out

    # -- checks -----------------------------------------------------------------------------
    def undecided(
        self, fail_on: str = "high", *, as_of: dt.date | None = None
    ) -> list[dict[str, Any]]:
        """Findings at or above the band *fail_on* that the release gate counts as undecided.

        Open findings, findings whose decision is overdue (``review_due``) and
        findings whose current decision no longer holds (a placeholder rationale,
        or what a high or critical finding's treatment needs is missing: the
        band may have risen since, or the log was written by hand). Each row has
        a ``gate`` text saying why.
        """
        from workbench.risk.decisions import decision_problems

        rank = self.matrix.band_rank(fail_on)
        state = self.state(as_of=as_of)
        bands = {r["id"]: r["band"] for r in state.rows}
        out = []
        for r in state.rows:
            if r["status"] == "rule_error" or self.matrix.band_rank(r["band"]) < rank:
                continue
            decision = state.current.get(r["id"])
            why = None
            if r["status"] == "open":
                why = "no decision"
            elif r["status"] == "review_due" and decision is not None:
                if decision.review_by and decision.review_by < state.as_of.isoformat():
                    why = f"overdue: {decision.id} was to be reviewed by {decision.review_by}"
                else:
                    why = (f"overdue: {decision.id} was due {decision.due} and its mitigations "
                           "are not done")
            elif decision is not None:
                problems = decision_problems(
                    decision, {f: bands[f] for f in decision.findings if f in bands}
                )
                if problems:
                    why = f"{decision.id} does not hold: " + "; ".join(
                        f"{k}: {v}" for k, v in problems.items()
                    )
            if why:
                out.append({**r, "gate": why})
        return out

    # -- saving -------------------------------------------------------------------------------
    def _check_revision(self) -> None:
        for name in PROJECT_FILES:
            path = self.path / name
            on_disk = _sha(path.read_bytes()) if path.exists() else None
            if name in self._hashes and on_disk != self._hashes[name]:
                raise ProjectError(
                    f"{path} changed on disk since this project was opened or saved "
                    "(another kernel or an editor saved it); nothing was overwritten: "
                    "reopen the project to see those changes"
                )

    def save(self) -> None:
        """Save atomically after checking nothing changed on disk since we loaded or saved."""
        self._check_revision()
        from workbench.model import dumps_model

        self.settings["decision_log"] = {"records": len(self.log), "head": self.log.head()}
        # Serialising is the slow part of a save: reuse the text while nothing changed.
        model: Any = self.model
        revision = model.revision
        if (
            self._texts.get("model-object") is not model
            or self._texts.get("model-revision") != revision
        ):
            self._texts["model.yaml"] = dumps_model(model, "yaml")
            self._texts["model-object"] = model  # held, so its identity stays unique
            self._texts["model-revision"] = revision
        parts = []
        for section, value in self.assessment.to_dict().items():  # each section cached apart
            fingerprint = json.dumps(value, sort_keys=True, default=str)
            if self._texts.get(("key", section)) != fingerprint:
                self._texts[("text", section)] = dump_yaml({section: value})
                self._texts[("key", section)] = fingerprint
            parts.append(self._texts[("text", section)])
        self._texts["assessment.yaml"] = "".join(parts)
        texts = {
            "model.yaml": self._texts["model.yaml"],
            "assessment.yaml": self._texts["assessment.yaml"],
            "project.yaml": _PROJECT_HEADER + dump_yaml(_ordered_settings(self.settings)),
        }
        for name in ("model.yaml", "assessment.yaml", "project.yaml"):  # settings last
            data = texts[name].encode("utf-8")
            digest = _sha(data)
            if self._hashes.get(name) != digest or not (self.path / name).exists():
                atomic_write_text(self.path / name, texts[name])
            self._hashes[name] = digest

    def status(self) -> dict[str, Any]:
        state = self.state()
        log = self.log_status()
        counts: dict[str, int] = {}
        for r in state.rows:
            counts[r["status"]] = counts.get(r["status"], 0) + 1
        return {
            "project": self.name,
            "path": str(self.path),
            "findings": len(state.rows),
            "status": counts,
            "orphaned_decisions": len(state.orphaned),
            "decision_log": {
                "records": len(self.log), "head": self.log.head(), "verified": log.ok,
                "first_bad_line": log.first_bad_line, "problem": log.problem,
            },
            "notices": list(self.notices),
        }


_PROJECT_HEADER = "# AI Threat Workbench project settings (see README: Projects)\n"
_SETTINGS_ORDER = (
    "schema_version",
    "name",
    "actor",
    "created",
    "matrix",
    "rules",
    "controls",
    "analysed_with",
    "report",
    "decision_log",
)


def _ordered_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    out = {k: settings[k] for k in _SETTINGS_ORDER if k in settings}
    for k in sorted(settings):
        if k not in out:
            out[k] = settings[k]
    return out


def _iso(value: str | dt.date) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)
