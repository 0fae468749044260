"""``--fix`` and the user's files: concurrent edits, owners, hard links, symlinks out.

The promises: a fix never overwrites an edit saved while the run went on, never changes a file's
owner, group or mode, never splits a hard link, never writes outside the project root, and never
writes a half file.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from asynclint import fixing, writing
from asynclint.cli import main

SLEEPS = "import time\n\n\nasync def nap():\n    time.sleep(1)\n"
FIXED = "import asyncio\n\n\nasync def nap():\n    await asyncio.sleep(1)\n"


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    project = tmp_path / "proj"
    (project / ".git").mkdir(parents=True)
    (project / "app.py").write_text(SLEEPS, encoding="utf-8")
    monkeypatch.chdir(project)
    return project


def fix(*paths: str) -> Result:
    return CliRunner().invoke(main, ["check", "--no-cache", "--fix", *(paths or ["."])])


def test_the_fix_is_written_with_its_text(root: Path) -> None:
    result = fix()
    assert result.exit_code == 0, result.output
    assert (root / "app.py").read_text(encoding="utf-8") == FIXED
    assert not [p.name for p in root.iterdir() if p.name.startswith(".app.py")]


def test_an_edit_saved_during_the_run_is_not_overwritten(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    edited = SLEEPS + "\n\ndef saved_meanwhile():\n    pass\n"
    real_apply = fixing._apply

    def user_saves_while_fixing(text: str, findings: list, *, unsafe: bool) -> object:
        (root / "app.py").write_text(edited, encoding="utf-8")
        return real_apply(text, findings, unsafe=unsafe)

    monkeypatch.setattr(fixing, "_apply", user_saves_while_fixing)
    result = fix()
    assert (root / "app.py").read_text(encoding="utf-8") == edited
    assert "app.py: not fixed: it changed since asynclint read it" in result.stderr
    assert result.exit_code == 1  # the finding is still there


def test_mode_is_kept(root: Path) -> None:
    (root / "app.py").chmod(0o640)
    assert fix().exit_code == 0
    assert stat.S_IMODE((root / "app.py").stat().st_mode) == 0o640
    assert (root / "app.py").read_text(encoding="utf-8") == FIXED


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root")
def test_owner_and_group_are_kept(root: Path) -> None:
    os.chown(root / "app.py", 12345, 54321)
    assert fix().exit_code == 0
    info = (root / "app.py").stat()
    assert (info.st_uid, info.st_gid) == (12345, 54321)
    assert (root / "app.py").read_text(encoding="utf-8") == FIXED


def test_a_file_whose_owner_cannot_be_given_is_rewritten_in_place(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As a user who may write a file but not give a new file its owner."""
    inode = (root / "app.py").stat().st_ino
    monkeypatch.setattr(writing, "_give_metadata", lambda temporary, before: False)
    assert fix().exit_code == 0
    assert (root / "app.py").stat().st_ino == inode
    assert (root / "app.py").read_text(encoding="utf-8") == FIXED
    assert sorted(p.name for p in root.iterdir()) == [".git", "app.py"]


def test_hard_links_keep_sharing_the_fixed_file(root: Path) -> None:
    os.link(root / "app.py", root / "other_name.txt")
    assert fix("app.py").exit_code == 0
    assert (root / "app.py").stat().st_ino == (root / "other_name.txt").stat().st_ino
    assert (root / "other_name.txt").read_text(encoding="utf-8") == FIXED
    assert sorted(p.name for p in root.iterdir()) == [".git", "app.py", "other_name.txt"]


def test_a_failed_write_in_place_leaves_the_old_content(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    os.link(root / "app.py", root / "other_name.txt")
    real = writing._overwrite
    calls = []

    def disk_full_once(target: object, data: bytes) -> None:
        calls.append(data)
        if len(calls) == 1:
            target.write(data[:10])  # type: ignore[attr-defined]
            raise OSError(28, "No space left on device")
        real(target, data)  # type: ignore[arg-type]

    monkeypatch.setattr(writing, "_overwrite", disk_full_once)
    result = fix("app.py")
    assert "cannot write fixed file: No space left on device" in result.stderr
    assert (root / "app.py").read_text(encoding="utf-8") == SLEEPS
    assert sorted(p.name for p in root.iterdir()) == [".git", "app.py", "other_name.txt"]


def test_a_symlink_to_a_file_outside_the_project_is_not_written_through(
    root: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere" / "theirs.py"
    outside.parent.mkdir()
    outside.write_text(SLEEPS, encoding="utf-8")
    (root / "link.py").symlink_to(outside)
    result = fix("link.py")
    assert outside.read_text(encoding="utf-8") == SLEEPS
    assert "not fixed: it is outside the project root" in result.stderr
    assert result.exit_code == 1
    diff = CliRunner().invoke(main, ["check", "--no-cache", "--diff", "link.py"])
    assert "+    await asyncio.sleep(1)" in diff.stdout  # shown, never written


def test_replace_if_unchanged_refuses_a_changed_file(tmp_path: Path) -> None:
    target = tmp_path / "a.py"
    target.write_bytes(b"new content\n")
    with pytest.raises(writing.ChangedMeanwhile):
        writing.replace_if_unchanged(target, b"old\n", b"fixed\n")
    with pytest.raises(writing.ChangedMeanwhile):
        writing.replace_if_unchanged(target, b"new", b"fixed\n")  # it grew
    assert target.read_bytes() == b"new content\n"


# ---- one file's failure stays that file's -------------------------------------------------------

DEEP = "import time\n\n\nasync def f():\n    time.sleep(1)\n\n\nx = " + "-" * 3000 + "1\n"


def run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # A subprocess: deep recursion is the subject, and must not depend on pytest's stack.
    return subprocess.run(
        [sys.executable, "-m", "asynclint", "check", "--no-cache", *args, "."],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize("output_format", ["json", "sarif"])
def test_a_file_too_deep_to_describe_fixes_for_is_al001_in_reports(
    root: Path, output_format: str
) -> None:
    (root / "deep.py").write_text(DEEP, encoding="utf-8")
    done = run(root, "--format", output_format)
    assert done.returncode == 1, done.stderr
    assert "internal error" not in done.stderr
    report = json.loads(done.stdout)
    if output_format == "sarif":
        results = report["runs"][0]["results"]
        found = [
            (r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], r["ruleId"])
            for r in results
        ]
        assert ("deep.py", "AL001") in found and ("app.py", "AL251") in found
        return
    by_file = {(item["path"], item["code"]): item for item in report}
    assert "nested too deeply" in by_file["deep.py", "AL001"]["message"]
    assert by_file["app.py", "AL251"]["fix"]["edits"], "the other file's fix is still described"


def test_a_file_too_deep_to_fix_is_al001_and_the_others_are_fixed(root: Path) -> None:
    (root / "deep.py").write_text(DEEP, encoding="utf-8")
    diff = run(root, "--diff")
    assert diff.returncode == 1, diff.stderr
    assert "+++ b/app.py" in diff.stdout
    assert "deep.py:1:1: AL001 File cannot be fixed: it is nested too deeply" in diff.stderr
    done = run(root, "--fix")
    assert done.returncode == 1, done.stderr
    assert "internal error" not in done.stderr
    assert "deep.py:1:1: AL001 File cannot be fixed" in done.stdout
    assert (root / "app.py").read_text(encoding="utf-8") == FIXED
    assert (root / "deep.py").read_text(encoding="utf-8") == DEEP


def test_any_failure_to_describe_one_file_is_contained(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asynclint.fixes

    def broken(source: str, findings: list) -> list:
        raise ValueError("a bug in a transform")

    monkeypatch.setattr(asynclint.fixes, "describe_fixes", broken)
    result = CliRunner().invoke(main, ["check", "--no-cache", "--format", "json", "."])
    assert result.exit_code == 1, result.output
    items = [(item["path"], item["code"], item["message"]) for item in json.loads(result.stdout)]
    assert items[0][:2] == ("app.py", "AL001")
    assert "a bug in a transform" in items[0][2] and "please report it" in items[0][2]
    assert items[1][:2] == ("app.py", "AL251")
