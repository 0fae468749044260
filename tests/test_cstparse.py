"""Parsing without LibCST's per-node checks gives the same trees, and the checks come back."""

from __future__ import annotations

import sysconfig
from pathlib import Path

import libcst
import pytest

from asynclint import cstparse
from asynclint.cstparse import parse_valid_module

FIXTURES = Path(__file__).parent / "fixtures"
STDLIB = Path(sysconfig.get_paths()["stdlib"])
SAMPLES = sorted(FIXTURES.rglob("*.py")) + [
    STDLIB / name for name in ("asyncio/base_events.py", "typing.py", "dataclasses.py")
]


def test_the_installed_libcst_only_validates_in_post_init() -> None:
    # If this fails, a LibCST release changed what node construction does: the fast path is
    # off (parse_valid_module falls back to the plain parse) until cstparse is looked at again.
    assert cstparse._ONLY_VALIDATES


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_same_tree_as_libcst(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    fast = parse_valid_module(source)
    checked = libcst.parse_module(source)
    assert fast.deep_equals(checked)
    assert fast.code == source


def test_checks_are_back_after_a_parse() -> None:
    parse_valid_module("x = 1\n")
    with pytest.raises(libcst.CSTValidationError):
        libcst.Name("")


def test_checks_are_back_after_a_failed_parse() -> None:
    with pytest.raises(libcst.ParserSyntaxError):
        parse_valid_module("def broken(:\n")
    with pytest.raises(libcst.CSTValidationError):
        libcst.Name("")
