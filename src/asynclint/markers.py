"""Text markers that decide what gets parsed before resolution asks for it.

They are searched in raw text, so they over-approximate (a marker inside a string counts): that
costs a parse, never a finding.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

# FastAPI/Starlette calls whose arguments register code (the builder reads them from any function).
REGISTRATION_METHODS = frozenset(
    {
        "include_router",
        "add_api_route",
        "add_route",
        "add_api_websocket_route",
        "add_websocket_route",
        "add_event_handler",
        "add_exception_handler",
        "add_middleware",
    }
)
ROUTE_OBJECTS = frozenset({"Route", "WebSocketRoute", "Mount"})
WEB_PACKAGES = ("fastapi", "starlette")

_ASYNC_SYNTAX = r"\basync[ \t]+(?:def|with|for)\b"
_HOOK_WORDS = ("on_event", "on_startup", "on_shutdown", "add_event_handler")


class Words:
    """Whole-word matches of any of ``words`` in text.

    A regex of alternatives tries each of them at every position of the text; most texts hold
    none of the words, which one substring search per word tells much sooner.
    """

    def __init__(self, words: Iterable[str]) -> None:
        self.words = tuple(sorted(set(words)))
        self._pattern = re.compile(rf"\b(?:{'|'.join(map(re.escape, self.words))})\b")

    def search(self, text: str) -> re.Match[str] | None:
        if not any(word in text for word in self.words):
            return None
        return self._pattern.search(text)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        if any(word in text for word in self.words):
            yield from self._pattern.finditer(text)


_LOOP_MARKERS = re.compile(f"{_ASYNC_SYNTAX}|\\b(?:{'|'.join(_HOOK_WORDS)})\\b".encode())
_LOOP_WORDS = (b"async", *(word.encode() for word in _HOOK_WORDS))
# `Router(`: most subclasses of APIRouter are named so (`UserRouter(prefix=...)`).
_ROUTING_WORDS = (b"include_router", b"add_api_route", b"APIRouter", b"FastAPI(", b"Router(")
# Sync code that runs on the loop all the same (the rest of it is async syntax).
LOOP_HOOKS = Words(_HOOK_WORDS)
# A function body that mentions one of these is parsed with its file, never later: the FastAPI
# model reads registrations from every function, and only a web-framework import makes a module
# a candidate for them. (Async syntax is found in CPython's tree, not in text: `async def` inside
# a string of a test must not keep its body.)
BODY_MARKERS = Words((*_HOOK_WORDS, *REGISTRATION_METHODS, *ROUTE_OBJECTS, *WEB_PACKAGES))


def has_loop_marker(data: bytes) -> bool:
    """Whether a file may hold code that runs on the loop (substring tests first: a regex with
    alternatives is slow over the bytes of a whole project)."""
    return any(word in data for word in _LOOP_WORDS) and _LOOP_MARKERS.search(data) is not None


def has_routing_marker(data: bytes) -> bool:
    """Whether a file may create apps or routers, or register routes."""
    return any(word in data for word in _ROUTING_WORDS)
