"""Syntax checks of files that are not parsed run ahead, in the pool's idle time, and give the
same verdicts as checking them at the end."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from asynclint import api
from asynclint.api import open_session, result_of
from asynclint.config import Settings

NO_CACHE = Settings(cache=False)
HANDLER = (
    "import time\n\nfrom lib import helper_{n}\n\n\nasync def handler_{n}():\n    helper_{n}()\n"
)
HELPER = "import time\n\n\ndef helper_{n}():\n    value = {n}\n    time.sleep(value)\n"

pytestmark = pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one CPU: no pool")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n", encoding="utf-8")
    lib = tmp_path / "lib"
    lib.mkdir()
    helpers = []
    for n in range(16):  # enough files with loop code for a process pool
        (tmp_path / f"route_{n}.py").write_text(HANDLER.format(n=n), encoding="utf-8")
        (lib / f"helpers_{n}.py").write_text(HELPER.format(n=n), encoding="utf-8")
        helpers.append(f"from lib.helpers_{n} import helper_{n}\n")
    (lib / "__init__.py").write_text("".join(helpers), encoding="utf-8")
    for n in range(60):  # files nothing on the loop reaches: only their syntax is checked
        (tmp_path / f"script_{n}.py").write_text(f"print({n})\n", encoding="utf-8")
    (tmp_path / "script_broken.py").write_text("def broken(:\n    pass\n", encoding="utf-8")
    return tmp_path


def _outcome(project: Path) -> list[tuple[str, str, int, str]]:
    findings = result_of(open_session([project], NO_CACHE)).findings
    return [(Path(f.path).name, f.code, f.line, f.message) for f in findings]


def test_checks_run_ahead_and_agree_with_checks_at_the_end(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ahead: list[int] = []
    syntax_errors = api._Loader.syntax_errors

    def counting(self: api._Loader, paths, meanwhile):  # type: ignore[no-untyped-def]
        ahead.append(len(self._checked))
        return syntax_errors(self, paths, meanwhile)

    monkeypatch.setattr(api._Loader, "syntax_errors", counting)
    with_ahead = _outcome(project)
    assert ahead and ahead[0] > 0  # some files were checked while the rounds ran
    monkeypatch.setattr(api._Loader, "check_ahead", lambda self, paths: None)
    at_the_end = _outcome(project)
    assert with_ahead == at_the_end
    assert [entry[:3] for entry in with_ahead if entry[1] == "AL001"] == [
        ("script_broken.py", "AL001", 1)
    ]
    # The helpers, parsed by a later round, are reported through their chains, once each.
    assert sum(entry[1] == "AL251" for entry in with_ahead) == 16
