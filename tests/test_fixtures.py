"""Single-file fixtures: every finding annotated in ``tests/fixtures/*.py`` and nothing else.

A second check removes ``async``/``await`` from each fixture: with no code on the event loop the
same file must produce no findings at all, so the findings really come from the async context.
"""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from expect import (
    describe_difference,
    expected_fixes_in_source,
    expected_in_source,
    fix_kind,
    found,
)

from asynclint.api import check_source
from asynclint.models import Finding

FIXTURES = Path(__file__).parent / "fixtures"
FIXTURE_FILES = sorted(FIXTURES.glob("*.py"))

# Files whose blocking code runs on the loop without any `async` keyword: stripping `async`
# leaves those findings in place, so the strip check does not apply to them.
RUNS_ON_LOOP_WITHOUT_ASYNC = {
    "fastapi_startup_sync.py": "FastAPI calls sync startup/shutdown handlers on the event loop",
    "fastapi_body_validators.py": "bodies are validated on the event loop, even for def routes",
    "loop_callbacks.py": "callbacks given to loop.call_soon/call_later run on the loop",
}


def _ids(paths: list[Path]) -> list[str]:
    return [path.name for path in paths]


def test_fixtures_exist_and_are_annotated() -> None:
    assert len(FIXTURE_FILES) >= 15
    annotated = [
        path
        for path in FIXTURE_FILES
        if expected_in_source(path.read_text(encoding="utf-8"), path.name)
    ]
    # A few fixtures exist to prove silence (shadowing, awaited calls); most expect findings.
    assert len(annotated) >= len(FIXTURE_FILES) - 4


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=_ids(FIXTURE_FILES))
def test_fixture_findings_match_annotations(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    findings = check_source(source, path.name)
    expected = expected_in_source(source, path.name)
    actual = found(findings)
    if actual != expected:
        pytest.fail(
            f"{path.name}: findings differ from annotations\n"
            + describe_difference(expected, actual)
        )


class _StripAsync(cst.CSTTransformer):
    """``async def`` -> ``def``, ``await x`` -> ``x``, ``async for/with`` -> ``for/with``."""

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        return updated_node.with_changes(asynchronous=None)

    def leave_For(self, original_node: cst.For, updated_node: cst.For) -> cst.For:
        return updated_node.with_changes(asynchronous=None)

    def leave_With(self, original_node: cst.With, updated_node: cst.With) -> cst.With:
        return updated_node.with_changes(asynchronous=None)

    def leave_CompFor(self, original_node: cst.CompFor, updated_node: cst.CompFor) -> cst.CompFor:
        return updated_node.with_changes(asynchronous=None)

    def leave_Await(self, original_node: cst.Await, updated_node: cst.Await) -> cst.BaseExpression:
        inner = updated_node.expression
        if updated_node.lpar:
            # Keep the parentheses that wrapped the await expression.
            return inner.with_changes(
                lpar=[*updated_node.lpar, *inner.lpar], rpar=[*inner.rpar, *updated_node.rpar]
            )
        return inner


def strip_async(source: str) -> str:
    return cst.parse_module(source).visit(_StripAsync()).code


def test_strip_async_removes_every_keyword() -> None:
    source = (
        "async def f(c):\n"
        "    async with c as x:\n"
        "        async for y in x:\n"
        "            await (await y)\n"
        "    return [z async for z in c]\n"
    )
    stripped = strip_async(source)
    assert "async" not in stripped and "await" not in stripped
    compile(stripped, "<stripped>", "exec")


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=_ids(FIXTURE_FILES))
def test_fixture_without_async_has_no_findings(path: Path) -> None:
    if path.name in RUNS_ON_LOOP_WITHOUT_ASYNC:
        pytest.skip(RUNS_ON_LOOP_WITHOUT_ASYNC[path.name])
    stripped = strip_async(path.read_text(encoding="utf-8"))
    try:
        compile(stripped, path.name, "exec")
    except SyntaxError as error:
        pytest.skip(f"stripped fixture is not valid Python: {error}")
    findings = [f for f in check_source(stripped, path.name) if f.code != "AL001"]
    assert not findings, "\n".join(f"{f.line}: {f.code} {f.message}" for f in findings)


# ---- the fix each finding gets ------------------------------------------------------------------

FIX_ANNOTATED = [
    path for path in FIXTURE_FILES if expected_fixes_in_source(path.read_text(encoding="utf-8"))
]


def test_fix_annotations_exist() -> None:
    assert len(FIX_ANNOTATED) >= 4


@pytest.mark.parametrize("path", FIX_ANNOTATED, ids=_ids(FIX_ANNOTATED))
def test_fixture_fixes_match_annotations(path: Path) -> None:
    """Each annotated finding gets the fix its annotation names, once described: a display-only
    suggestion where moving the code would break it, the offload that keeps it working else."""
    from asynclint.fixes import describe_fixes

    source = path.read_text(encoding="utf-8")
    findings = check_source(source, path.name)
    described = [
        finding.with_fix(fix if fix is not None or not finding.suggestion else finding.fix)
        for finding, fix in zip(findings, describe_fixes(source, findings), strict=True)
    ]
    wrong = []
    for line, wanted in sorted(expected_fixes_in_source(source).items()):
        kinds = sorted({_described_kind(f) for f in described if f.line == line})
        if kinds != [wanted]:
            wrong.append(f"{path.name}:{line} expected fix {wanted}, got {kinds}")
    assert not wrong, "\n".join(wrong)


def _described_kind(finding: Finding) -> str:
    """A refused fix leaves the suggestion, as ``asynclint.fixing`` degrades it."""
    fix = finding.fix
    if fix is not None and fix.kind and not fix.edits:
        return "display" if finding.suggestion else "none"
    return fix_kind(finding)
