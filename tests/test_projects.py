"""Multi-module fixture projects: findings across files match the annotations exactly.

Each folder under ``tests/fixtures/projects`` has its own ``pyproject.toml``, so it is its own
project root; the annotations (``# expect: AL...``) live in the project files themselves.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from expect import describe_difference, expected_in_file, expected_in_tree, found, relative_key

from asynclint.api import check_paths, settings_for
from asynclint.config import Settings

PROJECTS = Path(__file__).parent / "fixtures" / "projects"
PROJECT_DIRS = sorted(path for path in PROJECTS.iterdir() if (path / "pyproject.toml").is_file())
NO_CACHE = Settings(cache=False)
WEBAPP = PROJECTS / "webapp"


def _assert_matches(expected: Counter, actual: Counter, label: str) -> None:
    if actual != expected:
        pytest.fail(
            f"{label}: findings differ from annotations\n" + describe_difference(expected, actual)
        )


def test_projects_exist() -> None:
    assert len(PROJECT_DIRS) >= 5
    for project in PROJECT_DIRS:
        assert expected_in_tree(project), f"{project.name} has no expect annotation"


def project_settings(project: Path) -> Settings:
    """The project's own configuration (its pyproject.toml), without the cache."""
    return replace(settings_for([project]), cache=False)


@pytest.mark.parametrize("project", PROJECT_DIRS, ids=[p.name for p in PROJECT_DIRS])
def test_project_findings_match_annotations(project: Path) -> None:
    result = check_paths([project], project_settings(project))
    _assert_matches(expected_in_tree(project), found(result.findings, project), project.name)


PROJECT_FILES = [
    (project, path) for project in PROJECT_DIRS for path in sorted(project.rglob("*.py"))
]
PROJECT_FILE_IDS = [f"{p.name}/{path.relative_to(p).as_posix()}" for p, path in PROJECT_FILES]


@pytest.mark.parametrize(
    ("project", "path"),
    PROJECT_FILES,
    ids=PROJECT_FILE_IDS,
)
def test_checking_one_file_gives_exactly_its_annotations(project: Path, path: Path) -> None:
    # The whole project is still read to resolve calls; only the named file is reported on.
    result = check_paths([path], project_settings(project))
    label = path.relative_to(project).as_posix()
    _assert_matches(expected_in_file(path, project), found(result.findings, project), label)


def test_project_files_checked_are_the_project_files() -> None:
    result = check_paths([WEBAPP], NO_CACHE)
    assert result.files_checked == len(list(WEBAPP.rglob("*.py")))


def test_checking_one_file_follows_calls_but_reports_only_that_file() -> None:
    routes = WEBAPP / "app" / "routes.py"
    result = check_paths([routes], NO_CACHE)
    _assert_matches(expected_in_file(routes, WEBAPP), found(result.findings, WEBAPP), "routes.py")
    chained = [finding for finding in result.findings if finding.chain]
    assert chained, "calls into services.py must be followed"
    assert all(
        any(hop.path.endswith("app/services.py") for hop in finding.chain) for finding in chained
    )


def test_three_routes_reaching_one_helper_give_three_findings() -> None:
    result = check_paths([WEBAPP / "app" / "routes.py"], NO_CACHE)
    reaching_reader = [
        finding for finding in result.findings if finding.target == "pathlib.Path.read_text"
    ]
    assert len(reaching_reader) == 3
    assert len({finding.line for finding in reaching_reader}) == 3
    assert len({finding.context for finding in reaching_reader}) == 3


def test_chain_hops_in_json_end_at_the_catalog_call() -> None:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "asynclint",
            "check",
            "app/routes.py",
            "--format",
            "json",
            "--no-cache",
            "--exit-zero",
        ],
        cwd=WEBAPP,
        capture_output=True,
        text=True,
        check=True,
    )
    findings = json.loads(completed.stdout)
    services_source = (WEBAPP / "app" / "services.py").read_text(encoding="utf-8").splitlines()
    read_line = next(
        number for number, text in enumerate(services_source, 1) if ".read_text(" in text
    )
    load_line = next(
        number for number, text in enumerate(services_source, 1) if "return load_profile(" in text
    )
    avatar = next(f for f in findings if "avatar" in f["message"] or "avatar_url" in f["message"])
    assert avatar["path"] == "app/routes.py"
    assert avatar["code"] == "AL240"
    assert avatar["chain"] == [
        {"name": "app.services.avatar_url", "path": "app/routes.py", "line": avatar["line"]},
        {"name": "app.services.load_profile", "path": "app/services.py", "line": load_line},
        {"name": "pathlib.Path.read_text", "path": "app/services.py", "line": read_line},
    ]


def test_sync_route_sharing_the_helper_is_not_reported() -> None:
    result = check_paths([WEBAPP / "app" / "routes.py"], NO_CACHE)
    routes_source = (WEBAPP / "app" / "routes.py").read_text(encoding="utf-8").splitlines()
    plain_route = next(
        number for number, text in enumerate(routes_source, 1) if "def get_user_plain" in text
    )
    assert all(finding.line <= plain_route for finding in result.findings)
    assert not any("get_user_plain" in finding.function for finding in result.findings)


def test_route_to_repository_chain_crosses_four_modules() -> None:
    project = PROJECTS / "src_layout_tasks"
    routes = project / "src" / "taskapp" / "api" / "routes.py"
    result = check_paths([routes], NO_CACHE)
    list_route = next(f for f in result.findings if "list_tasks_controller" in f.snippet)
    hop_files = [Path(hop.path).name for hop in list_route.chain]
    assert hop_files == ["routes.py", "controllers.py", "usecases.py", "repository.py"]
    assert list_route.chain[-1].name == "sqlalchemy.orm.Session.execute"
    assert list_route.target == "sqlalchemy.orm.Session.execute"
    assert "GET /tasks/" in list_route.context


def test_starlette_route_lists_give_full_paths_and_where_they_run() -> None:
    from click.testing import CliRunner

    from asynclint.cli import main

    project = PROJECTS / "starlette_routes"
    result = CliRunner().invoke(main, ["routes", "--no-cache", "--format", "json", str(project)])
    rows = {
        (tuple(r["methods"]), r["path"]): (r["runs_on"], r["blocking"])
        for r in json.loads(result.stdout)
    }
    assert rows == {
        (("GET",), "/"): ("event-loop", True),
        (("GET", "POST"), "/about"): ("threadpool", False),
        (("GET",), "/api/users"): ("event-loop", False),
        (("WEBSOCKET",), "/feed"): ("event-loop", True),
    }


@pytest.mark.parametrize(
    "name", ["layered_fastapi_app", "types_aliases", "types_dependencies", "types_interfaces"]
)
def test_routes_block_exactly_where_their_code_has_an_expected_finding(name: str) -> None:
    """`asynclint routes` marks a route blocking when its handler's body holds an expected
    finding (or, for a handler without one, when one of its async dependencies does)."""
    import ast

    from click.testing import CliRunner

    from asynclint.cli import main

    project = PROJECTS / name
    done = CliRunner().invoke(main, ["routes", "--no-cache", "--format", "json", str(project)])
    rows = json.loads(done.stdout)
    assert rows, done.output
    expected = expected_in_tree(project)
    for row in rows:
        path = Path(row["file"])
        tree = ast.parse(path.read_text(encoding="utf-8"))
        handler = next(
            node
            for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.lineno == row["line"]
        )
        relative = relative_key(path, project)
        own = {
            line
            for (file, line, _) in expected
            if file == relative and handler.lineno <= line <= (handler.end_lineno or line)
        }
        flagged = {finding["line"] for finding in row["findings"] if finding["path"] == row["file"]}
        assert own <= flagged, f"{row['path']}: expected findings {own} not behind the route"
        if not row["blocking"]:
            assert not own
