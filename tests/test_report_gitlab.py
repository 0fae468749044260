from __future__ import annotations

import json

from factories import make_finding

from asynclint.models import Confidence, Finding, Span
from asynclint.report import ReportOptions, render


def gitlab(findings: list[Finding]) -> list[dict[str, object]]:
    return json.loads(render("gitlab", findings, ReportOptions()))


def test_issue_shape() -> None:
    [issue] = gitlab([make_finding(span=Span(4, 5, 6, 1), suggestion="use asyncio.sleep")])
    assert set(issue) == {"description", "check_name", "fingerprint", "severity", "location"}
    assert issue["check_name"] == "AL251"
    assert issue["description"] == "`time.sleep()` blocks the event loop (help: use asyncio.sleep)"
    assert issue["severity"] == "major"
    assert issue["location"] == {"path": "app/main.py", "lines": {"begin": 4, "end": 6}}
    fingerprint = issue["fingerprint"]
    assert isinstance(fingerprint, str)
    assert len(fingerprint) == 64
    int(fingerprint, 16)


def test_severity() -> None:
    low, unparsable = gitlab([make_finding(confidence=Confidence.LOW), make_finding(code="AL001")])
    assert low["severity"] == "minor"
    assert unparsable["severity"] == "critical"


def test_fingerprints_unique_even_for_identical_calls() -> None:
    findings = [
        make_finding(),
        make_finding(span=Span(9, 5, 9, 18)),  # same call again in the same function
        make_finding(code="AL230"),
        make_finding(path="other.py"),
        make_finding(function="app.main.other"),
        make_finding(snippet="time.sleep(2)"),
    ]
    fingerprints = [issue["fingerprint"] for issue in gitlab(findings)]
    assert len(set(fingerprints)) == len(findings)


def test_fingerprints_stable_when_lines_shift() -> None:
    before = [make_finding(), make_finding(span=Span(9, 5, 9, 18))]
    after = [make_finding(span=Span(14, 9, 14, 22)), make_finding(span=Span(30, 1, 30, 14))]
    assert [i["fingerprint"] for i in gitlab(before)] == [i["fingerprint"] for i in gitlab(after)]


def test_fingerprint_changes_with_call_text() -> None:
    [before] = gitlab([make_finding()])
    [after] = gitlab([make_finding(snippet="time.sleep(5)")])
    assert before["fingerprint"] != after["fingerprint"]


def test_empty() -> None:
    assert gitlab([]) == []
