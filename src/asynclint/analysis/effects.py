"""Summaries to a fixpoint over the call graph: which sync functions may block, and why.

Breadth-first from the sinks backwards, so cycles terminate and each function keeps its shortest
chain. Confident chains are computed first; guessed hops only give a (low confidence) chain to
functions that have no confident one. An edge with several targets (the implementations of a
method) blocks when any of them does.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from asynclint.analysis.callgraph import CallGraph, Edge, Node, Sink
from asynclint.analysis.store import FactsStore
from asynclint.analysis.values import ClassRef, Instance
from asynclint.models import ChainHop, Confidence


@dataclass(frozen=True, slots=True, eq=False)
class Summary:
    """Why a sync function may block: the hops from its body down to the catalog call.

    The chain is shared, not copied: a summary holds its own first hops and the summary of the
    callee it goes through (``below``), so that N functions calling each other in a line cost N
    hops, not N * N / 2. :attr:`hops` spells the whole chain out, for a finding."""

    sink: Sink
    head: tuple[ChainHop, ...]
    confidence: Confidence
    below: Summary | None = None
    length: int = 0  # len(hops)

    @property
    def hops(self) -> tuple[ChainHop, ...]:
        hops: list[ChainHop] = []
        summary: Summary | None = self
        while summary is not None:
            hops.extend(summary.head)
            summary = summary.below
        return tuple(hops)


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

    def exploration(self) -> Exploration:
        """A walk of the call graph that a round of loading resumes instead of repeating."""
        return Exploration(self.store, self.graph)

    def summarise(self, roots: Iterable[Node]) -> dict[Node, Summary]:
        """Shortest blocking chain of every sync function reachable from ``roots``."""
        reachable = self.reachable(roots)
        summaries: dict[Node, Summary] = {}
        for confident_only in (True, False):
            callers: dict[Node, list[tuple[Node, Edge]]] = {}
            frontier: deque[Node] = deque()
            for node in reachable:
                function = self.store.function(node.fid)
                if function is None or function.is_async:
                    continue
                for edge in self.graph.edges(node):
                    if confident_only and not edge.confident:
                        continue
                    if edge.sink is not None and node not in summaries:
                        hop = ChainHop(
                            edge.sink.name, self.store.path_of(node.module), edge.site.span[0]
                        )
                        confidence = Confidence.HIGH if confident_only else Confidence.LOW
                        summaries[node] = Summary(edge.sink, (hop,), confidence, None, 1)
                        frontier.append(node)
                    for target in edge.targets:
                        callers.setdefault(target, []).append((node, edge))
            if not confident_only:  # guessed hops may extend every chain found so far
                frontier = deque(dict.fromkeys([*frontier, *summaries]))
            while frontier:
                callee = frontier.popleft()
                for caller, edge in callers.get(callee, ()):
                    if caller in summaries:
                        continue
                    caller_function = self.store.function(caller.fid)
                    if caller_function is None or caller_function.is_async:
                        continue
                    below = summaries[callee]
                    confidence = (
                        below.confidence if edge.confident and confident_only else Confidence.LOW
                    )
                    head = self.first_hops(edge, callee, caller.module)
                    summaries[caller] = Summary(
                        below.sink, head, confidence, below, len(head) + below.length
                    )
                    frontier.append(caller)
        return summaries

    def first_hops(self, edge: Edge, callee: Node, module: str) -> tuple[ChainHop, ...]:
        """The hop(s) of one call: the callee, preceded by the helper it was passed through."""
        path, line = self.store.path_of(module), edge.site.span[0]
        hops = (ChainHop(self.display_name(callee), path, line),)
        if edge.via is not None:
            hops = (ChainHop(self.display_name(edge.via), path, line), *hops)
        return hops

    def display_name(self, node: Node) -> str:
        """``app.exports.MonthlyExport.run`` for a base-class method run on a subclass."""
        receiver = node.receiver
        cls = receiver.cls if isinstance(receiver, Instance) else receiver
        if isinstance(cls, ClassRef) and "." in node.qualname and "<locals>" not in node.qualname:
            method = node.qualname.rsplit(".", 1)[-1]
            return self.store.display_name((cls.module, f"{cls.qualname}.{method}"))
        return self.store.display_name(node.fid)


class Exploration:
    """What the loop code reaches, explored across rounds of loading (decision 0050).

    Edges computed without a miss are final (the call graph keeps them), and the roots only grow
    as modules load, so the nodes reached from the roots through final edges only (``reached``)
    never need walking again. A round walks only the rest: its new roots, the reached nodes whose
    own edges were provisional (``boundary``), and what their current edges lead to. That is the
    same set of nodes a walk of everything from the roots would compute edges for, so a chain of
    N modules loaded one round per hop costs N node visits rather than N * N / 2.
    """

    def __init__(self, store: FactsStore, graph: CallGraph) -> None:
        self.store = store
        self.graph = graph
        self._reached: dict[Node, None] = {}  # through final edges, in the order reached
        self._boundary: list[Node] = []  # reached nodes whose own edges are provisional

    def visit(self, roots: Iterable[Node]) -> None:
        """One round: walk from ``roots`` and from the nodes a miss left provisional."""
        reached = self._reached
        queue: deque[tuple[Node, bool]] = deque((node, True) for node in self._boundary)
        self._boundary = []
        for root in roots:
            if root not in reached:
                reached[root] = None
                queue.append((root, True))
        computed: dict[Node, tuple[list[Edge], bool]] = {}  # this round's edges, and if final
        passing: set[Node] = set()  # reached this round through a provisional edge only
        while queue:
            node, certain = queue.popleft()
            found = computed.get(node)
            if found is None:
                misses = self.store.misses
                edges = self.graph.edges(node)
                found = computed[node] = (edges, misses == self.store.misses)
            edges, final = found
            if certain and not final:
                self._boundary.append(node)
            for edge in edges:
                for target in edge.targets:
                    if target in reached:
                        continue
                    if certain and final:
                        reached[target] = None
                        queue.append((target, True))
                    elif target not in passing:
                        passing.add(target)
                        queue.append((target, False))
