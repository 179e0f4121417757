"""The one safe YAML reader: plain data and a line map keyed by path tuples.

Reading works on the parser's event stream (libyaml when available), without
recursion and without constructing any object from a tag: the result holds only
dicts, lists, strings, numbers, booleans and ``None``. Along the way it records
the line of every mapping key and sequence item by path, and refuses explicit
non-standard tags, more than one document and nesting deeper than
:data:`MAX_DEPTH`. Timestamps stay the strings they were written as.

Anchors and aliases are refused (workbench files never need them; this defeats
alias-expansion bombs), unless the caller asks for them with ``aliases=True``:
foreign files (Threagile models) use anchors and merge keys (``<<: *base``) on
purpose. Then each alias is replaced by a copy of its anchor's value, the
copies may add at most ``max_nodes`` nodes in all (which stops "billion
laughs" before it grows), and an alias to an unfinished node (a recursive
structure) is refused.

Text in the shape the workbench writes is read by a line-based fast path
(:mod:`workbench._input._fast`) with the same result.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import yaml
from yaml import events as ev

from workbench._input._fast import fast_parse
from workbench._input.limits import MAX_ALIAS_NODES, MAX_DEPTH
from workbench.errors import InputError, Issue

try:  # libyaml is much faster on large files
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

__all__ = [
    "MAX_ALIAS_NODES",
    "MAX_DEPTH",
    "LazyLines",
    "Lines",
    "Path",
    "YamlDocument",
    "parse_yaml",
]

Path = tuple[str | int, ...]
Lines = Mapping[Path, int]
Duplicates = list[tuple[Path, int, str]]
YamlDocument = tuple[Any, Lines, Duplicates]

_CORE = "tag:yaml.org,2002:"
_ALLOWED_TAGS = {_CORE + t for t in ("str", "int", "float", "bool", "null", "map", "seq")}
_resolver = yaml.resolver.Resolver()
_constructor = yaml.constructor.SafeConstructor()


def _refuse(filename: str, line: int | None, problem: str, code: str) -> InputError:
    """An :class:`InputError` of one line whose issue carries *code*."""
    where = f"{filename}:{line}" if line is not None else filename
    error = InputError(f"{where}: {problem}")
    error.issues = [Issue(filename, line, "", problem, code)]
    return error


def _short_tag(tag: str | None) -> str:
    tag = tag or ""
    return "!!" + tag[len(_CORE):] if tag.startswith(_CORE) else tag


def _check_tag(tag: str | None, filename: str, line: int) -> None:
    if tag not in (None, "!") and tag not in _ALLOWED_TAGS:
        raise _refuse(filename, line, f"tags are not allowed ({_short_tag(tag)})", "yaml-tag")


def _scalar(event: ev.ScalarEvent, filename: str, line: int) -> Any:
    tag = event.tag
    if tag is None or tag == "!":
        tag = _resolver.resolve(yaml.ScalarNode, event.value, event.implicit)
    else:
        _check_tag(tag, filename, line)
    if tag == _CORE + "str" or tag == _CORE + "timestamp":
        return event.value
    if tag in (_CORE + "int", _CORE + "float", _CORE + "bool", _CORE + "null"):
        node = yaml.ScalarNode(tag, event.value)
        try:
            return _constructor.construct_object(node)
        except (ValueError, yaml.YAMLError):
            return event.value  # e.g. an int too long to convert: the validator complains
    # Other implicit tags (merge "<<" outside alias mode, value "=") are kept as text.
    return event.value


def _events(text: str) -> Iterator[ev.Event]:
    loader = _Loader(text)
    try:
        while loader.check_event():
            event = loader.get_event()
            if event is not None:
                yield event
    finally:
        loader.dispose()


class _Frame:
    __slots__ = ("anchor", "container", "key", "merge", "merges", "path", "pending_key", "size")

    def __init__(self, container: Any, path: Path, anchor: str | None) -> None:
        self.container = container
        self.path = path
        self.anchor = anchor
        self.key: Any = None
        self.pending_key = True  # for mappings: the next scalar is a key
        self.merge = False  # the pending value is that of a merge key (<<)
        self.merges: list[Any] = []
        self.size = 1


class _Reader:
    """Builds the document from the events, one method per kind of event."""

    def __init__(self, filename: str, aliases: bool, max_nodes: int) -> None:
        self.filename = filename
        self.aliases = aliases
        self.max_nodes = max_nodes
        self.lines: dict[Path, int] = {(): 1}
        self.duplicates: Duplicates = []
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.stack: list[_Frame] = []
        self.root: Any = None
        self.documents = 0
        self.copied = 0
        self.line = 1

    def fail(self, problem: str, code: str) -> InputError:
        return _refuse(self.filename, self.line, problem, code)

    def in_key(self) -> bool:
        stack = self.stack
        return bool(stack) and isinstance(stack[-1].container, dict) and stack[-1].pending_key

    def read(self, events: Iterator[ev.Event]) -> None:
        """Build the document from *events*, one handler per kind of event."""
        handlers: dict[type, Callable[[Any], None]] = {
            ev.ScalarEvent: self.scalar,
            ev.MappingStartEvent: self.start,
            ev.SequenceStartEvent: self.start,
            ev.MappingEndEvent: self.end,
            ev.SequenceEndEvent: self.end,
            ev.AliasEvent: self.alias,
            ev.DocumentStartEvent: self.document,
        }
        for event in events:
            mark = event.start_mark
            if mark is not None:
                self.line = mark.line + 1
            handler = handlers.get(type(event))
            if handler is not None:
                handler(event)

    def document(self, event: ev.DocumentStartEvent) -> None:
        self.documents += 1
        if self.documents > 1:
            raise self.fail("more than one YAML document", "yaml-documents")

    def anchor(self, anchor: str | None) -> None:
        if anchor is not None and not self.aliases:
            raise self.fail(f"YAML anchors are not allowed (&{anchor})", "yaml-anchor")

    def place(self, value: Any, size: int = 1) -> None:
        if not self.stack:
            self.root = value
            return
        frame = self.stack[-1]
        frame.size += size
        container = frame.container
        if isinstance(container, dict):
            if frame.merge:
                frame.merges.append(value)
            else:
                container[frame.key] = value
            frame.pending_key = True
            frame.merge = False
        else:
            self.lines.setdefault((*frame.path, len(container)), self.line)
            container.append(value)

    def key(self, event: ev.ScalarEvent) -> None:
        _check_tag(event.tag, self.filename, self.line)
        frame = self.stack[-1]
        frame.key = event.value
        frame.pending_key = False
        frame.merge = self.aliases and event.value == "<<" and event.tag is None and bool(
            event.implicit and event.implicit[0]
        )
        key_path = (*frame.path, frame.key)
        if frame.key in frame.container:
            self.duplicates.append((key_path, self.line, frame.key))
        self.lines[key_path] = self.line

    def scalar(self, event: ev.ScalarEvent) -> None:
        self.anchor(event.anchor)
        if self.in_key():
            self.key(event)
            return
        value = _scalar(event, self.filename, self.line)
        if event.anchor is not None:
            self.anchors[str(event.anchor)] = (value, 1)
        self.place(value)

    def start(self, event: ev.MappingStartEvent | ev.SequenceStartEvent) -> None:
        self.anchor(event.anchor)
        _check_tag(event.tag, self.filename, self.line)
        is_map = isinstance(event, ev.MappingStartEvent)
        if self.in_key():
            what = "mappings" if is_map else "lists"
            raise self.fail(f"mapping keys must be plain text, not {what}", "yaml-key")
        if len(self.stack) >= MAX_DEPTH:
            raise self.fail(f"nested deeper than {MAX_DEPTH} levels", "depth")
        path: Path = ()
        if self.stack:
            parent = self.stack[-1]
            if isinstance(parent.container, dict):
                path = (*parent.path, parent.key)
            else:
                path = (*parent.path, len(parent.container))
                self.lines[path] = self.line
        self.stack.append(_Frame({} if is_map else [], path, event.anchor))

    def end(self, event: ev.CollectionEndEvent) -> None:
        frame = self.stack.pop()
        value = frame.container
        if frame.merges:
            value = self.merged(frame)
        if frame.anchor is not None:
            self.anchors[str(frame.anchor)] = (value, frame.size)
        self.place(value, frame.size)

    def merged(self, frame: _Frame) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        sources: list[Any] = []
        for value in frame.merges:
            sources.extend(value if isinstance(value, list) else [value])
        for source in reversed(sources):  # earlier sources win over later ones
            if not isinstance(source, dict):
                raise self.fail(
                    "a merge key (<<) needs a mapping or a list of mappings", "yaml-merge"
                )
            out.update(source)
        out.update(frame.container)  # keys written in the mapping win over merged ones
        return out

    def alias(self, event: ev.AliasEvent) -> None:
        if not self.aliases:
            raise self.fail("YAML aliases are not allowed", "yaml-alias")
        entry = self.anchors.get(str(event.anchor))
        if entry is None:
            raise self.fail(
                f"alias *{event.anchor} refers to no finished anchor "
                "(undefined, or a recursive structure)",
                "yaml-alias",
            )
        if self.in_key():
            raise self.fail("aliases as mapping keys are not supported", "yaml-alias")
        value, size = entry
        self.copied += size
        if self.copied > self.max_nodes:
            raise self.fail(
                f"YAML aliases expand to more than {self.max_nodes:,} nodes; "
                "refused (alias bomb?)",
                "yaml-bomb",
            )
        self.place(copy.deepcopy(value), size)


def parse_yaml(
    text: str,
    filename: str = "<string>",
    *,
    fast: bool = True,
    aliases: bool = False,
    max_nodes: int = MAX_ALIAS_NODES,
    expected: str | None = None,
) -> YamlDocument:
    """Parse one YAML document safely.

    Returns ``(data, line_map, duplicates)``: ``line_map`` maps the path of
    every mapping key and sequence item (``("components", 3, "zone")``) to its
    1-based line; ``duplicates`` lists ``(path, line, key)`` for keys given
    twice in one mapping (the last one wins, as in JSON).

    Raises :class:`InputError` (one line naming the file; its issue carries a
    ``code``) for anything that is not a plain YAML document. With *expected*,
    a syntax error says what the file should have been.

    Text in the shape the workbench writes is read by the fast path
    (:mod:`workbench._input._fast`) with the same result; anything else, and
    everything when *fast* is false, goes through the event parser.
    """
    if fast:
        quick = fast_parse(text, with_lines=False)
        if quick is not None:
            return quick[0], LazyLines(lambda: _lines_of(text)), []
    reader = _Reader(filename, aliases, max_nodes)
    try:
        reader.read(_events(text))
    except yaml.YAMLError as exc:
        raise _syntax_error(exc, text, filename, expected) from None
    except RecursionError:  # pragma: no cover - the depth limit should come first
        raise _refuse(filename, None, "nested too deeply", "depth") from None
    return reader.root, reader.lines, reader.duplicates


def _syntax_error(
    exc: yaml.YAMLError, text: str, filename: str, expected: str | None
) -> InputError:
    tail = f": expected {expected}" if expected else ""
    if isinstance(exc, yaml.reader.ReaderError):
        line = text.count("\n", 0, max(exc.position, 0)) + 1
        problem = (
            f"character #x{exc.character:04x} is not allowed"
            if isinstance(exc.character, int)
            else str(exc.reason)
        )
        return _refuse(filename, line, f"not valid YAML: {problem}{tail}", "syntax")
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        at = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "syntax error"
        if "nesting depth" in problem:  # libyaml's own limit (its words), above ours
            return _refuse(filename, at, f"nested deeper than {MAX_DEPTH} levels", "depth")
        return _refuse(filename, at, f"not valid YAML: {problem}{tail}", "syntax")
    message = " ".join(str(exc).split())
    return _refuse(filename, None, f"not valid YAML: {message}{tail}", "syntax")


class LazyLines(Mapping[Path, int]):
    """A line map computed when first used, by *compute*.

    Line maps are needed only to report a problem, so loading a valid file
    never builds one.
    """

    def __init__(self, compute: Callable[[], Mapping[Path, int]]) -> None:
        self._compute: Callable[[], Mapping[Path, int]] | None = compute
        self._map: Mapping[Path, int] = {}

    def _lines(self) -> Mapping[Path, int]:
        if self._compute is not None:
            self._map, self._compute = self._compute(), None
        return self._map

    def __getitem__(self, key: Path) -> int:
        return self._lines()[key]

    def __iter__(self) -> Iterator[Path]:
        return iter(self._lines())

    def __len__(self) -> int:
        return len(self._lines())


def _lines_of(text: str) -> Mapping[Path, int]:
    quick = fast_parse(text, with_lines=True)
    return quick[1] if quick is not None else parse_yaml(text, fast=False)[1]
