"""Fire concurrent requests at a route while a heartbeat measures the app's event-loop lag.

The heartbeat polls ``/health``, an ``async def`` endpoint answered on the event loop, every
``interval`` seconds; its slowest answer during the burst is the loop's worst stall. Background
tasks run after their response is sent, so polling continues for ``settle`` seconds afterwards.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass

import httpx

from demo_app.scenarios import GOOD, Scenario

# A stall is a heartbeat slower than this; healthy heartbeats on loopback take a few ms.
STALL_THRESHOLD = 0.15


@dataclass(frozen=True)
class BurstResult:
    requests: int
    wall_seconds: float
    max_lag_seconds: float
    statuses: tuple[int, ...]

    @property
    def stalled(self) -> bool:
        return self.max_lag_seconds >= STALL_THRESHOLD


async def heartbeat(client: httpx.AsyncClient, stop: asyncio.Event, interval: float) -> float:
    worst = 0.0
    while not stop.is_set():
        started = time.perf_counter()
        await client.get("/health")
        worst = max(worst, time.perf_counter() - started)
        await asyncio.sleep(interval)
    return worst


async def measure_burst(
    base_url: str,
    method: str,
    path: str,
    concurrency: int,
    request_kwargs: dict[str, object] | None = None,
    interval: float = 0.02,
    settle: float = 0.6,
) -> BurstResult:
    kwargs = request_kwargs or {}
    timeout = httpx.Timeout(60.0)
    limits = httpx.Limits(max_connections=concurrency)
    async with (
        httpx.AsyncClient(base_url=base_url, timeout=timeout) as monitor,
        httpx.AsyncClient(base_url=base_url, timeout=timeout, limits=limits) as client,
    ):
        stop = asyncio.Event()
        beats = asyncio.create_task(heartbeat(monitor, stop, interval))
        await asyncio.sleep(interval)  # let the first beat land before the burst
        started = time.perf_counter()
        responses = await asyncio.gather(
            *(client.request(method, path, **kwargs) for _ in range(concurrency))  # type: ignore[arg-type]
        )
        wall = time.perf_counter() - started
        await asyncio.sleep(settle)
        stop.set()
        max_lag = await beats
    return BurstResult(
        requests=concurrency,
        wall_seconds=wall,
        max_lag_seconds=max_lag,
        statuses=tuple(response.status_code for response in responses),
    )


async def idle_lag(base_url: str, duration: float = 0.3, interval: float = 0.02) -> float:
    """The heartbeat's worst latency with no other traffic: the measurement's noise floor."""
    async with httpx.AsyncClient(base_url=base_url, timeout=10.0) as monitor:
        stop = asyncio.Event()
        beats = asyncio.create_task(heartbeat(monitor, stop, interval))
        await asyncio.sleep(duration)
        stop.set()
        return await beats


async def warm_up(base_url: str, scenarios: Sequence[Scenario]) -> None:
    """One request per good route: one-time costs (process pool, connections) are not stalls."""
    async with httpx.AsyncClient(base_url=base_url, timeout=60.0) as client:
        await asyncio.gather(
            *(
                client.request(
                    scenario.method, f"/{GOOD}{scenario.request_path}", **scenario.request_kwargs()
                )
                for scenario in scenarios
            )
        )


async def measure_scenarios(
    base_url: str, scenarios: Sequence[Scenario], concurrency: int, settle: float = 0.6
) -> dict[tuple[str, str], BurstResult]:
    """``(sub_path, variant) -> BurstResult`` for every twin, one burst at a time.

    ``settle``: how long to keep measuring after the responses of routes with background tasks.
    """
    await warm_up(base_url, scenarios)
    results: dict[tuple[str, str], BurstResult] = {}
    for scenario in scenarios:
        for variant in scenario.variants:
            results[(scenario.sub_path, variant)] = await measure_burst(
                base_url,
                scenario.method,
                f"/{variant}{scenario.request_path}",
                concurrency,
                scenario.request_kwargs(),
                settle=settle if scenario.background else 0.05,
            )
    return results
