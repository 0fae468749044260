"""CI formats name files relative to the repository root, wherever the check runs from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from asynclint.cli import main

HELPER = "import time\n\n\ndef wait():\n    time.sleep(1)\n"
ROUTE = "from svc.lib.helper import wait\n\n\nasync def handler():\n    wait()\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose Python project lives in a subfolder."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    files = {
        "svc/pyproject.toml": '[project]\nname = "svc"\n',
        "svc/svc/__init__.py": "",
        "svc/svc/lib/__init__.py": "",
        "svc/svc/lib/helper.py": HELPER,
        "svc/svc/api.py": ROUTE,
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def check(cwd: Path, monkeypatch: pytest.MonkeyPatch, output_format: str, *paths: str) -> str:
    monkeypatch.chdir(cwd)
    result = CliRunner().invoke(
        main, ["check", "--no-cache", "--format", output_format, *(paths or ["."])]
    )
    assert result.exit_code == 1, result.output
    return result.stdout


@pytest.mark.parametrize("cwd", [".", "svc", "svc/svc", "svc/svc/lib"])
def test_github_annotations_name_the_file_from_the_repository_root(
    repo: Path, monkeypatch: pytest.MonkeyPatch, cwd: str
) -> None:
    target = str(repo / "svc" / "svc" / "api.py")
    output = check(repo / cwd, monkeypatch, "github", target)
    assert output.startswith("::error file=svc/svc/api.py,line=5,"), output


@pytest.mark.parametrize("cwd", [".", "svc/svc"])
def test_sarif_locations_are_relative_to_srcroot_which_is_the_repository(
    repo: Path, monkeypatch: pytest.MonkeyPatch, cwd: str
) -> None:
    log = json.loads(check(repo / cwd, monkeypatch, "sarif", str(repo / "svc")))
    run = log["runs"][0]
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": repo.resolve().as_uri() + "/"}}
    (result,) = run["results"]
    location = result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "svc/svc/api.py", "uriBaseId": "%SRCROOT%"}
    hops = [r["physicalLocation"]["artifactLocation"]["uri"] for r in result["relatedLocations"]]
    assert hops == ["svc/svc/api.py", "svc/svc/lib/helper.py"]


def test_gitlab_paths_are_relative_to_the_repository_root(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (issue,) = json.loads(check(repo / "svc" / "svc", monkeypatch, "gitlab", "."))
    assert issue["location"]["path"] == "svc/svc/api.py"


def test_without_a_repository_paths_are_relative_to_the_project_root(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / ".git").rmdir()
    output = check(repo / "svc" / "svc" / "lib", monkeypatch, "github", str(repo / "svc"))
    assert output.startswith("::error file=svc/api.py,line=5,"), output


def test_text_and_json_stay_relative_to_the_current_folder(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    items = json.loads(check(repo / "svc" / "svc", monkeypatch, "json", "."))
    assert [item["path"] for item in items] == ["api.py"]
