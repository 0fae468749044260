"""A fake upstream standing in for the public APIs the tutorial calls.

Every response waits ``DEMO_UPSTREAM_LATENCY`` seconds with ``await asyncio.sleep``, so the
upstream itself never stalls, however many calls arrive at once.
"""

from __future__ import annotations

import asyncio

from fastapi import FastAPI

from demo_app.settings import settings

app = FastAPI(title="Fake upstream APIs")

CONDITIONS = ["Sunny", "Cloudy", "Light rain", "Overcast", "Clear"]
QUOTES = [
    ("Simple is better than complex.", "Tim Peters"),
    ("Premature optimization is the root of all evil.", "Donald Knuth"),
    ("Make it work, make it right, make it fast.", "Kent Beck"),
]


async def network_latency() -> None:
    await asyncio.sleep(settings.upstream_latency)


def stable_number(text: str, modulo: int) -> int:
    return sum(text.encode()) % modulo


@app.get("/todos/{todo_id}")
async def todo(todo_id: int) -> dict[str, object]:
    await network_latency()
    return {"userId": 1, "id": todo_id, "title": f"todo {todo_id}", "completed": todo_id % 2 == 0}


@app.get("/weather")
async def weather(q: str) -> dict[str, object]:
    await network_latency()
    return {
        "location": {"name": q},
        "current": {
            "temp_c": 5 + stable_number(q, 25),
            "condition": {"text": CONDITIONS[stable_number(q, len(CONDITIONS))]},
        },
    }


@app.get("/quotes/random")
async def random_quote() -> dict[str, str]:
    await network_latency()
    text, author = QUOTES[0]
    return {"quote": text, "author": author}


@app.get("/rates")
async def exchange_rates(base: str = "EUR") -> dict[str, object]:
    await network_latency()
    return {"base": base, "rates": {"USD": 1.08, "GBP": 0.85, "JPY": 162.4}}
