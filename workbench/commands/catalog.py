"""``workbench catalog``: browse the MITRE ATLAS catalog and the guideline catalog.

Sub-commands::

    workbench catalog info  [--source FILE] [--atlas-version V] [--format table|json]
    workbench catalog show ID [--source FILE] [--format table|json]
    workbench catalog list [tactics|techniques|mitigations] [--tactic ID]
                           [--source FILE] [--format table|json|csv]
    workbench catalog guidelines [--format table|json|csv]

Without ``--source`` the bundled catalog is used; ``--source`` reads an
official ATLAS STIX 2.1 bundle (for example a newer release).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from workbench._output import FORMATS, render_csv, render_table, to_json
from workbench.commands._parsers import TABLE_JSON, Options, add_command
from workbench.errors import InputError

__all__ = ["register"]

KINDS = ("tactics", "techniques", "mitigations")


def register(subparsers: Any) -> None:
    """Add the ``catalog`` command and its sub-commands to the CLI parser."""
    parser = subparsers.add_parser(
        "catalog",
        help="browse the MITRE ATLAS catalog and the secure-AI guidelines",
        description=(
            "Browse MITRE ATLAS tactics, techniques and mitigations (the bundled catalog, "
            "or an official ATLAS STIX 2.1 bundle given with --source) and the guideline "
            "catalog."
        ),
    )
    actions = parser.add_subparsers(dest="catalog_action", metavar="ACTION")
    parser.set_defaults(handler=lambda args: _print_help(parser))

    add_command(
        actions,
        "info",
        run_info,
        help="ATLAS version, where it came from, and counts",
        description=_INFO_HELP,
        options=_SOURCE_OPTIONS,
        formats=TABLE_JSON,
    )
    add_command(
        actions,
        "show",
        run_show,
        help="one tactic, technique or mitigation with its links",
        description="Show one tactic, technique or mitigation with its links.",
        options=[
            {"id": {"metavar": "ID", "help": "an ATLAS id, e.g. AML.T0051 or AML.M0020"}},
            _SOURCE_OPTIONS,
        ],
        formats=TABLE_JSON,
    )
    add_command(
        actions,
        "list",
        run_list,
        help="list tactics, techniques or mitigations",
        description="List tactics (matrix order), techniques or mitigations (by id).",
        options=[_LIST_OPTIONS, _SOURCE_OPTIONS],
        formats=FORMATS,
    )
    add_command(
        actions,
        "guidelines",
        run_guidelines,
        help="the secure AI system development guidelines and their checks",
        description="List the NCSC/CISA guidelines for secure AI system development.",
        options={
            "number": {"nargs": "?", "help": "one guideline, e.g. 2.1 (default: all of them)"}
        },
        formats=FORMATS,
    )


_SOURCE_OPTIONS: Options = {
    "--source": {
        "metavar": "FILE",
        "help": "an official ATLAS STIX 2.1 bundle (default: the bundled catalog)",
    },
    "--atlas-version": {
        "metavar": "V",
        "help": "the ATLAS version of --source, when the file does not say",
    },
}

_LIST_OPTIONS: Options = {
    "kind": {
        "nargs": "?",
        "choices": KINDS,
        "default": "techniques",
        "help": "what to list (techniques)",
    },
    "--tactic": {"metavar": "ID", "help": "only techniques of this tactic (id or shortname)"},
    "--no-subtechniques": {"action": "store_true", "help": "list top-level techniques only"},
}

_INFO_HELP = (
    "Print the ATLAS version of the catalog, where that version came from (option, bundle "
    "metadata, ATLAS.yaml beside the bundle, known SHA-256 digest, unknown) and counts."
)


def _print_help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 0


def _load(args: argparse.Namespace) -> Any:
    from workbench.catalog import load_catalog

    return load_catalog(args.source, atlas_version=args.atlas_version)


def _ref(obj: Any) -> dict[str, str]:
    return {"id": obj.id, "name": getattr(obj, "display_name", obj.name)}


def _write(text: str) -> None:
    sys.stdout.write(text)


# ----------------------------------------------------------------------------- info


def run_info(args: argparse.Namespace) -> int:
    catalog = _load(args)
    counts = catalog.counts()
    data = {
        "atlas_version": catalog.atlas_version,
        "version_source": catalog.version_source,
        "source": str(catalog.source),
        "bundled": catalog.bundled,
        "sha256": catalog.sha256,
        "counts": counts,
        "warnings": list(catalog.warnings),
    }
    if args.format == "json":
        _write(to_json(data))
        return 0
    source = f"{catalog.source} (bundled)" if catalog.bundled else str(catalog.source)
    facts = [
        ("ATLAS version", f"{catalog.atlas_version or 'unknown'} ({catalog.version_source})"),
        ("source", source),
        ("tactics", counts["tactics"]),
        ("techniques", counts["techniques"]),
        ("sub-techniques", counts["subtechniques"]),
        ("mitigations", counts["mitigations"]),
        ("mitigation links", counts["mitigates_links"]),
    ]
    width = max(len(key) for key, _ in facts)
    _write("".join(f"{key.ljust(width)}  {value}\n" for key, value in facts))
    for warning in catalog.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return 0


# ----------------------------------------------------------------------------- show


def show_data(catalog: Any, atlas_id: str) -> dict[str, Any]:
    """The JSON object ``workbench catalog show`` prints for an id."""
    obj = catalog.get(atlas_id)
    data: dict[str, Any] = {
        "id": obj.id,
        "stix_id": obj.stix_id,
        "name": obj.name,
        "display_name": getattr(obj, "display_name", obj.name),
        "type": obj.kind,
        "description": obj.description,
        "url": obj.url,
        "atlas_version": catalog.atlas_version,
        "tactics": [],
        "techniques": [],
        "mitigations": [],
        "parent": None,
        "subtechniques": [],
        "maturity": None,
        "category": None,
    }
    if obj.kind == "tactic":
        data["shortname"] = obj.shortname
        data["order"] = obj.order
        data["techniques"] = [_ref(t) for t in catalog.techniques(tactic=obj.id)]
    elif obj.kind == "mitigation":
        data["category"] = obj.category
        data["techniques"] = [_ref(t) for t in catalog.techniques_for(obj.id)]
        tactic_ids: set[str] = set()
        for technique in catalog.techniques_for(obj.id):
            tactic_ids.update(technique.tactics)
        data["tactics"] = [_ref(t) for t in catalog.tactics() if t.id in tactic_ids]
    else:
        parent = catalog.parent(obj.id)
        data["tactics"] = [_ref(t) for t in catalog.tactics_of(obj.id)]
        data["mitigations"] = [_ref(m) for m in catalog.mitigations_for(obj.id)]
        data["parent"] = _ref(parent) if parent is not None else None
        data["subtechniques"] = [_ref(t) for t in catalog.subtechniques(obj.id)]
        data["maturity"] = obj.maturity
        if parent is not None:
            direct = {m["id"] for m in data["mitigations"]}
            data["parent_mitigations"] = [
                _ref(m) for m in catalog.mitigations_for(parent.id) if m.id not in direct
            ]
    return data


def run_show(args: argparse.Namespace) -> int:
    catalog = _load(args)
    data = show_data(catalog, args.id)
    if args.format == "json":
        _write(to_json(data))
        return 0
    lines = [f"{data['id']}  {data['display_name']}", ""]
    facts = [("type", data["type"])]
    if data["tactics"] and data["type"] != "tactic":
        facts.append(("tactics", ", ".join(f"{t['id']} {t['name']}" for t in data["tactics"])))
    if data["parent"]:
        facts.append(("parent", f"{data['parent']['id']} {data['parent']['name']}"))
    if data["maturity"]:
        facts.append(("maturity", data["maturity"]))
    if data["category"]:
        facts.append(("category", data["category"]))
    if data["type"] == "tactic":
        facts.append(("shortname", data["shortname"]))
        facts.append(("matrix column", str(data["order"])))
    facts.append(("url", data["url"]))
    facts.append(("ATLAS version", data["atlas_version"] or "unknown"))
    width = max(len(k) for k, _ in facts)
    lines += [f"{k.ljust(width)}  {_one_line(v)}" for k, v in facts]
    if data["description"]:
        lines += ["", _one_line(data["description"])]
    text = "\n".join(lines) + "\n"
    sections = [
        ("Sub-techniques", data["subtechniques"]),
        ("Mitigations", data["mitigations"]),
        ("Mitigations of the parent technique", data.get("parent_mitigations") or []),
        ("Techniques", data["techniques"]),
    ]
    for title, refs in sections:
        if refs:
            text += f"\n{title} ({len(refs)})\n" + render_table(refs, ["id", "name"], max_width=80)
    _write(text)
    return 0


def _one_line(value: Any) -> str:
    return " ".join(str(value).split())


# ----------------------------------------------------------------------------- list


def list_rows(
    catalog: Any, kind: str, tactic: str | None, subtechniques: bool
) -> list[dict[str, Any]]:
    """Rows for ``workbench catalog list`` (all fields; the table shows a subset)."""
    if tactic is not None and kind != "techniques":
        raise InputError("--tactic applies to 'workbench catalog list techniques' only")
    if kind == "tactics":
        per_tactic: dict[str, int] = {}
        for technique in catalog.techniques():
            for tactic_id in technique.tactics:
                per_tactic[tactic_id] = per_tactic.get(tactic_id, 0) + 1
        return [
            {
                "order": t.order,
                "id": t.id,
                "name": t.name,
                "shortname": t.shortname,
                "techniques": per_tactic.get(t.id, 0),
                "url": t.url,
                "description": t.description,
            }
            for t in catalog.tactics()
        ]
    if kind == "mitigations":
        return [
            {
                "id": m.id,
                "name": m.name,
                "category": m.category,
                "techniques": len(m.technique_ids),
                "technique_ids": list(m.technique_ids),
                "url": m.url,
                "description": m.description,
            }
            for m in catalog.mitigations()
        ]
    names = {t.id: t.name for t in catalog.tactics()}
    rows = []
    for t in catalog.techniques(tactic=tactic, include_subtechniques=subtechniques):
        mitigations = [m.id for m in catalog.mitigations_for(t.id)]
        rows.append(
            {
                "id": t.id,
                "name": t.display_name,
                "parent": t.parent_id,
                "tactics": [names[i] for i in t.tactics],
                "tactic_ids": list(t.tactics),
                "maturity": t.maturity,
                "mitigations": len(mitigations),
                "mitigation_ids": mitigations,
                "url": t.url,
                "description": t.description,
            }
        )
    return rows


_TABLE_COLUMNS = {
    "tactics": ["order", "id", "name", "shortname", "techniques"],
    "techniques": ["id", "name", "tactics", "maturity", "mitigations"],
    "mitigations": ["id", "name", "category", "techniques"],
}
_CSV_COLUMNS = {
    "tactics": ["order", "id", "name", "shortname", "techniques", "url"],
    "techniques": ["id", "name", "parent", "tactic_ids", "maturity", "mitigation_ids", "url"],
    "mitigations": ["id", "name", "category", "technique_ids", "url"],
}


def run_list(args: argparse.Namespace) -> int:
    catalog = _load(args)
    rows = list_rows(catalog, args.kind, args.tactic, not args.no_subtechniques)
    if args.format == "json":
        _write(to_json(rows))
    elif args.format == "csv":
        _write(render_csv(rows, _CSV_COLUMNS[args.kind]))
    else:
        _write(render_table(rows, _TABLE_COLUMNS[args.kind]))
    return 0


# ----------------------------------------------------------------------------- guidelines


def run_guidelines(args: argparse.Namespace) -> int:
    from workbench.catalog import load_guidelines

    catalog = load_guidelines()
    chosen = [catalog.get(args.number)] if args.number else catalog.guidelines()
    rows: list[dict[str, Any]] = [
        {
            "number": g.number,
            "stage": g.stage,
            "stage_name": g.stage_name,
            "title": g.title,
            "summary": g.summary,
            "checks": [{"id": c.id, "text": c.text} for c in g.checks],
            "check_ids": [c.id for c in g.checks],
        }
        for g in chosen
    ]
    if args.format == "json":
        _write(to_json(rows if not args.number else rows[0]))
    elif args.format == "csv":
        _write(render_csv(rows, ["number", "stage_name", "title", "summary", "check_ids"]))
    elif args.number:
        g = chosen[0]
        text = f"{g.number}  {g.title}\nstage  {g.stage} {g.stage_name}\n\n{g.summary}\n\n"
        text += "Checks\n" + render_table(rows[0]["checks"], ["id", "text"], max_width=100)
        _write(text)
    else:
        _write(render_table(rows, ["number", "stage_name", "title", "check_ids"], max_width=70))
    return 0
