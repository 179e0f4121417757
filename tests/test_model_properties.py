"""Property-based tests: random valid models survive save and load unchanged."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.model import SystemModel, dumps_model, loads_model
from workbench.model import definitions as d

_ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
IDS = st.builds(str.__add__, st.sampled_from(_ALNUM), st.text(_ALNUM + "._-", max_size=12))
TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40
)
_PATH = st.text(_ALNUM + "_./-", min_size=1, max_size=20)
LINK = st.one_of(
    st.builds("https://{}.example/{}".format, st.text("abcdefgh", min_size=1, max_size=8),
              st.text(_ALNUM + "/_.-", max_size=15)),
    _PATH,
)
DATES = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31))
NUMBERS = st.one_of(
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
)


def value_for(spec: d.AttrSpec) -> st.SearchStrategy[Any]:
    t = spec.type
    if t == d.BOOL:
        return st.booleans()
    if t == d.ENUM:
        assert spec.choices
        return st.sampled_from(spec.choices)
    if t == d.TEXT:
        if spec.pattern:
            return st.from_regex(spec.pattern, fullmatch=True)
        return TEXT
    if t == d.DATE:
        return st.one_of(DATES, DATES.map(dt.date.isoformat))
    if t == d.NUMBER:
        return NUMBERS
    if t == d.INTEGER:
        return st.integers(min_value=spec.minimum or 0, max_value=10**6)
    if t == d.LINK:
        return LINK
    if t == d.LINKS:
        return st.lists(LINK, max_size=3)
    if t == d.LIST:
        items = st.sampled_from(spec.choices) if spec.choices else TEXT
        return st.lists(items, max_size=3)
    if t == d.RECORD:
        return st.fixed_dictionaries(
            {f.name: value_for(f) for f in spec.fields if f.required},
            optional={f.name: value_for(f) for f in spec.fields if not f.required},
        )
    if t == d.RECORDS:
        return st.lists(value_for(d.AttrSpec(spec.name, d.RECORD, fields=spec.fields)),
                        max_size=3)
    raise AssertionError(t)


@st.composite
def attributes(draw: st.DrawFn, table: dict[str, d.AttrSpec]) -> dict[str, Any]:
    names = draw(st.lists(st.sampled_from(sorted(table)), unique=True, max_size=8))
    return {name: draw(value_for(table[name])) for name in names}


CUSTOM = st.lists(
    st.one_of(
        st.builds(lambda n, k: {"name": f"x_{n}", "type": "bool", "kinds": k},
                  st.integers(0, 3), st.none() | st.lists(st.sampled_from(list(d.KINDS)),
                                                          min_size=1, max_size=3, unique=True)),
        st.builds(lambda n, c: {"name": f"y_{n}", "type": "enum", "choices": c,
                                "description": "Organisation tier."},
                  st.integers(0, 3), st.lists(st.sampled_from(["gold", "silver", "bronze"]),
                                              min_size=1, unique=True)),
    ),
    max_size=2,
    unique_by=lambda e: e["name"],
)


@st.composite
def models(draw: st.DrawFn) -> SystemModel:
    facts_table = {s.name: s for s in d.SYSTEM_FACTS if s.name != "id"}
    facts = draw(attributes(facts_table))
    model = SystemModel(draw(IDS), custom_attributes=draw(CUSTOM), **facts)
    zone_ids = draw(st.lists(IDS, min_size=1, max_size=4, unique=True))
    for zid in zone_ids:
        model.add_zone(zid, trust=draw(st.integers(0, 5)), name=draw(st.none() | TEXT),
                       description=draw(st.none() | TEXT))
    ids = draw(st.lists(IDS, max_size=14, unique_by=str.lower))
    split = draw(st.integers(0, len(ids)))
    component_ids, flow_ids = ids[:split], ids[split:]
    for cid in component_ids:
        kind = draw(st.sampled_from(list(d.KINDS)))
        attrs = draw(attributes(dict(model.attributes_for(kind))))
        model.add_component(cid, kind, draw(st.sampled_from(zone_ids)), **attrs)
    if component_ids:
        flow_table = {s.name: s for s in d.FLOW_ATTRIBUTES}
        for fid in flow_ids:
            model.add_flow(fid, draw(st.sampled_from(component_ids)),
                           draw(st.sampled_from(component_ids)),
                           **draw(attributes(flow_table)))
    return model


SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@SETTINGS
@given(models())
def test_yaml_round_trip(model: SystemModel) -> None:
    text = dumps_model(model, "yaml")
    again = loads_model(text, format="yaml")
    assert again == model
    assert dumps_model(again, "yaml") == text


@SETTINGS
@given(models())
def test_json_round_trip(model: SystemModel) -> None:
    text = dumps_model(model, "json")
    again = loads_model(text, format="json")
    assert again == model
    assert dumps_model(again, "json") == text


@SETTINGS
@given(models())
def test_saving_is_deterministic_and_dict_round_trips(model: SystemModel) -> None:
    assert dumps_model(model) == dumps_model(model.copy())
    assert SystemModel.from_dict(model.to_dict()) == model
    from_json = loads_model(dumps_model(model, "json"), format="json")
    assert dumps_model(from_json, "yaml") == dumps_model(model, "yaml")


@SETTINGS
@given(models())
def test_queries_are_consistent(model: SystemModel) -> None:
    entries = {c.id for c in model.entry_points()}
    reach = model.reachable_from_untrusted()
    assert not reach & entries
    expected: set[str] = set()
    for e in entries:
        expected |= model.downstream(e)
    assert reach == expected - entries
    for f in model.boundary_flows():
        assert model.trust_of(f.source) != model.trust_of(f.target)
    for f in model.untrusted_inputs():
        assert model.trust_of(f.source) < model.trust_of(f.target)
    assert [c.id for c in model.crown_jewels()] == [
        c.id for c in model.components() if model.crown_jewel_reasons(c.id)]
