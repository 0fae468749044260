"""The class-header text index: which words a file's class headers and registrations name."""

from __future__ import annotations

import pytest

from asynclint.analysis.headers import HeaderIndex, class_header_words, class_headers


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (b"class Repo(Base):\n    pass\n", {b"Base"}),
        (
            b"class Repo(db.Base, Generic[T], metaclass=Meta):\n",
            {b"db", b"Base", b"Generic", b"T", b"metaclass", b"Meta"},
        ),
        (b"class Repo(\n    Base,\n    Mixin,\n):\n", {b"Base", b"Mixin"}),
        (b"class Box[T](Base):\n", {b"Base"}),  # PEP 695 type parameters
        (b"def f():\n    class Local(Base):\n        pass\n", {b"Base"}),  # nested
        (b"\tclass Tabbed (Base) :\n", {b"Base"}),
        (b"class Plain:\n    pass\n", set()),
        (b"x = 'class Fake(Base)'\n", set()),  # not at the start of a line
        # A match that does not start its line must not hide a header on the next line.
        (b"subclass A(\n  class B(C):\n", {b"C"}),
        (b"Interface.register(Impl)\nabc.Interface.register\n", {b"Interface"}),
        (b"x.registered(Impl)\n.register(y)\n", set()),
        (b"class A(B):\r\n class C(D):\r\n", {b"B", b"D"}),
    ],
)
def test_class_header_words(text: bytes, words: set[bytes]) -> None:
    assert class_header_words(text) == words


def test_class_headers_name_each_class() -> None:
    text = b"class A(Base):\n    class Inner(A):\n        pass\nclass B(A, Mixin):\n"
    assert class_headers(text) == [
        (b"A", {b"Base"}),
        (b"Inner", {b"A"}),
        (b"B", {b"A", b"Mixin"}),
    ]


def test_candidates_name_the_defining_module() -> None:
    sources = {
        "shop.streams": b"class StreamReader:\n    pass\n",
        "shop.readers": b"from shop import streams\n\nclass Fast(streams.StreamReader):\n",
        "codecs_like": b"class StreamReader(Codec):\n\nclass Mine(StreamReader):\n",
    }
    index = HeaderIndex(lambda: sources.items())
    assert index.candidates(b"StreamReader") == ["shop.readers", "codecs_like"]
    assert index.candidates(b"StreamReader", "shop.streams") == ["shop.readers"]
