"""Design-review workshops with several people scoring the same findings.

Each participant scores independently, in their own notebook or spreadsheet,
writing their own ratings file (``ratings/<participant>.yaml`` in the project
folder, or a CSV each): no two kernels ever write the same file. The
facilitator merges the files into one view with each finding's median and
spread, sorted so that the findings people disagree on most come first, and
records the consensus score, with who took part, in the project.
"""

from __future__ import annotations

import csv
import io
import re
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench._atomic import atomic_write_text
from workbench.errors import InputError
from workbench.model._yaml import dump_yaml, parse_yaml

__all__ = [
    "FindingRatings",
    "Rating",
    "load_ratings",
    "merge_ratings",
    "ratings_path",
    "record_consensus",
    "save_rating",
]

RATINGS_DIR = "ratings"


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
        return {
            "finding": self.finding,
            "title": self.title,
            "participants": self.participants,
            "ratings": len(self.ratings),
            "median_likelihood": self.median_likelihood,
            "median_impact": self.median_impact,
            "median_score": self.median_score,
            "spread": self.spread,
            "level_spread": self.level_spread,
            "comments": [f"{r.participant}: {r.comment}" for r in self.ratings if r.comment],
        }


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


def save_rating(
    project_dir: str | Path,
    participant: str,
    finding: str,
    likelihood: int,
    impact: int,
    comment: str = "",
) -> Path:
    """Add or change one rating in the participant's own file (written atomically)."""
    rating = _rating(
        participant,
        {"finding": finding, "likelihood": likelihood, "impact": impact, "comment": comment},
        "rating",
    )
    path = ratings_path(project_dir, participant)
    existing = _read_file(path) if path.exists() else []
    kept = [r for r in existing if r.finding != finding] + [rating]
    data = {
        "participant": participant,
        "ratings": [
            {
                "finding": r.finding,
                "likelihood": r.likelihood,
                "impact": r.impact,
                **({"comment": r.comment} if r.comment else {}),
            }
            for r in sorted(kept, key=lambda r: r.finding)
        ],
    }
    return atomic_write_text(path, dump_yaml(data))


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
