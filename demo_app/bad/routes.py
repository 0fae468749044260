"""The tutorial's endpoints with the mistakes it warns about: blocking calls on the event loop."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated

import httpx
from fastapi import APIRouter, BackgroundTasks, Depends, HTTPException, UploadFile
from fastapi.responses import StreamingResponse

from demo_app.services import reports, uploads
from demo_app.services.compute import cpu_bound_task
from demo_app.services.db import STATS_QUERY, USER_QUERY
from demo_app.settings import CITIES, settings

router = APIRouter(prefix="/bad", tags=["bad"])

STREAM_ROWS = 3


@router.get("/sleep")
async def sleep_async() -> dict[str, object]:
    time.sleep(settings.work_seconds)  # expect: AL251
    return {"message": "This defeats the purpose of async"}


@router.get("/fetch-data")
async def fetch_data() -> dict[str, object]:
    todo1 = httpx.get(f"{settings.upstream_url}/todos/1")  # expect: AL210
    todo2 = httpx.get(f"{settings.upstream_url}/todos/2")  # expect: AL210
    return {"todo1": todo1.json(), "todo2": todo2.json()}


async def process_data(data: str) -> None:
    # The "time-consuming process" is sync code pasted into an async task.
    time.sleep(settings.work_seconds)  # expect: AL251
    with open(settings.log_file, "a") as f:  # expect: AL230
        f.write(f"Processed data: {data}\n")  # expect: AL232


@router.post("/submit")
async def submit(background_tasks: BackgroundTasks, data: str = "default") -> dict[str, str]:
    background_tasks.add_task(process_data, data)
    return {"message": "Data processing started in the background"}


async def get_user_from_db(user_id: int) -> dict[str, object]:
    conn = sqlite3.connect(settings.database)  # expect: AL260
    try:
        cursor = conn.execute(USER_QUERY, (user_id,))  # expect: AL260
        row = cursor.fetchone()  # expect: AL260
    finally:
        conn.close()  # expect: AL260
    if row is None:
        raise HTTPException(status_code=404, detail="User not found")
    return {"id": row[0], "name": row[1]}


@router.get("/users/{user_id}")
async def read_user(
    user: Annotated[dict[str, object], Depends(get_user_from_db)],
) -> dict[str, object]:
    return user


@router.get("/cpu-task/{number}")
async def handle_cpu_task(number: int) -> dict[str, int]:
    result = cpu_bound_task(number)  # expect: AL281
    return {"result": result}


@router.get("/weather")
async def get_weather() -> dict[str, object]:
    start_time = time.perf_counter()
    results = []
    with httpx.Client(base_url=settings.upstream_url) as client:
        for city in CITIES:
            response = client.get("/weather", params={"q": city})  # expect: AL212
            data = response.json()
            results.append({"city": city, "temperature": data["current"]["temp_c"]})
    return {"elapsed_seconds": time.perf_counter() - start_time, "weather": results}


@router.get("/aggregate")
async def aggregate() -> dict[str, object]:
    with httpx.Client(base_url=settings.upstream_url) as client:
        todo = client.get("/todos/1")  # expect: AL212
        quote = client.get("/quotes/random")  # expect: AL212
        rates = client.get("/rates", params={"base": "EUR"})  # expect: AL212
    return {"todo": todo.json(), "quote": quote.json(), "rates": rates.json()["rates"]}


async def query_rows(count: int) -> AsyncIterator[str]:
    for row_id in range(1, count + 1):
        time.sleep(settings.work_seconds / count)  # expect: AL251
        yield f'{{"id": {row_id}, "name": "row {row_id}"}}\n'


@router.get("/stream")
async def stream_rows() -> StreamingResponse:
    return StreamingResponse(query_rows(STREAM_ROWS), media_type="application/x-ndjson")


@router.post("/upload")
async def upload_file(file: UploadFile) -> dict[str, object]:
    contents = file.file.read()  # expect: AL232
    destination = settings.upload_dir / Path(file.filename or "upload.bin").name
    with open(destination, "wb") as out:  # expect: AL230
        out.write(contents)  # expect: AL232
    scan = uploads.scan_upload(destination)  # expect: AL251
    return {"filename": destination.name, "size": len(contents), "scan": scan}


@router.get("/sqlite")
async def sqlite_stats() -> dict[str, int]:
    conn = sqlite3.connect(settings.database)  # expect: AL260
    try:
        cursor = conn.execute(STATS_QUERY)  # expect: AL260
        users, last_id = cursor.fetchone()  # expect: AL260
    finally:
        conn.close()  # expect: AL260
    return {"users": users, "last_id": last_id}


@router.get("/report")
async def daily_report() -> dict[str, object]:
    return reports.build_report("daily")  # expect: AL251
