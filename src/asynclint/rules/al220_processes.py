"""AL220 / AL221 / AL222: starting processes, running them, waiting for them."""

from asynclint.rules import Rule
from asynclint.rules._text import LOOP_STALL, THROUGH_HELPERS, TO_THREAD_FIX

_PROCESS_FIX = (
    "The durable fix is `asyncio.create_subprocess_exec` (or `anyio.run_process`), shown as a "
    "suggestion; it changes the API (bytes streams, `await proc.communicate()`), so it is not "
    "applied automatically. " + TO_THREAD_FIX
)

RULES = (
    Rule(
        code="AL220",
        name="blocking-process-creation-in-async-function",
        summary="A subprocess is created with a blocking API on the event loop",
        what_it_does=(
            "Reports `subprocess.Popen(...)`, `os.popen`, the `os.spawn*` family and `os.fork` "
            "in code that runs on the event loop. " + THROUGH_HELPERS
        ),
        why_bad=(
            LOOP_STALL + " Forking and executing a program takes milliseconds to seconds, "
            "and the `Popen` object it returns invites more blocking calls (`wait`, "
            "`communicate`, reading its pipes)."
        ),
        example=(
            "import subprocess\n"
            "\n"
            "\n"
            "async def start_worker(queue_name: str) -> int:\n"
            '    process = subprocess.Popen(["worker", "--queue", queue_name])\n'
            "    return process.pid\n"
        ),
        use_instead=(
            "import asyncio\n"
            "\n"
            "\n"
            "async def start_worker(queue_name: str) -> int:\n"
            '    process = await asyncio.create_subprocess_exec("worker", "--queue", queue_name)\n'
            "    return process.pid\n"
        ),
        fix_safety=_PROCESS_FIX,
        peer_codes=("ASYNC220",),
    ),
    Rule(
        code="AL221",
        name="blocking-process-run-in-async-function",
        summary="A process is run to completion with a blocking API on the event loop",
        what_it_does=(
            "Reports `subprocess.run`, `call`, `check_call`, `check_output`, `getoutput`, "
            "`getstatusoutput`, `os.system` and `os.posix_spawn[p]` in code that runs on the "
            "event loop. " + THROUGH_HELPERS
        ),
        why_bad=(
            LOOP_STALL + " These calls wait until the child process exits, which for a "
            "converter, a git command or a shell script can take seconds or minutes."
        ),
        example=(
            "import subprocess\n"
            "\n"
            "\n"
            "async def make_thumbnail(path: str) -> None:\n"
            "    subprocess.run(\n"
            '        ["convert", path, "-resize", "128x128", path + ".thumb.png"], check=True\n'
            "    )\n"
        ),
        use_instead=(
            "import asyncio\n"
            "\n"
            "\n"
            "async def make_thumbnail(path: str) -> None:\n"
            "    process = await asyncio.create_subprocess_exec(\n"
            '        "convert", path, "-resize", "128x128", path + ".thumb.png"\n'
            "    )\n"
            "    if await process.wait() != 0:\n"
            '        raise RuntimeError("convert failed")\n'
        ),
        fix_safety=_PROCESS_FIX,
        peer_codes=("ASYNC221",),
    ),
    Rule(
        code="AL222",
        name="blocking-process-wait-in-async-function",
        summary="Waiting for a child process blocks the event loop",
        what_it_does=(
            "Reports `os.wait`, `os.wait3`, `os.wait4`, `os.waitpid`, `os.waitid` and the "
            "`wait()` / `communicate()` methods of a `subprocess.Popen` object followed from its "
            "creation. " + THROUGH_HELPERS
        ),
        why_bad=(
            LOOP_STALL + " Waiting for a process has no upper bound: the loop is frozen for "
            "as long as the child runs."
        ),
        example=(
            "import subprocess\n"
            "\n"
            "\n"
            "async def backup(database: str) -> bytes:\n"
            '    process = subprocess.Popen(["pg_dump", database], stdout=subprocess.PIPE)\n'
            "    output, _ = process.communicate()\n"
            "    return output\n"
        ),
        use_instead=(
            "import asyncio\n"
            "\n"
            "\n"
            "async def backup(database: str) -> bytes:\n"
            "    process = await asyncio.create_subprocess_exec(\n"
            '        "pg_dump", database, stdout=asyncio.subprocess.PIPE\n'
            "    )\n"
            "    output, _ = await process.communicate()\n"
            "    return output\n"
        ),
        fix_safety=_PROCESS_FIX,
        peer_codes=("ASYNC222",),
    ),
)
