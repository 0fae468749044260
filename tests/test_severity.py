"""Severity: per sink in the catalog, the most severe chain shown, reported in every format and
filtered by ``--min-severity`` (decision 0040)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from factories import make_finding

from asynclint.api import check_source
from asynclint.catalog import Catalog, CatalogError, builtin_catalog
from asynclint.cli import main
from asynclint.config import ConfigError, Settings, settings_from_mapping
from asynclint.models import ChainHop, Confidence, Severity
from asynclint.report import ReportOptions, render

HELPERS = """\
import os
import requests


def report(folder):
    if not os.path.exists(folder):
        os.makedirs(folder)
    return requests.get("https://example.com", timeout=5).text


def tidy(folder):
    os.makedirs(folder, exist_ok=True)


async def handler(folder):
    report(folder)
    tidy(folder)
"""


def test_the_catalog_gives_each_sink_a_severity() -> None:
    catalog = builtin_catalog()
    severity = {
        name: entry.blocking.severity
        for name, entry in catalog.functions.items()
        if entry.blocking is not None
    }
    assert severity["requests.post"] is Severity.HIGH
    assert severity["subprocess.run"] is Severity.HIGH
    assert severity["time.sleep"] is Severity.HIGH
    assert severity["builtins.open"] is Severity.MEDIUM
    assert severity["shutil.copyfile"] is Severity.MEDIUM
    assert severity["os.makedirs"] is Severity.LOW
    assert severity["os.path.exists"] is Severity.LOW
    path_method = catalog.method
    assert path_method("pathlib.Path", "read_text").severity is Severity.MEDIUM  # type: ignore[union-attr]
    assert path_method("pathlib.Path", "resolve").severity is Severity.LOW  # type: ignore[union-attr]
    assert path_method("sqlalchemy.orm.Session", "execute").severity is Severity.HIGH  # type: ignore[union-attr]


def test_a_catalog_severity_must_be_known() -> None:
    doc = {"functions": [{"names": ["x.y"], "code": "AL240", "severity": "urgent"}]}
    with pytest.raises(CatalogError, match="severity"):
        Catalog().add_document(doc, "test.toml")


def test_the_most_severe_sink_is_the_chain_and_the_others_are_counted() -> None:
    first, second = check_source(HELPERS, "helpers.py")
    assert first.code == "AL210" and first.severity is Severity.HIGH
    assert first.chain[-1].name == "requests.get"
    assert [hop.name for hop in first.others] == ["os.path.exists", "os.makedirs"]
    assert first.message.endswith("(+2 other blocking calls)")
    assert second.code == "AL240" and second.severity is Severity.LOW and not second.others


def test_min_severity_filters_check_source() -> None:
    medium = Settings(min_severity="medium")
    assert [f.code for f in check_source(HELPERS, "helpers.py", medium)] == ["AL210"]
    low = Settings(min_severity="low")
    assert len(check_source(HELPERS, "helpers.py", low)) == 2


def test_min_severity_in_config_is_validated() -> None:
    assert settings_from_mapping({"min-severity": "high"}, source="x").min_severity == "high"
    with pytest.raises(ConfigError, match="min-severity"):
        settings_from_mapping({"min-severity": "severe"}, source="x")


def test_min_severity_option_and_json_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    (tmp_path / "app.py").write_text(HELPERS, encoding="utf-8")
    monkeypatch.chdir(tmp_path)

    def run(*args: str) -> list[dict]:
        result = CliRunner().invoke(main, ["check", "--no-cache", "--format", "json", *args])
        assert result.exit_code == 1, result.output
        return json.loads(result.stdout)

    everything = run()
    assert [item["severity"] for item in everything] == ["high", "low"]
    assert [hop["name"] for hop in everything[0]["others"]] == ["os.path.exists", "os.makedirs"]
    assert [item["code"] for item in run("--min-severity", "medium")] == ["AL210"]


def test_text_lists_the_most_severe_first_and_show_source_lists_the_others() -> None:
    low = make_finding(code="AL240", severity=Severity.LOW, path="a.py")
    high = make_finding(
        path="z.py",
        chain=(ChainHop("report", "z.py", 4), ChainHop("requests.get", "z.py", 9)),
        others=(ChainHop("os.makedirs", "z.py", 8),),
    )
    text = render("text", [low, high], ReportOptions(show_source=True, read_source=lambda p: []))
    assert text.index("z.py:4:5: AL251 high") < text.index("a.py:4:5: AL240 low")
    assert "= it also reaches:\n      - z.py:8 os.makedirs" in text


@pytest.mark.parametrize(
    ("severity", "confidence", "github", "sarif", "gitlab"),
    [
        (Severity.HIGH, Confidence.HIGH, "error", "error", "major"),
        (Severity.MEDIUM, Confidence.HIGH, "warning", "warning", "minor"),
        (Severity.LOW, Confidence.HIGH, "notice", "note", "info"),
        (Severity.HIGH, Confidence.LOW, "warning", "warning", "minor"),
        (Severity.LOW, Confidence.LOW, "notice", "note", "info"),
    ],
)
def test_levels_of_the_ci_formats(
    severity: Severity, confidence: Confidence, github: str, sarif: str, gitlab: str
) -> None:
    finding = make_finding(severity=severity, confidence=confidence)
    assert render("github", [finding]).startswith(f"::{github} ")
    result = json.loads(render("sarif", [finding]))["runs"][0]["results"][0]
    assert result["level"] == sarif
    assert result["properties"]["severity"] == severity.value
    assert json.loads(render("gitlab", [finding]))[0]["severity"] == gitlab


def test_the_chain_of_a_helper_is_not_the_first_sink_found() -> None:
    source = textwrap.dedent(
        """\
        import subprocess
        from pathlib import Path


        def build(root):
            Path(root).resolve()
            return subprocess.check_output(["git", "ls-files"], cwd=root)


        async def files(root):
            return build(root)
        """
    )
    (finding,) = check_source(source, "build.py")
    assert finding.chain[-1].name == "subprocess.check_output"
    assert [hop.name for hop in finding.others] == ["pathlib.Path.resolve"]
