"""The transforms: from a finding's call to the replacement text and the names it needs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import libcst as cst

from asynclint.fixes.block import plan_block
from asynclint.fixes.constructs import ConstructFinder
from asynclint.fixes.context import FixContext, last_name
from asynclint.fixes.imports import NameRequest
from asynclint.fixes.offload import in_neutral_package, plan_call, plan_consumed
from asynclint.fixes.text import Replacement
from asynclint.models import Finding, Span

ASYNCIO_SLEEP = "asyncio-sleep"
TO_THREAD = "to-thread"
TO_THREAD_ITER = "to-thread-iter"
TO_THREAD_BLOCK = "to-thread-block"
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
    # Local names whose use the fix removed (``time`` of ``time.sleep``): their imports may go.
    dropped: tuple[str, ...] = ()

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


def _awaitable_call(
    context: FixContext, finding: Finding, span: Span | None = None
) -> cst.Call | str:
    """The finding's call (or the one at ``span``), or why an ``await`` cannot be written where
    it stands."""
    if span is None:
        call = context.find_call(finding.span, finding.snippet)
    else:
        call = context.find_call(span)
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
    if library == "asyncio" and in_neutral_package(finding):
        return "the code belongs to a backend-neutral library: asyncio's sleep would tie it"
    sleep = context.names.module_attribute(library, "sleep", context.scopes_of(call))
    new_call = call.with_changes(func=cst.parse_expression(sleep.expression), lpar=(), rpar=())
    return Plan(
        replacement=context.replacement(call, _awaited(context, call, new_call)),
        names=(sleep,),
        description=f"Replace with `await {sleep.expression}(...)`",
        awaits_in=context.enclosing_function(call),
        dropped=_dropped_name(context, call),
    )


def _dropped_name(context: FixContext, call: cst.Call) -> tuple[str, ...]:
    """The imported name the sleep call used: ``time`` of ``time.sleep``, ``nap`` of ``nap``."""
    root = call.func
    while isinstance(root, cst.Attribute):
        root = root.value
    if not isinstance(root, cst.Name):
        return ()
    imports = context.imports
    if root.value == imports.module_names.get("time") or root.value in (
        local for (module, _), local in imports.from_names.items() if module == "time"
    ):
        return (root.value,)
    return ()


def _is_sleep(context: FixContext, call: cst.Call, finding: Finding) -> bool:
    """Named ``sleep``, imported as a ``sleep`` under another name, or resolved so by the engine."""
    name = last_name(call.func)
    if name == "sleep" or finding.target.rsplit(".", 1)[-1] == "sleep":
        return True
    return isinstance(call.func, cst.Name) and any(
        imported == "sleep" and local == name
        for (_, imported), local in context.imports.from_names.items()
    )


def _plan_to_thread(context: FixContext, finding: Finding) -> Plan | str:
    """The call in a thread; with a ``scope``, the whole call holding it (arguments and all)."""
    assert finding.fix is not None
    call = _awaitable_call(context, finding, finding.fix.scope)
    if isinstance(call, str):
        return call
    if context.is_offloaded_callable(call):
        return "the call is already handed to an offload wrapper"
    planned = plan_call(context, call, finding, whole=finding.fix.scope is not None)
    if isinstance(planned, str):
        return planned
    new_call, offload, runs = planned
    return Plan(
        replacement=context.replacement(call, _awaited(context, call, new_call)),
        names=(offload.name,),
        description=f"Run {runs} in a thread: `await {offload.name.expression}(...)`",
        awaits_in=context.enclosing_function(call),
    )


def _plan_to_thread_iter(context: FixContext, finding: Finding) -> Plan | str:
    """A lazy iterable consumed in the thread, where the loop iterates it."""
    assert finding.fix is not None
    call = _awaitable_call(context, finding, finding.fix.scope)
    if isinstance(call, str):
        return call
    # Without a scope the finding is the call itself (``os.walk(p)``): making it blocks too.
    planned = plan_consumed(context, call, finding, blocks_itself=finding.fix.scope is None)
    if isinstance(planned, str):
        return planned
    new_call, offload = planned
    return Plan(
        replacement=context.replacement(call, _awaited(context, call, new_call)),
        names=(offload.name,),
        description=(
            f"Iterate `{context.module.code_for_node(call.func)}(...)` in a thread: "
            f"`await {offload.name.expression}(...)` gives a list"
        ),
        awaits_in=context.enclosing_function(call),
    )


def _plan_to_thread_block(context: FixContext, finding: Finding) -> Plan | str:
    block = plan_block(context, finding)
    if isinstance(block, str):
        return block
    name = block.offload.name
    replacement = context.statement_replacement(block.suite, block.new_suite)
    return Plan(
        replacement=replacement,
        names=(name,),
        description=(
            f"Run lines {block.first_line}-{block.last_line} in one thread, as a local "
            f"function: `await {name.expression}(...)` (what they open stays in that thread)"
        ),
        awaits_in=block.function,
    )


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


class _AsyncConstructFinder(ConstructFinder):
    """Finds what only an ``async def`` may contain, outside nested scopes."""

    USES = "the function uses"

    def visit_Yield(self, node: cst.Yield) -> bool:
        return self._note("`yield` (an async generator)")

    def visit_For(self, node: cst.For) -> bool:
        return self._note("`async for`") if node.asynchronous is not None else True


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
    TO_THREAD_ITER: _plan_to_thread_iter,
    TO_THREAD_BLOCK: _plan_to_thread_block,
    MAKE_SYNC: _plan_make_sync,
}
