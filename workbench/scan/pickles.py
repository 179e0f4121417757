"""Pickle-based model files, read statically: never unpickled.

The imports a pickle would call are listed and judged by picklescan (its
lists of safe and dangerous globals). Before picklescan sees a stream, one
pass over its opcodes (:func:`pickletools.genops`, which only parses) bounds
the number of opcodes and the depth of the unpickler's stack, so a hostile
file is refused with a message instead of exhausting memory.

Archives: PyTorch saves a zip whose ``data.pkl`` holds the pickle; joblib may
compress its pickle with zlib, gzip, bz2 or xz. Entries and decompressed
streams are read in chunks up to a limit, and an entry that expands more than
the allowed ratio is refused as a zip bomb.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import io
import logging
import lzma
import pickletools
import zipfile
import zlib
from collections.abc import Iterator
from typing import IO, Any

from workbench.scan._core import CHUNK, LIMITS, Call, FileResult, Limits, Refused

__all__ = ["check_pickle_stream", "is_pickle_start", "scan_pickle_file", "scan_zip_pickles"]

_PICKLE_SUFFIXES = (".pkl", ".pickle")
_MAGIC = tuple(bytes([0x80, p]) for p in range(2, 6))
# The os module pickles under the name of its platform implementation.
_OS_ALIASES = ("posix", "nt")
_SAFETY = {"innocuous": "safe", "suspicious": "suspicious", "dangerous": "dangerous"}


def is_pickle_start(head: bytes) -> bool:
    """True when *head* starts like a pickle of protocol 2 to 5."""
    return head[:2] in _MAGIC


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """picklescan logs every import it flags; the scan reports them itself."""
    logger = logging.getLogger("picklescan")
    before = logger.disabled
    logger.disabled = True
    try:
        yield
    finally:
        logger.disabled = before


def check_pickle_stream(data: IO[bytes], name: str, limits: Limits = LIMITS) -> int:
    """Walk the opcodes of the pickles in *data* (from its position); return how many.

    Raises :class:`Refused` when there are more than ``limits.pickle_ops``
    opcodes, their data adds up to more than ``limits.pickle_bytes`` (the
    static scanner keeps every opcode in memory) or the unpickler's stack
    would grow deeper than ``limits.pickle_depth``. Stops quietly where the bytes stop being a pickle
    (PyTorch's legacy format puts raw tensor bytes after its pickles).
    """
    start = data.tell()
    ops = 0
    held = 0
    completed = 0
    while True:
        frames = [0]
        total = 0
        parsed = 0
        try:
            for opcode, arg, _pos in pickletools.genops(data):
                ops += 1
                parsed += 1
                if isinstance(arg, (bytes, bytearray, str)):
                    held += len(arg)
                    if held > limits.pickle_bytes:
                        raise Refused(
                            f"{name}: the pickle holds more than {limits.pickle_bytes:,} bytes "
                            "of data: refused (too large to scan within bounded memory)"
                        )
                if ops > limits.pickle_ops:
                    raise Refused(
                        f"{name}: more than {limits.pickle_ops:,} pickle opcodes: refused "
                        "(too large to scan within bounds)"
                    )
                before = opcode.stack_before
                if pickletools.stackslice in before:
                    total -= frames.pop() if len(frames) > 1 else 0
                    if not frames:
                        frames = [0]
                    pops = len([b for b in before if b not in (pickletools.stackslice,
                                                               pickletools.markobject)])
                else:
                    pops = len(before)
                take = min(pops, frames[-1])
                frames[-1] -= take
                total -= take
                if opcode.name == "MARK":
                    frames.append(0)
                else:
                    frames[-1] += len(opcode.stack_after)
                    total += len(opcode.stack_after)
                if total + len(frames) > limits.pickle_depth:
                    raise Refused(
                        f"{name}: the pickle nests deeper than {limits.pickle_depth:,} levels "
                        "(its stack would hold more items): refused"
                    )
        except Refused:
            raise
        except Exception:
            if ops == 0:
                raise Refused(f"{name}: not a pickle (no valid opcode at the start)") from None
            if completed == 0:
                raise Refused(
                    f"{name}: truncated or broken pickle: it ends before its STOP opcode"
                ) from None
            break
        if parsed == 0:
            break
        completed += 1
        here = data.tell()
        if not data.read(1):
            break
        data.seek(here)
    data.seek(start)
    return ops


def _judge(data: IO[bytes], name: str, where: str, result: FileResult) -> None:
    from picklescan.scanner import scan_pickle_bytes

    with _quiet():
        scanned = scan_pickle_bytes(data, name)
    seen = {(c.what, c.where) for c in result.calls}
    for g in sorted(scanned.globals, key=lambda g: (g.module, g.name)):
        what = f"{g.module}.{g.name}"
        if g.module in _OS_ALIASES:
            what = f"os.{g.name} (pickled as {what})"
        call = Call(what, _SAFETY[g.safety.value], where)
        if (call.what, call.where) not in seen:
            seen.add((call.what, call.where))
            result.calls.append(call)
    if scanned.scan_err:
        result.notes.append(
            f"{where or name}: the pickle stream breaks off after some imports; judged on "
            "the imports before the break"
        )


def _bounded_copy(source: IO[bytes], limit: int, name: str, what: str) -> io.BytesIO:
    out = io.BytesIO()
    while True:
        chunk = source.read(CHUNK)
        if not chunk:
            break
        if out.tell() + len(chunk) > limit:
            raise Refused(
                f"{name}: {what} expands to more than {limit:,} bytes: refused "
                "(compression bomb, or too large to scan)"
            )
        out.write(chunk)
    out.seek(0)
    return out


def _decompressor(head: bytes, handle: IO[bytes]) -> tuple[str, Any] | None:
    if head[:2] == b"\x1f\x8b":
        return "gzip", gzip.GzipFile(fileobj=handle, mode="rb")
    if head[:3] == b"BZh":
        return "bz2", bz2.BZ2File(handle, "rb")
    if head[:6] == b"\xfd7zXZ\x00":
        return "xz", lzma.LZMAFile(handle, "rb")
    if head[:1] == b"\x78" and (head[0] * 256 + head[1]) % 31 == 0:
        return "zlib", _ZlibReader(handle)
    return None


class _ZlibReader(io.RawIOBase):
    """A zlib stream as a readable file, decompressed chunk by chunk."""

    def __init__(self, handle: IO[bytes]) -> None:
        self._handle = handle
        self._z = zlib.decompressobj()
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        while (n < 0 or len(self._buffer) < n) and not self._z.eof:
            raw = self._handle.read(CHUNK)
            if not raw:
                break
            self._buffer += self._z.decompress(raw, CHUNK * 4)
            while self._z.unconsumed_tail and (n < 0 or len(self._buffer) < n):
                self._buffer += self._z.decompress(self._z.unconsumed_tail, CHUNK * 4)
        if n < 0:
            n = len(self._buffer)
        out, self._buffer = self._buffer[:n], self._buffer[n:]
        return out


def scan_pickle_file(
    handle: IO[bytes], name: str, result: FileResult, limits: Limits = LIMITS
) -> None:
    """Scan a plain (possibly compressed) pickle file into *result*."""
    handle.seek(0)
    head = handle.read(8)
    handle.seek(0)
    packed = _decompressor(head, handle)
    if packed is not None:
        method, stream = packed
        try:
            data: IO[bytes] = _bounded_copy(stream, limits.pickle_bytes, name, f"its {method} stream")
        except (OSError, EOFError, zlib.error, lzma.LZMAError) as exc:
            raise Refused(f"{name}: broken {method} stream: {exc}") from None
        result.details["compression"] = method
    else:
        data = handle
    result.details["pickle_opcodes"] = check_pickle_stream(data, name, limits)
    _judge(data, name, "", result)
    result.judge()


def _entry_stream(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, limits: Limits
) -> io.BytesIO:
    where = f"{name}:{info.filename}"
    if info.file_size > limits.pickle_bytes:
        raise Refused(
            f"{where}: declares {info.file_size:,} bytes, more than the {limits.pickle_bytes:,} "
            "scanned: refused"
        )
    if info.compress_type != zipfile.ZIP_STORED and info.file_size > 1024 * 1024:
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > limits.zip_ratio:
            raise Refused(
                f"{where}: expands {ratio:,.0f} times ({info.compress_size:,} to "
                f"{info.file_size:,} bytes): refused as a zip bomb"
            )
    try:
        with archive.open(info) as entry:
            return _bounded_copy(entry, min(info.file_size, limits.pickle_bytes), where, "the entry")
    except (zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError, OSError) as exc:
        raise Refused(f"{where}: cannot read the archive entry: {exc}") from None


def open_zip(handle: IO[bytes], name: str, limits: Limits = LIMITS) -> zipfile.ZipFile:
    """The zip archive in *handle*, with its entry count bounded."""
    handle.seek(0)
    try:
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise Refused(f"{name}: not a readable zip archive (truncated?): {exc}") from None
    if len(archive.infolist()) > limits.zip_entries:
        raise Refused(
            f"{name}: more than {limits.zip_entries:,} archive entries: refused"
        )
    return archive


def scan_zip_pickles(
    handle: IO[bytes], name: str, result: FileResult, limits: Limits = LIMITS
) -> None:
    """Scan the pickles inside a zip archive (PyTorch's format) into *result*."""
    archive = open_zip(handle, name, limits)
    entries = archive.infolist()
    names = [i.filename for i in entries]
    pickles = 0
    budget = limits.pickle_bytes * 4
    for info in entries:
        if info.is_dir():
            continue
        base = info.filename.rsplit("/", 1)[-1]
        in_data = "/data/" in f"/{info.filename}" and not base.endswith(_PICKLE_SUFFIXES)
        if in_data:
            continue  # tensor storage: raw bytes, never a pickle PyTorch loads
        if not base.endswith(_PICKLE_SUFFIXES):
            try:
                with archive.open(info) as entry:
                    head = entry.read(2)
            except (zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError,
                    OSError) as exc:
                raise Refused(f"{name}:{info.filename}: cannot read the entry: {exc}") from None
            if not is_pickle_start(head):
                continue
        budget -= info.file_size
        if budget < 0:
            raise Refused(f"{name}: its pickles add up to more than {limits.pickle_bytes * 4:,} "
                          "bytes: refused")
        data = _entry_stream(archive, info, name, limits)
        where = info.filename
        check_pickle_stream(data, f"{name}:{where}", limits)
        _judge(data, f"{name}:{where}", where, result)
        pickles += 1
    result.details["archive_entries"] = len(names)
    result.details["pickles"] = pickles
    if any("/code/" in f"/{n}" for n in names):
        result.notes.append("a TorchScript archive: it also holds TorchScript code (code/...)")
    if pickles == 0:
        result.notes.append("no pickle found in the archive")
    result.judge()
