"""AI Threat Workbench: threat modelling for AI systems with MITRE ATLAS.

The public API is listed in ``__all__``; names are imported lazily so that
``import workbench`` stays light (no pandas, plotly or widgets until used).

>>> import workbench
>>> workbench.DISTRIBUTION
'ai-threat-workbench'
"""

from __future__ import annotations

import importlib
from typing import Any

from workbench._version import DISTRIBUTION, __version__

# public name -> module that defines it
_LAZY: dict[str, str] = {
    # errors
    "WorkbenchError": "workbench.errors",
    "InputError": "workbench.errors",
    "ModelError": "workbench.errors",
    "CatalogError": "workbench.errors",
    "RuleError": "workbench.errors",
    "ProjectError": "workbench.errors",
    "Issue": "workbench.errors",
    # system model
    "SystemModel": "workbench.model",
    "load_model": "workbench.model",
    "loads_model": "workbench.model",
    "save_model": "workbench.model",
    "dumps_model": "workbench.model",
    "load_template": "workbench.model",
    "template_names": "workbench.model",
    # catalogs
    "Catalog": "workbench.catalog",
    "load_catalog": "workbench.catalog",
    "load_guidelines": "workbench.catalog",
    "load_frameworks": "workbench.catalog.frameworks",
    # analysis
    "analyze": "workbench.rules",
    "explain": "workbench.rules",
    "load_rules": "workbench.rules",
    "AnalysisResult": "workbench.rules",
    "Finding": "workbench.rules",
    "AttackPath": "workbench.rules",
    "PathLimits": "workbench.rules",
    # register and risk
    "ThreatRegister": "workbench.register",
    "RegisterRow": "workbench.register",
    "RiskMatrix": "workbench.risk",
    "load_matrix": "workbench.risk",
    "framework_coverage": "workbench.risk.frameworks",
}

__all__ = ["DISTRIBUTION", "__version__", *sorted(_LAZY)]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'workbench' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
