"""The example systems shipped with the workbench (``catalogs/templates``)."""

from __future__ import annotations

from workbench._resources import catalog_path
from workbench.errors import InputError
from workbench.model.definitions import nearest
from workbench.model.io import load_model
from workbench.model.system import SystemModel

__all__ = ["load_template", "template_names"]


def template_names() -> list[str]:
    """Names of the bundled example systems, sorted (e.g. ``support-assistant``)."""
    folder = catalog_path("templates")
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.yaml"))


def load_template(name: str) -> SystemModel:
    """Load a bundled example system by name; :class:`InputError` for an unknown name."""
    names = template_names()
    if name not in names:
        msg = f"no template {name!r}"
        guess = nearest(name, names)
        msg += f"; did you mean {guess!r}?" if guess else f"; templates: {', '.join(names)}"
        raise InputError(msg)
    return load_model(catalog_path("templates", name + ".yaml"))
