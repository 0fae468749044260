"""Once-only work: cached functions, cached properties and memo idioms block on the first call
only (decision 0041). The reported twins live in ``tests/fixtures/once_only.py``."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import libcst as cst
import pytest
from click.testing import CliRunner

from asynclint import memo
from asynclint.api import check_source
from asynclint.cli import main
from asynclint.config import Settings

FIXTURE = Path(__file__).parent / "fixtures" / "once_only.py"

STARTUP = """\
from functools import lru_cache
from pathlib import Path

from fastapi import FastAPI

app = FastAPI()


@lru_cache
def load_settings():
    return Path("settings.json").read_text()


@app.on_event("startup")
async def warm_up():
    load_settings()


@app.get("/")
async def home():
    return load_settings()
"""


def test_once_only_calls_are_low_confidence_with_a_note() -> None:
    source = FIXTURE.read_text(encoding="utf-8")
    default = {f.line for f in check_source(source, "once_only.py")}
    everything = check_source(source, "once_only.py", Settings(confidence="low"))
    once = [f for f in everything if f.line not in default]
    assert len(once) == 10
    assert all(f.once and f.confidence.value == "low" for f in once)
    assert all("on the first call only:" in f.message for f in once)
    cached = next(f for f in once if f.snippet == "load_settings")
    assert cached.message.endswith("`load_settings` caches its result")


def test_startup_code_pays_the_first_call() -> None:
    (finding,) = check_source(STARTUP, "app.py")
    assert finding.context == "startup handler" and not finding.once
    assert "first call" not in finding.message


def test_routes_show_first_call_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    (tmp_path / "app.py").write_text(STARTUP, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    text = CliRunner().invoke(main, ["routes", "--no-cache"]).stdout
    assert "first call only: AL240 app.py:21" in text
    assert "1 routes, 0 blocking the event loop, 1 on their first call only." in text
    rows = json.loads(CliRunner().invoke(main, ["routes", "--no-cache", "--format", "json"]).stdout)
    (row,) = rows
    assert not row["blocking"] and row["first_call_only"][0]["line"] == 21


def _subject(test: str) -> tuple[str, tuple] | None:
    expression = cst.parse_expression(test)

    def evaluate(node: cst.BaseExpression) -> tuple:
        return ("src", cst.Module([]).code_for_node(node))

    return memo.test_subject(expression, evaluate)


@pytest.mark.parametrize(
    ("test", "polarity", "subject"),
    [
        ("_x is None", memo.MISSING, ("src", "_x")),
        ("self._x is not None", memo.PRESENT, ("src", "self._x")),
        ("not _x", memo.MISSING, ("src", "_x")),
        ("key not in _cache", memo.MISSING, ("container", ("src", "_cache"))),
        ("key in self._store", memo.PRESENT, ("container", ("src", "self._store"))),
        ("_x is None and enabled", memo.MISSING, ("src", "_x")),
        ("hasattr(self, '_x')", memo.PRESENT, ("attr", ("src", "self"), "_x")),
    ],
)
def test_memo_tests(test: str, polarity: str, subject: tuple) -> None:
    assert _subject(test) == (polarity, subject)


@pytest.mark.parametrize("test", ["_x is None or not fresh", "_x == 3", "count > 0", "f(x)"])
def test_tests_that_are_not_memo_tests(test: str) -> None:
    assert _subject(test) is None


def _function_calls(source: str) -> dict[str, str]:
    from asynclint.facts import extract, extract_bodies

    facts = extract(source, "m.py")
    names = list(facts.masked)
    if names:
        facts.merge_bodies(extract_bodies(source, "m.py", facts.kept_lines(names)), names)
    return {call.text: call.once for f in facts.functions.values() for call in f.calls}


def test_what_runs_once_per_process_or_per_object() -> None:
    source = textwrap.dedent(
        """\
        _client = None
        _cache = {}

        def client():
            global _client
            if _client is None:
                _client = make_client()
            return _client

        def cached(key):
            if key in _cache:
                return _cache[key]
            value = load(key)
            _cache[key] = value
            return value

        class Service:
            def session(self):
                if self._session is None:
                    self._session = open_session()
                return self._session

            def reconnect(self, force):
                if self._conn is None or force:
                    self._conn = connect()

        def local():
            conn = None
            if conn is None:
                conn = connect_locally()
            return conn
        """
    )
    once = _function_calls(source)
    assert once["make_client"] == memo.PROCESS
    assert once["load"] == memo.PROCESS
    assert once["open_session"] == memo.OBJECT
    assert once["connect"] == ""  # `or force`: it runs again whenever asked
    assert once["connect_locally"] == ""  # a local is gone when the call returns


def test_a_lifespan_chosen_with_or_in_a_factory_pays_the_first_call() -> None:
    source = textwrap.dedent(
        """\
        from contextlib import asynccontextmanager
        from functools import lru_cache
        from pathlib import Path

        from fastapi import FastAPI


        @lru_cache
        def load_settings():
            return Path("settings.json").read_text()


        @asynccontextmanager
        async def lifespan(app):
            load_settings()
            yield


        def create_app(override=None) -> FastAPI:
            return FastAPI(lifespan=override or lifespan)
        """
    )
    (finding,) = check_source(source, "factory.py")
    assert finding.context == "lifespan" and not finding.once
