"""Sentences shared by several rule docs (this module defines no rules)."""

THROUGH_HELPERS = (
    "The call is found where it is written in async code, and also when it is reached through "
    "your own synchronous helpers, even in other modules: then the finding is reported at the "
    "call in async code, with the chain of calls that leads to the blocking one. Code that "
    "FastAPI runs on the event loop (`async def` routes, dependencies, middleware, lifespan and "
    "startup handlers) counts as async code; `def` routes and dependencies run in a threadpool "
    "and are not reported."
)

LOOP_STALL = (
    "An event loop runs one task at a time and switches only at `await`. A call that blocks "
    "holds the loop for its whole duration: every other request, websocket and background task "
    "of the process waits, timeouts fire, and latency grows with each concurrent user."
)

TO_THREAD_FIX = (
    "`--fix --unsafe-fixes` wraps the call as `await asyncio.to_thread(func, *args)` (or "
    "`await run_in_threadpool(func, *args)` in a module that already uses Starlette's helper, "
    "`anyio.to_thread.run_sync` in anyio code); when an argument blocks too, the whole "
    "expression goes to the thread in one `lambda`, and a lazy iterable goes there with the "
    "loop that consumes it. The fix is unsafe: the function then runs in another thread, which "
    "matters for code that is not thread-safe or relies on thread-local state. It is never "
    "offered for code that needs the running event loop (`get_running_loop`, `create_task`, "
    "asyncio objects' methods, through any helper): that finding keeps a display-only note "
    "saying why. A sqlite3 connection or an ORM session moves only together with the statements "
    "that open and use it (one local function, one thread). When the blocking call is reached "
    "through a helper, the fix offloads the helper call in the async function. An async FastAPI "
    "route or dependency that never awaits and needs no loop can instead be turned into a plain "
    "`def` (unsafe fix `make-sync`), so FastAPI runs it in its threadpool."
)
