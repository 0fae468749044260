"""A block of statements moved to one worker thread, as a local function.

The statements that make and use a thread-bound object (a sqlite3 connection, a session) must
run in one thread. The engine gives the lines they span (the fix's ``scope``); this finds the
smallest run of whole statements holding them, checks it can run in a function of its own, and
writes::

    def _in_thread():
        nonlocal total            # names the block assigns and the function binds elsewhere
        conn = sqlite3.connect(path)
        ...
        return row                # names it assigns that the function reads afterwards
    row = await asyncio.to_thread(_in_thread)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst

from asynclint.cstfields import code_children, walk_code
from asynclint.fixes.constructs import ConstructFinder
from asynclint.fixes.context import FixContext
from asynclint.fixes.names import bound_names, target_names
from asynclint.fixes.offload import Offload, offload_function
from asynclint.models import Finding, Span


@dataclass(frozen=True, slots=True)
class Block:
    """The suite that changes, its new version, and what the description says."""

    suite: cst.IndentedBlock
    new_suite: cst.IndentedBlock
    function: cst.FunctionDef
    offload: Offload
    first_line: int
    last_line: int


def plan_block(context: FixContext, finding: Finding) -> Block | str:
    fix = finding.fix
    assert fix is not None
    scope = fix.scope
    if scope is None:
        return "no lines to move"
    function = context.find_function_at(finding.span)
    if function is None or function.asynchronous is None:
        return "the finding is not inside an async function"
    found = _region(context, function, scope)
    if isinstance(found, str):
        return found
    suite, region = found
    reason = _RegionCheck.reason(region) or context.await_blocker(region[0])
    if reason:
        return reason
    parts = _interface(context, function, suite, region)
    if isinstance(parts, str):
        return parts
    nonlocals, outputs = parts
    made = context.find_call(Span(scope.line, scope.column, scope.line, scope.column))
    leaving = _carrying(region, set(outputs) | set(nonlocals), made)
    if leaving:
        return f"what the statements open leaves them in `{leaving}`, bound to their thread"
    offload = offload_function(context, region[0], finding)
    if isinstance(offload, str):
        return offload
    scopes = [function, *context.scopes_of(function)]
    name = context.names.free_local("in_thread", scopes)
    config = context.module.config_for_parsing
    body: list[cst.BaseStatement] = []
    if nonlocals:
        body.append(cst.parse_statement(f"nonlocal {', '.join(nonlocals)}\n", config=config))
    body.append(region[0].with_changes(leading_lines=()))
    body.extend(region[1:])
    if outputs:
        body.append(cst.parse_statement(f"return {', '.join(outputs)}\n", config=config))
    local = cst.FunctionDef(
        name=cst.Name(name),
        params=cst.Parameters(),
        body=cst.IndentedBlock(body=body),
        leading_lines=region[0].leading_lines,
    )
    call = f"await {offload.name.expression}({name})"
    assigned = f"{', '.join(outputs)} = {call}" if outputs else call
    statement = cst.parse_statement(assigned + "\n", config=config)
    statements = list(suite.body)
    start = statements.index(region[0])
    statements[start : start + len(region)] = [local, statement]
    lines = (context.range_of(region[0]).start.line, context.range_of(region[-1]).end.line)
    return Block(suite, suite.with_changes(body=statements), function, offload, *lines)


def _region(
    context: FixContext, function: cst.FunctionDef, scope: Span
) -> tuple[cst.IndentedBlock, list[cst.BaseStatement]] | str:
    """The innermost suite whose statements hold the lines of ``scope``, and those statements."""
    lines = (scope.line, scope.end_line)
    block = function.body
    while True:
        if not isinstance(block, cst.IndentedBlock):
            return "the statements are on one line with their header"
        statements = list(block.body)
        covering = [s for s in statements if _overlaps(_lines(context, s), lines)]
        if not covering:
            return "no statements at the finding's lines"
        if len(covering) == 1:
            inner = _inner_block(context, covering[0], lines)
            if inner is not None:
                block = inner
                continue
        first, last = statements.index(covering[0]), statements.index(covering[-1])
        return block, statements[first : last + 1]


def _inner_block(
    context: FixContext, statement: cst.BaseStatement, lines: tuple[int, int]
) -> cst.BaseSuite | None:
    """The block of a compound statement that holds all of ``lines`` (not its header)."""
    blocks: list[cst.BaseSuite] = []
    if isinstance(statement, (cst.With, cst.For, cst.While, cst.If)):
        blocks.append(statement.body)
    if isinstance(statement, cst.Try):
        blocks.append(statement.body)
    for block in blocks:
        start, end = _lines(context, block)
        if isinstance(block, cst.IndentedBlock):
            start += 1  # the header's line break belongs to the block
        if start <= lines[0] and lines[1] <= end:
            return block
    return None


def _lines(context: FixContext, node: cst.CSTNode) -> tuple[int, int]:
    code_range = context.range_of(node)
    return code_range.start.line, code_range.end.line


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def _interface(
    context: FixContext,
    function: cst.FunctionDef,
    suite: cst.IndentedBlock,
    region: Sequence[cst.BaseStatement],
) -> tuple[list[str], list[str]] | str:
    """Names the local function declares ``nonlocal`` and names it returns, or why none fit."""
    inside = {id(statement) for statement in region}
    assigned = bound_names(region)[0]
    bound_outside, declared_outside = bound_names([function.body], skip=inside)
    bound_outside |= _parameters(function)
    read_outside = _mentioned(function.body, inside)
    if assigned & declared_outside:
        return "the statements assign a name declared `global` in the function"
    nonlocals = sorted(assigned & bound_outside)
    outputs = sorted((assigned - bound_outside) & read_outside)
    if outputs:
        certain = _certainly_assigned(region)
        unsure = [name for name in outputs if name not in certain]
        if unsure:
            return f"`{unsure[0]}` is not assigned on every path through the statements"
    return nonlocals, outputs


def _carrying(region: Sequence[cst.BaseStatement], names: set[str], made: cst.Call | None) -> str:
    """A name outside the statements sees that is assigned a value holding ``made`` (the
    call that makes the thread-bound object): the object would leave its thread."""
    if made is None or not names:
        return ""
    todo: list[cst.CSTNode] = list(region)
    while todo:
        node = todo.pop()
        if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            continue
        if isinstance(node, (cst.Assign, cst.AnnAssign, cst.AugAssign)) and node.value is not None:
            targets = (
                [target.target for target in node.targets]
                if isinstance(node, cst.Assign)
                else [node.target]
            )
            bound = {name for target in targets for name in target_names(target)}
            carried = bound & names
            if carried and _holds(node.value, made):
                return sorted(carried)[0]
        todo.extend(code_children(node))
    return ""


def _holds(node: cst.CSTNode, part: cst.CSTNode) -> bool:
    return any(current is part for current in walk_code(node))


def _parameters(function: cst.FunctionDef) -> set[str]:
    params = function.params
    found = {
        param.name.value
        for param in (*params.posonly_params, *params.params, *params.kwonly_params)
    }
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            found.add(star.name.value)
    return found


def _mentioned(node: cst.CSTNode, skip: set[int]) -> set[str]:
    """Names the code mentions outside the ``skip`` statements (attribute and keyword names
    excepted), nested functions included: they may read what the block assigns."""
    found: set[str] = set()
    todo: list[cst.CSTNode] = [node]
    while todo:
        current = todo.pop()
        if id(current) in skip:
            continue
        if isinstance(current, cst.Name):
            found.add(current.value)
        elif isinstance(current, (cst.Attribute, cst.Arg)):
            todo.append(current.value)
            continue
        todo.extend(code_children(current))
    return found


def _certainly_assigned(region: Sequence[cst.BaseStatement]) -> set[str]:
    """Names every run of the statements that does not raise assigns: by statements at their
    top level and inside ``with`` blocks and ``try`` blocks that catch nothing."""
    found: set[str] = set()
    for statement in region:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Assign) or (
                    isinstance(small, cst.AnnAssign) and small.value is not None
                ):
                    found |= bound_names([small])[0]
        elif isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            found.add(statement.name.value)
        elif isinstance(statement, cst.With):
            for item in statement.items:
                if item.asname is not None:
                    found |= bound_names([item.asname])[0]
            if isinstance(statement.body, cst.IndentedBlock):
                found |= _certainly_assigned(list(statement.body.body))
        elif isinstance(statement, cst.Try) and not statement.handlers:
            for block in (statement.body, statement.finalbody and statement.finalbody.body):
                if isinstance(block, cst.IndentedBlock):
                    found |= _certainly_assigned(list(block.body))
    return found


class _RegionCheck(ConstructFinder):
    """What cannot move into a function of its own: ``await``/``yield``/``return``, loop
    exits of loops outside, ``global``/``nonlocal``, ``del``, async blocks."""

    USES = "the statements use"

    def __init__(self) -> None:
        super().__init__()
        self.loops = 0

    @classmethod
    def reason(cls, region: Sequence[cst.BaseStatement]) -> str:
        check = cls()
        for statement in region:
            statement.visit(check)
        return check.found

    def visit_Yield(self, node: cst.Yield) -> bool:
        return self._note("`yield`")

    def visit_Return(self, node: cst.Return) -> bool:
        return self._note("`return`")

    def visit_Global(self, node: cst.Global) -> bool:
        return self._note("`global`")

    def visit_Nonlocal(self, node: cst.Nonlocal) -> bool:
        return self._note("`nonlocal`")

    def visit_Del(self, node: cst.Del) -> bool:
        return self._note("`del`")

    def visit_For(self, node: cst.For) -> bool:
        if node.asynchronous is not None:
            return self._note("`async for`")
        self.loops += 1
        return True

    def leave_For(self, node: cst.For) -> None:
        self.loops -= 1

    def visit_While(self, node: cst.While) -> bool:
        self.loops += 1
        return True

    def leave_While(self, node: cst.While) -> None:
        self.loops -= 1

    def visit_Break(self, node: cst.Break) -> bool:
        return True if self.loops else self._note("`break`")

    def visit_Continue(self, node: cst.Continue) -> bool:
        return True if self.loops else self._note("`continue`")
