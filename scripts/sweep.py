"""Run asynclint over the installed stdlib and site-packages; fail on anything but a clean run.

    python scripts/sweep.py                 # every file (about a minute)
    python scripts/sweep.py --sample 500    # a deterministic sample, copied to a temporary folder

For each root it runs ``asynclint check --format json --no-cache --exit-zero`` in a subprocess
and checks that the run ended normally (exit 0, no "internal error"), that its output is a JSON
list of findings, that no file was left unanalysed (the AL001 a run reports for such a file),
and that asynclint checks exactly the ``.py`` files an independent walk of the root finds. The
test suite runs the sample (tests/test_sweep.py).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import site
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

# Nothing is excluded by name (the defaults skip `build/` and `env/` folders, which packages
# have); .gitignore files are honoured, and the walk below checks there are none to honour.
CONFIG = '[tool.asynclint]\nexclude = ["__pycache__"]\n'
NOT_ANALYSED = "did not analyse"


@dataclass
class RootResult:
    root: Path
    files: int  # .py files an independent walk found
    checked: int  # files asynclint checked
    findings: int
    al001: int
    seconds: float
    problems: list[str] = field(default_factory=list)


def default_roots() -> list[Path]:
    """The stdlib and every site-packages folder of this interpreter, none inside another."""
    candidates = [Path(sysconfig.get_paths()["stdlib"])]
    candidates += [Path(p) for p in site.getsitepackages()]
    candidates += [Path(sysconfig.get_paths()[key]) for key in ("purelib", "platlib")]
    roots: list[Path] = []
    for path in sorted({p.resolve() for p in candidates if p.is_dir()}):
        if not any(path.is_relative_to(root) for root in roots):
            roots.append(path)
    return roots


def python_files(root: Path) -> list[Path]:
    """Regular ``.py`` files below ``root``: no symlinks followed, virtualenvs skipped (as
    asynclint does), written independently of asynclint's discovery."""
    found = []
    for folder, dirs, files in os.walk(root):
        if ".gitignore" in files:
            raise SystemExit(f"{folder}/.gitignore: this walk does not model .gitignore files")
        dirs[:] = sorted(
            d
            for d in dirs
            if d != "__pycache__"
            and not os.path.islink(os.path.join(folder, d))
            and not os.path.exists(os.path.join(folder, d, "pyvenv.cfg"))
        )
        for name in sorted(files):
            path = os.path.join(folder, name)
            if name.endswith(".py") and not os.path.islink(path) and os.path.isfile(path):
                found.append(Path(path))
    return found


def sample(roots: Iterable[Path], limit: int, into: Path) -> list[Path]:
    """Copy every n-th file (in sorted order, n chosen to stay within ``limit``) of each root,
    with its folders, below ``into``; the copies' roots are returned."""
    everything = [
        (index, root, path) for index, root in enumerate(roots) for path in python_files(root)
    ]
    step = max(1, -(-len(everything) // limit))
    copies = []
    for index, root, path in everything[::step]:
        target = into / f"root{index}" / path.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        copies.append(into / f"root{index}")
    return sorted(set(copies))


def check_root(root: Path, config: Path) -> RootResult:
    """Run the checker over ``root`` and say what is wrong with the run, if anything."""
    from asynclint.config import load_settings
    from asynclint.discovery import discover

    files = python_files(root)
    checked = len(discover([root], load_settings(config)).targets)
    command = [
        sys.executable, "-m", "asynclint", "check", "--format", "json", "--no-cache",
        "--exit-zero", "--config", str(config), str(root),
    ]  # fmt: skip
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=root)
    seconds = time.perf_counter() - start
    result = RootResult(root, len(files), checked, 0, 0, seconds)
    if done.returncode != 0:
        result.problems.append(f"exit code {done.returncode}")
    if "internal error" in done.stderr or "Traceback" in done.stderr:
        result.problems.append(f"internal error: {done.stderr.strip()[-2000:]}")
    try:
        findings = json.loads(done.stdout)
        assert isinstance(findings, list) and all(isinstance(f, dict) for f in findings)
    except (ValueError, AssertionError):
        result.problems.append(f"not a JSON list of findings: {done.stdout[:200]!r}")
        return result
    result.findings = len(findings)
    al001 = [f for f in findings if f.get("code") == "AL001"]
    result.al001 = len(al001)
    unanalysed = [f["path"] for f in al001 if NOT_ANALYSED in f.get("message", "")]
    if unanalysed:
        result.problems.append(f"files not analysed: {unanalysed[:10]}")
    if checked != len(files):
        result.problems.append(f"asynclint checks {checked} files, the walk found {len(files)}")
    return result


def sweep(roots: list[Path]) -> list[RootResult]:
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "asynclint.toml"
        config.write_text(CONFIG, encoding="utf-8")
        return [check_root(root, config) for root in roots]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("roots", nargs="*", type=Path, help="default: stdlib and site-packages")
    parser.add_argument("--sample", type=int, help="check a copy of about this many files")
    args = parser.parse_args(argv)
    roots = [root.resolve() for root in args.roots] or default_roots()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        if args.sample:
            roots = sample(roots, args.sample, Path(folder))
        results = sweep(roots)
    failed = False
    for result in results:
        print(
            f"{result.root}: {result.files} files, {result.checked} checked, "
            f"{result.findings} findings ({result.al001} AL001), {result.seconds:.1f} s"
        )
        for problem in result.problems:
            failed = True
            print(f"  PROBLEM: {problem}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    total = sum(result.files for result in results)
    print(
        f"{total} files in {time.perf_counter() - start:.1f} s; "
        f"largest peak RSS of a checker process {peak:.0f} MB"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
