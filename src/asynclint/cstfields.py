"""Where a LibCST node's code is: its fields that may hold code, read without LibCST's traversal.

LibCST's own traversal (and ``node.children``) visits every node, whitespace included, and costs
about as much as the parse; the walks of the extractor and of the fixes read these fields
instead.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
from collections.abc import Iterator

import libcst as cst

# Fields that hold only whitespace, punctuation or keywords: never a call or a definition.
_SKIPPED_FIELDS = frozenset(
    {
        "lpar",
        "rpar",
        "comma",
        "leading_lines",
        "lines_after_decorators",
        "header",
        "footer",
        "semicolon",
        "newline",
        "equal",
        "colon",
        "dot",
        "star",
        "asynchronous",
        "operator",
        "trailing_whitespace",
        "first_line",
        "empty_lines",
        "indent",
        "lbracket",
        "rbracket",
        "lbrace",
        "rbrace",
        "comparisons_operator",
        "end",
        "start",
    }
)
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}
_FIELD_PATTERN = re.compile(r'visit_\w+\(\s*self,\s*"(\w+)"')


def code_fields(cls: type) -> tuple[str, ...]:
    """Fields of a node class that may hold code, in source order.

    LibCST's own traversal rebuilds every node, whitespace included, which costs as much as the
    parse. The order is read from LibCST's ``_visit_and_replace_children`` (written in source
    order for code generation), so calls are met in the same order as the builtin parser's.
    """
    found = _CHILD_FIELDS.get(cls)
    if found is None:
        try:
            names = _FIELD_PATTERN.findall(inspect.getsource(cls._visit_and_replace_children))
        except (OSError, TypeError, AttributeError):
            names = []
        if not names:
            names = [item.name for item in dataclasses.fields(cls)]
        found = tuple(
            name
            for name in dict.fromkeys(names)
            if name not in _SKIPPED_FIELDS and "whitespace" not in name
        )
        _CHILD_FIELDS[cls] = found
    return found


# What a field value is, by its class: LibCST's node classes are ABCs, whose isinstance checks
# run Python code, and the walk asks for every field of every node.
NODE, SEQUENCE, OTHER = "node", "sequence", "other"
KINDS: dict[type, str] = {tuple: SEQUENCE, list: SEQUENCE}


def kind_of(cls: type) -> str:
    kind = KINDS[cls] = NODE if issubclass(cls, cst.CSTNode) else OTHER
    return kind


def code_children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The nodes in ``node``'s code fields, in source order (the extractor's walk inlines the
    same steps: it runs for every node of every parse)."""
    children: list[cst.CSTNode] = []
    for field_name in code_fields(type(node)):
        value = getattr(node, field_name)
        kind = KINDS.get(value.__class__) or kind_of(value.__class__)
        if kind is NODE:
            children.append(value)
        elif kind is SEQUENCE:
            children.extend(
                item
                for item in value
                if (KINDS.get(item.__class__) or kind_of(item.__class__)) is NODE
            )
    return children


def walk_code(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """``node`` and every node inside it through code fields (nested scopes included)."""
    todo = [node]
    while todo:
        current = todo.pop()
        yield current
        todo.extend(code_children(current))
