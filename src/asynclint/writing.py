"""Replace the content of a user's file: only if nobody changed it meanwhile, keeping what it is.

The new content goes to a temporary file in the same folder, which is given the file's mode,
owner and group and then renamed over it: readers see the old file or the new one, never half of
one. When the new inode cannot be the same file to its users (the file has other hard links,
which a rename would split off, or its owner or group cannot be given to a new file), the file
is rewritten in place instead, with a copy of the old content kept next to it until the write
is complete.

Right before the file is replaced its content is compared with what asynclint read: an edit
saved meanwhile (an editor, a formatter, another run) is never overwritten.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path
from typing import BinaryIO

from asynclint.reading import FileTooLarge, NotARegularFile, file_kind, read_bytes


class ChangedMeanwhile(Exception):
    """The file's content is not what it was when asynclint read it."""


class BackupKept(OSError):
    """Writing failed and so did putting the old content back: it is in ``backup``."""

    def __init__(self, error: BaseException, backup: str) -> None:
        super().__init__(
            getattr(error, "errno", None), f"{error}; the original content is kept in {backup}"
        )
        self.backup = backup


def replace_if_unchanged(path: Path, expected: bytes, data: bytes) -> None:
    """Write ``data`` to ``path`` if it still holds ``expected``.

    Raises :class:`ChangedMeanwhile` (nothing written) or :class:`OSError`.
    """
    before = _unchanged(path, expected)
    if before.st_nlink > 1:  # a rename would leave the other names with the old content
        _rewrite_in_place(path, expected, data)
        return
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if _give_metadata(temporary, before):
            # The last look, as close to the rename as a file system allows.
            now = os.stat(path)
            if (now.st_ino, now.st_size, now.st_mtime_ns) != (
                before.st_ino,
                before.st_size,
                before.st_mtime_ns,
            ):
                raise ChangedMeanwhile
            os.replace(temporary, path)
            return
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    # A new file could not get the old one's owner or group: rewrite the old one instead.
    Path(temporary).unlink(missing_ok=True)
    _rewrite_in_place(path, expected, data)


def _unchanged(path: Path, expected: bytes) -> os.stat_result:
    """The file's status, after checking that it still holds ``expected``."""
    before = os.stat(path)
    if not stat.S_ISREG(before.st_mode):
        raise NotARegularFile(path, file_kind(before.st_mode))
    try:
        current = read_bytes(path, limit=len(expected))
    except FileTooLarge:
        raise ChangedMeanwhile from None
    if current != expected:
        raise ChangedMeanwhile
    return before


def _give_metadata(temporary: str, before: os.stat_result) -> bool:
    """Give the new file the old one's mode, owner and group; False if that is not allowed."""
    os.chmod(temporary, stat.S_IMODE(before.st_mode))
    mine = os.stat(temporary)
    if (mine.st_uid, mine.st_gid) == (before.st_uid, before.st_gid):
        return True
    try:
        os.chown(temporary, before.st_uid, before.st_gid)
    except (PermissionError, AttributeError):  # not allowed; no chown on this system
        return False
    os.chmod(temporary, stat.S_IMODE(before.st_mode))  # a change of owner may clear set-id bits
    return True


def _rewrite_in_place(path: Path, expected: bytes, data: bytes) -> None:
    """Overwrite the file itself (its inode, links, owner and mode stay), with a copy of the
    old content next to it until the new one is complete."""
    fd, backup = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".orig")
    with os.fdopen(fd, "wb") as handle:
        handle.write(expected)
        handle.flush()
        os.fsync(handle.fileno())
    try:
        with open(path, "r+b") as target:
            mode = os.fstat(target.fileno()).st_mode
            if not stat.S_ISREG(mode):
                raise NotARegularFile(path, file_kind(mode))
            if target.read(len(expected) + 1) != expected:
                raise ChangedMeanwhile
            try:
                _overwrite(target, data)
            except BaseException as error:
                try:
                    _overwrite(target, expected)
                except OSError:
                    raise BackupKept(error, backup) from error
                raise
    except BackupKept:
        raise
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(backup)
        raise
    os.unlink(backup)


def _overwrite(target: BinaryIO, data: bytes) -> None:
    target.seek(0)
    target.write(data)
    target.truncate()
    target.flush()
    os.fsync(target.fileno())
