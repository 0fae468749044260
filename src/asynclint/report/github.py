"""GitHub Actions workflow commands: one annotation per finding.

::error file=app.py,line=3,endLine=3,col=5,endColumn=18,title=asynclint (AL251)::message
"""

from __future__ import annotations

from collections.abc import Sequence

from asynclint.models import Finding
from asynclint.report.levels import level
from asynclint.report.options import ReportOptions


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _level(finding: Finding) -> str:
    return level(finding, ("error", "warning", "notice"))


def _properties(finding: Finding) -> str:
    span = finding.span
    pairs = [("file", finding.path), ("line", str(span.line)), ("endLine", str(span.end_line))]
    # GitHub ignores columns on multi-line annotations, so send them only for one-line spans.
    if span.line == span.end_line:
        pairs += [("col", str(span.column)), ("endColumn", str(span.end_column))]
    pairs.append(("title", f"asynclint ({finding.code})"))
    return ",".join(f"{key}={escape_property(value)}" for key, value in pairs)


def _message(finding: Finding) -> str:
    text = finding.message
    if finding.suggestion:
        text += f"\nhelp: {finding.suggestion}"
    return escape_data(text)


def render(findings: Sequence[Finding], options: ReportOptions) -> str:
    return "".join(
        f"::{_level(finding)} {_properties(finding)}::{_message(finding)}\n" for finding in findings
    )
