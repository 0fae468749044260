from __future__ import annotations

import json

import pytest
from factories import make_finding

from asynclint.models import Applicability, ChainHop, Confidence, Edit, Finding, Fix, Span
from asynclint.report import ReportOptions, json_format, render
from asynclint.rules import Rule

KEYS = [
    "code",
    "name",
    "message",
    "path",
    "line",
    "column",
    "end_line",
    "end_column",
    "suggestion",
    "confidence",
    "severity",
    "first_call_only",
    "context",
    "fix",
    "chain",
    "others",
    "implementations",
    "url",
]


def as_json(findings: list[Finding]) -> list[dict[str, object]]:
    out = render("json", findings, ReportOptions())
    assert out.startswith("[\n  {") or out == "[]\n"
    return json.loads(out)


def test_empty_is_empty_list() -> None:
    assert as_json([]) == []


def test_fields_in_stable_order_with_one_based_positions() -> None:
    finding = make_finding(
        suggestion="use asyncio.sleep",
        context="async route GET /",
        confidence=Confidence.LOW,
        chain=(ChainHop("load", "app/main.py", 4), ChainHop("time.sleep", "app/util.py", 9)),
    )
    [item] = as_json([finding])
    assert list(item) == KEYS
    assert (item["line"], item["column"], item["end_line"], item["end_column"]) == (4, 5, 4, 18)
    assert item["suggestion"] == "use asyncio.sleep"
    assert item["confidence"] == "low"
    assert item["context"] == "async route GET /"
    assert item["fix"] is None
    assert item["chain"] == [
        {"name": "load", "path": "app/main.py", "line": 4},
        {"name": "time.sleep", "path": "app/util.py", "line": 9},
    ]


def test_empty_optional_text_is_null() -> None:
    [item] = as_json([make_finding()])
    assert item["suggestion"] is None
    assert item["context"] is None
    assert item["chain"] == []


def test_fix_with_edits() -> None:
    fix = Fix(
        Applicability.UNSAFE,
        "Run in a thread",
        (
            Edit(Span(4, 5, 4, 18), "await asyncio.to_thread(time.sleep, 1)"),
            Edit(Span(1, 1, 1, 1), "import asyncio\n"),
        ),
    )
    [item] = as_json([make_finding(fix=fix)])
    assert item["fix"] == {
        "applicability": "unsafe",
        "description": "Run in a thread",
        "edits": [
            {
                "content": "await asyncio.to_thread(time.sleep, 1)",
                "location": {"line": 4, "column": 5},
                "end_location": {"line": 4, "column": 18},
            },
            {
                "content": "import asyncio\n",
                "location": {"line": 1, "column": 1},
                "end_location": {"line": 1, "column": 1},
            },
        ],
    }


def test_url_from_rule_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    rule = Rule("AL251", "blocking-sleep", "Sleep blocks", "", "", "", "", "")
    monkeypatch.setattr(json_format, "get_rule", {"AL251": rule}.get)
    known, unknown = as_json([make_finding(), make_finding(code="AL999")])
    assert known["url"] == rule.url
    assert unknown["url"] is None


def test_order_preserved_and_non_ascii_kept() -> None:
    findings = [make_finding(path="b.py"), make_finding(path="a.py", message="blocks — ü")]
    items = as_json(findings)
    assert [item["path"] for item in items] == ["b.py", "a.py"]
    assert items[1]["message"] == "blocks — ü"


def test_a_call_on_an_interface_says_how_many_implementations_block() -> None:
    from pathlib import Path

    from asynclint.api import check_paths
    from asynclint.config import Settings

    projects = Path(__file__).parent / "fixtures" / "projects"
    findings = check_paths([projects / "types_structural_protocols"], Settings(cache=False))
    rows = {row["line"]: row for row in as_json(findings.findings)}
    # `store.save` on a `Store`: `FileStore.save` writes a file, `ListStore.save` appends.
    assert rows[10]["implementations"] == {"method": "Store.save", "blocking": 1, "total": 2}
    assert "(in 1 of 2 implementations of `Store.save`)" in rows[10]["message"]
    # Routes whose dependency builds one known class call that class's method alone.
    findings = check_paths([projects / "types_interfaces"], Settings(cache=False))
    single = [row for row in as_json(findings.findings) if row["implementations"] is None]
    assert single, "a call with one target carries no implementations block"
