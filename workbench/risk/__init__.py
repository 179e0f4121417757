"""Risk: the scoring matrix (and, with decisions, residual risk)."""

from workbench.risk.matrix import Band, Level, RiskMatrix, load_matrix

__all__ = ["Band", "Level", "RiskMatrix", "load_matrix"]
