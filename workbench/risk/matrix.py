"""The likelihood-by-impact risk matrix (kept here for older imports).

The matrix is catalog data (``catalogs/scoring/matrix.yaml``) and is loaded by
:mod:`workbench.catalog.matrix`, which the rules engine reads too; this module
gives the same names under their earlier home.
"""

from __future__ import annotations

from workbench.catalog.matrix import Band, Level, RiskMatrix, load_matrix

__all__ = ["Band", "Level", "RiskMatrix", "load_matrix"]
