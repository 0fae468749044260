"""Report building on top of a synchronous data-warehouse client."""

from __future__ import annotations

import time

from demo_app.settings import settings


def load_report_rows(name: str) -> list[dict[str, object]]:
    # Stand-in for a synchronous warehouse query that takes a while to answer.
    time.sleep(settings.work_seconds)
    return [{"region": region, "sales": 100 + index} for index, region in enumerate("NESW")]


def build_report(name: str) -> dict[str, object]:
    rows = load_report_rows(name)
    return {"report": name, "rows": rows, "total": sum(int(row["sales"]) for row in rows)}
