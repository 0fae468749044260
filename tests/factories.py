"""Finding values for reporter and baseline tests (the engine builds real ones)."""

from __future__ import annotations

from asynclint.models import Finding, Span


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
