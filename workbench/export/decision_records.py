"""Decision records: risk decisions written out as Markdown (MADR-like) and JSON.

:func:`export_markdown` writes one Markdown file per decision, in the style of
architecture decision records (title, status, date, deciders, context, decision,
consequences, links), plus an ``index.md``; :func:`export_json` writes one JSON
document with the same content. Both record the decision log's head hash and
record count, so a reader can later check the log was not truncated or rewritten
(:func:`workbench.risk.decisions.verify` with ``expected_head`` and
``expected_records``).

Output is deterministic: the same inputs give byte-identical files (the time of
the export is a parameter). User text (rationale, names, titles, links) is
escaped so it cannot break the document's structure (headings, tables, lists)
or inject raw HTML.

Each file is written through a temporary file and :func:`os.replace`. The
Markdown export is built in a temporary folder beside ``out_dir`` that then
takes the place of the previous export, so a failed export leaves the previous
one in place. ``out_dir`` must be a folder of its own: an existing folder that
holds anything other than decision records is refused, never overwritten.
"""

from __future__ import annotations

import json
import math
import numbers
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from workbench._atomic import atomic_write_bytes, fsync_dir
from workbench.errors import InputError
from workbench.risk.decisions import Decision

__all__ = ["ATLAS_TECHNIQUE_URL", "export_json", "export_markdown", "record_file_name"]

ATLAS_TECHNIQUE_URL = "https://atlas.mitre.org/techniques/{id}"
FORMAT = "workbench-decision-records"
FORMAT_VERSION = 1
INFO_KEYS = (
    "title",
    "element_name",
    "technique",
    "technique_name",
    "score",
    "band",
    "residual_score",
    "residual_band",
)

_TREATMENT_TEXT = {
    "mitigate": ("Mitigate", "reduce the risk with mitigations and controls"),
    "accept": ("Accept", "keep the risk as it is, knowingly, for now"),
    "transfer": ("Transfer", "hand the risk to another party (supplier, insurer, contract)"),
    "avoid": ("Avoid", "remove the cause: drop or change the feature or component"),
    "not_applicable": ("Not applicable", "the threat does not apply to this system"),
}
_TECHNIQUE_RE = re.compile(r"AML\.T\d{4}(?:\.\d{3})?")
_HASH_RE = re.compile(r"[0-9a-f]{64}")
_SAFE_ID_RE = re.compile(r"[A-Za-z0-9_.:@/+-]+")
_URL_RE = re.compile(r"https?://[^\s<>\"'`\\()\[\]{}|^]+")
_OWN_FILE_RE = re.compile(r"(?:\d{4,}-[a-z0-9-]*|index)\.md")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_INLINE_RE = re.compile(r"([\\`*_\[\]|~#])")
_ORDERED_RE = re.compile(r"(\d+)[.)]")


# --------------------------------------------------------------------------- escaping


def _clean(text: Any) -> str:
    s = str(text).replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return _CONTROL_RE.sub("", s)


def _escape(s: str) -> str:
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _INLINE_RE.sub(r"\\\1", s)


def md_inline(text: Any) -> str:
    """Escape user text for one line of Markdown: a heading, a table cell, a list item.

    Line breaks become spaces; ``< > &`` become entities (no raw HTML);
    emphasis, code, link, table and heading characters are backslash-escaped.
    """
    return _escape(" ".join(_clean(text).split()))


def md_block(text: Any) -> str:
    """Escape multi-line user text as paragraphs; its line breaks are kept (hard breaks)."""
    lines = [line.strip() for line in _clean(text).split("\n")]
    out: list[str] = []
    for line in lines:
        if not line:
            if out and out[-1] != "":
                out.append("")
            continue
        out.append(_line_start(_escape(line)))
    while out and out[-1] == "":
        out.pop()
    # a trailing backslash is a hard line break inside a paragraph
    for i in range(len(out) - 1):
        if out[i] and out[i + 1]:
            out[i] += "\\"
    return "\n".join(out)


def _line_start(line: str) -> str:
    """Escape a list or setext-heading marker at the start of a line."""
    if line[:1] in ("-", "+", "="):
        return "\\" + line
    m = _ORDERED_RE.match(line)
    if m:
        return f"{m.group(1)}\\{line[m.end(1) :]}"
    return line


def _code_or_text(text: Any) -> str:
    s = str(text)
    return f"`{s}`" if _SAFE_ID_RE.fullmatch(s) else md_inline(s)


def _link_or_text(link: Any) -> str:
    s = str(link).strip()
    if _URL_RE.fullmatch(s):
        return f"<{s}>"
    return md_inline(s)


# --------------------------------------------------------------------------- values


def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value == ""
    try:
        return bool(value != value)  # NaN
    except (TypeError, ValueError):  # pandas.NA and the like
        return True


def _plain(value: Any) -> Any:
    """A JSON-safe, deterministic form of a findings_info value (numpy/pandas too)."""
    if _missing(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        f = float(value)
        if math.isfinite(f) and f.is_integer():
            return int(f)
        return f
    return str(value)


def _finding_info(findings_info: Mapping[str, Mapping[str, Any]], fid: str) -> dict[str, Any]:
    info = findings_info.get(fid)
    out: dict[str, Any] = {"id": fid, "present": info is not None}
    for key in INFO_KEYS:
        out[key] = _plain(info.get(key)) if info is not None else None
    technique = out["technique"]
    out["technique_url"] = (
        ATLAS_TECHNIQUE_URL.format(id=technique)
        if isinstance(technique, str) and _TECHNIQUE_RE.fullmatch(technique)
        else None
    )
    return out


def _risk_text(score: Any, band: Any) -> str | None:
    if score is not None and band is not None:
        return f"{md_inline(score)} ({md_inline(band)})"
    if score is not None:
        return md_inline(score)
    if band is not None:
        return md_inline(band)
    return None


def _check_log(log_head: str, log_records: int) -> None:
    if not isinstance(log_head, str) or not _HASH_RE.fullmatch(log_head):
        raise InputError(f"log_head must be 64 lower-case hex digits, got {log_head!r}")
    if isinstance(log_records, bool) or not isinstance(log_records, int) or log_records < 0:
        raise InputError(f"log_records must be a count of records, got {log_records!r}")


def _superseded_by(decisions: list[Decision]) -> dict[str, str]:
    ids = [d.id for d in decisions]
    if len(set(ids)) != len(ids):
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        raise InputError(f"decision ids must be unique, got {', '.join(dupes)} twice")
    return {d.supersedes: d.id for d in decisions if d.supersedes}


def _slug(text: str, limit: int = 60) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:limit].rstrip("-")


def record_file_name(decision: Decision) -> str:
    """``NNNN-<treatment>-<first finding>.md`` (NNNN from the decision id)."""
    m = re.fullmatch(r"D-(\d+)", decision.id)
    number = m.group(1) if m else "0000"
    first = decision.findings[0] if decision.findings else ""
    slug = _slug(f"{decision.treatment}-{first}") or "decision"
    return f"{number}-{slug}.md"


# --------------------------------------------------------------------------- markdown


def _footer(log_head: str, log_records: int, generated_at: str) -> list[str]:
    return [
        "---",
        "",
        f"Decision log head `{log_head}` after {log_records} records. "
        f"Generated {md_inline(generated_at)} by AI Threat Workbench.",
        "",
    ]


def _decision_markdown(
    d: Decision,
    infos: list[dict[str, Any]],
    superseded_by: str | None,
    names: Mapping[str, str],
    footer: list[str],
) -> str:
    label, meaning = _TREATMENT_TEXT.get(d.treatment, (d.treatment, ""))
    subject = ""
    if infos:
        subject = infos[0]["title"] or infos[0]["id"]
    title = f"{label}: {subject}" if subject else label
    if len(infos) > 1:
        title += f" (and {len(infos) - 1} more)"

    def ref(decision_id: str) -> str:
        name = names.get(decision_id)
        text = md_inline(decision_id)
        return f"[{text}]({name})" if name else text

    status = f"superseded by {ref(superseded_by)}" if superseded_by else "accepted"
    none = "*none*"
    out = [
        f"# {md_inline(d.id)}: {md_inline(title)}",
        "",
        "| Field | Value |",
        "| --- | --- |",
        f"| Status | {status} |",
        f"| Date | {md_inline(d.date)} |",
        f"| Decided by | {md_inline(d.decided_by)} |",
        f"| Risk owner | {md_inline(d.owner) if d.owner else none} |",
        f"| Review by | {md_inline(d.review_by) if d.review_by else none} |",
        f"| Supersedes | {ref(d.supersedes) if d.supersedes else none} |",
        f"| Recorded at | {md_inline(d.recorded_at)} |",
        "",
        "## Context and problem statement",
        "",
        f"The decision covers {len(infos)} finding{'s' if len(infos) != 1 else ''}.",
        "",
    ]
    for info in infos:
        fid = _code_or_text(info["id"])
        if not info["present"]:
            out += [f"### {fid}", "", "- no longer present (orphaned)", ""]
            continue
        heading = f"### {fid}"
        if info["title"] is not None:
            heading += f": {md_inline(info['title'])}"
        out += [heading, ""]
        if info["element_name"] is not None:
            out.append(f"- Element: {md_inline(info['element_name'])}")
        if info["technique"] is not None:
            tech = md_inline(info["technique"])
            if info["technique_url"]:
                tech = f"[{tech}]({info['technique_url']})"
            if info["technique_name"] is not None:
                tech += f" {md_inline(info['technique_name'])}"
            out.append(f"- Primary ATLAS technique: {tech}")
        risk = _risk_text(info["score"], info["band"])
        out.append(f"- Inherent risk: {risk or 'not known'}")
        out.append("")

    out += [
        "## Decision outcome",
        "",
        f"Chosen treatment: **{md_inline(d.treatment)}**" + (f": {meaning}." if meaning else "."),
        "",
        "### Rationale",
        "",
        md_block(d.rationale) or none,
        "",
        "### Consequences",
        "",
    ]
    for info in infos:
        fid = _code_or_text(info["id"])
        if not info["present"]:
            out.append(f"- {fid}: no longer present (orphaned)")
            continue
        residual = _risk_text(info["residual_score"], info["residual_band"])
        out.append(f"- {fid}: residual risk {residual or 'not known'}")
    if d.review_by:
        out.append(f"- The decision is to be reviewed by {md_inline(d.review_by)}.")
    if superseded_by:
        out.append(f"- This decision no longer holds: it was superseded by {ref(superseded_by)}.")
    out += ["", "## Links", ""]
    out += [f"- {_link_or_text(link)}" for link in d.links] or [none]
    out += ["", *footer]
    return "\n".join(out)


def _index_markdown(
    decisions: list[Decision],
    superseded_by: Mapping[str, str],
    names: Mapping[str, str],
    footer: list[str],
) -> str:
    out = [
        "# Risk decisions",
        "",
        "Decision records written from the decision log, oldest first.",
        "",
        "| Decision | Status | Treatment | Findings | Date | Risk owner | Review by |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for d in decisions:
        later = superseded_by.get(d.id)
        status = f"superseded by {md_inline(later)}" if later else "accepted"
        findings = ", ".join(_code_or_text(f) for f in d.findings)
        out.append(
            f"| [{md_inline(d.id)}]({names[d.id]}) | {status} | {md_inline(d.treatment)} "
            f"| {findings} | {md_inline(d.date)} | {md_inline(d.owner or '')} "
            f"| {md_inline(d.review_by or '')} |"
        )
    if not decisions:
        out += ["", "There are no decisions yet."]
    out += ["", *footer]
    return "\n".join(out)


def export_markdown(
    decisions: Iterable[Decision],
    findings_info: Mapping[str, Mapping[str, Any]],
    out_dir: str | Path,
    *,
    log_head: str,
    log_records: int,
    generated_at: str,
) -> list[Path]:
    """Write one Markdown decision record per decision and an ``index.md``.

    ``findings_info`` maps finding ids to their ``title``, ``element_name``,
    ``technique``, ``technique_name``, ``score``, ``band``, ``residual_score``
    and ``residual_band`` (from the register); ids missing from it are listed as
    no longer present (orphaned). Returns the files written, the index last.
    """
    decisions = list(decisions)
    _check_log(log_head, log_records)
    superseded_by = _superseded_by(decisions)
    names = {d.id: record_file_name(d) for d in decisions}
    if len(set(names.values())) != len(names):
        raise InputError("two decisions would share one file name; decision ids must differ")
    footer = _footer(log_head, log_records, generated_at)
    files: dict[str, bytes] = {}
    for d in decisions:
        infos = [_finding_info(findings_info, fid) for fid in d.findings]
        text = _decision_markdown(d, infos, superseded_by.get(d.id), names, footer)
        files[names[d.id]] = text.encode("utf-8")
    files["index.md"] = _index_markdown(decisions, superseded_by, names, footer).encode("utf-8")
    target = Path(out_dir)
    _replace_folder(target, files)
    return [target / name for name in files]


# --------------------------------------------------------------------------- json


def export_json(
    decisions: Iterable[Decision],
    findings_info: Mapping[str, Mapping[str, Any]],
    path: str | Path,
    *,
    log_head: str,
    log_records: int,
    generated_at: str,
) -> Path:
    """Write the decisions, with their findings' info, as one JSON document."""
    decisions = list(decisions)
    _check_log(log_head, log_records)
    superseded_by = _superseded_by(decisions)
    items = []
    for d in decisions:
        item = d.to_dict()
        later = superseded_by.get(d.id)
        item["status"] = "superseded" if later else "accepted"
        item["superseded_by"] = later
        item["findings_info"] = [_finding_info(findings_info, fid) for fid in d.findings]
        items.append(item)
    document = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "generated_at": generated_at,
        "decision_log": {"head": log_head, "records": log_records},
        "decisions": items,
    }
    text = json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(target, text.encode("utf-8"))
    return target


# --------------------------------------------------------------------------- files


def _check_own_folder(out_dir: Path) -> None:
    if out_dir.is_symlink() or (out_dir.exists() and not out_dir.is_dir()):
        raise InputError(f"{out_dir}: expected a folder for the decision records")
    if not out_dir.exists():
        return
    foreign = sorted(
        p.name for p in out_dir.iterdir() if not (p.is_file() and _OWN_FILE_RE.fullmatch(p.name))
    )
    if foreign:
        shown = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
        raise InputError(
            f"{out_dir}: holds files that are not decision records ({shown}); the export "
            "replaces the whole folder, so choose an empty folder or one of its own"
        )


def _replace_folder(out_dir: Path, files: Mapping[str, bytes]) -> None:
    """Write *files* into a new folder that then takes the place of *out_dir*."""
    _check_own_folder(out_dir)
    parent = out_dir.parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".tmp", dir=parent))
    old: Path | None = None
    try:
        # mkdtemp makes a private folder; an export is for reading by others
        os.chmod(tmp, 0o755)  # noqa: S103
        for name, data in files.items():
            atomic_write_bytes(tmp / name, data)
        fsync_dir(tmp)
        if out_dir.exists():
            old = tmp.with_name(tmp.name[: -len(".tmp")] + ".old")
            os.rename(out_dir, old)
        try:
            os.rename(tmp, out_dir)
        except BaseException:
            if old is not None:
                os.rename(old, out_dir)
                old = None
            raise
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    fsync_dir(parent)
