"""Text and JSON count only the fixes ``--fix`` / ``--unsafe-fixes`` will apply.

A finding whose requested fix cannot be written where it stands (an ``await`` in a ``finally:``
block, a call in a lambda) or must not be (code that needs the loop) shows its suggestion only:
no marker, not in the summary's counts, ``"applicability": "display"`` without edits in JSON.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from asynclint.cli import main

APP = """\
import asyncio
import time

import requests


def schedule(message):
    asyncio.get_running_loop().call_soon(print, message)
    time.sleep(0.1)


async def handler(url):
    time.sleep(0.1)
    requests.get(url)
    schedule("later")
    sizes = sum(len(requests.get(part).text) for part in url.split())
    try:
        await asyncio.sleep(0)
    finally:
        time.sleep(0.1)
    return sizes
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    (tmp_path / "app.py").write_text(APP, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str) -> str:
    return CliRunner().invoke(main, ["check", "--no-cache", *args, "app.py"]).output


def test_text_marks_only_fixes_that_apply(project: Path) -> None:
    output = run()
    marked = {
        int(match.group(1)): match.group(2)
        for match in re.finditer(
            r"app\.py:(\d+):\d+: AL\d+ (?:high |medium |low )?(\[\*\]|\[~\])?", output
        )
    }
    assert marked[13] == "[*]"  # time.sleep: the safe fix
    assert marked[14] == "[~]"  # requests.get: an unsafe offload
    assert marked[15] is None  # schedule() needs the loop: moving it would break it
    assert marked[16] is None  # an await would make the generator expression async
    assert marked[20] is None  # in `finally:` an await is where a cancellation lands
    assert "[*] 1 fixable with --fix." in output
    assert "(1 hidden fix can be enabled with --unsafe-fixes" in output
    assert "note: Not moved to a thread: `schedule → asyncio." in output


def test_the_summary_counts_what_the_fix_applies(project: Path) -> None:
    counts = re.search(r"\[\*\] (\d+) fixable", run("--unsafe-fixes"))
    assert counts is not None
    fixed = re.search(r"\((\d+) fixed", run("--fix", "--unsafe-fixes"))
    assert fixed is not None
    assert int(fixed.group(1)) == int(counts.group(1)) == 2


def test_json_tells_applicable_fixes_from_suggestions(project: Path) -> None:
    report = {item["line"]: item["fix"] for item in json.loads(run("--format", "json"))}
    assert report[13]["applicability"] == "safe" and report[13]["edits"]
    assert report[14]["applicability"] == "unsafe" and report[14]["edits"]
    for line in (15, 16, 20):
        assert report[line]["applicability"] == "display", line
        assert report[line]["edits"] == [], line
    assert report[15]["description"].startswith("Not moved to a thread: `schedule")
