"""Per-framework coverage: for each OWASP item, what the analysis says about it.

For one framework (``owasp-llm`` or ``owasp-agentic``, see
:mod:`workbench.catalog.frameworks`) and one analysed model, every item gets a
status:

``raised``
    a finding of a rule mapped to the item exists (its findings are listed);
``not_applicable``
    the system lacks what the item needs (no LLM, no agent, fewer than two
    agents, ...), or has none of the components the item's rules look at;
``not_assessable``
    the item applies but the analysis cannot decide it: attributes it turns on
    are unstated (named as ``element.attribute``, taken from the conditions of
    the item's rules and the item's own ``attributes:``);
``not_raised``
    the item's rules were evaluated on the stated facts and none fired (or a
    stated control removed the finding);
``gap``
    the item applies and no loaded rule maps to it: nothing assesses it yet.

Every status but ``gap`` comes with a reason.

>>> import workbench as wb
>>> from workbench.risk.frameworks import framework_coverage
>>> model = wb.load_template("support-assistant")
>>> cov = framework_coverage(model, wb.analyze(model), "owasp-llm")
>>> cov.item("LLM01").status
'raised'
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from workbench._csvsafe import protect
from workbench._records import Record, fields_dict, tally
from workbench.catalog.frameworks import applicable_facts

__all__ = [
    "STATUSES",
    "FrameworkCoverage",
    "ItemCoverage",
    "applicable_facts",
    "framework_coverage",
]

STATUSES = ("raised", "not_applicable", "not_assessable", "not_raised", "gap")
STATUS_TEXT = {
    "raised": "raised",
    "not_applicable": "not applicable",
    "not_assessable": "not assessable",
    "not_raised": "assessed, not raised",
    "gap": "no rule assesses it",
}
CSV_COLUMNS = (
    "framework",
    "item",
    "label",
    "name",
    "status",
    "reason",
    "findings",
    "attributes",
    "rules",
    "url",
)


@dataclass(frozen=True)
class ItemCoverage(Record):
    """What the analysis says about one framework item."""

    framework: str
    id: str
    label: str
    name: str
    url: str
    status: str
    reason: str
    findings: tuple[str, ...] = ()
    attributes: tuple[str, ...] = ()  # element.attribute to state (not_assessable)
    rules: tuple[str, ...] = ()  # the loaded rules that map to the item

    @property
    def explained(self) -> bool:
        """Raised, or a status other than ``gap`` with a reason (and attributes to state)."""
        if self.status == "raised":
            return bool(self.findings)
        if self.status == "not_assessable":
            return bool(self.attributes and self.reason)
        return self.status in ("not_applicable", "not_raised") and bool(self.reason)

    @property
    def item(self) -> str:
        """The item's id (the name :meth:`to_dict` and the CSV give it)."""
        return self.id

    #: What :meth:`to_dict` writes, in this order.
    DICT_KEYS: ClassVar[tuple[str, ...]] = (
        "framework", "item", "label", "name", "url", "status", "reason", "findings",
        "attributes", "rules",
    )


@dataclass
class FrameworkCoverage:
    """Coverage of one framework on one system, item by item in the framework's order."""

    framework: str
    name: str
    version: str
    url: str
    licence: str
    system: str
    items: list[ItemCoverage] = field(default_factory=list)

    def item(self, item_id: str) -> ItemCoverage:
        for i in self.items:
            if i.id == item_id:
                return i
        raise KeyError(f"unknown {self.framework} item {item_id!r}")

    def counts(self) -> dict[str, int]:
        return tally((i.status for i in self.items), STATUSES)

    def unexplained(self) -> list[ItemCoverage]:
        return [i for i in self.items if not i.explained]

    def to_dict(self) -> dict[str, Any]:
        head = fields_dict(self, ("framework", "name", "version", "url", "licence", "system"))
        return head | {"counts": self.counts()} | fields_dict(self, ("items",))

    def rows(self) -> list[dict[str, str]]:
        """One row per item, lists joined with ``; `` (for CSV and tables)."""
        out = []
        for i in self.items:
            d = i.to_dict()
            out.append(
                {
                    k: "; ".join(v) if isinstance(v, list) else str(v)
                    for k, v in d.items()
                    if k in CSV_COLUMNS
                }
            )
        return out

    def to_csv(self) -> str:
        """The rows as CSV, formula-safe, in the framework's item order."""
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for row in self.rows():
            writer.writerow([protect(row[c]) for c in CSV_COLUMNS])
        return buf.getvalue()

    def to_text(self) -> str:
        counts = self.counts()
        lines = [
            f"{self.name} (version {self.version}) on {self.system}",
            ", ".join(f"{STATUS_TEXT[s]} {counts[s]}" for s in STATUSES if counts[s]),
            "",
        ]
        width = max((len(i.label) for i in self.items), default=5)
        for i in self.items:
            lines.append(f"{i.label:<{width}}  {i.name}: {STATUS_TEXT[i.status].upper()}")
            if i.findings:
                lines.append(f"{'':<{width}}  findings: {', '.join(i.findings)}")
            if i.reason:
                lines.append(f"{'':<{width}}  {i.reason}")
        return "\n".join(lines) + "\n"

    def _repr_html_(self) -> str:
        from html import escape

        counts = self.counts()
        head = ", ".join(f"{STATUS_TEXT[s]} {counts[s]}" for s in STATUSES if counts[s])
        body = "".join(
            f"<tr><td>{escape(i.label)}</td><td>{escape(i.name)}</td>"
            f"<td>{escape(STATUS_TEXT[i.status])}</td>"
            f"<td>{escape(', '.join(i.findings) or i.reason)}</td></tr>"
            for i in self.items
        )
        return (
            f"<p><b>{escape(self.name)}</b> ({escape(self.version)}) on {escape(self.system)}: "
            f"{escape(head)}</p><table><thead><tr><th>Item</th><th>Name</th><th>Status</th>"
            f"<th>Findings or why</th></tr></thead><tbody>{body}</tbody></table>"
        )

    def to_dataframe(self) -> Any:
        import pandas as pd

        return pd.DataFrame(self.rows(), columns=list(CSV_COLUMNS))


# -- what the rules of an item need ----------------------------------------------------------


def _unstated_in(cond: Any, ctx: Any, element: Any) -> set[str]:
    """Attributes tested somewhere in *cond* that are unstated on *element*."""
    from workbench.rules.conditions import All, AnyOf, Attr, Not

    if isinstance(cond, Attr):
        if not cond.on_flow and not ctx.has_attribute(element.kind, cond.name):
            return set()
        value = element.get(cond.name)
        return {cond.name} if value is None or value == [] else set()
    if isinstance(cond, (All, AnyOf)):
        out: set[str] = set()
        for part in cond.parts:
            out |= _unstated_in(part, ctx, element)
        return out
    if isinstance(cond, Not):
        return _unstated_in(cond.part, ctx, element)
    return set()


def _blocking_unstated(rule: Any, ctx: Any, element: Any) -> set[str] | None:
    """The unstated attributes that stop *rule* firing on *element*.

    ``None`` when stated facts rule the element out (every way the condition
    could hold fails on something stated); an empty set when nothing fails.
    """
    return _blocking(rule.condition, ctx, element)


def _blocking(cond: Any, ctx: Any, element: Any) -> set[str] | None:
    from workbench.rules.conditions import All, AnyOf

    if isinstance(cond, AnyOf):  # any branch that only lacks unstated facts counts
        branches = [_blocking(part, ctx, element) for part in cond.parts]
        if any(b is not None and not b for b in branches):
            return set()
        found = [b for b in branches if b is not None]
        return set().union(*found) if found else None
    parts = cond.parts if isinstance(cond, All) else [cond]
    needed: set[str] = set()
    for part in parts:
        if part.evaluate(ctx, element) is not None:
            continue
        if isinstance(part, (All, AnyOf)):
            inner = _blocking(part, ctx, element)
            if inner is None:
                return None
            needed |= inner
            continue
        unstated = _unstated_in(part, ctx, element)
        if not unstated:
            return None
        needed |= unstated
    return needed


def _candidates(rule: Any, ctx: Any) -> list[Any]:
    if rule.element == "flow":
        return list(ctx.flows.values())
    if rule.kinds is None:
        return list(ctx.components.values())
    return [c for c in ctx.components.values() if c.kind in rule.kinds]


def _hinted(item: Any, model: Any) -> list[str]:
    """``element.attribute`` for the item's own ``attributes:`` unstated in *model*."""
    out = []
    agents = {c.id for c in model.components("agent")}
    between = [f for f in model.flows() if f.source in agents and f.target in agents]
    touching = [f for f in model.flows() if f.source in agents or f.target in agents]
    for name in item.attributes:
        kind, _, attr = name.partition(".")
        if kind == "flow":  # the flows between agents, else those an agent sends or receives
            flows = between or touching
            out += [f"{f.id}.{attr}" for f in flows if f.get(attr) is None]
        else:
            out += [f"{c.id}.{attr}" for c in model.components(kind) if c.get(attr) is None]
    return out


def _kinds_text(rules: Iterable[Any]) -> str:
    kinds = sorted({k for r in rules if r.kinds for k in r.kinds})
    return ", ".join(kinds) if kinds else "components"


def _assess(item: Any, rules: list[Any], ctx: Any, removed: dict[str, list[str]]) -> ItemCoverage:
    """The status of an item no finding raised (it applies to the system)."""
    base = {
        "framework": item.framework,
        "id": item.id,
        "label": item.label,
        "name": item.name,
        "url": item.url,
        "rules": tuple(r.id for r in rules),
    }
    wanted: list[str] = []
    looked_at = 0
    for rule in rules:
        for element in _candidates(rule, ctx):
            looked_at += 1
            needed = _blocking_unstated(rule, ctx, element)
            if needed:  # None: stated facts rule it out; empty: nothing stops it
                wanted += [f"{element.id}.{a}" for a in sorted(needed)]
    wanted += _hinted(item, ctx.model)
    attributes = tuple(dict.fromkeys(wanted))
    controls = [text for r in rules for text in removed.get(r.id, [])]
    if attributes:
        shown = ", ".join(attributes[:8]) + (
            f" (+{len(attributes) - 8} more)" if len(attributes) > 8 else ""
        )
        why = f"state {shown} to assess it"
        if not rules:
            why += "; no loaded rule maps to it yet"
        return ItemCoverage(**base, status="not_assessable", reason=why, attributes=attributes)
    if not rules:
        return ItemCoverage(**base, status="gap", reason="")
    if looked_at == 0:
        why = f"the system has none of what its rules look at ({_kinds_text(rules)})"
        return ItemCoverage(**base, status="not_applicable", reason=why)
    if controls:
        why = "stated controls answer it: " + "; ".join(controls)
    else:
        why = f"the stated facts rule it out ({', '.join(r.id for r in rules)} evaluated)"
    return ItemCoverage(**base, status="not_raised", reason=why)


def framework_coverage(
    model: Any,
    result: Any,
    framework: str,
    *,
    rules: Any = None,
    frameworks: Any = None,
    findings: Iterable[Any] | None = None,
) -> FrameworkCoverage:
    """Coverage of *framework* (``owasp-llm`` or ``owasp-agentic``) on *model*.

    *result* is the model's :class:`~workbench.rules.engine.AnalysisResult`;
    *rules* the rule set it came from (the bundled rules when not given);
    *findings* the findings to count (the result's by default; a project adds
    its manual ones, which carry no framework ids).
    """
    from workbench.catalog.frameworks import APPLICABILITY, load_frameworks
    from workbench.rules import load_rules
    from workbench.rules.context import Context

    frameworks = frameworks if frameworks is not None else load_frameworks()
    fw = frameworks[framework]
    if rules is None:
        rules = load_rules()
    found = list(result.findings if findings is None else findings)
    facts = applicable_facts(model)
    ctx = Context(model)
    removed: dict[str, list[str]] = {}
    for r in getattr(result, "removed", []):
        removed.setdefault(r.rule, []).append(f"{r.id}: {r.reason}")
    cov = FrameworkCoverage(fw.id, fw.name, fw.version, fw.url, fw.licence, model.id)
    for item in fw.items:
        mapped = [r for r in rules if item.id in r.frameworks.get(fw.id, ())]
        ids = tuple(
            sorted(f.id for f in found if item.id in getattr(f, "frameworks", {}).get(fw.id, ()))
        )
        missing = [f for f in item.applies if f not in facts]
        base = {
            "framework": fw.id,
            "id": item.id,
            "label": item.label,
            "name": item.name,
            "url": item.url,
            "rules": tuple(r.id for r in mapped),
        }
        if missing:
            why = "; ".join(APPLICABILITY[f] for f in missing)
            cov.items.append(ItemCoverage(**base, status="not_applicable", reason=why))
        elif ids:
            assumed = sum(1 for f in found if f.id in ids and getattr(f, "assumed", False))
            why = f"{len(ids)} finding{'s' if len(ids) != 1 else ''}"
            if assumed:
                why += f", {assumed} of them resting on unstated attributes"
            cov.items.append(ItemCoverage(**base, status="raised", reason=why, findings=ids))
        else:
            cov.items.append(_assess(item, mapped, ctx, removed))
    return cov
