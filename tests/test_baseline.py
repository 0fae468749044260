from __future__ import annotations

import json
from pathlib import Path

import pytest
from factories import make_finding

from asynclint.baseline import (
    BaselineError,
    fingerprint,
    load_baseline,
    normalise_call_text,
    occurrence_fingerprints,
    write_baseline,
)
from asynclint.models import Span


def test_line_shift_keeps_fingerprint() -> None:
    moved = make_finding(span=Span(40, 9, 40, 22), message="reworded message")
    assert fingerprint(make_finding()) == fingerprint(moved)


@pytest.mark.parametrize(
    "change",
    [
        {"code": "AL230"},
        {"path": "app/other.py"},
        {"function": "app.main.other"},
        {"snippet": "time.sleep(2)"},
    ],
)
def test_identity_fields_change_fingerprint(change: dict[str, object]) -> None:
    assert fingerprint(make_finding()) != fingerprint(make_finding(**change))


def test_reformatted_call_keeps_fingerprint() -> None:
    reformatted = make_finding(snippet="time.sleep(\n    1,\n)")
    assert fingerprint(make_finding()) == fingerprint(reformatted)
    assert normalise_call_text("f( a ,\n  b )") == "f(a, b)"
    assert normalise_call_text("  g(x)\t ") == "g(x)"


def test_windows_path_separators_do_not_matter() -> None:
    assert fingerprint(make_finding(path="app\\main.py")) == fingerprint(make_finding())


def test_occurrence_fingerprints_disambiguate_identical_findings() -> None:
    findings = [make_finding(), make_finding(span=Span(9, 5, 9, 18)), make_finding(code="AL230")]
    unique = occurrence_fingerprints(findings)
    assert len(set(unique)) == 3
    assert unique[0].split(":")[0] == unique[1].split(":")[0]


def test_round_trip_filters_everything_old(tmp_path: Path) -> None:
    findings = [make_finding(), make_finding(path="b.py"), make_finding(snippet="open(p)")]
    path = tmp_path / "baseline.json"
    assert write_baseline(path, findings) == 3
    baseline = load_baseline(path)
    assert len(baseline) == 3
    shifted = [make_finding(span=Span(100, 1, 100, 14)), make_finding(path="b.py")]
    assert baseline.filter_new(shifted) == []


def test_changed_call_is_new(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    write_baseline(path, [make_finding()])
    changed = make_finding(snippet="time.sleep(10)")
    assert load_baseline(path).filter_new([make_finding(), changed]) == [changed]


def test_counts_matter(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    write_baseline(path, [make_finding()])
    first = make_finding()
    second = make_finding(span=Span(12, 5, 12, 18))
    assert load_baseline(path).filter_new([first, second]) == [second]


def test_fixed_findings_leave_nothing_new(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    write_baseline(path, [make_finding(), make_finding(span=Span(9, 1, 9, 2))])
    assert load_baseline(path).filter_new([make_finding()]) == []


def test_file_is_versioned_sorted_and_readable(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    write_baseline(path, [make_finding(path="z.py"), make_finding(path="a.py", code="AL230")])
    document = json.loads(path.read_text("utf-8"))
    assert document["version"] == 1
    entries = document["findings"]
    assert [entry["path"] for entry in entries] == ["a.py", "z.py"]
    assert entries[0] == {
        "fingerprint": fingerprint(make_finding(path="a.py", code="AL230")),
        "code": "AL230",
        "path": "a.py",
        "function": "app.main.handler",
        "call": "time.sleep(1)",
    }
    assert "line" not in entries[0]


def test_rewriting_same_findings_gives_identical_file(tmp_path: Path) -> None:
    first, second = tmp_path / "one.json", tmp_path / "two.json"
    findings = [make_finding(path="b.py"), make_finding(), make_finding(span=Span(7, 1, 7, 2))]
    write_baseline(first, findings)
    write_baseline(second, [make_finding(span=Span(70, 1, 70, 2)), *reversed(findings[:2])])
    assert first.read_text("utf-8") == second.read_text("utf-8")


def test_missing_file_error_names_it(tmp_path: Path) -> None:
    path = tmp_path / "nope.json"
    with pytest.raises(BaselineError, match=r"nope\.json.*does not exist"):
        load_baseline(path)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "not an asynclint baseline"),
        ('{"version": 99, "findings": []}', "version 99"),
        ('{"version": 1, "findings": [{"code": "AL251"}]}', "entry 0 has no fingerprint"),
    ],
)
def test_corrupt_file_error_names_it(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "corrupt.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(BaselineError) as raised:
        load_baseline(path)
    assert "corrupt.json" in str(raised.value)
    assert problem in str(raised.value)
