"""The importer skeleton every format shares (workbench/interop/_base.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.errors import InputError
from workbench.export.aibom import aibom, aibom_text
from workbench.interop import import_model
from workbench.interop._base import Importer
from workbench.interop.cyclonedx_import import _CdxImport, cyclonedx_from_data
from workbench.interop.mcp import _McpImport, mcp_from_data
from workbench.interop.otm import _OtmImport, otm_from_data
from workbench.interop.threagile import _ThreagileImport, threagile_from_data
from workbench.interop.threat_dragon import _TdImport, threat_dragon_from_data
from workbench.interop.tmbom import _TmbomImport, tmbom_from_data
from workbench.model import load_template

PEERS = Path(__file__).resolve().parents[2] / "shared" / "upstream" / "peers"

IMPORTERS = [_CdxImport, _McpImport, _OtmImport, _ThreagileImport, _TdImport, _TmbomImport]


def test_every_importer_is_an_importer_with_its_tool_and_expectation():
    tools = set()
    for cls in IMPORTERS:
        assert issubclass(cls, Importer), cls
        assert cls.tool and cls.expected, cls
        tools.add(cls.tool)
    assert len(tools) == len(IMPORTERS)


@pytest.mark.parametrize(
    ("from_data", "shape"),
    [
        (threagile_from_data, "a mapping"),
        (threat_dragon_from_data, "a mapping"),
        (otm_from_data, "a mapping"),
        (tmbom_from_data, "a mapping"),
        (cyclonedx_from_data, "an object"),
        (mcp_from_data, "an object"),
    ],
)
def test_a_top_level_that_is_not_a_mapping_is_refused_by_name(from_data, shape):
    with pytest.raises(InputError) as err:
        from_data(["not", "a", "mapping"], "doc.json")
    message = str(err.value)
    assert message.startswith(f"doc.json: the top level is not {shape}: expected ")


def _aibom(tmp_path: Path) -> Path:
    path = tmp_path / "bom.cdx.json"
    path.write_text(aibom_text(aibom(load_template("support-assistant"))), "utf-8")
    return path


def _mcp(tmp_path: Path) -> Path:
    path = tmp_path / "mcp.json"
    config = {"mcpServers": {"files": {"command": "npx", "args": ["-y", "server-files@1.0.0"]}}}
    path.write_text(json.dumps(config), "utf-8")
    return path


@pytest.mark.parametrize(
    ("make", "tool"),
    [
        (lambda _t: PEERS / "threagile" / "threagile-example-model.yaml", "threagile"),
        (lambda _t: PEERS / "threat-dragon" / "demo-threat-model.json", "threat-dragon"),
        (lambda _t: PEERS / "threat-dragon" / "mobile-cloud.otm.json", "otm"),
        (lambda _t: PEERS / "threat-dragon" / "huskyai.tmbom.json", "tmbom"),
        (_aibom, "cyclonedx"),
        (_mcp, "mcp"),
    ],
)
def test_every_import_counts_what_the_model_holds_and_names_its_file(tmp_path, make, tool):
    path = make(tmp_path)
    model, report = import_model(path)
    assert report.format == tool
    assert report.components == len(model.components()) > 0
    assert report.flows == len(model.flows())
    assert report.zones == len(model.zones()) > 0
    assert model.source == str(path)
