"""The fix engine on source strings with synthetic findings, plus golden before/after files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import libcst as cst
import pytest

from asynclint.fixes import FIX_KINDS, apply_fixes, describe_fix
from asynclint.models import Applicability, Edit, Finding, Fix, Span

SAFE = Applicability.SAFE
UNSAFE = Applicability.UNSAFE
DISPLAY = Applicability.DISPLAY
KIND_APPLICABILITY = {
    "asyncio-sleep": SAFE,
    "to-thread": UNSAFE,
    "to-thread-iter": UNSAFE,
    "to-thread-block": UNSAFE,
    "make-sync": UNSAFE,
}
GOLDEN_DIR = Path(__file__).parent / "fixtures" / "fixes"
SRC_DIR = Path(__file__).resolve().parents[1] / "src"


def finding(
    line: int,
    column: int,
    kind: str,
    applicability: Applicability | None = None,
    *,
    end: tuple[int, int] = (0, 0),
    snippet: str = "",
) -> Finding:
    return Finding(
        code="AL251" if kind == "asyncio-sleep" else "AL210",
        name="blocking-call-in-async-function",
        message="blocking call",
        path="x.py",
        span=Span(line, column, *end),
        fix=Fix(applicability or KIND_APPLICABILITY[kind], "", kind=kind),
        snippet=snippet,
    )


def at(source: str, needle: str, kind: str, **kwargs: object) -> Finding:
    """A finding at the first occurrence of ``needle`` (1-based line and column)."""
    offset = source.index(needle)
    line = source.count("\n", 0, offset) + 1
    column = offset - (source.rfind("\n", 0, offset) + 1) + 1
    return finding(line, column, kind, **kwargs)  # type: ignore[arg-type]


def fixed(source: str, *findings: Finding, unsafe: bool = True) -> str:
    outcome = apply_fixes(source, findings, unsafe=unsafe)
    assert not outcome.skipped, outcome.skipped
    cst.parse_module(outcome.source)
    return outcome.source


def apply_edits(source: str, edits: tuple[Edit, ...]) -> str:
    lines = source.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(line: int, column: int) -> int:
        return starts[line - 1] + column - 1

    result = source
    for edit in sorted(edits, key=lambda e: (e.span.line, e.span.column), reverse=True):
        start = offset(edit.span.line, edit.span.column)
        end = offset(edit.span.end_line, edit.span.end_column)
        result = result[:start] + edit.content + result[end:]
    return result


def test_fix_kinds_are_the_documented_ones() -> None:
    assert FIX_KINDS == (
        "asyncio-sleep",
        "to-thread",
        "to-thread-iter",
        "to-thread-block",
        "make-sync",
    )


# -- asyncio-sleep --------------------------------------------------------------------------


def test_sleep_becomes_awaited_asyncio_sleep_and_the_unused_time_import_goes() -> None:
    source = "import time\n\n\nasync def f():\n    time.sleep(1)\n"
    assert fixed(source, at(source, "time.sleep", "asyncio-sleep")) == (
        "import asyncio\n\n\nasync def f():\n    await asyncio.sleep(1)\n"
    )


def test_a_time_import_still_used_stays() -> None:
    source = "import time\n\n\nasync def f():\n    time.sleep(1)\n    return time.monotonic()\n"
    assert fixed(source, at(source, "time.sleep", "asyncio-sleep")).startswith(
        "import asyncio\nimport time\n\n"
    )


@pytest.mark.parametrize(
    ("imports", "call"),
    [
        ("import time as t", "t.sleep(0.5)"),
        ("from time import sleep", "sleep(0.5)"),
        ("from time import sleep as nap", "nap(0.5)"),
    ],
)
def test_sleep_alias_forms(imports: str, call: str) -> None:
    source = f"{imports}\n\n\nasync def f():\n    {call}\n"
    result = fixed(source, at(source, call, "asyncio-sleep"))
    assert result == "import asyncio\n\n\nasync def f():\n    await asyncio.sleep(0.5)\n"
    kept = source.replace(f"    {call}\n", f"    {call}\n    {call}\n")
    result = fixed(kept, at(kept, call, "asyncio-sleep"))
    assert result.startswith(f"import asyncio\n{imports}\n")  # the other sleep still uses it


def test_sleep_reuses_existing_asyncio_alias_without_new_import() -> None:
    source = "import asyncio as aio\nimport time\n\n\nasync def f():\n    time.sleep(2)\n"
    result = fixed(source, at(source, "time.sleep", "asyncio-sleep"))
    assert result == "import asyncio as aio\n\n\nasync def f():\n    await aio.sleep(2)\n"


def test_sleep_uses_anyio_when_the_module_uses_anyio() -> None:
    source = "import anyio\nimport time\n\n\nasync def f():\n    time.sleep(2)\n"
    assert fixed(source, at(source, "time.sleep", "asyncio-sleep")) == (
        "import anyio\n\n\nasync def f():\n    await anyio.sleep(2)\n"
    )


def test_sleep_imports_anyio_when_only_names_from_it_are_imported() -> None:
    source = "import time\nfrom anyio import Event\n\n\nasync def f():\n    time.sleep(2)\n"
    result = fixed(source, at(source, "time.sleep", "asyncio-sleep"))
    assert result == (
        "import anyio\nfrom anyio import Event\n\n\nasync def f():\n    await anyio.sleep(2)\n"
    )


def test_sleep_uses_trio_in_trio_modules() -> None:
    source = "import trio\nfrom time import sleep\n\n\nasync def f():\n    sleep(2)\n"
    assert fixed(source, at(source, "sleep(2)", "asyncio-sleep")) == (
        "import trio\n\n\nasync def f():\n    await trio.sleep(2)\n"
    )


def test_sleep_keeps_arguments_comments_and_layout() -> None:
    source = (
        "import time\n\n\nasync def f(delay):\n"
        "    time.sleep(  # back off\n        delay * 2,\n    )  # done\n"
    )
    result = fixed(source, at(source, "time.sleep", "asyncio-sleep"))
    assert result.endswith(
        "    await asyncio.sleep(  # back off\n        delay * 2,\n    )  # done\n"
    )


def test_sleep_in_list_comprehension_inside_async_def_is_fixed() -> None:
    source = "import time\n\n\nasync def f():\n    return [time.sleep(i) for i in range(3)]\n"
    result = fixed(source, at(source, "time.sleep", "asyncio-sleep"))
    assert "[await asyncio.sleep(i) for i in range(3)]" in result


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("async def f():\n    g = lambda: time.sleep(1)\n", "lambda"),
        ("async def f():\n    def g():\n        time.sleep(1)\n", "sync function"),
        ("def f():\n    time.sleep(1)\n", "sync function"),
        ("async def f():\n    class C:\n        x = time.sleep(1)\n", "class body"),
        ("async def f():\n    return list(time.sleep(i) for i in range(2))\n", "generator"),
        ("time.sleep(1)\n", "not inside an async function"),
        ("async def f():\n    await time.sleep(1)\n", "already awaited"),
        ("async def f():\n    def g():\n        return [time.sleep(i) for i in x]\n", "sync"),
    ],
)
def test_sleep_refused_where_await_is_not_allowed(body: str, reason: str) -> None:
    source = f"import time\n\n\n{body}"
    target = at(source, "time.sleep", "asyncio-sleep")
    outcome = apply_fixes(source, [target], unsafe=True)
    assert outcome.source == source
    assert outcome.applied == ()
    assert len(outcome.skipped) == 1
    assert reason in outcome.skipped[0][1]
    assert describe_fix(source, target) is None


def test_sleep_in_outermost_iterable_of_generator_runs_in_the_enclosing_scope() -> None:
    source = "import time\n\n\nasync def f():\n    return sum(x for x in time.sleep(1))\n"
    result = fixed(source, at(source, "time.sleep", "asyncio-sleep"))
    assert "sum(x for x in await asyncio.sleep(1))" in result


def test_sleep_kind_on_a_call_that_is_not_sleep_does_not_apply() -> None:
    source = "import time\n\n\nasync def f():\n    time.monotonic()\n"
    assert describe_fix(source, at(source, "time.monotonic", "asyncio-sleep")) is None


# -- import placement ------------------------------------------------------------------------


def test_import_goes_in_a_section_of_its_own_after_the_future_import() -> None:
    source = (
        '"""Module doc."""\n\nfrom __future__ import annotations\n\n'
        "async def f():\n    import time\n    time.sleep(1)\n"
    )
    result = fixed(source, at(source, "time.sleep", "asyncio-sleep"))
    assert result.startswith(
        '"""Module doc."""\n\nfrom __future__ import annotations\n\nimport asyncio\n\nasync'
    )


def test_import_goes_after_a_docstring_with_a_blank_line() -> None:
    source = '"""Module doc."""\n\n\nasync def f(sleep):\n    sleep(1)\n'
    result = fixed(source, at(source, "sleep(1)", "asyncio-sleep"))
    assert result == (
        '"""Module doc."""\n\nimport asyncio\n\n\nasync def f(sleep):\n    await asyncio.sleep(1)\n'
    )


def test_import_goes_after_header_comments_when_there_is_nothing_else() -> None:
    source = "#!/usr/bin/env python\n# licence\nasync def f(sleep):\n    sleep(1)\n"
    result = fixed(source, at(source, "sleep(1)", "asyncio-sleep"))
    assert result == (
        "#!/usr/bin/env python\n# licence\nimport asyncio\n\nasync def f(sleep):\n"
        "    await asyncio.sleep(1)\n"
    )


def test_import_goes_in_isort_order_and_an_import_with_a_comment_stays() -> None:
    source = (
        "import os\nfrom time import (\n    sleep,\n)  # tidy\n\nX = 1\nimport json\n\n"
        "async def f():\n    sleep(1)\n"
    )
    result = fixed(source, at(source, "sleep(1)", "asyncio-sleep"))
    assert result.startswith(
        "import asyncio\nimport os\nfrom time import (\n    sleep,\n)  # tidy\n\nX = 1\n"
    )


@pytest.mark.parametrize(
    ("imports", "expected"),
    [
        # Straight imports before `from` imports, by module, in the standard library section.
        ("import os\nimport sys\nfrom pathlib import Path\n", "import asyncio\nimport os\n"),
        ("import os\nimport sys\n", "import asyncio\nimport os\nimport sys\n"),
        ("import abc\nimport os\n", "import abc\nimport asyncio\nimport os\n"),
        # A new standard library section before the third-party one.
        ("import httpx\n", "import asyncio\n\nimport httpx\n"),
        ("from . import x\n", "import asyncio\n\nfrom . import x\n"),
        (
            "from __future__ import annotations\n\nimport httpx\n",
            "from __future__ import annotations\n\nimport asyncio\n\nimport httpx\n",
        ),
    ],
)
def test_import_goes_in_its_section(imports: str, expected: str) -> None:
    source = f"{imports}\n\nasync def f(u, sleep):\n    sleep(u)\n"
    result = fixed(source, at(source, "sleep(u)", "asyncio-sleep"))
    assert result.startswith(expected), result


def test_third_party_import_goes_next_to_its_package() -> None:
    source = (
        "import shutil\n\nimport httpx\nfrom fastapi import FastAPI\n"
        "from fastapi.responses import JSONResponse\n\nfrom app import db\n\n\n"
        "async def f(p):\n    shutil.rmtree(p)\n"
    )
    result = fixed(source, at(source, "shutil.rmtree", "to-thread"))
    assert result.startswith(
        "import shutil\n\nimport httpx\nfrom fastapi import FastAPI\n"
        "from fastapi.concurrency import run_in_threadpool\n"
        "from fastapi.responses import JSONResponse\n\nfrom app import db\n"
    ), result


def test_import_is_added_once_for_several_fixes() -> None:
    source = "import time\n\n\nasync def f():\n    time.sleep(1)\n    time.sleep(2)\n"
    result = fixed(
        source,
        finding(5, 5, "asyncio-sleep"),
        finding(6, 5, "asyncio-sleep"),
    )
    assert result.count("import asyncio") == 1
    assert "await asyncio.sleep(1)\n    await asyncio.sleep(2)\n" in result


# -- newlines, parse safety, idempotence ------------------------------------------------------


def test_crlf_file_stays_crlf() -> None:
    source = "import time\r\n\r\n\r\nasync def f():\r\n    time.sleep(\r\n        1,\r\n    )\r\n"
    result = fixed(source, finding(5, 5, "asyncio-sleep"))
    assert result == (
        "import asyncio\r\n\r\n\r\nasync def f():\r\n"
        "    await asyncio.sleep(\r\n        1,\r\n    )\r\n"
    )
    assert "\n" not in result.replace("\r\n", "")


def test_file_without_trailing_newline() -> None:
    source = "import time\nasync def f():\n    time.sleep(1)"
    assert fixed(source, finding(3, 5, "asyncio-sleep")) == (
        "import asyncio\nasync def f():\n    await asyncio.sleep(1)"
    )
    source = "import time\nasync def f():\n    time.sleep(1)\n    time.time()"
    assert fixed(source, finding(3, 5, "asyncio-sleep")) == (
        "import asyncio\nimport time\nasync def f():\n    await asyncio.sleep(1)\n    time.time()"
    )


def test_reapplying_with_no_findings_is_a_no_op() -> None:
    source = "import time\n\n\nasync def f():\n    time.sleep(1)\n"
    once = fixed(source, finding(5, 5, "asyncio-sleep"))
    again = apply_fixes(once, [], unsafe=True)
    assert again.source == once
    assert again.applied == () and again.skipped == ()


def test_fixed_call_is_no_longer_fixable() -> None:
    source = "import time\n\n\nasync def f():\n    time.sleep(1)\n"
    once = fixed(source, finding(5, 5, "asyncio-sleep"))
    # The same position now holds `await ...`; the call moved right and is awaited.
    outcome = apply_fixes(once, [at(once, "asyncio.sleep", "asyncio-sleep")], unsafe=True)
    assert outcome.source == once
    assert "already awaited" in outcome.skipped[0][1]


def test_unparsable_source_is_returned_unchanged() -> None:
    source = "async def f(:\n    time.sleep(1)\n"
    outcome = apply_fixes(source, [finding(2, 5, "asyncio-sleep")], unsafe=True)
    assert outcome.source == source
    assert outcome.applied == ()
    assert outcome.skipped[0][1] == "the file does not parse"


def test_finding_without_a_call_at_its_position_is_skipped() -> None:
    source = "import time\n\n\nasync def f():\n    time.sleep(1)\n"
    outcome = apply_fixes(source, [finding(5, 6, "asyncio-sleep")], unsafe=True)
    assert outcome.source == source
    assert "no call" in outcome.skipped[0][1]


# -- gating ----------------------------------------------------------------------------------


def test_unsafe_fix_needs_unsafe_flag() -> None:
    source = "import requests\n\n\nasync def f(u):\n    requests.get(u)\n"
    target = finding(5, 5, "to-thread")
    outcome = apply_fixes(source, [target], unsafe=False)
    assert outcome.source == source
    assert outcome.skipped == ((target, "unsafe fix (enable with --unsafe-fixes)"),)
    assert apply_fixes(source, [target], unsafe=True).applied == (target,)


def test_display_only_fix_is_never_applied_and_described_unchanged() -> None:
    source = "import time\n\n\nasync def f():\n    time.sleep(1)\n"
    target = finding(5, 5, "asyncio-sleep", DISPLAY)
    outcome = apply_fixes(source, [target], unsafe=True)
    assert outcome.source == source
    assert outcome.skipped == ((target, "display-only fix"),)
    assert describe_fix(source, target) == target.fix


def test_finding_without_fix() -> None:
    source = "import time\n\n\nasync def f():\n    time.sleep(1)\n"
    target = Finding("AL251", "n", "m", "x.py", Span(5, 5, 5, 18))
    assert describe_fix(source, target) is None
    assert apply_fixes(source, [target], unsafe=True).skipped == ((target, "no fix available"),)


def test_unknown_kind_is_skipped() -> None:
    source = "import time\n\n\nasync def f():\n    time.sleep(1)\n"
    target = finding(5, 5, "asyncio-sleep").with_fix(Fix(SAFE, "", kind="teleport"))
    outcome = apply_fixes(source, [target], unsafe=True)
    assert outcome.source == source
    assert "unknown fix kind" in outcome.skipped[0][1]


# -- describe_fix ----------------------------------------------------------------------------


def test_describe_fix_gives_edits_that_reproduce_apply_fixes() -> None:
    source = '"""Doc."""\nimport requests\n\n\nasync def f(u):\n    return requests.get(u).json()\n'
    target = at(source, "requests.get", "to-thread", end=(6, 27))
    fix = describe_fix(source, target)
    assert fix is not None
    assert fix.kind == "to-thread" and fix.applicability is UNSAFE
    assert "requests.get" in fix.description and "to_thread" in fix.description
    assert fix.edits == (
        Edit(Span(2, 1, 2, 1), "import asyncio\n\n"),  # its own section, before third party
        Edit(Span(6, 12, 6, 27), "(await asyncio.to_thread(requests.get, u))"),
    )
    assert apply_edits(source, fix.edits) == fixed(source, target)


def test_describe_fix_without_import_has_one_edit() -> None:
    source = "import asyncio\nimport time\n\n\nasync def f():\n    time.sleep(time.time())\n"
    fix = describe_fix(source, finding(6, 5, "asyncio-sleep"))
    assert fix is not None
    assert fix.edits == (Edit(Span(6, 5, 6, 28), "await asyncio.sleep(time.time())"),)


def test_describe_fix_removes_the_import_it_leaves_unused() -> None:
    source = "import asyncio\nimport time\n\n\nasync def f():\n    time.sleep(1)\n"
    fix = describe_fix(source, finding(6, 5, "asyncio-sleep"))
    assert fix is not None
    assert fix.edits == (
        Edit(Span(2, 1, 3, 1), ""),
        Edit(Span(6, 5, 6, 18), "await asyncio.sleep(1)"),
    )
    assert apply_edits(source, fix.edits) == fixed(source, finding(6, 5, "asyncio-sleep"))


# -- to-thread -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        (
            "x = requests.get(u, timeout=3)",
            "x = await asyncio.to_thread(requests.get, u, timeout=3)",
        ),
        ("return requests.get(u)", "return await asyncio.to_thread(requests.get, u)"),
        ("g(requests.get(u))", "g(await asyncio.to_thread(requests.get, u))"),
        ("x = requests.get(u).json()", "x = (await asyncio.to_thread(requests.get, u)).json()"),
        ("x = requests.get(u)[0]", "x = (await asyncio.to_thread(requests.get, u))[0]"),
        ("x = requests.get(u)(1)", "x = (await asyncio.to_thread(requests.get, u))(1)"),
        ("x = (requests.get(u)).ok", "x = (await asyncio.to_thread(requests.get, u)).ok"),
        ("x = -requests.get(u) ** 2", "x = -await asyncio.to_thread(requests.get, u) ** 2"),
        ("requests.get(*a, **kw)", "await asyncio.to_thread(requests.get, *a, **kw)"),
        ("requests.get()", "await asyncio.to_thread(requests.get)"),
        ("self.client.get(u)", "await asyncio.to_thread(self.client.get, u)"),
        ("requests.get(x for x in a)", "await asyncio.to_thread(requests.get, (x for x in a))"),
    ],
)
def test_to_thread_wraps_the_call_with_needed_parentheses(statement: str, expected: str) -> None:
    source = (
        f"import asyncio\nimport requests\n\n\nasync def f(self, u, a, kw, g):\n    {statement}\n"
    )
    needle = "self.client" if "self." in statement else "requests.get"
    result = fixed(source, at(source, needle, "to-thread"))
    assert result == source.replace(statement, expected)
    compile(result, "x.py", "exec")


def test_to_thread_keeps_one_argument_per_line() -> None:
    source = (
        "import requests\n\n\nasync def f(u):\n    if u:\n        return requests.post(\n"
        "            u,\n            json={},  # body\n        )\n"
    )
    result = fixed(source, at(source, "requests.post", "to-thread"))
    assert result.endswith(
        "        return await asyncio.to_thread(\n            requests.post,\n"
        "            u,\n            json={},  # body\n        )\n"
    )


def test_to_thread_picks_the_call_by_its_end_when_calls_share_a_start() -> None:
    source = "import requests\n\n\nasync def f(u):\n    return requests.get(u).json()\n"
    outer = at(source, "requests.get", "to-thread", end=(5, 34))
    # The outer call's callee `requests.get(u).json` holds a call: refused, so it was picked.
    assert describe_fix(source, outer) is None
    inner = at(source, "requests.get", "to-thread", end=(5, 27))
    assert "(await asyncio.to_thread(requests.get, u)).json()" in fixed(source, inner)


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        ("s.get('u')", "return (await asyncio.to_thread(s.get, 'u')).raise_for_status()"),
        ("s.get(\n'u')", "return (await asyncio.to_thread(s.get, 'u')).raise_for_status()"),
        ("", "return (await asyncio.to_thread(s.get, 'u')).raise_for_status()"),
        ("s.get('u').raise_for_status()", None),
    ],
)
def test_to_thread_picks_the_call_by_snippet_without_end(
    snippet: str, expected: str | None
) -> None:
    source = "async def f(s):\n    return s.get('u').raise_for_status()\n"
    target = at(source, "s.get", "to-thread", snippet=snippet)
    outcome = apply_fixes(source, [target], unsafe=True)
    if expected is None:
        assert outcome.source == source
    else:
        assert f"    {expected}\n" in outcome.source


def test_to_thread_refuses_a_callee_computed_by_a_call() -> None:
    source = "import requests\n\n\nasync def f(u):\n    requests.Session().get(u)\n"
    target = at(source, "requests.Session", "to-thread", end=(5, 30))
    outcome = apply_fixes(source, [target], unsafe=True)
    assert outcome.source == source
    assert "callee" in outcome.skipped[0][1]


def test_to_thread_refuses_a_call_handed_to_to_thread_as_the_callable() -> None:
    source = "import asyncio\n\n\nasync def f(p):\n    await asyncio.to_thread(open(p))\n"
    outcome = apply_fixes(source, [at(source, "open(", "to-thread")], unsafe=True)
    assert outcome.source == source
    assert "offload" in outcome.skipped[0][1]


def test_to_thread_argument_of_an_offloaded_call_is_still_wrapped() -> None:
    # `open(p)` runs on the loop before to_thread is even called.
    source = "import asyncio\n\n\nasync def f(p):\n    await asyncio.to_thread(load, open(p))\n"
    result = fixed(source, at(source, "open(", "to-thread"))
    assert "asyncio.to_thread(load, await asyncio.to_thread(open, p))" in result


def test_to_thread_refused_in_lambda_and_generator_expression() -> None:
    for body in ("f = lambda: requests.get(u)", "s = sum(requests.get(x) for x in u)"):
        source = f"import requests\n\n\nasync def f(u):\n    {body}\n"
        outcome = apply_fixes(source, [at(source, "requests.get", "to-thread")], unsafe=True)
        assert outcome.source == source, body


def test_to_thread_uses_run_in_threadpool_from_fastapi() -> None:
    source = (
        "from fastapi import FastAPI\nimport requests\n\napp = FastAPI()\n\n\n"
        "@app.get('/')\nasync def root(u: str):\n    return requests.get(u, timeout=3).json()\n"
    )
    result = fixed(source, at(source, "requests.get", "to-thread"))
    assert result == (
        "from fastapi import FastAPI\nimport requests\n"
        "from fastapi.concurrency import run_in_threadpool\n\napp = FastAPI()\n\n\n"
        "@app.get('/')\nasync def root(u: str):\n"
        "    return (await run_in_threadpool(requests.get, u, timeout=3)).json()\n"
    )


def test_to_thread_uses_starlette_concurrency_in_starlette_modules() -> None:
    source = "from starlette.responses import JSONResponse\n\n\nasync def h(p):\n    open(p)\n"
    result = fixed(source, at(source, "open(", "to-thread"))
    assert "from starlette.concurrency import run_in_threadpool\n" in result
    assert "    await run_in_threadpool(open, p)\n" in result


def test_to_thread_reuses_an_imported_run_in_threadpool_alias() -> None:
    source = (
        "from fastapi import APIRouter\n"
        "from starlette.concurrency import run_in_threadpool as rtp\n"
        "\n\nasync def h(p):\n    open(p)\n"
    )
    assert fixed(source, at(source, "open(", "to-thread")) == source.replace(
        "    open(p)", "    await rtp(open, p)"
    )


def test_run_in_threadpool_refuses_a_func_keyword() -> None:
    source = "import fastapi\n\n\nasync def h(x):\n    submit(func=x)\n"
    outcome = apply_fixes(source, [at(source, "submit", "to-thread")], unsafe=True)
    assert outcome.source == source
    assert "func" in outcome.skipped[0][1]


def test_to_thread_in_anyio_module_uses_run_sync_and_a_lambda_for_keywords() -> None:
    source = "import anyio\n\n\nasync def h(p):\n    open(p)\n    open(p, mode='rb')\n"
    outcome = apply_fixes(
        source, [finding(5, 5, "to-thread"), finding(6, 5, "to-thread")], unsafe=True
    )
    assert "    await anyio.to_thread.run_sync(open, p)\n" in outcome.source
    assert "    await anyio.to_thread.run_sync(lambda: open(p, mode='rb'))\n" in outcome.source
    assert outcome.skipped == ()


def test_to_thread_in_module_importing_asyncio_and_anyio_uses_anyio() -> None:
    # anyio's offload runs under either backend; asyncio's would fail under trio.
    source = "import asyncio\nimport anyio\n\n\nasync def h(p):\n    open(p)\n"
    assert "    await anyio.to_thread.run_sync(open, p)\n" in fixed(
        source, finding(6, 5, "to-thread")
    )


@pytest.mark.parametrize(
    ("imports", "offload"),
    [
        ("from anyio.to_thread import run_sync", "run_sync(open, p)"),
        ("from ..to_thread import run_sync as in_worker", "in_worker(open, p)"),
        ("from .. import to_thread", "to_thread.run_sync(open, p)"),
        ("from anyio import to_thread", "to_thread.run_sync(open, p)"),
    ],
)
def test_to_thread_uses_the_modules_own_offload(imports: str, offload: str) -> None:
    source = f"{imports}\n\n\nasync def h(p):\n    open(p)\n"
    target = replace(finding(5, 5, "to-thread"), path="lib/anyio/_core/_files.py")
    assert fixed(source, target) == source.replace("    open(p)", f"    await {offload}")


def test_backend_neutral_library_code_without_an_offload_is_not_fixed() -> None:
    source = (
        "from ._core import x\nimport time\n\n\nasync def h(p):\n    open(p)\n    time.sleep(1)\n"
    )
    for target in (finding(6, 5, "to-thread"), finding(7, 5, "asyncio-sleep")):
        inside = replace(target, path="site-packages/anyio/_core/_fileio.py")
        outcome = apply_fixes(source, [inside], unsafe=True)
        assert outcome.source == source
        assert "backend-neutral" in outcome.skipped[0][1]


def test_to_thread_multiline_call_in_crlf_file() -> None:
    source = "import os\r\n\r\nasync def h(p):\r\n    os.makedirs(\r\n        p,\r\n    )\r\n"
    assert fixed(source, finding(4, 5, "to-thread")) == (
        "import asyncio\r\nimport os\r\n\r\nasync def h(p):\r\n    await asyncio.to_thread(\r\n"
        "        os.makedirs,\r\n        p,\r\n    )\r\n"
    )


# -- make-sync -------------------------------------------------------------------------------

ROUTE = (
    "from fastapi import FastAPI\n\napp = FastAPI()\n\n\n"
    "@app.get('/items')\nasync   def items(path: str):\n"
    "    data = open(path).read()\n    extra = open(path + '.x').read()\n    return data + extra\n"
)


def test_make_sync_removes_async_once_for_several_findings() -> None:
    first = at(ROUTE, "open(path)", "make-sync")
    second = at(ROUTE, "open(path +", "make-sync")
    outcome = apply_fixes(ROUTE, [second, first], unsafe=True)
    assert outcome.source == ROUTE.replace("async   def items", "def items")
    assert set(outcome.applied) == {first, second}
    assert outcome.skipped == ()
    fix = describe_fix(ROUTE, first)
    assert fix is not None
    assert fix.edits == (Edit(Span(7, 1, 7, 9), ""),)
    assert "items" in fix.description


@pytest.mark.parametrize(
    "statement",
    [
        "await other()",
        "async with lock:\n        pass",
        "async for row in rows():\n        pass",
        "yield 1",
        "return [x async for x in rows()]",
    ],
)
def test_make_sync_refuses_functions_using_async_features(statement: str) -> None:
    source = f"async def dep(p):\n    open(p)\n    {statement}\n"
    outcome = apply_fixes(source, [finding(2, 5, "make-sync")], unsafe=True)
    assert outcome.source == source
    assert outcome.skipped[0][1].startswith("the function uses")


def test_make_sync_ignores_awaits_in_nested_async_functions() -> None:
    source = (
        "async def dep(p):\n    open(p)\n\n    async def inner():\n        await x()\n"
        "    return inner\n"
    )
    assert fixed(source, finding(2, 5, "make-sync")) == source.replace(
        "async def dep", "def dep", 1
    )


def test_make_sync_and_await_fix_in_one_function_do_not_meet() -> None:
    source = "import time\n\n\nasync def dep(p):\n    open(p)\n    time.sleep(1)\n"
    outcome = apply_fixes(
        source, [finding(5, 5, "make-sync"), finding(6, 5, "asyncio-sleep")], unsafe=True
    )
    assert outcome.source == source.replace("async def", "def")
    assert len(outcome.applied) == 1
    assert "overlaps" in outcome.skipped[0][1]
    compile(outcome.source, "x.py", "exec")


# -- overlapping fixes -----------------------------------------------------------------------


def test_two_fixes_on_one_call_keep_the_first() -> None:
    source = "import time\n\n\nasync def f():\n    time.sleep(1)\n"
    sleep = finding(5, 5, "asyncio-sleep")
    thread = finding(5, 5, "to-thread")
    outcome = apply_fixes(source, [sleep, thread], unsafe=True)
    assert outcome.applied == (sleep,)
    assert outcome.skipped == ((thread, "overlaps another fix; re-run to apply"),)


def test_nested_calls_are_fixed_over_two_rounds() -> None:
    source = "import json\n\n\nasync def f(p):\n    return json.load(open(p))\n"
    outer = at(source, "json.load", "to-thread")
    inner = at(source, "open(", "to-thread")
    first = apply_fixes(source, [inner, outer], unsafe=True)
    assert first.applied == (outer,)
    assert first.skipped == ((inner, "overlaps another fix; re-run to apply"),)
    assert "return await asyncio.to_thread(json.load, open(p))" in first.source
    second = apply_fixes(first.source, [at(first.source, "open(", "to-thread")], unsafe=True)
    assert "asyncio.to_thread(json.load, await asyncio.to_thread(open, p))" in second.source
    assert second.source.count("import asyncio") == 1


# -- golden files ----------------------------------------------------------------------------


def golden_names() -> list[str]:
    return sorted(p.name.removesuffix(".before.py") for p in GOLDEN_DIR.glob("*.before.py"))


def golden_findings(before: str) -> list[Finding]:
    """Findings from header lines like ``# fix: 7:5 asyncio-sleep``, with the scope the engine
    gives some fixes after the kind (``# fix: 9:22 to-thread 9:12-9:33``)."""
    findings = []
    for line in before.splitlines():
        if line.startswith("# fix:"):
            position, kind, *scope = line.removeprefix("# fix:").split()
            row, column = (int(part) for part in position.split(":"))
            target = finding(row, column, kind)
            if scope:
                start, end = scope[0].split("-")
                span = Span(*(int(p) for p in start.split(":")), *(int(p) for p in end.split(":")))
                assert target.fix is not None
                target = target.with_fix(replace(target.fix, scope=span))
            findings.append(target)
    return findings


def read_exact(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


@pytest.mark.parametrize("name", golden_names())
def test_golden_through_apply_fixes(name: str) -> None:
    before = read_exact(GOLDEN_DIR / f"{name}.before.py")
    after = read_exact(GOLDEN_DIR / f"{name}.after.py")
    findings = golden_findings(before)
    assert findings, f"{name}.before.py names no fixes"
    source = before
    pending = findings
    for _ in range(5):  # the caller's re-check loop, simplified: re-locate skipped findings
        outcome = apply_fixes(source, pending, unsafe=True)
        source = outcome.source
        pending = [f for f, reason in outcome.skipped if "overlaps" in reason]
        if not pending:
            break
    assert source == after
    assert apply_fixes(source, [], unsafe=True).source == after


@pytest.mark.parametrize("name", golden_names())
def test_golden_through_cli(name: str, tmp_path: Path) -> None:
    pytest.importorskip("asynclint.cli")
    target = tmp_path / f"{name}.py"
    shutil.copyfile(GOLDEN_DIR / f"{name}.before.py", target)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SRC_DIR), os.environ.get("PYTHONPATH", "")]),
    }
    command = [
        sys.executable,
        "-c",
        "import sys; from asynclint.cli import main; sys.exit(main())",
        "check",
        "--fix",
        "--unsafe-fixes",
        "--format",
        "json",
        target.name,
    ]
    run = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, check=False
    )
    # Every finding in a golden file has a fix, so nothing is left to report.
    assert read_exact(target) == read_exact(GOLDEN_DIR / f"{name}.after.py"), run.stdout
    assert json.loads(run.stdout) == [], run.stdout
    assert run.returncode == 0, run.stderr


@pytest.mark.parametrize("name", golden_names())
def test_golden_describe_fix_edits_match_apply_fixes(name: str) -> None:
    before = read_exact(GOLDEN_DIR / f"{name}.before.py")
    for target in golden_findings(before):
        fix = describe_fix(before, target)
        assert fix is not None and fix.edits and fix.description
        expected = apply_fixes(before, [target], unsafe=True).source
        assert apply_edits(before, fix.edits) == expected


# -- rendering a replacement: the expression alone, or its whole statement -----------------------

RENDER_SOURCES = sorted(
    [*GOLDEN_DIR.glob("*.before.py"), *(Path(__file__).parent / "fixtures").glob("*.py")]
)


@pytest.mark.parametrize("path", RENDER_SOURCES, ids=lambda p: p.name)
def test_rendering_the_expression_alone_gives_the_statement_s_replacement(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from asynclint import fixes as fixes_module
    from asynclint.api import check_source
    from asynclint.fixes.context import FixContext

    source = path.read_text(encoding="utf-8")
    findings = [f for f in check_source(source, path.name) if f.fix and f.fix.kind]
    alone = fixes_module.describe_fixes(source, findings)
    fixes_module._context_for.cache_clear()
    monkeypatch.setattr(FixContext, "_rendered_alone", lambda self, *args: None)
    assert fixes_module.describe_fixes(source, findings) == alone
    fixes_module._context_for.cache_clear()


def test_calls_spanning_lines_in_blocks_render_alone() -> None:
    """Continuation lines carry their blocks' indentation, so even a call written over several
    lines inside a method renders alone (rendering its whole top-level statement, a class of
    a thousand lines, cost most of describing a file's fixes)."""
    from asynclint.api import check_source
    from asynclint.fixes.context import FixContext

    used = {"one line": 0, "several lines": 0, "statement": 0}
    for path in RENDER_SOURCES:
        source = path.read_text(encoding="utf-8")
        findings = [f for f in check_source(source, path.name) if f.fix and f.fix.kind]
        context = FixContext(source, frozenset(f.span.line for f in findings))
        for finding in findings:
            call = context.find_call(finding.span, finding.snippet)
            if call is None:
                continue
            start, end = context.offsets_of(call)
            if context._rendered_alone(call, call, start, end) is None:
                used["statement"] += 1
            elif "\n" in context.text.text[start:end] and context._block_indents(call):
                used["several lines"] += 1
            else:
                used["one line"] += 1
    assert used["one line"] >= 20 and used["several lines"] >= 2, used
    assert used["statement"] == 0, used


# -- whole expressions, lazy iterables, blocks ---------------------------------------------------


def scoped(target: Finding, scope: tuple[int, int, int, int]) -> Finding:
    assert target.fix is not None
    return target.with_fix(replace(target.fix, scope=Span(*scope)))


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("f(await g())", "awaits"),
        ("f((x := g()))", ":="),
        ("f(super().g())", "super()"),
    ],
)
def test_whole_expression_refused_where_a_lambda_would_change_it(
    expression: str, reason: str
) -> None:
    source = f"async def h(f, g, x):\n    return {expression}\n"
    end = (2, 12 + len(expression))
    outcome = apply_fixes(source, [scoped(finding(2, 12, "to-thread"), (2, 12, *end))], unsafe=True)
    assert outcome.source == source
    assert reason in outcome.skipped[0][1]


def test_lazy_iterable_is_not_consumed_whole_where_the_loop_may_stop_early() -> None:
    source = "import os\n\n\nasync def f(p):\n    for entry in os.walk(p):\n        break\n"
    outcome = apply_fixes(source, [finding(5, 18, "to-thread-iter")], unsafe=True)
    assert outcome.source == source
    assert "stop early" in outcome.skipped[0][1]


def test_lazy_iterable_not_iterated_where_it_is_made_is_not_fixed() -> None:
    source = "import os\n\n\nasync def f(p):\n    walker = os.walk(p)\n    return walker\n"
    outcome = apply_fixes(source, [finding(5, 14, "to-thread-iter")], unsafe=True)
    assert outcome.source == source
    assert "not consumed" in outcome.skipped[0][1]


BLOCK = "import sqlite3\n\n\nasync def f(p):\n    conn = sqlite3.connect(p)\n{body}"


@pytest.mark.parametrize(
    ("body", "last", "reason"),
    [
        ("    await conn.execute('x')\n", 6, "`await`"),
        ("    return conn.execute('x')\n", 6, "`return`"),
        ("    for _ in range(3):\n        conn.execute('x')\n    global g\n", 8, "`global`"),
        ("    if p:\n        row = conn.execute('x')\n    print(row)\n", 7, "every path"),
    ],
)
def test_block_refused_where_the_statements_cannot_run_in_a_function(
    body: str, last: int, reason: str
) -> None:
    source = BLOCK.format(body=body)
    target = scoped(finding(5, 12, "to-thread-block"), (5, 12, last, 30))
    outcome = apply_fixes(source, [target], unsafe=True)
    assert outcome.source == source
    assert reason in outcome.skipped[0][1], outcome.skipped


def test_block_returns_what_is_read_afterwards_and_keeps_comments() -> None:
    source = BLOCK.format(
        body="    # the slow part\n    row = conn.execute('x').fetchone()  # one row\n"
        "    conn.close()\n    return row\n"
    )
    target = scoped(finding(5, 12, "to-thread-block"), (5, 12, 8, 17))
    result = fixed(source, target)
    assert result.endswith(
        "async def f(p):\n    def _in_thread():\n        conn = sqlite3.connect(p)\n"
        "        # the slow part\n        row = conn.execute('x').fetchone()  # one row\n"
        "        conn.close()\n        return row\n"
        "    row = await asyncio.to_thread(_in_thread)\n    return row\n"
    )


def test_block_name_avoids_names_in_use() -> None:
    source = BLOCK.format(body="    _in_thread = 1\n    conn.close()\n    return _in_thread\n")
    target = scoped(finding(5, 12, "to-thread-block"), (5, 12, 7, 17))
    result = fixed(source, target)
    assert "    def _in_thread_2():\n" in result
    assert "await asyncio.to_thread(_in_thread_2)" in result
