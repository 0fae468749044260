"""asynclint reports exactly the annotated lines of demo_app, and flags exactly the bad routes."""

from __future__ import annotations

import io
import json
import re
import tokenize
from collections import Counter
from pathlib import Path

from click.testing import CliRunner

from asynclint.api import check_paths
from asynclint.cli import main
from demo_app.scenarios import BAD, GOOD, SCENARIOS

REPO_ROOT = Path(__file__).resolve().parents[2]
APP_DIR = REPO_ROOT / "demo_app"
EXPECT_COMMENT = re.compile(r"#\s*expect:\s*(?P<codes>.*)$")
CODE = re.compile(r"AL\d{3}")
ROUTE_KEYS = {"methods", "path", "handler", "file", "line", "runs_on", "blocking", "findings"}

Site = tuple[str, int, str]  # (path relative to the repository, line, code)


def expected_sites(root: Path) -> Counter[Site]:
    sites: Counter[Site] = Counter()
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(REPO_ROOT).as_posix()
        source = path.read_text(encoding="utf-8")
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            match = EXPECT_COMMENT.match(token.string) if token.type == tokenize.COMMENT else None
            if match is None:
                continue
            codes = [code.strip() for code in match["codes"].split(",")]
            assert all(CODE.fullmatch(code) for code in codes), (relative, token.start[0], codes)
            for code in codes:
                sites[(relative, token.start[0], code)] += 1
    return sites


def repo_relative(reported: str) -> str:
    path = Path(reported)
    if not path.is_absolute():
        path = Path.cwd() / path
    return path.resolve().relative_to(REPO_ROOT).as_posix()


def format_sites(sites: Counter[Site]) -> str:
    lines = (f"  {path}:{line} {code} x{n}" for (path, line, code), n in sorted(sites.items()))
    return "\n".join(lines)


def test_annotations_sit_in_bad_code_only() -> None:
    sites = expected_sites(APP_DIR)
    assert len(sites) >= 20
    assert {path for path, _, _ in sites} == {"demo_app/bad/routes.py"}


def test_findings_match_expect_annotations() -> None:
    expected = expected_sites(APP_DIR)
    result = check_paths([APP_DIR])
    actual: Counter[Site] = Counter(
        (repo_relative(finding.path), finding.line, finding.code) for finding in result.findings
    )
    missing, unexpected = expected - actual, actual - expected
    assert not missing and not unexpected, (
        f"missing findings:\n{format_sites(missing)}\n"
        f"unexpected findings:\n{format_sites(unexpected)}"
    )


def routes_json() -> list[dict[str, object]]:
    result = CliRunner().invoke(main, ["routes", str(APP_DIR), "--format", "json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    payload = json.loads(result.stdout)
    return payload["routes"] if isinstance(payload, dict) else payload


def test_routes_flag_exactly_the_bad_twins() -> None:
    routes = routes_json()
    for route in routes:
        assert route.keys() >= ROUTE_KEYS, route
    by_path = {str(route["path"]): route for route in routes}

    declared = {s.route_path(variant) for s in SCENARIOS for variant in s.variants}
    assert declared <= by_path.keys(), f"routes not found: {sorted(declared - by_path.keys())}"

    wrong = {
        path: route["blocking"]
        for path, route in by_path.items()
        if route["blocking"] is not path.startswith(f"/{BAD}/")
    }
    assert not wrong, f"wrong blocking flag (path: reported): {wrong}"
    for path, route in by_path.items():
        if path.startswith(f"/{BAD}/"):
            assert route["findings"], path


def test_def_routes_run_elsewhere_than_async_routes() -> None:
    by_path = {str(route["path"]): route for route in routes_json()}
    async_route = by_path[f"/{GOOD}/sleep"]["runs_on"]
    assert by_path[f"/{GOOD}/sleep-sync"]["runs_on"] != async_route
    assert by_path[f"/{GOOD}/weather-sync"]["runs_on"] != async_route
    assert by_path["/health"]["runs_on"] == async_route
