"""Risk: the scoring matrix, mitigations, decisions and guideline coverage."""

from workbench.risk.coverage import GuidelineCoverage, guideline_coverage
from workbench.risk.matrix import Band, Level, RiskMatrix, load_matrix

__all__ = ["Band", "GuidelineCoverage", "Level", "RiskMatrix", "guideline_coverage", "load_matrix"]
