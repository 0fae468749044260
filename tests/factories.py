"""Finding values for reporter and baseline tests (the engine builds real ones), and small
project trees written to disk."""

from __future__ import annotations

import textwrap
from pathlib import Path

from asynclint.models import Finding, Span


def write_tree(root: Path, files: dict[str, str], *, dedent: bool = False) -> Path:
    """Write ``files`` (relative path -> text) under ``root``, folders included."""
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text) if dedent else text, encoding="utf-8")
    return root


def make_finding(**overrides: object) -> Finding:
    values: dict[str, object] = {
        "code": "AL251",
        "name": "blocking-sleep-in-async-function",
        "message": "`time.sleep()` blocks the event loop",
        "path": "app/main.py",
        "span": Span(4, 5, 4, 18),
        "function": "app.main.handler",
        "snippet": "time.sleep(1)",
    }
    values.update(overrides)
    return Finding(**values)  # type: ignore[arg-type]
