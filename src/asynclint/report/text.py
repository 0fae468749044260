"""Human-readable output, in the spirit of ruff's concise and full formats.

    app/main.py:12:5: AL251 high [*] `time.sleep()` blocks the event loop in async route GET /
        help: use `await asyncio.sleep(...)`

The severity follows the code; findings are listed most severe first, then by place.
``[*]`` marks a finding that ``--fix`` repairs; ``[~]`` one that needs ``--unsafe-fixes`` too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from asynclint.models import Applicability, Finding, Severity
from asynclint.reading import read_text
from asynclint.report.options import ReportOptions

UNPARSABLE_CODE = "AL001"
SAFE_MARKER = "[*]"
UNSAFE_MARKER = "[~]"

_RESET = "\x1b[0m"
_STYLES = {
    "bold": "\x1b[1m",
    "red": "\x1b[1;31m",
    "cyan": "\x1b[36m",
    "blue": "\x1b[1;34m",
    "green": "\x1b[1;32m",
    "dim": "\x1b[2m",
    "yellow": "\x1b[33m",
}
_SEVERITY_STYLES = {Severity.HIGH: "red", Severity.MEDIUM: "yellow", Severity.LOW: "dim"}


class _Painter:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, style: str) -> str:
        if not self.enabled or not text:
            return text
        return f"{_STYLES[style]}{text}{_RESET}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _is_fixable(finding: Finding, options: ReportOptions) -> bool:
    fix = finding.fix
    if fix is None:
        return False
    if fix.applicability is Applicability.SAFE:
        return True
    return fix.applicability is Applicability.UNSAFE and options.unsafe_fixes


def _is_hidden_fix(finding: Finding, options: ReportOptions) -> bool:
    fix = finding.fix
    return (
        fix is not None and fix.applicability is Applicability.UNSAFE and not options.unsafe_fixes
    )


def _marker(finding: Finding, options: ReportOptions) -> str:
    if _is_fixable(finding, options):
        return SAFE_MARKER
    if _is_hidden_fix(finding, options):
        return UNSAFE_MARKER
    return ""


def _headline(finding: Finding, options: ReportOptions, paint: _Painter) -> str:
    location = (
        f"{paint(finding.path, 'bold')}{paint(':', 'cyan')}{finding.span.line}"
        f"{paint(':', 'cyan')}{finding.span.column}{paint(':', 'cyan')}"
    )
    marker = _marker(finding, options)
    parts = [location, paint(finding.code, "red")]
    if finding.code != UNPARSABLE_CODE:  # a file's problem, not a call's
        parts.append(paint(finding.severity.value, _SEVERITY_STYLES[finding.severity]))
    if marker:
        parts.append(paint(marker, "cyan"))
    parts.append(finding.message)
    return " ".join(parts)


def _read_from_disk(path: str) -> list[str] | None:
    try:
        return read_text(path, errors="replace").splitlines()
    except OSError:
        return None


def _source_block(finding: Finding, options: ReportOptions, paint: _Painter) -> list[str]:
    reader = options.read_source or _read_from_disk
    lines = reader(finding.path)
    span = finding.span
    if not lines or not 1 <= span.line <= len(lines):
        return []
    source = lines[span.line - 1].rstrip("\r\n")
    number = str(span.line)
    gutter = " " * len(number)
    start = max(span.column - 1, 0)
    end = span.end_column - 1 if span.end_line == span.line else len(source)
    end = max(min(end, len(source)), start + 1)
    # Keep tabs in the caret prefix so the carets line up under the code.
    prefix = "".join(ch if ch == "\t" else " " for ch in source[:start])
    bar = paint("|", "blue")
    return [
        f"{gutter} {bar}",
        f"{paint(number, 'blue')} {bar} {source}",
        f"{gutter} {bar} {prefix}{paint('^' * (end - start), 'red')}",
        f"{gutter} {bar}",
    ]


def _note(finding: Finding) -> str:
    """Why a finding has only a suggestion, where the engine said (e.g. the code needs the loop)."""
    fix = finding.fix
    if fix is None or fix.applicability is not Applicability.DISPLAY:
        return ""
    return fix.description if fix.description != finding.suggestion else ""


def _finding_block(finding: Finding, options: ReportOptions, paint: _Painter) -> list[str]:
    out = [_headline(finding, options, paint)]
    if not options.show_source:
        if finding.suggestion:
            out.append(f"    {paint('help', 'green')}: {finding.suggestion}")
        if _note(finding):
            out.append(f"    note: {_note(finding)}")
        return out
    out.extend(_source_block(finding, options, paint))
    if finding.suggestion:
        out.append(f"  = {paint('help', 'green')}: {finding.suggestion}")
    if finding.fix is not None and finding.fix.description:
        out.append(f"  = fix ({finding.fix.applicability.value}): {finding.fix.description}")
    if finding.chain:
        out.append("  = call chain:")
        width = len(str(len(finding.chain)))
        for index, hop in enumerate(finding.chain, start=1):
            where = paint(f"{hop.path}:{hop.line}", "bold")
            out.append(f"      {index:>{width}}. {where} {hop.name}")
    if finding.others:
        out.append("  = it also reaches:")
        for hop in finding.others:
            out.append(f"      - {paint(f'{hop.path}:{hop.line}', 'bold')} {hop.name}")
    out.append("")
    return out


def _statistics(findings: Sequence[Finding], options: ReportOptions, paint: _Painter) -> list[str]:
    counts = Counter(finding.code for finding in findings)
    names = {finding.code: finding.name for finding in findings}
    fixable = {finding.code for finding in findings if _is_fixable(finding, options)}
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    count_width = max(len(str(count)) for _, count in rows)
    code_width = max(len(code) for code, _ in rows)
    out = []
    for code, count in rows:
        marker = f" {SAFE_MARKER}" if code in fixable else ""
        out.append(
            f"{count:>{count_width}}  {paint(code.ljust(code_width), 'red')}  {names[code]}{marker}"
        )
    return out


def _summary(findings: Sequence[Finding], options: ReportOptions) -> list[str]:
    checked = f"{_plural(options.files_checked, 'file')} checked"
    if not findings:
        if options.fixed:
            found = _plural(options.fixed, "problem")
            return [f"Found {found} ({options.fixed} fixed, 0 remaining)."]
        return [f"All checks passed! ({checked})"]
    files = len({finding.path for finding in findings})
    if options.fixed:
        total = options.fixed + len(findings)
        head = (
            f"Found {_plural(total, 'problem')} ({options.fixed} fixed, "
            f"{len(findings)} remaining in {_plural(files, 'file')})."
        )
    else:
        head = f"Found {_plural(len(findings), 'problem')} in {_plural(files, 'file')} ({checked})."
    out = [head]
    fixable = sum(_is_fixable(finding, options) for finding in findings)
    hidden = options.fixable_hidden or sum(_is_hidden_fix(f, options) for f in findings)
    if fixable:
        out.append(f"{SAFE_MARKER} {fixable} fixable with --fix.")
    if hidden:
        fixes = _plural(hidden, "hidden fix").replace("fixs", "fixes")
        out.append(f"({fixes} can be enabled with --unsafe-fixes; marked {UNSAFE_MARKER})")
    return out


def render(findings: Sequence[Finding], options: ReportOptions) -> str:
    paint = _Painter(options.color)
    lines: list[str] = []
    if findings and options.statistics:
        lines.extend(_statistics(findings, options, paint))
    else:
        for finding in sorted(findings, key=lambda item: item.severity.rank):
            lines.extend(_finding_block(finding, options, paint))
    lines.extend(_summary(findings, options))
    return "\n".join(lines) + "\n"
