"""The pre-commit hooks, the GitHub Action and the integration docs.

The try-repo tests install asynclint from this repository into a fresh hook environment (network
to PyPI needed). ``pre-commit try-repo`` uses the committed HEAD plus staged and modified tracked
files; untracked files are not part of the hook's install.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

yaml = pytest.importorskip("yaml", reason="pyyaml comes with pre-commit")

ROOT = Path(__file__).resolve().parent.parent
HOOK_IDS = ["asynclint", "asynclint-fix"]

BLOCKING = """\
import time


async def handler():
    time.sleep(1)
"""

CLEAN = """\
import asyncio


async def handler():
    await asyncio.sleep(1)
"""


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


# --- manifest and action -------------------------------------------------------------------


def test_hook_manifest() -> None:
    hooks = load_yaml(ROOT / ".pre-commit-hooks.yaml")
    assert [hook["id"] for hook in hooks] == HOOK_IDS
    for hook in hooks:
        assert hook["language"] == "python"
        assert hook["types"] == ["python"]
        assert hook["require_serial"] is True
        assert hook["name"]
        assert hook["entry"].split()[:2] == ["asynclint", "check"]
    assert "--fix" not in hooks[0]["entry"].split()
    assert "--fix" in hooks[1]["entry"].split()


def test_hook_manifest_is_valid_for_pre_commit() -> None:
    clientlib = pytest.importorskip("pre_commit.clientlib")
    clientlib.load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))


def test_action_metadata() -> None:
    action = load_yaml(ROOT / "action.yml")
    assert action["name"] and action["description"]
    inputs = action["inputs"]
    assert set(inputs) == {"args", "version", "sarif-file"}
    assert inputs["args"]["default"] == "check ."
    assert inputs["version"]["default"] == ""
    assert all(spec["description"] for spec in inputs.values())
    assert action["runs"]["using"] == "composite"
    for step in action["runs"]["steps"]:
        assert step["shell"] == "bash"
        # Inputs reach the scripts through the environment, never pasted into the script.
        assert "${{" not in step["run"]


def _write_stub(directory: Path, name: str, log: Path, exit_code: int = 0) -> None:
    stub = directory / name
    stub.write_text(f'#!/bin/sh\necho "{name} $*" >> "{log}"\nexit {exit_code}\n')
    stub.chmod(stub.stat().st_mode | stat.S_IEXEC)


def run_action_step(
    tmp_path: Path, index: int, env: dict[str, str], exit_code: int = 0
) -> tuple[int, list[str]]:
    """Run one step of action.yml with stub `python` and `asynclint`, returning the calls."""
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("bash is not installed")
    step = load_yaml(ROOT / "action.yml")["runs"]["steps"][index]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    log = tmp_path / "calls.log"
    log.write_text("")
    _write_stub(bin_dir, "python", log)
    _write_stub(bin_dir, "asynclint", log, exit_code)
    full_env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", **env}
    # GitHub runs composite bash steps as `bash --noprofile --norc -eo pipefail`.
    result = subprocess.run(
        [bash, "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        env=full_env,
        cwd=tmp_path,
        check=False,
    )
    return result.returncode, log.read_text().splitlines()


@pytest.mark.parametrize(
    ("version", "requirement"),
    [
        ("", "/actions/asynclint"),
        ("0.1.0", "asynclint==0.1.0"),
        ("asynclint>=0.1,<0.2", "asynclint>=0.1,<0.2"),
    ],
)
def test_action_install_step(tmp_path: Path, version: str, requirement: str) -> None:
    env = {"ASYNCLINT_VERSION": version, "ASYNCLINT_ACTION_PATH": "/actions/asynclint"}
    status, calls = run_action_step(tmp_path, 0, env)
    assert status == 0
    assert calls == [f"python -m pip install --disable-pip-version-check {requirement}"]


def test_action_run_step_annotates_and_fails_on_findings(tmp_path: Path) -> None:
    env = {"ASYNCLINT_ARGS": "check src *.py", "ASYNCLINT_SARIF_FILE": ""}
    (tmp_path / "glob_bait.py").write_text("")
    status, calls = run_action_step(tmp_path, 1, env, exit_code=1)
    assert status == 1
    assert calls == ["asynclint check src *.py --format github"]


def test_action_run_step_writes_sarif_first(tmp_path: Path) -> None:
    env = {"ASYNCLINT_ARGS": "check .", "ASYNCLINT_SARIF_FILE": "out.sarif"}
    status, calls = run_action_step(tmp_path, 1, env)
    assert status == 0
    assert calls == [
        "asynclint check . --format sarif --output-file out.sarif --exit-zero",
        "asynclint check . --format github",
    ]


# --- docs ----------------------------------------------------------------------------------


def yaml_snippets() -> list[str]:
    text = (ROOT / "docs" / "integrations.md").read_text(encoding="utf-8")
    return re.findall(r"```yaml\n(.*?)```", text, flags=re.DOTALL)


def test_docs_yaml_snippets_parse() -> None:
    snippets = yaml_snippets()
    assert len(snippets) >= 4
    for snippet in snippets:
        assert yaml.safe_load(snippet) is not None


def test_docs_snippets_use_real_hooks_and_reports() -> None:
    parsed = [yaml.safe_load(snippet) for snippet in yaml_snippets()]
    configs = [doc for doc in parsed if isinstance(doc, dict) and "repos" in doc]
    assert configs
    for config in configs:
        for hook in config["repos"][0]["hooks"]:
            assert hook["id"] in HOOK_IDS
    workflows = [doc for doc in parsed if isinstance(doc, dict) and "jobs" in doc]
    [workflow] = workflows
    uses = [step.get("uses", "") for step in workflow["jobs"]["asynclint"]["steps"]]
    assert any(use.startswith("github/codeql-action/upload-sarif@") for use in uses)
    action_step = next(
        s
        for s in workflow["jobs"]["asynclint"]["steps"]
        if "with" in s and "sarif-file" in s["with"]
    )
    assert set(action_step["with"]) <= set(load_yaml(ROOT / "action.yml")["inputs"])
    gitlab = next(
        doc for doc in parsed if isinstance(doc, dict) and "asynclint" in doc and "jobs" not in doc
    )
    job = gitlab["asynclint"]
    assert job["artifacts"]["reports"]["codequality"] == "gl-code-quality.json"
    assert any(
        "--format gitlab" in line and "gl-code-quality.json" in line for line in job["script"]
    )


# --- the real hook, through pre-commit try-repo ----------------------------------------------


def _pre_commit() -> list[str]:
    if shutil.which("pre-commit"):
        return ["pre-commit"]
    try:
        import pre_commit  # noqa: F401
    except ImportError:
        pytest.skip("pre-commit is not installed")
    return [sys.executable, "-m", "pre_commit"]


def _clean_git_env() -> dict[str, str]:
    # A test run from inside a git hook inherits GIT_DIR and friends; they would point git at
    # the wrong repository.
    env = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
    env.update(
        GIT_AUTHOR_NAME="test",
        GIT_AUTHOR_EMAIL="test@example.com",
        GIT_COMMITTER_NAME="test",
        GIT_COMMITTER_EMAIL="test@example.com",
        NO_COLOR="1",
    )
    return env


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, env=_clean_git_env(), check=True, capture_output=True)


def try_repo(
    tmp_path: Path, hook: str, filename: str, source: str
) -> subprocess.CompletedProcess[str]:
    """Stage ``source`` as ``filename`` in a new repository and run ``hook`` on the staged files."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    command = _pre_commit()
    project = tmp_path / "project"
    project.mkdir()
    _git(project, "init", "-q")
    (project / filename).write_text(source, encoding="utf-8")
    _git(project, "add", filename)
    return subprocess.run(
        [*command, "try-repo", str(ROOT), hook, "--color", "never"],
        cwd=project,
        env=_clean_git_env(),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def test_hook_fails_on_blocking_call_and_names_it(tmp_path: Path) -> None:
    result = try_repo(tmp_path, "asynclint", "service.py", BLOCKING)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert re.search(r"service\.py:5:\d+: AL251", output), output


def test_hook_passes_on_clean_file(tmp_path: Path) -> None:
    result = try_repo(tmp_path, "asynclint", "service.py", CLEAN)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "service.py:" not in output


def test_fix_hook_rewrites_and_fails(tmp_path: Path) -> None:
    result = try_repo(tmp_path, "asynclint-fix", "service.py", BLOCKING)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    fixed = (tmp_path / "project" / "service.py").read_text(encoding="utf-8")
    assert "time.sleep(1)" not in fixed
    assert "await asyncio.sleep(1)" in fixed


def test_docs_name_no_release_tag_that_may_not_exist() -> None:
    """A snippet pinned to a tag that was never pushed fails on first use: the docs say to use
    the tag of the release one installs instead."""
    for name in ("README.md", "docs/integrations.md"):
        text = (ROOT / name).read_text(encoding="utf-8")
        pins = re.findall(r"(?:rev: |asynclint/asynclint@)(\S+)", text)
        assert pins, name
        assert set(pins) == {"vX.Y.Z"}, f"{name} pins {pins}"
        assert "the tag of the asynclint release you install" in text
