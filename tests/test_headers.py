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


def _index(sources: dict[str, bytes]) -> HeaderIndex:
    index = HeaderIndex(lambda: sources.items())
    index.candidates(b"")  # read the sources
    return index


def test_a_candidate_matters_only_if_a_definition_may_follow() -> None:
    index = _index(
        {
            "app.base": b"class Sender:\n    def send(self): ...\n",
            "app.quiet": b"class Quiet(Sender):\n    def other(self): ...\n",
            "app.middle": b"from app import base\nclass Middle(base.Sender):\n    pass\n",
            "app.leaf": b"from app.middle import Middle\n"
            b"class Leaf(Middle):\n    def  send(self):\n",
            "app.wired": b"from app.base import Sender\nSender.register(Elsewhere)\n",
        }
    )
    assert index.may_lead_to("app.leaf", b"Middle", "send")
    assert index.may_lead_to("app.middle", b"Sender", "send")  # through app.leaf
    assert not index.may_lead_to("app.quiet", b"Sender", "send")
    assert not index.may_lead_to("app.middle", b"Sender", "other")
    assert index.may_lead_to("app.wired", b"Sender", "send")  # a registration: anything
    assert index.may_lead_to("app.quiet", b"Sender", "envoyé")  # not ASCII: not searched


def test_classes_named_like_their_base_do_not_loop() -> None:
    """``class LockTests(lock_tests.LockTests)`` names its own name: the search ends."""
    index = _index(
        {
            "tests.lock_tests": b"class LockTests(BaseTests):\n    pass\n",
            "tests.test_thread": b"import lock_tests\nclass LockTests(lock_tests.LockTests):\n",
        }
    )
    assert not index.may_lead_to("tests.test_thread", b"LockTests", "acquire")
