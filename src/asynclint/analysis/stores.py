"""Attributes assigned from outside their object: how containers and singletons are wired.

``Container.deps = Deps(mailer=SmtpMailer())`` in a startup module, ``app.state.mailer =
SmtpMailer()`` in a lifespan, ``registry.users = UserRepo()``: reading the attribute elsewhere
gives what was stored, whatever the class itself declares. Stores are matched by the identity of
their target (a project class, whichever of its instances; a catalog type with open attributes,
such as Starlette's ``State``; a module).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from asynclint.analysis.store import FactsStore
from asynclint.analysis.values import (
    UNKNOWN,
    CatalogInstance,
    ClassRef,
    Instance,
    ModuleRef,
    Value,
    options_of,
    union_of,
)
from asynclint.facts import Store

if TYPE_CHECKING:
    from asynclint.analysis.resolve import Resolver


class StoreIndex:
    def __init__(self, store: FactsStore, resolver: Resolver) -> None:
        self.store = store
        self.resolver = resolver
        self._by_name: dict[str, list[tuple[str, Store]]] = {}
        self._masked: dict[str, list[tuple[str, str]]] = {}  # attribute -> blanked bodies
        self._position = 0
        self._module_position = 0

    def stored(self, target: Value, name: str) -> Value:
        """Everything stored as ``target.name`` by the loaded code (bodies that store ``name``
        are parsed first)."""
        identity = _identity(target)
        if identity is None:
            return UNKNOWN
        self._request_bodies(name)
        self._catch_up()
        candidates = self._by_name.get(name)
        if not candidates:
            return UNKNOWN
        values = []
        for module, store in candidates:
            base = self.resolver.evaluate(store.base, module)
            if any(_identity(option) == identity for option in options_of(base)):
                values.append(self.resolver.evaluate(store.value, module))
        return union_of(values)

    def _request_bodies(self, name: str) -> None:
        self._module_position, modules = self.store.modules_since(self._module_position)
        for module in modules:
            for attribute, qualnames in self.store.facts[module].masked_stores.items():
                self._masked.setdefault(attribute, []).extend((module, q) for q in qualnames)
        for fid in self._masked.get(name, ()):
            self.store.function(fid)

    def _catch_up(self) -> None:
        self._position, functions = self.store.functions_since(self._position)
        for module, function in functions:
            for store in function.stores:
                entries = self._by_name.setdefault(store.attribute, [])
                if all(existing is not store for _, existing in entries):
                    entries.append((module, store))


def _identity(value: Value) -> tuple[str, ...] | None:
    if isinstance(value, Instance):
        return ("class", value.cls.module, value.cls.qualname)
    if isinstance(value, ClassRef):
        return ("class", value.module, value.qualname)
    if isinstance(value, CatalogInstance):
        return ("catalog", value.type)
    if isinstance(value, ModuleRef):
        return ("module", value.name)
    return None
