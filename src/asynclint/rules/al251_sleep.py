"""AL251: time.sleep on the event loop."""

from asynclint.rules import Rule
from asynclint.rules._text import LOOP_STALL, THROUGH_HELPERS

RULES = (
    Rule(
        code="AL251",
        name="blocking-sleep-in-async-function",
        summary="`time.sleep()` stops the whole event loop",
        what_it_does=(
            "Reports `time.sleep(...)` (however it is imported or aliased) in code that runs on "
            "the event loop. A local function or variable that merely shadows the name `sleep` "
            "is not reported. " + THROUGH_HELPERS
        ),
        why_bad=(
            LOOP_STALL + " `time.sleep(1)` in a route makes every concurrent request wait one "
            "more second; `await asyncio.sleep(1)` lets them run meanwhile."
        ),
        example=(
            "import time\n"
            "\n"
            "from fastapi import FastAPI\n"
            "\n"
            "app = FastAPI()\n"
            "\n"
            "\n"
            '@app.get("/slow")\n'
            "async def slow() -> dict[str, str]:\n"
            "    time.sleep(1)\n"
            '    return {"status": "done"}\n'
        ),
        use_instead=(
            "import asyncio\n"
            "\n"
            "from fastapi import FastAPI\n"
            "\n"
            "app = FastAPI()\n"
            "\n"
            "\n"
            '@app.get("/slow")\n'
            "async def slow() -> dict[str, str]:\n"
            "    await asyncio.sleep(1)\n"
            '    return {"status": "done"}\n'
        ),
        fix_safety=(
            "Safe fix: `time.sleep(x)` written directly in an async function becomes "
            "`await asyncio.sleep(x)` (`await anyio.sleep(x)` / `await trio.sleep(x)` when the "
            "module already uses anyio or trio), adding the import in its isort section (under "
            "an alias when a local name shadows the module) and removing `import time` when "
            "nothing else uses it. Both wait the same time; only the loop is freed. No `await` "
            "is written in a `finally:` block or a handler of `CancelledError`: there the sleep "
            "stays a suggestion. A sleep reached through a sync helper cannot be awaited there: "
            "for it the unsafe fix offloads the helper call with `await asyncio.to_thread(...)`."
        ),
        peer_codes=("ASYNC251",),
    ),
)
