"""Find the project root and list Python files (gitignore, default excludes, no symlinks out)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pathspec

from asynclint.config import Settings
from asynclint.reading import file_kind, read_text

ROOT_MARKERS = ("pyproject.toml", ".git", "setup.py", "setup.cfg")
_GLOB_CHARS = re.compile(r"[*?\[\]/!\\]")
# git itself reads .gitignore files of any size; a bound keeps a runaway one from stalling a run.
GITIGNORE_LIMIT = 4 * 1024 * 1024


def find_project_root(paths: Sequence[Path]) -> Path:
    """Nearest folder at or above the common parent of ``paths`` with a root marker.

    A symlink named on the command line counts where it is, not where it points: a link to a
    file elsewhere does not make the project (the files ``--fix`` may write) be elsewhere.
    """
    resolved = [_where(p) for p in paths] or [Path.cwd().resolve()]
    common = Path(os.path.commonpath([str(p if p.is_dir() else p.parent) for p in resolved]))
    for folder in (common, *common.parents):
        if any((folder / marker).exists() for marker in ROOT_MARKERS):
            return folder
    return common


def _where(path: Path) -> Path:
    if path.is_symlink():
        return Path(os.path.abspath(path)).parent.resolve() / path.name
    return path.resolve()


@dataclass(frozen=True, slots=True)
class FileSet:
    root: Path
    # Files to report on (named on the command line or under named folders).
    targets: tuple[Path, ...]
    # Every Python file of the project, for resolving calls.
    project: tuple[Path, ...]
    # Paths named on the command line that do not exist.
    missing: tuple[str, ...]
    # What discovery passed over and the user should know: "x.py: not a regular file (FIFO)".
    warnings: tuple[str, ...] = ()
    # The existing paths named on the command line, resolved.
    named: tuple[Path, ...] = ()


# .gitignore specs that apply to the entries of one folder: (folder as text, spec), from the
# outermost folder down.
_Chain = tuple[tuple[str, pathspec.PathSpec], ...]


class _Filter:
    def __init__(self, root: Path, settings: Settings) -> None:
        # Ignore rules apply below ``root``: a folder named on the command line is checked even
        # when an enclosing repository ignores it (pyenv's checkout ignores all of versions/).
        self.root = root
        self.root_text = str(root)
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
        self.warnings: list[str] = []

    def _gitignore(self, folder: Path) -> pathspec.PathSpec | None:
        if folder not in self.gitignores:
            spec = None
            ignore_file = folder / ".gitignore"
            if self.respect_gitignore and os.path.lexists(ignore_file):
                try:
                    text = read_text(ignore_file, GITIGNORE_LIMIT, errors="replace")
                    spec = pathspec.GitIgnoreSpec.from_lines(text.splitlines())
                except OSError as error:
                    reason = error.strerror or error
                    self.warnings.append(f"{_shown(ignore_file)}: not used: {reason}")
            self.gitignores[folder] = spec
        return self.gitignores[folder]

    def chain_for(self, folder: Path) -> _Chain:
        """The .gitignore specs of ``folder`` and of its parents up to the root."""
        chain: list[tuple[str, pathspec.PathSpec]] = []
        while True:
            spec = self._gitignore(folder)
            if spec is not None:
                chain.append((str(folder), spec))
            if folder == self.root or self.root not in folder.parents:
                return tuple(reversed(chain))
            folder = folder.parent

    def chain_below(self, chain: _Chain, folder: Path) -> _Chain:
        """The chain of a subfolder of the folder ``chain`` belongs to."""
        spec = self._gitignore(folder)
        return chain if spec is None else (*chain, (str(folder), spec))

    def excluded(self, path: Path, is_dir: bool) -> bool:
        return self.excluded_entry(str(path), path.name, is_dir, self.chain_for(path.parent))

    def excluded_entry(self, path: str, name: str, is_dir: bool, chain: _Chain) -> bool:
        """Whether an entry (its path as text) of a folder with ``chain`` is excluded."""
        if name in self.excluded_names:
            return True
        suffix = "/" if is_dir else ""
        if self.exclude is not None:
            rel = _relative(path, self.root_text) or name
            if self.exclude.match_file(rel + suffix) or self.exclude.match_file(name + suffix):
                return True
        for folder, spec in chain:
            if spec.match_file((_relative(path, folder) or name) + suffix):
                return True
        return False


def _relative(path: str, folder: str) -> str | None:
    """``path`` relative to ``folder`` in POSIX form, or None when it is not below it."""
    prefix = folder if folder.endswith(os.sep) else folder + os.sep
    if not path.startswith(prefix):
        return None
    rest = path[len(prefix) :]
    return rest if os.sep == "/" else rest.replace(os.sep, "/")


def _walk(start: Path, flt: _Filter, folders: set[Path] | None = None) -> Iterable[Path]:
    """Python files below ``start``, each once; ``folders`` collects every folder entered.

    No symlink is followed: one pointing out of the tree must not pull in foreign code, and one
    pointing inside it would list its target twice (and could loop).
    """
    stack = [(start, flt.chain_for(start))]
    while stack:
        folder, chain = stack.pop()
        if folders is not None:
            folders.add(folder)
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError:
            continue
        for entry in entries:
            if entry.is_symlink():
                continue
            if entry.is_dir(follow_symlinks=False):
                # A virtualenv of any name has a pyvenv.cfg: its packages are not project code.
                if not flt.excluded_entry(entry.path, entry.name, True, chain) and not (
                    os.path.exists(os.path.join(entry.path, "pyvenv.cfg"))
                ):
                    path = Path(entry.path)
                    stack.append((path, flt.chain_below(chain, path)))
            elif entry.name.endswith(".py") and not flt.excluded_entry(
                entry.path, entry.name, False, chain
            ):
                if entry.is_file(follow_symlinks=False):
                    yield Path(entry.path)
                else:  # a FIFO would block the run, a device might never end
                    flt.warnings.append(_not_regular(Path(entry.path)))


def discover(paths: Sequence[str | Path], settings: Settings, root: Path | None = None) -> FileSet:
    given = [Path(p) for p in paths] or [Path(".")]
    existing = [p for p in given if p.exists()]
    missing = tuple(str(p) for p in given if not p.exists())
    root = (root or find_project_root(existing or [Path(".")])).resolve()
    flt = _Filter(root, settings)
    named = [path.resolve() for path in existing]
    project: set[Path] = set()
    walked: set[Path] = set()  # folders the project walk entered
    if _is_reasonable_root(root):
        project.update(_walk(root, flt, walked))
    targets: list[Path] = []
    for absolute in named:
        if absolute.is_file():
            # A file named explicitly is checked even if excluded (ruff without --force-exclude).
            targets.append(absolute)
        elif not absolute.is_dir():
            flt.warnings.append(_not_regular(absolute))
        elif absolute in walked:
            # The project walk went through this folder with the same filter: reuse its files.
            targets.extend(path for path in project if _relative(str(path), str(absolute)))
        else:
            named_filter = flt if not flt.excluded(absolute, True) else _Filter(absolute, settings)
            targets.extend(_walk(absolute, named_filter))
            if named_filter is not flt:
                flt.warnings.extend(named_filter.warnings)
    targets = sorted(set(targets), key=_path_order)
    project.update(targets)
    warnings = tuple(dict.fromkeys(flt.warnings))
    ordered = tuple(sorted(project, key=_path_order))
    return FileSet(root, tuple(targets), ordered, missing, warnings, tuple(named))


def _path_order(path: Path) -> tuple[str, ...]:
    # Path's own order, compared in C: sorting by PurePath.__lt__ is slow on thousands of files.
    return path.parts


def _not_regular(path: Path) -> str:
    try:
        kind = file_kind(path.stat().st_mode)
    except OSError:
        kind = "unreadable"
    return f"{_shown(path)}: skipped: not a regular file ({kind})"


def _shown(path: Path) -> str:
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)


def _is_reasonable_root(root: Path) -> bool:
    """Walking the whole filesystem or home folder for context would be a surprise."""
    return root != Path(root.anchor) and root != Path.home()
