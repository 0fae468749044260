"""Stopping the demo servers stops everything they started.

The good twin of /cpu-task runs a process pool forked from the uvicorn server. Forked workers
inherit uvicorn's signal handlers (a SIGTERM only sets a flag they never read), and uvicorn
re-raises the signal after its shutdown without running the pool's exit hook: each test run
used to leave two workers behind. The app now shuts its pool down in its lifespan, and the
harness ends the server's whole process group.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import httpx

from demo_app.servers import demo_servers


def _group_members(group: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getpgid(int(entry.name)) == group:
                    members.append(int(entry.name))
            except (ProcessLookupError, PermissionError):
                continue
    return members


def test_no_process_outlives_the_servers() -> None:
    with demo_servers(upstream_latency=0.01, work_seconds=0.01) as servers:
        response = httpx.get(f"{servers.app_url}/good/cpu-task/3", timeout=60)
        assert response.status_code == 200
        groups = servers.pids  # each server leads its own group
        assert len(_group_members(groups[1])) >= 3, "the app and its pool workers"
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(_group_members(group) for group in groups):
        time.sleep(0.05)
    assert not [pid for group in groups for pid in _group_members(group)]
