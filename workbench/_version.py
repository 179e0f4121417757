"""The version of this distribution (ai-threat-workbench)."""

__version__ = "0.1.0"
DISTRIBUTION = "ai-threat-workbench"
