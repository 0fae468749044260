"""AL295: taking a thread lock is its own rule, off by default; while off, a lock is not a
blocking call at all (decision 0042)."""

from __future__ import annotations

import pytest

from asynclint.api import check_source
from asynclint.config import Settings

SOURCE = """\
import threading

lock = threading.Lock()
counts = {}


def bump(name):
    with lock:
        counts[name] = counts.get(name, 0) + 1


def save(name):
    with lock:
        with open("counts.txt", "a") as out:
            out.write(name)


async def count(name):
    with lock:
        counts[name] = 1
    lock.acquire()
    bump(name)
    save(name)
"""


def test_locks_are_not_reported_by_default_and_do_not_make_chains() -> None:
    (finding,) = check_source(SOURCE, "locks.py")
    assert finding.line == 23 and finding.code == "AL230"
    assert finding.chain[-1].name == "open"
    assert all("Lock" not in hop.name for hop in finding.others)


def test_selected_by_its_code_locks_are_low_severity_findings() -> None:
    findings = check_source(SOURCE, "locks.py", Settings(select=("AL", "AL295")))
    by_line = {finding.line: finding for finding in findings}
    assert {line for line, f in by_line.items() if f.code == "AL295"} == {19, 21, 22}
    assert all(f.severity.value == "low" for f in findings if f.code == "AL295")
    assert by_line[23].code == "AL230"  # the file is still the chain shown: more severe


@pytest.mark.parametrize(
    ("select", "selected"),
    [(("AL",), False), (("AL2",), False), (("AL29",), False), (("AL295",), True), (("ALL",), True)],
)
def test_an_opt_in_rule_is_selected_by_its_code(select: tuple[str, ...], selected: bool) -> None:
    assert Settings(select=select).is_selected("AL295") is selected
    assert not Settings(select=select, ignore=("AL295",)).is_selected("AL295")
