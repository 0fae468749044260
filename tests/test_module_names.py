"""Every file gets a module name, so every file is analysed, whatever its folder is called."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from factories import write_tree

from asynclint import api
from asynclint.api import check_paths
from asynclint.cli import main
from asynclint.config import Settings
from asynclint.modules import ModuleIndex

SLEEPS = "import time\n\n\nasync def nap():\n    time.sleep(1)\n"
NO_CACHE = Settings(cache=False)
CALLS_LOAD = "from pkg.db import load\n\n\nasync def go():\n    load()\n"


def write(root: Path, files: dict[str, str]) -> None:
    write_tree(root, files)


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    project = tmp_path / "proj"
    (project / ".git").mkdir(parents=True)
    monkeypatch.chdir(project)
    return project


def reported(*paths: str) -> list[tuple[str, str, int]]:
    return [(f.path, f.code, f.line) for f in check_paths(list(paths) or ["."], NO_CACHE).findings]


@pytest.mark.parametrize("folder", ["user-service", "python3.11", "tmp.abc", "a b"])
def test_a_file_under_a_folder_no_import_can_spell_is_analysed(root: Path, folder: str) -> None:
    write(root, {f"{folder}/app.py": SLEEPS})
    result = CliRunner().invoke(main, ["check", "--no-cache", "--format", "json", "."])
    assert result.exit_code == 1, result.output
    assert [(item["path"], item["code"]) for item in json.loads(result.stdout)] == [
        (f"{folder}/app.py", "AL251")
    ]


def test_imports_between_files_of_such_a_folder_resolve(root: Path) -> None:
    write(
        root,
        {
            "tmp.abc/main.py": "from helper import wait\n\n\nasync def handler():\n    wait()\n",
            "tmp.abc/helper.py": "import time\n\n\ndef wait():\n    time.sleep(1)\n",
            "user-service/run.py": CALLS_LOAD,
            "user-service/pkg/db.py": "import time\n\n\ndef load():\n    time.sleep(1)\n",
            "user-service/pkg/other.py": CALLS_LOAD,
        },
    )
    assert reported() == [
        ("tmp.abc/main.py", "AL251", 5),
        ("user-service/pkg/other.py", "AL251", 5),
        ("user-service/run.py", "AL251", 5),
    ]


def test_files_whose_names_collide_are_each_analysed(root: Path) -> None:
    write(
        root,
        {
            "app.py": SLEEPS,
            "a-b/app.py": SLEEPS,
            "c-d/app.py": SLEEPS,
            "src/app.py": SLEEPS,
            "my-module.py": SLEEPS,
        },
    )
    assert sorted(path for path, _, _ in reported()) == [
        "a-b/app.py",
        "app.py",
        "c-d/app.py",
        "my-module.py",
        "src/app.py",
    ]


def test_each_file_has_exactly_one_name_and_it_leads_back_to_it(tmp_path: Path) -> None:
    files = [
        tmp_path / name
        for name in ("app.py", "a-b/app.py", "a.b/c.py", "a/b/c.py", "src/app.py", "x-y/z-w.py")
    ]
    for path in files:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("", encoding="utf-8")
    index = ModuleIndex(tmp_path, files)
    names = [index.module_for(path) for path in files]
    assert len(set(names)) == len(files)
    assert all(index.by_name[name] == path for name, path in zip(names, files, strict=True))


def test_a_target_with_loop_code_that_was_not_parsed_is_reported(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The safety net: a file the loader skipped never passes as checked and clean."""
    write(root, {"app.py": SLEEPS})
    monkeypatch.setattr(api._Loader, "_module_jobs", lambda self, modules, conditional: [])
    findings = check_paths(["."], NO_CACHE).findings
    assert [(f.path, f.code) for f in findings] == [("app.py", "AL001")]
    assert "did not analyse" in findings[0].message
