"""Pausing Python's cyclic garbage collector while a run allocates in bulk.

A cold run builds millions of short-lived objects (CPython's and LibCST's trees of every file it
parses) beside a few long-lived ones (facts, the project graph). The trees are freed by reference
counting as soon as a file is done, but the collector is triggered by allocation counts alone: it
keeps scanning the young trees and, every so often, all the facts (decision 0013). Nothing in a
run depends on cycles being collected early, and extraction makes none (tests check it), so the
paused collector costs no memory.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

_P = ParamSpec("_P")
_R = TypeVar("_R")


@contextmanager
def collector_paused() -> Iterator[None]:
    """No automatic garbage collection inside the block; the previous state comes back after."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def without_collector(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """``function`` run inside :func:`collector_paused` (for jobs sent to worker processes,
    which may have been started with the collector on)."""

    @wraps(function)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with collector_paused():
            return function(*args, **kwargs)

    return run
