"""AL001 findings: a file asynclint could not read, parse, analyse or fix.

Each step that handles one file at a time (reading, extraction, describing fixes, applying them)
turns its failure on that file into one of these, and the run goes on with the other files.
"""

from __future__ import annotations

from asynclint.models import Finding, Span
from asynclint.rules import get_rule

# How an AL001 message starts for valid Python that LibCST rejects (not a syntax error).
LIBCST_REJECTS = "LibCST cannot parse this file"


def error_finding(
    path: str, message: str, line: int = 1, column: int = 1, *, headline: str = ""
) -> Finding:
    rule = get_rule("AL001")
    return Finding(
        code="AL001",
        name=rule.name if rule else "unparsable-file",
        message=f"{headline or 'File cannot be analysed'}: {message}",
        path=path,
        span=Span(line, column, line, column),
    )


def file_problem(path: str, headline: str, error: BaseException) -> Finding:
    """AL001 for ``path``, where one step failed with ``error``."""
    return error_finding(path, failure_reason(error), headline=headline)


def failure_reason(error: BaseException) -> str:
    """What went wrong, in words a user can act on."""
    if isinstance(error, RecursionError):
        return "it is nested too deeply for LibCST (RecursionError)"
    if isinstance(error, MemoryError):
        return "it needs more memory than is available (MemoryError)"
    if type(error).__name__ == "ParserSyntaxError":  # LibCST's, without importing LibCST
        return f"{LIBCST_REJECTS}: {getattr(error, 'message', error)}"
    return f"an internal error: {error!r} (please report it)"
