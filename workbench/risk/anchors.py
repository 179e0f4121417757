"""Anchored heads: check that a decision log still extends a head recorded elsewhere.

A head is the SHA-256 of the log's last line, with the number of records. A
copy of it kept where the people who can write the project cannot change it --
a report sent to the risk owner, a ticket, a commit of the project in git --
turns the chain into evidence: a log rewritten after that point no longer holds
a record with that hash at that place.

* :func:`read_anchor` takes a head as text (``sha256:HEX``, ``HEX`` or
  ``HEX@RECORDS``) or a file that carries one: an HTML report
  (``<meta name="workbench-log-head" content="sha256:HEX">`` with
  ``<meta name="workbench-log-records" content="N">``, or the visible text
  ``head sha256:HEX`` with ``N records``), a Markdown report (the same text), or
  a JSON export with a ``decision_log`` object (``{"head": ..., "records": ...}``).
* :func:`check_git_history` checks, in a git checkout, that every committed
  version of the log is a byte-for-byte prefix of the next one and of the file
  as it is now: committed records were never changed, only new ones appended.
* :func:`audit_log` runs every check ``workbench verify`` makes.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench._records import Record
from workbench.errors import InputError
from workbench.risk.decisions import VerifyResult, _read_bytes, _split, _verify_data

__all__ = [
    "Anchor",
    "AuditResult",
    "GitResult",
    "audit_log",
    "check_anchor",
    "check_git_history",
    "read_anchor",
]

_HEX = r"[0-9a-fA-F]{64}"
_HASH_TEXT = re.compile(rf"^(?:sha256:)?({_HEX})(?:@(\d+))?$")
_META = re.compile(r"<meta\b[^>]*>", re.I)
_ATTR = re.compile(r"""([a-zA-Z_:-]+)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""")
_VISIBLE_HEAD = re.compile(rf"\bhead\b[\s:]*`?\s*sha256:\s*({_HEX})", re.I)
_VISIBLE_RECORDS = re.compile(r"\b(\d[\d,]*)\s+records?\b", re.I)
_SHORT_HEAD = re.compile(r"\bhead\b[\s:]*`?\s*(?:sha256:)?\s*([0-9a-f]{8,63})\b", re.I)
_GIT_TIMEOUT = 120


class AnchorError(InputError):
    """A head to check against cannot be read (exit code 2)."""


@dataclass(frozen=True)
class Anchor(Record):
    """A head recorded elsewhere: hash, record count where known, and where it came from."""

    head: str
    records: int | None
    source: str


def _meta_tags(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for tag in _META.findall(text):
        attrs = {k.lower(): v.strip("\"'") for k, v in _ATTR.findall(tag)}
        if "name" in attrs and "content" in attrs:
            out[attrs["name"].lower()] = html.unescape(attrs["content"])
    return out


def _count(text: str, where: str) -> int:
    try:
        value = int(text.replace(",", "").strip())
    except ValueError:
        raise AnchorError(f"{where}: the record count {text!r} is not a whole number") from None
    if value < 0:
        raise AnchorError(f"{where}: the record count must not be negative")
    return value


def _from_json(data: Any) -> tuple[str, int | None] | None:
    """The first ``decision_log`` object with a head, searched breadth-first."""
    queue = [data]
    while queue:
        item = queue.pop(0)
        if isinstance(item, dict):
            log = item.get("decision_log")
            if isinstance(log, dict) and isinstance(log.get("head"), str):
                records = log.get("records")
                return log["head"], records if isinstance(records, int) else None
            queue.extend(item.values())
        elif isinstance(item, list):
            queue.extend(item)
    return None


def read_anchor(value: str) -> Anchor:
    """A head from text (``sha256:HEX``, ``HEX``, ``HEX@N``) or from a report or export file."""
    text = value.strip()
    match = _HASH_TEXT.fullmatch(text)
    if match:
        records = int(match.group(2)) if match.group(2) else None
        return Anchor(match.group(1).lower(), records, "the given head")
    path = Path(value)
    if not path.is_file():
        raise AnchorError(
            f"--against: {value!r} is neither a head (sha256: and 64 hex digits) nor a file"
        )
    where = str(path)
    try:
        content = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise AnchorError(f"{where}: cannot read it as UTF-8 text: {exc}") from None
    if path.suffix.lower() in (".json", ".sarif"):
        try:
            found = _from_json(json.loads(content))
        except (ValueError, RecursionError):
            raise AnchorError(f"{where}: not valid JSON") from None
        if found is None or not re.fullmatch(_HEX, found[0].removeprefix("sha256:")):
            raise AnchorError(f"{where}: holds no decision_log head (64 hex digits)")
        return Anchor(found[0].removeprefix("sha256:").lower(), found[1], where)
    meta = _meta_tags(content)
    if "workbench-log-head" in meta:
        parts = meta["workbench-log-head"].split()
        head_match = _HASH_TEXT.fullmatch(parts[0]) if parts else None
        if head_match is None:
            raise AnchorError(
                f"{where}: <meta name=\"workbench-log-head\"> must hold sha256: and 64 hex "
                f"digits, got {meta['workbench-log-head'][:80]!r}"
            )
        count = int(head_match.group(2)) if head_match.group(2) else None
        for part in parts[1:]:
            if part.startswith("records="):
                count = _count(part[len("records="):], where)
        if "workbench-log-records" in meta:
            count = _count(meta["workbench-log-records"], where)
        return Anchor(head_match.group(1).lower(), count, where)
    plain = html.unescape(re.sub(r"<[^>]+>", " ", content))
    head = _VISIBLE_HEAD.search(plain)
    if head is None:
        short = _SHORT_HEAD.search(plain)
        hint = (
            f" (it shows only {len(short.group(1))} hex digits of the head, too few to check "
            "against; make the report again with this workbench)"
            if short else ""
        )
        raise AnchorError(
            f"{where}: no decision-log head found: expected <meta name=\"workbench-log-head\" "
            f"content=\"sha256:HEX\"> or the text 'head sha256:HEX'{hint}"
        )
    # the record count closest to the head, in the same passage
    window = plain[max(0, head.start() - 200): head.end() + 200]
    counts = _VISIBLE_RECORDS.findall(window)
    return Anchor(head.group(1).lower(), _count(counts[0], where) if counts else None, where)


def check_anchor(data: bytes, anchor: Anchor) -> VerifyResult:
    """Whether the log (its bytes) still extends *anchor*: that record is there, unchanged.

    When the chain itself is broken the result is not ok, with no ``problem`` of
    its own (the chain's problem is the one to report).
    """
    plain = _verify_data(data)
    if not plain.ok:  # the chain itself is broken: that is the problem to report
        return VerifyResult(False, plain.records, plain.head, plain.first_bad_line, None,
                            plain.first_bad_seq)
    result = _verify_data(data, expected_head=anchor.head, expected_records=anchor.records)
    if not result.ok and result.problem:
        return VerifyResult(
            False, result.records, result.head, result.first_bad_line,
            f"against {anchor.source} (head {anchor.head[:16]}..."
            + (f", {anchor.records} records" if anchor.records is not None else "")
            + f"): {result.problem}",
            result.first_bad_seq,
        )
    return result


# --------------------------------------------------------------------------- git


@dataclass(frozen=True)
class GitResult(Record):
    """Outcome of :func:`check_git_history`.

    ``versions`` counts the commits that hold the log; when ``ok`` is false,
    ``commit`` is the first commit (or ``"working tree"``) whose log changed
    records committed before, and ``problem`` says which.
    """

    ok: bool
    versions: int
    problem: str | None = None
    commit: str | None = None


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    git = shutil.which("git")
    if git is None:
        raise InputError("--git: git is not installed (or not on PATH)")
    try:
        return subprocess.run(
            [git, "-c", "core.quotepath=off", *args], cwd=cwd, capture_output=True,
            timeout=_GIT_TIMEOUT, check=False,
        )
    except subprocess.TimeoutExpired:
        raise InputError(f"--git: git {args[0]} took longer than {_GIT_TIMEOUT} s") from None


def _first_difference(old: bytes, new: bytes) -> int:
    """The 1-based line of *old* that *new* does not keep."""
    old_lines, new_lines = old.split(b"\n"), new.split(b"\n")
    for i, line in enumerate(old_lines, start=1):
        if i > len(new_lines) or new_lines[i - 1] != line:
            return i
    return len(old_lines)


def check_git_history(log_path: str | Path) -> GitResult:
    """Check that each committed version of the log is a prefix of the next one.

    Follows the first-parent history of the checked-out branch (``git log
    --first-parent``) and ends with the file as it is on disk. Raises
    :class:`InputError` when the log is not in a git checkout.
    """
    path = Path(log_path).absolute()
    folder = path.parent
    top = _git(["rev-parse", "--show-toplevel"], folder)
    if top.returncode != 0:
        raise InputError(f"--git: {folder} is not in a git checkout")
    root = Path(top.stdout.decode("utf-8", "replace").strip())
    try:
        rel = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        raise InputError(f"--git: {path} is not inside the checkout {root}") from None
    revs = _git(["log", "--first-parent", "--format=%H", "--", rel], root)
    if revs.returncode != 0:
        message = revs.stderr.decode("utf-8", "replace").strip().splitlines()
        if message and "does not have any commits" in message[-1]:
            return GitResult(True, 0)
        raise InputError(f"--git: git log failed: {message[-1] if message else 'no message'}")
    commits = list(reversed(revs.stdout.decode("ascii", "replace").split()))
    previous: bytes | None = None
    previous_commit = ""
    versions = 0
    for commit in commits:
        shown = _git(["show", f"{commit}:{rel}"], root)
        if shown.returncode != 0:
            if previous is not None and previous:
                held = previous.count(b"\n")
                return GitResult(
                    False, versions,
                    f"commit {commit[:12]} deletes the log that commit {previous_commit[:12]} "
                    f"holds with {held} records",
                    commit,
                )
            continue
        data = shown.stdout
        versions += 1
        if previous is not None and not data.startswith(previous):
            return GitResult(False, versions, _rewrite(previous, data, previous_commit, commit),
                             commit)
        previous, previous_commit = data, commit
    if previous is not None:
        now = _read_bytes(path)
        if not now.startswith(previous):
            return GitResult(False, versions,
                             _rewrite(previous, now, previous_commit, "the working tree"),
                             "working tree")
    return GitResult(True, versions)


def _rewrite(old: bytes, new: bytes, old_commit: str, new_where: str) -> str:
    line = _first_difference(old, new)
    old_lines, _ = _split(old)
    new_lines, _ = _split(new)
    where = new_where if new_where == "the working tree" else f"commit {new_where[:12]}"
    if len(new_lines) < len(old_lines) and new.startswith(b"\n".join(new_lines)) and (
        old.startswith(b"\n".join(new_lines))
    ):
        what = f"deletes records from line {line} on"
    else:
        what = f"changes line {line}"
    return (f"{where} {what} of the log committed in {old_commit[:12]}: committed records "
            "must never change, only new ones be appended")


# --------------------------------------------------------------------------- everything


@dataclass
class AuditResult:
    """Everything ``workbench verify`` checks, for one decision log.

    ``chain`` is the hash chain and record shape (with the project's recorded
    head), ``anchors`` each ``--against`` head, ``git`` the committed history
    (when asked), ``signatures`` who signed each record. ``ok`` is false when any
    check failed (signatures count only when a signature does not match, or
    when ``require_signed`` is set and a record is not signed by a known key).
    """

    path: Path
    chain: VerifyResult
    anchors: list[tuple[Anchor, VerifyResult]] = field(default_factory=list)
    git: GitResult | None = None
    signatures: list[Any] = field(default_factory=list)
    require_signed: bool = False
    anchored: bool = False

    @property
    def not_known(self) -> list[Any]:
        """Records not signed by a key the project lists."""
        return [s for s in self.signatures if s.status != "known_key"]

    @property
    def problems(self) -> list[str]:
        out = []
        if not self.chain.ok and self.chain.problem:
            out.append(self.chain.problem)
        out += [r.problem for _a, r in self.anchors if not r.ok and r.problem]
        if self.git is not None and not self.git.ok and self.git.problem:
            out.append(f"git: {self.git.problem}")
        if self.require_signed and self.not_known:
            first = self.not_known[0]
            out.append(
                f"{len(self.not_known)} record(s) not signed by a key of this project, the "
                f"first line {first.line} (seq {first.seq}): {first.label}"
            )
        return out

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        counts = {s: 0 for s in ("known_key", "unknown_key", "unsigned", "bad_signature")}
        for s in self.signatures:
            counts[s.status] += 1
        problems = self.problems
        return {
            # the keys of VerifyResult.to_dict(), for the whole verdict
            **self.chain.to_dict(),
            "ok": not problems,
            "problem": problems[0] if problems else None,
            "path": str(self.path),
            "problems": problems,
            "chain": self.chain.to_dict(),
            "anchored": self.anchored,
            "against": [{**a.to_dict(), **r.to_dict()} for a, r in self.anchors],
            "git": self.git.to_dict() if self.git is not None else None,
            "signatures": counts,
            "record_signatures": [s.to_dict() for s in self.signatures],
        }


def audit_log(
    path: str | Path,
    *,
    keyring: Any = None,
    expected_head: str | None = None,
    expected_records: int | None = None,
    against: list[Anchor] | None = None,
    git: bool = False,
    require_signed: bool = False,
) -> AuditResult:
    """Run the checks of ``workbench verify`` on one log (see :class:`AuditResult`)."""
    from workbench.risk.signing import BAD_SIGNATURE, record_signatures

    target = Path(path)
    data = _read_bytes(target)
    chain = _verify_data(data, expected_head=expected_head, expected_records=expected_records)
    signatures = record_signatures(data, keyring)  # each signature is checked once, here
    bad = next((s for s in signatures if s.status == "bad_signature"), None)
    if chain.ok and bad is not None:
        chain = VerifyResult(
            False, chain.records, chain.head, bad.line,
            f"line {bad.line} (seq {bad.seq}): {BAD_SIGNATURE}", bad.seq,
        )
    result = AuditResult(target, chain, require_signed=require_signed)
    for anchor in against or ():
        result.anchors.append((anchor, check_anchor(data, anchor)))
    if git:
        result.git = check_git_history(target)
    result.anchored = bool(
        expected_head or against or (result.git is not None and result.git.versions)
    )
    result.signatures = signatures
    return result

