"""Dotted module names <-> files (src layout, packages, namespace packages, scripts)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path


class ModuleIndex:
    def __init__(
        self, root: Path, files: Iterable[Path], roots: Sequence[Path] | None = None
    ) -> None:
        """``roots``: folders absolute imports resolve from (:mod:`asynclint.roots`), most
        specific first; by default ``src/`` and the project root."""
        files = list(files)
        self.root = root
        self.roots = tuple(roots) if roots is not None else (root / "src", root)
        self.by_name: dict[str, Path] = {}
        self.name_of: dict[Path, str] = {}
        self.is_package: dict[str, bool] = {}
        self._regular_package: dict[Path, bool] = {}  # folder -> has an __init__.py
        # Every name a file can be imported by, most specific first.
        candidates: list[tuple[int, str, Path]] = []
        for path in files:
            for rank, name in enumerate(self._names_for(path)):
                candidates.append((rank, name, path))
        for _, name, path in sorted(candidates, key=lambda c: (c[0], len(c[1]), c[1])):
            # A file may be importable by several names (``src.app.x`` and ``app.x``); its own
            # name is the most specific one that no other file took first.
            if name not in self.by_name:
                self.by_name[name] = path
                self.is_package[name] = path.name == "__init__.py"
            if path not in self.name_of and self.by_name[name] == path:
                self.name_of[path] = name
        # A file with no importable name of its own (every name taken by a more likely file, or
        # a folder like `user-service/` whose name no import can spell) is still analysed: it
        # gets a name no import can produce. Imports between files of its folder resolve by
        # path (see ``find``).
        for path in files:
            if path not in self.name_of:
                name = unimportable_name(path, root)
                self.by_name[name] = path
                self.name_of[path] = name
                self.is_package[name] = path.name == "__init__.py"
        # Dotted prefixes of module names: namespace packages have no file of their own.
        self.prefixes = {
            name.rsplit(".", depth)[0]
            for name in self.by_name
            if not name.startswith("<")
            for depth in range(1, name.count(".") + 1)
        }

    def _is_regular_package(self, folder: Path) -> bool:
        found = self._regular_package.get(folder)
        if found is None:
            found = self._regular_package[folder] = (folder / "__init__.py").exists()
        return found

    def _package_parts(self, path: Path) -> list[str] | None:
        """Module name parts counted from the topmost regular package above the file (None
        when no regular package holds it: a script, or part of a namespace package).

        Folders without an ``__init__.py`` inside a regular package are namespace portions of
        it (``onyx/redis/pool.py`` under ``onyx/__init__.py`` is ``onyx.redis.pool``)."""
        parts = [path.stem] if path.name != "__init__.py" else []
        folder = path.parent
        pending: list[str] = []
        found = False
        inside = True  # portions without __init__.py are only followed inside the project
        while folder.name.isidentifier():
            regular = self._is_regular_package(folder)
            if not regular and not inside:
                break
            pending.insert(0, folder.name)
            if regular:
                parts[:0] = pending
                pending = []
                found = True
            if folder.parent == folder:
                break
            inside = inside and folder != self.root
            folder = folder.parent
        return parts if found else None

    def _names_for(self, path: Path) -> list[str]:
        package_parts = self._package_parts(path)
        names = [".".join(package_parts)] if package_parts else []
        for base in (*self.roots, _script_root(path, self.root)):
            if base is None:
                continue
            try:
                rel = path.relative_to(base)
            except ValueError:
                continue
            parts = list(rel.with_suffix("").parts)
            if parts and parts[-1] == "__init__":
                parts.pop()
            if parts and all(part.isidentifier() for part in parts):
                names.append(".".join(parts))
        return [name for name in dict.fromkeys(names) if name]

    def module_for(self, path: Path) -> str:
        """The name of a file of the index (every file has exactly one)."""
        return self.name_of[path]

    def package_of(self, module: str) -> str:
        if self.is_package.get(module):
            return module
        return module.rpartition(".")[0]

    def absolute(self, dotted: str, importer: str) -> str:
        """Turn ``..services.x`` imported from ``importer`` into an absolute dotted name."""
        if not dotted.startswith("."):
            return dotted
        level = len(dotted) - len(dotted.lstrip("."))
        rest = dotted[level:]
        base = self.package_of(importer)
        for _ in range(level - 1):
            base = base.rpartition(".")[0]
        return f"{base}.{rest}" if base and rest else (base or rest)

    def find(self, dotted: str, importer_path: Path | None = None) -> str | None:
        """The project module called ``dotted``, trying the importer's folder for scripts."""
        if dotted in self.by_name:
            return dotted
        if importer_path is not None and not self._is_regular_package(importer_path.parent):
            folder = importer_path.parent
            head = dotted.replace(".", "/")
            for candidate in (folder / f"{head}.py", folder / head / "__init__.py"):
                if candidate in self.name_of:
                    return self.name_of[candidate]
        return None

    def split(self, dotted: str, importer_path: Path | None = None) -> tuple[str, list[str]] | None:
        """Longest project-module prefix of ``dotted`` and the attribute names after it."""
        parts = dotted.split(".")
        for cut in range(len(parts), 0, -1):
            module = self.find(".".join(parts[:cut]), importer_path)
            if module is not None:
                return module, parts[cut:]
        return None


def _script_root(path: Path, root: Path) -> Path | None:
    """The nearest folder above ``path``, below ``root``, whose name no import can spell
    (``user-service``, ``python3.11``): running a script there puts that folder on
    ``sys.path``, so the files below it are named from it, as files below the root are."""
    for folder in path.parents:
        if folder == root or root not in folder.parents:
            return None
        if not folder.name.isidentifier():
            return folder
    return None


def unimportable_name(path: Path, root: Path) -> str:
    """A unique module name for ``path`` that no import statement can produce."""
    try:
        shown = path.relative_to(root).as_posix()
    except ValueError:
        shown = path.as_posix()
    return f"<{shown}>"
