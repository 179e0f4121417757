"""Just enough of the protobuf wire format to read ONNX and TensorFlow graphs.

No generated code and no ``onnx`` or ``tensorflow`` package: the reader walks
fields on the open file, seeking over the ones it does not need (weights and
initializers can be gigabytes), with the nesting depth and the number of
fields bounded. Only names (operator types, domains, tags, external data
locations) are ever read into memory.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from typing import IO, Any

from workbench.scan._core import LIMITS, Call, FileResult, Limits, Refused

__all__ = ["ONNX_STANDARD_DOMAINS", "TF_DANGEROUS_OPS", "Wire", "scan_onnx", "scan_saved_model_pb"]

#: Operator domains every ONNX runtime implements itself.
ONNX_STANDARD_DOMAINS = frozenset(
    {"", "ai.onnx", "ai.onnx.ml", "ai.onnx.training", "ai.onnx.preview.training"}
)
#: Contributed operator domains that ship inside ONNX Runtime (no extra library).
ONNX_RUNTIME_DOMAINS = frozenset({"com.microsoft", "com.microsoft.nchwc", "com.ms.internal.nhwc"})

#: TensorFlow operations that read or write files or run Python when a graph runs.
TF_DANGEROUS_OPS = frozenset(
    {"ReadFile", "WriteFile", "MatchingFiles", "DeleteFile", "PyFunc", "PyFuncStateless",
     "EagerPyFunc"}
)

_NAME_LIMIT = 4096
Field = tuple[int, int, Any]
_Handler = Callable[[Any, int], object]


class Wire:
    """Protobuf fields of one open file, read lazily and within :class:`Limits`."""

    def __init__(self, handle: IO[bytes], name: str, size: int, limits: Limits = LIMITS) -> None:
        self.handle = handle
        self.name = name
        self.size = size
        self.limits = limits
        self.visited = 0

    def _varint(self) -> int:
        result = 0
        shift = 0
        while True:
            b = self.handle.read(1)
            if not b:
                raise Refused(f"{self.name}: truncated: the file ends inside a protobuf field")
            result |= (b[0] & 0x7F) << shift
            if not b[0] & 0x80:
                return result
            shift += 7
            if shift > 63:
                raise Refused(f"{self.name}: not a protobuf message (a varint runs on)")

    def fields(self, start: int, end: int, depth: int) -> Iterator[Field]:
        """``(number, wire type, value)`` of the fields in ``[start, end)``.

        Length-delimited values are ``(offset, length)``: nothing is read until
        the caller asks (:meth:`text`, or :meth:`fields` on that range).
        """
        if depth > self.limits.protobuf_depth:
            raise Refused(
                f"{self.name}: messages nest deeper than {self.limits.protobuf_depth} levels: "
                "refused"
            )
        pos = start
        while pos < end:
            self.visited += 1
            if self.visited > self.limits.protobuf_fields:
                raise Refused(
                    f"{self.name}: more than {self.limits.protobuf_fields:,} protobuf fields: "
                    "refused"
                )
            self.handle.seek(pos)
            key = self._varint()
            number, wire = key >> 3, key & 7
            value: Any = None
            if wire == 0:
                value = self._varint()
                nxt = self.handle.tell()
            elif wire == 1:
                nxt = self.handle.tell() + 8
            elif wire == 5:
                nxt = self.handle.tell() + 4
            elif wire == 2:
                length = self._varint()
                offset = self.handle.tell()
                nxt = offset + length
                value = (offset, length)
            else:
                raise Refused(
                    f"{self.name}: not a protobuf message (wire type {wire} at byte {pos})"
                )
            if nxt > end or number == 0:
                raise Refused(
                    f"{self.name}: truncated or malformed: a protobuf field at byte {pos} runs "
                    "past its message"
                )
            yield number, wire, value
            pos = nxt

    def text(self, span: tuple[int, int]) -> str:
        offset, length = span
        self.handle.seek(offset)
        raw = self.handle.read(min(length, _NAME_LIMIT))
        return raw.decode("utf-8", errors="replace")

    def sub(self, span: Any, depth: int) -> Iterator[Field]:
        offset, length = span
        return self.fields(offset, offset + length, depth)


def _pair(wire: Wire, span: Any, depth: int) -> tuple[str, Any]:
    key, value = "", None
    for number, kind, val in wire.sub(span, depth):
        if number == 1 and kind == 2:
            key = wire.text(val)
        elif number == 2:
            value = wire.text(val) if kind == 2 else val
    return key, value


class _Onnx:
    def __init__(self, wire: Wire) -> None:
        self.wire = wire
        self.ops: Counter[tuple[str, str]] = Counter()
        self.external: list[str] = []
        self.function_domains: set[str] = set()
        self.initializers = 0

    def _messages(self, span: Any, depth: int, handlers: Mapping[int, _Handler]) -> None:
        """Hand each length-delimited field of *span* to the handler of its number."""
        for number, kind, val in self.wire.sub(span, depth):
            handler = handlers.get(number) if kind == 2 else None
            if handler is not None:
                handler(val, depth + 1)

    def graph(self, span: Any, depth: int) -> None:
        self._messages(span, depth, {1: self.node, 5: self.tensor})

    def node(self, span: Any, depth: int) -> None:
        op, domain = "", ""
        for number, kind, val in self.wire.sub(span, depth):
            if kind != 2:
                continue
            if number == 4:
                op = self.wire.text(val)
            elif number == 7:
                domain = self.wire.text(val)
            elif number == 5:
                self.attribute(val, depth + 1)
        self.ops[(domain, op)] += 1

    def attribute(self, span: Any, depth: int) -> None:
        for number, kind, val in self.wire.sub(span, depth):
            if kind == 2 and number in (6, 11):
                self.graph(val, depth + 1)

    def tensor(self, span: Any, depth: int) -> None:
        self.initializers += 1
        for number, kind, val in self.wire.sub(span, depth):
            if kind == 2 and number == 13:
                key, value = _pair(self.wire, val, depth + 1)
                if key == "location" and isinstance(value, str):
                    self.external.append(value)

    def function(self, span: Any, depth: int) -> None:
        self._messages(
            span,
            depth,
            {7: self.node, 10: lambda val, _depth: self.function_domains.add(self.wire.text(val))},
        )


def _leaves_folder(location: str) -> bool:
    parts = location.replace("\\", "/").split("/")
    return location.startswith(("/", "\\")) or (len(location) > 1 and location[1] == ":") or (
        ".." in parts
    )


def scan_onnx(handle: IO[bytes], name: str, result: FileResult, limits: Limits = LIMITS) -> None:
    """Read an ONNX model's operators, opsets, metadata and external data into *result*."""
    wire = Wire(handle, name, result.size, limits)
    onnx = _Onnx(wire)
    info: dict[str, Any] = {}
    opsets: dict[str, int] = {}
    metadata: dict[str, str] = {}
    saw_graph = False
    for number, kind, val in wire.fields(0, result.size, 0):
        if number == 1 and kind == 0:
            info["ir_version"] = val
        elif number in (2, 3, 4) and kind == 2:
            info[{2: "producer_name", 3: "producer_version", 4: "domain"}[number]] = wire.text(val)
        elif number == 5 and kind == 0:
            info["model_version"] = val
        elif number == 7 and kind == 2:
            saw_graph = True
            onnx.graph(val, 1)
        elif number == 8 and kind == 2:
            domain, version = _pair(wire, val, 1)
            opsets[domain or "ai.onnx"] = version if isinstance(version, int) else 0
        elif number == 14 and kind == 2:
            key, value = _pair(wire, val, 1)
            if len(metadata) < 100 and key:
                metadata[key] = str(value)[:200]
        elif number == 25 and kind == 2:
            onnx.function(val, 1)
    if not saw_graph or "ir_version" not in info:
        raise Refused(f"{name}: not an ONNX model (no ir_version or graph)")
    info["opset_import"] = dict(sorted(opsets.items()))
    info["nodes"] = sum(onnx.ops.values())
    info["initializers"] = onnx.initializers
    info["operators"] = sorted({f"{d}::{o}" if d else o for d, o in onnx.ops})[:500]
    if metadata:
        info["metadata"] = dict(sorted(metadata.items()))
    result.details.update(info)
    known = ONNX_STANDARD_DOMAINS | ONNX_RUNTIME_DOMAINS | onnx.function_domains
    for domain in sorted({d for d, _ in onnx.ops} - known):
        ops = sorted(o for d, o in onnx.ops if d == domain)
        result.calls.append(
            Call(f"custom operator domain {domain} ({', '.join(ops[:5])}): needs a native "
                 "custom-operator library to load", "suspicious")
        )
    for location in sorted(set(onnx.external)):
        if _leaves_folder(location):
            result.calls.append(
                Call(f"external data location {location!r} points outside the model folder: "
                     "loading reads that file", "dangerous")
            )
    if onnx.external:
        result.details["external_data"] = sorted(set(onnx.external))[:100]
        result.notes.append("weights are stored outside the file (external data): scan those "
                            "files too")
    result.judge()


def scan_saved_model_pb(
    handle: IO[bytes], name: str, result: FileResult, limits: Limits = LIMITS
) -> None:
    """Read the operations, tags and TensorFlow version of a ``saved_model.pb``."""
    wire = Wire(handle, name, result.size, limits)
    ops: Counter[str] = Counter()
    tags: set[str] = set()
    versions: set[str] = set()

    def node(span: Any, depth: int) -> None:
        for number, kind, val in wire.sub(span, depth):
            if number == 2 and kind == 2:
                ops[wire.text(val)] += 1

    def graph_def(span: Any, depth: int) -> None:
        for number, kind, val in wire.sub(span, depth):
            if kind != 2:
                continue
            if number == 1:
                node(val, depth + 1)
            elif number == 2:  # FunctionDefLibrary
                for n2, k2, v2 in wire.sub(val, depth + 1):
                    if n2 == 1 and k2 == 2:  # FunctionDef
                        for n3, k3, v3 in wire.sub(v2, depth + 2):
                            if n3 == 3 and k3 == 2:
                                node(v3, depth + 3)

    meta_graphs = 0
    for number, kind, val in wire.fields(0, result.size, 0):
        if number == 2 and kind == 2:
            meta_graphs += 1
            for n1, k1, v1 in wire.sub(val, 1):
                if n1 == 1 and k1 == 2:  # MetaInfoDef
                    for n2, k2, v2 in wire.sub(v1, 2):
                        if n2 == 4 and k2 == 2:
                            tags.add(wire.text(v2))
                        elif n2 == 5 and k2 == 2:
                            versions.add(wire.text(v2))
                elif n1 == 2 and k1 == 2:
                    graph_def(v1, 2)
    if meta_graphs == 0:
        raise Refused(f"{name}: not a TensorFlow SavedModel (no meta graph)")
    result.details.update(
        meta_graphs=meta_graphs,
        tags=sorted(tags),
        tensorflow_version=sorted(versions),
        operations=len(ops),
        nodes=sum(ops.values()),
    )
    for op in sorted(set(ops) & TF_DANGEROUS_OPS):
        result.calls.append(
            Call(f"TensorFlow operation {op} ({ops[op]} node{'s' if ops[op] != 1 else ''}): "
                 "reads or writes files or runs Python when the graph runs", "dangerous",
                 "saved_model.pb")
        )
    result.judge()
