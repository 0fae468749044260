"""Output formats. Each format is a module with a pure ``render(findings, options) -> str``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from importlib import import_module

from asynclint.models import Finding
from asynclint.report.options import ReportOptions, should_color

__all__ = ["FORMATS", "FOR_REPOSITORIES", "ReportOptions", "render", "should_color"]

FORMATS = ("text", "json", "github", "sarif", "gitlab")
# Formats whose paths are relative to the repository root, not to the current folder.
FOR_REPOSITORIES = ("github", "sarif", "gitlab")

# The json format lives in ``json_format`` so that it does not shadow the stdlib module.
_MODULES = {
    "text": "text",
    "json": "json_format",
    "github": "github",
    "sarif": "sarif",
    "gitlab": "gitlab",
}

Renderer = Callable[[Sequence[Finding], ReportOptions], str]


def _renderer(fmt: str) -> Renderer:
    if fmt not in _MODULES:
        raise ValueError(f"unknown output format {fmt!r}; choose from {', '.join(FORMATS)}")
    module = import_module(f"{__name__}.{_MODULES[fmt]}")
    renderer: Renderer = module.render
    return renderer


def render(fmt: str, findings: Sequence[Finding], options: ReportOptions | None = None) -> str:
    """Render ``findings`` (already sorted) in format ``fmt``; the result ends with a newline
    unless it is empty."""
    return _renderer(fmt)(findings, options or ReportOptions())
