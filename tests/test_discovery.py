"""Which files a run checks: default excludes, .gitignore, symlinks, explicit paths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from factories import write_tree

from asynclint.api import check_paths
from asynclint.config import Settings
from asynclint.discovery import discover, find_project_root

SLEEPS = "import time\n\n\nasync def nap():\n    time.sleep(1)\n"
NO_CACHE = Settings(cache=False)


def make(root: Path, names: list[str], text: str = SLEEPS) -> None:
    write_tree(root, dict.fromkeys(names, text))


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "repo"\n', encoding="utf-8")
    monkeypatch.chdir(root)
    return root


def targets(root: Path, *paths: str, settings: Settings = NO_CACHE) -> set[str]:
    found = discover(list(paths) or ["."], settings)
    return {path.relative_to(root).as_posix() for path in found.targets}


def reported(*paths: str) -> set[str]:
    return {f.path for f in check_paths(list(paths) or ["."], NO_CACHE).findings}


def test_default_excludes(repo: Path) -> None:
    make(
        repo,
        [
            "app/main.py",
            "venv/lib/python3.11/site-packages/pkg/mod.py",
            ".venv/lib/mod.py",
            "build/lib/app/main.py",
            "dist/app/main.py",
            "node_modules/pkg/tool.py",
            ".tox/py311/mod.py",
            "app/__pycache__/cached.py",
            "site-packages/pkg/mod.py",
            ".asynclint_cache/x.py",
        ],
    )
    assert targets(repo) == {"app/main.py"}
    assert reported() == {"app/main.py"}


def test_gitignored_files_are_skipped(repo: Path) -> None:
    (repo / ".gitignore").write_text("generated/\n*_pb2.py\n/local_only.py\n", encoding="utf-8")
    (repo / "app").mkdir()
    (repo / "app/.gitignore").write_text("scratch.py\n", encoding="utf-8")
    make(
        repo,
        [
            "app/main.py",
            "generated/client.py",
            "app/service_pb2.py",
            "local_only.py",
            "app/local_only.py",
            "app/scratch.py",
            "scratch.py",
        ],
    )
    assert targets(repo) == {"app/main.py", "app/local_only.py", "scratch.py"}
    assert reported() == {"app/main.py", "app/local_only.py", "scratch.py"}


def test_gitignore_can_be_disabled(repo: Path) -> None:
    (repo / ".gitignore").write_text("generated/\n", encoding="utf-8")
    make(repo, ["app/main.py", "generated/client.py"])
    settings = Settings(cache=False, respect_gitignore=False)
    assert targets(repo, settings=settings) == {"app/main.py", "generated/client.py"}


def test_gitignore_negation(repo: Path) -> None:
    (repo / ".gitignore").write_text("gen_*.py\n!gen_keep.py\n", encoding="utf-8")
    make(repo, ["gen_a.py", "gen_keep.py"])
    assert targets(repo) == {"gen_keep.py"}


def test_explicit_file_is_checked_even_if_excluded(repo: Path) -> None:
    make(repo, ["build/script.py", "app/main.py"])
    assert targets(repo, "build/script.py") == {"build/script.py"}
    assert reported("build/script.py") == {"build/script.py"}


def test_named_subfolder_only(repo: Path) -> None:
    make(repo, ["app/main.py", "other/mod.py"])
    assert targets(repo, "app") == {"app/main.py"}
    assert reported("app") == {"app/main.py"}


def test_named_subfolders_keep_every_ignore_rule(repo: Path) -> None:
    (repo / ".gitignore").write_text("*_pb2.py\n", encoding="utf-8")
    (repo / "app").mkdir()
    (repo / "app/.gitignore").write_text("scratch/\n", encoding="utf-8")
    make(
        repo,
        [
            "app/main.py",
            "app/api_pb2.py",
            "app/scratch/try.py",
            "app/deep/er/mod.py",
            "app/deep/er/mod_pb2.py",
            "build/app.py",
            "other/mod.py",
        ],
    )
    assert targets(repo, "app") == {"app/main.py", "app/deep/er/mod.py"}
    assert targets(repo, "app/deep", "other") == {"app/deep/er/mod.py", "other/mod.py"}
    assert targets(repo, "build") == {"build/app.py"}  # excluded by default, but named
    project = discover(["app"], NO_CACHE).project
    assert [path.relative_to(repo.resolve()).as_posix() for path in project] == [
        "app/deep/er/mod.py",
        "app/main.py",
        "other/mod.py",
    ]


def test_symlinked_folder_outside_the_tree_is_not_followed(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    make(outside, ["evil.py", "deep/more.py"])
    make(repo, ["app/main.py"])
    try:
        (repo / "app/linked").symlink_to(outside, target_is_directory=True)
        (repo / "app/linked_file.py").symlink_to(outside / "evil.py")
    except OSError:
        pytest.skip("symlinks are not available")
    assert targets(repo) == {"app/main.py"}
    assert reported() == {"app/main.py"}


def test_symlink_inside_the_tree_does_not_duplicate(repo: Path) -> None:
    make(repo, ["app/main.py"])
    try:
        (repo / "alias").symlink_to(repo / "app", target_is_directory=True)
    except OSError:
        pytest.skip("symlinks are not available")
    findings = check_paths(["."], NO_CACHE).findings
    assert len(findings) == 1


def test_symlink_loop_does_not_hang(repo: Path) -> None:
    make(repo, ["app/main.py"])
    try:
        (repo / "app/loop").symlink_to(repo / "app", target_is_directory=True)
    except OSError:
        pytest.skip("symlinks are not available")
    found = discover(["."], NO_CACHE)
    assert len(found.targets) < 50


def test_only_py_files(repo: Path) -> None:
    make(repo, ["app/main.py", "app/types.pyi", "app/notes.txt", "app/script"])
    assert targets(repo) == {"app/main.py"}


def test_missing_paths_are_reported(repo: Path) -> None:
    make(repo, ["app/main.py"])
    found = discover(["app", "nope.py"], NO_CACHE)
    assert found.missing == ("nope.py",)
    result = check_paths(["app", "nope.py"], NO_CACHE)
    assert any("nope.py" in warning for warning in result.warnings)


def test_project_root_is_the_nearest_marker(repo: Path) -> None:
    make(repo, ["pkg/sub/mod.py"])
    assert find_project_root([repo / "pkg/sub/mod.py"]) == repo.resolve()
    (repo / "pkg/pyproject.toml").write_text("", encoding="utf-8")
    assert find_project_root([repo / "pkg/sub"]) == (repo / "pkg").resolve()


def test_site_packages_folder_is_excluded_from_a_stdlib_like_tree(tmp_path: Path) -> None:
    """The stdlib benchmark relies on this: site-packages below the checked folder is skipped."""
    lib = tmp_path / "lib" / "python3.11"
    make(lib, ["asyncio/tasks.py", "site-packages/thirdparty/mod.py"])
    found = discover([lib], NO_CACHE)
    names = {path.relative_to(lib).as_posix() for path in found.targets}
    assert names == {"asyncio/tasks.py"}


def test_ignored_enclosing_repository_does_not_hide_a_named_folder(tmp_path: Path) -> None:
    """A folder named on the command line is checked even if an outer .gitignore ignores it."""
    outer = tmp_path / "outer"
    (outer / ".git").mkdir(parents=True)
    (outer / ".gitignore").write_text("versions/\n", encoding="utf-8")
    make(outer, ["versions/lib/mod.py"])
    found = discover([outer / "versions/lib"], NO_CACHE)
    assert [path.name for path in found.targets] == ["mod.py"]


@pytest.mark.skipif(os.name == "nt", reason="POSIX permissions")
def test_unreadable_folder_is_skipped(repo: Path) -> None:
    make(repo, ["app/main.py", "locked/mod.py"])
    (repo / "locked").chmod(0)
    try:
        found = targets(repo)
    finally:
        (repo / "locked").chmod(0o755)
    assert "app/main.py" in found


def test_virtualenvs_of_any_name_are_skipped(repo: Path) -> None:
    make(repo, ["app/main.py", "tooling-env/lib/python3.11/site.py", "tooling-env/bin/tool.py"])
    (repo / "tooling-env" / "pyvenv.cfg").write_text("home = /usr/bin\n", encoding="utf-8")
    found = discover(["."], NO_CACHE)
    assert [path.relative_to(repo).as_posix() for path in found.targets] == ["app/main.py"]
