"""SystemModel: building, changing and querying a system in Python."""

from __future__ import annotations

import datetime as dt

import networkx as nx
import pytest

from workbench.errors import ModelError
from workbench.model import Component, Flow, SystemModel, Zone, load_template


def small() -> SystemModel:
    m = SystemModel("demo", name="Demo", owner="Team")
    m.add_zone("internet", trust=0, name="Internet")
    m.add_zone("dmz", trust=2)
    m.add_zone("internal", trust=3)
    m.add_component("user", "actor", "internet", trusted=False)
    m.add_component("admin", "actor", "internal", trusted=True)
    m.add_component("web", "application", "dmz", internet_facing=True)
    m.add_component("llm", "model", "internal", model_type="llm", origin="fine_tuned",
                    trained_on="confidential")
    m.add_component("db", "data_store", "internal", sensitivity="internal")
    m.add_component("tool", "tool", "internal", side_effects="write")
    m.add_component("island", "prompt", "internal")
    m.add_flow("f-req", "user", "web", data=["user_input"], encrypted=True)
    m.add_flow("f-prompt", "web", "llm", data=["prompt", "user_input"])
    m.add_flow("f-out", "llm", "web", data=["model_output"])
    m.add_flow("f-call", "llm", "tool", data="tool_call")
    m.add_flow("f-admin", "admin", "db", data=["configuration"])
    return m


def test_build_and_query() -> None:
    m = small()
    assert m.id == "demo" and m.name == "Demo" and m.fact("owner") == "Team"
    web = m.component("web")
    assert isinstance(web, Component)
    assert (web.id, web.kind, web.zone, web.name) == ("web", "application", "dmz", "web")
    assert web.get("internet_facing") is True
    assert web.get("authenticated") is None  # unstated is not false
    assert "authenticated" not in web.attrs
    assert [c.id for c in m.components()] == ["user", "admin", "web", "llm", "db", "tool",
                                             "island"]
    assert [c.id for c in m.components("actor")] == ["user", "admin"]
    flow = m.flow("f-call")
    assert isinstance(flow, Flow)
    assert (flow.source, flow.target, flow.data) == ("llm", "tool", ("tool_call",))
    assert flow.encrypted is None and m.flow("f-req").encrypted is True
    assert [f.id for f in m.flows()] == ["f-req", "f-prompt", "f-out", "f-call", "f-admin"]
    assert isinstance(m.zone("internet"), Zone)
    assert m.zone("internet").name == "Internet" and m.zone("dmz").name == "dmz"
    assert [z.id for z in m.zones()] == ["internet", "dmz", "internal"]
    assert m.trust_of("web") == 2
    assert "web" in m and "f-req" in m and "nothing" not in m
    assert len(m) == 7
    assert repr(m).startswith("<SystemModel 'demo'")


def test_boundaries_entry_points_reachability() -> None:
    m = small()
    assert m.crosses_boundary("f-req")
    assert not m.crosses_boundary("f-call")
    assert [f.id for f in m.boundary_flows()] == ["f-req", "f-prompt", "f-out"]
    assert [f.id for f in m.untrusted_inputs()] == ["f-req", "f-prompt"]
    assert [c.id for c in m.entry_points()] == ["user"]
    assert m.entry_point_reasons("user")[0] == "trusted: false"
    assert m.entry_point_reasons("web") == []
    assert m.reachable_from_untrusted() == {"web", "llm", "tool"}
    assert m.downstream("web") == {"llm", "tool"}  # never the component itself
    assert m.upstream("tool") == {"user", "web", "llm"}
    assert m.downstream("island") == set()


def test_entry_point_by_zone_and_trusted_exemption() -> None:
    m = SystemModel("z")
    m.add_zone("low", trust=1)
    m.add_zone("high", trust=3)
    m.add_component("partner", "actor", "low")  # trusted unstated: zone rule applies
    m.add_component("insider", "actor", "low", trusted=True)  # explicit trust exempts
    m.add_component("feed", "knowledge_source", "high", writable_by_outsiders=True)
    m.add_component("app", "application", "high")
    m.add_flow("a", "partner", "app")
    m.add_flow("b", "insider", "app")
    assert [c.id for c in m.entry_points()] == ["partner", "feed"]
    assert "sends to higher trust: app" in m.entry_point_reasons("partner")


def test_crown_jewels() -> None:
    m = small()
    assert [c.id for c in m.crown_jewels()] == ["llm", "tool"]
    assert m.crown_jewel_reasons("llm") == ["trained on confidential data"]
    assert m.crown_jewel_reasons("tool") == ["side effects: write"]
    m.update_component("db", sensitivity="secret")
    m.update_component("island", contains_secrets=True)
    m.update_component("web", criticality="high")
    assert [c.id for c in m.crown_jewels()] == ["web", "llm", "db", "tool", "island"]
    m.update_component("tool", side_effects="read")
    assert "tool" not in [c.id for c in m.crown_jewels()]


def test_caches_are_invalidated_on_every_change() -> None:
    m = small()
    assert m.reachable_from_untrusted() == {"web", "llm", "tool"}
    m.add_flow("f-db", "tool", "db")
    assert "db" in m.reachable_from_untrusted()
    m.remove_flow("f-db")
    assert "db" not in m.reachable_from_untrusted()
    m.update_component("admin", trusted=False)
    assert {c.id for c in m.entry_points()} == {"user", "admin"}
    assert "db" in m.reachable_from_untrusted()
    m.update_zone("internet", trust=5)
    assert [f.id for f in m.untrusted_inputs()] == ["f-prompt"]
    m.update_component("web", zone="internal")
    assert m.trust_of("web") == 3
    assert [c.id for c in m.components("application")] == ["web"]
    m.add_component("web2", "application", "dmz")
    assert [c.id for c in m.components("application")] == ["web", "web2"]


def test_update_and_unset() -> None:
    m = small()
    m.update_component("web", authenticated=False, name="Web app")
    assert m.component("web").get("authenticated") is False
    assert m.component("web").name == "Web app"
    m.update_component("web", authenticated=None)
    assert m.component("web").get("authenticated") is None
    assert "authenticated" not in m.component("web").attrs
    m.update_flow("f-req", encrypted=None, protocol="https", data=["user_input", "prompt"])
    f = m.flow("f-req")
    assert f.encrypted is None and f.protocol == "https" and f.data == ("user_input", "prompt")
    m.update_flow("f-req", target="llm")
    assert m.flow("f-req").target == "llm"
    assert m.graph.has_edge("user", "llm", key="f-req")
    assert not m.graph.has_edge("user", "web", key="f-req")
    m.update_system(description="A demo", owner=None)
    assert m.description == "A demo" and m.fact("owner") is None


def test_change_kind_checks_attributes() -> None:
    m = small()
    with pytest.raises(ModelError) as err:
        m.update_component("web", kind="model")
    assert "internet_facing" in str(err.value)
    assert m.component("web").kind == "application"  # unchanged after a refused change
    m.update_component("web", kind="inference_endpoint")
    assert m.component("web").kind == "inference_endpoint"


def test_remove_component_returns_its_flows() -> None:
    m = small()
    gone = m.remove_component("llm")
    assert [f.id for f in gone] == ["f-prompt", "f-out", "f-call"]
    assert "llm" not in m and [f.id for f in m.flows()] == ["f-req", "f-admin"]
    with pytest.raises(KeyError, match="no component 'llm'"):
        m.component("llm")


def test_rename_component_keeps_order_and_flows() -> None:
    m = small()
    m.rename_component("web", "frontend")
    assert [c.id for c in m.components()][2] == "frontend"
    assert m.flow("f-req").target == "frontend"
    assert m.flow("f-prompt").source == "frontend"
    assert m.reachable_from_untrusted() == {"frontend", "llm", "tool"}
    with pytest.raises(ModelError, match="already a component id"):
        m.rename_component("frontend", "llm")
    with pytest.raises(ModelError, match="already a flow id"):
        m.rename_component("frontend", "f-req")


def test_zones_change() -> None:
    m = small()
    with pytest.raises(ModelError, match="still used by 5 component"):
        m.remove_zone("internal")
    m.add_zone("spare", trust=1, description="unused")
    assert m.remove_zone("spare").description == "unused"
    with pytest.raises(ModelError, match="duplicate zone id"):
        m.add_zone("dmz", trust=1)
    with pytest.raises(ModelError, match="at least 0"):
        m.add_zone("neg", trust=-1)
    with pytest.raises(ModelError, match="needs a trust level"):
        m.update_zone("dmz", trust=None)
    with pytest.raises(KeyError, match="did you mean 'dmz'"):
        m.zone("dmx")


def test_errors_list_every_issue() -> None:
    m = small()
    with pytest.raises(ModelError) as err:
        m.add_component("web", "vectorstore", "dmzz", rate_limted=True)
    text = str(err.value)
    assert "already a component id" in text
    assert "did you mean 'vector_store'" in text
    assert "did you mean 'dmz'" in text
    assert err.value.exit_code == 1
    with pytest.raises(ModelError) as err:
        m.add_component("api", "inference_endpoint", "dmz", rate_limted=True,
                        returns_scores="yes", writable_by_outsiders=True)
    messages = [i.message for i in err.value.issues]
    assert any("did you mean 'rate_limited'" in msg for msg in messages)
    assert any("expected true or false" in msg for msg in messages)
    assert any("attribute of knowledge_source" in msg for msg in messages)
    assert err.value.issues[0].path.startswith("components.api.")
    assert "api" not in m  # nothing half-added


def test_flow_errors() -> None:
    m = small()
    with pytest.raises(ModelError) as err:
        m.add_flow("web", "usr", "nowhere", data=["pii"], colour="red")
    text = str(err.value)
    assert "already a component id" in text
    assert "did you mean 'user'" in text
    assert "unknown component 'nowhere'" in text
    assert "got 'pii'" in text
    assert "unknown flow attribute 'colour'" in text
    with pytest.raises(ModelError, match="already a flow id"):
        m.add_flow("f-req", "user", "web")
    with pytest.raises(ModelError, match="already a flow id"):
        m.add_component("f-req", "actor", "internet")


def test_system_facts() -> None:
    m = SystemModel(
        "s", staff_training=dt.date(2025, 1, 2),
        release_evaluation={"link": "https://e.example/r", "date": "2025-01-03"},
        debt=[{"item": "x", "owner": "y"}], incident_plan="docs/incident.md",
    )
    assert m.fact("staff_training") == "2025-01-02"
    assert m.fact("release_evaluation") == {"link": "https://e.example/r", "date": "2025-01-03"}
    with pytest.raises(ModelError) as err:
        SystemModel("bad id", colour="x", staff_training="soon")
    text = str(err.value)
    assert "invalid id" in text and "unknown system fact 'colour'" in text and "yyyy-mm-dd" in text
    with pytest.raises(ModelError, match="did you mean 'owner'"):
        m.update_system(ownr="x")
    with pytest.raises(KeyError):
        m.fact("colour")


def test_custom_attributes() -> None:
    m = SystemModel("c", custom_attributes=[
        {"name": "pci_scope", "type": "bool", "kinds": ["data_store"],
         "description": "In PCI scope."},
    ])
    m.declare_attribute("tier", "enum", choices=["gold", "silver"])
    m.add_zone("z", trust=1)
    m.add_component("db", "data_store", "z", pci_scope=True, tier="gold")
    with pytest.raises(ModelError, match="attribute of data_store"):
        m.add_component("app", "application", "z", pci_scope=True)
    with pytest.raises(ModelError, match="did you mean 'gold'"):
        m.add_component("app", "application", "z", tier="glod")
    with pytest.raises(ModelError, match="built-in"):
        m.declare_attribute("trusted", "bool")
    with pytest.raises(ModelError, match="declared twice"):
        m.declare_attribute("tier", "text")
    assert set(m.custom_attributes) == {"pci_scope", "tier"}
    assert "pci_scope" in m.attributes_for("data_store")
    assert m.component("db").get("tier") == "gold"
    assert "pci_scope" not in m.unstated("db")
    data = m.to_dict()
    assert data["custom_attributes"][0] == {
        "name": "pci_scope", "description": "In PCI scope.", "kinds": ["data_store"],
        "type": "bool"}
    assert SystemModel.from_dict(data) == m


def test_unstated() -> None:
    m = small()
    unstated = m.unstated("web")
    assert "authenticated" in unstated and "internet_facing" not in unstated
    assert "criticality" in unstated
    assert "name" not in unstated  # only booleans and enums


def test_graph_is_a_read_only_snapshot() -> None:
    m = small()
    g = m.graph
    assert isinstance(g, nx.MultiDiGraph)
    assert g.nodes["web"]["kind"] == "application"
    assert g.edges["user", "web", "f-req"]["data"] == ("user_input",)
    assert nx.has_path(g, "user", "tool")
    with pytest.raises(nx.NetworkXError):
        g.add_node("x")
    with pytest.raises(nx.NetworkXError):
        g.remove_edge("user", "web", key="f-req")
    g.nodes["web"]["internet_facing"] = False  # a snapshot: the model is not changed
    assert m.component("web").get("internet_facing") is True
    assert m.graph is g  # cached until the model changes
    m.update_component("web", name="W")
    assert m.graph is not g


def test_to_dict_from_dict_copy_and_eq() -> None:
    m = small()
    data = m.to_dict()
    assert list(data) == ["schema_version", "system", "zones", "components", "flows"]
    assert list(data["components"][2]) == ["id", "kind", "zone", "internet_facing"]
    assert list(data["flows"][0]) == ["id", "from", "to", "data", "encrypted"]
    again = SystemModel.from_dict(data, source="x.yaml")
    assert again == m and again.source == "x.yaml"
    clone = m.copy()
    assert clone == m
    clone.update_component("web", name="Changed")
    assert clone != m and m.component("web").name == "web"
    assert m != "not a model"
    with pytest.raises(TypeError):
        hash(m)


def test_from_dict_reports_all_problems() -> None:
    with pytest.raises(ModelError) as err:
        SystemModel.from_dict({"schema_version": 1, "system": {"id": "x"},
                               "components": [{"id": "a", "kind": "actor", "zone": "nowhere"},
                                              {"id": "b", "kind": "nope", "zone": "nowhere"}]})
    assert len(err.value.issues) == 3
    assert all(i.line is None for i in err.value.issues)


def test_views_are_read_only() -> None:
    m = small()
    web = m.component("web")
    with pytest.raises(TypeError):
        web.attrs["internet_facing"] = False  # type: ignore[index]
    with pytest.raises(AttributeError):
        web.kind = "model"  # type: ignore[misc]
    assert hash(web) == hash(m.component("web"))


def test_support_assistant_queries() -> None:
    m = load_template("support-assistant")
    tickets = m.component("customer-tickets")
    assert tickets.get("writable_by_outsiders") is True
    assert tickets.id in {c.id for c in m.entry_points()}
    assert "llm" in m.downstream("customer-tickets")  # outsider-written tickets reach the LLM
    assert "llm" in m.reachable_from_untrusted()
    llm = m.component("llm")
    assert (llm.kind, llm.get("origin"), llm.zone) == ("model", "third_party_api", "provider")
    jewels = {c.id for c in m.crown_jewels()}
    assert "ticketing-tool" in jewels
    assert m.crown_jewel_reasons("ticketing-tool") == ["side effects: write"]
    assert m.trust_of("llm") < m.trust_of("assistant")
    assert any(f.target == "assistant" and f.source == "llm" for f in m.untrusted_inputs())


def test_large_model_queries() -> None:
    """10,000 components and 30,000 flows: build and run every derived query once."""
    m = SystemModel("big")
    for z in range(5):
        m.add_zone(f"z{z}", trust=z)
    n = 10_000
    for i in range(n):
        kind = "actor" if i % 500 == 0 else ("knowledge_source" if i % 333 == 0 else "application")
        m.add_component(f"c{i}", kind, f"z{i % 5}")
    for j in range(30_000):
        m.add_flow(f"f{j}", f"c{(j * 7) % n}", f"c{(j * 13 + 1) % n}", data=["user_input"])
    assert len(m.entry_points()) > 0
    reach = m.reachable_from_untrusted()
    assert len(reach) > 1000
    assert len(m.boundary_flows()) > 10_000
    assert len(m.untrusted_inputs()) > 1000
    assert m.crown_jewels() == []
    assert m.graph.number_of_edges() == 30_000


def test_import_is_light() -> None:
    import subprocess
    import sys

    code = ("import sys, workbench.model; "
            "heavy = [m for m in ('pandas', 'plotly', 'ipywidgets', 'stix2') if m in sys.modules]; "
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("module", ["definitions", "system", "io"])
def test_docstring_examples(module: str) -> None:
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(f"workbench.model.{module}"))
    assert result.attempted > 0 and result.failed == 0


def test_views_are_slotted_and_a_flow_view_keeps_what_it_showed() -> None:
    # a flow's view reads its edge's own attributes (no copy): it must stay read-only and
    # keep showing what it showed when the flow changes, moves or the graph is copied out
    m = small()
    old = m.flow("f-req")
    assert not hasattr(old, "__dict__") and not hasattr(m.component("web"), "__dict__")
    with pytest.raises(TypeError):
        old.attrs["encrypted"] = False  # type: ignore[index]
    exported = m.graph.edges["user", "web", "f-req"]  # the copy handed out shares no dict
    assert exported == dict(old.attrs) and exported is not old.attrs
    m.update_flow("f-req", encrypted=False, target="llm")
    assert old.encrypted is True and old.attrs["encrypted"] is True and old.target == "web"
    new = m.flow("f-req")
    assert new is not old and new.encrypted is False and new.attrs["encrypted"] is False
    assert new.target == "llm"
    copy = m.copy()
    copy.update_flow("f-req", encrypted=True)
    assert m.flow("f-req").encrypted is False


def test_a_component_view_reads_its_node_and_keeps_what_it_showed() -> None:
    # a component's view reads its node's own dict (no copy): kind and zone are fields, not
    # attributes; the view is read-only and keeps what it showed when the component changes,
    # in the model and in a copy sharing the view
    m = small()
    old = m.component("web")
    assert "kind" not in old.attrs and "zone" not in old.attrs and old.get("kind") is None
    assert dict(old.attrs) == {k: v for k, v in m.graph.nodes["web"].items()
                               if k not in ("kind", "zone")}
    assert len(old.attrs) == len(list(old.attrs)) and old.attrs.get("zone", "x") == "x"
    with pytest.raises(KeyError):
        old.attrs["kind"]
    with pytest.raises(TypeError):
        old.attrs["name"] = "x"  # type: ignore[index]
    copy = m.copy()
    stated = dict(old.attrs)
    m.update_component("web", internet_facing=False, name="Changed")
    assert dict(old.attrs) == stated and old.name == stated.get("name", "web")
    assert m.component("web").get("internet_facing") is False
    assert m.component("web").name == "Changed"
    assert copy.component("web") == old and copy.component("web").get("name") != "Changed"
    copy.update_component("web", authenticated=True)
    assert m.component("web").get("authenticated") is not True and dict(old.attrs) == stated
