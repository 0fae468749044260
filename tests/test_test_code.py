"""Findings in test code (``tests/``, ``test_*.py`` …) are hidden unless asked for (0051)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from factories import write_tree

from asynclint.api import is_test_path
from asynclint.cli import main
from asynclint.config import DEFAULT_TEST_PATHS, ConfigError, settings_from_mapping

BLOCKING = "import time\n\n\nasync def {name}():\n    time.sleep(1)\n"
FILES = {
    "app/__init__.py": "",
    "app/main.py": BLOCKING.format(name="handler"),
    "app/tests/__init__.py": "",
    "app/tests/helpers.py": BLOCKING.format(name="helper"),
    "tests/test_api.py": BLOCKING.format(name="test_api"),
    "tests/conftest.py": BLOCKING.format(name="fixture"),
    "scripts/load_test.py": BLOCKING.format(name="load"),
    "scripts/contest.py": BLOCKING.format(name="contest"),
}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\n', encoding="utf-8")
    write_tree(tmp_path, FILES)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def reported(*args: str) -> tuple[list[str], str]:
    result = CliRunner().invoke(main, ["check", "--no-cache", "--format", "json", *args])
    assert result.exit_code in (0, 1), result.output
    findings = json.loads(result.stdout)
    return sorted({finding["path"] for finding in findings}), result.stderr


def test_test_code_is_hidden_and_counted(project: Path) -> None:
    paths, stderr = reported(".")
    assert paths == ["app/main.py", "scripts/contest.py"]
    assert "4 findings in test code not shown" in stderr


def test_include_tests_reports_everything(project: Path) -> None:
    paths, stderr = reported("--include-tests", ".")
    assert len(paths) == len(FILES) - 2  # the two empty __init__.py
    assert "test code" not in stderr


def test_the_setting_in_pyproject(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[project]\nname = "demo"\n[tool.asynclint]\ninclude-tests = true\n', encoding="utf-8"
    )
    paths, _ = reported(".")
    assert "tests/test_api.py" in paths


@pytest.mark.parametrize("named", ["tests", "tests/test_api.py", "app/tests"])
def test_naming_test_code_asks_for_it(project: Path, named: str) -> None:
    paths, stderr = reported(named)
    assert paths and all(path.startswith(named.rstrip("/")) for path in paths), paths
    assert "test code" not in stderr


def test_a_folder_holding_tests_does_not_ask_for_them(project: Path) -> None:
    paths, stderr = reported("app")
    assert paths == ["app/main.py"]
    assert "1 finding in test code not shown" in stderr


def test_custom_test_paths(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[project]\nname = "demo"\n[tool.asynclint]\ntest-paths = ["scripts/*_test.py"]\n',
        encoding="utf-8",
    )
    paths, _ = reported(".")
    assert "scripts/load_test.py" not in paths
    assert "tests/test_api.py" in paths  # the defaults were replaced


@pytest.mark.parametrize(
    ("relative", "is_test"),
    [
        ("tests/test_x.py", True),
        ("src/app/tests/helpers.py", True),
        ("test/x.py", True),
        ("conftest.py", True),
        ("app/test_views.py", True),
        ("app/views_test.py", True),
        ("app/contest.py", False),
        ("app/testing.py", False),
        ("latest/x.py", False),
        ("test_data_folder/x.py", False),
    ],
)
def test_default_patterns(relative: str, is_test: bool) -> None:
    assert is_test_path(Path(relative), DEFAULT_TEST_PATHS) is is_test


def test_include_tests_must_be_a_boolean() -> None:
    with pytest.raises(ConfigError, match="include-tests"):
        settings_from_mapping({"include-tests": "yes"}, source="pyproject.toml")
