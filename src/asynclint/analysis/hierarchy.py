"""Project classes: method resolution order, generic bases and their bindings, members, and the
implementations of a method (class-hierarchy analysis).

A call on a *declared* receiver (``repo: Repository``, ``self`` in a base class) may run the
method of any project subclass: :meth:`Hierarchy.implementations` lists them. Subclasses are found
by their ``class X(Base)`` headers (and ``Base.register(X)``) anywhere in the project: a text index
of every file's class headers says which modules to load before the answer is complete.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from asynclint.analysis.store import FactsStore
from asynclint.analysis.values import (
    UNKNOWN,
    AnnotatedType,
    Bound,
    CatalogInstance,
    ClassRef,
    Constant,
    External,
    FunctionRef,
    GenericAlias,
    Instance,
    Items,
    TypeVarRef,
    Union,
    Value,
    options_of,
    union_of,
)
from asynclint.catalog import Blocking
from asynclint.facts import ClassFacts, FunctionFacts

if TYPE_CHECKING:
    from asynclint.analysis.resolve import Resolver

_PROPERTIES = ("builtins.property", "functools.cached_property")
_CLASSMETHODS = ("builtins.classmethod",)
_STATICMETHODS = ("builtins.staticmethod",)
_ABSTRACT = ("abc.abstractmethod",)
_PROTOCOLS = ("typing.Protocol", "typing_extensions.Protocol")
ClassKey = tuple[str, str]


class Hierarchy:
    def __init__(self, store: FactsStore, resolver: Resolver) -> None:
        self.store = store
        self.resolver = resolver
        self._mro: dict[ClassRef, list[ClassRef]] = {}
        self._params: dict[ClassKey, tuple[TypeVarRef, ...]] = {}
        self._children: dict[tuple[ClassKey, str], list[ClassRef]] = {}
        self._structural: dict[tuple[ClassKey, str], list[Bound]] = {}

    def class_facts(self, cls: ClassRef) -> ClassFacts | None:
        facts = self.store.module_facts(cls.module)
        return facts.classes.get(cls.qualname) if facts is not None else None

    # ---- bases, type parameters and bindings --------------------------------------------------

    def bases(self, cls: ClassRef) -> list[Value]:
        """The class's bases as forms, its type arguments substituted."""
        facts = self.class_facts(cls)
        if facts is None:
            return []
        mapping = self._own_bindings(cls)
        found = []
        for base in facts.bases:
            value = self.resolver.evaluate(base, cls.module)
            found.append(substitute(value, mapping) if mapping else value)
        return found

    def type_params(self, cls: ClassRef) -> tuple[TypeVarRef, ...]:
        """The class's own type parameters, in order: PEP 695 ones, those of ``Generic[...]`` /
        ``Protocol[...]``, else the type variables its bases are subscripted with."""
        key = cls.key
        found = self._params.get(key)
        if found is not None:
            return found
        facts = self.class_facts(cls)
        params: list[TypeVarRef] = []
        if facts is not None and facts.type_params:
            params = [
                TypeVarRef(cls.module, f"{cls.qualname}.{name}") for name in facts.type_params
            ]
        elif facts is not None:
            misses = self.store.misses
            bases = [self.resolver.evaluate(base, cls.module) for base in facts.bases]
            explicit = [
                base
                for base in bases
                if isinstance(base, GenericAlias) and base.origin.tail in ("Generic", "Protocol")
            ]
            for base in explicit or bases:
                for variable in _type_variables(base):
                    if variable not in params:
                        params.append(variable)
            if misses != self.store.misses:
                return tuple(params)  # provisional
        result = self._params[key] = tuple(params)
        return result

    def _own_bindings(self, cls: ClassRef) -> dict[tuple[str, str], Value]:
        if not cls.args:
            return {}
        params = self.type_params(cls)
        return {(p.module, p.name): arg for p, arg in zip(params, cls.args, strict=False)}

    def bindings(self, cls: ClassRef) -> dict[tuple[str, str], Value]:
        """Every type variable bound along the class's MRO (``UserRepo(CRUDBase[User])`` binds
        CRUDBase's ``ModelT`` to User)."""
        found: dict[tuple[str, str], Value] = {}
        for owner in self.mro(cls):
            for key, value in self._own_bindings(owner).items():
                found.setdefault(key, value)
        return found

    def binding_of(self, variable: TypeVarRef, receiver: Value | None) -> Value | None:
        cls = receiver.cls if isinstance(receiver, Instance) else receiver
        if not isinstance(cls, ClassRef):
            return None
        bound = self.bindings(cls).get((variable.module, variable.name))
        if isinstance(bound, TypeVarRef) and bound == variable:
            return None
        return bound

    def has_type_variables(self, form: Value) -> bool:
        return bool(_type_variables(form))

    @staticmethod
    def substitute(form: Value, mapping: dict[tuple[str, str], Value]) -> Value:
        return substitute(form, mapping)

    def unify(self, form: Value, value: Value, mapping: dict[tuple[str, str], Value]) -> None:
        """Bind the type variables of ``form`` (a parameter's annotation) to what ``value`` (the
        argument passed) says they are."""
        if isinstance(form, AnnotatedType):
            form = form.type
        if isinstance(form, TypeVarRef):
            bound = _form_of(value)
            if bound is not None:
                mapping.setdefault((form.module, form.name), bound)
        elif isinstance(form, Union):
            for option in form.options:
                if not isinstance(option, Constant):
                    self.unify(option, value, mapping)
        elif isinstance(form, ClassRef) and form.args:
            for option in options_of(value):
                if not isinstance(option, Instance):
                    continue
                bindings = self.bindings(option.cls)
                for param, arg in zip(self.type_params(form), form.args, strict=False):
                    bound = bindings.get((param.module, param.name))
                    if isinstance(arg, TypeVarRef) and bound is not None:
                        mapping.setdefault((arg.module, arg.name), bound)
        elif isinstance(form, GenericAlias) and form.args:
            tail = form.origin.tail
            if tail in ("type", "Type"):
                for option in options_of(value):
                    if isinstance(option, ClassRef):
                        self.unify(form.args[0], Instance(option), mapping)
            elif isinstance(value, Items):
                self.unify(form.args[0], value.element, mapping)

    def tuple_fields(self, cls: ClassRef) -> list[tuple[ClassRef, tuple]]:
        """The fields of a ``NamedTuple`` class in order (what unpacking an instance gives)."""
        if not any(name.rsplit(".", 1)[-1] == "NamedTuple" for name in self.external_bases(cls)):
            return []
        fields = []
        for entry in reversed(self.mro(cls)):
            facts = self.class_facts(entry)
            if facts is None:
                continue
            for name, expr in facts.attributes.items():
                if expr[0] == "ann" and name not in facts.methods:
                    fields.append((entry, expr))
        return fields

    # ---- method resolution order --------------------------------------------------------------

    def mro(self, cls: ClassRef) -> list[ClassRef]:
        """The class and its project ancestors in C3 order, each with the type arguments the
        subclass gives it (depth-first when the C3 merge fails)."""
        # Whether the class is exact does not change its ancestors; a new key object would
        # also be hashed anew (a value hashes once).
        key = cls if cls.exact else ClassRef(cls.module, cls.qualname, cls.args)
        cached = self._mro.get(key)
        if cached is not None:
            return cached
        self._mro[key] = [key]  # a cycle of bases ends here
        misses = self.store.misses
        parents = [base for base in self.bases(key) if isinstance(base, ClassRef)]
        result = [key, *_c3([self.mro(parent) for parent in parents] + [parents])]
        if misses == self.store.misses:
            self._mro[key] = result
        else:
            del self._mro[key]
        return result

    def catalog_bases(self, cls: ClassRef) -> list[str]:
        found = []
        catalog = self.resolver.catalog
        for owner in self.mro(cls):
            for base in self.bases(owner):
                if isinstance(base, GenericAlias):
                    base = base.origin
                if isinstance(base, External):
                    canonical = catalog.canonical_type(base.name)
                    if canonical:
                        found.append(canonical)
        return found

    def external_bases(self, cls: ClassRef) -> list[str]:
        """Dotted names of the library classes among the ancestors (``pydantic.BaseModel``)."""
        found = []
        for owner in self.mro(cls):
            for base in self.bases(owner):
                if isinstance(base, GenericAlias):
                    base = base.origin
                if isinstance(base, External):
                    found.append(base.name)
        return found

    # ---- members ------------------------------------------------------------------------------

    def member(self, owner: Value, name: str, *, after: ClassRef | None = None) -> Value:
        """``owner.name`` for an instance or a class of the project (``after``: ``super()``,
        the lookup starts past that class)."""
        if isinstance(owner, Union):
            return union_of([self.member(o, name, after=after) for o in owner.options])
        if isinstance(owner, Instance):
            cls, instance = owner.cls, owner
        elif isinstance(owner, ClassRef):
            cls, instance = owner, None
        else:
            return UNKNOWN
        order = self.mro(cls)
        if after is not None:
            keys = [entry.key for entry in order]
            order = order[keys.index(after.key) + 1 :] if after.key in keys else []
        resolver = self.resolver
        for entry in order:
            facts = self.class_facts(entry)
            if facts is None:
                continue
            method = facts.methods.get(name)
            if method is not None:
                found = self._method(entry, method, owner, instance)
                if found is not None:
                    return found
            attribute = facts.attributes.get(name)
            if attribute is not None:
                receiver = instance if instance is not None else None
                value = resolver.evaluate(attribute, entry.module, receiver)
                stored = resolver.stores.stored(owner, name)
                return union_of([value, stored])
        if instance is not None:
            for base in self.catalog_bases(cls):
                return resolver.attribute(CatalogInstance(base), name)
        return resolver.stores.stored(owner, name)

    def _method(
        self, entry: ClassRef, qualname: str, owner: Value, instance: Instance | None
    ) -> Value | None:
        function = self.store.signature((entry.module, qualname))
        if function is None:
            return None
        resolver = self.resolver
        ref = FunctionRef(entry.module, qualname)
        if resolver.is_decorated_with(function, entry.module, *_STATICMETHODS):
            return resolver.decorated(ref, function, entry.module)
        if resolver.is_decorated_with(function, entry.module, *_CLASSMETHODS):
            cls = instance.cls if instance is not None else owner
            return resolver.decorated(Bound(ref, cls), function, entry.module)
        if instance is None:
            return resolver.decorated(ref, function, entry.module)
        if self.is_property(function, entry.module):
            getter = self.store.function((entry.module, qualname)) or function
            return resolver.returns(Bound(ref, instance), getter)
        return resolver.decorated(Bound(ref, instance), function, entry.module)

    def is_property(self, function: FunctionFacts, module: str) -> bool:
        return self.resolver.is_decorated_with(function, module, *_PROPERTIES)

    def property_getter(self, owner: Value, name: str) -> Bound | None:
        """The sync getter that reading ``owner.name`` runs, for a project ``@property``."""
        if not isinstance(owner, Instance):
            return None
        for entry in self.mro(owner.cls):
            facts = self.class_facts(entry)
            if facts is None:
                continue
            method = facts.methods.get(name)
            if method is None:
                if name in facts.attributes:
                    return None
                continue
            function = self.store.signature((entry.module, method))
            if (
                function is None
                or function.is_async
                or not self.is_property(function, entry.module)
            ):
                return None
            return Bound(FunctionRef(entry.module, method), owner)
        return None

    def lazy_attribute(self, owner: Value, name: str) -> Blocking | None:
        """Why reading ``owner.name`` runs I/O: the attribute is declared on the class with a
        catalog descriptor (an ORM relationship loaded lazily), and the object did not load it
        with the query. Objects built here (exact instances) are not loaded from a database."""
        if not isinstance(owner, Instance) or owner.exact or name in owner.loaded:
            return None
        catalog = self.resolver.catalog
        if not catalog.descriptors:
            return None
        for entry in self.mro(owner.cls):
            facts = self.class_facts(entry)
            expr = facts.attributes.get(name) if facts is not None else None
            if expr is None:
                continue
            declared = expr[2] if expr[0] == "ann" else expr
            if declared is None or declared[0] != "call":
                return None
            callee = self.resolver.evaluate(declared[1], entry.module)
            descriptor = (
                catalog.descriptors.get(callee.name) if isinstance(callee, External) else None
            )
            if descriptor is None:
                return None
            for keyword, value in declared[2]:
                if (
                    keyword == descriptor.keyword
                    and value[0] == "lit"
                    and value[1] in descriptor.loaded
                ):
                    return None
            return descriptor.blocking
        return None

    def is_abstract(self, function: FunctionFacts, module: str) -> bool:
        """An interface's method: ``@abstractmethod``, or a body that does nothing."""
        return function.stub or self.resolver.is_decorated_with(function, module, *_ABSTRACT)

    # ---- subclasses and implementations -------------------------------------------------------

    def implementations(self, receiver: Instance, name: str) -> list[Bound]:
        """Every method body a call ``receiver.name()`` may run: the one the declared class
        resolves, and the overrides in its project subclasses (each bound to its class)."""
        found: list[Bound] = []
        declared = self.member(receiver, name)
        if isinstance(declared, Bound):
            found.append(declared)
        if receiver.exact:
            return found
        for subclass in self.subclasses(receiver.cls, name):
            facts = self.class_facts(subclass)
            method = facts.methods.get(name) if facts is not None else None
            if method is None:
                continue
            function = self.store.signature((subclass.module, method))
            if function is None or self.is_property(function, subclass.module):
                continue
            override = FunctionRef(subclass.module, method)
            found.append(Bound(override, Instance(subclass, exact=False)))
        if self.is_protocol(receiver.cls):
            found.extend(self.structural_implementations(receiver.cls, name))
        by_function: dict[FunctionRef, Bound] = {}  # each body once, as first reached
        for bound in found:
            by_function.setdefault(bound.function, bound)
        return list(by_function.values())

    def is_protocol(self, cls: ClassRef) -> bool:
        """Whether the class names ``Protocol`` among its own bases (PEP 544: a subclass of a
        protocol is one only when it says so)."""
        for base in self.bases(cls):
            if isinstance(base, GenericAlias):
                base = base.origin
            if isinstance(base, External) and base.name in _PROTOCOLS:
                return True
        return False

    def structural_implementations(self, protocol: ClassRef, name: str) -> list[Bound]:
        """The ``name`` methods of project classes that implement ``protocol`` without naming
        it: classes, not protocols themselves, with a member for every method the protocol
        declares. Only modules whose text defines ``name`` are read."""
        key = (protocol.key, name)
        cached = self._structural.get(key)
        if cached is not None:
            return cached
        own = self.class_facts(protocol)
        if own is None:
            return []
        required = [
            method
            for method in own.methods
            if not (method.startswith("__") and method.endswith("__")) or method == "__call__"
        ]
        misses = self.store.misses
        found: list[Bound] = []
        for module in self.store.headers.defining(name):
            facts = self.store.module_facts(module)
            if facts is None:
                continue
            for qualname in facts.classes:
                candidate = ClassRef(module, qualname)
                if candidate.key == protocol.key or self.is_protocol(candidate):
                    continue
                if not all(self._has_member(candidate, method) for method in required):
                    continue
                bound = self.member(Instance(candidate, exact=False), name)
                if isinstance(bound, Bound):
                    found.append(bound)
        if misses == self.store.misses:
            self._structural[key] = found
        return found

    def _has_member(self, cls: ClassRef, name: str) -> bool:
        for entry in self.mro(cls):
            facts = self.class_facts(entry)
            if facts is not None and (name in facts.methods or name in facts.attributes):
                return True
        return False

    def subclasses(self, cls: ClassRef, method: str = "") -> list[ClassRef]:
        """Project subclasses of ``cls``, transitively (the modules that may define one are
        loaded first: until they are, the answer is provisional). With ``method``, only those
        that may define it or have subclasses that may: a module whose text cannot is not
        loaded (decision 0050)."""
        result: list[ClassRef] = []
        seen = {cls.key}
        pending = [cls.plain()]
        while pending:
            for child in self.direct_subclasses(pending.pop(), method):
                if child.key not in seen:
                    seen.add(child.key)
                    result.append(child)
                    pending.append(child)
        return result

    def direct_subclasses(self, cls: ClassRef, method: str = "") -> list[ClassRef]:
        """Classes whose bases name ``cls``, and classes registered with it (``cls.register``).

        Only the modules whose text names the class in a class header or a registration are
        read, and in them only the classes whose bases mention that name; with ``method``, only
        the modules whose text may lead to a definition of it."""
        key = cls.key
        found = self._children.get((key, method))
        if found is not None:
            return found
        name = cls.qualname.rsplit(".", 1)[-1]
        word = name.encode()
        misses = self.store.misses
        children: dict[ClassKey, ClassRef] = {}
        headers = self.store.headers
        for module in headers.candidates(word, cls.module):
            if method and not headers.may_lead_to(module, word, method):
                continue
            facts = self.store.module_facts(module)
            if facts is None:
                continue
            for qualname, facts_cls in facts.classes.items():
                child = ClassRef(module, qualname)
                bases = [base for base in facts_cls.bases if _mentions(base, name)]
                if any(self._is(base, module, key) for base in bases):
                    children.setdefault(child.key, child)
                for decorator in facts_cls.decorators:  # @Interface.register
                    if _is_registration(decorator, name) and self._is(decorator[1], module, key):
                        children.setdefault(child.key, child)
            for function in facts.functions.values():
                for call in function.calls:  # Interface.register(Implementation)
                    if _is_registration(call.callee, name) and call.args:
                        target = self.resolver.evaluate(call.args[0][1], module)
                        if isinstance(target, ClassRef) and self._is(call.callee[1], module, key):
                            children.setdefault(target.key, target.plain())
        result = list(children.values())
        if misses == self.store.misses:
            self._children[(key, method)] = result
        return result

    def _is(self, expr: tuple, module: str, key: ClassKey) -> bool:
        value = self.resolver.evaluate(expr, module)
        if isinstance(value, GenericAlias):  # a generic base with its arguments
            value = value.origin
        return isinstance(value, ClassRef) and value.key == key


def _mentions(expr: tuple, name: str) -> bool:
    """Whether a symbolic expression names ``name`` (a base ``Repo``, ``repos.Repo[T]``)."""
    if not isinstance(expr, tuple) or not expr:
        return False
    if expr[0] in ("glob", "attr") and expr[-1] == name:
        return True
    if expr[0] == "imp" and isinstance(expr[1], str) and expr[1].rsplit(".", 1)[-1] == name:
        return True
    if expr[0] == "sub":
        return _mentions(expr[1], name)
    return False


def _is_registration(expr: tuple, name: str) -> bool:
    return expr[0] == "attr" and expr[2] == "register" and _mentions(expr[1], name)


def substitute(value: Value, mapping: dict[tuple[str, str], Value]) -> Value:
    """``value`` with the type variables of ``mapping`` replaced by what they are bound to."""
    if isinstance(value, TypeVarRef):
        return mapping.get((value.module, value.name), value)
    if isinstance(value, ClassRef) and value.args:
        args = tuple(substitute(arg, mapping) for arg in value.args)
        return ClassRef(value.module, value.qualname, args, value.exact)
    if isinstance(value, GenericAlias):
        return GenericAlias(value.origin, tuple(substitute(arg, mapping) for arg in value.args))
    if isinstance(value, Union):
        return Union(tuple(substitute(option, mapping) for option in value.options))
    if isinstance(value, AnnotatedType):
        return AnnotatedType(substitute(value.type, mapping), value.dependency)
    return value


def _type_variables(value: Value) -> list[TypeVarRef]:
    if isinstance(value, TypeVarRef):
        return [value]
    if isinstance(value, (ClassRef, GenericAlias)):
        return [variable for arg in value.args for variable in _type_variables(arg)]
    if isinstance(value, Union):
        return [variable for option in value.options for variable in _type_variables(option)]
    if isinstance(value, AnnotatedType):
        return _type_variables(value.type)
    return []


def _form_of(value: Value) -> Value | None:
    """The form an object's type is written as (an instance of Repo -> Repo)."""
    found = []
    for option in options_of(value):
        if isinstance(option, Instance):
            found.append(option.cls)
        elif isinstance(option, CatalogInstance):
            found.append(External(option.type))
    if not found:
        return None
    return found[0] if len(found) == 1 else Union(tuple(found))


def _c3(sequences: list[list[ClassRef]]) -> list[ClassRef]:
    """C3 linearization of the parents' MROs (keyed by class, type arguments kept from the first
    occurrence); a depth-first order without repeats when the merge is inconsistent."""
    pending = [[entry for entry in sequence] for sequence in sequences if sequence]
    result: list[ClassRef] = []
    while pending:
        for sequence in pending:
            head = sequence[0]
            if not any(head.key in {e.key for e in other[1:]} for other in pending):
                break
        else:
            flat: list[ClassRef] = []
            for sequence in sequences:
                for entry in sequence:
                    if entry.key not in {e.key for e in [*result, *flat]}:
                        flat.append(entry)
            return [*result, *flat]
        result.append(head)
        pending = [[e for e in sequence if e.key != head.key] for sequence in pending]
        pending = [sequence for sequence in pending if sequence]
    return result
