"""A fast path for the block YAML that the workbench itself writes.

Model files are large (a 10,000-component model is about 7 MB of YAML) and
almost always written by :func:`workbench.model._yaml.dump_yaml`. PyYAML spends
most of its time per character and per event in Python, so this module reads
and writes that one, regular shape of YAML directly, line by line:

* :func:`fast_dump` writes exactly the text PyYAML's dumper writes (byte for
  byte). Scalars that are plain and short are written directly; every other
  scalar (quoted, folded, literal, floats, Unicode, ...) is rendered by PyYAML
  itself in the same context (same indent and column), so its text is PyYAML's.
  A shape it does not know (keys that are not plain text, a top level that is not
  a mapping) returns ``None`` and the caller uses PyYAML for the whole document.
* :func:`fast_parse` reads the subset that the dumper writes (block mappings and
  lists indented by two, plain and single-quoted scalars, literal blocks, ``{}``
  and ``[]``, full-line comments) and returns the same ``(data, line_map)`` as
  the safe event parser. Anything outside that subset (flow collections, tags,
  anchors, aliases, double quotes, tabs, directives, duplicate keys, deep
  nesting, ...) returns ``None``: the caller then runs the event parser, which
  gives the exact result or the exact error message. The fast path never
  accepts a document the event parser refuses.

Both are checked against PyYAML by property tests (``tests/test_yaml_fast.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import yaml

__all__ = ["fast_dump", "fast_parse"]

Path = tuple[str | int, ...]

_CORE = "tag:yaml.org,2002:"
_STR = _CORE + "str"
_TIMESTAMP = _CORE + "timestamp"
_CONSTRUCTED = {_CORE + t for t in ("int", "float", "bool", "null")}
_resolver = yaml.resolver.Resolver()
_constructor = yaml.constructor.SafeConstructor()

#: Nesting deeper than this is left to the event parser (which refuses it).
_MAX_DEPTH = 64
#: PyYAML's line width as the workbench's dumper sets it.
_WIDTH = 100

# -- shared ------------------------------------------------------------------

# Text that PyYAML writes plain in block context, whatever it resolves to: no
# indicator at the start, none of ": ", " #", quotes at the start, special
# characters, leading or trailing spaces, or non-ASCII (left to PyYAML).
_PLAIN_TEXT = re.compile(r"[A-Za-z0-9_./(][A-Za-z0-9_./()+=,' @-]*")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


# Plain words that YAML 1.1 reads as booleans or null; any other plain scalar
# that starts with an ASCII letter is text (no resolver starts with a letter).
_WORDS = frozenset(
    ["yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL"]
)
_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _resolve_plain(value: str) -> str:
    if value and value[0] in _LETTERS and value not in _WORDS:
        return _STR  # no implicit resolver starts with a letter, but for these words
    return str(_resolver.resolve(yaml.ScalarNode, value, (True, False)))


# -- writing -----------------------------------------------------------------

_plain_cache: dict[str, bool] = {}


def _writes_plain(value: str) -> bool:
    """True when PyYAML writes *value* plain and unchanged (before folding)."""
    known = _plain_cache.get(value)
    if known is not None:
        return known
    ok = False
    if _PLAIN_TEXT.fullmatch(value) and not value.endswith(" ") and "  " not in value:
        tag = _resolve_plain(value)
        # the dumper tags dates as timestamps, written plain
        ok = tag == (_TIMESTAMP if _DATE_RE.fullmatch(value) else _STR)
    if len(_plain_cache) < 200_000:
        _plain_cache[value] = ok
    return ok


class _Unknown(Exception):
    """A shape the fast writer does not handle: PyYAML writes the document."""


def _scalar(value: Any, column: int) -> str | None:
    """The text of a scalar that starts at *column*, or None for PyYAML to write it."""
    kind = type(value)
    if kind is str:
        if _writes_plain(value) and (column + len(value) <= _WIDTH or " " not in value):
            return value
        return None
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if value is None:
        return "null"
    return None


class _Writer:
    def __init__(self, slow_dump: Callable[[Any], str]) -> None:
        self.slow = slow_dump
        self.out: list[str] = []

    def _key(self, key: Any) -> str:
        if type(key) is not str or len(key) > 120 or not _writes_plain(key) or _DATE_RE.fullmatch(
            key
        ):
            raise _Unknown
        return key

    def _render(self, doc: Any) -> str:
        text = self.slow(doc)
        if text.endswith("\n...\n"):
            # an open-ended scalar ("|+"): PyYAML's document end marker depends on
            # what follows it in the whole document, so PyYAML writes it all
            raise _Unknown
        return text

    def _entry_by_pyyaml(self, key: str, value: Any, indent: int) -> str:
        """``key: value`` at mapping indent *indent*, as PyYAML writes it."""
        doc: Any = {key: value}
        depth = indent // 2
        for _ in range(depth):
            doc = {"a": doc}
        text = self._render(doc)
        start = 0
        for _ in range(depth):
            start = text.index("\n", start) + 1
        return text[start + indent :]  # without the first line's indent

    def _item_by_pyyaml(self, value: Any, indent: int) -> str:
        """A list item's scalar (after ``- ``) in a list at *indent*, as PyYAML writes it."""
        doc: Any = {"a": [value]}
        depth = indent // 2 - 1
        for _ in range(depth):
            doc = {"a": doc}
        text = self._render(doc)
        start = 0
        for _ in range(depth + 1):
            start = text.index("\n", start) + 1
        return text[start + indent + 2 :]

    def mapping(self, data: dict[Any, Any], indent: int, inline: bool, depth: int) -> None:
        if depth > _MAX_DEPTH:
            raise _Unknown
        out = self.out
        pad = " " * indent
        first = True
        for key, value in data.items():
            if not (first and inline):
                out.append(pad)
            first = False
            k = self._key(key)
            kind = type(value)
            if kind is dict or kind is list or kind is tuple:
                if not value:
                    out.append(f"{k}: {{}}\n" if kind is dict else f"{k}: []\n")
                elif kind is dict:
                    out.append(k + ":\n")
                    self.mapping(value, indent + 2, False, depth + 1)
                else:
                    out.append(k + ":\n")
                    self.sequence(value, indent + 2, False, depth + 1)
                continue
            text = _scalar(value, indent + len(k) + 2)
            if text is None:
                out.append(self._entry_by_pyyaml(k, value, indent))
            else:
                out.append(f"{k}: {text}\n")

    def sequence(self, data: Any, indent: int, inline: bool, depth: int) -> None:
        if depth > _MAX_DEPTH:
            raise _Unknown
        out = self.out
        pad = " " * indent
        first = True
        for item in data:
            if not (first and inline):
                out.append(pad)
            first = False
            out.append("- ")
            kind = type(item)
            if kind is dict or kind is list or kind is tuple:
                if not item:
                    out.append("{}\n" if kind is dict else "[]\n")
                elif kind is dict:
                    self.mapping(item, indent + 2, True, depth + 1)
                else:
                    self.sequence(item, indent + 2, True, depth + 1)
                continue
            text = _scalar(item, indent + 2)
            out.append(self._item_by_pyyaml(item, indent) if text is None else text + "\n")


def fast_dump(data: Any, slow_dump: Callable[[Any], str]) -> str | None:
    """PyYAML's text for *data*, written faster; None when PyYAML must write it all.

    *slow_dump* is the PyYAML dumper whose output this reproduces; it renders
    the scalars the fast path does not write itself.
    """
    if type(data) is not dict or not data:
        return None
    writer = _Writer(slow_dump)
    try:
        writer.mapping(data, 0, False, 1)
    except _Unknown:
        return None
    return "".join(writer.out)


# -- reading -----------------------------------------------------------------

# Characters the YAML reader refuses, plus tab and carriage return (left to the
# event parser, which reads or refuses them).
_NOT_SIMPLE_TEXT = re.compile(
    "[^\x0a\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)
_KEY_TEXT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./@+=-]*")
# A plain scalar as the dumper writes it: no indicator at the start and none of
# ": ", " #", a trailing colon or space.
_PLAIN_START_BAD = frozenset("-?:,[]{}#&*!|>'\"%@`")
_LITERAL = re.compile(r"\|([1-9])?([+-])?")

_value_cache: dict[str, Any] = {}


def _plain_value(text: str) -> Any:
    if text in _value_cache:
        return _value_cache[text]
    tag = _resolve_plain(text)
    value: Any = text
    if tag in _CONSTRUCTED:
        try:
            value = _constructor.construct_object(yaml.ScalarNode(tag, text))
        except (ValueError, yaml.YAMLError):
            value = text
    if len(_value_cache) < 200_000 and len(text) < 200:
        _value_cache[text] = value
    return value


class _Decline(Exception):
    """Not in the fast subset: the event parser reads the document."""


def _plain_ok(text: str) -> bool:
    if not text or (text[0] in _PLAIN_START_BAD and not (
        text[0] == "-" and len(text) > 1 and text[1] != " "
    )):
        return False
    return not (": " in text or " #" in text or text.endswith((":", " ")))


_ENTRY = re.compile(r"([A-Za-z0-9_][A-Za-z0-9_./@+=-]*):(?: (.*))?")
# A one-line plain scalar of the usual kind (see _plain_ok for the general test).
_SIMPLE_VALUE = re.compile(r"[A-Za-z0-9_./(][A-Za-z0-9_./()+=,'@ -]*")


class _Reader:
    def __init__(self, text: str, with_lines: bool) -> None:
        self.raw = text.split("\n")
        # (line number, indent, content) of each line that is not blank or a comment
        rows: list[tuple[int, int, str]] = []
        append = rows.append
        for number, line in enumerate(self.raw, 1):
            content = line.lstrip(" ")
            if content and content[0] != "#":
                append((number, len(line) - len(content), content))
        self.rows = rows
        self.n = len(rows)
        self.lines: dict[Path, int] | None = {(): 1} if with_lines else None
        self.i = 0

    def _peek(self) -> tuple[int, int, str] | None:
        return self.rows[self.i] if self.i < self.n else None

    def _gap(self, before: int, after: int) -> int:
        """Blank lines between raw lines *before* and *after* (numbers); a comment declines."""
        raw = self.raw
        for k in range(before, after - 1):
            if raw[k].strip(" "):
                raise _Decline  # a comment line inside a scalar
        return after - before - 1

    def _resync(self, number: int) -> None:
        """Move to the first row at or after line *number*."""
        rows, i = self.rows, self.i
        while i < self.n and rows[i][0] < number:
            i += 1
        self.i = i

    def node(self, indent: int, path: Path, depth: int) -> Any:
        """The block node whose first line is the next row, at *indent*."""
        if depth > _MAX_DEPTH:
            raise _Decline
        row = self._peek()
        if row is None or row[1] != indent:
            raise _Decline
        content = row[2]
        if content.startswith("- ") or content == "-":
            return self.sequence(indent, path, depth)
        return self.mapping(indent, path, depth)

    def _level(self, indent: int) -> Iterator[tuple[int, str]]:
        """Line number and text of each row from the current one while they stand at
        *indent*; the rows end at a smaller indent, a larger one is declined."""
        rows, n = self.rows, self.n
        while self.i < n:
            number, ind, content = rows[self.i]
            if ind < indent:
                return
            if ind != indent:
                raise _Decline
            yield number, content

    def sequence(self, indent: int, path: Path, depth: int) -> list[Any]:
        items: list[Any] = []
        rows, n = self.rows, self.n
        simple, cache = _SIMPLE_VALUE.fullmatch, _value_cache
        for number, content in self._level(indent):
            if not content.startswith("- "):
                if content.startswith("-") and (content == "-" or content[1] != " "):
                    raise _Decline  # "-" alone or a plain scalar: not the dumper's shape
                return items  # a mapping key at this indent ends the list
            rest = content[2:]
            lines = self.lines
            if lines is not None:
                item_path = (*path, len(items))
                lines[item_path] = number
            else:
                item_path = path
            if not rest or rest[0] == " ":
                raise _Decline
            if (
                simple(rest)
                and rest[-1] != " "
                and (self.i + 1 >= n or rows[self.i + 1][1] <= indent)
            ):
                self.i += 1
                items.append(cache[rest] if rest in cache else _plain_value(rest))
                continue
            if rest.startswith("- ") or self._starts_entry(rest):
                # a nested list or a mapping that starts on this line, 2 further in
                rows[self.i] = (number, indent + 2, rest)
                items.append(self.node(indent + 2, item_path, depth + 1))
                continue
            self.i += 1
            items.append(self.scalar(rest, number, indent))
        return items

    @staticmethod
    def _starts_entry(content: str) -> bool:
        colon = content.find(":")
        if colon <= 0:
            return False
        return (colon == len(content) - 1 or content[colon + 1] == " ") and bool(
            _KEY_TEXT.fullmatch(content[:colon])
        )

    def mapping(self, indent: int, path: Path, depth: int) -> dict[str, Any]:
        data: dict[str, Any] = {}
        rows, lines, n = self.rows, self.lines, self.n
        entry, simple, cache = _ENTRY.fullmatch, _SIMPLE_VALUE.fullmatch, _value_cache
        for number, content in self._level(indent):
            match = entry(content)
            if match is None:
                raise _Decline  # not "key: value" (a list here is indentless: left to PyYAML)
            key, rest = match.groups()
            if key in data:
                raise _Decline
            self.i += 1
            if lines is not None:
                lines[(*path, key)] = number
            if rest is None:
                after = rows[self.i] if self.i < n else None
                if after is None or after[1] <= indent:
                    if after is not None and after[1] == indent and after[2].startswith("-"):
                        raise _Decline
                    data[key] = None
                    continue
                if after[1] != indent + 2:
                    raise _Decline
                data[key] = self.node(
                    after[1], (*path, key) if lines is not None else path, depth + 1
                )
                continue
            if (
                simple(rest)
                and rest[-1] != " "
                and (self.i >= n or rows[self.i][1] <= indent)
            ):
                data[key] = cache[rest] if rest in cache else _plain_value(rest)
                continue
            if not rest or rest[0] == " ":
                raise _Decline
            data[key] = self.scalar(rest, number, indent)
        return data

    def _continuation(self, number: int, indent: int) -> list[str]:
        """Following lines more indented than *indent* that continue a scalar."""
        parts: list[str] = []
        rows = self.rows
        last = number
        while self.i < self.n:
            row = rows[self.i]
            if row[1] <= indent:
                break
            parts.extend([""] * self._gap(last, row[0]))
            parts.append(row[2])
            last = row[0]
            self.i += 1
        return parts

    @staticmethod
    def _fold(first: str, parts: list[str]) -> str:
        out = first
        blank = 0
        for part in parts:
            if part == "":
                blank += 1
                continue
            out += ("\n" * blank if blank else " ") + part
            blank = 0
        return out

    def scalar(self, text: str, number: int, indent: int) -> Any:
        """The scalar starting with *text* on line *number*; self.i is past that line."""
        if text in ("{}", "[]"):
            return {} if text == "{}" else []
        head = text[0]
        if head == "'":
            return self._single_quoted(text, number, indent)
        if head == "|":
            return self._literal(text, number, indent)
        if not _plain_ok(text):
            raise _Decline
        parts = self._continuation(number, indent)
        if not parts:
            return _plain_value(text)
        for part in parts:
            if part and (not _plain_ok(part) or part.startswith("- ") or part == "-"):
                raise _Decline
        return _plain_value(self._fold(text, parts))

    def _single_quoted(self, text: str, number: int, indent: int) -> str:
        parts = [text[1:]]
        rows = self.rows
        last = number
        while True:
            body = parts[-1]
            closing = _closing_quote(body)
            if closing is not None:
                if body[closing + 1 :]:
                    raise _Decline  # text after the closing quote
                parts[-1] = body[:closing]
                break
            if self.i >= self.n:
                raise _Decline
            row = rows[self.i]
            if row[1] <= indent or row[2].endswith(" "):
                raise _Decline
            parts.extend([""] * self._gap(last, row[0]))
            parts.append(row[2])
            last = row[0]
            self.i += 1
        if any(p.endswith(" ") for p in parts[:-1]) or parts[0].startswith(" "):
            raise _Decline
        return self._fold(parts[0], parts[1:]).replace("''", "'")

    def _literal(self, text: str, number: int, indent: int) -> str:
        match = _LITERAL.fullmatch(text)
        if match is None or match.group(1):
            raise _Decline
        chomp = match.group(2) or ""
        if chomp == "+":
            raise _Decline
        body: list[str] = []
        block_indent = None
        raw = self.raw
        k = number  # raw index of the line after the indicator
        end = k
        while k < len(raw):
            line = raw[k]
            stripped = line.lstrip(" ")
            width = len(line) - len(stripped)
            if not stripped:
                if width and (block_indent is None or width > block_indent):
                    raise _Decline  # spaces kept on an empty line
                body.append("")
                k += 1
                continue
            if block_indent is None:
                if width <= indent:
                    break
                block_indent = width
            if width < block_indent:
                break
            body.append(line[block_indent:])
            k += 1
            end = k
        if block_indent is None:
            raise _Decline
        del body[end - number :]  # blank lines after the block are not part of it
        self._resync(end + 1)
        value = "\n".join(body)
        return value if chomp == "-" else value + "\n"


def _closing_quote(body: str) -> int | None:
    at = 0
    while True:
        at = body.find("'", at)
        if at < 0:
            return None
        if body[at + 1 : at + 2] == "'":
            at += 2
            continue
        return at


def fast_parse(text: str, *, with_lines: bool = True) -> tuple[Any, dict[Path, int]] | None:
    """``(data, line_map)`` as the event parser gives them, or None to use it instead.

    With *with_lines* false the line map is left empty (about a third faster).
    """
    if not text or _NOT_SIMPLE_TEXT.search(text):
        return None
    first = text.lstrip(" \n")
    if first.startswith(("---", "%", "...")) or "\n---" in text or "\n..." in text:
        return None
    reader = _Reader(text, with_lines)
    try:
        row = reader._peek()
        if row is None or row[1] != 0 or row[2].startswith("- "):
            return None
        data = reader.mapping(0, (), 1)
        if reader._peek() is not None:
            return None
    except _Decline:
        return None
    return data, reader.lines or {}
