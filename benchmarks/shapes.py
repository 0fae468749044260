"""Shared pieces of the scale benchmarks: timing a cold run, and printing medians by size.

Each benchmark generates (or copies) a tree per size, runs ``asynclint check`` on it cold (an
empty cache folder of its own) in a subprocess, and reports per size the median wall time, the
median CPU time (user + system, the process and its workers), the peak RSS of the largest
process and the wall time per unit of size: a cost that grows linearly keeps that last column
flat. ``--src`` measures another checkout's code (e.g. a baseline) with the same script.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO_SRC = Path(__file__).resolve().parents[1] / "src"

# Runs COMMAND; prints wall seconds, exit code, CPU seconds and the largest child's max RSS.
_WRAPPER = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE).returncode
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
peak = usage.ru_maxrss // (1024 if sys.platform == "darwin" else 1)
print(json.dumps({"wall": wall, "rc": code, "cpu": usage.ru_utime + usage.ru_stime,
                  "rss_kib": peak}))
"""


@dataclass
class Row:
    size: int
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    rss_kib: list[int] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return statistics.median(self.walls)

    @property
    def cpu(self) -> float:
        return statistics.median(self.cpus)

    @property
    def rss_mib(self) -> float:
        return max(self.rss_kib) / 1024


def child_env(src: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src), env.get("PYTHONPATH")]))
    return env


def cold_run(tree: Path, cache: Path, src: Path, extra: Sequence[str] = ()) -> dict[str, float]:
    """One cold ``asynclint check`` of ``tree`` (text report, exit code ignored)."""
    command = [
        sys.executable,
        "-m",
        "asynclint",
        "check",
        str(tree),
        "--exit-zero",
        "-o",
        os.devnull,
        "--cache-dir",
        str(cache),
        *extra,
    ]
    done = subprocess.run(
        [sys.executable, "-c", _WRAPPER, *command],
        capture_output=True,
        text=True,
        check=True,
        env=child_env(src),
        cwd=tree,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    if report["rc"] != 0:
        raise SystemExit(f"asynclint failed (exit {report['rc']}) on {tree}")
    return report


def parser(description: str, sizes: str, unit: str) -> argparse.ArgumentParser:
    found = argparse.ArgumentParser(description=description)
    found.add_argument("--runs", type=int, default=3, help="cold runs per size (default 3)")
    found.add_argument("--sizes", default=sizes, help=f"{unit} per tree (default {sizes})")
    found.add_argument("--src", type=Path, default=REPO_SRC, help="asynclint source to measure")
    found.add_argument("--json", type=Path, help="also save the results here")
    return found


def run(
    args: argparse.Namespace,
    shape: str,
    unit: str,
    make: Callable[[Path, int], None],
    extra: Sequence[str] = (),
) -> list[Row]:
    sizes = [int(size) for size in args.sizes.split(",")]
    rows = []
    with tempfile.TemporaryDirectory(prefix=f"asynclint-{shape}-") as work:
        for size in sizes:
            tree = Path(work) / f"tree-{size}"
            tree.mkdir()
            make(tree, size)
            row = Row(size)
            for index in range(args.runs):
                cache = Path(work) / f"cache-{size}-{index}"
                report = cold_run(tree, cache, args.src.resolve(), extra)
                row.walls.append(report["wall"])
                row.cpus.append(report["cpu"])
                row.rss_kib.append(report["rss_kib"])
                print(
                    f"  {shape} {size} {unit} run {index + 1}/{args.runs}: "
                    f"{report['wall']:.2f}s wall, {report['cpu']:.2f}s CPU",
                    file=sys.stderr,
                )
            rows.append(row)
    report_rows(args, shape, unit, rows)
    return rows


def report_rows(args: argparse.Namespace, shape: str, unit: str, rows: list[Row]) -> None:
    print(f"{shape}: cold runs of asynclint from {args.src}, medians of {args.runs}")
    header = (
        f"{unit:>10} {'wall s':>8} {'CPU s':>8} {'peak RSS MiB':>13} "
        f"{'ms/' + unit[:-1]:>10} {'x size':>7} {'x wall':>7}"
    )
    print(header)
    print("-" * len(header))
    first = rows[0]
    for row in rows:
        per_unit = row.wall / row.size * 1000
        print(
            f"{row.size:>10,} {row.wall:>8.2f} {row.cpu:>8.2f} {row.rss_mib:>13.1f} "
            f"{per_unit:>10.3f} {row.size / first.size:>7.1f} {row.wall / first.wall:>7.1f}"
        )
    if args.json:
        payload = {
            "shape": shape,
            "src": str(args.src),
            "runs": args.runs,
            "rows": [
                {**asdict(row), "wall": row.wall, "cpu": row.cpu, "rss_mib": row.rss_mib}
                for row in rows
            ],
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
