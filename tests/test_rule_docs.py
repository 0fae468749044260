"""Rule docs: every rule is fully documented, its examples parse, docs/rules.md is current."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import libcst
import pytest

from asynclint.api import check_source
from asynclint.config import Settings
from asynclint.models import Severity
from asynclint.ruledocs import render_json, render_markdown, render_rule_markdown, render_text
from asynclint.rules import Rule, all_rules, get_rule, peer_code_map

RULES_MD = Path(__file__).resolve().parent.parent / "docs" / "rules.md"
KEBAB = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)+")
CODE = re.compile(r"AL\d{3}")
PEER = re.compile(r"ASYNC\d{3}")
REQUIRED = {
    "AL001", "AL200", "AL210", "AL212", "AL215", "AL220", "AL221", "AL222", "AL230", "AL232",
    "AL240", "AL250", "AL251", "AL260", "AL270", "AL280", "AL281", "AL290", "AL295",
}  # fmt: skip
SECTIONS = ("what_it_does", "why_bad", "example", "use_instead", "fix_safety", "summary")

RULES = list(all_rules().values())


def test_every_stable_code_has_a_rule() -> None:
    assert set(all_rules()) == REQUIRED


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_rule_is_fully_documented(rule: Rule) -> None:
    assert CODE.fullmatch(rule.code)
    assert KEBAB.fullmatch(rule.name), rule.name
    for section in SECTIONS:
        assert getattr(rule, section).strip(), f"{rule.code}: empty {section}"
    assert "\n" not in rule.summary
    assert not rule.summary.endswith(".")
    assert rule.example.strip() != rule.use_instead.strip()
    assert all(PEER.fullmatch(peer) for peer in rule.peer_codes)
    assert get_rule(rule.code.lower()) is rule


def test_names_are_unique() -> None:
    names = [rule.name for rule in RULES]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_examples_parse(rule: Rule) -> None:
    libcst.parse_module(rule.use_instead)
    if rule.code == "AL001":
        # The unparsable-file rule is illustrated by a file that does not parse.
        with pytest.raises(libcst.ParserSyntaxError):
            libcst.parse_module(rule.example)
    else:
        libcst.parse_module(rule.example)


@pytest.mark.parametrize("rule", [r for r in RULES if r.code != "AL001"], ids=lambda r: r.code)
def test_examples_show_async_code(rule: Rule) -> None:
    assert "async def" in rule.example
    assert "async def" in rule.use_instead


def _settings_for(rule: Rule) -> Settings:
    """AL200's example declares its blocking call in a pyproject comment: honour it."""
    declared = re.findall(r'^# "([\w.]+)" = "(.*)"$', rule.example, flags=re.MULTILINE)
    settings = Settings(extra_blocking_calls=tuple(declared)) if declared else Settings()
    if not rule.default:  # a rule off by default is selected by its code
        settings = replace(settings, select=(*settings.select, rule.code))
    return settings


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_example_is_flagged_and_use_instead_is_clean(rule: Rule) -> None:
    settings = _settings_for(rule)
    codes = {finding.code for finding in check_source(rule.example, "example.py", settings)}
    assert rule.code in codes
    assert check_source(rule.use_instead, "use_instead.py", settings) == []


def test_peer_codes_follow_flake8_async() -> None:
    expected = {
        "ASYNC200": "AL200", "ASYNC210": "AL210", "ASYNC212": "AL212", "ASYNC220": "AL220",
        "ASYNC221": "AL221", "ASYNC222": "AL222", "ASYNC230": "AL230", "ASYNC231": "AL230",
        "ASYNC232": "AL232", "ASYNC240": "AL240", "ASYNC250": "AL250", "ASYNC251": "AL251",
    }  # fmt: skip
    assert peer_code_map() == expected


def test_chains_through_helpers_are_documented() -> None:
    for rule in RULES:
        if rule.code not in ("AL001",):
            assert "chain" in rule.what_it_does, rule.code
    assert "chain" in render_markdown(RULES).split("| Code |")[0]


def test_render_text_has_every_section_with_indented_code() -> None:
    rule = all_rules()["AL251"]
    text = render_text(rule)
    headings = ["What it does", "Why is this bad?", "Example", "Use instead", "Fix safety"]
    positions = [text.index(f"\n{heading}\n") for heading in headings]
    assert positions == sorted(positions)
    assert text.startswith("AL251 blocking-sleep-in-async-function\n")
    assert "\n    time.sleep(1)\n" not in text  # the body line is indented twice (code + def)
    assert "\n        time.sleep(1)\n" in text
    assert "\n    import time\n" in text
    assert "ASYNC251" in text and rule.url in text


def test_render_json_round_trips_the_rule() -> None:
    rule = all_rules()["AL230"]
    data = render_json(rule)
    assert data["code"] == "AL230"
    assert data["peer_codes"] == ["ASYNC230", "ASYNC231"]
    assert data["url"] == rule.url
    assert data["severity"] == "medium"
    fields = {
        key: value for key, value in data.items() if key not in ("peer_codes", "url", "severity")
    }
    assert (
        Rule(
            **fields,  # type: ignore[arg-type]
            peer_codes=tuple(data["peer_codes"]),  # type: ignore[arg-type]
            severity=Severity(data["severity"]),
        )
        == rule
    )


def test_markdown_anchors_match_rule_urls() -> None:
    markdown = render_markdown(RULES)
    anchors = re.findall(r'<a id="([a-z0-9]+)"></a>', markdown)
    assert anchors == [rule.url.rsplit("#", 1)[1] for rule in sorted(RULES, key=lambda r: r.code)]
    for rule in RULES:
        assert f"| [{rule.code}](#{rule.code.lower()}) | `{rule.name}` |" in markdown
        assert f"```python\n{rule.example.strip()}\n```" in markdown


def test_markdown_of_one_rule_is_its_section() -> None:
    rule = all_rules()["AL260"]
    assert render_markdown(rule) == render_rule_markdown(rule)
    assert render_markdown(rule) in render_markdown(RULES)


def test_docs_rules_md_is_up_to_date() -> None:
    expected = render_markdown(all_rules().values())
    actual = RULES_MD.read_text(encoding="utf-8") if RULES_MD.exists() else ""
    assert actual == expected, (
        "docs/rules.md is out of date; regenerate it with "
        "`python -m asynclint.ruledocs > docs/rules.md`"
    )


def test_module_entry_point_prints_the_document() -> None:
    output = subprocess.run(
        [sys.executable, "-m", "asynclint.ruledocs"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert output == render_markdown(all_rules().values())
