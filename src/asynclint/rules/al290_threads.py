"""AL290: waiting on threads, events, queues and futures on the event loop."""

from asynclint.rules import Rule
from asynclint.rules._text import LOOP_STALL, THROUGH_HELPERS, TO_THREAD_FIX

RULES = (
    Rule(
        code="AL290",
        name="blocking-thread-wait-in-async-function",
        summary="Waiting on an event, queue, thread or future blocks the event loop",
        what_it_does=(
            "Follows objects from `threading` (`Lock`, `RLock`, `Condition`, `Semaphore`, "
            "`Event`, `Barrier`, `Thread`), `queue` (`Queue` and its variants), "
            "`concurrent.futures` (executors, the futures `submit` returns, "
            "`asyncio.run_coroutine_threadsafe`) and `multiprocessing`, and reports the calls "
            "that wait for another thread or process: `wait`, `join`, `queue.get`, "
            "`future.result()`, `concurrent.futures.wait/as_completed`, `executor.shutdown()`, "
            "`pool.map`. Non-waiting forms such as `put_nowait` and `put` on a queue are not "
            "reported; acquiring a lock (`with lock:`) is AL295, off by default. " + THROUGH_HELPERS
        ),
        why_bad=(
            LOOP_STALL + " Worse, the thread being waited for often needs the event loop "
            "itself (a `run_coroutine_threadsafe` future, a callback scheduled with "
            "`call_soon_threadsafe`), and then the program deadlocks."
        ),
        example=(
            "from concurrent.futures import ThreadPoolExecutor\n"
            "\n"
            "executor = ThreadPoolExecutor(max_workers=4)\n"
            "\n"
            "\n"
            "def render_pdf(invoice_id: int) -> bytes:\n"
            '    return b"%PDF-"\n'
            "\n"
            "\n"
            "async def invoice_pdf(invoice_id: int) -> bytes:\n"
            "    future = executor.submit(render_pdf, invoice_id)\n"
            "    return future.result()\n"
        ),
        use_instead=(
            "import asyncio\n"
            "from concurrent.futures import ThreadPoolExecutor\n"
            "\n"
            "executor = ThreadPoolExecutor(max_workers=4)\n"
            "\n"
            "\n"
            "def render_pdf(invoice_id: int) -> bytes:\n"
            '    return b"%PDF-"\n'
            "\n"
            "\n"
            "async def invoice_pdf(invoice_id: int) -> bytes:\n"
            "    loop = asyncio.get_running_loop()\n"
            "    return await loop.run_in_executor(executor, render_pdf, invoice_id)\n"
        ),
        fix_safety=(
            "Suggestion: the asyncio counterpart (`asyncio.Lock`, `asyncio.Event`, "
            "`asyncio.Queue`, `await asyncio.wrap_future(future)`). " + TO_THREAD_FIX + " Waiting "
            "in a worker thread frees the loop but not the worker; lock acquisition and `with` "
            "blocks are never rewritten automatically."
        ),
    ),
)
