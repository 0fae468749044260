"""Expression -> value: names, imports, attributes, calls, subscriptions and annotations.

Facts hold expressions symbolically (:mod:`asynclint.facts`); this module finishes their
resolution across modules. Annotations are evaluated like any expression: ``Optional[Repo]``,
``Annotated[Session, Depends(get_db)]`` and an alias of either evaluate to *type forms*
(:mod:`asynclint.analysis.values`), and :meth:`Resolver.instance_of` gives the object a name
annotated with a form holds, with the type variables of the receiver's class bound.

A method's body is evaluated for a *receiver*: ``self`` is the receiver (an exact instance when
the call site built it, a declared one otherwise), and its class's type arguments bind the type
variables of the method's annotations. ``None`` stands for the method's own class, declared.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any

from asynclint.analysis.store import FactsStore, FunctionId
from asynclint.analysis.values import (
    UNKNOWN,
    AnnotatedType,
    Bound,
    CatalogInstance,
    CatalogMethod,
    ClassRef,
    Constant,
    ContainerMethod,
    ContextManager,
    ContextManagerFunction,
    Coroutine,
    DependsMarker,
    External,
    FunctionRef,
    Generator,
    GenericAlias,
    Guess,
    Instance,
    Items,
    LibraryWrapped,
    MappingOf,
    ModuleRef,
    Partial,
    Range,
    Super,
    Tuple,
    TypeVarRef,
    Union,
    Unknown,
    Value,
    Wrapped,
    options_of,
    union_of,
)
from asynclint.catalog import Catalog, InMemory, argument_position
from asynclint.facts import Expr, FunctionFacts

if TYPE_CHECKING:
    from asynclint.analysis.hierarchy import Hierarchy
    from asynclint.analysis.stores import StoreIndex

Receiver = Value | None

_TYPING = ("typing.", "typing_extensions.", "collections.abc.", "builtins.", "collections.")
# Builtins that run a generator to exhaustion when handed one.
CONSUMERS = frozenset(
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
# Type forms X[T] whose objects iterate over T (a generator function's annotation too).
_ITERABLES = frozenset(
    {
        "list",
        "List",
        "set",
        "Set",
        "frozenset",
        "FrozenSet",
        "tuple",
        "Tuple",
        "deque",
        "Deque",
        "Sequence",
        "MutableSequence",
        "Iterable",
        "Iterator",
        "Collection",
        "AbstractSet",
        "MutableSet",
        "KeysView",
        "ValuesView",
        "Generator",
        "AsyncIterable",
        "AsyncIterator",
        "AsyncGenerator",
    }
)
# Forms that stand for their first argument (``ClassVar[Repo]`` holds a Repo).
_TRANSPARENT = frozenset(
    {"ClassVar", "Final", "Required", "NotRequired", "ReadOnly", "InitVar", "Mapped"}
)
_UNIONS = frozenset({"Optional", "Union"})
_MAPPINGS = frozenset(
    {"dict", "Dict", "Mapping", "MutableMapping", "defaultdict", "DefaultDict", "OrderedDict"}
)
# Methods of builtin containers and what they give: the element, or the container's items.
_ELEMENT_METHODS = frozenset({"pop", "get", "setdefault", "__getitem__", "popitem"})
_CLASS_OF = frozenset({"type", "Type"})
_DEPENDS = frozenset({"Depends", "Security"})
# Defaults that a dependency-injection library replaces with what a provider builds.
_INJECTION_MARKERS = frozenset(
    {"dependency_injector.wiring.Provide", "dependency_injector.wiring.Provider"}
)
_CONTEXT_MANAGERS = frozenset({"contextlib.contextmanager", "contextlib.asynccontextmanager"})


def is_typing_name(name: str, *tails: str) -> bool:
    """``typing.Optional``-like names: a tail among ``tails`` in a typing-ish module."""
    module, _, tail = name.rpartition(".")
    return tail in tails and (not module or f"{module}." in _TYPING or module == "typing")


# Evaluations nested deeper than this (a function returning what the next one returns, hundreds of
# modules down) give UNKNOWN instead of exhausting Python's stack; each costs a few frames.
_MAX_NESTING = 120


class Resolver:
    def __init__(self, store: FactsStore, catalog: Catalog) -> None:
        self.store = store
        self.catalog = catalog
        self.hierarchy: Hierarchy  # set by the Program that wires the rooms together
        self.stores: StoreIndex
        self._values: dict[tuple[str, int, Receiver], Value] = {}
        self._in_progress: set[tuple[str, int, Receiver]] = set()
        self._forward_refs: dict[tuple[str, str], Expr] = {}
        self._forms_in_progress: set[tuple[Value, str, Receiver]] = set()
        self._splits: dict[tuple[str, str], tuple[str, tuple[str, list[str]] | None]] = {}
        self._nesting = 0
        # Evaluations cut at the nesting bound: what they gave is not final, so not kept.
        self._cut = 0

    # ---- expressions --------------------------------------------------------------------------

    def evaluate(self, expr: Expr | None, module: str, receiver: Receiver = None) -> Value:
        if expr is None:
            return UNKNOWN
        key = (module, id(expr), receiver)
        cached = self._values.get(key)
        if cached is not None:
            return cached
        if key in self._in_progress:
            return UNKNOWN
        if self._nesting >= _MAX_NESTING:
            self._cut += 1
            return UNKNOWN
        self._in_progress.add(key)
        self._nesting += 1
        misses, cut = self.store.misses, self._cut
        try:
            value = self._evaluate(expr, module, receiver)
        finally:
            self._in_progress.discard(key)
            self._nesting -= 1
        if misses == self.store.misses and cut == self._cut:
            self._values[key] = value
        return value

    def _evaluate(self, expr: Expr, module: str, receiver: Receiver) -> Value:
        tag = expr[0]
        if tag == "glob":
            return self.global_name(module, expr[1])
        if tag == "imp":
            return self.imported(expr[1], module)
        if tag == "attr":
            return self.attribute(self.evaluate(expr[1], module, receiver), expr[2])
        if tag == "call":
            callee = self.evaluate(expr[1], module, receiver)
            return self.call_result(callee, expr[2], module, receiver)
        if tag == "lit":
            return Constant(expr[1])
        if tag == "def":
            return self._definition(module, expr[1])
        if tag == "self":
            return self.self_value(module, expr[1], receiver)
        if tag == "clsref":
            own = self.self_value(module, expr[1], receiver)
            return own.cls if isinstance(own, Instance) else own
        if tag == "super":
            return Super(ClassRef(module, expr[1]), self.self_value(module, expr[1], receiver))
        if tag == "param":
            return self._parameter(expr[1], expr[2], module, receiver)
        if tag == "ann":
            declared = self.instance_of(self.evaluate(expr[1], module, receiver), module, receiver)
            if expr[2] is None:
                return declared
            return union_of([declared, self.evaluate(expr[2], module, receiver)])
        if tag == "sub":
            base = self.evaluate(expr[1], module, receiver)
            return self.subscript(base, expr[2], module, receiver)
        if tag == "union":
            left = self.evaluate(expr[1], module, receiver)
            right = self.evaluate(expr[2], module, receiver)
            return Union((left, right))
        if tag == "enter":
            return self.enter_result(self.evaluate(expr[1], module, receiver))
        if tag == "await":
            return self.await_result(self.evaluate(expr[1], module, receiver))
        if tag == "iter":
            return self.item_of(self.evaluate(expr[1], module, receiver))
        if tag == "div":
            return self._catalog_return(self.evaluate(expr[1], module, receiver), "__truediv__")
        if tag == "item":
            return self.item_at(self.evaluate(expr[1], module, receiver), expr[2])
        if tag == "list":
            return Tuple(tuple(self.evaluate(e, module, receiver) for e in expr[1]))
        if tag == "dict":
            keys = union_of([self.evaluate(e, module, receiver) for e in expr[1]])
            values = union_of([self.evaluate(e, module, receiver) for e in expr[2]])
            return MappingOf(keys, values)
        if tag == "lambda":
            return FunctionRef(module, expr[1]) if expr[1] else UNKNOWN
        if tag in ("fstr", "add"):  # text known when every part is
            parts = [self.evaluate(part, module, receiver) for part in _text_parts(expr)]
            if all(isinstance(part, Constant) and isinstance(part.value, str) for part in parts):
                return Constant("".join(part.value for part in parts))  # type: ignore[attr-defined]
            return UNKNOWN
        if tag == "tparam":
            return TypeVarRef(module, f"{expr[1]}.{expr[2]}")
        return UNKNOWN

    def self_value(self, module: str, cls: str, receiver: Receiver) -> Value:
        """``self`` in a method of ``cls``: the receiver, or the class's declared instance."""
        if receiver is not None:
            return receiver
        return Instance(ClassRef(module, cls), exact=False)

    def global_name(self, module: str, name: str) -> Value:
        found = self.module_binding(module, name)
        return found if found is not None else External(f"builtins.{name}")

    def module_binding(self, module: str, name: str) -> Value | None:
        """A module's binding of ``name``, looking through ``from project_module import *`` (to
        any depth, cycles safe)."""
        seen: set[str] = set()
        pending = [module]
        while pending:
            current = pending.pop(0)
            if current in seen:
                continue
            seen.add(current)
            facts = self.store.module_facts(current)
            if facts is None:
                if current == module:
                    return UNKNOWN
                continue
            bound = facts.bindings.get(name)
            if bound is not None:
                return self.evaluate(bound, current)
            for star in facts.star_imports:
                split = self._split_import(star, current)[1]
                if split is not None and not split[1]:
                    pending.append(split[0])
        return None

    def _split_import(self, dotted: str, importer: str) -> tuple[str, tuple[str, list[str]] | None]:
        """The absolute name an import in ``importer`` spells, and its longest project-module
        prefix with the attribute names after it (None outside the project); the module
        index does not change during a run, so each is worked out once."""
        key = (dotted, importer)
        found = self._splits.get(key)
        if found is None:
            index = self.store.index
            absolute = index.absolute(dotted, importer)
            found = (absolute, index.split(absolute, index.by_name.get(importer)))
            self._splits[key] = found
        return found

    def imported(self, dotted: str, importer: str) -> Value:
        absolute, split = self._split_import(dotted, importer)
        if split is None:
            return External(absolute)
        value: Value = ModuleRef(split[0])
        for attribute in split[1]:
            value = self.attribute(value, attribute)
        return value

    def _definition(self, module: str, qualname: str) -> Value:
        facts = self.store.module_facts(module)
        if facts is None:
            return UNKNOWN
        if qualname in facts.classes:
            return ClassRef(module, qualname)
        function = facts.functions.get(qualname)  # the signature is enough here
        if function is None:
            return UNKNOWN
        return self.decorated(FunctionRef(module, qualname), function, module)

    def decorated(self, value: FunctionRef | Bound, function: FunctionFacts, module: str) -> Value:
        """What the name of a decorated function holds.

        ``@contextmanager`` makes a context manager factory; a project decorator returning a sync
        wrapper (``@audited``, ``@throttled(0.2)``) runs that wrapper around the original body.
        Other decorators (``functools.cache``, framework registrations) are transparent.
        """
        for decorator in function.decorators:  # outermost first: it is what callers get
            target = self.evaluate(decorator, module)
            if isinstance(target, External) and target.name in _CONTEXT_MANAGERS:
                return ContextManagerFunction(value)
            made = self._decorates(target)
            if made is None and decorator[0] == "call":  # @app.task(bind=True)
                made = self._decorates(self.evaluate(decorator[1], module))
            if made is not None and isinstance(value, FunctionRef):
                return LibraryWrapped(value, made)
            wrapper = self._wrapper_of(target)
            if wrapper is not None:
                return Wrapped(wrapper, value)
        return value

    def _decorates(self, decorator: Value) -> str | None:
        """The catalog type a library decorator makes of a function (``@shared_task``)."""
        if isinstance(decorator, External):
            entry = self.catalog.function(decorator.name)
            return entry.decorates or None if entry is not None else None
        if isinstance(decorator, CatalogMethod):
            return self.catalog.decorates(decorator.type, decorator.name)
        return None

    def _wrapper_of(self, decorator: Value) -> FunctionRef | None:
        if not isinstance(decorator, FunctionRef):
            return None
        function = self.store.function((decorator.module, decorator.qualname))
        if function is None or function.is_async or function.is_generator:
            return None
        wrapper = self.returns(decorator, function)
        if not isinstance(wrapper, FunctionRef):
            return None
        inner = self.store.function((wrapper.module, wrapper.qualname))
        if inner is None or inner.is_async or inner.is_generator:
            return None
        return wrapper

    # ---- parameters and FastAPI dependencies -------------------------------------------------

    def _parameter(
        self, annotation: Expr | None, default: Expr | None, module: str, receiver: Receiver
    ) -> Value:
        form = self.evaluate(annotation, module, receiver)
        declared = self.instance_of(form, module, receiver)
        provider = self.dependency_target(form, default, module, receiver)
        if provider is None:
            injected = self._injected(default, module, receiver)
            return union_of([declared, injected]) if injected != UNKNOWN else declared
        provided = self.dependency_value(provider, form, module, receiver)
        if _all_built(provided):
            return provided  # FastAPI passes what the dependency gives, whatever the annotation
        return union_of([declared, provided])

    def _injected(self, default: Expr | None, module: str, receiver: Receiver) -> Value:
        """What ``Provide[Container.mailer]`` as a default injects: the object the provider
        builds (``providers.Singleton(SmtpMailer, ...)`` builds a ``SmtpMailer``)."""
        if default is None or default[0] != "sub":
            return UNKNOWN
        marker = self.evaluate(default, module, receiver)
        if not (
            isinstance(marker, GenericAlias)
            and marker.origin.name in _INJECTION_MARKERS
            and marker.args
        ):
            return UNKNOWN
        providers = options_of(marker.args[0])
        return union_of([p.element for p in providers if isinstance(p, CatalogInstance)])

    def dependency_target(
        self, form: Value, default: Expr | None, module: str, receiver: Receiver = None
    ) -> Value | None:
        """What FastAPI calls for a parameter: ``Depends(x)`` as its default or in its
        ``Annotated`` metadata (an alias of it, ``Optional[Alias]``, ``Alias | None``)."""
        if default is not None:
            marker = self.evaluate(default, module, receiver)
            if isinstance(marker, DependsMarker):
                return marker.target if marker.target is not None else form
        for option in options_of(self._strip_optional(form)):
            if isinstance(option, AnnotatedType) and option.dependency is not None:
                marker_target = option.dependency
                return marker_target if not isinstance(marker_target, Unknown) else option.type
        return None

    def dependency_value(
        self, target: Value, form: Value, module: str, receiver: Receiver = None
    ) -> Value:
        """What FastAPI passes for a dependency: the return value of a function (awaited for an
        ``async def``), the first ``yield`` of a generator, an instance of a class, the result
        of a callable instance's ``__call__``."""
        if isinstance(target, (FunctionRef, Bound)):
            function = self.store.function(_fid(target))  # a body fact: is it a generator?
            if function is None:
                return UNKNOWN
            if function.is_generator:
                return self.yielded(target)
            return self.returns(target, function)
        if isinstance(target, ContextManagerFunction):
            return self.yielded(target.call)
        if isinstance(target, Wrapped):
            return self.dependency_value(target.original, form, module, receiver)
        if isinstance(target, ClassRef):
            return Instance(target, exact=target.exact)
        if isinstance(target, (Instance, AnnotatedType, GenericAlias)):
            if isinstance(target, Instance):
                return self.call_result(self.attribute(target, "__call__"), (), module, receiver)
            return self.instance_of(target, module, receiver)
        if isinstance(target, Union):
            return union_of(
                [self.dependency_value(o, form, module, receiver) for o in target.options]
            )
        return UNKNOWN

    def _strip_optional(self, form: Value) -> Value:
        if isinstance(form, GenericAlias) and is_typing_name(form.origin.name, *_UNIONS):
            return union_of(list(form.args))
        return form

    # ---- type forms ---------------------------------------------------------------------------

    def subscript(
        self, base: Value, elements: tuple[Expr, ...], module: str, receiver: Receiver
    ) -> Value:
        if isinstance(base, Union):
            return union_of([self.subscript(o, elements, module, receiver) for o in base.options])
        if isinstance(base, External):
            if is_typing_name(base.name, "Annotated") and elements:
                inner = self.evaluate(elements[0], module, receiver)
                dependency = None
                for element in elements[1:]:
                    marker = self.evaluate(element, module, receiver)
                    if isinstance(marker, DependsMarker):
                        dependency = marker.target if marker.target is not None else UNKNOWN
                return AnnotatedType(inner, dependency)
            args = tuple(self.evaluate(element, module, receiver) for element in elements)
            return GenericAlias(base, args)
        if isinstance(base, ClassRef):
            args = tuple(self.evaluate(element, module, receiver) for element in elements)
            return ClassRef(base.module, base.qualname, args, base.exact)
        if isinstance(base, CatalogInstance):
            return self._catalog_return(base, "__getitem__")
        if isinstance(base, Items):
            return base.element
        if isinstance(base, Tuple):
            index = elements[0] if len(elements) == 1 else ("unk",)
            if (
                index[0] == "lit"
                and isinstance(index[1], int)
                and -len(base.elements) <= index[1] < len(base.elements)
            ):
                return base.elements[index[1]]
            return union_of(list(base.elements))
        if isinstance(base, MappingOf):
            return base.value
        return UNKNOWN

    def instance_of(self, form: Value, module: str = "", receiver: Receiver = None) -> Value:
        """The object a name annotated with ``form`` holds."""
        if isinstance(form, (Constant, GenericAlias, Union, AnnotatedType)):
            # Forms may refer to themselves (``JSON = dict[str, "JSON"] | list["JSON"]``).
            key = (form, module, receiver)
            if key in self._forms_in_progress:
                return UNKNOWN
            self._forms_in_progress.add(key)
            try:
                return self._instance_of(form, module, receiver)
            finally:
                self._forms_in_progress.discard(key)
        return self._instance_of(form, module, receiver)

    def _instance_of(self, form: Value, module: str, receiver: Receiver) -> Value:
        if isinstance(form, ClassRef):
            return Instance(form, exact=False)
        if isinstance(form, External):
            if is_typing_name(form.name, "Self") and receiver is not None:
                return receiver
            canonical = self.catalog.canonical_type(form.name)
            return self.catalog_instance(canonical) if canonical else UNKNOWN
        if isinstance(form, Constant):
            if isinstance(form.value, str) and module:
                return self.instance_of(self.forward_ref(form.value, module), module, receiver)
            return UNKNOWN
        if isinstance(form, AnnotatedType):
            return self.instance_of(form.type, module, receiver)
        if isinstance(form, Union):
            return union_of([self.instance_of(o, module, receiver) for o in form.options])
        if isinstance(form, TypeVarRef):
            bound = self.hierarchy.binding_of(form, receiver)
            if bound is not None:
                return self.instance_of(bound, module, receiver)
            return self.instance_of(form.bound, module, receiver)
        if isinstance(form, GenericAlias):
            return self._instance_of_generic(form, module, receiver)
        return UNKNOWN

    def _instance_of_generic(self, form: GenericAlias, module: str, receiver: Receiver) -> Value:
        origin, args = form.origin.name, form.args
        tail = form.origin.tail
        if not args:
            return UNKNOWN
        if is_typing_name(origin, *_UNIONS):
            return union_of([self.instance_of(arg, module, receiver) for arg in args])
        if tail in _TRANSPARENT:
            return self.instance_of(args[0], module, receiver)
        if is_typing_name(origin, *_CLASS_OF):
            return self.class_of(args[0], module, receiver)
        if tail in ("tuple", "Tuple") and not (len(args) == 2 and _is_ellipsis(args[1])):
            return Tuple(tuple(self.instance_of(arg, module, receiver) for arg in args))
        if tail in _ITERABLES:
            element = self.instance_of(args[0], module, receiver)
            return Items(element) if element != UNKNOWN else UNKNOWN
        if tail in _MAPPINGS and len(args) == 2:
            value = self.instance_of(args[1], module, receiver)
            if value != UNKNOWN:
                return MappingOf(self.instance_of(args[0], module, receiver), value)
            return UNKNOWN
        canonical = self.catalog.canonical_type(origin)
        return self.catalog_instance(canonical) if canonical else UNKNOWN

    def class_of(self, form: Value, module: str, receiver: Receiver) -> Value:
        """What a ``type[X]`` holds: the class X or any subclass of it."""
        if isinstance(form, ClassRef):
            return ClassRef(form.module, form.qualname, form.args, exact=False)
        if isinstance(form, TypeVarRef):
            bound = self.hierarchy.binding_of(form, receiver)
            return self.class_of(bound if bound is not None else form.bound, module, receiver)
        if isinstance(form, Constant) and isinstance(form.value, str):
            return self.class_of(self.forward_ref(form.value, module), module, receiver)
        if isinstance(form, Union):
            return union_of([self.class_of(o, module, receiver) for o in form.options])
        if isinstance(form, External) and self.catalog.canonical_type(form.name):
            return form
        return UNKNOWN

    def forward_ref(self, text: str, module: str) -> Value:
        """The form a string annotation names, resolved in ``module``'s namespace."""
        key = (module, text)
        expr = self._forward_refs.get(key)
        if expr is None:
            expr = self._forward_refs[key] = _parse_forward_ref(text)
        return self.evaluate(expr, module)

    # ---- attributes ---------------------------------------------------------------------------

    def attribute(self, value: Value, name: str) -> Value:
        if isinstance(value, ModuleRef):
            found = self.module_binding(value.name, name)
            if found is not None:
                return found
            sub = f"{value.name}.{name}"
            if sub in self.store.index.by_name:
                return ModuleRef(sub)
            return UNKNOWN
        if isinstance(value, External):
            dotted = f"{value.name}.{name}"
            if value.name in self.store.index.prefixes:  # a namespace package of the project
                return self.imported(dotted, "")
            return External(dotted)
        if isinstance(value, (Instance, ClassRef)):
            return self.hierarchy.member(value, name)
        if isinstance(value, Super):
            return self.hierarchy.member(value.receiver, name, after=value.cls)
        if isinstance(value, CatalogInstance):
            return self._catalog_attribute(value, name)
        if isinstance(value, Union):
            return union_of([self.attribute(option, name) for option in value.options])
        if isinstance(value, TypeVarRef):
            return self.attribute(self.instance_of(value), name)
        if isinstance(value, LibraryWrapped):
            return self._catalog_attribute(CatalogInstance(value.type), name)
        if isinstance(value, (Items, Tuple, MappingOf)):
            return ContainerMethod(value, name)
        if isinstance(value, Unknown):
            return Guess(name)
        return UNKNOWN

    def _catalog_attribute(self, value: CatalogInstance, name: str) -> Value:
        catalog = self.catalog
        memory = value.memory  # what an in-memory object holds is in memory too
        attribute_type = catalog.attribute(value.type, name)
        if attribute_type:
            return self.catalog_instance(attribute_type, memory=memory)
        if catalog.method(value.type, name) or catalog.method_returns(value.type, name):
            return CatalogMethod(value.type, name, value.element, memory)
        if catalog.open_attributes(value.type):  # app.state.mailer: whatever was stored there
            stored = self.stores.stored(value, name)
            if stored != UNKNOWN:
                return stored
        fallback = catalog.method_returns(value.type, "__getattr__")
        if fallback:
            return self.catalog_instance(fallback, memory=memory)
        return CatalogMethod(value.type, name, value.element, memory)

    def catalog_instance(
        self, type_name: str, element: Value = UNKNOWN, *, memory: bool = False
    ) -> CatalogInstance:
        """An instance of a catalog type; in memory when it was made so or the type is a
        buffer (``io.BytesIO``)."""
        return CatalogInstance(type_name, element, memory or self.catalog.is_memory(type_name))

    def in_memory(
        self,
        conditions: tuple[InMemory, ...],
        args: tuple,
        module: str,
        receiver: Receiver,
        memory_receiver: bool = False,
    ) -> bool:
        """Whether a call with ``args`` meets one of the catalog's in-memory ``conditions``:
        its receiver is in memory, or an argument is the literal, is missing, or is an object
        in memory (every option of it)."""
        for condition in conditions:
            if condition.receiver:
                if memory_receiver:
                    return True
                continue
            given = _argument_expr(args, condition.position, condition.keyword)
            if condition.missing:
                if given is None:
                    return True
                continue
            if given is None or given[0] == "star":
                continue
            if condition.literal is not None:
                if given[0] == "lit" and given[1] == condition.literal:
                    return True
                continue
            options = options_of(self.evaluate(given, module, receiver))
            if options and all(
                isinstance(option, CatalogInstance) and option.memory for option in options
            ):
                return True
        return False

    # ---- calls --------------------------------------------------------------------------------

    def call_result(
        self, callee: Value, args: tuple, module: str, receiver: Receiver = None
    ) -> Value:
        if isinstance(callee, (FunctionRef, Bound)):
            function = self.store.function(_fid(callee))
            if function is None:
                return UNKNOWN
            if function.is_async:
                return Coroutine(callee)
            if function.is_generator:
                return Generator(callee)
            return self.returns(callee, function, (args, module, receiver))
        if isinstance(callee, ContextManagerFunction):
            return ContextManager(callee.call)
        if isinstance(callee, Wrapped):
            return self.call_result(callee.original, args, module, receiver)
        if isinstance(callee, ClassRef):
            return Instance(callee, exact=callee.exact)
        if isinstance(callee, Instance):
            return self.call_result(self.attribute(callee, "__call__"), args, module, receiver)
        if isinstance(callee, External):
            return self._external_call(callee.name, args, module, receiver)
        if isinstance(callee, CatalogMethod):
            items = self.catalog.method_items(callee.type, callee.name)
            if items:
                return Items(self.catalog_instance(items, memory=callee.memory))
            return self._catalog_method_result(callee, args, module, receiver)
        if isinstance(callee, LibraryWrapped):
            return self.call_result(callee.call, args, module, receiver)
        if isinstance(callee, CatalogInstance):
            returned = self.catalog.method_returns(callee.type, "__call__")
            return self.catalog_instance(returned, memory=callee.memory) if returned else UNKNOWN
        if isinstance(callee, Partial):
            return self.call_result(callee.target, (), module, receiver)
        if isinstance(callee, Union):
            return union_of([self.call_result(o, args, module, receiver) for o in callee.options])
        return UNKNOWN

    def _argument(self, args: tuple, position: int, module: str, receiver: Receiver) -> Value:
        positional = [value for keyword, value in args if keyword is None]
        if position < len(positional) and positional[position][0] != "star":
            return self.evaluate(positional[position], module, receiver)
        return UNKNOWN

    def _catalog_method_result(
        self, callee: CatalogMethod, args: tuple, module: str, receiver: Receiver
    ) -> Value:
        """What a catalog method returns, with the project objects it carries (an ORM query's
        results are instances of the queried class)."""
        catalog = self.catalog
        returned = catalog.method_returns(callee.type, callee.name)
        rule = catalog.carries(callee.type, callee.name)
        element = callee.element
        if rule == "element":
            return element
        if rule == "items":
            return Items(element) if element != UNKNOWN else UNKNOWN
        if rule.startswith("instance-arg-"):
            position = argument_position(rule)
            return self.instance_of(self._argument(args, position, module, receiver), module)
        if rule.startswith("class-arg-"):
            position = argument_position(rule)
            element = self.instance_of(self._argument(args, position, module, receiver), module)
        elif rule.startswith("element-arg-"):
            carrier = self._argument(args, argument_position(rule), module, receiver)
            element = carrier.element if isinstance(carrier, CatalogInstance) else UNKNOWN
        elif rule != "keep" and returned != catalog.canonical_type(callee.type):
            element = UNKNOWN
        if element != UNKNOWN and catalog.eager_option(callee.type, callee.name):
            element = self._with_loaded(element, self._eager_names(args, module))
        if not returned:
            return UNKNOWN
        return self.catalog_instance(returned, element, memory=callee.memory)

    def _eager_names(self, args: tuple, module: str) -> frozenset[str]:
        """Attributes an ``options(selectinload(Model.items), ...)`` call loads eagerly."""
        names = set()
        for _, value in args:
            if value[0] != "call" or not value[2]:
                continue
            loader = self.evaluate(value[1], module)
            if not isinstance(loader, External):
                continue
            entry = self.catalog.function(loader.name)
            target = value[2][0][1]
            if entry is not None and entry.eager and target[0] == "attr":
                names.add(target[2])
        return frozenset(names)

    def _with_loaded(self, value: Value, names: frozenset[str]) -> Value:
        if not names:
            return value
        if isinstance(value, Instance):
            return Instance(value.cls, value.exact, value.loaded | names)
        if isinstance(value, Union):
            return union_of([self._with_loaded(option, names) for option in value.options])
        return value

    def _external_call(self, name: str, args: tuple, module: str, receiver: Receiver) -> Value:
        def argument(position: int) -> Value:
            return self._argument(args, position, module, receiver)

        tail = name.rsplit(".", 1)[-1]
        if name in _SAME_ITEMS and args:
            consumed = argument(0)
            if isinstance(consumed, Items):
                return consumed
        if name == "builtins.next" and args:
            return self.next_of(argument(0))
        if name == "builtins.getattr" and len(args) >= 2:
            attribute = args[1][1]
            if attribute[0] == "lit" and isinstance(attribute[1], str):
                return self.attribute(argument(0), attribute[1])
            return UNKNOWN
        if name == "functools.partial" and args:
            return Partial(argument(0))
        if name == "builtins.range" and args:
            bound = args[-1][1] if len(args) == 1 else args[1][1]
            if bound[0] == "lit" and isinstance(bound[1], int):
                return Range(bound[1])
            return UNKNOWN
        if tail in _DEPENDS and name.split(".", 1)[0] in ("fastapi", "starlette"):
            target = argument(0) if args else None
            for keyword, value in args:
                if keyword == "dependency":
                    target = self.evaluate(value, module, receiver)
            return DependsMarker(target)
        if is_typing_name(name, "cast") and len(args) >= 2:
            return self.instance_of(argument(0), module, receiver)
        if is_typing_name(name, "TypeVar") and args:
            label = args[0][1]
            bound = UNKNOWN
            for keyword, value in args:
                if keyword == "bound":
                    bound = self.evaluate(value, module, receiver)
            if label[0] == "lit" and isinstance(label[1], str):
                return TypeVarRef(module, label[1], bound)
            return UNKNOWN
        entry = self.catalog.function(name)
        if entry is not None and (entry.factory or entry.default):
            for keyword, value in args:
                if keyword in entry.factory:
                    made = self.evaluate(value, module, receiver)
                    return self.call_result(made, (), module, receiver)
                if keyword in entry.default:
                    return self.evaluate(value, module, receiver)
            return UNKNOWN
        if entry is not None and entry.returns:
            returned = self.catalog.canonical_type(entry.returns) or entry.returns
            element: Value = UNKNOWN
            if entry.carries.startswith("class-arg-"):
                element = self.instance_of(argument(argument_position(entry.carries)), module)
            conditions = entry.in_memory or (entry.blocking.in_memory if entry.blocking else ())
            memory = self.in_memory(conditions, args, module, receiver)
            return self.catalog_instance(returned, element, memory=memory)
        canonical = self.catalog.canonical_type(name)
        if canonical:
            return self.catalog_instance(canonical)
        return UNKNOWN

    def returns(
        self,
        callee: FunctionRef | Bound,
        function: FunctionFacts,
        call: tuple[tuple, str, Receiver] | None = None,
    ) -> Value:
        """What calling ``callee`` returns: its annotation (type variables bound by the
        receiver's class, or by the arguments of ``call``), else the value of its ``return``."""
        module = _fid(callee)[0]
        receiver = callee.receiver if isinstance(callee, Bound) else None
        if function.returns is not None:
            form = self.evaluate(function.returns, module, receiver)
            if call is not None and self.hierarchy.has_type_variables(form):
                mapping = self._bind_arguments(callee, function, *call)
                if mapping:
                    form = self.hierarchy.substitute(form, mapping)
            found = self.instance_of(form, module, receiver)
            if found != UNKNOWN:
                return self._with_built(found, function, module, receiver)
        if function.returned is not None:
            return self.evaluate(function.returned, module, receiver)
        return UNKNOWN

    def _with_built(
        self, declared: Value, function: FunctionFacts, module: str, receiver: Receiver
    ) -> Value:
        """A factory annotated with an interface (``def get_mailer() -> Mailer: return
        SmtpMailer()``) gives the objects it builds: when every return builds a known class,
        those classes alone (any other implementation of the interface is not what it gives);
        otherwise they and the interface's implementations."""
        if function.returned is None or not any(
            isinstance(option, Instance) and not option.exact for option in options_of(declared)
        ):
            return declared
        returned = self.evaluate(function.returned, module, receiver)
        if _all_built(returned):
            return returned  # every return builds a known class: the annotation only widens
        built = [o for o in options_of(returned) if isinstance(o, Instance) and o.exact]
        return union_of([declared, *built]) if built else declared

    def _bind_arguments(
        self,
        callee: FunctionRef | Bound,
        function: FunctionFacts,
        args: tuple,
        caller_module: str,
        caller_receiver: Receiver,
    ) -> dict[tuple[str, str], Value]:
        """Type variables of a generic function bound by the values passed to it
        (``first(UserRepo(db))`` with ``def first(repo: CRUDBase[T]) -> T`` gives a User)."""
        module = _fid(callee)[0]
        receiver = callee.receiver if isinstance(callee, Bound) else None
        params = list(function.params)
        if isinstance(callee, Bound):
            params = params[1:]  # self (or cls) is the receiver, not an argument
        by_name = {param.name: param for param in function.params}
        mapping: dict[tuple[str, str], Value] = {}
        position = 0
        for keyword, value in args:
            if value[0] == "star":
                break
            if keyword is None:
                param = params[position] if position < len(params) else None
                position += 1
            else:
                param = by_name.get(keyword)
            if param is None or param.annotation is None:
                continue
            form = self.evaluate(param.annotation, module, receiver)
            if self.hierarchy.has_type_variables(form):
                passed = self.evaluate(value, caller_module, caller_receiver)
                self.hierarchy.unify(form, passed, mapping)
        return mapping

    def item_at(self, value: Value, index: int) -> Value:
        """The item at ``index`` when unpacking ``value`` (``crm, store = Container.clients``)."""
        if isinstance(value, Tuple):
            return value.elements[index] if index < len(value.elements) else UNKNOWN
        if isinstance(value, Instance):
            fields = self.hierarchy.tuple_fields(value.cls)
            if fields:
                if index >= len(fields):
                    return UNKNOWN
                owner, expr = fields[index]
                return self.evaluate(expr, owner.module, value)
        if isinstance(value, Union):
            return union_of([self.item_at(option, index) for option in value.options])
        return self.item_of(value)

    def yielded(self, callee: FunctionRef | Bound) -> Value:
        """What a generator function gives at its ``yield`` (a dependency's value, what
        ``next()`` or a ``@contextmanager``'s ``with`` gets)."""
        fid = _fid(callee)
        module = fid[0]
        receiver = callee.receiver if isinstance(callee, Bound) else None
        signature = self.store.signature(fid)
        if signature is not None and signature.returns is not None:
            iterated = self.instance_of(
                self.evaluate(signature.returns, module, receiver), module, receiver
            )
            if isinstance(iterated, Items):
                return iterated.element
        function = self.store.function(fid)
        if function is not None and function.yielded is not None:
            return self.evaluate(function.yielded, module, receiver)
        return UNKNOWN

    def next_of(self, value: Value) -> Value:
        if isinstance(value, Generator):
            return self.yielded(value.call)
        return self.item_of(value)

    def item_of(self, value: Value) -> Value:
        if isinstance(value, Items):
            return value.element
        if isinstance(value, Tuple):
            return union_of(list(value.elements))
        if isinstance(value, MappingOf):
            return value.key
        if (
            isinstance(value, CatalogInstance)
            and value.element != UNKNOWN
            and self.catalog.carries(value.type, "__iter__") == "element"
        ):
            return value.element
        if isinstance(value, Generator):
            return self.yielded(value.call)
        if isinstance(value, Union):
            return union_of([self.item_of(option) for option in value.options])
        return UNKNOWN

    def enter_result(self, value: Value) -> Value:
        if isinstance(value, ContextManager):
            return self.yielded(value.call)
        if isinstance(value, CatalogInstance):
            returned = self.catalog.method_returns(value.type, "__enter__")
            if not returned:
                return value
            return self.catalog_instance(returned, value.element, memory=value.memory)
        if isinstance(value, Instance):
            enter = self.attribute(value, "__enter__")
            for option in options_of(enter):
                if isinstance(option, (FunctionRef, Bound)):
                    function = self.store.function(_fid(option))
                    if function is not None:
                        result = self.returns(option, function)
                        return result if result != UNKNOWN else value
            return value
        if isinstance(value, Union):
            return union_of([self.enter_result(option) for option in value.options])
        return UNKNOWN

    def await_result(self, value: Value) -> Value:
        if isinstance(value, Coroutine):
            function = self.store.function(_fid(value.call))
            if function is not None:
                return self.returns(value.call, function)
        if isinstance(value, Union):
            return union_of([self.await_result(option) for option in value.options])
        return UNKNOWN

    def _catalog_return(self, value: Value, method: str) -> Value:
        if isinstance(value, CatalogInstance):
            returned = self.catalog.method_returns(value.type, method)
            return self.catalog_instance(returned, memory=value.memory) if returned else UNKNOWN
        return UNKNOWN

    def is_decorated_with(self, function: FunctionFacts, module: str, *names: str) -> bool:
        """Whether a decorator of ``function`` is one of ``names`` (full dotted names)."""
        for decorator in function.decorators:
            target = decorator[1] if decorator[0] == "call" else decorator
            value = self.evaluate(target, module)
            if isinstance(value, External) and value.name in names:
                return True
        return False


def _text_parts(expr: Expr) -> tuple[Expr, ...]:
    """The parts of an f-string or a concatenation, in order."""
    return expr[1] if expr[0] == "fstr" else (expr[1], expr[2])


def _argument_expr(args: tuple, position: int | None, keyword: str) -> Expr | None:
    """The expression passed at ``position`` or as ``keyword`` (None when not passed)."""
    if keyword:
        for name, value in args:
            if name == keyword:
                return value
    if position is not None:
        positional = [value for name, value in args if name is None]
        if any(value[0] == "star" for value in positional[: position + 1]):
            return ("star",)
        if position < len(positional):
            return positional[position]
    return None


def _container_call(method: ContainerMethod) -> Value:
    container, name = method.container, method.name
    if isinstance(container, MappingOf):
        if name in _ELEMENT_METHODS:
            return container.value
        if name == "values":
            return Items(container.value)
        if name == "keys":
            return Items(container.key)
        if name == "items":
            return Items(Tuple((container.key, container.value)))
        return container if name == "copy" else UNKNOWN
    if name in _ELEMENT_METHODS:
        return (
            container.element
            if isinstance(container, Items)
            else union_of(list(container.elements) if isinstance(container, Tuple) else [])
        )
    return container if name == "copy" else UNKNOWN


def _is_ellipsis(value: Value) -> bool:
    return isinstance(value, External) and value.name == "builtins.Ellipsis"


def _fid(callee: FunctionRef | Bound) -> FunctionId:
    function = callee.function if isinstance(callee, Bound) else callee
    return (function.module, function.qualname)


def function_of(callee: Value) -> FunctionRef | None:
    if isinstance(callee, FunctionRef):
        return callee
    if isinstance(callee, Bound):
        return callee.function
    return None


def _parse_forward_ref(text: str) -> Expr:
    """A forward reference as a symbolic expression in its module's namespace."""
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return ("unk",)
    return _ast_expr(tree, 0)


def _ast_expr(node: ast.AST, depth: int) -> Any:
    if depth > 12:
        return ("unk",)
    if isinstance(node, ast.Name):
        return ("glob", node.id)
    if isinstance(node, ast.Attribute):
        return ("attr", _ast_expr(node.value, depth + 1), node.attr)
    if isinstance(node, ast.Subscript):
        items = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        return (
            "sub",
            _ast_expr(node.value, depth + 1),
            tuple(_ast_expr(i, depth + 1) for i in items),
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return ("union", _ast_expr(node.left, depth + 1), _ast_expr(node.right, depth + 1))
    if isinstance(node, ast.Constant):
        return ("lit", node.value if isinstance(node.value, (str, int, bool)) else None)
    return ("unk",)


def _all_built(value: Value) -> bool:
    """Whether every option of ``value`` is an instance of a known class (built right there)."""
    options = options_of(value)
    return bool(options) and all(isinstance(o, Instance) and o.exact for o in options)
