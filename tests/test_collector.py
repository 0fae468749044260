"""The garbage collector is paused during runs and jobs, and nothing depends on it running."""

from __future__ import annotations

import gc
import textwrap
from pathlib import Path

import libcst
import pytest

from asynclint.api import check_paths
from asynclint.collector import collector_paused, without_collector
from asynclint.facts import extract

SOURCE = textwrap.dedent(
    """\
    import time
    import requests

    session = requests.Session()


    def helper(url):
        return session.get(url, timeout=10).json()


    class Repository:
        def load(self, key):
            time.sleep(0.1)
            return {"key": key, "label": f"{key!r}"}


    async def handler(url):
        data = helper(url)
        return [item for item in data if item != 'x']
    """
)


@pytest.fixture
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_paused_inside_and_restored_after(collector_on: None) -> None:
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_restored_after_an_exception(collector_on: None) -> None:
    with pytest.raises(ValueError), collector_paused():
        raise ValueError
    assert gc.isenabled()


def test_a_disabled_collector_stays_disabled(collector_on: None) -> None:
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_decorated_function_keeps_its_name_and_result(collector_on: None) -> None:
    @without_collector
    def state(value: int) -> tuple[int, bool]:
        return value, gc.isenabled()

    assert state(3) == (3, False)
    assert state.__name__ == "state"
    assert gc.isenabled()


def test_parsed_trees_are_freed_without_the_collector(collector_on: None) -> None:
    """A reference cycle through the extractor would keep every tree alive until collected."""

    def nodes_alive() -> int:
        return sum(isinstance(obj, libcst.CSTNode) for obj in gc.get_objects())

    with collector_paused():
        gc.collect()
        before = nodes_alive()  # LibCST's own defaults, made at import
        facts = extract(SOURCE, "example.py")
        after = nodes_alive()
    assert facts.error is None and "handler" in facts.functions
    assert after == before


FIXTURES = Path(__file__).parent / "fixtures"


def test_extraction_leaves_no_cyclic_garbage(collector_on: None) -> None:
    """With the collector paused for a run, every cycle would stay until the run ends."""
    sources = [path.read_text(encoding="utf-8") for path in sorted(FIXTURES.rglob("*.py"))]
    strings = sum(source.count('"') for source in sources)
    assert strings > 1000  # string literals once made cycles (ast.literal_eval's closures)
    with collector_paused():
        gc.collect()
        for source in sources:
            extract(source, "fixture.py")
        assert gc.collect() == 0


def test_run_with_the_collector_paused_gives_the_same_findings(
    collector_on: None, tmp_path: Path
) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    (tmp_path / "app.py").write_text(SOURCE, encoding="utf-8")
    paused = check_paths([tmp_path])
    assert gc.isenabled()
    gc.disable()
    try:
        disabled = check_paths([tmp_path])
    finally:
        gc.enable()
    assert [f.code for f in paused.findings] == ["AL212"]
    assert paused.findings == disabled.findings


def test_pool_workers_collect_between_jobs(collector_on: None, tmp_path: Path) -> None:
    """Workers are forked while a session has the collector paused; left paused, they would
    keep every job's small cycles for the whole run."""
    from asynclint.api import _Loader
    from asynclint.config import Settings
    from asynclint.modules import ModuleIndex

    loader = _Loader(ModuleIndex(tmp_path, []), None, Settings(cache=False), tmp_path)
    with collector_paused():
        pool = loader._pool_for(100)
        try:
            if pool is None:
                pytest.skip("one CPU: no pool")
            assert pool.submit(gc.isenabled).result(timeout=60) is True
        finally:
            loader.close()
