"""Whole-project analysis: from per-file facts to what blocks the loop, and why.

The rooms, each with one job (decision 0017):

- :mod:`~asynclint.analysis.values`: the type model (small frozen value classes);
- :mod:`~asynclint.analysis.store`: the facts loaded so far and the demand for more;
- :mod:`~asynclint.analysis.resolve`: expression -> value (names, imports, attributes, calls,
  annotations and aliases, FastAPI dependencies);
- :mod:`~asynclint.analysis.hierarchy`: classes (MRO, generic bindings, members, subclasses and
  the implementations of a method);
- :mod:`~asynclint.analysis.stores`: attributes wired from outside their object (containers);
- :mod:`~asynclint.analysis.callgraph`: what executing a function does (edges to sinks and to
  project functions);
- :mod:`~asynclint.analysis.effects`: summaries to a fixpoint (which functions block, and the
  chain to the blocking call);
- :mod:`~asynclint.analysis.affinity`: which functions need the event loop of their thread;
- :mod:`~asynclint.analysis.threadbound`: which code uses objects bound to their thread.

:class:`Program` wires them together for one run.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from asynclint.analysis.affinity import LoopAffinity
from asynclint.analysis.callgraph import CallGraph, Edge, Node, Sink
from asynclint.analysis.effects import Effects, Summary
from asynclint.analysis.hierarchy import Hierarchy
from asynclint.analysis.resolve import Receiver, Resolver
from asynclint.analysis.store import FactsStore, FunctionId, Loader, Sources
from asynclint.analysis.stores import StoreIndex
from asynclint.analysis.threadbound import ThreadBinding
from asynclint.analysis.values import Value
from asynclint.catalog import Catalog
from asynclint.facts import Expr, FunctionFacts, ModuleFacts
from asynclint.modules import ModuleIndex

__all__ = [
    "Edge",
    "FunctionId",
    "Node",
    "Program",
    "Sink",
    "Summary",
]


class Program:
    """The analysis rooms of one run, wired together."""

    def __init__(
        self,
        index: ModuleIndex,
        catalog: Catalog,
        load: Loader,
        display_path: Callable[[Path], str],
        sources: Sources | None = None,
    ) -> None:
        self.store = FactsStore(index, load, display_path, sources)
        self.resolver = Resolver(self.store, catalog)
        self.hierarchy = Hierarchy(self.store, self.resolver)
        self.resolver.hierarchy = self.hierarchy
        self.stores = StoreIndex(self.store, self.resolver)
        self.resolver.stores = self.stores
        self.graph = CallGraph(self.store, self.resolver, self.hierarchy)
        self.effects = Effects(self.store, self.graph)
        self.affinity = LoopAffinity(self.effects)
        self.threads = ThreadBinding(self.resolver, self.effects)

    @property
    def index(self) -> ModuleIndex:
        return self.store.index

    @property
    def catalog(self) -> Catalog:
        return self.resolver.catalog

    @property
    def facts(self) -> dict[str, ModuleFacts]:
        return self.store.facts

    @property
    def internal_errors(self) -> list[str]:
        return self.graph.internal_errors

    def add(self, module: str, facts: ModuleFacts) -> None:
        self.store.add(module, facts)

    def module_facts(self, module: str) -> ModuleFacts | None:
        return self.store.module_facts(module)

    def function(self, fid: FunctionId) -> FunctionFacts | None:
        return self.store.function(fid)

    def evaluate(self, expr: Expr | None, module: str, receiver: Receiver = None) -> Value:
        return self.resolver.evaluate(expr, module, receiver)

    def settle(self, work: Callable[[], None]) -> None:
        self.store.settle(work)

    def path_of(self, module: str) -> str:
        return self.store.path_of(module)

    def display_name(self, fid: FunctionId) -> str:
        return self.store.display_name(fid)
