"""Skeletons: the text LibCST parses of a file before anything needs its function bodies.

LibCST builds a node for every token, and most function bodies of a project are never reached from
code that runs on the event loop. So a file is first parsed with the bodies of its plain ``def``
functions blanked out, and a body is parsed when resolution reaches that function
(``FactsStore.function``). CPython's parse, made anyway for positions and exact syntax errors, says
where the bodies are.

Blanking keeps every line where it was: a blanked stretch becomes one string literal spanning the
same lines, so line and column positions from either parse stay exact.
"""

from __future__ import annotations

import ast
import re
import sys
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import accumulate

from asynclint.markers import BODY_MARKERS

# One-line bodies are parsed with the skeleton: blanking them saves less than a later round trip
# costs (the CPU of a serial cold stdlib run: 14.3 s with 1, 13.7 s with 2, 15.9 s with 4 and 6).
MIN_MASKED_LINES = 2

LineRange = tuple[int, int]  # 1-based, inclusive

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# Characters str.splitlines() breaks on but Python's tokenizer does not.
# Line breaks of str.splitlines that are not Python's. Looked for one by one with ``in`` (a
# substring search): 75x faster than a character-class regex on a 20k-line file.
_OTHER_BREAK_CHARACTERS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_BLOCKS: tuple[type, ...] = (ast.If, ast.Try, ast.With, ast.For, ast.While)
if sys.version_info >= (3, 11):
    _BLOCKS += (ast.TryStar,)
# A body holding one of these is never blanked: it runs on the loop, or it writes names outside
# its own scope (``global``), which the skeleton's module bindings must show.
_KEEP_NODES = (
    ast.AsyncFunctionDef,
    ast.AsyncFor,
    ast.AsyncWith,
    ast.Await,
    ast.Global,
    ast.Nonlocal,
)


@dataclass(frozen=True, slots=True)
class Skeleton:
    text: str
    # Blanked function -> the lines a later parse of its body keeps (enclosing class headers and
    # every definition with that qualified name).
    masked: dict[str, tuple[LineRange, ...]]
    blanked: tuple[LineRange, ...]  # the blanked lines, in order
    # Attribute name -> blanked functions storing it on another object than their ``self``.
    stores: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Definition:
    qualname: str
    node: ast.FunctionDef | ast.AsyncFunctionDef
    classes: tuple[ast.ClassDef, ...]  # enclosing classes, outermost first
    nested_in_block: bool  # inside an if/try/with/for/while


def split_lines(source: str) -> list[str]:
    """Lines as Python's tokenizer counts them, each with its line break."""
    if not any(character in source for character in _OTHER_BREAK_CHARACTERS):
        return source.splitlines(keepends=True)
    lines: list[str] = []
    start = 0
    for match in _LINE_BREAK.finditer(source):
        lines.append(source[start : match.end()])
        start = match.end()
    if start < len(source):
        lines.append(source[start:])
    return lines


def skeleton(source: str, tree: ast.Module, nodes: Sequence[ast.AST] | None = None) -> Skeleton:
    """``source`` with the bodies of functions that nothing needs yet blanked out.

    ``nodes``: every node of ``tree``, when the caller has listed them already.
    """
    lines = split_lines(source)
    definitions = list(_definitions(tree.body, "", (), nested_in_block=False))
    marked = _marked_lines(source, lines)
    bodies = {
        id(definition.node): body
        for definition in definitions
        if (body := _blankable_body(definition, lines, marked)) is not None
    }
    stores = _keep_bodies_that_write_outside(
        definitions, bodies, ast.walk(tree) if nodes is None else nodes
    )
    by_name: dict[str, list[_Definition]] = {}
    for definition in definitions:
        by_name.setdefault(definition.qualname, []).append(definition)
    gaps: list[tuple[int, int, str]] = []
    masked: dict[str, tuple[LineRange, ...]] = {}
    for qualname, group in by_name.items():
        if any(id(definition.node) not in bodies for definition in group):
            continue  # every definition under one name is parsed alike: the last one wins
        gaps.extend(bodies[id(definition.node)] for definition in group)
        masked[qualname] = _kept_for_body(group)
    if not gaps:
        return Skeleton(source, {}, ())
    gaps.sort()
    stored: dict[str, tuple[str, ...]] = {}
    for attribute, qualnames in stores.items():
        kept = tuple(sorted({name for name in qualnames if name in masked}))
        if kept:
            stored[attribute] = kept
    blanked = tuple((first, last) for first, last, _ in gaps)
    return Skeleton(_render(lines, gaps), masked, blanked, stored)


def bodies_source(source: str, keep: list[LineRange]) -> str:
    """``source`` with everything blanked but the ``keep`` lines (see :attr:`Skeleton.masked`)."""
    lines = split_lines(source)
    ranges = sorted(keep)
    gaps: list[tuple[int, int, str]] = []
    next_line = 1
    for first, last in ranges:
        if first > next_line:
            gaps.append((next_line, first - 1, _indentation(lines[first - 1])))
        next_line = max(next_line, last + 1)
    if next_line <= len(lines):
        gaps.append((next_line, len(lines), ""))
    return _render(lines, gaps)


# ---- which bodies ---------------------------------------------------------------------------


def _definitions(
    body: list[ast.stmt], prefix: str, classes: tuple[ast.ClassDef, ...], *, nested_in_block: bool
) -> Iterator[_Definition]:
    """Functions defined at module or class level (the ones a qualified name can reach)."""
    for statement in body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield _Definition(prefix + statement.name, statement, classes, nested_in_block)
        elif isinstance(statement, ast.ClassDef):
            yield from _definitions(
                statement.body,
                f"{prefix}{statement.name}.",
                (*classes, statement),
                nested_in_block=nested_in_block,
            )
        elif isinstance(statement, _BLOCKS):
            for block in _blocks_of(statement):
                yield from _definitions(block, prefix, classes, nested_in_block=True)


def _blocks_of(statement: ast.stmt) -> Iterator[list[ast.stmt]]:
    for name in ("body", "orelse", "finalbody"):
        block = getattr(statement, name, None)
        if block:
            yield block
    for handler in getattr(statement, "handlers", ()):
        yield handler.body


def focused(source: str, tree: ast.Module, lines: frozenset[int]) -> str:
    """``source`` with every function body blanked that holds none of ``lines``.

    What fixes read: the code around their findings, its enclosing definitions, and module-level
    statements (imports).
    """
    all_lines = split_lines(source)
    gaps: list[tuple[int, int, str]] = []
    todo: list[list[ast.stmt]] = [tree.body]
    while todo:
        for statement in todo.pop():
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                body = _body_lines(statement, all_lines)
                if body is not None and not any(body[0] <= line <= body[1] for line in lines):
                    if body[1] > body[0]:
                        gaps.append(body)
                    continue
                todo.append(statement.body)
            elif isinstance(statement, ast.ClassDef):
                todo.append(statement.body)
            elif isinstance(statement, _BLOCKS):
                todo.extend(_blocks_of(statement))
    gaps.sort()
    return _render(all_lines, gaps) if gaps else source


def _body_lines(
    node: ast.FunctionDef | ast.AsyncFunctionDef, lines: list[str]
) -> tuple[int, int, str] | None:
    """First and last line of a function's body and its indentation, when the body starts a
    line of its own (``def f(): return 1`` cannot be blanked)."""
    first_statement = node.body[0]
    decorators = getattr(first_statement, "decorator_list", None)
    start = decorators[0].lineno if decorators else first_statement.lineno
    end = node.end_lineno or node.lineno
    if start <= node.lineno:
        return None
    line = lines[start - 1] if start <= len(lines) else ""
    indentation = _indentation(line)
    if decorators:
        starts_line = line[len(indentation) :].startswith("@")
    else:
        starts_line = len(indentation.encode()) == first_statement.col_offset
    if not starts_line or not indentation:
        return None
    return (start, end, indentation)


def _marked_lines(source: str, lines: list[str]) -> list[int]:
    """Lines (sorted) on which a body marker starts: one scan of the file, not one per body."""
    matches = [match.start() for match in BODY_MARKERS.finditer(source)]
    if not matches:
        return []
    starts = list(accumulate((len(line) for line in lines), initial=0))
    return [bisect_right(starts, offset) for offset in matches]


def _blankable_body(
    definition: _Definition, lines: list[str], marked: list[int]
) -> tuple[int, int, str] | None:
    """The body's lines and indentation, when its text allows blanking it out."""
    node = definition.node
    if isinstance(node, ast.AsyncFunctionDef) or definition.nested_in_block:
        return None
    body = _body_lines(node, lines)
    if body is None or body[1] - body[0] + 1 < MIN_MASKED_LINES or _is_stub(node.body):
        return None
    first_marked = bisect_left(marked, node.lineno)
    if first_marked < len(marked) and marked[first_marked] <= body[1]:
        return None
    return body


def _is_stub(body: list[ast.stmt]) -> bool:
    """A body that does nothing (an interface's method): cheap to parse, and whether a method is
    a stub must be known without its body (the extractor's ``_is_stub`` on the same shapes)."""
    for statement in body:
        if isinstance(statement, ast.Pass):
            continue
        if (
            isinstance(statement, ast.Expr)
            and isinstance(statement.value, ast.Constant)
            and (statement.value.value is Ellipsis or isinstance(statement.value.value, str))
        ):
            continue
        if isinstance(statement, ast.Raise):
            raised = statement.exc.func if isinstance(statement.exc, ast.Call) else statement.exc
            if isinstance(raised, ast.Name) and raised.id == "NotImplementedError":
                continue
        return False
    return True


def _keep_bodies_that_write_outside(
    definitions: list[_Definition],
    bodies: dict[int, tuple[int, int, str]],
    nodes: Iterable[ast.AST],
) -> dict[str, list[str]]:
    """Drop from ``bodies`` the functions that hold loop code or write outside their scope, and
    say which of the others store attributes on other objects (attribute name -> qualnames).

    Candidates are definitions at module or class level, so their lines never overlap: each node
    belongs to the candidate whose lines hold its line.
    """
    stores: dict[str, list[str]] = {}
    candidates = sorted(
        (
            (
                definition.node.lineno,
                definition.node.end_lineno or 0,
                id(definition.node),
                definition,
            )
            for definition in definitions
            if id(definition.node) in bodies
        ),
        key=lambda candidate: candidate[0],
    )
    if not candidates:
        return stores
    starts = [candidate[0] for candidate in candidates]
    for node in nodes:
        is_keep = isinstance(node, _KEEP_NODES)
        # `self.x = ...` fills the class's attributes, which the skeleton must have.
        is_store = isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store)
        if not (is_keep or is_store):
            continue
        index = bisect_right(starts, node.lineno) - 1  # type: ignore[attr-defined]
        if index < 0:
            continue
        _, end, key, definition = candidates[index]
        if node.lineno > end or key not in bodies:  # type: ignore[attr-defined]
            continue
        if is_keep or (isinstance(node.value, ast.Name) and node.value.id == _receiver(definition)):
            del bodies[key]
        else:
            stores.setdefault(node.attr, []).append(definition.qualname)  # type: ignore[attr-defined]
    return stores


def _receiver(definition: _Definition) -> str | None:
    if not definition.classes:
        return None
    arguments = definition.node.args
    positional = [*arguments.posonlyargs, *arguments.args]
    return positional[0].arg if positional else None


def _kept_for_body(group: list[_Definition]) -> tuple[LineRange, ...]:
    kept: set[LineRange] = set()
    for definition in group:
        for cls in definition.classes:
            body_start = cls.body[0].lineno
            body_decorators = getattr(cls.body[0], "decorator_list", None)
            if body_decorators:
                body_start = body_decorators[0].lineno
            kept.add((cls.lineno, max(cls.lineno, body_start - 1)))
        node = definition.node
        first = node.decorator_list[0].lineno if node.decorator_list else node.lineno
        kept.add((first, node.end_lineno or node.lineno))
    return tuple(sorted(kept))


# ---- rendering ------------------------------------------------------------------------------


def _indentation(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t\x0c"))]


def _render(lines: list[str], gaps: list[tuple[int, int, str]]) -> str:
    """Replace each gap (first line, last line, indentation) by a string literal as tall."""
    out: list[str] = []
    done = 0
    for first, last, indentation in gaps:
        out.extend(lines[done : first - 1])
        ending = lines[last - 1][len(lines[last - 1].rstrip("\r\n")) :]
        if first == last:
            out.append(f'{indentation}""""""{ending}')
        else:
            out.append(f'{indentation}"""' + "\n" * (last - first) + f'"""{ending}')
        done = last
    out.extend(lines[done:])
    return "".join(out)
