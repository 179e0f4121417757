"""The likelihood-by-impact risk matrix, loaded from a data file.

``score = likelihood * impact``; a ``band`` names a range of scores. The default
matrix (5 x 5: low 1-4, medium 5-9, high 10-16, critical 17-25) lives in
``catalogs/scoring/matrix.yaml``; an organisation can load its own file of the
same shape, which is validated: levels numbered 1..n, every possible score
covered by exactly one band, bands in rising order.

>>> m = load_matrix()
>>> m.score(4, 3), m.band(4, 3)
(12, 'high')
>>> m.likelihood_label(5)
'almost certain'
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from workbench._input.yaml import parse_yaml
from workbench._resources import catalog_path
from workbench.errors import InputError

__all__ = ["Band", "Level", "RiskMatrix", "load_matrix"]


@dataclass(frozen=True)
class Level:
    level: int
    label: str


@dataclass(frozen=True)
class Band:
    name: str
    min: int
    max: int
    colour: str


@dataclass(frozen=True)
class RiskMatrix:
    id: str
    name: str
    likelihood: tuple[Level, ...]
    impact: tuple[Level, ...]
    bands: tuple[Band, ...]

    @property
    def max_likelihood(self) -> int:
        return len(self.likelihood)

    @property
    def max_impact(self) -> int:
        return len(self.impact)

    def clamp_likelihood(self, value: int) -> int:
        return max(1, min(self.max_likelihood, int(value)))

    def clamp_impact(self, value: int) -> int:
        return max(1, min(self.max_impact, int(value)))

    def score(self, likelihood: int, impact: int) -> int:
        self._check(likelihood, impact)
        return likelihood * impact

    def band(self, likelihood: int, impact: int) -> str:
        return self.band_of_score(self.score(likelihood, impact))

    def band_of_score(self, score: int) -> str:
        for band in self.bands:
            if band.min <= score <= band.max:
                return band.name
        raise ValueError(f"score {score} is outside the matrix {self.id!r}")

    def band_rank(self, name: str) -> int:
        """Position of a band in rising order (0 = lowest); unknown names raise ValueError."""
        for i, band in enumerate(self.bands):
            if band.name == name:
                return i
        raise ValueError(
            f"unknown band {name!r}; the matrix {self.id!r} has "
            + ", ".join(b.name for b in self.bands)
        )

    def colour(self, band: str) -> str:
        return self.bands[self.band_rank(band)].colour

    def band_names(self) -> list[str]:
        return [b.name for b in self.bands]

    def likelihood_label(self, level: int) -> str:
        return self.likelihood[level - 1].label

    def impact_label(self, level: int) -> str:
        return self.impact[level - 1].label

    def _check(self, likelihood: int, impact: int) -> None:
        if not (isinstance(likelihood, int) and 1 <= likelihood <= self.max_likelihood):
            raise ValueError(f"likelihood must be 1 to {self.max_likelihood}, got {likelihood!r}")
        if not (isinstance(impact, int) and 1 <= impact <= self.max_impact):
            raise ValueError(f"impact must be 1 to {self.max_impact}, got {impact!r}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "likelihood": [{"level": x.level, "label": x.label} for x in self.likelihood],
            "impact": [{"level": x.level, "label": x.label} for x in self.impact],
            "bands": [
                {"name": b.name, "min": b.min, "max": b.max, "colour": b.colour} for b in self.bands
            ],
        }


def _levels(data: Any, key: str, where: str, problems: list[str]) -> tuple[Level, ...]:
    raw = data.get(key)
    if not isinstance(raw, list) or not raw:
        problems.append(f"{where}: {key}: expected a list of {{level, label}}")
        return ()
    levels = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or not isinstance(item.get("label"), str):
            problems.append(f"{where}: {key}[{i}]: expected {{level: {i + 1}, label: text}}")
            continue
        if item.get("level") != i + 1:
            problems.append(
                f"{where}: {key}[{i}].level: expected {i + 1} (levels are numbered 1..n in order)"
            )
        levels.append(Level(i + 1, item["label"]))
    return tuple(levels)


def matrix_from_dict(data: Any, where: str = "<matrix>") -> RiskMatrix:
    """Build and validate a matrix; raise :class:`InputError` listing every problem."""
    problems: list[str] = []
    if not isinstance(data, dict):
        raise InputError(f"{where}: expected a mapping with likelihood, impact and bands")
    likelihood = _levels(data, "likelihood", where, problems)
    impact = _levels(data, "impact", where, problems)
    bands: list[Band] = []
    raw_bands = data.get("bands")
    if not isinstance(raw_bands, list) or not raw_bands:
        problems.append(f"{where}: bands: expected a list of {{name, min, max, colour}}")
        raw_bands = []
    for i, item in enumerate(raw_bands):
        ok = (
            isinstance(item, dict)
            and isinstance(item.get("name"), str)
            and isinstance(item.get("min"), int)
            and isinstance(item.get("max"), int)
        )
        if not ok:
            problems.append(f"{where}: bands[{i}]: expected {{name: text, min: int, max: int}}")
            continue
        bands.append(
            Band(item["name"], item["min"], item["max"], str(item.get("colour", "#999999")))
        )
    if likelihood and impact and bands and not problems:
        top = len(likelihood) * len(impact)
        expected = 1
        for i, band in enumerate(bands):
            if band.min > band.max:
                problems.append(f"{where}: bands[{i}] ({band.name}): min is above max")
            if band.min != expected:
                problems.append(
                    f"{where}: bands[{i}] ({band.name}): expected to start at {expected} "
                    "(bands must rise without gaps or overlaps)"
                )
            expected = band.max + 1
        if expected != top + 1:
            problems.append(f"{where}: bands: the last band must end at {top} (the highest score)")
        names = [b.name for b in bands]
        if len(set(names)) != len(names):
            problems.append(f"{where}: bands: names must be unique")
    if problems:
        raise InputError("invalid risk matrix: " + "; ".join(problems))
    return RiskMatrix(
        id=str(data.get("id", "custom")),
        name=str(data.get("name", "custom matrix")),
        likelihood=likelihood,
        impact=impact,
        bands=tuple(bands),
    )


def load_matrix(path: str | Path | None = None) -> RiskMatrix:
    """Load a matrix file (YAML or JSON); without *path* the bundled default."""
    if path is None:
        return _default_matrix()
    return _load(Path(path))


@cache
def _default_matrix() -> RiskMatrix:
    return _load(catalog_path("scoring", "matrix.yaml"))


def _load(path: Path) -> RiskMatrix:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such risk matrix file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the risk matrix: {exc}") from None
    if len(text) > 1_000_000:
        raise InputError(f"{path}: a risk matrix file must be under 1 MB")
    # the one safe reader: no tags, anchors or aliases (no alias bombs)
    data = parse_yaml(text, str(path), expected="a risk matrix (YAML or JSON)")[0]
    return matrix_from_dict(data, str(path))
