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
_LOOP_HOOKS = r"\bon_event\b|\bon_startup\b|\bon_shutdown\b"
_LOOP = f"{_ASYNC_SYNTAX}|{_LOOP_HOOKS}"


def _words(names: frozenset[str] | tuple[str, ...]) -> str:
    return "|".join(sorted(names))


# A file that mentions none of these holds no code that runs on the loop.
LOOP_MARKERS = re.compile((_LOOP + r"|\badd_event_handler\b").encode())
# Sync code that runs on the loop all the same (the rest of it is async syntax).
LOOP_HOOKS = re.compile(_LOOP_HOOKS + r"|\badd_event_handler\b")
# A file that may create apps or routers, or register routes.
ROUTING_MARKERS = re.compile(rb"include_router|add_api_route|APIRouter|FastAPI\(")
# A function body that mentions one of these is parsed with its file, never later: the FastAPI
# model reads registrations from every function, and only a web-framework import makes a module
# a candidate for them.
BODY_MARKERS = re.compile(
    rf"{_LOOP}|\b(?:{_words(REGISTRATION_METHODS)}|{_words(ROUTE_OBJECTS)}|{_words(WEB_PACKAGES)})\b"
)
