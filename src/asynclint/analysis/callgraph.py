"""What executing a function does: edges to catalog sinks and to the project functions it runs.

A node is a function run for a receiver (see :mod:`asynclint.analysis.resolve`): the same
base-class method called on ``MonthlyExport()`` and on ``NullExport()`` runs different
``self.collect()`` overrides, so they are two nodes. A call on a declared receiver reaches every
implementation of the method (class-hierarchy analysis); an abstract one never blocks by itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, replace
from typing import Any

from asynclint.analysis.hierarchy import Hierarchy
from asynclint.analysis.resolve import CONSUMERS, Resolver, function_of
from asynclint.analysis.store import FactsStore, FunctionId
from asynclint.analysis.values import (
    Bound,
    CatalogInstance,
    CatalogMethod,
    ClassRef,
    ContextManager,
    External,
    FunctionRef,
    Generator,
    Guess,
    HashedOnce,
    Instance,
    LibraryWrapped,
    Partial,
    Range,
    Value,
    Wrapped,
    hash_once,
    options_of,
)
from asynclint.catalog import Blocking, Catalog
from asynclint.facts import CallSite, Expr, Site, is_falsy_default
from asynclint.rules import default_severity

CPU_LOOP_CODE = "AL281"
CPU_LOOP_THRESHOLD = 1_000_000
CPU_LOOP_SUGGESTION = "run CPU-bound work in a process pool via `loop.run_in_executor`"


@hash_once
@dataclass(frozen=True, slots=True)
class Node(HashedOnce):
    """A project function run for a receiver (``None``: its own class's instance, declared).

    ``lasting``: the receiver outlives the call (a module-level object, what a cached factory
    returns), so what the method caches on ``self`` is cached for the process (decision 0041).
    ``absent``: optional parameters the call left at their falsy default, so the code that
    needs them given does not run (decision 0046).
    """

    module: str
    qualname: str
    receiver: Value | None = None
    lasting: bool = False
    absent: frozenset[str] = frozenset()

    @property
    def fid(self) -> FunctionId:
        return (self.module, self.qualname)


@dataclass(frozen=True, slots=True)
class Sink:
    """A catalog call: the end of every chain."""

    name: str
    blocking: Blocking


@dataclass(frozen=True, slots=True)
class LoopUse:
    """A catalog call that needs the event loop of the calling thread (``catalog/loop.toml``):
    it blocks nothing, but moved to a worker thread it fails or corrupts the loop's state."""

    name: str
    reason: str


@dataclass(frozen=True, slots=True)
class Edge:
    """What executing one site of a function does: reach a sink, or run project functions.

    ``targets`` are the functions the site may run: one, or every implementation of a method
    called on a declared receiver (``dispatch`` names that method). ``via``: a higher-order
    helper the call goes through (``retry(fetch)`` runs ``fetch`` via ``retry``). ``loop``: the
    call needs the calling thread's event loop (an edge of its own, with no sink or targets).
    ``once``: the site runs its callee at most once, and this names the function that makes it
    so (a cached callee, or the function with the memoised branch): what it reaches blocks on
    the first call only.
    """

    site: CallSite | Site
    sink: Sink | None = None
    targets: tuple[Node, ...] = ()
    confident: bool = True
    via: Node | None = None
    dispatch: str = ""
    _: KW_ONLY  # what follows is named where it is given
    loop: LoopUse | None = None
    once: str = ""
    # For the edge into a decorator's wrapper: the decorated function it wraps (for labels).
    wraps: str = ""


class CallGraph:
    def __init__(self, store: FactsStore, resolver: Resolver, hierarchy: Hierarchy) -> None:
        self.store = store
        self.resolver = resolver
        self.hierarchy = hierarchy
        self.catalog: Catalog = resolver.catalog
        self._edges: dict[Node, list[Edge]] = {}
        # (node, id(site)) -> the site and its edges, for nodes whose edges are provisional.
        self._by_site: dict[tuple[Node, int], tuple[object, list[Edge]]] = {}
        self._guesses = 0  # calls of _unique_method so far
        # Method name -> the methods of that name in loaded modules (for guessed receivers).
        # Not methods of classes local to a body: which bodies are parsed varies.
        self._methods_by_name: dict[str, list[FunctionId]] = {}
        self._method_position = 0
        self.internal_errors: list[str] = []

    def edges(self, node: Node) -> list[Edge]:
        cached = self._edges.get(node)
        if cached is not None:
            return cached
        misses = self.store.misses
        function = self.store.function(node.fid)
        edges: list[Edge] = []
        if function is not None:
            memoising = self.store.display_name(node.fid)
            for call in function.calls:
                if node.absent and not node.absent.isdisjoint(call.guards):
                    continue  # needs an optional argument this call did not pass
                found = self._site_edges(node, call, self._call_edges_here)
                once = _runs_once(call.once, node)
                edges.extend(_once(edge, memoising) if once else edge for edge in found)
            for site in function.sites:
                if node.absent and not node.absent.isdisjoint(site.guards):
                    continue
                found = self._site_edges(node, site, self._one_site_edge)
                once = _runs_once(site.once, node)
                edges.extend(_once(edge, memoising) if once else edge for edge in found)
        if misses == self.store.misses:
            self._edges[node] = edges
            for site in (*function.calls, *function.sites) if function is not None else ():
                self._by_site.pop((node, id(site)), None)
        return edges

    def _call_edges_here(self, call: CallSite, node: Node) -> list[Edge]:
        """The edges of a call, made once-only where its receiver lasts (a cache on it)."""
        found = self._call_edges(call, node)
        if call.callee[0] == "attr" and self.lasting(call.callee[1], node):
            found = [self._on_lasting(edge) for edge in found]
        return found

    def _one_site_edge(self, site: Site, node: Node) -> list[Edge]:
        edge = self._site_edge(site, node)
        return [edge] if edge is not None else []

    def _site_edges(
        self, node: Node, site: CallSite | Site, compute: Callable[[Any, Node], list[Edge]]
    ) -> list[Edge]:
        """The edges of one site of a node, kept when computed without a miss (and without a
        guess, which depends on what is loaded): a round that computes a node's edges again
        recomputes only its provisional sites (decision 0050)."""
        key = (node, id(site))
        kept = self._by_site.get(key)
        if kept is not None and kept[0] is site:
            return kept[1]
        misses, guesses = self.store.misses, self._guesses
        try:
            found = compute(site, node)
        except Exception as error:
            self._internal_error(node, site.span, error)
            return []
        if misses == self.store.misses and guesses == self._guesses:
            self._by_site[key] = (site, found)
        return found

    # ---- calls --------------------------------------------------------------------------------

    def _call_edges(self, call: CallSite, node: Node) -> list[Edge]:
        if call.awaited:
            return []
        callee = self.resolver.evaluate(call.callee, node.module, node.receiver)
        edges = self._runs(call, callee, node)
        loop = self.loop_use(callee)
        if loop is not None:
            edges.append(Edge(call, loop=loop))
        return edges

    def loop_use(self, callee: Value) -> LoopUse | None:
        """The loop the call of ``callee`` needs, when the catalog says it needs one."""
        catalog = self.catalog
        for option in options_of(callee):
            name, reason = "", ""
            if isinstance(option, External):
                name, reason = option.name, catalog.loop_function(option.name)
            elif isinstance(option, CatalogMethod):
                name = f"{option.type}.{option.name}"
                reason = catalog.loop_method(option.type, option.name)
            elif isinstance(option, Guess):
                name, reason = option.name, catalog.loop_any_methods.get(option.name, "")
            elif isinstance(option, (FunctionRef, Bound)):
                reference = function_of(option)
                assert reference is not None
                name = f"{reference.module}.{reference.qualname}"  # the stdlib, checked itself
                reason = catalog.loop_function(name)
            if reason:
                return LoopUse(name, reason)
        return None

    def _runs(self, call: CallSite, callee: Value, node: Node) -> list[Edge]:
        """The edges of what the call runs: sinks and project functions."""
        module, receiver = node.module, node.receiver
        callee_expr = call.callee
        if callee_expr[0] == "attr" and callee_expr[2] in self.catalog.callback_methods:
            # loop.call_soon(f): the loop itself calls f later, on the loop.
            position = self.catalog.callback_methods[callee_expr[2]].callable_arg
            positional = [value for keyword, value in call.args if keyword is None]
            if position < len(positional):
                target = self.resolver.evaluate(positional[position], module, receiver)
                edge = self.edge_for_call(call, target, (), node)
                if edge is not None:
                    return [edge]
        wrapped = [option for option in options_of(callee) if isinstance(option, Wrapped)]
        if wrapped:
            found = []
            for option in wrapped:  # the body the user wrote first, then the wrapper
                original = function_of(option.original)
                for part in (option.original, option.wrapper):
                    edge = self.edge_for_call(call, part, call.args, node)
                    if edge is not None and part is option.wrapper and original is not None:
                        name = self.store.display_name((original.module, original.qualname))
                        edge = replace(edge, wraps=name)
                    if edge is not None:
                        found.append(edge)
            return found
        edge = self.edge_for_call(call, callee, call.args, node)
        edges = [edge] if edge is not None else []
        for option in options_of(callee):
            if isinstance(option, (FunctionRef, Bound)):
                edges.extend(self._passed_and_called(call, option, node))
        return edges

    def _passed_and_called(
        self, call: CallSite, callee: FunctionRef | Bound, node: Node
    ) -> list[Edge]:
        """``retry(fetch)`` where ``retry`` calls its parameter: ``fetch`` runs at this call."""
        reference = function_of(callee)
        assert reference is not None
        function = self.store.function((reference.module, reference.qualname))
        if function is None or not function.called_params or function.is_async:
            return []
        helper = (reference.module, reference.qualname)
        if self.catalog.offload_for_function(self.store.display_name(helper)):
            return []  # declared an offload wrapper: it runs its argument off the loop
        positional = [p.name for p in function.params]
        if function.class_name is not None and positional and reference.qualname.count(".") >= 1:
            positional = positional[1:]  # bound method: `self` is not passed at the call
        passed = []
        index = 0
        for keyword, value in call.args:
            if keyword is None:
                if (
                    value[0] != "star"
                    and index < len(positional)
                    and positional[index] in function.called_params
                ):
                    passed.append(value)
                index += 1
            elif keyword in function.called_params:
                passed.append(value)
        edges = []
        via = Node(reference.module, reference.qualname)
        for value in passed:
            target = self.resolver.evaluate(value, node.module, node.receiver)
            edge = self.edge_for_call(call, target, (), node)
            if edge is not None:
                edges.append(replace(edge, via=via))
        return edges

    def edge_for_call(
        self, site: CallSite | Site, callee: Value, args: tuple, caller: Node
    ) -> Edge | None:
        """The edge of calling ``callee`` at ``site`` (every option of a union)."""
        sink: Sink | None = None
        targets: list[Node] = []
        confident = True
        dispatch = ""
        once: list[str] = []
        for option in options_of(callee):
            found = self._call_option(site, option, args, caller)
            if found is None:
                continue
            if found.sink is not None and sink is None:
                sink = found.sink
            for target in found.targets:
                if target not in targets:
                    targets.append(target)
            confident = confident and found.confident
            dispatch = dispatch or found.dispatch
            once.append(found.once)
        if sink is None and not targets:
            return None
        # Once only when every option is (a cached function and an uncached one: every call).
        cached = once[0] if all(once) else ""
        return Edge(site, sink, tuple(targets), confident, None, dispatch, once=cached)

    def _call_option(
        self, site: CallSite | Site, callee: Value, args: tuple, caller: Node
    ) -> Edge | None:
        if isinstance(callee, (FunctionRef, Bound)):
            return self._project_call(site, callee, caller, args)
        if isinstance(callee, LibraryWrapped):  # calling a Celery task runs its body here
            return self._project_call(site, callee.call, caller, args)
        if isinstance(callee, ClassRef):
            init = self.resolver.attribute(Instance(callee, exact=callee.exact), "__init__")
            if isinstance(init, (FunctionRef, Bound)):
                return self._project_call(site, init, caller, args)
            return None
        if isinstance(callee, Instance):
            call = self.resolver.attribute(callee, "__call__")
            return self.edge_for_call(site, call, args, caller) if isinstance(call, Bound) else None
        if isinstance(callee, External):
            return self._external_call(site, callee.name, args, caller)
        if isinstance(callee, CatalogMethod):
            blocking = self.catalog.method(callee.type, callee.name)
            # `*`: every method of a generated SDK client blocks, except private ones and those
            # the catalog types as returning a local value (`generate_presigned_url`).
            if (
                blocking is None
                and not callee.name.startswith("_")
                and self.catalog.method_returns(callee.type, callee.name) is None
            ):
                blocking = self.catalog.method(callee.type, "*")
            if blocking is not None and self._exempt(blocking, args, caller, callee.memory):
                blocking = None
            if blocking is not None:
                return Edge(site, Sink(f"{callee.type}.{callee.name}", blocking))
            return None
        if isinstance(callee, CatalogInstance):
            blocking = self.catalog.method(callee.type, "__call__")
            if blocking is not None and not self._exempt(blocking, args, caller, callee.memory):
                return Edge(site, Sink(f"{callee.type}.__call__", blocking))
            return None
        if isinstance(callee, Partial):
            return self.edge_for_call(site, callee.target, (), caller)
        if isinstance(callee, Guess):
            target = self._unique_method(callee.name)
            if target is not None:
                function = self.store.function(target)
                if function is not None and not function.is_async and not function.is_generator:
                    return Edge(site, None, (Node(*target),), False)
        return None

    def _project_call(
        self, site: CallSite | Site, callee: FunctionRef | Bound, caller: Node, args: tuple = ()
    ) -> Edge | None:
        reference = function_of(callee)
        assert reference is not None
        configured = self.catalog.function(f"{reference.module}.{reference.qualname}")
        if configured is not None and configured.blocking is not None:
            name = self.store.display_name((reference.module, reference.qualname))
            return Edge(site, Sink(name, configured.blocking))
        receiver = callee.receiver if isinstance(callee, Bound) else None
        if isinstance(receiver, Instance) and not receiver.exact:
            return self._dispatch(site, callee, receiver, args)
        node = self._node(reference, receiver, caller)
        if node is None:
            return None
        node = self._with_absent(node, isinstance(callee, Bound), args)
        return Edge(site, None, (node,), once=self._cached(reference, methods=False))

    def _with_absent(self, node: Node, bound: bool, args: tuple) -> Node:
        """The node for a call that leaves some optional guard parameters at their default."""
        function = self.store.function(node.fid)
        if function is None:
            return node
        needed = {name for call in function.calls for name in call.guards}
        needed.update(name for site in function.sites for name in site.guards)
        if not needed or any(value[0] == "star" for _, value in args):
            return node  # nothing guarded, or unknown arguments: everything may run
        params = list(function.params)
        if bound and function.class_name is not None and params:
            params = params[1:]  # `self` is the receiver
        given = sum(1 for keyword, _ in args if keyword is None)
        keywords = {keyword for keyword, _ in args if keyword}
        absent = frozenset(
            param.name
            for index, param in enumerate(params)
            if param.name in needed
            and index >= given
            and param.name not in keywords
            and is_falsy_default(param.default)
        )
        return replace(node, absent=absent) if absent else node

    def _cached(self, reference: FunctionRef, *, methods: bool) -> str:
        """The function's name when a memoizing decorator caches it (``@lru_cache``), else
        ``""``: what it reaches blocks on its first call only. A method's cache is per object:
        it counts only with ``methods`` (its receiver lasts)."""
        function = self.store.signature((reference.module, reference.qualname))
        if function is None or not function.decorators or not self.catalog.memoizers:
            return ""
        if function.class_name is not None and not methods:
            return ""
        if self.resolver.is_decorated_with(function, reference.module, *self.catalog.memoizers):
            return self.store.display_name((reference.module, reference.qualname))
        return ""

    def _on_lasting(self, edge: Edge) -> Edge:
        """A call on a lasting receiver: its methods run for a lasting ``self``, and a cached
        method caches for the process."""
        if not edge.targets:
            return edge
        targets = tuple(
            replace(target, lasting=True) if self._is_method(target) else target
            for target in edge.targets
        )
        once = edge.once
        if not once:
            cached = [
                self._cached(FunctionRef(target.module, target.qualname), methods=True)
                for target in targets
            ]
            once = cached[0] if all(cached) else ""
        return replace(edge, targets=targets, once=once)

    def _made_property(self, owner: Value, name: str) -> bool:
        """``basic = settings_property(Basic())`` in a class body, where the project function
        returns ``property(...)``: reading it runs a getter each time."""
        cls = owner.cls if isinstance(owner, Instance) else owner
        if not isinstance(cls, ClassRef):
            return False
        for entry in self.hierarchy.mro(cls):
            facts = self.hierarchy.class_facts(entry)
            value = facts.attributes.get(name) if facts is not None else None
            if value is None:
                continue
            if value[0] == "ann":
                value = value[2] or ("unk",)
            if value[0] != "call":
                return False
            factory = function_of(self.resolver.evaluate(value[1], entry.module))
            if factory is None:
                return False
            function = self.store.function((factory.module, factory.qualname))
            if function is None or function.returned is None or function.returned[0] != "call":
                return False
            made = self.resolver.evaluate(function.returned[1], factory.module)
            return isinstance(made, External) and made.name in _PROPERTY_TYPES
        return False

    def _is_method(self, node: Node) -> bool:
        function = self.store.signature(node.fid)
        return function is not None and function.class_name is not None

    def lasting(self, expr: Expr, node: Node) -> bool:
        """Whether the object ``expr`` evaluates to in ``node`` outlives the call: module-level
        names, classes, attributes of lasting objects (not fresh values of a property), the
        result of a cached function; ``self`` when the node's receiver lasts."""
        tag = expr[0]
        if tag in ("glob", "imp", "clsref"):
            return True
        if tag == "self":
            return node.lasting
        if tag == "sub":
            return self.lasting(expr[1], node)
        if tag == "ann":
            return expr[2] is not None and self.lasting(expr[2], node)
        if tag == "attr":
            if not self.lasting(expr[1], node):
                return False
            owner = self.resolver.evaluate(expr[1], node.module, node.receiver)
            for option in options_of(owner):
                getter = self.hierarchy.property_getter(option, expr[2])
                if getter is not None and not self._cached(getter.function, methods=True):
                    return False  # a property computes a new value at each read
                if self._made_property(option, expr[2]):
                    return False
            return True
        if tag == "call":
            callee = function_of(self.resolver.evaluate(expr[1], node.module, node.receiver))
            return callee is not None and bool(self._cached(callee, methods=False))
        return False

    def _dispatch(
        self, site: CallSite | Site, callee: Bound, receiver: Instance, args: tuple = ()
    ) -> Edge | None:
        """A method called on a declared receiver: every implementation it may run."""
        name = callee.function.qualname.rsplit(".", 1)[-1]
        targets = []
        implementations = self.hierarchy.implementations(receiver, name)
        if not implementations:
            implementations = [callee]
        for implementation in implementations:
            function = self.store.signature(
                (implementation.function.module, implementation.function.qualname)
            )
            if function is None or self.hierarchy.is_abstract(
                function, implementation.function.module
            ):
                continue
            node = self._node(implementation.function, implementation.receiver, None)
            if node is not None:
                targets.append(self._with_absent(node, True, args))
        if not targets:
            return None
        dispatch = ""
        if len(implementations) > 1:
            dispatch = f"{receiver.cls.qualname.rsplit('.', 1)[-1]}.{name}"
        return Edge(site, None, tuple(targets), True, None, dispatch)

    def _node(
        self, reference: FunctionRef, receiver: Value | None, caller: Node | None
    ) -> Node | None:
        function = self.store.function((reference.module, reference.qualname))
        if function is None or function.is_async or function.is_generator:
            return None
        lasting = False
        if (
            receiver is None
            and caller is not None
            and reference.qualname.startswith(f"{caller.qualname}.<locals>.")
        ):
            receiver = caller.receiver  # a closure inside a method sees the method's ``self``
            lasting = caller.lasting
        return Node(
            reference.module,
            reference.qualname,
            _normal_receiver(receiver, function.class_name, reference.module),
            lasting,
        )

    def _external_call(
        self, site: CallSite | Site, name: str, args: tuple, caller: Node
    ) -> Edge | None:
        if name in CONSUMERS and args:
            consumed = self.resolver.evaluate(args[0][1], caller.module, caller.receiver)
            for option in options_of(consumed):
                if isinstance(option, Generator):
                    node = self._generator_node(option)
                    if node is not None:
                        return Edge(site, None, (node,))
        entry = self.catalog.function(name)
        if entry is not None and entry.blocking is not None:
            if self._exempt(entry.blocking, args, caller, False):
                return None
            return Edge(site, Sink(name.removeprefix("builtins."), entry.blocking))
        return None

    def _exempt(self, blocking: Blocking, args: tuple, caller: Node, memory: bool) -> bool:
        """The call does no I/O with these arguments: ``shutdown(wait=False)``, an in-memory
        receiver or buffer argument, ``sqlite3.connect(":memory:")`` (decision 0043)."""
        if _disarmed(blocking, args):
            return True
        return bool(blocking.in_memory) and self.resolver.in_memory(
            blocking.in_memory, args, caller.module, caller.receiver, memory
        )

    def _generator_node(self, value: Generator | ContextManager) -> Node | None:
        reference = function_of(value.call)
        if reference is None:
            return None
        function = self.store.function((reference.module, reference.qualname))
        if function is None or function.is_async:
            return None
        receiver = value.call.receiver if isinstance(value.call, Bound) else None
        return Node(
            reference.module,
            reference.qualname,
            _normal_receiver(receiver, function.class_name, reference.module),
        )

    # ---- with, for and attribute reads --------------------------------------------------------

    def _site_edge(self, site: Site, node: Node) -> Edge | None:
        resolver = self.resolver
        if site.kind == "read":
            owner = resolver.evaluate(site.expr[1], node.module, node.receiver)
            name = site.expr[2]
            for option in options_of(owner):
                getter = self.hierarchy.property_getter(option, name)
                if getter is not None:
                    target = self._node(getter.function, getter.receiver, node)
                    if target is None:
                        continue
                    edge = Edge(site, None, (target,))
                    # A cached property caches per object: once, for a lasting object only.
                    return self._on_lasting(edge) if self.lasting(site.expr[1], node) else edge
                lazy = self.hierarchy.lazy_attribute(option, name)
                if lazy is not None:
                    assert isinstance(option, Instance)
                    owner_name = option.cls.qualname.rsplit(".", 1)[-1]
                    return Edge(site, Sink(f"lazy load of {owner_name}.{name}", lazy))
            return None
        value = resolver.evaluate(site.expr, node.module, node.receiver)
        for option in options_of(value):
            edge = (
                self._enter_edge(site, option, node)
                if site.kind == "enter"
                else self._iter_edge(site, option, node)
            )
            if edge is not None:
                return edge
        return None

    def _enter_edge(self, site: Site, value: Value, node: Node) -> Edge | None:
        if isinstance(value, ContextManager):
            target = self._generator_node(value)
            return Edge(site, None, (target,)) if target is not None else None
        if isinstance(value, CatalogInstance):
            for method in ("__enter__", "__exit__"):  # leaving the block runs on the loop too
                blocking = self.catalog.method(value.type, method)
                if blocking is not None and not self._exempt(blocking, (), node, value.memory):
                    return Edge(site, Sink(f"{value.type}.{method}", blocking))
        if isinstance(value, Instance):
            enter = self.resolver.attribute(value, "__enter__")
            if isinstance(enter, (FunctionRef, Bound)):
                return self.edge_for_call(site, enter, (), node)
        return None

    def _iter_edge(self, site: Site, value: Value, node: Node) -> Edge | None:
        if isinstance(value, Generator):
            target = self._generator_node(value)
            return Edge(site, None, (target,)) if target is not None else None
        if isinstance(value, Instance):
            method = self.resolver.attribute(value, "__iter__")
            if isinstance(method, (FunctionRef, Bound)):
                reference = function_of(method)
                assert reference is not None
                function = self.store.function((reference.module, reference.qualname))
                if function is not None and not function.is_async:
                    receiver = method.receiver if isinstance(method, Bound) else None
                    return Edge(
                        site,
                        None,
                        (
                            Node(
                                reference.module,
                                reference.qualname,
                                _normal_receiver(receiver, function.class_name, reference.module),
                            ),
                        ),
                    )
        if isinstance(value, Range) and value.bound >= CPU_LOOP_THRESHOLD:
            blocking = Blocking(
                CPU_LOOP_CODE, CPU_LOOP_SUGGESTION, severity=default_severity(CPU_LOOP_CODE)
            )
            sink = Sink(f"range({value.bound:_})", blocking)
            return Edge(site, sink)
        if isinstance(value, CatalogInstance):
            blocking = self.catalog.method(value.type, "__iter__")
            if blocking is not None and not self._exempt(blocking, (), node, value.memory):
                return Edge(site, Sink(f"iterating {value.type}", blocking))
        return None

    # ---- guesses ------------------------------------------------------------------------------

    def _unique_method(self, name: str) -> FunctionId | None:
        self._guesses += 1
        if name.startswith("__") or len(name) < 4:
            return None
        self._method_position, functions = self.store.functions_since(self._method_position)
        for module, function in functions:
            if function.class_name is not None and "<locals>" not in function.qualname:
                entries = self._methods_by_name.setdefault(function.name, [])
                if (module, function.qualname) not in entries:
                    entries.append((module, function.qualname))
        candidates = self._methods_by_name.get(name, ())
        return candidates[0] if len(candidates) == 1 else None

    def _internal_error(self, node: Node, span: tuple, error: Exception) -> None:
        where = f"{self.store.path_of(node.module)}:{span[0]}"
        self.internal_errors.append(f"{where}: internal error while resolving ({error!r}); skipped")


_PROPERTY_TYPES = frozenset({"builtins.property", "functools.cached_property"})


def _runs_once(scope: str, node: Node) -> bool:
    """A site in a memo's miss branch runs once: per process, or per object of a lasting one."""
    return scope == "process" or (scope == "object" and node.lasting)


def _once(edge: Edge, memoising: str) -> Edge:
    """The edge of a site in a memo idiom's miss branch of ``memoising``."""
    return edge if edge.once else replace(edge, once=memoising)


def _normal_receiver(receiver: Value | None, class_name: str | None, module: str) -> Value | None:
    """One node for a method run on its own class's declared instance, however it was reached."""
    if receiver is None or class_name is None:
        return None
    own = (module, class_name)
    if isinstance(receiver, Instance) and not receiver.exact and not receiver.cls.args:
        return None if receiver.cls.key == own else receiver
    if isinstance(receiver, ClassRef) and not receiver.args and receiver.key == own:
        return None
    return receiver


def _disarmed(blocking: Blocking, args: tuple) -> bool:
    """True when a keyword argument with a literal value makes the call non-blocking."""
    if not blocking.unless:
        return False
    given = {keyword: value for keyword, value in args if keyword}
    return any(
        (found := given.get(keyword)) is not None and found[0] == "lit" and found[1] == literal
        for keyword, literal in blocking.unless
    )
