from __future__ import annotations

import io
import re

import pytest

from asynclint.models import Applicability, ChainHop, Edit, Finding, Fix, Span
from asynclint.report import FORMATS, ReportOptions, render, should_color

SOURCE = ["import time", "", "async def handler():", "    time.sleep(1)"]


def make_finding(**overrides: object) -> Finding:
    values: dict[str, object] = {
        "code": "AL251",
        "name": "blocking-sleep-in-async-function",
        "message": "`time.sleep()` blocks the event loop in async route GET /",
        "path": "app/main.py",
        "span": Span(4, 5, 4, 18),
        "suggestion": "use `await asyncio.sleep(1)`",
        "function": "app.main.handler",
        "snippet": "time.sleep(1)",
    }
    values.update(overrides)
    return Finding(**values)  # type: ignore[arg-type]


SAFE_FIX = Fix(Applicability.SAFE, "Use asyncio.sleep", (Edit(Span(4, 5, 4, 15), "await x"),))
UNSAFE_FIX = Fix(Applicability.UNSAFE, "Offload to a thread", ())


def text(findings: list[Finding], **options: object) -> str:
    return render("text", findings, ReportOptions(**options))  # type: ignore[arg-type]


def test_formats_are_all_renderable() -> None:
    for fmt in FORMATS:
        assert isinstance(render(fmt, [make_finding()], ReportOptions()), str)
    with pytest.raises(ValueError, match="unknown output format"):
        render("xml", [], ReportOptions())


def test_one_line_per_finding_with_help_below() -> None:
    out = text([make_finding()], files_checked=3).splitlines()
    assert out[0] == (
        "app/main.py:4:5: AL251 high `time.sleep()` blocks the event loop in async route GET /"
    )
    assert out[1] == "    help: use `await asyncio.sleep(1)`"
    assert out[2] == "Found 1 problem in 1 file (3 files checked)."


def test_no_help_line_without_suggestion() -> None:
    out = text([make_finding(suggestion="")], files_checked=1).splitlines()
    assert len(out) == 2
    assert "help" not in out[0] + out[1]


def test_summary_pluralises_and_counts_distinct_files() -> None:
    findings = [make_finding(), make_finding(span=Span(9, 1, 9, 4)), make_finding(path="b.py")]
    out = text(findings, files_checked=1)
    assert "Found 3 problems in 2 files (1 file checked)." in out


def test_clean_run_says_how_many_files_were_checked() -> None:
    assert text([], files_checked=7) == "All checks passed! (7 files checked)\n"
    assert text([], files_checked=1) == "All checks passed! (1 file checked)\n"


def test_all_fixed_summary() -> None:
    assert text([], fixed=2).startswith("Found 2 problems (2 fixed, 0 remaining).")


def test_partially_fixed_summary() -> None:
    out = text([make_finding()], fixed=2, files_checked=4)
    assert "Found 3 problems (2 fixed, 1 remaining in 1 file)." in out


def test_fix_markers_and_fixable_summary() -> None:
    findings = [
        make_finding(fix=SAFE_FIX),
        make_finding(path="b.py", fix=UNSAFE_FIX),
        make_finding(path="c.py"),
    ]
    lines = text(findings).splitlines()
    headlines = [line for line in lines if line.startswith(("app/", "b.py", "c.py"))]
    assert " AL251 high [*] " in headlines[0]
    assert " AL251 high [~] " in headlines[1]
    assert "[" not in headlines[2].split("AL251")[1].split("`")[0]
    assert "[*] 1 fixable with --fix." in lines
    assert "(1 hidden fix can be enabled with --unsafe-fixes; marked [~])" in lines


def test_unsafe_fixes_enabled_count_as_fixable() -> None:
    findings = [make_finding(fix=SAFE_FIX), make_finding(path="b.py", fix=UNSAFE_FIX)]
    out = text(findings, unsafe_fixes=True)
    assert "[*] 2 fixable with --fix." in out
    assert "[~]" not in out
    assert "hidden" not in out


def test_hidden_count_from_caller_wins() -> None:
    out = text([make_finding()], fixable_hidden=3)
    assert "(3 hidden fixes can be enabled with --unsafe-fixes; marked [~])" in out


def test_show_source_draws_caret_under_span_and_numbered_chain() -> None:
    chain = (
        ChainHop("app.main.load_user", "app/main.py", 4),
        ChainHop("sqlite3.connect", "app/db.py", 12),
    )
    finding = make_finding(chain=chain, fix=SAFE_FIX)
    out = text([finding], show_source=True, read_source=lambda path: SOURCE).splitlines()
    source_index = out.index("4 |     time.sleep(1)")
    assert out[source_index + 1] == "  |     ^^^^^^^^^^^^^"
    assert "  = help: use `await asyncio.sleep(1)`" in out
    assert "  = fix (safe): Use asyncio.sleep" in out
    assert "      1. app/main.py:4 app.main.load_user" in out
    assert "      2. app/db.py:12 sqlite3.connect" in out


def test_show_source_multiline_span_underlines_to_end_of_first_line() -> None:
    finding = make_finding(span=Span(4, 5, 6, 2))
    out = text([finding], show_source=True, read_source=lambda path: SOURCE).splitlines()
    assert out[out.index("4 |     time.sleep(1)") + 1] == "  |     ^^^^^^^^^^^^^"


def test_show_source_keeps_tabs_so_carets_align() -> None:
    finding = make_finding(span=Span(1, 2, 1, 6))
    out = text([finding], show_source=True, read_source=lambda path: ["\tsleep()"])
    assert "  | \t^^^^\n" in out


def test_show_source_without_readable_file_still_reports() -> None:
    finding = make_finding(path="does/not/exist.py")
    out = text([finding], show_source=True)
    assert out.startswith("does/not/exist.py:4:5: AL251")
    assert " | " not in out


def test_statistics_table_sorted_by_count() -> None:
    findings = [
        make_finding(code="AL230", name="blocking-open", fix=SAFE_FIX),
        make_finding(),
        make_finding(span=Span(8, 1, 8, 2)),
        make_finding(path="b.py"),
    ]
    lines = text(findings, statistics=True).splitlines()
    assert lines[0] == "3  AL251  blocking-sleep-in-async-function"
    assert lines[1] == "1  AL230  blocking-open [*]"
    assert "Found 4 problems in 2 files" in lines[2]
    assert not any(line.startswith("app/main.py:") for line in lines)


def test_colour_only_when_asked() -> None:
    plain = text([make_finding()])
    coloured = text([make_finding()], color=True)
    assert "\x1b[" not in plain
    assert "\x1b[1mapp/main.py\x1b[0m" in coloured
    assert "\x1b[1;31mAL251\x1b[0m" in coloured
    # Same text once the escapes are removed.
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_should_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    assert should_color(FakeTTY())
    assert not should_color(io.StringIO())
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert should_color(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not should_color(FakeTTY())
    assert not should_color(io.StringIO())
