"""Summaries to a fixpoint over the call graph: which sync functions may block, and why.

Breadth-first from the sinks backwards, so cycles terminate and each function keeps its shortest
chain. Confident chains are computed first; guessed hops only give a (low confidence) chain to
functions that have no confident one. An edge with several targets (the implementations of a
method) blocks when any of them does.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from asynclint.analysis.callgraph import CallGraph, Edge, Node, Sink
from asynclint.analysis.store import FactsStore
from asynclint.analysis.values import ClassRef, Instance
from asynclint.models import ChainHop, Confidence

S = TypeVar("S")


@dataclass(frozen=True, slots=True)
class Summary:
    """Why a sync function may block: the hops from its body down to the catalog call."""

    sink: Sink
    hops: tuple[ChainHop, ...]
    confidence: Confidence


class Effects:
    def __init__(self, store: FactsStore, graph: CallGraph) -> None:
        self.store = store
        self.graph = graph

    def reachable(self, roots: Iterable[Node]) -> list[Node]:
        found: list[Node] = []
        seen: set[Node] = set()
        queue = deque(roots)
        while queue:
            node = queue.popleft()
            if node in seen:
                continue
            seen.add(node)
            found.append(node)
            for edge in self.graph.edges(node):
                queue.extend(target for target in edge.targets if target not in seen)
        return found

    def summarise(self, roots: Iterable[Node]) -> dict[Node, Summary]:
        """Shortest blocking chain of every sync function reachable from ``roots``."""
        reachable = self.reachable(roots)
        summaries: dict[Node, Summary] = {}
        for confident_only in (True, False):
            self.propagate(
                reachable,
                summaries,
                partial(self._blocking_seed, confident_only),
                partial(self._blocking_hop, confident_only),
                follow=(lambda edge: edge.confident) if confident_only else (lambda _: True),
                # Guessed hops may extend every chain found so far.
                again=not confident_only,
            )
        return summaries

    def _blocking_seed(self, confident_only: bool, node: Node, edge: Edge) -> Summary | None:
        if edge.sink is None or (confident_only and not edge.confident):
            return None
        hop = ChainHop(edge.sink.name, self.store.path_of(node.module), edge.site.span[0])
        return Summary(edge.sink, (hop,), Confidence.HIGH if confident_only else Confidence.LOW)

    def _blocking_hop(
        self, confident_only: bool, caller: Node, edge: Edge, callee: Node, below: Summary
    ) -> Summary:
        return Summary(
            below.sink,
            (*self.first_hops(edge, callee, caller.module), *below.hops),
            below.confidence if edge.confident and confident_only else Confidence.LOW,
        )

    def propagate(
        self,
        nodes: Iterable[Node],
        found: dict[Node, S],
        seed: Callable[[Node, Edge], S | None],
        extend: Callable[[Node, Edge, Node, S], S],
        follow: Callable[[Edge], bool],
        again: bool = False,
    ) -> None:
        """Breadth-first from the sync functions whose own edges ``seed`` an effect, backwards
        to their sync callers along the edges ``follow`` accepts: each function gets the effect
        of its nearest seed (``found`` is filled in; with ``again``, what it already holds
        propagates too). The one graph walk of every summary (blocking, loop affinity)."""
        callers: dict[Node, list[tuple[Node, Edge]]] = {}
        frontier: deque[Node] = deque()
        for node in nodes:
            function = self.store.function(node.fid)
            if function is None or function.is_async:
                continue
            for edge in self.graph.edges(node):
                if not follow(edge):
                    continue
                if node not in found:
                    effect = seed(node, edge)
                    if effect is not None:
                        found[node] = effect
                        frontier.append(node)
                for target in edge.targets:
                    callers.setdefault(target, []).append((node, edge))
        if again:
            frontier = deque(dict.fromkeys([*frontier, *found]))
        while frontier:
            callee = frontier.popleft()
            for caller, edge in callers.get(callee, ()):
                if caller in found:
                    continue
                caller_function = self.store.function(caller.fid)
                if caller_function is None or caller_function.is_async:
                    continue
                found[caller] = extend(caller, edge, callee, found[callee])
                frontier.append(caller)

    def first_hops(self, edge: Edge, callee: Node, module: str) -> tuple[ChainHop, ...]:
        """The hop(s) of one call: the callee, preceded by the helper it was passed through."""
        path, line = self.store.path_of(module), edge.site.span[0]
        hops = (ChainHop(self.display_name(callee), path, line),)
        if edge.via is not None:
            hops = (ChainHop(self.display_name(edge.via), path, line), *hops)
        return hops

    def label(self, node: Node) -> str:
        """The short name of a function in a message: ``Repo.load`` or ``load``."""
        parts = self.display_name(node).split(".")
        if len(parts) >= 2 and parts[-2][:1].isupper():
            return ".".join(parts[-2:])
        return parts[-1]

    def display_name(self, node: Node) -> str:
        """``app.exports.MonthlyExport.run`` for a base-class method run on a subclass."""
        receiver = node.receiver
        cls = receiver.cls if isinstance(receiver, Instance) else receiver
        if isinstance(cls, ClassRef) and "." in node.qualname and "<locals>" not in node.qualname:
            method = node.qualname.rsplit(".", 1)[-1]
            return self.store.display_name((cls.module, f"{cls.qualname}.{method}"))
        return self.store.display_name(node.fid)
