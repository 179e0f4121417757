"""What a model folder says about itself: ``config.json`` and the model card.

The model card is the ``README.md`` of a model folder (as model hubs publish
them); its YAML front matter, read with the workbench's safe YAML reader (no
tags, anchors or aliases), names the licence, the base model and the
datasets. ``config.json`` (the Hugging Face transformers layout) names the
architecture and the model type.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from workbench.errors import InputError
from workbench.model._yaml import parse_yaml
from workbench.scan._core import LIMITS, FolderInfo, Limits, Refused

__all__ = ["read_folder_info"]

_TEXT_LIMIT = 200


def _read(path: Path, display: str, limits: Limits) -> str:
    size = path.stat().st_size
    if size > limits.document_bytes:
        raise Refused(f"{display}: {size:,} bytes, more than the {limits.document_bytes:,} read "
                      "from a model folder: refused")
    with path.open("rb") as handle:
        raw = handle.read(limits.document_bytes + 1)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Refused(f"{display}: not UTF-8 text (byte {exc.start})") from None


def _texts(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items[:50]:
        if isinstance(item, (str, int, float)) and not isinstance(item, bool):
            text = " ".join(str(item).split())[:_TEXT_LIMIT]
            if text and text not in out:
                out.append(text)
    return out


def front_matter(text: str, display: str) -> dict[str, Any] | None:
    """The YAML front matter of a Markdown file, or ``None`` when it has none."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return None
    for i, line in enumerate(lines[1:], start=1):
        if line.strip() in ("---", "..."):
            try:
                data, _, _ = parse_yaml("\n".join(lines[1:i]) + "\n", display)
            except InputError as exc:
                raise Refused(f"the model card front matter: {exc}") from None
            return data if isinstance(data, dict) else None
    raise Refused(f"{display}: the front matter starts with '---' but never ends")


def read_folder_info(folder: Path, display: str, limits: Limits = LIMITS) -> FolderInfo | None:
    """The folder's ``config.json`` and model card facts, or ``None`` when it has neither."""
    info = FolderInfo(path=display)
    config_path = folder / "config.json"
    card_path = folder / "README.md"
    if config_path.is_file() and not config_path.is_symlink():
        shown = f"{display.rstrip('/')}/config.json"
        try:
            config = json.loads(_read(config_path, shown, limits))
        except (ValueError, RecursionError):
            raise Refused(f"{shown}: not valid JSON") from None
        if isinstance(config, dict):
            info.sources.append(shown)
            arch = _texts(config.get("architectures"))
            if arch:
                info.architecture = arch[0]
            kind = _texts(config.get("model_type"))
            if kind:
                info.model_type = kind[0]
            if "transformers_version" in config:
                info.notes.append("saved with transformers " + ", ".join(_texts(config["transformers_version"])))
    if card_path.is_file() and not card_path.is_symlink():
        shown = f"{display.rstrip('/')}/README.md"
        card = front_matter(_read(card_path, shown, limits), shown)
        if card:
            info.model_card = shown
            info.sources.append(shown)
            licence = _texts(card.get("license"))
            if licence and licence[0] == "other" and card.get("license_name"):
                licence = _texts(card.get("license_name"))
            info.license = licence[0] if licence else None
            info.base_model = _texts(card.get("base_model"))
            info.datasets = _texts(card.get("datasets"))
            for key in ("model_creator", "developers", "organization"):
                found = _texts(card.get(key))
                if found:
                    info.supplier = found[0]
                    break
            for key in ("version", "model_version"):
                found = _texts(card.get(key))
                if found:
                    info.version = found[0]
                    break
            if not info.model_type:
                tag = _texts(card.get("pipeline_tag"))
                info.model_type = tag[0] if tag else None
        else:
            info.notes.append(f"{shown} has no model card front matter: not read")
    return info if info.sources else None
