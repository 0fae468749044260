"""Optional-parameter guards: code that runs only when the caller passed an optional argument.

``def emit(event, dedup_key=None): if dedup_key is not None and not should_emit(dedup_key): ...``
runs ``should_emit`` only for callers that pass ``dedup_key``; ``if blocking: return send()``
runs ``send`` only for callers that pass ``blocking=True``. A parameter whose default is a
falsy literal (``None``, ``False``, ``0``, ``""``) guards the code that needs it truthy; the
call graph drops that code for a call that leaves the parameter at its default
(decision 0046).
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

# Whether a name is an optional parameter with a falsy default, in the current scope.
Optional = Callable[[str], bool]
Names = frozenset[str]
_NONE: Names = frozenset()


def truthy(test: cst.BaseExpression, optional: Optional) -> tuple[Names, Names]:
    """The optional parameters that must be truthy (not None) when ``test`` is true, and those
    that must be when it is false."""
    if isinstance(test, cst.Name):
        return (frozenset({test.value}), _NONE) if optional(test.value) else (_NONE, _NONE)
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        when_true, when_false = truthy(test.expression, optional)
        return when_false, when_true
    if (
        isinstance(test, cst.Comparison)
        and len(test.comparisons) == 1
        and isinstance(test.left, cst.Name)
        and optional(test.left.value)
        and isinstance(test.comparisons[0].comparator, cst.Name)
        and test.comparisons[0].comparator.value == "None"
    ):
        name = frozenset({test.left.value})
        operator = test.comparisons[0].operator
        if isinstance(operator, (cst.IsNot, cst.NotEqual)):
            return name, _NONE
        if isinstance(operator, (cst.Is, cst.Equal)):
            return _NONE, name
        return _NONE, _NONE
    if isinstance(test, cst.BooleanOperation):
        left, right = truthy(test.left, optional), truthy(test.right, optional)
        if isinstance(test.operator, cst.And):  # true: both are; false: either is not
            return left[0] | right[0], left[1] & right[1]
        return left[0] & right[0], left[1] | right[1]  # or
    return _NONE, _NONE
