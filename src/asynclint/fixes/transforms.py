"""The transforms: from a finding's call to the replacement text and the names it needs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import libcst as cst

from asynclint.fixes.context import FixContext, last_name
from asynclint.fixes.imports import NameRequest, imported_function, module_attribute
from asynclint.fixes.text import Replacement
from asynclint.models import Finding

ASYNCIO_SLEEP = "asyncio-sleep"
TO_THREAD = "to-thread"
MAKE_SYNC = "make-sync"


@dataclass(frozen=True, slots=True)
class Plan:
    """What one fix does to the original text."""

    replacement: Replacement
    names: tuple[NameRequest, ...]
    description: str
    # The function that gains an `await` / loses its `async`: the two must not meet in one pass.
    awaits_in: cst.FunctionDef | None = None
    made_sync: cst.FunctionDef | None = None

    @property
    def import_lines(self) -> tuple[str, ...]:
        return tuple(name.import_line for name in self.names if name.import_line)

    def conflicts_with(self, other: Plan) -> bool:
        if self.replacement.overlaps(other.replacement):
            return True
        return (self.made_sync is not None and self.made_sync is other.awaits_in) or (
            other.made_sync is not None and other.made_sync is self.awaits_in
        )


def plan_fix(context: FixContext, finding: Finding) -> Plan | str:
    """The plan for the finding's fix kind, or the reason it does not apply."""
    kind = finding.fix.kind if finding.fix is not None else ""
    planner = _PLANNERS.get(kind)
    if planner is None:
        return f"unknown fix kind {kind!r}"
    return planner(context, finding)


def _awaitable_call(context: FixContext, finding: Finding) -> cst.Call | str:
    """The finding's call, or why an ``await`` cannot be written where it stands."""
    call = context.find_call(finding.span, finding.snippet)
    if call is None:
        return "no call at the finding's position"
    return _await_reason(context, call) or call


def _plan_sleep(context: FixContext, finding: Finding) -> Plan | str:
    call = _awaitable_call(context, finding)
    if isinstance(call, str):
        return call
    if not _is_sleep(context, call, finding):
        return "the call is not a sleep"
    if len(call.args) != 1 or call.args[0].keyword is not None:
        return "sleep takes exactly one positional argument"
    imports = context.imports
    library = "anyio" if imports.uses("anyio") else "trio" if imports.uses("trio") else "asyncio"
    sleep = module_attribute(imports, library, "sleep")
    new_call = call.with_changes(func=cst.parse_expression(sleep.expression), lpar=(), rpar=())
    return Plan(
        replacement=context.replacement(call, _awaited(context, call, new_call)),
        names=(sleep,),
        description=f"Replace with `await {sleep.expression}(...)`",
        awaits_in=context.enclosing_function(call),
    )


def _is_sleep(context: FixContext, call: cst.Call, finding: Finding) -> bool:
    """Named ``sleep``, imported as a ``sleep`` under another name, or resolved so by the engine."""
    name = last_name(call.func)
    if name == "sleep" or finding.target.rsplit(".", 1)[-1] == "sleep":
        return True
    return isinstance(call.func, cst.Name) and any(
        imported == "sleep" and local == name
        for (_, imported), local in context.imports.from_names.items()
    )


def _contains(node: cst.CSTNode, kinds: tuple[type[cst.CSTNode], ...]) -> bool:
    """Whether ``node`` or a node inside it is one of ``kinds`` (without importing matchers,
    which costs more than a fix)."""
    todo = [node]
    while todo:
        current = todo.pop()
        if isinstance(current, kinds):
            return True
        todo.extend(current.children)
    return False


def _plan_to_thread(context: FixContext, finding: Finding) -> Plan | str:
    call = _awaitable_call(context, finding)
    if isinstance(call, str):
        return call
    if context.is_offloaded_callable(call):
        return "the call is already handed to an offload wrapper"
    if _contains(call.func, (cst.Call, cst.Await, cst.Yield, cst.NamedExpr)):
        return "the callee is computed by a call; offload it by hand"
    offload = _offload_function(context, call)
    if isinstance(offload, str):
        return offload
    separator: cst.BaseParenthesizableWhitespace = cst.SimpleWhitespace(" ")
    if isinstance(call.whitespace_before_args, cst.ParenthesizedWhitespace):
        separator = call.whitespace_before_args  # one argument per line stays that way
    arguments = tuple(_parenthesize_bare_generator(arg) for arg in call.args)
    callee = cst.Arg(value=call.func, comma=cst.Comma(whitespace_after=separator))
    if not call.args:
        callee = cst.Arg(value=call.func)
    new_call = cst.Call(
        func=cst.parse_expression(offload.expression),
        args=(callee, *arguments),
        whitespace_before_args=call.whitespace_before_args,
    )
    callee_text = context.module.code_for_node(call.func)
    return Plan(
        replacement=context.replacement(call, _awaited(context, call, new_call)),
        names=(offload,),
        description=f"Run `{callee_text}` in a thread: `await {offload.expression}(...)`",
        awaits_in=context.enclosing_function(call),
    )


def _parenthesize_bare_generator(arg: cst.Arg) -> cst.Arg:
    """``f(x for x in y)`` may omit the generator's parentheses; ``g(f, x for x in y)`` may not."""
    if isinstance(arg.value, cst.GeneratorExp) and not arg.value.lpar:
        generator = arg.value.with_changes(lpar=(cst.LeftParen(),), rpar=(cst.RightParen(),))
        return arg.with_changes(value=generator)
    return arg


def _offload_function(context: FixContext, call: cst.Call) -> NameRequest | str:
    imports = context.imports
    keywords = [arg for arg in call.args if arg.keyword is not None or arg.star == "**"]
    if imports.uses("fastapi") or imports.uses("starlette"):
        if any(arg.keyword is not None and arg.keyword.value == "func" for arg in keywords):
            return "a keyword argument named `func` clashes with run_in_threadpool"
        sources = ("fastapi.concurrency", "starlette.concurrency")
        if not imports.uses("fastapi"):
            sources = ("starlette.concurrency",)
        return imported_function(imports, sources, "run_in_threadpool")
    # Under anyio or trio asyncio.to_thread may have no loop to run on: use their own wrapper.
    for library in () if imports.uses("asyncio") else ("anyio", "trio"):
        if imports.uses(library):
            if keywords:
                return f"{library}.to_thread.run_sync takes no keyword arguments"
            return module_attribute(imports, library, "to_thread.run_sync")
    return module_attribute(imports, "asyncio", "to_thread")


def _plan_make_sync(context: FixContext, finding: Finding) -> Plan | str:
    call = context.find_call(finding.span, finding.snippet)
    if call is not None:
        function = context.enclosing_function(call)
    else:
        function = context.find_function_at(finding.span)
    if function is None:
        return "the finding is not inside a function"
    if function.asynchronous is None:
        return "the enclosing function is not async"
    reason = _async_only_construct(function)
    if reason:
        return reason
    start, _ = context.offsets_of(function)
    keyword = "async" + function.asynchronous.whitespace_after.value
    if context.text.text[start : start + len(keyword)] != keyword:
        return "unexpected text at the `async` keyword"
    return Plan(
        replacement=Replacement(start, start + len(keyword), ""),
        names=(),
        description=f"Make `{function.name.value}` a plain `def` (FastAPI runs it in a threadpool)",
        made_sync=function,
    )


def _async_only_construct(function: cst.FunctionDef) -> str:
    finder = _AsyncConstructFinder()
    function.body.visit(finder)
    return finder.found


class _AsyncConstructFinder(cst.CSTVisitor):
    """Finds what only an ``async def`` may contain, outside nested scopes."""

    def __init__(self) -> None:
        self.found = ""

    def _note(self, what: str) -> bool:
        self.found = self.found or f"the function uses {what}"
        return False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_Await(self, node: cst.Await) -> bool:
        return self._note("`await`")

    def visit_Yield(self, node: cst.Yield) -> bool:
        return self._note("`yield` (an async generator)")

    def visit_For(self, node: cst.For) -> bool:
        return self._note("`async for`") if node.asynchronous is not None else True

    def visit_With(self, node: cst.With) -> bool:
        return self._note("`async with`") if node.asynchronous is not None else True

    def visit_CompFor(self, node: cst.CompFor) -> bool:
        return self._note("an async comprehension") if node.asynchronous is not None else True


def _await_reason(context: FixContext, call: cst.Call) -> str:
    if context.is_awaited(call):
        return "the call is already awaited"
    return context.await_blocker(call) or ""


def _awaited(context: FixContext, call: cst.Call, new_call: cst.Call) -> cst.Await:
    """``await new_call`` in ``call``'s place, keeping its parentheses or adding needed ones."""
    new_call = new_call.with_changes(lpar=(), rpar=())
    if call.lpar:
        return cst.Await(new_call, lpar=call.lpar, rpar=call.rpar)
    if context.needs_parentheses(call):
        return cst.Await(new_call, lpar=(cst.LeftParen(),), rpar=(cst.RightParen(),))
    return cst.Await(new_call)


_PLANNERS: dict[str, Callable[[FixContext, Finding], Plan | str]] = {
    ASYNCIO_SLEEP: _plan_sleep,
    TO_THREAD: _plan_to_thread,
    MAKE_SYNC: _plan_make_sync,
}
