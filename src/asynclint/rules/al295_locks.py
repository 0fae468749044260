"""AL295: taking a thread lock on the event loop (off by default)."""

from asynclint.models import Severity
from asynclint.rules import Rule
from asynclint.rules._text import THROUGH_HELPERS

RULES = (
    Rule(
        code="AL295",
        name="thread-lock-acquired-in-async-function",
        summary="Acquiring a thread lock may block the event loop while another thread holds it",
        what_it_does=(
            "Reports acquiring a `threading.Lock`, `RLock`, `Semaphore` or `BoundedSemaphore` "
            "(`lock.acquire()` or `with lock:`), the lock of a `threading.Condition`, or a "
            "`multiprocessing` lock, in code that runs on the event loop. "
            + THROUGH_HELPERS
            + " The rule is off by default: select it by its code (`--extend-select AL295`). "
            "While it is off, a lock taken on the way to a helper's other work is not a "
            "blocking call at all, so the chain shown is that work."
        ),
        why_bad=(
            "An uncontended lock is taken in nanoseconds, and a lock that only guards a few "
            "in-memory statements is never held long: most thread locks in async code cost "
            "nothing. The loop stalls when another thread holds the lock across slow work (I/O, "
            "a long computation): then every task waits for that thread. Whether that happens "
            "depends on what the other threads do under the lock, which is why the rule is "
            "opt-in: turn it on to review the locks an async code base shares with threads."
        ),
        example=(
            "import threading\n"
            "\n"
            "cache_lock = threading.Lock()\n"
            "\n"
            "\n"
            "async def refresh(store: dict, key: str, value: str) -> None:\n"
            "    with cache_lock:\n"
            "        store[key] = value\n"
        ),
        use_instead=(
            "import asyncio\n"
            "\n"
            "cache_lock = asyncio.Lock()\n"
            "\n"
            "\n"
            "async def refresh(store: dict, key: str, value: str) -> None:\n"
            "    async with cache_lock:\n"
            "        store[key] = value\n"
        ),
        fix_safety=(
            "No automatic fix. Use an `asyncio.Lock` when only tasks of one loop share the "
            "state; when threads share it too, keep the thread lock but never hold it across "
            "slow work, or take it inside `await asyncio.to_thread(...)` together with that work."
        ),
        severity=Severity.LOW,
        default=False,
    ),
)
