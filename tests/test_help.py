"""Help that matches the call: catalog suggestions are templates filled with the API called,
chains say what to offload and where the blocking call is, and "make it `def`" is offered when
that is the simplest right fix."""

from __future__ import annotations

import re
import textwrap

import pytest

from asynclint.api import check_source
from asynclint.catalog import builtin_catalog

SOURCE = textwrap.dedent(
    """\
    import json
    import os
    from pathlib import Path

    import requests
    from fastapi import FastAPI

    app = FastAPI()


    def notify(url, payload):
        return requests.post(url, json=payload, timeout=5)


    async def direct(url, folder, data):
        requests.post(url, timeout=5)
        requests.delete(url, timeout=5)
        os.makedirs(folder, exist_ok=True)
        Path(folder).exists()
        with open("out.json", "w") as out:
            json.dump(data, out)
        with open("in.json") as handle:
            json.load(handle)
        await direct(url, folder, data)


    async def through_helper(url):
        notify(url, {})
        await through_helper(url)


    @app.post("/hook")
    async def hook(url: str) -> None:
        notify(url, {})
    """
)


@pytest.fixture(scope="module")
def helps() -> dict[str, str]:
    return {f"{f.line}:{f.snippet}": f.suggestion for f in check_source(SOURCE, "help.py")}


def test_the_suggestion_names_the_api_called(helps: dict[str, str]) -> None:
    assert "`await client.post(...)`" in helps["16:requests.post"]
    assert "`await client.delete(...)`" in helps["17:requests.delete"]
    assert "`await asyncio.to_thread(os.makedirs, ...)`" in helps["18:os.makedirs"]
    assert "`await asyncio.to_thread(Path().exists, ...)`" in helps["19:Path().exists"]
    assert "serialise with `json.dumps(...)`" in helps["21:json.dump"]
    assert "`json.loads(data)`" in helps["23:json.load"]


def test_a_chain_says_what_to_offload_and_where_the_blocking_call_is(
    helps: dict[str, str],
) -> None:
    assert helps["28:notify"] == (
        "offload the call: `await asyncio.to_thread(notify, ...)`; the blocking call is "
        "`requests.post` in `notify`: use `httpx.AsyncClient` and `await client.post(...)` "
        "(or aiohttp)"
    )


def test_a_route_that_never_awaits_is_offered_def_first(helps: dict[str, str]) -> None:
    assert helps["34:notify"].startswith(
        "make `hook` a plain `def`: it awaits nothing, and FastAPI runs a `def` route in its "
        "threadpool; or offload the call"
    )
    assert "plain `def`" not in helps["28:notify"]  # it awaits: `def` would break it


def test_catalog_templates_use_known_placeholders_only() -> None:
    catalog = builtin_catalog()
    blocking = [entry.blocking for entry in catalog.functions.values() if entry.blocking]
    blocking += [item for entry in catalog.types.values() for item in entry.methods.values()]
    for item in blocking:
        assert set(re.findall(r"\{(\w*)\}", item.suggestion)) <= {"name", "method", "call"}
