"""The type model: what an expression evaluates to, as far as static knowledge goes.

Values are small frozen objects, compared and hashed by content. They describe objects of the
checked program (a project function, an instance of a project class, a library object the
catalog knows) and *type forms* (what an annotation or an alias denotes: ``list[Repo]``,
``Annotated[Session, Depends(get_db)]``). :func:`asynclint.analysis.resolve.Resolver.instance_of`
turns a form into the value an object annotated with it holds.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TypeAlias, TypeVar

_C = TypeVar("_C", bound="type[HashedOnce]")


class HashedOnce:
    """Base of frozen dataclasses decorated with :func:`hash_once` (it holds the hash)."""

    __slots__ = ("_hash",)


def hash_once(cls: _C) -> _C:
    """Give a frozen dataclass a hash computed once per object. Values and call-graph nodes key
    the analysis's caches and nest in one another (an instance of a class with type arguments,
    a node for that instance): the generated hash would rehash the whole nest at every lookup."""
    names = tuple(item.name for item in fields(cls))  # type: ignore[arg-type]

    def __hash__(self: HashedOnce) -> int:
        try:
            return self._hash  # type: ignore[no-any-return]
        except AttributeError:
            found = hash(tuple(getattr(self, name) for name in names))
            object.__setattr__(self, "_hash", found)
            return found

    cls.__hash__ = __hash__  # type: ignore[assignment,method-assign]
    return cls


class Value(HashedOnce):
    """Base of every value; :data:`UNKNOWN` when nothing is known."""

    __slots__ = ()


@hash_once
@dataclass(frozen=True, slots=True)
class Unknown(Value):
    """Nothing is known about the object."""


UNKNOWN = Unknown()


@hash_once
@dataclass(frozen=True, slots=True)
class Constant(Value):
    """A literal: a string, a number, ``True``/``False``/``None``. In an annotation a string is a
    forward reference."""

    value: object


@hash_once
@dataclass(frozen=True, slots=True)
class ModuleRef(Value):
    """A module of the project."""

    name: str


@hash_once
@dataclass(frozen=True, slots=True)
class External(Value):
    """A name outside the project, by its dotted path (``requests.get``, ``typing.Optional``)."""

    name: str

    @property
    def tail(self) -> str:
        return self.name.rsplit(".", 1)[-1]


@hash_once
@dataclass(frozen=True, slots=True)
class FunctionRef(Value):
    """A project function or lambda, as an object (not called)."""

    module: str
    qualname: str


@hash_once
@dataclass(frozen=True, slots=True)
class ClassRef(Value):
    """A project class object.

    ``args`` bind its type parameters (``CRUDBase[User]``). ``exact``: the class itself; a
    ``type[Repo]`` parameter holds Repo or any subclass of it.
    """

    module: str
    qualname: str
    args: tuple[Value, ...] = ()
    exact: bool = True

    @property
    def key(self) -> tuple[str, str]:
        return (self.module, self.qualname)

    def plain(self) -> ClassRef:
        """The class without type arguments, exactly."""
        return ClassRef(self.module, self.qualname)


@hash_once
@dataclass(frozen=True, slots=True)
class Instance(Value):
    """An instance of a project class. ``exact``: built from that very class here; otherwise
    declared (an annotation): it may be an instance of any subclass."""

    cls: ClassRef
    exact: bool = False
    # Attributes known to be loaded already (an ORM object queried with ``selectinload``).
    loaded: frozenset[str] = frozenset()


@hash_once
@dataclass(frozen=True, slots=True)
class Bound(Value):
    """A project method looked up on a receiver (an :class:`Instance`, or a :class:`ClassRef` for
    classmethods): calling it runs the function with ``self`` (or ``cls``) being the receiver."""

    function: FunctionRef
    receiver: Value


Callable: TypeAlias = "FunctionRef | Bound"


@hash_once
@dataclass(frozen=True, slots=True)
class CatalogInstance(Value):
    """An instance of a type the catalog knows (``requests.Session``). ``element``: the project
    objects it carries, where the catalog says so (a query of Users carries a User).
    ``memory``: it lives in memory (an ``io.BytesIO``, a ``ZipFile`` over one, a
    ``sqlite3.connect(":memory:")`` connection): its calls that the catalog says so do no I/O."""

    type: str
    element: Value = UNKNOWN
    memory: bool = False


@hash_once
@dataclass(frozen=True, slots=True)
class CatalogMethod(Value):
    """A method of a catalog instance, not called yet (``element``: what the instance carries;
    ``memory``: the instance lives in memory)."""

    type: str
    name: str
    element: Value = UNKNOWN
    memory: bool = False


@hash_once
@dataclass(frozen=True, slots=True)
class LibraryWrapped(Value):
    """A project function a library decorator made an object of a catalog type (a Celery task,
    a dramatiq actor): calling it runs the function; its attributes are the type's."""

    call: FunctionRef
    type: str


@hash_once
@dataclass(frozen=True, slots=True)
class Generator(Value):
    """What calling a generator function gives: nothing of its body has run yet."""

    call: Callable


@hash_once
@dataclass(frozen=True, slots=True)
class Coroutine(Value):
    """What calling an ``async def`` gives; awaiting it gives the function's result."""

    call: Callable


@hash_once
@dataclass(frozen=True, slots=True)
class ContextManagerFunction(Value):
    """A ``@contextmanager`` function: calling it makes a :class:`ContextManager`."""

    call: Callable


@hash_once
@dataclass(frozen=True, slots=True)
class ContextManager(Value):
    """What a ``@contextmanager`` function returns: entering it runs the generator to its
    ``yield``."""

    call: Callable


@hash_once
@dataclass(frozen=True, slots=True)
class Wrapped(Value):
    """A function decorated by a project decorator returning a sync wrapper: calling it runs the
    wrapper and, through it, the original."""

    wrapper: FunctionRef
    original: Callable


@hash_once
@dataclass(frozen=True, slots=True)
class Partial(Value):
    """``functools.partial(target, ...)``: calling it calls ``target``."""

    target: Value


@hash_once
@dataclass(frozen=True, slots=True)
class Range(Value):
    """``range(n)`` with a literal bound."""

    bound: int


@hash_once
@dataclass(frozen=True, slots=True)
class Items(Value):
    """Something whose iteration yields ``element`` (a ``list[Repo]``, ``Path.glob()``)."""

    element: Value


@hash_once
@dataclass(frozen=True, slots=True)
class Tuple(Value):
    """A tuple (or list) whose items are known by position: ``return db, repo``,
    ``tuple[Session, Repo]``; unpacking it gives each item its own value."""

    elements: tuple[Value, ...]


@hash_once
@dataclass(frozen=True, slots=True)
class MappingOf(Value):
    """A dict of known content: ``dict[str, Repo]``, ``{"users": UserRepo()}``."""

    key: Value
    value: Value


@hash_once
@dataclass(frozen=True, slots=True)
class ContainerMethod(Value):
    """A method of a builtin container of known content (``repos.values``, ``stores.get``)."""

    container: Value
    name: str


@hash_once
@dataclass(frozen=True, slots=True)
class Super(Value):
    """``super()`` inside a method of ``cls``, for ``receiver``."""

    cls: ClassRef
    receiver: Value


@hash_once
@dataclass(frozen=True, slots=True)
class Guess(Value):
    """An attribute of an object of unknown type: a guess by its name only."""

    name: str


@hash_once
@dataclass(frozen=True, slots=True)
class Union(Value):
    """Any one of ``options`` (an ``X | None`` annotation, an attribute set in two places)."""

    options: tuple[Value, ...]


@hash_once
@dataclass(frozen=True, slots=True)
class TypeVarRef(Value):
    """A type variable (``TypeVar("T", bound=Base)``, a PEP 695 parameter), named by where it is
    defined; ``bound`` is what it stands for when nothing binds it."""

    module: str
    name: str
    bound: Value = UNKNOWN


@hash_once
@dataclass(frozen=True, slots=True)
class GenericAlias(Value):
    """A library generic or typing construct with arguments: ``list[Repo]``, ``Optional[X]``,
    ``type[Repo]``, ``Generator[Session, None, None]``."""

    origin: External
    args: tuple[Value, ...]


@hash_once
@dataclass(frozen=True, slots=True)
class AnnotatedType(Value):
    """``Annotated[T, ...]``; ``dependency`` is what a ``Depends(...)`` among its metadata calls
    (FastAPI runs it and passes its result), or None."""

    type: Value
    dependency: Value | None = None


@hash_once
@dataclass(frozen=True, slots=True)
class DependsMarker(Value):
    """``Depends(target)`` / ``Security(target)`` (``target`` None for ``Depends()``)."""

    target: Value | None


def options_of(value: Value) -> tuple[Value, ...]:
    """The alternatives a value stands for (itself, unless it is a :class:`Union`)."""
    return value.options if isinstance(value, Union) else (value,)


def union_of(values: list[Value] | tuple[Value, ...]) -> Value:
    """One value for several: unknowns dropped, duplicates merged, nested unions flattened."""
    found: list[Value] = []
    for value in values:
        for option in options_of(value):
            if not isinstance(option, Unknown) and option not in found:
                found.append(option)
    if len(found) > 1:  # a declared instance of a class covers the exact one
        declared = {
            option.cls for option in found if isinstance(option, Instance) and not option.exact
        }
        found = [
            o for o in found if not (isinstance(o, Instance) and o.exact and o.cls in declared)
        ]
    if not found:
        return UNKNOWN
    return found[0] if len(found) == 1 else Union(tuple(found))
