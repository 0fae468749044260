"""What `routes` and the messages know about routes: computed prefixes, router subclasses,
call-style registrations, apps made in functions, and one context per cause (decision 0044).
The project is ``tests/fixtures/projects/computed_routes``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from asynclint.api import check_paths
from asynclint.cli import main
from asynclint.config import Settings
from asynclint.frameworks.fastapi import _used_by

PROJECT = Path(__file__).parent / "fixtures" / "projects" / "computed_routes"


@pytest.fixture(scope="module")
def routes() -> dict[str, dict]:
    result = CliRunner().invoke(main, ["routes", str(PROJECT), "--no-cache", "--format", "json"])
    assert result.exit_code == 0, result.output
    return {f"{' '.join(row['methods'])} {row['path']}": row for row in json.loads(result.stdout)}


def test_every_route_has_its_full_path(routes: dict[str, dict]) -> None:
    assert set(routes) == {
        "GET /",  # registered on an app made in create_app()
        "GET /admin/stats",  # prefix from a module constant
        "GET /admin/audit",
        "GET /api/v1/reports/daily",  # an f-string over a settings attribute
        "GET /api/v1/reports/weekly",
        "GET /api/v1/items",  # a router subclass, included with a settings prefix
        "GET /api/v1/items/{item_id}",
        "POST /api/v1/items/new",  # router.post(path)(fn)
        "GET {tenant_prefix}/ping",  # not static: named, never empty
    }


def test_a_router_subclass_adds_its_dependency(routes: dict[str, dict]) -> None:
    for key in ("GET /api/v1/items", "POST /api/v1/items/new", "GET /api/v1/items/{item_id}"):
        assert routes[key]["blocking"]
        assert routes[key]["findings"][0]["path"].endswith("shop/security.py")
    assert not routes["GET /admin/stats"]["blocking"]


def test_one_finding_per_cause_named_by_the_routes_it_serves() -> None:
    findings = {
        f.path.rsplit("/", 1)[-1]: f for f in check_paths([PROJECT], Settings(cache=False)).findings
    }
    assert findings["security.py"].context == (
        "dependency get_current_user, used by 3 routes: GET /api/v1/items, "
        "POST /api/v1/items/new, GET /api/v1/items/{item_id}"
    )
    assert findings["auth.py"].context == (
        "wrapper of @login_required, used by 2 routes: GET /admin/audit, GET /api/v1/reports/weekly"
    )


def test_contexts_name_a_few_routes_and_count_the_rest() -> None:
    labels = [f"GET /r{number}" for number in range(25)]
    assert _used_by("dependency get_user", labels) == (
        "dependency get_user, used by 25 routes: GET /r0, GET /r1, GET /r2, … (+22)"
    )
    assert _used_by("dependency get_user", labels[:1]) == "dependency get_user of GET /r0"
    assert _used_by("async route", labels[:1]) == "async route GET /r0"
    assert _used_by("async route", labels[:2]).startswith("async route handler, used by 2")
