"""Fixes for findings: pure functions from source text to new source text (LibCST transforms).

Each fix kind names a transform:

* ``asyncio-sleep`` (safe): ``time.sleep(x)`` -> ``await asyncio.sleep(x)`` (anyio/trio when
  the module uses them);
* ``to-thread`` (unsafe): ``f(a, k=v)`` -> ``await asyncio.to_thread(f, a, k=v)``, or
  ``run_in_threadpool`` in FastAPI/Starlette modules, the module's own offload under anyio/trio;
  with a ``scope``, the whole expression in a ``lambda`` (its arguments block too);
* ``to-thread-iter`` (unsafe): a lazy iterable consumed in the thread (``list``);
* ``to-thread-block`` (unsafe): statements that own a thread-bound object, moved together into
  a local function run in one thread;
* ``make-sync`` (unsafe): ``async def`` -> ``def`` for a function that never awaits.

The engine re-checks the file after :func:`apply_fixes` and applies again until nothing changes.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

import libcst as cst

from asynclint.fixes.context import FixContext
from asynclint.fixes.imports import import_insertion
from asynclint.fixes.text import Replacement, apply_replacements
from asynclint.fixes.transforms import (
    ASYNCIO_SLEEP,
    MAKE_SYNC,
    TO_THREAD,
    TO_THREAD_BLOCK,
    TO_THREAD_ITER,
    Plan,
    plan_fix,
)
from asynclint.fixes.unused import unused_imports
from asynclint.models import Applicability, Edit, Finding, Fix

__all__ = ["FIX_KINDS", "FixOutcome", "apply_fixes", "describe_fix", "describe_fixes"]

FIX_KINDS = (ASYNCIO_SLEEP, TO_THREAD, TO_THREAD_ITER, TO_THREAD_BLOCK, MAKE_SYNC)


@dataclass(frozen=True)
class FixOutcome:
    source: str  # new text (same as input when nothing applied)
    applied: tuple[Finding, ...]
    skipped: tuple[tuple[Finding, str], ...]  # finding + reason


def describe_fix(source: str, finding: Finding) -> Fix | None:
    """The finding's fix with a description and concrete edits, or None when it does not apply.

    Display-only fixes come back unchanged, without edits.
    """
    return describe_fixes(source, [finding])[0]


def describe_fixes(source: str, findings: Sequence[Finding]) -> list[Fix | None]:
    """:func:`describe_fix` for findings of one file, from one parse focused on their lines."""
    context = _context_for(source, _focus(findings))
    return [_describe(context, finding) for finding in findings]


def _describe(context: FixContext | None, finding: Finding) -> Fix | None:
    fix = finding.fix
    if fix is None:
        return None
    if fix.applicability is Applicability.DISPLAY:
        return fix
    if context is None:
        return None
    plan = plan_fix(context, finding)
    if isinstance(plan, str):
        return None
    replacements = _replacements(context, [plan], _first_party([finding]))
    # Lines and columns of the parsed text are the file's.
    edits = tuple(
        Edit(context.text.span(r.start, r.end), r.content)
        for r in sorted(replacements, key=lambda r: (r.start, r.end))
    )
    return replace(fix, description=plan.description, edits=edits)


def _focus(findings: Sequence[Finding]) -> frozenset[int]:
    lines: set[int] = set()
    for finding in findings:
        lines.update(range(finding.span.line, max(finding.span.line, finding.span.end_line) + 1))
    return frozenset(lines)


def apply_fixes(source: str, findings: Sequence[Finding], *, unsafe: bool) -> FixOutcome:
    """Apply the fixes of these findings (all in one file) that do not overlap.

    Safe fixes always, unsafe ones only when ``unsafe``. Of two fixes touching the same code the
    first by position wins; the caller re-checks and applies again. Returns the original text
    when the result would not parse.
    """
    # Blocks first: a statement they move must not gain an `await` from another fix first.
    ordered = sorted(
        findings,
        key=lambda finding: (
            finding.fix is None or finding.fix.kind != TO_THREAD_BLOCK,
            finding.span.line,
            finding.span.column,
        ),
    )
    skipped: list[tuple[Finding, str]] = []
    candidates: list[Finding] = []
    for finding in ordered:
        reason = _gate(finding, unsafe=unsafe)
        if reason:
            skipped.append((finding, reason))
        else:
            candidates.append(finding)
    if not candidates:
        return FixOutcome(source, (), tuple(skipped))
    context = _context_for(source, _focus(candidates))
    if context is None:
        skipped.extend((finding, "the file does not parse") for finding in candidates)
        return FixOutcome(source, (), tuple(skipped))

    applied: list[Finding] = []
    plans: list[Plan] = []
    for finding in candidates:
        plan = plan_fix(context, finding)
        if isinstance(plan, str):
            skipped.append((finding, plan))
        elif any(plan.replacement == accepted.replacement for accepted in plans):
            applied.append(finding)  # e.g. two findings in one function made sync
        elif any(plan.conflicts_with(accepted) for accepted in plans):
            skipped.append((finding, "overlaps another fix; re-run to apply"))
        else:
            plans.append(plan)
            applied.append(finding)
    if not plans:
        return FixOutcome(source, (), tuple(skipped))

    replacements = _replacements(context, plans, _first_party(applied))
    fixed = apply_replacements(source, [context.to_source(r) for r in replacements])
    if not _still_valid(source, fixed):
        skipped.extend((finding, "the fixed code would not parse") for finding in applied)
        return FixOutcome(source, (), tuple(skipped))
    return FixOutcome(fixed, tuple(applied), tuple(skipped))


@lru_cache(maxsize=4)
def _context_for(source: str, focus: frozenset[int]) -> FixContext | None:
    try:
        return FixContext(source, focus)
    except cst.ParserSyntaxError:
        return None


def _gate(finding: Finding, *, unsafe: bool) -> str:
    fix = finding.fix
    if fix is None or not fix.kind:
        return "no fix available"
    if fix.applicability is Applicability.DISPLAY:
        return "display-only fix"
    if fix.applicability is Applicability.UNSAFE and not unsafe:
        return "unsafe fix (enable with --unsafe-fixes)"
    return ""


def _replacements(
    context: FixContext, plans: Sequence[Plan], first_party: frozenset[str]
) -> list[Replacement]:
    """The plans' own replacements, the imports they need, and the removal of imports they
    left unused (in the parsed text)."""
    replacements = [plan.replacement for plan in plans]
    import_lines = list(dict.fromkeys(line for plan in plans for line in plan.import_lines))
    if import_lines:
        replacements.extend(
            import_insertion(
                context.module,
                context.text,
                lambda node: (context.range_of(node).start.line, context.range_of(node).end.line),
                import_lines,
                first_party,
            )
        )
    dropped = [name for plan in plans for name in plan.dropped]
    if dropped:
        fixed = apply_replacements(
            context.source.text, [context.to_source(r) for r in replacements]
        )
        replacements.extend(unused_imports(context, fixed, dropped))
    return _merged(replacements)


def _merged(replacements: list[Replacement]) -> list[Replacement]:
    """An insertion where another replacement starts joins it (``import time`` replaced by
    ``import asyncio``): edits shown in reports never share a position."""
    merged: list[Replacement] = []
    for replacement in sorted(replacements, key=lambda r: (r.start, r.end)):
        last = merged[-1] if merged else None
        if last is not None and last.start == last.end == replacement.start:
            merged[-1] = Replacement(
                last.start, replacement.end, last.content + replacement.content
            )
        else:
            merged.append(replacement)
    return merged


def _first_party(findings: Sequence[Finding]) -> frozenset[str]:
    """Names of the folders holding the file: imports of packages named so are the project's."""
    from pathlib import PurePath

    return frozenset(part for f in findings for part in PurePath(f.path).parts[:-1])


def _still_valid(original: str, fixed: str) -> bool:
    """The fixed text parses, and compiles whenever the original did (catches a stray `await`)."""
    try:
        cst.parse_module(fixed)
    except cst.ParserSyntaxError:
        return False
    if not _compiles(original):
        return True  # e.g. syntax newer than this interpreter: LibCST's parse is all we can check
    return _compiles(fixed)


def _compiles(text: str) -> bool:
    # Compiling builds a code object and never runs it.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compile(text, "<asynclint-fix>", "exec", dont_inherit=True)
        except (SyntaxError, ValueError):
            return False
    return True
