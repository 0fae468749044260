"""The cache codec: plain data only, exact round trips, anything else refused."""

from __future__ import annotations

import pickle
from pathlib import Path

import msgpack
import pytest

from asynclint import cachecodec
from asynclint.api import check_paths
from asynclint.config import Settings
from asynclint.facts import extract

SECRET = b"s" * 32
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.py"))[:12], ids=lambda p: p.name)
def test_facts_round_trip_exactly(path: Path) -> None:
    facts = extract(path.read_text(encoding="utf-8"), path.name)
    decoded = cachecodec.decode(cachecodec.encode(facts, SECRET, "facts/k"), SECRET, "facts/k")
    assert decoded == facts
    for function in decoded.functions.values():  # type: ignore[union-attr]
        assert isinstance(function.calls, list)
        assert isinstance(function.sites, list)


def test_findings_with_fixes_and_enums_round_trip() -> None:
    findings = check_paths([FIXTURES / "sleep_and_http.py"], Settings(cache=False)).findings
    assert findings
    decoded = cachecodec.decode(cachecodec.encode(findings, SECRET, "runs/k"), SECRET, "runs/k")
    assert list(decoded) == findings  # type: ignore[call-overload]
    assert {type(f.confidence) for f in decoded} == {type(findings[0].confidence)}  # type: ignore[union-attr]


def test_values_outside_msgpack_integers_and_frozensets_round_trip() -> None:
    value = {"big": 10**40, "negative": -(10**30), "codes": frozenset({"AL251", "AL230"})}
    assert cachecodec.decode(cachecodec.encode(value, SECRET, "x"), SECRET, "x") == value


def test_unknown_objects_are_not_stored() -> None:
    with pytest.raises(TypeError):
        cachecodec.encode({"value": object()}, SECRET, "x")


@pytest.mark.parametrize(
    "payload",
    [
        pickle.dumps({"a": 1}),
        msgpack.packb({msgpack.ExtType(1, bytes((250,))): [1]}),  # no such record
        msgpack.packb({msgpack.ExtType(1, bytes((0,))): ["too", "few"]}),  # wrong field count
        msgpack.packb({msgpack.ExtType(1, bytes((7,))): "fields"}),  # fields not an array
        msgpack.packb([msgpack.ExtType(1, bytes((7,))), 1, 1, 1, 1]),  # a mark keying nothing
        msgpack.packb({msgpack.ExtType(3, b""): [1], "and": 2}),  # a mark among other keys
        msgpack.packb(msgpack.ExtType(42, b"")),  # no such extension
    ],
    ids=[
        "pickle",
        "unknown-record",
        "field-count",
        "fields-not-array",
        "stray-mark",
        "mark-among-keys",
        "unknown-extension",
    ],
)
def test_well_signed_but_foreign_payloads_are_refused(payload: bytes) -> None:
    entry = cachecodec.MAGIC + bytes((cachecodec.VERSION,))
    entry += cachecodec.mac(SECRET, b"x", payload) + payload
    with pytest.raises(ValueError):
        cachecodec.decode(entry, SECRET, "x")


def test_the_label_and_the_version_are_checked() -> None:
    entry = cachecodec.encode([1, 2], SECRET, "runs/a")
    with pytest.raises(ValueError, match="integrity"):
        cachecodec.decode(entry, SECRET, "runs/b")
    with pytest.raises(ValueError, match="version"):
        newer = entry[:4] + bytes((cachecodec.VERSION + 1,)) + entry[5:]
        cachecodec.decode(newer, SECRET, "runs/a")
