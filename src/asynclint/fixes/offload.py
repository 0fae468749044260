"""Offloads: the finding's call, or the whole expression around it, awaited in a worker thread.

``f(a, k=v)`` -> ``await asyncio.to_thread(f, a, k=v)``: the arguments are evaluated on the loop.
When an argument blocks too (``f.write(blob.readall())``, the engine's ``scope``), the whole
expression goes to the thread in one ``lambda``; a lazy iterable goes there with ``list``, which
consumes it in the thread. The offload is the module's own: ``run_in_threadpool`` in
FastAPI/Starlette code, ``anyio.to_thread.run_sync``/``trio.to_thread.run_sync`` in code written
for those libraries (never ``asyncio.to_thread``, which needs an asyncio loop).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

import libcst as cst

from asynclint.cstfields import code_children, walk_code
from asynclint.fixes.constructs import OwnScopeVisitor
from asynclint.fixes.context import FixContext
from asynclint.fixes.imports import NameRequest
from asynclint.models import Finding

# Packages whose own code runs under any backend: asyncio's offload would tie it to asyncio.
_NEUTRAL_PACKAGES = ("anyio", "trio")


@dataclass(frozen=True, slots=True)
class Offload:
    """The function that runs a callable in a worker thread, as the fix writes it."""

    name: NameRequest
    keywords: bool  # passes keyword arguments on to the callable


def offload_function(context: FixContext, node: cst.CSTNode, finding: Finding) -> Offload | str:
    """The offload to write at ``node``, or why there is none to write."""
    imports = context.imports
    names = context.names
    scopes = context.scopes_of(node)
    own = _own_offload(context, finding)
    if own is not None:
        return own
    if imports.uses("fastapi") or imports.uses("starlette"):
        sources = ("fastapi.concurrency", "starlette.concurrency")
        if not imports.uses("fastapi"):
            sources = ("starlette.concurrency",)
        return Offload(names.imported_function(sources, "run_in_threadpool", scopes), True)
    for library in _NEUTRAL_PACKAGES:
        if imports.uses(library):
            return Offload(names.module_attribute(library, "to_thread.run_sync", scopes), False)
    if in_neutral_package(finding):
        return (
            "the code belongs to a backend-neutral library without an offload of its own imported"
        )
    return Offload(names.module_attribute("asyncio", "to_thread", scopes), True)


def _own_offload(context: FixContext, finding: Finding) -> Offload | None:
    """``run_sync`` imported from a ``to_thread`` module, relatively too (anyio's own code)."""
    for (source, name), local in context.imports.from_names.items():
        if name == "run_sync" and source.rsplit(".", 1)[-1] == "to_thread":
            return Offload(NameRequest(local), False)
        if name == "to_thread" and source in _NEUTRAL_PACKAGES:
            return Offload(NameRequest(f"{local}.run_sync"), False)
    for (source, name), local in context.imports.relative_names.items():
        if name == "run_sync" and source.rstrip(".").rsplit(".", 1)[-1] == "to_thread":
            return Offload(NameRequest(local), False)
        if name == "to_thread" and in_neutral_package(finding):
            return Offload(NameRequest(f"{local}.run_sync"), False)
    return None


def in_neutral_package(finding: Finding) -> bool:
    return any(part in _NEUTRAL_PACKAGES for part in PurePath(finding.path).parts[:-1])


def plan_call(
    context: FixContext, call: cst.Call, finding: Finding, whole: bool
) -> tuple[cst.BaseExpression, Offload, str] | str:
    """``await offload(f, args)`` for ``call`` (with ``whole``, or when the offload passes no
    keywords: ``await offload(lambda: call)``), its offload and what it runs; or why not."""
    offload = offload_function(context, call, finding)
    if isinstance(offload, str):
        return offload
    keywords = [arg for arg in call.args if arg.keyword is not None or arg.star == "**"]
    if whole or (keywords and not offload.keywords):
        reason = lambda_blocker(call)
        if reason:
            return reason
        return _offloaded_lambda(call, offload), offload, "the whole expression"
    if _contains(call.func, (cst.Call, cst.Await, cst.Yield, cst.NamedExpr)):
        return "the callee is computed by a call; offload it by hand"
    if offload.name.expression.endswith("run_in_threadpool") and any(
        arg.keyword is not None and arg.keyword.value == "func" for arg in keywords
    ):
        return "a keyword argument named `func` clashes with run_in_threadpool"
    separator: cst.BaseParenthesizableWhitespace = cst.SimpleWhitespace(" ")
    if isinstance(call.whitespace_before_args, cst.ParenthesizedWhitespace):
        separator = call.whitespace_before_args  # one argument per line stays that way
    arguments = tuple(_parenthesize_bare_generator(arg) for arg in call.args)
    callee = cst.Arg(value=call.func, comma=cst.Comma(whitespace_after=separator))
    if not call.args:
        callee = cst.Arg(value=call.func)
    new_call = cst.Call(
        func=cst.parse_expression(offload.name.expression),
        args=(callee, *arguments),
        whitespace_before_args=call.whitespace_before_args,
    )
    return new_call, offload, f"`{context.module.code_for_node(call.func)}`"


def plan_consumed(
    context: FixContext, call: cst.Call, finding: Finding, *, blocks_itself: bool
) -> tuple[cst.BaseExpression, Offload] | str:
    """A lazy iterable and its consumption in the thread: ``await offload(list, gen())``, or
    ``await offload(lambda: list(os.walk(p)))`` when making the iterable blocks too."""
    reason = _partly_consumed(context, call)
    if reason:
        return reason
    offload = offload_function(context, call, finding)
    if isinstance(offload, str):
        return offload
    consume = cst.Name("list")
    if not context.names.is_free("list", context.scopes_of(call)):
        return "`list` is rebound here"
    bare = call.with_changes(lpar=(), rpar=())
    if blocks_itself:
        reason = lambda_blocker(call)
        if reason:
            return reason
        listed = cst.Call(func=consume, args=(cst.Arg(bare),))
        return _offloaded_lambda(listed, offload), offload
    args = (cst.Arg(consume, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))),)
    new_call = cst.Call(
        func=cst.parse_expression(offload.name.expression),
        args=(*args, cst.Arg(bare)),
    )
    return new_call, offload


def _partly_consumed(context: FixContext, call: cst.Call) -> str:
    """Why turning the iterable into a list could change what the code does ("" when the loop
    always runs to its end): a ``for`` that may ``break`` or ``return`` stops early."""
    parent = context.parent(call)
    if isinstance(parent, cst.For) and parent.iter is call:
        finder = _EarlyExit()
        parent.body.visit(finder)
        return "the loop may stop early" if finder.found else ""
    if isinstance(parent, cst.CompFor) and parent.iter is call:
        return ""
    return "the iterable is not consumed where it is made"


class _EarlyExit(OwnScopeVisitor):
    """``break`` of this loop, or ``return``/``yield`` anywhere in its body."""

    def __init__(self) -> None:
        self.found = False
        self.depth = 0

    def visit_For(self, node: cst.For) -> None:
        self.depth += 1

    def leave_For(self, node: cst.For) -> None:
        self.depth -= 1

    def visit_While(self, node: cst.While) -> None:
        self.depth += 1

    def leave_While(self, node: cst.While) -> None:
        self.depth -= 1

    def visit_Break(self, node: cst.Break) -> None:
        self.found = self.found or self.depth == 0

    def visit_Return(self, node: cst.Return) -> None:
        self.found = True

    def visit_Yield(self, node: cst.Yield) -> None:
        self.found = True


def lambda_blocker(expression: cst.CSTNode) -> str:
    """Why ``expression`` cannot run in a ``lambda`` of its own ("" when it can)."""
    todo = [expression]
    while todo:
        node = todo.pop()
        if isinstance(node, (cst.Await, cst.Yield)):
            return "the expression awaits or yields"
        if isinstance(node, cst.NamedExpr):
            return "the expression binds a name with `:=`"
        if (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Name)
            and node.func.value == "super"
            and not node.args
        ):
            return "the expression calls `super()` without arguments"
        if isinstance(node, cst.Name) and node.value == "__class__":
            return "the expression reads `__class__`"
        if isinstance(node, (cst.Lambda, cst.FunctionDef)):
            continue
        todo.extend(code_children(node))
    return ""


def _offloaded_lambda(expression: cst.BaseExpression, offload: Offload) -> cst.Call:
    body = expression.with_changes(lpar=(), rpar=())
    return cst.Call(
        func=cst.parse_expression(offload.name.expression),
        args=(cst.Arg(cst.Lambda(params=cst.Parameters(), body=body)),),
    )


def _parenthesize_bare_generator(arg: cst.Arg) -> cst.Arg:
    """``f(x for x in y)`` may omit the generator's parentheses; ``g(f, x for x in y)`` may not."""
    if isinstance(arg.value, cst.GeneratorExp) and not arg.value.lpar:
        generator = arg.value.with_changes(lpar=(cst.LeftParen(),), rpar=(cst.RightParen(),))
        return arg.with_changes(value=generator)
    return arg


def _contains(node: cst.CSTNode, kinds: tuple[type[cst.CSTNode], ...]) -> bool:
    """Whether ``node`` or a node inside it is one of ``kinds`` (without importing matchers,
    which costs more than a fix)."""
    return any(isinstance(current, kinds) for current in walk_code(node))
