"""Where the nodes a fix works on are, from CPython's parse paired with LibCST's nodes.

LibCST's ``PositionProvider`` renders the whole module again to place every node, which was most
of the cost of describing a fix. Fixes need the positions of calls and function definitions,
and the end lines of top-level statements (imports go after them); CPython's parser gives those
for a fraction of the cost. Nodes are paired by kind in source order and the pairing is checked
by count and name, as the extractor does (decision 0002); on any doubt there is no index and
the caller asks ``PositionProvider``.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import CodePosition, CodeRange

from asynclint.cstfields import code_children
from asynclint.extractor import all_nodes, builtin_spans, calls_and_defs_pair, char_column
from asynclint.facts import _LINE_SPLIT, Span


@dataclass(slots=True)
class NodeIndex:
    parents: dict[cst.CSTNode, cst.CSTNode]
    # Every Call and FunctionDef, and every top-level statement; None when CPython's parse
    # could not be paired with LibCST's.
    ranges: dict[cst.CSTNode, CodeRange] | None


def index_nodes(module: cst.Module, text: str, tree: ast.Module | None = None) -> NodeIndex:
    """Parents of every node reachable through code fields, and the ranges fixes need
    (``tree``: CPython's parse of ``text``, when the caller has it)."""
    parents: dict[cst.CSTNode, cst.CSTNode] = {}
    calls: list[cst.Call] = []
    definitions: list[cst.FunctionDef] = []
    stack: list[cst.CSTNode] = [module]
    while stack:  # depth first, children in source order
        node = stack.pop()
        if isinstance(node, cst.Call):
            calls.append(node)
        elif isinstance(node, cst.FunctionDef):
            definitions.append(node)
        children = code_children(node)
        for child in children:
            parents[child] = node
        stack.extend(reversed(children))
    return NodeIndex(parents, _paired_ranges(module, text, tree, calls, definitions))


def _paired_ranges(
    module: cst.Module,
    text: str,
    tree: ast.Module | None,
    calls: list[cst.Call],
    definitions: list[cst.FunctionDef],
) -> dict[cst.CSTNode, CodeRange] | None:
    if tree is None:
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None
    spans = builtin_spans(all_nodes(tree), text)
    if not calls_and_defs_pair(spans, calls, definitions):
        return None
    ranges = {
        node: _code_range(span)
        for nodes, kind in ((calls, "call"), (definitions, "def"))
        for node, span in zip(nodes, spans[kind], strict=True)
    }
    statements = _statement_ranges(module, tree, text)
    if statements is None:
        return None
    ranges.update(statements)
    return ranges


def _statement_ranges(
    module: cst.Module, tree: ast.Module, text: str
) -> dict[cst.CSTNode, CodeRange] | None:
    """Top-level statements: LibCST keeps ``a; b`` on one line as one, CPython as two."""
    lines = None if text.isascii() else _LINE_SPLIT.split(text)

    def column(line: int, byte_column: int) -> int:
        return byte_column if lines is None else char_column(lines, line, byte_column)

    ranges: dict[cst.CSTNode, CodeRange] = {}
    builtin = tree.body
    index = 0
    for statement in module.body:
        count = len(statement.body) if isinstance(statement, cst.SimpleStatementLine) else 1
        if index + count > len(builtin):
            return None
        first, last = builtin[index], builtin[index + count - 1]
        end_line = last.end_lineno or last.lineno
        start = CodePosition(first.lineno, column(first.lineno, first.col_offset))
        end = CodePosition(end_line, column(end_line, last.end_col_offset or 0))
        ranges[statement] = CodeRange(start, end)
        index += count
    return ranges if index == len(builtin) else None


def _code_range(span: Span) -> CodeRange:
    """A 1-based span as LibCST's range (0-based columns)."""
    line, column, end_line, end_column = span
    return CodeRange(CodePosition(line, column - 1), CodePosition(end_line, end_column - 1))
