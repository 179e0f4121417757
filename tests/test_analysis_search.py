"""The fast paths of the analysis give what the plain algorithms they replace give.

* :func:`workbench.rules._graph.search` (level-at-a-time search on integer arrays)
  against a first-in, first-out search over adjacency lists: same parents, flows,
  origins and depths, on random multigraphs with self-loops and parallel flows;
* the rationale filling of the engine against ``string.Template.safe_substitute``;
* ``Condition.holds`` against ``Condition.evaluate(...) is not None``, and the
  candidate sets (``among``) holding every element a condition matches, for every
  bundled rule on every template and realistic system.
"""

from __future__ import annotations

import string
from collections import deque
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.catalog import load_catalog
from workbench.model import load_model, load_template, template_names
from workbench.rules import load_rules
from workbench.rules._graph import Rows, search
from workbench.rules.conditions import candidate_ids
from workbench.rules.context import Context
from workbench.rules.engine import _fill, _pieces

SYSTEMS = Path(__file__).parent / "fixtures" / "systems"


def _plain(
    n: int, edges: list[tuple[int, int]], sources: list[int], mark: bool, expand: set[int] | None
) -> tuple[list[int], list[int], list[int], list[int]]:
    """The reference: one queue, adjacency lists in edge order."""
    adj: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    for e, (u, v) in enumerate(edges):
        adj[u].append((e, v))
    parent, edge, origin, depth = [-1] * n, [-1] * n, [-1] * n, [-1] * n
    seen = [False] * n
    queue: deque[int] = deque()
    if mark:
        for s in sources:
            seen[s], origin[s], depth[s] = True, s, 0
    first = list(sources)
    for s in first:  # the sources are expanded first, in their order
        for e, v in adj[s]:
            if not seen[v]:
                seen[v], parent[v], edge[v], origin[v] = True, s, e, s
                depth[v] = 1
                queue.append(v)
    while queue:
        u = queue.popleft()
        if expand is not None and u not in expand:
            continue
        for e, v in adj[u]:
            if not seen[v]:
                seen[v], parent[v], edge[v], origin[v] = True, u, e, origin[u]
                depth[v] = depth[u] + 1
                queue.append(v)
    return parent, edge, origin, depth


@st.composite
def graphs(draw: st.DrawFn) -> tuple[int, list[tuple[int, int]], list[int], bool, set[int] | None]:
    n = draw(st.integers(1, 25))
    node = st.integers(0, n - 1)
    edges = draw(st.lists(st.tuples(node, node), max_size=80))
    sources = draw(st.lists(node, min_size=1, max_size=5, unique=True))
    mark = draw(st.booleans())
    expand = draw(st.none() | st.sets(node))
    return n, edges, sources, mark, expand


@settings(max_examples=300, deadline=None)
@given(graphs())
def test_search_visits_like_a_queue(case: tuple) -> None:
    n, edges, sources, mark, expand = case
    ends = np.array([u for u, _ in edges], dtype=np.int64)
    others = np.array([v for _, v in edges], dtype=np.int64)
    rows = Rows.build(ends, others, np.arange(len(edges), dtype=np.int64), n)
    mask = None
    if expand is not None:
        mask = np.zeros(n, dtype=np.bool_)
        mask[list(expand)] = True
    found = search(rows, np.array(sources, dtype=np.int64), mark_sources=mark, expand=mask)
    parent, edge, origin, depth = _plain(n, edges, sources, mark, expand)
    assert found.parent.tolist() == parent
    assert found.edge.tolist() == edge
    assert found.origin.tolist() == origin
    assert found.depth.tolist() == depth


def test_rows_only_keeps_order() -> None:
    ends = np.array([2, 0, 2, 1, 0], dtype=np.int64)
    others = np.array([0, 1, 1, 2, 2], dtype=np.int64)
    rows = Rows.build(ends, others, np.arange(5, dtype=np.int64), 3)
    assert rows.indptr.tolist() == [0, 2, 3, 5]
    assert rows.edge.tolist() == [1, 4, 3, 0, 2]
    kept = rows.only(np.array([True, False, True, True, False]))
    assert kept.indptr.tolist() == [0, 0, 1, 3]
    assert kept.edge.tolist() == [3, 0, 2]
    assert kept.node.tolist() == [2, 0, 1]


_TEXT = st.text(alphabet="ab $${}_x1.\n", max_size=40)


@settings(max_examples=300, deadline=None)
@given(_TEXT, st.dictionaries(st.sampled_from(["a", "x", "x1", "_", "ab"]), st.text(max_size=5)))
def test_rationale_filling_is_safe_substitute(text: str, variables: dict[str, str]) -> None:
    template = string.Template(text)
    assert _fill(_pieces(template), variables) == template.safe_substitute(variables)


def test_holds_agrees_with_evaluate() -> None:
    catalog = load_catalog()
    rules = load_rules(catalog=catalog)
    models = [load_template(n) for n in template_names()]
    models += [load_model(p) for p in sorted(SYSTEMS.glob("*.yaml"))]
    checked = fired = 0
    for model in models:
        ctx = Context(model, catalog)
        for rule in rules.rules:
            conds = [rule.condition, *(a.condition for a in rule.also)]
            elements = ctx.components if rule.element == "component" else ctx.flows
            for element in elements.values():
                for cond in conds:
                    matched = cond.evaluate(ctx, element) is not None
                    assert cond.holds(ctx, element) == matched, (model.id, rule.id, element.id)
                    among = candidate_ids(ctx, cond)
                    assert not matched or among is None or element.id in among, (rule.id,)
                    checked += 1
                    fired += matched
    assert checked > 10_000 and fired > 100
