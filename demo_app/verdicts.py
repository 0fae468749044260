"""Static verdicts: which routes asynclint says block the event loop.

Runs ``asynclint routes <demo_app> --format json`` in-process; the app is never imported.
"""

from __future__ import annotations

import json
from pathlib import Path

APP_DIR = Path(__file__).resolve().parent


class StaticAnalysisError(RuntimeError):
    """asynclint is missing or its routes command failed."""


def routes_report(app_dir: Path = APP_DIR) -> list[dict[str, object]]:
    """The route objects printed by ``asynclint routes --format json``."""
    try:
        from click.testing import CliRunner

        from asynclint.cli import main
    except ImportError as error:
        raise StaticAnalysisError(f"asynclint CLI unavailable: {error}") from error
    result = CliRunner().invoke(main, ["routes", str(app_dir), "--format", "json"])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise StaticAnalysisError(f"asynclint routes crashed: {result.exception!r}")
    try:
        payload = json.loads(result.stdout)
    except json.JSONDecodeError as error:
        raise StaticAnalysisError(
            f"asynclint routes (exit {result.exit_code}) printed no JSON: {result.output[:500]}"
        ) from error
    routes = payload.get("routes") if isinstance(payload, dict) else payload
    if not isinstance(routes, list):
        raise StaticAnalysisError(f"unexpected routes JSON: {str(payload)[:500]}")
    return routes


def static_verdicts(app_dir: Path = APP_DIR) -> dict[tuple[str, str], bool]:
    """``(METHOD, path) -> blocking`` for every route asynclint found."""
    verdicts: dict[tuple[str, str], bool] = {}
    for route in routes_report(app_dir):
        for method in route["methods"]:  # type: ignore[attr-defined]
            verdicts[(str(method).upper(), str(route["path"]))] = bool(route["blocking"])
    return verdicts
