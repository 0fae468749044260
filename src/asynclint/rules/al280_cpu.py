"""AL280 / AL281: CPU-heavy work on the event loop."""

from asynclint.models import Severity
from asynclint.rules import Rule
from asynclint.rules._text import LOOP_STALL, THROUGH_HELPERS, TO_THREAD_FIX

RULES = (
    Rule(
        code="AL280",
        name="cpu-heavy-call-in-async-function",
        summary="Deliberately slow work (password hashing, key derivation) runs on the event loop",
        what_it_does=(
            "Reports calls whose cost is high by design: `hashlib.pbkdf2_hmac` and "
            "`hashlib.scrypt`, `bcrypt.hashpw/checkpw/kdf`, passlib handlers and "
            "`CryptContext.hash/verify`, pwdlib's `PasswordHash.hash/verify`, argon2-cffi's "
            "`PasswordHasher` and cryptography's KDF `derive`. Fast primitives such as "
            "`hashlib.sha256` are not reported. " + THROUGH_HELPERS
        ),
        why_bad=(
            LOOP_STALL + " Password hashes are tuned to take 50-500 ms of CPU each, so a "
            "login endpoint that verifies on the loop serves a handful of requests per second "
            "and stalls everything else while it does."
        ),
        example=(
            "from fastapi import FastAPI\n"
            "from pwdlib import PasswordHash\n"
            "\n"
            "app = FastAPI()\n"
            "password_hash = PasswordHash.recommended()\n"
            "\n"
            "\n"
            '@app.post("/login")\n'
            "async def login(password: str, stored_hash: str) -> bool:\n"
            "    return password_hash.verify(password, stored_hash)\n"
        ),
        use_instead=(
            "import asyncio\n"
            "\n"
            "from fastapi import FastAPI\n"
            "from pwdlib import PasswordHash\n"
            "\n"
            "app = FastAPI()\n"
            "password_hash = PasswordHash.recommended()\n"
            "\n"
            "\n"
            '@app.post("/login")\n'
            "async def login(password: str, stored_hash: str) -> bool:\n"
            "    return await asyncio.to_thread(password_hash.verify, password, stored_hash)\n"
        ),
        fix_safety=(
            TO_THREAD_FIX + " Hashing libraries release the GIL, so a thread gives real "
            "parallelism here."
        ),
        severity=Severity.MEDIUM,
    ),
    Rule(
        code="AL281",
        name="cpu-bound-loop-in-async-function",
        summary="A loop over a large `range()` keeps the CPU busy on the event loop",
        what_it_does=(
            "Reports `for` statements over a `range()` whose size is a constant of at least one "
            "million in code that runs on the event loop, also when the loop is in a "
            "synchronous helper called from async code (the finding is then at the call in "
            "async code, with the chain). Smaller or computed ranges are not reported: the "
            "rule only flags loops whose size alone proves long CPU work."
        ),
        why_bad=(
            LOOP_STALL + " Pure-Python loops run at roughly ten million simple steps per "
            "second, so a million iterations of real work holds the loop for a noticeable "
            "fraction of a second to many seconds."
        ),
        example=(
            "async def checksum(data: bytes) -> int:\n"
            "    total = 0\n"
            "    for index in range(1_000_000):\n"
            "        total = (total * 31 + data[index % len(data)]) % 2**32\n"
            "    return total\n"
        ),
        use_instead=(
            "import asyncio\n"
            "\n"
            "\n"
            "def _checksum(data: bytes) -> int:\n"
            "    total = 0\n"
            "    for index in range(1_000_000):\n"
            "        total = (total * 31 + data[index % len(data)]) % 2**32\n"
            "    return total\n"
            "\n"
            "\n"
            "async def checksum(data: bytes) -> int:\n"
            "    return await asyncio.to_thread(_checksum, data)\n"
        ),
        fix_safety=(
            "No automatic fix: move the loop into a `def` function and run it with "
            "`await asyncio.to_thread(...)` (threads share the GIL, so for long pure-Python work "
            "prefer `loop.run_in_executor(ProcessPoolExecutor(), ...)`), or vectorise it."
        ),
        severity=Severity.MEDIUM,
    ),
)
