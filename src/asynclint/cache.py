"""Content-hash cache of per-file facts.

Key: SHA-256 of the file's bytes, the tool version and the facts schema version, so a cache entry
is valid for any path with that content. Entries are written atomically (temp file + rename), so two
runs at once cannot corrupt them; an unreadable, corrupted or foreign entry is ignored and rebuilt.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path

from asynclint import __version__
from asynclint.facts import ModuleFacts

FACTS_SCHEMA = 3
_GITIGNORE = "# Created by asynclint: this folder is a cache.\n*\n"


def content_key(data: bytes) -> str:
    digest = hashlib.sha256(data)
    digest.update(f"\0{__version__}\0{FACTS_SCHEMA}".encode())
    return digest.hexdigest()


class FactsCache:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._ready = False

    def _entry(self, key: str) -> Path:
        return self.folder / "facts" / key[:2] / f"{key}.pickle"

    def get(self, key: str) -> ModuleFacts | None:
        try:
            with open(self._entry(key), "rb") as handle:
                value = pickle.load(handle)
        except Exception:
            return None
        if isinstance(value, tuple) and len(value) == 2 and value[0] == key:
            facts = value[1]
            if isinstance(facts, ModuleFacts):
                return facts
        return None

    def put(self, key: str, facts: ModuleFacts) -> None:
        try:
            self._prepare()
            entry = self._entry(key)
            entry.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=entry.parent, prefix=".tmp-", suffix=".pickle")
            try:
                with os.fdopen(fd, "wb") as handle:
                    pickle.dump((key, facts), handle, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(temporary, entry)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError:
            pass  # a read-only or full disk must not fail the check

    def _prepare(self) -> None:
        if self._ready:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        ignore = self.folder / ".gitignore"
        if not ignore.exists():
            ignore.write_text(_GITIGNORE, encoding="utf-8")
        self._ready = True
