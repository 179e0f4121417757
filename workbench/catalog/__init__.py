"""Catalogs the workbench reasons with: MITRE ATLAS and the secure-AI guidelines.

- :func:`load_catalog` gives a :class:`Catalog` of ATLAS tactics, techniques
  and mitigations, from the bundled catalog or from an official ATLAS STIX 2.1
  bundle.
- :func:`load_guidelines` gives the :class:`GuidelineCatalog` of the NCSC/CISA
  "Guidelines for secure AI system development" (four stages, seventeen
  guidelines) with the checks the workbench can answer from a system model.

>>> from workbench.catalog import load_catalog, load_guidelines
>>> load_catalog().counts()["tactics"]
16
>>> load_guidelines().get("2.1").title
'Secure your supply chain'
"""

from __future__ import annotations

from workbench.catalog.atlas import (
    ATLAS_URL,
    KNOWN_BUNDLE_DIGESTS,
    AtlasObject,
    Catalog,
    Mitigation,
    Tactic,
    Technique,
    UnknownIdError,
    atlas_url,
    bundled_catalog_path,
    load_catalog,
    normalize_id,
    parse_bundle,
)
from workbench.catalog.guidelines import (
    Guideline,
    GuidelineCatalog,
    GuidelineCheck,
    Stage,
    load_guidelines,
)

__all__ = [
    "ATLAS_URL",
    "KNOWN_BUNDLE_DIGESTS",
    "AtlasObject",
    "Catalog",
    "Guideline",
    "GuidelineCatalog",
    "GuidelineCheck",
    "Mitigation",
    "Stage",
    "Tactic",
    "Technique",
    "UnknownIdError",
    "atlas_url",
    "bundled_catalog_path",
    "load_catalog",
    "load_guidelines",
    "normalize_id",
    "parse_bundle",
]
