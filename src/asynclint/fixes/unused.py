"""Imports a fix left unused: ``time.sleep(1)`` -> ``await asyncio.sleep(1)`` may leave
``import time`` with nothing to do. Only a top-level import the fix stopped using, and only when
nothing in the fixed file (nor ``__all__``) mentions its name any more; a line that carries a
comment is left alone."""

from __future__ import annotations

import ast
import warnings
from collections import Counter
from collections.abc import Iterable

import libcst as cst

from asynclint.fixes.context import FixContext
from asynclint.fixes.text import Replacement


def unused_imports(context: FixContext, fixed: str, names: Iterable[str]) -> list[Replacement]:
    """Replacements (in the parsed text) removing the imports of ``names`` that ``fixed`` (the
    file's text after the fixes) no longer uses."""
    dropped = Counter(names)
    # A name mentioned more often than the fixes drop it is still used: no need to parse.
    mentions = context.mentions()
    candidates = {name for name, count in dropped.items() if mentions.get(name, 0) <= count}
    if not candidates:
        return []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(fixed)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    unused = candidates - _mentioned(tree)
    removals = []
    for statement in context.module.body:
        if not unused:
            break
        if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
            continue
        small = statement.body[0]
        if not isinstance(small, (cst.Import, cst.ImportFrom)) or isinstance(
            small.names, cst.ImportStar
        ):
            continue
        if _has_comment(statement):
            continue
        gone = [alias for alias in small.names if _local(alias) in unused]
        if not gone:
            continue
        if len(gone) == len(small.names):
            start, end = context.offsets_of(statement)
            end = _past_line_end(context.text.text, end)
            start = context.text.line_start(context.text.position(start)[0])
            removals.append(Replacement(start, end, ""))
        else:
            kept = [alias for alias in small.names if alias not in gone]
            kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            new = small.with_changes(names=kept)
            if isinstance(small, cst.ImportFrom) and small.lpar is not None and len(kept) == 1:
                new = new.with_changes(lpar=None, rpar=None)
            removals.append(context.replacement(small, new))
        unused -= {_local(alias) for alias in gone}
    return removals


def _mentioned(tree: ast.Module) -> set[str]:
    """Names read or written anywhere but in import statements, and the strings of ``__all__``."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "__all__" for target in node.targets
        ):
            found.update(
                item.value
                for item in ast.walk(node.value)
                if isinstance(item, ast.Constant) and isinstance(item.value, str)
            )
    return found


def _local(alias: cst.ImportAlias) -> str:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return alias.evaluated_name.split(".")[0]


def _has_comment(statement: cst.SimpleStatementLine) -> bool:
    code = cst.Module([]).code_for_node(statement)
    return "#" in code or any(line.comment is not None for line in statement.leading_lines)


def _past_line_end(text: str, offset: int) -> int:
    """The offset after the line break ending the line that ``offset`` is on."""
    while offset < len(text) and text[offset] in " \t":
        offset += 1
    for ending in ("\r\n", "\n", "\r"):
        if text.startswith(ending, offset):
            return offset + len(ending)
    return offset
