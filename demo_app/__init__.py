"""The FastAPI async tutorial, endpoint by endpoint, as a good and a bad twin.

Every endpoint of the tutorial is served twice, under ``/good/...`` and ``/bad/...`` with the
same sub-path and method. The good twin keeps the event loop free; the bad twin blocks it
(sync sleeps, sync HTTP, file and database I/O, CPU work on the loop). Bad lines carry a
``# expect: ALxxx`` comment naming the asynclint finding reported there.

Run it (the app calls a local fake upstream instead of the internet)::

    uvicorn demo_app.upstream:app --port 8765 &
    uvicorn demo_app.main:app

Settings come from environment variables:

- ``DEMO_UPSTREAM_URL``: base URL of the fake upstream (default ``http://127.0.0.1:8765``)
- ``DEMO_UPSTREAM_LATENCY``: seconds every upstream response takes (default ``0.05``)
- ``DEMO_WORK_SECONDS``: duration of the simulated slow sync work (default ``0.3``)
- ``DEMO_DATA_DIR``: where logs, uploads and the SQLite file go (default a temp directory)

Check it statically and measure it at runtime::

    asynclint check demo_app
    asynclint routes demo_app
    python -m demo_app.bench
"""
