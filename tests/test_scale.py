"""Shapes that grow: long cross-module chains, deep star re-exports, wide class hierarchies.

Speed itself is measured by the scripts in ``benchmarks/``; these tests pin the behaviour that
keeps the cost linear (work counted, not timed) and the answers the shapes must give.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from asynclint.analysis.callgraph import CallGraph
from asynclint.api import open_session, result_of
from asynclint.config import Settings

NO_CACHE = Settings(cache=False)
ROUTE = """\
from fastapi import FastAPI

from pkg import m0

app = FastAPI()


@app.get("/")
async def route():
    m0.step()
"""


def _chain(root: Path, length: int) -> None:
    """Module i's ``step`` calls module i+1's; the last one sleeps; a route calls module 0's."""
    root.mkdir(exist_ok=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'chain'\n", encoding="utf-8")
    package = root / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    for index in range(length):
        if index == length - 1:
            text = "import time\n\n\ndef step():\n    value = 1\n    time.sleep(value)\n"
        else:
            # Two lines: the body is blanked in the skeleton and parsed when reached.
            text = (
                f"from pkg import m{index + 1}\n\n\n"
                f"def step():\n    value = 1\n    return m{index + 1}.step()\n"
            )
        (package / f"m{index}.py").write_text(text, encoding="utf-8")
    (root / "app.py").write_text(ROUTE, encoding="utf-8")


def _edges_asked(root: Path, length: int, monkeypatch: pytest.MonkeyPatch) -> int:
    """How many times a run asks the call graph for a node's edges, on a chain of ``length``."""
    _chain(root, length)
    asked = 0
    edges = CallGraph.edges

    def counting(self: CallGraph, node: object) -> list:
        nonlocal asked
        asked += 1
        return edges(self, node)

    with monkeypatch.context() as patch:
        patch.setattr(CallGraph, "edges", counting)
        findings = result_of(open_session([root], NO_CACHE)).findings
    assert [(f.path.endswith("app.py"), f.code) for f in findings] == [(True, "AL251")]
    chain = findings[0].chain
    assert len(chain) == length + 1
    assert [hop.name for hop in chain[:2]] == ["pkg.m0.step", "pkg.m1.step"]
    assert chain[-2].name == f"pkg.m{length - 1}.step"
    assert chain[-1].name == "time.sleep"
    return asked


def test_a_long_chain_is_followed_to_its_end_with_linear_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each round of loading adds one hop. Walking every reached function again in each round
    # asked for edges about length * length / 2 times; a resumed walk asks for a node's edges a
    # fixed number of times (provisional, final, then once per summary: blocking, loop
    # affinity, thread-bound objects, the other blocking calls), so doubling the chain doubles
    # the work. The longer chain also runs deeper than Python's default stack would allow if
    # the evaluation of what each function returns recursed without a bound.
    short = _edges_asked(tmp_path / "short", 150, monkeypatch)
    long = _edges_asked(tmp_path / "long", 300, monkeypatch)
    assert long <= 2.2 * short


def _star_chain(root: Path, depth: int, *, cycle: bool) -> None:
    (root / "pyproject.toml").write_text("[project]\nname = 'stars'\n", encoding="utf-8")
    package = root / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    for level in range(depth):
        lines = [f"from pkg.level{level + 1} import *\n"]
        if cycle and level == depth // 2:
            lines.append("from pkg.level0 import *\n")  # a cycle back to the top
        (package / f"level{level}.py").write_text("".join(lines), encoding="utf-8")
    (package / f"level{depth}.py").write_text(
        "import time\n\n\ndef pause():\n    time.sleep(1)\n", encoding="utf-8"
    )
    (root / "app.py").write_text(
        "from pkg.level0 import pause\n\n\nasync def handler():\n    pause()\n", encoding="utf-8"
    )


@pytest.mark.parametrize("cycle", [False, True], ids=["straight", "with-cycle"])
def test_star_re_exports_are_followed_to_any_depth(tmp_path: Path, cycle: bool) -> None:
    _star_chain(tmp_path, 30, cycle=cycle)
    findings = result_of(open_session([tmp_path], NO_CACHE)).findings
    assert [(Path(f.path).name, f.line, f.code, f.target) for f in findings] == [
        ("app.py", 5, "AL251", "time.sleep")
    ]


def test_a_name_no_star_import_binds_stays_unresolved_in_a_cycle(tmp_path: Path) -> None:
    """Stars that only import each other end the search instead of looping."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'loop'\n", encoding="utf-8")
    (tmp_path / "a.py").write_text("from b import *\n", encoding="utf-8")
    (tmp_path / "b.py").write_text("from a import *\n", encoding="utf-8")
    (tmp_path / "app.py").write_text(
        "from a import missing\n\n\nasync def handler():\n    missing()\n", encoding="utf-8"
    )
    assert result_of(open_session([tmp_path], NO_CACHE)).findings == []


INTERFACE = """\
class Sender:
    def send(self) -> None:
        raise NotImplementedError
"""
ROUTE_SENDING = """\
from core.interface import Sender


async def handler(sender: Sender) -> None:
    sender.send()
"""


def test_subclasses_are_looked_for_only_where_the_method_may_be_defined(tmp_path: Path) -> None:
    """A module whose class subclasses the interface is loaded to find an implementation only
    when its text (or that of a module subclassing its classes) defines the method called."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'impls'\n", encoding="utf-8")
    core = tmp_path / "core"
    core.mkdir()
    (core / "__init__.py").write_text("", encoding="utf-8")
    (core / "interface.py").write_text(INTERFACE, encoding="utf-8")
    # A subclass that does not define send, and has no subclass that does: never loaded.
    (core / "unrelated.py").write_text(
        "from core.interface import Sender\n\n\nclass Quiet(Sender):\n"
        "    def other(self) -> None:\n        print('x')\n        print('y')\n",
        encoding="utf-8",
    )
    # An intermediate class without send, whose subclass in another module defines it.
    (core / "middle.py").write_text(
        "from core.interface import Sender\n\n\nclass Middle(Sender):\n    pass\n",
        encoding="utf-8",
    )
    (core / "leaf.py").write_text(
        "import time\n\nfrom core.middle import Middle\n\n\nclass Leaf(Middle):\n"
        "    def send(self) -> None:\n        time.sleep(1)\n",
        encoding="utf-8",
    )
    (tmp_path / "app.py").write_text(ROUTE_SENDING, encoding="utf-8")
    session = open_session([tmp_path], NO_CACHE)
    findings = result_of(session).findings
    assert [(Path(f.path).name, f.line, f.target) for f in findings] == [
        ("app.py", 5, "time.sleep")
    ]
    assert [hop.name for hop in findings[0].chain] == ["core.leaf.Leaf.send", "time.sleep"]
    loaded = set(session.project.facts)
    assert {"core.interface", "core.middle", "core.leaf"} <= loaded
    assert "core.unrelated" not in loaded


def test_a_round_recomputes_only_the_sites_a_miss_left_provisional(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'sites'\n", encoding="utf-8")
    (tmp_path / "far.py").write_text(
        "import time\n\n\ndef away():\n    time.sleep(1)\n", encoding="utf-8"
    )
    (tmp_path / "app.py").write_text(
        "import time\n\nimport far\n\n\nasync def handler():\n"
        "    time.sleep(1)\n    far.away()\n    len('x')\n",
        encoding="utf-8",
    )
    computed: list[str] = []
    call_edges = CallGraph._call_edges

    def counting(self: CallGraph, call, node):  # type: ignore[no-untyped-def]
        if node.qualname == "handler":
            computed.append(call.text)
        return call_edges(self, call, node)

    monkeypatch.setattr(CallGraph, "_call_edges", counting)
    findings = result_of(open_session([tmp_path], NO_CACHE)).findings
    assert [(f.line, f.target) for f in findings] == [(7, "time.sleep"), (8, "time.sleep")]
    # far.py is loaded in a second round: only the call into it is computed again.
    assert sorted(computed) == ["far.away", "far.away", "len", "time.sleep"]
