"""Command line: ``asynclint check | routes | rule | rules | verify | server``.

Exit codes: 0 no findings (or all fixed), 1 findings (or, with --diff, changes), 2 usage/config/
internal error.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import NoReturn

import click

from asynclint import __version__
from asynclint.config import ConfigError, Settings, load_settings
from asynclint.models import Finding

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _settings(
    paths: Sequence[str],
    config: str | None,
    *,
    select: str | None = None,
    ignore: str | None = None,
    extend_select: str | None = None,
    exclude: str | None = None,
    no_cache: bool = False,
    cache_dir: str | None = None,
    confidence: str | None = None,
    min_severity: str | None = None,
    include_tests: bool = False,
) -> Settings:
    from asynclint.config import COMMAND_LINE, settings_from_mapping

    first = Path(paths[0]) if paths else Path(".")
    settings = load_settings(
        Path(config) if config else None, search_from=first if first.exists() else Path(".")
    )
    overrides: dict[str, object] = {}
    if select:
        overrides["select"] = _split(select)
    if ignore:
        overrides["ignore"] = _split(ignore)
    if extend_select:
        overrides["extend-select"] = _split(extend_select)
    if exclude:
        overrides["extend-exclude"] = _split(exclude)
    if confidence:
        overrides["confidence"] = confidence
    if min_severity:
        overrides["min-severity"] = min_severity
    if overrides:
        cli = settings_from_mapping(overrides, source=COMMAND_LINE)
        settings = replace(
            settings,
            select=cli.select if select or extend_select else settings.select,
            ignore=cli.ignore if ignore else settings.ignore,
            extend_exclude=settings.extend_exclude + cli.extend_exclude,
            confidence=cli.confidence if confidence else settings.confidence,
            min_severity=cli.min_severity if min_severity else settings.min_severity,
        )
        if extend_select and not select:
            settings = replace(
                settings, select=settings.select + cli.select[len(Settings().select) :]
            )
    if include_tests:
        settings = replace(settings, include_tests=True)
    if no_cache:
        settings = replace(settings, cache=False)
    if cache_dir:
        settings = replace(settings, cache_dir=cache_dir)
    return settings


def _require_paths(paths: Sequence[str]) -> None:
    """Exit 2 naming every path that cannot be checked: a typo must not pass as clean."""
    problems = []
    for name in paths:
        path = Path(name)
        if not path.exists():
            problems.append(f"{name}: no such file or directory")
        elif not (path.is_dir() or path.is_file()):
            problems.append(f"{name}: not a regular file or folder")
    if problems:
        _fail("cannot check " + "; ".join(problems))


def _split(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _fail(message: str) -> None:
    click.echo(f"asynclint: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


class _Group(click.Group):
    """Turns an unexpected exception into a one-line error and exit code 2."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except OSError as error:
            if error.errno == errno.EPIPE:
                raise  # the reader left (`| head`): click ends the command quietly
            _internal_error(error)
        except Exception as error:
            _internal_error(error)


def _internal_error(error: Exception) -> NoReturn:
    if os.environ.get("ASYNCLINT_DEBUG"):
        raise error
    click.echo(
        f"asynclint: internal error: {error!r} "
        "(set ASYNCLINT_DEBUG=1 for the traceback; please report it)",
        err=True,
    )
    sys.exit(EXIT_ERROR)


def run() -> NoReturn:
    """The console script: :func:`main`, then an exit that leaves the heap to the OS.

    A run ends holding every fact and value it built; an ordinary exit collects and frees them
    one by one (0.2 s after a cold run of the stdlib) for nothing. Everything a run writes is
    written and closed by then, and its process pool is shut down (decision 0014).
    """
    try:
        main()
    except SystemExit as stop:
        code = stop.code
    else:
        code = EXIT_CLEAN
    if code is None:
        code = EXIT_CLEAN
    elif not isinstance(code, int):
        print(code, file=sys.stderr)  # what sys.exit does with a message
        code = 1
    for stream in (sys.stdout, sys.stderr):
        # A closed pipe (`asynclint check | head`) has nothing left to lose.
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="asynclint")
def main() -> None:
    """Find code that blocks the asyncio event loop (FastAPI-aware) and fix it."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--select", help="Comma-separated codes or prefixes to enable (e.g. AL2,AL001).")
@click.option("--extend-select", help="Codes or prefixes to enable on top of the configured ones.")
@click.option("--ignore", help="Comma-separated codes or prefixes to disable.")
@click.option("--exclude", help="Comma-separated extra glob patterns to exclude.")
@click.option(
    "--format",
    "output_format",
    default="text",
    show_default=True,
    type=click.Choice(["text", "json", "github", "sarif", "gitlab"]),
)
@click.option("--output-file", "-o", type=click.Path(dir_okay=False), help="Write the report here.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when problems are found.")
@click.option(
    "--config", type=click.Path(exists=True, dir_okay=False), help="pyproject.toml to use."
)
@click.option("--no-cache", is_flag=True, help="Neither read nor write the facts cache.")
@click.option("--cache-dir", type=click.Path(file_okay=False), help="Where to keep the cache.")
@click.option("--fix", is_flag=True, help="Apply safe fixes.")
@click.option(
    "--unsafe-fixes", is_flag=True, help="Also apply (or with --diff, show) unsafe fixes."
)
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff; write nothing.")
@click.option("--show-source", is_flag=True, help="Show the source line, a caret and the chain.")
@click.option("--statistics", is_flag=True, help="Count problems per rule.")
@click.option(
    "--confidence",
    type=click.Choice(["high", "low"]),
    help="low: also report chains with a guessed hop (method matched by name only).",
)
@click.option(
    "--min-severity",
    type=click.Choice(["high", "medium", "low"]),
    help="Report only findings at least this severe (high: network, processes, databases, "
    "sleeps; medium: file data; low: metadata syscalls such as exists/stat/mkdir).",
)
@click.option(
    "--include-tests",
    is_flag=True,
    help="Also report findings in test code (test_*.py, tests/ …; see test-paths).",
)
@click.option("--baseline", type=click.Path(dir_okay=False), help="Report only findings not in it.")
@click.option(
    "--write-baseline", type=click.Path(dir_okay=False), help="Record findings and exit 0."
)
def check(
    paths: tuple[str, ...],
    select: str | None,
    extend_select: str | None,
    ignore: str | None,
    exclude: str | None,
    output_format: str,
    output_file: str | None,
    exit_zero: bool,
    config: str | None,
    no_cache: bool,
    cache_dir: str | None,
    fix: bool,
    unsafe_fixes: bool,
    diff: bool,
    show_source: bool,
    statistics: bool,
    confidence: str | None,
    min_severity: str | None,
    include_tests: bool,
    baseline: str | None,
    write_baseline: str | None,
) -> None:
    """Check PATHS (default: the current folder) for code that blocks the event loop."""
    from asynclint import report
    from asynclint.api import display_path, open_session, result_of
    from asynclint.baseline import BaselineError, load_baseline
    from asynclint.baseline import write_baseline as save_baseline
    from asynclint.report.locations import relative_to_root, repository_root

    targets = list(paths) or ["."]
    _require_paths(targets)
    try:
        settings = _settings(
            targets,
            config,
            select=select,
            ignore=ignore,
            extend_select=extend_select,
            exclude=exclude,
            no_cache=no_cache,
            cache_dir=cache_dir,
            confidence=confidence,
            min_severity=min_severity,
            include_tests=include_tests,
        )
    except ConfigError as error:
        _fail(str(error))
        return
    fixed = 0
    fix_failures: list[Finding] = []
    # JSON and SARIF describe every fix, in the run's own workers (already warm) if it had any;
    # text too, so that it counts only the fixes --fix and --unsafe-fixes will apply.
    describes = output_format in ("json", "sarif", "text")
    if fix or diff:
        from asynclint.fixing import fix_paths, unified_diff

        run = fix_paths(targets, settings, unsafe=unsafe_fixes, write=not diff)
        for message in run.write_errors:
            click.echo(f"asynclint: error: {message}", err=True)
        for message in run.not_written:
            click.echo(f"asynclint: warning: {message}", err=True)
        fix_failures = run.failures
        if diff:
            shown = {path: display_path(path) for path in run.changed}
            text = unified_diff(run, shown)
            _emit(text, output_file)
            for failure in fix_failures:
                click.echo(report.render("text", [failure]).splitlines()[0], err=True)
            count = sum(1 for _ in run.changed)
            click.echo(
                f"Would fix {run.fixed} problem{'s' if run.fixed != 1 else ''} "
                f"in {count} file{'s' if count != 1 else ''}.",
                err=True,
            )
            changes = run.changed or fix_failures
            sys.exit(EXIT_FINDINGS if changes and not exit_zero else EXIT_CLEAN)
        fixed = run.fixed
        session = open_session(targets, settings, keep_workers=describes)
    else:
        session = open_session(targets, settings, reuse_run=True, keep_workers=describes)
    try:
        result = result_of(session)
        for warning in result.warnings:
            click.echo(f"asynclint: warning: {warning}", err=True)
        findings = result.findings
        if fix_failures:
            # Their fixes failed: what is left to offer is the suggestion.
            failed = {failure.path for failure in fix_failures}
            findings = [
                replace(f, fix=None) if f.path in failed and f.fix is not None else f
                for f in findings
            ]
            findings = sorted([*findings, *fix_failures], key=Finding.sort_key)
        if write_baseline:
            count = save_baseline(write_baseline, findings)
            click.echo(
                f"Wrote {count} finding{'s' if count != 1 else ''} to {write_baseline}.", err=True
            )
            sys.exit(EXIT_CLEAN)
        if baseline:
            try:
                findings = load_baseline(baseline).filter_new(findings)
            except BaselineError as error:
                _fail(str(error))
        if describes:
            # JSON and SARIF carry the edits; text marks and counts the fixes that apply.
            from asynclint.fixing import describe_fixes

            findings = describe_fixes(session, findings)
        source_root = None
        if output_format in report.FOR_REPOSITORIES:
            # CI resolves paths against the repository, wherever the check ran from.
            source_root = repository_root(session.files.root)
            findings = relative_to_root(findings, source_root, Path.cwd())
        options = report.ReportOptions(
            show_source=show_source,
            color=report.should_color(sys.stdout) and output_file is None,
            statistics=statistics,
            files_checked=result.files_checked,
            fixed=fixed,
            unsafe_fixes=unsafe_fixes,
            source_root=source_root,
        )
        _emit(report.render(output_format, findings, options), output_file)
        if findings and not exit_zero:
            sys.exit(EXIT_FINDINGS)
        sys.exit(EXIT_CLEAN)
    finally:
        session.close()


def _emit(text: str, output_file: str | None) -> None:
    if output_file:
        try:
            Path(output_file).write_text(
                text if text.endswith("\n") or not text else text + "\n", encoding="utf-8"
            )
        except OSError as error:
            _fail(f"cannot write {output_file}: {error.strerror}")
    elif text:
        click.echo(text.rstrip("\n"))


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "output_format", default="text", type=click.Choice(["text", "json"]))
@click.option("--config", type=click.Path(exists=True, dir_okay=False))
@click.option("--no-cache", is_flag=True)
@click.option("--output-file", "-o", type=click.Path(dir_okay=False))
def routes(
    paths: tuple[str, ...],
    output_format: str,
    config: str | None,
    no_cache: bool,
    output_file: str | None,
) -> None:
    """List every FastAPI route: where it runs and whether handling it blocks the loop."""
    from asynclint.api import open_session, warnings_of
    from asynclint.routes import render_routes_json, render_routes_text, route_rows

    targets = list(paths) or ["."]
    _require_paths(targets)
    try:
        settings = _settings(targets, config, no_cache=no_cache)
    except ConfigError as error:
        _fail(str(error))
        return
    # A route is judged by all the code it runs (dependencies, helpers) wherever that is;
    # only the listing is limited to the named paths.
    session = open_session(targets, settings, whole_project=True)
    for warning in warnings_of(session):
        click.echo(f"asynclint: warning: {warning}", err=True)
    rows = route_rows(session)
    if output_format == "json":
        _emit(render_routes_json(rows), output_file)
    else:
        _emit(render_routes_text(rows), output_file)
    sys.exit(EXIT_CLEAN)


@main.command()
@click.argument("code")
@click.option("--format", "output_format", default="text", type=click.Choice(["text", "json"]))
def rule(code: str, output_format: str) -> None:
    """Explain one rule: what it does, why it is bad, examples, fix safety."""
    from asynclint import ruledocs
    from asynclint.rules import get_rule

    found = get_rule(code)
    if found is None:
        _fail(f"unknown rule {code!r}; `asynclint rules` lists them")
        return
    if output_format == "json":
        click.echo(json.dumps(ruledocs.render_json(found), indent=2))
    else:
        click.echo(ruledocs.render_text(found))


@main.command(name="rules")
@click.option("--format", "output_format", default="text", type=click.Choice(["text", "json"]))
def list_rules(output_format: str) -> None:
    """List every rule with its code, name and summary."""
    from asynclint.rules import all_rules

    rules = list(all_rules().values())
    if output_format == "json":
        click.echo(
            json.dumps(
                [
                    {"code": r.code, "name": r.name, "summary": r.summary, "url": r.url}
                    for r in rules
                ],
                indent=2,
            )
        )
        return
    width = max((len(r.name) for r in rules), default=0)
    for item in rules:
        click.echo(f"{item.code}  {item.name:<{width}}  {item.summary}")


@main.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.option(
    "--project",
    "paths",
    multiple=True,
    type=click.Path(),
    help="What to check statically (default: the current folder's project).",
)
@click.option(
    "--threshold-ms",
    type=click.FloatRange(min=1.0),
    default=50.0,
    show_default=True,
    help="A loop stall at least this long is recorded.",
)
@click.option("--format", "output_format", default="text", type=click.Choice(["text", "json"]))
@click.option("--config", type=click.Path(exists=True, dir_okay=False))
@click.option("--output-file", "-o", type=click.Path(dir_okay=False))
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when stalls were missed.")
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
def verify(
    paths: tuple[str, ...],
    threshold_ms: float,
    output_format: str,
    config: str | None,
    output_file: str | None,
    exit_zero: bool,
    command: tuple[str, ...],
) -> None:
    """Run COMMAND (your tests, a server under load) and check each event-loop stall it
    shows against the static findings: `asynclint verify -- pytest -x`.

    This is the only command that runs code: the one you give it. Exit 1 when a stall happened
    at a call site the static analysis did not report.
    """
    from asynclint.api import check_paths
    from asynclint.discovery import discover
    from asynclint.verify import Verification, attribute, run_command
    from asynclint.verify.report import render_json, render_text

    targets = list(paths) or ["."]
    _require_paths(targets)
    try:
        settings = _settings(targets, config)
    except ConfigError as error:
        _fail(str(error))
        return
    root = discover(targets, settings).root
    findings = check_paths(targets, settings).findings
    try:
        returncode, stalls = run_command(command, threshold_ms)
    except OSError as error:
        _fail(f"cannot run {command[0]!r}: {error.strerror or error}")
        return
    cwd = Path.cwd()
    sites, unattributed = attribute(stalls, findings, root.resolve(), cwd)
    result = Verification(list(command), returncode, threshold_ms, sites, unattributed)
    render = render_json if output_format == "json" else render_text
    _emit(render(result, root.resolve(), cwd), output_file)
    sys.exit(EXIT_FINDINGS if result.missed and not exit_zero else EXIT_CLEAN)


@main.command()
def server() -> None:
    """Run the language server on stdin/stdout (for editors; needs `asynclint[lsp]`)."""
    try:
        import pygls  # noqa: F401 - an optional extra
    except ImportError as error:
        _fail(f"the language server needs the lsp extra: pip install 'asynclint[lsp]' ({error})")
        return
    from asynclint.lsp import serve

    serve()
