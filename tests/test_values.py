"""Values hash once per object: equal values must still hash equal, however they were made."""

from __future__ import annotations

import dataclasses
import pickle

from asynclint.analysis.callgraph import Node
from asynclint.analysis.values import ClassRef, Instance, Union, union_of


def _instance(exact: bool = False) -> Instance:
    args = (Instance(ClassRef("app.models", "User")), ClassRef("app.models", "Item"))
    return Instance(ClassRef("app.repos", "Repo", args), exact=exact)


def test_equal_values_made_apart_hash_equal_and_key_the_same_entry() -> None:
    first, second = _instance(), _instance()
    assert first is not second
    cache = {first: "found"}
    hash(first)  # computed and kept on the first object only
    assert first == second
    assert hash(first) == hash(second)
    assert cache[second] == "found"


def test_a_changed_copy_is_another_value() -> None:
    value = _instance()
    hash(value)
    changed = dataclasses.replace(value, exact=True)
    assert changed != value
    assert {value: 1, changed: 2}[changed] == 2
    assert union_of([value, changed]) == value  # the declared instance covers the exact one


def test_a_pickled_value_keeps_no_stale_hash() -> None:
    """A hash kept from another process (string hashes differ between processes) must not
    travel with the value: the copy hashes again."""
    value = Union((_instance(), ClassRef("app.repos", "Other")))
    object.__setattr__(value, "_hash", 12345)  # as another process would have computed it
    copy = pickle.loads(pickle.dumps(value))
    fresh = Union((_instance(), ClassRef("app.repos", "Other")))
    assert copy == fresh
    assert hash(copy) == hash(fresh) != 12345


def test_nodes_for_equal_receivers_are_one_node() -> None:
    one = Node("app.repos", "Repo.get", _instance())
    other = Node("app.repos", "Repo.get", _instance())
    seen = {one}
    assert other in seen
    assert Node("app.repos", "Repo.get", _instance(exact=True)) not in seen
