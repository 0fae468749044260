"""Memo idioms: the branch of a function that runs only while a cached value is missing.

``global _x; if _x is None: _x = load()``, ``if self._client is None: self._client = make()``,
``if key not in _cache: _cache[key] = load(key)``, ``value = _cache.get(key)`` followed by
``if value is None: ... _cache[key] = value``, and the early-return forms
(``if key in _cache: return _cache[key]`` then the loading code) run their loading code once
per process, object or key: what it calls blocks on the first call only (decision 0041).

A branch is a *miss branch* when its test says that a subject is missing and the branch stores
into that very subject (or the container it was read from); the subject must outlive the call
(a declared global, an attribute of ``self``, a class or a module, a parameter's content), so a
local ``if conn is None: conn = connect()`` is not a memo. Subjects and stores are compared as
the extractor's symbolic expressions (:data:`asynclint.facts.Expr`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence

import libcst as cst

from asynclint.cstfields import code_children
from asynclint.facts import Expr

Evaluate = Callable[[cst.BaseExpression], Expr]
IsGlobal = Callable[[str], bool]

MISSING, PRESENT = "missing", "present"
# What a memo caches on: the process (a global, a class, a module-level container) or one object
# (``self._client``): the latter runs once per object, which is once only for a lasting object.
PROCESS, OBJECT = "process", "object"
_CONTAINER = "container"
# Roots of an expression whose value outlives one call of the function.
_LASTING_ROOTS = frozenset({"self", "clsref", "glob", "imp", "param"})
# Methods that store into a container (``_cache.setdefault(key, load())``).
_STORING_METHODS = frozenset({"setdefault", "update", "__setitem__"})


def test_subject(test: cst.BaseExpression, evaluate: Evaluate) -> tuple[str, Expr] | None:
    """(MISSING or PRESENT, subject) when ``test`` checks whether a subject is there: the
    subject is a value (``X is None``, ``not X``, ``X``) or, as ``("container", C)``, the
    container of ``key in C``. None for any other test."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        found = test_subject(test.expression, evaluate)
        if found is None:
            return None
        return (PRESENT if found[0] == MISSING else MISSING, found[1])
    if isinstance(test, (cst.Name, cst.Attribute)):
        return (PRESENT, evaluate(test))
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        target = test.comparisons[0]
        operator = target.operator
        if isinstance(operator, (cst.Is, cst.IsNot)) and _is_none(target.comparator):
            return (MISSING if isinstance(operator, cst.Is) else PRESENT, evaluate(test.left))
        if isinstance(operator, (cst.In, cst.NotIn)):
            container = (_CONTAINER, evaluate(target.comparator))
            return (PRESENT if isinstance(operator, cst.In) else MISSING, container)
        return None
    if isinstance(test, cst.BooleanOperation):
        # `missing and more` runs only while missing; `present or more` stops early only then.
        wanted = MISSING if isinstance(test.operator, cst.And) else PRESENT
        for side in (test.left, test.right):
            found = test_subject(side, evaluate)
            if found is not None and found[0] == wanted:
                return found
        return None
    if isinstance(test, cst.Call) and _called_name(test) == "hasattr" and len(test.args) == 2:
        owner, name = test.args[0].value, test.args[1].value
        if isinstance(name, cst.SimpleString) and isinstance(name.evaluated_value, str):
            return (PRESENT, ("attr", evaluate(owner), name.evaluated_value))
    return None


def stores(statements: Iterable[cst.CSTNode], evaluate: Evaluate, is_global: IsGlobal) -> set[Expr]:
    """What ``statements`` store into that outlives the call: declared globals and attributes
    (as their expressions), and containers (as ``("container", C)``)."""
    found: set[Expr] = set()
    for node in _nodes(statements):
        targets: list[cst.BaseExpression] = []
        if isinstance(node, cst.Assign):
            targets = [target.target for target in node.targets]
        elif isinstance(node, cst.AnnAssign):
            targets = [node.target]
        elif (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and node.func.attr.value in _STORING_METHODS
        ):
            container = evaluate(node.func.value)
            if _lasts(container):
                found.add((_CONTAINER, container))
        for target in _flatten(targets):
            if isinstance(target, cst.Name):
                if is_global(target.value):
                    found.add(evaluate(target))
            elif isinstance(target, cst.Attribute):
                value = evaluate(target)
                if _lasts(value):
                    found.add(value)
            elif isinstance(target, cst.Subscript):
                container = evaluate(target.value)
                if _lasts(container):
                    found.add((_CONTAINER, container))
    return found


def memoised(subject: Expr, stored: set[Expr]) -> str:
    """PROCESS or OBJECT when a branch that stores ``stored`` fills the ``subject`` its test
    found missing, else ``""``."""
    if subject in stored:
        return _scope(subject)
    if subject[0] == "call" and subject[1][0] == "attr" and subject[1][2] == "get":
        container = (_CONTAINER, subject[1][1])  # value = _cache.get(key)
    elif subject[0] == "sub":
        container = (_CONTAINER, subject[1])  # value = _cache[key]
    else:
        return ""
    return _scope(container) if container in stored else ""


def _scope(subject: Expr) -> str:
    value = subject[1] if subject[0] == _CONTAINER else subject
    while value[0] in ("attr", "sub"):
        value = value[1]
    return OBJECT if value[0] == "self" else PROCESS


def ends_with_return(body: cst.BaseSuite) -> bool:
    return _ends_with(body, (cst.Return,))


def ends_with_exit(body: cst.BaseSuite) -> bool:
    """The block leaves the function (or raises): what follows runs only when it does not."""
    return _ends_with(body, (cst.Return, cst.Raise))


def _ends_with(body: cst.BaseSuite, kinds: tuple[type, ...]) -> bool:
    statements: Sequence[cst.CSTNode] = body.body
    if not statements:
        return False
    last = statements[-1]
    if isinstance(last, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
        return any(isinstance(item, kinds) for item in last.body)
    return isinstance(last, kinds)


def _lasts(value: Expr) -> bool:
    """Whether an expression is rooted in something that outlives the call."""
    while value[0] in ("attr", "sub"):
        value = value[1]
    return value[0] in _LASTING_ROOTS


def _is_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


def _called_name(call: cst.Call) -> str:
    return call.func.value if isinstance(call.func, cst.Name) else ""


def _flatten(targets: Iterable[cst.BaseExpression]) -> Iterator[cst.BaseExpression]:
    for target in targets:
        if isinstance(target, (cst.Tuple, cst.List)):
            yield from _flatten(element.value for element in target.elements)
        else:
            yield target


def _nodes(roots: Iterable[cst.CSTNode]) -> Iterator[cst.CSTNode]:
    """Every node under ``roots``, not entering nested functions, classes or lambdas."""
    pending = list(roots)
    while pending:
        node = pending.pop()
        yield node
        if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            continue
        pending.extend(code_children(node))
