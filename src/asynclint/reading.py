"""Read a file without hanging and without reading more than a bound.

Every file asynclint reads (sources, configuration, baselines, ``.gitignore``) comes through
here. Only regular files are read: a FIFO named ``x.py`` would block the run until something
writes to it, and a device may never end. The check is made on the open descriptor, opened
without waiting for a writer, so a file swapped for a FIFO after discovery is refused too.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

# For reads no setting bounds (a source shown by --show-source, a baseline): generous, finite.
DEFAULT_LIMIT = 256 * 1024 * 1024

_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)  # a FIFO opens at once instead of waiting for a writer
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


class NotARegularFile(OSError):
    """A FIFO, socket, device or folder where a file was expected."""

    def __init__(self, path: str | Path, kind: str) -> None:
        super().__init__(errno.EINVAL, f"not a regular file ({kind})", str(path))
        self.kind = kind


class FileTooLarge(OSError):
    """A file larger than the caller's bound."""

    def __init__(self, path: str | Path, size: int, limit: int) -> None:
        super().__init__(
            errno.EFBIG, f"file is too large ({size:,} bytes; the limit is {limit:,})", str(path)
        )
        self.size = size
        self.limit = limit


def file_kind(mode: int) -> str:
    """What a file of this ``st_mode`` is, in words."""
    if stat.S_ISREG(mode):
        return "regular file"
    if stat.S_ISDIR(mode):
        return "folder"
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode):
        return "character device"
    if stat.S_ISBLK(mode):
        return "block device"
    return "special file"


def read_bytes(path: str | Path, limit: int = DEFAULT_LIMIT) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them.

    Raises :class:`NotARegularFile`, :class:`FileTooLarge` or another :class:`OSError`.
    """
    # Refused before opening: opening some devices has effects of its own.
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        raise NotARegularFile(path, file_kind(mode))
    fd = os.open(path, _OPEN_FLAGS)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):  # replaced between the two looks
            raise NotARegularFile(path, file_kind(info.st_mode))
        if info.st_size > limit:
            raise FileTooLarge(path, info.st_size, limit)
        chunks = []
        remaining = limit + 1  # one byte more than allowed tells a file that grew meanwhile
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        data = b"".join(chunks)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise FileTooLarge(path, len(data), limit)
    return data


def read_text(path: str | Path, limit: int = DEFAULT_LIMIT, errors: str = "strict") -> str:
    """:func:`read_bytes` decoded as UTF-8."""
    return read_bytes(path, limit).decode("utf-8", errors)
