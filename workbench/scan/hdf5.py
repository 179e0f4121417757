"""The root attributes of an HDF5 file, read in pure Python (no h5py).

Keras (2.x and ``tf.keras``) writes its model architecture as the JSON text of
the ``model_config`` attribute on the file's root group. This reader follows
the HDF5 file format specification just far enough to find it: the
superblock (versions 0 to 3), the root object header (versions 1 and 2, with
continuation blocks), attribute messages (versions 1 to 3) holding
fixed-length strings or variable-length strings in the global heap. Every
address is checked against the file size and the number of messages is
bounded. Attributes kept in dense storage (a fractal heap, used for very large
attributes) or in shared datatypes are not read: the scan says it cannot tell.
"""

from __future__ import annotations

import struct
from typing import IO

from workbench.scan._core import LIMITS, Limits, Refused, read_exact

__all__ = ["read_root_attributes"]

_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_ATTRIBUTE = 0x000C
_CONTINUATION = 0x0010
_ATTRIBUTE_INFO = 0x0015


class _H5:
    def __init__(self, handle: IO[bytes], name: str, size: int, limits: Limits) -> None:
        self.handle = handle
        self.name = name
        self.size = size
        self.limits = limits
        self.base = 0
        self.offsets = 8
        self.lengths = 8
        self.notes: list[str] = []
        self.messages = 0

    def at(self, address: int, n: int, what: str) -> bytes:
        if address < 0 or address + n > self.size:
            raise Refused(f"{self.name}: truncated or damaged HDF5: the {what} at byte "
                          f"{address:,} lies outside the file")
        self.handle.seek(address)
        return read_exact(self.handle, n, self.name, what)

    def uint(self, data: bytes, pos: int, width: int) -> int:
        return int.from_bytes(data[pos : pos + width], "little")

    def superblock(self) -> int:
        """Find the superblock; return the root group's object header address."""
        start = -1
        for candidate in (0, 512, 1024, 2048, 4096):
            if candidate + 8 <= self.size and self.at(candidate, 8, "signature") == _SIGNATURE:
                start = candidate
                break
        if start < 0:
            raise Refused(f"{self.name}: not an HDF5 file (no superblock signature)")
        head = self.at(start, 16, "superblock")
        version = head[8]
        if version in (0, 1):
            self.offsets, self.lengths = head[13], head[14]
            fixed = 24 if version == 0 else 28
            o = self.offsets
            body = self.at(start + fixed, 4 * o + 2 * o + 8, "superblock")
            self.base = self.uint(body, 0, o)
            return self.base + self.uint(body, 4 * o + o, o)
        if version in (2, 3):
            self.offsets, self.lengths = head[9], head[10]
            o = self.offsets
            body = self.at(start + 12, 4 * o, "superblock")
            self.base = self.uint(body, 0, o)
            return self.base + self.uint(body, 3 * o, o)
        raise Refused(f"{self.name}: HDF5 superblock version {version} is not one this reader "
                      "knows (0-3)")

    def _count(self) -> None:
        self.messages += 1
        if self.messages > self.limits.hdf5_messages:
            raise Refused(f"{self.name}: more than {self.limits.hdf5_messages:,} HDF5 header "
                          "messages: refused")

    def header_messages(self, address: int) -> list[tuple[int, bytes]]:
        """``(type, data)`` of every message of the object header at *address*."""
        out: list[tuple[int, bytes]] = []
        first = self.at(address, 4, "object header")
        pending: list[tuple[int, int, int]] = []  # (address, length, header version)
        seen: set[int] = set()
        if first == b"OHDR":
            head = self.at(address, 6, "object header")
            flags = head[5]
            pos = address + 6 + (16 if flags & 0x20 else 0) + (4 if flags & 0x10 else 0)
            width = 1 << (flags & 3)
            chunk = self.uint(self.at(pos, width, "object header"), 0, width)
            pending.append((pos + width, chunk, 2))
            creation = bool(flags & 0x04)
        else:
            head = self.at(address, 16, "object header")
            if head[0] != 1:
                raise Refused(f"{self.name}: damaged HDF5: object header version {head[0]}")
            chunk = self.uint(head, 8, 4)
            pending.append((address + 16, chunk, 1))
            creation = False
        while pending:
            start, length, version = pending.pop(0)
            if start in seen:
                raise Refused(f"{self.name}: damaged HDF5: object header blocks form a loop")
            seen.add(start)
            if length > 64 * 1024 * 1024:
                raise Refused(f"{self.name}: an HDF5 header block of {length:,} bytes: refused")
            block = self.at(start, length, "object header block")
            pos = 0
            end = length - (4 if version == 2 else 0)
            if version == 2 and block[:4] == b"OCHK":
                pos = 4
            while True:
                hsize = (4 + (2 if creation else 0)) if version == 2 else 8
                if pos + hsize > end:
                    break
                if version == 2:
                    mtype, msize = block[pos], self.uint(block, pos + 1, 2)
                else:
                    mtype, msize = self.uint(block, pos, 2), self.uint(block, pos + 2, 2)
                pos += hsize
                data = block[pos : pos + msize]
                if len(data) < msize:
                    raise Refused(f"{self.name}: damaged HDF5: a header message runs past its "
                                  "block")
                pos += msize
                self._count()
                if mtype == _CONTINUATION:
                    o, ln = self.offsets, self.lengths
                    pending.append((self.base + self.uint(data, 0, o),
                                    self.uint(data, o, ln), version))
                else:
                    out.append((mtype, data))
        return out

    def attribute(self, data: bytes) -> tuple[str, str | None]:
        version = data[0]
        flags = data[1]
        nsize, tsize, ssize = struct.unpack_from("<HHH", data, 2)
        pos = 8 if version in (1, 2) else 9

        def pad(n: int) -> int:
            return (n + 7) // 8 * 8 if version == 1 else n

        name = data[pos : pos + nsize].split(b"\x00", 1)[0].decode("utf-8", errors="replace")
        pos += pad(nsize)
        dtype = data[pos : pos + tsize]
        pos += pad(tsize)
        space = data[pos : pos + ssize]
        pos += pad(ssize)
        value = data[pos:]
        if flags & 0x03 or len(dtype) < 8:
            return name, None  # shared datatype or dataspace: not followed
        if len(space) >= 2 and space[1] > 1:
            return name, None  # arrays of strings: not needed
        cls = dtype[0] & 0x0F
        if cls == 3:  # fixed-length string
            width = self.uint(dtype, 4, 4)
            return name, value[:width].split(b"\x00", 1)[0].decode("utf-8", errors="replace")
        if cls == 9 and dtype[1] & 0x0F == 1:  # variable-length string
            o = self.offsets
            if len(value) < 4 + o + 4:
                return name, None
            length = self.uint(value, 0, 4)
            collection = self.uint(value, 4, o)
            index = self.uint(value, 4 + o, 4)
            raw = self.heap_object(self.base + collection, index, length)
            return name, None if raw is None else raw.decode("utf-8", errors="replace")
        return name, None

    def heap_object(self, address: int, index: int, length: int) -> bytes | None:
        if length > self.limits.document_bytes:
            raise Refused(f"{self.name}: an HDF5 string of {length:,} bytes, more than the "
                          f"{self.limits.document_bytes:,} read: refused")
        head = self.at(address, 8 + self.lengths, "global heap")
        if head[:4] != b"GCOL":
            raise Refused(f"{self.name}: damaged HDF5: no global heap where a string points")
        total = self.uint(head, 8, self.lengths)
        pos = address + 8 + self.lengths
        end = address + total
        for _ in range(self.limits.hdf5_messages):
            if pos + 8 + self.lengths > end:
                return None
            obj = self.at(pos, 8 + self.lengths, "global heap object")
            number = self.uint(obj, 0, 2)
            size = self.uint(obj, 8, self.lengths)
            if number == 0:
                return None
            if number == index:
                return self.at(pos + 8 + self.lengths, min(size, length), "global heap object")
            pos += 8 + self.lengths + (size + 7) // 8 * 8
        return None


def read_root_attributes(
    handle: IO[bytes], name: str, size: int, limits: Limits = LIMITS
) -> tuple[dict[str, str], list[str]]:
    """The text attributes on the root group of an HDF5 file, and what could not be read."""
    h5 = _H5(handle, name, size, limits)
    root = h5.superblock()
    attrs: dict[str, str] = {}
    notes: list[str] = []
    for mtype, data in h5.header_messages(root):
        if mtype == _ATTRIBUTE and len(data) >= 8:
            key, value = h5.attribute(data)
            if value is not None:
                attrs[key] = value
            else:
                notes.append(f"the root attribute {key!r} is stored in a way this reader does "
                             "not follow")
        elif mtype == _ATTRIBUTE_INFO and _dense(data, h5.offsets):
            notes.append("some root attributes are kept in dense storage (a fractal heap), "
                         "which this reader does not follow: they are not read")
    return attrs, notes


def _dense(data: bytes, offsets: int) -> bool:
    """True when an attribute info message points at a fractal heap (dense storage)."""
    pos = 2 + (2 if len(data) > 1 and data[1] & 0x01 else 0)
    heap = data[pos : pos + offsets]
    return len(heap) == offsets and heap != b"\xff" * offsets
