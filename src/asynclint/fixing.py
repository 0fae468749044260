"""The ``--fix`` / ``--diff`` loop: check, apply fixes, re-check until stable, then write.

Files are changed in memory first; the whole project is re-analysed on the new text each round (a
fix in one module can change findings in its callers). Nothing is written unless the result parses,
and writes are atomic with the file's own encoding and newlines.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from asynclint.api import Session, display_path, open_session, result_of
from asynclint.cache import content_key
from asynclint.config import Settings
from asynclint.facts import decode_source
from asynclint.models import Applicability, Finding, Fix, RunResult
from asynclint.problems import file_problem
from asynclint.reading import read_bytes
from asynclint.writing import ChangedMeanwhile, replace_if_unchanged

if TYPE_CHECKING:
    from asynclint.fixes import FixOutcome

MAX_ROUNDS = 8


@dataclass(slots=True)
class FixRun:
    result: RunResult
    changed: dict[Path, tuple[str, str]] = field(default_factory=dict)  # path -> (before, after)
    fixed: int = 0  # fixes written (with --diff: fixes shown)
    write_errors: list[str] = field(default_factory=list)
    # Changed files left alone: outside the project root, or edited while the run went on.
    not_written: list[str] = field(default_factory=list)
    # AL001 for each file whose fixes failed (the rest of the run went on).
    failures: list[Finding] = field(default_factory=list)


def describe_fixes(session: Session, findings: Sequence[Finding]) -> list[Finding]:
    """Fill in each finding's fix (description and edits), or degrade it to a suggestion.

    Describing parses each file with findings again (with LibCST metadata), so files are
    described in parallel when there are several, and the results are cached by each file's
    content: a warm run, or a run after editing one file, describes only what changed. A file
    whose fixes cannot be described adds an AL001 finding; the others are described still.
    """
    cache = session.cache
    by_path: dict[str, list[Finding]] = {}
    for finding in findings:
        if finding.fix is not None and finding.fix.kind:  # display-only fixes stay as they are
            by_path.setdefault(finding.path, []).append(finding)
    known: dict[tuple, Fix | None] = {}
    todo: list[_DescribeJob] = []
    keys: dict[str, str] = {}
    for path, group in sorted(by_path.items()):
        absolute = _absolute(path)
        data = session.contents.get(absolute)  # the text the findings were found in
        if data is None:  # a run answered from the cache read no file
            try:
                data = read_bytes(absolute, session.settings.max_file_bytes)
            except OSError:
                data = None
        keys[path] = f"{content_key(data)}-fixes" if data is not None else ""
        cached = cache.get_run_value(keys[path]) if cache and keys[path] else None
        cached = cached or {}
        missing = [finding for finding in group if _identity(finding) not in cached]
        known.update(cached)
        if missing:
            todo.append((path, data, missing))
    problems: list[Finding] = []
    if todo:
        todo.sort(key=lambda job: -len(job[1] or b""))  # the biggest first: no long tail
        if len(todo) >= 2 and session.workers is not None:
            results = list(session.workers.map(_describe_file, todo))  # workers have LibCST
        elif len(todo) >= 2 and (os.cpu_count() or 1) > 1:
            with ProcessPoolExecutor(max_workers=min(os.cpu_count() or 1, 8)) as pool:
                results = list(pool.map(_describe_file, todo))
        else:
            results = [_describe_file(job) for job in todo]
        failed: set[str] = set()
        for (path, _, _), (described_group, problem) in zip(todo, results, strict=True):
            for finding, fix in described_group:
                known[_identity(finding)] = fix
            if problem is not None:
                problems.append(problem)
                failed.add(path)
        if cache:
            for path, group in by_path.items():
                if keys[path] and path not in failed:
                    entry = {_identity(f): known[_identity(f)] for f in group}
                    cache.put(keys[path], entry, "runs")
    described = [
        replace(finding, fix=known[_identity(finding)])
        if finding.fix is not None and finding.fix.kind
        else finding
        for finding in findings
    ]
    return sorted([*described, *problems], key=Finding.sort_key) if problems else described


# Shown path, the file's bytes (None when unreadable), and its findings with fixes.
_DescribeJob = tuple[str, bytes | None, list[Finding]]


def _identity(finding: Finding) -> tuple:
    assert finding.fix is not None
    return (finding.path, finding.span, finding.code, finding.fix.kind, finding.fix.scope)


def _describe_file(job: _DescribeJob) -> tuple[list[tuple[Finding, Fix | None]], Finding | None]:
    """The findings of one file with their fixes described, and AL001 if that failed."""
    from asynclint.fixes import describe_fixes

    shown, data, findings = job
    problem = None
    try:
        source = decode_source(data) if data is not None else None
        fixes = describe_fixes(source, findings) if source is not None else [None] * len(findings)
    except UnicodeDecodeError:
        fixes = [None] * len(findings)
    except Exception as error:  # one file's failure must not end the run
        fixes = [None] * len(findings)
        problem = file_problem(shown, "Fixes cannot be described for this file", error)
    described = []
    for finding, fix in zip(findings, fixes, strict=True):
        if fix is None and finding.suggestion:
            fix = Fix(Applicability.DISPLAY, finding.suggestion, (), "")
        described.append((finding, fix))
    return described, problem


def fix_paths(
    paths: Sequence[str | Path], settings: Settings, *, unsafe: bool, write: bool
) -> FixRun:
    """Fix in memory until stable, then write each changed file (when ``write``), unless it is
    outside the project root or changed since it was read."""
    overlay: dict[Path, bytes] = {}
    originals: dict[Path, bytes] = {}  # the bytes each changed file had when the run read it
    fixed: dict[Path, int] = {}
    failures: dict[Path, Finding] = {}
    session = open_session(paths, settings)
    root = session.files.root
    for _ in range(MAX_ROUNDS):
        result = result_of(session)
        by_path: dict[Path, list[Finding]] = {}
        for finding in result.findings:
            if finding.fix is not None and finding.fix.kind:
                by_path.setdefault(_absolute(finding.path), []).append(finding)
        progress = False
        for path, findings in sorted(by_path.items()):
            data = overlay.get(path, session.contents.get(path))
            if data is None or path in failures:
                continue
            try:
                text = decode_source(data)
            except UnicodeDecodeError:
                continue
            try:
                outcome = _apply(text, findings, unsafe=unsafe)
            except Exception as error:  # one file's failure must not end the run
                failures[path] = file_problem(findings[0].path, "File cannot be fixed", error)
                continue
            if outcome.source != text and outcome.applied:
                originals.setdefault(path, data)
                overlay[path] = outcome.source.encode(_encoding_of(data))
                fixed[path] = fixed.get(path, 0) + len(outcome.applied)
                progress = True
        if not progress:
            break
        session = open_session(paths, settings, overlay=overlay)
    run = FixRun(result_of(session), failures=sorted(failures.values(), key=Finding.sort_key))
    for path, before_data in originals.items():
        before, after = decode_source(before_data), decode_source(overlay[path])
        if after == before:
            continue
        run.changed[path] = (before, after)
        if not write:
            run.fixed += fixed[path]
            continue
        shown = display_path(path)
        if not path.is_relative_to(root):
            run.not_written.append(f"{shown}: not fixed: it is outside the project root {root}")
            continue
        try:
            replace_if_unchanged(path, before_data, overlay[path])
        except ChangedMeanwhile:
            run.not_written.append(
                f"{shown}: not fixed: it changed since asynclint read it (run the fix again)"
            )
        except OSError as error:
            run.write_errors.append(f"{shown}: cannot write fixed file: {error.strerror or error}")
        else:
            run.fixed += fixed[path]
    return run


def _apply(text: str, findings: list[Finding], *, unsafe: bool) -> FixOutcome:
    from asynclint.fixes import apply_fixes

    return apply_fixes(text, findings, unsafe=unsafe)


def unified_diff(run: FixRun, shown: dict[Path, str]) -> str:
    chunks = []
    for path, (before, after) in sorted(run.changed.items()):
        name = shown.get(path, path.as_posix())
        chunks.extend(
            difflib.unified_diff(
                before.splitlines(keepends=True),
                after.splitlines(keepends=True),
                fromfile=f"a/{name}",
                tofile=f"b/{name}",
            )
        )
    return "".join(chunks)


def _absolute(shown: str) -> Path:
    return Path(shown).resolve()


def _encoding_of(data: bytes) -> str:
    import io
    import tokenize

    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        return tokenize.detect_encoding(io.BytesIO(data).readline)[0]
    except SyntaxError:
        return "utf-8"
