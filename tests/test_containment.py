"""One file never takes down the run: each per-file step turns its failure into that file's AL001.

Also: valid Python that LibCST rejects is not called a syntax error, and a file too large (or
too odd) for LibCST is still checked for direct calls (decision 0019).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from asynclint import api, directpass
from asynclint.api import catalog_for, check_paths, check_source
from asynclint.cli import main
from asynclint.config import Settings
from asynclint.directpass import direct_findings
from asynclint.facts import parse_suppressions
from asynclint.rules import peer_code_map

SLEEPS = "import time\n\n\nasync def nap():\n    time.sleep(1)\n"
NO_CACHE = Settings(cache=False)
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    project = tmp_path / "proj"
    (project / ".git").mkdir(parents=True)
    (project / "good.py").write_text(SLEEPS, encoding="utf-8")
    monkeypatch.chdir(project)
    return project


def found(settings: Settings = NO_CACHE) -> list[tuple[str, str, int, str]]:
    return [(f.path, f.code, f.line, f.message) for f in check_paths(["."], settings).findings]


def failing_for(name: str, real: object) -> object:
    def job(argument: tuple) -> object:
        if name in str(argument[1]):
            raise RuntimeError(f"boom in {name}")
        return real(argument)  # type: ignore[operator]

    return job


# ---- extraction ---------------------------------------------------------------------------------


def test_a_failure_while_extracting_one_file_is_its_al001(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (root / "bad.py").write_text(SLEEPS, encoding="utf-8")
    monkeypatch.setattr(api, "_extract_file", failing_for("bad.py", api._extract_file))
    assert [item[:2] for item in found()] == [("bad.py", "AL001"), ("good.py", "AL251")]
    assert "boom in bad.py" in found()[0][3] and "please report it" in found()[0][3]


def test_a_failure_while_extracting_bodies_is_reported_and_the_run_goes_on(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (root / "calls.py").write_text(
        "from other import helper\n\n\nasync def f():\n    helper()\n", encoding="utf-8"
    )
    # A body of two lines or more is parsed only once the async function's call reaches it.
    (root / "other.py").write_text(
        "import time\n\n\ndef helper():\n    x = 1\n    time.sleep(x)\n", encoding="utf-8"
    )
    monkeypatch.setattr(
        api, "_extract_bodies_file", failing_for("other.py", api._extract_bodies_file)
    )
    results = found()
    assert [item[:2] for item in results] == [("good.py", "AL251"), ("other.py", "AL001")]
    assert "some function bodies could not be analysed: an internal error" in results[1][3]
    # Not a file reported on: a warning says what may have gone unseen.
    result = check_paths(["calls.py"], NO_CACHE)
    assert result.findings == []
    assert any(
        w.startswith("other.py: some function bodies could not be analysed")
        for w in result.warnings
    )


def test_a_failed_body_is_not_cached_as_parsed(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (root / "calls.py").write_text(
        "from other import helper\n\n\nasync def f():\n    helper()\n", encoding="utf-8"
    )
    (root / "other.py").write_text(
        "import time\n\n\ndef helper():\n    x = 1\n    time.sleep(x)\n", encoding="utf-8"
    )
    cached = Settings(cache_dir=str(root.parent / "cache"))
    real = api._extract_bodies_file
    monkeypatch.setattr(api, "_extract_bodies_file", failing_for("other.py", real))
    assert ("other.py", "AL001") in [(f.path, f.code) for f in check_paths(["."], cached).findings]
    monkeypatch.setattr(api, "_extract_bodies_file", real)
    again = [(f.path, f.code) for f in check_paths(["calls.py"], cached).findings]
    assert again == [("calls.py", "AL251")]
    # Nor is the whole run's result.
    session = api.open_session(["."], cached, reuse_run=True)
    assert session.cached_findings is None
    assert ("other.py", "AL001") not in [(f.path, f.code) for f in api.result_of(session).findings]


def test_a_failure_while_checking_syntax_is_al001(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (root / "plain.py").write_text("x = 1\n", encoding="utf-8")

    def broken(data: bytes) -> None:
        raise MemoryError

    monkeypatch.setattr(api, "_syntax_error", broken)
    results = found()
    assert [item[:2] for item in results] == [("good.py", "AL251"), ("plain.py", "AL001")]
    assert "MemoryError" in results[1][3]


# ---- LibCST's limits are not syntax errors ----------------------------------------------------


def test_valid_python_libcst_rejects_is_said_so_and_still_checked_for_direct_calls(
    root: Path,
) -> None:
    # CPython's grammar tests hold expressions of this kind; LibCST's parser gives up on them.
    strings = "".join('    "a"\n' for _ in range(50_000))
    (root / "strings.py").write_text(f"{SLEEPS}\n\nx = (\n{strings})\n", encoding="utf-8")
    results = [item for item in found() if item[0] == "strings.py"]
    assert [item[1] for item in results] == ["AL251", "AL001"]
    assert results[0][2] == 5 and results[1][2] > 50_000  # where LibCST gave up
    message = results[1][3]
    assert message.startswith("File cannot be analysed: LibCST cannot parse this file: ")
    assert "syntax error" not in message
    assert message.endswith("only direct calls in async functions were checked")


# ---- files over the size limit ------------------------------------------------------------------


def test_a_file_over_the_size_limit_is_checked_for_direct_calls(root: Path) -> None:
    text = (
        "from time import sleep as nap\n\n\nasync def handler():\n    nap(1)\n"
        "    open('x')  # noqa: AL230\n" + "#" * 2000 + "\n"
    )
    (root / "huge.py").write_text(text, encoding="utf-8")
    results = [item for item in found(Settings(cache=False, max_file_bytes=1000))]
    huge = [item for item in results if item[0] == "huge.py"]
    assert [item[1:3] for item in huge] == [("AL001", 1), ("AL251", 5)]
    assert huge[0][3] == (
        f"File cannot be analysed: file is too large for a full analysis "
        f"({len(text):,} bytes); only direct calls in async functions were checked"
    )
    assert huge[1][3] == "`nap()` (`time.sleep`) blocks the event loop in async function `handler`"
    assert ("good.py", "AL251") in [item[:2] for item in results]


def test_a_file_over_every_limit_is_said_not_checked(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (root / "huge.py").write_text(SLEEPS + "#" * 2000 + "\n", encoding="utf-8")
    monkeypatch.setattr(directpass, "MAX_FILE_BYTES", 1500)
    huge = [
        item for item in found(Settings(cache=False, max_file_bytes=1000)) if item[0] == "huge.py"
    ]
    assert [item[1] for item in huge] == ["AL001"]
    assert "not checked at all (file is too large" in huge[0][3]


def test_the_direct_pass_reads_a_file_in_slices_with_the_same_result(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = (
        "import time\nimport subprocess as sp\n\n"
        'DOC = """\nasync def not_code():\n    time.sleep(1)\n"""\n\n'
        "async def a():\n    time.sleep(1)\n\n\n"
        "data = [\n1,\n2,\n]\n"
        "class K:\n    async def m(self):\n        sp.run(['x'])\n\n"
        "async def b():\n    'é'; time.sleep(2)\n"
    )
    catalog = catalog_for(Settings())
    whole = direct_findings(text, "m.py", "m", catalog)
    monkeypatch.setattr(directpass, "SLICE_BYTES", 8)
    sliced = direct_findings(text, "m.py", "m", catalog)
    assert sliced.stopped_at is None and whole.stopped_at is None
    assert sliced.findings == whole.findings
    assert [(f.line, f.column, f.span.end_column, f.code) for f in whole.findings] == [
        (10, 5, 18, "AL251"),
        (19, 9, 22, "AL221"),
        (22, 10, 23, "AL251"),
    ]
    monkeypatch.setattr(directpass, "MAX_SLICE_BYTES", 16)
    stopped = direct_findings(text, "m.py", "m", catalog)
    assert stopped.stopped_at == 4  # the string cannot be closed within 16 bytes


@pytest.mark.parametrize(
    "path", sorted(FIXTURES.rglob("*.py")), ids=lambda path: path.relative_to(FIXTURES).as_posix()
)
def test_the_direct_pass_reports_nothing_the_full_analysis_does_not(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    settings = Settings(select=("ALL",))
    full = {(f.line, f.column, f.code) for f in check_source(text, str(path), settings)}
    suppressions, peers = parse_suppressions(text), peer_code_map()
    direct = direct_findings(text, str(path), "m", catalog_for(settings)).findings
    extra = [
        (f.line, f.column, f.code)
        for f in direct
        if not api._line_suppressed(suppressions, f, peers)
        and (f.line, f.column, f.code) not in full
    ]
    assert extra == []


# ---- through the command line -------------------------------------------------------------------


def test_the_cli_never_calls_a_libcst_rejection_a_syntax_error(root: Path) -> None:
    strings = "".join('    "a"\n' for _ in range(50_000))
    (root / "strings.py").write_text(f"{SLEEPS}x = (\n{strings})\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--no-cache", "strings.py"])
    assert result.exit_code == 1
    assert "LibCST cannot parse this file" in result.stdout
    assert "syntax error" not in result.stdout
