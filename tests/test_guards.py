"""Optional-parameter guards (decision 0046); the fixture is tests/fixtures/optional_guards.py."""

from __future__ import annotations

import libcst as cst
import pytest

from asynclint import guards
from asynclint.facts import is_falsy_default


def _truthy(test: str) -> tuple[set[str], set[str]]:
    found = guards.truthy(cst.parse_expression(test), lambda name: name in {"p", "q"})
    return set(found[0]), set(found[1])


@pytest.mark.parametrize(
    ("test", "when_true", "when_false"),
    [
        ("p", {"p"}, set()),
        ("not p", set(), {"p"}),
        ("p is not None", {"p"}, set()),
        ("p is None", set(), {"p"}),
        ("p and q", {"p", "q"}, set()),
        ("p or q", set(), set()),
        ("not (p or q)", set(), set()),
        ("not (p is None or q is None)", {"p", "q"}, set()),
        ("p and other", {"p"}, set()),
        ("other", set(), set()),
        ("p == 3", set(), set()),
    ],
)
def test_what_a_test_needs(test: str, when_true: set[str], when_false: set[str]) -> None:
    assert _truthy(test) == (when_true, when_false)


@pytest.mark.parametrize(
    ("default", "falsy"),
    [(("lit", None), True), (("lit", False), True), (("lit", 0), True), (("lit", ""), True),
     (("lit", "x"), False), (("lit", True), False), (("glob", "X"), False), (None, False)],
)  # fmt: skip
def test_falsy_defaults(default: object, falsy: bool) -> None:
    assert is_falsy_default(default) is falsy
