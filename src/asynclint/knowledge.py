"""The built-in catalog's files, and a digest of them for cache keys.

Apart from ``catalog`` so that a run answered from the cache can key it without importing
(and building) the catalog itself."""

from __future__ import annotations

import functools
import hashlib
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable


def builtin_catalog_files() -> list[Traversable]:
    """The catalog's TOML files shipped in the package, by name."""
    folder = resources.files("asynclint") / "catalog"
    return sorted(
        (item for item in folder.iterdir() if item.name.endswith(".toml")),
        key=lambda item: item.name,
    )


@functools.cache
def knowledge_digest() -> str:
    """A digest of the built-in catalog's files: what blocks, and what the fixes suggest, may
    change without a new version (a development install, a patched catalog), and a cached fact,
    fix description or run must not outlive the knowledge it was computed with."""
    digest = hashlib.sha256()
    for item in builtin_catalog_files():
        digest.update(item.name.encode())
        digest.update(item.read_bytes())
    return digest.hexdigest()[:16]
