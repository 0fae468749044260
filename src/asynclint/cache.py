"""Content-hash caches of facts, syntax verdicts and whole runs.

Key: SHA-256 of the file's bytes, the tool version, the facts schema version and a digest of the
built-in catalog, so a cache entry is valid for any path with that content. Entries are plain data
(:mod:`asynclint.cachecodec`), never pickles: reading the cache cannot run code, and each entry
carries a keyed checksum whose secret lives in the user's cache directory, outside every checked
tree, so a damaged entry or one planted in a repository is a miss. Entries are written atomically
(temp file + rename), so two runs at once cannot corrupt them.

By default the cache lives in the user's cache directory (one folder per project root), as
ruff-like tools keep theirs; ``--cache-dir`` / ``cache-dir`` put it elsewhere.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
from pathlib import Path

from asynclint import __version__, cachecodec
from asynclint.facts import ModuleFacts
from asynclint.knowledge import knowledge_digest

FACTS_SCHEMA = 15
_GITIGNORE = "# Created by asynclint: this folder is a cache.\n*\n"
_SECRET_FILE = "secret.key"
_SECRET_BYTES = 32
# An entry larger than this is not read (a cache file is never a reason to run out of memory).
_MAX_ENTRY_BYTES = 256 * 1024 * 1024


def user_cache_root() -> Path:
    """The user's cache directory for asynclint (``ASYNCLINT_CACHE_HOME`` overrides it)."""
    configured = os.environ.get("ASYNCLINT_CACHE_HOME")
    if configured:
        return Path(configured)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("asynclint", appauthor=False))


def default_cache_dir(project_root: Path) -> Path:
    """This project's folder in the user's cache directory: named after the root, keyed by its
    absolute path, so two checkouts never share (or fight over) a run entry."""
    absolute = str(project_root.resolve())
    digest = hashlib.sha256(absolute.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    name = "".join(c if c.isalnum() or c in "-_." else "_" for c in project_root.name)[:40]
    return user_cache_root() / "projects" / f"{name or 'root'}-{digest}"


def content_key(data: bytes) -> str:
    digest = hashlib.sha256(data)
    digest.update(f"\0{__version__}\0{FACTS_SCHEMA}\0{knowledge_digest()}".encode())
    return digest.hexdigest()


def run_key(settings_fingerprint: str, files: list[tuple[str, str]]) -> str:
    """Identity of a whole run: tool version, settings and every project file's content key
    (``-`` for a file that could not be read)."""
    digest = hashlib.sha256(
        f"{__version__}\0{FACTS_SCHEMA}\0{knowledge_digest()}\0{settings_fingerprint}".encode()
    )
    for path, key in files:
        digest.update(path.encode("utf-8", "surrogateescape"))
        digest.update(f"\0{key}\0".encode())
    return digest.hexdigest()


def secret_key() -> bytes:
    """The key of every entry's checksum, made once per user. When it cannot be kept, a key for
    this process only: the cache then works within the run and is never trusted across runs."""
    global _SECRET
    if _SECRET is not None:
        return _SECRET
    path = user_cache_root() / _SECRET_FILE
    try:
        found = path.read_bytes()
        if len(found) == _SECRET_BYTES:
            _SECRET = found
            return found
    except OSError:
        pass
    fresh = secrets.token_bytes(_SECRET_BYTES)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _create_once(path, fresh)
        found = path.read_bytes()  # another process may have made it first: use its key
        _SECRET = found if len(found) == _SECRET_BYTES else fresh
    except OSError:
        _SECRET = fresh
    return _SECRET


_SECRET: bytes | None = None


class FactsCache:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._ready = False

    def _entry(self, key: str, kind: str = "facts") -> Path:
        if key == "index":
            return self.folder / kind / "index.msgpack"
        return self.folder / kind / key[:2] / f"{key}.msgpack"

    def get(self, key: str) -> ModuleFacts | None:
        found = self._load(key, "facts")
        return found if isinstance(found, ModuleFacts) else None

    def get_run(self, key: str) -> list | None:
        """Findings of a previous run over exactly the same files and settings."""
        found = self._load(key, "runs")
        return list(found) if isinstance(found, tuple) else None

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
                data = handle.read(_MAX_ENTRY_BYTES + 1)
            if len(data) > _MAX_ENTRY_BYTES:
                return None
            return cachecodec.decode(data, secret_key(), f"{kind}/{key}")
        except (OSError, ValueError):
            return None

    def put(self, key: str, value: object, kind: str = "facts") -> None:
        try:
            data = cachecodec.encode(value, secret_key(), f"{kind}/{key}")
        except (TypeError, ValueError, OverflowError):
            return  # a value the codec cannot hold is simply not cached
        try:
            self._prepare()
            entry = self._entry(key, kind)
            entry.parent.mkdir(parents=True, exist_ok=True)
            _write_atomically(entry, data)
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


def _write_atomically(path: Path, data: bytes) -> None:
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _create_once(path: Path, data: bytes) -> None:
    """Write ``path`` whole (mode 0600) unless it exists: the first writer wins, readers never
    see a partial file."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")  # mkstemp: mode 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        except OSError:  # no hard links on this file system
            if not path.exists():
                os.replace(temporary, path)
    finally:
        Path(temporary).unlink(missing_ok=True)
