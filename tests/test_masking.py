"""Skeletons with blanked bodies, and bodies parsed on demand, must not change any finding."""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path

import libcst
import pytest

from asynclint import fixes as fixes_module
from asynclint import masking
from asynclint.api import check_paths, check_source, settings_for
from asynclint.cache import FactsCache
from asynclint.config import Settings
from asynclint.facts import extract, extract_bodies
from asynclint.fixes import describe_fixes
from asynclint.models import Finding

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).parents[1]

SOURCE = textwrap.dedent(
    '''\
    import requests


    def fetch(url):
        """Blocking helper."""
        response = requests.get(url)
        response.raise_for_status()
        return response.json()


    class Client:
        def __init__(self, base):
            self.base = base

        @staticmethod
        def build(url):
            parts = url.split("/")
            parts.append("x")
            return "/".join(parts)

        def get(self, path):
            url = self.build(path)
            data = fetch(url)
            return data


    async def route():
        return fetch("http://example.com")


    def short():
        return 1


    def registers(app):
        app.include_router(object())
        app.include_router(object())
        return app


    def counter():
        global TOTAL
        TOTAL = 1
        return TOTAL


    def one_line(): return requests.get("u")
    '''
)


@pytest.fixture(autouse=True)
def _blank_from_two_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unit tests use short bodies: blank any of two lines or more (one-liners stay)."""
    monkeypatch.setattr(masking, "MIN_MASKED_LINES", 2)


def _masked_names(source: str) -> set[str]:
    return set(masking.skeleton(source, ast.parse(source)).masked)


def test_skeleton_blanks_only_bodies_nothing_needs_yet() -> None:
    assert _masked_names(SOURCE) == {"fetch", "Client.build", "Client.get"}


def test_skeleton_keeps_every_line_in_place() -> None:
    skeleton = masking.skeleton(SOURCE, ast.parse(SOURCE))
    original, blanked = SOURCE.splitlines(), skeleton.text.splitlines()
    assert len(blanked) == len(original)
    tree = ast.parse(skeleton.text)
    kept = {node.name: node.lineno for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
    assert kept["get"] == original.index("    def get(self, path):") + 1
    assert "requests.get" not in skeleton.text.split("class Client")[0]
    assert "data = fetch(url)" not in skeleton.text  # Client.get's body is blanked too


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ("    async def inner():\n        pass\n    return inner\n    x = 1\n", "nested async"),
        ("    x = 1\n    y = 2\n    z = 3\n    nonlocal_free = x\n    await_ = 1\n", ""),
    ],
)
def test_nested_loop_code_keeps_the_body(body: str, why: str) -> None:
    source = f"def outer():\n{body}"
    assert _masked_names(source) == (set() if why else {"outer"})


def test_body_that_sets_attributes_of_self_is_kept() -> None:
    source = (
        "class A:\n    def setup(self):\n        a = 1\n        b = 2\n        self.c = a + b\n"
    )
    assert _masked_names(source) == set()


def test_definitions_in_blocks_and_redefinitions() -> None:
    source = textwrap.dedent(
        """\
        import sys
        if sys.platform == "win32":
            def f():
                a = 1
                b = 2
                return a + b
        def g():
            a = 1
            b = 2
            return a + b
        async def g():
            return 1
        """
    )
    # f sits in a block, g is also an async def: both stay whole.
    assert _masked_names(source) == set()


def test_non_ascii_and_crlf_lines_stay_in_place() -> None:
    source = "def f():\r\n    s = 'é'\r\n    t = 'ü'\r\n    return s + t\r\n\r\nx = f()  # é\r\n"
    skeleton = masking.skeleton(source, ast.parse(source))
    assert set(skeleton.masked) == {"f"}
    assert skeleton.text.endswith("x = f()  # é\r\n")
    assert len(masking.split_lines(skeleton.text)) == len(masking.split_lines(source))


def test_bodies_source_keeps_the_requested_lines_and_class_headers() -> None:
    facts = extract(SOURCE, "m.py")
    keep = sorted(facts.masked["Client.get"])
    text = masking.bodies_source(SOURCE, keep)
    assert len(text.splitlines()) == len(SOURCE.splitlines())
    assert "class Client:" in text and "def get(self, path):" in text
    assert "requests.get" not in text and "def build" not in text
    fragment = extract_bodies(SOURCE, "m.py", keep)
    assert fragment.error is None
    get = fragment.functions["Client.get"]
    assert [call.text for call in get.calls] == ["self.build", "fetch"]
    assert get.calls[1].span[0] == SOURCE.splitlines().index("        data = fetch(url)") + 1


def test_merged_bodies_equal_whole_file_facts(monkeypatch: pytest.MonkeyPatch) -> None:
    skeleton = extract(SOURCE, "m.py")
    monkeypatch.setattr(masking, "MIN_MASKED_LINES", 10**9)
    whole = extract(SOURCE, "m.py")
    assert whole.masked == {} and skeleton.masked
    names = list(skeleton.masked)
    keep = skeleton.kept_lines(names)
    skeleton.merge_bodies(extract_bodies(SOURCE, "m.py", keep), names)
    assert skeleton.masked == {}
    for name, function in whole.functions.items():
        assert asdict(skeleton.functions[name]) == asdict(function), name


# ---- equivalence on every fixture: blank every body that may be blanked, or none ----------


def _findings(
    run: Callable[[], list[Finding]], monkeypatch: pytest.MonkeyPatch, min_lines: int
) -> list[Finding]:
    monkeypatch.setattr(masking, "MIN_MASKED_LINES", min_lines)
    return run()


FIXTURE_FILES = sorted(FIXTURES.glob("*.py"))
PROJECT_DIRS = sorted(p for p in (FIXTURES / "projects").iterdir() if p.is_dir())
PROJECTS = [*PROJECT_DIRS, ROOT / "demo_app"]


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=[p.name for p in FIXTURE_FILES])
def test_fixture_findings_do_not_depend_on_blanking(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = path.read_text(encoding="utf-8")

    def run() -> list[Finding]:
        return check_source(source, path.name)

    assert _findings(run, monkeypatch, 1) == _findings(run, monkeypatch, 10**9)


@pytest.mark.parametrize("project", PROJECTS, ids=[p.name for p in PROJECTS])
def test_project_findings_do_not_depend_on_blanking(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = replace(settings_for([project]), cache=False)  # the project's own configuration

    def run() -> list[Finding]:
        return check_paths([project], settings).findings

    blanked = _findings(run, monkeypatch, 1)
    assert blanked, "every fixture project has findings"
    assert blanked == _findings(run, monkeypatch, 10**9)


def test_fixtures_really_get_blanked(monkeypatch: pytest.MonkeyPatch) -> None:
    """The equivalence tests above are only worth something if bodies do get blanked."""
    monkeypatch.setattr(masking, "MIN_MASKED_LINES", 1)
    sources = [p.read_text(encoding="utf-8") for p in FIXTURE_FILES]
    sources += [p.read_text(encoding="utf-8") for d in PROJECTS for p in d.rglob("*.py")]
    blanked = sum(len(extract(source, "f.py").masked) for source in sources)
    assert blanked >= 100


# ---- loading: caches keep parsed bodies; text that only mentions async is not parsed -------


def _write(folder: Path, files: dict[str, str]) -> None:
    (folder / "pyproject.toml").write_text("[project]\nname = 'p'\n", encoding="utf-8")
    for name, text in files.items():
        (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")


HELPERS = """\
    import time


    def pause():
        seconds = 1
        seconds += 1
        time.sleep(seconds)


    def unused():
        first = 1
        second = 2
        return first + second
    """
ROUTES = """\
    from helpers import pause


    async def handler():
        pause()
    """


def test_cached_facts_keep_the_bodies_a_run_parsed(tmp_path: Path) -> None:
    _write(tmp_path, {"helpers.py": HELPERS, "routes.py": ROUTES})
    settings = Settings(cache_dir=str(tmp_path / "cache"))
    first = check_paths([tmp_path], settings).findings
    assert [(f.code, f.line) for f in first] == [("AL251", 5)]
    entries = (tmp_path / "cache" / "facts").rglob("*.msgpack")
    cached = [
        facts
        for facts in (FactsCache(tmp_path / "cache").get(entry.stem) for entry in entries)
        if facts is not None and facts.path.endswith("helpers.py")
    ]
    assert len(cached) == 1
    assert "pause" not in cached[0].masked and "unused" in cached[0].masked
    (tmp_path / "routes.py").write_text(textwrap.dedent(ROUTES) + "\n# edited\n")
    assert check_paths([tmp_path], settings).findings == first


def test_async_text_in_strings_is_not_parsed_but_still_syntax_checked(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "docs.py": 'TEXT = """use async def for routes"""\n',
            "broken.py": 'TEXT = "async def"\ndef f(:\n',
        },
    )
    settings = Settings(cache_dir=str(tmp_path / "cache"))
    for _ in range(2):  # cold, then from the cache
        result = check_paths([tmp_path], settings)
        assert [(f.code, Path(f.path).name, f.line) for f in result.findings] == [
            ("AL001", "broken.py", 2)
        ]
    parsed = list((tmp_path / "cache" / "facts").rglob("*.msgpack"))
    assert len(parsed) == 1  # broken.py's syntax error; docs.py never reached LibCST


# ---- fixes parse the file with bodies far from their findings blanked ----------------------


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=[p.name for p in FIXTURE_FILES])
def test_fix_descriptions_do_not_depend_on_blanking(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = path.read_text(encoding="utf-8")
    findings = [finding for finding in check_source(source, path.name) if finding.fix]
    focused = describe_fixes(source, findings)
    fixes_module._context_for.cache_clear()
    monkeypatch.setattr(masking, "focused", lambda source, tree, lines: source)
    assert describe_fixes(source, findings) == focused


def test_fix_descriptions_are_described_with_edits() -> None:
    """The comparison above is only worth something if fixes come with edits."""
    edits = 0
    for path in FIXTURE_FILES:
        source = path.read_text(encoding="utf-8")
        findings = [finding for finding in check_source(source, path.name) if finding.fix]
        edits += sum(bool(fix and fix.edits) for fix in describe_fixes(source, findings))
    assert edits >= 20


def test_focused_text_blanks_bodies_without_focus_lines() -> None:
    text = masking.focused(SOURCE, ast.parse(SOURCE), frozenset({24}))  # in Client.get
    assert "data = fetch(url)" in text
    assert "requests.get(url)" not in text and "parts.append" not in text
    assert len(text.splitlines()) == len(SOURCE.splitlines())


TRICKY_LAYOUTS = {
    "tabs": "class A:\n\tdef f(self):\n\t\tx = 1\n\t\ty = 2\n\t\treturn x + y\n",
    "comment before body": "def f():\n    # why\n    x = 1\n    return x\n",
    "decorated inner def": (
        "def outer(fn):\n    @wrap(fn)\n    def inner():\n        return fn()\n    return inner\n"
    ),
    "multi-line signature": "def f(\n    a,\n    b,\n):\n    c = a\n    return c + b\n",
    "backslash in header": "def f(a, \\\n      b):\n    c = a\n    return c + b\n",
    "string spanning lines": 'def f():\n    s = """\nnot code\n"""\n    return s\n',
    "form feed between": "def f():\n    x = 1\n    return x\n\x0c\ndef g():\n    return 2\n",
    "no final newline": "def f():\n    x = 1\n    return x",
    "crlf": "def f():\r\n    x = 1\r\n    return x\r\n",
    "lone cr": "def f():\r    x = 1\r    return x\r",
}


@pytest.mark.parametrize("source", TRICKY_LAYOUTS.values(), ids=TRICKY_LAYOUTS.keys())
def test_blanked_text_keeps_lines_and_parses(source: str, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = ast.parse(source)
    skeleton = masking.skeleton(source, tree)
    focused = masking.focused(source, tree, frozenset())
    for text in (skeleton.text, focused):
        assert len(masking.split_lines(text)) == len(masking.split_lines(source))
        ast.parse(text)
        libcst.parse_module(text)
    for keep in skeleton.masked.values():
        ast.parse(masking.bodies_source(source, list(keep)))
    # Facts from the skeleton plus the bodies equal the facts of the whole text.
    facts = extract(source, "t.py")
    names = list(facts.masked)
    ranges = facts.kept_lines(names)
    if names:
        facts.merge_bodies(extract_bodies(source, "t.py", ranges), names)
    monkeypatch.setattr(masking, "MIN_MASKED_LINES", 10**9)
    whole = extract(source, "t.py")
    assert {n: asdict(f) for n, f in facts.functions.items()} == {
        n: asdict(f) for n, f in whole.functions.items()
    }


def test_a_body_parse_that_fails_falls_back_to_the_whole_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    expected = check_source(SOURCE, "m.py")
    route_line = SOURCE.splitlines().index('    return fetch("http://example.com")') + 1
    assert [finding.line for finding in expected] == [route_line]
    monkeypatch.setattr(masking, "bodies_source", lambda source, keep: "def (:\n")
    assert check_source(SOURCE, "m.py") == expected


def test_a_skeleton_that_fails_to_parse_falls_back_to_the_whole_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    expected = check_source(SOURCE, "m.py")
    broken = masking.Skeleton("def (:\n", {"fetch": ((4, 8),)}, ((5, 8),))
    monkeypatch.setattr(masking, "skeleton", lambda source, tree, nodes=None: broken)
    facts = extract(SOURCE, "m.py")
    assert facts.error is None and facts.masked == {}
    assert [call.text for call in facts.functions["fetch"].calls][:1] == ["requests.get"]
    assert check_source(SOURCE, "m.py") == expected
