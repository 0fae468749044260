"""The demo app: good twins under ``/good``, bad twins under ``/bad``, heartbeat at ``/health``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from demo_app.bad.routes import router as bad_router
from demo_app.clients import upstream
from demo_app.good.routes import process_pool
from demo_app.good.routes import router as good_router
from demo_app.services.storage import prepare_storage
from demo_app.settings import settings


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    await asyncio.to_thread(prepare_storage, settings)
    yield
    await upstream.aclose()
    # The pool's workers are forked from the server: without this they outlive it.
    await asyncio.to_thread(process_pool.shutdown)


app = FastAPI(title="asynclint demo: good and bad async twins", lifespan=lifespan)
app.include_router(good_router)
app.include_router(bad_router)


@app.get("/health")
async def health() -> dict[str, str]:
    # Answered on the event loop: its latency is the loop's lag.
    return {"status": "ok"}
