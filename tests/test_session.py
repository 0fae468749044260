"""A session may keep its process pool for describing fixes, and gives it back when closed."""

from __future__ import annotations

from pathlib import Path

import pytest

from asynclint.api import open_session, result_of
from asynclint.config import Settings
from asynclint.fixing import describe_fixes

HANDLER = "import time\n\n\nasync def handler_{n}():\n    time.sleep({n})\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n", encoding="utf-8")
    for n in range(16):  # enough files for a process pool
        (tmp_path / f"mod_{n}.py").write_text(HANDLER.format(n=n), encoding="utf-8")
    return tmp_path


def test_kept_workers_describe_fixes_then_close(project: Path) -> None:
    session = open_session([project], Settings(cache=False), keep_workers=True)
    try:
        if session.workers is None:
            pytest.skip("one CPU: no pool")
        findings = result_of(session).findings
        described = describe_fixes(session, findings)
    finally:
        pool = session.workers
        session.close()
    assert session.workers is None
    with pytest.raises(RuntimeError):
        pool.submit(print)  # shut down
    assert len(described) == 16
    assert all(f.fix is not None and f.fix.edits for f in described)
    alone = open_session([project], Settings(cache=False))
    assert alone.workers is None
    assert describe_fixes(alone, result_of(alone).findings) == described
