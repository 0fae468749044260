"""Files that are broken, odd or hostile: reported as AL001 (or checked fine), never a crash."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from asynclint.api import check_paths, check_source
from asynclint.cli import main
from asynclint.config import Settings

SLEEPS = "import time\n\n\nasync def nap():\n    time.sleep(1)\n"
NO_CACHE = Settings(cache=False)


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    project = tmp_path / "proj"
    project.mkdir()
    (project / "pyproject.toml").write_text('[project]\nname = "bad"\n', encoding="utf-8")
    (project / "good.py").write_text(SLEEPS, encoding="utf-8")
    monkeypatch.chdir(project)
    return project


def codes_by_path(root: Path) -> dict[str, list[tuple[str, int, int]]]:
    found: dict[str, list[tuple[str, int, int]]] = {}
    for finding in check_paths(["."], NO_CACHE).findings:
        found.setdefault(finding.path, []).append((finding.code, finding.line, finding.column))
    return found


def only_al001(found: dict, path: str) -> tuple[str, int, int]:
    assert path in found, found
    assert [code for code, _, _ in found[path]] == ["AL001"]
    return found[path][0]


def test_syntax_error_is_al001_with_position_and_others_still_checked(root: Path) -> None:
    source = 'import time\nprint "hi"\n\n\nasync def f():\n    time.sleep(1)\n'
    (root / "broken.py").write_text(source, encoding="utf-8")
    found = codes_by_path(root)
    _, line, column = only_al001(found, "broken.py")
    assert 1 <= line <= source.count("\n")
    assert column >= 1
    assert found["good.py"] == [("AL251", 5, 5)]


def test_syntax_error_in_a_file_without_async_code(root: Path) -> None:
    (root / "broken.py").write_text("def f(:\n    pass\n", encoding="utf-8")
    only_al001(codes_by_path(root), "broken.py")


def test_syntax_error_message_through_the_cli(root: Path) -> None:
    (root / "broken.py").write_text("async def f(:\n    pass\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--no-cache", "--format", "json", "."])
    assert result.exit_code == 1
    items = json.loads(result.stdout)
    broken = [item for item in items if item["path"] == "broken.py"]
    assert [item["code"] for item in broken] == ["AL001"]
    assert "syntax" in broken[0]["message"].lower()
    assert any(item["path"] == "good.py" and item["code"] == "AL251" for item in items)


@pytest.mark.parametrize(
    "source", ["a = 1\nb = = 2\nc = 3\n", "def f(:\n    pass\n", "a = 1\nif True\n    pass\n"]
)
def test_syntax_error_position_matches_cpython(root: Path, source: str) -> None:
    source = "async def ok():\n    pass\n\n\n" + source
    (root / "broken.py").write_text(source, encoding="utf-8")
    with pytest.raises(SyntaxError) as error:
        ast.parse(source)
    _, line, column = only_al001(codes_by_path(root), "broken.py")
    assert (line, column) == (error.value.lineno, error.value.offset)


def test_undecodable_bytes_without_cookie(root: Path) -> None:
    (root / "latin.py").write_bytes(b"# caf\xe9 cr\xe8me\nasync def f():\n    pass\n")
    found = codes_by_path(root)
    only_al001(found, "latin.py")
    assert found["good.py"] == [("AL251", 5, 5)]


def test_unknown_coding_cookie(root: Path) -> None:
    (root / "weird.py").write_bytes(b"# -*- coding: no-such-codec -*-\nx = 1\n")
    only_al001(codes_by_path(root), "weird.py")


def test_binary_file_named_py(root: Path) -> None:
    (root / "blob.py").write_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00async def\x00\xff\xfe")
    found = codes_by_path(root)
    only_al001(found, "blob.py")
    assert found["good.py"] == [("AL251", 5, 5)]


def test_latin1_coding_cookie_decodes(root: Path) -> None:
    source = '# -*- coding: latin-1 -*-\nimport time\n\nNAME = "caf\xe9"\n\n\nasync def f():\n'
    source += "    time.sleep(1)\n"
    (root / "cookie.py").write_bytes(source.encode("latin-1"))
    assert codes_by_path(root)["cookie.py"] == [("AL251", 8, 5)]


def test_utf8_bom(root: Path) -> None:
    (root / "bom.py").write_bytes(b"\xef\xbb\xbf" + SLEEPS.encode())
    assert codes_by_path(root)["bom.py"] == [("AL251", 5, 5)]


def test_crlf_and_tabs(root: Path) -> None:
    (root / "crlf.py").write_bytes(b"import time\r\n\r\nasync def f():\r\n\ttime.sleep(1)\r\n")
    assert codes_by_path(root)["crlf.py"] == [("AL251", 4, 2)]


PEP695 = """\
import time

type Alias = int
type Pair[T] = tuple[T, T]


async def first[T](items: list[T]) -> T:
    time.sleep(1)
    return items[0]


class Box[T]:
    async def get(self) -> None:
        time.sleep(2)
"""


def test_python_312_syntax_parses_and_is_checked(root: Path) -> None:
    (root / "modern.py").write_text(PEP695, encoding="utf-8")
    assert codes_by_path(root)["modern.py"] == [("AL251", 8, 5), ("AL251", 14, 9)]
    assert [(f.code, f.line) for f in check_source(PEP695, "modern.py")] == [
        ("AL251", 8),
        ("AL251", 14),
    ]


def test_deeply_nested_expression(root: Path) -> None:
    terms = " + ".join(["1"] * 5000)
    (root / "deep.py").write_text(
        f"import time\n\n\nasync def f():\n    x = {terms}\n    time.sleep(x)\n", encoding="utf-8"
    )
    found = codes_by_path(root)
    assert found["deep.py"] == [("AL251", 6, 5)]
    assert found["good.py"] == [("AL251", 5, 5)]


def test_nested_parentheses_within_cpythons_limit(root: Path) -> None:
    depth = 190  # CPython itself refuses more than 200 nested brackets
    (root / "parens.py").write_text(
        "import time\n\n\nasync def f():\n    x = "
        + "(" * depth
        + "1"
        + ")" * depth
        + "\n    time.sleep(x)\n",
        encoding="utf-8",
    )
    assert codes_by_path(root)["parens.py"] == [("AL251", 6, 5)]


@pytest.mark.parametrize(
    "expression",
    ["(" * 2000 + "1" + ")" * 2000, "x" + ".a" * 20000],
    ids=["2000-parentheses", "20000-attributes"],
)
def test_pathological_nesting_is_al001_not_a_crash(root: Path, expression: str) -> None:
    (root / "hostile.py").write_text(
        f"import time\n\n\nasync def f():\n    x = {expression}\n    time.sleep(1)\n",
        encoding="utf-8",
    )
    # In a subprocess: a crash of the parser must not take pytest down with it.
    done = subprocess.run(
        [sys.executable, "-m", "asynclint", "check", "--no-cache", "--format", "json", "."],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1, f"exit {done.returncode}: {done.stderr[-500:]}"
    items = {(item["path"], item["code"]) for item in json.loads(done.stdout)}
    assert ("hostile.py", "AL001") in items
    assert ("good.py", "AL251") in items


def test_empty_and_whitespace_only_files(root: Path) -> None:
    (root / "empty.py").write_bytes(b"")
    (root / "blank.py").write_bytes(b"\n\n   \n")
    (root / "comment.py").write_bytes(b"# nothing here\n")
    found = codes_by_path(root)
    assert set(found) == {"good.py"}
    assert check_source("") == []


def test_file_too_large_is_al001(root: Path) -> None:
    (root / "huge.py").write_text("async def f():\n    pass\n" + "#" * 2000 + "\n")
    found = {
        f.path: f.code
        for f in check_paths(["."], Settings(cache=False, max_file_bytes=1000)).findings
    }
    assert found["huge.py"] == "AL001"


def test_unreadable_file(root: Path) -> None:
    import os

    if os.geteuid() == 0:
        pytest.skip("root can read anything")
    secret = root / "secret.py"
    secret.write_text(SLEEPS, encoding="utf-8")
    secret.chmod(0)
    try:
        only_al001(codes_by_path(root), "secret.py")
    finally:
        secret.chmod(0o644)


def test_bad_files_do_not_change_the_exit_code_semantics(root: Path) -> None:
    (root / "good.py").write_text("async def fine():\n    pass\n", encoding="utf-8")
    (root / "broken.py").write_text("async def f(:\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "asynclint", "check", "--no-cache", "."],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, "an unparsable file is a finding"
    assert "Traceback" not in done.stderr
    assert "broken.py:" in done.stdout


def test_check_source_reports_al001() -> None:
    findings = check_source("def f(:\n", "snippet.py")
    assert [f.code for f in findings] == ["AL001"]
    assert findings[0].path == "snippet.py"


def test_an_internal_error_is_exit_2_with_a_message(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unexpected exception becomes one line on stderr and exit code 2, not a traceback."""
    from asynclint import api

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(api, "open_session", explode)
    monkeypatch.delenv("ASYNCLINT_DEBUG", raising=False)
    result = CliRunner().invoke(main, ["check", "--no-cache", str(root)])
    assert result.exit_code == 2
    assert "internal error" in result.output and "boom" in result.output
    assert "Traceback" not in result.output
