"""Text markers: the substring pre-test never changes what the whole-word patterns find."""

from __future__ import annotations

import re
import sysconfig
from pathlib import Path

import pytest

from asynclint.markers import BODY_MARKERS, LOOP_HOOKS, Words, has_loop_marker

FIXTURES = Path(__file__).parent / "fixtures"
STDLIB = Path(sysconfig.get_paths()["stdlib"])
TEXTS = [path.read_text(encoding="utf-8") for path in sorted(FIXTURES.rglob("*.py"))] + [
    (STDLIB / name).read_text(encoding="utf-8")
    for name in ("asyncio/base_events.py", "asyncio/tasks.py", "typing.py")
]


def _plain(words: Words) -> re.Pattern[str]:
    return re.compile("|".join(rf"\b{re.escape(word)}\b" for word in words.words))


@pytest.mark.parametrize(
    ("words", "texts_with_markers"), [(LOOP_HOOKS, 2), (BODY_MARKERS, 5)], ids=["hooks", "body"]
)
def test_same_matches_as_the_plain_pattern(words: Words, texts_with_markers: int) -> None:
    plain = _plain(words)
    matched = 0
    for text in TEXTS:
        expected = [(m.start(), m.group()) for m in plain.finditer(text)]
        assert [(m.start(), m.group()) for m in words.finditer(text)] == expected
        assert (words.search(text) is None) == (not expected)
        matched += bool(expected)
    assert matched >= texts_with_markers  # the comparison is worth something


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("app.add_event_handler('startup', f)", ["add_event_handler"]),
        ("router.include_router(api)\nx = Mount('/', app)", ["include_router", "Mount"]),
        ("self.on_eventual = 1  # on_events", []),  # words, not substrings
        (
            "from starlette.routing import Route, WebSocketRoute",
            ["starlette", "Route", "WebSocketRoute"],
        ),
    ],
)
def test_whole_words_only(text: str, found: list[str]) -> None:
    assert [m.group() for m in BODY_MARKERS.finditer(text)] == found


def test_loop_marker_needs_async_syntax_or_a_hook_word() -> None:
    assert has_loop_marker(b"async def f():\n    pass\n")
    assert has_loop_marker(b"app.on_event('startup')(f)\n")
    assert not has_loop_marker(b"asynchronous = True\nasync_mode = 1\n")
