"""Rules, the analysis engine and attack paths."""

from workbench.rules.engine import AnalysisResult, analyze, explain
from workbench.rules.findings import AttackPath, Finding, Hop, RuleFailure
from workbench.rules.paths import PathLimits
from workbench.rules.spec import Control, Rule, RuleSet, load_controls, load_rules

__all__ = [
    "AnalysisResult",
    "AttackPath",
    "Control",
    "Finding",
    "Hop",
    "PathLimits",
    "Rule",
    "RuleFailure",
    "RuleSet",
    "analyze",
    "explain",
    "load_controls",
    "load_rules",
]
