"""The ``frameworks:`` and ``frameworks_none:`` keys of a rule, checked.

``frameworks:`` maps a framework id (``owasp-llm``, ``owasp-agentic``) to the
ids of its items the rule raises (``[LLM01, LLM07]``); a rule that raises no
item of any framework says why under ``frameworks_none:`` instead. Both ids are
checked against :mod:`workbench.catalog.frameworks`.
"""

from __future__ import annotations

from typing import Any

__all__ = ["check_framework_items", "scope_framework_items"]


def _at(path: Any, *parts: str | int) -> Any:
    """*path* extended by *parts*: a dotted text (``rules[3].frameworks``) or a tuple path."""
    if isinstance(path, tuple):
        return (*path, *parts)
    out = str(path)
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def check_framework_items(
    checker: Any, raw: dict[str, Any], path: Any
) -> tuple[dict[str, tuple[str, ...]], str]:
    """Check the ids of *raw*'s framework keys; problems go to *checker*.

    The rule-spec tables check the shapes (a mapping of lists of text, a text);
    this adds what they cannot know: the framework and item ids exist, a list is
    not empty, a reason is not blank, and not both keys are given.
    """
    known = checker.frameworks
    value = raw.get("frameworks")
    reason = raw.get("frameworks_none")
    out: dict[str, tuple[str, ...]] = {}
    if isinstance(reason, str) and not reason.strip():
        checker.problem(
            _at(path, "frameworks_none"), "say in a sentence why no framework item applies"
        )
    if not isinstance(reason, str) or not reason.strip():
        reason = None
    if value is not None and reason is not None:
        checker.problem(
            _at(path, "frameworks_none"), "give frameworks: or frameworks_none:, not both"
        )
    if not isinstance(value, dict):  # absent, or a shape the tables report
        return out, " ".join(str(reason or "").split())
    if not value:
        checker.problem(_at(path, "frameworks"), "name at least one framework and its items")
    for fid, items in value.items():
        where = _at(path, "frameworks", str(fid))
        if known is not None and fid not in known:
            checker.problem(
                where, f"unknown framework {fid!r}; frameworks are {', '.join(known) or 'none'}"
            )
            continue
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            continue  # the tables report the shape
        if not items:
            checker.problem(where, f"expected a non-empty list of {fid} item ids")
            continue
        for i, item in enumerate(items):
            if known is not None and item not in known[fid]:
                ids = ", ".join(x.id for x in known[fid])
                checker.problem(_at(where, i), f"unknown {fid} item {item!r}; items are {ids}")
        order = [x.id for x in known[fid]] if known is not None else sorted(set(items))
        out[str(fid)] = tuple(x for x in order if x in items)
    return out, ""


def scope_framework_items(findings: list[Any], model: Any) -> None:
    """Keep on each finding only the framework items that apply to *model*.

    A rule may fire on systems an item does not cover (data poisoning on a
    classifier with no LLM): there the finding carries no id of that item, so a
    finding's ids always agree with the per-item coverage.
    """
    if not any(f.frameworks for f in findings):
        return
    from workbench.catalog.frameworks import applicable_facts, load_frameworks

    frameworks = load_frameworks()
    facts = applicable_facts(model)
    keep: dict[tuple[str, str], bool] = {}
    for f in findings:
        scoped: dict[str, list[str]] = {}
        for fid, items in f.frameworks.items():
            fw = frameworks.get(fid)
            if fw is None:
                continue
            for item in items:
                ok = keep.get((fid, item))
                if ok is None:
                    applies = fw.item(item).applies if item in fw else ()
                    ok = keep[(fid, item)] = all(a in facts for a in applies)
                if ok:
                    scoped.setdefault(fid, []).append(item)
        if scoped != f.frameworks:
            f.frameworks = scoped
            f.owasp = frameworks.labels(scoped)
