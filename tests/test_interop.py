"""Interchange: Threat Dragon, OTM and Threagile imports; OTM export; the CLI commands.

Every importer runs on every example file in ``../shared/upstream/peers`` and its
counts are checked against numbers computed here, independently, from the raw
file. The golden file in ``tests/golden/otm/`` is the expected OTM export of one
template; regenerate it with::

    UPDATE_GOLDEN=1 python -m pytest tests/test_interop.py

Without ``UPDATE_GOLDEN=1`` the tests only compare and never write there.
"""

from __future__ import annotations

import copy
import difflib
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from workbench import cli
from workbench.errors import InputError
from workbench.interop import (
    ImportReport,
    detect_format,
    export_otm,
    import_model,
    import_otm,
    import_threagile,
    import_threat_dragon,
    save_otm,
)
from workbench.interop._common import (
    MAX_DESCRIPTION,
    MAX_NAME,
    IdSpace,
    load_yaml_with_aliases,
    slugify,
)
from workbench.interop.otm import (
    KIND_TO_TYPE,
    dumps_otm,
    kind_for_type,
    otm_from_data,
    rating_to_trust,
    trust_to_rating,
)
from workbench.interop.threagile import kind_for_asset
from workbench.interop.threat_dragon import guess_kind, threat_dragon_from_data
from workbench.model import (
    KINDS,
    SystemModel,
    load_model,
    load_template,
    save_model,
    template_names,
)
from workbench.model._yaml import parse_yaml

GOLDEN = Path(__file__).parent / "golden" / "otm"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
GOLDEN_TEMPLATE = "support-assistant"

#: The Threat Dragon demo models the brief names; demo-threat-model is in fact v1.
TD_NAMED = {
    "demo-threat-model",
    "cryptocurrency-wallet",
    "generic-cms",
    "iot-device",
    "online-game",
    "payment-online",
    "renting-car",
    "three-tier-web-app",
    "v2-new-model",
    "v2-threat-model",
}
TD_V1 = {"demo-threat-model"}
OTM_FILES = ("mobile-cloud.otm.json", "example-open-threat-model.json")
THREAGILE_FILES = ("threagile-example-model.yaml", "threagile-stub-model.yaml")


def check_golden(name: str, actual: str) -> None:
    """Compare *actual* with the golden file *name*; write it only when UPDATE_GOLDEN=1."""
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8", newline="\n")
        return
    assert path.is_file(), f"missing golden file {path}: run with UPDATE_GOLDEN=1 to create it"
    expected = path.read_text(encoding="utf-8")
    if expected != actual:
        diff = "".join(
            list(
                difflib.unified_diff(
                    expected.splitlines(keepends=True),
                    actual.splitlines(keepends=True),
                    fromfile=f"golden/{name}",
                    tofile="actual",
                )
            )[:80]
        )
        pytest.fail(f"{name} differs from the golden file (UPDATE_GOLDEN=1 to accept):\n{diff}")


def assert_valid(model: SystemModel, tmp_path: Path) -> None:
    """The model validates as a file and survives saving and loading."""
    again = SystemModel.from_dict(model.to_dict())
    assert again == model
    path = tmp_path / f"{model.id}.yaml"
    save_model(model, path)
    assert load_model(path) == model


def normalised(model: SystemModel) -> dict[str, Any]:
    """The model as data with zones, components and flows keyed by id (order-free)."""
    data = model.to_dict()
    for key in ("zones", "components", "flows"):
        data[key] = {entry["id"]: entry for entry in data.get(key, [])}
    return data


def entries(
    report: ImportReport, category: str | None = None, what: str | None = None
) -> list[Any]:
    return [
        e
        for e in report.entries
        if (category is None or e.category == category)
        and (what is None or re.search(what, e.what))
    ]


@pytest.fixture(scope="module")
def peers(shared_dir: Path) -> Path:
    path = shared_dir / "upstream" / "peers"
    assert path.is_dir(), f"missing {path}"
    return path


# =====================================================================================
# Threat Dragon
# =====================================================================================


def td_shapes(data: dict[str, Any]) -> dict[str, Any]:
    """Independent reading of a TD v2 file: what the importer should produce."""
    shapes, boxes, flows, curves, threats = {}, [], [], 0, 0
    for diagram in data["detail"]["diagrams"]:
        for cell in diagram["cells"]:
            shape = cell.get("shape")
            if shape in ("actor", "process", "store", "flow"):
                threats += len((cell.get("data") or {}).get("threats") or [])
            if shape in ("actor", "process", "store"):
                shapes[cell["id"]] = cell
            elif shape == "trust-boundary-box":
                boxes.append(cell)
            elif shape == "trust-boundary-curve":
                curves += 1
            elif shape == "flow":
                flows.append(cell)

    def inside(cell: dict[str, Any], box: dict[str, Any]) -> bool:
        cx = cell["position"]["x"] + cell["size"]["width"] / 2
        cy = cell["position"]["y"] + cell["size"]["height"] / 2
        bx, by = box["position"]["x"], box["position"]["y"]
        return bx <= cx <= bx + box["size"]["width"] and by <= cy <= by + box["size"]["height"]

    outside = [c for c in shapes.values() if not any(inside(c, b) for b in boxes)]
    connected = [
        f
        for f in flows
        if f.get("source", {}).get("cell") in shapes and f.get("target", {}).get("cell") in shapes
    ]
    bidirectional = [f for f in connected if f["data"].get("isBidirectional")]
    return {
        "components": len(shapes),
        "flows": len(connected) + len(bidirectional),
        "zones": len(boxes) + (1 if outside else 0),
        "outside": len(outside),
        "curves": curves,
        "threats": threats,
        "dangling": len(flows) - len(connected),
        "names": sorted(" ".join(str(c["data"]["name"]).split()) for c in shapes.values()),
    }


def td_files(peers: Path) -> dict[str, Path]:
    return {p.stem: p for p in sorted((peers / "threat-dragon").glob("*.json"))}


def is_td_v2(path: Path) -> bool:
    data = json.loads(path.read_text(encoding="utf-8"))
    return (
        isinstance(data, dict)
        and str(data.get("version", "")).startswith("2")
        and all("cells" in d for d in data.get("detail", {}).get("diagrams", []))
    )


def test_td_example_files_are_the_expected_ones(peers: Path) -> None:
    files = td_files(peers)
    v2 = {name for name, path in files.items() if is_td_v2(path)}
    assert v2 == TD_NAMED - TD_V1
    assert set(files) >= TD_NAMED


@pytest.mark.parametrize("name", sorted(TD_NAMED - TD_V1))
def test_td_import_counts(name: str, peers: Path, tmp_path: Path) -> None:
    path = td_files(peers)[name]
    expected = td_shapes(json.loads(path.read_text(encoding="utf-8")))
    model, report = import_threat_dragon(path)
    assert len(model.components()) == report.components == expected["components"]
    assert len(model.flows()) == report.flows
    # flows whose ends stop near a shape snap to it; the others are reported
    snapped = len(entries(report, "note", r"(source|target) point"))
    dangling = [e for e in entries(report, "unmapped") if "flow not imported" in e.why]
    assert report.flows >= expected["flows"]
    assert len(dangling) <= expected["dangling"] and snapped >= expected["dangling"] - len(dangling)
    if expected["curves"] == 0:
        assert len(model.zones()) == report.zones == expected["zones"]
    else:  # curves split the canvas into regions: at least two zones, every trust explained
        assert report.zones >= 2
        assert len({z.trust for z in model.zones()}) >= 2
    assert sorted(c.name for c in model.components()) == expected["names"]
    # curves are used, not dropped; every threat on a shape or flow is kept
    assert not entries(report, "unmapped", "trust boundary curve")
    assert len(report.threats) == expected["threats"]
    for zone in model.zones():
        assert entries(report, "assumption", f"^trust {zone.trust}$"), zone.id
    if expected["outside"] and not expected["curves"]:
        assert model.zone("outside").trust == 0
    assert_valid(model, tmp_path)
    assert report.format == "threat-dragon"
    assert detect_format(path) == "threat-dragon"


def test_td_v1_demo_model_imports_with_its_boundaries_as_zones(peers: Path, tmp_path: Path) -> None:
    path = tmp_path / "demo-threat-model.json"
    shutil.copy(td_files(peers)["demo-threat-model"], path)
    model, report = import_threat_dragon(path)
    assert entries(report, "note", "Threat Dragon v1")
    assert len(model.components()) == 7 and len(model.flows()) == 10
    trust = {c.id: model.zone(c.zone).trust for c in model.components()}
    assert trust["browser"] == 0
    assert trust["web-application"] > trust["browser"]
    assert trust["database"] > trust["web-application"]
    assert len(set(trust.values())) >= 3
    # the public-network flows reach the web application: it is internet facing
    assert model.component("web-application").get("internet_facing") is True
    assert entries(report, "note", "crosses a trust boundary")
    assert len(report.threats) == 14
    assert_valid(model, tmp_path)


def test_td_details_of_v2_threat_model(peers: Path) -> None:
    model, report = import_threat_dragon(td_files(peers)["v2-threat-model"])
    assert model.name == "Demo Threat Model" and model.fact("owner") == "Mike Goodwin"
    assert {c.id: c.kind for c in model.components()} == {
        "worker-config": "data_store",
        "database": "data_store",
        "web-application-config": "data_store",
        "message-queue": "data_store",
        "background-worker-process": "application",
        "web-application": "application",
        "browser": "actor",
    }
    # storesCredentials -> secret (assumed); outOfScope -> tag; multi-line names joined
    assert model.component("worker-config").get("sensitivity") == "secret"
    assert "out-of-scope" in model.component("web-application-config").get("tags")
    assert model.component("background-worker-process").name == "Background Worker Process"
    encrypted = [f for f in model.flows() if f.encrypted]
    assert {f.name for f in encrypted} == {
        "Web Request",  # its source stops near the browser: snapped, no longer dropped
        "Web Response",
        "Queries",
        "Web App Query Results",
    }
    assert next(f for f in model.flows() if f.name == "Web Response").protocol == "HTTP/S"
    assert all(re.fullmatch(r"flow-[0-9a-f]{8}(-reverse)?", f.id) for f in model.flows())
    assert entries(report, "note", "isPublicNetwork")
    assert entries(report, "assumption", "sensitivity secret")
    assert model.component("web-application").get("internet_facing") is True
    # the web request starts 10 units from the browser: it snaps to it
    request = next(f for f in model.flows() if f.name == "Web Request")
    assert request.source == "browser"
    trust = {c.id: model.zone(c.zone).trust for c in model.components()}
    assert trust["browser"] == 0 < trust["web-application"] < trust["database"]


def test_td_zones_follow_boxes(peers: Path) -> None:
    model, report = import_threat_dragon(td_files(peers)["online-game"])
    zones = {z.id: z.trust for z in model.zones()}
    assert zones == {"player-s-local-machine": 1, "production-network": 1, "corp-network": 1}
    assert model.component("customer-support").zone == "corp-network"
    assert model.component("player-database").zone == "production-network"
    assert entries(report, "assumption", "trust 1")


def td_cell(
    shape: str,
    cid: str,
    name: str,
    x: float = 0,
    y: float = 0,
    w: float = 100,
    h: float = 60,
    **data: Any,
) -> dict[str, Any]:
    types = {
        "actor": "tm.Actor",
        "process": "tm.Process",
        "store": "tm.Store",
        "trust-boundary-box": "tm.BoundaryBox",
        "trust-boundary-curve": "tm.Boundary",
        "td-text-block": "tm.Text",
    }
    return {
        "shape": shape,
        "id": cid,
        "position": {"x": x, "y": y},
        "size": {"width": w, "height": h},
        "data": {"type": types[shape], "name": name, **data},
    }


def td_flow(
    cid: str, source: str | None, target: str, name: str = "", **data: Any
) -> dict[str, Any]:
    return {
        "shape": "flow",
        "id": cid,
        "source": {"cell": source} if source else {"x": 1, "y": 2},
        "target": {"cell": target},
        "data": {"type": "tm.Flow", "name": name, **data},
    }


def td_doc(*cells: dict[str, Any], version: str = "2.3.0") -> dict[str, Any]:
    return {
        "version": version,
        "summary": {"title": "Synthetic", "owner": "Team"},
        "detail": {"diagrams": [{"id": 0, "title": "D", "cells": list(cells)}]},
    }


def test_td_nested_boxes_and_outside() -> None:
    doc = td_doc(
        td_cell("trust-boundary-box", "b-outer", "Corp", 0, 0, 1000, 1000),
        td_cell("trust-boundary-box", "b-inner", "Restricted", 100, 100, 300, 300),
        td_cell("trust-boundary-box", "b-core", "", 150, 150, 100, 100),
        td_cell("actor", "a1", "User", 2000, 0),
        td_cell("process", "p1", "Front end", 500, 500),
        td_cell("process", "p2", "Back end", 300, 300),
        td_cell("store", "s1", "Vault", 160, 160, 40, 40),
        td_flow(
            "f1aaaaaaaa",
            "a1",
            "p1",
            "request",
            isEncrypted=True,
            protocol="https",
            isBidirectional=True,
        ),
        td_flow("f2bbbbbbbb", None, "p2"),
    )
    model, report = threat_dragon_from_data(doc, "synthetic.json")
    assert {z.id: z.trust for z in model.zones()} == {
        "corp": 1,
        "restricted": 2,
        "trust-boundary-1": 3,
        "outside": 0,
    }
    assert {c.id: c.zone for c in model.components()} == {
        "user": "outside",
        "front-end": "corp",
        "back-end": "restricted",
        "vault": "trust-boundary-1",
    }
    assert [(f.id, f.source, f.target, f.encrypted, f.protocol) for f in model.flows()] == [
        ("flow-f1aaaaaa", "user", "front-end", True, "https"),
        ("flow-f1aaaaaa-reverse", "front-end", "user", True, "https"),
    ]
    assert entries(report, "unmapped", "source")  # the dangling flow
    assert model.entry_points()[0].id == "user"


def test_td_guessed_ai_kinds() -> None:
    doc = td_doc(
        td_cell("process", "p1", "Support LLM"),
        td_cell("process", "p2", "Fraud classifier"),
        td_cell("process", "p3", "Data model service"),
        td_cell("process", "p4", "Inference API"),
        td_cell("process", "p5", "Helper", description="An AI agent that books trips"),
        td_cell("store", "s1", "Vector DB"),
        td_cell("store", "s2", "Training data"),
        td_cell("store", "s3", "Orders"),
        td_cell("actor", "a1", "Model citizen"),
    )
    model, report = threat_dragon_from_data(doc, "x.json")
    kinds = {c.name: c.kind for c in model.components()}
    assert kinds == {
        "Support LLM": "model",
        "Fraud classifier": "model",
        "Data model service": "application",
        "Inference API": "inference_endpoint",
        "Helper": "agent",
        "Vector DB": "vector_store",
        "Training data": "dataset",
        "Orders": "data_store",
        "Model citizen": "actor",
    }
    guessed = entries(report, "guessed")
    assert len(guessed) == 6
    # every guess says what it was based on: the field, the phrase and the entry
    assert all(
        re.search(r"^(name|description) '.+' matches '.+' \(.+\): check it$", e.why)
        for e in guessed
    )
    assert guess_kind("process", "Threat model editor") is None
    assert guess_kind("process", "GPT-4o gateway") == "model"


def test_td_check_boxes_become_attributes_or_tags() -> None:
    doc = td_doc(
        td_cell("actor", "a1", "Admin", providesAuthentication=True),
        td_cell(
            "process",
            "p1",
            "Shop",
            isWebApplication=True,
            handlesCardPayment=True,
            privilegeLevel="Root user",
            outOfScope=True,
            reasonOutOfScope="vendor's",
        ),
        td_cell(
            "store",
            "s1",
            "Logs",
            isALog=True,
            isEncrypted=True,
            isSigned=False,
            threats=[{"title": "t1"}, {"title": "t2"}],
        ),
    )
    model, report = threat_dragon_from_data(doc, "x.json")
    assert model.component("admin").get("authenticated") is True
    assert model.component("shop").get("tags") == (
        "web-application",
        "handles-card-payment",
        "privilege-level:root-user",
        "out-of-scope",
    )
    logs = model.component("logs")
    assert logs.get("encrypted_at_rest") is True and logs.get("tags") == ("log",)
    assert "signed" not in logs.get("tags")  # false check boxes are unstated
    assert len(report.threats) == 2 and {t.element for t in report.threats} == {"logs"}
    assert any("vendor's" in e.why for e in entries(report, "note"))


def test_td_hostile_and_long_text_is_kept_as_text(tmp_path: Path) -> None:
    long_name = "N" * 5000
    doc = td_doc(
        td_cell(
            "process",
            "p1",
            "{{7*7}} !!python/object:os.system $(rm -rf /)",
            description="<script>alert(1)</script>\x00\x1b[31m",
        ),
        td_cell("process", "p2", long_name, description="d" * (MAX_DESCRIPTION + 10)),
        td_cell("process", "p3", "   "),
    )
    model, report = threat_dragon_from_data(doc, "x.json")
    first = model.component("7-7-python-object-os-system-rm-rf")
    assert first.name == "{{7*7}} !!python/object:os.system $(rm -rf /)"
    assert first.description == "<script>alert(1)</script>[31m"
    second = next(c for c in model.components() if c.name.startswith("NNN"))
    assert len(second.name) == MAX_NAME and second.name.endswith("…")
    assert len(second.description or "") == MAX_DESCRIPTION
    assert len(entries(report, "truncated")) == 2
    assert model.component("p3").kind == "application"  # no name: the cell id
    assert_valid(model, tmp_path)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("not json at all", "not valid JSON"),
        ("[1, 2]", "not a mapping"),
        ('{"version": "2.3.0", "summary": {"title": "x"}}', "no 'summary' and 'detail'"),
        ('{"version": "3.0.0", "summary": {}, "detail": {"diagrams": []}}', "not supported"),
        ('{"version": "2.1", "summary": {}, "detail": {"diagrams": {}}}', "diagrams"),
        ('{"version": 2, "summary": {}, "detail": {"diagrams": []}}', "not supported"),
        ('{"otmVersion": "0.2.0", "project": {}}', "--from otm"),
        ('{"v": NaN}', "NaN"),
        ("", "empty"),
    ],
)
def test_td_bad_input(text: str, needle: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        import_threat_dragon(path)
    message = str(info.value)
    assert needle in message and str(path) in message and "\n" not in message


def test_td_without_version_is_read_as_v2() -> None:
    doc = td_doc(td_cell("actor", "a1", "User"))
    del doc["version"]
    model, report = threat_dragon_from_data(doc, "x.json")
    assert len(model.components()) == 1
    assert entries(report, "assumption", "missing")


def test_td_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        import_threat_dragon(tmp_path / "missing.json")
    binary = tmp_path / "b.json"
    binary.write_bytes(b"\xff\xfe\x00{")
    with pytest.raises(InputError, match="not UTF-8"):
        import_threat_dragon(binary)
    with pytest.raises(InputError, match="folder"):
        import_threat_dragon(tmp_path)


# =====================================================================================
# Open Threat Model
# =====================================================================================


@pytest.mark.parametrize("name", OTM_FILES)
def test_otm_import_counts(name: str, peers: Path, tmp_path: Path) -> None:
    path = peers / "threat-dragon" / name
    raw = json.loads(path.read_text(encoding="utf-8"))
    model, report = import_otm(path)
    assert len(model.components()) == report.components == len(raw["components"])
    bidirectional = sum(1 for f in raw["dataflows"] if f.get("bidirectional"))
    assert len(model.flows()) == report.flows == len(raw["dataflows"]) + bidirectional
    assert len(model.zones()) == report.zones == len(raw["trustZones"])
    assert sorted(c.name for c in model.components()) == sorted(
        c["name"] for c in raw["components"]
    )
    # every threat reference on a component or flow is kept to carry over
    refs = [
        (e["id"], r["threat"])
        for e in [*raw["components"], *raw["dataflows"]]
        for r in e.get("threats") or []
    ]
    assert len(report.threats) == len(refs)
    assert {t.original_id for t in report.threats} == {t for _, t in refs}
    assert all(t.tool == "OTM" and t.file == str(path) for t in report.threats)
    unused = {t["id"] for t in raw["threats"]} - {t for _, t in refs}
    if unused:
        assert entries(report, "unmapped", r"threats?$")
    assert_valid(model, tmp_path)
    assert detect_format(path) == "otm"


def test_otm_mobile_cloud_mapping(peers: Path) -> None:
    model, report = import_otm(peers / "threat-dragon" / "mobile-cloud.otm.json")
    assert {c.id: (c.kind, c.zone) for c in model.components()} == {
        "accounting-postgresql": ("data_store", "public-cloud"),
        "mobile-client": ("actor", "internet"),
        "public-api-v2": ("application", "public-cloud"),
        "azure-file-storage": ("data_store", "public-cloud"),
    }
    assert {z.id: z.trust for z in model.zones()} == {"internet": 0, "public-cloud": 0}
    assert entries(report, "assumption", "trust levels")
    assert entries(report, "unmapped", "component properties")


def test_otm_example_mapping(peers: Path) -> None:
    model, report = import_otm(peers / "threat-dragon" / "example-open-threat-model.json")
    assert model.id == "test-project" and model.fact("owner") == "John Doe"
    assert {z.id: z.trust for z in model.zones()} == {"internet": 1, "private": 4}
    assert {c.id: c.kind for c in model.components()} == {
        "web-client": "actor",
        "web-service": "application",
        "customer-database": "data_store",
        "class-customerdatabase": "application",
    }
    assert model.component("web-client").get("tags") == ("external",)
    assert {f.id for f in model.flows()} == {
        "webclient-to-webservice",
        "webclient-to-webservice-reverse",
        "cc-store-in-db",
        "cc-store-in-db-reverse",
    }
    assert entries(report, "unmapped", "ownerContact")
    assert entries(report, "unmapped", "data asset")


def test_otm_yaml_gives_the_same_model(peers: Path, tmp_path: Path) -> None:
    source = peers / "threat-dragon" / "example-open-threat-model.json"
    data = json.loads(source.read_text(encoding="utf-8"))
    path = tmp_path / "example.otm.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    from_json, _ = import_otm(source)
    from_yaml, _ = import_otm(path)
    assert from_yaml == from_json


def otm_doc(**sections: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "otmVersion": "0.2.0",
        "project": {"name": "P", "id": "p"},
        "trustZones": [{"id": "tz-net", "name": "Net", "risk": {"trustRating": 30}}],
    }
    doc.update(sections)
    return doc


def test_otm_parents_types_and_orphans() -> None:
    doc = otm_doc(
        components=[
            {"id": "host", "name": "Host", "type": "ec2", "parent": {"trustZone": "tz-net"}},
            {"id": "app", "name": "App", "type": "something-odd", "parent": {"component": "host"}},
            {"id": "llm", "name": "LLM", "type": "openai-gpt", "parent": {"trustZone": "tz-net"}},
            {
                "id": "lost",
                "name": "Lost",
                "type": "web-service",
                "parent": {"trustZone": "nowhere"},
            },
            {
                "id": "loop1",
                "name": "Loop",
                "type": "web-service",
                "parent": {"component": "loop2"},
            },
            {
                "id": "loop2",
                "name": "Loop 2",
                "type": "web-service",
                "parent": {"component": "loop1"},
            },
            {
                "id": "old",
                "name": "Old style",
                "type": "database",
                "parent": {"id": "tz-net", "type": "trustZone"},
            },
        ],
        dataflows=[
            {"id": "f1", "name": "F1", "source": "host", "destination": "llm"},
            {"id": "f2", "name": "F2", "source": "tz-net", "destination": "llm"},
            {"id": "f3", "name": "F3", "source": "app", "target": "old"},
        ],
    )
    model, report = otm_from_data(doc, "doc.json")
    comps = {c.id: (c.kind, c.zone) for c in model.components()}
    assert comps == {
        "host": ("application", "tz-net"),
        "app": ("application", "tz-net"),
        "llm": ("model", "tz-net"),
        "lost": ("application", "unassigned"),
        "loop1": ("application", "unassigned"),
        "loop2": ("application", "unassigned"),
        "old": ("data_store", "tz-net"),
    }
    assert model.zone("tz-net").trust == 1
    doc["trustZones"][0]["risk"]["trustRating"] = "80"
    assert otm_from_data(doc, "doc.json")[0].zone("tz-net").trust == 3
    doc["trustZones"][0]["risk"] = {}
    model, report = otm_from_data(doc, "doc.json")
    assert (
        model.zone("tz-net").trust == 0
        and entries(report, "assumption", "^trust$")
        and model.zone("unassigned").trust == 0
    )
    assert [f.id for f in model.flows()] == ["f1", "f3"]
    assert entries(report, "unmapped", "source 'tz-net'")[0].why.startswith("a trust zone")
    assert entries(report, "guessed", "something-odd")[0].why.startswith("type not recognised")
    (llm,) = [e for e in entries(report, "guessed", "kind model") if "openai-gpt" in e.why]
    assert llm.why.startswith("type 'openai-gpt' matches 'openai'")
    assert entries(report, "unmapped", "parent component 'loop")
    assert entries(report, "note", "parent component")


@pytest.mark.parametrize(
    ("doc", "needle"),
    [
        ({"project": {"id": "x", "name": "x"}}, "no 'otmVersion'"),
        ({"otmVersion": "0.2.0"}, "no 'project'"),
        (
            {"otmVersion": "0.2.0", "project": {"id": "p", "name": "p"}, "components": {}},
            "'components' must be a list",
        ),
        ({"otmVersion": True, "project": {"id": "p", "name": "p"}}, "otmVersion"),
        ({"summary": {}, "detail": {}}, "--from threat-dragon"),
        ({"technical_assets": {}}, "--from threagile"),
    ],
)
def test_otm_bad_documents(doc: dict[str, Any], needle: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.otm.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(InputError) as info:
        import_otm(path)
    assert needle in str(info.value) and str(path) in str(info.value)


def test_otm_bad_syntax(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("otmVersion: [unclosed\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"not valid YAML.*Open Threat Model"):
        import_otm(path)
    path.write_text("otmVersion: !!python/object:os.system x\n", encoding="utf-8")
    with pytest.raises(InputError, match="tags are not allowed"):
        import_otm(path)


def test_kind_for_type_table() -> None:
    # exported types are the plain ones other tools draw; the kind travels in
    # workbench:kind; the types earlier versions wrote still read back exactly
    from workbench.interop.otm import LEGACY_TYPES

    assert set(KIND_TO_TYPE.values()) == {"actor", "generic-service", "database"}
    for kind, otm_type in LEGACY_TYPES.items():
        assert kind_for_type(otm_type) == (kind, "exact")
    assert set(KIND_TO_TYPE) == set(KINDS)
    assert kind_for_type("CD-MICROSOFT-AZURE-DB-POSTGRESQL") == ("data_store", "keyword")
    assert kind_for_type("android-device-client") == ("actor", "exact")
    assert kind_for_type("aws-sqs-queue") == ("application", "keyword")
    assert kind_for_type("sagemaker-inference") == ("inference_endpoint", "guessed")
    assert kind_for_type("pinecone") == ("vector_store", "guessed")
    assert kind_for_type("mcp-server") == ("tool", "guessed")
    assert kind_for_type("zzz") == ("application", "unknown")
    assert kind_for_type(None) == ("application", "unknown")


def test_trust_rating_mapping() -> None:
    for trust in range(5):
        assert rating_to_trust(trust_to_rating(trust)) == trust
    assert [rating_to_trust(r) for r in (0, 12, 13, 37, 38, 62, 63, 87, 88, 100, 150, -5)] == [
        0,
        0,
        1,
        1,
        2,
        2,
        3,
        3,
        4,
        4,
        4,
        0,
    ]
    assert trust_to_rating(9) == 100


# =====================================================================================
# Threagile
# =====================================================================================


def threagile_expected(path: Path) -> dict[str, int]:
    """Independent reading with PyYAML (which expands the file's anchors and merge keys)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assets = data["technical_assets"]
    ids = {a["id"] for a in assets.values()}
    flows = 0
    for asset in assets.values():
        for link in (asset.get("communication_links") or {}).values():
            if link["target"] in ids:
                flows += 1 + (1 if link.get("data_assets_received") else 0)
    inside = {
        a
        for b in (data.get("trust_boundaries") or {}).values()
        for a in (b.get("technical_assets_inside") or [])
    }
    boundaries = len(data.get("trust_boundaries") or {})
    return {
        "components": len(assets),
        "flows": flows,
        "zones": boundaries + (1 if ids - inside else 0),
        "risk_tracking": len(data.get("risk_tracking") or {}),
    }


@pytest.mark.parametrize("name", THREAGILE_FILES)
def test_threagile_import_counts(name: str, peers: Path, tmp_path: Path) -> None:
    path = peers / "threagile" / name
    expected = threagile_expected(path)
    model, report = import_threagile(path)
    assert len(model.components()) == report.components == expected["components"]
    assert len(model.flows()) == report.flows == expected["flows"]
    assert len(model.zones()) == report.zones == expected["zones"]
    if expected["risk_tracking"]:
        # every entry is carried over, or reported with the reason it cannot be
        kept = {t.original_id for t in report.threats if t.tool == "Threagile"}
        reported = {e.element for e in report.entries if e.element.startswith("risk_tracking ")}
        assert (
            len(kept) + len(reported - {f"risk_tracking {k!r}" for k in kept})
            == expected["risk_tracking"]
        )
    assert entries(report, "assumption", "trust levels")
    assert_valid(model, tmp_path)
    assert detect_format(path) == "threagile"


def test_threagile_example_uses_anchors_the_strict_reader_refuses(peers: Path) -> None:
    text = (peers / "threagile" / "threagile-example-model.yaml").read_text(encoding="utf-8")
    with pytest.raises(InputError, match="anchors"):
        parse_yaml(text, "x.yaml")
    data = load_yaml_with_aliases(text, "x.yaml")

    def dates_as_text(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: dates_as_text(v) for k, v in value.items()}
        if isinstance(value, list):
            return [dates_as_text(v) for v in value]
        return value.isoformat() if hasattr(value, "isoformat") else value

    assert data == dates_as_text(yaml.safe_load(text))


def test_threagile_example_mapping(peers: Path) -> None:
    model, report = import_threagile(peers / "threagile" / "threagile-example-model.yaml")
    assert model.name == "Some Example Application"
    zones = {z.id: z.trust for z in model.zones()}
    assert zones == {
        "web-dmz": 3,
        "erp-dmz": 3,
        "application-network": 2,
        "auth-env": 2,
        "dev-network": 3,
        "internet": 0,
    }
    c = {comp.id: comp for comp in model.components()}
    assert c["customer-client"].kind == "actor" and c["customer-client"].zone == "internet"
    assert "out-of-scope" in c["customer-client"].get("tags")
    assert c["sql-database"].kind == "data_store"
    assert c["sql-database"].get("sensitivity") == "secret"  # strictly-confidential
    assert c["sql-database"].get("encrypted_at_rest") is True
    assert c["contract-file-server"].get("encrypted_at_rest") is False
    assert c["erp-system"].get("criticality") == "critical"  # mission-critical
    assert c["identity-provider"].kind == "application"
    assert c["identity-provider"].zone == "auth-env"
    assert c["apache-webserver"].zone == "web-dmz"  # the innermost boundary
    flows = {f.id: f for f in model.flows()}
    assert flows["customer-traffic"].encrypted is True
    assert flows["customer-traffic"].authenticated is True
    assert flows["customer-traffic-response"].source == "load-balancer"
    assert flows["cms-content-traffic"].authenticated is False
    assert flows["web-application-traffic"].encrypted is False  # http
    assert flows["erp-internal-access"].encrypted is True  # https and a vpn
    assert model.entry_points() and "customer-client" in [e.id for e in model.entry_points()]
    assert entries(report, "unmapped", "link authorization")
    assert entries(report, "unmapped", "abuse cases")


THREAGILE_SYNTHETIC = """\
threagile_version: 1.0.0
title: Synthetic
data_assets:
  Profiles:
    id: profiles
    tags: [PII]
    confidentiality: confidential
  Weights:
    id: weights
    confidentiality: internal
technical_assets:
  Scorer: &base
    id: scorer
    type: process
    technologies: [machine-learning]
    internet: true
    integrity: important
    availability: archive
    communication_links:
      Store profiles:
        target: db
        protocol: jdbc-encrypted
        authentication: credentials
        data_assets_sent: [profiles, weights]
        data_assets_received: [profiles]
  Copy:
    <<: *base
    id: copy
    technologies: [quantum-gizmo]
    communication_links:
  DB:
    id: db
    type: datastore
    technology: db
    encryption: none
  Partner API:
    id: partner
    type: external-entity
    technology: web-service-rest
    communication_links:
      Push:
        target: nowhere
trust_boundaries:
  Env:
    id: env
    type: execution-environment
    technical_assets_inside: [scorer, copy, ghost]
  Net:
    id: net
    type: network-on-prem
    technical_assets_inside: [db, scorer]
    trust_boundaries_nested: [env]
"""


def test_threagile_synthetic_mapping(tmp_path: Path) -> None:
    path = tmp_path / "threagile.yaml"
    path.write_text(THREAGILE_SYNTHETIC, encoding="utf-8")
    model, report = import_threagile(path)
    c = {comp.id: comp for comp in model.components()}
    assert c["scorer"].kind == "model" and c["scorer"].get("criticality") == "medium"
    assert c["copy"].kind == "application"  # merged from scorer, its own technology unknown
    assert entries(report, "guessed", "quantum-gizmo")
    assert c["partner"].kind == "external_service" and c["partner"].zone == "internet"
    assert c["db"].get("encrypted_at_rest") is False
    assert {z.id: z.trust for z in model.zones()} == {"env": 3, "net": 3, "internet": 0}
    assert c["scorer"].zone == "env"  # nested boundary wins
    flow = model.flow("store-profiles")
    # credentials authentication: the request carries credentials
    assert flow.data == ("personal_data", "credentials") and flow.encrypted is True
    assert flow.authenticated is True
    assert model.flow("store-profiles-response").data == ("personal_data",)
    assert entries(report, "unmapped", "target 'nowhere'")
    assert entries(report, "unmapped", "asset 'ghost'")
    assert entries(report, "unmapped", "data asset 'Weights'")
    assert entries(report, "unmapped", "^internet$")  # on the model kind
    assert_valid(model, tmp_path)


def test_kind_for_asset_table() -> None:
    assert kind_for_asset("external-entity", ["browser"]) == ("actor", "browser")
    assert kind_for_asset("process", ["ai"]) == ("model", "ai")
    assert kind_for_asset("datastore", ["file-server"]) == ("data_store", "file-server")
    assert kind_for_asset("process", ["siem"]) == ("monitoring", "monitoring")
    assert kind_for_asset("process", ["identity-provider"]) == ("application", "identity-provider")
    assert kind_for_asset("datastore", []) == ("data_store", None)
    assert kind_for_asset("external-entity", ["nonsense"]) == ("actor", None)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("title: x\n", "no 'technical_assets'"),
        ("technical_assets: [1, 2]\n", "must be a mapping"),
        ("threagile_version: 1\ntrust_boundaries: []\n", "'trust_boundaries' must be a mapping"),
        ("a: &a [1, *a]\n", "recursive"),
        ("technical_assets:\n  x: !!python/object/apply:os.system [ls]\n", "tags are not allowed"),
        ("otmVersion: 0.1.0\nproject: {}\n", "--from otm"),
        ("- 1\n- 2\n", "not a mapping"),
        ("key: [unclosed\n", "not valid YAML"),
        ("a: 1\n---\nb: 2\n", "more than one YAML document"),
    ],
)
def test_threagile_bad_input(text: str, needle: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        import_threagile(path)
    assert needle in str(info.value) and str(path) in str(info.value)
    assert "\n" not in str(info.value)


def test_alias_bomb_is_refused(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    lines.append("technical_assets: {}")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="alias bomb"):
        import_threagile(path)


def test_yaml_merge_semantics() -> None:
    text = """\
base: &b {a: 1, b: 2}
other: &o {b: 20, c: 30}
one: {<<: *b, a: 10}
many: {<<: [*o, *b], d: 4}
quoted: {"<<": 5}
"""
    data = load_yaml_with_aliases(text)
    assert data["one"] == {"a": 10, "b": 2}
    assert data["many"] == {"b": 20, "c": 30, "a": 1, "d": 4}
    assert data["quoted"] == {"<<": 5}
    data["one"]["a"] = 99
    assert data["base"]["a"] == 1  # copies, not shared objects
    with pytest.raises(InputError, match="merge key"):
        load_yaml_with_aliases("x: &x 1\ny: {<<: *x}\n")


# =====================================================================================
# OTM export
# =====================================================================================


def check_otm_shape(doc: dict[str, Any]) -> None:
    """The required fields of the OTM 0.2.0 schema, checked by hand."""
    assert isinstance(doc["otmVersion"], str)
    assert {"name", "id"} <= set(doc["project"])
    for z in doc["trustZones"]:
        assert {"id", "name", "risk"} <= set(z) and 0 <= z["risk"]["trustRating"] <= 100
    for c in doc["components"]:
        assert {"id", "name", "type", "parent"} <= set(c)
        assert set(c["parent"]) == {"trustZone"}
        assert all(isinstance(v, str) for v in c["attributes"].values())
    for f in doc["dataflows"]:
        assert {"id", "name", "source", "destination"} <= set(f)
    for t in doc.get("threats", []):
        assert {"id", "name", "risk"} <= set(t)
        assert 0 <= t["risk"]["likelihood"] <= 100 and 0 <= t["risk"]["impact"] <= 100
    for m in doc.get("mitigations", []):
        assert {"id", "name", "riskReduction"} <= set(m)
    for section in ("trustZones", "components", "dataflows", "threats", "mitigations"):
        ids = [e["id"] for e in doc.get(section, [])]
        assert ids == sorted(ids) and len(ids) == len(set(ids))


def test_golden_otm_export() -> None:
    doc = export_otm(load_template(GOLDEN_TEMPLATE))
    check_otm_shape(doc)
    check_golden(f"{GOLDEN_TEMPLATE}.otm.json", dumps_otm(doc, "json"))


@pytest.mark.parametrize("name", template_names())
def test_otm_round_trip(name: str, tmp_path: Path) -> None:
    model = load_template(name)
    doc = export_otm(model)
    check_otm_shape(doc)
    again, report = otm_from_data(json.loads(json.dumps(doc)), "x.json")
    assert normalised(again) == normalised(model)
    assert report.entries == []
    for suffix in (".json", ".yaml"):
        path = tmp_path / f"{name}.otm{suffix}"
        save_otm(model, path)
        from_file, _ = import_otm(path)
        assert normalised(from_file) == normalised(model)


@pytest.mark.parametrize("name", template_names())
def test_otm_round_trip_without_workbench_attributes(name: str) -> None:
    """Other tools may drop our attributes: zones, flows and names come back; kinds
    come from the plain types (actor, process, data-store) and, where the
    recogniser can tell, from the names, each such guess reported."""
    model = load_template(name)
    doc = export_otm(model)
    for section in ("project", *doc["trustZones"], *doc["components"], *doc["dataflows"]):
        entry = doc["project"] if section == "project" else section
        entry.pop("attributes", None)
    again, report = otm_from_data(doc, "x.json")
    assert {c.id: (c.zone, c.name) for c in again.components()} == {
        c.id: (c.zone, c.name) for c in model.components()
    }
    coarse = {"actor": "actor", "generic-service": "application", "database": "data_store"}
    guessed = {e.element for e in entries(report, "guessed")}
    for c in again.components():
        original = model.component(c.id)
        assert (
            (c.kind == original.kind)
            or c.kind == coarse[KIND_TO_TYPE[original.kind]]
            or any(c.name in g for g in guessed)
        ), c.id
        if c.kind != coarse[KIND_TO_TYPE[original.kind]]:
            assert any(repr(c.name) in g for g in guessed), c.id
    assert {z.id: z.trust for z in again.zones()} == {z.id: min(z.trust, 4) for z in model.zones()}
    assert {f.id: (f.source, f.target) for f in again.flows()} == {
        f.id: (f.source, f.target) for f in model.flows()
    }


def test_otm_export_with_findings() -> None:
    from workbench.risk.matrix import load_matrix
    from workbench.rules import analyze

    model = load_template("support-assistant")
    result = analyze(model)
    assert result.findings
    doc = export_otm(model, result=result)
    check_otm_shape(doc)
    threats = {t["id"]: t for t in doc["threats"]}
    assert set(threats) == {f.id for f in result.findings}
    matrix = load_matrix()
    for f in result.findings:
        t = threats[f.id]
        assert t["name"] == f.title and t["description"] == f.reason
        assert t["categories"][0] == f.technique and set(f.techniques) <= set(t["categories"])
        assert t["risk"]["likelihood"] == round(f.likelihood * 100 / matrix.max_likelihood)
        assert t["risk"]["impact"] == round(f.impact * 100 / matrix.max_impact)
    mitigations = {m["id"] for m in doc["mitigations"]}
    assert mitigations == {m for f in result.findings for m in f.mitigations}
    assert all(m.startswith("AML.M") for m in mitigations)
    referenced = set()
    for element in (*doc["components"], *doc["dataflows"]):
        for ref in element.get("threats", []):
            assert ref["threat"] in threats
            assert threats[ref["threat"]]["attributes"]["workbench:element"] == element["id"]
            referenced.add(ref["threat"])
            assert {m["mitigation"] for m in ref["mitigations"]} <= mitigations
    assert referenced == set(threats)
    # deterministic; re-importing a workbench export gives the model back and does
    # not carry its own findings over as threats (the analysis derives them again)
    assert dumps_otm(export_otm(model, result=result)) == dumps_otm(doc)
    again, report = otm_from_data(copy.deepcopy(doc), "x")
    assert normalised(again) == normalised(model)
    assert report.threats == [] and not entries(report, "unmapped")


def test_otm_export_unnamed_elements_and_custom_attributes() -> None:
    model = SystemModel(
        "bare",
        custom_attributes=[
            {"name": "cost_centre", "type": "text"},
            {"name": "tier", "type": "enum", "choices": ["gold", "silver"], "kinds": ["model"]},
        ],
    )
    model.add_zone("z", 7)
    model.add_component(
        "m",
        "model",
        "z",
        tier="gold",
        cost_centre="CC-1",
        tags=[],
        docs=["https://example.com/card"],
        trained_on="personal",
    )
    model.add_component("u", "actor", "z", name="User")
    model.add_flow("f", "u", "m", data=["user_input"], encrypted=False)
    doc = export_otm(model)
    assert doc["trustZones"][0]["risk"]["trustRating"] == 100
    assert doc["components"][0]["name"] == "m"
    again, report = otm_from_data(json.loads(json.dumps(doc)), "x")
    assert again == model
    assert report.entries == []


def test_save_otm_refuses_unknown_suffix(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="suffix"):
        save_otm(load_template("edge-vision"), tmp_path / "x.txt")


def test_native_attributes_that_do_not_fit_are_reported() -> None:
    doc = export_otm(load_template("edge-vision"))
    comp = doc["components"][0]
    comp["attributes"]["workbench:criticality"] = "enormous"
    comp["attributes"]["workbench:made_up"] = "1"
    comp["attributes"]["vendor:thing"] = "x"
    doc["trustZones"][0]["attributes"]["workbench:trust"] = "-3"
    model, report = otm_from_data(doc, "x")
    assert entries(report, "unmapped", "workbench:criticality")[0].why.startswith("invalid value")
    assert entries(report, "unmapped", "workbench:made_up")
    assert entries(report, "unmapped", "vendor:thing")
    assert entries(report, "unmapped", "workbench:trust")
    assert model.component(comp["id"]).get("criticality") is None


# =====================================================================================
# Shared helpers
# =====================================================================================


def test_slugify_and_ids() -> None:
    assert slugify("Player's local machine") == "player-s-local-machine"
    assert slugify("") is None and slugify(None) is None and slugify(True) is None
    assert len(slugify("x" * 500) or "") == 60
    space = IdSpace()
    assert [space.claim("a b"), space.claim("a-b"), space.claim("a b"), space.claim(None)] == [
        "a-b",
        "a-b-2",
        "a-b-3",
        "item",
    ]
    assert space.claim("valid_id.1") == "valid_id.1"


def test_every_peer_file_imports_or_is_refused_with_a_reason(peers: Path) -> None:
    """import_model on every example file: a model, or a one-line reason naming the file."""
    refused = {}
    for path in sorted(p for p in peers.rglob("*") if p.suffix in (".json", ".yaml")):
        try:
            model, report = import_model(path)
        except InputError as exc:
            assert str(path) in str(exc) and "\n" not in str(exc)
            refused[path.name] = str(exc)
            continue
        assert report.components == len(model.components())
    assert set(refused) == {
        "tmbom-multi-example.cdx.json",
        "tmbom-otm-example.cdx.json",
        "tmbom-pytm-example.cdx.json",
    }
    assert all("TM-BOM" in m for n, m in refused.items() if "tmbom" in n)


def test_import_model_dispatch(peers: Path, tmp_path: Path) -> None:
    model, report = import_model(peers / "threagile" / "threagile-stub-model.yaml")
    assert report.format == "threagile" and len(model.components()) == 2
    with pytest.raises(InputError, match="unknown import format"):
        import_model(peers / "threagile" / "threagile-stub-model.yaml", "pytm")
    with pytest.raises(InputError, match="TM-BOM"):
        import_model(peers / "threat-dragon" / "tmbom-otm-example.cdx.json")
    saved = tmp_path / "m.yaml"
    save_model(load_template("edge-vision"), saved)
    with pytest.raises(InputError, match="already a workbench model"):
        import_model(saved)
    other = tmp_path / "other.json"
    other.write_text('{"hello": 1}', encoding="utf-8")
    with pytest.raises(InputError, match="cannot tell the format"):
        detect_format(other)


# =====================================================================================
# Command line
# =====================================================================================


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    import workbench.commands.interop  # noqa: F401  (the module the CLI will list)

    if "workbench.commands.interop" not in cli.COMMAND_MODULES:
        monkeypatch.setattr(
            cli, "COMMAND_MODULES", (*cli.COMMAND_MODULES, "workbench.commands.interop")
        )

    def invoke(*argv: str) -> tuple[int, str, str]:
        code = cli.main([str(a) for a in argv])
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


def test_cli_import_model(run: Any, peers: Path, tmp_path: Path) -> None:
    source = tmp_path / "renting-car.json"
    shutil.copy(peers / "threat-dragon" / "renting-car.json", source)
    output = tmp_path / "out" / "model.yaml"
    output.parent.mkdir()
    code, out, err = run("import-model", source, "--output", output)
    assert code == 0, err
    assert "15 components, 16 flows, 4 zones" in out and "Not imported" in out
    assert f"wrote {output}" in err
    assert len(load_model(output).components()) == 15
    assert not list(output.parent.glob(".*.tmp"))
    code, out, _ = run("import-model", source, "--from", "threat-dragon", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["components"] == 15 and data["output"] is None
    assert data["counts"]["unmapped"] == len(
        [e for e in data["entries"] if e["category"] == "unmapped"]
    )


def test_cli_import_model_errors(run: Any, peers: Path, tmp_path: Path) -> None:
    code, _, err = run("import-model", peers / "threat-dragon" / "tmbom-otm-example.cdx.json")
    assert code == 2 and "CycloneDX" in err and err.count("\n") == 1
    code, _, err = run(
        "import-model", peers / "threat-dragon" / "mobile-cloud.otm.json", "--from", "threagile"
    )
    assert code == 2 and "--from otm" in err
    code, _, err = run("import-model", tmp_path / "missing.json")
    assert code == 2 and "no such file" in err
    code, _, err = run(
        "import-model",
        peers / "threagile" / "threagile-stub-model.yaml",
        "--output",
        tmp_path / "model.txt",
    )
    assert code == 2 and "suffix" in err
    assert not (tmp_path / "model.txt").exists()


def test_cli_export_otm(run: Any, tmp_path: Path) -> None:
    model_path = tmp_path / "m.yaml"
    save_model(load_template("fraud-classifier"), model_path)
    code, out, _ = run("export-otm", model_path)
    assert code == 0
    doc = json.loads(out)
    assert "threats" not in doc and len(doc["components"]) == 15
    output = tmp_path / "m.otm.yaml"
    code, _, err = run(
        "export-otm", "--template", "support-assistant", "--with-findings", "--output", output
    )
    assert code == 0 and f"wrote {output}" in err
    doc = yaml.safe_load(output.read_text(encoding="utf-8"))
    assert doc["threats"] and doc["mitigations"]
    code, out, _ = run("import-model", output)
    assert code == 0 and "0 not imported" in out
    code, _, err = run("export-otm", tmp_path / "missing.yaml")
    assert code == 2
    code, _, err = run("export-otm", model_path, "--rules", tmp_path)
    assert code == 2 and "--with-findings" in err


def test_doctests() -> None:
    import doctest
    import importlib

    for name in ("_common", "otm", "threat_dragon", "threagile", "__init__"):
        module = importlib.import_module(
            "workbench.interop" + ("" if name == "__init__" else f".{name}")
        )
        result = doctest.testmod(module)
        assert result.failed == 0, name
