"""Start the demo app and its fake upstream as real uvicorn servers in subprocesses."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ServerError(RuntimeError):
    """A server did not come up in time or died while starting."""


@dataclass(frozen=True)
class DemoServers:
    app_url: str
    upstream_url: str
    data_dir: Path
    # The servers' process ids (each leads a process group of its own).
    pids: tuple[int, ...] = ()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(
    app: str, env: dict[str, str], ready_path: str, cwd: Path | None = None
) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    # A session of its own: stopping the server stops whatever it started (pool workers too).
    process = subprocess.Popen(
        command, cwd=cwd or PROJECT_ROOT, env={**os.environ, **env}, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(process, url + ready_path)
    except BaseException:
        stop_server(process)
        raise
    return process, url


def wait_until_ready(process: subprocess.Popen, url: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerError(f"server exited with code {process.returncode} before {url} answered")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise ServerError(f"{url} did not answer within {timeout} s")


def stop_server(process: subprocess.Popen) -> None:
    """Stop the server, then anything left in its process group (workers it forked inherit
    uvicorn's signal handlers and would ignore the terminate)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


@contextmanager
def demo_servers(
    upstream_latency: float = 0.1,
    work_seconds: float = 0.3,
    data_dir: Path | None = None,
    app_root: Path | None = None,
) -> Iterator[DemoServers]:
    """Run the fake upstream and the demo app (from ``app_root``, a folder holding a copy of
    ``demo_app``, when given); both are stopped when the block exits."""
    with tempfile.TemporaryDirectory(prefix="asynclint-demo-") as scratch:
        data = data_dir or Path(scratch)
        env = {
            "DEMO_UPSTREAM_LATENCY": str(upstream_latency),
            "DEMO_WORK_SECONDS": str(work_seconds),
            "DEMO_DATA_DIR": str(data),
        }
        upstream, upstream_url = start_server("demo_app.upstream:app", env, "/todos/1")
        try:
            app, app_url = start_server(
                "demo_app.main:app",
                {**env, "DEMO_UPSTREAM_URL": upstream_url},
                "/health",
                cwd=app_root,
            )
            try:
                yield DemoServers(
                    app_url=app_url,
                    upstream_url=upstream_url,
                    data_dir=data,
                    pids=(upstream.pid, app.pid),
                )
            finally:
                stop_server(app)
        finally:
            stop_server(upstream)
