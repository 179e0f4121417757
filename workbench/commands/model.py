"""``workbench validate`` and ``workbench summary``: check and describe a model file."""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections import Counter, deque
from typing import Any

from workbench._output import render_table, to_json
from workbench.commands._parsers import TABLE_JSON, Options, add_command
from workbench.errors import InputError, ModelError

__all__ = ["register"]

_DEFAULT_LIMIT = 40


def register(subparsers: Any) -> None:
    """Add the ``validate`` and ``summary`` sub-commands."""
    add_command(
        subparsers,
        "validate",
        _validate,
        help="check a model file and list every problem",
        description="Check a model file (YAML or JSON). Exit 0 when it is valid, 1 when it has "
        "problems (each printed as FILE:LINE: PATH: message), 2 when it cannot be "
        "read as a model at all.",
        options={"model": {"metavar": "MODEL", "help": "model file (.yaml, .yml or .json)"}},
        formats=TABLE_JSON,
    )
    add_command(
        subparsers,
        "summary",
        _summary,
        help="summarise a model: components, zones, boundaries, entry points, crown jewels",
        description="Summarise a model: components by kind, trust zones, flows that cross trust "
        "boundaries, entry points, what untrusted input can reach, and crown jewels.",
        options=_SUMMARY_OPTIONS,
        formats=TABLE_JSON,
    )


_SUMMARY_OPTIONS: Options = {
    "model": {"nargs": "?", "metavar": "MODEL", "help": "model file (YAML or JSON)"},
    "--template": {
        "metavar": "NAME",
        "help": "summarise a bundled example system instead (e.g. support-assistant)",
    },
    "--limit": {
        "type": int,
        "default": _DEFAULT_LIMIT,
        "metavar": "N",
        "help": f"at most N rows per table (default {_DEFAULT_LIMIT}; 0 for all)",
    },
}


# -- validate -------------------------------------------------------------------


def _validate(args: argparse.Namespace) -> int:
    from workbench.model import load_model

    try:
        model = load_model(args.model)
    except ModelError as exc:
        issues = exc.issues
        if args.format == "json":
            sys.stdout.write(to_json({
                "valid": False,
                "file": args.model,
                "issues": [
                    {"file": i.file, "line": i.line, "path": i.path, "message": i.message}
                    for i in issues
                ],
                "notices": [],
            }))
        else:
            for issue in issues:
                print(_one_line(str(issue)))
            n = len(issues)
            print(f"workbench: {args.model}: invalid model, {n} problem{'s' if n != 1 else ''}",
                  file=sys.stderr)
        return 1
    if args.format == "json":
        sys.stdout.write(to_json({
            "valid": True,
            "file": args.model,
            "issues": [],
            "notices": model.notices,
            "system": {"id": model.id, "name": model.name},
            "counts": _counts(model),
        }))
    else:
        for notice in model.notices:
            print(f"note: {_one_line(notice)}", file=sys.stderr)
        counts = _counts(model)
        print(
            f"OK {args.model}: {_one_line(model.name)} ({model.id}): "
            f"{counts['zones']} zones, {counts['components']} components, "
            f"{counts['flows']} flows"
        )
    return 0


def _counts(model: Any) -> dict[str, int]:
    return {
        "zones": len(model.zones()),
        "components": len(model.components()),
        "flows": len(model.flows()),
    }


def _one_line(text: str) -> str:
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


# -- summary --------------------------------------------------------------------


def _load(args: argparse.Namespace) -> Any:
    from workbench.commands.analysis import load_model_argument

    return load_model_argument(args)


def _reached_from(model: Any, entries: list[str], limit: int = 25) -> dict[str, list[str]]:
    """For each component, the entry points that reach it (only for a few entry points)."""
    if len(entries) > limit:
        return {}
    graph = model.graph
    reached: dict[str, list[str]] = {}
    for entry in entries:
        seen = {entry}
        queue = deque([entry])
        while queue:
            node = queue.popleft()
            for nxt in graph.successors(node):
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append(nxt)
                    reached.setdefault(nxt, []).append(entry)
    return reached


def summarise(model: Any) -> dict[str, Any]:
    """The summary of *model* as plain data (what ``--format json`` prints)."""
    components = model.components()
    by_kind: dict[str, list[str]] = {}
    for c in components:
        by_kind.setdefault(c.kind, []).append(c.id)
    in_zone = Counter(c.zone for c in components)
    trust = {c.id: model.trust_of(c.id) for c in components}
    entries = [c.id for c in model.entry_points()]
    reachable = model.reachable_from_untrusted()
    reached_from = _reached_from(model, entries)
    untrusted = {f.id for f in model.untrusted_inputs()}
    boundary = []
    for f in model.boundary_flows():
        boundary.append({
            "id": f.id,
            "from": f.source,
            "to": f.target,
            "from_trust": trust[f.source],
            "to_trust": trust[f.target],
            "direction": "inbound" if f.id in untrusted else "outbound",
            "data": list(f.data),
            "encrypted": f.encrypted,
            "authenticated": f.authenticated,
        })
    unstated = {c.id: model.unstated(c.id) for c in components}
    return {
        "system": {
            "id": model.id,
            "name": model.name,
            "description": model.description,
            "owner": model.fact("owner"),
        },
        "counts": {
            **_counts(model),
            "boundary_flows": len(boundary),
            "untrusted_inputs": len(untrusted),
            "entry_points": len(entries),
            "reachable_from_untrusted": len(reachable),
            "crown_jewels": len(model.crown_jewels()),
            "unstated_attributes": sum(len(v) for v in unstated.values()),
        },
        "components_by_kind": by_kind,
        "zones": [
            {"id": z.id, "name": z.name, "trust": z.trust, "components": in_zone.get(z.id, 0)}
            for z in sorted(model.zones(), key=lambda z: (z.trust, z.id))
        ],
        "boundary_flows": boundary,
        "entry_points": [
            {"id": e, "kind": model.component(e).kind, "zone": model.component(e).zone,
             "reasons": model.entry_point_reasons(e)}
            for e in entries
        ],
        "reachable_from_untrusted": [
            {"id": c.id, "kind": c.kind, "zone": c.zone, "reached_from": reached_from.get(c.id)}
            for c in components if c.id in reachable
        ],
        "crown_jewels": [
            {"id": c.id, "kind": c.kind, "zone": c.zone,
             "reasons": model.crown_jewel_reasons(c.id),
             "reachable_from_untrusted": c.id in reachable}
            for c in model.crown_jewels()
        ],
        "unstated": {k: v for k, v in unstated.items() if v},
        "notices": list(model.notices),
    }


def _limited(rows: list[dict[str, Any]], limit: int) -> tuple[list[dict[str, Any]], str]:
    if limit and len(rows) > limit:
        return rows[:limit], f"  … and {len(rows) - limit} more (use --limit 0 to show all)\n"
    return rows, ""


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _yes_no(value: bool | None) -> str:
    return "unstated" if value is None else ("yes" if value else "no")


def _heading(title: str) -> str:
    return f"\n{title}\n{'=' * len(title)}\n"


def _summary_head(data: dict[str, Any]) -> str:
    """The system's title, description and owner, and the counts in two sentences."""
    out: list[str] = []
    system = data["system"]
    counts = data["counts"]
    title = f"{_one_line(system['name'])} ({system['id']})"
    out.append(title + "\n" + "=" * len(title) + "\n")
    if system["description"]:
        out.append(textwrap.fill(_one_line(system["description"]), width=88) + "\n")
    if system["owner"]:
        out.append(f"Owner: {_one_line(system['owner'])}\n")
    out.append(
        f"\n{counts['components']} components in {counts['zones']} trust zones, "
        f"{counts['flows']} flows ({counts['boundary_flows']} cross a trust boundary, "
        f"{counts['untrusted_inputs']} carry untrusted input).\n"
        f"{counts['entry_points']} entry points reach {counts['reachable_from_untrusted']} "
        f"of {counts['components']} components; {counts['crown_jewels']} crown jewels; "
        f"{counts['unstated_attributes']} security attributes unstated.\n"
    )
    return "".join(out)


def _summary_tail(data: dict[str, Any]) -> str:
    """The unstated attributes in one paragraph, and the notices."""
    out: list[str] = []
    counts = data["counts"]
    unstated = data["unstated"]
    if unstated:
        worst = sorted(unstated.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:5]
        listed = ", ".join(f"{cid} ({len(names)})" for cid, names in worst)
        text = (
            f"Unstated security attributes: {counts['unstated_attributes']} on "
            f"{len(unstated)} components; most on {listed}. Rules assume the insecure "
            "value until you state them (--format json lists them)."
        )
        out.append("\n" + textwrap.fill(text, width=88) + "\n")
    for notice in data["notices"]:
        out.append(f"\nnote: {_one_line(notice)}\n")
    return "".join(out)


def render_summary(data: dict[str, Any], model: Any, limit: int = _DEFAULT_LIMIT) -> str:
    """The summary as text for people."""
    counts = data["counts"]
    out = [_summary_head(data)]

    out.append(_heading(f"Components by kind ({counts['components']})"))
    rows = [
        {"kind": kind, "n": len(ids), "ids": ", ".join(ids)}
        for kind, ids in sorted(data["components_by_kind"].items(), key=lambda kv: kv[0])
    ]
    out.append(render_table(rows, ["kind", "n", "ids"], ["KIND", "COUNT", "COMPONENTS"],
                            max_width=70))

    out.append(_heading(f"Trust zones ({counts['zones']})"))
    out.append(render_table(data["zones"], ["trust", "id", "name", "components"],
                            ["TRUST", "ZONE", "NAME", "COMPONENTS"]))

    out.append(_heading(f"Flows crossing trust boundaries ({counts['boundary_flows']})"))
    rows = []
    for f in data["boundary_flows"]:
        arrow = "↑ in" if f["direction"] == "inbound" else "↓ out"
        rows.append({
            "id": f["id"],
            "route": f"{f['from']} ({f['from_trust']}) → {f['to']} ({f['to_trust']})",
            "dir": arrow,
            "data": _short(", ".join(f["data"]), 34),
            "enc": _yes_no(f["encrypted"]),
            "auth": _yes_no(f["authenticated"]),
        })
    shown, more = _limited(rows, limit)
    if rows:
        out.append(render_table(shown, ["id", "route", "dir", "data", "enc", "auth"],
                                ["FLOW", "FROM (TRUST) → TO (TRUST)", "DIR", "DATA",
                                 "ENC", "AUTH"]) + more)
        out.append("  ↑ in: data moves to higher trust (untrusted input for the receiver)\n")
    else:
        out.append("  none\n")

    out.append(_heading(f"Entry points ({counts['entry_points']})"))
    rows = [
        {"id": e["id"], "kind": e["kind"], "zone": e["zone"], "why": "; ".join(e["reasons"])}
        for e in data["entry_points"]
    ]
    shown, more = _limited(rows, limit)
    out.append(render_table(shown, ["id", "kind", "zone", "why"],
                            ["ENTRY POINT", "KIND", "ZONE", "WHY"]) + more if rows
               else "  none\n")

    n_reach = counts["reachable_from_untrusted"]
    out.append(_heading(
        f"Reachable from untrusted input ({n_reach} of {counts['components']} components)"
    ))
    rows = [
        {"id": r["id"], "kind": r["kind"], "zone": r["zone"],
         "from": ", ".join(r["reached_from"] or [])}
        for r in data["reachable_from_untrusted"]
    ]
    shown, more = _limited(rows, limit)
    out.append(render_table(shown, ["id", "kind", "zone", "from"],
                            ["COMPONENT", "KIND", "ZONE", "REACHED FROM"]) + more if rows
               else "  nothing\n")

    out.append(_heading(f"Crown jewels ({counts['crown_jewels']})"))
    entry_ids = {e["id"] for e in data["entry_points"]}
    rows = [
        {"id": c["id"], "kind": c["kind"], "zone": c["zone"],
         "reach": "yes" if c["reachable_from_untrusted"]
         else ("entry point" if c["id"] in entry_ids else "no"),
         "why": "; ".join(c["reasons"])}
        for c in data["crown_jewels"]
    ]
    shown, more = _limited(rows, limit)
    out.append(render_table(shown, ["id", "kind", "zone", "reach", "why"],
                            ["CROWN JEWEL", "KIND", "ZONE", "REACHABLE", "WHY"]) + more if rows
               else "  none\n")

    out.append(_summary_tail(data))
    return "".join(out)


def _summary(args: argparse.Namespace) -> int:
    if args.limit < 0:
        raise InputError("--limit must be 0 (all) or more")
    model = _load(args)
    data = summarise(model)
    questions = _open_questions(model)
    if args.format == "json":
        data["open_questions"] = [q.to_dict() for q in questions]
        sys.stdout.write(to_json(data))
    else:
        sys.stdout.write(render_summary(data, model, args.limit))
        sys.stdout.write(_render_questions(questions, args.limit))
    return 0


def _open_questions(model: Any) -> list[Any]:
    """The open questions of the bundled analysis: what to state first."""
    from workbench.rules import analyze
    from workbench.rules.questions import open_questions

    return open_questions(analyze(model))


def _render_questions(questions: list[Any], limit: int) -> str:
    title = f"Open questions ({len(questions)})"
    if not questions:
        return _heading(title) + "  none: every attribute the rules rely on is stated\n"
    lines = [
        "Unstated attributes whose answer would change the most risk, highest first.",
        "State them in the model file (or the workbench's model editor) and analyse again.",
    ]
    shown = questions[:limit] if limit else questions
    lines += [f"  {i}. {q.text}" for i, q in enumerate(shown, 1)]
    if len(shown) < len(questions):
        lines.append(f"  … and {len(questions) - len(shown)} more (use --limit 0 to show all)")
    return _heading(title) + "\n".join(lines) + "\n"
