"""Decision records of a project: Markdown (one file per decision) or JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workbench.export.decision_records import export_json, export_markdown

__all__ = ["export_project_decisions", "findings_info"]


def findings_info(project: Any) -> dict[str, dict[str, Any]]:
    """What the decision records say about each current finding."""
    return {
        r["id"]: {
            "title": r["title"],
            "element_name": r["element_name"],
            "technique": r["technique"],
            "technique_name": r["technique_name"],
            "score": r["score"],
            "band": r["band"],
            "residual_score": r["residual_score"],
            "residual_band": r["residual_band"],
        }
        for r in project.state().rows
    }


def export_project_decisions(
    project: Any, out: str | Path, *, format: str = "markdown"
) -> list[Path]:
    """Write the project's decisions; every export records the decision log's head hash."""
    decisions, head, count = project.log.snapshot()  # one read: head and count agree
    kwargs = {
        "log_head": head,
        "log_records": count,
        "generated_at": project.clock().isoformat(),
    }
    info = findings_info(project)
    if format == "json":
        target = Path(out)
        if target.suffix != ".json":
            target = target / "decisions.json"
        return [export_json(decisions, info, target, **kwargs)]
    return export_markdown(decisions, info, out, **kwargs)
