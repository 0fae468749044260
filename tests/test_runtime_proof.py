"""Runtime proof of the fixes: small programs run before and after ``--fix --unsafe-fixes``.

Each program in ``tests/fixtures/runtime/`` runs its ``main()`` under a heartbeat that measures
the event loop's longest stall (``_probe.py``) and prints what it returned. Its first line says
what the fix must achieve: ``# proof: fixed`` (a fix is applied) or ``# proof: kept`` (the
blocking code must stay where it is: moving it would break the program), and ``stalls`` when
the program stalls the loop before the fix.

After the fix, every program returns the same result with no new error; a fixed one no longer
stalls the loop and has no applicable fix left; a kept one still has its findings, each with a
display-only suggestion. The programs are fixed together, as one project, in a temporary copy;
everything runs in subprocesses.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

PROGRAMS = Path(__file__).parent / "fixtures" / "runtime"
SRC = Path(__file__).resolve().parents[1] / "src"
# A stall is a heartbeat gap this long (as for the demo app): after the fix there is none.
STALL = 0.15
# A program that stalls blocks clearly longer, so that a busy machine's noise cannot pass for
# a stall that went away, nor for one that stayed.
BLOCKED = 0.2
TIMEOUT = 120


@dataclass(frozen=True)
class Proof:
    fixed: bool
    stalls: bool


def proof_of(path: Path) -> Proof:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# proof: "), f"{path.name} does not say what it proves"
    words = first.removeprefix("# proof: ").split()
    assert words[0] in ("fixed", "kept"), path.name
    return Proof(fixed=words[0] == "fixed", stalls="stalls" in words[1:])


NAMES = sorted(path.stem for path in PROGRAMS.glob("*.py") if not path.name.startswith("_"))


def _environment() -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
    }


def _run_program(folder: Path, name: str) -> dict:
    done = subprocess.run(
        [sys.executable, f"{name}.py"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=_environment(),
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def _asynclint(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "asynclint", "check", "--no-cache", *args, "."],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=_environment(),
    )


@dataclass
class Runs:
    before: dict[str, dict]
    after: dict[str, dict]
    sources: dict[str, tuple[str, str]]  # before and after the fix
    report: dict[str, list[dict]]  # the re-check's findings, by program


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    folder = tmp_path_factory.mktemp("runtime") / "programs"
    shutil.copytree(PROGRAMS, folder)
    (folder / "pyproject.toml").write_text("[project]\nname = 'programs'\n", encoding="utf-8")
    before = {name: _run_program(folder, name) for name in NAMES}
    originals = {name: (folder / f"{name}.py").read_text(encoding="utf-8") for name in NAMES}
    fixing = _asynclint(folder, "--fix", "--unsafe-fixes")
    assert "internal error" not in fixing.stderr, fixing.stderr
    after = {name: _run_program(folder, name) for name in NAMES}
    recheck = _asynclint(folder, "--format", "json")
    report: dict[str, list[dict]] = {name: [] for name in NAMES}
    for item in json.loads(recheck.stdout):
        report.setdefault(Path(item["path"]).stem, []).append(item)
    sources = {
        name: (originals[name], (folder / f"{name}.py").read_text(encoding="utf-8"))
        for name in NAMES
    }
    return Runs(before, after, sources, report)


@pytest.mark.parametrize("name", NAMES)
def test_fix_keeps_the_program_working_and_the_loop_free(name: str, runs: Runs) -> None:
    proof = proof_of(PROGRAMS / f"{name}.py")
    before, after = runs.before[name], runs.after[name]
    original, fixed = runs.sources[name]
    assert before["error"] is None, before
    assert after["error"] is None, (after, fixed)
    assert after["result"] == before["result"], fixed
    if proof.stalls:
        assert before["max_gap"] >= BLOCKED, before
    remaining = runs.report[name]
    if proof.fixed:
        assert fixed != original
        assert not [item for item in remaining if item["fix"]["applicability"] != "display"]
        if proof.stalls:
            assert after["max_gap"] < STALL, (after, fixed)
    else:
        assert remaining, "the blocking code is still found"
        assert all(item["fix"]["applicability"] == "display" for item in remaining), remaining
        if proof.stalls:
            assert after["max_gap"] >= STALL, after  # still blocking: nothing moved


def test_the_fixed_programs_parse_and_the_fix_is_stable(runs: Runs, tmp_path: Path) -> None:
    """A second ``--fix --unsafe-fixes`` changes nothing."""
    for name in NAMES:
        compile(runs.sources[name][1], f"{name}.py", "exec", dont_inherit=True)
        (tmp_path / f"{name}.py").write_text(runs.sources[name][1], encoding="utf-8")
    shutil.copy(PROGRAMS / "_probe.py", tmp_path / "_probe.py")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'again'\n", encoding="utf-8")
    again = _asynclint(tmp_path, "--fix", "--unsafe-fixes")
    assert "internal error" not in again.stderr
    for name in NAMES:
        assert (tmp_path / f"{name}.py").read_text(encoding="utf-8") == runs.sources[name][1], name


def test_every_case_has_a_program() -> None:
    proofs = [proof_of(PROGRAMS / f"{name}.py") for name in NAMES]
    assert sum(proof.fixed for proof in proofs) >= 10
    assert sum(not proof.fixed for proof in proofs) >= 4
    assert sum(name.startswith("fastapi_") for name in NAMES) >= 3
