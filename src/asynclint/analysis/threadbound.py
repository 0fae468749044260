"""Thread-bound objects: what code uses an object that must stay in the thread that made it.

A sqlite3 connection (made without ``check_same_thread=False``), an ORM session, a DB-API
connection and what is made from them (cursors, queries) are *thread-bound* (``thread_bound``
in the catalog): moving their calls one by one to worker threads uses them from several
threads, which sqlite3 refuses and sessions do not survive. Such an object is either *owned*
by a function (made there by a catalog factory, or by a project helper that returns a fresh
one) or *borrowed* (a parameter, an attribute of ``self``, a global): only a region of code
that owns it can move to one thread as a whole.

Locals are inlined in the facts (``conn = sqlite3.connect(p); conn.execute(q)`` records the
callee ``attr(call(imp sqlite3.connect, ...), execute)``), so the sites that use one object are
those whose expressions hold the expression that made it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from asynclint.analysis.callgraph import Edge, Node
from asynclint.analysis.effects import Effects
from asynclint.analysis.resolve import Receiver, Resolver, function_of
from asynclint.analysis.values import (
    Bound,
    CatalogInstance,
    CatalogMethod,
    ContextManager,
    External,
    FunctionRef,
    Value,
    options_of,
)
from asynclint.facts import CallSite, Expr, Site

# Tags of expressions whose value is the value of the expression they wrap.
_TRANSPARENT = ("enter", "await")
_MAX_DEPTH = 3  # project helpers followed to see that they return a fresh object


@dataclass(frozen=True, slots=True)
class BoundObject:
    """A thread-bound object a site uses: the expression that denotes it (for an owned object,
    the call that made it), its catalog type, and whether the function owns it."""

    expr: Expr
    type: str
    owned: bool


@dataclass(frozen=True, slots=True)
class Borrowing:
    """Why a sync function may not move to a thread alone: it uses a thread-bound object held
    elsewhere (``through``: the functions down to the one that uses it)."""

    type: str
    through: tuple[str, ...] = ()


class ThreadBinding:
    def __init__(self, resolver: Resolver, effects: Effects) -> None:
        self.resolver = resolver
        self.catalog = resolver.catalog
        self.effects = effects

    # ---- one site ----------------------------------------------------------------------------

    def used_by(self, site: CallSite | Site, module: str, receiver: Receiver) -> list[BoundObject]:
        """The thread-bound objects a site uses: the receiver its method is called on, the
        arguments it passes, the object a ``with``/``for`` enters or iterates."""
        found: list[BoundObject] = []
        if isinstance(site, CallSite):
            expressions = [site.callee, *(value for _, value in site.args)]
        else:
            expressions = [site.expr]
        for expr in expressions:
            bound = self.origin(expr, module, receiver)
            if bound is not None and bound not in found:
                found.append(bound)
        return found

    def made_by(self, call: CallSite, module: str, receiver: Receiver) -> BoundObject | None:
        """The thread-bound object a call makes (``sqlite3.connect(p)``), if it makes one."""
        callee = self.resolver.evaluate(call.callee, module, receiver)
        result = self.resolver.call_result(callee, call.args, module, receiver)
        kind = self._bound_type(result)
        if (
            kind is None
            or self._sharable(callee, call.args)
            or not self._makes(callee, call.args, module, receiver, 0)
        ):
            return None
        return BoundObject(("call", call.callee, call.args), kind, True)

    def entered_by(self, site: Site, module: str, receiver: Receiver) -> BoundObject | None:
        """The thread-bound object a ``with`` makes (``with session_scope() as s``)."""
        if site.kind != "enter":
            return None
        value = self.resolver.enter_result(self.resolver.evaluate(site.expr, module, receiver))
        kind = self._bound_type(value)
        made: Expr = ("enter", site.expr)
        if kind is None or not self._fresh(made, module, receiver, 0):
            return None
        if site.expr[0] == "call":
            callee = self.resolver.evaluate(site.expr[1], module, receiver)
            if self._sharable(callee, site.expr[2]):
                return None
        return BoundObject(made, kind, True)

    def origin(self, expr: Expr, module: str, receiver: Receiver) -> BoundObject | None:
        """The thread-bound object ``expr`` uses along its chain of receivers (the deepest:
        ``conn.execute(q).fetchall`` uses the connection ``conn`` made); none when that one was
        made to be shared between threads (its cursors are, too)."""
        found: BoundObject | None = None
        for part in _receiver_chain(expr):
            kind = self.bound_type(part, module, receiver)
            if kind is None:
                continue
            if part[0] == "call":
                callee = self.resolver.evaluate(part[1], module, receiver)
                if self._sharable(callee, part[2]):
                    return None
            found = BoundObject(part, kind, self._fresh(part, module, receiver, 0))
        return found

    def bound_type(self, expr: Expr, module: str, receiver: Receiver) -> str | None:
        """The thread-bound catalog type of what ``expr`` evaluates to, if it is one."""
        return self._bound_type(self.resolver.evaluate(expr, module, receiver))

    def _bound_type(self, value: Value) -> str | None:
        for option in options_of(value):
            if isinstance(option, CatalogInstance) and self.catalog.thread_bound(option.type):
                return option.type
        return None

    def _sharable(self, callee: Value, args: tuple) -> bool:
        """``sqlite3.connect(p, check_same_thread=False)``: made to be shared between threads."""
        for option in options_of(callee):
            if isinstance(option, External):
                entry = self.catalog.function(option.name)
                if entry is not None and entry.shared_unless and _given(entry.shared_unless, args):
                    return True
        return False

    def _fresh(self, expr: Expr, module: str, receiver: Receiver, depth: int) -> bool:
        """Whether evaluating ``expr`` makes a new object: a call that makes one, or entering
        one (``with SessionLocal() as s``, a ``@contextmanager`` that yields a new one)."""
        if depth > _MAX_DEPTH:
            return False
        if expr[0] == "call":
            callee = self.resolver.evaluate(expr[1], module, receiver)
            return self._makes(callee, expr[2], module, receiver, depth)
        if expr[0] != "enter":
            return False
        entered = self.resolver.evaluate(expr[1], module, receiver)
        for option in options_of(entered):
            if isinstance(option, ContextManager):
                reference = function_of(option.call)
                inner_receiver = option.call.receiver if isinstance(option.call, Bound) else None
                function = self.resolver.store.function(
                    (reference.module, reference.qualname) if reference else ("", "")
                )
                yielded = function.yielded if function is not None else None
                if yielded is None or reference is None:
                    return False
                if not self._fresh(yielded, reference.module, inner_receiver, depth + 1):
                    return False
            elif not self._fresh(expr[1], module, receiver, depth + 1):
                return False
        return True

    def _makes(
        self, callee: Value, args: tuple, module: str, receiver: Receiver, depth: int
    ) -> bool:
        """Whether calling ``callee`` makes a fresh object: a catalog factory, or a project
        helper whose return value is made by one."""
        for option in options_of(callee):
            if isinstance(option, (External, CatalogMethod, CatalogInstance)):
                if isinstance(option, CatalogMethod) and self._bound_type(
                    CatalogInstance(option.type)
                ):
                    return False  # made from a bound object: owned by whoever owns that
                continue
            reference = function_of(option) if isinstance(option, (FunctionRef, Bound)) else None
            if reference is None:
                return False
            function = self.resolver.store.function((reference.module, reference.qualname))
            returned = function.returned if function is not None else None
            inner_receiver = option.receiver if isinstance(option, Bound) else None
            if returned is None or not self._fresh(
                returned, reference.module, inner_receiver, depth + 1
            ):
                return False
        return bool(options_of(callee))

    def _bound_sink(self, edge: Edge) -> bool:
        """Whether the edge ends at a method of a thread-bound type (by the sink's name)."""
        return edge.sink is not None and self.catalog.thread_bound(_sink_type(edge.sink.name))

    # ---- summaries -------------------------------------------------------------------------------

    def summarise(self, roots: Iterable[Node]) -> dict[Node, Borrowing]:
        """The sync functions reachable from ``roots`` that use a thread-bound object they
        neither own nor were given as an argument (``self.session``, a global connection),
        directly or through the sync code they run: moved alone to a thread, they would use
        it from that thread."""
        effects = self.effects
        found: dict[Node, Borrowing] = {}

        def seed(node: Node, edge: Edge) -> Borrowing | None:
            if not edge.targets and not self._bound_sink(edge):
                return None  # a catalog call on an object that may move between threads
            for bound in self.used_by(edge.site, node.module, node.receiver):
                if not bound.owned and not _is_parameter(bound.expr):
                    return Borrowing(bound.type)
            return None

        def extend(caller: Node, edge: Edge, callee: Node, below: Borrowing) -> Borrowing:
            return Borrowing(below.type, (effects.label(callee), *below.through))

        effects.propagate(effects.reachable(roots), found, seed, extend, follow=lambda _: True)
        return found


def _sink_type(name: str) -> str:
    return name.rsplit(".", 1)[0]


def _receiver_chain(expr: Expr) -> Iterator[Expr]:
    """``expr`` and the receivers it is reached through, outermost first."""
    current: Expr | None = expr
    while current is not None:
        yield current
        tag = current[0]
        if tag == "attr":
            current = current[1]
        elif tag == "call" and current[1][0] == "attr":
            current = current[1][1]
        elif tag in _TRANSPARENT or tag == "iter":
            current = current[1]
        else:
            current = None


def _is_parameter(expr: Expr) -> bool:
    return expr[0] == "param"


def _given(literals: tuple[tuple[str, object], ...], args: tuple) -> bool:
    given = {keyword: value for keyword, value in args if keyword}
    return any(
        (found := given.get(keyword)) is not None and found[0] == "lit" and found[1] == literal
        for keyword, literal in literals
    )


def contains(expr: object, part: Expr) -> bool:
    """Whether ``part`` occurs in ``expr`` (symbolic expressions are nested tuples)."""
    if expr == part:
        return True
    if isinstance(expr, tuple):
        return any(contains(item, part) for item in expr if isinstance(item, tuple))
    return False
