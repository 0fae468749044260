"""``asynclint verify``: the user's command runs with a loop-stall probe; each stall is held
against the static findings (confirmed, or missed with its runtime stack)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from factories import write_tree

WORK = """\
import asyncio
import time


def helper(seconds):
    time.sleep(seconds)


async def found():
    helper(0.12)


async def hidden():
    pause = getattr(time, "sle" + "ep")  # nothing static analysis can name
    pause(0.15)


async def fine():
    await asyncio.sleep(0.1)


async def main():
    await found()
    await hidden()
    await fine()
    asyncio.get_running_loop().call_soon(time.sleep, 0.12)  # a callback, no coroutine
    await asyncio.sleep(0.2)


if __name__ == "__main__":
    asyncio.run(main())
"""

ROUTES = """\
import asyncio
import time

import httpx
from fastapi import FastAPI

app = FastAPI()


@app.get("/slow")
async def slow():
    time.sleep(0.2)
    return {"ok": True}


@app.get("/fast")
async def fast():
    await asyncio.sleep(0.01)
    return {"ok": True}


async def main():
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        for path in ("/slow", "/fast"):
            assert (await client.get(path)).status_code == 200


if __name__ == "__main__":
    asyncio.run(main())
"""


def _project(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text('[project]\nname = "probe"\n', encoding="utf-8")
    return write_tree(root, files, dedent=True)


def _verify(
    root: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "asynclint", "verify", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_stalls_are_confirmed_or_missed_at_their_call_site(tmp_path: Path) -> None:
    root = _project(tmp_path, {"app/__init__.py": "", "app/work.py": WORK})
    done = _verify(root, "--format", "json", "--", sys.executable, "-m", "app.work")
    assert done.returncode == 1, done.stderr  # a stall static analysis did not report
    report = json.loads(done.stdout)
    assert report["returncode"] == 0
    sites = {site["line"]: site for site in report["sites"]}
    assert set(sites) == {10, 15}, report  # `fine` awaited: no stall
    assert sites[10]["status"] == "confirmed"
    assert sites[10]["finding"]["code"] == "AL251"
    assert [hop["function"] for hop in sites[10]["stack"]] == ["found", "helper"]
    assert sites[15]["status"] == "missed"
    assert sites[15]["function"] == "hidden"
    assert 100 <= sites[15]["longest_ms"] <= 1000
    assert report["unattributed_stalls"] == 1  # time.sleep run by call_soon: no project coroutine


def test_text_report_and_exit_zero(tmp_path: Path) -> None:
    root = _project(tmp_path, {"app/__init__.py": "", "app/work.py": WORK})
    done = _verify(root, "--exit-zero", "--", sys.executable, "-m", "app.work")
    assert done.returncode == 0, done.stderr
    assert "confirmed  app/work.py:10  AL251" in done.stdout
    assert "missed     app/work.py:15  in `hidden`" in done.stdout
    assert "1 of 2 stalled call sites were found statically" in done.stdout


def test_a_fastapi_route_that_stalls_is_confirmed(tmp_path: Path) -> None:
    root = _project(tmp_path, {"service.py": ROUTES})
    done = _verify(root, "--format", "json", "--", sys.executable, "service.py")
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert [(s["line"], s["status"], s["function"]) for s in report["sites"]] == [
        (12, "confirmed", "slow")
    ]


def test_the_command_keeps_its_own_sitecustomize(tmp_path: Path) -> None:
    import os

    root = _project(tmp_path / "project", {"app/__init__.py": "", "app/work.py": WORK})
    own = tmp_path / "own"
    own.mkdir()
    marker = tmp_path / "marker"
    (own / "sitecustomize.py").write_text(
        f"open({str(marker)!r}, 'w').write('ran')\n", encoding="utf-8"
    )
    env = {**os.environ, "PYTHONPATH": str(own)}
    done = _verify(root, "--format", "json", "--", sys.executable, "-m", "app.work", env=env)
    assert marker.read_text(encoding="utf-8") == "ran"  # the environment's own one still ran
    assert {site["line"] for site in json.loads(done.stdout)["sites"]} == {10, 15}


def test_the_commands_exit_code_is_reported(tmp_path: Path) -> None:
    root = _project(tmp_path, {"app/__init__.py": "", "app/work.py": WORK})
    done = _verify(root, "--format", "json", "--", sys.executable, "-c", "raise SystemExit(3)")
    assert done.returncode == 0, done.stderr  # nothing stalled, nothing missed
    assert json.loads(done.stdout)["returncode"] == 3


def test_a_command_that_cannot_start_is_an_error(tmp_path: Path) -> None:
    root = _project(tmp_path, {"app/__init__.py": "", "app/work.py": WORK})
    done = _verify(root, "--", "no-such-command-asynclint")
    assert done.returncode == 2
    assert "cannot run 'no-such-command-asynclint'" in done.stderr


@pytest.mark.parametrize("text", ["{", '{"samples": [[[["a.py", "x", "f", 1]], 1]]}'])
def test_damaged_probe_lines_are_skipped(tmp_path: Path, text: str) -> None:
    from asynclint.verify import read_stalls

    out = tmp_path / "stalls.jsonl"
    good = {
        "duration_ms": 80.0,
        "interval_ms": 5.0,
        "threshold_ms": 50.0,
        "samples": [[[["a.py", 3, "f", True]], 4]],
    }
    out.write_text(text + "\n" + json.dumps(good) + "\n", encoding="utf-8")
    stalls = list(read_stalls(out))
    assert [(s.duration_ms, s.stack[0].line) for s in stalls] == [(80.0, 3)]


def test_places_sampled_in_passing_are_not_stall_sites(tmp_path: Path) -> None:
    from asynclint.verify import read_stalls

    def frames(line: int) -> list[list[object]]:
        return [["a.py", line, "f", True]]

    record = {
        "duration_ms": 300.0,
        "interval_ms": 5.0,
        "threshold_ms": 50.0,
        # 120 ms at line 3, 5 ms passing through line 4, 125 ms at line 5
        "samples": [[frames(3), 14], [frames(4), 1], [frames(5), 25]],
    }
    out = tmp_path / "stalls.jsonl"
    out.write_text(json.dumps(record) + "\n", encoding="utf-8")
    assert [s.stack[0].line for s in read_stalls(out)] == [3, 5]
