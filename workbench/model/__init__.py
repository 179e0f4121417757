"""System models: components, data flows and trust zones of an AI system.

Build a model in Python, or load one from a YAML or JSON file::

    from workbench.model import load_model, load_template
    model = load_template("support-assistant")
    model.entry_points(), model.reachable_from_untrusted(), model.crown_jewels()

The vocabulary (component kinds, attributes, data kinds) lives in
:mod:`workbench.model.definitions`; the file format is documented in
``docs/model-format.md``.
"""

from __future__ import annotations

from workbench.model.definitions import (
    ATTRIBUTES,
    CRITICALITY,
    DATA_KINDS,
    KINDS,
    SCHEMA_VERSION,
    SENSITIVITY,
    AttrSpec,
    at_least,
    attributes_for,
    rank,
)
from workbench.model.io import dumps_model, load_model, loads_model, save_model
from workbench.model.system import Component, Flow, SystemModel, Zone
from workbench.model.templates import load_template, template_names
from workbench.model.validate import validate_data

__all__ = [
    "ATTRIBUTES",
    "CRITICALITY",
    "DATA_KINDS",
    "KINDS",
    "SCHEMA_VERSION",
    "SENSITIVITY",
    "AttrSpec",
    "Component",
    "Flow",
    "SystemModel",
    "Zone",
    "at_least",
    "attributes_for",
    "dumps_model",
    "load_model",
    "load_template",
    "loads_model",
    "rank",
    "save_model",
    "template_names",
    "validate_data",
]
