"""Design-review workshops with several people scoring the same findings.

Each participant scores independently, in their own notebook or spreadsheet,
writing their own ratings file (``ratings/<participant>.yaml`` in the project
folder, or a CSV each): no two kernels ever write the same file. The
facilitator merges the files into one view with each finding's median and
spread, sorted so that the findings people disagree on most come first, and
records the consensus score, with who took part, in the project.

A participant's browser **claims** their name for the workshop
(:func:`claim_name`): a claim file ``ratings/claims/<participant>.json`` in
the project, created only if it does not exist (no server, no lock that
outlives a crash: the file is the claim). Another browser asking for the same
name is refused until the facilitator releases it (:func:`release_claim`).
Ratings are written under a lock on the participant's file and read again
inside it, so two tabs of one participant lose nothing; changing a rating
keeps the previous one in the file (``previous:``) and says so
(:class:`SaveResult`). :func:`rating_progress` shows the facilitator who has
rated what.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
import os
import re
import secrets
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench._atomic import atomic_write_text
from workbench._records import fields_dict
from workbench.errors import InputError
from workbench.model._yaml import dump_yaml, parse_yaml

__all__ = [
    "Claim",
    "ClaimError",
    "FindingRatings",
    "Rating",
    "SaveResult",
    "claim_name",
    "claims",
    "load_ratings",
    "merge_ratings",
    "new_browser_token",
    "rate",
    "rating_progress",
    "ratings_path",
    "record_consensus",
    "release_claim",
    "save_rating",
]

RATINGS_DIR = "ratings"
CLAIMS_DIR = "claims"


class ClaimError(InputError):
    """A name is claimed by another browser (or the claim cannot be made); exit code 2."""


@dataclass(frozen=True)
class Rating:
    participant: str
    finding: str
    likelihood: int
    impact: int
    comment: str = ""

    @property
    def score(self) -> int:
        return self.likelihood * self.impact


#: What the summary of one finding's ratings holds, in order.
_SUMMARY_KEYS = (
    "finding",
    "title",
    "participants",
    "ratings",
    "median_likelihood",
    "median_impact",
    "median_score",
    "spread",
    "level_spread",
)


@dataclass
class FindingRatings:
    finding: str
    title: str
    ratings: list[Rating] = field(default_factory=list)

    @property
    def participants(self) -> list[str]:
        return sorted({r.participant for r in self.ratings})

    @property
    def median_likelihood(self) -> float:
        return float(statistics.median(r.likelihood for r in self.ratings))

    @property
    def median_impact(self) -> float:
        return float(statistics.median(r.impact for r in self.ratings))

    @property
    def median_score(self) -> float:
        return float(statistics.median(r.score for r in self.ratings))

    @property
    def spread(self) -> int:
        """Range of the scores given (highest minus lowest): where people disagree."""
        scores = [r.score for r in self.ratings]
        return max(scores) - min(scores) if scores else 0

    @property
    def level_spread(self) -> int:
        """The larger of the likelihood and impact ranges."""
        if not self.ratings:
            return 0
        lik = [r.likelihood for r in self.ratings]
        imp = [r.impact for r in self.ratings]
        return max(max(lik) - min(lik), max(imp) - min(imp))

    def to_dict(self) -> dict[str, Any]:
        out = fields_dict(self, _SUMMARY_KEYS)
        out["ratings"] = len(self.ratings)
        out["comments"] = [f"{r.participant}: {r.comment}" for r in self.ratings if r.comment]
        return out


def _slug(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    if not slug:
        raise InputError("a participant needs a name")
    return slug[:60]


def ratings_path(project_dir: str | Path, participant: str) -> Path:
    """The ratings file of one participant: only that participant's kernel writes it."""
    return Path(project_dir) / RATINGS_DIR / f"{_slug(participant)}.yaml"


def _read_file(path: Path) -> list[Rating]:
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".csv":
        return _read_csv(path, text)
    data, lines, _d = parse_yaml(text, str(path))
    if not isinstance(data, dict) or not isinstance(data.get("ratings"), list):
        raise InputError(f"{path}: expected participant: NAME and a list under ratings:")
    participant = str(data.get("participant") or path.stem)
    out = []
    for i, item in enumerate(data["ratings"]):
        line = lines.get(("ratings", i), "?")
        if not isinstance(item, dict):
            raise InputError(
                f"{path}:{line}: ratings[{i}]: expected {{finding, likelihood, impact}}"
            )
        out.append(_rating(participant, item, f"{path}:{line}: ratings[{i}]"))
    return out


def _read_csv(path: Path, text: str) -> list[Rating]:
    first = text.split("\n", 1)[0]
    reader = csv.DictReader(
        io.StringIO(text, newline=""), delimiter=";" if first.count(";") > first.count(",") else ","
    )
    missing = {"finding", "likelihood", "impact"} - set(reader.fieldnames or [])
    if missing:
        raise InputError(f"{path}:1: missing column(s) {', '.join(sorted(missing))}")
    out = []
    for row in reader:
        if not (row.get("likelihood") or "").strip() and not (row.get("impact") or "").strip():
            continue  # not scored by this participant
        participant = (row.get("participant") or path.stem).strip()
        out.append(_rating(participant, row, f"{path}:{reader.line_num}"))
    return out


def _rating(participant: str, item: Any, where: str) -> Rating:
    try:
        lik, imp = int(str(item["likelihood"]).strip()), int(str(item["impact"]).strip())
    except (KeyError, ValueError):
        raise InputError(
            f"{where}: likelihood and impact must be whole numbers from 1 to 5"
        ) from None
    if not (1 <= lik <= 5 and 1 <= imp <= 5):
        raise InputError(f"{where}: likelihood and impact must be whole numbers from 1 to 5")
    fid = str(item.get("finding") or "").strip()
    if not fid:
        raise InputError(f"{where}: finding: the finding id is missing")
    return Rating(participant, fid, lik, imp, str(item.get("comment") or "").strip())


@dataclass(frozen=True)
class SaveResult:
    """What :func:`rate` did: ``created``, ``changed`` (``previous`` kept) or ``unchanged``."""

    path: Path
    outcome: str
    rating: Rating
    previous: Rating | None = None

    @property
    def message(self) -> str:
        r = self.rating
        now = f"likelihood {r.likelihood}, impact {r.impact}"
        if self.outcome == "changed" and self.previous is not None:
            p = self.previous
            return f"changed {r.finding} to {now} (was likelihood {p.likelihood}, impact {p.impact})"
        if self.outcome == "unchanged":
            return f"unchanged: {r.finding} already has {now}"
        return f"saved {r.finding}: {now}"


def _entry(r: Rating) -> dict[str, Any]:
    return {
        "finding": r.finding,
        "likelihood": r.likelihood,
        "impact": r.impact,
        **({"comment": r.comment} if r.comment else {}),
    }


def rate(
    project_dir: str | Path,
    participant: str,
    finding: str,
    likelihood: int,
    impact: int,
    comment: str = "",
    *,
    token: str | None = None,
) -> SaveResult:
    """Add or change one rating in the participant's own file; say what happened.

    When the name is claimed (:func:`claim_name`), only the claiming browser's
    ``token`` may write; anyone else is refused with :class:`ClaimError`. The
    file is read and written under an exclusive lock, so concurrent saves of
    one participant (two tabs) lose nothing; a changed rating keeps the old
    values under ``previous:``.
    """
    from workbench.risk.decisions import _exclusive

    rating = _rating(
        participant,
        {"finding": finding, "likelihood": likelihood, "impact": impact, "comment": comment},
        "rating",
    )
    _check_claim(project_dir, participant, token)
    path = ratings_path(project_dir, participant)
    path.parent.mkdir(parents=True, exist_ok=True)
    locks = path.parent / ".locks"
    locks.mkdir(exist_ok=True)
    lock = locks / f"{path.stem}.lock"
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        with _exclusive(fd, lock):
            data = _raw(path)
            items = data.get("ratings") or []
            old_item = next((i for i in items if isinstance(i, dict)
                             and str(i.get("finding")) == finding), None)
            previous = _rating(participant, old_item, f"{path}") if old_item else None
            if previous is not None and (previous.likelihood, previous.impact, previous.comment) == (
                rating.likelihood, rating.impact, rating.comment
            ):
                return SaveResult(path, "unchanged", rating, previous)
            entry = _entry(rating)
            if old_item is not None:
                history = list(old_item.get("previous") or [])
                history.append({k: v for k, v in old_item.items() if k != "previous"})
                entry["previous"] = history
            kept = [i for i in items if i is not old_item] + [entry]
            out = {
                "participant": data.get("participant") or participant,
                "ratings": sorted(kept, key=lambda i: str(i.get("finding"))),
            }
            atomic_write_text(path, dump_yaml(out))
    finally:
        os.close(fd)
    return SaveResult(path, "changed" if previous else "created", rating, previous)


def _raw(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    text = path.read_text(encoding="utf-8-sig")
    data, _l, _d = parse_yaml(text, str(path))
    if not isinstance(data, dict) or not isinstance(data.get("ratings", []), list):
        raise InputError(f"{path}: expected participant: NAME and a list under ratings:")
    _read_file(path)  # every rating in it must be readable before it is rewritten
    return data


def save_rating(
    project_dir: str | Path,
    participant: str,
    finding: str,
    likelihood: int,
    impact: int,
    comment: str = "",
    *,
    token: str | None = None,
) -> Path:
    """Add or change one rating in the participant's own file (see :func:`rate`)."""
    return rate(project_dir, participant, finding, likelihood, impact, comment, token=token).path


# -- claims ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    participant: str
    token: str
    claimed_at: str
    path: Path


def new_browser_token() -> str:
    """A random token that identifies one browser (one dashboard kernel)."""
    return secrets.token_urlsafe(16)


def _claim_path(project_dir: str | Path, participant: str) -> Path:
    return Path(project_dir) / RATINGS_DIR / CLAIMS_DIR / f"{_slug(participant)}.json"


def _read_claim(path: Path) -> Claim | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ClaimError(f"{path}: unreadable claim file ({exc}); the facilitator can release it") from None
    if not isinstance(data, dict) or not isinstance(data.get("token"), str):
        raise ClaimError(f"{path}: not a claim file; the facilitator can release it")
    return Claim(str(data.get("participant") or path.stem), data["token"],
                 str(data.get("claimed_at") or ""), path)


def claim_name(
    project_dir: str | Path,
    participant: str,
    token: str,
    *,
    now: _dt.datetime | None = None,
) -> Claim:
    """Claim *participant*'s name for the browser holding *token*.

    Claiming again with the same token is fine. Another token is refused with
    :class:`ClaimError` until the facilitator calls :func:`release_claim`.
    The claim file is created with ``O_EXCL``: of two browsers asking at once,
    exactly one gets the name.
    """
    if not isinstance(token, str) or len(token) < 8:
        raise ClaimError("a browser token of at least 8 characters is needed to claim a name")
    path = _claim_path(project_dir, participant)
    path.parent.mkdir(parents=True, exist_ok=True)
    stamp = (now or _dt.datetime.now(_dt.UTC).replace(microsecond=0)).isoformat()
    body = json.dumps({"participant": participant.strip(), "token": token, "claimed_at": stamp},
                      sort_keys=True).encode("utf-8")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        held = _read_claim(path)
        if held is not None and held.token == token:
            return held
        since = f" since {held.claimed_at}" if held and held.claimed_at else ""
        raise ClaimError(
            f"the name {participant.strip()!r} is taken by another browser{since}; pick another "
            "name, or ask the facilitator to release it"
        ) from None
    try:
        os.write(fd, body)
        os.fsync(fd)
    finally:
        os.close(fd)
    return Claim(participant.strip(), token, stamp, path)


def release_claim(project_dir: str | Path, participant: str) -> bool:
    """The facilitator frees a name (e.g. a participant changed browser). True when one was held."""
    path = _claim_path(project_dir, participant)
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


def claims(project_dir: str | Path) -> list[Claim]:
    """Every claimed name of the workshop, sorted by participant."""
    folder = Path(project_dir) / RATINGS_DIR / CLAIMS_DIR
    out = [c for p in sorted(folder.glob("*.json")) if (c := _read_claim(p)) is not None]
    return sorted(out, key=lambda c: c.participant.lower())


def _check_claim(project_dir: str | Path, participant: str, token: str | None) -> None:
    held = _read_claim(_claim_path(project_dir, participant))
    if held is None:
        if token is not None:
            claim_name(project_dir, participant, token)
        return
    if held.token != token:
        raise ClaimError(
            f"the name {participant.strip()!r} is claimed by another browser; its ratings are "
            "not overwritten. Pick another name, or ask the facilitator to release it"
        )


def rating_progress(project: Any, sources: Iterable[str | Path] | None = None) -> list[dict[str, Any]]:
    """Who has rated what: one row per participant, for the facilitator.

    ``rated`` and ``missing`` list finding ids of the project (sorted);
    ``claimed`` says whether a browser holds the name.
    """
    ratings = load_ratings(sources if sources is not None else [project.path / RATINGS_DIR])
    ids = {r["id"] for r in project.state().rows}
    held = {_slug(c.participant) for c in claims(project.path)}
    done: dict[str, set[str]] = {}
    for r in ratings:
        if r.finding in ids:
            done.setdefault(r.participant, set()).add(r.finding)
    people = set(done) | {c.participant for c in claims(project.path)}
    return [
        {
            "participant": who,
            "rated": sorted(done.get(who, set())),
            "missing": sorted(ids - done.get(who, set())),
            "count": len(done.get(who, set())),
            "claimed": _slug(who) in held,
        }
        for who in sorted(people, key=str.lower)
    ]


def load_ratings(sources: Iterable[str | Path]) -> list[Rating]:
    """Ratings from files and folders (``*.yaml`` and ``*.csv`` in a folder)."""
    out: list[Rating] = []
    for src in sources:
        p = Path(src)
        files = sorted([*p.glob("*.yaml"), *p.glob("*.csv")]) if p.is_dir() else [p]
        for f in files:
            out.extend(_read_file(f))
    return out


def merge_ratings(
    project: Any, sources: Iterable[str | Path] | None = None
) -> list[FindingRatings]:
    """Each finding's ratings with median and spread, most disagreement first.

    Ratings of findings the project no longer has are dropped from the view
    (they are still in the participants' files).
    """
    ratings = load_ratings(sources if sources is not None else [project.path / RATINGS_DIR])
    rows = {r["id"]: r for r in project.state().rows}
    merged: dict[str, FindingRatings] = {}
    for r in ratings:
        if r.finding not in rows:
            continue
        entry = merged.setdefault(r.finding, FindingRatings(r.finding, rows[r.finding]["title"]))
        entry.ratings = [x for x in entry.ratings if x.participant != r.participant] + [r]
    return sorted(
        merged.values(), key=lambda m: (-m.spread, -m.level_spread, -m.median_score, m.finding)
    )


def record_consensus(
    project: Any,
    finding: str,
    likelihood: int,
    impact: int,
    *,
    participants: Iterable[str],
    reason: str,
    by: str | None = None,
) -> dict[str, Any]:
    """Record the agreed score as an override, naming who took part, and note it in the log."""
    people = sorted({p.strip() for p in participants if p and p.strip()})
    if not people:
        raise InputError("name the participants of the consensus")
    text = f"workshop consensus of {', '.join(people)}: {reason}".strip()
    entry: dict[str, Any] = project.override(
        finding, likelihood=likelihood, impact=impact, reason=text, by=by
    )
    project.log.append_note(
        f"consensus on {finding}: likelihood {likelihood}, impact {impact}; participants: {', '.join(people)}; {reason}",
        by=project.actor(by),
        recorded_at=project.clock().isoformat(),
    )
    project.save()
    return entry
