"""Atomic file writes: write a temporary file, flush, fsync, rename.

A failure at any point leaves the previous file untouched, and the temporary
file is removed.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = [
    "atomic_write_bytes",
    "atomic_write_text",
    "fsync_dir",
    "removed_on_failure",
    "write_and_sync",
]


def write_and_sync(fd: int, data: bytes) -> None:
    """Write *data* to the open file descriptor *fd*, flush and fsync it, and close it."""
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


@contextlib.contextmanager
def removed_on_failure(path: str | os.PathLike[str]) -> Iterator[None]:
    """Remove the file *path* when the block fails (for whatever reason), then re-raise."""
    try:
        yield
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    with removed_on_failure(tmp):
        write_and_sync(fd, data)
        if target.exists():
            with contextlib.suppress(OSError):
                os.chmod(tmp, target.stat().st_mode & 0o777)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, target)
        fsync_dir(folder)
    return target


def fsync_dir(folder: str | os.PathLike[str]) -> None:
    """Make a rename in *folder* durable where the platform allows it (POSIX)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. Windows
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write UTF-8 *text* exactly as given (no newline translation)."""
    return atomic_write_bytes(path, text.encode("utf-8"))
