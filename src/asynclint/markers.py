"""Text markers that decide what gets parsed before resolution asks for it.

They are searched in raw text, so they over-approximate (a marker inside a string counts): that
costs a parse, never a finding.
"""

from __future__ import annotations

import re

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
_LOOP_HOOKS = r"\bon_event\b|\bon_startup\b|\bon_shutdown\b|\badd_event_handler\b"


def _words(names: frozenset[str] | tuple[str, ...]) -> str:
    return "|".join(sorted(names))


_LOOP_MARKERS = re.compile(f"{_ASYNC_SYNTAX}|{_LOOP_HOOKS}".encode())
_LOOP_WORDS = (b"async", b"on_event", b"on_startup", b"on_shutdown", b"add_event_handler")
_ROUTING_WORDS = (b"include_router", b"add_api_route", b"APIRouter", b"FastAPI(")
# Sync code that runs on the loop all the same (the rest of it is async syntax).
LOOP_HOOKS = re.compile(_LOOP_HOOKS)
# A function body that mentions one of these is parsed with its file, never later: the FastAPI
# model reads registrations from every function, and only a web-framework import makes a module
# a candidate for them. (Async syntax is found in CPython's tree, not in text: `async def` inside
# a string of a test must not keep its body.)
BODY_MARKERS = re.compile(
    rf"{_LOOP_HOOKS}|\b(?:{_words(REGISTRATION_METHODS)}|{_words(ROUTE_OBJECTS)}|{_words(WEB_PACKAGES)})\b"
)


def has_loop_marker(data: bytes) -> bool:
    """Whether a file may hold code that runs on the loop (substring tests first: a regex with
    alternatives is slow over the bytes of a whole project)."""
    return any(word in data for word in _LOOP_WORDS) and _LOOP_MARKERS.search(data) is not None


def has_routing_marker(data: bytes) -> bool:
    """Whether a file may create apps or routers, or register routes."""
    return any(word in data for word in _ROUTING_WORDS)
