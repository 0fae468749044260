"""The project graph: resolve across modules, link call sites, summarise blocking.

A *value* is what an expression evaluates to, as far as static knowledge goes (tagged tuples):
  ("func", module, qualname)   a project function (also lambdas)
  ("class", module, qualname)  a project class;  ("inst", module, qualname) an instance of it
  ("module", name)             a project module;  ("ext", "pkg.name") anything outside the project
  ("cinst", type)              an instance of a catalog type (``requests.Session``)
  ("bound", type, method)      a method of a catalog instance
  ("gen", module, qualname)    a generator object (calling a generator function runs none of it)
  ("cm", module, qualname)     a ``@contextmanager`` object (entering it runs the generator)
  ("coro", module, qualname)   a coroutine (awaiting it gives the function's return type)
  ("super", module, class)     ``super()`` in a method of that class
  ("wrapped", wrapper, original)  a function decorated by a project decorator (both run)
  ("partial", value)           ``functools.partial(f, ...)`` (calling it calls ``f``)
  ("range", n)                 ``range(n)`` with a literal bound
  ("items", value)             something whose iteration yields ``value`` (``Path.glob()``)
  ("guess", name)              a method of an object of unknown type
  ("unk",)
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from asynclint.catalog import Blocking, Catalog
from asynclint.facts import (
    CallSite,
    ClassFacts,
    Expr,
    FunctionFacts,
    ModuleFacts,
    Site,
    tail_name,
)
from asynclint.models import ChainHop, Confidence
from asynclint.modules import ModuleIndex

Value = tuple[Any, ...]
UNK: Value = ("unk",)
FunctionId = tuple[str, str]  # (module, qualname)

CPU_LOOP_CODE = "AL281"
CPU_LOOP_THRESHOLD = 1_000_000
CPU_LOOP_SUGGESTION = "run CPU-bound work in a process pool via `loop.run_in_executor`"

# Builtins that run a generator to exhaustion when handed one.
_CONSUMERS = frozenset(
    "builtins." + name
    for name in (
        "list",
        "tuple",
        "set",
        "frozenset",
        "dict",
        "sorted",
        "sum",
        "min",
        "max",
        "any",
        "all",
        "enumerate",
        "zip",
        "map",
        "filter",
        "next",
    )
)
# Builtins whose result iterates over the same elements as their argument.
_SAME_ITEMS = frozenset(
    "builtins." + name
    for name in ("sorted", "list", "tuple", "reversed", "set", "iter", "frozenset")
)
# Annotations `X[T]` whose iteration yields T.
_CONTAINERS = frozenset(
    {
        "list",
        "List",
        "set",
        "Set",
        "frozenset",
        "FrozenSet",
        "tuple",
        "Tuple",
        "Sequence",
        "MutableSequence",
        "Iterable",
        "Iterator",
        "Collection",
        "AbstractSet",
        "Generator",
    }
)


@dataclass(frozen=True, slots=True)
class Sink:
    """A catalog call: the end of every chain."""

    name: str
    blocking: Blocking


@dataclass(frozen=True, slots=True)
class Edge:
    """What executing one site of a function does: reach a sink or run a project function."""

    site: CallSite | Site
    sink: Sink | None
    callee: FunctionId | None
    confident: bool
    # A higher-order helper the call goes through (`retry(fetch)` runs `fetch` via `retry`).
    via: FunctionId | None = None


@dataclass(frozen=True, slots=True)
class Summary:
    """Why a sync function may block: the hops from its body down to the catalog call."""

    sink: Sink
    hops: tuple[ChainHop, ...]
    confidence: Confidence


class Project:
    def __init__(
        self,
        index: ModuleIndex,
        catalog: Catalog,
        load: Callable[[list[str], list[FunctionId]], None],
        display_path: Callable[[Path], str],
    ) -> None:
        """``load(modules, bodies)`` adds the facts of ``modules`` and merges the blanked
        ``bodies`` of loaded modules into theirs (one round of parsing for both)."""
        self.index = index
        self.catalog = catalog
        self.facts: dict[str, ModuleFacts] = {}
        self.pending: set[str] = set()
        self.pending_bodies: set[FunctionId] = set()
        self._load = load
        self._display_path = display_path
        self._values: dict[tuple[str, int], Value] = {}
        self._in_progress: set[tuple[str, int]] = set()
        self._edges: dict[FunctionId, list[Edge]] = {}
        # Method name -> the methods of that name in loaded modules (for guessed receivers).
        # Not methods of classes local to a body: which bodies are parsed varies.
        self._methods_by_name: dict[str, list[FunctionId]] = {}
        self._paths: dict[str, str] = {}
        # Bumped whenever resolution needed a module that is not loaded yet: results computed
        # meanwhile are provisional and not memoised, so the next wave recomputes only them.
        self._misses = 0
        self.internal_errors: list[str] = []

    # ---- loading ------------------------------------------------------------------------------

    def add(self, module: str, facts: ModuleFacts) -> None:
        self.facts[module] = facts
        for function in facts.functions.values():
            if function.class_name is not None and "<locals>" not in function.qualname:
                self._methods_by_name.setdefault(function.name, []).append(
                    (module, function.qualname)
                )

    def module_facts(self, module: str) -> ModuleFacts | None:
        facts = self.facts.get(module)
        if facts is None and module in self.index.by_name:
            self.pending.add(module)
            self._misses += 1
        return facts

    def settle(self, work: Callable[[], None]) -> None:
        """Run ``work`` until resolution needs no module that is not loaded yet."""
        while True:
            self.pending.clear()
            self.pending_bodies.clear()
            work()
            wanted = {m for m in self.pending if m not in self.facts}
            bodies = sorted(
                fid for fid in self.pending_bodies if fid[1] in self.facts[fid[0]].masked
            )
            if not wanted and not bodies:
                return
            self._load(sorted(wanted), bodies)
            for module in wanted:  # unreadable modules must not be asked for again
                self.facts.setdefault(module, ModuleFacts(path=str(self.index.by_name[module])))
            for module, qualname in bodies:  # a body that failed to load stays empty
                self.facts[module].masked.pop(qualname, None)

    def path_of(self, module: str) -> str:
        shown = self._paths.get(module)
        if shown is None:
            shown = self._paths[module] = self._display_path(
                self.index.by_name.get(module, Path(module))
            )
        return shown

    def function(self, fid: FunctionId) -> FunctionFacts | None:
        """A function's facts; asking for one whose body is not parsed yet schedules the parse
        (what was computed meanwhile is provisional, like for a module not loaded yet)."""
        facts = self.module_facts(fid[0])
        if facts is None:
            return None
        if fid[1] in facts.masked:
            self.pending_bodies.add(fid)
            self._misses += 1
        return facts.functions.get(fid[1])

    # ---- evaluation ---------------------------------------------------------------------------

    def evaluate(self, expr: Expr | None, module: str) -> Value:
        if expr is None:
            return UNK
        key = (module, id(expr))
        cached = self._values.get(key)
        if cached is not None:
            return cached
        if key in self._in_progress:
            return UNK
        self._in_progress.add(key)
        misses = self._misses
        try:
            value = self._evaluate(expr, module)
        finally:
            self._in_progress.discard(key)
        if misses == self._misses:
            self._values[key] = value
        return value

    def _evaluate(self, expr: Expr, module: str) -> Value:
        tag = expr[0]
        if tag == "glob":
            return self._global(module, expr[1])
        if tag == "imp":
            return self._import(expr[1], module)
        if tag == "def":
            return self._definition(module, expr[1])
        if tag == "self":
            return ("inst", module, expr[1])
        if tag == "clsref":
            return ("class", module, expr[1])
        if tag == "super":
            return ("super", module, expr[1])
        if tag == "attr":
            return self.attribute(self.evaluate(expr[1], module), expr[2])
        if tag == "call":
            return self.call_result(self.evaluate(expr[1], module), expr[2], module)
        if tag == "param":
            return self._annotated(expr[1], expr[2], module)
        if tag == "ann":
            found = self._annotated(expr[1], None, module)
            return found if found != UNK else self.evaluate(expr[2], module)
        if tag == "enter":
            return self._enter_result(self.evaluate(expr[1], module))
        if tag == "await":
            return self._await_result(self.evaluate(expr[1], module))
        if tag == "sub":
            return self._catalog_return(self.evaluate(expr[1], module), "__getitem__")
        if tag == "div":
            return self._catalog_return(self.evaluate(expr[1], module), "__truediv__")
        if tag == "lambda":
            return ("func", module, expr[1]) if expr[1] else UNK
        if tag == "iter":
            iterated = self.evaluate(expr[1], module)
            return iterated[1] if iterated[0] == "items" else UNK
        return UNK

    def _global(self, module: str, name: str) -> Value:
        found = self._module_binding(module, name)
        return found if found is not None else ("ext", f"builtins.{name}")

    def _module_binding(self, module: str, name: str, depth: int = 0) -> Value | None:
        """A module's binding of ``name``, looking through ``from project_module import *``."""
        facts = self.module_facts(module)
        if facts is None or depth > 8:
            return UNK if facts is None else None
        bound = facts.bindings.get(name)
        if bound is not None:
            return self.evaluate(bound, module)
        for star in facts.star_imports:
            split = self.index.split(
                self.index.absolute(star, module), self.index.by_name.get(module)
            )
            if split is None or split[1]:
                continue
            found = self._module_binding(split[0], name, depth + 1)
            if found is not None:
                return found
        return None

    def _import(self, dotted: str, importer: str) -> Value:
        absolute = self.index.absolute(dotted, importer)
        importer_path = self.index.by_name.get(importer)
        split = self.index.split(absolute, importer_path)
        if split is None:
            return ("ext", absolute)
        value: Value = ("module", split[0])
        for attribute in split[1]:
            value = self.attribute(value, attribute)
        return value

    def _definition(self, module: str, qualname: str) -> Value:
        facts = self.module_facts(module)
        if facts is None:
            return UNK
        if qualname in facts.classes:
            return ("class", module, qualname)
        function = facts.functions.get(qualname)  # the signature is enough here
        if function is None:
            return UNK
        return self._decorated(("func", module, qualname), function, module)

    def _decorated(self, value: Value, function: FunctionFacts, module: str) -> Value:
        """What calling a decorated function runs.

        ``@contextmanager`` makes a context manager; a project decorator returning a sync
        wrapper (``@audited``, ``@throttled(0.2)``) runs that wrapper around the original body.
        Other decorators (``functools.cache``, framework registrations) are transparent.
        """
        for decorator in function.decorators:  # outermost first: it is what callers get
            target = self.evaluate(decorator, module)
            if target[0] == "ext" and target[1] in ("contextlib.contextmanager",):
                return ("cmfunc", value[1], value[2])
            wrapper = self._wrapper_of(target)
            if wrapper is not None:
                return ("wrapped", wrapper, (value[1], value[2]))
        return value

    def _wrapper_of(self, decorator: Value) -> FunctionId | None:
        if decorator[0] != "func":
            return None
        function = self.function((decorator[1], decorator[2]))
        if function is None or function.is_async or function.is_generator:
            return None
        wrapper = self._returns(function, decorator[1])
        if wrapper[0] != "func":
            return None
        inner = self.function((wrapper[1], wrapper[2]))
        if inner is None or inner.is_async or inner.is_generator:
            return None
        return (wrapper[1], wrapper[2])

    def _annotated(self, annotations: tuple[Expr, ...], default: Expr | None, module: str) -> Value:
        for annotation in annotations:
            if annotation[0] == "meta":
                continue
            if annotation[0] == "sub" and annotation[2] and tail_name(annotation[1]) in _CONTAINERS:
                element = self.instance_of(self.evaluate(annotation[2][0], module))
                if element != UNK:
                    return ("items", element)
                continue
            found = self.instance_of(self.evaluate(annotation, module))
            if found != UNK:
                return found
        # FastAPI: `x = Depends(factory)` / `Annotated[T, Depends(factory)]` give factory's result.
        for candidate in (default, *(a[1] for a in annotations if a[0] == "meta")):
            if candidate and candidate[0] == "call" and candidate[2]:
                wrapper = self.evaluate(candidate[1], module)
                if wrapper[0] == "ext" and wrapper[1].rsplit(".", 1)[-1] in ("Depends", "Security"):
                    return self.call_result(self.evaluate(candidate[2][0][1], module), (), module)
        return UNK

    def instance_of(self, type_value: Value) -> Value:
        if type_value[0] == "class":
            return ("inst", type_value[1], type_value[2])
        if type_value[0] == "ext":
            canonical = self.catalog.canonical_type(type_value[1])
            if canonical:
                return ("cinst", canonical)
        return UNK

    # ---- attributes ---------------------------------------------------------------------------

    def attribute(self, value: Value, name: str) -> Value:
        tag = value[0]
        if tag == "module":
            found = self._module_binding(value[1], name)
            if found is not None:
                return found
            sub = f"{value[1]}.{name}"
            if sub in self.index.by_name:
                return ("module", sub)
            return UNK
        if tag == "ext":
            dotted = f"{value[1]}.{name}"
            if value[1] in self.index.prefixes:  # inside a namespace package of the project
                return self._import(dotted, "")
            return ("ext", dotted)
        if tag in ("inst", "class"):
            return self._member(value, name)
        if tag == "super":
            return self._member(("inst", value[1], value[2]), name, skip_own=True)
        if tag == "cinst":
            attribute_type = self.catalog.attribute(value[1], name)
            if attribute_type:
                return ("cinst", attribute_type)
            if self.catalog.method(value[1], name) or self.catalog.method_returns(value[1], name):
                return ("bound", value[1], name)
            fallback = self.catalog.method_returns(value[1], "__getattr__")
            if fallback:
                return ("cinst", fallback)
            return ("bound", value[1], name)
        if tag == "unk":
            return ("guess", name)
        return UNK

    def _member(self, value: Value, name: str, *, skip_own: bool = False) -> Value:
        module, qualname = value[1], value[2]
        for cls_module, cls in self.mro(module, qualname)[1 if skip_own else 0 :]:
            method = cls.methods.get(name)
            if method is not None:
                function = self.facts[cls_module].functions.get(method)
                if function is not None:
                    if value[0] == "inst" and self._is_property(function, cls_module):
                        getter = self.function((cls_module, method))  # its return value
                        return self._returns(getter or function, cls_module)
                    return self._decorated(("func", cls_module, method), function, cls_module)
            attribute = cls.attributes.get(name)
            if attribute is not None:
                return self.evaluate(attribute, cls_module)
        for base in self.catalog_bases(module, qualname):
            if value[0] == "inst":
                return self.attribute(("cinst", base), name)
        return UNK

    def _property_getter(self, owner: Value, name: str) -> FunctionId | None:
        """The sync getter that reading ``owner.name`` runs, for a project ``@property``."""
        if owner[0] not in ("inst", "super"):
            return None
        for cls_module, cls in self.mro(owner[1], owner[2]):
            method = cls.methods.get(name)
            if method is None:
                if name in cls.attributes:
                    return None
                continue
            function = self.facts[cls_module].functions.get(method)
            if function is None or function.is_async or not self._is_property(function, cls_module):
                return None
            return (cls_module, method)
        return None

    def _is_property(self, function: FunctionFacts, module: str) -> bool:
        return any(
            self.evaluate(decorator, module)[1:2]
            in (("builtins.property",), ("functools.cached_property",))
            for decorator in function.decorators
        )

    def mro(self, module: str, qualname: str) -> list[tuple[str, ClassFacts]]:
        """Project classes in method resolution order (depth-first, good enough for lookups)."""
        result: list[tuple[str, ClassFacts]] = []
        seen: set[tuple[str, str]] = set()
        pending = [(module, qualname)]
        while pending:
            current = pending.pop(0)
            if current in seen:
                continue
            seen.add(current)
            facts = self.module_facts(current[0])
            cls = facts.classes.get(current[1]) if facts else None
            if cls is None:
                continue
            result.append((current[0], cls))
            for base in cls.bases:
                base_value = self.evaluate(base, current[0])
                if base_value[0] == "class":
                    pending.append((base_value[1], base_value[2]))
        return result

    def catalog_bases(self, module: str, qualname: str) -> list[str]:
        found = []
        for cls_module, cls in self.mro(module, qualname):
            for base in cls.bases:
                base_value = self.evaluate(base, cls_module)
                if base_value[0] == "ext":
                    canonical = self.catalog.canonical_type(base_value[1])
                    if canonical:
                        found.append(canonical)
        return found

    # ---- calls --------------------------------------------------------------------------------

    def call_result(self, callee: Value, args: tuple, module: str) -> Value:
        tag = callee[0]
        if tag == "func":
            function = self.function((callee[1], callee[2]))
            if function is None:
                return UNK
            if function.is_async:
                return ("coro", callee[1], callee[2])
            if function.is_generator:
                return ("gen", callee[1], callee[2])
            return self._returns(function, callee[1])
        if tag == "cmfunc":
            return ("cm", callee[1], callee[2])
        if tag == "wrapped":
            return self.call_result(("func", *callee[2]), args, module)
        if tag == "class":
            return ("inst", callee[1], callee[2])
        if tag == "inst":
            return self.call_result(self._member(callee, "__call__"), args, module)
        if tag == "ext":
            name = callee[1]
            if name in _SAME_ITEMS and args:
                consumed = self.evaluate(args[0][1], module)
                if consumed[0] == "items":
                    return consumed
            if name == "functools.partial" and args:
                return ("partial", self.evaluate(args[0][1], module))
            if name == "builtins.range" and args:
                bound = args[-1][1] if len(args) == 1 else args[1][1]
                if bound[0] == "lit" and isinstance(bound[1], int):
                    return ("range", bound[1])
                return UNK
            entry = self.catalog.function(name)
            if entry is not None and entry.returns:
                return ("cinst", self.catalog.canonical_type(entry.returns) or entry.returns)
            canonical = self.catalog.canonical_type(name)
            if canonical:
                return ("cinst", canonical)
            return UNK
        if tag == "bound":
            items = self.catalog.method_items(callee[1], callee[2])
            if items:
                return ("items", ("cinst", items))
            returned = self.catalog.method_returns(callee[1], callee[2])
            return ("cinst", returned) if returned else UNK
        if tag == "cinst":
            returned = self.catalog.method_returns(callee[1], "__call__")
            return ("cinst", returned) if returned else UNK
        if tag == "partial":
            return self.call_result(callee[1], (), module)
        return UNK

    def _returns(self, function: FunctionFacts, module: str) -> Value:
        for annotation in function.returns:
            found = self.instance_of(self.evaluate(annotation, module))
            if found != UNK:
                return found
        if function.returned is not None:
            return self.evaluate(function.returned, module)
        return UNK

    def _enter_result(self, value: Value) -> Value:
        if value[0] == "cm":
            function = self.function((value[1], value[2]))
            if function is not None and function.yielded is not None:
                return self.evaluate(function.yielded, value[1])
            return UNK
        if value[0] == "cinst":
            returned = self.catalog.method_returns(value[1], "__enter__")
            return ("cinst", returned) if returned else value
        if value[0] == "inst":
            enter = self._member(value, "__enter__")
            if enter[0] == "func":
                function = self.function((enter[1], enter[2]))
                if function is not None:
                    result = self._returns(function, enter[1])
                    return result if result != UNK else value
            return value
        return UNK

    def _await_result(self, value: Value) -> Value:
        if value[0] == "coro":
            function = self.function((value[1], value[2]))
            if function is not None:
                return self._returns(function, value[1])
        return UNK

    def _catalog_return(self, value: Value, method: str) -> Value:
        if value[0] == "cinst":
            returned = self.catalog.method_returns(value[1], method)
            return ("cinst", returned) if returned else UNK
        return UNK

    # ---- edges --------------------------------------------------------------------------------

    def edges(self, fid: FunctionId) -> list[Edge]:
        cached = self._edges.get(fid)
        if cached is not None:
            return cached
        misses = self._misses
        function = self.function(fid)
        edges: list[Edge] = []
        if function is not None:
            module = fid[0]
            for call in function.calls:
                try:
                    edges.extend(self._call_edges(call, module))
                except Exception as error:
                    self._internal_error(fid, call.span, error)
            for site in function.sites:
                try:
                    edge = self._site_edge(site, module)
                except Exception as error:
                    self._internal_error(fid, site.span, error)
                    continue
                if edge is not None:
                    edges.append(edge)
        if misses == self._misses:
            self._edges[fid] = edges
        return edges

    def _call_edges(self, call: CallSite, module: str) -> list[Edge]:
        if call.awaited:
            return []
        callee_expr = call.callee
        if callee_expr[0] == "attr" and callee_expr[2] in self.catalog.callback_methods:
            # loop.call_soon(f): the loop itself calls f later, on the loop.
            position = self.catalog.callback_methods[callee_expr[2]].callable_arg
            positional = [value for keyword, value in call.args if keyword is None]
            if position < len(positional):
                target = self.evaluate(positional[position], module)
                edge = self._edge_for_call(call, target, (), module)
                if edge is not None:
                    return [edge]
        callee = self.evaluate(callee_expr, module)
        if callee[0] == "wrapped":
            found = [
                self._edge_for_call(call, ("func", *fid), call.args, module)
                for fid in (callee[2], callee[1])  # the body the user wrote first
            ]
            return [edge for edge in found if edge is not None]
        edge = self._edge_for_call(call, callee, call.args, module)
        edges = [edge] if edge is not None else []
        if callee[0] == "func":
            edges.extend(self._passed_and_called(call, callee, module))
        return edges

    def _passed_and_called(self, call: CallSite, callee: Value, module: str) -> list[Edge]:
        """``retry(fetch)`` where ``retry`` calls its parameter: ``fetch`` runs at this call."""
        function = self.function((callee[1], callee[2]))
        if function is None or not function.called_params or function.is_async:
            return []
        if self.catalog.offload_for_function(self.display_name((callee[1], callee[2]))):
            return []  # declared an offload wrapper: it runs its argument off the loop
        positional = [p.name for p in function.params]
        if function.class_name is not None and positional and callee[2].count(".") >= 1:
            positional = positional[1:]  # bound method: `self` is not passed at the call
        passed: list[Expr] = []
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
        for value in passed:
            target = self.evaluate(value, module)
            if target[0] in ("func", "partial", "wrapped", "ext", "bound"):
                edge = self._edge_for_call(call, target, (), module)
                if edge is not None:
                    edges.append(replace(edge, via=(callee[1], callee[2])))
        return edges

    def _edge_for_call(
        self, site: CallSite | Site, callee: Value, args: tuple, module: str
    ) -> Edge | None:
        tag = callee[0]
        if tag == "func":
            configured = self.catalog.function(f"{callee[1]}.{callee[2]}")
            if configured is not None and configured.blocking is not None:
                sink = Sink(self.display_name((callee[1], callee[2])), configured.blocking)
                return Edge(site, sink, None, True)
            function = self.function((callee[1], callee[2]))
            if function is None or function.is_async or function.is_generator:
                return None
            return Edge(site, None, (callee[1], callee[2]), True)
        if tag == "class":
            init = self._member(callee, "__init__")
            if init[0] == "func":
                return self._edge_for_call(site, init, args, module)
            return None
        if tag == "inst":
            return self._edge_for_call(site, self._member(callee, "__call__"), args, module)
        if tag == "ext":
            name = callee[1]
            if name in _CONSUMERS and args:
                consumed = self.evaluate(args[0][1], module)
                if consumed[0] == "gen":
                    return Edge(site, None, (consumed[1], consumed[2]), True)
            entry = self.catalog.function(name)
            if entry is not None and entry.blocking is not None:
                return Edge(site, Sink(_display(name), entry.blocking), None, True)
            return None
        if tag == "bound":
            blocking = self.catalog.method(callee[1], callee[2])
            # `*`: every method of a generated SDK client blocks, except private ones and those
            # the catalog types as returning a local value (`generate_presigned_url`).
            if (
                blocking is None
                and not callee[2].startswith("_")
                and self.catalog.method_returns(callee[1], callee[2]) is None
            ):
                blocking = self.catalog.method(callee[1], "*")
            if blocking is not None and _disarmed(blocking, args):
                blocking = None
            if blocking is not None:
                return Edge(site, Sink(f"{callee[1]}.{callee[2]}", blocking), None, True)
            return None
        if tag == "cinst":
            blocking = self.catalog.method(callee[1], "__call__")
            if blocking is not None:
                return Edge(site, Sink(f"{callee[1]}.__call__", blocking), None, True)
            return None
        if tag == "partial":
            return self._edge_for_call(site, callee[1], (), module)
        if tag == "guess":
            target = self._unique_method(callee[1])
            if target is not None:
                function = self.function(target)
                if function is not None and not function.is_async and not function.is_generator:
                    return Edge(site, None, target, False)
        return None

    def _site_edge(self, site: Site, module: str) -> Edge | None:
        if site.kind == "read":
            getter = self._property_getter(self.evaluate(site.expr[1], module), site.expr[2])
            return Edge(site, None, getter, True) if getter is not None else None
        value = self.evaluate(site.expr, module)
        if site.kind == "enter":
            if value[0] == "cm":
                return Edge(site, None, (value[1], value[2]), True)
            if value[0] == "cinst":
                for method in ("__enter__", "__exit__"):  # leaving the block runs on the loop too
                    blocking = self.catalog.method(value[1], method)
                    if blocking is not None:
                        return Edge(site, Sink(f"{value[1]}.{method}", blocking), None, True)
            if value[0] == "inst":
                enter = self._member(value, "__enter__")
                return self._edge_for_call(site, enter, (), module) if enter[0] == "func" else None
            return None
        # Iteration.
        if value[0] == "gen":
            return Edge(site, None, (value[1], value[2]), True)
        if value[0] == "inst":
            method = self._member(value, "__iter__")
            if method[0] == "func":
                function = self.function((method[1], method[2]))
                if function is not None and not function.is_async:
                    return Edge(site, None, (method[1], method[2]), True)
        if value[0] == "range" and value[1] >= CPU_LOOP_THRESHOLD:
            sink = Sink(f"range({value[1]:_})", Blocking(CPU_LOOP_CODE, CPU_LOOP_SUGGESTION))
            return Edge(site, sink, None, True)
        if value[0] == "cinst":
            blocking = self.catalog.method(value[1], "__iter__")
            if blocking is not None:
                return Edge(site, Sink(f"iterating {value[1]}", blocking), None, True)
        return None

    def _unique_method(self, name: str) -> FunctionId | None:
        if name.startswith("__") or len(name) < 4:
            return None
        candidates = self._methods_by_name.get(name, ())
        return candidates[0] if len(candidates) == 1 else None

    def _internal_error(self, fid: FunctionId, span: tuple, error: Exception) -> None:
        where = f"{self.path_of(fid[0])}:{span[0]}"
        self.internal_errors.append(f"{where}: internal error while resolving ({error!r}); skipped")

    # ---- summaries ----------------------------------------------------------------------------

    def summarise(self, roots: Iterable[FunctionId]) -> dict[FunctionId, Summary]:
        """Shortest blocking chain of every sync function reachable from ``roots``.

        Breadth-first from the sinks backwards over the call graph, so cycles terminate and each
        function keeps its shortest chain. Confident chains are computed first; guessed hops only
        give a (low confidence) chain to functions that have no confident one.
        """
        reachable: list[FunctionId] = []
        seen: set[FunctionId] = set()
        queue = deque(roots)
        while queue:
            fid = queue.popleft()
            if fid in seen:
                continue
            seen.add(fid)
            reachable.append(fid)
            for edge in self.edges(fid):
                if edge.callee is not None and edge.callee not in seen:
                    queue.append(edge.callee)
        summaries: dict[FunctionId, Summary] = {}
        for confident_only in (True, False):
            callers: dict[FunctionId, list[tuple[FunctionId, Edge]]] = {}
            frontier: deque[FunctionId] = deque()
            for fid in reachable:
                function = self.function(fid)
                if function is None or function.is_async:
                    continue
                for edge in self.edges(fid):
                    if confident_only and not edge.confident:
                        continue
                    if edge.sink is not None and fid not in summaries:
                        summaries[fid] = Summary(
                            edge.sink,
                            (ChainHop(edge.sink.name, self.path_of(fid[0]), edge.site.span[0]),),
                            Confidence.HIGH if confident_only else Confidence.LOW,
                        )
                        frontier.append(fid)
                    elif edge.callee is not None:
                        callers.setdefault(edge.callee, []).append((fid, edge))
            if not confident_only:  # guessed hops may extend every chain found so far
                frontier = deque(dict.fromkeys([*frontier, *summaries]))
            while frontier:
                callee = frontier.popleft()
                for caller, edge in callers.get(callee, ()):
                    if caller in summaries:
                        continue
                    caller_function = self.function(caller)
                    if caller_function is None or caller_function.is_async:
                        continue
                    below = summaries[callee]
                    confidence = (
                        below.confidence if edge.confident and confident_only else Confidence.LOW
                    )
                    summaries[caller] = Summary(
                        below.sink,
                        (*self.first_hops(edge, callee, caller[0]), *below.hops),
                        confidence,
                    )
                    frontier.append(caller)
        return summaries

    def first_hops(self, edge: Edge, callee: FunctionId, module: str) -> tuple[ChainHop, ...]:
        """The hop(s) of one call: the callee, preceded by the helper it was passed through."""
        path, line = self.path_of(module), edge.site.span[0]
        hops = (ChainHop(self.display_name(callee), path, line),)
        if edge.via is not None:
            hops = (ChainHop(self.display_name(edge.via), path, line), *hops)
        return hops

    def display_name(self, fid: FunctionId) -> str:
        qualname = fid[1].replace(".<locals>.", ".")
        return f"{fid[0]}.{qualname}" if fid[0] else qualname


def _disarmed(blocking: Blocking, args: tuple) -> bool:
    """True when a keyword argument with a literal value makes the call non-blocking."""
    if not blocking.unless:
        return False
    given = {keyword: value for keyword, value in args if keyword}
    return any(
        (found := given.get(keyword)) is not None and found[0] == "lit" and found[1] == literal
        for keyword, literal in blocking.unless
    )


def _display(name: str) -> str:
    return name.removeprefix("builtins.")
