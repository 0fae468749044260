from __future__ import annotations

from factories import make_finding

from asynclint.models import Confidence, Finding, Span
from asynclint.report import ReportOptions, render
from asynclint.report.github import escape_data, escape_property


def github(findings: list[Finding]) -> list[str]:
    out = render("github", findings, ReportOptions())
    assert out == "" or out.endswith("\n")
    return out.splitlines()


def test_one_line_span_has_columns() -> None:
    assert github([make_finding()]) == [
        "::error file=app/main.py,line=4,endLine=4,col=5,endColumn=18,"
        "title=asynclint (AL251)::`time.sleep()` blocks the event loop"
    ]


def test_multi_line_span_omits_columns() -> None:
    [line] = github([make_finding(span=Span(4, 5, 7, 2))])
    assert line.startswith("::error file=app/main.py,line=4,endLine=7,title=asynclint (AL251)::")
    assert "col=" not in line
    assert "endColumn=" not in line


def test_suggestion_on_second_line_of_message() -> None:
    [line] = github([make_finding(suggestion="use `asyncio.sleep`")])
    assert line.endswith("::`time.sleep()` blocks the event loop%0Ahelp: use `asyncio.sleep`")


def test_message_escaping() -> None:
    [line] = github([make_finding(message="100% blocked:\r\nnext, line")])
    message = line.split("::", 2)[2]
    # Data keeps ':' and ',' but escapes '%' first so that escapes are not double-escaped.
    assert message == "100%25 blocked:%0D%0Anext, line"


def test_property_escaping_in_path() -> None:
    [line] = github([make_finding(path="we,ird:dir/50%\nx.py")])
    properties = line.split("::", 2)[1]
    assert properties.startswith("error file=we%2Cird%3Adir/50%25%0Ax.py,line=4,")
    # Exactly the separators we wrote remain.
    assert properties.count(",") == 5


def test_escape_functions() -> None:
    assert escape_data("%0A") == "%250A"
    assert escape_data("a:b,c") == "a:b,c"
    assert escape_property("a:b,c%") == "a%3Ab%2Cc%25"


def test_low_confidence_is_a_warning() -> None:
    [line] = github([make_finding(confidence=Confidence.LOW)])
    assert line.startswith("::warning file=")


def test_one_command_per_finding_and_nothing_for_none() -> None:
    assert github([]) == []
    assert len(github([make_finding(), make_finding(path="b.py")])) == 2
