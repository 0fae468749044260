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

FACTS_SCHEMA = 8
_GITIGNORE = "# Created by asynclint: this folder is a cache.\n*\n"


def content_key(data: bytes) -> str:
    digest = hashlib.sha256(data)
    digest.update(f"\0{__version__}\0{FACTS_SCHEMA}".encode())
    return digest.hexdigest()


def run_key(settings_fingerprint: str, files: list[tuple[str, str]]) -> str:
    """Identity of a whole run: tool version, settings and every project file's content key
    (``-`` for a file that could not be read)."""
    digest = hashlib.sha256(f"{__version__}\0{FACTS_SCHEMA}\0{settings_fingerprint}".encode())
    for path, key in files:
        digest.update(path.encode("utf-8", "surrogateescape"))
        digest.update(f"\0{key}\0".encode())
    return digest.hexdigest()


class FactsCache:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._ready = False

    def _entry(self, key: str, kind: str = "facts") -> Path:
        if key == "index":
            return self.folder / kind / "index.pickle"
        return self.folder / kind / key[:2] / f"{key}.pickle"

    def get(self, key: str) -> ModuleFacts | None:
        found = self._load(key, "facts")
        return found if isinstance(found, ModuleFacts) else None

    def get_run(self, key: str) -> list | None:
        """Findings of a previous run over exactly the same files and settings."""
        found = self._load(key, "runs")
        return found if isinstance(found, list) else None

    def syntax_verdicts(self) -> dict[str, tuple | str]:
        """Content key -> "ok" or (message, line, column), for files checked for syntax only.

        One small index rather than a file per source: most files of a project land here.
        """
        found = self._load("index", "syntax")
        return dict(found) if isinstance(found, dict) else {}

    def save_syntax_verdicts(self, verdicts: dict[str, tuple | str]) -> None:
        self.put("index", verdicts, "syntax")

    def get_run_value(self, key: str) -> dict | None:
        found = self._load(key, "runs")
        return found if isinstance(found, dict) else None

    def put_run(self, key: str, findings: list) -> None:
        self.put(key, findings, "runs")

    def _load(self, key: str, kind: str) -> object:
        try:
            with open(self._entry(key, kind), "rb") as handle:
                value = pickle.load(handle)
        except Exception:
            return None
        if isinstance(value, tuple) and len(value) == 2 and value[0] == key:
            return value[1]
        return None

    def put(self, key: str, value: object, kind: str = "facts") -> None:
        try:
            self._prepare()
            entry = self._entry(key, kind)
            entry.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=entry.parent, prefix=".tmp-", suffix=".pickle")
            try:
                with os.fdopen(fd, "wb") as handle:
                    pickle.dump((key, value), handle, protocol=pickle.HIGHEST_PROTOCOL)
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
