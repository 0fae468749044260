"""Find the project root and list Python files (gitignore, default excludes, no symlinks out)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pathspec

from asynclint.config import Settings

ROOT_MARKERS = ("pyproject.toml", ".git", "setup.py", "setup.cfg")
_GLOB_CHARS = re.compile(r"[*?\[\]/!\\]")


def find_project_root(paths: Sequence[Path]) -> Path:
    """Nearest folder at or above the common parent of ``paths`` with a root marker."""
    resolved = [p.resolve() for p in paths] or [Path.cwd().resolve()]
    common = Path(os.path.commonpath([str(p if p.is_dir() else p.parent) for p in resolved]))
    for folder in (common, *common.parents):
        if any((folder / marker).exists() for marker in ROOT_MARKERS):
            return folder
    return common


@dataclass(frozen=True, slots=True)
class FileSet:
    root: Path
    # Files to report on (named on the command line or under named folders).
    targets: tuple[Path, ...]
    # Every Python file of the project, for resolving calls.
    project: tuple[Path, ...]
    # Paths named on the command line that do not exist.
    missing: tuple[str, ...]


class _Filter:
    def __init__(self, root: Path, settings: Settings) -> None:
        # Ignore rules apply below ``root``: a folder named on the command line is checked even
        # when an enclosing repository ignores it (pyenv's checkout ignores all of versions/).
        self.root = root
        patterns = list(settings.exclude) + list(settings.extend_exclude)
        # Plain names (`venv`, `build`) are the common case: a set lookup, not a regex per path.
        stripped = [pattern.strip("/") for pattern in patterns]
        self.excluded_names = {name for name in stripped if not _GLOB_CHARS.search(name)}
        complex_patterns = [p for p in patterns if p.strip("/") not in self.excluded_names]
        self.exclude = (
            pathspec.GitIgnoreSpec.from_lines(complex_patterns) if complex_patterns else None
        )
        self.gitignores: dict[Path, pathspec.PathSpec | None] = {}
        self.respect_gitignore = settings.respect_gitignore

    def _gitignore(self, folder: Path) -> pathspec.PathSpec | None:
        if folder not in self.gitignores:
            spec = None
            ignore_file = folder / ".gitignore"
            if self.respect_gitignore and ignore_file.is_file():
                try:
                    lines = ignore_file.read_text(encoding="utf-8", errors="replace").splitlines()
                    spec = pathspec.GitIgnoreSpec.from_lines(lines)
                except OSError:
                    spec = None
            self.gitignores[folder] = spec
        return self.gitignores[folder]

    def excluded(self, path: Path, is_dir: bool) -> bool:
        if path.name in self.excluded_names:
            return True
        suffix = "/" if is_dir else ""
        if self.exclude is not None:
            try:
                rel = path.relative_to(self.root).as_posix()
            except ValueError:
                rel = path.name
            if self.exclude.match_file(rel + suffix) or self.exclude.match_file(path.name + suffix):
                return True
        folder = path.parent
        while True:
            spec = self._gitignore(folder)
            if spec is not None:
                try:
                    local = path.relative_to(folder).as_posix()
                except ValueError:
                    local = path.name
                if spec.match_file(local + suffix):
                    return True
            if folder == self.root or self.root not in folder.parents:
                return False
            folder = folder.parent


def _walk(start: Path, flt: _Filter) -> Iterable[Path]:
    """Python files below ``start``, each once.

    No symlink is followed: one pointing out of the tree must not pull in foreign code, and one
    pointing inside it would list its target twice (and could loop).
    """
    stack = [start]
    while stack:
        folder = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError:
            continue
        for entry in entries:
            path = Path(entry.path)
            if entry.is_symlink():
                continue
            if entry.is_dir(follow_symlinks=False):
                # A virtualenv of any name has a pyvenv.cfg: its packages are not project code.
                if not flt.excluded(path, True) and not (path / "pyvenv.cfg").exists():
                    stack.append(path)
            elif entry.name.endswith(".py") and not flt.excluded(path, False):
                yield path


def discover(paths: Sequence[str | Path], settings: Settings, root: Path | None = None) -> FileSet:
    given = [Path(p) for p in paths] or [Path(".")]
    existing = [p for p in given if p.exists()]
    missing = tuple(str(p) for p in given if not p.exists())
    root = (root or find_project_root(existing or [Path(".")])).resolve()
    flt = _Filter(root, settings)
    targets: list[Path] = []
    for path in existing:
        absolute = path.resolve()
        if absolute.is_file():
            # A file named explicitly is checked even if excluded (ruff without --force-exclude).
            targets.append(absolute)
            continue
        named_filter = flt if not flt.excluded(absolute, True) else _Filter(absolute, settings)
        targets.extend(_walk(absolute, named_filter))
    targets = sorted(set(targets))
    project = set(_walk(root, flt)) if _is_reasonable_root(root, targets) else set()
    project.update(targets)
    return FileSet(root, tuple(targets), tuple(sorted(project)), missing)


def _is_reasonable_root(root: Path, targets: Sequence[Path]) -> bool:
    """Walking the whole filesystem or home folder for context would be a surprise."""
    return root != Path(root.anchor) and root != Path.home()
