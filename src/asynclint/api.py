"""Layered API: ``check_source`` (one text) -> ``check_paths`` (files, cache, pool) -> cli.

Errors come back as AL001 findings or warnings, never as a crash of the whole run.
"""

from __future__ import annotations

import ast
import fnmatch
import gc
import os
import symtable
import threading
import warnings
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from asynclint import facts as facts_module
from asynclint.cache import FactsCache, content_key, default_cache_dir, run_key
from asynclint.collector import without_collector
from asynclint.config import Settings, load_settings
from asynclint.discovery import FileSet, discover
from asynclint.markers import has_loop_marker, has_routing_marker
from asynclint.models import Finding, RunResult
from asynclint.modules import ModuleIndex
from asynclint.problems import LIBCST_REJECTS, error_finding, failure_reason
from asynclint.reading import FileTooLarge, read_bytes
from asynclint.roots import module_roots
from asynclint.rules import all_rules, peer_code_map

if TYPE_CHECKING:
    # Imported where they are used: a run answered from the run cache imports none of the
    # analysis (the import alone costs more than the rest of such a run).
    from asynclint.analysis import FunctionId, Program
    from asynclint.catalog import Catalog
    from asynclint.engine import Analysis
    from asynclint.frameworks.fastapi import FastAPIModel

_PARALLEL_MIN_FILES = 12
# Files per batch of syntax checks run ahead in idle workers (a few milliseconds of work).
_AHEAD_BATCH = 8


# Syntax verdict of a valid file whose loop markers were all inside strings or comments.
_NO_LOOP_CODE = "ok, no loop code"
# Jobs for the pool start with the file's bytes (their size orders a round of jobs).
_ModuleJob = tuple[bytes, str, bool]  # bytes, shown path, only if it holds loop code
_BodiesJob = tuple[bytes, str, list[tuple[int, int]]]  # bytes, shown path, kept lines


@dataclass(slots=True)
class _SourceFile:
    path: Path
    data: bytes | None = None
    error: str | None = None
    _key: str | None = None
    too_large: bool = False  # larger than LibCST is given (``max_file_bytes``)

    @property
    def key(self) -> str:
        """The content key of ``data`` (hashed once, for the run key and the caches)."""
        if self._key is None:
            self._key = content_key(self.data) if self.data is not None else "-"
        return self._key


@dataclass(slots=True)
class Session:
    """Everything one run knows: files, facts, the project graph and the analysis.

    A run answered from the run cache (``cached_findings``) has no project, model or analysis."""

    settings: Settings
    files: FileSet
    project: Program | None = None
    model: FastAPIModel | None = None
    analysis: Analysis | None = None
    errors: list[Finding] = field(default_factory=list)
    # About files not reported on (calls into them may have gone unseen).
    warnings: list[str] = field(default_factory=list)
    # Findings of files LibCST cannot take, from CPython's parse alone (decision 0019).
    direct_findings: list[Finding] = field(default_factory=list)
    target_modules: set[str] = field(default_factory=set)
    # Set when a previous run over identical files and settings was reused.
    cached_findings: list[Finding] | None = None
    cache: FactsCache | None = None
    run_key: str = ""
    # The run's process pool, kept when asked for (describing fixes reuses its warm workers).
    workers: ProcessPoolExecutor | None = None
    # The bytes of every project file, as analysed (--fix applies its fixes to these).
    contents: dict[Path, bytes] = field(default_factory=dict)

    def close(self) -> None:
        """Shut down the kept process pool, if any."""
        if self.workers is not None:
            self.workers.shutdown()
            self.workers = None


def catalog_for(settings: Settings) -> Catalog:
    from asynclint.catalog import builtin_catalog

    # A rule off by default that is not selected does not make anything blocking: a lock taken
    # on the way to a helper's real I/O is not the chain shown (decision 0042).
    off = [
        rule.code
        for rule in all_rules().values()
        if not rule.default and not settings.is_selected(rule.code)
    ]
    return builtin_catalog().extended(
        dict(settings.extra_blocking_calls), settings.extra_offload_wrappers, off
    )


def display_path(path: Path, cwd: Path | None = None) -> str:
    cwd = cwd or Path.cwd()
    try:
        return path.relative_to(cwd).as_posix()
    except ValueError:
        try:
            return (
                Path(os.path.relpath(path, cwd)).as_posix()
                if path.anchor == cwd.anchor
                else path.as_posix()
            )
        except ValueError:
            return path.as_posix()


def settings_for(paths: Sequence[str | Path], config: Path | None = None) -> Settings:
    first = Path(paths[0]) if paths else Path(".")
    return load_settings(config, search_from=first if first.exists() else Path("."))


@without_collector
def open_session(
    paths: Sequence[str | Path],
    settings: Settings | None = None,
    *,
    overlay: dict[Path, bytes] | None = None,
    reuse_run: bool = False,
    keep_workers: bool = False,
    whole_project: bool = False,
) -> Session:
    """Discover, load and analyse. ``overlay`` replaces file contents (used by ``--fix``).

    ``keep_workers``: the session keeps its process pool, if it started one, until
    :meth:`Session.close`. ``whole_project``: analyse the code of every project file that runs
    on the loop, not only that of the named files (``routes`` judges a route by all its code).
    Problems of files are reported for the named files only, either way."""
    settings = settings if settings is not None else settings_for(paths)
    files = discover(paths, settings)
    cwd = Path.cwd()
    overlay = overlay or {}
    sources = {
        path: _SourceFile(path, overlay[path]) if path in overlay else _read(path, settings)
        for path in files.project
    }
    cache = None
    key = ""
    if settings.cache:
        folder = Path(settings.cache_dir) if settings.cache_dir else default_cache_dir(files.root)
        cache = FactsCache(folder)
        key = run_key(
            repr((settings, sorted(str(p) for p in files.targets), str(cwd))),
            sorted((str(path), source.key) for path, source in sources.items()),
        )
        if reuse_run:
            found = cache.get_run(key)
            if found is not None:  # the same files and settings: nothing to analyse again
                return Session(settings, files, cached_findings=found, cache=cache, run_key=key)
    from asynclint.analysis import Program
    from asynclint.engine import run_analysis

    sources = {path: _decoded(source) for path, source in sources.items()}
    roots = module_roots(
        files.root,
        files.project,
        settings.src,
        ((path, source.data) for path, source in sources.items() if source.data is not None),
    )
    index = ModuleIndex(files.root, files.project, roots)
    loader = _Loader(index, cache, settings, cwd)
    catalog = catalog_for(settings)
    project = Program(
        index,
        catalog,
        loader.load,
        lambda p: display_path(p, cwd),
        lambda: _module_sources(index, sources),
    )
    loader.project = project
    session = Session(settings, files, project, cache=cache, run_key=key)
    session.contents = {path: s.data for path, s in sources.items() if s.data is not None}
    analysed = files.project if whole_project else files.targets
    session.target_modules = {index.module_for(path) for path in analysed}
    with_loop_markers: set[str] = set()
    for path in analysed:
        source = sources[path]
        if source.data is not None and has_loop_marker(source.data):
            with_loop_markers.add(index.module_for(path))
    routing = [
        index.module_for(path)
        for path, source in sources.items()
        if source.data is not None and has_routing_marker(source.data)
    ]
    loader.sources = sources
    loader.load(routing, if_loop_code=with_loop_markers - set(routing))
    loader.check_ahead(
        [
            path
            for path in files.targets
            if index.module_for(path) not in project.facts and sources[path].data is not None
        ]
    )

    try:
        session.model, session.analysis = run_analysis(
            project,
            sorted(session.target_modules),
            include_low_confidence=settings.confidence == "low",
        )
        syntax_errors = loader.syntax_errors(
            [
                path
                for path in files.targets
                if index.module_for(path) not in project.facts and sources[path].data is not None
            ],
            meanwhile=loader.save,
        )
    except BaseException:
        loader.close()
        raise
    if loader.failed:
        session.run_key = ""  # a failure may not happen again: the next run must try again
    if keep_workers:
        session.workers = loader.release_pool()
    else:
        loader.close()
    named = set(files.targets)
    for path in files.targets:
        module, source = index.module_for(path), sources[path]
        facts = project.facts.get(module)
        shown = display_path(path, cwd)
        if source.too_large:
            note = _direct_pass(session, catalog, path, module, shown)
            session.errors.append(error_finding(shown, f"{source.error}; {note}"))
        elif source.error is not None:
            session.errors.append(error_finding(shown, source.error))
        elif facts is not None and facts.error is not None:
            message, line, column = facts.error
            if message.startswith(LIBCST_REJECTS):
                message += f"; {_direct_pass(session, catalog, path, module, shown)}"
            session.errors.append(error_finding(shown, message, line, column))
        elif module in loader.failures:
            message = f"some function bodies could not be analysed: {loader.failures[module]}"
            session.errors.append(error_finding(shown, message))
        elif path in syntax_errors:
            # Files never parsed (no code that runs on the loop) still get their syntax checked.
            message, line, column = syntax_errors[path]
            session.errors.append(error_finding(shown, message, line, column))
        elif (
            module in with_loop_markers
            and facts is None
            and loader.verdict(source.key) != _NO_LOOP_CODE
        ):
            # A target that may hold loop code was parsed, or found to hold none: anything else
            # is a bug of asynclint, and must not pass as a clean file.
            message = "asynclint did not analyse it (an internal error: please report it)"
            session.errors.append(error_finding(shown, message))
    session.warnings.extend(
        f"{project.path_of(module)}: some function bodies could not be analysed: {reason}"
        for module, reason in sorted(loader.failures.items())
        if index.by_name[module] not in named
    )
    return session


def _direct_pass(session: Session, catalog: Catalog, path: Path, module: str, shown: str) -> str:
    """Check a file LibCST cannot take for direct calls only; say how far that went."""
    from asynclint import directpass

    try:
        text = facts_module.decode_source(read_bytes(path, directpass.MAX_FILE_BYTES))
    except (OSError, UnicodeDecodeError) as error:
        return f"not checked at all ({getattr(error, 'strerror', None) or error})"
    result = directpass.direct_findings(text, shown, module, catalog)
    suppressions, peers = facts_module.parse_suppressions(text), peer_code_map()
    session.direct_findings.extend(
        finding for finding in result.findings if not _line_suppressed(suppressions, finding, peers)
    )
    checked = "only direct calls in async functions were checked"
    if result.stopped_at is not None:
        return f"{checked}, up to line {result.stopped_at}"
    return checked


def check_paths(paths: Sequence[str | Path], settings: Settings | None = None) -> RunResult:
    session = open_session(paths, settings)
    return result_of(session)


def result_of(session: Session) -> RunResult:
    settings = session.settings
    if session.cached_findings is not None:
        kept = session.cached_findings
    else:
        assert session.analysis is not None
        findings = [*session.errors, *session.direct_findings, *session.analysis.findings]
        suppressed = _suppressed_filter(session)
        kept = [f for f in findings if settings.is_reported(f) and not suppressed(f)]
        kept = _dedupe(sorted(kept, key=Finding.sort_key))
        if session.cache is not None and session.run_key:
            session.cache.put_run(session.run_key, kept)
    warnings = warnings_of(session)
    if not settings.include_tests:
        kept, hidden = _without_test_code(session, kept)
        if hidden:
            warnings.append(
                f"{hidden} finding{'s' if hidden != 1 else ''} in test code not shown "
                "(--include-tests, or include-tests = true, shows them)"
            )
    return RunResult(findings=kept, files_checked=len(session.files.targets), warnings=warnings)


def _without_test_code(session: Session, findings: list[Finding]) -> tuple[list[Finding], int]:
    """The findings outside test code, and how many were in it (AL001 always stays).

    Naming test code asks for it: ``check tests/`` or ``check tests/test_api.py`` reports its
    findings; ``check .`` and ``check app/`` do not report those of ``app/tests/``."""
    patterns, root = session.settings.test_paths, session.files.root
    named = sorted(session.files.named, key=lambda path: -len(path.parts))

    def is_test(path: Path) -> bool:
        return (
            path != root and root in path.parents and is_test_path(path.relative_to(root), patterns)
        )

    verdicts: dict[str, bool] = {}

    def in_tests(shown: str) -> bool:
        if shown not in verdicts:
            path = Path(shown).resolve()
            base = next((n for n in named if n == path or n in path.parents), None)
            verdicts[shown] = is_test(path) and not (base is not None and is_test(base))
        return verdicts[shown]

    kept = [f for f in findings if f.code == "AL001" or not in_tests(f.path)]
    return kept, len(findings) - len(kept)


def is_test_path(relative: Path, patterns: Sequence[str]) -> bool:
    """Whether a path from the project root is test code by ``patterns`` (see test-paths)."""
    text = relative.as_posix()
    return any(
        fnmatch.fnmatchcase(text, pattern)
        if "/" in pattern
        else any(fnmatch.fnmatchcase(part, pattern) for part in relative.parts)
        for pattern in patterns
    )


def warnings_of(session: Session) -> list[str]:
    """What the run wants the user to know besides its findings (printed on stderr)."""
    return (
        list(session.settings.warnings)
        + [f"{missing}: no such file or directory" for missing in session.files.missing]
        + list(session.files.warnings)
        + session.warnings
        + sorted(set(session.project.internal_errors if session.project else ()))
    )


def check_source(
    source: str, path: str = "<string>", settings: Settings | None = None
) -> list[Finding]:
    """Check one module given as text (no files, no cache). For tests, editors and the API."""
    from asynclint.analysis import Program
    from asynclint.engine import run_analysis

    settings = settings or Settings()
    fake = Path(path if path.endswith(".py") else f"{path}.py").resolve()
    index = ModuleIndex(fake.parent, [fake])
    module = index.module_for(fake)
    facts = facts_module.extract(source, path)
    if facts.error is not None:
        message, line, column = facts.error
        return [error_finding(path, message, line, column)]

    def load(modules: list[str], bodies: list[FunctionId]) -> None:
        # The one module is loaded already: only its bodies can be missing.
        if bodies:
            qualnames = [qualname for _, qualname in bodies]
            keep = facts.kept_lines(qualnames)
            fragment = facts_module.extract_bodies(source, path, keep)
            project.store.merge_bodies(module, fragment, qualnames)

    project = Program(
        index, catalog_for(settings), load, lambda p: path, lambda: [(module, source.encode())]
    )
    project.add(module, facts)
    _, analysis = run_analysis(
        project, [module], include_low_confidence=settings.confidence == "low"
    )
    suppressions = facts.suppressions
    peers = peer_code_map()
    return sorted(
        (
            f
            for f in analysis.findings
            if settings.is_reported(f) and not _line_suppressed(suppressions, f, peers)
        ),
        key=Finding.sort_key,
    )


# ---- loading ------------------------------------------------------------------------------------


class _Loader:
    """Turns module names into facts: cache first, then parsing (in a process pool when it pays)."""

    def __init__(
        self, index: ModuleIndex, cache: FactsCache | None, settings: Settings, cwd: Path
    ) -> None:
        self.index = index
        self.cache = cache
        self.settings = settings
        self.cwd = cwd
        self.sources: dict[Path, _SourceFile] = {}
        self.project: Program | None = None
        self._pool: ProcessPoolExecutor | None = None
        self._workers = 0
        self._keys: dict[str, str] = {}  # module -> content key, for every module with facts
        self._unsaved: set[str] = set()  # modules parsed or grown: cached once, at the end
        self._verdicts: dict[str, tuple | str] | None = None
        self._verdicts_changed = False
        # Modules some of whose bodies could not be parsed -> why (reported, never cached).
        self.failures: dict[str, str] = {}
        self.failed = False  # a job failed: the run's result is not cached either
        # Syntax checks run ahead, while the workers would wait on the analysis (see
        # :meth:`check_ahead`): files still to check, checks in flight, verdicts by path.
        self._ahead: list[tuple[Path, bytes]] = []
        self._ahead_lock = threading.Lock()
        self._in_flight: dict[Future, list[Path]] = {}
        self._checked: dict[Path, tuple[str, int, int] | _Failed | None] = {}

    def _pool_for(self, jobs: int) -> ProcessPoolExecutor | None:
        """One process pool per session, started when a round of jobs is big enough to pay."""
        if self._pool is None and jobs >= _PARALLEL_MIN_FILES and (os.cpu_count() or 1) > 1:
            # Forked workers inherit the session's paused collector. Each job pauses it on its
            # own, so it may run between jobs: should any code a job calls make cycles, a
            # worker must not keep them for the whole run.
            self._workers = min(os.cpu_count() or 1, 8)
            self._pool = ProcessPoolExecutor(max_workers=self._workers, initializer=gc.enable)
        return self._pool if jobs > 1 else None

    def _run(self, jobs: list[tuple[Callable[[Any], Any], tuple]]) -> list:
        """Results of ``function(argument)`` for each job, in order. In the pool, the biggest
        files go first, one at a time: a big test module must not end up last."""
        pool = self._pool_for(len(jobs))
        if pool is None:
            return [_run_job(job) for job in jobs]
        order = sorted(range(len(jobs)), key=lambda i: -len(jobs[i][1][0]))
        done = pool.map(_run_job, [jobs[i] for i in order], chunksize=1)
        results: list = [None] * len(jobs)
        for index, result in zip(order, done, strict=True):
            results[index] = result
        return results

    def close(self) -> None:
        pool = self.release_pool()
        if pool is not None:
            pool.shutdown()

    def release_pool(self) -> ProcessPoolExecutor | None:
        """The pool, which the caller now owns (None if none was started)."""
        self._stop_ahead()
        pool, self._pool = self._pool, None
        return pool

    def _syntax_verdicts(self) -> dict[str, tuple | str]:
        if self._verdicts is None:
            self._verdicts = self.cache.syntax_verdicts() if self.cache else {}
        return self._verdicts

    def verdict(self, key: str) -> tuple | str | None:
        """The syntax verdict known for a content key, if any."""
        return self._syntax_verdicts().get(key)

    def check_ahead(self, paths: Sequence[Path]) -> None:
        """Check the syntax of ``paths`` in the pool's idle time, a few files at a time.

        After the first round, a round of loading is a handful of jobs and the analysis in
        between runs in this process: the workers mostly wait. The files that will need a
        syntax check (targets not parsed) are checked meanwhile, in small batches, each
        submitted when the one before it is done, on all workers but one: a round's jobs never
        queue behind more than one batch per worker, and this process keeps a core for the
        analysis. The few files a later round parses after all were checked for nothing
        (decision 0050)."""
        if self._pool is None or self._workers < 2:
            return
        verdicts = self._syntax_verdicts()
        with self._ahead_lock:
            for path in reversed(paths):  # popped from the end: in the order given
                source = self.sources[path]
                if source.data is not None and verdicts.get(source.key) is None:
                    self._ahead.append((path, source.data))
        for _ in range(self._workers - 1):
            self._check_next()

    def _check_next(self, done: Future | None = None) -> None:
        """Record a ``done`` batch of syntax checks and submit the next one (called by the
        pool's thread when a batch is done)."""
        assert self.project is not None
        facts = self.project.facts
        with self._ahead_lock:
            if done is not None:
                self._take(done)
            batch: list[tuple[Path, bytes]] = []
            while self._ahead and len(batch) < _AHEAD_BATCH:
                path, data = self._ahead.pop()
                if self.index.module_for(path) not in facts:  # parsed files need no check
                    batch.append((path, data))
            if not batch or self._pool is None:
                return
            try:
                future = self._pool.submit(_checked_syntax_batch, [data for _, data in batch])
            except RuntimeError:  # shut down meanwhile
                return
            self._in_flight[future] = [path for path, _ in batch]
        future.add_done_callback(self._check_next)

    def _take(self, future: Future) -> None:
        """The verdicts of a batch, once (with the lock held)."""
        paths = self._in_flight.pop(future, None)
        if paths is None:
            return
        try:
            results = future.result()
        except Exception as error:  # the worker died: each file says so
            results = [_Failed(failure_reason(error))] * len(paths)
        self._checked.update(zip(paths, results, strict=True))

    def _stop_ahead(self) -> list[Future]:
        """Submit no more syntax checks ahead; the batches still in flight."""
        with self._ahead_lock:
            self._ahead.clear()
            return list(self._in_flight)

    def syntax_errors(
        self, paths: Sequence[Path], meanwhile: Callable[[], None]
    ) -> dict[Path, tuple[str, int, int]]:
        """Syntax errors of files that were not parsed, remembered by content like facts.

        ``meanwhile`` runs while the pool checks them (writing the facts cache costs the main
        process a moment that the workers need not wait for)."""
        in_flight = self._stop_ahead()
        for future in in_flight:
            future.exception()  # wait for it
        with self._ahead_lock:
            for future in in_flight:
                self._take(future)
        verdicts = self._syntax_verdicts()
        found: dict[Path, tuple[str, int, int]] = {}
        pending: list[tuple[Path, str, bytes]] = []
        early: list[tuple[Path, str, bytes]] = []
        for path in paths:
            source = self.sources[path]
            data, key = source.data, source.key
            if data is None:
                continue
            verdict = verdicts.get(key)
            if verdict is None:
                (early if path in self._checked else pending).append((path, key, data))
            elif verdict not in ("ok", _NO_LOOP_CODE):
                found[path] = verdict  # type: ignore[assignment]
        blobs = [data for _, _, data in pending]
        pool = self._pool_for(len(blobs))
        if pool is None:
            meanwhile()
            results = [_checked_syntax(blob) for blob in blobs]
        else:
            checking = pool.map(_checked_syntax, blobs, chunksize=32)  # submitted at once
            meanwhile()
            results = list(checking)
        pending += early
        results += [self._checked[path] for path, _, _ in early]
        for (path, key, _), verdict in zip(pending, results, strict=True):
            if isinstance(verdict, _Failed):  # reported, never cached
                self.failed = True
                found[path] = (verdict.reason, 1, 1)
                continue
            verdicts[key] = verdict or "ok"
            self._verdicts_changed = True
            if verdict is not None:
                found[path] = verdict
        if self.cache is not None and self._verdicts_changed:
            self.cache.save_syntax_verdicts(verdicts)
            self._verdicts_changed = False
        return found

    def load(
        self,
        modules: Iterable[str],
        bodies: Sequence[FunctionId] = (),
        *,
        if_loop_code: Iterable[str] = (),
    ) -> None:
        """Facts of ``modules``, and the blanked ``bodies`` of loaded modules merged into theirs,
        parsed in one round of jobs. Modules in ``if_loop_code`` are loaded only if they hold
        code that runs on the loop (their text matched a loop marker, maybe inside a string)."""
        module_jobs = self._module_jobs(modules, set(if_loop_code))
        body_jobs = self._body_jobs(bodies)
        jobs: list[tuple[Callable[[Any], Any], tuple]] = [
            (_extract_file, job) for *_, job in module_jobs
        ] + [(_extract_bodies_file, job) for *_, job in body_jobs]
        results = self._run(jobs)
        assert self.project is not None
        verdicts = self._syntax_verdicts()
        parsed, fragments = results[: len(module_jobs)], results[len(module_jobs) :]
        for (module, key, (_, shown, _)), facts in zip(module_jobs, parsed, strict=True):
            if isinstance(facts, _Failed):  # reported as AL001; never cached
                self.failed = True
                facts = facts_module.ModuleFacts(shown, error=(facts.reason, 1, 1))
            if facts is None:  # valid, and nothing in it runs on the loop
                verdicts[key] = _NO_LOOP_CODE
                self._verdicts_changed = True
                continue
            self.project.add(module, facts)
            if facts.error is None or facts.error[0].startswith("syntax"):
                self._keys[module] = key
                self._unsaved.add(module)
        for (module, qualnames, _), fragment in zip(body_jobs, fragments, strict=True):
            if isinstance(fragment, _Failed):
                # The signatures stay; the bodies are reported as not analysed.
                self.failed = True
                self.failures.setdefault(module, fragment.reason)
                fragment = facts_module.ModuleFacts(self.project.facts[module].path)
            self.project.store.merge_bodies(module, fragment, qualnames)
            if module in self._keys:
                self._unsaved.add(module)

    def _module_jobs(
        self, modules: Iterable[str], conditional: set[str]
    ) -> list[tuple[str, str, _ModuleJob]]:
        """(module, content key, job) for every module to parse; cached facts are added here."""
        assert self.project is not None
        verdicts = self._syntax_verdicts()
        jobs: list[tuple[str, str, _ModuleJob]] = []
        for module in sorted({*modules, *conditional}):
            if module in self.project.facts:
                continue
            path = self.index.by_name.get(module)
            if path is None:
                continue
            source = self.sources.get(path) or _decoded(_read(path, self.settings))
            self.sources[path] = source
            shown = display_path(path, self.cwd)
            if source.data is None:
                self.project.add(
                    module,
                    facts_module.ModuleFacts(shown, error=(source.error or "unreadable", 1, 1)),
                )
                continue
            key = source.key
            if module in conditional and verdicts.get(key) == _NO_LOOP_CODE:
                continue
            cached = self.cache.get(key) if self.cache else None
            if cached is not None:
                cached.path = shown
                self.project.add(module, cached)
                self._keys[module] = key
            else:
                jobs.append((module, key, (source.data, shown, module in conditional)))
        return jobs

    def _body_jobs(self, fids: Sequence[FunctionId]) -> list[tuple[str, list[str], _BodiesJob]]:
        """(module, qualnames, job) for the bodies to parse, one job per module."""
        assert self.project is not None
        wanted: dict[str, list[str]] = {}
        for module, qualname in fids:
            wanted.setdefault(module, []).append(qualname)
        jobs: list[tuple[str, list[str], _BodiesJob]] = []
        for module, qualnames in sorted(wanted.items()):
            facts = self.project.facts[module]
            path = self.index.by_name.get(module)
            source = self.sources.get(path) if path is not None else None
            if source is None or source.data is None:
                continue
            jobs.append((module, qualnames, (source.data, facts.path, facts.kept_lines(qualnames))))
        return jobs

    def save(self) -> None:
        """Cache every module parsed or grown by this run, once, with all its parsed bodies."""
        if self.cache is None or self.project is None:
            return
        # A module with a failed body is not cached: the next run must parse that body again.
        for module in sorted(self._unsaved - self.failures.keys()):
            self.cache.put(self._keys[module], self.project.facts[module])
        self._unsaved.clear()


@without_collector
def _syntax_error(data: bytes) -> tuple[str, int, int] | None:
    """CPython's verdict on a file; LibCST gets the last word (it parses newer syntax)."""
    try:
        text = facts_module.decode_source(data)
    except UnicodeDecodeError as error:
        return (f"cannot decode file: {error.reason}", 1, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            # Fast path: CPython parses without building Python objects for the tree.
            symtable.symtable(text, "<checked>", "exec")
            return None
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            pass
        try:
            # Scope errors (a misplaced `from __future__`) are not parse errors: files that
            # LibCST parses are not checked for them either.
            compile(text, "<checked>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
            return None
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            pass
    return facts_module.extract(text, "<checked>").error


@dataclass(frozen=True, slots=True)
class _Failed:
    """A job that raised: what went wrong, for that file's AL001 (the run goes on)."""

    reason: str


def _run_job(job: tuple[Callable[[Any], Any], Any]) -> Any:
    function, argument = job
    try:
        return function(argument)
    except Exception as error:
        return _Failed(failure_reason(error))


def _checked_syntax(data: bytes) -> tuple[str, int, int] | _Failed | None:
    return _run_job((_syntax_error, data))


def _checked_syntax_batch(blobs: list[bytes]) -> list[tuple[str, int, int] | _Failed | None]:
    return [_checked_syntax(data) for data in blobs]


@without_collector
def _extract_file(job: _ModuleJob) -> facts_module.ModuleFacts | None:
    data, shown, if_loop_code = job
    try:
        text = facts_module.decode_source(data)
    except UnicodeDecodeError as error:
        return facts_module.ModuleFacts(shown, error=(f"cannot decode file: {error.reason}", 1, 1))
    if if_loop_code:
        return facts_module.extract_if_loop_code(text, shown)
    return facts_module.extract(text, shown)


@without_collector
def _extract_bodies_file(job: _BodiesJob) -> facts_module.ModuleFacts:
    data, shown, keep = job
    return facts_module.extract_bodies(facts_module.decode_source(data), shown, keep)


def _read(path: Path, settings: Settings) -> _SourceFile:
    try:
        data = read_bytes(path, settings.max_file_bytes)
    except FileTooLarge as error:
        message = f"file is too large for a full analysis ({error.size:,} bytes)"
        return _SourceFile(path, None, message, too_large=True)
    except OSError as error:
        return _SourceFile(path, None, f"cannot read file: {error.strerror or error}")
    if b"\x00" in data:
        return _SourceFile(path, None, "binary file (contains NUL bytes)")
    return _SourceFile(path, data)


def _decoded(source: _SourceFile) -> _SourceFile:
    """``source``, or a file in error when its bytes do not decode (checked only when the run
    cache did not answer: the run key covers the bytes, so it covers this verdict too)."""
    if source.data is None:
        return source
    try:
        facts_module.decode_source(source.data)
    except (UnicodeDecodeError, SyntaxError) as error:
        reason = getattr(error, "reason", str(error))
        return _SourceFile(source.path, None, f"cannot decode file: {reason}")
    return source


def _module_sources(
    index: ModuleIndex, sources: dict[Path, _SourceFile]
) -> Iterable[tuple[str, bytes]]:
    for path, source in sources.items():
        if source.data is not None:
            yield index.module_for(path), source.data


# ---- suppression --------------------------------------------------------------------------------


def _suppressed_filter(session: Session) -> Callable[[Finding], bool]:
    """``# noqa`` / ``# asynclint: ignore[...]`` comments and per-file-ignores, looked up once."""
    assert session.project is not None
    suppressions = {facts.path: facts.suppressions for facts in session.project.facts.values()}
    peers = peer_code_map()
    per_file = session.settings.per_file_ignores

    def suppressed(finding: Finding) -> bool:
        lines = suppressions.get(finding.path)
        if lines and _line_suppressed(lines, finding, peers):
            return True
        if not per_file:
            return False
        relative = _relative_to_root(session, finding.path)
        for pattern, codes in per_file:
            matches = fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(finding.path, pattern)
            if matches and any(finding.code.startswith(code) or code == "ALL" for code in codes):
                return True
        return False

    return suppressed


def _relative_to_root(session: Session, shown: str) -> str:
    try:
        return Path(shown).resolve().relative_to(session.files.root).as_posix()
    except ValueError:
        return shown


def _line_suppressed(
    suppressions: dict[int, frozenset[str] | None], finding: Finding, peers: dict[str, str]
) -> bool:
    if finding.span.line not in suppressions:
        return False
    codes = suppressions[finding.span.line]
    if codes is None:
        return True
    return finding.code in codes or any(peers.get(code) == finding.code for code in codes)


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple] = set()
    unique = []
    for finding in findings:
        key = (finding.path, finding.span, finding.code, finding.message)
        if key not in seen:
            seen.add(key)
            unique.append(finding)
    return unique


__all__ = ["Session", "check_paths", "check_source", "open_session", "result_of"]
