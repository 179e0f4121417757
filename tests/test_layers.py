"""The package's import layers: no circles, and every import points down the layer order.

The order is ``model -> catalog -> rules -> risk -> export/interop -> project ->
session -> ui``: a module may import from its own layer and from layers to its
left, never from the right. Small top-level modules with no knowledge of the
domain (errors, atomic saves, CSV safety, output helpers, resources, the
version and the private input package) sit below ``model``; the CLI and its
commands sit on top. Every import counts, the lazy ones inside functions too;
only imports under ``if TYPE_CHECKING:`` are left out, as they never run.

Nothing is exempt: :data:`ALLOWED_UPWARD` and :data:`ALLOWED_CIRCLES` are
empty, and an entry that is allowed but no longer exists fails the test too.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "workbench"

#: The layers, lowest first; a module belongs to the longest prefix that names it.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("leaf", (
        "workbench.errors", "workbench._atomic", "workbench._csvsafe", "workbench._output",
        "workbench._resources", "workbench._version", "workbench._input", "workbench._records",
    )),
    ("model", ("workbench.model", "workbench.layout")),
    ("catalog", ("workbench.catalog",)),
    ("rules", ("workbench.rules",)),
    ("risk", ("workbench.risk", "workbench.register", "workbench.training")),
    ("export/interop", ("workbench.export", "workbench.interop", "workbench.scan")),
    ("project", ("workbench.project", "workbench.archive", "workbench.diff")),
    ("session", ("workbench.session", "workbench.workshop")),
    ("ui", ("workbench.ui",)),
    ("top", ("workbench.cli", "workbench.commands", "workbench")),
)

#: Imports that point the wrong way (importer, imported), each with its reason.
#: There are none: an entry added here must say why, and goes when its import goes.
ALLOWED_UPWARD: dict[tuple[str, str], str] = {}

#: Import circles, each as the set of modules in it, with its reason. There are none.
ALLOWED_CIRCLES: dict[frozenset[str], str] = {}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = node.test
            name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", None)
            if name == "TYPE_CHECKING":
                for child in node.body:
                    skipped.update(id(n) for n in ast.walk(child))
    return skipped


def _imports(
    source: str, name: str, is_package: bool, modules: set[str]
) -> Iterator[tuple[str, int]]:
    """The workbench modules the module *name* imports, with the line of each import."""
    package = name if is_package else name.rpartition(".")[0]
    tree = ast.parse(source, name)
    skipped = _type_checking_nodes(tree)
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "workbench":
                    yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            if target.split(".")[0] != "workbench":
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                yield (sub if sub in modules else target), node.lineno


def _graph() -> dict[str, dict[str, int]]:
    files = sorted(PACKAGE.rglob("*.py"))
    modules = {_module_name(p) for p in files}
    graph: dict[str, dict[str, int]] = defaultdict(dict)
    for path in files:
        source = _module_name(path)
        text = path.read_text(encoding="utf-8")
        for target, line in _imports(text, source, path.name == "__init__.py", modules):
            if target != source:
                graph[source].setdefault(target, line)
    return graph


def layer_of(module: str) -> int:
    best: tuple[int, int] | None = None
    for index, (_name, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and (
                best is None or len(prefix) > best[1]
            ):
                best = (index, len(prefix))
    if best is None:
        raise AssertionError(f"{module} is in no layer; add it to LAYERS")
    return best[0]


def _circles(graph: dict[str, dict[str, int]]) -> list[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, {})):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(frozenset(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


@pytest.fixture(scope="module")
def graph() -> dict[str, dict[str, int]]:
    return _graph()


def test_lazy_and_relative_imports_count_and_type_checking_ones_do_not():
    source = (
        "from typing import TYPE_CHECKING\n"
        "import json\n"
        "from workbench.model import system\n"
        "from . import conditions\n"
        "from ..risk.matrix import load_matrix\n"
        "if TYPE_CHECKING:\n"
        "    from workbench.ui.app import Workbench\n"
        "def f():\n"
        "    import workbench.project\n"
        "    from workbench.session import Session\n"
    )
    modules = {"workbench.model.system", "workbench.rules.conditions"}
    found = dict(_imports(source, "workbench.rules.engine", False, modules))
    assert found == {
        "workbench.model.system": 3,
        "workbench.rules.conditions": 4,
        "workbench.risk.matrix": 5,
        "workbench.project": 9,
        "workbench.session": 10,
    }


def test_every_module_is_in_a_layer():
    for path in PACKAGE.rglob("*.py"):
        layer_of(_module_name(path))


def test_imports_follow_the_layer_order(graph):
    wrong = []
    for source, targets in sorted(graph.items()):
        for target, line in sorted(targets.items()):
            if layer_of(target) > layer_of(source) and (source, target) not in ALLOWED_UPWARD:
                wrong.append(
                    f"{source} (line {line}, layer {LAYERS[layer_of(source)][0]}) imports "
                    f"{target} (layer {LAYERS[layer_of(target)][0]})"
                )
    assert not wrong, "imports against the layer order:\n" + "\n".join(wrong)


def test_allowed_upward_imports_still_exist(graph):
    gone = [f"{a} -> {b}" for a, b in ALLOWED_UPWARD if b not in graph.get(a, {})]
    assert not gone, "remove from ALLOWED_UPWARD, the import is gone: " + ", ".join(gone)


def test_no_import_circles(graph):
    circles = _circles(graph)
    new = [sorted(c) for c in circles if c not in ALLOWED_CIRCLES]
    assert not new, f"import circles: {new}"
    gone = [sorted(c) for c in ALLOWED_CIRCLES if c not in circles]
    assert not gone, f"remove from ALLOWED_CIRCLES, the circle is gone: {gone}"


def test_the_circle_finder_finds_a_circle():
    made_up = {"a": {"b": 1}, "b": {"c": 1}, "c": {"a": 1}, "d": {"a": 1}}
    assert _circles(made_up) == [frozenset({"a", "b", "c"})]


def test_the_register_import_copies_back_every_file_of_a_project():
    # risk/csv_import.py may not import the project layer, so it names the files itself
    from workbench.project import LOG_FILE, PROJECT_FILES
    from workbench.risk.csv_import import COPIED_BACK, HASHED_FILES

    assert set(PROJECT_FILES) == HASHED_FILES
    assert sorted(COPIED_BACK) == sorted({*PROJECT_FILES, LOG_FILE})
    assert COPIED_BACK[-1] == "project.yaml"
