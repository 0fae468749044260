"""Benchmark every route twin: static verdict from asynclint, then K concurrent requests.

Usage: ``python -m demo_app.bench [--concurrency K] [--output FILE] [--chart FILE]``

Prints one row per route (sub-path, variant, static verdict, K, wall time, max loop lag,
runtime verdict), saves the rows as JSON, and draws a PNG chart when matplotlib is installed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from demo_app.measure import STALL_THRESHOLD, measure_scenarios
from demo_app.scenarios import SCENARIOS
from demo_app.servers import demo_servers
from demo_app.verdicts import APP_DIR, StaticAnalysisError, static_verdicts


@dataclass(frozen=True)
class Row:
    sub_path: str
    variant: str
    method: str
    route: str
    static_blocking: bool | None
    concurrency: int
    wall_seconds: float
    max_lag_seconds: float
    runtime_blocking: bool

    @property
    def agrees(self) -> bool | None:
        if self.static_blocking is None:
            return None
        return self.static_blocking == self.runtime_blocking


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m demo_app.bench", description=__doc__)
    parser.add_argument("--concurrency", "-k", type=int, default=6)
    parser.add_argument("--output", type=Path, default=APP_DIR / "bench_results.json")
    parser.add_argument("--chart", type=Path, help="PNG path (default: next to --output)")
    parser.add_argument("--upstream-latency", type=float, default=0.1)
    parser.add_argument("--work-seconds", type=float, default=0.3)
    return parser.parse_args(argv)


def load_static_verdicts() -> dict[tuple[str, str], bool]:
    try:
        return static_verdicts()
    except StaticAnalysisError as error:
        print(f"static verdicts unavailable: {error}", file=sys.stderr)
        return {}


def verdict(blocking: bool | None) -> str:
    return "n/a" if blocking is None else ("blocks" if blocking else "ok")


def print_table(rows: list[Row]) -> None:
    header = ("sub-path", "variant", "static", "K", "wall s", "max lag s", "runtime", "agree")
    lines = [header] + [
        (
            row.sub_path,
            row.variant,
            verdict(row.static_blocking),
            str(row.concurrency),
            f"{row.wall_seconds:.3f}",
            f"{row.max_lag_seconds:.3f}",
            verdict(row.runtime_blocking),
            {None: "n/a", True: "yes", False: "NO"}[row.agrees],
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for index, line in enumerate(lines):
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))
        if index == 0:
            print("  ".join("-" * width for width in widths))


def write_json(rows: list[Row], path: Path) -> None:
    payload = {
        "stall_threshold_seconds": STALL_THRESHOLD,
        "rows": [
            {
                "sub_path": row.sub_path,
                "variant": row.variant,
                "method": row.method,
                "route": row.route,
                "static_blocking": row.static_blocking,
                "concurrency": row.concurrency,
                "wall_seconds": round(row.wall_seconds, 4),
                "max_lag_seconds": round(row.max_lag_seconds, 4),
                "runtime_blocking": row.runtime_blocking,
                "agrees": row.agrees,
            }
            for row in rows
        ],
    }
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


def draw_chart(rows: list[Row], path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    labels = [f"{row.variant} {row.method} {row.sub_path}" for row in rows]
    lags_ms = [row.max_lag_seconds * 1000 for row in rows]
    colors = ["tab:red" if row.variant == "bad" else "tab:green" for row in rows]
    figure, axes = plt.subplots(figsize=(9, 0.35 * len(rows) + 1.5))
    axes.barh(labels, lags_ms, color=colors)
    axes.axvline(STALL_THRESHOLD * 1000, color="black", linestyle="--", label="stall threshold")
    axes.invert_yaxis()
    axes.set_xlabel(f"max event-loop lag (ms) during {rows[0].concurrency} concurrent requests")
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return True


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    static = load_static_verdicts()
    with demo_servers(upstream_latency=args.upstream_latency, work_seconds=args.work_seconds) as s:
        results = asyncio.run(measure_scenarios(s.app_url, SCENARIOS, args.concurrency))
    rows = []
    for scenario in SCENARIOS:
        for variant in scenario.variants:
            result = results[(scenario.sub_path, variant)]
            route = scenario.route_path(variant)
            rows.append(
                Row(
                    sub_path=scenario.sub_path,
                    variant=variant,
                    method=scenario.method,
                    route=route,
                    static_blocking=static.get((scenario.method, route)),
                    concurrency=result.requests,
                    wall_seconds=result.wall_seconds,
                    max_lag_seconds=result.max_lag_seconds,
                    runtime_blocking=result.stalled,
                )
            )
    print_table(rows)
    write_json(rows, args.output)
    print(f"\nsaved {args.output}")
    chart = args.chart or args.output.with_suffix(".png")
    if draw_chart(rows, chart):
        print(f"saved {chart}")
    return 0 if all(row.agrees is not False for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
