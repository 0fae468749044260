"""Cache entries as plain data: msgpack with a closed set of record types, never code.

An entry is ``MAGIC | VERSION | MAC | payload``. The payload is msgpack: maps, arrays, strings,
integers, booleans and nil, plus this module's records. A record (one of :data:`RECORDS`, a
dataclass) is a map of one item: a record mark (an extension item holding the class's index)
to the array of its fields in declaration order; a frozenset is its array under a frozenset
mark; integers beyond 64 bits are extensions. Records are written inline, in the one pass
msgpack makes over the value: an extension's payload would be packed on its own, which costs
more than the rest of a cache write. Decoding builds only those classes, with the fields it
read, so a crafted entry can at worst be a wrong value of a known shape, and the MAC (keyed
BLAKE2b with a secret that never lives in the checked tree) rejects even that: whatever fails
to check is a cache miss.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
from collections.abc import Callable
from enum import Enum
from typing import Any

import msgpack

from asynclint.facts import CallSite, ClassFacts, FunctionFacts, ModuleFacts, Param, Site, Store
from asynclint.models import (
    Applicability,
    ChainHop,
    Confidence,
    Dispatch,
    Edit,
    Finding,
    Fix,
    Severity,
    Span,
)

MAGIC = b"ALC\x00"
VERSION = 2
_MAC_BYTES = 32
_HEADER = len(MAGIC) + 1 + _MAC_BYTES

# Index in these tuples is the record's identity on disk: append, never reorder.
RECORDS: tuple[type, ...] = (
    ModuleFacts,
    FunctionFacts,
    ClassFacts,
    CallSite,
    Site,
    Param,
    Finding,
    Span,
    ChainHop,
    Fix,
    Edit,
    Store,
    Dispatch,
)
# Enum-typed fields of records, rebuilt from their values by the field's annotation.
ENUMS: tuple[type[Enum], ...] = (Confidence, Applicability, Severity)

_RECORD, _FROZENSET, _BIGINT = 1, 3, 4


class _Mark:
    """The key of a one-item map that stands for a record (``cls``) or a frozenset (None)."""

    __slots__ = ("cls",)

    def __init__(self, cls: type | None) -> None:
        self.cls = cls


def _record_fields(cls: type) -> tuple[tuple[str, Callable[[Any], Any] | None], ...]:
    """Field names in order, with the conversion a decoded value needs: arrays decode as
    tuples (list fields are rebuilt) and enums, which msgpack packs as their ``str`` values,
    are rebuilt from the field's annotation."""
    enums = {enum.__name__: enum for enum in ENUMS}
    found = []
    for item in dataclasses.fields(cls):
        convert: Callable[[Any], Any] | None = None
        if item.default_factory is list:  # type: ignore[comparison-overlap]
            convert = list
        elif isinstance(item.type, str) and item.type in enums:
            convert = enums[item.type]
        found.append((item.name, convert))
    return tuple(found)


_FIELDS = {cls: _record_fields(cls) for cls in RECORDS}
_CONVERTED = {
    cls: tuple(
        (position, convert) for position, (_, convert) in enumerate(fields) if convert is not None
    )
    for cls, fields in _FIELDS.items()
}
_RECORD_MARKS = {
    cls: msgpack.ExtType(_RECORD, bytes((index,))) for index, cls in enumerate(RECORDS)
}
_FROZENSET_MARK = msgpack.ExtType(_FROZENSET, b"")
_MARKS = [_Mark(cls) for cls in RECORDS]
_SET_MARK = _Mark(None)
_INT64 = range(-(2**63), 2**64)


def _default(value: object) -> object:
    cls = value.__class__
    mark = _RECORD_MARKS.get(cls)
    if mark is not None:
        return {mark: [getattr(value, name) for name, _ in _FIELDS[cls]]}
    if isinstance(value, frozenset):
        return {_FROZENSET_MARK: sorted(value, key=repr)}
    if isinstance(value, int) and value not in _INT64:
        return msgpack.ExtType(_BIGINT, str(value).encode("ascii"))
    raise TypeError(f"cannot store {cls.__name__} in the cache")


def _pack(value: object) -> bytes:
    return msgpack.packb(value, default=_default, use_bin_type=True)


def _unpack(data: bytes) -> Any:
    reader = _Reader()
    value = msgpack.unpackb(
        data,
        use_list=False,
        object_hook=reader.map,
        ext_hook=reader.ext,
        strict_map_key=False,
        raw=False,
    )
    if reader.marks:  # a mark that keys no record: not an entry this module wrote
        raise ValueError("stray record mark in cache entry")
    return value


class _Reader:
    """Hooks for one decoding; ``marks`` counts the marks read and not yet made records."""

    __slots__ = ("marks",)

    def __init__(self) -> None:
        self.marks = 0

    def map(self, items: dict) -> object:
        """A decoded map: a record or a frozenset when its one key is a mark, else a dict."""
        if len(items) != 1:
            return items
        mark, values = next(iter(items.items()))
        if mark.__class__ is not _Mark:
            return items
        self.marks -= 1
        cls = mark.cls
        if values.__class__ is not tuple:
            raise ValueError("a marked entry holds no array")
        if cls is None:
            return frozenset(values)
        fields = _FIELDS[cls]
        if len(values) != len(fields):
            raise ValueError(f"{cls.__name__} entry does not match its fields")
        converted = _CONVERTED[cls]
        if converted:
            values = list(values)
            for position, convert in converted:
                values[position] = convert(values[position])
        return cls(*values)

    def ext(self, code: int, data: bytes) -> object:
        if code == _RECORD and len(data) == 1 and data[0] < len(_MARKS):
            self.marks += 1
            return _MARKS[data[0]]
        if code == _FROZENSET and not data:
            self.marks += 1
            return _SET_MARK
        if code == _BIGINT:
            return int(data.decode("ascii"))
        raise ValueError("unknown extension in cache entry")


def mac(secret: bytes, label: bytes, payload: bytes) -> bytes:
    digest = hashlib.blake2b(key=secret, digest_size=_MAC_BYTES)
    digest.update(len(label).to_bytes(4, "big"))
    digest.update(label)
    digest.update(payload)
    return digest.digest()


def encode(value: object, secret: bytes, label: str) -> bytes:
    """The bytes of an entry holding ``value``; ``label`` (kind and key) is bound into the MAC,
    so an entry moved to another name does not check."""
    payload = _pack(value)
    return b"".join((MAGIC, bytes((VERSION,)), mac(secret, label.encode(), payload), payload))


def decode(data: bytes, secret: bytes, label: str) -> object:
    """The value of an entry; raises ``ValueError`` for anything that does not check."""
    if len(data) < _HEADER or not data.startswith(MAGIC) or data[len(MAGIC)] != VERSION:
        raise ValueError("not a cache entry of this version")
    expected = data[len(MAGIC) + 1 : _HEADER]
    payload = data[_HEADER:]
    if not hmac.compare_digest(expected, mac(secret, label.encode(), payload)):
        raise ValueError("cache entry fails its integrity check")
    try:
        return _unpack(payload)
    except (msgpack.UnpackException, TypeError, IndexError, KeyError) as error:
        raise ValueError(f"unreadable cache entry: {error}") from error
