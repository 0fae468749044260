"""Fix positions from CPython's parse equal LibCST's PositionProvider, or are not used at all."""

from __future__ import annotations

import ast
import sysconfig
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from asynclint import fixes as fixes_module
from asynclint.api import check_source
from asynclint.fixes import positions
from asynclint.fixes.positions import index_nodes

FIXTURES = Path(__file__).parent / "fixtures"
STDLIB = Path(sysconfig.get_paths()["stdlib"])
SAMPLES = [
    *sorted(FIXTURES.rglob("*.py")),
    *(STDLIB / name for name in ("asyncio/base_events.py", "asyncio/tasks.py", "typing.py")),
]
LAYOUTS = {
    "semicolons": "import os; import sys\nx = os.getcwd(); y = len(sys.argv)\n",
    "non-ascii": "name = 'é'; print(name, 'ü')\ndef f(ä='ö'):\n    return g(ä, 'ß')\n",
    "decorated": "@app.get('/x')\n@other(1)\nasync def route():\n    return call(2)\n",
    "chained calls": "result = a.b(1).c(2)(3)[f(4)]\n",
    "nested defs": "def outer():\n    def inner(x=f()):\n        return g(x)\n    return inner\n",
}


def _provided(module: cst.Module) -> dict[cst.CSTNode, object]:
    return dict(MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider))


@pytest.mark.parametrize(
    "source",
    [*(path.read_text(encoding="utf-8") for path in SAMPLES), *LAYOUTS.values()],
    ids=[*(path.name for path in SAMPLES), *LAYOUTS],
)
def test_paired_ranges_equal_libcst_s(source: str) -> None:
    module = cst.parse_module(source)
    index = index_nodes(module, source)
    try:
        ast.parse(source)
    except SyntaxError:  # newer syntax than this Python's: no ranges, fixes ask LibCST
        assert index.ranges is None
        return
    assert index.ranges is not None
    provided = _provided(module)
    kinds = (cst.Call, cst.FunctionDef)
    assert {n for n in index.ranges if isinstance(n, kinds)} == {
        n for n in provided if isinstance(n, kinds)
    }
    for node, code_range in index.ranges.items():
        if isinstance(node, kinds):
            assert code_range == provided[node]
        else:  # top-level statements: where they end is what import insertion asks
            assert code_range.end == provided[node].end  # type: ignore[attr-defined]
    assert set(index.ranges) >= set(module.body)


def test_parents_cover_every_code_node() -> None:
    source = LAYOUTS["nested defs"]
    module = cst.parse_module(source)
    parents = index_nodes(module, source).parents
    calls = [node for node in parents if isinstance(node, cst.Call)]
    assert len(calls) == 2
    for call in calls:
        chain = [call]
        while chain[-1] in parents:
            chain.append(parents[chain[-1]])
        assert chain[-1] is module


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.py")), ids=lambda p: p.name)
def test_fixes_do_not_depend_on_which_positions(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = path.read_text(encoding="utf-8")
    findings = [finding for finding in check_source(source, path.name) if finding.fix]
    paired = fixes_module.describe_fixes(source, findings)
    fixes_module._context_for.cache_clear()
    monkeypatch.setattr(positions, "_paired_ranges", lambda *args: None)
    assert fixes_module.describe_fixes(source, findings) == paired
    fixes_module._context_for.cache_clear()


def test_a_pairing_that_does_not_check_out_gives_no_ranges(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source = "f(1)\ng(2)\n"
    module = cst.parse_module(source)
    real = positions.builtin_spans

    def one_call_renamed(nodes, text, blanked=()):  # type: ignore[no-untyped-def]
        spans = real(nodes, text, blanked)
        spans["call:names"] = ["f", "h"]
        return spans

    monkeypatch.setattr(positions, "builtin_spans", one_call_renamed)
    assert index_nodes(module, source).ranges is None
