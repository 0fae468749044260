"""AL250: reading the terminal on the event loop."""

from asynclint.rules import Rule
from asynclint.rules._text import LOOP_STALL, THROUGH_HELPERS, TO_THREAD_FIX

RULES = (
    Rule(
        code="AL250",
        name="blocking-input-in-async-function",
        summary="`input()` or `getpass()` waits for a human on the event loop",
        what_it_does=(
            "Reports `input(...)` and `getpass.getpass(...)` in code that runs on the event "
            "loop. " + THROUGH_HELPERS
        ),
        why_bad=(
            LOOP_STALL + " Waiting for someone to type has no time limit, so every other task "
            "of the program (heartbeats, downloads, servers) stops until they do."
        ),
        example=(
            "async def confirm_deletion(name: str) -> bool:\n"
            '    answer = input(f"Delete {name}? [y/N] ")\n'
            '    return answer.lower() == "y"\n'
        ),
        use_instead=(
            "import asyncio\n"
            "\n"
            "\n"
            "async def confirm_deletion(name: str) -> bool:\n"
            '    answer = await asyncio.to_thread(input, f"Delete {name}? [y/N] ")\n'
            '    return answer.lower() == "y"\n'
        ),
        fix_safety=TO_THREAD_FIX,
        peer_codes=("ASYNC250",),
    ),
)
