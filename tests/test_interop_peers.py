"""Interop on peer files: boundaries as zones, snapping, TM-BOM, Threat Dragon and OTM
exports, OTM security attributes, Threagile includes, the shared recogniser, and
threats and decisions carried over into a project.

Peer files come from ``../shared/upstream/peers`` (see its SOURCE.md) and from
``tests/fixtures/peers`` (see SOURCES.md there); every test copies them to
``tmp_path`` before use.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from workbench import cli
from workbench.errors import InputError
from workbench.interop import import_model, import_otm, import_threagile, import_threat_dragon
from workbench.interop._common import ImportReport
from workbench.interop.carry import carry_over, rationale_for
from workbench.interop.otm import export_otm, otm_from_data
from workbench.interop.recognise import load_recogniser, recognise
from workbench.interop.threagile import MAX_INCLUDED_FILES
from workbench.interop.threat_dragon import SNAP_TOLERANCE, threat_dragon_from_data
from workbench.interop.threat_dragon_export import export_threat_dragon, save_threat_dragon
from workbench.model import load_template, template_names
from workbench.project import Project

FIXTURES = Path(__file__).parent / "fixtures" / "peers"


@pytest.fixture
def peers(shared_dir: Path, tmp_path: Path) -> Path:
    """A copy of the shared peer files and of tests/fixtures/peers, in tmp_path."""
    out = tmp_path / "peers"
    shutil.copytree(shared_dir / "upstream" / "peers", out)
    shutil.copytree(FIXTURES, out / "fixtures")
    return out


def entries(report: ImportReport, category: str, what: str = "") -> list[Any]:
    return [e for e in report.of(category) if what in e.what]


def td_cell(
    shape: str, cid: str, name: str, x: float, y: float, w: float = 100, h: float = 60, **data: Any
) -> dict[str, Any]:
    kind = {"actor": "tm.Actor", "process": "tm.Process", "store": "tm.Store"}[shape]
    return {
        "shape": shape,
        "id": cid,
        "position": {"x": x, "y": y},
        "size": {"width": w, "height": h},
        "data": {"type": kind, "name": name, **data},
    }


def td_curve(cid: str, points: list[tuple[float, float]], name: str = "") -> dict[str, Any]:
    (sx, sy), *middle, (tx, ty) = points
    return {
        "shape": "trust-boundary-curve",
        "id": cid,
        "source": {"x": sx, "y": sy},
        "target": {"x": tx, "y": ty},
        "vertices": [{"x": x, "y": y} for x, y in middle],
        "data": {"type": "tm.Boundary", "name": name},
    }


def td_flow(
    cid: str, source: dict[str, Any], target: dict[str, Any], **data: Any
) -> dict[str, Any]:
    return {
        "shape": "flow",
        "id": cid,
        "source": source,
        "target": target,
        "data": {"type": "tm.Flow", "name": cid, **data},
    }


def td_doc(*cells: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": "2.3.0",
        "summary": {"title": "Synthetic"},
        "detail": {"diagrams": [{"title": "d", "cells": list(cells)}]},
    }


# -- Threat Dragon boundaries -----------------------------------------------------------


def test_td_demo_boundaries_become_zones_at_different_trust(peers: Path) -> None:
    model, report = import_threat_dragon(peers / "threat-dragon" / "v2-threat-model.json")
    zone = {c.id: model.zone(c.zone) for c in model.components()}
    assert zone["browser"].trust == 0
    # three curves: the web tier behind one, the queue and the database behind two
    assert zone["web-application"].trust == 1
    assert zone["message-queue"].trust == 2 and zone["database"].trust == 2
    assert zone["message-queue"].id != zone["database"].id
    assert zone["web-application"].id == zone["background-worker-process"].id
    # every zone's trust is explained, naming the curves between it and the outside
    for z in model.zones():
        (why,) = [e.why for e in report.of("assumption") if e.element == f"zone {z.id!r}"]
        assert "confirm it" in why
    why_db = next(
        e.why for e in report.of("assumption") if e.element == f"zone {zone['database'].id!r}"
    )
    assert "2 boundary curves" in why_db
    crossings = entries(report, "note", "crosses a trust boundary")
    assert {e.element for e in crossings} == {f"flow {f.id!r}" for f in model.boundary_flows()}
    assert len(crossings) == 8


def test_td_curve_sides_by_geometry() -> None:
    # an arch over the vault: shapes under it are on the other side from the rest
    doc = td_doc(
        td_cell("actor", "u", "User", 0, 0),
        td_cell("process", "app", "App", 300, 0),
        td_cell("store", "vault", "Vault", 300, 300),
        td_curve("c1", [(200, -100), (200, 400)], "edge"),
        td_curve("c2", [(250, 500), (250, 250), (450, 250), (450, 500)], "arch"),
    )
    model, _report = threat_dragon_from_data(doc, "x.json")
    trust = {c.id: model.zone(c.zone).trust for c in model.components()}
    assert trust == {"user": 0, "app": 1, "vault": 2}
    assert model.component("vault").zone == "behind-edge-and-arch"


def test_td_boxes_inside_curve_regions_add_their_depth() -> None:
    doc = td_doc(
        td_cell("actor", "u", "User", 0, 0),
        td_cell("process", "app", "App", 320, 20),
        td_curve("c1", [(200, -100), (200, 400)]),
        {
            "shape": "trust-boundary-box",
            "id": "b",
            "position": {"x": 300, "y": 0},
            "size": {"width": 200, "height": 200},
            "data": {"type": "tm.BoundaryBox", "name": "Core"},
        },
    )
    model, report = threat_dragon_from_data(doc, "x.json")
    assert model.zone(model.component("app").zone).trust == 2  # region 1 + box 1
    assert entries(report, "assumption", "trust 2")


def test_td_flow_ends_snap_within_the_tolerance() -> None:
    near = 100 + SNAP_TOLERANCE - 5
    far = 100 + SNAP_TOLERANCE + 5
    doc = td_doc(
        td_cell("actor", "u", "User", 0, 0),
        td_cell("process", "app", "App", 300, 0),
        td_flow("f1", {"x": near, "y": 30}, {"cell": "app"}),
        td_flow("f2", {"x": far, "y": 30}, {"cell": "app"}),
        td_flow("f3", {"cell": ""}, {"cell": "app"}),
    )
    model, report = threat_dragon_from_data(doc, "x.json")
    assert [(f.source, f.target) for f in model.flows()] == [("user", "app")]
    assert entries(report, "note", "source point")
    dropped = [e for e in report.unmapped if "flow not imported" in e.why]
    assert len(dropped) == 2
    assert any(f"not within {SNAP_TOLERANCE:g}" in e.why for e in dropped)
    # an empty source id is shown as (none), never as a blank
    assert any(e.what == "source cell (none)" for e in dropped)
    assert all("cell )" not in str(e) for e in report.entries)


def test_td_flow_end_on_a_shape_outline_snaps_in_a_real_model(peers: Path) -> None:
    """A Threat Dragon 2.2 model whose redirect flow ends on the outline of its target."""
    path = peers / "fixtures" / "threat-dragon" / "URL-shortener-LLM.json"
    model, report = import_threat_dragon(path)
    raw = json.loads(path.read_text(encoding="utf-8"))
    cells = raw["detail"]["diagrams"][0]["cells"]
    flows = [c for c in cells if c["shape"] == "flow"]
    expected = len(flows) + sum(1 for f in flows if f["data"]["isBidirectional"])
    assert len(model.flows()) == expected  # none dropped
    redirect = next(f for f in model.flows() if f.name == "Redirect User to URL")
    assert (redirect.source, redirect.target) == ("redirect-url", "original-url")
    (note,) = entries(report, "note", "target point")
    assert "(950, 470)" in note.why and "'original-url'" in note.why
    # one box: the service inside it (trust 1), the user and the destination outside (0)
    trust = {c.id: model.zone(c.zone).trust for c in model.components()}
    assert trust["human-user-service"] == trust["original-url"] == 0
    assert trust["api-server"] == trust["hashed-api-keys"] == 1
    assert model.component("hashed-api-keys").get("sensitivity") == "secret"


def test_td_public_network_is_exposure() -> None:
    doc = td_doc(
        td_cell("actor", "u", "User", 0, 0),
        td_cell("process", "app", "Shop", 300, 0),
        td_cell("store", "db", "Orders", 600, 0),
        td_flow("f1", {"cell": "u"}, {"cell": "app"}, isPublicNetwork=True),
        td_flow("f2", {"cell": "app"}, {"cell": "db"}),
    )
    model, report = threat_dragon_from_data(doc, "x.json")
    assert model.component("shop").get("internet_facing") is True
    assert model.component("orders").get("internet_facing") is None
    assert entries(report, "note", "isPublicNetwork")


def test_td_v1_file_is_converted_as_threat_dragon_converts_it(peers: Path) -> None:
    v1, _ = import_threat_dragon(peers / "threat-dragon" / "demo-threat-model.json")
    v2, _ = import_threat_dragon(peers / "threat-dragon" / "v2-threat-model.json")
    # the v1 demo is the same system as the v2 one
    assert sorted(c.name for c in v1.components()) == sorted(c.name for c in v2.components())
    assert {(c.id, c.kind) for c in v1.components()} == {(c.id, c.kind) for c in v2.components()}
    assert len(v1.flows()) == len(v2.flows())


def test_tmbom_import(peers: Path) -> None:
    path = peers / "threat-dragon" / "huskyai.tmbom.json"
    model, report = import_model(path)
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert report.format == "tmbom"
    assert len(model.components()) == len(raw["actors"]) + len(raw["components"]) + len(
        raw["data_stores"]
    )
    assert {z.id: z.trust for z in model.zones()} == {
        "experimental-zone": 1,
        "prod-zone": 1,
        "public": 0,
    }
    assert model.component("api-key-storage").get("sensitivity") == "secret"  # Azure Key Vault
    assert entries(report, "guessed", "kind")
    (threats,) = [e for e in report.unmapped if e.element == "threats"]
    assert threats.what == f"{len(raw['threats'])} threats"


# -- Threat Dragon export and the round trip ----------------------------------------------


def test_td_round_trip_keeps_elements_flows_boundaries_and_threats(
    peers: Path, tmp_path: Path
) -> None:
    model, report = import_threat_dragon(peers / "threat-dragon" / "v2-threat-model.json")
    project = Project.create(tmp_path / "p", model=model, actor="Ana Analyst")
    carried = carry_over(project, report.threats, by="Ana Analyst")
    rows = [r for r in project.state().rows if r["manual"]]
    out = save_threat_dragon(project.model, tmp_path / "out.json", rows=rows)
    again, again_report = import_threat_dragon(out)
    assert {c.id: c.kind for c in again.components()} == {c.id: c.kind for c in model.components()}
    assert {(f.source, f.target, f.name) for f in again.flows()} == {
        (f.source, f.target, f.name) for f in model.flows()
    }

    # boundaries: the same partition of components into zones
    def groups(m: Any) -> set[frozenset[str]]:
        return {frozenset(c.id for c in m.components() if c.zone == z.id) for z in m.zones()}

    assert groups(again) == groups(model)
    outside = {c.id for c in again.components() if again.zone(c.zone).trust == 0}
    assert outside == {"browser"}
    assert len(again_report.threats) == len(report.threats) == 14
    assert sorted((t.element, t.title) for t in again_report.threats) == sorted(
        (t.element, t.title) for t in report.threats
    )
    decided = {t.title for t in again_report.threats if t.treatment == "mitigate"}
    # what the workbench recorded as a decision goes back to Threat Dragon as mitigated
    assert decided <= {t.title for t in report.threats if t.treatment == "mitigate"}
    assert bool(decided) == bool(carried.decisions)
    # every source decision comes across: as a decision where it holds what the workbench asks
    # of one, else as the finding's note to decide in the workbench (never silently dropped)
    assert len(carried.decisions) + len(carried.noted) == 4
    for fid in carried.noted:
        assert "Not yet decided here: Threat Dragon recorded mitigate" in project.assessment.notes[fid]


@pytest.mark.parametrize("name", template_names())
def test_td_export_of_templates_imports_back(name: str) -> None:
    model = load_template(name)
    doc = export_threat_dragon(model)
    assert doc == export_threat_dragon(model)  # deterministic
    again, report = threat_dragon_from_data(json.loads(json.dumps(doc)), "x.json")
    assert {c.id: c.kind for c in again.components()} == {c.id: c.kind for c in model.components()}
    assert not report.of("guessed")
    assert len(again.flows()) == len(model.flows())

    # every component is drawn inside its zone's box, so the grouping comes back;
    # trust-0 zones are the open canvas and come back as one zone
    def groups(m: Any) -> set[frozenset[str]]:
        out = {
            frozenset(c.id for c in m.components() if c.zone == z.id)
            for z in m.zones()
            if z.trust > 0
        }
        out.add(frozenset(c.id for c in m.components() if m.zone(c.zone).trust == 0))
        return out - {frozenset()}

    assert groups(again) == groups(model)
    trust_zero = {c.id for c in model.components() if model.zone(c.zone).trust == 0}
    assert {c.id for c in again.components() if again.zone(c.zone).trust == 0} == trust_zero


def test_save_threat_dragon_refuses_other_suffixes(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"\.json"):
        save_threat_dragon(load_template("support-assistant"), tmp_path / "x.yaml")


# -- OTM export as Threat Dragon draws it --------------------------------------------------


#: Mirror of Threat Dragon's OTM import (td.vue/src/service/migration/otm, read at
#: commit 0d303c0a682847bf008a2903ae5aae84f8bee8c1; see docs/interop/otm.md):
#: diagrams are the ``representations`` of type ``diagram``; a component is drawn
#: for each of its representations on one; its shape is a store when its type, id
#: or representation id contains "database", else a process when one contains
#: "service", else an actor. A flow is drawn when its source is drawn; a target
#: that is not drawn is cut off.
def td_otm_cells(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    diagrams = {r["id"] for r in doc.get("representations", []) if r.get("type") == "diagram"}
    cells = []
    for comp in doc["components"]:
        for rep in comp.get("representations") or []:
            if rep.get("representation") in diagrams:
                said = [comp["type"].lower(), comp["id"].lower(), rep["id"].lower()]
                if any("database" in t for t in said):
                    shape = "store"
                elif any("service" in t for t in said):
                    shape = "process"
                else:
                    shape = "actor"
                cells.append((comp["id"], shape, rep))
    return cells


def td_otm_flows(doc: dict[str, Any], drawn: set[str]) -> list[tuple[str, str]]:
    return [
        (f["source"], f["destination"] if f["destination"] in drawn else "")
        for f in doc["dataflows"]
        if f["source"] in drawn
    ]


@pytest.mark.parametrize("name", template_names())
def test_otm_export_draws_every_component_in_threat_dragon(name: str) -> None:
    model = load_template(name)
    doc = export_otm(model)
    cells = td_otm_cells(doc)
    assert sorted(c for c, _, _ in cells) == sorted(c.id for c in model.components())
    for cid, shape, rep in cells:
        kind = model.component(cid).kind
        assert shape == (
            "actor"
            if kind == "actor"
            else "store"
            if kind
            in (
                "data_store",
                "vector_store",
                "model_registry",
                "dataset",
                "knowledge_source",
                "prompt",
            )
            else "process"
        ), cid
        assert "position" in rep and rep["size"]["width"] > 0 and rep["size"]["height"] > 0
    # no two shapes overlap, and all lie inside the diagram
    (diagram,) = doc["representations"]
    boxes = [
        (r["position"]["x"], r["position"]["y"], r["size"]["width"], r["size"]["height"])
        for _, _, r in cells
    ]
    for x, y, w, h in boxes:
        assert (
            x >= 0
            and x + w <= diagram["size"]["width"]
            and y >= 0
            and y + h <= diagram["size"]["height"]
        )
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert (
                a[0] + a[2] <= b[0]
                or b[0] + b[2] <= a[0]
                or a[1] + a[3] <= b[1]
                or b[1] + b[3] <= a[1]
            )
    # every flow is drawn, with both ends
    drawn = {c for c, _, _ in cells}
    assert sorted(td_otm_flows(doc, drawn)) == sorted((f.source, f.target) for f in model.flows())
    # every zone is drawn as a box
    assert all(
        z.get("representations")
        for z in doc["trustZones"]
        if any(c["parent"]["trustZone"] == z["id"] for c in doc["components"])
    )
    # the kind is kept, so a re-import is exact
    again, report = otm_from_data(copy.deepcopy(doc), "x.json")
    assert {c.id: c.kind for c in again.components()} == {c.id: c.kind for c in model.components()}
    assert not report.unmapped


def otm(**sections: Any) -> dict[str, Any]:
    return {
        "otmVersion": "0.2.0",
        "project": {"id": "p", "name": "P"},
        "trustZones": [{"id": "z", "name": "Z", "risk": {"trustRating": 50}}],
        **sections,
    }


def test_otm_security_attributes() -> None:
    doc = otm(
        components=[
            {
                "id": "db",
                "name": "Orders",
                "type": "database",
                "parent": {"trustZone": "z"},
                "attributes": {"Encrypted": "true", "Stores Credentials": "yes"},
            },
            {
                "id": "api",
                "name": "API",
                "type": "web-service",
                "parent": {"trustZone": "z"},
                "attributes": {
                    "Sanitizes Input": "true",
                    "Provides Confidentiality": "true",
                    "Color": "blue",
                },
            },
        ],
        dataflows=[
            {
                "id": "f",
                "name": "q",
                "source": "api",
                "destination": "db",
                "attributes": {
                    "encrypted": "false",
                    "source-authenticated": "true",
                    "Destination Authenticated": "true",
                },
            },
        ],
    )
    model, report = otm_from_data(doc, "x.json")
    db, api, flow = model.component("db"), model.component("api"), model.flow("f")
    assert db.get("encrypted_at_rest") is True and db.get("sensitivity") == "secret"
    assert api.get("filters_inputs") is True
    assert flow.encrypted is False and flow.authenticated is True
    unmapped = {e.what for e in report.unmapped} | {e.what for e in report.of("unmapped")}
    assert "attribute 'Provides Confidentiality'" in unmapped  # no component attribute for it
    assert "attribute 'Destination Authenticated'" in unmapped
    assert any("'Color'" in e.what for e in report.unmapped)


def test_otm_names_and_infrastructure_are_recognised() -> None:
    doc = otm(
        components=[
            {"id": "vpc", "name": "Prod VPC", "type": "aws-vpc", "parent": {"trustZone": "z"}},
            {
                "id": "llm",
                "name": "Azure OpenAI",
                "type": "empty-component",
                "parent": {"component": "vpc"},
            },
            {"id": "kms", "name": "Keys", "type": "aws-kms", "parent": {"component": "vpc"}},
            {"id": "trail", "name": "Audit", "type": "CloudTrail", "parent": {"trustZone": "z"}},
        ],
    )
    model, report = otm_from_data(doc, "x.json")
    assert "vpc" not in model and model.zone("vpc").trust == model.zone("z").trust
    assert model.component("llm").kind == "model" and model.component("llm").zone == "vpc"
    assert model.component("llm").get("origin") == "third_party_api"
    assert model.component("kms").kind == "data_store"
    assert model.component("kms").get("sensitivity") == "secret"
    assert model.component("trail").kind == "monitoring"
    assert any("matches 'azure openai'" in e.why for e in report.of("guessed"))
    assert any("never more trusted" in e.why for e in report.of("guessed"))


def test_otm_nested_zone_more_trusted_than_its_parent_is_noted() -> None:
    doc = otm()
    doc["trustZones"].append(
        {"id": "inner", "name": "Inner", "risk": {"trustRating": 100}, "parent": {"trustZone": "z"}}
    )
    _model, report = otm_from_data(doc, "x.json")
    (note,) = entries(report, "note", "nested in 'z'")
    assert "more trusted than the zone around it" in note.why


def test_otm_threats_and_mitigations_come_across(peers: Path, tmp_path: Path) -> None:
    path = peers / "threat-dragon" / "example-open-threat-model.json"
    raw = json.loads(path.read_text(encoding="utf-8"))
    for element in [*raw["components"], *raw["dataflows"]]:
        for ref in element.get("threats") or []:
            ref["state"] = "mitigated"
    path.write_text(json.dumps(raw), encoding="utf-8")
    model, report = import_otm(path)
    assert report.threats and all(t.treatment == "mitigate" for t in report.threats)
    project = Project.create(tmp_path / "p", model=model, actor="Ana")
    carried = carry_over(project, report.threats, by="Ana")
    assert len(carried.decisions) + len(carried.noted) == len(report.threats)
    texts = [d.rationale for d in project.log.decisions()] + [
        project.assessment.notes[f] for f in carried.noted
    ]
    assert texts and all("OTM" in t and "example-open-threat-model.json" in t for t in texts)


# -- Threagile ---------------------------------------------------------------------------


def test_threagile_split_model_imports_all_its_assets(peers: Path) -> None:
    split = peers / "fixtures" / "threagile" / "split"
    model, report = import_threagile(split / "model.yaml")
    assert {c.id for c in model.components()} == {
        "customer-client",
        "backoffice-client",
        "backend-admin-client",
        "load-balancer",
        "ldap-auth-server",
        "sql-database",
    }
    # links between the included parts are flows that carry their data assets
    assert len(model.flows()) == 6 and all(f.data for f in model.flows())
    assert "credentials" in model.flow("user-management-access").data
    assert model.name == "Some Example Application"  # from the included meta.yaml
    assert {z.id for z in model.zones()} >= {
        "web-dmz",
        "erp-dmz",
        "application-network",
        "auth-env",
    }
    assert model.component("ldap-auth-server").zone == "auth-env"
    (note,) = entries(report, "note", "included file")
    assert note.what == "8 included files"  # technical_assets.yaml includes three more
    # risk tracking: the entry that names an asset is kept, the others are reported
    assert [(t.element, t.treatment) for t in report.threats] == [("ldap-auth-server", "mitigate")]
    assert len([e for e in report.unmapped if e.element.startswith("risk_tracking ")]) == 5


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


ASSET = "technical_assets:\n  {n}:\n    id: {n}\n    type: process\n    technology: web-server\n"


@pytest.mark.parametrize(
    ("include", "needle"),
    [
        ("/etc/passwd", "absolute paths are refused"),
        ("../outside.yaml", "'..' leads out"),
        ("missing.yaml", "no such file"),
        ("loop.yaml", "a cycle of includes"),
        ("link.yaml", "leads out of the model's folder"),
    ],
)
def test_threagile_includes_are_followed_safely(include: str, needle: str, tmp_path: Path) -> None:
    root = tmp_path / "model"
    write(tmp_path / "outside.yaml", ASSET.format(n="secret"))
    write(root / "loop.yaml", "includes: [main.yaml]\n")
    (root / "link.yaml").symlink_to(tmp_path / "outside.yaml")
    main = write(root / "main.yaml", f"threagile_version: 1.0.0\nincludes: [{include!r}]\n")
    with pytest.raises(InputError) as info:
        import_threagile(main)
    message = str(info.value)
    assert needle in message and "main.yaml" in message and include in message
    assert "\n" not in message


def test_threagile_include_count_is_bounded(tmp_path: Path) -> None:
    for i in range(MAX_INCLUDED_FILES + 1):
        write(tmp_path / f"part{i}.yaml", f"includes: [part{i + 1}.yaml]\n")
    write(tmp_path / f"part{MAX_INCLUDED_FILES + 1}.yaml", ASSET.format(n="a"))
    with pytest.raises(InputError, match=f"more than {MAX_INCLUDED_FILES} files"):
        import_threagile(tmp_path / "part0.yaml")


def test_threagile_includes_merge_and_report_duplicates(tmp_path: Path) -> None:
    write(tmp_path / "sub" / "a.yaml", ASSET.format(n="a"))
    write(
        tmp_path / "sub" / "b.yaml",
        ASSET.format(n="a") + "  b:\n    id: b\n    type: datastore\n    technology: database\n",
    )
    main = write(tmp_path / "main.yaml", "title: T\nincludes: [sub/a.yaml, sub/b.yaml]\n")
    model, report = import_threagile(main)
    assert {c.id for c in model.components()} == {"a", "b"}
    assert entries(report, "note", "defined twice")


def test_threagile_parsed_model_is_refused_with_advice(tmp_path: Path) -> None:
    path = write(
        tmp_path / "parsed-model.yaml",
        "threagile_version: 1.0.0\ntechnical_assets:\n  web:\n    id: web\n    technologies:\n"
        "      - name: web-server\n    communication_links:\n      - id: web>x\n        source_id: web\n",
    )
    with pytest.raises(InputError, match=r"parsed model.*threagile\.yaml"):
        import_threagile(path)


def test_threagile_data_assets_reach_flows(peers: Path) -> None:
    model, report = import_threagile(peers / "threagile" / "threagile-example-model.yaml")
    carrying = [f for f in model.flows() if f.data]
    assert len(carrying) >= len(model.flows()) * 2 // 3
    kinds = {k for f in model.flows() for k in f.data}
    assert {"credentials", "configuration", "telemetry"} <= kinds
    assert entries(report, "guessed", "data credentials")


# -- the recogniser ------------------------------------------------------------------------

COVERED = {
    "Amazon SageMaker endpoint": "inference_endpoint",
    "AWS Bedrock": "model",
    "Azure Machine Learning workspace": "training_pipeline",
    "Azure AI Foundry": "training_pipeline",
    "Azure OpenAI": "model",
    "Vertex AI": "model",
    "Amazon Comprehend": "model",
    "Rekognition": "model",
    "Textract": "model",
    "Amazon Lex bot": "model",
    "Kendra index": "vector_store",
    "Cognitive Services": "model",
    "OpenAI API": "model",
    "ChatGPT": "model",
    "Claude": "model",
    "Anthropic API": "model",
    "Gemini": "model",
    "LangChain orchestrator": "agent",
    "LlamaIndex": "agent",
    "AutoGen": "agent",
    "CrewAI crew": "agent",
    "GitHub MCP server": "tool",
    "Pinecone": "vector_store",
    "Weaviate": "vector_store",
    "Qdrant": "vector_store",
    "Milvus": "vector_store",
    "Chroma": "vector_store",
    "pgvector": "vector_store",
    "Feature store": "dataset",
    "Model registry": "model_registry",
    "KMS": "data_store",
    "Secrets Manager": "data_store",
    "CloudTrail": "monitoring",
    "GuardDuty": "monitoring",
    "Redis cache": "data_store",
    "Snowflake warehouse": "data_store",
}


@pytest.mark.parametrize(("name", "kind"), sorted(COVERED.items()))
def test_recogniser_covers_the_services(name: str, kind: str) -> None:
    found = recognise(name=name)
    assert found is not None and found.kind == kind
    assert found.basis.startswith(f"name {name!r} matches ")
    assert recognise(type=name.lower().replace(" ", "-")).kind == kind  # types too


def test_recogniser_zones_and_non_ai() -> None:
    assert recognise(type="AWS::EC2::VPC").zone
    assert recognise(name="Customer database") is None
    assert recognise(name="Data model editor") is None
    assert not recognise(name="GuardDuty").ai


def test_every_importer_uses_the_same_recogniser(tmp_path: Path) -> None:
    """The same name gives the same kind from Threat Dragon, OTM and TM-BOM."""
    name = "Pinecone index"
    td, _ = threat_dragon_from_data(td_doc(td_cell("store", "s", name, 0, 0)), "x.json")
    om, _ = otm_from_data(
        otm(
            components=[{"id": "s", "name": name, "type": "database", "parent": {"trustZone": "z"}}]
        ),
        "x.json",
    )
    tg_path = write(
        tmp_path / "threagile.yaml",
        f"technical_assets:\n  {name}:\n    id: s\n    type: datastore\n    technology: database\n"
        "  Claude API:\n    id: c\n    type: external-entity\n    technology: web-service-rest\n",
    )
    tg, report = import_threagile(tg_path)
    kinds = {td.components()[0].kind, om.components()[0].kind, tg.component("s").kind}
    assert kinds == {recognise(name=name).kind} == {"vector_store"}
    assert (
        tg.component("c").kind == "model" and tg.component("c").get("origin") == "third_party_api"
    )
    assert any("matches 'claude'" in e.why for e in report.of("guessed"))
    assert load_recogniser() is load_recogniser()


# -- threats and risk tracking come across as decisions -------------------------------------


def test_threats_and_risk_tracking_come_across_as_decisions(peers: Path, tmp_path: Path) -> None:
    model, report = import_threagile(peers / "fixtures" / "threagile" / "split" / "model.yaml")
    project = Project.create(tmp_path / "p", model=model, actor="Ana Analyst")
    carried = carry_over(project, report.threats, by="Ana Analyst")
    assert len(carried.findings) == 1 and len(carried.decisions) == 1
    (decision,) = project.log.decisions()
    assert decision.treatment == "mitigate" and decision.date == "2020-01-05"
    assert decision.links == ("XYZ-5678",)
    assert "ldap-injection@*@ldap-auth-server@*" in decision.rationale
    assert "The hardening measures were implemented and checked" in decision.rationale
    assert "John Doe" in decision.rationale and "Threagile" in decision.rationale
    assert project.log.verify().ok
    state = project.state()
    (row,) = [r for r in state.rows if r["manual"]]
    assert row["element"] == "ldap-auth-server" and row["treatment"] == "mitigate"


def test_td_threat_linked_to_atlas_and_high_accept_is_not_recorded(tmp_path: Path) -> None:
    doc = td_doc(
        td_cell("actor", "u", "User", 0, 0),
        td_cell(
            "process",
            "bot",
            "Support LLM",
            300,
            0,
            threats=[
                {
                    "id": "t1",
                    "title": "Prompt injection via chat",
                    "status": "Open",
                    "severity": "High",
                    "description": "A user overrides the instructions.",
                },
                {
                    "id": "t2",
                    "title": "Data leak",
                    "status": "Accepted",
                    "severity": "Critical",
                    "description": "Answers reveal internal notes.",
                },
                {"id": "t3", "title": "Abuse", "status": "NotApplicable", "severity": "Low"},
            ],
        ),
    )
    model, report = threat_dragon_from_data(doc, "team.json")
    project = Project.create(tmp_path / "p", model=model, actor="Ana")
    carried = carry_over(project, report.threats, by="Ana")
    rows = {r["title"]: r for r in project.state().rows if r["manual"]}
    assert rows["Prompt injection via chat"]["technique"] == "AML.T0051"
    assert rows["Prompt injection via chat"]["impact"] == 4
    assert rows["Abuse"]["treatment"] == "not_applicable"
    # accepting a critical risk needs an owner and a review date: kept open, said why
    assert "treatment" not in rows["Data leak"] or rows["Data leak"].get("treatment") is None
    assert len(carried.skipped) == 1 and "owner" in carried.skipped[0]
    t3 = next(t for t in report.threats if t.original_id == "t3")
    assert "team.json" in rationale_for(t3) and "t3" in rationale_for(t3)


def test_cli_import_model_with_a_project(
    peers: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "project"
    code = cli.main(
        [
            "import-model",
            str(peers / "threat-dragon" / "v2-threat-model.json"),
            "--project",
            str(target),
            "--actor",
            "Ana",
            "--format",
            "json",
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert (
        code == 0
        and len(out["project"]["findings"]) == 14
        and len(out["project"]["decisions"]) + len(out["project"]["noted"]) == 4
    )
    assert (target / "project.yaml").is_file()
    code = cli.main(
        [
            "import-model",
            str(peers / "threat-dragon" / "v2-threat-model.json"),
            "--project",
            str(tmp_path / "other"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and "--actor" in err
    assert os.listdir(tmp_path).count("other") == 0


def test_cli_export_threat_dragon(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "sa.json"
    code = cli.main(
        [
            "export-threat-dragon",
            "--template",
            "support-assistant",
            "--with-findings",
            "--output",
            str(out),
        ]
    )
    assert code == 0 and f"wrote {out}" in capsys.readouterr().err
    model, report = import_threat_dragon(out)
    assert len(model.components()) == len(load_template("support-assistant").components())
    assert report.threats
    code = cli.main(
        [
            "export-threat-dragon",
            "--template",
            "support-assistant",
            "--output",
            str(tmp_path / "x.yaml"),
        ]
    )
    assert code == 2 and ".json" in capsys.readouterr().err
    assert not (tmp_path / "x.yaml").exists()


def test_empty_references_show_as_none(tmp_path: Path) -> None:
    doc = otm(
        components=[{"id": "a", "name": "A", "type": "web-service", "parent": {"trustZone": "z"}}],
        dataflows=[{"id": "f", "name": "F", "source": "", "destination": "a"}],
    )
    _model, report = otm_from_data(doc, "x.json")
    assert [e.what for e in report.unmapped if "flow not imported" in e.why] == ["source (none)"]
    path = write(
        tmp_path / "t.yaml",
        "technical_assets:\n  A:\n    id: a\n    type: process\n    communication_links:\n"
        "      L:\n        target: ''\n",
    )
    _model, report = import_threagile(path)
    assert any(e.what == "target (none)" for e in report.unmapped)
