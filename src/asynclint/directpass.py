"""The direct calls a file too big or too odd for LibCST can still be checked for.

A file over the size limit, or one LibCST cannot parse although CPython can, gets this pass:
CPython's ``ast`` only, one top-level slice of the file at a time (so memory stays bounded), and
only calls written in the body of an ``async def`` to a function of the catalog, by a name bound
by an import (``time.sleep(...)``, ``from requests import get; get(...)``) or a builtin
(``open(...)``). It knows nothing of objects, methods, project functions, chains or frameworks
(decision 0019).
"""

from __future__ import annotations

import ast
import builtins
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from asynclint.catalog import Blocking, Catalog
from asynclint.models import Finding, Span
from asynclint.rules import get_rule

# Slices of about this size are parsed at once: CPython's tree takes ~200 bytes a source byte.
SLICE_BYTES = 1 << 20
# A slice that cannot be closed within this size (one huge class, say) ends the pass there.
MAX_SLICE_BYTES = 4 << 20
# Files larger than this are not read at all.
MAX_FILE_BYTES = 64 << 20

_BUILTINS = frozenset(dir(builtins))
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


@dataclass(slots=True)
class DirectResult:
    findings: list[Finding]
    # The line the pass stopped before, when it could not read the whole file.
    stopped_at: int | None = None


def direct_findings(text: str, path: str, module: str, catalog: Catalog) -> DirectResult:
    """Findings for catalog calls written directly in the async functions of ``text``."""
    lines = text.splitlines(keepends=True)
    names = _Names()
    found: list[Finding] = []
    slices = _Slices(lines)
    for first_line, tree in slices:
        names.record(_own_nodes(tree.body))
        for function, qualname in _async_functions(tree):
            where = _Where(path, f"{module}.{qualname}", qualname, lines, first_line)
            found.extend(_calls_in(function, names, catalog, where))
    found.sort(key=Finding.sort_key)
    return DirectResult(found, slices.stopped_at)


class _Slices:
    """Top-level slices of a file, each parsed alone: (number of its first line - 1, tree)."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.stopped_at: int | None = None

    def __iter__(self) -> Iterator[tuple[int, ast.Module]]:
        lines, start, size, next_try = self.lines, 0, 0, SLICE_BYTES
        for index, line in enumerate(lines):
            size += len(line)
            at_end = index + 1 == len(lines)
            # A slice may end before a line that starts at column 0 (a new top-level statement,
            # unless that line is inside a string or brackets: then the slice does not parse).
            boundary = at_end or (size >= next_try and _may_start_statement(lines[index + 1]))
            if not boundary:
                continue
            tree = _parse("".join(lines[start : index + 1]))
            if tree is not None:
                yield start, tree
                start, size, next_try = index + 1, 0, SLICE_BYTES
            elif at_end or size >= MAX_SLICE_BYTES:
                self.stopped_at = start + 1
                return
            else:
                next_try = size + SLICE_BYTES


class _Names:
    """What names mean, as far as imports tell: local name -> qualified name imported."""

    def __init__(self) -> None:
        self.imported: dict[str, str] = {}
        self.assigned: set[str] = set()  # names bound by anything but an import

    def record(self, nodes: Iterable[ast.AST]) -> None:
        for node in nodes:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    top = alias.name.partition(".")[0]
                    self.imported[alias.asname or top] = alias.name if alias.asname else top
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                for alias in node.names:
                    if alias.name != "*":
                        name = alias.asname or alias.name
                        self.imported[name] = f"{node.module}.{alias.name}"
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                self.assigned.add(node.id)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.assigned.add(node.name)
            elif isinstance(node, ast.arg):
                self.assigned.add(node.arg)

    def qualified(self, dotted: str, inner: _Names | None = None) -> str | None:
        """The qualified name ``dotted`` stands for, looked up in ``inner`` (a function's own
        names) first; None when something else than an import binds it."""
        head, _, rest = dotted.partition(".")
        for names in (inner, self):
            if names is None:
                continue
            if head in names.assigned:  # bound otherwise too: the pass cannot tell
                return None
            if head in names.imported:
                found = names.imported[head]
                return f"{found}.{rest}" if rest else found
        if head in _BUILTINS and not rest:
            return f"builtins.{head}"
        return None


@dataclass(frozen=True, slots=True)
class _Where:
    path: str
    function: str  # module.qualname
    qualname: str
    lines: list[str]
    first_line: int  # lines before the slice


def _may_start_statement(line: str) -> bool:
    return bool(line) and not line[0].isspace() and line[0] not in "#)]}"


def _parse(text: str) -> ast.Module | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None


def _async_functions(tree: ast.Module) -> Iterator[tuple[ast.AsyncFunctionDef, str]]:
    stack: list[tuple[ast.AST, str]] = [(tree, "")]
    while stack:
        node, prefix = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                qualname = f"{prefix}{child.name}"
                if isinstance(child, ast.AsyncFunctionDef):
                    yield child, qualname
                stack.append((child, f"{qualname}."))
            else:
                stack.append((child, prefix))


def _calls_in(
    function: ast.AsyncFunctionDef, names: _Names, catalog: Catalog, where: _Where
) -> Iterator[Finding]:
    body = list(_own_nodes(function.body))
    inner = _Names()
    inner.record([*ast.walk(function.args), *body])
    for node in body:
        if not isinstance(node, ast.Call):
            continue
        text = _dotted(node.func)
        target = names.qualified(text, inner) if text is not None else None
        if text is None or target is None:
            continue
        entry = catalog.function(target)
        if entry is None or entry.blocking is None or _disarmed(entry.blocking, node):
            continue
        if _maybe_in_memory(entry.blocking, node):
            continue
        yield _finding(node, text, target, entry.blocking, where)


def _own_nodes(statements: list[ast.stmt]) -> Iterator[ast.AST]:
    """Nodes of these statements that run when they run (not the bodies of nested scopes)."""
    stack: list[ast.AST] = list(statements)
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, _SCOPES):
            # Decorators and defaults run here; the body does not.
            stack.extend(getattr(node, "decorator_list", ()))
            args = getattr(node, "args", None)
            if args is not None:
                stack.extend(d for d in (*args.defaults, *args.kw_defaults) if d is not None)
            continue
        stack.extend(ast.iter_child_nodes(node))


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _disarmed(blocking: Blocking, call: ast.Call) -> bool:
    given = {k.arg: k.value for k in call.keywords if k.arg}
    return any(
        isinstance(given.get(keyword), ast.Constant) and given[keyword].value == literal  # type: ignore[union-attr]
        for keyword, literal in blocking.unless
    )


def _maybe_in_memory(blocking: Blocking, call: ast.Call) -> bool:
    """Whether the call may meet one of its catalog ``in_memory`` conditions (decision 0043).
    This pass cannot follow values: only a path written as a string is surely not in memory,
    so anything else counts as possibly in memory (the pass never reports more than the full
    analysis would)."""
    for condition in blocking.in_memory:
        if condition.receiver:
            continue
        given: ast.expr | None = None
        for keyword in call.keywords:
            if condition.keyword and keyword.arg == condition.keyword:
                given = keyword.value
        positional = call.args
        if given is None and condition.position is not None:
            if any(isinstance(arg, ast.Starred) for arg in positional[: condition.position + 1]):
                return True
            if condition.position < len(positional):
                given = positional[condition.position]
        if given is None:
            if condition.missing:
                return True
            continue
        if condition.missing:
            continue
        if condition.literal is not None:
            if not isinstance(given, ast.Constant) or given.value == condition.literal:
                return True
            continue
        if not isinstance(given, (ast.Constant, ast.JoinedStr)):
            return True
    return False


def _finding(call: ast.Call, text: str, target: str, blocking: Blocking, where: _Where) -> Finding:
    line = where.first_line + call.lineno
    end_line = where.first_line + (call.end_lineno or call.lineno)
    column = _characters(where.lines[line - 1], call.col_offset) + 1
    end_offset = call.end_col_offset or call.col_offset
    end_column = _characters(where.lines[end_line - 1], end_offset) + 1
    short = text.rsplit(".", 1)[-1]
    aside = f" (`{target}`)" if target not in (text, short) else ""
    context = f"async function `{where.qualname}`"
    rule = get_rule(blocking.code)
    return Finding(
        code=blocking.code,
        name=rule.name if rule else blocking.code,
        message=f"`{text}()`{aside} blocks the event loop in {context}",
        path=where.path,
        span=Span(line, column, end_line, end_column),
        suggestion=blocking.suggestion,
        context=context,
        function=where.function,
        snippet=text,
        target=target,
    )


def _characters(line: str, byte_offset: int) -> int:
    """CPython's columns count UTF-8 bytes; findings count characters."""
    return len(line.encode("utf-8")[:byte_offset].decode("utf-8", errors="replace"))
