"""Options shared by every output format."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

SourceReader = Callable[[str], "list[str] | None"]


@dataclass(frozen=True)
class ReportOptions:
    # text: the source line, a caret under the span, then the call chain as numbered hops.
    show_source: bool = False
    # The caller decides (see ``should_color``); reporters never look at the terminal.
    color: bool = False
    # text: a count per rule instead of one line per finding.
    statistics: bool = False
    files_checked: int = 0
    # Findings fixed by --fix, for the text summary.
    fixed: int = 0
    # Fixes that need --unsafe-fixes, for the text summary hint.
    fixable_hidden: int = 0
    # path -> lines of that file (without line endings), for show_source; None means read from disk.
    read_source: SourceReader | None = None
    # Unsafe fixes are enabled, so they count as fixable with --fix.
    unsafe_fixes: bool = False
    # sarif: the folder relative paths are relative to (``%SRCROOT%``), when known.
    source_root: Path | None = None


def should_color(stream: TextIO) -> bool:
    """Colour when ``stream`` is a terminal, unless NO_COLOR is set; FORCE_COLOR forces it.

    NO_COLOR wins over FORCE_COLOR (as in pytest): an explicit opt-out is never overridden.
    """
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR", "0") not in ("", "0"):
        return True
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False
