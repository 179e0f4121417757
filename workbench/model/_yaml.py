"""Safe YAML reading with line numbers, and stable YAML writing.

Reading works on the parser's event stream (libyaml when available), without
recursion and without constructing any object from a tag: the result holds only
dicts, lists, strings, numbers, booleans and ``None``. Along the way it records
the line of every mapping key and sequence item by path, rejects anchors and
aliases (model files never need them; this defeats alias-expansion bombs),
explicit non-standard tags, more than one document and nesting deeper than
:data:`MAX_DEPTH`. Timestamps stay the strings they were written as.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import yaml
from yaml import events as ev

from workbench.errors import InputError
from workbench.model._yaml_fast import fast_dump, fast_parse

try:  # libyaml is much faster on large files
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

__all__ = ["MAX_DEPTH", "LazyLines", "Path", "dump_yaml", "parse_yaml"]

#: Deepest nesting of mappings and lists accepted in a model file.
MAX_DEPTH = 64

Path = tuple[str | int, ...]

_CORE = "tag:yaml.org,2002:"
_ALLOWED_TAGS = {_CORE + t for t in ("str", "int", "float", "bool", "null", "map", "seq")}
_resolver = yaml.resolver.Resolver()
_constructor = yaml.constructor.SafeConstructor()


def _short_tag(tag: str | None) -> str:
    tag = tag or ""
    return "!!" + tag[len(_CORE):] if tag.startswith(_CORE) else tag


def _scalar(event: ev.ScalarEvent, filename: str, line: int) -> Any:
    tag = event.tag
    if tag is None or tag == "!":
        tag = _resolver.resolve(yaml.ScalarNode, event.value, event.implicit)
    elif tag not in _ALLOWED_TAGS:
        raise InputError(f"{filename}:{line}: tags are not allowed ({_short_tag(event.tag)})")
    if tag == _CORE + "str" or tag == _CORE + "timestamp":
        return event.value
    if tag in (_CORE + "int", _CORE + "float", _CORE + "bool", _CORE + "null"):
        node = yaml.ScalarNode(tag, event.value)
        try:
            return _constructor.construct_object(node)
        except (ValueError, yaml.YAMLError):
            return event.value  # e.g. an int too long to convert: the validator complains
    # Other implicit tags (merge "<<", value "=") are kept as text.
    return event.value


class _Frame:
    __slots__ = ("container", "key", "path", "pending_key")

    def __init__(self, container: Any, path: Path) -> None:
        self.container = container
        self.path = path
        self.key: Any = None
        self.pending_key = True  # for mappings: the next scalar is a key


def parse_yaml(
    text: str, filename: str = "<string>", *, fast: bool = True
) -> tuple[Any, Mapping[Path, int], list[tuple[Path, int, str]]]:
    """Parse one YAML document safely.

    Returns ``(data, line_map, duplicates)``: ``line_map`` maps the path of
    every mapping key and sequence item (``("components", 3, "zone")``) to its
    1-based line; ``duplicates`` lists ``(path, line, key)`` for keys given
    twice in one mapping (the last one wins, as in JSON).

    Raises :class:`InputError` (one line naming the file) for anything that is
    not a plain YAML document.

    Text in the shape :func:`dump_yaml` writes is read by a line-based fast
    path (:mod:`workbench.model._yaml_fast`) with the same result; anything
    else, and everything when *fast* is false, goes through the event parser.
    """
    if fast:
        quick = fast_parse(text, with_lines=False)
        if quick is not None:
            return quick[0], LazyLines(lambda: _lines_of(text)), []
    lines: dict[Path, int] = {(): 1}
    duplicates: list[tuple[Path, int, str]] = []
    stack: list[_Frame] = []
    root: Any = None
    documents = 0
    have_root = False
    line = 1
    try:
        for event in _events(text):
            mark = event.start_mark
            line = mark.line + 1 if mark is not None else line
            if isinstance(event, (ev.StreamStartEvent, ev.StreamEndEvent, ev.DocumentEndEvent)):
                continue
            if isinstance(event, ev.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise InputError(f"{filename}:{line}: more than one YAML document")
                continue
            if isinstance(event, ev.AliasEvent):
                raise InputError(f"{filename}:{line}: YAML aliases are not allowed")
            if isinstance(event, (ev.MappingEndEvent, ev.SequenceEndEvent)):
                frame = stack.pop()
                value = frame.container
                if not stack:
                    root, have_root = value, True
                else:
                    _attach(stack[-1], value, line, lines, duplicates, filename)
                continue
            anchor = getattr(event, "anchor", None)
            if anchor is not None:
                raise InputError(f"{filename}:{line}: YAML anchors are not allowed (&{anchor})")
            if isinstance(event, ev.ScalarEvent):
                if stack and isinstance(stack[-1].container, dict) and stack[-1].pending_key:
                    if event.tag not in (None, "!") and event.tag not in _ALLOWED_TAGS:
                        shown = _short_tag(event.tag)
                        raise InputError(f"{filename}:{line}: tags are not allowed ({shown})")
                    frame = stack[-1]
                    frame.key = event.value
                    frame.pending_key = False
                    key_path = (*frame.path, frame.key)
                    if frame.key in frame.container:
                        duplicates.append((key_path, line, frame.key))
                    lines[key_path] = line
                    continue
                value = _scalar(event, filename, line)
                if not stack:
                    root, have_root = value, True
                else:
                    _attach(stack[-1], value, line, lines, duplicates, filename)
                continue
            if isinstance(event, (ev.MappingStartEvent, ev.SequenceStartEvent)):
                tag = event.tag
                if tag not in (None, "!") and tag not in _ALLOWED_TAGS:
                    raise InputError(f"{filename}:{line}: tags are not allowed ({_short_tag(tag)})")
                if stack and isinstance(stack[-1].container, dict) and stack[-1].pending_key:
                    raise InputError(
                        f"{filename}:{line}: mapping keys must be plain text, not "
                        + ("mappings" if isinstance(event, ev.MappingStartEvent) else "lists")
                    )
                if len(stack) >= MAX_DEPTH:
                    raise InputError(
                        f"{filename}:{line}: nested deeper than {MAX_DEPTH} levels"
                    )
                parent_path: Path = ()
                if stack:
                    parent = stack[-1]
                    if isinstance(parent.container, dict):
                        parent_path = (*parent.path, parent.key)
                    else:
                        parent_path = (*parent.path, len(parent.container))
                        lines[parent_path] = line
                container: Any = {} if isinstance(event, ev.MappingStartEvent) else []
                stack.append(_Frame(container, parent_path))
                continue
    except yaml.reader.ReaderError as exc:
        where = f"{filename}:{text.count(chr(10), 0, max(exc.position, 0)) + 1}"
        raise InputError(
            f"{where}: not valid YAML: character #x{exc.character:04x} is not allowed"
            if isinstance(exc.character, int)
            else f"{where}: not valid YAML: {exc.reason}"
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{filename}:{mark.line + 1}" if mark is not None else filename
        problem = exc.problem or exc.context or "syntax error"
        if "nesting depth" in problem:  # libyaml's own limit, above ours
            raise InputError(f"{where}: nested deeper than {MAX_DEPTH} levels") from None
        raise InputError(f"{where}: not valid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        message = " ".join(str(exc).split())
        raise InputError(f"{filename}: not valid YAML: {message}") from None
    except RecursionError:  # pragma: no cover - the depth limit should come first
        raise InputError(f"{filename}: nested too deeply") from None
    if not have_root:
        root = None
    return root, lines, duplicates


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


def _events(text: str) -> Iterator[ev.Event]:
    loader = _Loader(text)
    try:
        while loader.check_event():
            event = loader.get_event()
            if event is not None:
                yield event
    finally:
        loader.dispose()


def _attach(
    frame: _Frame,
    value: Any,
    line: int,
    lines: dict[Path, int],
    duplicates: list[tuple[Path, int, str]],
    filename: str,
) -> None:
    container = frame.container
    if isinstance(container, dict):
        container[frame.key] = value
        frame.pending_key = True
    else:
        path = (*frame.path, len(container))
        lines.setdefault(path, line)
        container.append(value)


# -- writing -----------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """Block style, indented lists, no aliases, literal blocks for multi-line text."""

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


# Characters YAML reads as line breaks or a byte-order mark: only a double-quoted
# scalar keeps them (escaped), other styles would change the text on reading.
_NEEDS_ESCAPE = re.compile("[\x85\u2028\u2029\ufeff]")


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if _NEEDS_ESCAPE.search(value):
        return dumper.represent_scalar(_CORE + "str", value, style='"')
    if "\n" in value:
        return dumper.represent_scalar(_CORE + "str", value, style="|")
    if _DATE_RE.fullmatch(value):
        # Written plain (2024-05-01, not '2024-05-01'); the reader keeps timestamps as text.
        return dumper.represent_scalar(_CORE + "timestamp", value)
    return dumper.represent_scalar(_CORE + "str", value)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(tuple, yaml.SafeDumper.represent_list)


def dump_yaml(data: Any, *, fast: bool = True) -> str:
    """Write *data* (plain dicts, lists and scalars) as stable block-style YAML.

    The text is PyYAML's; a fast writer (:mod:`workbench.model._yaml_fast`)
    produces the same bytes for the usual shapes, and PyYAML writes the rest
    (and everything when *fast* is false).
    """
    if fast:
        quick = fast_dump(data, _pyyaml_dump)
        if quick is not None:
            return quick
    return _pyyaml_dump(data)


def _pyyaml_dump(data: Any) -> str:
    text: str = yaml.dump(
        data,
        Dumper=_Dumper,
        default_flow_style=False,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        indent=2,
    )
    return text
