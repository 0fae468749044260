"""The sweep (scripts/sweep.py) on a deterministic sample of the installed stdlib and
site-packages: the checker ends normally, writes JSON and analyses every file it is given.

The whole sweep (every file, about half a minute) is ``python scripts/sweep.py``.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "sweep.py"
SAMPLE_FILES = 2000


def load_sweep() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sweep", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["sweep"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.sweep
def test_sweep_of_a_sample_of_the_installed_python(tmp_path: Path) -> None:
    sweep = load_sweep()
    roots = sweep.sample(sweep.default_roots(), SAMPLE_FILES, tmp_path)
    results = sweep.sweep(roots)
    assert sum(result.files for result in results) >= SAMPLE_FILES // 2
    problems = {str(result.root): result.problems for result in results if result.problems}
    assert problems == {}


@pytest.mark.sweep
def test_the_sweep_notices_a_file_discovery_passes_over(tmp_path: Path) -> None:
    """The walk it compares with is independent: a .py file asynclint skips is a problem."""
    sweep = load_sweep()
    (tmp_path / "ok.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "skipped.py").write_text("x = 1\n", encoding="utf-8")
    config = tmp_path.parent / "skips.toml"
    config.write_text('[tool.asynclint]\nexclude = ["build"]\n', encoding="utf-8")
    result = sweep.check_root(tmp_path, config)
    assert result.problems == ["asynclint checks 1 files, the walk found 2"]
