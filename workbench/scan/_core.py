"""What a scan finds, the limits every reader keeps, and chunked hashing."""

from __future__ import annotations

import hashlib
import os
import struct
from dataclasses import dataclass, field
from typing import IO, Any

from workbench._records import Record
from workbench.errors import InputError

__all__ = [
    "CHUNK",
    "LIMITS",
    "VERDICTS",
    "Call",
    "FileResult",
    "FolderInfo",
    "Limits",
    "Refused",
    "read_exact",
    "sha256_of",
    "worst",
]

#: Verdicts, from best to worst.
VERDICTS = ("safe", "suspicious", "dangerous")

#: Bytes read at a time while hashing and copying.
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Bounds that keep every reader's memory and time small on hostile input."""

    #: Largest safetensors JSON header (the format itself allows 100 MB).
    safetensors_header: int = 100 * 1024 * 1024
    #: Most data a pickle stream may hold (a pickle inside a zip is copied into memory).
    pickle_bytes: int = 256 * 1024 * 1024
    #: Most pickle opcodes in one file (the static scanner keeps them in memory).
    pickle_ops: int = 5_000_000
    #: Deepest pickle stack (nested containers, marks) before the file is refused.
    pickle_depth: int = 10_000
    #: Most entries in a zip archive.
    zip_entries: int = 100_000
    #: Largest uncompressed-to-compressed ratio of a zip entry that is read.
    zip_ratio: int = 200
    #: Largest JSON or YAML document read from a model folder or archive.
    document_bytes: int = 16 * 1024 * 1024
    #: Most files walked in one folder.
    folder_files: int = 100_000
    #: Most GGUF metadata entries and tensors.
    gguf_entries: int = 1_000_000
    #: Most GGUF metadata bytes (the tokenizer vocabulary lives there).
    gguf_metadata_bytes: int = 512 * 1024 * 1024
    #: Deepest nesting of protobuf messages (ONNX subgraphs, TensorFlow functions).
    protobuf_depth: int = 64
    #: Most protobuf fields visited in one file.
    protobuf_fields: int = 50_000_000
    #: Most HDF5 object header messages and continuation blocks read.
    hdf5_messages: int = 10_000


LIMITS = Limits()


class Refused(InputError):
    """A file the scan will not read further: truncated, oversized or hostile."""


@dataclass(frozen=True)
class Call:
    """Something a file would do when loaded: an import a pickle calls, a Lambda layer.

    ``safety`` is one of :data:`VERDICTS`; ``where`` names the part of the file
    (an archive entry, a layer) when there is one.
    """

    what: str
    safety: str
    where: str = ""

    def text(self) -> str:
        return f"{self.where}: {self.what}" if self.where else self.what

    def to_dict(self) -> dict[str, str]:
        return {"what": self.what, "safety": self.safety, "where": self.where}


@dataclass
class FileResult(Record):
    """The scan of one file (or one SavedModel folder).

    ``format`` names what the file is (``safetensors``, ``pickle``,
    ``torch_zip`` ...), ``serialization`` the model attribute value it maps to.
    ``verdict`` is ``None`` when the scan cannot tell (``notes`` say why);
    ``error`` is set when the file was refused.
    """

    path: str
    format: str = "unknown"
    serialization: str | None = None
    size: int = 0
    sha256: str | None = None
    verdict: str | None = None
    calls: list[Call] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    error: str | None = None

    def judge(self, default: str | None = "safe") -> None:
        """Set :attr:`verdict` from the calls (``default`` when there are none)."""
        found = [c.safety for c in self.calls]
        self.verdict = worst(found) if found else default


@dataclass
class FolderInfo(Record):
    """What a model folder says about itself (``config.json``, the model card)."""

    path: str
    architecture: str | None = None
    model_type: str | None = None
    base_model: list[str] = field(default_factory=list)
    license: str | None = None
    datasets: list[str] = field(default_factory=list)
    supplier: str | None = None
    version: str | None = None
    model_card: str | None = None
    sources: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def worst(verdicts: list[str]) -> str:
    """The worst of *verdicts* (``safe`` < ``suspicious`` < ``dangerous``)."""
    return max(verdicts, key=VERDICTS.index)


def sha256_of(handle: IO[bytes]) -> str:
    """SHA-256 of an open binary file, read in :data:`CHUNK` pieces from the start."""
    handle.seek(0)
    digest = hashlib.sha256()
    while True:
        chunk = handle.read(CHUNK)
        if not chunk:
            break
        digest.update(chunk)
    return digest.hexdigest()


def read_exact(handle: IO[bytes], n: int, name: str, what: str) -> bytes:
    """Exactly *n* bytes, or :class:`Refused` naming the file as truncated."""
    data = handle.read(n)
    if len(data) != n:
        raise Refused(f"{name}: truncated: the file ends inside its {what}")
    return data


def unpack(fmt: str, handle: IO[bytes], name: str, what: str) -> tuple[Any, ...]:
    return struct.unpack(fmt, read_exact(handle, struct.calcsize(fmt), name, what))


def file_size(handle: IO[bytes]) -> int:
    return os.fstat(handle.fileno()).st_size
