"""``asynclint verify -- COMMAND``: run the user's command (tests, a server under load) with a
loop-stall probe, and hold what really blocked the loop against the static findings.

This is the one place asynclint runs code, and only the command the user gives it. The probe
(:mod:`asynclint.verify.probe`) records the stack of every event-loop stall longer than a
threshold. A stall is attributed to the *call site on the loop*: the innermost frame of an
``async def`` (or async generator) of the project on the stalled thread's stack, the line a
static finding would be reported on. Each site is then *confirmed* (a static finding covers it)
or *missed* (a recall gap of the static analysis, with the runtime stack as evidence); static
findings whose code never stalled are not judged (the command may not have run them).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from asynclint.models import Finding

_PROBE = Path(__file__).with_name("probe.py")


@dataclass(frozen=True, slots=True)
class Frame:
    path: str
    line: int
    function: str
    is_async: bool


@dataclass(frozen=True, slots=True)
class Stall:
    duration_ms: float
    stack: tuple[Frame, ...]  # innermost first


@dataclass(slots=True)
class Site:
    """A call site in project code running on the loop where the loop stalled."""

    path: str
    line: int
    function: str
    stalls: list[Stall] = field(default_factory=list)
    finding: Finding | None = None

    @property
    def longest_ms(self) -> float:
        return max(stall.duration_ms for stall in self.stalls)

    def chain(self, root: Path) -> list[Frame]:
        """The frames from the site inward, down to the innermost (the blocking call)."""
        longest = max(self.stalls, key=lambda stall: stall.duration_ms)
        frames = list(longest.stack)
        for index, frame in enumerate(frames):
            if frame.is_async and _inside(frame.path, root):
                return list(reversed(frames[: index + 1]))
        return list(reversed(frames))


@dataclass(slots=True)
class Verification:
    command: list[str]
    returncode: int
    threshold_ms: float
    sites: list[Site] = field(default_factory=list)
    unattributed: list[Stall] = field(default_factory=list)  # no project coroutine on the stack

    @property
    def confirmed(self) -> list[Site]:
        return [site for site in self.sites if site.finding is not None]

    @property
    def missed(self) -> list[Site]:
        return [site for site in self.sites if site.finding is None]


def run_command(
    command: Sequence[str], threshold_ms: float, cwd: Path | None = None
) -> tuple[int, list[Stall]]:
    """Run ``command`` with the probe; its exit code and the stalls it recorded."""
    workdir = Path(tempfile.mkdtemp(prefix="asynclint-verify-"))
    try:
        shutil.copyfile(_PROBE, workdir / "sitecustomize.py")
        out = workdir / "stalls.jsonl"
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(workdir), env.get("PYTHONPATH")]))
        env["ASYNCLINT_VERIFY_OUT"] = str(out)
        env["ASYNCLINT_VERIFY_THRESHOLD_MS"] = str(threshold_ms)
        returncode = subprocess.call(list(command), env=env, cwd=cwd)
        return returncode, list(read_stalls(out))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def read_stalls(path: Path) -> Iterable[Stall]:
    """The stalls a run recorded: one per place a stall blocked at (a stall that blocked in two
    calls in turn is two), each as long as it was sampled there. A place sampled only in
    passing (for less than the threshold, not where most of the stall was spent) is not one."""
    if not path.is_file():
        return
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            try:
                record = json.loads(line)
                samples = record["samples"]
                interval = float(record["interval_ms"])
                # Sampling starts once the loop is late by the threshold: the first place it
                # blocked at also had those first milliseconds.
                weights = [float(count) * interval for _, count in samples]
                if weights:
                    weights[0] += float(record.get("threshold_ms", 0))
                total = sum(weights) or 1.0
                threshold = float(record.get("threshold_ms", 0))
                dominant = max(range(len(weights)), key=weights.__getitem__, default=-1)
                for index, ((stack, _), weight) in enumerate(zip(samples, weights, strict=True)):
                    share = float(record["duration_ms"]) * weight / total
                    if index != dominant and share < threshold:
                        continue
                    frames = tuple(Frame(str(p), int(n), str(f), bool(a)) for p, n, f, a in stack)
                    yield Stall(round(share, 1), frames)
            except (ValueError, KeyError, TypeError):
                continue  # a line cut short by a killed process


def attribute(
    stalls: Iterable[Stall], findings: Sequence[Finding], root: Path, cwd: Path
) -> tuple[list[Site], list[Stall]]:
    """Group stalls by their call site on the loop and match each site with a finding."""
    by_path: dict[str, list[Finding]] = {}
    for finding in findings:
        by_path.setdefault(str((cwd / finding.path).resolve()), []).append(finding)
    sites: dict[tuple[str, int], Site] = {}
    unattributed: list[Stall] = []
    for stall in stalls:
        frame = next(
            (f for f in stall.stack if f.is_async and _inside(f.path, root)),
            None,
        )
        if frame is None:
            unattributed.append(stall)
            continue
        resolved = str(Path(frame.path).resolve())
        site = sites.get((resolved, frame.line))
        if site is None:
            site = sites[(resolved, frame.line)] = Site(resolved, frame.line, frame.function)
            site.finding = _covering(by_path.get(resolved, ()), frame.line)
        site.stalls.append(stall)
    ordered = sorted(sites.values(), key=lambda site: -site.longest_ms)
    return ordered, unattributed


def _covering(findings: Iterable[Finding], line: int) -> Finding | None:
    """The finding reported for the call that runs on ``line`` (a call may span lines)."""
    for finding in findings:
        if finding.span.line <= line <= finding.span.end_line:
            return finding
    return None


def _inside(path: str, root: Path) -> bool:
    try:
        Path(path).resolve().relative_to(root)
    except (ValueError, OSError):
        return False
    return not any(part in ("site-packages", "dist-packages") for part in Path(path).parts)
