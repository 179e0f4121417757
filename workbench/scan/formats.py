"""Readers of safetensors, GGUF and Keras files, and the format detection.

Every reader takes an open binary file and a :class:`~workbench.scan.FileResult`
to fill; none reads a file whole. Headers are length-checked against the file
before anything is read, so a truncated or oversized header is refused with
the file's name and what was wrong.
"""

from __future__ import annotations

import json
import math
import re
import struct
from collections import Counter
from collections.abc import Iterator
from typing import IO, Any

from workbench.scan._core import LIMITS, Call, FileResult, Limits, Refused, read_exact, unpack
from workbench.scan.pickles import is_pickle_start, open_zip

__all__ = [
    "HDF5_SIGNATURE",
    "MODEL_SUFFIXES",
    "detect",
    "keras_calls",
    "scan_gguf",
    "scan_keras_zip",
    "scan_safetensors",
]

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
PICKLE_SUFFIXES = (".pkl", ".pickle")
TORCH_SUFFIXES = (".pt", ".pth", ".bin", ".ckpt")
#: File name endings the folder walk treats as model files.
MODEL_SUFFIXES = (
    ".safetensors", *PICKLE_SUFFIXES, *TORCH_SUFFIXES, ".joblib", ".h5", ".hdf5", ".keras",
    ".onnx", ".gguf",
)
_COMPRESSED = (b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00")


def _zlib_head(head: bytes) -> bool:
    return len(head) >= 2 and head[0] == 0x78 and (head[0] * 256 + head[1]) % 31 == 0


def detect(head: bytes, name: str, size: int, zip_names: list[str] | None) -> str:
    """The format of a file from its first bytes and name (see :data:`FORMATS`)."""
    lower = name.lower()
    base = lower.replace("\\", "/").rsplit("/", 1)[-1]
    if zip_names is not None:
        if base.endswith(".keras") or ("config.json" in zip_names and not any(
                n.endswith("data.pkl") for n in zip_names)):
            return "keras"
        if base.endswith(TORCH_SUFFIXES) or any(n.endswith("data.pkl") for n in zip_names):
            return "torch_zip"
        return "zip"
    if head.startswith(HDF5_SIGNATURE):
        return "keras_h5"
    if head.startswith(b"GGUF"):
        return "gguf"
    if base == "saved_model.pb":
        return "saved_model"
    if base.endswith(".onnx"):
        return "onnx"
    if base.endswith(".safetensors") or _looks_safetensors(head, size):
        return "safetensors"
    if base.endswith(".joblib"):
        return "joblib"
    if base.endswith(TORCH_SUFFIXES):
        return "torch_legacy" if is_pickle_start(head) else "unknown"
    if base.endswith(PICKLE_SUFFIXES) or is_pickle_start(head):
        return "pickle"
    if (head.startswith(_COMPRESSED) or _zlib_head(head)) and base.endswith(".gz"):
        return "pickle"
    return "unknown"


def _looks_safetensors(head: bytes, size: int) -> bool:
    if len(head) < 9:
        return False
    (n,) = struct.unpack("<Q", head[:8])
    return head[8:9] == b"{" and 8 + n <= size


#: Format names and the ``serialization`` value each maps to.
SERIALIZATION = {
    "safetensors": "safetensors",
    "pickle": "pickle",
    "joblib": "joblib",
    "torch_zip": "torch_pickle",
    "torch_legacy": "torch_pickle",
    "zip": "unknown",
    "keras": "keras",
    "keras_h5": "keras",
    "onnx": "onnx",
    "gguf": "gguf",
    "saved_model": "saved_model",
    "unknown": "unknown",
}


# -- safetensors ---------------------------------------------------------------------


def scan_safetensors(
    handle: IO[bytes], name: str, result: FileResult, limits: Limits = LIMITS
) -> None:
    """Parse a safetensors header (bounded) and check the tensors fit the file."""
    handle.seek(0)
    (n,) = unpack("<Q", handle, name, "safetensors header length")
    if n > limits.safetensors_header:
        raise Refused(
            f"{name}: declares a {n:,}-byte safetensors header, more than the "
            f"{limits.safetensors_header:,} allowed: refused"
        )
    if 8 + n > result.size:
        raise Refused(
            f"{name}: truncated: the safetensors header needs {n:,} bytes, the file has "
            f"{max(result.size - 8, 0):,} after the length"
        )
    raw = read_exact(handle, n, name, "safetensors header")
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise Refused(f"{name}: the safetensors header is not valid JSON") from None
    if not isinstance(header, dict):
        raise Refused(f"{name}: the safetensors header is not a JSON object")
    data_size = result.size - 8 - n
    metadata = header.pop("__metadata__", None)
    dtypes: Counter[str] = Counter()
    parameters = 0
    end_max = 0
    for tensor, spec in header.items():
        if not isinstance(spec, dict):
            raise Refused(f"{name}: tensor {tensor!r}: expected an object in the header")
        shape, offsets, dtype = spec.get("shape"), spec.get("data_offsets"), spec.get("dtype")
        if (
            not isinstance(shape, list)
            or not all(isinstance(d, int) and d >= 0 for d in shape)
            or not isinstance(offsets, list)
            or len(offsets) != 2
            or not all(isinstance(o, int) for o in offsets)
            or not isinstance(dtype, str)
        ):
            raise Refused(
                f"{name}: tensor {str(tensor)[:80]!r}: expected dtype, shape and data_offsets"
            )
        begin, end = offsets
        if not 0 <= begin <= end:
            raise Refused(f"{name}: tensor {str(tensor)[:80]!r}: data_offsets out of order")
        if end > data_size:
            raise Refused(
                f"{name}: truncated: tensor {str(tensor)[:80]!r} ends at byte {end:,} of the "
                f"data, which has {data_size:,} bytes"
            )
        end_max = max(end_max, end)
        dtypes[dtype] += 1
        parameters += math.prod(shape)
    result.details.update(
        tensors=len(header),
        parameters=parameters,
        dtypes=dict(sorted(dtypes.items())),
    )
    if isinstance(metadata, dict):
        result.details["metadata"] = {
            str(k)[:100]: str(v)[:200] for k, v in sorted(metadata.items())[:100]
        }
    if end_max < data_size:
        result.notes.append(f"{data_size - end_max:,} bytes after the last tensor")
    result.verdict = "safe"


# -- GGUF ------------------------------------------------------------------------------

_GGUF_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?",
                 10: "<Q", 11: "<q", 12: "<d"}
_GGUF_KEEP = re.compile(
    r"general\.(architecture|name|basename|organization|author|version|license|license\.name|"
    r"finetune|size_label|file_type|quantization_version|base_model\.count|"
    r"base_model\.\d+\.(name|organization|repo_url)|dataset\.\d+\.(name|repo_url)|"
    r"dataset\.count|source\.url|url|repo_url)"
)
# Bytes per block and elements per block of the GGML tensor types (unknown ones unchecked).
_GGML_BLOCKS = {0: (4, 1), 1: (2, 1), 2: (18, 32), 3: (20, 32), 6: (22, 32), 7: (24, 32),
                8: (34, 32), 9: (36, 32), 10: (84, 256), 11: (110, 256), 12: (144, 256),
                13: (176, 256), 14: (210, 256), 15: (292, 256), 24: (1, 1), 25: (2, 1),
                26: (4, 1), 27: (8, 1), 28: (8, 1), 30: (2, 1)}
# Jinja reaching Python internals: the signs of template injection.
_TEMPLATE_ATTACK = re.compile(
    r"__class__|__globals__|__builtins__|__subclasses__|__import__|__mro__|__init__|"
    r"\bpopen\b|\bos\.|subprocess|\beval\b|\bexec\b"
)


class _Gguf:
    def __init__(self, handle: IO[bytes], name: str, limits: Limits) -> None:
        self.handle = handle
        self.name = name
        self.limits = limits
        self.read_bytes = 0
        self.version = 0

    def _take(self, n: int) -> bytes:
        self.read_bytes += n
        if self.read_bytes > self.limits.gguf_metadata_bytes:
            raise Refused(
                f"{self.name}: GGUF metadata larger than {self.limits.gguf_metadata_bytes:,} "
                "bytes: refused"
            )
        return read_exact(self.handle, n, self.name, "GGUF metadata")

    def number(self, fmt: str) -> Any:
        return struct.unpack(fmt, self._take(struct.calcsize(fmt)))[0]

    def count(self) -> int:
        return int(self.number("<I" if self.version == 1 else "<Q"))

    def string(self, keep: bool = True) -> str:
        n = self.count()
        if n > self.limits.gguf_metadata_bytes:
            raise Refused(f"{self.name}: a GGUF string declares {n:,} bytes: refused")
        if not keep:
            self.read_bytes += n
            if self.read_bytes > self.limits.gguf_metadata_bytes:
                raise Refused(f"{self.name}: GGUF metadata too large: refused")
            here = self.handle.tell()
            self.handle.seek(here + n)
            return ""
        return self._take(n).decode("utf-8", errors="replace")

    def value(self, kind: int, keep: bool, depth: int = 0) -> Any:
        if kind in _GGUF_SCALARS:
            return self.number(_GGUF_SCALARS[kind])
        if kind == 8:
            return self.string(keep)
        if kind == 9:
            if depth > 4:
                raise Refused(f"{self.name}: GGUF arrays nest too deeply: refused")
            item = self.number("<I")
            n = self.count()
            if n > self.limits.gguf_entries * 16:
                raise Refused(f"{self.name}: a GGUF array declares {n:,} items: refused")
            if item in _GGUF_SCALARS:
                width = struct.calcsize(_GGUF_SCALARS[item])
                self.read_bytes += n * width
                if self.read_bytes > self.limits.gguf_metadata_bytes:
                    raise Refused(f"{self.name}: GGUF metadata too large: refused")
                self.handle.seek(self.handle.tell() + n * width)
                return f"[{n} items]"
            for _ in range(n):
                self.value(item, False, depth + 1)
            return f"[{n} items]"
        raise Refused(f"{self.name}: unknown GGUF value type {kind}: not a GGUF file, or damaged")


def scan_gguf(handle: IO[bytes], name: str, result: FileResult, limits: Limits = LIMITS) -> None:
    """Read a GGUF header and its metadata (keys, not the vocabulary) into *result*."""
    handle.seek(0)
    if read_exact(handle, 4, name, "GGUF magic") != b"GGUF":
        raise Refused(f"{name}: not a GGUF file")
    g = _Gguf(handle, name, limits)
    g.version = int(g.number("<I"))
    if g.version not in (1, 2, 3):
        raise Refused(f"{name}: GGUF version {g.version} is not one this reader knows (1-3)")
    tensors, kvs = g.count(), g.count()
    if tensors > limits.gguf_entries or kvs > limits.gguf_entries:
        raise Refused(
            f"{name}: declares {tensors:,} tensors and {kvs:,} metadata entries, more than "
            f"{limits.gguf_entries:,}: refused"
        )
    kept: dict[str, Any] = {}
    template: str | None = None
    alignment = 32
    for _ in range(kvs):
        key = g.string()
        kind = int(g.number("<I"))
        wanted = bool(_GGUF_KEEP.fullmatch(key)) or key in (
            "tokenizer.chat_template", "general.alignment")
        value = g.value(kind, wanted)
        if key == "tokenizer.chat_template" and isinstance(value, str):
            template = value
        elif key == "general.alignment" and isinstance(value, int) and value > 0:
            alignment = value
        elif wanted:
            kept[key] = value if not isinstance(value, str) else value[:300]
    end = 0
    for _ in range(tensors):
        g.string()
        dims = int(g.number("<I"))
        if dims > 8:
            raise Refused(f"{name}: a GGUF tensor declares {dims} dimensions: refused")
        shape = [int(g.number("<Q")) for _ in range(dims)]
        kind = int(g.number("<I"))
        offset = int(g.number("<Q"))
        size, per = _GGML_BLOCKS.get(kind, (0, 1))
        end = max(end, offset + -(-math.prod(shape) // per) * size)
    data_start = -(-handle.tell() // alignment) * alignment
    if tensors and data_start + end > result.size:
        raise Refused(
            f"{name}: truncated: the tensor data ends at byte {data_start + end:,}, the file "
            f"has {result.size:,}"
        )
    result.details.update(gguf_version=g.version, tensors=tensors, metadata_entries=kvs)
    result.details["metadata"] = dict(sorted(kept.items()))
    if template is not None:
        result.details["chat_template_chars"] = len(template)
        found = sorted(set(_TEMPLATE_ATTACK.findall(template)))
        if found:
            result.calls.append(
                Call(f"chat template reaches Python internals ({', '.join(found[:5])}): "
                     "template injection when rendered without a sandbox", "dangerous",
                     "tokenizer.chat_template")
            )
        else:
            result.notes.append(
                "carries a chat template (Jinja): render it in a sandboxed environment"
            )
    result.judge()


# -- Keras -----------------------------------------------------------------------------


def _walk(value: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    stack = [(value, depth)]
    while stack:
        item, level = stack.pop()
        if level > 200:
            continue
        if isinstance(item, dict):
            yield item
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, level + 1) for v in item)


def keras_calls(config: Any, where: str) -> list[Call]:
    """Lambda layers and custom objects in a Keras model configuration."""
    calls: list[Call] = []
    seen: set[str] = set()
    for node in _walk(config):
        cls = node.get("class_name")
        if not isinstance(cls, str):
            continue
        raw_inner = node.get("config")
        inner: dict[str, Any] = raw_inner if isinstance(raw_inner, dict) else {}
        layer = str(inner.get("name") or "")[:80]
        if cls == "Lambda":
            function = inner.get("function")
            code = isinstance(function, (list, dict)) or (
                isinstance(function, str) and len(function) > 80)
            what = (f"Lambda layer {layer!r}: " + (
                "serialized Python code that runs when the model is loaded" if code
                else f"calls the function {str(function)[:60]!r}, which must be supplied "
                "to load it"))
            call = Call(what, "dangerous" if code else "suspicious", where)
        else:
            module = node.get("module")
            registered = node.get("registered_name")
            if not (isinstance(module, str) and module and not module.startswith("keras")
                    and registered):
                continue
            call = Call(f"custom object {str(registered)[:80]} from module {module[:80]}: its "
                        "code must be imported to load the model", "suspicious", where)
        if call.what not in seen:
            seen.add(call.what)
            calls.append(call)
    return calls


def scan_keras_zip(
    handle: IO[bytes], name: str, result: FileResult, limits: Limits = LIMITS
) -> None:
    """Read ``config.json`` and ``metadata.json`` of a ``.keras`` archive (bounded)."""
    archive = open_zip(handle, name, limits)
    names = {i.filename: i for i in archive.infolist()}
    if "config.json" not in names:
        raise Refused(f"{name}: a .keras archive without config.json")
    config = _zip_json(archive, names["config.json"], name, limits)
    if "metadata.json" in names:
        meta = _zip_json(archive, names["metadata.json"], name, limits)
        if isinstance(meta, dict):
            for key in ("keras_version", "date_saved"):
                if isinstance(meta.get(key), str):
                    result.details[key] = meta[key][:40]
    if isinstance(config, dict):
        result.details["class_name"] = str(config.get("class_name"))[:80]
        inner = config.get("config")
        if isinstance(inner, dict) and isinstance(inner.get("layers"), list):
            result.details["layers"] = len(inner["layers"])
    result.details["archive_entries"] = sorted(names)[:50]
    result.calls.extend(keras_calls(config, "config.json"))
    result.judge()


def _zip_json(archive: Any, info: Any, name: str, limits: Limits) -> Any:
    from workbench.scan.pickles import _entry_stream

    where = f"{name}:{info.filename}"
    if info.file_size > limits.document_bytes:
        raise Refused(f"{where}: {info.file_size:,} bytes, more than the "
                      f"{limits.document_bytes:,} read: refused")
    raw = _entry_stream(archive, info, name, limits).read()
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise Refused(f"{where}: not valid JSON") from None
