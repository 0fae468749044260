"""Engine choices: guessed hops are opt-in and marked LOW; which fix each finding is offered."""

from __future__ import annotations

from dataclasses import replace

from asynclint.api import check_source
from asynclint.config import Settings
from asynclint.models import Confidence

SOURCE = """\
import time


class ReportStore:
    def archive_everything(self) -> None:
        time.sleep(2)


async def nightly(store) -> None:
    store.archive_everything()


async def typed(store: ReportStore) -> None:
    store.archive_everything()
"""


def test_guessed_receiver_is_hidden_by_default() -> None:
    findings = check_source(SOURCE, "jobs.py")
    assert [(f.line, f.confidence) for f in findings] == [(14, Confidence.HIGH)]


def test_guessed_receiver_is_reported_as_low_confidence_on_request() -> None:
    findings = check_source(SOURCE, "jobs.py", replace(Settings(), confidence="low"))
    assert [(f.line, f.confidence) for f in findings] == [
        (10, Confidence.LOW),
        (14, Confidence.HIGH),
    ]
    low = findings[0]
    assert low.code == "AL251"
    assert [(hop.name, hop.line) for hop in low.chain] == [
        ("jobs.ReportStore.archive_everything", 10),
        ("time.sleep", 6),
    ]


def test_common_method_names_are_never_guessed() -> None:
    source = SOURCE.replace("archive_everything", "get")
    findings = check_source(source, "jobs.py", replace(Settings(), confidence="low"))
    assert [(f.line, f.confidence) for f in findings] == [(14, Confidence.HIGH)]


def test_with_items_and_sync_loop_code_get_a_suggestion_not_an_edit() -> None:
    """Offloading `open()` alone would still enter and leave the file on the loop."""
    source = (
        "async def read(path: str) -> str:\n"
        "    with open(path) as handle:\n"
        "        return handle.read()\n"
    )
    fixes = {f.line: f.fix for f in check_source(source, "files.py")}
    assert fixes[2] is not None and fixes[2].applicability.value == "display"
    assert fixes[2].description and not fixes[2].edits
    assert fixes[3] is not None and fixes[3].kind == "to-thread"


HIGHER_ORDER = """\
import threading
import time


def in_worker(fn):
    thread = threading.Thread(target=lambda: fn())
    thread.start()
    return fn()


def nap():
    time.sleep(1)


async def handler():
    in_worker(nap)
"""


def test_a_helper_calling_its_argument_runs_it_on_the_loop() -> None:
    findings = check_source(HIGHER_ORDER, "tasks.py")
    assert [(f.line, f.code) for f in findings] == [(16, "AL251")]
    assert [hop.name for hop in findings[0].chain] == ["tasks.in_worker", "tasks.nap", "time.sleep"]


def test_a_declared_offload_wrapper_does_not() -> None:
    settings = replace(Settings(), extra_offload_wrappers=("tasks.in_worker",))
    assert check_source(HIGHER_ORDER, "tasks.py", settings) == []


ROUTE_CALLED_BY_PROJECT_CODE = """\
import requests
from fastapi import FastAPI

app = FastAPI()


@app.get("/report")
async def report():
    return requests.get("https://example.com", timeout=5).json()


class Scheduler:
    def nightly(self):
        result = report()
        return result
"""


def test_an_async_route_that_project_code_calls_is_not_offered_make_sync() -> None:
    # Turning `report` into `def` would break `report()` in Scheduler.nightly, whose body
    # nothing on the loop reaches (it is parsed only to look for such calls).
    [called] = check_source(ROUTE_CALLED_BY_PROJECT_CODE, "routes.py")
    assert called.fix is not None and called.fix.kind == "to-thread"
    uncalled = ROUTE_CALLED_BY_PROJECT_CODE.replace("result = report()", "result = None")
    [alone] = check_source(uncalled, "routes.py")
    assert alone.fix is not None and alone.fix.kind == "make-sync"


def test_a_call_on_an_expression_is_shown_as_written() -> None:
    source = (
        "from pathlib import Path\n"
        "\n"
        "async def serve(base: Path, name: str) -> bool:\n"
        "    return (base / name).resolve().is_file()\n"
    )
    messages = [finding.message for finding in check_source(source, "paths.py")]
    assert any(message.startswith("`(base / name).resolve()`") for message in messages), messages
