"""Time asynclint on a copy of the running Python's standard library (cold, warm, one file touched).

The stdlib (without site-packages) is copied once into a temporary folder so that "touching" a file
never changes the real installation. Each measurement runs the CLI as a subprocess through a tiny
wrapper process that reports wall time and the peak RSS of the largest process it waited for.

    python benchmarks/bench_stdlib.py --runs 5 --json bench.json

Cold, warm and touched runs use the default text report; cold and warm are also timed with
``--format json``, which describes every fix with its edits. If ``ruff`` is on PATH,
``ruff check --select ASYNC`` is timed on the same tree for the ratios (targets: cold <= 20x ruff,
warm <= 1.5x ruff).
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

COLD_TARGET, WARM_TARGET = 20.0, 1.5
# Measure this checkout's code, not whatever copy of asynclint happens to be installed.
REPO_SRC = Path(__file__).resolve().parents[1] / "src"
# The file that gets a comment appended before each "touched" run: it must hold async code.
TOUCH_CANDIDATES = ("asyncio/tasks.py", "asyncio/streams.py", "asyncio/base_events.py")

# Runs COMMAND, then prints wall seconds, exit code and the largest child's max RSS (KiB on Linux).
_WRAPPER = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE).returncode
wall = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
if sys.platform == "darwin":
    peak //= 1024
print(json.dumps({"wall": wall, "rc": code, "rss_kib": peak}))
"""


@dataclass
class Series:
    name: str
    walls: list[float] = field(default_factory=list)
    rss_kib: list[int] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.walls)

    @property
    def minimum(self) -> float:
        return min(self.walls)

    @property
    def peak_rss_mib(self) -> float:
        return max(self.rss_kib) / 1024


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    if (REPO_SRC / "asynclint").is_dir():
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_SRC), env.get("PYTHONPATH")]))
    return env


def measure(command: Sequence[str], *, ok_codes: Sequence[int] = (0,)) -> tuple[float, int]:
    done = subprocess.run(
        [sys.executable, "-c", _WRAPPER, *command],
        capture_output=True,
        text=True,
        check=True,
        env=child_env(),
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    if report["rc"] not in ok_codes:
        raise SystemExit(f"command failed with exit code {report['rc']}: {' '.join(command)}")
    return report["wall"], report["rss_kib"]


def copy_stdlib(source: Path, destination: Path) -> tuple[int, int]:
    """Copy the Python files of ``source`` (no site-packages, no caches); return files and lines."""
    files = lines = 0
    for folder, dirnames, filenames in os.walk(source):
        dirnames[:] = sorted(d for d in dirnames if d not in ("site-packages", "__pycache__"))
        relative = Path(folder).relative_to(source)
        for name in filenames:
            if not name.endswith(".py"):
                continue
            target = destination / relative / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(Path(folder) / name, target)
            files += 1
            lines += (Path(folder) / name).read_bytes().count(b"\n")
    return files, lines


def asynclint_command(tree: Path, cache_dir: Path, output_format: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "asynclint",
        "check",
        str(tree),
        "--exclude",
        "site-packages",
        "--exit-zero",
        "--format",
        output_format,
        "-o",
        os.devnull,
        "--cache-dir",
        str(cache_dir),
    ]


def cached_entries(cache_dir: Path) -> int:
    """Cache entries written by a cold run = files asynclint actually parsed."""
    return sum(1 for _ in (cache_dir / "facts").glob("*/*.msgpack"))


def files_checked(tree: Path, cache_dir: Path) -> int | None:
    """Files asynclint reports as checked (from the text summary line)."""
    command = asynclint_command(tree, cache_dir, "text")
    command[command.index("-o") : command.index("-o") + 2] = []
    done = subprocess.run(command, capture_output=True, text=True, env=child_env())
    match = re.search(r"(\d+) files? checked", done.stdout)
    return int(match.group(1)) if match else None


def asynclint_origin() -> str:
    code = "import asynclint; print(asynclint.__version__, asynclint.__file__)"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=child_env()
    )
    return done.stdout.strip()


def touch(path: Path, counter: int) -> None:
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(f"# asynclint benchmark touch {counter}\n")


def run(runs: int, stdlib: Path, work: Path) -> dict[str, object]:
    tree = work / "stdlib"
    print(f"copying {stdlib} (without site-packages) to {tree} ...", file=sys.stderr)
    files, lines = copy_stdlib(stdlib, tree)
    touched = next((tree / c for c in TOUCH_CANDIDATES if (tree / c).is_file()), None)
    if touched is None or b"async def" not in touched.read_bytes():
        raise SystemExit("no file with async code to touch in the copied stdlib")

    series: dict[str, Series] = {}
    parsed: int | None = None
    # The default text report, then JSON, which also describes every fix (edits included).
    for output_format, name in (("text", "asynclint cold"), ("json", "asynclint cold, json")):
        cold = series[name] = Series(name)
        for index in range(runs):
            cache_dir = work / f"cache-cold-{output_format}-{index}"
            wall, rss = measure(asynclint_command(tree, cache_dir, output_format))
            cold.walls.append(wall)
            cold.rss_kib.append(rss)
            parsed = cached_entries(cache_dir)
            print(f"  {name} {index + 1}/{runs}: {wall:.2f}s", file=sys.stderr)

    shared = work / "cache-shared"
    measure(asynclint_command(tree, shared, "json"))  # prime
    for output_format, name in (("text", "asynclint warm"), ("json", "asynclint warm, json")):
        warm = series[name] = Series(name)
        for index in range(runs):
            wall, rss = measure(asynclint_command(tree, shared, output_format))
            warm.walls.append(wall)
            warm.rss_kib.append(rss)
            print(f"  {name} {index + 1}/{runs}: {wall:.2f}s", file=sys.stderr)

    one = series["asynclint 1 file touched"] = Series("asynclint 1 file touched")
    for index in range(runs):
        touch(touched, index)
        wall, rss = measure(asynclint_command(tree, shared, "text"))
        one.walls.append(wall)
        one.rss_kib.append(rss)
        print(f"  touched {index + 1}/{runs}: {wall:.2f}s", file=sys.stderr)

    checked = files_checked(tree, shared)

    ruff = shutil.which("ruff")
    if ruff:
        ruff_series = series["ruff --select ASYNC"] = Series("ruff --select ASYNC")
        for index in range(runs):
            wall, rss = measure(
                [ruff, "check", "--no-cache", "--select", "ASYNC", "--exit-zero", "-q", str(tree)]
            )
            ruff_series.walls.append(wall)
            ruff_series.rss_kib.append(rss)
            print(f"  ruff {index + 1}/{runs}: {wall:.2f}s", file=sys.stderr)

    return {
        "asynclint": asynclint_origin(),
        "python": sys.version.split()[0],
        "stdlib": str(stdlib),
        "files": files,
        "lines": lines,
        "files_checked": checked,
        "files_parsed_cold": parsed,
        "touched_file": touched.relative_to(tree).as_posix(),
        "runs": runs,
        "cpus": os.cpu_count(),
        "series": {
            name: {
                **asdict(s),
                "median": s.median,
                "min": s.minimum,
                "lines_per_s": lines / s.median,
                "peak_rss_mib": s.peak_rss_mib,
            }
            for name, s in series.items()
        },
    }


def print_table(result: dict[str, object]) -> None:
    series: dict[str, dict[str, float]] = result["series"]  # type: ignore[assignment]
    print(
        f"stdlib {result['stdlib']} (Python {result['python']}, {result['cpus']} CPUs): "
        f"{result['files']} files, {result['lines']:,} lines; asynclint checked "
        f"{result['files_checked']}, parsed {result['files_parsed_cold']} on a cold run; "
        f"runs={result['runs']}"
    )
    print(f"asynclint {result['asynclint']}")
    header = f"{'what':<26} {'median s':>9} {'min s':>8} {'lines/s':>11} {'peak RSS MiB':>13}"
    print(header)
    print("-" * len(header))
    for name, row in series.items():
        print(
            f"{name:<26} {row['median']:>9.2f} {row['min']:>8.2f} {row['lines_per_s']:>11,.0f} "
            f"{row['peak_rss_mib']:>13.1f}"
        )
    ruff = series.get("ruff --select ASYNC")
    if ruff:
        for label, name, target in (
            ("cold / ruff", "asynclint cold", COLD_TARGET),
            ("cold json / ruff", "asynclint cold, json", None),
            ("warm / ruff", "asynclint warm", WARM_TARGET),
            ("warm json / ruff", "asynclint warm, json", None),
            ("touched / ruff", "asynclint 1 file touched", None),
        ):
            ratio = series[name]["median"] / ruff["median"]
            if target is None:
                print(f"{label:<16} {ratio:6.1f}x")
            else:
                verdict = "ok" if ratio <= target else "OVER"
                print(f"{label:<16} {ratio:6.1f}x   (target <= {target:g}x: {verdict})")
    else:
        print("ruff not on PATH: no ratios")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="measurements per series (default 5)")
    parser.add_argument("--json", type=Path, help="also save the results here")
    parser.add_argument(
        "--stdlib",
        type=Path,
        default=Path(sysconfig.get_paths()["stdlib"]),
        help="standard library folder to copy (default: this Python's)",
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    # Installed packages carry bytecode; with PYTHONDONTWRITEBYTECODE set, every run would
    # otherwise compile asynclint itself (~0.1 s, in each worker process too).
    compileall.compile_dir(REPO_SRC, quiet=1)
    with tempfile.TemporaryDirectory(prefix="asynclint-bench-") as work:
        result = run(args.runs, args.stdlib.resolve(), Path(work))
    print_table(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
