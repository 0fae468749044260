"""AL210 / AL212: synchronous HTTP on the event loop."""

from asynclint.rules import Rule
from asynclint.rules._text import LOOP_STALL, THROUGH_HELPERS, TO_THREAD_FIX

_HTTP_FIX = (
    "Display-only suggestion: switch to `httpx.AsyncClient` (or aiohttp) and await the request; "
    "asynclint cannot rewrite the call because the response API and the client's lifetime "
    "change with it. " + TO_THREAD_FIX
)

RULES = (
    Rule(
        code="AL210",
        name="blocking-http-call-in-async-function",
        summary="A synchronous HTTP request (requests, httpx, urllib) runs on the event loop",
        what_it_does=(
            "Reports module-level HTTP functions that wait for the server: `requests.get/post/...`"
            " and `requests.request`, `httpx.get/post/.../stream`, `urllib.request.urlopen` and "
            "`urlretrieve`, `urllib3.request`, the methods of `http.client.HTTPConnection` and "
            "reading an `http.client.HTTPResponse`. " + THROUGH_HELPERS
        ),
        why_bad=(
            LOOP_STALL + " A remote API that takes two seconds to answer freezes the whole "
            "service for two seconds, and without a timeout it can freeze it for good."
        ),
        example=(
            "import requests\n"
            "from fastapi import FastAPI\n"
            "\n"
            "app = FastAPI()\n"
            "\n"
            "\n"
            '@app.get("/weather/{city}")\n'
            "async def weather(city: str) -> dict:\n"
            '    response = requests.get(f"https://api.example.com/weather/{city}", timeout=5)\n'
            "    return response.json()\n"
        ),
        use_instead=(
            "import httpx\n"
            "from fastapi import FastAPI\n"
            "\n"
            "app = FastAPI()\n"
            "\n"
            "\n"
            '@app.get("/weather/{city}")\n'
            "async def weather(city: str) -> dict:\n"
            "    async with httpx.AsyncClient(timeout=5) as client:\n"
            '        response = await client.get(f"https://api.example.com/weather/{city}")\n'
            "    return response.json()\n"
        ),
        fix_safety=_HTTP_FIX,
        peer_codes=("ASYNC210",),
    ),
    Rule(
        code="AL212",
        name="blocking-http-client-method-in-async-function",
        summary="A method of a synchronous HTTP client object runs on the event loop",
        what_it_does=(
            "Follows objects created from synchronous HTTP clients, `requests.Session()` / "
            "`requests.session()`, `httpx.Client()`, urllib3's `PoolManager` and connection "
            "pools and `urllib.request.build_opener()`, through assignments, `with` statements, "
            "attributes, parameter annotations and return values, and reports their request "
            "methods (`get`, `post`, `request`, `send`, `stream`, ...). Creating the client does "
            "no I/O and is not reported; neither are pure calls such as `response.json()`. "
            + THROUGH_HELPERS
        ),
        why_bad=(
            LOOP_STALL + " A shared session is usually created once at import time and used "
            "from many handlers, so one slow upstream service stalls all of them."
        ),
        example=(
            "import requests\n"
            "\n"
            "session = requests.Session()\n"
            "\n"
            "\n"
            "async def fetch_profile(user_id: int) -> dict:\n"
            '    response = session.get(f"https://api.example.com/users/{user_id}", timeout=5)\n'
            "    response.raise_for_status()\n"
            "    return response.json()\n"
        ),
        use_instead=(
            "import httpx\n"
            "\n"
            "client = httpx.AsyncClient(timeout=5)\n"
            "\n"
            "\n"
            "async def fetch_profile(user_id: int) -> dict:\n"
            '    response = await client.get(f"https://api.example.com/users/{user_id}")\n'
            "    response.raise_for_status()\n"
            "    return response.json()\n"
        ),
        fix_safety=_HTTP_FIX,
        peer_codes=("ASYNC212",),
    ),
)
