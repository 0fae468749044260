"""Module roots: the folders absolute imports are resolved from.

Besides the project root and its ``src/`` folder, a project's code is often imported from
elsewhere: an app run from ``backend/`` (``cd backend && uvicorn app.main:app``), a subproject of
a monorepo with its own ``pyproject.toml``, a folder a script puts on ``sys.path``. The roots come
from the ``src`` setting, from folders holding a project file (``pyproject.toml``, ``setup.py``,
``setup.cfg``), and from ``sys.path.insert``/``append`` calls whose argument is a path computed
from ``__file__`` (``Path(__file__).resolve().parent / "vendor"``), read with CPython's parser
and evaluated without running anything.
"""

from __future__ import annotations

import ast
import bisect
import os
import re
import textwrap
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

_PROJECT_FILES = ("pyproject.toml", "setup.py", "setup.cfg")
_MAX_SYS_PATH_FILE = 1_000_000
_MAX_STATEMENT_LINES = 20
# What the text of a file must hold for its tree to be read: a call of ``sys.path.insert`` or
# ``sys.path.append`` (spaces and line continuations allowed), and ``__file__``. The pattern
# starts with a literal, which the regex engine finds by a substring search (a leading ``\b``
# made it try every position); ``mysys.path`` passing too only costs a parse.
_SYS_PATH_CALL = re.compile(rb"sys[\s\\]*\.[\s\\]*path[\s\\]*\.[\s\\]*(?:insert|append)\b")


def module_roots(
    root: Path,
    files: Iterable[Path],
    configured: Sequence[str] = (),
    sources: Iterable[tuple[Path, bytes]] = (),
) -> list[Path]:
    """Folders to resolve absolute imports from, most specific first (the project root last)."""
    found: list[Path] = [(root / folder).resolve() for folder in configured]
    found.extend(_project_folders(root, files))
    for path, data in sources:
        found.extend(sys_path_folders(path, data))
    inside = []
    for folder in found:
        try:
            folder.relative_to(root)
        except ValueError:
            continue
        if folder.is_dir() and folder not in inside:
            inside.append(folder)
    inside.sort(key=lambda folder: -len(folder.parts))
    for folder in (root / "src", root):
        if folder not in inside:
            inside.append(folder)
    return inside


def _project_folders(root: Path, files: Iterable[Path]) -> list[Path]:
    """Folders under the root, above some file, that hold a project file of their own."""
    folders: set[Path] = set()
    for path in files:
        for folder in path.parents:
            if folder == root or folder in folders or root not in folder.parents:
                break
            folders.add(folder)
    return sorted(
        folder for folder in folders if any((folder / name).is_file() for name in _PROJECT_FILES)
    )


def sys_path_folders(path: Path, data: bytes) -> list[Path]:
    """Folders a module adds to ``sys.path`` with a path computed from its own ``__file__``."""
    if (
        b"__file__" not in data
        or len(data) > _MAX_SYS_PATH_FILE
        or _SYS_PATH_CALL.search(data) is None
    ):
        return []
    found = []
    for tree in _statements_at(data, _SYS_PATH_CALL.finditer(data)):
        for node in ast.walk(tree):
            argument = _sys_path_argument(node)
            if argument is None:
                continue
            folder = _path_value(argument, path)
            if folder is not None:
                found.append(Path(os.path.normpath(folder)))
    return found


def _statements_at(data: bytes, matches: Iterable[re.Match[bytes]]) -> Iterator[ast.Module]:
    """The statement starting on each match's line, parsed alone (dedented): a call whose
    argument spans lines takes the fewest lines that parse. Parsing the few lines that matter
    instead of the whole file made this cheap enough for every run (test suites are full of
    ``sys.path`` calls)."""
    lines = data.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    seen: set[int] = set()
    # Triple quotes before the line (counted once, up to each line in turn: the matches come in
    # order, and no triple quote spans a line start): an odd count puts the line in a string,
    # an example in a docstring. Quotes in comments or escaped ones may fool it, which only
    # costs a root.
    quotes = {b'"""': 0, b"'''": 0}
    counted = 0
    for match in matches:
        first = bisect.bisect_right(starts, match.start()) - 1
        if first in seen:
            continue
        seen.add(first)
        for quote in quotes:
            quotes[quote] += data.count(quote, counted, starts[first])
        counted = starts[first]
        if any(count % 2 for count in quotes.values()):
            continue
        for last in range(first + 1, min(first + _MAX_STATEMENT_LINES, len(lines)) + 1):
            chunk = textwrap.dedent(b"".join(lines[first:last]).decode("utf-8", "replace"))
            try:
                yield ast.parse(chunk)
                break
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                continue


def _sys_path_argument(node: ast.AST) -> ast.expr | None:
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
        return None
    target = node.func.value
    if not (
        isinstance(target, ast.Attribute)
        and target.attr == "path"
        and isinstance(target.value, ast.Name)
        and target.value.id == "sys"
    ):
        return None
    if node.func.attr == "insert" and len(node.args) == 2:
        return node.args[1]
    if node.func.attr == "append" and len(node.args) == 1:
        return node.args[0]
    return None


def _path_value(node: ast.expr, module_path: Path, depth: int = 0) -> Path | None:
    """The folder a path expression built from ``__file__`` names; None when it is not static."""
    if depth > 20:
        return None
    if isinstance(node, ast.Name) and node.id == "__file__":
        return module_path
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return None  # a relative literal depends on the working directory
    if isinstance(node, ast.Attribute) and node.attr == "parent":
        inner = _path_value(node.value, module_path, depth + 1)
        return inner.parent if inner is not None else None
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute):
        # Path(__file__).parents[1]
        if node.value.attr == "parents" and isinstance(node.slice, ast.Constant):
            inner = _path_value(node.value.value, module_path, depth + 1)
            index = node.slice.value
            if inner is not None and isinstance(index, int) and 0 <= index < len(inner.parents):
                return inner.parents[index]
        return None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        inner = _path_value(node.left, module_path, depth + 1)
        part = node.right.value if isinstance(node.right, ast.Constant) else None
        return inner / part if inner is not None and isinstance(part, str) else None
    if isinstance(node, ast.Call):
        name = _call_name(node.func)
        args = node.args
        if name in ("Path", "pathlib.Path", "str", "os.fspath") and len(args) == 1:
            return _path_value(args[0], module_path, depth + 1)
        if name in ("os.path.abspath", "os.path.realpath", "os.path.normpath") and len(args) == 1:
            return _path_value(args[0], module_path, depth + 1)
        if name == "os.path.dirname" and len(args) == 1:
            inner = _path_value(args[0], module_path, depth + 1)
            return inner.parent if inner is not None else None
        if name == "os.path.join" and args:
            inner = _path_value(args[0], module_path, depth + 1)
            for part in args[1:]:
                if inner is None or not (
                    isinstance(part, ast.Constant) and isinstance(part.value, str)
                ):
                    return None
                inner = inner / part.value
            return inner
        if isinstance(node.func, ast.Attribute) and node.func.attr in ("resolve", "absolute"):
            return _path_value(node.func.value, module_path, depth + 1)
    return None


def _call_name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _call_name(node.value)
        return f"{base}.{node.attr}" if base else ""
    return ""
