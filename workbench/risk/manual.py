"""The id of a manual finding: ``manual-<slug of the title>@<element>``.

Stable (the same title on the same element always gives the same id) and never
a counter, so that two people adding the same threat meet on one finding.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["manual_finding_id"]


def _slug(text: str, limit: int = 48) -> str:
    norm = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", norm.lower()).strip("-")
    return (slug[:limit].rstrip("-")) or "finding"


def manual_finding_id(title: str, element: str) -> str:
    """``manual-<slug of the title>@<element>``: stable, never a counter."""
    return f"manual-{_slug(title)}@{element}"
