"""Guessed hops (a method matched by a name unique in the project) are opt-in, marked LOW."""

from __future__ import annotations

from dataclasses import replace

from asynclint.api import check_source
from asynclint.config import Settings
from asynclint.models import Confidence

SOURCE = '''\
import time


class ReportStore:
    def archive_everything(self) -> None:
        time.sleep(2)


async def nightly(store) -> None:
    store.archive_everything()


async def typed(store: ReportStore) -> None:
    store.archive_everything()
'''


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
