"""The ``--fix`` / ``--diff`` loop: check, apply fixes, re-check until stable, then write.

Files are changed in memory first; the whole project is re-analysed on the new text each round (a
fix in one module can change findings in its callers). Nothing is written unless the result parses,
and writes are atomic with the file's own encoding and newlines.
"""

from __future__ import annotations

import difflib
import os
import tempfile
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from asynclint.api import Session, open_session, result_of
from asynclint.cache import content_key
from asynclint.config import Settings
from asynclint.facts import decode_source
from asynclint.models import Applicability, Finding, Fix, RunResult
from asynclint.reading import read_bytes

MAX_ROUNDS = 8


@dataclass(slots=True)
class FixRun:
    result: RunResult
    changed: dict[Path, tuple[str, str]] = field(default_factory=dict)  # path -> (before, after)
    fixed: int = 0
    write_errors: list[str] = field(default_factory=list)


def describe_fixes(session: Session, findings: Sequence[Finding]) -> list[Finding]:
    """Fill in each finding's fix (description and edits), or degrade it to a suggestion.

    Describing parses each file with findings again (with LibCST metadata), so files are
    described in parallel when there are several, and the results are cached by each file's
    content: a warm run, or a run after editing one file, describes only what changed.
    """
    cache = session.cache
    by_path: dict[str, list[Finding]] = {}
    for finding in findings:
        if finding.fix is not None:
            by_path.setdefault(finding.path, []).append(finding)
    known: dict[tuple, Fix | None] = {}
    todo: list[tuple[str, list[Finding]]] = []
    keys: dict[str, str] = {}
    for path, group in sorted(by_path.items()):
        absolute = _absolute(path)
        try:
            data = read_bytes(absolute, session.settings.max_file_bytes)
            keys[path] = f"{content_key(data)}-fixes"
        except OSError:
            keys[path] = ""
        cached = cache.get_run_value(keys[path]) if cache and keys[path] else None
        cached = cached or {}
        missing = [finding for finding in group if _identity(finding) not in cached]
        known.update(cached)
        if missing:
            todo.append((str(absolute), missing))
    if todo:
        if len(todo) >= 2 and session.workers is not None:
            results = list(session.workers.map(_describe_file, todo))  # workers have LibCST
        elif len(todo) >= 2 and (os.cpu_count() or 1) > 1:
            with ProcessPoolExecutor(max_workers=min(os.cpu_count() or 1, 8)) as pool:
                results = list(pool.map(_describe_file, todo))
        else:
            results = [_describe_file(job) for job in todo]
        for described_group in results:
            for finding, fix in described_group:
                known[_identity(finding)] = fix
        if cache:
            for path, group in by_path.items():
                if keys[path]:
                    entry = {_identity(f): known[_identity(f)] for f in group}
                    cache.put(keys[path], entry, "runs")
    return [
        finding if finding.fix is None else replace(finding, fix=known[_identity(finding)])
        for finding in findings
    ]


def _identity(finding: Finding) -> tuple:
    assert finding.fix is not None
    return (finding.path, finding.span, finding.code, finding.fix.kind)


def _describe_file(job: tuple[str, list[Finding]]) -> list[tuple[Finding, Fix | None]]:
    from asynclint.fixes import describe_fixes

    path, findings = job
    source = _read_text(Path(path))
    fixes = describe_fixes(source, findings) if source is not None else [None] * len(findings)
    described = []
    for finding, fix in zip(findings, fixes, strict=True):
        if fix is None and finding.suggestion:
            fix = Fix(Applicability.DISPLAY, finding.suggestion, (), "")
        described.append((finding, fix))
    return described


def fix_paths(
    paths: Sequence[str | Path], settings: Settings, *, unsafe: bool, write: bool
) -> FixRun:
    overlay: dict[Path, bytes] = {}
    originals: dict[Path, tuple[str, bytes]] = {}
    fixed = 0
    session = open_session(paths, settings)
    for _ in range(MAX_ROUNDS):
        result = result_of(session)
        by_path: dict[Path, list[Finding]] = {}
        for finding in result.findings:
            if finding.fix is not None and finding.fix.kind:
                by_path.setdefault(_absolute(finding.path), []).append(finding)
        progress = False
        for path, findings in sorted(by_path.items()):
            data = overlay.get(path)
            if data is None:
                try:
                    data = read_bytes(path, settings.max_file_bytes)
                except OSError:
                    continue
            try:
                text = decode_source(data)
            except UnicodeDecodeError:
                continue
            from asynclint.fixes import apply_fixes

            outcome = apply_fixes(text, findings, unsafe=unsafe)
            if outcome.source != text and outcome.applied:
                encoding = _encoding_of(data)
                originals.setdefault(path, (text, data))
                overlay[path] = outcome.source.encode(encoding)
                fixed += len(outcome.applied)
                progress = True
        if not progress:
            break
        session = open_session(paths, settings, overlay=overlay)
    run = FixRun(result_of(session), fixed=fixed)
    for path, (before_text, _before_data) in originals.items():
        after_text = decode_source(overlay[path])
        if after_text == before_text:
            continue
        run.changed[path] = (before_text, after_text)
        if write:
            try:
                _write_atomically(path, overlay[path])
            except OSError as error:
                run.write_errors.append(f"{path}: cannot write fixed file: {error.strerror}")
    return run


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


def _read_text(path: Path) -> str | None:
    try:
        return decode_source(read_bytes(path))
    except (OSError, UnicodeDecodeError):
        return None


def _encoding_of(data: bytes) -> str:
    import io
    import tokenize

    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        return tokenize.detect_encoding(io.BytesIO(data).readline)[0]
    except SyntaxError:
        return "utf-8"


def _write_atomically(path: Path, data: bytes) -> None:
    mode = path.stat().st_mode
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temporary, mode & 0o7777)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
