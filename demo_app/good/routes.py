"""The tutorial's endpoints written so that nothing blocks the event loop."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Annotated

import httpx
from fastapi import APIRouter, BackgroundTasks, Depends, HTTPException, UploadFile
from fastapi.responses import StreamingResponse

from demo_app.clients import upstream
from demo_app.services import db, reports, uploads
from demo_app.services.compute import cpu_bound_task
from demo_app.services.storage import append_line
from demo_app.settings import CITIES, settings

router = APIRouter(prefix="/good", tags=["good"])

process_pool = ProcessPoolExecutor(max_workers=2)

STREAM_ROWS = 3


@router.get("/sleep")
async def sleep_async() -> dict[str, object]:
    await asyncio.sleep(settings.work_seconds)
    return {"operation": "async", "completed": True}


@router.get("/sleep-sync")
def sleep_sync() -> dict[str, object]:
    # A plain `def` route: FastAPI runs it in the threadpool, so the sleep blocks a worker only.
    time.sleep(settings.work_seconds)
    return {"operation": "sync", "completed": True}


@router.get("/fetch-data")
async def fetch_data() -> dict[str, object]:
    response1 = upstream.get("/todos/1")
    response2 = upstream.get("/todos/2")
    results = await asyncio.gather(response1, response2)
    return {"todo1": results[0].json(), "todo2": results[1].json()}


async def process_data(data: str) -> None:
    await asyncio.sleep(settings.work_seconds)
    await asyncio.to_thread(append_line, str(settings.log_file), f"Processed data: {data}\n")


@router.post("/submit")
async def submit(background_tasks: BackgroundTasks, data: str = "default") -> dict[str, str]:
    background_tasks.add_task(process_data, data)
    return {"message": "Data processing started in the background"}


async def get_user_from_db(user_id: int) -> dict[str, object]:
    user = await asyncio.to_thread(db.fetch_user, settings.database, user_id)
    if user is None:
        raise HTTPException(status_code=404, detail="User not found")
    return user


@router.get("/users/{user_id}")
async def read_user(
    user: Annotated[dict[str, object], Depends(get_user_from_db)],
) -> dict[str, object]:
    return user


@router.get("/cpu-task/{number}")
async def handle_cpu_task(number: int) -> dict[str, int]:
    loop = asyncio.get_running_loop()
    result = await loop.run_in_executor(process_pool, cpu_bound_task, number)
    return {"result": result}


async def fetch_weather(city: str, client: httpx.AsyncClient) -> dict[str, object]:
    try:
        response = await client.get("/weather", params={"q": city})
        response.raise_for_status()
        data = response.json()
        return {
            "city": city,
            "temperature": data["current"]["temp_c"],
            "condition": data["current"]["condition"]["text"],
        }
    except httpx.HTTPError as error:
        return {"city": city, "error": str(error)}


@router.get("/weather")
async def get_weather_async() -> dict[str, object]:
    start_time = time.perf_counter()
    results = await asyncio.gather(*(fetch_weather(city, upstream) for city in CITIES))
    return {"elapsed_seconds": time.perf_counter() - start_time, "weather": results}


@router.get("/weather-sync")
def get_weather_sync() -> dict[str, object]:
    # Sync client in a `def` route: slow (one city after another) but off the event loop.
    start_time = time.perf_counter()
    results = []
    with httpx.Client(base_url=settings.upstream_url) as client:
        for city in CITIES:
            response = client.get("/weather", params={"q": city})
            response.raise_for_status()
            data = response.json()
            results.append({"city": city, "temperature": data["current"]["temp_c"]})
    return {"elapsed_seconds": time.perf_counter() - start_time, "weather": results}


@router.get("/aggregate")
async def aggregate() -> dict[str, object]:
    todo, quote, rates = await asyncio.gather(
        upstream.get("/todos/1"),
        upstream.get("/quotes/random"),
        upstream.get("/rates", params={"base": "EUR"}),
    )
    return {"todo": todo.json(), "quote": quote.json(), "rates": rates.json()["rates"]}


async def query_rows(count: int) -> AsyncIterator[str]:
    for row_id in range(1, count + 1):
        await asyncio.sleep(settings.work_seconds / count)  # simulated async DB round trip
        yield f'{{"id": {row_id}, "name": "row {row_id}"}}\n'


@router.get("/stream")
async def stream_rows() -> StreamingResponse:
    return StreamingResponse(query_rows(STREAM_ROWS), media_type="application/x-ndjson")


@router.post("/upload")
async def upload_file(file: UploadFile, background_tasks: BackgroundTasks) -> dict[str, object]:
    contents = await file.read()
    destination = settings.upload_dir / Path(file.filename or "upload.bin").name
    # A sync background task runs in the threadpool: writing and scanning stay off the loop.
    background_tasks.add_task(uploads.store_and_scan, destination, contents)
    return {"filename": destination.name, "size": len(contents), "status": "processing"}


@router.get("/sqlite")
async def sqlite_stats() -> dict[str, int]:
    return await asyncio.to_thread(db.fetch_stats, settings.database)


@router.get("/report")
async def daily_report() -> dict[str, object]:
    return await asyncio.to_thread(reports.build_report, "daily")
