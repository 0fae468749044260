"""The runtime probe of ``asynclint verify``, run inside the user's command as ``sitecustomize``.

Standard library only (the command may run another interpreter than asynclint's), and never a
reason for the user's program to fail: every step is guarded.

Each asyncio event loop that runs (``BaseEventLoop.run_forever``, which ``asyncio.run``,
``run_until_complete``, uvicorn and pytest's async plugins all go through) gets a heartbeat: a
callback that notes the time every few milliseconds. A watchdog thread compares that time with
the clock; when the loop has not come back for longer than the threshold, the loop's thread is
stuck in one callback, and the watchdog records that thread's stack. When the loop comes back,
the stall is written, one JSON line, to the file named by ``ASYNCLINT_VERIFY_OUT``.
"""

import contextlib
import json
import os
import sys
import threading
import time

_OUT = os.environ.get("ASYNCLINT_VERIFY_OUT", "")
_THRESHOLD = float(os.environ.get("ASYNCLINT_VERIFY_THRESHOLD_MS", "50")) / 1000
_INTERVAL = min(0.005, _THRESHOLD / 4)
_MAX_FRAMES = 60
_CO_COROUTINE = 0x0080
_CO_ITERABLE_COROUTINE = 0x0100
_CO_ASYNC_GENERATOR = 0x0200
_ASYNC_FLAGS = _CO_COROUTINE | _CO_ITERABLE_COROUTINE | _CO_ASYNC_GENERATOR


class _Loop:
    __slots__ = ("last", "loop", "samples", "stall_start", "thread")

    def __init__(self, loop, thread):
        self.loop = loop
        self.thread = thread
        self.last = time.monotonic()
        self.stall_start = None
        self.samples = []  # [stack, count]: one stall can block at several places in turn


_loops = {}
_lock = threading.Lock()
_watchdog = None


def _stack_of(thread_id):
    frame = sys._current_frames().get(thread_id)
    frames = []
    while frame is not None and len(frames) < _MAX_FRAMES:
        code = frame.f_code
        frames.append(
            [
                code.co_filename,
                frame.f_lineno,
                code.co_name,
                bool(code.co_flags & _ASYNC_FLAGS),
            ]
        )
        frame = frame.f_back
    return frames


def _write(record):
    if not _OUT:
        return
    line = (json.dumps(record) + "\n").encode("utf-8")
    descriptor = os.open(_OUT, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, line)
    finally:
        os.close(descriptor)


def _sample(state):
    stack = _stack_of(state.thread)
    where = [frame[:3] for frame in stack]
    if state.samples and [frame[:3] for frame in state.samples[-1][0]] == where:
        state.samples[-1][1] += 1
    else:
        state.samples.append([stack, 1])


def _finish(state, now):
    if state.stall_start is None:
        return
    record = {
        "pid": os.getpid(),
        "duration_ms": round((now - state.stall_start) * 1000 + _THRESHOLD * 1000, 1),
        "interval_ms": round(_INTERVAL * 1000, 3),
        "threshold_ms": round(_THRESHOLD * 1000, 3),
        "samples": state.samples,
    }
    state.stall_start = None
    state.samples = []
    with contextlib.suppress(Exception):
        _write(record)


def _watch():
    while True:
        time.sleep(_INTERVAL)
        now = time.monotonic()
        with _lock:
            states = list(_loops.values())
        for state in states:
            try:
                if now - state.last > _THRESHOLD:
                    if state.stall_start is None:
                        state.stall_start = now
                    _sample(state)
                elif state.stall_start is not None:
                    _finish(state, now)
            except Exception:
                pass


def _heartbeat(state):
    def tick():
        if _loops.get(id(state.loop)) is not state:
            return  # this run of the loop is over: a later run has its own heartbeat
        state.last = time.monotonic()
        with contextlib.suppress(Exception):
            state.loop.call_later(_INTERVAL, tick)

    return tick


def _install():
    global _watchdog
    import asyncio.base_events as base_events

    original = base_events.BaseEventLoop.run_forever
    if getattr(original, "_asynclint_probe", False):
        return

    def run_forever(self, *args, **kwargs):
        state = _Loop(self, threading.get_ident())
        try:
            with _lock:
                _loops[id(self)] = state
            self.call_soon(_heartbeat(state))
        except Exception:
            pass
        try:
            return original(self, *args, **kwargs)
        finally:
            with _lock:
                _loops.pop(id(self), None)
            _finish(state, time.monotonic())

    run_forever._asynclint_probe = True
    base_events.BaseEventLoop.run_forever = run_forever
    _watchdog = threading.Thread(target=_watch, name="asynclint-verify", daemon=True)
    _watchdog.start()


def _chain_to_next_sitecustomize():
    """Run the ``sitecustomize`` this one hides, if the environment had one."""
    import importlib.machinery
    import importlib.util

    here = os.path.dirname(os.path.abspath(__file__))
    path = [entry for entry in sys.path if os.path.abspath(entry or ".") != here]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", path)
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)


if _OUT:
    with contextlib.suppress(Exception):
        _install()
with contextlib.suppress(Exception):
    _chain_to_next_sitecustomize()
