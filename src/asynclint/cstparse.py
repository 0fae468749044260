"""LibCST's parser, without validating once more each node it builds from valid source.

Every LibCST node checks its fields when it is constructed (``CSTNode.__post_init__`` calls
``_validate``): right for trees written by hand or by a transform, redundant for the nodes that
LibCST's own parser builds from text CPython has already accepted, as a comment on that method
in LibCST says. On the stdlib those checks cost 0.7 s of a cold run's 11 s of CPU (decision
0015). Everything else about the parse is LibCST's: same nodes, same errors for invalid text.

The checks are switched off by swapping ``CSTNode.__post_init__`` for the length of one parse,
under a lock, and only while that method does nothing but validate: if a LibCST release gives it
more to do, this module quietly falls back to the plain parse. (Another thread building nodes by
hand during such a parse would skip its checks too; asynclint builds none while it parses.)
"""

from __future__ import annotations

import threading

import libcst as cst
from libcst._nodes.base import CSTNode

_lock = threading.Lock()
_post_init = CSTNode.__post_init__
_ONLY_VALIDATES = _post_init.__code__.co_names == ("_validate",)


def _unchecked(self: CSTNode) -> None:
    return None


def parse_valid_module(source: str) -> cst.Module:
    """``libcst.parse_module`` for text that CPython's parser accepted.

    Text CPython rejects goes to ``libcst.parse_module`` itself, which may know newer syntax and
    whose checks then still have a say.
    """
    if not _ONLY_VALIDATES:
        return cst.parse_module(source)
    with _lock:
        CSTNode.__post_init__ = _unchecked  # type: ignore[method-assign]
        try:
            return cst.parse_module(source)
        finally:
            CSTNode.__post_init__ = _post_init  # type: ignore[method-assign]
