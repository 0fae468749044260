"""``[tool.asynclint]`` in pyproject.toml, as the command line sees it."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from factories import write_tree

from asynclint.cli import main
from asynclint.config import ConfigError, Settings, load_settings

BLOCKING = """\
import time


async def nap():
    time.sleep(1)


async def reader():
    return open("data.txt").read()
"""


def make_project(root: Path, config: str, files: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "demo"\n\n' + textwrap.dedent(config), encoding="utf-8"
    )
    return write_tree(root, files, dedent=True)


def invoke(root: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> Result:
    monkeypatch.chdir(root)
    return CliRunner().invoke(main, ["check", "--no-cache", *args], catch_exceptions=False)


def findings(root: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> list[dict]:
    result = invoke(root, monkeypatch, "--format", "json", *args)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def located(items: list[dict]) -> set[tuple[str, str]]:
    return {(item["path"], item["code"]) for item in items}


# ---- select / ignore ----------------------------------------------------------------------------


def test_defaults_report_everything(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(tmp_path, "", {"mod.py": BLOCKING})
    assert {item["code"] for item in findings(root, monkeypatch, ".")} >= {"AL251", "AL230"}


def test_select_in_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(tmp_path, '[tool.asynclint]\nselect = ["AL251"]\n', {"mod.py": BLOCKING})
    assert {item["code"] for item in findings(root, monkeypatch, ".")} == {"AL251"}


def test_ignore_in_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(tmp_path, '[tool.asynclint]\nignore = ["AL25"]\n', {"mod.py": BLOCKING})
    codes = {item["code"] for item in findings(root, monkeypatch, ".")}
    assert "AL251" not in codes
    assert "AL230" in codes


def test_command_line_select_overrides_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project(tmp_path, '[tool.asynclint]\nselect = ["AL251"]\n', {"mod.py": BLOCKING})
    codes = {item["code"] for item in findings(root, monkeypatch, "--select", "AL230", ".")}
    assert codes == {"AL230"}


# ---- exclude / extend-exclude / per-file-ignores -------------------------------------------------


def test_exclude_replaces_the_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(
        tmp_path,
        '[tool.asynclint]\nexclude = ["legacy"]\n',
        {"app/mod.py": BLOCKING, "legacy/old.py": BLOCKING, "build/gen.py": BLOCKING},
    )
    paths = {item["path"] for item in findings(root, monkeypatch, ".")}
    assert "legacy/old.py" not in paths
    assert "app/mod.py" in paths
    # Like ruff: `exclude` replaces the default list, so build/ is checked again.
    assert "build/gen.py" in paths


def test_extend_exclude_keeps_the_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(
        tmp_path,
        '[tool.asynclint]\nextend-exclude = ["legacy", "generated_*.py"]\n',
        {
            "app/mod.py": BLOCKING,
            "legacy/old.py": BLOCKING,
            "app/generated_api.py": BLOCKING,
            "build/gen.py": BLOCKING,
            "venv/lib/thing.py": BLOCKING,
        },
    )
    paths = {item["path"] for item in findings(root, monkeypatch, ".")}
    assert paths == {"app/mod.py"}


def test_per_file_ignores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(
        tmp_path,
        """\
        [tool.asynclint]
        include-tests = true
        [tool.asynclint.per-file-ignores]
        "tests/*" = ["AL251"]
        "scripts/*.py" = ["ALL"]
        """,
        {"app/mod.py": BLOCKING, "tests/test_mod.py": BLOCKING, "scripts/run.py": BLOCKING},
    )
    got = located(findings(root, monkeypatch, "."))
    assert ("app/mod.py", "AL251") in got
    assert ("app/mod.py", "AL230") in got
    assert ("tests/test_mod.py", "AL230") in got
    assert ("tests/test_mod.py", "AL251") not in got
    assert not {path for path, _ in got if path.startswith("scripts/")}


# ---- extra-blocking-calls / extra-offload-wrappers ----------------------------------------------


USES_SDK = """\
import vendor_sdk
from vendor_sdk import reports


async def handler():
    vendor_sdk.fetch_all()
    reports.build(1)
    return vendor_sdk.harmless()
"""


def test_extra_blocking_calls_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(
        tmp_path,
        """\
        [tool.asynclint.extra-blocking-calls]
        "vendor_sdk.fetch_all" = "use vendor_sdk.aio.fetch_all"
        "vendor_sdk.reports.build" = "use await reports.build_async(...)"
        """,
        {"app.py": USES_SDK},
    )
    items = findings(root, monkeypatch, ".")
    assert [(item["code"], item["line"]) for item in items] == [("AL200", 6), ("AL200", 7)]
    assert items[0]["suggestion"] == "use vendor_sdk.aio.fetch_all"
    assert items[1]["suggestion"] == "use await reports.build_async(...)"


def test_extra_blocking_calls_list_form(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(
        tmp_path,
        '[tool.asynclint]\nextra-blocking-calls = ["vendor_sdk.fetch_all -> use the aio client"]\n',
        {"app.py": USES_SDK},
    )
    items = findings(root, monkeypatch, ".")
    assert [(item["code"], item["line"], item["suggestion"]) for item in items] == [
        ("AL200", 6, "use the aio client")
    ]


def test_extra_blocking_call_reached_through_a_helper(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project(
        tmp_path,
        '[tool.asynclint.extra-blocking-calls]\n"vendor_sdk.fetch_all" = "use the aio client"\n',
        {
            "app/__init__.py": "",
            "app/service.py": "import vendor_sdk\n\n\ndef load():\n"
            "    return vendor_sdk.fetch_all()\n",
            "app/main.py": "from app.service import load\n\n\nasync def handler():\n"
            "    return load()\n",
        },
    )
    items = findings(root, monkeypatch, "app/main.py")
    assert [(item["path"], item["code"], item["line"]) for item in items] == [
        ("app/main.py", "AL200", 5)
    ]
    assert any(hop["path"] == "app/service.py" for hop in items[0]["chain"])


def test_extra_blocking_call_of_a_project_function(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A function of the project itself can be declared blocking (e.g. it calls a C extension)."""
    root = make_project(
        tmp_path,
        "[tool.asynclint.extra-blocking-calls]\n"
        '"app.legacy.fetch_report" = "use fetch_report_async"\n',
        {
            "app/__init__.py": "",
            "app/legacy.py": "def fetch_report(x):\n    return x\n",
            "app/main.py": """\
                import app.legacy
                from app import legacy
                from app.legacy import fetch_report


                async def handler():
                    app.legacy.fetch_report(1)
                    legacy.fetch_report(2)
                    fetch_report(3)
                """,
        },
    )
    items = findings(root, monkeypatch, "app/main.py")
    assert [(item["code"], item["line"]) for item in items] == [
        ("AL200", 7),
        ("AL200", 8),
        ("AL200", 9),
    ]
    assert {item["suggestion"] for item in items} == {"use fetch_report_async"}


def test_extra_offload_wrapper(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(
        tmp_path,
        '[tool.asynclint]\nextra-offload-wrappers = ["workers.run_blocking"]\n',
        {
            "app.py": """\
                import functools
                import time

                import workers


                def slow():
                    time.sleep(1)


                async def handler():
                    await workers.run_blocking(slow)
                    await workers.run_blocking(lambda: time.sleep(1))
                    await workers.run_blocking(functools.partial(time.sleep, 1))
                    await workers.run_blocking(slow())
                    slow()
                """,
        },
    )
    items = findings(root, monkeypatch, ".")
    # Only calls evaluated on the loop: the argument `slow()` and the direct call.
    assert [(item["code"], item["line"], item["column"]) for item in items] == [
        ("AL251", 15, 32),
        ("AL251", 16, 5),
    ]


# ---- warnings and errors ------------------------------------------------------------------------


def test_unknown_key_warns_but_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(tmp_path, '[tool.asynclint]\nselectt = ["AL251"]\n', {"mod.py": BLOCKING})
    result = invoke(root, monkeypatch, ".")
    assert result.exit_code == 1
    assert "selectt" in result.stderr
    assert "warning" in result.stderr
    assert "AL230" in result.stdout


def test_each_config_warning_is_printed_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project(tmp_path, '[tool.asynclint]\nselectt = ["AL251"]\n', {"mod.py": BLOCKING})
    result = invoke(root, monkeypatch, ".")
    assert result.stderr.count("selectt") == 1


@pytest.mark.parametrize(
    ("config", "key"),
    [
        ('select = "AL251"', "select"),
        ('select = ["AL9X"]', "select"),
        ('ignore = ["E501"]', "ignore"),
        ("exclude = [1, 2]", "exclude"),
        ('extend-exclude = "build"', "extend-exclude"),
        ('per-file-ignores = ["tests/*"]', "per-file-ignores"),
        ('extra-blocking-calls = { "not a name!" = "x" }', "extra-blocking-calls"),
        ('extra-blocking-calls = { "pkg.fn" = 3 }', "extra-blocking-calls"),
        ('extra-offload-wrappers = "pkg.run"', "extra-offload-wrappers"),
        ('confidence = "medium"', "confidence"),
        ('respect-gitignore = "yes"', "respect-gitignore"),
    ],
)
def test_invalid_value_exits_2_naming_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, config: str, key: str
) -> None:
    root = make_project(tmp_path, f"[tool.asynclint]\n{config}\n", {"mod.py": BLOCKING})
    result = invoke(root, monkeypatch, ".")
    assert result.exit_code == 2, result.output
    assert key in result.stderr
    assert "Traceback" not in result.output


def test_invalid_value_raises_config_error(tmp_path: Path) -> None:
    root = make_project(tmp_path, '[tool.asynclint]\nselect = ["nope"]\n', {})
    with pytest.raises(ConfigError, match="select"):
        load_settings(root / "pyproject.toml")


def test_broken_toml_exits_2_with_a_clear_message(tmp_path: Path) -> None:
    root = make_project(tmp_path, '[tool.asynclint]\nselect = ["AL251"\n', {"mod.py": BLOCKING})
    done = subprocess.run(
        [sys.executable, "-m", "asynclint", "check", "--no-cache", "."],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "pyproject.toml" in done.stderr
    assert "TOML" in done.stderr
    assert "Traceback" not in done.stderr


def test_explicit_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(tmp_path, "", {"mod.py": BLOCKING})
    other = tmp_path / "strict.toml"
    other.write_text('[tool.asynclint]\nselect = ["AL230"]\n', encoding="utf-8")
    codes = {item["code"] for item in findings(root, monkeypatch, "--config", str(other), ".")}
    assert codes == {"AL230"}


def test_nearest_pyproject_is_used_from_a_subfolder(tmp_path: Path) -> None:
    root = make_project(tmp_path, '[tool.asynclint]\nignore = ["AL230"]\n', {"pkg/mod.py": ""})
    settings = load_settings(None, search_from=root / "pkg")
    assert settings.ignore == ("AL230",)
    assert settings == Settings(ignore=("AL230",))


# ---- unknown rule codes are errors, never "every rule off" ----------------------------------


@pytest.mark.parametrize(
    ("args", "config", "named", "closest"),
    [
        (["--select", "AL999"], "", "'AL999'", "AL290"),
        (["--select", "AL252"], "", "'AL252'", "AL251"),
        (["--ignore", "AL26,AL9"], "", "'AL9'", "AL290"),
        (["--extend-select", "AL29O"], "", "'AL29O'", "AL290"),
        ([], 'select = ["AL215", "AL2600"]', "'AL2600'", "AL260"),
        ([], 'ignore = ["AL3"]', "'AL3'", "AL232"),
        ([], '[tool.asynclint.per-file-ignores]\n"tests/*" = ["AL2511"]', "'AL2511'", "AL251"),
    ],
)
def test_an_unknown_rule_code_is_an_error_naming_the_closest(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    config: str,
    named: str,
    closest: str,
) -> None:
    section = config if config.startswith("[") else f"[tool.asynclint]\n{config}"
    root = make_project(tmp_path, section + "\n", {"mod.py": BLOCKING})
    result = invoke(root, monkeypatch, *args, ".")
    assert result.exit_code == 2, result.output
    assert f"unknown rule code or prefix {named}" in result.stderr
    assert f"the closest is {closest}" in result.stderr
    assert "All checks passed" not in result.output


@pytest.mark.parametrize("selector", ["ALL", "AL", "AL2", "AL25", "AL251", "al251", "AL001"])
def test_all_and_every_real_prefix_stay_valid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, selector: str
) -> None:
    root = make_project(tmp_path, "", {"mod.py": BLOCKING})
    assert invoke(root, monkeypatch, "--select", selector, ".").exit_code in (0, 1)
    assert invoke(root, monkeypatch, "--ignore", selector, ".").exit_code in (0, 1)
