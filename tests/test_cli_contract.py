"""What CI relies on: mistakes are errors, routes judge all the code, pipes close quietly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from asynclint.cli import main

ROUTES = """\
from fastapi import APIRouter, Depends

from app.services.db import get_conn, load

router = APIRouter(prefix="/api")


@router.get("/a")
async def a():
    return load()


@router.get("/b")
async def b(conn=Depends(get_conn)):
    return conn
"""

DB = """\
import sqlite3
import time


def load():
    time.sleep(1)


async def get_conn():
    return sqlite3.connect("x")
"""

MAIN = """\
import time

from fastapi import FastAPI

from app.api.routes import router

app = FastAPI()
app.include_router(router)


@app.get("/m")
async def m():
    time.sleep(1)
"""


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "proj"
    files = {
        "pyproject.toml": '[project]\nname = "x"\n',
        "app/__init__.py": "",
        "app/api/__init__.py": "",
        "app/services/__init__.py": "",
        "app/main.py": MAIN,
        "app/api/routes.py": ROUTES,
        "app/services/db.py": DB,
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    monkeypatch.chdir(root)
    return root


def routes(*paths: str) -> dict[str, bool]:
    result = CliRunner().invoke(main, ["routes", "--no-cache", "--format", "json", *paths])
    assert result.exit_code == 0, result.output
    return {row["path"]: row["blocking"] for row in json.loads(result.stdout)}


# ---- routes judge every route by all its code ---------------------------------------------------


def test_routes_of_a_subfolder_are_judged_against_the_whole_project(app: Path) -> None:
    everything = routes(".")
    assert everything == {"/api/a": True, "/api/b": True, "/m": True}
    # Only the listing is limited; /api/b's dependency lives outside app/api.
    assert routes("app/api") == {"/api/a": True, "/api/b": True}
    assert routes("app/main.py") == {"/m": True}


# ---- paths that cannot be checked ---------------------------------------------------------------


@pytest.mark.parametrize("command", ["check", "routes"])
def test_a_missing_path_exits_2_for_every_command(app: Path, command: str) -> None:
    result = CliRunner().invoke(main, [command, "--no-cache", "app", "no_such_dir"])
    assert result.exit_code == 2, result.output
    assert "cannot check no_such_dir: no such file or directory" in result.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize("command", ["check", "routes"])
def test_a_named_path_that_is_not_a_file_or_folder_exits_2(app: Path, command: str) -> None:
    os.mkfifo(app / "pipe.py")
    result = CliRunner().invoke(main, [command, "--no-cache", "pipe.py"])
    assert result.exit_code == 2, result.output
    assert "cannot check pipe.py: not a regular file or folder" in result.stderr


# ---- a reader that stops early ------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["rules"],
        ["rules", "--format", "json"],
        ["rule", "AL251"],
        ["routes", "--no-cache", "."],
        ["check", "--no-cache", "--format", "json", "."],
        ["check", "--no-cache", "--diff", "."],
        ["--help"],
    ],
    ids=lambda args: " ".join(args),
)
def test_a_closed_pipe_ends_every_command_quietly(app: Path, args: list[str]) -> None:
    reader = subprocess.Popen(
        [sys.executable, "-m", "asynclint", *args],
        cwd=app,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert reader.stdout is not None and reader.stderr is not None
    reader.stdout.close()  # before the command writes anything, as `| head -0` would
    error = reader.stderr.read().decode()
    assert reader.wait(timeout=120) in (0, 1)
    assert error == ""


# ---- the checked code is never run ---------------------------------------------------------------


def test_python_m_asynclint_never_imports_the_checked_project(tmp_path: Path) -> None:
    """`python -m` puts the current folder on sys.path: a project's `queue.py` must not shadow
    the standard library's (importing it would run it)."""
    project = tmp_path / "proj"
    (project / ".git").mkdir(parents=True)
    marker = tmp_path / "imported"
    for name in ("queue", "json", "tokenize", "click", "libcst", "multiprocessing"):
        (project / f"{name}.py").write_text(
            f"open({str(marker)!r}, 'a').write({name!r})\n", encoding="utf-8"
        )
    for number in range(13):  # enough files for the process pool
        (project / f"app{number}.py").write_text(
            "import time\n\n\nasync def f():\n    time.sleep(1)\n", encoding="utf-8"
        )
    for args in (["check", "--format", "json"], ["check", "--diff"], ["routes"]):
        done = subprocess.run(
            [sys.executable, "-m", "asynclint", *args, "--no-cache", "."],
            cwd=project,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode in (0, 1), done.stderr
        assert "internal error" not in done.stderr
    assert not marker.exists(), marker.read_text(encoding="utf-8")
