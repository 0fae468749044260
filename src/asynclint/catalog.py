"""The knowledge of what blocks: loaded from ``catalog/*.toml`` plus the user's configuration.

Schema of a catalog file (all tables optional)::

    [[functions]]                 # callables named by qualified name
    names = ["time.sleep"]        # as imported; builtins as "builtins.open"
    code = "AL251"                # omit for callables that do no I/O (constructors, factories)
    suggestion = "use `await asyncio.sleep(...)`"
    fix = "asyncio-sleep"         # optional fix kind understood by asynclint.fixes
    returns = "requests.Session"  # optional: catalog type of the returned value
    carries = "class-arg-0"       # optional: the element its result carries (see below)
    decorates = "celery.app.task.Task"  # as a decorator (called or not), it makes the project
                                  # function an object of that type (calling it still runs it)
    eager = true                  # a loader option that loads its attribute argument eagerly
                                  # (`selectinload(Customer.orders)`)
    factory = ["default_factory"] # the call's value is what calling this keyword's argument
    default = ["default"]         # gives, or this keyword's value (field declarations)

    [[types]]                     # classes whose instances we follow (provenance)
    name = "requests.Session"     # calling the type itself constructs an instance, not a finding
    aliases = ["requests.sessions.Session"]
    bases = []                    # inherit methods/returns/attributes of other catalog types
    returns = { get = "requests.Response", __enter__ = "requests.Session" }
    attributes = { file = "io.IOBase" }
    items = { glob = "pathlib.Path" } # element type of what a method returns, when iterated
    open = true                   # attributes are whatever the program stores there
                                  # (``app.state.mailer = SmtpMailer()``)
    memory = true                 # instances live in memory (io.BytesIO): buffers
    decorates = { task = "celery.app.task.Task" }   # methods used as decorators (see above)
    # Results that carry project objects (an ORM query of Users gives Users):
    #   "class-arg-N"     the result carries instances of the class passed at position N
    #   "instance-arg-N"  the result is an instance of the class passed at position N
    #   "element-arg-N"   the result carries what the catalog object at position N carries
    #   "element"         the result is what the receiver carries; "items": a list of them
    #   "keep"            the result carries what the receiver carries
    # A method returning the receiver's own type keeps what it carries.
    carries = { query = "class-arg-0", get = "instance-arg-0", one = "element" }
    eager_options = ["options"]   # methods whose eager loader options mark attributes loaded

    [[descriptors]]               # class attributes declared with these calls run I/O when
    names = ["sqlalchemy.orm.relationship"]   # read on an instance (a lazy relationship)
    code = "AL260"
    suggestion = "..."
    keyword = "lazy"              # ... unless this keyword is one of `loaded`
    loaded = ["selectin", "joined"]

    [[methods]]                   # blocking methods of a catalog type (and of its subtypes)
    type = "requests.Session"
    names = ["get", "post"]       # "__iter__" means iterating the object blocks
    code = "AL212"
    suggestion = "..."
    fix = "to-thread"

    unless = { wait = false }     # optional: not blocking when called with this literal keyword
    severity = "low"              # optional: high, medium or low; the rule's when omitted
    in_memory = [                 # optional (functions and methods): no I/O, and a result in
        { receiver = true },      # memory, when the receiver is in memory, or an argument
        { arg = 0, keyword = "file" },                 # is in memory (io.BytesIO, ...),
        { arg = 0, keyword = "database", literal = ":memory:" },   # is this literal,
        { arg = 0, keyword = "path", missing = true }, # or is not given (decision 0043)
    ]


    [[callbacks]]                 # loop methods that later run a callable argument ON the loop
    methods = ["call_soon"]       # by method name, on any receiver
    callable_arg = 0

    [[memoizers]]                 # decorators that cache the function's result: what it
    names = ["functools.cache"]   # reaches blocks on the first call only

    [[offloads]]                  # wrappers that run a callable argument off the loop
    names = ["asyncio.to_thread"] # functions, by qualified name ...
    methods = ["run_in_executor"] # ... or method names, on any receiver
    callable_arg = 0              # position of the callable argument

    [[loop]]                      # calls that need the event loop of the calling thread: code
    names = ["asyncio.create_task"]   # making them is never moved to a thread (functions, ...
    type = "asyncio.Queue"        # ... methods of a catalog type, ...
    methods = ["put_nowait"]      # ... or, without a type, method names on any receiver)
    reason = "it schedules work on the running event loop"

Keys of entries that say how an object may be used from threads:

    thread_bound = true           # [[types]]: an object bound to the thread that made it (a
                                  # sqlite3 connection, an ORM session): never used call by call
                                  # from worker threads
    shared_unless = { check_same_thread = false }   # [[functions]]: its result is not bound
                                  # to a thread when called with this literal keyword
    lazy = true                   # [[functions]]/[[methods]]: the result does the I/O while it
                                  # is iterated (``os.walk``): offloading the call alone is not
                                  # enough, its consumption must go to the thread too

A method not listed as blocking is not blocking: ``Path.name`` and ``dict.get`` stay quiet.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache

from asynclint.knowledge import builtin_catalog_files
from asynclint.models import Severity
from asynclint.rules import default_severity

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

CUSTOM_CODE = "AL200"


class CatalogError(ValueError):
    """A catalog file or a user extension does not follow the schema."""


@dataclass(frozen=True, slots=True)
class InMemory:
    """When a call does no I/O: its receiver is in memory (``receiver``), or an argument (by
    ``position`` or ``keyword``) is the ``literal`` (``":memory:"``), is ``missing``, or is an
    in-memory object (``io.BytesIO``, or a value derived from one) (decision 0043)."""

    receiver: bool = False
    position: int | None = None
    keyword: str = ""
    literal: str | None = None
    missing: bool = False


@dataclass(frozen=True, slots=True)
class Blocking:
    """Why a callable blocks: the rule it falls under and what to do instead."""

    code: str
    suggestion: str = ""
    fix: str = ""
    # Keyword arguments (name, literal) with which the call does not block: shutdown(wait=False).
    unless: tuple[tuple[str, object], ...] = ()
    # The result does the work while it is iterated (``os.walk``, ``Path.glob``).
    lazy: bool = False
    # What the call waits for: the network or a database (high), file data (medium), metadata.
    severity: Severity = Severity.HIGH
    # When the call does no I/O (any one of these); its result is then in memory too.
    in_memory: tuple[InMemory, ...] = ()


@dataclass(frozen=True, slots=True)
class FunctionEntry:
    name: str
    blocking: Blocking | None = None
    returns: str = ""
    carries: str = ""
    decorates: str = ""
    eager: bool = False
    factory: tuple[str, ...] = ()
    default: tuple[str, ...] = ()
    # Keyword arguments (name, literal) with which the result is not bound to its thread.
    shared_unless: tuple[tuple[str, object], ...] = ()
    # When the result is in memory (``io.TextIOWrapper(buffer)``); see :class:`InMemory`.
    in_memory: tuple[InMemory, ...] = ()


@dataclass(frozen=True, slots=True)
class Descriptor:
    """A class attribute declared with a catalog call that runs I/O when read on an instance."""

    blocking: Blocking
    keyword: str = ""
    loaded: tuple[str, ...] = ()


@dataclass(slots=True)
class TypeEntry:
    name: str
    bases: tuple[str, ...] = ()
    returns: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, str] = field(default_factory=dict)
    items: dict[str, str] = field(default_factory=dict)
    methods: dict[str, Blocking] = field(default_factory=dict)
    open: bool = False
    decorates: dict[str, str] = field(default_factory=dict)
    carries: dict[str, str] = field(default_factory=dict)
    eager_options: tuple[str, ...] = ()
    thread_bound: bool = False
    loop: dict[str, str] = field(default_factory=dict)  # method -> why it needs the loop
    # Instances live in memory (``io.BytesIO``): buffers, whose methods do no I/O.
    memory: bool = False


@dataclass(frozen=True, slots=True)
class Offload:
    callable_arg: int


@dataclass(slots=True)
class Catalog:
    functions: dict[str, FunctionEntry] = field(default_factory=dict)
    types: dict[str, TypeEntry] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    offload_functions: dict[str, Offload] = field(default_factory=dict)
    offload_methods: dict[str, Offload] = field(default_factory=dict)
    callback_methods: dict[str, Offload] = field(default_factory=dict)
    descriptors: dict[str, Descriptor] = field(default_factory=dict)
    # Calls that need the calling thread's event loop -> why: functions by qualified name,
    # and method names on any receiver (methods of types are on their TypeEntry).
    loop_functions: dict[str, str] = field(default_factory=dict)
    loop_any_methods: dict[str, str] = field(default_factory=dict)
    memoizers: frozenset[str] = frozenset()
    # Rules switched off: their calls are not blocking at all (not even on a chain).
    disabled: frozenset[str] = frozenset()

    # ---- lookups used by the resolver -------------------------------------------------------

    def canonical_type(self, name: str) -> str | None:
        name = self.aliases.get(name, name)
        return name if name in self.types else None

    def function(self, qualname: str) -> FunctionEntry | None:
        entry = self.functions.get(qualname)
        if (
            entry is not None
            and entry.blocking is not None
            and entry.blocking.code in self.disabled
        ):
            return replace(entry, blocking=None)
        return entry

    def method(self, type_name: str, method: str) -> Blocking | None:
        for entry in self._mro(type_name):
            found = entry.methods.get(method)
            if found is not None:
                return None if found.code in self.disabled else found
        return None

    def method_returns(self, type_name: str, method: str) -> str | None:
        for entry in self._mro(type_name):
            found = entry.returns.get(method)
            if found is not None:
                return self.aliases.get(found, found)
        if method == "__enter__":
            return type_name  # most context managers return themselves
        return None

    def method_items(self, type_name: str, method: str) -> str | None:
        """Type of the elements of what ``method`` returns (``Path.glob`` -> ``Path``)."""
        for entry in self._mro(type_name):
            found = entry.items.get(method)
            if found is not None:
                return self.aliases.get(found, found)
        return None

    def attribute(self, type_name: str, attribute: str) -> str | None:
        for entry in self._mro(type_name):
            found = entry.attributes.get(attribute)
            if found is not None:
                return self.aliases.get(found, found)
        return None

    def decorates(self, type_name: str, method: str) -> str | None:
        """The type a method of ``type_name`` makes the project function it decorates."""
        for entry in self._mro(type_name):
            found = entry.decorates.get(method)
            if found is not None:
                return self.aliases.get(found, found)
        return None

    def carries(self, type_name: str, method: str) -> str:
        for entry in self._mro(type_name):
            found = entry.carries.get(method)
            if found is not None:
                return found
        return ""

    def eager_option(self, type_name: str, method: str) -> bool:
        return any(method in entry.eager_options for entry in self._mro(type_name))

    def is_memory(self, type_name: str) -> bool:
        """Whether instances of the type live in memory (``io.BytesIO``)."""
        return any(entry.memory for entry in self._mro(type_name))

    def open_attributes(self, type_name: str) -> bool:
        """Whether the program stores its own attributes on instances of the type."""
        return any(entry.open for entry in self._mro(type_name))

    def loop_function(self, qualname: str) -> str:
        """Why calling ``qualname`` needs the calling thread's event loop ("" when it does not)."""
        return self.loop_functions.get(qualname, "")

    def loop_method(self, type_name: str, method: str) -> str:
        """Why ``method`` of a ``type_name`` object needs the loop ("" when it does not)."""
        for entry in self._mro(type_name):
            found = entry.loop.get(method)
            if found is not None:
                return found
        return ""

    def thread_bound(self, type_name: str) -> bool:
        """Whether objects of the type must stay in the thread that made them."""
        return any(entry.thread_bound for entry in self._mro(type_name))

    def offload_for_function(self, qualname: str) -> Offload | None:
        return self.offload_functions.get(qualname)

    def offload_for_method(self, method: str) -> Offload | None:
        return self.offload_methods.get(method)

    def _mro(self, type_name: str) -> Iterable[TypeEntry]:
        seen: set[str] = set()
        pending = [type_name]
        while pending:
            current = self.aliases.get(pending.pop(0), "")
            entry = self.types.get(current)
            if entry is None or current in seen:
                continue
            seen.add(current)
            yield entry
            pending.extend(entry.bases)

    # ---- building ---------------------------------------------------------------------------

    def add_document(self, doc: Mapping[str, object], source: str) -> None:
        for raw in _tables(doc, "types", source):
            name = _str(raw, "name", source)
            entry = self.types.setdefault(name, TypeEntry(name))
            self.aliases[name] = name
            entry.bases += tuple(_strs(raw, "bases", source))
            entry.returns.update(_str_map(raw, "returns", source))
            entry.attributes.update(_str_map(raw, "attributes", source))
            entry.items.update(_str_map(raw, "items", source))
            opened = raw.get("open", False)
            memory = raw.get("memory", False)
            if not isinstance(opened, bool) or not isinstance(memory, bool):
                raise CatalogError(f"{source}: 'open' and 'memory' must be true or false")
            entry.open = entry.open or opened
            entry.memory = entry.memory or memory
            entry.decorates.update(_str_map(raw, "decorates", source))
            carries = _str_map(raw, "carries", source)
            for rule in carries.values():
                _check_carries(rule, source)
            entry.carries.update(carries)
            entry.eager_options += tuple(_strs(raw, "eager_options", source))
            entry.thread_bound = entry.thread_bound or _bool(raw, "thread_bound", source)
            for alias in _strs(raw, "aliases", source):
                self.aliases[alias] = name
        for raw in _tables(doc, "functions", source):
            blocking = _blocking(raw, source, required=False)
            returns, carries, decorates = (
                _optional_str(raw, key, source) for key in ("returns", "carries", "decorates")
            )
            if carries:
                _check_carries(carries, source)
            eager = _bool(raw, "eager", source)
            factory = tuple(_strs(raw, "factory", source))
            default = tuple(_strs(raw, "default", source))
            shared_unless = _literals(raw, "shared_unless", source)
            in_memory = _in_memory(raw, source)
            for name in _strs(raw, "names", source, required=True):
                self.functions[name] = FunctionEntry(
                    name,
                    blocking,
                    returns,
                    carries,
                    decorates,
                    eager,
                    factory,
                    default,
                    shared_unless,
                    in_memory,
                )
        for raw in _tables(doc, "descriptors", source):
            blocking = _blocking(raw, source, required=True)
            assert blocking is not None
            keyword = _optional_str(raw, "keyword", source)
            loaded = tuple(_strs(raw, "loaded", source))
            for name in _strs(raw, "names", source, required=True):
                self.descriptors[name] = Descriptor(blocking, keyword, loaded)
        for raw in _tables(doc, "methods", source):
            type_name = _str(raw, "type", source)
            entry = self.types.setdefault(type_name, TypeEntry(type_name))
            self.aliases.setdefault(type_name, type_name)
            blocking = _blocking(raw, source, required=True)
            assert blocking is not None
            for method in _strs(raw, "names", source, required=True):
                entry.methods[method] = blocking
        for raw in _tables(doc, "callbacks", source):
            arg = raw.get("callable_arg", 0)
            if not isinstance(arg, int) or arg < 0:
                raise CatalogError(f"{source}: 'callable_arg' must be a non-negative integer")
            for method in _strs(raw, "methods", source, required=True):
                self.callback_methods[method] = Offload(arg)
        for raw in _tables(doc, "memoizers", source):
            self.memoizers |= frozenset(_strs(raw, "names", source, required=True))
        for raw in _tables(doc, "offloads", source):
            arg = raw.get("callable_arg", 0)
            if not isinstance(arg, int) or arg < 0:
                raise CatalogError(f"{source}: 'callable_arg' must be a non-negative integer")
            for name in _strs(raw, "names", source):
                self.offload_functions[name] = Offload(arg)
            for method in _strs(raw, "methods", source):
                self.offload_methods[method] = Offload(arg)
        for raw in _tables(doc, "loop", source):
            reason = _str(raw, "reason", source)
            type_name = _optional_str(raw, "type", source)
            methods = _strs(raw, "methods", source)
            names = _strs(raw, "names", source)
            if not methods and not names:
                raise CatalogError(f"{source}: a [[loop]] entry needs 'names' or 'methods'")
            if type_name and names:
                raise CatalogError(f"{source}: a [[loop]] entry with a 'type' takes 'methods'")
            for name in names:
                self.loop_functions[name] = reason
            if type_name:
                entry = self.types.setdefault(type_name, TypeEntry(type_name))
                self.aliases.setdefault(type_name, type_name)
                entry.loop.update(dict.fromkeys(methods, reason))
            else:
                self.loop_any_methods.update(dict.fromkeys(methods, reason))

    def extended(
        self,
        blocking_calls: Mapping[str, str],
        offload_wrappers: Iterable[str],
        disabled: Iterable[str] = (),
    ) -> Catalog:
        """A copy with the user's ``extra-blocking-calls`` and ``extra-offload-wrappers``, and
        without the calls of the ``disabled`` rules."""
        disabled = frozenset(disabled)
        if not blocking_calls and not offload_wrappers and not disabled:
            return self
        copy = Catalog(
            functions=dict(self.functions),
            types=self.types,
            aliases=self.aliases,
            offload_functions=dict(self.offload_functions),
            offload_methods=self.offload_methods,
            callback_methods=self.callback_methods,
            descriptors=self.descriptors,
            loop_functions=self.loop_functions,
            loop_any_methods=self.loop_any_methods,
            memoizers=self.memoizers,
            disabled=disabled,
        )
        for name, suggestion in blocking_calls.items():
            previous = copy.functions.get(name)
            copy.functions[name] = (
                replace(previous, blocking=Blocking(CUSTOM_CODE, suggestion))
                if previous
                else FunctionEntry(name, Blocking(CUSTOM_CODE, suggestion))
            )
        for name in offload_wrappers:
            copy.offload_functions[name] = Offload(0)
        return copy


@cache
def builtin_catalog() -> Catalog:
    """The catalog shipped in the package, loaded once per process."""
    catalog = Catalog()
    for item in builtin_catalog_files():
        source = f"catalog/{item.name}"
        try:
            doc = tomllib.loads(item.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as error:
            raise CatalogError(f"{source}: {error}") from error
        catalog.add_document(doc, source)
    return catalog


# ---- schema helpers -------------------------------------------------------------------------


def _tables(doc: Mapping[str, object], key: str, source: str) -> list[Mapping[str, object]]:
    value = doc.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise CatalogError(f"{source}: '{key}' must be an array of tables")
    return value


def _str(raw: Mapping[str, object], key: str, source: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value:
        raise CatalogError(f"{source}: '{key}' must be a non-empty string")
    return value


def _strs(raw: Mapping[str, object], key: str, source: str, *, required: bool = False) -> list[str]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise CatalogError(f"{source}: '{key}' must be a list of strings")
    if required and not value:
        raise CatalogError(f"{source}: '{key}' must not be empty")
    return value


def _optional_str(raw: Mapping[str, object], key: str, source: str) -> str:
    value = raw.get(key, "")
    if not isinstance(value, str):
        raise CatalogError(f"{source}: '{key}' must be a string")
    return value


_CARRIES = ("class-arg-", "instance-arg-", "element-arg-")


def _check_carries(rule: str, source: str) -> None:
    if rule in ("element", "items", "keep"):
        return
    prefix = next((p for p in _CARRIES if rule.startswith(p)), None)
    if prefix is None or not rule[len(prefix) :].isdigit():
        raise CatalogError(
            f"{source}: 'carries' must be element, items, keep, class-arg-N, instance-arg-N or "
            f"element-arg-N, got {rule!r}"
        )


def argument_position(rule: str) -> int:
    """N of a ``carries`` rule ``*-arg-N``."""
    return int(rule.rsplit("-", 1)[1])


def _str_map(raw: Mapping[str, object], key: str, source: str) -> dict[str, str]:
    value = raw.get(key, {})
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise CatalogError(f"{source}: '{key}' must be a table of strings")
    return dict(value)


def _bool(raw: Mapping[str, object], key: str, source: str) -> bool:
    value = raw.get(key, False)
    if not isinstance(value, bool):
        raise CatalogError(f"{source}: '{key}' must be true or false")
    return value


def _literals(raw: Mapping[str, object], key: str, source: str) -> tuple[tuple[str, object], ...]:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise CatalogError(f"{source}: '{key}' must be a table of keyword = literal")
    return tuple(sorted(value.items()))


def _blocking(raw: Mapping[str, object], source: str, *, required: bool) -> Blocking | None:
    code = raw.get("code")
    if code is None:
        if required:
            raise CatalogError(f"{source}: 'code' is required")
        return None
    if not isinstance(code, str) or not (code.startswith("AL") and code[2:].isdigit()):
        raise CatalogError(f"{source}: 'code' must look like AL251, got {code!r}")
    suggestion = raw.get("suggestion", "")
    fix = raw.get("fix", "")
    if not isinstance(suggestion, str) or not isinstance(fix, str):
        raise CatalogError(f"{source}: 'suggestion' and 'fix' must be strings")
    unless = _literals(raw, "unless", source)
    in_memory = _in_memory(raw, source)
    severity = raw.get("severity")
    if severity is None:
        level = default_severity(code)
    elif severity in _SEVERITIES:
        level = Severity(severity)
    else:
        raise CatalogError(f"{source}: 'severity' must be high, medium or low, got {severity!r}")
    return Blocking(code, suggestion, fix, unless, _bool(raw, "lazy", source), level, in_memory)


def _in_memory(raw: Mapping[str, object], source: str) -> tuple[InMemory, ...]:
    """``in_memory = [{ receiver = true }, { arg = 0, keyword = "file" }, ...]``."""
    value = raw.get("in_memory", [])
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise CatalogError(f"{source}: 'in_memory' must be an array of tables")
    conditions = []
    for item in value:
        unknown = set(item) - {"receiver", "arg", "keyword", "literal", "missing"}
        position, keyword = item.get("arg"), item.get("keyword", "")
        literal, missing, receiver = (
            item.get("literal"),
            item.get("missing", False),
            item.get("receiver", False),
        )
        if (
            unknown
            or not isinstance(receiver, bool)
            or not isinstance(missing, bool)
            or not (position is None or (isinstance(position, int) and position >= 0))
            or not isinstance(keyword, str)
            or not (literal is None or isinstance(literal, str))
            or receiver == (position is not None or bool(keyword))
        ):
            raise CatalogError(
                f"{source}: an 'in_memory' condition is {{ receiver = true }} or names an "
                f'argument (arg = N and/or keyword = "name"), optionally with literal = '
                f'"..." or missing = true; got {item!r}'
            )
        conditions.append(InMemory(receiver, position, keyword, literal, missing))
    return tuple(conditions)


_SEVERITIES = tuple(level.value for level in Severity)
